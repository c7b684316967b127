"""One event and why it is attributed where it is (the workbench's "why" view and
``kharita explain`` read the same :func:`kharita.events.attribute.explain`).

:func:`explain` checks that the event exists (:class:`~kharita.errors.NotFound`
otherwise), asks attribution for its explanation (the raw row, every rule that fired,
the territories and affiliation periods considered, the stored attributions, the KB
sources cited) and adds how the event counts in the frame's figures: its branches with
their weights under the frame's filters.
"""

from __future__ import annotations

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


@dataclass
class EventExplanation:
    """An event, its attribution's explanation, and its weights in the frame."""

    why: Explanation
    weights: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def event(self) -> dict[str, Any]:
        """The stored event (column -> value)."""
        return dict(self.why.event)

    @property
    def attributions(self) -> pd.DataFrame:
        """The stored attribution rows (entity, side, confidence, rule, detail, KB)."""
        return self.why.attributions

    def to_dict(self) -> dict[str, Any]:
        out = self.why.to_dict()
        out["weights"] = [{str(k): (None if not isinstance(v, str) and pd.isna(v) else v)
                           for k, v in r.items()} for r in self.weights.to_dict("records")]
        return out


def explain(source: Frame | Store, event_id: str, kb: KnowledgeBase | None = None
            ) -> EventExplanation:
    """Explain one event's attribution; ``source`` is a frame (its store and KB are used,
    and the event's weights under its filters are added) or a store (then ``kb``, default
    the shipped KB).

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
    if not store.scalar(views_sql.event_exists_sql(), [event_id]):
        raise NotFound(f"no event {event_id!r} in the store (ids look like 'ucdp:244424')")
    why = attribution_explain(store, event_id, kb)
    weights = (store.sql(views_sql.event_weights_sql(frame.sql), [event_id])
               if frame is not None else pd.DataFrame())
    return EventExplanation(why, weights)
