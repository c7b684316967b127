"""What every source missed: capture-recapture where two or more sources cover the same
branch, country and period (:func:`kharita.analysis.capture.coverage_estimates`)."""

from __future__ import annotations

from typing import Any

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table
from kharita.views.periods import as_date

ID, TITLE = "capture", "What all sources missed"


def build(data: BriefData) -> Section:
    from kharita.analysis.capture import coverage_estimates

    res = coverage_estimates(data.frame, freq=data.freq)
    sec = Section(ID, TITLE, intro=data.label(
        "Where two or more independent datasets report on the same branch, country and "
        "period, their overlap estimates the incidents none of them reported "
        "(capture-recapture: Chapman's estimator for two sources, a log-linear model for "
        "three or more; 95% intervals). Reports are first linked into incidents "
        "(kharita link), so an attack in two datasets counts once."))
    sec.notes.append("Assumptions: " + "; ".join(res.assumptions) + ".")
    if not res.testable:
        sec.charts.append(Chart("capture", {"title": TITLE, "reason": res.reason},
                                data.label(res.reason), kind="untestable"))
        return sec
    est = res.estimates.copy()
    est["_day"] = [as_date(p) for p in est["period"]]
    est = est.sort_values(["_day", "entity_id", "country_iso3"])
    traces: list[dict[str, Any]] = []
    for (ent, country), g in est.groupby(["entity_id", "country_iso3"], sort=False):
        x = [d.isoformat() for d in g["_day"]]
        name = f"{data.names.get(str(ent), {}).get('en', ent)} in {country}"
        traces.append({"type": "scatter", "mode": "markers+lines", "x": x,
                       "y": g["total"].round(1).tolist(), "name": f"{name}: estimated",
                       "error_y": {"type": "data", "symmetric": False,
                                   "array": (g["upper"] - g["total"]).round(1).tolist(),
                                   "arrayminus": (g["total"] - g["lower"]).round(1).tolist()},
                       "marker": {"color": data.colors.get(str(ent), "#555555")}})
        traces.append({"type": "scatter", "mode": "markers", "x": x,
                       "y": g["observed"].tolist(), "name": f"{name}: reported",
                       "marker": {"symbol": "circle-open", "size": 9,
                                  "color": data.colors.get(str(ent), "#555555")}})
    fig = {"data": traces, "layout": charts.base_layout(
        "Incidents reported and estimated (with 95% interval)", data.synthetic,
        height=360, xaxis={"type": "date"},
        yaxis={"title": {"text": "incidents"}, "rangemode": "tozero"})}
    sec.charts.append(Chart("capture", fig, data.label(
        "Open circles: incidents at least one covering source reported; filled: the "
        "estimated total with its interval.")))
    cols = ["entity_id", "country_iso3", "period", "sources", "method", "observed",
            "reported_by", "total", "missed", "lower", "upper"]
    sec.tables.append(Table("Estimates per branch, country and period",
                            est[cols].round(1).reset_index(drop=True), max_rows=60,
                            caption=data.label("kharita.analysis.capture."
                                               "coverage_estimates")))
    return sec
