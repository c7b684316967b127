"""Source coverage: what each ingested file covers, and the span over which figures
built from several files can be compared.

Definitions
-----------
A **pair** is one ingested file and one country (``ingest_file_id``, ``country_iso3``).
Its **span** is ``[first, last]``, the first and last event start dates of the file
(the data's own scope, the same for every country of the file: no file records its
declared scope yet). Events without an ingest record (hand-built stores) have kind
``unknown`` and an open span: they are never cut.

A file is a **sample** when it spreads few events over many countries: at least
:data:`SAMPLE_MIN_COUNTRIES` countries and fewer than :data:`SAMPLE_MAX_DENSITY` events
per country-year on average over the file's span (UCDP's 1,000-row GED 23.1 sample:
59 countries, 34 years, 0.5 events per country-year; a complete country extract has
tens to thousands). Otherwise it is **complete** (an extract that keeps every event it
selects). A sample's counts are not comparable with a complete extract's.

A comparison over time (trends, crossings, concentration, event studies) uses only the
**comparable pairs**: the complete pairs that carry the frame's rows (the sample pairs
only when there is no complete one), and only the periods every comparable pair
covers: a period ``[a, b]`` is covered by a span ``[f, l]`` when ``f <= a + tol`` and
``l >= b - tol`` with ``tol`` 10% of the period's length (a file ending on
2019-11-30 covers 2019; one ending 2018-12-25 does not cover 2019). Rows of other pairs
and of other periods are left out, and the output says which and why, instead of
reading the end of a file as a fall in activity (a *structural zero*).

References
----------
.. [1] Sundberg, R. & Melander, E. (2013). Introducing the UCDP Georeferenced Event
   Dataset. JPR 50(4) (GED versions and their scope); Raleigh, C. et al. (2010).
   Introducing ACLED. JPR 47(5) (country-by-country coverage start dates).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd

from kharita.store.sql import coverage as cov_sql
from kharita.store.sql.frame import stamp_sql
from kharita.store.sql.periods import check_freq

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame
    from kharita.store.base import Store

#: A file with at least this many countries ...
SAMPLE_MIN_COUNTRIES = 5
#: ... and fewer events per country-year than this is a sample.
SAMPLE_MAX_DENSITY = 5.0
#: Share of a period's length a span may miss at either end and still cover it.
PERIOD_TOLERANCE = 0.1
COMPLETE, SAMPLE, UNKNOWN = "complete", "sample", "unknown"
T = TypeVar("T")
NOT_TESTABLE = "not testable"

#: Columns of :func:`coverage`.
COVERAGE_COLUMNS: tuple[str, ...] = (
    "source", "source_version", "ingest_file_id", "file", "country_iso3", "first", "last",
    "n_events", "kind", "kind_rule")


def _store_of(obj: Store | Frame) -> Store:
    from kharita.analysis.frame import Frame

    return obj.store if isinstance(obj, Frame) else obj


def coverage(obj: Store | Frame) -> pd.DataFrame:
    """Source x file x country coverage: span, number of events, complete or sample.

    ``obj`` is a store or an analysis frame (then restricted to the frame's ``sources``
    and ``countries`` filters). See the module docstring for the definitions.

    Returns
    -------
    pandas.DataFrame[:data:`COVERAGE_COLUMNS`], one row per (file, country).

    Examples
    --------
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 500, seed=1)
    >>> c = coverage(store)
    >>> sorted(set(c.kind)), bool((c["first"] <= c["last"]).all())  # no ingest record
    (['unknown'], True)
    """
    store = _store_of(obj)
    df = _store_coverage(store)
    filters = getattr(obj, "filters", None)
    if filters is not None:
        if filters.sources:
            df = df[df.source.isin(filters.sources)]
        if filters.countries:
            df = df[df.country_iso3.isin(filters.countries)]
    return df.reset_index(drop=True)


def _store_coverage(store: Store) -> pd.DataFrame:
    """:func:`coverage` of the whole store, computed once per store contents
    (:func:`kharita.analysis.frame.store_cache`, keyed on
    :func:`kharita.store.sql.activity.coverage_stamp_sql`); a copy is returned."""
    from kharita.analysis.frame import store_cache
    from kharita.store.sql.activity import coverage_stamp_sql

    cache = store_cache(store, "coverage-table")
    stamp = tuple(store.rows(coverage_stamp_sql())[0])
    if cache.get("stamp") != stamp:
        cache["table"], cache["stamp"] = _compute_coverage(store), stamp
    table: pd.DataFrame = cache["table"]
    return table.copy()


def _compute_coverage(store: Store) -> pd.DataFrame:
    df = store.sql(cov_sql.coverage_sql())
    for c in ("first", "last", "file_first", "file_last"):
        df[c] = pd.to_datetime(df[c]).dt.date
    years = df.apply(lambda r: max((r.file_last - r.file_first).days / 365.25, 1.0),
                     axis=1) if len(df) else pd.Series(dtype=float)
    density = (df.file_events / (df.file_countries.clip(lower=1) * years)) if len(df) \
        else years
    is_sample = (df.file_countries >= SAMPLE_MIN_COUNTRIES) & (density < SAMPLE_MAX_DENSITY)
    # a file's scope is its whole span, in every country it holds (a country without
    # events early in a global file had none then); rows without an ingest record
    # (hand-built stores) have no known scope and are never cut
    known = df.file.notna()
    df["first"] = df["file_first"].where(known, dt.date.min)
    df["last"] = df["file_last"].where(known, dt.date.max)
    df["kind"] = [UNKNOWN if not k else SAMPLE if s else COMPLETE
                  for k, s in zip(known, is_sample, strict=True)]
    df["kind_rule"] = [
        (f"{int(n)} countr{'y' if int(n) == 1 else 'ies'}, {d:.2f} events per country-year"
         + (f" (< {SAMPLE_MAX_DENSITY:g}: a sample)" if s else ""))
        for n, d, s in zip(df.file_countries, density, is_sample, strict=True)]
    out = df[list(COVERAGE_COLUMNS)].reset_index(drop=True)
    out["n_events"] = out["n_events"].astype("int64")
    return out


def period_bounds(start: dt.date, end: dt.date, freq: str
                  ) -> list[tuple[dt.date, dt.date]]:
    """The periods (first and last day) that meet ``[start, end]``."""
    check_freq(freq)
    code = {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}[freq]
    return [(p.start_time.date(), p.end_time.date())
            for p in pd.period_range(start, end, freq=code)]


def covers(first: dt.date, last: dt.date, lo: dt.date, hi: dt.date,
           tolerance: float = PERIOD_TOLERANCE) -> bool:
    """Whether the span ``[first, last]`` covers ``[lo, hi]`` (up to ``tolerance`` of
    its length at either end).

    >>> d = dt.date
    >>> covers(d(2016, 1, 1), d(2019, 11, 30), d(2019, 1, 1), d(2019, 12, 31))
    True
    >>> covers(d(1989, 1, 1), d(2018, 12, 25), d(2019, 1, 1), d(2019, 12, 31))
    False
    """
    tol = dt.timedelta(days=tolerance * ((hi - lo).days + 1))
    return first <= lo + tol and last >= hi - tol


def _last(row: Any) -> Any:
    return row.last


def _first(row: Any) -> Any:
    return row.first


def file_name(path: Any) -> str:
    """An ingested file's name without its folders (never a local path in a label or a
    note), for ``/`` and ``\\`` paths alike.

    >>> file_name("C:\\data\\ged.csv"), file_name("/tmp/a/nga.csv"), file_name(None)
    ('ged.csv', 'nga.csv', '')
    """
    return str(path or "").replace("\\", "/").rsplit("/", 1)[-1]


def _label(row: Any) -> str:
    return f"{row.source} {file_name(row.file or row.ingest_file_id)} in {row.country_iso3 or '?'}"


@dataclass
class Comparable:
    """The comparable part of a frame (see the module docstring).

    ``frame`` is the input frame limited to the comparable pairs and periods (``None``
    when nothing is comparable); ``start``/``end`` the first day of the first kept
    period and the last day of the last; ``used`` and ``dropped`` describe the pairs;
    ``testable`` is False (with ``reason``) when fewer than ``min_periods`` periods are
    left.
    """

    frame: Frame | None
    start: dt.date | None
    end: dt.date | None
    freq: str
    used: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    testable: bool = True
    reason: str = ""

    def describe(self) -> dict[str, Any]:
        """JSON-ready statement for outputs (``df.attrs["coverage"]``)."""
        return {"start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None, "freq": self.freq,
                "used": self.used, "dropped": self.dropped, "testable": self.testable,
                "reason": self.reason}


#: Entries :func:`once_per_frame` keeps per store (the oldest is dropped first).
FRAME_CACHE_SIZE = 64


def once_per_frame(frame: Frame, what: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per open store, frame and store contents.

    Kept in the store's ``"frame-results"`` cache
    (:func:`kharita.analysis.frame.store_cache`), keyed like the other cached results:
    ``what``, the frame's base table (named after the KB version) and SQL text, and the
    store's row counts (:func:`kharita.store.sql.frame.stamp_sql`, the incidents
    included when the table exists, and
    :func:`kharita.store.sql.activity.coverage_stamp_sql`), so a write to the store
    computes it again. The brief's claims re-run several checks on the same frames
    (each robustness variant is one frame): their coverage queries run once per frame.
    ``what`` must name everything else the result depends on. The result is shared:
    callers must not modify it."""
    from kharita.analysis.frame import store_cache
    from kharita.store.sql.activity import coverage_stamp_sql

    store = frame.store
    cache = store_cache(store, "frame-results")
    key = repr((what, frame.base, frame.sql,
                tuple(store.rows(stamp_sql(store.has_table("incidents")))[0]),
                tuple(store.rows(coverage_stamp_sql())[0])))
    if key not in cache:
        if len(cache) >= FRAME_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = compute()
    result: T = cache[key]
    return result


