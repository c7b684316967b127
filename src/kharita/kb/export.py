"""Exports of the KB for the tools analysts already use.

* ``graphml`` and ``gexf`` (networkx writers): Gephi, yEd, Cytoscape. The GEXF is
  *dynamic*: each node and edge carries ``start``/``end`` from its validity, so
  Gephi's timeline shows the network changing.
* ``json``: node-link JSON with every record's sources resolved.
* ``stix``: a STIX 2.1 bundle (``stix2`` library) that passes the OASIS validator
  (``stix2-validator``) and loads into OpenCTI and MISP (``misp-stix``); see
  :func:`to_stix` and ``docs/interop.md``. Relationship types come from the STIX 2.1
  vocabulary; kharita's own relation types, validity dates (with their precision) and
  ids travel in a declared extension definition (:data:`STIX_EXTENSION_ID`); URLs are
  percent-encoded (:func:`stix_url`).

STIX ids are UUIDv5 of the KB id, so re-exporting gives the same ids and OpenCTI
updates rather than duplicates.

References: OASIS, *STIX Version 2.1*, Committee Specification 03 (2021), sections
2.9 (identifiers), 4 (SDOs), 5.1 (relationship), 7.3 (extension definition).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import networkx as nx

from kharita.kb.graph import kb_graph
from kharita.kb.model import Entity, model_dump_public

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase

ExportFormat = Literal["graphml", "gexf", "json", "stix"]
_NAMESPACE = uuid.UUID("6f1c3a52-8e0b-4f5e-9d3e-6b6172697461")  # fixed: stable STIX ids
_INTRUSION_SET_TYPES = {"organisation", "province", "predecessor", "splinter", "group"}


def _stix_id(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(_NAMESPACE, key)}"


def _gexf_graph(kb: KnowledgeBase, as_of: object | None) -> nx.MultiDiGraph:
    g = kb_graph(kb, as_of)
    g.graph["mode"] = "dynamic"
    for _, data in list(g.nodes(data=True)) + [(None, d) for *_, d in g.edges(data=True)]:
        if data.get("valid_from"):
            data["start"] = _day(data["valid_from"], end=False)
        if data.get("valid_to"):
            data["end"] = _day(data["valid_to"], end=True)
    return g


def _day(fuzzy: str, *, end: bool) -> str:
    from kharita.kb.dates import FuzzyDate

    d = FuzzyDate.parse(fuzzy)
    return (d.latest if end else d.earliest).isoformat()


def to_json(kb: KnowledgeBase, as_of: object | None = None) -> dict[str, Any]:
    """Node-link JSON of the KB (or of the network on ``as_of``) with sources resolved."""
    g = kb_graph(kb, as_of)
    data = nx.node_link_data(g, edges="links")
    cited = {s for e in kb.entities.values() for s in e.sources} | {
        s for r in kb.relations for s in r.sources}
    data["graph"] = {"kb_version": kb.version, "as_of": str(as_of or "")}
    data["sources"] = {s: model_dump_public(kb.sources[s]) for s in sorted(cited)
                       if s in kb.sources}
    data["territories"] = [model_dump_public(t) for t in (
        kb.as_of(as_of).territories if as_of is not None else kb.territories)]
    data["claims"] = [model_dump_public(c) for c in kb.claims]
    return data


#: The STIX extension definition that carries kharita's own properties (KB id and type,
#: the KB relation type, validity dates with their precision, notes); fixed id so that
#: every export declares the same extension.
STIX_EXTENSION_ID = f"extension-definition--{uuid.uuid5(_NAMESPACE, 'kharita-kb-extension')}"
_PRODUCER_ID = f"identity--{uuid.uuid5(_NAMESPACE, 'kharita-producer')}"
_EPOCH = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)  # created/modified of the fixed objects

#: KB relation type -> STIX 2.1 relationship type (section 4.13 and the suggested
#: relationships of each SDO). kharita's own type stays in the extension.
#: ``attributed-to`` for an incident carried out by a group (incident -> intrusion-set),
#: ``derived-from`` for a group that came out of another, ``related-to`` otherwise (the
#: organisational relations are between ``identity`` objects, for which STIX suggests no
#: more specific type).
STIX_RELATIONSHIP_TYPES: dict[str, str] = {
    "part_of": "related-to",
    "office_of": "related-to",
    "pledged_to": "related-to",
    "accepted_by": "related-to",
    "affiliated_with": "related-to",
    "split_from": "derived-from",
    "successor_of": "derived-from",
    "led_by": "related-to",
    "rival_of": "related-to",
    "funds": "related-to",
    "supports": "related-to",
    "perpetrated_by": "attributed-to",
}


def stix_url(url: str) -> str:
    """A URL as a valid RFC 3986 URI: non-ASCII host labels in IDNA (punycode), every
    other non-ASCII or unsafe character percent-encoded as UTF-8; existing ``%XX``
    escapes are kept.

    >>> stix_url("https://elnashra.com/news/show/1304831/داعش")
    'https://elnashra.com/news/show/1304831/%D8%AF%D8%A7%D8%B9%D8%B4'
    >>> stix_url("https://example.org/a%20b?q=x y")
    'https://example.org/a%20b?q=x%20y'
    """
    from urllib.parse import quote, urlsplit, urlunsplit

    parts = urlsplit(url.strip())
    host = parts.hostname or ""
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        host = quote(host, safe="")
    netloc = host + (f":{parts.port}" if parts.port else "")
    if parts.username:
        netloc = quote(parts.username, safe="") + "@" + netloc
    keep = "/:@!$&'()*+,;=%-._~"
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=keep),
                       quote(parts.query, safe=keep + "?"),
                       quote(parts.fragment, safe=keep + "?")))


def _external_refs(kb: KnowledgeBase, ids: list[str]) -> list[dict[str, str]]:
    refs = []
    for s in kb.sources_for(ids):
        ref: dict[str, str] = {"source_name": s.publisher, "description": f"{s.title} ({s.date})"}
        if s.url:
            ref["url"] = stix_url(s.url)
        if s.symbol:
            ref["external_id"] = s.symbol
        refs.append(ref)
    return refs


def _stix_time(fuzzy: Any, *, end: bool = False) -> dt.datetime | None:
    if fuzzy is None:
        return None
    d = fuzzy.latest if end else fuzzy.earliest
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _ext(**props: Any) -> dict[str, Any]:
    """The ``extensions`` property of an object: kharita's properties, Nones left out."""
    body = {"extension_type": "property-extension"}
    body.update({k: v for k, v in props.items() if v not in (None, "", [])})
    return {STIX_EXTENSION_ID: body}


