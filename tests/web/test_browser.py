"""Browser tests: Debian's Chromium driven by Playwright (never a downloaded browser).

Every page must load with no console error and no request leaving 127.0.0.1; the map's
time slider and the network's as-of control must change what is shown; a screenshot of
each page is saved in the test's output folder; the brief, opened from disk, must render
its map and charts.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from tests.web.conftest import serving

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("KHARITA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def server(web_app) -> Iterator[str]:
    with serving(web_app) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page whose requests and console errors are recorded."""

    def __init__(self, browser) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.errors.append(m.text)
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self) -> None:
        assert self.errors == [], f"console errors: {self.errors}"
        foreign = [u for u in self.requests
                   if urlparse(u).scheme not in ("data", "file", "blob", "about")
                   and urlparse(u).hostname != "127.0.0.1"]
        assert foreign == [], f"requests leaving 127.0.0.1: {foreign}"

    def close(self) -> None:
        self.page.close()


@pytest.fixture()
def watched(browser) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.close()


PAGES = {"overview": "/", "map": "/map", "branches": "/branches",
         "branch": "/branches/is", "network": "/network", "events": "/events"}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_loads_cleanly(server, watched, name, tmp_path) -> None:
    # the overview is the brief, built on first request (cold analyses can take tens of
    # seconds on a loaded machine; benchmarks/bench_api.py measures it)
    watched.page.goto(server + PAGES[name], timeout=120_000)
    watched.page.wait_for_load_state("networkidle")
    if name == "overview":
        watched.page.wait_for_selector("#chart-map[data-drawn='1']", timeout=30_000)
    if name == "map":
        watched.page.wait_for_selector("#map[data-period]", timeout=30_000)
    if name == "network":
        watched.page.wait_for_selector("#cy[data-asof]", timeout=30_000)
    if name == "events":
        watched.page.wait_for_selector("#events-table tbody tr", timeout=30_000)
    watched.page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    assert (tmp_path / f"{name}.png").stat().st_size > 10_000
    assert "SYNTHETIC" in watched.page.inner_text("body")
    watched.check()


def test_event_why_view(server, watched, tmp_path) -> None:
    watched.page.goto(server + "/events")
    watched.page.wait_for_selector("#events-table tbody tr a", timeout=30_000)
    watched.page.click("#events-table tbody tr a")
    watched.page.wait_for_selector("text=Why is this event attributed here?")
    assert watched.page.locator(".why table tbody tr").count() >= 1
    watched.page.screenshot(path=str(tmp_path / "event.png"), full_page=True)
    watched.check()


def test_time_slider_changes_the_map(server, watched, tmp_path) -> None:
    pg = watched.page
    pg.goto(server + "/map")
    pg.wait_for_selector("#map[data-period='all']", timeout=30_000)
    all_cells = pg.get_attribute("#map", "data-cells")
    all_status = pg.inner_text("#map-status")
    pg.eval_on_selector("#time-slider", "el => { el.value = '1'; "
                        "el.dispatchEvent(new Event('input')); }")
    # (selectors, not wait_for_function: the page's CSP rightly forbids eval)
    pg.wait_for_selector("#map[data-period]:not([data-period='all'])")
    period = pg.get_attribute("#map", "data-period")
    assert period and period[:2] in ("19", "20")
    assert pg.inner_text("#time-label") == period
    assert pg.inner_text("#map-status") != all_status or \
        pg.get_attribute("#map", "data-cells") != all_cells
    assert pg.locator("#map .scatterlayer .point").count() > 0
    pg.screenshot(path=str(tmp_path / "map-period.png"))
    watched.check()


def test_as_of_control_changes_the_network(server, watched, tmp_path) -> None:
    pg = watched.page
    pg.goto(server + "/network")
    pg.wait_for_selector("#cy[data-asof]", timeout=30_000)
    pg.click("#asof-a")  # 2015-06-01
    pg.wait_for_selector("#cy[data-asof='2015-06-01']")
    early = pg.get_attribute("#cy", "data-nodes")
    pg.fill("#asof", "2024-06-01")
    pg.dispatch_event("#asof", "change")
    pg.wait_for_selector("#cy[data-asof='2024-06-01']")
    late = pg.get_attribute("#cy", "data-nodes")
    assert early != late
    assert "2024-06-01" in pg.inner_text("#net-status")
    pg.screenshot(path=str(tmp_path / "network-2024.png"))
    watched.check()


def test_brief_renders_offline_in_chromium(web_app, watched, tmp_path) -> None:
    from kharita.report.brief import write_brief

    # the overview is the brief built on the same store (built once per session)
    path = write_brief(web_app.state.workbench.overview(), tmp_path / "brief.html")
    pg = watched.page
    pg.goto(path.as_uri())
    pg.wait_for_selector("#chart-map[data-drawn='1']", timeout=60_000)
    n_charts = pg.locator("[data-chart]").count()
    pg.wait_for_function(f"() => document.querySelectorAll(\"[data-drawn='1']\").length"
                         f" === {n_charts}", timeout=60_000)
    assert n_charts >= 4
    # each chart drew an SVG with marks in it
    assert pg.locator("[data-chart] svg.main-svg").count() >= n_charts
    assert pg.locator("#chart-map .scatterlayer .point").count() > 0
    assert pg.locator("#chart-activity-events .barlayer .point").count() > 0
    # the map's time control: one slider with a step per period plus "all"
    assert pg.locator("#chart-map .slider-container").count() == 1
    labels = pg.locator("#chart-map .slider-container .slider-label")
    assert labels.count() >= 4 and labels.first.text_content() == "Period: all"
    before = pg.locator("#chart-map .scatterlayer .point").count()
    first = labels.nth(2).text_content()
    labels.nth(2).scroll_into_view_if_needed()  # the first period's step
    box = labels.nth(2).bounding_box()
    rail = pg.locator("#chart-map .slider-rail-touch-rect").bounding_box()
    assert box is not None and rail is not None
    pg.mouse.click(box["x"] + box["width"] / 2, rail["y"] + 12)  # the rail takes clicks
    pg.wait_for_selector(f"#chart-map text.slider-label[data-unformatted='Period: {first}']")
    # the label moves before plotly redraws the frame: wait for the points to change
    pg.wait_for_function(
        "n => document.querySelectorAll('#chart-map .scatterlayer .point').length !== n",
        arg=before, timeout=30_000)
    assert pg.locator("#chart-map .scatterlayer .point").count() != before
    pg.screenshot(path=str(tmp_path / "brief.png"), full_page=True)
    watched.check()
