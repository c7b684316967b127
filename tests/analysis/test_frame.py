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


# -- admin1, actor and fatality filters ----------------------------------------------------


def test_admin1_actor_fatality_filters(small_store, tmp_path):
    kb = tiny_kb(tmp_path)
    small_store.execute("UPDATE events SET actor1_name = 'Islamic State (Sahel)', "
                        "actor2_name = 'Civilians (Mali)' WHERE event_id = 't:2'")
    small_store.execute("UPDATE events SET actor1_name = 'IS', actor2_name = "
                        "'Government of Nigeria' WHERE event_id = 't:6'")
    ids = lambda **f: set(attributed_events(small_store, kb=kb, **f).event_id)  # noqa: E731
    assert ids(admin1="bORNO") == {"t:4", "t:6"}  # case-insensitive
    assert ids(admin1="Borno State") == {"t:4", "t:6"}  # with or without the type word
    assert ids(admin1="Born") == set()  # not a prefix
    assert ids(admin1="Borno,Menaka") == {"t:2", "t:4", "t:6"}
    assert ids(actor="nigeria") == {"t:6"}  # actor2, substring
    assert ids(actor="  islamic STATE ") == {"t:2"}
    assert ids(actor="100%") == set()  # literal text, never a pattern
    assert ids(min_fatalities=4) == {"t:1", "t:2", "t:6"}
    assert ids(max_fatalities=3) == {"t:4", "t:7", "t:8"}
    assert ids(min_fatalities=4, max_fatalities=7) == {"t:2", "t:6"}
    f = Filters.make(kb, admin1=["Borno"], actor="IS", min_fatalities="2", max_fatalities=9.0)
    assert (f.admin1, f.actor, f.min_fatalities, f.max_fatalities) == (("Borno",), "IS", 2, 9)
    assert f.describe()["count"] == "incidents" and f.describe()["admin1"] == ["Borno"]


@pytest.mark.parametrize("kwargs, message", [
    ({"min_fatalities": -1}, "min_fatalities=-1: expected a whole number >= 0"),
    ({"max_fatalities": "many"}, "max_fatalities='many'"),
    ({"max_fatalities": 2.5}, "max_fatalities=2.5"),
    ({"min_fatalities": 5, "max_fatalities": 2}, "min_fatalities=5 is above max_fatalities=2"),
    ({"count": "events"}, "count='events': expected one of incidents, reports"),
    ({"actor": 3}, "actor=3: expected text"),
    ({"actor": "x" * 201}, "actor: the text has 201 characters"),
    ({"admin1": [1, 2]}, "admin1=[1, 2]: expected a name"),
])
def test_bad_new_filters(small_store, tmp_path, kwargs, message):
    kb = tiny_kb(tmp_path)
    with pytest.raises(UserInputError, match=message.replace("(", r"\(").replace("[", r"\[")):
        Filters.make(kb, **kwargs)
    with pytest.raises(UserInputError):
        build_frame(small_store, kb).narrow(**kwargs)


@pytest.fixture(scope="module")
def real(shared_data):
    from kharita import load_kb

    from ._fixtures import real_store

    path = real_store(shared_data)
    con = connect(path)
    yield con, load_kb(), path
    con.close()


def test_new_filters_on_the_real_store(real):
    """admin1, actor and fatality bounds on the real UCDP extracts, recomputed from the
    ``events`` table with pandas."""
    store, kb, _ = real
    events = store.sql("SELECT event_id, admin1, actor1_name, actor2_name, fatalities_best "
                       "FROM events WHERE NOT COALESCE(withdrawn, FALSE)").set_index("event_id")
    everything = build_frame(store, kb, count="reports").df()
    ids = set(everything.event_id)
    ev = events.loc[sorted(ids)]
    top = ev.admin1.dropna().str.lower().value_counts().index[0]
    want = set(ev.index[ev.admin1.str.lower() == top])
    got = build_frame(store, kb, admin1=top.upper()).df()
    assert set(got.event_id) == want and len(want) > 100
    # UCDP writes "Aleppo Governorate", "Borno state": the bare name matches too
    want = set(ev.index[ev.admin1.str.lower().isin(["aleppo governorate", "borno state"])])
    got = build_frame(store, kb, admin1="aleppo,Borno").df()
    assert set(got.event_id) == want and len(want) > 1000
    actors = ev.actor1_name.fillna("") + "\n" + ev.actor2_name.fillna("")
    want = set(ev.index[actors.str.contains("government of iraq", case=False, regex=False)])
    got = build_frame(store, kb, actor="Government OF Iraq").df()
    assert set(got.event_id) == want and 0 < len(want) < len(ids)
    want = set(ev.index[(ev.fatalities_best >= 10) & (ev.fatalities_best <= 50)])
    got = build_frame(store, kb, min_fatalities=10, max_fatalities=50).df()
    assert set(got.event_id) == want and len(want) > 100
    # weights are those of the unfiltered frame
    merged = got.merge(everything, on=["event_id", "entity_id"], suffixes=("", "_all"))
    assert len(merged) == len(got) and (merged.weight == merged.weight_all).all()


