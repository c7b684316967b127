"""Linkage at scale (kharita.linkage): the blocking rules score exactly the pairs they
promise, and a model trained on a sample of the reports links as well as one trained on
all of them, and the vectorised one-to-one assignment is still a maximum-weight
matching."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kharita.linkage import link_events
from kharita.linkage import model as lm
from kharita.linkage.assignment import TOP_K, assign_links
from kharita.store.base import open_store
from kharita.store.sql import linkage as q
from kharita.store.synthetic import insert_synthetic_events

from .test_linkage import incident_pairs, plant, truth_pairs


@pytest.fixture(scope="module")
def planted_store(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("linkscale")
    store = open_store(tmp / "s.duckdb")
    insert_synthetic_events(store, 3000, seed=11)
    planted = plant(store, tmp)
    yield store, planted, tmp
    store.close()


def _pairs(store, on: str) -> int:
    return int(store.scalar(
        f"SELECT count(*) FROM {q.INPUT_TABLE} l JOIN {q.INPUT_TABLE} r "
        f"ON l.source_dataset < r.source_dataset AND ({on})") or 0)


def test_week_cell_blocking_is_exactly_the_near_pairs(planted_store) -> None:
    store, _, _ = planted_store
    store.create_temp(q.INPUT_TABLE, q.link_input_sql())
    try:
        rules = q.blocking_rules()
        near = (f"l.country = r.country AND "
                f"greatest(l.d0, r.d0) - least(l.d1, r.d1) <= {q.BLOCK_MAX_GAP_DAYS} AND "
                f"abs(l.lat - r.lat) < {q.BLOCK_MAX_DEGREES} AND "
                f"abs(l.lon - r.lon) < {q.BLOCK_MAX_DEGREES}")
        grid = [r for r in rules if "cell_" in r]
        assert len(grid) == 8
        n_near = _pairs(store, near)
        assert n_near > 1000
        # every near pair is found by a week/cell rule, and those rules find no other
        union = " OR ".join(f"({r})" for r in grid)
        assert _pairs(store, f"({near}) AND NOT ({union})") == 0
        assert _pairs(store, f"({union}) AND NOT ({near})") == 0
        assert _pairs(store, union) == n_near
        # (the grids alone reach further)
        bare = " OR ".join(f"(l.country = r.country AND l.{w} = r.{w} AND l.{c} = r.{c})"
                           for w in ("wk_a", "wk_b")
                           for c in ("cell_aa", "cell_ab", "cell_ba", "cell_bb"))
        assert _pairs(store, bare) > n_near
    finally:
        store.drop_temp(q.INPUT_TABLE)


def test_training_sample_is_deterministic_and_nested(planted_store) -> None:
    store, _, _ = planted_store
    store.create_temp(q.INPUT_TABLE, q.link_input_sql())
    try:
        def ids(frac: float) -> set[str]:
            return {str(r[0]) for r in store.rows(
                f"SELECT event_id FROM ({q.source_sample_sql('synthetic', frac)})")}

        half, third = ids(0.5), ids(0.3)
        assert 1300 < len(half) < 1700 and 700 < len(third) < 1100
        assert third < half and ids(0.5) == half
        assert len(ids(1.0)) == 3000
    finally:
        store.drop_temp(q.INPUT_TABLE)


def test_model_trained_on_a_sample_links_as_well(planted_store, monkeypatch) -> None:
    store, planted, _ = planted_store
    truth = truth_pairs(planted)
    full = link_events(store, None)
    found = incident_pairs(store)
    recall_full = len(found & truth) / len(truth)
    precision_full = len(found & truth) / len(found)
    called = []
    monkeypatch.setattr(lm, "TRAIN_MAX_REPORTS", 3000)
    import kharita.linkage.link as link_mod

    real = link_mod._train_on_sample
    monkeypatch.setattr(link_mod, "_train_on_sample",
                        lambda *a: called.append(a) or real(*a))
    sampled = link_events(store, None)
    assert called and sampled.model_id != full.model_id
    assert sampled.pairs_compared == full.pairs_compared
    found = incident_pairs(store)
    assert len(found & truth) / len(truth) >= recall_full - 0.03
    assert len(found & truth) / len(found) >= precision_full - 0.03
    # the sample's scratch views are gone
    left = store.rows("SELECT table_name FROM information_schema.tables "
                      "WHERE table_name LIKE '_kh_link_train%'")
    assert not left


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(1, 40)),
                min_size=1, max_size=30, unique_by=lambda t: (t[0], t[1])))
def test_assignment_is_a_maximum_weight_matching(rows) -> None:
    # stars, single links and general components at once: the kept links are one-to-one
    # and their total weight is the optimum of the whole graph solved densely
    from scipy.optimize import linear_sum_assignment

    edges = pd.DataFrame({
        "event_id_l": [f"a{a}" for a, _, _ in rows], "event_id_r": [f"b{b}" for _, b, _ in rows],
        "match_probability": 0.9, "match_weight": [float(w) for _, _, w in rows],
        "source_dataset_l": "A", "source_dataset_r": "B"})
    out = assign_links(edges, 0.5)
    assert out.event_id_l.is_unique and out.event_id_r.is_unique
    weight = dict(zip(zip(edges.event_id_l, edges.event_id_r, strict=True),
                      edges.match_weight, strict=True))
    got = sum(weight[k] for k in zip(out.event_id_l, out.event_id_r, strict=True))
    m = np.zeros((8, 8))
    for a, b, w in rows:
        m[a, b] = w
    r, c = linear_sum_assignment(m, maximize=True)
    degree_ok = (edges.groupby("event_id_l").size().max() <= TOP_K
                 and edges.groupby("event_id_r").size().max() <= TOP_K)
    if degree_ok:  # (beyond TOP_K links per report the candidates are cut)
        assert got == pytest.approx(float(m[r, c].sum()))


@pytest.fixture(scope="module")
def mixed_store(tmp_path_factory):
    """Synthetic reports and a planted copy, some of them spanning several days (day
    precision with a later end), of week or month precision, coarse (radius 150 km) or
    without coordinates: every blocking rule has pairs."""
    tmp: Path = tmp_path_factory.mktemp("linkmixed")
    store = open_store(tmp / "s.duckdb")
    insert_synthetic_events(store, 1500, seed=5)
    plant(store, tmp)
    for mod, sql in (
            (7, "date_end = date_start + 2"),
            (11, "date_precision = 'week', date_end = date_start + 6"),
            (13, "date_precision = 'month', date_end = date_start + 29"),
            (17, "geo_precision = 4"),
            (19, "latitude = NULL, longitude = NULL")):
        store.execute(f"UPDATE events SET {sql} WHERE hash(event_id) % {mod} = 0")
    yield store
    store.close()


def test_scored_pairs_are_exactly_the_blocking_rules_pairs(mixed_store) -> None:
    # the integer-keyed join finds every pair of two datasets for which a blocking rule
    # holds (what Splink's blocking gave), once, and no other
    store = mixed_store
    store.create_temp(q.INPUT_TABLE, q.link_input_sql())
    try:
        store.create_temp(q.PAIRS_TABLE, q.link_pairs_sql())
        got = store.rows(f"SELECT rid_l, rid_r FROM {q.PAIRS_TABLE}")
        assert len(got) == len(set(got))
        union = " OR ".join(f"coalesce(({r}), FALSE)" for r in q.blocking_rules())
        want = store.rows(f"SELECT l.rid, r.rid FROM {q.INPUT_TABLE} l "
                          f"JOIN {q.INPUT_TABLE} r ON l.ds < r.ds AND ({union})")
        assert set(got) == set(want)
        # every kind of rule contributes
        for rule in q.blocking_rules()[8:]:
            assert _pairs(store, rule) > 0, rule
        spans = store.scalar(f"SELECT count(*) FROM {q.INPUT_TABLE} "
                             "WHERE day_precise AND d1 > d0")
        assert spans and len(got) > 1000
    finally:
        store.drop_temp(q.PAIRS_TABLE)
        store.drop_temp(q.INPUT_TABLE)


def test_scores_are_splinks_predictions(mixed_store) -> None:
    # the links scored in SQL are Splink's prediction of the same model on the same
    # pairs: same pairs, weights and probabilities, and the waterfall adds up
    import json

    from splink import Linker

    from kharita.linkage import stored_model

    store = mixed_store
    link_events(store, None)
    ours = {(r[0], r[1]): (r[2], r[3], r[4]) for r in store.rows(
        "SELECT event_id_l, event_id_r, match_probability, match_weight, comparisons "
        "FROM event_links")}
    model = stored_model(store)
    assert model is not None and len(ours) > 500
    store.create_temp(q.INPUT_TABLE, q.link_input_sql())
    api = store.splink_api()
    try:
        names = [str(r[0]) for r in store.rows(q.input_sources_sql())]
        for i, name in enumerate(names):
            store.create_temp(f"_kh_link_ds{i}", q.source_view_sql(name))
        inputs = [api.register(f"_kh_link_ds{i}", dataset_display_name=name)
                  for i, name in enumerate(names)]
        linker = Linker(inputs, lm.for_dialect(model, "duckdb"), log_level=None)
        pred = linker.inference.predict(threshold_match_probability=0.3,
                                        warning_mode="never").as_pandas_dataframe()
    finally:
        api.delete_tables_created_by_splink_from_db()
        for i in range(2):
            store.drop_temp(f"_kh_link_ds{i}")
        store.drop_temp(q.INPUT_TABLE)
    theirs = {(min(a, b), max(a, b)): (p, w) for a, b, p, w in zip(
        pred.event_id_l, pred.event_id_r, pred.match_probability, pred.match_weight,
        strict=True)}
    assert set(ours) == set(theirs)
    for key, (p, w, comps) in ours.items():
        assert (p, w) == theirs[key]
        terms = json.loads(comps)
        assert sum(t["log2_bayes_factor"] for t in terms) == pytest.approx(w, abs=1e-4)



def test_assignment_candidates_from_the_engine_change_nothing(mixed_store) -> None:
    # the engine's cut to each report's strongest links (and the confirmed pairs) gives
    # the assignment exactly the links it keeps from all of them (with one candidate
    # per report, so that the cut bites on this small store)
    from unittest import mock

    import kharita.linkage.assignment as asg
    from kharita.linkage import review_link

    store = mixed_store
    link_events(store, None)
    top = store.rows("SELECT event_id_l, event_id_r FROM event_links "
                     "ORDER BY match_probability, event_id_l LIMIT 3")
    for a, b in top[:2]:
        review_link(store, a, b, "confirm")
    store.create_temp(q.EDGES_TABLE, q.incident_edges_sql(0.3))
    try:
        store.create_temp(q.NODES_TABLE, q.incident_nodes_sql())
        store.create_temp(q.NODE_IDS_TABLE, q.incident_node_ids_sql())
        full = store.sql(q.numbered_edges_sql())
        cand = store.sql(q.candidate_edges_sql(1))
        assert len(cand) < len(full)

        def kept(edges: pd.DataFrame) -> set[tuple[int, int]]:
            with mock.patch.object(asg, "TOP_K", 1):
                out = assign_links(edges, 0.3)
            return set(zip(out.event_id_l, out.event_id_r, strict=True))

        assert kept(cand) == kept(full)
        confirmed = full[full.match_probability >= 1.0]
        assert len(confirmed) == 2 and kept(confirmed) <= kept(full)
    finally:
        for t in (q.NODE_IDS_TABLE, q.NODES_TABLE, q.EDGES_TABLE):
            store.drop_temp(t)
