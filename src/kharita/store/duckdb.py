"""The DuckDB engine of the store adapter (:class:`DuckDBStore`) and the raw loaders
ingest uses to read source files into DuckDB.

Only this module (and ``store/spark.py``) imports an engine; everything else talks to
a :class:`kharita.store.base.Store`.
"""

from __future__ import annotations

import contextlib
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
                 create: bool = True, shared: bool = False) -> None:
        p = str(path)
        memory = p == ":memory:"
        self.location, self.read_only = p, read_only
        #: True when the store is read by several threads at once (:attr:`con` is then a
        #: per-thread cursor of one database instance, see :meth:`_open_shared`).
        self.shared = bool(shared and read_only and not memory)
        self._local: threading.local | None = None
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._tables: set[str] | None = None  # shared: the catalog's tables, cached
        self._columns: dict[str, list[str]] = {}
        self._ddl = threading.RLock()
        if not memory and (read_only or not create) and not Path(p).exists():
            raise StoreError(f"no store at {p}: run `kharita ingest` (or `kharita demo`) "
                             "first, or pass --store / set KHARITA_STORE")
        if not memory and Path(p).is_dir():
            raise StoreError(f"{p} is a directory (a Spark store?): pass --engine spark, or "
                             "a DuckDB file")
        try:
            if self.shared:
                self._root = self._open_shared(p)
            else:
                self._root = duckdb.connect(p, read_only=read_only and not memory)
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
        self._root.execute("SET enable_progress_bar_print = false")
        self._ibis: Any = None
        self._tx_depth = 0
        if read_only:
            self.check_schema()
        else:
            if self.has_table("events") and self.schema_version() is None:
                self.check_schema()  # an old store: refuse before writing anything
            self.create_schema()
            self.check_schema()
        if self.shared:
            self._tables = {str(r[0]) for r in self._root.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog <> 'temp'").fetchall()}
            self._local = threading.local()

    #: The read-only store file's catalog name in a shared store, and the search path
    #: that finds its tables first, then the derived tables of :data:`WORK_CATALOG`.
    STORE_CATALOG: ClassVar[str] = "kh_store"
    WORK_CATALOG: ClassVar[str] = "memory"

    def _open_shared(self, path: str) -> duckdb.DuckDBPyConnection:
        """An in-memory database instance with the store file ATTACHed read-only.

        DuckDB runs queries of several connections of one instance in parallel, but a
        TEMP table is visible only to the connection that created it. In a shared store
        the derived tables (:meth:`create_temp`: the frame's base, the browse table ...)
        are real tables of the instance's own in-memory catalog, visible to every
        thread's cursor; the store file itself stays read-only."""
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"ATTACH {_qstr(path)} AS {self.STORE_CATALOG} (READ_ONLY)")
            self._use(con)
        except BaseException:
            con.close()
            raise
        return con

    def _use(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute(f"USE {self.STORE_CATALOG}")
        con.execute(f"SET search_path = '{self.STORE_CATALOG}.main,{self.WORK_CATALOG}.main'")

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection: in a shared store, this thread's own cursor."""
        local = self._local
        if local is None:
            return self._root
        cur: duckdb.DuckDBPyConnection | None = getattr(local, "con", None)
        if cur is None:
            with self._ddl:
                cur = self._root.cursor()
                self._use(cur)
                cur.execute("SET enable_progress_bar_print = false")
                self._cursors.append(cur)
            local.con = cur
            local.registered = set()
        return cur

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
        if self._local is not None:
            self._local.registered.add(name)

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
        check_identifier(name)
        if self._tables is None:
            self.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {query}", params)
            return
        with self._ddl:  # shared: a table of the in-memory catalog, one writer at a time
            self.execute(f"CREATE OR REPLACE TABLE {self.WORK_CATALOG}.main.{name} AS "
                         f"{query}", params)
            self._tables.add(name)
            self._columns.pop(name, None)

    def drop_temp(self, name: str) -> None:
        check_identifier(name)
        if self._local is not None and name in self._local.registered:
            self._local.registered.discard(name)
            self.con.unregister(name)
            return
        with self._ddl:
            rows = self.con.execute("SELECT table_type, table_catalog FROM "
                                    "information_schema.tables WHERE table_name = ?",
                                    [name]).fetchall()
            if not rows:
                self.con.unregister(name)  # a registered DataFrame is not in the catalog
                return
            kind = "VIEW" if "VIEW" in str(rows[0][0]).upper() else "TABLE"
            self.con.execute(f"DROP {kind} IF EXISTS {name}")
            if self._tables is not None:
                self._tables.discard(name)
                self._columns.pop(name, None)

    def has_table(self, name: str) -> bool:
        if self._tables is not None:  # shared (read-only): the catalog cached at open
            return name in self._tables or (
                self._local is not None and name in getattr(self._local, "registered", ()))
        rows = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
            [name]).fetchall()
        return bool(rows and rows[0][0])

    def columns(self, name: str) -> list[str]:
        check_identifier(name)
        if self._tables is not None and name in self._tables:
            cached = self._columns.get(name)
            if cached is None:
                cached = [r[0] for r in self.con.execute(f"DESCRIBE {name}").fetchall()]
                self._columns[name] = cached
            return list(cached)
        return [r[0] for r in self.con.execute(f"DESCRIBE {name}").fetchall()]

    @contextmanager
    def transaction(self) -> Iterator[DuckDBStore]:
        """One transaction; a transaction opened inside another joins it (so ingest can
        run attribution inside its own transaction: both commit or neither does)."""
        if self._tx_depth:
            self._tx_depth += 1
            try:
                yield self
            finally:
                self._tx_depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._tx_depth = 1
        try:
            yield self
        except BaseException:
            self._tx_depth = 0
            self.con.execute("ROLLBACK")
            raise
        self._tx_depth = 0
        try:
            self.con.execute("COMMIT")
        except duckdb.Error as exc:
            with contextlib.suppress(duckdb.Error):
                self.con.execute("ROLLBACK")
            raise _query_error(exc) from exc

    def close(self) -> None:
        for cur in self._cursors:
            with contextlib.suppress(duckdb.Error):
                cur.close()
        self._cursors.clear()
        self._root.close()

    def splink_api(self) -> Any:
        from splink import DuckDBAPI

        return DuckDBAPI(connection=self.con)

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

    ``table`` has ``_row`` (1-based record number in the file, counting header rows;
    preliminary until :func:`finish_load`; empty when :attr:`by_rowid`), ``_raw`` (the
    record's text, computed only when selected) and one VARCHAR column per source
    column. For delimited files it is
    a lazy view over DuckDB's ``read_csv``: the file is scanned when the normalised
    table is created, and :func:`finish_load` then collects the records the reader
    rejected (wrong column count, undecodable bytes, unterminated quotes, a record over
    :data:`MAX_LINE_BYTES` ...) with the reader's own record number and text, and fixes
    the record numbers of the accepted ones. ``rows`` counts the accepted data records,
    ``rejects`` the rejected ones (columns ``row_number``, ``field``, ``reason``,
    ``raw``), ``records`` every data record the reader saw (the largest record number
    less the header rows; :func:`kharita.events.ingest.ingest_file` checks it against
    stored + quarantined + filtered), ``hxl_rows`` the HXL hashtag rows left out.
    """

    table: str
    rows: int = 0
    rejects: pd.DataFrame = field(default_factory=lambda: _empty_rejects())
    cleanup: list[str] = field(default_factory=list)
    header_rows: int = 0
    rejects_table: str | None = None
    drop_rows: tuple[int, ...] = ()
    records: int | None = None
    hxl_rows: int = 0
    delim: str = ","
    columns: tuple[str, ...] = ()
    quote: str = '"'
    lines: bool = False
    path: str = ""
    encoding: str = "utf-8"
    #: SQL of ``_raw`` over the columns of the alias ``"t0"`` of ``table`` (delimited
    #: files): lets the normalising statement compute a record's text only where it
    #: uses it (quarantined rows), :func:`kharita.store.sql.ingest.hoist_strips`.
    raw_text: str | None = None
    #: True when the view's ``_row`` is empty and the records are numbered by the
    #: normalised table's ``rowid`` in :func:`finish_load` (the parallel read).
    by_rowid: bool = False


#: Longest record DuckDB's reader accepts (bytes); a longer one is quarantined with the
#: reason ``line size over maximum``.
MAX_LINE_BYTES = 4 * 1024 * 1024


def _empty_rejects() -> pd.DataFrame:
    return pd.DataFrame({"row_number": pd.Series(dtype="int64"),
                         "field": pd.Series(dtype=object), "reason": pd.Series(dtype=object),
                         "raw": pd.Series(dtype=object)})


def _qident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _qstr(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _hxl_predicate(cells: Sequence[str]) -> str:
    """SQL: every non-empty cell starts with '#' and at least one is non-empty (the
    content of an HXL hashtag row, :func:`kharita.events.sources._common.is_hxl_row`)."""
    each = " AND ".join(f"(nullif(trim({c}), '') IS NULL OR starts_with(trim({c}), '#'))"
                        for c in cells)
    anyc = " OR ".join(f"nullif(trim({c}), '') IS NOT NULL" for c in cells)
    return f"(({each}) AND ({anyc}))"


def _requote(cell: str, delim: str, quote: str) -> str:
    """SQL of a cell as it is written with minimal quoting (the raw text of a record)."""
    if not quote:
        return f"coalesce({cell}, '')"
    q = _qstr(quote)
    specials = _qstr("[" + "".join("\\" + ch if ch in "]\\^-" else ch
                                   for ch in (delim + quote + "\r\n")) + "]")
    return (f"CASE WHEN {cell} IS NULL THEN '' WHEN regexp_matches({cell}, {specials}) "
            f"THEN {q} || replace({cell}, {q}, {q} || {q}) || {q} ELSE {cell} END")


def record_text_sql(columns: Sequence[str], delim: str, quote: str,
                    alias: str = '"t0"') -> str:
    """SQL of a delimited record's text rebuilt from its cells (columns of ``alias``)
    with minimal quoting: the ``_raw`` of :func:`load_delimited`'s view, and its
    :attr:`RawLoad.raw_text` over the normalising statement's alias ``"t0"``."""
    return f"concat_ws({_qstr(delim)}, " + ", ".join(
        _requote(f"{alias}.{_qident(c)}", delim, quote) for c in columns) + ")"


def load_delimited(store: Store, path: str | os.PathLike[str], *,
                   table: str, columns: Sequence[str], delim: str, quote: str = '"',
                   header: bool = True, encoding: str = "utf-8",
                   drop_rows: Sequence[int] = (), split_tab_fields: int = 0) -> RawLoad:
    """Expose a delimited text file (optionally gzip-compressed) as the view ``table``.

    DuckDB's ``read_csv`` reads every column as VARCHAR with ``store_rejects`` on, so
    malformed records are kept (with their record number and text) instead of stopping
    the load or being dropped. Accepted records are numbered in file order:
    :func:`finish_load` numbers them by the normalised table's ``rowid`` (the insert
    keeps the scan's order, and the file is read on every core), or, when an HXL row
    may stand at record 2, the view numbers them itself (``row_number() OVER ()``, read
    on one thread); :func:`finish_load` turns that ordinal into the record number
    past the rejected records. ``drop_rows`` lists the record numbers where
    an HXL hashtag row may stand (record 2): the first accepted record is left out only
    when its *content* is one (a rejected HXL row is recognised by its text), never by
    position. With ``split_tab_fields=n`` the file is read as one column per line and
    split on tabs into ``c01`` ... ``c<n>`` plus ``_nfields`` (the line's number of
    fields; GDELT, whose rows differ in column count by layout); ``_raw`` is then the
    line itself.
    """
    con = raw(store)
    p = str(path)
    rej_t, rej_s = f"{table}_rejects", f"{table}_scans"
    h = 1 if header else 0
    common = (f"auto_detect=false, store_rejects=true, rejects_table={_qstr(rej_t)}, "
              f"rejects_scan={_qstr(rej_s)}, encoding={_qstr(encoding)}, "
              f"compression='auto', max_line_size={MAX_LINE_BYTES}")
    # ``row_number() OVER ()`` makes DuckDB read the file on one thread (a streaming
    # window keeps order by running serially): without an HXL row to test at record 2,
    # the view leaves ``_row`` empty and :func:`finish_load` numbers the normalised
    # table by its ``rowid`` (the scan's order, kept by the insert), so the file is read
    # on every core (issue 16: 2.5x the raw load's wall time on one thread).
    keeps_order = con.execute("SELECT current_setting('preserve_insertion_order')"
                              ).fetchone()
    by_rowid = not drop_rows and bool(keeps_order and keeps_order[0])
    row = "NULL::BIGINT" if by_rowid else f"(row_number() OVER () + {h})::BIGINT"
    raw_text: str | None = None
    if split_tab_fields:
        names = [f"c{i:02d}" for i in range(1, split_tab_fields + 1)]
        # One column per line: a delimiter no GDELT line holds (a line that does is
        # rejected as having too many columns, with its text).
        scan = (f"read_csv({_qstr(p)}, columns={{'line': 'VARCHAR'}}, header=false, "
                f"delim='\x1f\x1e', quote='', escape='', {common})")
        cells = ", ".join(f"nullif(s[{k}], '') AS {c}" for k, c in enumerate(names, start=1))
        select = (f"SELECT {row} AS _row, line AS _raw, len(s)::BIGINT AS _nfields, {cells} "
                  f"FROM (SELECT line, string_split(coalesce(line, ''), chr(9)) AS s "
                  f"FROM {scan})")
    else:
        cols_sql = "{" + ", ".join(f"{_qstr(c)}: 'VARCHAR'" for c in columns) + "}"
        scan = (f"read_csv({_qstr(p)}, columns={cols_sql}, "
                f"header={'true' if header else 'false'}, delim={_qstr(delim)}, "
                f"quote={_qstr(quote)}, escape={_qstr(quote)}, null_padding=false, {common})")
        raw_expr = record_text_sql(columns, delim, quote, "t")
        raw_text = record_text_sql(columns, delim, quote)
        select = (f"SELECT {row} AS _row, {raw_expr} AS _raw, "
                  + ", ".join(f"t.{_qident(c)}" for c in columns) + f" FROM {scan} t")
        if drop_rows:
            hxl = _hxl_predicate([_qident(c) for c in columns if c != "_index"])
            select = f"SELECT * FROM ({select}) WHERE NOT (_row = {h + 1} AND {hxl})"
    try:
        con.execute(f"CREATE TEMP VIEW {_qident(table)} AS {select}")
    except duckdb.Error as exc:
        raise IngestError(f"{p}: cannot read as delimited text: {exc}") from exc
    return RawLoad(table=table, header_rows=h, rejects_table=rej_t,
                   drop_rows=tuple(int(r) for r in drop_rows), delim=delim,
                   columns=tuple(columns), quote=quote, lines=bool(split_tab_fields),
                   path=p, encoding=encoding, raw_text=raw_text, by_rowid=by_rowid,
                   cleanup=[f"VIEW {table}", f"TABLE {table}_rej", f"TABLE {rej_t}",
                            f"TABLE {rej_s}"])


def _reject_reason(error_type: str, message: str) -> str:
    kind = str(error_type).lower()
    if kind == "line size over maximum":
        return (f"line size over maximum: the record is longer than {MAX_LINE_BYTES} bytes "
                "(4 MB)")
    return f"{kind}: {message}"


def finish_load(store: Store, load: RawLoad, norm: str,
                row_col: str = "ingest_row") -> None:
    """After ``norm`` (a table with one row per accepted record, the preliminary record
    number in ``row_col`` and in ``_ord``) has been created from ``load.table``: collect
    the rejected records (the reader's own record number, first failing field and
    text) and shift record numbers past them.

    A rejected record ``i`` (sorted by record number ``R_i``) has ``b_i = R_i - H - i``
    accepted records before it, so the accepted record with ordinal ``k`` is record
    ``H + k + #{i : b_i < k}``: an ASOF join on ``b_i < k`` (``b`` does not decrease
    with ``i``), linear in the rows.
    """
    con = raw(store)
    if load.by_rowid:
        _number_by_rowid(con, norm, row_col, load.header_rows)
    n = con.execute(f"SELECT count(*), max({_qident(row_col)}), max(_ord) "
                    f"FROM {_qident(norm)}").fetchone()
    load.rows = int(n[0]) if n else 0
    h = load.header_rows
    last = int(n[1]) if n and n[1] is not None else h
    # Accepted records the view numbered but left out: at most one, the HXL row the
    # reader accepted; any other gap stays in ``records`` and fails the accounting.
    gap = (int(n[2]) - h - load.rows) if n and n[2] is not None else 0
    hxl_accepted = 1 if load.drop_rows and not load.lines and gap >= 1 else 0
    if load.rejects_table is None:
        return  # records loaded from batches: their reader counts its own rejects
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                         [load.rejects_table]).fetchone()
    rejects = _empty_rejects()
    if exists and exists[0]:
        rt = _qident(load.rejects_table)
        rejects = con.execute(
            f"SELECT line::BIGINT AS row_number, "
            f"coalesce(arg_min(column_name, coalesce(column_idx, 0)), '_record') AS field, "
            f"arg_min(error_type, coalesce(column_idx, 0)) AS error_type, "
            f"arg_min(error_message, coalesce(column_idx, 0)) AS message, "
            f"arg_min(csv_line, coalesce(column_idx, 0)) AS raw, "
            f"min(line_byte_position) AS pos "
            f"FROM {rt} GROUP BY line ORDER BY line").df()
    if not rejects.empty:
        rejects["raw"] = _full_reject_text(load, rejects)
        rejects["reason"] = [_reject_reason(t, m) for t, m in
                             zip(rejects["error_type"], rejects["message"], strict=True)]
        rejects = rejects[["row_number", "field", "reason", "raw"]]
        rej = _qident(load.table + "_rej")
        con.execute(f"CREATE TEMP TABLE {rej} AS SELECT before, max(i) AS i FROM "
                    f"(SELECT line - {h} - row_number() OVER (ORDER BY line) AS before, "
                    f"row_number() OVER (ORDER BY line) AS i "
                    f"FROM (SELECT DISTINCT line FROM {rt})) GROUP BY before")
        nt, rc = _qident(norm), _qident(row_col)
        con.execute(f"UPDATE {nt} SET {rc} = {nt}.{rc} + m.i FROM "
                    f"(SELECT n._ord, r.i FROM {nt} n ASOF JOIN {rej} r "
                    f"ON n._ord - {h} > r.before) m WHERE {nt}._ord = m._ord")
        n2 = con.execute(f"SELECT max({rc}) FROM {nt}").fetchone()
        last = int(n2[0]) if n2 and n2[0] is not None else h
        last = max(last, int(rejects["row_number"].max()))
    # An HXL row: left out of the view when the reader accepted it, a reject whose text
    # is an HXL row when it did not. Either way it is a header row, not a data record.
    if load.drop_rows and not load.lines:
        hxl_rejected = [i for i, (r, txt) in enumerate(zip(rejects["row_number"],
                                                           rejects["raw"], strict=True))
                        if int(r) == h + 1 and _is_hxl_text(str(txt or ""), load)]
        if hxl_rejected:
            rejects = rejects.drop(index=rejects.index[hxl_rejected])
        load.hxl_rows = len(hxl_rejected)
    load.hxl_rows += hxl_accepted
    load.rejects = rejects.reset_index(drop=True)
    load.records = max(last - h - load.hxl_rows, 0)


