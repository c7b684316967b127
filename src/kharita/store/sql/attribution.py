"""SQL of attribution (see :mod:`kharita.events.attribute`): replacing the
``attributions`` rows of a run, its report, the actor listing and ``explain``.

Builders with ``by_file=True`` take the ingest file id as their ``?`` parameter(s).
"""

from __future__ import annotations

from kharita.store.sql.common import ident

#: Columns of ``attributions`` in the order the attribution expression yields them.
ATTRIBUTION_FIELDS: tuple[str, ...] = ("event_id", "entity_id", "side", "confidence", "rule",
                                       "kb_version", "match_no", "relation_no",
                                       "territory_no")


def select_all(table: str) -> str:
    """Every row of a table or registered view (to materialise a lookup table)."""
    return f"SELECT * FROM {ident(table)}"


def of_file() -> str:
    """``WHERE`` condition on ``attributions``: the events of one ingested file
    (``?`` = ingest_file_id)."""
    return "event_id IN (SELECT event_id FROM events WHERE ingest_file_id = ?)"


def insert_attributions(query: str) -> str:
    """Append the rows of ``query`` (the attribution expression's SQL)."""
    cols = ", ".join(ATTRIBUTION_FIELDS)
    return f"INSERT INTO attributions ({cols}) SELECT {cols} FROM ({query})"


def count_events(*, by_file: bool = False) -> str:
    return "SELECT count(*) FROM events" + (" WHERE ingest_file_id = ?" if by_file else "")


def _where(by_file: bool) -> str:
    return f" WHERE {of_file()}" if by_file else ""


def _from(table: str, by_file: bool) -> str:
    if table != "attributions" and by_file:
        raise ValueError("by_file selects rows of the attributions table only")
    return f"{ident(table)}{_where(by_file)}"


def count_attributions(*, by_file: bool = False, table: str = "attributions") -> str:
    """One row: attribution rows, distinct attributed events (of ``table``: the
    ``attributions`` table, or a table of new rows with its columns)."""
    return f"SELECT count(*), count(DISTINCT event_id) FROM {_from(table, by_file)}"


def rows_per_rule(*, by_file: bool = False, table: str = "attributions") -> str:
    return (f"SELECT rule, count(*) AS n FROM {_from(table, by_file)} "
            "GROUP BY rule ORDER BY n DESC, rule")


def events_per_entity(*, by_file: bool = False, table: str = "attributions") -> str:
    return ("SELECT entity_id, count(DISTINCT event_id) AS n_events, "
            f"round(avg(confidence), 3) AS mean_confidence FROM {_from(table, by_file)} "
            "GROUP BY entity_id ORDER BY n_events DESC, entity_id")


def actors(*, by_source: bool = False, unresolved: bool = False) -> str:
    """Raw actor names (both sides pooled) with event counts and what they resolved to:
    ``source, actor_name, n_events, entities, rules, mean_confidence``. With
    ``by_source`` the two ``?`` are the source (once per side)."""
    where = " WHERE e.source = ?" if by_source else ""
    return f"""
    WITH s AS (
      SELECT e.event_id, e.source, 1 AS side, e.actor1_name AS actor_name FROM events e{where}
      UNION ALL
      SELECT e.event_id, e.source, 2 AS side, e.actor2_name AS actor_name FROM events e{where}
    ), j AS (
      SELECT s.source, s.actor_name, s.event_id, a.entity_id, a.rule, a.confidence
      FROM s LEFT JOIN attributions a ON a.event_id = s.event_id AND a.side = s.side
      WHERE s.actor_name IS NOT NULL AND s.actor_name <> ''
    )
    SELECT source, actor_name, count(DISTINCT event_id) AS n_events,
           coalesce(string_agg(DISTINCT entity_id, ', ' ORDER BY entity_id), '') AS entities,
           coalesce(string_agg(DISTINCT rule, ', ' ORDER BY rule), '') AS rules,
           round(avg(confidence), 3) AS mean_confidence
    FROM j GROUP BY source, actor_name
    {"HAVING count(entity_id) = 0" if unresolved else ""}
    ORDER BY n_events DESC, source, actor_name
    """


def event_by_id() -> str:
    """The stored event (``?`` = event_id)."""
    return "SELECT * FROM events WHERE event_id = ?"


def ingest_file_path() -> str:
    """Path of an ingested file (``?`` = ingest_file_id)."""
    return "SELECT path FROM ingest_files WHERE ingest_file_id = ?"


def attributions_of_event() -> str:
    """An event's attribution rows, side by side (``?`` = event_id)."""
    return ("SELECT * FROM attributions WHERE event_id = ? ORDER BY side, confidence DESC, "
            "entity_id")
