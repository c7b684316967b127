"""SQL of record linkage across sources (:mod:`kharita.linkage`).

Everything is written once in kharita's dialect (DuckDB's): the input table Splink
reads (one row per current, not withdrawn event, with the derived features below), the
blocking rules and comparison levels (SQL conditions over ``l.`` and ``r.``; Splink
translates them for Spark with sqlglot), and the reads and writes of ``event_links``,
``link_reviews`` and ``incidents``.

Features of a report (columns of :func:`link_input_sql`):

* ``d0``, ``d1``: first and last possible day (days since 1970-01-01); a report with
  week or month precision spans its interval.
* ``wk_a = floor(d0 / 7)``, ``wk_b = floor((d0 + 3) / 7)``: two week grids offset by
  3 days; two day-precise reports at most 3 days apart share a week in at least one.
* ``mon0``, ``mon1``: month index of ``d0`` and ``d1``; ``imon0``, ``imon1`` the same
  for reports with week or month precision only (NULL otherwise).
* ``cell_aa`` ... ``cell_bb``: 1-degree cells on two grids offset by half a degree in
  latitude and longitude (four combinations); two points less than half a degree apart
  in both share a cell in at least one.
* ``radius_km``: the location uncertainty of the source's geo-precision code
  (:data:`GEO_RADIUS_KM`); ``coarse`` reports (radius of 50 km or more, or no
  coordinates) are also blocked on country and week alone (``cwk_a``, ``cwk_b``).
* ``entities``: sorted KB entities attributed to either actor; ``fat_lo``, ``fat_best``,
  ``fat_hi``: the fatality interval (low and high default to best).
* ``rid``, ``ds``, ``cc``: integer keys of the report (event-id order), its dataset and
  its country; ``t4 = floor(d0 / 4)``, ``hlat = floor(2 lat)``, ``hlon = floor(2 lon)``:
  the integer keys of the scored pairs' one join (:func:`link_pairs_sql`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from kharita.geo import EARTH_RADIUS_KM
from kharita.store.sql.common import in_list, q

#: Which current reports are linked: a country, and a start date known to the day, week
#: or month (a year's span would block with every report of that year).
LINKABLE = ("e.country_iso3 IS NOT NULL AND e.date_start IS NOT NULL "
            "AND e.date_precision IN ('day', 'week', 'month')")
#: Table of the linkage input and its per-source views.
INPUT_TABLE = "_kh_link_input"
#: Location uncertainty (km) of each source's geo-precision code; ``default`` for
#: codes not listed (UCDP ``where_prec``, also used by the ``table`` connector).
GEO_RADIUS_KM: Mapping[str, Mapping[int, float]] = {
    # UCDP where_prec: 1 exact, 2 within 25 km, 3 admin2, 4 admin1, 5 border/line,
    # 6 country, 7 international waters or air space
    "default": {1: 2.0, 2: 25.0, 3: 40.0, 4: 150.0, 5: 50.0, 6: 500.0, 7: 500.0},
    # ACLED geo_precision: 1 town, 2 near the town / part of a region, 3 larger region
    "acled": {1: 2.0, 2: 25.0, 3: 100.0},
    # GTD specificity: 1 city, 2 city unknown (place), 3 district, 4 province, 5 unknown
    "gtd": {1: 2.0, 2: 25.0, 3: 50.0, 4: 150.0, 5: 500.0},
    # GDELT ActionGeo_Type: 1 country, 2 US state, 3 US city, 4 world city, 5 world ADM1
    "gdelt": {1: 500.0, 2: 150.0, 3: 10.0, 4: 10.0, 5: 150.0},
}
#: Radius assumed when a source gives coordinates but no precision code.
UNKNOWN_RADIUS_KM = 25.0
#: Radius from which a report is "coarse" (also blocked on country and week alone).
COARSE_RADIUS_KM = 50.0
#: Event types that describe the same kind of violence across datasets' codings.
VIOLENT_TYPES: tuple[str, ...] = ("battle", "violence_against_civilians", "explosion_remote",
                                  "armed_assault", "attack_on_facility")
#: Source priority for an incident's representative report (lower first).
SOURCE_PRIORITY: tuple[str, ...] = ("ucdp", "acled", "gtd", "table", "gdelt")
DATE_PRECISION_RANK: Mapping[str, int] = {"day": 0, "week": 1, "month": 2, "year": 3,
                                          "unknown": 4}


def _radius_sql() -> str:
    parts = []
    for source, codes in GEO_RADIUS_KM.items():
        if source == "default":
            continue
        whens = " ".join(f"WHEN {int(k)} THEN {float(v)!r}" for k, v in codes.items())
        parts.append(f"WHEN e.source = {q(source)} THEN CASE e.geo_precision {whens} "
                     f"ELSE {UNKNOWN_RADIUS_KM!r} END")
    default = " ".join(f"WHEN {int(k)} THEN {float(v)!r}"
                       for k, v in GEO_RADIUS_KM["default"].items())
    return (f"CASE WHEN e.latitude IS NULL OR e.longitude IS NULL THEN NULL "
            f"{' '.join(parts)} ELSE CASE e.geo_precision {default} "
            f"ELSE {UNKNOWN_RADIUS_KM!r} END END")


def source_dataset_sql(alias: str = "e") -> str:
    """The dataset a report belongs to for linkage: its source, and for the user's own
    tables (``table:<name>:<id>``) the source and list name."""
    return (f"CASE WHEN {alias}.source = 'table' THEN split_part({alias}.event_id, ':', 1) "
            f"|| ':' || split_part({alias}.event_id, ':', 2) ELSE {alias}.source END")


def link_input_sql(events_where: str = "TRUE") -> str:
    """One row per current, not withdrawn event with a country and a start date: the
    features of the module docstring. ``events_where`` narrows ``events e``."""
    d0 = "CAST(date_diff('day', DATE '1970-01-01', e.date_start) AS BIGINT)"
    d1 = ("CAST(date_diff('day', DATE '1970-01-01', coalesce(e.date_end, e.date_start)) "
          "AS BIGINT)")
    lat, lon = "e.latitude", "e.longitude"

    def cell(lat_off: float, lon_off: float) -> str:
        return (f"CASE WHEN {lat} IS NULL OR {lon} IS NULL THEN NULL ELSE "
                f"CAST(floor({lat} + {lat_off}) AS BIGINT) * 1000 + "
                f"CAST(floor({lon} + {lon_off}) AS BIGINT) END")

    return f"""
