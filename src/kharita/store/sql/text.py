"""SQL of the text store (see :mod:`kharita.text.store`): its tables, one document's
rows, and the claims listings."""

from __future__ import annotations

from collections.abc import Sequence

from kharita.store.sql.common import ident


def create_table(table: str, columns: dict[str, str]) -> str:
    """``CREATE TABLE IF NOT EXISTS`` with quoted column names (``end`` is a keyword)."""
    cols = ", ".join(f"{ident(name)} {typ}" for name, typ in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {ident(table)} ({cols})"


def document_exists() -> str:
    """1 when a document is stored (``?`` = doc_id)."""
    return "SELECT count(*) FROM text_documents WHERE doc_id = ?"


def insert_row(table: str, columns: Sequence[str]) -> str:
    """One row of ``table`` (``?`` per column, in order)."""
    cols = ", ".join(ident(c) for c in columns)
    return (f"INSERT INTO {ident(table)} ({cols}) "
            f"VALUES ({', '.join('?' for _ in columns)})")


def insert_from(table: str, view: str, columns: Sequence[str]) -> str:
    """Append every row of a registered view to ``table``."""
    cols = ", ".join(ident(c) for c in columns)
    return f"INSERT INTO {ident(table)} ({cols}) SELECT {cols} FROM {ident(view)}"


def list_claims(*, new_only: bool = False) -> str:
    """Stored claims with their document's path and publication date; ``new_only``
    keeps those the KB does not hold."""
    where = "WHERE c.comparison = 'new'" if new_only else ""
    return ("SELECT c.claim_id, c.kind, c.subject, c.property, c.qualifier, c.value, c.low,"
            " c.high, c.unit, c.source_text, c.source_name, c.source_date, c.comparison,"
            " c.kb_claims, c.figure_text, c.sentence_start, c.sentence_end, d.path,"
            " d.published"
            f" FROM text_claims c JOIN text_documents d USING (doc_id) {where}"
            " ORDER BY d.path, c.sentence_start, c.claim_id")


def claims_by_id(n: int) -> str:
    """The claims with ``n`` ids (``?`` each), joined with their documents."""
    marks = ", ".join("?" for _ in range(max(n, 1)))
    return ("SELECT c.*, d.path, d.published, d.title, d.sha256 FROM text_claims c"
            f" JOIN text_documents d USING (doc_id) WHERE c.claim_id IN ({marks})")
