"""SQL of the presets' coverage statement (see :mod:`kharita.analysis.presets`)."""

from __future__ import annotations


def coverage_sql(frame: str) -> str:
    """First and last event date, distinct events and countries of the frame."""
    return f"""
SELECT MIN(date) AS first, MAX(date) AS last, COUNT(DISTINCT event_id) AS events,
       COUNT(DISTINCT country_iso3) AS countries
FROM ({frame}) f
"""


def countries_sql(frame: str) -> str:
    """The frame's distinct countries (ISO3), sorted."""
    return f"""
SELECT DISTINCT country_iso3 FROM ({frame}) f WHERE country_iso3 IS NOT NULL
ORDER BY country_iso3
"""


def split_rows_sql(frame: str) -> str:
    """Rows of a frame (with ``ambiguous="split"``) whose weight is below 1: the rows of
    joint labels, the only rows the ambiguity rule changes."""
    return f"SELECT count(*) AS n FROM ({frame}) f WHERE weight < 1"


def incidents_rows_sql() -> str:
    """Rows of the incidents table (none: counting incidents is counting reports)."""
    return "SELECT count(*) AS n FROM incidents"
