"""``kharita ingest``, ``kharita fetch`` and ``kharita quarantine``: thin shells over
:mod:`kharita.events.ingest` and :mod:`kharita.events.fetch`."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from kharita.cli.options import (
    EngineOption,
    FormatOption,
    KbOption,
    StoreOption,
    load_cli_kb,
    open_cli_store,
)
from kharita.cli.output import Format, emit, err_console
from kharita.config import setting
from kharita.errors import UserInputError
from kharita.events.sources import registry

#: The source names ``kharita ingest`` accepts: one per registered connector.
Source = StrEnum("Source", {name: name for name in registry.names()})  # type: ignore[misc]


class FetchSource(StrEnum):
    ucdp = "ucdp"


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_cmd)
    app.command("fetch")(fetch_cmd)
    app.command("quarantine")(quarantine_cmd)


def _date(option: str, value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        why = "" if "format" in str(exc).lower() else f" ({exc}: not a real date)"
        raise UserInputError(f"{option} {value!r}: expected a date YYYY-MM-DD{why}") from None


def ingest_cmd(
    source: Annotated[Source, typer.Argument(help="Dataset the files come from.")],
    paths: Annotated[list[Path], typer.Argument(help="Files (.csv, .gz, .zip; GTD .xlsx; "
                                                     "ACLED API .json).")],
    store: StoreOption = None,
    engine: EngineOption = None,
    source_version: Annotated[str | None, typer.Option(
        "--source-version", help="Dataset version (default: detected from the file name).")
    ] = None,
    since: Annotated[str | None, typer.Option(
        "--since", help="Leave out events before this date (counted as filtered).")] = None,
    country: Annotated[list[str] | None, typer.Option(
        "--country", help="Keep only these ISO3 countries (repeatable; others filtered).")
    ] = None,
    attribute: Annotated[bool, typer.Option(
        "--attribute/--no-attribute", help="Attribute the new events to KB entities.")] = True,
    mapping: Annotated[Path | None, typer.Option(
        "--map", help="Mapping file of a `table` list (default: FILE's stem + .map.yaml "
                      "beside it; see docs/interop.md).")] = None,
    kb: KbOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Read event files into the store (one transaction per file) and print a summary.

    Rows that cannot be used go to the quarantine (see `kharita quarantine`); a file
    ingested before with the same filters (same sha256) is skipped. Each event is stored
    once: an event already stored is replaced by the newer version (newer source
    version, else the later file; the old one is kept in history), and events a newer
    full release no longer carries are marked withdrawn (docs/events.md).
    """
    from kharita.events import ingest as ing

    since_date = _date("--since", since)
    name = str(source.value)
    if name == "table":  # the user's own lists: mapping + the gazetteer as geocoder
        from kharita.events.sources.table import bind_mapping
        from kharita.text.gazetteer import gazetteer

        for p in paths:
            bind_mapping(p, mapping, geocoder=gazetteer().lookup)
    kb_obj = load_cli_kb(kb) if attribute else None
    with open_cli_store(store, engine, read_only=False) as con:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=err_console,
                      transient=True) as progress:
            task = progress.add_task("files", total=len(paths))
            scan = progress.add_task("reading", total=100)

            def on_file(i: int, p: Path) -> None:
                progress.update(task, completed=i, description=f"{name}: files")
                progress.update(scan, completed=0, description=f"  {p.name}")

            def on_progress(pct: float) -> None:
                progress.update(scan, completed=pct)

            reports = ing.ingest_paths(con, name, paths, source_version=source_version,
                                       since=since_date, countries=country, on_file=on_file,
                                       on_progress=on_progress, kb=kb_obj)
            progress.update(task, completed=len(paths))
            progress.update(scan, completed=100)
        emit(ing.summary_frame(reports), fmt, title="Ingest summary")
        if fmt == Format.table:
            _emit_attribution(reports)


def _emit_attribution(reports: Any) -> None:
    """Each file was attributed inside its own ingest transaction (all or nothing)."""
    from kharita.events.ingest import attribution_frame

    df = attribution_frame(reports)
    if df.empty:
        return
    emit(df, Format.table, title="Attribution of the new events",
         caption=f"KB version {', '.join(df.attrs['kb_versions'])}. rows: attribution rows, "
                 "more than the attributed events where one event is credited to several "
                 "entities (joint or ambiguous labels). Unresolved actors: kharita actors")


def quarantine_cmd(
    file: Annotated[str | None, typer.Option(
        "--file", help="Only rows of this file (path or file name).")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many rows.")] = None,
    store: StoreOption = None,
    engine: EngineOption = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List quarantined rows: file, row number, field, reason and raw text."""
    from kharita.events.ingest import quarantine_frame

    with open_cli_store(store, engine, read_only=True) as con:
        df = quarantine_frame(con, file=file, limit=limit)
    emit(df, fmt, title="Quarantined rows", caption=f"{len(df)} row(s)")


def fetch_cmd(
    source: Annotated[FetchSource, typer.Argument(help="Dataset to download.")],
    version: Annotated[str, typer.Option("--version", help="GED version, e.g. 25.1.")] = "25.1",
    cache_dir: Annotated[Path | None, typer.Option(
        "--cache-dir", help="Cache folder (default: KHARITA_CACHE).")] = None,
    base_url: Annotated[str | None, typer.Option(
        "--base-url", help="Base URL of the releases (default: KHARITA_UCDP_BASE_URL).")
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Download a public release into the cache (resumable, checksum-verified)."""
    from kharita.events.fetch import fetch_ucdp

    with Progress(TextColumn(f"{source.value} {version}"), BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), console=err_console, transient=True) as progress:
        task = progress.add_task("download", total=None)

        def on_bytes(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        result = fetch_ucdp(version, cache_dir=cache_dir or Path(setting("cache_dir")),
                            base_url=base_url or setting("ucdp_base_url"), progress=on_bytes)
    emit({"path": str(result.path), "url": result.url, "sha256": result.sha256,
          "bytes": result.size, "reused": result.reused, "resumed": result.resumed,
          "checksum": result.checksum_source, "note": result.note}, fmt, title="Fetched")
