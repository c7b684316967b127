"""HHI, entropy, effective numbers and the core's share: known answers and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kharita.analysis.concentration import (
    branch_shares,
    concentration,
    hhi,
    normalised_entropy,
    shannon_entropy,
)
from kharita.analysis.frame import build_frame
from kharita.errors import UserInputError
from kharita.store.duckdb import connect
from kharita.store.synthetic import insert_synthetic_events

from ._fixtures import add_event, tiny_kb


def test_known_answers():
    assert hhi([1, 1, 1, 1]) == pytest.approx(0.25)
    assert hhi([10]) == 1.0
    assert hhi([0.6, 0.3, 0.1]) == pytest.approx(0.36 + 0.09 + 0.01)
    assert shannon_entropy([0.5, 0.25, 0.25]) == pytest.approx(1.5 * math.log(2))
    assert normalised_entropy([0.5, 0.25, 0.25, 0]) == pytest.approx(
        1.5 * math.log(2) / math.log(4))
    assert normalised_entropy([5]) == 0.0
    assert math.isnan(hhi([0, 0]))


shares = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=25).filter(
    lambda xs: sum(xs) > 1e-9)


@settings(max_examples=150, deadline=None)
@given(shares, st.floats(1e-3, 1e3))
def test_properties(xs, scale):
    n_active = sum(1 for x in xs if x / sum(xs) > 0)
    h = hhi(xs)
    assert 1 / n_active - 1e-9 <= h <= 1 + 1e-9
    assert 0 <= normalised_entropy(xs) <= 1
    assert hhi([x * scale for x in xs]) == pytest.approx(h, rel=1e-9)
    # effective numbers: 1 <= 1/HHI <= exp(H) <= n (Hill numbers decrease with order)
    assert 1 - 1e-9 <= 1 / h <= math.exp(shannon_entropy(xs)) * (1 + 1e-9) <= n_active * (1 + 1e-6)


def test_concentration_known_answer(tmp_path):
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "c.duckdb")
    # 2017: Iraq 3, Syria 1 -> HHI = 0.625, core share 1
    # 2019: Iraq 1, Syria 1, ISWAP 2 -> HHI = 0.375, core share 0.5; one `is` event
    for i, (year, branch) in enumerate([(2017, "is-iraq")] * 3 + [(2017, "is-syria")]
                                       + [(2019, "is-iraq"), (2019, "is-syria")]
                                       + [(2019, "is-west-africa")] * 2 + [(2019, "is")]):
        add_event(con, f"c:{i}", f"{year}-06-01", attributions=((branch, 1, 1.0),))
    fr = build_frame(con, kb)
    c = concentration(fr, n_boot=200)
    r17, r19 = c.iloc[0], c.iloc[1]
    assert (r17.hhi, r19.hhi) == pytest.approx((0.625, 0.375))
    assert (r17.core_share, r19.core_share) == pytest.approx((1.0, 0.5))
    assert r19.n_eff_hhi == pytest.approx(1 / 0.375)
    assert r19.n_eff_entropy == pytest.approx(math.exp(-(0.25 * math.log(0.25) * 2
                                                          + 0.5 * math.log(0.5))))
    assert r17.k == 3 and r17.n_active == 2 and r19.unassigned == 1.0
    assert r19.entropy_norm == pytest.approx(1.5 * math.log(2) / math.log(3))
    assert r17.hhi_low <= r17.hhi <= r17.hhi_high
    with_un = concentration(fr, n_boot=0, include_unassigned=True)
    assert with_un.iloc[1].hhi == pytest.approx((1 + 1 + 4 + 1) / 25)
    sh = branch_shares(fr)
    assert sh.groupby("period").share.sum().tolist() == pytest.approx([1.0, 1.0])
    assert "is" not in set(sh.entity_id)
    assert "is" in set(branch_shares(fr, include_unassigned=True).entity_id)
    # a narrowed frame: 2019 only, without Syria
    n = concentration(fr.narrow(start="2019", branches=["is-iraq", "is-west-africa", "is"]),
                      n_boot=0)
    assert len(n) == 1 and n.iloc[0].hhi == pytest.approx((1 + 4) / 9)
    assert n.iloc[0].core_share == pytest.approx(1 / 3) and n.iloc[0].unassigned == 1.0
    with pytest.raises(UserInputError, match="weighting"):
        concentration(fr, weighting="money")


def test_the_root_and_predecessors_come_from_the_kb(tmp_path):
    """The unassigned id is the KB's root, the core includes its predecessor members."""
    from kharita import load_kb

    from ._fixtures import TINY_KB

    text = TINY_KB.replace("{id: is, type: organisation", "{id: dawla, type: organisation")
    text += ("  - {type: successor_of, source: dawla, target: isi, valid: {from: \"2013\"}, "
             "sources: [t-src], "
             "confidence: 1}\n")
    path = tmp_path / "renamed.yaml"
    path.write_text(text, encoding="utf-8")
    kb = load_kb(files=[path], include_shipped=False)
    con = connect(tmp_path / "r.duckdb")
    for i, branch in enumerate(["isi", "isi", "is-west-africa", "dawla"]):
        add_event(con, f"r:{i}", "2012-06-01", attributions=((branch, 1, 1.0),))
    c = concentration(build_frame(con, kb), n_boot=0).iloc[0]
    assert c.unassigned == 1.0 and c.total == 3.0
    assert c.core_share == pytest.approx(2 / 3)


def test_bootstrap_is_seeded_and_covers(tmp_path):
    con = connect(tmp_path / "b.duckdb")
    insert_synthetic_events(con, 8_000, seed=4)
    a = concentration(build_frame(con), n_boot=100, seed=3)
    b = concentration(build_frame(con), n_boot=100, seed=3)
    assert a.equals(b)
    assert (a.core_share_low <= a.core_share).all() and (a.core_share <= a.core_share_high).all()
    assert np.all(np.diff(a.core_share.to_numpy()) < 0.05)  # the core declines (synthetic)
    assert a.core_share.iloc[0] > 0.7 and a.core_share.iloc[-1] < 0.2


def test_real_core_share_falls_and_west_africa_rises(shared_data, kb):
    from kharita.analysis.concentration import branch_shares

    from ._fixtures import real_store

    con = connect(real_store(shared_data), read_only=True)
    fr = build_frame(con, kb)
    # every row (coverage="all"): 2019 looks like a fall of the core, but the Iraq file
    # ends on 2018-12-25, so 2019's "core" is Syria alone
    c = concentration(fr, n_boot=300, seed=1, coverage="all")
    c = c.assign(year=c.period.dt.year).set_index("year")
    assert c.loc[2019, "core_share_high"] < c.loc[2017, "core_share_low"]
    # the comparable span stops where the Iraq file ends and starts with the Syria file
    cmp = concentration(fr, n_boot=300, seed=1)
    assert cmp.attrs["coverage"]["end"] == "2018-12-31"
    assert "conflict_data_irq.csv" in cmp.attrs["coverage"]["reason"]
    cmp = cmp.assign(year=cmp.period.dt.year).set_index("year")
    assert list(cmp.index) == [2016, 2017, 2018]
    assert round(float(cmp.loc[2018, "core_share"]), 3) == 0.917
    assert cmp.loc[2018, "n_eff_hhi"] > cmp.loc[2017, "n_eff_hhi"]
    sh = branch_shares(fr)
    wa = sh[sh.entity_id == "is-west-africa"]
    wa = wa.set_index(wa.period.dt.year)
    assert wa.loc[2019, "share"] > wa.loc[2017, "share"]
    assert 0 < wa.loc[2017, "share"] < wa.loc[2019, "share"] < 1
