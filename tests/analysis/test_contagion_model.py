"""Contagion (Hawkes) building blocks: likelihood, gradient, simulation, goodness of fit.

Each compiled recursion is checked against a direct O(N^2) evaluation of the definition
on small inputs, and the gradient against finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from kharita.analysis.contagion import (
    EventData,
    HawkesParams,
    fit_hawkes,
    horizon_for,
    loglikelihood,
    simulate_hawkes,
)
from kharita.analysis.contagion.fit import attribution_shares
from kharita.analysis.contagion.goodness import poisson_loglik, rescaled_increments
from kharita.analysis.contagion.likelihood import loglik_grad


def brute_loglik(p: HawkesParams, t: np.ndarray, k: np.ndarray, T: float) -> float:
    """The definition, evaluated term by term."""
    edges = p.with_edges(T)
    ll = 0.0
    for n in range(t.size):
        b = min(np.searchsorted(edges, t[n], side="right") - 1, p.B - 1)
        lam = p.mu[k[n], b]
        for m in range(n):
            for u in range(p.U):
                lam += p.alpha[k[n], k[m], u] * p.decays[u] * np.exp(-p.decays[u] * (t[n] - t[m]))
        ll += np.log(lam)
    comp = (p.mu * np.diff(edges)[None, :]).sum()
    for m in range(t.size):
        for u in range(p.U):
            comp += p.alpha[:, k[m], u].sum() * (1 - np.exp(-p.decays[u] * (T - t[m])))
    return ll - comp


@pytest.fixture
def small():
    rng = np.random.default_rng(7)
    t = np.sort(rng.uniform(0, 50, 60))
    k = rng.integers(0, 3, 60)
    return t, k, 50.0


@pytest.mark.parametrize("params", [
    HawkesParams(mu=[0.3, 0.2, 0.5], alpha=np.full((3, 3), 0.1) + np.eye(3) * 0.2,
                 decays=[0.7]),
    HawkesParams(mu=[[0.3, 0.1], [0.2, 0.4], [0.5, 0.5]],
                 alpha=np.dstack([np.full((3, 3), 0.05), np.eye(3) * 0.3]),
                 decays=[2.0, 0.1], edges=[0.0, 20.0, 50.0]),
], ids=["one-exponential", "sum-of-exponentials-yearly-mu"])
def test_loglik_matches_definition(small, params):
    t, k, T = small
    data = EventData(t, k, T, 3, params.with_edges(T))
    assert loglikelihood(params, data) == pytest.approx(brute_loglik(params, t, k, T), rel=1e-10)


def test_gradient_matches_finite_differences(small):
    t, k, T = small
    p = HawkesParams(mu=[0.3, 0.2, 0.5], alpha=np.full((3, 3), 0.1) + np.eye(3) * 0.2,
                     decays=[0.7])
    d = EventData(t, k, T, 3, np.array([0.0, T]))
    ll, gmu, galpha, gbeta = loglik_grad(d.times, d.types, d.bins, d.T, d.lengths, p.mu,
                                         p.alpha, p.decays, True)
    h = 1e-6

    def ll_at(mu=p.mu, alpha=p.alpha, beta=p.decays):
        return loglik_grad(d.times, d.types, d.bins, d.T, d.lengths, mu, alpha, beta, False)[0]

    for i in range(3):
        mu = p.mu.copy()
        mu[i, 0] += h
        assert gmu[i, 0] == pytest.approx((ll_at(mu=mu) - ll) / h, rel=1e-4)
        for j in range(3):
            al = p.alpha.copy()
            al[i, j, 0] += h
            assert galpha[i, j, 0] == pytest.approx((ll_at(alpha=al) - ll) / h, rel=1e-4)
    assert gbeta == pytest.approx((ll_at(beta=p.decays + h) - ll) / h, rel=1e-4)


def test_simulation_is_seeded_and_has_the_stationary_rate():
    p = HawkesParams(mu=[0.4, 0.2], alpha=[[0.3, 0.2], [0.1, 0.4]], decays=[1.5])
    T = horizon_for(p, 40_000)
    t, k = simulate_hawkes(p, T, seed=11)
    t2, k2 = simulate_hawkes(p, T, seed=11)
    assert np.array_equal(t, t2) and np.array_equal(k, k2)
    assert not np.array_equal(t, simulate_hawkes(p, T, seed=12)[0])
    assert np.all(np.diff(t) >= 0) and t[0] >= 0 and t[-1] < T
    expected = p.stationary_rates() * T  # ~ (I - A)^-1 mu T, minus a small start-up effect
    counts = np.bincount(k, minlength=2)
    # the process starts empty: the expected deficit is O(1 / beta) events, far below 4 sd
    assert np.all(np.abs(counts - expected) < 4 * np.sqrt(expected / (1 - 0.5) ** 2))


def test_simulation_refuses_explosive_parameters():
    p = HawkesParams(mu=[0.4], alpha=[[1.2]], decays=[1.0])
    with pytest.raises(ValueError, match="spectral radius"):
        simulate_hawkes(p, 100.0)


def test_piecewise_background_simulation_follows_periods():
    p = HawkesParams(mu=[[0.1, 2.0]], alpha=[[0.2]], decays=[1.0], edges=[0, 500, 1000])
    t, _ = simulate_hawkes(p, 1000.0, seed=3)
    early, late = (t < 500).sum(), (t >= 500).sum()
    assert late > 10 * early
    fit = fit_hawkes(t, np.zeros_like(t, dtype=int), 1000.0, edges=[0, 500, 1000],
                     compare=False, goodness=False)
    assert fit.params.mu[0, 1] == pytest.approx(2.0, rel=0.15)
    assert fit.background["period"].tolist() == [0, 1]


def test_time_rescaling_of_true_model_is_exponential():
    p = HawkesParams(mu=[0.5, 0.3], alpha=[[0.4, 0.2], [0.3, 0.3]], decays=[1.0])
    t, k = simulate_hawkes(p, 3000.0, seed=5)
    data = EventData(t, k, 3000.0, 2, np.array([0.0, 3000.0]))
    for inc in rescaled_increments(p, data):
        assert stats.kstest(inc, "expon").pvalue > 0.01
        assert inc.mean() == pytest.approx(1.0, abs=0.06)
    # and a Poisson model of the same data is rejected by the same test
    rate = np.bincount(k) / 3000.0
    pois = HawkesParams(mu=rate, alpha=np.zeros((2, 2)), decays=[1.0])
    assert all(stats.kstest(inc, "expon").pvalue < 1e-6
               for inc in rescaled_increments(pois, data))


def test_poisson_loglik_and_shares_rows_sum_to_one():
    p = HawkesParams(mu=[0.5, 0.3], alpha=[[0.4, 0.2], [0.3, 0.3]], decays=[1.0])
    t, k = simulate_hawkes(p, 500.0, seed=2)
    data = EventData(t, k, 500.0, 2, np.array([0.0, 500.0]))
    zero = HawkesParams(mu=np.bincount(k) / 500.0, alpha=np.zeros((2, 2)), decays=[1.0])
    assert poisson_loglik(data) == pytest.approx(loglikelihood(zero, data), rel=1e-12)
    share = attribution_shares(p, data)
    assert np.allclose(share.sum(axis=1), 1.0)
    assert np.allclose(attribution_shares(zero, data)[:, 0], 1.0)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"\[0, T=10"):
        EventData(np.array([1.0, 12.0]), np.array([0, 0]), 10.0, 1, np.array([0.0, 10.0]))
    with pytest.raises(ValueError, match="branch indices"):
        EventData(np.array([1.0, 2.0]), np.array([0, 3]), 10.0, 2, np.array([0.0, 10.0]))
    with pytest.raises(ValueError, match="alpha has shape"):
        HawkesParams(mu=[0.1, 0.2], alpha=[[0.1]], decays=[1.0])
    with pytest.raises(ValueError, match="method"):
        fit_hawkes([1.0, 2.0], [0, 0], 3.0, method="newton")  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["mle", "em"])
def test_branch_without_events_has_no_effect(method):
    p = HawkesParams(mu=[0.5], alpha=[[0.4]], decays=[1.0])
    t, k = simulate_hawkes(p, 1000.0, seed=1)
    fit = fit_hawkes(t, k, 1000.0, K=3, method=method, compare=False)
    A = fit.params.branching_matrix
    assert A[0, 0] == pytest.approx(0.4, abs=0.1)
    assert np.all(A[:, 1:] == 0) and np.all(A[1:, :] < 1e-6)
    assert fit.shares["n_events"].tolist() == [t.size, 0, 0]


def test_specialised_kernel_matches_general_one(small):
    from kharita.analysis.contagion.likelihood import loglik_grad_exp1

    t, k, T = small
    p = HawkesParams(mu=[[0.3, 0.1], [0.2, 0.4], [0.5, 0.5]],
                     alpha=np.full((3, 3), 0.1) + np.eye(3) * 0.2, decays=[0.7],
                     edges=[0.0, 20.0, 50.0])
    d = EventData(t, k, T, 3, p.edges)
    general = loglik_grad(d.times, d.types, d.bins, d.T, d.lengths, p.mu, p.alpha, p.decays,
                          True)
    fused = loglik_grad_exp1(d.times, d.types, d.bins, d.T, d.lengths, p.mu,
                             p.alpha[:, :, 0], 0.7)
    assert fused[0] == pytest.approx(general[0], rel=1e-12)
    assert np.allclose(fused[1], general[1]) and np.allclose(fused[2], general[2][:, :, 0])
    assert fused[3] == pytest.approx(general[3], rel=1e-10)
