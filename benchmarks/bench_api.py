"""Benchmark: the workbench API on a 1,000,000-event store against a bare FastAPI app.

Targets (issue 16): at concurrency 16 the workbench's throughput is at least 40% of a
bare FastAPI endpoint measured in the same run, and its p95 latency is under 100 ms at
concurrency 4 (issue 6's target: under 100 ms).

Both servers are real HTTP servers (uvicorn) on 127.0.0.1, each in its own process;
a bounded local load generator (httpx, at most ``concurrency`` requests in flight)
sends the same number of requests at concurrency 1, 4 and 16. The workbench's request
mix is what its pages send: the map for one period or for all periods, with and
without a branch filter, the events table's pages (deep pages too) and searches. The
bare app answers one small JSON object from a plain ``def`` handler (the HTTP +
framework overhead, FastAPI's thread pool included).

Usage: python benchmarks/bench_api.py [--rows 1000000] [--requests 600]
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
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_brief import ensure_store

#: The bare FastAPI app (run in its own process with uvicorn, like ``kharita serve``).
BARE_APP = """
import sys
import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/api/summary")
def summary() -> dict:
    return {"ok": True, "n_events": 1000000, "sources": ["ucdp", "acled"]}


uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
LEVELS = (1, 4, 16)


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


def level_stats(res: list[tuple[str, float, int]], wall: float) -> tuple[float, float, int]:
    """Throughput (requests/s), p95 (ms), and the number of non-200 answers."""
    ms = np.array([r[1] for r in res])
    return len(res) / wall, float(np.percentile(ms, 95)), sum(r[2] != 200 for r in res)


def measure(base: str, urls: Callable[[int], list[str]]
            ) -> dict[int, tuple[float, float, int]]:
    """Each level sends its own random draw of the mix (``urls(seed)``): the workbench's
    response cache answers only the queries the mix really repeats (the same map period,
    the first pages), never a replay of an earlier level."""
    out = {}
    asyncio.run(run(base, urls(0)[:40], 4))  # warm-up (not counted)
    for c in LEVELS:
        t = time.perf_counter()
        res = asyncio.run(run(base, urls(c), c))
        out[c] = level_stats(res, time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--requests", type=int, default=600, help="requests per level")
    args = ap.parse_args()
    store = ensure_store(args.rows, args.seed)
    port, bare_port = free_port(), free_port()
    base, bare = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
    proc = subprocess.Popen([sys.executable, "-c", "from kharita.cli import main; main()",
                             "serve", "--store", str(store), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bare_proc = subprocess.Popen([sys.executable, "-c", BARE_APP, str(bare_port)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        startup = wait_ready(base, proc)
        wait_ready(bare, bare_proc)
        print(f"server ready in {startup:.1f} s (opens the store, builds its view)")
        periods = httpx.get(base + "/api/periods?freq=year").json()["labels"]
        branches = httpx.get(base + "/api/summary").json()["entities"][:6]
        total = httpx.get(base + "/api/events?size=1").json()["total"]
        rng = random.Random(1)
        pages = max(1, total // 50)

        def draw(seed: int) -> list[str]:
            rng.seed(seed)
            return [map_url() if k % 2 == 0 else events_url() for k in range(args.requests)]

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

        wb = measure(base, draw)
        bare_res = measure(bare, lambda seed: ["/api/summary"] * args.requests)
        print(f"{args.requests} requests per level; throughput in requests/s, p95 in ms")
        print(f"{'concurrency':>11} | {'workbench req/s':>15} {'p95':>7} | "
              f"{'bare req/s':>10} {'p95':>7} | {'ratio':>6}")
        bad = 0
        for c in LEVELS:
            (tw, pw, bw), (tb, pb, bb) = wb[c], bare_res[c]
            bad += bw + bb
            print(f"{c:>11} | {tw:>15.0f} {pw:>7.1f} | {tb:>10.0f} {pb:>7.1f} | "
                  f"{tw / tb:>6.2f}")
        ratio16, p95_4 = wb[16][0] / bare_res[16][0], wb[4][1]
        print(f"non-200 answers: {bad}; distinct queries per level: "
              f"{len(set(draw(16)))} of {args.requests}")
        print(f"concurrency 16: workbench {ratio16:.0%} of the bare app (target >= 40%); "
              f"p95 at concurrency 4: {p95_4:.1f} ms (target < 100 ms)")
        print("targets met" if ratio16 >= 0.4 and p95_4 < 100 and not bad
              else "TARGET NOT MET")
    finally:
        for p in (proc, bare_proc):
            p.terminate()
            p.wait(timeout=30)


if __name__ == "__main__":
    main()
