"""The brief: sections present, SYNTHETIC labels, attribution text, nothing loaded from
other hosts, clear notices for sections that cannot be computed, each figure computed
once, and the activity table equal to the read model's (periods in date order)."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from html import unescape
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from kharita import views
from kharita.errors import KharitaError, UserInputError
from kharita.report import brief as brief_mod
from kharita.report import charts
from kharita.report.brief import build_brief, render_html
from kharita.report.sections import (
    SECTIONS,
    BriefData,
    SectionSpec,
    Unavailable,
    build_sections,
    run_section,
)
from kharita.store.duckdb import connect

UCDP_CREDIT = ("UCDP GED, CC BY 4.0; Sundberg & Melander 2013, Journal of Peace Research "
               "50(4)")


class _Collector(HTMLParser):
    """Collects resource attributes, sections (with their text) and JSON data blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: list[tuple[str, str, str]] = []
        self.sections: dict[str, list[str]] = {}
        self.current: str | None = None
        self.depth = 0
        self.json_blocks: list[str] = []
        self._in_json = False
        self.tables_in: dict[str, int] = {}
        self.charts_in: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href", "data", "poster", "srcset", "action"):
            if key in a and a[key] is not None:
                self.resources.append((tag, key, a[key]))
        if tag == "section":
            if self.current is None:
                self.current = a.get("id", "")
                self.sections[self.current] = []
                self.depth = 0
            self.depth += 1
        if self.current is not None and tag == "table":
            self.tables_in[self.current] = self.tables_in.get(self.current, 0) + 1
        if self.current is not None and "data-chart" in a:
            self.charts_in[self.current] = self.charts_in.get(self.current, 0) + 1
        self._in_json = tag == "script" and a.get("type") == "application/json"

    def handle_endtag(self, tag):
        if tag == "section" and self.current is not None:
            self.depth -= 1
            if self.depth == 0:
                self.current = None
        if tag == "script":
            self._in_json = False

    def handle_data(self, data):
        if self._in_json:
            self.json_blocks.append(data)
        elif self.current is not None:
            self.sections[self.current].append(data)


@pytest.fixture(scope="module")
def synthetic_html(tiny_frame):
    b = build_brief(tiny_frame, command="kharita brief --store tiny.duckdb")
    return b, render_html(b)


def parse(html: str) -> _Collector:
    c = _Collector()
    c.feed(html)
    return c


def test_every_registered_section_is_present(synthetic_html) -> None:
    b, html = synthetic_html
    ids = [s.id for s in b.sections]
    assert ids == [s.id for s in SECTIONS]
    for must in ("summary", "map", "activity", "structure", "provenance", "caveats"):
        assert b.section(must).status == "ok", b.section(must).reason
    parsed = parse(html)
    assert set(ids) <= set(parsed.sections)


def test_synthetic_label_on_every_section_chart_and_table(synthetic_html) -> None:
    b, html = synthetic_html
    parsed = parse(html)
    for sid, texts in parsed.sections.items():
        assert "SYNTHETIC" in " ".join(texts), f"section {sid} lacks the SYNTHETIC label"
    # every table caption carries the tag: count tags vs tables inside sections
    n_tables = sum(len(s.tables) for s in b.sections)
    assert n_tables >= 5
    assert html.count('<span class="syn-tag">SYNTHETIC</span></figcaption>') == n_tables
    figures = [json.loads(block) for block in parsed.json_blocks]
    assert len(figures) == sum(c.kind != "untestable" for s in b.sections
                               for c in s.charts) >= 4
    for fig in figures:
        assert fig["layout"]["title"]["text"].startswith("SYNTHETIC")
        assert any("SYNTHETIC" in a["text"] for a in fig["layout"]["annotations"])


def test_real_store_is_not_labelled_synthetic(tiny_real_store, kb) -> None:
    with connect(tiny_real_store, read_only=True) as store:
        b = build_brief(store, kb)
    assert not b.synthetic
    parsed = parse(render_html(b))
    assert not any("SYNTHETIC" in " ".join(t) for t in parsed.sections.values())


