"""Structure and resilience: centralisation, hierarchy, key players, curves, two dates."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from kharita.analysis.structure import (
    betweenness_centralization,
    compare_structure,
    degree_centralization,
    fragmentation,
    global_efficiency,
    key_players,
    krackhardt_hierarchy,
    reporting_graph,
    resilience_curve,
    resilience_curve_networkx,
    structure,
    structure_graph,
    synthetic_org_graph,
)
from kharita.errors import KharitaError


@pytest.mark.parametrize("n", [4, 7, 12])
def test_freeman_star_and_ring(n):
    star, ring = nx.star_graph(n - 1), nx.cycle_graph(n)
    assert degree_centralization(star) == pytest.approx(1.0)
    assert betweenness_centralization(star) == pytest.approx(1.0)
    assert degree_centralization(ring) == pytest.approx(0.0)
    assert betweenness_centralization(ring) == pytest.approx(0.0)


def test_freeman_path_by_hand():
    # path 0-1-2-3: degrees 1,2,2,1 -> (1+0+0+1)/(3*2) = 1/3
    p = nx.path_graph(4)
    assert degree_centralization(p) == pytest.approx(1 / 3)
    # betweenness 0,2,2,0 -> (2+0+0+2)/(9*2/2) = 4/9
    assert betweenness_centralization(p) == pytest.approx(4 / 9)


def test_krackhardt_hierarchy():
    tree = nx.DiGraph([("a", "top"), ("b", "top"), ("c", "a")])
    assert krackhardt_hierarchy(tree) == 1.0
    cycle = nx.DiGraph([(0, 1), (1, 2), (2, 0)])
    assert krackhardt_hierarchy(cycle) == 0.0
    # 0<->1 and 1->2: dyads with reachability {0,1}, {0,2}, {1,2}; mutual: {0,1} only
    # -> H = 1 - 1/3 (Krackhardt 1994; sna::hierarchy)
    assert krackhardt_hierarchy(nx.DiGraph([(0, 1), (1, 0), (1, 2)])) == pytest.approx(2 / 3)


def test_kpp_neg_two_cliques_and_a_bridge():
    g = nx.union(nx.complete_graph(4), nx.complete_graph(range(4, 8)))
    g.add_edges_from([(0, 8), (8, 4)])
    kp = key_players(g, 1)
    assert kp.nodes == [8]
    assert kp.fragmentation == pytest.approx(1 - 2 * 4 * 3 / (8 * 7))
    assert fragmentation(g, [8]) == pytest.approx(kp.fragmentation)
    assert fragmentation(g, [1]) == 0.0
    # k = 2 on a path of 7: the best pairs (e.g. {2, 4}: {0,1},{3},{5,6}) give
    # F = 1 - (2 + 0 + 2) / (5 * 4); check against brute force over all pairs
    from itertools import combinations

    path = nx.path_graph(7)
    kp2 = key_players(path, 2)
    best = max(fragmentation(path, pair) for pair in combinations(path.nodes, 2))
    assert kp2.fragmentation == pytest.approx(best) == pytest.approx(0.8)


def test_swap_improves_a_poor_greedy_start():
    # greedy picks the hub first; the optimal pair for k=2 may differ -> F never decreases
    g = synthetic_org_graph(60, seed=3)
    greedy = key_players(g, 3, max_swaps=0)
    swapped = key_players(g, 3)
    assert swapped.fragmentation >= greedy.fragmentation - 1e-12


def test_efficiency_and_curves():
    assert global_efficiency(nx.path_graph(3)) == pytest.approx((1 + 1 + 0.5) * 2 / 6)
    star = nx.star_graph(5)
    c = resilience_curve(star, "degree")
    assert c.removed.tolist() == list(range(7))
    assert c.lcc.iloc[1] == pytest.approx(1 / 6) and c.efficiency.iloc[1] == 0.0
    rnd = resilience_curve(star, "random", seeds=50, seed=1)
    # random failure hurts a star far less than the targeted attack, on average
    assert rnd.lcc.iloc[1] > c.lcc.iloc[1]
    assert (np.diff(c.lcc) <= 1e-12).all()
    kp = resilience_curve(star, "keyplayer")
    assert kp.lcc.iloc[1] == pytest.approx(1 / 6)
    with pytest.raises(KharitaError, match="strategy"):
        resilience_curve(star, "alphabetical")


def test_igraph_curve_equals_networkx_baseline():
    g = synthetic_org_graph(400, seed=2)
    fast = resilience_curve(g, "degree", steps=20, max_fraction=0.5)
    slow = resilience_curve_networkx(g, "degree", steps=20, max_fraction=0.5)
    assert fast.removed.tolist() == slow.removed.tolist()
    np.testing.assert_allclose(fast.lcc, slow.lcc)
    np.testing.assert_allclose(fast.efficiency, slow.efficiency, rtol=1e-9)


def test_kb_structure_and_comparison(kb):
    g = structure_graph(kb, "2024-06-01")
    assert "is" in g and nx.is_connected(g)
    d = reporting_graph(kb, "2024-06-01")
    assert d.has_edge("is-somalia", "is-office-karrar") or not d.has_node("is-office-karrar")
    s = structure(kb, "2024-06-01", seeds=3)
    assert s.key_players and 0 <= s.hierarchy <= 1
    assert set(s.curves.strategy) == {"random", "degree", "betweenness", "keyplayer"}
    cmp = compare_structure(kb, "2015-06-01", "2024-06-01", seeds=3)
    assert {"2015-06-01", "2024-06-01", "change"} <= set(cmp.columns)
    nodes = cmp.set_index("measure").loc["nodes"]
    assert nodes["change"] == nodes["2024-06-01"] - nodes["2015-06-01"]


def test_ranking_says_recomputed_or_initial():
    g = synthetic_org_graph(80, seed=5)
    assert set(resilience_curve(g, "betweenness").ranking) == {"recomputed"}
    assert set(resilience_curve(g, "betweenness", recompute=False).ranking) == {"initial"}
    assert resilience_curve(g, "random", seeds=3).ranking.iloc[0].startswith("random")


def test_kernels_compile_without_a_cache_location(monkeypatch):
    """A read-only install with no writable numba cache: the kernels are compiled in the
    process (cache=False) instead of failing."""
    import numba

    from kharita.analysis import structure

    real = numba.njit

    def no_locator(*args, cache=False, **kwargs):
        if cache:
            raise RuntimeError("cannot cache function 'f': no locator available for file")
        return real(*args, **kwargs)

    monkeypatch.setattr(numba, "njit", no_locator)
    f = structure._jit(lambda x: x + 1)
    assert f(1) == 2


def test_structure_does_not_depend_on_string_hashing() -> None:
    # 2015: the network is a fraction of the KB's graph, where networkx's subgraph would
    # iterate the component's set; key players and random removal orders then changed
    # with PYTHONHASHSEED from one process to the next
    import os
    import subprocess
    import sys

    code = ("from kharita import load_kb\n"
            "from kharita.analysis.structure import structure\n"
            "s = structure(load_kb(), '2015-06-01', seeds=5)\n"
            "print(list(s.key_players), s.critical_fraction,\n"
            "      s.curves.round(12).to_csv(index=False))\n")
    outs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outs.add(subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                capture_output=True, text=True).stdout)
    assert len(outs) == 1
