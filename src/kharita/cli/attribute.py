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


#: Tables of ``kharita explain`` (``--table``; ``-f csv`` prints one of them).
EXPLAIN_TABLES: tuple[str, ...] = ("event", "attributions", "rules", "incident", "reports",
                                   "links", "comparisons")


def explain_cmd(event_id: Annotated[str, typer.Argument(help="e.g. ucdp:244424")],
                table: Annotated[str | None, typer.Option(
                    "--table", help="Print only this table: " + ", ".join(EXPLAIN_TABLES)
                                    + " (-f csv prints one table, attributions by "
                                      "default).")] = None,
                store: StoreOption = None, engine: EngineOption = None,
                kb: KbOption = None, fmt: FormatOption = Format.table) -> None:
    """Show an event's raw row, normalised event, every attribution rule that fired, its
    incident, the other reports, and the match weight of each comparison per link."""
    from kharita.views.explain import explain

    if table is not None and table not in EXPLAIN_TABLES:
        raise UserInputError(f"--table {table!r}: expected one of {', '.join(EXPLAIN_TABLES)}")
    knowledge = load_cli_kb(kb)
    with open_cli_store(store, engine, read_only=True) as con:
        ex = explain(con, event_id, knowledge)
    tables = ex.tables()
    if fmt == Format.json and table is None:
        emit(ex.to_dict(), Format.json)
        return
    if fmt != Format.table or table is not None:
        emit(tables[table or "attributions"], fmt, title=table or "attributions",
             max_rows=500)
        return
    why = ex.why
    if why.raw is not None:
        emit([{"field": k, "value": v} for k, v in why.raw.items()], fmt,
             title=f"raw row ({why.raw_origin})", max_rows=80)
    else:
        console.print(f"[dim]raw row: {why.raw_origin}[/dim]")
    emit(tables["event"], fmt, title="normalised event", max_rows=80)
    emit(why.candidates, fmt, title="rules that fired (every candidate, per side)")
    if not why.territories.empty:
        emit(why.territories, fmt, title=f"KB territories in {ex.event.get('country_iso3')}")
    if not why.affiliations.empty:
        emit(why.affiliations, fmt, title="affiliation periods")
    emit(tables["attributions"], fmt, title="stored attributions")
    if why.sources:
        emit([{"id": k, "title": v.get("title"), "publisher": v.get("publisher"),
               "url": v.get("url")} for k, v in why.sources.items()], fmt, title="sources")
    inc = ex.incident
    emit(ex.reports[["event_id", "this", "representative", "source", "date_start",
                     "place", "fatalities_best"]], fmt,
         title=(f"incident {inc['incident_id']}: {inc['n_reports']} reports"
                if inc.get("linked") else "incident: this report alone (no link kept)"))
    if len(ex.links):
        emit(ex.links[["other_event_id", "match_probability", "match_weight", "in_incident",
                       "decision"]], fmt, title="links (kharita links to review them)")
        emit(ex.comparisons, fmt, title="match weight of each comparison (log2 Bayes "
                                        "factors, Splink's waterfall)", max_rows=200)


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
