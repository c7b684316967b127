"""Seeded synthetic event data in the UCDP GED format (and GDELT 1.0 format).

Everything made here is labelled synthetic: ``source_original`` holds the source
version ``synthetic-<seed>``; ``dyad_name`` (which the UCDP connector stores as the
event's ``description``), ``source_headline``, ``source_article`` and
``where_description`` start with ``SYNTHETIC``; ids start at 900,000,000 (GDELT:
800,000,000). Nothing here is a real event.

Planted structure (documented in ``docs/attribution.md``, "Synthetic data"):

* **Branches in their places.** Each actor ("branch") has a table of admin areas
  with centroids and spreads (:data:`BRANCHES`); an event's coordinates are drawn
  from a normal distribution around its area's centroid (standard deviation
  ``spread`` degrees, clipped to ``2 * spread``), and its ``adm_1``/``country``
  are that area's, spelled as UCDP spells them. This is the project's one table of
  synthetic branches: the fast in-store fixture
  (:func:`kharita.store.synthetic.insert_synthetic_events`) draws its events from the
  same areas and yearly weights (:func:`area_shares`).
* **Activity shifting to Africa.** Each branch has a yearly activity weight
  (:data:`BRANCHES` ``years``): Iraq and Syria peak in 2014-2017 and decline;
  West Africa, the Sahel, Central Africa and Mozambique rise after 2017.
* **Self-exciting clustering in time.** Per branch, a Hawkes process in its
  cluster (branching) representation [1]_: immigrant events arrive with the
  branch's daily intensity mu_b(t); every event has Poisson(eta) children after
  an Exp(mean ``delay_days``) delay, in the same admin area; eta
  (``branching``, default 0.5) < 1 is the branching ratio, so a share 1 - eta of
  events are immigrants and clusters have mean size 1 / (1 - eta).
* **Step changes.** ``step_changes=[(branch, date, factor)]`` multiplies the
  branch's immigrant intensity from ``date`` on by ``factor`` (offspring follow),
  for event-study tests.
* **Other actors.** JAS in north-east Nigeria, and non-IS actors (al-Shabaab,
  HTS, the Taliban) with their own profiles; governments and civilians as the
  other side. Only UCDP's ids 234 (IS) and 1 (civilians) and the government ids
  seen in the real GED files are real UCDP ids; the rest are synthetic (>= 90000).

References
----------
.. [1] Hawkes, A. G. and Oakes, D. (1974). A cluster process representation of a
   self-exciting process. Journal of Applied Probability 11(3), 493-503.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from kharita.errors import UserInputError
from kharita.geo import priogrid_gids

#: The current 49-column UCDP GED schema (GED 23.1), in file order.
GED_COLUMNS: Final = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence",
    "conflict_dset_id", "conflict_new_id", "conflict_name", "dyad_dset_id", "dyad_new_id",
    "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a", "side_b_dset_id",
    "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates",
    "where_description", "adm_1", "adm_2", "latitude", "longitude", "geom_wkt",
    "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec",
    "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown",
    "best", "high", "low", "gwnoa", "gwnob")

YEARS: Final = tuple(range(2013, 2025))

# country -> (UCDP country name, Gleditsch-Ward code, region, government actor id)
COUNTRIES: Final[dict[str, tuple[str, int, str, int]]] = {
    "IRQ": ("Iraq", 645, "Middle East", 116),
    "SYR": ("Syria", 652, "Middle East", 118),
    "NGA": ("Nigeria", 475, "Africa", 84),
    "NER": ("Niger", 436, "Africa", 90436),
    "CMR": ("Cameroon", 471, "Africa", 83),
    "MLI": ("Mali", 432, "Africa", 90432),
    "BFA": ("Burkina Faso", 439, "Africa", 90439),
    "COD": ("DR Congo (Zaire)", 490, "Africa", 90490),
    "MOZ": ("Mozambique", 541, "Africa", 90541),
    "SOM": ("Somalia", 520, "Africa", 90520),
    "AFG": ("Afghanistan", 700, "Asia", 130),
    "EGY": ("Egypt", 651, "Middle East", 117),
    "LBY": ("Libya", 620, "Africa", 111),
    "PHL": ("Philippines", 840, "Asia", 154),
    "YEM": ("Yemen (North Yemen)", 678, "Middle East", 90678),
}


@dataclass(frozen=True)
class Branch:
    """One synthetic actor: its UCDP-style name and id, areas and yearly weights."""

    key: str
    actor: str
    actor_id: int
    # (iso3, adm_1, lat, lon, spread in degrees, weight)
    areas: tuple[tuple[str, str, float, float, float, float], ...]
    years: tuple[float, ...]  # weight per year in YEARS
    opponent: str = ""  # non-state opponent (type 2)
    opponent_id: int = 0


def _w(*vals: float) -> tuple[float, ...]:
    assert len(vals) == len(YEARS)
    return vals


#                                   2013 14  15  16  17  18  19  20  21  22  23  24
BRANCHES: Final[tuple[Branch, ...]] = (
    Branch("is-iraq", "IS", 234, (
        ("IRQ", "Nīnawá province", 36.3, 42.8, 0.35, 3),
        ("IRQ", "Al Anbār province", 33.4, 42.5, 0.5, 3),
        ("IRQ", "Şalāḩ ad Dīn province", 34.6, 43.6, 0.3, 2),
        ("IRQ", "Diyālá province", 33.9, 45.0, 0.25, 1.5),
        ("IRQ", "Kirkūk province", 35.4, 44.0, 0.2, 1.5),
        ("IRQ", "Baghdād province", 33.3, 44.4, 0.12, 1)),
        _w(10, 14, 12, 12, 10, 4, 3, 2.5, 2, 1.2, 0.6, 0.4)),
    Branch("is-syria", "IS", 234, (
        ("SYR", "Deir ez Zor governorate", 35.2, 40.3, 0.4, 4),
        ("SYR", "Ar Raqqah governorate", 35.9, 38.9, 0.3, 2),
        ("SYR", "Al Hasakah governorate", 36.4, 40.8, 0.3, 1.5),
        ("SYR", "Homs governorate", 34.6, 38.2, 0.45, 2),
        ("SYR", "Aleppo governorate", 36.3, 37.6, 0.25, 1)),
        _w(6, 14, 15, 14, 16, 7, 4, 3, 2.5, 1.5, 0.8, 0.6),
        "SDF", 6288),
    Branch("is-west-africa", "IS", 234, (
        ("NGA", "Borno state", 12.0, 13.3, 0.45, 8),
        ("NGA", "Yobe state", 12.3, 11.5, 0.35, 1.5),
        ("NGA", "Adamawa state", 10.3, 13.2, 0.25, 1),
        ("NER", "Diffa region", 13.5, 12.6, 0.3, 1),
        ("CMR", "Far North region", 11.0, 14.2, 0.3, 0.8)),
        _w(0, 0, 3, 3, 2, 3, 5, 6, 6.5, 6, 5, 5)),
    Branch("is-sahel", "IS", 234, (
        ("NER", "Tillabéri region", 14.6, 1.4, 0.35, 2),
        ("MLI", "Ménaka region", 15.9, 2.4, 0.35, 2),
        ("BFA", "Sahel region", 14.1, -0.4, 0.35, 1.5)),
        _w(0, 0, 0, 0.3, 0.6, 1.5, 3, 4, 4, 4.5, 4, 3.5),
        "JNIM", 90716),
    Branch("is-central-africa", "IS", 234, (
        ("COD", "Nord Kivu province", 0.5, 29.5, 0.3, 2),
        ("COD", "Ituri province", 1.4, 29.9, 0.3, 1.5)),
        _w(0, 0, 0, 0, 0, 0, 2, 4, 5, 5, 4.5, 4)),
    Branch("is-mozambique", "IS", 234, (
        ("MOZ", "Cabo Delgado province", -11.6, 40.2, 0.35, 1),),
        _w(0, 0, 0, 0, 0, 0, 1, 3, 2.5, 2.5, 2, 1.5)),
    Branch("is-somalia", "IS", 234, (
        ("SOM", "Bari region", 10.4, 49.6, 0.3, 1),),
        _w(0, 0, 0, 0.2, 0.4, 0.5, 0.5, 0.5, 0.4, 0.4, 0.5, 0.8),
        "Al-Shabaab", 90102),
    Branch("is-khorasan", "IS", 234, (
        ("AFG", "Nangarhār province", 34.3, 70.6, 0.3, 3),
        ("AFG", "Kābul province", 34.5, 69.2, 0.12, 1)),
        _w(0, 0, 1.5, 2.5, 3, 3, 2.5, 1.5, 2.5, 1.5, 0.6, 0.5),
        "Taleban", 90303),
    Branch("is-sinai", "IS", 234, (
        ("EGY", "North Sinai governorate", 31.0, 33.8, 0.2, 1),),
        _w(0, 0, 2, 2, 2, 1.5, 1.2, 1, 0.6, 0.3, 0.1, 0.05)),
    Branch("is-libya", "IS", 234, (
        ("LBY", "Surt district", 30.8, 16.6, 0.4, 1),),
        _w(0, 0.3, 1.5, 1.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.05, 0.02, 0.02)),
    Branch("is-east-asia", "IS", 234, (
        ("PHL", "Lanao del Sur province", 7.9, 124.3, 0.2, 1),
        ("PHL", "Basilan province", 6.6, 122.0, 0.15, 0.6)),
        _w(0, 0, 0, 0.4, 1.5, 0.6, 0.5, 0.4, 0.3, 0.3, 0.2, 0.1)),
    Branch("is-yemen", "IS", 234, (
        ("YEM", "Al Bayda governorate", 14.2, 45.4, 0.25, 1),),
        _w(0, 0, 0.5, 0.6, 0.6, 0.8, 0.4, 0.3, 0.1, 0.1, 0.05, 0.05)),
    Branch("jas", "Jama'atu Ahlis Sunna Lidda'awati wal-Jihad", 1051, (
        ("NGA", "Borno state", 11.9, 13.6, 0.4, 1),),
        _w(5, 7, 1, 1, 3, 2.5, 2, 1.5, 1, 0.5, 0.4, 0.3)),
    Branch("al-shabaab", "Al-Shabaab", 90102, (
        ("SOM", "Banaadir region", 2.05, 45.3, 0.15, 1),
        ("SOM", "Shabeellaha Hoose region", 1.9, 44.6, 0.35, 1.5)),
        _w(4, 4, 4, 4.5, 5, 5, 5, 5, 5, 5, 5, 5)),
    Branch("hts", "HTS", 90815, (
        ("SYR", "Idlib governorate", 35.8, 36.6, 0.2, 1),),
        _w(0, 0, 0, 0, 2, 2.5, 2.5, 1.5, 1, 1, 0.8, 0.6)),
)

BRANCH_KEYS: Final = tuple(b.key for b in BRANCHES)

#: UCDP's actor id of the Islamic State (side "IS"); the branches with it are the KB
#: network's branches (the others, JAS, al-Shabaab and HTS, are other actors).
IS_ACTOR_ID: Final = 234
NETWORK_BRANCHES: Final[tuple[Branch, ...]] = tuple(
    b for b in BRANCHES if b.actor_id == IS_ACTOR_ID)


def year_weight(branch: Branch, year: int) -> float:
    """The branch's activity weight in ``year`` (years outside :data:`YEARS` take the
    nearest year's weight)."""
    return float(branch.years[min(max(year - YEARS[0], 0), len(YEARS) - 1)])


