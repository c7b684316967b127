"""Seeded synthetic events written straight into a store (SQL, a million rows a second).

For examples, doctests, tests and benchmarks. Everything is labelled synthetic
(``source='synthetic'``, ``synthetic=TRUE``, ids ``synthetic:<seed>:<i>``, KB version
``synthetic``). The file-level generator (UCDP- and GDELT-format files with planted
structure) is :mod:`kharita.events.sources.synthetic`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from kharita.errors import UserInputError
from kharita.store.base import Store
from kharita.store.sql.common import q as _q

#: Synthetic branches: (branch id, ISO3, admin1, lat, lon, weight in 2014, weight in 2024).
SYNTHETIC_BRANCHES: tuple[tuple[str, str, str, float, float, float, float], ...] = (
    ("is-iraq", "IRQ", "Nineveh", 36.3, 43.1, 40.0, 4.0),
    ("is-syria", "SYR", "Deir ez-Zor", 35.3, 40.1, 40.0, 6.0),
    ("is-west-africa", "NGA", "Borno", 12.0, 13.5, 4.0, 30.0),
    ("is-sahel", "MLI", "Menaka", 15.9, 2.4, 1.0, 12.0),
    ("is-central-africa", "COD", "Nord-Kivu", 0.5, 29.5, 0.5, 14.0),
    ("is-mozambique", "MOZ", "Cabo Delgado", -12.0, 40.3, 0.5, 8.0),
    ("is-somalia", "SOM", "Bari", 10.5, 49.5, 0.5, 3.0),
    ("is-khorasan", "AFG", "Nangarhar", 34.4, 70.5, 2.0, 8.0),
    ("is-sinai", "EGY", "North Sinai", 31.0, 33.8, 3.0, 1.0),
    ("is-libya", "LBY", "Sirte", 31.2, 16.6, 4.0, 1.0),
    ("is-east-asia", "PHL", "Lanao del Sur", 7.9, 124.3, 1.0, 2.0),
)
SYNTHETIC_START = dt.date(2014, 1, 1)
SYNTHETIC_END = dt.date(2024, 12, 31)
#: Share of synthetic Sahel events carrying a joint "is-sahel and/or jnim" label.
SYNTHETIC_AMBIGUOUS = 0.3


def _synthetic_table(years: Sequence[int]) -> str:
    """VALUES table (year, branch, iso3, admin1, lat, lon, lo, hi) of branch probabilities."""
    rows = []
    n_years = max(len(years) - 1, 1)
    for i, year in enumerate(years):
        w = np.array([a + (b - a) * i / n_years for *_, a, b in SYNTHETIC_BRANCHES])
        cum = np.concatenate([[0.0], np.cumsum(w / w.sum())])
        cum[-1] = 1.0 + 1e-9
        for k, (bid, iso, adm, lat, lon, *_rest) in enumerate(SYNTHETIC_BRANCHES):
            rows.append(f"({year}, {_q(bid)}, {_q(iso)}, {_q(adm)}, {lat}, {lon}, "
                        f"{float(cum[k])!r}, {float(cum[k + 1])!r})")
    return ("(VALUES " + ", ".join(rows) + ") AS p(year, branch, iso3, admin1, lat, lon, "
            "lo, hi)")


def insert_synthetic_events(store: Store, n_events: int, *, seed: int = 0,
                            start: dt.date = SYNTHETIC_START,
                            end: dt.date = SYNTHETIC_END) -> int:
    """Insert ``n_events`` seeded synthetic events and their attributions (in SQL).

    Everything is labelled synthetic (``source='synthetic'``, ``synthetic=TRUE``,
    event ids ``synthetic:<seed>:<i>``). Branch shares move linearly from the 2014 to
    the 2024 weights of :data:`SYNTHETIC_BRANCHES` (the core declines, Africa rises);
    coordinates scatter about 1 degree around each branch's centre; about
    :data:`SYNTHETIC_AMBIGUOUS` of the Sahel events carry a joint label (candidates
    ``is-sahel`` and ``jnim`` at 0.5 each). Deterministic for a seed: pseudo-random
    numbers come from ``hash(i, seed)`` in the engine, so a million rows take about a
    second. For examples, tests and benchmarks only; the project's general synthetic
    generator is ``kharita.events.sources.synthetic``.

    Returns the number of events inserted.
    """
    if n_events < 0:
        raise UserInputError(f"n_events must be >= 0, got {n_events}")
    days = (end - start).days + 1
    years = list(range(start.year, end.year + 1))
    s = int(seed)

    def u(k: int) -> str:  # uniform [0, 1) from hash(i, seed, k)
        return f"((hash(i, {s}, {k}) % 1000000007) / 1000000007.0)"

    table = _synthetic_table(years)
    store.execute(f"""
