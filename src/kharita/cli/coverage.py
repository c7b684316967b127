"""``kharita coverage``: what each ingested file covers (source x country x period);
``kharita coverage-estimate``: what every source missed, where two or more cover the
same branch, country and period (capture-recapture)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from kharita.cli.options import (
    ActorOption,
    Admin1Option,
    Ambiguous,
    AmbiguousOption,
    BranchesOption,
    CountriesOption,
    EngineOption,
    FormatOption,
    Freq,
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
    open_cli_store,
    opened_frame,
)
from kharita.cli.output import Format, console, emit
from kharita.errors import UserInputError


class CoverageBy(StrEnum):
    file = "file"
    country = "country"


def register(app: typer.Typer) -> None:
    app.command("coverage")(coverage_cmd)
    app.command("coverage-estimate")(coverage_estimate_cmd)


FreqOption = Annotated[Freq, typer.Option("--freq", help="Period length.")]


class EstimateTable(StrEnum):
    estimates = "estimates"
    units = "units"
    assumptions = "assumptions"


def coverage_cmd(
    store: StoreOption = None, engine: EngineOption = None,
    by: Annotated[CoverageBy, typer.Option(
        "--by", help="One row per file, or per file and country.")] = CoverageBy.file,
    countries: CountriesOption = None, sources: SourcesOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Source coverage: per ingested file (or file and country) the period it covers
    (first and last event) and whether it is a complete extract or a sample; comparisons
    over time use only the files that cover both sides (docs/analysis.md)."""
    from kharita.analysis.coverage import coverage_table
    from kharita.analysis.frame import resolve_countries

    opened = open_cli_store(store, engine)
    try:
        codes = resolve_countries(countries.split(",")) if countries else None
        df = coverage_table(opened, by=by.value, countries=codes,
                            sources=sources.split(",") if sources else None)
    finally:
        opened.close()
    emit(df, fmt, title="source coverage" if fmt == Format.table else None)
    if fmt == Format.table:
        console.print("[dim]first/last: the file's first and last event (no declared scope "
                      "is recorded). sample: many countries, few events per country-year; "
                      "trends, shocks and crossings never mix samples with complete "
                      "extracts and stop where a file ends.[/dim]")


def coverage_estimate_cmd(
    freq: FreqOption = Freq.year,
    level: Annotated[float, typer.Option(
        "--level", help="Confidence level of the intervals, in (0, 1).")] = 0.95,
    interactions: Annotated[bool, typer.Option(
        "--interactions", help="Three or more sources: model dependence between pairs of "
                               "sources (log-linear two-way terms).")] = False,
    table: Annotated[EstimateTable | None, typer.Option(
        "--table", help="Print only this table (-f csv prints one: estimates by "
                        "default).")] = None,
    store: StoreOption = None, engine: EngineOption = None, date_from: FromOption = None,
    date_to: ToOption = None, branches: BranchesOption = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    kb: KbOption = None, fmt: FormatOption = Format.table,
) -> None:
    """Incidents no source reported, per branch x country x period where two or more
    sources cover it (capture-recapture: Chapman for two sources, a log-linear model for
    three or more), with intervals and the assumptions; needs linked sources (kharita
    link). Units covered by one source are listed as not testable."""
    import pandas as pd

    from kharita.analysis.capture import coverage_estimates

    if not 0 < level < 1:
        raise UserInputError(f"--level {level}: expected a number in (0, 1), e.g. 0.95")
    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to,
                      branches=branches, countries=countries, min_confidence=min_confidence,
                      ambiguous=ambiguous, sources=sources, event_types=event_types,
                      admin1=admin1, actor=actor, min_fatalities=min_fatalities,
                      max_fatalities=max_fatalities) as fr:
        res = coverage_estimates(fr, freq=freq.value, level=level,
                                 interactions=interactions)
    tables = {"estimates": res.estimates.round(2), "units": res.units,
              "assumptions": pd.DataFrame({"assumption": list(res.assumptions)})}
    if fmt == Format.json and table is None:
        emit({**res.describe(), "estimates": res.estimates.to_dict("records"),
              "units": res.units.to_dict("records")}, fmt)
        return
    if fmt != Format.table or table is not None:
        name = table.value if table is not None else "estimates"
        emit(tables[name], fmt, freq=freq.value, title=name)
        return
    if res.testable:
        emit(tables["estimates"], fmt, freq=freq.value,
             title=f"Incidents no source reported, per {freq.value} "
                   f"({round(level * 100)}% intervals)",
             caption=caption(fr, "observed: incidents at least one covering source "
                                 "reported; missed = total - observed"),
             columns=["entity_id", "country_iso3", "period", "sources", "observed",
                      "missed", "lower", "upper"])
    else:
        console.print(res.reason, highlight=False)
    emit(tables["units"], fmt, freq=freq.value, title="Every branch, country and period",
         max_rows=40)
    console.print("Assumptions:", highlight=False)
    for a in res.assumptions:
        console.print(f"  - {a}", highlight=False)
