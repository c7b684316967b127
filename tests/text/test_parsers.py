"""Dates, figures, sentences and normalisation: worked examples and property tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kharita.text.dates import find_dates, publication_date
from kharita.text.figures import find_figures, parse_number
from kharita.text.lang import detect_language
from kharita.text.normalize import fold_text, norm_text
from kharita.text.sentences import split_clauses, split_sentences


@pytest.mark.parametrize(("text", "value", "end", "precision"), [
    ("الأربعاء 05/نوفمبر/2025 - 11:42 ص", "2025-11-05", None, "day"),
    ("في 3 تشرين الثاني 2021", "2021-11-03", None, "day"),
    ("في 14 كانون الأول 2019", "2019-12-14", None, "day"),
    ("في شباط 2019", "2019-02", None, "month"),
    ("في فبراير 2025", "2025-02", None, "month"),
    ("١٥ آب ٢٠٢١", "2021-08-15", None, "day"),
    ("November 5, 2025", "2025-11-05", None, "day"),
    ("on 22 March 2024", "2024-03-22", None, "day"),
    ("le 5 novembre 2025", "2025-11-05", None, "day"),
    ("2025-11-05", "2025-11-05", None, "day"),
    ("05/11/2025", "2025-11-05", None, "day"),
    ("(2023–2024)", "2023", "2024", "year"),
    ("بين عامي 2014 و2017", "2014", "2017", "year"),
    ("from 2019 to 2021", "2019", "2021", "year"),
    ("عام 2019", "2019", None, "year"),
])
def test_dates(text: str, value: str, end: str | None, precision: str) -> None:
    found = find_dates(text)
    assert len(found) == 1, found
    d = found[0]
    assert (d.value, d.value_end, d.precision) == (value, end, precision)


def test_not_dates() -> None:
    # an impossible day is no day; the year alone is still a year
    assert [(d.value, d.precision) for d in find_dates("31/02/2020")] == [("2020", "year")]
    assert [d.value for d in find_dates("رقم 12019 و 1,2019")] == []


def test_publication_date_only_near_the_top() -> None:
    head = "عنوان\nالأحد 9 شباط 2024\n" + "نص " * 200 + "وفي 3 آب 2025"
    assert publication_date(head).value == "2024-02-09"  # type: ignore[union-attr]
    late = "عنوان\n" + "نص " * 200 + "وفي 3 آب 2025"
    assert publication_date(late) is None


@pytest.mark.parametrize(("text", "unit", "qualifier", "value", "low", "high"), [
    ("مساحة تقارب 88 ألف كيلومتر مربع", "km2", "about", 88_000, None, None),
    ("بين 25 و50 مليون دولار", "USD", "between", None, 25e6, 50e6),
    ("أكثر من 60%", "percent", "more_than", 60, None, None),
    ("وأقل من 15%", "percent", "less_than", 15, None, None),
    ("أكثر من ٦٠٪", "percent", "more_than", 60, None, None),
    ("خمسة ملايين دولار", "USD", "exactly", 5e6, None, None),
    ("نحو 300 مقاتل", "fighters", "about", 300, None, None),
    ("من 10 إلى 20 في المئة", "percent", "between", None, 10, 20),
    ("between $25 million and $50 million", "USD", "between", None, 25e6, 50e6),
    ("some 1.5 billion dollars", "USD", "about", 1.5e9, None, None),
    ("up to 10,000 square kilometres", "km2", "up_to", 10_000, None, None),
    ("2,000-3,000 fighters", "fighters", "between", None, 2000, 3000),
    ("plus de 200 combattants", "fighters", "more_than", 200, None, None),
    ("$5m", "USD", "exactly", 5e6, None, None),
    # found by hypothesis: a scale written after the first number only applies to both
    ("between 5 million and 10 dollars", "USD", "between", None, 5e6, 10e6),
])
def test_figures(text: str, unit: str, qualifier: str, value: float | None,
                 low: float | None, high: float | None) -> None:
    found = find_figures(text)
    assert len(found) == 1, found
    f = found[0]
    assert (f.unit, f.qualifier, f.value, f.low, f.high) == (unit, qualifier, value, low, high)
    assert text[f.start:f.end].strip() == text[f.start:f.end]


def test_years_and_bare_numbers_are_not_figures() -> None:
    assert find_figures("the 2019 fall, page 12, in 2020 and 2021") == []


def test_parse_number() -> None:
    assert parse_number("1,200") == 1200
    assert parse_number("25٫5") == 25.5
    assert parse_number("1.200.000") == 1_200_000
    assert parse_number("عشره") == 10
    assert parse_number("x") is None


def test_sentences_respect_arabic_punctuation() -> None:
    text = "هل انتهى التنظيم؟ لا؛ بل تغير. قال 1.5 مليون، ثم\nسطر جديد"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "هل انتهى التنظيم؟", "لا؛", "بل تغير.", "قال 1.5 مليون، ثم", "سطر جديد"]
    assert [text[s:e] for s, e in split_clauses(text)][3:5] == ["قال 1.5 مليون،", "ثم"]


def test_normalised_views_map_back_to_the_original() -> None:
    text = "وَبِوِلايَةِ خُراسان ـ ٢٠٢١"
    v = norm_text(text)
    assert v.text == "وبولايه خراسان 2021"
    s, e = v.span(*v.tokens[1])
    assert text[s:e] == "خُراسان"
    f = fold_text("أكثرُ من ٦٠٪")
    assert f.text == "اكثر من 60٪"


def test_language_detection() -> None:
    assert detect_language("أعلن التنظيم مسؤوليته") == "ar"
    assert detect_language("The province claimed the attack.") == "en"
    assert detect_language("La province a revendiqué l'attaque.") == "fr"
    with pytest.raises(ValueError, match="without letters"):
        detect_language("2024 - 12 / 5")


_ALPHABET = st.sampled_from(list(
    "0123456789٠١٢٣٤٥٦٧٨٩ /-–.,%٪()$€ \nاأإآبتثجحخدذرسشصضطظعغفقكلمنهويىةءؤئـَُِّ"
    "abcdefghijklmnoprstuvwyzABCDEFGHIJKLMNOPRSTUVWXYZéè"))
_WORDS = st.sampled_from([
    "بين", "و", "مليون", "ألف", "دولار", "كيلومتر مربع", "أكثر من", "أقل من", "%", "نوفمبر",
    "تشرين الثاني", "كانون الأول", "آب", "2023", "2024", "05/", "/", "–", "(", ")", "٢٠١٩",
    "between", "and", "million", "more than", "fighters", "March", "$", "1,200", "25٫5",
    "عنصرا", "نحو", "من", "إلى", "2019-10-27", "31/02/2020", " ", "\n",
])
_TEXT = st.one_of(st.text(_ALPHABET, max_size=80),
                  st.lists(_WORDS, max_size=25).map(" ".join),
                  st.text(max_size=60))


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_date_parser_never_raises_and_offsets_are_valid(text: str) -> None:
    last_end = -1
    for d in find_dates(text):
        assert 0 <= d.start < d.end <= len(text)
        assert d.start >= last_end  # sorted, non-overlapping
        last_end = d.end
        assert d.precision in ("day", "month", "year", "day-without-year")
        assert len(d.value) in (4, 7, 10)


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_figure_parser_never_raises_and_offsets_are_valid(text: str) -> None:
    for f in find_figures(text):
        assert 0 <= f.start < f.end <= len(text)
        assert text[f.start:f.end].strip()
        assert (f.value is None) != (f.low is None)
        if f.low is not None:
            assert (f.high is not None and f.high >= f.low) or f.qualifier != "between"


@settings(max_examples=150, deadline=None)
@given(_TEXT)
def test_yearless_months_never_raise(text: str) -> None:
    from kharita.text.dates import find_yearless_months

    for s, e, month in find_yearless_months(text):
        assert 0 <= s < e <= len(text) and 1 <= month <= 12
