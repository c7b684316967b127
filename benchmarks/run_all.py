"""Run every benchmark of ``benchmarks/README.md`` one after the other and print their
figures (each script prints its own figures and ratios; nothing is asserted).

    python benchmarks/run_all.py            # the sizes of the issues' targets (long)
    python benchmarks/run_all.py --quick    # small sizes: a smoke run in a few minutes
    python benchmarks/run_all.py --only read,forecast
    python benchmarks/run_all.py --news ../news-texts   # also score the shared news

Each benchmark runs in its own interpreter (so import and compile costs are measured
as a user meets them); a failing one is reported and the others still run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: name -> (script arguments at the target sizes, arguments for --quick)
BENCHMARKS: dict[str, tuple[list[str], list[str]]] = {
    "cli-help": (["bench_cli_help.py"], ["bench_cli_help.py"]),
    "imports": (["bench_imports.py", "5"], ["bench_imports.py", "1"]),
    "ingest": (["bench_ingest.py", "--gdelt-rows", "0", "--baseline-rows", "200000",
                "--no-spark"],
               ["bench_ingest.py", "--rows", "20000", "--gdelt-rows", "0", "--baseline-rows",
                "5000", "--no-spark"]),
    "ingest-raw": (["bench_ingest_raw.py", "--rows", "1000000"],
                   ["bench_ingest_raw.py", "--rows", "20000", "--repeat", "1"]),
    "attribution-memory": (["bench_attribution_memory.py", "--rows", "1000000,3000000"],
                           ["bench_attribution_memory.py", "--rows", "50000"]),
    "analysis": (["bench_analysis.py"], ["bench_analysis.py", "--events", "50000",
                                          "--nodes", "1000"]),
    "incidents": (["bench_incidents.py", "--events", "1000000"],
                  ["bench_incidents.py", "--events", "50000"]),
    "contagion": (["bench_contagion.py"], ["bench_contagion.py", "--k", "3", "--n", "5000",
                                           "--sim", "20000", "--repeat", "1"]),
    "forecast": (["bench_forecast.py"], ["bench_forecast.py", "--events", "20000"]),
    "linkage": (["bench_linkage.py", "--n", "100000"],
                ["bench_linkage.py", "--n", "5000", "--no-spark", "--no-recovery"]),
    "read": (["bench_read.py"], ["bench_read.py", "--n", "50"]),
    "read-scaling": (["bench_read.py", "--scaling"], ["bench_read.py", "--scaling"]),
    "brief": (["bench_brief.py", "--rows", "1000000"], ["bench_brief.py", "--rows", "50000"]),
    "first-load": (["bench_first_load.py"], ["bench_first_load.py"]),
    "api": (["bench_api.py", "--rows", "1000000"], ["bench_api.py", "--rows", "50000"]),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--only", help="comma-separated names: " + ", ".join(BENCHMARKS))
    ap.add_argument("--news", type=Path, help="folder of rebuilt news texts (bench_news)")
    a = ap.parse_args(argv)
    names = list(BENCHMARKS) if not a.only else [n.strip() for n in a.only.split(",")]
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
    runs = [(n, BENCHMARKS[n][1 if a.quick else 0]) for n in names]
    if a.news:
        runs.append(("news", ["bench_news.py", str(a.news)]))
    failed = []
    for name, args in runs:
        print(f"\n=== {name}: python benchmarks/{' '.join(args)}", flush=True)
        t = time.perf_counter()
        rc = subprocess.call([sys.executable, str(HERE / args[0]), *args[1:]])
        print(f"=== {name}: exit {rc}, {time.perf_counter() - t:.1f} s", flush=True)
        if rc:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
