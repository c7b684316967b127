"""Every data command's ``-f csv`` is exactly one table that pandas parses into the
columns it names (no ``# section`` lines, no JSON); several tables need ``--table``."""

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

    path = tmp_path_factory.mktemp("cli") / "s.duckdb"
    st = open_store(path)
    insert_synthetic_events(st, 1500, seed=5)
    st.close()
    return path


#: command line (after ``--store``) -> columns its CSV must start with
CASES = {
    "activity": (["activity"], ["period", "entity_id", "events"]),
    "geography-centres": (["geography", "--table", "centres"], ["period", "lat", "lon"]),
    "geography-regions": (["geography", "--table", "regions"], ["period"]),
    "geography-crossing": (["geography", "--table", "crossing", "--boot", "20"], []),
    "decentralization": (["decentralization", "--boot", "20"], ["period"]),
    "shocks": (["shocks", "--placebos", "0", "--date", "death"],
               ["leader_id", "leader", "kind", "date"]),
    "check": (["check", "provinces-autonomy"], ["preset", "verdict", "reason"]),
    "actors": (["actors"], []),
    "contagion": (["contagion", "--table", "excitation", "--jitter-seeds", "1",
                   "--min-events", "20"], ["target"]),
    "outlook": (["outlook", "--horizon", "2", "--samples", "100"], ["unit", "origin", "period"]),
    "outlook-backtest": (["outlook", "--horizon", "2", "--samples", "100", "--backtest",
                          "--table", "backtest"], ["model", "crps"]),
    "alerts": (["alerts", "--freq", "month", "--all"], []),
    "coverage": (["coverage"], []),
    "coverage-estimate": (["coverage-estimate"], []),
}
NO_STORE = {
    "structure-measures": (["structure", "--table", "measures", "--seeds", "2"],
                           ["as_of", "nodes", "edges"]),
    "structure-curves": (["structure", "--table", "curves", "--seeds", "2"], ["strategy"]),
    "presets": (["presets"], ["preset", "claim"]),
}


def _csv(args: list[str]) -> pd.DataFrame:
    res = CliRunner().invoke(app, [*args, "-f", "csv"])
    assert res.exit_code == 0, res.output
    assert not res.stdout.lstrip().startswith(("#", "{", "[")), res.stdout[:200]
    return pd.read_csv(io.StringIO(res.stdout))


@pytest.mark.parametrize("name", list(CASES))
def test_csv_is_one_table(store, name) -> None:
    args, columns = CASES[name]
    df = _csv([*args, "--store", str(store)])
    assert df.shape[1] >= max(2, len(columns)), df.columns.tolist()
    assert list(df.columns[: len(columns)]) == columns


@pytest.mark.parametrize("name", list(NO_STORE))
def test_csv_is_one_table_kb_commands(name) -> None:
    args, columns = NO_STORE[name]
    df = _csv(args)
    assert list(df.columns[: len(columns)]) == columns and len(df) > 0


def test_several_tables_as_csv_need_table(store) -> None:
    res = CliRunner().invoke(app, ["geography", "--store", str(store), "-f", "csv",
                                   "--boot", "10"])
    assert res.exit_code != 0
    assert "--table" in str(res.exception) and "centres" in str(res.exception)


def test_version() -> None:
    from kharita import __version__

    res = CliRunner().invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout.strip() == f"kharita {__version__}"


def test_table_prints_periods_at_their_frequency_and_ids_verbatim(store) -> None:
    res = CliRunner().invoke(app, ["activity", "--store", str(store), "--freq", "quarter"],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "-Q" in res.stdout and "-01-01" not in res.stdout
    from kharita.cli.output import is_id_column

    assert is_id_column("priogrid_gid") and not is_id_column("fatalities_best")
