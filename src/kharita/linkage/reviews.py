"""Reading links and recording an analyst's decisions on them.

A review is data (``link_reviews``): the latest decision on a pair wins, it survives
re-linking, and it is applied whenever incidents are rebuilt (at once by
:func:`review_link`, and on every :func:`kharita.linkage.link_events` run): a confirmed
pair is an edge of the incident graph whatever its probability, a rejected one never.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from kharita.errors import NotFound, UserInputError
from kharita.linkage.incidents import rebuild_incidents
from kharita.linkage.link import stored_threshold
from kharita.store.base import Store
from kharita.store.sql import linkage as q

DECISIONS: tuple[str, ...] = ("confirm", "reject")


def links_frame(store: Store, min_probability: float = 0.0) -> pd.DataFrame:
    """Stored links at or above ``min_probability``, most probable first: both event
    ids, probability, match weight, the latest review, both reports' date, place,
    fatalities and first actor, and the waterfall (``comparisons`` JSON)."""
    p = float(min_probability)
    if not 0.0 <= p <= 1.0 or p != p:
        raise UserInputError(f"min_probability={min_probability!r}: expected 0-1")
    if not store.has_table("event_links"):
        return pd.DataFrame(columns=["event_id_l", "event_id_r", "match_probability"])
    return store.sql(q.links_sql(p))


def event_links_for(store: Store, event_id: str) -> pd.DataFrame:
    """Every link and review of one event: ``other_event_id``, ``match_probability``,
    ``match_weight``, ``comparisons`` (JSON waterfall) and ``review``."""
    if not store.has_table("event_links"):
        return pd.DataFrame(columns=["other_event_id", "match_probability", "match_weight",
                                     "comparisons", "review"])
    return store.sql(q.event_links_sql(), [event_id])


def review_link(store: Store, event_a: str, event_b: str, decision: str,
                note: str = "") -> dict[str, object]:
    """Record ``decision`` (``confirm`` or ``reject``) on the pair and rebuild the
    incidents at the last run's threshold, in one transaction.

    Both events must exist, be current and come from two different datasets (within a
    dataset an event is identified by its id, not linked).
    """
    if decision not in DECISIONS:
        raise UserInputError(f"decision={decision!r}: expected one of {', '.join(DECISIONS)}")
    a, b = sorted((str(event_a), str(event_b)))
    if a == b:
        raise UserInputError(f"{a}: a link needs two different events")
    found = {str(r[0]): (str(r[1]), bool(r[2]))
             for r in store.rows(q.events_exist_sql(), [a, b])}
    for e in (a, b):
        if e not in found:
            raise NotFound(f"no event {e} in the store")
        if found[e][1]:
            raise UserInputError(f"{e} is withdrawn (a newer release no longer has it)")
    if found[a][0] == found[b][0]:
        raise UserInputError(f"{a} and {b} are both from {found[a][0]}: links join reports "
                             "of different datasets")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    threshold = stored_threshold(store)
    with store.transaction():
        store.execute(q.insert_review_sql(), [a, b, decision, note or "", now])
        incidents = rebuild_incidents(store, threshold)
    return {"event_id_l": a, "event_id_r": b, "decision": decision, "note": note,
            "threshold": threshold, "incidents": incidents}
