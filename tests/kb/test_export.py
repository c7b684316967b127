"""Exports re-import: networkx reads GraphML/GEXF, stix2 parses the bundle, the OASIS
validator (stix2-validator) accepts it and MISP's converter (misp-stix) keeps its groups,
locations and relationships."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
import stix2
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from kharita.cli import app
from kharita.kb import load_kb
from kharita.kb.export import STIX_EXTENSION_ID, export_kb, stix_url, to_stix

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def mini():
    return load_kb(files=[FIXTURES / "mini.yaml"])


def test_graphml_roundtrip(mini, tmp_path: Path) -> None:
    path = export_kb(mini, "graphml", tmp_path / "kb.graphml")
    g = nx.read_graphml(path)
    assert set(g.nodes) == set(mini.entities)
    assert g.nodes["prov-west"]["type"] == "province"
    assert g.nodes["prov-west"]["name_ar"] == "ولاية الغرب"
    assert g.number_of_edges() == len(mini.relations)


def test_gexf_is_dynamic_with_validity(mini, tmp_path: Path) -> None:
    path = export_kb(mini, "gexf", tmp_path / "kb.gexf")
    text = path.read_text(encoding="utf-8")
    assert 'mode="dynamic"' in text
    g = nx.read_gexf(path)
    assert g.nodes["prov-east"]["start"] == "2015-01-01"
    assert g.nodes["prov-east"]["end"] == "2019-05-31"
    assert set(g.nodes) == set(mini.entities)


def test_as_of_export_only_has_valid_records(mini, tmp_path: Path) -> None:
    g = nx.read_graphml(export_kb(mini, "graphml", tmp_path / "x.graphml", as_of="2020-01-01"))
    assert "prov-east" not in g.nodes and "prov-west" in g.nodes


def test_json_has_sources_and_territories(mini, tmp_path: Path) -> None:
    data = json.loads(export_kb(mini, "json", tmp_path / "kb.json").read_text(encoding="utf-8"))
    assert set(data["sources"]) == {"src-a", "src-b"}
    assert data["territories"][0]["country"] == "NGA"
    g = nx.node_link_graph(data, edges="links")
    assert g.number_of_nodes() == len(mini.entities)


def _kharita(obj) -> dict:
    """kharita's extension properties of a STIX object."""
    return dict(obj.extensions[STIX_EXTENSION_ID])


def test_stix_bundle_parses_and_maps_types(mini, tmp_path: Path) -> None:
    path = export_kb(mini, "stix", tmp_path / "kb.json")
    bundle = stix2.parse(path.read_text(encoding="utf-8"))
    by_type: dict[str, list] = {}
    for obj in bundle.objects:
        by_type.setdefault(obj.type, []).append(obj)
    assert [o.id for o in by_type["extension-definition"]] == [STIX_EXTENSION_ID]
    sets = {_kharita(o)["kharita_id"]: o for o in by_type["intrusion-set"]}
    assert set(sets) == {"org", "prov-west", "prov-east"}
    assert "ولاية الغرب" in sets["prov-west"].aliases
    identities = {_kharita(o)["kharita_id"]: o.identity_class for o in by_type["identity"]
                  if STIX_EXTENSION_ID in getattr(o, "extensions", {})}
    assert identities == {"office-x": "organization", "leader-one": "individual",
                          "leader-two": "individual", "org": "organization",
                          "prov-west": "organization", "prov-east": "organization"}
    rels = {_kharita(r)["kharita_relation"]: r for r in by_type["relationship"]}
    part_of = [r for r in by_type["relationship"]
               if _kharita(r)["kharita_relation"] == "part_of"]
    assert len(part_of) == 2 and {r.relationship_type for r in part_of} == {"related-to"}
    assert {_kharita(r)["valid_from"] for r in part_of} == {"2015-03-12", "2015"}
    assert part_of[0].external_references[0].source_name == "Test"
    led = [r for r in by_type["relationship"] if _kharita(r)["kharita_relation"] == "led_by"]
    assert {_kharita(r).get("valid_to") for r in led} == {"2019-10-27", None}
    assert rels["operates_in"].relationship_type == "located-at"
    assert by_type["location"][0].country == "NG"  # ISO 3166-1 alpha-2
    assert _kharita(by_type["location"][0])["country_iso3"] == "NGA"
    # Stable ids: exporting twice gives the same ids.
    again = stix2.parse(export_kb(mini, "stix", tmp_path / "kb2.json").read_text())
    assert {o.id for o in again.objects} == {o.id for o in bundle.objects}
    # No two objects share a UUID (MISP keys records on the UUID alone).
    uuids = [o.id.split("--")[1] for o in bundle.objects]
    assert len(uuids) == len(set(uuids))


