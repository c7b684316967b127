"""The event store's schema: one table of events in one shape for every dataset.

``events`` follows ``../shared/DESIGN.md``; ``attributions`` links events to KB
entities with the rule and confidence that decided it; ``quarantine`` keeps every
row that could not be used, with its reason; ``filtered`` counts rows left out on
purpose, per reason; ``ingest_files`` accounts for every file read.

Invariant, per file: ``rows_read = rows_stored + rows_quarantined + rows_filtered``.
"""

from __future__ import annotations

from typing import Final

# PRIO-GRID lives in kharita.geo (one definition); re-exported for callers of the schema.
from kharita.geo import priogrid_gid

__all__ = ["ATTRIBUTION_COLUMNS", "DATE_PRECISIONS", "EVENT_COLUMNS", "EVENT_LINK_COLUMNS",
           "EVENT_TYPES", "FILTERED_COLUMNS", "HISTORY_COLUMNS", "INCIDENT_COLUMNS",
           "INGEST_FILE_COLUMNS", "LINK_REVIEW_COLUMNS", "QUARANTINE_COLUMNS",
           "STORED_EVENT_COLUMNS", "TABLES", "priogrid_gid"]

#: Controlled event-type vocabulary every connector maps to (see docs/events.md).
EVENT_TYPES: Final[dict[str, str]] = {
    "battle": "armed clash between organised armed actors (UCDP state-based and non-state; "
              "ACLED Battles; GDELT 19x Fight)",
    "violence_against_civilians": "deliberate violence against civilians (UCDP one-sided; "
                                  "ACLED Violence against civilians)",
    "explosion_remote": "bombing, IED, suicide attack, shelling, air or drone strike "
                        "(ACLED Explosions/Remote violence; GTD bombing/explosion)",
    "armed_assault": "armed assault, assassination or hostage-taking by a non-state actor "
                     "(GTD attack types 1, 2, 4, 5, 6; GDELT 18x Assault)",
    "attack_on_facility": "attack on infrastructure or facility (GTD type 7; GDELT 1823)",
    "strategic_development": "non-violent but relevant event (ACLED Strategic developments)",
    "protest_riot": "protest or riot (ACLED Protests, Riots; GDELT 14x Protest)",
    "other": "anything else the source records",
}

DATE_PRECISIONS: Final = ("day", "week", "month", "year", "unknown")

#: events: column name -> DuckDB type.
EVENT_COLUMNS: Final[dict[str, str]] = {
    "event_id": "VARCHAR",  # "<source>:<source_event_id>"
    "source": "VARCHAR",  # ucdp | acled | gtd | gdelt | synthetic
    "source_version": "VARCHAR",
    "source_event_id": "VARCHAR",
    "date_start": "DATE",
    "date_end": "DATE",
    "date_precision": "VARCHAR",
    "country_iso3": "VARCHAR",
    "country": "VARCHAR",
    "admin1": "VARCHAR",
    "admin2": "VARCHAR",
    "place": "VARCHAR",
    "latitude": "DOUBLE",
    "longitude": "DOUBLE",
    "geo_precision": "INTEGER",
    "priogrid_gid": "INTEGER",
    "event_type": "VARCHAR",
    "source_event_type": "VARCHAR",
    "actor1_name": "VARCHAR",
    "actor2_name": "VARCHAR",
    "actor1_source_id": "VARCHAR",
    "actor2_source_id": "VARCHAR",
    # Further actors on side 1, " | "-joined: GTD gname2/gname3 (second and third
    # perpetrator groups), ACLED assoc_actor_1. Attribution should match them too.
    "actor1_other_names": "VARCHAR",
    "fatalities_best": "INTEGER",
    "fatalities_low": "INTEGER",
    "fatalities_high": "INTEGER",
    "civilian_deaths": "INTEGER",
    "description": "VARCHAR",
    "source_reference": "VARCHAR",
    "synthetic": "BOOLEAN",
    "ingest_file_id": "VARCHAR",
    "ingest_row": "BIGINT",
}

#: The stored ``events`` table: the connector's columns plus the withdrawal mark (set by
#: ingest, never by a connector). An event is identified by ``event_id`` =
#: (source, source_event_id): the table holds one row, the current version, per event.
STORED_EVENT_COLUMNS: Final[dict[str, str]] = {
    **EVENT_COLUMNS,
    # TRUE when a newer full release of the same scope no longer carries the event
    # (see docs/events.md, "Event identity"); NULL otherwise. Withdrawn events are kept
    # but left out of the analysis frame.
    "withdrawn": "BOOLEAN",
    "withdrawn_by": "VARCHAR",  # ingest_file_id of the release that withdrew it
}

