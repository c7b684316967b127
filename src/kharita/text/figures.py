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
from collections.abc import Iterator
from dataclasses import dataclass

from kharita.text.normalize import View, fold_char, fold_pattern, fold_text
from kharita.text.spans import SpanIndex

_SCALES = {
    "الف": 1e3, "الاف": 1e3, "الفا": 1e3, "thousand": 1e3, "thousands": 1e3, "mille": 1e3,
    "k": 1e3, "مليون": 1e6, "ملايين": 1e6, "million": 1e6, "millions": 1e6, "m": 1e6,
    "mn": 1e6, "مليار": 1e9, "مليارات": 1e9, "بليون": 1e9, "billion": 1e9, "billions": 1e9,
    "milliard": 1e9, "milliards": 1e9, "bn": 1e9, "الالاف": 1e3, "الملايين": 1e6,
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
    "eleven": 11, "thirteen": 13, "fourteen": 14, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "dozen": 12, "a dozen": 12, "scores": 20, "thousands": 1000, "tens": 10,
    "الاف": 1000, "ملايين": 1e6, "اثنتين": 2, "اثنتان": 2, "ستين": 60, "ستون": 60,
    "سبعين": 70, "سبعون": 70, "ثمانين": 80, "ثمانون": 80, "تسعين": 90, "تسعون": 90,
    "احد عشر": 11, "اثنا عشر": 12, "اثني عشر": 12,
}


def _fold(word: str) -> str:
    """``word`` as it reads in folded text (ئ -> ي, ى -> ي, إ -> ا ...): the tables
    below are looked up with words of the folded text."""
    return "".join(c if c.isascii() else fold_char(c) for c in word)


_WORDS = {_fold(k): v for k, v in _WORDS.items()}
_SCALES = {_fold(k): v for k, v in _SCALES.items()}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_ONES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9}
# "twenty-six", "thirty one": compound number words
_WORDS.update({f"{t}{sep}{o}": tv + ov for t, tv in _TENS.items() for o, ov in _ONES.items()
               for sep in ("-", " ")})
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
# single words of number words ("twenty-six" -> "twenty", "six"), for _anchors
_NUMBER_WORDS = frozenset(w for k in _WORDS for w in re.split(r"[\s\-]+", k))
_NUM = r"(?:\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?![\d.,٫٬])|\d+(?:[.,٫٬]\d+)*)"
_WORD_RX = "|".join(sorted(_WORDS, key=len, reverse=True))
_NUMBER = rf"(?:{_NUM}|(?:{_WORD_RX}))"
_SCALE_RX = "|".join(sorted(_SCALES, key=len, reverse=True))
_UNIT_RX = "|".join(f"(?P<u_{name}>{rx})" for name, rx in _UNITS)
_QUAL = {
    "at_least": r"ما\s+لا\s+يقل\s+(?:عن|على)|لا\s+يقل\s+(?:عن|على)|at\s+least|au\s+moins",
    "more_than": r"اكثر\s+من|ازيد\s+من|ما\s+يزيد\s+(?:على|عن)|يزيد\s+(?:على|عن)|يتجاوز|تتجاوز"
                 r"|more\s+than|over|above|in\s+excess\s+of|plus\s+de",
    "less_than": r"اقل\s+من|ما\s+يقل\s+عن|less\s+than|fewer\s+than|under|below|moins\s+de",
    "about": r"نحو|حوالي|حوالى|قرابه|تقارب|يقارب|ما\s+يقارب|تقريبا|زهاء|about|around|some"
             r"|approximately|roughly|nearly|almost|an\s+estimated|environ|près\s+de|pres\s+de",
    "up_to": r"ما\s+يصل\s+الى|يصل\s+الى|تصل\s+الى|حتى|لا\s+(?:تتجاوز|يتجاوز|تزيد\s+(?:على|عن)"
             r"|يزيد\s+(?:على|عن))|up\s+to|at\s+most|no\s+more\s+than|jusqu'à|jusqu'a",
}
_QUAL_RX = "|".join(f"(?P<q_{k}>{v})" for k, v in _QUAL.items())
# no letter/digit right before, except the conjunctions wa-/fa- ("وأقل من 15%")
_B = r"(?:(?<![\w.,])|(?<=(?<!\w)[وفب]))"
_CUR = r"us\$|\$|€|usd|eur"
_SC = rf"(?:\s*(?P<{{n}}>{_SCALE_RX})(?![\w]))?"

