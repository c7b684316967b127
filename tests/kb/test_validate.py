"""Every validation rule, each with a broken fixture, reported as file:line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kharita.cli import app
from kharita.errors import KBValidationError
from kharita.kb import load_kb

FIXTURES = Path(__file__).parent / "fixtures"


def problems_of(name: str) -> list:
    kb = load_kb(files=[FIXTURES / name], check=False)
    return kb.problems


def test_mini_fixture_is_valid() -> None:
    assert problems_of("mini.yaml") == []


@pytest.mark.parametrize(
    ("fixture", "rule", "line", "fragment"),
    [
        ("broken-unknown-id.yaml", "unknown-id", 6, "unknown entity 'ghost-province'"),
        ("broken-unknown-source.yaml", "unknown-id", 4, "unknown source 'src-nowhere'"),
        ("broken-missing-source.yaml", "schema", 5, "sources"),
        ("broken-outside-validity.yaml", "outside-validity", 7, "before prov exists"),
        ("broken-overlapping-tenure.yaml", "overlapping-tenure", 9, "overlaps that of p1"),
        ("broken-future-date.yaml", "future-date", 4, "2999-01-01"),
        ("broken-malformed-date.yaml", "schema", 4, "impossible date '2019-13-45'"),
        ("broken-duplicate-id.yaml", "duplicate-id", 5, "duplicate entity id 'org'"),
        ("broken-inverted-interval.yaml", "inverted-interval", 4, "ends (2015) before"),
        ("broken-bad-range.yaml", "bad-range", 6, "low 50.0 > high 25.0"),
        ("broken-unknown-field.yaml", "schema", 4, "colour"),
        ("broken-yaml.yaml", "schema", None, "cannot read YAML"),
        ("broken-missing-start.yaml", "missing-start", 11, "entity office-timeless (office)"),
        ("broken-missing-start.yaml", "missing-start", 17, "office-timeless -part_of-> org"),
        ("broken-part-of-cycle.yaml", "part-of-cycle", 10, "prov-a -> prov-b -> prov-a"),
        ("broken-part-of-cycle.yaml", "part-of-cycle", 11, "self-loop: prov-c -> prov-c"),
        ("broken-two-parents.yaml", "two-parents", 13, "prov-sahel has two formal parents"),
        ("broken-two-offices.yaml", "two-parents", 11, "prov-x has two offices at once"),
        ("broken-duplicate-key.yaml", "duplicate-key", 9, "'valid' in entities record prov-dup"),
        ("broken-alias-bomb.yaml", "limits", 3, "YAML alias *a0 refused"),
    ],
)
def test_each_rule_reports_file_line_and_message(fixture: str, rule: str, line: int | None,
                                                 fragment: str) -> None:
    found = problems_of(fixture)
    assert found, f"{fixture} should fail validation"
    hits = [p for p in found if p.rule == rule and fragment in p.message]
    assert hits, f"expected [{rule}] ~ {fragment!r} in {[str(p) for p in found]}"
    p = hits[0]
    assert p.file.endswith(fixture)
    if line is not None:
        assert p.line == line
    assert str(p).startswith(f"{p.file}:{p.line}" if p.line else p.file)


def test_load_raises_with_every_problem() -> None:
    with pytest.raises(KBValidationError) as info:
        load_kb(files=[FIXTURES / "broken-unknown-id.yaml"])
    assert "ghost-province" in str(info.value)
    assert len(info.value.problems) == 1


def test_future_is_relative_to_today() -> None:
    from kharita.kb.validate import validate

    kb = load_kb(files=[FIXTURES / "mini.yaml"])
    assert validate(kb, today=dt.date(2010, 1, 1))  # everything is "future" in 2010
    assert validate(kb) == []


def test_cli_validate_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["kb", "validate"])
    assert ok.exit_code == 0, ok.output
    assert "OK" in ok.output
    bad = runner.invoke(app, ["kb", "validate", "--kb", str(FIXTURES / "broken-unknown-id.yaml")])
    assert bad.exit_code == 1
    assert "broken-unknown-id.yaml:6" in bad.output
    assert "ghost-province" in bad.output


def test_month_precision_handover_is_not_two_parents() -> None:
    """The fixture's second transition ("2022-03" -> "2022-03") is a handover: only the
    year-precision one is reported."""
    found = [p for p in problems_of("broken-two-parents.yaml") if p.rule == "two-parents"]
    assert len(found) == 1
    assert "2022-03–)" not in found[0].message


def test_shipped_kb_has_no_timeless_organisation() -> None:
    """Every directorate, office and province of the shipped KB has a start date, so none
    is in the network before it existed (issue 12: al-Anfal in 2015)."""
    kb = load_kb()
    timeless = [e.id for e in kb.entities.values()
                if e.type in ("directorate", "office", "province") and e.valid.from_ is None]
    assert timeless == []
    assert kb.as_of("2010-06-01").offices() == {}
    assert "is-office-anfal" not in kb.as_of("2015-06-01").offices()
