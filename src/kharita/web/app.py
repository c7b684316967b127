"""The local, read-only web workbench (FastAPI): one router per page, from the registry.

:func:`create_app` opens the store read-only (or takes an open one), builds the
:class:`~kharita.web.common.Workbench` state and mounts every page of
:data:`kharita.web.pages.PAGES` (each its HTML page and the JSON API behind it, reading
only :mod:`kharita.views`). Errors are mapped by type: a
:class:`~kharita.errors.UserInputError` is a 422, :class:`~kharita.errors.NotFound` a
404. Nothing is fetched from other hosts: the JS, CSS and map outlines are served from
``/static`` and the Content-Security-Policy forbids every other origin.

Every request's ``Host`` header must name the workbench itself (:data:`LOOPBACK_HOSTS`,
plus the bound address when ``serve --allow-remote`` is used); any other host gets a
400. This defeats DNS rebinding: a web page that re-points its own name at 127.0.0.1
still sends its own name as the host, so it cannot read the store through the
analyst's browser (Jackson, C. et al. (2009). Protecting browsers from DNS rebinding
attacks. ACM TWEB 3(1)).
"""

from __future__ import annotations

import pathlib
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from kharita.errors import KharitaError, NotFound, StoreError, UserInputError
from kharita.web.common import Workbench
from kharita.web.pages import PAGES

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase
    from kharita.store.base import Store

STATIC = pathlib.Path(__file__).resolve().parent / "static"

#: Content-Security-Policy: nothing from other hosts; no inline scripts (data blocks of
#: type application/json are not executed); plotly.js needs inline styles.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")

#: HTTP status per error type (the most specific type listed wins; others: 400).
STATUS: tuple[tuple[type[KharitaError], int], ...] = (
    (NotFound, 404), (UserInputError, 422), (StoreError, 503))


#: JSON endpoints whose answer depends only on the store's state and the query string:
#: answered from the workbench's response cache (:class:`ResponseCache`) when the same
#: query was answered before on the same snapshot. Not the downloads (streamed), the
#: overview (built in the background: its sections change while it builds).
CACHED_PATHS: frozenset[str] = frozenset({
    "/api/map", "/api/periods", "/api/events", "/api/activity", "/api/branches",
    "/api/summary", "/api/network"})


class ResponseCache:
    """The last ``size`` answers (status 200) of :data:`CACHED_PATHS`, by path and query.

    One per :class:`~kharita.web.common.Workbench`, i.e. per snapshot of the store: a
    new snapshot (after an ingest) starts with an empty cache, so a cached answer is
    never older than the data it was computed from."""

    def __init__(self, size: int = 1024, max_bytes: int = 1 << 20) -> None:
        self.size, self.max_bytes = size, max_bytes
        self._items: OrderedDict[str, tuple[bytes, str | None, list[tuple[str, str]]]] = (
            OrderedDict())
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @staticmethod
    def key(request: Request) -> str | None:
        if request.method != "GET" or request.url.path not in CACHED_PATHS:
            return None
        return f"{request.url.path}?{request.url.query}"

    def get(self, key: str) -> Response | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
        body, media_type, headers = item
        return Response(body, status_code=200, media_type=media_type, headers=dict(headers))

    async def put(self, key: str, response: Response) -> Response:
        """Keep ``response``'s body (a 200 up to ``max_bytes``); returns a response
        with the same body (the original's stream is consumed)."""
        if response.status_code != 200:
            return response
        stream = getattr(response, "body_iterator", None)  # call_next's streamed answer
        if stream is None:
            body = bytes(response.body)
        else:
            chunks = [chunk async for chunk in stream]
            body = b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        media_type = response.media_type
        if len(body) <= self.max_bytes:
            with self._lock:
                self._items[key] = (body, media_type, headers)
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return Response(body, status_code=200, media_type=media_type, headers=dict(headers))


#: Host names that always reach the workbench (the loopback interface under its names).
LOOPBACK_HOSTS: frozenset[str] = frozenset({"localhost", "127.0.0.1", "::1"})


