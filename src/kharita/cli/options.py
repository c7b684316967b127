"""Options shared by every command, and the one way the CLI opens a store, loads the KB
and builds the analysis frame from its filter options."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kharita.cli.output import Format
from kharita.config import setting, setting_paths

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame
    from kharita.kb.knowledge import KnowledgeBase
    from kharita.store.base import Store


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class Freq(StrEnum):
    week = "week"
    month = "month"
    quarter = "quarter"
    year = "year"


class Ambiguous(StrEnum):
    SPLIT = "split"
    FULL = "full"
    EXCLUDE = "exclude"


class Count(StrEnum):
    incidents = "incidents"
    reports = "reports"


StoreOption = Annotated[Path | None, typer.Option(
    "--store", metavar="PATH",
    help="The event store: a DuckDB file, or a directory with --engine spark "
         "(default $KHARITA_STORE or ./kharita.duckdb).")]
EngineOption = Annotated[Engine | None, typer.Option(
    "--engine", help="Store engine: duckdb (default, one file) or spark (a directory of "
                     "Parquet tables; $KHARITA_SPARK_MASTER picks the cluster).")]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
KbOption = Annotated[list[Path] | None, typer.Option(
    "--kb", metavar="PATH",
    help="Overlay KB file or folder on top of the shipped KB (repeatable; also "
         "$KHARITA_KB_PATH).")]
FromOption = Annotated[str | None, typer.Option(
    "--from", metavar="DATE", help="First event date (YYYY, YYYY-MM or YYYY-MM-DD).")]
ToOption = Annotated[str | None, typer.Option(
    "--to", metavar="DATE", help="Last event date (YYYY, YYYY-MM or YYYY-MM-DD).")]
BranchesOption = Annotated[str | None, typer.Option(
    "--branches", metavar="IDS", help="Comma-separated branch ids or names, e.g. "
                                      "is-iraq,ISWAP.")]
CountriesOption = Annotated[str | None, typer.Option(
    "--countries", metavar="CODES", help="Comma-separated ISO3 codes or country names, "
                                         "e.g. NGA,SYR.")]
MinConfOption = Annotated[float, typer.Option(
    "--min-confidence", metavar="NUMBER", help="Drop attributions below this confidence "
                                               "(0-1).")]
SourcesOption = Annotated[str | None, typer.Option(
    "--sources", metavar="NAMES", help="Comma-separated sources, e.g. ucdp,acled.")]
TypesOption = Annotated[str | None, typer.Option(
    "--event-types", metavar="TYPES", help="Comma-separated event types (see "
                                           "docs/events.md).")]
AmbiguousOption = Annotated[Ambiguous, typer.Option(
    "--ambiguous", help="Ambiguous attributions (ACLED 'X and/or Y'): split = confidence "
                        "share (default), full = count fully, exclude = drop.")]
CountOption = Annotated[Count, typer.Option(
    "--count", help="What one event is: incidents = each incident once, however many "
                    "sources report it (default); reports = every source's report.")]
Admin1Option = Annotated[str | None, typer.Option(
    "--admin1", metavar="NAMES", help="Comma-separated first-level divisions (provinces, "
                                      "states), any case, with or without the type word (Aleppo = "
                                      "Aleppo Governorate), e.g. Borno,Aleppo.")]
ActorOption = Annotated[str | None, typer.Option(
    "--actor", metavar="TEXT", help="Only events with an actor name containing this text "
                                    "(any case).")]
MinFatalitiesOption = Annotated[int | None, typer.Option(
    "--min-fatalities", metavar="N", min=0,
    help="Only events with at least N fatalities (best estimate).")]
MaxFatalitiesOption = Annotated[int | None, typer.Option(
    "--max-fatalities", metavar="N", min=0,
    help="Only events with at most N fatalities (best estimate).")]
WideOption = Annotated[bool, typer.Option(
    "--wide", help="Tables: every column, even beyond the terminal's width.")]
OutputDirOption = Annotated[Path | None, typer.Option(
    "--output", "-o", metavar="DIR",
    help="Write one file per table into DIR (NAME.csv, or NAME.json with -f json); "
         "- for standard output.")]


def store_path(store: Path | None, engine: Engine | None = None) -> Path:
    """``--store``, else ``$KHARITA_STORE``, else ``./kharita.duckdb`` (or
    ``./kharita-spark`` with the Spark engine)."""
    if store is not None:
        return store
    if os.environ.get("KHARITA_STORE"):
        return Path(setting("store"))
    return Path("kharita-spark" if _engine(engine) == "spark" else setting("store"))


def _engine(engine: Engine | None) -> str:
    return engine.value if engine is not None else (setting("engine") or "duckdb")


def open_cli_store(store: Path | None, engine: Engine | None = None, *,
                   read_only: bool = True, create: bool = True) -> Store:
    """Open the store the options name (errors are kharita's own: exit code 2)."""
    from kharita.store.base import check_engine, open_store

    eng = check_engine(_engine(engine))
    return open_store(store_path(store, engine), engine=eng, read_only=read_only,
                      create=create, spark_master=setting("spark_master") or None)


def load_cli_kb(kb: list[Path] | None, *, check: bool = True) -> KnowledgeBase:
    """The shipped KB with ``$KHARITA_KB_PATH`` overlays, then ``--kb`` overlays."""
    from kharita.kb import load_kb

    return load_kb([*setting_paths("kb_path"), *(kb or [])], check=check)


def cli_frame(store: Store, knowledge: KnowledgeBase, *, date_from: str | None = None,
              date_to: str | None = None, branches: str | None = None,
              countries: str | None = None, min_confidence: float = 0.0,
              ambiguous: Ambiguous = Ambiguous.SPLIT, sources: str | None = None,
              event_types: str | None = None, admin1: str | None = None,
              actor: str | None = None, min_fatalities: int | None = None,
              max_fatalities: int | None = None,
              count: Count = Count.incidents) -> Frame:
    """The analysis frame for the filter options (validated by ``Filters.make``)."""
    from kharita.analysis.frame import Filters, build_frame

    f = Filters.make(knowledge, start=date_from, end=date_to, branches=branches,
                     countries=countries, min_confidence=min_confidence,
                     ambiguous=ambiguous.value, sources=sources, event_types=event_types,
                     admin1=admin1, actor=actor, min_fatalities=min_fatalities,
                     max_fatalities=max_fatalities, count=count.value)
    return build_frame(store, knowledge, f)


@contextmanager
def opened_frame(store: Path | None, engine: Engine | None, kb: list[Path] | None,
                 **filters: Any) -> Iterator[Frame]:
    """Open the store read-only, load the KB and yield the command's one analysis frame
    for the filter options (``cli_frame``'s keywords); the store is closed afterwards."""
    knowledge = load_cli_kb(kb)
    opened = open_cli_store(store, engine)
    try:
        yield cli_frame(opened, knowledge, **filters)
    finally:
        opened.close()


def caption(frame: Frame, extra: str = "") -> str:
    """One line stating the frame's filters (for table captions)."""
    shown = {k: v for k, v in frame.filters.describe().items() if v not in (None, 0.0)}
    text = "filters: " + ", ".join(f"{k}={v}" for k, v in shown.items())
    return text + (f". {extra}" if extra else "")
