"""Scores of probabilistic count forecasts given as samples.

Definitions (``X`` a draw of the predictive distribution ``F``, ``y`` the outcome):

* **CRPS** (continuous ranked probability score), ``E|X - y| - E|X - X'| / 2``, from the
  samples (the estimator of :func:`scoringrules.crps_ensemble`, [1]_ [2]_ [3]_); in the
  units of the counts, lower is better, and it reduces to the absolute error for a point forecast.
* **Brier score** of an event ``A`` (``y >= 1`` or a surge ``y > q90``), ``(P(A) - 1_A)^2``
  [4]_.
* **Coverage** of the central ``c`` interval (``c`` in 50, 80, 95%): share of outcomes
  inside the central ``c`` of the predictive distribution, by the randomised PIT for
  counts [5]_ (see :func:`coverage`); calibrated forecasts cover at rate ``c``.
* **Skill** against a baseline ``b``: ``1 - CRPS_model / CRPS_b`` (positive = better).

References
----------
.. [1] Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules, prediction,
   and estimation. JASA 102(477), 359-378.
.. [2] Zanetta, F. & Allen, S. (2024). scoringrules: a python library for probabilistic
   forecast evaluation. https://github.com/frazane/scoringrules
.. [3] Zamo, M. & Naveau, P. (2018). Estimation of the continuous ranked probability
   score with limited information and applications to ensemble weather forecasts.
   Mathematical Geosciences 50, 209-234.
.. [4] Brier, G. W. (1950). Verification of forecasts expressed in terms of probability.
   Monthly Weather Review 78(1), 1-3.
.. [5] Czado, C., Gneiting, T. & Held, L. (2009). Predictive model assessment for count
   data. Biometrics 65(4), 1254-1261.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LEVELS", "brier", "coverage", "crps", "interval"]

#: Central interval levels reported everywhere.
LEVELS: tuple[float, ...] = (0.5, 0.8, 0.95)


def crps(samples: np.ndarray, y: np.ndarray, *, backend: str = "numpy") -> np.ndarray:
    """CRPS per outcome; ``samples`` has the ensemble (``m`` members) on axis 0.

    The probability-weighted-moment estimator, ``mean|X_i - y| + b0 - 2 b1`` with
    ``b0 = mean(x)`` and ``b1 = sum_i (i - 1) x_(i) / (m (m - 1))`` over the sorted members
    (unbiased for the CRPS of the distribution the members are drawn from; Zamo &
    Naveau 2018). ``backend="scoringrules"`` calls :func:`scoringrules.crps_ensemble`
    (``estimator="pwm"``); the numpy backend computes the same numbers (checked in
    tests/analysis/test_forecast.py) without scoringrules' 5 s of numba compilation at
    import, which would use up the outlook's time budget on its own.

    >>> float(crps(np.array([[0.0], [0.0]]), np.array([2.0]))[0])
    2.0
    """
    x = np.asarray(samples, dtype=np.float64)
    obs = np.asarray(y, dtype=np.float64)
    if backend == "scoringrules":
        import scoringrules as sr

        return np.asarray(sr.crps_ensemble(obs, np.moveaxis(x, 0, -1), estimator="pwm",
                                           backend="numpy"))
    m = x.shape[0]
    xs = np.sort(x, axis=0)
    w = np.arange(m, dtype=np.float64).reshape((m,) + (1,) * (x.ndim - 1))
    b0 = xs.mean(axis=0)
    b1 = (w * xs).sum(axis=0) / (m * (m - 1)) if m > 1 else 0.0 * b0
    return np.abs(x - obs[None]).mean(axis=0) + b0 - 2 * b1


def brier(p: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """``(p - outcome)^2``.

    >>> round(float(brier(np.array(0.8), np.array(1.0))), 6)
    0.04
    """
    return (np.asarray(p, dtype=np.float64) - np.asarray(outcome, dtype=np.float64)) ** 2


def interval(samples: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central ``level`` interval of the samples (ensemble on axis 0)."""
    lo, hi = np.quantile(samples, [(1 - level) / 2, (1 + level) / 2], axis=0)
    return lo, hi


def coverage(samples: np.ndarray, y: np.ndarray, level: float, *,
             seed: int = 0) -> np.ndarray:
    """1 where ``y`` lies in the central ``level`` interval, else 0, by the randomised PIT
    for counts (Czado, Gneiting & Held 2009): ``u = F(y-) + V (F(y) - F(y-))`` with
    ``V ~ Uniform(0, 1)`` (seeded), covered when ``(1 - level) / 2 <= u <= (1 + level) / 2``.
    For a calibrated count forecast the rate is exactly ``level``; the closed quantile
    interval ``[q_lo, q_hi]`` would over-cover by the probability of its end points.

    >>> coverage(np.arange(100.0)[:, None], np.array([50.0]), 0.5).tolist()
    [1.0]
    """
    s = np.asarray(samples, dtype=np.float64)
    obs = np.asarray(y, dtype=np.float64)[None]
    below = (s < obs).mean(axis=0)
    at_or_below = (s <= obs).mean(axis=0)
    v = np.random.default_rng(seed).random(below.shape)
    u = below + v * (at_or_below - below)
    return ((u >= (1 - level) / 2) & (u <= (1 + level) / 2)).astype(np.float64)
