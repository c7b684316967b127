"""The territory and re-mapping span tables (:func:`kharita.events.rules.territory_spans`,
:func:`kharita.events.rules.remap_spans`) against a brute-force choice per date: on
random tables, the one span covering a date names the record that ranking every covering
record would pick, and the spans of a key never overlap."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kharita.events import rules

DAY0 = dt.date(2000, 1, 1)
DATES = st.one_of(st.integers(0, 40).map(lambda d: DAY0 + dt.timedelta(days=d)),
                  st.just(rules.MIN_DATE), st.just(rules.MAX_DATE))
PROBES = st.lists(st.integers(-2, 43).map(lambda d: DAY0 + dt.timedelta(days=d)),
                  min_size=1, max_size=12)


@st.composite
def territory_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 9))
    rows = []
    for no in range(n):
        lo, hi = sorted((draw(DATES), draw(DATES)))
        key = draw(st.sampled_from([None, "k1", "k2"]))
        rows.append({"umbrella_id": draw(st.sampled_from(["u1", "u2"])),
                     "entity_id": draw(st.sampled_from(["a", "b", "c"])),
                     "country_iso3": draw(st.sampled_from(["IRQ", "SYR"])),
                     "admin1_key": key,
                     "excluded": key is not None and draw(st.booleans()),
                     "territory_no": draw(st.integers(0, 5)) if no % 2 else no,
                     "valid_from": lo, "valid_to": hi, "priority": draw(st.integers(0, 2)),
                     "specific": 1 if key else 0,
                     "confidence": draw(st.sampled_from([0.8, 0.9, 1.0])),
                     "territory_detail": f"record {no}", "t_rank": 0})
    ranks = draw(st.permutations(range(n)))
    for r, rank in zip(rows, ranks, strict=True):
        r["t_rank"] = rank
    return pd.DataFrame(rows, columns=rules.TERRITORY_COLUMNS)


def _expected_territory(t: pd.DataFrame, umb: str, ctry: str, key: str | None,
                        day: dt.date) -> tuple[int, str | None, float | None]:
    g = [r for r in t.to_dict("records") if r["umbrella_id"] == umb
         and r["country_iso3"] == ctry]
    named = {r["admin1_key"] for r in g if isinstance(r["admin1_key"], str)}
    k = key if key in named else None
    out = {r["territory_no"] for r in g if r["excluded"] and r["admin1_key"] == k}
    cover = [r for r in g if not r["excluded"] and r["valid_from"] <= day <= r["valid_to"]
             and (not isinstance(r["admin1_key"], str) or r["admin1_key"] == k)
             and (k is None or r["territory_no"] not in out)]
    if not cover:
        return -1, None, None
    top = max(cover, key=lambda r: r["t_rank"])
    return int(top["territory_no"]), str(top["entity_id"]), float(top["confidence"])


@settings(max_examples=60, deadline=None)
@given(territory_tables(), PROBES)
def test_territory_spans_pick_the_best_covering_record(t: pd.DataFrame,
                                                        days: list[dt.date]) -> None:
    spans = rules.territory_spans(t)
    assert list(spans.columns) == rules.TERRITORY_SPAN_COLUMNS
    groups = {(str(u), str(c)) for u, c in zip(t.umbrella_id, t.country_iso3, strict=True)}
    assert set(zip(spans.umbrella_id, spans.country_iso3, strict=True)) == groups
    for umb, ctry in sorted(groups):
        g = spans[(spans.umbrella_id == umb) & (spans.country_iso3 == ctry)]
        named = {k for k in g.admin1_key if isinstance(k, str)}
        for key in [*sorted(named), None, "elsewhere"]:
            k = key if key in named else None
            rows = g[g.admin1_key == k] if k is not None else g[g.admin1_key.isna()]
            # the spans of a key cover the whole timeline, each date once
            ordered = rows.sort_values("valid_from")
            assert ordered.valid_from.iloc[0] == rules.MIN_DATE
            assert ordered.valid_to.iloc[-1] == rules.MAX_DATE
            ends = list(ordered.valid_to)[:-1]
            starts = list(ordered.valid_from)[1:]
            assert all(b + dt.timedelta(days=1) == a for a, b in zip(starts, ends, strict=True))
            for day in days:
                hit = rows[(rows.valid_from <= day) & (rows.valid_to >= day)]
                assert len(hit) == 1
                got = hit.iloc[0]
                want = _expected_territory(t, umb, ctry, key, day)
                conf = None if pd.isna(got.t_conf) else float(got.t_conf)
                ent = None if pd.isna(got.t_entity) else str(got.t_entity)
                assert (int(got.territory_no), ent, conf) == want


@st.composite
def affiliation_tables(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for no in range(draw(st.integers(0, 8))):
        lo, hi = sorted((draw(DATES), draw(DATES)))
        rows.append({"remap_key": draw(st.sampled_from(["g1", "g2", "label:0"])),
                     "entity_id": "g", "network_entity": draw(st.sampled_from(["x", "y", "z"])),
                     "relation_rank": draw(st.integers(-1, 2)), "valid_from": lo,
                     "valid_to": hi, "affiliation_detail": f"relation {no}",
                     "relation_no": no, "remap_rule": draw(st.sampled_from(
                         ["affiliation", "label-fallback"])),
                     "remap_factor": draw(st.sampled_from([0.5, 1.0])),
                     "network_umbrella": draw(st.booleans())})
    return pd.DataFrame(rows, columns=[*rules.AFFILIATION_COLUMNS, "network_umbrella"])


@settings(max_examples=60, deadline=None)
@given(affiliation_tables(), PROBES)
def test_remap_spans_pick_the_first_valid_row(aff: pd.DataFrame,
                                              days: list[dt.date]) -> None:
    spans = rules.remap_spans(aff)
    assert list(spans.columns) == rules.REMAP_SPAN_COLUMNS
    for key in ["g1", "g2", "label:0"]:
        rows = spans[spans.remap_key == key]
        for day in days:
            hit = rows[(rows.valid_from <= day) & (rows.valid_to >= day)]
            valid = [r for r in aff.to_dict("records") if r["remap_key"] == key
                     and r["valid_from"] <= day <= r["valid_to"]]
            if not valid:
                assert hit.empty
                continue
            want = min(valid, key=lambda r: (r["relation_rank"], r["network_entity"],
                                             r["relation_no"]))
            assert len(hit) == 1
            got = hit.iloc[0]
            assert (got.network_entity, bool(got.network_umbrella), got.remap_rule,
                    float(got.remap_factor), int(got.relation_no)) == (
                want["network_entity"], bool(want["network_umbrella"]), want["remap_rule"],
                float(want["remap_factor"]), int(want["relation_no"]))
