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
from typing import Any, Final

import pandas as pd

from kharita.events.sources import registry
from kharita.kb.knowledge import KnowledgeBase
from kharita.kb.model import Entity, Relation, Validity
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
    "gtd-joint": "GTD joint label 'X; Y' in one perpetrator field: each candidate kept with "
                 "confidence / n",
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
    "label-fallback": "a dataset label used for an event outside the label's validity (by "
                      "default a branch's own validity): the event goes to the entity that "
                      "carried the name then, by the KB's relations (the branch's "
                      "predecessor by split_from / successor_of, its successor, or its parent "
                      "by part_of on that date)",
    "label-anachronism": "a dataset label used outside its validity with no entity that "
                         "carried the name then: kept, confidence halved (never guessed)",
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
#: Confidence factor of a dataset label used outside its validity with no fallback.
ANACHRONISM_FACTOR: Final = 0.5
#: Relations that name the entity that carried a branch's label before the branch existed
#: (source = the branch, target = the predecessor), in order of preference.
PREDECESSOR_RELATIONS: Final = ("split_from", "successor_of")

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
    lo, hi = v.bounds()
    return lo or MIN_DATE, hi or MAX_DATE


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
    kind: str  # "" | "<source>-joint" (e.g. "acled-joint") | "coalition" | "co-actor"

    @property
    def joint(self) -> bool:
        """True for a candidate of a joint label (weight 1/n)."""
        return self.kind.endswith("-joint")


def umbrella_ids(kb: KnowledgeBase) -> frozenset[str]:
    """Entities whose events are narrowed by territory: the network profile's root.

    >>> from kharita import load_kb
    >>> sorted(umbrella_ids(load_kb()))
    ['is']
    """
    return frozenset({network_profile(kb).root})


