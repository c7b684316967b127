"""The brief's leadership-shock charts on the real UCDP extracts draw the series each
study tested, not the frame's whole network: the Nigeria and Syria files end within the
year after al-Baghdadi's death, and the whole network drops there."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def test_charts_show_the_tested_series(shared_data: Path) -> None:
    from tests.report.conftest import real_section

    sec, weekly = real_section(shared_data, "shocks", lambda data: data.weekly)
    whole, tested = weekly["network"], weekly["is-west-africa"]
    assert sec.status == "ok", sec.reason
    chart = next(c for c in sec.charts if c.id == "shock-abu-bakr-al-baghdadi")
    x = pd.to_datetime(chart.figure["data"][0]["x"])
    table = sec.tables[0].df
    row = table[(table.series == "network") & (table.kind == "death")].iloc[0]
    # the study: is-west-africa over 2015-03-09..2019-12-23 (the Nigeria file's end)
    assert row.note.startswith("network = is-west-africa over their common span"), row.note
    end = pd.Timestamp(row.note.rsplit("..", 1)[1][:10])
    assert x.max() <= end
    y = pd.Series(chart.figure["data"][0]["y"], index=x, dtype=float)
    assert (y - tested.reindex(x)).abs().max() < 0.01
    # the frame's whole network (Syria's file, ending 2019-11-30, included) is not drawn
    assert (whole.reindex(x) - y).sum() > 100
