"""Activity tables: known answers on a hand-filled store, and the synthetic store."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kharita.analysis.activity import activity
from kharita.analysis.frame import build_frame
from kharita.errors import UserInputError
from kharita.store.duckdb import connect
from kharita.store.synthetic import insert_synthetic_events

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
    df = activity(build_frame(store, tiny_kb(tmp_path)), by="branch", freq="year")
    got = {(r.period.year, r.entity_id): (r.events, r.events_raw, r.fatalities_best)
           for r in df.itertuples()}
    assert got == {(2019, "is-iraq"): (2.0, 2, 12.0), (2019, "is-sahel"): (0.5, 1, 2.0),
                   (2020, "is-west-africa"): (1.0, 1, 6.0)}
    # low = best in the fixture, high = best + 1 per event, weighted
    row = df[(df.entity_id == "is-sahel")].iloc[0]
    assert row.fatalities_high == pytest.approx(0.5 * 5)
    assert df.attrs["filters"]["ambiguous"] == "split"


def test_units_and_frequencies(store, tmp_path):
    fr = build_frame(store, tiny_kb(tmp_path))
    weeks = activity(fr, by="network", freq="week")
    assert list(weeks.period.dt.strftime("%Y-%m-%d")) == ["2019-01-07", "2019-04-01",
                                                           "2020-01-27"]
    assert list(weeks.events) == [2.0, 0.5, 1.0]
    q = activity(fr, by="region", freq="quarter")
    assert set(zip(q.period.dt.quarter, q.region, strict=True)) == {
        (1, "Middle East"), (2, "Africa"), (1, "Africa")}
    adm = activity(fr, by="admin1", freq="month")
    assert {"country_iso3", "admin1"} <= set(adm.columns)
    assert adm.admin1.tolist() == ["Nineveh", "Menaka", "Borno"]
    cell = activity(fr.narrow(ambiguous="full"), by="cell", freq="year")
    assert cell.events.sum() == 4.0
    with pytest.raises(UserInputError, match="freq='decade': expected one of week, month"):
        activity(fr, freq="decade")
    with pytest.raises(UserInputError, match="by='planet': expected one of network, branch"):
        activity(fr, by="planet")


def test_a_narrowed_frame_applies_its_filters(store, tmp_path):
    """The old bug: filters next to ``frame=`` were silently dropped. A narrowed frame
    (and a frame built with filters) gives only its dates and branches."""
    kb = tiny_kb(tmp_path)
    fr = build_frame(store, kb)
    late = activity(fr.narrow(start="2019-02-01", branches=["is-sahel", "is-west-africa"]))
    got = {(r.period.year, r.entity_id): r.events for r in late.itertuples()}
    assert got == {(2019, "is-sahel"): 0.5, (2020, "is-west-africa"): 1.0}
    assert late.attrs["filters"]["start"] == "2019-02-01"
    assert late.attrs["filters"]["branches"] == ["is-sahel", "is-west-africa"]
    # the same through build_frame, with a KB name for the branch (ISWAP)
    built = activity(build_frame(store, kb, start="2020", branches="ISWAP"))
    assert built[["entity_id", "events_raw"]].values.tolist() == [["is-west-africa", 1]]
    # countries and end too; the wider frame is unchanged
    iraq = activity(fr.narrow(countries=["IRQ"], end="2019-01-08"), by="country")
    assert iraq[["country_iso3", "events_raw", "fatalities_best"]].values.tolist() == [
        ["IRQ", 1, 10.0]]
    assert int(activity(fr).events_raw.sum()) == 4
    # narrowing an already narrowed frame keeps the other filters
    twice = fr.narrow(start="2019-02-01").narrow(branches=["is-west-africa"])
    assert twice.filters.start is not None and twice.filters.branches == ("is-west-africa",)
    assert activity(twice).entity_id.tolist() == ["is-west-africa"]


def test_synthetic_totals_match_raw_sql(tmp_path):
    con = connect(tmp_path / "syn.duckdb")
    insert_synthetic_events(con, 20_000, seed=5)
    fr = build_frame(con, ambiguous="full")
    df = activity(fr, by="branch", freq="month")
    raw = con.rows("SELECT COUNT(*), SUM(fatalities_best) FROM events")[0]
    assert int(df.events_raw.sum()) == raw[0] and df.fatalities_best.sum() == raw[1]
    # a second frame on the same store (one shared base table) gives the same table
    pd.testing.assert_frame_equal(activity(build_frame(con, ambiguous="full"), by="branch",
                                           freq="month"), df)
    # a year and a branch: the same rows as the wide table's
    one = activity(fr.narrow(start="2018", end="2018", branches=["is-syria"]), freq="month")
    wide = df[(df.period.dt.year == 2018) & (df.entity_id == "is-syria")]
    pd.testing.assert_frame_equal(one.reset_index(drop=True), wide.reset_index(drop=True))


# -- real data: the Syria, Iraq and Nigeria extracts ingested together --------------------

def _raw_is_counts(shared_data, kb) -> pd.DataFrame:
    """Yearly events of UCDP actor IS per branch, straight from the CSVs (pandas)."""
    d = shared_data / "ucdp-ged"
    frames = []
    for name, branch in (("ucdp_syria_df.csv.gz", "is-syria"),
                         ("conflict_data_irq.csv", "iraq"),
                         ("conflict_data_nga.csv", "is-west-africa")):
        raw = pd.read_csv(d / name, low_memory=False)
        raw = raw[~raw["side_a"].astype(str).str.startswith("#")]  # drop the HXL row
        is_row = (raw.side_a == "IS") | (raw.side_b == "IS")
        if name.endswith("nga.csv"):
            # Boko Haram (coded JAS by UCDP) counts inside its KB affiliation period
            rel = next(r for r in kb.relations if r.source == "boko-haram"
                       and r.type == "affiliated_with" and r.target == "is-west-africa")
            day = pd.to_datetime(raw.date_start).dt.date
            jas = raw.side_a.str.startswith("Jama'atu") | raw.side_b.str.startswith("Jama'atu")
            in_window = (day >= rel.valid.from_.earliest) & (day <= rel.valid.to.latest)
            is_row = is_row | (jas & in_window)
        raw = raw[is_row]
        year = pd.to_datetime(raw.date_start).dt.year
        frames.append(pd.DataFrame({"year": year, "branch": branch, "id": raw["id"]}))
    out = pd.concat(frames).drop_duplicates().groupby(["year", "branch"]).size()
    return out.rename("n").reset_index()


def test_real_yearly_counts_equal_the_raw_files(shared_data, kb):
    from ._fixtures import real_store

    con = connect(real_store(shared_data), read_only=True)
    got = activity(build_frame(con, kb, ambiguous="full"), by="branch", freq="year")
    got = got.assign(year=got.period.dt.year)
    iraq_ids = {"is-iraq"} | {e.id for e in kb.entities.values() if e.type == "predecessor"}
    got["branch"] = got.entity_id.where(~got.entity_id.isin(iraq_ids), "iraq")
    got = got.groupby(["year", "branch"]).events_raw.sum().rename("n").reset_index()
    raw = _raw_is_counts(shared_data, kb)
    merged = raw.merge(got, on=["year", "branch"], how="outer", suffixes=("_raw", "_store"))
    assert merged.n_raw.notna().all() and merged.n_store.notna().all(), merged
    assert (merged.n_raw == merged.n_store).all(), merged[merged.n_raw != merged.n_store]
    # the published figures
    syria = raw[raw.branch == "is-syria"].set_index("year").n.to_dict()
    assert syria == {2016: 2153, 2017: 2853, 2018: 1025, 2019: 441}
    assert raw[raw.branch == "iraq"].n.sum() == 6191


@pytest.mark.parametrize("figure", ["branch-year", "core-share-year", "region-share-year",
                                    "centre-year"])
def test_docs_sql_reproduces_the_figures(figure, shared_data, kb, tmp_path):
    from kharita.analysis.concentration import concentration
    from kharita.analysis.geography import geographic_centres, region_shares

    from ._fixtures import docs_sql, real_store

    sql = docs_sql(figure)
    syn = connect(tmp_path / "syn.duckdb")
    insert_synthetic_events(syn, 5_000, seed=9)
    for con in (connect(real_store(shared_data), read_only=True), syn):
        doc = con.sql(sql)
        fr = build_frame(con, kb)
        if figure == "branch-year":
            lib = activity(fr, by="branch", freq="year", coverage="all")  # raw definition
            lib = lib.assign(year=lib.period.dt.year)
            m = doc.merge(lib, on=["year", "entity_id"], how="outer")
            np.testing.assert_allclose(m.events_x, m.events_y, rtol=1e-9)
        elif figure == "core-share-year":
            lib = concentration(fr, n_boot=0, coverage="all")  # the raw definition
            np.testing.assert_allclose(doc.core_share, lib.core_share, rtol=1e-9)
        elif figure == "region-share-year":
            lib = region_shares(fr, coverage="all")
            lib = lib.assign(year=lib.period.dt.year).pivot_table(
                index="year", columns="region", values="events_share", fill_value=0.0)
            np.testing.assert_allclose(doc.africa_share.fillna(0), lib["Africa"], rtol=1e-9)
            np.testing.assert_allclose(doc.middle_east_share.fillna(0), lib["Middle East"],
                                       rtol=1e-9)
        else:
            lib = geographic_centres(fr, coverage="all")
            np.testing.assert_allclose(doc.lat, lib.lat, rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(doc.lon, lib.lon, rtol=1e-9, atol=1e-9)


def test_events_attributed_to_two_branches_count_once_per_unit(tmp_path):
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "two.duckdb")
    add_event(con, "b:1", "2019-03-03", country="NER", admin1="Tillaberi", lat=14, lon=1.5,
              attributions=(("is-sahel", 1, 0.6), ("is-west-africa", 1, 0.4)))
    add_event(con, "b:2", "2019-04-04", country="NER", admin1="Tillaberi", lat=14, lon=1.5,
              attributions=(("is-sahel", 1, 1.0),))
    fr = build_frame(con, kb)
    by_region = activity(fr, by="region")
    assert by_region.events_raw.tolist() == [2] and by_region.events.tolist() == [2.0]
    by_branch = activity(fr, by="branch").set_index("entity_id")
    assert by_branch.events_raw.to_dict() == {"is-sahel": 2, "is-west-africa": 1}
    assert by_branch.events.to_dict() == pytest.approx({"is-sahel": 1.6, "is-west-africa": 0.4})
    full = activity(fr.narrow(ambiguous="full"), by="network")
    assert full.events_raw.tolist() == [2] and full.events.tolist() == [3.0]


def test_real_brief_table_is_empty_where_a_branch_did_not_exist(shared_data, kb):
    """On the real extracts the table shows no 0 for a branch before it existed or after
    it ended (KB validity, read leniently), and hides no count."""
    from kharita.analysis.activity import outside_existence
    from kharita.report.sections.activity import events_table, existence

    from ._fixtures import real_store

    con = connect(real_store(shared_data), read_only=True)
    act = activity(build_frame(con, kb), by="branch", freq="year")
    con.close()

    class _Data:  # what existence() reads of the brief's data
        pass

    data = _Data()
    data.kb = kb  # type: ignore[attr-defined]
    exist = existence(data)  # type: ignore[arg-type]
    table = events_table(act, "year", exist).set_index("period")
    plain = events_table(act, "year").set_index("period")
    assert pd.isna(table.loc["2012", "is-iraq"]) and plain.loc["2012", "is-iraq"] == 0
    assert pd.isna(table.loc["2010", "aqi"]) and plain.loc["2010", "aqi"] == 0
    assert table.loc["2013", "is-iraq"] > 0  # founded in April 2013: the year is kept
    # every count of the activity table is still there, and only zeros became empty
    for r in act.itertuples():
        assert table.loc[str(r.period.year), r.entity_id] == pytest.approx(round(r.events, 1))
    emptied = table.isna() & ~plain.isna()
    assert emptied.to_numpy().any()
    assert (plain[emptied].fillna(0) == 0).all().all()
    starts = pd.Series(pd.to_datetime(["2012-01-01", "2013-01-01"]))
    assert outside_existence(starts, "year", *exist["is-iraq"]).tolist() == [True, False]
