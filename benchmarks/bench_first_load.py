"""First load of the workbench on the 50,000-event synthetic demo store.

Prints the seconds of ``create_app``, of the overview's first response, of the events
and map data requested while the overview builds, and of the whole overview (built in the
background). Usage: ``python benchmarks/bench_first_load.py [STORE]`` (default: a fresh
50,000-event synthetic store in a temporary folder).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from kharita.kb import load_kb
from kharita.web.app import create_app


def main() -> None:
    if len(sys.argv) > 1:
        store = Path(sys.argv[1])
    else:
        from kharita.store.base import open_store
        from kharita.store.synthetic import insert_synthetic_events

        store = Path(tempfile.mkdtemp(prefix="kharita-bench-")) / "demo.duckdb"
        st = open_store(store)
        insert_synthetic_events(st, 50_000, seed=2019)
        st.close()
    t0 = time.perf_counter()
    app = create_app(store, kb=load_kb())
    print(f"create_app                 {time.perf_counter() - t0:6.2f} s")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        for url in ("/", "/api/events?size=50", "/api/map", "/api/network?as_of=2005-06-01"):
            t = time.perf_counter()
            r = c.get(url)
            print(f"{url:26s} {time.perf_counter() - t:6.2f} s  ({r.status_code})")
        while not c.get("/api/overview/sections").json()["done"]:
            time.sleep(0.2)
        print(f"whole overview (background) {time.perf_counter() - t0:6.2f} s after start")
        t = time.perf_counter()
        c.get("/")
        print(f"/ once built               {time.perf_counter() - t:6.2f} s")


if __name__ == "__main__":
    main()
