"""The count history a forecast starts from: one matrix of periods x units.

Definition. For units ``u`` (branches, countries or admin1 areas) and periods ``t`` of one
frequency, ``events[t, u]`` and ``fatalities[t, u]`` are the weighted counts of
:func:`kharita.analysis.activity.activity` (the frame's attribution weights; nothing is
re-counted here), on the full calendar of periods (a period without events is 0 only
inside the unit's observed span).

Coverage. ``end[u]`` is the index of the last period a unit is covered in, from
:func:`kharita.analysis.coverage.coverage`: the (file, country) pairs that carry the
unit's rows (:func:`~kharita.analysis.coverage.frame_pairs`; its complete pairs, the
sample pairs only when it has no complete one, :func:`~kharita.analysis.coverage.choose_pairs`)
and the last period that every one of them covers
(:func:`~kharita.analysis.coverage.covers`: a file ending 2018-12-25 does not cover
December 2018). A unit whose files end before the frame's last period is forecast from
its own end, with a note in ``notes[u]`` naming the file (a unit that only sample files
cover gets a note too: its counts are a sample's); pairs without an ingest record
(hand-built stores) never cut. Outside ``[start[u], end[u]]`` the unit has no data, never
zeros.

The KB as of an origin. ``known[u]`` is the first period in which the KB knows the unit
(a branch's validity start; for a group counted as a branch of its own, its affiliation
start; 0 for countries and areas), and ``dated`` lists the rows that count for the
network only through a dated affiliation (columns ``t``, ``u``, ``known``: period index
of the affiliation's start, or of the branch's validity start when later; ``weight``): a
group's events count only from the day the KB says it joined. Rows of the network's own
entities (provinces, predecessors) are never dated: an event attributed to them is the
network's at any date, so at country level a new province's events would have counted
for the network (its predecessor) at an earlier origin too. A backtest at origin ``o``
leaves out units with ``known[u] > o`` and, from its targets, rows with ``known > o``
(:mod:`.backtest`); the history before ``o`` holds no such rows, since the frame counts
an event only inside the validity of the facts that place it.

Attribution uncertainty. Frame rows with weight < 1 (ambiguous attributions: "X and/or
Y") are kept as ``ambiguous``: :meth:`History.resample` draws, for every such event, the
unit it belongs to with probability equal to its weights (and none with the remainder),
so forecasts made from several resampled histories carry the attribution uncertainty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kharita.analysis.activity import activity
from kharita.analysis.coverage import once_per_frame
from kharita.errors import UserInputError

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame

__all__ = ["LEVELS", "History", "history_from_counts", "history_from_frame"]

#: Unit levels and the :func:`activity` grouping each uses.
LEVELS: dict[str, str] = {"branch": "branch", "country": "country", "admin1": "admin1"}
_PANDAS_FREQ = {"week": "W-MON", "month": "MS", "quarter": "QS", "year": "YS"}


@dataclass
class History:
    """Counts per period (rows) and unit (columns), with each unit's observed span."""

    periods: pd.DatetimeIndex
    units: list[str]
    events: np.ndarray
    fatalities: np.ndarray
    freq: str = "month"
    start: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    end: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    notes: dict[str, str] = field(default_factory=dict)
    #: ambiguous frame rows: columns ``t`` (period index), ``u`` (unit index),
    #: ``event`` (event key), ``weight``, ``fatalities``.
    ambiguous: pd.DataFrame | None = None
    level: str = "branch"
    source: str = ""
    #: first period index the KB knows each unit in (see the module docstring)
    known: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: rows counted through a dated KB fact: columns ``t``, ``u``, ``known``, ``weight``
    dated: pd.DataFrame | None = None
    _draw_plan: tuple[Any, ...] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.events = np.array(self.events, dtype=np.float64)  # own, writable copy
        self.fatalities = np.array(self.fatalities, dtype=np.float64)
        T, U = self.events.shape
        if self.start.size == 0:
            self.start = np.zeros(U, dtype=np.int64)
        if self.end.size == 0:
            self.end = np.full(U, T - 1, dtype=np.int64)
        if self.known.size == 0:
            self.known = np.zeros(U, dtype=np.int64)

    def unknown_after(self, origin: int, rows: np.ndarray) -> np.ndarray:
        """Weighted counts ``(len(rows), U)`` at period indices ``rows`` of the rows the
        KB knows only after ``origin`` (to leave out of what is scored at ``origin``)."""
        out = np.zeros((len(rows), self.U))
        d = self.dated
        if d is None or d.empty:
            return out
        late = d[(d.known.to_numpy() > origin) & np.isin(d.t.to_numpy(), rows)]
        if late.empty:
            return out
        pos = {int(t): i for i, t in enumerate(rows)}
        np.add.at(out, (late.t.map(pos).to_numpy(), late.u.to_numpy()),
                  late.weight.to_numpy(dtype=float))
        return out

    @property
    def T(self) -> int:
        return int(self.events.shape[0])

    @property
    def U(self) -> int:
        return int(self.events.shape[1])

    def select(self, units: list[str]) -> History:
        """The same history for a subset of units (unknown ones are an error)."""
        missing = [u for u in units if u not in self.units]
        if missing:
            raise UserInputError(f"no history for {missing}; units with data: "
                                 f"{', '.join(self.units)}")
        idx = [self.units.index(u) for u in units]
        remap = {old: new for new, old in enumerate(idx)}
        amb = dated = None
        if self.ambiguous is not None:
            amb = self.ambiguous[self.ambiguous.u.isin(idx)].copy()
            amb["u"] = amb.u.map(remap)
        if self.dated is not None:
            dated = self.dated[self.dated.u.isin(idx)].copy()
            dated["u"] = dated.u.map(remap)
        return History(self.periods, list(units), self.events[:, idx],
                       self.fatalities[:, idx], self.freq, self.start[idx], self.end[idx],
                       {u: n for u, n in self.notes.items() if u in units}, amb,
                       self.level, self.source, self.known[idx], dated)

    def future_periods(self, origin: int, horizon: int) -> pd.DatetimeIndex:
        """The ``horizon`` period starts after period index ``origin``."""
        start = self.periods[origin]
        return pd.date_range(start, periods=horizon + 1, freq=_PANDAS_FREQ[self.freq])[1:]

    def resample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One draw of (events, fatalities) with every ambiguous event given to one unit
        (probability = its weight; to none with 1 - sum of its weights)."""
        if self.ambiguous is None or self.ambiguous.empty:
            return self.events, self.fatalities
        if self._draw_plan is None:
            a = self.ambiguous
            t, u = a.t.to_numpy(), a.u.to_numpy()
            w, f = a.weight.to_numpy(dtype=float), a.fatalities.to_numpy(dtype=float)
            keys, inv = np.unique(a.event.to_numpy(), return_inverse=True)
            cum = pd.Series(w).groupby(inv).cumsum().to_numpy()
            base_ev, base_fat = self.events.copy(), self.fatalities.copy()
            np.subtract.at(base_ev, (t, u), w)
            np.subtract.at(base_fat, (t, u), w * f)
            self._draw_plan = (t, u, w, f, inv, cum, keys.size, base_ev, base_fat)
        t, u, w, f, inv, cum, n_keys, base_ev, base_fat = self._draw_plan
        ev, fat = base_ev.copy(), base_fat.copy()
        # one uniform per event; rows of an event take consecutive slices of [0, 1)
        draw = rng.random(n_keys)[inv]
        chosen = (draw < cum) & (draw >= cum - w)
        np.add.at(ev, (t[chosen], u[chosen]), 1.0)
        np.add.at(fat, (t[chosen], u[chosen]), f[chosen])
        return np.clip(ev, 0, None), np.clip(fat, 0, None)


def history_from_counts(counts: np.ndarray, *, units: list[str] | None = None,
                        start: str = "2000-01-01", freq: str = "month",
                        fatalities: np.ndarray | None = None) -> History:
    """A history from a plain count matrix (periods x units), e.g. a simulated series.

    >>> h = history_from_counts(np.array([[1, 0], [2, 3]]), units=["a", "b"])
    >>> h.T, h.U, str(h.periods[-1].date())
    (2, 2, '2000-02-01')
    """
    y = np.asarray(counts, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, None]
    names = units or [f"u{i}" for i in range(y.shape[1])]
    periods = pd.date_range(start, periods=y.shape[0], freq=_PANDAS_FREQ[freq])
    fat = np.zeros_like(y) if fatalities is None else np.asarray(fatalities, dtype=float)
    return History(periods, names, y, fat, freq, source="counts")


def _unit_key(df: pd.DataFrame, level: str) -> pd.Series:
    if level == "branch":
        return df["entity_id"].astype(str)
    if level == "country":
        return df["country_iso3"].fillna("?").astype(str)
    return (df["country_iso3"].fillna("?").astype(str) + "/"
            + df["admin1"].fillna("?").astype(str))


def history_from_frame(frame: Frame, *, level: str = "branch", freq: str = "month",
                       units: list[str] | None = None, min_events: float = 1.0) -> History:
    """The history of the frame's units, from :func:`activity` (``by=level``).

    Branch level keeps operational branches only (the network profile's
    :meth:`~kharita.kb.network.NetworkProfile.is_branch`: not the organisation, its
    offices or predecessors). Units with fewer than ``min_events`` weighted events are
    dropped. See the module docstring for coverage and ambiguous attributions.
    """
    if level not in LEVELS:
        raise UserInputError(f"unknown level {level!r}; choose one of {', '.join(LEVELS)}")
    if freq not in _PANDAS_FREQ:
        raise UserInputError(f"unknown frequency {freq!r}; choose one of "
                             f"{', '.join(_PANDAS_FREQ)}")
    act = activity(frame, by=LEVELS[level], freq=freq)
    rows = _frame_rows(frame)
    if level == "branch":
        prof = frame.profile
        act = act[act.entity_id.map(prof.is_branch)]
        rows = rows[rows.entity_id.map(prof.is_branch).to_numpy(dtype=bool)]
    if act.empty:
        raise UserInputError("the frame has no events to forecast from")
    act = act.assign(unit=_unit_key(act, level))
    if units is not None:
        act = act[act.unit.isin(units)]
        if act.empty:
            raise UserInputError(f"no events for {', '.join(units)} in the frame")
    totals = act.groupby("unit").events.sum()
    keep = sorted(totals[totals >= min_events].index)
    act = act[act.unit.isin(keep)]
    periods = pd.date_range(act.period.min(), act.period.max(), freq=_PANDAS_FREQ[freq])
    ev = act.pivot_table(index="period", columns="unit", values="events", aggfunc="sum")
    fat = act.pivot_table(index="period", columns="unit", values="fatalities_best",
                          aggfunc="sum")
    ev = ev.reindex(index=periods, columns=keep).fillna(0.0)
    fat = fat.reindex(index=periods, columns=keep).fillna(0.0)
    rows = rows.assign(unit=_unit_key(rows, level), date=pd.to_datetime(rows["date"]))
    rows = rows[rows.unit.isin(keep)]
    first = act.groupby("unit").period.min()
    pos = {p: i for i, p in enumerate(periods)}
    start_idx = np.array([pos[first[u]] for u in keep], dtype=np.int64)
    end_idx, notes = _covered_ends(frame, level, freq, keep, periods, start_idx)
    known, dated = _kb_known(frame, level, freq, keep, periods, rows)
    amb = rows[rows.weight < 1]
    ambiguous = None
    if not amb.empty:
        t = amb.date.dt.to_period(_period_alias(freq)).dt.start_time
        ambiguous = pd.DataFrame({
            "t": t.map(pos).to_numpy(), "u": amb.unit.map(keep.index).to_numpy(),
            "event": amb.event_id.to_numpy(), "weight": amb.weight.to_numpy(),
            "fatalities": amb.fatalities_best.fillna(0).to_numpy()}).dropna()
        ambiguous = ambiguous.astype({"t": "int64", "u": "int64"})
    return History(periods, keep, ev.to_numpy(), fat.to_numpy(), freq, start_idx, end_idx,
                   notes, ambiguous, level, "frame", known, dated)


def _known_rows(frame: Frame) -> pd.DataFrame | None:
    """The rows of :func:`~kharita.store.sql.forecast.known_from_sql` for the frame's
    network members (``None`` when the KB dates none of them)."""
    from kharita.store.sql.forecast import known_from_sql

    members = members_known(frame)
    if members.known_from.isna().all():
        return None

    def query() -> pd.DataFrame:
        frame.store.register("kh_fc_members", members)
        try:
            return frame.store.sql(known_from_sql("kh_fc_members"))
        finally:
            frame.store.drop_temp("kh_fc_members")

    out: pd.DataFrame = once_per_frame(frame, "forecast known_from", query)
    return out


def _frame_rows(frame: Frame) -> pd.DataFrame:
    """The frame rows a history reads beyond :func:`activity`'s counts: the ambiguous
    ones and every row of an event the KB dates (:func:`_known_rows`), in the order of
    :meth:`~kharita.analysis.frame.Frame.df` - not the whole frame (a million rows
    fetched into pandas twice per outlook cost more than the forecast itself)."""
    from kharita.store.sql.forecast import rows_sql

    kr = _known_rows(frame)

    def query() -> pd.DataFrame:
        if kr is None or kr.empty:
            df = frame.store.sql(rows_sql(frame.sql))
        else:
            frame.store.register("kh_fc_known", kr[["event_id"]])
            try:
                df = frame.store.sql(rows_sql(frame.sql, "kh_fc_known"))
            finally:
                frame.store.drop_temp("kh_fc_known")
        df["date"] = pd.to_datetime(df["date"])
        return df

    out: pd.DataFrame = once_per_frame(frame, "forecast rows", query)
    return out


def _unit_pairs(frame: Frame, level: str, keep: list[str]) -> dict[str, pd.DataFrame]:
    """The (file, country) pairs with their coverage that carry each unit's rows."""
    from kharita.analysis.coverage import frame_pairs

    pairs = once_per_frame(frame, "forecast pairs", lambda: frame_pairs(frame))
    if level == "branch":
        pairs = pairs.assign(unit=pairs.entity_id.astype(str))
        return {str(u): g for u, g in pairs.groupby("unit") if u in keep}
    pairs = pairs[pairs.entity_id.map(frame.profile.is_branch)]
    out = {}
    for u in keep:
        iso = u.split("/", 1)[0]
        out[u] = pairs[pairs.country_iso3.fillna("").replace("", "?") == iso]
    return out


