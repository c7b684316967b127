"""Benchmarks of the forecasts (issue 13). Prints figures; asserts nothing.

1. Backtest of 10 branches x 60 monthly origins x 12 horizons, all five models
   (zero, last, climatology, nb_trend, hawkes), 200 samples per forecast
   (target: under 60 s). SYNTHETIC counts: a seeded 10-branch Hawkes process.
2. ``outlook`` alone (model chosen by a 60-origin backtest, 1,000 samples) on a store of
   SYNTHETIC events (``insert_synthetic_events``) and, when ../shared/data is there, on the
   real UCDP extracts (target: under 5 s each), after one warm-up call (imports).
3. CRPS in numpy against scoringrules (same numbers) on 200 x 12 x 10 x 60 samples.

Run: ``python benchmarks/bench_forecast.py [--events N]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def hawkes_counts(K: int, T: int, seed: int) -> np.ndarray:
    from kharita.analysis.contagion import HawkesParams, simulate_hawkes

    rng = np.random.default_rng(seed)
    alpha = rng.uniform(0, 0.08, (K, K)) + np.eye(K) * 0.4
    p = HawkesParams(mu=rng.uniform(2, 10, K), alpha=alpha, decays=[0.4])
    t, k = simulate_hawkes(p, float(T), seed=seed)
    out = np.zeros((T, K))
    np.add.at(out, (t.astype(int), k), 1.0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=200_000)
    args = ap.parse_args()
    from kharita.analysis.forecast import (
        backtest,
        history_from_counts,
        history_from_frame,
        outlook,
    )
    from kharita.analysis.forecast.scores import crps

    y = hawkes_counts(10, 96, seed=1)
    h = history_from_counts(y, units=[f"b{i}" for i in range(10)])
    backtest(h, models=["zero"], horizon=2, n_origins=2)  # warm-up (imports)
    t0 = time.perf_counter()
    r = backtest(h, horizon=12, n_origins=60, n_samples=200)
    dt = time.perf_counter() - t0
    print(f"backtest 10 branches x {r.settings['n_origins']} origins x 12 horizons x 5 models:"
          f" {dt:.1f} s (target < 60 s); {len(r.scores):,} scored cells; verdict: {r.verdict}")
    for m in ("zero", "last", "climatology", "nb_trend", "hawkes"):
        t0 = time.perf_counter()
        backtest(h, models=[m], horizon=12, n_origins=60, n_samples=200)
        print(f"  {m:12s} {time.perf_counter() - t0:6.2f} s")

    from kharita.analysis.frame import build_frame
    from kharita.store.base import open_store
    from kharita.store.synthetic import insert_synthetic_events

    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "syn.duckdb")
        insert_synthetic_events(store, args.events, seed=1)
        fr = build_frame(store)
        outlook(fr, horizon=2, model="zero", n_samples=50)  # warm-up
        for _ in range(2):  # the first call also loads numba's cached Hawkes kernels
            t0, c0 = time.perf_counter(), time.process_time()
            res = outlook(fr, horizon=6)
            print(f"outlook (SYNTHETIC, {args.events:,} events, {res.table.unit.nunique()} "
                  f"branches, auto model -> {res.model}): {time.perf_counter() - t0:.2f} s "
                  f"wall, {time.process_time() - c0:.2f} s CPU (target < 5 s; wall time "
                  "grows with the machine's load)")
        # where the time goes: the history (frame, coverage, KB dates), the selection
        # backtest per model, the forecast itself
        from kharita.analysis.forecast import forecast_history

        t0 = time.perf_counter()
        hh = history_from_frame(fr)
        print(f"  history            {time.perf_counter() - t0:6.2f} s")
        for m in ("zero", "last", "climatology", "nb_trend", "hawkes"):
            t0 = time.perf_counter()
            backtest(hh, models=[m], horizon=6, n_origins=36, n_samples=100)
            print(f"  backtest {m:10s}{time.perf_counter() - t0:6.2f} s")
        t0 = time.perf_counter()
        forecast_history(hh, res.model, horizon=6, n_samples=1000)
        print(f"  forecast ({res.model}) {time.perf_counter() - t0:6.2f} s")
        store.close()
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ucdp-ged"
    if shared.exists():
        from kharita import load_kb
        from kharita.events.attribute import attribute_store
        from kharita.events.ingest import ingest_file
        from kharita.store.duckdb import connect

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "real.duckdb"
            con = connect(path)
            for name in ("ucdp_syria_df.csv.gz", "conflict_data_irq.csv",
                         "conflict_data_nga.csv"):
                ingest_file(con, "ucdp", shared / name)
            attribute_store(con, load_kb())
            con.close()
            store = open_store(path, read_only=True)
            fr = build_frame(store, load_kb())
            t0 = time.perf_counter()
            res = outlook(fr, horizon=6)
            print(f"outlook (real UCDP extracts, {res.table.unit.nunique()} branches, auto "
                  f"model -> {res.model}): {time.perf_counter() - t0:.2f} s (target < 5 s)")
            from kharita.views.outlook import outlook_view

            t0 = time.perf_counter()
            outlook_view(fr)
            print(f"outlook view of the brief and workbench (outlook, its 36-origin backtest, "
                  f"fan charts, weekly alerts) on the real extracts: "
                  f"{time.perf_counter() - t0:.2f} s")
            t0 = time.perf_counter()
            r = backtest(history_from_frame(fr), horizon=12, n_origins=60, n_samples=200)
            print(f"backtest on the real extracts ({r.settings['n_origins']} origins x 12 "
                  f"horizons x 5 models, 200 samples): {time.perf_counter() - t0:.2f} s")
            store.close()

    rng = np.random.default_rng(0)
    x = rng.poisson(5, (200, 12, 10, 60)).astype(float)
    obs = rng.poisson(5, (12, 10, 60)).astype(float)
    t0 = time.perf_counter()
    a = crps(x, obs)
    t_np = time.perf_counter() - t0
    t0 = time.perf_counter()
    import scoringrules  # noqa: F401

    t_imp = time.perf_counter() - t0
    t0 = time.perf_counter()
    b = crps(x, obs, backend="scoringrules")
    t_sr = time.perf_counter() - t0
    print(f"CRPS of 7,200 forecasts x 200 samples: numpy {t_np * 1000:.0f} ms, scoringrules "
          f"{t_sr * 1000:.0f} ms (+ {t_imp:.1f} s import); max difference "
          f"{np.abs(a - b).max():.1e}")


if __name__ == "__main__":
    main()
