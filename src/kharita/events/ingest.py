"""Ingest event files into the store: one transaction per file, every row accounted for.

For each file: the connector (:func:`kharita.events.sources.registry.get`) sniffs it
(a file of another dataset is refused before anything is written), the store's engine
loads it into a raw all-VARCHAR table (:class:`RawLoader`: DuckDB's in
:mod:`kharita.store.duckdb`), the connector's engine-neutral ``normalize`` (Ibis) types
and validates every field, and
stored rows, quarantined rows (file, row, field, reason, raw text), per-reason filtered
counts and one ``ingest_files`` row are written inside one transaction.

**Already ingested.** A file's ``ingest_file_id`` is the sha256 of its bytes, or, when
``since``/``countries`` filters are given, the sha256 of ``"<bytes' sha256>|<filters>"``
(:func:`filters_key`). An ingest whose id is in ``ingest_files`` is skipped (nothing
changes), as is a filtered ingest of bytes already ingested without filters; a
filtered ingest never blocks a later unfiltered one, which adds the rows it left out.

**Event identity.** An event is identified by (source, source_event_id), i.e.
``event_id``; ``events`` holds its current version only. When a file carries an event
already stored, the version that wins (:func:`version_wins`) is the one with the newer
``source_version`` (compared number by number: ``25.1 > 24.1``), else, when the
versions are equal or one is unknown, the later-ingested file's. The losing version
goes to ``events_history`` with the file it came from, the file that superseded it
and why (``replaced``, ``outdated``; ``duplicate`` for an earlier occurrence of an id
in the same file, where the last occurrence wins). Attributions of replaced events are
deleted in the same transaction (re-attribute the file's events afterwards:
:func:`attribute_if_available`). ``ingest_files.supersedes`` lists the files whose
versions it replaced.

**Withdrawal.** An unfiltered file is a new *full release of the scope* of an earlier
file of the same source when its version wins and it carries at least
:data:`FULL_RELEASE_SHARE` of that file's current events (a corrected export, GED 24.1
-> 25.1; a country extract and the global sample share a few ids and are different
scopes). The earlier file's current events the release no longer carries are marked
``withdrawn`` (never deleted) and the analysis frame leaves them out.

Invariant, per file: ``rows_read = rows_stored + rows_quarantined + rows_filtered``;
``rows_stored`` counts valid rows, of which ``rows_replaced`` replaced a stored version
and ``rows_superseded`` are kept only in history.

Every function takes a :class:`kharita.store.base.Store`; the SQL is in
:mod:`kharita.store.sql.ingest`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field, replace
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
#: Share of an earlier file's current events a later unfiltered file of the same source
#: must carry to count as a new full release of its scope (and withdraw the rest).
FULL_RELEASE_SHARE = 0.9
#: Largest uncompressed size of the zip member kharita extracts (bytes; GED 25.1's CSV
#: is about 1.5 GB): a larger member is refused with a clear error.
MAX_UNZIPPED_BYTES = 32 * 1024**3
#: Largest ratio of a zip member's uncompressed to compressed size (CSV compresses
#: about 10:1; a "zip bomb" of NUL bytes 1000:1), applied once the member passes
#: :data:`ZIP_RATIO_FREE_BYTES`.
MAX_ZIP_RATIO = 100
ZIP_RATIO_FREE_BYTES = 256 * 1024**2
#: Prefix of the folders a zip member is extracted to (beside the store, else in the
#: system temporary folder); a folder whose process is gone is removed at the next
#: ingest (a killed run cannot leave one for good).
TEMP_PREFIX = "kharita-ingest-"


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
    rows_replaced: int = 0
    rows_superseded: int = 0
    rows_withdrawn: int = 0
    supersedes: list[str] = field(default_factory=list)
    filters: str = ""
    content_sha256: str = ""
    reasons: dict[str, int] = field(default_factory=dict)
    filtered: dict[str, int] = field(default_factory=dict)
    skipped: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: The attribution report when a KB was given (attributed in the same transaction).
    attribution: Any = field(default=None, repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(replace(self, attribution=None))
        out.pop("attribution")
        return out


def sha256_file(path: str | Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes (streamed)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def filters_key(since: dt.date | None, countries: Sequence[str] | None) -> str:
    """Canonical text of the ingest filters (``''`` when none).

    >>> filters_key(dt.date(2020, 1, 1), ["syr", "IRQ"])
    'since=2020-01-01;country=IRQ,SYR'
    >>> filters_key(None, [])
    ''
    """
    parts = []
    if since is not None:
        parts.append(f"since={since.isoformat()}")
    if countries:
        parts.append("country=" + ",".join(sorted({c.upper() for c in countries})))
    return ";".join(parts)


def ingest_id(content_sha256: str, filters: str) -> str:
    """The ``ingest_file_id`` of a file's bytes under filters (see the module docstring)."""
    if not filters:
        return content_sha256
    return hashlib.sha256(f"{content_sha256}|{filters}".encode()).hexdigest()


