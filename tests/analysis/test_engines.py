"""Every analysis entry point gives the same figures on DuckDB and on Spark (the SQL is
written once, in DuckDB's dialect, and transpiled by sqlglot), on synthetic events and
on the real UCDP extracts (ingested and attributed on DuckDB, the same rows copied into
a Spark store)."""

from __future__ import annotations

import pandas as pd
import pytest

from kharita.analysis.activity import activity
from kharita.analysis.concentration import branch_shares, concentration
from kharita.analysis.frame import build_frame
from kharita.analysis.geography import africa_crossing, geographic_centres, region_shares
from kharita.analysis.presets import run_preset
from kharita.analysis.shocks import shocks, weekly_series
from kharita.store.base import open_store
from kharita.store.synthetic import insert_synthetic_events

pytestmark = pytest.mark.spark

FILTERS = {"start": "2015", "countries": "NGA,IRQ,SYR,MLI"}


def _tables(store, kb) -> dict[str, pd.DataFrame]:
    fr = build_frame(store, kb, **FILTERS)
    out = {f"activity by {by}": activity(fr, by=by, freq="quarter")
           for by in ("branch", "region", "country", "admin1", "cell", "network")}
    out["activity per week"] = activity(fr.narrow(branches="ISWAP"), by="network",
                                        freq="week")
    out["centres"] = geographic_centres(fr, weighting="fatalities")
    out["region shares"] = region_shares(fr, freq="month")
    out["crossing"] = africa_crossing(fr, n_boot=50, seed=1).summary()
    out["concentration"] = concentration(fr, n_boot=20, seed=1)
    out["branch shares"] = branch_shares(fr)
    out["weekly"] = weekly_series(fr).reset_index()
    out["shocks"] = shocks(fr, n_placebo=0, date="death")
    out["contagion input"] = fr.df().reset_index(drop=True)
    out["coverage"] = pd.DataFrame([run_preset(fr, "shift-to-africa",
                                               n_boot=20).figures["coverage"]])
    return out


def _copy(source, target) -> None:
    # ingest_files too: coverage (which file covers which country and period) reads it
    for table in ("events", "attributions", "ingest_files"):
        target.register("_kh_copy", source.sql(f"SELECT * FROM {table}"))
        target.append(table, "SELECT * FROM _kh_copy")
        target.drop_temp("_kh_copy")


@pytest.fixture(scope="module", params=["synthetic", "real"])
def both(request, tmp_path_factory, kb):
    pytest.importorskip("pyspark")
    if request.param == "real":
        from kharita.store.duckdb import connect

        from ..conftest import shared_path
        from ._fixtures import real_store

        duck = connect(real_store(shared_path("data")), read_only=True)
    else:
        duck = open_store(":memory:")
        insert_synthetic_events(duck, 3_000, seed=5)
    spark = open_store(tmp_path_factory.mktemp("spark") / "store", engine="spark")
    _copy(duck, spark)
    try:
        yield _tables(spark, kb), _tables(duck, kb)
    finally:
        spark.close()
        duck.close()


@pytest.mark.parametrize("name", [
    "activity by branch", "activity by region", "activity by country", "activity by admin1",
    "activity by cell", "activity by network", "activity per week", "centres",
    "region shares", "crossing", "concentration", "branch shares", "weekly", "shocks",
    "contagion input", "coverage"])
def test_same_figures_on_both_engines(both, name):
    spark, duck = both
    assert len(duck[name]) > 0
    pd.testing.assert_frame_equal(spark[name].reset_index(drop=True),
                                  duck[name].reset_index(drop=True), check_dtype=False,
                                  rtol=1e-9)
