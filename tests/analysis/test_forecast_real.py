"""Forecasts, backtest and alerts on the real UCDP extracts (Syria, Iraq, Nigeria), and
the ``kharita outlook`` / ``kharita alerts`` commands."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from kharita.analysis.forecast import alerts, backtest, history_from_frame, outlook


@pytest.fixture(scope="module")
def store_path(shared_data):
    from ._fixtures import real_store

    return real_store(shared_data)


@pytest.fixture(scope="module")
def frame(store_path):
    from kharita import load_kb
    from kharita.analysis.frame import build_frame
    from kharita.store.base import open_store

    store = open_store(store_path, read_only=True)
    yield build_frame(store, load_kb())
    store.close()


def test_history_counts_are_activity_and_coverage_ends_early(frame):
    from kharita.analysis.activity import activity

    h = history_from_frame(frame)
    assert h.units == ["is-iraq", "is-syria", "is-west-africa"]  # branches only
    act = activity(frame, by="branch", freq="month")
    for j, u in enumerate(h.units):
        assert h.events[:, j].sum() == pytest.approx(act[act.entity_id == u].events.sum())
    # the Iraq extract ends on 2018-12-25 (kharita.analysis.coverage): December 2018 is
    # not covered, so Iraq is forecast from November 2018, with a note naming the file
    iraq = h.units.index("is-iraq")
    assert str(h.periods[h.end[iraq]].date()) == "2018-11-01"
    assert "data end early" in h.notes["is-iraq"] and "2018-12-25" in h.notes["is-iraq"]
    assert "is-west-africa" not in h.notes


def test_kb_dates_of_branches_and_affiliations(frame):
    """The KB as of an origin: ISWAP is known from March 2015 (its validity), so no
    backtest origin before it scores ISWAP; a group that joined a province later is known
    there only from its affiliation's start."""
    import pandas as pd

    from kharita.analysis.forecast.history import members_known

    h = history_from_frame(frame)
    wa = h.units.index("is-west-africa")
    assert str(h.periods[h.known[wa]].date()) == "2015-03-01"
    m = members_known(frame).set_index(["entity_id", "branch_id"]).known_from
    assert m[("ansar-al-sunna-moz", "is-mozambique")] == pd.Timestamp("2022-05-09")
    assert m[("ansar-al-sunna-moz", "is-central-africa")] == pd.Timestamp("2019-06-01")
    assert pd.isna(m[("is-iraq", "is-iraq")])  # the network's own entity: always
    r = backtest(h, models=["last"], horizon=2, n_origins=70, n_samples=50)
    assert r.scores[r.scores.unit == "is-west-africa"].origin.min() >= h.periods[h.known[wa]]


def test_backtest_runs_on_the_real_extracts(frame):
    h = history_from_frame(frame)
    r = backtest(h, horizon=12, n_origins=60, n_samples=200)
    s = r.summary.set_index("model")
    assert set(s.index) == {"zero", "last", "climatology", "nb_trend", "hawkes"}
    assert (s.n > 1000).all()
    assert s.loc["zero", "brier_any"] > 0.9  # the branches are active every month
    assert r.verdict.startswith(r.best) or r.verdict.startswith("no skill")
    cells = r.scores
    assert cells.unit.nunique() == 3 and cells.horizon.max() == 12


def test_outlook_from_each_units_own_end(frame):
    res = outlook(frame, horizon=4, model="climatology", n_samples=400)
    t = res.table
    assert len(t) == 3 * 4
    first = t[t.horizon == 1].set_index("unit")
    assert str(first.loc["is-iraq", "period"].date()) == "2018-12-01"
    assert str(first.loc["is-west-africa", "period"].date()) == "2020-01-01"
    assert (t.events_lo95 <= t.events_lo80).all() and (t.events_lo80 <= t.events_lo50).all()
    assert (t.events_hi50 <= t.events_hi80).all() and (t.events_hi80 <= t.events_hi95).all()
    assert t.p_any.between(0, 1).all() and t.p_surge.between(0, 1).all()


