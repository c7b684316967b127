"""What a section is made of, and the brief's one data object.

:class:`BriefData` holds the brief's frame and computes every shared figure lazily,
once per brief build (``functools.cached_property``): the store info, activity, map
cells, the most active branches and their frame, the weekly series, the shock studies
and the contagion fit. Sections read it; none recomputes what another already asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pandas as pd

from kharita import views
from kharita.analysis.frame import Filters
from kharita.report import charts
from kharita.views import kb as kbviews
from kharita.views.periods import as_date, check_freq

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame
    from kharita.kb.knowledge import KnowledgeBase
    from kharita.store.base import Store


@dataclass
class Chart:
    """A plotly.js figure to draw, with a caption. ``kind="untestable"``: no chart but a
    panel saying why (``figure`` is then ``{"title", "reason"}``), never empty axes."""

    id: str
    figure: dict[str, Any]
    caption: str = ""
    kind: str = "plotly"


@dataclass
class Table:
    """A table to print (the DataFrame is shown as is; long tables are cut with a note)."""

    title: str
    df: pd.DataFrame
    caption: str = ""
    max_rows: int = 40
    rtl_columns: tuple[str, ...] = ()


@dataclass
class Section:
    """One rendered section of the brief (or of the workbench's overview)."""

    id: str
    title: str
    status: str = "ok"  # ok | unavailable | error
    intro: str = ""
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str = ""
    layout: str = "stack"  # stack | pair (charts side by side)


class Unavailable(Exception):
    """Raised by a section builder when the store cannot support the section at all
    (the section then shows this reason as a notice)."""


Builder = Callable[["BriefData"], Section]


@dataclass(frozen=True)
class SectionSpec:
    """A registered section: its id, title and builder (a function of :class:`BriefData`).

    ``prefetch`` (optional): called on the brief's data before any section is built, to
    start work that reads the store now and computes in a background thread, collected
    by the builder when its turn comes (the outlook's backtest runs beside the claims)."""

    id: str
    title: str
    builder: Builder
    prefetch: Callable[[BriefData], None] | None = None


class BriefData:
    """Everything the sections read, computed on first use and kept for the build.

    ``frame`` is the brief's analysis frame (its filters: the brief's period); the other
    arguments are the brief's options.
    """

    def __init__(self, frame: Frame, *, freq: str = "year",
                 compare_dates: tuple[str, str] | None = None, n_boot: int = 200,
                 n_placebo: int = 19, shock_branches: int = 4,
                 contagion_max_events: int = 20_000) -> None:
        self.frame = frame
        self.freq = check_freq(freq)
        self.compare_dates = compare_dates or kbviews.default_compare_dates()
        self.n_boot, self.n_placebo = n_boot, n_placebo
        self.shock_branches, self.contagion_max_events = shock_branches, contagion_max_events
        self.computed: list[str] = []  # names computed, in order (tests read it)
        self._jobs: dict[str, Any] = {}  # background jobs (futures) by name

    def in_background(self, name: str, job: Callable[[], Any]) -> None:
        """Run ``job`` (which must not touch the store: it has one connection) in a
        background thread; :meth:`collect` waits for its result."""
        from concurrent.futures import ThreadPoolExecutor

        if name in self.__dict__ or name in self._jobs:
            return
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"kharita-{name}")
        self._jobs[name] = pool.submit(job)
        pool.shutdown(wait=False)

    def collect(self, name: str) -> Any:
        """The result of the background job ``name`` (its error is raised here), or
        ``None`` when no such job was started."""
        job = self._jobs.pop(name, None)
        return None if job is None else job.result()

    def prime(self, name: str, value: Any) -> None:
        """Keep a figure another computation produced on the way (not computed again)."""
        if name not in self.__dict__:
            self.__dict__[name] = value

    def _note(self, name: str) -> None:
        self.computed.append(name)

    # -- the frame and what every section shares --------------------------------------
    @property
    def kb(self) -> KnowledgeBase:
        return self.frame.kb

    @property
    def store(self) -> Store:
        return self.frame.store

    @property
    def start(self) -> dt.date | None:
        return self.frame.filters.start

    @property
    def end(self) -> dt.date | None:
        return self.frame.filters.end

    @cached_property
    def info(self) -> views.StoreInfo:
        """What the whole store holds (not cut to the brief's period)."""
        self._note("info")
        return views.store_info(self.frame.with_filters(Filters()))

    @property
    def synthetic(self) -> bool:
        return self.info.synthetic

    @cached_property
    def names(self) -> dict[str, dict[str, str]]:
        return kbviews.display_names(self.kb)

    @cached_property
    def colors(self) -> dict[str, str]:
        return charts.colors_for(set(self.info.entities) | {
            e.id for e in self.kb.entities.values() if e.type in ("province", "organisation")})

    def label(self, text: str) -> str:
        """``text`` prefixed with the SYNTHETIC tag on a synthetic store."""
        return ("SYNTHETIC DATA. " if self.synthetic else "") + text

    def with_names(self, df: pd.DataFrame, col: str = "entity_id") -> pd.DataFrame:
        """``df`` with the branch's English and Arabic names after ``col``."""
        out = df.copy()
        pos = list(out.columns).index(col)
        out.insert(pos + 1, "branch", [self.names.get(e, {}).get("en", e) for e in out[col]])
        out.insert(pos + 2, "name_ar", [self.names.get(e, {}).get("ar", "") for e in out[col]])
        return out

    # -- figures -----------------------------------------------------------------------
    @cached_property
    def activity(self) -> pd.DataFrame:
        """Events and deaths per period (``freq``) and branch."""
        self._note("activity")
        return views.activity(self.frame, self.freq)

    @cached_property
    def yearly(self) -> pd.DataFrame:
        """Activity per year (the same table as :attr:`activity` when ``freq`` is year)."""
        if self.freq == "year":
            return self.activity
        self._note("yearly")
        return views.activity(self.frame, "year")

    @cached_property
    def totals(self) -> pd.DataFrame:
        """Events and deaths per branch over the brief's period."""
        return views.totals_by_branch(self.activity)

    @cached_property
    def cells(self) -> pd.DataFrame:
        """1-degree map cells per period and branch."""
        self._note("cells")
        return views.map_cells(self.frame, freq=self.freq, cell_deg=1.0)

    @cached_property
    def cells_all(self) -> pd.DataFrame:
        """2-degree map cells over the whole period."""
        self._note("cells_all")
        return views.map_cells(self.frame, freq=None, cell_deg=2.0)

    @cached_property
    def top_branches(self) -> list[str]:
        """The ``shock_branches`` most active branches (the leadership-shock studies)."""
        return [str(b) for b in self.totals["entity_id"].head(self.shock_branches)]

    @cached_property
    def top_frame(self) -> Frame:
        """The brief's frame cut to :attr:`top_branches`."""
        return self.frame.narrow(branches=self.top_branches or None)

    @cached_property
    def weekly(self) -> pd.DataFrame:
        from kharita.analysis.shocks import weekly_series

        self._note("weekly")
        return weekly_series(self.frame)

    @cached_property
    def shocks(self) -> pd.DataFrame:
        """Event studies of every leadership loss on :attr:`top_frame`."""
        from kharita.analysis.shocks import shocks

        self._note("shocks")
        return shocks(self.top_frame, date="both", n_placebo=self.n_placebo)

    @cached_property
    def contagion_start(self) -> dt.date | None:
        """First day of the most recent whole years holding at most
        ``contagion_max_events`` events (at least one year): the Hawkes fit's cost grows
        with the events."""
        per_year = (self.yearly.groupby("period")["events_raw"].sum()
                    .sort_index(ascending=False))
        first: dt.date | None = None
        total = 0
        for period, n in per_year.items():
            if first is not None and total + int(n) > self.contagion_max_events:
                break
            first = as_date(period)
            total += int(n)
        start = self.start
        if first is not None:
            start = max(start, first) if start else first
        return start

    @cached_property
    def contagion_frame(self) -> Frame:
        return self.frame.narrow(start=self.contagion_start)

    @cached_property
    def contagion(self) -> Any:
        """The brief's one contagion fit (shared by the claims table and its section); a
        fit that fails fails once (the error is kept and raised again)."""
        if "_contagion_error" in self.__dict__:
            raise self.__dict__["_contagion_error"]
        self._note("contagion")
        try:
            done = self.collect("contagion")
            return done if done is not None else self.contagion_job()()
        except Exception as exc:
            self.__dict__["_contagion_error"] = exc
            raise

    def contagion_job(self) -> Callable[[], Any]:
        """The contagion fit in two steps (:func:`kharita.analysis.contagion.contagion_job`):
        this call reads the events; the function returned fits without the store.

        Beside the brief's fit (constant background), in a second worker thread, the
        function also fits the claims' robustness re-runs on the same events (the other
        contagion backgrounds, with :data:`kharita.analysis.presets.REFIT`), and returns
        when both are done: the claims table then finds them in the process' fits
        instead of fitting them after the other checks (a failed re-run is left to the
        claims table, which reports it). The fits are independent (each seeds its own
        jitter), so running them side by side changes no figure."""
        from concurrent.futures import ThreadPoolExecutor

        from kharita.analysis.contagion.analysis import contagion_job
        from kharita.analysis.presets import AXIS_VALUES, REFIT

        fit = contagion_job(self.contagion_frame, jitter_seeds=1, background="constant")

        def job() -> Any:
            others = [b for b in AXIS_VALUES["background"] if b != "constant"]
            with ThreadPoolExecutor(max_workers=1,
                                    thread_name_prefix="kharita-contagion-refit") as pool:
                reruns = [pool.submit(fit, background=b, **REFIT) for b in others]
                main = fit()
                for rerun in reruns:
                    try:
                        rerun.result()
                    except Exception:  # the claims table fits it again and reports it
                        continue
            return main

        return job
