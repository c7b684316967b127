"""SQL of ingest (see :mod:`kharita.events.ingest`): the normalised table's verdicts, the
rows written per file, and the quarantine listing.

``norm`` names the temporary table of one file's normalised rows (the connector's
``normalize`` plus ``_filter``); ``?`` placeholders take the file id and path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from kharita.store.sql.common import date_lit, ident, in_list

#: Columns of ``ingest_files`` written once per file, in the order of
#: :func:`insert_ingest_file`'s parameters.
INGEST_FILE_FIELDS: tuple[str, ...] = (
    "ingest_file_id", "path", "source", "source_version", "rows_read", "rows_stored",
    "rows_quarantined", "rows_filtered", "started_at", "finished_at", "synthetic",
    "content_sha256", "filters", "rows_replaced", "rows_superseded", "rows_withdrawn",
    "supersedes")
#: Columns of ``quarantine`` (the order of a rejects frame registered for
#: :func:`insert_rejects`).
QUARANTINE_FIELDS: tuple[str, ...] = ("ingest_file_id", "file", "row_number", "field",
                                      "reason", "raw")


def ingest_file_row() -> str:
    """The ``ingest_files`` row of a content hash (``?`` = the sha256)."""
    return "SELECT * FROM ingest_files WHERE ingest_file_id = ?"


def unfiltered_ingest_of_content() -> str:
    """The ``ingest_files`` row of an unfiltered ingest of the same bytes (``?`` = the
    bytes' sha256): a filtered ingest of that content would add nothing."""
    return ("SELECT * FROM ingest_files WHERE content_sha256 = ? "
            "AND coalesce(filters, '') = '' LIMIT 1")


def filter_case(since: dt.date | None, countries: Sequence[str] | None) -> str:
    """A CASE naming the first filter that leaves a row out (NULL when kept):
    ``before-since`` (``date_start < since``), ``country`` (ISO3 not in ``countries``).

    >>> filter_case(None, None)
    'CAST(NULL AS VARCHAR)'
    >>> filter_case(dt.date(2020, 1, 1), ["nga"])
    "CASE WHEN date_start < DATE '2020-01-01' THEN 'before-since' WHEN coalesce(country_iso3, '') NOT IN ('NGA') THEN 'country' END"
    """  # noqa: E501
    filters: list[tuple[str, str]] = []
    if since is not None:
        filters.append(("before-since", f"date_start < {date_lit(since)}"))
    if countries:
        iso = in_list(c.upper() for c in countries)
        filters.append(("country", f"coalesce(country_iso3, '') NOT IN ({iso})"))
    if not filters:
        return "CAST(NULL AS VARCHAR)"
    return "CASE " + " ".join(f"WHEN {cond} THEN '{name}'" for name, cond in filters) + " END"


def normalized(normalize_sql: str, filter_sql: str) -> str:
    """The connector's normalised rows plus ``_ord`` (the record number the raw view
    gave: ``ingest_row`` before the engine's renumbering past rejected records) and
    ``_filter`` (set only for rows that passed every check but a filter leaves out)."""
    return (f"SELECT *, ingest_row AS _ord, "
            f"CASE WHEN _reason IS NULL THEN {filter_sql} END AS _filter "
            f"FROM ({normalize_sql})")


#: The characters Ibis's ``strip()`` removes (DuckDB: ``TRIM(x, ' \t\n\r\v\f')``).
STRIP_CHARS = " \t\n\r\x0b\x0c"
_STRIP_LIT = "'" + STRIP_CHARS + "'"
_QCOL = r'"t0"\."((?:[^"]|"")+)"'
_NULLIF_TRIM = re.compile(r"NULLIF\(TRIM\(" + _QCOL + ", " + re.escape(_STRIP_LIT)
                          + r"\), ''\)")
_TRIM = re.compile(r"TRIM\(" + _QCOL + ", " + re.escape(_STRIP_LIT) + r"\)")
_TRY_CAST = re.compile(r'TRY_CAST\("t0"\."(_kh_s[nt]\d+)" AS ([A-Z]+)\)')


def guarded_strip(cell: str) -> str:
    """SQL of ``TRIM(cell, STRIP_CHARS)`` that calls TRIM only when the first or the
    last character could be removed (every character of :data:`STRIP_CHARS` has a code
    point <= 32): the same value, about 4x cheaper in DuckDB, whose TRIM with a
    character set decodes that set again for every row. The last character is taken
    with ``array_extract(cell, -1)`` (one code point; ``right(cell, 1)`` costs a third
    more in DuckDB 1.x-2.0: a quarter of this guard's time on GED fields, issue 16).

    >>> guarded_strip('"c"')  # doctest: +ELLIPSIS
    'CASE WHEN ascii("c") > 32 AND ascii(array_extract("c", -1)) > 32 THEN "c" ELSE TRIM("c", ...) END'
    """  # noqa: E501
    return (f"CASE WHEN ascii({cell}) > 32 AND ascii(array_extract({cell}, -1)) > 32 "
            f"THEN {cell} ELSE TRIM({cell}, {_STRIP_LIT}) END")


def hoist_strips(sql: str, table: str, raw_text: str | None = None) -> str:
    """DuckDB's compiled ``normalize`` (Ibis: a single SELECT over ``table AS t0``) with
    each column's ``NULLIF(TRIM(col, STRIP_CHARS), '')`` (:func:`kharita.events.sources.
    _common.col`) computed once, in a subquery, by :func:`guarded_strip`, and each
    ``TRY_CAST`` of such a field once, in a second one, instead of at each of their
    (often a hundred) uses: DuckDB does not share subexpressions inside CASE branches.
    With ``raw_text`` (the SQL, over ``"t0"``'s columns, that defines the raw table's
    ``_raw``), ``_raw`` is computed where it is used, i.e. only for quarantined rows,
    instead of for every row by the raw view. The values are the same by construction;
    ``sql`` is returned unchanged when its shape is not the expected one (one
    ``FROM table AS t0``, no column named ``_kh_s*``).
    """
    src = f'FROM {ident(table)} AS "t0"'
    if sql.count(src) != 1 or '"_kh_s' in sql or not sql.rstrip().endswith(src):
        return sql
    names: dict[str, str] = {}

    def alias(kind: str, col: str) -> str:
        key = kind + col
        if key not in names:
            names[key] = f"_kh_s{kind}{len(names)}"
        return f'"t0"."{names[key]}"'

    out = _NULLIF_TRIM.sub(lambda m: alias("n", m.group(1)), sql)
    out = _TRIM.sub(lambda m: alias("t", m.group(1)), out)
    if raw_text:
        out = out.replace('"t0"."_raw"', f"({raw_text})")
    if not names:
        return out
    cells = []
    for key, name in names.items():
        cell = '"' + key[1:] + '"'
        expr = guarded_strip(cell)
        cells.append(f"NULLIF({expr}, '') AS {name}" if key[0] == "n" else
                     f"{expr} AS {name}")
    sub = f"(SELECT *, {', '.join(cells)} FROM {ident(table)})"
    # the casts of those fields (a count is cast at each of its ~100 uses), once each
    casts: dict[tuple[str, str], str] = {}

    def cast(m: re.Match[str]) -> str:
        key = (m.group(1), m.group(2))
        if key not in casts:
            casts[key] = f"_kh_sc{len(casts)}"
        return f'"t0"."{casts[key]}"'

    out = _TRY_CAST.sub(cast, out)
    if casts:
        typed = ", ".join(f"TRY_CAST({c} AS {t}) AS {n}" for (c, t), n in casts.items())
        sub = f"(SELECT *, {typed} FROM {sub})"
    return out[: out.rindex(src)] + f'FROM {sub} AS "t0"' + out[out.rindex(src) + len(src):]


def insert_events(norm: str, columns: Sequence[str]) -> str:
    """Store the rows of ``norm`` that passed (``?`` = ingest_file_id)."""
    cols = ", ".join(columns)
    return (f"INSERT INTO events ({cols}, ingest_file_id) SELECT {cols}, ? "
            f"FROM {ident(norm)} WHERE _reason IS NULL AND _filter IS NULL")


def count_quarantined(norm: str) -> str:
    return f"SELECT count(*) FROM {ident(norm)} WHERE _reason IS NOT NULL"


def insert_quarantine(norm: str) -> str:
    """Quarantine the rows of ``norm`` that failed a check, with the raw text the same
    scan read (``_raw``); ``?`` = ingest_file_id, file."""
    return ("INSERT INTO quarantine (ingest_file_id, file, row_number, field, reason, raw) "
            f"SELECT ?, ?, ingest_row, _field, _reason, _raw FROM {ident(norm)} "
            "WHERE _reason IS NOT NULL")


def insert_rejects(view: str) -> str:
    """Quarantine the records the reader rejected (a registered frame with
    :data:`QUARANTINE_FIELDS`)."""
    cols = ", ".join(QUARANTINE_FIELDS)
    return f"INSERT INTO quarantine ({cols}) SELECT {cols} FROM {ident(view)}"


def verdict_counts(norm: str) -> str:
    """One row: stored, quarantined and filtered rows of ``norm``."""
    return ("SELECT count(*) FILTER (WHERE _reason IS NULL AND _filter IS NULL), "
            "count(*) FILTER (WHERE _reason IS NOT NULL), "
            f"count(*) FILTER (WHERE _reason IS NULL AND _filter IS NOT NULL) FROM {ident(norm)}")


def reason_counts(norm: str) -> str:
    """Quarantined rows per reason."""
    return (f"SELECT _reason, count(*) FROM {ident(norm)} WHERE _reason IS NOT NULL "
            "GROUP BY _reason")


def filter_counts(norm: str) -> str:
    """Filtered rows per filter."""
    return (f"SELECT _filter, count(*) FROM {ident(norm)} WHERE _filter IS NOT NULL "
            "GROUP BY _filter")


def insert_filtered() -> str:
    """One ``filtered`` row (``?`` = ingest_file_id, reason, rows)."""
    return "INSERT INTO filtered (ingest_file_id, reason, rows) VALUES (?, ?, ?)"


def insert_ingest_file() -> str:
    """The ``ingest_files`` row of a file (``?`` = :data:`INGEST_FILE_FIELDS`)."""
    return (f"INSERT INTO ingest_files ({', '.join(INGEST_FILE_FIELDS)}) "
            f"VALUES ({', '.join('?' for _ in INGEST_FILE_FIELDS)})")


def quarantine_rows(*, by_file: bool = False, limit: int | None = None) -> str:
    """Quarantined rows (file, row, field, reason, raw); with ``by_file`` the first two
    ``?`` are a path and a ``%name`` suffix pattern."""
    sql = "SELECT file, row_number AS row, field, reason, raw FROM quarantine"
    if by_file:
        sql += " WHERE file = ? OR file LIKE ?"
    sql += " ORDER BY file, row_number"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return sql


def count_rows(table: str) -> str:
    """Rows of a (normalised) table."""
    return f"SELECT count(*) FROM {ident(table)}"


def raw_rows(view: str) -> str:
    """``_row, _raw`` of a raw view whose record numbers are final (an engine that
    numbers records in the file, rejected ones included)."""
    return f"SELECT _row, _raw FROM {ident(view)}"


# -- event identity (see kharita.events.ingest, "Event identity") ----------------------


def stage_new(norm: str, columns: Sequence[str]) -> str:
    """The rows of ``norm`` that passed, with ``_dup`` = 1 for the last occurrence of
    each ``event_id`` in the file (by ``ingest_row``), 2, 3 ... for earlier ones."""
    cols = ", ".join(columns)
    return (f"SELECT {cols}, row_number() OVER (PARTITION BY event_id "
            "ORDER BY ingest_row DESC) AS _dup "
            f"FROM {ident(norm)} WHERE _reason IS NULL AND _filter IS NULL")


def identity_clashes(norm: str) -> str:
    """One row: how many of the rows of ``norm`` that pass repeat an ``event_id`` of an
    earlier one, and how many of them carry an ``event_id`` already stored. Both 0: every
    row is a new current event (no replacement, history or withdrawal to decide)."""
    valid = f"FROM {ident(norm)} WHERE _reason IS NULL AND _filter IS NULL"
    return (f"SELECT (SELECT count(*) - count(DISTINCT event_id) {valid}) AS repeated, "
            f"(SELECT count(*) FROM events WHERE event_id IN (SELECT event_id {valid})) "
            "AS stored")


def colliding_files(new: str) -> str:
    """Per earlier file whose current events this file also carries: its id, source
    version, current non-withdrawn events (``live``) and how many of those the new file
    carries (``overlap``)."""
    return f"""
SELECT e.ingest_file_id, max(f.source_version) AS source_version,
       count(*) FILTER (WHERE NOT coalesce(e.withdrawn, FALSE)) AS live,
       count(n.event_id) FILTER (WHERE NOT coalesce(e.withdrawn, FALSE)) AS overlap,
       count(n.event_id) AS carried
FROM events e
LEFT JOIN (SELECT event_id FROM {ident(new)} WHERE _dup = 1) n ON n.event_id = e.event_id
LEFT JOIN ingest_files f ON f.ingest_file_id = e.ingest_file_id
WHERE e.ingest_file_id IN (SELECT DISTINCT e2.ingest_file_id FROM events e2
                           JOIN {ident(new)} n2 ON n2.event_id = e2.event_id)
GROUP BY e.ingest_file_id ORDER BY e.ingest_file_id"""


def stage_verdicts(new: str, losers: Sequence[str]) -> str:
    """``new`` with ``_existed`` (the event is already stored) and ``_lost``: NULL when
    the row becomes the current version, ``duplicate`` (an earlier occurrence in the
    file), ``outdated`` (the stored version comes from a file in ``losers``: newer)."""
    return (f"SELECT n.*, e.event_id IS NOT NULL AS _existed, "
            "CASE WHEN n._dup > 1 THEN 'duplicate' "
            f"WHEN e.ingest_file_id IN ({in_list(losers)}) THEN 'outdated' END AS _lost "
            f"FROM {ident(new)} n LEFT JOIN events e ON e.event_id = n.event_id")


def replaced_where(cur: str) -> str:
    """WHERE clause (of ``events`` or ``attributions``): the events this file replaces."""
    return (f"event_id IN (SELECT event_id FROM {ident(cur)} "
            "WHERE _lost IS NULL AND _existed)")


def history_of_replaced(cur: str, columns: Sequence[str]) -> str:
    """Copy the stored versions this file replaces to ``events_history``
    (``?`` = superseded_by, superseded_at)."""
    cols = ", ".join(columns)
    return (f"INSERT INTO events_history ({cols}, superseded_by, history_reason, "
            f"superseded_at) SELECT {cols}, ?, 'replaced', ? FROM events "
            f"WHERE {replaced_where(cur)}")


def insert_current(cur: str, columns: Sequence[str]) -> str:
    """Store the rows of ``cur`` that are the current version (``?`` = ingest_file_id)."""
    cols = ", ".join(columns)
    return (f"INSERT INTO events ({cols}, ingest_file_id) SELECT {cols}, ? "
            f"FROM {ident(cur)} WHERE _lost IS NULL")


def history_of_lost(cur: str, columns: Sequence[str]) -> str:
    """Keep this file's rows that are not the current version in ``events_history``
    (``?`` = ingest_file_id, the file itself as superseded_by of duplicates,
    superseded_at)."""
    cols = ", ".join(f"n.{c}" for c in columns)
    names = ", ".join(columns)
    return (f"INSERT INTO events_history ({names}, ingest_file_id, superseded_by, "
            f"history_reason, superseded_at) SELECT {cols}, ?, "
            "CASE WHEN n._lost = 'outdated' THEN e.ingest_file_id ELSE ? END, n._lost, ? "
            f"FROM {ident(cur)} n LEFT JOIN events e ON e.event_id = n.event_id "
            "AND n._lost = 'outdated' WHERE n._lost IS NOT NULL")


def identity_counts(cur: str) -> str:
    """One row: rows that replaced a stored version, rows kept only in history."""
    return ("SELECT count(*) FILTER (WHERE _lost IS NULL AND _existed), "
            f"count(*) FILTER (WHERE _lost IS NOT NULL) FROM {ident(cur)}")


def withdrawable_where(files: Sequence[str]) -> str:
    """WHERE clause of ``events``: the current, not yet withdrawn events of ``files``
    (earlier releases of the scope a full release replaces)."""
    return (f"ingest_file_id IN ({in_list(files)}) AND NOT coalesce(withdrawn, FALSE)")


def count_where(table: str, where: str) -> str:
    return f"SELECT count(*) FROM {ident(table)} WHERE {where}"


def withdraw(where: str) -> str:
    """Mark events withdrawn (``?`` = the withdrawing file's id)."""
    return f"UPDATE events SET withdrawn = TRUE, withdrawn_by = ? WHERE {where}"


def quarantine_last_row(norm: str, raw_rows: str) -> str:
    """Mark the last record of ``norm`` as quarantined (a file cut inside its last
    line), with its text from ``raw_rows`` (``_row, _raw`` numbered as ``_ord``);
    ``?`` = reason, field."""
    t = ident(norm)
    return (f"UPDATE {t} SET _reason = ?, _field = ?, _filter = NULL, "
            f"_raw = (SELECT r._raw FROM ({raw_rows}) r WHERE r._row = {t}._ord) "
            f"WHERE ingest_row = (SELECT max(ingest_row) FROM {t})")


def max_row(norm: str) -> str:
    """The largest record number of a normalised table."""
    return f"SELECT max(ingest_row) FROM {ident(norm)}"


def count_attributions_of_file() -> str:
    """Attribution rows of one ingested file's events (``?`` = ingest_file_id)."""
    return ("SELECT count(*) FROM attributions a JOIN events e ON e.event_id = a.event_id "
            "WHERE e.ingest_file_id = ?")
