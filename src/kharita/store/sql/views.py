"""SQL of the read model (:mod:`kharita.views`): store info, periods, map cells, the
events table and one event.

Written once in DuckDB's dialect, without DuckDB-only constructs (no ``GROUP BY ALL``,
no ``contains``, no ``hash``), so that :func:`kharita.store.dialect.transpile` turns
every query into Spark SQL. ``frame`` arguments are the SQL of an analysis frame
(:attr:`kharita.analysis.frame.Frame.sql`) used as a subquery; values the user typed
are ``?`` parameters, never spliced. Queries of the ``events`` table leave out withdrawn
events (:data:`LIVE`), as the frame does; only one event's own look-up
(:func:`event_exists_sql`) finds a withdrawn one, so ``explain`` can say it was.
"""

from __future__ import annotations

from kharita.store.sql.periods import FREQS, period_sql

__all__ = ["FREQS", "PAGE_COLUMNS", "SORTS", "period_sql"]
#: Orders of the events table: name -> ``ORDER BY`` over the browse table.
SORTS: dict[str, str] = {
    "date_desc": "rn",
    "date_asc": "rn DESC",
    "fatalities_desc": "fatalities_best DESC NULLS LAST, rn",
    "fatalities_asc": "fatalities_best ASC NULLS LAST, rn",
}
#: Columns of the events table a header click sorts by (``<column>_asc|_desc``; ties
#: newest first).
SORT_COLUMNS: tuple[str, ...] = ("event_id", "entity_id", "confidence", "weight", "event_type",
                                 "source", "country_iso3", "admin1", "place")
SORTS.update({f"{c}_{d}": f"{c} {d.upper()} NULLS LAST, rn" for c in SORT_COLUMNS
              for d in ("asc", "desc")})
#: The condition on ``events`` for the current, not withdrawn events.
LIVE = "NOT COALESCE(withdrawn, FALSE)"
#: Columns of one row of the events table.
PAGE_COLUMNS: tuple[str, ...] = (
    "event_id", "date_start", "entity_id", "confidence", "weight", "event_type", "source",
    "country_iso3", "admin1", "place", "fatalities_best")
#: The lower-cased text a search matches (place, admin1, country, ISO3 code, branch).
SEARCH_TEXT = ("lower(concat_ws(' ', COALESCE(place, ''), COALESCE(admin1, ''), "
               "COALESCE(country, ''), COALESCE(country_iso3, ''), COALESCE(entity_id, '')))")


# -- store info ------------------------------------------------------------------------
def event_counts_sql() -> str:
    """Events, synthetic events, first and last start date of the ``events`` table
    (withdrawn events left out)."""
    return ("SELECT COUNT(*) AS n, "
            "SUM(CASE WHEN COALESCE(synthetic, FALSE) THEN 1 ELSE 0 END) AS n_synthetic, "
            f"MIN(date_start) AS date_min, MAX(date_start) AS date_max FROM events "
            f"WHERE {LIVE}")


def distinct_events_sql(frame: str) -> str:
    """Number of distinct events in a frame."""
    return f"SELECT COUNT(DISTINCT event_id) AS n FROM ({frame}) f"


def sources_sql() -> str:
    """Events per source and version with their date range (withdrawn events left
    out)."""
    return ("SELECT source, source_version, COUNT(*) AS events, MIN(date_start) AS first, "
            f"MAX(date_start) AS last FROM events WHERE {LIVE} GROUP BY source, "
            "source_version ORDER BY source, source_version")


def files_sql() -> str:
    """Every ingested file with its row accounting."""
    return ("SELECT path, source, source_version, rows_read, rows_stored, rows_quarantined, "
            "rows_filtered, ingest_file_id, finished_at, "
            "COALESCE(synthetic, FALSE) AS synthetic FROM ingest_files ORDER BY started_at")


def quarantine_sql() -> str:
    """Quarantined rows per file and reason, most first."""
    return ("SELECT file, reason, COUNT(*) AS rows FROM quarantine GROUP BY file, reason "
            "ORDER BY rows DESC, file, reason")


def filtered_rows_sql() -> str:
    """Rows left out on purpose, per reason, most first."""
    return ("SELECT reason, SUM(rows) AS rows FROM filtered GROUP BY reason "
            "ORDER BY rows DESC, reason")


def entities_sql(frame: str) -> str:
    """The frame's branches, most rows first."""
    return (f"SELECT entity_id, COUNT(*) AS n FROM ({frame}) f GROUP BY entity_id "
            "ORDER BY n DESC, entity_id")