def _validity(valid: Any) -> dict[str, str | None]:
    return {"valid_from": str(valid.from_) if valid.from_ else None,
            "valid_to": str(valid.to) if valid.to else None}


def _stix_fixed() -> list[Any]:
    """The producer identity and the extension definition every bundle declares."""
    import stix2

    producer = stix2.Identity(
        id=_PRODUCER_ID, name="kharita", identity_class="system", created=_EPOCH,
        modified=_EPOCH, description="kharita knowledge base export (open sources only)")
    extension = stix2.ExtensionDefinition(
        id=STIX_EXTENSION_ID, created_by_ref=_PRODUCER_ID, created=_EPOCH, modified=_EPOCH,
        name="kharita knowledge base properties", version="1.0.0",
        extension_types=["property-extension"],
        description="kharita's own properties: kharita_id and kharita_type of an object; "
                    "on relationships kharita_relation (part_of, office_of, led_by, ...) "
                    "with valid_from/valid_to as written in the KB (precision kept: "
                    "2019, 2019-10, 2019-10-27) and a note.",
        schema="The kharita documentation, docs/interop.md, section 'The STIX extension'.")
    return [producer, extension]


def _stix_entity(kb: KnowledgeBase, e: Entity) -> Any:
    import stix2

    common: dict[str, Any] = {
        "name": e.names.en,
        "description": e.description or f"{e.type} in the kharita KB ({e.id})",
        "confidence": round(e.confidence * 100),
        "external_references": _external_refs(kb, e.sources),
        "created_by_ref": _PRODUCER_ID,
        "extensions": _ext(kharita_id=e.id, kharita_type=e.type, wikidata=e.wikidata,
                           **_validity(e.valid),
                           dates=[{"kind": d.kind, "date": str(d.date),
                                   "confidence": d.confidence} for d in e.dates]),
    }
    if e.type == "landmark_event":
        return stix2.v21.Incident(id=_stix_id("incident", e.id), **common)
    if e.type == "person":
        common["description"] = e.description or (
            "Publicly reported leader or official of the organisation (open sources; "
            "see the external references).")
        return stix2.Identity(id=_stix_id("identity", e.id), identity_class="individual",
                              roles=["publicly reported leader"], **common)
    # A group's identity gets its own UUID: the intrusion-set keeps uuid5(KB id), and
    # MISP keys records on the UUID alone (an identity and an intrusion-set sharing one
    # would collide).
    key = f"{e.id}/organisation" if e.type in _INTRUSION_SET_TYPES else e.id
    return stix2.Identity(id=_stix_id("identity", key), identity_class="organization",
                          **common)


