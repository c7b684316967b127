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
ratios. With ``--profile``, one more ingest of the clean file prints where its time goes:
the wall and CPU seconds of each statement and of the file's hash, and DuckDB's
operator timings (``enable_profiling``) of the normalising statement. Run::

    python benchmarks/bench_ingest_raw.py --rows 200000
    python benchmarks/bench_ingest_raw.py --rows 200000 --repeat 1 --profile
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


def _profile(path: Path, d: Path) -> None:
    """Ingest ``path`` once, timing each statement and the normalising statement's
    operators (see the module docstring)."""
    import json

    from kharita.events import ingest as ing
    from kharita.events.sources import _common
    from kharita.store import duckdb as kd

    times: list[tuple[float, float, str]] = []
    out = d / "profile.json"

    def timed(fn, label):
        def run(*args, **kwargs):
            t0, c0 = time.perf_counter(), _cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                text = next((a for a in args if isinstance(a, str) and " " in a), "")
                times.append((time.perf_counter() - t0, _cpu() - c0,
                              f"{label} {' '.join(text.split())[:70]}"))
        return run

    ctas = kd.create_table_as

    def profiled_ctas(store, name, sql):
        con = kd.raw(store)
        if name == "_kh_norm":
            con.execute("PRAGMA enable_profiling = 'json'")
            con.execute(f"PRAGMA profiling_output = '{out}'")
        try:
            ctas(store, name, sql)
        finally:
            if name == "_kh_norm":
                con.execute("PRAGMA disable_profiling")

    kd.create_table_as = timed(profiled_ctas, "create temp table")
    _common.sha256_and_blank_line = timed(_common.sha256_and_blank_line,
                                          "file hash + blank-line candidate")
    store = kd.connect(d / "profile.duckdb")
    for method in ("execute", "rows", "scalar", "sql"):
        setattr(store, method, timed(getattr(store, method), method))
    t0, c0 = time.perf_counter(), _cpu()
    ing.ingest_file(store, "synthetic", path)
    total = (time.perf_counter() - t0, _cpu() - c0)
    store.close()
    kd.create_table_as = ctas
    print(f"\nprofile of one ingest: {total[0]:.2f} s wall, {total[1]:.2f} s CPU")
    for wall, cpu, label in sorted(times, reverse=True)[:8]:
        print(f"  {wall:6.2f} s  cpu {cpu:6.2f} s  {label}")
    if out.exists():
        prof = json.loads(out.read_text())
        print("operators of the normalising statement (DuckDB's timing, s):")

        def walk(node, depth):
            if node.get("timing", 0) >= 0.005 or depth < 2:
                rows = node.get("operator_cardinality", node.get("intermediate_rows", ""))
                print(f"  {'  ' * depth}{node.get('name', '?'):24s} "
                      f"{node.get('timing', 0):6.3f}  rows {rows}")
            for child in node.get("children", []):
                walk(child, depth + 1)

        for node in prof.get("operator", prof.get("children", [])):
            walk(node, 0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", action="store_true",
                    help="also print where one ingest's time goes")
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
        if args.profile:
            _profile(ged, d)

if __name__ == "__main__":
    main()