def area_shares(years: Sequence[int], branches: Sequence[Branch] = NETWORK_BRANCHES
                ) -> tuple[list[tuple[Branch, tuple[str, str, float, float, float, float]]],
                           np.ndarray]:
    """The (branch, area) pairs of ``branches`` and their share of events per year.

    Returns ``(areas, shares)``: ``shares[y, k]`` is the probability that an event of
    year ``years[y]`` is branch ``areas[k][0]`` in area ``areas[k][1]``: the branch's
    :func:`year_weight` times the area's weight within the branch, normalised over the
    year (rows sum to 1; a year where every weight is zero is spread evenly). The
    in-store fixture :func:`kharita.store.synthetic.insert_synthetic_events` draws from it;
    :func:`generate_table` uses the same weights day by day.

    >>> areas, shares = area_shares([2014, 2024])
    >>> shares.shape == (2, len(areas)), bool(np.allclose(shares.sum(axis=1), 1))
    (True, True)
    """
    areas = [(b, a) for b in branches for a in b.areas]
    w = np.zeros((len(years), len(areas)))
    for k, (b, a) in enumerate(areas):
        inner = a[5] / sum(x[5] for x in b.areas)
        w[:, k] = [year_weight(b, y) * inner for y in years]
    tot = w.sum(axis=1, keepdims=True)
    even = np.full_like(w, 1.0 / max(len(areas), 1))
    return areas, np.where(tot > 0, w / np.where(tot > 0, tot, 1.0), even)


