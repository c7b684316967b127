"""Leadership shocks: losses from the KB, step-change recovery and error rates."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import pytest

from kharita.analysis.frame import build_frame
from kharita.analysis.shocks import leadership_losses, shocks, step_change, weekly_series
from kharita.errors import KharitaError, UserInputError
from kharita.store.duckdb import connect

from ._fixtures import TINY_KB

WEEKS = pd.date_range("2014-01-06", periods=400, freq="7D")
SHOCK = pd.Timestamp("2017-12-28")


def nb_series(seed: int, irr: float = 1.0, base: float = 20.0, size: float = 10.0) -> pd.Series:
    rng = np.random.default_rng(seed)
    mu = np.where(WEEKS > SHOCK, base * irr, base)
    return pd.Series(rng.negative_binomial(size, size / (size + mu)), index=WEEKS)


def test_recovers_a_planted_step():
    r = step_change(nb_series(3, irr=0.5), SHOCK, window_weeks=104, n_placebo=39,
                    rng=np.random.default_rng(0))
    assert r.irr_low < 0.5 < r.irr_high and r.irr_high < 1
    assert r.p_value < 0.01 and r.placebo_p <= 0.05 and r.n_placebo == 39
    assert r.model.startswith("negative binomial")
    # coverage of the 95% interval over replicates
    covered = sum(
        (lambda x: x.irr_low < 0.5 < x.irr_high)(
            step_change(nb_series(s, irr=0.5), SHOCK, window_weeks=104, n_placebo=0))
        for s in range(40))
    assert covered >= 34  # nominal 38 of 40


def test_no_false_step_at_the_stated_error_rate():
    pvals = [step_change(nb_series(100 + s), SHOCK, window_weeks=104, n_placebo=0).p_value
             for s in range(80)]
    rejections = sum(p < 0.05 for p in pvals)
    assert rejections <= 9  # expected 4 at alpha = 0.05; P(Binomial(80, .05) > 9) < 0.01
    placebo = [step_change(nb_series(300 + s), SHOCK, window_weeks=104, n_placebo=19,
                           rng=np.random.default_rng(s)).placebo_p for s in range(20)]
    assert sum(p <= 0.05 for p in placebo) <= 4


def test_before_after_counts_and_untestable_cases():
    y = pd.Series(1.0, index=WEEKS)
    r = step_change(y, SHOCK, count_days=35, n_placebo=0)
    assert (r.before, r.after) == (4.0, 4.0)  # 4 whole weeks each side
    short = step_change(y[:30], WEEKS[25], n_placebo=0)
    assert short.irr is None and "not testable" in short.note
    zero_after = y.where(y.index <= SHOCK, 0.0)
    assert "one side" in step_change(zero_after, SHOCK, n_placebo=0).note


def test_leadership_losses_from_the_kb(kb):
    losses = leadership_losses(kb)
    assert {x.kind for x in losses} == {"death", "announcement"}
    deaths = leadership_losses(kb, date="death")
    assert all(x.kind == "death" for x in deaths)
    # several disagreeing entries for one leader are each kept
    by_leader = pd.Series([x.leader_id for x in losses]).value_counts()
    assert by_leader.max() >= 2
    with pytest.raises(KharitaError, match="date="):
        leadership_losses(kb, date="funeral")
    # the default organisation is the KB's root
    assert leadership_losses(kb) == leadership_losses(kb, org="is")
    with pytest.raises(UserInputError, match="org='daesh'"):
        leadership_losses(kb, org="daesh")




def _shock_kb(tmp_path):
    from kharita import load_kb

    text = TINY_KB
    text = text.replace("entities:\n", textwrap.dedent("""\
        entities:
          - id: leader-a
            type: person
            names: {en: Leader A}
            dates:
              - {kind: death, date: "2017-12-28", sources: [t-src], confidence: 1}
              - {kind: death_announced, date: "2018-01-10", sources: [t-src], confidence: 1}
            sources: [t-src]
            confidence: 1
        """), 1)
    text += ('  - {type: led_by, source: is, target: leader-a,\n'
             '     valid: {from: "2013", to: "2017-12-28"}, sources: [t-src], confidence: 1}\n')
    path = tmp_path / "shock-kb.yaml"
    path.write_text(text, encoding="utf-8")
    return load_kb(files=[path], include_shipped=False)


def test_shocks_on_a_store(tmp_path):
    kb = _shock_kb(tmp_path)
    con = connect(tmp_path / "s.duckdb")
    rows, atts = [], []
    planted = {"is-iraq": nb_series(7, irr=0.4), "is-west-africa": nb_series(8, irr=1.0)}
    for branch, ser in planted.items():
        for week, n in ser.items():
            for j in range(int(n)):
                eid = f"s:{branch}:{week.date()}:{j}"
                rows.append((eid, "test", (week + pd.Timedelta(days=j % 7)).date(), "IRQ"))
                atts.append((eid, branch, 1, 1.0, "test"))
    con.register("ev_rows", pd.DataFrame(rows, columns=["e", "s", "d", "c"]))
    con.register("att_rows", pd.DataFrame(atts, columns=["e", "b", "side", "conf", "rule"]))
    con.execute("INSERT INTO events (event_id, source, date_start, country_iso3) "
                "SELECT e, s, d, c FROM ev_rows")
    con.execute("INSERT INTO attributions (event_id, entity_id, side, confidence, rule) "
                "SELECT * FROM att_rows")
    fr = build_frame(con, kb)
    wk = weekly_series(fr)
    assert wk["is-iraq"].sum() == planted["is-iraq"].sum()
    assert (wk.index.day_of_week == 0).all()  # weeks start on Monday
    # a narrowed frame: one branch, from 2016 on
    narrow = weekly_series(fr.narrow(start="2016-01-04", branches=["is-west-africa"]))
    assert list(narrow.columns) == ["is-west-africa", "network"]
    assert str(narrow.index[0].date()) == "2016-01-04"
    assert narrow["network"].sum() == planted["is-west-africa"][WEEKS >= "2016-01-04"].sum()
    out = shocks(fr, window_weeks=104, n_placebo=19, seed=1)
    assert set(out.kind) == {"death", "announcement"}
    death = out[out.kind == "death"].set_index("series")
    assert death.loc["is-iraq", "irr_high"] < 1 and death.loc["is-iraq", "p_adj"] < 0.05
    assert death.loc["is-west-africa", "irr_low"] < 1 < death.loc["is-west-africa", "irr_high"]
    # BH adjustment never lowers a p-value; the network row is not adjusted
    br = out[out.series != "network"]
    assert (br.p_adj >= br.p_value - 1e-12).all()
    net = out[out.series == "network"]
    assert (net.p_adj == net.p_value).all()
    holm = shocks(fr, window_weeks=104, n_placebo=0, correction="holm", date="death")
    assert set(holm.kind) == {"death"}
    only = shocks(fr.narrow(branches=["is-iraq"]), window_weeks=104, n_placebo=0,
                  date="death")
    assert set(only.series) == {"is-iraq", "network"}
    assert only.set_index("series").loc["is-iraq", "irr"] == pytest.approx(
        holm.set_index("series").loc["is-iraq", "irr"])
    with pytest.raises(UserInputError, match="correction="):
        shocks(fr, correction="bonferroni")


def test_an_imprecise_announcement_is_never_placed_before_the_death(tmp_path, kb):
    """Issue 12 step 3: "2023-04" announcing a death on 2023-04-29 was analysed at
    2023-04-01, four weeks before the death; now at 2023-04-29, and every announcement of
    the shipped KB is on or after the reported death days it can follow."""
    from kharita.analysis.shocks import place_date
    from kharita.kb.dates import FuzzyDate

    ann = [x for x in leadership_losses(kb) if x.kind == "announcement"
           and x.given == "2023-04"]
    assert len(ann) == 1 and ann[0].date.isoformat() == "2023-04-29"
    assert "earliest day consistent with the death" in ann[0].placed
    for loss in leadership_losses(kb):
        person = kb.entities[loss.leader_id]
        deaths = [f.date for f in person.dates if f.kind == "death"]
        given = FuzzyDate.parse(loss.given)
        assert given.earliest <= loss.date <= given.latest
        if loss.kind == "announcement" and not loss.placed.startswith("not testable"):
            assert all(loss.date >= d.earliest for d in deaths if d.earliest <= given.latest)
    # a month that ends before the death: not testable at this precision
    _day, rule = place_date(FuzzyDate.parse("2023-03"), [FuzzyDate.parse("2023-04-29")])
    assert rule.startswith("not testable at this precision")
    # the studies say so: a shock-table row at month precision carries the rule
    text = TINY_KB.replace("entities:\n", textwrap.dedent("""\
        entities:
          - id: leader-m
            type: person
            names: {en: Leader M}
            dates:
              - {kind: death, date: "2018-01-24", sources: [t-src], confidence: 1}
              - {kind: death_announced, date: "2018-01", sources: [t-src], confidence: 1}
              - {kind: death_announced, date: "2018", sources: [t-src], confidence: 1}
            sources: [t-src]
            confidence: 1
        """), 1)
    text += ('  - {type: led_by, source: is, target: leader-m,\n'
             '     valid: {from: "2013", to: "2018-01-24"}, sources: [t-src], confidence: 1}\n')
    from kharita import load_kb

    path = tmp_path / "m-kb.yaml"
    path.write_text(text, encoding="utf-8")
    mkb = load_kb(files=[path], include_shipped=False)
    con = connect(tmp_path / "m.duckdb")
    ser = nb_series(11)
    rows = [(f"m:{w.date()}:{j}", (w + pd.Timedelta(days=j % 7)).date())
            for w, n in ser.items() for j in range(int(n))]
    con.register("ev_rows", pd.DataFrame(rows, columns=["e", "d"]))
    con.execute("INSERT INTO events (event_id, source, date_start, country_iso3) "
                "SELECT e, 'test', d, 'IRQ' FROM ev_rows")
    con.execute("INSERT INTO attributions (event_id, entity_id, side, confidence, rule) "
                "SELECT e, 'is-iraq', 1, 1.0, 'test' FROM ev_rows")
    out = shocks(build_frame(con, mkb), window_weeks=52, n_placebo=0)
    out = out[out.series == "is-iraq"].set_index(["kind", "precision"])
    month = out.loc[("announcement", "month")]
    assert month.date == "2018-01-24" and pd.notna(month.irr)
    assert "announcement known to the month (2018-01): placed on 2018-01-24" in month.note
    year = out.loc[("announcement", "year")]
    assert pd.isna(year.irr) and year.note.startswith("not testable at this precision")
