"""``kharita read`` and ``kharita claims``: news text into mentions, events and claims."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from kharita.cli.options import (
    EngineOption,
    FormatOption,
    KbOption,
    StoreOption,
    load_cli_kb,
    open_cli_store,
)
from kharita.cli.output import Format, console, emit, err_console

claims_app = typer.Typer(help="Claims read from text: list them, accept them into your KB.",
                         invoke_without_command=True)


def register(app: typer.Typer) -> None:
    app.command("read")(read_cmd)
    app.add_typer(claims_app, name="claims")


def read_cmd(
    files: Annotated[list[Path], typer.Argument(help="UTF-8 text files (articles, reports).")],
    lang: Annotated[str, typer.Option("--lang", help="auto, ar, en or fr.")] = "auto",
    fmt: FormatOption = Format.table,
    store: StoreOption = None,
    engine: EngineOption = None,
    no_store: Annotated[bool, typer.Option("--no-store", help="Do not write to the store.")]
    = False,
    published: Annotated[str | None, typer.Option(
        "--published", help="Publication date (YYYY[-MM[-DD]]) if the text has none.")] = None,
    kb: KbOption = None,
) -> None:
    """Read articles: KB entities, people, places, dates, figures, events and claims,
    each with its character offsets in the file."""
    from rich.progress import Progress

    from kharita.text.read import read_file
    from kharita.text.store import create_text_schema, store_document

    knowledge = load_cli_kb(kb)
    con = None if no_store else open_cli_store(store, engine, read_only=False)
    results: list[tuple[Path, Any, str, bool]] = []
    try:
        if con is not None:
            create_text_schema(con)
        with Progress(console=err_console, transient=True, disable=len(files) < 3) as progress:
            task = progress.add_task("reading", total=len(files))
            for path in files:
                result, sha = read_file(path, lang=lang, kb=knowledge, published=published)
                stored = False
                if con is not None:
                    stored = store_document(con, result, path=str(path), sha256=sha)
                results.append((path, result, sha, stored))
                progress.advance(task)
    finally:
        if con is not None:
            con.close()
    if fmt == Format.json:
        emit([{"path": str(p), "sha256": sha, "stored": st, **r.to_dict()}
              for p, r, sha, st in results], fmt)
        return
    if fmt == Format.csv:
        frames = [r.mentions_frame().assign(path=str(p)) for p, r, _, _ in results]
        emit(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(), fmt)
        return
    for path, r, sha, st in results:
        state = "stored" if st else ("already in the store" if con is not None else "not stored")
        console.print(f"[bold]{path}[/bold]  language={r.language}  published={r.published}  "
                      f"sha256={sha[:12]}  ({state})")
        emit(r.mentions_frame(), fmt, title="Mentions", max_rows=500)
        if r.events:
            emit(r.events_frame(), fmt, title="Event references")
        if r.claims:
            cols = ["kind", "subject", "property", "figure_text", "unit", "source_text",
                    "source_date", "comparison", "sentence_start", "sentence_end"]
            emit(r.claims_frame()[cols], fmt, title="Claims",
                 caption="ids: kharita claims; accept: kharita claims accept ID --into FILE")


@claims_app.callback()
def claims_cmd(
    ctx: typer.Context,
    new: Annotated[bool, typer.Option("--new", help="Only claims the KB does not hold.")]
    = False,
    fmt: FormatOption = Format.table,
    store: StoreOption = None,
    engine: EngineOption = None,
) -> None:
    """List the claims read so far (with their KB comparison)."""
    if ctx.invoked_subcommand is not None:
        return
    from kharita.text.store import list_claims

    with open_cli_store(store, engine, read_only=True) as con:
        df = list_claims(con, new_only=new)
    if fmt == Format.table:
        df = df.assign(file=df["path"].map(lambda p: Path(p).name))[
            ["claim_id", "subject", "property", "figure_text", "unit", "source_text",
             "source_date", "comparison", "file"]]
    emit(df, fmt, title="Claims read from text")


@claims_app.command("accept")
def accept_cmd(
    ids: Annotated[list[str], typer.Argument(help="Claim ids (see `kharita claims`).")],
    into: Annotated[Path, typer.Option("--into", help="Your KB overlay YAML file.")],
    publisher: Annotated[str | None, typer.Option(
        "--publisher", help="Publisher of the article(s), recorded in the source entry.")]
    = None,
    store: StoreOption = None,
    engine: EngineOption = None,
    kb: KbOption = None,
) -> None:
    """Write claims, with their article as source, into a KB overlay and validate it."""
    from kharita.text.overlay import accept_claims

    with open_cli_store(store, engine, read_only=True) as con:
        summary = accept_claims(con, ids, into, publisher=publisher,
                                overlays=list(kb or []))
    console.print(f"[green]OK[/green] {summary['file']}: {summary['claims_added']} claim(s) "
                  f"and {summary['sources_added']} source(s) added, "
                  f"{summary['claims_kept']} already there; the KB loads and validates with it "
                  f"(use --kb {summary['file']} or KHARITA_KB_PATH)")
