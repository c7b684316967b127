"""Documents, mentions and claims read from text, in the DuckDB store.

Tables (created with ``CREATE TABLE IF NOT EXISTS`` by :func:`create_text_schema`):

``text_documents``
    one row per distinct file content: ``doc_id`` (= sha256 of the bytes), path,
    language, publication date, title (the first non-empty line, as written),
    length, KB version, time read.
``text_mentions``
    one row per mention and per event reference (``kind`` = entity, place, date,
    figure, event), with ``start``/``end`` offsets into the document and the exact
    ``surface`` string, the ``rule`` that found it and its attributes as JSON.
``text_claims``
    one row per claim, with the sentence and source offsets, value/low/high, unit,
    qualifier, cited source and the comparison with the KB.

A document is written in one transaction. Reading a file whose content is
already stored changes nothing (the sha256 is the key).

The connection is a :func:`kharita.store.duckdb.connect` connection; this module
only sends SQL through it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pandas as pd
import pyarrow as pa

from kharita.store.duckdb import transaction
from kharita.text.read import ReadResult

TEXT_TABLES: dict[str, dict[str, str]] = {
    "text_documents": {
        "doc_id": "VARCHAR PRIMARY KEY", "path": "VARCHAR", "sha256": "VARCHAR",
        "language": "VARCHAR", "published": "VARCHAR", "published_rule": "VARCHAR",
        "title": "VARCHAR", "n_chars": "INTEGER", "kb_version": "VARCHAR",
        "read_at": "TIMESTAMP",
    },
    "text_mentions": {
        "doc_id": "VARCHAR", "mention_no": "INTEGER", "kind": "VARCHAR", "key": "VARCHAR",
        "start": "INTEGER", "end": "INTEGER", "surface": "VARCHAR", "sentence": "INTEGER",
        "rule": "VARCHAR", "attrs": "VARCHAR",
    },
    "text_claims": {
        "claim_id": "VARCHAR PRIMARY KEY", "doc_id": "VARCHAR", "kind": "VARCHAR",
        "subject": "VARCHAR", "subject_rule": "VARCHAR", "property": "VARCHAR",
        "value": "DOUBLE", "low": "DOUBLE", "high": "DOUBLE", "unit": "VARCHAR",
        "qualifier": "VARCHAR", "figure_start": "INTEGER", "figure_end": "INTEGER",
        "figure_text": "VARCHAR", "cue": "VARCHAR", "source_text": "VARCHAR",
        "source_start": "INTEGER", "source_end": "INTEGER", "source_name": "VARCHAR",
        "source_date": "VARCHAR", "sentence_start": "INTEGER", "sentence_end": "INTEGER",
        "sentence": "VARCHAR", "entities": "VARCHAR", "comparison": "VARCHAR",
        "kb_claims": "VARCHAR",
    },
}


def create_text_schema(con: Any) -> None:
    """Create the text tables if they do not exist (idempotent)."""
    for table, columns in TEXT_TABLES.items():
        cols = ", ".join(f'"{name}" {typ}' for name, typ in columns.items())
        con.execute(f"CREATE TABLE IF NOT EXISTS {table} ({cols})")


def claim_id(doc_id: str, n: int) -> str:
    """Stable id of the ``n``-th claim of a document: ``<first 10 hex of sha256>-<n>``."""
    return f"{doc_id[:10]}-{n}"


def _title(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def store_document(con: Any, result: ReadResult, *, path: str, sha256: str) -> bool:
    """Write one read document; return False (and write nothing) if it is already stored."""
    create_text_schema(con)
    if con.execute("SELECT 1 FROM text_documents WHERE doc_id = ?", [sha256]).fetchone():
        return False
    with transaction(con):
        con.execute(
            "INSERT INTO text_documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sha256, path, sha256, result.language, result.published, result.published_rule,
             _title(result.text), len(result.text), result.kb_version,
             dt.datetime.now(dt.UTC).replace(tzinfo=None)])
        rows = []
        for i, m in enumerate(result.mentions):
            rows.append([sha256, i, m.kind, m.key, m.start, m.end, m.text, m.sentence, m.rule,
                         json.dumps(m.attrs, ensure_ascii=False, default=str)])
        n = len(rows)
        for j, e in enumerate(result.events):
            attrs = {k: v for k, v in dataclasses.asdict(e).items()
                     if k not in ("start", "end", "text", "rule", "entity_id")}
            rows.append([sha256, n + j, "event", e.entity_id or "candidate", e.start, e.end,
                         e.text, -1, e.rule, json.dumps(attrs, ensure_ascii=False, default=str)])
        if rows:
            _insert(con, "text_mentions", rows)
        crow = []
        for k, c in enumerate(result.claims, start=1):
            crow.append([
                claim_id(sha256, k), sha256, c.kind, c.subject, c.subject_rule, c.property,
                c.value, c.low, c.high, c.unit, c.qualifier, c.figure_start, c.figure_end,
                c.figure_text, c.cue, c.source_text, c.source_start, c.source_end,
                c.source_name, c.source_date, c.sentence_start, c.sentence_end, c.sentence,
                json.dumps(c.entities, ensure_ascii=False),
                c.comparison, json.dumps(c.kb_claims, ensure_ascii=False)])
        if crow:
            _insert(con, "text_claims", crow)
    return True


def _insert(con: Any, table: str, rows: list[list[Any]]) -> None:
    """Bulk insert through a registered Arrow table (row-by-row executemany is slow)."""
    columns = list(TEXT_TABLES[table])
    data = pa.table({c: list(v) for c, v in zip(columns, zip(*rows, strict=True), strict=True)})
    view = f"_kharita_new_{table}"
    con.register(view, data)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM {view}")
    finally:
        con.unregister(view)


def list_claims(con: Any, *, new_only: bool = False) -> pd.DataFrame:
    """Stored claims with their document's path and publication date."""
    create_text_schema(con)
    where = "WHERE c.comparison = 'new'" if new_only else ""
    return con.execute(
        "SELECT c.claim_id, c.kind, c.subject, c.property, c.qualifier, c.value, c.low, c.high,"
        " c.unit, c.source_text, c.source_name, c.source_date, c.comparison, c.kb_claims,"
        " c.figure_text, c.sentence_start, c.sentence_end, d.path, d.published"
        f" FROM text_claims c JOIN text_documents d USING (doc_id) {where}"
        " ORDER BY d.path, c.sentence_start, c.claim_id").df()


def get_claims(con: Any, ids: list[str]) -> pd.DataFrame:
    """The claims with these ids, joined with their documents; raises on unknown ids."""
    create_text_schema(con)
    df = con.execute(
        "SELECT c.*, d.path, d.published, d.title, d.sha256 FROM text_claims c"
        " JOIN text_documents d USING (doc_id) WHERE list_contains(?, c.claim_id)",
        [list(ids)]).df()
    missing = sorted(set(ids) - set(df["claim_id"]))
    if missing:
        raise KeyError(f"no stored claim with id {', '.join(missing)} "
                       "(list them with `kharita claims`)")
    return df
