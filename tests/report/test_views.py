"""Known answers for the read model (:mod:`kharita.views`) on a hand-made six-event store.

Rows of the tiny store, newest first (date, event id, branch), as every events page
orders them by default:

    1 synthetic:6 is-syria        2019-09-01  SYR  1 death
    2 synthetic:5 is-sahel        2019-08-30  MLI  4  (joint: weight 0.5)
    3 synthetic:5 is-west-africa  2019-08-30  MLI  4  (joint: weight 0.5)
    4 synthetic:4 is-west-africa  2019-05-20  NGA  0
    5 synthetic:3 is-west-africa  2019-02-11  NGA  10
    6 synthetic:2 is-syria        2018-07-09  SYR  2
    7 synthetic:1 is-iraq         2018-03-01  IRQ  5
"""

from __future__ import annotations

import datetime as dt

import pytest

from kharita import views
from kharita.errors import NotFound, UserInputError

NEWEST_FIRST = [("synthetic:6", "is-syria"), ("synthetic:5", "is-sahel"),
                ("synthetic:5", "is-west-africa"), ("synthetic:4", "is-west-africa"),
                ("synthetic:3", "is-west-africa"), ("synthetic:2", "is-syria"),
                ("synthetic:1", "is-iraq")]


def keys(page: views.EventsPage) -> list[tuple[str, str]]:
    return list(zip(page.rows["event_id"], page.rows["entity_id"], strict=True))


# -- activity ----------------------------------------------------------------------------
def test_activity_splits_ambiguous_events_by_confidence_share(tiny_frame) -> None:
    act = views.activity(tiny_frame, "year")
    assert act["period"].tolist() == sorted(act["period"].tolist())
    act.index = [(views.period_label(p, "year"), e) for p, e in zip(act["period"],
                                                                     act["entity_id"],
                                                                     strict=True)]
    # 2019 West Africa: events 3 and 4 in full, event 5 half (is-sahel and/or is-west-africa).
    assert act.loc[[("2019", "is-west-africa")], "events"].item() == pytest.approx(2.5)
    assert act.loc[[("2019", "is-west-africa")], "events_raw"].item() == 3
    assert act.loc[[("2019", "is-sahel")], "events"].item() == pytest.approx(0.5)
    assert act.loc[[("2019", "is-west-africa")], "fatalities_best"].item() == \
        pytest.approx(10 + 0 + 2)
    assert act.loc[[("2018", "is-iraq")], "events"].item() == 1
    assert act["events"].sum() == pytest.approx(6)


def test_min_confidence_drops_ambiguous_candidates(tiny_frame) -> None:
    act = views.activity(tiny_frame.narrow(min_confidence=0.9), "year")
    assert "is-sahel" not in set(act["entity_id"])
    assert act["events"].sum() == pytest.approx(5)


def test_totals_by_branch_over_the_period(tiny_frame) -> None:
    tot = views.totals_by_branch(views.activity(tiny_frame, "quarter")).set_index("entity_id")
    assert tot.loc["is-west-africa", "events"] == pytest.approx(2.5)
    assert tot.loc["is-syria", "fatalities"] == pytest.approx(3)
    assert tot["share"].sum() == pytest.approx(1, abs=0.01)
    assert tot.index[0] == "is-west-africa"  # most events first


# -- periods -----------------------------------------------------------------------------
def test_periods_are_first_days_in_date_order(tiny_frame) -> None:
    assert views.periods(tiny_frame, "year") == [dt.date(2018, 1, 1), dt.date(2019, 1, 1)]
    q = views.periods(tiny_frame.narrow(start="2019-01-01", branches=["is-syria"]), "quarter")
    assert q == [dt.date(2019, 7, 1)]
    assert views.period_labels(q, "quarter") == ["2019-Q3"]
    months = views.periods(tiny_frame, "month")
    assert months == sorted(months) and len(months) == 6


@pytest.mark.parametrize("period,freq,expected", [
    ("2019", None, (dt.date(2019, 1, 1), dt.date(2019, 12, 31))),
    ("2020-02", None, (dt.date(2020, 2, 1), dt.date(2020, 2, 29))),
    ("2019-Q4", None, (dt.date(2019, 10, 1), dt.date(2019, 12, 31))),
    ("2019-07-01", "quarter", (dt.date(2019, 7, 1), dt.date(2019, 9, 30))),
    (dt.date(2019, 8, 26), "week", (dt.date(2019, 8, 26), dt.date(2019, 9, 1)))])
def test_period_bounds(period, freq, expected) -> None:
    assert views.period_bounds(period, freq) == expected


@pytest.mark.parametrize("bad", ["19", "2019-13", "2019-Q5", "x", "2019-02-30"])
def test_period_bounds_rejects(bad) -> None:
    with pytest.raises(UserInputError):
        views.period_bounds(bad, "month")


