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
             for p, v in col.items() if v and v == v}
    assert shown.keys() == {k for k, v in cli.items() if round(v, 1)}
    for key, value in shown.items():
        assert value == pytest.approx(round(cli[key], 1), abs=1e-9), key
    # where no file covers a branch the cell is empty, not 0: Iraq's file ends 2018-12-25,
    # Syria's starts 2016-01-01 (the global sample's few rows there are left out)
    assert table.loc["2019", "is-iraq"] != table.loc["2019", "is-iraq"]
    assert table.loc["2015", "is-syria"] != table.loc["2015", "is-syria"]
    assert table.loc["2017", "is-iraq"] > 0 and table.loc["2019", "is-syria"] > 0
    covered_zero = [(p, e) for e, col in table.items() for p, v in col.items() if v == 0]
    assert covered_zero  # inside a covered span, a year without events is still 0


def test_branches_page_counts_network_events_and_every_attributed_group(real_store: Path,
                                                                         kb) -> None:
    """The branches list: the network's figure per branch (the same total as ``kharita
    activity``) and, for every KB entity, the reports attributed to it. Boko Haram, outside
    the network, had an empty cell although 1,000+ Nigerian reports are attributed to it."""
    import re

    from kharita.cli import app
    from kharita.store.base import open_store
    from kharita.web.app import create_app

    res = CliRunner().invoke(app, ["activity", "--by", "branch", "--freq", "year",
                                   "-f", "json", "--store", str(real_store)])
    totals: dict[str, float] = {}
    for r in json.loads(res.stdout):
        totals[r["entity_id"]] = totals.get(r["entity_id"], 0.0) + r["events"]
    with open_store(real_store, read_only=True) as store:
        attributed = dict(store.rows("SELECT entity_id, count(DISTINCT event_id) "
                                     "FROM attributions GROUP BY 1"))
        with TestClient(create_app(store, kb=kb), base_url="http://127.0.0.1") as client:
            html = client.get("/branches").text
    rows = {}
    for m in re.finditer(r'<tr><td><a href="/branches/([^"]+)">.*?</tr>', html):
        cells = re.findall(r'<td class="num">([^<]*)</td>', m.group(0))
        rows[m.group(1)] = [float(c.replace(",", "")) if c else None for c in cells]
    assert attributed["boko-haram"] > 1000 and rows["boko-haram"] == [
        None, attributed["boko-haram"]]
    for entity, n in attributed.items():
        assert rows[entity][1] == n, entity
    for entity, events in totals.items():
        assert rows[entity][0] == pytest.approx(round(events, 1), abs=1e-9), entity
    shown = re.findall(r'<td class="num">([^<]+)</td>', html)
    assert shown and all("," in c or float(c) < 1000 for c in shown)  # 6,457, not 6457.0
    assert not any(c.endswith(".0") for c in shown)
