"""Engine parity: the real UCDP extracts (Nigeria, Iraq, Syria, global sample) ingested and
attributed into a DuckDB store and into a Spark store give identical ingest reports,
events, attributions, analysis frames and results of every analysis entry point.

One Spark session and one pair of stores serve the whole module (Spark starts in
10-30 s; everything else here takes about as long again).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytestmark = [pytest.mark.spark, pytest.mark.shared,
              pytest.mark.filterwarnings("ignore::FutureWarning")]

FILES = ("conflict_data_nga.csv", "conflict_data_irq.csv", "ucdp_syria_df.csv.gz",
         "ucdpged.csv")


# -- comparison --------------------------------------------------------------------------


def canon(df: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """A frame in a form both engines' results can be compared in: dates as ISO
    strings, NULLs as None, numbers as float, rows sorted by ``keys`` (default: all
    columns) and a fresh index."""
    out = df.copy().reset_index(drop=not isinstance(df.index, pd.MultiIndex)
                                and df.index.name is None)
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            out[c] = s.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif pd.api.types.is_bool_dtype(s):
            out[c] = s.astype(object)
        elif pd.api.types.is_numeric_dtype(s):
            out[c] = s.astype("float64")
        else:
            out[c] = s.map(_scalar)
    out = out.astype(object).where(out.notna(), None)
    floats = [c for c in out.columns if out[c].map(lambda v: isinstance(v, float)).any()]
    order = keys or ([c for c in out.columns if c not in floats] + floats)
    text = pd.DataFrame({c: out[c].map(lambda v: f"{v:.6f}" if isinstance(v, float) else
                                       str(v)) for c in order})
    return out.loc[text.sort_values(order).index].reset_index(drop=True)


def _scalar(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "isoformat"):
        return pd.Timestamp(v).strftime("%Y-%m-%d %H:%M:%S")
    return v


def assert_same(a: Any, b: Any, path: str = "result") -> None:
    """Equal results from the two engines: frames row for row (floats to 1e-9
    relative), containers element for element."""
    if isinstance(a, pd.DataFrame):
        assert isinstance(b, pd.DataFrame), path
        assert list(a.columns) == list(b.columns), f"{path}: columns differ"
        assert len(a) == len(b), f"{path}: {len(a)} rows on DuckDB, {len(b)} on Spark"
        pd.testing.assert_frame_equal(canon(a), canon(b), check_dtype=False,
                                      check_exact=False, rtol=1e-9, atol=1e-9,
                                      obj=path)
    elif isinstance(a, pd.Series):
        assert_same(a.to_frame(), b.to_frame(), path)
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
    elif isinstance(a, dict):
        assert set(a) == set(b), f"{path}: keys differ"
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), f"{path}: lengths differ"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, np.ndarray):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=path)
    elif isinstance(a, float) and isinstance(b, float | int):
        assert (math.isnan(a) and math.isnan(b)) or math.isclose(
            a, b, rel_tol=1e-9, abs_tol=1e-9), f"{path}: {a} != {b}"
    else:
        assert _scalar(a) == _scalar(b), f"{path}: {a!r} != {b!r}"


def test_the_comparison_can_fail() -> None:
    a = pd.DataFrame({"x": [1.0, 2.0], "d": pd.to_datetime(["2020-01-01", "2020-01-02"])})
    assert_same(a, a.iloc[::-1])  # row order does not matter
    with pytest.raises(AssertionError):
        assert_same(a, a.assign(x=[1.0, 2.001]))
    with pytest.raises(AssertionError):
        assert_same({"k": [1, 2]}, {"k": [1, 3]})


# -- the two stores ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def stores(tmp_path_factory, shared_data, kb):
    pytest.importorskip("pyspark")
    from kharita.events.attribute import attribute_store
    from kharita.events.ingest import ingest_file
    from kharita.events.ingest_spark import attribute_spark, ingest_file_spark
    from kharita.store.base import open_store
    from kharita.store.spark import SparkStore

    tmp = tmp_path_factory.mktemp("parity")
    duck = open_store(tmp / "k.duckdb")
    spark = SparkStore(tmp / "spark")
    paths = [shared_data / "ucdp-ged" / f for f in FILES]
    reports = {"duckdb": [ingest_file(duck, "ucdp", p) for p in paths],
               "spark": [ingest_file_spark(spark, "ucdp", p) for p in paths]}
    atts = {"duckdb": attribute_store(duck, kb), "spark": attribute_spark(spark, kb)}
    yield {"duckdb": duck, "spark": spark, "reports": reports, "attribution": atts,
           "paths": paths}
    spark.close()
    duck.close()


@pytest.fixture(scope="module")
def frames(stores, kb):
    from kharita.analysis.frame import build_frame

    return {e: build_frame(stores[e], kb) for e in ("duckdb", "spark")}


def both(frames, fn, *args, **kwargs):
    """``fn(frame, ...)`` on each engine."""
    return fn(frames["duckdb"], *args, **kwargs), fn(frames["spark"], *args, **kwargs)


# -- ingest and attribution ----------------------------------------------------------------


def test_same_ingest_reports(stores):
    for d, s in zip(stores["reports"]["duckdb"], stores["reports"]["spark"], strict=True):
        keys = ("rows_read", "rows_stored", "rows_quarantined", "rows_filtered", "reasons",
                "filtered", "ingest_file_id", "source_version", "skipped")
        assert {k: getattr(d, k) for k in keys} == {k: getattr(s, k) for k in keys}
        assert s.rows_read == s.rows_stored + s.rows_quarantined + s.rows_filtered
    stored = [r.rows_stored for r in stores["reports"]["spark"]]
    assert stored == [4_603, 7_473, 16_566, 1_000]


def test_duplicate_file_is_skipped_on_spark(stores):
    from kharita.events.ingest_spark import ingest_file_spark

    spark = stores["spark"]
    before = spark.scalar("SELECT count(*) FROM events")
    again = ingest_file_spark(spark, "ucdp", stores["paths"][0])
    assert again.skipped and again.rows_stored == 4_603
    assert "already ingested" in again.notes[-1]
    # 29,642 rows in the four files, 76 ids in two of them: one current version each
    assert spark.scalar("SELECT count(*) FROM events") == before == 29_566


@pytest.mark.parametrize("table,keys", [
    ("events", ["ingest_file_id", "event_id"]),
    ("events_history", ["ingest_file_id", "event_id", "ingest_row"]),
    ("attributions", ["event_id", "side", "entity_id"]),
    ("ingest_files", ["ingest_file_id"]),
    ("quarantine", ["ingest_file_id", "row_number"]),
    ("filtered", ["ingest_file_id", "reason"]),
])
def test_same_tables(stores, table, keys):
    skip = {"ingest_files": ["started_at", "finished_at"],
            "events_history": ["superseded_at"]}.get(table, [])
    d = stores["duckdb"].sql(f"SELECT * FROM {table}").drop(columns=skip)
    s = stores["spark"].sql(f"SELECT * FROM {table}").drop(columns=skip)
    assert list(d.columns) == list(s.columns)
    assert len(d) == len(s)
    pd.testing.assert_frame_equal(canon(d, keys), canon(s, keys), check_dtype=False,
                                  check_exact=False, rtol=1e-12)
    if table == "attributions":
        assert len(d) > 10_000


def test_same_attribution_report(stores):
    d, s = stores["attribution"]["duckdb"], stores["attribution"]["spark"]
    assert d.summary() | {"seconds": 0} == s.summary() | {"seconds": 0}
    assert_same(d.by_rule, s.by_rule, "by_rule")
    assert_same(d.by_entity, s.by_entity, "by_entity")


# -- the frame and every analysis ------------------------------------------------------------


def test_same_frame(frames):
    d, s = both(frames, lambda f: f.df())
    assert len(d) > 5_000
    assert_same(d, s, "frame")
    wa = d[d.entity_id == "is-west-africa"]
    assert len(wa) > 500  # the Nigeria extract's IS events are in the frame


def test_same_narrowed_frame(frames):
    d, s = both(frames, lambda f: f.narrow(start="2015", end="2017-06",
                                           countries="IRQ,NGA", ambiguous="exclude").df())
    assert len(d) > 0
    assert_same(d, s, "narrowed frame")


@pytest.mark.parametrize("by", ["branch", "region", "country", "admin1", "cell"])
@pytest.mark.parametrize("freq", ["year", "month"])
def test_same_activity(frames, by, freq):
    from kharita.analysis.activity import activity

    d, s = both(frames, activity, by=by, freq=freq)
    assert len(d) > 0
    assert_same(d, s, f"activity by={by} freq={freq}")


@pytest.mark.parametrize("weighting", ["events", "fatalities"])
def test_same_geographic_centres(frames, weighting):
    from kharita.analysis.geography import geographic_centres

    d, s = both(frames, geographic_centres, freq="year", weighting=weighting)
    assert len(d) > 0
    assert_same(d, s, "geographic_centres")


@pytest.mark.parametrize("freq", ["year", "quarter"])
def test_same_region_shares(frames, freq):
    from kharita.analysis.geography import region_shares

    d, s = both(frames, region_shares, freq=freq)
    assert len(d) > 0
    assert_same(d, s, "region_shares")


def test_same_africa_crossing(frames):
    from kharita.analysis.geography import africa_crossing

    d, s = both(frames, africa_crossing, freq="year", n_boot=50, seed=3)
    assert_same(d, s, "africa_crossing")


@pytest.mark.parametrize("weighting", ["events", "fatalities"])
def test_same_concentration(frames, weighting):
    from kharita.analysis.concentration import concentration

    d, s = both(frames, concentration, freq="year", weighting=weighting)
    assert len(d) > 0
    assert_same(d, s, "concentration")


@pytest.mark.parametrize("include_unassigned", [False, True])
def test_same_branch_shares(frames, include_unassigned):
    from kharita.analysis.concentration import branch_shares

    d, s = both(frames, branch_shares, freq="year", include_unassigned=include_unassigned)
    assert len(d) > 0
    assert_same(d, s, "branch_shares")


def test_same_weekly_series_and_shocks(frames):
    from kharita.analysis.shocks import shocks, weekly_series

    d, s = both(frames, weekly_series)
    assert len(d) > 100
    assert_same(d, s, "weekly_series")
    d, s = both(frames, shocks, n_placebo=9, seed=1)
    assert_same(d, s, "shocks")


def test_same_contagion_input(frames):
    from kharita.analysis.contagion.analysis import branch_event_series

    fd = frames["duckdb"].narrow(start="2014", end="2019")
    fs = frames["spark"].narrow(start="2014", end="2019")
    ed, es = fd.df(), fs.df()
    assert_same(ed, es, "contagion events")
    d = branch_event_series(ed, start=fd.filters.start, end=fd.filters.end, kb=fd.kb)
    s = branch_event_series(es, start=fs.filters.start, end=fs.filters.end, kb=fs.kb)
    assert len(d[0]) > 100 and d[3]  # events and branches selected
    assert_same(d, s, "branch_event_series")


def test_same_structure_inputs_and_presets(frames):
    from kharita.analysis.presets import decentralization_check, shift_to_africa

    d, s = both(frames, shift_to_africa, n_boot=20, seed=0)
    assert d.verdict
    assert_same(d, s, "shift_to_africa")
    d, s = both(frames, decentralization_check, n_boot=20, seed=0)
    assert_same(d, s, "decentralization_check")


# -- all-or-nothing writes and the quarantine on Spark ------------------------------------------


def _bad_copy(src, dst, n=40):
    """The first ``n`` records of a real GED file with planted faults: an unparseable
    date, impossible coordinates, a short and a long record, a negative count, an
    unknown violence type."""
    import csv

    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    hdr, recs = rows[0], [list(r) for r in rows[1:n + 1]]
    recs[3][hdr.index("date_start")] = "not-a-date"
    recs[5][hdr.index("latitude")] = "123.5"
    recs[7] = recs[7][:-3]
    recs[9] = [*recs[9], "x", "y"]
    recs[11][hdr.index("best")] = "-4"
    recs[13][hdr.index("type_of_violence")] = "9"
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([hdr, *recs])
    return dst


def test_quarantine_parity_and_rollback(stores, tmp_path, kb, monkeypatch):
    from kharita.errors import IngestError
    from kharita.events import ingest_spark
    from kharita.events.ingest import ingest_file
    from kharita.store.base import open_store
    from kharita.store.spark import SparkStore

    bad = _bad_copy(stores["paths"][3], tmp_path / "bad.csv")
    duck = open_store(":memory:")
    spark = SparkStore(tmp_path / "spark")
    d = ingest_file(duck, "ucdp", bad, countries=["SYR", "IRQ", "AFG"])
    s = ingest_spark.ingest_file_spark(spark, "ucdp", bad, countries=["SYR", "IRQ", "AFG"])
    assert (s.rows_read, s.rows_stored, s.rows_quarantined) == (40, d.rows_stored, 6)
    assert s.reasons == d.reasons and s.filtered == d.filtered and s.rows_filtered > 0
    q = "SELECT row_number, field, reason FROM quarantine ORDER BY row_number"
    assert spark.rows(q) == duck.rows(q)
    assert spark.rows(q)[2][1:] == ("low", "missing columns: Expected Number of Columns: "
                                    "49 Found: 46")
    # A failure inside the transaction leaves the store as it was.
    before = {t: spark.scalar(f"SELECT count(*) FROM {t}") for t in
              ("events", "quarantine", "ingest_files", "filtered")}
    manifest = (tmp_path / "spark" / "_kharita_manifest.json").read_text()

    def fail(*a, **k):
        raise IngestError("planted failure after the events were staged")

    from kharita.store.sql import ingest as ingest_sql

    monkeypatch.setattr(ingest_sql, "insert_ingest_file", fail)  # the file's last write
    with pytest.raises(IngestError, match="planted"):
        ingest_spark.ingest_file_spark(spark, "ucdp", _bad_copy(stores["paths"][3],
                                                                tmp_path / "bad2.csv", 30))
    after = {t: spark.scalar(f"SELECT count(*) FROM {t}") for t in before}
    assert after == before
    assert (tmp_path / "spark" / "_kharita_manifest.json").read_text() == manifest
    assert not (tmp_path / "spark" / "_staging").exists()
    spark.close()
    # Reopened from disk: the same committed rows.
    again = SparkStore(tmp_path / "spark", read_only=True)
    assert again.rows(q) == duck.rows(q)
    assert again.scalar("SELECT count(*) FROM events") == before["events"]
    again.close()


# -- the command line ---------------------------------------------------------------------------


#: Analysis commands whose JSON output must be the same on both engines.
COMMANDS = (("activity",), ("geography",), ("decentralization",), ("actors",),
            ("quarantine",))


def test_cli_ingest_and_analyses_on_spark(stores, tmp_path):
    """``kharita ingest ucdp FILE --engine spark --store DIR`` then each analysis
    command with ``--engine spark`` prints the DuckDB store's figures."""
    import json

    from typer.testing import CliRunner

    from kharita.cli import app

    runner = CliRunner()
    nga = str(stores["paths"][0])
    out = {}
    for engine, store in (("duckdb", tmp_path / "k.duckdb"), ("spark", tmp_path / "sp")):
        res = runner.invoke(app, ["ingest", "ucdp", nga, "--engine", engine, "--store",
                                  str(store), "-f", "json"])
        assert res.exit_code == 0, res.output
        for cmd in COMMANDS:
            res = runner.invoke(app, [*cmd, "--engine", engine, "--store", str(store),
                                      "-f", "json"])
            assert res.exit_code == 0, (cmd, res.output)
            out[engine, cmd[0]] = json.loads(res.stdout)
    for cmd in COMMANDS:
        assert out["spark", cmd[0]] == out["duckdb", cmd[0]], cmd
    assert "is-west-africa" in json.dumps(out["duckdb", "activity"])
    assert (tmp_path / "sp" / "_kharita_manifest.json").exists()
    # The generic ingest and attribution (kharita.events.ingest / attribute through the
    # Spark raw loader) wrote the same tables as on DuckDB.
    from kharita.store.base import open_store

    with open_store(tmp_path / "k.duckdb", read_only=True) as d, \
            open_store(tmp_path / "sp", engine="spark", read_only=True) as s:
        for table, keys in (("events", ["event_id"]),
                            ("attributions", ["event_id", "side", "entity_id"])):
            a, b = d.sql(f"SELECT * FROM {table}"), s.sql(f"SELECT * FROM {table}")
            assert len(a) == len(b) > 2_000
            pd.testing.assert_frame_equal(canon(a, keys), canon(b, keys),
                                          check_dtype=False, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("url", ["/api/summary", "/api/activity", "/api/map",
                                 "/api/events?page=2", "/api/periods"])
def test_same_workbench_api(stores, kb, url):
    """The workbench's JSON is the same on both stores (the read model's SQL runs on
    Spark too)."""
    from fastapi.testclient import TestClient

    from kharita.web.app import create_app

    got = {}
    for engine in ("duckdb", "spark"):
        res = TestClient(create_app(stores[engine], kb=kb),
                         base_url="http://127.0.0.1").get(url)
        assert res.status_code == 200, res.text
        got[engine] = res.json()
    d, s = _scrub(got["duckdb"]), _scrub(got["spark"])
    assert s == d
    assert d


def _scrub(doc: Any) -> Any:
    """Without what differs by store and not by data: ingest times, store location and
    engine."""
    if isinstance(doc, dict):
        return {k: _scrub(v) for k, v in doc.items()
                if not k.endswith("_at") and k not in ("store", "engine", "location")}
    if isinstance(doc, list):
        return [_scrub(v) for v in doc]
    return doc


def test_other_connectors_on_spark(stores, shared_data, tmp_path):
    """ACLED (CSV, API JSON read in Python) and GDELT (tab-separated lines)
    ingest on Spark as on DuckDB."""
    from pathlib import Path

    from kharita.events.ingest import ingest_file
    from kharita.events.ingest_spark import ingest_file_spark
    from kharita.store.base import open_store
    from kharita.store.spark import SparkStore

    fixtures = Path(__file__).parent / "events" / "fixtures"
    files = [("acled", fixtures / "acled_fake.csv"), ("acled", fixtures / "acled_fake_api.json"),
             ("gdelt", shared_data / "gdelt" / "events.csv")]
    duck, spark = open_store(":memory:"), SparkStore(tmp_path / "sp")
    keys = ("rows_read", "rows_stored", "rows_quarantined", "rows_filtered", "reasons")
    for source, path in files:
        d, s = ingest_file(duck, source, path), ingest_file_spark(spark, source, path)
        assert {k: getattr(s, k) for k in keys} == {k: getattr(d, k) for k in keys}, path
    for table, order in (("events", ["event_id"]),
                         ("quarantine", ["ingest_file_id", "row_number"])):
        a, b = duck.sql(f"SELECT * FROM {table}"), spark.sql(f"SELECT * FROM {table}")
        assert len(a) == len(b) > 0
        pd.testing.assert_frame_equal(canon(a, order), canon(b, order), check_dtype=False,
                                      check_exact=False, rtol=1e-12)
    assert spark.scalar("SELECT count(*) FROM events WHERE source = 'gdelt'") == 710
    spark.close()
