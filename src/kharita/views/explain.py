"""One event and why it is attributed where it is, and why it is linked to other
reports (the workbench's "why" view and ``kharita explain`` read the same
:func:`explain`).

:func:`explain` checks that the event exists (:class:`~kharita.errors.NotFound`
otherwise), asks attribution for its explanation (the raw row, every rule that fired,
the territories and affiliation periods considered, the stored attributions, the KB
sources cited) and adds

* its **incident** (the ``incidents`` table of :mod:`kharita.linkage`; an event absent
  from it is its own incident) and the incident's other **reports**;
* every **link** of the event (``event_links``) with its match probability, match
  weight and latest review, and per link the **match weight of each comparison**: the
  terms of Splink's waterfall chart, ``match_weight = prior + sum_j log2 BF_j`` where
  ``BF_j`` is the Bayes factor ``m_j / u_j`` of the level the pair reached on
  comparison ``j`` (Fellegi & Sunter 1969; the prior is the match weight of the
  ``lambda`` probability two random records match). A term the link record does not
  carry as ``prior`` is computed as ``match_weight - sum_j log2 BF_j``;
* how the event counts in the frame's figures: its incident's branches with their
  weights under the frame's filters (when a frame is given).

References
----------
.. [1] Fellegi, I. P. & Sunter, A. B. (1969). A theory for record linkage. JASA 64(328).
.. [2] Linacre, R. et al. Splink: probabilistic record linkage at scale (the waterfall
   chart of match weights), https://moj-analytical-services.github.io/splink/
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from kharita.analysis.frame import Frame
from kharita.errors import NotFound
from kharita.store.sql import views as views_sql

if TYPE_CHECKING:
    from kharita.events.attribute import Explanation
    from kharita.kb.knowledge import KnowledgeBase
    from kharita.store.base import Store

#: Columns of :attr:`EventExplanation.links`.
LINK_COLUMNS: tuple[str, ...] = ("event_id_l", "event_id_r", "other_event_id",
                                 "match_probability", "match_weight", "in_incident",
                                 "decision", "note", "model_id", "linked_at")
#: Columns of :attr:`EventExplanation.comparisons` (one row per waterfall term).
TERM_COLUMNS: tuple[str, ...] = ("other_event_id", "step", "comparison", "level",
                                 "log2_bayes_factor", "cumulative")
PRIOR = "prior"


@dataclass
class EventExplanation:
    """An event, its attribution's explanation, its incident and links, and its
    weights in the frame."""

    why: Explanation
    weights: pd.DataFrame = field(default_factory=pd.DataFrame)
    incident: dict[str, Any] = field(default_factory=dict)
    reports: pd.DataFrame = field(default_factory=pd.DataFrame)
    links: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(LINK_COLUMNS)))
    comparisons: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=list(TERM_COLUMNS)))

    @property
    def event(self) -> dict[str, Any]:
        """The stored event (column -> value)."""
        return dict(self.why.event)

    @property
    def attributions(self) -> pd.DataFrame:
        """The stored attribution rows (entity, side, confidence, rule, detail, KB)."""
        return self.why.attributions

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the explanation by name (``kharita explain --table NAME``)."""
        return {
            "event": pd.DataFrame([{"field": k, "value": v} for k, v in self.event.items()]),
            "attributions": self.attributions.drop(columns=["event_id"], errors="ignore"),
            "rules": self.why.candidates,
            "incident": pd.DataFrame([self.incident]),
            "reports": self.reports,
            "links": self.links,
            "comparisons": self.comparisons,
            "weights": self.weights,
        }

    def to_dict(self) -> dict[str, Any]:
        out = self.why.to_dict()
        out["weights"] = _records(self.weights)
        out["incident"] = self.incident
        out["reports"] = _records(self.reports)
        links = []
        for link in _records(self.links):
            other = link["other_event_id"]
            terms = self.comparisons[self.comparisons.other_event_id == other]
            links.append({**link, "comparisons": _records(terms.drop(
                columns=["other_event_id"]))})
        out["links"] = links
        return out


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): (None if not isinstance(v, (str, list, dict)) and pd.isna(v) else v)
             for k, v in r.items()} for r in df.to_dict("records")]


