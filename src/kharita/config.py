"""Settings, declared once: name, environment variable, default and help.

Library functions take settings as arguments; only the CLI and web layers read
the environment through :func:`setting`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("store", "KHARITA_STORE", "kharita.duckdb",
            "Path of the DuckDB event store used by ingest, attribute, analyses, brief, serve."),
    Setting("engine", "KHARITA_ENGINE", "duckdb",
            "Default store engine: duckdb (one file) or spark (a directory of Parquet "
            "tables); --engine overrides it."),
    Setting("spark_master", "KHARITA_SPARK_MASTER", "",
            "Spark master for --engine spark (e.g. spark://host:7077, yarn); empty means "
            "local[2]."),
    Setting("kb_path", "KHARITA_KB_PATH", "",
            "Overlay KB files or folders (separated by the OS path separator) loaded on top "
            "of the shipped KB."),
    Setting("cache_dir", "KHARITA_CACHE", str(Path.home() / ".cache" / "kharita"),
            "Where `kharita fetch` keeps downloaded releases."),
    Setting("ucdp_base_url", "KHARITA_UCDP_BASE_URL", "https://ucdp.uu.se/downloads/ged",
            "Base URL of UCDP GED downloads for `kharita fetch ucdp`."),
    Setting("link_threshold", "KHARITA_LINK_THRESHOLD", "0.3",
            "Match probability from which two reports of different datasets are one "
            "incident (`kharita link`; --threshold overrides it)."),
    Setting("require_shared", "KHARITA_REQUIRE_SHARED", "0",
            "Tests only: 1 makes tests that need ../shared/data fail instead of skip."),
)


def setting(name: str) -> str:
    """Current value of a setting: its environment variable, or its default.

    >>> setting("engine") in ("duckdb", "spark")
    True
    """
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(s.env) or s.default
    raise KeyError(f"unknown setting {name!r}; settings: {', '.join(x.name for x in SETTINGS)}")


def setting_paths(name: str) -> list[Path]:
    """A setting that lists paths (``kb_path``), split on the OS path separator
    (``:`` on POSIX, ``;`` on Windows); blank entries are dropped.

    >>> setting_paths("kb_path") == [Path(p) for p in setting("kb_path").split(os.pathsep) if p]
    True
    """
    return [Path(p.strip()) for p in setting(name).split(os.pathsep) if p.strip()]
