"""SQL of capture–recapture over linked sources (:mod:`kharita.analysis.capture`)."""

from __future__ import annotations

from kharita.store.sql.periods import period_sql


def incident_sources_sql(frame: str, freq: str, *, incidents: bool) -> str:
    """One row per (branch, country, period, incident, reporting source) of a frame
    counted by incident (``frame`` has the ``incident_id`` column): the sources of the
    incident's current, not withdrawn reports. ``incidents``: the ``incidents`` table
    exists (else every event is its own incident)."""
    members = ("SELECT COALESCE(i.incident_id, e.event_id) AS incident_id, e.source "
               "FROM events e LEFT JOIN incidents i ON i.event_id = e.event_id "
               "WHERE NOT COALESCE(e.withdrawn, FALSE)" if incidents else
               "SELECT e.event_id AS incident_id, e.source FROM events e "
               "WHERE NOT COALESCE(e.withdrawn, FALSE)")
    return f"""
SELECT DISTINCT f.entity_id, COALESCE(f.country_iso3, '') AS country_iso3,
       {period_sql(freq, "f.date")} AS period, f.incident_id, m.source
FROM ({frame}) f JOIN ({members}) m ON m.incident_id = f.incident_id
ORDER BY 1, 2, 3, 4, 5
"""
