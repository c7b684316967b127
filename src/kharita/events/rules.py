"""Attribution rules as data: rule ids, confidences and the small lookup tables
built from the knowledge base.

Every attribution row records a rule string made of the rule ids below, joined by
``+`` in the order they applied, e.g. ``ucdp-actor-id+territory`` or
``acled-joint+dataset-name``. See ``docs/attribution.md``.

The tables built here (:func:`actor_map`, :func:`territory_table`,
:func:`affiliation_table`, :func:`admin1_table`) are small (one row per distinct
actor string, KB territory, KB relation or admin area); the attribution itself is
a set of joins over the events in the engine (:mod:`kharita.events.pipeline`).

Which entities are the network, its root (the umbrella code narrowed by territory) and
which relations make a group's events count for it come from the KB's network profile
(:mod:`kharita.kb.network`); how a dataset writes joint labels, coalitions, actor ids
and dataset names comes from its connector (:mod:`kharita.events.sources.registry`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import pandas as pd

from kharita.events.sources import registry
from kharita.kb.knowledge import KnowledgeBase
from kharita.kb.model import Entity, Validity
from kharita.kb.network import AFFILIATION_RELATIONS, NETWORK_TYPES, network_profile
from kharita.names import normalize

#: Rule id -> what it means (documented in docs/attribution.md).
RULES: Final[dict[str, str]] = {
    "ucdp-actor-id": "the dataset's own actor id is listed in an entity's "
                     "dataset_names.ucdp_actor_id (UCDP actor 234 = the whole network `is`)",
    "ucdp-actor-name": "a member of a UCDP coalition string is the name UCDP gives an actor id "
                       "listed in the KB (learned from the same data's single-actor rows, or "
                       "the UCDP Actor Dataset name of actor 234, 'IS')",
    "dataset-name": "exact string the KB lists for this dataset (dataset_names.acled/gtd/gdelt)",
    "alias-exact": "exact KB name or alias",
    "alias-normalised": "KB name or alias after normalisation (case, accents, Arabic "
                        "orthography; kharita.names.normalize)",
    "alias-clitic": "KB Arabic name or alias after removing a proclitic",
    "acled-joint": "ACLED joint label 'X and/or Y': each candidate kept with confidence / n",
    "coalition": "UCDP side listing several groups 'A, B, IS': each member matched on its own",
    "outside": "a group a joint label names that the KB does not know: kept as a candidate "
               "outside the network (entity id 'outside:<name>'), so the network's share "
               "is split with it",
    "co-actor": "further actors of side 1 (GTD gname2/gname3, ACLED assoc_actor_1), each "
                "matched on its own",
    "territory": "an umbrella actor (the whole network) narrowed to the branch whose KB "
                 "territory covers the event's country/admin1 on its date",
    "no-territory": "an umbrella actor left at the network (`is`) because no KB territory "
                    "covers the event's place and date (never guessed); confidence halved",
    "affiliation": "a group's events counted for the network entity it was affiliated with "
                   "on the event's date (affiliated_with / accepted_by / part_of validity)",
}

#: Base confidence per matching rule (multiplied by joint-label weights and the
#: territory record's own confidence).
MATCH_CONFIDENCE: Final[dict[str, float]] = {
    "ucdp-actor-id": 1.0,
    "ucdp-actor-name": 1.0,
    "dataset-name": 1.0,
    "alias-exact": 1.0,
    "alias-normalised": 0.95,
    "alias-clitic": 0.9,
    "outside": 1.0,
}

#: Confidence factor when an umbrella code cannot be narrowed to a branch.
NO_TERRITORY_FACTOR: Final = 0.5

#: UCDP Actor Dataset 22.1 (source ``ucdp-actor``), NameData of actor ids the KB
#: uses; only needed for coalition strings of files with no single-actor row.
UCDP_ACTOR_NAMES: Final[dict[str, int]] = {"IS": 234}

#: Entity types an actor field can resolve to by name (never persons or landmark events).
ACTOR_TYPES: Final = frozenset({*NETWORK_TYPES, "splinter", "group"})
#: Type of the umbrella code (the network's root, narrowed by territory). Prefer
#: :func:`umbrella_ids`, which reads the root from the KB's network profile.
UMBRELLA_TYPES: Final = frozenset({"organisation"})
#: Entity types whose events are re-counted for the entity they were affiliated with on
#: the event's date (:data:`AFFILIATION_RELATIONS`, by preference). Whether that entity
#: is the network is the network profile's decision, not attribution's.
AFFILIATE_TYPES: Final = frozenset({"group", "splinter"})

MIN_DATE: Final = dt.date(1900, 1, 1)
MAX_DATE: Final = dt.date(2999, 12, 31)

_ADMIN_SUFFIX = re.compile(
    r"\s+(state|province|governorate|region|district|prefecture|department|county|"
    r"territory|oblast|muhafazah|wilayah|wilaya|division|municipality)$")


def admin1_key(name: str | None) -> str | None:
    """Matching key of a first-level admin area as datasets spell it.

    Case- and accent-folded, without a trailing administrative word, so that UCDP's
    "Nīnawá province", ACLED's "Ninewa"-style spellings listed in the KB, and
    "Borno state" vs "Borno" compare equal.

    >>> admin1_key("Nīnawá province"), admin1_key("Borno State"), admin1_key(" ")
    ('ninawa', 'borno', None)
    """
    if name is None or not str(name).strip():
        return None
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    key = normalize(text)
    key = _ADMIN_SUFFIX.sub("", key).strip()
    return key or None


def _where(file: str | None, line: int | None) -> str:
    """``file.yaml:line`` of a KB record (file name only, no machine path)."""
    name = file.replace("\\", "/").rsplit("/", 1)[-1] if file else "kb"
    return f"{name}:{line or '?'}"


def _validity_range(v: Validity) -> tuple[dt.date, dt.date]:
    lo = v.from_.earliest if v.from_ is not None else MIN_DATE
    hi = v.to.latest if v.to is not None else MAX_DATE
    return lo, hi


def _intersect(*ranges: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date] | None:
    lo = max(r[0] for r in ranges)
    hi = min(r[1] for r in ranges)
    return (lo, hi) if lo <= hi else None


@dataclass(frozen=True)
class ActorPart:
    """One member of an actor string (a coalition member or joint-label candidate)."""

    part: int
    n_parts: int
    name: str
    actor_id: int | None
    kind: str  # "" | "acled-joint" | "coalition"


def umbrella_ids(kb: KnowledgeBase) -> frozenset[str]:
    """Entities whose events are narrowed by territory: the network profile's root.

    >>> from kharita import load_kb
    >>> sorted(umbrella_ids(load_kb()))
    ['is']
    """
    return frozenset({network_profile(kb).root})


def split_actor(source: str, name: str | None, sid: str | None) -> list[ActorPart]:
    """Split an actor field into the groups it names.

    Joint labels in the connector's syntax (ACLED's "X and/or Y") and coalition sides
    (UCDP's "A, B, IS", with side ids like "234, 1234") give one part per group; the
    syntax is the connector's (:class:`~kharita.events.sources._common.Connector`
    ``joint_label``, ``coalition_sep``).

    >>> [p.name for p in split_actor("acled", "JNIM and/or Islamic State (Greater Sahara)", None)]
    ['JNIM', 'Islamic State (Greater Sahara)']
    >>> [(p.name, p.actor_id) for p in split_actor("ucdp", "IS, Al-Shabaab", "234, 1234")]
    [('IS', 234), ('Al-Shabaab', 1234)]
    """
    name = (name or "").strip()
    if " | " in name:  # further actors of one side (GTD gname2/3, ACLED assoc_actor_1)
        names = [n.strip() for n in name.split(" | ") if n.strip()]
        return [ActorPart(i, len(names), n, None, "co-actor") for i, n in enumerate(names)]
    ids: list[int] = []
    for tok in (sid or "").split(","):
        tok = tok.strip()
        if tok.endswith(".0"):
            tok = tok[:-2]
        if tok.lstrip("-").isdigit():
            ids.append(int(tok))
    conn = registry.find(source)
    joint = conn.split_joint(name) if conn is not None else None
    if joint is not None:
        return [ActorPart(i, len(joint), n, None, "acled-joint") for i, n in enumerate(joint)]
    sep = conn.coalition_sep if conn is not None else None
    if sep and (sep in name or len(ids) > 1):
        names = [n.strip() for n in name.split(sep) if n.strip()]
        if len(names) > 1 or len(ids) > 1:
            n = max(len(names), len(ids))
            return [ActorPart(i, n, names[i] if i < len(names) else "",
                              ids[i] if len(ids) == n else None, "coalition")
                    for i in range(n)]
    return [ActorPart(0, 1, name, ids[0] if len(ids) == 1 else None, "")]


class KBIndex:
    """The KB's dataset ids, dataset names and aliases, indexed for actor matching."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.actor_ids: dict[int, list[Entity]] = {}
        self.dataset_names: dict[tuple[str, str], list[Entity]] = {}
        id_fields = sorted({c.actor_ids for c in registry.connectors() if c.actor_ids})
        name_fields = sorted({c.dataset_names for c in registry.connectors()
                              if c.dataset_names})
        for e in kb.entities.values():
            for fld in id_fields:
                for aid in getattr(e.dataset_names, fld):
                    self.actor_ids.setdefault(int(aid), []).append(e)
            for fld in name_fields:
                for s in getattr(e.dataset_names, fld):
                    self.dataset_names.setdefault((fld, s.strip()), []).append(e)


