"""``kharita coverage``: what each ingested file covers (source x country x period)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from kharita.cli.options import (
    CountriesOption,
    EngineOption,
    FormatOption,
    SourcesOption,
    StoreOption,
    open_cli_store,
)
from kharita.cli.output import Format, console, emit


class CoverageBy(StrEnum):
    file = "file"
    country = "country"


def register(app: typer.Typer) -> None:
    app.command("coverage")(coverage_cmd)


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
