"""Activity by branch over time (the numbers of ``kharita activity --by branch``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table
from kharita.views.periods import as_date, period_label

ID, TITLE = "activity", "Activity by branch over time"


def events_table(act: pd.DataFrame, freq: str,
                 existence: Mapping[str, tuple[Any, Any]] | None = None) -> pd.DataFrame:
    """Weighted events, one row per period (in date order, labelled) and one column per
    branch: the brief's table. A period inside the branch's covered span without events
    is 0; one outside it (no file covers the branch then:
    :func:`kharita.analysis.activity.uncovered`) is empty, so the end of a file never
    reads as a fall to zero. With ``existence`` (branch -> the earliest day it may have
    begun and the latest it may have ended, from the KB), a period without events
    wholly before or after the branch existed is empty too: it had no events because
    it was not there, not because it was quiet
    (:func:`kharita.analysis.activity.outside_existence`; a count is never hidden)."""
    from kharita.analysis.activity import outside_existence, uncovered

    if act.empty:
        return pd.DataFrame({"period": []})
    df = act.assign(period=[as_date(p) for p in act["period"]])
    wide = df.pivot_table(index="period", columns="entity_id", values="events",
                          aggfunc="sum", fill_value=0).sort_index().round(1)
    starts = pd.Series(pd.to_datetime(list(wide.index)))
    for unit in wide.columns:
        outside = uncovered(act, str(unit), starts).to_numpy(dtype=bool)
        if existence and str(unit) in existence:
            absent = outside_existence(starts, freq, *existence[str(unit)]).to_numpy(
                dtype=bool)
            outside = outside | (absent & (wide[unit].to_numpy() == 0))
        wide[unit] = wide[unit].astype(float).where(~outside)
    wide.index = [period_label(p, freq) for p in wide.index]
    wide.index.name = "period"
    wide.columns.name = None
    return wide.reset_index()


def existence(data: BriefData) -> dict[str, tuple[Any, Any]]:
    """Each KB entity's existence for :func:`events_table`: the earliest day its
    validity may begin and the latest it may end (None: open)."""
    return {e.id: e.valid.bounds() for e in data.kb.entities.values()}


def build(data: BriefData) -> Section:
    act = data.activity
    fig_e = charts.activity_figure(act, names=data.names, colors=data.colors,
                                   synthetic=data.synthetic, freq=data.freq,
                                   title="Events by branch per " + data.freq)
    fig_f = charts.activity_figure(act, names=data.names, colors=data.colors,
                                   synthetic=data.synthetic, value="fatalities_best",
                                   freq=data.freq, y_title="fatalities",
                                   title="Deaths (best estimate) by branch per " + data.freq)
    return Section(ID, TITLE,
                   intro=data.label("Events and deaths attributed to each branch per period."),
                   charts=[Chart("activity-events", fig_e, data.label("Stacked by branch.")),
                           Chart("activity-deaths", fig_f, data.label("Stacked by branch."))],
                   tables=[Table("Events by period and branch",
                                 events_table(act, data.freq, existence(data)),
                                 caption=data.label(
                                     "Weighted counts. Empty: no file covers the branch in "
                                     "that period, or the branch did not exist yet or any "
                                     "more (its dates in the knowledge base; 0: it existed, "
                                     "the files cover it, no events). Coverage: "
                                     + act.attrs.get("coverage", {}).get("reason", "")
                                     + "."))])
