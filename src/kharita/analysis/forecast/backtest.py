"""Rolling-origin backtests of the forecast models.

Definition. For each origin ``o`` (a period index; the last ``n_origins`` origins that
leave ``min_history`` periods before them), every model sees only the rows ``0..o`` of
the history and forecasts ``o+1 .. o+H``; the forecasts are scored against what happened
(:mod:`.scores`). A unit enters at an origin only once it has data (``start[u] <= o``;
a unit the KB or the data know only later is unknown at ``o``) and only while it is
observed (``o <= end[u]``); a target after ``end[u]`` is not scored (no data is not
zero). The KB as of the origin: a unit enters only once the KB knows it
(``known[u] <= o``: a province before its validity start, an affiliate before its
affiliation, is unknown), and rows that count for their unit only through a KB fact
dated after the origin (a group that joins a province later) are left out of the
targets scored at ``o`` (:meth:`.History.unknown_after`); the history before ``o`` holds
no such rows (the frame counts an event only inside the validity of the facts that place
it). The attribution rules themselves are today's: history is not re-attributed per
origin (docs/forecast.md). The surge threshold is the unit's 90th percentile period up
to the origin. Joint models (Hawkes) are refitted every ``refit_every`` origins, always
on data up to the refit origin only, so no estimate uses information from after the
origin.

The **default model** is the one with the lowest mean CRPS over all scored
(unit, origin, horizon) cells; the outcome is "no skill" when it is a baseline (nothing
beats the baselines) or when its skill against the best baseline is not positive.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kharita.analysis.forecast.history import History
from kharita.analysis.forecast.models import BASELINES, Model, make_model
from kharita.analysis.forecast.scores import LEVELS, brier, coverage, crps

__all__ = ["BacktestResult", "backtest", "summarize"]

DEFAULT_MODELS: tuple[str, ...] = ("zero", "last", "climatology", "nb_trend", "hawkes")


@dataclass
class BacktestResult:
    """Scores per (model, unit, origin, horizon), their summary, and the verdict."""

    scores: pd.DataFrame
    summary: pd.DataFrame
    by_horizon: pd.DataFrame
    best: str
    skill: bool
    verdict: str
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"best": self.best, "skill": self.skill, "verdict": self.verdict,
                "settings": self.settings,
                "summary": self.summary.replace({np.nan: None}).to_dict("records"),
                "by_horizon": self.by_horizon.replace({np.nan: None}).to_dict("records")}


def _origins(h: History, n_origins: int, min_history: int) -> list[int]:
    last = int(h.end.max()) - 1  # an origin needs at least one period to score
    first = max(min_history - 1, last - n_origins + 1)
    return list(range(first, last + 1))


def backtest(history: History, *, models: Iterable[str | Model] = DEFAULT_MODELS,
             horizon: int = 12, n_origins: int = 60, min_history: int = 24,
             n_samples: int = 200, refit_every: int = 12, seed: int = 0,
             model_kwargs: dict[str, dict[str, Any]] | None = None) -> BacktestResult:
    """Rolling-origin backtest of ``models`` (names of :data:`MODELS` or
    :class:`Model` instances) on ``history`` (see the module docstring).

    Examples
    --------
    >>> from kharita.analysis.forecast.history import history_from_counts
    >>> rng = np.random.default_rng(1)
    >>> h = history_from_counts(rng.poisson(4.0, (60, 2)))
    >>> r = backtest(h, models=["zero", "climatology"], horizon=3, n_origins=10)
    >>> r.best
    'climatology'
    """
    built: dict[str, Model] = {}
    for m in models:
        if isinstance(m, Model):
            built[m.name] = m
        else:
            built[m] = make_model(m, **(model_kwargs or {}).get(m, {}))
    names = list(built)
    rng = np.random.default_rng(seed)
    origins = _origins(history, n_origins, min_history)
    if not origins:
        from kharita.errors import UserInputError

        raise UserInputError(f"too short a history for a backtest: {history.T} "
                             f"{history.freq}s, need at least {min_history + 1}")
    y_all, H = history.events, horizon
    rows: list[dict[str, np.ndarray]] = []
    steps = []  # (i, o, active) of every origin scored
    for i, o in enumerate(origins):
        active = np.nonzero((history.start <= o) & (history.end >= o)
                            & (history.known <= o))[0]
        if active.size and o + 1 <= min(o + H, y_all.shape[0] - 1):
            steps.append((i, o, active))
    fits = _joint_fits(built, steps, y_all, refit_every)
    for i, o, active in steps:
        past = y_all[: o + 1][:, active]
        targets = np.arange(o + 1, min(o + H, y_all.shape[0] - 1) + 1)
        truth = (y_all[targets] - history.unknown_after(o, targets))[:, active]
        valid = targets[:, None] <= history.end[active][None, :]
        q90 = np.array([np.quantile(past[history.start[u]:, j], 0.9)
                        for j, u in enumerate(active)])
        for name, model in built.items():
            if (name, i) in fits:  # the joint model refitted at this origin
                vars(model).update(vars(fits.pop((name, i)).result()))
            s = model.sample(past, targets.size, n_samples, rng)
            rows.append(_score(name, s, truth, valid, q90, o, targets - o,
                               [history.units[u] for u in active]))
    if not rows:
        from kharita.errors import UserInputError

        raise UserInputError("no unit has data at any backtest origin")
    scores = pd.DataFrame({k: np.concatenate([r[k] for r in rows]) for k in rows[0]})
    scores["origin"] = history.periods[scores.origin.to_numpy()]
    summary, by_h, best, skill, verdict = summarize(scores)
    settings = {"horizon": horizon, "n_origins": len(origins), "min_history": min_history,
                "n_samples": n_samples, "refit_every": refit_every, "freq": history.freq,
                "units": history.units, "first_origin": str(history.periods[origins[0]].date())
                if origins else None, "models": names}
    return BacktestResult(scores, summary, by_h, best, skill, verdict, settings)


def _joint_fits(built: dict[str, Model], steps: list[tuple[int, int, np.ndarray]],
                y_all: np.ndarray, refit_every: int) -> dict[tuple[str, int], Future[Model]]:
    """The refits of the joint models (``(name, origin index)`` -> the fitted copy), started
    at once in two worker threads: a joint model is refitted at every ``refit_every``-th
    origin and when the units active at an origin change, always on the data up to that
    origin only. A fit draws nothing from the backtest's random stream (the Hawkes model
    seeds its own), so fitting ahead, beside the sampling, gives the same estimates and
    the same samples as fitting in turn; the Hawkes likelihood releases the GIL, so the
    fits run beside the sampling of the other origins."""
    import copy
    from concurrent.futures import ThreadPoolExecutor

    def fit(model: Model, past: np.ndarray) -> Model:
        model.fit(past)
        return model

    todo: list[tuple[str, int, Model, np.ndarray]] = []
    for name, model in built.items():
        if not model.joint:
            continue
        last: np.ndarray | None = None
        for i, o, active in steps:
            if i % refit_every == 0 or last is None or not np.array_equal(last, active):
                todo.append((name, i, copy.deepcopy(model), y_all[: o + 1][:, active]))
                last = active
    if not todo:
        return {}
    pool = ThreadPoolExecutor(max_workers=min(2, len(todo)),
                              thread_name_prefix="kharita-backtest-fit")
    out = {(name, i): pool.submit(fit, m, past) for name, i, m, past in todo}
    pool.shutdown(wait=False)
    return out


def _score(name: str, s: np.ndarray, truth: np.ndarray, valid: np.ndarray, q90: np.ndarray,
           origin: int, steps: np.ndarray, units: list[str]) -> dict[str, np.ndarray]:
    """The scores of one model at one origin, as columns of the scored cells."""
    p_any = (s >= 1).mean(axis=0)
    p_surge = (s > q90[None, None, :]).mean(axis=0)
    H, U = truth.shape
    out: dict[str, np.ndarray] = {
        "model": np.full(int(valid.sum()), name, dtype=object),
        "origin": np.full(int(valid.sum()), origin, dtype=np.int64),
        "unit": np.broadcast_to(np.array(units, dtype=object)[None, :], (H, U))[valid],
        "horizon": np.broadcast_to(steps[:, None], (H, U))[valid]}
    cells = {"crps": crps(s, truth), "brier_any": brier(p_any, truth >= 1),
             "brier_surge": brier(p_surge, truth > q90[None, :])}
    for lv in LEVELS:
        cells[f"cover{int(lv * 100)}"] = coverage(s, truth, lv)
    out.update({k: v[valid] for k, v in cells.items()})
    return out


def summarize(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str, bool, str]:
    """Mean scores per model (and per model and horizon), skill against each baseline,
    the best model and the verdict."""
    cols = ["crps", "brier_any", "brier_surge", "cover50", "cover80", "cover95"]
    summary = scores.groupby("model", sort=False)[cols].mean()
    summary["n"] = scores.groupby("model", sort=False).size()
    mean_crps: dict[str, float] = {str(k): float(v) for k, v in summary["crps"].items()}
    for b in BASELINES:
        if b in mean_crps:
            summary[f"skill_vs_{b}"] = 1 - summary["crps"] / mean_crps[b]
    summary = summary.sort_values("crps")
    by_h = scores.groupby(["model", "horizon"])[cols].mean().reset_index()
    best = str(summary.index[0])
    base = [b for b in BASELINES if b in summary.index]
    if best in BASELINES:
        verdict = (f"no skill: the best model is the {best} baseline" if len(summary) > 1
                   else f"only {best}")
        skill = False
    else:
        best_base = min(base, key=lambda b: mean_crps[b]) if base else None
        sk = 1 - mean_crps[best] / mean_crps[best_base] if best_base else float("nan")
        skill = bool(sk > 0)
        verdict = (f"{best}: CRPS skill {sk:+.1%} against the best baseline ({best_base})"
                   if skill else "no skill")
    return summary.reset_index(), by_h, best, skill, verdict
