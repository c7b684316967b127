"""Network: the organisation graph on a date (cytoscape.js)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from kharita.views import kb as kbviews
from kharita.web.common import Page, WorkbenchDep

router = APIRouter()


@router.get("/network", response_class=HTMLResponse, include_in_schema=False)
def network_page(wb: WorkbenchDep) -> HTMLResponse:
    return wb.render("network.html.j2", "network", "Network", data={
        "as_of": dt.date.today().isoformat(), "compare": kbviews.default_compare_dates()})


@router.get("/api/network", tags=["kb"])
def api_network(wb: WorkbenchDep, as_of: Annotated[dt.date, Query(description="Date (YYYY-MM-DD).")]
                ) -> dict[str, Any]:
    """The organisation graph on a date as cytoscape.js elements."""
    return kbviews.network_elements(wb.kb, as_of)


PAGE = Page("network", "Network", "/network", router)
