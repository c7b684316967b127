"""Scores of probabilistic count forecasts given as samples.

Definitions (``X`` a draw of the predictive distribution ``F``, ``y`` the outcome):

* **CRPS** (continuous ranked probability score), ``E|X - y| - E|X - X'| / 2``, from the
  samples with :func:`scoringrules.crps_ensemble` [1]_ [2]_; in the units of the counts,
  lower is better, and it reduces to the absolute error for a point forecast.
* **Brier score** of an event ``A`` (``y >= 1`` or a surge ``y > q90``), ``(P(A) - 1_A)^2``
  [3]_.
* **Coverage** of the central ``c`` interval (``c`` in 50, 80, 95%): share of outcomes
  inside ``[q_{(1-c)/2}, q_{(1+c)/2}]`` of the samples; calibrated forecasts cover at
  rate ``c``. Counts are discrete, so the interval's ends are included.
* **Skill** against a baseline ``b``: ``1 - CRPS_model / CRPS_b`` (positive = better).

References
----------
.. [1] Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules, prediction,
   and estimation. JASA 102(477), 359-378.
.. [2] Zanetta, F. & Allen, S. (2024). scoringrules: a python library for probabilistic
   forecast evaluation. https://github.com/frazane/scoringrules
.. [3] Brier, G. W. (1950). Verification of forecasts expressed in terms of probability.
   Monthly Weather Review 78(1), 1-3.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LEVELS", "brier", "coverage", "crps", "interval"]

#: Central interval levels reported everywhere.
LEVELS: tuple[float, ...] = (0.5, 0.8, 0.95)


def crps(samples: np.ndarray, y: np.ndarray) -> np.ndarray:
    """CRPS per outcome; ``samples`` has the ensemble on axis 0.

    >>> float(crps(np.array([[0.0], [0.0]]), np.array([2.0]))[0])
    2.0
    """
    import scoringrules as sr

    s = np.moveaxis(np.asarray(samples, dtype=np.float64), 0, -1)
    return np.asarray(sr.crps_ensemble(np.asarray(y, dtype=np.float64), s,
                                       estimator="pwm", backend="numpy"))


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


def coverage(samples: np.ndarray, y: np.ndarray, level: float) -> np.ndarray:
    """1 where ``y`` lies in the central ``level`` interval, else 0.

    >>> coverage(np.arange(100.0)[:, None], np.array([50.0]), 0.5).tolist()
    [1.0]
    """
    lo, hi = interval(samples, level)
    return ((y >= lo) & (y <= hi)).astype(np.float64)
