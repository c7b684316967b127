"""References to events: landmark events of the KB, and candidate events.

A *landmark event* is a KB entity of type ``landmark_event`` (an attack, the fall
of a town, a leader's death). A sentence refers to it when it contains

1. an event type word (هجوم، هجمات، تفجير، سقوط، مقتل ... / attack, bombing,
   fall, killing ... / attentat, chute ...), possibly with a proclitic ("وهجوم"),
2. a place mention that is one of the event's places (the places the gazetteer
   finds in the event's KB names, aliases and description), and
3. a date mention whose year is the event's year (its ``valid.from`` date),

or when the event's own KB name is mentioned (rule ``name``). A leader's death is
a landmark too: a death word (مقتل، مصرع، وفاة، اغتيال / killing, death, killed) and a
KB person whose ``dates`` record a death, in the same clause, with (if the clause
gives a year) the year of that death (rule ``death-word+person[+year]``; the
reference's ``entity_id`` is the person). A clause with a type word, a place and a
date that matches no landmark event is reported as a *candidate event* with that
place and date.

The reference's span runs from the first to the last of the three mentions.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from kharita.kb.knowledge import KnowledgeBase
from kharita.names import normalize
from kharita.text.gazetteer import Gazetteer
from kharita.text.lexicon import Lexicon
from kharita.text.normalize import View, norm_text
from kharita.text.spans import by_start, in_range

# type word (normalised) -> kharita event type (kharita.events.schema.EVENT_TYPES)
TYPE_WORDS: dict[str, str] = {
    "هجوم": "armed_assault", "هجمات": "armed_assault", "الهجوم": "armed_assault",
    "الهجمات": "armed_assault", "اعتداء": "armed_assault", "اعتداءات": "armed_assault",
    "تفجير": "explosion_remote", "تفجيرات": "explosion_remote", "التفجير": "explosion_remote",
    "انفجار": "explosion_remote", "تفجيري": "explosion_remote", "هجوما": "armed_assault",
    "سقوط": "strategic_development", "معركه": "battle", "معارك": "battle",
    "مقتل": "strategic_development", "اغتيال": "armed_assault",
    "مجزره": "violence_against_civilians",
    "اقتحام": "armed_assault", "حصار": "battle", "تحرير": "strategic_development",
    "attack": "armed_assault", "attacks": "armed_assault", "assault": "armed_assault",
    "bombing": "explosion_remote", "bombings": "explosion_remote", "blast": "explosion_remote",
    "explosion": "explosion_remote", "fall": "strategic_development", "battle": "battle",
    "siege": "battle", "killing": "strategic_development", "death": "strategic_development",
    "massacre": "violence_against_civilians", "shooting": "armed_assault",
    "attentat": "armed_assault", "attentats": "armed_assault", "chute": "strategic_development",
    "bataille": "battle", "mort": "strategic_development",
    "مصرع": "strategic_development", "وفاه": "strategic_development",
    "killed": "strategic_development", "died": "strategic_development",
    # verbs and nouns of news reports of attacks, arrests and strikes (normalised forms;
    # proclitics are removed by the lexicon: "وهاجمت", "فقتل")
    "هاجم": "armed_assault", "هاجمت": "armed_assault", "هاجموا": "armed_assault",
    "قتل": "armed_assault", "قتلت": "armed_assault", "قتلوا": "armed_assault",
    "استهدف": "armed_assault", "استهدفت": "armed_assault", "كمين": "armed_assault",
    "هجومين": "armed_assault", "اشتباكات": "battle", "اشتباك": "battle",
    "غاره": "explosion_remote", "غارات": "explosion_remote", "قصف": "explosion_remote",
    "انفجارا": "explosion_remote", "التفجيرين": "explosion_remote",
    "خطف": "armed_assault", "اختطاف": "armed_assault", "اعتقال": "strategic_development",
    "اعتقلت": "strategic_development", "القبض": "strategic_development",
    "attacked": "armed_assault", "ambushed": "armed_assault", "ambush": "armed_assault",
    "raid": "armed_assault", "abducted": "armed_assault", "kidnapped": "armed_assault",
    "clashes": "battle", "fighting": "battle", "airstrike": "explosion_remote",
    "strike": "explosion_remote", "arrested": "strategic_development",
    "withdrawal": "strategic_development", "beheaded": "violence_against_civilians",
    "massacres": "violence_against_civilians",
}
# type words that announce a death (a leader's death is a landmark: see find_events)
DEATH_WORDS = frozenset({"مقتل", "مصرع", "وفاه", "اغتيال", "killing", "death", "killed",
                         "died", "mort"})


@dataclass
class EventRef:
    """A reference to an event: a KB landmark event (``entity_id``) or a candidate."""

    start: int
    end: int
    text: str
    entity_id: str | None
    status: str  # "landmark" | "candidate"
    rule: str
    event_type: str | None = None
    place: str | None = None
    iso3: str | None = None
    date: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Landmark:
    entity_id: str
    name: str
    year: int | None
    places: frozenset[str]


def landmarks(kb: KnowledgeBase, gaz: Gazetteer) -> list[Landmark]:
    """The KB's landmark events with their year and places."""
    out = []
    for e in kb.entities.values():
        if e.type != "landmark_event":
            continue
        year = e.valid.from_.earliest.year if e.valid.from_ else None
        if year is None and e.dates:
            year = e.dates[0].date.earliest.year
        places: set[str] = set()
        texts = [n for n, _ in e.all_names()] + ([e.description] if e.description else [])
        for t in texts:
            places.update(p.id for _, p in gaz.scan(norm_text(t)))
        out.append(Landmark(e.id, e.names.en, year, frozenset(places)))
    return out


