"""Forecast models: predictive distributions of counts, as samples.

Every model maps a history ``y`` (periods x units, counts up to and including the
origin) to ``n`` sample paths of the next ``H`` periods, an array ``(n, H, U)``. Quantiles,
intervals, P(>= 1 event) and P(surge) are read off the samples.

Models (from simple to strong):

``zero``
    No events: the point mass at 0 (ViEWS' zero baseline [1]_).
``last``
    Last value: ``Poisson(y[origin])`` for every horizon (a point forecast with Poisson
    noise, so it has intervals).
``climatology``
    The empirical distribution of the unit's last ``window`` periods (default 36):
    samples are drawn from those counts ("average" baseline).
``nb_trend``
    Negative binomial with a log-linear trend over the last ``window`` periods:
    ``log E[y_t] = a + b t`` fitted by Poisson GLM (statsmodels), dispersion
    ``alpha`` by the moment estimator ``sum((y - m)^2 - m) / sum(m^2)`` (NB2,
    ``Var = m + alpha m^2``; Cameron & Trivedi [2]_); the forecast mean is capped at twice
    the window's maximum so a trend cannot explode.
``hawkes``
    The network model: a multivariate Hawkes process over all units
    (:func:`kharita.analysis.contagion.fit_hawkes`, time unit = one period, events
    placed uniformly within their period), simulated forward with
    :func:`kharita.analysis.contagion.simulate_hawkes`. The excitation still owed by the
    history (events before the origin) enters the simulation as a piecewise-constant
    extra background per future period, its exact expected count
    ``sum_m alpha[i, k_m] (exp(-beta (a - t_m)) - exp(-beta (b - t_m)))`` on ``[a, b)``;
    offspring of future events follow the cluster process. Cross-branch excitation
    ``alpha[i, j]`` is what makes it use the network.

Fatalities: each sampled event count is multiplied by a fatalities-per-event ratio drawn
from the unit's recent periods with events (an empirical compound model).

References
----------
.. [1] Hegre, H. et al. (2019). ViEWS: a political violence early-warning system.
   Journal of Peace Research 56(2), 155-174.
.. [2] Cameron, A. C. & Trivedi, P. K. (2013). Regression Analysis of Count Data, 2nd
   ed., Cambridge University Press, section 3.2.
.. [3] Hawkes, A. G. & Oakes, D. (1974). A cluster process representation of a
   self-exciting process. Journal of Applied Probability 11(3), 493-503.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

__all__ = ["BASELINES", "MODELS", "Model", "fatality_samples", "make_model"]


class Model:
    """A forecast model; subclasses implement :meth:`sample`."""

    name: ClassVar[str] = ""
    #: True when the model fits all units jointly (its state may be reused across
    #: origins: :meth:`fit` is called at refit points only).
    joint: ClassVar[bool] = False

    def fit(self, y: np.ndarray) -> None:
        """Estimate parameters on ``y`` (periods x units, no data after the origin)."""

    def sample(self, y: np.ndarray, horizon: int, n: int,
               rng: np.random.Generator) -> np.ndarray:
        """``(n, horizon, U)`` sample paths after the last row of ``y``."""
        raise NotImplementedError


class Zero(Model):
    name = "zero"

    def sample(self, y: np.ndarray, horizon: int, n: int,
               rng: np.random.Generator) -> np.ndarray:
        return np.zeros((n, horizon, y.shape[1]))


class LastValue(Model):
    name = "last"

    def sample(self, y: np.ndarray, horizon: int, n: int,
               rng: np.random.Generator) -> np.ndarray:
        lam = np.broadcast_to(y[-1], (n, horizon, y.shape[1]))
        return rng.poisson(lam).astype(np.float64)


@dataclass
class Climatology(Model):
    window: int = 36
    name = "climatology"

    def sample(self, y: np.ndarray, horizon: int, n: int,
               rng: np.random.Generator) -> np.ndarray:
        past = y[-self.window:]
        idx = rng.integers(0, past.shape[0], size=(n, horizon, y.shape[1]))
        return past[idx, np.arange(y.shape[1])]


def nb_trend_params(y: np.ndarray, horizon: int) -> tuple[np.ndarray, float]:
    """Means for the next ``horizon`` periods and the NB2 dispersion of one series
    (see the module docstring, ``nb_trend``)."""
    import statsmodels.api as sm

    n = y.size
    if n < 3 or y.sum() == 0:
        return np.full(horizon, y.mean() if n else 0.0), 0.0
    t = np.arange(n, dtype=np.float64) - (n - 1)
    X = np.column_stack([np.ones(n), t / max(n, 1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = sm.GLM(y, X, family=sm.families.Poisson()).fit()
            beta = np.asarray(res.params)
            m = np.exp(X @ beta)
        except Exception:
            beta = np.array([np.log(max(y.mean(), 1e-9)), 0.0])
            m = np.full(n, y.mean())
    alpha = float(max(0.0, np.sum((y - m) ** 2 - m) / max(np.sum(m ** 2), 1e-12)))
    th = np.arange(1, horizon + 1, dtype=np.float64)
    mean = np.exp(beta[0] + beta[1] * th / max(n, 1))
    return np.minimum(mean, 2.0 * max(y.max(), 1.0)), alpha


def nb_sample(mean: np.ndarray, alpha: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` draws of NB2(mean, alpha) (Poisson when alpha = 0), shape ``(n, *mean.shape)``."""
    mean = np.asarray(mean, dtype=np.float64)
    if alpha <= 1e-9:
        return rng.poisson(np.broadcast_to(mean, (n, *mean.shape))).astype(np.float64)
    shape = 1.0 / alpha
    lam = rng.gamma(shape, np.broadcast_to(mean, (n, *mean.shape)) / shape)
    return rng.poisson(lam).astype(np.float64)


