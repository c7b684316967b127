"""Read-only queries behind the brief and the web workbench.

Every function takes an open store connection (a DuckDB connection from
:func:`kharita.store.duckdb.connect`; this module never imports an engine) and
returns a pandas DataFrame or a dataclass. Loops over data live here, not in the
web handlers.

Counting policy (stated in the brief's caveats and in ``docs/brief.md``): the same
frame as every analysis, :func:`kharita.analysis.frame.network_events_sql` with
``ambiguous="split"``: an event attributed to several candidate branches on the same
actor side (ACLED's "X and/or Y" labels) counts for each with its confidence share,
so counts can be fractional; ``min_confidence`` drops attributions below it.

:func:`prepare` builds one temporary, denormalised table (events joined to their
attributions) per connection so that filters are a single scan; the other functions
call it on first use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from kharita.analysis.frame import FRAME_COLUMNS, Filters, Frame, network_events_sql
from kharita.errors import KharitaError

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase

VIEW = "kh_attributed"
CUBE = "kh_map_cube"
BROWSE = "kh_browse"
KEYS = "kh_search_keys"
FREQS = ("year", "quarter", "month")
SORTS = {"date_desc": "rn", "date_asc": "rn DESC",
         "fatalities_desc": "fatalities_best DESC NULLS LAST, event_id"}
MAX_PAGE_SIZE = 200
MAX_QUERY_LEN = 100


class NotFoundError(KharitaError):
    """A requested record (event, entity) is not in the store or the KB."""


@dataclass(frozen=True)
class EventFilter:
    """Filters shared by the map, activity and events queries.

    ``start``/``end`` are inclusive and apply to the event's start date; empty tuples
    mean "no filter"; ``min_confidence`` applies to the attribution.
    """

    start: dt.date | None = None
    end: dt.date | None = None
    branches: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    min_confidence: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ValueError(f"min_confidence must lie in [0, 1], got {self.min_confidence}")
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"start date {self.start} is after end date {self.end}")

    def where(self) -> tuple[str, list[Any]]:
        """SQL ``WHERE`` clause over :data:`VIEW` and its parameters."""
        clauses = ["confidence >= ?"]
        params: list[Any] = [self.min_confidence]
        if self.start:
            clauses.append("date_start >= ?")
            params.append(self.start)
        if self.end:
            clauses.append("date_start <= ?")
            params.append(self.end)
        for col, values in (("entity_id", self.branches), ("event_type", self.event_types),
                            ("source", self.sources)):
            if values:
                clauses.append(f"{col} IN ({', '.join('?' for _ in values)})")
                params.extend(values)
        return " AND ".join(clauses), params


def _df(con: Any, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).fetch_df()


def _has_table(con: Any, name: str) -> bool:
    row = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                      [name]).fetchone()
    return bool(row and row[0])


def prepare(con: Any, kb: KnowledgeBase | None = None) -> None:
    """Create the temporary table :data:`VIEW` (the network's events) if absent.

    One row per (event, branch) with every column of
    :data:`kharita.analysis.frame.FRAME_COLUMNS` (from
    :func:`kharita.analysis.frame.network_events_sql`, ``ambiguous="split"``, so every
    figure here agrees with the analyses), plus ``date_start`` (= ``date``), ``place``,
    ``country`` and ``synthetic``. Works on read-only stores (temporary tables live in
    memory). :func:`analysis_frame` hands the same table to the analyses.
    """
    if _has_table(con, VIEW):
        return
    con.execute("SET enable_progress_bar = false")  # no engine progress bars on stderr
    for table in ("events", "attributions"):
        if not _has_table(con, table):
            raise KharitaError(f"the store has no {table!r} table: is it a kharita store? "
                               "Run `kharita ingest` or `kharita demo` first")
    frame = network_events_sql(kb, Filters.make(ambiguous="split"))
    con.execute(f"""
        CREATE TEMP TABLE {VIEW} AS
        SELECT f.*, f.date AS date_start, e.place, e.country,
               coalesce(e.synthetic, false) AS synthetic
        FROM ({frame}) f JOIN events e USING (event_id)
    """)
    # The map's cube: 1-degree cells per month, branch, type, source and confidence.
    con.execute(f"""
        CREATE TEMP TABLE {CUBE} AS
        SELECT CAST(date_trunc('month', date_start) AS DATE) AS date_start, entity_id,
               event_type, source, confidence,
               (floor(latitude) + 0.5) AS lat, (floor(longitude) + 0.5) AS lon,
               sum(weight) AS events, sum(weight * coalesce(fatalities_best, 0)) AS fatalities
        FROM {VIEW} WHERE latitude IS NOT NULL AND longitude IS NOT NULL
        GROUP BY ALL ORDER BY date_start
    """)


def prepare_browse(con: Any, kb: KnowledgeBase | None = None) -> None:
    """Create the events table's helpers (temporary tables) if absent.

    :data:`BROWSE` holds the rows of :data:`VIEW` physically ordered newest first with
    a row number ``rn`` (so the default order pages by range: zone maps skip the rest)
    and a ``key_id`` into :data:`KEYS`, the distinct lower-cased search texts (place,
    admin1, country, ISO3, branch). A search scans the few thousand keys, then selects
    rows by integer id.
    """
    prepare(con, kb)
    if _has_table(con, BROWSE):
        return
    text = ("lower(concat_ws(' ', place, admin1, country, country_iso3, entity_id))")
    con.execute(f"""CREATE TEMP TABLE {KEYS} AS
        SELECT row_number() OVER (ORDER BY key) AS key_id, key
        FROM (SELECT DISTINCT {text} AS key FROM {VIEW})""")
    con.execute(f"""
        CREATE TEMP TABLE {BROWSE} AS
        SELECT v.event_id, v.date_start, v.entity_id, v.confidence, v.weight, v.event_type,
               v.source, v.country_iso3, v.admin1, v.place, v.fatalities_best, k.key_id,
               row_number() OVER (ORDER BY v.date_start DESC, v.event_id, v.entity_id) AS rn
        FROM (SELECT *, {text} AS key FROM {VIEW}) v JOIN {KEYS} k USING (key)
        ORDER BY rn""")


def analysis_frame(con: Any, kb: KnowledgeBase | None = None, *,
                   start: dt.date | None = None, end: dt.date | None = None,
                   branches: tuple[str, ...] | None = None) -> Frame:
    """The analyses' frame (:class:`kharita.analysis.frame.Frame`) over :data:`VIEW`.

    Equal to ``materialize_frame(con, kb=kb, start=start, end=end)`` (weights do not
    depend on the date filter) without computing the attribution weights twice.
    """
    prepare(con, kb)
    f = Filters.make(start=start, end=end, ambiguous="split", branches=branches or None)
    where = []
    if branches:
        where.append("entity_id IN (" + ", ".join("'" + b.replace("'", "''") + "'"
                                                   for b in branches) + ")")
    if start:
        where.append(f"date >= DATE '{start.isoformat()}'")
    if end:
        where.append(f"date <= DATE '{end.isoformat()}'")
    # every column the analyses' frame SQL produced (FRAME_COLUMNS and any helper
    # columns such as n_rows), not the report's own additions
    own = {"date_start", "place", "country", "synthetic"}
    cols = [r[0] for r in con.execute(f"DESCRIBE {VIEW}").fetchall() if r[0] not in own]
    missing = [c for c in FRAME_COLUMNS if c not in cols]
    if missing:
        raise KharitaError(f"the report's view lacks frame columns {missing}")
    sql = f"SELECT {', '.join(cols)} FROM {VIEW}" + (
        " WHERE " + " AND ".join(where) if where else "")
    return Frame(sql, f, None)


def _period_sql(freq: str, col: str = "date_start") -> str:
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {', '.join(FREQS)}, got {freq!r}")
    if freq == "year":
        return f"strftime({col}, '%Y')"
    if freq == "quarter":
        return f"strftime({col}, '%Y') || '-Q' || CAST(quarter({col}) AS VARCHAR)"
    return f"strftime({col}, '%Y-%m')"


# --------------------------------------------------------------------------- store
@dataclass
class StoreInfo:
    """What the store holds, for the provenance section and the page headers."""

    synthetic: bool
    any_synthetic: bool
    n_events: int
    n_attributed_events: int
    date_min: dt.date | None
    date_max: dt.date | None
    sources: pd.DataFrame = field(repr=False)
    files: pd.DataFrame = field(repr=False)
    quarantine: pd.DataFrame = field(repr=False)
    filtered: pd.DataFrame = field(repr=False)
    kb_versions: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)


def store_info(con: Any, kb: KnowledgeBase | None = None) -> StoreInfo:
    """Counts, sources, files, quarantine and KB versions of the store.

    ``synthetic`` is True when every stored event is synthetic (the whole product is
    then labelled SYNTHETIC); ``any_synthetic`` when at least one is.
    """
    prepare(con, kb)
    row = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE coalesce(synthetic, false)),
               min(date_start), max(date_start) FROM events""").fetchone()
    n, n_syn, dmin, dmax = row if row else (0, 0, None, None)
    n_attr = con.execute(f"SELECT count(DISTINCT event_id) FROM {VIEW}").fetchone()
    sources = _df(con, """SELECT source, source_version, count(*) AS events,
                                 min(date_start) AS first, max(date_start) AS last
                          FROM events GROUP BY ALL ORDER BY source, source_version""")
    files = _df(con, """SELECT path, source, source_version, rows_read, rows_stored,
                               rows_quarantined, rows_filtered, ingest_file_id,
                               finished_at, coalesce(synthetic, false) AS synthetic
                        FROM ingest_files ORDER BY started_at""") \
        if _has_table(con, "ingest_files") else pd.DataFrame()
    quarantine = _df(con, """SELECT file, reason, count(*) AS rows FROM quarantine
                             GROUP BY ALL ORDER BY rows DESC""") \
        if _has_table(con, "quarantine") else pd.DataFrame()
    filtered = _df(con, """SELECT f.reason, sum(f.rows) AS rows FROM filtered f
                           GROUP BY ALL ORDER BY rows DESC""") \
        if _has_table(con, "filtered") else pd.DataFrame()
    kbv = [r[0] for r in con.execute(
        "SELECT DISTINCT kb_version FROM attributions WHERE kb_version IS NOT NULL "
        "ORDER BY 1").fetchall()]
    ents = [r[0] for r in con.execute(
        f"SELECT entity_id FROM {VIEW} GROUP BY 1 ORDER BY count(*) DESC").fetchall()]
    types = [r[0] for r in con.execute(
        f"SELECT DISTINCT event_type FROM {VIEW} WHERE event_type IS NOT NULL ORDER BY 1"
    ).fetchall()]
    return StoreInfo(synthetic=bool(n) and n_syn == n, any_synthetic=bool(n_syn),
                     n_events=int(n), n_attributed_events=int(n_attr[0] if n_attr else 0),
                     date_min=dmin, date_max=dmax, sources=sources, files=files,
                     quarantine=quarantine, filtered=filtered, kb_versions=kbv,
                     entities=ents, event_types=types)


