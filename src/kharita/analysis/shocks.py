"""Leadership shocks: what the loss of the organisation's leaders did to its activity.

For each leadership loss recorded in the KB (each ``death`` and ``death_announced``
entry of each successive leader of the network's root, ``is`` in the shipped KB
(:func:`kharita.kb.network.network_profile`): several disagreeing entries are each
used), an event study per branch and for the whole network:

* counts in windows before and after the date (default 90 days each side);
* an interrupted time series count regression on weekly counts around the date
  (default 52 weeks each side): negative binomial (NB2)

      log E[y_t] = b0 + b1 * t + b2 * post_t + b3 sin(2 pi t) + b4 cos(2 pi t)

  with ``t`` in years from the shock and ``post_t = 1`` for weeks starting after the
  shock (the week containing it is left out); the change is the incidence rate
  ratio ``IRR = exp(b2)`` with a Wald 95% interval;
* placebo dates drawn from the same series (away from every real loss): the same
  model at each placebo date, and the permutation-style p-value
  ``(1 + #{|b2_placebo| >= |b2|}) / (1 + n_placebo)``;
* Benjamini-Hochberg (default) or Holm correction across branches for each date.

Date precision (:mod:`kharita.kb.dates`). A death is placed at the earliest day its
date allows. An announcement is never placed before the death it announces: it goes to
the **earliest day consistent with both**, ``max(earliest(announcement),
d)`` with ``d`` the latest of the person's reported death days that fall on or before
the announcement's last possible day (an announcement "2023-04" of a death on
2023-04-29 is placed on 2023-04-29, not on 2023-04-01). When no such day exists, or the
date is known only to the year, the study is "not testable at this precision". A study
at month precision says so in its ``note`` (and where its date was placed).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
import zlib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kharita.analysis.coverage import covered_series, pair_weekly
from kharita.errors import UserInputError
from kharita.kb.dates import to_date
from kharita.kb.network import network_root
from kharita.store.sql.shocks import weekly_sql

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame
    from kharita.kb.knowledge import KnowledgeBase

DATE_KINDS: dict[str, str] = {"death": "death", "death_announced": "announcement"}
DATE_CHOICES: tuple[str, ...] = ("death", "announcement", "both")
CORRECTIONS: tuple[str, ...] = ("fdr_bh", "holm", "none")
NETWORK = "network"


@dataclass(frozen=True)
class LeadershipLoss:
    """One dated leadership loss: a leader of ``org``, a kind (``death`` or
    ``announcement``) and a date as one source gives it."""

    org: str
    leader_id: str
    leader: str
    kind: str
    date: dt.date
    precision: str
    sources: tuple[str, ...]
    confidence: float
    #: how the date was placed in its precision interval (module docstring)
    placed: str = ""
    #: the date as the source gives it (``2023-04``)
    given: str = ""


def leadership_losses(kb: KnowledgeBase, *, org: str | None = None,
                      date: str = "both") -> list[LeadershipLoss]:
    """Every dated loss of ``org``'s leaders in the KB, in date order (``org``: default
    the network's root, :func:`kharita.kb.network.network_root`).

    Each ``death`` and ``death_announced`` entry of each leader (``kb.leaders(org)``)
    is one loss date; disagreeing entries give several rows. ``date`` selects
    ``"death"``, ``"announcement"`` or ``"both"`` (default).

    >>> from kharita import load_kb
    >>> losses = leadership_losses(load_kb())
    >>> {x.kind for x in losses} == {"death", "announcement"}
    True
    """
    if date not in DATE_CHOICES:
        raise UserInputError(f"date={date!r}: expected one of {', '.join(DATE_CHOICES)}")
    if org is None:
        org = network_root(kb)
    elif org not in kb.entities:
        raise UserInputError(f"org={org!r}: not an entity of the knowledge base")
    out: list[LeadershipLoss] = []
    seen: set[tuple[str, str, dt.date, str]] = set()
    for _rel, person in kb.leaders(org):
        deaths = [f.date for f in person.dates if f.kind == "death"]
        for fact in person.dates:
            kind = DATE_KINDS.get(fact.kind)
            if kind is None or (date != "both" and kind != date):
                continue
            key = (person.id, kind, fact.date.earliest, fact.date.precision)
            if key in seen:
                continue
            seen.add(key)
            day, placed = place_date(fact.date, deaths if kind == "announcement" else [])
            out.append(LeadershipLoss(org, person.id, person.names.en, kind, day,
                                      fact.date.precision, tuple(fact.sources),
                                      fact.confidence, placed, str(fact.date)))
    out.sort(key=lambda x: (x.date, x.kind, x.leader_id))
    return out


def place_date(given: Any, deaths: Iterable[Any] = ()) -> tuple[dt.date, str]:
    """The day a (possibly imprecise) loss date is analysed at, and how it was placed.

    ``given`` is a :class:`kharita.kb.dates.FuzzyDate`; ``deaths`` the person's reported
    death dates when ``given`` is an announcement (module docstring). The rule is
    ``""`` for a day-precision date that needed no placing, else a sentence; it starts
    with ``"not testable"`` when no day is consistent with both dates.

    >>> from kharita.kb.dates import FuzzyDate as F
    >>> day, rule = place_date(F.parse("2023-04"), [F.parse("2023-04-29"), F.parse("2023")])
    >>> day, rule.split(":")[0]
    (datetime.date(2023, 4, 29), 'announcement known to the month (2023-04)')
    >>> place_date(F.parse("2019-10-27"), [F.parse("2019-10-26")])
    (datetime.date(2019, 10, 27), '')
    >>> place_date(F.parse("2016-08"), [F.parse("2016-07-26")])[1]
    'announcement known to the month (2016-08): first day used (2016-08-01, after the death)'
    """
    lo, hi = given.earliest, given.latest
    days = [d.earliest for d in deaths if d.earliest <= hi]
    if any(d.earliest > hi for d in deaths) and not days:
        return lo, (f"not testable at this precision: the announcement ({given}) would "
                    f"precede every reported death day "
                    f"({', '.join(str(d) for d in deaths)})")
    death = max(days) if days else None
    if given.precision == "day":
        if death is not None and death > lo:
            return lo, (f"not testable at this precision: announcement {given} before the "
                        f"reported death {death}")
        return lo, ""
    if given.precision == "year":
        return lo, "not testable at this precision: date known only to the year"
    if death is not None and death > lo:
        return death, (f"announcement known to the {given.precision} ({given}): placed on "
                       f"{death}, the earliest day consistent with the death it announces "
                       f"({death})")
    what = "announcement" if deaths else "date"
    tail = ", after the death" if death is not None else ""
    return lo, (f"{what} known to the {given.precision} ({given}): first day used "
                f"({lo}{tail})")


@dataclass
class StepChange:
    """Result of one event study on one series at one date (see the module docstring).

    ``irr`` is ``None`` (with a ``note``) when the series cannot support the model.
    """

    before: float
    after: float
    irr: float | None = None
    irr_low: float | None = None
    irr_high: float | None = None
    p_value: float | None = None
    placebo_p: float | None = None
    n_placebo: int = 0
    n_weeks: int = 0
    alpha: float | None = None
    model: str = ""
    note: str = ""


class SharedAttr(dict[str, Any]):
    """A ``DataFrame.attrs`` value that pandas' operations share instead of copying.

    pandas deep-copies ``attrs`` into the result of every operation (``df.iloc``, each
    column ``itertuples`` reads, ...): the network series of :func:`shocks` (a few
    thousand weeks as lists) was copied thousands of times per brief. Treat it as
    read-only."""

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedAttr:
        return self


_EPOCH = dt.date(1970, 1, 1)
#: Ticks per day of numpy's datetime64 units (the index's own unit is kept: a series
#: may reach far beyond the nanosecond range, e.g. to year 9999).
_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def _ticks(times: pd.DatetimeIndex) -> tuple[np.ndarray, str, int]:
    """``times`` as int64 ticks of their own unit, the unit and its ticks per day."""
    arr = np.asarray(times.to_numpy())
    unit = np.datetime_data(arr.dtype)[0]
    if unit not in _PER_DAY:
        arr, unit = arr.astype("datetime64[s]"), "s"
    return arr.astype(np.int64), unit, _PER_DAY[unit]


def _tick(when: pd.Timestamp | dt.date, unit: str) -> int:
    """``when`` as int64 ticks of ``unit`` since the epoch."""
    stamp = pd.Timestamp(when).to_datetime64()
    return int(stamp.astype(f"datetime64[{unit}]").astype(np.int64))


def _days_since(times: pd.DatetimeIndex, day: pd.Timestamp) -> np.ndarray:
    """Whole days from ``day`` to each of ``times`` (floored, as
    ``(times - day).days``), in int64 arithmetic (a ``TimedeltaIndex`` is slow to build
    per call)."""
    ticks, unit, per_day = _ticks(times)
    return (ticks - _tick(day, unit)) // per_day


def _design(weeks: pd.DatetimeIndex, shock: pd.Timestamp) -> np.ndarray:
    t = (_days_since(weeks, shock) + 3.5) / 365.25
    post = (weeks > shock).astype(float)
    doy = 2 * np.pi * (weeks.day_of_year.to_numpy() + 3.5) / 365.25
    return np.column_stack([np.ones(len(weeks)), t, post, np.sin(doy), np.cos(doy)])


def _window(series: pd.Series, shock: pd.Timestamp, window_weeks: int
            ) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Weekly counts within ``window_weeks`` of ``shock`` (the shock's week left out)."""
    idx = pd.DatetimeIndex(series.index)
    t, unit, per_day = _ticks(idx)  # int64 ticks: no Timedelta arithmetic per call
    sh, w = _tick(shock, unit), window_weeks * 7 * per_day
    contains = (t <= sh) & (t + 7 * per_day > sh)
    keep = (t >= sh - w) & (t <= sh + w) & ~contains
    x = _design(idx[keep], shock)
    n_pre, n_post = int((x[:, 2] == 0).sum()), int((x[:, 2] == 1).sum())
    return series.to_numpy(dtype=float)[keep], x, n_pre, n_post