def host_name(header: str) -> str:
    """The host of an HTTP ``Host`` header, without the port, lower-cased; IPv6 literals
    without brackets.

    Starlette's ``TrustedHostMiddleware`` splits at the first ``:``, which turns
    ``[::1]:8000`` into ``[``; hence this parse.

    >>> host_name("LocalHost:8000"), host_name("[::1]:8000"), host_name("127.0.0.1")
    ('localhost', '::1', '127.0.0.1')
    """
    value = header.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[1:end] if end > 0 else ""
    return value.split(":", 1)[0].rstrip(".")


def status_for(exc: KharitaError) -> int:
    """The HTTP status of a kharita error, by its type (never by its message)."""
    for cls in type(exc).__mro__:
        for typ, status in STATUS:
            if cls is typ:
                return status
    return 400


def create_app(store: Store | str | pathlib.Path, *, kb: KnowledgeBase | None = None,
               engine: str | None = None, spark_master: str | None = None,
               command: str = "", allowed_hosts: Iterable[str] = ()) -> FastAPI:
    """The workbench on ``store``: an open :class:`~kharita.store.base.Store`, or a path
    opened read-only with ``engine``.

    Unless given, ``kb`` is the shipped KB with the overlays of ``KHARITA_KB_PATH``,
    ``engine`` is ``KHARITA_ENGINE`` (default duckdb) and ``spark_master``
    ``KHARITA_SPARK_MASTER`` (the web layer, like the CLI, reads the settings; the
    library does not). Requests must carry a ``Host`` of :data:`LOOPBACK_HOSTS` or of
    ``allowed_hosts`` (the address ``serve --allow-remote`` binds), else 400."""
    from kharita.config import setting, setting_paths
    from kharita.store.base import Store as StoreType
    from kharita.store.base import open_store

    if kb is None:
        from kharita.kb import load_kb

        kb = load_kb(setting_paths("kb_path"))
    snapshot = None
    eng = engine or setting("engine") or "duckdb"
    if isinstance(store, StoreType):
        st = store
    elif eng == "duckdb" and str(store) != ":memory:":
        from kharita.web.snapshot import Snapshot

        if not pathlib.Path(store).exists():
            raise NotFound(f"no store at {pathlib.Path(store).name}: run kharita ingest "
                           "(or kharita demo) first")
        snapshot = Snapshot(store)
        st = snapshot.store
    else:
        st = open_store(store, engine=eng, read_only=True,
                        spark_master=spark_master or setting("spark_master") or None)
    wb = Workbench(st, kb, command=command)
    app = FastAPI(title="kharita workbench", version="1", description=(
        "Read-only JSON API over a kharita event store and the knowledge base. "
        + ("All events in this store are SYNTHETIC." if wb.info.synthetic else "")),
        docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.workbench = wb
    app.state.snapshot = snapshot
    app.state.responses = ResponseCache()
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for page in PAGES:
        app.include_router(page.router)
        wb.pages.append(page)

    hosts = LOOPBACK_HOSTS | {host_name(h) for h in allowed_hosts}

    @app.middleware("http")
    async def security_headers(request: Request,
                               call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if host_name(request.headers.get("host", "")) not in hosts:
            return JSONResponse({"detail": "invalid Host header: this workbench answers "
                                 "only to its own address"}, status_code=400)
        if snapshot is not None and not request.url.path.startswith("/static"):
            fresh = snapshot.changed()
            if fresh is not None:  # the store was written (e.g. kharita ingest): new data
                fresh_wb = Workbench(fresh, kb, command=command)
                fresh_wb.pages.extend(PAGES)
                app.state.workbench = fresh_wb
                app.state.responses = ResponseCache()
        cache: ResponseCache = app.state.responses
        key = ResponseCache.key(request)
        cached = cache.get(key) if key is not None else None
        if cached is not None:
            response: Response = cached
        else:
            response = await call_next(request)
            if key is not None:
                response = await cache.put(key, response)
        csp = CSP
        if request.url.path == "/api/docs":
            # Swagger UI is not vendored: the docs page is off; the schema is at
            # /api/openapi.json.
            csp = "default-src 'none'"
        response.headers["Content-Security-Policy"] = csp
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(KharitaError)
    async def kharita_error(request: Request, exc: KharitaError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=status_for(exc))

    return app

