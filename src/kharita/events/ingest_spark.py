"""Ingest and attribution on a Spark store (:class:`~kharita.store.spark.SparkStore`).

The same steps and guarantees as the DuckDB ingest (:mod:`kharita.events.ingest`):
the connector sniffs the file (a file of another dataset is refused before anything
is written), a file whose sha256 is already in ``ingest_files`` is skipped, Spark
loads the file into a raw all-string view (records with the wrong number of fields or
undecodable bytes are rejected with their record number and text), the connector's
engine-neutral ``normalize`` (the same Ibis expression as on DuckDB) types and
validates every field, and events, quarantined rows, per-reason filtered counts and
one ``ingest_files`` row are written in one transaction (nothing is visible until it
commits; see :class:`~kharita.store.spark.SparkStore`).

Invariant, per file: ``rows_read = rows_stored + rows_quarantined + rows_filtered``.

:func:`attribute_spark` runs the attribution pipeline
(:func:`kharita.events.pipeline.attribute_expr`) on the store and replaces the
``attributions`` table (or one file's rows) in one transaction.

No SQL here: everything is an Ibis expression or a store call.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from kharita.errors import IngestError
from kharita.events import pipeline
from kharita.events.attribute import AttributionReport, store_register
from kharita.events.ingest import IngestReport, sha256_file
from kharita.events.schema import EVENT_COLUMNS
from kharita.events.sources import _common, registry
from kharita.events.sources._common import Connector
from kharita.kb.knowledge import KnowledgeBase
from kharita.store import spark as sp


def connector(source: str) -> Connector:
    """The registered connector of a source name (:func:`registry.get`)."""
    return registry.get(source)


def _previous(store: sp.SparkStore, file_id: str) -> dict[str, Any] | None:
    t = store.table("ingest_files")
    df = t.filter(t.ingest_file_id == file_id).limit(1).to_pandas()
    return None if df.empty else df.iloc[0].to_dict()


def _extract_zip(path: Path, tmp: Path) -> Path:
    with zipfile.ZipFile(path) as zf:
        member = _common.zip_data_members(zf)[0]
        target = tmp / Path(member.filename).name
        with zf.open(member) as src, open(target, "wb") as dst:
            while block := src.read(1 << 20):
                dst.write(block)
    return target


def ingest_file_spark(store: sp.SparkStore, source: str, path: str | Path, *,
                      source_version: str | None = None, since: dt.date | None = None,
                      countries: Sequence[str] | None = None,
                      on_progress: Callable[[float], None] | None = None,
                      multiline: bool = True) -> IngestReport:
    """Ingest one file into a Spark store (see the module docstring).

    Parameters are those of :func:`kharita.events.ingest.ingest_file`; ``multiline``
    (default True) lets quoted fields span lines, which makes Spark read each file
    in one task: pass False for large files without line breaks in fields.

    Returns
    -------
    IngestReport, with ``skipped=True`` if a file with the same sha256 was ingested.

    Raises
    ------
    WrongSourceError : the file is another dataset's (nothing written).
    IngestError : the file cannot be read at all, or the row accounting failed
        (nothing written).
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
    prev = _previous(store, file_id)
    if prev is not None:
        report.skipped = True
        report.notes.append(f"already ingested (same sha256) from {prev['path']} at "
                            f"{prev['finished_at']}; nothing changed")
        for k in ("rows_read", "rows_stored", "rows_quarantined", "rows_filtered"):
            setattr(report, k, int(prev[k]))
        report.seconds = time.perf_counter() - t0
        return report
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    raw_view = "_kh_raw"
    with tempfile.TemporaryDirectory(prefix="kharita-ingest-") as tmp:
        read_path = _extract_zip(p, Path(tmp)) if p.suffix.lower() == ".zip" else p
        load = _load(store, plan, read_path, raw_view, multiline)
        try:
            _ingest(store, conn, plan, load, report, since, countries, started)
        finally:
            store.drop_temp(raw_view)
            store.drop_temp("_kh_norm")
    if on_progress is not None:
        on_progress(100.0)
    report.seconds = time.perf_counter() - t0
    return report


