"""Structure and resilience of the organisation graph (from the KB) on a date.

* Freeman centralisation of degree and betweenness (undirected organisation graph);
* Krackhardt's graph hierarchy (directed reporting graph: ``part_of`` and
  ``office_of`` edges, pointing from the subordinate unit to the superior one);
* resilience curves: the largest connected component (LCC) and the global efficiency
  as nodes are removed at random (averaged over seeds), by degree, by betweenness and
  by a key-player set (Borgatti's KPP-Neg fragmentation, greedy + swap);
* a comparison of two dates.

igraph computes betweenness; the curves hold the graph as a sparse matrix (scipy)
and run components and breadth-first searches in compiled code (scipy, numba).
:func:`resilience_curve_networkx` is the plain networkx implementation the benchmark
compares against.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from kharita.errors import KharitaError

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase

STRATEGIES: tuple[str, ...] = ("random", "degree", "betweenness", "keyplayer")
#: Relations of the directed reporting graph, and whether the edge points upwards as
#: written (``part_of``: unit -> whole) or must be reversed (``office_of``: office ->
#: province, i.e. the province reports to the office).
REPORTING: dict[str, bool] = {"part_of": True, "office_of": False}
#: Above this size betweenness is computed once (initial), not after every step.
RECOMPUTE_MAX_NODES = 1000
#: Above this size efficiency is estimated from sampled source nodes.
EXACT_EFFICIENCY_MAX_NODES = 2000

_KERNELS: dict[str, Any] = {}


def _jit(func: Any) -> Any:
    """``numba.njit(cache=True)``: compiled once and cached next to the module (or in
    numba's user-wide cache directory when the install is read-only); without any
    writable cache location, compiled in each process (``cache=False``), silently."""
    import warnings

    from numba import njit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return njit(cache=True)(func)
        except (RuntimeError, OSError):
            return njit(cache=False)(func)


def _kernels() -> dict[str, Any]:
    """numba-compiled breadth-first searches on a CSR adjacency restricted to the
    surviving nodes (compiled on first use, cached across processes: :func:`_jit`)."""
    if _KERNELS:
        return _KERNELS

    def inverse_distance_sum(indptr: np.ndarray, indices: np.ndarray, alive: np.ndarray,
                             sources: np.ndarray) -> float:
        n = len(indptr) - 1
        dist = np.full(n, -1, dtype=np.int64)
        queue = np.empty(n, dtype=np.int64)
        total = 0.0
        for s in sources:
            if not alive[s]:
                continue
            dist[:] = -1
            dist[s] = 0
            head, tail = 0, 1
            queue[0] = s
            while head < tail:
                u = queue[head]
                head += 1
                du = dist[u]
                for k in range(indptr[u], indptr[u + 1]):
                    v = indices[k]
                    if alive[v] and dist[v] < 0:
                        dist[v] = du + 1
                        total += 1.0 / (du + 1)
                        queue[tail] = v
                        tail += 1
        return total

    def largest_component(indptr: np.ndarray, indices: np.ndarray, alive: np.ndarray) -> int:
        n = len(indptr) - 1
        seen = np.zeros(n, dtype=np.bool_)
        queue = np.empty(n, dtype=np.int64)
        best = 0
        for s in range(n):
            if not alive[s] or seen[s]:
                continue
            seen[s] = True
            head, tail = 0, 1
            queue[0] = s
            while head < tail:
                u = queue[head]
                head += 1
                for k in range(indptr[u], indptr[u + 1]):
                    v = indices[k]
                    if alive[v] and not seen[v]:
                        seen[v] = True
                        queue[tail] = v
                        tail += 1
            best = max(best, tail)
        return best

    _KERNELS["ids"] = _jit(inverse_distance_sum)
    _KERNELS["lcc"] = _jit(largest_component)
    return _KERNELS


def _inverse_distance_sum(indptr: np.ndarray, indices: np.ndarray, sources: np.ndarray,
                          alive: np.ndarray | None = None) -> float:
    """``sum_{s in sources} sum_{t != s reachable} 1 / d(s, t)`` by breadth-first search
    over the ``alive`` nodes of a CSR adjacency."""
    n = len(indptr) - 1
    mask = np.ones(n, dtype=np.bool_) if alive is None else alive
    return float(_kernels()["ids"](np.asarray(indptr, dtype=np.int64),
                                   np.asarray(indices, dtype=np.int64), mask,
                                   np.asarray(sources, dtype=np.int64)))


# -- the graphs ---------------------------------------------------------------------------


def structure_graph(kb: KnowledgeBase, as_of: object) -> nx.Graph:
    """The organisation on ``as_of``: the connected part of
    :func:`kharita.kb.graph.org_graph` that contains the network's root (``is`` in the
    shipped KB, :func:`kharita.kb.network.network_root`; the largest component when the
    root is not in the graph on that date). Entities valid then that have no
    structural relation to the organisation are left out.

    >>> from kharita import load_kb
    >>> g = structure_graph(load_kb(), "2024-06-01")
    >>> "is" in g and nx.is_connected(g)
    True
    """
    from kharita.kb.graph import org_graph
    from kharita.kb.network import network_root

    g = org_graph(kb, as_of)
    if g.number_of_nodes() == 0:
        return g
    root = network_root(kb)
    if root not in g:
        root = max(nx.connected_components(g), key=len).pop()
    keep = nx.node_connected_component(g, root)
    # In the KB's order, not the component set's: networkx's subgraph iterates that set
    # when it is under half the graph, so string hashing would reorder the nodes (and
    # tie breaks, key players and random removal orders) from one process to the next.
    sub = nx.Graph(**g.graph)
    sub.add_nodes_from((n, dict(g.nodes[n])) for n in g if n in keep)
    sub.add_edges_from((u, v, dict(d)) for u, v, d in g.edges(data=True) if u in keep)
    return sub


def reporting_graph(kb: KnowledgeBase, as_of: object) -> nx.DiGraph:
    """Directed reporting graph on ``as_of``: ``part_of`` (unit -> whole) and
    ``office_of`` reversed (province -> office)."""
    from kharita.kb.graph import kb_graph

    multi = kb_graph(kb, as_of, relation_types=tuple(REPORTING))
    d = nx.DiGraph()
    for u, v, data in multi.edges(data=True):
        if REPORTING[data["type"]]:
            d.add_edge(u, v)
        else:
            d.add_edge(v, u)
    return d


# -- centralisation and hierarchy ---------------------------------------------------------


def _import_igraph() -> Any:
    """``igraph``, imported without its matplotlib drawing backend.

    igraph's package import loads ``matplotlib.pyplot`` when matplotlib is installed
    (for ``igraph.plot``, which kharita never calls): 0.4-1.5 s of the brief (issue 16).
    While igraph is imported, ``matplotlib`` is marked missing (``sys.modules`` entry
    ``None``: igraph then installs its placeholder), unless matplotlib is already
    loaded; the mark is removed right after."""
    import sys

    if "igraph" in sys.modules:
        return sys.modules["igraph"]
    block = "matplotlib" not in sys.modules
    if block:
        sys.modules["matplotlib"] = None  # type: ignore[assignment]
    try:
        import igraph
    finally:
        if block and "matplotlib" in sys.modules and sys.modules["matplotlib"] is None:
            del sys.modules["matplotlib"]
    return igraph


def _igraph(g: nx.Graph) -> tuple[Any, list[Any]]:
    ig = _import_igraph()

    nodes = list(g.nodes)
    index = {n: i for i, n in enumerate(nodes)}
    h = ig.Graph(n=len(nodes), edges=[(index[u], index[v]) for u, v in g.edges()
                                      if u != v], directed=False)
    return h, nodes


def degree_centralization(g: nx.Graph) -> float:
    """Freeman degree centralisation of an undirected graph.

    ``C_D = sum_i (d_max - d_i) / ((n - 1)(n - 2))``: 1 for a star, 0 for a ring or
    any regular graph; NaN below 3 nodes.

    >>> degree_centralization(nx.star_graph(5)), degree_centralization(nx.cycle_graph(6))
    (1.0, 0.0)

    References
    ----------
    .. [1] Freeman, L. C. (1978). Centrality in social networks: conceptual
       clarification. Social Networks 1(3), 215-239.
    """
    n = g.number_of_nodes()
    if n < 3:
        return float("nan")
    d = np.array([deg for _, deg in g.degree()], dtype=float)
    return float((d.max() - d).sum() / ((n - 1) * (n - 2)))


def betweenness_centralization(g: nx.Graph) -> float:
    """Freeman betweenness centralisation of an undirected graph.

    ``C_B = sum_i (b_max - b_i) / ((n - 1)^2 (n - 2) / 2)`` with ``b_i`` the
    (unnormalised) betweenness: 1 for a star, 0 for a ring. Computed with igraph.

    >>> betweenness_centralization(nx.star_graph(4)), betweenness_centralization(nx.cycle_graph(5))
    (1.0, 0.0)

    References
    ----------
    .. [1] Freeman, L. C. (1978), as above; Freeman, L. C. (1977). A set of measures of
       centrality based on betweenness. Sociometry 40(1), 35-41.
    """
    n = g.number_of_nodes()
    if n < 3:
        return float("nan")
    h, _ = _igraph(g)
    b = np.array(h.betweenness(directed=False), dtype=float)
    return float((b.max() - b).sum() / ((n - 1) ** 2 * (n - 2) / 2))


def krackhardt_hierarchy(d: nx.DiGraph) -> float:
    """Krackhardt's graph hierarchy of a directed graph.

    ``H = 1 - V / max V``: ``V`` is the number of dyads (unordered pairs) that reach
    each other both ways, ``max V`` the number of dyads with reachability in at least
    one direction. 1 for an out-tree or any acyclic graph, 0 when every reachable pair is
    mutual (a directed cycle); NaN without any reachable pair.

    >>> krackhardt_hierarchy(nx.DiGraph([(1, 0), (2, 0), (3, 1)]))
    1.0
    >>> krackhardt_hierarchy(nx.DiGraph([(0, 1), (1, 2), (2, 0)]))
    0.0

    References
    ----------
    .. [1] Krackhardt, D. (1994). Graph theoretical dimensions of informal
       organizations. In Carley & Prietula (eds), Computational Organization Theory,
       89-111.
    """
    nodes = list(d.nodes)
    if len(nodes) < 2:
        return float("nan")
    index = {n: i for i, n in enumerate(nodes)}
    r = np.zeros((len(nodes), len(nodes)), dtype=bool)
    for n in nodes:
        for m in nx.descendants(d, n):
            r[index[n], index[m]] = True
    np.fill_diagonal(r, False)
    any_dir = r | r.T
    max_v = int(any_dir.sum())
    if max_v == 0:
        return float("nan")
    v = int((r & r.T).sum())
    return 1.0 - v / max_v


def global_efficiency(g: nx.Graph, n_total: int | None = None) -> float:
    """Global efficiency ``E = sum_{i != j} 1/d_ij / (N (N - 1))`` (Latora & Marchiori
    2001), with ``N = n_total`` (default: the graph's own size) so that removed nodes
    count as disconnected.

    >>> global_efficiency(nx.complete_graph(4)), round(global_efficiency(nx.path_graph(3)), 4)
    (1.0, 0.8333)
    """
    n = g.number_of_nodes() if n_total is None else n_total
    if n < 2 or g.number_of_nodes() == 0:
        return 0.0
    h, _ = _igraph(g)
    return _efficiency_exact(h, n)


def _csr(h: Any) -> Any:
    from scipy.sparse import csr_matrix

    n = h.vcount()
    e = np.array(h.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    if len(e) == 0:
        return csr_matrix((n, n))
    rows = np.concatenate([e[:, 0], e[:, 1]])
    cols = np.concatenate([e[:, 1], e[:, 0]])
    return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def _efficiency_exact(h: Any, n_total: int) -> float:
    if h.vcount() < 2:
        return 0.0
    a = _csr(h)
    total = _inverse_distance_sum(a.indptr, a.indices, np.arange(h.vcount()))
    return total / (n_total * (n_total - 1))


# -- key players ----------------------------------------------------------------------------


def fragmentation(g: nx.Graph, removed: Iterable[Any] = ()) -> float:
    """Borgatti's fragmentation of ``g`` after removing ``removed``.

    ``F = 1 - sum_k s_k (s_k - 1) / (n (n - 1))`` over the components ``k`` (sizes
    ``s_k``) of the remaining graph with ``n`` nodes: 0 when connected, 1 when no
    edge is left.

    >>> fragmentation(nx.path_graph(3), [1])
    1.0
    """
    rest = g.subgraph(set(g.nodes) - set(removed))
    n = rest.number_of_nodes()
    if n < 2:
        return 1.0
    sizes = np.array([len(c) for c in nx.connected_components(rest)], dtype=float)
    return float(1 - (sizes * (sizes - 1)).sum() / (n * (n - 1)))


def _frag_ig(h: Any, alive: np.ndarray) -> float:
    sub = h.induced_subgraph(np.nonzero(alive)[0].tolist())
    n = sub.vcount()
    if n < 2:
        return 1.0
    sizes = np.array(sub.connected_components().sizes(), dtype=float)
    return float(1 - (sizes * (sizes - 1)).sum() / (n * (n - 1)))


@dataclass
class KeyPlayers:
    """A KPP-Neg key-player set: the ``k`` nodes whose removal fragments the graph
    most (``fragmentation`` after removal), found by greedy addition and then swaps.
    ``order`` is the greedy order (used for the resilience curve)."""

    nodes: list[Any]
    fragmentation: float
    order: list[Any]
    swaps: int


def key_players(g: nx.Graph, k: int, *, candidates: int | None = None,
                max_swaps: int = 1000) -> KeyPlayers:
    """Key-player set of size ``k`` for the KPP-Neg (fragmentation) criterion.

    Greedy: add, one at a time, the node whose removal most increases the
    fragmentation ``F``; then swap optimisation: replace a member by a non-member
    whenever that increases ``F``, until no swap helps (Borgatti 2006). Large graphs
    can restrict the search to the ``candidates`` nodes of highest degree.

    Examples
    --------
    Two 4-cliques joined through one bridge node: the bridge is the key player.

    >>> g = nx.union(nx.complete_graph(4), nx.complete_graph(range(4, 8)))
    >>> g.add_edges_from([(0, 8), (8, 4)])
    >>> kp = key_players(g, 1)
    >>> kp.nodes, round(kp.fragmentation, 4)
    ([8], 0.5714)

    References
    ----------
    .. [1] Borgatti, S. P. (2006). Identifying sets of key players in a social network.
       Computational and Mathematical Organization Theory 12(1), 21-34.
    """
    nodes = list(g.nodes)
    if k < 0 or k > len(nodes):
        raise KharitaError(f"k={k}: must be between 0 and the number of nodes ({len(nodes)})")
    h, names = _igraph(g)
    n = len(names)
    pool = np.arange(n)
    if candidates is not None and candidates < n:
        deg = np.array(h.degree())
        pool = np.argsort(-deg, kind="stable")[:candidates]
    alive = np.ones(n, dtype=bool)
    order: list[int] = []
    for _ in range(k):
        best, best_f = -1, -1.0
        for v in pool:
            if not alive[v]:
                continue
            alive[v] = False
            f = _frag_ig(h, alive)
            alive[v] = True
            if f > best_f + 1e-12:
                best, best_f = int(v), f
        if best < 0:
            break
        alive[best] = False
        order.append(best)
    current = list(order)
    cur_f = _frag_ig(h, alive) if current else 0.0
    swaps = 0
    improved = True
    while improved and swaps < max_swaps and current:
        improved = False
        for i, u in enumerate(list(current)):
            for v in pool:
                if not alive[v]:
                    continue
                alive[u], alive[v] = True, False
                f = _frag_ig(h, alive)
                if f > cur_f + 1e-12:
                    current[i], cur_f, swaps, improved = int(v), f, swaps + 1, True
                    u = int(v)
                else:
                    alive[u], alive[v] = False, True
                if swaps >= max_swaps:
                    break
    return KeyPlayers([names[i] for i in current], float(cur_f), [names[i] for i in order],
                      swaps)


# -- resilience curves --------------------------------------------------------------------


@dataclass
class _Plan:
    n_remove: int
    steps: int
    per_step: list[int] = field(default_factory=list)


def _plan(n: int, max_fraction: float, steps: int | None) -> _Plan:
    n_remove = math.floor(n * max_fraction)
    n_steps = n_remove if steps is None else min(steps, n_remove)
    if n_steps <= 0:
        return _Plan(0, 0, [])
    cuts = np.round(np.linspace(0, n_remove, n_steps + 1)).astype(int)
    return _Plan(n_remove, n_steps, list(np.diff(cuts)))


def _curve_ig(h: Any, order_fn: Any, plan: _Plan, sources: np.ndarray | None,
              n_total: int) -> list[tuple[int, float, float]]:
    """Remove nodes in batches; after each batch record (removed, lcc, efficiency).

    The graph is held once as a CSR adjacency; each step runs compiled (numba)
    breadth-first searches restricted to the surviving nodes.
    """
    adj = _csr(h).tocsr()
    indptr = np.asarray(adj.indptr, dtype=np.int64)
    indices = np.asarray(adj.indices, dtype=np.int64)
    k = _kernels()
    alive = np.ones(h.vcount(), dtype=np.bool_)
    out = []
    src = np.arange(h.vcount()) if sources is None else np.asarray(sources, dtype=np.int64)
    scale = 1.0 if sources is None else n_total / max(len(sources), 1)

    def measure() -> tuple[float, float]:
        lcc = float(k["lcc"](indptr, indices, alive)) / n_total
        if n_total < 2:
            return lcc, 0.0
        total = float(k["ids"](indptr, indices, alive, src))
        return lcc, total * scale / (n_total * (n_total - 1))

    lcc, eff = measure()
    out.append((0, lcc, eff))
    removed = 0
    for batch in plan.per_step:
        victims = order_fn(alive, batch)
        alive[victims] = False
        removed += len(victims)
        lcc, eff = measure()
        out.append((removed, lcc, eff))
    return out


def resilience_curve(g: nx.Graph, strategy: str = "degree", *, max_fraction: float = 1.0,
                     steps: int | None = None, seeds: int = 10, seed: int = 0,
                     recompute: bool | None = None, efficiency_sources: int = 64,
                     keyplayer_candidates: int | None = None) -> pd.DataFrame:
    """Resilience curve: LCC size and global efficiency as nodes are removed.

    Parameters
    ----------
    g : undirected graph (e.g. :func:`structure_graph`).
    strategy : ``"random"`` (averaged over ``seeds`` orders), ``"degree"``,
        ``"betweenness"`` (highest first) or ``"keyplayer"`` (the greedy KPP-Neg order,
        see :func:`key_players`).
    max_fraction : remove up to this fraction of the nodes.
    steps : number of removal steps (batches); default one node per step.
    recompute : recompute degree/betweenness after each step (default: yes up to
        :data:`RECOMPUTE_MAX_NODES` nodes, else the initial ranking is used); the
        output's ``ranking`` column says which.
    efficiency_sources : above :data:`EXACT_EFFICIENCY_MAX_NODES` nodes the efficiency
        is estimated from BFS out of this many fixed random source nodes.

    Returns
    -------
    pandas.DataFrame[strategy, ranking, step, removed, fraction_removed, lcc, efficiency]
    where ``lcc`` is the largest component's size over the original ``N`` and
    ``efficiency`` is over the original ``N (N - 1)`` pairs.

    Examples
    --------
    >>> c = resilience_curve(nx.star_graph(4), "degree")
    >>> c.lcc.tolist()  # removing the hub first shatters the star
    [1.0, 0.2, 0.2, 0.2, 0.2, 0.0]

    References
    ----------
    .. [1] Albert, R., Jeong, H. & Barabasi, A.-L. (2000). Error and attack tolerance
       of complex networks. Nature 406, 378-382.
    .. [2] Latora, V. & Marchiori, M. (2001). Efficient behavior of small-world
       networks. Physical Review Letters 87(19), 198701.
    """
    if strategy not in STRATEGIES:
        raise KharitaError(f"strategy={strategy!r}: expected one of {', '.join(STRATEGIES)}")
    if not 0 < max_fraction <= 1:
        raise KharitaError(f"max_fraction must be in (0, 1], got {max_fraction}")
    h, names = _igraph(g)
    n = len(names)
    plan = _plan(n, max_fraction, steps)
    rng = np.random.default_rng(seed)
    sources = (None if n <= EXACT_EFFICIENCY_MAX_NODES
               else rng.choice(n, size=min(efficiency_sources, n), replace=False))
    rec = (n <= RECOMPUTE_MAX_NODES) if recompute is None else recompute
    ranking = "recomputed" if rec else "initial"

    adj = _csr(h)

    def by_score(score_fn: Any) -> Any:
        initial = score_fn(h)

        def pick(alive: np.ndarray, k: int) -> np.ndarray:
            if rec:
                idx = np.nonzero(alive)[0]
                s = np.asarray(score_fn(h, idx), dtype=float)
                return idx[np.argsort(-s, kind="stable")[:k]]
            s = np.where(alive, initial, -np.inf)
            return np.argsort(-s, kind="stable")[:k]
        return pick

    def degree_score(x: Any, idx: np.ndarray | None = None) -> np.ndarray:
        if idx is None:
            return np.asarray(adj.sum(axis=1)).ravel()
        mask = np.zeros(adj.shape[0])
        mask[idx] = 1.0
        return np.asarray(adj @ mask).ravel()[idx]  # degree among surviving nodes

    def betweenness_score(x: Any, idx: np.ndarray | None = None) -> np.ndarray:
        sub = x if idx is None else x.induced_subgraph(idx.tolist())
        return np.asarray(sub.betweenness(directed=False), dtype=float)

    runs: list[list[tuple[int, float, float]]] = []
    if strategy == "random":
        ranking = f"random order, mean of {seeds} seeds"
        for _ in range(seeds):
            perm = rng.permutation(n)

            def pick_r(alive: np.ndarray, k: int, perm: np.ndarray = perm) -> np.ndarray:
                return perm[alive[perm]][:k]
            runs.append(_curve_ig(h, pick_r, plan, sources, n))
    elif strategy == "degree":
        runs.append(_curve_ig(h, by_score(degree_score), plan, sources, n))
    elif strategy == "betweenness":
        runs.append(_curve_ig(h, by_score(betweenness_score), plan, sources, n))
    else:
        kp = key_players(g, plan.n_remove, candidates=keyplayer_candidates, max_swaps=0)
        index = {name: i for i, name in enumerate(names)}
        order = np.array([index[v] for v in kp.order], dtype=int)
        rest = np.array([i for i in range(n) if i not in set(order.tolist())], dtype=int)
        order = np.concatenate([order, rest]).astype(int)
        ranking = "greedy KPP-Neg order"

        def pick_k(alive: np.ndarray, k: int) -> np.ndarray:
            return order[alive[order]][:k]
        runs.append(_curve_ig(h, pick_k, plan, sources, n))
    arr = np.array(runs, dtype=float).mean(axis=0)
    df = pd.DataFrame(arr, columns=["removed", "lcc", "efficiency"])
    df.insert(0, "step", range(len(df)))
    df.insert(0, "ranking", ranking)
    df.insert(0, "strategy", strategy)
    df["removed"] = df["removed"].round().astype(int)
    df["fraction_removed"] = df["removed"] / max(n, 1)
    df.attrs["efficiency"] = "exact" if sources is None else (
        f"estimated from {len(sources)} sampled source nodes")
    return df[["strategy", "ranking", "step", "removed", "fraction_removed", "lcc",
               "efficiency"]]


def resilience_curve_networkx(g: nx.Graph, strategy: str = "degree", *,
                              max_fraction: float = 1.0, steps: int | None = None,
                              seed: int = 0, efficiency_sources: int = 64,
                              recompute: bool = True) -> pd.DataFrame:
    """The same curve in plain networkx (degree or random strategy; the benchmark's
    baseline). Same sampled sources and batches as :func:`resilience_curve`."""
    n = g.number_of_nodes()
    nodes = list(g.nodes)
    plan = _plan(n, max_fraction, steps)
    rng = np.random.default_rng(seed)
    sources = (None if n <= EXACT_EFFICIENCY_MAX_NODES
               else [nodes[i] for i in rng.choice(n, size=min(efficiency_sources, n),
                                                  replace=False)])
    perm = [nodes[i] for i in rng.permutation(n)] if strategy == "random" else []
    h = g.copy()

    def measure() -> tuple[float, float]:
        lcc = max((len(c) for c in nx.connected_components(h)), default=0) / n
        srcs = list(h.nodes) if sources is None else [s for s in sources if s in h]
        tot = 0.0
        for s in srcs:
            for d in nx.single_source_shortest_path_length(h, s).values():
                if d > 0:
                    tot += 1.0 / d
        scale = 1.0 if sources is None else n / max(len(sources), 1)
        return lcc, tot * scale / (n * (n - 1))

    rows = [(0, *measure())]
    removed = 0
    initial = dict(g.degree())
    index = {v: i for i, v in enumerate(nodes)}
    for batch in plan.per_step:
        if strategy == "random":
            victims = [v for v in perm if v in h][:batch]
        else:
            deg = dict(h.degree()) if recompute else {v: initial[v] for v in h}
            victims = sorted(deg, key=lambda v: (-deg[v], index[v]))[:batch]
        h.remove_nodes_from(victims)
        removed += len(victims)
        rows.append((removed, *measure()))
    return pd.DataFrame(rows, columns=["removed", "lcc", "efficiency"])


def synthetic_org_graph(n: int, *, seed: int = 0, lateral: float = 0.05) -> nx.Graph:
    """A seeded synthetic organisation graph (labelled synthetic): a hierarchy grown by
    attaching each new unit to an earlier one (preferring units with few subordinates
    near the top), plus ``lateral * n`` random lateral links. For benchmarks and tests.

    >>> g = synthetic_org_graph(100, seed=1)
    >>> g.number_of_nodes(), nx.is_connected(g), g.graph["synthetic"]
    (100, True, True)
    """
    rng = np.random.default_rng(seed)
    g = nx.Graph(synthetic=True)
    g.add_node(0)
    for v in range(1, n):
        # parent: a random earlier node, biased towards early (senior) nodes
        parent = int(min(rng.integers(0, v), rng.integers(0, v)))
        g.add_edge(v, parent)
    for _ in range(int(lateral * n)):
        a, b = rng.integers(0, n, size=2)
        if a != b:
            g.add_edge(int(a), int(b))
    return g


# -- summary and comparison ---------------------------------------------------------------


@dataclass
class StructureSummary:
    """Structural measures of the organisation on one date."""

    as_of: str
    nodes: int
    edges: int
    degree_centralization: float
    betweenness_centralization: float
    hierarchy: float
    efficiency: float
    top_degree: list[tuple[str, int]]
    key_players: list[str]
    key_player_fragmentation: float
    critical_fraction: dict[str, float | None]
    curves: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "curves"}

    def table(self) -> pd.DataFrame:
        """One row of scalar measures."""
        d = self.to_dict()
        d["top_degree"] = ", ".join(f"{a} ({b})" for a, b in self.top_degree)
        d["key_players"] = ", ".join(self.key_players)
        crit = d.pop("critical_fraction")
        for s, v in crit.items():
            d[f"half_lcc_{s}"] = v
        return pd.DataFrame([d])


def _critical(curve: pd.DataFrame) -> float | None:
    """Smallest fraction removed at which the LCC falls to half the nodes or fewer."""
    hit = curve[curve.lcc <= 0.5]
    return None if hit.empty else float(hit.fraction_removed.iloc[0])


def structure(kb: KnowledgeBase, as_of: object, *, k: int = 3, seeds: int = 20,
              seed: int = 0, strategies: Sequence[str] = STRATEGIES) -> StructureSummary:
    """All structural measures of the organisation on ``as_of``.

    Centralisation (degree, betweenness) and efficiency on :func:`structure_graph`;
    Krackhardt hierarchy on :func:`reporting_graph`; the KPP-Neg set of size ``k``;
    resilience curves for ``strategies`` (one node per step, all nodes) and, for each,
    the fraction of nodes whose removal leaves no component with more than half of
    them (``critical_fraction``).

    >>> from kharita import load_kb
    >>> s = structure(load_kb(), "2024-06-01", seeds=3)
    >>> s.key_players[0], s.degree_centralization > 0.5
    ('is', True)
    """
    g = structure_graph(kb, as_of)
    if g.number_of_nodes() == 0:
        raise KharitaError(f"the KB has no organisation graph on {as_of}")
    curves = pd.concat([resilience_curve(g, s, seeds=seeds, seed=seed) for s in strategies],
                       ignore_index=True)
    kp = key_players(g, min(k, g.number_of_nodes()))
    deg = sorted(g.degree(), key=lambda x: (-x[1], x[0]))[:5]
    return StructureSummary(
        as_of=str(as_of), nodes=g.number_of_nodes(), edges=g.number_of_edges(),
        degree_centralization=degree_centralization(g),
        betweenness_centralization=betweenness_centralization(g),
        hierarchy=krackhardt_hierarchy(reporting_graph(kb, as_of)),
        efficiency=global_efficiency(g), top_degree=[(str(a), int(b)) for a, b in deg],
        key_players=[str(x) for x in kp.nodes], key_player_fragmentation=kp.fragmentation,
        critical_fraction={s: _critical(curves[curves.strategy == s]) for s in strategies},
        curves=curves)


def compare_structure(kb: KnowledgeBase, date_a: object, date_b: object,
                      **kwargs: Any) -> pd.DataFrame:
    """The scalar measures of :func:`structure` on two dates side by side (one row per
    measure, one column per date, and the difference ``b - a`` where numeric)."""
    a, b = structure(kb, date_a, **kwargs).table().iloc[0], structure(
        kb, date_b, **kwargs).table().iloc[0]
    rows = []
    for key in a.index:
        if key == "as_of":
            continue
        va, vb = a[key], b[key]
        numeric = (pd.api.types.is_number(va) and pd.api.types.is_number(vb)
                   and not isinstance(va, bool))
        diff = float(vb) - float(va) if numeric else None
        rows.append({"measure": key, str(date_a): va, str(date_b): vb, "change": diff})
    return pd.DataFrame(rows)
