"""The threat outlook: a calibrated, scored forecast per unit.

:func:`outlook` takes the frame, builds the history (:mod:`.history`), chooses the model
(``model="auto"``: the one that backtests best on this store, :mod:`.backtest`, over the
last ``select_origins`` origins (36) with 100 samples per forecast; "no skill" is stated
when a baseline wins) and returns,
per unit and future period, the predictive distribution of events and fatalities as
quantiles and central 50/80/95% intervals, ``p_any`` = P(>= 1 event) and ``p_surge`` =
P(events above the unit's 90th percentile period). Attribution uncertainty enters by
splitting the samples over ``attribution_draws`` resampled histories
(:meth:`.History.resample`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kharita.analysis.forecast.backtest import DEFAULT_MODELS, BacktestResult, backtest
from kharita.analysis.forecast.history import History, history_from_frame
from kharita.analysis.forecast.models import fatality_samples, make_model
from kharita.errors import UserInputError

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame

__all__ = ["OutlookResult", "forecast_history", "outlook", "outlook_history"]


@dataclass
class OutlookResult:
    """Forecast table, the model used and why, the backtest, and the notes."""

    table: pd.DataFrame
    model: str
    verdict: str
    skill: bool
    backtest: BacktestResult | None = None
    notes: dict[str, str] = field(default_factory=dict)
    #: the count history the forecast starts from
    history: History | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        t = self.table.assign(period=self.table.period.dt.strftime("%Y-%m-%d"),
                              origin=self.table.origin.dt.strftime("%Y-%m-%d"))
        return {"model": self.model, "verdict": self.verdict, "skill": self.skill,
                "notes": self.notes, "forecast": t.replace({np.nan: None}).to_dict("records"),
                "backtest": None if self.backtest is None else self.backtest.to_dict()}


def forecast_history(h: History, model: str, *, horizon: int = 6, n_samples: int = 1000,
                     attribution_draws: int = 5, seed: int = 0) -> pd.DataFrame:
    """The forecast table of ``model`` on ``h``: every unit from its own last observed
    period (coverage), with quantiles of events and fatalities, ``p_any``, ``p_surge``."""
    rng = np.random.default_rng(seed)
    out = []
    draws = attribution_draws if h.ambiguous is not None and not h.ambiguous.empty else 1
    for end in sorted(set(h.end.tolist())):
        cols = np.nonzero(h.end == end)[0]
        ev_s, fat_s = [], []
        for _ in range(draws):
            ev, fat = h.resample(rng)
            m = make_model(model)
            past = ev[: end + 1][:, cols]
            m.fit(past)
            s = m.sample(past, horizon, max(n_samples // draws, 50), rng)
            ev_s.append(s)
            fat_s.append(fatality_samples(s, past, fat[: end + 1][:, cols], rng))
        s_ev, s_fat = np.concatenate(ev_s), np.concatenate(fat_s)
        periods = h.future_periods(end, horizon)
        for j, u in enumerate(cols):
            name = h.units[u]
            obs = h.events[h.start[u]: end + 1, u]
            q90 = float(np.quantile(obs, 0.9))
            e, f = s_ev[:, :, j], s_fat[:, :, j]
            qe = np.quantile(e, [0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.975], axis=0)
            qf = np.quantile(f, [0.1, 0.5, 0.9], axis=0)
            for k in range(horizon):
                out.append({
                    "unit": name, "origin": h.periods[end], "period": periods[k],
                    "horizon": k + 1, "model": model, "events_mean": float(e[:, k].mean()),
                    "events_median": qe[3, k], "events_lo50": qe[2, k], "events_hi50": qe[4, k],
                    "events_lo80": qe[1, k], "events_hi80": qe[5, k],
                    "events_lo95": qe[0, k], "events_hi95": qe[6, k],
                    "fatalities_median": qf[1, k], "fatalities_lo80": qf[0, k],
                    "fatalities_hi80": qf[2, k], "p_any": float((e[:, k] >= 1).mean()),
                    "surge_threshold": q90, "p_surge": float((e[:, k] > q90).mean()),
                    "note": h.notes.get(name, "")})
    return pd.DataFrame(out)


def outlook(frame: Frame, *, horizon: int = 6, freq: str = "month", level: str = "branch",
            units: list[str] | None = None, model: str = "auto",
            run_backtest: bool = False, select_origins: int = 36, n_samples: int = 1000,
            seed: int = 0) -> OutlookResult:
    """Forecast of the frame's units (see the module docstring).

    Examples
    --------
    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 3_000, seed=1)
    >>> r = outlook(build_frame(store), horizon=3, model="climatology", n_samples=200)
    >>> sorted(r.table.horizon.unique().tolist()), bool(r.table.p_any.between(0, 1).all())
    ([1, 2, 3], True)
    """
    if not 1 <= horizon <= 36:
        raise UserInputError(f"horizon must be between 1 and 36 periods, not {horizon}")
    h = history_from_frame(frame, level=level, freq=freq, units=units)
    return outlook_history(h, horizon=horizon, model=model, run_backtest=run_backtest,
                           select_origins=select_origins, n_samples=n_samples, seed=seed)


def outlook_history(h: History, *, horizon: int = 6, model: str = "auto",
                    run_backtest: bool = False, select_origins: int = 36,
                    n_samples: int = 1000, seed: int = 0) -> OutlookResult:
    """:func:`outlook` from a history already read (``h``, :func:`history_from_frame`):
    the backtest and the forecast, which read nothing from the store (so they can run
    beside other work, e.g. in the brief)."""
    if not 1 <= horizon <= 36:
        raise UserInputError(f"horizon must be between 1 and 36 periods, not {horizon}")
    bt = None
    if model == "auto" or run_backtest:
        bt = backtest(h, models=DEFAULT_MODELS, horizon=horizon,
                      n_origins=select_origins, n_samples=100, seed=seed)
    chosen = bt.best if model == "auto" and bt is not None else model
    table = forecast_history(h, chosen, horizon=horizon, n_samples=n_samples, seed=seed)
    verdict = bt.verdict if bt is not None else f"{chosen} (chosen by the user; not backtested)"
    skill = bt.skill if bt is not None else False
    return OutlookResult(table, chosen, verdict, skill, bt, dict(h.notes), h)