def _fit_nb(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, float | None, str]:
    """NB2 maximum likelihood (statsmodels); Poisson GLM when alpha is not identified."""
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = NegativeBinomial(y, x).fit(disp=0, maxiter=300)
            alpha = float(res.params[-1])
            if (res.mle_retvals or {}).get("converged", True) and np.all(
                    np.isfinite(res.bse[:-1])) and alpha > 1e-8:
                return (np.asarray(res.params[:-1]), np.asarray(res.bse[:-1]), alpha,
                        "negative binomial (NB2, MLE)")
        except (ValueError, np.linalg.LinAlgError):
            pass
        try:
            res = GLM(y, x, family=families.Poisson()).fit()
        except (ValueError, np.linalg.LinAlgError):
            nan = np.full(x.shape[1], np.nan)
            return nan, nan, None, "failed"
        return np.asarray(res.params), np.asarray(res.bse), None, "Poisson GLM (alpha ~ 0)"


def fit_post_fixed_alpha(y: np.ndarray, x: np.ndarray, mask: np.ndarray,
                         alpha: float | None, *, max_iter: int = 100, tol: float = 1e-10
                         ) -> np.ndarray:
    """The ``post`` coefficient (column 2) of many count GLMs at once, alpha fixed.

    ``y`` ``(P, n)``, ``x`` ``(P, n, k)`` and ``mask`` ``(P, n)`` (rows that belong to each
    problem) hold ``P`` problems padded to ``n`` rows. Each is a negative binomial (NB2,
    variance ``mu + alpha mu^2``; Poisson when ``alpha`` is None) GLM with log link,
    fitted by iteratively reweighted least squares (McCullagh & Nelder 1989, sec. 2.5),
    the algorithm and starting values (``mu = (y + mean y) / 2``) of statsmodels' GLM:
    working weights ``w = mu / (1 + alpha mu)``, working response ``z = eta + (y - mu) /
    mu``, ``beta = (X' W X)^-1 X' W z``, until the deviance changes by less than ``tol``
    (relative). Returns ``(P,)`` coefficients, NaN where a fit fails.

    >>> rng = np.random.default_rng(0)
    >>> t = np.linspace(-1, 1, 104)
    >>> X = np.column_stack([np.ones(104), t, (t > 0) * 1.0, np.sin(t), np.cos(t)])
    >>> y = rng.poisson(np.exp(2 - 0.7 * (t > 0)))
    >>> b = fit_post_fixed_alpha(y[None], X[None], np.ones((1, 104), bool), None)
    >>> import statsmodels.api as sm
    >>> bool(abs(b[0] - sm.GLM(y, X, family=sm.families.Poisson()).fit().params[2]) < 1e-8)
    True

    References
    ----------
    .. [1] McCullagh, P. & Nelder, J. A. (1989). Generalized Linear Models, 2nd ed.
       Chapman & Hall.
    """
    y = np.asarray(y, dtype=float)
    x = np.asarray(x, dtype=float)
    m = np.asarray(mask, dtype=float)
    a = 0.0 if alpha is None else float(alpha)
    n_obs = np.maximum(m.sum(axis=1), 1.0)
    ybar = (y * m).sum(axis=1) / n_obs
    mu = np.where(m > 0, (y + ybar[:, None]) / 2.0, 1.0)
    mu = np.maximum(mu, 1e-10)
    eta = np.log(mu)
    beta = np.full((y.shape[0], x.shape[2]), np.nan)
    dev_old = np.full(y.shape[0], np.inf)
    ok = np.ones(y.shape[0], dtype=bool)
    with np.errstate(all="ignore"):
        for _ in range(max_iter):
            w = m * mu / (1.0 + a * mu)
            z = eta + (y - mu) / mu
            xtw = np.transpose(x, (0, 2, 1)) * w[:, None, :]
            lhs = xtw @ x
            rhs = (xtw @ z[:, :, None])[:, :, 0]
            try:
                beta = np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0]
            except np.linalg.LinAlgError:
                beta = (np.linalg.pinv(lhs) @ rhs[:, :, None])[:, :, 0]
            eta = np.einsum("pnk,pk->pn", x, beta)
            mu = np.maximum(np.exp(eta), 1e-10)
            if a > 0:
                ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
                dev = 2 * (m * (ylogy - (y + 1 / a) * np.log((1 + a * y) / (1 + a * mu))
                                )).sum(axis=1)
            else:
                ylogy = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
                dev = 2 * (m * (ylogy - (y - mu))).sum(axis=1)
            ok &= np.isfinite(dev)
            done = np.abs(dev - dev_old) <= tol * (np.abs(dev) + tol)
            dev_old = dev
            if np.all(done | ~ok):
                break
    out = beta[:, 2].copy()
    out[~ok | ~np.isfinite(out)] = np.nan
    return out


