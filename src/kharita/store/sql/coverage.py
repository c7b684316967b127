"""SQL of source coverage (see :mod:`kharita.analysis.coverage` for the definitions)."""

from __future__ import annotations

import datetime as dt

from kharita.store.sql.common import date_lit
from kharita.store.sql.periods import period_sql

#: Columns of the pairs table registered before :func:`restrict_base_sql` runs.
PAIR_COLUMNS: tuple[str, ...] = ("ingest_file_id", "country_iso3")


def coverage_sql() -> str:
    """Per ingested file and country: source, version, path, first and last event
    start date and the number of events; plus the file's number of countries (events
    without a country form their own row, ``country_iso3 = ''``, and are not counted as
    one).
    Withdrawn events (a newer full release no longer has them) are left out."""
    return """
WITH per AS (
  SELECT COALESCE(e.ingest_file_id, '') AS ingest_file_id,
         COALESCE(e.country_iso3, '') AS country_iso3,
         MIN(e.source) AS source, MIN(e.source_version) AS ev_version,
         MIN(e.date_start) AS first, MAX(e.date_start) AS last, COUNT(*) AS n_events,
         BOOL_OR(COALESCE(e.synthetic, FALSE)) AS synthetic
  FROM events e WHERE e.date_start IS NOT NULL AND NOT COALESCE(e.withdrawn, FALSE)
  GROUP BY COALESCE(e.ingest_file_id, ''), COALESCE(e.country_iso3, '')
),
files AS (
  SELECT ingest_file_id,
         -- events without a country (GDELT's, on no country's soil) are no country
         SUM(CASE WHEN country_iso3 <> '' THEN 1 ELSE 0 END) AS file_countries,
         SUM(n_events) AS file_events,
         MIN(first) AS file_first, MAX(last) AS file_last
  FROM per GROUP BY ingest_file_id
)
SELECT p.source, COALESCE(i.source_version, p.ev_version) AS source_version,
       p.ingest_file_id, i.path AS file, p.country_iso3, p.first, p.last, p.n_events,
       f.file_countries, f.file_events, f.file_first, f.file_last,
       COALESCE(i.synthetic, p.synthetic) AS synthetic
FROM per p JOIN files f ON f.ingest_file_id = p.ingest_file_id
LEFT JOIN ingest_files i ON i.ingest_file_id = p.ingest_file_id
ORDER BY p.source, file, p.country_iso3
"""


def frame_pairs_sql(frame: str) -> str:
    """The (file, country) pairs that carry the frame's rows, per branch, with their
    weighted events."""
    return f"""
SELECT f.entity_id, COALESCE(e.ingest_file_id, '') AS ingest_file_id,
       COALESCE(f.country_iso3, '') AS country_iso3, SUM(f.weight) AS n
FROM ({frame}) f JOIN events e ON e.event_id = f.event_id
GROUP BY 1, 2, 3
"""


def restrict_base_sql(base: str, pairs: str, start: dt.date | None,
                      end: dt.date | None) -> str:
    """The frame's base table limited to the events of the ``pairs`` table's (file,
    country) pairs, between ``start`` and ``end`` (inclusive)."""
    where = []
    if start is not None:
        where.append(f"b.date >= {date_lit(start)}")
    if end is not None:
        where.append(f"b.date <= {date_lit(end)}")
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    return f"""
SELECT b.* FROM {base} b JOIN events e ON e.event_id = b.event_id
JOIN {pairs} p ON p.ingest_file_id = COALESCE(e.ingest_file_id, '')
              AND p.country_iso3 = COALESCE(b.country_iso3, ''){cond}
"""


def pair_weekly_sql(frame: str) -> str:
    """Weighted events per week, branch and (file, country) pair."""
    week = period_sql("week", "f.date")
    return f"""
SELECT {week} AS week, f.entity_id, COALESCE(e.ingest_file_id, '') AS ingest_file_id,
       COALESCE(f.country_iso3, '') AS country_iso3, SUM(f.weight) AS n
FROM ({frame}) f JOIN events e ON e.event_id = f.event_id
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
"""


def frame_dates_sql(frame: str) -> str:
    """The frame's first and last event date."""
    return f"SELECT MIN(date) AS first, MAX(date) AS last FROM ({frame}) f"
