"""Activity: the network's events and fatalities by unit and period.

Definition: for a unit ``u`` (branch, region, country, admin1 area or PRIO-GRID
cell) and a period ``t`` (week, month, quarter, year),

    events(u, t)      = sum of w(e, b) over frame rows with unit u and date in t
    fatalities_x(u, t) = sum of w(e, b) * fatalities_x(e),  x in {best, low, high}
    events_raw(u, t)  = number of distinct events (unweighted)

where ``w`` is the attribution weight of the analysis frame
(:mod:`kharita.analysis.frame`; ``ambiguous="split"`` by default). Periods are named
by their first day; weeks start on Monday (ISO 8601)
(:func:`kharita.store.sql.periods.period_sql`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from kharita.store.sql.activity import BY_COLUMNS, activity_sql, check_by
from kharita.store.sql.periods import FREQS, check_freq

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame

__all__ = ["BY_COLUMNS", "FREQS", "activity"]


def activity(frame: Frame, *, by: str = "branch", freq: str = "year") -> pd.DataFrame:
    """Events and fatalities of the network by unit and period.

    Parameters
    ----------
    frame : the analysis frame (:func:`kharita.analysis.frame.build_frame`); its
        filters (dates, branches, countries, sources, event types, minimum confidence,
        ambiguity rule) apply.
    by : ``"branch"`` (default), ``"region"``, ``"country"``, ``"admin1"``, ``"cell"``
        (PRIO-GRID) or ``"network"`` (one row per period).
    freq : ``"week"``, ``"month"``, ``"quarter"`` or ``"year"`` (default).

    Returns
    -------
    pandas.DataFrame with columns ``period`` (first day), the unit column(s)
    (``entity_id``, ``region``, ``country_iso3`` [+ ``admin1``] or ``priogrid_gid``),
    ``events`` (weighted), ``events_raw`` (distinct events), ``fatalities_best``,
    ``fatalities_low``, ``fatalities_high`` (weighted). ``df.attrs["filters"]`` states
    the filters, including the ambiguity rule.

    Examples
    --------
    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 5_000, seed=1)
    >>> frame = build_frame(store)
    >>> df = activity(frame, by="region", freq="year")
    >>> sorted(df.region.unique())
    ['Africa', 'Asia', 'Middle East']
    >>> int(df.events_raw.sum()) == 5_000
    True
    >>> late = activity(frame.narrow(start="2024", branches="ISWAP"))
    >>> late.period.dt.year.unique().tolist(), late.entity_id.unique().tolist()
    ([2024], ['is-west-africa'])

    References
    ----------
    .. [1] Tollefsen, A. F., Strand, H. & Buhaug, H. (2012). PRIO-GRID: A unified
       spatial data structure. Journal of Peace Research 49(2) (the cell ids).
    """
    check_by(by)
    check_freq(freq)
    df = frame.store.sql(activity_sql(frame.sql, by=by, freq=freq))
    df["period"] = pd.to_datetime(df["period"])
    df["events_raw"] = df["events_raw"].astype("int64")
    df.attrs["filters"] = frame.filters.describe()
    df.attrs["by"], df.attrs["freq"] = by, freq
    return df
