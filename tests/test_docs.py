"""Documentation cannot drift: CLI reference current, settings and pages documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kharita.cli.reference import reference_markdown
from kharita.config import SETTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs"
README = Path(__file__).resolve().parents[1] / "README.md"


def test_cli_reference_is_current() -> None:
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert current == reference_markdown(), (
        "docs/cli.md is stale: run `python -m kharita.cli.reference > docs/cli.md`")


def _settings_table() -> dict[str, tuple[str, str]]:
    """The table under ``## Settings`` in docs/architecture.md: variable -> (default, what)."""
    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    section = text.split("\n## Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(KHARITA_[A-Z0-9_]+)` \| ([^|]*) \| ([^|]*) \|$", section, re.M)
    return {env: (default.strip(), what.strip()) for env, default, what in rows}


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.env)
def test_every_setting_is_documented(setting) -> None:
    table = _settings_table()
    assert setting.env in table, (
        f"{setting.env} has no row in the settings table of docs/architecture.md")
    default, what = table[setting.env]
    assert what, f"{setting.env}: say what it sets"
    if setting.default in ("", "0", "duckdb"):
        assert (setting.default or "(none") in default, (
            f"{setting.env}: documented default {default!r}, declared {setting.default!r}")


def test_the_settings_table_has_only_declared_settings() -> None:
    table = _settings_table()
    assert len(table) >= 5
    assert set(table) == {s.env for s in SETTINGS}, (
        "docs/architecture.md's settings table and kharita.config.SETTINGS disagree")
    text = "\n".join(p.read_text(encoding="utf-8") for p in [*DOCS.glob("*.md"), README])
    mentioned = set(re.findall(r"\bKHARITA_[A-Z][A-Z0-9_]*[A-Z0-9]\b", text))
    assert mentioned <= {s.env for s in SETTINGS}, "docs mention variables kharita never reads"


def test_setting_reads_its_variable_or_its_default(monkeypatch) -> None:
    from kharita.config import setting

    monkeypatch.delenv("KHARITA_ENGINE", raising=False)
    assert setting("engine") == "duckdb"
    monkeypatch.setenv("KHARITA_ENGINE", "spark")
    assert setting("engine") == "spark"
    monkeypatch.setenv("KHARITA_ENGINE", "")
    assert setting("engine") == "duckdb"  # empty means unset
    with pytest.raises(KeyError, match="unknown setting"):
        setting("no_such_setting")


SRC = Path(__file__).resolve().parents[1] / "src" / "kharita"
#: Only these read the environment (through kharita.config.setting).
ENV_READERS = ("config.py", "cli", "web")


def _environment_reads(path: Path) -> list[str]:
    """Lines that read the process environment: os.environ, os.getenv, os.putenv."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(SRC) if path.is_relative_to(SRC) else path.name
    out = []
    for node in ast.walk(tree):
        name = (node.attr if isinstance(node, ast.Attribute)
                else node.id if isinstance(node, ast.Name) else None)
        if name in ("environ", "getenv", "environb", "putenv"):
            out.append(f"{where}:{getattr(node, 'lineno', '?')}")
        if isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in ("environ", "getenv") for a in node.names):
            out.append(f"{where}:{node.lineno}")
    return sorted(set(out))


def test_only_the_cli_and_web_read_the_environment(tmp_path) -> None:
    library = [p for p in sorted(SRC.rglob("*.py"))
               if p.relative_to(SRC).parts[0] not in ENV_READERS]
    reads = [r for p in library for r in _environment_reads(p)]
    assert reads == [], ("library code takes settings as arguments; only cli/ and web/ "
                         "read them, with kharita.config.setting")
    bad = tmp_path / "bad.py"  # the check can fail
    bad.write_text("import os\nfrom os import getenv\nx = os.environ.get('A')\n"
                   "y = os.getenv('B')\nz = os.pathsep\n", encoding="utf-8")
    assert _environment_reads(bad) == ["bad.py:2", "bad.py:3", "bad.py:4"]


def test_every_docs_page_is_linked_from_the_index() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([\w-]+\.md)\)", index))
    pages = {p.name for p in DOCS.glob("*.md")} - {"index.md"}
    assert pages - linked == set(), f"pages missing from docs/index.md: {pages - linked}"


def test_readme_starts_with_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("```bash", 1)[1].split("```", 1)[0].strip().splitlines()
    assert block[0].startswith("pip install . && kharita demo")
    assert block[1].startswith("pip install -e '.[test]' && python -m pytest")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && python -m pytest" in ci
    assert "KHARITA_REQUIRE_SHARED=1" in ci
