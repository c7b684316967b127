"""Forecast models, scores, backtests and alerts on simulated series with known
generating processes (Poisson, negative binomial, Hawkes)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kharita.analysis.contagion import HawkesParams, simulate_hawkes
from kharita.analysis.forecast import alerts, backtest, history_from_counts
from kharita.analysis.forecast.history import History
from kharita.analysis.forecast.models import Hawkes, Model, nb_sample, simulate_forward
from kharita.analysis.forecast.scores import coverage, crps

# ---------------------------------------------------------------- oracle models


@dataclass
class PoissonOracle(Model):
    """The true constant-rate Poisson process."""

    lam: float = 5.0
    name = "oracle"

    def sample(self, y, horizon, n, rng):
        return rng.poisson(self.lam, (n, horizon, y.shape[1])).astype(float)


@dataclass
class NBOracle(Model):
    mean: float = 6.0
    alpha: float = 0.5
    name = "oracle"

    def sample(self, y, horizon, n, rng):
        return nb_sample(np.full((horizon, y.shape[1]), self.mean), self.alpha, n, rng)


@dataclass
class WrongNB(NBOracle):
    """Right mean, dispersion off by a factor: must score worse than the truth."""

    name = "wrong_dispersion"


def _within(cov: float, level: float) -> bool:
    return abs(cov - level) <= 0.05


# ---------------------------------------------------------------- scores


def test_crps_equals_scoringrules():
    pytest.importorskip("scoringrules")
    rng = np.random.default_rng(0)
    x = rng.negative_binomial(2, 0.2, (300, 7, 4)).astype(float)
    y = rng.poisson(8, (7, 4)).astype(float)
    np.testing.assert_allclose(crps(x, y), crps(x, y, backend="scoringrules"), atol=1e-9)


def test_crps_of_point_mass_is_absolute_error_and_coverage_of_truth_is_nominal():
    assert crps(np.full((10, 1), 3.0), np.array([7.0]))[0] == pytest.approx(4.0)
    rng = np.random.default_rng(1)
    s = rng.poisson(4, (2000, 1))
    y = rng.poisson(4, 4000).astype(float)
    covs = [coverage(s.repeat(4000, 1), y, lv, seed=2).mean() for lv in (0.5, 0.8, 0.95)]
    assert all(_within(c, lv) for c, lv in zip(covs, (0.5, 0.8, 0.95), strict=True)), covs


# ---------------------------------------------------------------- known processes


def test_poisson_series_truth_ranks_first_and_covers():
    rng = np.random.default_rng(3)
    h = history_from_counts(rng.poisson(5.0, (100, 12)))
    r = backtest(h, models=[PoissonOracle(5.0), "climatology", "last", "zero", "nb_trend"],
                 horizon=3, n_origins=50, n_samples=300)
    s = r.summary.set_index("model")
    assert r.best == "oracle", s
    for lv in (50, 80, 95):
        assert _within(s.loc["oracle", f"cover{lv}"], lv / 100), s
    assert s.loc["oracle", "brier_any"] <= s.loc["last", "brier_any"]
    # climatology is a consistent estimate of the truth here: also nominal
    assert _within(s.loc["climatology", "cover80"], 0.8)


def test_negative_binomial_series_truth_beats_wrong_dispersion():
    rng = np.random.default_rng(4)
    y = nb_sample(np.full((100, 12), 6.0), 0.5, 1, rng)[0]
    h = history_from_counts(y)
    r = backtest(h, models=[NBOracle(6.0, 0.5), WrongNB(6.0, 0.02), "last", "zero"],
                 horizon=3, n_origins=50, n_samples=300)
    s = r.summary.set_index("model")
    assert r.best == "oracle", s
    assert s.loc["oracle", "crps"] < s.loc["wrong_dispersion", "crps"]
    for lv in (50, 80, 95):
        assert _within(s.loc["oracle", f"cover{lv}"], lv / 100), s
    # a Poisson-like forecast of NB data under-covers: the scores see it
    assert s.loc["wrong_dispersion", "cover95"] < s.loc["oracle", "cover95"]


def _hawkes_counts(T: int, seed: int) -> np.ndarray:
    p = HawkesParams(mu=[1.0, 0.6, 0.8], alpha=[[0.5, 0.2, 0.0], [0.0, 0.4, 0.2],
                                               [0.2, 0.0, 0.3]], decays=[1.5])
    t, k = simulate_hawkes(p, float(T), seed=seed)
    out = np.zeros((T, 3))
    np.add.at(out, (t.astype(int), k), 1.0)
    return out


def test_forward_simulation_matches_simulate_hawkes():
    """The batched forward simulator and kharita.analysis.contagion.simulate_hawkes agree
    in distribution (empty start, constant background: same mean and variance)."""
    p = HawkesParams(mu=[1.0, 0.5], alpha=[[0.4, 0.2], [0.3, 0.3]], decays=[0.8])
    rng = np.random.default_rng(5)
    fwd = simulate_forward(np.repeat(p.mu, 6, axis=1), p.alpha, p.decays, 3000, rng)
    ref = np.zeros((600, 6, 2))
    for s in range(600):
        t, k = simulate_hawkes(p, 6.0, seed=rng)
        np.add.at(ref[s], (t.astype(int), k), 1.0)
    tot_f, tot_r = fwd.sum(axis=1), ref.sum(axis=1)
    se = np.sqrt(tot_f.var(0) / 3000 + tot_r.var(0) / 600)
    assert np.all(np.abs(tot_f.mean(0) - tot_r.mean(0)) < 4 * se)
    assert np.allclose(tot_f.var(0), tot_r.var(0), rtol=0.25)


class HawkesOracle(Hawkes):
    """The Hawkes model with the true parameters (no fitting)."""

    name = "oracle"

    def fit(self, y):
        pass


TRUE_HAWKES = HawkesParams(mu=[1.0, 0.6, 0.8], alpha=[[0.5, 0.2, 0.0], [0.0, 0.5, 0.2],
                                                    [0.2, 0.0, 0.4]], decays=[0.3])


@pytest.mark.slow
def test_hawkes_series_truth_ranks_first_covers_and_fitted_hawkes_beats_baselines():
    """On a self- and mutually exciting series (mean triggering delay 3 periods) the true
    Hawkes model ranks first and covers at its nominal rates; the Hawkes model fitted on
    data before each origin only beats the last-value, trend and zero baselines and ties
    climatology (within 2% of its CRPS: at horizon 2 on 200 periods the fitted excitation
    adds little over the long-run distribution; the gap between the two is of the order
    of the Monte Carlo error)."""
    t, k = simulate_hawkes(TRUE_HAWKES, 200.0, seed=8)
    y = np.zeros((200, 3))
    np.add.at(y, (t.astype(int), k), 1.0)
    r = backtest(history_from_counts(y),
                 models=[HawkesOracle(params=TRUE_HAWKES), "hawkes", "climatology", "last",
                         "nb_trend", "zero"], horizon=2, n_origins=120, n_samples=300,
                 refit_every=20, model_kwargs={"hawkes": {"window": 100}})
    s = r.summary.set_index("model")
    assert r.best == "oracle", s
    for lv in (50, 80, 95):
        assert _within(s.loc["oracle", f"cover{lv}"], lv / 100), s
    for b in ("last", "nb_trend", "zero"):
        assert s.loc["hawkes", "crps"] < s.loc[b, "crps"], s
    assert s.loc["hawkes", "crps"] < 1.02 * s.loc["climatology", "crps"], s


def test_no_skill_is_said_when_a_baseline_wins():
    rng = np.random.default_rng(7)
    h = history_from_counts(rng.poisson(3.0, (60, 3)))
    r = backtest(h, models=["climatology", "zero", "last"], horizon=2, n_origins=20)
    assert r.best == "climatology" and not r.skill
    assert r.verdict.startswith("no skill")


# ---------------------------------------------------------------- honesty of the backtest


def test_backtest_uses_no_information_after_the_origin():
    """Changing the data after period X changes no score whose origin and targets are all
    before X."""
    rng = np.random.default_rng(8)
    y = rng.poisson(4.0, (80, 3)).astype(float)
    y2 = y.copy()
    y2[70:] *= 10
    kw = dict(models=["climatology", "nb_trend", "hawkes", "last"], horizon=3,
              n_origins=30, n_samples=100, seed=1)
    a = backtest(history_from_counts(y), **kw).scores
    b = backtest(history_from_counts(y2), **kw).scores
    cut = history_from_counts(y).periods[69 - 3]
    pd.testing.assert_frame_equal(a[a.origin <= cut].reset_index(drop=True),
                                  b[b.origin <= cut].reset_index(drop=True))
    assert not a.equals(b)


def test_units_enter_when_their_data_start_and_leave_when_it_ends():
    rng = np.random.default_rng(9)
    y = rng.poisson(4.0, (60, 2)).astype(float)
    h = history_from_counts(y, units=["early", "late"])
    h.start = np.array([0, 40])
    h.end = np.array([49, 59])  # "early" data end at period 49
    r = backtest(h, models=["climatology"], horizon=3, n_origins=30)
    sc = r.scores
    late = sc[sc.unit == "late"]
    assert late.origin.min() == h.periods[40]
    early = sc[sc.unit == "early"]
    last_target = max(o + pd.DateOffset(months=int(k))
                      for o, k in zip(early.origin, early.horizon, strict=True))
    assert last_target <= h.periods[49]


# ---------------------------------------------------------------- attribution uncertainty


def test_resampling_ambiguous_attributions_keeps_the_expected_counts():
    y = np.array([[0.5, 0.5], [1.0, 0.3]])
    amb = pd.DataFrame({"t": [0, 0, 1], "u": [0, 1, 1], "event": ["e1", "e1", "e2"],
                        "weight": [0.5, 0.5, 0.3], "fatalities": [2.0, 2.0, 1.0]})
    h = History(pd.date_range("2020-01-01", periods=2, freq="MS"), ["a", "b"], y,
                np.zeros_like(y), ambiguous=amb)
    rng = np.random.default_rng(10)
    draws = np.array([h.resample(rng)[0] for _ in range(3000)])
    assert np.all(draws[:, 0, :].sum(axis=1) == 1)  # e1 goes to exactly one unit
    assert set(np.unique(draws[:, 1, 1])) == {0.0, 1.0}  # e2: 0.3 to b, 0.7 to none
    np.testing.assert_allclose(draws.mean(axis=0), y, atol=0.03)


# ---------------------------------------------------------------- alerts


def test_alerts_false_alarm_rate_on_a_null_series():
    """On negative binomial series that follow their recent distribution, the share of
    unit-periods that alert is at most the stated rate (plus sampling error)."""
    rng = np.random.default_rng(11)
    y = nb_sample(np.full((160, 40), 8.0), 0.3, 1, rng)[0]
    h = history_from_counts(y, freq="week")
    df = alerts(h, last=100, alpha=0.01, include_all=True)
    n = df.attrs["tested"]
    assert n == 4000
    assert df.alert.sum() >= 1  # the test can see alerts at all
    assert df.alert.sum() <= stats.binom.ppf(0.999, n, 0.01)


def test_alerts_flag_a_planted_surge():
    rng = np.random.default_rng(12)
    y = rng.poisson(5.0, (60, 3)).astype(float)
    y[-2:, 1] += 25
    df = alerts(history_from_counts(y, units=["a", "b", "c"], freq="week"), last=4)
    assert not df.empty and set(df.unit) == {"b"}
    assert df.period.max() == pd.Timestamp(history_from_counts(y, freq="week").periods[-1])


def test_vectorised_poisson_trend_equals_statsmodels():
    """The numpy Newton fit of the nb_trend model gives statsmodels' Poisson GLM
    estimates, also on sparse series (runs of zeros) and an all-zero series."""
    import statsmodels.api as sm

    from kharita.analysis.forecast.models import nb_trend_params, poisson_trend_fit

    rng = np.random.default_rng(3)
    cols = [rng.poisson(rng.uniform(0.1, 40), 24).astype(float) for _ in range(30)]
    cols += [np.r_[np.zeros(20), [1, 0, 2, 3]], np.r_[[5, 3], np.zeros(22)]]
    y = np.column_stack(cols)
    _beta, m = poisson_trend_fit(y)
    n = y.shape[0]
    X = np.column_stack([np.ones(n), (np.arange(n) - (n - 1)) / n])
    for j in range(y.shape[1]):
        ref = sm.GLM(y[:, j], X, family=sm.families.Poisson()).fit()
        np.testing.assert_allclose(m[:, j], np.exp(X @ np.asarray(ref.params)),
                                   rtol=1e-6, atol=1e-8)
    mean, alpha = nb_trend_params(np.column_stack([y[:, 0], np.zeros(n)]), 3)
    assert mean.shape == (3, 2) and np.all(mean[:, 1] == 0) and alpha[1] == 0


# ---------------------------------------------------------------- the KB as of the origin


def test_backtest_leaves_out_kb_facts_dated_after_the_origin():
    """A unit the KB knows only from period 40 enters the backtest there (though its data
    start earlier); events that count for unit ``a`` only through an affiliation dated
    period 50 (a group joining it) are not scored at origins before 50: those origins
    score exactly as if the group had never joined."""
    rng = np.random.default_rng(13)
    y = rng.poisson(4.0, (70, 2)).astype(float)
    joined = np.zeros_like(y)
    joined[50:, 0] = rng.poisson(6.0, 20)
    with_group = history_from_counts(y + joined, units=["a", "b"])
    with_group.known = np.array([0, 40])
    with_group.dated = pd.DataFrame({"t": np.arange(50, 70), "u": 0, "known": 50,
                                     "weight": joined[50:, 0]})
    without = history_from_counts(y, units=["a", "b"])
    without.known = np.array([0, 40])
    kw = dict(models=["climatology", "last"], horizon=3, n_origins=40, n_samples=100, seed=2)
    a, b = backtest(with_group, **kw).scores, backtest(without, **kw).scores
    assert a[a.unit == "b"].origin.min() == with_group.periods[40]
    cut = with_group.periods[49]
    pd.testing.assert_frame_equal(a[a.origin <= cut].reset_index(drop=True),
                                  b[b.origin <= cut].reset_index(drop=True))
    # from origin 50 on the group is part of `a`: its events are in the truth scored
    assert not a[a.origin > cut].reset_index(drop=True).equals(
        b[b.origin > cut].reset_index(drop=True))
    np.testing.assert_array_equal(with_group.unknown_after(49, np.arange(50, 53))[:, 0],
                                  joined[50:53, 0])
    assert with_group.unknown_after(50, np.arange(50, 53)).sum() == 0
