"""Benchmark: ``kharita brief`` on a store of 1,000,000 synthetic events.

Targets: under 10 s (issue 16; issue 6 asked for 30 s), peak memory under 2 GB, HTML
under 15 MB. The CLI run is timed in wall seconds and, from the child's rusage, in CPU
seconds (user + system of all its threads: on a shared 2-core machine the wall time
swings with the load, the CPU time much less). ``--sections`` also times every section
in-process (after the CLI run, so numba's cached kernels are loaded, not compiled) and
the claims section with and without the sensitivity runs of ``kharita check`` (the
before/after of issue 12's robust verdicts).

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
import os
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
            _reattribute_if_stale(store)
            print(f"store: reusing {store.name} ({n:,} events)")
            return store
    DATA.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    times = build_demo_store(store, rows=rows, seed=seed, workdir=DATA)
    print(f"store: built {rows:,} events in {time.perf_counter() - t:.1f} s "
          f"({', '.join(f'{k} {v:.1f} s' for k, v in times.items())})")
    return store


def _reattribute_if_stale(store: Path) -> None:
    """Attributions made with another KB version: attribute again (a few seconds)."""
    from kharita.analysis.frame import build_frame
    from kharita.errors import StaleAttributionError
    from kharita.events.attribute import attribute_store
    from kharita.kb import load_kb
    from kharita.store.base import open_store

    kb = load_kb()
    try:
        with open_store(store, read_only=True) as st:
            build_frame(st, kb)
    except StaleAttributionError:
        t = time.perf_counter()
        with open_store(store) as st:
            attribute_store(st, kb)
        print(f"store: re-attributed with KB {kb.version} in {time.perf_counter() - t:.1f} s")


def section_times(store: Path) -> None:
    """Seconds per section in one process, as the brief builds them (the sections'
    prefetch first: the outlook and the contagion fits compute in background threads
    while the sections before them run, so a section that collects one shows the wait),
    wall and the process' CPU (all threads, DuckDB's included); the main thread's CPU
    and each background job's wall and thread CPU (``time.thread_time``: the work on the
    critical path and what competes for the two cores; the jobs' own workers - the
    backtest's Hawkes refits, the contagion job's re-run - and DuckDB's threads are
    printed together as the rest of the process' CPU); then the claims section without
    the sensitivity runs."""
    from kharita.analysis import presets
    from kharita.analysis.frame import build_frame
    from kharita.report.sections import SECTIONS, BriefData, build_sections, run_section
    from kharita.report.sections import base as sections_base
    from kharita.store.base import open_store

    jobs: dict[str, tuple[float, float]] = {}
    start_job = sections_base.BriefData.in_background

    def timed_job(self, name, job):
        def run():
            t, c = time.perf_counter(), time.thread_time()
            try:
                return job()
            finally:
                jobs[name] = (time.perf_counter() - t, time.thread_time() - c)
        return start_job(self, name, run)

    setattr(sections_base.BriefData, "in_background", timed_job)  # noqa: B010
    with open_store(store, read_only=True) as st:
        main_cpu, process_cpu = time.thread_time(), time.process_time()
        t, c = time.perf_counter(), time.process_time()
        data = BriefData(build_frame(st))
        print(f"frame: {time.perf_counter() - t:.2f} s wall, {time.process_time() - c:.2f} s "
              "CPU")
        marks: list[tuple[str, float, float]] = []
        t, c = time.perf_counter(), time.process_time()
        build_sections(data, SECTIONS, progress=lambda title: marks.append(
            (title, time.perf_counter(), time.process_time())))
        marks.append(("", time.perf_counter(), time.process_time()))
        print(f"sections: {marks[-1][1] - t:.2f} s wall, {marks[-1][2] - c:.2f} s CPU "
              f"(prefetch {marks[0][1] - t:.2f} s wall)")
        times = {s.id: (b[1] - a[1], b[2] - a[2])
                 for s, a, b in zip(SECTIONS, marks, marks[1:], strict=False)}
        print("seconds per section (wall/CPU): " + ", ".join(
            f"{k} {w:.2f}/{cpu:.2f}" for k, (w, cpu) in times.items()))
        main_used = time.thread_time() - main_cpu
        others = time.process_time() - process_cpu - main_used - sum(c for _, c in jobs.values())
        print(f"main thread CPU {main_used:.2f} s (frame and sections; "
              "DuckDB's worker threads not included); background jobs (wall/thread CPU): "
              + ", ".join(f"{k} {w:.2f}/{cpu:.2f}" for k, (w, cpu) in jobs.items())
              + f"; every other thread (the jobs' workers: the backtest's Hawkes refits, the "
              f"contagion re-run; DuckDB's) {others:.2f} s CPU")
        setattr(sections_base.BriefData, "in_background", start_job)  # noqa: B010
        claims = next(s for s in SECTIONS if s.id == "claims")
        robust = presets.robust

        def plain(name, frame, run, *, sensitivity=True, **options):
            return robust(name, frame, run, sensitivity=False, **options)

        presets.robust = plain
        try:
            t = time.perf_counter()
            run_section(claims, data)
            bare = time.perf_counter() - t
        finally:
            presets.robust = robust
        print(f"claims: {times['claims'][0]:.2f} s with the sensitivity runs (and the "
              f"outlook's thread beside it), {bare:.2f} s without")


def placebo_fits() -> None:
    """Before/after of the event studies' placebo dates: 99 fixed-alpha NB GLMs fitted one
    by one with statsmodels (before) against one batched IRLS (after), same data."""
    import warnings

    import numpy as np
    import pandas as pd
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    from kharita.analysis.shocks import _design, fit_post_fixed_alpha

    rng = np.random.default_rng(1)
    weeks = pd.date_range("2014-01-06", periods=520, freq="7D")
    y_all = rng.negative_binomial(10, 10 / (10 + 20.0), len(weeks)).astype(float)
    dates = [weeks[i] + pd.Timedelta(days=3) for i in rng.integers(60, 460, 99)]
    probs = []
    for d in dates:
        keep = (weeks >= d - pd.Timedelta(weeks=52)) & (weeks <= d + pd.Timedelta(weeks=52))
        keep &= ~((weeks <= d) & (weeks + pd.Timedelta(days=7) > d))
        probs.append((y_all[keep], _design(weeks[keep], d)))
    t = time.perf_counter()
    old = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for y, x in probs:
            fam = families.NegativeBinomial(alpha=0.1)
            old.append(float(GLM(y, x, family=fam).fit().params[2]))
    before = time.perf_counter() - t
    n = max(len(y) for y, _x in probs)
    Y, X = np.zeros((99, n)), np.zeros((99, n, 5))
    M = np.zeros((99, n), dtype=bool)
    for i, (y, x) in enumerate(probs):
        Y[i, :len(y)], X[i, :len(y)], M[i, :len(y)] = y, x, True
    t = time.perf_counter()
    new = fit_post_fixed_alpha(Y, X, M, 0.1)
    after = time.perf_counter() - t
    print(f"placebo fits (99 dates): statsmodels one by one {before:.3f} s, batched IRLS "
          f"{after:.3f} s ({before / after:.0f}x); max |difference| "
          f"{float(np.max(np.abs(np.array(old) - new))):.1e}")


def numba_cold_warm() -> None:
    """Before/after of numba caching: the resilience kernels' first call in a fresh
    process with an empty cache directory (compiled, as before) and again (cached)."""
    import tempfile

    code = ("import time, numpy as np, numba; "
            "from kharita.analysis.structure import _kernels; t = time.perf_counter(); "
            "k = _kernels(); "
            "k['lcc'](np.array([0, 1, 2]), np.array([1, 0]), np.ones(2, bool)); "
            "k['ids'](np.array([0, 1, 2]), np.array([1, 0]), np.ones(2, bool), "
            "np.array([0, 1])); print(time.perf_counter() - t)")
    with tempfile.TemporaryDirectory() as cache:
        env = {**__import__("os").environ, "NUMBA_CACHE_DIR": cache}
        runs = [float(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                     capture_output=True, text=True).stdout)
                for _ in range(2)]
    print(f"resilience kernels, first call in a new process: {runs[0]:.2f} s compiled "
          f"(empty cache), {runs[1]:.2f} s cached ({runs[0] / runs[1]:.1f}x)")


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
    ap.add_argument("--sections", action="store_true",
                    help="also time every section in-process")
    args = ap.parse_args()
    store = ensure_store(args.rows, args.seed)
    out = DATA / "bench-brief.html"
    cmd = [sys.executable, "-c", "from kharita.cli import main; main()", "brief", "--store",
           str(store), "-o", str(out)]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - t
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_mb, cpu = child.ru_maxrss / 1024, child.ru_utime + child.ru_stime
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr)
        raise SystemExit(f"kharita brief failed (exit {proc.returncode})")
    size_mb = out.stat().st_size / 1e6
    print(proc.stdout.strip())
    base_s, base_mb = naive_baseline(store)
    print(f"kharita brief, {args.rows:,} events: {seconds:.1f} s wall, {cpu:.1f} s CPU "
          f"on {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} (target < 10 s), "
          f"peak RSS {peak_mb:,.0f} MB (target < 2048 MB), HTML {size_mb:.1f} MB "
          f"(target < 15 MB)")
    print(f"baseline (every event as JSON, no aggregation): {base_mb:.1f} MB of data in "
          f"{base_s:.1f} s; the aggregated brief is {base_mb / size_mb:.1f}x smaller")
    placebo_fits()
    numba_cold_warm()
    if args.sections:
        section_times(store)
    ok = seconds < 10 and peak_mb < 2048 and size_mb < 15
    print("targets met" if ok else "TARGETS NOT MET")


if __name__ == "__main__":
    main()
