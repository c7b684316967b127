"""Would a typed ``read_csv`` give the rows today's text rules give? (issue 16)

Today the ingest reads every field as text and types it with the connector's rules
(:func:`kharita.events.sources._common.col`, ``try_float``, ``try_int``, ``iso_date``).
A typed read (DuckDB's ``read_csv`` with the column's type and ``store_rejects``) is a
candidate speed-up only where, for every cell, it either gives the value the text rule
gives, or rejects the cell (the row then has to go through the text rule). This module
puts a table of named cells through both: each cell, in one GED row of a file, is
ingested by today's path (events + quarantine: reason, row number, field) and read by
the typed reader; each case names the outcome it must have:

* ``same``     the typed value, checked by today's semantic rule, gives today's outcome;
* ``rejects``  the typed reader rejects the cell (a fall-back to the text rule needed);
* ``differs``  the typed reader accepts a value today's rule does not give (that column
  must stay VARCHAR).

What it finds (DuckDB 1.x-2.0): a number read as DOUBLE is never ``differs`` (the reader
parses exactly as ``TRY_CAST(TRIM(x) AS DOUBLE)``, spaces, tabs, ``+5``, ``1e3``,
``1_000``, ``nan`` and ``inf`` included; whitespace alone is rejected, not NULL), but a
quarantined row's ``raw`` text is built from its cells as read, which a typed column no
longer has. A date read as DATE ``differs`` from today's rule (``2019-6-9``,
``2019/06/09``, ``1-01-01``: today's rule wants ``YYYY-MM-DD`` in the first ten
characters, and keeps ``2019-06-09 junk`` as the reader does), so dates stay text. The
same table runs on a file with LF line ends and minimal quoting and on one with a UTF-8
BOM, CRLF line ends and every cell quoted (``""``: the same as an empty cell).
"""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kharita.events import ingest as ing
from kharita.events.sources import _common
from kharita.events.sources.synthetic import write_ged_csv
from kharita.store import duckdb as kd

# (name, GED column, cell, expected outcome of the typed read against today's rules)
CASES: list[tuple[str, str, str, str]] = [
    # counts (today: a float64 that is whole and within +/-2^31, >= 0)
    ("count plain", "best", "12", "same"),
    ("count padded spaces", "best", " 12 ", "same"),
    ("count padded tabs", "best", "\t3\t", "same"),
    ("count vertical tab, form feed", "best", "\x0b12\x0c", "same"),
    ("count 12.0 for an int", "best", "12.0", "same"),
    ("count 12.5 not whole", "best", "12.5", "same"),
    ("count +5", "best", "+5", "same"),
    ("count 1e3", "best", "1e3", "same"),
    ("count 1_000", "best", "1_000", "same"),
    ("count leading zeros", "best", "0012", "same"),
    ("count -0", "best", "-0", "same"),
    ("count negative", "best", "-1", "same"),
    ("count nan", "best", "nan", "same"),
    ("count inf", "best", "inf", "same"),
    ("count too large for int32", "best", "2147483648", "same"),
    ("count too large for a double", "best", "1e400", "same"),
    ("count 30 digits", "best", "9" * 30, "same"),
    ("count empty", "best", "", "same"),
    ("count spaces only", "best", "   ", "rejects"),
    ("count hex", "best", "0x10", "rejects"),
    ("count decimal comma", "best", "1,5", "rejects"),
    ("count inner space", "best", "1 000", "rejects"),
    ("count arabic digits", "best", "\u0661\u0662", "rejects"),
    ("count no-break space", "best", "\u00a012", "rejects"),
    ("count word", "best", "many", "rejects"),
    ("count 1.5e", "best", "1.5e", "rejects"),
    # coordinates (today: float64, |lat| <= 90, both or neither)
    ("lat plain", "latitude", "33.5", "same"),
    ("lat padded", "latitude", "  33.5\t", "same"),
    ("lat .5", "latitude", ".5", "same"),
    ("lat 5.", "latitude", "5.", "same"),
    ("lat exponent", "latitude", "3.35E1", "same"),
    ("lat out of range", "latitude", "95", "same"),
    ("lat -inf", "latitude", "-inf", "same"),
    ("lat NaN", "latitude", "NaN", "same"),
    ("lat empty (incomplete coordinates)", "latitude", "", "same"),
    ("lat spaces only", "latitude", " ", "rejects"),
    ("lat two points", "latitude", "33.5.1", "rejects"),
    ("lat degrees", "latitude", "33.5N", "rejects"),
    # dates (today: 'YYYY-MM-DD' in the first ten characters, then a real date)
    ("date plain", "date_start", "2019-06-09", "same"),
    ("date padded", "date_start", " 2019-06-09 ", "same"),
    ("date with time", "date_start", "2019-06-09 00:00:00.000", "same"),
    ("date ISO T", "date_start", "2019-06-09T00:00:00", "same"),
    ("date not a day", "date_start", "2019-02-30", "rejects"),
    ("date month 13", "date_start", "2019-13-01", "rejects"),
    ("date compact", "date_start", "20190609", "rejects"),
    ("date short day", "date_start", "2019-06-0", "rejects"),
    ("date spaces only", "date_start", "  ", "rejects"),
    ("date one-digit month and day", "date_start", "2019-6-9", "differs"),
    ("date slashes", "date_start", "2019/06/09", "differs"),
    ("date trailing junk", "date_start", "2019-06-09 junk", "same"),
    ("date glued junk", "date_start", "2019-06-09x", "same"),
    ("date BC read as AD", "date_start", "2019-06-09 BC", "same"),
    ("date one-digit year", "date_start", "1-01-01", "differs"),
]

