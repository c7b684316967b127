"""Attributing one ingested file (``attribute_store(..., ingest_file_id=...)``, what
``ingest_file(kb=...)`` runs) reports from the file's new rows; the figures equal those
read from the ``attributions`` table through the file's events, the other files'
attributions are left as they were, and no temporary table is left behind. On two real
UCDP extracts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def test_one_file_report_equals_the_table_read_through_its_events(
        shared_data: Path, tmp_path: Path, kb) -> None:
    from kharita.events import attribute
    from kharita.events.ingest import ingest_file
    from kharita.store.base import open_store
    from kharita.store.sql import attribution as q

    with open_store(tmp_path / "k.duckdb") as store:
        ids = [ingest_file(store, "ucdp", shared_data / "ucdp-ged" / name).ingest_file_id
               for name in ("conflict_data_nga.csv", "conflict_data_irq.csv")]
        whole = attribute.attribute_store(store, kb)
        before = store.sql("SELECT * FROM attributions ORDER BY ALL")
        for fid in ids:
            rep = attribute.attribute_store(store, kb, ingest_file_id=fid)
            assert not store.has_table(attribute.NEW_ROWS)
            rows, events = store.rows(q.count_attributions(by_file=True), [fid])[0]
            assert (rep.rows, rep.attributed_events) == (rows, events) and rows > 100
            assert rep.events == store.scalar(q.count_events(by_file=True), [fid])
            pd.testing.assert_frame_equal(rep.by_rule, store.sql(q.rows_per_rule(by_file=True),
                                                                 [fid]))
            pd.testing.assert_frame_equal(rep.by_entity,
                                          attribute.events_per_entity(store, fid))
        # re-attributing each file in turn leaves every row as the whole run made it
        pd.testing.assert_frame_equal(store.sql("SELECT * FROM attributions ORDER BY ALL"),
                                      before)
        assert whole.rows == len(before)
