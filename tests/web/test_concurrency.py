"""Concurrent requests through a real HTTP server (uvicorn on 127.0.0.1) give the same
JSON as the same requests one at a time.

The workbench's snapshot is a shared store: the handlers read it in parallel, each
thread through its own DuckDB cursor, and the derived tables (the frame's base, the
events table's browse table, coverage tables built on first use) are visible to all of
them. A cursor that missed a derived table, or two threads building one at once, would
show here as an error or a different answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from tests.web.conftest import serving


@pytest.fixture(scope="module")
def server(web_app: Any) -> Iterator[str]:
    with serving(web_app) as url:
        yield url


def _urls(base: str) -> list[str]:
    summary = httpx.get(base + "/api/summary").json()
    branches = summary["entities"][:3]
    labels = httpx.get(base + "/api/periods?freq=year").json()["labels"]
    urls = ["/api/summary", "/api/periods?freq=month", "/api/map", "/api/branches",
            "/api/activity?freq=month", "/api/events", "/api/events?page=3",
            "/api/events?q=Borno", "/api/events?q=NGA&page=2"]
    for b in branches:
        urls += [f"/api/map?branch={b}", f"/api/events?branch={b}",
                 f"/api/activity?branch={b}&freq=quarter"]
    urls += [f"/api/map?period={p}" for p in labels[:6]]
    return urls


def test_concurrent_requests_answer_as_sequential_ones(server: str,
                                                        web_app: Any) -> None:
    assert web_app.state.workbench.parallel  # the snapshot is read in parallel
    urls = _urls(server)
    with httpx.Client(base_url=server, timeout=60) as client:
        sequential = {}
        for u in urls:
            r = client.get(u)
            assert r.status_code == 200, (u, r.text[:200])
            sequential[u] = r.json()

    def get(u: str) -> tuple[str, int, Any]:
        r = httpx.get(server + u, timeout=60)
        return u, r.status_code, r.json()

    from kharita.web.app import ResponseCache

    cache = web_app.state.responses
    try:
        # first without the response cache (every request reads the store in
        # parallel), then with it (the answers of the sequential pass)
        for responses in (ResponseCache(size=0), cache):
            web_app.state.responses = responses
            with ThreadPoolExecutor(max_workers=12) as pool:
                results = list(pool.map(get, urls * 4))
            for u, status, body in results:
                assert status == 200, (u, body)
                assert body == sequential[u], u
    finally:
        web_app.state.responses = cache
    assert cache.hits >= len(urls)


def test_response_cache_keeps_answers_by_path_and_query() -> None:
    import asyncio

    from fastapi.responses import JSONResponse
    from starlette.requests import Request

    from kharita.web.app import ResponseCache

    def request(path: str, query: str = "") -> Request:
        return Request({"type": "http", "method": "GET", "path": path,
                        "query_string": query.encode(), "headers": []})

    cache = ResponseCache(size=2)
    assert ResponseCache.key(request("/api/events.csv")) is None  # a download
    assert ResponseCache.key(request("/api/overview")) is None  # built in background
    k1, k2, k3 = (ResponseCache.key(request("/api/map", q))
                  for q in ("period=2019", "period=2020", "branch=x"))
    assert k1 and k2 and k3 and len({k1, k2, k3}) == 3
    assert cache.get(k1) is None
    out = asyncio.run(cache.put(k1, JSONResponse({"a": 1})))
    assert out.body == b'{"a":1}'
    hit = cache.get(k1)
    assert hit is not None and hit.body == b'{"a":1}' and hit.media_type == "application/json"
    asyncio.run(cache.put(k2, JSONResponse({"b": 2})))
    asyncio.run(cache.put(k3, JSONResponse({"c": 3})))  # evicts the oldest (k1)
    assert cache.get(k1) is None and cache.get(k3) is not None
    asyncio.run(cache.put(k1, JSONResponse({"e": 1}, status_code=404)))
    assert cache.get(k1) is None  # only 200 answers are kept
