"""Contagion between the network's branches, from the analysis frame.

:func:`contagion_analysis` reads the frame's rows (:meth:`kharita.analysis.frame.Frame.df`),
keeps the events of operational branches (provinces and affiliated groups, as the KB's
network profile defines them: :meth:`kharita.kb.network.NetworkProfile.is_branch`;
events attributed only to the organisation ``is``, its directorate and offices, or its
predecessors are excluded and counted),
turns dates into continuous times and fits a multivariate Hawkes model
(:func:`~kharita.analysis.contagion.fit.fit_hawkes`).

Day-resolution dates. Conflict events carry dates, not times, and many share a day. We
use continuous time with **randomised uniform jitter within the day**: an event dated
day ``d`` (counted from the period start) gets time ``d + U``, ``U ~ Uniform(0, 1)``.
The fit is repeated for several jitter seeds (default 5); the first seed gives the
reported estimate, and ``jitter_spread`` reports min / max / sd across seeds so the
analyst can see whether the within-day order matters. Triggering within the same day
cannot be separated from coincidence at this resolution: a decay much faster than
1/day (mean triggering time below a day) should be read as "same-day clustering".

Coverage. A branch whose data stop early (its file ends: the Iraq extract in December
2018) would look like a process that died out, and with a constant background its
early clustering would be read as self-excitation. :func:`contagion_analysis`
(``coverage="comparable"``, the default) therefore fits only the **covered span**: the
period every file that carries a modelled branch covers
(:func:`kharita.analysis.coverage.choose_pairs`: each branch's complete files, its
sample files only when it has no complete one), and leaves out the rows of sample files
for branches that have a complete one. The cut, and the file that caused it, are in
``result.coverage`` and ``result.notes``; the branching ratio reported is the covered
span's. Fewer than :data:`MIN_COVERED_DAYS` covered days raise a ``KharitaError``
("not testable").
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kharita.analysis.contagion.bootstrap import _derived, derived_names
from kharita.analysis.contagion.fit import (
    EventData,
    HawkesFit,
    Method,
    _fit_core,
    attribution_shares,
    fit_hawkes,
)
from kharita.errors import KharitaError
from kharita.kb.dates import to_date
from kharita.kb.network import NON_BRANCH_TYPES, network_profile

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame
    from kharita.kb.knowledge import KnowledgeBase

__all__ = ["NON_BRANCH_TYPES", "ContagionResult", "branch_event_series",
           "contagion_analysis", "contagion_from_events", "contagion_job"]

#: The covered span must be at least this long to fit the model.
MIN_COVERED_DAYS = 180


@dataclass
class ContagionResult:
    """A contagion analysis: what was used, how, and the fitted model.

    ``fit`` holds the estimates (``fit.excitation``, ``fit.shares``, ``fit.decay``,
    ``fit.gof``, ``fit.qq``, ``fit.comparison``, ``fit.ci``).
    """

    start: dt.date
    end: dt.date
    branches: list[str]
    counts: pd.DataFrame
    excluded: dict[str, Any]
    method: str
    time_handling: str
    background: str
    fit: HawkesFit
    jitter_spread: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    #: the covered span and why (see the module docstring); empty when not checked.
    coverage: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Period, branches, counts, method and headline figures as one flat dict."""
        s = self.fit.summary()
        out: dict[str, Any] = {
            "period_start": self.start.isoformat(), "period_end": self.end.isoformat(),
            "days": self.fit.T, "branches": ",".join(self.branches),
            "n_events": int(self.counts["n_events"].sum()),
            "method": self.method, "time_handling": self.time_handling,
            "background": self.background,
            "excluded_core_or_predecessor_only": self.excluded["core_or_predecessor_only"],
            "excluded_below_min_events": self.excluded["below_min_events_total"],
            "ambiguous_events_assigned_to_top_weight": self.excluded["ambiguous_resolved"],
            "coverage": self.coverage.get("reason", ""),
        }
        for key in ("loglik", "aic", "bic", "branching_ratio", "beta",
                    "mean_trigger_time_days", "converged"):
            out[key] = s[key]
        return out

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data (DataFrames as lists of records)."""
        def rec(df: pd.DataFrame | None) -> Any:
            return None if df is None else df.replace({np.nan: None}).to_dict("records")
        return {"summary": self.summary(), "counts": rec(self.counts),
                "excluded": self.excluded, "excitation": rec(self.fit.excitation),
                "excitation_long": rec(self.fit.excitation_long),
                "shares": rec(self.fit.shares), "background_rates": rec(self.fit.background),
                "decay": rec(self.fit.decay), "goodness_of_fit": rec(self.fit.gof),
                "qq": rec(self.fit.qq), "model_comparison": rec(self.fit.comparison),
                "confidence_intervals": rec(self.fit.ci),
                "jitter_spread": rec(self.jitter_spread), "notes": self.notes,
                "coverage": self.coverage}


def _yearly_edges(start: dt.date, end: dt.date) -> np.ndarray:
    T = (end - start).days + 1
    cuts = [(dt.date(y, 1, 1) - start).days for y in range(start.year + 1, end.year + 1)]
    return np.array([0.0, *[float(c) for c in cuts if 0 < c < T], float(T)])


def branch_event_series(events: pd.DataFrame, *, start: object = None, end: object = None,
                        branches: Iterable[str] | None = None, min_events: int = 50,
                        kb: KnowledgeBase | None = None
                        ) -> tuple[pd.DataFrame, dt.date, dt.date, list[str], dict[str, Any]]:
    """One row per event ``[event_id, date, branch]`` for the branches to model.

    ``events`` has at least ``event_id, date, entity_id, weight`` (the rows of
    :meth:`kharita.analysis.frame.Frame.df`). An event with rows for several
    branches (ambiguous attribution) is assigned to its highest-weight branch (ties: the
    first id alphabetically) and counted in ``excluded["ambiguous_resolved"]``. Events
    attributed only to non-branch entities (``is``, directorate, offices, predecessors:
    :meth:`kharita.kb.network.NetworkProfile.is_branch` on ``kb``, default the shipped
    KB) are dropped and counted. Without ``branches``, the branches with at least
    ``min_events`` events in the period are used.

    Examples
    --------
    >>> ev = pd.DataFrame({"event_id": ["a", "b", "b", "c"],
    ...     "date": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-02", "2020-01-05"]),
    ...     "entity_id": ["is-iraq", "is-iraq", "is-syria", "is"], "weight": [1, .6, .4, 1]})
    >>> s, start, end, br, ex = branch_event_series(ev, min_events=1)
    >>> br, len(s), ex["core_or_predecessor_only"], ex["ambiguous_resolved"]
    (['is-iraq'], 2, 1, 1)
    """
    missing = {"event_id", "date", "entity_id"} - set(events.columns)
    if missing:
        raise KharitaError(f"events frame lacks column(s) {sorted(missing)}")
    df = events.copy()
    if "weight" not in df.columns:
        df["weight"] = 1.0
    df["date"] = pd.to_datetime(df["date"]).dt.normalize()
    s = to_date(start) if start is not None else None
    e = to_date(end) if end is not None else None
    if s is not None:
        df = df[df["date"] >= pd.Timestamp(s)]
    if e is not None:
        df = df[df["date"] <= pd.Timestamp(e)]
    if df.empty:
        raise KharitaError("no attributed events in the period "
                           f"{s or 'start'} .. {e or 'end'}: ingest and attribute events first")
    s = s or df["date"].min().date()
    e = e or df["date"].max().date()
    if kb is None:
        from kharita.kb import load_kb

        kb = load_kb()
    prof = network_profile(kb)
    is_branch = {x: prof.is_branch(x) for x in df["entity_id"].unique()}
    df["is_branch"] = df["entity_id"].map(is_branch)
    has_branch = df.groupby("event_id")["is_branch"].transform("any")
    core_only = int(df.loc[~has_branch, "event_id"].nunique())
    df = df[df["is_branch"]]
    n_rows = df.groupby("event_id")["entity_id"].transform("size")
    ambiguous = int(df.loc[n_rows > 1, "event_id"].nunique())
    df = (df.sort_values(["event_id", "weight", "entity_id"], ascending=[True, False, True])
            .drop_duplicates("event_id"))
    counts = df.groupby("entity_id").size().sort_values(ascending=False)
    if branches:
        chosen = list(dict.fromkeys(branches))
        unknown = [b for b in chosen if b not in counts.index]
        if unknown:
            raise KharitaError(f"branch(es) {unknown} have no attributed events in "
                               f"{s} .. {e}; branches with events: "
                               f"{', '.join(f'{b} ({n})' for b, n in counts.items())}")
    else:
        chosen = sorted(str(b) for b, n in counts.items() if n >= min_events)
        if not chosen:
            raise KharitaError(f"no branch has at least {min_events} events in {s} .. {e} "
                               f"(counts: {dict(counts)}); lower --min-events or widen "
                               "the period")
    below = {str(b): int(n) for b, n in counts.items() if b not in chosen}
    out = df[df["entity_id"].isin(chosen)][["event_id", "date", "entity_id"]]
    out = out.rename(columns={"entity_id": "branch"}).sort_values(["date", "event_id"])
    excluded = {"core_or_predecessor_only": core_only, "ambiguous_resolved": ambiguous,
                "below_min_events": below, "below_min_events_total": int(sum(below.values())),
                "min_events": min_events}
    return out.reset_index(drop=True), s, e, chosen, excluded


def contagion_from_events(events: pd.DataFrame, *, start: object = None, end: object = None,
                          branches: Iterable[str] | None = None, min_events: int = 50,
                          method: Method = "mle", background: str = "constant",
                          jitter_seeds: int = 5, bootstrap: int = 0, seed: int = 0,
                          decays: Any = None, kb: KnowledgeBase | None = None,
                          progress: Callable[[int, int], None] | None = None,
                          notes: list[str] | None = None, light: bool = False
                          ) -> ContagionResult:
    """Fit the branches' contagion model from an events frame (see
    :func:`contagion_analysis`, which reads the frame from the store; ``light`` is
    described there)."""
    series, s, e, chosen, excluded = branch_event_series(
        events, start=start, end=end, branches=branches, min_events=min_events, kb=kb)
    T = float((e - s).days + 1)
    if background == "yearly":
        edges = _yearly_edges(s, e)
    elif background == "constant":
        edges = np.array([0.0, T])
    else:
        raise KharitaError(f"background must be 'constant' or 'yearly', not {background!r}")
    day = (series["date"] - pd.Timestamp(s)).dt.days.to_numpy(dtype=np.float64)
    index = {b: i for i, b in enumerate(chosen)}
    types = series["branch"].map(index).to_numpy(dtype=np.int64)
    # the same events, period and settings give the same fit: fitted once per process
    # (``kharita check`` re-runs the model under other ambiguity rules, which often
    # leave every event with the same branch)
    key = _fit_key(day, types, chosen, s, e, method, background, jitter_seeds, bootstrap,
                   seed, decays, light)
    hit = _FITS.get(key) if progress is None else None
    if hit is not None:
        return dataclasses.replace(hit, excluded=excluded, notes=list(notes or []),
                                   counts=hit.counts.copy())
    if jitter_seeds < 1:
        raise KharitaError("jitter_seeds must be at least 1")
    fits: list[tuple[np.ndarray, np.ndarray]] = []
    main: HawkesFit | None = None
    for js in range(jitter_seeds):
        rng = np.random.default_rng([seed, js])
        times = day + rng.uniform(0.0, 1.0, day.size)
        if main is None:
            main = fit_hawkes(times, types, T, branches=chosen, method=method, decays=decays,
                              edges=edges, bootstrap=bootstrap, seed=seed, progress=progress,
                              goodness=not light, compare=not light)
            fits.append((main.params.vector(), _derived(main.params, main.share_matrix)))
            continue
        data = EventData(times, types, T, len(chosen), edges)
        dec = None if decays is None else np.atleast_1d(np.asarray(decays, dtype=np.float64))
        core = _fit_core(data, method=method, decays=dec, fit_decay=dec is None,
                         diagonal=False, init=main.params, branches=chosen, tol=1e-10,
                         max_iter=5000)
        fits.append((core.params.vector(),
                     _derived(core.params, attribution_shares(core.params, data))))
    assert main is not None
    values = np.array([np.concatenate(f) for f in fits])
    names = main.params.names() + derived_names(main.params)
    spread = pd.DataFrame({"parameter": names, "estimate": values[0],
                           "min": values.min(axis=0), "max": values.max(axis=0),
                           "sd": values.std(axis=0, ddof=1) if len(fits) > 1 else np.nan})
    counts = (series.groupby("branch").size().reindex(chosen).rename("n_events")
              .reset_index())
    handling = (f"continuous time; dates at day resolution jittered uniformly within the day; "
                f"sensitivity across {jitter_seeds} jitter seed(s) in jitter_spread")
    result = ContagionResult(start=s, end=e, branches=chosen, counts=counts,
                             excluded=excluded, method=method, time_handling=handling,
                             background=background, fit=main, jitter_spread=spread,
                             notes=list(notes or []))
    with _FITS_LOCK:  # fits may run in several threads (the brief's background fit)
        if len(_FITS) >= _MAX_FITS:
            _FITS.pop(next(iter(_FITS)))
        _FITS[key] = result
    return result


#: Fits kept per process (:func:`contagion_from_events`), oldest dropped first.
_MAX_FITS = 8
_FITS: dict[str, ContagionResult] = {}
_FITS_LOCK = threading.Lock()


def _fit_key(day: np.ndarray, types: np.ndarray, chosen: list[str], *settings: Any) -> str:
    import hashlib

    h = hashlib.sha1(np.ascontiguousarray(day).tobytes())
    h.update(np.ascontiguousarray(types).tobytes())
    h.update(repr((chosen, settings)).encode())
    return h.hexdigest()


def covered_span(frame: Frame, branches: Iterable[str], start: dt.date, end: dt.date
                 ) -> tuple[Frame, dt.date, dt.date, dict[str, Any]]:
    """The frame limited to the files that carry ``branches`` and to the span they all
    cover within ``[start, end]`` (module docstring): ``(frame, start, end, statement)``.

    Raises :class:`~kharita.errors.KharitaError` ("not testable") when fewer than
    :data:`MIN_COVERED_DAYS` days are covered.
    """
    from kharita.analysis.coverage import (
        COMPLETE,
        UNKNOWN,
        choose_pairs,
        file_name,
        frame_pairs,
        label_pairs,
        restrict,
    )

    pairs = frame_pairs(frame)
    pairs = pairs[pairs.entity_id.isin(list(branches))]
    if pairs.empty or (pairs.kind.fillna(UNKNOWN) == UNKNOWN).all():
        return frame, start, end, {"start": start.isoformat(), "end": end.isoformat(),
                                   "cut": False, "reason": "no ingest records: nothing cut"}
    used_parts, dropped_parts = [], []
    for _b, g in pairs.groupby("entity_id", sort=True):
        u, d = choose_pairs(g.assign(kind=g.kind.fillna(UNKNOWN)))
        used_parts.append(u)
        dropped_parts.append(d)
    used = pd.concat(used_parts).drop_duplicates(["ingest_file_id", "country_iso3"])
    dropped = pd.concat(dropped_parts)
    known = used[used.kind == COMPLETE] if (used.kind == COMPLETE).any() else used
    known = known[known.kind != UNKNOWN]
    lo, hi = start, end
    notes: list[str] = []
    if len(known):
        first = max(known["first"])
        last = min(known["last"])
        if first > lo:
            r = list(known.sort_values("first").itertuples())[-1]
            notes.append(f"starts {first} when {label_pairs([r])[0]} starts")
            lo = first
        if last < hi:
            r = next(iter(known.sort_values("last").itertuples()))
            notes.append(f"cut at {last} where {label_pairs([r])[0]} ends (a branch whose "
                         "data stop would read as decay)")
            hi = last
    if len(dropped):
        files = sorted({file_name(x) for x in dropped.file.dropna()})
        notes.append(f"{float(dropped.n.sum()):g} weighted rows of sample file(s) "
                     f"{', '.join(files)} left out (the branch has a complete file)")
    days = (hi - lo).days + 1
    statement = {"start": lo.isoformat(), "end": hi.isoformat(), "cut": bool(notes),
                 "used": label_pairs(used.itertuples()), "notes": notes}
    if days < MIN_COVERED_DAYS:
        raise KharitaError(f"not testable: the files that carry {', '.join(branches)} cover "
                           f"together {max(days, 0)} day(s) ({lo}..{hi}; need "
                           f"{MIN_COVERED_DAYS}): " + "; ".join(notes))
    statement["reason"] = (f"covered span {lo}..{hi}" + (": " + "; ".join(notes)
                                                         if notes else ""))
    out = restrict(frame, used[["ingest_file_id", "country_iso3"]], lo, hi)
    return out, lo, hi, statement


def contagion_analysis(frame: Frame, *, min_events: int = 50, method: Method = "mle",
                       background: str = "constant", jitter_seeds: int = 5,
                       bootstrap: int = 0, seed: int = 0, decays: Any = None,
                       progress: Callable[[int, int], None] | None = None,
                       coverage: str = "comparable", light: bool = False
                       ) -> ContagionResult:
    """Multivariate Hawkes model of the network's branches, from the analysis frame.

    Definition: each branch ``i``'s event rate is
    ``lambda_i(t) = mu_i(t) + sum_{t_m < t} alpha[i, k_m] beta exp(-beta (t - t_m))``;
    ``alpha[i, j]`` is the expected number of branch-``i`` events directly triggered by
    one branch-``j`` event, ``1 / beta`` the mean triggering delay in days.

    Parameters
    ----------
    frame : Frame
        The analysis frame (:func:`kharita.analysis.frame.build_frame`). Its ``start``
        and ``end`` are the period (inclusive; default: the first and last attributed
        event); its ``branches`` are the branches modelled (default: every branch with
        at least ``min_events`` events). An event attributed to several branches goes
        to its highest-weight branch among all of them, so the rows are read without
        the branch filter; every other filter (countries, sources, event types,
        minimum confidence, ambiguity rule) applies as it is.
    min_events : int
        Default branch selection threshold.
    method : {"mle", "em"}
    background : {"constant", "yearly"}
        Constant background rates, or one rate per calendar year (piecewise constant).
    jitter_seeds : int
        Number of within-day jitter draws (sensitivity check).
    bootstrap : int
        Parametric-bootstrap replicates for 95% intervals (0: none).
    coverage : {"comparable", "all"}
        Fit the covered span only (default; module docstring) or every row.
    light : bool
        Skip the goodness of fit and the model comparison (``fit.gof``, ``fit.qq`` and
        ``fit.comparison`` are ``None``; the estimates are the same): for callers that
        read only the estimates (the robustness re-runs of
        :mod:`kharita.analysis.presets`). Not warm-started from another fit: the
        likelihood has several nearly equal optima (a fast and a slow decay), and a
        start other than the grid of decays can end in another one.

    Returns
    -------
    ContagionResult
        With the period, branches and counts used, exclusions, the method and the fit.

    References
    ----------
    .. [1] Lewis, E., Mohler, G., Brantingham, P. J., & Bertozzi, A. L. (2012).
       Self-exciting point process models of civilian deaths in Iraq. Security
       Journal, 25(3), 244-264.
    .. [2] Tench, S., Fry, H., & Gill, P. (2016). Spatio-temporal patterns of IED usage
       by the Provisional Irish Republican Army. European Journal of Applied
       Mathematics, 27(3), 377-402.
    """
    return contagion_job(frame, min_events=min_events, method=method, background=background,
                         jitter_seeds=jitter_seeds, bootstrap=bootstrap, seed=seed,
                         decays=decays, progress=progress, coverage=coverage,
                         light=light)()


def contagion_job(frame: Frame, *, min_events: int = 50, method: Method = "mle",
                  background: str = "constant", jitter_seeds: int = 5,
                  bootstrap: int = 0, seed: int = 0, decays: Any = None,
                  progress: Callable[[int, int], None] | None = None,
                  coverage: str = "comparable", light: bool = False
                  ) -> Callable[..., ContagionResult]:
    """:func:`contagion_analysis` in two steps: this call reads the events (and the
    covered span) from the store and returns the function that fits the model without
    touching the store (so it can run in another thread beside other store work: the
    brief does). The function takes keyword changes to the fitting settings
    (``fit(background="yearly")``) to fit the same events again."""
    if coverage not in ("comparable", "all"):
        raise KharitaError(f"coverage must be 'comparable' or 'all', not {coverage!r}")
    f = frame.filters
    wide = frame.narrow(branches=None) if f.branches else frame
    events = wide.df()
    start, end = f.start, f.end
    statement: dict[str, Any] = {"reason": "every row used (coverage='all')", "cut": False}
    notes: list[str] = []
    if coverage == "comparable":
        _s, s0, e0, chosen, _x = branch_event_series(events, start=start, end=end,
                                                     branches=f.branches,
                                                     min_events=min_events, kb=frame.kb)
        cut, start, end, statement = covered_span(wide, chosen, s0, e0)
        if statement.get("cut"):
            events = cut.df()
            notes.append("contagion fitted on the covered span only: "
                         + statement["reason"])
    kb = frame.kb

    settings: dict[str, Any] = {
        "min_events": min_events, "method": method, "background": background,
        "jitter_seeds": jitter_seeds, "bootstrap": bootstrap, "seed": seed,
        "decays": decays, "progress": progress, "light": light}

    def fit(**changes: Any) -> ContagionResult:
        """The fit of the events read (``changes``: other fitting settings, e.g. a yearly
        background, for a second fit of the same events)."""
        result = contagion_from_events(events, start=start, end=end, branches=f.branches,
                                       kb=kb, notes=list(notes),
                                       **{**settings, **changes})
        result.coverage = dict(statement)
        return result

    return fit
