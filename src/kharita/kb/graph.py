"""Graph views of the knowledge base (networkx; igraph where speed matters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx

from kharita.kb.model import model_dump_public

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase

#: Relation types that make up the organisation's structure (who answers to whom).
STRUCTURAL_RELATIONS = ("part_of", "office_of", "accepted_by", "affiliated_with", "led_by")


def kb_graph(kb: KnowledgeBase, as_of: object | None = None, *,
             relation_types: tuple[str, ...] | None = None) -> nx.MultiDiGraph:
    """The KB as a directed multigraph: nodes are entities, edges are relations.

    With ``as_of`` only entities and relations valid on that date are included (see
    :meth:`KnowledgeBase.as_of`). Node attributes: ``type``, ``name``, ``name_ar``,
    ``valid_from``, ``valid_to``, ``confidence``; edge attributes: ``type``,
    ``valid_from``, ``valid_to``, ``confidence``, ``sources`` (comma-separated).

    >>> g = kb_graph(load_kb(), "2024-06-01")
    >>> g.nodes["is-somalia"]["type"]
    'province'
    """
    if as_of is not None:
        snap = kb.as_of(as_of)
        entities, relations = snap.entities, snap.relations
    else:
        entities, relations = kb.entities, kb.relations
    g = nx.MultiDiGraph(kb_version=kb.version, as_of=str(as_of) if as_of is not None else "")
    for e in entities.values():
        g.add_node(e.id, type=e.type, name=e.names.en, name_ar=e.names.ar or "",
                   valid_from=str(e.valid.from_ or ""), valid_to=str(e.valid.to or ""),
                   confidence=e.confidence, sources=",".join(e.sources))
    for r in relations:
        if relation_types is not None and r.type not in relation_types:
            continue
        g.add_edge(r.source, r.target, key=r.id, type=r.type,
                   valid_from=str(r.valid.from_ or ""), valid_to=str(r.valid.to or ""),
                   confidence=r.confidence, sources=",".join(r.sources))
    return g


def org_graph(kb: KnowledgeBase, as_of: object) -> nx.Graph:
    """The organisation's structure on a date as a simple undirected graph.

    Nodes are the organisation, directorates, offices, provinces and leaders valid
    then; edges are the structural relations (:data:`STRUCTURAL_RELATIONS`). This is
    the graph whose centralisation, hierarchy and resilience ``analysis.structure``
    measures.
    """
    multi = kb_graph(kb, as_of, relation_types=STRUCTURAL_RELATIONS)
    g = nx.Graph(multi)
    g.graph.update(multi.graph)
    return g


def node_table(kb: KnowledgeBase, as_of: object | None = None) -> list[dict[str, Any]]:
    """Entities as JSON-ready dicts (for exports and the web network view)."""
    entities = kb.as_of(as_of).entities if as_of is not None else kb.entities
    return [model_dump_public(e) for e in entities.values()]
