"""Incidents: reports of different datasets that describe one real-world event.

An incident is a connected component of the graph whose nodes are reports and whose
edges are the stored links with a match probability at or above the threshold whose
latest review is not a rejection, plus every pair an analyst confirmed (withdrawn
reports are left out). Components of one report are not stored: an event absent from
``incidents`` is its own incident. The representative report is the best documented
(highest date precision, then geo precision, then source priority ucdp > acled > gtd >
table > gdelt, then event id) and its event id is the incident id.

Because each dataset records an event once, an incident holds at most one report of
each dataset. The links of each pair of datasets are first chosen jointly, as the
maximum-weight one-to-one set (:mod:`kharita.linkage.assignment`); Splink's
one-to-one clustering on the store's engine then joins the chosen links into
incidents (with three or more datasets it also settles the rare chains that would put
two reports of one dataset together).
"""

from __future__ import annotations

import contextlib

from kharita.linkage.assignment import TOP_K, assign_links
from kharita.store.base import Store
from kharita.store.sql import linkage as q

#: The edges kept by the one-to-one assignment.
ASSIGNED_TABLE = "_kh_incident_assigned"


def rebuild_incidents(store: Store, threshold: float) -> int:
    """Replace ``incidents`` from ``event_links`` and ``link_reviews`` at ``threshold``
    (see the module docstring); returns the number of multi-report incidents.

    Runs inside the caller's transaction when there is one (``link_events``,
    ``review_link``); on its own it is not atomic, so wrap it in
    ``store.transaction()``.
    """
    store.create_temp(q.EDGES_TABLE, q.incident_edges_sql(threshold))
    try:
        store.delete("incidents", "TRUE")
        if not store.scalar(q.count_sql(q.EDGES_TABLE)):
            return 0
        store.create_temp(q.NODES_TABLE, q.incident_nodes_sql())
        # the assignment on numbers (ids and dataset labels in the same order), so that
        # millions of edges hold no strings in memory, and on the links it can keep
        # (each report's strongest, found by the engine)
        store.create_temp(q.NODE_IDS_TABLE, q.incident_node_ids_sql())
        edges_df = store.sql(q.candidate_edges_sql(TOP_K))
        store.register(q.ASSIGNED_IDS_TABLE, assign_links(edges_df, threshold))
        del edges_df
        store.create_temp(ASSIGNED_TABLE, q.assigned_edges_sql())
        from splink.internals.one_to_one_clustering import one_to_one_clustering

        api = store.splink_api()
        datasets = [str(r[0]) for r in store.rows(q.node_datasets_sql())]
        nodes = api.register(q.NODES_TABLE)
        edges = api.register(ASSIGNED_TABLE)
        cc = one_to_one_clustering(
            nodes_table=nodes, edges_table=edges, node_id_column_name="event_id",
            source_dataset_column_name="source_dataset", edge_id_column_name_left="event_id_l",
            edge_id_column_name_right="event_id_r", duplicate_free_datasets=datasets,
            ties_method="lowest_id", db_api=api, threshold_match_probability=None)
        try:
            store.append("incidents", q.incidents_from_clusters_sql(cc.physical_name))
        finally:
            with contextlib.suppress(Exception):
                api.delete_tables_created_by_splink_from_db()
        return int(store.scalar(q.incident_summary_sql_n()) or 0)
    finally:
        store.drop_temp(ASSIGNED_TABLE)
        store.drop_temp(q.ASSIGNED_IDS_TABLE)
        store.drop_temp(q.NODE_IDS_TABLE)
        store.drop_temp(q.NODES_TABLE)
        store.drop_temp(q.EDGES_TABLE)
