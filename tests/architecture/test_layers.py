"""The dependency direction is checkable: no module imports a layer above its own.

Layers (low to high), from ../shared/DESIGN.md: errors/names/config -> kb ->
event schema and connectors -> store -> ingest/attribution and text -> analysis ->
report/web -> cli. Only ``store/duckdb.py`` and ``store/spark.py`` import an engine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "kharita"

RANKS: list[tuple[str, int]] = [
    ("kharita.errors", 0),
    ("kharita.names", 0),
    ("kharita.config", 0),
    ("kharita.kb", 1),
    ("kharita.events.schema", 2),
    ("kharita.events.sources", 2),
    ("kharita.store", 3),
    ("kharita.events", 4),
    ("kharita.text", 4),
    ("kharita.analysis", 5),
    ("kharita.report", 6),
    ("kharita.web", 6),
    ("kharita.demo", 6),
    ("kharita.cli", 7),
]
ENGINES = ("duckdb", "pyspark")
ENGINE_MODULES = ("kharita.store.duckdb", "kharita.store.spark")


def rank(module: str) -> int | None:
    best: tuple[int, int] | None = None
    for prefix, r in RANKS:
        matches = module == prefix or module.startswith(prefix + ".")
        if matches and (best is None or len(prefix) > best[0]):
            best = (len(prefix), r)
    return best[1] if best else None


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.extend([(node.lineno, node.module)]
                       + [(node.lineno, f"{node.module}.{a.name}") for a in node.names])
    return out


MODULES = sorted(p for p in SRC.rglob("*.py"))


def test_every_module_has_a_layer() -> None:
    unranked = [module_name(p) for p in MODULES
                if module_name(p) != "kharita" and rank(module_name(p)) is None]
    assert unranked == [], f"add these modules to RANKS: {unranked}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_upward_imports(path: Path) -> None:
    me = module_name(path)
    my_rank = rank(me)
    if me == "kharita" or my_rank is None:
        return  # the package root re-exports the public API
    upward = []
    for line, target in imports_of(path):
        if not target.startswith("kharita"):
            continue
        r = rank(target)
        if r is not None and r > my_rank:
            upward.append(f"{path.name}:{line} imports {target} (layer {r} > {my_rank})")
    assert upward == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_only_store_imports_an_engine(path: Path) -> None:
    me = module_name(path)
    if me in ENGINE_MODULES:
        return
    bad = [f"{path.name}:{line} imports {target}" for line, target in imports_of(path)
           if target.split(".")[0] in ENGINES]
    assert bad == []


def test_the_check_can_fail(tmp_path: Path) -> None:
    # The rule itself: kb (1) importing analysis (5) is upward.
    assert rank("kharita.kb.load") == 1
    assert rank("kharita.analysis.activity") == 5
    assert rank("kharita.events.sources.ucdp") == 2 and rank("kharita.events.ingest") == 4
