"""Coverage cuts in activity, region shares, centres and contagion: one test per file-end
artefact on the real UCDP extracts (the Syria file ends 2019-11-30 with global-sample
events to 2022; the Iraq file ends 2018-12-25), and the rules on hand-built stores."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kharita.analysis.activity import activity
from kharita.analysis.frame import build_frame
from kharita.store.duckdb import connect

from ._fixtures import add_event, tiny_kb

_STORES: dict[str, Path] = {}
SYRIA_GLOBAL = ("ucdp_syria_df.csv.gz", "ucdpged.csv")


def _real(shared_data: Path, names: tuple[str, ...]) -> Path:
    key = ",".join(names)
    if key not in _STORES:
        import tempfile

        from kharita import load_kb
        from kharita.events.attribute import attribute_store
        from kharita.events.ingest import ingest_file

        path = Path(tempfile.mkdtemp(prefix="kharita-cuts-")) / "s.duckdb"
        con = connect(path)
        for name in names:
            ingest_file(con, "ucdp", shared_data / "ucdp-ged" / name)
        attribute_store(con, load_kb())
        con.close()
        _STORES[key] = path
    return _STORES[key]


def _two_files(tmp_path: Path):
    """IRQ file 2015-2018 (3 events a year), NGA file 2015-2020, and a global 'sample'
    file with one IRQ event a year 2019-2020 (is-iraq's series would run on at 1)."""
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "c.duckdb")

    def put(eid: str, day: str, fid: str, country: str = "IRQ", branch: str = "is-iraq"):
        add_event(con, eid, day, country=country, attributions=((branch, 1, 1.0),))
        con.execute("UPDATE events SET ingest_file_id = ? WHERE event_id = ?", [fid, eid])

    for y in range(2015, 2021):
        for j in range(3):
            if y <= 2018:
                put(f"i{y}{j}", f"{y}-0{j + 1}-15", "irq")
            put(f"n{y}{j}", f"{y}-1{j}-15", "nga", "NGA", "is-west-africa")
    put("i-first", "2015-01-01", "irq")
    put("i-last", "2018-12-31", "irq")
    put("n-first", "2015-01-01", "nga", "NGA", "is-west-africa")
    put("n-last", "2020-12-31", "nga", "NGA", "is-west-africa")
    # a sample: many countries, one event each per year (density < 5 per country-year)
    for k, iso in enumerate(("IRQ", "SYR", "LBY", "EGY", "YEM", "AFG")):
        for y in (2019, 2020):
            put(f"g{iso}{y}", f"{y}-06-0{k + 1}", "glob", iso,
                "is-iraq" if iso == "IRQ" else "is-syria")
    for fid in ("irq", "nga", "glob"):
        con.execute("INSERT INTO ingest_files (ingest_file_id, path, source) "
                    "VALUES (?, ?, 'ucdp')", [fid, f"/x/{fid}.csv"])
    return con, kb


def test_activity_cuts_each_unit_where_its_files_end(tmp_path):
    con, kb = _two_files(tmp_path)
    fr = build_frame(con, kb)
    raw = activity(fr, coverage="all")
    got = activity(fr)
    iraq = got[got.entity_id == "is-iraq"]
    assert sorted(iraq.period.dt.year) == [2015, 2016, 2017, 2018]  # no 2019-2020 'fall'
    assert set(raw[raw.entity_id == "is-iraq"].period.dt.year) >= {2019, 2020}
    # the NGA series is not cut by the end of the IRQ file
    assert sorted(got[got.entity_id == "is-west-africa"].period.dt.year) == list(
        range(2015, 2021))
    cov = got.attrs["coverage"]
    cut = {c["unit"]: c for c in cov["cuts"]}
    assert cut["is-iraq"]["covered_to"] == "2018-12-31"
    assert "glob.csv (sample) left out" in cut["is-iraq"]["why"]
    assert cov["only_sample"] == ["is-syria"]  # only the sample carries it: kept, said
    assert "counts are a sample's" in cov["reason"]
    # the network: cut where the IRQ file ends, and the reason names it
    net = activity(fr, by="network")
    assert sorted(net.period.dt.year) == [2015, 2016, 2017, 2018]
    assert "cut after 2018-12-31 where ucdp irq.csv in IRQ ends" in net.attrs["coverage"][
        "reason"]
    # 46 events; the two sample rows of is-iraq are out, the sample-only is-syria kept
    assert int(raw.events_raw.sum()) == 46 and int(got.events_raw.sum()) == 44


def test_activity_without_ingest_records_is_unchanged(tmp_path):
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "u.duckdb")
    for i, d in enumerate(("2016-05-01", "2019-02-01", "2022-07-01")):
        add_event(con, f"e{i}", d, attributions=(("is-iraq", 1, 1.0),))
    fr = build_frame(con, kb)
    pd.testing.assert_frame_equal(activity(fr), activity(fr, coverage="all"))
    assert activity(fr).attrs["coverage"]["reason"] == "no ingest records: nothing to cut"


