"""Speed-ups of the forecast that must not change a figure: the compiled offspring kernel
of the Hawkes simulation draws the same random numbers in the same order as the
vectorised NumPy code it replaced (identical paths, the generator left in the same
state: kharita.analysis.forecast.cluster), and the backtest's joint-model refits run
ahead in worker threads with the same scores as fitting in turn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kharita.analysis.forecast import backtest, history_from_counts
from kharita.analysis.forecast.backtest import _score, summarize
from kharita.analysis.forecast.models import Hawkes, make_model, simulate_forward


def numpy_reference(mu: np.ndarray, alpha: np.ndarray, decays: np.ndarray, n: int,
                     rng: np.random.Generator) -> np.ndarray:
    """simulate_forward before the compiled kernel (the vectorised NumPy code)."""
    K, H = mu.shape
    counts = rng.poisson(np.broadcast_to(mu.T[None], (n, H, K)))
    flat_out = counts.astype(np.float64).ravel()
    scales = 1.0 / np.asarray(decays, dtype=np.float64)
    U = alpha.shape[2]
    # offspring of a parent of type j through component u: Poisson(m[j, u]) children
    # (m = sum_i alpha[i, j, u]), each of type i with probability alpha[i, j, u] / m[j, u].
    # Drawn per parent type: the n_j parents' children number Poisson(n_j m[j, u]) in
    # all, each child of a parent chosen uniformly (Poisson splitting: the same law as
    # independent Poisson(m[j, u]) per parent, at the cost of the children only).
    m_ju = alpha.sum(axis=0)  # (K parent, U)
    cdf = np.cumsum(alpha, axis=0) / np.where(m_ju > 0, m_ju, 1.0)[None]  # (K, K, U)
    # generation 1 without placing the immigrants: an immigrant of period h is uniform
    # in [h, h + 1), so its child is at h + V + Exp / beta_u with V ~ U(0, 1) drawn fresh;
    # the children of a (replicate, period, type) cell number Poisson(count * m[j, u])
    t1, k1, s1 = [], [], []
    cells_s, cells_h = np.divmod(np.arange(n * H), H)
    for j in range(K):
        cj = counts[:, :, j].ravel()
        for u in range(U):
            if m_ju[j, u] <= 0:
                continue
            c = rng.poisson(cj * m_ju[j, u])
            tot = int(c.sum())
            if tot == 0:
                continue
            cell = np.repeat(np.arange(n * H), c)
            t1.append(cells_h[cell] + rng.random(tot) + rng.exponential(scales[u], tot))
            s1.append(cells_s[cell])
            k1.append(np.minimum(np.searchsorted(cdf[:, j, u], rng.random(tot),
                                                 side="right"), K - 1))
    if t1:
        gen_t, gen_s = np.concatenate(t1), np.concatenate(s1)
        gen_k = np.concatenate(k1).astype(np.int16)
        keep = gen_t < H
        gen_t, gen_s, gen_k = gen_t[keep], gen_s[keep], gen_k[keep]
        flat_out += np.bincount((gen_s * H + gen_t.astype(np.int64)) * K + gen_k,
                                minlength=flat_out.size)
    else:
        gen_t, gen_s, gen_k = np.zeros(0), np.zeros(0, np.int64), np.zeros(0, np.int16)
    while gen_t.size:
        order = np.argsort(gen_k, kind="stable")  # radix sort of small ints
        bounds = np.concatenate([[0], np.cumsum(np.bincount(gen_k, minlength=K))])
        par, kid, comp = [], [], []
        for j in range(K):
            nj = int(bounds[j + 1] - bounds[j])
            if nj == 0:
                continue
            for u in range(U):
                tot = int(rng.poisson(nj * m_ju[j, u]))
                if tot == 0:
                    continue
                par.append(order[bounds[j] + rng.integers(0, nj, tot)])
                kid.append(np.minimum(np.searchsorted(cdf[:, j, u], rng.random(tot),
                                                      side="right"), K - 1))
                comp.append(np.full(tot, u, dtype=np.int64))
        if not par:
            break
        parent, child_k, cc = np.concatenate(par), np.concatenate(kid), np.concatenate(comp)
        child_t = gen_t[parent] + rng.exponential(1.0, parent.size) * scales[cc]
        keep = child_t < H
        gen_t, gen_k, gen_s = child_t[keep], child_k[keep].astype(np.int16), gen_s[parent[keep]]
        flat_out += np.bincount((gen_s * H + gen_t.astype(np.int64)) * K + gen_k,
                                minlength=flat_out.size)
    return flat_out.reshape(n, H, K)


@pytest.mark.parametrize(("seed", "K", "U", "H", "n"), [
    (0, 2, 1, 6, 50), (1, 5, 1, 3, 40), (2, 4, 2, 6, 30), (3, 1, 1, 1, 20), (4, 6, 1, 12, 25)])
def test_kernel_paths_identical_to_numpy_reference(seed, K, U, H, n):
    """Random backgrounds (some zero), excitations with zero columns (a branch that excites
    nothing), fast and slow decays (many generations inside the horizon)."""
    g = np.random.default_rng(100 + seed)
    mu = g.gamma(1.0, 20.0, (K, H)) * (g.random((K, H)) > 0.2)
    alpha = g.random((K, K, U)) * (0.9 / (K * U))
    alpha[:, g.integers(0, K), :] = 0.0
    decays = g.choice([0.3, 2.0, 30.0], U, replace=False)
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    got = simulate_forward(mu, alpha, decays, n, a)
    want = numpy_reference(mu, alpha, decays, n, b)
    assert got.shape == (n, H, K)
    assert np.array_equal(got, want)
    assert a.random() == b.random()  # the same number of draws


def test_kernel_supercritical_cut_at_horizon():
    """A near-explosive process with a fast decay: many generations, all cut at H."""
    mu = np.full((3, 4), 5.0)
    alpha = np.full((3, 3, 1), 0.32)
    a, b = np.random.default_rng(9), np.random.default_rng(9)
    assert np.array_equal(simulate_forward(mu, alpha, np.array([50.0]), 30, a),
                          numpy_reference(mu, alpha, np.array([50.0]), 30, b))


def sequential_backtest(history, models, horizon, n_origins, n_samples, refit_every, seed):
    """The backtest's loop before the refits ran ahead: each joint model fitted in turn."""
    from kharita.analysis.forecast.backtest import _origins

    built = {m: make_model(m) for m in models}
    rng = np.random.default_rng(seed)
    y_all, H = history.events, horizon
    rows, fitted_on = [], {}
    for i, o in enumerate(_origins(history, n_origins, 24)):
        active = np.nonzero((history.start <= o) & (history.end >= o)
                            & (history.known <= o))[0]
        if active.size == 0:
            continue
        past = y_all[: o + 1][:, active]
        targets = np.arange(o + 1, min(o + H, y_all.shape[0] - 1) + 1)
        if targets.size == 0:
            continue
        truth = (y_all[targets] - history.unknown_after(o, targets))[:, active]
        valid = targets[:, None] <= history.end[active][None, :]
        q90 = np.array([np.quantile(past[history.start[u]:, j], 0.9)
                        for j, u in enumerate(active)])
        for name, model in built.items():
            if model.joint and (i % refit_every == 0 or name not in fitted_on
                                or not np.array_equal(fitted_on[name], active)):
                model.fit(past)
                fitted_on[name] = active
            s = model.sample(past, targets.size, n_samples, rng)
            rows.append(_score(name, s, truth, valid, q90, o, targets - o,
                               [history.units[u] for u in active]))
    scores = pd.DataFrame({k: np.concatenate([r[k] for r in rows]) for k in rows[0]})
    scores["origin"] = history.periods[scores.origin.to_numpy()]
    return scores, summarize(scores)[0]


def test_backtest_refits_ahead_identical_to_fitting_in_turn():
    """Three units, one starting late (the active units change: an extra refit), refits
    every 5 origins: the same scores and summary, cell by cell."""
    g = np.random.default_rng(3)
    y = g.poisson(np.array([6.0, 3.0, 4.0]), (60, 3)).astype(float)
    y[:45, 2] = 0.0
    h = history_from_counts(y)
    h.start[2] = 45  # inside the backtest's origins (39-58)
    models = ("climatology", "hawkes")
    got = backtest(h, models=models, horizon=3, n_origins=20, n_samples=40,
                   refit_every=5, seed=2)
    scores, summary = sequential_backtest(h, models, 3, 20, 40, 5, 2)
    pd.testing.assert_frame_equal(got.scores, scores)
    pd.testing.assert_frame_equal(got.summary, summary)
    assert Hawkes.joint
