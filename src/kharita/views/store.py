"""What a store holds: counts, sources, files, quarantine and KB versions.

The provenance section of the brief, the workbench's page headers and ``/api/summary``
all read :func:`store_info`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from kharita.store.sql import frame as frame_sql
from kharita.store.sql import views as views_sql

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame
    from kharita.store.base import Store


@dataclass
class StoreInfo:
    """What the store holds.

    ``synthetic`` is True when every stored event is synthetic (the whole product is then
    labelled SYNTHETIC); ``any_synthetic`` when at least one is. ``n_attributed_events``,
    ``entities`` (most rows first) and ``event_types`` are those of the frame.
    """

    synthetic: bool
    any_synthetic: bool
    n_events: int
    n_attributed_events: int
    date_min: dt.date | None
    date_max: dt.date | None
    sources: pd.DataFrame = field(repr=False)
    files: pd.DataFrame = field(repr=False)
    quarantine: pd.DataFrame = field(repr=False)
    filtered: pd.DataFrame = field(repr=False)
    kb_versions: list[str] = field(default_factory=list)
    entities: list[str] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)

    @property
    def source_names(self) -> list[str]:
        """The sources present, sorted."""
        return sorted(self.sources["source"].dropna().unique().tolist()) \
            if len(self.sources) else []


def _table(store: Store, name: str, query: str) -> pd.DataFrame:
    return store.sql(query) if store.has_table(name) else pd.DataFrame()


def _day(value: Any) -> dt.date | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def _public_files(files: pd.DataFrame) -> pd.DataFrame:
    """Files as shown to readers: the file name only (no local folder), times to the second."""
    if "path" in files:
        files = files.assign(path=[public_path(p) for p in files["path"]])
    if "finished_at" in files:
        files = files.assign(finished_at=[str(v)[:19].replace("T", " ") if v is not None
                                          and not pd.isna(v) else "" for v in
                                          files["finished_at"]])
    return files


def public_path(path: Any) -> str:
    """The last part of a local path, so outputs carry no folder of the user's machine.

    >>> public_path("/home/ana/data/ucdp/ged.csv"), public_path("s3://b/x.csv")
    ('ged.csv', 's3://b/x.csv')
    """
    text = "" if path is None else str(path)
    if "://" in text:
        return text
    return text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def _dated_sources(sources: pd.DataFrame) -> pd.DataFrame:
    for col in ("first", "last"):
        if col in sources:
            sources = sources.copy()
            sources[col] = [_day(v) for v in sources[col]]
    return sources


def store_info(frame: Frame) -> StoreInfo:
    """Counts, sources, files, quarantine and KB versions of the frame's store.

    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 300, seed=2)
    >>> info = store_info(build_frame(store))
    >>> info.n_events, info.synthetic, info.n_attributed_events <= info.n_events
    (300, True, True)
    """
    store = frame.store
    n, n_syn, dmin, dmax = store.rows(views_sql.event_counts_sql())[0]
    n, n_syn = int(n or 0), int(n_syn or 0)
    sql = frame.sql
    return StoreInfo(
        synthetic=bool(n) and n_syn == n, any_synthetic=bool(n_syn), n_events=n,
        n_attributed_events=int(store.scalar(views_sql.distinct_events_sql(sql)) or 0),
        date_min=_day(dmin), date_max=_day(dmax),
        sources=_dated_sources(store.sql(views_sql.sources_sql())),
        files=_public_files(_table(store, "ingest_files", views_sql.files_sql())),
        quarantine=_table(store, "quarantine", views_sql.quarantine_sql()),
        filtered=_table(store, "filtered", views_sql.filtered_rows_sql()),
        kb_versions=[str(r[0]) for r in store.rows(frame_sql.kb_versions_sql())],
        entities=[str(r[0]) for r in store.rows(views_sql.entities_sql(sql))],
        event_types=[str(r[0]) for r in store.rows(views_sql.event_types_sql(sql))])