def split_actor(source: str, name: str | None, sid: str | None) -> list[ActorPart]:
    """Split an actor field into the groups it names.

    Joint labels in the connector's syntax (ACLED's "X and/or Y", GTD's "X; Y") and
    coalition sides
    (UCDP's "A, B, IS", with side ids like "234, 1234") give one part per group; the
    syntax is the connector's (:class:`~kharita.events.sources._common.Connector`
    ``joint_label``, ``coalition_sep``).

    >>> [p.name for p in split_actor("acled", "JNIM and/or Islamic State (Greater Sahara)", None)]
    ['JNIM', 'Islamic State (Greater Sahara)']
    >>> [(p.name, p.actor_id) for p in split_actor("ucdp", "IS, Al-Shabaab", "234, 1234")]
    [('IS', 234), ('Al-Shabaab', 1234)]
    >>> [(p.name, p.kind) for p in split_actor("gtd", "Boko Haram; Ansaru", None)]
    [('Boko Haram', 'gtd-joint'), ('Ansaru', 'gtd-joint')]
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
        kind = f"{conn.name}-joint" if conn is not None else "joint"
        return [ActorPart(i, len(joint), n, None, kind) for i, n in enumerate(joint)]
    sep = conn.coalition_sep if conn is not None else None
    if sep and (sep in name or len(ids) > 1):
        names = [n.strip() for n in name.split(sep) if n.strip()]
        if len(names) > 1 or len(ids) > 1:
            n = max(len(names), len(ids))
            return [ActorPart(i, n, names[i] if i < len(names) else "",
                              ids[i] if len(ids) == n else None, "coalition")
                    for i in range(n)]
    return [ActorPart(0, 1, name, ids[0] if len(ids) == 1 else None, "")]


@dataclass(frozen=True)
class Label:
    """One dataset label of the KB (``dataset_names``) with the period of event dates in
    which it denotes its entity.

    ``no`` numbers the labels in KB order (entity, field, item): stable for one KB
    version. ``valid`` is the label's own period when the YAML gives one, else, for a
    branch (``province``), the branch's validity, else open; outside it the
    ``label-fallback`` rule applies (:func:`label_periods`).
    """

    no: int
    field: str
    name: str
    entity: Entity
    valid: Validity
    explicit: bool

    @property
    def bounded(self) -> bool:
        return self.valid.from_ is not None or self.valid.to is not None

    def describe(self) -> str:
        span = f"{self.valid.from_ or '*'}..{self.valid.to or '*'}"
        own = "its own period" if self.explicit else f"the validity of {self.entity.id}"
        return (f"{self.field} label {self.name!r} of {self.entity.id} valid {span} ({own}, "
                f"{_where(self.entity.file, self.entity.line)})")


#: Entity types whose dataset labels are valid only within the entity's own validity
#: when the label gives no period of its own (a branch's name before the branch existed
#: is an anachronism).
BRANCH_TYPES: Final = frozenset({"province"})


def label_validity(entity: Entity, label: object) -> tuple[Validity, bool]:
    """The period in which ``label`` (an item of ``entity.dataset_names``) denotes
    ``entity``, and whether the KB wrote it on the label itself.

    >>> from kharita import load_kb
    >>> e = load_kb(check=False).entity("is-mozambique")
    >>> v, explicit = label_validity(e, e.dataset_names.acled[0])
    >>> str(v.from_) >= "2022-05"
    True
    """
    own = getattr(label, "valid", None)
    if isinstance(own, Validity) and (own.from_ is not None or own.to is not None):
        return own, True
    if entity.type in BRANCH_TYPES:
        return entity.valid, False
    return Validity(), False


class KBIndex:
    """The KB's dataset ids, dataset names and aliases, indexed for actor matching.

    ``actor_ids`` and ``dataset_names`` map a dataset's id or string to
    ``(entity, label number)`` pairs; ``labels`` lists every :class:`Label`.
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.actor_ids: dict[int, list[tuple[Entity, int]]] = {}
        self.dataset_names: dict[tuple[str, str], list[tuple[Entity, int]]] = {}
        self.labels: list[Label] = []
        id_fields = sorted({c.actor_ids for c in registry.connectors() if c.actor_ids})
        name_fields = sorted({c.dataset_names for c in registry.connectors()
                              if c.dataset_names})
        for e in kb.entities.values():
            for fld in id_fields:
                for aid in getattr(e.dataset_names, fld):
                    no = self._label(e, fld, str(int(aid)), aid)
                    self.actor_ids.setdefault(int(aid), []).append((e, no))
            for fld in name_fields:
                for s in getattr(e.dataset_names, fld):
                    no = self._label(e, fld, str(s).strip(), s)
                    self.dataset_names.setdefault((fld, str(s).strip()), []).append((e, no))

    def _label(self, e: Entity, fld: str, name: str, item: object) -> int:
        valid, explicit = label_validity(e, item)
        self.labels.append(Label(len(self.labels), fld, name, e, valid, explicit))
        return len(self.labels) - 1


Candidate = tuple[str, str, float, str, int]


def _match_part(idx: KBIndex, source: str, part: ActorPart,
                learned: dict[str, int]) -> list[Candidate]:
    """(entity_id, rule, confidence, detail, label number or -1) candidates for one actor
    part, first rule wins."""
    conn = registry.find(source)
    has_ids = conn is not None and conn.actor_ids is not None
    src = (conn.dataset_names or conn.name) if conn is not None else source
    if has_ids and part.actor_id is not None and part.actor_id in idx.actor_ids:
        pairs = idx.actor_ids[part.actor_id]
        return [(e.id, "ucdp-actor-id", MATCH_CONFIDENCE["ucdp-actor-id"] / len(pairs),
                 f"UCDP actor {part.actor_id} -> {e.id} ({_where(e.file, e.line)})", no)
                for e, no in pairs]
    if has_ids and part.kind == "coalition":
        aid = learned.get(part.name, UCDP_ACTOR_NAMES.get(part.name))
        if aid is not None and aid in idx.actor_ids:
            pairs = idx.actor_ids[aid]
            how = "this data's single-actor rows" if part.name in learned else \
                "UCDP Actor Dataset (ucdp-actor)"
            return [(e.id, "ucdp-actor-name", MATCH_CONFIDENCE["ucdp-actor-name"] / len(pairs),
                     f"coalition member {part.name!r} is UCDP actor {aid} (by {how}), "
                     f"listed for {e.id}", no) for e, no in pairs]
    if not part.name:
        return []
    pairs = idx.dataset_names.get((src, part.name), [])
    if pairs:
        return [(e.id, "dataset-name", MATCH_CONFIDENCE["dataset-name"] / len(pairs),
                 f"{src} name {part.name!r} listed in dataset_names of {e.id}", no)
                for e, no in pairs]
    matches = [m for m in idx.kb.find(part.name)
               if idx.kb.entities[m.entity_id].type in ACTOR_TYPES]
    if not matches:
        return []
    out = []
    for m in matches:
        rule = f"alias-{m.rule}"
        out.append((m.entity_id, rule, MATCH_CONFIDENCE[rule] / len(matches),
                    f"{m.explain()} of {m.entity_id}", -1))
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
                            "part_name", "cand_no", "entity_id", "match_rule",
                            "match_confidence", "match_detail", "umbrella", "label_no",
                            "remap_key", "n_cands"]