def version_key(version: Any) -> tuple[int, ...] | None:
    """A source version as numbers for comparison (``'25.1'`` -> ``(25, 1)``); None when
    unknown or without digits.

    >>> version_key("25.1") > version_key("24.1.2")
    True
    >>> version_key(None), version_key("candidate")
    (None, None)
    """
    if version is None or (isinstance(version, float) and version != version):
        return None
    nums = tuple(int(x) for x in re.findall(r"\d+", str(version)))
    return nums or None


def version_wins(new: Any, old: Any) -> bool:
    """True when a later-ingested file of version ``new`` replaces a stored version
    from a file of version ``old``: ``new`` is not older (equal or unknown versions: the
    later file wins).

    >>> version_wins("25.1", "24.1"), version_wins("24.1", "25.1"), version_wins(None, "25.1")
    (True, False, True)
    """
    kn, ko = version_key(new), version_key(old)
    return kn is None or ko is None or kn >= ko


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


def _extract_zip(path: Path, tmp: Path, max_bytes: int = MAX_UNZIPPED_BYTES) -> Path:
    """Extract the data member of a zip archive into ``tmp``, streamed, refusing a member
    larger than ``max_bytes`` or beyond :data:`MAX_ZIP_RATIO` (declared and actual size:
    the declared size can lie)."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = _common.zip_data_members(zf)
            if not members:
                raise IngestError(f"{path}: the zip archive is empty; nothing was written")
            member = members[0]
            ratio_cap = max(ZIP_RATIO_FREE_BYTES, member.compress_size * MAX_ZIP_RATIO)
            limit = min(max_bytes, ratio_cap)

            def too_big(size: int) -> IngestError:
                why = (f"more than {max_bytes} bytes" if limit == max_bytes else
                       f"more than {MAX_ZIP_RATIO} times its compressed size "
                       f"({member.compress_size} bytes): a zip bomb?")
                return IngestError(f"{path}: zip member {member.filename!r} unpacks to "
                                   f"{size if size > limit else 'at least ' + str(size)} "
                                   f"bytes, {why}; nothing was written")

            if member.file_size > limit:
                raise too_big(member.file_size)
            target = tmp / (Path(member.filename).name or "member")
            written = 0
            with zf.open(member) as src, open(target, "wb") as dst:
                while block := src.read(1 << 20):
                    written += len(block)
                    if written > limit:
                        raise too_big(written)
                    dst.write(block)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as exc:
        raise IngestError(f"{path}: cannot unpack the zip archive ({exc}); nothing was "
                          "written") from None
    return target


def _temp_base(store: Store) -> Path:
    """Where zip members are extracted: beside an on-disk store (same disk), else the
    system temporary folder."""
    loc = getattr(store, "location", None)
    if loc and loc != ":memory:":
        parent = Path(str(loc)).resolve().parent
        if parent.is_dir() and os.access(parent, os.W_OK):
            return parent
    return Path(tempfile.gettempdir())


def clean_stale_temp(base: Path) -> list[Path]:
    """Remove the extraction folders (:data:`TEMP_PREFIX` ``<pid>-...``) in ``base``
    whose process no longer runs; returns the folders removed."""
    removed = []
    for d in base.glob(f".{TEMP_PREFIX}*"):
        m = re.match(rf"\.{TEMP_PREFIX}(\d+)-", d.name)
        if not m or not d.is_dir():
            continue
        pid = int(m.group(1))
        alive = True
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            alive = False
        except PermissionError:
            alive = True
        if not alive:
            shutil.rmtree(d, ignore_errors=True)
            removed.append(d)
    return removed


def check_input_file(p: Path) -> None:
    """Raise :class:`IngestError` naming what ``p`` is when it is not a regular file: a
    missing path, a broken link, a directory, a device (``/dev/zero``), a FIFO."""
    link = ""
    if p.is_symlink():
        target = os.readlink(p)
        if not p.exists():
            raise IngestError(f"{p}: a broken symbolic link (to {target}); nothing was "
                              "written")
        link = f"a symbolic link to {os.path.realpath(p)}, "
    if not p.exists():
        raise IngestError(f"{p}: no such file")
    if p.is_dir():
        raise IngestError(f"{p}: {link}a directory, not a file (give the files in it)")
    mode = p.stat().st_mode
    if not stat.S_ISREG(mode):
        kind = ("a character device" if stat.S_ISCHR(mode) else
                "a block device" if stat.S_ISBLK(mode) else
                "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
                "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
        raise IngestError(f"{p}: {link}{kind}, not a regular file; nothing was written")


#: The temporary view (or table) of a file's raw records during its ingest.
_RAW_TABLE = "_kh_raw"


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
                memory_limit: str | None = DEFAULT_MEMORY_LIMIT,
                kb: Any = None, max_unzipped_bytes: int = MAX_UNZIPPED_BYTES
                ) -> IngestReport:
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
    kb : a knowledge base: the file's events are attributed
        (:func:`kharita.events.attribute.attribute_store`) **inside the ingest's
        transaction**, so a kill or a full disk leaves either the file ingested and
        attributed or nothing at all (``report.attribution``). A file skipped as already
        ingested whose events have no attributions is attributed now.
    max_unzipped_bytes : largest zip member extracted (see :data:`MAX_UNZIPPED_BYTES`).

    Returns
    -------
    IngestReport, with ``skipped=True`` if a file with the same sha256 was ingested before.

    Raises
    ------
    WrongSourceError : the file is another dataset's (nothing written).
    IngestError : the file cannot be read at all, a non-empty file yields no rows, the
        row accounting fails, or the source is unknown (nothing written). Each message
        is one line naming the file (and the row and field where there is one).
    """
    t0 = time.perf_counter()
    conn = connector(source)
    p = Path(path)
    check_input_file(p)
    plan = conn.read_plan(p, source_version)
    # a plain file is read once for its hash and the first test of the blank-line check
    plain = p.suffix.lower() not in (".zip", ".gz") and plan.kind == "delimited"
    blank: bool | None = None
    with ThreadPoolExecutor(max_workers=1) as pool:
        # hashlib releases the GIL: the file is hashed while Ibis compiles the
        # normalising SQL (cached for the load below), ~0.5 s each on 1M GED rows
        digest = pool.submit(_common.sha256_and_blank_line, p) if plain else \
            pool.submit(lambda: (sha256_file(p), None))
        _compile_normalizer(store, plan, source)
        content, blank = digest.result()
    filters = filters_key(since, countries)
    file_id = ingest_id(content, filters)
    report = IngestReport(path=str(p.resolve()), source=source,
                          source_version=plan.source_version, ingest_file_id=file_id,
                          notes=list(plan.notes), filters=filters, content_sha256=content)
    prev = already_ingested(store, file_id)
    if prev is None and filters:
        df = store.sql(q.unfiltered_ingest_of_content(), [content])
        prev = None if df.empty else {str(k): v for k, v in df.iloc[0].to_dict().items()}
    if prev is not None:
        report.skipped = True
        how = "with the same filters" if prev.get("filters") == filters else "without filters"
        report.notes.append(f"already ingested (same sha256, {how}) from {prev['path']} at "
                            f"{prev['finished_at']}; nothing changed")
        for k in ("rows_read", "rows_stored", "rows_quarantined", "rows_filtered"):
            setattr(report, k, int(prev[k]))
        if kb is not None and _unattributed(store, str(prev["ingest_file_id"])):
            report.attribution = attribute_if_available(store, kb,
                                                        [str(prev["ingest_file_id"])])[0]
            report.notes.append("its events had no attributions: attributed now")
        report.seconds = time.perf_counter() - t0
        return report
    loader = _loader(store)
    base = _temp_base(store)
    clean_stale_temp(base)
    with tempfile.TemporaryDirectory(prefix=f".{TEMP_PREFIX}{os.getpid()}-", dir=base) as tmp:
        read_path = (_extract_zip(p, Path(tmp), max_unzipped_bytes)
                     if p.suffix.lower() == ".zip" else p)
        lines = _common.scan_lines(read_path) if plan.kind == "lines" or \
            read_path.suffix.lower() == ".gz" else None
        if plan.kind == "delimited" and _common.interior_blank_line(
                read_path, plan.quote, candidate=blank if read_path == p else None):
            plan = _common.python_fallback(plan, read_path, "empty lines inside the file")
            report.notes = list(plan.notes)
        try:
            _ingest_transaction(store, loader, plan, read_path, report, since, countries,
                                on_progress, lines, kb, memory_limit)
        except loader.ScanError as exc:
            # The transaction was rolled back; read the file with Python's csv instead.
            plan = _common.python_fallback(plan, read_path, str(exc))
            report.notes = list(plan.notes)
            _ingest_transaction(store, loader, plan, read_path, report, since, countries,
                                on_progress, lines, kb, memory_limit)
    report.seconds = time.perf_counter() - t0
    return report


