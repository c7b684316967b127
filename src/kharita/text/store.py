"""Documents, mentions and claims read from text, in the DuckDB store.

Tables (created when missing by :func:`create_text_schema`):

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

Every function takes a :class:`kharita.store.base.Store`; the queries are the
builders of :mod:`kharita.store.sql.text`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pandas as pd
import pyarrow as pa

from kharita.errors import NotFound
from kharita.store.base import Store
from kharita.store.sql import text as q
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


def create_text_schema(store: Store) -> None:
    """Create the text tables if they do not exist (idempotent; a read-only store is
    left as it is)."""
    if store.read_only:
        return
    for table, columns in TEXT_TABLES.items():
        store.execute(q.create_table(table, columns))


def claim_id(doc_id: str, n: int) -> str:
    """Stable id of the ``n``-th claim of a document: ``<first 10 hex of sha256>-<n>``."""
    return f"{doc_id[:10]}-{n}"


def _title(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return None


def store_document(store: Store, result: ReadResult, *, path: str, sha256: str) -> bool:
    """Write one read document; return False (and write nothing) if it is already stored."""
    create_text_schema(store)
    if store.scalar(q.document_exists(), [sha256]):
        return False
    with store.transaction():
        store.execute(
            q.insert_row("text_documents", list(TEXT_TABLES["text_documents"])),
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
            _insert(store, "text_mentions", rows)
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
            _insert(store, "text_claims", crow)
    return True


def _insert(store: Store, table: str, rows: list[list[Any]]) -> None:
    """Bulk insert through a registered Arrow table (row-by-row inserts are slow)."""
    columns = list(TEXT_TABLES[table])
    data = pa.table({c: list(v) for c, v in zip(columns, zip(*rows, strict=True), strict=True)})
    view = f"_kharita_new_{table}"
    store.register(view, data)
    store.execute(q.insert_from(table, view, columns))


def _has_text_tables(store: Store) -> bool:
    create_text_schema(store)
    return all(store.has_table(t) for t in TEXT_TABLES)


def list_claims(store: Store, *, new_only: bool = False) -> pd.DataFrame:
    """Stored claims with their document's path and publication date (an empty frame
    for a store no text was read into)."""
    if not _has_text_tables(store):
        return pd.DataFrame(columns=["claim_id", "kind", "subject", "property", "qualifier",
                                     "value", "low", "high", "unit", "source_text",
                                     "source_name", "source_date", "comparison", "kb_claims",
                                     "figure_text", "sentence_start", "sentence_end", "path",
                                     "published"])
    return store.sql(q.list_claims(new_only=new_only))


def get_claims(store: Store, ids: list[str]) -> pd.DataFrame:
    """The claims with these ids, joined with their documents.

    Raises
    ------
    NotFound
        Naming every id that is not stored.
    """
    ids = list(ids)
    if _has_text_tables(store) and ids:
        df = store.sql(q.claims_by_id(len(ids)), ids)
    else:
        df = pd.DataFrame({"claim_id": pd.Series([], dtype=object)})
    missing = sorted(set(ids) - set(df["claim_id"]))
    if missing:
        raise NotFound(f"no stored claim with id {', '.join(missing)} "
                       "(list them with `kharita claims`)")
    return df
