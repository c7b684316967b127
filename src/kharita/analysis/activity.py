"""Activity: the network's events and fatalities by unit and period.

Definition: for a unit ``u`` (branch, region, country, admin1 area or PRIO-GRID
cell) and a period ``t`` (week, month, quarter, year),

    events(u, t)      = sum of w(e, b) over frame rows with unit u and date in t
    fatalities_x(u, t) = sum of w(e, b) * fatalities_x(e),  x in {best, low, high}
    events_raw(u, t)  = number of distinct events (unweighted)

where ``w`` is the attribution weight of :func:`kharita.analysis.frame.attributed_events`
(``ambiguous="split"`` by default). Weeks start on Monday (ISO 8601).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from kharita.analysis.frame import Frame, query_df, resolve_frame
from kharita.errors import KharitaError

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase

FREQS: tuple[str, ...] = ("week", "month", "quarter", "year")
#: ``by`` value -> the frame column(s) that make the unit.
BY_COLUMNS: dict[str, tuple[str, ...]] = {
    "network": (),
    "branch": ("entity_id",),
    "region": ("region",),
    "country": ("country_iso3",),
    "admin1": ("country_iso3", "admin1"),
    "cell": ("priogrid_gid",),
}


def period_sql(freq: str, column: str = "date") -> str:
    """SQL expression for the first day of ``column``'s period (``date_trunc``)."""
    if freq not in FREQS:
        raise KharitaError(f"freq={freq!r}: expected one of {', '.join(FREQS)}")
    return f"CAST(date_trunc('{freq}', {column}) AS DATE)"


def activity_sql(frame: str, *, by: str = "branch", freq: str = "year") -> str:
    """The SQL of :func:`activity`: a ``GROUP BY`` on the frame SQL ``frame``."""
    if by not in BY_COLUMNS:
        raise KharitaError(f"by={by!r}: expected one of {', '.join(BY_COLUMNS)}")
    cols = BY_COLUMNS[by]
    keys = ", ".join(("period", *cols))
    select_keys = ", ".join((f"{period_sql(freq)} AS period", *cols))
    join = " AND ".join(f"a.{k} IS NOT DISTINCT FROM m.{k}" for k in ("period", *cols))
    # distinct events: single-row events are counted with COUNT(*); only events with
    # several frame rows (several branches) need COUNT(DISTINCT)
    return f"""
WITH f AS ({frame}),
a AS (
  SELECT {select_keys},
         SUM(weight) AS events,
         COUNT(*) FILTER (WHERE n_rows = 1) AS single_events,
         SUM(weight * COALESCE(fatalities_best, 0)) AS fatalities_best,
         SUM(weight * COALESCE(fatalities_low, fatalities_best, 0)) AS fatalities_low,
         SUM(weight * COALESCE(fatalities_high, fatalities_best, 0)) AS fatalities_high
  FROM f GROUP BY {keys}
),
m AS (
  SELECT {select_keys}, COUNT(DISTINCT event_id) AS multi_events
  FROM f WHERE n_rows > 1 GROUP BY {keys}
)
SELECT {", ".join(f"a.{k}" for k in ("period", *cols))}, a.events,
       a.single_events + COALESCE(m.multi_events, 0) AS events_raw,
       a.fatalities_best, a.fatalities_low, a.fatalities_high
FROM a LEFT JOIN m ON {join}
ORDER BY {", ".join(f"a.{k}" for k in ("period", *cols))}
"""


def activity(con: Any, *, by: str = "branch", freq: str = "year", frame: Frame | None = None,
             kb: KnowledgeBase | None = None, **filters: Any) -> pd.DataFrame:
    """Events and fatalities of the network by unit and period.

    Parameters
    ----------
    con : DuckDB connection to the store.
    by : ``"branch"`` (default), ``"region"``, ``"country"``, ``"admin1"``, ``"cell"``
        (PRIO-GRID) or ``"network"`` (one row per period).
    freq : ``"week"``, ``"month"``, ``"quarter"`` or ``"year"`` (default).
    frame : a :class:`~kharita.analysis.frame.Frame` from ``materialize_frame``
        (then its filters apply).
    kb : the knowledge base (default :func:`kharita.load_kb`).
    **filters : ``start``, ``end``, ``branches``, ``min_confidence``, ``ambiguous``
        (default ``"split"``), ``sources``, ``event_types``: see
        :func:`kharita.analysis.frame.attributed_events`.

    Returns
    -------
    pandas.DataFrame with columns ``period`` (first day), the unit column(s)
    (``entity_id``, ``region``, ``country_iso3`` [+ ``admin1``] or ``priogrid_gid``),
    ``events`` (weighted), ``events_raw`` (distinct events), ``fatalities_best``,
    ``fatalities_low``, ``fatalities_high`` (weighted). ``df.attrs["filters"]`` states
    the filters, including the ambiguity rule.

    Examples
    --------
    >>> from kharita.store.duckdb import connect
    >>> from kharita.analysis.frame import insert_synthetic_events
    >>> con = connect(":memory:")
    >>> _ = insert_synthetic_events(con, 5_000, seed=1)
    >>> df = activity(con, by="region", freq="year")
    >>> sorted(df.region.unique())
    ['Africa', 'Asia', 'Middle East']
    >>> int(df.events_raw.sum()) == 5_000
    True

    References
    ----------
    .. [1] Tollefsen, A. F., Strand, H. & Buhaug, H. (2012). PRIO-GRID: A unified
       spatial data structure. Journal of Peace Research 49(2) (the cell ids).
    """
    sql, f = resolve_frame(kb, frame, **filters)
    df = query_df(con, activity_sql(sql, by=by, freq=freq))
    df["period"] = pd.to_datetime(df["period"])
    df["events_raw"] = df["events_raw"].astype("int64")
    df.attrs["filters"] = f.describe()
    df.attrs["by"], df.attrs["freq"] = by, freq
    return df
