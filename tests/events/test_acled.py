"""ACLED connector on made-up fixture files (tests/events/fixtures/acled_fake*): CSV
with and without the HXL row, API JSON, type/date/precision mapping, quarantine."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kharita.errors import WrongSourceError
from kharita.events.ingest import ingest_file
from kharita.store.duckdb import connect

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture
def con(tmp_path: Path):
    c = connect(tmp_path / "store.duckdb")
    yield c
    c.close()


def _events(con) -> dict[str, dict]:
    df = con.sql("SELECT * FROM events")
    return {r["source_event_id"]: r for r in df.to_dict("records")}


def test_csv_export(con) -> None:
    r = ingest_file(con, "acled", FIX / "acled_fake.csv")
    assert (r.rows_read, r.rows_stored, r.rows_quarantined, r.rows_filtered) == (8, 5, 3, 0)
    ev = _events(con)
    assert {k: v["event_type"] for k, v in ev.items()} == {
        "FAKE0001": "battle", "FAKE0002": "violence_against_civilians",
        "FAKE0003": "explosion_remote", "FAKE0004": "strategic_development",
        "FAKE0005": "protest_riot"}
    one = ev["FAKE0001"]
    assert one["event_id"] == "acled:FAKE0001" and one["actor1_name"] == \
        "Islamic State (West Africa)"
    assert one["fatalities_best"] == 4 and pd.isna(one["fatalities_low"])
    assert one["country_iso3"] == "NGA" and one["admin1"] == "Borno"
    assert one["priogrid_gid"] == 205 * 720 + 387 + 1  # row floor(102.67/.5), col floor(193.61/.5)
    assert one["source_event_type"] == "Battles / Armed clash"
    # "14 June 2020" (older exports), week precision, iso3 empty -> numeric iso 466 -> MLI.
    two = ev["FAKE0002"]
    assert str(two["date_start"].date()) == "2020-06-14" and two["date_precision"] == "week"
    assert two["country_iso3"] == "MLI"
    assert "and/or" in two["actor1_name"]  # joint label kept raw for attribution
    assert ev["FAKE0003"]["date_precision"] == "month"
    assert ev["FAKE0005"]["actor1_other_names"] == "Fake Union"
    q = {row: (f, reason) for row, f, reason in con.rows(
        "SELECT row_number, field, reason FROM quarantine")}
    assert q == {7: ("event_date", "unparseable date"),
                 8: ("latitude", "impossible coordinates"),
                 9: ("fatalities", "unparseable number")}


def test_priogrid_matches_schema_formula(con) -> None:
    from kharita.events.schema import priogrid_gid

    ingest_file(con, "acled", FIX / "acled_fake.csv")
    for lat, lon, gid in con.rows("SELECT latitude, longitude, priogrid_gid FROM events"
                                     ):
        assert gid == priogrid_gid(lat, lon)


def test_csv_with_hxl_row(con) -> None:
    r = ingest_file(con, "acled", FIX / "acled_fake_hxl.csv")
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (5, 5, 0)
    assert any("HXL" in n for n in r.notes)
    assert con.rows("SELECT min(ingest_row) FROM events")[0] == (3,)


def test_api_json(con, tmp_path: Path) -> None:
    r = ingest_file(con, "acled", FIX / "acled_fake_api.json")
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (3, 2, 1)
    assert r.source_version == "api"
    q = con.rows("SELECT row_number, field, reason, raw FROM quarantine")
    assert q[0][:3] == (3, "latitude", "impossible coordinates")
    assert json.loads(q[0][3])["event_id_cnty"] == "FAKE0007"
    assert sorted(_events(con)) == ["FAKE0001", "FAKE0003"]


def test_api_json_errors(con, tmp_path: Path) -> None:
    p = tmp_path / "not.json"
    p.write_text('{"success": true, "data": [{"foo": 1}]}')
    with pytest.raises(WrongSourceError, match="lack ACLED fields"):
        ingest_file(con, "acled", p)
    p.write_text("{broken")
    with pytest.raises(WrongSourceError, match="does not parse as JSON"):
        ingest_file(con, "acled", p)
    assert con.rows("SELECT count(*) FROM ingest_files")[0] == (0,)
