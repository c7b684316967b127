"""Early warning: unit-periods whose activity falls outside what was expected.

Definition. For unit ``u`` and each of the last ``last`` periods ``t``, the expected
distribution is a negative binomial fitted by moments to the ``window`` periods before
``t`` (mean ``m``, sample variance ``s2`` over ``n`` periods), so the period itself never
informs its own expectation. The predictive variance adds the estimation error of the
mean and, roughly, of the variance: ``v = s2 (1 + 1/n) + 2 (s2 - m)^2 / n`` when
``s2 > m``; NB2 with ``alpha = (v - m) / m^2``, Poisson when ``v <= m``. The surprise is the
upper-tail mid-p-value ``p = P(Y > y) + P(Y = y) / 2`` [1]_; an **alert** is a unit-period
with ``p < alpha`` and ``y >= min_events``. ``alpha`` is the stated false-alarm rate: on a
series that follows its recent distribution, about ``alpha`` of the unit-periods alert.
Measured on simulated null series (52-period window, ``alpha = 0.01``): 0.1-0.3% for
NB means 8-20, 1.0% for Poisson(5), 1.4% for a sparse, very dispersed NB (mean 2,
``alpha`` 1) before the ``min_events`` rule (docs/forecast.md).
Alerts are ranked by ``-log10 p``. Trendfinder-style fixed thresholds (+25%) ignore how
variable a series is; this one does not.

References
----------
.. [1] Lancaster, H. O. (1961). Significance tests in discrete distributions. JASA
   56(294), 223-234 (the mid-p-value).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kharita.analysis.forecast.history import History

__all__ = ["alerts", "surprise"]


def surprise(y: float, past: np.ndarray) -> tuple[float, float]:
    """(expected mean, upper-tail mid-p-value) of ``y`` given the ``past`` counts.

    >>> m, p = surprise(30.0, np.array([2.0, 3, 1, 2, 4, 2, 3, 2]))
    >>> round(m, 2), p < 1e-6
    (2.38, True)
    """
    from scipy import stats  # deferred: scipy.stats costs ~0.8 s to import

    n = past.size
    m = float(np.mean(past)) if n else 0.0
    v = float(np.var(past, ddof=1)) * (1 + 1 / n) if n > 1 else m
    if v > m:
        v += 2 * (v - m) ** 2 / n
    if m <= 0:
        return m, (1.0 if y <= 0 else 0.5 / (1 + y) * 1e-3)
    if v <= m * (1 + 1e-9):
        dist = stats.poisson(m)
    else:
        alpha = (v - m) / m ** 2
        r = 1.0 / alpha
        dist = stats.nbinom(r, r / (r + m))
    yy = float(np.floor(y))
    return m, float(dist.sf(yy) + 0.5 * dist.pmf(yy))


def alerts(history: History, *, last: int = 8, window: int | None = None,
           alpha: float = 0.01, min_events: float = 3.0,
           include_all: bool = False) -> pd.DataFrame:
    """The alerts of the last ``last`` periods (see the module docstring).

    ``window`` defaults to 52 periods for weeks and 24 otherwise. Returns columns
    ``unit, period, events, expected, p_value, surprise, alert, note`` sorted by
    surprise (only alerts unless ``include_all``). ``df.attrs["false_alarm_rate"]`` is
    ``alpha`` and ``df.attrs["tested"]`` the number of unit-periods tested.
    """
    win = window or (52 if history.freq == "week" else 24)
    rows = []
    for u, name in enumerate(history.units):
        end = int(history.end[u])
        for t in range(max(end - last + 1, int(history.start[u]) + 3), end + 1):
            past = history.events[max(int(history.start[u]), t - win):t, u]
            y = float(history.events[t, u])
            m, p = surprise(np.round(y), np.round(past))
            rows.append({"unit": name, "period": history.periods[t], "events": y,
                         "expected": m, "p_value": p, "surprise": -np.log10(max(p, 1e-300)),
                         "alert": bool(p < alpha and y >= min_events),
                         "note": history.notes.get(name, "")})
    df = pd.DataFrame(rows, columns=["unit", "period", "events", "expected", "p_value",
                                     "surprise", "alert", "note"])
    tested = len(df)
    if not include_all:
        df = df[df.alert]
    df = df.sort_values("surprise", ascending=False).reset_index(drop=True)
    df.attrs.update(false_alarm_rate=alpha, tested=tested, freq=history.freq,
                    level=history.level)
    return df
