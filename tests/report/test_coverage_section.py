"""The brief's coverage section on the real UCDP extracts: one bar per complete file and
country, one per sample file, dates in order, file names without local paths."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from kharita.report.sections.coverage import rows


def test_rows_group_samples_and_strip_paths() -> None:
    cov = pd.DataFrame({
        "source": ["ucdp"] * 3, "file": ["/tmp/a/nga.csv", "/tmp/a/g.csv", "/tmp/a/g.csv"],
        "country_iso3": ["NGA", "AFG", "IRQ"],
        "first": [dt.date(1990, 1, 1), dt.date(1989, 1, 7), dt.date(1990, 5, 1)],
        "last": [dt.date(2019, 12, 31), dt.date(2022, 1, 1), dt.date(2022, 12, 19)],
        "n_events": [4000, 3, 5], "kind": ["complete", "sample", "sample"],
        "kind_rule": ["x", "y", "y"]})
    out = rows(cov)
    assert out.label.tolist() == ["ucdp nga.csv · NGA", "ucdp g.csv · 2 countries (sample)"]
    assert out.loc[1, "countries"] == "AFG, IRQ" and out.loc[1, "n_events"] == 8
    assert out.loc[1, "first"] == dt.date(1989, 1, 7)
    assert out.loc[1, "last"] == dt.date(2022, 12, 19)
    assert not out.file.str.contains("/").any()


def test_section_on_the_real_extracts(shared_data: Path) -> None:
    from tests.report.conftest import real_section

    sec, _ = real_section(shared_data, "coverage")
    assert sec.status == "ok", sec.reason
    table = sec.tables[0].df
    assert sorted(table.file) == ["conflict_data_irq.csv", "conflict_data_nga.csv",
                                  "ucdp_syria_df.csv.gz"]
    assert set(table.kind) == {"complete"}
    assert str(table.loc[table.countries == "IRQ", "last"].iloc[0]) == "2018-12-25"
    fig = sec.charts[0].figure
    xs = [x for t in fig["data"] for x in t["x"] if x is not None]
    assert xs and all(dt.date.fromisoformat(x) for x in xs)
    assert fig["layout"]["xaxis"]["type"] == "date"


def test_events_without_a_country_are_no_country(shared_data: Path, tmp_path: Path) -> None:
    """The GDELT sample: 16 of its 710 events have no country. They were counted as an
    81st country ("81 countries" beside 80 in the countries column) and listed as an empty
    first entry (", AFG, ARG ...")."""
    from kharita.analysis.coverage import coverage, coverage_table
    from kharita.events.ingest import ingest_file
    from kharita.store.base import open_store

    with open_store(tmp_path / "g.duckdb") as store:
        ingest_file(store, "gdelt", shared_data / "gdelt" / "events.csv")
        named = int(store.scalar("SELECT count(DISTINCT country_iso3) FROM events"))
        assert int(store.scalar("SELECT count(*) FROM events WHERE country_iso3 IS NULL")) > 0
        per_file = coverage_table(store)
        out = rows(coverage(store))
    assert per_file.countries.tolist() == [named]
    assert per_file.kind_rule.iloc[0].startswith(f"{named} countries,")
    assert out.label.tolist() == [f"gdelt events.csv · {named} countries (sample)"]
    listed = out.countries.iloc[0].split(", ")
    assert len(listed) == named and "" not in listed