def _placebo_stats(s: pd.Series, dates: Iterable[pd.Timestamp], window_weeks: int,
                   min_weeks: int, alpha: float | None) -> list[float]:
    """``|b_post|`` at each placebo date (those with ``min_weeks`` weeks and events on
    both sides), all fitted at once (:func:`fit_post_fixed_alpha`)."""
    idx = pd.DatetimeIndex(s.index)
    vals = s.to_numpy(dtype=float)
    wk = idx.to_numpy().astype("datetime64[D]").astype(np.int64)  # days since 1970
    doy = 2 * np.pi * (idx.day_of_year.to_numpy() + 3.5) / 365.25
    probs: list[tuple[np.ndarray, np.ndarray]] = []
    for d in dates:
        dd = int(np.datetime64(pd.Timestamp(d).date(), "D").astype(np.int64))
        lo = np.searchsorted(wk, dd - window_weeks * 7, side="left")
        hi = np.searchsorted(wk, dd + window_weeks * 7, side="right")
        sel = np.arange(lo, hi)
        sel = sel[~((wk[sel] <= dd) & (wk[sel] + 7 > dd))]
        post = wk[sel] > dd
        if (~post).sum() < min_weeks or post.sum() < min_weeks:
            continue
        y = vals[sel]
        if y[~post].sum() == 0 or y[post].sum() == 0:
            continue
        t = ((wk[sel] - dd).astype(float) + 3.5) / 365.25
        x = np.column_stack([np.ones(len(sel)), t, post.astype(float), np.sin(doy[sel]),
                             np.cos(doy[sel])])
        probs.append((y, x))
    if not probs:
        return []
    n = max(len(y) for y, _x in probs)
    Y = np.zeros((len(probs), n))
    X = np.zeros((len(probs), n, 5))
    M = np.zeros((len(probs), n), dtype=bool)
    for i, (y, x) in enumerate(probs):
        Y[i, :len(y)], X[i, :len(y)], M[i, :len(y)] = y, x, True
    b = fit_post_fixed_alpha(Y, X, M, alpha)
    return [abs(float(v)) for v in b if math.isfinite(v)]