def _load(store: sp.SparkStore, plan: _common.ReadPlan, path: Path, view: str,
          multiline: bool) -> sp.SparkRawLoad:
    if plan.kind == "records":
        assert plan.batches is not None and plan.schema is not None
        load = sp.load_raw_records(store, plan.batches(), view=view, schema=plan.schema)
        if plan.rejects:
            load.rejects = pd.DataFrame(plan.rejects,
                                        columns=["row_number", "field", "reason", "raw"])
        return load
    if plan.kind == "lines":
        return sp.load_raw_lines(store, path, view=view, fields=plan.split_fields)
    return sp.load_raw_delimited(store, path, plan.columns, view=view, delim=plan.delim,
                                 quote=plan.quote, header=plan.header,
                                 encoding=plan.encoding, drop_rows=plan.drop_rows,
                                 multiline=multiline)


def filter_expr(t: ir.Table, since: dt.date | None,
                countries: Sequence[str] | None) -> ir.StringValue:
    """The first ingest filter that excludes a row (NULL when kept), as in
    :mod:`kharita.events.ingest`: ``before-since``, then ``country``."""
    cases: list[tuple[Any, str]] = []
    if since is not None:
        cases.append(((t.date_start < since).fill_null(False), "before-since"))
    if countries:
        iso = [c.upper().replace("'", "") for c in countries]
        cases.append((~t.country_iso3.fill_null("").isin(iso), "country"))
    if not cases:
        return ibis.null("string")
    return ibis.cases(*cases, else_=ibis.null("string"))


def _ingest(store: sp.SparkStore, conn: Connector, plan: _common.ReadPlan,
            load: sp.SparkRawLoad, report: IngestReport, since: dt.date | None,
            countries: Sequence[str] | None, started: dt.datetime) -> None:
    source, file_id, path = report.source, report.ingest_file_id, report.path
    raw = store.table(load.view)
    expr = conn.normalized(raw, plan.source_version)
    expr = expr.mutate(_filter=ibis.ifelse(expr._reason.isnull(),
                                           filter_expr(expr, since, countries),
                                           ibis.null("string")))
    norm = store.materialize("_kh_norm", expr)
    reasons_df = norm.group_by(["_reason", "_filter"]).aggregate(n=norm.count()).to_pandas()
    stored = quarantined = filtered = 0
    reasons: dict[str, int] = {}
    fcounts: dict[str, int] = {}
    for reason, filt, count in reasons_df[["_reason", "_filter", "n"]].itertuples(
            index=False, name=None):
        n = int(count)
        if _present(reason):
            quarantined += n
            reasons[str(reason)] = reasons.get(str(reason), 0) + n
        elif _present(filt):
            filtered += n
            fcounts[str(filt)] = fcounts.get(str(filt), 0) + n
        else:
            stored += n
    rejects = load.rejects
    for reason in rejects["reason"] if len(rejects) else []:
        key = str(reason).split(":", 1)[0]
        reasons[key] = reasons.get(key, 0) + 1
    report.rows_read = stored + quarantined + filtered + len(rejects)
    report.rows_stored = stored
    report.rows_quarantined = quarantined + len(rejects)
    report.rows_filtered = filtered
    report.reasons = {k: int(v) for k, v in sorted(reasons.items())}
    report.filtered = {k: int(v) for k, v in sorted(fcounts.items())}

    with store.transaction():
        ok = norm.filter(norm._reason.isnull() & norm._filter.isnull())
        cols = {c: ok[c] for c in EVENT_COLUMNS if c != "ingest_file_id"}
        n_events = store.append_expr("events", ok.select(
            **cols, ingest_file_id=ibis.literal(file_id, "string")))
        bad = norm.filter(norm._reason.notnull())
        if quarantined:
            q = bad.left_join(raw, bad.ingest_row == raw._row).select(
                ingest_file_id=ibis.literal(file_id, "string"),
                file=ibis.literal(path, "string"), row_number=bad.ingest_row,
                field=bad._field, reason=bad._reason, raw=raw._raw)
            store.append_expr("quarantine", q)
        if len(rejects):
            store.append_df("quarantine", store.dataframe(_arrow(rejects.assign(
                ingest_file_id=file_id, file=path))))
        if fcounts:
            store.append_df("filtered", store.dataframe(_arrow(pd.DataFrame(
                {"ingest_file_id": file_id, "reason": list(fcounts),
                 "rows": [int(v) for v in fcounts.values()]}))))
        if n_events != stored or report.rows_read != (report.rows_stored
                                                      + report.rows_quarantined
                                                      + report.rows_filtered):
            raise IngestError(f"{path}: row accounting failed ({report.rows_read} read, "
                              f"{n_events} written != {report.rows_stored} + "
                              f"{report.rows_quarantined} + {report.rows_filtered}); "
                              "nothing was written")
        finished = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        store.append_df("ingest_files", store.dataframe(_arrow(pd.DataFrame([{
            "ingest_file_id": file_id, "path": path, "source": source,
            "source_version": plan.source_version, "rows_read": report.rows_read,
            "rows_stored": report.rows_stored, "rows_quarantined": report.rows_quarantined,
            "rows_filtered": report.rows_filtered, "started_at": started,
            "finished_at": finished, "synthetic": conn.synthetic}]))))


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and v != v) and v is not pd.NA


