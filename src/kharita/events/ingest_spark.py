"""Ingest and attribution on a Spark store (:class:`~kharita.store.spark.SparkStore`).

There is one ingest and one attribution in kharita: :func:`kharita.events.ingest.ingest_file`
and :func:`kharita.events.attribute.attribute_store` take any
:class:`~kharita.store.base.Store`. On a Spark store, files are read by Spark's raw
loader (:func:`kharita.store.spark.raw_loader`: records with the wrong number of
fields or undecodable bytes are rejected with their record number and text, as
DuckDB's reader does), the connector's Ibis ``normalize`` and the attribution
pipeline run as Spark SQL, and every file is one all-or-nothing transaction (staged
Parquet files, one manifest commit). So the guarantees are DuckDB's: the connector
sniffs the file first, a file already ingested (same content hash in
``ingest_files``) is skipped, and per file ``rows_read = rows_stored +
rows_quarantined + rows_filtered``, each quarantined row with its reason.

The functions here are the Spark entry points (with Spark's options); the figures
they give are DuckDB's (``tests/test_engine_parity.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from kharita.errors import StoreError
from kharita.events import attribute, ingest
from kharita.events.attribute import AttributionReport
from kharita.events.ingest import IngestReport
from kharita.kb.knowledge import KnowledgeBase
from kharita.store.base import Store


def _spark(store: Store) -> Store:
    if store.engine != "spark":
        raise StoreError(f"{store!r} is not a Spark store (open it with engine='spark')")
    return store


@contextmanager
def _multiline(store: Store, multiline: bool) -> Iterator[None]:
    previous = getattr(store, "multiline", True)
    setattr(store, "multiline", multiline)  # noqa: B010 (a SparkStore attribute)
    try:
        yield
    finally:
        setattr(store, "multiline", previous)  # noqa: B010


def ingest_file_spark(store: Store, source: str, path: str | Path, *,
                      source_version: str | None = None, since: dt.date | None = None,
                      countries: Sequence[str] | None = None,
                      on_progress: Callable[[float], None] | None = None,
                      multiline: bool = True) -> IngestReport:
    """Ingest one file into a Spark store: :func:`kharita.events.ingest.ingest_file`
    (same parameters and report).

    ``multiline`` (default True) lets quoted fields span lines, which makes Spark read
    each file in one task: pass False for large files without line breaks in fields,
    so Spark can split them.

    Raises
    ------
    WrongSourceError : the file is another dataset's (nothing written).
    IngestError : the file cannot be read at all, or the row accounting failed
        (nothing written).
    StoreError : ``store`` is not a Spark store.
    """
    with _multiline(_spark(store), multiline):
        return ingest.ingest_file(store, source, path, source_version=source_version,
                                  since=since, countries=countries,
                                  on_progress=on_progress)


def ingest_paths_spark(store: Store, source: str, paths: Sequence[str | Path], *,
                       source_version: str | None = None, since: dt.date | None = None,
                       countries: Sequence[str] | None = None,
                       on_file: Callable[[int, Path], None] | None = None,
                       on_progress: Callable[[float], None] | None = None,
                       multiline: bool = True) -> list[IngestReport]:
    """Several files of one source, one transaction each
    (:func:`kharita.events.ingest.ingest_paths`): every file is sniffed first, so a
    wrong file refuses the whole batch before any is written."""
    with _multiline(_spark(store), multiline):
        return ingest.ingest_paths(store, source, paths, source_version=source_version,
                                   since=since, countries=countries, on_file=on_file,
                                   on_progress=on_progress)


def attribute_spark(store: Store, kb: KnowledgeBase, *,
                    ingest_file_id: str | None = None) -> AttributionReport:
    """Attribute a Spark store's events to KB entities, replacing earlier attributions
    (all, or those of one ingested file's events) in one transaction:
    :func:`kharita.events.attribute.attribute_store` (same report)."""
    return attribute.attribute_store(_spark(store), kb, ingest_file_id=ingest_file_id,
                                     memory_limit=None)
