"""Activity: the network's events and fatalities by unit and period.

Definition: for a unit ``u`` (branch, region, country, admin1 area or PRIO-GRID
cell) and a period ``t`` (week, month, quarter, year),

    events(u, t)      = sum of w(e, b) over frame rows with unit u and date in t
    fatalities_x(u, t) = sum of w(e, b) * fatalities_x(e),  x in {best, low, high}
    events_raw(u, t)  = number of distinct events (unweighted)

where ``w`` is the attribution weight of the analysis frame
(:mod:`kharita.analysis.frame`; ``ambiguous="split"`` by default). Periods are named
by their first day; weeks start on Monday (ISO 8601)
(:func:`kharita.store.sql.periods.period_sql`).

Coverage (``coverage="comparable"``, the default). A unit's series is a trend only
where the files that carry it cover the period (:mod:`kharita.analysis.coverage`): per
unit, the (file, country) pairs holding its rows are chosen as in
:func:`kharita.analysis.coverage.choose_pairs` (the complete ones; the sample pairs only
when the unit has no complete one), the unit's **covered span** is
``[max first, min last]`` over the chosen pairs; a period that lies outside it is cut,
and one it meets only in part (less than 90% of the period covered: a file that ends
mid-year) is kept and listed as partial. Rows of other pairs (a global sample's few
events after a country file ended) and of cut periods are left out, so the end of a
file never reads as a fall to (near) zero; ``df.attrs["coverage"]`` says, per unit
that was cut, where and why (``cuts``), which periods are partial (``partial``), and
every unit's covered span (``spans``; :func:`uncovered` tells the periods outside it,
which tables leave empty rather than 0). Rows without an ingest record (hand-built
stores) have an open span and are never cut.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from kharita.errors import UserInputError
from kharita.store.sql.activity import (
    BY_COLUMNS,
    activity_sql,
    check_by,
)
from kharita.store.sql.periods import FREQS, check_freq

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame

__all__ = ["BY_COLUMNS", "COVERAGE_MODES", "FREQS", "activity"]

#: ``coverage`` values of :func:`activity`.
COVERAGE_MODES: tuple[str, ...] = ("comparable", "all")
_VALUES = ("events", "events_raw", "fatalities_best", "fatalities_low", "fatalities_high")
_PANDAS_PERIOD = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}


def activity(frame: Frame, *, by: str = "branch", freq: str = "year",
             coverage: str = "comparable") -> pd.DataFrame:
    """Events and fatalities of the network by unit and period.

    Parameters
    ----------
    frame : the analysis frame (:func:`kharita.analysis.frame.build_frame`); its
        filters (dates, branches, countries, sources, event types, minimum confidence,
        ambiguity rule) apply.
    by : ``"branch"`` (default), ``"region"``, ``"country"``, ``"admin1"``, ``"cell"``
        (PRIO-GRID) or ``"network"`` (one row per period).
    freq : ``"week"``, ``"month"``, ``"quarter"`` or ``"year"`` (default).
    coverage : ``"comparable"`` (default: each unit's series only where its files cover
        the period, see the module docstring) or ``"all"`` (every row).

    Returns
    -------
    pandas.DataFrame with columns ``period`` (first day), the unit column(s)
    (``entity_id``, ``region``, ``country_iso3`` [+ ``admin1``] or ``priogrid_gid``),
    ``events`` (weighted), ``events_raw`` (distinct events), ``fatalities_best``,
    ``fatalities_low``, ``fatalities_high`` (weighted). ``df.attrs["filters"]`` states
    the filters, including the ambiguity rule; ``df.attrs["coverage"]`` the coverage
    rule, the units that were cut (``cuts``: unit, covered span, the file that ends it,
    rows left out) and a one-line ``reason``.

    Examples
    --------
    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 5_000, seed=1)
    >>> frame = build_frame(store)
    >>> df = activity(frame, by="region", freq="year")
    >>> sorted(df.region.unique())
    ['Africa', 'Asia', 'Middle East']
    >>> int(df.events_raw.sum()) == 5_000
    True
    >>> late = activity(frame.narrow(start="2024", branches="ISWAP"))
    >>> late.period.dt.year.unique().tolist(), late.entity_id.unique().tolist()
    ([2024], ['is-west-africa'])

    References
    ----------
    .. [1] Tollefsen, A. F., Strand, H. & Buhaug, H. (2012). PRIO-GRID: A unified
       spatial data structure. Journal of Peace Research 49(2) (the cell ids).
    """
    cols = check_by(by)
    check_freq(freq)
    if coverage not in COVERAGE_MODES:
        raise UserInputError(f"coverage={coverage!r}: expected one of "
                             f"{', '.join(COVERAGE_MODES)}")
    cov: dict[str, Any] = {"mode": coverage, "cuts": [], "rows_left_out": 0.0,
                           "reason": "every row used (coverage='all')"}
    from kharita.analysis.coverage import coverage as store_coverage  # once per contents

    table = store_coverage(frame.store) if coverage == "comparable" else None
    if table is None or (table.kind == "unknown").all():
        df = frame.store.sql(activity_sql(frame.sql, by=by, freq=freq))
        if table is not None:
            cov["reason"] = "no ingest records: nothing to cut"
    else:
        # one file per (source, country): the pair follows from the frame's own columns;
        # otherwise (a country extract and a global sample of one source) join the events
        known = table[table.kind != "unknown"]
        one = not known.duplicated(["source", "country_iso3"]).any()
        pairs = frame.store.sql(activity_sql(frame.sql, by=by, freq=freq,
                                             pairs="source" if one else "file"))
        if one:
            ids = known[["source", "country_iso3", "ingest_file_id"]].rename(
                columns={"country_iso3": "pair_country"})
            pairs = pairs.merge(ids, on=["source", "pair_country"], how="left")
            pairs["ingest_file_id"] = pairs["ingest_file_id"].fillna("")
        df, cov = _cut(pairs, table, cols, freq)
    df["period"] = pd.to_datetime(df["period"])
    df["events_raw"] = df["events_raw"].astype("int64")
    df.attrs["filters"] = frame.filters.describe()
    df.attrs["by"], df.attrs["freq"] = by, freq
    df.attrs["coverage"] = cov
    return df


def _cut(pairs: pd.DataFrame, table: pd.DataFrame, cols: tuple[str, ...], freq: str
         ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-pair activity rows limited to each unit's chosen pairs and covered periods,
    summed over the pairs (see the module docstring)."""
    from kharita.analysis.coverage import COMPLETE, PERIOD_TOLERANCE, SAMPLE, UNKNOWN

    if pairs.empty:
        empty = pd.DataFrame(columns=["period", *cols, *_VALUES])
        return empty, {"mode": "comparable", "cuts": [], "partial": [], "rows_left_out": 0.0,
                       "only_sample": [], "reason": "no rows"}
    cov = table.rename(columns={"country_iso3": "pair_country"})
    rows = pairs.drop(columns=["source"], errors="ignore").merge(
        cov[["ingest_file_id", "pair_country", "source", "file", "first", "last", "kind"]],
        on=["ingest_file_id", "pair_country"], how="left")
    rows["kind"] = rows["kind"].fillna(UNKNOWN)
    known = rows["kind"] != UNKNOWN
    rows["first"] = pd.to_datetime(rows["first"].where(known)).fillna(pd.Timestamp.min)
    rows["last"] = pd.to_datetime(rows["last"].where(known)).fillna(pd.Timestamp.max)
    rows["_unit"] = (rows.groupby(list(cols), dropna=False, sort=False).ngroup()
                     if cols else 0)
    label = (rows.drop_duplicates("_unit").set_index("_unit")[list(cols)].astype("string")
             .fillna("").agg("|".join, axis=1) if cols else pd.Series({0: "network"}))
    complete = rows["kind"].isin([COMPLETE, UNKNOWN])
    rows["_used"] = complete | ~complete.groupby(rows["_unit"]).transform("any")
    used = rows[rows["_used"]]
    lo = used.groupby("_unit")["first"].max()
    hi = used.groupby("_unit")["last"].min()
    ulo = pd.to_datetime(rows["_unit"].map(lo))
    uhi = pd.to_datetime(rows["_unit"].map(hi))
    start = pd.to_datetime(rows["period"])
    after, before, end = cut_periods(start, freq, ulo, uhi)
    # a period one meets only in part is kept and listed as partial (less than 90% of it
    # covered)
    keep = rows["_used"] & ~after & ~before
    span_lo = pd.concat([start, ulo], axis=1).max(axis=1)
    span_hi = pd.concat([end, uhi], axis=1).min(axis=1)
    frac = ((span_hi - span_lo).dt.days + 1) / ((end - start).dt.days + 1)
    part = keep & (frac < 1 - PERIOD_TOLERANCE)
    partial = (rows[part].assign(covered=frac[part].round(2), _start=start[part])
               .drop_duplicates(["_unit", "_start"]).sort_values(["_unit", "_start"]))
    partial_list = [{"unit": label[u], "period": str(p.date()), "covered_share": float(c)}
                    for u, p, c in zip(partial["_unit"].head(50), partial["_start"].head(50),
                                       partial["covered"].head(50), strict=True)]
    cuts: list[dict[str, Any]] = []
    for u, g in rows[~keep].groupby("_unit", sort=True):
        spans = used[used["_unit"] == u].drop_duplicates(["ingest_file_id", "pair_country"])
        why = []
        if (g["_used"] & after[g.index]).any():
            e = spans.sort_values("last").iloc[0]
            why.append(f"cut after {e['last'].date()} where {e.source} {_name(e.file)} in "
                       f"{e.pair_country or '?'} ends (no zeros after it)")
        if (g["_used"] & before[g.index]).any():
            b = spans.sort_values("first").iloc[-1]
            why.append(f"starts {b['first'].date()} when {b.source} {_name(b.file)} in "
                       f"{b.pair_country or '?'} starts")
        other = g[~g["_used"]]
        if len(other):
            files = sorted({f"{r.source} {_name(r.file)} ({r.kind})"
                            for r in other.itertuples()})
            why.append(f"{float(other.events.sum()):g} weighted events of "
                       f"{', '.join(files)} left out (the unit has a complete file)")
        cuts.append({"unit": label[u], "covered_from": _d(lo.get(u)), "covered_to": _d(hi.get(u)),
                     "events_left_out": round(float(g.events.sum()), 3),
                     "why": "; ".join(why)})
    kept = rows[keep]
    out = (kept.groupby(["period", *cols], dropna=False, as_index=False)[list(_VALUES)].sum()
           if len(kept) else pd.DataFrame(columns=["period", *cols, *_VALUES]))
    out = out.sort_values(["period", *cols], na_position="last").reset_index(drop=True)
    only_sample = sorted({str(label[x]) for x in rows.loc[rows["_used"]
                                                          & (rows.kind == SAMPLE), "_unit"]})
    left = float(rows.loc[~keep, "events"].sum())
    reason = (f"{len(cuts)} unit(s) cut where their files' coverage ends, or rows of "
              f"sample files left out ({left:g} weighted events): "
              + "; ".join(f"{c['unit']}: {c['why']}" for c in cuts[:5])
              + (" ..." if len(cuts) > 5 else "")
              if cuts else "every unit's rows are inside its files' coverage")
    if len(partial):
        reason += (f"; {len(partial)} period(s) only partly covered (e.g. "
                   f"{partial_list[0]['unit']} {partial_list[0]['period']}: "
                   f"{partial_list[0]['covered_share']:.0%}): read their counts as partial")
    if only_sample:
        reason += (f"; only sample files for {', '.join(only_sample[:5])}"
                   f"{' ...' if len(only_sample) > 5 else ''}: counts are a sample's")
    unit_spans = [{"unit": str(label[u]), "covered_from": _d(lo.get(u)),
                   "covered_to": _d(hi.get(u))} for u in label.index]
    return out, {"mode": "comparable", "cuts": cuts, "partial": partial_list,
                 "rows_left_out": round(left, 3), "only_sample": only_sample,
                 "spans": unit_spans, "reason": reason}


