"""Event identity across files and versions, on the real UCDP extracts (issue 11).

An event is (source, source_event_id): re-ingesting a corrected export, mixing the
global sample with country files, or ingesting a filtered then an unfiltered copy
gives each event once; older versions go to ``events_history``; events a newer full
release no longer carries are withdrawn (kept, out of the frame).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from pathlib import Path

import duckdb
import pytest

from kharita.analysis.activity import activity
from kharita.analysis.frame import Filters, build_frame
from kharita.events import ingest as ing
from kharita.events.attribute import attribute_store
from kharita.store.base import open_store

UCDP_FILES = ("ucdpged.csv", "conflict_data_nga.csv", "conflict_data_irq.csv",
              "ucdp_syria_df.csv.gz")


def _rows(path: Path) -> list[list[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def _distinct_ids(paths: list[Path]) -> int:
    """Distinct UCDP ids over the raw files, read independently of kharita."""
    sel = " UNION ".join(
        f"SELECT CAST(CAST(id AS DOUBLE) AS BIGINT) AS id FROM read_csv('{p}', "
        "all_varchar=true, header=true) WHERE TRY_CAST(id AS DOUBLE) IS NOT NULL"
        for p in paths)
    return int(duckdb.sql(f"SELECT count(*) FROM ({sel})").fetchall()[0][0])


def _counts(store) -> tuple[int, int]:
    return tuple(store.rows("SELECT count(*), count(DISTINCT event_id) FROM events")[0])


@pytest.fixture
def nga(shared_data: Path) -> Path:
    return shared_data / "ucdp-ged" / "conflict_data_nga.csv"


@pytest.fixture
def store(tmp_path: Path):
    s = open_store(tmp_path / "s.duckdb")
    yield s
    s.close()


def _corrected(nga: Path, tmp_path: Path) -> tuple[Path, str, int]:
    """A copy of the NGA export with one event's best fatality estimate changed."""
    rows = _rows(nga)
    header = rows[0]
    i_id, i_best = header.index("id"), header.index("best")
    row = next(r for r in rows[2:] if r[i_id] and r[i_best] not in ("", "0"))
    new_best = int(float(row[i_best])) + 7
    row[i_best] = str(new_best)
    return _write(tmp_path / "conflict_data_nga_corrected.csv", rows), row[i_id], new_best


def test_corrected_copy_replaces_each_event(store, nga: Path, tmp_path: Path, kb) -> None:
    first = ing.ingest_file(store, "ucdp", nga)
    attribute_store(store, kb)
    n_events, n_att = _counts(store)[0], store.scalar("SELECT count(*) FROM attributions")
    corrected, sid, new_best = _corrected(nga, tmp_path)
    second = ing.ingest_file(store, "ucdp", corrected)
    assert not second.skipped
    assert _counts(store) == (n_events, n_events)
    eid = f"ucdp:{int(float(sid))}"
    best = store.scalar("SELECT fatalities_best FROM events WHERE event_id = ?", [eid])
    assert best == new_best
    old = store.scalar("SELECT fatalities_best FROM events_history WHERE event_id = ? "
                       "AND ingest_file_id = ?", [eid, first.ingest_file_id])
    assert old == new_best - 7
    assert second.rows_replaced == n_events and second.rows_withdrawn == 0
    assert second.supersedes == [first.ingest_file_id]
    assert second.rows_read == second.rows_stored + second.rows_quarantined \
        + second.rows_filtered
    row = store.rows("SELECT rows_replaced, supersedes FROM ingest_files "
                     "WHERE ingest_file_id = ?", [second.ingest_file_id])[0]
    assert row == (n_events, first.ingest_file_id)
    # The replaced events' attributions went with them; re-attributing restores them.
    assert store.scalar("SELECT count(*) FROM attributions") == 0
    ing.attribute_if_available(store, kb, [second.ingest_file_id])
    assert store.scalar("SELECT count(*) FROM attributions") == n_att


def test_filtered_ingest_does_not_block_unfiltered(store, nga: Path) -> None:
    since = dt.date(2015, 1, 1)
    part = ing.ingest_file(store, "ucdp", nga, since=since)
    assert part.rows_filtered > 0 and part.filters == "since=2015-01-01"
    full = ing.ingest_file(store, "ucdp", nga)
    assert not full.skipped
    assert full.rows_replaced == part.rows_stored
    n = store.scalar("SELECT count(*) FROM events")
    assert n == part.rows_stored + part.rows_filtered == full.rows_stored
    assert store.scalar("SELECT count(*) FROM events WHERE withdrawn") == 0
    # The same file again, filtered or not, adds nothing.
    assert ing.ingest_file(store, "ucdp", nga).skipped
    assert ing.ingest_file(store, "ucdp", nga, countries=["NGA"]).skipped
    assert store.scalar("SELECT count(*) FROM events") == n


def _slice(nga: Path, tmp_path: Path, name: str, n: int, *, drop: int = 0) -> Path:
    rows = _rows(nga)
    return _write(tmp_path / name, rows[:2] + rows[2 + drop:2 + n])


