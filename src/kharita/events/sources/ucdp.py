"""UCDP Georeferenced Event Dataset (GED) connector: versions 19.1-25.1, candidate
releases, HDX country exports.

Mapping (see ``docs/events.md``): ``type_of_violence`` 1 (state-based) and 2
(non-state) -> ``battle``, 3 (one-sided) -> ``violence_against_civilians``;
``date_prec`` 1 -> day, 2-3 -> week, 4 -> month, 5 -> year; ``where_prec`` ->
``geo_precision``; ``low``/``best``/``high`` -> ``fatalities_*``; ``deaths_civilians`` ->
``civilian_deaths``; ``side_a``/``side_b`` -> actor names; ``side_a_new_id`` (else
``side_a_dset_id``) -> actor ids (kept as text: coalitions are comma lists);
``iso3`` or the country name -> ``country_iso3``; ``priogrid_gid`` is recomputed from
the coordinates.

Reference: Sundberg & Melander (2013), "Introducing the UCDP Georeferenced Event
Dataset", Journal of Peace Research 50(4); UCDP GED codebooks 19.1-25.1. Licence
CC BY 4.0.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir

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
    priogrid,
    strip_float_suffix,
    try_float,
    try_int,
    version_from_filename,
    wrong_source,
)

NAME = "ucdp"

#: UCDP's code for the whole Islamic State network (ActorId 234, name ``IS``).
IS_ACTOR_ID = "234"

DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
VIOLENCE_TYPE = {"1": "state-based", "2": "non-state", "3": "one-sided"}
EVENT_TYPE = {"1": "battle", "2": "battle", "3": "violence_against_civilians"}


def sniff(path: str | Path, *, source: str = NAME,
          source_version: str | None = None) -> ReadPlan:
    """Check that ``path`` is a UCDP GED CSV (plain, .gz or .zip) and plan its reading.

    Raises :class:`~kharita.errors.WrongSourceError` for any other dataset.
    """
    p = Path(path)
    if p.suffix.lower() == ".xlsx":
        raise wrong_source(p, NAME, "gtd")
    data = head_bytes(p)
    recs = first_records(data, n=2)
    cols, notes = header_columns(recs[0]) if recs else ([], [])
    if not recs or not {"id", "type_of_violence", "side_a", "date_start"} <= set(cols):
        raise wrong_source(p, NAME, guess_source(p),
                           "no UCDP GED header with id, type_of_violence, side_a, date_start")
    drop = []
    if len(recs) > 1 and is_hxl_row(recs[1][1:] if cols and cols[0] == "_index" else recs[1]):
        drop.append(2)
        notes.append("HXL hashtag row (line 2) skipped")
    version = source_version or version_from_filename(p)
    if version is None and source == "synthetic" and len(recs) > 1 and "source_original" in cols:
        # kharita's generator writes its source version ("synthetic-<seed>") there
        version = recs[1][cols.index("source_original")].strip() or None
    return ReadPlan(source=source, kind="delimited", path=p, columns=cols, delim=",",
                    drop_rows=drop, source_version=version, notes=notes)


def normalize(raw: ir.Table, *, source: str = NAME, source_version: str | None = None,
              synthetic: bool = False) -> ir.Table:
    """UCDP GED raw rows (all strings) -> event columns + ``_reason``/``_field``.

    Rows are quarantined for: a missing id, an unknown ``type_of_violence``, a missing
    or unparseable ``date_start``, an unparseable ``date_end`` or one before
    ``date_start``, unparseable or impossible coordinates (|lat| > 90, |lon| > 180),
    and unparseable or negative death counts.
    """
    rid = strip_float_suffix(col(raw, "id"))
    tov = strip_float_suffix(col(raw, "type_of_violence"))
    d0s, d1s = col(raw, "date_start"), col(raw, "date_end")
    d0, d1 = iso_date(d0s), iso_date(d1s)
    lats, lons = col(raw, "latitude"), col(raw, "longitude")
    lat, lon = try_float(lats), try_float(lons)
    counts = {"fatalities_low": "low", "fatalities_best": "best", "fatalities_high": "high",
              "civilian_deaths": "deaths_civilians"}
    cstr = {k: col(raw, v) for k, v in counts.items()}
    cval = {k: try_int(s) for k, s in cstr.items()}
    iso3_col = col(raw, "iso3")
    country = col(raw, "country")
    # UCDP's historical names ("Yemen (North Yemen)") are in the override table.
    iso3 = ibis.coalesce(iso3_col.upper(), country_iso3(country))
    checks = [
        (rid.isnull(), "id", "missing id"),
        (~rid.re_search(r"^[0-9A-Za-z_.:-]+$"), "id", "malformed id"),
        (tov.isnull() | ~tov.isin(list(EVENT_TYPE)), "type_of_violence",
         "unknown type_of_violence (expected 1, 2 or 3)"),
        (d0s.isnull(), "date_start", "missing date"),
        (d0.isnull(), "date_start", "unparseable date"),
        (bad_number(d1s, d1), "date_end", "unparseable date"),
        (d1 < d0, "date_end", "date_end before date_start"),
        *coordinate_checks(lats, lons, lat, lon, "latitude", "longitude"),
    ]
    for k, s in cstr.items():
        checks.append((bad_number(s, cval[k]), counts[k], "unparseable number"))
        checks.append((cval[k] < 0, counts[k], "negative count"))
    id_a = strip_float_suffix(col(raw, "side_a_new_id", "side_a_dset_id"))
    id_b = strip_float_suffix(col(raw, "side_b_new_id", "side_b_dset_id"))
    values = {
        "event_id": ibis.literal(f"{source}:").concat(rid),
        "source": source,
        "source_version": source_version,
        "source_event_id": rid,
        "date_start": d0,
        "date_end": ibis.coalesce(d1, d0),
        "date_precision": strip_float_suffix(col(raw, "date_prec")).substitute(
            DATE_PRECISION, else_="unknown"),
        "country_iso3": iso3,
        "country": country,
        "admin1": col(raw, "adm_1"),
        "admin2": col(raw, "adm_2"),
        "place": col(raw, "where_coordinates"),
        "latitude": lat,
        "longitude": lon,
        "geo_precision": try_int(col(raw, "where_prec")),
        "priogrid_gid": priogrid(lat, lon),
        "event_type": tov.substitute(EVENT_TYPE, else_="other"),
        "source_event_type": tov.substitute(VIOLENCE_TYPE, else_=tov),
        "actor1_name": col(raw, "side_a"),
        "actor2_name": col(raw, "side_b"),
        "actor1_source_id": id_a,
        "actor2_source_id": id_b,
        **cval,
        "description": ibis.coalesce(col(raw, "dyad_name"), col(raw, "conflict_name")),
        "source_reference": col(raw, "source_article"),
        "synthetic": synthetic,
    }
    return finalize(raw, values, checks)


CONNECTOR = Connector(
    name=NAME, label="a UCDP GED CSV", title="UCDP Georeferenced Event Dataset (GED)",
    credit="UCDP GED, CC BY 4.0; Sundberg & Melander 2013, Journal of Peace Research 50(4) "
           "(\"Introducing the UCDP Georeferenced Event Dataset\"), and the codebook of the "
           "version used.",
    sniff=sniff, normalize=normalize,
    header_keys=frozenset({"id", "type_of_violence", "side_a", "side_b", "date_start"}),
    actor_ids="ucdp_actor_id", coalition_sep=",")
