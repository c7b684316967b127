"""Parameters of a multivariate Hawkes process with exponential kernels.

Definition (K branches, U fixed or fitted decays, B background periods)::

    lambda_i(t) = mu_i(t) + sum_{t_m < t} sum_u alpha[i, k_m, u] * beta_u * exp(-beta_u (t - t_m))

``mu_i(t)`` is piecewise constant, ``mu[i, b]`` on ``[edges[b], edges[b+1])``.
``alpha[i, j, u]`` is the expected number of events of branch ``i`` directly
triggered by one event of branch ``j`` through decay component ``u`` (each kernel
component integrates to ``alpha``). The *branching matrix* is
``A[i, j] = sum_u alpha[i, j, u]``; the process is stationary when its spectral
radius is below 1 (Hawkes 1971).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class HawkesParams:
    """Parameters of a K-branch Hawkes process (time unit: whatever the data uses; days in
    :func:`~kharita.analysis.contagion.contagion_analysis`).

    Parameters
    ----------
    mu : array (K,) or (K, B)
        Background rates (events per time unit), per branch and background period.
    alpha : array (K, K) or (K, K, U)
        Branching coefficients; ``alpha[i, j]`` = effect of branch ``j`` on branch ``i``.
    decays : array (U,)
        Decay rates ``beta_u`` (per time unit); mean triggering delay is ``1 / beta_u``.
    edges : array (B + 1,), optional
        Period boundaries of the background rates; ``None`` means one period
        ``[0, T)`` (set from the data or the simulation horizon).

    Examples
    --------
    >>> p = HawkesParams(mu=[0.2, 0.1], alpha=[[0.3, 0.1], [0.2, 0.4]], decays=[0.5])
    >>> p.K, p.U, round(p.spectral_radius, 3)
    (2, 1, 0.5)
    >>> [round(float(x), 3) for x in p.stationary_rates()]
    [0.325, 0.275]
    """

    mu: np.ndarray
    alpha: np.ndarray
    decays: np.ndarray
    edges: np.ndarray | None = None
    branches: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        mu = np.asarray(self.mu, dtype=np.float64)
        if mu.ndim == 1:
            mu = mu[:, None]
        alpha = np.asarray(self.alpha, dtype=np.float64)
        if alpha.ndim == 2:
            alpha = alpha[:, :, None]
        decays = np.atleast_1d(np.asarray(self.decays, dtype=np.float64))
        k = mu.shape[0]
        if alpha.shape[:2] != (k, k):
            raise ValueError(f"alpha has shape {alpha.shape[:2]}, expected ({k}, {k}) "
                             f"for {k} background rows")
        if alpha.shape[2] != decays.size:
            raise ValueError(f"alpha has {alpha.shape[2]} decay components, decays has "
                             f"{decays.size}")
        if np.any(mu < 0) or np.any(alpha < 0) or np.any(decays <= 0):
            raise ValueError("mu and alpha must be >= 0 and decays > 0")
        if self.edges is not None:
            edges = np.asarray(self.edges, dtype=np.float64)
            if edges.size != mu.shape[1] + 1 or np.any(np.diff(edges) <= 0):
                raise ValueError(f"edges must be increasing with {mu.shape[1] + 1} values "
                                 f"for {mu.shape[1]} background periods")
            self.edges = edges
        elif mu.shape[1] != 1:
            raise ValueError("piecewise-constant mu needs edges")
        if not self.branches:
            self.branches = [f"b{i}" for i in range(k)]
        if len(self.branches) != k:
            raise ValueError(f"{len(self.branches)} branch names for {k} branches")
        self.mu, self.alpha, self.decays = mu, alpha, decays

    @property
    def K(self) -> int:
        return int(self.mu.shape[0])

    @property
    def U(self) -> int:
        return int(self.decays.size)

    @property
    def B(self) -> int:
        return int(self.mu.shape[1])

    @property
    def branching_matrix(self) -> np.ndarray:
        """``A[i, j] = sum_u alpha[i, j, u]``: expected direct offspring in ``i`` of one
        event in ``j``."""
        return self.alpha.sum(axis=2)

    @property
    def spectral_radius(self) -> float:
        """Largest absolute eigenvalue of the branching matrix (the branching ratio)."""
        return float(np.max(np.abs(np.linalg.eigvals(self.branching_matrix))))

    def with_edges(self, T: float) -> np.ndarray:
        """The background period boundaries, ``[0, T]`` when none are set."""
        if self.edges is not None:
            return self.edges
        return np.array([0.0, float(T)])

    def stationary_rates(self, period: int = 0) -> np.ndarray:
        """Long-run event rate per branch, ``(I - A)^{-1} mu`` (background period
        ``period``); infinite when the spectral radius is >= 1."""
        if self.spectral_radius >= 1:
            return np.full(self.K, np.inf)
        return np.linalg.solve(np.eye(self.K) - self.branching_matrix, self.mu[:, period])

    def copy(self) -> HawkesParams:
        return HawkesParams(self.mu.copy(), self.alpha.copy(), self.decays.copy(),
                            None if self.edges is None else self.edges.copy(),
                            list(self.branches))

    def vector(self) -> np.ndarray:
        """All parameters flattened: mu, then alpha, then decays."""
        return np.concatenate([self.mu.ravel(), self.alpha.ravel(), self.decays])

    def names(self) -> list[str]:
        """Parameter names in :meth:`vector` order, e.g. ``mu(is-syria)``,
        ``alpha(is-iraq<-is-syria)`` (effect of is-syria on is-iraq), ``beta``.

        >>> HawkesParams(mu=[0.1, 0.2], alpha=[[0.1, 0], [0, 0.1]], decays=[1.0],
        ...              branches=["a", "b"]).names()[:3]
        ['mu(a)', 'mu(b)', 'alpha(a<-a)']
        """
        b = self.branches
        out = []
        for i in range(self.K):
            for p in range(self.B):
                out.append(f"mu({b[i]})" if self.B == 1 else f"mu({b[i]},{p})")
        for i in range(self.K):
            for j in range(self.K):
                for u in range(self.U):
                    suffix = "" if self.U == 1 else f",{u}"
                    out.append(f"alpha({b[i]}<-{b[j]}{suffix})")
        out.extend("beta" if self.U == 1 else f"beta({u})" for u in range(self.U))
        return out
