"""Attribution of stored events to the network's KB entities, and its explanations.

:func:`attribute_store` runs the engine-neutral pipeline
(:mod:`kharita.events.pipeline`) on a DuckDB store and replaces the
``attributions`` table in one transaction; :func:`explain` shows, for one event, the
raw row, the normalised event and every rule that fired with the KB records behind
it; :func:`actors` lists raw actor names with their event counts and what they
resolved to. Rules and rule ids: :mod:`kharita.events.rules` and
``docs/attribution.md``.

Every function takes a :class:`kharita.store.base.Store`; the queries are the builders
of :mod:`kharita.store.sql.attribution` and the attribution itself is one Ibis
expression on ``store.ibis`` (this module never imports an engine).
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from kharita.errors import NotFound
from kharita.events import pipeline, rules
from kharita.kb.knowledge import KnowledgeBase
from kharita.store.base import Store
from kharita.store.sql import attribution as q


@dataclass
class AttributionReport:
    """What one attribution run did.

    ``by_rule`` and ``by_entity`` count attribution rows; ``unresolved_actors`` is the
    number of distinct (source, actor string) pairs no rule matched.
    """

    kb_version: str
    events: int
    attributed_events: int
    rows: int
    unresolved_actors: int
    seconds: float
    by_rule: pd.DataFrame = field(repr=False)
    by_entity: pd.DataFrame = field(repr=False)

    def __str__(self) -> str:
        return ", ".join(f"{k} {v}" for k, v in self.summary().items())

    def summary(self) -> dict[str, Any]:
        return {"kb_version": self.kb_version, "events": self.events,
                "attributed_events": self.attributed_events, "attribution_rows": self.rows,
                "unresolved_actors": self.unresolved_actors,
                "seconds": round(self.seconds, 3)}


def store_register(store: Store) -> Callable[[str, pa.Table], Any]:
    """A ``register`` callback for :func:`kharita.events.pipeline.register_lookups` that
    materialises lookup tables as temporary tables of ``store``."""

    def register(name: str, table: pa.Table) -> Any:
        view = f"{name}__arrow"
        store.register(view, table)
        store.create_temp(name, q.select_all(view))
        return store.table(name)

    return register


#: Former name of :func:`store_register` (it took a DuckDB connection).
duckdb_register = store_register


def _events_table(store: Store, ingest_file_id: str | None) -> Any:
    events = store.table("events")
    if ingest_file_id is not None:
        events = events.filter(events.ingest_file_id == ingest_file_id)
    return events


#: Engine memory limit while attributing. None keeps the engine's own (DuckDB: 80% of
#: RAM): none is needed, the run holds about 0.13 GB per million events (10M events:
#: 1.6 GB peak, benchmarks/bench_attribution_memory.py); a cap spills to disk.
DEFAULT_MEMORY_LIMIT: str | None = None


@contextmanager
def _memory_limit(store: Store, limit: str | None) -> Iterator[None]:
    if not limit or store.engine != "duckdb":
        yield
        return
    from kharita.store.duckdb import memory_limit

    with memory_limit(store, limit):
        yield


def attribute_store(store: Store, kb: KnowledgeBase, *, ingest_file_id: str | None = None,
                    memory_limit: str | None = DEFAULT_MEMORY_LIMIT) -> AttributionReport:
    """Attribute the store's events to KB entities, replacing earlier attributions.

    Parameters
    ----------
    store
        An open, writable store (:func:`kharita.store.base.open_store`).
    kb
        The knowledge base; its version is recorded on every row.
    ingest_file_id
        Only (re)attribute the events of this ingested file; by default every event
        is re-attributed.
    memory_limit
        DuckDB memory limit during the run, e.g. ``"4GB"`` (``None``: DuckDB's own);
        large joins then spill to disk (slower). See :data:`DEFAULT_MEMORY_LIMIT`.

    Returns
    -------
    AttributionReport

    Notes
    -----
    All deletes and inserts run in one transaction: a failure leaves the previous
    attributions in place. Re-running after a KB change needs no re-ingest.
    """
    t0 = time.perf_counter()
    by_file = ingest_file_id is not None
    params = [ingest_file_id] if by_file else []
    try:
        with _memory_limit(store, memory_limit):
            lk = _replace_attributions(store, kb, ingest_file_id)
        n_events = store.scalar(q.count_events(by_file=by_file), params)
        # one file's new rows are exactly its attributions now: read from their table,
        # not through a semi-join of every attribution with the file's events
        src: dict[str, Any] = {"table": NEW_ROWS} if by_file else {}
        n_rows, n_att = store.rows(q.count_attributions(**src))[0]
        by_rule = store.sql(q.rows_per_rule(**src))
        by_entity = store.sql(q.events_per_entity(**src))
    finally:
        if by_file and store.has_table(NEW_ROWS):
            store.drop_temp(NEW_ROWS)
    return AttributionReport(kb.version, int(n_events or 0), int(n_att or 0), int(n_rows or 0),
                             int(lk.unresolved_actors), time.perf_counter() - t0, by_rule,
                             by_entity)


def events_per_entity(store: Store, ingest_file_id: str | None = None) -> pd.DataFrame:
    """Per KB entity, the distinct stored reports with at least one attribution row to it
    (any rule, confidence, date or network membership; of one ingested file when
    ``ingest_file_id`` is given) and their mean confidence: DataFrame[entity_id, n_events,
    mean_confidence], most events first. Groups outside the network (Boko Haram before
    its pledge, HTS, the Taliban) are counted here and nowhere in the network's figures."""
    by_file = ingest_file_id is not None
    return store.sql(q.events_per_entity(by_file=by_file), [ingest_file_id] if by_file else [])


#: Temporary table of one ingested file's new attribution rows while
#: :func:`attribute_store` reports on them (dropped before it returns).
NEW_ROWS = "kharita_new_attributions"


def _replace_attributions(store: Store, kb: KnowledgeBase,
                          ingest_file_id: str | None) -> pipeline.Lookups:
    """Replace the attributions (of one ingested file's events when ``ingest_file_id``
    is given; its new rows are also left in the temporary table :data:`NEW_ROWS`) in one
    transaction."""
    events = _events_table(store, ingest_file_id)
    lk = pipeline.register_lookups(store_register(store), kb, events)
    sql = str(ibis.to_sql(pipeline.attribute_expr(events, lk), dialect="duckdb"))
    with store.transaction():
        if ingest_file_id is None:
            store.delete("attributions", "true")
            store.execute(q.insert_attributions(sql))
        else:
            store.delete("attributions", q.of_file(), [ingest_file_id])
            store.create_temp(NEW_ROWS, sql)
            store.execute(q.insert_attributions(q.select_all(NEW_ROWS)))
    return lk


def actors(store: Store, *, unresolved: bool = False, source: str | None = None
           ) -> pd.DataFrame:
    """Raw actor names with event counts and what they resolved to.

    Returns a DataFrame ``source, actor_name, n_events, entities, rules,
    mean_confidence`` (one row per source and actor string as the dataset writes it,
    both sides pooled; ``entities`` lists every entity the name's events were
    attributed to on that side), most frequent first. ``unresolved=True`` keeps only
    names no rule matched, so analysts can extend the KB.
    """
    params = [source, source] if source is not None else []
    return store.sql(q.actors(by_source=source is not None, unresolved=unresolved), params)


@dataclass
class Explanation:
    """Everything behind one event's attribution (see :func:`explain`)."""

    event_id: str
    raw: dict[str, Any] | None
    raw_origin: str
    event: dict[str, Any]
    attributions: pd.DataFrame
    candidates: pd.DataFrame
    territories: pd.DataFrame
    affiliations: pd.DataFrame
    sources: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
            return [{str(k): (None if (not isinstance(v, str | list | dict) and pd.isna(v))
                         else v) for k, v in r.items()} for r in df.to_dict("records")]
        return {"event_id": self.event_id, "raw_origin": self.raw_origin, "raw": self.raw,
                "event": self.event, "attributions": recs(self.attributions),
                "rules_fired": recs(self.candidates),
                "territories_considered": recs(self.territories),
                "affiliations_considered": recs(self.affiliations), "sources": self.sources}


def _read_raw_record(path: Path, row: int, source: str | None = None
                     ) -> dict[str, Any] | None:
    """Record ``row`` of ``path`` (1-based, the header line counting as record 1, as
    ``events.ingest_row``), as a dict keyed by the header's column names; a headerless
    file's fields are named by its connector (:attr:`Connector.field_names`, GDELT's
    codebook), else numbered from 0."""
    import gzip

    opener: Any = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
            sample = fh.read(65536)
            fh.seek(0)
            delim = "\t" if sample.count("\t") > sample.count(",") else ","
            reader = csv.reader(fh, delimiter=delim)
            header = next(reader, None)
            if header is None:
                return None
            if delim == "\t" and not any(h.isalpha() for h in header[0:1]):
                # headerless (GDELT): header line is record 1
                rec = header if row == 1 else next(
                    (r for i, r in enumerate(reader, start=2) if i == row), None)
                return None if rec is None else _named_fields(rec, source)
            for i, rec in enumerate(reader, start=2):
                if i == row:
                    return dict(zip(header, rec, strict=False))
    except OSError:
        return None
    return None


def _named_fields(rec: list[str], source: str | None) -> dict[str, Any]:
    from kharita.events.sources import registry

    connector = registry.find(source) if source else None
    names = (connector.field_names(len(rec)) if connector is not None
             and connector.field_names is not None else None)
    return dict(zip(names or [str(j) for j in range(len(rec))], rec, strict=False))


def _learning_rows(events: Any, event: dict[str, Any]) -> Any:
    """The store's single-actor sides named like the members of ``event``'s coalition
    sides: the rows the store-wide run learned UCDP actor names from
    (:func:`kharita.events.rules.learn_ucdp_names`), so one event's lookup tables match
    the run's."""
    members: set[str] = set()
    for name_col, sid_col in (("actor1_name", "actor1_source_id"),
                              ("actor2_name", "actor2_source_id")):
        for p in rules.split_actor(str(event.get("source") or ""), event.get(name_col),
                                   event.get(sid_col)):
            if p.kind == "coalition" and p.name:
                members.add(p.name)
    if not members:
        return None
    sides = pipeline.actor_sides(events.filter(events.source == str(event.get("source"))))
    return sides.filter(sides.actor_name.isin(sorted(members)))


_SLOTS = {(1, 0): ("actor1_name", "actor1_source_id"), (1, 1): ("actor1_other_names", None),
          (2, 0): ("actor2_name", "actor2_source_id")}


def render_details(att: pd.DataFrame, event: dict[str, Any], kb: KnowledgeBase,
                   frames: dict[str, pd.DataFrame]) -> list[str | None]:
    """The human-readable explanation of each stored attribution row of one event,
    rendered from the ids the row stores (the run keeps no text).

    ``match_no`` picks the candidate of the side's actor string in the event's actor map
    (its ``match_detail``), ``relation_no`` the affiliation or label-fallback row of the
    re-mapping table (its ``affiliation_detail``), ``territory_no`` the territory record
    (its ``territory_detail``); a ``no-territory`` row says which place and date no
    territory covers. ``frames`` are the event's lookup tables
    (:func:`kharita.events.pipeline.build_lookup_frames` on the one event, with the
    store's single-actor rows for UCDP coalition names). The parts are joined by ``"; "``
    in the order the rules applied. A row made with another KB version says so: its ids
    are read against ``kb``.
    """
    am = frames["kharita_actor_map"]
    af = frames["kharita_affiliations"]
    tt = frames["kharita_territories"]
    day = event.get("date_start")
    day = pd.Timestamp(day).date() if day is not None else None
    out: list[str | None] = []
    for r in att.to_dict("records"):
        rule = str(r.get("rule") or "")
        mno = r.get("match_no")
        if mno is None or pd.isna(mno):
            out.append(rules.RULES.get(rule, rule) or None)
            continue
        slot, cand = divmod(int(mno), 1000)
        name_col, sid_col = _SLOTS.get((int(r["side"]), slot), ("", None))
        name = str(event.get(name_col) or "")
        sid = str(event.get(sid_col) or "") if sid_col else ""
        m = am[(am.source == event.get("source")) & (am.actor_name == name)
               & (am.actor_sid == sid) & (am.cand_no == cand)]
        if m.empty:
            out.append(f"(candidate {int(mno)} of {name!r} is not in KB {kb.version}: "
                       "re-run `kharita attribute`)")
            continue
        cand_row = m.iloc[0]
        parts = [str(cand_row.match_detail)]
        steps = rule.split("+")
        remap = next((x for x in steps if x in ("affiliation", "label-fallback",
                                                "label-anachronism")), None)
        if remap is not None:
            rel = r.get("relation_no")
            rel = -1 if rel is None or pd.isna(rel) else int(rel)
            rows = af[(af.remap_key == cand_row.remap_key) & (af.remap_rule == remap)
                      & (af.relation_no == rel)]
            if day is not None:
                rows = rows[(rows.valid_from <= day) & (rows.valid_to >= day)]
            rows = rows.sort_values(["relation_rank", "network_entity"])
            if not rows.empty:
                parts.append(str(rows.iloc[0].affiliation_detail))
        if "territory" in steps:
            tno = r.get("territory_no")
            rows = tt[tt.territory_no == (-1 if tno is None or pd.isna(tno) else int(tno))]
            if not rows.empty:
                parts.append(str(rows.iloc[0].territory_detail))
        elif "no-territory" in steps:
            key = rules.admin1_key(event.get("admin1"))
            parts.append(f"no KB territory covers {event.get('country_iso3') or '?'} / "
                         f"{key or '?'} on {day}")
        text = "; ".join(parts)
        made = r.get("kb_version")
        if made is not None and str(made) != kb.version:
            text = (f"(made with KB {made}, read with KB {kb.version}: re-run "
                    f"`kharita attribute`) {text}")
        out.append(text)
    return out


def with_details(att: pd.DataFrame, event: dict[str, Any], kb: KnowledgeBase,
                 frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """``att`` (one event's stored attribution rows) with a ``detail`` column rendered
    by :func:`render_details`, placed after ``rule``."""
    att = att.copy()
    if "detail" in att.columns:
        att = att.drop(columns=["detail"])
    details = render_details(att, event, kb, frames) if len(att) else []
    pos = list(att.columns).index("rule") + 1 if "rule" in att.columns else len(att.columns)
    att.insert(pos, "detail", pd.Series(details, index=att.index, dtype="object"))
    return att


def explain(store: Store, event_id: str, kb: KnowledgeBase) -> Explanation:
    """Explain one event's attribution.

    Shows the raw row (re-read from the ingested file when it is still there, else
    the quarantine/ingest record), the normalised event, every rule that fired for
    each actor (all candidates, before the per-side choice), the KB territories and
    affiliation periods considered with whether they cover the event, the stored
    attribution rows, and the KB sources cited.

    Raises
    ------
    NotFound
        If the store has no event ``event_id``.
    """
    ev = store.sql(q.event_by_id(), [event_id])
    if ev.empty:
        raise NotFound(f"no event {event_id!r} in the store (ids look like "
                         "'ucdp:244424'; list some with `kharita actors` or SQL)")
    event = {str(k): (None if (not isinstance(v, str) and pd.isna(v)) else v)
             for k, v in ev.iloc[0].to_dict().items()}
    raw: dict[str, Any] | None = None
    origin = "not available"
    if store.has_table("ingest_files") and event.get("ingest_file_id") is not None:
        f = store.scalar(q.ingest_file_path(), [event["ingest_file_id"]])
        if f and event.get("ingest_row") is not None:
            p = Path(f)
            raw = (_read_raw_record(p, int(str(event["ingest_row"])), event.get("source"))
                   if p.exists() else None)
            origin = (f"{p}, row {event['ingest_row']}" if raw is not None else
                      f"{p}, row {event['ingest_row']} (file no longer readable)")
    events = store.table("events")
    one = events.filter(events.event_id == event_id)
    frames = pipeline.build_lookup_frames(kb, one, _learning_rows(events, event))
    am = frames["kharita_actor_map"]
    cand_rows = []
    fields = [(1, "actor1_name", "actor1_source_id"), (1, "actor1_other_names", None),
              (2, "actor2_name", "actor2_source_id")]
    for side, name_col, sid_col in fields:
        name = event.get(name_col) or ""
        sid = (event.get(sid_col) or "") if sid_col else ""
        if not name:
            continue
        sub = am[(am.actor_name == name) & (am.actor_sid == sid)]
        if sub.empty and name:
            cand_rows.append({"side": side, "actor": name, "actor_id": sid, "part": None,
                              "entity_id": None, "rule": "(no rule matched)", "confidence": None,
                              "detail": "unresolved: add the name to the KB (aliases or "
                                        "dataset_names) to attribute it"})
        for r in sub.itertuples(index=False):
            cand_rows.append({"side": side, "actor": name, "actor_id": sid,
                              "part": f"{int(str(r.part)) + 1}/{r.n_parts} {r.part_name}",
                              "entity_id": r.entity_id, "rule": r.match_rule,
                              "confidence": r.match_confidence, "detail": r.match_detail})
    day = event.get("date_start")
    day = pd.Timestamp(day).date() if day is not None else None
    tt = frames["kharita_territories"]
    tt = tt[tt.country_iso3 == event.get("country_iso3")].copy()
    key = rules.admin1_key(event.get("admin1"))
    if not tt.empty:
        in_time = (tt.valid_from <= day) & (tt.valid_to >= day) if day else False
        in_place = tt.admin1_key.isna() | (tt.admin1_key == key)
        tt["sources"] = [", ".join(kb.territories[int(i)].sources) for i in tt.territory_no]
        carved = set(tt.loc[tt.excluded & in_place, "territory_no"])
        tt["covers_event"] = in_time & in_place & ~tt.excluded & ~tt.territory_no.isin(carved)
    af = frames["kharita_affiliations"]
    cand_ents = {c["entity_id"] for c in cand_rows if c["entity_id"]}
    af = af[af.entity_id.isin(cand_ents)].copy()
    if not af.empty and day:
        af["covers_event"] = (af.valid_from <= day) & (af.valid_to >= day)
    att = store.sql(q.attributions_of_event(), [event_id])
    att = with_details(att, event, kb, frames)
    cited: set[str] = set()
    for eid in cand_ents | set(att.entity_id):
        if eid in kb.entities:
            cited.update(kb.entities[eid].sources)
    for t in kb.territories:
        if t.country == event.get("country_iso3"):
            cited.update(t.sources)
    sources = {s: kb.sources[s].model_dump(mode="json", exclude_none=True)
               for s in sorted(cited) if s in kb.sources}
    cols_t = ["entity_id", "country_iso3", "admin1_key", "excluded", "valid_from", "valid_to",
              "priority", "confidence", "covers_event", "sources", "territory_detail"]
    return Explanation(event_id, raw, origin, event, att, pd.DataFrame(cand_rows),
                       tt[[c for c in cols_t if c in tt.columns]].reset_index(drop=True),
                       af.reset_index(drop=True), sources)

