"""The workbench's outlook page on a store of the REAL UCDP extracts (Syria, Iraq,
Nigeria; Chromium): the fan chart is drawn without NaN paths and with dates in order,
the score table lists every model, the branch selector is in the URL (Back restores
it), no console error and no request leaves 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.web.test_browser_real import (  # noqa: F401  (fixtures)
    NAN_JS,
    TICKS_JS,
    browser,
    watched,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def outlook_server(shared_data: Path) -> Iterator[str]:
    """The workbench on the analysis tests' session store of the three extracts."""
    from tests.analysis._fixtures import real_store
    from tests.web.conftest import serving

    from kharita import load_kb
    from kharita.web.app import create_app

    with serving(create_app(real_store(shared_data), kb=load_kb())) as url:
        yield url


def test_outlook_page_on_real_data(outlook_server, watched, tmp_path) -> None:  # noqa: F811
    pg = watched.page
    pg.goto(outlook_server + "/outlook?unit=is-syria", timeout=120_000)
    pg.wait_for_selector("#outlook-fan[data-unit='is-syria']", timeout=120_000)
    assert pg.input_value("#o-unit") == "is-syria"
    assert pg.eval_on_selector_all("path", NAN_JS) == 0, "the fan chart drew a NaN path"
    ticks = dict(pg.eval_on_selector_all("#outlook-fan", TICKS_JS))["outlook-fan"]
    years = [int(t[:4]) for t in ticks if t[:4].isdigit()]
    assert years and years == sorted(years), ticks
    assert pg.locator("#outlook-fan .scatterlayer .trace").count() >= 8  # bands + lines
    models = pg.locator("#o-scores tbody tr td:first-child").all_inner_texts()
    assert set(models) == {"zero", "last", "climatology", "nb_trend", "hawkes"}
    assert "Default model" in pg.inner_text("#o-why")
    assert "data end early" in pg.inner_text("#o-notes")  # Syria's and Iraq's files
    assert pg.locator("#o-forecast tbody tr").count() == 6
    # another branch: the URL changes; Back restores the first
    pg.select_option("#o-unit", "is-iraq")
    pg.wait_for_url("**unit=is-iraq**")
    pg.wait_for_selector("#outlook-fan[data-unit='is-iraq']")
    assert pg.eval_on_selector_all("path", NAN_JS) == 0
    pg.go_back()
    pg.wait_for_selector("#outlook-fan[data-unit='is-syria']")
    assert pg.input_value("#o-unit") == "is-syria"
    pg.screenshot(path=str(tmp_path / "outlook.png"), full_page=True)
    watched.check()
