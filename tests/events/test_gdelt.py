"""GDELT connector: the real 1.0 sample (57- and 58-column rows), a 2.0 (61-column)
file derived from it, FIPS -> ISO3, missing and impossible coordinates, bad lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from kharita.events.ingest import ingest_file
from kharita.events.sources import gdelt
from kharita.events.sources._common import fips_to_iso3
from kharita.store.duckdb import connect


@pytest.fixture
def sample(shared_data: Path) -> Path:
    return shared_data / "gdelt" / "events.csv"


@pytest.fixture
def con(tmp_path: Path):
    c = connect(tmp_path / "store.duckdb")
    yield c
    c.close()


def test_real_sample_both_layouts(con, sample: Path) -> None:
    r = ingest_file(con, "gdelt", sample)
    assert (r.rows_read, r.rows_stored, r.rows_quarantined, r.rows_filtered) == (710, 710, 0, 0)
    assert r.source_version == "1.0"
    # 201 rows of the older 57-column layout have no SOURCEURL.
    assert con.scalar("SELECT count(*) FROM events WHERE source_reference IS NULL"
                       ) == 201
    lines = sample.read_text(encoding="utf-8").splitlines()
    for row, gid, url in con.rows("SELECT ingest_row, source_event_id, source_reference "
                                     "FROM events ORDER BY ingest_row")[::37]:
        fields = lines[row - 1].split("\t")
        assert fields[0] == gid
        assert (fields[57] if len(fields) == 58 else None) == url


def test_sample_fields(con, sample: Path) -> None:
    ingest_file(con, "gdelt", sample)
    first = con.sql("SELECT * FROM events WHERE source_event_id = '564111644'").iloc[0]
    assert str(first.date_start.date()) == "2006-07-31" and first.date_precision == "day"
    assert first.country_iso3 == "USA" and first.admin1 == "USDC"
    assert first.actor1_name == "UNITED STATES" and first.actor1_source_id == "USA"
    assert first.latitude == pytest.approx(38.8973) and first.geo_precision == 3
    assert first.event_type == "other" and first.source_event_type == "010"
    # Rows without ActionGeo coordinates are kept with NULL coordinates.
    n_null = con.scalar("SELECT count(*) FROM events WHERE latitude IS NULL")
    assert 0 < n_null < 710
    assert con.scalar("SELECT count(*) FROM events WHERE latitude IS NULL AND "
                       "priogrid_gid IS NOT NULL") == 0


def test_event_root_code_mapping(con, sample: Path) -> None:
    ingest_file(con, "gdelt", sample)
    rows = con.rows("SELECT DISTINCT left(source_event_type, 2), event_type FROM events"
                       )
    for root, etype in rows:
        assert etype == gdelt.ROOT_TYPES.get(root, "other")
    assert {"battle", "protest_riot", "armed_assault"} <= {e for _, e in rows}


def test_every_fips_code_in_sample_maps(sample: Path) -> None:
    table = fips_to_iso3()
    assert table["IZ"] == "IRQ" and table["SY"] == "SYR" and table["NI"] == "NGA"
    assert table["UK"] == "GBR" and table["RS"] == "RUS" and table["AS"] == "AUS"
    codes = set()
    for line in sample.read_text(encoding="utf-8").splitlines():
        f = line.split("\t")
        if f[51]:
            codes.add(f[51])
    assert codes - set(table) == set()


def _to_v2(line: str) -> str:
    """A 1.0 (58-field) line in the 2.0 layout: ADM2Code after each ADM1Code (61 fields)."""
    f = line.split("\t")
    assert len(f) == 58
    out = f[:35]
    for start in (35, 42, 49):
        block = f[start:start + 7]
        out += [*block[:4], "", *block[4:]]
    out += f[56:58]
    assert len(out) == 61
    return "\t".join(out)


def test_gdelt2_layout(con, sample: Path, tmp_path: Path) -> None:
    lines = [ln for ln in sample.read_text(encoding="utf-8").splitlines()
             if len(ln.split("\t")) == 58][:50]
    path = tmp_path / "20160728.export.CSV"
    path.write_text("\n".join(_to_v2(ln) for ln in lines) + "\n", encoding="utf-8")
    r = ingest_file(con, "gdelt", path)
    assert r.source_version == "2.0"
    assert (r.rows_read, r.rows_stored) == (50, 50)
    v1 = connect(tmp_path / "v1.duckdb")
    p1 = tmp_path / "v1.tsv"
    p1.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_file(v1, "gdelt", p1)
    cols = ("source_event_id, date_start, country_iso3, admin1, place, latitude, longitude, "
            "geo_precision, event_type, actor1_name, actor2_name, source_reference")
    a = con.rows(f"SELECT {cols} FROM events ORDER BY 1")
    b = v1.rows(f"SELECT {cols} FROM events ORDER BY 1")
    assert a == b


def test_bad_lines_are_quarantined(con, sample: Path, tmp_path: Path) -> None:
    lines = sample.read_text(encoding="utf-8").splitlines()[:6]
    f = lines[1].split("\t")
    f[53] = "91.5"  # ActionGeo_Lat out of range
    bad_coord = "\t".join(f)
    f = lines[2].split("\t")
    f[1] = "20161341"
    bad_date = "\t".join(f)
    short = "\t".join(lines[3].split("\t")[:30])
    path = tmp_path / "bad.tsv"
    path.write_bytes(("\n".join([lines[0], bad_coord, bad_date, short, lines[4]]) + "\n")
                     .encode() + b"1\t2\xff\n")
    r = ingest_file(con, "gdelt", path)
    assert r.rows_read == 6 == r.rows_stored + r.rows_quarantined
    q = dict((row, (fld, reason)) for row, fld, reason in con.rows(
        "SELECT row_number, field, reason FROM quarantine"))
    assert q[2] == ("ActionGeo_Lat", "impossible coordinates")
    assert q[3] == ("SQLDATE", "unparseable date")
    assert q[4][1].startswith("wrong column count")
    assert q[6][1].startswith("invalid encoding")
    assert con.scalar("SELECT raw FROM quarantine WHERE row_number = 4") == \
        short.rstrip("\t")


def test_explain_names_the_fields_of_a_headerless_row(con, sample: Path,
                                                       shared_data: Path) -> None:
    """GDELT files have no header: ``explain`` showed the raw row's fields as 0 ... 57.
    They carry the codebook's names, which agree with the shared sample's own list of
    column names (it calls SQLDATE ``day``) and with what was stored."""
    from kharita import load_kb
    from kharita.events.attribute import explain

    ingest_file(con, "gdelt", sample)
    names = (shared_data / "gdelt" / "events_column_names.csv").read_text().split()
    assert [n.lower() for n in gdelt.field_names(58)] == [
        "sqldate" if n == "day" else n for n in names]
    rows = con.rows("SELECT event_id, latitude FROM events WHERE latitude IS NOT NULL "
                    "ORDER BY ingest_row LIMIT 3")
    assert len(rows) == 3
    for eid, lat in rows:
        why = explain(con, eid, load_kb())
        assert why.raw is not None and list(why.raw)[:2] == ["GLOBALEVENTID", "SQLDATE"]
        assert float(why.raw["ActionGeo_Lat"]) == pytest.approx(lat, abs=1e-6)
        assert why.raw["GLOBALEVENTID"] == eid.split(":", 1)[1]
