"""What every workbench page shares: the workbench state, the one query-to-filters
dependency, the page registry entry, and JSON/HTML helpers.

The store is opened read-only once. A DuckDB connection is not safe for concurrent use:
on a *shared* store (the snapshot ``kharita serve`` reads, opened with
``open_store(..., shared=True)``) every thread queries through its own cursor of one
database instance, so read-model calls run in parallel; on any other store they run
under one lock (:meth:`Workbench.run`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import pathlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import pandas as pd
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from kharita import views
from kharita.analysis.frame import (
    AMBIGUOUS_MODES,
    COUNT_MODES,
    DEFAULT_COUNT,
    Filters,
    build_frame,
)
from kharita.report import brief as brief_mod
from kharita.report import charts
from kharita.report.assets import CHARTS_JS, CSS, CYTOSCAPE_JS, OUTLINES_JSON, PLOTLY_JS
from kharita.views import kb as kbviews

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame
    from kharita.kb.knowledge import KnowledgeBase
    from kharita.store.base import Store

TEMPLATES = pathlib.Path(__file__).resolve().parent / "templates"
#: Overview sections built last, in this order: event studies with placebos, the Hawkes
#: fit (numba compiles it on first use), the seed-analysis checks (which reuse both) and
#: the forecast backtests take seconds to minutes on a large store; the others appear
#: within a second or two.
DEFERRED_SECTIONS: tuple[str, ...] = ("shocks", "contagion", "claims", "outlook")
APP_JS = "kharita-app.js"
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """A workbench page: navigation key and label, its path, and its router (the HTML
    page and the JSON API behind it)."""

    key: str
    label: str
    path: str
    router: APIRouter
    in_nav: bool = True


class Workbench:
    """State shared by the handlers: the read-only store, the KB, the whole-store frame,
    its store info, and the overview (the brief on the same store, built on first use)."""

    def __init__(self, store: Store, kb: KnowledgeBase, *, command: str = "") -> None:
        self.store = store
        self.kb = kb
        self.command = command or f"kharita serve --store {pathlib.Path(store.location).name}"
        self.lock = threading.RLock()
        #: True when read-model calls may run in parallel (a shared store).
        self.parallel = bool(getattr(store, "shared", False))
        with self.lock:
            self.frame = build_frame(store, kb)
            self.info = views.store_info(self.frame)
            views.events.browse_table(self.frame)  # the events table's helper, built once
        self.names = kbviews.display_names(kb)
        self.colors = charts.colors_for(set(self.info.entities) | set(self.names))
        self.env = brief_mod.environment([TEMPLATES])
        self.pages: list[Page] = []
        self._overview: brief_mod.Brief | None = None
        self._sections: dict[str, Any] = {}  # the overview's sections built so far, by id
        self._overview_lock = threading.Lock()
        self._overview_thread: threading.Thread | None = None

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a read-model function: directly on a shared store (each thread reads
        through its own cursor), else under the store lock."""
        if self.parallel:
            return fn(*args, **kwargs)
        with self.lock:
            return fn(*args, **kwargs)

    def frame_for(self, filters: Filters) -> Frame:
        """The whole-store frame with the request's filters."""
        return self.frame.with_filters(filters)

    def overview(self) -> brief_mod.Brief:
        """The brief on the whole store (built once; waits for the build)."""
        if self._overview is None:
            self.start_overview()
            assert self._overview_thread is not None
            self._overview_thread.join()
        if self._overview is None:  # the build failed: build here, to raise its error
            with self._overview_lock:
                self._build_overview()
        assert self._overview is not None
        return self._overview

    def start_overview(self) -> None:
        """Build the overview in a background thread (once); pages stay responsive and
        :meth:`overview_sections` hands out each section as soon as it is built."""
        with self.lock:
            if self._overview_thread is None:
                self._overview_thread = threading.Thread(target=self._build_overview_safely,
                                                         name="kharita-overview", daemon=True)
                self._overview_thread.start()

    def _build_overview_safely(self) -> None:
        with self._overview_lock:
            try:
                self._build_overview()
            except Exception:  # overview() builds again and raises the error
                return

    def _build_overview(self) -> None:
        """Build every section on the overview's own connection (so the other pages
        never wait for it), cheap sections first (:data:`DEFERRED_SECTIONS` last)."""
        if self._overview is not None:
            return
        from kharita.report.sections import SECTIONS, BriefData, run_section

        store, own = self._overview_store()
        guard = contextlib.nullcontext() if own or self.parallel else self.lock
        with guard:
            frame = self.frame if not own else build_frame(store, self.kb)
            data = BriefData(frame)
            order = sorted(SECTIONS, key=lambda sp: (DEFERRED_SECTIONS.index(sp.id) + 1
                                                     if sp.id in DEFERRED_SECTIONS else 0))
            try:
                for sp in order:
                    self._sections[sp.id] = run_section(sp, data)
                meta = brief_mod.build_brief(frame, command=self.command, specs=[])
                self._overview = dataclasses.replace(
                    meta, sections=[self._sections[sp.id] for sp in SECTIONS])
            finally:
                if own:
                    store.close()

    def _overview_store(self) -> tuple[Store, bool]:
        """A second read-only connection to a DuckDB file (True), else the workbench's
        store (False: the sections then run under the lock, unless the store is shared,
        where they read through the overview thread's own cursor)."""
        from kharita.store.base import open_store

        if self.parallel:
            return self.store, False
        loc = pathlib.Path(str(self.store.location))
        if self.store.engine == "duckdb" and loc.is_file():
            return open_store(loc, read_only=True, create=False), True
        return self.store, False

    def overview_sections(self) -> tuple[list[tuple[str, str]], dict[str, Any]]:
        """The overview's sections in order (id, title), and those built so far."""
        from kharita.report.sections import SECTIONS

        self.start_overview()
        return [(sp.id, sp.title) for sp in SECTIONS], dict(self._sections)

    @cached_property
    def options(self) -> dict[str, Any]:
        """The filter controls' choices (branches, types, sources, dates, colours)."""
        i = self.info
        return {"branches": [{"id": e, "name": self.names.get(e, {}).get("en", e)}
                             for e in i.entities],
                "types": i.event_types, "sources": i.source_names,
                "date_min": str(i.date_min or ""), "date_max": str(i.date_max or ""),
                "colors": self.colors, "synthetic": i.synthetic}

    def render(self, template: str, active: str, title: str,
               data: dict[str, Any] | None = None, **ctx: Any) -> HTMLResponse:
        """An HTML page of the workbench (navigation from the page registry)."""
        html = self.env.get_template(template).render(
            title=title, active=active, synthetic=self.info.synthetic, info=self.info,
            kb_version=self.kb.version, page_data=data or {},
            nav=[(p.key, p.label, p.path) for p in self.pages if p.in_nav],
            static={"plotly": PLOTLY_JS, "cytoscape": CYTOSCAPE_JS, "css": CSS,
                    "charts": CHARTS_JS, "app": APP_JS, "outlines": OUTLINES_JSON},
            **ctx)
        return HTMLResponse(html)