def cut_periods(start: pd.Series, freq: str, lo: Any, hi: Any
                ) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Which periods (first days ``start``, of ``freq``) lie wholly after ``hi`` or
    wholly before ``lo`` (a unit's covered span; Series aligned with ``start`` or
    scalars): ``(after, before, end)``, ``end`` the periods' last days. A period cut
    either way has no data for the unit (never a zero); one that meets the span is
    kept.

    >>> s = pd.Series(pd.to_datetime(["2017-01-01", "2018-01-01", "2019-01-01"]))
    >>> a, b, _ = cut_periods(s, "year", pd.Timestamp("2017-06-01"), pd.Timestamp("2018-12-25"))
    >>> a.tolist(), b.tolist()
    ([False, False, True], [False, False, False])
    """
    uniq = pd.Series(pd.to_datetime(start.unique()))
    ends = uniq.dt.to_period(_PANDAS_PERIOD[freq]).dt.end_time.dt.normalize()
    end = start.map(dict(zip(uniq, ends, strict=True)))
    return start > hi, end < lo, end


def uncovered(act: pd.DataFrame, unit: str, starts: pd.Series) -> pd.Series:
    """For an :func:`activity` table, which periods (first days ``starts``) lie outside
    ``unit``'s covered span (``act.attrs["coverage"]["spans"]``): no file covers the
    unit there, so a table shows no value rather than 0. All ``False`` for a unit
    without a known span (no ingest record, or ``coverage="all"``)."""
    span = next((s for s in act.attrs.get("coverage", {}).get("spans", [])
                 if s["unit"] == unit), None)
    starts = pd.Series(pd.to_datetime(starts)).reset_index(drop=True)
    if span is None:
        return pd.Series(False, index=starts.index)
    lo = pd.Timestamp(span["covered_from"]) if span["covered_from"] else pd.Timestamp.min
    hi = pd.Timestamp(span["covered_to"]) if span["covered_to"] else pd.Timestamp.max
    after, before, _ = cut_periods(starts, act.attrs.get("freq", "year"), lo, hi)
    return after | before


def outside_existence(starts: pd.Series, freq: str, valid_from: Any, valid_to: Any
                      ) -> pd.Series:
    """Which periods (first days ``starts``, of ``freq``) lie wholly before a unit
    existed or wholly after it ended: ``valid_from`` is the earliest day its KB
    validity may begin and ``valid_to`` the latest it may end (the lenient reading of
    :meth:`kharita.kb.model.Validity.contains`; None: open), so a period it may have
    existed in is never among them.

    >>> s = pd.Series(pd.to_datetime(["2013-01-01", "2014-01-01", "2015-01-01"]))
    >>> import datetime as dt
    >>> outside_existence(s, "year", dt.date(2014, 6, 1), None).tolist()
    [True, False, False]
    """
    starts = pd.Series(pd.to_datetime(starts)).reset_index(drop=True)
    lo = pd.Timestamp(valid_from) if valid_from else pd.Timestamp.min
    hi = pd.Timestamp(valid_to) if valid_to else pd.Timestamp.max
    after, before, _ = cut_periods(starts, freq, lo, hi)
    return after | before


def _name(path: Any) -> str:
    from kharita.analysis.coverage import file_name

    return file_name(path) or "(no ingest record)"


def _d(x: Any) -> str | None:
    if x is None or pd.isna(x) or x in (pd.Timestamp.min, pd.Timestamp.max):
        return None
    return str(pd.Timestamp(x).date())
