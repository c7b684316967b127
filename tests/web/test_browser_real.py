"""The brief and every workbench page on a store of the REAL UCDP files (Chromium).

The synthetic demo hides most chart problems (years as text out of order, NaN paths in
empty charts, lines across the map); here every page of the workbench and the brief,
opened on ../shared/data's UCDP extracts, must show period axes in date order, no path
with NaN, no empty chart (an explicit "not testable" panel instead), no console error and
no request leaving 127.0.0.1; the filters reach the URL (permalinks), Back restores them,
the download has the table's total rows, a form error is shown, and a map bubble drills
down to its events.
"""

from __future__ import annotations

import csv
import io
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.web.conftest import serving
from tests.web.test_browser import Watched

pytestmark = [pytest.mark.browser, pytest.mark.slow]

UCDP = ("conflict_data_nga.csv", "conflict_data_irq.csv", "ucdp_syria_df.csv.gz",
        "ucdpged.csv")


@pytest.fixture(scope="module")
def real_store(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from typer.testing import CliRunner

    from kharita.cli import app

    path = tmp_path_factory.mktemp("real") / "real.duckdb"
    files = [str(shared_data / "ucdp-ged" / f) for f in UCDP]
    res = CliRunner().invoke(app, ["ingest", "ucdp", *files, "--store", str(path)])
    assert res.exit_code == 0, res.output
    return path


@pytest.fixture(scope="module")
def real_server(real_store: Path) -> Iterator[str]:
    from kharita import load_kb
    from kharita.web.app import create_app

    with serving(create_app(real_store, kb=load_kb())) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from tests.web.test_browser import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def watched(browser) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.close()


#: Every x-axis tick of every date axis, per chart, as the page drew it.
TICKS_JS = """els => els.map(e => [e.id,
  Array.from(e.querySelectorAll('.xaxislayer-above .xtick text')).map(t => t.textContent)])"""
NAN_JS = "els => els.filter(e => (e.getAttribute('d') || '').includes('NaN')).length"


def _check_charts(pg) -> None:
    assert pg.eval_on_selector_all("path", NAN_JS) == 0, "a chart drew a NaN path"
    for chart_id, ticks in pg.eval_on_selector_all("[data-chart]", TICKS_JS):
        years = [int(t[:4]) for t in ticks if t[:4].isdigit() and t[:2] in ("19", "20")]
        assert years == sorted(years), f"{chart_id}: x ticks out of order: {ticks}"
    for div in pg.locator("[data-chart]").all():  # no chart without marks
        assert div.locator("svg.main-svg").count() >= 1


def test_brief_on_real_data(real_store, watched, tmp_path) -> None:
    from kharita import load_kb
    from kharita.analysis.frame import build_frame
    from kharita.report.brief import build_brief, write_brief
    from kharita.store.base import open_store

    st = open_store(real_store, read_only=True)
    try:
        path = write_brief(build_brief(build_frame(st, load_kb()),
                                       command="kharita brief"), tmp_path / "brief.html")
    finally:
        st.close()
    html = path.read_text(encoding="utf-8")
    assert str(real_store.parent) not in html and "/shared/data" not in html
    pg = watched.page
    pg.goto(path.as_uri())
    n = pg.locator("[data-chart]").count()
    pg.wait_for_function(f"() => document.querySelectorAll(\"[data-drawn='1']\").length"
                         f" === {n}", timeout=90_000)
    _check_charts(pg)
    # the leaders whose dates the data cannot test get a panel saying why, not axes
    assert pg.locator("#shocks [data-untestable]").count() >= 1
    assert "Not testable" in pg.inner_text("#shocks")
    pg.emulate_media(media="print")
    assert pg.locator("#chart-map .modebar").count() == 0 or \
        not pg.locator("#chart-map .modebar").first.is_visible()
    pg.screenshot(path=str(tmp_path / "brief-real.png"), full_page=True)
    watched.check()


PAGES = {"overview": ("/", "#chart-map[data-drawn='1']"), "map": ("/map", "#map[data-period]"),
         "branches": ("/branches", "table"), "branch": ("/branches/is-syria", "table"),
         "network": ("/network", "#cy[data-asof]"),
         "events": ("/events", "#events-table[data-total]")}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_on_real_data(real_server, watched, name, tmp_path) -> None:
    path, ready = PAGES[name]
    pg = watched.page
    pg.goto(real_server + path, timeout=120_000)  # the overview builds the brief
    pg.wait_for_selector(ready, timeout=90_000)
    pg.wait_for_load_state("networkidle")
    _check_charts(pg)
    pg.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    watched.check()


def test_filters_permalink_back_download(real_server, watched) -> None:
    pg = watched.page
    # a permalink: the URL's filters drive the controls AND the table
    pg.goto(real_server + "/events?branch=is-syria&q=Raqqa")
    pg.wait_for_selector("#events-table[data-total]")
    assert pg.input_value("#f-branch") == "is-syria" and pg.input_value("#q") == "Raqqa"
    syria_raqqa = int(pg.get_attribute("#events-table", "data-total") or -1)
    assert syria_raqqa > 0
    assert {t.strip() for t in pg.locator("#events-table tbody tr td:nth-child(3)")
            .all_inner_texts()} == {"is-syria"}
    # the download holds exactly the table's rows
    href = pg.get_attribute("#dl-csv", "href")
    assert href and "branch=is-syria" in href
    with urllib.request.urlopen(real_server + href) as r:  # (127.0.0.1)
        rows = list(csv.DictReader(io.StringIO(r.read().decode("utf-8"))))
    assert len(rows) == syria_raqqa and {r["entity_id"] for r in rows} == {"is-syria"}
    # a change reaches the URL; Back restores the earlier controls and table
    pg.fill("#f-from", "2017")
    pg.dispatch_event("#f-from", "change")
    pg.wait_for_url("**from=2017**")
    pg.wait_for_selector(f"#events-table:not([data-total='{syria_raqqa}'])")
    pg.go_back()
    pg.wait_for_selector(f"#events-table[data-total='{syria_raqqa}']")
    assert pg.input_value("#f-from") == "" and pg.input_value("#f-branch") == "is-syria"
    # a bad value is shown, not swallowed
    pg.fill("#f-conf", "1.5")
    pg.dispatch_event("#f-conf", "change")
    pg.wait_for_selector("#form-error:not([hidden])")
    assert "1.5" in pg.inner_text("#form-error")
    watched.errors = [e for e in watched.errors if "422" not in e]  # the expected 422
    watched.check()


def test_map_permalink_and_drill_down(real_server, watched) -> None:
    pg = watched.page
    pg.goto(real_server + "/map?branch=is-west-africa&period=2016")
    pg.wait_for_selector("#map[data-period='2016']", timeout=60_000)
    assert pg.input_value("#f-branch") == "is-west-africa"
    assert pg.inner_text("#time-label") == "2016"
    point = pg.locator("#map .scatterlayer .trace:last-child .point").first
    point.click(force=True)
    pg.wait_for_url("**/events?**")
    assert "branch=is-west-africa" in pg.url and "from=2016-01-01" in pg.url \
        and "to=2016-12-31" in pg.url and "cell=" in pg.url  # the bubble's place
    pg.wait_for_selector("#events-table[data-total]")
    assert pg.locator("#cell-note").is_visible()
    in_cell = int(pg.get_attribute("#events-table", "data-total") or -1)
    pg.click("#cell-clear")  # all places: the branch's whole year
    pg.wait_for_selector(f"#events-table:not([data-total='{in_cell}'])")
    assert int(pg.get_attribute("#events-table", "data-total") or -1) > in_cell > 0
    pg.go_back()
    pg.wait_for_selector(f"#events-table[data-total='{in_cell}']")
    dates = pg.locator("#events-table tbody tr td:nth-child(2)").all_inner_texts()
    assert dates and all(d.startswith("2016") for d in dates)
    watched.check()


def test_new_filters_permalink_and_back(real_server, watched, tmp_path) -> None:
    pg = watched.page
    pg.goto(real_server + "/events?branch=is-west-africa&admin1=Borno+state&min_fatalities=10")
    pg.wait_for_selector("#events-table[data-total]")
    assert pg.input_value("#f-admin1") == "Borno state" and pg.input_value("#f-minfat") == "10"
    assert pg.input_value("#f-count") == "incidents"
    borno = int(pg.get_attribute("#events-table", "data-total") or -1)
    assert borno > 0
    cells = pg.locator("#events-table tbody td:nth-child(9)").all_inner_texts()
    admin1 = {t.strip() for t in cells}
    deaths = [int(t) for t in
              pg.locator("#events-table tbody td:nth-child(11)").all_inner_texts()]
    assert admin1 == {"Borno state"} and deaths and min(deaths) >= 10
    # one more filter narrows the table and reaches the URL; Back restores both
    pg.fill("#f-maxfat", "20")
    pg.dispatch_event("#f-maxfat", "change")
    pg.wait_for_url("**max_fatalities=20**")
    pg.wait_for_selector(f"#events-table:not([data-total='{borno}'])")
    assert int(pg.get_attribute("#events-table", "data-total") or -1) < borno
    pg.select_option("#f-count", "reports")
    pg.wait_for_url("**count=reports**")
    pg.fill("#f-actor", "Islamic State")
    pg.dispatch_event("#f-actor", "change")
    pg.wait_for_url("**actor=Islamic**")
    pg.wait_for_selector("#events-table[data-total]")
    pg.screenshot(path=str(tmp_path / "events-filters.png"), full_page=True)
    pg.go_back()
    pg.go_back()
    pg.go_back()
    pg.wait_for_selector(f"#events-table[data-total='{borno}']")
    assert pg.input_value("#f-maxfat") == "" and pg.input_value("#f-count") == "incidents"
    assert pg.input_value("#f-actor") == "" and pg.input_value("#f-admin1") == "Borno state"
    # the map takes the same filters from its URL
    pg.goto(real_server + "/map?admin1=Borno+state&min_fatalities=10")
    pg.wait_for_selector("#map[data-cells]", timeout=60_000)
    assert pg.input_value("#f-admin1") == "Borno state"
    watched.check()


def test_sorting_by_header_with_permalink(real_server, watched, tmp_path) -> None:
    pg = watched.page
    pg.goto(real_server + "/events?branch=is-syria")
    pg.wait_for_selector("#events-table[data-total]")

    def deaths() -> list[int]:
        return [int(t or -1) for t in
                pg.locator("#events-table tbody td:nth-child(11)").all_inner_texts()]

    pg.click("#events-table th[data-sort='fatalities']")
    pg.wait_for_url("**sort=fatalities_desc**")
    pg.wait_for_selector("#events-table[data-sort='fatalities_desc'] th.sorted-desc")
    pg.wait_for_function("() => document.querySelector('#events-table tbody td:nth-child(11)')")
    top = deaths()
    assert top == sorted(top, reverse=True) and top[0] >= 50  # the deadliest first
    pg.click("#events-table th[data-sort='fatalities']")  # again: the other way
    pg.wait_for_url("**sort=fatalities_asc**")
    pg.wait_for_selector("#events-table[data-sort='fatalities_asc']")
    pg.wait_for_function(f"() => document.querySelector('#events-table tbody td:nth-child(11)')"
                         f".textContent !== '{top[0]}'")
    bottom = deaths()
    assert bottom == sorted(bottom)
    pg.click("#events-table th[data-sort='place']")
    pg.wait_for_url("**sort=place_asc**")
    pg.wait_for_selector("#events-table[data-sort='place_asc']")
    pg.go_back()  # Back: deaths ascending again
    pg.wait_for_selector("#events-table[data-sort='fatalities_asc']")
    assert pg.input_value("#sort") == "fatalities_asc"
    pg.screenshot(path=str(tmp_path / "events-sorted.png"), full_page=True)
    # a permalink of the sorted table opens sorted
    pg.goto(real_server + "/events?branch=is-syria&sort=fatalities_desc")
    pg.wait_for_selector("#events-table[data-sort='fatalities_desc']")
    pg.wait_for_function("() => document.querySelector('#events-table tbody td:nth-child(11)')")
    assert deaths() == top
    # the branches list sorts in the page, by the events column, in the URL too
    pg.goto(real_server + "/branches")
    pg.click("#branches-table th[data-sort='events']")
    pg.wait_for_url("**sort=events_desc**")
    counts = [float(t.replace(",", "")) for t in
              pg.locator("#branches-table tbody td:nth-child(8)").all_inner_texts() if t.strip()]
    assert len(counts) >= 3 and counts == sorted(counts, reverse=True)
    pg.reload()
    assert pg.get_attribute("#branches-table", "data-sort") == "events_desc"
    pg.screenshot(path=str(tmp_path / "branches-sorted.png"), full_page=True)
    watched.check()


def test_network_as_of_2005(real_server, watched, tmp_path) -> None:
    pg = watched.page
    pg.goto(real_server + "/network?as_of=2005-06-01")
    pg.wait_for_selector("#cy[data-asof='2005-06-01']", timeout=30_000)
    assert pg.input_value("#asof") == "2005-06-01"
    n2005 = int(pg.get_attribute("#cy", "data-nodes") or -1)
    status = pg.inner_text("#net-status")
    assert 0 < n2005 <= 5, status  # al-Zarqawi's AQI, no GDP, offices or provinces
    pg.screenshot(path=str(tmp_path / "network-2005.png"), full_page=True)
    pg.click("#asof-a")  # 2015-06-01
    pg.wait_for_url("**as_of=2015-06-01**")
    pg.wait_for_selector("#cy[data-asof='2015-06-01']")
    assert int(pg.get_attribute("#cy", "data-nodes") or -1) > n2005
    pg.go_back()
    pg.wait_for_selector("#cy[data-asof='2005-06-01']")
    watched.check()