def _stix_intrusion_set(kb: KnowledgeBase, e: Entity) -> Any:
    """The threat-intelligence view of a group: an ``intrusion-set`` with aliases and
    first/last seen from the group's validity."""
    import stix2

    aliases = [n for n, _ in e.all_names() if n != e.names.en]
    first = _stix_time(e.valid.from_)
    last = _stix_time(e.valid.to, end=True)
    return stix2.IntrusionSet(
        id=_stix_id("intrusion-set", e.id), name=e.names.en, aliases=aliases or None,
        description=e.description or f"{e.type} in the kharita KB ({e.id})",
        confidence=round(e.confidence * 100),
        external_references=_external_refs(kb, e.sources), created_by_ref=_PRODUCER_ID,
        first_seen=first, last_seen=last if last and (not first or last >= first) else None,
        extensions=_ext(kharita_id=e.id, kharita_type=e.type))


def _publicly_reported_leaders(kb: KnowledgeBase, relations: Any) -> set[str]:
    """Persons that some entity is ``led_by`` in the KB and that cite a source."""
    return {r.target for r in relations if r.type == "led_by"
            and kb.entities[r.target].type == "person" and kb.entities[r.target].sources}


def _country_alpha2(iso3: str) -> str | None:
    import pycountry

    c = pycountry.countries.get(alpha_3=iso3)
    return c.alpha_2 if c is not None else None


