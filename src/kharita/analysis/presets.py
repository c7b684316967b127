"""Named checks of the claims the seed analysis makes, each with a verdict and figures.

Each preset tests one claim against the data in the store (and the KB) and returns
a :class:`CheckResult` with a verdict ``"supported"``, ``"contradicted"`` or
``"not testable with this data"``, the figures it rests on and a plain-words
reason. The decision rules are stated in each preset's docstring and in
``docs/analysis.md``; they are deliberately simple so that a reader can redo them.

Presets: ``shift-to-africa``, ``decentralization``,
``survival-after-leadership-losses``, ``provinces-autonomy`` (uses the contagion
model of :mod:`kharita.analysis.contagion`).

Robustness. A verdict rests on model choices an analyst could make otherwise: how joint
labels count (``ambiguous`` split / full / exclude), whether linked reports count once
(``count`` incidents / reports, when the frame offers it) and, for the contagion model,
a constant or a yearly background. Each preset is run again with each other value of
each choice it depends on (:data:`SENSITIVITY_AXES`; one choice changed at a time, the
others as the frame has them); ``figures["sensitivity"]`` lists every run's verdict.
A verdict that changes across these runs is **fragile**: the result is then "not
testable with this data" with the reason "fragile (not robust): ...", never the answer
of one arbitrary choice. Comparisons over time use only the comparable span of the
files (:func:`kharita.analysis.coverage.comparable`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kharita.analysis.concentration import concentration
from kharita.analysis.coverage import once_per_frame
from kharita.analysis.geography import africa_crossing, geographic_centres
from kharita.analysis.shocks import NETWORK, shocks
from kharita.errors import KharitaError, UserInputError
from kharita.store.sql.presets import (
    countries_sql,
    coverage_sql,
    incidents_rows_sql,
    split_rows_sql,
)

if TYPE_CHECKING:
    from kharita.analysis.contagion.analysis import ContagionResult
    from kharita.analysis.frame import Frame

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
NOT_TESTABLE = "not testable with this data"
VERDICTS: tuple[str, ...] = (SUPPORTED, CONTRADICTED, NOT_TESTABLE)
#: The year the territorial "caliphate" fell (Baghouz, March 2019): "after" starts here.
CALIPHATE_END_YEAR = 2019
#: The model choices each preset's verdict depends on (see the module docstring).
SENSITIVITY_AXES: dict[str, tuple[str, ...]] = {
    "shift-to-africa": ("ambiguous", "count"),
    "decentralization": ("ambiguous", "count"),
    "survival-after-leadership-losses": ("ambiguous", "count"),
    "provinces-autonomy": ("ambiguous", "count", "background"),
}
#: The values of each choice.
AXIS_VALUES: dict[str, tuple[str, ...]] = {
    "ambiguous": ("split", "full", "exclude"),
    "count": ("incidents", "reports"),
    "background": ("constant", "yearly"),
}


@dataclass
class CheckResult:
    """The outcome of one preset."""

    preset: str
    claim: str
    verdict: str
    reason: str
    figures: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    filters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (tables as lists of records)."""
        def rec(df: pd.DataFrame) -> Any:
            return df.astype(object).where(df.notna(), None).to_dict("records")

        return {"preset": self.preset, "claim": self.claim, "verdict": self.verdict,
                "reason": self.reason, "figures": self.figures, "filters": self.filters,
                "tables": {k: rec(v) for k, v in self.tables.items()}}

    def row(self) -> dict[str, Any]:
        """One flat row for a table of checks."""
        return {"preset": self.preset, "verdict": self.verdict, "reason": self.reason}


@dataclass(frozen=True)
class Preset:
    name: str
    claim: str
    claim_ar: str
    run: Callable[..., CheckResult]


def _coverage(frame: Frame) -> dict[str, Any]:
    """First and last event, distinct events and countries of the frame (computed once
    per frame and store contents: :func:`kharita.analysis.coverage.once_per_frame`)."""
    def compute() -> dict[str, Any]:
        r = frame.store.sql(coverage_sql(frame.sql)).iloc[0]
        countries = [str(c) for c in frame.store.sql(countries_sql(frame.sql)).country_iso3]
        return {"first_event": None if pd.isna(r["first"])
                else str(pd.Timestamp(r["first"]).date()),
                "last_event": None if pd.isna(r["last"])
                else str(pd.Timestamp(r["last"]).date()),
                "events": int(str(r["events"])), "countries": ",".join(countries)}

    return dict(once_per_frame(frame, "presets._coverage", compute))


