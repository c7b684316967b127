"""The filter options of the analysis commands reach the one ``Filters`` (``--admin1``,
``--actor``, ``--min-fatalities``, ``--max-fatalities``, ``--count``)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from kharita.cli import app


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kharita.store.base import open_store
    from kharita.store.synthetic import insert_synthetic_events

    path = tmp_path_factory.mktemp("filters") / "s.duckdb"
    st = open_store(path)
    insert_synthetic_events(st, 1500, seed=7)
    st.close()
    return path


def _total(store: Path, *args: str) -> float:
    res = CliRunner().invoke(app, ["activity", "--by", "network", "--store", str(store),
                                   "-f", "csv", *args])
    assert res.exit_code == 0, res.output
    return float(pd.read_csv(io.StringIO(res.stdout))["events_raw"].sum())


def test_fatality_bounds_narrow_the_frame(store: Path) -> None:
    everything = _total(store)
    low, high = _total(store, "--max-fatalities", "2"), _total(store, "--min-fatalities", "3")
    assert 0 < low < everything and 0 < high < everything
    assert low + high == everything  # the two bounds split the events


def test_count_reports_is_a_choice(store: Path) -> None:
    assert _total(store, "--count", "reports") == _total(store)  # no links: the same
    res = CliRunner().invoke(app, ["activity", "--store", str(store), "--count", "rows"])
    assert res.exit_code == 2


def test_admin1_and_actor(store: Path) -> None:
    assert _total(store, "--actor", "no such actor anywhere") == 0
    assert _total(store, "--admin1", "no such province") == 0


def test_bad_bounds_are_exit_2(store: Path) -> None:
    from kharita.cli import main  # noqa: F401  (main maps UserInputError to exit 2)

    res = CliRunner().invoke(app, ["activity", "--store", str(store), "--min-fatalities", "9",
                                   "--max-fatalities", "2"])
    assert res.exit_code != 0 and "max_fatalities" in str(res.exception or res.output)
