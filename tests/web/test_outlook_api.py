"""The outlook's read model, brief section and workbench API on the demo store."""

from __future__ import annotations

import math

import pytest


@pytest.fixture(scope="module")
def client(web_app):
    from fastapi.testclient import TestClient

    with TestClient(web_app, base_url="http://127.0.0.1") as c:
        yield c


def _finite(fig) -> bool:
    return all(isinstance(v, (int, float)) and math.isfinite(v)
               for tr in fig["data"] for v in tr["y"])


def test_api_outlook_gives_scores_fan_and_alerts(client) -> None:
    r = client.get("/api/outlook")
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["unit"] in [u["id"] for u in d["units"]]
    # branches listed busiest first (events in each one's last 12 covered months, as the
    # brief's fan charts); the page opens on the busiest, not on the first id
    obs = {}
    for u in d["units"]:
        fan = client.get("/api/outlook", params={"unit": u["id"]}).json()["fan"]
        obs[u["id"]] = sum(next(t for t in fan["data"] if t["name"] == "observed events")
                           ["y"][-12:])
    ranked = [u["id"] for u in d["units"]]
    assert d["unit"] == ranked[0] and [obs[u] for u in ranked] == sorted(obs.values(),
                                                                         reverse=True)
    assert d["scores"]["columns"][:2] == ["model", "CRPS"]
    models = [row["model"] for row in d["scores"]["rows"]]
    assert set(models) == {"zero", "last", "climatology", "nb_trend", "hawkes"}
    assert d["model"] == models[0]  # the default is the best-scoring model
    assert ("no skill" in d["verdict"]) == (not d["skill"])
    assert _finite(d["fan"]) and len(d["forecast"]) == 6
    xs = [x for tr in d["fan"]["data"] for x in tr["x"]]
    assert all(len(x) == 10 and x[4] == "-" for x in xs)  # dates on the x axis
    hist = d["fan"]["data"][-2]["x"]
    assert hist == sorted(hist)
    other = d["units"][-1]["id"]
    r2 = client.get("/api/outlook", params={"unit": other})
    assert r2.status_code == 200 and r2.json()["unit"] == other
    assert r2.json()["scores"] == d["scores"]  # computed once, the same backtest
    assert client.get("/api/outlook", params={"unit": "nope"}).status_code == 404
    page = client.get("/outlook")
    assert page.status_code == 200 and "kharita-outlook.js" in page.text
    assert 'href="/outlook"' in page.text  # in the navigation


def test_brief_section_computes_the_outlook_once(demo_store) -> None:
    from kharita import load_kb
    from kharita.analysis.frame import build_frame
    from kharita.report.sections import SECTIONS, BriefData, run_section
    from kharita.store.base import open_store

    st = open_store(demo_store, read_only=True)
    try:
        data = BriefData(build_frame(st, load_kb()))
        spec = next(s for s in SECTIONS if s.id == "outlook")
        sec = run_section(spec, data)
        assert sec.status == "ok", sec.reason
        assert sec.charts and all(_finite(c.figure) for c in sec.charts)
        assert "Default model" in sec.intro and "SYNTHETIC" in sec.intro
        assert sec.tables[0].df.columns[0] == "model"
        run_section(spec, data)
        assert data.computed.count("outlook") == 1
    finally:
        st.close()