def _shift_to_africa(frame: Frame, *, n_boot: int = 500, seed: int = 0,
                     variant: bool = False) -> CheckResult:
    """Claim: after the caliphate fell, the network's centre of gravity moved to Africa.

    Rule: not testable unless the store has the network's events both before 2019 and
    in or after 2020; **supported** when Africa's share of events in the last year
    exceeds the Middle East's and the first crossing year has a bootstrap interval
    that excludes "never"; **contradicted** when the Middle East's share exceeds
    Africa's in every year from 2020 on. Figures: shares per year, the crossing
    (events and fatalities, with intervals), the centre's latitude and longitude in
    the first and last year.
    """
    claim = "After 2019 the network's centre of gravity moved from Iraq and Syria to Africa."
    fr = frame
    cov = _coverage(fr)
    res = africa_crossing(fr, n_boot=n_boot, seed=seed)
    sh = res.shares
    sh = sh.assign(year=sh.period.dt.year)
    wide = sh.pivot_table(index="year", columns="region", values="events_share",
                          aggfunc="sum").fillna(0.0)
    for r in ("Africa", "Middle East"):
        if r not in wide.columns:
            wide[r] = 0.0
    figures: dict[str, Any] = {"coverage": cov, "crossing": res.to_dict()}
    figures["africa_share_by_year"] = {int(str(y)): round(float(v), 4)
                                       for y, v in wide["Africa"].items()}
    figures["middle_east_share_by_year"] = {int(str(y)): round(float(v), 4)
                                            for y, v in wide["Middle East"].items()}
    cent = geographic_centres(fr)
    if not cent.empty:
        figures["centre_first"] = {"year": int(cent.period.iloc[0].year),
                                   "lat": _r(cent.lat.iloc[0]), "lon": _r(cent.lon.iloc[0])}
        figures["centre_last"] = {"year": int(cent.period.iloc[-1].year),
                                  "lat": _r(cent.lat.iloc[-1]), "lon": _r(cent.lon.iloc[-1])}
    years = list(wide.index)
    tables = {"shares": wide.reset_index()}
    if not years or min(years) >= CALIPHATE_END_YEAR or max(years) <= CALIPHATE_END_YEAR:
        last = max(years) if years else None
        reason = (f"the store's network events run {cov['first_event']} to "
                  f"{cov['last_event']} (countries: {cov['countries'] or 'none'}); the claim "
                  f"needs events before {CALIPHATE_END_YEAR} and after it"
                  + (f" (last year with data: {last})" if last else "")
                  + f"; {res.coverage.get('reason', '')}")
        return CheckResult("shift-to-africa", claim, NOT_TESTABLE, reason, figures, tables,
                           res.filters)
    last = years[-1]
    af, me = float(wide.loc[last, "Africa"]), float(wide.loc[last, "Middle East"])
    after = wide[wide.index > CALIPHATE_END_YEAR]
    crossing = res.events
    caveat = (" Shares depend on which countries' data were ingested "
              f"(here: {cov['countries']}).")
    if af > me and crossing.first is not None and crossing.interval[1] is not None:
        reason = (f"Africa's share of the network's events rose to {af:.0%} in {last} "
                  f"against {me:.0%} for the Middle East; it first exceeded it in "
                  f"{crossing.first.year} (95% bootstrap interval "
                  f"{_y(crossing.interval[0])}-{_y(crossing.interval[1])}).") + caveat
        verdict = SUPPORTED
    elif len(after) and (after["Middle East"] >= after["Africa"]).all():
        reason = (f"in every year after {CALIPHATE_END_YEAR} the Middle East's share of "
                  f"events stayed at or above Africa's (last year {last}: {me:.0%} vs "
                  f"{af:.0%}).") + caveat
        verdict = CONTRADICTED
    else:
        reason = (f"mixed: in {last} Africa {af:.0%} vs Middle East {me:.0%}, and the "
                  "crossing is not stable under resampling.") + caveat
        verdict = NOT_TESTABLE
    return CheckResult("shift-to-africa", claim, verdict, reason, figures, tables, res.filters)


