"""The per-frame result cache (``coverage.once_per_frame``): computed once per frame and
store contents, again after a write, and never shared mutably."""

from __future__ import annotations

import pandas as pd

from kharita.analysis.coverage import coverage, frame_pairs, once_per_frame
from kharita.analysis.frame import build_frame
from kharita.analysis.geography import africa_crossing, geographic_centres
from kharita.store.base import open_store
from kharita.store.synthetic import insert_synthetic_events


def test_once_per_frame_keys_on_frame_and_store_contents() -> None:
    store = open_store(":memory:")
    insert_synthetic_events(store, 2_000, seed=3)
    frame = build_frame(store)
    calls: list[str] = []

    def compute() -> int:
        calls.append("x")
        return len(calls)

    assert once_per_frame(frame, "t", compute) == 1
    assert once_per_frame(build_frame(store), "t", compute) == 1  # same frame SQL
    assert once_per_frame(frame.narrow(ambiguous="full"), "t", compute) == 2
    assert once_per_frame(frame, "other", compute) == 3
    insert_synthetic_events(store, 500, seed=4)  # a write: computed again
    assert once_per_frame(build_frame(store), "t", compute) == 4


def test_cached_results_equal_fresh_ones_and_are_copies() -> None:
    store = open_store(":memory:")
    insert_synthetic_events(store, 3_000, seed=1)
    frame = build_frame(store)
    pairs = frame_pairs(frame)
    pairs.loc[:, "n"] = -1.0  # a caller changing its copy does not change the cache
    again = frame_pairs(frame)
    assert (again["n"] > 0).all()
    cov = coverage(store)
    cov.loc[:, "n_events"] = 0
    assert (coverage(store)["n_events"] > 0).all()
    cen = geographic_centres(frame)
    cen.loc[:, "lat"] = 99.0
    pd.testing.assert_frame_equal(geographic_centres(frame).drop(columns="lat"),
                                  cen.drop(columns="lat"))
    assert (geographic_centres(frame)["lat"] < 90).all()
    a, b = africa_crossing(frame, n_boot=50), africa_crossing(frame, n_boot=50)
    assert a is not b and a.to_dict() == b.to_dict()
    assert africa_crossing(frame, n_boot=50, seed=1).events.n_boot == 50
