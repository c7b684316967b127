"""Known answers for the report's store queries on a hand-made six-event store."""

from __future__ import annotations

import datetime as dt

import pytest

from kharita.report import queries
from kharita.store.duckdb import connect


@pytest.fixture()
def con(tiny_store, kb):
    c = connect(tiny_store, read_only=True)
    queries.prepare(c, kb)
    yield c
    c.close()


def test_activity_splits_ambiguous_events_by_confidence_share(con) -> None:
    act = queries.activity(con, freq="year").set_index(["period", "entity_id"])
    # 2019 West Africa: events 3 and 4 in full, event 5 half (is-sahel and/or is-west-africa).
    assert act.loc[("2019", "is-west-africa"), "events"] == pytest.approx(2.5)
    assert act.loc[("2019", "is-sahel"), "events"] == pytest.approx(0.5)
    assert act.loc[("2019", "is-west-africa"), "fatalities"] == pytest.approx(10 + 0 + 2)
    assert act.loc[("2018", "is-iraq"), "events"] == 1
    assert act["events"].sum() == pytest.approx(6)


def test_min_confidence_drops_ambiguous_candidates(con) -> None:
    act = queries.activity(con, queries.EventFilter(min_confidence=0.9), freq="year")
    assert "is-sahel" not in set(act["entity_id"])
    assert act["events"].sum() == pytest.approx(5)


def test_map_cells_are_aggregated_one_degree_cells(con) -> None:
    cells = queries.map_cells(con, freq="year")
    row = cells[(cells.period == "2019") & (cells.entity_id == "is-west-africa")
                & (cells.lat == 12.5) & (cells.lon == 13.5)]
    assert row["events"].item() == pytest.approx(2)  # events 3 and 4 share a cell
    assert queries.map_cells(con, freq=None)["period"].unique().tolist() == ["all"]


def test_filters_by_date_branch_and_period_labels(con) -> None:
    f = queries.EventFilter(start=dt.date(2019, 1, 1), branches=("is-syria",))
    assert queries.activity(con, f, freq="quarter")["period"].tolist() == ["2019-Q3"]
    assert queries.periods(con, freq="year") == ["2018", "2019"]


def test_events_page_search_paging_and_sort(con) -> None:
    page = queries.events_page(con, q="NGA", size=1)
    assert page.total == 2 and len(page.rows) == 1
    assert page.rows["event_id"].item() == "synthetic:4"  # newest first
    page2 = queries.events_page(con, q="NGA", size=1, page=2)
    assert page2.rows["event_id"].item() == "synthetic:3"
    most = queries.events_page(con, sort="fatalities_desc", size=1)
    assert most.rows["event_id"].item() == "synthetic:3"
    assert queries.events_page(con, q="100%_", size=5).total == 0  # wildcards are literal


@pytest.mark.parametrize("kwargs", [{"page": 0}, {"size": 0}, {"size": 10_000},
                                    {"sort": "random"}, {"q": "x" * 500}])
def test_events_page_rejects_bad_arguments(con, kwargs) -> None:
    with pytest.raises(ValueError):
        queries.events_page(con, **kwargs)


def test_explain_event_lists_every_attribution(con) -> None:
    why = queries.explain_event(con, "synthetic:5")
    assert why.event["country_iso3"] == "MLI"
    assert sorted(why.attributions["entity_id"]) == ["is-sahel", "is-west-africa"]
    assert set(why.attributions["rule"]) == {"acled-joint"}
    assert set(why.attributions["kb_version"]) == {"test-kb"}
    with pytest.raises(queries.NotFoundError, match="no event"):
        queries.explain_event(con, "synthetic:999")


def test_store_info_counts_and_provenance(con, kb) -> None:
    info = queries.store_info(con, kb)
    assert info.synthetic and info.n_events == 6 and info.n_attributed_events == 6
    assert info.files["rows_quarantined"].tolist() == [1]
    assert info.quarantine["rows"].tolist() == [1]
    assert info.kb_versions == ["test-kb"]


@pytest.mark.parametrize("bad", [{"min_confidence": 1.5}, {"min_confidence": -0.1},
                                 {"start": dt.date(2020, 1, 1), "end": dt.date(2019, 1, 1)}])
def test_event_filter_validates(bad) -> None:
    with pytest.raises(ValueError):
        queries.EventFilter(**bad)


@pytest.mark.parametrize("period,expected", [
    ("2019", (dt.date(2019, 1, 1), dt.date(2019, 12, 31))),
    ("2020-02", (dt.date(2020, 2, 1), dt.date(2020, 2, 29))),
    ("2019-Q4", (dt.date(2019, 10, 1), dt.date(2019, 12, 31)))])
def test_period_bounds(period, expected) -> None:
    assert queries.period_bounds(period) == expected


@pytest.mark.parametrize("bad", ["19", "2019-13", "2019-Q5", "x"])
def test_period_bounds_rejects(bad) -> None:
    with pytest.raises(ValueError):
        queries.period_bounds(bad)
