"""Fitting multivariate exponential-kernel Hawkes processes: maximum likelihood and EM.

* ``method="mle"``: L-BFGS-B (scipy) on the exact log-likelihood with its analytic
  gradient (:func:`.likelihood.loglik_grad`), bounds ``mu > 0``, ``alpha >= 0`` and, for
  one decay, ``beta`` inside ``[10 / T, 1e4 N / T]`` optimised jointly. Starting values
  come from a short fixed-decay EM on a log-spaced grid of decays (a coarse profile
  likelihood), unless ``init`` is given.
* ``method="em"``: branching-structure EM (Veen & Schoenberg 2008; Lewis & Mohler 2011):
  E-step probabilities that each event is background or a child of each earlier
  branch, M-step ``mu = E[#background] / |period|``, ``alpha[i, j] = E[#i-children of
  j-events] / C[j]`` (``C`` is the exact kernel mass inside ``[0, T]``) and
  ``beta = E[#children] / E[sum of parent-child delays]`` (this decay step ignores the
  truncation at ``T``, negligible when ``1 / beta << T``). Steps are accelerated with
  SQUAREM (Varadhan & Roland 2008).

Both give the same maximum when the EM has converged; MLE is faster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from kharita.analysis.contagion.likelihood import (
    branching_sums,
    branching_sums_fixed,
    compensator_terms,
    excitation_features,
    loglik_grad,
    loglik_grad_exp1,
    loglik_grad_fixed,
)
from kharita.analysis.contagion.model import HawkesParams

Method = Literal["mle", "em"]
#: EM steps per decay on the starting-value grid (a coarse profile likelihood).
GRID_EM_STEPS = 10


@dataclass
class EventData:
    """Sorted events on ``[0, T]`` with their branch and background-period indices."""

    times: np.ndarray
    types: np.ndarray
    T: float
    K: int
    edges: np.ndarray
    bins: np.ndarray = field(init=False)
    lengths: np.ndarray = field(init=False)
    counts: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        t = np.ascontiguousarray(self.times, dtype=np.float64)
        k = np.ascontiguousarray(self.types, dtype=np.int64)
        if t.shape != k.shape or t.ndim != 1:
            raise ValueError("times and types must be 1-d arrays of the same length")
        if t.size == 0:
            raise ValueError("no events to fit")
        if np.any(np.diff(t) < 0):
            order = np.argsort(t, kind="stable")
            t, k = t[order], k[order]
        if t[0] < 0 or t[-1] > self.T:
            raise ValueError(f"event times must lie in [0, T={self.T}]; got "
                             f"[{t[0]}, {t[-1]}]")
        if k.min() < 0 or k.max() >= self.K:
            raise ValueError(f"branch indices must be in [0, {self.K})")
        edges = np.asarray(self.edges, dtype=np.float64)
        if edges[0] > 0 or edges[-1] < self.T or np.any(np.diff(edges) <= 0):
            raise ValueError(f"background period edges must increase from 0 to T={self.T}")
        self.times, self.types, self.edges = t, k, edges
        self.bins = np.clip(np.searchsorted(edges, t, side="right") - 1, 0,
                            edges.size - 2).astype(np.int64)
        self.lengths = np.diff(edges)
        self.counts = np.bincount(k, minlength=self.K)

    @property
    def N(self) -> int:
        return int(self.times.size)


@dataclass
class _Core:
    params: HawkesParams
    loglik: float
    n_iter: int
    converged: bool
    message: str


def _n_free(K: int, B: int, U: int, fit_decay: bool, diagonal: bool) -> int:
    return K * B + (K * U if diagonal else K * K * U) + (1 if fit_decay and U == 1 else 0)


def loglikelihood(params: HawkesParams, data: EventData) -> float:
    """Exact log-likelihood of ``params`` for ``data``."""
    ll, _, _, _ = loglik_grad(data.times, data.types, data.bins, data.T, data.lengths,
                              params.mu, params.alpha, params.decays, False)
    return float(ll)


def _em(data: EventData, p: HawkesParams, *, fit_decay: bool, diagonal: bool, tol: float,
        max_iter: int, accelerate: bool = True) -> _Core:
    """Branching-structure EM, accelerated with SQUAREM (Varadhan & Roland 2008, scheme
    S3) unless ``accelerate=False``: two EM steps give an extrapolated point, which is
    kept only if its log-likelihood is at least that after the first step, so the
    sequence stays monotone. ``max_iter`` counts EM steps."""
    K, U = data.K, p.U
    n_mu, n_alpha = p.mu.size, p.alpha.size
    mask = np.ones_like(p.alpha)
    if diagonal:
        mask = np.broadcast_to(np.eye(K)[:, :, None], p.alpha.shape).copy()
    update_beta = fit_decay and U == 1
    G = None if update_beta else excitation_features(data.times, data.types, K, p.decays)
    C_fixed = compensator_terms(data.times, data.types, data.T, K, p.decays)[0]
    lengths = data.lengths[None, :]

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (theta[:n_mu].reshape(p.mu.shape),
                theta[n_mu:n_mu + n_alpha].reshape(p.alpha.shape), theta[n_mu + n_alpha:])

    def step(theta: np.ndarray) -> tuple[float, np.ndarray]:
        """Log-likelihood at ``theta`` and the next EM iterate."""
        mu, alpha, betas = unpack(theta)
        if G is None:
            C = compensator_terms(data.times, data.types, data.T, K, betas)[0]
            ll_ev, P0, PA, lag = branching_sums(data.times, data.types, data.bins, mu, alpha,
                                                betas)
        else:
            C, lag = C_fixed, 0.0
            ll_ev, P0, PA2 = branching_sums_fixed(G, data.types, data.bins, mu,
                                                  alpha.reshape(K, K * U))
            PA = PA2.reshape(K, K, U)
        if not np.isfinite(ll_ev):
            return -np.inf, theta
        ll = ll_ev - float((mu * lengths).sum()) - float((alpha * C[None, :, :]).sum())
        new_mu = np.maximum(P0 / lengths, 1e-300)
        new_alpha = np.where(C[None, :, :] > 0,
                             PA / np.where(C > 0, C, 1.0)[None, :, :], 0.0) * mask
        new_beta = np.array([PA.sum() / lag]) if update_beta and lag > 0 else betas
        return ll, np.concatenate([new_mu.ravel(), new_alpha.ravel(), new_beta])

    def clip(proposal: np.ndarray, current: np.ndarray) -> np.ndarray:
        # EM's multiplicative updates escape very slowly from a value near 0, so one
        # extrapolation may shrink a parameter at most 100-fold
        return np.maximum(proposal, 0.01 * current)

    theta = np.concatenate([p.mu.ravel(), (p.alpha * mask).ravel(), p.decays])
    ll_prev = -np.inf
    converged = False
    steps = 0
    while steps < max_iter:
        ll0, theta1 = step(theta)
        steps += 1
        if abs(ll0 - ll_prev) <= tol * (abs(ll0) + 1.0):
            converged = True
            break
        ll_prev = ll0
        if not accelerate:
            theta = theta1
            continue
        ll1, theta2 = step(theta1)
        steps += 1
        r = theta1 - theta
        v = theta2 - theta1 - r
        nv = float(np.linalg.norm(v))
        if nv == 0.0:
            theta = theta2
            continue
        a = min(-float(np.linalg.norm(r)) / nv, -1.0)
        proposal = clip(theta - 2.0 * a * r + a * a * v, theta)
        llp, theta_p = step(proposal)
        steps += 1
        theta = theta_p if np.isfinite(llp) and llp >= ll1 else theta2
    mu, alpha, betas = unpack(theta)
    out = HawkesParams(mu.copy(), alpha.copy(), betas.copy(), data.edges, list(p.branches))
    return _Core(out, loglikelihood(out, data), steps, converged,
                 "EM converged" if converged else f"EM stopped after {max_iter} steps")


def _mle(data: EventData, p: HawkesParams, *, fit_decay: bool, diagonal: bool, tol: float,
         max_iter: int) -> _Core:
    K, B, U, N = data.K, p.B, p.U, data.N
    fit_beta = fit_decay and U == 1
    mu_scale = max(N / (data.T * K), 1e-12)
    beta_scale = float(p.decays[0])
    n_mu, n_alpha = K * B, K * K * U
    x0 = np.concatenate([p.mu.ravel() / mu_scale, p.alpha.ravel()]
                        + ([np.array([1.0])] if fit_beta else []))
    bounds: list[tuple[float | None, float | None]] = [(1e-10, None)] * n_mu
    # free alpha entries: a source branch without events has no identifiable effect
    free = np.broadcast_to((data.counts > 0)[None, :, None], (K, K, U))
    if diagonal:
        free = free & np.eye(K, dtype=bool)[:, :, None]
    free = free.ravel()
    bounds += [(0.0, None) if f else (0.0, 0.0) for f in free]
    x0[n_mu:n_mu + n_alpha] *= free
    if fit_beta:
        lo, hi = 10.0 / data.T, 1e4 * N / data.T
        bounds.append((lo / beta_scale, hi / beta_scale))
        x0[-1] = min(max(x0[-1], lo / beta_scale), hi / beta_scale)
    x0 = np.clip(x0, [b[0] if b[0] is not None else -np.inf for b in bounds],
                 [b[1] if b[1] is not None else np.inf for b in bounds])

    def unpack(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mu = x[:n_mu].reshape(K, B) * mu_scale
        alpha = x[n_mu:n_mu + n_alpha].reshape(K, K, U)
        betas = np.array([x[-1] * beta_scale]) if fit_beta else p.decays
        return mu, alpha, betas

    if not fit_beta:
        G = excitation_features(data.times, data.types, K, p.decays)
        Cflat = compensator_terms(data.times, data.types, data.T, K, p.decays)[0].ravel()

    def f(x: np.ndarray) -> tuple[float, np.ndarray]:
        mu, alpha, betas = unpack(x)
        if fit_beta:
            ll, gmu, galpha2, gbeta = loglik_grad_exp1(data.times, data.types, data.bins,
                                                       data.T, data.lengths, mu,
                                                       alpha.reshape(K, K), betas[0])
            galpha = galpha2.reshape(K, K, 1)
        else:
            ll, gmu, galpha2 = loglik_grad_fixed(G, data.types, data.bins, data.lengths, mu,
                                                 alpha.reshape(K, K * U), Cflat)
            galpha, gbeta = galpha2.reshape(K, K, U), 0.0
        if not np.isfinite(ll):
            return 1e100, np.zeros_like(x)
        g = np.concatenate([gmu.ravel() * mu_scale, galpha.ravel()]
                           + ([np.array([gbeta * beta_scale])] if fit_beta else []))
        return -ll / N, -g / N

    # L-BFGS-B's small dense algebra goes through BLAS; multi-threaded BLAS on a busy
    # machine makes each iteration ~10x slower, so it runs single-threaded here.
    from scipy.optimize import minimize  # deferred (import cost, issue 16)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        res = minimize(f, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                       options={"maxiter": max_iter, "ftol": tol, "gtol": 1e-7,
                                "maxcor": 20})
    mu, alpha, betas = unpack(res.x)
    out = HawkesParams(mu, alpha, betas, data.edges, list(p.branches))
    return _Core(out, -float(res.fun) * N, int(res.nit), bool(res.success), str(res.message))


def _default_init(data: EventData, decays: np.ndarray, branches: list[str]) -> HawkesParams:
    rate = data.counts / data.T
    mu = np.repeat((0.5 * np.maximum(rate, 1e-3 / data.T))[:, None], data.edges.size - 1, 1)
    alpha = np.full((data.K, data.K, decays.size), 0.5 / (data.K * decays.size))
    return HawkesParams(mu, alpha, decays, data.edges, branches)


def _decay_grid(data: EventData, n: int = 6) -> np.ndarray:
    gap = data.T / data.N
    lo, hi = 0.5 * gap, max(data.T / 20.0, 2.0 * gap)
    return 1.0 / np.geomspace(lo, hi, n)


def _fit_core(data: EventData, *, method: Method, decays: np.ndarray | None, fit_decay: bool,
              diagonal: bool, init: HawkesParams | None, branches: list[str], tol: float,
              max_iter: int) -> _Core:
    if init is None:
        if decays is None:
            # coarse profile likelihood over a grid of decays, a few EM steps each
            best: _Core | None = None
            for beta in _decay_grid(data):
                start = _default_init(data, np.array([beta]), branches)
                core = _em(data, start, fit_decay=False, diagonal=diagonal, tol=1e-5,
                           max_iter=GRID_EM_STEPS)
                if best is None or core.loglik > best.loglik:
                    best = core
            assert best is not None
            init = best.params
        else:
            init = _default_init(data, np.asarray(decays, dtype=np.float64), branches)
    elif decays is not None:
        init = init.copy()
        init.decays = np.asarray(decays, dtype=np.float64)
    if method == "mle":
        return _mle(data, init, fit_decay=fit_decay, diagonal=diagonal, tol=tol,
                    max_iter=max_iter)
    if method == "em":
        return _em(data, init, fit_decay=fit_decay, diagonal=diagonal, tol=tol,
                   max_iter=max_iter)
    raise ValueError(f"method must be 'mle' or 'em', not {method!r}")


def attribution_shares(params: HawkesParams, data: EventData) -> np.ndarray:
    """Expected share of each branch's events that are background or were triggered by each
    branch: row ``i`` is ``[background, from branch 0, ..., from branch K-1]`` and sums to 1.

    Definition: ``share[i, 0] = (1 / N_i) sum_{n: k_n = i} mu / lambda(t_n)`` and
    ``share[i, 1 + j] = (1 / N_i) sum_{n: k_n = i} sum_{m < n, k_m = j} phi_ij(t_n - t_m)
    / lambda(t_n)``, the expected branching structure (Zhuang, Ogata & Vere-Jones 2002).
    """
    _, P0, PA, _ = branching_sums(data.times, data.types, data.bins, params.mu, params.alpha,
                                  params.decays)
    tab = np.concatenate([P0.sum(axis=1)[:, None], PA.sum(axis=2)], axis=1)
    return tab / np.maximum(data.counts, 1)[:, None]


@dataclass
class HawkesFit:
    """A fitted multivariate Hawkes model and everything reported about it.

    ``alpha[i, j]`` (rows: target branch, columns: source branch) is the expected number
    of direct offspring events in branch ``i`` of one event in branch ``j``.
    """

    params: HawkesParams
    method: str
    fit_decay: bool
    loglik: float
    n_params: int
    n_events: np.ndarray
    T: float
    converged: bool
    n_iter: int
    message: str
    share_matrix: np.ndarray
    gof: pd.DataFrame | None = None
    qq: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    ci: pd.DataFrame | None = None
    bootstrap_samples: np.ndarray | None = None
    time_unit: str = "day"

    @property
    def branches(self) -> list[str]:
        return self.params.branches

    @property
    def aic(self) -> float:
        return 2 * self.n_params - 2 * self.loglik

    @property
    def bic(self) -> float:
        return self.n_params * math.log(int(self.n_events.sum())) - 2 * self.loglik

    @property
    def branching_ratio(self) -> float:
        """Spectral radius of the branching matrix (< 1: stationary)."""
        return self.params.spectral_radius

    @property
    def background(self) -> pd.DataFrame:
        """``[branch, period, start, end, mu]``: background rate per time unit."""
        edges = self.params.with_edges(self.T)
        rows = [{"branch": b, "period": p, "start": float(edges[p]), "end": float(edges[p + 1]),
                 "mu": float(self.params.mu[i, p])}
                for i, b in enumerate(self.branches) for p in range(self.params.B)]
        return pd.DataFrame(rows)

    @property
    def excitation(self) -> pd.DataFrame:
        """Branching matrix as a table: one row per target branch, one column per source."""
        df = pd.DataFrame(self.params.branching_matrix, columns=self.branches)
        df.insert(0, "target", self.branches)
        return df

    @property
    def excitation_long(self) -> pd.DataFrame:
        """``[target, source, alpha, lower, upper]`` (heatmap data; bounds when bootstrapped)."""
        A = self.params.branching_matrix
        rows = []
        for i, ti in enumerate(self.branches):
            for j, sj in enumerate(self.branches):
                rows.append({"target": ti, "source": sj, "alpha": float(A[i, j])})
        df = pd.DataFrame(rows)
        if self.ci is not None and self.params.U == 1:
            ci = self.ci.set_index("parameter")
            keys = [f"alpha({r.target}<-{r.source})" for r in df.itertuples()]
            df["lower"] = ci.loc[keys, "lower"].to_numpy()
            df["upper"] = ci.loc[keys, "upper"].to_numpy()
        return df

    @property
    def decay(self) -> pd.DataFrame:
        """``[component, beta, mean_trigger_time]``: decay per time unit and its inverse."""
        return pd.DataFrame({"component": range(self.params.U), "beta": self.params.decays,
                             f"mean_trigger_time_{self.time_unit}s": 1.0 / self.params.decays,
                             "fitted": self.fit_decay and self.params.U == 1})

    @property
    def shares(self) -> pd.DataFrame:
        """Per branch: events, then the expected share from background, from itself
        (``self``), from all other branches (``other``) and from each source branch."""
        K = self.params.K
        rows = []
        for i, b in enumerate(self.branches):
            row: dict[str, Any] = {"branch": b, "n_events": int(self.n_events[i]),
                                   "background": float(self.share_matrix[i, 0]),
                                   "self": float(self.share_matrix[i, 1 + i]),
                                   "other": float(self.share_matrix[i, 1:].sum()
                                                  - self.share_matrix[i, 1 + i])}
            for j in range(K):
                row[f"from:{self.branches[j]}"] = float(self.share_matrix[i, 1 + j])
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, Any]:
        """Scalars: method, log-likelihood, AIC/BIC, branching ratio, decay, convergence."""
        return {"method": self.method, "branches": ",".join(self.branches),
                "n_events": int(self.n_events.sum()), "horizon": self.T,
                "loglik": self.loglik, "n_params": self.n_params, "aic": self.aic,
                "bic": self.bic, "branching_ratio": self.branching_ratio,
                "beta": float(self.params.decays[0]),
                f"mean_trigger_time_{self.time_unit}s": float(1.0 / self.params.decays[0]),
                "converged": self.converged, "iterations": self.n_iter}


def fit_hawkes(times: Any, types: Any, T: float | None = None, *,
               branches: list[str] | None = None, K: int | None = None,
               method: Method = "mle", decays: Any = None, edges: Any = None,
               diagonal: bool = False, init: HawkesParams | None = None,
               goodness: bool = True, compare: bool = True, bootstrap: int = 0,
               seed: int = 0, tol: float = 1e-10, max_iter: int = 5000,
               time_unit: str = "day", progress: Any = None) -> HawkesFit:
    """Fit a multivariate Hawkes process with exponential kernels.

    Model::

        lambda_i(t) = mu_i(t) + sum_{t_m < t} sum_u alpha[i, k_m, u] beta_u exp(-beta_u (t - t_m))

    Parameters
    ----------
    times, types : array-like
        Event times in ``[0, T]`` and branch indices ``0 .. K-1``.
    T : float, optional
        End of the observation window (default: last event time).
    branches : list of str, optional
        Branch names (length K).
    method : {"mle", "em"}
        Maximum likelihood (L-BFGS-B, analytic gradient) or branching-structure EM.
    decays : float or array, optional
        ``None``: one exponential whose decay is estimated. A number: one exponential with
        that decay, fixed. Several numbers: a sum of exponentials with those decays, fixed.
    edges : array, optional
        Background period boundaries from 0 to T (piecewise-constant background);
        default one period.
    diagonal : bool
        Constrain alpha to be diagonal (no cross-branch excitation).
    goodness, compare : bool
        Compute time-rescaling goodness of fit and the AIC/BIC comparison with a
        Poisson and a diagonal model.
    bootstrap : int
        Number B of parametric-bootstrap replicates for 95% percentile intervals
        (0: none).
    seed : int
        Seed of the bootstrap simulations.

    Returns
    -------
    HawkesFit

    Examples
    --------
    >>> from kharita.analysis.contagion import HawkesParams, simulate_hawkes
    >>> true = HawkesParams(mu=[0.5, 0.3], alpha=[[0.4, 0.2], [0.3, 0.3]], decays=[1.0])
    >>> t, k = simulate_hawkes(true, 3000.0, seed=3)
    >>> fit = fit_hawkes(t, k, 3000.0, branches=["a", "b"], compare=False)
    >>> fit.params.alpha.shape, fit.converged
    ((2, 2, 1), True)
    >>> bool(abs(fit.params.decays[0] - 1.0) < 0.2)
    True

    References
    ----------
    .. [1] Hawkes, A. G. (1971). Spectra of some self-exciting and mutually exciting
       point processes. Biometrika, 58(1), 83-90.
    .. [2] Ogata, Y. (1981). On Lewis' simulation method for point processes. IEEE
       Trans. Information Theory 27(1); Ogata, Y. (1988). Statistical models for
       earthquake occurrences and residual analysis for point processes. JASA 83(401).
    .. [3] Veen, A., & Schoenberg, F. P. (2008). Estimation of space-time branching
       process models in seismology using an EM-type algorithm. JASA 103(482), 614-624.
    .. [4] Lewis, E., & Mohler, G. (2011). A nonparametric EM algorithm for multiscale
       Hawkes processes. Journal of Nonparametric Statistics.
    """
    t = np.asarray(times, dtype=np.float64)
    k = np.asarray(types, dtype=np.int64)
    if K is None:
        K = len(branches) if branches else int(k.max()) + 1 if k.size else 0
    names = list(branches) if branches else [f"b{i}" for i in range(K)]
    if len(names) != K:
        raise ValueError(f"{len(names)} branch names for K={K}")
    horizon = float(T) if T is not None else float(t.max())
    ed = np.array([0.0, horizon]) if edges is None else np.asarray(edges, dtype=np.float64)
    data = EventData(t, k, horizon, K, ed)
    dec = None if decays is None else np.atleast_1d(np.asarray(decays, dtype=np.float64))
    fit_decay = dec is None
    core = _fit_core(data, method=method, decays=dec, fit_decay=fit_decay, diagonal=diagonal,
                     init=init, branches=names, tol=tol, max_iter=max_iter)
    params = core.params
    fit = HawkesFit(params=params, method=method, fit_decay=fit_decay, loglik=core.loglik,
                    n_params=_n_free(K, params.B, params.U, fit_decay, diagonal),
                    n_events=data.counts.copy(), T=horizon, converged=core.converged,
                    n_iter=core.n_iter, message=core.message,
                    share_matrix=attribution_shares(params, data), time_unit=time_unit)
    if goodness:
        from kharita.analysis.contagion.goodness import time_rescaling

        fit.gof, fit.qq = time_rescaling(params, data)
    if compare:
        from kharita.analysis.contagion.goodness import compare_models

        fit.comparison = compare_models(fit, data, method=method, decays=dec,
                                        fit_decay=fit_decay, tol=tol, max_iter=max_iter)
    if bootstrap:
        from kharita.analysis.contagion.bootstrap import parametric_bootstrap

        fit.ci, fit.bootstrap_samples = parametric_bootstrap(
            fit, data, B=bootstrap, seed=seed, method=method, decays=dec,
            diagonal=diagonal, progress=progress)
    return fit
