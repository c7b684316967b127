"""Spherical centre, dispersion, region shares and the Africa/Middle East crossing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kharita.analysis.frame import build_frame
from kharita.analysis.geography import (
    africa_crossing,
    geographic_centres,
    region_shares,
    spherical_centre,
)
from kharita.geo import EARTH_RADIUS_KM, great_circle_km
from kharita.store.duckdb import connect
from kharita.store.synthetic import insert_synthetic_events

from ._fixtures import add_event, tiny_kb

QUARTER = math.pi / 2 * EARTH_RADIUS_KM  # km along a quarter great circle


def test_two_points_on_the_equator():
    c = spherical_centre([0, 0], [0, 90])
    assert (c.lat, c.lon) == pytest.approx((0.0, 45.0), abs=1e-9)
    assert c.dispersion_km == pytest.approx(QUARTER / 2)
    assert c.resultant == pytest.approx(math.cos(math.radians(45)))


def test_centre_is_not_the_mean_of_coordinates():
    # across the antimeridian: lon 170 and -170 -> centre at 180, not 0
    c = spherical_centre([0, 0], [170, -170])
    assert abs(abs(c.lon) - 180) < 1e-9
    # two points at high latitude on opposite meridians -> the pole
    p = spherical_centre([80, 80], [0, 180])
    assert p.lat == pytest.approx(90.0)


def test_antipodal_points_have_no_centre():
    c = spherical_centre([0, 0], [0, 180])
    assert math.isnan(c.lat) and math.isnan(c.lon) and c.resultant == pytest.approx(0, abs=1e-12)
    c = spherical_centre([90, -90], [0, 0])
    assert math.isnan(c.lat)


def test_weights_pull_the_centre():
    c = spherical_centre([0, 0], [0, 90], [3, 1])
    assert c.lon == pytest.approx(math.degrees(math.atan2(1, 3)))
    assert great_circle_km(0, 0, 0, 180) == pytest.approx(2 * QUARTER)


points = st.lists(st.tuples(st.floats(-89, 89), st.floats(-179, 179), st.floats(0.1, 10)),
                  min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(points, st.randoms(use_true_random=False), st.floats(0.01, 1000))
def test_centre_invariant_to_order_and_weight_scale(pts, rnd, scale):
    lat, lon, w = (np.array(x) for x in zip(*pts, strict=True))
    c = spherical_centre(lat, lon, w)
    order = list(range(len(pts)))
    rnd.shuffle(order)
    c2 = spherical_centre(lat[order], lon[order], w[order] * scale)
    if math.isnan(c.lat) or c.resultant < 1e-6:
        return
    assert great_circle_km(c.lat, c.lon, c2.lat, c2.lon) < 1e-3
    assert c.dispersion_km == pytest.approx(c2.dispersion_km, rel=1e-6, abs=1e-6)
    assert 0 <= c.resultant <= 1 + 1e-12


def test_sql_centre_equals_numpy(tmp_path):
    con = connect(tmp_path / "g.duckdb")
    insert_synthetic_events(con, 3_000, seed=11)
    sql = geographic_centres(build_frame(con, ambiguous="full"), freq="year",
                             weighting="fatalities")
    ev = con.sql("SELECT year(date_start) AS y, latitude, longitude, fatalities_best "
                 "FROM events")
    assert len(sql) == ev.y.nunique() == 11
    for row in sql.itertuples():
        g = ev[ev.y == row.period.year]
        c = spherical_centre(g.latitude, g.longitude, g.fatalities_best)
        assert (row.lat, row.lon) == pytest.approx((c.lat, c.lon), abs=1e-9)
        assert row.dispersion_km == pytest.approx(c.dispersion_km, rel=1e-9)


def test_region_shares_and_crossing_known_answer(tmp_path):
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "x.duckdb")
    # 2017: 3 Middle East events vs 1 Africa; 2018: 2 vs 2 (tie: no crossing);
    # 2019: 1 vs 3; fatalities cross earlier, in 2018 (Africa 20 vs 2).
    plan = {2017: (3, 1, 1, 1), 2018: (2, 2, 1, 10), 2019: (1, 3, 1, 1)}
    for year, (n_me, n_af, f_me, f_af) in plan.items():
        for i in range(n_me):
            add_event(con, f"me:{year}:{i}", f"{year}-03-01", fat=f_me,
                      attributions=(("is-iraq", 1, 1.0),))
        for i in range(n_af):
            add_event(con, f"af:{year}:{i}", f"{year}-05-01", country="NGA", admin1="Borno",
                      lat=12, lon=13, fat=f_af, attributions=(("is-west-africa", 1, 1.0),))
    fr = build_frame(con, kb)
    sh = region_shares(fr)
    af = sh[sh.region == "Africa"].set_index(sh[sh.region == "Africa"].period.dt.year)
    assert af.events_share.to_dict() == {2017: 0.25, 2018: 0.5, 2019: 0.75}
    r = africa_crossing(fr, n_boot=300, seed=1)
    assert r.events.first.year == 2019 and r.events.sustained.year == 2019
    assert r.fatalities.first.year == 2018
    assert abs(r.events.distribution.share.sum() - 1) < 1e-9
    lo, hi = r.events.interval
    assert lo is None or lo.year <= 2019 <= (hi.year if hi is not None else 9999)
    d = r.to_dict()
    assert d["events"]["first"] == "2019-01-01" and d["filters"]["ambiguous"] == "split"
    # narrowed to 2018-2019: Africa first exceeds in 2019 (events) and 2018 (fatalities)
    late = africa_crossing(fr.narrow(start="2018"), n_boot=50, seed=1)
    assert late.events.first.year == 2019 and late.fatalities.first.year == 2018
    assert late.to_dict()["filters"]["start"] == "2018-01-01"
    # without West Africa there is no African event: never crosses
    none = africa_crossing(fr.narrow(branches=["is-iraq"]), n_boot=20)
    assert none.events.first is None and none.events.sustained is None
    assert region_shares(fr.narrow(branches=["is-iraq"])).region.unique().tolist() == [
        "Middle East"]
    # the centre of 2017 (3 events at 36N 43E, 1 at 12N 13E) is computed in the engine
    c17 = geographic_centres(fr, weighting="events").iloc[0]
    ref = spherical_centre([36, 36, 36, 12], [43, 43, 43, 13])
    assert (c17.lat, c17.lon) == pytest.approx((ref.lat, ref.lon), abs=1e-9)
    assert c17.n_located == 4


def test_crossing_on_synthetic_data(tmp_path):
    con = connect(tmp_path / "s.duckdb")
    insert_synthetic_events(con, 10_000, seed=2)
    r = africa_crossing(build_frame(con), n_boot=200, seed=0)
    assert r.events.first is not None
    lo, hi = r.events.interval
    assert lo is not None and hi is not None and lo <= r.events.first <= hi
