"""``kharita link`` and ``kharita links``: record linkage across datasets, and the
analyst's review of the links (docs/linkage.md)."""

from __future__ import annotations

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
from kharita.cli.output import Format, console, emit, step_progress
from kharita.config import setting

links_app = typer.Typer(
    help="Links between reports of different datasets: list them, confirm or reject one.",
    invoke_without_command=True, no_args_is_help=False)


def register(app: typer.Typer) -> None:
    app.command("link")(link_cmd)
    app.add_typer(links_app, name="links")


ThresholdOption = Annotated[float | None, typer.Option(
    "--threshold", help="Match probability from which two reports are one incident "
                        "(default $KHARITA_LINK_THRESHOLD or 0.3).")]


def link_cmd(store: StoreOption = None, engine: EngineOption = None, kb: KbOption = None,
             threshold: ThresholdOption = None, fmt: FormatOption = Format.table) -> None:
    """Link reports of different datasets (UCDP, ACLED, GTD, GDELT, your tables) that
    describe one incident: a Splink model trained without labels scores candidate pairs
    (same country, close dates), the pairs are stored for review, and incidents are
    rebuilt. Analyses then count each incident once."""
    from kharita.linkage import link_events

    t = threshold if threshold is not None else float(setting("link_threshold"))
    knowledge = load_cli_kb(kb)
    opened = open_cli_store(store, engine, read_only=False)
    try:
        with step_progress("linking reports") as progress:
            report = link_events(opened, knowledge, threshold=t, progress=progress)
    finally:
        opened.close()
    summary = {"reports": report.reports, "pairs compared": report.pairs_compared,
               "links stored": report.links,
               f"links >= {report.threshold:g}": report.links_above_threshold,
               "incidents (2+ reports)": report.incidents,
               "reports in them": report.reports_in_incidents,
               "seconds": round(report.seconds, 1)}
    if fmt == Format.table:
        emit(summary, fmt, title="record linkage")
        sizes = ", ".join(f"{k} {v:,}" for k, v in report.datasets.items())
        console.print(f"[dim]datasets: {sizes}"
                      f"; model {report.model_id or '(none: fewer than two datasets)'}. "
                      "Review with `kharita links`.[/dim]")
        if report.left_out:
            console.print(
                f"[dim]not linkable: {sum(report.left_out.values()):,} report(s) ("
                + "; ".join(f"{n:,} {why}" for why, n in report.left_out.items())
                + "), each an incident of its own.[/dim]")
    else:
        emit(report.as_dict(), fmt)


@links_app.callback()
def links_cmd(ctx: typer.Context, store: StoreOption = None, engine: EngineOption = None,
              min_probability: Annotated[float, typer.Option(
                  "--min-probability", help="Only links at or above this probability.")] = 0.0,
              fmt: FormatOption = Format.table) -> None:
    """List the stored links, most probable first, with both reports and the analyst's
    decision; `links confirm A B` / `links reject A B` record a decision."""
    if ctx.invoked_subcommand is not None:
        return
    from kharita.linkage import links_frame

    opened = open_cli_store(store, engine)
    try:
        df = links_frame(opened, min_probability)
    finally:
        opened.close()
    if fmt == Format.table:
        df = df.drop(columns=[c for c in ("comparisons",) if c in df.columns])
    emit(df, fmt, title="links" if fmt == Format.table else None,
         caption=f"min probability {min_probability:g}; `kharita explain EVENT_ID` shows "
                 "the waterfall of each link" if fmt == Format.table else None)


NoteOption = Annotated[str, typer.Option("--note", help="Why (kept with the decision).")]


@links_app.command("confirm")
def confirm_cmd(event_a: str, event_b: str, store: StoreOption = None,
                engine: EngineOption = None, note: NoteOption = "") -> None:
    """Confirm that two reports are one incident (kept across re-linking)."""
    _review(event_a, event_b, "confirm", note, store, engine)


@links_app.command("reject")
def reject_cmd(event_a: str, event_b: str, store: StoreOption = None,
               engine: EngineOption = None, note: NoteOption = "") -> None:
    """Reject a link: the two reports are never one incident (kept across re-linking)."""
    _review(event_a, event_b, "reject", note, store, engine)


def _review(event_a: str, event_b: str, decision: str, note: str, store: StoreOption,
            engine: EngineOption) -> None:
    from kharita.linkage import review_link

    opened = open_cli_store(store, engine, read_only=False)
    try:
        out = review_link(opened, event_a, event_b, decision, note)
    finally:
        opened.close()
    console.print(f"{decision}ed {out['event_id_l']} - {out['event_id_r']}; incidents "
                  f"rebuilt at threshold {out['threshold']:g} ({out['incidents']} with 2+ "
                  "reports)")
