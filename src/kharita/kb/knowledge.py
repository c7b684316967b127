"""The loaded knowledge base and its queries: ``as_of``, ``find``, leaders."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from kharita.kb.dates import to_date
from kharita.kb.model import (
    Claim,
    Entity,
    KBFile,
    Relation,
    Source,
    Territory,
    model_dump_public,
)
from kharita.names import is_arabic, name_keys, normalize, strip_clitic_variants

MatchRule = Literal["exact", "normalised", "clitic"]


@dataclass(frozen=True)
class NameMatch:
    """One entity a name resolved to, and why.

    ``rule`` is ``exact`` (the string is a name or alias as written), ``normalised``
    (equal after normalisation, see :mod:`kharita.names`) or ``clitic`` (equal after
    removing the Arabic proclitic ``clitic``).
    """

    entity_id: str
    matched_name: str
    language: str
    rule: MatchRule
    clitic: str = ""

    def explain(self) -> str:
        if self.rule == "exact":
            return f"exact {self.language} name/alias {self.matched_name!r}"
        if self.rule == "normalised":
            return f"{self.language} name/alias {self.matched_name!r} after normalisation"
        return (f"{self.language} name/alias {self.matched_name!r} after removing the "
                f"proclitic {self.clitic!r}")


@dataclass
class Snapshot:
    """The network on one date: the entities and relations valid then."""

    date: dt.date
    kb: KnowledgeBase
    entities: dict[str, Entity]
    relations: list[Relation]
    territories: list[Territory]

    def of_type(self, *types: str) -> list[Entity]:
        return [e for e in self.entities.values() if e.type in types]

    def related(self, entity_id: str, rel_type: str, *, reverse: bool = False) -> list[Relation]:
        """Relations of ``rel_type`` leaving ``entity_id`` (or arriving, if ``reverse``)."""
        key = "target" if reverse else "source"
        return [r for r in self.relations if r.type == rel_type and getattr(r, key) == entity_id]

    def leader(self, org: str = "is") -> Entity | None:
        """The person leading ``org`` on this date, if the KB records one."""
        rels = self.related(org, "led_by")
        rels.sort(key=lambda r: r.valid.from_.earliest if r.valid.from_ else dt.date.min)
        return self.kb.entities.get(rels[-1].target) if rels else None

    def provinces(self) -> list[Entity]:
        """Provinces (branches) that are part of the network on this date."""
        return sorted(self.of_type("province"), key=lambda e: e.id)

    def offices(self) -> dict[str, list[str]]:
        """Each office valid on this date and the provinces it covers."""
        return {o.id: sorted(r.target for r in self.related(o.id, "office_of"))
                for o in sorted(self.of_type("office"), key=lambda e: e.id)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view: provinces, offices (with coverage), leaders, relations, sources."""
        cited: set[str] = set()

        def ent(e: Entity) -> dict[str, Any]:
            cited.update(e.sources)
            return {"id": e.id, "type": e.type, "name": e.names.en, "name_ar": e.names.ar,
                    "valid": model_dump_public(e.valid), "confidence": e.confidence,
                    "sources": list(e.sources)}

        def rel(r: Relation) -> dict[str, Any]:
            cited.update(r.sources)
            return {"type": r.type, "source": r.source, "target": r.target,
                    "valid": model_dump_public(r.valid), "confidence": r.confidence,
                    "sources": list(r.sources)}

        leaders = {}
        for org in self.of_type("organisation", "directorate", "office", "province"):
            rels = self.related(org.id, "led_by")
            if rels:
                leaders[org.id] = [
                    {**rel(r), "person": ent(self.kb.entities[r.target])} for r in rels
                    if r.target in self.kb.entities
                ]
        out = {
            "as_of": self.date.isoformat(),
            "kb_version": self.kb.version,
            "organisation": [ent(e) for e in self.of_type("organisation")],
            "directorates": [ent(e) for e in self.of_type("directorate")],
            "offices": [
                {**ent(self.entities[o]), "covers": covered,
                 "coverage": [rel(r) for r in self.related(o, "office_of")]}
                for o, covered in self.offices().items()
            ],
            "provinces": [
                {**ent(p), "part_of": [rel(r) for r in self.related(p.id, "part_of")]}
                for p in self.provinces()
            ],
            "leaders": leaders,
            "relations": [rel(r) for r in self.relations],
        }
        out["sources"] = {
            s: model_dump_public(self.kb.sources[s]) for s in sorted(cited) if s in self.kb.sources
        }
        return out