def workbench(request: Request) -> Workbench:
    """The app's :class:`Workbench` (a FastAPI dependency)."""
    wb: Workbench = request.app.state.workbench
    return wb


def filters_from_query(
    request: Request,
    date_from: Annotated[str | None, Query(
        alias="from", description="First event date (YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
    date_to: Annotated[str | None, Query(
        alias="to", description="Last event date (YYYY, YYYY-MM or YYYY-MM-DD).")] = None,
    branch: Annotated[list[str] | None, Query(
        description="Branch (KB id or name, e.g. is-iraq or ISWAP); repeat for several.")]
    = None,
    country: Annotated[list[str] | None, Query(
        description="Country (ISO3 code or name); repeatable.")] = None,
    type_: Annotated[list[str] | None, Query(
        alias="type", description="Event type; repeatable.")] = None,
    source: Annotated[list[str] | None, Query(description="Dataset source; repeatable.")]
    = None,
    min_confidence: Annotated[float, Query(
        description="Minimum attribution confidence (0-1).")] = 0.0,
    ambiguous: Annotated[str, Query(
        description="Ambiguous attributions: " + ", ".join(AMBIGUOUS_MODES) + ".")]
    = "split",
    admin1: Annotated[list[str] | None, Query(
        description="First-level division (province, state), any case, with or without its "
                    "type word (Aleppo = Aleppo Governorate); "
                    "repeatable.")] = None,
    actor: Annotated[str | None, Query(
        description="Text an actor name contains (any case).")] = None,
    min_fatalities: Annotated[int | None, Query(
        description="At least this many fatalities (best estimate).")] = None,
    max_fatalities: Annotated[int | None, Query(
        description="At most this many fatalities (best estimate).")] = None,
    count: Annotated[str, Query(
        description="What one event is: " + ", ".join(COUNT_MODES) + " (incidents: each "
                    "incident once, however many sources report it).")] = DEFAULT_COUNT,
) -> Filters:
    """The query parameters every figure accepts, as one validated
    :class:`~kharita.analysis.frame.Filters` (invalid values raise
    :class:`~kharita.errors.UserInputError`, which the app answers with 422)."""
    wb = workbench(request)
    return Filters.make(wb.kb, start=date_from, end=date_to, branches=branch,
                        countries=country, event_types=type_, sources=source,
                        min_confidence=min_confidence, ambiguous=ambiguous, admin1=admin1,
                        actor=actor, min_fatalities=min_fatalities,
                        max_fatalities=max_fatalities, count=count)


#: Handler parameters: the workbench state, and the request's filters.
WorkbenchDep = Annotated[Workbench, Depends(workbench)]
FiltersDep = Annotated[Filters, Depends(filters_from_query)]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (dates as ISO text, numpy scalars as Python, NaN as null).

    One pass over the rows' values (no whole-frame ``astype(object)``/``where`` copies:
    those cost milliseconds even for a 50-row page)."""
    names = [str(c) for c in df.columns]
    return [dict(zip(names, [jsonable(v) for v in row], strict=True))
            for row in df.itertuples(index=False, name=None)]


def jsonable(v: Any) -> Any:
    """One value as JSON can carry it."""
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, float):  # numpy's float64 too: as a Python float
        return None if v != v else float(v)
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if not isinstance(v, str) and pd.api.types.is_scalar(v) and pd.isna(v):
        return None
    if isinstance(v, pd.Timestamp) and v.tz is None and v == v.normalize():
        # a DATE column reaches pandas as a midnight timestamp: shown as the date it is,
        # as the command line's tables do
        return v.date().isoformat()
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v

