"""One-to-one assignment of links between two datasets, solved jointly.

Each dataset records an event once, so between two datasets an incident pairs at most
one report of each. Taking links greedily (each report's best remaining partner)
fails where one dataset holds near-identical neighbours, e.g. UCDP's same dyad at the
same town on consecutive days: a report of the other dataset moved by a day fits the
neighbour as well as its origin, and the greedy choice takes the neighbour's partner
away from it. Here the links of each pair of datasets are chosen together: in every
connected component of the bipartite graph of candidate links, the one-to-one set of
links with the largest total match weight (maximum-weight bipartite matching, solved as
a linear assignment problem by ``scipy.optimize.linear_sum_assignment``; Kuhn 1955,
Crouse 2016). Under the Fellegi-Sunter model (match weights are log-likelihood
ratios, independent across pairs) it is the most likely one-to-one linkage of the two
datasets given the links above the threshold (Jaro 1989 applied this to census
linkage).

Each link's weight is its match weight less ``logit2(threshold)`` (plus a tiny
constant; the match weight, not the probability, which saturates at 1), so
every candidate counts positively and a set of links is preferred over another when
its total evidence beyond the threshold is larger. Pairs an analyst confirmed are kept
outright, and a report with a confirmed partner in a dataset takes no model link to
that dataset (confirmed pairs always win; conflicts among them are left to the
clustering's lowest-id rule).

References
----------
.. [1] Kuhn, H. W. (1955). The Hungarian method for the assignment problem. Naval
   Research Logistics Quarterly 2(1-2), 83-97.
.. [2] Crouse, D. F. (2016). On implementing 2D rectangular assignment algorithms.
   IEEE Transactions on Aerospace and Electronic Systems 52(4), 1679-1696.
.. [3] Jaro, M. A. (1989). Advances in record-linkage methodology as applied to
   matching the 1985 Census of Tampa, Florida. Journal of the American Statistical
   Association 84(406), 414-420.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Match probability of a confirmed pair in the incident graph's edges (model links
#: are capped below it).
CONFIRMED = 1.0
#: Largest component (reports of one dataset x reports of the other) solved as a dense
#: assignment (64 million cells, about 0.5 GB); a larger one is solved again with fewer
#: candidates per report, and with one candidate still too large keeps all its links
#: for the greedy one-to-one clustering.
MAX_DENSE_CELLS = 64_000_000
#: Candidate links of the assignment: a link among the ``TOP_K`` strongest of one of
#: its two reports (weaker ones would join an incident only in a chain of swaps; the
#: cut keeps components small).
TOP_K = 5
_EPS = 1e-9


def _logit2(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=float), 1e-15, 1 - 1e-15)
    return np.log2(q / (1.0 - q))


def _pick(cond: np.ndarray, x: pd.Series, y: pd.Series) -> np.ndarray:
    """``x`` where ``cond`` else ``y``: integers stay integers (numbered nodes, a few
    bytes each), anything else becomes Python objects (not fixed-width strings)."""
    out = np.where(cond, x.to_numpy(), y.to_numpy())
    return out if out.dtype.kind in "iu" else out.astype(object)


def assign_links(edges: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The rows of ``edges`` kept for the incidents (see the module docstring).

    ``edges`` has ``event_id_l``, ``event_id_r``, ``match_probability`` (1.0 for a
    confirmed pair), ``source_dataset_l`` and ``source_dataset_r``, and optionally
    ``match_weight`` (else ``logit2`` of the probability); every row is at or above
    ``threshold``. Returns the confirmed rows and, per pair of datasets, the
    maximum-weight one-to-one set of the other rows, in the input's column order.
    The result does not depend on the rows' order: they are first sorted by their
    ids (two sets of equal total weight, e.g. two swapped partners, are common under
    additive match weights; the solver picks one by the matrix layout), so DuckDB and
    Spark, whose scans return rows in different orders, keep the same links.
    """
    if edges.empty:
        return edges
    edges = edges.sort_values(["event_id_l", "event_id_r", "match_probability"],
                              kind="stable")
    e = edges.reset_index(drop=True)
    confirmed = (e["match_probability"] >= CONFIRMED).to_numpy()
    # orient every row (dataset a < dataset b) so that "left" is one dataset
    swap = (e["source_dataset_l"] > e["source_dataset_r"]).to_numpy()
    ida = _pick(swap, e["event_id_r"], e["event_id_l"])
    idb = _pick(swap, e["event_id_l"], e["event_id_r"])
    dsa = _pick(swap, e["source_dataset_r"], e["source_dataset_l"])
    dsb = _pick(swap, e["source_dataset_l"], e["source_dataset_r"])
    keys = pd.DataFrame({"a": ida, "b": idb, "da": dsa, "db": dsb})
    # a report with a confirmed partner in a dataset takes no model link to it
    conf = keys[confirmed]
    blocked = (set(zip(conf["a"], conf["db"], strict=True))
               | set(zip(conf["b"], conf["da"], strict=True)))
    model = ~confirmed
    if blocked:
        hit = np.fromiter(((a, db) in blocked or (b, da) in blocked for a, b, da, db in
                           zip(ida, idb, dsa, dsb, strict=True)), bool, len(e))
        model &= ~hit
    keep = confirmed.copy()
    mw = _logit2(e["match_probability"].to_numpy())
    if "match_weight" in e:
        mw = np.where(e["match_weight"].notna(), e["match_weight"].astype(float), mw)
    weight = mw - float(_logit2(threshold)) + _EPS
    idx = np.flatnonzero(model)
    if len(idx):
        sub = keys.iloc[idx].assign(w=np.maximum(weight[idx], _EPS), row=idx)
        for _, grp in sub.groupby(["da", "db"], sort=False):
            keep[_matching(grp)] = True
    return edges.iloc[np.flatnonzero(keep)][
        [c for c in edges.columns if c != "match_weight"]]