def _r(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 3)


def _y(x: pd.Timestamp | None) -> str:
    return "never" if x is None else str(x.year)


#: The last year of a decentralization comparison needs this many network events ...
MIN_YEAR_EVENTS = 50
#: ... and this share of the baseline year's (periods of similar size).
MIN_YEAR_SHARE = 0.1


def _decentralization(frame: Frame, *, n_boot: int = 500, seed: int = 0,
                      structure_dates: tuple[str, str] = ("2015-06-01", "2024-06-01"),
                      variant: bool = False) -> CheckResult:
    """Claim: the network turned from a centralised state into a decentralised network.

    Rule (events): compare the network's busiest year before 2019 (the caliphate at
    its height) with the latest comparable year after 2019 that has at least
    :data:`MIN_YEAR_EVENTS` events and :data:`MIN_YEAR_SHARE` of the baseline's (smaller
    later years are listed in ``figures["skipped_small_years"]``): the core's share
    (Iraq + Syria, with the predecessors) and the effective number of branches.
    **Supported** when the core's share fell and the effective number of branches
    (1/HHI) rose, both with non-overlapping 95% bootstrap intervals;
    **contradicted** when the core's share rose with non-overlapping intervals;
    otherwise not testable (the change is within the noise, or fewer than two years or
    branches). Only the comparable span is used
    (:func:`kharita.analysis.coverage.comparable`); not testable when it ends by 2019
    or when no year after 2019 is of similar size. Figures also report the KB's
    structural centralisation on two dates.
    """
    claim = ("After 2019 the network became decentralised: the core in Iraq and Syria "
             "lost weight and the provinces act on their own.")
    fr = frame
    cov = _coverage(fr)
    c = concentration(fr, n_boot=n_boot, seed=seed)
    figures: dict[str, Any] = {"coverage": cov}
    tables = {"concentration": c}
    from kharita.analysis.structure import compare_structure

    try:
        if not variant:  # the KB's structure does not depend on the data's choices
            cmp = compare_structure(fr.kb, *structure_dates, seeds=5).set_index("measure")
            figures["kb_structure"] = {
                m: {d: _num(cmp.loc[m, d]) for d in structure_dates}
                for m in ("nodes", "degree_centralization", "betweenness_centralization",
                          "hierarchy") if m in cmp.index}
    except KharitaError as exc:
        figures["kb_structure"] = str(exc)
    if len(c) < 2 or int(c.k.max()) < 2:
        return CheckResult("decentralization", claim, NOT_TESTABLE,
                           f"needs at least two years and two branches; the store has "
                           f"{len(c)} year(s) and {int(c.k.max()) if len(c) else 0} "
                           f"branch(es)", figures, tables, fr.filters.describe())
    c = c.assign(year=c.period.dt.year)
    early = c[c.year < CALIPHATE_END_YEAR]
    # baseline: the caliphate's busiest year (most network events before 2019)
    base = (early if len(early) else c).sort_values(["total", "year"]).iloc[-1]
    last = c.iloc[-1]
    if base.year == last.year:
        base = c.iloc[0]
    # the compared year: the latest comparable year after 2019 of a size similar to the
    # baseline's (a year of 4 events is no measure of 2017's 3,572)
    big = c[(c.year > CALIPHATE_END_YEAR) & (c.total >= MIN_YEAR_EVENTS)
            & (c.total >= MIN_YEAR_SHARE * base.total)]
    top = int(big.year.max()) if len(big) else 0
    skipped = [f"{y} ({t:g} events)" for y, t in zip(c.year.astype(int), c.total, strict=True)
               if y > CALIPHATE_END_YEAR and y > top]
    if len(big):
        last = big.iloc[-1]
    figures["baseline"] = _row(base)
    figures["last"] = _row(last)
    figures["skipped_small_years"] = skipped
    figures["comparable"] = c.attrs.get("coverage", {})
    span = figures["comparable"].get("reason", "")
    if last.year <= CALIPHATE_END_YEAR:
        return CheckResult("decentralization", claim, NOT_TESTABLE,
                           f"the comparable data end in {last.year} ({span}): the claim is "
                           f"about the network after {CALIPHATE_END_YEAR}", figures, tables,
                           fr.filters.describe())
    if last.total < MIN_YEAR_EVENTS or last.total < MIN_YEAR_SHARE * base.total:
        return CheckResult("decentralization", claim, NOT_TESTABLE,
                           f"{last.year} has {last.total:g} network events against "
                           f"{base.total:g} in {base.year}: too few to compare (need "
                           f"{MIN_YEAR_EVENTS} and {MIN_YEAR_SHARE:.0%} of the baseline)",
                           figures, tables, fr.filters.describe())
    fell = last.core_share_high < base.core_share_low
    rose = last.core_share_low > base.core_share_high
    more = last.n_eff_hhi_low > base.n_eff_hhi_high
    words = (f"core share {base.core_share:.0%} in {base.year} "
             f"[{base.core_share_low:.0%}-{base.core_share_high:.0%}] -> {last.core_share:.0%} in "
             f"{last.year} [{last.core_share_low:.0%}-{last.core_share_high:.0%}]; effective "
             f"branches {base.n_eff_hhi:.2f} -> {last.n_eff_hhi:.2f}")
    if fell and more:
        verdict, reason = SUPPORTED, words + " (both changes beyond the bootstrap intervals)."
    elif rose:
        verdict, reason = CONTRADICTED, words + " (the core gained weight)."
    else:
        verdict, reason = NOT_TESTABLE, words + " (the change is within the bootstrap noise)."
    return CheckResult("decentralization", claim, verdict, reason, figures, tables,
                       fr.filters.describe())


