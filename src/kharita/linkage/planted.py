"""A planted "other dataset" for testing and benchmarking record linkage.

From real (or synthetic) stored reports, :func:`perturbed_copy` makes what a second
dataset would have recorded of the same incidents: a share of the incidents dropped,
dates moved by 0-``max_days`` days, points moved 0-``max_km`` km in a random direction,
fatality estimates changed, actor names rewritten in ACLED's style, event types
recoded like ACLED's (some battles as remote violence), plus unrelated reports (another
report's place on a random other date, with other actors). Each kept row names the
report it copies (``origin_event_id``): the planted pairs. Deterministic for a seed.
For tests and benchmarks only; the rows are labelled synthetic by their list name.

:func:`bayes_optimal_pairs` gives the ceiling of any linkage on a planted copy: the
most likely one-to-one linkage when the copy's generative model is known exactly.
Where the input holds near-identical reports (UCDP's same dyad at the same place on
consecutive days), no method can tell which of them a moved copy came from, and the
ceiling says how much of the planted truth is recoverable at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kharita.geo import EARTH_RADIUS_KM, great_circle_km

#: ACLED's spellings of actors UCDP names otherwise (exact UCDP name -> ACLED name);
#: governments become "Military Forces of <country>", civilians "Civilians (<country>)".
ACLED_NAMES: dict[str, str] = {
    "Jama'atu Ahlis Sunna Lidda'awati wal-Jihad":
        "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawati wal-Jihad",
    "SDF": "SDF: Syrian Democratic Forces",
    "HTS": "Hayat Tahrir al Sham",
    "Yan Gora": "Civilian JTF",
}
IS_NAMES: dict[str, str] = {"NGA": "Islamic State (West Africa)", "SYR": "Islamic State"}
#: Probabilities of a date moved by 0, 1, 2 and 3 days (most reports agree on the day).
DAY_SHIFT_P: tuple[float, ...] = (0.5, 0.3, 0.12, 0.08)
COUNTRY_NAMES: dict[str, str] = {"NGA": "Nigeria", "SYR": "Syria", "IRQ": "Iraq"}
#: Columns of a planted table (the ``table`` connector's mapping names them).
COLUMNS: tuple[str, ...] = ("id", "date", "country", "admin1", "latitude", "longitude",
                            "actor1", "actor2", "fatalities", "event_type",
                            "origin_event_id")


def acled_name(name: object, iso3: str) -> str | None:
    """An actor name as ACLED would write it."""
    if name is None or (isinstance(name, float) and math.isnan(name)):
        return None
    s = str(name)
    country = COUNTRY_NAMES.get(iso3, iso3)
    if s == "IS":
        return IS_NAMES.get(iso3, "Islamic State")
    if s.startswith("Government of "):
        return f"Military Forces of {s.removeprefix('Government of ')}"
    if s == "Civilians":
        return f"Civilians ({country})"
    return ACLED_NAMES.get(s, s)


@dataclass
class Planted:
    """A planted dataset: its rows (:data:`COLUMNS`) and the planted pairs
    (``origin_event_id`` -> planted ``id``)."""

    rows: pd.DataFrame
    pairs: dict[str, str]
    drop: float = 0.3
    max_days: int = 3
    max_km: float = 25.0


def perturbed_copy(events: pd.DataFrame, *, seed: int = 0, drop: float = 0.3,
                   extra: float = 0.1, max_days: int = 3, max_km: float = 25.0,
                   prefix: str = "p") -> Planted:
    """The planted copy of ``events`` (stored columns ``event_id``, ``date_start``,
    ``date_precision``, ``country_iso3``, ``admin1``, ``latitude``, ``longitude``,
    ``actor1_name``, ``actor2_name``, ``fatalities_best``, ``event_type``).

    Kept reports (``1 - drop`` of them) move by 0-``max_days`` days (either way; 0, 1,
    2, 3 days with :data:`DAY_SHIFT_P`) and by a half-normal distance (standard
    deviation ``max_km / 3``, at most ``max_km``) in a uniform direction; fatalities
    are scaled by U(0.7, 1.3) and shifted by -1..1 (a third unchanged); 20% of
    battles become ``explosion_remote``. ``extra`` times the input's count of
    unrelated reports take a random report's place and country, a uniform date in the
    input's span and another random report's actors and fatalities.
    Month-precision reports keep their month (``YYYY-MM``)."""
    rng = np.random.default_rng(seed)
    ev = events.reset_index(drop=True)
    n = len(ev)
    keep = ev[rng.random(n) >= drop].reset_index(drop=True)
    k = len(keep)
    start = pd.to_datetime(keep["date_start"])
    # |shift| 0, 1, 2, 3 days with probabilities 0.5, 0.3, 0.12, 0.08 (either way)
    mag = rng.choice(np.arange(4), size=k, p=DAY_SHIFT_P)
    shift = np.minimum(mag, max_days) * rng.choice([-1, 1], size=k)
    dates = start + pd.to_timedelta(shift, unit="D")
    month = (keep["date_precision"] == "month").to_numpy()
    date_text = np.where(month, start.dt.strftime("%Y-%m"), dates.dt.strftime("%Y-%m-%d"))
    lat, lon = _move(keep["latitude"].to_numpy(float), keep["longitude"].to_numpy(float),
                     np.minimum(np.abs(rng.normal(0, max_km / 3, k)), max_km),
                     rng.uniform(0, 2 * math.pi, k))
    fat = keep["fatalities_best"].to_numpy(float)
    changed = np.round(fat * rng.uniform(0.7, 1.3, k)) + rng.integers(-1, 2, k)
    fat = np.where(rng.random(k) < 1 / 3, fat, np.maximum(changed, 0))
    etype = keep["event_type"].to_numpy(object).copy()
    recode = (etype == "battle") & (rng.random(k) < 0.2)
    etype[recode] = "explosion_remote"
    iso = keep["country_iso3"].astype(str).to_numpy()
    ids = [f"{prefix}{i}" for i in range(k)]
    rows = pd.DataFrame({
        "id": ids, "date": date_text, "country": iso, "admin1": keep["admin1"],
        "latitude": np.round(lat, 5), "longitude": np.round(lon, 5),
        "actor1": [acled_name(a, c) for a, c in zip(keep["actor1_name"], iso, strict=True)],
        "actor2": [acled_name(a, c) for a, c in zip(keep["actor2_name"], iso, strict=True)],
        "fatalities": pd.array(np.where(np.isnan(fat), np.nan, fat)).astype("Int64"),
        "event_type": etype, "origin_event_id": keep["event_id"].astype(str)})
    m = round(extra * n)
    if m:
        place = ev.iloc[rng.integers(0, n, m)].reset_index(drop=True)
        other = ev.iloc[rng.integers(0, n, m)].reset_index(drop=True)
        lo, hi = pd.to_datetime(ev["date_start"]).min(), pd.to_datetime(ev["date_start"]).max()
        span = max((hi - lo).days, 1)
        d = lo + pd.to_timedelta(rng.integers(0, span + 1, m), unit="D")
        piso = place["country_iso3"].astype(str).to_numpy()
        extra_rows = pd.DataFrame({
            "id": [f"{prefix}x{i}" for i in range(m)], "date": d.strftime("%Y-%m-%d"),
            "country": piso, "admin1": place["admin1"],
            "latitude": place["latitude"], "longitude": place["longitude"],
            "actor1": [acled_name(a, c) for a, c in zip(other["actor1_name"], piso,
                                                        strict=True)],
            "actor2": [acled_name(a, c) for a, c in zip(other["actor2_name"], piso,
                                                        strict=True)],
            "fatalities": other["fatalities_best"].astype("Int64"),
            "event_type": other["event_type"], "origin_event_id": None})
        rows = pd.concat([rows, extra_rows], ignore_index=True)
    pairs = dict(zip(keep["event_id"].astype(str), ids, strict=True))
    return Planted(rows=rows[list(COLUMNS)], pairs=pairs, drop=drop, max_days=max_days,
                   max_km=max_km)


def _move(lat: np.ndarray, lon: np.ndarray, km: np.ndarray, bearing: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Points ``km`` away on ``bearing`` (radians) on a sphere of radius
    :data:`~kharita.geo.EARTH_RADIUS_KM`."""
    r = km / EARTH_RADIUS_KM
    p1, l1 = np.radians(lat), np.radians(lon)
    p2 = np.arcsin(np.sin(p1) * np.cos(r) + np.cos(p1) * np.sin(r) * np.cos(bearing))
    l2 = l1 + np.arctan2(np.sin(bearing) * np.sin(r) * np.cos(p1),
                         np.cos(r) - np.sin(p1) * np.sin(p2))
    return np.degrees(p2), (np.degrees(l2) + 540) % 360 - 180


