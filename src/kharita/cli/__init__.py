"""The ``kharita`` command line: parses arguments, calls the library, prints.

Each topic lives in its own module of ``kharita.cli`` with a ``register(app)`` function
that adds its commands (``app.command("NAME")(func)`` or ``app.add_typer(sub,
name="NAME")``); the module is named once in :data:`COMMAND_MODULES`. No command
computes anything itself.

Modules are imported lazily: ``kharita --help`` lists the commands from each module's
source (:func:`command_index` reads ``register`` and the docstrings with :mod:`ast`,
importing nothing), and ``kharita NAME`` imports only the module that registers ``NAME``.
So the help costs no pandas, Ibis or pydantic import, and each command pays only for its
own imports (the approach of click's documented ``LazyGroup``,
https://click.palletsprojects.com/en/stable/complex/#lazily-loading-subcommands).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from kharita.errors import KharitaError

#: The command modules, in the order ``kharita --help`` lists their commands: one line
#: per module (``kharita.cli.<name>`` with a ``register(app)`` function).
COMMAND_MODULES: tuple[str, ...] = (
    "kb",
    "report",
    "text",
    "ingest",
    "contagion",
    "coverage",
    "attribute",
    "analysis",
    "outlook",
    "export",
    "links",
)


@dataclass(frozen=True)
class CommandEntry:
    """One top-level command as its module's source declares it."""

    name: str
    module: str
    help: str


def _docstring_help(tree: ast.Module, target: ast.expr) -> str:
    """The help of a registered function (its docstring) or sub-app (``help=``)."""
    if not isinstance(target, ast.Name):
        return ""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == target.id:
            return inspect.cleandoc(ast.get_docstring(node, clean=False) or "")
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == target.id for t in node.targets) \
                and isinstance(node.value, ast.Call):
            for kw in node.value.keywords:
                if kw.arg == "help" and isinstance(kw.value, ast.Constant):
                    return str(kw.value.value)
    return ""


def _module_commands(module: str) -> list[CommandEntry]:
    """The commands ``kharita.cli.<module>.register`` adds, read from its source."""
    path = Path(__file__).with_name(f"{module}.py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[CommandEntry] = []
    for node in tree.body:
        if not (isinstance(node, ast.FunctionDef) and node.name == "register"):
            continue
        for stmt in node.body:
            call = stmt.value if isinstance(stmt, ast.Expr) else None
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            # app.command("NAME")(func)
            if isinstance(func, ast.Call) and isinstance(func.func, ast.Attribute) \
                    and func.func.attr == "command" and func.args \
                    and isinstance(func.args[0], ast.Constant) and call.args:
                out.append(CommandEntry(str(func.args[0].value), module,
                                        _docstring_help(tree, call.args[0])))
            # app.add_typer(sub, name="NAME")
            elif isinstance(func, ast.Attribute) and func.attr == "add_typer" and call.args:
                name = next((str(k.value.value) for k in call.keywords if k.arg == "name"
                             and isinstance(k.value, ast.Constant)), None)
                if name:
                    out.append(CommandEntry(name, module, _docstring_help(tree, call.args[0])))
    return out


@cache
def command_index() -> dict[str, CommandEntry]:
    """Every top-level command, by name, in :data:`COMMAND_MODULES` order."""
    return {e.name: e for m in COMMAND_MODULES for e in _module_commands(m)}


#: Help labels for the value types typer names by their Python type (``<str>``,
#: ``<list[Path]>``): the names click uses; flags show none.
_TYPE_LABELS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "bool": "",
                "Path": "PATH", "path": "PATH", "file": "FILE", "directory": "DIRECTORY",
                "datetime": "DATE", "int range": "INTEGER", "float range": "NUMBER"}


