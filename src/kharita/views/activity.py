"""Activity and countries per branch, as the brief and the workbench show them.

:func:`activity` is :func:`kharita.analysis.activity.activity` by branch: the same
numbers as ``kharita activity``, with periods as first days (dates).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from kharita.store.sql import views as views_sql
from kharita.views.periods import check_freq

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame


def activity(frame: Frame, freq: str = "year") -> pd.DataFrame:
    """Events and deaths per period and branch: ``analysis.activity.activity(frame,
    by="branch", freq=freq)``.

    Returns DataFrame[period (first day), entity_id, events (weighted), events_raw
    (distinct events), fatalities_best, fatalities_low, fatalities_high] sorted by
    period and branch.
    """
    from kharita.analysis.activity import activity as analysis_activity

    return analysis_activity(frame, by="branch", freq=check_freq(freq))


def totals_by_branch(act: pd.DataFrame) -> pd.DataFrame:
    """Sum an :func:`activity` table over its periods: DataFrame[entity_id, events,
    fatalities, share] (most events first; ``share`` of the weighted events).

    >>> act = pd.DataFrame({"period": [1, 1, 2], "entity_id": ["a", "b", "a"],
    ...                     "events": [1.0, 3.0, 1.0], "fatalities_best": [0, 5, 1]})
    >>> totals_by_branch(act).values.tolist()
    [['b', 3.0, 5.0, 0.6], ['a', 2.0, 1.0, 0.4]]
    """
    out = (act.groupby("entity_id", as_index=False)
           .agg(events=("events", "sum"), fatalities=("fatalities_best", "sum"))
           .sort_values(["events", "entity_id"], ascending=[False, True], ignore_index=True))
    out["events"] = out["events"].astype(float)
    out["fatalities"] = out["fatalities"].astype(float)
    total = float(out["events"].sum())
    out["share"] = (out["events"] / total).round(3) if total else 0.0
    return out


def countries_by_entity(frame: Frame) -> pd.DataFrame:
    """Weighted events per branch and country: DataFrame[entity_id, country_iso3, events].

    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 300, seed=2)
    >>> fr = build_frame(store)
    >>> df = countries_by_entity(fr)
    >>> round(float(df.events.sum()), 6) == round(float(fr.df().weight.sum()), 6)
    True
    """
    df = frame.store.sql(views_sql.countries_by_entity_sql(frame.sql))
    df["events"] = df["events"].astype(float)
    return df
