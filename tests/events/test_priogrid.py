"""PRIO-GRID is defined once (kharita.geo) and every path gives the same cell.

Edges (lon +-180, lat +-90, exact cell boundaries, NULL/NaN, out of range), the three
forms (Python, numpy, Ibis on DuckDB) against each other on random points, the ingest
path and the in-store fixture, and the ``priogrid_gid`` column of the real UCDP files.
"""

from __future__ import annotations

import ast
import math
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kharita.geo import (
    N_CELLS,
    priogrid_cell,
    priogrid_expr,
    priogrid_gid,
    priogrid_gids,
)
from kharita.store.base import open_store

SRC = Path(__file__).resolve().parents[2] / "src" / "kharita"

# (lat, lon, gid): gid = row * 720 + col + 1; None where the point has no cell.
EDGES = [
    (-90.0, -180.0, 1),                     # south-west corner: first cell
    (-90.0, 180.0, 720),                    # lon 180 is the last column, not col 720
    (90.0, -180.0, 359 * 720 + 1),          # lat 90 is the last row, not row 360
    (90.0, 180.0, N_CELLS),                 # north-east corner: last cell
    (-12.0, 180.0, 156 * 720 + 719 + 1),    # 113040 (the old fixtures said 113041)
    (-12.0, -180.0, 156 * 720 + 0 + 1),
    (0.0, 0.0, 180 * 720 + 360 + 1),        # on both boundaries: the cell north-east
    (-0.0, -0.0, 180 * 720 + 360 + 1),
    (0.5, 0.5, 181 * 720 + 361 + 1),        # exact boundary: the cell north-east
    (0.4999999999, 0.4999999999, 180 * 720 + 360 + 1),
    (-0.5, -0.5, 179 * 720 + 359 + 1),
    (-0.0000001, -0.0000001, 179 * 720 + 359 + 1),
    (89.75, 179.75, N_CELLS),
    (89.5, 179.5, N_CELLS),
    (-89.5, -179.5, 720 + 1 + 1),
    (13.0, 13.0, 148707),                   # north-east Nigeria
    (11.84644, 13.160274, 146547),          # Maiduguri, UCDP GED id 15960
    (90.0000001, 0.0, None),
    (-90.0000001, 0.0, None),
    (0.0, 180.0000001, None),
    (0.0, -180.0000001, None),
    (float("nan"), 0.0, None),
    (0.0, float("nan"), None),
    (float("inf"), 0.0, None),
    (None, 0.0, None),
    (0.0, None, None),
    (None, None, None),
]


@pytest.fixture(scope="module")
def store():
    s = open_store(":memory:")
    yield s
    s.close()


def _ibis_gids(store, lat, lon) -> list[int | None]:
    t = ibis.memtable(pd.DataFrame({"lat": pd.array(lat, dtype="Float64"),
                                    "lon": pd.array(lon, dtype="Float64")}))
    t = t.mutate(lat=t.lat.cast("float64"), lon=t.lon.cast("float64"))
    out = store.ibis.execute(t.select(g=priogrid_expr(t.lat, t.lon)))["g"]
    return [None if pd.isna(v) else int(v) for v in out]


def _nan(v: float | None) -> float:
    return float("nan") if v is None else v


@pytest.mark.parametrize(("lat", "lon", "gid"), EDGES, ids=lambda v: str(v))
def test_edges_scalar(lat, lon, gid) -> None:
    assert priogrid_gid(lat, lon) == gid


def test_edges_numpy_and_ibis(store) -> None:
    want = [g for *_, g in EDGES]
    lat = [_nan(a) for a, _, _ in EDGES]
    lon = [_nan(b) for _, b, _ in EDGES]
    assert priogrid_gids(lat, lon).tolist() == want
    # NULL and NaN both mean no cell on the engine; inf passes through as a double
    assert _ibis_gids(store, [a for a, _, _ in EDGES], [b for _, b, _ in EDGES]) == want
    assert _ibis_gids(store, lat, lon) == want


def test_every_cell_boundary_belongs_to_the_cell_north_east() -> None:
    # every boundary line of the grid, at once: the cell's own south-west corner
    rows, cols = np.meshgrid(np.arange(360), np.arange(720), indexing="ij")
    lat = -90.0 + rows.ravel() * 0.5
    lon = -180.0 + cols.ravel() * 0.5
    gid = priogrid_gids(lat, lon)
    assert not gid.mask.any()
    assert np.array_equal(gid.data, np.arange(1, N_CELLS + 1))
    # and the centre of every cell maps back to it
    centres = np.array([priogrid_cell(g) for g in range(1, N_CELLS + 1, 997)])
    assert priogrid_gids(centres[:, 0], centres[:, 1]).tolist() == \
        list(range(1, N_CELLS + 1, 997))
    with pytest.raises(ValueError):
        priogrid_cell(0)


coords = st.tuples(
    st.one_of(st.floats(-90, 90), st.sampled_from([-90.0, 90.0, -0.5, 0.0, 12.5]),
              st.integers(-180, 180).map(lambda k: k * 0.5), st.floats(-91, 91)),
    st.one_of(st.floats(-180, 180), st.sampled_from([-180.0, 180.0, -0.5, 0.0]),
              st.integers(-360, 360).map(lambda k: k * 0.5), st.floats(-181, 181)))


