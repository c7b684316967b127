"""Activity tables: known answers on a hand-filled store, and the synthetic store."""

from __future__ import annotations

import pandas as pd
import pytest

from kharita.analysis.activity import activity
from kharita.analysis.frame import insert_synthetic_events, materialize_frame
from kharita.errors import KharitaError
from kharita.store.duckdb import connect

from ._fixtures import add_event, tiny_kb


@pytest.fixture()
def store(tmp_path):
    con = connect(tmp_path / "act.duckdb")
    add_event(con, "a:1", "2019-01-07", fat=10, attributions=(("is-iraq", 1, 1.0),))
    add_event(con, "a:2", "2019-01-09", fat=2, attributions=(("is-iraq", 1, 1.0),))
    add_event(con, "a:3", "2019-04-01", country="MLI", admin1="Menaka", fat=4,
              attributions=(("is-sahel", 1, 0.5), ("jnim", 1, 0.5)))
    add_event(con, "a:4", "2020-02-01", country="NGA", admin1="Borno", fat=6,
              attributions=(("is-west-africa", 1, 1.0),))
    yield con
    con.close()


def test_by_branch_per_year(store, tmp_path):
    df = activity(store, by="branch", freq="year", kb=tiny_kb(tmp_path))
    got = {(r.period.year, r.entity_id): (r.events, r.events_raw, r.fatalities_best)
           for r in df.itertuples()}
    assert got == {(2019, "is-iraq"): (2.0, 2, 12.0), (2019, "is-sahel"): (0.5, 1, 2.0),
                   (2020, "is-west-africa"): (1.0, 1, 6.0)}
    # low = best in the fixture, high = best + 1 per event, weighted
    row = df[(df.entity_id == "is-sahel")].iloc[0]
    assert row.fatalities_high == pytest.approx(0.5 * 5)
    assert df.attrs["filters"]["ambiguous"] == "split"


def test_units_and_frequencies(store, tmp_path):
    kb = tiny_kb(tmp_path)
    weeks = activity(store, by="network", freq="week", kb=kb)
    assert list(weeks.period.dt.strftime("%Y-%m-%d")) == ["2019-01-07", "2019-04-01",
                                                           "2020-01-27"]
    assert list(weeks.events) == [2.0, 0.5, 1.0]
    q = activity(store, by="region", freq="quarter", kb=kb)
    assert set(zip(q.period.dt.quarter, q.region, strict=True)) == {
        (1, "Middle East"), (2, "Africa"), (1, "Africa")}
    adm = activity(store, by="admin1", freq="month", kb=kb)
    assert {"country_iso3", "admin1"} <= set(adm.columns)
    cell = activity(store, by="cell", freq="year", kb=kb, ambiguous="full")
    assert cell.events.sum() == 4.0
    with pytest.raises(KharitaError, match="freq"):
        activity(store, freq="decade", kb=kb)
    with pytest.raises(KharitaError, match="by="):
        activity(store, by="planet", kb=kb)


def test_synthetic_totals_match_raw_sql(tmp_path):
    con = connect(tmp_path / "syn.duckdb")
    insert_synthetic_events(con, 20_000, seed=5)
    df = activity(con, by="branch", freq="month", ambiguous="full")
    raw = con.execute("SELECT COUNT(*), SUM(fatalities_best) FROM events").fetchone()
    assert int(df.events_raw.sum()) == raw[0] and df.fatalities_best.sum() == raw[1]
    # a materialised frame gives the same table
    fr = materialize_frame(con, ambiguous="full")
    pd.testing.assert_frame_equal(activity(con, by="branch", freq="month", frame=fr), df)
