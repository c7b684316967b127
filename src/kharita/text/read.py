"""``read(text)``: one article in, mentions, event references and claims out.

Pipeline: language (:mod:`~kharita.text.lang`) -> sentences
(:mod:`~kharita.text.sentences`) -> figures, dates and the publication date
(:mod:`~kharita.text.figures`, :mod:`~kharita.text.dates`) -> KB entities and
places on the normalised text (:mod:`~kharita.text.mentions`,
:mod:`~kharita.text.gazetteer`) -> event references (:mod:`~kharita.text.events`)
-> claims compared with the KB (:mod:`~kharita.text.claims`).

Every item carries ``start``/``end`` offsets into the text as given, and the text
it points to is exactly ``text[start:end]``; nothing is generated or rewritten.
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import hashlib
import os
import re
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kharita.errors import KharitaError
from kharita.kb.dates import FuzzyDate
from kharita.kb.knowledge import KnowledgeBase
from kharita.kb.network import NETWORK_TYPES
from kharita.text.claims import ClaimRef, find_claims
from kharita.text.dates import (
    find_dates,
    find_relative_periods,
    find_weekdays,
    find_yearless_months,
    publication_date,
    resolve_day,
)
from kharita.text.events import EventRef, Landmark, deaths, find_events, landmarks
from kharita.text.figures import find_figures
from kharita.text.gazetteer import gazetteer
from kharita.text.lang import LANGS, detect_language
from kharita.text.mentions import EntityMatcher, Mention
from kharita.text.normalize import norm_text
from kharita.text.sentences import split_sentences
from kharita.text.spans import SpanIndex

__all__ = ["Mention", "ReadResult", "read", "read_file"]

MENTION_COLUMNS = ["kind", "key", "text", "start", "end", "sentence", "rule", "details"]


@dataclass
class ReadResult:
    """What :func:`read` found in one text (all offsets into ``text``)."""

    text: str
    language: str
    published: str | None
    published_rule: str | None
    sentences: list[tuple[int, int]]
    mentions: list[Mention]
    events: list[EventRef]
    claims: list[ClaimRef]
    kb_version: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)

    def mentions_frame(self) -> pd.DataFrame:
        """One row per mention: kind, key, text, start, end, sentence, rule, details."""
        rows = [{"kind": m.kind, "key": m.key, "text": m.text, "start": m.start, "end": m.end,
                 "sentence": m.sentence, "rule": m.rule,
                 "details": _details(m.attrs)} for m in self.mentions]
        return pd.DataFrame(rows, columns=MENTION_COLUMNS)

    def events_frame(self) -> pd.DataFrame:
        rows = [{"status": e.status, "entity_id": e.entity_id, "text": e.text,
                 "start": e.start, "end": e.end, "event_type": e.event_type, "place": e.place,
                 "iso3": e.iso3, "date": e.date, "rule": e.rule} for e in self.events]
        return pd.DataFrame(rows, columns=["status", "entity_id", "text", "start", "end",
                                           "event_type", "place", "iso3", "date", "rule"])

    def claims_frame(self) -> pd.DataFrame:
        rows = [{k: v for k, v in dataclasses.asdict(c).items() if k != "attrs"}
                for c in self.claims]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view (offsets and surface strings only; no text is generated)."""
        return {
            "language": self.language, "published": self.published,
            "published_rule": self.published_rule, "kb_version": self.kb_version,
            "n_sentences": len(self.sentences),
            "mentions": [dataclasses.asdict(m) for m in self.mentions],
            "events": [dataclasses.asdict(e) for e in self.events],
            "claims": [dataclasses.asdict(c) for c in self.claims],
        }


def _details(attrs: dict[str, Any]) -> str:
    keep = ("name", "entity_type", "iso3", "lat", "lon", "unit", "qualifier", "value", "low",
            "high", "precision", "value_end", "clitic")
    parts = []
    for k in keep:
        v = attrs.get(k)
        if v is None or v == "" or v == []:
            continue
        if isinstance(v, float):
            v = f"{v:g}"
        parts.append(f"{k}={v}")
    return " ".join(parts)


