"""Goodness of fit: time rescaling, KS tests, QQ data, and AIC/BIC model comparison.

Time-rescaling theorem (Papangelou 1972; Brown et al. 2002): if the model is right, the
compensator increments ``tau = Lambda_i(t_{i,r}) - Lambda_i(t_{i,r-1})`` between
successive events of branch ``i`` are independent Exp(1) variables. We test them per
branch with a one-sample Kolmogorov-Smirnov test (``scipy.stats.kstest``) and return
QQ data (theoretical Exp(1) quantiles against the sorted increments) for a plot.

With day-resolution data jittered within the day, short increments are blurred; a
significant KS statistic on tens of thousands of events can come from that alone, so
read the QQ plot too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from kharita.analysis.contagion.likelihood import compensator_at_events
from kharita.analysis.contagion.model import HawkesParams

if TYPE_CHECKING:
    from kharita.analysis.contagion.fit import EventData, HawkesFit


def rescaled_increments(params: HawkesParams, data: EventData) -> list[np.ndarray]:
    """Per branch, the compensator increments between successive events (the first one
    from time 0)."""
    lam = compensator_at_events(data.times, data.types, data.bins, data.edges, params.mu,
                                params.alpha, params.decays)
    out = []
    for i in range(data.K):
        idx = np.flatnonzero(data.types == i)
        values = lam[idx, i]
        out.append(np.diff(values, prepend=0.0))
    return out


def time_rescaling(params: HawkesParams, data: EventData, *,
                   qq_points: int = 200) -> tuple[pd.DataFrame, pd.DataFrame]:
    """KS test of the rescaled inter-event times against Exp(1), per branch, and QQ data.

    Returns
    -------
    gof : DataFrame[branch, n_events, ks_statistic, ks_pvalue, mean_increment]
        ``mean_increment`` should be near 1.
    qq : DataFrame[branch, theoretical, empirical]
        At most ``qq_points`` quantiles per branch, ``theoretical = -log(1 - q)``.

    References
    ----------
    .. [1] Brown, E. N., Barbieri, R., Ventura, V., Kass, R. E., & Frank, L. M. (2002). The
       time-rescaling theorem and its application to neural spike train data analysis.
       Neural Computation, 14(2), 325-346.
    """
    rows, qq = [], []
    for i, incs in enumerate(rescaled_increments(params, data)):
        name = params.branches[i]
        if incs.size < 2:
            rows.append({"branch": name, "n_events": int(incs.size), "ks_statistic": np.nan,
                         "ks_pvalue": np.nan, "mean_increment": float(np.mean(incs))
                         if incs.size else np.nan})
            continue
        ks = stats.kstest(incs, "expon")
        rows.append({"branch": name, "n_events": int(incs.size),
                     "ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
                     "mean_increment": float(np.mean(incs))})
        srt = np.sort(incs)
        n = srt.size
        pick = np.unique(np.linspace(0, n - 1, min(qq_points, n)).round().astype(int))
        q = (pick + 0.5) / n
        qq.append(pd.DataFrame({"branch": name, "theoretical": -np.log1p(-q),
                                "empirical": srt[pick]}))
    qq_df = pd.concat(qq, ignore_index=True) if qq else pd.DataFrame(
        columns=["branch", "theoretical", "empirical"])
    return pd.DataFrame(rows), qq_df


def poisson_loglik(data: EventData) -> float:
    """Maximised log-likelihood of the (piecewise-)homogeneous Poisson model,
    ``mu[i, b] = N[i, b] / |period b|``."""
    counts = np.zeros((data.K, data.lengths.size))
    np.add.at(counts, (data.types, data.bins), 1.0)
    rates = counts / data.lengths[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(counts > 0, counts * np.log(rates), 0.0)
    return float(terms.sum() - counts.sum())


def compare_models(fit: HawkesFit, data: EventData, *, method: Any, decays: Any,
                   fit_decay: bool, tol: float, max_iter: int) -> pd.DataFrame:
    """AIC/BIC of the full model against a Poisson model (no contagion) and a model
    without cross-branch terms (diagonal alpha).

    Returns
    -------
    DataFrame[model, loglik, n_params, aic, bic, delta_aic]
        ``delta_aic`` is relative to the best (lowest-AIC) model.
    """
    from kharita.analysis.contagion.fit import _fit_core, _n_free

    K, B, U = data.K, fit.params.B, fit.params.U
    n = data.N
    rows = [{"model": "poisson (no contagion)", "loglik": poisson_loglik(data),
             "n_params": K * B}]
    if K > 1:
        init = fit.params.copy()
        init.alpha = init.alpha * np.eye(K)[:, :, None]
        core = _fit_core(data, method=method, decays=decays, fit_decay=fit_decay, diagonal=True,
                         init=init, branches=fit.params.branches, tol=tol, max_iter=max_iter)
        rows.append({"model": "self-excitation only (diagonal alpha)", "loglik": core.loglik,
                     "n_params": _n_free(K, B, U, fit_decay, True)})
    rows.append({"model": "full hawkes (cross-branch)", "loglik": fit.loglik,
                 "n_params": fit.n_params})
    df = pd.DataFrame(rows)
    df["aic"] = 2 * df["n_params"] - 2 * df["loglik"]
    df["bic"] = df["n_params"] * np.log(n) - 2 * df["loglik"]
    df["delta_aic"] = df["aic"] - df["aic"].min()
    return df
