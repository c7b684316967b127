"""Root conftest: applies to the doctests in src/kharita as well as to tests/."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict) -> None:
    from kharita import load_kb

    doctest_namespace["load_kb"] = load_kb