class _KBTools:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.matcher = EntityMatcher(kb)
        self.landmarks: list[Landmark] = landmarks(kb, gazetteer())
        self.deaths: dict[str, list[str]] = deaths(kb)


# matchers built per KB object (the KB is not hashable; key on identity, check liveness)
_TOOLS: dict[int, tuple[weakref.ref[KnowledgeBase], _KBTools]] = {}


def _tools(kb: KnowledgeBase) -> _KBTools:
    cached = _TOOLS.get(id(kb))
    if cached is not None and cached[0]() is kb:
        return cached[1]
    tools = _KBTools(kb)
    for key in [k for k, (ref, _) in _TOOLS.items() if ref() is None]:
        del _TOOLS[key]
    _TOOLS[id(kb)] = (weakref.ref(kb), tools)
    return tools


@functools.lru_cache(maxsize=1)
def _default_kb() -> KnowledgeBase:
    from kharita.kb.load import load_kb

    return load_kb()


def read(text: str, *, lang: str = "auto", kb: KnowledgeBase | None = None,
         published: str | None = None) -> ReadResult:
    """Read one article: language, mentions, event references and claims.

    Parameters
    ----------
    text
        The article as a string (any mix of Arabic, English and French).
    lang
        ``auto`` (detect with lingua, see :func:`~kharita.text.lang.detect_language`),
        ``ar``, ``en`` or ``fr``. The language is recorded (``und`` for a text
        without letters); every reader runs on every text, so a quoted English
        name in an Arabic article is still found.
    kb
        The knowledge base to match names against (default: the shipped KB).
    published
        The article's publication date (``YYYY[-MM[-DD]]``); default: the first
        full date on a dateline near the top (see
        :func:`~kharita.text.dates.publication_date`).

    Returns
    -------
    ReadResult

    Examples
    --------
    >>> from kharita.kb.load import load_kb
    >>> r = read("أعلن داعش في 5 آذار 2024 مسؤوليته عن هجوم في موسكو", kb=load_kb())
    >>> [(m.kind, m.key, m.text) for m in r.mentions]  # doctest: +NORMALIZE_WHITESPACE
    [('entity', 'is', 'داعش'), ('date', '2024-03-05', '5 آذار 2024'),
     ('place', 'geonames:524901', 'موسكو')]
    """
    if lang not in ("auto", *LANGS):
        raise ValueError(f"lang must be auto, ar, en or fr, not {lang!r}")
    if kb is None:
        kb = _default_kb()
    if lang != "auto":
        language = lang
    else:
        try:
            language = detect_language(text)
        except ValueError:
            language = "und"  # no letters at all: undetermined (ISO 639-2)
    sentences = split_sentences(text)
    tools = _tools(kb)

    mentions: list[Mention] = []
    figures = find_figures(text)
    all_dates = find_dates(text)
    fig_spans = SpanIndex((f.start, f.end) for f in figures if f.rule == "unit")
    dates = [d for d in all_dates if not fig_spans.overlaps(d.start, d.end)]
    # a count read from its context ("8 which killed") yields to a date ("November 8")
    date_spans = SpanIndex((d.start, d.end) for d in dates)
    figures = [f for f in figures
               if f.rule == "unit" or not date_spans.overlaps(f.start, f.end)]
    for f in figures:
        mentions.append(Mention(
            "figure", f.start, f.end, text[f.start:f.end], _figure_key(f.unit, f.value, f.low,
                                                                        f.high), "figure",
            {"unit": f.unit, "qualifier": f.qualifier, "value": f.value, "low": f.low,
             "high": f.high, "figure_rule": f.rule}))
    pub = publication_date(text, dates)
    pub_day = (FuzzyDate.parse(published) if published is not None
               else FuzzyDate.parse(pub.value) if pub is not None else None)
    if pub_day is not None:
        # an article dated "2024-10" may be of any day of October: a date in the text
        # is before or on the last day the publication date allows
        p = pub_day.latest
        # "this year", "الشهر الماضي": the publication date's year or month, or the one
        # before; a month needs a publication date known to its month at least
        taken_rel = SpanIndex((d.start, d.end) for d in dates)
        rel_spans: list[tuple[int, int]] = []
        for s, e, unit, off, month in find_relative_periods(text):
            if taken_rel.overlaps(s, e) or (unit == "month" and pub_day.precision == "year"):
                continue
            if unit == "year":
                value = f"{p.year + off:04d}" + (f"-{month:02d}" if month else "")
                if month:
                    unit = "month"
            else:
                y_, m_ = divmod(p.year * 12 + p.month - 1 + off, 12)
                value = f"{y_:04d}-{m_ + 1:02d}"
            mentions.append(Mention("date", s, e, text[s:e], value, "relative",
                                    {"precision": unit, "year_from": "publication date"}))
            rel_spans.append((s, e))
        # "خلال نيسان": the month before (or of) the publication date
        for s, e, month in find_yearless_months(
                text, [(d.start, d.end) for d in dates] + rel_spans):
            year = p.year if month <= p.month else p.year - 1
            mentions.append(Mention("date", s, e, text[s:e], f"{year:04d}-{month:02d}",
                                    "month-without-year", {"precision": "month",
                                                           "year_from": "publication date"}))
        # "يوم الأحد", "on Thursday": that weekday on or before the publication date
        taken = SpanIndex((d.start, d.end) for d in dates)
        for s, e, wd in find_weekdays(text):
            if taken.overlaps(s, e) or pub_day.precision != "day":
                # "on Thursday" of an article known only to its month is any of four
                continue
            day = p - dt.timedelta(days=(p.weekday() - wd) % 7)
            mentions.append(Mention("date", s, e, text[s:e], day.isoformat(), "weekday",
                                    {"precision": "day", "year_from": "publication date"}))
    resolved = []
    for d in dates:
        if d.precision != "day-without-year":
            resolved.append(d)
            continue
        if pub_day is None:
            continue  # "28 أكتوبر" cannot be dated without the publication date
        day_ = resolve_day(int(d.value[2:4]), int(d.value[5:7]), pub_day.latest)
        if day_ is not None:
            mentions.append(Mention("date", d.start, d.end, text[d.start:d.end],
                                    day_.isoformat(), "day-without-year",
                                    {"precision": "day", "form": d.form,
                                     "year_from": "publication date"}))
    dates = resolved
    for d in dates:
        rule = "publication-date" if pub is not None and d == pub else "date"
        mentions.append(Mention("date", d.start, d.end, text[d.start:d.end], d.value, rule,
                                {"precision": d.precision, "value_end": d.value_end,
                                 "form": d.form}))
    view = norm_text(text)
    entity_mentions = tools.matcher.scan(view, sentences)
    mentions.extend(entity_mentions)
    org_spans = SpanIndex((m.start, m.end) for m in entity_mentions
                          if m.attrs.get("entity_type") != "landmark_event")
    place_hits = [(h, p) for h, p in gazetteer().scan(view)
                  if not org_spans.covers(h.start, h.end)
                  and not _in_person_name(text, h, p)]
    # a place inside a group's name ("ولاية خراسان", "al-Qaeda in Iraq") is left out
    for hit, place in _resolve_places(place_hits):
        after = text[hit.end:hit.end + 40]
        mentions.append(Mention(
            "place", hit.start, hit.end, text[hit.start:hit.end], place.id,
            f"gazetteer:{hit.clitic}" if hit.clitic else "gazetteer",
            {"name": place.name, "place_kind": place.kind, "iso3": ",".join(place.iso3) or None,
             "lat": place.lat, "lon": place.lon, "coords": place.coords,
             # "U.S. forces", "Nigerian army": the place names an actor, not where
             # an event happened (events are not placed there)
             "modifier": bool(_ACTOR_AFTER.match(after)) or None}))
    mentions.sort(key=lambda m: (m.start, -m.end, m.kind))
    starts = [s for s, _ in sentences]
    for m in mentions:
        i = bisect.bisect_right(starts, m.start) - 1
        m.sentence = i if i >= 0 and m.start < sentences[i][1] else -1

    if published is not None:
        pub_value: str | None = str(FuzzyDate.parse(published))
        pub_rule: str | None = "given"
    elif pub is not None:
        pub_value, pub_rule = pub.value, f"dateline at offset {pub.start}"
    else:
        pub_value, pub_rule = None, None

    # events are read per sentence: a report names the place of an attack in another
    # clause of the same sentence more often than in the clause of the attack word
    events = find_events(text, sentences, mentions, tools.landmarks, view, tools.deaths,
                         published=pub_value)
    claims = find_claims(text, sentences, entity_mentions, figures, kb, NETWORK_TYPES)
    return ReadResult(text, language, pub_value, pub_rule, sentences, mentions, events,
                      claims, kb.version)