def _unattributed(store: Store, file_id: str) -> bool:
    """True when the file's events have no attribution at all (ingested without
    attribution, or by a run killed between the two before they shared a transaction)."""
    n_events = int(store.scalar(q.count_where("events", "ingest_file_id = ?"), [file_id])
                   or 0)
    if not n_events or not store.has_table("attributions"):
        return False
    return not int(store.scalar(q.count_attributions_of_file(), [file_id]) or 0)


@lru_cache(maxsize=64)
def normalize_sql(source: str, columns: tuple[str, ...], lines: int,
                  source_version: str | None, table: str, engine: str = "duckdb",
                  raw_text: str | None = None) -> str:
    """SQL (kharita's dialect, DuckDB's) of the connector's Ibis ``normalize`` over a raw
    table (cached: the expression depends only on the source, the file's columns and
    the version). On DuckDB each field's trimming is computed once and a row's raw
    text (``raw_text``: the loader's definition of ``_raw``) only for quarantined rows
    (:func:`kharita.store.sql.ingest.hoist_strips`: same values, fewer operations);
    another engine gets Ibis's SQL as compiled."""
    raw = _common.ibis_raw(columns, name=table, lines=lines)
    expr = connector(source).normalized(raw, source_version)
    sql = str(ibis.to_sql(expr, dialect="duckdb"))
    return q.hoist_strips(sql, table, raw_text) if engine == "duckdb" else sql


