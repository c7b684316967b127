"""The DuckDB event store: opening, schema creation, transactions.

Only this module (and ``store/spark.py``) imports an engine. Analysis code gets an
Ibis connection from :func:`ibis_connect` or runs SQL on the DuckDB connection.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from kharita.errors import StoreError
from kharita.events.schema import TABLES

STORE_ENV = "KHARITA_STORE"
DEFAULT_STORE = "kharita.duckdb"


def default_store_path() -> Path:
    """``$KHARITA_STORE`` or ``./kharita.duckdb``."""
    return Path(os.environ.get(STORE_ENV) or DEFAULT_STORE)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every store table that does not exist yet (idempotent)."""
    for table, columns in TABLES.items():
        cols = ", ".join(f"{name} {typ}" for name, typ in columns.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")


def connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = False,
            create: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the store at ``path`` (default :func:`default_store_path`).

    With ``read_only=True`` (analyses, brief, web) the file must exist.
    """
    p = Path(path) if path is not None else default_store_path()
    if read_only or not create:
        if not p.exists():
            raise StoreError(f"no store at {p}: run `kharita ingest` (or `kharita demo`) first, "
                             "or pass --store / set KHARITA_STORE")
    try:
        con = duckdb.connect(str(p), read_only=read_only)
    except duckdb.Error as exc:
        raise StoreError(f"cannot open store {p}: {exc}") from exc
    if not read_only:
        create_schema(con)
    return con


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing: commit on success, roll back on any exception (incl. Ctrl-C)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def ibis_connect(path: str | os.PathLike[str] | None = None, *, read_only: bool = True) -> Any:
    """An Ibis DuckDB backend on the store (for engine-neutral analysis code)."""
    import ibis

    p = Path(path) if path is not None else default_store_path()
    if not p.exists():
        raise StoreError(f"no store at {p}: run `kharita ingest` (or `kharita demo`) first")
    return ibis.duckdb.connect(str(p), read_only=read_only)
