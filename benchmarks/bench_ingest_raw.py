"""Benchmark: ``kharita ingest`` (no attribution) against a raw DuckDB load of the same
file, against pandas, and with 2% malformed rows against the clean file (issue 16).
Prints figures and ratios; asserts nothing.

Per variant, in the same run on the same synthetic GED CSV:

* ``raw``     - ``CREATE TABLE t AS SELECT * FROM read_csv(path)`` (DuckDB's own
  auto-detected load: the floor);
* ``kharita`` - :func:`kharita.events.ingest.ingest_file` into a fresh store;
* ``pandas``  - ``pandas.read_csv(path)``;
* ``bad``     - ``kharita`` on a copy where 2% of the rows are broken (one cell too
  many, an unparseable date, an impossible latitude, a bad byte), each quarantined.

Targets: kharita <= 1.3x raw; bad <= 1.2x clean. Wall and CPU seconds (all threads,
``getrusage``) are printed with the load average: on a busy machine compare the CPU
ratios. Run::

    python benchmarks/bench_ingest_raw.py --rows 200000
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    """CPU seconds of this process, all threads (DuckDB's included)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _best(fn, repeat: int) -> tuple[float, float]:
    """The fastest of ``repeat`` runs: (wall seconds, CPU seconds of that run)."""
    runs = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), _cpu()
        fn()
        runs.append((time.perf_counter() - t0, _cpu() - c0))
    return min(runs)


def _bad_copy(src: Path, dst: Path, share: float, seed: int) -> int:
    rng = random.Random(seed)
    lines = src.read_bytes().split(b"\n")
    n = 0
    for i in range(1, len(lines)):
        if lines[i] and rng.random() < share:
            kind = rng.randrange(4)
            if kind == 0:
                lines[i] += b",extra"
            elif kind == 1:
                lines[i] = lines[i].replace(b"-", b"/", 1)
            elif kind == 2:
                lines[i] = lines[i].replace(b",", b",\xff", 1)
            else:
                lines[i] = lines[i].replace(b".", b"9999.", 1)
            n += 1
    dst.write_bytes(b"\n".join(lines))
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    import duckdb
    import pandas as pd

    from kharita.events import ingest as ing
    from kharita.events.sources.synthetic import write_ged_csv
    from kharita.store.duckdb import connect

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        ged = d / "ged.csv"
        write_ged_csv(ged, args.rows, seed=args.seed)
        bad = d / "ged_bad.csv"
        n_bad = _bad_copy(ged, bad, 0.02, args.seed)
        print(f"{args.rows:,} GED rows ({ged.stat().st_size / 1e6:,.0f} MB); "
              f"{n_bad:,} broken rows in the bad copy")

        def raw() -> None:
            con = duckdb.connect(str(d / "raw.duckdb"))
            con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?)", [str(ged)])
            con.close()

        counter = [0]

        def kharita(path: Path) -> None:
            counter[0] += 1
            store = connect(d / f"k{counter[0]}.duckdb")
            ing.ingest_file(store, "synthetic", path)
            store.close()

        t_raw = _best(raw, args.repeat)
        t_k = _best(lambda: kharita(ged), args.repeat)
        t_pd = _best(lambda: pd.read_csv(ged), args.repeat)
        t_bad = _best(lambda: kharita(bad), args.repeat)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
              "wall and CPU seconds (all threads) of the fastest run")
        print(f"raw DuckDB load   {t_raw[0]:7.2f} s  cpu {t_raw[1]:6.2f} s")
        print(f"kharita ingest    {t_k[0]:7.2f} s  cpu {t_k[1]:6.2f} s   ratio to raw "
              f"{t_k[0] / t_raw[0]:5.2f}x wall, {t_k[1] / t_raw[1]:5.2f}x cpu (target <= 1.3x)")
        print(f"pandas read_csv   {t_pd[0]:7.2f} s  cpu {t_pd[1]:6.2f} s   kharita / pandas "
              f"{t_k[0] / t_pd[0]:5.2f}x wall")
        print(f"kharita, 2% bad   {t_bad[0]:7.2f} s  cpu {t_bad[1]:6.2f} s   ratio to clean "
              f"{t_bad[0] / t_k[0]:5.2f}x wall, {t_bad[1] / t_k[1]:5.2f}x cpu (target <= 1.2x)")

if __name__ == "__main__":
    main()
