"""Capture–recapture: how many incidents did every source miss?

Where two or more sources report on the same branch, country and period, the overlap
between them says how complete they are. These are pure functions on **overlap
counts** (capture histories); matching the reports into incidents is linkage's job.

Definitions
-----------
A *capture history* of an incident over ``k`` sources is a tuple of ``k`` booleans
(reported by source ``i`` or not); the counts of the ``2**k - 1`` observable histories
are the data. ``observed`` is their sum (incidents at least one source reported);
``total`` estimates all incidents, ``missed = total - observed`` those no source
reported.

- **Two sources** — Chapman's bias-corrected Lincoln–Petersen estimator
  ``N = (n1 + 1)(n2 + 1) / (m + 1) - 1`` with Seber's variance
  ``(n1 + 1)(n2 + 1)(n1 - m)(n2 - m) / ((m + 1)**2 (m + 2))`` (Chapman 1951; Seber
  1970) and Chao's log-normal interval for the missed part, which is never below the
  observed count (Chao 1987).
- **Three or more sources** — a log-linear model of the history counts (Fienberg
  1972; Bishop, Fienberg & Holland 1975): a Poisson GLM (statsmodels) with one main
  effect per source and, optionally, the two-way source interactions
  (``interactions=True``; local dependence between pairs of sources). The missed cell
  is ``f0 = exp(intercept)``, with prediction variance ``f0 + f0**2 var(intercept)``
  (the delta method plus the missed cell's own Poisson variation) and the same
  log-normal interval as Chao's.

Assumptions (stated in every estimate's ``assumptions``): a closed population over the
period; every report correctly linked (no false or missed links); under Chapman and the
independence log-linear model, sources independent and every incident equally likely
to be reported by a source (heterogeneity, e.g. large attacks reported by all, biases
the total downward). The estimate is a model-based extrapolation, not a count.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kharita.errors import UserInputError

__all__ = ["CaptureEstimate", "capture_histories", "chapman", "estimate", "loglinear"]

ASSUMPTIONS_COMMON: tuple[str, ...] = (
    "closed population: the incidents of the period are fixed (none enter or leave)",
    "perfect linkage: each incident's reports are linked to it, and only they",
)
ASSUMPTIONS_INDEPENDENT: tuple[str, ...] = (
    "sources report independently of each other",
    "homogeneity: every incident is equally likely to be reported by a given source "
    "(if not, e.g. large attacks reported by all, the total is underestimated)",
)


@dataclass(frozen=True)
class CaptureEstimate:
    """An estimate of the total number of incidents from overlapping sources.

    ``total`` (point estimate), ``lower``/``upper`` (interval at ``level``, never below
    ``observed``), ``se`` (standard error of ``total``), ``missed = total - observed``.
    """

    method: str
    sources: tuple[str, ...]
    observed: int
    total: float
    se: float
    lower: float
    upper: float
    level: float
    assumptions: tuple[str, ...]
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def missed(self) -> float:
        return self.total - self.observed

    def as_dict(self) -> dict[str, Any]:
        return {"method": self.method, "sources": list(self.sources),
                "observed": self.observed, "total": self.total, "missed": self.missed,
                "se": self.se, "lower": self.lower, "upper": self.upper,
                "level": self.level, "assumptions": list(self.assumptions),
                **self.detail}


def capture_histories(sets: Mapping[str, Iterable[Hashable]]
                      ) -> dict[tuple[bool, ...], int]:
    """Counts of capture histories from each source's set of incident ids.

    >>> capture_histories({"a": [1, 2, 3], "b": [2, 3, 4, 5]})
    {(True, False): 1, (True, True): 2, (False, True): 2}
    """
    names = list(sets)
    members = {n: set(v) for n, v in sets.items()}
    out: dict[tuple[bool, ...], int] = {}
    seen: list[Hashable] = []
    done: set[Hashable] = set()
    for n in names:
        for x in members[n]:
            if x not in done:
                done.add(x)
                seen.append(x)
    for x in seen:
        h = tuple(x in members[n] for n in names)
        out[h] = out.get(h, 0) + 1
    return out


def _z(level: float) -> float:
    if not 0 < level < 1:
        raise UserInputError(f"level must be in (0, 1), not {level}")
    from scipy import stats  # deferred: scipy.stats costs ~0.8 s to import

    return float(stats.norm.ppf(0.5 + level / 2))


def chapman(n1: int, n2: int, m: int, *, level: float = 0.95,
            sources: Sequence[str] = ("source 1", "source 2")) -> CaptureEstimate:
    """Chapman's estimator from two sources' counts ``n1``, ``n2`` and their overlap ``m``.

    >>> e = chapman(60, 50, 30)
    >>> round(e.total, 1), e.observed, e.lower >= e.observed
    (99.4, 80, True)
    """
    if min(n1, n2, m) < 0 or m > min(n1, n2):
        raise UserInputError(f"need 0 <= m <= min(n1, n2); got n1={n1}, n2={n2}, m={m}")
    z = _z(level)
    observed = n1 + n2 - m
    total = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    f0 = total - observed
    if f0 > 0 and var > 0:
        c = math.exp(z * math.sqrt(math.log(1 + var / f0 ** 2)))
        lower, upper = observed + f0 / c, observed + f0 * c
    else:
        lower = upper = max(total, float(observed))
    return CaptureEstimate("chapman", tuple(sources), observed, total, math.sqrt(var),
                           lower, upper, level, ASSUMPTIONS_COMMON + ASSUMPTIONS_INDEPENDENT,
                           {"n1": n1, "n2": n2, "overlap": m,
                            "interval": "Chao (1987) log-normal"})


def loglinear(histories: Mapping[tuple[bool, ...], int], *, level: float = 0.95,
              interactions: bool = False, sources: Sequence[str] | None = None
              ) -> CaptureEstimate:
    """Log-linear (Poisson GLM) estimate from the counts of every observable history
    of ``k >= 3`` sources (missing histories count 0).

    >>> h = {(True, False, False): 40, (False, True, False): 30, (False, False, True): 50,
    ...      (True, True, False): 12, (True, False, True): 20, (False, True, True): 15,
    ...      (True, True, True): 6}
    >>> e = loglinear(h)
    >>> e.observed, e.total > e.observed
    (173, True)
    """
    import numpy as np

    # the GLM modules alone: statsmodels.api imports every model (1.7-2 s, issue 16)
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.tools import add_constant

    keys = list(histories)
    if not keys:
        raise UserInputError("no capture histories")
    k = len(keys[0])
    if k < 3 or any(len(h) != k for h in keys):
        raise UserInputError("the log-linear model needs histories over 3 or more sources "
                             "(use chapman for two)")
    names = tuple(sources) if sources is not None else tuple(f"source {i + 1}"
                                                            for i in range(k))
    cells = [h for h in itertools.product((False, True), repeat=k) if any(h)]
    y = np.array([int(histories.get(h, 0)) for h in cells], dtype=float)
    cols = [[float(h[i]) for i in range(k)] for h in cells]
    labels = list(names)
    if interactions:
        pairs = list(itertools.combinations(range(k), 2))
        for row, h in zip(cols, cells, strict=True):
            row.extend(float(h[i] and h[j]) for i, j in pairs)
        labels += [f"{names[i]} x {names[j]}" for i, j in pairs]
    x = add_constant(np.array(cols), has_constant="add")
    if x.shape[1] > len(y):
        raise UserInputError(f"{x.shape[1]} parameters for {len(y)} cells: the model is "
                             "not identifiable (drop the interactions)")
    fit = GLM(y, x, family=families.Poisson()).fit()
    b0, se0 = float(fit.params[0]), float(fit.bse[0])
    f0 = math.exp(b0)
    observed = int(y.sum())
    z = _z(level)
    # Prediction variance of the missed number: its expectation's uncertainty
    # (delta method, f0**2 var(b0)) plus its own Poisson variation (f0).
    var = f0 + f0 ** 2 * se0 ** 2
    c = math.exp(z * math.sqrt(math.log(1 + var / f0 ** 2))) if f0 > 0 else 1.0
    lower, upper = observed + f0 / c, observed + f0 * c
    assumptions = ASSUMPTIONS_COMMON + (
        ("pairwise dependence between sources is modelled; no three-way (or higher) "
         "dependence", "homogeneity within the modelled dependence")
        if interactions else ASSUMPTIONS_INDEPENDENT)
    return CaptureEstimate(
        "loglinear" + ("+pairs" if interactions else ""), names, observed, observed + f0,
        math.sqrt(var), lower, upper, level, assumptions,
        {"deviance": float(fit.deviance), "df_resid": int(fit.df_resid),
         "aic": float(fit.aic), "terms": labels,
         "interval": "log-normal (Chao 1987) with prediction variance"})


def estimate(histories: Mapping[tuple[bool, ...], int], *, level: float = 0.95,
             interactions: bool = False, sources: Sequence[str] | None = None
             ) -> CaptureEstimate:
    """Chapman for two sources, the log-linear model for three or more."""
    keys = list(histories)
    if not keys:
        raise UserInputError("no capture histories")
    k = len(keys[0])
    if k == 2:
        n1 = sum(n for h, n in histories.items() if h[0])
        n2 = sum(n for h, n in histories.items() if h[1])
        m = int(histories.get((True, True), 0))
        return chapman(n1, n2, m, level=level,
                       sources=tuple(sources) if sources else ("source 1", "source 2"))
    return loglinear(histories, level=level, interactions=interactions, sources=sources)


# -- the estimate per branch, country and period ----------------------------------------

ASSUMPTIONS_SOURCES: tuple[str, ...] = (
    "each source is a separate dataset, not a copy of another (a dataset that re-codes "
    "another's events is one source, not two)",
    "a source covers a (country, period) when one of its complete files spans the period "
    "for that country (kharita.analysis.coverage); samples and files that end earlier do "
    "not count",
    "an incident counts once in each branch it has a frame row for (joint labels count "
    "fully here: capture-recapture needs whole incidents)",
)
#: Columns of :attr:`CaptureTable.estimates`.
ESTIMATE_COLUMNS: tuple[str, ...] = (
    "entity_id", "country_iso3", "period", "sources", "method", "observed", "reported_by",
    "total", "missed", "lower", "upper", "se", "level")
#: Columns of :attr:`CaptureTable.units`.
UNIT_COLUMNS: tuple[str, ...] = ("entity_id", "country_iso3", "period", "covering_sources",
                                 "incidents", "status")


@dataclass
class CaptureTable:
    """Capture–recapture estimates per branch x country x period (see
    :func:`coverage_estimates`): ``estimates`` where two or more sources cover the unit,
    ``units`` every unit with its covering sources and why it has no estimate,
    ``assumptions`` of every estimate shown, ``testable`` False (with ``reason``) when
    no unit has two covering sources."""

    estimates: Any
    units: Any
    assumptions: tuple[str, ...]
    freq: str
    level: float
    testable: bool
    reason: str = ""

    def describe(self) -> dict[str, Any]:
        return {"freq": self.freq, "level": self.level, "testable": self.testable,
                "reason": self.reason, "assumptions": list(self.assumptions)}


def coverage_estimates(frame: Any, *, freq: str = "year", level: float = 0.95,
                       interactions: bool = False) -> CaptureTable:
    """Incidents no source reported, per branch x country x period.

    The frame is counted by incident (linked reports of one event are one incident,
    :mod:`kharita.analysis.frame`); the **unit** is (branch, country, period of the
    incident's date). The sources that **cover** a unit are those with a complete file
    spanning the period for the country (:func:`kharita.analysis.coverage.coverage`).
    Where two or more sources cover a unit, each incident of the unit reported by at
    least one of them has a capture history over them, and :func:`estimate` gives the
    total (Chapman for two sources, the log-linear model for three or more) with an
    interval at ``level``; ``missed = total - observed`` are the incidents none
    reported. Units covered by one source are listed with the status
    ``"one source: not testable"``.

    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 500, seed=1)
    >>> t = coverage_estimates(build_frame(store))
    >>> t.testable, t.reason[:37]
    (False, 'not testable: one source covers every')

    References
    ----------
    .. [1] Chapman, D. G. (1951). Some properties of the hypergeometric distribution
       with applications to zoological sample censuses. UC Publications in Statistics 1.
    .. [2] Bishop, Y., Fienberg, S. & Holland, P. (1975). Discrete Multivariate
       Analysis, ch. 6. MIT Press. [3] Ball, P. et al. (2003). How many Peruvians have
       died? AAAS / HRDAG (capture-recapture over conflict-death lists).
    """
    import datetime as dt

    import pandas as pd

    from kharita.analysis.coverage import COMPLETE, UNKNOWN, covers, period_bounds
    from kharita.analysis.coverage import coverage as coverage_of
    from kharita.store.sql import capture as capture_sql
    from kharita.store.sql.periods import check_freq

    check_freq(freq)
    _z(level)
    fr = frame.narrow(count="incidents") if frame.filters.count != "incidents" else frame
    store = fr.store
    frame_sql = fr.sql_over(fr.base, ("incident_id",))
    cov = coverage_of(store)
    cov = cov[cov.kind.isin([COMPLETE, UNKNOWN])]
    spans: dict[str, list[tuple[str, dt.date, dt.date]]] = {}
    for src, country, first, last in zip(cov.source, cov.country_iso3, cov["first"],
                                         cov["last"], strict=True):
        spans.setdefault(str(country), []).append((str(src), first, last))
    # incidents per unit in SQL; the per-incident sources only for the countries two or
    # more sources cover at all (no other unit can be estimated): on a one-source store
    # nothing is fetched per incident
    linked = store.has_table("incidents")
    counts = store.sql(capture_sql.unit_incidents_sql(frame_sql, freq, incidents=linked))
    counts["period"] = pd.to_datetime(counts["period"]).dt.date
    multi = sorted(c for c, sp in spans.items() if len({s for s, _f, _l in sp}) >= 2)
    positions: dict[Any, Any] = {}
    if multi:
        rows = store.sql(capture_sql.incident_sources_sql(
            frame_sql, freq, incidents=linked, n_countries=len(multi)), multi)
        rows["period"] = pd.to_datetime(rows["period"]).dt.date
        positions = rows.groupby(["entity_id", "country_iso3", "period"],
                                 sort=True).indices if len(rows) else {}

    def covering(country: str, start: dt.date) -> list[str]:
        lo, hi = period_bounds(start, start, freq)[0]
        return sorted({s for s, f, last in spans.get(country, []) if covers(f, last, lo, hi)})

    units, ests = [], []
    assumptions: dict[str, None] = dict.fromkeys(ASSUMPTIONS_SOURCES)
    keys = ["entity_id", "country_iso3", "period"]
    n_incidents = counts.set_index(keys)["n_incidents"]
    # per-incident capture histories only where two or more sources cover the unit
    # (building them for every unit costs a Python call per incident)
    for (ent, country, period), n_inc in n_incidents.items():
        srcs = covering(str(country), period)
        unit = {"entity_id": ent, "country_iso3": country, "period": period,
                "covering_sources": "; ".join(srcs), "incidents": int(n_inc)}
        if len(srcs) < 2:
            units.append({**unit, "status": "one source: not testable" if srcs else
                          "no complete source covers it: not testable"})
            continue
        grp = rows.iloc[positions[(ent, country, period)]]
        by_incident = grp.groupby("incident_id")["source"].agg(frozenset)
        hist = capture_histories({s: [i for i, ss in by_incident.items() if s in ss]
                                  for s in srcs})
        try:
            e = estimate(hist, level=level, interactions=interactions, sources=srcs)
        except (UserInputError, ValueError, ZeroDivisionError, ArithmeticError) as exc:
            units.append({**unit, "status": f"no estimate: {exc}"})
            continue
        assumptions.update(dict.fromkeys(e.assumptions))
        counts = {s: sum(n for h, n in hist.items() if h[i]) for i, s in enumerate(srcs)}
        reported = "; ".join(f"{s} {n}" for s, n in counts.items())
        if len(srcs) == 2:
            reported += f"; both {hist.get((True, True), 0)}"
        units.append({**unit, "status": "estimated"})
        ests.append({"entity_id": ent, "country_iso3": country, "period": period,
                     "sources": "; ".join(srcs), "method": e.method,
                     "observed": e.observed, "reported_by": reported,
                     "total": e.total, "missed": e.missed, "lower": e.lower,
                     "upper": e.upper, "se": e.se, "level": level})
    units_df = pd.DataFrame(units, columns=list(UNIT_COLUMNS))
    est_df = pd.DataFrame(ests, columns=list(ESTIMATE_COLUMNS))
    reason = ""
    if est_df.empty:
        seen = sorted({s for v in units_df.covering_sources for s in str(v).split("; ")
                       if s})
        reason = ("not testable: " + (
            f"one source covers every branch, country and period ({', '.join(seen)}); "
            if len(seen) <= 1 else
            "no branch, country and period is covered by two or more sources; ")
            + "capture-recapture needs two or more independent sources reporting the same "
            "branch, country and period (ingest another dataset and run kharita link)")
        if units_df.empty:
            reason = "not testable: the frame has no incidents"
    return CaptureTable(est_df, units_df, tuple(assumptions), freq, level,
                        testable=not est_df.empty, reason=reason)
