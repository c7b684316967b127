"""GDELT event files connector: GDELT 1.0 (57-column backfile rows without SOURCEURL and
58-column daily rows) and GDELT 2.0 (61 columns); tab-separated, no header.

Mapping (see ``docs/events.md``): ``GLOBALEVENTID`` -> source_event_id; ``SQLDATE``
(YYYYMMDD) -> date_start = date_end, precision day; ``ActionGeo_Lat``/``_Long`` ->
coordinates (missing coordinates are stored as NULL; impossible ones quarantined);
``ActionGeo_CountryCode`` (FIPS 10-4) -> ISO3 through the shipped table
``fips10_iso3.csv``; ``ActionGeo_ADM1Code`` -> admin1; ``ActionGeo_FullName`` -> place;
``ActionGeo_Type`` -> geo_precision; ``Actor1Name``/``Actor2Name`` -> actor names;
``Actor1Code``/``Actor2Code`` -> actor source ids; CAMEO ``EventRootCode`` 18 (assault)
-> armed_assault, 19 (fight) and 20 (unconventional mass violence) -> battle, 14
(protest) -> protest_riot, others -> other; ``EventCode`` -> source_event_type;
``SOURCEURL`` -> source_reference.

Reference: Leetaru & Schrodt (2013), "GDELT: Global Data on Events, Location and Tone,
1979-2012", ISA Annual Convention; GDELT 1.0 and 2.0 event codebooks.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir

from kharita.events.sources._common import (
    Connector,
    ReadPlan,
    coordinate_checks,
    finalize,
    fips_to_iso3,
    guess_source,
    head_bytes,
    looks_like_gdelt,
    priogrid,
    try_float,
    try_int,
    wrong_source,
    ymd_date,
)

NAME = "gdelt"
LAYOUTS = {57: "1.0 backfile (57 columns)", 58: "1.0 daily (58 columns)", 61: "2.0 (61 columns)"}
MAX_FIELDS = 61

ROOT_TYPES = {"18": "armed_assault", "19": "battle", "20": "battle", "14": "protest_riot"}

def _geo(prefix: str, adm2: bool) -> list[str]:
    return [f"{prefix}_{f}" for f in ("Type", "FullName", "CountryCode", "ADM1Code",
                                       *(("ADM2Code",) if adm2 else ()), "Lat", "Long",
                                       "FeatureID")]


_ACTOR = ("Code", "Name", "CountryCode", "KnownGroupCode", "EthnicCode", "Religion1Code",
          "Religion2Code", "Type1Code", "Type2Code", "Type3Code")
_HEAD = ["GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate",
         *(f"Actor1{f}" for f in _ACTOR), *(f"Actor2{f}" for f in _ACTOR),
         "IsRootEvent", "EventCode", "EventBaseCode", "EventRootCode", "QuadClass",
         "GoldsteinScale", "NumMentions", "NumSources", "NumArticles", "AvgTone"]


def field_names(n_fields: int) -> list[str] | None:
    """The codebook's column names of a GDELT row with ``n_fields`` fields (the files
    have no header), ``None`` for another width.

    >>> field_names(58)[-3:], field_names(61)[56], field_names(57)[-1]
    (['ActionGeo_FeatureID', 'DATEADDED', 'SOURCEURL'], 'ActionGeo_Lat', 'DATEADDED')
    """
    v2 = n_fields == 61
    if n_fields not in LAYOUTS:
        return None
    names = [*_HEAD, *_geo("Actor1Geo", v2), *_geo("Actor2Geo", v2),
             *_geo("ActionGeo", v2), "DATEADDED", "SOURCEURL"]
    return names[:n_fields]


# 1-based positions per layout (1.0 has 7 geo fields per block, 2.0 has 8: +ADM2Code).
_V1 = {"geo_type": 50, "geo_name": 51, "geo_cc": 52, "geo_adm1": 53, "lat": 54, "lon": 55,
       "url": 58}
_V2 = {"geo_type": 52, "geo_name": 53, "geo_cc": 54, "geo_adm1": 55, "lat": 57, "lon": 58,
       "url": 61}


def sniff(path: str | Path, *, source: str = NAME,
          source_version: str | None = None) -> ReadPlan:
    """Check that ``path`` is a GDELT event file and plan reading it line by line."""
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        raise wrong_source(p, NAME, "gtd")
    data = head_bytes(p)
    if not looks_like_gdelt(data):
        raise wrong_source(p, NAME, guess_source(p),
                           "first line is not 57, 58 or 61 tab-separated fields starting "
                           "with GLOBALEVENTID and an 8-digit SQLDATE")
    first = data.split(b"\n", 1)[0].rstrip(b"\r").split(b"\t")
    version = source_version or ("2.0" if len(first) == 61 else "1.0")
    return ReadPlan(source=source, kind="lines", path=p, header=False,
                    split_fields=MAX_FIELDS, source_version=version,
                    notes=[f"layout of line 1: {LAYOUTS[len(first)]}"])


def _c(raw: ir.Table, i: int) -> ir.StringValue:
    return raw[f"c{i:02d}"].strip().nullif("")


def normalize(raw: ir.Table, *, source: str = NAME, source_version: str | None = None,
              synthetic: bool = False) -> ir.Table:
    """GDELT raw lines (``c01`` ... ``c61`` and ``_nfields``, the position of the last
    non-empty field) -> event columns + verdict.

    Quarantined: a line with a column count other than 57, 58 or 61; a missing or
    non-numeric GLOBALEVENTID; an unparseable SQLDATE; unparseable or impossible
    ActionGeo coordinates. Rows without coordinates are kept (NULL).
    """
    nf = raw["_nfields"]  # position of the last non-empty field (engine reader) or count
    v2 = nf >= 60  # a 2.0 line whose SOURCEURL is empty ends at field 60

    def pick(key: str) -> ir.StringValue:
        return ibis.cases((v2, _c(raw, _V2[key])), else_=_c(raw, _V1[key]))

    gid = _c(raw, 1)
    sqldate = _c(raw, 2)
    date = ymd_date(sqldate.substr(0, 4), sqldate.substr(4, 2), sqldate.substr(6, 2))
    lats, lons = pick("lat"), pick("lon")
    lat, lon = try_float(lats), try_float(lons)
    root = _c(raw, 29)
    url = pick("url")
    checks = [
        (~nf.isin([57, 58, 60, 61]), "_nfields",
         "wrong column count (expected 57, 58 or 61 tab-separated fields)"),
        (gid.isnull(), "GLOBALEVENTID", "missing id"),
        (~gid.re_search(r"^\d+$"), "GLOBALEVENTID", "malformed id"),
        (sqldate.isnull(), "SQLDATE", "missing date"),
        (~sqldate.re_search(r"^\d{8}$") | date.isnull(), "SQLDATE", "unparseable date"),
        *coordinate_checks(lats, lons, lat, lon, "ActionGeo_Lat", "ActionGeo_Long"),
    ]
    values = {
        "event_id": ibis.literal(f"{source}:").concat(gid),
        "source": source,
        "source_version": source_version,
        "source_event_id": gid,
        "date_start": date,
        "date_end": date,
        "date_precision": "day",
        "country_iso3": pick("geo_cc").substitute(fips_to_iso3(), else_=ibis.null("string")),
        "admin1": pick("geo_adm1"),
        "place": pick("geo_name"),
        "latitude": lat,
        "longitude": lon,
        "geo_precision": try_int(pick("geo_type")),
        "priogrid_gid": priogrid(lat, lon),
        "event_type": root.substitute(ROOT_TYPES, else_="other"),
        "source_event_type": _c(raw, 27),
        "actor1_name": _c(raw, 7),
        "actor2_name": _c(raw, 17),
        "actor1_source_id": _c(raw, 6),
        "actor2_source_id": _c(raw, 16),
        "source_reference": url,
        "synthetic": synthetic,
    }
    return finalize(raw, values, checks)


CONNECTOR = Connector(
    name=NAME, label="a GDELT event file (tab-separated, no header)",
    title="GDELT event files (1.0 and 2.0)",
    credit="GDELT: The GDELT Project (gdeltproject.org), free use with citation; Leetaru & "
           "Schrodt 2013.",
    sniff=sniff, normalize=normalize,
    detect=lambda path, data: looks_like_gdelt(data), dataset_names="gdelt",
    field_names=field_names)