def _match_part(idx: KBIndex, source: str, part: ActorPart,
                learned: dict[str, int]) -> list[tuple[str, str, float, str]]:
    """(entity_id, rule, confidence, detail) candidates for one actor part, first rule wins."""
    conn = registry.find(source)
    has_ids = conn is not None and conn.actor_ids is not None
    src = (conn.dataset_names or conn.name) if conn is not None else source
    if has_ids and part.actor_id is not None and part.actor_id in idx.actor_ids:
        ents = idx.actor_ids[part.actor_id]
        return [(e.id, "ucdp-actor-id", MATCH_CONFIDENCE["ucdp-actor-id"] / len(ents),
                 f"UCDP actor {part.actor_id} -> {e.id} ({_where(e.file, e.line)})")
                for e in ents]
    if has_ids and part.kind == "coalition":
        aid = learned.get(part.name, UCDP_ACTOR_NAMES.get(part.name))
        if aid is not None and aid in idx.actor_ids:
            ents = idx.actor_ids[aid]
            how = "this data's single-actor rows" if part.name in learned else \
                "UCDP Actor Dataset (ucdp-actor)"
            return [(e.id, "ucdp-actor-name", MATCH_CONFIDENCE["ucdp-actor-name"] / len(ents),
                     f"coalition member {part.name!r} is UCDP actor {aid} (by {how}), "
                     f"listed for {e.id}") for e in ents]
    if not part.name:
        return []
    ents = idx.dataset_names.get((src, part.name), [])
    if ents:
        return [(e.id, "dataset-name", MATCH_CONFIDENCE["dataset-name"] / len(ents),
                 f"{src} name {part.name!r} listed in dataset_names of {e.id}") for e in ents]
    matches = [m for m in idx.kb.find(part.name)
               if idx.kb.entities[m.entity_id].type in ACTOR_TYPES]
    if not matches:
        return []
    out = []
    for m in matches:
        rule = f"alias-{m.rule}"
        out.append((m.entity_id, rule, MATCH_CONFIDENCE[rule] / len(matches),
                    f"{m.explain()} of {m.entity_id}"))
    return out


