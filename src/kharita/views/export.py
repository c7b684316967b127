"""Exports of the attributed events and incidents for QGIS, R and pandas: CSV,
Parquet, GeoParquet, GeoJSON.

**Events** (:func:`write_events`): one row per (event, branch) of an analysis frame (the
same rows every figure counts, under the same filters), with the branch, its ``weight``
and ``confidence``, the attribution ``rule`` (every attribution of the event,
``entity: rule``), the KB version, and the event's own columns
(:data:`kharita.store.sql.export.EXPORT_COLUMNS`).

**Incidents** (:func:`write_incidents`): one row per incident of the frame counted by
incident (reports linked as one real-world event, see :mod:`kharita.analysis.frame`),
with the representative report's date and place, the combined fatalities, the ids and
sources of its reports, its top ``branch`` with ``branch_weight`` and combined
``confidence``, its ``network_weight`` (sum over its branches: what it counts for the
network), every branch with its weight, and every attribution of every report
(:data:`kharita.store.sql.export.INCIDENT_EXPORT_COLUMNS`).
The file's metadata holds the dataset credits (:func:`kharita.events.sources.registry.
credits` for the datasets present, and each own list's ``source_name [licence]``), the
filters, the KB version and, when licensed datasets (ACLED, GTD) are present, the notice
that the file is for the user's own use under their terms.

Where the metadata goes:

* ``csv``: a CSV on the Web (W3C CSVW) metadata file beside it, ``<file>-metadata.json``;
* ``parquet``: the Arrow schema's key-value metadata, key ``kharita`` (JSON);
* ``geoparquet``: the same plus the GeoParquet 1.0 ``geo`` key; the ``geometry`` column
  holds WKB points (longitude, latitude; OGC:CRS84), NULL for rows without coordinates;
* ``geojson``: an RFC 7946 FeatureCollection with a foreign member ``kharita``; rows
  without coordinates are features with ``"geometry": null``.

References: GeoParquet 1.0.0 (geoparquet.org); RFC 7946 (GeoJSON); W3C, *Metadata
Vocabulary for Tabular Data* (2015).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from kharita.events.sources import registry
from kharita.store.sql import export as export_sql

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame

ExportFormat = Literal["csv", "parquet", "geoparquet", "geojson"]
FORMATS: tuple[str, ...] = ("csv", "parquet", "geoparquet", "geojson")

#: What each exported column holds (also written into the metadata).
COLUMN_HELP: dict[str, str] = {
    "event_id": "kharita's id: <source>:<source_event_id>",
    "date_start": "first day of the event", "date_end": "last day of the event",
    "date_precision": "day, week, month, year or unknown",
    "branch": "KB id of the network branch the row counts for",
    "weight": "the row's weight in counts (confidence share of joint labels under "
              "--ambiguous split, else 1)",
    "confidence": "confidence of the attribution (0-1)",
    "rule": "every attribution of the event: 'entity: rule' ('; '-joined)",
    "kb_version": "KB version the attribution was made with",
    "source": "dataset", "source_version": "dataset version (own lists: name [licence])",
    "source_event_id": "the dataset's own id", "event_type": "kharita event type",
    "country_iso3": "ISO 3166-1 alpha-3", "geo_precision": "the source's location "
    "precision (UCDP where_prec codes for own lists)",
    "priogrid_gid": "PRIO-GRID cell", "region": "world region (UCDP GED convention)",
    "synthetic": "true for kharita's synthetic events (they describe no real events)",
    "incident_id": "the incident: linked reports of one real-world event (a report "
                   "linked to none is its own incident, with its event id)",
    "n_reports": "number of current reports of the incident",
    "report_ids": "the incident's reports (event ids, '; '-joined, representative first)",
    "sources": "datasets of the incident's reports ('; '-joined)",
    "branch_weight": "weight of the top branch (largest weight, then id)",
    "network_weight": "the incident's weight summed over its network branches",
    "branches": "every network branch of the incident with its weight ('; '-joined)",
}
#: How an incident's columns are derived (written into the incidents metadata).
INCIDENT_RULE = ("date, place, coordinates, event type and event_id are the "
                 "representative report's (best date precision, then geo precision, then "
                 "source priority ucdp > acled > gtd > table > gdelt); fatalities_best is "
                 "the lower median of the reports' best, low the minimum of the lows, high the "
                 "maximum of the highs (a report's best when it gives none); "
                 "confidence combines the reports as 1 - prod(1 - c_i), shares split as "
                 "for one report")


@dataclass
class EventsExport:
    """The rows of an export and the metadata that goes with them."""

    df: pd.DataFrame
    metadata: dict[str, Any] = field(default_factory=dict)


def events_export(frame: Frame) -> EventsExport:
    """The frame's rows with attribution, rule and event columns, and their metadata
    (credits of the datasets present, filters, KB version, licence notice)."""
    df = frame.store.sql(export_sql.events_export_sql(frame.sql))
    df = df[list(export_sql.EXPORT_COLUMNS)]
    for c in ("date_start", "date_end"):
        df[c] = pd.to_datetime(df[c]).dt.date
    sources = sorted({str(s) for s in df["source"].dropna()})
    meta = _metadata(frame, df, sources, export_sql.EXPORT_COLUMNS)
    meta["events"] = int(df["event_id"].nunique())
    return EventsExport(df=df, metadata=meta)


def incidents_export(frame: Frame) -> EventsExport:
    """One row per incident of ``frame`` (counted by incident whatever its ``count``
    filter) with the incident's reports, attribution, confidence and rule, and the
    metadata of :func:`events_export` plus the incident rule."""
    fr = frame.narrow(count="incidents") if frame.filters.count != "incidents" else frame
    store = fr.store
    sql = fr.sql_over(fr.base, ("incident_id", "n_reports"))
    df = store.sql(export_sql.incidents_export_sql(sql, incidents=store.has_table(
        "incidents")))
    df = df[list(export_sql.INCIDENT_EXPORT_COLUMNS)]
    for c in ("date_start", "date_end"):
        df[c] = pd.to_datetime(df[c]).dt.date
    df["n_reports"] = df["n_reports"].astype("int64")
    sources = sorted({s.strip() for v in df["sources"].dropna() for s in str(v).split(";")
                      if s.strip()})
    meta = _metadata(fr, df, sources, export_sql.INCIDENT_EXPORT_COLUMNS)
    meta["incidents"] = len(df)
    meta["reports"] = int(df["n_reports"].sum())
    meta["incident_rule"] = INCIDENT_RULE
    return EventsExport(df=df, metadata=meta)


def _metadata(frame: Frame, df: pd.DataFrame, sources: list[str],
              columns: tuple[str, ...]) -> dict[str, Any]:
    credits = registry.credits(sources)
    lists = [str(v) for v in frame.store.sql(export_sql.table_lists_sql(frame.sql)).iloc[:, 0]]
    credits += [f"Own event list: {v}" for v in lists]
    licensed = [s for s in sources if (conn := registry.find(s)) is not None and conn.licensed]
    meta: dict[str, Any] = {
        "generator": "kharita",
        "exported_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "kb_version": frame.kb.version,
        "filters": {k: (v if isinstance(v, (str, int, float, bool, type(None))) else str(v))
                    for k, v in frame.describe().items()},
        "rows": len(df), "sources": sources, "credits": credits,
        "columns": {c: COLUMN_HELP.get(c, "") for c in columns},
    }
    if licensed:
        meta["licence_notice"] = (
            f"Contains rows from licensed datasets ({', '.join(licensed)}): for your own "
            "use under their terms; do not redistribute.")
    if bool(df["synthetic"].fillna(False).any()):
        meta["synthetic"] = "SYNTHETIC rows (synthetic = true) describe no real events."
    return meta


def _point_wkb(lon: float, lat: float) -> bytes:
    """ISO WKB of a 2D point, little-endian (byte order 1, geometry type 1)."""
    return struct.pack("<BIdd", 1, 1, lon, lat)


def _has_point(lat: Any, lon: Any) -> bool:
    return lat is not None and lon is not None and not (
        isinstance(lat, float) and math.isnan(lat)) and not (
        isinstance(lon, float) and math.isnan(lon))


def _arrow_table(ex: EventsExport, *, geo: bool) -> Any:
    import pyarrow as pa

    df = ex.df
    tbl = pa.Table.from_pandas(df, preserve_index=False)
    meta = {b"kharita": json.dumps(ex.metadata, ensure_ascii=False).encode("utf-8")}
    if geo:
        wkb = [(_point_wkb(float(lon), float(lat)) if _has_point(lat, lon) else None)
               for lat, lon in zip(df["latitude"], df["longitude"], strict=True)]
        tbl = tbl.append_column("geometry", pa.array(wkb, type=pa.binary()))
        pts = df.dropna(subset=["latitude", "longitude"])
        bbox = ([float(pts["longitude"].min()), float(pts["latitude"].min()),
                 float(pts["longitude"].max()), float(pts["latitude"].max())]
                if len(pts) else None)
        column: dict[str, Any] = {"encoding": "WKB", "geometry_types": ["Point"]}
        if bbox:
            column["bbox"] = bbox
        meta[b"geo"] = json.dumps({"version": "1.0.0", "primary_column": "geometry",
                                   "columns": {"geometry": column}}).encode("utf-8")
    return tbl.replace_schema_metadata({**(tbl.schema.metadata or {}), **meta})


def _json_value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, (dt.date, pd.Timestamp)):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


def write_events(frame: Frame, path: str | Path, fmt: ExportFormat) -> Path:
    """Write the frame's attributed events to ``path`` in ``fmt`` (see the module
    docstring for where the credits go); returns the path."""
    return _write(events_export(frame), Path(path), fmt)


def write_incidents(frame: Frame, path: str | Path, fmt: ExportFormat) -> Path:
    """Write the frame's incidents (:func:`incidents_export`) to ``path`` in ``fmt``;
    returns the path."""
    return _write(incidents_export(frame), Path(path), fmt)


def _write(ex: EventsExport, p: Path, fmt: str) -> Path:
    if fmt == "csv":
        ex.df.to_csv(p, index=False)
        csvw = {"@context": "http://www.w3.org/ns/csvw", "url": p.name,
                "dc:creator": "kharita", "dc:source": ex.metadata["credits"],
                "tableSchema": {"columns": [
                    {"name": c, "dc:description": d}
                    for c, d in ex.metadata["columns"].items()]},
                "kharita": ex.metadata}
        p.with_name(p.name + "-metadata.json").write_text(
            json.dumps(csvw, ensure_ascii=False, indent=2), encoding="utf-8")
    elif fmt in ("parquet", "geoparquet"):
        import pyarrow.parquet as pq

        pq.write_table(_arrow_table(ex, geo=fmt == "geoparquet"), p)
    elif fmt == "geojson":
        features = []
        for rec in ex.df.to_dict(orient="records"):
            props = {k: _json_value(v) for k, v in rec.items()}
            lat, lon = props.get("latitude"), props.get("longitude")
            geom = {"type": "Point", "coordinates": [lon, lat]} if _has_point(lat, lon) \
                else None
            features.append({"type": "Feature", "geometry": geom, "properties": props})
        doc = {"type": "FeatureCollection", "kharita": ex.metadata, "features": features}
        p.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    else:
        from kharita.errors import UserInputError

        raise UserInputError(f"unknown export format {fmt!r}; expected one of "
                             f"{', '.join(FORMATS)}")
    return p
