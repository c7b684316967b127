"""The local, read-only web workbench (FastAPI): pages and the JSON API behind them.

Every handler parses its parameters, calls ONE library function
(:mod:`kharita.report.queries`, :mod:`kharita.report.kbviews`,
:mod:`kharita.report.brief`) and renders. Nothing is fetched from other hosts: the
JS, CSS and map outlines are served from ``/static`` and the Content-Security-Policy
forbids every other origin.

The store is opened read-only once; DuckDB connections are not safe for concurrent
use, so queries run one at a time under a lock (they take milliseconds).
"""

from __future__ import annotations

import datetime as dt
import pathlib
import threading
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import pandas as pd
from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from markupsafe import Markup

from kharita.errors import KharitaError
from kharita.report import brief as brief_mod
from kharita.report import charts, kbviews, queries
from kharita.report.assets import CHARTS_JS, CSS, CYTOSCAPE_JS, OUTLINES_JSON, PLOTLY_JS
from kharita.store.duckdb import connect

STATIC = pathlib.Path(__file__).resolve().parent / "static"
TEMPLATES = pathlib.Path(__file__).resolve().parent / "templates"
APP_JS = "kharita-app.js"

#: Content-Security-Policy: nothing from other hosts; no inline scripts (data blocks of
#: type application/json are not executed); plotly.js needs inline styles.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

Freq = Annotated[str, Query(pattern="^(year|quarter|month)$",
                            description="Period length: year, quarter or month.")]
Branches = Annotated[list[str] | None, Query(
    alias="branch", description="Branch (KB entity id); repeat for several.")]
Types = Annotated[list[str] | None, Query(alias="type", description="Event type; repeatable.")]
Sources = Annotated[list[str] | None, Query(alias="source",
                                            description="Dataset source; repeatable.")]
MinConf = Annotated[float, Query(ge=0.0, le=1.0, description="Minimum attribution confidence.")]
Start = Annotated[dt.date | None, Query(alias="from", description="First date (YYYY-MM-DD).")]
End = Annotated[dt.date | None, Query(alias="to", description="Last date (YYYY-MM-DD).")]


class Workbench:
    """State shared by the handlers: the store connection, the KB, cached views."""

    def __init__(self, store: pathlib.Path, kb: Any) -> None:
        self.store = store
        self.kb = kb
        self.con = connect(store, read_only=True)
        self.lock = threading.Lock()
        with self.lock:
            queries.prepare(self.con, kb)
            queries.prepare_browse(self.con, kb)
            self.info = queries.store_info(self.con, kb)
        self.names = kbviews.display_names(kb)
        self.colors = charts.colors_for(set(self.info.entities) | set(self.names))
        self._overview: brief_mod.Brief | None = None

    def run(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return fn(self.con, *args, **kwargs)

    def overview(self) -> brief_mod.Brief:
        with self.lock:
            if self._overview is None:
                self._overview = brief_mod.build_brief(
                    self.con, self.kb, command=f"kharita serve --store {self.store.name}")
            return self._overview

    def filt(self, start: dt.date | None, end: dt.date | None, branches: list[str] | None,
             types: list[str] | None, sources: list[str] | None,
             min_confidence: float) -> queries.EventFilter:
        known = set(self.info.entities) | set(self.kb.entities)
        unknown = [b for b in branches or [] if b not in known]
        if unknown:
            raise HTTPException(422, f"unknown branch id(s): {', '.join(unknown)}; see "
                                     "/api/branches")
        try:
            return queries.EventFilter(start=start, end=end, branches=tuple(branches or ()),
                                       event_types=tuple(types or ()),
                                       sources=tuple(sources or ()),
                                       min_confidence=min_confidence)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {str(k): v for k, v in row.items()}
        for row in df.astype(object).where(df.notna(), None).to_dict(orient="records")]
    for row in out:
        for k, v in row.items():
            if hasattr(v, "isoformat"):
                row[k] = v.isoformat()
            elif hasattr(v, "item"):
                row[k] = v.item()
    return out


