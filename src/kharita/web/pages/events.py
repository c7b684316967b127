"""Events: the events table (search, sort, paging) and each event's "why" view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from kharita import views
from kharita.web.common import FiltersDep, Page, WorkbenchDep, jsonable, records

router = APIRouter()
EventId = Annotated[str, Path(max_length=200, description="Event id, e.g. ucdp:244424.")]


@router.get("/events", response_class=HTMLResponse, include_in_schema=False)
def events_page(wb: WorkbenchDep) -> HTMLResponse:
    return wb.render("events.html.j2", "events", "Events", data=wb.options)


@router.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
def event_page(wb: WorkbenchDep, event_id: EventId) -> HTMLResponse:
    why = wb.run(views.explain, wb.frame, event_id)
    return wb.render("event.html.j2", "events", f"Event {event_id}",
                     ev={k: jsonable(v) for k, v in why.event.items()},
                     attributions=records(why.attributions), weights=records(why.weights),
                     names=wb.names)


@router.get("/api/events", tags=["events"])
def api_events(wb: WorkbenchDep, filters: FiltersDep,
               q: Annotated[str, Query(description="Search text (place, admin1, country, "
                                                   "ISO3, branch) or an event id.")] = "",
               page: Annotated[int, Query(description="Page number, from 1.")] = 1,
               size: Annotated[int, Query(description="Rows per page (1-"
                                                      f"{views.MAX_PAGE_SIZE}).")] = 50,
               sort: Annotated[str, Query(description="Order: " + ", ".join(views.SORTS)
                                          + ".")] = "date_desc") -> dict[str, Any]:
    """A page of the frame's (event, branch) rows with free-text search."""
    res = wb.run(views.events_page, wb.frame_for(filters), q=q, page=page, size=size,
                 sort=sort)
    return {"total": res.total, "page": res.page, "size": res.size, "pages": res.pages,
            "synthetic": wb.info.synthetic, "rows": records(res.rows)}


@router.get("/api/events/{event_id}", tags=["events"])
def api_event(wb: WorkbenchDep, event_id: EventId, filters: FiltersDep) -> dict[str, Any]:
    """One event and why it is attributed where it is: the stored event, every
    attribution (rule, detail, confidence, KB version), the rules that fired, the
    territories and affiliations considered, and its weights under the filters."""
    why = wb.run(views.explain, wb.frame_for(filters), event_id)
    out: dict[str, Any] = jsonable(why.to_dict())
    out["synthetic"] = wb.info.synthetic
    return out


PAGE = Page("events", "Events", "/events", router)
