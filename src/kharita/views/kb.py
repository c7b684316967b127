"""Views of the knowledge base for the brief and the workbench.

Display names, the organisation graph laid out for drawing, territories, and branch
profiles (KB facts with their sources). Pure functions of a
:class:`~kharita.kb.knowledge.KnowledgeBase`; no store access. An unknown entity raises
:class:`~kharita.errors.NotFound`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import networkx as nx
import pandas as pd

from kharita.errors import NotFound, UserInputError
from kharita.kb.dates import to_date
from kharita.kb.graph import org_graph
from kharita.kb.model import model_dump_public

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase

#: Vertical level of each entity type in the layered organisation chart (top = 0).
TYPE_LEVEL = {"organisation": 0, "directorate": 1, "office": 2, "province": 3,
              "predecessor": 3, "group": 4, "splinter": 4, "person": 5, "landmark_event": 6}


def short_name(name: str) -> str:
    """A chart label: "Islamic State West Africa Province" -> "West Africa".

    >>> short_name("Islamic State West Africa Province")
    'West Africa'
    """
    out = name
    for prefix in ("Islamic State in the ", "Islamic State in ", "Islamic State of ",
                   "Islamic State "):
        if out.startswith(prefix) and len(out) > len(prefix):
            out = out[len(prefix):]
            break
    for suffix in (" Province", " Wilayah"):
        out = out.removesuffix(suffix)
    return out


def _day(value: object) -> dt.date:
    try:
        return to_date(value)
    except (TypeError, ValueError) as exc:
        raise UserInputError(f"as_of={value!r}: expected a date (YYYY-MM-DD): {exc}") \
            from None


def display_names(kb: KnowledgeBase) -> dict[str, dict[str, str]]:
    """Entity id -> {"en": English name, "ar": Arabic name or ""}.

    >>> display_names(load_kb())["is"]["en"] != ""
    True
    """
    return {e.id: {"en": e.names.en, "ar": e.names.ar or ""} for e in kb.entities.values()}


def org_layout(kb: KnowledgeBase, as_of: object) -> dict[str, Any]:
    """The organisation graph on a date with deterministic layered positions.

    Nodes are placed by :data:`TYPE_LEVEL` (the organisation at the top, then the
    directorate, offices, provinces, affiliated groups, and leaders at the bottom) and
    spread evenly within a level in id order, so two dates are directly comparable
    side by side.

    Returns {"as_of", "nodes": [{id, label, label_ar, type, x, y, degree}],
    "edges": [{source, target, type}]}.

    >>> lay = org_layout(load_kb(), "2024-06-01")
    >>> lay["as_of"], any(n["id"] == "is" for n in lay["nodes"])
    ('2024-06-01', True)
    """
    day = to_date(as_of)
    g = org_graph(kb, day)
    levels: dict[int, list[str]] = {}
    for node, data in g.nodes(data=True):
        levels.setdefault(TYPE_LEVEL.get(str(data.get("type")), 5), []).append(node)
    nodes = []
    for level, ids in sorted(levels.items()):
        ids.sort(key=lambda i: (str(g.nodes[i].get("type")) == "person", i))
        n = len(ids)
        for k, node in enumerate(ids):
            data = g.nodes[node]
            nodes.append({"id": node, "label": data.get("name") or node,
                          "label_ar": data.get("name_ar") or "", "type": data.get("type"),
                          "x": (k + 0.5) / n if n else 0.5, "y": -float(level),
                          "degree": int(g.degree(node))})
    multi_types: dict[tuple[str, str], str] = {}
    for u, v, data in g.edges(data=True):
        multi_types[(u, v)] = str(data.get("type", ""))
    edges = [{"source": u, "target": v, "type": t} for (u, v), t in multi_types.items()]
    return {"as_of": day.isoformat(), "kb_version": kb.version, "nodes": nodes, "edges": edges}


def graph_summary(kb: KnowledgeBase, as_of: object) -> dict[str, Any]:
    """Counts of the organisation graph on a date (nodes by type, edges, components)."""
    g = org_graph(kb, to_date(as_of))
    by_type: dict[str, int] = {}
    for _, data in g.nodes(data=True):
        by_type[str(data.get("type"))] = by_type.get(str(data.get("type")), 0) + 1
    return {"as_of": to_date(as_of).isoformat(), "nodes": g.number_of_nodes(),
            "edges": g.number_of_edges(), "components": nx.number_connected_components(g)
            if g.number_of_nodes() else 0, "by_type": by_type}


def territories(kb: KnowledgeBase, as_of: object | None = None) -> pd.DataFrame:
    """Branch territories (valid on ``as_of`` if given).

    Returns DataFrame[entity_id, name, country, admin1, valid_from, valid_to,
    confidence, sources].
    """
    terrs = kb.as_of(as_of).territories if as_of is not None else kb.territories
    rows = []
    for t in terrs:
        ent = kb.entities.get(t.entity)
        rows.append({"entity_id": t.entity, "name": ent.names.en if ent else t.entity,
                     "country": t.country, "admin1": ", ".join(t.admin1) or "(whole country)",
                     "valid_from": str(t.valid.from_ or ""), "valid_to": str(t.valid.to or ""),
                     "confidence": t.confidence, "sources": ", ".join(t.sources)})
    cols = ["entity_id", "name", "country", "admin1", "valid_from", "valid_to", "confidence",
            "sources"]
    return pd.DataFrame(rows, columns=cols).sort_values(["entity_id", "country"],
                                                        ignore_index=True)


def territory_countries(kb: KnowledgeBase, as_of: object | None = None) -> dict[str, list[str]]:
    """Entity id -> ISO3 countries of its territories (valid on ``as_of`` if given)."""
    out: dict[str, list[str]] = {}
    terrs = kb.as_of(as_of).territories if as_of is not None else kb.territories
    for t in terrs:
        if t.country not in out.setdefault(t.entity, []):
            out[t.entity].append(t.country)
    return out


def branches(kb: KnowledgeBase) -> pd.DataFrame:
    """The network's provinces and other branch-like entities, for pickers and profiles.

    Returns DataFrame[entity_id, type, name, name_ar, valid_from, valid_to, region].
    """
    rows = [{"entity_id": e.id, "type": e.type, "name": e.names.en, "name_ar": e.names.ar or "",
             "valid_from": str(e.valid.from_ or ""), "valid_to": str(e.valid.to or ""),
             "region": e.region or ""}
            for e in kb.entities.values()
            if e.type in ("organisation", "directorate", "office", "province", "predecessor",
                          "group", "splinter")]
    cols = ["entity_id", "type", "name", "name_ar", "valid_from", "valid_to", "region"]
    return pd.DataFrame(rows, columns=cols).sort_values(["type", "entity_id"], ignore_index=True)


def _cite(kb: KnowledgeBase, ids: list[str]) -> list[dict[str, Any]]:
    return [{"id": s.id, "title": s.title, "publisher": s.publisher, "date": str(s.date),
             "url": s.url or ""} for s in kb.sources_for(ids)]


def branch_profile(kb: KnowledgeBase, entity_id: str) -> dict[str, Any]:
    """KB facts about one entity with their sources: names, validity, relations,
    leaders (with tenures and both death and announcement dates), territories, claims.

    Raises :class:`~kharita.errors.NotFound` for an unknown id.

    >>> p = branch_profile(load_kb(), "is")
    >>> p["id"], isinstance(p["relations"], list)
    ('is', True)
    """
    e = kb.entities.get(entity_id)
    if e is None:
        raise NotFound(f"no entity {entity_id!r} in the knowledge base")
    rels = []
    for r in kb.relations:
        if entity_id not in (r.source, r.target):
            continue
        other = r.target if r.source == entity_id else r.source
        o = kb.entities.get(other)
        rels.append({"type": r.type, "direction": "out" if r.source == entity_id else "in",
                     "other": other, "other_name": o.names.en if o else other,
                     "other_name_ar": (o.names.ar or "") if o else "",
                     "from": str(r.valid.from_ or ""), "to": str(r.valid.to or ""),
                     "confidence": r.confidence, "sources": _cite(kb, list(r.sources)),
                     "note": r.note or ""})
    rels.sort(key=lambda x: (x["type"], x["from"]))
    leaders = []
    for r, person in kb.leaders(entity_id):
        leaders.append({"id": person.id, "name": person.names.en, "name_ar": person.names.ar or "",
                        "from": str(r.valid.from_ or ""), "to": str(r.valid.to or ""),
                        "dates": [{"kind": d.kind, "date": str(d.date),
                                   "sources": _cite(kb, list(d.sources)),
                                   "confidence": d.confidence, "note": d.note or ""}
                                  for d in person.dates],
                        "sources": _cite(kb, list(r.sources))})
    claims = [{"id": c.id, "property": c.property, "value": c.value, "low": c.low,
               "high": c.high, "qualifier": c.qualifier, "unit": c.unit, "date": str(c.date),
               "text": c.text or "", "sources": _cite(kb, list(c.sources))}
              for c in kb.claims if c.subject == entity_id]
    terrs = territories(kb)
    terrs = terrs[terrs["entity_id"] == entity_id]
    return {"id": e.id, "type": e.type, "name": e.names.en, "name_ar": e.names.ar or "",
            "name_fr": e.names.fr or "", "aliases": model_dump_public(e.aliases),
            "wikidata": e.wikidata or "", "from": str(e.valid.from_ or ""),
            "to": str(e.valid.to or ""), "region": e.region or "",
            "description": e.description or "", "confidence": e.confidence,
            "sources": _cite(kb, list(e.sources)), "relations": rels, "leaders": leaders,
            "claims": claims, "territories": terrs.to_dict(orient="records"),
            "kb_version": kb.version}


def default_compare_dates(today: dt.date | None = None) -> tuple[str, str]:
    """The two dates the brief compares by default: the caliphate's peak year and now.

    2015-06-01 (the height of its territorial control) against 1 June of last year.
    """
    t = today or dt.date.today()
    return "2015-06-01", dt.date(t.year - 1, 6, 1).isoformat()


def network_elements(kb: KnowledgeBase, as_of: object) -> dict[str, Any]:
    """The organisation graph on a date as cytoscape.js elements (web network view).

    Only what existed on that date: an entity whose start is recorded (``valid.from``)
    is shown when the date lies in its validity; an entity without a recorded start (a
    person, most outside groups) only when a structural relation valid on the date links
    it (a leader then in office, a group then affiliated); a relation when it is valid on
    the date and both its ends are shown.

    Returns {"as_of", "kb_version", "elements": [{"data": {...}}, ...], "counts"}.
    Node data: id, label (short English name), name, label_ar, type; edge data: id, source, target,
    type, sources (comma-separated source ids).

    >>> net = network_elements(load_kb(), "2024-06-01")
    >>> net["counts"]["nodes"] == sum(1 for e in net["elements"] if "source" not in e["data"])
    True
    >>> types = {e["data"]["type"] for e in network_elements(load_kb(), "2005-06-01")["elements"]}
    >>> sorted(types & {"directorate", "office", "province"})
    []
    """
    from kharita.kb.graph import STRUCTURAL_RELATIONS, kb_graph

    day = _day(as_of)
    g = kb_graph(kb, day, relation_types=STRUCTURAL_RELATIONS)
    linked = {n for u, v in g.edges() for n in (u, v)}
    shown = {n for n in g.nodes if n in linked or (
        kb.entities[n].valid.from_ is not None and kb.entities[n].type != "person")}
    g = g.subgraph(shown)
    elements: list[dict[str, Any]] = []
    for node, data in sorted(g.nodes(data=True)):
        elements.append({"data": {"id": node, "label": short_name(data.get("name") or node),
                                  "name": data.get("name") or node,
                                  "label_ar": data.get("name_ar") or "",
                                  "type": data.get("type") or ""}})
    for k, (u, v, data) in enumerate(sorted(g.edges(data=True), key=lambda e: (e[0], e[1]))):
        elements.append({"data": {"id": f"e{k}", "source": u, "target": v,
                                  "type": data.get("type") or "",
                                  "sources": data.get("sources") or ""}})
    return {"as_of": day.isoformat(), "kb_version": kb.version, "elements": elements,
            "counts": {"nodes": g.number_of_nodes(), "edges": g.number_of_edges()}}
