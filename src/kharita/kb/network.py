"""The network profile: which KB entities are the network, defined once.

Attribution (which entities an umbrella code such as UCDP's ``IS`` can be narrowed to)
and analysis (whose events count, towards which branch, in which period) both read
:func:`network_profile`; nothing else decides membership.

Definitions
-----------
root
    The network's umbrella organisation: the KB's one entity of type ``organisation``
    (``is``).
member types
    :data:`NETWORK_TYPES`: an event attributed to an entity of these types is the
    network's at any date (attribution already applied the entity's validity).
affiliates
    Entities of :data:`AFFILIATE_TYPES` (``group``) count only inside the validity of an
    :data:`AFFILIATION_RELATIONS` relation to a member, towards the province they joined
    (or themselves when they joined the organisation as a whole). ``splinter`` groups
    (``jas``), rivals and persons never count.
branches
    Members that are operational branches (:data:`BRANCH_TYPES`: provinces, and
    affiliated groups counted on their own); the root, the directorate, offices and
    predecessors are the network but not a branch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase

#: Entity types that are part of the network whenever an event is attributed to them.
NETWORK_TYPES: tuple[str, ...] = ("organisation", "directorate", "office", "province",
                                  "predecessor")
#: Entity types whose events count for the network only through an affiliation relation.
AFFILIATE_TYPES: tuple[str, ...] = ("group",)
#: Relations that make an affiliate's events count for their target, by preference.
AFFILIATION_RELATIONS: tuple[str, ...] = ("affiliated_with", "accepted_by", "part_of")
#: Member types that are not operational branches.
NON_BRANCH_TYPES: tuple[str, ...] = ("organisation", "directorate", "office", "predecessor")


@dataclass(frozen=True)
class Member:
    """One entity whose attributed events count for the network.

    ``branch_id`` is what the events count towards (a group affiliated with a province
    counts towards the province); ``valid_from``/``valid_to`` bound the event dates for
    affiliates (the affiliation period), ``None`` otherwise.
    """

    entity_id: str
    branch_id: str
    type: str
    region: str | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None


@dataclass(frozen=True)
class NetworkProfile:
    """The network as the KB defines it (see the module docstring)."""

    root: str
    kb_version: str
    members: tuple[Member, ...]
    entity_types: dict[str, str] = field(default_factory=dict)

    @property
    def member_ids(self) -> frozenset[str]:
        return frozenset(m.entity_id for m in self.members)

    @property
    def branch_ids(self) -> tuple[str, ...]:
        """Ids a frame row can carry as its branch (``entity_id`` of the frame)."""
        return tuple(sorted({m.branch_id for m in self.members}))

    def is_branch(self, entity_id: str) -> bool:
        """True for operational branches (provinces, affiliates counted on their own)."""
        return self.entity_types.get(entity_id, "province") not in NON_BRANCH_TYPES

    def descendants(self, umbrella: str, kb: KnowledgeBase) -> set[str]:
        """Members an umbrella's events can be narrowed to: the umbrella, entities that
        are part of / offices of / affiliated with it (transitively) and its
        predecessors (``successor_of``, transitively), all of :data:`NETWORK_TYPES`."""
        found = {umbrella}
        changed = True
        while changed:
            changed = False
            for r in kb.relations:
                if r.type in AFFILIATION_RELATIONS and r.target in found \
                        and r.source not in found:
                    found.add(r.source)
                    changed = True
                if r.type == "successor_of" and r.source in found and r.target not in found:
                    found.add(r.target)
                    changed = True
        return {m for m in found
                if m in kb.entities and kb.entities[m].type in NETWORK_TYPES}


def network_root(kb: KnowledgeBase) -> str:
    """The umbrella organisation's id: the KB's one ``organisation`` entity.

    >>> from kharita import load_kb
    >>> network_root(load_kb())
    'is'
    """
    orgs = sorted(e.id for e in kb.entities.values() if e.type == "organisation")
    if not orgs:
        from kharita.errors import KharitaError

        raise KharitaError("the knowledge base has no entity of type 'organisation' "
                           "(the network's root)")
    return orgs[0]


def network_profile(kb: KnowledgeBase) -> NetworkProfile:
    """The network's members from the KB (cached per KB version).

    >>> from kharita import load_kb
    >>> prof = network_profile(load_kb())
    >>> prof.root, "jas" in prof.member_ids, "msc" in prof.member_ids
    ('is', False, True)
    """
    hit = _CACHE.get(id(kb))
    if hit is None or hit[0] is not kb or hit[1].kb_version != kb.version:
        _CACHE[id(kb)] = (kb, _build(kb))
        hit = _CACHE[id(kb)]
    return hit[1]


_CACHE: dict[int, tuple[KnowledgeBase, NetworkProfile]] = {}


def _build(kb: KnowledgeBase) -> NetworkProfile:
    from kharita.kb.regions import world_region

    core = {e.id: e for e in kb.entities.values() if e.type in NETWORK_TYPES}
    out = [Member(e.id, e.id, e.type, world_region(e.region)) for e in core.values()]
    affiliations = [r for r in kb.relations if r.type in AFFILIATION_RELATIONS
                    and r.source in kb.entities
                    and kb.entities[r.source].type in AFFILIATE_TYPES and r.target in core]
    # a group that joined a province counts towards it even under relations to the
    # organisation as a whole (e.g. Boko Haram's pledge accepted by ``is``)
    province_of: dict[str, str] = {}
    for r in sorted(affiliations, key=lambda r: r.valid.from_.earliest if r.valid.from_
                    else dt.date.min):
        if core[r.target].type == "province":
            province_of.setdefault(r.source, r.target)
    for r in affiliations:
        src, target = kb.entities[r.source], core[r.target]
        branch = target.id if target.type == "province" else province_of.get(src.id, src.id)
        region = world_region(src.region) or world_region(target.region)
        out.append(Member(src.id, branch, src.type, region,
                          r.valid.from_.earliest if r.valid.from_ else None,
                          r.valid.to.latest if r.valid.to else None))
    types: dict[str, str] = {e.id: str(e.type) for e in kb.entities.values()}
    return NetworkProfile(network_root(kb), kb.version, tuple(out), types)
