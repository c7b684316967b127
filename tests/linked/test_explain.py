"""``explain`` of a linked report: its incident, the other reports, every link with the
match weight of each comparison (Splink's waterfall), in the library, the CLI and the
workbench."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from kharita.analysis.frame import build_frame
from kharita.views.explain import explain, waterfall_terms

from .conftest import TERMS


def test_explain_shows_the_incident_reports_and_links(linked):
    con, kb = linked
    ex = explain(build_frame(con, kb), "acled:2")
    assert ex.incident == {"incident_id": "inc:ucdp:9", "n_reports": 2,
                           "representative": "ucdp:9", "linked": True}
    assert list(ex.reports.event_id) == ["ucdp:9", "acled:2"]  # representative first
    assert list(ex.reports.this) == [False, True]
    assert list(ex.links.other_event_id) == ["ucdp:9"]
    terms = ex.comparisons
    assert list(terms.comparison) == [t["comparison"] for t in TERMS]
    assert terms.cumulative.iloc[-1] == pytest.approx(7.25)  # ends at the match weight
    # the incident's weights: IS Sahel c = 1 - (1 - 0.5)(1 - 1) = 1, JNIM 0.5 -> 2/3
    w = ex.weights.set_index("entity_id").weight
    assert w["is-sahel"] == pytest.approx(2 / 3)
    # the same event counted as a report keeps its own share
    df = build_frame(con, kb, count="reports").df().set_index(["event_id", "entity_id"])
    assert df.weight["acled:2", "is-sahel"] == pytest.approx(0.5)


def test_a_rejected_link_outside_the_incident(linked):
    con, kb = linked
    ex = explain(con, "ucdp:9", kb)
    links = ex.links.set_index("other_event_id")
    assert links.loc["acled:5", "decision"] == "reject"
    assert not links.loc["acled:5", "in_incident"] and links.loc["acled:2", "in_incident"]
    # no prior in the record: prior = match weight - sum of the terms
    t = ex.comparisons[ex.comparisons.other_event_id == "acled:5"]
    assert t.comparison.tolist() == ["prior", "date"]
    assert t.log2_bayes_factor.tolist() == [pytest.approx(-4.0), 2.0]
    d = ex.to_dict()
    assert [len(link["comparisons"]) for link in d["links"]] == [6, 2]
    json.dumps(d, default=str)


def test_an_unlinked_event_is_its_own_incident(linked):
    con, kb = linked
    ex = explain(con, "ucdp:1", kb)
    assert ex.incident["incident_id"] == "ucdp:1" and not ex.incident["linked"]
    assert ex.reports.event_id.tolist() == ["ucdp:1"] and ex.links.empty


def test_explain_without_linkage_tables(linked):
    con, kb = linked
    for table in ("incidents", "event_links", "link_reviews"):
        con.execute(f"DROP TABLE {table}")
    ex = explain(build_frame(con, kb), "acled:2")  # no linkage tables at all
    assert ex.incident["n_reports"] == 1 and ex.links.empty and ex.comparisons.empty
    assert ex.weights.set_index("entity_id").weight["is-sahel"] == pytest.approx(0.5)


def test_waterfall_ignores_bad_terms():
    t = waterfall_terms('[{"comparison": "date", "log2_bayes_factor": "x"}, 3, '
                        '{"comparison": "km", "level": 1, "log2_bayes_factor": 2}]', 1.0)
    assert t.comparison.tolist() == ["prior", "km"] and t.level.tolist()[1] == "1"
    assert waterfall_terms("not json", None).comparison.tolist() == ["prior"]


def test_cli_explain_tables(linked, tmp_path):
    from typer.testing import CliRunner

    from kharita.cli import app

    con, _ = linked
    con.execute("CHECKPOINT")
    path = tmp_path / "linked.duckdb"
    con.close()
    runner = CliRunner()
    kb_file = tmp_path / "tiny-kb.yaml"
    base = ["--store", str(path), "--kb", str(kb_file)]
    res = runner.invoke(app, ["explain", "acled:2", *base, "-f", "csv",
                              "--table", "comparisons"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout))
    assert list(df.columns) == ["other_event_id", "step", "comparison", "level",
                                "log2_bayes_factor", "cumulative"]
    assert df.cumulative.iloc[-1] == pytest.approx(7.25)
    res = runner.invoke(app, ["explain", "acled:2", *base, "-f", "csv"])
    assert res.exit_code == 0, res.output
    df = pd.read_csv(io.StringIO(res.stdout))  # one table: the attributions
    assert set(df.entity_id) == {"is-sahel", "jnim"}
    res = runner.invoke(app, ["explain", "acled:2", *base])
    assert res.exit_code == 0, res.output
    assert "incident inc:ucdp:9: 2 reports" in res.stdout and "waterfall" in res.stdout
    res = runner.invoke(app, ["explain", "acled:2", *base, "--table", "nope"])
    assert "expected one of event, attributions" in str(res.exception)  # exit 2 in main()


def test_workbench_why_view_draws_the_waterfall(linked):
    from fastapi.testclient import TestClient

    from kharita.web.app import create_app

    con, kb = linked
    with TestClient(create_app(con, kb=kb), base_url="http://127.0.0.1") as client:
        res = client.get("/events/acled:2")
    assert res.status_code == 200, res.text
    html = res.text
    assert "The incident inc:ucdp:9: 2 reports" in html
    assert 'href="/events/ucdp:9"' in html and 'data-chart="waterfall-1"' in html
    import re

    blob = re.search(r'<script type="application/json" id="waterfall-1">(.*?)</script>',
                     html, flags=re.S).group(1)
    fig = json.loads(blob)
    bars, total = fig["data"]
    assert bars["x"] == [0, 1, 2, 3, 4, 5] and total["y"] == [pytest.approx(7.25)]
    # each floating bar starts where the previous one ended
    ends = [b + y for b, y in zip(bars["base"], bars["y"], strict=True)]
    assert bars["base"][1:] == pytest.approx(ends[:-1])
    assert fig["layout"]["xaxis"]["type"] == "linear"
    assert fig["layout"]["xaxis"]["ticktext"][1] == "date: <= 1 day"