def _number_by_rowid(con: duckdb.DuckDBPyConnection, norm: str, row_col: str,
                     header_rows: int) -> None:
    """Number the accepted records of ``norm`` (created from a view whose ``_row`` is
    empty) in file order: the insert keeps the scan's order
    (``preserve_insertion_order``), so the k-th record has the k-th smallest ``rowid``.
    Inside a transaction a temporary table's rowids start at an offset, hence
    ``rowid - min(rowid)``; were they ever not consecutive, the rank by ``rowid`` (a
    sort) numbers them instead."""
    nt, rc = _qident(norm), _qident(row_col)
    lo, hi, n = con.execute(f"SELECT min(rowid), max(rowid), count(*) FROM {nt}").fetchone() \
        or (None, None, 0)
    if not n:
        return
    first = header_rows + 1
    if int(hi) - int(lo) + 1 == int(n):
        con.execute(f"UPDATE {nt} SET _ord = rowid - {int(lo)} + {first}, "
                    f"{rc} = rowid - {int(lo)} + {first}")
    else:
        con.execute(f"UPDATE {nt} SET _ord = r.k, {rc} = r.k FROM (SELECT rowid AS id, "
                    f"row_number() OVER (ORDER BY rowid) + {first - 1} AS k FROM {nt}) r "
                    f"WHERE {nt}.rowid = r.id")