WITH att AS (
    SELECT event_id, list_sort(list(DISTINCT entity_id)) AS entities
    FROM attributions GROUP BY event_id
), base AS (
    SELECT e.event_id, {source_dataset_sql()} AS source_dataset, e.source,
           e.country_iso3 AS country, e.date_precision,
           {d0} AS d0, greatest({d0}, {d1}) AS d1,
           {lat} AS lat, {lon} AS lon,
           radians({lat}) AS lat_r, radians({lon}) AS lon_r,
           {_radius_sql()} AS radius_km,
           {cell(0.0, 0.0)} AS cell_aa, {cell(0.0, 0.5)} AS cell_ab,
           {cell(0.5, 0.0)} AS cell_ba, {cell(0.5, 0.5)} AS cell_bb,
           e.event_type, e.fatalities_best AS fat_best,
           coalesce(least(e.fatalities_low, e.fatalities_best), e.fatalities_best) AS fat_lo,
           coalesce(greatest(e.fatalities_high, e.fatalities_best), e.fatalities_best)
               AS fat_hi,
           e.geo_precision, {actor_key_sql('e.actor1_name')} AS a1,
           {actor_key_sql('e.actor2_name')} AS a2
    FROM events e
    WHERE coalesce(e.withdrawn, FALSE) = FALSE AND {LINKABLE} AND ({events_where})
)
SELECT b.event_id, b.source_dataset, b.country, b.date_precision,
       CAST(row_number() OVER (ORDER BY b.event_id) AS INTEGER) AS rid,
       CAST(dense_rank() OVER (ORDER BY b.source_dataset) AS INTEGER) AS ds,
       CAST(dense_rank() OVER (ORDER BY b.country) AS INTEGER) AS cc,
       CAST(floor(b.d0 / {PAIR_DAYS}.0) AS BIGINT) AS t4,
       CAST(floor(2 * b.lat) AS BIGINT) AS hlat, CAST(floor(2 * b.lon) AS BIGINT) AS hlon,
       b.date_precision = 'day' AS day_precise, b.d0, b.d1,
       CAST(floor(b.d0 / 7.0) AS BIGINT) AS wk_a,
       CAST(floor((b.d0 + 3) / 7.0) AS BIGINT) AS wk_b,
       {_month_sql('b.d0')} AS mon0, {_month_sql('b.d1')} AS mon1,
       CASE WHEN b.date_precision <> 'day' THEN {_month_sql('b.d0')} END AS imon0,
       CASE WHEN b.date_precision <> 'day' THEN {_month_sql('b.d1')} END AS imon1,
       b.lat, b.lon, b.lat_r, b.lon_r, cos(b.lat_r) AS cos_lat, b.radius_km,
       b.cell_aa, b.cell_ab, b.cell_ba, b.cell_bb,
       CASE WHEN b.radius_km IS NULL OR b.radius_km >= {COARSE_RADIUS_KM!r}
            THEN CAST(floor(b.d0 / 7.0) AS BIGINT) END AS cwk_a,
       CASE WHEN b.radius_km IS NULL OR b.radius_km >= {COARSE_RADIUS_KM!r}
            THEN CAST(floor((b.d0 + 3) / 7.0) AS BIGINT) END AS cwk_b,
       b.event_type, b.fat_best, b.fat_lo, b.fat_hi, b.a1, b.a2, att.entities