def test_newer_version_wins_and_full_release_withdraws(store, nga: Path,
                                                       tmp_path: Path) -> None:
    v25 = _slice(nga, tmp_path, "v25.csv", 200)
    v24 = _slice(nga, tmp_path, "v24.csv", 200, drop=0)
    rows24 = _rows(v24)
    i_best = rows24[0].index("best")
    for r in rows24[2:]:
        r[i_best] = "999"
    _write(v24, rows24)
    new = ing.ingest_file(store, "ucdp", v25, source_version="25.1")
    old = ing.ingest_file(store, "ucdp", v24, source_version="24.1")  # older, ingested later
    assert old.rows_replaced == 0 and old.rows_superseded == old.rows_stored
    assert store.scalar("SELECT count(*) FROM events WHERE fatalities_best = 999") == 0
    assert store.scalar("SELECT count(*) FROM events_history WHERE history_reason = "
                        "'outdated'") == old.rows_stored
    # A 26.1 release without the first 10 events withdraws them (kept, not deleted).
    v26 = _slice(nga, tmp_path, "v26.csv", 200, drop=10)
    rel = ing.ingest_file(store, "ucdp", v26, source_version="26.1")
    assert rel.rows_withdrawn == 10 and rel.supersedes == [new.ingest_file_id]
    assert _counts(store) == (new.rows_stored, new.rows_stored)
    assert store.scalar("SELECT count(*) FROM events WHERE withdrawn") == 10
    frame_ids = set(build_frame(store).df().event_id) if store.scalar(
        "SELECT count(*) FROM attributions") else set()
    withdrawn = {r[0] for r in store.rows("SELECT event_id FROM events WHERE withdrawn")}
    assert not frame_ids & withdrawn


def test_repeated_id_in_one_file_is_stored_once(store, nga: Path, tmp_path: Path) -> None:
    rows = _rows(nga)[:12]
    rows.append(list(rows[5]))
    r = ing.ingest_file(store, "ucdp", _write(tmp_path / "dup.csv", rows))
    assert r.rows_stored == 11 and r.rows_superseded == 1
    assert _counts(store) == (10, 10)
    assert r.rows_read == r.rows_stored + r.rows_quarantined + r.rows_filtered


@pytest.fixture(scope="module")
def four_files(shared_data, kb, tmp_path_factory):
    paths = [shared_data / "ucdp-ged" / f for f in UCDP_FILES]
    s = open_store(tmp_path_factory.mktemp("four") / "s.duckdb")
    reports = ing.ingest_paths(s, "ucdp", paths)
    attribute_store(s, kb)
    yield s, paths, reports
    s.close()


def test_global_sample_plus_country_files_give_each_event_once(four_files) -> None:
    store, paths, reports = four_files
    rows, distinct = _counts(store)
    assert rows == distinct
    assert rows == _distinct_ids(paths)
    assert sum(r.rows_replaced for r in reports) == sum(r.rows_stored for r in reports) - rows
    assert store.scalar("SELECT count(*) FROM events WHERE withdrawn") == 0
    for r in reports:
        assert r.rows_read == r.rows_stored + r.rows_quarantined + r.rows_filtered


def test_frame_counts_each_event_once(four_files, kb) -> None:
    store, _, _ = four_files
    frame = build_frame(store, kb, Filters.make(kb, ambiguous="split"))
    df = frame.df()
    assert not df.duplicated(["event_id", "entity_id"]).any()
    act = activity(frame, by="branch", freq="year", coverage="all")  # every row counted
    df["period"] = df.date.astype("datetime64[ns]").dt.to_period("Y").dt.start_time
    expect = df.groupby(["period", "entity_id"]).event_id.nunique()
    got = act.set_index(["period", "entity_id"]).events_raw
    got.index = got.index.set_levels(
        [got.index.levels[0].astype("datetime64[ns]"), got.index.levels[1]])
    assert got.sort_index().astype(int).to_dict() == expect.sort_index().astype(int).to_dict()
    # Independently of the frame: distinct attributed events per branch.
    n_by_branch = df.groupby("entity_id").event_id.nunique()
    assert int(n_by_branch.sum()) == len(df.drop_duplicates(["event_id", "entity_id"]))


@pytest.mark.spark
@pytest.mark.slow
def test_spark_applies_the_same_identity_rule(nga: Path, tmp_path: Path) -> None:
    """Slices of the real NGA export as 25.1, then a 26.1 without 10 events (replaced
    and withdrawn): both engines store the same events, history and ingest_files. (The
    outdated and duplicate cases run the same core code; the four real files on Spark
    are in tests/test_engine_parity.py.)"""
    pytest.importorskip("pyspark")
    from kharita.events.ingest_spark import ingest_file_spark
    from kharita.store.spark import SparkStore

    v25 = _slice(nga, tmp_path, "v25.csv", 120)
    v26 = _slice(nga, tmp_path, "v26.csv", 120, drop=10)
    steps: list[tuple[Path, str, dict[str, object]]] = [
        (v25, "25.1", {}), (v26, "26.1", {})]
    duck = open_store(tmp_path / "d.duckdb")
    spark = SparkStore(tmp_path / "spark")
    try:
        for path, version, kw in steps:
            a = ing.ingest_file(duck, "ucdp", path, source_version=version, **kw)
            b = ingest_file_spark(spark, "ucdp", path, source_version=version, **kw)
            for k in ("rows_stored", "rows_replaced", "rows_superseded", "rows_withdrawn",
                      "supersedes", "filters", "skipped"):
                assert getattr(a, k) == getattr(b, k), k
        assert a.rows_withdrawn == 10
        for table, keys, skip in (
                ("events", ["event_id"], []),
                ("events_history", ["event_id", "ingest_file_id", "history_reason"],
                 ["superseded_at"]),
                ("ingest_files", ["ingest_file_id"], ["started_at", "finished_at", "path"])):
            d = duck.sql(f"SELECT * FROM {table}").drop(columns=skip)
            s = spark.sql(f"SELECT * FROM {table}").drop(columns=skip)
            d = d.sort_values(keys).reset_index(drop=True)
            s = s.sort_values(keys).reset_index(drop=True)[list(d.columns)]
            assert len(d) == len(s), table
            assert d.astype(str).equals(s.astype(str)), table
    finally:
        spark.close()
        duck.close()
