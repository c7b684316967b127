"""The workbench's new filters, server-side sorting, the network "as of" a date and the
overview served at once while its heavy sections are computed (TestClient)."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(web_app):
    with TestClient(web_app, base_url="http://127.0.0.1") as c:
        yield c


def _total(client, query: str) -> int:
    r = client.get("/api/events?size=1&" + query)
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def test_fatality_filters_split_the_rows(client) -> None:
    everything = _total(client, "")
    low, high = _total(client, "max_fatalities=2"), _total(client, "min_fatalities=3")
    assert 0 < low < everything and 0 < high < everything and low + high == everything


def test_admin1_actor_count_filters(client) -> None:
    row = client.get("/api/events?size=1").json()["rows"][0]
    a1 = row["admin1"]
    n = _total(client, f"admin1={a1.upper()}")  # exact name, any case
    assert 0 < n < _total(client, "")
    assert _total(client, "actor=no-such-actor-name") == 0
    assert _total(client, "count=reports") == _total(client, "")  # no links in the demo
    for bad in ("count=rows", "min_fatalities=-1", "min_fatalities=5&max_fatalities=2"):
        assert client.get("/api/events?" + bad).status_code == 422, bad


@pytest.mark.parametrize("column", ["event_id", "entity_id", "country_iso3", "fatalities",
                                    "confidence", "place"])
def test_server_side_sort_by_column(client, column) -> None:
    key = "fatalities_best" if column == "fatalities" else column
    for order in ("asc", "desc"):
        r = client.get(f"/api/events?size=100&sort={column}_{order}")
        assert r.status_code == 200, r.text
        values = [row[key] for row in r.json()["rows"] if row[key] is not None]
        assert values == sorted(values, reverse=order == "desc"), (column, order)
    first = client.get(f"/api/events?size=5&sort={column}_asc").json()["rows"]
    last = client.get(f"/api/events?size=5&sort={column}_desc").json()["rows"]
    if first[0][key] != last[0][key]:
        assert first != last


def test_network_as_of_2005_has_only_what_existed(client) -> None:
    net = client.get("/api/network?as_of=2005-06-01").json()
    types = {e["data"]["type"] for e in net["elements"] if "source" not in e["data"]}
    ids = {e["data"]["id"] for e in net["elements"] if "source" not in e["data"]}
    assert not types & {"directorate", "office", "province"}, types
    assert "is-gdp" not in ids and "is" not in ids and "aqi" in ids
    nodes = ids
    for e in net["elements"]:
        if "source" in e["data"]:
            assert e["data"]["source"] in nodes and e["data"]["target"] in nodes
    later = client.get("/api/network?as_of=2024-06-01").json()
    assert later["counts"]["nodes"] > net["counts"]["nodes"]


def test_overview_answers_at_once_then_fills_in(client) -> None:
    first = client.get("/")  # the shell with the sections built so far, or all of them
    assert first.status_code == 200 and "<h1>Overview" in first.text
    deadline = time.monotonic() + 600
    while not (res := client.get("/api/overview/sections").json())["done"]:
        assert "overview-status" in client.get("/").text  # the loading notice meanwhile
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert {"summary", "claims", "outlook"} <= set(res["sections"])
    assert all("<section" in html for html in res["sections"].values())
    full = client.get("/")
    assert "overview-status" not in full.text and full.text.count("<section") >= 10


def test_map_cell_drills_down_to_its_events(client) -> None:
    import csv
    import io

    res = client.get("/api/map?cell_deg=2").json()
    cols = res["columns"]
    cell = max(res["cells"], key=lambda c: c[cols.index("events")])
    eid, lat, lon, events = (cell[cols.index(k)] for k in ("entity_id", "lat", "lon",
                                                             "events"))
    query = f"branch={eid}&cell={lat},{lon},2"
    page = client.get(f"/api/events?size=200&{query}").json()
    assert 0 < page["total"] < _total(client, f"branch={eid}")
    for row in page["rows"]:
        assert row["entity_id"] == eid
    body = client.get(f"/api/events.csv?{query}").text
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == page["total"]
    assert abs(sum(float(r["weight"]) for r in rows) - events) < 1e-3  # the bubble's events
    for bad in ("cell=1,2", "cell=95,0,1", "cell=0,0,0", "cell=a,b,c"):
        assert client.get("/api/events?" + bad).status_code == 422, bad
