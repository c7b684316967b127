"""Ingest event files into the store: one transaction per file, every row accounted for.

For each file: the connector sniffs it (a file of another dataset is refused before
anything is written), the store's engine loads it into a raw all-VARCHAR table, the
connector's engine-neutral ``normalize`` (Ibis) types and validates every field, and
stored rows, quarantined rows (file, row, field, reason, raw text), per-reason filtered
counts and one ``ingest_files`` row are written inside one transaction. A file whose
sha256 is already in ``ingest_files`` is skipped (nothing changes).

Invariant, per file: ``rows_read = rows_stored + rows_quarantined + rows_filtered``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import ibis
import pandas as pd

from kharita.errors import IngestError
from kharita.events.schema import EVENT_COLUMNS
from kharita.events.sources import _common, acled, gdelt, gtd, ucdp
from kharita.store import duckdb as store

#: Source name -> connector module. ``synthetic`` files are GED-format files written by
#: :mod:`kharita.events.sources.synthetic`; their events carry ``synthetic = true``.
CONNECTORS: dict[str, ModuleType] = {
    "ucdp": ucdp, "acled": acled, "gtd": gtd, "gdelt": gdelt, "synthetic": ucdp,
}


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


def connector(source: str) -> ModuleType:
    """The connector module for a source name."""
    try:
        return CONNECTORS[source]
    except KeyError:
        raise IngestError(f"unknown source {source!r}; expected one of "
                          f"{', '.join(sorted(CONNECTORS))}") from None


def _extract_zip(path: Path, tmp: Path) -> Path:
    with zipfile.ZipFile(path) as zf:
        member = _common.zip_data_members(zf)[0]
        target = tmp / Path(member.filename).name
        with zf.open(member) as src, open(target, "wb") as dst:
            while block := src.read(1 <<20):
                dst.write(block)
    return target


def _load(con: Any, plan: _common.ReadPlan, table: str, path: Path) -> store.RawLoad:
    if plan.kind == "records":
        assert plan.batches is not None and plan.schema is not None
        return store.load_records(con, plan.batches(), table=table, schema=plan.schema)
    return store.load_delimited(
        con, path, table=table, columns=plan.columns, delim=plan.delim, quote=plan.quote,
        header=plan.header, encoding=plan.encoding, drop_rows=plan.drop_rows,
        split_tab_fields=plan.split_fields if plan.kind == "lines" else 0)


def already_ingested(con: Any, file_id: str) -> dict[str, Any] | None:
    """The ``ingest_files`` row of a content hash, or None."""
    df = con.execute("SELECT * FROM ingest_files WHERE ingest_file_id = ?", [file_id]).df()
    return None if df.empty else df.iloc[0].to_dict()


def ingest_file(con: Any, source: str, path: str | Path, *, source_version: str | None = None,
                since: dt.date | None = None, countries: Sequence[str] | None = None,
                on_progress: Callable[[float], None] | None = None,
                memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> IngestReport:
    """Ingest one file into the store open on ``con`` (a DuckDB connection).

    Parameters
    ----------
    con : the store connection (:func:`kharita.store.duckdb.connect`).
    source : ``ucdp``, ``acled``, ``gtd``, ``gdelt`` or ``synthetic``.
    path : the file (``.csv``, ``.gz``, ``.zip``; GTD also ``.xlsx``; ACLED also ``.json``).
    source_version : overrides the version detected from the file name.
    since, countries : optional filters; rows before ``since`` or outside ``countries``
        (ISO3) are counted in ``filtered`` (reasons ``before-since``, ``country``).
    on_progress : called with the percentage of the file's scan done (for progress bars).
    memory_limit : DuckDB memory limit while ingesting (larger intermediate tables spill
        to the store's temporary directory); None keeps the connection's setting.

    Returns
    -------
    IngestReport, with ``skipped=True`` if a file with the same sha256 was ingested before.

    Raises
    ------
    WrongSourceError : the file is another dataset's (nothing written).
    IngestError : the file cannot be read at all (nothing written).
    """
    t0 = time.perf_counter()
    mod = connector(source)
    p = Path(path)
    if not p.is_file():
        raise IngestError(f"{p}: no such file")
    plan = mod.sniff(p, source=source, source_version=source_version)
    file_id = sha256_file(p)
    report = IngestReport(path=str(p.resolve()), source=source,
                          source_version=plan.source_version, ingest_file_id=file_id,
                          notes=list(plan.notes))
    prev = already_ingested(con, file_id)
    if prev is not None:
        report.skipped = True
        report.notes.append(f"already ingested (same sha256) from {prev['path']} at "
                            f"{prev['finished_at']}; nothing changed")
        for k in ("rows_read", "rows_stored", "rows_quarantined", "rows_filtered"):
            setattr(report, k, int(prev[k]))
        report.seconds = time.perf_counter() - t0
        return report
    with tempfile.TemporaryDirectory(prefix="kharita-ingest-") as tmp:
        read_path = _extract_zip(p, Path(tmp)) if p.suffix.lower() == ".zip" else p
        with store.memory_limit(con, memory_limit):
            try:
                _ingest_transaction(con, plan, read_path, report, since, countries,
                                    on_progress)
            except store.ScanError as exc:
                # The transaction was rolled back; read the file with Python's csv instead.
                plan = _common.python_fallback(plan, read_path, str(exc))
                report.notes = list(plan.notes)
                _ingest_transaction(con, plan, read_path, report, since, countries,
                                    on_progress)
    report.seconds = time.perf_counter() - t0
    return report


@lru_cache(maxsize=64)
def normalize_sql(source: str, columns: tuple[str, ...], lines: int,
                  source_version: str | None, table: str) -> str:
    """DuckDB SQL of the connector's Ibis ``normalize`` over a raw table (cached: the
    expression depends only on the source, the file's columns and the version)."""
    raw = _common.ibis_raw(columns, name=table, lines=lines)
    expr = connector(source).normalize(raw, source=source, source_version=source_version,
                                       synthetic=(source == "synthetic"))
    return str(ibis.to_sql(expr, dialect="duckdb"))


def _ingest_transaction(con: Any, plan: _common.ReadPlan, read_path: Path,
                        report: IngestReport, since: dt.date | None,
                        countries: Sequence[str] | None,
                        on_progress: Callable[[float], None] | None = None) -> None:
    """Load, normalise and write one file inside one transaction."""
    file_id = report.ingest_file_id
    p = Path(report.path)
    table, norm = "_kh_raw", "_kh_norm"  # temporary, per connection, dropped at the end
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    source = report.source
    with store.transaction(con):
        load = _load(con, plan, table, read_path)
        sql = normalize_sql(source, tuple(plan.columns), plan.split_fields,
                            plan.source_version, table)
        filt = _filter_case(since, countries)
        with store.watch_progress(con, on_progress):
            store.create_table_as(con, norm, f"SELECT *, CASE WHEN _reason IS NULL THEN "
                                  f"{filt} END AS _filter FROM ({sql})")
        store.finish_load(con, load, norm)
        if plan.kind == "records" and plan.rejects:
            load.rejects = pd.DataFrame(plan.rejects, columns=["row_number", "field", "reason",
                                                               "raw"])
        _write(con, report, load, norm, file_id, p)
        finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        con.execute("INSERT INTO ingest_files (ingest_file_id, path, source, source_version, "
                    "rows_read, rows_stored, rows_quarantined, rows_filtered, started_at, "
                    "finished_at, synthetic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [file_id, str(p), source, plan.source_version, report.rows_read,
                     report.rows_stored, report.rows_quarantined, report.rows_filtered,
                     started, finished, source == "synthetic"])
        con.execute(f"DROP TABLE IF EXISTS {norm}")
        store.drop_raw(con, load)


