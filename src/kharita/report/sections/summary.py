"""Summary: what the store holds and the events and deaths of each branch."""

from __future__ import annotations

from kharita.report.sections.base import BriefData, Section, Table

ID, TITLE = "summary", "Summary"


def build(data: BriefData) -> Section:
    info = data.info
    totals = data.totals.copy()
    totals["events"] = totals["events"].round(1)
    totals["fatalities"] = totals["fatalities"].round(0)
    period = f"{data.start or info.date_min} to {data.end or info.date_max}"
    intro = (f"The store holds {info.n_events:,} events, {info.n_attributed_events:,} of them "
             f"attributed to the network, from {info.date_min} to {info.date_max}. "
             f"This brief covers {period}. Knowledge base version {data.kb.version}.")
    return Section(ID, TITLE, intro=data.label(intro), tables=[Table(
        "Events and deaths (best estimate) by branch over the whole period",
        data.with_names(totals), caption=data.label("Weighted counts: ambiguous attributions "
                                                    "split by confidence share."),
        rtl_columns=("name_ar",))])