def _compile_normalizer(store: Store, plan: _common.ReadPlan, source: str) -> None:
    """Compile (and cache) the normalising SQL the load of ``plan`` will use on DuckDB,
    with the record text of :func:`kharita.store.duckdb.load_delimited`'s view."""
    if store.engine != "duckdb" or plan.kind == "records":
        return
    from kharita.store.duckdb import record_text_sql

    raw_text = record_text_sql(plan.columns, plan.delim, plan.quote) \
        if plan.kind == "delimited" else None
    try:
        _plan_normalize_sql(store, plan, source, raw_text)
    except Exception:  # only a warm-up: the load's own call raises the error
        return


def _plan_normalize_sql(store: Store, plan: _common.ReadPlan, source: str,
                        raw_text: str | None) -> str:
    """:func:`normalize_sql` for the load of ``plan`` (the one call of its arguments,
    for the warm-up and the load alike, so the warm-up's SQL is the load's)."""
    return normalize_sql(source, tuple(plan.columns), plan.split_fields,
                         plan.source_version, _RAW_TABLE, store.engine, raw_text)


def _ingest_transaction(store: Store, loader: Any, plan: _common.ReadPlan, read_path: Path,
                        report: IngestReport, since: dt.date | None,
                        countries: Sequence[str] | None,
                        on_progress: Callable[[float], None] | None = None,
                        lines: _common.LineScan | None = None, kb: Any = None,
                        memory_limit: str | None = None) -> None:
    """Load, normalise, write and (with ``kb``) attribute one file inside one
    transaction (the memory limit applies to the load only: attribution keeps its own
    setting)."""
    file_id = report.ingest_file_id
    p = Path(report.path)
    table, norm = _RAW_TABLE, "_kh_norm"  # temporary, per connection, dropped at the end
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    source = report.source
    with store.transaction():
        with loader.memory_limit(store, memory_limit):
            load = _load(store, loader, plan, table, read_path)
            sql = _plan_normalize_sql(store, plan, source, getattr(load, "raw_text", None))
            with loader.watch_progress(store, on_progress):
                loader.create_table_as(store, norm,
                                       q.normalized(sql, q.filter_case(since, countries)))
            loader.finish_load(store, load, norm)
            if plan.kind == "records" and plan.rejects:
                load.rejects = pd.DataFrame(plan.rejects, columns=["row_number", "field", "reason",
                                                                   "raw"])
            if plan.split_fields and lines is not None and lines.lines and \
                    not lines.ends_with_newline:
                _quarantine_cut_last_line(store, load, norm, report)
            _write(store, loader, report, load, norm, file_id, p, plan, lines, read_path)
            finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            store.execute(q.insert_ingest_file(),
                          [file_id, str(p), source, plan.source_version, report.rows_read,
                           report.rows_stored, report.rows_quarantined, report.rows_filtered,
                           started, finished, connector(source).synthetic, report.content_sha256,
                           report.filters, report.rows_replaced, report.rows_superseded,
                           report.rows_withdrawn, " | ".join(report.supersedes)])
            store.drop_temp(norm)
            loader.drop_raw(store, load)
        if kb is not None:
            report.attribution = attribute_if_available(store, kb, [file_id])[0]


