"""One figure everywhere: on a store of the real UCDP extracts (Nigeria, Iraq, Syria and
the global sample), the per-branch-year counts of ``kharita activity -f json``, of the
workbench's ``/api/activity`` and of the brief's activity table are identical."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

UCDP_FILES = ("conflict_data_nga.csv", "conflict_data_irq.csv", "ucdp_syria_df.csv.gz",
              "ucdpged.csv")


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory, kb) -> Path:
    from kharita.events.attribute import attribute_store
    from kharita.events.ingest import ingest_file
    from kharita.store.base import open_store

    path = tmp_path_factory.mktemp("real") / "ucdp.duckdb"
    with open_store(path) as store:
        for name in UCDP_FILES:
            ingest_file(store, "ucdp", shared_data / "ucdp-ged" / name)
        attribute_store(store, kb)
    return path


def test_cli_api_and_brief_give_the_same_branch_years(real_store: Path, kb) -> None:
    from kharita.analysis.frame import build_frame
    from kharita.cli import app
    from kharita.report.brief import build_brief
    from kharita.report.sections import SECTIONS
    from kharita.store.base import open_store
    from kharita.web.app import create_app

    res = CliRunner().invoke(app, ["activity", "--by", "branch", "--freq", "year",
                                   "-f", "json", "--store", str(real_store)])
    assert res.exit_code == 0, res.output
    cli = {(r["period"][:4], r["entity_id"]): r["events"] for r in json.loads(res.stdout)}
    assert len(cli) > 20 and {"is-iraq", "is-syria", "is-west-africa"} <= {
        e for _, e in cli}

    with open_store(real_store, read_only=True) as store:
        with TestClient(create_app(store, kb=kb), base_url="http://127.0.0.1") as client:
            rows = client.get("/api/activity?freq=year").json()["rows"]
        api = {(r["label"], r["entity_id"]): r["events"] for r in rows}
        activity = [s for s in SECTIONS if s.id == "activity"]
        brief = build_brief(build_frame(store, kb), specs=activity)
    assert api.keys() == cli.keys()
    for key, value in cli.items():
        assert api[key] == pytest.approx(value, rel=1e-12), key

    table = brief.section("activity").tables[0].df.set_index("period")
    assert table.index.tolist() == sorted(table.index.tolist())  # years in date order
    shown = {(str(p), str(e)): float(v) for e, col in table.items()
             for p, v in col.items() if v}
    assert shown.keys() == {k for k, v in cli.items() if round(v, 1)}
    for key, value in shown.items():
        assert value == pytest.approx(round(cli[key], 1), abs=1e-9), key