def label_key(no: int) -> str:
    """The remap key of dataset label ``no`` (:func:`remap_table`)."""
    return f"label:{no}"


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
        narrowed later by territory. ``cand_no`` numbers the candidates of one actor
        string (0, 1, ...: the id attributions store as ``match_no``); ``label_no`` is
        the dataset label that matched (-1 for none); ``remap_key`` is the key of the
        date-dependent re-mapping (:func:`remap_table`): the label's key when the label
        has a bounded validity, else the entity id; ``n_cands`` is the number of
        candidates of the actor string. Unresolved actors have no row.

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
        cand_no = 0
        for p in parts:
            cands = _match_part(idx, source, p, learned)
            if not cands and p.joint and p.name:
                # a joint label's group outside the KB is still a candidate: the
                # network's share of the event is split with it (never weight 1)
                cands = [(outside_id(p.name), "outside", MATCH_CONFIDENCE["outside"],
                          f"{p.name!r} is not in the knowledge base: a candidate outside "
                          "the network", -1)]
            for eid, rule, conf, detail, label_no in cands:
                weight = 1.0 / p.n_parts if p.joint else 1.0
                if p.kind:
                    rule = f"{p.kind}+{rule}"
                    detail = f"{p.kind} part {p.part + 1}/{p.n_parts} {p.name!r}: {detail}"
                umbrella = eid in umbrellas
                key = label_key(label_no) if label_no >= 0 and idx.labels[label_no].bounded \
                    else eid
                rows.append((source, name, sid, p.part, p.n_parts, p.name, cand_no, eid, rule,
                             round(conf * weight, 6), detail, umbrella, label_no, key, 0))
                cand_no += 1
        for i in range(len(rows) - cand_no, len(rows)):
            rows[i] = (*rows[i][:-1], cand_no)
    return pd.DataFrame(rows, columns=ACTOR_MAP_COLUMNS).astype(
        {"part": "int64", "n_parts": "int64", "cand_no": "int64", "match_confidence": "float64",
         "umbrella": "bool", "label_no": "int64", "n_cands": "int64"})


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


AFFILIATION_COLUMNS: Final = ["remap_key", "entity_id", "network_entity", "relation_rank",
                              "valid_from", "valid_to", "affiliation_detail", "relation_no",
                              "remap_rule", "remap_factor"]


