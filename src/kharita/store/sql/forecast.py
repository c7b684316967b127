"""SQL of the forecasts (see :mod:`kharita.analysis.forecast` for the definitions)."""

from __future__ import annotations

#: Columns of the table registered before :func:`known_from_sql` runs: each network
#: member, the branch its events count towards, and the first day the KB knows the
#: member as part of that branch (``None``: always).
KNOWN_COLUMNS: tuple[str, ...] = ("entity_id", "branch_id", "known_from")


def known_from_sql(frame: str, members: str) -> str:
    """Per frame row (event, branch): the earliest day the KB knows one of the event's
    attributed members as part of the row's branch. Only rows with a date for every
    such member are returned (a member without a dated fact makes the row always known;
    rows whose event has no attribution of its own, e.g. a multi-report incident's id,
    are left out and count as always known)."""
    return f"""
SELECT f.event_id, f.entity_id, CAST(f.date AS DATE) AS date,
       MIN(m.known_from) AS known_from
FROM ({frame}) f
JOIN attributions a ON a.event_id = f.event_id
JOIN {members} m ON m.entity_id = a.entity_id AND m.branch_id = f.entity_id
GROUP BY f.event_id, f.entity_id, CAST(f.date AS DATE)
HAVING NOT BOOL_OR(m.known_from IS NULL)
"""
