"""Linkage recovery on real data (issue 11): the UCDP Nigeria and Syria extracts, and a
planted "other dataset" made from them (dates moved 0-3 days, points 0-25 km,
fatalities changed, actor names in ACLED's style, 30% dropped, 10% unrelated reports
added; kharita.linkage.planted) ingested through the ``table`` connector."""

from __future__ import annotations

import datetime as dt

import pytest

from kharita.events import ingest as ing
from kharita.events.attribute import attribute_store
from kharita.linkage import link_events
from kharita.linkage.planted import bayes_optimal_pairs
from kharita.store.base import open_store
from kharita.store.sql.linkage import incident_count_sql

from .test_linkage import incident_pairs, plant, truth_pairs

pytestmark = [pytest.mark.slow, pytest.mark.shared]

#: Syria from this date (the whole Nigeria file): keeps the test near 20 s.
SYRIA_SINCE = dt.date(2018, 1, 1)


@pytest.fixture(scope="module")
def recovered(shared_data, kb, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("recovery")
    store = open_store(tmp / "r.duckdb")
    ing.ingest_file(store, "ucdp", shared_data / "ucdp-ged" / "conflict_data_nga.csv")
    ing.ingest_file(store, "ucdp", shared_data / "ucdp-ged" / "ucdp_syria_df.csv.gz",
                    since=SYRIA_SINCE)
    planted = plant(store, tmp, seed=11)
    origin = store.sql("SELECT * FROM events WHERE source = 'ucdp'")
    ceiling = bayes_optimal_pairs(origin, planted)
    c_tp = len(ceiling & set(planted.pairs.items()))
    attribute_store(store, kb)
    report = link_events(store, kb)
    truth = truth_pairs(planted)
    found = incident_pairs(store)
    tp = len(found & truth)
    n_ucdp = int(store.scalar("SELECT count(*) FROM events WHERE source = 'ucdp'"))
    n_unrelated = int(planted.rows.origin_event_id.isna().sum())
    figures = {"precision": tp / max(len(found), 1), "recall": tp / len(truth),
               "incidents": int(store.scalar(incident_count_sql())),
               "expected": n_ucdp + n_unrelated, "report": report,
               "ceiling_precision": c_tp / max(len(ceiling), 1),
               "ceiling_recall": c_tp / len(planted.pairs)}
    print(figures)
    yield store, figures
    store.close()


def test_incident_counts_equal_the_original_within_3_percent(recovered) -> None:
    # the true incidents: every UCDP event, plus the unrelated planted reports
    _, f = recovered
    assert abs(f["incidents"] / f["expected"] - 1) <= 0.03, f


def test_planted_pairs_are_mostly_recovered(recovered) -> None:
    # measured: precision 0.85, recall 0.84 on this subset at the default threshold 0.3
    # with the joint one-to-one assignment (0.82 / 0.81 with the greedy choice alone;
    # 0.79 / 0.78 on the whole Syria file; training varies by about 0.005 between
    # runs); the floors catch a regression (test_assignment.py checks the assignment)
    _, f = recovered
    assert f["precision"] >= 0.80 and f["recall"] >= 0.79, f


def test_the_issue_targets_exceed_what_the_planted_copy_allows(recovered) -> None:
    # The most likely linkage knowing the generator's model exactly (the ceiling of
    # every method) recovers 0.899 / 0.899 here: UCDP codes the same dyad at the same
    # place on consecutive days, and a copy moved by a day is then as likely a copy of
    # either report. No linkage can reach the issue's 0.97 / 0.95 on this copy.
    _, f = recovered
    assert f["ceiling_precision"] < 0.97 and f["ceiling_recall"] < 0.95, f


def test_linkage_reaches_most_of_the_ceiling(recovered) -> None:
    # measured: 0.849 / 0.844 of a ceiling of 0.899 / 0.899 (94% of each)
    _, f = recovered
    assert f["precision"] >= 0.9 * f["ceiling_precision"], f
    assert f["recall"] >= 0.88 * f["ceiling_recall"], f


@pytest.mark.xfail(strict=True, reason="issue 11's targets (precision 0.97, recall 0.95) "
                   "are above the ceiling of any linkage on this planted copy (0.90 / "
                   "0.90, test_the_issue_targets_exceed_what_the_planted_copy_allows): "
                   "UCDP codes the same dyad at the same place on consecutive days, and "
                   "a copy moved by a day matches its neighbour as well as its origin "
                   "(docs/linkage.md, limits)")
def test_issue_targets(recovered) -> None:
    _, f = recovered
    assert f["precision"] >= 0.97 and f["recall"] >= 0.95, f
