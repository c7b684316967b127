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


#: Columns of an exported incidents table, in order.
INCIDENT_EXPORT_COLUMNS: tuple[str, ...] = (
    "incident_id", "event_id", "n_reports", "report_ids", "sources", "date_start",
    "date_end", "date_precision", "branch", "branch_weight", "network_weight", "branches",
    "confidence", "rule", "kb_version", "event_type", "country_iso3", "country", "admin1",
    "place", "latitude", "longitude", "geo_precision", "priogrid_gid", "fatalities_best",
    "fatalities_low", "fatalities_high", "region", "synthetic")


def incidents_export_sql(frame: str, *, incidents: bool) -> str:
    """One row per incident of the frame (``frame`` has the ``incident_id`` column;
    :data:`INCIDENT_EXPORT_COLUMNS`): the representative report's columns and the
    incident's combined fatalities, its top branch (largest weight, then id) with that
    weight and confidence, its network weight (the sum over its branches) and every
    branch with its weight, its current reports (representative first; ``; ``-joined),
    their sources, and every attribution of every report as ``report entity: rule``.
    ``incidents``: the ``incidents`` table exists (else every event is its own)."""
    members = ("SELECT COALESCE(i.incident_id, e.event_id) AS incident_id, e.event_id, "
               "e.source, COALESCE(i.representative, TRUE) AS representative "
               "FROM events e LEFT JOIN incidents i ON i.event_id = e.event_id"
               if incidents else
               "SELECT e.event_id AS incident_id, e.event_id, e.source, "
               "TRUE AS representative FROM events e")
    return f"""
WITH f AS ({frame}),
ranked AS (
  SELECT f.*, ROW_NUMBER() OVER (PARTITION BY incident_id ORDER BY weight DESC,
                                 entity_id) AS k
  FROM f
),
br AS (
  SELECT incident_id, SUM(weight) AS network_weight,
         STRING_AGG(entity_id || ': ' || CAST(ROUND(weight, 4) AS VARCHAR), '; '
                    ORDER BY weight DESC, entity_id) AS branches
  FROM f GROUP BY incident_id
),
members AS (
  SELECT m.* FROM ({members}) m JOIN events e ON e.event_id = m.event_id
  WHERE NOT COALESCE(e.withdrawn, FALSE)
    AND m.incident_id IN (SELECT incident_id FROM br)
),
reports AS (
  SELECT incident_id,
         STRING_AGG(event_id, '; ' ORDER BY CASE WHEN representative THEN 0 ELSE 1 END,
                    event_id) AS report_ids,
         STRING_AGG(DISTINCT source, '; ' ORDER BY source) AS sources
  FROM members GROUP BY incident_id
),
rules AS (
  SELECT m.incident_id,
         STRING_AGG(a.event_id || ' ' || a.entity_id || ': ' || a.rule, '; '
                    ORDER BY a.event_id, a.entity_id, a.rule) AS rule,
         MAX(a.kb_version) AS kb_version
  FROM members m JOIN attributions a ON a.event_id = m.event_id
  WHERE a.entity_id IS NOT NULL GROUP BY m.incident_id
)
SELECT t.incident_id, t.event_id, t.n_reports, p.report_ids, p.sources,
       t.date AS date_start, e.date_end, t.date_precision, t.entity_id AS branch,
       t.weight AS branch_weight, b.network_weight, b.branches, t.confidence, r.rule,
       r.kb_version, t.event_type, t.country_iso3, t.country, t.admin1, t.place,
       t.latitude, t.longitude, e.geo_precision, t.priogrid_gid, t.fatalities_best,
       t.fatalities_low, t.fatalities_high, t.region, t.synthetic
FROM ranked t
JOIN br b ON b.incident_id = t.incident_id
JOIN events e ON e.event_id = t.event_id
LEFT JOIN reports p ON p.incident_id = t.incident_id
LEFT JOIN rules r ON r.incident_id = t.incident_id
WHERE t.k = 1
ORDER BY t.date, t.incident_id
"""
