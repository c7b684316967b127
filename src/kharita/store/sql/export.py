"""SQL of the event exports (:mod:`kharita.views.export`): the frame's rows with the
attribution rules, the KB version and the event's own columns.

``frame`` is the SQL of an analysis frame (:attr:`kharita.analysis.frame.Frame.sql`)
used as a subquery.
"""

from __future__ import annotations

#: Columns of an exported events table, in order.
EXPORT_COLUMNS: tuple[str, ...] = (
    "event_id", "date_start", "date_end", "date_precision", "branch", "weight",
    "confidence", "rule", "kb_version", "source", "source_version", "source_event_id",
    "event_type", "country_iso3", "country", "admin1", "place", "latitude", "longitude",
    "geo_precision", "priogrid_gid", "actor1_name", "actor2_name", "fatalities_best",
    "fatalities_low", "fatalities_high", "region", "description", "source_reference",
    "synthetic")


def events_export_sql(frame: str) -> str:
    """One row per (event, branch) of the frame with :data:`EXPORT_COLUMNS`; ``rule``
    lists every attribution of the event as ``entity: rule`` (``; ``-joined)."""
    return f"""
WITH rules AS (
  SELECT event_id,
         string_agg(entity_id || ': ' || rule, '; ' ORDER BY entity_id, rule) AS rule,
         MAX(kb_version) AS kb_version
  FROM attributions WHERE entity_id IS NOT NULL GROUP BY event_id
)
SELECT f.event_id, f.date AS date_start, e.date_end, f.date_precision,
       f.entity_id AS branch, f.weight, f.confidence, r.rule, r.kb_version, f.source,
       e.source_version, e.source_event_id, f.event_type, f.country_iso3, f.country,
       f.admin1, f.place, f.latitude, f.longitude, e.geo_precision, f.priogrid_gid,
       e.actor1_name, e.actor2_name, f.fatalities_best, f.fatalities_low,
       f.fatalities_high, f.region, e.description, e.source_reference, f.synthetic
FROM ({frame}) f
JOIN events e ON e.event_id = f.event_id
LEFT JOIN rules r ON r.event_id = f.event_id
ORDER BY f.date, f.event_id, f.entity_id
"""


def table_lists_sql(frame: str) -> str:
    """The distinct ``source_version`` of the frame's ``table`` rows (each user list's
    ``<source_name> [<licence>]``)."""
    return (f"SELECT DISTINCT e.source_version FROM ({frame}) f JOIN events e "
            "ON e.event_id = f.event_id WHERE f.source = 'table' "
            "AND e.source_version IS NOT NULL ORDER BY 1")
