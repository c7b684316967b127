"""Benchmark: ``kharita brief`` on a store of 1,000,000 synthetic events.

Targets (issue 6): under 30 s, peak memory under 2 GB, HTML under 15 MB.

The store is built once through the real pipeline (synthetic GED file -> ingest ->
attribute) into ``benchmarks/.data/`` and reused. The brief runs as the real CLI in a
subprocess, so its peak resident memory is measured alone (``ru_maxrss`` of the
child). Baseline, measured in the same run: what a brief that shipped every event
would have to embed (each event's date, branch and coordinates as JSON) - its size
and the time to fetch and serialise it - against the aggregated brief.

Usage: python benchmarks/bench_brief.py [--rows 1000000] [--seed 2019]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"


def ensure_store(rows: int, seed: int) -> Path:
    from kharita.errors import StoreError
    from kharita.report.demo import build_demo_store
    from kharita.store.base import open_store

    store = DATA / f"synthetic-{rows}-{seed}.duckdb"
    if store.exists():
        try:
            with open_store(store, read_only=True) as st:
                n = int(st.scalar("SELECT count(*) FROM events") or 0)
        except StoreError:  # written by another kharita version: build it again
            n = -1
        if n == rows:
            print(f"store: reusing {store.name} ({n:,} events)")
            return store
    DATA.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    times = build_demo_store(store, rows=rows, seed=seed, workdir=DATA)
    print(f"store: built {rows:,} events in {time.perf_counter() - t:.1f} s "
          f"({', '.join(f'{k} {v:.1f} s' for k, v in times.items())})")
    return store


def naive_baseline(store: Path) -> tuple[float, float]:
    """Seconds and MB to fetch and serialise every attributed event (no aggregation)."""
    from kharita.analysis.frame import build_frame
    from kharita.store.base import open_store

    with open_store(store, read_only=True) as st:
        t = time.perf_counter()
        df = build_frame(st).df()[["date", "entity_id", "latitude", "longitude"]]
        df["date"] = df["date"].astype(str)
        text = json.dumps(df.values.tolist())
        return time.perf_counter() - t, len(text.encode()) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2019)
    args = ap.parse_args()
    store = ensure_store(args.rows, args.seed)
    out = DATA / "bench-brief.html"
    cmd = [sys.executable, "-c", "from kharita.cli import main; main()", "brief", "--store",
           str(store), "-o", str(out)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr)
        raise SystemExit(f"kharita brief failed (exit {proc.returncode})")
    size_mb = out.stat().st_size / 1e6
    print(proc.stdout.strip())
    base_s, base_mb = naive_baseline(store)
    print(f"kharita brief, {args.rows:,} events: {seconds:.1f} s (target < 30 s), "
          f"peak RSS {peak_mb:,.0f} MB (target < 2048 MB), HTML {size_mb:.1f} MB "
          f"(target < 15 MB)")
    print(f"baseline (every event as JSON, no aggregation): {base_mb:.1f} MB of data in "
          f"{base_s:.1f} s; the aggregated brief is {base_mb / size_mb:.1f}x smaller")
    ok = seconds < 30 and peak_mb < 2048 and size_mb < 15
    print("targets met" if ok else "TARGETS NOT MET")


if __name__ == "__main__":
    main()