def event_types_sql(frame: str) -> str:
    """The event types present in a frame."""
    return (f"SELECT DISTINCT event_type FROM ({frame}) f WHERE event_type IS NOT NULL "
            "ORDER BY event_type")


# -- periods and map -------------------------------------------------------------------
def periods_sql(frame: str, freq: str) -> str:
    """First days of the periods holding at least one row of the frame, in order."""
    p = period_sql(freq)
    return f"SELECT DISTINCT {p} AS period FROM ({frame}) f ORDER BY period"


def map_cells_sql(frame: str, *, freq: str | None, cell_deg: float) -> str:
    """Weighted events and deaths per grid cell (and period, unless ``freq`` is None).

    Cell centre: ``(floor(lat / d) + 0.5) * d``, likewise for the longitude.
    """
    d = repr(float(cell_deg))
    lat = f"(FLOOR(latitude / {d}) + 0.5) * {d}"
    lon = f"(FLOOR(longitude / {d}) + 0.5) * {d}"
    keys = ["entity_id", lat, lon]
    names = ["entity_id", "lat", "lon"]
    if freq is not None:
        keys.insert(0, period_sql(freq))
        names.insert(0, "period")
    select = ", ".join(f"{k} AS {n}" if k != n else k for k, n in zip(keys, names,
                                                                        strict=True))
    return (f"SELECT {select}, SUM(weight) AS events, "
            "SUM(weight * COALESCE(fatalities_best, 0)) AS fatalities "
            f"FROM ({frame}) f WHERE latitude IS NOT NULL AND longitude IS NOT NULL "
            f"GROUP BY {', '.join(keys)} ORDER BY {', '.join(names)}")


def countries_by_entity_sql(frame: str) -> str:
    """Weighted events per branch and country."""
    return (f"SELECT entity_id, country_iso3, SUM(weight) AS events FROM ({frame}) f "
            "GROUP BY entity_id, country_iso3 ORDER BY entity_id, events DESC, country_iso3")


# -- the events table ------------------------------------------------------------------
def search_keys_sql(base: str) -> str:
    """The distinct search texts of a frame base table, numbered (``key_id``)."""
    return (f"SELECT ROW_NUMBER() OVER (ORDER BY key) AS key_id, key FROM "
            f"(SELECT DISTINCT {SEARCH_TEXT} AS key FROM {base}) k")


def browse_sql(base: str, keys: str) -> str:
    """The frame base table ``base`` with ``key_id`` (into ``keys``) and ``rn``, the
    row's rank newest first (date, event id, branch), stored in ``rn`` order so the
    default order pages by range."""
    return (f"SELECT b.*, k.key_id, ROW_NUMBER() OVER (ORDER BY b.date DESC, b.event_id, "
            f"b.entity_id) AS rn FROM (SELECT *, {SEARCH_TEXT} AS kh_key FROM {base}) b "
            f"JOIN {keys} k ON k.key = b.kh_key ORDER BY rn")


def search_where(keys: str) -> str:
    """A condition on the browse rows for one search text (two ``?``: the lower-cased
    text, matched as a literal substring, and the whole event id)."""
    return (f"(key_id IN (SELECT key_id FROM {keys} WHERE STRPOS(key, ?) > 0) "
            "OR lower(event_id) = ?)")


def cell_where(cell_deg: float) -> str:
    """A condition on the browse rows: located in one map cell of ``cell_deg`` degrees
    (two ``?``: the cell's row and column, ``floor(lat / d)`` and ``floor(lon / d)``, the
    same cells as :func:`map_cells_sql`)."""
    d = repr(float(cell_deg))
    return f"(FLOOR(latitude / {d}) = ? AND FLOOR(longitude / {d}) = ?)"


def count_sql(rows: str, where: str = "") -> str:
    """Number of rows of a subquery (optionally under a condition)."""
    return f"SELECT COUNT(*) AS n FROM ({rows}) r" + (f" WHERE {where}" if where else "")


def page_sql(rows: str, *, where: str = "", sort: str, limit: int, offset: int) -> str:
    """One page of the events table over the (filtered) browse rows ``rows``."""
    if sort not in SORTS:
        raise ValueError(f"sort={sort!r}: expected one of {', '.join(SORTS)}")
    cols = ", ".join("date AS date_start" if c == "date_start" else c for c in PAGE_COLUMNS)
    return (f"SELECT {cols} FROM ({rows}) r" + (f" WHERE {where}" if where else "")
            + f" ORDER BY {SORTS[sort]} LIMIT {int(limit)} OFFSET {int(offset)}")


