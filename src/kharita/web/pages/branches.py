"""Branches: KB facts with sources per branch, and the events attributed to each."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from kharita import views
from kharita.views import kb as kbviews
from kharita.views.numbers import count_text
from kharita.views.periods import as_date
from kharita.web.common import FiltersDep, Page, WorkbenchDep, records

router = APIRouter()
EntityId = Annotated[str, Path(max_length=200, description="KB entity id, e.g. is-iraq.")]


@router.get("/branches", response_class=HTMLResponse, include_in_schema=False)
def branches_page(wb: WorkbenchDep) -> HTMLResponse:
    from kharita.events.attribute import events_per_entity

    totals = views.totals_by_branch(wb.run(views.activity, wb.frame, "year"))
    counts = {str(e): count_text(v) for e, v in zip(totals["entity_id"], totals["events"],
                                                     strict=True)}
    attributed = wb.run(events_per_entity, wb.store)
    reports = {str(e): count_text(int(n)) for e, n in zip(attributed["entity_id"],
                                                           attributed["n_events"], strict=True)}
    return wb.render("branches.html.j2", "branches", "Branches",
                     branches=kbviews.branches(wb.kb).to_dict(orient="records"),
                     counts=counts, reports=reports, count_rule=wb.frame.filters.count)


@router.get("/branches/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
def branch_page(wb: WorkbenchDep, entity_id: EntityId) -> HTMLResponse:
    profile = kbviews.branch_profile(wb.kb, entity_id)
    return wb.render("branch.html.j2", "branches", profile["name"],
                     data={"entity_id": entity_id}, p=profile)


@router.get("/api/branches", tags=["kb"])
def api_branches(wb: WorkbenchDep) -> dict[str, Any]:
    """Branch-like KB entities with their names (English and Arabic) and validity."""
    return {"kb_version": wb.kb.version, "branches": records(kbviews.branches(wb.kb))}


@router.get("/api/branches/{entity_id}", tags=["kb"])
def api_branch(wb: WorkbenchDep, entity_id: EntityId) -> dict[str, Any]:
    """KB facts about one entity with sources: relations, leaders, territories, claims."""
    return kbviews.branch_profile(wb.kb, entity_id)


@router.get("/api/activity", tags=["events"])
def api_activity(wb: WorkbenchDep, filters: FiltersDep,
                 freq: Annotated[str, Query(description="Period length: "
                                            + ", ".join(views.FREQS) + ".")] = "year"
                 ) -> dict[str, Any]:
    """Events and deaths per period and branch: the figures of ``kharita activity --by
    branch`` (``period``: first day; ``label``: 2019, 2019-Q3, ...; ``events`` weighted,
    ``events_raw`` distinct events)."""
    act = wb.run(views.activity, wb.frame_for(filters), freq)
    act = act.assign(period=[as_date(p) for p in act["period"]])  # first days, as dates
    rows = records(act)
    for row, p in zip(rows, act["period"], strict=True):
        row["label"] = views.period_label(p, freq)
    return {"freq": freq, "synthetic": wb.info.synthetic, "filters": filters.describe(),
            "rows": rows}


PAGE = Page("branches", "Branches", "/branches", router)
