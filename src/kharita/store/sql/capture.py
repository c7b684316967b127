"""SQL of capture–recapture over linked sources (:mod:`kharita.analysis.capture`)."""

from __future__ import annotations

from kharita.store.sql.periods import period_sql


def unit_incidents_sql(frame: str, freq: str, *, incidents: bool) -> str:
    """Per (branch, country, period) of :func:`incident_sources_sql`'s rows: the number of
    distinct incidents (``n_incidents``), sorted by the three keys.

    Counted on the frame's rows alone: each of them is an incident with at least one
    current, not withdrawn report (the frame's base tables keep no other), so the join to
    its reporting sources cannot drop or add one (``incidents`` is kept for the
    signature's symmetry with :func:`incident_sources_sql`)."""
    del incidents
    return f"""
SELECT f.entity_id, COALESCE(f.country_iso3, '') AS country_iso3,
       {period_sql(freq, "f.date")} AS period, COUNT(DISTINCT f.incident_id) AS n_incidents
FROM ({frame}) f
GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""


def incident_sources_sql(frame: str, freq: str, *, incidents: bool,
                         n_countries: int | None = None) -> str:
    """One row per (branch, country, period, incident, reporting source) of a frame
    counted by incident (``frame`` has the ``incident_id`` column): the sources of the
    incident's current, not withdrawn reports. ``incidents``: the ``incidents`` table
    exists (else every event is its own incident). ``n_countries``: only the rows of
    that many countries, given as parameters (``?``; ``''`` for no country)."""
    members = ("SELECT COALESCE(i.incident_id, e.event_id) AS incident_id, e.source "
               "FROM events e LEFT JOIN incidents i ON i.event_id = e.event_id "
               "WHERE NOT COALESCE(e.withdrawn, FALSE)" if incidents else
               "SELECT e.event_id AS incident_id, e.source FROM events e "
               "WHERE NOT COALESCE(e.withdrawn, FALSE)")
    where = ("" if n_countries is None else "\nWHERE COALESCE(f.country_iso3, '') IN ("
             + ", ".join("?" * n_countries) + ")")
    return f"""
SELECT DISTINCT f.entity_id, COALESCE(f.country_iso3, '') AS country_iso3,
       {period_sql(freq, "f.date")} AS period, f.incident_id, m.source
FROM ({frame}) f JOIN ({members}) m ON m.incident_id = f.incident_id{where}
ORDER BY 1, 2, 3, 4, 5
"""