#: events_history: every version of an event that is no longer the current one, with
#: the file it came from (``ingest_file_id``) and the file that superseded it.
HISTORY_COLUMNS: Final[dict[str, str]] = {
    **EVENT_COLUMNS,
    "superseded_by": "VARCHAR",  # ingest_file_id of the file whose version won
    # replaced: a later file's version took its place; outdated: the stored version is
    # newer (higher source_version) than this file's; duplicate: the id occurs again
    # later in the same file (the last occurrence wins)
    "history_reason": "VARCHAR",
    "superseded_at": "TIMESTAMP",
}

ATTRIBUTION_COLUMNS: Final[dict[str, str]] = {
    "event_id": "VARCHAR",
    "entity_id": "VARCHAR",  # a KB entity id, e.g. is-west-africa
    "side": "INTEGER",  # 1 or 2: which actor of the event
    "confidence": "DOUBLE",  # in (0, 1]; below 1 when the source is ambiguous
    "rule": "VARCHAR",  # rule ids that decided it, e.g. ucdp-actor-id+territory
    "kb_version": "VARCHAR",
    # ids of what decided it (the text is rendered when read: attribute.render_details):
    "match_no": "INTEGER",  # candidate of the side's actor strings: slot * 1000 + cand_no
    "relation_no": "INTEGER",  # index in kb.relations of the affiliation / label fallback
    "territory_no": "INTEGER",  # index in kb.territories of the territory record
}

QUARANTINE_COLUMNS: Final[dict[str, str]] = {
    "ingest_file_id": "VARCHAR",
    "file": "VARCHAR",
    "row_number": "BIGINT",  # 1-based line/record number in the file
    "field": "VARCHAR",
    "reason": "VARCHAR",
    "raw": "VARCHAR",
}

FILTERED_COLUMNS: Final[dict[str, str]] = {
    "ingest_file_id": "VARCHAR",
    "reason": "VARCHAR",
    "rows": "BIGINT",
}

INGEST_FILE_COLUMNS: Final[dict[str, str]] = {
    # sha256 of the file's bytes; with filters, sha256 of "<bytes' sha256>|<filters>"
    "ingest_file_id": "VARCHAR",
    "path": "VARCHAR",
    "source": "VARCHAR",
    "source_version": "VARCHAR",
    "rows_read": "BIGINT",
    "rows_stored": "BIGINT",
    "rows_quarantined": "BIGINT",
    "rows_filtered": "BIGINT",
    "started_at": "TIMESTAMP",
    "finished_at": "TIMESTAMP",
    "synthetic": "BOOLEAN",
    "content_sha256": "VARCHAR",  # sha256 of the file's bytes
    "filters": "VARCHAR",  # canonical ingest filters, '' when none ("since=...;country=...")
    "rows_replaced": "BIGINT",  # stored rows that replaced an earlier version of the event
    "rows_superseded": "BIGINT",  # stored rows kept only in history (outdated, duplicate)
    "rows_withdrawn": "BIGINT",  # earlier events this (full) release withdrew
    "supersedes": "VARCHAR",  # " | "-joined ingest_file_ids whose versions it replaced
}

#: event_links: scored pairs of reports of two different sources (record linkage,
#: :mod:`kharita.linkage`); ``event_id_l < event_id_r``. ``comparisons`` is Splink's
#: waterfall as JSON: a list of ``{"comparison", "level", "log2_bayes_factor"}``.
EVENT_LINK_COLUMNS: Final[dict[str, str]] = {
    "event_id_l": "VARCHAR",
    "event_id_r": "VARCHAR",
    "match_probability": "DOUBLE",
    "match_weight": "DOUBLE",
    "comparisons": "VARCHAR",
    "model_id": "VARCHAR",
    "linked_at": "TIMESTAMP",
}

#: link_reviews: an analyst's decision on a pair (kept across re-linking).
LINK_REVIEW_COLUMNS: Final[dict[str, str]] = {
    "event_id_l": "VARCHAR",
    "event_id_r": "VARCHAR",
    "decision": "VARCHAR",  # confirm | reject
    "note": "VARCHAR",
    "reviewed_at": "TIMESTAMP",
}

#: incidents: one row per event in a multi-report incident (an event absent from the
#: table is its own incident); see docs/linkage.md for the rule.
INCIDENT_COLUMNS: Final[dict[str, str]] = {
    "event_id": "VARCHAR",
    "incident_id": "VARCHAR",
    "n_reports": "INTEGER",
    "representative": "BOOLEAN",
}

TABLES: Final[dict[str, dict[str, str]]] = {
    "events": STORED_EVENT_COLUMNS,
    "events_history": HISTORY_COLUMNS,
    "attributions": ATTRIBUTION_COLUMNS,
    "quarantine": QUARANTINE_COLUMNS,
    "filtered": FILTERED_COLUMNS,
    "ingest_files": INGEST_FILE_COLUMNS,
    "event_links": EVENT_LINK_COLUMNS,
    "link_reviews": LINK_REVIEW_COLUMNS,
    "incidents": INCIDENT_COLUMNS,
}
