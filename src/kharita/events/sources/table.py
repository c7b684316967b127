"""Your own event lists: any CSV, XLSX or Parquet table, read through a mapping file.

A *mapping* (YAML, see ``docs/interop.md``) names, for each event field, the column
that holds it or a template over columns (``"{year}-{number}"``), or a constant
(``{value: armed_assault}``):

``id`` (required), ``date`` (required) with ``date_format`` (a ``strptime`` format,
e.g. ``"%d/%m/%Y"``; default ISO ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``), ``date_end``,
``country`` (a name or an ISO3 code, required), ``admin1``, ``place``, ``latitude``,
``longitude``, ``actor1`` (required), ``actor2``, ``fatalities``, ``description``,
``source_reference``, ``event_type`` (one of :data:`kharita.events.schema.EVENT_TYPES`,
else ``other``), plus ``source_name`` and ``licence`` (required text, stored with every
row as its ``source_version``, ``"<source_name> [<licence>]"``, and shown as the credit).

Rows are accounted for like the four datasets' (stored, quarantined with the reason,
filtered by ``--since``/``--country``) and attributed by the same rules (KB names and
aliases of ``actor1``/``actor2``; the territory rules by country and admin1).
``event_id`` is ``table:<source_name>:<id>``, so two lists never collide and a newer
file of the same list replaces its reports.

Geocoding: a row without coordinates gets the point of its ``place`` (or, failing
that, of its ``admin1`` name) when the gazetteer's best place for that name is a town,
city or region **in the row's country** (``geocoder``, given with
:func:`bind_mapping`: ``kharita.text.gazetteer.gazetteer().lookup``). The precision
is recorded in ``geo_precision`` with UCDP's ``where_prec`` codes:

====  ==========================================================
1     coordinates given in the file
3     geocoded from the place name (GeoNames town or city point)
4     geocoded from the admin1 name
NULL  no coordinates (country known: attribution and country counts still work)
====  ==========================================================
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import yaml

from kharita.errors import IngestError
from kharita.events.schema import EVENT_TYPES
from kharita.events.sources._common import (
    Connector,
    ReadPlan,
    bad_number,
    col,
    coordinate_checks,
    country_name_to_iso3,
    finalize,
    priogrid,
    raw_schema,
    try_float,
    try_int,
)

NAME = "table"

#: Event fields a mapping may name (``source_name``/``licence``/``date_format`` aside).
FIELDS: tuple[str, ...] = (
    "id", "date", "date_end", "country", "admin1", "place", "latitude", "longitude",
    "actor1", "actor2", "fatalities", "description", "source_reference", "event_type")
REQUIRED: tuple[str, ...] = ("id", "date", "country", "actor1")
#: Columns of the raw table the read plan yields (all text).
RAW_COLUMNS: tuple[str, ...] = (*FIELDS, "date_precision", "geo_precision")
SUFFIXES = (".csv", ".tsv", ".xlsx", ".parquet")

Geocoder = Callable[[str], Any]
"""``geocoder(name) -> place or None``; a place has ``kind``, ``iso3`` (a tuple),
``lat`` and ``lon`` (:class:`kharita.text.gazetteer.Place`)."""


@dataclass(frozen=True)
class Mapping:
    """A validated mapping file: for each event field a column name, a template over
    columns or a constant; see the module docstring."""

    fields: dict[str, str | dict[str, str]]
    source_name: str
    licence: str
    date_format: str | None = None
    path: str = ""

    @property
    def source_version(self) -> str:
        return f"{self.source_name} [{self.licence}]"

    def columns_used(self) -> set[str]:
        """The file columns the mapping reads."""
        out: set[str] = set()
        for spec in self.fields.values():
            if isinstance(spec, str):
                names = _template_fields(spec)
                out |= names if names else {spec}
        return out


def _template_fields(spec: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(spec) if f}


def load_mapping(path: str | Path) -> Mapping:
    """Read and validate a mapping file.

    Raises
    ------
    IngestError
        For a file that is not a YAML mapping, an unknown key, a missing required field,
        or a malformed value (each message names the file and the key).
    """
    from kharita.kb.load import MAX_FILE_BYTES, safe_load_bounded

    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise IngestError(f"{p}: a mapping file over {MAX_FILE_BYTES // 2**20} MiB is "
                              "not a mapping; nothing was read")
        # a mapping file is user input: the KB loader's alias and nesting bounds apply
        doc = safe_load_bounded(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise IngestError(f"{p}: cannot read the mapping: {exc}") from exc
    if not isinstance(doc, dict):
        raise IngestError(f"{p}: a mapping file is a YAML mapping of field: column")
    known = {*FIELDS, "source_name", "licence", "date_format"}
    unknown = sorted(set(doc) - known)
    if unknown:
        raise IngestError(f"{p}: unknown key(s) {', '.join(unknown)}; expected "
                          f"{', '.join(sorted(known))}")
    for key in (*REQUIRED, "source_name", "licence"):
        if not doc.get(key):
            raise IngestError(f"{p}: {key!r} is required")
    fields: dict[str, str | dict[str, str]] = {}
    for key in FIELDS:
        v = doc.get(key)
        if v is None:
            continue
        if isinstance(v, dict) and set(v) == {"value"}:
            fields[key] = {"value": str(v["value"])}
        elif isinstance(v, str) and v.strip():
            fields[key] = v.strip()
        else:
            raise IngestError(f"{p}: {key}: expected a column name, a template such as "
                              "\"{year}-{no}\", or {value: constant}")
    name = str(doc["source_name"]).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise IngestError(f"{p}: source_name {name!r}: letters, digits, '_', '.', '-' only "
                          "(it becomes part of every event id)")
    fmt = doc.get("date_format")
    return Mapping(fields=fields, source_name=name, licence=str(doc["licence"]).strip(),
                   date_format=str(fmt) if fmt else None, path=str(p))


_BOUND: dict[Path, tuple[Path | None, Geocoder | None]] = {}


def bind_mapping(data: str | Path, mapping: str | Path | None, *,
                 geocoder: Geocoder | None = None) -> None:
    """Use ``mapping`` (and ``geocoder`` for rows without coordinates) when ``data`` is
    ingested as ``table`` (``kharita ingest table FILE --map MAP.yaml`` calls this).
    Without a mapping (here or bound), the mapping is the file beside the data named
    ``<data stem>.map.yaml``."""
    if mapping is not None:
        load_mapping(mapping)  # fail early, before anything is read
    _BOUND[Path(data).resolve()] = (Path(mapping) if mapping else None, geocoder)


def _mapping_for(p: Path) -> tuple[Mapping, Geocoder | None]:
    bound, geocoder = _BOUND.get(p.resolve(), (None, None))
    if bound is not None:
        return load_mapping(bound), geocoder
    side = p.with_name(p.stem + ".map.yaml")
    if side.is_file():
        return load_mapping(side), geocoder
    raise IngestError(f"{p}: a table needs a mapping file: give --map MAP.yaml or put "
                      f"{side.name} beside it (see docs/interop.md)")


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------


def _read_table(p: Path) -> tuple[list[str], Iterator[tuple[int, dict[str, str]]]]:
    """Column names and (record number, {column: text}) of a CSV/TSV/XLSX/Parquet file;
    the header is record 1 of a CSV or XLSX file, the first row record 2."""
    suffix = p.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            tbl = pq.read_table(p)
            names = list(tbl.column_names)
            rows = tbl.to_pylist()
            return names, ((i + 1, {k: _text(v) for k, v in r.items()})
                           for i, r in enumerate(rows))
        if suffix == ".xlsx":
            import openpyxl

            wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
            it = wb.worksheets[0].iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else f"_col{i}"
                      for i, h in enumerate(next(it, ()))]
            recs = [(i + 2, {h: _text(v) for h, v in zip(header, r, strict=False)})
                    for i, r in enumerate(it) if any(v is not None for v in r)]
            wb.close()
            return header, iter(recs)
        import csv

        text = p.read_text(encoding="utf-8-sig")
        delim = "\t" if suffix == ".tsv" else ","
        reader = csv.reader(text.splitlines(), delimiter=delim)
        header = [h.strip() for h in next(reader, [])]
        recs = [(i + 2, {h: (r[j] if j < len(r) else "") for j, h in enumerate(header)})
                for i, r in enumerate(reader) if any(c.strip() for c in r)]
        return header, iter(recs)
    except (OSError, UnicodeDecodeError, ValueError, KeyError) as exc:
        raise IngestError(f"{p}: cannot read the table: {exc}") from exc


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _value(spec: str | dict[str, str] | None, row: dict[str, str]) -> str:
    if spec is None:
        return ""
    if isinstance(spec, dict):
        return spec["value"]
    if _template_fields(spec):
        return spec.format_map(row).strip()
    return (row.get(spec) or "").strip()


def parse_date(text: str, fmt: str | None) -> tuple[str, str, str]:
    """(ISO start, ISO end, precision) of a date as written; ``("", "", "")`` for an
    empty one, the text itself as start when it does not parse (quarantined later).

    >>> parse_date("2019-10", None)
    ('2019-10-01', '2019-10-31', 'month')
    >>> parse_date("26/10/2019", "%d/%m/%Y")
    ('2019-10-26', '2019-10-26', 'day')
    >>> parse_date("soon", None)
    ('soon', '', 'unknown')
    """
    s = text.strip()
    if not s:
        return "", "", ""
    try:
        if fmt:
            d = dt.datetime.strptime(s, fmt).date()
            prec = "day" if "%d" in fmt or "%j" in fmt else (
                "month" if re.search("%[mbB]", fmt) else "year")
        elif re.fullmatch(r"\d{4}", s):
            d, prec = dt.date(int(s), 1, 1), "year"
        elif re.fullmatch(r"\d{4}-\d{1,2}", s):
            y, m = s.split("-")
            d, prec = dt.date(int(y), int(m), 1), "month"
        else:
            d, prec = dt.date.fromisoformat(s[:10]), "day"
    except ValueError:
        return s, "", "unknown"
    if prec == "year":
        end = dt.date(d.year, 12, 31)
    elif prec == "month":
        end = dt.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])
    else:
        end = d
    return d.isoformat(), end.isoformat(), prec


def _iso3(country: str) -> str | None:
    c = country.strip()
    names = country_name_to_iso3()
    if c.upper() in set(names.values()):
        return c.upper()
    return names.get(c)


def _geocode(geocoder: Geocoder | None, rec: dict[str, str]) -> None:
    """Fill latitude/longitude/geo_precision of a record (see the module docstring)."""
    if rec["latitude"] or rec["longitude"]:
        rec["geo_precision"] = "1"
        return
    if geocoder is None:
        return
    iso3 = _iso3(rec["country"])
    for name, prec in ((rec["place"], "3"), (rec["admin1"], "4")):
        if not name or iso3 is None:
            continue
        place = geocoder(name)
        if (place is not None and place.lat is not None and iso3 in place.iso3
                and place.kind in ("city", "town", "region")):
            rec["latitude"], rec["longitude"] = f"{place.lat:.5f}", f"{place.lon:.5f}"
            rec["geo_precision"] = prec
            return


@dataclass
class _Batches:
    mapping: Mapping
    geocoder: Geocoder | None
    path: Path
    schema: pa.Schema = field(default_factory=lambda: raw_schema(RAW_COLUMNS))

    def __call__(self) -> Iterator[pa.RecordBatch]:
        _, rows = _read_table(self.path)
        buf: dict[str, list[Any]] = {n: [] for n in self.schema.names}
        m = self.mapping
        for n, row in rows:
            rec = {f: _value(m.fields.get(f), row) for f in FIELDS}
            start, end, prec = parse_date(rec["date"], m.date_format)
            end_given = rec["date_end"]
            if end_given:
                e0, e1, _ = parse_date(end_given, m.date_format)
                end = e1 or e0
            rec.update(date=start, date_end=end, date_precision=prec, geo_precision="")
            _geocode(self.geocoder, rec)
            buf["_row"].append(n)
            buf["_raw"].append(json.dumps(row, ensure_ascii=False))
            for c in RAW_COLUMNS:
                buf[c].append(rec[c] or None)
            if len(buf["_row"]) >= 50_000:
                yield pa.RecordBatch.from_pydict(buf, schema=self.schema)
                buf = {k: [] for k in self.schema.names}
        if buf["_row"]:
            yield pa.RecordBatch.from_pydict(buf, schema=self.schema)


def sniff(path: str | Path, *, source: str = NAME,
          source_version: str | None = None) -> ReadPlan:
    """Check the table and its mapping and plan the reading (nothing is written).

    Raises :class:`~kharita.errors.IngestError` for an unsupported file type, a missing
    or invalid mapping, or a mapping naming columns the file does not have.
    """
    p = Path(path)
    if p.suffix.lower() not in SUFFIXES:
        raise IngestError(f"{p}: a table is a {', '.join(SUFFIXES)} file")
    mapping, geocoder = _mapping_for(p)
    header, _ = _read_table(p)
    missing = sorted(mapping.columns_used() - set(header))
    if missing:
        raise IngestError(f"{p}: the mapping {mapping.path} names column(s) "
                          f"{', '.join(missing)} that the file does not have; its columns "
                          f"are {', '.join(header)}. Nothing was written.")
    notes = [f"mapping {mapping.path}: {mapping.source_version}"]
    if geocoder is None:
        notes.append("no geocoder: rows without coordinates keep none")
    return ReadPlan(source=source, kind="records", path=p, columns=list(RAW_COLUMNS),
                    batches=_Batches(mapping, geocoder, p), schema=raw_schema(RAW_COLUMNS),
                    source_version=source_version or mapping.source_version, notes=notes)


def normalize(raw: ir.Table, *, source: str = NAME, source_version: str | None = None,
              synthetic: bool = False) -> ir.Table:
    """Mapped rows (all strings) -> event columns + ``_reason``/``_field``.

    Rows are quarantined for: a missing id, a missing or unparseable date, an
    unparseable date_end or one before the date, a missing or unknown country, a
    missing actor1, unparseable or impossible coordinates, and an unparseable or
    negative fatality count.
    """
    rid = col(raw, "id")
    d0s, d1s = col(raw, "date"), col(raw, "date_end")
    d0, d1 = d0s.try_cast("date"), d1s.try_cast("date")
    lats, lons = col(raw, "latitude"), col(raw, "longitude")
    lat, lon = try_float(lats), try_float(lons)
    fs = col(raw, "fatalities")
    fat = try_int(fs)
    country = col(raw, "country")
    codes = sorted(set(country_name_to_iso3().values()))
    iso3 = ibis.cases((country.upper().isin(codes), country.upper()),
                      else_=country.substitute(country_name_to_iso3(),
                                               else_=ibis.null("string")))
    etype = col(raw, "event_type")
    checks = [
        (rid.isnull(), "id", "missing id"),
        (d0s.isnull(), "date", "missing date"),
        (d0.isnull(), "date", "unparseable date"),
        (bad_number(d1s, d1), "date_end", "unparseable date"),
        (d1 < d0, "date_end", "date_end before date"),
        (country.isnull(), "country", "missing country"),
        (iso3.isnull(), "country", "unknown country"),
        (col(raw, "actor1").isnull(), "actor1", "missing actor1"),
        *coordinate_checks(lats, lons, lat, lon, "latitude", "longitude"),
        (bad_number(fs, fat), "fatalities", "unparseable number"),
        (fat < 0, "fatalities", "negative count"),
    ]
    version = source_version or ""
    name = version.split(" [", 1)[0] if version else "table"
    values = {
        "event_id": ibis.literal(f"{source}:{name}:").concat(rid),
        "source": source,
        "source_version": source_version,
        "source_event_id": ibis.literal(f"{name}:").concat(rid),
        "date_start": d0,
        "date_end": ibis.coalesce(d1, d0),
        "date_precision": col(raw, "date_precision").fill_null("unknown"),
        "country_iso3": iso3,
        "country": country,
        "admin1": col(raw, "admin1"),
        "place": col(raw, "place"),
        "latitude": lat,
        "longitude": lon,
        "geo_precision": try_int(col(raw, "geo_precision")),
        "priogrid_gid": priogrid(lat, lon),
        "event_type": ibis.cases((etype.isin(list(EVENT_TYPES)), etype), else_="other"),
        "source_event_type": etype,
        "actor1_name": col(raw, "actor1"),
        "actor2_name": col(raw, "actor2"),
        "fatalities_best": fat,
        "description": col(raw, "description"),
        "source_reference": col(raw, "source_reference"),
        "synthetic": synthetic,
    }
    return finalize(raw, values, checks)


CONNECTOR = Connector(
    name=NAME, label="an event table with a mapping file",
    title="your own event list (CSV, XLSX or Parquet with a mapping file)",
    # Each list's credit is its own (source_name and licence, in source_version).
    credit="",
    sniff=sniff, normalize=normalize, guessable=False)
