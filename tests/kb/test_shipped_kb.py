"""The knowledge base shipped in ``kharita/kb/data``: valid, complete, time-aware.

These tests read the real YAML files (no fixtures of their own): they fail when a
required id, relation, tenure, alias or territory is removed or broken.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from kharita import load_kb
from kharita.kb.knowledge import KnowledgeBase
from kharita.kb.validate import validate

REQUIRED_IDS = [
    "is", "is-iraq", "is-syria", "is-gdp",
    "is-office-furqan", "is-office-karrar", "is-office-siddiq",
    "is-west-africa", "is-sahel", "is-central-africa", "is-mozambique", "is-somalia",
    "is-khorasan", "is-pakistan", "is-hind", "is-east-asia", "is-libya", "is-sinai",
    "is-yemen", "is-turkiye", "is-caucasus", "is-algeria", "is-saudi",
    "jas", "isi", "aqi", "jtj", "msc", "boko-haram", "adf", "ansar-al-sunna-moz",
    "abu-omar-al-baghdadi", "abu-bakr-al-baghdadi", "abu-ibrahim-al-hashimi-al-qurashi",
    "abu-al-hasan-al-hashimi-al-qurashi", "abu-al-husayn-al-husayni-al-qurashi",
    "abu-hafs-al-hashimi-al-qurashi", "abdulqadir-mumin",
    "paris-attacks-2015", "fall-of-baghouz-2019", "kabul-airport-attack-2021",
    "crocus-city-hall-attack-2024",
]

#: Provinces outside Iraq/Syria plus the core, active on 1 June 2024.
PROVINCES_2024 = {
    "is-iraq", "is-syria", "is-west-africa", "is-sahel", "is-central-africa",
    "is-mozambique", "is-somalia", "is-khorasan", "is-pakistan", "is-hind",
    "is-east-asia", "is-libya", "is-sinai", "is-yemen", "is-turkiye", "is-caucasus",
    "is-algeria", "is-saudi",
}


def _branch(kb: KnowledgeBase, iso3: str, admin1: str | None, day: str) -> str | None:
    """Resolve a place and date to a branch with the territory rules (highest priority).

    A minimal reading of the rules, as attribution uses them: country must match; a rule
    with ``admin1`` needs the event's admin1 among them (case-insensitive); validity is
    read leniently (see ``Validity.contains``).
    """
    date = dt.date.fromisoformat(day)
    a1 = admin1.casefold() if isinstance(admin1, str) else ""  # NaN/None: no admin1
    hits = []
    for t in kb.territories:
        if t.country != iso3 or not t.valid.contains(date):
            continue
        if t.admin1 and a1 not in {x.casefold() for x in t.admin1}:
            continue
        if a1 and a1 in {x.casefold() for x in t.exclude_admin1}:
            continue
        hits.append(t)
    if not hits:
        return None
    top = max(t.priority for t in hits)
    winners = {t.entity for t in hits if t.priority == top}
    assert len(winners) == 1, f"tie between {winners} at {iso3}/{admin1} on {day}"
    return winners.pop()


# --- validity -------------------------------------------------------------------------


def test_shipped_kb_validates_with_zero_problems() -> None:
    kb = load_kb(check=False)
    assert kb.problems == []
    assert validate(kb) == []


def test_every_record_cites_a_registered_source(kb) -> None:
    records = [*kb.entities.values(), *kb.relations, *kb.territories, *kb.claims]
    for rec in records:
        assert rec.sources, rec
        assert set(rec.sources) <= set(kb.sources), rec
    for e in kb.entities.values():
        for fact in e.dates:
            assert set(fact.sources) <= set(kb.sources), (e.id, fact)


@pytest.mark.parametrize("entity_id", REQUIRED_IDS)
def test_required_id_exists(kb, entity_id: str) -> None:
    assert entity_id in kb.entities


def test_provinces_have_region_and_arabic_name(kb) -> None:
    allowed = {"Middle East", "Africa", "South Asia", "Southeast Asia", "Europe", "Central Asia"}
    for e in kb.entities.values():
        if e.type == "province":
            assert e.region in allowed, e.id
            assert e.names.ar, e.id


def test_no_normalised_name_points_to_two_entities(kb) -> None:
    clashes = {key: {eid for eid, _, _ in hits} for key, hits in kb.name_index().items()
               if len({eid for eid, _, _ in hits}) > 1}
    assert clashes == {}


def test_dataset_names_are_unique_and_on_the_right_entities(kb) -> None:
    owners: dict[tuple[str, str], str] = {}
    for e in kb.entities.values():
        ds = e.dataset_names
        for field in ("acled", "gtd", "gdelt"):
            for name in getattr(ds, field):
                key = (field, name)
                assert key not in owners, f"{key} on {owners.get(key)} and {e.id}"
                owners[key] = e.id
        for actor in ds.ucdp_actor_id:
            key = ("ucdp", str(actor))
            assert key not in owners, f"{key} on {owners.get(key)} and {e.id}"
            owners[key] = e.id
    assert owners[("ucdp", "234")] == "is"
    assert owners[("gtd", "Boko Haram")] == "boko-haram"
    assert owners[("gtd", "Khorasan Chapter of the Islamic State")] == "is-khorasan"
    assert owners[("gtd", "Islamic State of Iraq (ISI)")] == "isi"
    assert owners[("gtd", "Al-Qaida in Iraq")] == "aqi"
    assert owners[("gtd", "Tawhid and Jihad")] == "jtj"
    assert owners[("acled", "Islamic State (West Africa)")] == "is-west-africa"
    assert owners[("acled", "Islamic State (Greater Sahara)")] == "is-sahel"
    assert owners[("acled", "Islamic State (Mozambique)")] == "is-mozambique"
    assert owners[("acled", "Islamic State (Somalia)")] == "is-somalia"
    assert owners[("acled", "Islamist Militia (Mozambique)")] == "ansar-al-sunna-moz"


# --- the network on 1 June 2024 -----------------------------------------------------------


def test_as_of_2024_provinces(kb) -> None:
    snap = kb.as_of("2024-06-01")
    assert {p.id for p in snap.provinces()} == PROVINCES_2024
    # predecessors and the splinter are not part of the network then
    assert not {"isi", "aqi", "jtj", "msc"} & set(snap.entities)
    assert "jas" in snap.entities and "jas" not in {p.id for p in snap.provinces()}


def test_as_of_2024_offices_and_coverage(kb) -> None:
    offices = kb.as_of("2024-06-01").offices()
    assert offices["is-office-karrar"] == ["is-central-africa", "is-mozambique", "is-somalia"]
    assert {"is-west-africa", "is-sahel"} <= set(offices["is-office-furqan"])
    assert offices["is-office-siddiq"] == ["is-hind", "is-khorasan", "is-pakistan"]
    assert "is-office-anfal" not in offices  # described as almost defunct in 2022


def test_as_of_2024_leader_and_json_view(kb) -> None:
    snap = kb.as_of("2024-06-01")
    leader = snap.leader("is")
    assert leader is not None and leader.id == "abu-hafs-al-hashimi-al-qurashi"
    view = snap.to_dict()
    (tenure,) = view["leaders"]["is"]
    assert tenure["person"]["name_ar"] == "أبو حفص الهاشمي القرشي"
    assert tenure["sources"] and set(tenure["sources"]) <= set(view["sources"])
    karrar = next(o for o in view["offices"] if o["id"] == "is-office-karrar")
    assert all(c["sources"] for c in karrar["coverage"])


# --- tenures on boundary dates --------------------------------------------------------------


@pytest.mark.parametrize(("day", "org", "expected"), [
    ("2006-06-07", "aqi", "abu-musab-al-zarqawi"),   # day of death
    ("2006-06-08", "aqi", "abu-ayyub-al-masri"),
    ("2010-04-18", "isi", "abu-omar-al-baghdadi"),   # day of death
    ("2010-04-19", "isi", None),                     # interregnum
    ("2010-05-16", "isi", "abu-bakr-al-baghdadi"),   # successor announced
    ("2013-04-07", "isi", "abu-bakr-al-baghdadi"),
    ("2013-04-08", "is", "abu-bakr-al-baghdadi"),    # ISIL from 8 April 2013
    ("2019-10-26", "is", "abu-bakr-al-baghdadi"),    # day of death
    ("2019-10-27", "is", None),                      # day after: no leader recorded
    ("2019-10-31", "is", "abu-ibrahim-al-hashimi-al-qurashi"),
    ("2022-02-03", "is", "abu-ibrahim-al-hashimi-al-qurashi"),
    ("2022-02-04", "is", None),
    ("2022-12-01", "is", "abu-al-husayn-al-husayni-al-qurashi"),
    ("2023-08-02", "is", None),
    ("2023-08-03", "is", "abu-hafs-al-hashimi-al-qurashi"),
    ("2021-08-31", "is-sahel", "abu-walid-al-sahrawi"),   # killed in August 2021
    ("2021-09-15", "is-sahel", None),                     # announced by Macron; no successor
    ("2019-06-01", "is-west-africa", "ba-idrisa"),
    ("2016-01-01", "is-khorasan", "hafiz-saeed-khan"),
    ("2019-06-01", "is-khorasan", "aslam-farooqi"),
    ("2021-08-26", "is-khorasan", "shahab-al-muhajir"),
    ("2016-01-01", "is-caucasus", "abu-muhammad-al-qadari"),
    ("2018-06-01", "is-yemen", "abu-osama-al-muhajir"),
    ("2023-02-20", "is-gdp", "abu-sarah-al-iraqi"),
    ("2020-06-15", "is-office-siddiq", "shahab-al-muhajir"),
    ("2024-06-01", "is-gdp", "abdulqadir-mumin"),
    ("2024-06-01", "is-office-karrar", "abdulqadir-mumin"),
    ("2024-06-01", "is-somalia", "abdirahman-fahiye"),
])
def test_leader_on_boundary_dates(kb, day: str, org: str, expected: str | None) -> None:
    leader = kb.as_of(day).leader(org)
    assert (leader.id if leader else None) == expected


def test_dead_leader_leaves_the_snapshot_the_day_after(kb) -> None:
    assert "abu-bakr-al-baghdadi" in kb.as_of("2019-10-26").entities
    assert "abu-bakr-al-baghdadi" not in kb.as_of("2019-10-27").entities


def test_successive_leaders_since_2010(kb) -> None:
    assert [p.id for _, p in kb.leaders("is")] == [
        "abu-bakr-al-baghdadi", "abu-ibrahim-al-hashimi-al-qurashi",
        "abu-al-hasan-al-hashimi-al-qurashi", "abu-al-husayn-al-husayni-al-qurashi",
        "abu-hafs-al-hashimi-al-qurashi",
    ]


def test_dead_leaders_have_death_and_announcement_dates(kb) -> None:
    leaders = {r.target for r in kb.relations if r.type == "led_by"}
    dead = [kb.entities[p] for p in leaders if any(f.kind == "death" for f in kb.entities[p].dates)]
    assert len(dead) >= 5
    for person in dead:
        kinds = {f.kind for f in person.dates}
        # an announcement, or a death note saying none was found in the sources read
        assert "death_announced" in kinds or any(
            f.kind == "death" and "no announcement" in (f.note or "")
            for f in person.dates), person.id
        for fact in person.dates:
            assert fact.sources, (person.id, fact.kind)
        # the person's validity ends no earlier than the earliest reported death
        earliest = min(f.date.earliest for f in person.dates if f.kind == "death")
        assert person.valid.to is not None and person.valid.to.latest >= earliest, person.id


def test_disagreeing_sources_are_kept(kb) -> None:
    husayn = kb.entity("abu-al-husayn-al-husayni-al-qurashi")
    announced = sorted(str(f.date) for f in husayn.dates if f.kind == "death_announced")
    assert announced == ["2023-04", "2023-08-03"]


# --- names as the seed analysis writes them -----------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("ولاية خراسان", "is-khorasan"),
    ("ولاية غرب إفريقيا", "is-west-africa"),
    ("ولاية غرب أفريقيا", "is-west-africa"),
    ("المديرية العامة للولايات", "is-gdp"),
    ("عبد القادر مؤمن", "abdulqadir-mumin"),
    ("أبو حفص الهاشمي القرشي", "abu-hafs-al-hashimi-al-qurashi"),
    ("أبو بكر البغدادي", "abu-bakr-al-baghdadi"),
    ("وداعش", "is"),
    ("ولاية الصحراء الكبرى", "is-sahel"),
    ("ولاية وسط إفريقيا", "is-central-africa"),
    ("فرع الصومال", "is-somalia"),
    ("ولاية سيناء", "is-sinai"),
    ("ولاية الساحل", "is-sahel"),
    ("ISWAP", "is-west-africa"),
    ("ISIS-K", "is-khorasan"),
    ("IS-K", "is-khorasan"),
    ("ISCAP", "is-central-africa"),
    ("Islamic State (West Africa)", "is-west-africa"),
    ("État islamique au Grand Sahara", "is-sahel"),
    ("al-Karrar office", "is-office-karrar"),
])
def test_seed_and_dataset_name_forms_resolve(kb, name: str, expected: str) -> None:
    assert [m.entity_id for m in kb.find(name)] == [expected]


def test_generic_word_for_the_organisation_is_not_an_alias(kb) -> None:
    # "التنظيم" ("the organisation") is generic Arabic and must not resolve to anything.
    assert kb.find("التنظيم") == []
    assert kb.find("للتنظيم") == []


def test_seed_name_forms_occur_in_the_seed_text(shared_seeds: Path, kb) -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(shared_seeds.glob("*.txt")))
    for form in ("ولاية خراسان", "ولاية غرب إفريقيا", "داعش"):
        assert form in text
        assert kb.find(form)


# --- territories: attribution of UCDP's single actor IS -------------------------------------


@pytest.mark.parametrize(("iso3", "admin1", "day", "expected"), [
    ("IRQ", "Nīnawá province", "2004-06-01", "jtj"),
    ("IRQ", "Nīnawá province", "2005-06-01", "aqi"),
    ("IRQ", "Nīnawá province", "2008-06-01", "isi"),
    ("IRQ", "Nīnawá province", "2013-04-08", "is-iraq"),
    ("IRQ", "Nīnawá province", "2016-01-15", "is-iraq"),
    ("SYR", "Deir ez Zor governorate", "2017-10-04", "is-syria"),
    ("NGA", "Borno state", "2015-02-01", None),          # before the acceptance
    ("NGA", "Borno state", "2018-11-27", "is-west-africa"),
    ("NER", "Diffa region", "2021-04-29", "is-west-africa"),
    ("NER", "Tillabéri region", "2020-01-09", "is-sahel"),
    ("TCD", "Lac", "2020-03-23", "is-west-africa"),
    ("CMR", "Far North region", "2021-07-24", "is-west-africa"),
    ("MLI", "Gao region", "2020-08-22", "is-sahel"),
    ("MLI", "Gao region", "2016-01-01", None),           # before recognition
    ("BFA", "Sahel region", "2020-10-15", "is-sahel"),
    ("COD", "Ituri province", "2021-11-01", "is-central-africa"),
    ("MOZ", "Cabo Delgado", "2020-08-12", "is-central-africa"),
    ("MOZ", "Cabo Delgado", "2022-05-08", "is-central-africa"),
    ("MOZ", "Cabo Delgado", "2022-05-09", "is-mozambique"),
    ("SOM", "Bari", "2023-01-01", "is-somalia"),
    ("AFG", "Nangarhar province", "2017-05-15", "is-khorasan"),
    ("PAK", "Balochistan", "2018-07-13", "is-khorasan"),
    ("PAK", "Balochistan", "2019-05-15", "is-pakistan"),
    ("IND", "Jammu and Kashmir", "2019-05-10", "is-hind"),
    ("PHL", "Basilan province", "2019-01-27", "is-east-asia"),
    ("LBY", "Surt district", "2016-05-30", "is-libya"),
    ("EGY", "North Sinai governorate", "2021-03-23", "is-sinai"),
    ("EGY", "Cairo", "2017-04-09", None),                # mainland Egypt: network level
    ("YEM", "Ta'izz governorate", "2019-02-07", "is-yemen"),
    ("RUS", "Stavropol krai", "2018-05-01", "is-caucasus"),
    ("RUS", "Moscow Oblast", "2024-03-22", None),        # Crocus: not the Caucasus province
    ("DZA", "Boumerdes province", "2015-05-19", "is-algeria"),
    ("TUR", "Istanbul", "2024-01-28", "is-turkiye"),
    ("SAU", "Riyadh", "2016-07-04", "is-saudi"),
])
def test_territories_attribute_places_and_dates(kb, iso3, admin1, day, expected) -> None:
    assert _branch(kb, iso3, admin1, day) == expected


def test_territory_entities_exist_on_their_dates(kb) -> None:
    for t in kb.territories:
        ent = kb.entities[t.entity]
        if t.valid.from_ is not None and ent.valid.from_ is not None:
            assert t.valid.from_.latest >= ent.valid.from_.earliest, (t.entity, t.country)
        assert len(t.country) == 3 and t.country.isupper()


UCDP_COUNTRIES = {
    "Iraq": "IRQ", "Syria": "SYR", "Nigeria": "NGA", "Niger": "NER", "Cameroon": "CMR",
    "Mali": "MLI", "Burkina Faso": "BFA", "DR Congo (Zaire)": "COD", "Afghanistan": "AFG",
    "Libya": "LBY", "Egypt": "EGY", "Yemen (North Yemen)": "YEM", "Algeria": "DZA",
    "Russia (Soviet Union)": "RUS", "Philippines": "PHL",
}


def _is_rows(path: Path, hxl_row: bool) -> pd.DataFrame:
    df = pd.read_csv(path, skiprows=[1] if hxl_row else None, low_memory=False)
    mask = (df["side_a"].astype(str) == "IS") | (df["side_b"].astype(str) == "IS")
    return df.loc[mask, ["country", "adm_1", "date_start"]]


def test_real_ucdp_is_rows_in_nigeria_and_iraq_resolve(shared_data: Path, kb) -> None:
    nga = _is_rows(shared_data / "ucdp-ged" / "conflict_data_nga.csv", hxl_row=True)
    got = {_branch(kb, "NGA", a1, str(d)[:10])
           for a1, d in zip(nga.adm_1, nga.date_start, strict=True)}
    assert got == {"is-west-africa"}
    irq = _is_rows(shared_data / "ucdp-ged" / "conflict_data_irq.csv", hxl_row=True)
    by_branch = pd.Series([_branch(kb, "IRQ", a1, str(d)[:10])
                           for a1, d in zip(irq.adm_1, irq.date_start, strict=True)]).value_counts()
    assert set(by_branch.index) == {"jtj", "aqi", "isi", "is-iraq"}
    assert by_branch.sum() == len(irq)


def test_real_ucdp_syria_is_rows_resolve(shared_data: Path, kb) -> None:
    syr = _is_rows(shared_data / "ucdp-ged" / "ucdp_syria_df.csv.gz", hxl_row=False)
    got = {_branch(kb, "SYR", a1, str(d)[:10])
           for a1, d in zip(syr.adm_1, syr.date_start, strict=True)}
    assert got == {"is-syria"}


def _affiliations(kb: KnowledgeBase, entity_id: str, day: str) -> set[str]:
    date = dt.date.fromisoformat(day)
    return {r.target for r in kb.relations
            if r.type == "affiliated_with" and r.source == entity_id and r.valid.contains(date)}


def test_real_ucdp_jas_rows_follow_the_affiliation_periods(shared_data: Path, kb) -> None:
    """UCDP actor 1051 (JAS) is Boko Haram before March 2015 and Shekau's faction after
    the August 2016 split; in between UCDP codes the group as IS."""
    df = pd.read_csv(shared_data / "ucdp-ged" / "conflict_data_nga.csv", skiprows=[1],
                     low_memory=False)
    ids = {int(x) for x in kb.entity("boko-haram").dataset_names.ucdp_actor_id}
    mask = df["side_a_new_id"].isin(ids) | df["side_b_new_id"].isin(ids)
    days = sorted(str(d)[:10] for d in df.loc[mask, "date_start"])
    assert days, "no JAS rows found"
    for day in days:
        targets = _affiliations(kb, "boko-haram", day)
        if day < "2015-03-12":
            assert targets == set(), day
        elif day >= "2016-08-03":
            assert targets == {"jas"}, day
    assert _affiliations(kb, "boko-haram", "2015-06-01") == {"is-west-africa"}


def test_real_ucdp_global_sample_is_rows_resolve(shared_data: Path, kb) -> None:
    rows = _is_rows(shared_data / "ucdp-ged" / "ucdpged.csv", hxl_row=False)
    unresolved = []
    for country, a1, day in zip(rows.country, rows.adm_1, rows.date_start, strict=True):
        iso3 = UCDP_COUNTRIES[country]
        if _branch(kb, iso3, a1, str(day)[:10]) is None:
            unresolved.append((iso3, str(day)[:10]))
    # Only the January 2017 Basilan event predates the East Asia province (mid-2018).
    assert unresolved == [("PHL", "2017-01-12")]


# --- claims ---------------------------------------------------------------------------------


def test_key_claims_are_sourced(kb) -> None:
    claims = {c.id: c for c in kb.claims}
    peak = claims["peak-territory-88000-km2"]
    assert (peak.value, peak.unit, peak.subject) == (88000, "km2", "is")
    reserves = claims["reserves-2022-treasury"]
    assert reserves.qualifier == "more_than" and reserves.unit == "USD"
    assert kb.sources[reserves.sources[0]].kind == "government"
    for seed_claim in ("seed-share-centrally-directed", "seed-share-recruits-economic-africa"):
        assert claims[seed_claim].sources == ["seed-batakoushy-2025"]
        assert claims[seed_claim].confidence <= 0.3
