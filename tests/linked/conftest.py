"""A small store with linked reports: the contract tables of issue 11 (``incidents``,
``event_links``, ``link_reviews``) filled by hand, as :mod:`kharita.linkage` writes them."""

from __future__ import annotations

import json

import pytest

from kharita.store.duckdb import connect

from ..analysis._fixtures import add_event, tiny_kb

CONTRACT = {
    "incidents": "CREATE TABLE IF NOT EXISTS incidents (event_id VARCHAR, incident_id VARCHAR, "
                 "n_reports INTEGER, representative BOOLEAN)",
    "event_links": "CREATE TABLE IF NOT EXISTS event_links (event_id_l VARCHAR, event_id_r "
                   "VARCHAR, match_probability DOUBLE, match_weight DOUBLE, comparisons "
                   "VARCHAR, model_id VARCHAR, linked_at TIMESTAMP)",
    "link_reviews": "CREATE TABLE IF NOT EXISTS link_reviews (event_id_l VARCHAR, event_id_r "
                    "VARCHAR, decision VARCHAR, note VARCHAR, reviewed_at TIMESTAMP)",
}

#: Waterfall terms of the link acled:2 - ucdp:9 (prior -10.5; total 7.25).
TERMS = [{"comparison": "prior", "level": "lambda", "log2_bayes_factor": -10.5},
         {"comparison": "date", "level": "<= 1 day", "log2_bayes_factor": 7.0},
         {"comparison": "distance", "level": "<= 25 km", "log2_bayes_factor": 5.5},
         {"comparison": "fatalities", "level": "overlap", "log2_bayes_factor": 1.25},
         {"comparison": "event_type", "level": "different", "log2_bayes_factor": -1.0},
         {"comparison": "branch", "level": "same", "log2_bayes_factor": 5.0}]


def add_link(con, a, b, prob, weight, terms, model="m1"):
    left, right = sorted((a, b))
    con.execute("INSERT INTO event_links VALUES (?, ?, ?, ?, ?, ?, TIMESTAMP '2026-01-01')",
                [left, right, prob, weight, json.dumps(terms), model])


@pytest.fixture()
def linked(tmp_path):
    """ucdp:9 (IS Sahel, 8 dead) and acled:2 (IS Sahel and/or JNIM, 4 dead) are one
    incident; ucdp:1 (Iraq) stands alone; acled:5 is linked to ucdp:9 below the
    threshold (not in the incident); ucdp:6 is withdrawn."""
    kb = tiny_kb(tmp_path)
    con = connect(tmp_path / "linked.duckdb")
    add_event(con, "ucdp:1", "2015-06-01", fat=10, attributions=(("is-iraq", 1, 1.0),))
    add_event(con, "acled:2", "2019-05-01", country="MLI", admin1="Menaka", lat=15.9,
              lon=2.4, fat=4, source="acled",
              attributions=(("is-sahel", 1, 0.5), ("jnim", 1, 0.5)))
    add_event(con, "ucdp:9", "2019-05-02", country="MLI", admin1="Menaka", lat=15.8,
              lon=2.3, fat=8, attributions=(("is-sahel", 1, 1.0),))
    add_event(con, "acled:5", "2019-05-09", country="MLI", admin1="Menaka", lat=15.0,
              lon=2.0, fat=1, source="acled", attributions=(("is-sahel", 1, 1.0),))
    add_event(con, "ucdp:6", "2019-06-01", country="MLI", admin1="Menaka", lat=15.0,
              lon=2.0, fat=3, attributions=(("is-sahel", 1, 1.0),))
    con.execute("UPDATE events SET withdrawn = TRUE WHERE event_id = 'ucdp:6'")
    con.execute("UPDATE events SET place = 'Inates', actor1_name = 'IS', "
                "actor2_name = 'Civilians' WHERE event_id = 'ucdp:9'")
    for sql in CONTRACT.values():
        con.execute(sql)
    for eid in ("acled:2", "ucdp:9"):
        con.execute("INSERT INTO incidents VALUES (?, 'inc:ucdp:9', 2, ?)",
                    [eid, eid == "ucdp:9"])
    add_link(con, "acled:2", "ucdp:9", 0.9936, 7.25, TERMS)
    add_link(con, "acled:5", "ucdp:9", 0.2, -2.0,
             [{"comparison": "date", "level": "<= 7 days", "log2_bayes_factor": 2.0}])
    con.execute("INSERT INTO link_reviews VALUES ('acled:5', 'ucdp:9', 'reject', 'a week "
                "apart', TIMESTAMP '2026-01-02')")
    yield con, kb
    con.close()
