"""Shared fixtures: the real data in ../shared/data, temporary stores, the KB."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SHARED_SEEDS = REPO.parent / "shared" / "seeds"


def _require_shared() -> bool:
    return os.environ.get("KHARITA_REQUIRE_SHARED", "0") not in ("", "0", "false", "no")


def shared_path(*parts: str) -> Path:
    """Path into ../shared; skips the test (or fails, under KHARITA_REQUIRE_SHARED=1)
    when it is absent."""
    path = SHARED_DATA.parent.joinpath(*parts)
    if not path.exists():
        message = f"real test data not found at {path} (see ../shared/data/PROVENANCE.md)"
        if _require_shared():
            pytest.fail(message + "; KHARITA_REQUIRE_SHARED=1 makes this mandatory")
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: real UCDP and GDELT extracts."""
    return shared_path("data")


@pytest.fixture(scope="session")
def shared_seeds() -> Path:
    """``../shared/seeds``: the seed analysis (Arabic)."""
    return shared_path("seeds")


@pytest.fixture(scope="session")
def kb():
    from kharita import load_kb

    return load_kb()


@pytest.fixture(autouse=True)
def _no_user_kb_overlays(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's own overlay must not change what the tests see.
    monkeypatch.delenv("KHARITA_KB_PATH", raising=False)
    monkeypatch.delenv("KHARITA_STORE", raising=False)
