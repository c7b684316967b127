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

    ``x``/``y`` are longitude/latitude rings separated by ``null``. A ring that crosses
    the antimeridian (Fiji, Russia, Antarctica) is cut where it jumps by more than 180
    degrees of longitude, so no line is drawn across the whole map.

    >>> any(c["iso3"] == "NGA" for c in outlines()["countries"])
    True
    >>> fji = next(c for c in outlines()["countries"] if c["iso3"] == "FJI")
    >>> xs = fji["x"]
    >>> max(abs(a - b) for a, b in zip(xs, xs[1:]) if a is not None and b is not None) < 180
    True
    """
    data: dict[str, Any] = json.loads(read_text(OUTLINES_JSON))
    for c in data["countries"]:
        c["x"], c["y"] = split_antimeridian(c["x"], c["y"])
    return data


def split_antimeridian(xs: list[float | None], ys: list[float | None]
                       ) -> tuple[list[float | None], list[float | None]]:
    """Insert a gap (``None``) wherever consecutive longitudes jump by more than 180.

    >>> split_antimeridian([179.0, -179.0, -178.0], [1.0, 1.0, 2.0])
    ([179.0, None, -179.0, -178.0], [1.0, None, 1.0, 2.0])
    """
    ox: list[float | None] = []
    oy: list[float | None] = []
    prev: float | None = None
    for x, y in zip(xs, ys, strict=True):
        if x is not None and prev is not None and abs(x - prev) > 180:
            ox.append(None)
            oy.append(None)
        ox.append(x)
        oy.append(y)
        prev = x
    return ox, oy