def test_stix_people_only_as_publicly_reported_leaders(tmp_path: Path) -> None:
    kb = load_kb(files=[FIXTURES / "mini.yaml"])
    bundle = stix2.parse(to_stix(kb).serialize())
    people = [o for o in bundle.objects if o.type == "identity"
              and o.identity_class == "individual"]
    assert people and all(o.external_references and "publicly reported leader" in o.roles
                          for o in people)
    # On a date when only Leader Two leads, Leader One is not exported.
    snap = stix2.parse(to_stix(kb, as_of="2020-06-01").serialize())
    names = {o.name for o in snap.objects if o.type == "identity"
             and o.identity_class == "individual"}
    assert names == {"Leader Two"}


@pytest.mark.parametrize(("url", "expected"), [
    ("https://elnashra.com/news/show/1304831/داعش-يعلن",
     "https://elnashra.com/news/show/1304831/%D8%AF%D8%A7%D8%B9%D8%B4-%D9%8A%D8%B9%D9%84%D9%86"),
    ("https://example.org/a%20b?q=x y#frag", "https://example.org/a%20b?q=x%20y#frag"),
    ("https://مثال.إختبار/صفحة", "https://xn--mgbh0fb.xn--kgbechtv/%D8%B5%D9%81%D8%AD%D8%A9"),
    ("https://un.org/en/S/2025/71", "https://un.org/en/S/2025/71"),
])
def test_stix_url_is_percent_encoded(url: str, expected: str) -> None:
    assert stix_url(url) == expected
    assert stix_url(expected) == expected  # idempotent


@given(st.text(min_size=0, max_size=30))
def test_stix_url_is_ascii_uri(path: str) -> None:
    out = stix_url("https://example.org/" + path)
    assert out.isascii() and " " not in out and out.startswith("https://example.org/")


#: Validator warnings kharita's bundle keeps, each justified in docs/interop.md:
#: 103 ids are UUIDv5 of the KB ids (stable across exports, so OpenCTI updates rather
#: than duplicates); 302 external references to web pages carry no hash (pages change);
#: 202 incident -> intrusion-set ``attributed-to`` (STIX 2.1 suggests no relationship
#: for incidents; attributed-to is what the relation means).
JUSTIFIED_WARNINGS = {"103", "302", "202"}


