"""SQL of the analysis frame (see :mod:`kharita.analysis.frame` for the definitions).

The **base** table holds every (event, network branch) row once (``events`` holds one
current version per ``event_id``, see :mod:`kharita.events.ingest`; withdrawn events
are left out), with the confidence
share ``w_split`` and the number of candidates on the actor side ``n_candidates``, so
that each choice of filters (dates, branches, countries, admin1, actor text, fatalities,
sources, event types, minimum confidence, ambiguity rule) is one ``WHERE`` and one weight
expression over it.

The **incident base** (:func:`incident_base_sql`) has the same columns with one row per
(incident, network branch): an incident's reports (the ``incidents`` table, written by
:mod:`kharita.linkage`) are combined by the rule stated in :mod:`kharita.analysis.frame`.
Both bases carry, besides the frame's columns, ``incident_id`` and ``n_reports`` (the
incident and its number of reports; the event itself and 1 in the report base),
``sources`` (``,``-framed list of the sources reporting it, for the source filter) and
``actors`` (the actor names, `` | ``-joined, for the actor filter).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from kharita.store.sql.common import date_lit, in_list, q

#: Columns of the members table registered before :func:`base_sql` runs.
MEMBER_COLUMNS: tuple[str, ...] = ("entity_id", "branch_id", "member_region", "valid_from",
                                   "valid_to")
#: Columns of the countries table (ISO3 -> world region).
REGION_COLUMNS: tuple[str, ...] = ("country_iso3", "country_region")


#: The actor names of one event (alias ``{e}``), searched by the actor filter.
ACTORS_SQL = "COALESCE({e}.actor1_name, '') || ' | ' || COALESCE({e}.actor2_name, '')"

#: The weights' CTEs shared by both bases, over ``att(event_id, entity_id, side,
#: confidence)`` (``event_id`` is the incident in the incident base).
_WEIGHTS_SQL = """sides AS (
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
)"""


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
{_WEIGHTS_SQL.format(members=members)},
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
       e.place, e.country, e.date_precision, COALESCE(e.synthetic, FALSE) AS synthetic,
       d.event_id AS incident_id, 1 AS n_reports, ',' || e.source || ',' AS sources,
       {ACTORS_SQL.format(e="e")} AS actors
FROM dated d JOIN events e ON e.event_id = d.event_id
LEFT JOIN {regions} r ON r.country_iso3 = e.country_iso3
"""



#: Columns of both base tables, in order.
BASE_COLUMNS: tuple[str, ...] = (
    "event_id", "date", "entity_id", "w_split", "n_candidates", "confidence", "source",
    "event_type", "country_iso3", "admin1", "latitude", "longitude", "priogrid_gid",
    "fatalities_best", "fatalities_low", "fatalities_high", "region", "n_rows", "place",
    "country", "date_precision", "synthetic", "incident_id", "n_reports", "sources",
    "actors")


