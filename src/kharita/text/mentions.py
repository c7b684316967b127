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
import functools
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


def _network_names(kb: KnowledgeBase, root: str) -> dict[str, set[str]]:
    """Normalised names of the network's root, by script (``ar`` / ``en``)."""
    names = {normalize(n) for n, _ in kb.entities[root].all_names()} \
        if root in kb.entities else set()
    names |= {"تنظيم الدوله", "داعش", "تنظيم داعش", "الدوله الاسلاميه", "تنظيم الدوله الاسلاميه",
              "islamic state", "is", "isis", "isil"}
    return {"ar": {n for n in names if is_arabic(n)},
            "en": {n for n in names if not is_arabic(n) and " of " not in n}}


# Transliteration classes of Latin name parts, and kunya case forms of Arabic names
# (normalised): every KB person name is also matched in each spelling of its class.
NAME_CLASSES: tuple[tuple[str, ...], ...] = (
    ("qurashi", "quraishi", "qurayshi", "qureshi"),
    ("hashimi", "hashemi"),
    ("husayni", "husseini", "husaini", "hussaini"),
    ("husayn", "hussein", "husain", "hussain"),
    ("mumin", "mu min", "moumin"),
    ("muhammad", "mohammed", "mohamed", "muhammed", "mohammad"),
    ("abdallah", "abdullah", "abd allah"),
    ("abdul", "abdel", "abd al"),
    ("baghdadi", "bagdadi"),
    ("muhajir", "mouhajir"),
)
# name parts shared by many leaders: never a surname-only mention
_COMMON_NAME_PARTS = frozenset({"qurashi", "quraishi", "qurayshi", "hashimi", "hashemi",
                                "القرشي", "الهاشمي", "الحسيني", "husayni", "husseini",
                                "muhammad", "mohammed", "mohamed", "ahmed", "ahmad", "محمد",
                                "احمد", "الله", "allah", "rahman", "الرحمن"})
# Arabic kunya: nominative ابو, genitive ابي ("مقتل أبي بكر"), accusative ابا
_KUNYA_FORMS = ("ابو", "ابي", "ابا")


def name_variants(key: str) -> set[str]:
    """Spellings of a normalised person name: transliteration classes
    (:data:`NAME_CLASSES`), the kunya in its three case forms, "abu al-X" / "abu X",
    and a kunya with its last nisba only ("أبو حفص القرشي" for "أبو حفص الهاشمي القرشي").

    >>> sorted(name_variants("ابو بكر البغدادي"))
    ['ابا بكر البغدادي', 'ابو بكر البغدادي', 'ابي بكر البغدادي']
    >>> "abu hafs al hashemi al quraishi" in name_variants("abu hafs al hashimi al qurashi")
    True
    """
    words = key.split(" ")
    out = {key}
    if is_arabic(key):
        if words[0] in _KUNYA_FORMS:
            if len(words) >= 4:
                out.add(" ".join(words[:2] + words[-1:]))
            out = {" ".join([k, *w.split(" ")[1:]]) for w in out for k in _KUNYA_FORMS}
        return out
    if words[0] == "abu" and len(words) >= 3:
        if words[1] == "al":
            out.add(" ".join(["abu", *words[2:]]))
        if len(words) >= 5 and words[-2] == "al":
            out.add(" ".join(words[:2] + words[-2:]) if words[1] != "al"
                    else " ".join(words[:3] + words[-2:]))
    for cls in NAME_CLASSES:
        for k in list(out):
            padded = f" {k} "
            for a in cls:
                if f" {a} " in padded:
                    for b in cls:
                        out.add(padded.replace(f" {a} ", f" {b} ").strip())
    return out