def _covered_ends(frame: Frame, level: str, freq: str, keep: list[str],
                  periods: pd.DatetimeIndex,
                  start_idx: np.ndarray) -> tuple[np.ndarray, dict[str, str]]:
    """Per unit: the last period every chosen (file, country) pair of the unit covers
    (:mod:`kharita.analysis.coverage`), and a note for a unit cut before the end."""
    import datetime as dt

    from kharita.analysis.coverage import SAMPLE, choose_pairs, covers, file_name, label_pairs

    by_unit = _unit_pairs(frame, level, keep)
    bounds = [(p.date(), (p + _OFFSET[freq]).date() - dt.timedelta(days=1))
              for p in periods]
    end_idx = np.full(len(keep), len(periods) - 1, dtype=np.int64)
    notes: dict[str, str] = {}
    for j, u in enumerate(keep):
        pairs = by_unit.get(u)
        if pairs is None or pairs.empty:
            continue
        per = pairs.drop_duplicates(["ingest_file_id", "country_iso3"])
        used, _ = choose_pairs(per)
        if len(used) and (used.kind == SAMPLE).all():
            files = sorted({file_name(f) for f in used["file"]})
            notes[u] = (f"only a sample file covers it ({', '.join(files)}): its counts "
                        "are the sample's, not every event, and so is its forecast")
        known = used[used["last"].notna() & (used["last"] != dt.date.max)]
        if known.empty:
            continue
        first, last = max(known["first"]), min(known["last"])
        i = len(periods) - 1
        while i > start_idx[j] and not covers(first, last, *bounds[i]):
            i -= 1
        end_idx[j] = i
        if i < len(periods) - 1:
            ends = known[known["last"] == last]
            early = (f"data end early: {'; '.join(label_pairs(ends.itertuples()))} "
                     f"(kharita.analysis.coverage); forecast from "
                     f"{periods[i].date()}, the last {freq} it covers")
            notes[u] = f"{notes[u]}; {early}" if u in notes else early
    return end_idx, notes