def waterfall_terms(comparisons: Any, match_weight: Any) -> pd.DataFrame:
    """The waterfall of one link: the prior, then one row per comparison, each with
    its ``log2_bayes_factor`` and the running sum (``cumulative``), ending at the
    link's ``match_weight``.

    ``comparisons`` is the ``event_links.comparisons`` JSON (a list of
    ``{"comparison", "level", "log2_bayes_factor"}``); when it has no ``prior`` term,
    the prior is ``match_weight`` minus the sum of the terms.

    >>> t = waterfall_terms('[{"comparison": "date", "level": "<= 1 day", '
    ...                     '"log2_bayes_factor": 6.5}, {"comparison": "distance", '
    ...                     '"level": "<= 10 km", "log2_bayes_factor": 4.0}]', 2.5)
    >>> t[["comparison", "log2_bayes_factor", "cumulative"]].values.tolist()
    [['prior', -8.0, -8.0], ['date', 6.5, -1.5], ['distance', 4.0, 2.5]]
    """
    if isinstance(comparisons, str):
        try:
            items = json.loads(comparisons) if comparisons.strip() else []
        except json.JSONDecodeError:
            items = []
    else:
        items = list(comparisons or [])
    terms: list[dict[str, Any]] = []
    prior: float | None = None
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("comparison", ""))
        try:
            bf = float(item.get("log2_bayes_factor"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if not math.isfinite(bf):
            continue
        if name.strip().lower() == PRIOR:
            prior = bf
            continue
        level = item.get("level")
        terms.append({"comparison": name, "level": None if level is None else str(level),
                      "log2_bayes_factor": bf})
    try:
        total: float | None = float(match_weight)
    except (TypeError, ValueError):
        total = None
    if total is not None and not math.isfinite(total):
        total = None
    if prior is None:
        prior = (total - sum(t["log2_bayes_factor"] for t in terms)) if total is not None \
            else 0.0
    rows = [{"comparison": PRIOR, "level": "prior match weight", "log2_bayes_factor": prior},
            *terms]
    df = pd.DataFrame(rows, columns=["comparison", "level", "log2_bayes_factor"])
    df.insert(0, "step", range(len(df)))
    df["cumulative"] = df["log2_bayes_factor"].cumsum()
    return df


def explain(source: Frame | Store, event_id: str, kb: KnowledgeBase | None = None
            ) -> EventExplanation:
    """Explain one event's attribution and linkage; ``source`` is a frame (its store and
    KB are used, and the weights of the event's incident under its filters are added)
    or a store (then ``kb``, default the shipped KB).

    Raises :class:`~kharita.errors.NotFound` when the store has no such event.
    """
    from kharita.events.attribute import explain as attribution_explain

    frame = source if isinstance(source, Frame) else None
    store = source.store if isinstance(source, Frame) else source
    if kb is None:
        if frame is not None:
            kb = frame.kb
        else:
            from kharita.kb import load_kb

            kb = load_kb()
    if not store.rows(views_sql.event_exists_sql(), [event_id])[0][0]:
        raise NotFound(f"no event {event_id!r} in the store (ids look like 'ucdp:244424')")
    why = attribution_explain(store, event_id, kb)
    incident, reports = _incident(store, event_id)
    links, terms = _links(store, event_id, set(reports.event_id))
    weights = pd.DataFrame()
    if frame is not None:
        key = incident["incident_id"] if frame.counts_incidents else event_id
        weights = store.sql(views_sql.incident_weights_sql(
            frame.sql_over(frame.base, ("incident_id",))), [key])
    return EventExplanation(why, weights, incident, reports, links, terms)


def _incident(store: Store, event_id: str) -> tuple[dict[str, Any], pd.DataFrame]:
    row = (store.rows(views_sql.event_incident_sql(), [event_id])
           if store.has_table("incidents") else [])
    if row:
        incident_id = str(row[0][0])
        reports = store.sql(views_sql.incident_reports_sql(), [incident_id])
    else:
        incident_id = event_id
        reports = store.sql(views_sql.single_report_sql(), [event_id])
    reports["representative"] = reports["representative"].fillna(False).astype(bool)
    reports["date_start"] = pd.to_datetime(reports["date_start"]).dt.date
    reports.insert(1, "this", reports["event_id"] == event_id)
    rep = reports.loc[reports.representative, "event_id"]
    return ({"incident_id": incident_id, "n_reports": len(reports),
             "representative": str(rep.iloc[0]) if len(rep) else event_id,
             "linked": bool(row)}, reports.reset_index(drop=True))


def _links(store: Store, event_id: str, members: set[str]
           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not store.has_table("event_links"):
        return (pd.DataFrame(columns=list(LINK_COLUMNS)),
                pd.DataFrame(columns=list(TERM_COLUMNS)))
    df = store.sql(views_sql.event_links_sql(reviews=store.has_table("link_reviews")),
                   [event_id, event_id])
    df["other_event_id"] = df.event_id_r.where(df.event_id_l == event_id, df.event_id_l)
    df["in_incident"] = df.other_event_id.isin(members)
    parts = []
    for comps, weight, other in zip(df.comparisons, df.match_weight, df.other_event_id,
                                    strict=True):
        t = waterfall_terms(comps, weight)
        t.insert(0, "other_event_id", str(other))
        parts.append(t)
    terms = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame(columns=list(TERM_COLUMNS)))
    return df[list(LINK_COLUMNS)].reset_index(drop=True), terms[list(TERM_COLUMNS)]
