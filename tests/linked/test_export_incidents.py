"""``kharita export incidents`` (one row per incident, read back with geopandas) and
withdrawn events left out of the read model, coverage and exports."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kharita.analysis.coverage import coverage
from kharita.analysis.frame import build_frame
from kharita.views.export import events_export, incidents_export, write_incidents


def test_one_row_per_incident(linked):
    con, kb = linked
    ex = incidents_export(build_frame(con, kb, count="reports"))  # counted by incident
    df = ex.df.set_index("incident_id")
    assert sorted(df.index) == ["acled:5", "inc:ucdp:9", "ucdp:1"]  # ucdp:6 withdrawn
    row = df.loc["inc:ucdp:9"]
    assert row.event_id == "ucdp:9" and row.n_reports == 2
    assert row.report_ids == "ucdp:9; acled:2" and row.sources == "acled; ucdp"
    assert row.branch == "is-sahel" and row.branch_weight == pytest.approx(2 / 3)
    assert row.network_weight == pytest.approx(2 / 3) and row.confidence == 1.0
    assert row.branches == "is-sahel: 0.6667"
    assert "acled:2 jnim: test" in row.rule and "ucdp:9 is-sahel: test" in row.rule
    assert (row.fatalities_best, row.fatalities_low, row.fatalities_high) == (4, 4, 9)
    assert row.place == "Inates" and str(row.date_start) == "2019-05-02"
    assert df.loc["ucdp:1"].n_reports == 1 and df.loc["ucdp:1"].report_ids == "ucdp:1"
    meta = ex.metadata
    assert meta["incidents"] == 3 and meta["reports"] == 4
    assert "lower median" in meta["incident_rule"] and meta["filters"]["count"] == "incidents"
    assert meta["sources"] == ["acled", "ucdp"] and len(meta["credits"]) == 2


@pytest.mark.parametrize("fmt", ["csv", "parquet", "geoparquet", "geojson"])
def test_incident_files_read_back(linked, tmp_path, fmt):
    gpd = pytest.importorskip("geopandas")
    con, kb = linked
    path = write_incidents(build_frame(con, kb), tmp_path / f"inc.{fmt}", fmt)
    if fmt == "csv":
        df = pd.read_csv(path)
        meta = json.loads(path.with_name(path.name + "-metadata.json").read_text())["kharita"]
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        df = pd.read_parquet(path)
        meta = json.loads(pq.read_schema(path).metadata[b"kharita"])
    else:
        import pyarrow.parquet as pq

        df = gpd.read_parquet(path) if fmt == "geoparquet" else gpd.read_file(path)
        assert df.crs is not None
        pt = df[df.incident_id == "inc:ucdp:9"].geometry.iloc[0]
        assert (pt.x, pt.y) == (2.3, 15.8)
        meta = (json.loads(pq.read_schema(path).metadata[b"kharita"]) if fmt == "geoparquet"
                else json.loads(path.read_text())["kharita"])
    assert sorted(df.incident_id) == ["acled:5", "inc:ucdp:9", "ucdp:1"]
    assert "credits" in meta and meta["incidents"] == 3


def test_cli_export_incidents(linked, tmp_path):
    from typer.testing import CliRunner

    from kharita.cli import app

    con, _ = linked
    con.execute("CHECKPOINT")
    con.close()
    out = tmp_path / "inc.csv"
    res = CliRunner().invoke(app, ["export", "incidents", "-f", "csv", "-o", str(out),
                                   "--store", str(tmp_path / "linked.duckdb"),
                                   "--kb", str(tmp_path / "tiny-kb.yaml"),
                                   "--countries", "MLI"])
    assert res.exit_code == 0, res.output
    assert sorted(pd.read_csv(out).incident_id) == ["acled:5", "inc:ucdp:9"]


def test_withdrawn_events_are_left_out(linked):
    from kharita import views

    con, kb = linked
    fr = build_frame(con, kb, count="reports")
    info = views.store_info(fr)
    assert info.n_events == 4  # of 5 stored, ucdp:6 withdrawn
    assert info.sources.set_index("source").events.to_dict() == {"acled": 2, "ucdp": 2}
    cov = coverage(con)
    assert cov.set_index("country_iso3").n_events["MLI"] == 3
    assert "ucdp:6" not in set(events_export(fr).df.event_id)
    # explain still finds it, and says so
    assert views.explain(con, "ucdp:6", kb).event["withdrawn"] is True
