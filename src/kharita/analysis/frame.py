"""The network's events: one row per (event, branch) with an attribution weight.

Every measure in :mod:`kharita.analysis` starts from the same frame: the events of
the store whose attribution points to an entity that is part of the network (the
organisation ``is``, its directorates, offices, provinces and predecessors, and
groups only inside their affiliation periods; never ``jas`` or rivals), each with a
**weight** that says how much of the event counts for that branch.

Ambiguous attributions (an ACLED "X and/or Y" label gives several candidate
entities for the same actor side) are handled by ``ambiguous``:

``"split"`` (default)
    weight = confidence share: ``w(e, b) = c(e, b) / sum_k c(e, k)`` over the
    candidates ``k`` on the same side of event ``e``; "X and/or Y" at 0.5/0.5 counts
    0.5 to each. An event with a single candidate has weight 1.
``"full"``
    every candidate counts the event fully (weight 1): an upper bound.
``"exclude"``
    events with more than one candidate on the network's side are dropped: a lower
    bound.

``min_confidence`` drops attributions whose confidence is below it (after the shares
were computed from all candidates).

The SQL is built by :func:`network_events_sql` so that aggregations run in the
engine (``GROUP BY`` on top of it) and never in pandas; :func:`attributed_events`
runs it and returns a DataFrame. Analysis modules never import an engine: they get
a connection (``kharita.store.duckdb.connect(path, read_only=True)``) and send SQL.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from kharita.errors import KharitaError
from kharita.kb.dates import to_date

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase

Ambiguous = Literal["full", "split", "exclude"]
AMBIGUOUS_MODES: tuple[str, ...] = ("full", "split", "exclude")
DEFAULT_AMBIGUOUS: Ambiguous = "split"

#: Columns of :func:`attributed_events`, in order.
FRAME_COLUMNS: tuple[str, ...] = (
    "event_id", "date", "entity_id", "weight", "confidence", "source", "event_type",
    "country_iso3", "admin1", "latitude", "longitude", "priogrid_gid", "fatalities_best",
    "fatalities_low", "fatalities_high", "region",
)

#: Entity types that are part of the network whenever an event is attributed to them.
NETWORK_TYPES: tuple[str, ...] = ("organisation", "directorate", "office", "province",
                                  "predecessor")
#: Relations that make a ``group`` part of the network for the relation's validity.
AFFILIATION_RELATIONS: tuple[str, ...] = ("affiliated_with", "part_of", "accepted_by")
#: Ids counted as the network even before the KB lists them (KB still being written).
_FALLBACK_ID = re.compile(r"^is(-[a-z0-9-]+)?$")
_FALLBACK_PREDECESSORS: tuple[str, ...] = ("isi", "aqi", "jtj", "mujahideen-shura-council")

#: World regions (the UCDP GED ``region`` convention: Africa includes Libya and
#: Algeria; the Middle East includes Egypt, Turkey, Iran and Yemen; the Caucasus and
#: Russia are Europe). Used when the KB entity has no ``region``.
WORLD_REGIONS: tuple[str, ...] = ("Middle East", "Africa", "Asia", "Europe", "Americas")
COUNTRY_REGION: dict[str, str] = {
    **dict.fromkeys(
        ["IRQ", "SYR", "TUR", "IRN", "JOR", "LBN", "ISR", "PSE", "SAU", "YEM", "KWT",
         "BHR", "QAT", "ARE", "OMN", "EGY", "CYP"], "Middle East"),
    **dict.fromkeys(
        ["NGA", "NER", "TCD", "CMR", "MLI", "BFA", "BEN", "TGO", "GHA", "CIV", "SEN",
         "MRT", "GIN", "GMB", "GNB", "SLE", "LBR", "COD", "COG", "CAF", "UGA", "RWA",
         "BDI", "TZA", "KEN", "SOM", "ETH", "ERI", "DJI", "SDN", "SSD", "MOZ", "MWI",
         "ZMB", "ZWE", "ZAF", "AGO", "NAM", "BWA", "SWZ", "LSO", "MDG", "COM", "LBY",
         "DZA", "TUN", "MAR", "ESH", "GAB", "GNQ"], "Africa"),
    **dict.fromkeys(
        ["AFG", "PAK", "IND", "BGD", "LKA", "NPL", "MDV", "BTN", "TJK", "UZB", "KGZ",
         "TKM", "KAZ", "PHL", "IDN", "MYS", "THA", "MMR", "KHM", "LAO", "VNM", "SGP",
         "CHN", "JPN", "KOR", "PRK", "MNG", "TLS", "BRN", "AUS", "NZL", "PNG"], "Asia"),
    **dict.fromkeys(
        ["RUS", "AZE", "GEO", "ARM", "UKR", "BLR", "FRA", "BEL", "DEU", "GBR", "ESP",
         "ITA", "AUT", "SWE", "NOR", "DNK", "FIN", "NLD", "CHE", "POL", "CZE", "HUN",
         "ROU", "BGR", "GRC", "SRB", "BIH", "HRV", "MKD", "ALB", "XKX", "MNE", "SVN",
         "SVK", "PRT", "IRL", "LUX", "MDA", "EST", "LVA", "LTU"], "Europe"),
    **dict.fromkeys(
        ["USA", "CAN", "MEX", "BRA", "COL", "VEN", "PER", "ARG", "CHL", "ECU", "BOL",
         "HTI", "TTO", "GTM", "HND", "SLV", "NIC", "CRI", "PAN", "CUB", "DOM", "JAM",
         "URY", "PRY", "GUY", "SUR"], "Americas"),
}
UNKNOWN_REGION = "Unknown"


def world_region(label: str | None) -> str | None:
    """Map a free-text region label (as a KB entity may spell it) to a world region.

    >>> world_region("West Africa"), world_region("Middle East and North Africa")
    ('Africa', 'Middle East')
    >>> world_region("South Asia"), world_region(None)
    ('Asia', None)
    """
    if not label:
        return None
    low = label.lower()
    if any(k in low for k in ("middle east", "mena", "levant", "gulf", "arabian")):
        return "Middle East"
    if "africa" in low or "sahel" in low or "maghreb" in low:
        return "Africa"
    if "asia" in low:
        return "Asia"
    if "europe" in low or "caucasus" in low:
        return "Europe"
    if "america" in low:
        return "Americas"
    return label


@dataclass(frozen=True)
class Member:
    """One entity whose attributed events count for the network.

    ``branch_id`` is what the events count towards (a group affiliated with a
    province counts towards the province); ``valid_from``/``valid_to`` bound the
    event dates for groups (affiliation period), ``None`` otherwise.
    """

    entity_id: str
    branch_id: str
    type: str
    region: str | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


def network_members(kb: KnowledgeBase) -> list[Member]:
    """The entities whose events are the network's, from the KB.

    Entities of :data:`NETWORK_TYPES` count at any date (attribution already applied
    the KB's validity); ``group`` entities count only inside the validity of an
    :data:`AFFILIATION_RELATIONS` relation to a network entity, towards the province
    they joined (or themselves when they joined the organisation as a whole).
    ``splinter`` groups (e.g. ``jas``), rivals and persons never count.

    >>> from kharita import load_kb
    >>> members = {m.entity_id for m in network_members(load_kb())}
    >>> "jas" in members
    False
    """
    core = {e.id: e for e in kb.entities.values() if e.type in NETWORK_TYPES}
    out = [Member(e.id, e.id, e.type, world_region(e.region)) for e in core.values()]
    affiliations = [r for r in kb.relations if r.type in AFFILIATION_RELATIONS
                    and r.source in kb.entities and kb.entities[r.source].type == "group"
                    and r.target in core]
    # a group that joined a province counts towards it even under relations to the
    # organisation as a whole (e.g. Boko Haram's pledge accepted by ``is``)
    province_of: dict[str, str] = {}
    for r in sorted(affiliations, key=lambda r: r.valid.from_.earliest if r.valid.from_
                    else dt.date.min):
        if core[r.target].type == "province":
            province_of.setdefault(r.source, r.target)
    for r in affiliations:
        src, target = kb.entities[r.source], core[r.target]
        branch = target.id if target.type == "province" else province_of.get(src.id, src.id)
        region = world_region(src.region) or world_region(target.region)
        out.append(Member(src.id, branch, "group", region,
                          r.valid.from_.earliest if r.valid.from_ else None,
                          r.valid.to.latest if r.valid.to else None))
    return out


def _q(value: str) -> str:
    """SQL string literal."""
    return "'" + str(value).replace("'", "''") + "'"


def _date_lit(value: dt.date | None) -> str:
    return "NULL::DATE" if value is None else f"DATE {_q(value.isoformat())}"


def _in_list(values: Iterable[str]) -> str:
    vals = list(values)
    return ", ".join(_q(v) for v in vals) if vals else "NULL"


def country_region_sql(column: str = "country_iso3") -> str:
    """A SQL ``CASE`` expression mapping an ISO3 column to :data:`WORLD_REGIONS`."""
    by_region: dict[str, list[str]] = {}
    for iso, region in COUNTRY_REGION.items():
        by_region.setdefault(region, []).append(iso)
    whens = " ".join(f"WHEN {column} IN ({_in_list(sorted(isos))}) THEN {_q(region)}"
                     for region, isos in by_region.items())
    return f"CASE {whens} ELSE NULL END"


def _members_sql(members: Sequence[Member]) -> str:
    rows = ", ".join(
        f"({_q(m.entity_id)}, {_q(m.branch_id)}, "
        f"{_q(m.region) if m.region else 'NULL'}, {_date_lit(m.valid_from)}, "
        f"{_date_lit(m.valid_to)})"
        for m in members)
    if not rows:
        rows = "(NULL, NULL, NULL, NULL::DATE, NULL::DATE)"
    return (f"SELECT * FROM (VALUES {rows}) "
            "AS m(entity_id, branch_id, member_region, valid_from, valid_to) "
            "WHERE entity_id IS NOT NULL")


def _check_ids(name: str, values: Iterable[str] | None) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out = [str(v) for v in values]
    if not out:
        raise KharitaError(f"{name}: empty list (omit the filter to keep everything)")
    return out


@dataclass(frozen=True)
class Filters:
    """The filters every measure accepts; ``describe()`` states them in outputs."""

    start: dt.date | None = None
    end: dt.date | None = None
    branches: tuple[str, ...] | None = None
    min_confidence: float = 0.0
    ambiguous: Ambiguous = DEFAULT_AMBIGUOUS
    sources: tuple[str, ...] | None = None
    event_types: tuple[str, ...] | None = None

    @classmethod
    def make(cls, *, start: object = None, end: object = None,
             branches: Iterable[str] | None = None, min_confidence: float = 0.0,
             ambiguous: str = DEFAULT_AMBIGUOUS, sources: Iterable[str] | None = None,
             event_types: Iterable[str] | None = None) -> Filters:
        """Validate and normalise the filter arguments (clear errors on bad input)."""
        if ambiguous not in AMBIGUOUS_MODES:
            raise KharitaError(f"ambiguous={ambiguous!r}: expected one of "
                               f"{', '.join(AMBIGUOUS_MODES)}")
        if not (0.0 <= float(min_confidence) <= 1.0) or math.isnan(float(min_confidence)):
            raise KharitaError(f"min_confidence={min_confidence!r}: expected a number in [0, 1]")
        try:
            s = to_date(start) if start is not None else None
            e = to_date(end) if end is not None else None
        except ValueError as exc:
            raise KharitaError(f"bad date filter: {exc}") from None
        if s is not None and e is not None and s > e:
            raise KharitaError(f"start {s} is after end {e}")
        br = _check_ids("branches", branches)
        src = _check_ids("sources", sources)
        et = _check_ids("event_types", event_types)
        return cls(s, e, tuple(br) if br else None, float(min_confidence),
                   ambiguous,  # type: ignore[arg-type]
                   tuple(src) if src else None, tuple(et) if et else None)

    def describe(self) -> dict[str, Any]:
        """JSON-ready statement of the filters, for outputs and reports."""
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "branches": list(self.branches) if self.branches else None,
            "min_confidence": self.min_confidence,
            "ambiguous": self.ambiguous,
            "sources": list(self.sources) if self.sources else None,
            "event_types": list(self.event_types) if self.event_types else None,
        }


def network_events_sql(kb: KnowledgeBase | None = None, filters: Filters | None = None,
                       **kwargs: Any) -> str:
    """The SQL of the network's attributed events (the frame), for use as a subquery.

    Columns: :data:`FRAME_COLUMNS` and ``n_rows``, the number of network branches the
    event is attributed to (1 for most events; an upper bound on its frame rows when
    a group's affiliation window drops one), which lets the measures avoid
    ``COUNT(DISTINCT event_id)`` over single-branch events. A group's several
    affiliation windows towards one branch are merged into their hull. Pass either
    ``filters`` or the keyword arguments of :meth:`Filters.make`.

    >>> from kharita import load_kb
    >>> sql = network_events_sql(load_kb(), ambiguous="split")
    >>> sql.lstrip().startswith("WITH")
    True
    """
    if kb is None:
        from kharita.kb import load_kb

        kb = load_kb()
    f = filters if filters is not None else Filters.make(**kwargs)
    members = network_members(kb)
    known = sorted(kb.entities)
    fallback = (f"(regexp_matches(i.entity_id, '^is(-[a-z0-9-]+)?$') "
                f"OR i.entity_id IN ({_in_list(_FALLBACK_PREDECESSORS)}))")
    if known:
        fallback = f"({fallback} AND i.entity_id NOT IN ({_in_list(known)}))"
    where_ev = ["e.date_start IS NOT NULL"]
    if f.start:
        where_ev.append(f"e.date_start >= {_date_lit(f.start)}")
    if f.end:
        where_ev.append(f"e.date_start <= {_date_lit(f.end)}")
    if f.sources:
        where_ev.append(f"e.source IN ({_in_list(f.sources)})")
    if f.event_types:
        where_ev.append(f"e.event_type IN ({_in_list(f.event_types)})")
    if f.ambiguous == "split":
        weight = "CASE WHEN s.n_candidates > 1 THEN a.confidence / s.side_conf ELSE 1.0 END"
    else:
        weight = "1.0"
    where_net = [f"a.confidence >= {f.min_confidence!r}"]
    if f.ambiguous == "exclude":
        where_net.append("s.n_candidates = 1")
    if f.branches:
        where_net.append(f"n.branch_id IN ({_in_list(f.branches)})")
    return f"""
WITH members AS (
  {_members_sql(members)}
),
netids AS (
  SELECT i.entity_id, COALESCE(m.branch_id, i.entity_id) AS branch_id, m.member_region,
         m.valid_from, m.valid_to
  FROM (SELECT DISTINCT entity_id FROM attributions WHERE entity_id IS NOT NULL) i
  LEFT JOIN members m ON m.entity_id = i.entity_id
  WHERE m.entity_id IS NOT NULL OR {fallback}
),
att AS (
  SELECT event_id, entity_id, COALESCE(side, 0) AS side, MAX(confidence) AS confidence
  FROM attributions WHERE entity_id IS NOT NULL
  GROUP BY event_id, entity_id, COALESCE(side, 0)
),
sides AS (
  SELECT event_id, side, COUNT(*) AS n_candidates, SUM(confidence) AS side_conf
  FROM att GROUP BY event_id, side
),
net AS (
  SELECT a.event_id, n.branch_id, {weight} AS weight, a.confidence, n.member_region,
         n.valid_from, n.valid_to
  FROM att a
  JOIN netids n ON n.entity_id = a.entity_id
  JOIN sides s ON s.event_id = a.event_id AND s.side = a.side
  WHERE {' AND '.join(where_net)}
),
kept AS (
  -- one row per (event, branch); a group's affiliation window is kept for the date test
  SELECT n.event_id, n.branch_id, MAX(n.weight) AS weight, MAX(n.confidence) AS confidence,
         MAX(n.member_region) AS member_region,
         CASE WHEN BOOL_OR(n.valid_from IS NULL AND n.valid_to IS NULL) THEN NULL
              ELSE MIN(n.valid_from) END AS valid_from,
         CASE WHEN BOOL_OR(n.valid_from IS NULL AND n.valid_to IS NULL) THEN NULL
              ELSE MAX(n.valid_to) END AS valid_to,
         BOOL_OR(n.valid_from IS NULL AND n.valid_to IS NULL) AS always,
         COUNT(*) OVER (PARTITION BY n.event_id) AS n_rows
  FROM net n
  GROUP BY n.event_id, n.branch_id
)
SELECT k.event_id, e.date_start AS date, k.branch_id AS entity_id, k.weight, k.confidence,
       e.source, e.event_type, e.country_iso3, e.admin1, e.latitude, e.longitude,
       e.priogrid_gid, e.fatalities_best, e.fatalities_low, e.fatalities_high,
       COALESCE(k.member_region, {country_region_sql('e.country_iso3')},
                {_q(UNKNOWN_REGION)}) AS region,
       k.n_rows
FROM kept k JOIN events e ON e.event_id = k.event_id
WHERE {' AND '.join(where_ev)}
  AND (k.always OR ((k.valid_from IS NULL OR e.date_start >= k.valid_from)
                    AND (k.valid_to IS NULL OR e.date_start <= k.valid_to)))
"""


def query_df(con: Any, sql: str) -> pd.DataFrame:
    """Run ``sql`` on a DB-API/DuckDB connection and return a pandas DataFrame.

    The connection is the engine adapter's (``kharita.store.duckdb.connect``);
    errors from the engine surface as :class:`~kharita.errors.KharitaError`.
    """
    try:
        return con.execute(sql).df()
    except Exception as exc:  # the engine's own error types are not importable here
        if "attributions" in str(exc) or "events" in str(exc):
            raise KharitaError(f"the store has no events/attributions to analyse: {exc}. "
                               "Run `kharita ingest` and `kharita attribute` first.") from exc
        raise


def attributed_events(con: Any, *, start: object = None, end: object = None,
                      branches: Iterable[str] | None = None, min_confidence: float = 0.0,
                      ambiguous: str = DEFAULT_AMBIGUOUS, sources: Iterable[str] | None = None,
                      event_types: Iterable[str] | None = None,
                      kb: KnowledgeBase | None = None) -> pd.DataFrame:
    """The network's events, one row per (event, branch), with attribution weights.

    Definition: an event ``e`` belongs to branch ``b`` when an attribution links one
    of its actors to a network entity (:func:`network_members`) mapped to ``b``;
    its weight is ``w(e, b) = c(e, b) / sum_k c(e, k)`` over the candidates ``k``
    on the same actor side under ``ambiguous="split"`` (the default), 1 under
    ``"full"``, and events with several candidates are dropped under ``"exclude"``.
    ``region`` is the KB entity's world region, else the country's
    (:data:`COUNTRY_REGION`, the UCDP GED convention), else ``"Unknown"``.

    Parameters
    ----------
    con : a DuckDB connection to the store (``kharita.store.duckdb.connect``).
    start, end : first and last event date (``date_start``) to keep, inclusive.
    branches : keep only these branch ids (e.g. ``["is-iraq", "is-syria"]``).
    min_confidence : drop attributions with a lower confidence.
    ambiguous : ``"split"`` (default), ``"full"`` or ``"exclude"``.
    sources, event_types : keep only these sources / controlled event types.
    kb : the knowledge base (default :func:`kharita.load_kb`).

    Returns
    -------
    pandas.DataFrame with columns :data:`FRAME_COLUMNS`, sorted by date and event id.

    Examples
    --------
    >>> from kharita.store.duckdb import connect
    >>> con = connect(":memory:")
    >>> _ = insert_synthetic_events(con, 2_000, seed=1)
    >>> df = attributed_events(con, start="2020-01-01", end="2020-12-31")
    >>> list(df.columns) == list(FRAME_COLUMNS), bool(df.weight.between(0, 1).all())
    (True, True)

    References
    ----------
    .. [1] Raleigh, C. et al. (2010). Introducing ACLED. Journal of Peace Research
       47(5) - joint actor labels; Sundberg, R. & Melander, E. (2013). Introducing
       the UCDP Georeferenced Event Dataset. JPR 50(4) - the ``region`` convention.
    """
    f = Filters.make(start=start, end=end, branches=branches, min_confidence=min_confidence,
                     ambiguous=ambiguous, sources=sources, event_types=event_types)
    sql = network_events_sql(kb, f)
    df = query_df(con, f"SELECT * FROM ({sql}) ORDER BY date, event_id, entity_id")
    df["date"] = pd.to_datetime(df["date"])
    return df[list(FRAME_COLUMNS)]


# -- synthetic events (seeded, labelled synthetic) for examples, tests, benchmarks --------

#: Synthetic branches: (branch id, ISO3, admin1, lat, lon, weight in 2014, weight in 2024).
SYNTHETIC_BRANCHES: tuple[tuple[str, str, str, float, float, float, float], ...] = (
    ("is-iraq", "IRQ", "Nineveh", 36.3, 43.1, 40.0, 4.0),
    ("is-syria", "SYR", "Deir ez-Zor", 35.3, 40.1, 40.0, 6.0),
    ("is-west-africa", "NGA", "Borno", 12.0, 13.5, 4.0, 30.0),
    ("is-sahel", "MLI", "Menaka", 15.9, 2.4, 1.0, 12.0),
    ("is-central-africa", "COD", "Nord-Kivu", 0.5, 29.5, 0.5, 14.0),
    ("is-mozambique", "MOZ", "Cabo Delgado", -12.0, 40.3, 0.5, 8.0),
    ("is-somalia", "SOM", "Bari", 10.5, 49.5, 0.5, 3.0),
    ("is-khorasan", "AFG", "Nangarhar", 34.4, 70.5, 2.0, 8.0),
    ("is-sinai", "EGY", "North Sinai", 31.0, 33.8, 3.0, 1.0),
    ("is-libya", "LBY", "Sirte", 31.2, 16.6, 4.0, 1.0),
    ("is-east-asia", "PHL", "Lanao del Sur", 7.9, 124.3, 1.0, 2.0),
)
SYNTHETIC_START = dt.date(2014, 1, 1)
SYNTHETIC_END = dt.date(2024, 12, 31)
#: Share of synthetic Sahel events carrying a joint "is-sahel and/or jnim" label.
SYNTHETIC_AMBIGUOUS = 0.3


def _synthetic_table(years: Sequence[int]) -> str:
    """VALUES table (year, branch, iso3, admin1, lat, lon, lo, hi) of branch probabilities."""
    rows = []
    n_years = max(len(years) - 1, 1)
    for i, year in enumerate(years):
        w = np.array([a + (b - a) * i / n_years for *_, a, b in SYNTHETIC_BRANCHES])
        cum = np.concatenate([[0.0], np.cumsum(w / w.sum())])
        cum[-1] = 1.0 + 1e-9
        for k, (bid, iso, adm, lat, lon, *_rest) in enumerate(SYNTHETIC_BRANCHES):
            rows.append(f"({year}, {_q(bid)}, {_q(iso)}, {_q(adm)}, {lat}, {lon}, "
                        f"{float(cum[k])!r}, {float(cum[k + 1])!r})")
    return ("(VALUES " + ", ".join(rows) + ") AS p(year, branch, iso3, admin1, lat, lon, "
            "lo, hi)")


def insert_synthetic_events(con: Any, n_events: int, *, seed: int = 0,
                            start: dt.date = SYNTHETIC_START,
                            end: dt.date = SYNTHETIC_END) -> int:
    """Insert ``n_events`` seeded synthetic events and their attributions (in SQL).

    Everything is labelled synthetic (``source='synthetic'``, ``synthetic=TRUE``,
    event ids ``synthetic:<seed>:<i>``). Branch shares move linearly from the 2014 to
    the 2024 weights of :data:`SYNTHETIC_BRANCHES` (the core declines, Africa rises);
    coordinates scatter about 1 degree around each branch's centre; about
    :data:`SYNTHETIC_AMBIGUOUS` of the Sahel events carry a joint label (candidates
    ``is-sahel`` and ``jnim`` at 0.5 each). Deterministic for a seed: pseudo-random
    numbers come from ``hash(i, seed)`` in the engine, so a million rows take about a
    second. For examples, tests and benchmarks only; the project's general synthetic
    generator is ``kharita.events.sources.synthetic``.

    Returns the number of events inserted.
    """
    if n_events < 0:
        raise KharitaError(f"n_events must be >= 0, got {n_events}")
    days = (end - start).days + 1
    years = list(range(start.year, end.year + 1))
    s = int(seed)

    def u(k: int) -> str:  # uniform [0, 1) from hash(i, seed, k)
        return f"((hash(i, {s}, {k}) % 1000000007) / 1000000007.0)"

    table = _synthetic_table(years)
    con.execute(f"""
CREATE TEMP TABLE _syn AS
WITH base AS (
  SELECT i, DATE {_q(start.isoformat())} + CAST(floor({u(1)} * {days}) AS INTEGER) AS d,
         {u(2)} AS ub, {u(3)} AS ux, {u(4)} AS uy, {u(5)} AS uf, {u(6)} AS ua, {u(7)} AS ut
  FROM range({int(n_events)}) t(i)
)
SELECT b.i, b.d, p.branch, p.iso3, p.admin1,
       LEAST(89.9, GREATEST(-89.9, p.lat + (b.uy - 0.5) * 2.0)) AS lat,
       p.lon + (b.ux - 0.5) * 2.0 AS lon,
       CAST(floor(-ln(1 - b.uf) * 3.0) AS INTEGER) AS fat,
       (p.branch = 'is-sahel' AND b.ua < {SYNTHETIC_AMBIGUOUS}) AS joint,
       CASE WHEN b.ut < 0.5 THEN 'battle' WHEN b.ut < 0.75 THEN 'explosion_remote'
            ELSE 'violence_against_civilians' END AS etype
FROM base b JOIN {table}
  ON p.year = year(b.d) AND b.ub >= p.lo AND b.ub < p.hi
""")
    con.execute(f"""
INSERT INTO events (event_id, source, source_version, source_event_id, date_start, date_end,
  date_precision, country_iso3, admin1, latitude, longitude, geo_precision, priogrid_gid,
  event_type, actor1_name, fatalities_best, fatalities_low, fatalities_high, synthetic)
SELECT 'synthetic:{s}:' || i, 'synthetic', 'analysis-{s}', CAST(i AS VARCHAR), d, d, 'day',
       iso3, admin1, lat, lon, 1,
       CAST(floor((lat + 90) / 0.5) * 720 + floor((lon + 180) / 0.5) + 1 AS INTEGER),
       etype, CASE WHEN joint THEN 'JNIM and/or Islamic State (Sahel)' ELSE branch END,
       fat, CAST(floor(fat * 0.7) AS INTEGER), CAST(ceil(fat * 1.5) AS INTEGER), TRUE
FROM _syn
""")
    con.execute(f"""
INSERT INTO attributions (event_id, entity_id, side, confidence, rule, detail, kb_version)
SELECT 'synthetic:{s}:' || i, branch, 1, CASE WHEN joint THEN 0.5 ELSE 1.0 END,
       'synthetic', 'synthetic event (analysis fixture)', 'synthetic' FROM _syn
UNION ALL
SELECT 'synthetic:{s}:' || i, 'jnim', 1, 0.5, 'synthetic', 'joint label', 'synthetic'
FROM _syn WHERE joint
""")
    n = int(con.execute("SELECT COUNT(*) FROM _syn").fetchone()[0])
    con.execute("DROP TABLE _syn")
    return n


# -- bootstrap over events within periods -------------------------------------------------


def multinomial_bootstrap(counts: np.ndarray, contrib: np.ndarray, n_boot: int,
                          rng: np.random.Generator) -> np.ndarray:
    """Bootstrap totals of one period by resampling its events with replacement.

    The period's ``n = counts.sum()`` events fall into ``J`` distinct patterns
    (``counts[j]`` events each); pattern ``j`` contributes ``contrib[j, :]`` to the
    ``K`` totals. Resampling ``n`` events with replacement is a multinomial draw
    over the patterns (Efron & Tibshirani 1993, ch. 6), so the cost is ``O(J)``
    instead of ``O(n)`` per replicate.

    Returns an array ``(n_boot, K)`` of resampled totals.

    >>> rng = np.random.default_rng(0)
    >>> out = multinomial_bootstrap(np.array([3, 1]), np.array([[1.0, 0.0], [0.0, 1.0]]), 5, rng)
    >>> out.shape, bool((out.sum(axis=1) == 4).all())
    ((5, 2), True)
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    if n == 0:
        return np.zeros((n_boot, contrib.shape[1]))
    draws = rng.multinomial(n, counts / n, size=n_boot)
    return draws @ np.asarray(contrib, dtype=float)


# -- a frame computed once and reused by several measures ---------------------------------


@dataclass(frozen=True)
class Frame:
    """A frame to aggregate: ``sql`` is a ``SELECT`` with :data:`FRAME_COLUMNS` and
    ``filters`` the filters it applied. Made by :func:`materialize_frame` (a temporary
    table on the connection) so that several measures reuse one computation."""

    sql: str
    filters: Filters
    table: str | None = None


_FRAME_COUNTER = [0]


def materialize_frame(con: Any, *, kb: KnowledgeBase | None = None, **filters: Any) -> Frame:
    """Compute the frame once into a temporary table and return a :class:`Frame`.

    Pass the result as ``frame=`` to the measures (activity, geography,
    concentration, shocks) to avoid recomputing the attribution weights for each
    table; the filters then come from the frame. Temporary tables live as long as the
    connection (also on read-only connections); :func:`drop_frame` removes one.

    >>> from kharita.store.duckdb import connect
    >>> con = connect(":memory:")
    >>> _ = insert_synthetic_events(con, 1_000, seed=2)
    >>> fr = materialize_frame(con, ambiguous="full")
    >>> int(con.execute(f"SELECT COUNT(*) FROM ({fr.sql})").fetchone()[0])
    1000
    """
    f = Filters.make(**filters)
    _FRAME_COUNTER[0] += 1
    name = f"kharita_frame_{_FRAME_COUNTER[0]}"
    sql = network_events_sql(kb, f)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
    except Exception as exc:
        raise KharitaError(f"cannot compute the event frame: {exc}. Run `kharita ingest` and "
                           "`kharita attribute` first.") from exc
    return Frame(f"SELECT * FROM {name}", f, name)


def drop_frame(con: Any, frame: Frame) -> None:
    """Drop a frame's temporary table (no-op for frames without one)."""
    if frame.table:
        con.execute(f"DROP TABLE IF EXISTS {frame.table}")


def resolve_frame(kb: KnowledgeBase | None, frame: Frame | None,
                  **filters: Any) -> tuple[str, Filters]:
    """The frame SQL and filters a measure works on: ``frame`` when given (its own
    filters), else :func:`network_events_sql` with ``filters``."""
    if frame is not None:
        return frame.sql, frame.filters
    f = Filters.make(**filters)
    return network_events_sql(kb, f), f
