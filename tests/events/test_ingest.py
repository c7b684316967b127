"""Ingest: wrong-source refusal (every source's file given as every other source),
re-ingest idempotence, a crash mid-write, filters, the CLI, and property-based tests
(hypothesis) that feed malformed rows and random bytes to every parser and check
``rows_read = rows_stored + rows_quarantined + rows_filtered`` always."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kharita.errors import IngestError, WrongSourceError
from kharita.events import ingest as ing
from kharita.store.duckdb import connect

FIX = Path(__file__).parent / "fixtures"
TABLES = ("events", "quarantine", "filtered", "ingest_files")

# The GED 23.1 header (49 columns) and the GTD columns used by the generated files.
_GED_HEADER = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,"
    "conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,"
    "side_b_dset_id,side_b_new_id,side_b,number_of_sources,source_article,source_office,"
    "source_date,source_headline,source_original,where_prec,where_coordinates,"
    "where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,"
    "country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,"
    "deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob")
GED_COLUMNS = _GED_HEADER.split(",")
GTD_COLUMNS = ["eventid", "iyear", "imonth", "iday", "country_txt", "provstate", "city",
               "latitude", "longitude", "attacktype1", "gname", "gname2", "gname3", "nkill"]


def _snapshot(con) -> dict[str, list[str]]:
    """Every row of every store table (ingest timestamps left out)."""
    out = {}
    for t in TABLES:
        excl = " EXCLUDE (started_at, finished_at)" if t == "ingest_files" else ""
        out[t] = sorted(map(repr, con.rows(f"SELECT *{excl} FROM {t}")))
    return out


def _counts(con) -> dict[str, int]:
    return {t: con.scalar(f"SELECT count(*) FROM {t}") for t in TABLES}


def _gtd_csv(path: Path) -> Path:
    with open(path, "w", encoding="latin-1", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(GTD_COLUMNS)
        w.writerow([201901010001, 2019, 1, 1, "Nigeria", "Borno", "Maïduguri", 11.8, 13.1, 2,
                    "Boko Haram", "", "", 3])
    return path


def _gtd_xlsx(path: Path) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(GTD_COLUMNS)
    wb.active.append([201901010001, 2019, 1, 1, "Nigeria", "Borno", "Maiduguri", 11.8, 13.1,
                      2, "Boko Haram", None, None, 3])
    wb.save(path)
    return path


@pytest.fixture
def samples(shared_data: Path, tmp_path: Path) -> dict[str, list[Path]]:
    """A file of each kind each source accepts."""
    return {
        "ucdp": [shared_data / "ucdp-ged" / "ucdpged.csv",
                 shared_data / "ucdp-ged" / "ucdp_syria_df.csv.gz"],
        "gdelt": [shared_data / "gdelt" / "events.csv"],
        "acled": [FIX / "acled_fake.csv", FIX / "acled_fake_api.json"],
        "gtd": [_gtd_csv(tmp_path / "gtd.csv"), _gtd_xlsx(tmp_path / "gtd.xlsx")],
    }


@pytest.fixture
def con(tmp_path: Path):
    c = connect(tmp_path / "store.duckdb")
    yield c
    c.close()


def test_wrong_source_is_refused_before_writing(con, samples) -> None:
    ing.ingest_file(con, "acled", FIX / "acled_fake_hxl.csv")  # something already stored
    before = _counts(con)
    refused = 0
    for actual, files in samples.items():
        for named in ("ucdp", "acled", "gtd", "gdelt", "synthetic"):
            if named == actual or (actual == "ucdp" and named == "synthetic"):
                continue
            for path in files:
                with pytest.raises(WrongSourceError) as err:
                    ing.ingest_file(con, named, path)
                msg = str(err.value)
                assert str(path) in msg and "Nothing was written" in msg
                if path.suffix != ".json":
                    assert f"ingest it as `{actual}`" in msg, msg
                refused += 1
    assert refused == 26  # 7 files x the 3-4 sources each is not
    assert _counts(con) == before


def test_unknown_source_and_missing_file(con, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="unknown source"):
        ing.ingest_file(con, "icews", FIX / "acled_fake.csv")
    with pytest.raises(IngestError, match="no such file"):
        ing.ingest_file(con, "acled", tmp_path / "missing.csv")


def test_batch_refused_when_one_file_is_wrong(con, samples) -> None:
    with pytest.raises(WrongSourceError):
        ing.ingest_paths(con, "ucdp", [samples["ucdp"][0], samples["gdelt"][0]])
    assert _counts(con) == dict.fromkeys(TABLES, 0)


def test_reingest_changes_nothing(con, samples) -> None:
    first = ing.ingest_paths(con, "ucdp", samples["ucdp"][:1])
    snap = _snapshot(con)
    again = ing.ingest_file(con, "ucdp", samples["ucdp"][0])
    assert again.skipped and "already ingested" in again.notes[-1]
    assert (again.rows_read, again.rows_stored) == (first[0].rows_read, first[0].rows_stored)
    assert _snapshot(con) == snap


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_crash_mid_write_leaves_store_unchanged(con, samples, monkeypatch, exc) -> None:
    ing.ingest_file(con, "acled", FIX / "acled_fake.csv")
    snap = _snapshot(con)
    real_write = ing._write

    def write_then_crash(*args, **kwargs):
        real_write(*args, **kwargs)  # events and quarantine rows are in the transaction
        n = args[0].scalar("SELECT count(*) FROM events")
        assert n > 1000
        raise exc

    monkeypatch.setattr(ing, "_write", write_then_crash)
    with pytest.raises(type(exc)):
        ing.ingest_file(con, "ucdp", samples["ucdp"][0])
    assert _snapshot(con) == snap
    monkeypatch.undo()
    r = ing.ingest_file(con, "ucdp", samples["ucdp"][0])  # not taken for already ingested
    assert not r.skipped and r.rows_stored == 1000


def test_filters_are_counted(con, samples) -> None:
    r = ing.ingest_file(con, "ucdp", samples["ucdp"][0], since=dt.date(2015, 1, 1),
                        countries=["SYR", "IRQ"])
    assert r.rows_read == 1000 == r.rows_stored + r.rows_quarantined + r.rows_filtered
    assert set(r.filtered) == {"before-since", "country"}
    assert sum(r.filtered.values()) == r.rows_filtered
    assert con.rows("SELECT min(date_start) >= DATE '2015-01-01', "
                       "count(DISTINCT country_iso3) FROM events")[0] == (True, 2)
    stored = dict(con.rows("SELECT reason, rows FROM filtered"))
    assert stored == r.filtered


def test_python_reader_fallback(con, tmp_path: Path) -> None:
    # A stray carriage return puts DuckDB's CSV state machine in an invalid state: the
    # transaction is rolled back and the file is read again with Python's csv module.
    lines = (FIX / "acled_fake.csv").read_bytes().splitlines(keepends=True)
    p = tmp_path / "acled_cr.csv"
    p.write_bytes(b"".join(lines[:3]) + b"0\r\n" + b"".join(lines[3:]))
    seen: list[float] = []
    r = ing.ingest_file(con, "acled", p, on_progress=seen.append)
    assert any("Python's csv module" in n for n in r.notes)
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (9, 5, 4)
    q = dict(con.rows("SELECT row_number, reason FROM quarantine"))
    assert q[4] == "wrong column count: expected 31, found 1"
    assert q[8] == "unparseable date"  # later record numbers shifted by the extra record
    assert all(0 <= x <= 100 for x in seen)


def test_cli_ingest_and_quarantine(tmp_path: Path, samples, monkeypatch) -> None:
    from kharita.cli import app

    store = tmp_path / "cli.duckdb"
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", "acled", str(FIX / "acled_fake.csv"), "--store",
                              str(store), "--no-attribute", "--format", "json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary[0]["read"] == 8 and summary[0]["quarantined"] == 3
    res = runner.invoke(app, ["quarantine", "--store", str(store), "--format", "csv"])
    assert res.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [(r["row"], r["field"]) for r in rows] == [("7", "event_date"), ("8", "latitude"),
                                                      ("9", "fatalities")]
    monkeypatch.setenv("KHARITA_STORE", str(store))
    res = runner.invoke(app, ["quarantine", "--file", "acled_fake.csv", "--format", "json"])
    assert len(json.loads(res.stdout)) == 3
    res = runner.invoke(app, ["ingest", "gtd", str(FIX / "acled_fake.csv")])
    assert isinstance(res.exception, WrongSourceError)  # CliRunner sees the typed error


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
          *args: str) -> tuple[int, str]:
    """Run ``kharita ARGS`` through the console entry point (KharitaError -> exit 2)."""
    from kharita.cli import main

    monkeypatch.setattr(sys, "argv", ["kharita", *args])
    with pytest.raises(SystemExit) as exit_:
        main()
    out = capsys.readouterr()
    return int(exit_.value.code or 0), " ".join((out.out + out.err).split())


def test_cli_errors_exit_2_with_the_message(tmp_path: Path, monkeypatch, capsys) -> None:
    store = str(tmp_path / "e.duckdb")
    acled = str(FIX / "acled_fake.csv")
    code, text = _main(monkeypatch, capsys, "ingest", "gtd", acled, "--store", store)
    assert code == 2 and "expected a GTD file, but this looks like an ACLED export" in text
    assert "ingest it as `acled`" in text and "Nothing was written" in text
    code, text = _main(monkeypatch, capsys, "ingest", "acled", acled, "--store", store,
                       "--since", "2020-13-01")
    assert code == 2 and "--since '2020-13-01': expected a date YYYY-MM-DD" in text
    code, text = _main(monkeypatch, capsys, "ingest", "icews", acled, "--store", store)
    assert code == 2 and "'icews' is not one of" in text and "'gdelt'" in text
    code, text = _main(monkeypatch, capsys, "ingest", "acled", str(tmp_path / "none.csv"),
                       "--store", store)
    assert code == 2 and "none.csv: no such file" in text
    code, text = _main(monkeypatch, capsys, "quarantine", "--store",
                       str(tmp_path / "missing.duckdb"))
    assert code == 2 and "no store at" in text and "missing.duckdb" in text
    code, text = _main(monkeypatch, capsys, "ingest", "acled", acled, "--store", store,
                       "--engine", "sqlite")
    assert code == 2 and "'sqlite' is not one of" in text


def test_source_choices_come_from_the_registry() -> None:
    from kharita.cli.ingest import Source
    from kharita.events.sources import registry

    assert [s.value for s in Source] == list(registry.names())


# --------------------------------------------------------------------------------------
# Property-based tests
# --------------------------------------------------------------------------------------

PROPS = settings(max_examples=12, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow,
                                        HealthCheck.function_scoped_fixture])

cell = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "-9", "-99", "1e400", "nan", "2019-02-30", "12.5", "999", "-181",
                     '"', '""', "\n", "1,2", "\t", "2019-01-01", "20160728", "#tag"]),
    st.integers(-1000, 100_000).map(str),
)


def _check(path: Path, source: str) -> None:
    con = connect(":memory:")
    try:
        try:
            r = ing.ingest_file(con, source, path)
        except WrongSourceError:
            assert _counts(con) == dict.fromkeys(TABLES, 0)
            return
        assert r.rows_read == r.rows_stored + r.rows_quarantined + r.rows_filtered
        c = _counts(con)
        assert c["events"] == r.rows_stored and c["quarantine"] == r.rows_quarantined
        assert c["ingest_files"] == 1
    finally:
        con.close()


@PROPS
@given(data=st.binary(max_size=300), source=st.sampled_from(["ucdp", "acled", "gtd", "gdelt"]))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes, source: str) -> None:
    p = tmp_path / "random.csv"
    p.write_bytes(data)
    _check(p, source)


def _csv_bytes(header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode(encoding, errors="replace")


@pytest.mark.slow
@PROPS
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=52), max_size=6),
       junk=st.binary(max_size=40))
def test_malformed_ucdp_rows(tmp_path: Path, rows: list[list[str]], junk: bytes) -> None:
    p = tmp_path / "ged.csv"
    p.write_bytes(_csv_bytes(GED_COLUMNS, rows) + junk)
    _check(p, "ucdp")


@pytest.mark.slow
@PROPS
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=34), max_size=6),
       junk=st.binary(max_size=40))
def test_malformed_acled_rows(tmp_path: Path, rows: list[list[str]], junk: bytes) -> None:
    header = (FIX / "acled_fake.csv").read_text().splitlines()[0].split(",")
    p = tmp_path / "acled.csv"
    p.write_bytes(_csv_bytes(header, rows) + junk)
    _check(p, "acled")


@pytest.mark.slow
@PROPS
@given(rows=st.lists(st.lists(cell, min_size=0, max_size=16), max_size=6),
       junk=st.binary(max_size=40))
def test_malformed_gtd_rows(tmp_path: Path, rows: list[list[str]], junk: bytes) -> None:
    p = tmp_path / "gtd.csv"
    p.write_bytes(_csv_bytes(GTD_COLUMNS, rows, "latin-1") + junk)
    _check(p, "gtd")


@pytest.mark.slow
@PROPS
@given(rows=st.lists(st.lists(cell.map(lambda s: s.replace("\n", " ").replace("\t", " ")),
                              min_size=0, max_size=63), max_size=6),
       junk=st.binary(max_size=40))
def test_malformed_gdelt_rows(tmp_path: Path, rows: list[list[str]], junk: bytes) -> None:
    first = "\t".join(["1", "20160728"] + [""] * 56)  # one valid 58-field line for sniffing
    body = "\n".join("\t".join(r) for r in rows)
    p = tmp_path / "gdelt.tsv"
    p.write_bytes((first + "\n" + body + "\n").encode() + junk)
    _check(p, "gdelt")


# --------------------------------------------------------------------------------------
# The connector registry
# --------------------------------------------------------------------------------------


def test_registry_guesses_every_sample_and_names_credits(samples) -> None:
    from kharita.events.sources import registry

    for actual, files in samples.items():
        for path in files:
            assert registry.guess_file(path) == actual, path
    assert registry.guess(["ID", "Type_of_violence", "side_a", "side_b", "date_start"]) == "ucdp"
    assert registry.guess(["event_date", "event_type", "actor1", "fatalities"]) is None
    assert registry.guess(["event_date", "event_type", "actor1", "fatalities",
                           "data_id"]) == "acled"
    assert registry.get("synthetic").synthetic and not registry.get("ucdp").synthetic
    with pytest.raises(IngestError, match="unknown source 'icews'; expected one of acled"):
        registry.get("icews")
    every = registry.credits()
    assert len(every) == 4 and any("CC BY 4.0" in c for c in every)
    assert not any("SYNTHETIC" in c for c in every)
    assert registry.credits(["synthetic", "ucdp", "nope"]) == [
        registry.get("ucdp").credit, registry.get("synthetic").credit]


def test_a_new_connector_is_one_registration(monkeypatch, tmp_path: Path) -> None:
    """Register a connector (here ACLED's, renamed): ingest, guessing-by-name, the
    attribution rules and the credits see it with no other change."""
    import dataclasses

    from kharita.events import rules
    from kharita.events.sources import acled, registry

    new = dataclasses.replace(acled.CONNECTOR, name="acled2", credit="ACLED copy, test.",
                              joint_label=r"\s+&\s+", guessable=False)
    monkeypatch.setattr(registry, "_CONNECTORS", (*registry._CONNECTORS, new))
    monkeypatch.setattr(registry, "_BY_NAME", {**registry._BY_NAME, "acled2": new})
    con = connect(tmp_path / "n.duckdb")
    rep = ing.ingest_file(con, "acled2", FIX / "acled_fake.csv")
    assert (rep.rows_read, rep.rows_stored, rep.rows_quarantined) == (8, 5, 3)
    assert con.rows("SELECT DISTINCT source FROM events") == [("acled2",)]
    assert con.scalar("SELECT count(*) FROM events WHERE event_id LIKE 'acled2:%'") == 5
    parts = rules.split_actor("acled2", "JNIM & Islamic State (Sahel)", None)
    assert [(p.name, p.kind, p.n_parts) for p in parts] == [
        ("JNIM", "acled2-joint", 2), ("Islamic State (Sahel)", "acled2-joint", 2)]
    assert len(rules.split_actor("acled2", "JNIM and/or IS", None)) == 1
    assert registry.credits(["acled2"]) == ["ACLED copy, test."]
    con.close()


# --------------------------------------------------------------------------------------
# Issue 17 regressions: no silent loss, clear one-line errors, bounded inputs, atomicity
# with attribution. Each builds a small file from the real NGA export.
# --------------------------------------------------------------------------------------


def _nga_lines(shared_data: Path, n: int = 51) -> list[bytes]:
    """The header, the HXL row and the first data lines of the real NGA export."""
    data = (shared_data / "ucdp-ged" / "conflict_data_nga.csv").read_bytes()
    return data.split(b"\n")[:n]


def _records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8", "replace"), newline="")))


def _ids_in(data: bytes) -> set[str]:
    """Every event id of a UCDP file by Python's csv (the independent count)."""
    recs = _records(data)
    i = recs[0].index("id")
    return {r[i].removesuffix(".0") for r in recs[2:] if len(r) > i and r[i]}


def _one_line_error(exc: BaseException, path: Path) -> str:
    from kharita.errors import KharitaError

    assert isinstance(exc, KharitaError), repr(exc)
    msg = str(exc)
    assert str(path) in msg and "\n" not in msg.strip() and "Traceback" not in msg, msg
    return msg


@pytest.mark.parametrize("mutation", ["short", "extra", "bad-byte"])
def test_malformed_hxl_row_never_drops_an_event(shared_data: Path, tmp_path: Path,
                                                mutation: str) -> None:
    lines = _nga_lines(shared_data)
    hxl = lines[1]
    lines[1] = {"short": hxl.rsplit(b",", 1)[0], "extra": hxl + b",#extra",
                "bad-byte": hxl + b"\xff"}[mutation]
    data = b"\n".join(lines)
    p = tmp_path / "nga.csv"
    p.write_bytes(data)
    con = connect(":memory:")
    r = ing.ingest_file(con, "ucdp", p)
    stored = {x for (x,) in con.rows("SELECT source_event_id FROM events")}
    assert stored == _ids_in(data)  # every event, the first one included
    assert r.rows_read == r.rows_stored + r.rows_quarantined + r.rows_filtered
    assert r.rows_stored == len(stored) == 45
    if mutation == "bad-byte":  # the HXL row cannot be read: quarantined, not dropped
        assert con.rows("SELECT row_number, reason FROM quarantine")[0][0] == 2


def test_quarantine_raw_is_the_records_own_text(shared_data: Path, tmp_path: Path) -> None:
    """Binary junk inside a quoted field, a bad byte in a column normalize never reads
    and a bad value: each quarantined row carries its own line (and number)."""
    lines = _nga_lines(shared_data)
    recs = _records(b"\n".join(lines))
    lat = recs[0].index("latitude")
    j = 4  # a quoted field with doubled quotes inside
    lines[j] = lines[j].replace(b' ""', b' ""\x00\xff\xfe junk', 1)
    assert b"junk" in lines[j]
    k = j + 3
    lines[k] = lines[k] + b"\xff"  # the last column (gwnob), unused by normalize
    row = recs[12]
    row[lat] = "north"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(row)
    idx = next(i for i, ln in enumerate(lines) if ln.startswith(f"{row[0]},".encode()))
    lines[idx] = buf.getvalue().encode()
    data = b"\n".join(lines)
    p = tmp_path / "junk.csv"
    p.write_bytes(data)
    con = connect(":memory:")
    r = ing.ingest_file(con, "ucdp", p)
    q = con.rows("SELECT row_number, field, reason, raw FROM quarantine ORDER BY row_number")
    assert len(q) == r.rows_quarantined == 3
    text = data.decode("utf-8", "replace").split("\n")  # no quoted newlines before idx
    for number, fld, reason, raw in q:
        assert fld and reason
        own = text[number - 1]
        assert raw.replace("?", "\ufffd") == own or raw == own, (number, raw[:80], own[:80])
    assert {n for n, *_ in q} == {j + 1, k + 1, idx + 1}


def test_long_line_quarantined_with_reason_and_field(shared_data: Path, tmp_path: Path
                                                     ) -> None:
    lines = _nga_lines(shared_data)
    lines[6] = lines[6][:40] + b"x" * (4 * 1024 * 1024 + 10) + lines[6][40:]
    p = tmp_path / "long.csv"
    p.write_bytes(b"\n".join(lines))
    con = connect(":memory:")
    r = ing.ingest_file(con, "ucdp", p)
    (number, fld, reason), = con.rows("SELECT row_number, field, reason FROM quarantine")
    assert number == 7 and fld == "_record" and "4 MB" in reason
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (45, 44, 1)


def test_long_header_is_not_truncated(shared_data: Path, tmp_path: Path) -> None:
    lines = _nga_lines(shared_data)
    long_name = "note_" + "h" * 70_000
    lines = [lines[0] + f",{long_name}".encode(), lines[1] + b",#note"] + [
        ln + b",x" for ln in lines[2:] if ln]
    p = tmp_path / "wide.csv"
    p.write_bytes(b"\n".join(lines) + b"\n")
    r = ing.ingest_file(connect(":memory:"), "ucdp", p)
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (45, 45, 0)


def test_gdelt_cut_inside_its_last_field(shared_data: Path, tmp_path: Path) -> None:
    lines = (shared_data / "gdelt" / "events.csv").read_bytes().split(b"\n")[:20]
    p = tmp_path / "cut.csv"
    p.write_bytes(b"\n".join(lines)[:-10])  # the last URL cut, no line end
    con = connect(":memory:")
    r = ing.ingest_file(con, "gdelt", p)
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (20, 19, 1)
    (number, reason), = con.rows("SELECT row_number, reason FROM quarantine")
    assert number == 20 and "truncated" in reason
    p.write_bytes(b"\n".join(lines) + b"\n")
    assert ing.ingest_file(connect(":memory:"), "gdelt", p).rows_stored == 20


def test_lost_rows_fail_the_accounting_and_block_nothing(shared_data: Path, tmp_path: Path,
                                                         monkeypatch) -> None:
    """A reader that loses rows (simulated: the view drops some, or all) is caught by
    the record count; nothing is written and a later ingest of the file works."""
    from kharita.store import duckdb as kd

    lines = _nga_lines(shared_data)
    p = tmp_path / "nga.csv"
    p.write_bytes(b"\n".join(lines))
    real = kd.load_delimited
    for where, match in [("_row % 7 <> 3", "row accounting failed"),
                         ("false", "no row could be read")]:
        def lossy(*args, _w=where, **kwargs):
            load = real(*args, **kwargs)
            con = kd.raw(args[0])
            con.execute(f"ALTER VIEW {load.table} RENAME TO {load.table}_full")
            con.execute(f"CREATE TEMP VIEW {load.table} AS SELECT * FROM {load.table}_full "
                        f"WHERE {_w}")
            load.cleanup.append(f"VIEW {load.table}_full")
            return load

        monkeypatch.setattr(kd, "load_delimited", lossy)
        store = connect(tmp_path / f"s{len(where)}.duckdb")
        with pytest.raises(IngestError, match=match):
            ing.ingest_file(store, "ucdp", p)
        assert _counts(store) == dict.fromkeys(TABLES, 0)
        monkeypatch.undo()
        assert ing.ingest_file(store, "ucdp", p).rows_stored == 45


def _utf16(p: Path, lines: list[bytes]) -> None:
    p.write_bytes(b"\n".join(lines).decode().encode("utf-16"))


def test_unreadable_inputs_are_one_clear_line(shared_data: Path, tmp_path: Path) -> None:
    import gzip
    import os

    lines = _nga_lines(shared_data)
    recs = _records(b"\n".join(lines))
    cases: dict[str, tuple[str, str]] = {}
    semi = io.StringIO()
    csv.writer(semi, delimiter=";", lineterminator="\n").writerows(recs)
    (tmp_path / "semi.csv").write_text(semi.getvalue())
    cases["semi.csv"] = ("ucdp", "semicolon-delimited; expected commas")
    _utf16(tmp_path / "u16.csv", lines)
    cases["u16.csv"] = ("ucdp", "UTF-16")
    (tmp_path / "cr.csv").write_bytes(b"\r".join(lines))
    cases["cr.csv"] = ("ucdp", "CR only")
    gd = gzip.compress((shared_data / "gdelt" / "events.csv").read_bytes())
    (tmp_path / "cut.csv.gz").write_bytes(gd[: len(gd) // 2])
    cases["cut.csv.gz"] = ("gdelt", "truncated or corrupt")
    gu = gzip.compress(b"\n".join(lines))
    (tmp_path / "cut_ucdp.csv.gz").write_bytes(gu[: len(gu) // 2])
    cases["cut_ucdp.csv.gz"] = ("ucdp", "truncated or corrupt")
    os.symlink("/dev/zero", tmp_path / "zero.csv")
    cases["zero.csv"] = ("ucdp", "symbolic link to /dev/zero, a character device")
    (tmp_path / "folder.csv").mkdir()
    cases["folder.csv"] = ("ucdp", "a directory")
    os.symlink(tmp_path / "nowhere", tmp_path / "broken.csv")
    cases["broken.csv"] = ("ucdp", "broken symbolic link")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    cases["deep.json"] = ("acled", "nested too deeply")
    con = connect(tmp_path / "s.duckdb")
    for name, (source, expected) in cases.items():
        with pytest.raises(Exception) as err:
            ing.ingest_file(con, source, tmp_path / name)
        assert expected in _one_line_error(err.value, tmp_path / name), name
    assert _counts(con) == dict.fromkeys(TABLES, 0)


def test_json_list_surrogate_and_huge_coordinate_are_rows(tmp_path: Path) -> None:
    """ACLED JSON whose top level is a list is read; a lone surrogate and a latitude of
    1e20 quarantine their row (with field), not the file."""
    rec = {"event_id_cnty": "NGA1", "event_date": "2020-01-02", "event_type": "Battles",
           "actor1": "X", "country": "Nigeria", "latitude": 11.8, "longitude": 13.1}
    p = tmp_path / "list.json"
    body = json.dumps([rec, {**rec, "event_id_cnty": "NGA2", "latitude": 1e20},
                       {**rec, "event_id_cnty": "NGA3", "actor1": "Y-SURR"}])
    p.write_text(body.replace("Y-SURR", "Y\\ud800"))
    con = connect(":memory:")
    r = ing.ingest_file(con, "acled", p)
    assert (r.rows_read, r.rows_stored, r.rows_quarantined) == (3, 1, 2)
    got = dict(con.rows("SELECT row_number, field FROM quarantine"))
    assert got == {2: "latitude", 3: "actor1"}


def test_huge_coordinate_in_ucdp_quarantines_the_row(shared_data: Path, tmp_path: Path
                                                     ) -> None:
    recs = _records(b"\n".join(_nga_lines(shared_data)))
    recs[5][recs[0].index("longitude")] = "1e20"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(recs)
    p = tmp_path / "coord.csv"
    p.write_text(buf.getvalue())
    con = connect(":memory:")
    r = ing.ingest_file(con, "ucdp", p)
    assert (r.rows_stored, r.rows_quarantined) == (44, 1)
    assert con.rows("SELECT row_number, field FROM quarantine") == [(6, "longitude")]


def test_cli_since_impossible_date(tmp_path: Path, monkeypatch, capsys) -> None:
    code, text = _main(monkeypatch, capsys, "ingest", "ucdp", str(FIX / "acled_fake.csv"),
                       "--store", str(tmp_path / "s.duckdb"), "--since", "2019-02-30")
    assert code == 2 and "2019-02-30" in text and "not a real date" in text


def _zip(path: Path, name: str, data: bytes) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return path


def test_zip_is_capped_and_leaves_no_temp_folder(shared_data: Path, tmp_path: Path,
                                                 monkeypatch) -> None:
    store = tmp_path / "s.duckdb"
    con = connect(store)
    lines = _nga_lines(shared_data)
    good = _zip(tmp_path / "ged251-csv.zip", "ged.csv", b"\n".join(lines))
    with pytest.raises(IngestError, match="more than 1000 bytes"):
        ing.ingest_file(con, "ucdp", good, max_unzipped_bytes=1000)
    monkeypatch.setattr(ing, "ZIP_RATIO_FREE_BYTES", 1 << 20)
    bomb = _zip(tmp_path / "bomb.zip", "ged.csv", lines[0] + b"\n" + b"\0" * (8 << 20))
    with pytest.raises(IngestError, match="zip bomb"):
        ing.ingest_file(con, "ucdp", bomb)
    assert _counts(con) == dict.fromkeys(TABLES, 0)
    assert ing.ingest_file(con, "ucdp", good).rows_stored == 45
    assert not list(tmp_path.glob(f".{ing.TEMP_PREFIX}*"))
    # a folder left by a killed run (its process is gone) is removed at the next ingest
    stale = tmp_path / f".{ing.TEMP_PREFIX}999999999-abc"
    stale.mkdir()
    (stale / "ged.csv").write_bytes(b"x")
    ing.ingest_file(con, "ucdp", good)  # skipped: still cleans nothing but is harmless
    ing.ingest_file(con, "ucdp", _zip(tmp_path / "other.zip", "ged.csv",
                                      b"\n".join(lines[:30])))
    assert not stale.exists()


def test_attribution_shares_the_ingest_transaction(shared_data: Path, tmp_path: Path,
                                                   kb, monkeypatch) -> None:
    from kharita.events import attribute

    p = shared_data / "ucdp-ged" / "ucdpged.csv"
    con = connect(tmp_path / "s.duckdb")
    real = attribute.attribute_store

    def crash(*args, **kwargs):
        real(*args, **kwargs)
        raise OSError("No space left on device")

    monkeypatch.setattr(attribute, "attribute_store", crash)
    with pytest.raises(OSError):
        ing.ingest_file(con, "ucdp", p, kb=kb)
    assert _counts(con) == dict.fromkeys(TABLES, 0)
    assert con.scalar("SELECT count(*) FROM attributions") == 0
    monkeypatch.undo()
    r = ing.ingest_file(con, "ucdp", p, kb=kb)
    assert r.attribution is not None and r.attribution.attributed_events > 0
    # a file stored without attribution (--no-attribute) is attributed when seen again
    q = shared_data / "ucdp-ged" / "conflict_data_nga.csv"
    ing.ingest_file(con, "ucdp", q)
    again = ing.ingest_file(con, "ucdp", q, kb=kb)
    assert again.skipped and again.attribution is not None
    assert "attributed now" in again.notes[-1]