def _full_reject_text(load: RawLoad, rejects: pd.DataFrame) -> list[Any]:
    """The text of each rejected record, read from the file at the reader's own byte
    position of the record (``line_byte_position``) up to its line end outside quotes:
    the reader's ``csv_line`` stops where the error was found (a record with one column
    too many loses its end). Falls back to ``csv_line`` when the file's bytes there do
    not start with it. One forward pass over the file (``.gz`` too)."""
    import gzip

    out: list[Any] = list(rejects["raw"])
    if not load.path or load.lines:
        return out
    order = sorted((int(pos), i) for i, pos in enumerate(rejects["pos"]) if pd.notna(pos))
    if not order:
        return out
    opener: Any = gzip.open if load.path.lower().endswith(".gz") else open
    enc = "latin-1" if load.encoding.lower().replace("_", "-") in ("latin-1", "latin1") \
        else "utf-8"
    q = load.quote.encode() if load.quote else b""
    try:
        with opener(load.path, "rb") as fh:
            for pos, i in order:
                fh.seek(pos)
                block, end = _record_bytes(fh, q)
                text = block[:end].rstrip(b"\r").decode(enc, errors="replace")
                reader = str(out[i] or "")
                probe = reader[:16].replace("?", "")
                if text and (not probe or text.replace("\ufffd", "")
                             .startswith(probe[:8]) or text.startswith(reader[:8])):
                    out[i] = text if len(text) >= len(reader) else reader
    except (OSError, EOFError, ValueError):
        return list(rejects["raw"])
    return out


