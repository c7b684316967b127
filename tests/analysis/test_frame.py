"""The network's event frame: membership, weights for ambiguous attributions, filters."""

from __future__ import annotations

import pytest

from kharita.analysis.frame import FRAME_COLUMNS, Filters, build_frame
from kharita.errors import KharitaError, UserInputError
from kharita.kb.network import network_profile
from kharita.kb.regions import world_region
from kharita.store.base import open_store
from kharita.store.duckdb import connect
from kharita.store.synthetic import insert_synthetic_events

from ._fixtures import add_event, tiny_kb


def attributed_events(store, *, kb, **filters):
    return build_frame(store, kb, **filters).df()


@pytest.fixture()
def small_store(tmp_path):
    con = connect(tmp_path / "small.duckdb")
    # e1: certain Iraq event; e2: ACLED joint label (IS Sahel and/or JNIM);
    # e3: JAS only (not the network); e4: Boko Haram inside its affiliation period;
    # e5: Boko Haram before the pledge; e6: ISWAP vs JAS clash (both sides attributed);
    # e7: IS umbrella (no branch) with low confidence; e8: two IS candidates.
    add_event(con, "t:1", "2015-06-01", fat=10,
              attributions=(("is-iraq", 1, 1.0),))
    add_event(con, "t:2", "2019-05-01", country="MLI", admin1="Menaka", lat=15.9, lon=2.4,
              fat=4, source="acled",
              attributions=(("is-sahel", 1, 0.5), ("jnim", 1, 0.5)))
    add_event(con, "t:3", "2017-01-01", country="NGA", admin1="Borno",
              attributions=(("jas", 1, 1.0),))
    add_event(con, "t:4", "2015-06-01", country="NGA", admin1="Borno", fat=3,
              attributions=(("boko-haram", 1, 1.0),))
    add_event(con, "t:5", "2014-06-01", country="NGA", admin1="Borno",
              attributions=(("boko-haram", 1, 1.0),))
    add_event(con, "t:6", "2018-02-02", country="NGA", admin1="Borno", fat=7,
              event_type="battle",
              attributions=(("is-west-africa", 1, 1.0), ("jas", 2, 1.0)))
    add_event(con, "t:7", "2019-02-02", country="TUR", admin1="Istanbul", lat=41.0, lon=29.0,
              attributions=(("is", 1, 0.6),))
    add_event(con, "t:8", "2019-03-03", country="NER", admin1="Tillaberi", lat=14.0, lon=1.5,
              source="acled",
              attributions=(("is-sahel", 1, 0.6), ("is-west-africa", 1, 0.4)))
    yield con
    con.close()


def test_world_region_labels():
    assert world_region("Sahel") == "Africa"
    assert world_region("Levant") == "Middle East"
    assert world_region("Caucasus") == "Europe"


def test_members_exclude_splinters_and_rivals(tmp_path):
    members = {m.entity_id: m for m in network_profile(tiny_kb(tmp_path)).members}
    assert "jas" not in members and "jnim" not in members
    assert members["boko-haram"].branch_id == "is-west-africa"
    assert str(members["boko-haram"].valid_from) == "2015-03-01"
    assert str(members["boko-haram"].valid_to) == "2016-08-31"
    assert members["isi"].type == "predecessor"


def test_split_is_the_default(small_store, tmp_path):
    kb = tiny_kb(tmp_path)
    df = attributed_events(small_store, kb=kb)
    assert list(df.columns) == list(FRAME_COLUMNS)
    rows = {(r.event_id, r.entity_id): r for r in df.itertuples()}
    assert set(rows) == {("t:1", "is-iraq"), ("t:2", "is-sahel"), ("t:4", "is-west-africa"),
                         ("t:6", "is-west-africa"), ("t:7", "is"), ("t:8", "is-sahel"),
                         ("t:8", "is-west-africa")}
    assert rows["t:2", "is-sahel"].weight == pytest.approx(0.5)
    assert rows["t:8", "is-sahel"].weight == pytest.approx(0.6)
    assert rows["t:8", "is-west-africa"].weight == pytest.approx(0.4)
    assert rows["t:7", "is"].weight == pytest.approx(1.0)  # single candidate
    assert rows["t:1", "is-iraq"].weight == 1.0
    # regions: the entity's own region (normalised), else the country's
    assert rows["t:2", "is-sahel"].region == "Africa"
    assert rows["t:7", "is"].region == "Middle East"  # Turkey: UCDP convention
    assert rows["t:1", "is-iraq"].fatalities_best == 10


