"""``kharita export events|incidents``: the attributed events (or incidents: linked
reports counted once) as CSV, Parquet, GeoParquet or GeoJSON (for QGIS, R, pandas), with
the dataset credits in the file's metadata."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kharita.cli.options import (
    ActorOption,
    Admin1Option,
    Ambiguous,
    AmbiguousOption,
    BranchesOption,
    Count,
    CountOption,
    CountriesOption,
    EngineOption,
    FromOption,
    KbOption,
    MaxFatalitiesOption,
    MinConfOption,
    MinFatalitiesOption,
    SourcesOption,
    StoreOption,
    ToOption,
    TypesOption,
    caption,
    opened_frame,
)
from kharita.cli.output import console

export_app = typer.Typer(help="Export the attributed events or incidents for QGIS, R and "
                              "pandas.",
                         no_args_is_help=True)


class EventsFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    geoparquet = "geoparquet"
    geojson = "geojson"


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


@export_app.command("events")
def events_cmd(
    fmt: Annotated[EventsFormat, typer.Option("--format", "-f", help="File format.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    store: StoreOption = None, engine: EngineOption = None, date_from: FromOption = None,
    date_to: ToOption = None, branches: BranchesOption = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    count: CountOption = Count.incidents,
    kb: KbOption = None,
) -> None:
    """One row per event (an incident with --count incidents, the default: linked reports
    once) and branch (the analysis frame's rows) with weight, confidence, attribution
    rule and KB version; credits and filters in the file's metadata (CSV: a
    CSVW <file>-metadata.json beside it)."""
    from kharita.views.export import write_events

    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to,
                      branches=branches, countries=countries, min_confidence=min_confidence,
                      ambiguous=ambiguous, sources=sources, event_types=event_types,
                      admin1=admin1, actor=actor, min_fatalities=min_fatalities,
                      max_fatalities=max_fatalities, count=count) as frame:
        path = write_events(frame, output, fmt.value)
    console.print(f"wrote {path} ({fmt.value}); {caption(frame)}")


@export_app.command("incidents")
def incidents_cmd(
    fmt: Annotated[EventsFormat, typer.Option("--format", "-f", help="File format.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    store: StoreOption = None, engine: EngineOption = None, date_from: FromOption = None,
    date_to: ToOption = None, branches: BranchesOption = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    kb: KbOption = None,
) -> None:
    """One row per incident (reports linked as one real-world event; an unlinked report is
    its own) with its reports' ids and sources, top branch, weights, combined confidence
    and every report's attribution rule; credits, filters and the incident rule in the
    file's metadata (CSV: a CSVW <file>-metadata.json beside it)."""
    from kharita.views.export import write_incidents

    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to,
                      branches=branches, countries=countries, min_confidence=min_confidence,
                      ambiguous=ambiguous, sources=sources, event_types=event_types,
                      admin1=admin1, actor=actor, min_fatalities=min_fatalities,
                      max_fatalities=max_fatalities) as frame:
        path = write_incidents(frame, output, fmt.value)
    console.print(f"wrote {path} ({fmt.value}); {caption(frame)}")
