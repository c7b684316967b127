"""The count history a forecast starts from: one matrix of periods x units.

Definition. For units ``u`` (branches, countries or admin1 areas) and periods ``t`` of one
frequency, ``events[t, u]`` and ``fatalities[t, u]`` are the weighted counts of
:func:`kharita.analysis.activity.activity` (the frame's attribution weights; nothing is
re-counted here), on the full calendar of periods (a period without events is 0 only
inside the unit's observed span).

Coverage. ``end[u]`` is the index of the last period a unit is observed in. Until
:mod:`kharita.analysis.coverage` exists, it is the last period of the last event of any
source reporting the unit (the last observed date per unit and source); a unit whose data
end before the frame's last period is forecast from its own end, with a note in
``notes[u]``. Outside ``[start[u], end[u]]`` the unit has no data, never zeros.

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
    _draw_plan: tuple[Any, ...] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.events = np.array(self.events, dtype=np.float64)  # own, writable copy
        self.fatalities = np.array(self.fatalities, dtype=np.float64)
        T, U = self.events.shape
        if self.start.size == 0:
            self.start = np.zeros(U, dtype=np.int64)
        if self.end.size == 0:
            self.end = np.full(U, T - 1, dtype=np.int64)

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
        amb = None
        if self.ambiguous is not None:
            amb = self.ambiguous[self.ambiguous.u.isin(idx)].copy()
            amb["u"] = amb.u.map({old: new for new, old in enumerate(idx)})
        return History(self.periods, list(units), self.events[:, idx],
                       self.fatalities[:, idx], self.freq, self.start[idx], self.end[idx],
                       {u: n for u, n in self.notes.items() if u in units}, amb,
                       self.level, self.source)

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
    rows = frame.df()
    if level == "branch":
        prof = frame.profile
        act = act[act.entity_id.map(prof.is_branch)]
        rows = rows[rows.entity_id.map(prof.is_branch)]
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
    # observed span per unit: first event, and last event of any source reporting it
    rows = rows.assign(unit=_unit_key(rows, level), date=pd.to_datetime(rows["date"]))
    rows = rows[rows.unit.isin(keep)]
    src_end = rows.groupby("source").date.max()
    unit_src = rows.groupby(["unit", "source"]).date.max().reset_index()
    unit_src["source_end"] = unit_src.source.map(src_end)
    last_seen = unit_src.groupby("unit").date.max()
    first = act.groupby("unit").period.min()
    pos = {p: i for i, p in enumerate(periods)}
    start_idx = np.array([pos[first[u]] for u in keep], dtype=np.int64)
    end_idx = np.empty(len(keep), dtype=np.int64)
    notes: dict[str, str] = {}
    last_period = periods[-1]
    for j, u in enumerate(keep):
        seen = last_seen.get(u, last_period)
        i = int(periods.searchsorted(seen, side="right") - 1)
        end_idx[j] = max(i, start_idx[j])
        if end_idx[j] < len(periods) - 1:
            notes[u] = (f"data end early: last observed {pd.Timestamp(seen).date()} "
                        f"(last event of its sources; kharita.analysis.coverage not used); "
                        f"forecast from {periods[end_idx[j]].date()}")
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
                   notes, ambiguous, level, "frame")


def _period_alias(freq: str) -> str:
    return {"week": "W-SUN", "month": "M", "quarter": "Q", "year": "Y"}[freq]
