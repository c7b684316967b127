"""A planted "other dataset" for testing and benchmarking record linkage.

From real (or synthetic) stored reports, :func:`perturbed_copy` makes what a second
dataset would have recorded of the same incidents: a share of the incidents dropped,
dates moved by 0-``max_days`` days, points moved 0-``max_km`` km in a random direction,
fatality estimates changed, actor names rewritten in ACLED's style, event types
recoded like ACLED's (some battles as remote violence), plus unrelated reports (another
report's place on a random other date, with other actors). Each kept row names the
report it copies (``origin_event_id``): the planted pairs. Deterministic for a seed.
For tests and benchmarks only; the rows are labelled synthetic by their list name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

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
    return Planted(rows=rows[list(COLUMNS)], pairs=pairs)


def _move(lat: np.ndarray, lon: np.ndarray, km: np.ndarray, bearing: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    """Points ``km`` away on ``bearing`` (radians) on a sphere of radius 6371 km."""
    r = km / 6371.0088
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
