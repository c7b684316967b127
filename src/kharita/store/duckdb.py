"""The DuckDB engine of the store adapter (:class:`DuckDBStore`) and the raw loaders
ingest uses to read source files into DuckDB.

Only this module (and ``store/spark.py``) imports an engine; everything else talks to
a :class:`kharita.store.base.Store`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import duckdb
import pandas as pd
import pyarrow as pa

from kharita.errors import IngestError, StoreError, StoreSchemaError
from kharita.store.base import Store, check_identifier
from kharita.store.dialect import transpile


class DuckDBStore(Store):
    """The default engine: one DuckDB file (or ``":memory:"``).

    ``con`` is the DuckDB connection; only modules in ``store/`` touch it.
    """

    engine: ClassVar[str] = "duckdb"

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False,
                 create: bool = True) -> None:
        p = str(path)
        memory = p == ":memory:"
        self.location, self.read_only = p, read_only
        if not memory and (read_only or not create) and not Path(p).exists():
            raise StoreError(f"no store at {p}: run `kharita ingest` (or `kharita demo`) "
                             "first, or pass --store / set KHARITA_STORE")
        if not memory and Path(p).is_dir():
            raise StoreError(f"{p} is a directory (a Spark store?): pass --engine spark, or "
                             "a DuckDB file")
        try:
            self.con = duckdb.connect(p, read_only=read_only and not memory)
        except duckdb.IOException as exc:
            msg = str(exc).split("\n", 1)[0]
            if "lock" in msg.lower():
                raise StoreError(f"store {p} is in use by another kharita process "
                                 "(e.g. `kharita serve`); stop it or use another store"
                                 ) from None
            if "not a valid duckdb" in msg.lower():
                raise StoreSchemaError(f"{p}: not a DuckDB file (not a kharita store)"
                                       ) from None
            raise StoreError(f"cannot open store {p}: {msg}") from None
        except duckdb.Error as exc:
            raise StoreSchemaError(f"{p}: not a DuckDB file ({str(exc).splitlines()[0]})"
                                   ) from None
        self.con.execute("SET enable_progress_bar_print = false")
        self._ibis: Any = None
        if read_only:
            self.check_schema()
        else:
            if self.has_table("events") and self.schema_version() is None:
                self.check_schema()  # an old store: refuse before writing anything
            self.create_schema()
            self.check_schema()

    # -- queries -------------------------------------------------------------------
    def sql(self, query: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        try:
            return self.con.execute(query, list(params)).fetch_df()
        except duckdb.Error as exc:
            raise _query_error(exc) from exc

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        try:
            self.con.execute(statement, list(params))
        except duckdb.Error as exc:
            raise _query_error(exc) from exc

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.con.execute(query, list(params)).fetchall()
        except duckdb.Error as exc:
            raise _query_error(exc) from exc

    def arrow(self, query: str, params: Sequence[Any] = ()) -> pa.Table:
        """The result as an Arrow table (no pandas conversion)."""
        try:
            rel = self.con.sql(query, params=list(params) or None)
            # DuckDB 2 names it to_arrow_table, DuckDB 1 arrow
            fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
            return fetch()
        except duckdb.Error as exc:
            raise _query_error(exc) from exc

    @property
    def ibis(self) -> Any:
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
        return self._ibis

    def table(self, name: str) -> Any:
        return self.ibis.table(check_identifier(name))

    def register(self, name: str, data: pd.DataFrame | pa.Table) -> None:
        check_identifier(name)
        self.con.unregister(name)
        self.con.register(name, data)

    def append(self, table: str, query: str, params: Sequence[Any] = ()) -> int:
        check_identifier(table)
        cols = self.columns(table)
        # DuckDB cannot prepare a view with parameters: bind them as literals first
        bound = transpile(query, "duckdb", params) if params else query
        self.execute(f"CREATE OR REPLACE TEMP VIEW _kh_append AS {bound}")
        have = set(self.columns("_kh_append"))
        names = [c for c in cols if c in have]
        n = self.scalar("SELECT count(*) FROM _kh_append")
        self.execute(f"INSERT INTO {table} ({', '.join(names)}) "
                     f"SELECT {', '.join(names)} FROM _kh_append")
        self.con.execute("DROP VIEW IF EXISTS _kh_append")
        return int(n or 0)

    def delete(self, table: str, where: str, params: Sequence[Any] = ()) -> None:
        self.execute(f"DELETE FROM {check_identifier(table)} WHERE {where}", params)

    def create_temp(self, name: str, query: str, params: Sequence[Any] = ()) -> None:
        self.execute(f"CREATE OR REPLACE TEMP TABLE {check_identifier(name)} AS {query}",
                     params)

    def drop_temp(self, name: str) -> None:
        check_identifier(name)
        row = self.con.execute("SELECT table_type FROM information_schema.tables "
                               "WHERE table_name = ?", [name]).fetchone()
        if row is None:
            self.con.unregister(name)  # a registered DataFrame is not in the catalog
            return
        kind = "VIEW" if "VIEW" in str(row[0]).upper() else "TABLE"
        self.con.execute(f"DROP {kind} IF EXISTS {name}")

    def has_table(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
            [name]).fetchone()
        return bool(row and row[0])

    def columns(self, name: str) -> list[str]:
        return [r[0] for r in self.con.execute(f"DESCRIBE {check_identifier(name)}").fetchall()]

    @contextmanager
    def transaction(self) -> Iterator[DuckDBStore]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def close(self) -> None:
        self.con.close()

    def create_schema(self) -> None:
        for statement in self._schema_statements():
            self.con.execute(statement)
        self._record_version()


def _query_error(exc: Exception) -> Exception:
    """Engine errors become :class:`StoreError` with the engine's first line; a missing
    table means the store has not been ingested or attributed."""
    first = str(exc).split("\n", 1)[0]
    if isinstance(exc, duckdb.CatalogException):
        return StoreError(f"the store lacks a table or column ({first}): run `kharita "
                          "ingest` and `kharita attribute` first")
    return StoreError(first)


def connect(path: str | os.PathLike[str], *, read_only: bool = False,
            create: bool = True) -> DuckDBStore:
    """Open the DuckDB store at ``path``: shorthand for
    ``open_store(path, engine="duckdb", ...)``."""
    return DuckDBStore(path, read_only=read_only, create=create)


def raw(store: Store) -> duckdb.DuckDBPyConnection:
    """The DuckDB connection behind a store (for the raw loaders in this module)."""
    if not isinstance(store, DuckDBStore):
        raise StoreError(f"{store!r} is not a DuckDB store")
    return store.con


# --------------------------------------------------------------------------------------
# Raw loading for ingest (engine-specific reading; normalisation itself is Ibis).
# --------------------------------------------------------------------------------------


@dataclass
class RawLoad:
    """A source file exposed as an all-VARCHAR relation named ``table``.

    ``table`` has ``_row`` (1-based record number in the file, counting header rows),
    ``_raw`` (the record's text, computed only when selected) and one VARCHAR column
    per source column. For delimited files it is a lazy view over DuckDB's
    ``read_csv``: the file is scanned when the normalised table is created, and
    :func:`finish_load` then collects the records the reader rejected (wrong column
    count, undecodable bytes, unterminated quotes ...) and fixes the record numbers.
    ``rows`` counts the accepted data records, ``rejects`` the rejected ones (columns
    ``row_number``, ``field``, ``reason``, ``raw``).
    """

    table: str
    rows: int = 0
    rejects: pd.DataFrame = field(default_factory=lambda: _empty_rejects())
    cleanup: list[str] = field(default_factory=list)
    header_rows: int = 0
    rejects_table: str | None = None
    drop_rows: tuple[int, ...] = ()


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({"row_number": pd.Series(dtype="int64"),
                         "field": pd.Series(dtype=object), "reason": pd.Series(dtype=object),
                         "raw": pd.Series(dtype=object)})


def _qident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qstr(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def load_delimited(store: Store, path: str | os.PathLike[str], *,
                   table: str, columns: Sequence[str], delim: str, quote: str = '"',
                   header: bool = True, encoding: str = "utf-8",
                   drop_rows: Sequence[int] = (), split_tab_fields: int = 0) -> RawLoad:
    """Expose a delimited text file (optionally gzip-compressed) as the view ``table``.

    DuckDB's ``read_csv`` reads every column as VARCHAR with ``store_rejects`` on, so
    malformed records are kept (with their record number and text) instead of stopping
    the load or being dropped. Accepted records are numbered in file order
    (``row_number() OVER ()`` on the order-preserving scan); :func:`finish_load` turns
    that ordinal into the record number. ``drop_rows`` lists record numbers that are
    header-like (the HXL hashtag row). With ``split_tab_fields=n`` the file is read as
    one column per line and split on tabs into ``c01`` ... ``c<n>`` plus ``_nfields``
    (GDELT, whose rows differ in column count by layout).
    """
    con = raw(store)
    p = str(path)
    rej_t, rej_s = f"{table}_rejects", f"{table}_scans"
    h = 1 if header else 0
    if split_tab_fields:
        names = [f"c{i:02d}" for i in range(1, split_tab_fields + 1)]
        cols_sql = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in names) + "}"
        opts = "delim='\t', quote='', escape='', null_padding=true"  # a real tab character
    else:
        cols_sql = "{" + ", ".join(f"{_qstr(c)}: 'VARCHAR'" for c in columns) + "}"
        opts = (f"delim={_qstr(delim)}, quote={_qstr(quote)}, escape={_qstr(quote)}, "
                "null_padding=false")
    scan = (f"read_csv({_qstr(p)}, columns={cols_sql}, header={'true' if header else 'false'}, "
            f"{opts}, auto_detect=false, store_rejects=true, rejects_table={_qstr(rej_t)}, "
            f"rejects_scan={_qstr(rej_s)}, encoding={_qstr(encoding)}, compression='auto', "
            f"max_line_size=4194304)")
    row = f"(row_number() OVER () + {h})::BIGINT"
    if split_tab_fields:
        # Short lines are padded with NULLs (more fields than c01..cN are rejected);
        # _nfields is the position of the last non-empty field.
        nf = "CASE " + " ".join(f"WHEN t.{c} IS NOT NULL THEN {k}"
                                for k, c in reversed(list(enumerate(names, start=1)))) + \
            " ELSE 0 END"
        raw_expr = ("rtrim(concat_ws(chr(9), " + ", ".join(f"coalesce(t.{c}, '')" for c in names)
                    + "), chr(9))")
        select = (f"SELECT {row} AS _row, {raw_expr} AS _raw, ({nf})::BIGINT AS _nfields, "
                  + ", ".join(f"t.{c}" for c in names) + f" FROM {scan} t")
    else:
        raw_expr = "concat_ws(" + _qstr(delim) + ", " + ", ".join(
            f"coalesce(t.{_qident(c)}, '')" for c in columns) + ")"
        select = (f"SELECT {row} AS _row, {raw_expr} AS _raw, "
                  + ", ".join(f"t.{_qident(c)}" for c in columns) + f" FROM {scan} t")
    if drop_rows:
        select = (f"SELECT * FROM ({select}) WHERE _row NOT IN "
                  f"({', '.join(str(int(r)) for r in drop_rows)})")
    try:
        con.execute(f"CREATE TEMP VIEW {_qident(table)} AS {select}")
    except duckdb.Error as exc:
        raise IngestError(f"{p}: cannot read as delimited text: {exc}") from exc
    return RawLoad(table=table, header_rows=h, rejects_table=rej_t,
                   drop_rows=tuple(int(r) for r in drop_rows),
                   cleanup=[f"VIEW {table}", f"TABLE {table}_rej", f"TABLE {rej_t}",
                            f"TABLE {rej_s}"])


def finish_load(store: Store, load: RawLoad, norm: str,
                row_col: str = "ingest_row") -> None:
    """After ``norm`` (a table with one row per accepted record and the preliminary
    record number in ``row_col``) has been created from ``load.table``: collect the
    rejected records and shift record numbers past them.

    A rejected record ``i`` (sorted by record number ``R_i``) has ``R_i - H - i``
    accepted records before it, so the accepted record with ordinal ``k`` is record
    ``H + k + #{i : R_i - H - i < k}``.
    """
    con = raw(store)
    n = con.execute(f"SELECT count(*) FROM {_qident(norm)}").fetchone()
    load.rows = int(n[0]) if n else 0
    if load.rejects_table is None:
        return
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                         [load.rejects_table]).fetchone()
    if not exists or not exists[0]:
        return
    rt = _qident(load.rejects_table)
    rejects = con.execute(
        f"SELECT line::BIGINT AS row_number, "
        f"arg_min(column_name, column_idx) AS field, "
        f"arg_min(lower(error_type) || ': ' || error_message, column_idx) AS reason, "
        f"any_value(csv_line) AS raw FROM {rt} GROUP BY line ORDER BY line").df()
    if rejects.empty:
        return
    h = load.header_rows
    rej = _qident(load.table + "_rej")
    con.execute(f"CREATE TEMP TABLE {rej} AS SELECT line, "
                f"line - {h} - row_number() OVER (ORDER BY line) AS before "
                f"FROM (SELECT DISTINCT line FROM {rt})")
    con.execute(f"UPDATE {_qident(norm)} SET {_qident(row_col)} = {_qident(row_col)} + "
                f"(SELECT count(*) FROM {rej} r WHERE r.before < {_qident(row_col)} - {h})")
    if load.drop_rows:
        rejects = rejects[~rejects["row_number"].isin(list(load.drop_rows))]
    load.rejects = rejects.reset_index(drop=True)


def raw_rows_sql(load: RawLoad) -> str:
    """SQL of ``(_row, _raw)`` for the records of ``load`` with corrected record numbers
    (rescans the file: use only for the few quarantined rows)."""
    t = _qident(load.table)
    if load.rejects_table is None or load.rejects.empty:
        return f"SELECT _row, _raw FROM {t}"
    h = load.header_rows
    rej = _qident(load.table + "_rej")
    return (f"SELECT _row + (SELECT count(*) FROM {rej} r WHERE r.before < v._row - {h}) "
            f"AS _row, _raw FROM {t} v")


def load_records(store: Store, batches: Iterable[pa.RecordBatch], *,
                 table: str, schema: pa.Schema) -> RawLoad:
    """Load record batches (``_row``, ``_raw`` and VARCHAR columns) into a temp table.

    Used for sources that DuckDB cannot read directly: GTD's xlsx (streamed with
    openpyxl) and ACLED's API JSON.
    """
    con = raw(store)
    reader = pa.RecordBatchReader.from_batches(schema, iter(batches))
    con.register(f"{table}_arrow", reader)
    try:
        con.execute(f"CREATE TEMP TABLE {_qident(table)} AS SELECT * FROM "
                    f"{_qident(table + '_arrow')}")
    finally:
        con.unregister(f"{table}_arrow")
    n = con.execute(f"SELECT count(*) FROM {_qident(table)}").fetchone()
    return RawLoad(table=table, rows=int(n[0]) if n else 0, cleanup=[f"TABLE {table}"])


@contextmanager
def watch_progress(store: Store,
                   callback: Callable[[float], None] | None,
                   interval: float = 0.25) -> Iterator[None]:
    """While inside, call ``callback(percent)`` with the progress of the query running on
    ``con`` (DuckDB's ``query_progress``, polled from a helper thread)."""
    con = raw(store)
    con.execute("SET enable_progress_bar_print = false")  # never DuckDB's own bar on stderr
    if callback is None:
        yield
        return
    con.execute("SET enable_progress_bar = true")
    done = threading.Event()

    def poll() -> None:
        while not done.wait(interval):
            try:
                pct = con.query_progress()
            except (duckdb.Error, RuntimeError):
                continue
            if pct is not None and pct >= 0:
                callback(float(pct))

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@contextmanager
def memory_limit(store: Store, limit: str | None) -> Iterator[None]:
    """Lower DuckDB's ``memory_limit`` (e.g. ``"2GB"``) while inside, so large temporary
    tables spill to disk instead of growing the process; restored afterwards."""
    con = raw(store)
    if not limit:
        yield
        return
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    previous = str(row[0]) if row else None
    con.execute(f"SET memory_limit = {_qstr(limit)}")
    try:
        yield
    finally:
        if previous:
            con.execute(f"SET memory_limit = {_qstr(previous)}")


class ScanError(IngestError):
    """DuckDB's reader gave up on a file (e.g. its CSV state machine reached an invalid
    state); the ingest layer then retries with the Python reader."""


def create_table_as(store: Store, name: str, sql: str) -> None:
    """``CREATE TEMP TABLE name AS sql``, turning engine errors into :class:`ScanError`."""
    con = raw(store)
    try:
        con.execute(f"CREATE TEMP TABLE {_qident(name)} AS {sql}")
    except duckdb.Error as exc:
        raise ScanError(str(exc).split("\n", 1)[0]) from exc


def drop_raw(store: Store, load: RawLoad) -> None:
    """Drop the temporary objects a :class:`RawLoad` created."""
    con = raw(store)
    for item in load.cleanup:
        kind, name = item.split(" ", 1)
        con.execute(f"DROP {kind} IF EXISTS {_qident(name)}")