#: Prefix of the entity id given to a joint-label group the KB does not know.
OUTSIDE_PREFIX = "outside:"


def outside_id(name: str) -> str:
    """The attribution entity id of a joint-label group outside the KB.

    >>> outside_id(" Katiba Serma ")
    'outside:Katiba Serma'
    """
    return OUTSIDE_PREFIX + " ".join(name.split())


def learn_ucdp_names(pairs: Iterable[tuple[str | None, str | None]]) -> dict[str, int]:
    """UCDP actor name -> id, from rows whose side is a single actor (no comma).

    >>> learn_ucdp_names([("IS", "234"), ("IS, PYD", "7000"), (None, "1")])
    {'IS': 234}
    """
    out: dict[str, int] = {}
    for name, sid in pairs:
        if not name or not sid or "," in name or "," in str(sid):
            continue
        tok = str(sid).strip().removesuffix(".0")
        if tok.isdigit():
            out.setdefault(name.strip(), int(tok))
    return out


ACTOR_MAP_COLUMNS: Final = ["source", "actor_name", "actor_sid", "part", "n_parts",
                            "part_name", "entity_id", "match_rule", "match_confidence",
                            "match_detail", "umbrella"]


def actor_map(kb: KnowledgeBase, actors: pd.DataFrame) -> pd.DataFrame:
    """Resolve each distinct actor string to KB entities (one row per candidate).

    Parameters
    ----------
    kb
        The knowledge base.
    actors
        Distinct ``source, actor_name, actor_sid`` (nulls as empty strings).

    Returns
    -------
    DataFrame
        Columns :data:`ACTOR_MAP_COLUMNS`. ``match_rule`` is the first rule that
        matched (``acled-joint+`` / ``coalition+`` prefixed for multi-group fields);
        ``match_confidence`` is the rule's confidence divided among the candidates
        (and by the number of groups in a joint label). ``umbrella`` marks entities
        narrowed later by territory. Unresolved actors have no row.

    Examples
    --------
    >>> from kharita import load_kb
    >>> am = actor_map(load_kb(), pd.DataFrame({"source": ["ucdp"], "actor_name": ["IS"],
    ...                                         "actor_sid": ["234"]}))
    >>> am[["entity_id", "match_rule", "umbrella"]].values.tolist()
    [['is', 'ucdp-actor-id', True]]
    """
    idx = KBIndex(kb)
    umbrellas = umbrella_ids(kb)
    with_ids = [c.name for c in registry.connectors() if c.actor_ids]
    ucdp_rows = actors[actors["source"].isin(with_ids)]
    learned = learn_ucdp_names(zip(ucdp_rows["actor_name"], ucdp_rows["actor_sid"],
                                   strict=True))
    rows: list[tuple[object, ...]] = []
    for source, name, sid in actors[["source", "actor_name", "actor_sid"]].itertuples(
            index=False):
        parts = split_actor(source, name, sid)
        for p in parts:
            cands = _match_part(idx, source, p, learned)
            if not cands and p.kind == "acled-joint" and p.name:
                # a joint label's group outside the KB is still a candidate: the
                # network's share of the event is split with it (never weight 1)
                cands = [(outside_id(p.name), "outside", MATCH_CONFIDENCE["outside"],
                          f"{p.name!r} is not in the knowledge base: a candidate outside "
                          "the network")]
            for eid, rule, conf, detail in cands:
                weight = 1.0 / p.n_parts if p.kind == "acled-joint" else 1.0
                if p.kind:
                    rule = f"{p.kind}+{rule}"
                    detail = f"{p.kind} part {p.part + 1}/{p.n_parts} {p.name!r}: {detail}"
                umbrella = eid in umbrellas
                rows.append((source, name, sid, p.part, p.n_parts, p.name, eid, rule,
                             round(conf * weight, 6), detail, umbrella))
    return pd.DataFrame(rows, columns=ACTOR_MAP_COLUMNS).astype(
        {"part": "int64", "n_parts": "int64", "match_confidence": "float64", "umbrella": "bool"})


