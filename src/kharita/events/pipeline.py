"""The engine-neutral relational pipeline: attribution and aggregations as Ibis
expressions, run unchanged on DuckDB (default) and Spark.

The KB is turned into small lookup tables (:mod:`kharita.events.rules`), registered
in the engine as temporary tables, and joined with the events:

1. every event gives two actor *sides* (actor1, actor2);
2. sides join the actor map (actor id, dataset name, alias; joint labels and
   coalitions split into parts);
3. groups join their affiliation periods (a group's events count for a network
   entity only inside them);
4. umbrella entities (the whole network) join the territory table on country,
   admin1 key and date; excluded admin areas are anti-joined; the best territory
   per side (priority, admin1-specific before whole-country, later start, confidence)
   wins; with none, the side stays at the umbrella with halved confidence;
5. one row per (event, side, entity), the highest confidence kept.

No Python runs per event; the only Python loops are over distinct actor strings and
admin areas when the lookup tables are built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from kharita.events import rules
from kharita.kb.knowledge import KnowledgeBase

LOOKUP_SCHEMAS: dict[str, pa.Schema] = {
    "kharita_actor_map": pa.schema([
        ("source", pa.string()), ("actor_name", pa.string()), ("actor_sid", pa.string()),
        ("part", pa.int64()), ("n_parts", pa.int64()), ("part_name", pa.string()),
        ("entity_id", pa.string()), ("match_rule", pa.string()),
        ("match_confidence", pa.float64()), ("match_detail", pa.string()),
        ("umbrella", pa.bool_())]),
    "kharita_territories": pa.schema([
        ("umbrella_id", pa.string()), ("entity_id", pa.string()), ("country_iso3", pa.string()),
        ("admin1_key", pa.string()), ("excluded", pa.bool_()), ("territory_no", pa.int64()),
        ("valid_from", pa.date32()), ("valid_to", pa.date32()), ("priority", pa.int64()),
        ("specific", pa.int64()), ("confidence", pa.float64()),
        ("territory_detail", pa.string()), ("t_rank", pa.int64())]),
    "kharita_affiliations": pa.schema([
        ("entity_id", pa.string()), ("network_entity", pa.string()),
        ("relation_rank", pa.int64()), ("valid_from", pa.date32()), ("valid_to", pa.date32()),
        ("affiliation_detail", pa.string()), ("network_umbrella", pa.bool_())]),
    "kharita_admin1": pa.schema([("admin1_raw", pa.string()), ("admin1_key", pa.string())]),
}


@dataclass
class Lookups:
    """The KB lookup tables as registered in one engine (Ibis tables)."""

    actor_map: ir.Table
    territories: ir.Table
    affiliations: ir.Table
    admin1: ir.Table
    kb_version: str
    unresolved_actors: int = 0


def actor_sides(events: ir.Table) -> ir.Table:
    """The actor fields of every event as rows: ``event_id, source, side, slot,
    actor_name, actor_sid, date_start, country_iso3, admin1`` (null names/ids as empty
    strings). Slot 0 is ``actor<side>_name``; slot 1 holds side 1's further actors
    (``actor1_other_names``, " | "-joined: GTD gname2/gname3, ACLED assoc_actor_1)
    when the events table has that column."""
    def side(n: int, name_col: str, id_col: str | None, slot: int) -> ir.Table:
        return events.select(
            event_id=events.event_id, source=events.source, side=ibis.literal(n, "int32"),
            slot=ibis.literal(slot, "int32"),
            actor_name=events[name_col].fill_null(""),
            actor_sid=events[id_col].fill_null("") if id_col else ibis.literal("", "string"),
            date_start=events.date_start, country_iso3=events.country_iso3,
            admin1=events.admin1)
    out = side(1, "actor1_name", "actor1_source_id", 0).union(
        side(2, "actor2_name", "actor2_source_id", 0))
    if "actor1_other_names" in events.columns:
        other = side(1, "actor1_other_names", None, 1)
        out = out.union(other.filter(other.actor_name != ""))
    return out


def _to_arrow(name: str, df: pd.DataFrame) -> pa.Table:
    schema = LOOKUP_SCHEMAS[name]
    df = df[[f.name for f in schema]]
    return pa.Table.from_pandas(df, schema=schema, preserve_index=False)


def build_lookup_frames(kb: KnowledgeBase, events: ir.Table) -> dict[str, pd.DataFrame]:
    """The lookup tables for ``events`` as pandas frames (small: distinct actors,
    KB territories, KB relations, distinct admin areas), plus ``actors`` (the
    distinct source/actor string/id triples they were built from)."""
    sides = actor_sides(events)
    actors = sides.select("source", "actor_name", "actor_sid").distinct().to_pandas()
    actors = actors.sort_values(["source", "actor_name", "actor_sid"]).reset_index(drop=True)
    admin = events.select("admin1").distinct().to_pandas()
    aff = rules.affiliation_table(kb)
    umbrellas = {e.id for e in kb.entities.values() if e.type in rules.UMBRELLA_TYPES}
    aff["network_umbrella"] = aff["network_entity"].isin(umbrellas).astype(bool)
    return {
        "actors": actors,
        "kharita_actor_map": rules.actor_map(kb, actors),
        "kharita_territories": rules.territory_table(kb),
        "kharita_affiliations": aff,
        "kharita_admin1": rules.admin1_table(admin["admin1"].tolist()),
    }


def register_lookups(register: Callable[[str, pa.Table], ir.Table], kb: KnowledgeBase,
                     events: ir.Table) -> Lookups:
    """Build the lookup tables and register them in the engine.

    ``register(name, arrow_table)`` creates (or replaces) a temporary table in the
    engine and returns it as an Ibis table; each engine adapter provides one
    (:func:`kharita.events.attribute.store_register` on any store,
    :func:`kharita.store.spark.spark_register` on a bare Spark session).
    """
    frames = build_lookup_frames(kb, events)
    tables = {name: register(name, _to_arrow(name, df)) for name, df in frames.items()
              if name in LOOKUP_SCHEMAS}
    return Lookups(tables["kharita_actor_map"], tables["kharita_territories"],
                   tables["kharita_affiliations"], tables["kharita_admin1"], kb.version,
                   count_unresolved(frames["actors"], frames["kharita_actor_map"]))


def count_unresolved(actors: pd.DataFrame, amap: pd.DataFrame) -> int:
    """Distinct (source, actor string) pairs, non-empty, that no rule matched."""
    named = actors[actors.actor_name != ""]
    resolved = set(zip(amap.source, amap.actor_name, strict=True))
    return len({(s, n) for s, n in zip(named.source, named.actor_name, strict=True)
                if (s, n) not in resolved})


def attribute_expr(events: ir.Table, lk: Lookups) -> ir.Table:
    """Attribution of ``events`` as an Ibis expression (columns of the
    ``attributions`` table: event_id, entity_id, side, confidence, rule, detail,
    kb_version). See the module docstring for the steps and ``docs/attribution.md``
    for the rules."""
    am = lk.actor_map
    sides = actor_sides(events)
    adm = lk.admin1
    sides = sides.left_join(adm, sides.admin1 == adm.admin1_raw).select(
        *[sides[c] for c in sides.columns], ev_admin1_key=adm.admin1_key)
    cand = sides.join(am, [sides.source == am.source, sides.actor_name == am.actor_name,
                           sides.actor_sid == am.actor_sid]).select(
        event_id=sides.event_id, side=sides.side, date_start=sides.date_start,
        country_iso3=sides.country_iso3, ev_admin1_key=sides.ev_admin1_key,
        part=sides.slot * 1000 + am.part, entity_id=am.entity_id, match_rule=am.match_rule,
        match_confidence=am.match_confidence, match_detail=am.match_detail,
        umbrella=am.umbrella).view()

    # 3. affiliation periods of groups
    af = lk.affiliations
    affj = cand.join(af, [cand.entity_id == af.entity_id, cand.date_start >= af.valid_from,
                          cand.date_start <= af.valid_to]).select(
        cand.event_id, cand.side, cand.part, af.network_entity, af.network_umbrella,
        af.affiliation_detail, af.relation_rank)
    affj = affj.mutate(rn=ibis.row_number().over(
        group_by=[affj.event_id, affj.side, affj.part],
        order_by=[affj.relation_rank, affj.network_entity]))
    affj = affj.filter(affj.rn == 0).drop("rn", "relation_rank").view()
    c2 = cand.left_join(affj, [cand.event_id == affj.event_id, cand.side == affj.side,
                               cand.part == affj.part])
    c2 = c2.select(
        event_id=cand.event_id, side=cand.side, part=cand.part, date_start=cand.date_start,
        country_iso3=cand.country_iso3, ev_admin1_key=cand.ev_admin1_key,
        entity_id=affj.network_entity.fill_null(cand.entity_id),
        umbrella=affj.network_umbrella.fill_null(cand.umbrella),
        rule=ibis.ifelse(affj.network_entity.notnull(), cand.match_rule + "+affiliation",
                         cand.match_rule),
        detail=ibis.ifelse(affj.network_entity.notnull(),
                           cand.match_detail + "; " + affj.affiliation_detail.fill_null(""),
                           cand.match_detail),
        confidence=cand.match_confidence)

    # 4. umbrella codes narrowed by territory
    plain = c2.filter(~c2.umbrella)
    umb = c2.filter(c2.umbrella)
    tr = lk.territories
    inc = tr.filter(~tr.excluded)
    exc = tr.filter(tr.excluded)
    hits = umb.join(inc, [umb.entity_id == inc.umbrella_id,
                          umb.country_iso3 == inc.country_iso3,
                          umb.date_start >= inc.valid_from, umb.date_start <= inc.valid_to,
                          inc.admin1_key.isnull() | (inc.admin1_key == umb.ev_admin1_key)]
                    ).select(umb.event_id, umb.side, umb.part, umb.ev_admin1_key,
                             t_no=inc.territory_no, t_rank=inc.t_rank)
    hits = hits.anti_join(exc, [hits.t_no == exc.territory_no,
                                hits.ev_admin1_key == exc.admin1_key])
    # best territory per side: the highest precomputed rank (priority, admin1-specific,
    # later start, confidence, entity id), then its record from the small table
    top = hits.group_by(["event_id", "side", "part"]).aggregate(t_rank=hits.t_rank.max())
    best = top.join(inc, top.t_rank == inc.t_rank).select(
        top.event_id, top.side, top.part, t_entity=inc.entity_id, t_conf=inc.confidence,
        t_detail=inc.territory_detail).view()
    u2 = umb.left_join(best, [umb.event_id == best.event_id, umb.side == best.side,
                              umb.part == best.part])
    found = best.t_entity.notnull()
    narrowed = u2.select(
        event_id=umb.event_id, side=umb.side, part=umb.part,
        entity_id=best.t_entity.fill_null(umb.entity_id),
        rule=umb.rule + ibis.ifelse(found, "+territory", "+no-territory"),
        detail=umb.detail + "; " + ibis.ifelse(
            found, best.t_detail.fill_null(""),
            "no KB territory covers " + umb.country_iso3.fill_null("?") + " / "
            + umb.ev_admin1_key.fill_null("?") + " on " + umb.date_start.cast("string")),
        confidence=umb.confidence * ibis.ifelse(found, best.t_conf.fill_null(1.0),
                                                ibis.literal(rules.NO_TERRITORY_FACTOR)))
    plain = plain.select("event_id", "side", "part", "entity_id", "rule", "detail",
                         "confidence")
    allc = plain.union(narrowed)

    # 5. one row per (event, side, entity): the highest confidence (then lowest part)
    key = allc.confidence.round(6) * 1e9 - allc.part
    out = allc.group_by(["event_id", "side", "entity_id"]).aggregate(
        confidence=allc.confidence.max(), rule=allc.rule.argmax(key),
        detail=allc.detail.argmax(key))
    return out.select(
        event_id=out.event_id, entity_id=out.entity_id, side=out.side.cast("int32"),
        confidence=out.confidence.round(6), rule=out.rule, detail=out.detail,
        kb_version=ibis.literal(lk.kb_version, "string"))


def events_per_branch_year(events: ir.Table, attributions: ir.Table) -> ir.Table:
    """Number of distinct events per attributed entity and calendar year.

    n(b, y) = |{e : e attributed to b on either side, year(date_start(e)) = y}|.

    Returns an Ibis table ``entity_id, year, n_events`` ordered by entity and year.
    """
    j = attributions.join(events, attributions.event_id == events.event_id).select(
        attributions.entity_id, attributions.event_id,
        year=events.date_start.year().cast("int32"))
    return j.group_by(["entity_id", "year"]).aggregate(
        n_events=j.event_id.nunique().cast("int64")).order_by(["entity_id", "year"])


@dataclass
class SparkRun:
    """Tables of one pipeline run on Spark (Ibis tables on the Spark backend)."""

    events: ir.Table
    attributions: ir.Table
    backend: Any


def run_on_spark(session: Any, kb: KnowledgeBase, inputs: Sequence[tuple[str, Any]], *,
                 multiline: bool = True) -> SparkRun:
    """Normalise and attribute files on a bare Spark session, without a store:
    ``inputs`` are ``(source, path)``.

    Each file is sniffed by its registered connector (header, HXL row), loaded as
    all-string columns (:func:`kharita.store.spark.load_raw_csv`), normalised by the
    connector's Ibis expression, and the union of events is attributed by
    :func:`attribute_expr`; events and attributions are materialised in Spark. For a
    store with ingest accounting use a :class:`~kharita.store.spark.SparkStore`
    (:func:`kharita.events.ingest_spark.ingest_file_spark`). See ``docs/spark.md``.
    """
    from kharita.events.schema import EVENT_COLUMNS
    from kharita.events.sources import registry
    from kharita.store import spark as sp

    backend = sp.ibis_connect(session)
    parts = []
    for i, (source, path) in enumerate(inputs):
        conn = registry.get(source)
        plan = conn.read_plan(Path(path))
        if plan.kind != "delimited":
            raise ValueError(f"{path}: only delimited files run on Spark here (got {plan.kind})")
        view = f"kharita_raw_{i}"
        sp.load_raw_csv(session, path, plan.columns, view=view, delim=plan.delim,
                        header=plan.header, drop_rows=plan.drop_rows, multiline=multiline)
        expr = conn.normalized(backend.table(view), plan.source_version)
        ok = expr.filter(expr._reason.isnull())
        cols = {c: ok[c] for c in EVENT_COLUMNS if c in ok.columns}
        cols["ingest_file_id"] = ibis.literal(f"spark:{Path(path).name}", "string")
        parts.append(ok.select(**cols))
    events = parts[0]
    for p in parts[1:]:
        events = events.union(p)
    events = sp.materialize(session, backend, events, "kharita_events")
    lk = register_lookups(sp.spark_register(session, backend), kb, events)
    att = sp.materialize(session, backend, attribute_expr(events, lk), "kharita_attributions")
    return SparkRun(events, att, backend)
