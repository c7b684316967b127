"""Figures with units: money, percentages, areas and counts, single values or ranges.

Grammar (on folded text, see :func:`kharita.text.normalize.fold`)::

    figure    = [qualifier] ( range | number ) [scale] unit
    range     = ("بين"|"between"|"entre") number [scale] ("و"|"and"|"et") number
              | ["من"|"from"] number [scale] ("-"|"–"|"إلى"|"to"|"à") number
    number    = digits (1,200 / 1.5 / ٢٥ / 25٫5) | number word (ثلاثة، عشرات، five ...)
    scale     = ألف/آلاف | مليون/ملايين | مليار/مليارات | thousand | million | billion | ...
    unit      = currency (دولار، $، USD، يورو، euros ...) | percent (%، ٪، في المئة, percent)
              | area (كيلومتر مربع، كم2، km², square kilometres ...)
              | count noun (مقاتل، عنصر، قتيل، هجوم، جنود، fighters, attacks, people,
                soldiers ...)

A currency may also precede the number ("$25 million", "US$ 5m").
The value is number x scale: "88 ألف كيلومتر مربع" is 88,000 km2 and
"بين 25 و50 مليون دولار" is USD 25,000,000-50,000,000 (the scale written after
the second number applies to both). Qualifiers: ``more_than`` ("أكثر من", "more
than", "over", "plus de"), ``less_than`` ("أقل من", "less than", "fewer than",
"moins de"), ``about`` ("نحو", "حوالي", "تقارب", "about", "some", "environ"),
``up_to`` ("ما يصل إلى", "لا تتجاوز", "up to", "at most"), ``between`` for ranges,
else ``exactly``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kharita.text.normalize import fold_pattern, fold_text

_SCALES = {
    "الف": 1e3, "الاف": 1e3, "الفا": 1e3, "thousand": 1e3, "thousands": 1e3, "mille": 1e3,
    "k": 1e3, "مليون": 1e6, "ملايين": 1e6, "million": 1e6, "millions": 1e6, "m": 1e6,
    "mn": 1e6, "مليار": 1e9, "مليارات": 1e9, "بليون": 1e9, "billion": 1e9, "billions": 1e9,
    "milliard": 1e9, "milliards": 1e9, "bn": 1e9,
}
_WORDS = {
    "واحد": 1, "اثنان": 2, "اثنين": 2, "ثلاثه": 3, "ثلاث": 3, "اربعه": 4, "اربع": 4,
    "خمسه": 5, "خمس": 5, "سته": 6, "ست": 6, "سبعه": 7, "سبع": 7, "ثمانيه": 8, "ثماني": 8,
    "تسعه": 9, "تسع": 9, "عشره": 10, "عشر": 10, "عشرين": 20, "عشرون": 20, "ثلاثين": 30,
    "ثلاثون": 30, "اربعين": 40, "اربعون": 40, "خمسين": 50, "خمسون": 50, "مئه": 100,
    "مائه": 100, "مئات": 100, "عشرات": 10, "one": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "twelve": 12,
    "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
    "hundreds": 100, "dozens": 12, "deux": 2, "trois": 3, "cinq": 5, "dix": 10,
}
_UNITS: list[tuple[str, str]] = [
    ("USD", r"دولار(?:ا|ات)?(?:\s+امريكي|\s+أمريكي)?|us\$|\$|usd|dollars?|dollars?\s+americains?"),
    ("EUR", r"يورو|€|eur|euros?"),
    ("percent", r"%|٪|في\s*الما?ئه|بالما?ئه|percent|per\s+cent|pour\s*cent|pourcent"),
    ("km2", r"كيلو\s*متر(?:ات|ا)?\s+مربع(?:ه|ا)?|كم\s*2|كم\s+مربع|كم²|km2|km²|km\^2"
            r"|square\s+kilometers?|square\s+kilometres?|sq\.?\s*km|kilometres?\s+carres?"
            r"|kilomètres?\s+carrés?"),
    ("mi2", r"ميل\s+مربع|square\s+miles?"),
    ("fighters", r"مقاتل(?:ا|ين|ون)?|عنصر(?:ا)?|عناصر|fighters?|militants?|combattants?"),
    ("people", r"شخص(?:ا)?|اشخاص|مدني(?:ا|ين)?|people|persons|civilians|personnes|civils"),
    ("deaths", r"قتيل(?:ا)?|قتلى|dead|deaths|killed|morts|tues|tués"),
    ("attacks", r"هجوم(?:ا)?|هجمات|عمليه|عمليات|attacks?|operations|attaques?"),
    ("members", r"عضو(?:ا)?|اعضاء|members|membres|recruits|مجند(?:ا|ين)?"),
    ("soldiers", r"جندي(?:ا)?|جنود|عسكري(?:ا|ين)?|soldiers|troops|policemen|soldats"),
]
# digits with , . ٫ ٬ separators, or thin/no-break/plain spaces between groups of three
_NUM = r"(?:\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?![\d.,٫٬])|\d+(?:[.,٫٬]\d+)*)"
_WORD_RX = "|".join(sorted(_WORDS, key=len, reverse=True))
_NUMBER = rf"(?:{_NUM}|(?:{_WORD_RX}))"
_SCALE_RX = "|".join(sorted(_SCALES, key=len, reverse=True))
_UNIT_RX = "|".join(f"(?P<u_{name}>{rx})" for name, rx in _UNITS)
_QUAL = {
    "more_than": r"اكثر\s+من|ازيد\s+من|ما\s+يزيد\s+(?:على|عن)|يزيد\s+(?:على|عن)|يتجاوز|تتجاوز"
                 r"|more\s+than|over|above|in\s+excess\s+of|plus\s+de|au\s+moins|at\s+least",
    "less_than": r"اقل\s+من|ما\s+يقل\s+عن|less\s+than|fewer\s+than|under|below|moins\s+de",
    "about": r"نحو|حوالي|حوالى|قرابه|تقارب|يقارب|ما\s+يقارب|تقريبا|زهاء|about|around|some"
             r"|approximately|roughly|nearly|almost|an\s+estimated|environ|près\s+de|pres\s+de",
    "up_to": r"ما\s+يصل\s+الى|يصل\s+الى|تصل\s+الى|حتى|لا\s+(?:تتجاوز|يتجاوز|تزيد\s+(?:على|عن)"
             r"|يزيد\s+(?:على|عن))|up\s+to|at\s+most|no\s+more\s+than|jusqu'à|jusqu'a",
}
_QUAL_RX = "|".join(f"(?P<q_{k}>{v})" for k, v in _QUAL.items())
# no letter/digit right before, except the conjunctions wa-/fa- ("وأقل من 15%")
_B = r"(?:(?<![\w.,])|(?<=(?<!\w)[وف]))"
_CUR = r"us\$|\$|€|usd|eur"
_SC = rf"(?:\s*(?P<{{n}}>{_SCALE_RX})(?![\w]))?"

_FIGURE = fold_pattern(
    rf"{_B}(?:(?:{_QUAL_RX})\s+)?"
    rf"(?:(?P<cur_pre>{_CUR})\s*)?"
    rf"(?:"
    rf"(?:بين|between|entre)\s+(?:(?P<cur_a>{_CUR})\s*)?(?P<a1>{_NUMBER}){_SC.format(n='s1')}"
    rf"\s*(?:و|and|et)\s*(?:(?:{_CUR})\s*)?(?P<a2>{_NUMBER})"
    rf"|(?:(?:من|from|de)\s+)?(?P<b1>{_NUMBER}){_SC.format(n='s2')}"
    rf"(?:\s*[-–—]\s*|\s+(?:الى|إلى|to|à|a)\s+)(?:(?:{_CUR})\s*)?(?P<b2>{_NUMBER})"
    rf"|(?P<c1>{_NUMBER})"
    rf")"
    rf"{_SC.format(n='s3')}"
    rf"(?:\s*(?:من\s+(?:ال)?|of\s+)?(?:{_UNIT_RX})(?![\w]))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Figure:
    """A figure in the text: ``text[start:end]``, its value or range, unit and qualifier."""

    start: int
    end: int
    unit: str
    qualifier: str
    value: float | None = None
    low: float | None = None
    high: float | None = None


def parse_number(token: str) -> float | None:
    """Numeric value of a digit string or a number word (folded), else None.

    >>> parse_number("1,200"), parse_number("1 000"), parse_number("25٫5"), parse_number("خمسه")
    (1200.0, 1000.0, 25.5, 5.0)
    """
    if token in _WORDS:
        return float(_WORDS[token])
    t = re.sub(r"[\u00a0\u202f ]", "", token).replace("٬", ",").replace("٫", ".")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", t):
        t = t.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", t):
        t = t.replace(".", "")
    elif re.fullmatch(r"\d+,\d+", t):
        t = t.replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


def find_figures(text: str) -> list[Figure]:
    """Figures with a unit (or a scale word) in ``text``.

    A bare number without unit or scale is not a figure (it may be a year, a page
    or a date part).

    >>> f = find_figures("احتياطات تتراوح بين 25 و50 مليون دولار")[0]
    >>> (f.unit, f.low, f.high, f.qualifier)
    ('USD', 25000000.0, 50000000.0, 'between')
    >>> f = find_figures("مساحة تقارب 88 ألف كيلومتر مربع")[0]
    >>> (f.unit, f.value, f.qualifier)
    ('km2', 88000.0, 'about')
    >>> [(f.unit, f.value, f.qualifier) for f in find_figures("أكثر من ٦٠٪ وأقل من 15%")]
    [('percent', 60.0, 'more_than'), ('percent', 15.0, 'less_than')]
    """
    view = fold_text(text)
    out: list[Figure] = []
    for m in _FIGURE.finditer(view.text):
        g = m.groupdict()
        unit = next((name for name, _ in _UNITS if g.get(f"u_{name}")), None)
        cur = g.get("cur_pre") or g.get("cur_a")
        if unit is None and cur:
            unit = "EUR" if cur in ("€", "eur") else "USD"
        scale_word = g.get("s3") or g.get("s1") or g.get("s2")
        if unit is None:
            if scale_word is None or scale_word in ("k", "m", "mn", "bn"):
                continue
            unit = "count"
        scale3 = _SCALES.get(g["s3"], 1.0) if g.get("s3") else 1.0
        qual = next((k for k in _QUAL if g.get(f"q_{k}")), None)
        if g.get("a1") or g.get("b1"):
            x1, x2 = (g["a1"], g["a2"]) if g.get("a1") else (g["b1"], g["b2"])
            sc1 = g.get("s1") if g.get("a1") else g.get("s2")
            lo, hi = parse_number(x1), parse_number(x2)
            if lo is None or hi is None:
                continue
            lo *= _SCALES[sc1] if sc1 else scale3
            hi *= scale3
            if sc1 and not g.get("s3") and hi < lo:
                hi *= _SCALES[sc1]  # "5 million to 10": the scale applies to both
            if hi < lo:
                continue
            fig = Figure(0, 0, unit, qual or "between", low=lo, high=hi)
        else:
            v = parse_number(g["c1"])
            if v is None:
                continue
            if unit == "count" and 1900 <= v <= 2100 and not g.get("s3"):
                continue
            fig = Figure(0, 0, unit, qual or "exactly", value=v * scale3)
        s, e = m.span()
        while e > s and view.text[e - 1].isspace():
            e -= 1
        o_s, o_e = view.span(s, e)
        out.append(Figure(o_s, o_e, fig.unit, fig.qualifier, fig.value, fig.low, fig.high))
    return out
