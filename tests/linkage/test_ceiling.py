"""The ceiling of linkage on a planted copy (kharita.linkage.planted.bayes_optimal_pairs):
its likelihoods agree with the generator, and with the generator's model known exactly
it recovers almost every planted pair where the input has no near-identical reports."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kharita.linkage import planted as pl
from kharita.store.base import open_store
from kharita.store.synthetic import insert_synthetic_events


def _events(n: int, fatalities: float) -> pd.DataFrame:
    return pd.DataFrame({
        "event_id": [f"e{i}" for i in range(n)], "date_start": ["2020-05-10"] * n,
        "date_precision": ["day"] * n, "country_iso3": ["NGA"] * n, "admin1": ["Borno"] * n,
        "latitude": [11.8] * n, "longitude": [13.1] * n, "actor1_name": ["IS"] * n,
        "actor2_name": ["Civilians"] * n, "fatalities_best": [fatalities] * n,
        "event_type": ["battle"] * n})


@pytest.mark.parametrize("fatalities", [0.0, 1.0, 2.0, 7.0, 40.0])
def test_fatality_likelihood_is_the_generators(fatalities: float) -> None:
    copy = pl.perturbed_copy(_events(30_000, fatalities), seed=3, drop=0.0, extra=0.0)
    seen = copy.rows["fatalities"].astype(float).value_counts(normalize=True)
    values = np.arange(0, int(fatalities * 1.3) + 3, dtype=float)
    expected = pl._fatality_likelihood(np.full(len(values), fatalities), values)
    assert expected.sum() == pytest.approx(1.0, abs=1e-9)
    observed = seen.reindex(values, fill_value=0.0).to_numpy()
    # 30,000 draws: a frequency's standard error is at most 0.003
    assert np.abs(observed - expected).max() < 0.012, (observed, expected)


def test_date_shift_and_battle_recoding_are_the_generators() -> None:
    rows = pl.perturbed_copy(_events(30_000, 3.0), seed=4, drop=0.0, extra=0.0).rows
    shift = (pd.to_datetime(rows["date"]) - pd.Timestamp("2020-05-10")).dt.days.abs()
    freq = shift.value_counts(normalize=True).sort_index().to_numpy()
    assert np.abs(freq - np.asarray(pl.DAY_SHIFT_P)).max() < 0.012
    assert (rows["event_type"] == "explosion_remote").mean() == pytest.approx(0.2, abs=0.01)


def test_ceiling_is_near_one_without_near_identical_reports(tmp_path) -> None:
    store = open_store(tmp_path / "s.duckdb")
    insert_synthetic_events(store, 3000, seed=5)
    events = store.sql("SELECT * FROM events").sort_values("event_id", ignore_index=True)
    store.close()
    planted = pl.perturbed_copy(events, seed=1, prefix="p")
    found = pl.bayes_optimal_pairs(events, planted)
    truth = set(planted.pairs.items())
    tp = len(found & truth)
    # measured: precision 0.9986, recall 0.9976
    assert tp / len(found) >= 0.99 and tp / len(truth) >= 0.99


def test_ceiling_falls_where_reports_have_twins() -> None:
    # two reports of one dyad at one point, a day apart, with the same fatalities: a copy
    # of one is as likely a copy of the other, and the ceiling links one copy at most
    ev = _events(2, 4.0)
    ev.loc[1, ["event_id", "date_start"]] = ["e1", "2020-05-11"]
    planted = pl.perturbed_copy(ev.iloc[[0]], seed=0, drop=0.0, extra=0.0)
    found = pl.bayes_optimal_pairs(ev, planted)
    assert len(found) == 1
    assert next(iter(found))[1] == "p0"