def test_attribution_and_provenance_text(synthetic_html) -> None:
    b, raw = synthetic_html
    html = unescape(raw)
    assert UCDP_CREDIT in html
    assert "GDELT" in html
    assert "kharita brief --store tiny.duckdb" in html
    prov = b.section("provenance")
    titles = [t.title for t in prov.tables]
    assert "Quarantined rows by file and reason" in titles
    q = next(t for t in prov.tables if t.title.startswith("Quarantined"))
    assert q.df["rows"].sum() == 1


def test_no_resource_is_loaded_from_another_host(synthetic_html) -> None:
    _, html = synthetic_html
    parsed = parse(html)
    # Anchors may point anywhere (they load nothing); every other resource is inline.
    loaded = [r for r in parsed.resources if not (r[0] == "a" and r[1] == "href")]
    assert loaded, "expected at least the inline favicon"
    assert all(r[2].startswith("data:") for r in loaded), f"resources loaded: {loaded}"
    assert "<script src" not in html
    assert re.search(r"""url\(\s*['"]?(https?:)?//""", html) is None
    assert "@import" not in html
    assert "default-src 'none'" in html  # the file's own CSP forbids any fetch


def test_arabic_names_are_marked_right_to_left(synthetic_html) -> None:
    _, html = synthetic_html
    assert re.search(r'<span dir="rtl" lang="ar">[^<]*[\u0600-\u06FF]', html)


def test_unavailable_and_failing_sections_give_notices(tiny_frame) -> None:
    def unavailable(data):
        raise Unavailable("this store has no located events")

    def boom(data):
        raise ValueError("too few events for this measure")

    data = BriefData(tiny_frame)
    sec = run_section(SectionSpec("contagion", "Contagion", unavailable), data)
    assert sec.status == "unavailable" and "no located events" in sec.reason
    b = build_brief(tiny_frame, specs=[SectionSpec("bad", "Bad", boom), SECTIONS[0]])
    assert b.sections[0].status == "error" and "too few events" in b.sections[0].reason
    assert b.sections[1].status == "ok"
    assert "Not available" in render_html(build_brief(
        tiny_frame, specs=[SectionSpec("contagion", "Contagion", unavailable)]))


def test_each_figure_is_computed_once_per_brief(tiny_frame) -> None:
    data = BriefData(tiny_frame)
    sections = build_sections(data)
    assert [s.id for s in sections] == [s.id for s in SECTIONS]
    assert len(data.computed) == len(set(data.computed)), data.computed
    assert {"info", "activity", "cells"} <= set(data.computed)
    # the claims' survival check computed the shock studies; the shocks section reused them
    if sections[[s.id for s in SECTIONS].index("claims")].status == "ok":
        assert "shocks" not in data.computed


def test_brief_activity_is_the_read_models_activity(synthetic_html, tiny_frame) -> None:
    b, _ = synthetic_html
    table = b.section("activity").tables[0].df.set_index("period")
    act = views.activity(tiny_frame, "year")
    assert table.index.tolist() == ["2018", "2019"]  # periods in date order
    for r in act.itertuples():
        assert table.loc[views.period_label(r.period, "year"), r.entity_id] == \
            pytest.approx(round(r.events, 1))
    summary = b.section("summary").tables[0].df.set_index("entity_id")
    assert summary.loc["is-west-africa", "events"] == pytest.approx(2.5)


