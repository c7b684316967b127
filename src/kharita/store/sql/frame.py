"""SQL of the analysis frame (see :mod:`kharita.analysis.frame` for the definitions).

The **base** table holds every (event, network branch) row once (``events`` holds one
current version per ``event_id``, see :mod:`kharita.events.ingest`; withdrawn events
are left out), with the confidence
share ``w_split`` and the number of candidates on the actor side ``n_candidates``, so
that each choice of filters (dates, branches, countries, sources, event types, minimum
confidence, ambiguity rule) is one ``WHERE`` and one weight expression over it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from kharita.store.sql.common import date_lit, in_list, q

#: Columns of the members table registered before :func:`base_sql` runs.
MEMBER_COLUMNS: tuple[str, ...] = ("entity_id", "branch_id", "member_region", "valid_from",
                                   "valid_to")
#: Columns of the countries table (ISO3 -> world region).
REGION_COLUMNS: tuple[str, ...] = ("country_iso3", "country_region")


def base_sql(members: str, regions: str, unknown_region: str) -> str:
    """Every network (event, branch) row with its weights' ingredients.

    ``members`` and ``regions`` name registered tables with :data:`MEMBER_COLUMNS` and
    :data:`REGION_COLUMNS`. A group's several affiliation windows towards one branch are
    merged into their hull; ``n_rows`` counts the event's network branches (an upper
    bound on its frame rows after filtering).
    """
    return f"""
WITH att AS (
  SELECT event_id, entity_id, COALESCE(side, 0) AS side, MAX(confidence) AS confidence
  FROM attributions WHERE entity_id IS NOT NULL
  GROUP BY event_id, entity_id, COALESCE(side, 0)
),
sides AS (
  SELECT event_id, side, COUNT(*) AS n_candidates, SUM(confidence) AS side_conf
  FROM att GROUP BY event_id, side
),
net AS (
  SELECT a.event_id, m.branch_id,
         CASE WHEN s.n_candidates > 1 THEN a.confidence / s.side_conf ELSE 1.0 END AS w_split,
         s.n_candidates, a.confidence, m.member_region, m.valid_from, m.valid_to
  FROM att a
  JOIN {members} m ON m.entity_id = a.entity_id
  JOIN sides s ON s.event_id = a.event_id AND s.side = a.side
),
kept AS (
  SELECT n.event_id, n.branch_id, MAX(n.w_split) AS w_split,
         MAX(n.n_candidates) AS n_candidates, MAX(n.confidence) AS confidence,
         MAX(n.member_region) AS member_region,
         BOOL_OR(n.valid_from IS NULL AND n.valid_to IS NULL) AS always,
         MIN(n.valid_from) AS valid_from, MAX(n.valid_to) AS valid_to
  FROM net n
  GROUP BY n.event_id, n.branch_id
),
dated AS (
  SELECT k.*, e.date_start FROM kept k JOIN events e ON e.event_id = k.event_id
  WHERE e.date_start IS NOT NULL AND NOT COALESCE(e.withdrawn, FALSE)
    AND (k.always OR ((k.valid_from IS NULL OR e.date_start >= k.valid_from)
                      AND (k.valid_to IS NULL OR e.date_start <= k.valid_to)))
)
SELECT d.event_id, d.date_start AS date, d.branch_id AS entity_id, d.w_split,
       d.n_candidates, d.confidence, e.source, e.event_type, e.country_iso3, e.admin1,
       e.latitude, e.longitude, e.priogrid_gid, e.fatalities_best, e.fatalities_low,
       e.fatalities_high,
       COALESCE(d.member_region, r.country_region, {q(unknown_region)}) AS region,
       COUNT(*) OVER (PARTITION BY d.event_id) AS n_rows,
       e.place, e.country, e.date_precision, COALESCE(e.synthetic, FALSE) AS synthetic
FROM dated d JOIN events e ON e.event_id = d.event_id
LEFT JOIN {regions} r ON r.country_iso3 = e.country_iso3
"""


def filtered_sql(base: str, columns: Sequence[str], *, ambiguous: str,
                 min_confidence: float, start: dt.date | None, end: dt.date | None,
                 branches: Sequence[str] | None, countries: Sequence[str] | None,
                 sources: Sequence[str] | None, event_types: Sequence[str] | None) -> str:
    """The frame for one set of (validated) filters, over the base table ``base``.

    ``weight`` is ``w_split`` under ``ambiguous="split"`` and 1 otherwise; under
    ``"exclude"`` rows with several candidates on their side are dropped.
    """
    weight = "w_split" if ambiguous == "split" else "1.0"
    where = [f"confidence >= {float(min_confidence)!r}"]
    if ambiguous == "exclude":
        where.append("n_candidates = 1")
    if start:
        where.append(f"date >= {date_lit(start)}")
    if end:
        where.append(f"date <= {date_lit(end)}")
    for col, values in (("entity_id", branches), ("country_iso3", countries),
                        ("source", sources), ("event_type", event_types)):
        if values:
            where.append(f"{col} IN ({in_list(values)})")
    cols = ", ".join(f"CAST({weight} AS DOUBLE) AS weight" if c == "weight" else c
                     for c in columns)
    return f"SELECT {cols} FROM {base} WHERE {' AND '.join(where)}"


def kb_versions_sql() -> str:
    """The KB versions the store's attributions were made with."""
    return ("SELECT DISTINCT kb_version FROM attributions WHERE kb_version IS NOT NULL "
            "ORDER BY 1")


def ordered_sql(frame: str) -> str:
    """The frame sorted as :func:`kharita.analysis.frame.Frame.df` returns it."""
    return f"SELECT * FROM ({frame}) f ORDER BY date, event_id, entity_id"


def stamp_sql() -> str:
    """Row counts that change whenever events or attributions are written (the base
    table is rebuilt when they differ from the ones it was built on): a replacing
    ingest keeps the event count, so the files and withdrawn events count too."""
    return ("SELECT (SELECT count(*) FROM attributions) AS n_attributions, "
            "(SELECT count(*) FROM events) AS n_events, "
            "(SELECT count(*) FROM ingest_files) AS n_files, "
            "(SELECT count(*) FROM events WHERE withdrawn) AS n_withdrawn")