TERRITORY_COLUMNS: Final = ["umbrella_id", "entity_id", "country_iso3", "admin1_key",
                            "excluded", "territory_no", "valid_from", "valid_to", "priority",
                            "specific", "confidence", "territory_detail", "t_rank"]


def territory_table(kb: KnowledgeBase) -> pd.DataFrame:
    """One row per (umbrella, territory record, admin1 key) with its date range.

    The date range is the territory's validity intersected with its entity's
    validity. A record with no admin1 list covers the whole country (``admin1_key``
    null); ``exclude_admin1`` areas give rows with ``excluded=True``. ``specific`` is
    1 for admin1-level rules (preferred over whole-country rules at equal priority).
    """
    rows: list[tuple[object, ...]] = []
    profile = network_profile(kb)
    for umb in sorted(umbrella_ids(kb)):
        members = profile.descendants(umb, kb)
        for no, t in enumerate(kb.territories):
            if t.entity not in members:
                continue
            ent = kb.entities[t.entity]
            rng = _intersect(_validity_range(t.valid), _validity_range(ent.valid))
            if rng is None:
                continue
            where = _where(t.file, t.line)
            span = f"{t.valid.from_ or '*'}..{t.valid.to or '*'}"
            detail = (f"territory {t.entity} {t.country}"
                      f" {'/'.join(t.admin1) if t.admin1 else 'whole country'}"
                      f"{' minus ' + '/'.join(t.exclude_admin1) if t.exclude_admin1 else ''}"
                      f" {span} p{t.priority} ({where})")
            keys: list[str | None] = [
                *sorted({k for k in (admin1_key(a) for a in t.admin1) if k})]
            for key in keys or [None]:
                rows.append((umb, t.entity, t.country, key, False, no, rng[0], rng[1],
                             t.priority, 1 if key else 0, t.confidence, detail, 0))
            for key in sorted({k for k in (admin1_key(a) for a in t.exclude_admin1) if k}):
                rows.append((umb, t.entity, t.country, key, True, no, rng[0], rng[1],
                             t.priority, 1, t.confidence, detail, 0))
    # t_rank: unique, higher = preferred when several rules cover a place and date:
    # priority, then admin1-specific, then the later start, then confidence, then the
    # alphabetically first entity id
    order = sorted(range(len(rows)), key=lambda i: (
        rows[i][8], rows[i][9], rows[i][6], rows[i][10],
        tuple(-ord(c) for c in str(rows[i][1])), str(rows[i][3])))
    for rank, i in enumerate(order):
        rows[i] = (*rows[i][:12], rank)
    df = pd.DataFrame(rows, columns=TERRITORY_COLUMNS)
    return _typed_dates(df, ["valid_from", "valid_to"]).astype(
        {"excluded": "bool", "territory_no": "int64", "priority": "int64", "specific": "int64",
         "confidence": "float64", "t_rank": "int64"})