@settings(max_examples=60, deadline=None)
@given(st.lists(coords, min_size=1, max_size=40))
def test_numpy_ibis_and_python_agree(store, points) -> None:
    lat = [p[0] for p in points]
    lon = [p[1] for p in points]
    py = [priogrid_gid(a, b) for a, b in points]
    assert priogrid_gids(lat, lon).tolist() == py
    assert _ibis_gids(store, lat, lon) == py
    eps = 1e-12  # the rule runs in doubles: lat + 90 rounds up to a boundary from below it
    for (a, b), g in zip(points, py, strict=True):
        assert (g is None) == (not (-90 <= a <= 90 and -180 <= b <= 180))
        if g is not None:
            row, col = divmod(g - 1, 720)
            assert -90 + row * 0.5 - eps <= a and (a < -90 + (row + 1) * 0.5 or row == 359)
            assert -180 + col * 0.5 - eps <= b and (b < -180 + (col + 1) * 0.5 or col == 719)


def test_ingest_path_agrees_at_the_edges(store) -> None:
    from kharita.events.sources._common import priogrid

    pts = [(a, b, g) for a, b, g in EDGES
           if a is not None and b is not None and not math.isnan(a) and not math.isnan(b)
           and g is not None]  # ingest quarantines the others before computing a cell
    t = ibis.memtable(pd.DataFrame({"lat": [p[0] for p in pts], "lon": [p[1] for p in pts]}))
    got = store.ibis.execute(t.select(g=priogrid(t.lat, t.lon)))["g"].astype(int).tolist()
    assert got == [p[2] for p in pts]


def test_fixture_cells_are_the_geo_cells() -> None:
    from kharita.store.synthetic import insert_synthetic_events

    s = open_store(":memory:")
    insert_synthetic_events(s, 5_000, seed=4)
    ev = s.sql("SELECT latitude, longitude, priogrid_gid FROM events")
    assert ev.priogrid_gid.notna().all()
    assert priogrid_gids(ev.latitude, ev.longitude).tolist() == ev.priogrid_gid.tolist()
    s.close()


def _grid_arithmetic(node: ast.AST) -> bool:
    """``x * 720`` / ``720 * x`` or ``x / 0.5``, or SQL text with either."""
    if isinstance(node, ast.BinOp):
        sides = [n.value for n in (node.left, node.right) if isinstance(n, ast.Constant)]
        return ((isinstance(node.op, ast.Mult) and 720 in sides)
                or (isinstance(node.op, ast.Div) and isinstance(node.right, ast.Constant)
                    and node.right.value == 0.5))
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return "* 720" in node.value or "/ 0.5" in node.value
    return False


def test_the_formula_is_written_once() -> None:
    """No module but kharita.geo spells out the grid (``* 720``, ``/ 0.5``)."""
    offenders = [f"{path.relative_to(SRC)}:{getattr(node, 'lineno', '?')}"
                 for path in sorted(SRC.rglob("*.py")) if path != SRC / "geo.py"
                 for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                 if _grid_arithmetic(node)]
    assert offenders == []
    bad = ast.parse("row * 720 + col", mode="eval").body
    assert isinstance(bad, ast.BinOp) and _grid_arithmetic(bad.left)  # the check can fail


# -- the real UCDP GED files ---------------------------------------------------------------

UCDP_FILES = ("conflict_data_nga.csv", "conflict_data_irq.csv", "ucdpged.csv",
              "ucdp_syria_df.csv.gz")


@pytest.mark.parametrize("name", UCDP_FILES)
def test_agrees_with_the_ucdp_priogrid_column(shared_data, name) -> None:
    raw = pd.read_csv(shared_data / "ucdp-ged" / name, low_memory=False)
    raw = raw[~raw["id"].astype(str).str.startswith("#") & raw["id"].notna()]  # HXL row
    lat = pd.to_numeric(raw.latitude).to_numpy()
    lon = pd.to_numeric(raw.longitude).to_numpy()
    want = pd.to_numeric(raw.priogrid_gid).astype("int64").to_numpy()
    ours = priogrid_gids(lat, lon)
    assert not ours.mask.any()
    bad = raw[ours.data != want]
    # every row, whatever its where_prec (1 exact ... 7 international waters)
    assert len(bad) == 0, bad[["id", "latitude", "longitude", "priogrid_gid", "where_prec"]]
    assert len(raw) > 900
    # UCDP puts points on a cell edge (whole and half degrees) in the cell north-east
    # of it, as kharita does: 1,370 of the 29,642 rows of the four files are on an edge
    on_edge = ((lat * 2) % 1 == 0) | ((lon * 2) % 1 == 0)
    assert on_edge.sum() > 50 and (ours.data[on_edge] == want[on_edge]).all()


@pytest.mark.spark
def test_edges_on_spark(tmp_path) -> None:
    s = open_store(tmp_path / "spark", engine="spark")
    lat = [_nan(a) for a, _, _ in EDGES]
    lon = [_nan(b) for _, b, _ in EDGES]
    s.register("pts", pd.DataFrame({"lat": lat, "lon": lon}, dtype="float64"))
    t = s.table("pts")
    out = s.ibis.execute(t.select(g=priogrid_expr(t.lat, t.lon)))["g"]
    assert [None if pd.isna(v) else int(v) for v in out] == [g for *_, g in EDGES]
