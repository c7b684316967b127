"""``kharita demo``, ``kharita brief`` and ``kharita serve``: the brief and the workbench.

Each command parses its options, opens the store and loads the KB through
:mod:`kharita.cli.options` (``--store``, ``--engine``, ``--kb``, ``--from``/``--to``),
calls one library function (:func:`kharita.report.demo.run_demo`,
:func:`kharita.report.brief.build_brief`, :func:`kharita.web.app.create_app`) and prints
where the result went; nothing is computed here.
"""

from __future__ import annotations

import ipaddress
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kharita.cli.options import (
    EngineOption,
    Freq,
    FromOption,
    KbOption,
    StoreOption,
    ToOption,
    cli_frame,
    load_cli_kb,
    open_cli_store,
    store_path,
)
from kharita.cli.output import console, err_console
from kharita.config import setting

if TYPE_CHECKING:
    from rich.progress import Progress


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)
    app.command("brief")(brief_cmd)
    app.command("serve")(serve_cmd)


def _command_line(*parts: object) -> str:
    """The command as the user could type it again (rebuilt from the parsed options).

    Paths are shown by their file name only, so a brief carries no folder of the user's
    machine.
    """
    from kharita.views.store import public_path

    def shown(p: object) -> str:
        if isinstance(p, Path) or (isinstance(p, str) and p.startswith(("/", "~", "."))
                                   and "/" in p):
            return public_path(p)
        return str(p)

    return " ".join(["kharita", *(shlex.quote(shown(p)) for p in parts if p is not None)])


def _progress() -> Progress:
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                    console=err_console, transient=True)


def demo_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the store and brief.")]
    = Path("."),
    rows: Annotated[int, typer.Option(help="Number of synthetic events.", min=1)] = 50_000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic generator.")] = 2019,
    engine: EngineOption = None,
    kb: KbOption = None,
) -> None:
    """Offline demo: a SYNTHETIC store plus the KB, and the brief (kharita-brief.html)."""
    from kharita.report.demo import run_demo

    eng = engine.value if engine is not None else (setting("engine") or "duckdb")
    knowledge = load_cli_kb(kb)
    with _progress() as progress:
        task = progress.add_task("starting", total=None)
        result = run_demo(out, rows=rows, seed=seed, kb=knowledge, engine=eng,
                          spark_master=setting("spark_master") or None,
                          store_name="kharita-demo.duckdb" if eng == "duckdb"
                          else "kharita-demo-spark",
                          command=_command_line("demo", "--out", out, "--rows", rows,
                                                "--seed", seed,
                                                *(["--engine", eng] if engine else [])),
                          progress=lambda msg: progress.update(task, description=msg))
    timing = ", ".join(f"{k} {v:.1f}s" for k, v in result.seconds.items())
    console.print(f"[bold]SYNTHETIC[/bold] demo store: {result.store} ({result.events:,} "
                  f"events); brief: [bold]{result.brief}[/bold] ({timing})")
    console.print("Open it in a browser, or explore with: kharita serve --store "
                  f"{result.store}" + (f" --engine {eng}" if eng != "duckdb" else ""))


def brief_cmd(
    store: StoreOption = None,
    engine: EngineOption = None,
    kb: KbOption = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write "
                                                                "(- for standard output).")]
    = Path("kharita-brief.html"),
    date_from: FromOption = None,
    date_to: ToOption = None,
    freq: Annotated[Freq, typer.Option("--freq", help="Period of the time series.")]
    = Freq.year,
    pdf: Annotated[bool, typer.Option("--pdf", help="Also print a PDF with headless Chromium.")]
    = False,
) -> None:
    """Write the analyst's brief: one self-contained, offline HTML file."""
    from kharita.report.brief import build_brief, write_brief, write_pdf

    knowledge = load_cli_kb(kb)
    opened = open_cli_store(store, engine)
    try:
        frame = cli_frame(opened, knowledge, date_from=date_from, date_to=date_to)
        f = frame.filters
        cmd = _command_line("brief", "--store", store_path(store, engine),
                            *(["--engine", engine.value] if engine else []), "-o", output,
                            *(["--from", f.start] if f.start else []),
                            *(["--to", f.end] if f.end else []), "--freq", freq.value,
                            *(["--pdf"] if pdf else []))
        with _progress() as progress:
            task = progress.add_task("reading the store", total=None)
            brief = build_brief(frame, command=cmd, freq=freq.value,
                                progress=lambda t: progress.update(
                                    task, description=f"section: {t}"))
    finally:
        opened.close()
    if str(output) == "-":
        from kharita.cli.output import write_out
        from kharita.report.brief import render_html

        if pdf:
            raise typer.BadParameter("--pdf needs a file: give -o FILE.html", param_hint="--pdf")
        write_out(render_html(brief), document=True)
        return
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
    engine: EngineOption = None,
    kb: KbOption = None,
    host: Annotated[str, typer.Option(help="Address to bind (loopback by default).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.", min=1, max=65535)] = 8000,
    allow_remote: Annotated[bool, typer.Option(
        "--allow-remote", help="Allow binding to a non-loopback address.")] = False,
    allowed_host: Annotated[list[str] | None, typer.Option(
        "--allowed-host", metavar="NAME",
        help="With --allow-remote: a host name clients use to reach the workbench (repeat "
             "for several). Requests naming any other host are refused (DNS rebinding).")]
    = None,
) -> None:
    """The local, read-only web workbench (map, branches, network, events, JSON API)."""
    import uvicorn

    from kharita.web.app import create_app

    if not _is_loopback(host):
        if not allow_remote:
            raise typer.BadParameter(
                f"{host} is not a loopback address: the workbench serves the store to anyone "
                "who can reach it. Add --allow-remote to do this on purpose.",
                param_hint="--host")
        err_console.print(f"[bold yellow]warning:[/bold yellow] serving on {host}:{port}; "
                          "anyone who can reach this address can read the store.")
    knowledge = load_cli_kb(kb)
    opened = open_cli_store(store, engine, read_only=True, create=False)
    duck = opened.engine == "duckdb"
    if duck:
        # The workbench reads a copy of the file (kharita.web.snapshot), so ingest and
        # every other command can write the store while serve runs.
        opened.close()
    try:
        app = create_app(store_path(store, engine) if duck else opened, kb=knowledge,
                         command=_command_line(
                             "serve", "--store", store_path(store, engine),
                             *(["--engine", engine.value] if engine else [])),
                         allowed_hosts=[host, *(allowed_host or [])] if allow_remote else ())
        import threading

        # build the overview (the brief) while the user opens the first page
        threading.Thread(target=app.state.workbench.overview, daemon=True).start()
        console.print(f"kharita workbench on http://{host}:{port}/ (Ctrl-C to stop)")
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        if not duck:
            opened.close()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
