"""The store adapter: schema version, clear refusals, transactions, parameters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kharita.errors import StoreError, StoreSchemaError, UserInputError
from kharita.store.base import SCHEMA_VERSION, open_store
from kharita.store.dialect import transpile


def test_new_store_records_its_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with open_store(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
    with open_store(path, read_only=True) as s:
        assert s.scalar("SELECT count(*) FROM events") == 0


def test_store_from_an_older_kharita_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE events (event_id VARCHAR)")
    con.close()
    for read_only in (True, False):
        with pytest.raises(StoreSchemaError) as exc:
            open_store(path, read_only=read_only)
        message = str(exc.value)
        assert "\n" not in message and "older kharita" in message and str(path) in message
    # nothing was written into the old store
    con = duckdb.connect(str(path))
    assert [r[0] for r in con.execute("SHOW TABLES").fetchall()] == ["events"]


def test_newer_schema_version_asks_for_an_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "new.duckdb"
    open_store(path).close()
    con = duckdb.connect(str(path))
    con.execute("UPDATE kharita_meta SET value = ? WHERE key = 'schema_version'",
                [str(SCHEMA_VERSION + 1)])
    con.close()
    with pytest.raises(StoreSchemaError, match="upgrade kharita"):
        open_store(path, read_only=True)


def test_foreign_files_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database\n", encoding="utf-8")
    with pytest.raises(StoreSchemaError, match="not a DuckDB file"):
        open_store(text, read_only=True)
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE customers (id INTEGER)")
    con.close()
    with pytest.raises(StoreSchemaError, match="not a kharita store"):
        open_store(other, read_only=True)
    with pytest.raises(StoreError, match="no store at"):
        open_store(tmp_path / "missing.duckdb", read_only=True)


def test_unknown_engine_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="duckdb, spark"):
        open_store(tmp_path / "x", engine="postgres")


def test_transaction_is_all_or_nothing(tmp_path: Path) -> None:
    s = open_store(tmp_path / "t.duckdb")
    with pytest.raises(RuntimeError), s.transaction():
        s.execute("INSERT INTO events (event_id, source) VALUES ('a:1', 'a')")
        raise RuntimeError("crash mid-write")
    assert s.scalar("SELECT count(*) FROM events") == 0
    with s.transaction():
        s.execute("INSERT INTO events (event_id, source) VALUES ('a:1', 'a')")
    assert s.scalar("SELECT count(*) FROM events") == 1


def test_append_matches_columns_by_name_and_delete_binds_parameters() -> None:
    s = open_store(":memory:")
    s.register("incoming", pd.DataFrame({"source": ["x", "y"], "event_id": ["x:1", "y:1"],
                                         "date_start": [dt.date(2020, 1, 1)] * 2}))
    assert s.append("events", "SELECT * FROM incoming") == 2
    row = s.rows("SELECT event_id, source, admin1 FROM events ORDER BY 1")[0]
    assert row == ("x:1", "x", None)
    s.delete("events", "source = ?", ["x"])
    assert s.rows("SELECT event_id FROM events") == [("y:1",)]


def test_dialect_binds_parameters_as_literals_for_spark() -> None:
    sql = transpile("SELECT * FROM events WHERE source = ? AND date_start >= ? AND x > ?",
                    "spark", ["it's", dt.date(2020, 1, 2), 0.5])
    assert "'it''s'" in sql or "'it\\'s'" in sql
    assert "CAST('2020-01-02' AS DATE)" in sql and "0.5" in sql
    with pytest.raises(StoreError, match="placeholders"):
        transpile("SELECT ? FROM t", "spark", [1, 2])


def test_catalog_lookups_leave_no_unfinished_result(tmp_path: Path) -> None:
    # has_table once fetched one row of its count and left the result open: the next
    # relation query (e.g. a second `explain` on one store) then failed with
    # "connection has an unfinished result".
    with open_store(tmp_path / "s.duckdb") as s:
        for _ in range(2):
            assert s.has_table("events") and not s.has_table("no_such_table")
            assert s.arrow("SELECT 1 AS x").column("x").to_pylist() == [1]
            s.create_temp("kh_t", "SELECT 2 AS y")
            s.drop_temp("kh_t")
            assert s.arrow("SELECT 3 AS z").num_rows == 1
            assert not s.has_table("kh_t")


def test_shared_store_serves_derived_tables_to_every_thread(tmp_path: Path) -> None:
    import threading

    from kharita.store.synthetic import insert_synthetic_events

    path = tmp_path / "s.duckdb"
    with open_store(path) as s:
        insert_synthetic_events(s, 200, seed=3)
    with open_store(path, read_only=True, shared=True) as s:
        assert s.shared and s.has_table("events") and not s.has_table("kh_derived")
        s.create_temp("kh_derived", "SELECT event_id FROM events")
        assert s.has_table("kh_derived") and s.columns("kh_derived") == ["event_id"]
        seen: list[int] = []
        errors: list[BaseException] = []
        cursors: set[int] = set()

        def read() -> None:
            try:
                cursors.add(id(s.con))
                seen.append(int(s.scalar("SELECT count(*) FROM kh_derived")))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and seen == [200] * 4 and len(cursors) == 4
        # the store file itself stays read-only
        with pytest.raises(StoreError):
            s.execute("DELETE FROM events")
        s.drop_temp("kh_derived")
        assert not s.has_table("kh_derived")
    # a plain read-only store is not shared
    with open_store(path, read_only=True) as s:
        assert not s.shared