def plain_type_label(label: str) -> str:
    """A typer type label as the help shows it: no Python type names.

    >>> [plain_type_label(x) for x in ("<str>", "<list[Path]>", "<bool>", "<week|year>")]
    ['TEXT', 'PATH...', '', '<week|year>']
    """
    inner = label[1:-1] if label.startswith("<") and label.endswith(">") else label
    many = inner.startswith("list[") and inner.endswith("]")
    if many:
        inner = inner[5:-1]
    if inner in _TYPE_LABELS:
        out = _TYPE_LABELS[inner]
    elif "|" in inner:
        out = f"<{inner}>"
    else:
        out = inner.upper()
    return out + ("..." if many and out else "")


@cache
def _plain_help() -> None:
    """Make typer's help plain: type labels without Python types (:func:`plain_type_label`)
    and no emoji codes (rich's markup turns ``BRANCH:DATE:FACTOR`` into a calendar);
    applied once, before any help is rendered."""
    from rich.text import Text
    from typer import core, rich_utils

    typed = core._TyperParameter.display_type

    def display_type(self: Any, ctx: Any) -> str:
        return plain_type_label(typed(self, ctx))

    core._TyperParameter.display_type = display_type  # type: ignore[method-assign]
    rich_text = rich_utils._make_rich_text

    def make_rich_text(*, text: str, style: str = "", markup_mode: Any) -> Any:
        if markup_mode == "rich" and not rich_utils._has_ansi_character(text):
            return rich_utils.highlighter(Text.from_markup(inspect.cleandoc(text), style=style,
                                                           emoji=False))
        return rich_text(text=text, style=style, markup_mode=markup_mode)

    rich_utils._make_rich_text = make_rich_text
    command_help = rich_utils._make_command_help

    def make_command_help(*, help_text: str, markup_mode: Any) -> Any:
        # a group's list of its commands: the first paragraph as one line for rich to wrap
        # (typer keeps the docstring's own line breaks in rich mode, so "kharita export
        # --help" broke every entry mid-sentence)
        first = inspect.cleandoc(help_text).split("\n\n")[0]
        return command_help(help_text=" ".join(first.split()), markup_mode=markup_mode)

    rich_utils._make_command_help = make_command_help

    def fix_linebreaks(paragraphs: list[str], markup_mode: Any) -> str:
        # typer keeps each later paragraph's own line breaks in rich mode, so at 80
        # columns "kharita ingest --help" broke lines mid-sentence: rejoin a prose
        # paragraph for rich to wrap; a list, an indented block or click's \b keep theirs
        return "\n\n".join(p if _keeps_lines(p) else " ".join(p.split())
                           for p in paragraphs)

    rich_utils._fix_linebreaks = fix_linebreaks


def _keeps_lines(paragraph: str) -> bool:
    """True for a help paragraph whose line breaks are its layout: click's ``\\b``
    marker, a list (a line starting with ``-``, ``*`` or ``1.``) or an indented line."""
    lines = paragraph.split("\n")
    return paragraph.startswith("\b") or any(
        line.startswith((" ", "\t")) or re.match(r"\s*([-*\u2022]|\d+[.)])\s", line)
        for line in lines)


@cache
def _module_group(module: str) -> Any:
    """The click group of one command module's commands (the module imported now)."""
    _plain_help()
    mod = importlib.import_module(f"kharita.cli.{module}")
    sub = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    sub.callback()(lambda: None)  # a group even when the module registers one command
    mod.register(sub)
    return typer.main.get_command(sub)


class LazyGroup(TyperGroup):
    """The root group: lists commands from :func:`command_index`, imports on use."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *command_index()]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = super().get_command(ctx, cmd_name)
        entry = command_index().get(cmd_name)
        if cmd is not None or entry is None:
            return cmd
        if self._listing:  # the help's command list: name and help, nothing imported
            return TyperCommand(cmd_name, help=" ".join(entry.help.split("\n\n")[0].split()))
        return _module_group(entry.module).commands[cmd_name]

    def format_help(self, ctx: Any, formatter: Any) -> None:
        _plain_help()
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="kharita",
    cls=LazyGroup,
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


def main() -> None:
    """Console entry point: turns kharita's own errors into a message and exit code 2."""
    from kharita.cli.output import err_console

    try:
        app()
    except KharitaError as exc:
        err_console.print(f"[bold red]error:[/bold red] {exc}")
        sys.exit(2)
