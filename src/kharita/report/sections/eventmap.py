"""The map of events by branch over time, with the branches' KB territories."""

from __future__ import annotations

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table
from kharita.views import kb as kbviews

ID, TITLE = "map", "Map of events by branch over time"


def build(data: BriefData) -> Section:
    cells = data.cells
    terr = kbviews.territory_countries(data.kb)
    fig = charts.map_figure(cells, names=data.names, colors=data.colors,
                            synthetic=data.synthetic, freq=data.freq,
                            territories={k: v for k, v in terr.items() if k in data.colors},
                            title="Events by branch (1-degree cells) and branch territories")
    terr_df = kbviews.territories(data.kb)
    terr_df.insert(2, "name_ar", [data.names.get(e, {}).get("ar", "")
                                  for e in terr_df["entity_id"]])
    return Section(
        ID, TITLE,
        intro=data.label("Bubbles are 1-degree cells sized by the number of events (area "
                         "proportional). Use the slider under the map to step through "
                         "periods; the first step shows all periods together. Shaded "
                         "countries are the branches' territories as recorded in the "
                         "knowledge base (all periods)."),
        charts=[Chart("map", fig, data.label(f"{len(cells):,} aggregated cells drawn; "
                                             "outlines: Natural Earth 1:110m."))],
        tables=[Table("Branch territories (knowledge base)", terr_df,
                      caption=data.label("Territories come from the sourced KB, not from "
                                         "the events."), max_rows=60,
                      rtl_columns=("name_ar",))])
