"""Presets: verdicts on synthetic data with a known answer, and on the real extracts."""

from __future__ import annotations

import json

import pytest

from kharita.analysis.frame import insert_synthetic_events
from kharita.analysis.presets import (
    CONTRADICTED,
    NOT_TESTABLE,
    PRESETS,
    SUPPORTED,
    VERDICTS,
    run_preset,
    run_presets,
)
from kharita.errors import KharitaError
from kharita.store.duckdb import connect

from ._fixtures import add_event, tiny_kb


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    con = connect(tmp_path_factory.mktemp("presets") / "syn.duckdb")
    insert_synthetic_events(con, 20_000, seed=3)
    return con


def test_synthetic_shift_and_decentralization_are_supported(synthetic, kb):
    shift = run_preset(synthetic, "shift-to-africa", kb=kb, n_boot=200)
    assert shift.verdict == SUPPORTED, shift.reason
    assert shift.figures["centre_last"]["lat"] < shift.figures["centre_first"]["lat"]
    dec = run_preset(synthetic, "decentralization", kb=kb, n_boot=200)
    assert dec.verdict == SUPPORTED, dec.reason
    assert dec.figures["last"]["core_share"] < dec.figures["baseline"]["core_share"]
    json.dumps(shift.to_dict())  # JSON-ready
    json.dumps(dec.to_dict(), default=str)


def test_the_middle_east_staying_ahead_contradicts_the_shift(tmp_path):
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "me.duckdb")
    for year in range(2016, 2024):
        for i in range(6):
            add_event(con, f"m:{year}:{i}", f"{year}-04-01", attributions=(("is-iraq", 1, 1.0),))
        for i in range(2):
            add_event(con, f"a:{year}:{i}", f"{year}-05-01", country="NGA", admin1="Borno",
                      lat=12, lon=13, attributions=(("is-west-africa", 1, 1.0),))
    r = run_preset(con, "shift-to-africa", kb=kb, n_boot=100)
    assert r.verdict == CONTRADICTED, r.reason
    d = run_preset(con, "decentralization", kb=kb, n_boot=100)
    assert d.verdict == NOT_TESTABLE  # nothing changed


def test_all_presets_on_the_real_extracts(shared_data, kb):
    from ._fixtures import real_store

    con = connect(real_store(shared_data), read_only=True)
    results = {r.preset: r for r in run_presets(con, kb=kb)}
    assert set(results) == set(PRESETS)
    assert all(r.verdict in VERDICTS and r.reason for r in results.values())
    # the extracts end in 2019: the shift to Africa cannot be tested with them
    assert results["shift-to-africa"].verdict == NOT_TESTABLE
    assert "2019" in results["shift-to-africa"].reason
    # the core's share falls from the caliphate's busiest year to 2019
    dec = results["decentralization"]
    assert dec.verdict == SUPPORTED and dec.figures["baseline"]["year"] == 2017
    assert "data end in 2019" in dec.reason


def test_unknown_preset():
    with pytest.raises(KharitaError, match="unknown preset"):
        run_preset(None, "world-peace")


def test_cli_commands_print_the_library_tables(tmp_path):
    """Every analysis command runs on a store and prints parseable JSON / CSV."""
    from typer.testing import CliRunner

    from kharita.cli import app

    path = tmp_path / "cli.duckdb"
    con = connect(path)
    insert_synthetic_events(con, 3_000, seed=2)
    con.close()
    run = CliRunner().invoke
    store = ["--store", str(path)]
    out = run(app, ["activity", "--by", "region", "--freq", "year", *store, "-f", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert {r["region"] for r in rows} == {"Africa", "Asia", "Middle East"}
    assert sum(r["events_raw"] for r in rows) == 3_000
    out = run(app, ["geography", "--boot", "50", *store, "-f", "json"])
    assert out.exit_code == 0, out.output
    assert {"centres", "regions", "crossing"} <= set(json.loads(out.output))
    out = run(app, ["decentralization", "--boot", "20", "--ambiguous", "exclude", *store,
                    "-f", "csv"])
    assert out.exit_code == 0 and out.output.startswith("period,total"), out.output
    out = run(app, ["shocks", "--placebos", "0", "--date", "death", *store, "-f", "json"])
    assert out.exit_code == 0, out.output
    assert {r["kind"] for r in json.loads(out.output)} <= {"death"}
    out = run(app, ["structure", "--as-of", "2024-06-01", "--seeds", "2", "-f", "json"])
    assert out.exit_code == 0 and "measures" in json.loads(out.output)
    out = run(app, ["check", "decentralization", *store, "-f", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)[0]["verdict"] in VERDICTS
    out = run(app, ["presets", "-f", "csv"])
    assert out.exit_code == 0 and "shift-to-africa" in out.output
    bad = run(app, ["activity", "--from", "2020-13-01", *store])
    assert bad.exit_code != 0