@pytest.fixture(scope="module")
def real_bundle(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("stix") / "kb.stix.json"
    return export_kb(load_kb(), "stix", path)


def test_real_kb_bundle_passes_stix2_validator(real_bundle: Path) -> None:
    import stix2validator as validator  # test extra: stix2-validator

    results = validator.validate_file(
        str(real_bundle), validator.ValidationOptions(version="2.1", enforce_refs=True))
    errors = [e for r in results.object_results for e in r.errors]
    assert results.is_valid and not errors, errors[:5]
    codes = {w.split("{")[1].split("}")[0] for r in results.object_results
             for w in r.warnings}
    assert codes <= JUSTIFIED_WARNINGS, codes - JUSTIFIED_WARNINGS
    assert "202" not in {w.split("{")[1].split("}")[0] for r in results.object_results
                         for w in r.warnings if "incident" not in w}
    text = real_bundle.read_text(encoding="utf-8")
    vocabulary = {"related-to", "derived-from", "attributed-to", "located-at"}
    types = {o["relationship_type"] for o in json.loads(text)["objects"]
             if o["type"] == "relationship"}
    assert types <= vocabulary, types - vocabulary


def _misp_figures(path: Path) -> dict[str, int]:
    """Convert a bundle with misp-stix's STIX 2.1 -> MISP converter (external STIX) and
    count what survives: a relationship survives when the MISP event links its two ends
    (an object reference, a galaxy cluster attached to the source object, or a cluster
    relation); a group (intrusion-set) or location when its galaxy cluster is in the
    event."""
    from misp_stix_converter import ExternalSTIX2toMISPParser
    from misp_stix_converter.misp_stix_converter import load_stix2_file

    parser = ExternalSTIX2toMISPParser()
    parser.load_stix_bundle(load_stix2_file(path))
    parser.parse_stix_bundle(single_event=True)
    event = parser.misp_event
    objects = {str(o.uuid): o for o in event.objects}
    clusters: dict[str, object] = {str(c.uuid): c for g in event.galaxies for c in g.clusters}
    attached: dict[str, set[str]] = {}
    for o in event.objects:
        for a in o.attributes:
            for g in a.galaxies:
                for c in g.clusters:
                    clusters.setdefault(str(c.uuid), c)
                    attached.setdefault(str(o.uuid), set()).add(str(c.uuid))

    def counterpart(stix_id: str) -> tuple[str | None, str | None]:
        if stix_id in parser._clusters:
            return "cluster", str(parser._clusters[stix_id]["cluster"].uuid)
        uid = stix_id.split("--")[1]
        return ("object", uid) if uid in objects else (None, None)

    stix = json.loads(path.read_text(encoding="utf-8"))["objects"]
    rels = [o for o in stix if o["type"] == "relationship"]
    kept = 0
    for r in rels:
        kind, src = counterpart(r["source_ref"])
        _, tgt = counterpart(r["target_ref"])
        if kind == "object" and src is not None:
            o = objects[src]
            kept += any(ref.referenced_uuid == tgt for ref in o.references) or \
                tgt in attached.get(src, set())
        elif kind == "cluster" and src in clusters:
            kept += any(x.referenced_galaxy_cluster_uuid == tgt
                        for x in clusters[src].cluster_relations)  # type: ignore[attr-defined]
    groups = [o["id"] for o in stix if o["type"] == "intrusion-set"]
    locations = [o["id"] for o in stix if o["type"] == "location"]
    return {"relationships": len(rels), "kept": kept, "groups": len(groups),
            "groups_kept": sum(counterpart(g)[1] in clusters for g in groups),
            "locations": len(locations),
            "locations_kept": sum(counterpart(x)[1] in clusters for x in locations)}


def test_real_kb_bundle_converts_to_misp(real_bundle: Path) -> None:
    f = _misp_figures(real_bundle)
    share = f["kept"] / f["relationships"]
    figures = (f"MISP kept {f['kept']}/{f['relationships']} relationships ({share:.1%}), "
               f"{f['groups_kept']}/{f['groups']} groups, "
               f"{f['locations_kept']}/{f['locations']} locations")
    assert f["relationships"] > 100 and f["groups"] >= 25 and f["locations"] >= 20, figures
    assert share >= 0.9, figures
    assert f["groups_kept"] == f["groups"], figures
    assert f["locations_kept"] == f["locations"], figures


def test_cli_export_and_show(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "kb.gexf"
    result = runner.invoke(app, ["kb", "export", "--format", "gexf", "-o", str(out),
                                 "--as-of", "2020-01-01"])
    assert result.exit_code == 0, result.output
    assert nx.read_gexf(out).number_of_nodes() >= 0
    shown = runner.invoke(app, ["kb", "show", "--as-of", "2020-01-01", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["as_of"] == "2020-01-01"