def _filter_case(since: dt.date | None, countries: Sequence[str] | None) -> str:
    """SQL CASE naming the first filter that excludes a row (NULL when kept)."""
    filters: list[tuple[str, str]] = []
    if since is not None:
        filters.append(("before-since", f"date_start < DATE '{since.isoformat()}'"))
    if countries:
        iso = ", ".join("'" + c.upper().replace("'", "") + "'" for c in countries)
        filters.append(("country", f"coalesce(country_iso3, '') NOT IN ({iso})"))
    if not filters:
        return "CAST(NULL AS VARCHAR)"
    return "CASE " + " ".join(f"WHEN {cond} THEN '{name}'" for name, cond in filters) + " END"


def _write(con: Any, report: IngestReport, load: store.RawLoad, norm: str, file_id: str,
           path: Path) -> None:
    """Write events, quarantine and filtered counts for one file (inside the transaction)."""
    cols = [c for c in EVENT_COLUMNS if c != "ingest_file_id"]
    collist = ", ".join(cols)
    con.execute(f"INSERT INTO events ({collist}, ingest_file_id) SELECT {collist}, ? "
                f"FROM {norm} WHERE _reason IS NULL AND _filter IS NULL", [file_id])
    bad = con.execute(f"SELECT count(*) FROM {norm} WHERE _reason IS NOT NULL").fetchone()
    if bad and bad[0]:
        # The raw text is fetched only for quarantined rows (a second scan of the file).
        con.execute("INSERT INTO quarantine (ingest_file_id, file, row_number, field, reason, "
                    f"raw) SELECT ?, ?, n.ingest_row, n._field, n._reason, r._raw FROM {norm} n "
                    f"LEFT JOIN ({store.raw_rows_sql(load)}) r ON r._row = n.ingest_row "
                    "WHERE n._reason IS NOT NULL", [file_id, str(path)])
    rejects = load.rejects
    if len(rejects):
        rej = rejects.assign(ingest_file_id=file_id, file=str(path))[
            ["ingest_file_id", "file", "row_number", "field", "reason", "raw"]]
        con.execute("SELECT 1").fetchall()  # no pending result before register
        con.register("_kh_rejects", rej)
        try:
            con.execute("INSERT INTO quarantine (ingest_file_id, file, row_number, field, "
                        "reason, raw) SELECT ingest_file_id, file, row_number, field, reason, "
                        "raw FROM _kh_rejects")
        finally:
            con.unregister("_kh_rejects")
    counts = con.execute(
        f"SELECT count(*) FILTER (WHERE _reason IS NULL AND _filter IS NULL), "
        f"count(*) FILTER (WHERE _reason IS NOT NULL), "
        f"count(*) FILTER (WHERE _reason IS NULL AND _filter IS NOT NULL) FROM {norm}"
    ).fetchone()
    assert counts is not None
    stored, quarantined, filtered = (int(x) for x in counts)
    reasons = dict(con.execute(f"SELECT _reason, count(*) FROM {norm} WHERE _reason IS NOT NULL "
                               "GROUP BY 1").fetchall())
    for r in rejects["reason"] if len(rejects) else []:
        key = str(r).split(":", 1)[0]
        reasons[key] = reasons.get(key, 0) + 1
    fcounts = dict(con.execute(f"SELECT _filter, count(*) FROM {norm} WHERE _filter IS NOT NULL "
                               "GROUP BY 1").fetchall())
    for reason, n in fcounts.items():
        con.execute("INSERT INTO filtered (ingest_file_id, reason, rows) VALUES (?, ?, ?)",
                    [file_id, reason, int(n)])
    report.rows_read = load.rows + len(rejects)
    report.rows_stored = stored
    report.rows_quarantined = quarantined + len(rejects)
    report.rows_filtered = filtered
    report.reasons = {str(k): int(v) for k, v in sorted(reasons.items())}
    report.filtered = {str(k): int(v) for k, v in sorted(fcounts.items())}
    if report.rows_read != report.rows_stored + report.rows_quarantined + report.rows_filtered:
        raise IngestError(f"{path}: row accounting failed ({report.rows_read} read != "
                          f"{report.rows_stored} + {report.rows_quarantined} + "
                          f"{report.rows_filtered}); nothing was written")


