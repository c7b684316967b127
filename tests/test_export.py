"""``kharita export events``: the frame's rows in CSV, Parquet, GeoParquet and GeoJSON,
with attribution, confidence and rule on each row and the credits in the metadata.
GeoParquet and GeoJSON are read back with geopandas (what QGIS reads them with: GDAL)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kharita.analysis.frame import build_frame
from kharita.cli import app
from kharita.errors import UserInputError
from kharita.store.base import open_store
from kharita.store.synthetic import insert_synthetic_events
from kharita.views.export import events_export, write_events


@pytest.fixture(scope="module")
def synthetic_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "s.duckdb"
    store = open_store(path)
    insert_synthetic_events(store, 3_000, seed=5)
    store.close()
    return path


@pytest.fixture
def frame(synthetic_store):
    store = open_store(synthetic_store, read_only=True)
    yield build_frame(store, start="2020-01-01", end="2021-12-31")
    store.close()


def test_rows_are_the_frames_with_rule_and_credits(frame) -> None:
    ex = events_export(frame)
    fr = frame.df()
    assert len(ex.df) == len(fr) > 100
    assert ex.df["weight"].sum() == pytest.approx(fr["weight"].sum())
    assert set(ex.df["branch"]) == set(fr["entity_id"])
    assert ex.df["rule"].notna().all() and ex.df["rule"].str.contains(": synthetic").all()
    assert ex.df["date_start"].min().isoformat() >= "2020-01-01"
    joint = ex.df[ex.df["weight"] < 1]
    assert len(joint) and (joint["rule"].str.count(";") >= 1).all()  # both candidates
    meta = ex.metadata
    assert meta["credits"] and "SYNTHETIC" in meta["credits"][0]
    assert "synthetic" in meta and meta["filters"]["start"] == "2020-01-01"
    assert meta["events"] == fr["event_id"].nunique()


def test_geoparquet_reads_back_with_geopandas(frame, tmp_path: Path) -> None:
    gpd = pytest.importorskip("geopandas")
    path = write_events(frame, tmp_path / "events.parquet", "geoparquet")
    gdf = gpd.read_parquet(path)
    assert gdf.crs is not None and gdf.crs.to_string() == "OGC:CRS84"
    assert len(gdf) == len(frame.df())
    located = gdf[gdf["latitude"].notna()]
    assert len(located) and (located.geometry.x == located["longitude"]).all()
    assert (located.geometry.y == located["latitude"]).all()
    meta = json.loads(pq.read_schema(path).metadata[b"kharita"])
    assert meta["rows"] == len(gdf) and meta["credits"]
    plain = write_events(frame, tmp_path / "plain.parquet", "parquet")
    df = pd.read_parquet(plain)
    assert list(df.columns) == list(gdf.columns.drop("geometry"))
    assert b"geo" not in pq.read_schema(plain).metadata


def test_geojson_and_csv(frame, tmp_path: Path) -> None:
    gpd = pytest.importorskip("geopandas")
    gj = write_events(frame, tmp_path / "events.geojson", "geojson")
    doc = json.loads(gj.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and doc["kharita"]["credits"]
    gdf = gpd.read_file(gj)
    assert len(gdf) == len(frame.df())
    csv = write_events(frame, tmp_path / "events.csv", "csv")
    df = pd.read_csv(csv)
    assert {"branch", "weight", "confidence", "rule", "kb_version"} <= set(df.columns)
    meta = json.loads((tmp_path / "events.csv-metadata.json").read_text(encoding="utf-8"))
    assert meta["url"] == "events.csv" and meta["dc:source"] == doc["kharita"]["credits"]
    assert [c["name"] for c in meta["tableSchema"]["columns"]] == list(df.columns)


def test_real_ucdp_export_credits_ucdp(shared_data, tmp_path: Path) -> None:
    from kharita.events.ingest import attribute_if_available, ingest_file
    from kharita.kb import load_kb

    kb = load_kb()
    store = open_store(tmp_path / "real.duckdb")
    try:
        ingest_file(store, "ucdp", shared_data / "ucdp-ged" / "conflict_data_nga.csv")
        attribute_if_available(store, kb)
        frame = build_frame(store, kb, branches="ISWAP")
        path = write_events(frame, tmp_path / "iswap.parquet", "geoparquet")
    finally:
        store.close()
    df = pd.read_parquet(path)
    assert len(df) > 100 and set(df["branch"]) == {"is-west-africa"}
    assert df["rule"].str.contains("is-west-africa").all()
    meta = json.loads(pq.read_schema(path).metadata[b"kharita"])
    assert meta["sources"] == ["ucdp"] and "UCDP GED, CC BY 4.0" in meta["credits"][0]
    assert "licence_notice" not in meta


def test_cli_export_events(synthetic_store, tmp_path: Path) -> None:
    out = tmp_path / "e.geojson"
    result = CliRunner().invoke(app, ["export", "events", "-f", "geojson", "-o", str(out),
                                      "--store", str(synthetic_store), "--from", "2023"])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8"))["kharita"]["filters"]["start"] \
        == "2023-01-01"
    bad = CliRunner().invoke(app, ["export", "events", "-f", "csv", "-o", str(out),
                                   "--store", str(synthetic_store), "--branches", "nowhere"])
    assert isinstance(bad.exception, UserInputError)  # exit code 2 under main()
