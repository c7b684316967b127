"""Benchmark: record linkage across datasets (issue 11). Prints figures, asserts nothing.

Variants, each in its own subprocess so that peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is per variant:

* ``recovery`` - the real UCDP Nigeria and Syria files plus a planted "other dataset"
  (:mod:`kharita.linkage.planted`: dates 0-3 days, points 0-25 km, fatalities changed,
  ACLED-style actor names, 30% dropped, 10% unrelated added), ingested with the
  ``table`` connector: precision and recall on the planted pairs (links at the
  threshold, and pairs within incidents), incident count against the truth, and the
  ceiling: the same figures for the most likely linkage knowing the generator's model
  (``kharita.linkage.planted.bayes_optimal_pairs``), what no method can exceed.
* ``synthetic`` - N synthetic reports (``insert_synthetic_events``: 15 countries,
  2014-2024) against a planted copy of N reports (70% copies, 30% unrelated): time,
  peak RSS, pairs compared, precision/recall. The two datasets are built in one process
  and linked in another (the figures are the linking's; ``setup_peak_rss_mb`` is the
  building's). Target: N = 1,000,000 under 5 minutes and 6 GB (``--n 1000000``).
* ``spark`` - a 50,000-report sample (25k + 25k) linked on DuckDB, then on Spark local
  mode with the same trained model: agreement of the links.

    python benchmarks/bench_linkage.py                      # recovery, N=100k, spark
    python benchmarks/bench_linkage.py --n 1000000 --no-spark --no-recovery
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "ucdp-ged"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _plant(store, tmp: Path, name: str, seed: int, drop: float, extra: float):
    from kharita.events import ingest as ing
    from kharita.linkage import planted as pl

    events = store.sql("SELECT event_id, date_start, date_precision, country_iso3, admin1, "
                       "latitude, longitude, actor1_name, actor2_name, fatalities_best, "
                       "event_type FROM events").sort_values("event_id", ignore_index=True)
    planted = pl.perturbed_copy(events, seed=seed, drop=drop, extra=extra, prefix="p")
    csv = tmp / f"{name}.csv"
    planted.rows.drop(columns=["origin_event_id"]).to_csv(csv, index=False)
    (tmp / f"{name}.map.yaml").write_text(pl.mapping_yaml(name), encoding="utf-8")
    ing.ingest_file(store, "table", csv)
    return planted


def _scores(store, planted, name: str, threshold: float) -> dict[str, float]:
    truth = {tuple(sorted((a, f"table:{name}:{b}"))) for a, b in planted.pairs.items()}
    links = store.sql("SELECT event_id_l, event_id_r FROM event_links "
                      "WHERE match_probability >= ?", [threshold])
    pairs = set(zip(links.event_id_l, links.event_id_r, strict=True))
    inc = store.sql("SELECT event_id, incident_id FROM incidents")
    found: set[tuple[str, str]] = set()
    for members in inc.groupby("incident_id")["event_id"].apply(sorted):
        found.update((a, b) for i, a in enumerate(members) for b in members[i + 1:])
    tl, ti = len(pairs & truth), len(found & truth)
    return {"link_precision": tl / max(len(pairs), 1), "link_recall": tl / len(truth),
            "incident_precision": ti / max(len(found), 1),
            "incident_recall": ti / len(truth), "planted_pairs": len(truth)}


def run_recovery() -> dict[str, object]:
    from kharita import load_kb
    from kharita.events import ingest as ing
    from kharita.events.attribute import attribute_store
    from kharita.linkage import link_events
    from kharita.store.base import open_store
    from kharita.store.sql.linkage import incident_count_sql

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        store = open_store(tmp / "r.duckdb")
        for f in ("conflict_data_nga.csv", "ucdp_syria_df.csv.gz"):
            ing.ingest_file(store, "ucdp", SHARED / f)
        planted = _plant(store, tmp, "planted", 1, 0.3, 0.1)
        ceiling = _ceiling(store, planted)
        kb = load_kb()
        attribute_store(store, kb)
        t0 = time.perf_counter()
        rep = link_events(store, kb)
        secs = time.perf_counter() - t0
        n_ucdp = int(store.scalar("SELECT count(*) FROM events WHERE source = 'ucdp'"))
        expected = n_ucdp + int(planted.rows.origin_event_id.isna().sum())
        out = {"variant": "recovery", "reports": rep.reports,
               "pairs_compared": rep.pairs_compared, "seconds": round(secs, 1),
               **_scores(store, planted, "planted", rep.threshold),
               "incidents": int(store.scalar(incident_count_sql())),
               "incidents_expected": expected, **ceiling,
               "peak_rss_mb": round(_peak_mb())}
        store.close()
    return out


def _ceiling(store, planted) -> dict[str, float]:
    """Precision and recall of the most likely linkage knowing the generator's model
    (:func:`kharita.linkage.planted.bayes_optimal_pairs`): what any method can reach."""
    from kharita.linkage.planted import bayes_optimal_pairs

    origin = store.sql("SELECT * FROM events WHERE source = 'ucdp'")
    found = bayes_optimal_pairs(origin, planted)
    tp = len(found & set(planted.pairs.items()))
    return {"ceiling_precision": tp / max(len(found), 1),
            "ceiling_recall": tp / len(planted.pairs)}


def run_synthetic(n: int, memory_limit: str) -> dict[str, object]:
    """Build the two datasets (setup), then link them in a process of its own, so the
    time and peak memory printed are the linking's alone (the setup's pandas copy of
    the planted dataset peaks at about 2 GB of its own at 1M and is no part of it)."""
    import pickle

    from kharita.store.base import open_store
    from kharita.store.synthetic import insert_synthetic_events

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        store = open_store(tmp / "s.duckdb")
        t0 = time.perf_counter()
        insert_synthetic_events(store, n, seed=7)
        planted = _plant(store, tmp, "copy", 3, 0.3, 0.3)
        setup = time.perf_counter() - t0
        store.close()
        with open(tmp / "planted.pkl", "wb") as fh:
            pickle.dump(planted, fh)
        out: dict[str, object] = {"variant": "synthetic", "n_left": n,
                                  "n_right": len(planted.rows),
                                  "setup_seconds": round(setup, 1),
                                  "setup_peak_rss_mb": round(_peak_mb())}
        del planted
        linked = _child(["synthetic-link", str(tmp), memory_limit])
        out.update(linked)
        out["variant"] = "synthetic"
    return out


def run_synthetic_link(folder: str, memory_limit: str) -> dict[str, object]:
    """Link the store :func:`run_synthetic` built, in this fresh process: wall and CPU
    seconds and the peak resident memory of the linking (measured before the scoring,
    which reads every link and incident into pandas)."""
    import pickle

    from kharita.linkage import link_events
    from kharita.store.base import open_store

    tmp = Path(folder)
    store = open_store(tmp / "s.duckdb")
    t0, c0 = time.perf_counter(), time.process_time()
    rep = link_events(store, None, memory_limit=memory_limit)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    out: dict[str, object] = {
        "link_seconds": round(secs, 1), "link_cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(_peak_mb()),
        "load_average": [round(x, 1) for x in os.getloadavg()],
        "pairs_compared": rep.pairs_compared, "links_stored": rep.links,
        "incidents": rep.incidents}
    with open(tmp / "planted.pkl", "rb") as fh:
        planted = pickle.load(fh)
    out.update(_scores(store, planted, "copy", rep.threshold))
    store.close()
    return out


def run_spark(n: int, tmp: Path | None = None) -> dict[str, object]:
    """Link ``n`` reports (``n // 2`` synthetic and a planted copy of each) on DuckDB,
    then on Spark local mode with the model DuckDB trained; compare links (pairs,
    probabilities, waterfalls) and incidents. Seconds are wall clock; ``spark_cpu_seconds``
    counts the driver JVM's and Python's CPU time of the Spark run (the machine is
    shared)."""
    from kharita.linkage import link_events, stored_model
    from kharita.store.base import open_store
    from kharita.store.duckdb import DuckDBStore
    from kharita.store.spark import SparkStore
    from kharita.store.sql.attribution import select_all
    from kharita.store.synthetic import insert_synthetic_events

    with contextlib.ExitStack() as stack:
        if tmp is None:
            tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        duck = open_store(tmp / "s.duckdb")
        assert isinstance(duck, DuckDBStore)
        insert_synthetic_events(duck, n // 2, seed=8)
        _plant(duck, tmp, "copy", 4, 0.0, 0.0)
        t0 = time.perf_counter()
        link_events(duck, None)
        t_duck = time.perf_counter() - t0
        model = stored_model(duck)
        spark = SparkStore(tmp / "spark")
        for table in ("events", "attributions"):
            spark.register("_kh_bench_copy", duck.arrow(select_all(table)))
            spark.append(table, select_all("_kh_bench_copy"))
            spark.drop_temp("_kh_bench_copy")
        c0, t0 = _cpu_seconds(), time.perf_counter()
        link_events(spark, None, model=model)
        t_spark, c_spark = time.perf_counter() - t0, _cpu_seconds() - c0
        q = "SELECT event_id_l, event_id_r, match_probability, comparisons FROM event_links"
        a = {(r[0], r[1]): (r[2], r[3]) for r in duck.rows(q)}
        b = {(r[0], r[1]): (r[2], r[3]) for r in spark.rows(q)}
        qi = "SELECT event_id, incident_id, n_reports, representative FROM incidents"
        ia = {tuple(r) for r in duck.rows(qi)}
        ib = {tuple(r) for r in spark.rows(qi)}
        same = set(a) & set(b)
        out = {"variant": "spark", "reports": n, "duckdb_seconds": round(t_duck, 1),
               "spark_seconds": round(t_spark, 1), "spark_cpu_seconds": round(c_spark, 1),
               "links_duckdb": len(a), "links_spark": len(b), "links_in_both": len(same),
               "max_probability_difference": max((abs(a[k][0] - b[k][0]) for k in same),
                                                 default=0.0),
               "waterfalls_identical": all(_waterfall(a[k][1]) == _waterfall(b[k][1])
                                           for k in same),
               "incident_rows_duckdb": len(ia), "incident_rows_spark": len(ib),
               "incident_rows_differing": len(ia ^ ib),
               "incident_rows_identical": ia == ib}
        spark.close()
        duck.close()
    return out


def _waterfall(text: str | None) -> object:
    """A stored waterfall (JSON) with its numbers rounded to 9 digits (the engines'
    last bits of a float differ)."""
    def rnd(v: object) -> object:
        if isinstance(v, float):
            return round(v, 9)
        if isinstance(v, dict):
            return {k: rnd(x) for k, x in v.items()}
        if isinstance(v, list):
            return [rnd(x) for x in v]
        return v
    return None if text is None else rnd(json.loads(text))


def _cpu_seconds() -> float:
    """CPU seconds of this process and its children that are alive (Spark's JVM)."""
    total = sum(os.times()[:2])
    tick = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
                st = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(st[1]) == os.getpid():
            total += (int(st[11]) + int(st[12])) / tick
    return total


def _child(args: list[str]) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        return {"variant": args[0], "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--n", type=int, default=100_000, help="synthetic reports per side")
    ap.add_argument("--spark-n", type=int, default=50_000)
    ap.add_argument("--memory-limit", default="4GB",
                    help="DuckDB's memory limit while linking (the target is 6 GB peak)")
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--no-recovery", action="store_true")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind = args.child[0]
        res = (run_recovery() if kind == "recovery" else
               run_synthetic(int(args.child[1]), args.child[2]) if kind == "synthetic" else
               run_synthetic_link(args.child[1], args.child[2])
               if kind == "synthetic-link" else run_spark(int(args.child[1])))
        print(json.dumps(res))
        return
    runs = []
    if not args.no_recovery:
        runs.append(["recovery"])
    runs.append(["synthetic", str(args.n), args.memory_limit])
    if not args.no_spark:
        runs.append(["spark", str(args.spark_n)])
    for r in runs:
        res = _child(r)
        print(json.dumps(res, indent=1))
        if res.get("variant") == "synthetic" and "link_seconds" in res:
            secs, peak = float(str(res["link_seconds"])), float(str(res["peak_rss_mb"]))
            print(f"  target (1M x 1M): < 300 s and < 6144 MB; this run: "
                  f"{secs} s ({res['link_cpu_seconds']} s CPU, load "
                  f"{res['load_average']}), {peak:.0f} MB peak; ratios to the target: "
                  f"{secs / 300:.2f} (time), {peak / 6144:.2f} (memory)")


if __name__ == "__main__":
    main()