AFFILIATION_COLUMNS: Final = ["entity_id", "network_entity", "relation_rank", "valid_from",
                              "valid_to", "affiliation_detail"]


def affiliation_table(kb: KnowledgeBase) -> pd.DataFrame:
    """Periods in which a group's events count for a network entity.

    One row per affiliated_with / accepted_by / part_of relation whose source is a
    group or splinter (:data:`AFFILIATE_TYPES`) and whose target is a network member
    (affiliated_with: any KB entity, e.g. Boko Haram -> ``jas`` after the 2016 split);
    the period is the relation's validity. Outside every period the group's events
    stay the group's own.
    """
    profile = network_profile(kb)
    members: set[str] = set()
    for umb in umbrella_ids(kb):
        members |= profile.descendants(umb, kb)
    rows: list[tuple[object, ...]] = []
    for r in kb.relations:
        if r.type not in AFFILIATION_RELATIONS or r.target not in kb.entities:
            continue
        if r.target not in members and r.type != "affiliated_with":
            continue
        src = kb.entities.get(r.source)
        if src is None or src.type not in AFFILIATE_TYPES:
            continue
        lo, hi = _validity_range(r.valid)
        detail = (f"{r.source} {r.type} {r.target} {r.valid.from_ or '*'}..{r.valid.to or '*'}"
                  f" ({_where(r.file, r.line)})")
        rows.append((r.source, r.target, AFFILIATION_RELATIONS.index(r.type), lo, hi, detail))
    df = pd.DataFrame(rows, columns=AFFILIATION_COLUMNS)
    return _typed_dates(df, ["valid_from", "valid_to"]).astype({"relation_rank": "int64"})


def admin1_table(values: Iterable[str | None]) -> pd.DataFrame:
    """Distinct admin1 spellings of the events and their matching keys."""
    vals = sorted({v for v in values if isinstance(v, str) and v.strip()})
    return pd.DataFrame({"admin1_raw": pd.Series(vals, dtype="object"),
                         "admin1_key": pd.Series([admin1_key(v) for v in vals],
                                                 dtype="object")})


def _typed_dates(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    for c in cols:
        df[c] = pd.to_datetime(pd.Series(df[c], dtype="object")).dt.date if len(df) else \
            pd.Series([], dtype="object")
    return df