class EntityMatcher:
    """KB names, aliases and branch patterns -> entity mentions (build once per KB)."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.network_id = network_profile(kb).root
        self.lexicon: Lexicon[_Entry] = Lexicon(min_stem=2)
        self.regions: Lexicon[_Entry] = Lexicon(min_stem=3)
        index = kb.name_index()
        for key, rows in index.items():
            for eid, written, lang in rows:
                entry = _Entry(eid, written, lang, "name")
                self.lexicon.add(key, entry)
                ent = kb.entities.get(eid)
                if ent is not None and ent.type == "person":
                    for variant in name_variants(key) - {key}:
                        if variant not in index:
                            self.lexicon.add(variant, _Entry(eid, written, lang, "name-variant"))
        net_names = _network_names(kb, self.network_id)
        for eid, regions in _region_names(kb, self.network_id).items():
            for r in regions:
                if is_arabic(r):
                    keys = [f"فرع {r}", f"ولايه {r}", f"فرع التنظيم في {r}",
                            f"فرع داعش في {r}", f"فرعه في {r}"]
                    # the network's name followed by "في <region>" is the branch
                    # ("تنظيم الدولة الإسلامية في غرب أفريقيا", 'فرع تنظيم "داعش" في الصومال')
                    for n in net_names["ar"]:
                        keys += [f"{n} في {r}", f"فرع {n} في {r}", f"{n} {r}",
                                 f"{n} ولايه {r}"]
                else:
                    keys = [f"{r} branch", f"{r} province", f"branch in {r}",
                            f"{r} affiliate", f"affiliate in {r}", f"province in {r}",
                            f"province du {r}", f"province de {r}", f"etat islamique au {r}",
                            f"etat islamique en {r}"]
                    for n in net_names["en"]:
                        keys += [f"{n} in {r}", f"{n} in the {r}", f"{n} {r}", f"{n} of {r}",
                                 f"{n} {r} province", f"{n} in {r} province"]
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
        out.extend(self._short_names(view, out))
        out.sort(key=lambda m: m.start)
        return self._resolve_generic(out)

    def _short_names(self, view: View, found: list[Mention]) -> list[Mention]:
        """Surname-only and kunya-only mentions ("Mumin", "مؤمن", "Abu Ibrahim") of a
        KB person, after the article has named that person in full (rule
        ``short-name-after-full``). A short form shared by two persons named in the
        article is left out; Latin short forms must be capitalised."""
        first: dict[str, int] = {}
        for m in found:
            if m.attrs.get("entity_type") == "person":
                first.setdefault(m.key, m.end)
        if not first:
            return []
        forms: dict[str, set[str]] = {}
        for pid in first:
            for form in self._person_short_forms(pid):
                forms.setdefault(form, set()).add(pid)
        taken = SpanIndex((m.start, m.end) for m in found)
        out: list[Mention] = []
        toks = view.tokens
        original = view.original
        last_end = -1
        for i in range(len(toks)):
            if toks[i][0] < last_end:
                continue
            for width in (2, 1):
                if i + width > len(toks):
                    continue
                key = view.text[toks[i][0]:toks[i + width - 1][1]]
                pids = forms.get(key)
                if not pids or len(pids) != 1:
                    continue
                pid = next(iter(pids))
                start, end = view.span(toks[i][0], toks[i + width - 1][1])
                if start < first[pid] or taken.overlaps(start, end):
                    continue
                surface = original[start:end]
                if not is_arabic(key) and not surface[:1].isupper():
                    continue
                entry = _Entry(pid, surface, "ar" if is_arabic(key) else "en",
                               "short-name-after-full")
                out.append(self._mention(start, end, surface, entry, entry.rule, []))
                last_end = toks[i + width - 1][1]
                break
        return out

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one matcher per KB, kept for its life
    def _person_short_forms(self, pid: str) -> frozenset[str]:
        """A person's surname (last word of a name that is not a kunya, 4+ letters, not
        a nisba of the Prophet's lineage) and kunya ("abu X", "ابو X")."""
        ent = self.kb.entities[pid]
        out: set[str] = set()
        for name, _ in ent.all_names():
            words = normalize(name).split(" ")
            if len(words) < 2:
                continue
            if words[0] in ("abu", *_KUNYA_FORMS):
                if words[1] != "al":
                    out.add(" ".join(words[:2]))
                continue
            last = words[-1]
            if len(last) >= 4 and last not in _COMMON_NAME_PARTS:
                out.add(last)
        return frozenset(out)

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
