"""Ingest event files into the store: one transaction per file, every row accounted for.

For each file: the connector (:func:`kharita.events.sources.registry.get`) sniffs it
(a file of another dataset is refused before anything is written), the store's engine
loads it into a raw all-VARCHAR table (:class:`RawLoader`: DuckDB's in
:mod:`kharita.store.duckdb`), the connector's engine-neutral ``normalize`` (Ibis) types
and validates every field, and
stored rows, quarantined rows (file, row, field, reason, raw text), per-reason filtered
counts and one ``ingest_files`` row are written inside one transaction. A file whose
sha256 is already in ``ingest_files`` is skipped (nothing changes).

Invariant, per file: ``rows_read = rows_stored + rows_quarantined + rows_filtered``.

Every function takes a :class:`kharita.store.base.Store`; the SQL is in
:mod:`kharita.store.sql.ingest`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import ibis
import pandas as pd

from kharita.errors import IngestError
from kharita.events.schema import EVENT_COLUMNS
from kharita.events.sources import _common, registry
from kharita.events.sources.registry import Connector
from kharita.store.base import Store
from kharita.store.sql import ingest as q

#: DuckDB memory limit during an ingest: keeps peak memory flat on large files.
DEFAULT_MEMORY_LIMIT = "1.5GB"


@dataclass
class IngestReport:
    """What happened to one file. ``reasons``: quarantined rows per reason;
    ``filtered``: rows left out on purpose per reason."""

    path: str
    source: str
    source_version: str | None
    ingest_file_id: str
    rows_read: int = 0
    rows_stored: int = 0
    rows_quarantined: int = 0
    rows_filtered: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    filtered: dict[str, int] = field(default_factory=dict)
    skipped: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes (streamed)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def connector(source: str) -> Connector:
    """The registered connector of a source name (:func:`registry.get`)."""
    return registry.get(source)


class RawLoader(Protocol):
    """What an engine provides to read a file into a raw table (the DuckDB engine:
    the module :mod:`kharita.store.duckdb`; another engine: an object returned by its
    module's ``raw_loader(store)``). Each function takes the store first; ``load`` is
    the engine's load record, with ``rows`` (accepted records, set by ``finish_load``)
    and ``rejects`` (a frame of row_number, field, reason, raw).
    """

    ScanError: type[Exception]  # the engine's reader gave up: retry with Python's csv

    def load_delimited(self, store: Store, path: Path, *, table: str,
                       columns: Sequence[str], delim: str, quote: str, header: bool,
                       encoding: str, drop_rows: Sequence[int],
                       split_tab_fields: int) -> Any: ...

    def load_records(self, store: Store, batches: Iterable[Any], *, table: str,
                     schema: Any) -> Any: ...

    def create_table_as(self, store: Store, name: str, sql: str) -> None: ...

    def finish_load(self, store: Store, load: Any, norm: str) -> None: ...

    def raw_rows_sql(self, load: Any) -> str: ...

    def drop_raw(self, store: Store, load: Any) -> None: ...

    def watch_progress(self, store: Store, callback: Callable[[float], None] | None
                       ) -> AbstractContextManager[None]: ...

    def memory_limit(self, store: Store, limit: str | None
                     ) -> AbstractContextManager[None]: ...


def _loader(store: Store) -> Any:
    """The :class:`RawLoader` of the store's engine."""
    if store.engine == "duckdb":
        from kharita.store import duckdb

        return duckdb
    from kharita.store import spark

    make = getattr(spark, "raw_loader", None)
    if make is None:
        from kharita.errors import StoreError

        raise StoreError(f"ingest on the {store.engine} engine needs its raw loaders "
                         "(kharita.store.spark.raw_loader)")
    return make(store)


def _extract_zip(path: Path, tmp: Path) -> Path:
    with zipfile.ZipFile(path) as zf:
        member = _common.zip_data_members(zf)[0]
        target = tmp / Path(member.filename).name
        with zf.open(member) as src, open(target, "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    return target


def _load(store: Store, loader: Any, plan: _common.ReadPlan, table: str, path: Path) -> Any:
    if plan.kind == "records":
        assert plan.batches is not None and plan.schema is not None
        return loader.load_records(store, plan.batches(), table=table, schema=plan.schema)
    return loader.load_delimited(
        store, path, table=table, columns=plan.columns, delim=plan.delim, quote=plan.quote,
        header=plan.header, encoding=plan.encoding, drop_rows=plan.drop_rows,
        split_tab_fields=plan.split_fields if plan.kind == "lines" else 0)


def already_ingested(store: Store, file_id: str) -> dict[str, Any] | None:
    """The ``ingest_files`` row of a content hash, or None."""
    df = store.sql(q.ingest_file_row(), [file_id])
    return None if df.empty else {str(k): v for k, v in df.iloc[0].to_dict().items()}


def ingest_file(store: Store, source: str, path: str | Path, *,
                source_version: str | None = None, since: dt.date | None = None,
                countries: Sequence[str] | None = None,
                on_progress: Callable[[float], None] | None = None,
                memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> IngestReport:
    """Ingest one file into ``store``.

    Parameters
    ----------
    store : the open, writable store (:func:`kharita.store.base.open_store`).
    source : a registered source name (:func:`kharita.events.sources.registry.names`:
        ``ucdp``, ``acled``, ``gtd``, ``gdelt``, ``synthetic``).
    path : the file (``.csv``, ``.gz``, ``.zip``; GTD also ``.xlsx``; ACLED also ``.json``).
    source_version : overrides the version detected from the file name.
    since, countries : optional filters; rows before ``since`` or outside ``countries``
        (ISO3) are counted in ``filtered`` (reasons ``before-since``, ``country``).
    on_progress : called with the percentage of the file's scan done (for progress bars).
    memory_limit : engine memory limit while ingesting (larger intermediate tables spill
        to the store's temporary directory); None keeps the engine's setting.

    Returns
    -------
    IngestReport, with ``skipped=True`` if a file with the same sha256 was ingested before.

    Raises
    ------
    WrongSourceError : the file is another dataset's (nothing written).
    IngestError : the file cannot be read at all, or the source is unknown (nothing
        written).
    """
    t0 = time.perf_counter()
    conn = connector(source)
    p = Path(path)
    if not p.is_file():
        raise IngestError(f"{p}: no such file")
    plan = conn.read_plan(p, source_version)
    file_id = sha256_file(p)
    report = IngestReport(path=str(p.resolve()), source=source,
                          source_version=plan.source_version, ingest_file_id=file_id,
                          notes=list(plan.notes))
    prev = already_ingested(store, file_id)
    if prev is not None:
        report.skipped = True
        report.notes.append(f"already ingested (same sha256) from {prev['path']} at "
                            f"{prev['finished_at']}; nothing changed")
        for k in ("rows_read", "rows_stored", "rows_quarantined", "rows_filtered"):
            setattr(report, k, int(prev[k]))
        report.seconds = time.perf_counter() - t0
        return report
    loader = _loader(store)
    with tempfile.TemporaryDirectory(prefix="kharita-ingest-") as tmp:
        read_path = _extract_zip(p, Path(tmp)) if p.suffix.lower() == ".zip" else p
        with loader.memory_limit(store, memory_limit):
            try:
                _ingest_transaction(store, loader, plan, read_path, report, since, countries,
                                    on_progress)
            except loader.ScanError as exc:
                # The transaction was rolled back; read the file with Python's csv instead.
                plan = _common.python_fallback(plan, read_path, str(exc))
                report.notes = list(plan.notes)
                _ingest_transaction(store, loader, plan, read_path, report, since, countries,
                                    on_progress)
    report.seconds = time.perf_counter() - t0
    return report


@lru_cache(maxsize=64)
def normalize_sql(source: str, columns: tuple[str, ...], lines: int,
                  source_version: str | None, table: str) -> str:
    """SQL (kharita's dialect, DuckDB's) of the connector's Ibis ``normalize`` over a raw
    table (cached: the expression depends only on the source, the file's columns and
    the version)."""
    raw = _common.ibis_raw(columns, name=table, lines=lines)
    expr = connector(source).normalized(raw, source_version)
    return str(ibis.to_sql(expr, dialect="duckdb"))


def _ingest_transaction(store: Store, loader: Any, plan: _common.ReadPlan, read_path: Path,
                        report: IngestReport, since: dt.date | None,
                        countries: Sequence[str] | None,
                        on_progress: Callable[[float], None] | None = None) -> None:
    """Load, normalise and write one file inside one transaction."""
    file_id = report.ingest_file_id
    p = Path(report.path)
    table, norm = "_kh_raw", "_kh_norm"  # temporary, per connection, dropped at the end
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    source = report.source
    with store.transaction():
        load = _load(store, loader, plan, table, read_path)
        sql = normalize_sql(source, tuple(plan.columns), plan.split_fields,
                            plan.source_version, table)
        with loader.watch_progress(store, on_progress):
            loader.create_table_as(store, norm,
                                   q.normalized(sql, q.filter_case(since, countries)))
        loader.finish_load(store, load, norm)
        if plan.kind == "records" and plan.rejects:
            load.rejects = pd.DataFrame(plan.rejects, columns=["row_number", "field", "reason",
                                                               "raw"])
        _write(store, loader, report, load, norm, file_id, p)
        finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        store.execute(q.insert_ingest_file(),
                      [file_id, str(p), source, plan.source_version, report.rows_read,
                       report.rows_stored, report.rows_quarantined, report.rows_filtered,
                       started, finished, connector(source).synthetic])
        store.drop_temp(norm)
        loader.drop_raw(store, load)


def _write(store: Store, loader: Any, report: IngestReport, load: Any, norm: str,
           file_id: str, path: Path) -> None:
    """Write events, quarantine and filtered counts for one file (inside the transaction)."""
    cols = [c for c in EVENT_COLUMNS if c != "ingest_file_id"]
    store.execute(q.insert_events(norm, cols), [file_id])
    if store.scalar(q.count_quarantined(norm)):
        # The raw text is fetched only for quarantined rows (a second scan of the file).
        store.execute(q.insert_quarantine(norm, loader.raw_rows_sql(load)),
                      [file_id, str(path)])
    rejects = load.rejects
    if len(rejects):
        rej = rejects.assign(ingest_file_id=file_id, file=str(path))[
            list(q.QUARANTINE_FIELDS)]
        store.register("_kh_rejects", rej)
        store.execute(q.insert_rejects("_kh_rejects"))
    row = store.rows(q.verdict_counts(norm))[0]
    stored, quarantined, filtered = (int(x) for x in row)
    reasons = {str(k): int(v) for k, v in store.rows(q.reason_counts(norm))}
    for r in rejects["reason"] if len(rejects) else []:
        key = str(r).split(":", 1)[0]
        reasons[key] = reasons.get(key, 0) + 1
    fcounts = {str(k): int(v) for k, v in store.rows(q.filter_counts(norm))}
    for reason, n in fcounts.items():
        store.execute(q.insert_filtered(), [file_id, reason, n])
    report.rows_read = load.rows + len(rejects)
    report.rows_stored = stored
    report.rows_quarantined = quarantined + len(rejects)
    report.rows_filtered = filtered
    report.reasons = dict(sorted(reasons.items()))
    report.filtered = dict(sorted(fcounts.items()))
    if report.rows_read != report.rows_stored + report.rows_quarantined + report.rows_filtered:
        raise IngestError(f"{path}: row accounting failed ({report.rows_read} read != "
                          f"{report.rows_stored} + {report.rows_quarantined} + "
                          f"{report.rows_filtered}); nothing was written")


def ingest_paths(store: Store, source: str, paths: Iterable[str | Path], *,
                 source_version: str | None = None, since: dt.date | None = None,
                 countries: Sequence[str] | None = None,
                 on_file: Callable[[int, Path], None] | None = None,
                 on_progress: Callable[[float], None] | None = None,
                 memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> list[IngestReport]:
    """Ingest several files of one source into ``store``, one transaction each.

    Every file is sniffed first, so a wrong file refuses the whole batch before any is
    written. ``on_file(i, path)`` is called before file ``i`` and ``on_progress(percent)``
    during each file's scan (for progress bars).
    """
    plist = [Path(p) for p in paths]
    conn = connector(source)
    for p in plist:
        if not p.is_file():
            raise IngestError(f"{p}: no such file")
        conn.read_plan(p, source_version)
    reports = []
    for i, p in enumerate(plist):
        if on_file is not None:
            on_file(i, p)
        reports.append(ingest_file(store, source, p, source_version=source_version,
                                   since=since, countries=countries, on_progress=on_progress,
                                   memory_limit=memory_limit))
    return reports


def summary_frame(reports: Sequence[IngestReport]) -> pd.DataFrame:
    """One row per file: rows read / stored / quarantined / filtered and the reasons."""
    rows = []
    for r in reports:
        rows.append({
            "file": Path(r.path).name, "source": r.source, "version": r.source_version,
            "read": r.rows_read, "stored": r.rows_stored, "quarantined": r.rows_quarantined,
            "filtered": r.rows_filtered,
            "reasons": "; ".join(f"{k}: {v}" for k, v in {**r.reasons, **r.filtered}.items()),
            "status": "skipped (already ingested)" if r.skipped else "ingested",
        })
    return pd.DataFrame(rows)


def quarantine_frame(store: Store, *, file: str | None = None, limit: int | None = None
                     ) -> pd.DataFrame:
    """Quarantined rows (file, row, field, reason, raw), optionally for one file (path or
    name suffix)."""
    params: list[Any] = [file, "%" + file] if file else []
    return store.sql(q.quarantine_rows(by_file=bool(file), limit=limit), params)


def attribute_if_available(store: Store, kb: Any, ingest_file_ids: Sequence[str] | None = None
                           ) -> list[Any]:
    """Attribute the events of the given ingested files (all events when None) with
    :func:`kharita.events.attribute.attribute_store`; one report per file."""
    from kharita.events.attribute import attribute_store

    if ingest_file_ids is None:
        return [attribute_store(store, kb)]
    return [attribute_store(store, kb, ingest_file_id=fid) for fid in ingest_file_ids]
