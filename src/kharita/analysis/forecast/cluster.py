"""Compiled offspring generations of :func:`kharita.analysis.forecast.models.simulate_forward`.

One numba kernel (``cache=True``: compiled once, then loaded from the cache; ``nogil=True``:
it touches no Python object, so the outlook's backtest runs beside the brief's other
threads) that draws every generation of children of a Hawkes cluster process from the
caller's :class:`numpy.random.Generator`. numba's ``Generator`` methods reproduce
NumPy's streams draw by draw (the same algorithms on the same bit generator, whose state
advances in the caller's object), and the kernel draws in exactly the order and number
of the vectorised NumPy version it replaced, so the sample paths are identical bit for
bit (tests/analysis/test_forecast.py compares the two on the same seeds): per
(parent type ``j``, component ``u``) in generation 1 the Poisson numbers of children of
every (replicate, period) cell, then their uniform offsets, exponential delays and
uniform types; in each later generation per ``(j, u)`` the Poisson total, the uniform
parent indices and the uniform types, then the exponential delays of all children.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["offspring_counts"]


@njit(cache=True, nogil=True)
def _grow(a, need):
    if need <= a.shape[0]:
        return a
    out = np.empty(max(need, 2 * a.shape[0]), a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True, nogil=True)
def _type_of(cdf, j, u, K, x):
    """``min(searchsorted(cdf[:, j, u], x, side="right"), K - 1)``: the number of
    entries ``<= x`` of the non-decreasing column."""
    lo, hi = 0, K
    while lo < hi:
        mid = (lo + hi) >> 1
        if cdf[mid, j, u] <= x:
            lo = mid + 1
        else:
            hi = mid
    return min(lo, K - 1)


@njit(cache=True, nogil=True)
def offspring_counts(counts, m_ju, cdf, scales, rng):
    """Counts ``(n * H * K,)`` (flat, C order of ``(n, H, K)``) of the immigrants
    ``counts`` (int ``(n, H, K)``: replicate, period, type) and all their descendants in
    ``[0, H)``: a child of a type-``j`` parent through component ``u`` number
    ``Poisson(m_ju[j, u])`` per parent, is of type ``i`` with probability given by the
    column ``cdf[:, j, u]`` (cumulative) and follows its parent after an exponential delay
    of mean ``scales[u]``; an immigrant of period ``h`` sits uniformly in ``[h, h + 1)``."""
    n, H, K = counts.shape
    U = m_ju.shape[1]
    out = np.empty(n * H * K)
    for s in range(n):
        for h in range(H):
            for k in range(K):
                out[(s * H + h) * K + k] = counts[s, h, k]
    nH = n * H
    gt = np.empty(1024)
    gs = np.empty(1024, np.int64)
    gk = np.empty(1024, np.int64)
    size = 0
    c = np.empty(nH, np.int64)
    # generation 1: children of the immigrants, per (parent type, component)
    for j in range(K):
        for u in range(U):
            m = m_ju[j, u]
            if m <= 0:
                continue
            tot = 0
            for cell in range(nH):
                c[cell] = rng.poisson(counts[cell // H, cell % H, j] * m)
                tot += c[cell]
            if tot == 0:
                continue
            gt = _grow(gt, size + tot)
            gs = _grow(gs, size + tot)
            gk = _grow(gk, size + tot)
            p = size
            for cell in range(nH):
                for _ in range(c[cell]):
                    gt[p] = (cell % H) + rng.random()
                    gs[p] = cell // H
                    p += 1
            for q in range(size, size + tot):
                gt[q] = gt[q] + rng.exponential(scales[u])
            for q in range(size, size + tot):
                gk[q] = _type_of(cdf, j, u, K, rng.random())
            size += tot
    # keep the children inside [0, H) (in order) and count them
    kept = 0
    for q in range(size):
        if gt[q] < H:
            gt[kept], gs[kept], gk[kept] = gt[q], gs[q], gk[q]
            out[(gs[kept] * H + np.int64(gt[kept])) * K + gk[kept]] += 1.0
            kept += 1
    size = kept
    bounds = np.zeros(K + 1, np.int64)
    order = np.empty(1024, np.int64)
    par = np.empty(1024, np.int64)
    kid = np.empty(1024, np.int64)
    comp = np.empty(1024, np.int64)
    while size:
        # the generation's members grouped by type, in order (a stable sort)
        bounds[:] = 0
        for q in range(size):
            bounds[gk[q] + 1] += 1
        for j in range(K):
            bounds[j + 1] += bounds[j]
        order = _grow(order, size)
        fill = bounds[:K].copy()
        for q in range(size):
            order[fill[gk[q]]] = q
            fill[gk[q]] += 1
        P = 0
        for j in range(K):
            nj = bounds[j + 1] - bounds[j]
            if nj == 0:
                continue
            for u in range(U):
                tot = rng.poisson(nj * m_ju[j, u])
                if tot == 0:
                    continue
                par = _grow(par, P + tot)
                kid = _grow(kid, P + tot)
                comp = _grow(comp, P + tot)
                # one array draw (numba's scalar draw allocates an array per call)
                pick = rng.integers(0, nj, tot)
                for q in range(tot):
                    par[P + q] = order[bounds[j] + pick[q]]
                for q in range(P, P + tot):
                    kid[q] = _type_of(cdf, j, u, K, rng.random())
                    comp[q] = u
                P += tot
        if P == 0:
            break
        nt = np.empty(P)
        ns = np.empty(P, np.int64)
        nk = np.empty(P, np.int64)
        kept = 0
        for q in range(P):
            t = gt[par[q]] + rng.exponential(1.0) * scales[comp[q]]
            if t < H:
                nt[kept], ns[kept], nk[kept] = t, gs[par[q]], kid[q]
                out[(ns[kept] * H + np.int64(t)) * K + nk[kept]] += 1.0
                kept += 1
        gt, gs, gk, size = nt, ns, nk, kept
    return out
