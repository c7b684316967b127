"""``kharita attribute | explain | actors | synthesize``: attribution of stored events,
its explanations, and the seeded synthetic generator."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from kharita.cli.options import (
    EngineOption,
    FormatOption,
    KbOption,
    StoreOption,
    load_cli_kb,
    open_cli_store,
)
from kharita.cli.output import Format, console, emit
from kharita.errors import UserInputError
from kharita.events.sources import registry


class SynthFormat(StrEnum):
    ged = "ged"
    gdelt = "gdelt"


def register(app: typer.Typer) -> None:
    app.command("attribute")(attribute_cmd)
    app.command("explain")(explain_cmd)
    app.command("actors")(actors_cmd)
    app.command("synthesize")(synthesize_cmd)


def attribute_cmd(store: StoreOption = None, engine: EngineOption = None,
                  kb: KbOption = None, fmt: FormatOption = Format.table) -> None:
    """(Re)attribute every stored event to KB entities (one transaction; no re-ingest)."""
    from kharita.events.attribute import attribute_store

    knowledge = load_cli_kb(kb)
    with open_cli_store(store, engine, read_only=False, create=False) as con, \
            console.status("attributing events ..."):
        report = attribute_store(con, knowledge)
    if fmt == Format.table:
        emit(report.summary(), fmt, title="attribution")
        emit(report.by_rule, fmt, title="rows per rule")
        emit(report.by_entity, fmt, title="events per entity", max_rows=40)
    else:
        emit({**report.summary(), "by_rule": report.by_rule.to_dict("records"),
              "by_entity": report.by_entity.to_dict("records")} if fmt == Format.json
             else report.by_entity, fmt)


def explain_cmd(event_id: Annotated[str, typer.Argument(help="e.g. ucdp:244424")],
                store: StoreOption = None, engine: EngineOption = None,
                kb: KbOption = None, fmt: FormatOption = Format.table) -> None:
    """Show an event's raw row, normalised event and every attribution rule that fired."""
    from kharita.events.attribute import explain

    knowledge = load_cli_kb(kb)
    with open_cli_store(store, engine, read_only=True) as con:
        ex = explain(con, event_id, knowledge)
    if fmt != Format.table:
        emit(ex.to_dict(), Format.json)
        return
    if ex.raw is not None:
        emit([{"field": k, "value": v} for k, v in ex.raw.items()], fmt,
             title=f"raw row ({ex.raw_origin})", max_rows=80)
    else:
        console.print(f"[dim]raw row: {ex.raw_origin}[/dim]")
    emit([{"field": k, "value": v} for k, v in ex.event.items()], fmt,
         title="normalised event", max_rows=80)
    emit(ex.candidates, fmt, title="rules that fired (every candidate, per side)")
    if not ex.territories.empty:
        emit(ex.territories, fmt, title=f"KB territories in {ex.event.get('country_iso3')}")
    if not ex.affiliations.empty:
        emit(ex.affiliations, fmt, title="affiliation periods")
    emit(ex.attributions.drop(columns=["event_id"]), fmt, title="stored attributions")
    if ex.sources:
        emit([{"id": k, "title": v.get("title"), "publisher": v.get("publisher"),
               "url": v.get("url")} for k, v in ex.sources.items()], fmt, title="sources")


def actors_cmd(unresolved: Annotated[bool, typer.Option(
                   "--unresolved", help="Only names no rule matched.")] = False,
               source: Annotated[str | None, typer.Option(
                   "--source", "-s", help="Only this source (" + ", ".join(registry.names())
                                          + ").")] = None,
               limit: Annotated[int, typer.Option(help="Rows in table format.")] = 200,
               store: StoreOption = None, engine: EngineOption = None,
               fmt: FormatOption = Format.table) -> None:
    """Raw actor names with event counts and what they resolved to."""
    from kharita.events.attribute import actors

    if source is not None and registry.find(source) is None:
        raise UserInputError(f"--source {source!r}: expected one of "
                             f"{', '.join(registry.names())}")
    with open_cli_store(store, engine, read_only=True) as con:
        df = actors(con, unresolved=unresolved, source=source)
    emit(df, fmt, title="unresolved actors" if unresolved else "actors", max_rows=limit)


def synthesize_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.csv, "
                                                                ".csv.gz; .tsv for gdelt).")],
    rows: Annotated[int, typer.Option("--rows", "-n", help="Number of events.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    kind: Annotated[SynthFormat, typer.Option("--kind", help="GED CSV or GDELT 1.0 TSV.")]
        = SynthFormat.ged,
    step: Annotated[list[str] | None, typer.Option(
        "--step", help="Planted step change BRANCH:DATE:FACTOR, e.g. "
                       "is-sahel:2020-01-01:2.5 (repeatable).")] = None,
) -> None:
    """Write a seeded SYNTHETIC event file (GED format by default)."""
    import time

    from kharita.events.sources import synthetic

    steps = []
    for s in step or []:
        try:
            branch, date, factor = s.split(":")
            steps.append((branch, date, float(factor)))
        except ValueError:
            raise typer.BadParameter(f"--step {s!r}: expected BRANCH:DATE:FACTOR") from None
    t0 = time.perf_counter()
    with console.status(f"generating {rows:,} synthetic events ..."):
        if kind == SynthFormat.gdelt:
            synthetic.write_gdelt_tsv(output, rows, seed)
        else:
            synthetic.write_ged_csv(output, rows, seed, step_changes=steps)
    console.print(f"wrote {rows:,} SYNTHETIC events ({synthetic.source_version(seed)}) to "
                  f"{output} in {time.perf_counter() - t0:.1f} s")
