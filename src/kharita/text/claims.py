"""Sourced claims: sentences that attribute a figure or a relation to a source.

A sentence is a claim when it contains an attribution cue:

* Arabic: تشير / يشير / أشارت / أشار / أكدت / أكد / ذكرت / ذكر / أفادت / كشفت / قالت /
  قدرت (+ تقارير، تقرير، دراسات، دراسة، التقديرات ...), وفق / وفقا ل / بحسب / حسب;
* English: according to, reports/studies/estimates (suggest|indicate|show|say),
  said, stated, estimated, reported;
* French: selon, d'après.

The *cited source* is the phrase next to the cue: after it ("تشير تقارير الخزانة
الأمريكية (2023) إلى أن", "according to the US Treasury") or before it ("تقارير
الأمم المتحدة (2023–2024) أكدت أن"), without a leading document word (تقارير،
reports ...) when a named body follows; a year or date right after it in
parentheses is the source's date. A few bodies are recognised by name
(:data:`KNOWN_SOURCES`).

Each figure of a claim sentence (:mod:`kharita.text.figures`) becomes one claim
with its value (or low/high), unit and qualifier. Its *subject* is the nearest
network entity mentioned before the figure in the same sentence, else the last
one mentioned earlier in the article. Its *property* (named as in the KB's claims)
comes from the figure's unit and keywords of the sentence (:data:`PROPERTY_RULES`);
when no rule applies the unit itself is the property. A claim
sentence without a figure that mentions two or more KB entities is a ``relation``
claim.

Comparison with the KB's sourced claims (``kb.claims``): a KB claim with the same
subject, unit and property (never a claim about another property of the same
unit) is *same* when value, low and high agree within 1 %, else
*different_value*; with no such KB claim the claim is *new*. A relation claim is
*same* when the KB has a relation between two of its entities, else *new*.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from kharita.kb.knowledge import KnowledgeBase
from kharita.text.figures import Figure
from kharita.text.normalize import View, fold, fold_pattern, fold_text
from kharita.text.spans import by_start, in_range

_DOC_WORDS = (r"تقارير|تقرير|دراسات|دراسه|دراسة|التقديرات|تقديرات|بيانات|بيان|مصادر|"
              r"معلومات|مسؤولون|باحثون|خبراء|المرصد|مرصد|reports?|studies|study|estimates|data|"
              r"figures|sources|analysts|officials|experts|researchers|member\s+states|states|"
              r"authorities|ministry|observatory|monitor|police|army|military")
_VERBS_AR = (r"تشير|يشير|اشارت|أشارت|اشار|أشار|اكدت|أكدت|اكد|أكد|ذكرت|ذكر|افادت|أفادت|كشفت|كشف"
             r"|قالت|قال|يقول|تقول|أعلنت|اعلنت|أعلن|اعلن|قدرت|قدر|رجحت|تؤكد|تقدر"
             r"|أفاد|افاد|أوضحت|أوضح|اوضح|صرحت|صرح|نقلت|نقل|أضافت|أضاف|اضاف|تابع|يقدر|تقدر"
             r"|رصد|رصدت|وثق|وثقت")
_AFTER = fold_pattern(
    rf"(?<!\w)(?P<cue>(?:[وف])?(?:{_VERBS_AR})|(?:[وف])?(?:وفقا\s+ل|وفقًا\s+ل|وفق|بحسب|حسب)"
    rf"|according\s+to|selon|d'après|d'apres"
    rf"|(?:is|are|was|were)\s+(?:estimated|believed|thought|reported|said)\s+to)"
    rf"\s*(?P<src>[^()،,.:؛\n]{{0,80}}?)\s*(?:\((?P<date>[^()]{{1,30}})\))?"
    rf"\s*(?=(?:(?:الى|إلى)\s*)?(?<!\w)ب?(?:ان|أن|إن)(?:ها|ه|هم)?\b|،|,|:|[.؛;]"
    rf"|\s(?:that|the|is|has|had|have|were|was|be)\b"
    rf"|$)",
    re.IGNORECASE,
)
_BEFORE = fold_pattern(
    rf"(?P<src>(?:[a-z.\-]{{1,25}}\s+){{0,3}}(?:{_DOC_WORDS})(?:\s+[^()،,.:؛\n]{{1,80}}?)?)\s*(?:\((?P<date>[^()]{{1,30}})\))?\s*"
    rf"(?P<cue>{_VERBS_AR}|(?:suggest|indicate|show|say|said|found|estimate|estimated|state"
    rf"|stated|assess|assessed|report|reported|believe|believed|note|noted|warn|warned"
    rf"|claim|claimed)s?)\b",
    re.IGNORECASE,
)
_DOC_LEAD = fold_pattern(rf"^(?:{_DOC_WORDS})\s+", re.IGNORECASE)

KNOWN_SOURCES: dict[str, tuple[str, ...]] = {
    "US Department of the Treasury": ("الخزانة الأمريكية", "الخزانة الأميركية",
                                      "وزارة الخزانة", "us treasury", "u.s. treasury",
                                      "treasury", "trésor américain"),
    "United Nations": ("الأمم المتحدة", "أممية", "اممية", "united nations", "un ",
                       "security council", "nations unies", " onu ", "'onu ", "مجلس الأمن"),
}

# (property, unit, keyword groups): the property applies to a figure of that unit when
# the claim sentence contains a word of every group. Property names follow the KB's.
PROPERTY_RULES: list[tuple[str, str, tuple[tuple[str, ...], ...]]] = [
    ("cash_reserves", "USD", (("احتياط", "reserves", "réserves", "cash"),)),
    ("revenue", "USD", (("ايرادات", "إيرادات", "عائدات", "دخل", "revenue", "income",
                         "revenus"),)),
    ("territory_controlled", "km2", (("مساحة", "يسيطر", "سيطرة", "territory", "controlled",
                                      "territoire"),)),
    ("population_ruled", "people", (("سكان", "نسمة", "population", "people under"),)),
    ("fighters", "fighters", ()),
    ("share_of_operations_centrally_directed", "percent",
     (("العمليات", "operations", "attacks", "opérations"),
      ("المركز", "مركزي", "central", "centrally"))),
    ("share_of_new_recruits_joining_for_economic_reasons_africa", "percent",
     (("المنضمين", "المجندين", "التجنيد", "recruits", "recrues"),
      ("معيشية", "اقتصادية", "economic", "économiques", "livelihood"))),
]


@dataclass
class ClaimRef:
    """A claim found in the text, with offsets and its comparison with the KB."""

    kind: str  # "figure" | "relation"
    sentence_start: int
    sentence_end: int
    sentence: str
    cue: str
    cue_start: int
    source_text: str | None
    source_start: int | None
    source_end: int | None
    source_name: str | None
    source_date: str | None
    subject: str | None
    subject_rule: str | None
    property: str
    unit: str | None = None
    qualifier: str | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    figure_start: int | None = None
    figure_end: int | None = None
    figure_text: str | None = None
    entities: list[str] = field(default_factory=list)
    comparison: str = "new"
    kb_claims: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


# every cue of _AFTER and _BEFORE contains one of these words: sentences without any
# are not searched with the (slower) full patterns
_CUE_WORD = fold_pattern(
    rf"{_VERBS_AR}|وفق|حسب|according|selon|d'apr|suggest|indicate|show|say|said|found"
    rf"|estimate|state|assess|report|believe|note|warn|claim|thought", re.IGNORECASE)


def _find_cue(text: str, s: int, e: int, view: View) -> dict[str, Any] | None:
    """The claim cue of sentence ``text[s:e]``, whose folded view is ``view``."""
    sent = text[s:e]
    if not _CUE_WORD.search(view.text):
        return None
    found = [m for m in (_AFTER.search(view.text), _BEFORE.search(view.text)) if m]
    if not found:
        return None
    # prefer a match that names a source, then the earliest cue
    m = min(found, key=lambda m: (not m.group("src").strip(), m.start("cue")))
    out: dict[str, Any] = {"cue_start": s + view.span(*m.span("cue"))[0]}
    cs, ce = view.span(*m.span("cue"))
    out["cue"] = sent[cs:ce]
    src_s, src_e = m.span("src")
    src_txt = view.text[src_s:src_e]
    lead = _DOC_LEAD.match(src_txt)
    if lead and lead.end() < len(src_txt):
        rest = sent[view.span(src_s + lead.end(), src_s + lead.end() + 1)[0]:]
        if rest[:1].isupper() or rest.startswith(("ال", "the ")):
            src_s += lead.end()
    while src_e > src_s and view.text[src_e - 1].isspace():
        src_e -= 1
    if src_e > src_s:
        a, b = view.span(src_s, src_e)
        out.update(source_text=sent[a:b], source_start=s + a, source_end=s + b)
    else:
        out.update(source_text=None, source_start=None, source_end=None)
    if m.group("date"):
        from kharita.text.dates import find_dates

        ds, de = view.span(*m.span("date"))
        in_parens = find_dates(sent[ds:de])
        out["source_date"] = in_parens[0].value if in_parens else None
    elif out["source_text"]:
        from kharita.text.dates import find_dates

        in_source = find_dates(out["source_text"])
        out["source_date"] = in_source[0].value if in_source else None
    else:
        out["source_date"] = None
    name = None
    if out["source_text"]:
        low = " " + fold(out["source_text"]) + " "
        for label, names in _folded_rules()[1]:
            if any(n in low for n in names):
                name = label
                break
    out["source_name"] = name
    return out


@functools.lru_cache(maxsize=1)
def _folded_rules() -> tuple[list[tuple[str, str, list[list[str]]]], list[tuple[str, list[str]]]]:
    rules = [(p, u, [[fold(w) for w in g] for g in groups]) for p, u, groups in PROPERTY_RULES]
    sources = [(label, [fold(n) for n in names]) for label, names in KNOWN_SOURCES.items()]
    return rules, sources


def _property(low: str, unit: str | None) -> str:
    """The KB property a figure of ``unit`` in the folded sentence ``low`` is about."""
    for prop, prop_unit, groups in _folded_rules()[0]:
        if unit != prop_unit:
            continue
        if all(any(w in low for w in group) for group in groups):
            return prop
    return unit or "figure"


def find_claims(text: str, sentences: list[tuple[int, int]], mentions: list[Any],
                figures: list[Figure], kb: KnowledgeBase | None,
                network_types: tuple[str, ...]) -> list[ClaimRef]:
    """Claims in ``text`` (see module docstring); ``mentions`` are entity mentions."""
    out: list[ClaimRef] = []
    network, net_starts = by_start(m for m in mentions if m.kind == "entity"
                                   and m.attrs.get("entity_type") in network_types)
    ents, ent_starts = by_start(m for m in mentions if m.kind == "entity")
    figures_sorted, fig_starts = by_start(figures)
    for s, e in sentences:
        figs = in_range(figures_sorted, fig_starts, s, e)
        in_sentence = in_range(ents, ent_starts, s, e)
        if not figs and len(in_sentence) < 2:
            continue  # neither a figure nor a relation claim is possible
        sent_view = fold_text(text[s:e])
        cue = _find_cue(text, s, e, sent_view)
        if cue is None:
            continue
        base = dict(sentence_start=s, sentence_end=e, sentence=text[s:e], **cue)
        net_here = in_range(network, net_starts, s, e)
        k_before_sentence = bisect.bisect_left(net_starts, s)
        for f in figs:
            before = [m for m in net_here if m.start < f.start]
            if before:
                subj, rule = before[-1].key, "nearest network mention before the figure"
            elif net_here:
                subj, rule = net_here[0].key, "network mention in the sentence"
            elif k_before_sentence > 0:
                subj = network[k_before_sentence - 1].key
                rule = "last network mention earlier in the article"
            else:
                subj, rule = None, None
            out.append(ClaimRef(
                "figure", subject=subj, subject_rule=rule,
                property=_property(sent_view.text, f.unit),
                unit=f.unit, qualifier=f.qualifier, value=f.value, low=f.low, high=f.high,
                figure_start=f.start, figure_end=f.end, figure_text=text[f.start:f.end], **base))
        if not figs:
            keys: list[str] = []
            for m in in_sentence:
                if m.key not in keys and m.rule != "generic-after-network":
                    keys.append(m.key)
            if len(keys) >= 2:
                out.append(ClaimRef("relation", subject=keys[0], subject_rule="first entity",
                                    property="relation", entities=keys, **base))
    if kb is not None:
        for c in out:
            compare(c, kb)
    return out


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 0.01 * max(abs(a), abs(b), 1e-9)


def compare(claim: ClaimRef, kb: KnowledgeBase) -> None:
    """Set ``claim.comparison`` (same / different_value / new) and ``claim.kb_claims``."""
    if claim.kind == "relation":
        ents = set(claim.entities)
        rels = [r for r in kb.relations if r.source in ents and r.target in ents]
        claim.comparison = "same" if rels else "new"
        claim.kb_claims = sorted({r.id for r in rels})
        return
    # only KB claims about the same property: a casualty count (unit "people") is
    # not compared with the population a group rules (also "people")
    cands = [k for k in kb.claims if k.subject == claim.subject
             and k.unit.lower() == (claim.unit or "").lower()
             and k.property == claim.property]
    if not cands:
        claim.comparison, claim.kb_claims = "new", []
        return
    same = [k for k in cands if _close(k.value, claim.value) and _close(k.low, claim.low)
            and _close(k.high, claim.high)]
    claim.comparison = "same" if same else "different_value"
    claim.kb_claims = [k.id for k in (same or cands)]
