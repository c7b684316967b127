"""The brief: sections present, SYNTHETIC labels, attribution text, nothing loaded from
other hosts, clear notices for sections whose analysis is missing."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from typer.testing import CliRunner

from kharita.errors import KharitaError
from kharita.report import brief as brief_mod
from kharita.report.brief import build_brief, render_html
from kharita.report.sections import SECTIONS, Section, SectionSpec, run_section
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
def synthetic_html(tiny_store, kb):
    con = connect(tiny_store, read_only=True)
    try:
        b = build_brief(con, kb, command="kharita brief --store tiny.duckdb")
    finally:
        con.close()
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
    assert len(figures) == sum(len(s.charts) for s in b.sections) >= 4
    for fig in figures:
        assert fig["layout"]["title"]["text"].startswith("SYNTHETIC")
        assert any("SYNTHETIC" in a["text"] for a in fig["layout"]["annotations"])


def test_real_store_is_not_labelled_synthetic(tiny_real_store, kb) -> None:
    con = connect(tiny_real_store, read_only=True)
    try:
        b = build_brief(con, kb)
    finally:
        con.close()
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


def test_missing_analysis_gives_a_clear_notice(synthetic_html, tiny_store, kb) -> None:
    spec = SectionSpec("contagion", "Contagion", lambda ctx, funcs: Section("x", "x"),
                       requires=("kharita.analysis.no_such_module:fit",))
    from kharita.report.sections import default_context

    con = connect(tiny_store, read_only=True)
    try:
        ctx = default_context(con, kb)
        sec = run_section(spec, ctx)
        html = render_html(build_brief(con, kb, specs=[spec]))
    finally:
        con.close()
    assert sec.status == "unavailable"
    assert "kharita.analysis.no_such_module:fit" in sec.reason
    assert "Not available" in html


def test_failing_section_does_not_take_the_brief_down(tiny_store, kb) -> None:
    def boom(ctx, funcs):
        raise ValueError("too few events for this measure")

    con = connect(tiny_store, read_only=True)
    try:
        b = build_brief(con, kb, specs=[SectionSpec("bad", "Bad", boom), SECTIONS[0]])
    finally:
        con.close()
    assert b.sections[0].status == "error" and "too few events" in b.sections[0].reason
    assert b.sections[1].status == "ok"


def test_pdf_without_chromium_is_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(brief_mod, "find_chromium", lambda: None)
    html = tmp_path / "b.html"
    html.write_text("<html></html>")
    with pytest.raises(KharitaError, match="needs Chromium"):
        brief_mod.write_pdf(html, tmp_path / "b.pdf")


def test_cli_brief_writes_the_file(tiny_store, tmp_path) -> None:
    from kharita.cli import app

    out = tmp_path / "brief.html"
    res = CliRunner().invoke(app, ["brief", "--store", str(tiny_store), "-o", str(out),
                                   "--from", "2019-01-01", "--to", "2019-12-31"])
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "Period 2019-01-01 – 2019-12-31" in text
    bad = CliRunner().invoke(app, ["brief", "--store", str(tiny_store), "--from", "2019-99-01"])
    assert bad.exit_code != 0 and "not a date" in bad.output