FROM base b LEFT JOIN att ON att.event_id = b.event_id
"""


#: Name prefixes that denote a state's forces in UCDP's and ACLED's codings.
STATE_PREFIXES: tuple[str, ...] = ("government of ", "military forces of ", "police forces of ")


def actor_key_sql(name: str) -> str:
    """A comparable key of an actor name: lower case, without a trailing parenthesis
    (ACLED's "(2015-2023)", "(Nigeria)"), the abbreviation of "SDF: Syrian Democratic
    Forces", and a state's forces as ``state:<country>``
    ("Government of Nigeria" and "Military Forces of Nigeria (2015-2023)" alike)."""
    clean = f"trim(regexp_replace(lower({name}), '\\s*\\([^)]*\\)\\s*$', ''))"
    # ACLED's "SDF: Syrian Democratic Forces": the abbreviation before ": "
    base = (f"(CASE WHEN strpos({clean}, ': ') > 0 THEN trim(split_part({clean}, ': ', 1)) "
            f"ELSE {clean} END)")
    whens = " ".join(f"WHEN starts_with({base}, {q(p)}) THEN 'state:' || "
                     f"trim(substr({base}, {len(p) + 1}))" for p in STATE_PREFIXES)
    return f"CASE WHEN {name} IS NULL OR trim({name}) = '' THEN NULL {whens} ELSE {base} END"


def _month_sql(day: str) -> str:
    d = f"(DATE '1970-01-01' + CAST({day} AS INTEGER))"
    return f"(year({d}) * 12 + month({d}))"


def source_view_sql(source_dataset: str) -> str:
    """The linkage input of one dataset (Splink links datasets pairwise)."""
    return f"SELECT * FROM {INPUT_TABLE} WHERE source_dataset = {q(source_dataset)}"


def source_sample_sql(source_dataset: str, fraction: float) -> str:
    """A deterministic sample of one dataset's linkage input: the reports whose id's MD5
    (the same hex digest in DuckDB and Spark) falls in the first ``fraction`` of its
    range, each report independently of the others."""
    cut = min(max(int(float(fraction) * 16 ** 8), 0), 16 ** 8 - 1)
    return (f"{source_view_sql(source_dataset)} "
            f"AND substr(md5(event_id), 1, 8) < {q(format(cut, '08x'))}")


def left_out_sql() -> str:
    """Current reports that are not linkable (:data:`LINKABLE`), counted per reason: each
    stays an incident of its own."""
    return f"""
SELECT CASE WHEN e.country_iso3 IS NULL THEN 'no country'
            WHEN e.date_start IS NULL THEN 'no date'
            ELSE 'date known only to the ' || coalesce(e.date_precision, 'unknown') END
           AS reason, count(*) AS n
FROM events e
WHERE coalesce(e.withdrawn, FALSE) = FALSE AND NOT coalesce({LINKABLE}, FALSE)
GROUP BY 1 ORDER BY n DESC, reason"""


def input_sources_sql() -> str:
    """Datasets in the linkage input and their report counts."""
    return (f"SELECT source_dataset, count(*) AS n FROM {INPUT_TABLE} "
            "GROUP BY source_dataset ORDER BY source_dataset")


# -- the model: blocking rules and comparison levels ------------------------------------

#: Largest date gap (days between the two reports' intervals) and coordinate
#: difference (degrees of latitude and of longitude) of a pair blocked on a shared week
#: and cell: the grids find every such pair, and the pairs they add beyond it (up to 6
#: days or 1.5 degrees apart, depending on where the grid lines fall) are left out.
BLOCK_MAX_GAP_DAYS = 3
BLOCK_MAX_DEGREES = 0.5


#: Days per bucket of ``t4`` (the near pairs' join key on dates).
PAIR_DAYS = 4


def blocking_rules() -> list[str]:
    """Blocking rules for prediction (a pair is scored when any rule holds): same
    country, and a shared week and 1-degree cell (two grids each) with a date gap of at
    most :data:`BLOCK_MAX_GAP_DAYS` and less than :data:`BLOCK_MAX_DEGREES` apart in
    latitude and longitude, or for week/month precision a shared month, or for coarse
    locations a shared week."""
    near = (f"{_gap()} <= {BLOCK_MAX_GAP_DAYS} "
            f"AND abs(l.lat - r.lat) < {BLOCK_MAX_DEGREES!r} "
            f"AND abs(l.lon - r.lon) < {BLOCK_MAX_DEGREES!r}")
    out = []
    for wk in ("wk_a", "wk_b"):
        for cell in CELLS:
            out.append(f"l.country = r.country AND l.{wk} = r.{wk} AND l.{cell} = r.{cell} "
                       f"AND {near}")
    return out + _coarse_rules()


#: The four 1-degree cell grids.
CELLS: tuple[str, ...] = ("cell_aa", "cell_ab", "cell_ba", "cell_bb")


def _coarse_rules() -> list[str]:
    """The blocking rules after the near ones: a shared month for week or month
    precision, a shared week for coarse locations."""
    out = []
    for im in ("imon0", "imon1"):
        out.append(f"l.country = r.country AND l.{im} = r.mon0")
        out.append(f"l.country = r.country AND l.mon0 = r.{im}")
    for cw, wk in (("cwk_a", "wk_a"), ("cwk_b", "wk_b")):
        out.append(f"l.country = r.country AND l.{cw} = r.{wk}")
        out.append(f"l.country = r.country AND l.{wk} = r.{cw}")
    return out


def _near_sql() -> str:
    """The union of the eight near rules of :func:`blocking_rules` as one condition: same
    country, a shared week on one grid, a shared cell on one grid, a date gap of at most
    :data:`BLOCK_MAX_GAP_DAYS` and less than :data:`BLOCK_MAX_DEGREES` apart."""
    cells = " OR ".join(f"l.{c} = r.{c}" for c in CELLS)
    return (f"(l.cc = r.cc AND (l.wk_a = r.wk_a OR l.wk_b = r.wk_b) AND ({cells}) "
            f"AND {_gap()} <= {BLOCK_MAX_GAP_DAYS} "
            f"AND abs(l.lat - r.lat) < {BLOCK_MAX_DEGREES!r} "
            f"AND abs(l.lon - r.lon) < {BLOCK_MAX_DEGREES!r})")


#: Table of the scored pairs (``rid_l``, ``rid_r``: the two reports' ``rid``).
PAIRS_TABLE = "_kh_link_pairs"
_OFFSETS = "(SELECT -1 AS o UNION ALL SELECT 0 UNION ALL SELECT 1)"
_CARRY = ("rid", "ds", "cc", "wk_a", "wk_b", "d0", "d1", "lat", "lon", *CELLS)


def _exploded(time_key: str, where: str) -> str:
    """Each report of ``where`` (with coordinates) once per neighbouring key: its
    ``time_key`` and ``hlat``, ``hlon`` each moved by -1, 0 and +1 (27 rows)."""
    carry = ", ".join(f"x.{c}" for c in _CARRY)
    return (f"(SELECT {carry}, x.{time_key} + dt.o AS k_t, x.hlat + dy.o AS k_y, "
            f"x.hlon + dx.o AS k_x FROM {INPUT_TABLE} x CROSS JOIN {_OFFSETS} dt "
            f"CROSS JOIN {_OFFSETS} dy CROSS JOIN {_OFFSETS} dx "
            f"WHERE x.hlat IS NOT NULL AND x.hlon IS NOT NULL AND ({where}))")


def link_pairs_sql() -> str:
    """The pairs to score (``rid_l`` of the lower dataset number, ``rid_r``): exactly the
    pairs of reports of two different datasets for which one of :func:`blocking_rules`
    holds, each once, found on integer keys.

    The near rules' pairs come from one equi-join on the country and neighbouring
    integer keys: two reports less than half a degree apart have ``hlat`` and ``hlon``
    (half-degree cells) at most 1 apart, two one-day reports (``d0 = d1``) at most 3
    days apart have ``t4`` (4-day buckets) at most 1 apart, and two reports sharing a
    week on either grid have ``wk_a`` at most 1 apart (the pairs with a report of
    several days); the join keeps the pairs for which the
    near condition holds exactly. The coarse rules follow, each without the pairs of
    the near condition and of the rules before it (as Splink's blocking does)."""
    near = _near_sql()
    day = (f"SELECT l.rid AS rid_l, r.rid AS rid_r FROM {_exploded('t4', 'x.d1 = x.d0')} l "
           f"JOIN {INPUT_TABLE} r ON r.cc = l.cc AND r.t4 = l.k_t AND r.hlat = l.k_y "
           f"AND r.hlon = l.k_x WHERE r.d1 = r.d0 AND l.ds < r.ds AND {near}")
    # a report spanning more than one day (l) against any: each pair once
    imprecise = (
        f"SELECT CASE WHEN l.ds < r.ds THEN l.rid ELSE r.rid END AS rid_l, "
        f"CASE WHEN l.ds < r.ds THEN r.rid ELSE l.rid END AS rid_r "
        f"FROM {_exploded('wk_a', 'x.d1 > x.d0')} l "
        f"JOIN {INPUT_TABLE} r ON r.cc = l.cc AND r.wk_a = l.k_t AND r.hlat = l.k_y "
        f"AND r.hlon = l.k_x WHERE l.ds <> r.ds AND (r.d1 = r.d0 OR l.ds < r.ds) "
        f"AND {near}")
    parts = [day, imprecise]
    rules = [rule.replace("l.country = r.country", "l.cc = r.cc") for rule in _coarse_rules()]
    for k, rule in enumerate(rules):
        before = " OR ".join(f"coalesce(({x}), FALSE)" for x in [near, *rules[:k]])
        parts.append(f"SELECT l.rid AS rid_l, r.rid AS rid_r FROM {INPUT_TABLE} l "
                     f"JOIN {INPUT_TABLE} r ON {rule} WHERE l.ds < r.ds AND NOT ({before})")
    return "\nUNION ALL\n".join(parts)


#: Blocking rules of the EM sessions and the comparisons each leaves untrained (those
#: it blocks on); blocks are tight so that matches are a large share of their pairs.
_SAME_ACTORS = ("coalesce(l.a1, '') = coalesce(r.a1, '') "
                "AND coalesce(l.a2, '') = coalesce(r.a2, '')")
EM_BLOCKING_RULES: tuple[tuple[str, str], ...] = (
    (f"l.country = r.country AND l.d0 = r.d0 AND l.cell_aa = r.cell_aa AND {_SAME_ACTORS}",
     "date, actor"),
    (f"l.country = r.country AND l.cell_aa = r.cell_aa AND {_SAME_ACTORS} "
     "AND l.fat_best = r.fat_best AND l.wk_a = r.wk_a", "distance, actor, fatalities"),
    ("l.country = r.country AND l.d0 = r.d0 AND l.cell_aa = r.cell_aa "
     "AND l.fat_best = r.fat_best", "date, distance, fatalities"),
)

#: A deterministic rule and its assumed recall, for the prior (the probability that two
#: random reports of two datasets are the same incident).
PRIOR_RULE = ("l.country = r.country AND l.d0 = r.d0 AND l.cell_aa = r.cell_aa "
              "AND l.event_type = r.event_type")
PRIOR_RECALL = 0.5


def _gap() -> str:
    return "(greatest(l.d0, r.d0) - least(l.d1, r.d1))"


def distance_km_sql() -> str:
    """Great-circle distance in km (haversine) between ``l`` and ``r``."""
    return (f"(2 * {EARTH_RADIUS_KM!r} * asin(sqrt(least(1.0, "
            "power(sin((r.lat_r - l.lat_r) / 2), 2) + "
            "l.cos_lat * r.cos_lat * power(sin((r.lon_r - l.lon_r) / 2), 2)))))")


Level = tuple[str, str, bool]  # (sql condition, label, is the null level)

#: Starting m probabilities of the levels (EM's initial values, in level order without
#: the null level): what two reports of one incident typically look like. EM moves
#: them; good starting values keep it from converging to "same area and month"
#: instead of "same incident".
START_M: Mapping[str, tuple[float, ...]] = {
    "date": (0.45, 0.3, 0.1, 0.06, 0.05, 0.03, 0.01),
    "distance": (0.2, 0.15, 0.15, 0.15, 0.12, 0.1, 0.06, 0.05, 0.02),
    "event_type": (0.8, 0.18, 0.02),
    "fatalities": (0.35, 0.25, 0.2, 0.1, 0.1),
    "actor": (0.7, 0.1, 0.12, 0.01, 0.07),
}


_SIDE = re.compile(r"\b([lr])\.([a-z_0-9]+)")


#: Functions without a common spelling: DuckDB's name -> Spark's (sqlglot writes
#: ``list_has_any`` as Spark's non-existent ``&&``).
SPARK_FUNCTIONS: Mapping[str, str] = {"list_has_any(": "arrays_overlap("}


def comparisons(dialect: str = "duckdb") -> dict[str, list[Level]]:
    """The comparisons, each a list of levels (first that holds wins; the last is
    ``ELSE``): date distance, great-circle distance (with the two reports' location
    uncertainty), event type, fatalities, attributed actors. Conditions name the two
    reports' columns ``<column>_l`` and ``<column>_r`` (Splink's convention), in
    ``dialect`` (``duckdb`` or ``spark``; the rest of the SQL is common to both)."""
    out = {}
    for name, levels in _comparisons().items():
        rows = []
        for sql, label, null in levels:
            text = _SIDE.sub(r"\2_\1", sql)
            if dialect == "spark":
                for a, b in SPARK_FUNCTIONS.items():
                    text = text.replace(a, b)
            rows.append((text, label, null))
        out[name] = rows
    return out


def _comparisons() -> dict[str, list[Level]]:
    gap = _gap()
    both = "l.day_precise AND r.day_precise"
    dist = distance_km_sql()
    tol = "(l.radius_km + r.radius_km)"
    violent = in_list(VIOLENT_TYPES)
    share_group = ("(l.entities IS NOT NULL AND r.entities IS NOT NULL AND "
                   "list_has_any(l.entities, r.entities))")
    return {
        "date": [
            ("l.d0 IS NULL OR r.d0 IS NULL", "date missing", True),
            (f"{both} AND {gap} <= 0", "same day", False),
            (f"{both} AND {gap} <= 1", "1 day apart", False),
            (f"{both} AND {gap} <= 2", "2 days apart", False),
            (f"{both} AND {gap} <= 3", "3 days apart", False),
            (f"{gap} <= 0", "imprecise dates overlap", False),
            (f"{gap} <= 7", "4-7 days apart", False),
            ("ELSE", "more than 7 days apart", False),
        ],
        "distance": [
            ("l.lat IS NULL OR r.lat IS NULL", "place missing", True),
            (f"{dist} <= 1", "within 1 km", False),
            (f"{dist} <= 3", "within 3 km", False),
            (f"{dist} <= 6", "within 6 km", False),
            (f"{dist} <= 10", "within 10 km", False),
            (f"{dist} <= 15", "within 15 km", False),
            (f"{dist} <= 25", "within 25 km", False),
            (f"{dist} <= 25 + {tol}", "within 25 km + location precision", False),
            (f"{dist} <= 100 + {tol}", "within 100 km + location precision", False),
            ("ELSE", "farther", False),
        ],
        "event_type": [
            ("l.event_type IS NULL OR r.event_type IS NULL", "type missing", True),
            ("l.event_type = r.event_type", "same type", False),
            (f"l.event_type IN ({violent}) AND r.event_type IN ({violent})",
             "both violent", False),
            ("ELSE", "different type", False),
        ],
        "fatalities": [
            ("l.fat_best IS NULL OR r.fat_best IS NULL", "fatalities missing", True),
            ("l.fat_best = r.fat_best", "same best estimate", False),
            ("abs(l.fat_best - r.fat_best) <= 1", "best estimates 1 apart", False),
            ("abs(l.fat_best - r.fat_best) <= 0.35 * greatest(l.fat_best, r.fat_best)",
             "best estimates within 35%", False),
            ("greatest(l.fat_lo, r.fat_lo) <= least(l.fat_hi, r.fat_hi)",
             "low-high intervals overlap", False),
            ("ELSE", "different", False),
        ],
        "actor": [
            ("l.a1 IS NULL AND l.a2 IS NULL AND l.entities IS NULL OR "
             "r.a1 IS NULL AND r.a2 IS NULL AND r.entities IS NULL", "actors missing", True),
            ("(l.a1 = r.a1 AND l.a2 = r.a2) OR (l.a1 = r.a2 AND l.a2 = r.a1) OR "
             f"({share_group} AND (l.a1 IN (r.a1, r.a2) OR l.a2 IN (r.a1, r.a2)))",
             "same actors", False),
            (share_group, "same attributed group", False),
            ("l.a1 IN (r.a1, r.a2) OR l.a2 IN (r.a1, r.a2)", "one actor in common", False),
            ("l.entities IS NOT NULL AND r.entities IS NOT NULL",
             "different attributed groups", False),
            ("ELSE", "different actors", False),
        ],
    }


# -- writing and reading links ---------------------------------------------------------

def _waterfall_sql(levels: Mapping[str, Sequence[str]], prior_log2: float) -> str:
    """The JSON waterfall of a scored pair of Splink's prediction table: the prior, then
    per comparison its level (from ``gamma_<name>``; ``levels[name][gamma]``, gamma -1
    the null level) and its match weight ``mw_<name>`` (``log2`` of the Bayes factor)."""
    parts = [f"'[{{\"comparison\":\"prior\",\"level\":\"\",\"log2_bayes_factor\":"
             f"{prior_log2:.6f}}}'"]
    for name, labels in levels.items():
        cases = " ".join(f"WHEN {g} THEN {q(label)}"
                         for g, label in zip(_gammas(len(labels)), labels, strict=True))
        parts.append(
            f"',{{\"comparison\":\"{name}\",\"level\":\"' || "
            f"CASE gamma_{name} {cases} ELSE '' END || "
            f"'\",\"log2_bayes_factor\":' || "
            f"CAST(round(mw_{name}, 6) AS VARCHAR) || '}}'")
    return " || ".join(parts) + " || ']'"


def _gammas(n: int) -> list[int]:
    # Splink numbers levels from the last (ELSE, 0) up; the null level is -1.
    return [-1, *range(n - 2, -1, -1)]


def links_from_predictions_sql(predictions: str, levels: Mapping[str, Sequence[str]],
                               prior_log2: float, model_id: str, linked_at: str) -> str:
    """``event_links`` rows of Splink's prediction table ``predictions``."""
    return f"""
SELECT least(event_id_l, event_id_r) AS event_id_l,
       greatest(event_id_l, event_id_r) AS event_id_r,
       match_probability, match_weight,
       {_waterfall_sql(levels, prior_log2)} AS comparisons,
       {q(model_id)} AS model_id, CAST({q(linked_at)} AS TIMESTAMP) AS linked_at
FROM {predictions}
"""


def _term_head(name: str, label: str) -> str:
    """The start of one waterfall term (its number follows)."""
    return (',{"comparison":"' + name + '","level":"' + label
            + '","log2_bayes_factor":')


def scored_links_sql(weights: Mapping[str, Sequence[tuple[int, float, str]]],
                     prior_weight: float, min_weight: float, model_id: str,
                     linked_at: str) -> str:
    """``event_links`` rows of the pairs of :data:`PAIRS_TABLE` whose match weight is at
    least ``min_weight``, scored with a trained Fellegi-Sunter model as Splink's
    prediction does: per comparison its level ``gamma`` (the first of
    :func:`comparisons` that holds; Splink's numbering, the last level 0, the null level
    -1) and that level's weight ``log2(m / u)``, ``match_weight = prior_weight + Σ``
    (in the comparisons' order), ``match_probability = 2^w / (1 + 2^w)``, and the
    waterfall as JSON (see docs/linkage.md).

    ``weights[name]`` lists each level of a comparison in order as ``(gamma, log2 Bayes
    factor, label)``. The great-circle distance is computed once per pair."""
    dist = _SIDE.sub(r"\2_\1", distance_km_sql())
    native = comparisons("duckdb")
    used: set[str] = set()
    for name in weights:
        for sql, _label, _null in _comparisons()[name]:
            sql = sql.replace(distance_km_sql(), "_dist_km")
            used.update(m.group(2) for m in _SIDE.finditer(sql))
    cols = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in sorted(used))
    gammas, mws, terms = [], [], []
    for name, levels in weights.items():
        whens = []
        for (sql, _label, _null), (gamma, _w, _lab) in zip(native[name], levels, strict=True):
            whens.append(f"ELSE {int(gamma)}" if sql == "ELSE" else
                         f"WHEN {sql.replace(dist, '_dist_km')} THEN {int(gamma)}")
        gammas.append(f"CASE {' '.join(whens)} END AS gamma_{name}")
        mws.append(f"CASE gamma_{name} " + " ".join(
            f"WHEN {int(g)} THEN CAST({float(w)!r} AS DOUBLE)" for g, w, _ in levels)
            + f" END AS mw_{name}")
        frags = " ".join(
            f"WHEN {int(g)} THEN {q(_term_head(name, label))} "
            f"|| CAST(round(CAST({float(w)!r} AS DOUBLE), 6) AS VARCHAR) || '}}'"
            for g, w, label in levels)
        terms.append(f"CASE gamma_{name} {frags} END")
    weight = f"CAST({float(prior_weight)!r} AS DOUBLE) + " + " + ".join(
        f"mw_{name}" for name in weights)
    prior = _term_head("prior", "")[1:] + f"{float(prior_weight):.6f}}}"
    waterfall = " || ".join([q("[" + prior), *terms, "']'"])
    return f"""
WITH j AS (
    SELECT l.event_id AS event_id_l, r.event_id AS event_id_r, {cols},
           {distance_km_sql()} AS _dist_km
    FROM {PAIRS_TABLE} p JOIN {INPUT_TABLE} l ON l.rid = p.rid_l
    JOIN {INPUT_TABLE} r ON r.rid = p.rid_r
), g AS (
    SELECT event_id_l, event_id_r, {", ".join(gammas)} FROM j
), w AS (
    SELECT *, {", ".join(mws)} FROM g
), s AS (
    SELECT *, {weight} AS match_weight FROM w WHERE ({weight}) >= {float(min_weight)!r}
)
SELECT least(event_id_l, event_id_r) AS event_id_l,
       greatest(event_id_l, event_id_r) AS event_id_r,
       CASE WHEN match_weight >= 0
            THEN 1.0 / (1.0 + POWER(CAST(2 AS DOUBLE), -(match_weight)))
            ELSE POWER(CAST(2 AS DOUBLE), (match_weight))
                 / (1.0 + POWER(CAST(2 AS DOUBLE), (match_weight))) END
           AS match_probability,
       match_weight, {waterfall} AS comparisons,
       {q(model_id)} AS model_id, CAST({q(linked_at)} AS TIMESTAMP) AS linked_at
FROM s
"""


def count_sql(table: str) -> str:
    """Rows of a table (Splink's, in the store's engine)."""
    return f"SELECT count(*) FROM {table}"


def count_above_sql() -> str:
    """Stored links at or above a probability (``?``)."""
    return "SELECT count(*) FROM event_links WHERE match_probability >= ?"


def drop_table_sql(name: str) -> str:
    """Drop a table of Splink's (a name from :func:`splink_tables_sql`)."""
    return f'DROP TABLE IF EXISTS "{name}"'


def links_sql(min_probability: float) -> str:
    """Stored links at or above ``min_probability`` with both reports' summary and the
    analyst's decision, most probable first."""
    return f"""
SELECT k.event_id_l, k.event_id_r, k.match_probability, k.match_weight,
       rv.decision AS review, el.date_start AS date_l, er.date_start AS date_r,
       el.country_iso3 AS country, el.place AS place_l, er.place AS place_r,
       el.fatalities_best AS fatalities_l, er.fatalities_best AS fatalities_r,
       el.actor1_name AS actor1_l, er.actor1_name AS actor1_r, k.comparisons
FROM event_links k
LEFT JOIN events el ON el.event_id = k.event_id_l
LEFT JOIN events er ON er.event_id = k.event_id_r
LEFT JOIN ({_latest_reviews_sql()}) rv
       ON rv.event_id_l = k.event_id_l AND rv.event_id_r = k.event_id_r
WHERE k.match_probability >= {float(min_probability)!r}
ORDER BY k.match_probability DESC, k.event_id_l, k.event_id_r
"""


def _latest_reviews_sql() -> str:
    """The latest decision per pair."""
    return """
SELECT event_id_l, event_id_r, decision FROM (
    SELECT event_id_l, event_id_r, decision,
           row_number() OVER (PARTITION BY event_id_l, event_id_r
                              ORDER BY reviewed_at DESC) AS rk
    FROM link_reviews) WHERE rk = 1
"""


def event_links_sql() -> str:
    """Links and reviews of one event (``?``: the event id): the other report,
    probability, weight, waterfall and latest decision; confirmed pairs without a stored
    link included."""
    return f"""
WITH me AS (SELECT CAST(? AS VARCHAR) AS id),
rv AS ({_latest_reviews_sql()}),
pairs AS (
    SELECT event_id_l, event_id_r FROM event_links, me
    WHERE event_id_l = me.id OR event_id_r = me.id
    UNION SELECT event_id_l, event_id_r FROM rv, me
    WHERE event_id_l = me.id OR event_id_r = me.id
)
SELECT CASE WHEN p.event_id_l = me.id THEN p.event_id_r ELSE p.event_id_l END
           AS other_event_id,
       k.match_probability, k.match_weight, k.comparisons, rv.decision AS review
FROM pairs p CROSS JOIN me
LEFT JOIN event_links k ON k.event_id_l = p.event_id_l AND k.event_id_r = p.event_id_r
LEFT JOIN rv ON rv.event_id_l = p.event_id_l AND rv.event_id_r = p.event_id_r
ORDER BY k.match_probability DESC NULLS LAST, other_event_id
"""


def events_exist_sql() -> str:
    """Ids and datasets of the given events (``?`` twice)."""
    return (f"SELECT event_id, {source_dataset_sql()} AS source_dataset, "
            "coalesce(withdrawn, FALSE) AS withdrawn FROM events e WHERE event_id IN (?, ?)")


def insert_review_sql() -> str:
    """One review row (``?``: left id, right id, decision, note, timestamp)."""
    return ("INSERT INTO link_reviews (event_id_l, event_id_r, decision, note, reviewed_at) "
            "VALUES (?, ?, ?, ?, CAST(? AS TIMESTAMP))")


# -- incidents -------------------------------------------------------------------------

EDGES_TABLE = "_kh_incident_edges"
NODES_TABLE = "_kh_incident_nodes"


def _dataset_label(alias: str) -> str:
    """A report's dataset as an identifier-safe label (Splink names columns after it)."""
    return f"regexp_replace({source_dataset_sql(alias)}, '[^A-Za-z0-9_]', '_', 'g')"


def incident_edges_sql(threshold: float) -> str:
    """Edges of the incident graph: stored links at or above ``threshold`` whose latest
    review is not a rejection, plus confirmed pairs (probability 1); both ends current,
    not withdrawn; with both reports' dataset labels and the link's match weight (NULL
    for a confirmed pair without a stored link)."""
    return f"""
WITH rv AS ({_latest_reviews_sql()}),
e AS (
    -- a model's link ranks below a confirmed pair even when its probability rounds to 1
    SELECT k.event_id_l, k.event_id_r, least(k.match_probability, 0.999999999)
               AS match_probability, k.match_weight
    FROM event_links k
    LEFT JOIN rv ON rv.event_id_l = k.event_id_l AND rv.event_id_r = k.event_id_r
    WHERE k.match_probability >= {float(threshold)!r}
      AND coalesce(rv.decision, '') <> 'reject'
    UNION ALL SELECT event_id_l, event_id_r, 1.0 AS match_probability,
           CAST(NULL AS DOUBLE) AS match_weight FROM rv
    WHERE decision = 'confirm'
)
SELECT e.event_id_l, e.event_id_r, max(e.match_probability) AS match_probability,
       any_value({_dataset_label('a')}) AS source_dataset_l,
       any_value({_dataset_label('b')}) AS source_dataset_r,
       max(e.match_weight) AS match_weight
FROM e
JOIN events a ON a.event_id = e.event_id_l AND coalesce(a.withdrawn, FALSE) = FALSE
JOIN events b ON b.event_id = e.event_id_r AND coalesce(b.withdrawn, FALSE) = FALSE
GROUP BY e.event_id_l, e.event_id_r
"""


def incident_nodes_sql() -> str:
    """Nodes of the incident graph: every report at one end of an edge, with its
    dataset label."""
    return (f"SELECT event_id_l AS event_id, any_value(source_dataset_l) AS source_dataset "
            f"FROM {EDGES_TABLE} GROUP BY event_id_l UNION "
            f"SELECT event_id_r, any_value(source_dataset_r) FROM {EDGES_TABLE} "
            "GROUP BY event_id_r")


#: Nodes numbered (``node``, in event-id order) and datasets numbered (``ds``, in
#: label order), and the chosen edges by number, so that the assignment holds integers.
NODE_IDS_TABLE = "_kh_incident_node_ids"
ASSIGNED_IDS_TABLE = "_kh_incident_assigned_ids"


def incident_node_ids_sql() -> str:
    """Every node of the incident graph with its number (event-id order) and its
    dataset's number (label order)."""
    return (f"SELECT event_id, source_dataset, "
            f"CAST(row_number() OVER (ORDER BY event_id) - 1 AS BIGINT) AS node, "
            f"CAST(dense_rank() OVER (ORDER BY source_dataset) - 1 AS INTEGER) AS ds "
            f"FROM {NODES_TABLE}")


def numbered_edges_sql() -> str:
    """The incident graph's edges with numbers for ids and dataset labels (same order
    as the ids and labels), for :func:`kharita.linkage.assignment.assign_links`."""
    return (f"SELECT a.node AS event_id_l, b.node AS event_id_r, e.match_probability, "
            f"e.match_weight, a.ds AS source_dataset_l, b.ds AS source_dataset_r "
            f"FROM {EDGES_TABLE} e JOIN {NODE_IDS_TABLE} a ON a.event_id = e.event_id_l "
            f"JOIN {NODE_IDS_TABLE} b ON b.event_id = e.event_id_r")


def candidate_edges_sql(top_k: int) -> str:
    """The rows of :func:`numbered_edges_sql` that the assignment can keep
    (:func:`kharita.linkage.assignment.assign_links`): confirmed pairs (probability
    1), model links of a report with a confirmed partner in the other dataset, and
    model links among the ``top_k`` strongest of one of their two reports within their
    pair of datasets (``rank()``: a tie at the cut keeps all its links), a superset of
    the assignment's candidates that leaves them unchanged."""
    return f"""
WITH e AS (
    SELECT n.*,
           CASE WHEN source_dataset_l > source_dataset_r THEN event_id_r ELSE event_id_l END
               AS a,
           CASE WHEN source_dataset_l > source_dataset_r THEN event_id_l ELSE event_id_r END
               AS b,
           least(source_dataset_l, source_dataset_r) AS da,
           greatest(source_dataset_l, source_dataset_r) AS db,
           match_probability >= 1.0 AS conf
    FROM ({numbered_edges_sql()}) n
), c AS (
    SELECT a AS node, db AS other FROM e WHERE conf
    UNION SELECT b AS node, da AS other FROM e WHERE conf
), m AS (
    SELECT e.*, conf OR ca.node IS NOT NULL OR cb.node IS NOT NULL AS fixed FROM e
    LEFT JOIN c ca ON ca.node = e.a AND ca.other = e.db
    LEFT JOIN c cb ON cb.node = e.b AND cb.other = e.da
), r AS (
    SELECT m.*,
           rank() OVER (PARTITION BY da, db, a, fixed ORDER BY match_weight DESC) AS rank_a,
           rank() OVER (PARTITION BY da, db, b, fixed ORDER BY match_weight DESC) AS rank_b
    FROM m
)
SELECT event_id_l, event_id_r, match_probability, match_weight, source_dataset_l,
       source_dataset_r
FROM r WHERE fixed OR rank_a <= {int(top_k)} OR rank_b <= {int(top_k)}
"""


def assigned_edges_sql() -> str:
    """The chosen edges (:data:`ASSIGNED_IDS_TABLE`, by number) with their ids, dataset
    labels and probability."""
    return (f"SELECT a.event_id AS event_id_l, b.event_id AS event_id_r, "
            f"c.match_probability, a.source_dataset AS source_dataset_l, "
            f"b.source_dataset AS source_dataset_r FROM {ASSIGNED_IDS_TABLE} c "
            f"JOIN {NODE_IDS_TABLE} a ON a.node = c.event_id_l "
            f"JOIN {NODE_IDS_TABLE} b ON b.node = c.event_id_r")


def node_datasets_sql() -> str:
    """Dataset labels of the incident graph's nodes."""
    return f"SELECT DISTINCT source_dataset FROM {NODES_TABLE} ORDER BY 1"


def incidents_from_clusters_sql(clusters: str) -> str:
    """``incidents`` rows from a connected-components table (``event_id``,
    ``cluster_id``): components of two or more reports; the representative is the
    best-documented report (date precision, then geo precision, then source priority,
    then event id) and names the incident."""
    prec = " ".join(f"WHEN {q(k)} THEN {v}" for k, v in DATE_PRECISION_RANK.items())
    prio = " ".join(f"WHEN {q(s)} THEN {i}" for i, s in enumerate(SOURCE_PRIORITY))
    return f"""
WITH c AS (
    SELECT c.event_id, c.cluster_id,
           count(*) OVER (PARTITION BY c.cluster_id) AS n,
           row_number() OVER (PARTITION BY c.cluster_id ORDER BY
               CASE e.date_precision {prec} ELSE 9 END,
               coalesce(e.geo_precision, 99),
               CASE e.source {prio} ELSE {len(SOURCE_PRIORITY)} END,
               c.event_id) AS rk
    FROM {clusters} c JOIN events e ON e.event_id = c.event_id
)
SELECT c.event_id, r.event_id AS incident_id, CAST(c.n AS INTEGER) AS n_reports,
       c.rk = 1 AS representative
FROM c JOIN c r ON r.cluster_id = c.cluster_id AND r.rk = 1
WHERE c.n > 1
"""


def incident_summary_sql() -> str:
    """Reports in multi-report incidents and the number of such incidents."""
    return ("SELECT count(*) AS reports, count(DISTINCT incident_id) AS incidents "
            "FROM incidents")


def incident_summary_sql_n() -> str:
    """The number of multi-report incidents."""
    return "SELECT count(DISTINCT incident_id) FROM incidents"


def incident_count_sql() -> str:
    """Incidents among current, not withdrawn events (an event outside ``incidents`` is
    its own)."""
    return """
SELECT count(DISTINCT coalesce(i.incident_id, e.event_id))
FROM events e LEFT JOIN incidents i ON i.event_id = e.event_id
WHERE coalesce(e.withdrawn, FALSE) = FALSE
"""


def meta_get_sql() -> str:
    return "SELECT value FROM kharita_meta WHERE key = ?"


def meta_set_sql() -> str:
    return "INSERT INTO kharita_meta (key, value) VALUES (?, ?)"


def meta_delete_where() -> str:
    return "key = ?"


def splink_tables_sql() -> str:
    """Splink's own tables left in the store (``__splink__...``)."""
    return ("SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_name LIKE '\\_\\_splink\\_\\_%' ESCAPE '\\'")