def read_file(path: str | os.PathLike[str], *, lang: str = "auto",
              kb: KnowledgeBase | None = None,
              published: str | None = None) -> tuple[ReadResult, str]:
    """Read a UTF-8 text file; return the result and the sha256 of the file's bytes."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise KharitaError(f"{p}: cannot read file: {exc.strerror or exc}") from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KharitaError(f"{p}: not UTF-8 text (byte {exc.start}); convert it to UTF-8 "
                           "first") from exc
    try:
        result = read(text, lang=lang, kb=kb, published=published)
    except ValueError as exc:
        raise KharitaError(f"{p}: {exc}") from exc
    return result, hashlib.sha256(data).hexdigest()


_CAPITALISED_BEFORE = re.compile(r"(?<![.!?\n:;\"“«(])\s([A-Z][a-z]+)\s$")
_NOT_NAME_WORDS = frozenset(("The", "In", "At", "On", "From", "To", "Of", "And", "Near",
                             "North", "South", "East", "West", "Northern", "Southern",
                             "Eastern", "Western", "Central", "Greater", "Upper", "Lower",
                             "New", "Old", "Al", "El", "Ar", "As", "Ad", "Deir", "Tal", "Tell",
                             "Ras", "Bir", "Ain", "Jabal", "Wadi", "Lake", "Port", "Fort",
                             "Saint", "San", "Santa", "Sao", "Abu"))


def _in_person_name(text: str, hit: Any, place: Any) -> bool:
    """A Latin city name right after a capitalised word that is not a sentence start
    nor a place word is part of a person's name ("Lloyd Austin", "Secretary Austin")."""
    if place.kind != "city" or not text[hit.start:hit.end][:1].isupper() \
            or not text[hit.start:hit.end].isascii():
        return False
    m = _CAPITALISED_BEFORE.search(text, max(0, hit.start - 30), hit.start)
    return m is not None and m.group(1) not in _NOT_NAME_WORDS