def step_change(series: pd.Series, shock: object, *, window_weeks: int = 52,
                count_days: int = 90, n_placebo: int = 99, min_weeks: int = 8,
                exclude: Iterable[object] = (), exclude_days: int = 90,
                rng: np.random.Generator | None = None) -> StepChange:
    """Event study of a weekly count series at one date.

    Parameters
    ----------
    series : weekly counts indexed by the first day (Monday) of each week; every
        week of the observed span present (zeros included).
    shock : the date of the loss.
    window_weeks : weeks each side of the shock used by the regression.
    count_days : the before/after windows of the plain counts (whole weeks that lie
        within ``count_days`` of the date; the week containing it is left out).
    n_placebo : placebo dates drawn from the series (0 = none).
    min_weeks : fewest weeks each side for the model (else ``irr`` is ``None``).
    exclude, exclude_days : placebo dates are kept ``exclude_days`` away from these
        dates (the real losses) and from ``shock``.

    Returns
    -------
    StepChange

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> weeks = pd.date_range("2014-01-06", periods=400, freq="7D")
    >>> mu = np.where(weeks >= "2018-01-01", 10.0, 20.0)   # the rate halves in 2018
    >>> y = pd.Series(rng.negative_binomial(10, 10 / (10 + mu)), index=weeks)
    >>> r = step_change(y, "2017-12-28", window_weeks=104, n_placebo=49,
    ...                 rng=np.random.default_rng(0))
    >>> bool(r.irr_low < 0.5 < r.irr_high), bool(r.irr_high < 1), bool(r.placebo_p < 0.1)
    (True, True, True)

    References
    ----------
    .. [1] Bernal, J. L., Cummins, S. & Gasparrini, A. (2017). Interrupted time series
       regression for the evaluation of public health interventions: a tutorial.
       International Journal of Epidemiology 46(1), 348-355.
    .. [2] Hilbe, J. M. (2011). Negative Binomial Regression, 2nd ed. Cambridge UP.
    .. [3] Abadie, A., Diamond, A. & Hainmueller, J. (2010). Synthetic control methods
       ... JASA 105(490) - placebo ("in-time") inference.
    """
    shock_ts = pd.Timestamp(str(to_date(shock)))
    s = series.sort_index().astype(float)
    s.index = pd.DatetimeIndex(s.index)
    # whole weeks within count_days before / after the date (its own week left out)
    t, unit, per_day = _ticks(s.index)  # int64 ticks of the index's own unit
    sh, vals = _tick(shock_ts, unit), s.to_numpy()
    before = float(np.nansum(vals[(t >= sh - count_days * per_day)
                                  & (t + 7 * per_day <= sh)]))
    after = float(np.nansum(vals[(t > sh) & (t + 6 * per_day <= sh + count_days * per_day)]))
    out = StepChange(before=before, after=after)
    y, x, n_pre, n_post = _window(s, shock_ts, window_weeks)
    out.n_weeks = len(y)
    if n_pre < min_weeks or n_post < min_weeks:
        out.note = (f"not testable: {n_pre} weeks of data before and {n_post} after "
                    f"(need {min_weeks} each side)")
        return out
    if y[x[:, 2] == 0].sum() == 0 and y[x[:, 2] == 1].sum() == 0:
        out.note = "not testable: no events in the window"
        return out
    if y[x[:, 2] == 0].sum() == 0 or y[x[:, 2] == 1].sum() == 0:
        out.note = "not testable: no events on one side of the date (ratio unbounded)"
        return out
    params, bse, alpha, model = _fit_nb(y, x)
    b, se = float(params[2]), float(bse[2])
    if not (math.isfinite(b) and math.isfinite(se)):
        out.note = "not testable: the model did not converge"
        return out
    from scipy.stats import norm

    out.irr, out.irr_low, out.irr_high = math.exp(b), math.exp(b - 1.96 * se), math.exp(
        b + 1.96 * se)
    out.p_value = float(2 * norm.sf(abs(b / se))) if se > 0 else None
    out.alpha, out.model = alpha, model
    if n_placebo > 0:
        rng = rng if rng is not None else np.random.default_rng(0)
        # candidates: weeks min_weeks inside the series, more than exclude_days from the
        # date and every real loss (day offsets in int64, all dates at once)
        avoid = np.array([(to_date(d) - _EPOCH).days for d in (shock, *exclude)],
                         dtype=np.int64)
        idx = s.index
        inside = (t >= t[0] + min_weeks * 7 * per_day) & (t <= t[-1] - min_weeks * 7 * per_day)
        cands = idx[inside]
        cand_days = (t[inside] - _tick(_EPOCH, unit)) // per_day
        far = np.ones(len(cands), dtype=bool)
        for d in avoid:  # the index is sorted: the days within exclude_days are a run
            far[np.searchsorted(cand_days, d - exclude_days, side="left"):
                np.searchsorted(cand_days, d + exclude_days, side="right")] = False
        cands = cands[far]
        if len(cands) == 0:
            out.note = "no placebo dates available (series too short)"
        else:
            picks = rng.choice(len(cands), size=n_placebo, replace=len(cands) < n_placebo)
            # mid-week dates, like a real one; every placebo fitted at once
            stats = _placebo_stats(s, [cands[i] + pd.Timedelta(days=3) for i in picks],
                                   window_weeks, min_weeks, alpha)
            out.n_placebo = len(stats)
            if stats:
                out.placebo_p = (1 + sum(st >= abs(b) for st in stats)) / (1 + len(stats))
    return out


