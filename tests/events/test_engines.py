"""One pipeline, two engines: normalisation + attribution + an aggregation on DuckDB
and on a bare Spark session (:func:`kharita.events.pipeline.run_on_spark`) must give
identical results on the same files. The store-level parity (ingest reports, every
analysis) is ``tests/test_engine_parity.py``."""

from __future__ import annotations

import pandas as pd
import pytest

from kharita.events import pipeline

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark")
    from kharita.store.spark import spark_session

    # The process's Spark context is shared with the other Spark tests (not stopped).
    return spark_session(app_name="kharita-tests").newSession()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory, shared_data):
    from kharita.events.sources.synthetic import write_ged_csv

    syn = write_ged_csv(tmp_path_factory.mktemp("engines") / "synthetic.csv", 3_000, seed=21)
    return [("synthetic", syn), ("ucdp", shared_data / "ucdp-ged" / "conflict_data_nga.csv")]


def _canon(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = df.copy()
    for c in out.columns:
        if c in ("date_start", "date_end"):
            out[c] = pd.to_datetime(out[c]).dt.strftime("%Y-%m-%d")
        elif out[c].dtype.kind == "f":
            out[c] = out[c].round(9)
    out = out.astype(object).where(out.notna(), None)
    return out.sort_values(keys).reset_index(drop=True)


@pytest.fixture(scope="module")
def duck(inputs, kb, tmp_path_factory):
    from kharita.events.attribute import attribute_store
    from kharita.events.ingest import ingest_file
    from kharita.store.base import open_store

    store = open_store(tmp_path_factory.mktemp("duck") / "k.duckdb")
    for source, path in inputs:
        ingest_file(store, source, path)
    attribute_store(store, kb)
    agg = pipeline.events_per_branch_year(store.table("events"),
                                          store.table("attributions")).to_pandas()
    events = store.sql("SELECT * EXCLUDE (ingest_file_id) FROM events")
    att = store.sql("SELECT * FROM attributions")
    store.close()
    return events, att, agg


@pytest.fixture(scope="module")
def sparked(spark, inputs, kb):
    run = pipeline.run_on_spark(spark, kb, inputs)
    events = run.events.drop("ingest_file_id").to_pandas()
    att = run.attributions.to_pandas()
    agg = pipeline.events_per_branch_year(run.events, run.attributions).to_pandas()
    return events, att, agg


def test_same_events(duck, sparked):
    d, s = duck[0], sparked[0]
    d = d[[c for c in d.columns if c in s.columns]]  # the store adds identity columns
    assert len(d) == len(s) == 3_000 + 4_603
    pd.testing.assert_frame_equal(_canon(d, ["event_id"]), _canon(s[d.columns], ["event_id"]),
                                  check_dtype=False)


def test_same_attributions(duck, sparked):
    d, s = duck[1], sparked[1]
    assert len(d) > 3_000
    keys = ["event_id", "side", "entity_id"]
    pd.testing.assert_frame_equal(_canon(d, keys), _canon(s[d.columns], keys),
                                  check_dtype=False)


def test_same_events_per_branch_year(duck, sparked):
    d, s = duck[2], sparked[2]
    keys = ["entity_id", "year"]
    pd.testing.assert_frame_equal(_canon(d, keys), _canon(s, keys), check_dtype=False)
    wa = d[d.entity_id == "is-west-africa"].set_index("year").n_events
    assert wa.loc[2015] >= 300  # the real Nigeria IS events are in there
