"""The seed analysis (../shared/seeds, Arabic) read end to end: issue 7's required findings."""

from __future__ import annotations

from pathlib import Path

import pytest

from kharita.text import read

SEED = "000_5cb43c79709cdcda.txt"


@pytest.fixture(scope="module")
def seed(shared_seeds: Path, kb):  # type: ignore[no-untyped-def]
    text = (shared_seeds / SEED).read_text(encoding="utf-8")
    return text, read(text, kb=kb)


def test_every_offset_slices_the_original_text(seed) -> None:  # type: ignore[no-untyped-def]
    text, r = seed
    assert r.mentions
    for m in r.mentions:
        assert text[m.start:m.end] == m.text, m
    for e in r.events:
        assert text[e.start:e.end] == e.text, e
    for c in r.claims:
        assert text[c.sentence_start:c.sentence_end] == c.sentence
        if c.figure_start is not None:
            assert text[c.figure_start:c.figure_end] == c.figure_text
        if c.source_start is not None:
            assert text[c.source_start:c.source_end] == c.source_text


def test_language_and_publication_date(seed) -> None:  # type: ignore[no-untyped-def]
    _text, r = seed
    assert r.language == "ar"
    assert r.published == "2025-11-05"
    pub = [m for m in r.mentions if m.rule == "publication-date"]
    assert [m.text for m in pub] == ["05/نوفمبر/2025"]


def test_network_branches_and_leaders(seed) -> None:  # type: ignore[no-untyped-def]
    _, r = seed
    ids = {m.key for m in r.mentions if m.kind == "entity"}
    for required in ("is", "is-khorasan", "is-west-africa", "is-sahel", "is-central-africa",
                     "is-somalia", "is-gdp", "abu-bakr-al-baghdadi",
                     "abu-hafs-al-hashimi-al-qurashi", "abdulqadir-mumin"):
        assert required in ids, required
    rules = {(m.key, m.text): m.rule for m in r.mentions if m.kind == "entity"}
    assert rules[("is-somalia", "فرع الصومال")] in ("name", "branch-pattern")
    assert rules[("is-khorasan", "خراسان")] == "branch-region-quoted"
    generic = [m for m in r.mentions if m.rule == "generic-after-network"]
    assert generic and all(m.key == "is" for m in generic)
    assert "للتنظيم" in {m.text for m in generic}
    first_network = min(m.start for m in r.mentions if m.kind == "entity" and m.key == "is"
                        and m.rule != "generic-after-network")
    assert all(m.start > first_network for m in generic)


def test_places(seed) -> None:  # type: ignore[no-untyped-def]
    _, r = seed
    places = {m.attrs["name"]: m for m in r.mentions if m.kind == "place"}
    for name, iso3 in (("Iraq", "IRQ"), ("Syria", "SYR"), ("Baghouz", "SYR"),
                       ("Afghanistan", "AFG"), ("Kabul", "AFG"), ("Moscow", "RUS"),
                       ("Paris", "FRA"), ("Turkey", "TUR")):
        assert name in places, name
        assert places[name].attrs["iso3"] == iso3
        assert places[name].attrs["lat"] is not None and places[name].attrs["lon"] is not None


def test_landmark_events(seed) -> None:  # type: ignore[no-untyped-def]
    _, r = seed
    found = {e.entity_id for e in r.events if e.status == "landmark"}
    assert {"fall-of-baghouz-2019", "kabul-airport-attack-2021",
            "crocus-city-hall-attack-2024", "paris-attacks-2015"} <= found
    death = next(e for e in r.events if e.entity_id == "abu-bakr-al-baghdadi")
    assert death.rule == "death-word+person+year" and death.text == "مقتل أبو بكر البغدادي عام 2019"
    kabul = next(e for e in r.events if e.entity_id == "kabul-airport-attack-2021")
    assert kabul.rule == "type-word+place+year" and kabul.date == "2021"
    assert "كابول" in kabul.text


def test_figures(seed) -> None:  # type: ignore[no-untyped-def]
    _, r = seed
    figs = {m.key: m for m in r.mentions if m.kind == "figure"}
    assert figs["km2 88000"].attrs["value"] == 88_000
    usd = figs["USD 2.5e+07-5e+07"]
    assert (usd.attrs["low"], usd.attrs["high"]) == (25_000_000, 50_000_000)
    assert usd.text == "بين 25 و50 مليون دولار"
    assert figs["percent 60"].attrs["qualifier"] == "more_than"
    assert figs["percent 15"].attrs["qualifier"] == "less_than"


def test_claims_with_sources_compared_with_the_kb(seed) -> None:  # type: ignore[no-untyped-def]
    _, r = seed
    usd = next(c for c in r.claims if c.unit == "USD")
    assert (usd.low, usd.high, usd.qualifier) == (25_000_000, 50_000_000, "between")
    assert usd.source_text == "الخزانة الأمريكية" and usd.source_date == "2023"
    assert usd.source_name == "US Department of the Treasury"
    assert usd.subject == "is" and usd.property == "cash_reserves"
    assert usd.comparison in ("same", "different_value", "new")
    pct = {c.value: c for c in r.claims if c.unit == "percent"}
    assert pct[60].qualifier == "more_than" and pct[15].qualifier == "less_than"
    for c in r.claims:
        if c.comparison != "new":
            assert c.kb_claims
