"""Mentions of KB entities, places, dates and figures, with offsets into the original text.

Rules (each mention records the one that fired in ``rule``):

``name``
    a KB name or alias (any language) as written or after normalisation
    (:mod:`kharita.names`), looked up in ``kb.name_index()``; Latin acronyms
    ("IS", "ISKP") must match letter for letter, other Latin names must start with
    a capital letter.
``clitic:<c>``
    the same after removing an Arabic proclitic ``c`` ("وداعش", "بولاية خراسان").
``branch-pattern``
    "فرع X", "ولاية X", "فرع التنظيم في X", "X branch", "X province", "branch in X",
    "province du X", "État islamique au X", where X is the region of a province,
    read from the KB's own names ("ولاية X", "Islamic State X Province",
    "<network name> في X").
``branch-region-quoted``
    a province's region name alone, in quotation marks, in a sentence that speaks
    of branches or provinces (فرع، فروع، ولاية، ولايات، branch, province ...).
``generic-after-network``
    "التنظيم" (with any proclitic: "للتنظيم", "فالتنظيم") or "the organisation",
    resolved to the network (the root of the KB's network profile, ``is``) only
    when the article has already mentioned the network or one of its parts (an
    entity of :data:`kharita.kb.network.NETWORK_TYPES`); otherwise it is not
    reported.
``gazetteer``
    a place from :mod:`kharita.text.gazetteer`.
``date`` / ``publication-date`` / ``figure``
    see :mod:`kharita.text.dates` and :mod:`kharita.text.figures`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from kharita.kb.knowledge import KnowledgeBase
from kharita.kb.network import NETWORK_TYPES, network_profile
from kharita.names import is_arabic, normalize
from kharita.text.lexicon import Lexicon
from kharita.text.normalize import View
from kharita.text.spans import SpanIndex

_QUOTES = "\"'«»“”„‘’"
_BRANCH_WORDS = re.compile(
    r"فرع|فروع|ولاي|branch|province|affiliate|wilay|filiale|branche", re.IGNORECASE)
_GENERIC = ("التنظيم", "the organisation", "the organization")


@dataclass
class Mention:
    """A span of the original text and what it refers to.

    ``kind`` is ``entity`` (a KB entity: organisation, province, person, landmark
    event ...), ``place``, ``date`` or ``figure``; ``key`` is the entity id, place
    id, ISO date or figure value; ``text`` is exactly ``original[start:end]``.
    """

    kind: str
    start: int
    end: int
    text: str
    key: str
    rule: str
    attrs: dict[str, Any] = field(default_factory=dict)
    sentence: int = -1


@dataclass(frozen=True)
class _Entry:
    entity_id: str
    written: str
    lang: str
    rule: str


def _region_names(kb: KnowledgeBase, root: str) -> dict[str, set[str]]:
    """Province id -> normalised region names taken from its names and aliases
    (``root``: the network's id, whose names prefix "<network> in X")."""
    network_names = {normalize(n) for n, _ in kb.entities[root].all_names()} \
        if root in kb.entities else set()
    network_names |= {"تنظيم الدوله", "داعش", "تنظيم داعش", "الدوله الاسلاميه",
                      "islamic state", "is", "isis", "isil"}
    out: dict[str, set[str]] = {}
    for e in kb.entities.values():
        if e.type != "province":
            continue
        regions: set[str] = set()
        for name, _lang in e.all_names():
            key = normalize(name)
            for prefix in ("ولايه ", "ولايات "):
                if key.startswith(prefix):
                    regions.add(key[len(prefix):])
            m = re.fullmatch(r"(?:islamic state|is|isis|isil)(?: s)?(?: in)?(?: the)? (.+?)"
                             r"(?: province)?", key)
            if m and not m.group(1).startswith("of "):
                regions.add(m.group(1))
            for net in network_names:
                for sep in (" في ", " in ", " in the "):
                    if key.startswith(net + sep):
                        regions.add(key[len(net + sep):])
        regions = {r.removesuffix(" الاسلاميه").removeprefix("the ") for r in regions}
        regions = {r for r in regions if len(r) >= (3 if is_arabic(r) else 4)
                   and r != "الاسلاميه"}
        out[e.id] = regions
    return out


class EntityMatcher:
    """KB names, aliases and branch patterns -> entity mentions (build once per KB)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.network_id = network_profile(kb).root
        self.lexicon: Lexicon[_Entry] = Lexicon(min_stem=2)
        self.regions: Lexicon[_Entry] = Lexicon(min_stem=3)
        for key, rows in kb.name_index().items():
            for eid, written, lang in rows:
                self.lexicon.add(key, _Entry(eid, written, lang, "name"))
        for eid, regions in _region_names(kb, self.network_id).items():
            for r in regions:
                if is_arabic(r):
                    keys = [f"فرع {r}", f"ولايه {r}", f"فرع التنظيم في {r}",
                            f"فرع داعش في {r}", f"فرعه في {r}"]
                else:
                    keys = [f"{r} branch", f"{r} province", f"branch in {r}",
                            f"{r} affiliate", f"affiliate in {r}", f"province in {r}",
                            f"province du {r}", f"province de {r}", f"etat islamique au {r}",
                            f"etat islamique en {r}"]
                for k in keys:
                    if k not in kb.name_index():
                        self.lexicon.add(k, _Entry(eid, k, "ar" if is_arabic(r) else "en",
                                                   "branch-pattern"))
                self.regions.add(r, _Entry(eid, r, "ar" if is_arabic(r) else "en",
                                           "branch-region-quoted"))
        for g in _GENERIC:
            lang = "ar" if is_arabic(g) else "en"
            self.lexicon.add(normalize(g), _Entry(self.network_id, g, lang,
                                                  "generic-after-network"))

    @staticmethod
    def _case_ok(surface: str, entry: _Entry) -> bool:
        if is_arabic(entry.written):
            return True
        letters = re.sub(r"[\W_]", "", entry.written)
        if letters.isupper():  # an acronym: exact letters and case
            return re.sub(r"[\W_]", "", surface) == letters
        # proper nouns: capitalised, or written exactly as the KB writes them ("al-Qaeda")
        return (surface[:1].isupper() or surface[:1] == entry.written[:1]
                or entry.rule == "generic-after-network")

    def scan(self, view: View, sentences: list[tuple[int, int]]) -> list[Mention]:
        """Entity mentions in the text of ``view``, in text order."""
        original = view.original
        out: list[Mention] = []
        for hit in self.lexicon.scan(view):
            surface = original[hit.start:hit.end]
            entries = [e for e in hit.payloads if self._case_ok(surface, e)]
            if not entries:
                continue
            entry = entries[0]
            rule = entry.rule
            if rule == "name" and hit.clitic:
                rule = f"clitic:{hit.clitic}"
            out.append(self._mention(hit.start, hit.end, surface, entry, rule,
                                     [e.entity_id for e in entries[1:]]))
        taken = SpanIndex((m.start, m.end) for m in out)
        sent_starts = [s for s, _ in sentences]
        for hit in self.regions.scan(view):
            if taken.overlaps(hit.start, hit.end):
                continue
            before = original[hit.start - 1] if hit.start > 0 else ""
            after = original[hit.end] if hit.end < len(original) else ""
            if before not in _QUOTES or after not in _QUOTES:
                continue
            k = bisect.bisect_right(sent_starts, hit.start) - 1
            sent = sentences[k] if k >= 0 and hit.start < sentences[k][1] else (0, len(original))
            if not _BRANCH_WORDS.search(original[sent[0]:sent[1]]):
                continue
            entry = hit.payloads[0]
            out.append(self._mention(hit.start, hit.end, original[hit.start:hit.end], entry,
                                     entry.rule, [e.entity_id for e in hit.payloads[1:]]))
        out.sort(key=lambda m: m.start)
        return self._resolve_generic(out)

    def _mention(self, start: int, end: int, surface: str, entry: _Entry, rule: str,
                 others: list[str]) -> Mention:
        ent = self.kb.entities.get(entry.entity_id)
        attrs: dict[str, Any] = {
            "entity_type": ent.type if ent else None,
            "name": ent.names.en if ent else None,
            "matched_name": entry.written, "language": entry.lang,
        }
        if others:
            attrs["other_candidates"] = sorted(set(others) - {entry.entity_id})
        return Mention("entity", start, end, surface, entry.entity_id, rule, attrs)

    def _resolve_generic(self, mentions: list[Mention]) -> list[Mention]:
        out: list[Mention] = []
        seen_network = False
        for m in mentions:
            if m.rule == "generic-after-network":
                if not seen_network:
                    continue
                m.attrs["note"] = ("generic 'the organisation', resolved to the network "
                                   "because the article already mentioned it")
            elif m.attrs.get("entity_type") in NETWORK_TYPES:
                seen_network = True
            out.append(m)
        return out
