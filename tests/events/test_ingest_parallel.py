"""The parallel read's record numbers (issue 16).

Without an HXL row to test, the raw view leaves ``_row`` empty and the normalised table
is numbered by its ``rowid`` (DuckDB keeps the scan's order in the insert), so the file
is read on every core. These tests check those numbers against Python's own ``csv``
reading of the file: on a file large enough for DuckDB to split it between threads,
with records over several lines and rejected records, and the fallback for rowids with
a gap.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from kharita.events.ingest import ingest_file
from kharita.events.sources.synthetic import write_ged_csv
from kharita.store import duckdb as kd


def _record_numbers(path: Path) -> tuple[dict[str, int], set[int]]:
    """Python's csv: each data record's id -> its record number (the header is record 1),
    and the record numbers of records with more cells than the header."""
    ids: dict[str, int] = {}
    wide: set[int] = set()
    with open(path, newline="", encoding="utf-8", errors="replace") as fh:
        reader = csv.reader(fh)
        width = len(next(reader))
        for k, rec in enumerate(reader, start=2):
            if len(rec) != width:
                wide.add(k)
            else:
                ids[rec[0]] = k
    return ids, wide


def _mangle(src: Path, dst: Path, seed: int) -> None:
    """A copy where 1% of the records hold a quoted cell over two lines and 0.5% have one
    cell too many."""
    rng = random.Random(seed)
    lines = src.read_bytes().split(b"\n")
    text_cell = next(csv.reader([lines[0].decode()])).index("where_description")
    out = [lines[0]]
    for line in lines[1:]:
        if not line:
            continue
        r = rng.random()
        if r < 0.01:
            cells = line.split(b",")
            cells[text_cell] = b'"two\nlines, and a ""quote"""'
            line = b",".join(cells)
        elif r < 0.015:
            line += b",extra"
        out.append(line)
    dst.write_bytes(b"\n".join(out) + b"\n")


@pytest.mark.slow
def test_parallel_read_numbers_records_as_python_csv_does(tmp_path: Path) -> None:
    # ~75 MB: larger than DuckDB's read buffer (tens of MB, growing with max_line_size),
    # so threads share the scan and the numbering must come from the insert's order.
    clean, path = tmp_path / "clean.csv", tmp_path / "ged.csv"
    write_ged_csv(clean, 140_000, seed=7)
    _mangle(clean, path, seed=7)
    assert path.stat().st_size > 64 * 1024 * 1024
    ids, wide = _record_numbers(path)
    store = kd.connect(tmp_path / "s.duckdb")
    rep = ingest_file(store, "synthetic", path)
    events = store.sql("SELECT source_event_id, ingest_row FROM events")
    quarantined = store.sql("SELECT row_number FROM quarantine")
    store.close()
    assert rep.rows_stored == len(ids) and rep.rows_quarantined == len(wide)
    got = dict(zip(events["source_event_id"].astype(str), events["ingest_row"].astype(int),
                   strict=True))
    assert got == ids
    assert set(quarantined["row_number"].astype(int)) == wide


def test_rowids_with_a_gap_are_numbered_by_their_rank(tmp_path: Path) -> None:
    store = kd.connect(tmp_path / "s.duckdb")
    con = kd.raw(store)
    con.execute("CREATE TEMP TABLE n AS SELECT range AS v, NULL::BIGINT AS ingest_row, "
                "NULL::BIGINT AS _ord FROM range(10)")
    con.execute("DELETE FROM n WHERE v = 3")  # rowid 3 is gone: 9 rows over rowids 0..9
    kd._number_by_rowid(con, "n", "ingest_row", header_rows=1)
    rows = con.execute("SELECT v, ingest_row, _ord FROM n ORDER BY v").fetchall()
    store.close()
    assert [r[1] for r in rows] == list(range(2, 11))
    assert all(r[1] == r[2] for r in rows)
    assert [r[0] for r in rows][3:] == [4, 5, 6, 7, 8, 9]


def test_consecutive_rowids_number_from_the_first_data_record(tmp_path: Path) -> None:
    store = kd.connect(tmp_path / "s.duckdb")
    con = kd.raw(store)
    con.execute("BEGIN")  # inside a transaction a temp table's rowids start at an offset
    con.execute("CREATE TEMP TABLE pad AS SELECT range AS v FROM range(1000)")
    con.execute("CREATE TEMP TABLE n AS SELECT range AS v, NULL::BIGINT AS ingest_row, "
                "NULL::BIGINT AS _ord FROM range(5)")
    kd._number_by_rowid(con, "n", "ingest_row", header_rows=1)
    rows = con.execute("SELECT v, ingest_row FROM n ORDER BY v").fetchall()
    con.execute("COMMIT")
    store.close()
    assert rows == [(0, 2), (1, 3), (2, 4), (3, 5), (4, 6)]


def test_without_insertion_order_the_view_numbers_the_records(tmp_path: Path) -> None:
    path = tmp_path / "ged.csv"
    write_ged_csv(path, 50, seed=3)
    ids, _wide = _record_numbers(path)
    store = kd.connect(tmp_path / "s.duckdb")
    kd.raw(store).execute("SET preserve_insertion_order = false")
    with open(path, encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    load = kd.load_delimited(store, path, table="_t", columns=header, delim=",")
    assert not load.by_rowid
    kd.drop_raw(store, load)
    ingest_file(store, "synthetic", path)
    events = store.sql("SELECT source_event_id, ingest_row FROM events")
    store.close()
    assert dict(zip(events["source_event_id"].astype(str), events["ingest_row"].astype(int),
                    strict=True)) == ids


def test_the_normaliser_compiled_beside_the_hash_is_the_one_the_load_uses(
        tmp_path: Path) -> None:
    from kharita.events import ingest

    path = tmp_path / "ged.csv"
    write_ged_csv(path, 20, seed=4)
    ingest.normalize_sql.cache_clear()
    store = kd.connect(tmp_path / "s.duckdb")
    ingest_file(store, "synthetic", path)
    store.close()
    info = ingest.normalize_sql.cache_info()
    # compiled once (in ingest_file, while the file is hashed), found by the load
    assert (info.misses, info.hits) == (1, 1)
