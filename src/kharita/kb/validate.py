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
* ``bad-range``: a claim has neither value nor low/high, or low > high.

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