def _matching(grp: pd.DataFrame, top_k: int | None = None) -> np.ndarray:
    """Rows (``grp.row``) of the maximum-weight one-to-one links of one pair of
    datasets, component by component, among each report's ``top_k`` strongest links
    (:data:`TOP_K`). A component that is a single link is kept as it is; one larger
    than :data:`MAX_DENSE_CELLS` is solved again with fewer candidates per report, and
    with one candidate still too large keeps all its links for the greedy
    clustering."""
    top_k = TOP_K if top_k is None else top_k
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    # candidates: each report's TOP_K strongest links (either end's ranking)
    rank_a = grp.groupby("a")["w"].rank(method="first", ascending=False)
    rank_b = grp.groupby("b")["w"].rank(method="first", ascending=False)
    grp = grp[(rank_a <= top_k) | (rank_b <= top_k)]
    ia, ua = pd.factorize(grp["a"])
    ib, ub = pd.factorize(grp["b"])
    na, nb = len(ua), len(ub)
    graph = coo_matrix((np.ones(len(grp)), (ia, na + ib)), shape=(na + nb, na + nb))
    _, label = connected_components(graph, directed=False)
    comp = label[ia]
    rows = grp["row"].to_numpy()
    w = grp["w"].to_numpy(float)
    deg_a = np.bincount(ia, minlength=na)[ia]
    deg_b = np.bincount(ib, minlength=nb)[ib]
    single = (deg_a == 1) & (deg_b == 1)
    out = [rows[single]]
    rest = np.flatnonzero(~single)
    if len(rest):
        order = rest[np.argsort(comp[rest], kind="stable")]
        cr = comp[order]
        # each report's index within its component (in factorize order), its size
        la, size_a = _local_index(cr, ia[order], na)
        lb, size_b = _local_index(cr, ib[order], nb)
        star = (size_a == 1) | (size_b == 1)
        if star.any():
            # one report on a side: its strongest link (ties: the lowest index on the
            # other side, as the solver takes)
            s_idx = np.flatnonzero(star)
            other = np.where(size_a[s_idx] == 1, lb[s_idx], la[s_idx])
            pick = np.lexsort((other, -w[order][s_idx], cr[s_idx]))
            first = np.r_[True, np.diff(cr[s_idx][pick]) != 0]
            out.append(rows[order][s_idx][pick][first])
        general = np.flatnonzero(~star)
        bounds = np.flatnonzero(np.diff(cr[general])) + 1
        for part_idx in np.split(general, bounds) if len(general) else []:
            part = order[part_idx]
            n_a, n_b = int(size_a[part_idx[0]]), int(size_b[part_idx[0]])
            if n_a * n_b > MAX_DENSE_CELLS:
                out.append(_matching(grp.iloc[part], top_k - 1) if top_k > 1
                           else rows[part])
                continue
            pa, pb = la[part_idx], lb[part_idx]
            r, c = _dense_matching(pa, pb, w[part], n_a, n_b)
            # the chosen cells that are links (a cell without one has weight 0), found
            # by their cell number among the links' (one link per cell)
            cell = pa.astype(np.int64) * n_b + pb
            by_cell = np.argsort(cell, kind="stable")
            want = r.astype(np.int64) * n_b + c
            pos = np.minimum(np.searchsorted(cell, want, sorter=by_cell), len(cell) - 1)
            hit = cell[by_cell[pos]] == want
            out.append(rows[part][by_cell[pos[hit]]])
    return np.concatenate(out).astype(np.int64)


def _dense_matching(pa: np.ndarray, pb: np.ndarray, w: np.ndarray, n_a: int, n_b: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The cells (row on side a, column on side b) of a maximum-weight assignment of the
    dense matrix with ``w`` at (``pa``, ``pb``) and 0 elsewhere:
    ``linear_sum_assignment(m, maximize=True)``, given the negated matrix with its
    shorter side as rows, which the solver then uses as it is (it would otherwise copy
    it to negate or transpose it: same solution, one matrix in memory)."""
    from scipy.optimize import linear_sum_assignment

    if n_a <= n_b:
        m = np.zeros((n_a, n_b))
        m[pa, pb] = -w
        return linear_sum_assignment(m)
    m = np.zeros((n_b, n_a))
    m[pb, pa] = -w
    c, r = linear_sum_assignment(m)
    order = np.argsort(r, kind="stable")
    return r[order], c[order]


def _local_index(comp: np.ndarray, node: np.ndarray, n_nodes: int
                 ) -> tuple[np.ndarray, np.ndarray]:
    """For rows sorted by component: each row's node numbered from 0 within its
    component (in the order of the global node numbers), and the number of nodes of
    the row's component."""
    key = comp.astype(np.int64) * np.int64(n_nodes) + node.astype(np.int64)
    uniq, code = np.unique(key, return_inverse=True)
    comp_of = uniq // np.int64(n_nodes)
    first = np.searchsorted(comp_of, comp, side="left")
    last = np.searchsorted(comp_of, comp, side="right")
    return code - first, last - first


__all__ = ["CONFIRMED", "MAX_DENSE_CELLS", "TOP_K", "assign_links"]
