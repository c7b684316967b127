"""Overview: the brief's sections, live, and what the store holds."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from kharita.web.common import Page, WorkbenchDep, records

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def overview_page(wb: WorkbenchDep) -> HTMLResponse:
    """The whole overview once built; before that, at once, the sections built so far
    and a loading notice for the others (the page fetches them as they are ready)."""
    order, built = wb.overview_sections()
    if len(built) == len(order) and wb._overview is not None:
        return wb.render("overview.html.j2", "overview", "Overview", brief=wb.overview())
    return wb.render("overview.html.j2", "overview", "Overview", brief=None,
                     order=order, fragments={k: _fragment(wb, v) for k, v in built.items()},
                     data={"pending": [k for k, _ in order if k not in built]})


def _fragment(wb: WorkbenchDep, section: Any) -> str:
    """One overview section as HTML (the brief's own section template)."""
    return wb.env.from_string('{% from "_sections.html.j2" import render_section %}'
                              "{{ render_section(s, syn) }}").render(
        s=section, syn=wb.info.synthetic)


@router.get("/api/overview/sections", tags=["store"])
def api_overview_sections(wb: WorkbenchDep) -> dict[str, Any]:
    """The overview's sections built so far as HTML (``done``: all are built); the
    overview page polls this while the heavy sections are computed."""
    order, built = wb.overview_sections()
    return {"done": len(built) == len(order),
            "sections": {k: _fragment(wb, v) for k, v in built.items()}}


@router.get("/api/summary", tags=["store"])
def api_summary(wb: WorkbenchDep) -> dict[str, Any]:
    """What the store holds: counts, date range, sources, files, quarantine, KB versions."""
    i = wb.info
    return {"synthetic": i.synthetic, "any_synthetic": i.any_synthetic,
            "n_events": i.n_events, "n_attributed_events": i.n_attributed_events,
            "date_min": str(i.date_min or ""), "date_max": str(i.date_max or ""),
            "sources": records(i.sources), "files": records(i.files),
            "quarantine": records(i.quarantine), "kb_version": wb.kb.version,
            "attribution_kb_versions": i.kb_versions, "entities": i.entities,
            "event_types": i.event_types}


@router.get("/api/overview", tags=["store"])
def api_overview(wb: WorkbenchDep) -> dict[str, Any]:
    """The overview's (the brief's) sections: id, title, status and reason."""
    b = wb.overview()
    return {"title": b.title, "synthetic": b.synthetic, "kb_version": b.kb_version,
            "sections": [{"id": s.id, "title": s.title, "status": s.status,
                          "reason": s.reason} for s in b.sections]}


PAGE = Page("overview", "Overview", "/", router)
