"""Benchmark of counting incidents (issue 11): the frame's base tables and one activity
table on N SYNTHETIC events, with no incidents (the report base only) and with a
fifth of the events linked in pairs (the incident base too). Prints figures and
ratios; asserts nothing.

Run: ``python benchmarks/bench_incidents.py [--events N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    n = ap.parse_args().events
    from kharita import load_kb
    from kharita.analysis.activity import activity
    from kharita.analysis.frame import build_frame
    from kharita.store.base import open_store
    from kharita.store.synthetic import insert_synthetic_events

    kb = load_kb()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        store = open_store(path)
        insert_synthetic_events(store, n, seed=1)
        out: dict[str, float] = {}

        def timed(label: str, fn: Any) -> Any:
            t0 = time.perf_counter()
            res = fn()
            out[label] = time.perf_counter() - t0
            print(f"  {label:<52s} {out[label]:7.2f} s")
            return res

        print(f"== {n:,} SYNTHETIC events, no incidents")
        fr = timed("build_frame (report base)", lambda: build_frame(store, kb))
        timed("build_frame again (cached base)", lambda: build_frame(store, kb))
        timed("activity by branch per month", lambda: activity(fr, by="branch",
                                                               freq="month"))
        # a fifth of the events, in pairs of consecutive ids, as two-report incidents
        store.execute(
            "INSERT INTO incidents SELECT event_id, 'inc:' || CAST(k // 2 AS VARCHAR), 2, "
            "k % 2 = 0 FROM (SELECT event_id, ROW_NUMBER() OVER (ORDER BY event_id) - 1 "
            "AS k FROM events) t WHERE k < " + str(n // 5 // 2 * 2))
        print(f"== the same with {n // 5 // 2 * 2:,} events in two-report incidents")
        fr2 = timed("build_frame (report + incident base)", lambda: build_frame(store, kb))
        timed("build_frame again (cached bases)", lambda: build_frame(store, kb))
        timed("activity by branch per month (incidents)",
              lambda: activity(fr2, by="branch", freq="month"))
        timed("activity by branch per month (reports)",
              lambda: activity(fr2.narrow(count="reports"), by="branch", freq="month"))
        rows = store.scalar(f"SELECT count(*) FROM ({fr2.sql}) f")
        rows_r = store.scalar(f"SELECT count(*) FROM ({fr2.narrow(count='reports').sql}) f")
        print(f"  frame rows: {rows:,} incidents-rows vs {rows_r:,} report-rows")
        build = out["build_frame (report + incident base)"] / out["build_frame (report base)"]
        act = (out["activity by branch per month (incidents)"]
               / out["activity by branch per month (reports)"])
        print(f"  ratio build (with incidents / without): {build:.2f}")
        print(f"  ratio activity (incidents / reports): {act:.2f}")
        store.close()


if __name__ == "__main__":
    main()
