"""Benchmark: the API behind the map and the events table on a 1,000,000-event store.

Target (issue 6): p95 latency under 100 ms for 1,000 requests from a bounded local load
generator (httpx, at most ``--concurrency`` requests in flight) against ``kharita
serve`` (uvicorn) on 127.0.0.1.

The request mix is what the pages send: the map for one period or for all periods,
with and without a branch filter, the events table's pages (deep pages too) and
searches. Baseline, measured in the same run: ``/api/summary`` (no query, the
HTTP + framework overhead); the ratio says how much the queries add.

Every endpoint reads the one read model (:mod:`kharita.views`) on the store's analysis
frame.

Usage: python benchmarks/bench_api.py [--rows 1000000] [--requests 1000]
(builds the store with bench_brief.py's helper if needed).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_brief import ensure_store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 300) -> float:
    t = time.perf_counter()
    while time.perf_counter() - t < timeout:
        if proc.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            if httpx.get(base + "/api/summary", timeout=5).status_code == 200:
                return time.perf_counter() - t
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not start in time")


async def run(base: str, urls: list[str], concurrency: int) -> list[tuple[str, float, int]]:
    sem = asyncio.Semaphore(concurrency)
    out: list[tuple[str, float, int]] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        async def one(u: str) -> None:
            async with sem:
                t = time.perf_counter()
                r = await client.get(u)
                out.append((u, (time.perf_counter() - t) * 1000, r.status_code))
        await asyncio.gather(*(one(u) for u in urls))
    return out


def stats(label: str, ms: list[float]) -> float:
    a = np.array(ms)
    p95 = float(np.percentile(a, 95))
    print(f"  {label:<22} n={len(a):>5}  p50 {np.percentile(a, 50):7.1f} ms  p95 {p95:7.1f} ms"
          f"  p99 {np.percentile(a, 99):7.1f} ms  max {a.max():7.1f} ms")
    return p95


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--concurrency", type=int, default=4)
    args = ap.parse_args()
    store = ensure_store(args.rows, args.seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-c", "from kharita.cli import main; main()",
                             "serve", "--store", str(store), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        startup = wait_ready(base, proc)
        print(f"server ready in {startup:.1f} s (opens the store, builds its view)")
        periods = httpx.get(base + "/api/periods?freq=year").json()["labels"]
        branches = httpx.get(base + "/api/summary").json()["entities"][:6]
        total = httpx.get(base + "/api/events?size=1").json()["total"]
        rng = random.Random(1)
        pages = max(1, total // 50)

        def map_url() -> str:
            u = "/api/map"
            params = []
            if rng.random() < 0.8:
                params.append(f"period={rng.choice(periods)}")
            if rng.random() < 0.3:
                params.append(f"branch={rng.choice(branches)}")
            return u + ("?" + "&".join(params) if params else "")

        def events_url() -> str:
            r = rng.random()
            if r < 0.5:
                return f"/api/events?page={rng.randint(1, min(pages, 20))}"
            if r < 0.7:
                return f"/api/events?page={rng.randint(1, pages)}"
            q = rng.choice(["NGA", "Borno", "SYR", "Cabo", "is-west", "MOZ", "Iraq"])
            if r < 0.85:
                return f"/api/events?q={q}"
            # a filtered page beyond the first: branch + search
            return (f"/api/events?q={q}&branch={rng.choice(branches)}"
                    f"&page={rng.randint(1, 5)}")

        urls = [map_url() if k % 2 == 0 else events_url() for k in range(args.requests)]
        # warm-up (not counted)
        asyncio.run(run(base, urls[:20], args.concurrency))
        t = time.perf_counter()
        res = asyncio.run(run(base, urls, args.concurrency))
        wall = time.perf_counter() - t
        base_res = asyncio.run(run(base, ["/api/summary"] * 200, args.concurrency))
        bad = [r for r in res if r[2] != 200]
        print(f"{len(res)} requests, concurrency {args.concurrency}, {wall:.1f} s "
              f"({len(res) / wall:.0f} req/s), non-200: {len(bad)}")
        p_all = stats("map + events (all)", [r[1] for r in res])
        stats("map", [r[1] for r in res if r[0].startswith("/api/map")])
        stats("events", [r[1] for r in res if r[0].startswith("/api/events")])
        p_base = stats("baseline /api/summary", [r[1] for r in base_res])
        print(f"p95 {p_all:.1f} ms (target < 100 ms); {p_all / p_base:.1f}x the baseline p95")
        print("target met" if p_all < 100 and not bad else "TARGET NOT MET")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