@pytest.mark.slow
def test_syria_file_end_activity_and_shares(shared_data, kb):
    """Artefact 1 in activity: is-syria ran on 2020-2022 at 3, 2 and 1 events (the global
    sample) after 2,856 in 2017 - a 'collapse' that is the end of the Syria file."""
    from kharita.analysis.geography import region_shares

    con = connect(_real(shared_data, SYRIA_GLOBAL), read_only=True)
    fr = build_frame(con, kb)
    raw = activity(fr, coverage="all")
    assert set(raw[raw.entity_id == "is-syria"].period.dt.year) >= {2020, 2021, 2022}
    got = activity(fr)
    syr = got[got.entity_id == "is-syria"].set_index(got.period.dt.year[
        got.entity_id == "is-syria"]).events
    assert list(syr.index) == [2016, 2017, 2018, 2019]
    assert syr[2017] == pytest.approx(2844.0)  # the Syria file's (2,856 with the sample's)
    cut = {c["unit"]: c for c in got.attrs["coverage"]["cuts"]}["is-syria"]
    assert cut["covered_to"] == "2019-11-30" and "ucdpged.csv (sample) left out" in cut["why"]
    sh = region_shares(fr)
    assert sorted(set(sh.period.dt.year)) == [2016, 2017, 2018, 2019]
    assert "ucdp_syria_df.csv.gz in SYR ends (2019-11-30)" in sh.attrs["coverage"]["reason"]


@pytest.mark.slow
def test_iraq_file_end_shares_centres_network_and_contagion(shared_data, kb):
    """Artefact 2: the Iraq file ends 2018-12-25. Region shares and the centre of gravity
    used to move to Africa in 2019 (Iraq gone, Nigeria and Syria left); the network's
    activity fell in 2019; the contagion fit ran to 2019-12 (with the global sample to
    2022: branching ratio 0.9995, the end of the Iraq data read as the process dying
    out). Now all stop at 2018."""
    from kharita.analysis.contagion.analysis import contagion_analysis
    from kharita.analysis.geography import geographic_centres, region_shares

    from ._fixtures import real_store  # Syria, Iraq, Nigeria (shared with other tests)

    con = connect(real_store(shared_data), read_only=True)
    fr = build_frame(con, kb)
    sh = region_shares(fr)
    assert sorted(set(sh.period.dt.year)) == [2016, 2017, 2018]
    assert "conflict_data_irq.csv in IRQ ends (2018-12-25)" in sh.attrs["coverage"]["reason"]
    raw = region_shares(fr, coverage="all")
    assert 2019 in set(raw.period.dt.year)
    cen = geographic_centres(fr)
    assert sorted(cen.period.dt.year) == [2016, 2017, 2018]
    assert float(cen.lat.min()) > 30  # stays in the Middle East
    net = activity(fr, by="network")
    assert sorted(net.period.dt.year) == [2016, 2017, 2018]
    res = contagion_analysis(fr, jitter_seeds=1)
    assert (res.start.isoformat(), res.end.isoformat()) == ("2016-01-01", "2018-12-25")
    assert "conflict_data_irq.csv in IRQ" in res.coverage["reason"]
    assert res.notes and "covered span" in res.notes[0]
    assert res.summary()["coverage"].startswith("covered span 2016-01-01..2018-12-25")
    assert res.fit.summary()["branching_ratio"] < 0.95


def test_contagion_not_testable_when_files_barely_overlap(tmp_path):
    from kharita.analysis.contagion.analysis import contagion_analysis
    from kharita.errors import KharitaError

    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "k.duckdb")
    days = pd.date_range("2018-01-01", "2018-12-31", freq="7D")
    for i, d in enumerate(days):
        add_event(con, f"a{i}", str(d.date()), attributions=(("is-iraq", 1, 1.0),))
        con.execute("UPDATE events SET ingest_file_id = 'a' WHERE event_id = ?", [f"a{i}"])
        d2 = d + pd.Timedelta(days=300)
        add_event(con, f"b{i}", str(d2.date()), country="NGA",
                  attributions=(("is-west-africa", 1, 1.0),))
        con.execute("UPDATE events SET ingest_file_id = 'b' WHERE event_id = ?", [f"b{i}"])
    for fid in ("a", "b"):
        con.execute("INSERT INTO ingest_files (ingest_file_id, path, source) "
                    "VALUES (?, ?, 'ucdp')", [fid, f"{fid}.csv"])
    with pytest.raises(KharitaError, match="not testable: the files that carry"):
        contagion_analysis(build_frame(con, kb), jitter_seeds=1, min_events=10)


def test_a_span_without_ingest_record_ends_at_the_frames_end() -> None:
    # hand-built stores (no ingest record) have open spans: the event-study series ran
    # with zeros to 9999-12-20, so no placebo date fell inside it
    import datetime as dt

    from kharita.analysis.coverage import UNKNOWN, covered_series

    weeks = pd.date_range("2018-01-01", periods=150, freq="7D")
    pairs = pd.DataFrame({"week": weeks, "n": 3.0, "ingest_file_id": None,
                          "country_iso3": "SYR", "first": dt.date.min, "last": dt.date.max,
                          "kind": UNKNOWN, "source": "synthetic", "file": None})
    s, note = covered_series(pairs, "2019-06-01", 52, 8)
    assert s is not None and s.index[-1] == weeks[-1] and s.index[0] == weeks[0], note
    end = pd.Timestamp("2021-12-31")
    s, note = covered_series(pairs, "2019-06-01", 52, 8, open_end=end)
    assert s is not None and s.index[-1] <= end and s.index[-1] > weeks[-1]
    assert s[s.index > weeks[-1]].eq(0).all()
    s, note = covered_series(pairs, "2020-06-01", 52, 8)
    assert "frame's events end" in note and "9999" not in note
