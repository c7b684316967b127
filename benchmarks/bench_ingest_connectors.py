"""Benchmark: ingest (connectors + store, no attribution) of synthetic GED and GDELT files.

Writes a synthetic GED-format CSV (``--ged-rows``, default 1,000,000) and a synthetic
GDELT 1.0 file (``--gdelt-rows``, default 1,000,000; the issue's memory target uses
10,000,000), ingests each in a fresh subprocess (so peak memory is that process's own),
and prints rows/s and peak resident memory. Baseline, measured in the same run on the
first ``--baseline-rows`` rows of the GED file: a straightforward pandas implementation
(``read_csv`` of all columns as strings, then row-wise Python normalisation of the
fields kharita normalises). Targets (issue 3): >= 100,000 rows/s end to end including
attribution (see the attribution benchmarks), peak memory < 2 GB for 1M GED rows and
< 3 GB for 10M GDELT rows. No timed assertions: figures are printed.

    python benchmarks/bench_ingest_connectors.py [--ged-rows N] [--gdelt-rows N]
        [--baseline-rows N] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from kharita.events.ingest import ingest_file
from kharita.store.duckdb import connect
source, path, store = sys.argv[1:4]
con = connect(store)
t = time.perf_counter()
r = ingest_file(con, source, path)
secs = time.perf_counter() - t
con.close()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"read": r.rows_read, "stored": r.rows_stored,
                  "quarantined": r.rows_quarantined, "seconds": secs, "peak": peak}))
"""


def ingest_in_child(source: str, path: Path, store: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, source, str(path), str(store)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def pandas_baseline(path: Path, rows: int) -> tuple[int, float]:
    """read_csv (strings) + row-wise normalisation in Python; returns (rows, seconds)."""
    import datetime as dt

    import pandas as pd

    t = time.perf_counter()
    df = pd.read_csv(path, dtype=str, nrows=rows, keep_default_na=False)
    types = {"1": "battle", "2": "battle", "3": "violence_against_civilians"}
    out = []
    for rec in df.to_dict("records"):
        try:
            lat, lon = float(rec["latitude"]), float(rec["longitude"])
            d0 = dt.date.fromisoformat(rec["date_start"][:10])
            d1 = dt.date.fromisoformat(rec["date_end"][:10])
            best = int(float(rec["best"]))
        except ValueError:
            continue
        if abs(lat) > 90 or abs(lon) > 180 or d1 < d0:
            continue
        gid = math.floor((lat + 90) / 0.5) * 720 + math.floor((lon + 180) / 0.5) + 1
        out.append((f"ucdp:{rec['id']}", d0, d1, lat, lon, gid,
                    types.get(rec["type_of_violence"], "other"), rec["side_a"], rec["side_b"],
                    best))
    pd.DataFrame(out)
    return len(df), time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ged-rows", type=int, default=1_000_000)
    ap.add_argument("--gdelt-rows", type=int, default=1_000_000)
    ap.add_argument("--baseline-rows", type=int, default=200_000)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()

    from kharita.events.sources.synthetic import write_gdelt_tsv, write_ged_csv

    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        d = Path(tmp)
        ged, gdelt = d / "synthetic_ged.csv", d / "synthetic_gdelt.tsv"
        t = time.perf_counter()
        write_ged_csv(ged, args.ged_rows, seed=1)
        print(f"wrote {args.ged_rows:,} GED rows ({ged.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.1f} s")
        g = ingest_in_child("synthetic", ged, d / "ged.duckdb")
        ged_rate = g["read"] / g["seconds"]
        print(f"GED ingest: {g['read']:,} rows read, {g['stored']:,} stored, "
              f"{g['quarantined']} quarantined in {g['seconds']:.1f} s = {ged_rate:,.0f} rows/s; "
              f"peak RSS {g['peak'] / 2**30:.2f} GiB (target < 2 GB)")
        n, secs = pandas_baseline(ged, args.baseline_rows)
        base_rate = n / secs
        print(f"pandas baseline (read_csv + row-wise normalise, {n:,} rows): "
              f"{base_rate:,.0f} rows/s; ratio kharita/pandas = {ged_rate / base_rate:.1f}x")
        t = time.perf_counter()
        write_gdelt_tsv(gdelt, args.gdelt_rows, seed=1)
        print(f"wrote {args.gdelt_rows:,} GDELT rows ({gdelt.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - t:.1f} s")
        r = ingest_in_child("gdelt", gdelt, d / "gdelt.duckdb")
        print(f"GDELT ingest: {r['read']:,} rows read, {r['stored']:,} stored in "
              f"{r['seconds']:.1f} s = {r['read'] / r['seconds']:,.0f} rows/s; "
              f"peak RSS {r['peak'] / 2**30:.2f} GiB (target < 3 GB at 10M rows)")


if __name__ == "__main__":
    main()