# ------------------------------------------------------------------------ activity
def activity(con: Any, filt: EventFilter | None = None, *, freq: str = "year") -> pd.DataFrame:
    """Events and fatalities (best estimate) per period and entity.

    Definition: events(p, b) = sum of w(e, b) over events e of branch b in period p,
    fatalities(p, b) = sum of w(e, b) * best(e), with w the attribution weight
    (:func:`kharita.analysis.frame.attributed_events`, ``ambiguous="split"``).
    Returns DataFrame[period, entity_id, events, rows, fatalities], sorted by period
    (``rows`` = unweighted number of (event, branch) rows).
    """
    prepare(con)
    where, params = (filt or EventFilter()).where()
    return _df(con, f"""
        SELECT {_period_sql(freq)} AS period, entity_id, sum(weight) AS events,
               count(*) AS rows, sum(weight * coalesce(fatalities_best, 0)) AS fatalities
        FROM {VIEW} WHERE {where} GROUP BY ALL ORDER BY period, entity_id""", params)


def map_cells(con: Any, filt: EventFilter | None = None, *, freq: str | None = "year",
              cell_deg: float = 1.0) -> pd.DataFrame:
    """Events aggregated to grid cells (per period and entity) for drawing on a map.

    Definition: cell centre = (floor(lat / d) + 0.5) * d, likewise for longitude, with
    d = ``cell_deg``. Aggregating before drawing keeps pages small whatever the store's
    size. With ``freq=None`` the whole filtered range is one period ``"all"``.

    Returns DataFrame[period, entity_id, lat, lon, events, fatalities].
    """
    if not 0.1 <= cell_deg <= 10:
        raise ValueError(f"cell_deg must lie in [0.1, 10], got {cell_deg}")
    prepare(con)
    f = filt or EventFilter()
    where, params = f.where()
    period = _period_sql(freq) if freq else "'all'"
    d = float(cell_deg)
    if d == 1.0 and _month_aligned(f):
        # the same sums from the pre-aggregated cube (whole months, 1-degree cells)
        return _df(con, f"""
            SELECT {period} AS period, entity_id, lat, lon, sum(events) AS events,
                   sum(fatalities) AS fatalities
            FROM {CUBE} WHERE {where}
            GROUP BY ALL ORDER BY period, entity_id, lat, lon""", params)
    return _df(con, f"""
        SELECT {period} AS period, entity_id,
               (floor(latitude / {d}) + 0.5) * {d} AS lat,
               (floor(longitude / {d}) + 0.5) * {d} AS lon,
               sum(weight) AS events, sum(weight * coalesce(fatalities_best, 0)) AS fatalities
        FROM {VIEW} WHERE {where} AND latitude IS NOT NULL AND longitude IS NOT NULL
        GROUP BY ALL ORDER BY period, entity_id, lat, lon""", params)


