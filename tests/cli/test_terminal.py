"""What the command line prints: no terminal control sequences from data, plain help (no
Python types, no emoji), a lazy ``kharita --help``, 80-column tables, ``-o DIR`` and
``kb export -o -``."""

from __future__ import annotations

import csv
import io
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kharita.cli import app, command_index
from kharita.cli.output import Format, emit, safe_text

#: Clear screen, an OSC 8 hyperlink, an OSC 52 clipboard write, an 8-bit CSI and a CR.
EVIL = ("\x1b[2J\x1b[H\x1b]8;;https://evil.example/\x07click\x1b]8;;\x07"
        "\x1b]52;c;cm0gLXJmIH4=\x07\x9b31m\rX")


def _no_control(text: str) -> None:
    bad = sorted({hex(ord(c)) for c in text if (ord(c) < 32 and c not in "\t\n")
                  or 0x7f <= ord(c) <= 0x9f})
    assert not bad, f"control characters reach the terminal: {bad}"


@pytest.fixture(scope="module")
def evil_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A store of five real UCDP rows; the first one's side_b and place carry ``EVIL``."""
    with open(shared_data / "ucdp-ged" / "ucdpged.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:6]
    body[0][head.index("side_b")] += EVIL
    body[0][head.index("where_description")] = EVIL
    folder = tmp_path_factory.mktemp("evil")
    path = folder / "ged-evil.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([head, *body])
    store = folder / "s.duckdb"
    res = CliRunner().invoke(app, ["ingest", "ucdp", str(path), "--store", str(store)])
    assert res.exit_code == 0, res.output
    return store, f"ucdp:{body[0][head.index('id')]}"


def test_explain_escapes_control_sequences(evil_store: tuple[Path, str]) -> None:
    store, event_id = evil_store
    res = CliRunner().invoke(app, ["explain", event_id, "--store", str(store)])
    assert res.exit_code == 0, res.output
    _no_control(res.output)
    assert "\\x1b]52;c;" in res.output  # shown, visibly escaped, not executed
    for fmt in ("json", "csv"):
        res = CliRunner().invoke(app, ["explain", event_id, "--store", str(store), "-f", fmt])
        assert res.exit_code == 0, res.output
        _no_control(res.output)


def test_explain_json_keeps_the_text(evil_store: tuple[Path, str]) -> None:
    """JSON escapes are lossless: the data read back is the data stored."""
    store, event_id = evil_store
    res = CliRunner().invoke(app, ["explain", event_id, "--store", str(store), "-f", "json"])
    assert json.loads(res.output)["raw"]["where_description"] == EVIL


def test_table_escapes_control_sequences(evil_store: tuple[Path, str]) -> None:
    store, _ = evil_store
    res = CliRunner().invoke(app, ["actors", "--store", str(store)])
    assert res.exit_code == 0, res.output
    _no_control(res.output)
    assert "\\x1b" in res.output


def test_emit_every_format_is_clean(capsys: pytest.CaptureFixture[str]) -> None:
    df = pd.DataFrame({"name": [EVIL], "n": [1]})
    for fmt in Format:
        emit(df, fmt, title=EVIL, caption=EVIL)
        _no_control(capsys.readouterr().out)
    emit(df, Format.json)
    assert json.loads(capsys.readouterr().out)[0]["name"] == EVIL  # lossless


def test_safe_text_keeps_tab_newline_and_arabic() -> None:
    assert safe_text("a\tb\nولاية") == "a\tb\nولاية"


def test_help_lists_commands_without_importing_them() -> None:
    code = ("import sys; from typer.testing import CliRunner; from kharita.cli import app; "
            "r = CliRunner().invoke(app, ['--help']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('pandas', 'ibis', 'pydantic', 'duckdb', 'numpy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_command_index_is_the_registration() -> None:
    """The help's list (read from the sources) names every command with its own help."""
    import importlib

    import typer

    from kharita.cli import COMMAND_MODULES

    full = typer.Typer()
    full.callback()(lambda: None)
    for m in COMMAND_MODULES:
        importlib.import_module(f"kharita.cli.{m}").register(full)
    group = typer.main.get_command(full)
    assert set(command_index()) == set(group.commands)  # type: ignore[attr-defined]
    for name, entry in command_index().items():
        assert (group.commands[name].help or "").strip() == entry.help.strip(), name  # type: ignore[attr-defined]


@pytest.mark.parametrize("args", [["--help"], ["activity", "--help"], ["synthesize", "--help"],
                                  ["ingest", "--help"], ["kb", "export", "--help"]])
def test_help_has_no_python_types_or_emoji(args: list[str]) -> None:
    res = CliRunner().invoke(app, args, terminal_width=100)
    assert res.exit_code == 0, res.output
    for leak in ("<str>", "<int>", "<float>", "<bool>", "<path>", "list[", "Path]", "📅"):
        assert leak not in res.output, (leak, res.output)
    if args[0] == "synthesize":
        assert "BRANCH:DATE:FACTOR" in res.output.replace("\n", "")


@pytest.mark.parametrize("group", ["export", "kb", "links", "claims"])
def test_a_groups_command_list_wraps_whole_paragraphs(group: str) -> None:
    """A group's list of its commands: each entry is its first paragraph wrapped by rich,
    not cut where the docstring's lines end ("the default: linked reports" on a line of
    its own, then "once) and branch")."""
    res = CliRunner().invoke(app, [group, "--help"], terminal_width=80)
    assert res.exit_code == 0, res.output
    panel = res.output[res.output.index("Commands"):].splitlines()[1:-1]
    cells = [line[1:-1] for line in panel if line.startswith("│")]
    width = max(len(c.rstrip()) for c in cells)
    for line, following in itertools.pairwise(cells):
        continues = following[:3].strip() == ""  # the same entry goes on
        if continues:
            assert len(line.rstrip()) >= width - 15, (line, following)


def test_tables_fit_80_columns(capsys: pytest.CaptureFixture[str]) -> None:
    df = pd.DataFrame({f"column_{i}": [123456.5, 2.5] for i in range(12)})
    df.insert(0, "event_id", ["ucdp:244424", "acled:NIG12345"])
    emit(df, Format.table)
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "ucdp:244424" in out and "acled:NIG12345" in out  # ids whole, on one line
    assert "more column(s)" in out
    emit(df, Format.table, wide=True)
    assert "column_11" in capsys.readouterr().out


def test_small_values_without_scientific_notation(capsys: pytest.CaptureFixture[str]) -> None:
    emit(pd.DataFrame({"p_adj": [6.224e-11, 0.0312]}), Format.table)
    out = capsys.readouterr().out
    assert "e-11" not in out and "<0.0001" in out and "0.0312" in out


def test_output_dir_writes_one_file_per_table(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["structure", "--seeds", "2", "-o", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["curves.csv", "measures.csv"]
    assert list(pd.read_csv(tmp_path / "out" / "measures.csv").columns[:3]) == [
        "as_of", "nodes", "edges"]


def test_kb_export_to_stdout(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["kb", "export", "-f", "json", "-o", "-"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data and not (Path.cwd() / "-").exists()
    res = CliRunner().invoke(app, ["kb", "export", "-f", "graphml", "-o", "-"])
    assert res.exit_code == 0 and res.stdout.lstrip().startswith("<?xml")
    assert io.StringIO(res.stdout).read().count("<node") > 5


def test_documents_pass_unchanged_into_pipes(capsys: pytest.CaptureFixture[str]) -> None:
    """The brief's HTML inlines plotly.js, whose strings hold control characters: written
    to a pipe or file (not a terminal) it is left as it is; other output is escaped."""
    from kharita.cli.output import write_out

    write_out("<script>var s='\x01\x1a';</script>", document=True)
    assert capsys.readouterr().out == "<script>var s='\x01\x1a';</script>"
    write_out("a\x1bb")
    assert capsys.readouterr().out == "a\\x1bb"


def _commands() -> list[list[str]]:
    from kharita.cli import command_index

    return [[name] for name in command_index()]


@pytest.mark.parametrize("args", _commands(), ids=lambda a: " ".join(a))
def test_a_commands_help_wraps_whole_paragraphs(args: list[str]) -> None:
    """A command's help text above its option panels: rich wraps each prose paragraph at
    the terminal's width, so no short line is followed by the rest of its sentence
    ("... the quarantine (see `kharita quarantine`); a" / "file" / "ingested before")."""
    res = CliRunner().invoke(app, [*args, "--help"], terminal_width=80)
    assert res.exit_code == 0, res.output
    text = res.output.split("╭")[0].splitlines()
    for line, following in itertools.pairwise(text):
        nxt = following.strip()
        if line.strip() and nxt and nxt[0].islower():  # the sentence goes on
            assert len(line.rstrip()) >= 80 - 20, (line, following)
