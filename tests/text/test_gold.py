"""Precision and recall of mentions on kharita's own short Arabic and English articles."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kharita.text import read

from .conftest import REPORT
from .gold import CORPUS, mention_key, precision_recall

FLOOR = 0.8


@pytest.fixture(scope="module")
def scores(kb):  # type: ignore[no-untyped-def]
    rows = []
    found_all: set[tuple[str, ...]] = set()
    gold_all: set[tuple[str, ...]] = set()
    for name, lang, text, gold in CORPUS:
        r = read(text, kb=kb)
        for m in r.mentions:
            assert text[m.start:m.end] == m.text
        found = {mention_key(m) for m in r.mentions}
        p, rec, tp, fp, fn = precision_recall(found, gold)
        rows.append((name, r.language, lang, p, rec, tp, fp, fn, found - gold, gold - found))
        found_all |= {(name, *k) for k in found}
        gold_all |= {(name, *k) for k in gold}
    return rows, precision_recall(found_all, gold_all)  # type: ignore[arg-type]


def test_precision_recall_table(scores) -> None:  # type: ignore[no-untyped-def]
    rows, (p_all, r_all, tp, fp, fn) = scores
    lines = ["mentions on kharita's own test articles (kind, key, surface; set-based)",
             f"{'text':6} {'lang':4} {'P':>6} {'R':>6} {'TP':>4} {'FP':>4} {'FN':>4}"]
    for name, lang, _, p, r, tp_, fp_, fn_, extra, missed in rows:
        lines.append(f"{name:6} {lang:4} {p:6.3f} {r:6.3f} {tp_:4d} {fp_:4d} {fn_:4d}")
        lines.extend(f"         false positive: {item}" for item in sorted(extra))
        lines.extend(f"         missed:         {item}" for item in sorted(missed))
    lines.append(f"{'all':6} {'':4} {p_all:6.3f} {r_all:6.3f} {tp:4d} {fp:4d} {fn:4d}")
    print("\n" + "\n".join(lines))  # shown with -s; the summary section shows it always
    REPORT[:] = lines
    assert p_all >= FLOOR and r_all >= FLOOR
    for row in rows:
        assert row[3] >= FLOOR and row[4] >= FLOOR, row[0]


def test_detected_language(scores) -> None:  # type: ignore[no-untyped-def]
    rows, _ = scores
    for name, detected, expected, *_ in rows:
        assert detected == expected, name


def test_branch_pattern_and_clitics(kb) -> None:  # type: ignore[no-untyped-def]
    text = "وقال إن فرع موزمبيق وداعش وبولاية خراسان تنافس فرع التنظيم في الصومال."
    r = read(text, kb=kb)
    got = {(m.key, m.text, m.rule) for m in r.mentions if m.kind == "entity"}
    assert ("is-mozambique", "فرع موزمبيق", "branch-pattern") in got
    assert ("is", "داعش", "clitic:و") in got
    assert ("is-khorasan", "ولاية خراسان", "clitic:وب") in got
    assert ("is-somalia", "فرع التنظيم في الصومال", "branch-pattern") in got


def test_generic_organisation_needs_an_earlier_network_mention(kb) -> None:  # type: ignore[no-untyped-def]
    before = read("قال التنظيم في بيان إن هجوما وقع.", kb=kb)
    assert not [m for m in before.mentions if m.kind == "entity"]
    after = read("تبنى داعش الهجوم، وقال التنظيم في بيان إن ...", kb=kb)
    generic = [m for m in after.mentions if m.rule == "generic-after-network"]
    assert [(m.key, m.text) for m in generic] == [("is", "التنظيم")]


def test_latin_acronyms_are_case_sensitive(kb) -> None:  # type: ignore[no-untyped-def]
    r = read("This is what IS said; the group is active.", kb=kb)
    assert [m.text for m in r.mentions if m.kind == "entity"] == ["IS"]


def test_leader_death_and_candidate_events(kb) -> None:  # type: ignore[no-untyped-def]
    text = ("Abu Bakr al-Baghdadi was killed in Syria in October 2019. "
            "Abu Bakr al-Baghdadi spoke in Mosul in 2014. "
            "A bombing hit a market in Maiduguri on 3 May 2023.")
    r = read(text, kb=kb)
    refs = [(e.status, e.entity_id, e.rule, e.text) for e in r.events]
    assert refs[0] == ("landmark", "abu-bakr-al-baghdadi", "death-word+person+year",
                       "Abu Bakr al-Baghdadi was killed in Syria in October 2019")
    assert len(refs) == 2  # no death in the second sentence
    cand = r.events[1]
    assert (cand.status, cand.place, cand.iso3, cand.date, cand.event_type) == (
        "candidate", "Maiduguri", "NGA", "2023-05-03", "explosion_remote")
    assert text[cand.start:cand.end] == cand.text


_PIECES = st.sampled_from([
    "داعش", "وداعش", "للتنظيم", "التنظيم", "ولاية خراسان", "بولاية", "فرع الصومال", "«خراسان»",
    "فروع", "العراق", "والموصل", "كابول", "2019", "(2023–2024)", "05/نوفمبر/2025", "خلال نيسان",
    "بين 25 و50 مليون دولار", "أكثر من 60%", "تشير تقارير الخزانة الأمريكية (2023) إلى أن",
    "هجوم", "تفجير", "مقتل", "أبو بكر البغدادي", "ISKP", "IS", "is", "the Islamic State",
    "according to the UN", "attack", "Moscow", "in 2024", "Somalia branch", "$5m", "،", ".",
    "؟", "\n", " ", "ـ", "َ", "٢٠٢١", "Abdulqadir Mumin", "killed",
])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_PIECES, max_size=30).map(" ".join))
def test_read_never_raises_and_points_into_the_text(kb, text: str) -> None:  # type: ignore[no-untyped-def]
    r = read(text, kb=kb)
    assert r.language in ("ar", "en", "fr", "und")
    for m in r.mentions:
        assert text[m.start:m.end] == m.text and m.text.strip() == m.text
    for e in r.events:
        assert text[e.start:e.end] == e.text
    for c in r.claims:
        assert text[c.sentence_start:c.sentence_end] == c.sentence
