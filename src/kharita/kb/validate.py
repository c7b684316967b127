"""Validation rules for the knowledge base; each finding names file and line.

Rules (each has a broken fixture in ``tests/kb/fixtures``):

* ``unknown-id``: a relation, territory, claim or dated fact names an entity or
  source id that does not exist;
* ``duplicate-id``: two records in one file share an id;
* ``missing-source``: a record cites no source (also enforced by the schema);
* ``outside-validity``: a relation's validity starts before or ends after the
  validity of one of its endpoints;
* ``overlapping-tenure``: two ``led_by`` tenures of the same organisation overlap
  (beyond the precision of their dates);
* ``future-date``: a date lies after today;
* ``inverted-interval``: a validity ends before it starts;
* ``bad-range``: a claim has neither value nor low/high, or low > high;
* ``missing-start``: an organisational entity (the network's types: organisation,
  directorate, office, province, predecessor) or an organisational relation
  (:data:`DATED_RELATIONS`) has no start date (``valid.from``); a timeless fact would
  put, say, an office into the network of 2005;
* ``part-of-cycle``: ``part_of`` relations form a self-loop or a cycle (whatever
  their dates);
* ``two-parents``: an entity is ``part_of`` two different parents at once, or a
  province is covered (``office_of``) by two offices at once, beyond the precision
  of the dates (a relation ending ``"2019"`` and another starting ``"2019"`` overlap:
  write month or day precision where the sources give it);
* ``duplicate-key``: a YAML mapping repeats a key (YAML keeps only the last value;
  reported by the loader, :mod:`kharita.kb.load`);
* ``limits``: a file over the size, nesting or alias limits (reported by the loader).

Malformed dates and unknown fields are reported by the schema with the same
file:line form.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kharita.kb.dates import FuzzyDate

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase
    from kharita.kb.model import Validity


@dataclass(frozen=True)
class Problem:
    """One validation finding."""

    file: str
    line: int | None
    message: str
    rule: str = "schema"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: [{self.rule}] {self.message}"


def _where(record: Any) -> tuple[str, int | None]:
    return (getattr(record, "file", None) or "<kb>", getattr(record, "line", None))


def _problem(record: Any, rule: str, message: str) -> Problem:
    file, line = _where(record)
    return Problem(file, line, message, rule)


#: Organisational entity types that must carry a start date (the network's types).
DATED_TYPES: tuple[str, ...] = ("organisation", "directorate", "office", "province",
                                "predecessor")
#: Relation types that must carry a start date: formal status, coverage, pledges,
#: affiliation, succession and tenure.
DATED_RELATIONS: tuple[str, ...] = ("part_of", "office_of", "pledged_to", "accepted_by",
                                    "affiliated_with", "split_from", "successor_of",
                                    "led_by")


#: Longest uncertain overlap tolerated between two formal parents or two offices:
#: a handover written at month precision (``to: "2022-03"``, ``from: "2022-03"``).
HANDOVER_DAYS = 31


def _overlap(a: Validity, b: Validity) -> bool:
    """True if ``a`` and ``b`` hold at once: they certainly share a day (each starts,
    at its latest reading, before the other ends at its earliest), or the days they
    may share (lenient reading, as :meth:`Validity.contains`) exceed
    :data:`HANDOVER_DAYS`. So ``to: "2019"`` / ``from: "2019"`` overlap (a whole year
    in doubt) while ``to: "2022-03"`` / ``from: "2022-03"`` is a handover."""
    a_start = a.from_.latest if a.from_ else dt.date.min
    b_start = b.from_.latest if b.from_ else dt.date.min
    a_end = a.to.earliest if a.to else dt.date.max
    b_end = b.to.earliest if b.to else dt.date.max
    if a_start < b_end and b_start < a_end:
        return True
    lo = max(a.from_.earliest if a.from_ else dt.date.min,
             b.from_.earliest if b.from_ else dt.date.min)
    hi = min(a.to.latest if a.to else dt.date.max, b.to.latest if b.to else dt.date.max)
    return hi >= lo and (hi - lo).days + 1 > HANDOVER_DAYS


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every elementary cycle's node list found by depth-first search (one per back
    edge), self-loops included; iterative, so a long chain cannot recurse."""
    out: list[list[str]] = []
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in sorted(edges):
        if root in state:
            continue
        stack: list[tuple[str, list[str]]] = [(root, sorted(edges.get(root, ())))]
        path = [root]
        state[root] = 1
        while stack:
            node, todo = stack[-1]
            if not todo:
                stack.pop()
                path.pop()
                state[node] = 2
                continue
            nxt = todo.pop(0)
            if state.get(nxt) == 1:
                out.append([*path[path.index(nxt):], nxt])
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(edges.get(nxt, ()))))
    return out


def _dates(v: Validity) -> list[FuzzyDate]:
    return [d for d in (v.from_, v.to) if d is not None]


