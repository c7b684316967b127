"""The workbench's pages and JSON API through FastAPI's TestClient."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner


@pytest.fixture(scope="module")
def client(web_app):
    with TestClient(web_app, base_url="http://127.0.0.1") as c:
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
    for href in ("/", "/map", "/branches", "/network", "/events"):  # the registry's nav
        assert f'<a href="{href}"' in r.text


def test_openapi_schema_lists_the_api(client) -> None:
    schema = client.get("/api/openapi.json").json()
    for p in ("/api/map", "/api/events", "/api/events/{event_id}", "/api/periods",
              "/api/activity", "/api/branches/{entity_id}", "/api/network", "/api/summary"):
        assert p in schema["paths"], p
    for path in ("/api/map", "/api/events", "/api/activity", "/api/periods"):
        params = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"branch", "country", "type", "source", "min_confidence", "ambiguous", "from",
                "to"} <= params, path
    assert "period" in {p["name"] for p in schema["paths"]["/api/map"]["get"]["parameters"]}


@pytest.mark.parametrize("url,status,needle", [
    ("/api/map?min_confidence=3", 422, "min_confidence=3.0: expected a number in [0, 1]"),
    ("/api/map?min_confidence=abc", 422, "valid number"),
    ("/api/map?period=2019-13x", 422, "expected YYYY, YYYY-Qn"),
    ("/api/map?period=2019-13", 422, "month must be 01-12"),
    ("/api/map?branch=no-such-branch", 422, "unknown branch 'no-such-branch'"),
    ("/api/map?from=2020-01-01&to=2019-01-01", 422, "is after end"),
    ("/api/map?from=2019-99-99", 422, "expected a date"),
    ("/api/map?cell_deg=0", 422, "cell_deg=0.0"),
    ("/api/map?ambiguous=maybe", 422, "expected one of split, full, exclude"),
    ("/api/map?country=Atlantis", 422, "unknown country"),
    ("/api/events?page=0", 422, "page=0"),
    ("/api/events?size=100000", 422, "size=100000"),
    ("/api/events?sort=random", 422, "sort='random'"),
    ("/api/events?q=" + "x" * 200, 422, "at most 100"),
    ("/api/periods?freq=decade", 422, "freq='decade'"),
    ("/api/activity?freq=decade", 422, "freq='decade'"),
    ("/api/network?as_of=not-a-date", 422, "valid date"),
    ("/api/network", 422, "Field required"),
    ("/api/events/not-an-event", 404, "no event"),
    ("/api/branches/no-such-entity", 404, "no entity"),
    ("/branches/no-such-entity", 404, "no entity"),
    ("/events/not-an-event", 404, "no event"),
])
def test_bad_input_gets_a_clear_4xx(client, url, status, needle) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text
    assert needle in r.text


def test_errors_map_by_type_not_by_message() -> None:
    from kharita.errors import (
        KharitaError,
        NotFound,
        StaleAttributionError,
        StoreSchemaError,
        UserInputError,
    )
    from kharita.web.app import status_for

    assert status_for(NotFound("no user input here")) == 404
    assert status_for(UserInputError("no event")) == 422  # the text does not matter
    assert status_for(StaleAttributionError("x")) == 422  # a UserInputError subclass
    assert status_for(StoreSchemaError("x")) == 503
    assert status_for(KharitaError("x")) == 400


def test_branch_aliases_resolve_in_query_filters(client) -> None:
    by_alias = client.get("/api/activity?branch=ISWAP").json()
    by_id = client.get("/api/activity?branch=is-west-africa").json()
    assert by_alias["filters"]["branches"] == ["is-west-africa"]
    assert by_alias["rows"] == by_id["rows"] and by_id["rows"]
    assert {r["entity_id"] for r in by_id["rows"]} == {"is-west-africa"}
    assert all(r["period"] == r["label"] + "-01-01" for r in by_id["rows"])  # first days


def test_map_api_aggregates_and_follows_the_period(client) -> None:
    whole = client.get("/api/map").json()
    res = client.get("/api/periods?freq=year").json()
    periods, labels = res["periods"], res["labels"]
    assert len(periods) >= 5 and periods == sorted(periods)
    assert all(p.endswith("-01-01") for p in periods)
    assert labels == [p[:4] for p in periods]
    one = client.get(f"/api/map?period={labels[0]}").json()
    assert one["period"] == labels[0]
    same = client.get(f"/api/map?period={periods[0]}&freq=year").json()
    assert same["cells"] == one["cells"]
    total = sum(c[3] for c in whole["cells"])
    assert 0 < sum(c[3] for c in one["cells"]) < total
    summary = client.get("/api/summary").json()
    assert total == pytest.approx(sum(r["events"] for r in
                                      client.get("/api/activity").json()["rows"]))
    assert len(whole["cells"]) < summary["n_events"]  # aggregated, not one row per event
    by_year = {r["label"]: 0.0 for r in client.get("/api/activity").json()["rows"]}
    for r in client.get("/api/activity").json()["rows"]:
        by_year[r["label"]] += r["events"]
    assert sum(c[3] for c in one["cells"]) == pytest.approx(by_year[labels[0]], rel=1e-6)
    # a period outside the date filters draws nothing
    assert client.get(f"/api/map?period={labels[0]}&from={labels[-1]}").json()["cells"] == []


def test_events_api_pages_beyond_the_first(client) -> None:
    first = client.get("/api/events?size=5").json()
    total = first["total"]
    assert total > 15 and len(first["rows"]) == 5 and first["pages"] == -(-total // 5)
    pages = [client.get(f"/api/events?size=5&page={p}").json()["rows"] for p in (1, 2, 3)]
    assert pages[0] == first["rows"]
    big = client.get("/api/events?size=15").json()["rows"]
    assert [r["event_id"] + r["entity_id"] for r in pages[0] + pages[1] + pages[2]] == \
        [r["event_id"] + r["entity_id"] for r in big]
    dates = [r["date_start"] for r in big]
    assert dates == sorted(dates, reverse=True)
    last = client.get(f"/api/events?size=5&page={first['pages']}").json()["rows"]
    assert 1 <= len(last) <= 5
    assert client.get(f"/api/events?size=5&page={first['pages'] + 1}").json()["rows"] == []
    oldest = client.get("/api/events?size=5&page=2&sort=date_asc").json()["rows"]
    old_dates = [r["date_start"] for r in oldest]
    assert old_dates == sorted(old_dates) and old_dates[0] >= \
        client.get("/api/events?size=5&sort=date_asc").json()["rows"][-1]["date_start"]


def test_events_api_with_branch_and_search_returns_only_matching_rows(client) -> None:
    top = client.get("/api/summary").json()["entities"][0]
    some = client.get(f"/api/events?branch={top}&size=50").json()
    iso = some["rows"][0]["country_iso3"]
    found = client.get(f"/api/events?branch={top}&q={iso}&size=50").json()
    assert 0 < found["total"] <= some["total"]
    second = client.get(f"/api/events?branch={top}&q={iso}&size=50&page=2").json()
    for r in found["rows"] + second["rows"]:
        assert r["entity_id"] == top
        assert iso.lower() in " ".join(str(r[k] or "") for k in (
            "place", "admin1", "country_iso3", "entity_id")).lower() or \
            r["event_id"].lower() == iso.lower()
    assert {r["event_id"] + r["entity_id"] for r in found["rows"]}.isdisjoint(
        {r["event_id"] + r["entity_id"] for r in second["rows"]})
    everywhere = client.get(f"/api/events?q={iso}&size=1").json()["total"]
    assert everywhere >= found["total"]


def test_event_why_view(client) -> None:
    first = client.get("/api/events?size=5").json()
    eid = first["rows"][0]["event_id"]
    why = client.get(f"/api/events/{eid}").json()
    assert why["event"]["event_id"] == eid and why["event"]["synthetic"] is True
    assert why["attributions"] and {"rule", "detail", "confidence", "kb_version"} <= set(
        why["attributions"][0])
    assert why["weights"] and sum(w["weight"] for w in why["weights"]) <= 1 + 1e-9
    assert "rules_fired" in why and "territories_considered" in why
    # a DATE is sent as the date it is, not as a midnight timestamp
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", why["event"]["date_start"])
    page = client.get(f"/events/{eid}")
    assert page.status_code == 200 and why["attributions"][0]["rule"] in page.text
    assert "How it counts in the figures" in page.text


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