_OFFSET = {"week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1),
           "quarter": pd.DateOffset(months=3), "year": pd.DateOffset(years=1)}


def members_known(frame: Frame) -> pd.DataFrame:
    """Each network member, the branch it counts towards, and the first day the KB
    knows it as part of the network there (``known_from``): for an affiliated group
    (:data:`kharita.kb.network.AFFILIATE_TYPES`), the later of its affiliation's start
    and the branch's validity start; ``NaT`` for the network's own entities (provinces,
    offices, predecessors: an event attributed to them is the network's at any date)."""
    import datetime as dt

    from kharita.kb.network import AFFILIATE_TYPES
    from kharita.store.sql.forecast import KNOWN_COLUMNS

    kb = frame.kb

    def start_of(eid: str) -> dt.date | None:
        e = kb.entities.get(eid)
        return e.valid.from_.earliest if e is not None and e.valid.from_ else None

    rows = []
    for m in frame.profile.members:
        known = None
        if m.type in AFFILIATE_TYPES:
            dates = [d for d in (m.valid_from, start_of(m.branch_id)) if d is not None]
            known = max(dates) if dates else None
        rows.append((m.entity_id, m.branch_id, known))
    df = pd.DataFrame(rows, columns=list(KNOWN_COLUMNS))
    df["known_from"] = pd.to_datetime(df["known_from"])
    return df


