"""Exports of the KB for the tools analysts already use.

* ``graphml`` and ``gexf`` (networkx writers): Gephi, yEd, Cytoscape. The GEXF is
  *dynamic*: each node and edge carries ``start``/``end`` from its validity, so
  Gephi's timeline shows the network changing.
* ``json``: node-link JSON with every record's sources resolved.
* ``stix``: a STIX 2.1 bundle (``stix2`` library) that loads into OpenCTI or MISP:
  the organisation, provinces, predecessor and affiliated groups become
  ``intrusion-set`` objects, the directorate and offices ``identity``
  (organization) objects, leaders ``identity`` (individual), landmark events
  ``incident`` objects, territories ``location`` objects linked by
  ``operates-in`` relationships, relations ``relationship`` objects with
  ``start_time``/``stop_time``, and sources ``external_references``.

STIX ids are UUIDv5 of the KB id, so re-exporting gives the same ids and OpenCTI
updates rather than duplicates.
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


def _external_refs(kb: KnowledgeBase, ids: list[str]) -> list[dict[str, str]]:
    refs = []
    for s in kb.sources_for(ids):
        ref: dict[str, str] = {"source_name": s.publisher, "description": f"{s.title} ({s.date})"}
        if s.url:
            ref["url"] = s.url
        if s.symbol:
            ref["external_id"] = s.symbol
        refs.append(ref)
    return refs


def _stix_time(fuzzy: Any, *, end: bool = False) -> dt.datetime | None:
    if fuzzy is None:
        return None
    d = fuzzy.latest if end else fuzzy.earliest
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)


def _stix_entity(kb: KnowledgeBase, e: Entity) -> Any:
    import stix2

    aliases = [n for n, _ in e.all_names() if n != e.names.en]
    common: dict[str, Any] = {
        "name": e.names.en,
        "description": e.description or f"{e.type} in the kharita KB ({e.id})",
        "confidence": round(e.confidence * 100),
        "external_references": _external_refs(kb, e.sources),
        "allow_custom": True,
        "x_kharita_id": e.id,
        "x_kharita_type": e.type,
    }
    if e.type in _INTRUSION_SET_TYPES:
        first = _stix_time(e.valid.from_)
        last = _stix_time(e.valid.to, end=True)
        return stix2.IntrusionSet(
            id=_stix_id("intrusion-set", e.id), aliases=aliases or None,
            first_seen=first, last_seen=last if last and (not first or last >= first) else None,
            **common)
    if e.type == "landmark_event":
        return stix2.v21.Incident(id=_stix_id("incident", e.id), **common)
    identity_class = "individual" if e.type == "person" else "organization"
    return stix2.Identity(id=_stix_id("identity", e.id), identity_class=identity_class,
                          **common)


def to_stix(kb: KnowledgeBase, as_of: object | None = None) -> Any:
    """A STIX 2.1 bundle of the KB (or of the network on ``as_of``)."""
    import stix2

    if as_of is not None:
        snap = kb.as_of(as_of)
        entities, relations, territories = snap.entities, snap.relations, snap.territories
    else:
        entities, relations, territories = kb.entities, kb.relations, kb.territories
    objects: dict[str, Any] = {}
    for e in entities.values():
        objects[e.id] = _stix_entity(kb, e)
    out = list(objects.values())
    for r in relations:
        start, stop = _stix_time(r.valid.from_), _stix_time(r.valid.to, end=True)
        out.append(stix2.Relationship(
            id=_stix_id("relationship", r.id), relationship_type=r.type.replace("_", "-"),
            source_ref=objects[r.source].id, target_ref=objects[r.target].id,
            start_time=start, stop_time=stop if stop and (not start or stop > start) else None,
            confidence=round(r.confidence * 100),
            external_references=_external_refs(kb, r.sources), allow_custom=True))
    locations: dict[str, Any] = {}
    for t in territories:
        key = f"{t.country}/{'|'.join(t.admin1)}"
        if key not in locations:
            locations[key] = stix2.Location(
                id=_stix_id("location", key), country=t.country,
                administrative_area=", ".join(t.admin1) or None,
                name=f"{t.country}" + (f": {', '.join(t.admin1)}" if t.admin1 else ""))
            out.append(locations[key])
        start, stop = _stix_time(t.valid.from_), _stix_time(t.valid.to, end=True)
        out.append(stix2.Relationship(
            id=_stix_id("relationship", f"{t.entity}/operates-in/{key}@{t.valid.from_}"),
            relationship_type="operates-in", source_ref=objects[t.entity].id,
            target_ref=locations[key].id, start_time=start,
            stop_time=stop if stop and (not start or stop > start) else None,
            confidence=round(t.confidence * 100),
            external_references=_external_refs(kb, t.sources), allow_custom=True))
    return stix2.Bundle(objects=out, allow_custom=True)


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
