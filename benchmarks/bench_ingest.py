"""Benchmark: ingest + attribute synthetic event files (prints figures, asserts nothing).

Variants, each in its own subprocess so that peak resident memory (``VmHWM``) and CPU
seconds (all threads, ``getrusage``) are measured per variant:

* ``kharita``  - ``ingest_file(store, "synthetic", ged.csv)`` + ``attribute_store`` on DuckDB
  (trim every field, type, date, coordinate and count checks, country mapping,
  quarantine with a reason and the raw text, the file's sha256, events + quarantine +
  file record written to the store; then the attribution rows written);
* ``pandas``   - the attribution-only baseline, unchanged since issue 3: ``pandas.read_csv``
  (default type inference) + row-wise attribution with ``DataFrame.apply(axis=1)`` (same
  KB rules: actor id, dataset names/aliases, territory scan). It does none of the
  ingest's work: no trimming, no checks, no quarantine, no hash, nothing written;
* ``pandas-full`` - pandas row-wise code doing the ingest's work (issue 16), the way an
  analyst would write it: the file's sha256 (hashlib, 1 MB blocks); ``pandas.read_csv``
  with every field as a Python string (``dtype=object``, ``keep_default_na=False``,
  undecodable bytes kept as surrogate escapes, lines with too many fields skipped with
  pandas' warning, whose line numbers are recorded); then per row, in a Python loop over
  ``itertuples``: strip every field (' \t\n\r\v\f', '' = missing), reject undecodable
  bytes, the id (present, ``[0-9A-Za-z_.:-]``, '234.0' read as '234'), the type of
  violence (1-3), ``date_start``/``date_end`` (ISO date in the first 10 characters, end not
  before start), latitude/longitude (numbers, |lat| <= 90, |lon| <= 180, both or neither),
  the four death counts (whole numbers, not negative), in kharita's order, the first
  failure giving the row's reason; good rows get the country's ISO3 (the same name table as
  kharita), the PRIO-GRID cell (``kharita.geo.priogrid_gid``), the mapped date precision and
  event type, and the attribution of both sides with the ``pandas`` variant's KB rules
  (the look-up of each distinct actor name and id memoised, ``functools.lru_cache``);
  then three DataFrames (events with kharita's event columns, quarantine with line,
  reason and the raw fields, attribution rows) each written to a DuckDB file with one
  ``CREATE TABLE ... AS SELECT * FROM`` a registered DataFrame. It does less than kharita
  (no version or duplicate-id handling, a row with too few fields padded by pandas and
  not quarantined, one entity per side), never more. It runs on the first
  ``--baseline-rows`` rows (default 200,000) and on a copy of them with 2% broken rows
  (``bench_ingest_raw._bad_copy``); kharita ingests the same two files, and the stored
  counts and the quarantined lines (line number and reason) are compared and printed;
* ``gdelt``    - ingest + attribute a synthetic GDELT 1.0 file (default 10,000,000 rows);
* ``spark``    - normalisation + attribution + events per branch and year on Spark local
  mode, checked against DuckDB's result.

Targets: issue 16: ingest + attribution of 1M GED rows >= 8x faster than pandas-based
row-wise code (the ``pandas-full`` baseline; ratios of rows/s, wall and CPU, are printed
against both baselines); issue 3: >= 100,000 rows/s end to end and >= 10x the pandas
baseline, peak RSS < 2 GB; GDELT 10M rows with peak < 3 GB; Spark finishes and matches.
Run small first::

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
from typing import Any

from _measure import peak_rss_mb  # the scripts' folder is on sys.path


def _cpu() -> float:
    """CPU seconds of this process, all threads (DuckDB's included)."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


# -- variants (run in a child process) -----------------------------------------------

def run_kharita(path: str, source: str, with_quarantine: bool = False) -> dict[str, Any]:
    from kharita import load_kb
    from kharita.events.attribute import attribute_store
    from kharita.events.ingest import ingest_file
    from kharita.store.duckdb import connect

    kb = load_kb()
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        t0, c0 = time.perf_counter(), _cpu()
        rep = ingest_file(con, source, path)
        t1 = time.perf_counter()
        att = attribute_store(con, kb)
        t2, c2 = time.perf_counter(), _cpu()
        quarantined = con.rows("SELECT row_number, split_part(reason, ':', 1) FROM quarantine "
                               "ORDER BY row_number") if with_quarantine else []
        agg = con.rows("SELECT a.entity_id, year(e.date_start) AS year, "
                       "count(DISTINCT a.event_id) AS n FROM attributions a JOIN events e "
                       "USING (event_id) GROUP BY ALL ORDER BY ALL")
        con.close()
    return {"rows": rep.rows_read, "stored": rep.rows_stored,
            "quarantined": rep.rows_quarantined, "ingest_s": t1 - t0, "attribute_s": t2 - t1,
            "total_s": t2 - t0, "cpu_s": c2 - c0, "attributed_events": att.attributed_events,
            "quarantine": [[int(n), str(r)] for n, r in quarantined],
            "agg": [list(map(str, r)) for r in agg]}


def _kb_rules(kb: Any) -> tuple[set[str], Any, Any]:
    """The pandas baselines' attribution rules: ``(umbrellas, entity, narrow)``.

    ``entity(name, sid)`` is the first KB entity of the side's UCDP actor id, else of its
    name (dataset names and aliases, ``kb.find``), else None; ``narrow(eid, iso3, day,
    key)`` scans the KB's territory records of an umbrella entity for the best one
    covering the country, admin1 key and date (priority, admin1-specific, later start,
    confidence), else keeps ``eid``."""
    from kharita.events import rules

    ids = rules.KBIndex(kb)
    territories = rules.territory_table(kb).to_dict("records")
    umbrellas = rules.umbrella_ids(kb)

    def entity(name: object, sid: object) -> str | None:
        try:
            aid = int(sid)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            aid = None
        ents = [e.id for e, _no in ids.actor_ids.get(aid, [])] if aid is not None else []
        if not ents:
            ents = [m.entity_id for m in kb.find(str(name))]
        return ents[0] if ents else None

    def narrow(eid: str, country: str | None, day: Any, key: str | None) -> str:
        best = None
        for t in territories:
            if t["country_iso3"] != country or t["excluded"]:
                continue
            if not (t["valid_from"] <= day <= t["valid_to"]):
                continue
            # a whole-country record has no key (NaN in the table)
            if isinstance(t["admin1_key"], str) and t["admin1_key"] != key:
                continue
            rank = (t["priority"], t["specific"], t["valid_from"], t["confidence"])
            if best is None or rank > best[0]:
                best = (rank, t["entity_id"])
        return str(best[1]) if best else eid

    return umbrellas, entity, narrow


def run_pandas(path: str, nrows: int | None) -> dict[str, float]:
    import datetime as dt

    import pandas as pd

    from kharita import load_kb
    from kharita.events import rules

    kb = load_kb()
    t0, c0 = time.perf_counter(), _cpu()
    df = pd.read_csv(path, nrows=nrows, low_memory=False)
    umbrellas, entity, narrow = _kb_rules(kb)
    iso = {"Iraq": "IRQ", "Syria": "SYR", "Nigeria": "NGA", "Niger": "NER", "Cameroon": "CMR",
           "Mali": "MLI", "Burkina Faso": "BFA", "DR Congo (Zaire)": "COD", "Mozambique": "MOZ",
           "Somalia": "SOM", "Afghanistan": "AFG", "Egypt": "EGY", "Libya": "LBY",
           "Philippines": "PHL", "Yemen (North Yemen)": "YEM"}

    def resolve(name: str, sid: object, row: pd.Series) -> str | None:
        eid = entity(name, sid)
        if eid is None or eid not in umbrellas:
            return eid
        day = dt.date.fromisoformat(str(row["date_start"])[:10])
        key = rules.admin1_key(row["adm_1"] if isinstance(row["adm_1"], str) else None)
        return narrow(eid, iso.get(row["country"]), day, key)

    def attribute_row(row: pd.Series) -> tuple[str | None, str | None]:
        return (resolve(row["side_a"], row["side_a_new_id"], row),
                resolve(row["side_b"], row["side_b_new_id"], row))

    out = df.apply(attribute_row, axis=1)
    t1 = time.perf_counter()
    n_att = int(sum((a is not None) or (b is not None) for a, b in out))
    return {"rows": len(df), "total_s": t1 - t0, "cpu_s": _cpu() - c0,
            "attributed_events": n_att}


_WS = " \t\n\r\v\f"
_DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
_EVENT_TYPE = {"1": "battle", "2": "battle", "3": "violence_against_civilians"}
_VIOLENCE_TYPE = {"1": "state-based", "2": "non-state", "3": "one-sided"}
_COUNTS = (("fatalities_low", "low"), ("fatalities_best", "best"),
           ("fatalities_high", "high"), ("civilian_deaths", "deaths_civilians"))


def run_pandas_full(path: str, out: str | None = None) -> dict[str, Any]:
    """The ``pandas-full`` baseline (module docstring): the ingest's work, row-wise. The
    DuckDB file it writes is ``out`` when given (kept), else a temporary one."""
    import datetime as dt
    import functools
    import hashlib
    import math
    import re
    import warnings

    import duckdb
    import pandas as pd

    from kharita import load_kb
    from kharita.events import rules
    from kharita.events.schema import EVENT_COLUMNS
    from kharita.events.sources._common import country_name_to_iso3
    from kharita.geo import priogrid_gid

    kb = load_kb()
    with tempfile.TemporaryDirectory() as tmp:
        t0, c0 = time.perf_counter(), _cpu()
        sha = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                sha.update(block)
        file_id = sha.hexdigest()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            df = pd.read_csv(path, dtype=object, keep_default_na=False,
                             encoding_errors="surrogateescape", on_bad_lines="warn")
        skipped: dict[int, str] = {}
        for w in caught:
            for m in re.finditer(r"Skipping line (\d+): expected (\d+) fields, saw (\d+)",
                                 str(w.message)):
                skipped[int(m[1])] = "too many columns"
        umbrellas, entity, narrow = _kb_rules(kb)
        entity = functools.lru_cache(maxsize=None)(entity)  # one KB look-up per actor
        iso_of = country_name_to_iso3()
        id_ok = re.compile(r"^[0-9A-Za-z_.:-]+$")
        float_id = re.compile(r"^-?[0-9]+\.0+$")
        iso_day = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
        cols = list(df.columns)
        ix = {c: i for i, c in enumerate(cols)}
        version = None

        def clean(v: object) -> str | None:
            if not isinstance(v, str):
                return None
            v = v.strip(_WS)
            return v or None

        def no_float_suffix(v: str | None) -> str | None:
            return v.split(".", 1)[0] if v is not None and float_id.match(v) else v

        def to_date(v: str | None) -> dt.date | None:
            if v is None or not iso_day.match(v[:10]):
                return None
            try:
                return dt.date.fromisoformat(v[:10])
            except ValueError:
                return None

        def to_float(v: str | None) -> float | None:
            if v is None:
                return None
            try:
                f = float(v)
            except ValueError:
                return None
            return None if math.isnan(f) or math.isinf(f) else f

        def to_int(v: str | None) -> int | None:
            f = to_float(v)
            return int(f) if f is not None and abs(f) < 2.0**31 and f == math.floor(f) \
                else None

        events: list[tuple[object, ...]] = []
        quarantine: list[tuple[object, ...]] = []
        attributions: list[tuple[object, ...]] = []
        names = [c for c in EVENT_COLUMNS if c not in ("ingest_file_id",)]
        todo = sorted(skipped)
        k = 0
        line = 1
        for rec in df.itertuples(index=False, name=None):
            line += 1
            while k < len(todo) and todo[k] == line:
                line += 1
                k += 1
            f = [clean(v) for v in rec]
            reason = field = None
            try:
                "".join(v for v in f if v is not None).encode("utf-8")
            except UnicodeEncodeError:
                reason, field = "invalid encoding", None
            rid = no_float_suffix(f[ix["id"]])
            tov = no_float_suffix(f[ix["type_of_violence"]])
            d0s, d1s = f[ix["date_start"]], f[ix["date_end"]]
            d0, d1 = to_date(d0s), to_date(d1s)
            lats, lons = f[ix["latitude"]], f[ix["longitude"]]
            lat, lon = to_float(lats), to_float(lons)
            counts = {k_: to_int(f[ix[c]]) for k_, c in _COUNTS}
            if reason is None:
                checks = [
                    (rid is None, "id", "missing id"),
                    (rid is not None and not id_ok.match(rid), "id", "malformed id"),
                    (tov not in _EVENT_TYPE, "type_of_violence",
                     "unknown type_of_violence (expected 1, 2 or 3)"),
                    (d0s is None, "date_start", "missing date"),
                    (d0 is None, "date_start", "unparseable date"),
                    (d1s is not None and d1 is None, "date_end", "unparseable date"),
                    (d0 is not None and d1 is not None and d1 < d0, "date_end",
                     "date_end before date_start"),
                    (lats is not None and lat is None, "latitude", "unparseable number"),
                    (lons is not None and lon is None, "longitude", "unparseable number"),
                    (lat is not None and abs(lat) > 90.0, "latitude", "impossible coordinates"),
                    (lon is not None and abs(lon) > 180.0, "longitude",
                     "impossible coordinates"),
                    ((lat is None) != (lon is None), "latitude", "incomplete coordinates"),
                ]
                for k_, c in _COUNTS:
                    v = counts[k_]
                    checks.append((f[ix[c]] is not None and v is None, c, "unparseable number"))
                    checks.append((v is not None and v < 0, c, "negative count"))
                for bad, fld, why in checks:
                    if bad:
                        reason, field = why, fld
                        break
            if reason is not None:
                raw = ",".join("" if v is None else v for v in rec)
                raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                quarantine.append((file_id, path, line, field, reason, raw))
                continue
            if version is None:
                version = f[ix["source_original"]]
            event_id = f"synthetic:{rid}"
            country = f[ix["country"]]
            iso3 = iso_of.get(country) if country is not None else None
            admin1 = f[ix["adm_1"]]
            id_a = no_float_suffix(f[ix["side_a_new_id"]] or f[ix["side_a_dset_id"]])
            id_b = no_float_suffix(f[ix["side_b_new_id"]] or f[ix["side_b_dset_id"]])
            value = {
                "event_id": event_id, "source": "synthetic", "source_version": version,
                "source_event_id": rid, "date_start": d0, "date_end": d1 or d0,
                "date_precision": _DATE_PRECISION.get(
                    no_float_suffix(f[ix["date_prec"]]) or "", "unknown"),
                "country_iso3": iso3, "country": country, "admin1": admin1,
                "admin2": f[ix["adm_2"]], "place": f[ix["where_coordinates"]],
                "latitude": lat, "longitude": lon,
                "geo_precision": to_int(f[ix["where_prec"]]),
                "priogrid_gid": priogrid_gid(lat, lon),
                "event_type": _EVENT_TYPE.get(tov or "", "other"),
                "source_event_type": _VIOLENCE_TYPE.get(tov or "", tov),
                "actor1_name": f[ix["side_a"]], "actor2_name": f[ix["side_b"]],
                "actor1_source_id": id_a, "actor2_source_id": id_b, **counts,
                "description": f[ix["dyad_name"]] or f[ix["conflict_name"]],
                "source_reference": f[ix["source_article"]], "synthetic": True,
                "ingest_row": line}
            events.append(tuple(value.get(c) for c in names))
            key = None
            for side, name, sid in ((1, value["actor1_name"], id_a),
                                    (2, value["actor2_name"], id_b)):
                eid = entity(name, sid)
                if eid is None:
                    continue
                if eid in umbrellas:
                    if key is None:
                        key = rules.admin1_key(admin1) or ""
                    eid = narrow(eid, iso3, d0, key or None)
                attributions.append((event_id, side, eid))
        ev = pd.DataFrame(events, columns=names).assign(ingest_file_id=file_id)
        qu = pd.DataFrame(quarantine, columns=["ingest_file_id", "file", "row_number",
                                               "field", "reason", "raw"])
        at = pd.DataFrame(attributions, columns=["event_id", "side", "entity_id"])
        con = duckdb.connect(out or str(Path(tmp) / "pandas.duckdb"))
        for table, frame in (("events", ev), ("quarantine", qu), ("attributions", at)):
            con.register("frame", frame)
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM frame")
            con.unregister("frame")
        stored = con.execute("SELECT count(*) FROM events").fetchone()[0]  # type: ignore[index]
        con.close()
        t1, c1 = time.perf_counter(), _cpu()
    quarantined = sorted([[line, why] for line, why in skipped.items()]
                         + [[int(r[2]), str(r[4])] for r in quarantine])  # type: ignore[call-overload]
    return {"rows": len(df) + len(skipped), "stored": int(stored),
            "quarantined": len(quarantined), "total_s": t1 - t0, "cpu_s": c1 - c0,
            "attributed_events": int(at.event_id.nunique()), "quarantine": quarantined}


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
        res = run_kharita(args.path, args.source, args.with_quarantine)
    elif args.child == "pandas":
        res = run_pandas(args.path, args.nrows or None)
    elif args.child == "pandas-full":
        res = run_pandas_full(args.path)
    else:
        res = run_spark(args.path)
    res["peak_rss_mb"] = peak_rss_mb()
    print("RESULT " + json.dumps(res))


def _head_copy(src: Path, dst: Path, rows: int) -> None:
    """The header and the first ``rows`` lines of ``src`` (one line per record: the
    synthetic files have no line breaks inside fields)."""
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for i, line in enumerate(fin):
            if i > rows:
                break
            fout.write(line)


def compare_full(ged: Path, work: Path, rows: int, seed: int) -> dict[str, Any]:
    """``pandas-full`` and kharita on the first ``rows`` rows of ``ged`` and on a copy
    of them with 2% broken rows: prints whether both store the same number of rows and
    quarantine the same lines with the same reasons; returns ``pandas-full``'s result on
    the clean file."""
    from bench_ingest_raw import _bad_copy

    head = work / f"ged_head_{rows}.csv"
    _head_copy(ged, head, rows)
    bad = work / f"ged_head_{rows}_bad.csv"
    n_bad = _bad_copy(head, bad, 0.02, seed)
    out: dict[str, Any] = {}
    for label, path in ((f"clean {rows:,} rows", head),
                        (f"2% bad copy ({n_bad:,} lines broken)", bad)):
        k = _run("kharita", path, "--with-quarantine")
        f = _run("pandas-full", path)
        same = k["stored"] == f["stored"] and k["quarantine"] == f["quarantine"]
        print(f"agreement: {label}: kharita stores {k['stored']:,} and quarantines "
              f"{k['quarantined']:,}, pandas-full {f['stored']:,} and {f['quarantined']:,}; "
              f"same stored count and same lines quarantined with the same reasons: {same}")
        out = out or f
    return out


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
                    help="rows for the pandas baselines (default: all for the attribution-only "
                         "one, 200,000 for pandas-full; rows/s is compared)")
    ap.add_argument("--spark-rows", type=int, default=1_000_000,
                    help="rows for the Spark run (default 1M)")
    ap.add_argument("--no-spark", action="store_true", help="skip the Spark variant")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--path", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--source", default="synthetic", help=argparse.SUPPRESS)
    ap.add_argument("--nrows", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--with-quarantine", action="store_true", help=argparse.SUPPRESS)
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

    full = compare_full(ged, work, min(args.rows, args.baseline_rows or 200_000), args.seed)
    f_rate = full["rows"] / full["total_s"]
    k_cpu_rate = k["rows"] / k["cpu_s"]
    f_cpu_rate = full["rows"] / full["cpu_s"]
    print(f"pandas-full: {full['rows']:,} rows, sha256 + read_csv + row-wise checks, "
          f"attribution and writes {full['total_s']:.1f} s ({full['cpu_s']:.1f} s CPU) -> "
          f"{f_rate:,.0f} rows/s ({f_cpu_rate:,.0f} per CPU s); peak RSS "
          f"{full['peak_rss_mb']:,.0f} MB")
    print(f"ratio    : kharita / pandas-full = {k_rate / f_rate:.1f}x wall, "
          f"{k_cpu_rate / f_cpu_rate:.1f}x CPU (kharita {k_rate:,.0f} rows/s, "
          f"{k_cpu_rate:,.0f} per CPU s on {k['rows']:,} rows; target >= 8x -> "
          f"{'met' if k_rate / f_rate >= 8 else 'NOT met'}); kharita / pandas = "
          f"{k_rate / p_rate:.1f}x; load {os.getloadavg()[0]:.1f}")

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