def _arrow(df: pd.DataFrame) -> Any:
    import pyarrow as pa

    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or str(out[c].dtype) in ("str", "string"):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
    return pa.Table.from_pandas(out, preserve_index=False)


def ingest_paths_spark(store: sp.SparkStore, source: str, paths: Sequence[str | Path], *,
                       source_version: str | None = None, since: dt.date | None = None,
                       countries: Sequence[str] | None = None,
                       on_file: Callable[[int, Path], None] | None = None,
                       on_progress: Callable[[float], None] | None = None
                       ) -> list[IngestReport]:
    """Several files of one source, one transaction each; every file is sniffed first,
    so a wrong file refuses the whole batch before any is written."""
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
        reports.append(ingest_file_spark(store, source, p, source_version=source_version,
                                         since=since, countries=countries,
                                         on_progress=on_progress))
    return reports


# --------------------------------------------------------------------------------------
# Attribution
# --------------------------------------------------------------------------------------


def attribute_spark(store: sp.SparkStore, kb: KnowledgeBase, *,
                    ingest_file_id: str | None = None) -> AttributionReport:
    """Attribute the store's events to KB entities on Spark, replacing earlier
    attributions (all, or those of one ingested file's events) in one transaction.

    The same pipeline as :func:`kharita.events.attribute.attribute_store`: lookup
    tables from the KB, :func:`kharita.events.pipeline.attribute_expr`; the result is
    identical row for row (``tests/test_engine_parity.py``).
    """
    t0 = time.perf_counter()
    events = store.table("events")
    if ingest_file_id is not None:
        events = events.filter(events.ingest_file_id == ingest_file_id)
    lk = pipeline.register_lookups(store_register(store), kb, events)
    new = store.materialize("_kh_attributions", pipeline.attribute_expr(events, lk))
    cols = ["event_id", "entity_id", "side", "confidence", "rule", "detail", "kb_version"]
    with store.transaction():
        if ingest_file_id is None:
            store.overwrite("attributions", new.select(*cols))
        else:
            old = store.table("attributions")
            keep = old.anti_join(events.select("event_id"), "event_id")
            kept = store.materialize("_kh_att_kept", keep.select(*cols))
            store.overwrite("attributions", kept.union(new.select(*cols)))
    store.drop_temp("_kh_att_kept")
    att = store.table("attributions")
    if ingest_file_id is not None:
        att = att.semi_join(events.select("event_id"), "event_id")
    n_events = int(events.count().to_pandas())
    totals = att.aggregate(rows=att.count(), events=att.event_id.nunique()).to_pandas()
    by_rule = (att.group_by("rule").aggregate(n=att.count())
               .order_by([ibis.desc("n"), "rule"]).to_pandas())
    by_entity = (att.group_by("entity_id")
                 .aggregate(n_events=att.event_id.nunique(),
                            mean_confidence=att.confidence.mean().round(3))
                 .order_by([ibis.desc("n_events"), "entity_id"]).to_pandas())
    store.drop_temp("_kh_attributions")
    return AttributionReport(kb.version, n_events, int(totals.events.iloc[0]),
                             int(totals.rows.iloc[0]), int(lk.unresolved_actors),
                             time.perf_counter() - t0, by_rule, by_entity)
