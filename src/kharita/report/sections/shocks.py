"""Leadership shocks: the network's weekly events around each loss of a leader."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table

ID, TITLE = "shocks", "Leadership shocks: event studies per leader"


def _num(x: Any) -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        return float("nan")


def build(data: BriefData) -> Section:
    top = data.top_branches
    res = data.shocks
    weekly = data.weekly
    sec = Section(ID, TITLE,
                  intro=data.label("For each loss of a leader of the whole organisation, the "
                                   "network's weekly events a year either side, with the "
                                   "date of death (solid) and of its announcement (dashed). "
                                   "IRR: the change in the event rate after the date from a "
                                   "negative binomial regression with trend and seasonality "
                                   "(1 = no change), with its 95% interval and a placebo "
                                   f"p-value from {data.n_placebo} dates drawn from the same "
                                   f"series. Studied: the {len(top)} most active branches "
                                   f"({', '.join(top)}) and the network as their sum."),
                  layout="pair")
    if res.empty:
        sec.notes.append("No leadership loss with dated events around it in this store.")
        return sec
    net = res[res["series"] == "network"]
    for leader_id, rows in net.groupby("leader_id", sort=False):
        dates = pd.to_datetime(rows["date"])
        lo, hi = dates.min() - pd.Timedelta(weeks=52), dates.max() + pd.Timedelta(weeks=52)
        s = weekly["network"] if "network" in weekly else pd.Series(dtype=float)
        s = s[(s.index >= lo) & (s.index <= hi)]
        shapes = []
        notes = []
        for r in rows.itertuples():
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": r.date,
                           "x1": r.date, "y0": 0, "y1": 1,
                           "line": {"color": "#8e2b20", "dash": "solid" if r.kind == "death"
                                    else "dash", "width": 1.5}})
            irr_, lo_, hi_, p_ = (_num(x) for x in (r.irr, r.irr_low, r.irr_high,
                                                    r.placebo_p))
            irr = ("n/a" if pd.isna(irr_) else
                   f"IRR {irr_:.2f} [{lo_:.2f}, {hi_:.2f}], placebo p {p_:.2f}"
                   if not pd.isna(lo_) else f"IRR {irr_:.2f}")
            notes.append(f"{r.kind} {r.date}: {irr}")
        name = str(rows["leader"].iloc[0])
        fig: dict[str, Any] = {
            "data": [{"type": "scatter", "mode": "lines",
                      "x": [pd.Timestamp(d).date().isoformat() for d in s.index],
                      "y": s.astype(float).round(2).tolist(), "name": "network",
                      "line": {"color": "#333333", "width": 1}}],
            "layout": charts.base_layout(name, data.synthetic, height=260, shapes=shapes,
                                         margin={"l": 40, "r": 10, "t": 40, "b": 40},
                                         showlegend=False,
                                         yaxis={"title": {"text": "events / week"},
                                                "rangemode": "tozero"})}
        sec.charts.append(Chart(f"shock-{leader_id}", fig,
                                data.label(f"{name}: " + "; ".join(notes))))
    cols = [c for c in ("leader", "kind", "date", "series", "before", "after", "irr",
                        "irr_low", "irr_high", "p_adj", "placebo_p", "note") if c in res]
    sec.tables.append(Table("Every event study (network and per branch)",
                            res[cols].round(3), max_rows=80,
                            caption=data.label("p_adj: corrected across branches "
                                               "(Benjamini-Hochberg). kharita.analysis."
                                               "shocks.shocks")))
    return sec