@dataclass
class KnowledgeBase:
    """All KB records, indexed; build with :func:`kharita.kb.load.load_kb`."""

    sources: dict[str, Source]
    entities: dict[str, Entity]
    relations: list[Relation]
    territories: list[Territory]
    claims: list[Claim]
    version: str
    paths: list[str] = field(default_factory=list)
    problems: list[Any] = field(default_factory=list)
    duplicates: list[tuple[str, str, Any]] = field(default_factory=list)
    _names: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict, repr=False)

    @classmethod
    def from_files(cls, files: list[KBFile], version: str, paths: list[str]) -> KnowledgeBase:
        sources: dict[str, Source] = {}
        entities: dict[str, Entity] = {}
        claims: dict[str, Claim] = {}
        relations: list[Relation] = []
        territories: list[Territory] = []
        duplicates: list[tuple[str, str, Any]] = []
        for f in files:
            for s in f.sources:
                if s.id in sources and sources[s.id].file == s.file:
                    duplicates.append(("source", s.id, s))
                sources[s.id] = s
            for e in f.entities:
                if e.id in entities and entities[e.id].file == e.file:
                    duplicates.append(("entity", e.id, e))
                entities[e.id] = e
            for c in f.claims:
                if c.id in claims and claims[c.id].file == c.file:
                    duplicates.append(("claim", c.id, c))
                claims[c.id] = c
            relations.extend(f.relations)
            territories.extend(f.territories)
        kb = cls(sources, entities, relations, territories, list(claims.values()), version,
                 paths, duplicates=duplicates)
        kb._index_names()
        return kb

    def _index_names(self) -> None:
        index: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for e in self.entities.values():
            for name, lang in e.all_names():
                for key in name_keys(name):
                    if (e.id, name, lang) not in index[key]:
                        index[key].append((e.id, name, lang))
        self._names = dict(index)

    # -- lookups -----------------------------------------------------------------
    def entity(self, entity_id: str) -> Entity:
        try:
            return self.entities[entity_id]
        except KeyError:
            raise KeyError(f"no entity {entity_id!r} in the knowledge base") from None

    def name_index(self) -> dict[str, list[tuple[str, str, str]]]:
        """Normalised name key -> [(entity_id, name as written, language)]."""
        return self._names

    def find(self, name: str, *, as_of: object | None = None) -> list[NameMatch]:
        """Resolve a name or alias (English, Arabic or French) to entities.

        Tries, in order, the exact string, its normalised form, and (for Arabic)
        forms without a leading proclitic (wa-, fa-, bi-, li-, ka-, al-; see
        :func:`kharita.names.strip_clitic_variants`) on the first word. With
        ``as_of``, only entities valid on that date are returned.

        >>> kb = load_kb()
        >>> [m.entity_id for m in kb.find("بولاية خراسان")]
        ['is-khorasan']
        """
        day = to_date(as_of) if as_of is not None else None
        matches: list[NameMatch] = []
        seen: set[str] = set()

        def add(key: str, rule: MatchRule, clitic: str = "") -> None:
            for eid, written, lang in self._names.get(key, []):
                if eid in seen:
                    continue
                if day is not None and not self.entities[eid].valid.contains(day):
                    continue
                exact = written == name.strip()
                seen.add(eid)
                matches.append(NameMatch(eid, written, lang, "exact" if exact else rule, clitic))

        key = normalize(name)
        add(key, "normalised")
        if not matches and is_arabic(key):
            words = key.split(" ")
            for stem, clitic in list(strip_clitic_variants(words[0]))[1:]:
                add(" ".join([stem, *words[1:]]), "clitic", clitic)
        return matches

    def as_of(self, date: object) -> Snapshot:
        """The network on ``date``: entities valid then, and relations valid then whose
        endpoints are both valid then.

        >>> snap = load_kb().as_of("2024-06-01")
        >>> "is-somalia" in {p.id for p in snap.provinces()}
        True
        """
        day = to_date(date)
        ents = {i: e for i, e in self.entities.items() if e.valid.contains(day)}
        rels = [r for r in self.relations if r.valid.contains(day)
                and r.source in ents and r.target in ents]
        terrs = [t for t in self.territories if t.valid.contains(day) and t.entity in ents]
        return Snapshot(day, self, ents, rels, terrs)

    def leaders(self, org: str = "is") -> list[tuple[Relation, Entity]]:
        """Successive leaders of ``org`` (led_by relations), in tenure order."""
        rels = [r for r in self.relations if r.type == "led_by" and r.source == org]
        rels.sort(key=lambda r: r.valid.from_.earliest if r.valid.from_ else dt.date.min)
        return [(r, self.entities[r.target]) for r in rels if r.target in self.entities]

    def sources_for(self, ids: list[str]) -> list[Source]:
        return [self.sources[s] for s in ids if s in self.sources]
