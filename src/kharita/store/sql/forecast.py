"""SQL of the forecasts (see :mod:`kharita.analysis.forecast` for the definitions)."""

from __future__ import annotations

#: Columns of the table registered before :func:`known_from_sql` runs: each network
#: member, the branch its events count towards, and the first day the KB knows the
#: member as part of the network there (``NULL``: always).
KNOWN_COLUMNS: tuple[str, ...] = ("entity_id", "branch_id", "known_from")


def known_from_sql(members: str) -> str:
    """Per (event, branch) whose every attribution to a member of that branch has a
    ``known_from`` date: the earliest such date (an event also attributed to a member
    without a date is always known and is not returned)."""
    return f"""
SELECT a.event_id, m.branch_id AS entity_id, MIN(m.known_from) AS known_from
FROM attributions a
JOIN {members} m ON m.entity_id = a.entity_id
WHERE a.event_id IN (SELECT a2.event_id FROM attributions a2 JOIN {members} m2
                     ON m2.entity_id = a2.entity_id WHERE m2.known_from IS NOT NULL)
GROUP BY a.event_id, m.branch_id
HAVING NOT BOOL_OR(m.known_from IS NULL)
"""


#: Columns of :func:`rows_sql`: the frame rows a history needs beyond its counts.
ROW_COLUMNS: tuple[str, ...] = ("event_id", "date", "entity_id", "weight", "country_iso3",
                                "admin1", "fatalities_best")


def rows_sql(frame: str, known: str | None = None) -> str:
    """The frame's ambiguous rows (weight < 1) and, with ``known`` (a table with an
    ``event_id`` column: the rows of :func:`known_from_sql`), every row of those events,
    sorted as :meth:`kharita.analysis.frame.Frame.df` (the rest of the frame is only
    counted, in :func:`kharita.analysis.activity.activity`)."""
    cond = "f.weight < 1"
    if known is not None:
        cond += f" OR f.event_id IN (SELECT k.event_id FROM {known} k)"
    return (f"SELECT {', '.join('f.' + c for c in ROW_COLUMNS)} FROM ({frame}) f "
            f"WHERE {cond} ORDER BY f.date, f.event_id, f.entity_id")
