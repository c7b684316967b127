"""Seeded synthetic events written straight into a store (a million rows a second).

For examples, doctests, tests and benchmarks. The events follow the project's one table
of synthetic branches, :data:`kharita.events.sources.synthetic.BRANCHES` (its areas and
yearly weights: the core declines, Africa rises); the file-level generator in that module
writes the same structure as UCDP- and GDELT-format files. Everything is labelled
synthetic (``source='synthetic'``, ``synthetic=TRUE``, ids ``synthetic:<seed>:<i>``,
source version ``synthetic-<seed>``, KB version ``synthetic``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from kharita.errors import UserInputError
from kharita.events.sources.synthetic import COUNTRIES, area_shares, source_version
from kharita.geo import priogrid_gids
from kharita.store.base import Store
from kharita.store.sql.synthetic import GENERATED_COLUMNS, attributions_sql, events_sql

SYNTHETIC_START = dt.date(2014, 1, 1)
SYNTHETIC_END = dt.date(2024, 12, 31)
#: Share of synthetic Sahel events carrying a joint "is-sahel and/or jnim" label.
SYNTHETIC_AMBIGUOUS = 0.3
JOINT_BRANCH = "is-sahel"
JOINT_PARTNER = "jnim"
JOINT_LABEL = "JNIM and/or Islamic State (Sahel)"
#: Event types and their shares.
EVENT_TYPE_SHARES: tuple[tuple[str, float], ...] = (
    ("battle", 0.5), ("explosion_remote", 0.25), ("violence_against_civilians", 0.25))
#: Events generated (and appended) per step, so memory stays flat for large fixtures.
CHUNK = 1_000_000
_VIEW = "_kh_synthetic"


def synthetic_events_table(n_events: int, *, seed: int = 0, start: dt.date = SYNTHETIC_START,
                           end: dt.date = SYNTHETIC_END, offset: int = 0) -> pa.Table:
    """``n_events`` generated events (columns :data:`GENERATED_COLUMNS`), numbered from
    ``offset``.

    Days are uniform over ``[start, end]``; each event's (branch, area) is drawn with the
    shares of its year (:func:`kharita.events.sources.synthetic.area_shares`); its
    coordinates are normal around the area's centroid (standard deviation the area's
    spread, clipped to twice it, as in the file generator); fatalities are
    ``floor(Exp(mean 3))``; about :data:`SYNTHETIC_AMBIGUOUS` of the
    :data:`JOINT_BRANCH` events are joint. Deterministic for ``(seed, offset)``.

    >>> t = synthetic_events_table(1000, seed=1)
    >>> t.num_rows, t.column_names == list(GENERATED_COLUMNS)
    (1000, True)
    """
    n = int(n_events)
    rng = np.random.default_rng([int(seed), int(offset)])
    days = (end - start).days + 1
    years = list(range(start.year, end.year + 1))
    areas, shares = area_shares(years)
    day = rng.integers(0, days, n)
    date = np.datetime64(start, "D") + day
    year_ix = date.astype("datetime64[Y]").astype(np.int64) + 1970 - years[0]
    u = rng.random(n)
    cum = np.cumsum(shares, axis=1)
    cum[:, -1] = 1.0
    k = np.empty(n, dtype=np.int64)
    for y in range(len(years)):
        m = year_ix == y
        k[m] = np.minimum(np.searchsorted(cum[y], u[m], side="right"), len(areas) - 1)
    a_lat = np.array([a[2] for _, a in areas])
    a_lon = np.array([a[3] for _, a in areas])
    sd = np.array([a[4] for _, a in areas])[k]
    lat = np.round(a_lat[k] + np.clip(rng.normal(0.0, 1.0, n) * sd, -2 * sd, 2 * sd), 6)
    lon = np.round(a_lon[k] + np.clip(rng.normal(0.0, 1.0, n) * sd, -2 * sd, 2 * sd), 6)
    fat = np.floor(rng.exponential(3.0, n)).astype(np.int64)
    branch_ids = [b.key for b, _ in areas]
    joint = (np.array([b == JOINT_BRANCH for b in branch_ids])[k]
             & (rng.random(n) < SYNTHETIC_AMBIGUOUS))
    etypes = [t for t, _ in EVENT_TYPE_SHARES]
    e_cum = np.cumsum([w for _, w in EVENT_TYPE_SHARES])
    etype = np.minimum(np.searchsorted(e_cum / e_cum[-1], rng.random(n), side="right"),
                       len(etypes) - 1)

    def text(codes: np.ndarray, values: list[str]) -> pa.Array:
        return pa.DictionaryArray.from_arrays(
            pa.array(codes.astype(np.int32)), pa.array(values, pa.string())).cast(pa.string())

    cols = {
        "i": pa.array(np.arange(offset, offset + n, dtype=np.int64)),
        "d": pa.array(date.astype("datetime64[D]")),
        "entity_id": text(k, branch_ids),
        "iso3": text(k, [a[0] for _, a in areas]),
        "country": text(k, [COUNTRIES[a[0]][0] for _, a in areas]),
        "admin1": text(k, [a[1] for _, a in areas]),
        "lat": pa.array(lat), "lon": pa.array(lon),
        "gid": pa.array(priogrid_gids(lat, lon)),
        "fat": pa.array(fat), "joint": pa.array(joint),
        "etype": text(etype, etypes),
    }
    return pa.table({c: cols[c] for c in GENERATED_COLUMNS})


def insert_synthetic_events(store: Store, n_events: int, *, seed: int = 0,
                            start: dt.date = SYNTHETIC_START,
                            end: dt.date = SYNTHETIC_END) -> int:
    """Insert ``n_events`` seeded synthetic events and their attributions.

    The events come from :func:`synthetic_events_table` (the shared branch table);
    each is attributed to its branch at confidence 1, or, for a joint event, to
    :data:`JOINT_BRANCH` and :data:`JOINT_PARTNER` at 0.5 each (rule ``synthetic``, KB
    version ``synthetic``). Runs through the store's API (``register``, ``append``), so
    it works on every engine and gives the same rows on each. For examples, tests and
    benchmarks only.

    Returns the number of events inserted.

    >>> from kharita.store.base import open_store
    >>> s = open_store(":memory:")
    >>> insert_synthetic_events(s, 2_000, seed=1)
    2000
    >>> s.scalar("SELECT count(*) FROM events WHERE synthetic AND source = 'synthetic'")
    2000
    """
    if n_events < 0:
        raise UserInputError(f"n_events must be >= 0, got {n_events}")
    if end < start:
        raise UserInputError(f"end {end} is before start {start}")
    done = 0
    while done < n_events:
        n = min(CHUNK, n_events - done)
        table = synthetic_events_table(n, seed=seed, start=start, end=end, offset=done)
        store.register(_VIEW, table)
        try:
            store.append("events", events_sql(_VIEW, seed, source_version(seed), JOINT_LABEL))
            store.append("attributions", attributions_sql(_VIEW, seed, JOINT_PARTNER, 0.5))
        finally:
            _release(store, table)
        done += n
    return done


def _release(store: Store, table: pa.Table) -> None:
    """Drop the registered view (or, where the engine cannot drop a registered view
    through ``drop_temp``, replace it by an empty one so its rows are freed)."""
    try:
        store.drop_temp(_VIEW)
    except Exception:  # DuckDBStore.drop_temp tries DROP TABLE on a registered view first
        store.register(_VIEW, table.slice(0, 0))