def affiliation_table(kb: KnowledgeBase, idx: KBIndex | None = None) -> pd.DataFrame:
    """Periods in which a candidate's events count for another entity (the
    date-dependent re-mapping of attribution step 3).

    *Affiliations* (rule ``affiliation``): one row per affiliated_with / accepted_by /
    part_of relation whose source is a group or splinter (:data:`AFFILIATE_TYPES`) and
    whose target is a network member (affiliated_with: any KB entity, e.g. Boko Haram ->
    ``jas`` after the 2016 split); the period is the relation's validity. Outside every
    period the group's events stay the group's own.

    *Dataset labels outside their validity* (rules ``label-fallback``,
    ``label-anachronism``): rows keyed ``label:<no>`` (:func:`label_periods`).

    ``remap_key`` is what a candidate joins on (its entity id, or its label's key when
    the label has a bounded validity; the entity's affiliation rows are repeated under
    that key); ``relation_no`` is the index of the deciding relation in
    ``kb.relations`` (-1 for none), the id attributions store.
    """
    profile = network_profile(kb)
    members: set[str] = set()
    for umb in umbrella_ids(kb):
        members |= profile.descendants(umb, kb)
    rows: list[tuple[object, ...]] = []
    for no, r in enumerate(kb.relations):
        if r.type not in AFFILIATION_RELATIONS or r.target not in kb.entities:
            continue
        if r.target not in members and r.type != "affiliated_with":
            continue
        src = kb.entities.get(r.source)
        if src is None or src.type not in AFFILIATE_TYPES:
            continue
        lo, hi = _validity_range(r.valid)
        rows.append((r.source, r.source, r.target, AFFILIATION_RELATIONS.index(r.type), lo,
                     hi, relation_text(r), no, "affiliation", 1.0))
    idx = idx if idx is not None else KBIndex(kb)
    for lab in idx.labels:
        if not lab.bounded:
            continue
        key = label_key(lab.no)
        rows.extend((key, *row[1:]) for row in list(rows) if row[0] == lab.entity.id)
        for lo, hi, target, rel_nos, text in label_periods(kb, lab):
            if target is None:
                rows.append((key, lab.entity.id, network_profile(kb).root, -1, lo, hi,
                             f"{lab.describe()}: {text}", -1, "label-anachronism", 1.0))
            else:
                rows.append((key, lab.entity.id, target, -1, lo, hi,
                             f"{lab.describe()}: {text}", rel_nos[-1], "label-fallback", 1.0))
    df = pd.DataFrame(rows, columns=AFFILIATION_COLUMNS)
    return _typed_dates(df, ["valid_from", "valid_to"]).astype(
        {"relation_rank": "int64", "relation_no": "int64", "remap_factor": "float64"})


def relation_text(r: Relation) -> str:
    """One relation as attribution details cite it.

    >>> from kharita import load_kb
    >>> kb = load_kb(check=False)
    >>> relation_text(next(r for r in kb.relations if r.source == "is-mozambique"
    ...                    and r.type == "split_from")).split(" (")[0]
    'is-mozambique split_from is-central-africa 2022-05-09..2022-05-09'
    """
    return (f"{r.source} {r.type} {r.target} {r.valid.from_ or '*'}..{r.valid.to or '*'}"
            f" ({_where(r.file, r.line)})")


_DAY = dt.timedelta(days=1)
Piece = tuple[dt.date, dt.date, str | None, tuple[int, ...], str]


def _minus(lo: dt.date, hi: dt.date, cut: tuple[dt.date, dt.date]
           ) -> list[tuple[dt.date, dt.date]]:
    out = []
    if lo < cut[0]:
        out.append((lo, min(hi, cut[0] - _DAY)))
    if hi > cut[1]:
        out.append((max(lo, cut[1] + _DAY), hi))
    return [(a, b) for a, b in out if a <= b]