def _date(value: object, what: str) -> dt.date:
    """A date from a date or an ISO string; :class:`UserInputError` naming ``what``."""
    try:
        return pd.Timestamp(str(value)).date()
    except ValueError:
        raise UserInputError(f"{what} {value!r}: expected a date (YYYY-MM-DD)") from None


def _day_grid(start: dt.date, end: dt.date) -> np.ndarray:
    return np.arange(np.datetime64(start, "D"), np.datetime64(end, "D") + 1)


def _intensity(days: np.ndarray, step_changes: Sequence[tuple[str, object, float]],
               share: dict[str, float] | None) -> np.ndarray:
    """(branches x days) immigrant intensity, unnormalised."""
    years = days.astype("datetime64[Y]").astype(int) + 1970
    out = np.zeros((len(BRANCHES), len(days)))
    for i, b in enumerate(BRANCHES):
        w = np.array(b.years)
        idx = np.clip(years - YEARS[0], 0, len(YEARS) - 1)
        out[i] = w[idx] * (share.get(b.key, 1.0) if share else 1.0)
    for key, when, factor in step_changes:
        if key not in BRANCH_KEYS:
            raise UserInputError(f"step change for unknown branch {key!r}; branches: "
                                 f"{', '.join(BRANCH_KEYS)}")
        day = np.datetime64(_date(when, "step change date"), "D")
        out[BRANCH_KEYS.index(key), days >= day] *= float(factor)
    return out


