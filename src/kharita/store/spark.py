"""The Spark engine: a SparkSession factory, raw CSV loading into all-string tables,
temp-table registration and materialisation, so that the same Ibis pipeline
(normalisation + attribution + aggregations) runs on Spark as on DuckDB
(:func:`kharita.events.pipeline.run_on_spark`).

Only this module (and ``store/duckdb.py``) imports an engine. Local mode is tuned for
small data (one shuffle partition, UI off, ANSI mode off so that failed casts give
NULL as in DuckDB's ``TRY_CAST``); point it at a cluster with ``KHARITA_SPARK_MASTER``
(e.g. ``spark://host:7077``, ``yarn``) or run a script through ``spark-submit`` (the
session then takes the master given there). See ``docs/spark.md``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType
from pyspark.sql.window import Window

from kharita.events.schema import EVENT_COLUMNS

MASTER_ENV = "KHARITA_SPARK_MASTER"

#: Settings for small data on one machine; override any with ``config``.
LOCAL_CONFIG: dict[str, str] = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "2",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.adaptive.enabled": "false",
    "spark.driver.memory": "2g",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.codegen.wholeStage": "false",
}


def spark_session(master: str | None = None, *, app_name: str = "kharita",
                  config: dict[str, str] | None = None) -> SparkSession:
    """Get or create a SparkSession.

    ``master`` defaults to ``$KHARITA_SPARK_MASTER``, else the master set by
    ``spark-submit`` (if any), else ``local[2]``. :data:`LOCAL_CONFIG` is applied,
    then ``config``.
    """
    builder = SparkSession.builder.appName(app_name)
    chosen = master or os.environ.get(MASTER_ENV)
    if chosen:
        builder = builder.master(chosen)
    elif "SPARK_MASTER" not in os.environ and not os.environ.get("PYSPARK_SUBMIT_ARGS"):
        builder = builder.master("local[2]")
    for k, v in {**LOCAL_CONFIG, **(config or {})}.items():
        builder = builder.config(k, v)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def ibis_connect(session: SparkSession) -> Any:
    """An Ibis backend on ``session``."""
    return ibis.pyspark.connect(session)


def spark_register(session: SparkSession, backend: Any) -> Callable[[str, pa.Table], Any]:
    """A ``register`` callback for :func:`kharita.events.pipeline.register_lookups`:
    each lookup table becomes a temporary view."""
    def register(name: str, table: pa.Table) -> Any:
        df = table.to_pandas()
        schema = _spark_schema(table.schema)
        sdf = session.createDataFrame(df if len(df) else [], schema=schema)
        sdf.createOrReplaceTempView(name)
        return backend.table(name)
    return register


def _spark_schema(schema: pa.Schema) -> StructType:
    from pyspark.sql import types as T

    mapping = {pa.string(): T.StringType(), pa.int64(): T.LongType(),
               pa.int32(): T.IntegerType(), pa.float64(): T.DoubleType(),
               pa.bool_(): T.BooleanType(), pa.date32(): T.DateType()}
    return T.StructType([T.StructField(f.name, mapping[f.type], True) for f in schema])


def load_raw_csv(session: SparkSession, path: str | os.PathLike[str], columns: Sequence[str],
                 *, view: str, delim: str = ",", header: bool = True,
                 drop_rows: Sequence[int] = (), multiline: bool = True) -> DataFrame:
    """Load a delimited file as an all-string raw table (a temp view ``view``).

    Same shape as the DuckDB raw load: ``_row`` (1-based record number in the file,
    the header counting as record 1), ``_raw`` (the fields joined by the delimiter) and
    one string column per name in ``columns``. Rows listed in ``drop_rows`` (e.g. the
    HXL hashtag row 2) are left out. Returns the Spark DataFrame (lazy).
    """
    fields = [StructField(f"_c{i}", StringType(), True) for i in range(len(columns))]
    reader = (session.read.option("header", "false").option("sep", delim)
              .option("quote", '"').option("escape", '"').option("multiLine", multiline)
              .option("mode", "PERMISSIVE").option("encoding", "UTF-8"))
    sdf = reader.schema(StructType(fields)).csv(str(path))
    # Record numbers without leaving the JVM: monotonically_increasing_id follows file
    # order (partition by partition), row_number over it makes them contiguous.
    order = Window.orderBy(F.monotonically_increasing_id())
    df = sdf.select(F.row_number().over(order).cast("long").alias("_row"), *sdf.columns)
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


def events_from_raw(backend: Any, raw_view: str, source: str, *,
                    source_version: str | None = None, synthetic: bool = False,
                    ingest_file_id: str = "") -> ir.Table:
    """Normalise a raw view with the source's connector (the same Ibis expression as
    on DuckDB) and keep the rows that pass its checks, in the events schema."""
    import importlib

    module = "ucdp" if source == "synthetic" else source
    mod = importlib.import_module(f"kharita.events.sources.{module}")
    expr = mod.normalize(backend.table(raw_view), source=source,
                         source_version=source_version, synthetic=synthetic)
    ok = expr.filter(expr._reason.isnull())
    cols = {c: ok[c] for c in EVENT_COLUMNS if c in ok.columns}
    cols["ingest_file_id"] = ibis.literal(ingest_file_id, "string")
    return ok.select(**cols)


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
