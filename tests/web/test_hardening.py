"""The workbench against hostile requests: foreign Host headers (DNS rebinding), extreme
parameter values on every API route (never a 500), and event ids containing "/"."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from kharita.web.app import host_name

#: Values that broke routes before (issue 17) and their neighbours: dates out of
#: range, impossible dates, huge, negative, non-finite, empty, binary and traversal-like.
EXTREMES: tuple[str, ...] = (
    "9999-12-31", "9999-12", "0000-01", "0001-01-01", "2019-02-30", "99999-01-01", "",
    "-1", "0", "1e309", "nan", "x" * 5000, "\x00", "../../etc/passwd", "2019-Q9",
    "is-syria,,,", "'; DROP TABLE events; --",
)


@pytest.fixture(scope="module")
def client(web_app: Any) -> Any:
    with TestClient(web_app, base_url="http://127.0.0.1") as c:
        yield c


def _routes(client: Any) -> list[tuple[str, list[str]]]:
    schema = client.get("/api/openapi.json").json()
    out = []
    for path, item in schema["paths"].items():
        if "{" in path or "get" not in item:
            continue
        params = [p["name"] for p in item["get"].get("parameters", [])
                  if p.get("in") == "query"]
        out.append((path, params))
    return out


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8000",
                                  "127.0.0.1.attacker.example", "localhost.evil", ""])
def test_foreign_host_header_is_refused(client: Any, host: str) -> None:
    r = client.get("/api/summary", headers={"Host": host})
    assert r.status_code == 400
    assert "Host" in r.json()["detail"]
    assert "duckdb" not in r.text  # no store path leaks


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost", "LOCALHOST:1", "[::1]:8000"])
def test_loopback_host_headers_are_served(client: Any, host: str) -> None:
    assert client.get("/api/summary", headers={"Host": host}).status_code == 200


def test_allowed_host_for_remote_serving(demo_store: Any) -> None:
    from kharita import load_kb
    from kharita.web.app import create_app

    app = create_app(demo_store, kb=load_kb(), allowed_hosts=["analyst-box.lan"])
    with TestClient(app, base_url="http://analyst-box.lan") as c:
        assert c.get("/api/summary").status_code == 200
        assert c.get("/api/summary", headers={"Host": "other.lan"}).status_code == 400


def test_host_name_parse() -> None:
    assert host_name("[::1]") == "::1"
    assert host_name("[::1") == ""
    assert host_name("Example.ORG.:80") == "example.org"


def test_every_parameter_extreme_values_give_4xx_not_500(client: Any) -> None:
    routes = _routes(client)
    assert len(routes) >= 8  # the registry's API routes are all found
    failures = []
    for path, params in routes:
        for name in params:
            for value in EXTREMES:
                r = client.get(path, params={name: value})
                if r.status_code >= 500 or r.status_code not in (200, 400, 404, 422):
                    failures.append((path, name, value[:20], r.status_code))
    assert failures == []


def test_event_ids_with_slash_reach_the_explain_view(client: Any) -> None:
    r = client.get("/api/events/table:list/2019/17")
    assert r.status_code == 404
    assert "table:list/2019/17" in r.json()["detail"]  # the view saw the whole id
    assert client.get("/events/table:list/2019/17").status_code in (200, 404)
