"""SQL of the in-store synthetic fixture (:mod:`kharita.store.synthetic`).

The events are drawn in numpy and registered as a view with :data:`GENERATED_COLUMNS`;
these builders turn that view into ``events`` and ``attributions`` rows, labelled
synthetic (``source = 'synthetic'``, ``synthetic = TRUE``, ``kb_version = 'synthetic'``).
Plain SELECTs in kharita's dialect, so the store's ``append`` runs them on any engine.
"""

from __future__ import annotations

from kharita.store.sql.common import q

#: Columns of the registered view of generated events.
GENERATED_COLUMNS: tuple[str, ...] = (
    "i", "d", "entity_id", "iso3", "country", "admin1", "lat", "lon", "gid", "fat",
    "joint", "etype")


def events_sql(view: str, seed: int, source_version: str, joint_label: str) -> str:
    """``events`` rows of the generated view: ids ``synthetic:<seed>:<i>``.

    A joint event names ``joint_label`` as its actor; the others name their branch id.
    """
    s = int(seed)
    return f"""
SELECT 'synthetic:{s}:' || CAST(i AS VARCHAR) AS event_id, 'synthetic' AS source,
       {q(source_version)} AS source_version, CAST(i AS VARCHAR) AS source_event_id,
       d AS date_start, d AS date_end, 'day' AS date_precision, iso3 AS country_iso3,
       country, admin1, lat AS latitude, lon AS longitude, 1 AS geo_precision,
       CAST(gid AS INTEGER) AS priogrid_gid, etype AS event_type,
       CASE WHEN joint THEN {q(joint_label)} ELSE entity_id END AS actor1_name,
       CAST(fat AS INTEGER) AS fatalities_best,
       CAST(floor(fat * 0.7) AS INTEGER) AS fatalities_low,
       CAST(ceil(fat * 1.5) AS INTEGER) AS fatalities_high,
       'SYNTHETIC event (in-store fixture)' AS description, TRUE AS synthetic
FROM {view}
"""


def attributions_sql(view: str, seed: int, joint_partner: str, joint_confidence: float
                     ) -> str:
    """``attributions`` rows of the generated view: the branch at confidence 1, or for a
    joint event the branch and ``joint_partner`` at ``joint_confidence`` each."""
    s = int(seed)
    c = float(joint_confidence)
    return f"""
SELECT 'synthetic:{s}:' || CAST(i AS VARCHAR) AS event_id, entity_id, 1 AS side,
       CASE WHEN joint THEN {c!r} ELSE 1.0 END AS confidence, 'synthetic' AS rule,
       'synthetic event (in-store fixture)' AS detail, 'synthetic' AS kb_version
FROM {view}
UNION ALL
SELECT 'synthetic:{s}:' || CAST(i AS VARCHAR) AS event_id, {q(joint_partner)} AS entity_id,
       1 AS side, {c!r} AS confidence, 'synthetic' AS rule, 'joint label' AS detail,
       'synthetic' AS kb_version
FROM {view} WHERE joint
"""