def _num(x: Any) -> Any:
    return float(x) if isinstance(x, int | float | np.number) else x


def _row(r: pd.Series) -> dict[str, Any]:
    keys = ("year", "total", "core_share", "core_share_low", "core_share_high", "hhi",
            "n_eff_hhi", "n_eff_hhi_low", "n_eff_hhi_high", "entropy_norm")
    return {k: (int(r[k]) if k == "year" else _r(r[k])) for k in keys}


#: A loss counts as a collapse if activity fell to less than this fraction (IRR).
COLLAPSE_IRR = 0.5


def _survival(frame: Frame, *, n_placebo: int = 99, seed: int = 0,
              variant: bool = False) -> CheckResult:
    """Claim: the network survived the loss of its leaders.

    Rule: run :func:`kharita.analysis.shocks.shocks` (both date conventions) and take
    the network rows that are testable. **Contradicted** when any of them shows a
    collapse: the upper end of the IRR's 95% interval below 0.5 (activity more than
    halved) and the placebo p-value at most 0.05; **supported** when none does and at
    least one loss is testable; otherwise not testable.
    """
    claim = "The network survived the loss of several leaders in a few years."
    fr = frame
    table = shocks(fr, n_placebo=n_placebo, seed=seed)
    net = table[(table.series == NETWORK) & table.irr.notna()]
    figures: dict[str, Any] = {"coverage": _coverage(fr),
                               "losses_in_kb": int(table[["leader_id", "kind", "date"]]
                                                   .drop_duplicates().shape[0]),
                               "testable": len(net)}
    tables = {"shocks": table}
    if net.empty:
        return CheckResult("survival-after-leadership-losses", claim, NOT_TESTABLE,
                           "no leadership loss has enough network events on both sides of "
                           f"its date in the store ({figures['coverage']['first_event']} to "
                           f"{figures['coverage']['last_event']})",
                           figures, tables, fr.filters.describe())
    lines = [f"{r.leader} ({r.kind} {r.date}): IRR {r.irr:.2f} "
             f"[{r.irr_low:.2f}-{r.irr_high:.2f}], placebo p {_p(r.placebo_p)}"
             for r in net.itertuples()]
    figures["network_irr"] = [{"leader": r.leader, "kind": r.kind, "date": r.date,
                               "irr": _r(r.irr), "irr_low": _r(r.irr_low),
                               "irr_high": _r(r.irr_high), "placebo_p": _r(r.placebo_p),
                               "note": r.note} for r in net.itertuples()]
    collapse = net[(net.irr_high < COLLAPSE_IRR) & (net.placebo_p.fillna(1) <= 0.05)]
    if len(collapse):
        return CheckResult("survival-after-leadership-losses", claim, CONTRADICTED,
                           "activity collapsed (more than halved, beyond placebo dates) "
                           "after: " + "; ".join(lines), figures, tables,
                           fr.filters.describe())
    return CheckResult("survival-after-leadership-losses", claim, SUPPORTED,
                       "no testable loss was followed by a collapse of activity (IRR "
                       "interval reaching 0.5 or above, or not unusual against placebo "
                       "dates): " + "; ".join(lines), figures, tables, fr.filters.describe())