def to_stix(kb: KnowledgeBase, as_of: object | None = None) -> Any:
    """A STIX 2.1 bundle of the KB (or of the network on ``as_of``).

    Groups (organisation, provinces, predecessors, splinters, affiliated groups) are
    ``intrusion-set`` objects, the directorate and offices ``identity`` (organization),
    publicly reported leaders ``identity`` (individual, only persons some entity is
    ``led_by``, with their sources), landmark events ``incident`` objects, territories
    ``location`` objects (ISO 3166-1 alpha-2 country, admin areas). Every KB relation
    is one ``relationship`` with a STIX type (:data:`STIX_RELATIONSHIP_TYPES`) and
    kharita's own type and dates in the extension :data:`STIX_EXTENSION_ID`; a
    territory is a ``targets`` (group) or ``located-at`` (office) relationship to its
    location. See ``docs/interop.md``.
    """
    import stix2

    if as_of is not None:
        snap = kb.as_of(as_of)
        entities, relations, territories = snap.entities, snap.relations, snap.territories
    else:
        entities, relations, territories = kb.entities, kb.relations, kb.territories
    leaders = _publicly_reported_leaders(kb, relations)
    objects: dict[str, Any] = {}  # KB id -> the object relations attach to
    sets: dict[str, Any] = {}  # KB id of a group -> its intrusion-set
    out = _stix_fixed()
    for e in entities.values():
        if e.type == "person" and e.id not in leaders:
            continue
        objects[e.id] = _stix_entity(kb, e)
        out.append(objects[e.id])
        if e.type in _INTRUSION_SET_TYPES:
            sets[e.id] = _stix_intrusion_set(kb, e)
            out.append(sets[e.id])
            out.append(stix2.Relationship(
                id=_stix_id("relationship", f"{e.id}/intrusion-set"),
                relationship_type="related-to", source_ref=objects[e.id].id,
                target_ref=sets[e.id].id, created_by_ref=_PRODUCER_ID,
                description="the organisation and its intrusion set",
                extensions=_ext(kharita_relation="intrusion_set_of")))
    for r in relations:
        if r.source not in objects or r.target not in objects:
            continue
        target = sets.get(r.target, objects[r.target]) if r.type == "perpetrated_by" \
            else objects[r.target]
        start, stop = _stix_time(r.valid.from_), _stix_time(r.valid.to, end=True)
        out.append(stix2.Relationship(
            id=_stix_id("relationship", r.id),
            relationship_type=STIX_RELATIONSHIP_TYPES[r.type],
            source_ref=objects[r.source].id, target_ref=target.id,
            start_time=start, stop_time=stop if stop and (not start or stop > start) else None,
            confidence=round(r.confidence * 100), created_by_ref=_PRODUCER_ID,
            description=r.note,
            external_references=_external_refs(kb, r.sources),
            extensions=_ext(kharita_relation=r.type, **_validity(r.valid), note=r.note)))
    locations: dict[str, Any] = {}
    for t in territories:
        if t.entity not in objects:
            continue
        key = f"{t.country}/{'|'.join(t.admin1)}"
        if key not in locations:
            locations[key] = stix2.Location(
                id=_stix_id("location", key), country=_country_alpha2(t.country) or t.country,
                administrative_area=", ".join(t.admin1) or None,
                created_by_ref=_PRODUCER_ID, extensions=_ext(country_iso3=t.country),
                name=f"{t.country}" + (f": {', '.join(t.admin1)}" if t.admin1 else ""))
            out.append(locations[key])
        start, stop = _stix_time(t.valid.from_), _stix_time(t.valid.to, end=True)
        source = objects[t.entity]
        out.append(stix2.Relationship(
            id=_stix_id("relationship", f"{t.entity}/operates-in/{key}@{t.valid.from_}"),
            relationship_type="located-at",
            source_ref=source.id, target_ref=locations[key].id, start_time=start,
            stop_time=stop if stop and (not start or stop > start) else None,
            confidence=round(t.confidence * 100), created_by_ref=_PRODUCER_ID,
            external_references=_external_refs(kb, t.sources),
            extensions=_ext(kharita_relation="operates_in", **_validity(t.valid),
                            exclude_admin1=list(t.exclude_admin1), note=t.note)))
    return stix2.Bundle(objects=out)


def export_kb(kb: KnowledgeBase, fmt: ExportFormat, path: str | Path, *,
              as_of: object | None = None) -> Path:
    """Write the KB (or the network on ``as_of``) to ``path`` in ``fmt``; returns the path."""
    p = Path(path)
    if fmt == "graphml":
        nx.write_graphml(kb_graph(kb, as_of), p)
    elif fmt == "gexf":
        nx.write_gexf(_gexf_graph(kb, as_of), p)
    elif fmt == "json":
        p.write_text(json.dumps(to_json(kb, as_of), ensure_ascii=False, indent=2),
                     encoding="utf-8")
    elif fmt == "stix":
        p.write_text(to_stix(kb, as_of).serialize(pretty=True, ensure_ascii=False),
                     encoding="utf-8")
    else:  # pragma: no cover - typer validates the choice
        raise ValueError(f"unknown export format {fmt!r}")
    return p
