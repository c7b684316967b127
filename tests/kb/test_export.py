"""Exports re-import: networkx reads GraphML/GEXF, stix2 parses the bundle."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
import stix2
from typer.testing import CliRunner

from kharita.cli import app
from kharita.kb import load_kb
from kharita.kb.export import export_kb

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


def test_stix_bundle_parses_and_maps_types(mini, tmp_path: Path) -> None:
    path = export_kb(mini, "stix", tmp_path / "kb.json")
    bundle = stix2.parse(path.read_text(encoding="utf-8"), allow_custom=True)
    by_type: dict[str, list] = {}
    for obj in bundle.objects:
        by_type.setdefault(obj.type, []).append(obj)
    sets = {o.x_kharita_id: o for o in by_type["intrusion-set"]}
    assert set(sets) == {"org", "prov-west", "prov-east"}
    assert "ولاية الغرب" in sets["prov-west"].aliases
    identities = {o.x_kharita_id: o.identity_class for o in by_type["identity"]}
    assert identities == {"office-x": "organization", "leader-one": "individual",
                          "leader-two": "individual"}
    rels = [r for r in by_type["relationship"] if r.relationship_type == "part-of"]
    assert len(rels) == 2
    assert rels[0].external_references[0].source_name == "Test"
    assert by_type["location"][0].country == "NGA"
    # Stable ids: exporting twice gives the same ids.
    again = stix2.parse(export_kb(mini, "stix", tmp_path / "kb2.json").read_text(),
                        allow_custom=True)
    assert {o.id for o in again.objects} == {o.id for o in bundle.objects}


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
