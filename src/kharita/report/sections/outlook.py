"""The threat outlook: fan charts per branch, the backtest's scores, and the alerts.

Reads :func:`kharita.views.outlook.outlook_view` once per brief (kept on the brief's
:class:`~kharita.report.sections.base.BriefData` as ``outlook``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from kharita.errors import UserInputError
from kharita.report.sections.base import BriefData, Chart, Section, Table, Unavailable

if TYPE_CHECKING:
    from kharita.views.outlook import OutlookView

ID, TITLE = "outlook", "Outlook: forecasts per branch, scored against baselines"

#: The brief's settings: 6 months ahead, the model chosen by a backtest over the last 36
#: monthly origins (as ``kharita outlook``), 1,000 samples; fan charts of at most
#: ``MAX_FANS`` branches (the most active).
HORIZON, ORIGINS, SAMPLES, MAX_FANS = 6, 36, 1000, 6


def _job(data: BriefData) -> Callable[[], OutlookView]:
    from kharita.views.outlook import outlook_job

    names = {u: n.get("en", u) for u, n in data.names.items()}
    return outlook_job(data.frame, horizon=HORIZON, origins=ORIGINS, n_samples=SAMPLES,
                       names=names, synthetic=data.synthetic)


def prefetch(data: BriefData) -> None:
    """Read the outlook's histories now and compute its backtest and forecasts in a
    background thread while the other sections run (:func:`outlook_of` collects it;
    the figures are those of the same computation run in place)."""
    if "outlook" in data.__dict__:
        return
    try:
        job = _job(data)
    except Exception:  # computed (and its error reported) in place by the section
        return
    data.in_background("outlook", job)


def outlook_of(data: BriefData) -> OutlookView:
    """The brief's one outlook (computed on first use, or collected from the background
    job :func:`prefetch` started; kept on ``data``)."""
    if "outlook" not in data.__dict__:
        data._note("outlook")
        try:
            computed = data.collect("outlook")
            if computed is None:
                computed = _job(data)()
        except UserInputError as exc:
            raise Unavailable(str(exc)) from exc
        data.prime("outlook", computed)
    out: OutlookView = data.__dict__["outlook"]
    return out


def build(data: BriefData) -> Section:
    v = outlook_of(data)
    s = v.settings
    t = v.result.table
    total = t[t.horizon == 1].set_index("unit")
    shown = v.busiest(months=12)[:MAX_FANS]
    intro = (f"Forecasts of each branch's events per month, {HORIZON} months ahead, as "
             f"distributions (the median and the central 50/80/95% intervals of "
             f"{SAMPLES:,} samples per forecast). Each branch is forecast from the last "
             "month its sources cover. "
             + v.why())
    charts = [Chart(f"outlook-fan-{u}", v.fans[u],
                    data.label(f"{data.names.get(u, {}).get('en', u)}: observed events "
                               f"(black), forecast median (dashed) and 50/80/95% bands."))
              for u in shown]
    sc = v.scores.copy()
    num = [c for c in sc.columns if c not in ("model", "cells")]
    sc[num] = sc[num].round(3)
    tables = [Table(
        "Backtest scores per model (mean over branches, origins and horizons; best first)",
        sc, caption=data.label(
            f"Rolling-origin backtest: {s.get('n_origins')} monthly origins from "
            f"{s.get('first_origin')}, horizons 1-{s.get('horizon')}, each model seeing only "
            "data up to its origin (and the KB's facts known then). CRPS: lower is better "
            "(in events; equals the absolute error of a point forecast). Brier: lower is "
            "better. cover N%: share of outcomes inside the central N% interval (close to "
            "N% is calibrated). skill vs b = 1 - CRPS / CRPS(b): positive beats baseline b. "
            f"Verdict: {v.verdict}."))]
    by_h = v.by_horizon.pivot_table(index="horizon", columns="model", values="crps")
    tables.append(Table("CRPS by horizon (months ahead) and model", by_h.round(2).reset_index(),
                        caption=data.label("Lower is better; which model wins can change "
                                           "with the horizon.")))
    rows = pd.DataFrame({
        "branch": [data.names.get(u, {}).get("en", u) for u in total.index],
        "first month": [p.date().isoformat()[:7] for p in total.period],
        "median": total.events_median.round(0),
        "80% interval": [f"{lo:.0f}-{hi:.0f}" for lo, hi in
                         zip(total.events_lo80, total.events_hi80, strict=True)],
        "P(>=1)": total.p_any.round(2), "P(surge)": total.p_surge.round(2),
        "surge above": total.surge_threshold.round(0)})
    tables.append(Table(f"Next month per branch ({v.model})", rows,
                        caption=data.label("P(surge): probability of more events than the "
                                           "branch's 90th-percentile month so far.")))
    al = v.alerts
    if len(al):
        shown_al = pd.DataFrame({
            "branch": [data.names.get(u, {}).get("en", u) for u in al.unit],
            "week of": [pd.Timestamp(p).date().isoformat() for p in al.period],
            "events": al.events.round(1), "expected": al.expected.round(1),
            "p-value": [f"{p:.2g}" for p in al.p_value]})
        tables.append(Table("Early warning: weeks above what the preceding year led to "
                            "expect", shown_al, caption=data.label(v.alerts_note)))
    grouped: dict[str, list[str]] = {}
    for u, n in v.notes.items():  # one line per note, naming every branch it applies to
        grouped.setdefault(n, []).append(data.names.get(u, {}).get("en", u))
    notes = [f"{', '.join(names)}: {n}" for n, names in grouped.items()]
    if not len(al):
        notes.append(f"Early warning: no alert. {v.alerts_note}.")
    if len(v.units) > len(shown):
        notes.append(f"Fan charts of the {len(shown)} branches with most events in their "
                     f"last 12 months; `kharita outlook` lists all {len(v.units)}.")
    notes.append("Limits: the backtest uses today's attribution rules (history is not "
                 "re-attributed with the KB as known at each origin; branches and "
                 "affiliations the KB dates after an origin are left out there). See "
                 "docs/forecast.md.")
    return Section(ID, TITLE, intro=data.label(intro), charts=charts, tables=tables,
                   notes=notes, layout="pair")