_ACTOR_AFTER = re.compile(
    r"\.?(?:'s)?\s{0,3}(?:special\s+|armed\s+|security\s+|military\s+)?(?:forces|troops|military|"
    r"army|soldiers|officials|authorities|government|police|embassy|navy|air\s+force|"
    r"commandos|officers|intelligence)\b", re.IGNORECASE)


def _resolve_places(hits: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Names shared by places of several countries ("Congo", "الكونغو") take the
    country that the article's unambiguous place names point to (the Democratic
    Republic of the Congo in an article that also names Ituri or Kinshasa); else the
    gazetteer's default."""
    sure: dict[str, int] = {}
    for hit, _ in hits:
        isos = {tuple(p.iso3) for p in hit.payloads}
        if len(isos) == 1:
            for iso in next(iter(isos)):
                sure[iso] = sure.get(iso, 0) + 1
    out = []
    for hit, place in hits:
        if len({tuple(p.iso3) for p in hit.payloads}) > 1:
            scored = [(sum(sure.get(i, 0) for i in p.iso3), p) for p in hit.payloads]
            best = max(n for n, _ in scored)
            if best > 0:
                place = next(p for n, p in scored if n == best)
        out.append((hit, place))
    return out


def _figure_key(unit: str, value: float | None, low: float | None, high: float | None) -> str:
    if value is not None:
        return f"{unit} {value:g}"
    return f"{unit} {low:g}-{high:g}"
