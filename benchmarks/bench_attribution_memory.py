"""Benchmark: peak memory and time of attribution alone (prints figures, asserts nothing).

For each size N (synthetic GED events, ``write_ged_csv``), one child process ingests the
file into a DuckDB store file; a second child opens that store and runs
``attribute_store`` (no memory limit), and reports its own peak resident memory
(``VmHWM``; DuckDB runs in-process, so this is DuckDB's peak plus Python's) and the
wall time. With ``--baseline-src DIR`` (a ``src``
directory of another kharita checkout, e.g. ``git archive HEAD~5 src | tar -x -C
/tmp/base``) the same sizes run on that code too, in the same run, and the ratio
(this tree / baseline) is printed.

Target (issue 16): attribution of 10M events with peak memory under 2.5 GB and no
memory cap. Run small first::

    python benchmarks/bench_attribution_memory.py --rows 200000
    python benchmarks/bench_attribution_memory.py --rows 1000000,3000000 \
        --baseline-src ../kharita-base/src   # src/ of an older checkout (git worktree)
    python benchmarks/bench_attribution_memory.py --rows 1000000,10000000 --file-rows 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import peak_rss_mb  # the scripts' folder is on sys.path


def child_generate(csv: str, rows: int, seed: int) -> dict[str, float]:
    from kharita.events.sources.synthetic import write_ged_csv

    part = Path(csv).with_suffix(".part.csv")
    write_ged_csv(part, rows, seed=seed)
    part.rename(csv)
    return {"rows": rows}


def child_ingest(csv: str, store: str) -> dict[str, float]:
    from kharita.events.ingest import ingest_file
    from kharita.store.duckdb import connect

    con = connect(store)
    t0 = time.perf_counter()
    rep = ingest_file(con, "synthetic", csv)
    con.close()
    return {"rows": rep.rows_stored, "ingest_s": time.perf_counter() - t0}


def child_replicate(store: str, copies: int) -> dict[str, float]:
    """Make ``copies`` copies of the store's events under new ids (``<id>~<k>``): a large
    store from one ingested file, far faster than ingesting a file that size."""
    from kharita.store.duckdb import connect

    con = connect(store)
    t0 = time.perf_counter()
    with con.transaction():
        for k in range(1, copies):
            con.execute("INSERT INTO events SELECT * REPLACE (event_id || '~' || "
                        f"'{k}' AS event_id, source_event_id || '~' || '{k}' AS "
                        "source_event_id) FROM events WHERE NOT contains(event_id, '~')")
    n = con.scalar("SELECT count(*) FROM events")
    con.close()
    return {"rows": int(n or 0), "replicate_s": time.perf_counter() - t0}


def child_attribute(store: str) -> dict[str, float]:
    from kharita import load_kb
    from kharita.events.attribute import attribute_store
    from kharita.store.duckdb import connect

    kb = load_kb()
    con = connect(store)
    t0 = time.perf_counter()
    rep = attribute_store(con, kb, memory_limit=None)
    secs = time.perf_counter() - t0
    con.close()
    return {"events": rep.events, "rows": rep.rows, "attribute_s": secs}


def _run(args: list[str], src: str | None) -> dict:
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=False, env=env)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="1000000,3000000",
                    help="comma-separated event counts (default 1M,3M)")
    ap.add_argument("--baseline-src", default=None,
                    help="src directory of the code to compare with (same sizes, same run)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--file-rows", type=int, default=0,
                    help="ingest a file of this many rows and copy its events (new ids) up "
                         "to each size (a multiple of it): a 10M store in minutes")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--csv", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--store", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=0, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        if a.child == "generate":
            res = child_generate(a.csv, a.n, a.seed)
        elif a.child == "replicate":
            res = child_replicate(a.store, a.n)
        else:
            res = child_ingest(a.csv, a.store) if a.child == "ingest" else \
                child_attribute(a.store)
        res["peak_rss_mb"] = peak_rss_mb()
        print("RESULT " + json.dumps(res))
        return

    work = a.workdir or Path(tempfile.mkdtemp(prefix="kharita-attr-mem-"))
    work.mkdir(parents=True, exist_ok=True)
    variants = [("this tree", None)] + ([("baseline", a.baseline_src)] if a.baseline_src
                                        else [])
    print(f"attribution memory benchmark (SYNTHETIC GED events), {os.cpu_count()} cores, "
          "no memory limit")
    sizes = [int(x) for x in a.rows.split(",") if x.strip()]
    results: dict[tuple[str, int], dict] = {}
    for n in sizes:
        file_rows = a.file_rows if a.file_rows and n % a.file_rows == 0 else n
        csv = work / f"ged_{file_rows}_{a.seed}.csv"
        if not csv.exists():  # generated in a child: this process stays small
            _run(["--child", "generate", "--csv", str(csv), "--n", str(file_rows),
                  "--seed", str(a.seed)], None)
        for label, src in variants:
            store = work / f"store_{n}_{'base' if src else 'tree'}.duckdb"
            for p in (store, Path(str(store) + ".wal")):
                p.unlink(missing_ok=True)
            _run(["--child", "ingest", "--csv", str(csv), "--store", str(store)], src)
            if file_rows < n:
                _run(["--child", "replicate", "--store", str(store),
                      "--n", str(n // file_rows)], src)
            r = _run(["--child", "attribute", "--store", str(store)], src)
            results[(label, n)] = r
            print(f"{label:9s} {n:>11,} events: attribute {r['attribute_s']:7.1f} s, "
                  f"peak RSS {r['peak_rss_mb']:8,.0f} MB "
                  f"({r['peak_rss_mb'] / n * 1e6 / 1024:.2f} GB per million), "
                  f"{r['rows']:,} attribution rows", flush=True)
            store.unlink(missing_ok=True)
        if not a.file_rows:
            csv.unlink(missing_ok=True)
    if len(sizes) >= 2:
        for label, _ in variants:
            lo, hi = sizes[0], sizes[-1]
            slope = ((results[(label, hi)]["peak_rss_mb"] - results[(label, lo)]["peak_rss_mb"])
                     / ((hi - lo) / 1e6))
            print(f"{label:9s} slope {slope:,.0f} MB per million events "
                  f"({lo:,} -> {hi:,}); 10M extrapolated "
                  f"{results[(label, lo)]['peak_rss_mb'] + slope * (10e6 - lo) / 1e6:,.0f} MB")
    if a.baseline_src:
        for n in sizes:
            t, b = results[("this tree", n)], results[("baseline", n)]
            print(f"ratio {n:>11,}: peak RSS {t['peak_rss_mb'] / b['peak_rss_mb']:.2f}x, "
                  f"time {t['attribute_s'] / b['attribute_s']:.2f}x (this tree / baseline)")
    print("target (issue 16): 10M events under 2,500 MB peak with no memory cap")


if __name__ == "__main__":
    main()
