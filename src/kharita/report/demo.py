"""The offline demo: a synthetic store plus the shipped KB, and the brief built from it.

``kharita demo`` (the README's first command) needs no data and no network:

1. :func:`kharita.events.sources.synthetic.write_ged_csv` writes a seeded synthetic
   file in the UCDP GED format (every row labelled SYNTHETIC);
2. :func:`kharita.events.ingest.ingest_file` loads it into a new store (DuckDB by
   default, or Spark) as source ``synthetic`` (events flagged ``synthetic = true``);
3. :func:`kharita.events.attribute.attribute_store` attributes the events to the KB's
   branches, exactly as for real data;
4. :func:`kharita.report.brief.build_brief` writes the brief on the store's analysis
   frame, labelled SYNTHETIC on every page, chart and table.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kharita.errors import UserInputError
from kharita.store.base import open_store

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase
    from kharita.report.brief import Brief
    from kharita.store.base import Store

DEFAULT_ROWS = 50_000
DEFAULT_SEED = 2019


@dataclass
class DemoResult:
    """What the demo made and how long each step took (seconds)."""

    store: Path
    brief: Path | None
    events: int
    seconds: dict[str, float]


def build_demo_store(store: str | os.PathLike[str], *, rows: int = DEFAULT_ROWS,
                     seed: int = DEFAULT_SEED, kb: KnowledgeBase | None = None,
                     workdir: str | os.PathLike[str] | None = None,
                     progress: Callable[[str], None] | None = None,
                     engine: str = "duckdb", spark_master: str | None = None
                     ) -> dict[str, float]:
    """Create (or replace) a store at ``store`` from ``rows`` synthetic events.

    Returns the seconds taken by each step. The synthetic GED file is written next to
    the store (or into ``workdir``) as ``kharita-synthetic-<seed>.csv``.
    """
    from kharita.events.attribute import attribute_store
    from kharita.events.ingest import ingest_file
    from kharita.events.sources.synthetic import write_ged_csv
    from kharita.kb import load_kb

    if rows < 1:
        raise UserInputError(f"rows must be at least 1, got {rows}")
    path = Path(store)
    for p in (path, Path(str(path) + ".wal")):
        if p.is_dir():
            import shutil

            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    folder = Path(workdir) if workdir else path.parent
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / f"kharita-synthetic-{seed}.csv"
    times: dict[str, float] = {}
    say = progress or (lambda _msg: None)

    t = time.perf_counter()
    say(f"generating {rows:,} synthetic events (seed {seed})")
    write_ged_csv(csv, rows, seed=seed)
    times["generate"] = time.perf_counter() - t

    knowledge = kb or load_kb()
    with open_store(path, engine=engine, spark_master=spark_master) as st:
        t = time.perf_counter()
        say("ingesting into the store")
        ingest_file(st, "synthetic", csv)
        times["ingest"] = time.perf_counter() - t
        t = time.perf_counter()
        say("attributing events to the network's branches")
        attribute_store(st, knowledge)
        times["attribute"] = time.perf_counter() - t
    return times


def build_demo_brief(store: Store, kb: KnowledgeBase, *, command: str = "kharita demo",
                     progress: Callable[[str], None] | None = None) -> Brief:
    """The brief on the whole demo store."""
    from kharita.analysis.frame import build_frame
    from kharita.report.brief import build_brief

    return build_brief(build_frame(store, kb), command=command, progress=(
        (lambda title: progress(f"brief: {title}")) if progress else None))


def run_demo(out_dir: str | os.PathLike[str] = ".", *, rows: int = DEFAULT_ROWS,
             seed: int = DEFAULT_SEED, brief_name: str = "kharita-brief.html",
             store_name: str = "kharita-demo.duckdb", command: str = "kharita demo",
             kb: KnowledgeBase | None = None, engine: str = "duckdb",
             spark_master: str | None = None,
             progress: Callable[[str], None] | None = None) -> DemoResult:
    """Build the synthetic demo store in ``out_dir`` and write the brief there."""
    from kharita.kb import load_kb
    from kharita.report.brief import write_brief

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    knowledge = kb or load_kb()
    store = out / store_name
    with tempfile.TemporaryDirectory(prefix="kharita-demo-") as tmp:
        # the synthetic CSV is only an intermediate: it is removed after ingest
        times = build_demo_store(store, rows=rows, seed=seed, kb=knowledge, workdir=tmp,
                                 progress=progress, engine=engine, spark_master=spark_master)
    t = time.perf_counter()
    with open_store(store, engine=engine, read_only=True, spark_master=spark_master) as st:
        brief = build_demo_brief(st, knowledge, command=command, progress=progress)
    path = write_brief(brief, out / brief_name)
    times["brief"] = time.perf_counter() - t
    return DemoResult(store=store, brief=path, events=brief.n_events, seconds=times)
