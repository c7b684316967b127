"""``kharita kb ...``: validate, show, find and export the knowledge base."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kharita.cli.options import KbOption
from kharita.cli.output import Format, console, emit, err_console

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase

kb_app = typer.Typer(help="The knowledge base: the network's entities, relations and sources.",
                     no_args_is_help=True)

FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]


def register(app: typer.Typer) -> None:
    app.add_typer(kb_app, name="kb")


def _load(overlays: list[Path] | None, check: bool = True) -> KnowledgeBase:
    from kharita.cli.options import load_cli_kb

    return load_cli_kb(overlays, check=check)


@kb_app.command("validate")
def validate_cmd(kb: KbOption = None) -> None:
    """Check every KB file; print file:line and a message for each problem."""
    knowledge = _load(kb, check=False)
    if knowledge.problems:
        for p in knowledge.problems:
            err_console.print(str(p), markup=False, highlight=False)
        err_console.print(f"[bold red]{len(knowledge.problems)} problem(s)[/bold red]")
        raise typer.Exit(1)
    console.print(
        f"[green]OK[/green] KB {knowledge.version}: {len(knowledge.entities)} entities, "
        f"{len(knowledge.relations)} relations, {len(knowledge.territories)} territories, "
        f"{len(knowledge.claims)} claims, {len(knowledge.sources)} sources "
        f"from {len(knowledge.paths)} file(s)")


@kb_app.command("show")
def show_cmd(
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Date (YYYY-MM-DD); default today.")] = None,
    fmt: FormatOption = Format.table,
    kb: KbOption = None,
) -> None:
    """The network on a date: provinces, offices and what they cover, leaders, sources."""
    import datetime as dt

    import pandas as pd

    knowledge = _load(kb)
    snap = knowledge.as_of(as_of or dt.date.today().isoformat())
    data = snap.to_dict()
    if fmt == Format.json:
        emit(data, fmt)
        return
    rows = []
    for section in ("organisation", "directorates", "offices", "provinces"):
        for e in data[section]:
            rows.append({
                "kind": section.rstrip("s") if section != "organisation" else "organisation",
                "id": e["id"], "name": e["name"], "name_ar": e.get("name_ar") or "",
                "covers / part of": ", ".join(e.get("covers", []))
                or ", ".join(r["target"] for r in e.get("part_of", [])),
                "led by": "; ".join(x["person"]["name"]
                                    for x in data["leaders"].get(e["id"], [])),
                "sources": len(e["sources"]),
            })
    emit(pd.DataFrame(rows), fmt, title=f"The network as of {data['as_of']}",
         caption=f"KB {data['kb_version']}. Every fact's sources: --format json")


@kb_app.command("find")
def find_cmd(
    name: Annotated[str, typer.Argument(help="A name or alias, in English, Arabic or French.")],
    as_of: Annotated[str | None, typer.Option("--as-of", help="Only entities valid then.")] = None,
    fmt: FormatOption = Format.table,
    kb: KbOption = None,
) -> None:
    """Resolve a name or alias to KB entities, explaining each match."""
    import pandas as pd

    knowledge = _load(kb)
    matches = knowledge.find(name, as_of=as_of)
    rows = [{"entity_id": m.entity_id, "type": knowledge.entities[m.entity_id].type,
             "name": knowledge.entities[m.entity_id].names.en, "rule": m.rule,
             "why": m.explain()} for m in matches]
    if not rows:
        err_console.print(f"no entity matches {name!r}")
        raise typer.Exit(1)
    emit(pd.DataFrame(rows), fmt, title=f"Matches for {name}")


class ExportFormatChoice(StrEnum):
    graphml = "graphml"
    gexf = "gexf"
    json = "json"
    stix = "stix"


@kb_app.command("export")
def export_cmd(
    fmt: Annotated[ExportFormatChoice, typer.Option("--format", "-f", help="Export format.")],
    output: Annotated[Path, typer.Option("-o", "--output", metavar="FILE",
                                         help="File to write (- for standard output).")],
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Only the network valid on this date.")] = None,
    kb: KbOption = None,
) -> None:
    """Export to GraphML/GEXF (Gephi), node-link JSON or a STIX 2.1 bundle (OpenCTI, MISP)."""
    from kharita.kb.export import export_kb

    if str(output) == "-":
        import tempfile

        from kharita.cli.output import write_out

        with tempfile.TemporaryDirectory(prefix="kharita-export-") as tmp:
            path = export_kb(_load(kb), fmt.value, Path(tmp) / f"kb.{fmt.value}", as_of=as_of)
            text = path.read_text(encoding="utf-8")
        write_out(text if text.endswith("\n") else text + "\n",
                  json_text=fmt in (ExportFormatChoice.json, ExportFormatChoice.stix))
        return
    path = export_kb(_load(kb), fmt.value, output, as_of=as_of)
    console.print(f"wrote {path} ({fmt.value})")
