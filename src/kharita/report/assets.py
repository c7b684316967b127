"""The vendored static files (JS, CSS, map outlines) shared by the brief and the web app.

They live in ``kharita/web/static`` (see ``VENDORED.md`` there); the brief inlines
them, the web app serves them from 127.0.0.1. This module only reads files by path:
it imports nothing from :mod:`kharita.web`.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

PLOTLY_JS = "plotly-cartesian-4.1.1.min.js"
CYTOSCAPE_JS = "cytoscape-3.35.0.min.js"
OUTLINES_JSON = "ne-110m-countries-2.0.2.json"
CSS = "kharita.css"
CHARTS_JS = "kharita-charts.js"


def static_dir() -> Path:
    """Folder of the vendored and project static files."""
    return Path(__file__).resolve().parent.parent / "web" / "static"


@functools.lru_cache(maxsize=16)
def read_text(name: str) -> str:
    """Text of one static file (cached)."""
    path = static_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"static asset {name} missing from {static_dir()}: "
                                "the package was installed without its web/static files")
    return path.read_text(encoding="utf-8")


@functools.lru_cache(maxsize=1)
def outlines() -> dict[str, Any]:
    """Natural Earth 1:110m country outlines: {"source", "countries": [{iso3, name, x, y}]}.

    ``x``/``y`` are longitude/latitude rings separated by ``null``.

    >>> any(c["iso3"] == "NGA" for c in outlines()["countries"])
    True
    """
    data: dict[str, Any] = json.loads(read_text(OUTLINES_JSON))
    return data
