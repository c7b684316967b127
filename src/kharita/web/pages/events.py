"""Events: the events table (search, sort, paging) and each event's "why" view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, StreamingResponse

from kharita import views
from kharita.web.common import FiltersDep, Page, WorkbenchDep, jsonable, records

router = APIRouter()
EventId = Annotated[str, Path(max_length=200, description="Event id, e.g. ucdp:244424.")]
CellQuery = Annotated[str | None, Query(
    max_length=60, description="Only the events in one map cell: LAT,LON,DEG (the cell's "
                               "centre and size in degrees, as /api/map gives them).")]


@router.get("/events", response_class=HTMLResponse, include_in_schema=False)
def events_page(wb: WorkbenchDep) -> HTMLResponse:
    return wb.render("events.html.j2", "events", "Events", data=wb.options)


@router.get("/events/{event_id:path}", response_class=HTMLResponse, include_in_schema=False)
def event_page(wb: WorkbenchDep, event_id: EventId) -> HTMLResponse:
    why = wb.run(views.explain, wb.frame, event_id)
    links = records(why.links)
    for link in links:
        terms = why.comparisons[why.comparisons.other_event_id == link["other_event_id"]]
        link["terms"] = records(terms)
        link["figure"] = waterfall_figure(terms, title=f"{event_id} - "
                                          f"{link['other_event_id']}",
                                          synthetic=bool(why.event.get("synthetic")))
    return wb.render("event.html.j2", "events", f"Event {event_id}",
                     ev={k: jsonable(v) for k, v in why.event.items()},
                     attributions=records(why.attributions), weights=records(why.weights),
                     incident=jsonable(why.incident), reports=records(why.reports),
                     links=links, names=wb.names)


def waterfall_figure(terms: Any, *, title: str, synthetic: bool) -> dict[str, Any]:
    """Splink's waterfall chart of one link as a plotly bar figure: the prior, then one
    floating bar per comparison from the running match weight before it to after it
    (green adds evidence of a match, red against), then the final match weight; the x
    axis is numeric (the step), labelled with the comparisons."""
    steps = [int(s) for s in terms["step"]]
    bf = [float(v) for v in terms["log2_bayes_factor"]]
    cum = [float(v) for v in terms["cumulative"]]
    labels = [str(c) if str(c) == "prior" else f"{c}: {lv}"
              for c, lv in zip(terms["comparison"], terms["level"], strict=True)]
    before = [c - b for c, b in zip(cum, bf, strict=True)]
    total = cum[-1] if cum else 0.0
    colors = ["#777777" if i == 0 else ("#2e7d32" if b >= 0 else "#b71c1c")
              for i, b in enumerate(bf)]
    n = len(steps)
    prob = 2 ** total / (1 + 2 ** total) if total < 1000 else 1.0
    hover = [f"{lab}<br>log2 Bayes factor {b:+.2f}<br>match weight after {c:.2f}"
             for lab, b, c in zip(labels, bf, cum, strict=True)]
    return {
        "data": [
            {"type": "bar", "x": steps, "y": bf, "base": before, "name": "comparisons",
             "marker": {"color": colors}, "hovertext": hover, "hoverinfo": "text"},
            {"type": "bar", "x": [n], "y": [total], "base": [0], "name": "match weight",
             "marker": {"color": "#1f3a5f"},
             "hovertext": [f"match weight {total:.2f}<br>probability {prob:.4f}"],
             "hoverinfo": "text"},
        ],
        "layout": {
            "title": {"text": f"Why linked: {title}" + (" (SYNTHETIC)" if synthetic else "")},
            "showlegend": False, "height": 340, "margin": {"l": 60, "r": 20, "t": 50,
                                                            "b": 110},
            "xaxis": {"type": "linear", "tickmode": "array", "tickvals": [*steps, n],
                      "ticktext": [*labels, "match weight"], "tickangle": -30,
                      "range": [-0.6, n + 0.6]},
            "yaxis": {"type": "linear", "title": {"text": "match weight (log2 Bayes factor)"},
                      "zeroline": True},
        },
    }


@router.get("/api/events", tags=["events"])
def api_events(wb: WorkbenchDep, filters: FiltersDep,
               q: Annotated[str, Query(description="Search text (place, admin1, country, "
                                                   "ISO3, branch) or an event id.")] = "",
               page: Annotated[int, Query(description="Page number, from 1.")] = 1,
               size: Annotated[int, Query(description="Rows per page (1-"
                                                      f"{views.MAX_PAGE_SIZE}).")] = 50,
               sort: Annotated[str, Query(description="Order: " + ", ".join(views.SORTS)
                                          + ".")] = "date_desc",
               cell: CellQuery = None) -> dict[str, Any]:
    """A page of the frame's (event, branch) rows with free-text search (and in one map
    cell: the map's drill-down)."""
    res = wb.run(views.events_page, wb.frame_for(filters), q=q, page=page, size=size,
                 sort=sort, cell=views.events.parse_cell(cell))
    return {"total": res.total, "page": res.page, "size": res.size, "pages": res.pages,
            "synthetic": wb.info.synthetic, "rows": records(res.rows)}


def _download(wb: Any, filters: Any, q: str, sort: str, fmt: str,
              cell: str | None = None) -> StreamingResponse:
    frame = wb.frame_for(filters)
    views.events.check_page_args(q=q, page=1, size=1, sort=sort)  # 422 before streaming
    in_cell = views.events.parse_cell(cell)

    def chunks() -> Iterator[str]:
        first = True
        if fmt == "json":
            yield "["
        it = views.iter_events(frame, q=q, sort=sort, cell=in_cell)
        while (df := wb.run(next, it, None)) is not None:  # one chunk at a time
            if fmt == "csv":
                yield df.to_csv(index=False, header=first, lineterminator="\n")
            else:
                for rec in records(df):
                    yield ("" if first else ",\n") + json.dumps(rec, ensure_ascii=False)
                    first = False
            first = False
        if fmt == "json":
            yield "]\n"

    media = "text/csv; charset=utf-8" if fmt == "csv" else "application/json"
    name = "kharita-events" + ("-SYNTHETIC" if wb.info.synthetic else "") + f".{fmt}"
    return StreamingResponse(chunks(), media_type=media, headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/api/events.csv", tags=["events"])
def api_events_csv(wb: WorkbenchDep, filters: FiltersDep, q: str = "",
                   sort: str = "date_desc", cell: CellQuery = None) -> StreamingResponse:
    """Every (event, branch) row under the filters and search, as CSV (streamed; the
    same rows as ``/api/events``'s ``total``)."""
    return _download(wb, filters, q, sort, "csv", cell)


@router.get("/api/events.json", tags=["events"])
def api_events_json(wb: WorkbenchDep, filters: FiltersDep, q: str = "",
                    sort: str = "date_desc", cell: CellQuery = None) -> StreamingResponse:
    """Every (event, branch) row under the filters and search, as a JSON array
    (streamed)."""
    return _download(wb, filters, q, sort, "json", cell)


@router.get("/api/events/{event_id:path}", tags=["events"])
def api_event(wb: WorkbenchDep, event_id: EventId, filters: FiltersDep) -> dict[str, Any]:
    """One event and why it is attributed where it is: the stored event, every
    attribution (rule, detail, confidence, KB version), the rules that fired, the
    territories and affiliations considered, and its weights under the filters."""
    why = wb.run(views.explain, wb.frame_for(filters), event_id)
    out: dict[str, Any] = jsonable(why.to_dict())
    out["synthetic"] = wb.info.synthetic
    return out


PAGE = Page("events", "Events", "/events", router)
