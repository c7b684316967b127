"""kharita: a sourced, time-aware workbench for decentralized transnational armed networks.

The documented Python API (docs/index.md, "Python"): the names below are imported on
first use, so ``import kharita`` (and ``kharita --help``) stays fast.

Stores and data
    :func:`connect` (open an existing store; ``create=True`` to make a new one),
    :func:`open_store`, :func:`ingest_paths`, :func:`attribute_store`
Knowledge base
    :func:`load_kb`, :func:`network_profile`
The analysis frame
    :class:`Filters` (``Filters.make(kb, start=, end=, branches=, ...)``), :func:`build_frame`
Analyses (each takes the frame first)
    :func:`activity`, :func:`geographic_centres`, :func:`region_shares`,
    :func:`africa_crossing`, :func:`concentration`, :func:`shocks`,
    :func:`contagion_analysis`
Outputs
    :func:`build_brief`, :func:`write_brief`, :func:`create_app` (the workbench)

>>> import kharita
>>> store = kharita.connect(":memory:")
>>> kharita.connect("no-such-store.duckdb")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
...
kharita.errors.StoreError: ...
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> module that defines it (imported lazily by :func:`__getattr__`).
_API: dict[str, str] = {
    "open_store": "kharita.store.base",
    "load_kb": "kharita.kb",
    "network_profile": "kharita.kb.network",
    "Filters": "kharita.analysis.frame",
    "build_frame": "kharita.analysis.frame",
    "activity": "kharita.analysis.activity",
    "geographic_centres": "kharita.analysis.geography",
    "region_shares": "kharita.analysis.geography",
    "africa_crossing": "kharita.analysis.geography",
    "concentration": "kharita.analysis.concentration",
    "shocks": "kharita.analysis.shocks",
    "contagion_analysis": "kharita.analysis.contagion",
    "ingest_paths": "kharita.events.ingest",
    "attribute_store": "kharita.events.attribute",
    "build_brief": "kharita.report.brief",
    "write_brief": "kharita.report.brief",
    "create_app": "kharita.web.app",
}

__all__ = ["__version__", "connect", *sorted(_API)]

if TYPE_CHECKING:
    from kharita.store.base import Store


def connect(path: str | os.PathLike[str], *, engine: str = "duckdb", read_only: bool = False,
            create: bool = False) -> Store:
    """Open the kharita store at ``path`` (a DuckDB file, or a Spark store directory with
    ``engine="spark"``).

    A path where no store exists is an error (:class:`kharita.errors.StoreError`) unless
    ``create=True``, so a typo never silently makes an empty store. ``":memory:"`` is a
    scratch DuckDB store.
    """
    from pathlib import Path

    from kharita.store.base import open_store

    where = path if isinstance(path, str) else Path(path)
    return open_store(where, engine=engine, read_only=read_only, create=create)


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'kharita' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