def frame_pairs(frame: Frame) -> pd.DataFrame:
    """The frame's (branch, file, country) pairs with their weighted rows, joined to
    :func:`coverage` (computed once per frame and store contents,
    :func:`once_per_frame`; a copy is returned)."""
    def compute() -> pd.DataFrame:
        pairs = frame.store.sql(cov_sql.frame_pairs_sql(frame.sql))
        cov = coverage(frame.store)
        return pairs.merge(cov, on=["ingest_file_id", "country_iso3"], how="left")

    return once_per_frame(frame, "frame_pairs", compute).copy()


def choose_pairs(pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Complete pairs if there are any, else the sample pairs: (used, dropped)."""
    complete = pairs.kind.isin([COMPLETE, UNKNOWN])
    if complete.any():
        return pairs[complete], pairs[~complete]
    return pairs, pairs.iloc[0:0]


def comparable(frame: Frame, *, freq: str = "year", min_periods: int = 2) -> Comparable:
    """The frame limited to the pairs and periods that can be compared over time.

    See the module docstring. The returned frame keeps the input's filters; its base
    table holds only the comparable rows (a copy of the base restricted to them,
    :func:`restrict`; the input frame itself when every row of it is comparable).

    Examples
    --------
    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 2_000, seed=1)
    >>> c = comparable(build_frame(store))
    >>> c.testable, c.dropped
    (True, [])
    """
    check_freq(freq)
    pairs = frame_pairs(frame)
    if pairs.empty:
        return Comparable(None, None, None, freq, testable=False,
                          reason=f"{NOT_TESTABLE}: the frame has no events")
    per = (pairs.groupby(["ingest_file_id", "country_iso3"], as_index=False)
           .agg(n=("n", "sum"), source=("source", "first"), file=("file", "first"),
                first=("first", "first"), last=("last", "first"), kind=("kind", "first")))
    used, dropped = choose_pairs(per)
    notes = [f"{_label(r)}: {r.kind} ({r.n:g} rows left out)" for r in dropped.itertuples()]
    if (used.kind == SAMPLE).all():
        notes.append("only sample files: counts are a sample's, compare shares")
    lo, hi = max(used["first"]), min(used["last"])
    f = frame.filters
    lo = max(lo, f.start) if f.start else lo
    hi = min(hi, f.end) if f.end else hi
    if lo == dt.date.min or hi == dt.date.max:  # open spans: the frame's own dates
        dates = frame.store.sql(cov_sql.frame_dates_sql(frame.sql)).iloc[0]
        lo = pd.Timestamp(dates["first"]).date() if lo == dt.date.min else lo
        hi = pd.Timestamp(dates["last"]).date() if hi == dt.date.max else hi
        lo = dt.date(lo.year, 1, 1) if (used.kind == UNKNOWN).all() else lo
        hi = dt.date(hi.year, 12, 31) if (used.kind == UNKNOWN).all() else hi
    kept: list[tuple[dt.date, dt.date]] = []
    if lo <= hi:
        kept = [(a, b) for a, b in period_bounds(lo, hi, freq) if covers(lo, hi, a, b)]
    ends = sorted(used.itertuples(), key=_last)
    names = [f"{_label(r)} {r.first}..{r.last}" for r in used.itertuples()]
    if len(kept) < min_periods:
        why = (f"{NOT_TESTABLE}: the files that carry these events cover together "
               f"{len(kept)} whole {freq}(s) ({lo}..{hi}; need {min_periods}); "
               f"the first to end is {_label(ends[0])} on {ends[0].last}")
        return Comparable(None, None, None, freq, names, notes, False, why)
    start, end = kept[0][0], kept[-1][1]
    reason = f"comparable span {start}..{end} ({len(kept)} {freq}s)"
    if hi < end or hi < frame_last(pairs):
        reason += f"; cut where {_label(ends[0])} ends ({ends[0].last})"
    firsts = sorted(used.itertuples(), key=_first)
    if lo > min(pairs["first"]):
        reason += f"; starts when {_label(firsts[-1])} starts ({firsts[-1].first})"
    if dropped.empty and _within(frame, start, end):
        out = frame  # nothing to cut: no copy of the base table (issue 16)
    else:
        out = restrict(frame, used[["ingest_file_id", "country_iso3"]], start, end)
    return Comparable(out, start, end, freq, names, notes, True, reason)


def _within(frame: Frame, start: dt.date, end: dt.date) -> bool:
    """True when every row of ``frame`` lies in ``[start, end]``."""
    dates = frame.store.sql(cov_sql.frame_dates_sql(frame.sql)).iloc[0]
    if pd.isna(dates["first"]):
        return True
    return bool(pd.Timestamp(dates["first"]).date() >= start
                and pd.Timestamp(dates["last"]).date() <= end)



def comparable_once(frame: Frame, *, freq: str = "year", min_periods: int = 2) -> Comparable:
    """:func:`comparable`, computed once per frame, period
    length and store state (the brief and ``check`` ask for the same span several
    times: region shares, centres, the crossing, concentration)."""
    from kharita.analysis.frame import store_cache
    from kharita.store.sql.activity import coverage_stamp_sql

    cache = store_cache(frame.store, "comparable")
    key = repr((frame.base, frame.filters, freq, min_periods,
                tuple(frame.store.rows(coverage_stamp_sql())[0])))
    if key not in cache:
        cache[key] = comparable(frame, freq=freq, min_periods=min_periods)
    return cache[key]


def frame_last(pairs: pd.DataFrame) -> dt.date:
    return max(pairs["last"])


def restrict(frame: Frame, pairs: pd.DataFrame, start: dt.date | None,
             end: dt.date | None) -> Frame:
    """``frame`` with its base table limited to the (file, country) ``pairs`` and
    ``[start, end]`` (one temporary table per choice, kept while the store is open)."""
    from kharita.analysis.frame import store_cache

    pairs = pairs[list(cov_sql.PAIR_COLUMNS)].drop_duplicates().sort_values(
        list(cov_sql.PAIR_COLUMNS)).reset_index(drop=True)
    stamp = frame.store.rows(stamp_sql(frame.store.has_table("incidents")))[0]
    key = hashlib.sha1(repr((frame.base, stamp, start, end,
                             pairs.to_records(index=False).tolist())).encode()).hexdigest()[:12]
    name, pname = f"kh_cov_{key}", f"kh_cov_pairs_{key}"
    cache = store_cache(frame.store, "coverage")
    if cache.get(name) != stamp or not frame.store.has_table(name):
        frame.store.register(pname, pairs.astype("string"))
        frame.store.create_temp(name, cov_sql.restrict_base_sql(frame.base, pname, start,
                                                                end))
        cache[name] = stamp
    return frame.over(name)


def pair_weekly(frame: Frame) -> pd.DataFrame:
    """Weekly weighted events per branch and (file, country) pair, with the pair's
    coverage (:func:`coverage`) columns ``first``, ``last``, ``kind``, ``source``,
    ``file``."""
    wk = frame.store.sql(cov_sql.pair_weekly_sql(frame.sql))
    wk["week"] = pd.to_datetime(wk["week"])
    cov = coverage(frame.store)[["ingest_file_id", "country_iso3", "first", "last", "kind",
                                 "source", "file"]]
    return wk.merge(cov, on=["ingest_file_id", "country_iso3"], how="left")


def label_pairs(rows: Iterable[Any]) -> list[str]:
    """``"ucdp file.csv in SYR 2016-01-01..2019-11-30"`` for pair rows."""
    return [f"{_label(r)} {r.first}..{r.last}" for r in rows]


def covered_series(pairs: pd.DataFrame, date: object, window_weeks: int, min_weeks: int,
                   open_end: object | None = None) -> tuple[pd.Series | None, str]:
    """One branch's weekly series around ``date`` from the files that cover both sides.

    ``pairs`` holds the branch's rows of :func:`pair_weekly`. The pairs used are the
    branch's complete pairs (its sample pairs if it has no complete one) whose span
    reaches ``min_weeks`` weeks before and after ``date``; the series is their weekly
    sum over the weeks inside every used span (from the branch's first active week),
    zeros included there and nowhere else; placebo dates are drawn from it. A span with
    no ingest record (a hand-built store) has no known end: it ends at ``open_end``
    (the frame's last date; default the branch's last active week), as
    :func:`frame_coverage` ends such spans at the frame's own dates. Returns
    ``(None, reason)`` when no pair covers both sides, else ``(series, note)`` (the
    note says where it was cut).

    Examples
    --------
    >>> d = dt.date
    >>> wk = pd.DataFrame({"week": pd.date_range("2019-01-07", periods=47, freq="7D"),
    ...                    "n": 5.0, "ingest_file_id": "f", "country_iso3": "SYR",
    ...                    "first": d(2016, 1, 1), "last": d(2019, 11, 30),
    ...                    "kind": COMPLETE, "source": "ucdp", "file": "syria.csv"})
    >>> s, why = covered_series(wk, "2019-10-26", 52, 8)
    >>> s is None, why.startswith("not testable: no complete file covers 8 weeks before")
    (True, True)
    """
    day = pd.Timestamp(str(date)[:10])
    span = (pairs.drop_duplicates(["ingest_file_id", "country_iso3"])
            [["ingest_file_id", "country_iso3", "first", "last", "kind", "source", "file"]])
    used, _dropped = choose_pairs(span)
    need_lo = (day - pd.Timedelta(weeks=min_weeks)).date()
    need_hi = (day + pd.Timedelta(weeks=min_weeks)).date()
    ok = used[(used["first"] <= need_lo) & (used["last"] >= need_hi)]
    kind = "complete" if (used.kind == COMPLETE).any() else "sample"
    if ok.empty:
        ends = [f"{_label(r)} covers {r.first}..{r.last}" for r in used.itertuples()]
        return None, (f"{NOT_TESTABLE}: no {kind} file covers {min_weeks} weeks before "
                      f"and {min_weeks} weeks after the date ({'; '.join(ends)})")
    keys = set(zip(ok.ingest_file_id, ok.country_iso3, strict=True))
    rows = pairs[[k in keys for k in zip(pairs.ingest_file_id, pairs.country_iso3,
                                         strict=True)]]
    weekly = rows.groupby("week")["n"].sum().sort_index()
    first = pd.Timestamp(max(ok["first"]))
    open_span = min(ok["last"]) == dt.date.max
    if open_span:  # no known end: not zeros to the year 9999
        last = (pd.Timestamp(str(open_end)[:10]) if open_end is not None
                else weekly.index[-1] + pd.Timedelta(days=6))
    else:
        last = pd.Timestamp(min(ok["last"]))
    lo, hi = max(first, weekly.index[0]), last
    # whole weeks inside the span: a week starts on or after `first` minus 6 days ...
    start = lo - pd.Timedelta(days=lo.day_of_week)
    if start < first - pd.Timedelta(days=3):
        start += pd.Timedelta(days=7)
    weeks = pd.date_range(start, hi - pd.Timedelta(days=6), freq="7D")
    out = weekly.reindex(weeks, fill_value=0.0).astype(float)
    note = ""
    if last < day + pd.Timedelta(weeks=window_weeks):
        end_row = min(ok.itertuples(), key=_last)
        note = (f"series cut at {last.date()} where the frame's events end (no ingest "
                "record gives the data's end)" if open_span else
                f"series cut at {end_row.last} where {_label(end_row)} ends "
                f"(no zeros after it)")
    if (ok.kind == SAMPLE).all():
        note = "; ".join(x for x in (note, "only sample files") if x)
    return out, note


#: Views :func:`coverage_table` gives.
COVERAGE_VIEWS: tuple[str, ...] = ("file", "country")


def coverage_table(obj: Store | Frame, *, by: str = "file",
                   countries: Iterable[str] | None = None,
                   sources: Iterable[str] | None = None) -> pd.DataFrame:
    """:func:`coverage` for display: one row per file (``by="file"``: span, kind, number
    of countries and events, the countries) or per (file, country) (``by="country"``),
    optionally limited to ``countries`` (ISO3) and ``sources``.

    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 300, seed=1)
    >>> list(coverage_table(store).columns)[:4]
    ['source', 'source_version', 'file', 'kind']
    """
    from kharita.errors import UserInputError

    if by not in COVERAGE_VIEWS:
        raise UserInputError(f"by={by!r}: expected one of {', '.join(COVERAGE_VIEWS)}")
    cov = coverage(obj)
    if countries:
        cov = cov[cov.country_iso3.isin([c.upper() for c in countries])]
    if sources:
        cov = cov[cov.source.isin([s.lower() for s in sources])]
    cov = cov.assign(path=cov.file.fillna(""),
                     file=[file_name(f) if isinstance(f, str)
                           else "(no ingest record)" for f in cov.file])
    open_ = (cov["first"] == dt.date.min) | (cov["last"] == dt.date.max)
    cov = cov.assign(first=cov["first"].where(~open_, None),
                     last=cov["last"].where(~open_, None))
    if by == "country":
        return cov[["source", "source_version", "file", "country_iso3", "kind", "first",
                    "last", "n_events", "kind_rule", "path"]].reset_index(drop=True)
    rows = []
    for _key, g in cov.groupby(["ingest_file_id", "file"], sort=False, dropna=False):
        names = sorted(c for c in g.country_iso3 if c)
        rows.append({"source": g.source.iloc[0], "source_version": g.source_version.iloc[0],
                     "file": g.file.iloc[0], "kind": g.kind.iloc[0],
                     "first": g["first"].iloc[0], "last": g["last"].iloc[0],
                     "countries": len(names), "n_events": int(g.n_events.sum()),
                     "country_list": ",".join(names[:12]) + (" ..." if len(names) > 12 else ""),
                     "kind_rule": g.kind_rule.iloc[0], "path": g.path.iloc[0]})
    return pd.DataFrame(rows, columns=["source", "source_version", "file", "kind", "first",
                                       "last", "countries", "n_events", "country_list",
                                       "kind_rule", "path"])
