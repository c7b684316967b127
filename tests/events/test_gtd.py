"""GTD connector on hand-made files (invented rows, never GTD data): xlsx written with
openpyxl and CSV in latin-1 with accented characters; -9/-99 unknowns, day/month 0,
three perpetrator names, attack types, quarantine."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from kharita.events.ingest import ingest_file
from kharita.store.duckdb import connect

COLUMNS = ["eventid", "iyear", "imonth", "iday", "approxdate", "extended", "country",
           "country_txt", "region", "region_txt", "provstate", "city", "latitude",
           "longitude", "specificity", "summary", "attacktype1", "attacktype1_txt",
           "gname", "gsubname", "gname2", "gname3", "nkill", "nwound", "scite1"]

# Invented rows. Group names are GTD's labels (needed for attribution); places are real
# provinces but the events, ids and summaries are made up.
ROWS: list[list[object]] = [
    [201901010001, 2019, 1, 1, "", 0, 147, "Nigeria", 11, "Sub-Saharan Africa", "Borno",
     "Maiduguri", 11.85, 13.16, 1, "FAKE: invented attack.", 2, "Armed Assault",
     "Islamic State in the Greater Sahara (ISGS)", "", "Boko Haram", "", 3, 1,
     "Fake source A"],
    [201902000001, 2019, 2, 0, "February 2019", 0, 4, "Afghanistan", 6, "South Asia",
     "Nangarhar", "Jalalabad", 34.43, 70.45, 1, "FAKE: day unknown.", 3,
     "Bombing/Explosion", "Khorasan Chapter of the Islamic State", "", "", "", -99, -99,
     "Fake source B"],
    [201900000001, 2019, 0, 0, "2019", 0, 95, "Iraq", 10, "Middle East & North Africa",
     "Nineveh", "Mosul", 36.34, 43.13, 2, "FAKE: month unknown.", 7,
     "Facility/Infrastructure Attack", "Islamic State of Iraq and the Levant (ISIL)",
     "", "", "", "", -9, "Fake source C"],
    [201903050001, 2019, 3, 5, "", 0, 229, "Democratic Republic of the Congo", 11,
     "Sub-Saharan Africa", "Nord-Kivu", "Béni", 0.49, 29.47, 1, "FAKE: three groups, "
     "accented city.", 6, "Hostage Taking (Kidnapping)",
     "Allied Democratic Forces (ADF)", "", "Central Africa Province of the Islamic State",
     "Unknown", 7, 0, "Fake source D"],
    # bad rows
    [201902300001, 2019, 2, 30, "", 0, 147, "Nigeria", 11, "Sub-Saharan Africa", "Borno",
     "Maiduguri", 11.85, 13.16, 1, "FAKE: 30 February.", 2, "Armed Assault", "Boko Haram",
     "", "", "", 1, 0, ""],
    [201904040001, 2019, 4, 4, "", 0, 147, "Nigeria", 11, "Sub-Saharan Africa", "Borno",
     "Maiduguri", 11.85, 213.16, 1, "FAKE: longitude out of range.", 2, "Armed Assault",
     "Boko Haram", "", "", "", 1, 0, ""],
    [201904050001, 2019, 13, 5, "", 0, 147, "Nigeria", 11, "Sub-Saharan Africa", "Borno",
     "Maiduguri", 11.85, 13.16, 1, "FAKE: month 13.", 2, "Armed Assault", "Boko Haram",
     "", "", "", "", 0, ""],
]


@pytest.fixture
def gtd_csv(tmp_path: Path) -> Path:
    p = tmp_path / "globalterrorismdb_fake.csv"
    with open(p, "w", encoding="latin-1", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(ROWS)
    assert "é".encode("latin-1") in p.read_bytes()  # really latin-1, not UTF-8
    return p


@pytest.fixture
def gtd_xlsx(tmp_path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    for row in ROWS:
        ws.append([None if v == "" else v for v in row])
    ws.append([None] * len(COLUMNS))  # a formatting-only row at the end
    p = tmp_path / "globalterrorismdb_fake.xlsx"
    wb.save(p)
    return p


@pytest.fixture
def con(tmp_path: Path):
    c = connect(tmp_path / "store.duckdb")
    yield c
    c.close()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_gtd_files(con, kind: str, request: pytest.FixtureRequest) -> None:
    path = request.getfixturevalue(f"gtd_{kind}")
    r = ingest_file(con, "gtd", path)
    assert (r.rows_read, r.rows_stored, r.rows_quarantined, r.rows_filtered) == (7, 4, 3, 0)
    ev = con.sql("SELECT * FROM events ORDER BY ingest_row")
    assert list(ev.source_event_id) == ["201901010001", "201902000001", "201900000001",
                                        "201903050001"]
    assert list(ev.ingest_row) == [2, 3, 4, 5]
    assert list(ev.date_precision) == ["day", "month", "year", "day"]
    assert [str(d.date()) for d in ev.date_start] == ["2019-01-01", "2019-02-01", "2019-01-01",
                                                      "2019-03-05"]
    assert list(ev.event_type) == ["armed_assault", "explosion_remote", "attack_on_facility",
                                   "armed_assault"]
    assert list(ev.country_iso3) == ["NGA", "AFG", "IRQ", "COD"]
    assert ev.fatalities_best.iloc[0] == 3
    assert pd.isna(ev.fatalities_best.iloc[1]) and pd.isna(ev.fatalities_best.iloc[2])  # -99, ""
    assert ev.actor1_name.iloc[3] == "Allied Democratic Forces (ADF)"
    assert ev.actor1_other_names.iloc[3] == \
        "Central Africa Province of the Islamic State | Unknown"
    assert ev.actor1_other_names.iloc[0] == "Boko Haram"
    assert pd.isna(ev.actor1_other_names.iloc[1])
    assert ev.place.iloc[3] == "Béni"
    q = {row: (f, reason) for row, f, reason in con.rows(
        "SELECT row_number, field, reason FROM quarantine")}
    assert q == {6: ("iday", "unparseable date"), 7: ("longitude", "impossible coordinates"),
                 8: ("imonth", "unparseable date")}


def test_xlsx_raw_text_in_quarantine(con, gtd_xlsx: Path) -> None:
    ingest_file(con, "gtd", gtd_xlsx)
    raw = con.scalar("SELECT raw FROM quarantine WHERE row_number = 7")
    assert raw.startswith("201904040001,2019,4,4") and "213.16" in raw