def _p(x: Any) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


#: A branch whose events are "mostly its own" has at most this share triggered by others.
AUTONOMY_OTHER_SHARE = 0.2
#: The contagion fit of a ``provinces-autonomy`` re-run (:func:`_autonomy` with
#: ``variant``): one jitter seed, no bootstrap, only the estimates (``light``: the
#: verdict reads the shares, not the goodness of fit or the model comparison). A caller
#: that holds the events already can fit a re-run ahead with these settings (the brief
#: does, in its background contagion job:
#: :func:`kharita.analysis.contagion.analysis.contagion_job`); the re-run then finds it
#: in the process' fits.
REFIT: dict[str, Any] = {"jitter_seeds": 1, "bootstrap": 0, "light": True}


def _autonomy(frame: Frame, *, contagion: ContagionResult | None = None,
              background: str = "constant", variant: bool = False) -> CheckResult:
    """Claim: the provinces plan and act on their own.

    Rule: fit the contagion model (:func:`kharita.analysis.contagion.analysis.
    contagion_analysis`, multivariate Hawkes) and read, per branch, the expected share
    of its events triggered by other branches. **Supported** when that share is at
    most 0.2 for every branch; **contradicted** when it exceeds 0.2 for a majority of
    branches; otherwise (or when fewer than two branches have enough events) not
    testable. Timing independence is only one side of autonomy: the KB's sourced claims
    on finance and command are not tested here. ``contagion`` takes an already fitted
    :class:`~kharita.analysis.contagion.analysis.ContagionResult` for the same filters,
    so a caller that shows the model too (the brief) fits it once. A re-run
    (``variant``) fits only the estimates its verdict reads (:data:`REFIT`: no goodness
    of fit or model comparison).
    """
    claim = "The provinces plan, finance and fight largely on their own."
    fr = frame
    try:
        from kharita.analysis.contagion.analysis import contagion_analysis
    except ImportError as exc:  # the contagion module is optional
        return CheckResult("provinces-autonomy", claim, NOT_TESTABLE,
                           f"the contagion model is not available ({exc})", {}, {},
                           fr.filters.describe())
    f = fr.filters
    try:
        if contagion is not None and not variant:
            res = contagion
        elif variant:
            res = contagion_analysis(fr, background=background, **REFIT)
        else:
            res = contagion_analysis(fr, jitter_seeds=1, bootstrap=0, background=background)
    except (KharitaError, ValueError) as exc:
        return CheckResult("provinces-autonomy", claim, NOT_TESTABLE,
                           f"the contagion model could not be fitted: {exc}", {}, {},
                           f.describe())
    shares = res.fit.shares
    figures = {"summary": res.summary(),
               "other_share": {r.branch: _r(r.other) for r in shares.itertuples()}}
    if len(shares) < 2:
        return CheckResult("provinces-autonomy", claim, NOT_TESTABLE,
                           "fewer than two branches with enough events", figures,
                           {"shares": shares}, f.describe())
    high = shares[shares.other > AUTONOMY_OTHER_SHARE]
    words = ", ".join(f"{r.branch} {r.other:.0%}" for r in shares.itertuples())
    if high.empty:
        verdict, reason = SUPPORTED, (f"at most {AUTONOMY_OTHER_SHARE:.0%} of each branch's "
                                      f"events are attributed to other branches ({words})")
    elif len(high) > len(shares) / 2:
        verdict, reason = CONTRADICTED, ("most branches' events are substantially triggered "
                                         f"by other branches ({words})")
    else:
        verdict, reason = NOT_TESTABLE, f"mixed cross-branch triggering ({words})"
    return CheckResult("provinces-autonomy", claim, verdict, reason, figures,
                       {"shares": shares}, f.describe())


