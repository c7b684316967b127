"""Copy the web workbench's third-party assets into ``src/kharita/web/static``.

Run from this folder after ``npm install --no-package-lock`` (see package.json):

    npm install --no-package-lock --no-audit --no-fund && python vendor_assets.py

It copies the minified JS with the version in the file name and converts the
Natural Earth 1:110m country outlines of ``world-atlas`` (TopoJSON) into a compact
JSON of lon/lat rings per country (ISO 3166-1 alpha-3 codes from pycountry), which
both the brief (inlined) and the web pages draw without any network access.
node_modules is never committed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pycountry

HERE = Path(__file__).resolve().parent
NM = HERE / "node_modules"
STATIC = HERE.parent / "src" / "kharita" / "web" / "static"


def _version(pkg: str) -> str:
    return str(json.loads((NM / pkg / "package.json").read_text())["version"])


def _decode_arcs(topo: dict) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((round(x * sx + tx, 2), round(y * sy + ty, 2)))
        arcs.append(pts)
    return arcs


def _ring(arcs: list[list[tuple[float, float]]], idx: list[int]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for i in idx:
        pts = arcs[i] if i >= 0 else list(reversed(arcs[~i]))
        out.extend(pts if not out else pts[1:])
    return out


def outlines(topo_path: Path, version: str) -> dict:
    topo = json.loads(topo_path.read_text())
    arcs = _decode_arcs(topo)
    countries = []
    for geom in topo["objects"]["countries"]["geometries"]:
        polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        xs: list[float | None] = []
        ys: list[float | None] = []
        for poly in polys:
            for ring_idx in poly:
                ring = _ring(arcs, ring_idx)
                if xs:
                    xs.append(None)
                    ys.append(None)
                xs.extend(p[0] for p in ring)
                ys.extend(p[1] for p in ring)
        num = geom.get("id")
        rec = pycountry.countries.get(numeric=num) if num else None
        countries.append({"iso3": rec.alpha_3 if rec else None,
                          "name": geom["properties"]["name"], "x": xs, "y": ys})
    return {"source": f"Natural Earth 1:110m admin 0 countries via npm world-atlas {version} "
                      "(public domain data; package ISC licence)",
            "countries": countries}


def main() -> None:
    STATIC.mkdir(parents=True, exist_ok=True)
    plotly_v = _version("plotly.js-cartesian-dist-min")
    cyto_v = _version("cytoscape")
    atlas_v = _version("world-atlas")
    shutil.copyfile(NM / "plotly.js-cartesian-dist-min" / "plotly-cartesian.min.js",
                    STATIC / f"plotly-cartesian-{plotly_v}.min.js")
    shutil.copyfile(NM / "cytoscape" / "dist" / "cytoscape.min.js",
                    STATIC / f"cytoscape-{cyto_v}.min.js")
    data = outlines(NM / "world-atlas" / "countries-110m.json", atlas_v)
    (STATIC / f"ne-110m-countries-{atlas_v}.json").write_text(
        json.dumps(data, separators=(",", ":")))
    print(f"plotly.js cartesian {plotly_v}, cytoscape {cyto_v}, world-atlas {atlas_v} -> {STATIC}")


if __name__ == "__main__":
    main()