def create_app(store: str | pathlib.Path, *, kb: Any = None) -> FastAPI:
    """The workbench on the store at ``store`` (opened read-only)."""
    if kb is None:
        from kharita.kb import load_kb

        kb = load_kb()
    wb = Workbench(pathlib.Path(store), kb)
    env = brief_mod.environment([TEMPLATES])
    app = FastAPI(title="kharita workbench", version="1", description=(
        "Read-only JSON API over a kharita event store and the knowledge base. "
        + ("All events in this store are SYNTHETIC." if wb.info.synthetic else "")),
        docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.workbench = wb
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def security_headers(request: Request,
                               call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        csp = CSP
        if request.url.path == "/api/docs":
            # Swagger UI is not vendored: the docs page is off; the schema is at
            # /api/openapi.json.
            csp = "default-src 'none'"
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(KharitaError)
    async def kharita_error(request: Request, exc: KharitaError) -> JSONResponse:
        status = 404 if isinstance(exc, queries.NotFoundError) else 400
        return JSONResponse({"detail": str(exc)}, status_code=status)

    @app.exception_handler(ValueError)
    async def value_error(request: Request, exc: ValueError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    def page(name: str, active: str, title: str, data: dict[str, Any] | None = None,
             **ctx: Any) -> HTMLResponse:
        html = env.get_template(name).render(
            title=title, active=active, synthetic=wb.info.synthetic, info=wb.info,
            kb_version=kb.version, page_data=data or {},
            static={"plotly": PLOTLY_JS, "cytoscape": CYTOSCAPE_JS, "css": CSS,
                    "charts": CHARTS_JS, "app": APP_JS, "outlines": OUTLINES_JSON},
            **ctx)
        return HTMLResponse(html)

    # ------------------------------------------------------------------ pages
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def overview_page() -> HTMLResponse:
        return page("overview.html.j2", "overview", "Overview", brief=wb.overview())

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page() -> HTMLResponse:
        return page("map.html.j2", "map", "Map", data=_options())

    @app.get("/branches", response_class=HTMLResponse, include_in_schema=False)
    def branches_page() -> HTMLResponse:
        return page("branches.html.j2", "branches", "Branches",
                    branches=kbviews.branches(kb).to_dict(orient="records"),
                    counts=_branch_counts())

    @app.get("/branches/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def branch_page(entity_id: str) -> HTMLResponse:
        profile = api_branch(entity_id)
        return page("branch.html.j2", "branches", profile["name"], data={
            "entity_id": entity_id}, p=profile)

    @app.get("/network", response_class=HTMLResponse, include_in_schema=False)
    def network_page() -> HTMLResponse:
        return page("network.html.j2", "network", "Network", data={
            "as_of": dt.date.today().isoformat(), "compare": kbviews.default_compare_dates()})

    @app.get("/events", response_class=HTMLResponse, include_in_schema=False)
    def events_page() -> HTMLResponse:
        return page("events.html.j2", "events", "Events", data=_options())

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(event_id: str) -> HTMLResponse:
        why = wb.run(queries.explain_event, event_id)
        return page("event.html.j2", "events", f"Event {event_id}", ev=why.event,
                    attributions=_records(why.attributions), names=wb.names)

    def _options() -> dict[str, Any]:
        return {"branches": [{"id": e, "name": wb.names.get(e, {}).get("en", e)}
                             for e in wb.info.entities],
                "types": wb.info.event_types,
                "sources": sorted(wb.info.sources["source"].unique().tolist())
                if len(wb.info.sources) else [],
                "date_min": str(wb.info.date_min or ""), "date_max": str(wb.info.date_max or ""),
                "colors": wb.colors, "synthetic": wb.info.synthetic}

    def _branch_counts() -> dict[str, float]:
        df = wb.run(queries.activity, None, freq="year")
        return {str(k): round(float(v), 1)
                for k, v in df.groupby("entity_id")["events"].sum().items()}

    # -------------------------------------------------------------------- API
    @app.get("/api/summary", tags=["store"])
    def api_summary() -> dict[str, Any]:
        """What the store holds: counts, date range, sources, files, quarantine, KB versions."""
        i = wb.info
        return {"synthetic": i.synthetic, "any_synthetic": i.any_synthetic,
                "n_events": i.n_events, "n_attributed_events": i.n_attributed_events,
                "date_min": str(i.date_min or ""), "date_max": str(i.date_max or ""),
                "sources": _records(i.sources), "files": _records(i.files),
                "quarantine": _records(i.quarantine), "kb_version": kb.version,
                "attribution_kb_versions": i.kb_versions, "entities": i.entities,
                "event_types": i.event_types}

    @app.get("/api/overview", tags=["store"])
    def api_overview() -> dict[str, Any]:
        """The overview's (the brief's) sections: id, title, status and reason."""
        b = wb.overview()
        return {"title": b.title, "synthetic": b.synthetic, "kb_version": b.kb_version,
                "sections": [{"id": s.id, "title": s.title, "status": s.status,
                              "reason": s.reason} for s in b.sections]}

    @app.get("/api/periods", tags=["events"])
    def api_periods(freq: Freq = "year", start: Start = None, end: End = None,
                    branch: Branches = None, type_: Types = None, source: Sources = None,
                    min_confidence: MinConf = 0.0) -> dict[str, Any]:
        """Periods holding at least one matching event (the map's time slider)."""
        f = wb.filt(start, end, branch, type_, source, min_confidence)
        return {"freq": freq, "periods": wb.run(queries.periods, f, freq=freq)}

    @app.get("/api/map", tags=["events"])
    def api_map(period: Annotated[str | None, Query(
                    pattern=r"^\d{4}(-Q[1-4]|-\d{2})?$",
                    description="One period (YYYY, YYYY-Qn, YYYY-MM); default the whole range."
                )] = None,
                cell_deg: Annotated[float, Query(ge=0.1, le=10.0)] = 1.0,
                start: Start = None, end: End = None, branch: Branches = None,
                type_: Types = None, source: Sources = None,
                min_confidence: MinConf = 0.0) -> dict[str, Any]:
        """Events aggregated to grid cells per branch (never one row per event)."""
        if period:
            start, end = queries.period_bounds(period)
        f = wb.filt(start, end, branch, type_, source, min_confidence)
        cells = wb.run(queries.map_cells, f, freq=None, cell_deg=cell_deg)
        return {"period": period or "all", "cell_deg": cell_deg,
                "synthetic": wb.info.synthetic,
                "columns": ["entity_id", "lat", "lon", "events", "fatalities"],
                "cells": cells[["entity_id", "lat", "lon", "events", "fatalities"]]
                .round(3).values.tolist()}

    @app.get("/api/activity", tags=["events"])
    def api_activity(freq: Freq = "year", start: Start = None, end: End = None,
                     branch: Branches = None, type_: Types = None, source: Sources = None,
                     min_confidence: MinConf = 0.0) -> dict[str, Any]:
        """Events and deaths per period and branch (weighted, see docs/brief.md)."""
        f = wb.filt(start, end, branch, type_, source, min_confidence)
        return {"freq": freq, "synthetic": wb.info.synthetic,
                "rows": _records(wb.run(queries.activity, f, freq=freq))}

    @app.get("/api/events", tags=["events"])
    def api_events(q: Annotated[str, Query(max_length=queries.MAX_QUERY_LEN)] = "",
                   page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
                   size: Annotated[int, Query(ge=1, le=queries.MAX_PAGE_SIZE)] = 50,
                   sort: Annotated[str, Query(pattern="^(" + "|".join(queries.SORTS) + ")$")]
                   = "date_desc",
                   start: Start = None, end: End = None, branch: Branches = None,
                   type_: Types = None, source: Sources = None,
                   min_confidence: MinConf = 0.0) -> dict[str, Any]:
        """A page of attributed events with free-text search."""
        f = wb.filt(start, end, branch, type_, source, min_confidence)
        res = wb.run(queries.events_page, f, q=q, page=page, size=size, sort=sort)
        return {"total": res.total, "page": res.page, "size": res.size,
                "synthetic": wb.info.synthetic, "rows": _records(res.rows)}

    @app.get("/api/events/{event_id}", tags=["events"])
    def api_event(event_id: Annotated[str, Path(max_length=200)]) -> dict[str, Any]:
        """One event and why it is attributed where it is (rule, detail, confidence, KB)."""
        why = wb.run(queries.explain_event, event_id)
        return {"event": {k: (v.isoformat() if hasattr(v, "isoformat") else
                              (v.item() if hasattr(v, "item") else v))
                          for k, v in why.event.items()},
                "attributions": _records(why.attributions), "synthetic": wb.info.synthetic}

    @app.get("/api/branches", tags=["kb"])
    def api_branches() -> dict[str, Any]:
        """Branch-like KB entities with their names (English and Arabic) and validity."""
        return {"kb_version": kb.version, "branches": _records(kbviews.branches(kb))}

    @app.get("/api/branches/{entity_id}", tags=["kb"])
    def api_branch(entity_id: str) -> dict[str, Any]:
        """KB facts about one entity with sources: relations, leaders, territories, claims."""
        try:
            return kbviews.branch_profile(kb, entity_id)
        except KeyError:
            raise HTTPException(404, f"no entity {entity_id!r} in the knowledge base; see "
                                     "/api/branches") from None

    @app.get("/api/network", tags=["kb"])
    def api_network(as_of: Annotated[dt.date, Query(description="Date (YYYY-MM-DD).")]
                    ) -> dict[str, Any]:
        """The organisation graph on a date as cytoscape.js elements."""
        return kbviews.network_elements(kb, as_of)

    return app


def mark_safe_json(obj: Any) -> Markup:
    """JSON for a data block in a page (``</`` escaped)."""
    return brief_mod.figure_json(obj)
