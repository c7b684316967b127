"""The outlook's read model: forecasts, their backtest scores, fan charts and alerts.

One call, :func:`outlook_view`, gives what the brief's outlook section and the
workbench's outlook page show: the forecast of every branch
(:func:`kharita.analysis.forecast.outlook`, the model chosen by its own backtest, "no
skill" stated when a baseline wins), the backtest's score table per model
(:func:`score_table`: CRPS, Brier scores, interval coverage, skill against each
baseline), one fan chart per unit (:func:`fan_figure`: the history before the origin,
the median and the central 50/80/95% bands, dates on the x axis), and the early-warning
list (:func:`kharita.analysis.forecast.alerts` on weekly counts).

The backtest is the one the model choice runs (``origins`` monthly origins, horizons 1
to ``horizon``, 100 samples per forecast), so nothing is computed twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kharita.analysis.forecast import alerts, history_from_frame
from kharita.analysis.forecast.backtest import BacktestResult
from kharita.analysis.forecast.models import BASELINES
from kharita.errors import UserInputError

if TYPE_CHECKING:
    from kharita.analysis.forecast import History, OutlookResult
    from kharita.analysis.frame import Frame

__all__ = ["SCORE_COLUMNS", "OutlookView", "fan_figure", "outlook_job", "outlook_view",
           "score_table"]

#: Columns of :func:`score_table` (``skill vs b`` for each baseline b present).
SCORE_COLUMNS: tuple[str, ...] = ("model", "CRPS", "Brier P(>=1)", "Brier P(surge)",
                                  "cover 50%", "cover 80%", "cover 95%", "cells")
_BANDS = ((95, "lo95", "hi95", 0.15), (80, "lo80", "hi80", 0.25), (50, "lo50", "hi50", 0.4))
_FORECAST_COLOR = "142, 43, 32"


@dataclass
class OutlookView:
    """Everything the outlook section and page show (see the module docstring)."""

    result: OutlookResult
    units: list[str]
    fans: dict[str, dict[str, Any]]
    scores: pd.DataFrame
    by_horizon: pd.DataFrame
    alerts: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)
    alerts_note: str = ""

    @property
    def model(self) -> str:
        return self.result.model

    @property
    def verdict(self) -> str:
        return self.result.verdict

    @property
    def notes(self) -> dict[str, str]:
        return self.result.notes

    def busiest(self, months: int = 12) -> list[str]:
        """The forecast branches, most events first in the last ``months`` months each
        branch's sources cover (ties in id order): the brief's fan charts are the first
        six, the workbench's page opens on the first (not on the first id, which may be
        a branch with one event in a sample file)."""
        h = self.result.history
        recent: dict[str, float] = {}
        if h is not None:
            for j, u in enumerate(h.units):
                end = int(h.end[j])
                recent[u] = float(h.events[max(0, end - months + 1): end + 1, j].sum())
        return sorted(self.units, key=lambda u: (-recent.get(u, 0.0), u))

    def why(self) -> str:
        """One sentence: the default model and why it was chosen."""
        s = self.settings
        how = (f"lowest mean CRPS in a rolling-origin backtest over {s.get('n_origins')} "
               f"monthly origins from {s.get('first_origin')}, horizons 1-{s.get('horizon')}"
               f", {s.get('n_samples')} samples per forecast")
        if self.result.skill:
            return f"Default model: {self.model} ({how}). {self.verdict}."
        return (f"Default model: {self.model} ({how}). No skill: no model beats the simple "
                f"baselines on this store, so the forecast shown is the best baseline's "
                f"({self.verdict}).")


def score_table(bt: BacktestResult) -> pd.DataFrame:
    """The backtest summary per model, best first: mean CRPS, Brier scores of
    P(>= 1 event) and P(surge), share of outcomes inside the central 50/80/95% intervals,
    skill ``1 - CRPS / CRPS(b)`` against each baseline ``b`` and the number of scored
    (unit, origin, horizon) cells."""
    s = bt.summary
    out = pd.DataFrame({
        "model": s["model"], "CRPS": s["crps"], "Brier P(>=1)": s["brier_any"],
        "Brier P(surge)": s["brier_surge"], "cover 50%": s["cover50"],
        "cover 80%": s["cover80"], "cover 95%": s["cover95"]})
    for b in BASELINES:
        if f"skill_vs_{b}" in s:
            out[f"skill vs {b}"] = s[f"skill_vs_{b}"]
    out["cells"] = s["n"].astype("int64")
    return out.reset_index(drop=True)


def _iso(values: Any) -> list[str]:
    return [pd.Timestamp(v).date().isoformat() for v in values]


def fan_figure(h: History, table: pd.DataFrame, unit: str, *, name: str = "",
               synthetic: bool = False, history_periods: int = 36,
               model: str = "") -> dict[str, Any]:
    """A plotly.js fan chart of one unit: its last ``history_periods`` observed periods
    up to its origin (events), then the forecast's median and central 50/80/95% bands
    (``table``: rows of :func:`kharita.analysis.forecast.outlook` for the unit), dates on
    the x axis in order. Every value is finite (the bands start at the origin's
    observed count, so the fan joins the history)."""
    j = h.units.index(unit)
    end = int(h.end[j])
    lo = max(int(h.start[j]), end - history_periods + 1)
    past_x = _iso(h.periods[lo: end + 1])
    past_y = [float(v) for v in h.events[lo: end + 1, j]]
    t = table[table.unit == unit].sort_values("period")
    x = [past_x[-1], *_iso(t.period)]
    y0 = past_y[-1]
    data: list[dict[str, Any]] = []
    for level, lo_c, hi_c, op in _BANDS:
        data.append({"type": "scatter", "mode": "lines", "x": x,
                     "y": [y0, *t[f"events_{lo_c}"].astype(float).round(2).tolist()],
                     "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False,
                     "name": f"{level}% low"})
        data.append({"type": "scatter", "mode": "lines", "x": x,
                     "y": [y0, *t[f"events_{hi_c}"].astype(float).round(2).tolist()],
                     "line": {"width": 0}, "fill": "tonexty",
                     "fillcolor": f"rgba({_FORECAST_COLOR}, {op})", "name": f"{level}% interval",
                     "hovertemplate": f"%{{x|%Y-%m}}: {level}% up to %{{y:.0f}}<extra></extra>"})
    data.append({"type": "scatter", "mode": "lines+markers", "x": past_x, "y": past_y,
                 "name": "observed events", "line": {"color": "#333333", "width": 1.5},
                 "marker": {"size": 3},
                 "hovertemplate": "%{x|%Y-%m}: %{y:.1f} events<extra></extra>"})
    data.append({"type": "scatter", "mode": "lines+markers", "x": x,
                 "y": [y0, *t["events_median"].astype(float).round(2).tolist()],
                 "name": "forecast median", "line": {"color": f"rgb({_FORECAST_COLOR})",
                                                     "dash": "dash", "width": 2},
                 "marker": {"size": 4},
                 "hovertemplate": "%{x|%Y-%m}: median %{y:.0f}<extra></extra>"})
    for tr in data:
        if not all(np.isfinite(v) for v in tr["y"]):  # never draw a NaN path
            raise ValueError(f"non-finite value in the fan chart of {unit}")
    title = f"{name or unit}: events per {h.freq}, forecast from {past_x[-1][:7]}"
    if model:
        title += f" ({model})"
    layout: dict[str, Any] = {
        "title": {"text": ("SYNTHETIC DATA — " if synthetic else "") + title, "x": 0.01,
                  "xanchor": "left", "font": {"size": 14}},
        "font": {"family": "system-ui, sans-serif", "size": 12}, "height": 340,
        "margin": {"l": 50, "r": 20, "t": 45, "b": 40},
        "xaxis": {"type": "date", "tickformat": "%Y-%m", "hoverformat": "%Y-%m"},
        "yaxis": {"title": {"text": f"events per {h.freq}"}, "rangemode": "tozero"},
        "legend": {"orientation": "h", "y": -0.18}, "annotations": [],
        "shapes": [{"type": "line", "xref": "x", "yref": "paper", "x0": past_x[-1],
                    "x1": past_x[-1], "y0": 0, "y1": 1,
                    "line": {"color": "#999999", "width": 1, "dash": "dot"}}]}
    if synthetic:
        layout["annotations"].append({
            "text": "SYNTHETIC DATA — NOT REAL EVENTS", "xref": "paper", "yref": "paper",
            "x": 0.5, "y": 0.5, "showarrow": False, "opacity": 0.18, "textangle": -18,
            "font": {"size": 30, "color": "#b03a2e"}})
    return {"data": data, "layout": layout}


def outlook_view(frame: Frame, *, horizon: int = 6, origins: int = 36,
                 n_samples: int = 1000, history_periods: int = 36,
                 names: dict[str, str] | None = None, synthetic: bool = False,
                 alert_last: int = 8, alert_alpha: float = 0.01,
                 seed: int = 0) -> OutlookView:
    """The monthly branch outlook of ``frame`` with its backtest, fan charts and the weekly
    alerts (see the module docstring). ``names`` maps unit ids to display names.

    Examples
    --------
    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 3_000, seed=1)
    >>> v = outlook_view(build_frame(store), horizon=3, origins=6, n_samples=200)
    >>> sorted(v.fans) == v.units, list(v.scores.columns[:2])
    (True, ['model', 'CRPS'])
    """
    return outlook_job(frame, horizon=horizon, origins=origins, n_samples=n_samples,
                       history_periods=history_periods, names=names, synthetic=synthetic,
                       alert_last=alert_last, alert_alpha=alert_alpha, seed=seed)()


def outlook_job(frame: Frame, *, horizon: int = 6, origins: int = 36,
                n_samples: int = 1000, history_periods: int = 36,
                names: dict[str, str] | None = None, synthetic: bool = False,
                alert_last: int = 8, alert_alpha: float = 0.01,
                seed: int = 0) -> Callable[[], OutlookView]:
    """:func:`outlook_view` in two steps: this call reads what the outlook needs from the
    store (the monthly and weekly histories) and returns a function that computes the
    rest - backtest, forecasts, fan charts, alerts - without touching the store, so it
    can run in another thread beside other store work (the brief does). An error of the
    first step (e.g. no events to forecast) is raised by the returned function."""
    from kharita.analysis.forecast import outlook_history

    try:
        h = history_from_frame(frame, freq="month")
    except UserInputError as exc:
        err = exc

        def failed() -> OutlookView:
            raise err

        return failed
    try:
        wk: History | UserInputError = history_from_frame(frame, freq="week")
    except UserInputError as exc:
        wk = exc

    def finish() -> OutlookView:
        res = outlook_history(h, horizon=horizon, model="auto", run_backtest=True,
                              select_origins=origins, n_samples=n_samples, seed=seed)
        units = sorted(res.table.unit.unique())
        fans = {u: fan_figure(h, res.table, u, name=(names or {}).get(u, u),
                              synthetic=synthetic, history_periods=history_periods,
                              model=res.model) for u in units}
        bt = res.backtest
        assert bt is not None  # run_backtest=True
        note = ""
        try:
            if isinstance(wk, UserInputError):
                raise wk
            al = alerts(wk, last=alert_last, alpha=alert_alpha)
            note = (f"{al.attrs['tested']} branch-weeks tested (the last {alert_last} weeks "
                    f"of each branch's covered data); false-alarm rate {alert_alpha:g}: "
                    f"about {alert_alpha * al.attrs['tested']:.1f} alerts expected by "
                    "chance")
        except UserInputError as exc:
            al = pd.DataFrame(columns=["unit", "period", "events", "expected", "p_value",
                                       "surprise", "alert", "note"])
            note = f"no alerts computed: {exc}"
        settings = dict(bt.settings)
        return OutlookView(res, units, fans, score_table(bt), bt.by_horizon, al, settings,
                           note)

    return finish
