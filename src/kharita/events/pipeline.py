"""The engine-neutral relational pipeline: attribution and aggregations as Ibis
expressions, run unchanged on DuckDB (default) and Spark.

The KB is turned into small lookup tables (:mod:`kharita.events.rules`), registered
in the engine as temporary tables, and joined with the events:

1. every event gives two actor *sides* (actor1, actor2);
2. sides join the actor map (actor id, dataset name, alias; joint labels and
   coalitions split into parts);
3. groups join their affiliation periods (a group's events count for a network
   entity only inside them), and dataset labels used outside their validity the
   entity that carried the name then (``label-fallback``);
4. umbrella entities (the whole network) join the territory spans on country,
   admin1 key and date (:func:`kharita.events.rules.territory_spans`: the KB's
   territory records resolved beforehand into disjoint spans, so the best territory —
   priority, admin1-specific before whole-country, later start, confidence, minus
   excluded areas — is one match); with none, the side stays at the umbrella with
   halved confidence;
5. one row per (event, side, entity), the highest confidence kept; the row stores the
   ids of what decided it (candidate, relation, territory record), not text.

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
        ("cand_no", pa.int64()), ("entity_id", pa.string()), ("match_rule", pa.string()),
        ("match_confidence", pa.float64()), ("match_detail", pa.string()),
        ("umbrella", pa.bool_()), ("label_no", pa.int64()), ("remap_key", pa.string()),
        ("n_cands", pa.int64())]),
    "kharita_territories": pa.schema([
        ("umbrella_id", pa.string()), ("entity_id", pa.string()), ("country_iso3", pa.string()),
        ("admin1_key", pa.string()), ("excluded", pa.bool_()), ("territory_no", pa.int64()),
        ("valid_from", pa.date32()), ("valid_to", pa.date32()), ("priority", pa.int64()),
        ("specific", pa.int64()), ("confidence", pa.float64()),
        ("territory_detail", pa.string()), ("t_rank", pa.int64())]),
    "kharita_affiliations": pa.schema([
        ("remap_key", pa.string()), ("entity_id", pa.string()),
        ("network_entity", pa.string()), ("relation_rank", pa.int64()),
        ("valid_from", pa.date32()), ("valid_to", pa.date32()),
        ("affiliation_detail", pa.string()), ("relation_no", pa.int64()),
        ("remap_rule", pa.string()), ("remap_factor", pa.float64()),
        ("network_umbrella", pa.bool_())]),
    "kharita_admin1": pa.schema([("admin1_raw", pa.string()), ("admin1_key", pa.string())]),
    "kharita_territory_spans": pa.schema([
        ("umbrella_id", pa.string()), ("country_iso3", pa.string()), ("admin1_key", pa.string()),
        ("valid_from", pa.date32()), ("valid_to", pa.date32()), ("territory_no", pa.int64()),
        ("t_entity", pa.string()), ("t_conf", pa.float64())]),
    "kharita_remap_spans": pa.schema([
        ("remap_key", pa.string()), ("valid_from", pa.date32()), ("valid_to", pa.date32()),
        ("network_entity", pa.string()), ("network_umbrella", pa.bool_()),
        ("remap_rule", pa.string()), ("remap_factor", pa.float64()),
        ("relation_no", pa.int64())]),
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
    territory_spans: ir.Table | None = None
    remap_spans: ir.Table | None = None


def actor_sides(events: ir.Table) -> ir.Table:
    """The actor fields of every event as rows: ``event_id, source, side, slot,
    actor_name, actor_sid, date_start, country_iso3, admin1, has_other`` (null
    names/ids as empty strings). Slot 0 is ``actor<side>_name``; slot 1 holds side 1's
    further actors (``actor1_other_names``, " | "-joined: GTD gname2/gname3, ACLED
    assoc_actor_1) when the events table has that column; ``has_other`` is true on
    side 1 when it has further actors."""
    others = "actor1_other_names" in events.columns

    def side(n: int, name_col: str, id_col: str | None, slot: int) -> ir.Table:
        has_other = (events.actor1_other_names.fill_null("") != "") if others and n == 1 \
            else ibis.literal(False)
        return events.select(
            event_id=events.event_id, source=events.source, side=ibis.literal(n, "int32"),
            slot=ibis.literal(slot, "int32"),
            actor_name=events[name_col].fill_null(""),
            actor_sid=events[id_col].fill_null("") if id_col else ibis.literal("", "string"),
            date_start=events.date_start, country_iso3=events.country_iso3,
            admin1=events.admin1, has_other=has_other)
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


def build_lookup_frames(kb: KnowledgeBase, events: ir.Table,
                        extra_actors: ir.Table | None = None) -> dict[str, pd.DataFrame]:
    """The lookup tables for ``events`` as pandas frames (small: distinct actors,
    KB territories, KB relations, distinct admin areas), plus ``actors`` (the
    distinct source/actor string/id triples they were built from). ``extra_actors``
    (``source, actor_name, actor_sid``) are added to the actors, e.g. the single-actor
    rows UCDP coalition names are learned from when ``events`` is one event."""
    sides = actor_sides(events)
    triples = sides.select("source", "actor_name", "actor_sid")
    if extra_actors is not None:
        triples = triples.union(extra_actors.select("source", "actor_name", "actor_sid"))
    actors = triples.distinct().to_pandas()
    actors = actors.sort_values(["source", "actor_name", "actor_sid"]).reset_index(drop=True)
    admin = events.select("admin1").distinct().to_pandas()
    aff = rules.affiliation_table(kb)
    umbrellas = {e.id for e in kb.entities.values() if e.type in rules.UMBRELLA_TYPES}
    aff["network_umbrella"] = aff["network_entity"].isin(umbrellas).astype(bool)
    territories = rules.territory_table(kb)
    return {
        "actors": actors,
        "kharita_actor_map": rules.actor_map(kb, actors),
        "kharita_territories": territories,
        "kharita_affiliations": aff,
        "kharita_territory_spans": rules.territory_spans(territories),
        "kharita_remap_spans": rules.remap_spans(aff),
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
                   count_unresolved(frames["actors"], frames["kharita_actor_map"]),
                   tables["kharita_territory_spans"], tables["kharita_remap_spans"])


def count_unresolved(actors: pd.DataFrame, amap: pd.DataFrame) -> int:
    """Distinct (source, actor string) pairs, non-empty, that no rule matched."""
    named = actors[actors.actor_name != ""]
    resolved = set(zip(amap.source, amap.actor_name, strict=True))
    return len({(s, n) for s, n in zip(named.source, named.actor_name, strict=True)
                if (s, n) not in resolved})


def attribute_expr(events: ir.Table, lk: Lookups) -> ir.Table:
    """Attribution of ``events`` as an Ibis expression (the columns of the
    ``attributions`` table, :data:`kharita.store.sql.attribution.ATTRIBUTION_FIELDS`).
    See the module docstring for the steps and ``docs/attribution.md`` for the rules.

    Only ids travel through the joins: which candidate of the side's actor strings
    matched (``match_no`` = slot * 1000 + the actor map's ``cand_no``), the deciding
    relation of a re-mapping (``relation_no``, an index of ``kb.relations``) and the
    territory record (``territory_no``, an index of ``kb.territories``); the text of an
    explanation is rendered from them when it is read
    (:func:`kharita.events.attribute.render_details`)."""
    am = lk.actor_map
    sides = actor_sides(events)
    adm = lk.admin1
    sides = sides.left_join(adm, sides.admin1 == adm.admin1_raw).select(
        *[sides[c] for c in sides.columns], ev_admin1_key=adm.admin1_key)
    cand = sides.join(am, [sides.source == am.source, sides.actor_name == am.actor_name,
                           sides.actor_sid == am.actor_sid]).select(
        event_id=sides.event_id, side=sides.side, date_start=sides.date_start,
        country_iso3=sides.country_iso3, ev_admin1_key=sides.ev_admin1_key,
        match_no=(sides.slot * 1000 + am.cand_no).cast("int32"), entity_id=am.entity_id,
        remap_key=am.remap_key, match_rule=am.match_rule,
        match_confidence=am.match_confidence, umbrella=am.umbrella,
        multi=sides.has_other | (am.n_cands > 1))

    # 3. date-dependent re-mapping (affiliation periods of groups, dataset labels used
    # outside their validity): disjoint spans, at most one per candidate and date
    rs = lk.remap_spans
    assert rs is not None and lk.territory_spans is not None
    c2 = cand.left_join(rs, [cand.remap_key == rs.remap_key, cand.date_start >= rs.valid_from,
                             cand.date_start <= rs.valid_to])
    remapped = rs.network_entity.notnull()
    c2 = c2.select(
        event_id=cand.event_id, side=cand.side, match_no=cand.match_no, multi=cand.multi,
        date_start=cand.date_start, country_iso3=cand.country_iso3,
        ev_admin1_key=cand.ev_admin1_key,
        entity_id=rs.network_entity.fill_null(cand.entity_id),
        umbrella=rs.network_umbrella.fill_null(cand.umbrella),
        rule=ibis.ifelse(remapped, cand.match_rule + "+" + rs.remap_rule, cand.match_rule),
        relation_no=rs.relation_no.fill_null(-1).cast("int32"),
        confidence=cand.match_confidence * rs.remap_factor.fill_null(1.0)).view()

    # 4. umbrella codes narrowed by territory: the spans of the event's admin1 key when
    # the KB names that key in the country, else the spans of every other area
    ts = lk.territory_spans
    spec = ts.filter(ts.admin1_key.notnull()).view()
    gen = ts.filter(ts.admin1_key.isnull()).view()
    j = c2.left_join(spec, [c2.umbrella, c2.entity_id == spec.umbrella_id,
                            c2.country_iso3 == spec.country_iso3,
                            c2.ev_admin1_key == spec.admin1_key,
                            c2.date_start >= spec.valid_from, c2.date_start <= spec.valid_to])
    j = j.select(*[c2[c] for c in c2.columns], s_hit=spec.umbrella_id.notnull(),
                 s_no=spec.territory_no, s_entity=spec.t_entity, s_conf=spec.t_conf).view()
    j2 = j.left_join(gen, [j.umbrella, ~j.s_hit, j.entity_id == gen.umbrella_id,
                           j.country_iso3 == gen.country_iso3,
                           j.date_start >= gen.valid_from, j.date_start <= gen.valid_to])
    t_no = ibis.ifelse(j.s_hit, j.s_no, gen.territory_no.fill_null(-1))
    t_entity = ibis.ifelse(j.s_hit, j.s_entity, gen.t_entity)
    t_conf = ibis.ifelse(j.s_hit, j.s_conf, gen.t_conf)
    found = t_entity.notnull()
    allc = j2.select(
        event_id=j.event_id, side=j.side, match_no=j.match_no, multi=j.multi,
        entity_id=ibis.ifelse(j.umbrella & found, t_entity, j.entity_id),
        rule=ibis.ifelse(j.umbrella, j.rule + ibis.ifelse(found, "+territory", "+no-territory"),
                         j.rule),
        relation_no=j.relation_no,
        territory_no=ibis.ifelse(j.umbrella, t_no, -1).cast("int32"),
        confidence=ibis.ifelse(j.umbrella,
                               j.confidence * ibis.ifelse(found, t_conf.fill_null(1.0),
                                                          ibis.literal(
                                                              rules.NO_TERRITORY_FACTOR)),
                               j.confidence)).view()

    # 5. one row per (event, side, entity): the highest confidence (then the first
    # candidate: lowest slot and part). A side with a single candidate has one row
    # already; only sides with several (joint labels, coalitions, further actors) are
    # aggregated.
    one = allc.filter(~allc.multi)
    many = allc.filter(allc.multi)
    key = many.confidence.round(6) * 1e9 - many.match_no
    agg = many.group_by(["event_id", "side", "entity_id"]).aggregate(
        confidence=many.confidence.max(), rule=many.rule.argmax(key),
        match_no=many.match_no.argmax(key), relation_no=many.relation_no.argmax(key),
        territory_no=many.territory_no.argmax(key))

    def final(t: ir.Table) -> ir.Table:
        return t.select(
            event_id=t.event_id, entity_id=t.entity_id, side=t.side.cast("int32"),
            confidence=t.confidence.round(6), rule=t.rule,
            kb_version=ibis.literal(lk.kb_version, "string"),
            match_no=t.match_no.cast("int32"),
            relation_no=t.relation_no.nullif(-1).cast("int32"),
            territory_no=t.territory_no.nullif(-1).cast("int32"))

    return final(one).union(final(agg))


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