def generate_events(rows: int, seed: int = 0, **options: Any) -> pd.DataFrame:
    """Generate ``rows`` synthetic events as a DataFrame (see :func:`generate_table`).

    Examples
    --------
    >>> ev = generate_events(1000, seed=1)
    >>> len(ev), ev["source_headline"].str.startswith("SYNTHETIC").all()
    (1000, np.True_)
    """
    table: pa.Table = generate_table(rows, seed, **options)
    return table.to_pandas()


def generate_table(rows: int, seed: int = 0, *, start: str = "2013-01-01",
                    end: str = "2024-12-31", branching: float = 0.5,
                    delay_days: float = 3.0,
                    step_changes: Sequence[tuple[str, object, float]] = (),
                    branch_share: dict[str, float] | None = None) -> pd.DataFrame:
    """Generate ``rows`` synthetic events (vectorised; see the module docstring).

    Parameters
    ----------
    rows
        Exact number of events.
    seed
        Seed of ``numpy.random.default_rng``; same seed and options, same events.
    start, end
        Date range (inclusive).
    branching
        Hawkes branching ratio eta in [0, 1): mean number of children per event.
    delay_days
        Mean delay of a child after its parent (exponential kernel).
    step_changes
        ``(branch, date, factor)``: the branch's immigrant intensity is multiplied
        by ``factor`` from ``date`` on.
    branch_share
        Optional multiplier per branch key on its whole profile.

    Returns
    -------
    pyarrow.Table
        The 49 GED columns (:data:`GED_COLUMNS`) plus ``synthetic_branch`` (the
        planted branch key, not part of the GED file) and ``synthetic_parent``
        (True for immigrants), ordered by date.
    """
    if rows < 0:
        raise UserInputError(f"rows must be >= 0, got {rows}")
    if not 0 <= branching < 1:
        raise UserInputError(f"branching ratio must be in [0, 1), got {branching}")
    rng = np.random.default_rng(seed)
    d0 = _date(start, "start")
    d1 = _date(end, "end")
    if d1 < d0:
        raise UserInputError(f"end {d1} is before start {d0}")
    days = _day_grid(d0, d1)
    lam = _intensity(days, step_changes, branch_share)
    p = lam.ravel() / lam.sum()
    n_imm = max(1, int(np.ceil(rows * (1 - branching) * 1.15))) if rows else 0
    cells = rng.choice(p.size, size=n_imm, p=p)
    br = cells // len(days)
    t = (cells % len(days)).astype(np.float64) + rng.random(n_imm)
    # area per immigrant, drawn with the branch's area weights
    area_br = np.concatenate([[i] * len(b.areas) for i, b in enumerate(BRANCHES)])
    area_w = np.concatenate([[a[5] for a in b.areas] for b in BRANCHES]).astype(float)
    area = np.empty(n_imm, dtype=np.int64)
    for i in range(len(BRANCHES)):
        m = br == i
        if m.any():
            idx = np.flatnonzero(area_br == i)
            area[m] = rng.choice(idx, size=int(m.sum()), p=area_w[idx] / area_w[idx].sum())
    parents = [(br, t, area, np.ones(n_imm, dtype=bool))]
    cur_br, cur_t, cur_area = br, t, area
    total = n_imm
    while len(cur_t) and total < rows * 3:
        k = rng.poisson(branching, size=len(cur_t))
        if not k.any():
            break
        cbr = np.repeat(cur_br, k)
        ct = np.repeat(cur_t, k) + rng.exponential(delay_days, size=int(k.sum()))
        carea = np.repeat(cur_area, k)
        keep = ct < len(days)
        cur_br, cur_t, cur_area = cbr[keep], ct[keep], carea[keep]
        parents.append((cur_br, cur_t, cur_area, np.zeros(len(cur_t), dtype=bool)))
        total += len(cur_t)
    br = np.concatenate([x[0] for x in parents])
    t = np.concatenate([x[1] for x in parents])
    area = np.concatenate([x[2] for x in parents])
    is_parent = np.concatenate([x[3] for x in parents])
    if len(t) < rows:  # top up with more immigrants (rare: small eta realisations)
        extra = rng.choice(p.size, size=rows - len(t), p=p)
        ebr = extra // len(days)
        eidx = np.array([rng.choice(np.flatnonzero(area_br == b)) for b in ebr], dtype=np.int64)
        br = np.concatenate([br, ebr])
        t = np.concatenate([t, (extra % len(days)) + rng.random(len(extra))])
        area = np.concatenate([area, eidx])
        is_parent = np.concatenate([is_parent, np.ones(len(extra), dtype=bool)])
    pick = np.sort(rng.choice(len(t), size=rows, replace=False)) if len(t) > rows else \
        np.arange(len(t))
    br, t, area, is_parent = br[pick], t[pick], area[pick], is_parent[pick]
    order = np.argsort(t, kind="stable")
    br, t, area, is_parent = br[order], t[order], area[order], is_parent[order]
    return _ged_table(rng, seed, days, br, t, area, is_parent)