@dataclass
class NBTrend(Model):
    window: int = 24
    name = "nb_trend"

    def sample(self, y: np.ndarray, horizon: int, n: int,
               rng: np.random.Generator) -> np.ndarray:
        out = np.empty((n, horizon, y.shape[1]))
        for u in range(y.shape[1]):
            mean, alpha = nb_trend_params(y[-self.window:, u], horizon)
            out[:, :, u] = nb_sample(mean, alpha, n, rng)
        return out


@dataclass
class Hawkes(Model):
    """See the module docstring; ``window`` periods of history are used for the fit."""

    window: int = 36
    decays: float | None = None
    seed: int = 0
    params: Any = None
    name = "hawkes"
    joint = True
    _fallback: list[int] = field(default_factory=list)

    def _events(self, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        counts = np.rint(np.clip(y, 0, None)).astype(np.int64)
        tt, uu = np.nonzero(counts)
        reps = counts[tt, uu]
        t = np.repeat(tt, reps) + rng.random(reps.sum())
        k = np.repeat(uu, reps)
        order = np.argsort(t, kind="stable")
        return t[order], k[order]

    def fit(self, y: np.ndarray) -> None:
        from kharita.analysis.contagion import fit_hawkes

        past = y[-self.window:]
        rng = np.random.default_rng(self.seed)
        t, k = self._events(past, rng)
        self.params = None
        if t.size < 5:
            return
        K = past.shape[1]
        fit = fit_hawkes(t, k, float(past.shape[0]), K=K, decays=self.decays,
                         goodness=False, compare=False, tol=1e-7, max_iter=500,
                         time_unit="period")
        p = fit.params
        if p.spectral_radius >= 0.98:  # near-explosive: shrink the excitation
            p.alpha *= 0.98 / p.spectral_radius
        self.params = p

    def sample(self, y: np.ndarray, horizon: int, n: int,
               rng: np.random.Generator) -> np.ndarray:
        if self.params is None:
            self.fit(y)
        p = self.params
        K = y.shape[1]
        if p is None:
            return Climatology().sample(y, horizon, n, rng)
        # history's owed excitation per future period (exact integral over each period)
        # history still owed: periods until the slowest kernel has decayed to e^-30
        back = int(min(y.shape[0], 24, np.ceil(30.0 / float(p.decays.min())) + 1))
        hist_t, hist_k = self._events(y[-back:], rng)
        hist_t = hist_t - back  # origin at 0
        a = np.arange(horizon, dtype=np.float64)
        extra = np.zeros((K, horizon))
        for u, beta in enumerate(p.decays):
            decay_a = np.exp(-beta * (a[None, :] - hist_t[:, None]))
            decay_b = np.exp(-beta * (a[None, :] + 1 - hist_t[:, None]))
            owed = decay_a - decay_b  # (M, H)
            # alpha[i, k_m, u] summed over history events m
            extra += p.alpha[:, hist_k, u] @ owed
        mu = p.mu[:, -1:] + extra
        return simulate_forward(mu, p.alpha, p.decays, n, rng)


def simulate_forward(mu: np.ndarray, alpha: np.ndarray, decays: np.ndarray, n: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Counts ``(n, H, K)`` of ``n`` replicates of a Hawkes cluster process on ``[0, H)``
    with background ``mu[i, h]`` in period ``[h, h + 1)``.

    The cluster representation of :func:`kharita.analysis.contagion.simulate_hawkes`,
    run for all replicates at once (one vectorised pass per generation instead of one
    call per replicate: the backtest needs thousands of paths). ``simulate_hawkes`` is the
    reference: the two agree in distribution (tests/analysis/test_forecast.py).
    """
    K, H = mu.shape
    counts = rng.poisson(np.broadcast_to(mu.T[None], (n, H, K)))
    s, h, k = np.nonzero(counts)
    reps = counts[s, h, k]
    gen_s, gen_k = np.repeat(s, reps), np.repeat(k, reps)
    gen_t = np.repeat(h, reps) + rng.random(reps.sum())
    flat_out = counts.astype(np.float64).ravel()
    scales = 1.0 / np.asarray(decays, dtype=np.float64)
    # offspring of a parent of type j through component u: Poisson(sum_i alpha[i, j, u])
    # children, each of type i with probability alpha[i, j, u] / sum_i alpha[i, j, u]
    total_by = alpha.sum(axis=0)  # (K parent, U)
    cdf = np.cumsum(alpha, axis=0) / np.where(total_by > 0, total_by, 1.0)[None]  # (K, K, U)
    U = total_by.shape[1]
    while gen_t.size:
        c = rng.poisson(total_by[gen_k])  # (P, U)
        total = int(c.sum())
        if total == 0:
            break
        parent, comp = np.nonzero(c)
        reps = c[parent, comp]
        parent, comp = np.repeat(parent, reps), np.repeat(comp, reps)
        col = cdf[:, gen_k[parent], comp] if U > 1 else cdf[:, gen_k[parent], 0]  # (K, N)
        child_k = np.minimum((rng.random(total)[None, :] > col).sum(axis=0), K - 1)
        child_t = gen_t[parent] + rng.exponential(1.0, total) * scales[comp]
        keep = child_t < H
        gen_t, gen_k, gen_s = child_t[keep], child_k[keep], gen_s[parent[keep]]
        flat_out += np.bincount((gen_s * H + gen_t.astype(np.int64)) * K + gen_k,
                                minlength=flat_out.size)
    return flat_out.reshape(n, H, K)


MODELS: dict[str, type[Model]] = {m.name: m for m in (Zero, LastValue, Climatology, NBTrend,
                                                      Hawkes)}
#: The baselines every model's skill is measured against.
BASELINES: tuple[str, ...] = ("zero", "last", "climatology", "nb_trend")


def make_model(name: str, **kwargs: Any) -> Model:
    """A model by name (:data:`MODELS`)."""
    from kharita.errors import UserInputError

    if name not in MODELS:
        raise UserInputError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name](**kwargs)


def fatality_samples(events: np.ndarray, y: np.ndarray, fat: np.ndarray,
                     rng: np.random.Generator, window: int = 36) -> np.ndarray:
    """Fatalities for sampled event counts ``events`` (n, H, U): each count times a
    fatalities-per-event ratio drawn from the unit's last ``window`` periods with events."""
    out = np.zeros_like(events)
    for u in range(events.shape[2]):
        yy, ff = y[-window:, u], fat[-window:, u]
        ok = yy > 0
        if not ok.any():
            continue
        ratios = ff[ok] / yy[ok]
        out[:, :, u] = events[:, :, u] * rng.choice(ratios, size=events.shape[:2])
    return out
