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
