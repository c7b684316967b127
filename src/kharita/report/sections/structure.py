"""The organisation graph on two dates, side by side, and its resilience curves."""

from __future__ import annotations

import pandas as pd

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table
from kharita.views import kb as kbviews

ID, TITLE = "structure", "The organisation as of two dates, and its resilience"
DASH = {"random": "dot", "degree": "solid", "betweenness": "dash", "keyplayer": "dashdot"}


def build(data: BriefData) -> Section:
    d1, d2 = data.compare_dates
    lay1, lay2 = kbviews.org_layout(data.kb, d1), kbviews.org_layout(data.kb, d2)
    charts_ = [Chart(f"org-{i}", charts.org_graph_figure(lay, synthetic=data.synthetic),
                     f"Knowledge base {data.kb.version}, as of {lay['as_of']}: "
                     f"{len(lay['nodes'])} entities, {len(lay['edges'])} structural relations. "
                     + ("(Sourced KB shown inside a SYNTHETIC demo brief.)" if data.synthetic
                        else ""))
               for i, lay in enumerate((lay1, lay2), start=1)]
    summary = pd.DataFrame([kbviews.graph_summary(data.kb, d) for d in (d1, d2)])
    summary["by_type"] = summary["by_type"].map(
        lambda d: ", ".join(f"{k}: {v}" for k, v in sorted(d.items())))
    sec = Section(ID, TITLE,
                  intro=data.label(f"The organisation graph (formal and operational relations "
                                   f"from the knowledge base) on {d1} and {d2}, side by side."),
                  charts=charts_, layout="pair",
                  tables=[Table("Graph size", summary, caption=data.label("From the KB."))])
    add_resilience(data, sec, (d1, d2))
    return sec


def add_resilience(data: BriefData, sec: Section, dates: tuple[str, str]) -> None:
    """Resilience curves (largest part, efficiency) and the structure table."""
    from kharita.analysis.structure import structure

    summaries = [structure(data.kb, d, seeds=10) for d in dates]
    for measure, title in (("lcc", "largest connected part (share of nodes)"),
                           ("efficiency", "global efficiency")):
        traces = []
        for k, (d, summ) in enumerate(zip(dates, summaries, strict=True)):
            for strat, sub in summ.curves.groupby("strategy", sort=False):
                traces.append({"type": "scatter", "mode": "lines", "name": f"{d} {strat}",
                               "x": sub["fraction_removed"].astype(float).round(4).tolist(),
                               "y": sub[measure].astype(float).round(4).tolist(),
                               "line": {"color": ("#1f4e79", "#b03a2e")[k],
                                        "dash": DASH.get(str(strat), "solid")}})
        fig = {"data": traces, "layout": charts.base_layout(
            f"Resilience: {title} as nodes are removed", data.synthetic, height=360,
            xaxis={"title": {"text": "fraction of nodes removed"}},
            yaxis={"title": {"text": measure}, "rangemode": "tozero"},
            legend={"orientation": "v", "x": 1.02, "font": {"size": 9}})}
        sec.charts.append(Chart(f"resilience-{measure}", fig, data.label(
            f"Blue {dates[0]}, red {dates[1]}; removal by degree (solid), betweenness "
            "(dashed), key players (KPP-Neg, dash-dot) and at random (dotted, mean of "
            "10 orders). kharita.analysis.structure")))
    table = pd.concat([s.table() for s in summaries], ignore_index=True)
    table = table.drop(columns=["top_degree"], errors="ignore").round(3)
    sec.tables.append(Table("Structure on the two dates", table, caption=data.label(
        "Freeman centralisation, Krackhardt hierarchy, efficiency, key players; "
        "half_lcc_*: fraction removed before the largest part falls to half.")))
