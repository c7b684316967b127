"""The ``table`` connector: the user's own event lists through a mapping file.

Known answers on the example list shipped with the docs (docs/examples/is_attacks.csv,
8 public events) and on hand-made bad rows.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kharita.errors import IngestError
from kharita.events import ingest as ing
from kharita.events.sources import registry, table
from kharita.kb import load_kb
from kharita.store.base import open_store
from kharita.text.gazetteer import gazetteer

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
CSV, MAP = EXAMPLES / "is_attacks.csv", EXAMPLES / "is_attacks.map.yaml"


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture
def store(tmp_path: Path):
    s = open_store(tmp_path / "store.duckdb")
    yield s
    s.close()


def _events(store) -> pd.DataFrame:
    return store.sql("SELECT * FROM events ORDER BY event_id")


def test_example_list_ingests_geocodes_and_is_attributed(store, kb, tmp_path: Path) -> None:
    data = shutil.copy(CSV, tmp_path / "attacks.csv")
    table.bind_mapping(data, MAP, geocoder=gazetteer().lookup)
    rep = ing.ingest_file(store, "table", data)
    assert (rep.rows_read, rep.rows_stored, rep.rows_quarantined) == (8, 8, 0), rep
    ev = _events(store).set_index("source_event_id")
    assert ev.index[0].startswith("kharita-example-attacks:")
    assert set(ev["source_version"]) == {
        "kharita-example-attacks [CC0 (facts from public reporting)]"}
    row = ev.loc["kharita-example-attacks:P-2015-1"]
    assert row["event_id"] == "table:kharita-example-attacks:P-2015-1"
    assert str(row["date_start"])[:10] == "2015-11-13" and row["date_precision"] == "day"
    assert row["country_iso3"] == "FRA" and row["fatalities_best"] == 130
    assert row["geo_precision"] == 1 and row["priogrid_gid"] is not None
    assert "claimed by Islamic State" in row["description"]
    # Geocoded from the place name (a city in the row's country), precision 3.
    brussels = ev.loc["kharita-example-attacks:B-2016-1"]
    assert brussels["geo_precision"] == 3 and abs(brussels["latitude"] - 50.85) < 0.1
    assert ev.loc["kharita-example-attacks:L-2019-1", "country_iso3"] == "LKA"  # ISO3 given
    # Dapchi and Yobe are not in the gazetteer: no coordinates, no precision.
    dapchi = ev.loc["kharita-example-attacks:N-2018-1"]
    assert pd.isna(dapchi["latitude"]) and pd.isna(dapchi["geo_precision"])
    assert pd.isna(dapchi["fatalities_best"])
    ing.attribute_if_available(store, kb, [rep.ingest_file_id])
    att = store.sql("SELECT e.source_event_id, a.entity_id, a.rule FROM attributions a "
                    "JOIN events e USING (event_id)")
    got = dict(zip(att["source_event_id"].str.split(":").str[1], att["entity_id"],
                   strict=True))
    assert got["A-2021-1"] == "is-khorasan" and got["R-2024-1"] == "is-khorasan"
    assert got["N-2018-1"] == "is-west-africa"
    assert got["M-2020-1"] == "is-central-africa"
    # ... and it counts in the analysis frame like any dataset's events.
    from kharita.analysis.frame import build_frame

    frame = build_frame(store, kb, sources="table")
    assert set(frame.df()["event_id"]) >= {"table:kharita-example-attacks:A-2021-1"}


def test_bad_rows_are_quarantined_with_their_reason_and_filters_count(store,
                                                                     tmp_path: Path) -> None:
    data = tmp_path / "mine.csv"
    data.write_text(
        "ref,when,land,who,dead,y,x\n"
        "1,2019-10-26,Syria,Islamic State,3,,\n"       # stored
        ",2019-10-27,Syria,Islamic State,1,,\n"        # missing id
        "3,27.10.2019,Syria,Islamic State,1,,\n"       # unparseable date
        "4,2019-10-28,Atlantis,Islamic State,1,,\n"    # unknown country
        "5,2019-10-28,IRQ,Islamic State,many,,\n"      # unparseable number
        "6,2019-10-28,IRQ,Islamic State,1,95,44\n"     # impossible coordinates
        "7,2019-10,IRQ,,1,,\n"                         # missing actor1
        "8,2012-05,IRQ,ISI,2,,\n",                     # filtered: before --since
        encoding="utf-8")
    mapping = tmp_path / "mine.map.yaml"  # found beside the data: no binding needed
    mapping.write_text("source_name: mine\nlicence: own data\nid: ref\ndate: when\n"
                       "country: land\nactor1: who\nfatalities: dead\nlatitude: y\n"
                       "longitude: x\n", encoding="utf-8")
    rep = ing.ingest_file(store, "table", data, since=dt.date(2015, 1, 1))
    assert rep.rows_read == 8 and rep.rows_stored == 1 and rep.rows_filtered == 1
    assert rep.reasons == {"impossible coordinates": 1, "missing actor1": 1,
                           "missing id": 1, "unknown country": 1,
                           "unparseable date": 1, "unparseable number": 1}, rep.reasons
    q = ing.quarantine_frame(store)
    assert sorted(q["row"]) == [3, 4, 5, 6, 7, 8]  # header is record 1
    assert '"land": "Atlantis"' in q.loc[q["reason"] == "unknown country", "raw"].iloc[0]


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_xlsx_and_parquet_read_like_csv(store, tmp_path: Path, suffix: str) -> None:
    df = pd.read_csv(CSV, dtype=str, keep_default_na=False)
    data = tmp_path / f"attacks{suffix}"
    if suffix == ".xlsx":
        df.assign(killed=pd.to_numeric(df["killed"])).to_excel(data, index=False)
    else:
        df.to_parquet(data)
    shutil.copy(MAP, tmp_path / "attacks.map.yaml")
    rep = ing.ingest_file(store, "table", data)
    assert (rep.rows_read, rep.rows_stored) == (8, 8), rep
    ev = _events(store)
    assert ev["fatalities_best"].sum() == 130 + 32 + 269 + 183 + 95 + 145
    # Without a geocoder only the given coordinates are kept.
    assert sorted(ev["geo_precision"].dropna().astype(int)) == [1, 1, 1]


def test_mapping_errors_are_refused_before_writing(store, tmp_path: Path) -> None:
    data = shutil.copy(CSV, tmp_path / "attacks.csv")
    with pytest.raises(IngestError, match="needs a mapping file"):
        ing.ingest_file(store, "table", data)
    bad = tmp_path / "bad.yaml"
    bad.write_text("source_name: x\nlicence: y\nid: ref\ndate: day\ncountry: country\n"
                   "actor1: perpetrator\nplace: nope\n", encoding="utf-8")
    table.bind_mapping(data, bad)
    with pytest.raises(IngestError, match=r"names column.*nope.*Nothing was written"):
        ing.ingest_file(store, "table", data)
    bad.write_text("source_name: x\nlicence: y\nid: ref\ndate: day\ncountry: country\n"
                   "actor: perpetrator\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"unknown key.*actor"):
        table.bind_mapping(data, bad)
    assert store.scalar("SELECT count(*) FROM events") == 0
    assert "table" in registry.names() and registry.guess(["ref", "day"]) is None


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%m.%Y", "%Y"]))
def test_parse_date_roundtrips_with_its_precision(day: dt.date, fmt: str) -> None:
    start, end, prec = table.parse_date(day.strftime(fmt), fmt)
    lo, hi = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    assert lo <= day <= hi
    assert prec == {"%Y-%m-%d": "day", "%d/%m/%Y": "day", "%m.%Y": "month", "%Y": "year"}[fmt]
    if prec == "day":
        assert lo == hi == day


def test_mapping_file_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    """A mapping file is user input: nested YAML aliases (billion laughs), deep nesting
    and oversized files get one clear IngestError, never a hang (issue 17)."""
    import tracemalloc

    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        bomb.append(f"{chr(97 + i)}: &{chr(97 + i)} [" + ", ".join([f"*{chr(96 + i)}"] * 9)
                    + "]")
    cases = {"bomb.yaml": "\n".join(bomb) + "\n", "deep.yaml": "a: " + "[" * 50_000,
             "big.yaml": "id: x\n" + "#" * (5 * 2**20)}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        tracemalloc.start()
        with pytest.raises(IngestError, match=name):
            table.load_mapping(path)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 100 * 2**20, (name, peak)