def test_unknown_freq_is_a_user_error(tiny_frame) -> None:
    with pytest.raises(UserInputError, match="freq='decade'"):
        views.periods(tiny_frame, "decade")


# -- map ---------------------------------------------------------------------------------
def test_map_cells_are_aggregated_one_degree_cells(tiny_frame) -> None:
    cells = views.map_cells(tiny_frame, freq="year")
    row = cells[(cells.period == dt.date(2019, 1, 1)) & (cells.entity_id == "is-west-africa")
                & (cells.lat == 12.5) & (cells.lon == 13.5)]
    assert row["events"].item() == pytest.approx(2)  # events 3 and 4 share a cell
    assert row["fatalities"].item() == pytest.approx(10)
    whole = views.map_cells(tiny_frame)
    assert "period" not in whole and whole["events"].sum() == pytest.approx(6)
    coarse = views.map_cells(tiny_frame, cell_deg=10.0)
    assert set(coarse["lat"]) <= {5.0, 15.0, 25.0, 35.0}


@pytest.mark.parametrize("cell_deg", [0, 0.05, 11, "x"])
def test_map_cells_rejects_bad_cell_sizes(tiny_frame, cell_deg) -> None:
    with pytest.raises(UserInputError, match="cell_deg"):
        views.map_cells(tiny_frame, cell_deg=cell_deg)


def test_map_cells_follow_the_frame_filters(tiny_frame) -> None:
    cells = views.map_cells(tiny_frame.narrow(branches="is-syria", end="2018-12-31"))
    assert cells["entity_id"].tolist() == ["is-syria"]
    assert cells["events"].sum() == pytest.approx(1)


# -- events pages ------------------------------------------------------------------------
def test_pages_cover_every_row_once_in_order(tiny_frame) -> None:
    pages = [views.events_page(tiny_frame, size=2, page=p) for p in range(1, 6)]
    assert [p.total for p in pages] == [7] * 5 and pages[0].pages == 4
    assert keys(pages[0]) == NEWEST_FIRST[0:2]
    assert keys(pages[1]) == NEWEST_FIRST[2:4]  # page 2 is not page 1
    assert keys(pages[2]) == NEWEST_FIRST[4:6]
    assert keys(pages[3]) == NEWEST_FIRST[6:7]
    assert pages[4].rows.empty  # past the last page
    assert pages[1].rows["date_start"].tolist() == [dt.date(2019, 8, 30),
                                                    dt.date(2019, 5, 20)]
    assert pages[1].rows["weight"].tolist() == pytest.approx([0.5, 1.0])


def test_pages_in_other_orders(tiny_frame) -> None:
    oldest = views.events_page(tiny_frame, size=3, page=2, sort="date_asc")
    assert keys(oldest) == NEWEST_FIRST[::-1][3:6]
    deadly = [views.events_page(tiny_frame, size=1, page=p, sort="fatalities_desc")
              for p in (1, 2, 3)]
    assert [keys(p)[0][0] for p in deadly] == ["synthetic:3", "synthetic:1", "synthetic:5"]


def test_filtered_pages_hold_only_matching_rows(tiny_frame) -> None:
    wa = tiny_frame.narrow(branches="is-west-africa")
    p1, p2 = views.events_page(wa, size=2), views.events_page(wa, size=2, page=2)
    assert p1.total == p2.total == 3
    assert keys(p1) == [("synthetic:5", "is-west-africa"), ("synthetic:4", "is-west-africa")]
    assert keys(p2) == [("synthetic:3", "is-west-africa")]
    # branch + search: only West Africa rows in Nigeria
    nga = [views.events_page(wa, q="nga", size=1, page=p) for p in (1, 2, 3)]
    assert [p.total for p in nga] == [2, 2, 2]
    assert [keys(p) for p in nga[:2]] == [[("synthetic:4", "is-west-africa")],
                                          [("synthetic:3", "is-west-africa")]]
    assert nga[2].rows.empty
    # the joint event in Mali: the search alone finds both rows, with the branch only one
    assert views.events_page(tiny_frame, q="MLI").total == 2
    assert keys(views.events_page(wa, q="MLI")) == [("synthetic:5", "is-west-africa")]
    # dates and minimum confidence cut the same rows as every figure
    late = views.events_page(tiny_frame.narrow(start="2019-05-01", min_confidence=0.9),
                             size=1, page=2)
    assert late.total == 2 and keys(late) == [("synthetic:4", "is-west-africa")]


def test_search_matches_ids_and_literal_text(tiny_frame) -> None:
    assert keys(views.events_page(tiny_frame, q="SYNTHETIC:2")) == [NEWEST_FIRST[5]]
    assert views.events_page(tiny_frame, q="place synthetic:1").total == 1
    assert views.events_page(tiny_frame, q="100%_").total == 0  # wildcards are literal
    assert views.events_page(tiny_frame, q="is-s", size=5).total == 3