def ingest_paths(con: Any, source: str, paths: Iterable[str | Path], *,
                 source_version: str | None = None, since: dt.date | None = None,
                 countries: Sequence[str] | None = None,
                 on_file: Callable[[int, Path], None] | None = None,
                 on_progress: Callable[[float], None] | None = None) -> list[IngestReport]:
    """Ingest several files of one source, one transaction each.

    Every file is sniffed first, so a wrong file refuses the whole batch before any is
    written. ``on_file(i, path)`` is called before file ``i`` and ``on_progress(percent)``
    during each file's scan (for progress bars).
    """
    plist = [Path(p) for p in paths]
    mod = connector(source)
    for p in plist:
        if not p.is_file():
            raise IngestError(f"{p}: no such file")
        mod.sniff(p, source=source, source_version=source_version)
    reports = []
    for i, p in enumerate(plist):
        if on_file is not None:
            on_file(i, p)
        reports.append(ingest_file(con, source, p, source_version=source_version,
                                   since=since, countries=countries, on_progress=on_progress))
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


def quarantine_frame(con: Any, *, file: str | None = None, limit: int | None = None
                     ) -> pd.DataFrame:
    """Quarantined rows (file, row, field, reason, raw), optionally for one file (path or
    name suffix)."""
    sql = "SELECT file, row_number AS row, field, reason, raw FROM quarantine"
    params: list[Any] = []
    if file:
        sql += " WHERE file = ? OR file LIKE ?"
        params += [file, "%" + file]
    sql += " ORDER BY file, row_number"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return con.execute(sql, params).df()


def attribute_if_available(con: Any, kb: Any, ingest_file_ids: Sequence[str] | None = None
                           ) -> list[Any] | None:
    """Attribute the events of the given ingested files (all events when None) with
    ``kharita.events.attribute.attribute_store`` when that module exists; else None."""
    try:
        from kharita.events import attribute
    except ImportError:
        return None
    fn = getattr(attribute, "attribute_store", None)
    if fn is None:
        return None
    if ingest_file_ids is None:
        return [fn(con, kb)]
    return [fn(con, kb, ingest_file_id=fid) for fid in ingest_file_ids]