def validate(kb: KnowledgeBase, today: dt.date | None = None) -> list[Problem]:
    """Check ``kb`` against every rule above and return the problems found (empty = valid)."""
    today = today or dt.date.today()
    out: list[Problem] = []
    for kind, ident, rec in kb.duplicates:
        out.append(_problem(rec, "duplicate-id", f"duplicate {kind} id {ident!r}"))

    def check_sources(rec: Any, what: str) -> None:
        if not rec.sources:
            out.append(_problem(rec, "missing-source", f"{what} cites no source"))
        for s in rec.sources:
            if s not in kb.sources:
                out.append(_problem(rec, "unknown-id", f"{what} cites unknown source {s!r}"))

    def check_interval(rec: Any, v: Validity, what: str) -> None:
        for d in _dates(v):
            if d.earliest > today:
                out.append(_problem(rec, "future-date", f"{what}: date {d} is in the future"))
        if v.from_ and v.to and v.to.latest < v.from_.earliest:
            out.append(_problem(rec, "inverted-interval",
                                f"{what}: validity ends ({v.to}) before it starts ({v.from_})"))

    for src in kb.sources.values():
        if src.date.earliest > today:
            out.append(_problem(src, "future-date",
                                f"source {src.id}: date {src.date} is in the future"))

    for e in kb.entities.values():
        check_sources(e, f"entity {e.id}")
        check_interval(e, e.valid, f"entity {e.id}")
        for fact in e.dates:
            for s in fact.sources:
                if s not in kb.sources:
                    out.append(_problem(e, "unknown-id",
                                        f"entity {e.id}: {fact.kind} cites unknown source {s!r}"))
            if fact.date.earliest > today:
                message = f"entity {e.id}: {fact.kind} date {fact.date} is in the future"
                out.append(_problem(e, "future-date", message))

    for r in kb.relations:
        what = f"relation {r.source} -{r.type}-> {r.target}"
        check_sources(r, what)
        check_interval(r, r.valid, what)
        for end in (r.source, r.target):
            ent = kb.entities.get(end)
            if ent is None:
                out.append(_problem(r, "unknown-id", f"{what}: unknown entity {end!r}"))
                continue
            if r.type in ("led_by", "perpetrated_by") and end == r.target:
                continue  # a person's or event's own dates are not a membership interval
            ev, rv = ent.valid, r.valid
            if ev.from_ and rv.from_ and rv.from_.latest < ev.from_.earliest:
                out.append(_problem(r, "outside-validity",
                                    f"{what}: starts {rv.from_} before {end} exists ({ev.from_})"))
            if ev.to and (rv.to is None or rv.to.earliest > ev.to.latest):
                ends = rv.to or "open-ended"
                out.append(_problem(r, "outside-validity",
                                    f"{what}: ends {ends} after {end} ends ({ev.to})"))

    tenures: dict[str, list[Any]] = {}
    for r in kb.relations:
        if r.type == "led_by":
            tenures.setdefault(r.source, []).append(r)
    for org, rels in tenures.items():
        rels.sort(key=lambda r: r.valid.from_.earliest if r.valid.from_ else dt.date.min)
        for a, b in itertools.pairwise(rels):
            a_end = a.valid.to.earliest if a.valid.to else dt.date.max
            b_start = b.valid.from_.latest if b.valid.from_ else dt.date.min
            if b_start < a_end:
                out.append(_problem(b, "overlapping-tenure",
                                    f"leadership of {org}: tenure of {b.target} (from "
                                    f"{b.valid.from_}) overlaps that of {a.target} "
                                    f"(to {a.valid.to or 'open-ended'})"))

    for e in kb.entities.values():
        if e.type in DATED_TYPES and e.valid.from_ is None:
            out.append(_problem(e, "missing-start",
                                f"entity {e.id} ({e.type}) has no start date (valid.from)"))
    for r in kb.relations:
        if r.type in DATED_RELATIONS and r.valid.from_ is None:
            out.append(_problem(r, "missing-start",
                                f"relation {r.source} -{r.type}-> {r.target} has no start "
                                "date (valid.from)"))

    part_of = [r for r in kb.relations if r.type == "part_of"]
    edges: dict[str, set[str]] = {}
    for r in part_of:
        edges.setdefault(r.source, set()).add(r.target)
    first_edge = {(r.source, r.target): r for r in reversed(part_of)}
    for cycle in _cycles(edges):
        rec = first_edge[(cycle[-2], cycle[-1])]
        kind = "self-loop" if len(cycle) == 2 else "cycle"
        out.append(_problem(rec, "part-of-cycle",
                            f"part_of {kind}: {' -> '.join(cycle)}"))

    for rel_type, key, what in (("part_of", "source", "formal parents"),
                                ("office_of", "target", "offices")):
        by_child: dict[str, list[Any]] = {}
        for r in kb.relations:
            if r.type == rel_type:
                by_child.setdefault(getattr(r, key), []).append(r)
        other = "target" if key == "source" else "source"
        for child, rels in by_child.items():
            for a, b in itertools.combinations(rels, 2):
                if getattr(a, other) == getattr(b, other) or not _overlap(a.valid, b.valid):
                    continue
                later = max(a, b, key=lambda r: (r.file or "", r.line or 0))
                out.append(_problem(later, "two-parents",
                                    f"{child} has two {what} at once: "
                                    f"{getattr(a, other)} ({a.valid.from_ or '…'}–"
                                    f"{a.valid.to or ''}) and {getattr(b, other)} "
                                    f"({b.valid.from_ or '…'}–{b.valid.to or ''})"))

    for t in kb.territories:
        what = f"territory {t.entity}/{t.country}"
        check_sources(t, what)
        check_interval(t, t.valid, what)
        if t.entity not in kb.entities:
            out.append(_problem(t, "unknown-id", f"{what}: unknown entity {t.entity!r}"))

    for c in kb.claims:
        what = f"claim {c.id}"
        check_sources(c, what)
        if c.subject not in kb.entities:
            out.append(_problem(c, "unknown-id", f"{what}: unknown subject {c.subject!r}"))
        if c.date.earliest > today:
            out.append(_problem(c, "future-date", f"{what}: date {c.date} is in the future"))
        if c.value is None and (c.low is None or c.high is None):
            out.append(_problem(c, "bad-range", f"{what}: needs a value or both low and high"))
        if c.low is not None and c.high is not None and c.low > c.high:
            out.append(_problem(c, "bad-range", f"{what}: low {c.low} > high {c.high}"))
    return out
