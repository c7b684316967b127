"""Compiled O(N*K*U) recursions for the exponential-kernel Hawkes likelihood.

With events ``(t_n, k_n)`` sorted in time on ``[0, T]`` and the state
``R[j, u](n) = sum_{m < n, k_m = j} exp(-beta_u (t_n - t_m))`` (updated recursively,
Ogata 1981), the log-likelihood is::

    log L = sum_n log lambda_{k_n}(t_n) - sum_i Lambda_i(T)
    lambda_{k_n}(t_n) = mu[k_n, b_n] + sum_{j,u} alpha[k_n, j, u] beta_u R[j, u](n)
    Lambda_i(T) = sum_b mu[i, b] |period b| + sum_{j,u} alpha[i, j, u] C[j, u]
    C[j, u] = sum_{n: k_n = j} (1 - exp(-beta_u (T - t_n)))

The kernels are compiled by numba with ``cache=True``: the first call in a fresh
environment compiles them (a few seconds), later calls load the cache. They release the
GIL (``nogil=True``: they touch no Python object), so a fit in one thread runs beside
other work in another (the brief computes its outlook beside the other sections).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def compensator_terms(times, types, T, K, betas):
    """``C[j, u]`` and ``D[j, u] = sum_{k_n=j} (T - t_n) exp(-beta_u (T - t_n))`` (the
    derivative of ``C`` with respect to ``beta_u``)."""
    U = betas.shape[0]
    C = np.zeros((K, U))
    D = np.zeros((K, U))
    for n in range(times.shape[0]):
        j = types[n]
        d = T - times[n]
        for u in range(U):
            e = math.exp(-betas[u] * d)
            C[j, u] += 1.0 - e
            D[j, u] += d * e
    return C, D


@njit(cache=True, nogil=True)
def loglik_grad(times, types, bins, T, lengths, mu, alpha, betas, grad_beta):
    """Log-likelihood and its gradient with respect to ``mu``, ``alpha`` and (when
    ``grad_beta`` and U == 1) ``beta``. Returns ``(ll, gmu, galpha, gbeta)``; ``ll`` is
    ``-inf`` when an intensity is not positive."""
    N = times.shape[0]
    K = mu.shape[0]
    U = betas.shape[0]
    R = np.zeros((K, U))
    S = np.zeros(K)
    e = np.zeros(U)
    gmu = np.zeros_like(mu)
    galpha = np.zeros_like(alpha)
    gbeta = 0.0
    ll = 0.0
    tprev = 0.0
    for n in range(N):
        t = times[n]
        i = types[n]
        dt = t - tprev
        for u in range(U):
            e[u] = math.exp(-betas[u] * dt)
        if grad_beta:
            for j in range(K):
                S[j] = e[0] * (S[j] + dt * R[j, 0])
        for j in range(K):
            for u in range(U):
                R[j, u] *= e[u]
        b = bins[n]
        lam = mu[i, b]
        for j in range(K):
            for u in range(U):
                lam += alpha[i, j, u] * betas[u] * R[j, u]
        if not lam > 0.0:
            return -np.inf, gmu, galpha, gbeta
        inv = 1.0 / lam
        ll += math.log(lam)
        gmu[i, b] += inv
        for j in range(K):
            for u in range(U):
                galpha[i, j, u] += betas[u] * R[j, u] * inv
        if grad_beta:
            dl = 0.0
            for j in range(K):
                dl += alpha[i, j, 0] * (R[j, 0] - betas[0] * S[j])
            gbeta += dl * inv
        for u in range(U):
            R[i, u] += 1.0
        tprev = t
    C, D = compensator_terms(times, types, T, K, betas)
    for i in range(K):
        for b in range(mu.shape[1]):
            ll -= mu[i, b] * lengths[b]
            gmu[i, b] -= lengths[b]
        for j in range(K):
            for u in range(U):
                ll -= alpha[i, j, u] * C[j, u]
                galpha[i, j, u] -= C[j, u]
            if grad_beta:
                gbeta -= alpha[i, j, 0] * D[j, 0]
    return ll, gmu, galpha, gbeta


@njit(cache=True, nogil=True)
def branching_sums(times, types, bins, mu, alpha, betas):
    """E-step of the branching-structure EM (Veen & Schoenberg 2008).

    For each event ``n`` in branch ``i`` the probability that it is a background event is
    ``p_n0 = mu / lambda``, and that it was triggered by an earlier event of branch ``j``
    through component ``u`` is ``p_nju = alpha[i,j,u] beta_u R[j,u] / lambda``. Returns
    ``(ll_events, P0, PA, lag)``: ``sum_n log lambda``, ``P0[i, b] = sum p_n0``,
    ``PA[i, j, u] = sum p_nju`` and ``lag = sum_n sum_m p_nm (t_n - t_m)`` for U == 1
    (the expected total parent-child delay, used by the decay update).
    """
    N = times.shape[0]
    K = mu.shape[0]
    U = betas.shape[0]
    R = np.zeros((K, U))
    S = np.zeros(K)
    e = np.zeros(U)
    P0 = np.zeros_like(mu)
    PA = np.zeros_like(alpha)
    lag = 0.0
    ll = 0.0
    tprev = 0.0
    for n in range(N):
        t = times[n]
        i = types[n]
        dt = t - tprev
        for u in range(U):
            e[u] = math.exp(-betas[u] * dt)
        for j in range(K):
            S[j] = e[0] * (S[j] + dt * R[j, 0])
            for u in range(U):
                R[j, u] *= e[u]
        b = bins[n]
        lam = mu[i, b]
        for j in range(K):
            for u in range(U):
                lam += alpha[i, j, u] * betas[u] * R[j, u]
        if not lam > 0.0:
            return -np.inf, P0, PA, lag
        inv = 1.0 / lam
        ll += math.log(lam)
        P0[i, b] += mu[i, b] * inv
        for j in range(K):
            for u in range(U):
                PA[i, j, u] += alpha[i, j, u] * betas[u] * R[j, u] * inv
            lag += alpha[i, j, 0] * betas[0] * S[j] * inv
        for u in range(U):
            R[i, u] += 1.0
        tprev = t
    return ll, P0, PA, lag


@njit(cache=True, nogil=True)
def compensator_at_events(times, types, bins, edges, mu, alpha, betas):
    """``Lambda_i(t_n)`` for every branch ``i`` just after each event time ``t_n`` is reached
    (before the jump of event ``n``), as an (N, K) array; O(N*K*K*U)."""
    N = times.shape[0]
    K = mu.shape[0]
    U = betas.shape[0]
    B = mu.shape[1]
    # cumulative background integral at each period start
    cum = np.zeros((K, B))
    for i in range(K):
        for b in range(1, B):
            cum[i, b] = cum[i, b - 1] + mu[i, b - 1] * (edges[b] - edges[b - 1])
    R = np.zeros((K, U))
    excit = np.zeros(K)
    out = np.zeros((N, K))
    e = np.zeros(U)
    tprev = 0.0
    for n in range(N):
        t = times[n]
        dt = t - tprev
        for u in range(U):
            e[u] = math.exp(-betas[u] * dt)
        for i in range(K):
            acc = 0.0
            for j in range(K):
                for u in range(U):
                    acc += alpha[i, j, u] * R[j, u] * (1.0 - e[u])
            excit[i] += acc
        for j in range(K):
            for u in range(U):
                R[j, u] *= e[u]
        b = bins[n]
        for i in range(K):
            out[n, i] = cum[i, b] + mu[i, b] * (t - edges[b]) + excit[i]
        for u in range(U):
            R[types[n], u] += 1.0
        tprev = t
    return out


@njit(cache=True, nogil=True)
def excitation_features(times, types, K, betas):
    """For fixed decays: ``G[n, j*U + u] = beta_u R[j, u](n)``, the kernel sum each earlier
    event of branch ``j`` contributes at ``t_n``. Computed once, it makes every later
    likelihood evaluation a row-wise dot product (``lambda_n = mu + alpha[k_n] . G[n]``)."""
    N = times.shape[0]
    U = betas.shape[0]
    R = np.zeros((K, U))
    G = np.empty((N, K * U))
    e = np.zeros(U)
    tprev = 0.0
    for n in range(N):
        dt = times[n] - tprev
        for u in range(U):
            e[u] = math.exp(-betas[u] * dt)
        for j in range(K):
            for u in range(U):
                R[j, u] *= e[u]
                G[n, j * U + u] = betas[u] * R[j, u]
        for u in range(U):
            R[types[n], u] += 1.0
        tprev = times[n]
    return G


@njit(cache=True, nogil=True)
def loglik_grad_fixed(G, types, bins, lengths, mu, alpha2, Cflat):
    """Log-likelihood and gradient for fixed decays from the features ``G``
    (:func:`excitation_features`); ``alpha2`` is alpha reshaped to (K, K*U) and ``Cflat``
    the compensator terms reshaped to (K*U,)."""
    N = G.shape[0]
    K = mu.shape[0]
    P = G.shape[1]
    gmu = np.zeros_like(mu)
    galpha = np.zeros_like(alpha2)
    ll = 0.0
    for n in range(N):
        i = types[n]
        b = bins[n]
        lam = mu[i, b]
        for q in range(P):
            lam += alpha2[i, q] * G[n, q]
        if not lam > 0.0:
            return -np.inf, gmu, galpha
        inv = 1.0 / lam
        ll += math.log(lam)
        gmu[i, b] += inv
        for q in range(P):
            galpha[i, q] += G[n, q] * inv
    for i in range(K):
        for b in range(mu.shape[1]):
            ll -= mu[i, b] * lengths[b]
            gmu[i, b] -= lengths[b]
        for q in range(P):
            ll -= alpha2[i, q] * Cflat[q]
            galpha[i, q] -= Cflat[q]
    return ll, gmu, galpha


@njit(cache=True, nogil=True)
def branching_sums_fixed(G, types, bins, mu, alpha2):
    """E-step sums from the features ``G`` (fixed decays): ``(ll_events, P0, PA2)`` with
    ``PA2`` shaped like ``alpha2``."""
    N = G.shape[0]
    P = G.shape[1]
    P0 = np.zeros_like(mu)
    PA = np.zeros_like(alpha2)
    ll = 0.0
    for n in range(N):
        i = types[n]
        b = bins[n]
        lam = mu[i, b]
        for q in range(P):
            lam += alpha2[i, q] * G[n, q]
        if not lam > 0.0:
            return -np.inf, P0, PA
        inv = 1.0 / lam
        ll += math.log(lam)
        P0[i, b] += mu[i, b] * inv
        for q in range(P):
            PA[i, q] += alpha2[i, q] * G[n, q] * inv
    return ll, P0, PA


@njit(cache=True, nogil=True)
def loglik_grad_exp1(times, types, bins, T, lengths, mu, alpha2, beta):
    """:func:`loglik_grad` specialised to one exponential (``alpha2`` is (K, K)) with the
    gradient in ``beta``; fused loops, about twice as fast. Returns
    ``(ll, gmu, galpha2, gbeta)``."""
    N = times.shape[0]
    K = mu.shape[0]
    R = np.zeros(K)
    S = np.zeros(K)
    gmu = np.zeros_like(mu)
    galpha = np.zeros_like(alpha2)
    gbeta = 0.0
    ll = 0.0
    tprev = 0.0
    for n in range(N):
        t = times[n]
        i = types[n]
        dt = t - tprev
        e = math.exp(-beta * dt)
        b = bins[n]
        exc = 0.0
        dl = 0.0
        for j in range(K):
            S[j] = e * (S[j] + dt * R[j])
            R[j] *= e
            a = alpha2[i, j]
            exc += a * R[j]
            dl += a * (R[j] - beta * S[j])
        lam = mu[i, b] + beta * exc
        if not lam > 0.0:
            return -np.inf, gmu, galpha, gbeta
        inv = 1.0 / lam
        ll += math.log(lam)
        gmu[i, b] += inv
        binv = beta * inv
        for j in range(K):
            galpha[i, j] += R[j] * binv
        gbeta += dl * inv
        R[i] += 1.0
        tprev = t
    # compensator: C[j] = sum (1 - exp(-beta (T - t_n))), D[j] = sum (T - t_n) exp(...)
    C = np.zeros(K)
    D = np.zeros(K)
    for n in range(N):
        d = T - times[n]
        e = math.exp(-beta * d)
        C[types[n]] += 1.0 - e
        D[types[n]] += d * e
    for i in range(K):
        for b in range(mu.shape[1]):
            ll -= mu[i, b] * lengths[b]
            gmu[i, b] -= lengths[b]
        for j in range(K):
            ll -= alpha2[i, j] * C[j]
            galpha[i, j] -= C[j]
            gbeta -= alpha2[i, j] * D[j]
    return ll, gmu, galpha, gbeta
