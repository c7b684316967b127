"""Benchmarks of the analytics (issue 4). Prints figures; asserts nothing.

1. All activity, geography and concentration tables for 1,000,000 synthetic events
   on DuckDB (target: under 5 s in total, peak memory under 2 GB), with a pandas
   baseline for the activity tables measured in the same run.
2. A resilience curve with 100 removal steps on a 10,000-node synthetic organisation
   graph (target: under 5 s and at least 10x the plain networkx implementation,
   measured in the same run).

Run: ``python benchmarks/bench_analysis.py [--events N] [--nodes N]``. All data are
SYNTHETIC (seeded).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path


def peak_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn, results: dict) -> object:
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    results[label] = dt
    print(f"  {label:<44s} {dt:7.2f} s")
    return out


def bench_tables(n_events: int) -> None:
    from kharita import load_kb
    from kharita.analysis.activity import activity
    from kharita.analysis.concentration import concentration
    from kharita.analysis.frame import build_frame
    from kharita.analysis.geography import africa_crossing, geographic_centres, region_shares
    from kharita.store.base import open_store
    from kharita.store.synthetic import insert_synthetic_events

    print(f"== activity, geography, concentration on {n_events:,} SYNTHETIC events (DuckDB)")
    kb = load_kb()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.duckdb"
        store = open_store(path)
        t0 = time.perf_counter()
        insert_synthetic_events(store, n_events, seed=1)
        store.close()
        print(f"  (setup: synthetic store written in {time.perf_counter() - t0:.2f} s)")
        store = open_store(path, read_only=True)
        r: dict[str, float] = {}
        start = time.perf_counter()
        fr = timed("frame (attribution weights, materialised)",
                   lambda: build_frame(store, kb), r)
        for by, freq in (("branch", "year"), ("region", "month"), ("country", "quarter"),
                         ("admin1", "year"), ("cell", "year"), ("network", "week")):
            timed(f"activity by {by} per {freq}",
                  lambda by=by, freq=freq: activity(fr, by=by, freq=freq), r)
        timed("geographic centres per year (events)", lambda: geographic_centres(fr), r)
        timed("geographic centres per year (fatalities)",
              lambda: geographic_centres(fr, weighting="fatalities"), r)
        timed("region shares per year", lambda: region_shares(fr), r)
        timed("Africa/Middle East crossing, 1000 bootstraps",
              lambda: africa_crossing(fr, n_boot=1000), r)
        timed("concentration per year, 500 bootstraps",
              lambda: concentration(fr, n_boot=500), r)
        timed("concentration per month, 200 bootstraps",
              lambda: concentration(fr, freq="month", n_boot=200), r)
        timed("activity on a narrowed frame (2020-, 2 branches)",
              lambda: activity(fr.narrow(start="2020", branches="ISWAP,is-sahel")), r)
        total = time.perf_counter() - start
        print(f"  TOTAL (all tables, one frame)               {total:7.2f} s   "
              f"target < 5 s: {'met' if total < 5 else 'NOT met'}")
        # baseline: the activity tables in pandas from the frame read into memory
        t0 = time.perf_counter()
        df = fr.df()
        df["year"] = df.date.dt.year
        df["month"] = df.date.dt.to_period("M")
        df["wf"] = df.weight * df.fatalities_best
        for keys in (["year", "entity_id"], ["month", "region"], ["year", "country_iso3"],
                     ["year", "country_iso3", "admin1"], ["year", "priogrid_gid"]):
            df.groupby(keys).agg(events=("weight", "sum"), fat=("wf", "sum"),
                                 raw=("event_id", "nunique"))
        base = time.perf_counter() - t0
        ours = r["frame (attribution weights, materialised)"] + sum(
            v for k, v in r.items() if k.startswith("activity by") and "week" not in k)
        print(f"  baseline: pandas read + groupby (5 activity tables) {base:7.2f} s; "
              f"kharita (frame + same tables) {ours:.2f} s; ratio {base / ours:.1f}x")
        store.close()
    mb = peak_mb()
    print(f"  peak resident memory: {mb:,.0f} MB   target < 2048 MB: "
          f"{'met' if mb < 2048 else 'NOT met'}")


def bench_resilience(n_nodes: int, steps: int = 100) -> None:
    from kharita.analysis.structure import (
        resilience_curve,
        resilience_curve_networkx,
        synthetic_org_graph,
    )

    print(f"== resilience curve, {steps} removal steps, {n_nodes:,}-node SYNTHETIC "
          "organisation graph")
    g = synthetic_org_graph(n_nodes, seed=0)
    print(f"  graph: {g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges; "
          "efficiency from 64 sampled sources")
    t0 = time.perf_counter()
    resilience_curve(synthetic_org_graph(50, seed=1), "degree")  # compile the numba kernels
    print(f"  (setup: numba compilation {time.perf_counter() - t0:.2f} s)")
    for strategy in ("random", "degree"):
        t0 = time.perf_counter()
        fast = resilience_curve(g, strategy, steps=steps, seeds=1, recompute=True)
        tf = time.perf_counter() - t0
        t0 = time.perf_counter()
        slow = resilience_curve_networkx(g, strategy, steps=steps, recompute=True)
        tn = time.perf_counter() - t0
        same = (fast.removed.tolist() == slow.removed.tolist()
                and abs(fast.lcc.to_numpy() - slow.lcc.to_numpy()).max() < 1e-12
                and abs(fast.efficiency.to_numpy() - slow.efficiency.to_numpy()).max() < 1e-9)
        print(f"  {strategy:<8s} kharita (igraph/numba) {tf:6.2f} s | plain networkx {tn:6.2f} s"
              f" | ratio {tn / tf:5.1f}x | identical curves: {same} | "
              f"targets (<5 s, >=10x): {'met' if tf < 5 and tn / tf >= 10 else 'NOT met'}")
    t0 = time.perf_counter()
    resilience_curve(g, "betweenness", steps=steps, recompute=False)
    print(f"  betweenness (initial ranking) kharita {time.perf_counter() - t0:6.2f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--only", choices=("tables", "resilience"), default=None)
    args = ap.parse_args(argv)
    if args.only in (None, "tables"):
        bench_tables(args.events)
    if args.only in (None, "resilience"):
        bench_resilience(args.nodes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