def _axis_value(frame: Frame, axis: str, options: dict[str, Any]) -> Any:
    if axis == "background":
        return options.get("background", "constant")
    return getattr(frame.filters, axis, None)


def _same_data(frame: Frame, axis: str) -> str:
    """Why every value of ``axis`` gives the frame's rows unchanged ("" when they may
    differ): no joint labels (the ambiguity rule changes nothing), no linked reports
    (incidents are reports)."""
    if axis == "ambiguous":
        n = frame.store.rows(split_rows_sql(frame.narrow(ambiguous="split").sql))[0][0]
        return "" if n else "same rows: no joint labels in the frame"
    if axis == "count":
        if not frame.store.has_table("incidents"):
            return "same rows: no incidents table (every report is its own incident)"
        n = frame.store.rows(incidents_rows_sql())[0][0]
        return "" if n else "same rows: no linked reports (every report is its own incident)"
    return ""


def robust(name: str, frame: Frame, run: Callable[..., CheckResult], *,
           sensitivity: bool = True, **options: Any) -> CheckResult:
    """Run one preset's rule with the frame's choices and, with ``sensitivity``, again
    with every other value of each choice it depends on (:data:`SENSITIVITY_AXES`); a
    verdict that changes across the runs is fragile and becomes "not testable" (module
    docstring). ``figures["sensitivity"]`` and ``tables["sensitivity"]`` list the runs,
    ``figures["robust"]`` says whether they agree, ``figures["axes_left_out"]`` the
    choices that could not be varied (a filter the frame does not have)."""
    from kharita.analysis.frame import FILTER_FIELDS

    main = run(frame, **options)
    if not sensitivity:
        return main
    given = {axis: _axis_value(frame, axis, options) for axis in SENSITIVITY_AXES[name]}
    rows: list[dict[str, Any]] = [{"axis": "as given", "value": ", ".join(
        f"{k}={v}" for k, v in given.items() if v is not None), "verdict": main.verdict,
        "reason": main.reason}]
    left_out: list[str] = []
    light = {k: v for k, v in options.items() if k != "contagion"}
    for axis in SENSITIVITY_AXES[name]:
        if axis != "background" and axis not in FILTER_FIELDS:
            left_out.append(f"{axis} ({' vs '.join(AXIS_VALUES[axis])}): the analysis frame "
                            "has no such filter in this version")
            continue
        same = _same_data(frame, axis)
        for value in AXIS_VALUES[axis]:
            if value == given[axis]:
                continue
            if same:
                rows.append({"axis": axis, "value": value, "verdict": main.verdict,
                             "reason": same})
                continue
            try:
                if axis == "background":
                    alt = run(frame, **{**light, "background": value}, variant=True)
                else:
                    alt = run(frame.narrow(**{axis: value}), **light, variant=True)
                verdict, reason = alt.verdict, alt.reason
            except KharitaError as exc:
                verdict, reason = NOT_TESTABLE, str(exc)
            rows.append({"axis": axis, "value": value, "verdict": verdict, "reason": reason})
    verdicts = {r["verdict"] for r in rows}
    main.figures["sensitivity"] = [{k: r[k] for k in ("axis", "value", "verdict")}
                                   for r in rows]
    main.figures["robust"] = len(verdicts) == 1
    main.figures["axes_left_out"] = left_out
    main.tables["sensitivity"] = pd.DataFrame(rows)
    if len(verdicts) > 1 and main.verdict != NOT_TESTABLE:
        flips = "; ".join(f"{r['axis']}={r['value']}: {r['verdict']}" for r in rows[1:]
                          if r["verdict"] != main.verdict)
        main.reason = (f"fragile (not robust): {main.verdict} with the choices as given "
                       f"({rows[0]['value']}), but {flips}. As given: {main.reason}")
        main.verdict = NOT_TESTABLE
    elif len(verdicts) > 1:
        flips = "; ".join(f"{r['axis']}={r['value']}: {r['verdict']}" for r in rows[1:]
                          if r["verdict"] != main.verdict)
        main.reason += f" (other choices differ: {flips}; not robust either way)"
    if left_out:
        main.reason += " Not varied: " + "; ".join(left_out) + "."
    return main