def _carriers(kb: KnowledgeBase, eid: str, lo: dt.date, hi: dt.date, depth: int
              ) -> list[Piece]:
    """Who carried ``eid``'s name on the dates ``lo..hi`` (outside ``eid``'s label
    validity): pieces ``(from, to, entity or None, relation numbers, text)``."""
    e = kb.entities[eid]
    elo, ehi = _validity_range(e.valid)
    options: list[tuple[tuple[dt.date, dt.date], str, int, str]] = []
    for no, r in enumerate(kb.relations):
        if r.source == eid and r.type in PREDECESSOR_RELATIONS and r.target in kb.entities:
            options.append(((MIN_DATE, elo - _DAY), r.target, no, "its predecessor"))
    for no, r in enumerate(kb.relations):
        if r.target == eid and r.type == "successor_of" and r.source in kb.entities:
            options.append(((ehi + _DAY, MAX_DATE), r.source, no, "its successor"))
    for no, r in enumerate(kb.relations):
        if r.source == eid and r.type == "part_of" and r.target in kb.entities and \
                kb.entities[r.target].type in BRANCH_TYPES:
            options.append((_validity_range(r.valid), r.target, no, "its parent province"))
    todo = [(lo, hi)]
    out: list[Piece] = []
    for (clo, chi), target, no, how in options:
        nxt = []
        for a, b in todo:
            rng = _intersect((a, b), (clo, chi))
            if rng is None:
                nxt.append((a, b))
                continue
            nxt.extend(_minus(a, b, rng))
            tv = _validity_range(kb.entities[target].valid)
            inside = _intersect(rng, tv)
            text = f"{target}, {how} ({relation_text(kb.relations[no])})"
            if inside is not None:
                out.append((inside[0], inside[1], target, (no,), f"carried by {text}"))
            for x, y in _minus(rng[0], rng[1], tv):
                if depth < 3:
                    for p in _carriers(kb, target, x, y, depth + 1):
                        out.append((p[0], p[1], p[2], (no, *p[3]),
                                    f"not yet/no longer {text}; {p[4]}"))
                else:
                    out.append((x, y, None, (no,), f"no entity carried it ({text})"))
        todo = nxt
    for a, b in todo:
        out.append((a, b, None, (), "no KB relation names an entity that carried it on "
                                    "these dates: narrowed like the network's umbrella code"))
    return sorted(out, key=lambda p: p[0])


def label_periods(kb: KnowledgeBase, label: Label) -> list[Piece]:
    """The dates outside ``label``'s validity and who carried the name on them.

    Before the label's start the branch's predecessor (``split_from`` /
    ``successor_of``) carried it, after its end the branch's successor, and on dates the
    branch was formally part of another province (``part_of``), that province; an entity
    not valid on part of those dates passes them on to its own predecessor (three steps
    at most). Dates no relation covers get ``None`` (rule ``label-anachronism``: the
    event is narrowed like the network's umbrella code, by territory).

    >>> from kharita import load_kb
    >>> kb = load_kb(check=False)
    >>> lab = next(x for x in KBIndex(kb).labels if x.name == "Islamic State (Mozambique)")
    >>> [(str(lo), p) for lo, hi, p, _, _ in label_periods(kb, lab)]
    [('1900-01-01', None), ('2019-04-18', 'is-central-africa')]
    """
    lo, hi = _validity_range(label.valid)
    pieces: list[Piece] = []
    for a, b in _minus(MIN_DATE, MAX_DATE, (lo, hi)):
        pieces.extend(_carriers(kb, label.entity.id, a, b, 0))
    return pieces


