"""The ``pandas-full`` baseline of ``benchmarks/bench_ingest.py`` (pandas row-wise code doing
the ingest's work, issue 16) does the same work as kharita: on a synthetic GED file and on
a copy with broken rows (``bench_ingest_raw._bad_copy``: a cell too many, a bad byte, an
impossible latitude, a changed separator) it stores the same events, column for column,
and quarantines the same lines with the same reasons as ``ingest_file``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _bench() -> tuple[Any, Any]:
    sys.path.insert(0, str(BENCH))
    try:
        import bench_ingest
        import bench_ingest_raw
    finally:
        sys.path.remove(str(BENCH))
    return bench_ingest, bench_ingest_raw


def test_pandas_full_baseline_stores_and_quarantines_like_the_ingest(tmp_path: Path) -> None:
    from kharita.events.ingest import ingest_file
    from kharita.events.sources.synthetic import write_ged_csv
    from kharita.store.base import open_store

    bench, raw = _bench()
    clean = tmp_path / "ged.csv"
    write_ged_csv(clean, 3000, seed=3)
    bad = tmp_path / "ged_bad.csv"
    assert raw._bad_copy(clean, bad, 0.05, 3) > 100
    for path in (clean, bad):
        out = tmp_path / f"{path.stem}.pandas.duckdb"
        got = bench.run_pandas_full(str(path), str(out))
        with open_store(tmp_path / f"{path.stem}.duckdb") as store:
            rep = ingest_file(store, "synthetic", path)
            kq = store.sql("SELECT row_number, split_part(reason, ':', 1) AS reason "
                           "FROM quarantine ORDER BY row_number")
            kev = store.sql("SELECT * EXCLUDE (withdrawn, withdrawn_by) FROM events "
                            "ORDER BY event_id")
        assert got["stored"] == rep.rows_stored
        assert got["quarantine"] == [[int(n), str(r)] for n, r in
                                     zip(kq.row_number, kq.reason, strict=True)]
        with duckdb.connect(str(out), read_only=True) as con:
            pev = con.execute("SELECT * FROM events ORDER BY event_id").fetch_df()
        pd.testing.assert_frame_equal(pev[list(kev.columns)], kev, check_dtype=False)
    assert rep.rows_quarantined > 100
    assert {r for _, r in got["quarantine"]} >= {"too many columns", "invalid encoding",
                                                 "impossible coordinates"}