def _month_aligned(f: EventFilter) -> bool:
    """True when the filter's dates cut at month boundaries (the cube's granularity)."""
    if f.start and f.start.day != 1:
        return False
    return not (f.end and (f.end + dt.timedelta(days=1)).day != 1)


def periods(con: Any, filt: EventFilter | None = None, *, freq: str = "year") -> list[str]:
    """The periods (labels) that hold at least one matching event, in order."""
    prepare(con)
    f = filt or EventFilter()
    where, params = f.where()
    table = CUBE if _month_aligned(f) else VIEW
    return [r[0] for r in con.execute(
        f"SELECT DISTINCT {_period_sql(freq)} AS p FROM {table} WHERE {where} ORDER BY p",
        params).fetchall()]


# -------------------------------------------------------------------------- events
@dataclass
class EventsPage:
    """One page of the events table."""

    total: int
    page: int
    size: int
    rows: pd.DataFrame


def events_page(con: Any, filt: EventFilter | None = None, *, q: str = "", page: int = 1,
                size: int = 50, sort: str = "date_desc") -> EventsPage:
    """A page of attributed events matching the filters and a free-text search.

    ``q`` is matched case-insensitively as a substring of the place, admin1, country
    name, ISO3 code and entity id, or as the whole event id. Pages are 1-based; ``size`` at most
    :data:`MAX_PAGE_SIZE`.
    """
    if page < 1:
        raise ValueError(f"page must be >= 1, got {page}")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"size must lie in [1, {MAX_PAGE_SIZE}], got {size}")
    if len(q) > MAX_QUERY_LEN:
        raise ValueError(f"search text longer than {MAX_QUERY_LEN} characters")
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, got {sort!r}")
    prepare_browse(con)
    f = filt or EventFilter()
    where, params = f.where()
    if q.strip():
        where += (f" AND (key_id IN (SELECT key_id FROM {KEYS} WHERE contains(key, ?))"
                  " OR lower(event_id) = ?)")
        params += [q.strip().lower(), q.strip().lower()]
    cols = ("event_id, date_start, entity_id, confidence, weight, event_type, source, "
            "country_iso3, admin1, place, fatalities_best")
    offset = (page - 1) * size
    if sort == "date_desc" and f == EventFilter() and not q.strip():
        # no filter: the table is ordered by rn, so a page is a range of row numbers
        total_row = con.execute(f"SELECT count(*) FROM {BROWSE}").fetchone()
        rows = _df(con, f"SELECT {cols} FROM {BROWSE} WHERE rn > ? AND rn <= ? ORDER BY rn",
                   [offset, offset + size])
    else:
        total_row = con.execute(f"SELECT count(*) FROM {BROWSE} WHERE {where}",
                                params).fetchone()
        rows = _df(con, f"""
            SELECT {cols} FROM {BROWSE} WHERE {where} ORDER BY {SORTS[sort]}
            LIMIT {int(size)} OFFSET {int(offset)}""", params)
    return EventsPage(total=int(total_row[0] if total_row else 0), page=page, size=size,
                      rows=rows)