def _breaks(froms: Iterable[dt.date], tos: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Elementary date intervals cut at every start and every day after an end."""
    cuts = sorted({MIN_DATE, *froms, *(d + _DAY for d in tos if d < MAX_DATE)})
    return [(a, (cuts[i + 1] - _DAY) if i + 1 < len(cuts) else MAX_DATE)
            for i, a in enumerate(cuts)]


def _merged(spans: list[tuple[dt.date, dt.date, tuple[object, ...] | None]]
            ) -> list[tuple[dt.date, dt.date, tuple[object, ...] | None]]:
    out: list[tuple[dt.date, dt.date, tuple[object, ...] | None]] = []
    for a, b, w in spans:
        if out and out[-1][2] == w and out[-1][1] + _DAY == a:
            out[-1] = (out[-1][0], b, w)
        else:
            out.append((a, b, w))
    return out


TERRITORY_SPAN_COLUMNS: Final = ["umbrella_id", "country_iso3", "admin1_key", "valid_from",
                                 "valid_to", "territory_no", "t_entity", "t_conf"]


def _key(v: object) -> str | None:
    """A table cell as a key: strings stay, null (None, NaN) is None."""
    return v if isinstance(v, str) else None


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in df.to_dict("records")]


def territory_spans(territories: pd.DataFrame) -> pd.DataFrame:
    """The territory table resolved into disjoint date spans: which record wins for an
    umbrella's event in a country, admin1 area and date.

    For every (umbrella, country) and every admin1 key a record of that country names
    (included or excluded), the whole timeline is cut into spans, each with the record
    of highest ``t_rank`` among those covering it (whole-country records and the key's
    own, minus records that exclude the key), or none (``territory_no`` -1); the row
    with ``admin1_key`` null holds the spans for every other area (and a missing
    admin1). Attribution then needs one equality-and-date join per side, with at most
    one match and no aggregation: the same choice as ranking every covering record.
    (Plain Python over the table's few dozen records: a pandas filter per span cost
    ~0.1 s per run.)
    """
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in _records(territories):
        umb, ctry = _key(r["umbrella_id"]), _key(r["country_iso3"])
        if umb is not None and ctry is not None:
            groups.setdefault((umb, ctry), []).append(r)
    rows: list[tuple[object, ...]] = []
    for (umb, ctry), g in sorted(groups.items()):
        inc = [r for r in g if not r["excluded"]]
        exc = [r for r in g if r["excluded"]]
        cuts = _breaks([r["valid_from"] for r in inc],
                       [r["valid_to"] for r in inc])
        keys = sorted({k for k in (_key(r["admin1_key"]) for r in g) if k is not None})
        for key in [*keys, None]:
            if key is None:
                cands = [r for r in inc if _key(r["admin1_key"]) is None]
            else:
                out_nos = {r["territory_no"] for r in exc if _key(r["admin1_key"]) == key}
                cands = [r for r in inc if _key(r["admin1_key"]) in (None, key)
                         and r["territory_no"] not in out_nos]
            spans: list[tuple[dt.date, dt.date, tuple[object, ...] | None]] = []
            for a, b in cuts:
                act = [r for r in cands
                       if r["valid_from"] <= a and r["valid_to"] >= b]
                if not act:
                    spans.append((a, b, None))
                    continue
                top = max(act, key=lambda r: r["t_rank"])
                spans.append((a, b, (int(top["territory_no"]),
                                     str(top["entity_id"]),
                                     float(top["confidence"]))))
            for a, b, w in _merged(spans):
                t_no, ent, conf = w if w is not None else (-1, None, None)
                rows.append((umb, ctry, key, a, b, t_no, ent, conf))
    df = pd.DataFrame(rows, columns=TERRITORY_SPAN_COLUMNS)
    return _typed_dates(df, ["valid_from", "valid_to"]).astype(
        {"territory_no": "int64", "t_conf": "float64"})


REMAP_SPAN_COLUMNS: Final = ["remap_key", "valid_from", "valid_to", "network_entity",
                             "network_umbrella", "remap_rule", "remap_factor", "relation_no"]


def remap_spans(affiliations: pd.DataFrame) -> pd.DataFrame:
    """The re-mapping table (:func:`affiliation_table`, with ``network_umbrella``)
    resolved into disjoint date spans per ``remap_key``: the row of lowest
    ``relation_rank`` (then network entity) among those valid on each date; dates no
    row covers have no span (the candidate keeps its entity)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in _records(affiliations):
        k = _key(r["remap_key"])
        if k is not None:
            groups.setdefault(k, []).append(r)
    rows: list[tuple[object, ...]] = []
    for key, g in sorted(groups.items()):
        # stable, like pandas' sort_values(kind="stable"): a null entity sorts last
        g = sorted(g, key=lambda r: (r["relation_rank"], _key(r["network_entity"]) is None,
                                     _key(r["network_entity"]) or ""))
        spans: list[tuple[dt.date, dt.date, tuple[object, ...] | None]] = []
        for a, b in _breaks([r["valid_from"] for r in g],
                            [r["valid_to"] for r in g]):
            first = next((r for r in g if r["valid_from"] <= a
                          and r["valid_to"] >= b), None)
            if first is None:
                spans.append((a, b, None))
                continue
            spans.append((a, b, (str(first["network_entity"]), bool(first["network_umbrella"]),
                                 str(first["remap_rule"]),
                                 float(first["remap_factor"]),
                                 int(first["relation_no"]))))
        for a, b, w in _merged(spans):
            if w is not None:
                rows.append((key, a, b, *w))
    df = pd.DataFrame(rows, columns=REMAP_SPAN_COLUMNS)
    return _typed_dates(df, ["valid_from", "valid_to"]).astype(
        {"network_umbrella": "bool", "remap_factor": "float64", "relation_no": "int64"})


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
