"""Map: events per branch in grid cells, with a time slider over the periods."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from kharita import views
from kharita.views.maps import CELL_COLUMNS
from kharita.web.common import FiltersDep, Page, WorkbenchDep

router = APIRouter()
Freq = Annotated[str, Query(description="Period length: " + ", ".join(views.FREQS) + ".")]


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(wb: WorkbenchDep) -> HTMLResponse:
    return wb.render("map.html.j2", "map", "Map", data=wb.options)


@router.get("/api/periods", tags=["events"])
def api_periods(wb: WorkbenchDep, filters: FiltersDep, freq: Freq = "year") -> dict[str, Any]:
    """Periods holding at least one matching event (the map's time slider): first days
    (``periods``) and their labels (``labels``: ``2019``, ``2019-Q3``, ``2019-07``)."""
    days = wb.run(views.periods, wb.frame_for(filters), freq)
    return {"freq": freq, "periods": [d.isoformat() for d in days],
            "labels": views.period_labels(days, freq)}


@router.get("/api/map", tags=["events"])
def api_map(wb: WorkbenchDep, filters: FiltersDep,
            period: Annotated[str | None, Query(
                description="One period: a label (YYYY, YYYY-Qn, YYYY-MM) or a first day "
                            "(YYYY-MM-DD) with freq; default the whole range.")] = None,
            freq: Annotated[str | None, Query(
                description="Length of a period given as a first day.")] = None,
            cell_deg: Annotated[float, Query(description="Cell size in degrees (0.1-10).")]
            = 1.0) -> dict[str, Any]:
    """Events aggregated to grid cells per branch (never one row per event)."""
    columns = list(CELL_COLUMNS)
    if period:
        first, last = views.period_bounds(period, freq)
        first, last = max(first, filters.start or first), min(last, filters.end or last)
        if first > last:  # the period lies outside the filters' dates: nothing to draw
            cells = pd.DataFrame(columns=columns)
        else:
            filters = filters.replace(wb.kb, start=first, end=last)
    if not period or first <= last:
        cells = wb.run(views.map_cells, wb.frame_for(filters), freq=None, cell_deg=cell_deg)
    return {"period": period or "all", "cell_deg": cell_deg,
            "synthetic": wb.info.synthetic, "columns": columns,
            "cells": cells[columns].round(3).values.tolist() if len(cells) else []}


PAGE = Page("map", "Map", "/map", router)