def incident_base_sql(members: str, regions: str, unknown_region: str,
                      report_base: str) -> str:
    """Every network (incident, branch) row, with the columns of :func:`base_sql`.

    An event absent from ``incidents`` is its own incident: its rows are those of the
    report base table ``report_base`` (the rule below applied to one report gives them
    back), so only the multi-report incidents are aggregated. Per incident (withdrawn
    reports left out): ``event_id``, date, place, coordinates, country, admin1, event
    type, source and PRIO-GRID cell are the **representative** report's (the row marked
    ``representative``; when it is gone, the smallest event id); ``fatalities_best`` is
    the lower median of the reports' best estimates (one report's figure),
    ``fatalities_low`` the minimum of the lows, ``fatalities_high`` the maximum of the
    highs (in a multi-report incident, a report without a low or high counts with its
    best); the confidence of an (entity, side) is ``1 - prod_i (1 - c_i)`` over the
    reports ``i`` attributing it, and the joint-label shares ``w_split`` are computed
    from these combined confidences as for one report. Affiliation periods are checked
    on the incident's date.
    """
    cols = ", ".join(BASE_COLUMNS)
    return f"""
WITH inc AS (
  SELECT e.event_id, i.incident_id,
         ROW_NUMBER() OVER (PARTITION BY i.incident_id
                            ORDER BY CASE WHEN i.representative THEN 0 ELSE 1 END,
                                     e.event_id) AS rep_rank,
         COUNT(*) OVER (PARTITION BY i.incident_id) AS n_reports
  FROM incidents i JOIN events e ON e.event_id = i.event_id
  WHERE NOT COALESCE(e.withdrawn, FALSE)
),
rep AS (
  SELECT incident_id, event_id, n_reports FROM inc WHERE rep_rank = 1
),
fat_ranked AS (
  SELECT m.incident_id, e.fatalities_best,
         ROW_NUMBER() OVER (PARTITION BY m.incident_id ORDER BY e.fatalities_best) AS k,
         COUNT(*) OVER (PARTITION BY m.incident_id) AS nb
  FROM inc m JOIN events e ON e.event_id = m.event_id
  WHERE e.fatalities_best IS NOT NULL
),
fat AS (
  SELECT incident_id, MIN(fatalities_best) AS fatalities_best FROM fat_ranked
  WHERE 2 * k - nb IN (0, 1) GROUP BY incident_id
),
agg AS (
  SELECT m.incident_id, MIN(COALESCE(e.fatalities_low, e.fatalities_best)) AS fatalities_low,
         MAX(COALESCE(e.fatalities_high, e.fatalities_best)) AS fatalities_high,
         ',' || STRING_AGG(DISTINCT e.source, ',' ORDER BY e.source) || ',' AS sources,
         STRING_AGG({ACTORS_SQL.format(e="e")}, ' | ' ORDER BY e.event_id) AS actors
  FROM inc m JOIN events e ON e.event_id = m.event_id
  GROUP BY m.incident_id
),
att_r AS (
  SELECT event_id, entity_id, COALESCE(side, 0) AS side, MAX(confidence) AS confidence
  FROM attributions WHERE entity_id IS NOT NULL
  GROUP BY event_id, entity_id, COALESCE(side, 0)
),
att AS (
  SELECT m.incident_id AS event_id, a.entity_id, a.side,
         CASE WHEN MAX(a.confidence) >= 1 THEN 1.0
              ELSE 1 - EXP(SUM(LN(1 - a.confidence))) END AS confidence
  FROM att_r a JOIN inc m ON m.event_id = a.event_id
  GROUP BY m.incident_id, a.entity_id, a.side
),
{_WEIGHTS_SQL.format(members=members)},
dated AS (
  SELECT k.*, p.event_id AS rep_id, p.n_reports, e.date_start
  FROM kept k JOIN rep p ON p.incident_id = k.event_id
  JOIN events e ON e.event_id = p.event_id
  WHERE e.date_start IS NOT NULL
    AND (k.always OR ((k.valid_from IS NULL OR e.date_start >= k.valid_from)
                      AND (k.valid_to IS NULL OR e.date_start <= k.valid_to)))
)
SELECT {cols} FROM {report_base} b
WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.event_id = b.event_id)
UNION ALL
SELECT d.rep_id AS event_id, d.date_start AS date, d.branch_id AS entity_id, d.w_split,
       d.n_candidates, d.confidence, e.source, e.event_type, e.country_iso3, e.admin1,
       e.latitude, e.longitude, e.priogrid_gid, f.fatalities_best, g.fatalities_low,
       g.fatalities_high,
       COALESCE(d.member_region, r.country_region, {q(unknown_region)}) AS region,
       COUNT(*) OVER (PARTITION BY d.event_id) AS n_rows,
       e.place, e.country, e.date_precision, COALESCE(e.synthetic, FALSE) AS synthetic,
       d.event_id AS incident_id, d.n_reports, g.sources, g.actors
FROM dated d JOIN events e ON e.event_id = d.rep_id
JOIN agg g ON g.incident_id = d.event_id
LEFT JOIN fat f ON f.incident_id = d.event_id
LEFT JOIN {regions} r ON r.country_iso3 = e.country_iso3
"""


