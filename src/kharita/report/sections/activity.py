"""Activity by branch over time (the numbers of ``kharita activity --by branch``)."""

from __future__ import annotations

import pandas as pd

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table
from kharita.views.periods import as_date, period_label

ID, TITLE = "activity", "Activity by branch over time"


def events_table(act: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Weighted events, one row per period (in date order, labelled) and one column per
    branch: the brief's table. A period inside the branch's covered span without events
    is 0; one outside it (no file covers the branch then:
    :func:`kharita.analysis.activity.uncovered`) is empty, so the end of a file never
    reads as a fall to zero."""
    from kharita.analysis.activity import uncovered

    if act.empty:
        return pd.DataFrame({"period": []})
    df = act.assign(period=[as_date(p) for p in act["period"]])
    wide = df.pivot_table(index="period", columns="entity_id", values="events",
                          aggfunc="sum", fill_value=0).sort_index().round(1)
    starts = pd.Series(pd.to_datetime(list(wide.index)))
    for unit in wide.columns:
        outside = uncovered(act, str(unit), starts).to_numpy(dtype=bool)
        wide[unit] = wide[unit].astype(float).where(~outside)
    wide.index = [period_label(p, freq) for p in wide.index]
    wide.index.name = "period"
    wide.columns.name = None
    return wide.reset_index()


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
                   tables=[Table("Events by period and branch", events_table(act, data.freq),
                                 caption=data.label(
                                     "Weighted counts. Empty: no file covers the branch in "
                                     "that period (0: covered, no events). Coverage: "
                                     + act.attrs.get("coverage", {}).get("reason", "")
                                     + "."))])