# every figure starts at a letter, digit or currency sign: the lookahead makes the
# other positions (spaces, punctuation) fail at once
_START = r"(?=[^\W_]|[$€])"
_FIGURE = fold_pattern(
    rf"{_START}{_B}(?:(?:{_QUAL_RX})\s+)?"
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


_TOKEN_RX = re.compile(r"[^\W\d_]+|\d|[$€]")
_BEFORE_ANCHOR, _AFTER_ANCHOR = 48, 160


def _anchors(text: str) -> list[tuple[int, int]]:
    """Windows of ``text`` around every digit, currency sign and number word, merged.

    A figure holds one of them, with at most a qualifier or verb before it and a
    scale, a few words and a unit after it; only these windows are searched with
    the full patterns, so a long text without numbers costs one tokenising pass.
    """
    words = _NUMBER_WORDS
    out: list[tuple[int, int]] = []
    for m in _TOKEN_RX.finditer(text):
        tok = m.group()
        if not (tok.isdigit() or tok in "$€" or tok in words
                or (len(tok) > 1 and tok[0] in "وفب" and tok[1:] in words)):
            continue
        lo, hi = max(0, m.start() - _BEFORE_ANCHOR), m.end() + _AFTER_ANCHOR
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _first_words() -> frozenset[str]:
    """Folded words a figure can start with: the first word of every qualifier
    alternative, currency codes, range openers and the number words. Taking every
    fragment of the qualifier patterns over-includes (harmless: a candidate more)."""
    words = set(_NUMBER_WORDS) | {"us", "usd", "eur", "بين", "between", "entre", "من", "from",
                                  "de"}
    for alt in "|".join(_QUAL.values()).split("|"):
        m = re.match(r"[^\W\d_]+", alt.lstrip("(?:"))
        if m:
            words.add(m.group().lower())
    return frozenset("".join(c if c.isascii() else fold_char(c) for c in w) for w in words)


def _starts(text: str) -> list[int]:
    """Positions where a figure can start: a digit, a currency sign or a word of
    :func:`_first_words`, also right after a clitic و/ف/ب ("وعشرات")."""
    first = _FIRST_WORDS
    out = []
    for m in _TOKEN_RX.finditer(text):
        tok = m.group()
        if tok.isdigit() or tok in "$€" or tok.lower() in first:
            out.append(m.start())
        elif len(tok) > 1 and tok[0] in "وفب" and tok[1:] in first:
            out.append(m.start() + 1)
    return out


def _scan(rx: re.Pattern[str], text: str,
          windows: list[tuple[int, int]] | None = None,
          starts: list[int] | None = None) -> Iterator[re.Match[str]]:
    """``rx.finditer(text)`` restricted to the :func:`_anchors` windows (computed here
    unless given: the scans of one text share them); with ``starts``, the match is
    tried only at those positions (:func:`_starts`), which is the same for patterns
    that begin with a qualifier, a currency or a number, and several times faster
    where numbers are dense and the windows cover most of the text."""
    last = 0
    wins = _anchors(text) if windows is None else windows
    if starts is None:
        for lo, hi in wins:
            for m in rx.finditer(text, max(lo, last), min(hi, len(text))):
                last = m.end()
                yield m
        return
    k = 0
    n = len(text)
    for lo, hi in wins:
        while k < len(starts) and starts[k] < lo:
            k += 1
        while k < len(starts) and starts[k] < hi:
            p = starts[k]
            k += 1
            if p < last:
                continue
            found = rx.match(text, p, min(hi, n))
            if found is not None:
                last = found.end()
                yield found


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
    rule: str = "unit"


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
    windows = _anchors(view.text)
    starts = _starts(view.text)
    out: list[Figure] = []
    for m in _scan(_FIGURE, view.text, windows, starts):
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
    implied = _implied_counts(view, out, windows, starts)
    return out + implied + _two_after_noun(view, [*out, *implied], windows)


# Nouns that make a bare number a count ("32 fishermen", "ست جثث", "10 others",
# "seven countries"); Arabic ones also with the article ("مئات الأشخاص").
_COUNT_NOUNS_EN = (
    "people|persons|civilians|children|minors|women|men|soldiers|troops|fighters|militants"
    "|terrorists|jihadists|insurgents|rebels|gunmen|attackers|assailants|members|leaders"
    "|commanders|officials|officers|police|policemen|villagers|fishermen|traders|farmers"
    "|worshippers|students|christians|muslims|hostages|captives|bodies|suspects|operatives"
    "|others|more|countries|vehicles|tanks|trucks|houses|homes|villages|checkpoints|cells"
    "|events|incidents|bombers|deaths|dead|injured|wounded|casualties|victims|personnes"
    "|civils|enfants|soldats|morts|blesses|otages")
_COUNT_NOUNS_AR = (
    "اشخاص|شخصا|مدنيين|مدنيا|اطفال|طفلا|نساء|رجال|جنود|جنديا|عناصر|عنصرا|مسلحين|مسلحا"
    "|ارهابيين|ارهابيا|داعشيا|دواعش|قتلى|قتيلا|جرحى|مصابين|مصابا|جثث|جثه|شاحنات|سيارات|اليات"
    "|منازل|قرى|مهندسين|صيادين|مجندين|ضباط|رهائن|اخرين|اخر|امنيين|عسكريين|مقاتلين|مقاتلا"
    "|هجمات|عمليات|دول|مدنيين|افراد|اعضاء|قاده|اسرى|معتقلين|ضحايا|مواطنين|عمال|طلاب|مصلين")
# verbs and nouns of casualties and arrests followed by the number ("killed 22",
# "wounding 20", "مقتل 15", "اعتقال 600", "rose to 54")
_COUNT_VERBS = frozenset((
    "killed", "killing", "kill", "kills", "wounded", "wounding", "injured", "injuring",
    "abducted", "kidnapped", "arrested", "detained", "قتل", "مقتل", "مصرع", "اصابه", "جرح",
    "اعتقال", "خطف", "اختطاف", "tuant", "blessant", "tue", "tues"))
_COUNT_VERBS_2 = frozenset({"rose to", "ارتفع الى", "ارتفعت الى", "ارتفع إلى", "ارتفعت إلى"})
_NOUNS_EN = frozenset(_COUNT_NOUNS_EN.split("|"))
_NOUNS_AR = frozenset(_fold(w) for w in _COUNT_NOUNS_AR.split("|"))
_COUNT_VERBS = frozenset(_fold(w) for w in _COUNT_VERBS)
_COUNT_VERBS_2 = frozenset(_fold(w) for w in _COUNT_VERBS_2)
_GAP_STOP = frozenset(("and", "or", "of", "in", "on", "at", "to", "from", "the", "a", "an",
                       "who", "which", "that"))
_FIRST_WORDS = _first_words()
_IMPLIED = fold_pattern(
    rf"{_START}{_B}(?:(?P<q>{_QUAL_RX})\s+)?(?P<n>{_NUMBER})"
    rf"(?:\s+(?:or|او|أو)\s+(?P<n2>{_NUMBER}))?(?:\s*(?P<sc>{_SCALE_RX}))?(?![\w])",
    re.IGNORECASE,
)
_WORD_AFTER = re.compile(r"\s{1,4}([^\s]{1,30})")
_WORD_BEFORE = re.compile(r"([^\s]{1,30})\s{1,4}$")


def _noun_follows(text: str, pos: int) -> bool:
    """A count noun within three words after ``pos`` ("32 fishermen", "two prominent
    traders", "ست جثث", "مئات الأشخاص", "15 من الدرك"); words between are not
    function words."""
    for k in range(3):
        m = _WORD_AFTER.match(text, pos)
        if m is None:
            return False
        word = m.group(1).strip(".,;:!?()\"'«»“”،؛")
        if k == 0 and word == "من":
            return True
        bare = word[2:] if word.startswith("ال") else word
        if word in _NOUNS_EN or word in _NOUNS_AR or bare in _NOUNS_AR:
            return True
        letters = word.replace("-", "").replace("’", "").replace("'", "")
        if word in _GAP_STOP or not letters.isalpha() or is_arabic_word(word) \
                or word != m.group(1):
            return False  # Arabic counts take the noun right after the number
        pos = m.end()
    return False


def is_arabic_word(word: str) -> bool:
    return "\u0600" <= word[:1] <= "\u06ff"


def _verb_precedes(text: str, pos: int) -> bool:
    m = _WORD_BEFORE.search(text, max(0, pos - 32), pos)
    if m is None:
        return False
    if m.group(1) in _COUNT_VERBS:
        return True
    m2 = _WORD_BEFORE.search(text, max(0, m.start() - 32), m.start())
    return m2 is not None and f"{m2.group(1)} {m.group(1)}" in _COUNT_VERBS_2


def _implied_counts(view: View, found: list[Figure],
                    windows: list[tuple[int, int]] | None = None,
                    starts: list[int] | None = None) -> list[Figure]:
    """Numbers made counts by what follows ("32 fishermen", "10 others", "15 من
    الدرك") or precedes them ("killed 22", "مقتل 15"): unit ``count`` (rule
    ``implied-unit``). A digit string of a year (1900-2100) is not counted."""
    taken = SpanIndex((f.start, f.end) for f in found)
    out: list[Figure] = []
    text = view.text
    for m in _scan(_IMPLIED, text, windows, starts):
        g = m.groupdict()
        num = g["n"]
        if not (_noun_follows(text, m.end()) or _verb_precedes(text, m.start())):
            continue
        v = parse_number(num)
        if v is None:
            continue
        if num.isdigit() and 1900 <= v <= 2100:
            continue
        scale = _SCALES.get(g["sc"], 1.0) if g.get("sc") else 1.0
        qual = next((k for k in _QUAL if g.get(f"q_{k}")), None) or "exactly"
        s0 = m.start()
        e0 = m.end()
        o_s, o_e = view.span(s0, e0)
        if taken.overlaps(o_s, o_e):
            continue
        if g.get("n2"):
            hi = parse_number(g["n2"])
            if hi is None or hi <= v:
                continue
            out.append(Figure(o_s, o_e, "count", "between", low=v * scale, high=hi * scale,
                              rule="implied-unit"))
        else:
            out.append(Figure(o_s, o_e, "count", qual, value=v * scale, rule="implied-unit"))
    return out


# Arabic "two" follows its noun as an adjective ("مدنيين اثنين", "جنديين اثنين"); after
# anything but a count noun "الاثنين" is Monday
_TWO_AFTER = fold_pattern(r"(?<![\w])(?P<noun>[^\W\d_]{2,30})\s+(?:اثنين|اثنتين|اثنان|اثنتان)"
                          r"(?![\w])")


def _two_after_noun(view: View, found: list[Figure],
                    windows: list[tuple[int, int]] | None = None) -> list[Figure]:
    """Counts of two written noun-first in Arabic ("مدنيين اثنين"): unit ``count``,
    rule ``implied-unit``; the noun must be a count noun (:data:`_COUNT_NOUNS_AR`, with
    or without the article)."""
    taken = SpanIndex((f.start, f.end) for f in found)
    out = []
    for m in _scan(_TWO_AFTER, view.text, windows):
        noun = m.group("noun")
        bare = noun[2:] if noun.startswith("ال") else noun
        if noun not in _NOUNS_AR and bare not in _NOUNS_AR:
            continue
        o_s, o_e = view.span(m.start("noun"), m.end())
        if not taken.overlaps(o_s, o_e):
            out.append(Figure(o_s, o_e, "count", "exactly", value=2.0, rule="implied-unit"))
    return out