def test_planted_surge_in_the_last_weeks_is_flagged(frame):
    """ISWAP's weekly series: a surge planted in its last two weeks is flagged (and ranked
    first); without it, no more alerts fire than the false-alarm rate allows."""
    h = history_from_frame(frame, freq="week")
    u = h.units.index("is-west-africa")
    base = alerts(h, last=8, alpha=0.01, include_all=True)
    n = base.attrs["tested"]
    assert base.alert.sum() <= stats.binom.ppf(0.99, n, 0.01)
    planted = history_from_frame(frame, freq="week")
    recent = planted.events[-20:, u]
    planted.events[-2:, u] += np.ceil(recent.mean() + 6 * recent.std() + 5)
    df = alerts(planted, last=8, alpha=0.01)
    assert not df.empty
    assert df.iloc[0].unit == "is-west-africa"
    assert set(df[df.unit == "is-west-africa"].period) <= set(planted.periods[-2:])


def test_cli_outlook_and_alerts(store_path):
    from kharita.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["outlook", "--store", str(store_path), "--horizon", "3",
                              "--model", "climatology", "-f", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["model"] == "climatology" and len(data["forecast"]) == 9
    assert "is-iraq" in data["notes"]
    # -f csv prints exactly one table, which pandas reads back: the forecast by default,
    # the backtest scores with --table backtest
    out = runner.invoke(app, ["outlook", "--store", str(store_path), "--horizon", "2",
                              "--backtest", "-f", "csv"])
    assert out.exit_code == 0, out.output
    forecast = pd.read_csv(io.StringIO(out.output))
    assert {"unit", "period", "events_median", "p_surge"} <= set(forecast.columns)
    out = runner.invoke(app, ["outlook", "--store", str(store_path), "--horizon", "2",
                              "--backtest", "-f", "csv", "--table", "backtest"])
    assert out.exit_code == 0, out.output
    scores = pd.read_csv(io.StringIO(out.output))
    assert "skill_vs_zero" in scores.columns and set(scores.model) >= {"zero", "last"}
    bad = runner.invoke(app, ["outlook", "--store", str(store_path), "--table", "backtest"])
    assert bad.exit_code != 0 and "--backtest" in str(bad.exception or bad.output)
    out = runner.invoke(app, ["alerts", "--store", str(store_path), "--freq", "month",
                              "--level", "admin1", "-f", "json"])
    assert out.exit_code == 0, out.output
    assert isinstance(json.loads(out.output), list)
    bad = runner.invoke(app, ["outlook", "--store", str(store_path), "--horizon", "99"])
    assert bad.exit_code != 0
    bad = runner.invoke(app, ["alerts", "--store", str(store_path), "--freq", "year"])
    assert bad.exit_code != 0


def test_a_branch_only_a_sample_covers_is_noted(shared_data, tmp_path):
    """With the global sample beside Nigeria's extract, branches only the sample covers
    (Algeria, Sinai ...) are forecast from the sample's counts; the note says so (the
    outlook page once opened on is-algeria, all zeros, with no word of it)."""
    from kharita import load_kb
    from kharita.analysis.frame import build_frame
    from kharita.events.ingest import ingest_file
    from kharita.store.base import open_store

    kb = load_kb()
    with open_store(tmp_path / "s.duckdb") as store:
        for name in ("conflict_data_nga.csv", "ucdpged.csv"):
            ingest_file(store, "ucdp", shared_data / "ucdp-ged" / name, kb=kb)
        h = history_from_frame(build_frame(store, kb))
    sample_only = {u for u, n in h.notes.items() if "only a sample file" in n}
    assert {"is-algeria", "is-sinai"} <= sample_only
    assert all("ucdpged.csv" in h.notes[u] for u in sample_only)
    # Nigeria has its complete extract: the sample's few rows there change nothing
    assert "is-west-africa" not in sample_only
    assert "data end early" in h.notes["is-west-africa"]
