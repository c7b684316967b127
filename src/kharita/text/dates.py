"""Dates in Arabic, English and French text.

Recognised forms (Arabic-Indic digits, diacritics and tatweel are folded first):

* day month year, month year, with Arabic month names in the Egyptian/Gulf form
  (يناير، فبراير ... نوفمبر، ديسمبر) and the Levantine/Iraqi form (كانون الثاني،
  شباط ... تشرين الثاني، كانون الأول), English and French month names, separated by
  spaces, ``/``, ``-`` or ``.`` ("05/نوفمبر/2025", "5 November 2025",
  "November 5, 2025");
* numeric dates ``2025-11-05`` and ``05/11/2025`` (day first);
* year ranges "2023–2024", "(2023-2024)", "من 2023 إلى 2024", "between 2023 and 2024";
* years alone (1900-2099) not part of a larger number;
* Hijri dates with a Hijri year ("1 رمضان 1445 هـ", "رجب 1440"), converted to the
  Gregorian calendar (Umm al-Qura, with the hijridate library).

Each :class:`DateMatch` holds the original span and an ISO value with its
precision (``2025-11-05`` day, ``2025-02`` month, ``2019`` year); a range also has
``value_end``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kharita.text.normalize import fold, fold_pattern, fold_text
from kharita.text.spans import SpanIndex

_MONTHS: dict[str, int] = {}
for _i, _names in enumerate([
    "يناير كانون الثاني january jan janvier janv",
    "فبراير شباط february feb fevrier fevr février",
    "مارس آذار march mar mars",
    "أبريل إبريل ابريل نيسان april apr avril",
    "مايو أيار may mai",
    "يونيو يونية حزيران june jun juin",
    "يوليو يولية تموز july jul juillet juil",
    "أغسطس اغسطس آب august aug aout août",
    "سبتمبر أيلول september sep sept septembre",
    "أكتوبر اكتوبر تشرين الأول october oct octobre",
    "نوفمبر تشرين الثاني november nov novembre",
    "ديسمبر كانون الأول december dec decembre décembre",
], start=1):
    _words = _names.split()
    _k = 0
    while _k < len(_words):
        w = _words[_k]
        if w in ("كانون", "تشرين") and _k + 1 < len(_words):
            _MONTHS[fold(w + " " + _words[_k + 1])] = _i
            _k += 2
            continue
        _MONTHS[fold(w)] = _i
        _k += 1

_MONTH_RX = "|".join(sorted((re.escape(m).replace(r"\ ", r"\s{1,3}") for m in _MONTHS),
                            key=len, reverse=True))
# a double month name "تشرين الثاني/نوفمبر", "نيسان/أبريل": the first name gives the month
_MON = rf"(?:{_MONTH_RX})(?:\s{{0,2}}/\s{{0,2}}(?:{_MONTH_RX}))?"
_YEAR = r"(?:19|20)\d\d"
_SEP = r"\s*[/.\-]?\s*"
_DASH = r"\s*[-–—]\s*"
# Hijri months (Umm al-Qura calendar); read only with a Hijri year (1300-1499), as
# several are also names or words (رجب، صفر، شعبان، رمضان)
_HIJRI_MONTHS: dict[str, int] = {}
for _i, _names in enumerate([
    "محرم|المحرم", "صفر", "ربيع الأول|ربيع الاول|ربيع أول", "ربيع الثاني|ربيع الآخر|ربيع الاخر",
    "جمادى الأولى|جمادى الاولى|جمادى الأول", "جمادى الآخرة|جمادى الثانية|جمادى الاخرة",
    "رجب", "شعبان", "رمضان", "شوال", "ذو القعدة|ذي القعدة", "ذو الحجة|ذي الحجة"], start=1):
    for _n in _names.split("|"):
        _HIJRI_MONTHS[fold(_n)] = _i
_HIJRI_RX = "|".join(sorted((re.escape(m).replace(r"\ ", r"\s{1,3}") for m in _HIJRI_MONTHS),
                            key=len, reverse=True))
# Arabic ordinal days ("السابع من مايو", "الحادي والعشرين من آذار")
_ORDINAL_UNITS = ["الأول", "الثاني", "الثالث", "الرابع", "الخامس", "السادس", "السابع",
                  "الثامن", "التاسع"]
_ORDINAL_DAYS: dict[str, int] = {fold(w): i for i, w in enumerate(_ORDINAL_UNITS, start=1)}
_ORDINAL_DAYS.update({fold("العاشر"): 10, fold("الحادي عشر"): 11, fold("العشرين"): 20,
                      fold("الثلاثين"): 30, fold("الحادي والعشرين"): 21,
                      fold("الحادي والثلاثين"): 31})
_ORDINAL_DAYS.update({fold(f"{w} عشر"): 10 + i for i, w in enumerate(_ORDINAL_UNITS, 1)
                      if i > 1})
_ORDINAL_DAYS.update({fold(f"{w} والعشرين"): 20 + i for i, w in enumerate(_ORDINAL_UNITS, 1)
                      if i > 1})
_ORDINAL_RX = "|".join(sorted((re.escape(w).replace(r"\ ", r"\s{1,3}") for w in _ORDINAL_DAYS),
                              key=len, reverse=True))
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("hijri", re.compile(
        rf"(?<![\w])(?:(?P<d>[0-3]?\d)\s*(?:من\s+)?)?(?P<hm>{_HIJRI_RX})\s*[/\-]?\s*"
        rf"(?:(?:عام|سنة|سنه)\s+)?(?P<y>1[34]\d\d)(?:\s*(?:هـ|ه|هجري(?:ة|ه)?)(?![\w]))?"
        rf"(?![\w])")),
    ("iso", re.compile(rf"(?<![\d])(?P<y>{_YEAR})-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)(?![\d])")),
    ("dmy_num", re.compile(
        rf"(?<![\d/])(?P<d>[0-3]?\d)[/.](?P<m>[01]?\d)[/.](?P<y>{_YEAR})(?![\d])")),
    ("dmy", re.compile(
        rf"(?:(?<![\w])|(?<=(?<![\w])و))(?P<d>[0-3]?\d)(?:er)?{_SEP}(?:من\s+)?(?P<mon>{_MON})"
        rf"(?:{_SEP},?\s*(?P<y>{_YEAR}))?(?![\w])")),
    ("dmy_ordinal", re.compile(
        rf"(?<![\w])(?<!النصف )(?<!الأسبوع )(?<!الثلث )(?<!الربع )(?<!العشر )(?<!الشهر )"
        rf"(?:يوم\s+)?(?P<dw>{_ORDINAL_RX})\s+من\s+(?:شهر\s+)?(?P<mon>{_MON})"
        rf"(?:{_SEP},?\s*(?P<y>{_YEAR}))?(?![\w])")),
    ("mdy", re.compile(
        rf"(?<![\w])(?P<mon>{_MON})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?(?:,?\s+(?P<y>{_YEAR}))?"
        rf"(?![\w])")),
    ("my", re.compile(
        rf"(?<![\w])(?P<mon>{_MON})(?:{_SEP},?\s*(?:عام\s+|سنة\s+)?(?P<y>{_YEAR}))(?![\w])")),
    ("range", re.compile(
        rf"(?<![\w])(?:(?:من|بين)\s+(?:عامي\s+|عام\s+)?|(?:from|between)\s+)?(?P<y>{_YEAR})"
        rf"(?:{_DASH}|\s+(?:إلى|الى|حتى|to|and|et|à)\s+|\s*و\s*)(?P<y2>{_YEAR})(?![\w])")),
    ("year", re.compile(rf"(?<![\w.,٫٬])(?P<y>{_YEAR})(?![\w]|[.,٫٬]\d)")),
]
_PATTERNS = [(k, fold_pattern(p.pattern)) for k, p in _PATTERNS]


def _hijri(year: int, month: int, day: int | None) -> tuple[str, str] | None:
    """Gregorian ISO value and precision of a Hijri date (Umm al-Qura, via hijridate):
    a day, or for a month without a day the Gregorian month of its 15th day.

    >>> _hijri(1445, 9, 1), _hijri(1445, 9, None)
    (('2024-03-11', 'day'), ('2024-03', 'month'))
    """
    try:
        from hijridate import Hijri
    except ImportError:  # optional: without the library Hijri dates are not read
        return None
    try:
        g = Hijri(year, month, day or 15).to_gregorian()
    except (ValueError, OverflowError):
        return None
    return (g.isoformat(), "day") if day else (f"{g.year:04d}-{g.month:02d}", "month")


def _month_of(name: str) -> int | None:
    """Month number of a (folded) month name, or of the first of a double name."""
    return _MONTHS.get(re.sub(r"\s+", " ", name.split("/")[0].strip()))


@dataclass(frozen=True)
class DateMatch:
    """A date in the text: ``text[start:end]`` and its ISO value."""

    start: int
    end: int
    value: str
    precision: str
    value_end: str | None = None
    form: str = ""


def _valid(y: int, m: int, d: int) -> bool:
    try:
        dt.date(y, m, d)
    except ValueError:
        return False
    return True


def find_dates(text: str) -> list[DateMatch]:
    """All dates in ``text``, earliest first, non-overlapping (longest form wins).

    >>> [(d.value, d.precision) for d in find_dates("الأربعاء 05/نوفمبر/2025 - 11:42 ص")]
    [('2025-11-05', 'day')]
    >>> [(d.value, d.value_end) for d in find_dates("تقارير الأمم المتحدة (2023–2024)")]
    [('2023', '2024')]
    >>> [d.value for d in find_dates("في 3 تشرين الثاني 2021 وفي شباط 2019 وعام 2015")]
    ['2021-11-03', '2019-02', '2015']
    >>> [d.value for d in find_dates("في الحادي والعشرين من آذار 2016")]
    ['2016-03-21']
    >>> [d.value for d in find_dates("ليلة 27 و28 آذار 2016، وفي النصف الأول من أيار 2016")]
    ['2016-03-28', '2016-05']
    """
    view = fold_text(text)
    taken = [False] * (len(view.text) + 1)
    out: list[DateMatch] = []
    for form, rx in _PATTERNS:
        for m in rx.finditer(view.text):
            s, e = m.span()
            if any(taken[s:e]):
                continue
            g = m.groupdict()
            if form == "hijri":
                conv = _hijri(int(g["y"]), _HIJRI_MONTHS[re.sub(r"\s+", " ", g["hm"])],
                              int(g["d"]) if g.get("d") else None)
                if conv is None:
                    continue
                for k in range(s, e):
                    taken[k] = True
                o_s, o_e = view.span(s, e)
                out.append(DateMatch(o_s, o_e, conv[0], conv[1], None, form))
                continue
            y = int(g["y"]) if g.get("y") else None
            month = (_month_of(g["mon"]) if g.get("mon")
                     else int(g["m"]) if g.get("m") else None)
            day = (int(g["d"]) if g.get("d")
                   else _ORDINAL_DAYS.get(re.sub(r"\s+", " ", g["dw"])) if g.get("dw") else None)
            value_end = None
            if form == "range":
                y2 = int(g["y2"])
                if y is None or y2 <= y or y2 - y > 50:
                    continue
                value, precision, value_end = f"{y:04d}", "year", f"{y2:04d}"
            elif day is not None and month is not None:
                if y is None:
                    # day and month without a year ("28 أكتوبر", "December 31"): the
                    # reader dates it with the publication date; English months are
                    # capitalised, and "may"/"march" need their capital too
                    o_s, o_e = view.span(*m.span("mon"))
                    if not _valid(2000, month, day) or (
                            text[o_s:o_e].isascii() and not text[o_s:o_e][:1].isupper()):
                        continue
                    value, precision = f"--{month:02d}-{day:02d}", "day-without-year"
                elif not _valid(y, month, day):
                    continue
                else:
                    value, precision = f"{y:04d}-{month:02d}-{day:02d}", "day"
            elif month is not None:
                if y is None:
                    continue
                value, precision = f"{y:04d}-{month:02d}", "month"
            elif y is not None:
                value, precision = f"{y:04d}", "year"
            else:
                continue
            for k in range(s, e):
                taken[k] = True
            o_s, o_e = view.span(s, e)
            out.append(DateMatch(o_s, o_e, value, precision, value_end, form))
    out.sort(key=lambda d: d.start)
    return out


# month names that are also common words stay unread without a year: مارس (he practised),
# آب (father), "may", "march", and the abbreviations
_ENGLISH_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
                   "september", "october", "november", "december"}
_AMBIGUOUS_MONTHS = {fold(w) for w in ("مارس", "آب", "may", "march", "mai", "mars")}
_MONTH_ALONE = fold_pattern(
    rf"(?<![\w])(?:(?P<pre>في|خلال|منذ|حتى|مطلع|أواخر|أوائل|منتصف|نهاية|بداية|أواسط|أوسط"
    rf"|in|during|since|until|early|late|mid|end\s+of|en|depuis|fin|début|debut)"
    rf"(?:\s{{1,3}}|-)(?:شهر\s+)?)?(?P<mon>{_MON})(?![\w])", re.IGNORECASE)


def find_yearless_months(text: str,
                         taken: list[tuple[int, int]] | None = None) -> list[tuple[int, int, int]]:
    """``(start, end, month)`` of month names without a year after a preposition
    ("خلال نيسان", "in April"); full month names only, ambiguous ones excluded.
    Spans overlapping ``taken`` (dates already found) are skipped.

    >>> t = "نفذ 17 هجوما خلال نيسان، وفي 3 آب 2025"
    >>> [(t[s:e], m) for s, e, m in find_yearless_months(t)]
    [('نيسان', 4)]
    """
    view = fold_text(text)
    taken_ix = SpanIndex(taken or [])
    out = []
    for m in _MONTH_ALONE.finditer(view.text):
        double = "/" in m.group("mon")
        name = re.sub(r"\s+", " ", m.group("mon").split("/")[0].strip())
        if name not in _MONTHS or (not double and (name in _AMBIGUOUS_MONTHS or len(name) <= 3)):
            continue
        s, e = view.span(*m.span("mon"))
        if taken_ix.overlaps(s, e):
            continue
        if name in _ENGLISH_MONTHS and not text[s:e][:1].isupper():
            continue  # English month names are capitalised
        if not (m.group("pre") or double or name in _ENGLISH_MONTHS):
            continue  # an Arabic month name alone needs a preposition or its double form
        out.append((s, e, _MONTHS[name]))
    return out


# "this year", "last month", "العام الماضي", "الشهر الجاري": (unit, offset) from the
# publication date
_RELATIVE: dict[str, tuple[str, int]] = {}
for _unit, _words_rel in (
        ("year", {0: ["this year", "earlier this year", "هذا العام", "العام الجاري",
                      "هذه السنة", "السنة الجارية", "العام الحالي"],
                  -1: ["last year", "العام الماضي", "السنة الماضية"]}),
        ("month", {0: ["this month", "earlier this month", "هذا الشهر", "الشهر الجاري",
                       "الشهر الحالي"],
                   -1: ["last month", "الشهر الماضي"]})):
    for _off, _ws in _words_rel.items():
        for _w in _ws:
            _RELATIVE[fold(_w)] = (_unit, _off)
_RELATIVE_RX = fold_pattern(
    r"(?<![\w])(?P<rel>" + "|".join(sorted((re.escape(w).replace(r"\ ", r"\s{1,3}")
                                            for w in _RELATIVE), key=len, reverse=True))
    + r")(?![\w])", re.IGNORECASE)


_MONTH_BEFORE = fold_pattern(rf"(?<![\w])(?P<mon>{_MON})\s+(?:من\s+)?$", re.IGNORECASE)


def find_relative_periods(text: str) -> list[tuple[int, int, str, int, int | None]]:
    """``(start, end, unit, offset, month)`` of years and months named relative to the
    publication date: "this year" (year, 0), "last month" (month, -1), "العام الماضي"
    (year, -1); a month name before a relative year ("June this year", "أيار من العام
    الماضي") gives that month of it. The reader resolves them with the publication date.

    >>> t = "Attacks rose this year; العام الماضي; in June this year"
    >>> [(t[s:e], u, o, m) for s, e, u, o, m in find_relative_periods(t)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('this year', 'year', 0, None), ('العام الماضي', 'year', -1, None),
     ('June this year', 'year', 0, 6)]
    """
    view = fold_text(text)
    out: list[tuple[int, int, str, int, int | None]] = []
    for m in _RELATIVE_RX.finditer(view.text):
        unit, off = _RELATIVE[re.sub(r"\s+", " ", m.group("rel").lower())]
        start, month = m.start("rel"), None
        if unit == "year":
            before = _MONTH_BEFORE.search(view.text, max(0, start - 40), start)
            if before is not None:
                o_m, _ = view.span(*before.span("mon"))
                name = text[o_m:view.span(*before.span("mon"))[1]]
                month = _month_of(before.group("mon"))
                if name.isascii() and not name[:1].isupper():
                    month = None  # "may" the verb
                if month is not None:
                    start = before.start("mon")
        s, e = view.span(start, m.end("rel"))
        out.append((s, e, unit, off, month))
    return out


_WEEKDAYS = {fold(w): i for i, names in enumerate([
    "الاثنين monday lundi", "الثلاثاء tuesday mardi", "الأربعاء الاربعاء wednesday mercredi",
    "الخميس thursday jeudi", "الجمعة friday vendredi", "السبت saturday samedi",
    "الأحد الاحد sunday dimanche"]) for w in names.split()}
# "الاثنين" is also "the two", "الجمعة" the Friday prayer: Arabic weekdays need a day word
_WEEKDAY_RX = fold_pattern(
    r"(?<![\w])(?:(?P<pre>يوم|أمس|امس|مساء|صباح|فجر|ليل|ليلة|ظهر)\s{1,3})?"
    r"(?P<day>" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")(?![\w])",
    re.IGNORECASE)


def find_weekdays(text: str) -> list[tuple[int, int, int]]:
    """``(start, end, weekday)`` (Monday = 0) of weekday names: English and French
    capitalised, Arabic after a day word ("يوم الأحد", "أمس الخميس").

    >>> t = "قال أمس الخميس إن الاثنين فرا، and on Friday"
    >>> [(t[s:e], d) for s, e, d in find_weekdays(t)]
    [('الخميس', 3), ('Friday', 4)]
    """
    view = fold_text(text)
    out = []
    for m in _WEEKDAY_RX.finditer(view.text):
        s, e = view.span(*m.span("day"))
        word = text[s:e]
        if word.isascii() and not word[:1].isupper():
            continue
        if not word.isascii() and not m.group("pre"):
            continue
        out.append((s, e, _WEEKDAYS[m.group("day")]))
    return out


def resolve_day(month: int, day: int, published: dt.date) -> dt.date | None:
    """The date "day month" (no year given) nearest before or on ``published``.

    >>> resolve_day(12, 31, dt.date(2025, 1, 4)), resolve_day(1, 3, dt.date(2025, 1, 4))
    (datetime.date(2024, 12, 31), datetime.date(2025, 1, 3))
    """
    for year in (published.year, published.year - 1):
        if _valid(year, month, day) and dt.date(year, month, day) <= published:
            return dt.date(year, month, day)
    return None


def publication_date(text: str, dates: list[DateMatch] | None = None,
                     head: int = 400, lines: int = 5, rest: int = 30,
                     label: int = 12) -> DateMatch | None:
    """The article's own date: the first day-precision date on a dateline among the
    first ``lines`` non-empty lines and the first ``head`` characters.

    A dateline is a line whose text besides the date is at most ``rest`` characters
    ("الأربعاء 05/نوفمبر/2025 - 11:42 ص", "Published 2 April 2024"), or a line that
    starts with the date after at most ``label`` characters ("Published:", "date")
    and goes on with the headline.

    >>> publication_date("عنوان\\nالأربعاء 05/نوفمبر/2025\\nنص ... 2019").value
    '2025-11-05'
    >>> publication_date("Paris was attacked on 13 November 2015 by a network ...") is None
    True
    >>> publication_date(" date 2021-10-15 Army confirms the death of a leader").value
    '2021-10-15'
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text[:head].split("\n"):
        if line.strip():
            spans.append((pos, pos + len(line)))
        pos += len(line) + 1
        if len(spans) >= lines:
            break
    for d in dates if dates is not None else find_dates(text[:head]):
        if d.precision != "day" or d.start >= head:
            continue
        for s, e in spans:
            if not s <= d.start < e:
                continue
            # the line is a dateline ("الأربعاء 05/نوفمبر/2025 - 11:42 ص"), or it starts
            # with a label and the date and goes on with the headline ("date 2021-10-15
            # Nigerian military confirms ...")
            if (len(text[s:e].strip()) - (d.end - d.start) <= rest
                    or len(text[s:d.start].strip()) <= label):
                return d
    return None
