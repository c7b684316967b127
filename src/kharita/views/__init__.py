"""The read model: every figure and table the brief and the workbench show, defined once.

Each function takes an analysis frame (:func:`kharita.analysis.frame.build_frame`: the
store, the KB and one validated :class:`~kharita.analysis.frame.Filters`) and returns a
DataFrame or a dataclass; their SQL lives in :mod:`kharita.store.sql.views`. The brief's
sections and the workbench's pages read only these (and :mod:`kharita.views.kb` for the
knowledge base), so the same store and filters give the same numbers everywhere.

=========================  ===============================================================
:func:`store_info`         counts, sources, files, quarantine, KB versions
:func:`events_page`        a page of the events table (search, sort, paging)
:func:`iter_events`        every row of the events table, in chunks (downloads)
:func:`map_cells`          events per branch and grid cell (and period)
:func:`periods`            first days of the periods holding events
:func:`activity`           events and deaths per period and branch (the analysis' own)
:func:`countries_by_entity` events per branch and country
:func:`explain`            one event and why it is attributed where it is
=========================  ===============================================================

Periods are first days (dates); :func:`period_label` and :func:`period_bounds` convert to
and from the labels shown (``2019``, ``2019-Q3``, ``2019-07``).
"""

from __future__ import annotations

from kharita.views.activity import activity, countries_by_entity, totals_by_branch
from kharita.views.events import (
    MAX_PAGE_SIZE,
    MAX_QUERY_LEN,
    SORTS,
    EventsPage,
    events_page,
    iter_events,
)
from kharita.views.explain import EventExplanation, explain
from kharita.views.maps import map_cells
from kharita.views.periods import FREQS, period_bounds, period_label, period_labels, periods
from kharita.views.store import StoreInfo, store_info

__all__ = [
    "FREQS", "MAX_PAGE_SIZE", "MAX_QUERY_LEN", "SORTS", "EventExplanation", "EventsPage",
    "StoreInfo", "activity", "countries_by_entity", "events_page", "explain", "iter_events",
    "map_cells",
    "period_bounds", "period_label", "period_labels", "periods", "store_info",
    "totals_by_branch",
]