CREATE OR REPLACE TEMP TABLE _syn AS
WITH base AS (
  SELECT i, DATE {_q(start.isoformat())} + CAST(floor({u(1)} * {days}) AS INTEGER) AS d,
         {u(2)} AS ub, {u(3)} AS ux, {u(4)} AS uy, {u(5)} AS uf, {u(6)} AS ua, {u(7)} AS ut
  FROM range({int(n_events)}) t(i)
)
SELECT b.i, b.d, p.branch, p.iso3, p.admin1,
       LEAST(89.9, GREATEST(-89.9, p.lat + (b.uy - 0.5) * 2.0)) AS lat,
       p.lon + (b.ux - 0.5) * 2.0 AS lon,
       CAST(floor(-ln(1 - b.uf) * 3.0) AS INTEGER) AS fat,
       (p.branch = 'is-sahel' AND b.ua < {SYNTHETIC_AMBIGUOUS}) AS joint,
       CASE WHEN b.ut < 0.5 THEN 'battle' WHEN b.ut < 0.75 THEN 'explosion_remote'
            ELSE 'violence_against_civilians' END AS etype
FROM base b JOIN {table}
  ON p.year = year(b.d) AND b.ub >= p.lo AND b.ub < p.hi
""")
    store.execute(f"""
INSERT INTO events (event_id, source, source_version, source_event_id, date_start, date_end,
  date_precision, country_iso3, admin1, latitude, longitude, geo_precision, priogrid_gid,
  event_type, actor1_name, fatalities_best, fatalities_low, fatalities_high, synthetic)
SELECT 'synthetic:{s}:' || i, 'synthetic', 'analysis-{s}', CAST(i AS VARCHAR), d, d, 'day',
       iso3, admin1, lat, lon, 1,
       CAST(floor((lat + 90) / 0.5) * 720 + floor((lon + 180) / 0.5) + 1 AS INTEGER),
       etype, CASE WHEN joint THEN 'JNIM and/or Islamic State (Sahel)' ELSE branch END,
       fat, CAST(floor(fat * 0.7) AS INTEGER), CAST(ceil(fat * 1.5) AS INTEGER), TRUE
FROM _syn
""")
    store.execute(f"""
INSERT INTO attributions (event_id, entity_id, side, confidence, rule, detail, kb_version)
SELECT 'synthetic:{s}:' || i, branch, 1, CASE WHEN joint THEN 0.5 ELSE 1.0 END,
       'synthetic', 'synthetic event (analysis fixture)', 'synthetic' FROM _syn
UNION ALL
SELECT 'synthetic:{s}:' || i, 'jnim', 1, 0.5, 'synthetic', 'joint label', 'synthetic'
FROM _syn WHERE joint
""")
    n = int(store.scalar("SELECT COUNT(*) FROM _syn"))
    store.execute("DROP TABLE _syn")
    return n


# -- bootstrap over events within periods -------------------------------------------------


def multinomial_bootstrap(counts: np.ndarray, contrib: np.ndarray, n_boot: int,
                          rng: np.random.Generator) -> np.ndarray:
    """Bootstrap totals of one period by resampling its events with replacement.

    The period's ``n = counts.sum()`` events fall into ``J`` distinct patterns
    (``counts[j]`` events each); pattern ``j`` contributes ``contrib[j, :]`` to the
    ``K`` totals. Resampling ``n`` events with replacement is a multinomial draw
    over the patterns (Efron & Tibshirani 1993, ch. 6), so the cost is ``O(J)``
    instead of ``O(n)`` per replicate.

    Returns an array ``(n_boot, K)`` of resampled totals.

    >>> rng = np.random.default_rng(0)
    >>> out = multinomial_bootstrap(np.array([3, 1]), np.array([[1.0, 0.0], [0.0, 1.0]]), 5, rng)
    >>> out.shape, bool((out.sum(axis=1) == 4).all())
    ((5, 2), True)
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    if n == 0:
        return np.zeros((n_boot, contrib.shape[1]))
    draws = rng.multinomial(n, counts / n, size=n_boot)
    return draws @ np.asarray(contrib, dtype=float)
