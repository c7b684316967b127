"""UCDP GED connector on the real extracts in ../shared/data/ucdp-ged (and on edits of
them): row counts, zero quarantine, IS counts, PRIO-GRID, ISO3, HXL/index handling,
compression, versions, quarantine reasons."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from pathlib import Path

import pytest

from kharita.events.ingest import ingest_file
from kharita.events.sources import ucdp
from kharita.store.duckdb import connect

FILES = {
    # file: (rows per PROVENANCE.md, rows with actor IS)
    "ucdp_syria_df.csv.gz": (16_566, 6_472),
    "conflict_data_nga.csv": (4_603, 949),
    "conflict_data_irq.csv": (7_473, 6_191),
    "ucdpged.csv": (1_000, 88),
}


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    """One store with every real UCDP extract ingested (once per module)."""
    con = connect(tmp_path_factory.mktemp("ucdp") / "store.duckdb")
    reports = {name: ingest_file(con, "ucdp", shared_data / "ucdp-ged" / name)
               for name in FILES}
    # These tests check each file's own rows; the 76 events two files share have one
    # current version (docs/events.md, "Event identity"): put the versions a later file
    # replaced (events_history) back beside the current ones, for these checks only.
    from kharita.events.schema import EVENT_COLUMNS

    cols = ", ".join(EVENT_COLUMNS)
    con.execute(f"INSERT INTO events ({cols}) SELECT {cols} FROM events_history")
    yield con, reports
    con.close()


def _file_id(reports, name: str) -> str:
    return reports[name].ingest_file_id


@pytest.mark.parametrize("name", sorted(FILES))
def test_real_file_row_counts_and_zero_quarantine(real_store, name: str) -> None:
    con, reports = real_store
    r = reports[name]
    rows, _ = FILES[name]
    assert (r.rows_read, r.rows_stored, r.rows_quarantined, r.rows_filtered) == (rows, rows, 0, 0)
    n = con.scalar("SELECT count(*) FROM events WHERE ingest_file_id = ?",
                    [r.ingest_file_id])
    assert n == rows
    row = con.rows("SELECT rows_read, rows_stored FROM ingest_files WHERE ingest_file_id = ?",
                      [r.ingest_file_id])[0]
    assert row == (rows, rows)


@pytest.mark.parametrize("name", sorted(FILES))
def test_is_rows(real_store, name: str) -> None:
    con, reports = real_store
    n = con.scalar(
        "SELECT count(*) FROM events WHERE ingest_file_id = ? AND "
        "(actor1_name = 'IS' OR actor2_name = 'IS')", [_file_id(reports, name)])
    assert n == FILES[name][1]


def test_is_ids_are_kept_as_text(real_store) -> None:
    con, reports = real_store
    ids = con.rows(
        "SELECT DISTINCT CASE WHEN actor1_name = 'IS' THEN actor1_source_id "
        "ELSE actor2_source_id END FROM events WHERE ingest_file_id = ? AND "
        "(actor1_name = 'IS' OR actor2_name = 'IS')",
        [_file_id(reports, "conflict_data_nga.csv")])
    assert ids == [(ucdp.IS_ACTOR_ID,)]  # '234', not '234.0'


@pytest.mark.parametrize(("name", "by_year"), [
    ("conflict_data_nga.csv", {2015: 300, 2016: 250, 2017: 84, 2018: 108, 2019: 207}),
    ("ucdp_syria_df.csv.gz", {2016: 2153, 2017: 2853, 2018: 1025, 2019: 441}),
])
def test_is_rows_by_year(real_store, name: str, by_year: dict[int, int]) -> None:
    con, reports = real_store
    got = dict(con.rows(
        "SELECT year(date_start), count(*) FROM events WHERE ingest_file_id = ? AND "
        "(actor1_name = 'IS' OR actor2_name = 'IS') GROUP BY 1", [_file_id(reports, name)]
    ))
    assert got == by_year


def test_is_best_deaths_match_provenance(real_store) -> None:
    con, reports = real_store
    for name, total in [("conflict_data_nga.csv", 10_220), ("ucdp_syria_df.csv.gz", 53_502),
                        ("conflict_data_irq.csv", 75_072)]:
        got = con.scalar("SELECT sum(fatalities_best) FROM events WHERE ingest_file_id = ? AND "
                          "(actor1_name = 'IS' OR actor2_name = 'IS')",
                          [_file_id(reports, name)])
        assert got == total, name


@pytest.mark.parametrize("name", sorted(FILES))
def test_priogrid_equals_file_column(real_store, shared_data: Path, name: str) -> None:
    con, reports = real_store
    path = shared_data / "ucdp-ged" / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        file_gid = {}
        for rec in reader:
            if rec["id"].startswith("#") or not rec["id"]:
                continue
            file_gid[rec["id"].removesuffix(".0")] = int(float(rec["priogrid_gid"]))
    ours = dict(con.rows("SELECT source_event_id, priogrid_gid FROM events WHERE "
                            "ingest_file_id = ?", [_file_id(reports, name)]))
    assert len(ours) == len(file_gid)
    mismatches = {k: (v, ours.get(k)) for k, v in file_gid.items() if ours.get(k) != v}
    assert not mismatches


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_country_has_iso3(real_store, name: str) -> None:
    con, reports = real_store
    missing = con.rows("SELECT DISTINCT country FROM events WHERE ingest_file_id = ? AND "
                          "country_iso3 IS NULL", [_file_id(reports, name)])
    assert missing == []


def test_iso3_from_names_agrees_with_file_iso3(real_store) -> None:
    # The Iraq and Nigeria files carry iso3; the names of their countries map the same way.
    from kharita.events.sources._common import country_name_to_iso3

    names = country_name_to_iso3()
    assert names["Iraq"] == "IRQ" and names["Nigeria"] == "NGA"
    con, reports = real_store
    for name in ("ucdpged.csv", "ucdp_syria_df.csv.gz"):
        pairs = con.rows("SELECT DISTINCT country, country_iso3 FROM events WHERE "
                            "ingest_file_id = ?", [_file_id(reports, name)])
        assert ("DR Congo (Zaire)", "COD") in pairs or name != "ucdpged.csv"
        assert ("Syria", "SYR") in pairs


def test_type_and_precision_mapping(real_store) -> None:
    con, reports = real_store
    rows = con.rows(
        "SELECT source_event_type, event_type, count(*) FROM events WHERE ingest_file_id = ? "
        "AND (actor1_name = 'IS' OR actor2_name = 'IS') GROUP BY 1, 2 ORDER BY 1",
        [_file_id(reports, "conflict_data_nga.csv")])
    assert rows == [("non-state", "battle", 28), ("one-sided", "violence_against_civilians", 245),
                    ("state-based", "battle", 676)]
    precisions = {p for (p,) in con.rows("SELECT DISTINCT date_precision FROM events")}
    assert precisions <= {"day", "week", "month", "year", "unknown"}
    assert "day" in precisions


def test_hxl_and_index_column_handled(real_store) -> None:
    con, reports = real_store
    nga = reports["conflict_data_nga.csv"]
    assert any("HXL" in n for n in nga.notes) and any("index" in n for n in nga.notes)
    # Record 1 is the header, record 2 the HXL row: data start at record 3.
    first = con.rows("SELECT min(ingest_row), max(ingest_row) FROM events WHERE "
                        "ingest_file_id = ?", [nga.ingest_file_id])[0]
    assert first == (3, 4_605)
    assert con.scalar("SELECT count(*) FROM events WHERE source_event_id LIKE '#%' OR "
                       "date_start IS NULL") == 0


def test_record_numbers_point_at_the_file_records(real_store, shared_data: Path) -> None:
    con, reports = real_store
    path = shared_data / "ucdp-ged" / "conflict_data_irq.csv"  # has multi-line fields
    with open(path, encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh))
    rows = con.rows("SELECT ingest_row, source_event_id FROM events WHERE ingest_file_id = ? "
                       "ORDER BY ingest_row", [_file_id(reports, "conflict_data_irq.csv")]
                       )
    for row, sid in rows[::97] + rows[-3:]:
        assert records[row - 1][0] == sid


def _copy_variants(src: Path, tmp: Path) -> dict[str, Path]:
    data = src.read_bytes()
    gz = tmp / "ged231.csv.gz"
    gz.write_bytes(gzip.compress(data))
    zp = tmp / "ged231-csv.zip"
    with zipfile.ZipFile(zp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README.pdf", b"%PDF-1.4 not data")  # releases ship a codebook too
        zf.writestr("GEDEvent_v23_1.csv", data)
    return {"gz": gz, "zip": zp}


@pytest.mark.parametrize("kind", ["gz", "zip"])
def test_compressed_inputs_and_version_from_name(shared_data: Path, tmp_path: Path,
                                                 kind: str) -> None:
    path = _copy_variants(shared_data / "ucdp-ged" / "ucdpged.csv", tmp_path)[kind]
    con = connect(tmp_path / "s.duckdb")
    r = ingest_file(con, "ucdp", path)
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (1000, 1000, 0)
    assert r.source_version == "23.1"
    assert con.rows("SELECT DISTINCT source_version FROM events") == [("23.1",)]
    r2 = ingest_file(con, "ucdp", path, source_version="x")
    assert r2.skipped


def test_source_version_override_and_synthetic_flag(shared_data: Path, tmp_path: Path) -> None:
    con = connect(tmp_path / "s.duckdb")
    r = ingest_file(con, "synthetic", shared_data / "ucdp-ged" / "ucdpged.csv",
                    source_version="synthetic-0")
    assert r.source == "synthetic"
    row = con.rows("SELECT count(*), bool_and(synthetic), min(event_id), "
                      "any_value(source_version) FROM events")[0]
    assert row[0] == 1000 and row[1] is True and row[2].startswith("synthetic:")
    assert row[3] == "synthetic-0"
    assert con.rows("SELECT synthetic FROM ingest_files")[0] == (True,)


def _edit_rows(src: Path, edits: list[tuple[str, str]], n: int = 12) -> bytes:
    """The header and the first ``n`` rows of ``src``, row i+1 with field edits[i] set."""
    with open(src, encoding="utf-8", newline="") as fh:
        recs = list(csv.reader(fh))[: n + 1]
    header = recs[0]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for i, rec in enumerate(recs[1:]):
        if i < len(edits):
            field, value = edits[i]
            rec[header.index(field)] = value
        w.writerow(rec)
    return out.getvalue().encode("utf-8")


def test_quarantine_reasons(shared_data: Path, tmp_path: Path) -> None:
    edits = [("date_start", "2013-02-30"), ("latitude", "135.7"), ("longitude", "-181"),
             ("best", "many"), ("date_end", "1970-01-01"), ("type_of_violence", "7"),
             ("id", ""), ("latitude", "")]
    data = _edit_rows(shared_data / "ucdp-ged" / "ucdpged.csv", edits)
    # A short row and an undecodable byte, as records 14 and 15.
    data += b"1,2,3\n" + data.splitlines(keepends=True)[-1].replace(b"Government", b"Gov\xff", 1)
    path = tmp_path / "broken.csv"
    path.write_bytes(data)
    con = connect(tmp_path / "s.duckdb")
    r = ingest_file(con, "ucdp", path)
    assert r.rows_read == 14
    assert r.rows_read == r.rows_stored + r.rows_quarantined + r.rows_filtered
    q = {row: (field, reason) for row, field, reason in con.rows(
        "SELECT row_number, field, reason FROM quarantine")}
    assert q[2] == ("date_start", "unparseable date")
    assert q[3] == ("latitude", "impossible coordinates")
    assert q[4] == ("longitude", "impossible coordinates")
    assert q[5] == ("best", "unparseable number")
    assert q[6] == ("date_end", "date_end before date_start")
    assert q[7][0] == "type_of_violence"
    assert q[8] == ("id", "missing id")
    assert q[9] == ("latitude", "incomplete coordinates")
    assert q[14][1].startswith("missing columns")
    assert q[15][1].startswith("invalid encoding")
    assert r.rows_stored == 4
    raws = dict(con.rows("SELECT row_number, raw FROM quarantine"))
    assert raws[14] == "1,2,3"
    assert "135.7" in raws[3]
    assert set(con.rows("SELECT file FROM quarantine")) == {(str(path),)}
