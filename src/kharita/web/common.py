"""What every workbench page shares: the workbench state, the one query-to-filters
dependency, the page registry entry, and JSON/HTML helpers.

The store is opened read-only once; DuckDB connections are not safe for concurrent use,
so every read-model call runs under one lock (:meth:`Workbench.run`).
"""

from __future__ import annotations

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
from kharita.analysis.frame import AMBIGUOUS_MODES, Filters, build_frame
from kharita.report import brief as brief_mod
from kharita.report import charts
from kharita.report.assets import CHARTS_JS, CSS, CYTOSCAPE_JS, OUTLINES_JSON, PLOTLY_JS
from kharita.views import kb as kbviews

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame
    from kharita.kb.knowledge import KnowledgeBase
    from kharita.store.base import Store

TEMPLATES = pathlib.Path(__file__).resolve().parent / "templates"
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
        with self.lock:
            self.frame = build_frame(store, kb)
            self.info = views.store_info(self.frame)
            views.events.browse_table(self.frame)  # the events table's helper, built once
        self.names = kbviews.display_names(kb)
        self.colors = charts.colors_for(set(self.info.entities) | set(self.names))
        self.env = brief_mod.environment([TEMPLATES])
        self.pages: list[Page] = []
        self._overview: brief_mod.Brief | None = None

    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call a read-model function under the store lock."""
        with self.lock:
            return fn(*args, **kwargs)

    def frame_for(self, filters: Filters) -> Frame:
        """The whole-store frame with the request's filters."""
        return self.frame.with_filters(filters)

    def overview(self) -> brief_mod.Brief:
        """The brief on the whole store (built once)."""
        with self.lock:
            if self._overview is None:
                self._overview = brief_mod.build_brief(self.frame, command=self.command)
            return self._overview

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
) -> Filters:
    """The query parameters every figure accepts, as one validated
    :class:`~kharita.analysis.frame.Filters` (invalid values raise
    :class:`~kharita.errors.UserInputError`, which the app answers with 422)."""
    wb = workbench(request)
    return Filters.make(wb.kb, start=date_from, end=date_to, branches=branch,
                        countries=country, event_types=type_, sources=source,
                        min_confidence=min_confidence, ambiguous=ambiguous)


#: Handler parameters: the workbench state, and the request's filters.
WorkbenchDep = Annotated[Workbench, Depends(workbench)]
FiltersDep = Annotated[Filters, Depends(filters_from_query)]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (dates as ISO text, numpy scalars as Python, NaN as null)."""
    out: list[dict[str, Any]] = [
        {str(k): v for k, v in row.items()}
        for row in df.astype(object).where(df.notna(), None).to_dict(orient="records")]
    for row in out:
        for k, v in row.items():
            row[k] = jsonable(v)
    return out


def jsonable(v: Any) -> Any:
    """One value as JSON can carry it."""
    if v is None:
        return None
    if isinstance(v, (list, tuple)):
        return [jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): jsonable(x) for k, x in v.items()}
    if not isinstance(v, str) and pd.api.types.is_scalar(v) and pd.isna(v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v

