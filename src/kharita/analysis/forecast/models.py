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
    ``log E[y_t] = a + b t`` fitted by Poisson GLM (Newton/IRLS in numpy, vectorised
    over units; the same estimates as statsmodels' GLM), dispersion
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

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

__all__ = ["BASELINES", "MODELS", "Model", "fatality_samples", "make_model"]


class Model:
    """A forecast model; subclasses implement :meth:`sample`."""

    name: ClassVar[str] = ""
    #: True when the model fits all units jointly (its state may be reused across
    #: origins: :meth:`fit` is called at refit points only; the backtest fits a copy
    #: ahead in a worker thread, so :meth:`fit` must depend on ``y`` alone).
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


def poisson_trend_fit(y: np.ndarray, *, max_iter: int = 50, tol: float = 1e-10
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Poisson GLM ``log E[y_t] = a + b x_t`` (``x_t = (t - (n - 1)) / n``, so the origin
    is ``x = 0``) of every column of ``y`` (periods x units) at once, by Newton's method
    (= IRLS for the canonical log link; McCullagh & Nelder 1989, section 2.5). The same
    estimates as ``statsmodels.GLM(..., family=Poisson()).fit()`` (a test compares them),
    vectorised over units: the backtest fits hundreds of series.

    Returns ``(beta, m)``: ``beta`` (2, U), fitted means ``m`` (n, U). A column of zeros
    gets ``a = -inf``-like means of 0 and no trend.
    """
    y = np.asarray(y, dtype=np.float64)
    n, U = y.shape
    x = (np.arange(n, dtype=np.float64) - (n - 1)) / max(n, 1)
    ybar = y.mean(axis=0)
    a = np.log(np.maximum(ybar, 1e-12))
    b = np.zeros(U)
    zero = ybar <= 0
    for _ in range(max_iter):
        m = np.exp(np.clip(a[None, :] + b[None, :] * x[:, None], -700, 700))
        r = y - m
        g0, g1 = r.sum(axis=0), (r * x[:, None]).sum(axis=0)
        h00, h01 = m.sum(axis=0), (m * x[:, None]).sum(axis=0)
        h11 = (m * (x ** 2)[:, None]).sum(axis=0)
        det = h00 * h11 - h01 ** 2
        ok = (det > 1e-300) & ~zero
        safe = np.where(ok, det, 1.0)
        da = np.where(ok, (h11 * g0 - h01 * g1) / safe, 0.0)
        db = np.where(ok, (h00 * g1 - h01 * g0) / safe, 0.0)
        # damp huge steps (a series with a long run of zeros drives b far out)
        step = np.maximum(1.0, np.maximum(np.abs(da), np.abs(db)) / 5.0)
        a, b = a + da / step, b + db / step
        if np.all(np.abs(da) + np.abs(db) < tol * (1 + np.abs(a) + np.abs(b))):
            break
    m = np.exp(np.clip(a[None, :] + b[None, :] * x[:, None], -700, 700))
    m[:, zero] = 0.0
    return np.vstack([np.where(zero, -np.inf, a), np.where(zero, 0.0, b)]), m


def nb_trend_params(y: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Means ``(horizon, U)`` for the next ``horizon`` periods and the NB2 dispersion
    ``(U,)`` of every column of ``y`` (see the module docstring, ``nb_trend``). A 1-d
    ``y`` is one series (means ``(horizon,)``, dispersion a 0-d array)."""
    one = np.ndim(y) == 1
    yy = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    n, U = yy.shape
    if n < 3:
        mean = np.broadcast_to(yy.mean(axis=0) if n else np.zeros(U), (horizon, U)).copy()
        alpha = np.zeros(U)
    else:
        beta, m = poisson_trend_fit(yy)
        alpha = np.maximum(0.0, ((yy - m) ** 2 - m).sum(axis=0)
                           / np.maximum((m ** 2).sum(axis=0), 1e-12))
        th = np.arange(1, horizon + 1, dtype=np.float64)[:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            mean = np.exp(beta[0][None, :] + beta[1][None, :] * th / max(n, 1))
        mean = np.nan_to_num(mean, nan=0.0, posinf=np.inf)
        mean = np.minimum(mean, 2.0 * np.maximum(yy.max(axis=0), 1.0)[None, :])
        mean[:, yy.sum(axis=0) == 0] = 0.0
        alpha[yy.sum(axis=0) == 0] = 0.0
    if one:
        return mean[:, 0], alpha[0]
    return mean, alpha


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
        mean, alpha = nb_trend_params(y[-self.window:], horizon)
        out = np.empty((n, horizon, y.shape[1]))
        for u in range(y.shape[1]):
            out[:, :, u] = nb_sample(mean[:, u], float(alpha[u]), n, rng)
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
    run for all replicates at once (the backtest needs thousands of paths); ``simulate_hawkes``
    is the reference: the two agree in distribution (tests/analysis/test_forecast.py).
    Immigrants: ``Poisson(mu[i, h])`` per replicate, period and type. Offspring of a parent
    of type j through component u: ``Poisson(m[j, u])`` children (``m = sum_i alpha[i, j, u]``),
    each of type i with probability ``alpha[i, j, u] / m[j, u]``, after an ``Exp(beta_u)``
    delay; the children of the n_j parents of a generation number ``Poisson(n_j m[j, u])`` in
    all, each of a parent chosen uniformly (Poisson splitting: the same law as independent
    ``Poisson(m[j, u])`` per parent, at the cost of the children only); an immigrant of period
    h is uniform in ``[h, h + 1)``, so its child is at ``h + V + Exp / beta_u``. The
    generations are drawn by the compiled kernel
    :func:`kharita.analysis.forecast.cluster.offspring_counts` from ``rng`` itself (the
    same draws, in the same order, as the vectorised NumPy code it replaced, so the same
    paths; it releases the GIL).
    """
    from kharita.analysis.forecast.cluster import offspring_counts  # numba: deferred

    K, H = mu.shape
    counts = rng.poisson(np.broadcast_to(mu.T[None], (n, H, K)))
    scales = 1.0 / np.asarray(decays, dtype=np.float64)
    m_ju = alpha.sum(axis=0)  # (K parent, U)
    cdf = np.cumsum(alpha, axis=0) / np.where(m_ju > 0, m_ju, 1.0)[None]  # (K, K, U)
    flat_out = offspring_counts(np.ascontiguousarray(counts, dtype=np.int64),
                                np.ascontiguousarray(m_ju, dtype=np.float64),
                                np.ascontiguousarray(cdf, dtype=np.float64), scales, rng)
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