_TYPE = {"best": "DOUBLE", "latitude": "DOUBLE", "date_start": "DATE"}


def _write(path: Path, header: list[str], rows: list[list[str]], *, crlf_bom_quoted: bool
           ) -> None:
    with open(path, "w", newline="", encoding="utf-8-sig" if crlf_bom_quoted else "utf-8"
              ) as fh:
        w = csv.writer(fh, lineterminator="\r\n" if crlf_bom_quoted else "\n",
                       quoting=csv.QUOTE_ALL if crlf_bom_quoted else csv.QUOTE_MINIMAL)
        w.writerow(header)
        w.writerows(rows)


@pytest.fixture(scope="module", params=[False, True], ids=["lf-minimal", "bom-crlf-quoted"])
def case_file(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, list[str], list[list[str]]]:
    d = tmp_path_factory.mktemp("edges")
    base = write_ged_csv(d / "base.csv", len(CASES), seed=11)
    with open(base, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    for row, (_name, column, cell, _want) in zip(body, CASES, strict=True):
        row[header.index(column)] = cell
        if column == "date_start":
            row[header.index("date_end")] = ""  # date_end = date_start then
    path = d / "cases.csv"
    _write(path, header, body, crlf_bom_quoted=bool(request.param))
    return path, header, body


def _today(path: Path) -> dict[int, tuple[Any, ...]]:
    """Today's outcome per record number: ('stored', best, latitude, date_start) or
    ('quarantined', reason, field)."""
    store = kd.connect(":memory:")
    try:
        report = ing.ingest_file(store, "ucdp", path, source_version="25.1")
        assert report.rows_read == len(CASES)
        out: dict[int, tuple[Any, ...]] = {}
        for row, best, lat, d0 in store.rows(
                "SELECT ingest_row, fatalities_best, latitude, date_start FROM events"):
            out[int(row)] = ("stored", best, lat, d0)
        for row, field, reason in store.rows(
                "SELECT row_number, field, reason FROM quarantine"):
            out[int(row)] = ("quarantined", reason, field)
        return out
    finally:
        store.close()


def _typed(path: Path, header: list[str], column: str) -> dict[str, Any]:
    """The typed reader's value per event id (``column`` typed, the rest VARCHAR);
    rejected rows are absent."""
    con = duckdb.connect()
    cols = "{" + ", ".join(f"'{c}': '{_TYPE[column] if c == column else 'VARCHAR'}'"
                           for c in header) + "}"
    rel = con.execute(
        f"SELECT id, \"{column}\" FROM read_csv(?, columns={cols}, header=true, "
        "auto_detect=false, delim=',', quote='\"', escape='\"', null_padding=false, "
        "store_rejects=true)", [str(path)]).fetchall()
    return {str(i): v for i, v in rel}


def _rule(column: str, v: Any) -> tuple[Any, ...]:
    """Today's semantic checks applied to a typed value of ``column`` (the row's other
    fields are valid): ('stored', the stored value) or ('quarantined', reason, field)."""
    if column == "best":
        if v is None:
            return ("stored", None)
        if math.isnan(v) or math.isinf(v) or v != math.floor(v) or abs(v) >= 2.0**31:
            return ("quarantined", "unparseable number", "best")
        if v < 0:
            return ("quarantined", "negative count", "best")
        return ("stored", int(v))
    if column == "latitude":
        if v is not None and (math.isnan(v) or math.isinf(v)):
            return ("quarantined", "unparseable number", "latitude")
        if v is not None and abs(v) > 90:
            return ("quarantined", "impossible coordinates", "latitude")
        if v is None:
            return ("quarantined", "incomplete coordinates", "latitude")
        return ("stored", v)
    if v is None:
        return ("quarantined", "missing date", "date_start")
    return ("stored", v)


def test_typed_reader_against_todays_rules(case_file: tuple[Path, list[str], list[list[str]]]
                                           ) -> None:
    path, header, body = case_file
    today = _today(path)
    typed = {c: _typed(path, header, c) for c in _TYPE}
    found = {}
    for i, ((name, column, _cell, _want), row) in enumerate(zip(CASES, body, strict=True)):
        now = today[i + 2]  # record 1 is the header
        rid = row[header.index("id")]
        if rid not in typed[column]:
            found[name] = "rejects"
            continue
        got = _rule(column, typed[column][rid])
        if now[0] == "stored" and got[0] == "stored":
            # the field the case changed
            now = ("stored", now[{"best": 1, "latitude": 2, "date_start": 3}[column]])
        found[name] = "same" if now == got else "differs"
    expected = {name: want for name, _c, _cell, want in CASES}
    assert found == expected
    # what the table establishes: numbers may be read typed (never a different value)
    assert not [n for n, c, _x, w in CASES if _TYPE[c] == "DOUBLE" and w == "differs"]


_NUMBERISH = st.lists(st.sampled_from([*"0123456789+-.eE_ x,", "\t", "nan", "inf",
                                        "\u00a0", "0x"]), max_size=8).map("".join)


_CON = duckdb.connect()


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_NUMBERISH, min_size=1, max_size=40))
@example(cells=[" 12 ", "1e3", "+5", "12.0", "", " ", "1_000", "--1", "0x1p3", "1e400"])
def test_double_reader_never_differs_from_try_float(tmp_path: Path, cells: list[str]) -> None:
    """Property: every cell the DOUBLE reader accepts has the value of today's
    ``try_cast`` of the trimmed text (NaN and inf included; ``try_float`` then makes
    them NULL either way), and every cell it rejects is one today's rule reads as NULL
    (missing or unparseable): rejected cells can fall back to the text rule."""
    path = tmp_path / "n.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["i", "x"])
        w.writerows([i, c] for i, c in enumerate(cells))
    con = _CON
    opts = ("header=true, auto_detect=false, delim=',', quote='\"', escape='\"', "
            "null_padding=false")
    text = dict(con.execute(
        f"SELECT i, TRY_CAST(NULLIF(TRIM(x, '{_common_strip()}'), '') AS DOUBLE) "
        f"FROM read_csv(?, columns={{'i': 'INTEGER', 'x': 'VARCHAR'}}, {opts})",
        [str(path)]).fetchall())
    typed = dict(con.execute(
        f"SELECT i, x FROM read_csv(?, columns={{'i': 'INTEGER', 'x': 'DOUBLE'}}, {opts}, "
        "ignore_errors=true)", [str(path)]).fetchall())
    for i, cell in enumerate(cells):
        if i in typed:
            a, b = typed[i], text[i]
            assert (a is None and b is None) or (a is not None and b is not None and (
                a == b or (math.isnan(a) and math.isnan(b)))), repr(cell)
        else:
            assert text[i] is None, repr(cell)


def _common_strip() -> str:
    from kharita.store.sql.ingest import STRIP_CHARS

    return STRIP_CHARS


@settings(max_examples=150, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([b"a", b"\n", b"\r", b'"', b",", b"\r\n", b"\xc3\xa9"]),
                max_size=40), st.integers(1, 7))
def test_sha256_and_blank_line_in_one_read(tmp_path: Path, parts: list[bytes], chunk: int
                                           ) -> None:
    """The one-read hash and blank-line candidate of a plain file equal hashlib's digest
    and the blank-line search on its own, at any block size (a pair split between
    blocks is found)."""
    data = b"".join(parts)
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    digest, blank = _common.sha256_and_blank_line(path, chunk=chunk)
    assert digest == hashlib.sha256(data).hexdigest()
    assert blank == (b"\n\n" in data or b"\n\r\n" in data)
    assert _common.interior_blank_line(path, '"', candidate=blank) == \
        _common.interior_blank_line(path, '"')
