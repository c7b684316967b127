"""Linkage on Spark gives DuckDB's links and incidents (issue 11: "the same pipeline on
Spark local mode with identical links").

The model is trained once on DuckDB and applied on Spark (``link_events(model=...)``);
links, their probabilities and waterfalls, and the incidents must agree. The
incidents depend on the one-to-one assignment, which must not depend on the order in
which an engine returns the candidate links (two swapped partners often have exactly
the same total match weight). The figures at 50,000 reports: ``benchmarks/
bench_linkage.py`` (``run_spark``).
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from kharita.linkage.assignment import assign_links


def _swap_tie() -> pd.DataFrame:
    # a1-b1 + a2-b2 = a1-b2 + a2-b1 = 5: two one-to-one sets of equal total weight
    return pd.DataFrame({
        "event_id_l": ["a1", "a1", "a2", "a2"], "event_id_r": ["b1", "b2", "b1", "b2"],
        "match_probability": [0.9, 0.7, 0.95, 0.8], "match_weight": [3.0, 1.0, 4.0, 2.0],
        "source_dataset_l": ["a"] * 4, "source_dataset_r": ["b"] * 4})


def test_assignment_does_not_depend_on_row_order():
    edges = _swap_tie()
    kept = set()
    for perm in itertools.permutations(range(len(edges))):
        out = assign_links(edges.iloc[list(perm)], 0.5)
        kept.add(frozenset(zip(out.event_id_l, out.event_id_r, strict=True)))
    assert len(kept) == 1
    (only,) = kept
    assert len(only) == 2 and len({a for a, _ in only}) == 2


@pytest.mark.spark
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_spark_links_and_incidents_equal_duckdb(tmp_path):
    pytest.importorskip("pyspark")
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "bench_linkage", Path(__file__).resolve().parents[2] / "benchmarks" /
        "bench_linkage.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = bench.run_spark(600, tmp=tmp_path)
    assert out["links_duckdb"] > 100
    assert out["links_spark"] == out["links_duckdb"] == out["links_in_both"]
    assert out["max_probability_difference"] < 1e-12
    assert out["waterfalls_identical"]
    assert out["incident_rows_duckdb"] > 100
    assert out["incident_rows_identical"]
