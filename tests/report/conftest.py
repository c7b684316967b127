"""A tiny hand-made store whose figures can be checked by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kharita.store.duckdb import connect

#: (event_id, date, iso3, lat, lon, best, [(entity, side, confidence, rule)])
TINY_EVENTS = [
    ("synthetic:1", "2018-03-01", "IRQ", 36.3, 43.1, 5, [("is-iraq", 1, 1.0, "r-terr")]),
    ("synthetic:2", "2018-07-09", "SYR", 35.0, 38.9, 2, [("is-syria", 1, 1.0, "r-terr")]),
    ("synthetic:3", "2019-02-11", "NGA", 12.1, 13.2, 10, [("is-west-africa", 1, 1.0, "r-terr")]),
    ("synthetic:4", "2019-05-20", "NGA", 12.3, 13.6, 0, [("is-west-africa", 1, 1.0, "r-terr")]),
    ("synthetic:5", "2019-08-30", "MLI", 15.2, 0.5, 4,
     [("is-sahel", 1, 0.5, "acled-joint"), ("is-west-africa", 1, 0.5, "acled-joint")]),
    ("synthetic:6", "2019-09-01", "SYR", 34.4, 40.9, 1, [("is-syria", 1, 1.0, "r-terr")]),
]


def build_tiny_store(path: Path, *, synthetic: bool = True, kb_version: str | None = None
                     ) -> Path:
    """The six events of :data:`TINY_EVENTS`, attributed with the shipped KB's version
    (or ``kb_version``)."""
    if kb_version is None:
        from kharita import load_kb

        kb_version = load_kb().version
    con = connect(path)
    for eid, day, iso, lat, lon, best, attrs in TINY_EVENTS:
        con.execute(
            "INSERT INTO events (event_id, source, source_version, source_event_id, date_start,"
            " date_end, date_precision, country_iso3, country, admin1, place, latitude,"
            " longitude, event_type, actor1_name, fatalities_best, synthetic, ingest_file_id,"
            " ingest_row) VALUES (?, 'synthetic', 'test', ?, ?, ?, 'day', ?, ?, 'A1', ?, ?, ?,"
            " 'battle', 'IS', ?, ?, 'f1', ?)",
            [eid, eid.split(":")[1], dt.date.fromisoformat(day), dt.date.fromisoformat(day),
             iso, iso, f"place {eid}", lat, lon, best, synthetic, int(eid.split(":")[1])])
        for ent, side, conf, rule in attrs:
            con.execute("INSERT INTO attributions (event_id, entity_id, side, confidence,"
                        " rule, kb_version) VALUES (?, ?, ?, ?, ?, ?)",
                        [eid, ent, side, conf, rule, kb_version])
    con.execute("INSERT INTO ingest_files (ingest_file_id, path, source, source_version,"
                " rows_read, rows_stored, rows_quarantined, rows_filtered, started_at,"
                " finished_at, synthetic) VALUES ('f1', 'tiny.csv', 'synthetic', 'test', 7, 6,"
                " 1, 0, now(), now(), ?)", [synthetic])
    con.execute("INSERT INTO quarantine VALUES ('f1', 'tiny.csv', 8, 'date_start',"
                " 'bad date', 'x,y,z')")
    con.close()
    return path


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_store(tmp_path_factory.mktemp("tiny") / "tiny.duckdb")


@pytest.fixture(scope="session")
def tiny_real_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_store(tmp_path_factory.mktemp("tinyreal") / "tiny.duckdb",
                            synthetic=False)


@pytest.fixture(scope="module")
def tiny(tiny_store, kb):
    """A read-only store on the tiny store, closed after the module."""
    store = connect(tiny_store, read_only=True)
    yield store
    store.close()


@pytest.fixture(scope="module")
def tiny_frame(tiny, kb):
    """The whole tiny store's analysis frame."""
    from kharita.analysis.frame import build_frame

    return build_frame(tiny, kb)


def real_section(shared_data: Path, section_id: str,
                 also: Callable[[Any], Any] = lambda data: None) -> tuple[Any, Any]:
    """One brief section built on the real UCDP extracts' store, and ``also(data)`` of
    its BriefData computed before the store closes: (section, that result)."""
    from tests.analysis._fixtures import real_store

    from kharita import load_kb
    from kharita.analysis.frame import build_frame
    from kharita.report.sections import SECTIONS, run_section
    from kharita.report.sections.base import BriefData
    from kharita.store.base import open_store

    store = open_store(real_store(shared_data), read_only=True)
    try:
        data = BriefData(build_frame(store, load_kb()))
        spec = next(s for s in SECTIONS if s.id == section_id)
        return run_section(spec, data), also(data)
    finally:
        store.close()
