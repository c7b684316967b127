"""ACLED connector: CSV exports (with or without the HXL hashtag row) and the JSON
returned by its API (``{"success": ..., "data": [...]}``).

Mapping (see ``docs/events.md``): ``event_type`` Battles -> battle, Violence against
civilians -> violence_against_civilians, Explosions/Remote violence ->
explosion_remote, Strategic developments -> strategic_development, Protests and Riots
-> protest_riot (anything else -> other); ``event_type / sub_event_type`` ->
source_event_type; ``event_id_cnty`` -> source_event_id; ``event_date`` (ISO
``2019-01-05`` or ``05 January 2019``) -> date_start = date_end; ``time_precision``
1/2/3 -> day/week/month; ``actor1``/``actor2`` -> actor names (ACLED has no actor
ids); ``assoc_actor_1`` -> actor1_other_names; ``iso3`` (else numeric ``iso``, else the
country name) -> country_iso3; ``fatalities`` -> fatalities_best; ``notes`` ->
description; ``source`` -> source_reference.

ACLED data is licensed: kharita reads the user's own copy and never redistributes it.
Reference: Raleigh, Linke, Hegre & Karlsen (2010), "Introducing ACLED", Journal of Peace
Research 47(5); ACLED Codebook.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from kharita.errors import WrongSourceError
from kharita.events.sources._common import (
    Connector,
    ReadPlan,
    bad_number,
    col,
    coordinate_checks,
    country_iso3,
    finalize,
    first_records,
    guess_source,
    head_bytes,
    header_columns,
    is_hxl_row,
    iso_date,
    numeric_to_iso3,
    priogrid,
    raw_schema,
    try_float,
    try_int,
    wrong_source,
)

NAME = "acled"

EVENT_TYPES = {
    "battles": "battle",
    "violence against civilians": "violence_against_civilians",
    "explosions/remote violence": "explosion_remote",
    "remote violence": "explosion_remote",
    "strategic developments": "strategic_development",
    "protests": "protest_riot",
    "riots": "protest_riot",
    "riots/protests": "protest_riot",
}
TIME_PRECISION = {"1": "day", "2": "week", "3": "month"}
MONTHS = {m: f"{i:02d}" for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september",
     "october", "november", "december"], start=1)}
MONTHS.update({k[:3]: v for k, v in list(MONTHS.items())})

REQUIRED = {"event_date", "event_type", "actor1"}


def _json_plan(p: Path, source: str, source_version: str | None) -> ReadPlan:
    try:
        with open(p, "rb") as fh:
            doc = json.load(fh)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WrongSourceError(f"{p}: expected an ACLED API JSON document, but it does not "
                               f"parse as JSON ({exc}). Nothing was written.") from None
    except RecursionError:
        raise WrongSourceError(f"{p}: the JSON is nested too deeply to be an ACLED API "
                               "document. Nothing was written.") from None
    data = doc.get("data") if isinstance(doc, dict) else doc
    if not isinstance(data, list):
        raise WrongSourceError(f"{p}: expected ACLED API JSON with a \"data\" list. "
                               "Nothing was written.")
    dicts = [r for r in data if isinstance(r, dict)]
    if dicts and not {k.lower() for k in dicts[0]} >= REQUIRED:
        raise WrongSourceError(f"{p}: the JSON records lack ACLED fields "
                               f"{sorted(REQUIRED)}. Nothing was written.")
    columns: list[str] = []
    for r in dicts[:1000]:
        for k in r:
            if k.lower() not in columns:
                columns.append(k.lower())
    for need in ("event_id_cnty", *sorted(REQUIRED)):
        if need not in columns:
            columns.append(need)
    schema = raw_schema(columns)

    def batches() -> Iterator[pa.RecordBatch]:
        rows: dict[str, list[str | None]] = {c: [] for c in schema.names}
        for i, rec in enumerate(data, start=1):
            bad = _surrogate_field(rec)
            if bad is not None:  # a lone surrogate ("\ud800") cannot be stored as text
                plan.rejects.append({
                    "row_number": i, "field": bad, "raw": json.dumps(rec, ensure_ascii=True),
                    "reason": "invalid encoding: a lone surrogate escape in a JSON string"})
                continue
            rows["_row"].append(i)  # type: ignore[arg-type]
            rows["_raw"].append(json.dumps(rec, ensure_ascii=False))
            low = {str(k).lower(): v for k, v in rec.items()} if isinstance(rec, dict) else {}
            for c in columns:
                v = low.get(c)
                rows[c].append(None if v is None else str(v))
        yield pa.RecordBatch.from_pydict(rows, schema=schema)

    ok = doc.get("success", True) if isinstance(doc, dict) else True
    notes = [] if ok is not False else ["API reported success=false"]
    if not isinstance(doc, dict):
        notes.append("top level is a list of records (not the API's {\"data\": [...]})")
    plan = ReadPlan(source=source, kind="records", path=p, columns=columns,
                    batches=batches, schema=schema, source_version=source_version or "api",
                    notes=notes)
    return plan


def _surrogate_field(rec: object) -> str | None:
    """The first field of a JSON record whose text holds a lone surrogate, or None."""
    if not isinstance(rec, dict):
        return None
    for k, v in rec.items():
        for text in (str(k), v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)):
            if any("\ud800" <= ch <= "\udfff" for ch in text):
                return str(k).encode("utf-8", "replace").decode()
    return None


def sniff(path: str | Path, *, source: str = NAME,
          source_version: str | None = None) -> ReadPlan:
    """Check that ``path`` is an ACLED CSV export or API JSON and plan its reading."""
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        raise wrong_source(p, NAME, "gtd")
    data = head_bytes(p)
    if data.lstrip(b"\xef\xbb\xbf \r\n\t").startswith((b"{", b"[")):
        if p.suffix.lower() in (".gz", ".zip"):
            raise WrongSourceError(f"{p}: compressed ACLED JSON is not supported; "
                                   "decompress it first. Nothing was written.")
        return _json_plan(p, source, source_version)
    recs = first_records(data, n=2)
    cols, notes = header_columns(recs[0]) if recs else ([], [])
    if not recs or not (set(cols) >= REQUIRED and ({"event_id_cnty", "data_id"} & set(cols))):
        raise wrong_source(p, NAME, guess_source(p),
                           "no ACLED header with event_id_cnty, event_date, event_type, actor1")
    drop = []
    if len(recs) > 1 and is_hxl_row(recs[1]):
        drop.append(2)
        notes.append("HXL hashtag row (line 2) skipped")
    return ReadPlan(source=source, kind="delimited", path=p, columns=cols, delim=",",
                    drop_rows=drop, source_version=source_version, notes=notes)


def _event_date(s: ir.StringValue) -> ir.DateValue:
    """ISO dates, or 'DD Month YYYY' / 'DD-Month-YYYY' (older exports)."""
    iso = iso_date(s)
    pat = r"^(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})$"
    day = s.re_extract(pat, 1)
    month = s.re_extract(pat, 2).lower().substitute(MONTHS, else_=ibis.null("string"))
    year = s.re_extract(pat, 3)
    text = year.concat("-", month, "-", day.lpad(2, "0"))
    long_form = ibis.cases((s.re_search(pat) & month.notnull(), text.try_cast("date")),
                           else_=ibis.null("date"))
    return ibis.coalesce(iso, long_form)


def normalize(raw: ir.Table, *, source: str = NAME, source_version: str | None = None,
              synthetic: bool = False) -> ir.Table:
    """ACLED raw rows -> event columns + ``_reason``/``_field``.

    Quarantined: a missing event id, a missing or unparseable ``event_date``,
    unparseable or impossible coordinates, an unparseable or negative ``fatalities``.
    """
    eid = col(raw, "event_id_cnty", "data_id")
    ds = col(raw, "event_date")
    d = _event_date(ds)
    lats, lons = col(raw, "latitude"), col(raw, "longitude")
    lat, lon = try_float(lats), try_float(lons)
    fs = col(raw, "fatalities")
    fat = try_int(fs)
    etype = col(raw, "event_type")
    sub = col(raw, "sub_event_type")
    iso_num = col(raw, "iso").re_replace(r"\.0+$", "").re_replace(r"^0+", "")
    country = col(raw, "country")
    iso3 = ibis.coalesce(col(raw, "iso3").upper(),
                         iso_num.substitute(numeric_to_iso3(), else_=ibis.null("string")),
                         country_iso3(country))
    checks = [
        (eid.isnull(), "event_id_cnty", "missing id"),
        (ds.isnull(), "event_date", "missing date"),
        (d.isnull(), "event_date", "unparseable date"),
        *coordinate_checks(lats, lons, lat, lon, "latitude", "longitude"),
        (bad_number(fs, fat), "fatalities", "unparseable number"),
        (fat < 0, "fatalities", "negative count"),
    ]
    values = {
        "event_id": ibis.literal(f"{source}:").concat(eid),
        "source": source,
        "source_version": source_version,
        "source_event_id": eid,
        "date_start": d,
        "date_end": d,
        "date_precision": col(raw, "time_precision").re_replace(r"\.0+$", "").substitute(
            TIME_PRECISION, else_="unknown"),
        "country_iso3": iso3,
        "country": country,
        "admin1": col(raw, "admin1"),
        "admin2": col(raw, "admin2"),
        "place": col(raw, "location"),
        "latitude": lat,
        "longitude": lon,
        "geo_precision": try_int(col(raw, "geo_precision")),
        "priogrid_gid": priogrid(lat, lon),
        "event_type": etype.lower().substitute(EVENT_TYPES, else_="other"),
        "source_event_type": ibis.cases(
            (sub.notnull(), etype.concat(" / ", sub)), else_=etype),
        "actor1_name": col(raw, "actor1"),
        "actor2_name": col(raw, "actor2"),
        "actor1_other_names": col(raw, "assoc_actor_1"),
        "fatalities_best": fat,
        "description": col(raw, "notes"),
        "source_reference": col(raw, "source"),
        "synthetic": synthetic,
    }
    return finalize(raw, values, checks)


def _detect(path: Path, data: bytes) -> bool:
    """ACLED API JSON (a header-less document naming ACLED's fields)."""
    stripped = data.lstrip(b"\xef\xbb\xbf \r\n\t")
    return stripped.startswith((b"{", b"[")) and (b'"event_date"' in data or b'"data"' in data)


CONNECTOR = Connector(
    name=NAME, label="an ACLED export", title="Armed Conflict Location & Event Data (ACLED)",
    credit="ACLED, read from the user's own licensed copy and not redistributed by kharita; "
           "Raleigh, Linke, Hegre & Karlsen 2010, Journal of Peace Research 47(5).",
    sniff=sniff, normalize=normalize,
    header_keys=frozenset({"event_date", "event_type", "actor1", "fatalities"}),
    header_any=frozenset({"event_id_cnty", "data_id"}), detect=_detect,
    dataset_names="acled", joint_label=r"\s+and/or\s+", licensed=True)