def _dict(codes: np.ndarray, values: Sequence[str]) -> pa.Array:
    """A string column from integer codes into ``values`` (fast for categorical text)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)),
                                          pa.array(list(values), pa.string())
                                          ).cast(pa.string())


def _ged_table(rng: np.random.Generator, seed: int, days: np.ndarray, br: np.ndarray,
               t: np.ndarray, area: np.ndarray, is_parent: np.ndarray) -> pa.Table:
    n = len(t)
    all_areas = [a for b in BRANCHES for a in b.areas]
    a_lat = np.array([a[2] for a in all_areas])
    a_lon = np.array([a[3] for a in all_areas])
    a_sd = np.array([a[4] for a in all_areas])
    clip = 2 * a_sd[area]
    lat = np.round(a_lat[area] + np.clip(rng.normal(0, 1, n) * a_sd[area], -clip, clip), 6)
    lon = np.round(a_lon[area] + np.clip(rng.normal(0, 1, n) * a_sd[area], -clip, clip), 6)
    isos = list(COUNTRIES)
    a_ci = np.array([isos.index(a[0]) for a in all_areas])
    ci = a_ci[area]
    cid = np.array([COUNTRIES[i][1] for i in isos], dtype=np.int64)[ci]
    gov_id = np.array([COUNTRIES[i][3] for i in isos], dtype=np.int64)[ci]
    date = days[np.minimum(t.astype(np.int64), len(days) - 1)]
    year = date.astype("datetime64[Y]").astype(np.int64) + 1970
    actor_id = np.array([b.actor_id for b in BRANCHES], dtype=np.int64)[br]
    has_opp = np.array([bool(b.opponent) for b in BRANCHES])[br]
    opp_id = np.array([b.opponent_id for b in BRANCHES], dtype=np.int64)[br]
    u = rng.random(n)
    # type of violence: 1 state-based (government vs actor), 2 non-state, 3 one-sided
    tov = np.where(u < 0.6, 1, np.where(u < 0.8, 3, 2))
    tov = np.where((tov == 2) & ~has_opp, 1, tov)
    # actor-name vocabulary: governments, branch actors, opponents, civilians
    vocab: list[str] = [f"Government of {COUNTRIES[i][0]}" for i in isos]
    gov_code = ci
    actor_names = sorted({b.actor for b in BRANCHES} | {b.opponent for b in BRANCHES if b.opponent}
                         | {"Civilians"})
    base = len(vocab)
    vocab += actor_names
    actor_code = base + np.array([actor_names.index(b.actor) for b in BRANCHES])[br]
    opp_code = base + np.array([actor_names.index(b.opponent) if b.opponent else 0
                                for b in BRANCHES])[br]
    civ_code = base + actor_names.index("Civilians")
    a_code = np.where(tov == 1, gov_code, actor_code)
    b_code = np.where(tov == 1, actor_code, np.where(tov == 3, civ_code, opp_code))
    side_a_id = np.where(tov == 1, gov_id, actor_id)
    side_b_id = np.where(tov == 1, actor_id, np.where(tov == 3, 1, opp_id))
    side_a = _dict(a_code, vocab)
    side_b = _dict(b_code, vocab)
    deaths_a = rng.poisson(0.8, n)
    deaths_b = rng.poisson(1.5, n)
    deaths_civ = np.where(tov == 3, 1 + rng.poisson(2.5, n), rng.poisson(0.4, n))
    deaths_unk = rng.poisson(0.3, n)
    best = deaths_a + deaths_b + deaths_civ + deaths_unk
    high = best + rng.poisson(0.7, n)
    low = np.maximum(best - rng.poisson(0.5, n), 0)
    gid = priogrid_gids(lat, lon)
    ids = np.arange(n, dtype=np.int64) + 900_000_000
    dstr = pc.cast(pa.array(date.astype("datetime64[D]")), pa.string())
    adm = _dict(area, [a[1] for a in all_areas])
    country = _dict(ci, [COUNTRIES[i][0] for i in isos])
    region = _dict(ci, [COUNTRIES[i][2] for i in isos])
    ids_s = pc.cast(pa.array(ids), pa.string())
    relid = pc.binary_join_element_wise(
        _dict(ci, isos), pc.cast(pa.array(year), pa.string()),
        pc.cast(pa.array(tov), pa.string()), pa.scalar("SYN"), ids_s, "-")
    dyad = pc.binary_join_element_wise(pa.scalar("SYNTHETIC"), pc.binary_join_element_wise(
        side_a, side_b, " - "), ": ")
    state = pa.array(tov == 1)
    conflict = pc.binary_join_element_wise(
        pc.if_else(state, country, side_a),
        pc.if_else(state, pa.scalar(": "), pa.scalar(" - ")),
        pc.if_else(pa.array(tov != 3), side_b, pa.scalar("civilians")), "")
    lat_s = pc.cast(pa.array(lat), pa.string())
    lon_s = pc.cast(pa.array(lon), pa.string())
    wkt = pc.binary_join_element_wise(pa.scalar("POINT ("), lon_s, pa.scalar(" "), lat_s,
                                      pa.scalar(")"), "")
    actor_name = _dict(actor_code, vocab)

    def full(text: str) -> pa.Array:
        return _dict(np.zeros(n, dtype=np.int32), [text])

    gwnoa = pa.array(np.where(tov == 1, cid, 0), mask=tov != 1)
    cols: dict[str, pa.Array] = {
        "id": pa.array(ids), "relid": relid, "year": pa.array(year),
        "active_year": pa.array(np.ones(n, np.int64)), "code_status": full("Clear"),
        "type_of_violence": pa.array(tov),
        "conflict_dset_id": pa.array(90000 + br), "conflict_new_id": pa.array(90000 + br),
        "conflict_name": conflict, "dyad_dset_id": pa.array(95000 + br * 10 + tov),
        "dyad_new_id": pa.array(95000 + br * 10 + tov), "dyad_name": dyad,
        "side_a_dset_id": pa.array(side_a_id), "side_a_new_id": pa.array(side_a_id),
        "side_a": side_a, "side_b_dset_id": pa.array(side_b_id),
        "side_b_new_id": pa.array(side_b_id), "side_b": side_b,
        "number_of_sources": pa.array(1 + rng.poisson(1.0, n)),
        "source_article": full("SYNTHETIC: generated by kharita"),
        "source_office": full("kharita synthetic generator"),
        "source_date": dstr,
        "source_headline": pc.binary_join_element_wise(
            pa.scalar("SYNTHETIC"), actor_name, pa.scalar("event in"), adm, " "),
        "source_original": full(source_version(seed)),
        "where_prec": pa.array(rng.integers(1, 5, n)), "where_coordinates": adm,
        "where_description": pc.binary_join_element_wise(
            pa.scalar("SYNTHETIC location in"), adm, " "),
        "adm_1": adm, "adm_2": full(""),
        "latitude": pa.array(lat), "longitude": pa.array(lon), "geom_wkt": wkt,
        "priogrid_gid": pa.array(gid), "country": country, "country_id": pa.array(cid),
        "region": region, "event_clarity": pa.array(np.ones(n, np.int64)),
        "date_prec": pa.array(np.ones(n, np.int64)),
        "date_start": dstr, "date_end": dstr,
        "deaths_a": pa.array(deaths_a), "deaths_b": pa.array(deaths_b),
        "deaths_civilians": pa.array(deaths_civ), "deaths_unknown": pa.array(deaths_unk),
        "best": pa.array(best), "high": pa.array(high), "low": pa.array(low),
        "gwnoa": gwnoa, "gwnob": pa.nulls(n, pa.int64()),
        "synthetic_branch": _dict(br, list(BRANCH_KEYS)),
        "synthetic_parent": pa.array(is_parent),
    }
    return pa.table(cols)


def write_ged_csv(path: str | os.PathLike[str], rows: int, seed: int = 0,
                  **options: Any) -> Path:
    """Write a synthetic GED CSV (the 49 columns of :data:`GED_COLUMNS`).

    ``options`` are passed to :func:`generate_events`; a path ending in ``.gz`` is
    gzip-compressed. Returns the path.

    >>> import tempfile, pathlib
    >>> p = write_ged_csv(pathlib.Path(tempfile.mkdtemp()) / "s.csv", 50, seed=3)
    >>> sum(1 for _ in open(p)) - 1
    50
    """
    out = Path(path)
    full: pa.Table = generate_table(rows, seed, **options)
    table = full.select(list(GED_COLUMNS))
    if out.suffix == ".gz":
        with pa.CompressedOutputStream(str(out), "gzip") as sink:
            pacsv.write_csv(table, sink)
    else:
        pacsv.write_csv(table, str(out))
    return out


def source_version(seed: int) -> str:
    """The ``source_version`` of events generated with ``seed``: ``synthetic-<seed>``."""
    return f"synthetic-{seed}"


# -- GDELT 1.0 format ---------------------------------------------------------------

#: GDELT 1.0 event columns (58, the 2013+ daily-file layout).
GDELT_COLUMNS: Final = (
    "GLOBALEVENTID", "SQLDATE", "MonthYear", "Year", "FractionDate", "Actor1Code",
    "Actor1Name", "Actor1CountryCode", "Actor1KnownGroupCode", "Actor1EthnicCode",
    "Actor1Religion1Code", "Actor1Religion2Code", "Actor1Type1Code", "Actor1Type2Code",
    "Actor1Type3Code", "Actor2Code", "Actor2Name", "Actor2CountryCode",
    "Actor2KnownGroupCode", "Actor2EthnicCode", "Actor2Religion1Code", "Actor2Religion2Code",
    "Actor2Type1Code", "Actor2Type2Code", "Actor2Type3Code", "IsRootEvent", "EventCode",
    "EventBaseCode", "EventRootCode", "QuadClass", "GoldsteinScale", "NumMentions",
    "NumSources", "NumArticles", "AvgTone", "Actor1Geo_Type", "Actor1Geo_FullName",
    "Actor1Geo_CountryCode", "Actor1Geo_ADM1Code", "Actor1Geo_Lat", "Actor1Geo_Long",
    "Actor1Geo_FeatureID", "Actor2Geo_Type", "Actor2Geo_FullName", "Actor2Geo_CountryCode",
    "Actor2Geo_ADM1Code", "Actor2Geo_Lat", "Actor2Geo_Long", "Actor2Geo_FeatureID",
    "ActionGeo_Type", "ActionGeo_FullName", "ActionGeo_CountryCode", "ActionGeo_ADM1Code",
    "ActionGeo_Lat", "ActionGeo_Long", "ActionGeo_FeatureID", "DATEADDED", "SOURCEURL")

# FIPS 10-4 country codes used by GDELT geography, for the synthetic areas' countries.
_FIPS: Final[dict[str, str]] = {
    "IRQ": "IZ", "SYR": "SY", "NGA": "NI", "NER": "NG", "CMR": "CM", "MLI": "ML", "BFA": "UV",
    "COD": "CG", "MOZ": "MZ", "SOM": "SO", "AFG": "AF", "EGY": "EG", "LBY": "LY", "PHL": "RP",
    "YEM": "YM"}

_CAMEO = np.array(["190", "193", "180", "183", "1823", "195", "186"], dtype=object)


def write_gdelt_tsv(path: str | os.PathLike[str], rows: int, seed: int = 0, *,
                    chunk: int = 1_000_000) -> Path:
    """Write a synthetic GDELT 1.0 event file (tab-separated, no header, 58 columns).

    Events are synthetic GED events (:func:`generate_table`, in chunks of ``chunk`` rows
    so memory stays flat) mapped to CAMEO fight/assault codes, with the IS side named
    ``ISLAMIC STATE``; ``SOURCEURL`` is ``synthetic://kharita/<seed>/<id>`` (never a
    real address); ids start at 800,000,000.

    >>> import tempfile, pathlib
    >>> p = write_gdelt_tsv(pathlib.Path(tempfile.mkdtemp()) / "g.tsv", 20, seed=1)
    >>> len(open(p).readline().rstrip("\\n").split("\\t"))
    58
    """
    out = Path(path)
    rng = np.random.default_rng(seed + 7919)
    iso_of_country = {v[0]: k for k, v in COUNTRIES.items()}
    fips_by_name = pa.array([_FIPS[iso_of_country[c]] for c in iso_of_country])
    names = pa.array(list(iso_of_country))
    opts = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    written = 0
    part = 0
    with open(out, "wb") as fh:
        while written < rows:
            n = min(chunk, rows - written)
            ev = generate_table(n, seed=seed * 1000 + part)
            part += 1
            dstr = ev["date_start"].combine_chunks()
            sqldate = pc.replace_substring(dstr, "-", "")
            year = pc.utf8_slice_codeunits(sqldate, 0, 4)
            days = np.asarray(pc.cast(pc.cast(dstr, pa.date32()), pa.int32()), dtype=float)
            yr = np.asarray(pc.cast(year, pa.int32()), dtype=float)
            jan1 = (yr - 1970).astype(np.int64).astype("datetime64[Y]").astype(
                "datetime64[D]").astype(float)
            frac = np.round(yr + (days - jan1) / 365.0, 4)
            side_a = ev["side_a"].combine_chunks()
            side_b = ev["side_b"].combine_chunks()
            a_is = pc.equal(side_a, "IS")
            b_is = pc.equal(side_b, "IS")
            is_is = pc.or_(a_is, b_is)
            other = pc.utf8_upper(pc.if_else(a_is, side_b, side_a))
            actor1 = pc.if_else(is_is, pa.scalar("ISLAMIC STATE"), pc.utf8_upper(side_a))
            actor2 = pc.if_else(is_is, other, pc.utf8_upper(side_b))
            code = _dict(rng.integers(0, len(_CAMEO), n), list(_CAMEO))
            gid = np.arange(written, written + n, dtype=np.int64) + 800_000_000
            country = ev["country"].combine_chunks()
            fips = pc.take(fips_by_name, pc.index_in(country, names))
            place = pc.binary_join_element_wise(ev["adm_1"].combine_chunks(), country, ", ")
            empty = pa.nulls(n, pa.string())
            cols: dict[str, pa.Array] = {c: empty for c in GDELT_COLUMNS}
            cols.update({
                "GLOBALEVENTID": pa.array(gid), "SQLDATE": sqldate,
                "MonthYear": pc.utf8_slice_codeunits(sqldate, 0, 6), "Year": year,
                "FractionDate": pa.array(frac),
                "Actor1Code": pc.if_else(is_is, pa.scalar("IMGMOSSUNREB"), pa.scalar("REB")),
                "Actor1Name": actor1, "Actor2Code": _dict(np.zeros(n, np.int32), ["GOV"]),
                "Actor2Name": actor2, "IsRootEvent": pa.array(np.ones(n, np.int64)),
                "EventCode": code, "EventBaseCode": pc.utf8_slice_codeunits(code, 0, 3),
                "EventRootCode": pc.utf8_slice_codeunits(code, 0, 2),
                "QuadClass": pa.array(np.full(n, 4, np.int64)),
                "GoldsteinScale": pa.array(np.full(n, -10.0)),
                "NumMentions": pa.array(1 + rng.poisson(3, n)),
                "NumSources": pa.array(1 + rng.poisson(1, n)),
                "NumArticles": pa.array(1 + rng.poisson(3, n)),
                "AvgTone": pa.array(np.round(rng.normal(-6, 2, n), 3)),
                "ActionGeo_Type": pa.array(np.full(n, 4, np.int64)),
                "ActionGeo_FullName": place, "ActionGeo_CountryCode": fips,
                "ActionGeo_ADM1Code": fips, "ActionGeo_Lat": ev["latitude"].combine_chunks(),
                "ActionGeo_Long": ev["longitude"].combine_chunks(), "DATEADDED": sqldate,
                "SOURCEURL": pc.binary_join_element_wise(
                    pa.scalar(f"synthetic://kharita/{seed}/"),
                    pc.cast(pa.array(gid), pa.string()), ""),
            })
            table = pa.table({c: cols[c] for c in GDELT_COLUMNS})
            pacsv.write_csv(table, fh, write_options=opts)
            written += n
    return out
