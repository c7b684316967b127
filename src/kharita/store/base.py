"""The store adapter: one small interface every query goes through.

kharita follows splink's pattern (one abstract database API, one thin implementation
per engine): :class:`Store` is the only object the rest of the package talks to when it
reads or writes events. Queries are written once, in DuckDB's SQL dialect, by the
builders in :mod:`kharita.store.sql`; :class:`~kharita.store.spark.SparkStore` transpiles
them to Spark SQL with sqlglot (:func:`kharita.store.dialect.transpile`). No module
outside ``store/`` holds a SQL string or calls an engine
(``tests/architecture/test_layers.py``).

A store records its **schema version** in the table ``kharita_meta``; opening a store
with another version (or a file that is not a kharita store) raises
:class:`~kharita.errors.StoreSchemaError` with one line saying what to do.

References
----------
.. [1] Linacre, R. et al. (2022). Splink: free software for probabilistic record
   linkage at scale. International Journal of Population Data Science 7(3)
   (the database-API pattern).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar, Literal

import pandas as pd
import pyarrow as pa

from kharita.errors import StoreError, StoreSchemaError, UserInputError
from kharita.events.schema import TABLES

#: Version of the tables in :data:`kharita.events.schema.TABLES`. Bump it whenever a
#: table or column changes; stores written with another version are refused on open.
SCHEMA_VERSION = 4
META_TABLE = "kharita_meta"
ENGINES: tuple[str, ...] = ("duckdb", "spark")
Engine = Literal["duckdb", "spark"]
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_identifier(name: str) -> str:
    """A table or view name safe to splice into SQL (letters, digits, underscores)."""
    if not _IDENT.match(name):
        raise StoreError(f"invalid table name {name!r}")
    return name


class Store(ABC):
    """An open event store.

    ``sql`` runs a query written in kharita's SQL dialect (DuckDB's) and returns pandas;
    ``execute`` runs a statement; ``register`` exposes a DataFrame or Arrow table as a
    temporary view; ``create_temp`` materialises a query once (the analysis frame);
    ``transaction`` is all-or-nothing. ``?`` placeholders take ``params``.
    """

    engine: ClassVar[str]
    location: str
    read_only: bool

    # -- queries -------------------------------------------------------------------
    @abstractmethod
    def sql(self, query: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """Run a query and return its result as a pandas DataFrame."""

    @abstractmethod
    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        """Run a statement (DDL or DML) for its effect."""

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a query and return its rows as tuples."""
        df = self.sql(query, params)
        return [tuple(None if _isna(v) else v for v in r)
                for r in df.itertuples(index=False, name=None)]

    def scalar(self, query: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row (``None`` for no rows)."""
        rows = self.rows(query, params)
        return rows[0][0] if rows else None

    @abstractmethod
    def table(self, name: str) -> Any:
        """An Ibis table expression on a store table or registered view."""

    @property
    @abstractmethod
    def ibis(self) -> Any:
        """The Ibis backend on this store (for engine-neutral expressions)."""

    @abstractmethod
    def register(self, name: str, data: pd.DataFrame | pa.Table) -> None:
        """Expose ``data`` as the temporary view ``name`` (replacing one of that name)."""

    @abstractmethod
    def append(self, table: str, query: str, params: Sequence[Any] = ()) -> int:
        """``INSERT INTO table`` the rows of ``query`` (columns matched by name, missing
        ones NULL); returns the number of rows added."""

    @abstractmethod
    def delete(self, table: str, where: str, params: Sequence[Any] = ()) -> None:
        """``DELETE FROM table WHERE where``."""

    @abstractmethod
    def create_temp(self, name: str, query: str, params: Sequence[Any] = ()) -> None:
        """Compute ``query`` once into the temporary table ``name`` (replacing it)."""

    @abstractmethod
    def drop_temp(self, name: str) -> None:
        """Drop a temporary table or view (no error when absent)."""

    @abstractmethod
    def has_table(self, name: str) -> bool:
        """True when a table or view of that name exists (stored or temporary)."""

    @abstractmethod
    def columns(self, name: str) -> list[str]:
        """Column names of a table or view."""

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All-or-nothing writes: commit on success, roll back on any exception."""

    @abstractmethod
    def close(self) -> None:
        """Release the engine's resources."""

    @abstractmethod
    def splink_api(self) -> Any:
        """A Splink database API on this store's own engine and connection (record
        linkage, :mod:`kharita.linkage`): Splink's tables are created beside the store's."""

    # -- schema --------------------------------------------------------------------
    @abstractmethod
    def create_schema(self) -> None:
        """Create every table of :data:`TABLES` that is missing and record
        :data:`SCHEMA_VERSION` (idempotent)."""

    def schema_version(self) -> int | None:
        """The version recorded in the store, ``None`` when it has no ``kharita_meta``."""
        if not self.has_table(META_TABLE):
            return None
        v = self.scalar(f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'")
        try:
            return int(v) if v is not None else None
        except ValueError:
            return None

    def check_schema(self) -> None:
        """Refuse a store written by another kharita version or by another program."""
        version = self.schema_version()
        if version == SCHEMA_VERSION:
            return
        if version is None:
            if self.has_table("events"):
                raise StoreSchemaError(
                    f"{self.location}: written by an older kharita (no schema version; this "
                    f"kharita reads version {SCHEMA_VERSION}); re-ingest the source files "
                    "into a new store")
            raise StoreSchemaError(
                f"{self.location}: not a kharita store (no events table); pass the store "
                "that `kharita ingest` or `kharita demo` wrote")
        raise StoreSchemaError(
            f"{self.location}: schema version {version}, this kharita reads version "
            f"{SCHEMA_VERSION}; "
            + ("upgrade kharita" if version > SCHEMA_VERSION
               else "re-ingest the source files into a new store"))

    def _schema_statements(self) -> list[str]:
        out = [f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR, value VARCHAR)"]
        for table, columns in TABLES.items():
            cols = ", ".join(f"{name} {typ}" for name, typ in columns.items())
            out.append(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")
        return out

    def _record_version(self) -> None:
        if self.scalar(f"SELECT count(*) FROM {META_TABLE} WHERE key = 'schema_version'"):
            return
        self.execute(f"INSERT INTO {META_TABLE} VALUES ('schema_version', ?)",
                     [str(SCHEMA_VERSION)])

    # -- context manager -----------------------------------------------------------
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.location}{' read-only' if self.read_only else ''}>"


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v)) if not isinstance(v, (list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def check_engine(engine: str) -> Engine:
    """Validate an engine name (``duckdb`` or ``spark``)."""
    if engine not in ENGINES:
        raise UserInputError(f"engine={engine!r}: expected one of {', '.join(ENGINES)}")
    return engine  # type: ignore[return-value]


def open_store(path: str | Path | None = None, *, engine: str = "duckdb",
               read_only: bool = False, create: bool = True,
               spark_master: str | None = None, shared: bool = False) -> Store:
    """Open (or create) the store at ``path`` on ``engine``.

    ``duckdb`` (default): one DuckDB file (``":memory:"`` for a scratch store).
    ``spark``: a directory of Parquet tables, one sub-directory per table, read and
    written through a local or remote Spark session (``spark_master``, e.g.
    ``spark://host:7077``; default ``local[2]``).

    With ``read_only=True`` the store must exist; every store opened is checked for
    its schema version (:meth:`Store.check_schema`). ``shared=True`` (a read-only
    DuckDB file) opens it for reads from several threads at once: each thread queries
    through its own cursor, and derived tables (:meth:`Store.create_temp`) are visible
    to all of them (the workbench's snapshot); other engines ignore it.

    >>> s = open_store(":memory:")
    >>> s.schema_version() == SCHEMA_VERSION, s.scalar("SELECT count(*) FROM events")
    (True, 0)
    """
    check_engine(engine)
    if path is None:
        raise StoreError("no store given: pass --store or set KHARITA_STORE")
    if engine == "duckdb":
        from kharita.store.duckdb import DuckDBStore

        return DuckDBStore(path, read_only=read_only, create=create, shared=shared)
    from kharita.store.spark import SparkStore

    return SparkStore(path, read_only=read_only, create=create, master=spark_master)
