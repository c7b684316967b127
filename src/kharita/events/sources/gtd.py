"""Global Terrorism Database (GTD) connector: the published xlsx (streamed with openpyxl
in read-only mode) and CSV (latin-1).

Mapping (see ``docs/events.md``): ``eventid`` -> source_event_id; ``iyear``/``imonth``/
``iday`` -> date_start = date_end, with 0 meaning unknown (day 0 -> precision month,
month 0 -> precision year, the date then being the first day of the month/year);
``attacktype1`` 1 Assassination, 2 Armed Assault, 4 Hijacking, 5 Hostage Taking
(Barricade), 6 Hostage Taking (Kidnapping) -> armed_assault, 3 Bombing/Explosion ->
explosion_remote, 7 Facility/Infrastructure Attack -> attack_on_facility, 8 Unarmed
Assault and 9 Unknown -> other; ``gname`` -> actor1_name and ``gname2``/``gname3`` ->
actor1_other_names (" | "-joined; a field naming several groups "X; Y" is a joint
label, split by attribution); ``nkill`` -> fatalities_best; ``country_txt`` ->
country/country_iso3; ``provstate`` -> admin1; ``city`` -> place; ``specificity`` ->
geo_precision; ``summary`` -> description; ``scite1`` -> source_reference. The GTD codes
unknown values as -9 or -99: they become NULL.

GTD data is licensed: kharita reads the user's own copy and never redistributes it.
Reference: START (2022), Global Terrorism Database Codebook; LaFree & Dugan (2007),
"Introducing the Global Terrorism Database", Terrorism and Political Violence 19(2).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from kharita.errors import IngestError
from kharita.events.sources._common import (
    Connector,
    ReadPlan,
    bad_number,
    classify_header,
    col,
    coordinate_checks,
    country_iso3,
    finalize,
    first_records,
    guess_source,
    head_bytes,
    header_columns,
    priogrid,
    raw_schema,
    strip_float_suffix,
    try_float,
    try_int,
    wrong_source,
    ymd_date,
)

NAME = "gtd"

ATTACK_TYPES = {"1": "armed_assault", "2": "armed_assault", "3": "explosion_remote",
                "4": "armed_assault", "5": "armed_assault", "6": "armed_assault",
                "7": "attack_on_facility", "8": "other", "9": "other"}
UNKNOWN = ["-9", "-99", "-9.0", "-99.0"]
BATCH = 20_000


def _cell(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _xlsx_plan(p: Path, source: str, source_version: str | None) -> ReadPlan:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on non-xlsx input
        raise IngestError(f"{p}: cannot open as xlsx: {exc}") from exc
    try:
        ws = wb.worksheets[0]
        header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), None)
    finally:
        wb.close()
    cols, notes = header_columns([_cell(v) or "" for v in (header or ())])
    kind = classify_header(cols)
    if kind != NAME:
        found = kind or ("ucdp" if "type_of_violence" in cols else None)
        raise wrong_source(p, NAME, found, "first sheet has no GTD header with eventid, "
                           "iyear, imonth, iday, gname")
    schema = raw_schema(cols)

    def batches() -> Iterator[pa.RecordBatch]:
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)
        try:
            sheet = book.worksheets[0]
            buf: dict[str, list[Any]] = {c: [] for c in schema.names}
            for rownum, row in enumerate(sheet.iter_rows(min_row=2, values_only=True),
                                         start=2):
                cells = [_cell(v) for v in row]
                if all(c is None or c == "" for c in cells):
                    continue  # formatting-only rows: not records
                buf["_row"].append(rownum)
                buf["_raw"].append(",".join("" if c is None else c for c in cells))
                for i, c in enumerate(cols):
                    buf[c].append(cells[i] if i < len(cells) else None)
                if len(buf["_row"]) >= BATCH:
                    yield pa.RecordBatch.from_pydict(buf, schema=schema)
                    buf = {c: [] for c in schema.names}
            if buf["_row"]:
                yield pa.RecordBatch.from_pydict(buf, schema=schema)
        finally:
            book.close()

    return ReadPlan(source=source, kind="records", path=p, columns=cols, batches=batches,
                    schema=schema, source_version=source_version, notes=notes)


def sniff(path: str | Path, *, source: str = NAME,
          source_version: str | None = None) -> ReadPlan:
    """Check that ``path`` is a GTD xlsx or CSV (latin-1) and plan its reading."""
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        return _xlsx_plan(p, source, source_version)
    data = head_bytes(p)
    recs = first_records(data, n=1, encoding="latin-1")
    cols, notes = header_columns(recs[0]) if recs else ([], [])
    if classify_header(cols) != NAME:
        raise wrong_source(p, NAME, guess_source(p),
                           "no GTD header with eventid, iyear, imonth, iday, gname")
    encoding = "latin-1"
    try:
        data.decode("utf-8")
        encoding = "utf-8" if any(b > 127 for b in data) else "latin-1"
    except UnicodeDecodeError:
        pass
    notes.append(f"read as {encoding}")
    return ReadPlan(source=source, kind="delimited", path=p, columns=cols, delim=",",
                    encoding=encoding, source_version=source_version, notes=notes)


def _known(s: ir.StringValue) -> ir.StringValue:
    """-9 / -99 (GTD's unknown) as NULL."""
    return ibis.cases((s.isin(UNKNOWN), ibis.null("string")), else_=s)


def normalize(raw: ir.Table, *, source: str = NAME, source_version: str | None = None,
              synthetic: bool = False) -> ir.Table:
    """GTD raw rows -> event columns + ``_reason``/``_field``.

    Quarantined: a missing event id; a year that is not four digits; a month outside
    0-12 or a day outside 0-31; a date that does not exist (e.g. 30 February);
    unparseable or impossible coordinates; an unparseable or negative ``nkill``.
    """
    eid = strip_float_suffix(col(raw, "eventid"))
    ys = strip_float_suffix(col(raw, "iyear"))
    ms = strip_float_suffix(col(raw, "imonth"))
    ds = strip_float_suffix(col(raw, "iday"))
    m_known = ms.notnull() & (ms != "0")
    d_known = ds.notnull() & (ds != "0")
    month = ibis.cases((m_known, ms), else_="1")
    day = ibis.cases((m_known & d_known, ds), else_="1")
    date = ymd_date(ys, month, day)
    precision = ibis.cases((~m_known, "year"), (~d_known, "month"), else_="day")
    lats, lons = _known(col(raw, "latitude")), _known(col(raw, "longitude"))
    lat, lon = try_float(lats), try_float(lons)
    ks = _known(col(raw, "nkill"))
    nkill = try_int(ks)
    attack = strip_float_suffix(_known(col(raw, "attacktype1")))
    g2, g3 = _known(col(raw, "gname2")), _known(col(raw, "gname3"))
    others = ibis.cases((g2.notnull() & g3.notnull(), g2.concat(" | ", g3)),
                        (g2.notnull(), g2), else_=g3)
    country = col(raw, "country_txt")
    checks = [
        (eid.isnull(), "eventid", "missing id"),
        (ys.isnull() | ~ys.re_search(r"^\d{4}$"), "iyear", "unparseable date"),
        (ms.notnull() & ~ms.isin([str(i) for i in range(13)]), "imonth", "unparseable date"),
        (ds.notnull() & ~ds.isin([str(i) for i in range(32)]), "iday", "unparseable date"),
        (date.isnull(), "iday", "unparseable date"),
        *coordinate_checks(lats, lons, lat, lon, "latitude", "longitude"),
        (bad_number(ks, nkill), "nkill", "unparseable number"),
        (nkill < 0, "nkill", "negative count"),
    ]
    values = {
        "event_id": ibis.literal(f"{source}:").concat(eid),
        "source": source,
        "source_version": source_version,
        "source_event_id": eid,
        "date_start": date,
        "date_end": date,
        "date_precision": precision,
        "country_iso3": country_iso3(country),
        "country": country,
        "admin1": _known(col(raw, "provstate")),
        "place": _known(col(raw, "city")),
        "latitude": lat,
        "longitude": lon,
        "geo_precision": try_int(_known(col(raw, "specificity"))),
        "priogrid_gid": priogrid(lat, lon),
        "event_type": attack.substitute(ATTACK_TYPES, else_="other"),
        "source_event_type": col(raw, "attacktype1_txt"),
        "actor1_name": _known(col(raw, "gname")),
        "actor1_other_names": others,
        "fatalities_best": nkill,
        "description": col(raw, "summary"),
        "source_reference": col(raw, "scite1"),
        "synthetic": synthetic,
    }
    return finalize(raw, values, checks)


CONNECTOR = Connector(
    name=NAME, label="a GTD file", title="Global Terrorism Database (GTD)",
    credit="GTD, read from the user's own licensed copy and not redistributed by kharita; "
           "START (2022), Global Terrorism Database Codebook.",
    sniff=sniff, normalize=normalize,
    header_keys=frozenset({"eventid", "iyear", "imonth", "iday", "gname"}),
    detect=lambda path, data: path.suffix.lower() == ".xlsx",
    dataset_names="gtd", joint_label=r"\s*;\s*", licensed=True)