# -- counting incidents ---------------------------------------------------------------------

INCIDENT_TABLE = ("CREATE TABLE IF NOT EXISTS incidents (event_id VARCHAR, incident_id "
                  "VARCHAR, n_reports INTEGER, representative BOOLEAN)")


def add_incident(con, incident_id, reports, representative):
    """The contract's ``incidents`` rows for one incident (created when absent)."""
    con.execute(INCIDENT_TABLE)
    for r in reports:
        con.execute("INSERT INTO incidents VALUES (?, ?, ?, ?)",
                    [r, incident_id, len(reports), r == representative])


def test_incident_rule(small_store, tmp_path):
    """date, place = the representative's; best = lower median, low = min, high = max;
    confidences combined 1 - prod(1 - c) per entity, then split as for one report."""
    kb = tiny_kb(tmp_path)
    con = small_store
    # t:2 (ACLED: IS Sahel and/or JNIM, 4 dead) and t:9 (UCDP: IS Sahel, 8 dead): one attack
    add_event(con, "t:9", "2019-05-02", country="MLI", admin1="Menaka", lat=15.8, lon=2.3,
              fat=8, attributions=(("is-sahel", 1, 1.0),))
    # t:10, t:11, t:12: three reports of one Iraq event (3, 10, 30 dead), t:10 at 0.6
    for eid, day, fat, conf in (("t:10", "03", 3, 0.6), ("t:11", "01", 10, 0.5),
                                ("t:12", "02", 30, 0.5)):
        add_event(con, eid, "2016-01-" + day, fat=fat, source="acled" if eid == "t:12"
                  else "ucdp", attributions=(("is-iraq", 1, conf),))
    reports_before = attributed_events(con, kb=kb)
    assert set(reports_before.event_id) >= {"t:2", "t:9", "t:10", "t:11", "t:12"}
    assert attributed_events(con, kb=kb, count="reports").equals(reports_before)
    add_incident(con, "inc:1", ["t:2", "t:9"], "t:9")
    add_incident(con, "inc:2", ["t:10", "t:11", "t:12"], "t:11")
    inc = build_frame(con, kb)
    assert inc.counts_incidents
    df = inc.df()
    rows = {(r.event_id, r.entity_id): r for r in df.itertuples()}
    assert "t:2" not in set(df.event_id) and "t:10" not in set(df.event_id)
    r = rows["t:9", "is-sahel"]
    assert r.weight == pytest.approx(1 / 1.5)  # c(IS Sahel)=1, c(JNIM)=0.5, same side
    assert r.confidence == pytest.approx(1.0)
    assert (r.fatalities_best, r.fatalities_low, r.fatalities_high) == (4, 4, 9)
    assert str(r.date.date()) == "2019-05-02" and r.latitude == 15.8
    r = rows["t:11", "is-iraq"]
    assert r.confidence == pytest.approx(1 - 0.4 * 0.5 * 0.5)
    assert r.weight == 1.0 and r.fatalities_best == 10
    assert (r.fatalities_low, r.fatalities_high) == (3, 31)
    assert str(r.date.date()) == "2016-01-01"
    # the other events are unchanged; five reports became two incidents
    other = df[~df.event_id.isin(["t:9", "t:11"])].reset_index(drop=True)
    before = reports_before[~reports_before.event_id.isin(
        ["t:2", "t:9", "t:10", "t:11", "t:12"])].reset_index(drop=True)
    pd_equal(other, before)
    assert inc.narrow(count="reports").df().equals(reports_before)
    # sources and actor: an incident matches when any report does
    assert set(inc.narrow(sources="acled").df().event_id) == {"t:9", "t:8", "t:11"}
    assert set(inc.narrow(count="reports", sources="acled").df().event_id) == {
        "t:2", "t:8", "t:12"}
    # filters on the incident's values: median fatalities, the representative's date
    assert set(inc.narrow(min_fatalities=9).df().event_id) == {"t:1", "t:11"}
    assert set(inc.narrow(end="2016-01-01", start="2016").df().event_id) == {"t:11"}
    # the extra columns name the incident and its reports
    extra = con.sql(inc.sql_over(inc.base, ("incident_id", "n_reports")))
    assert dict(zip(extra.event_id, extra.n_reports, strict=True))["t:11"] == 3
    assert dict(zip(extra.event_id, extra.incident_id, strict=True))["t:9"] == "inc:1"