def shift_to_africa(frame: Frame, *, n_boot: int = 500, seed: int = 0,
                    sensitivity: bool = True) -> CheckResult:
    """The ``shift-to-africa`` rule (:func:`_shift_to_africa`) with its sensitivity to
    the ambiguity rule and the count (:func:`robust`)."""
    return robust("shift-to-africa", frame, _shift_to_africa, sensitivity=sensitivity,
                  n_boot=n_boot, seed=seed)


def decentralization_check(frame: Frame, *, n_boot: int = 500, seed: int = 0,
                           structure_dates: tuple[str, str] = ("2015-06-01", "2024-06-01"),
                           sensitivity: bool = True) -> CheckResult:
    """The ``decentralization`` rule (:func:`_decentralization`) with its sensitivity
    (:func:`robust`)."""
    return robust("decentralization", frame, _decentralization, sensitivity=sensitivity,
                  n_boot=n_boot, seed=seed, structure_dates=structure_dates)


def survival_check(frame: Frame, *, n_placebo: int = 99, seed: int = 0,
                   sensitivity: bool = True) -> CheckResult:
    """The ``survival-after-leadership-losses`` rule (:func:`_survival`) with its
    sensitivity (:func:`robust`)."""
    return robust("survival-after-leadership-losses", frame, _survival,
                  sensitivity=sensitivity, n_placebo=n_placebo, seed=seed)


def provinces_autonomy(frame: Frame, *, contagion: ContagionResult | None = None,
                       background: str = "constant", sensitivity: bool = True
                       ) -> CheckResult:
    """The ``provinces-autonomy`` rule (:func:`_autonomy`) with its sensitivity to the
    contagion background, the ambiguity rule and the count (:func:`robust`);
    ``contagion`` (a fit of the same frame with ``background``) is used for the run
    with the choices as given."""
    return robust("provinces-autonomy", frame, _autonomy, sensitivity=sensitivity,
                  contagion=contagion, background=background)


PRESETS: dict[str, Preset] = {
    "shift-to-africa": Preset(
        "shift-to-africa",
        "After 2019 the network's centre of gravity moved from Iraq and Syria to Africa.",
        "تحول التنظيم إلى شبكة من الخلايا المنتشرة في آسيا وإفريقيا", shift_to_africa),
    "decentralization": Preset(
        "decentralization",
        "The network turned from a centralised state into a decentralised network.",
        "من مركزية الدولة إلى شبكة لامركزية عابرة للحدود", decentralization_check),
    "survival-after-leadership-losses": Preset(
        "survival-after-leadership-losses",
        "The network survived the loss of several leaders in a few years.",
        "قدرة على البقاء رغم خسارة القادة", survival_check),
    "provinces-autonomy": Preset(
        "provinces-autonomy",
        "The provinces plan, finance and fight largely on their own.",
        "تتولى كل ولاية أو فرع اتخاذ قراراته الميدانية والمالية", provinces_autonomy),
}


def run_preset(frame: Frame, name: str, **options: Any) -> CheckResult:
    """Run one preset by name (see :data:`PRESETS`) on the frame; ``options`` are the
    preset's own parameters (``n_boot``, ``seed``, ...).

    Examples
    --------
    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 5_000, seed=1)
    >>> run_preset(build_frame(store), "shift-to-africa", n_boot=100).verdict
    'supported'
    """
    _check_names([name])
    return PRESETS[name].run(frame, **options)


def run_presets(frame: Frame, names: list[str] | None = None, *,
                progress: Any = None) -> list[CheckResult]:
    """Run several presets (default all) on one frame."""
    chosen = names or list(PRESETS)
    _check_names(chosen)
    out = []
    for i, n in enumerate(chosen, start=1):
        out.append(PRESETS[n].run(frame))
        if progress is not None:
            progress(i, len(chosen))
    return out


def _check_names(names: list[str]) -> None:
    for n in names:
        if n not in PRESETS:
            raise UserInputError(f"unknown preset {n!r}: choose one of {', '.join(PRESETS)}")