def test_charts_draw_periods_in_date_order() -> None:
    import pandas as pd

    act = pd.DataFrame({"period": pd.to_datetime(["2020-10-01", "2019-01-01", "2020-01-01",
                                                  "2019-10-01"]),
                        "entity_id": ["a", "b", "b", "a"], "events": [1.0, 2.0, 3.0, 4.0]})
    fig = charts.activity_figure(act, names={}, colors={}, synthetic=False, freq="quarter")
    # a date axis (never text categories), bars spanning their quarter, labelled per quarter
    assert fig["layout"]["xaxis"]["type"] == "date"
    assert [t["x"] for t in fig["data"]] == [["2019-10-01", "2020-10-01"],
                                             ["2019-01-01", "2020-01-01"]]
    assert [t["customdata"] for t in fig["data"]] == [["2019-Q4", "2020-Q4"],
                                                      ["2019-Q1", "2020-Q1"]]
    assert {t["xperiod"] for t in fig["data"]} == {"M3"}
    cells = pd.DataFrame({"period": [dt.date(2020, 1, 1), dt.date(2019, 1, 1)],
                          "entity_id": ["a", "a"], "lat": [1.5, 2.5], "lon": [1.5, 2.5],
                          "events": [1.0, 2.0], "fatalities": [0.0, 0.0]})
    m = charts.map_figure(cells, names={}, colors={}, synthetic=False, freq="year")
    assert [f["name"] for f in m["frames"]] == ["all", "2019", "2020"]
    lines = charts.lines_figure(act, x="period", ys=["events"], synthetic=False, title="t",
                                freq="year")
    assert lines["layout"]["xaxis"]["type"] == "date"
    assert lines["data"][0]["x"] == ["2019-01-01", "2019-10-01", "2020-01-01", "2020-10-01"]
    assert lines["data"][0]["y"] == [2.0, 4.0, 3.0, 1.0]


def test_date_axes_tick_whole_periods() -> None:
    """Three real years (2016-2018, the Syria extract): plotly put a tick every six months,
    each labelled with its year, so the regions and decentralization charts read 2016,
    2016, 2017, 2017, 2018. Ticks fall on period starts, whole periods apart, at most
    ten of them."""
    import pandas as pd

    years = pd.DataFrame({"period": pd.to_datetime(["2016-01-01", "2017-01-01",
                                                    "2018-01-01"]), "share": [0.1, 0.2, 0.3]})
    axis = charts.lines_figure(years, x="period", ys=["share"], synthetic=False, title="t",
                               freq="year")["layout"]["xaxis"]
    assert (axis["dtick"], axis["tick0"], axis["tickformat"]) == ("M12", "2016-01-01", "%Y")
    act = pd.DataFrame({"period": pd.date_range("1990-01-01", "2022-01-01", freq="YS"),
                        "entity_id": "a", "events": 1.0})
    axis = charts.activity_figure(act, names={}, colors={}, synthetic=False,
                                  freq="year")["layout"]["xaxis"]
    assert axis["dtick"] == "M48"  # 33 years: a tick every 4 years, 9 ticks
    weeks = charts.date_axis("week", [str(d.date()) for d in
                                      pd.date_range("2019-01-07", periods=30, freq="7D")])
    assert weeks["dtick"] == 3 * 7 * 86_400_000


def test_pdf_without_chromium_is_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(brief_mod, "find_chromium", lambda: None)
    html = tmp_path / "b.html"
    html.write_text("<html></html>")
    with pytest.raises(KharitaError, match="needs Chromium"):
        brief_mod.write_pdf(html, tmp_path / "b.pdf")


def test_cli_brief_writes_the_file(tiny_store, tmp_path, monkeypatch) -> None:
    from kharita.cli import app, main

    out = tmp_path / "brief.html"
    res = CliRunner().invoke(app, ["brief", "--store", str(tiny_store), "-o", str(out),
                                   "--from", "2019", "--to", "2019-12-31"])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "Period 2019-01-01 – 2019-12-31" in text
    assert "--from 2019-01-01 --to 2019-12-31" in text  # the command, as parsed
    bad = CliRunner().invoke(app, ["brief", "--store", str(tiny_store), "--from", "2019-99-01"])
    assert isinstance(bad.exception, UserInputError) and "2019-99-01" in str(bad.exception)
    monkeypatch.setattr(sys, "argv", ["kharita", "brief", "--store", str(tiny_store),
                                      "-o", str(out), "--from", "2019-99-01"])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == 2