def test_withdrawn_reports_leave_their_incident(small_store, tmp_path):
    kb = tiny_kb(tmp_path)
    add_event(small_store, "t:9", "2019-05-02", country="MLI", admin1="Menaka", fat=8,
              attributions=(("is-sahel", 1, 1.0),))
    add_incident(small_store, "inc:1", ["t:2", "t:9"], "t:9")
    small_store.execute("UPDATE events SET withdrawn = TRUE WHERE event_id = 't:9'")
    fr = build_frame(small_store, kb)
    rows = small_store.sql(fr.sql_over(fr.base, ("incident_id", "n_reports")))
    row = rows[rows.incident_id == "inc:1"].iloc[0]
    assert row.event_id == "t:2" and row.n_reports == 1 and row.weight == pytest.approx(0.5)


def test_the_base_follows_the_incidents_table(small_store, tmp_path):
    """Creating or rebuilding ``incidents`` rebuilds the incident base on the next frame."""
    kb = tiny_kb(tmp_path)
    assert not build_frame(small_store, kb).counts_incidents  # no table
    small_store.execute(INCIDENT_TABLE)
    assert not build_frame(small_store, kb).counts_incidents  # empty table
    add_incident(small_store, "inc:1", ["t:6", "t:4"], "t:6")
    fr = build_frame(small_store, kb)
    assert fr.counts_incidents and "t:4" not in set(fr.df().event_id)
    small_store.execute("UPDATE incidents SET representative = NOT representative")
    assert "t:6" not in set(build_frame(small_store, kb).df().event_id)


def pd_equal(a, b):
    import pandas as pd

    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_no_incidents_leaves_every_figure_unchanged(real, tmp_path):
    """On the real store, ``count="incidents"`` without incidents (no table, or an empty
    one) gives exactly the figures of ``count="reports"``."""
    import shutil

    from kharita.analysis.activity import activity
    from kharita.analysis.concentration import concentration
    from kharita.analysis.geography import geographic_centres, region_shares
    from kharita.analysis.shocks import weekly_series

    store, kb, path = real
    copy = tmp_path / "copy.duckdb"
    store.execute("CHECKPOINT")
    shutil.copy(path, copy)
    con = connect(copy)
    try:
        figures = {
            "frame": lambda f: f.df(),
            "activity": lambda f: activity(f, by="branch", freq="year"),
            "activity_month": lambda f: activity(f, by="country", freq="month"),
            "concentration": lambda f: concentration(f, freq="year"),
            "centres": lambda f: geographic_centres(f, freq="year"),
            "regions": lambda f: region_shares(f, freq="year"),
            "weekly": lambda f: weekly_series(f),
        }
        reports = {k: fn(build_frame(con, kb, count="reports")) for k, fn in figures.items()}
        con.execute("DROP TABLE IF EXISTS incidents")
        for setup in ("absent", "empty"):
            if setup == "empty":
                con.execute(INCIDENT_TABLE)
            fr = build_frame(con, kb)
            assert fr.filters.count == "incidents" and not fr.counts_incidents
            for name, fn in figures.items():
                got = fn(fr)
                want = reports[name]
                if isinstance(want, pd_frame_type()):
                    pd_equal(got, want)
                else:
                    assert got == want, name
    finally:
        con.close()


def pd_frame_type():
    import pandas as pd

    return pd.DataFrame


def test_an_incident_low_and_high_default_to_the_best(small_store, tmp_path):
    """A report without low/high (an own list) counts with its best: low <= best <= high."""
    kb = tiny_kb(tmp_path)
    add_event(small_store, "t:9", "2019-05-02", country="MLI", admin1="Menaka", fat=8,
              attributions=(("is-sahel", 1, 1.0),))
    small_store.execute("UPDATE events SET fatalities_low = NULL, fatalities_high = NULL, "
                        "fatalities_best = 3 WHERE event_id = 't:2'")
    add_incident(small_store, "inc:1", ["t:2", "t:9"], "t:9")
    row = build_frame(small_store, kb).df().set_index("event_id").loc["t:9"]
    assert (row.fatalities_low, row.fatalities_best, row.fatalities_high) == (3, 3, 9)
