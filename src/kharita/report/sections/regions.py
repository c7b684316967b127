"""Shares by world region, and when Africa's share first exceeded the Middle East's."""

from __future__ import annotations

from typing import Any

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table

ID, TITLE = "regions", "Shares by region: does Africa overtake the Middle East?"


def _sentence(d: dict[str, Any], what: str) -> str:
    if not d["first"]:
        return f"Africa's share of {what} never exceeded the Middle East's in this period."
    lo, hi = d["interval_low"] or "never", d["interval_high"] or "never"
    sus = f"; it stayed above from {d['sustained']}" if d["sustained"] else ""
    return (f"Africa's share of {what} first exceeded the Middle East's in the period "
            f"starting {d['first']} (95% bootstrap interval {lo} to {hi}, "
            f"{d['n_boot']} replicates){sus}.")


def build(data: BriefData) -> Section:
    from kharita.analysis.geography import africa_crossing, region_shares

    shares = region_shares(data.frame, freq=data.freq)
    cross = africa_crossing(data.frame, freq=data.freq, n_boot=data.n_boot)
    wide = shares.pivot_table(index="period", columns="region", values="events_share",
                              aggfunc="sum", fill_value=0.0).reset_index()
    fig = charts.lines_figure(wide, x="period", ys=[c for c in wide.columns if c != "period"],
                              synthetic=data.synthetic, freq=data.freq,
                              title="Share of the network's events by world region",
                              y_title="share of events")
    wide_f = shares.pivot_table(index="period", columns="region", values="fatalities_share",
                                aggfunc="sum", fill_value=0.0).reset_index()
    fig_f = charts.lines_figure(wide_f, x="period",
                                ys=[c for c in wide_f.columns if c != "period"],
                                synthetic=data.synthetic, freq=data.freq,
                                y_title="share of deaths",
                                title="Share of the network's deaths by world region")
    intro = " ".join([_sentence(cross.events.to_dict(), "events"),
                      _sentence(cross.fatalities.to_dict(), "deaths")])
    return Section(ID, TITLE, intro=data.label(intro),
                   charts=[Chart("regions-events", fig, data.label("Weighted events.")),
                           Chart("regions-deaths", fig_f, data.label("Weighted best "
                                                                     "estimates."))],
                   layout="pair",
                   tables=[Table("The crossing period with its bootstrap interval",
                                 cross.summary(),
                                 caption=data.label("kharita.analysis.geography."
                                                    "africa_crossing"))])
