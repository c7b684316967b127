"""The centre of gravity of the network's events per period."""

from __future__ import annotations

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table
from kharita.views.periods import as_date, period_label

ID, TITLE = "gravity", "Centre-of-gravity trajectory"


def build(data: BriefData) -> Section:
    from kharita.analysis.geography import geographic_centres

    cen = geographic_centres(data.frame, freq=data.freq)
    cen = cen.dropna(subset=["lat", "lon"]).copy()
    cen["_day"] = [as_date(p) for p in cen["period"]]
    cen = cen.sort_values("_day")
    cen["period"] = [period_label(d, data.freq) for d in cen["_day"]]
    fig = charts.map_figure(data.cells_all, names=data.names, colors=data.colors,
                            synthetic=data.synthetic,
                            trajectory=cen[["period", "lat", "lon"]],
                            title="Centre of gravity of the network's events per period")
    fig["frames"] = []
    fig["layout"].pop("sliders", None)
    table = cen[["period", "lat", "lon", "dispersion_km", "resultant", "n_located"]].round(2)
    return Section(ID, TITLE,
                   intro=data.label("The activity-weighted centre of the network's events on "
                                    "the sphere (not an average of latitudes and longitudes), "
                                    "per period, with its dispersion (weighted mean distance "
                                    "to the centre)."),
                   charts=[Chart("gravity", fig, data.label("Dotted line: the centre's path; "
                                                            "bubbles: all events, 2-degree "
                                                            "cells."))],
                   tables=[Table("Centre per period", table.reset_index(drop=True),
                                 caption=data.label("kharita.analysis.geography."
                                                    "geographic_centres"))])
