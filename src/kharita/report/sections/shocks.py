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


def _date_mark(date: str, precision: str, kind: str) -> dict[str, Any]:
    """A leader's loss on the chart: a line for a day-precise date, a shaded band over
    the month or year when the date is known only to that precision (so a year-precision
    death is not drawn as 1 January)."""
    color = "#8e2b20"
    dash = "solid" if kind == "death" else "dash"
    if precision in ("month", "year"):
        start = pd.Timestamp(date)
        start = start.replace(day=1) if precision == "month" else start.replace(month=1, day=1)
        end = start + (pd.DateOffset(months=1) if precision == "month" else
                       pd.DateOffset(years=1))
        return {"type": "rect", "xref": "x", "yref": "paper", "x0": start.date().isoformat(),
                "x1": end.date().isoformat(), "y0": 0, "y1": 1, "fillcolor": color,
                "opacity": 0.12 if kind == "death" else 0.07,
                "line": {"color": color, "width": 1, "dash": dash}}
    return {"type": "line", "xref": "x", "yref": "paper", "x0": date, "x1": date, "y0": 0,
            "y1": 1, "line": {"color": color, "dash": dash, "width": 1.5}}


def _studied_series(studied: pd.DataFrame, leader_id: str) -> pd.Series:
    """The network series the leader's first study used (its branches over the weeks
    their files all cover), not the frame's whole network: where a file ends inside the
    year after a death, the whole network drops there (the end of the data, not of the
    activity) while the study stops at that week."""
    mine = studied[studied["leader_id"] == leader_id]
    if mine.empty:
        return pd.Series(dtype=float, index=pd.DatetimeIndex([]))
    first = mine.iloc[0]
    one = mine[(mine["kind"] == first["kind"]) & (mine["date"] == first["date"])]
    return pd.Series(one["n"].to_numpy(float), index=pd.to_datetime(one["week"]))


def build(data: BriefData) -> Section:
    top = data.top_branches
    res = data.shocks
    sec = Section(ID, TITLE,
                  intro=data.label("For each loss of a leader of the whole organisation, the "
                                   "weekly events a year either side of the series its "
                                   "study used (the network: the branches with enough events "
                                   "there, over the weeks their files all cover, so a file's "
                                   "end is not drawn as a drop), with the "
                                   "date of death (solid) and of its announcement (dashed); a "
                                   "date known only to the month or year is a shaded band. "
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
    studied = pd.DataFrame(res.attrs.get("network_series") or {
        "leader_id": [], "kind": [], "date": [], "week": [], "n": []})
    for leader_id, rows in net.groupby("leader_id", sort=False):
        dates = pd.to_datetime(rows["date"])
        lo, hi = dates.min() - pd.Timedelta(weeks=52), dates.max() + pd.Timedelta(weeks=52)
        s = _studied_series(studied, str(leader_id))
        s = s[(s.index >= lo) & (s.index <= hi)]
        shapes = [_date_mark(str(r.date), str(getattr(r, "precision", "day")), str(r.kind))
                  for r in rows.itertuples()]
        notes = []
        for r in rows.itertuples():
            irr_, lo_, hi_, p_ = (_num(x) for x in (r.irr, r.irr_low, r.irr_high,
                                                    r.placebo_p))
            irr = ("n/a" if pd.isna(irr_) else
                   f"IRR {irr_:.2f} [{lo_:.2f}, {hi_:.2f}], placebo p {p_:.2f}"
                   if not pd.isna(lo_) else f"IRR {irr_:.2f}")
            prec = str(getattr(r, "precision", "day"))
            known = "" if prec == "day" else f" (known to the {prec}; see the note)"
            notes.append(f"{r.kind} {r.date}{known}: {irr}")
        name = str(rows["leader"].iloc[0])
        if rows["irr"].map(_num).isna().all():
            why = sorted({part.strip().removeprefix("not testable: ")
                          for n in rows.get("note", pd.Series(dtype=str))
                          if isinstance(n, str) for part in n.split(";") if part.strip()})
            sec.charts.append(Chart(
                f"shock-{leader_id}", {"title": name,
                                       "reason": "; ".join(why) or "no estimate"},
                data.label(f"{name}: " + "; ".join(notes)), kind="untestable"))
            continue
        fig: dict[str, Any] = {
            "data": [{"type": "scatter", "mode": "lines",
                      "x": [pd.Timestamp(d).date().isoformat() for d in s.index],
                      "y": s.astype(float).round(2).tolist(), "name": "network",
                      "line": {"color": "#333333", "width": 1}}],
            "layout": charts.base_layout(name, data.synthetic, height=260, shapes=shapes,
                                         margin={"l": 40, "r": 10, "t": 40, "b": 40},
                                         showlegend=False,
                                         xaxis={"type": "date"},
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