@pytest.mark.parametrize("kwargs", [{"page": 0}, {"size": 0}, {"size": 10_000},
                                    {"sort": "random"}, {"q": "x" * 500}])
def test_events_page_rejects_bad_arguments(tiny_frame, kwargs) -> None:
    with pytest.raises(UserInputError):
        views.events_page(tiny_frame, **kwargs)


# -- explain, store info, countries ------------------------------------------------------
def test_explain_lists_every_attribution_and_the_weights(tiny_frame) -> None:
    why = views.explain(tiny_frame, "synthetic:5")
    assert why.event["country_iso3"] == "MLI"
    assert sorted(why.attributions["entity_id"]) == ["is-sahel", "is-west-africa"]
    assert set(why.attributions["rule"]) == {"acled-joint"}
    assert set(why.attributions["kb_version"]) == {tiny_frame.kb.version}
    assert why.weights.set_index("entity_id")["weight"].to_dict() == pytest.approx(
        {"is-sahel": 0.5, "is-west-africa": 0.5})
    assert why.to_dict()["event_id"] == "synthetic:5"
    # from a store (no frame): the same attributions, no weights
    bare = views.explain(tiny_frame.store, "synthetic:5", tiny_frame.kb)
    assert sorted(bare.attributions["entity_id"]) == ["is-sahel", "is-west-africa"]
    with pytest.raises(NotFound, match="no event"):
        views.explain(tiny_frame, "synthetic:999")


def test_store_info_counts_and_provenance(tiny_frame, kb) -> None:
    info = views.store_info(tiny_frame)
    assert info.synthetic and info.n_events == 6 and info.n_attributed_events == 6
    assert (info.date_min, info.date_max) == (dt.date(2018, 3, 1), dt.date(2019, 9, 1))
    assert info.files["rows_quarantined"].tolist() == [1]
    assert info.quarantine["rows"].tolist() == [1]
    assert info.kb_versions == [kb.version]
    assert info.entities[0] == "is-west-africa" and set(info.entities) == {
        "is-west-africa", "is-syria", "is-sahel", "is-iraq"}
    assert info.source_names == ["synthetic"] and info.event_types == ["battle"]
    assert views.store_info(tiny_frame.narrow(branches="is-iraq")).n_attributed_events == 1


def test_real_store_is_not_synthetic(tiny_real_store, kb) -> None:
    from kharita.analysis.frame import build_frame
    from kharita.store.duckdb import connect

    with connect(tiny_real_store, read_only=True) as store:
        info = views.store_info(build_frame(store, kb))
    assert not info.synthetic and not info.any_synthetic


def test_countries_by_entity(tiny_frame) -> None:
    df = views.countries_by_entity(tiny_frame)
    got = {(r.entity_id, r.country_iso3): r.events for r in df.itertuples()}
    assert got == pytest.approx({("is-iraq", "IRQ"): 1.0, ("is-sahel", "MLI"): 0.5,
                                 ("is-syria", "SYR"): 2.0, ("is-west-africa", "MLI"): 0.5,
                                 ("is-west-africa", "NGA"): 2.0})


@pytest.mark.spark
def test_the_read_model_gives_the_same_answers_on_spark(tmp_path, kb) -> None:
    """Every read-model query is written once (DuckDB dialect) and transpiled: on a Spark
    store of the same synthetic events the pages, cells, periods and info are equal."""
    from kharita.analysis.frame import build_frame
    from kharita.store.base import open_store
    from kharita.store.synthetic import insert_synthetic_events

    frames = []
    for engine, path in (("duckdb", ":memory:"), ("spark", str(tmp_path / "spark"))):
        store = open_store(path, engine=engine)
        insert_synthetic_events(store, 1_500, seed=5)
        frames.append(build_frame(store, kb))
    duck, spark = frames
    try:
        for fr_d, fr_s in ((duck, spark), (duck.narrow(branches="is-iraq"),
                                           spark.narrow(branches="is-iraq"))):
            for kwargs in ({"page": 2, "size": 7}, {"page": 3, "size": 5, "q": "irq"},
                           {"page": 2, "size": 4, "sort": "fatalities_desc"}):
                a, b = views.events_page(fr_d, **kwargs), views.events_page(fr_s, **kwargs)
                assert a.total == b.total and keys(a) == keys(b), kwargs
        assert views.periods(duck, "quarter") == views.periods(spark, "quarter")
        a, b = views.map_cells(duck, freq="year"), views.map_cells(spark, freq="year")
        assert a[["period", "entity_id", "lat", "lon"]].values.tolist() == \
            b[["period", "entity_id", "lat", "lon"]].values.tolist()
        assert a["events"].tolist() == pytest.approx(b["events"].tolist())
        i, j = views.store_info(duck), views.store_info(spark)
        assert (i.n_events, i.n_attributed_events, i.entities) == \
            (j.n_events, j.n_attributed_events, j.entities)
    finally:
        spark.store.close()
        duck.store.close()
