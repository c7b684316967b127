"""Outlook: fan charts per branch, the backtest's scores, the default model, the alerts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from kharita.errors import NotFound
from kharita.views.outlook import OutlookView, outlook_view
from kharita.web.common import FiltersDep, Page, Workbench, WorkbenchDep, jsonable, records

router = APIRouter()
_CACHE_SIZE = 8


def _view(wb: Workbench, filters: Any) -> OutlookView:
    """The outlook of the workbench's store for ``filters`` (computed once per filters)."""
    cache: dict[str, OutlookView] = wb.__dict__.setdefault("_outlook_views", {})
    key = repr(filters)
    if key not in cache:
        names = {u: n.get("en", u) for u, n in wb.names.items()}
        view = wb.run(outlook_view, wb.frame_for(filters), names=names,
                      synthetic=wb.info.synthetic)
        if len(cache) >= _CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = view
    return cache[key]


@router.get("/outlook", response_class=HTMLResponse, include_in_schema=False)
def outlook_page(wb: WorkbenchDep) -> HTMLResponse:
    return wb.render("outlook.html.j2", "outlook", "Outlook", data=wb.options)


@router.get("/api/outlook", tags=["analysis"])
def api_outlook(wb: WorkbenchDep, filters: FiltersDep,
                unit: Annotated[str | None, Query(
                    description="The branch whose fan chart and forecast rows to return "
                                "(default: the one with most events in its last 12 "
                                "months).")] = None
                ) -> dict[str, Any]:
    """The monthly outlook per branch: the default model and why (its backtest), the
    backtest's score table per model, one branch's fan chart and forecast rows, the
    coverage notes and the weekly alerts."""
    v = _view(wb, filters)
    units = v.busiest()
    chosen = unit or (units[0] if units else None)
    if chosen not in v.fans:
        raise NotFound(f"no forecast for {chosen!r}; branches with one: {', '.join(v.units)}")
    t = v.result.table
    rows = t[t.unit == chosen].assign(period=t.period.dt.strftime("%Y-%m-%d"),
                                      origin=t.origin.dt.strftime("%Y-%m-%d"))
    al = v.alerts.assign(period=[str(p)[:10] for p in v.alerts.period])
    return {"unit": chosen, "model": v.model, "verdict": v.verdict,
            "skill": v.result.skill, "why": v.why(),
            "units": [{"id": u, "name": wb.names.get(u, {}).get("en", u)} for u in units],
            "fan": jsonable(v.fans[chosen]), "forecast": records(rows),
            "scores": {"columns": list(v.scores.columns),
                       "rows": records(v.scores.round(4))},
            "settings": jsonable(v.settings), "notes": v.notes,
            "alerts": records(al), "alerts_note": v.alerts_note,
            "synthetic": wb.info.synthetic}


PAGE = Page("outlook", "Outlook", "/outlook", router)