def rank_range_sql(rows: str) -> str:
    """Rows whose rank lies in a range (two ``?``: after, up to), in rank order."""
    cols = ", ".join("date AS date_start" if c == "date_start" else c for c in PAGE_COLUMNS)
    return f"SELECT {cols} FROM ({rows}) r WHERE rn > ? AND rn <= ? ORDER BY rn"


def table_count_sql(table: str) -> str:
    """Rows of one table."""
    return f"SELECT COUNT(*) AS n FROM {table}"


# -- one event -------------------------------------------------------------------------
def event_exists_sql() -> str:
    """1 when the event (one ``?``) is stored."""
    return "SELECT COUNT(*) AS n FROM events WHERE event_id = ?"


def event_weights_sql(frame: str) -> str:
    """How one event (one ``?``) counts in a frame: its branches and weights."""
    return (f"SELECT entity_id, weight, confidence, region FROM ({frame}) f "
            "WHERE event_id = ? ORDER BY entity_id")



# -- one event's incident and links (tables of kharita.linkage) -------------------------
#: Columns of one report of an incident.
REPORT_COLUMNS: tuple[str, ...] = (
    "event_id", "representative", "source", "date_start", "date_precision", "country_iso3",
    "admin1", "place", "latitude", "longitude", "geo_precision", "event_type", "actor1_name",
    "actor2_name", "fatalities_best", "fatalities_low", "fatalities_high")


def event_incident_sql() -> str:
    """The incident of one event (one ``?``): ``incident_id``, ``n_reports``,
    ``representative`` (no row: the event is its own incident)."""
    return ("SELECT incident_id, n_reports, representative FROM incidents "
            "WHERE event_id = ?")


def incident_reports_sql() -> str:
    """The current, not withdrawn reports of one incident (one ``?``), the
    representative first."""
    cols = ", ".join(("i.representative" if c == "representative" else f"e.{c}")
                     for c in REPORT_COLUMNS)
    return (f"SELECT {cols} FROM incidents i JOIN events e ON e.event_id = i.event_id "
            "WHERE i.incident_id = ? AND NOT COALESCE(e.withdrawn, FALSE) "
            "ORDER BY CASE WHEN i.representative THEN 0 ELSE 1 END, e.event_id")


def single_report_sql() -> str:
    """One event (one ``?``) as the only report of its incident."""
    cols = ", ".join(("TRUE AS representative" if c == "representative" else c)
                     for c in REPORT_COLUMNS)
    return f"SELECT {cols} FROM events WHERE event_id = ?"


def event_links_sql(*, reviews: bool) -> str:
    """Every link of one event (two ``?``: the id twice), most probable first, with the
    latest review of the pair when ``reviews`` (the ``link_reviews`` table exists)."""
    if not reviews:
        return ("SELECT event_id_l, event_id_r, match_probability, match_weight, "
                "comparisons, model_id, linked_at, CAST(NULL AS VARCHAR) AS decision, "
                "CAST(NULL AS VARCHAR) AS note FROM event_links "
                "WHERE event_id_l = ? OR event_id_r = ? "
                "ORDER BY match_probability DESC, event_id_l, event_id_r")
    return """
WITH r AS (
  SELECT event_id_l, event_id_r, decision, note,
         ROW_NUMBER() OVER (PARTITION BY event_id_l, event_id_r
                            ORDER BY reviewed_at DESC) AS k
  FROM link_reviews
)
SELECT l.event_id_l, l.event_id_r, l.match_probability, l.match_weight, l.comparisons,
       l.model_id, l.linked_at, r.decision, r.note
FROM event_links l LEFT JOIN r ON r.event_id_l = l.event_id_l
  AND r.event_id_r = l.event_id_r AND r.k = 1
WHERE l.event_id_l = ? OR l.event_id_r = ?
ORDER BY l.match_probability DESC, l.event_id_l, l.event_id_r
"""


def incident_weights_sql(frame: str) -> str:
    """How one incident (one ``?``, its id; a report's own id when counting reports)
    counts in a frame with the ``incident_id`` column: its branches and weights."""
    return (f"SELECT entity_id, weight, confidence, region FROM ({frame}) f "
            "WHERE incident_id = ? ORDER BY entity_id")
