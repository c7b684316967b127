"""SQL of activity tables (see :mod:`kharita.analysis.activity` for the definitions)."""

from __future__ import annotations

from kharita.errors import UserInputError
from kharita.store.sql.periods import period_sql

#: ``by`` value -> the frame column(s) that make the unit.
BY_COLUMNS: dict[str, tuple[str, ...]] = {
    "network": (),
    "branch": ("entity_id",),
    "region": ("region",),
    "country": ("country_iso3",),
    "admin1": ("country_iso3", "admin1"),
    "cell": ("priogrid_gid",),
}


def check_by(by: str) -> tuple[str, ...]:
    """The unit columns of ``by`` (:data:`BY_COLUMNS`); :class:`UserInputError` otherwise."""
    if by not in BY_COLUMNS:
        raise UserInputError(f"by={by!r}: expected one of {', '.join(BY_COLUMNS)}")
    return BY_COLUMNS[by]


def activity_sql(frame: str, *, by: str = "branch", freq: str = "year",
                 pairs: str = "none") -> str:
    """Weighted events, distinct events and weighted fatalities per period and unit,
    over the frame SQL ``frame`` (a ``SELECT`` of the frame's SQL columns).

    Distinct events: single-row events (``n_rows = 1``) are counted with ``COUNT(*)``;
    only events with several frame rows (several branches) need ``COUNT(DISTINCT)``.
    ``pairs`` splits the rows by coverage pair as well (:data:`PAIR_KEYS`: ``"source"``
    by source and country, ``"file"`` by ingest file and country); an event has one
    pair, so summing over the pairs gives the unsplit rows, distinct events included.
    """
    cols = (*check_by(by), *PAIR_KEYS[pairs])
    frame = with_pair_columns(frame, pairs)
    period = period_sql(freq)
    keys = ("period", *cols)
    select_keys = ", ".join((f"{period} AS period", *cols))
    group = ", ".join((period, *cols))
    join = " AND ".join(f"a.{k} IS NOT DISTINCT FROM m.{k}" for k in keys)
    out = ", ".join(f"a.{k}" for k in keys)
    return f"""
WITH f AS ({frame}),
a AS (
  SELECT {select_keys},
         SUM(weight) AS events,
         COUNT(*) FILTER (WHERE n_rows = 1) AS single_events,
         SUM(weight * COALESCE(fatalities_best, 0)) AS fatalities_best,
         SUM(weight * COALESCE(fatalities_low, fatalities_best, 0)) AS fatalities_low,
         SUM(weight * COALESCE(fatalities_high, fatalities_best, 0)) AS fatalities_high
  FROM f GROUP BY {group}
),
m AS (
  SELECT {select_keys}, COUNT(DISTINCT event_id) AS multi_events
  FROM f WHERE n_rows > 1 GROUP BY {group}
)
SELECT {out}, a.events,
       a.single_events + COALESCE(m.multi_events, 0) AS events_raw,
       a.fatalities_best, a.fatalities_low, a.fatalities_high
FROM a LEFT JOIN m ON {join}
ORDER BY {out}
"""


#: ``pairs`` values of :func:`activity_sql`.
PAIR_KEYS: dict[str, tuple[str, ...]] = {
    "none": (),
    "source": ("source", "pair_country"),
    "file": ("ingest_file_id", "pair_country"),
}


def with_pair_columns(frame: str, pairs: str) -> str:
    """The frame SQL with the pair columns of ``pairs`` (:data:`PAIR_KEYS`) added:
    ``pair_country`` (the event's country, ``''`` when unknown) and, for ``"file"``, the
    event's ``ingest_file_id`` (a join to ``events``)."""
    if pairs == "none":
        return frame
    if pairs == "source":
        return f"SELECT f.*, COALESCE(f.country_iso3, '') AS pair_country FROM ({frame}) f"
    return f"""
SELECT f.*, COALESCE(f.country_iso3, '') AS pair_country,
       COALESCE(e.ingest_file_id, '') AS ingest_file_id
FROM ({frame}) f JOIN events e ON e.event_id = f.event_id"""


def coverage_stamp_sql() -> str:
    """Counts that change whenever events, attributions or ingest files are written (the
    cached coverage table and comparable spans are recomputed when they differ)."""
    return ("SELECT (SELECT count(*) FROM events) AS n_events, "
            "(SELECT count(*) FROM attributions) AS n_attributions, "
            "(SELECT count(*) FROM ingest_files) AS n_files, "
            "(SELECT max(ingest_file_id) FROM ingest_files) AS last_file")