def _record_bytes(fh: Any, q: bytes) -> tuple[bytes, int]:
    """The bytes from ``fh``'s position (at most ``MAX_LINE_BYTES + 2``) and where the
    record starting there ends: its first line end outside quotes, else the end of those
    bytes. Reads 64 KiB first and more only while no such line end is found (a reject
    costs its own length, not 4 MB)."""
    limit = MAX_LINE_BYTES + 2
    block, j, inside = b"", 0, False
    while True:
        want = min(limit, max(1 << 16, 2 * len(block)))
        more = fh.read(want - len(block)) if want > len(block) else b""
        block += more
        while (nl := block.find(b"\n", j)) >= 0:
            if q:
                inside ^= bool(block.count(q, j, nl) % 2)
            j = nl + 1
            if not inside:
                return block, nl
        if not more or len(block) >= limit:
            return block, len(block)


def _is_hxl_text(text: str, load: RawLoad) -> bool:
    import csv
    import io

    try:
        rec = next(csv.reader(io.StringIO(text), delimiter=load.delim,
                              quotechar=load.quote or None), [])
    except csv.Error:
        return False
    if load.columns and load.columns[0] == "_index":
        rec = rec[1:]  # an unnamed leading index column (pandas exports) is not a cell
    cells = [c.strip() for c in rec if c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


def raw_rows_sql(load: RawLoad) -> str:
    """SQL of ``(_row, _raw)`` for the records of ``load`` by their preliminary record
    number (the ``_ord`` of the normalised table); rescans the file, so it is joined
    only to the few quarantined rows."""
    if getattr(load, "by_rowid", False):
        return (f"SELECT (row_number() OVER () + {load.header_rows})::BIGINT AS _row, _raw "
                f"FROM (SELECT _raw FROM {_qident(load.table)})")
    return f"SELECT _row, _raw FROM {_qident(load.table)}"


def load_records(store: Store, batches: Iterable[pa.RecordBatch], *,
                 table: str, schema: pa.Schema) -> RawLoad:
    """Load record batches (``_row``, ``_raw`` and VARCHAR columns) into a temp table.

    Used for sources that DuckDB cannot read directly: GTD's xlsx (streamed with
    openpyxl) and ACLED's API JSON.
    """
    con = raw(store)
    failure: list[BaseException] = []

    def guarded() -> Iterator[pa.RecordBatch]:
        # an error while reading (a truncated .gz, a KharitaError of the reader) is
        # re-raised as itself, not as the engine's aborted transaction
        try:
            yield from batches
        except BaseException as exc:
            failure.append(exc)
            raise

    reader = pa.RecordBatchReader.from_batches(schema, guarded())
    con.register(f"{table}_arrow", reader)
    try:
        con.execute(f"CREATE TEMP TABLE {_qident(table)} AS SELECT * FROM "
                    f"{_qident(table + '_arrow')}")
    except (duckdb.Error, pa.ArrowException) as exc:
        if failure:
            raise failure[0] from None
        raise IngestError(f"cannot load the records: {str(exc).splitlines()[0]}") from exc
    finally:
        with contextlib.suppress(duckdb.Error):
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
            # inside a transaction an error has aborted, SET fails: never mask the error
            with contextlib.suppress(duckdb.Error):
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
        first = str(exc).split("\n", 1)[0]
        low = first.lower()
        if "gzip" in low or "zlib" in low or "compress" in low or "stream" in low:
            raise IngestError(f"the compressed data is truncated or corrupt ({first})"
                              ) from None
        if isinstance(exc, duckdb.IOException) and ("space" in low or "disk" in low):
            raise IngestError(f"the disk is full ({first}); nothing was written") from None
        if isinstance(exc, duckdb.OutOfMemoryException):
            raise IngestError(f"out of memory ({first}); nothing was written") from None
        raise ScanError(first) from exc


def drop_raw(store: Store, load: RawLoad) -> None:
    """Drop the temporary objects a :class:`RawLoad` created."""
    con = raw(store)
    for item in load.cleanup:
        kind, name = item.split(" ", 1)
        con.execute(f"DROP {kind} IF EXISTS {_qident(name)}")