def _quarantine_cut_last_line(store: Store, load: Any, norm: str, report: IngestReport
                              ) -> None:
    """A line file (GDELT) whose last line has no line end was cut inside that line (a
    truncated download): quarantine that row instead of storing a cut value."""
    last_rej = int(load.rejects["row_number"].max()) if len(load.rejects) else 0
    last_row = int(store.scalar(q.max_row(norm)) or 0)
    if last_row and last_row > last_rej:
        store.execute(q.quarantine_last_row(norm, _loader(store).raw_rows_sql(load)),
                      ["truncated file: the last line has no line end (cut inside it)",
                       "_record"])
        report.notes.append("the file ends inside its last line: that row quarantined")


def _write(store: Store, loader: Any, report: IngestReport, load: Any, norm: str,
           file_id: str, path: Path, plan: _common.ReadPlan | None = None,
           lines: _common.LineScan | None = None, read_path: Path | None = None) -> None:
    """Write events, quarantine and filtered counts for one file (inside the transaction)
    and check the accounting: every record read is stored, quarantined or filtered,
    ``rows_read`` is the reader's own record count (for line files, the file's line
    count), and a non-empty file that yields no rows is an error."""
    cols = [c for c in EVENT_COLUMNS if c != "ingest_file_id"]
    _write_current(store, loader, report, norm, cols)
    if store.scalar(q.count_quarantined(norm)):
        store.execute(q.insert_quarantine(norm), [file_id, str(path)])
    rejects = load.rejects
    if len(rejects):
        rej = rejects.assign(ingest_file_id=file_id, file=str(path))[
            list(q.QUARANTINE_FIELDS)]
        rej["field"] = rej["field"].fillna("_record")
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
    accounted = load.rows + len(rejects)
    records = getattr(load, "records", None)
    if lines is not None and plan is not None and plan.split_fields:
        records = lines.lines  # one record per line: the file's own count
    report.rows_read = accounted if records is None else int(records)
    report.rows_stored = stored
    report.rows_quarantined = quarantined + len(rejects)
    report.rows_filtered = filtered
    report.reasons = dict(sorted(reasons.items()))
    report.filtered = dict(sorted(fcounts.items()))
    total = report.rows_stored + report.rows_quarantined + report.rows_filtered
    if report.rows_read != total or accounted != total:
        raise IngestError(f"{path}: row accounting failed ({report.rows_read} records read, "
                          f"{accounted} loaded != {report.rows_stored} stored + "
                          f"{report.rows_quarantined} quarantined + {report.rows_filtered} "
                          "filtered); nothing was written")
    if report.rows_read == 0 and plan is not None and read_path is not None and \
            _common.has_body(read_path, plan):
        raise IngestError(f"{path}: the file has content after its header but no row "
                          "could be read (is it the dataset's own export?); nothing was "
                          "written")