def filtered_sql(base: str, columns: Sequence[str], *, ambiguous: str,
                 min_confidence: float, start: dt.date | None, end: dt.date | None,
                 branches: Sequence[str] | None, countries: Sequence[str] | None,
                 sources: Sequence[str] | None, event_types: Sequence[str] | None,
                 admin1: Sequence[str] | None = None, actor: str | None = None,
                 min_fatalities: int | None = None, max_fatalities: int | None = None
                 ) -> str:
    """The frame for one set of (validated) filters, over the base table ``base``.

    ``weight`` is ``w_split`` under ``ambiguous="split"`` and 1 otherwise; under
    ``"exclude"`` rows with several candidates on their side are dropped. ``admin1``
    matches case-insensitively and exactly; ``actor`` case-insensitively as a literal
    substring of an actor name (any report's, in the incident base); ``sources`` keeps
    rows one of whose reports comes from one of them; ``min_fatalities`` and
    ``max_fatalities`` bound ``fatalities_best`` (inclusive; unknown fatalities never
    match a bound).
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
                        ("event_type", event_types)):
        if values:
            where.append(f"{col} IN ({in_list(values)})")
    if sources:
        where.append("(" + " OR ".join(f"STRPOS(sources, {q(',' + s + ',')}) > 0"
                                       for s in sources) + ")")
    if admin1:
        where.append(f"{admin1_key_sql('admin1')} IN "
                     f"({in_list(admin1_key(a) for a in admin1)})")
    if actor:
        where.append(f"STRPOS(LOWER(actors), {q(actor.lower())}) > 0")
    if min_fatalities is not None:
        where.append(f"fatalities_best >= {int(min_fatalities)}")
    if max_fatalities is not None:
        where.append(f"fatalities_best <= {int(max_fatalities)}")
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


def stamp_sql(incidents: bool = False) -> str:
    """Row counts that change whenever events or attributions are written (the base
    table is rebuilt when they differ from the ones it was built on): a replacing
    ingest keeps the event count, so the files and withdrawn events count too; with
    ``incidents`` (the table exists), its row count and a checksum of its rows."""
    extra = ("(SELECT count(*) FROM incidents) AS n_incident_rows, "
             "(SELECT SUM(HASH(event_id, incident_id, representative)) FROM incidents) "
             "AS incidents_sum, " if incidents else
             "0 AS n_incident_rows, 0 AS incidents_sum, ")
    return ("SELECT (SELECT count(*) FROM attributions) AS n_attributions, "
            "(SELECT count(*) FROM events) AS n_events, "
            "(SELECT count(*) FROM ingest_files) AS n_files, " + extra +
            "(SELECT count(*) FROM events WHERE withdrawn) AS n_withdrawn")


#: Type words datasets append to first-level division names ("Aleppo Governorate",
#: "Borno state", "Nīnawá province"): a filter on "Aleppo" or "borno" matches them.
ADMIN1_TYPE_WORDS: tuple[str, ...] = (
    "governorate", "province", "state", "region", "prefecture", "district", "department",
    "county", "division", "wilaya", "wilayah", "oblast", "municipality")
# spaces, not \s: the pattern is also a Spark SQL literal, whose parser would unescape it
_ADMIN1_SUFFIX = " +(" + "|".join(ADMIN1_TYPE_WORDS) + ")$"


def admin1_key(name: str) -> str:
    """The comparable form of a first-level division's name: lower case, trimmed,
    without a trailing type word (:data:`ADMIN1_TYPE_WORDS`).

    >>> admin1_key("Aleppo Governorate"), admin1_key(" borno STATE "), admin1_key("Kirkuk")
    ('aleppo', 'borno', 'kirkuk')
    """
    return re.sub(_ADMIN1_SUFFIX, "", name.strip().lower())


def admin1_key_sql(column: str) -> str:
    """:func:`admin1_key` of ``column`` in SQL."""
    return f"REGEXP_REPLACE(TRIM(LOWER({column})), '{_ADMIN1_SUFFIX}', '')"
