"""Benchmark: ingest + attribute synthetic event files (prints figures, asserts nothing).

Variants, each in its own subprocess so that peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is measured per variant:

* ``kharita``  - ``ingest_file(store, "synthetic", ged.csv)`` + ``attribute_store`` on DuckDB;
* ``pandas``   - the straightforward baseline: ``pandas.read_csv`` + row-wise attribution
  with ``DataFrame.apply`` (same KB rules: actor id, dataset names/aliases, territory
  scan), measured in the same run;
* ``gdelt``    - ingest + attribute a synthetic GDELT 1.0 file (default 10,000,000 rows);
* ``spark``    - normalisation + attribution + events per branch and year on Spark local
  mode, checked against DuckDB's result.

Targets (issue 3): >= 100,000 rows/s end to end and >= 10x the pandas baseline on
1,000,000 GED rows, peak RSS < 2 GB; GDELT 10M rows with peak < 3 GB; Spark finishes
and matches. Run small first::

    python benchmarks/bench_ingest.py --rows 100000 --gdelt-rows 200000 --no-spark
    python benchmarks/bench_ingest.py            # the full figures
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# -- variants (run in a child process) -----------------------------------------------

def run_kharita(path: str, source: str) -> dict[str, float]:
    from kharita import load_kb
    from kharita.events.attribute import attribute_store
    from kharita.events.ingest import ingest_file
    from kharita.store.duckdb import connect

    kb = load_kb()
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        t0 = time.perf_counter()
        rep = ingest_file(con, source, path)
        t1 = time.perf_counter()
        att = attribute_store(con, kb)
        t2 = time.perf_counter()
        agg = con.rows("SELECT a.entity_id, year(e.date_start) AS year, "
                       "count(DISTINCT a.event_id) AS n FROM attributions a JOIN events e "
                       "USING (event_id) GROUP BY ALL ORDER BY ALL")
        con.close()
    return {"rows": rep.rows_read, "stored": rep.rows_stored,
            "quarantined": rep.rows_quarantined, "ingest_s": t1 - t0, "attribute_s": t2 - t1,
            "total_s": t2 - t0, "attributed_events": att.attributed_events,
            "agg": [list(map(str, r)) for r in agg]}


def run_pandas(path: str, nrows: int | None) -> dict[str, float]:
    import datetime as dt

    import pandas as pd

    from kharita import load_kb
    from kharita.events import rules

    kb = load_kb()
    t0 = time.perf_counter()
    df = pd.read_csv(path, nrows=nrows, low_memory=False)
    ids = rules.KBIndex(kb)
    territories = rules.territory_table(kb).to_dict("records")
    umbrellas = rules.umbrella_ids(kb)
    iso = {"Iraq": "IRQ", "Syria": "SYR", "Nigeria": "NGA", "Niger": "NER", "Cameroon": "CMR",
           "Mali": "MLI", "Burkina Faso": "BFA", "DR Congo (Zaire)": "COD", "Mozambique": "MOZ",
           "Somalia": "SOM", "Afghanistan": "AFG", "Egypt": "EGY", "Libya": "LBY",
           "Philippines": "PHL", "Yemen (North Yemen)": "YEM"}

    def resolve(name: str, sid: object, row: pd.Series) -> str | None:
        try:
            aid = int(sid)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            aid = None
        ents = [e.id for e, _no in ids.actor_ids.get(aid, [])] if aid is not None else []
        if not ents:
            ents = [m.entity_id for m in kb.find(str(name))]
        if not ents:
            return None
        eid = ents[0]
        if eid not in umbrellas:
            return eid
        day = dt.date.fromisoformat(str(row["date_start"])[:10])
        key = rules.admin1_key(row["adm_1"] if isinstance(row["adm_1"], str) else None)
        country = iso.get(row["country"])
        best = None
        for t in territories:
            if t["country_iso3"] != country or t["excluded"]:
                continue
            if not (t["valid_from"] <= day <= t["valid_to"]):
                continue
            if t["admin1_key"] is not None and t["admin1_key"] != key:
                continue
            rank = (t["priority"], t["specific"], t["valid_from"], t["confidence"])
            if best is None or rank > best[0]:
                best = (rank, t["entity_id"])
        return best[1] if best else eid

    def attribute_row(row: pd.Series) -> tuple[str | None, str | None]:
        return (resolve(row["side_a"], row["side_a_new_id"], row),
                resolve(row["side_b"], row["side_b_new_id"], row))

    out = df.apply(attribute_row, axis=1)
    t1 = time.perf_counter()
    n_att = int(sum((a is not None) or (b is not None) for a, b in out))
    return {"rows": len(df), "total_s": t1 - t0, "attributed_events": n_att}


def run_spark(path: str) -> dict[str, object]:
    from kharita import load_kb
    from kharita.events import pipeline
    from kharita.store.spark import spark_session

    kb = load_kb()
    t0 = time.perf_counter()
    session = spark_session()
    t1 = time.perf_counter()
    run = pipeline.run_on_spark(session, kb, [("synthetic", path)], multiline=False)
    agg = pipeline.events_per_branch_year(run.events, run.attributions).to_pandas()
    t2 = time.perf_counter()
    session.stop()
    return {"session_s": t1 - t0, "pipeline_s": t2 - t1,
            "agg": [[str(r.entity_id), str(r.year), str(r.n_events)]
                    for r in agg.sort_values(["entity_id", "year"]).itertuples()]}


def _child(args: argparse.Namespace) -> None:
    if args.child == "kharita":
        res = run_kharita(args.path, args.source)
    elif args.child == "pandas":
        res = run_pandas(args.path, args.nrows or None)
    else:
        res = run_spark(args.path)
    res["peak_rss_mb"] = _peak_mb()
    print("RESULT " + json.dumps(res))


def _run(variant: str, path: Path, *extra: str) -> dict:
    cmd = [sys.executable, __file__, "--child", variant, "--path", str(path), *extra]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{variant} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="GED rows (default 1M)")
    ap.add_argument("--gdelt-rows", type=int, default=10_000_000,
                    help="GDELT rows (default 10M; 0 skips)")
    ap.add_argument("--baseline-rows", type=int, default=0,
                    help="rows for the pandas baseline (default: all; rows/s is compared)")
    ap.add_argument("--spark-rows", type=int, default=1_000_000,
                    help="rows for the Spark run (default 1M)")
    ap.add_argument("--no-spark", action="store_true", help="skip the Spark variant")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--path", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--source", default="synthetic", help=argparse.SUPPRESS)
    ap.add_argument("--nrows", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args)
        return

    from kharita.events.sources.synthetic import write_gdelt_tsv, write_ged_csv

    work = args.workdir or Path(tempfile.mkdtemp(prefix="kharita-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"kharita ingest + attribute benchmark (SYNTHETIC data), {os.cpu_count()} cores")
    ged = work / f"ged_{args.rows}.csv"
    t0 = time.perf_counter()
    write_ged_csv(ged, args.rows, seed=args.seed)
    gen_s = time.perf_counter() - t0
    size_mb = ged.stat().st_size / 1e6
    print(f"generated {args.rows:,} GED rows ({size_mb:,.0f} MB) in {gen_s:.1f} s "
          f"({args.rows / gen_s:,.0f} rows/s)")

    k = _run("kharita", ged)
    k_rate = k["rows"] / k["total_s"]
    print(f"kharita  : {k['rows']:,} rows, ingest {k['ingest_s']:.1f} s + attribute "
          f"{k['attribute_s']:.1f} s = {k['total_s']:.1f} s -> {k_rate:,.0f} rows/s; "
          f"peak RSS {k['peak_rss_mb']:,.0f} MB; {k['attributed_events']:,} events attributed")

    p = _run("pandas", ged, "--nrows", str(args.baseline_rows))
    p_rate = p["rows"] / p["total_s"]
    print(f"pandas   : {p['rows']:,} rows, read_csv + apply {p['total_s']:.1f} s -> "
          f"{p_rate:,.0f} rows/s; peak RSS {p['peak_rss_mb']:,.0f} MB")
    print(f"ratio    : kharita / pandas = {k_rate / p_rate:.1f}x  "
          f"(targets: >= 100,000 rows/s -> {'met' if k_rate >= 1e5 else 'NOT met'}; "
          f">= 10x -> {'met' if k_rate / p_rate >= 10 else 'NOT met'}; "
          f"peak < 2 GB -> {'met' if k['peak_rss_mb'] < 2048 else 'NOT met'})")

    if args.gdelt_rows:
        gd = work / f"gdelt_{args.gdelt_rows}.tsv"
        t0 = time.perf_counter()
        write_gdelt_tsv(gd, args.gdelt_rows, seed=args.seed)
        print(f"generated {args.gdelt_rows:,} GDELT rows ({gd.stat().st_size / 1e6:,.0f} MB) "
              f"in {time.perf_counter() - t0:.1f} s")
        g = _run("kharita", gd, "--source", "gdelt")
        print(f"gdelt    : {g['rows']:,} rows in {g['total_s']:.1f} s (ingest "
              f"{g['ingest_s']:.1f} s + attribute {g['attribute_s']:.1f} s) -> "
              f"{g['rows'] / g['total_s']:,.0f} rows/s; peak RSS {g['peak_rss_mb']:,.0f} MB "
              f"(target < 3 GB -> {'met' if g['peak_rss_mb'] < 3072 else 'NOT met'})")
        gd.unlink()

    if not args.no_spark:
        sp_path = ged
        if args.spark_rows != args.rows:
            sp_path = work / f"ged_{args.spark_rows}.csv"
            write_ged_csv(sp_path, args.spark_rows, seed=args.seed)
            k = _run("kharita", sp_path)
        s = _run("spark", sp_path)
        match = s["agg"] == k["agg"]
        print(f"spark    : {args.spark_rows:,} rows, session {s['session_s']:.1f} s + "
              f"normalise/attribute/aggregate {s['pipeline_s']:.1f} s; peak RSS (driver) "
              f"{s['peak_rss_mb']:,.0f} MB; events per branch-year match DuckDB: {match}")


if __name__ == "__main__":
    main()