@dataclass
class EventExplanation:
    """An event and every attribution that placed it in the network, with reasons."""

    event: dict[str, Any]
    attributions: pd.DataFrame


def explain_event(con: Any, event_id: str) -> EventExplanation:
    """The stored event and its attributions (rule, detail, confidence, KB version)."""
    ev = _df(con, "SELECT * FROM events WHERE event_id = ?", [event_id])
    if ev.empty:
        raise NotFoundError(f"no event {event_id!r} in the store")
    attrs = _df(con, """SELECT entity_id, side, confidence, rule, detail, kb_version
                        FROM attributions WHERE event_id = ? ORDER BY side, confidence DESC""",
                [event_id])
    record = {str(k): (None if (not isinstance(v, str) and pd.isna(v)) else v)
              for k, v in ev.iloc[0].to_dict().items()}
    return EventExplanation(event=record, attributions=attrs)


def event_types(con: Any) -> list[str]:
    """Event types present among attributed events."""
    prepare(con)
    return [r[0] for r in con.execute(
        f"SELECT DISTINCT event_type FROM {VIEW} WHERE event_type IS NOT NULL ORDER BY 1"
    ).fetchall()]


def countries_by_entity(con: Any, filt: EventFilter | None = None) -> pd.DataFrame:
    """Events per entity and country: DataFrame[entity_id, country_iso3, events]."""
    prepare(con)
    where, params = (filt or EventFilter()).where()
    return _df(con, f"""SELECT entity_id, country_iso3, count(*) AS events FROM {VIEW}
                        WHERE {where} GROUP BY ALL ORDER BY entity_id, events DESC""", params)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period label (``2019``, ``2019-Q3`` or ``2019-07``).

    >>> period_bounds("2019-Q3")
    (datetime.date(2019, 7, 1), datetime.date(2019, 9, 30))
    """
    import calendar
    import re

    m = re.fullmatch(r"(\d{4})(?:-Q([1-4])|-(\d{2}))?", period.strip())
    if not m:
        raise ValueError(f"period {period!r}: expected YYYY, YYYY-Qn or YYYY-MM")
    year = int(m.group(1))
    if m.group(2):
        q = int(m.group(2))
        first, last = 3 * q - 2, 3 * q
    elif m.group(3):
        first = last = int(m.group(3))
        if not 1 <= first <= 12:
            raise ValueError(f"period {period!r}: month must be 01-12")
    else:
        first, last = 1, 12
    return dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1])
