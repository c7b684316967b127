"""The workbench's pages and JSON API through FastAPI's TestClient."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner


@pytest.fixture(scope="module")
def client(web_app):
    with TestClient(web_app) as c:
        yield c


@pytest.mark.parametrize("path", ["/", "/map", "/branches", "/branches/is", "/network",
                                  "/events"])
def test_pages_render_with_csp_and_synthetic_label(client, path) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text[:300]
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "http://" not in csp and "https://" not in csp
    assert "SYNTHETIC" in r.text
    assert "<script>" not in r.text  # no inline script (CSP would block it)


def test_openapi_schema_lists_the_api(client) -> None:
    schema = client.get("/api/openapi.json").json()
    for p in ("/api/map", "/api/events", "/api/events/{event_id}", "/api/periods",
              "/api/activity", "/api/branches/{entity_id}", "/api/network", "/api/summary"):
        assert p in schema["paths"], p
    params = {p["name"] for p in schema["paths"]["/api/map"]["get"]["parameters"]}
    assert {"period", "branch", "type", "source", "min_confidence", "from", "to"} <= params


@pytest.mark.parametrize("url,status,needle", [
    ("/api/map?min_confidence=3", 422, "less than or equal to 1"),
    ("/api/map?min_confidence=abc", 422, "valid number"),
    ("/api/map?period=2019-13x", 422, "pattern"),
    ("/api/map?period=2019-13", 422, "month must be 01-12"),
    ("/api/map?branch=no-such-branch", 422, "unknown branch id"),
    ("/api/map?from=2020-01-01&to=2019-01-01", 422, "after end date"),
    ("/api/map?cell_deg=0", 422, "greater than or equal"),
    ("/api/events?page=0", 422, "greater than or equal to 1"),
    ("/api/events?size=100000", 422, "less than or equal"),
    ("/api/events?sort=random", 422, "pattern"),
    ("/api/events?q=" + "x" * 200, 422, "at most 100"),
    ("/api/periods?freq=decade", 422, "pattern"),
    ("/api/network?as_of=not-a-date", 422, "valid date"),
    ("/api/network", 422, "Field required"),
    ("/api/events/not-an-event", 404, "no event"),
    ("/api/branches/no-such-entity", 404, "no entity"),
    ("/events/not-an-event", 404, "no event"),
])
def test_bad_input_gets_a_clear_4xx(client, url, status, needle) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text
    assert needle in r.text


def test_map_api_aggregates_and_follows_the_period(client) -> None:
    whole = client.get("/api/map").json()
    periods = client.get("/api/periods?freq=year").json()["periods"]
    assert len(periods) >= 5
    one = client.get(f"/api/map?period={periods[0]}").json()
    assert one["period"] == periods[0]
    total = sum(c[3] for c in whole["cells"])
    assert 0 < sum(c[3] for c in one["cells"]) < total
    summary = client.get("/api/summary").json()
    assert total == pytest.approx(sum(r["events"] for r in
                                      client.get("/api/activity").json()["rows"]))
    assert len(whole["cells"]) < summary["n_events"]  # aggregated, not one row per event


def test_events_api_pages_searches_and_explains(client) -> None:
    first = client.get("/api/events?size=5").json()
    assert first["total"] > 5 and len(first["rows"]) == 5
    second = client.get("/api/events?size=5&page=2").json()
    assert {r["event_id"] for r in first["rows"]}.isdisjoint(
        {r["event_id"] for r in second["rows"]}) or first["total"] > 10
    dates = [r["date_start"] for r in first["rows"]]
    assert dates == sorted(dates, reverse=True)
    iso = first["rows"][0]["country_iso3"]
    found = client.get(f"/api/events?q={iso}&size=200").json()
    assert found["total"] > 0 and all(iso in (r["country_iso3"] or "") or iso.lower() in
                                      (r["place"] or "").lower() for r in found["rows"][:50])
    eid = first["rows"][0]["event_id"]
    why = client.get(f"/api/events/{eid}").json()
    assert why["event"]["event_id"] == eid and why["event"]["synthetic"] is True
    assert why["attributions"] and {"rule", "detail", "confidence", "kb_version"} <= set(
        why["attributions"][0])
    page = client.get(f"/events/{eid}")
    assert page.status_code == 200 and why["attributions"][0]["rule"] in page.text


def test_network_api_changes_with_the_date(client) -> None:
    a = client.get("/api/network?as_of=2015-06-01").json()
    b = client.get("/api/network?as_of=2024-06-01").json()
    ids_a = {e["data"]["id"] for e in a["elements"] if "source" not in e["data"]}
    ids_b = {e["data"]["id"] for e in b["elements"] if "source" not in e["data"]}
    assert "is" in ids_a and "is" in ids_b
    assert ids_a != ids_b


def test_branch_profile_has_sources(client) -> None:
    p = client.get("/api/branches/is").json()
    assert p["id"] == "is" and p["sources"] and p["sources"][0]["title"]


def test_serve_refuses_non_loopback_without_flag(demo_store) -> None:
    from kharita.cli import app
    from kharita.cli.report import _is_loopback

    assert _is_loopback("127.0.0.1") and _is_loopback("::1") and _is_loopback("localhost")
    assert not _is_loopback("0.0.0.0") and not _is_loopback("192.168.1.4")
    res = CliRunner().invoke(app, ["serve", "--store", str(demo_store), "--host", "0.0.0.0"])
    assert res.exit_code != 0 and "--allow-remote" in res.output


def test_every_brief_section_is_computed_on_the_demo_store(client) -> None:
    """Guards the wiring to the analyses: on a synthetic store with branches every
    section must be computed (a changed analysis API shows up here, not in a brief)."""
    sections = client.get("/api/overview").json()["sections"]
    bad = {s["id"]: s["reason"] for s in sections if s["status"] != "ok"}
    assert bad == {}