def test_full_and_exclude(small_store, tmp_path):
    kb = tiny_kb(tmp_path)
    full = attributed_events(small_store, kb=kb, ambiguous="full")
    assert (full.weight == 1.0).all() and len(full) == 7
    excl = attributed_events(small_store, kb=kb, ambiguous="exclude")
    assert set(excl.event_id) == {"t:1", "t:4", "t:6", "t:7"}


def test_filters(small_store, tmp_path):
    kb = tiny_kb(tmp_path)
    df = attributed_events(small_store, kb=kb, start="2018", end="2019-02-28")
    assert set(df.event_id) == {"t:6", "t:7"}
    assert set(attributed_events(small_store, kb=kb, min_confidence=0.55).event_id) == {
        "t:1", "t:4", "t:6", "t:7", "t:8"}
    assert set(attributed_events(small_store, kb=kb, sources=["acled"]).event_id) == {
        "t:2", "t:8"}
    assert set(attributed_events(small_store, kb=kb, branches=["is-west-africa"]).event_id) == {
        "t:4", "t:6", "t:8"}
    assert attributed_events(small_store, kb=kb, event_types=["protest_riot"]).empty


@pytest.mark.parametrize("kwargs, message", [
    ({"ambiguous": "half"}, "ambiguous"),
    ({"min_confidence": 1.5}, "min_confidence"),
    ({"start": "2019-13"}, "date"),
    ({"start": "2020", "end": "2019"}, "after"),
    ({"branches": ["is-narnia"]}, "unknown branch 'is-narnia'; valid branches: is, "
                                  "is-iraq, is-sahel, is-syria, is-west-africa, isi"),
    ({"brnaches": ["is-iraq"]}, "unknown filter 'brnaches'; valid filters: start, end, "
                                "branches, countries"),
    ({"countries": ["Atlantis"]}, "unknown country 'Atlantis'"),
])
def test_bad_filters(small_store, tmp_path, kwargs, message):
    kb = tiny_kb(tmp_path)
    with pytest.raises(UserInputError) as build:
        build_frame(small_store, kb, **kwargs)
    assert message in str(build.value)
    with pytest.raises(UserInputError) as make:
        Filters.make(kb, **kwargs)
    assert str(make.value) == str(build.value)
    # a frame refuses them too when narrowed
    with pytest.raises(UserInputError, match=message.split(";")[0][:20]):
        build_frame(small_store, kb).narrow(**kwargs)


def test_branch_names_resolve_to_ids(kb):
    """``--branches ISWAP`` means is-west-africa (KB names and aliases resolve)."""
    assert Filters.make(kb, branches="ISWAP,is-iraq").branches == ("is-west-africa",
                                                                    "is-iraq")
    store = open_store(":memory:")
    insert_synthetic_events(store, 2_000, seed=4)
    from kharita.cli.options import cli_frame

    fr = cli_frame(store, kb, branches="ISWAP", date_from="2020")
    assert fr.filters.branches == ("is-west-africa",)
    df = fr.df()
    assert set(df.entity_id) == {"is-west-africa"} and df.date.min().year == 2020
    with pytest.raises(UserInputError, match=r"valid branches: .*is-west-africa"):
        cli_frame(store, kb, branches="ISWAPP")


def test_missing_tables_give_a_clear_error(tmp_path):
    from kharita.store.duckdb import connect as c

    con = c(tmp_path / "x.duckdb")
    con.execute("DROP TABLE attributions")
    with pytest.raises(KharitaError, match="kharita ingest"):
        attributed_events(con, kb=tiny_kb(tmp_path))


def test_synthetic_events_are_deterministic_and_labelled(tmp_path):
    a, b = connect(tmp_path / "a.duckdb"), connect(tmp_path / "b.duckdb")
    assert insert_synthetic_events(a, 3000, seed=7) == 3000
    insert_synthetic_events(b, 3000, seed=7)
    q = "SELECT event_id, date_start, latitude, fatalities_best FROM events ORDER BY event_id"
    assert a.rows(q) == b.rows(q)
    assert bool(a.scalar("SELECT bool_and(synthetic) FROM events")) is True
    # the joint-label events carry two candidates at 0.5
    assert a.scalar("SELECT count(*) FROM attributions WHERE entity_id = 'jnim'") > 0
