"""The dependency direction is checkable: no module imports a layer above its own,
and every query lives in the store adapter.

Layers (low to high), from ../shared/DESIGN.md: errors/names/config -> kb ->
event schema and connectors -> store -> ingest/attribution and text -> analysis ->
views (the read model) -> report/web -> cli. Only ``store/duckdb.py`` and
``store/spark.py`` import an engine; no module outside ``store/`` holds a SQL string or
calls an engine's cursor API.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "kharita"

RANKS: list[tuple[str, int]] = [
    ("kharita.errors", 0),
    ("kharita.names", 0),
    ("kharita.config", 0),
    ("kharita.geo", 0),
    ("kharita.kb", 1),
    ("kharita.events.schema", 2),
    ("kharita.events.sources", 2),
    ("kharita.store", 3),
    ("kharita.events", 4),
    ("kharita.linkage", 4),
    ("kharita.text", 4),
    ("kharita.analysis", 5),
    ("kharita.views", 6),
    ("kharita.report", 7),
    ("kharita.web", 7),
    ("kharita.demo", 7),
    ("kharita.cli", 8),
    ("kharita.__main__", 8),
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


#: SQL statements as kharita writes them (keywords in capitals).
SQL = re.compile(r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b"
                 r"|\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+|TEMPORARY\s+)?(?:TABLE|VIEW)\b"
                 r"|\bDROP\s+(?:TABLE|VIEW)\b|\bUPDATE\s+\w+\s+SET\b")
#: The DB-API / DuckDB / Spark cursor calls only the store adapter may make.
CURSOR_CALLS = ("fetchone", "fetchall", "fetchmany", "fetch_df", "fetchdf",
                "fetch_arrow_table", "query_progress", "cursor", "createOrReplaceTempView")


def _docstrings(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def sql_strings(path: Path) -> list[str]:
    """Line numbers and heads of string literals (or f-strings) that are SQL statements."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    inner: set[int] = set()
    out = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.JoinedStr):
            parts = [v for v in node.values if isinstance(v, ast.Constant)]
            inner.update(id(v) for v in parts)
            text = " x ".join(str(v.value) for v in parts)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in skip and id(node) not in inner:
            text = node.value
        if text and SQL.search(text):
            out.append(f"{path.name}:{node.lineno}: {text.strip()[:60]!r}")
    return out


def cursor_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [f"{path.name}:{n.lineno}: .{n.func.attr}()" for n in ast.walk(tree)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
            and n.func.attr in CURSOR_CALLS]


def _in_store(path: Path) -> bool:
    return module_name(path).startswith("kharita.store")


@pytest.mark.parametrize("path", [p for p in MODULES if not _in_store(p)],
                         ids=lambda p: module_name(p))
def test_no_sql_outside_the_store(path: Path) -> None:
    assert sql_strings(path) == [], "move the query into a builder in kharita/store/sql/"


@pytest.mark.parametrize("path", [p for p in MODULES if not _in_store(p)],
                         ids=lambda p: module_name(p))
def test_no_engine_calls_outside_the_store(path: Path) -> None:
    assert cursor_calls(path) == [], "go through kharita.store.base.Store"


def test_the_sql_check_can_fail(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('"""Docstring: SELECT x FROM y is fine here."""\n'
                   'def f(con, t):\n'
                   '    con.execute(f"SELECT a FROM {t} WHERE b = 1").fetchone()\n'
                   '    return "INSERT INTO events VALUES (1)"\n', encoding="utf-8")
    assert len(sql_strings(bad)) == 2
    assert len(cursor_calls(bad)) == 1
    ok = tmp_path / "ok.py"
    ok.write_text('MSG = "select the rows you need from the table"\n', encoding="utf-8")
    assert sql_strings(ok) == []