def weekly_series(frame: Frame) -> pd.DataFrame:
    """Weekly weighted event counts per branch and for the whole network.

    Returns a DataFrame indexed by week start (Monday), one column per branch plus
    ``network`` (the sum); every week between the first and the last week with data
    is present. Aggregated in the engine.

    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 3_000, seed=2)
    >>> wk = weekly_series(build_frame(store, start="2020", end="2020"))
    >>> str(wk.index[0].date()), round(float(wk["network"].sum())) == round(float(
    ...     wk.drop(columns="network").sum().sum()))
    ('2019-12-30', True)
    """
    df = frame.store.sql(weekly_sql(frame.sql))
    if df.empty:
        return pd.DataFrame(columns=[NETWORK])
    wide = df.pivot_table(index="week", columns="entity_id", values="n", aggfunc="sum")
    wide.index = pd.DatetimeIndex(wide.index)
    full = pd.date_range(wide.index.min(), wide.index.max(), freq="7D")
    wide = wide.reindex(full)
    # a branch's series spans its own first to last active week (no zeros before it existed)
    for col in wide.columns:
        first, last = wide[col].first_valid_index(), wide[col].last_valid_index()
        wide.loc[(wide.index >= first) & (wide.index <= last), col] = wide.loc[
            (wide.index >= first) & (wide.index <= last), col].fillna(0.0)
    wide[NETWORK] = wide.sum(axis=1, min_count=1).fillna(0.0)
    wide.attrs["filters"] = frame.filters.describe()
    return wide


