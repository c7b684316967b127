"""Shared helpers for the analysis tests: a tiny KB and hand-filled stores."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

TINY_KB = textwrap.dedent("""\
    kb_version: "test"
    sources:
      - {id: t-src, kind: reference, title: Test source, publisher: tests, date: "2020"}
    entities:
      - {id: is, type: organisation, names: {en: Islamic State}, sources: [t-src],
         confidence: 1, valid: {from: "1990"}}
      - {id: is-iraq, type: province, names: {en: IS Iraq}, region: Middle East,
         sources: [t-src], confidence: 1, valid: {from: "1990"}}
      - {id: is-syria, type: province, names: {en: IS Syria}, region: Middle East,
         sources: [t-src], confidence: 1, valid: {from: "1990"}}
      - {id: is-west-africa, type: province, names: {en: ISWAP}, region: West Africa,
         sources: [t-src], confidence: 1, valid: {from: "1990"}}
      - {id: is-sahel, type: province, names: {en: IS Sahel}, region: Sahel,
         sources: [t-src], confidence: 1, valid: {from: "1990"}}
      - {id: isi, type: predecessor, names: {en: Islamic State of Iraq},
         sources: [t-src], confidence: 1, valid: {from: "1990"}}
      - {id: jas, type: splinter, names: {en: JAS}, sources: [t-src], confidence: 1}
      - {id: jnim, type: group, names: {en: JNIM}, sources: [t-src], confidence: 1}
      - {id: boko-haram, type: group, names: {en: Boko Haram}, sources: [t-src],
         confidence: 1}
    relations:
      - {type: affiliated_with, source: boko-haram, target: is-west-africa,
         valid: {from: "2015-03", to: "2016-08"}, sources: [t-src], confidence: 1}
    """)


def tiny_kb(tmp_path: Path) -> Any:
    from kharita import load_kb

    path = tmp_path / "tiny-kb.yaml"
    path.write_text(TINY_KB, encoding="utf-8")
    return load_kb(files=[path], include_shipped=False)


def add_event(con: Any, event_id: str, date: str, *, country: str = "IRQ",
              admin1: str = "Nineveh", lat: float = 36.0, lon: float = 43.0,
              fat: int = 0, event_type: str = "battle", source: str = "ucdp",
              attributions: tuple[tuple[str, int, float], ...] = ()) -> None:
    """Insert one event and its attributions ``(entity, side, confidence)``."""
    con.execute(
        "INSERT INTO events (event_id, source, date_start, date_end, country_iso3, admin1, "
        "latitude, longitude, priogrid_gid, event_type, fatalities_best, fatalities_low, "
        "fatalities_high, synthetic) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE)",
        [event_id, source, date, date, country, admin1, lat, lon, 1, event_type, fat,
         fat, fat + 1])
    for entity, side, conf in attributions:
        con.execute("INSERT INTO attributions (event_id, entity_id, side, confidence, rule) "
                    "VALUES (?, ?, ?, ?, 'test')", [event_id, entity, side, conf])


REAL_FILES = ("ucdp_syria_df.csv.gz", "conflict_data_irq.csv", "conflict_data_nga.csv")
_REAL_STORE: dict[str, Path] = {}


def real_store(shared_data: Path) -> Path:
    """The Syria, Iraq and Nigeria UCDP extracts ingested and attributed together into
    one store (built once per test session, in a temporary folder)."""
    if "path" not in _REAL_STORE:
        import tempfile

        from kharita import load_kb
        from kharita.events.attribute import attribute_store
        from kharita.events.ingest import ingest_file
        from kharita.store.duckdb import connect

        path = Path(tempfile.mkdtemp(prefix="kharita-analysis-")) / "real.duckdb"
        con = connect(path)
        for name in REAL_FILES:
            ingest_file(con, "ucdp", shared_data / "ucdp-ged" / name)
        attribute_store(con, load_kb())
        con.close()
        _REAL_STORE["path"] = path
    return _REAL_STORE["path"]


def docs_sql(name: str) -> str:
    """The SQL block tagged ``-- figure: <name>`` in docs/analysis.md."""
    import re

    text = (Path(__file__).resolve().parents[2] / "docs" / "analysis.md").read_text(
        encoding="utf-8")
    for block in re.findall(r"```sql\n(.*?)```", text, flags=re.S):
        if block.startswith(f"-- figure: {name}\n"):
            return block
    raise AssertionError(f"no SQL block '-- figure: {name}' in docs/analysis.md")
