"""Record linkage across datasets and the incidents it forms (``docs/linkage.md``).

* :func:`link_events`: score pairs of reports of two datasets with a Splink model
  trained without labels, store them in ``event_links``, rebuild ``incidents``.
* :func:`rebuild_incidents`: connected components of links at a threshold, with the
  analyst's confirmed pairs added and rejected ones removed.
* :func:`links_frame`, :func:`event_links_for`: links for review and explanation.
* :func:`review_link`: confirm or reject a pair (kept across re-linking).
"""

from __future__ import annotations

from kharita.linkage.incidents import rebuild_incidents
from kharita.linkage.link import (
    DEFAULT_THRESHOLD,
    LinkReport,
    link_events,
    stored_model,
    stored_threshold,
)
from kharita.linkage.reviews import event_links_for, links_frame, review_link

__all__ = ["DEFAULT_THRESHOLD", "LinkReport", "event_links_for", "link_events", "links_frame",
           "rebuild_incidents", "review_link", "stored_model", "stored_threshold"]