def shocks(frame: Frame, *, org: str | None = None, date: str = "both",
           window_weeks: int = 52, count_days: int = 90, n_placebo: int = 99,
           min_events: int = 20, min_weeks: int = 8, correction: str = "fdr_bh",
           seed: int = 0, branches_only: Iterable[str] | None = None,
           progress: Any = None) -> pd.DataFrame:
    """Event studies of every leadership loss of ``org`` per branch and network-wide.

    Parameters
    ----------
    frame : the analysis frame (:func:`kharita.analysis.frame.build_frame`); its
        filters apply to the weekly series, and its KB (``frame.kb``) gives the losses.
    org : whose leaders (default: the network's root, ``is`` in the shipped KB).
    date : ``"death"``, ``"announcement"`` or ``"both"`` (default: both reported).
    window_weeks, count_days, n_placebo : see :func:`step_change`.
    min_events : branches with fewer events in the regression window are reported as
        not testable.
    min_weeks : fewest weeks of data each side of the date for the model; the network
        series sums the branches that have them (over their common span).
    correction : ``"fdr_bh"`` (Benjamini-Hochberg, default), ``"holm"`` or ``"none"``,
        applied across branches (not the network row) for each loss date.
    seed : seeds the placebo draws, with the series' name: every study of one series
        draws the same placebo dates.
    branches_only : restrict the per-branch studies to these branch ids.
    progress : optional callable ``progress(done, total)`` (the CLI's progress bar).

    Returns
    -------
    pandas.DataFrame with one row per (loss date, series): ``leader_id``, ``leader``,
    ``kind``, ``date``, ``precision``, ``sources``, ``series`` (branch id or
    ``network``), ``before``, ``after``, ``irr``, ``irr_low``, ``irr_high``,
    ``p_value``, ``p_adj``, ``placebo_p``, ``placebo_p_adj``, ``n_placebo``,
    ``n_weeks``, ``alpha``, ``model``, ``note``. ``attrs["network_series"]``: the
    network series each study used (columns ``leader_id``, ``kind``, ``date``,
    ``week``, ``n`` as lists), for charts of what was tested.

    References
    ----------
    .. [1] Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate.
       JRSS B 57(1), 289-300; Holm, S. (1979). Scandinavian Journal of Statistics 6(2).
    .. [2] Johnston, P. B. (2012). Does decapitation work? International Security
       36(4), 47-79; Jordan, J. (2009). When heads roll. Security Studies 18(4) - the
       leadership-decapitation literature these studies follow.
    """
    from statsmodels.stats.multitest import multipletests

    if correction not in CORRECTIONS:
        raise UserInputError(f"correction={correction!r}: expected one of "
                             f"{', '.join(CORRECTIONS)}")
    losses = leadership_losses(frame.kb, org=org, date=date)
    series = weekly_series(frame)
    keep = [c for c in series.columns if c != NETWORK
            and (branches_only is None or c in set(branches_only))]
    pairs = pair_weekly(frame)
    # spans without an ingest record end where the frame's weekly series ends
    open_end = series.index[-1] + pd.Timedelta(days=6) if len(series.index) else None
    all_dates = [x.date for x in losses]
    rows: list[dict[str, Any]] = []
    plan: list[tuple[int, LeadershipLoss, str, pd.Series, str]] = []
    for k, loss in enumerate(losses):
        lo = pd.Timestamp(loss.date) - pd.Timedelta(weeks=window_weeks)
        hi = pd.Timestamp(loss.date) + pd.Timedelta(weeks=window_weeks)
        in_window = {}
        for col in keep:
            ser = series[col].dropna()
            if ser.empty or ser.index[-1] < lo or ser.index[0] > hi:
                continue  # the branch has no data around this date
            cut, note = covered_series(pairs[pairs.entity_id == col], loss.date,
                                       window_weeks, min_weeks, open_end=open_end)
            if cut is None:
                plan.append((k, loss, col, pd.Series(dtype=float), note))
                continue
            in_window[col] = cut
            if note:
                plan.append((k, loss, col, cut, note))
        # the network: the sum of the branches with enough events in the window, over the
        # span they all cover (so the end of one source's coverage is not read as a drop)
        big = {}
        for c, ser in in_window.items():
            _y, _x, n_pre, n_post = _window(ser, pd.Timestamp(loss.date), window_weeks)
            if _y.sum() >= min_events and n_pre >= min_weeks and n_post >= min_weeks:
                big[c] = ser
        if big:
            first = max(ser.index[0] for ser in big.values())
            last = min(ser.index[-1] for ser in big.values())
            net = pd.concat([ser[(ser.index >= first) & (ser.index <= last)]
                             for ser in big.values()], axis=1).sum(axis=1)
            net_note = (f"network = {' + '.join(sorted(big))} over their common span "
                        f"{first.date()}..{last.date()}")
        else:
            net, net_note = pd.Series(dtype=float), ""
        plan.append((k, loss, NETWORK, net, net_note))
        noted = {c for kk, _l, c, _s, _n in plan if kk == k}
        plan.extend((k, loss, col, ser, "") for col, ser in in_window.items()
                    if col not in noted)
    studied: dict[str, list[Any]] = {"leader_id": [], "kind": [], "date": [], "week": [],
                                     "n": []}
    for done, (_k, loss, col, s, extra) in enumerate(plan, start=1):
        if col == NETWORK and not s.empty:
            for key, values in (("leader_id", [loss.leader_id] * len(s)),
                                ("kind", [loss.kind] * len(s)),
                                ("date", [loss.date.isoformat()] * len(s)),
                                ("week", [w.date().isoformat() for w in s.index]),
                                ("n", s.astype(float).tolist())):
                studied[key].extend(values)
        base = {"leader_id": loss.leader_id, "leader": loss.leader, "kind": loss.kind,
                "date": loss.date.isoformat(), "precision": loss.precision,
                "sources": ", ".join(loss.sources)}
        # seeded by the series, not the study: a death and its announcement a day later
        # on one series are compared with the same placebo dates (common random numbers),
        # so equal estimates get equal placebo p-values (they got 0.12 and 0.18, and 0.2
        # and 0.1 with 19 dates, for one IRR of 0.47 on the real Nigeria series)
        rng = np.random.default_rng([seed, zlib.crc32(col.encode())])
        lo = pd.Timestamp(loss.date) - pd.Timedelta(weeks=window_weeks)
        hi = pd.Timestamp(loss.date) + pd.Timedelta(weeks=window_weeks)
        if loss.placed.startswith("not testable"):
            res = StepChange(float("nan"), float("nan"), note=loss.placed)
        elif s.empty and col != NETWORK:
            res, extra = StepChange(float("nan"), float("nan"), note=extra), ""
        elif s.empty:
            res = StepChange(0.0, 0.0, note=f"not testable: no branch has {min_events} events "
                                            f"and {min_weeks} weeks of data each side")
        else:
            n_win = float(s[(s.index >= lo) & (s.index <= hi)].sum())
            if n_win < min_events:
                res = step_change(s, loss.date, window_weeks=window_weeks,
                                  count_days=count_days, n_placebo=0, min_weeks=min_weeks)
                res.irr = res.irr_low = res.irr_high = res.p_value = None
                res.alpha, res.model = None, ""
                res.note = (f"not testable: {n_win:g} events in the window "
                            f"(need {min_events})")
            else:
                res = step_change(s, loss.date, window_weeks=window_weeks,
                                  count_days=count_days, n_placebo=n_placebo,
                                  min_weeks=min_weeks, exclude=all_dates, rng=rng)
        if loss.placed and not loss.placed.startswith("not testable"):
            res.note = "; ".join(x for x in (res.note, loss.placed) if x)
        if extra:
            res.note = "; ".join(x for x in (res.note, extra) if x)
        rows.append({**base, "series": col, **asdict(res)})
        if progress is not None:
            progress(done, len(plan))
    cols = ["leader_id", "leader", "kind", "date", "precision", "sources", "series", "before",
            "after", "irr", "irr_low", "irr_high", "p_value", "p_adj", "placebo_p",
            "placebo_p_adj", "n_placebo", "n_weeks", "alpha", "model", "note"]
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=cols)
    out["p_adj"] = out["p_value"]
    out["placebo_p_adj"] = out["placebo_p"]
    if correction != "none":
        for _, g in out[out.series != NETWORK].groupby(["leader_id", "kind", "date"]):
            for src, dst in (("p_value", "p_adj"), ("placebo_p", "placebo_p_adj")):
                ok = g[src].notna()
                if ok.sum() > 0:
                    adj = multipletests(g.loc[ok, src].astype(float).to_numpy(),
                                        method=correction)[1]
                    out.loc[g.index[ok], dst] = adj
    out = out[cols]
    # the network series each study used (its branches, over the weeks their files all
    # cover), for charts: the frame's whole network series would show where a file ends
    out.attrs["network_series"] = SharedAttr(studied)
    out.attrs["filters"] = series.attrs.get("filters", {})
    out.attrs["correction"] = correction
    out.attrs["model"] = ("log E[y] = b0 + b1 t + b2 post + b3 sin + b4 cos (weekly, "
                          f"+-{window_weeks} weeks); IRR = exp(b2)")
    return out
