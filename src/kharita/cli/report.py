"""``kharita demo``, ``kharita brief`` and ``kharita serve``: the brief and the workbench."""

from __future__ import annotations

import datetime as dt
import ipaddress
import shlex
from pathlib import Path
from typing import Annotated

import typer

from kharita.cli.output import console, err_console

StoreOption = Annotated[Path | None, typer.Option(
    "--store", help="The DuckDB event store (default $KHARITA_STORE or ./kharita.duckdb).")]


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)
    app.command("brief")(brief_cmd)
    app.command("serve")(serve_cmd)


def _command_line(*parts: object) -> str:
    """The command as the user could type it again (rebuilt from the parsed options)."""
    return " ".join(["kharita", *(shlex.quote(str(p)) for p in parts if p is not None)])


def _date(value: str | None, flag: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=flag) \
            from None


def demo_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the store and brief.")]
    = Path("."),
    rows: Annotated[int, typer.Option(help="Number of synthetic events.", min=1)] = 50_000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic generator.")] = 2019,
) -> None:
    """Offline demo: a SYNTHETIC store plus the KB, and the brief (kharita-brief.html)."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from kharita.report.demo import run_demo

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True) as progress:
        task = progress.add_task("starting", total=None)
        result = run_demo(out, rows=rows, seed=seed,
                          command=_command_line("demo", "--out", out, "--rows", rows,
                                                "--seed", seed),
                          progress=lambda msg: progress.update(task, description=msg))
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    console.print(f"[bold]SYNTHETIC[/bold] demo store: {result.store} ({result.events:,} "
                  f"events); brief: [bold]{result.brief}[/bold] ({timing})")
    console.print(f"Open it in a browser, or explore with: kharita serve --store {result.store}")


def brief_cmd(
    store: StoreOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write.")]
    = Path("kharita-brief.html"),
    date_from: Annotated[str | None, typer.Option("--from", help="First date (YYYY-MM-DD).")]
    = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last date (YYYY-MM-DD).")] = None,
    freq: Annotated[str, typer.Option(help="Period of the time series: year, quarter, month.")]
    = "year",
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print a PDF with headless Chromium.")]
    = False,
) -> None:
    """Write the analyst's brief: one self-contained, offline HTML file."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from kharita.kb import load_kb
    from kharita.report.brief import build_brief, write_brief, write_pdf
    from kharita.store.duckdb import connect, default_store_path

    if freq not in ("year", "quarter", "month"):
        raise typer.BadParameter("expected year, quarter or month", param_hint="--freq")
    start, end = _date(date_from, "--from"), _date(date_to, "--to")
    if start and end and start > end:
        raise typer.BadParameter(f"--from {start} is after --to {end}", param_hint="--from")
    kb = load_kb()
    con = connect(store, read_only=True)
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err_console, transient=True) as progress:
            task = progress.add_task("reading the store", total=None)
            cmd = _command_line("brief", "--store", store or default_store_path(), "-o", output,
                                *(["--from", start] if start else []),
                                *(["--to", end] if end else []), "--freq", freq,
                                *(["--pdf"] if pdf else []))
            brief = build_brief(con, kb, start=start, end=end, command=cmd,
                                freq=freq, progress=lambda t: progress.update(
                                    task, description=f"section: {t}"))
    finally:
        con.close()
    path = write_brief(brief, output)
    size = path.stat().st_size / 1e6
    missing = [s.title for s in brief.sections if s.status != "ok"]
    console.print(f"brief written: [bold]{path}[/bold] ({size:.1f} MB"
                  + (", SYNTHETIC" if brief.synthetic else "") + ")")
    if missing:
        console.print(f"[yellow]sections not available:[/yellow] {', '.join(missing)}")
    if pdf:
        out_pdf = write_pdf(path, path.with_suffix(".pdf"))
        console.print(f"PDF written: [bold]{out_pdf}[/bold]")


def serve_cmd(
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8000,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow binding to a non-loopback address.")] = False,
) -> None:
    """The local, read-only web workbench (map, branches, network, events, JSON API)."""
    import uvicorn

    from kharita.store.duckdb import default_store_path
    from kharita.web.app import create_app

    if not _is_loopback(host):
        if not allow_remote:
            raise typer.BadParameter(
                f"{host} is not a loopback address: the workbench serves the store to anyone "
                "who can reach it. Add --allow-remote to do this on purpose.",
                param_hint="--host")
        err_console.print(f"[bold yellow]warning:[/bold yellow] serving on {host}:{port}; "
                          "anyone who can reach this address can read the store.")
    app = create_app(store or default_store_path())
    console.print(f"kharita workbench on http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
