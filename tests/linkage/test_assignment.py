"""The one-to-one assignment of links between two datasets
(kharita.linkage.assignment): jointly best, not greedily best."""

from __future__ import annotations

import math

import pandas as pd

from kharita.linkage.assignment import assign_links


def _edges(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame({
        "event_id_l": [a for a, _, _ in rows], "event_id_r": [b for _, b, _ in rows],
        "match_probability": [p for _, _, p in rows],
        "source_dataset_l": ["A"] * len(rows), "source_dataset_r": ["B"] * len(rows)})


def _p(w: float) -> float:
    return 2 ** w / (1 + 2 ** w)


def _kept(df: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(df.event_id_l, df.event_id_r, strict=True))


def test_neighbour_day_is_resolved_jointly() -> None:
    # a1 fits b1 best, but b1 is a2's only good partner: the greedy choice (a1-b1)
    # leaves a2 and b2 alone (total weight 10); the joint choice links both (18)
    e = _edges([("a1", "b1", _p(10)), ("a1", "b2", _p(9)), ("a2", "b1", _p(9))])
    assert _kept(assign_links(e, 0.5)) == {("a1", "b2"), ("a2", "b1")}


def test_match_weight_beats_a_saturated_probability() -> None:
    e = _edges([("a1", "b1", 1 - 1e-12), ("a1", "b2", 1 - 1e-12), ("a2", "b2", _p(5))])
    e["match_weight"] = [40.0, 45.0, 5.0]
    assert _kept(assign_links(e, 0.5)) == {("a1", "b1"), ("a2", "b2")}


def test_one_link_per_report_per_dataset_and_isolated_pairs_kept() -> None:
    e = _edges([("a1", "b1", 0.9), ("a1", "b2", 0.8), ("a3", "b3", 0.6)])
    out = assign_links(e, 0.5)
    assert _kept(out) == {("a1", "b1"), ("a3", "b3")}
    assert list(out.columns) == list(e.columns)


def test_confirmed_pair_wins_and_blocks_model_links() -> None:
    # a1-b2 is confirmed; the model's stronger a1-b1 must not be linked, and b2 takes
    # no other partner of dataset A
    e = _edges([("a1", "b1", _p(20)), ("a1", "b2", 1.0), ("a2", "b2", _p(15)),
                ("a2", "b1", _p(2))])
    assert _kept(assign_links(e, 0.5)) == {("a1", "b2"), ("a2", "b1")}


def test_threshold_shifts_weights_but_keeps_every_candidate_positive() -> None:
    t = 0.8
    e = _edges([("a1", "b1", t), ("a2", "b2", 0.95)])
    assert _kept(assign_links(e, t)) == {("a1", "b1"), ("a2", "b2")}
    assert math.isclose(float(e.match_probability.min()), t)
