"""A small synthetic store, built once per session through the real pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kharita.report.demo import build_demo_store

    path = tmp_path_factory.mktemp("webstore") / "demo.duckdb"
    build_demo_store(path, rows=4000, seed=11)
    return path


@pytest.fixture(scope="session")
def web_app(demo_store: Path):
    from kharita import load_kb
    from kharita.web.app import create_app

    return create_app(demo_store, kb=load_kb())
