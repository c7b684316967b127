"""The Spark engine of the store adapter (:class:`SparkStore`), plus the Spark pieces of
ingest: a SparkSession factory, raw file loading into all-string tables (with the
records the reader could not use), and Ibis helpers.

A Spark store is a **directory of Parquet tables**: one sub-directory per table of
:data:`kharita.events.schema.TABLES` plus ``kharita_meta`` (the schema version), and
one manifest file, ``_kharita_manifest.json``, that lists the Parquet files of every
table. Each table is a temporary view of the same name in the store's Spark session,
so the queries of :mod:`kharita.store.sql` (DuckDB dialect, translated by
:func:`kharita.store.dialect.transpile`) run unchanged.

Writes are all-or-nothing: inside :meth:`SparkStore.transaction` new rows go to part
files in ``_staging/<tx>/``, a delete rewrites the table into new staged files, and
nothing is visible to other readers until the commit moves the staged files into
the table directories and atomically replaces the manifest (one ``os.replace``).
Files the new manifest no longer lists are removed afterwards; a failure at any
point before the manifest is replaced leaves the store as it was (leftovers are
cleaned on the next writable open). One writer at a time (a lock file); readers
never wait.

Only this module (and ``store/duckdb.py``) imports an engine. The session is tuned for
small data on one machine when the master is local (one shuffle partition, UI off,
the JVM's first JIT tier only);
ANSI mode is off so that failed casts give NULL as DuckDB's ``TRY_CAST`` does. The
library never reads the environment: the master is an argument (the CLI passes
``KHARITA_SPARK_MASTER``). See ``docs/spark.md``.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.types import StringType, StructField, StructType
from pyspark.sql.window import Window
from sqlglot import exp

from kharita.errors import IngestError, StoreError
from kharita.events.schema import TABLES
from kharita.store import dialect
from kharita.store.base import META_TABLE, Store, check_identifier

#: The master used when none is given and no Spark context is running.
DEFAULT_MASTER = "local[2]"

#: Settings every kharita session needs for results identical to DuckDB's.
ENGINE_CONFIG: dict[str, str] = {
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # Constraint inference over a checkpointed wide table (a raw file's 50 columns)
    # grows exponentially and runs the driver out of memory; kharita needs none of it.
    "spark.sql.constraintPropagation.enabled": "false",
}

#: Extra settings for small data on one machine (local masters only); override any
#: with ``config``.
LOCAL_CONFIG: dict[str, str] = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.memory": "2g",
    "spark.sql.codegen.wholeStage": "false",
    # The JVM's first-tier JIT only: kharita's local sessions run many short queries,
    # for which C2 compilation costs more CPU than its faster code saves (linking 10,000
    # reports: 89 -> 54 CPU seconds). Applies when this process starts the JVM.
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1",
}

MANIFEST = "_kharita_manifest.json"
STAGING = "_staging"
LOCK = ".kharita-lock"
MANIFEST_FORMAT = 1

#: kharita's column types (DuckDB names) as Spark types.
SPARK_TYPES: dict[str, T.DataType] = {
    "VARCHAR": T.StringType(), "DATE": T.DateType(), "DOUBLE": T.DoubleType(),
    "INTEGER": T.IntegerType(), "BIGINT": T.LongType(), "BOOLEAN": T.BooleanType(),
    "TIMESTAMP": T.TimestampNTZType(),
}
META_COLUMNS: dict[str, str] = {"key": "VARCHAR", "value": "VARCHAR"}
#: Every stored table and its columns.
STORED_TABLES: dict[str, dict[str, str]] = {META_TABLE: META_COLUMNS, **TABLES}


def spark_session(master: str | None = None, *, app_name: str = "kharita",
                  config: dict[str, str] | None = None) -> SparkSession:
    """Get or create a SparkSession.

    ``master`` (e.g. ``local[4]``, ``spark://host:7077``, ``yarn``): with None, a
    running Spark context is reused (a session made by ``spark-submit`` or by the
    caller), else :data:`DEFAULT_MASTER`. :data:`ENGINE_CONFIG` is always applied,
    :data:`LOCAL_CONFIG` for local masters, then ``config``.
    """
    from pyspark import SparkContext

    active = SparkContext._active_spark_context
    builder = SparkSession.builder.appName(app_name)
    chosen = master or (None if active is not None else DEFAULT_MASTER)
    if chosen:
        builder = builder.master(chosen)
    running = (active.master if active is not None else chosen) or ""
    local = running.startswith("local")
    settings = {**ENGINE_CONFIG, **(LOCAL_CONFIG if local else {}), **(config or {})}
    for k, v in settings.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def ibis_connect(session: SparkSession) -> Any:
    """An Ibis backend on ``session``."""
    return ibis.pyspark.connect(session)


def spark_schema(columns: dict[str, str]) -> StructType:
    """The Spark schema of a kharita table (column -> DuckDB type name)."""
    return StructType([StructField(c, SPARK_TYPES[t], True) for c, t in columns.items()])


# --------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------


@dataclass
class _Tx:
    """The working state of one transaction: every table's files (committed ones
    relative to the store, staged ones absolute) and what to clean up."""

    id: str
    files: dict[str, list[str]]
    staging: Path
    changed: set[str] = field(default_factory=set)


class SparkStore(Store):
    """A store on Spark: a directory of Parquet tables (see the module docstring).

    ``master`` picks the cluster (default: a running Spark context, else
    ``local[2]``); ``session`` passes a SparkSession to use instead (e.g. the one
    ``spark-submit`` made). Each store works in its own session
    (``SparkSession.newSession``: own temporary views, shared Spark context), so
    several stores can be open in one process.
    """

    engine: ClassVar[str] = "spark"
    #: Quoted fields may span lines when files are read (each file is then read in one
    #: task); set False for large files without line breaks in fields.
    multiline: bool = True

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False,
                 create: bool = True, master: str | None = None,
                 session: SparkSession | None = None,
                 config: dict[str, str] | None = None) -> None:
        p = Path(path)
        self.root = p
        self.location, self.read_only = str(p), read_only
        self._lock_fh: Any = None
        self._tx: _Tx | None = None
        self._ibis: Any = None
        self._temps: set[str] = set()
        if p.exists() and not p.is_dir():
            raise StoreError(f"{p} is a file (a DuckDB store?): pass --engine duckdb, or a "
                             "directory for a Spark store")
        if not p.exists():
            if read_only or not create:
                raise StoreError(f"no store at {p}: run `kharita ingest --engine spark` "
                                 "first, or pass --store / set KHARITA_STORE")
            p.mkdir(parents=True)
        if not read_only:
            self._lock()
        base = session or spark_session(master, config=config)
        self.session = base.newSession()
        for k, v in ENGINE_CONFIG.items():
            self.session.conf.set(k, v)
        manifest = p / MANIFEST
        own = {MANIFEST, STAGING, LOCK}
        foreign = not manifest.exists() and any(c.name not in own for c in p.iterdir())
        self._files: dict[str, list[str]] = {} if foreign else self._read_manifest()
        for name in self._files:
            self._register_table(name, self._files[name])
        if read_only or foreign:
            self.check_schema()
            return
        self._clean_leftovers()
        if self.has_table("events") and self.schema_version() is None:
            self.check_schema()  # an old store: refuse before writing anything
        self.create_schema()
        self.check_schema()

    # -- files ---------------------------------------------------------------------
    def _lock(self) -> None:
        fh = open(self.root / LOCK, "a+")  # noqa: SIM115 (held while the store is open)
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise StoreError(f"store {self.root} is in use by another kharita process "
                             "(a writer); stop it or use another store") from None
        self._lock_fh = fh

    def _read_manifest(self) -> dict[str, list[str]]:
        path = self.root / MANIFEST
        if not path.exists():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            tables = data["tables"]
            return {str(k): [str(f) for f in v] for k, v in tables.items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise StoreError(f"{path}: unreadable manifest ({exc})") from None

    def _write_manifest(self, files: dict[str, list[str]]) -> None:
        path = self.root / MANIFEST
        tmp = path.with_name(path.name + f".{uuid.uuid4().hex}.tmp")
        text = json.dumps({"format": MANIFEST_FORMAT, "tables": files}, indent=1,
                          sort_keys=True)
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def _clean_leftovers(self) -> None:
        """Remove staged files of interrupted transactions and table files that no
        manifest lists (a crash between the move and the manifest)."""
        shutil.rmtree(self.root / STAGING, ignore_errors=True)
        listed = {f for fs in self._files.values() for f in fs}
        for name in self._files:
            d = self.root / name
            if not d.is_dir():
                continue
            for f in d.iterdir():
                if f.is_file() and f"{name}/{f.name}" not in listed:
                    f.unlink()

    def _abs(self, f: str) -> str:
        return f if os.path.isabs(f) else str(self.root / f)

    def _register_table(self, name: str, files: Sequence[str]) -> None:
        schema = spark_schema(STORED_TABLES.get(name, {})) if name in STORED_TABLES else None
        if files:
            reader = self.session.read
            if schema is not None:
                reader = reader.schema(schema)
            sdf = reader.parquet(*[self._abs(f) for f in files])
        else:
            sdf = self.session.createDataFrame([], schema or StructType([]))
        sdf.createOrReplaceTempView(name)

    def _current_files(self) -> dict[str, list[str]]:
        return self._tx.files if self._tx is not None else self._files

    # -- queries -------------------------------------------------------------------
    def _spark_sql(self, query: str, params: Sequence[Any] = ()) -> DataFrame:
        text = dialect.transpile(query, "spark", params)
        try:
            return self.session.sql(text)
        except PySparkException as exc:
            raise _query_error(exc, text) from exc

    def spark_sql(self, query: str, params: Sequence[Any] = ()) -> DataFrame:
        """The lazy Spark DataFrame of a query in kharita's dialect."""
        return self._spark_sql(query, params)

    def sql(self, query: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return arrow_to_pandas(self.arrow(query, params))

    def arrow(self, query: str, params: Sequence[Any] = ()) -> pa.Table:
        """The result as an Arrow table."""
        sdf = self._spark_sql(query, params)
        return _collect(sdf)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> None:
        for tree in dialect.parse(statement, params):
            self._execute_tree(tree)

    def _execute_tree(self, tree: exp.Expression) -> None:
        if isinstance(tree, exp.Insert):
            target = tree.this
            cols: list[str] | None = None
            if isinstance(target, exp.Schema):
                cols = [c.name for c in target.expressions]
                target = target.this
            table = check_identifier(target.name)
            source = tree.expression
            if isinstance(source, exp.Values):
                width = len(source.expressions[0].expressions)
                alias = exp.TableAlias(this=exp.to_identifier("v"),
                                       columns=[exp.to_identifier(f"c{i}")
                                                for i in range(width)])
                source = exp.select("*").from_(exp.Subquery(this=source, alias=alias))
            sdf = self._run(source)
            if cols is None:
                cols = self.columns(table)[:len(sdf.columns)]
            self.append_df(table, sdf.toDF(*cols))
        elif isinstance(tree, exp.Delete):
            table = check_identifier(tree.this.name)
            where = tree.args.get("where")
            self._delete_tree(table, where.this if where is not None else exp.true())
        elif isinstance(tree, exp.Create):
            self._create(tree)
        elif isinstance(tree, exp.Drop):
            name = check_identifier(tree.this.name)
            if name in self._current_files():
                raise StoreError(f"cannot drop the stored table {name}")
            self.drop_temp(name)
        elif isinstance(tree, exp.Update):
            self._update(tree)
        elif isinstance(tree, exp.Merge):
            raise StoreError("MERGE is not supported on a Spark store")
        else:
            self._run(tree).collect()

    def _update(self, tree: exp.Update) -> None:
        """``UPDATE t SET c = v, ... [WHERE cond]`` as a rewrite of ``t`` with
        ``CASE WHEN cond THEN v ELSE c END`` for each set column (staged like every
        write; nothing is rewritten when no row matches)."""
        if tree.args.get("from") is not None:
            raise StoreError("UPDATE ... FROM is not supported on a Spark store")
        table = check_identifier(tree.this.name)
        columns = self._stored_columns(table)
        sets = {e.this.name: e.expression for e in tree.expressions}
        unknown = set(sets) - set(columns)
        if unknown:
            raise StoreError(f"{table} has no column {sorted(unknown)[0]}")
        where = tree.args.get("where")
        cond = where.this if where is not None else None
        if cond is not None and not self._run(
                exp.select("1").from_(table).where(cond.copy())).limit(1).collect():
            return
        hit = None if cond is None else exp.func("COALESCE", exp.paren(cond.copy()),
                                                 exp.false())
        items: list[Any] = []
        for c in columns:
            if c not in sets:
                items.append(exp.column(c))
                continue
            value = sets[c].copy()
            if hit is not None:
                value = exp.Case(ifs=[exp.If(this=hit.copy(), true=value)],
                                 default=exp.column(c))
            items.append(exp.alias_(value, c))
        self._rewrite(table, self._run(exp.select(*items).from_(table)), columns)

    def _run(self, tree: exp.Expression) -> DataFrame:
        text = dialect.to_sql(tree, "spark")
        try:
            return self.session.sql(text)
        except PySparkException as exc:
            raise _query_error(exc, text) from exc

    def _create(self, tree: exp.Create) -> None:
        kind = str(tree.args.get("kind") or "").upper()
        target = tree.this
        if isinstance(target, exp.Schema):
            target = target.this
        name = check_identifier(target.name)
        props = tree.args.get("properties")
        temporary = bool(props and any(isinstance(p, exp.TemporaryProperty)
                                       for p in props.expressions))
        query = tree.expression
        if not temporary:
            if name in STORED_TABLES and query is None:
                if name not in self._current_files():
                    self.create_schema()
                return
            raise StoreError(f"cannot create the stored table {name} on a Spark store "
                             "(its tables are the kharita schema); use a TEMP table")
        if query is None:
            raise StoreError(f"CREATE TEMP {kind} {name} needs AS <query> on a Spark store")
        sdf = self._run(query)
        if kind == "VIEW":
            sdf.createOrReplaceTempView(name)
        else:
            sdf.localCheckpoint(eager=True).createOrReplaceTempView(name)
        self._temps.add(name)

    @property
    def ibis(self) -> Any:
        if self._ibis is None:
            self._ibis = ibis.pyspark.connect(self.session)
        return self._ibis

    def table(self, name: str) -> Any:
        return self.ibis.table(check_identifier(name))

    def register(self, name: str, data: pd.DataFrame | pa.Table) -> None:
        check_identifier(name)
        table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(
            data, preserve_index=False)
        self.dataframe(table).createOrReplaceTempView(name)
        self._temps.add(name)

    def dataframe(self, table: pa.Table) -> DataFrame:
        """A Spark DataFrame of an Arrow table (types kept; an empty table keeps its
        schema)."""
        table = _sparkable(table)
        if table.num_rows == 0:
            return self.session.createDataFrame([], _arrow_to_spark(table.schema))
        return self.session.createDataFrame(table)

    def create_temp(self, name: str, query: str, params: Sequence[Any] = ()) -> None:
        check_identifier(name)
        sdf = self._spark_sql(query, params)
        sdf.localCheckpoint(eager=True).createOrReplaceTempView(name)
        self._temps.add(name)

    def materialize(self, name: str, expr: ir.Table) -> ir.Table:
        """Compute an Ibis expression once into the temporary table ``name`` (a local
        checkpoint, which also cuts the query plan) and return it as an Ibis table."""
        check_identifier(name)
        self.expr_df(expr).localCheckpoint(eager=True).createOrReplaceTempView(name)
        self._temps.add(name)
        return self.table(name)

    def expr_df(self, expr: ir.Expr) -> DataFrame:
        """The lazy Spark DataFrame of an Ibis expression on this store's backend."""
        text = str(ibis.to_sql(expr, dialect="pyspark"))
        try:
            return self.session.sql(text)
        except PySparkException as exc:
            raise _query_error(exc, text) from exc

    def drop_temp(self, name: str) -> None:
        check_identifier(name)
        if name in self._current_files():
            return
        self.session.catalog.dropTempView(name)
        self._temps.discard(name)

    def has_table(self, name: str) -> bool:
        if name in self._current_files():
            return True
        try:
            return bool(self.session.catalog.tableExists(name))
        except PySparkException:
            return False

    def columns(self, name: str) -> list[str]:
        check_identifier(name)
        if name in STORED_TABLES and name in self._current_files():
            return list(STORED_TABLES[name])
        try:
            return list(self.session.table(name).columns)
        except PySparkException as exc:
            raise _query_error(exc, name) from exc

    # -- writes ----------------------------------------------------------------------
    def append(self, table: str, query: str, params: Sequence[Any] = ()) -> int:
        return self.append_df(check_identifier(table), self._spark_sql(query, params))

    def append_expr(self, table: str, expr: ir.Table) -> int:
        """Append the rows of an Ibis expression (columns matched by name)."""
        return self.append_df(check_identifier(table), self.expr_df(expr))

    def append_df(self, table: str, sdf: DataFrame) -> int:
        """Append the rows of a Spark DataFrame to a stored table (columns matched by
        name, missing ones NULL, types cast to the table's); returns the rows added."""
        columns = self._stored_columns(table)
        have = set(sdf.columns)
        out = sdf.select(*[
            (F.col(c) if c in have else F.lit(None)).cast(SPARK_TYPES[t]).alias(c)
            for c, t in columns.items()])
        with self.transaction():
            tx = self._tx
            assert tx is not None
            files, n = self._stage(tx, table, out)
            tx.files[table] = [*tx.files[table], *files]
            tx.changed.add(table)
            self._register_table(table, tx.files[table])
        return n

    def delete(self, table: str, where: str, params: Sequence[Any] = ()) -> None:
        check_identifier(table)
        trees = dialect.parse(f"SELECT 1 WHERE {where}", params)
        cond = trees[0].args["where"].this
        self._delete_tree(table, cond)

    def _delete_tree(self, table: str, cond: exp.Expression) -> None:
        columns = self._stored_columns(table)
        if not self._current_files()[table]:
            return  # an empty table (no files): no query
        base = exp.select("*").from_(table)
        hit = base.where(cond.copy())
        if not self._run(hit).limit(1).collect():
            return  # nothing to delete: no rewrite
        keep = base.where(exp.not_(exp.func("COALESCE", exp.paren(cond.copy()), exp.false())))
        self._rewrite(table, self._run(keep), columns)

    def overwrite(self, table: str, expr: ir.Table | DataFrame) -> int:
        """Replace the rows of a stored table by those of an Ibis expression or a Spark
        DataFrame (staged like every write); returns the rows written."""
        sdf = expr if isinstance(expr, DataFrame) else self.expr_df(expr)
        return self._rewrite(check_identifier(table), sdf, self._stored_columns(table))

    def _rewrite(self, table: str, sdf: DataFrame, columns: dict[str, str]) -> int:
        have = set(sdf.columns)
        out = sdf.select(*[
            (F.col(c) if c in have else F.lit(None)).cast(SPARK_TYPES[t]).alias(c)
            for c, t in columns.items()])
        with self.transaction():
            tx = self._tx
            assert tx is not None
            files, n = self._stage(tx, table, out)
            tx.files[table] = files
            tx.changed.add(table)
            self._register_table(table, files)
        return n

    def _stored_columns(self, table: str) -> dict[str, str]:
        if table not in self._current_files() or table not in STORED_TABLES:
            raise StoreError(f"{table} is not a stored table of this store")
        if self.read_only:
            raise StoreError(f"{self.location} is open read-only")
        return STORED_TABLES[table]

    def _stage(self, tx: _Tx, table: str, sdf: DataFrame) -> tuple[list[str], int]:
        """Write ``sdf`` as Parquet part files under the transaction's staging
        directory; returns their paths and the number of rows."""
        target = tx.staging / f"{table}-{uuid.uuid4().hex[:12]}"
        try:
            sdf.write.mode("errorifexists").parquet(str(target))
        except PySparkException as exc:
            raise _query_error(exc, f"writing {table}") from exc
        files = sorted(str(f) for f in target.glob("part-*.parquet"))
        n = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        return files, n

    @contextmanager
    def transaction(self) -> Iterator[SparkStore]:
        if self._tx is not None:  # joined by an outer transaction
            yield self
            return
        if self.read_only:
            raise StoreError(f"{self.location} is open read-only")
        tx_id = uuid.uuid4().hex[:16]
        tx = _Tx(tx_id, {k: list(v) for k, v in self._files.items()},
                 self.root / STAGING / tx_id)
        self._tx = tx
        try:
            yield self
        except BaseException:
            self._tx = None
            for name in tx.changed:
                self._register_table(name, self._files.get(name, []))
            self._drop_staging(tx)
            raise
        self._tx = None
        self._commit(tx)

    def _drop_staging(self, tx: _Tx) -> None:
        shutil.rmtree(tx.staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.root / STAGING).rmdir()

    def _commit(self, tx: _Tx) -> None:
        if not tx.changed:
            self._drop_staging(tx)
            return
        new: dict[str, list[str]] = {}
        try:
            for name, files in tx.files.items():
                kept: list[str] = []
                for f in files:
                    if os.path.isabs(f):
                        d = self.root / name
                        d.mkdir(exist_ok=True)
                        rel = f"{name}/{tx.id}-{Path(f).parent.name[-12:]}-{Path(f).name}"
                        os.replace(f, self.root / rel)
                        kept.append(rel)
                    else:
                        kept.append(f)
                new[name] = kept
            self._write_manifest(new)
        except BaseException:
            # The manifest was not replaced: the store is as it was; moved files are
            # not listed and are removed on the next writable open.
            for name in tx.changed:
                self._register_table(name, self._files.get(name, []))
            self._drop_staging(tx)
            raise
        old = {f for fs in self._files.values() for f in fs}
        self._files = new
        for name in tx.changed:
            self._register_table(name, new[name])
        for f in old - {f for fs in new.values() for f in fs}:
            with contextlib.suppress(OSError):
                (self.root / f).unlink()
        self._drop_staging(tx)

    def close(self) -> None:
        for name in list(self._temps) + list(self._files):
            with contextlib.suppress(Exception):
                self.session.catalog.dropTempView(name)
        self._temps.clear()
        if self._lock_fh is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._lock_fh, fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None

    def splink_api(self) -> Any:
        """Splink on this store's session: the intermediate tables Splink keeps are
        local checkpoints (:func:`_splink_api_class`; no checkpoint directory to
        manage), Splink's string-similarity UDF jar is not registered (kharita's
        comparisons use none; the jar is not on the class path and each attempt logs
        a warning)."""
        return _splink_api_class()(spark_session=self.session,
                                   break_lineage_method="persist",
                                   register_udfs_automatically=False)

    def create_schema(self) -> None:
        if self.read_only:
            return
        missing = [t for t in STORED_TABLES if t not in self._current_files()]
        if missing:
            with self.transaction():
                tx = self._tx
                assert tx is not None
                for t in missing:
                    tx.files[t] = []
                    tx.changed.add(t)
                    self._register_table(t, [])
        self._record_version()


@functools.lru_cache(maxsize=1)
def _splink_api_class() -> type:
    """Splink's SparkAPI whose intermediate tables are local checkpoints.

    Splink persists the tables it reuses (``break_lineage_method="persist"``), but a
    persisted DataFrame keeps its whole logical plan: each iteration of the one-to-one
    clustering refers to the previous one several times, so the plan of its output
    grows with every iteration and Spark re-analyses all of it for each later query
    (writing 10,000 reports' incidents took 24 s, 0.7 s from a checkpoint). A local
    checkpoint (``DataFrame.localCheckpoint``, computed at once, kept by the block
    manager) cuts the plan to a scan of the stored rows.
    """
    from splink import SparkAPI

    class LocalCheckpointSparkAPI(SparkAPI):
        def _break_lineage_and_repartition(self, spark_df: DataFrame, templated_name: str,
                                           physical_name: str) -> DataFrame:
            out = super()._break_lineage_and_repartition(spark_df, templated_name,
                                                         physical_name)
            if not out.is_cached:
                return out
            cut = out.localCheckpoint(eager=True)
            out.unpersist()
            return cut

    return LocalCheckpointSparkAPI


# --------------------------------------------------------------------------------------
# Results and types
# --------------------------------------------------------------------------------------


def _collect(sdf: DataFrame) -> pa.Table:
    try:
        return sdf.toArrow()
    except PySparkException as exc:
        raise _query_error(exc, "") from exc


_NULLABLE_INT = {"int8": "Int8", "int16": "Int16", "int32": "Int32", "int64": "Int64",
                 "uint8": "UInt8", "uint16": "UInt16", "uint32": "UInt32",
                 "uint64": "UInt64"}


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """pandas as DuckDB's ``fetch_df`` gives it: dates and timestamps as
    ``datetime64[us]``, decimals as float64, integer columns with NULLs as pandas'
    nullable integers; duplicate column names kept (Spark names every unaliased
    scalar subquery ``scalarsubquery()``)."""
    cols: dict[int, Any] = {}
    for name, column in enumerate(table.columns):
        typ = column.type
        if pa.types.is_date(typ) or pa.types.is_timestamp(typ):
            column = column.cast(pa.timestamp("us"))
        elif pa.types.is_decimal(typ):
            column = column.cast(pa.float64())
        if pa.types.is_integer(column.type) and column.null_count:
            nullable = _NULLABLE_INT.get(str(column.type), "Int64")
            cols[name] = column.to_pandas().astype(nullable)
        else:
            cols[name] = column.to_pandas()
    if not cols:
        return pd.DataFrame(index=range(table.num_rows))
    df = pd.DataFrame(cols)
    df.columns = list(table.column_names)
    return df


def _sparkable(table: pa.Table) -> pa.Table:
    """Arrow types Spark takes: null-typed columns as strings, second/millisecond
    timestamps as microseconds, large strings as strings."""
    fields, arrays = [], []
    for f, col in zip(table.schema, table.columns, strict=True):
        typ = f.type
        if pa.types.is_null(typ) or pa.types.is_large_string(typ) or \
                pa.types.is_string_view(typ):
            col = col.cast(pa.string())
        elif pa.types.is_timestamp(typ) and (typ.unit != "us" or typ.tz is not None):
            col = col.cast(pa.timestamp("us"))
        elif pa.types.is_dictionary(typ):
            col = col.cast(typ.value_type)
        fields.append(pa.field(f.name, col.type))
        arrays.append(col)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _arrow_to_spark(schema: pa.Schema) -> StructType:
    def conv(t: pa.DataType) -> T.DataType:
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return T.StringType()
        if pa.types.is_boolean(t):
            return T.BooleanType()
        if pa.types.is_int8(t) or pa.types.is_int16(t) or pa.types.is_int32(t):
            return T.IntegerType()
        if pa.types.is_integer(t):
            return T.LongType()
        if pa.types.is_floating(t):
            return T.DoubleType()
        if pa.types.is_date(t):
            return T.DateType()
        if pa.types.is_timestamp(t):
            return T.TimestampNTZType()
        return T.StringType()
    return StructType([StructField(f.name, conv(f.type), True) for f in schema])


def _query_error(exc: Exception, query: str) -> StoreError:
    """Spark errors become :class:`StoreError` with their first line; a missing table
    means the store has not been ingested or attributed."""
    first = str(exc).strip().split("\n", 1)[0]
    cond = getattr(exc, "getCondition", None)
    cls = cond() if callable(cond) else ""
    if cls and ("TABLE_OR_VIEW_NOT_FOUND" in cls or "UNRESOLVED_COLUMN" in cls):
        return StoreError(f"the store lacks a table or column ({first}): run `kharita "
                          "ingest` and `kharita attribute` first")
    return StoreError(f"Spark: {first}")


# --------------------------------------------------------------------------------------
# Raw loading for ingest (engine-specific reading; normalisation itself is Ibis)
# --------------------------------------------------------------------------------------

#: The column Spark's CSV reader fills with the text of a record whose number of
#: fields differs from the header's.
_CORRUPT = "_kh_corrupt"


@dataclass
class SparkRawLoad:
    """A source file loaded as the temporary view ``view`` (``_row``, ``_raw``,
    one string column per source column; GDELT also ``_nfields``) and the records the
    reader could not use in ``rejects`` (row_number, field, reason, raw)."""

    view: str
    rejects: pd.DataFrame
    rows: int = 0


def _rejects_frame(rows: list[dict[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["row_number", "field", "reason", "raw"])
    df["row_number"] = df["row_number"].astype("int64")
    return df


def _numbered(df: DataFrame) -> DataFrame:
    # Record numbers without leaving the JVM: monotonically_increasing_id follows file
    # order (partition by partition), row_number over it makes them contiguous.
    order = Window.orderBy(F.monotonically_increasing_id())
    return df.select(F.row_number().over(order).cast("long").alias("_row"), *df.columns)


def load_raw_delimited(store: SparkStore, path: str | os.PathLike[str],
                       columns: Sequence[str], *, view: str, delim: str = ",",
                       quote: str = '"', header: bool = True, encoding: str = "utf-8",
                       drop_rows: Sequence[int] = (), multiline: bool = True
                       ) -> SparkRawLoad:
    """Load a delimited file (plain or gzip) as an all-string raw view with its rejects.

    Same shape as the DuckDB raw load: ``_row`` (1-based record number, the header
    counting as record 1), ``_raw`` (the fields joined by the delimiter) and one string
    column per name in ``columns``. Records with fewer or more fields than the header
    (Spark's malformed records) and records with undecodable bytes are rejected with
    DuckDB's reasons (``missing columns: ...``, ``too many columns: ...``,
    ``invalid encoding: ...``) and left out of the view; ``drop_rows`` (the HXL row)
    are left out silently.
    """
    session = store.session
    n = len(columns)
    fields = [StructField(f"_c{i}", StringType(), True) for i in range(n)]
    fields.append(StructField(_CORRUPT, StringType(), True))
    reader = (session.read.option("header", "false").option("sep", delim)
              .option("quote", quote or "\u0000").option("escape", quote or "\\")
              .option("multiLine", multiline).option("mode", "PERMISSIVE")
              .option("columnNameOfCorruptRecord", _CORRUPT)
              .option("encoding", "UTF-8" if encoding.lower().startswith("utf")
                      else encoding))
    try:
        sdf = reader.schema(StructType(fields)).csv(str(path))
    except PySparkException as exc:
        raise IngestError(f"{path}: cannot read as delimited text: {exc}") from exc
    df = _numbered(sdf)
    skip = set(int(r) for r in drop_rows) | ({1} if header else set())
    if skip:
        df = df.filter(~F.col("_row").isin(sorted(skip)))
    cs = [F.col(f"_c{i}") for i in range(n)]
    raw = F.concat_ws(delim, *[F.coalesce(c, F.lit("")) for c in cs])
    df = df.select("_row", raw.alias("_raw"), F.col(_CORRUPT),
                   *[c.alias(columns[i]) for i, c in enumerate(cs)])
    df = df.withColumn("_kh_bad", F.col(_CORRUPT).isNotNull()
                       | F.col("_raw").contains("\ufffd"))
    try:
        df = df.localCheckpoint(eager=True)
    except PySparkException as exc:
        raise IngestError(f"{path}: cannot read as delimited text: "
                          f"{str(exc).splitlines()[0]}") from exc
    bad = arrow_to_pandas(_collect(df.filter(F.col("_kh_bad")).select(
        "_row", "_raw", _CORRUPT)))
    rows = []
    for r in bad.itertuples(index=False):
        text = r[2] if isinstance(r[2], str) else None
        if text is None:
            rows.append({"row_number": int(r[0]), "field": None,
                         "reason": "invalid encoding: undecodable bytes", "raw": r[1]})
            continue
        found = _count_fields(text, delim, quote)
        if found < n:
            rows.append({"row_number": int(r[0]), "field": columns[found],
                         "reason": f"missing columns: Expected Number of Columns: {n} "
                                   f"Found: {found}", "raw": text})
        else:
            # DuckDB stops counting at the first field too many: its reason says n + 1.
            rows.append({"row_number": int(r[0]), "field": None,
                         "reason": f"too many columns: Expected Number of Columns: {n} "
                                   f"Found: {n + 1}", "raw": text})
    good = df.filter(~F.col("_kh_bad")).drop("_kh_bad", _CORRUPT)
    good.createOrReplaceTempView(view)
    store._temps.add(view)
    return SparkRawLoad(view, _rejects_frame(rows))


def _count_fields(text: str, delim: str, quote: str) -> int:
    import csv
    import io

    try:
        rec = next(csv.reader(io.StringIO(text.rstrip("\r\n")), delimiter=delim,
                              quotechar=quote or None, strict=False), [])
    except csv.Error:
        return 0
    return len(rec)


def load_raw_lines(store: SparkStore, path: str | os.PathLike[str], *, view: str,
                   fields: int) -> SparkRawLoad:
    """Load a headerless tab-separated file one record per line (GDELT): ``_row``,
    ``_raw``, ``_nfields`` (position of the last non-empty field) and ``c01`` ...
    ``c<fields>``; lines with more fields, or undecodable bytes, are rejected."""
    session = store.session
    sdf = _numbered(session.read.text(str(path)))
    parts = F.split(F.col("value"), "\t")
    names = [f"c{i:02d}" for i in range(1, fields + 1)]
    cells = [F.element_at(parts, i).alias(c) for i, c in enumerate(names, start=1)]
    df = sdf.select("_row", F.col("value").alias("_line"), F.size(parts).alias("_n"),
                    *cells)
    cols = [F.col(c) for c in names]
    nf = F.lit(0)
    for k, c in enumerate(cols, start=1):
        nf = F.when(F.coalesce(c, F.lit("")) != "", F.lit(k)).otherwise(nf)
    df = df.select(
        "_row", F.regexp_replace(F.col("_line"), "\t+$", "").alias("_raw"),
        nf.cast("long").alias("_nfields"),
        F.when(F.col("_n") > fields,
               F.concat(F.lit(f"too many columns: Expected Number of Columns: {fields} "
                              "Found: "), F.col("_n").cast("string")))
        .when(F.col("_line").contains("\ufffd"),
              F.lit("invalid encoding: undecodable bytes")).alias("_reject"),
        *[F.when(c != "", c).alias(n) for c, n in zip(cols, names, strict=True)])
    df = df.localCheckpoint(eager=True)
    bad = df.filter(F.col("_reject").isNotNull()).select(
        F.col("_row").alias("row_number"), F.lit(None).cast("string").alias("field"),
        F.col("_reject").alias("reason"), F.col("_raw").alias("raw"))
    rejects = _rejects_frame(arrow_to_pandas(_collect(bad)))
    df.filter(F.col("_reject").isNull()).drop("_reject").createOrReplaceTempView(view)
    store._temps.add(view)
    return SparkRawLoad(view, rejects)


def load_raw_records(store: SparkStore, batches: Iterator[pa.RecordBatch], *,
                     view: str, schema: pa.Schema) -> SparkRawLoad:
    """Load record batches (``_row``, ``_raw`` and string columns; read in Python:
    GTD's xlsx, ACLED's JSON, the lenient CSV fallback) as a raw view."""
    table = pa.Table.from_batches(list(batches), schema=schema)
    store.register(view, table)
    store.session.table(view).localCheckpoint(eager=True).createOrReplaceTempView(view)
    return SparkRawLoad(view, _rejects_frame([]))


# --------------------------------------------------------------------------------------
# The pipeline on a bare session (kharita.events.pipeline.run_on_spark)
# --------------------------------------------------------------------------------------


def spark_register(session: SparkSession, backend: Any) -> Callable[[str, pa.Table], Any]:
    """A ``register`` callback for :func:`kharita.events.pipeline.register_lookups`:
    each lookup table becomes a temporary view."""
    def register(name: str, table: pa.Table) -> Any:
        table = _sparkable(table)
        if table.num_rows:
            sdf = session.createDataFrame(table)
        else:
            sdf = session.createDataFrame([], _arrow_to_spark(table.schema))
        sdf.createOrReplaceTempView(name)
        return backend.table(name)
    return register


def load_raw_csv(session: SparkSession, path: str | os.PathLike[str], columns: Sequence[str],
                 *, view: str, delim: str = ",", header: bool = True,
                 drop_rows: Sequence[int] = (), multiline: bool = True) -> DataFrame:
    """Load a delimited file as an all-string raw table (a temp view ``view``) on a
    bare session, without reject detection (see :func:`load_raw_delimited` for the
    store's ingest). Returns the Spark DataFrame (lazy)."""
    fields = [StructField(f"_c{i}", StringType(), True) for i in range(len(columns))]
    reader = (session.read.option("header", "false").option("sep", delim)
              .option("quote", '"').option("escape", '"').option("multiLine", multiline)
              .option("mode", "PERMISSIVE").option("encoding", "UTF-8"))
    df = _numbered(reader.schema(StructType(fields)).csv(str(path)))
    skip = set(drop_rows) | ({1} if header else set())
    if skip:
        df = df.filter(~F.col("_row").isin(sorted(skip)))
    df = df.select(
        "_row",
        F.concat_ws(delim, *[F.coalesce(F.col(f"_c{i}"), F.lit("")) for i in
                             range(len(columns))]).alias("_raw"),
        *[F.col(f"_c{i}").alias(c) for i, c in enumerate(columns)])
    df.createOrReplaceTempView(view)
    return df


def materialize(session: SparkSession, backend: Any, expr: ir.Table, name: str) -> ir.Table:
    """Compute ``expr`` once and keep it in memory as temp view ``name``.

    ``localCheckpoint`` also cuts the query plan, so later queries on the result are
    planned from a small leaf instead of the whole normalisation/attribution tree.
    """
    sdf = session.sql(ibis.to_sql(expr, dialect="pyspark")).localCheckpoint(eager=True)
    sdf.createOrReplaceTempView(name)
    return backend.table(name)


def to_pandas(expr: ir.Table) -> pd.DataFrame:
    """Execute an Ibis expression on its engine and return pandas."""
    return expr.to_pandas()


# --------------------------------------------------------------------------------------
# The raw-loader seam of kharita.events.ingest (its RawLoader protocol)
# --------------------------------------------------------------------------------------


class ScanError(IngestError):
    """Spark's reader gave up on a file (the ingest layer retries with Python's csv)."""


class SparkRawLoader:
    """:class:`kharita.events.ingest.RawLoader` on a :class:`SparkStore`: the generic
    ingest (``kharita.events.ingest.ingest_file``) reads files with Spark through it.
    Record numbers are final when the file is loaded (rejected records keep theirs), so
    :meth:`finish_load` only counts."""

    ScanError = ScanError

    def load_delimited(self, store: SparkStore, path: Path, *, table: str,
                       columns: Sequence[str], delim: str, quote: str, header: bool,
                       encoding: str, drop_rows: Sequence[int],
                       split_tab_fields: int) -> SparkRawLoad:
        if split_tab_fields:
            return load_raw_lines(store, path, view=table, fields=split_tab_fields)
        return load_raw_delimited(store, path, columns, view=table, delim=delim,
                                  quote=quote, header=header, encoding=encoding,
                                  drop_rows=drop_rows, multiline=store.multiline)

    def load_records(self, store: SparkStore, batches: Any, *, table: str,
                     schema: pa.Schema) -> SparkRawLoad:
        return load_raw_records(store, iter(batches), view=table, schema=schema)

    def create_table_as(self, store: SparkStore, name: str, sql: str) -> None:
        store.create_temp(name, sql)

    def finish_load(self, store: SparkStore, load: SparkRawLoad, norm: str) -> None:
        load.rows = int(store.session.table(norm).count())

    def raw_rows_sql(self, load: SparkRawLoad) -> str:
        return f"SELECT _row, _raw FROM {check_identifier(load.view)}"

    def drop_raw(self, store: SparkStore, load: SparkRawLoad) -> None:
        store.drop_temp(load.view)

    @contextmanager
    def watch_progress(self, store: SparkStore, callback: Callable[[float], None] | None
                       ) -> Iterator[None]:
        yield
        if callback is not None:
            callback(100.0)

    @contextmanager
    def memory_limit(self, store: SparkStore, limit: str | None) -> Iterator[None]:
        yield  # Spark spills by itself; executors' memory is set when the session starts


def raw_loader(store: Store) -> SparkRawLoader:
    """The raw loaders of :mod:`kharita.events.ingest` for a Spark store."""
    if not isinstance(store, SparkStore):
        raise StoreError(f"{store!r} is not a Spark store")
    return SparkRawLoader()