def deaths(kb: KnowledgeBase) -> dict[str, list[str]]:
    """Person id -> the dates of their death recorded in the KB (``dates`` of kind death)."""
    out: dict[str, list[str]] = {}
    for e in kb.entities.values():
        if e.type == "person":
            days = [str(d.date) for d in e.dates if d.kind == "death"]
            if days:
                out[e.id] = days
    return out


@functools.lru_cache(maxsize=1)
def _type_lexicon() -> Lexicon[tuple[str, bool]]:
    lex: Lexicon[tuple[str, bool]] = Lexicon(min_stem=3)
    for word, etype in TYPE_WORDS.items():
        key = normalize(word)
        lex.add(key, (etype, key in DEATH_WORDS))
    return lex


def type_words(view: View) -> list[tuple[int, int, str, bool]]:
    """(start, end, event_type, is_death_word) of event type words in a normalised view."""
    return [(h.start, h.end, *h.payloads[0]) for h in _type_lexicon().scan(view)]


def find_events(text: str, sentences: list[tuple[int, int]], mentions: list[Any],
                marks: list[Landmark], view: View | None = None,
                death_dates: dict[str, list[str]] | None = None,
                published: str | None = None) -> list[EventRef]:
    """Event references in ``text`` given its sentences (or clauses) and its mentions
    (:class:`kharita.text.mentions.Mention`); ``view`` is ``norm_text(text)`` if known.

    Each clause only looks at the type words and mentions that start inside it
    (found by bisection), so the work is linear in the number of mentions.
    ``published`` (ISO date) dates a candidate event whose clause gives no date.
    """
    all_words = type_words(view if view is not None else norm_text(text))
    word_starts = [w[0] for w in all_words]
    death_dates = death_dates or {}
    by_id = {lm.entity_id: lm for lm in marks}
    marks_by_place: dict[str, list[Landmark]] = {}
    for lm in marks:
        for pl in lm.places:
            marks_by_place.setdefault(pl, []).append(lm)
    dates_all, date_starts = by_start(m for m in mentions if m.kind == "date")
    places_all, place_starts = by_start(m for m in mentions if m.kind == "place")
    ents_all, ent_starts = by_start(m for m in mentions if m.kind == "entity")
    out: list[EventRef] = []
    for s, e in sentences:
        words = in_range(all_words, word_starts, s, e)
        if not words:
            continue
        here: list[EventRef] = []
        dates = in_range(dates_all, date_starts, s, e)
        ents = in_range(ents_all, ent_starts, s, e)
        for w in (w for w in words if w[3]):
            for m in ents:
                if m.key not in death_dates:
                    continue
                recorded = death_dates[m.key]
                years = [d for d in dates if any(_year_matches(d, int(r[:4])) for r in recorded)]
                if dates and not years:
                    continue  # a year is given and it is not the year of the recorded death
                d = min(years, key=lambda d: abs(d.start - m.start)) if years else None
                lo = min(w[0], m.start, d.start if d else m.start)
                hi = max(w[1], m.end, d.end if d else m.end)
                here.append(EventRef(lo, hi, text[lo:hi], m.key, "landmark",
                                     "death-word+person" + ("+year" if d else ""),
                                     "strategic_development", None, None, recorded[0],
                                     {"name": f"death of {m.attrs.get('name')}",
                                      "kind": "leader_death", "kb_death_dates": recorded}))
                break
        # places inside an entity name ("U.S. forces" is no place of the event) are
        # already left out; a place right before a force/actor word is a modifier
        places = [p for p in in_range(places_all, place_starts, s, e)
                  if not p.attrs.get("modifier")]
        if not places:
            out.extend(here)
            continue
        used_places: set[int] = set()
        for p in places:
            for lm in marks_by_place.get(p.key, ()):
                years = [d for d in dates if _year_matches(d, lm.year)]
                if not years:
                    continue
                d = min(years, key=lambda d: abs(d.start - p.start))
                w = min(words, key=lambda w: abs(w[0] - p.start))
                lo, hi = min(w[0], p.start, d.start), max(w[1], p.end, d.end)
                if any(r.entity_id == lm.entity_id and r.start < hi and lo < r.end
                       for r in here):
                    continue
                used_places.add(id(p))
                here.append(EventRef(lo, hi, text[lo:hi], lm.entity_id, "landmark",
                                     "type-word+place+year", w[2], p.attrs.get("name"),
                                     p.attrs.get("iso3"), d.key, {"name": lm.name}))
                break
        for w in words:  # at most one candidate per type word: its nearest place and date
            free = [p for p in places if id(p) not in used_places
                    and not any(r.start <= p.start < r.end for r in here)]
            if not free:
                break
            p = min(free, key=lambda p: abs(p.start - w[0]))
            used_places.add(id(p))
            if dates:
                d = min(dates, key=lambda d: abs(d.start - p.start))
                lo, hi = min(w[0], p.start, d.start), max(w[1], p.end, d.end)
                day, rule = d.key, "type-word+place+date"
            elif published is not None:
                lo, hi = min(w[0], p.start), max(w[1], p.end)
                day, rule = published, "type-word+place+publication-date"
            else:
                continue
            here.append(EventRef(lo, hi, text[lo:hi], None, "candidate", rule,
                                 w[2], p.attrs.get("name"), p.attrs.get("iso3"), day))
        out.extend(here)
    refs_by_id: dict[str | None, list[EventRef]] = {}
    for r in out:
        refs_by_id.setdefault(r.entity_id, []).append(r)
    for m in ents_all:
        if m.key in by_id and not any(r.start < m.end and m.start < r.end
                                      for r in refs_by_id.get(m.key, ())):
            ref = EventRef(m.start, m.end, m.text, m.key, "landmark", "name",
                           attrs={"name": by_id[m.key].name})
            out.append(ref)
            refs_by_id.setdefault(m.key, []).append(ref)
    out.sort(key=lambda r: r.start)
    return out


def _year_matches(date_mention: Any, year: int | None) -> bool:
    if year is None:
        return False
    first = int(str(date_mention.key)[:4])
    last = int(str(date_mention.attrs.get("value_end") or first)[:4])
    return first <= year <= last
