"""as_of on boundary dates, name resolution and overlays, on the small fixture KB."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from kharita.kb import load_kb
from kharita.kb.dates import FuzzyDate

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def mini():
    return load_kb(files=[FIXTURES / "mini.yaml"])


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2015-03-11", {"prov-east"}),  # West starts 2015-03-12 (day precision)
        ("2015-03-12", {"prov-east", "prov-west"}),
        ("2019-05-31", {"prov-east", "prov-west"}),  # "to 2019-05" covers all of May
        ("2019-06-01", {"prov-west"}),
        ("2014-12-31", set()),
    ],
)
def test_as_of_boundaries(mini, day: str, expected: set[str]) -> None:
    assert {p.id for p in mini.as_of(day).provinces()} == expected


def test_leader_on_boundary_dates(mini) -> None:
    assert mini.as_of("2019-10-27").leader("org").id == "leader-one"
    assert mini.as_of("2019-10-28").leader("org") is None  # interregnum until announcement
    assert mini.as_of("2019-10-31").leader("org").id == "leader-two"


def test_offices_and_relations_follow_validity(mini) -> None:
    assert mini.as_of("2017-06-01").offices() == {}
    assert mini.as_of("2018-01-01").offices() == {"office-x": ["prov-west"]}
    snap = mini.as_of("2020-01-01").to_dict()
    assert [p["id"] for p in snap["provinces"]] == ["prov-west"]
    assert snap["offices"][0]["covers"] == ["prov-west"]
    assert snap["leaders"]["org"][0]["person"]["id"] == "leader-two"
    assert set(snap["sources"]) == {"src-a"}


def test_disagreeing_dates_are_all_kept(mini) -> None:
    deaths = [d for d in mini.entity("leader-one").dates if d.kind == "death"]
    assert [str(d.date) for d in deaths] == ["2019-10-26", "2019-10-27"]
    assert {s for d in deaths for s in d.sources} == {"src-a", "src-b"}


@pytest.mark.parametrize(
    ("name", "entity", "rule"),
    [
        ("West Province", "prov-west", "exact"),
        ("west province", "prov-west", "normalised"),
        ("WP", "prov-west", "exact"),
        ("ولاية الغرب", "prov-west", "exact"),
        ("وِلايَة الغَرب", "prov-west", "normalised"),  # diacritics
        ("ولايـــة الغرب", "prov-west", "normalised"),  # tatweel
        ("بولاية الغرب", "prov-west", "clitic"),  # bi-
        ("وولاية الغرب", "prov-west", "clitic"),  # wa-
        ("الدولة الاسلامية", "org", "normalised"),  # hamza on alef dropped
        ("والدولة الإسلامية", "org", "clitic"),
        ("للدولة الإسلامية", "org", "clitic"),  # li- + al- fused
        ("L'Organisation", "org", "exact"),
    ],
)
def test_find_resolves_names(mini, name: str, entity: str, rule: str) -> None:
    matches = mini.find(name)
    assert [m.entity_id for m in matches] == [entity]
    assert matches[0].rule == rule
    assert matches[0].explain()


def test_find_respects_as_of_and_unknown_names(mini) -> None:
    assert mini.find("West Province", as_of="2014-01-01") == []
    assert mini.find("Nobody at all") == []


def test_overlay_adds_and_replaces(tmp_path: Path) -> None:
    overlay = tmp_path / "mine.yaml"
    overlay.write_text(
        "sources:\n"
        "  - {id: my-note, kind: news, title: My article, publisher: Me, date: '2024-02-01'}\n"
        "claims:\n"
        "  - {id: my-claim, subject: org, property: fighters, value: 5000, unit: people,"
        " date: '2024', sources: [my-note], confidence: 0.4}\n",
        encoding="utf-8")
    kb = load_kb([overlay], files=[FIXTURES / "mini.yaml"])
    assert "my-claim" in {c.id for c in kb.claims}
    assert kb.sources["my-note"].file == str(overlay)


def _env_overlay(tmp_path: Path, source: str = "src-a") -> Path:
    overlay = tmp_path / "env.yaml"
    overlay.write_text("entities:\n  - {id: extra, type: group, names: {en: Extra}, "
                       f"sources: [{source}], confidence: 0.5}}\n", encoding="utf-8")
    return overlay


def test_the_library_never_reads_the_environment(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    overlay = _env_overlay(tmp_path)
    monkeypatch.setenv("KHARITA_KB_PATH", str(overlay))
    assert "extra" not in load_kb(files=[FIXTURES / "mini.yaml"]).entities
    assert "extra" in load_kb([overlay], files=[FIXTURES / "mini.yaml"]).entities


def test_the_cli_turns_kb_path_into_overlays(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from kharita.cli.options import load_cli_kb
    from kharita.config import setting_paths

    overlay = _env_overlay(tmp_path, source="ucdp-ged")
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("KHARITA_KB_PATH", os.pathsep.join([str(overlay), "", str(other)]))
    assert setting_paths("kb_path") == [overlay, other]
    kb = load_cli_kb(None)
    assert "extra" in kb.entities and str(overlay) in {str(p) for p in kb.paths}
    monkeypatch.delenv("KHARITA_KB_PATH")
    assert "extra" not in load_cli_kb(None).entities


def test_kharita_kb_validate_honours_kb_path(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from kharita.cli import app

    overlay = _env_overlay(tmp_path, source="ucdp-ged")
    plain = CliRunner().invoke(app, ["kb", "validate"])
    monkeypatch.setenv("KHARITA_KB_PATH", str(overlay))
    with_env = CliRunner().invoke(app, ["kb", "validate"])
    assert plain.exit_code == 0 and with_env.exit_code == 0, with_env.output
    n_plain = int(re.search(r"from (\d+) file", plain.output).group(1))  # type: ignore[union-attr]
    n_env = int(re.search(r"from (\d+) file", with_env.output).group(1))  # type: ignore[union-attr]
    assert n_env == n_plain + 1


def test_version_changes_with_content(tmp_path: Path) -> None:
    a = load_kb(files=[FIXTURES / "mini.yaml"]).version
    copy = tmp_path / "mini.yaml"
    copy.write_text((FIXTURES / "mini.yaml").read_text() + "\n# edited\n")
    b = load_kb(files=[copy]).version
    assert a.startswith("test+") and b.startswith("test+") and a != b


@pytest.mark.parametrize(("text", "earliest", "latest", "precision"), [
    ("2019", dt.date(2019, 1, 1), dt.date(2019, 12, 31), "year"),
    ("2020-02", dt.date(2020, 2, 1), dt.date(2020, 2, 29), "month"),
    ("2019-10-27", dt.date(2019, 10, 27), dt.date(2019, 10, 27), "day"),
])
def test_fuzzy_dates(text: str, earliest: dt.date, latest: dt.date, precision: str) -> None:
    d = FuzzyDate.parse(text)
    assert (d.earliest, d.latest, d.precision, str(d)) == (earliest, latest, precision, text)


@pytest.mark.parametrize("bad", ["2019-13", "19-10-2019", "2019/10/27", "", "2019-02-30"])
def test_fuzzy_date_rejects_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        FuzzyDate.parse(bad)