def branch_known(frame: Frame, branch: str) -> Any:
    """The first day the KB knows ``branch``: its validity start, or for a group
    counted as a branch of its own, its earliest affiliation start (``None``: always)."""
    e = frame.kb.entities.get(branch)
    if e is not None and e.valid.from_:
        return e.valid.from_.earliest
    own = [m.valid_from for m in frame.profile.members if m.branch_id == branch]
    return min(own) if own and all(d is not None for d in own) else None  # type: ignore[type-var]


def _kb_known(frame: Frame, level: str, freq: str, keep: list[str],
              periods: pd.DatetimeIndex,
              rows: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame | None]:
    """``known`` per unit and the ``dated`` rows (see the module docstring)."""
    alias = _period_alias(freq)
    known = np.zeros(len(keep), dtype=np.int64)
    if level == "branch":
        for j, u in enumerate(keep):
            d = branch_known(frame, u)
            if d is not None:
                known[j] = int(periods.searchsorted(
                    pd.Timestamp(d).to_period(alias).start_time, side="left"))
    kr = _known_rows(frame)
    if kr is None or kr.empty:
        return known, None
    kr = kr.merge(rows[["event_id", "entity_id", "unit", "weight", "date"]],
                  on=["event_id", "entity_id"], how="inner")
    if kr.empty:
        return known, None
    pos = {p: i for i, p in enumerate(periods)}
    t = pd.to_datetime(kr["date"]).dt.to_period(alias).dt.start_time.map(pos)
    k = pd.to_datetime(kr["known_from"]).dt.to_period(alias).dt.start_time
    kidx = np.asarray(periods.searchsorted(k, side="left"), dtype=np.int64)
    dated = pd.DataFrame({"t": t.to_numpy(), "u": kr.unit.map(keep.index).to_numpy(),
                          "known": kidx, "weight": kr.weight.to_numpy(dtype=float)}).dropna()
    dated = dated.astype({"t": "int64", "u": "int64"})
    out = pd.DataFrame(dated.groupby(["t", "u", "known"], as_index=False)["weight"].sum())
    return known, out


def _period_alias(freq: str) -> str:
    return {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}[freq]