def mapping_yaml(source_name: str) -> str:
    """The ``table`` connector's mapping for a planted table written as CSV."""
    return (f"source_name: {source_name}\nlicence: planted test data (derived from UCDP GED, "
            "CC BY 4.0)\nid: id\ndate: date\ncountry: country\nadmin1: admin1\n"
            "latitude: latitude\nlongitude: longitude\nactor1: actor1\nactor2: actor2\n"
            "fatalities: fatalities\nevent_type: event_type\n")



def _p_round(v: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``P(round(v * U) = t)`` for U ~ U(0.7, 1.3) (``v >= 0``)."""
    safe = np.maximum(v, 1e-12)
    lo, hi = (t - 0.5) / safe, (t + 0.5) / safe
    inside = np.clip(np.minimum(hi, 1.3) - np.maximum(lo, 0.7), 0.0, None) / 0.6
    return np.where(v > 0, inside, (t == 0).astype(float))


def _fatality_likelihood(origin: np.ndarray, copy: np.ndarray) -> np.ndarray:
    """``P(copy | origin)`` of :func:`perturbed_copy`'s fatalities: unchanged with
    probability 1/3, else ``max(round(origin * U) + k, 0)`` with U ~ U(0.7, 1.3) and k
    uniform on {-1, 0, 1}; 1 where either is missing (a copy keeps a missing value)."""
    v, j = origin.astype(float), copy.astype(float)
    miss = np.isnan(v) | np.isnan(j)
    v, j = np.nan_to_num(v), np.nan_to_num(j)
    changed = np.zeros_like(v)
    for k in (-1, 0, 1):
        # max(t + k, 0) = j: t = j - k when j > 0; every t in 0..-k when j = 0
        changed += np.where(j > 0, np.where(j - k >= 0, _p_round(v, j - k), 0.0), 0.0)
        for t in range(0, -k + 1):
            changed += np.where(j == 0, _p_round(v, np.full_like(v, t)), 0.0)
    p = np.where(v == j, 1 / 3, 0.0) + (2 / 3) * changed / 3
    return np.where(miss, 1.0, p)


def _copy_log_likelihood(c: pd.DataFrame, planted: Planted) -> np.ndarray:
    """``log P(copy row | origin row)`` under :func:`perturbed_copy`'s model, for the
    candidate pairs ``c`` (origin columns as stored, copy columns suffixed ``_c``,
    ``shift`` the copy's date less the origin's in days, ``km`` the distance)."""
    shift = c["shift"].to_numpy()
    p_day = np.asarray(DAY_SHIFT_P, float)[np.minimum(np.abs(shift), len(DAY_SHIFT_P) - 1)]
    month = (c["date_precision"] == "month").to_numpy()
    ll_date = np.where(month, 0.0, np.log(np.where(shift == 0, p_day, p_day / 2)))
    sd = planted.max_km / 3
    r = np.maximum(c["km"].to_numpy(float), 0.01)
    # a half-normal distance in a uniform direction: density f(r) / (2 pi r) on the plane
    dens = (2 / (sd * math.sqrt(2 * math.pi)) * np.exp(-(r ** 2) / (2 * sd ** 2))
            / (2 * math.pi * r))
    ll_geo = np.log(np.where(r <= planted.max_km + 0.01, dens, 1e-300))
    ll_fat = np.log(np.maximum(_fatality_likelihood(c["fatalities_best"].to_numpy(float),
                                                    c["fatalities"].to_numpy(float)),
                               1e-300))
    iso = c["country_iso3"].astype(str)
    same_actors = np.array([
        acled_name(a1, i) == b1 and acled_name(a2, i) == b2
        for a1, a2, b1, b2, i in zip(c["actor1_name"], c["actor2_name"], c["actor1"],
                                     c["actor2"], iso, strict=True)], dtype=bool)
    t_o, t_c = c["event_type_o"].to_numpy(object), c["event_type"].to_numpy(object)
    battle = t_o == "battle"
    ll_type = np.where(battle & (t_c == "battle"), math.log(0.8),
                       np.where(battle & (t_c == "explosion_remote"), math.log(0.2),
                                np.where(t_o == t_c, 0.0, -np.inf)))
    return np.where(same_actors, ll_date + ll_geo + ll_fat + ll_type, -np.inf)


def bayes_optimal_pairs(events: pd.DataFrame, planted: Planted) -> set[tuple[str, str]]:
    """The most likely one-to-one linkage of ``planted`` to the ``events`` it was made
    from, knowing :func:`perturbed_copy`'s model exactly: the ceiling of any linkage
    method on this planted copy. Returns (origin ``event_id``, planted ``id``) pairs.

    A copy row and an input report are a candidate when the report could have produced
    the copy (same country, the date within ``max_days`` or the same month for a
    month-precision report, the point within ``max_km``, the actors' ACLED names, a
    possible type). Its weight is the log-likelihood ratio of "copy of this report"
    (kept with probability ``1 - drop``) against "unrelated report" (a uniform date over
    the input's span and a uniform point within ``max_km``); the linkage is the
    maximum-weight one-to-one set of positive-weight candidates
    (:func:`kharita.linkage.assignment.assign_links`, the same solver the linkage
    uses). An upper bound for real methods: it is given the generator's exact model,
    which a real linkage has to learn.
    """
    from kharita.linkage.assignment import assign_links

    ev = events.reset_index(drop=True).copy()
    ev["d"] = pd.to_datetime(ev["date_start"])
    ev["month"] = ev["d"].dt.strftime("%Y-%m")
    rows = planted.rows
    day = rows[rows["date"].astype(str).str.len() == 10].copy()
    day["d"] = pd.to_datetime(day["date"])
    cands = []
    by_day = ev[ev["date_precision"] != "month"]
    for sh in range(-planted.max_days, planted.max_days + 1):
        moved = by_day.assign(d=by_day["d"] + pd.Timedelta(days=sh))
        m = day.merge(moved, left_on=["country", "d"], right_on=["country_iso3", "d"],
                      suffixes=("", "_o"))
        cands.append(m.assign(shift=sh))
    mon = rows[rows["date"].astype(str).str.len() == 7]
    m = mon.merge(ev[ev["date_precision"] == "month"], left_on=["country", "date"],
                  right_on=["country_iso3", "month"], suffixes=("", "_o"))
    cands.append(m.assign(shift=0))
    c = pd.concat(cands, ignore_index=True)
    if c.empty:
        return set()
    c["km"] = great_circle_km(c["latitude_o"], c["longitude_o"], c["latitude"],
                              c["longitude"])
    c = c[c["km"] <= planted.max_km + 0.01].reset_index(drop=True)
    span = max((ev["d"].max() - ev["d"].min()).days, 1)
    ll_unrelated = -math.log(span) - math.log(math.pi * planted.max_km ** 2)
    weight = (_copy_log_likelihood(c, planted) - ll_unrelated
              + math.log((1 - planted.drop) / max(planted.drop, 1e-9)))
    keep = np.isfinite(weight) & (weight > 0)
    c, w2 = c[keep], weight[keep] / math.log(2)
    edges = pd.DataFrame({
        "event_id_l": c["event_id"].astype(str).to_numpy(),
        "event_id_r": c["id"].astype(str).to_numpy(),
        "match_probability": np.minimum(1 / (1 + np.exp2(-w2)), 1 - 1e-12),
        "source_dataset_l": "input", "source_dataset_r": "planted", "match_weight": w2})
    chosen = assign_links(edges, 0.5)
    return set(zip(chosen["event_id_l"], chosen["event_id_r"], strict=True))
