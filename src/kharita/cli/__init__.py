"""The ``kharita`` command line: parses arguments, calls the library, prints.

Each topic lives in its own module with its own ``typer.Typer`` (or commands) and is
registered here; no command computes anything itself.
"""

from __future__ import annotations

import sys

import typer

from kharita.errors import KharitaError

app = typer.Typer(
    name="kharita",
    help="kharita: a sourced, time-aware workbench for decentralized transnational armed "
         "networks (reference case: the Islamic State after 2019).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from kharita import __version__

        typer.echo(f"kharita {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """kharita: a sourced, time-aware workbench for decentralized transnational armed
    networks (reference case: the Islamic State after 2019)."""


def _register() -> None:
    # One line per topic module; each adds its commands to ``app``.
    from kharita.cli import kb as _kb

    _kb.register(app)
    from kharita.cli import report as _report; _report.register(app)  # noqa: E702, I001
    from kharita.cli import text as _text; _text.register(app)  # noqa: E702, I001
    from kharita.cli import ingest as _ingest; _ingest.register(app)  # noqa: E702, I001
    from kharita.cli import contagion as _contagion; _contagion.register(app)  # noqa: E702, I001
    from kharita.cli import coverage as _coverage; _coverage.register(app)  # noqa: E702, I001
    from kharita.cli import attribute as _attribute; _attribute.register(app)  # noqa: E702, I001
    from kharita.cli import analysis as _analysis; _analysis.register(app)  # noqa: E702, I001
    from kharita.cli import outlook as _outlook; _outlook.register(app)  # noqa: E702, I001
    from kharita.cli import export as _export; _export.register(app)  # noqa: E702, I001


_register()


def main() -> None:
    """Console entry point: turns kharita's own errors into a message and exit code 2."""
    from kharita.cli.output import err_console

    try:
        app()
    except KharitaError as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc}")
        sys.exit(2)
