"""The brief's outlook computed in a background thread (the section's prefetch) is the
outlook computed in place: same tables, same fan charts (issue 16)."""

from __future__ import annotations

import pandas as pd

from kharita.analysis.frame import build_frame
from kharita.report.sections import SECTIONS, BriefData, build_sections, run_section
from kharita.store.base import open_store
from kharita.store.synthetic import insert_synthetic_events


def test_outlook_from_the_background_is_the_outlook_in_place() -> None:
    store = open_store(":memory:")
    insert_synthetic_events(store, 4_000, seed=3)
    frame = build_frame(store)
    spec = next(s for s in SECTIONS if s.id == "outlook")
    assert spec.prefetch is not None
    data = BriefData(frame)
    spec.prefetch(data)
    assert "outlook" in data._jobs  # started, not yet collected
    (background,) = build_sections(data, [spec])
    assert not data._jobs and data.computed.count("outlook") == 1
    in_place = run_section(spec, BriefData(frame))
    assert background.status == in_place.status == "ok", background.reason
    assert [c.figure for c in background.charts] == [c.figure for c in in_place.charts]
    assert len(background.tables) == len(in_place.tables) > 0
    for a, b in zip(background.tables, in_place.tables, strict=True):
        pd.testing.assert_frame_equal(a.df, b.df)
    assert background.intro == in_place.intro and background.notes == in_place.notes