def _write_current(store: Store, loader: Any, report: IngestReport, norm: str,
                   cols: list[str]) -> None:
    """Store the file's valid rows under the identity rule (module docstring): replace
    older versions (to history, attributions deleted), keep outdated and duplicate rows
    in history, and withdraw what a full release no longer carries."""
    file_id = report.ingest_file_id
    repeated, stored = (int(x or 0) for x in store.rows(q.identity_clashes(norm))[0])
    if not repeated and not stored:
        # every row is a new event: what the staging below would decide, without it
        store.execute(q.insert_events(norm, cols), [file_id])
        report.rows_replaced = report.rows_superseded = 0
        report.supersedes = []
        return
    new, cur = "_kh_new", "_kh_cur"
    loader.create_table_as(store, new, q.stage_new(norm, cols))
    wins: list[str] = []
    losers: list[str] = []
    full_release_of: list[str] = []
    for fid, version, live, overlap, _carried in store.rows(q.colliding_files(new)):
        if fid == file_id:
            continue
        if version_wins(report.source_version, version):
            wins.append(str(fid))
            if not report.filters and live and overlap >= FULL_RELEASE_SHARE * live:
                full_release_of.append(str(fid))
        else:
            losers.append(str(fid))
    loader.create_table_as(store, cur, q.stage_verdicts(new, losers))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    store.execute(q.history_of_replaced(cur, list(EVENT_COLUMNS)),
                  [file_id, now])
    store.delete("attributions", q.replaced_where(cur))
    store.delete("events", q.replaced_where(cur))
    store.execute(q.insert_current(cur, cols), [file_id])
    store.execute(q.history_of_lost(cur, cols), [file_id, file_id, now])
    replaced, superseded = (int(x) for x in store.rows(q.identity_counts(cur))[0])
    report.rows_replaced, report.rows_superseded = replaced, superseded
    report.supersedes = sorted(wins)
    if full_release_of:
        where = q.withdrawable_where(full_release_of)
        report.rows_withdrawn = int(store.scalar(q.count_where("events", where)) or 0)
        if report.rows_withdrawn:
            store.execute(q.withdraw(where), [file_id])
    if replaced or superseded or report.rows_withdrawn:
        report.notes.append(
            f"{replaced} events replaced an earlier version, {superseded} rows kept only in "
            f"history (older version or repeated id), {report.rows_withdrawn} earlier events "
            "withdrawn")
    store.drop_temp(cur)
    store.drop_temp(new)


def ingest_paths(store: Store, source: str, paths: Iterable[str | Path], *,
                 source_version: str | None = None, since: dt.date | None = None,
                 countries: Sequence[str] | None = None,
                 on_file: Callable[[int, Path], None] | None = None,
                 on_progress: Callable[[float], None] | None = None,
                 memory_limit: str | None = DEFAULT_MEMORY_LIMIT,
                 kb: Any = None) -> list[IngestReport]:
    """Ingest several files of one source into ``store``, one transaction each (with
    ``kb``, each file is attributed inside its own transaction: :func:`ingest_file`).

    Every file is sniffed first, so a wrong file refuses the whole batch before any is
    written. ``on_file(i, path)`` is called before file ``i`` and ``on_progress(percent)``
    during each file's scan (for progress bars).
    """
    plist = [Path(p) for p in paths]
    conn = connector(source)
    for p in plist:
        check_input_file(p)
        conn.read_plan(p, source_version)
    reports = []
    for i, p in enumerate(plist):
        if on_file is not None:
            on_file(i, p)
        reports.append(ingest_file(store, source, p, source_version=source_version,
                                   since=since, countries=countries, on_progress=on_progress,
                                   memory_limit=memory_limit, kb=kb))
    return reports


def summary_frame(reports: Sequence[IngestReport]) -> pd.DataFrame:
    """One row per file: rows read / stored / quarantined / filtered, the stored rows
    that replaced an earlier version (``replaced``) or went only to history
    (``history_only``), earlier events withdrawn, and the reasons."""
    rows = []
    for r in reports:
        rows.append({
            "file": Path(r.path).name, "source": r.source, "version": r.source_version,
            "read": r.rows_read, "stored": r.rows_stored, "quarantined": r.rows_quarantined,
            "filtered": r.rows_filtered, "replaced": r.rows_replaced,
            "history_only": r.rows_superseded, "withdrawn": r.rows_withdrawn,
            "reasons": "; ".join(f"{k}: {v}" for k, v in {**r.reasons, **r.filtered}.items()),
            "status": "skipped (already ingested)" if r.skipped else "ingested",
        })
    return pd.DataFrame(rows)


def attribution_frame(reports: Sequence[IngestReport]) -> pd.DataFrame:
    """One row per file attributed in its own ingest transaction: events, attributed
    events, attribution rows (more than the attributed events where one event is
    credited to several entities: joint or ambiguous labels) and unresolved actors;
    ``attrs["kb_versions"]`` the KB versions used."""
    done = [r for r in reports if r.attribution is not None]
    out = pd.DataFrame([{"file": Path(r.path).name, "events": r.attribution.events,
                         "attributed": r.attribution.attributed_events,
                         "rows": r.attribution.rows,
                         "unresolved_actors": r.attribution.unresolved_actors}
                        for r in done if r.attribution is not None])
    out.attrs["kb_versions"] = sorted({r.attribution.kb_version for r in done
                                       if r.attribution is not None})
    return out


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
