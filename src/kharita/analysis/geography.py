"""Geography: where the network's activity is, and when its centre of gravity moved.

* :func:`spherical_centre` / :func:`geographic_centres`: the activity-weighted centre
  of each period *on the sphere* (mean of unit vectors, projected back), never the
  mean of latitudes and longitudes, with its dispersion (mean great-circle distance to
  the centre, km) and the mean resultant length.
* :func:`region_shares`: shares of events and fatalities by world region.
* :func:`africa_crossing`: the first period in which Africa's share exceeds the Middle
  East's, for events and separately for fatalities, with a bootstrap distribution of
  that period (events resampled within periods).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kharita.analysis.activity import period_sql
from kharita.analysis.frame import Frame, multinomial_bootstrap, query_df, resolve_frame
from kharita.errors import KharitaError

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase

#: Mean Earth radius (IUGG), km.
EARTH_RADIUS_KM = 6371.0088
#: Below this mean resultant length the centre is undefined (e.g. antipodal points).
MIN_RESULTANT = 1e-9
WEIGHTINGS: tuple[str, ...] = ("events", "fatalities")


def unit_vectors(lat: Any, lon: Any) -> np.ndarray:
    """Unit vectors ``(x, y, z)`` of points given in degrees, shape ``(n, 3)``."""
    la, lo = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def great_circle_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> np.ndarray:
    """Great-circle distance in km (haversine formula, mean Earth radius).

    >>> round(float(great_circle_km(0, 0, 0, 90)))
    10008
    """
    p1, p2 = np.radians(np.asarray(lat1, float)), np.radians(np.asarray(lat2, float))
    dl = np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1))))


@dataclass(frozen=True)
class Centre:
    """A spherical weighted centre: ``lat``/``lon`` in degrees (NaN when undefined),
    ``resultant`` the mean resultant length R in [0, 1], ``dispersion_km`` the
    weighted mean great-circle distance to the centre."""

    lat: float
    lon: float
    resultant: float
    dispersion_km: float


def spherical_centre(lat: Any, lon: Any, weights: Any = None) -> Centre:
    """Weighted geographic centre of points on the sphere.

    Definition: with unit vectors ``u_i`` and weights ``w_i``, ``S = sum_i w_i u_i``;
    the centre is ``S / |S|`` converted back to latitude/longitude, the mean resultant
    length is ``R = |S| / sum_i w_i`` (1 = all at one point, 0 = balanced, e.g.
    antipodal points, where the centre is undefined and returned as NaN), and the
    dispersion is ``sum_i w_i d(u_i, centre) / sum_i w_i`` with ``d`` the
    great-circle distance in km.

    Examples
    --------
    >>> c = spherical_centre([0, 0], [0, 90])
    >>> round(c.lat, 6), round(c.lon, 6), round(c.dispersion_km)
    (0.0, 45.0, 5004)
    >>> import math; math.isnan(spherical_centre([0, 0], [0, 180]).lat)
    True

    References
    ----------
    .. [1] Fisher, N. I., Lewis, T. & Embleton, B. J. J. (1987). Statistical Analysis of
       Spherical Data. Cambridge University Press, sec. 3.2 (mean direction, resultant).
    """
    u = unit_vectors(lat, lon)
    w = np.ones(len(u)) if weights is None else np.asarray(weights, dtype=float)
    if len(u) == 0 or w.sum() <= 0:
        return Centre(float("nan"), float("nan"), float("nan"), float("nan"))
    s = (u * w[:, None]).sum(axis=0)
    norm = float(np.linalg.norm(s))
    resultant = norm / float(w.sum())
    if resultant < MIN_RESULTANT:
        return Centre(float("nan"), float("nan"), resultant, float("nan"))
    c = s / norm
    clat = float(np.degrees(np.arctan2(c[2], np.hypot(c[0], c[1]))))
    clon = float(np.degrees(np.arctan2(c[1], c[0])))
    # atan2(|u x c|, u . c) is accurate at small and large angles (arccos is not)
    dist = EARTH_RADIUS_KM * np.arctan2(np.linalg.norm(np.cross(u, c), axis=1), u @ c)
    return Centre(clat, clon, resultant, float((w * dist).sum() / w.sum()))


def _weight_expr(weighting: str) -> str:
    if weighting not in WEIGHTINGS:
        raise KharitaError(f"weighting={weighting!r}: expected one of {', '.join(WEIGHTINGS)}")
    return "weight" if weighting == "events" else "weight * COALESCE(fatalities_best, 0)"


def centres_sql(frame: str, *, freq: str = "year", weighting: str = "events") -> str:
    """The SQL of :func:`geographic_centres` on the frame SQL ``frame`` (sum of
    weighted unit vectors per period, then the distances to the centre)."""
    w = _weight_expr(weighting)
    return f"""
WITH v AS (
  SELECT {period_sql(freq)} AS period, {w} AS w,
         cos(radians(latitude)) * cos(radians(longitude)) AS x,
         cos(radians(latitude)) * sin(radians(longitude)) AS y,
         sin(radians(latitude)) AS z
  FROM ({frame}) f
  WHERE latitude IS NOT NULL AND longitude IS NOT NULL
),
s AS (
  SELECT period, SUM(w * x) AS sx, SUM(w * y) AS sy, SUM(w * z) AS sz, SUM(w) AS sw,
         COUNT(*) AS n_rows
  FROM v GROUP BY period
),
c AS (
  SELECT *, sqrt(sx * sx + sy * sy + sz * sz) AS norm FROM s
)
SELECT c.period,
       CASE WHEN c.sw > 0 AND c.norm / c.sw >= {MIN_RESULTANT}
            THEN degrees(atan2(c.sz, sqrt(c.sx * c.sx + c.sy * c.sy))) END AS lat,
       CASE WHEN c.sw > 0 AND c.norm / c.sw >= {MIN_RESULTANT}
            THEN degrees(atan2(c.sy, c.sx)) END AS lon,
       CASE WHEN c.sw > 0 THEN c.norm / c.sw END AS resultant,
       CASE WHEN c.sw > 0 AND c.norm / c.sw >= {MIN_RESULTANT} THEN
         SUM(v.w * {EARTH_RADIUS_KM} * atan2(
             sqrt((v.y * c.sz - v.z * c.sy) ** 2 + (v.z * c.sx - v.x * c.sz) ** 2
                  + (v.x * c.sy - v.y * c.sx) ** 2),
             v.x * c.sx + v.y * c.sy + v.z * c.sz)) / c.sw END AS dispersion_km,
       c.sw AS total_weight, c.n_rows AS n_located
FROM c JOIN v ON v.period = c.period
GROUP BY c.period, c.sx, c.sy, c.sz, c.sw, c.norm, c.n_rows
ORDER BY c.period
"""


def geographic_centres(con: Any, *, freq: str = "year", weighting: str = "events",
                       frame: Frame | None = None,
                       kb: KnowledgeBase | None = None, **filters: Any) -> pd.DataFrame:
    """Activity-weighted centre of the network's events per period, on the sphere.

    See :func:`spherical_centre` for the definition; weights are the attribution
    weights (``weighting="events"``) or weight x best fatalities
    (``weighting="fatalities"``). Events without coordinates are left out
    (``n_located`` says how many rows were used). Computed in the engine.

    Returns
    -------
    pandas.DataFrame[period, lat, lon, resultant, dispersion_km, total_weight, n_located]

    Examples
    --------
    >>> from kharita.store.duckdb import connect
    >>> from kharita.analysis.frame import insert_synthetic_events
    >>> con = connect(":memory:")
    >>> _ = insert_synthetic_events(con, 5_000, seed=1)
    >>> c = geographic_centres(con, freq="year")
    >>> bool(c.lat.iloc[-1] < c.lat.iloc[0])  # the centre moves south over the years
    True
    """
    sql, f = resolve_frame(kb, frame, **filters)
    df = query_df(con, centres_sql(sql, freq=freq, weighting=weighting))
    df["period"] = pd.to_datetime(df["period"])
    df["n_located"] = df["n_located"].astype("int64")
    df.attrs["filters"] = f.describe()
    df.attrs["weighting"] = weighting
    return df


def region_shares_sql(frame: str, *, freq: str = "year") -> str:
    """The SQL of :func:`region_shares` on the frame SQL ``frame``."""
    return f"""
WITH r AS (
  SELECT {period_sql(freq)} AS period, region, SUM(weight) AS events,
         SUM(weight * COALESCE(fatalities_best, 0)) AS fatalities_best
  FROM ({frame}) f
  GROUP BY 1, 2
)
SELECT period, region, events, fatalities_best,
       events / SUM(events) OVER (PARTITION BY period) AS events_share,
       CASE WHEN SUM(fatalities_best) OVER (PARTITION BY period) > 0
            THEN fatalities_best / SUM(fatalities_best) OVER (PARTITION BY period)
       END AS fatalities_share
FROM r
ORDER BY period, region
"""


def region_shares(con: Any, *, freq: str = "year", frame: Frame | None = None,
                  kb: KnowledgeBase | None = None, **filters: Any) -> pd.DataFrame:
    """Shares of the network's events and fatalities by world region per period.

    Definition: ``share_r(t) = sum_{rows in r, t} w / sum_{rows in t} w`` (events) and
    the same with ``w * fatalities_best`` (fatalities). Regions as in
    :func:`kharita.analysis.frame.attributed_events`.

    Returns
    -------
    pandas.DataFrame[period, region, events, fatalities_best, events_share,
    fatalities_share]

    Examples
    --------
    >>> from kharita.store.duckdb import connect
    >>> from kharita.analysis.frame import insert_synthetic_events
    >>> con = connect(":memory:")
    >>> _ = insert_synthetic_events(con, 2_000, seed=3)
    >>> s = region_shares(con)
    >>> bool(np.allclose(s.groupby("period").events_share.sum(), 1.0))
    True
    """
    sql, f = resolve_frame(kb, frame, **filters)
    df = query_df(con, region_shares_sql(sql, freq=freq))
    df["period"] = pd.to_datetime(df["period"])
    df.attrs["filters"] = f.describe()
    return df


# -- the crossing period ------------------------------------------------------------------


@dataclass
class Crossing:
    """When Africa's share first exceeded the Middle East's, for one measure.

    ``first``: the first period with Africa > Middle East (``None`` if never);
    ``sustained``: the first period from which Africa stays above in every later
    period; ``interval``: the 2.5% and 97.5% percentiles of the bootstrap
    distribution of ``first`` (``None`` entries when over 2.5% of replicates never
    cross); ``distribution``: share of replicates per crossing period (``"never"`` for
    none).
    """

    measure: str
    first: pd.Timestamp | None
    sustained: pd.Timestamp | None
    interval: tuple[pd.Timestamp | None, pd.Timestamp | None]
    distribution: pd.DataFrame
    n_boot: int

    def to_dict(self) -> dict[str, Any]:
        def d(x: pd.Timestamp | None) -> str | None:
            return None if x is None else x.date().isoformat()

        return {
            "measure": self.measure, "first": d(self.first), "sustained": d(self.sustained),
            "interval_low": d(self.interval[0]), "interval_high": d(self.interval[1]),
            "n_boot": self.n_boot,
            "distribution": {(str(k) if not isinstance(k, pd.Timestamp) else d(k)): float(v)
                             for k, v in zip(self.distribution.period,
                                             self.distribution.share, strict=True)},
        }


@dataclass
class CrossingResult:
    """Africa vs Middle East: observed shares per period and the crossing for events
    and for fatalities."""

    shares: pd.DataFrame
    events: Crossing
    fatalities: Crossing
    filters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"events": self.events.to_dict(), "fatalities": self.fatalities.to_dict(),
                "filters": self.filters}

    def summary(self) -> pd.DataFrame:
        """One row per measure: first, sustained, bootstrap interval."""
        rows = []
        for c in (self.events, self.fatalities):
            dd = c.to_dict()
            rows.append({k: dd[k] for k in ("measure", "first", "sustained", "interval_low",
                                            "interval_high", "n_boot")})
        return pd.DataFrame(rows)


def _first_crossing(a: np.ndarray, m: np.ndarray) -> tuple[int | None, int | None]:
    """Index of the first period with a > m, and of the first from which it stays so."""
    above = a > m
    first = int(np.argmax(above)) if above.any() else None
    sustained = None
    if above.any() and above[-1]:
        below = np.nonzero(~above)[0]
        sustained = int(below[-1] + 1) if len(below) else 0
    return first, sustained


def _crossing_patterns_sql(frame: str, freq: str) -> str:
    cols = """CASE WHEN region = 'Africa' THEN weight ELSE 0 END AS a,
         CASE WHEN region = 'Middle East' THEN weight ELSE 0 END AS m,
         CASE WHEN region = 'Africa' THEN weight * fat ELSE 0 END AS fa,
         CASE WHEN region = 'Middle East' THEN weight * fat ELSE 0 END AS fm"""
    base = ("SELECT *, COALESCE(fatalities_best, 0) AS fat, " + period_sql(freq)
            + f" AS p FROM ({frame}) f0")
    per_event = f"""
  SELECT p AS period, {cols} FROM ({base}) f WHERE n_rows = 1
  UNION ALL
  SELECT ANY_VALUE(p) AS period, SUM(a) AS a, SUM(m) AS m, SUM(fa) AS fa, SUM(fm) AS fm
  FROM (SELECT event_id, p, {cols} FROM ({base}) f1 WHERE n_rows > 1) f
  GROUP BY event_id"""
    return f"""
SELECT period, a, m, fa, fm, COUNT(*) AS n
FROM ({per_event}) e
GROUP BY period, a, m, fa, fm
ORDER BY period, a, m, fa, fm
"""


def africa_crossing(con: Any, *, freq: str = "year", n_boot: int = 1000, seed: int = 0,
                    frame: Frame | None = None, kb: KnowledgeBase | None = None,
                    **filters: Any) -> CrossingResult:
    """The first period in which Africa's share of the network's activity exceeds the
    Middle East's, for events and for fatalities, with a bootstrap interval.

    Definition: with ``A(t)``, ``M(t)`` the weighted events (or weighted best
    fatalities) in Africa and the Middle East in period ``t``, the crossing is
    ``min{t : A(t) > M(t)}`` (equivalently Africa's share > the Middle East's);
    ``sustained`` is the first ``t`` with ``A(s) > M(s)`` for all ``s >= t``. The
    bootstrap resamples the events of each period with replacement (``n_boot``
    replicates; see :func:`kharita.analysis.frame.multinomial_bootstrap`) and
    reports the distribution of the crossing period and its 95% percentile interval.

    Examples
    --------
    >>> from kharita.store.duckdb import connect
    >>> from kharita.analysis.frame import insert_synthetic_events
    >>> con = connect(":memory:")
    >>> _ = insert_synthetic_events(con, 5_000, seed=1)
    >>> r = africa_crossing(con, n_boot=200)
    >>> r.events.first.year  # synthetic data: Africa overtakes the Middle East in 2020
    2020

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap.
       Chapman & Hall.
    """
    if n_boot < 1:
        raise KharitaError(f"n_boot must be >= 1, got {n_boot}")
    sql, f = resolve_frame(kb, frame, **filters)
    pat = query_df(con, _crossing_patterns_sql(sql, freq))
    shares = query_df(con, region_shares_sql(sql, freq=freq))
    shares["period"] = pd.to_datetime(shares["period"])
    pat["period"] = pd.to_datetime(pat["period"])
    periods = sorted(pat["period"].unique())
    rng = np.random.default_rng(seed)
    obs = pat.assign(a=pat.a * pat.n, m=pat.m * pat.n, fa=pat.fa * pat.n, fm=pat.fm * pat.n)
    tot = obs.groupby("period")[["a", "m", "fa", "fm"]].sum().reindex(periods, fill_value=0)
    boots = np.zeros((n_boot, len(periods), 4))
    for i, (_, g) in enumerate(pat.groupby("period", sort=True)):
        boots[:, i, :] = multinomial_bootstrap(g["n"].to_numpy(),
                                               g[["a", "m", "fa", "fm"]].to_numpy(), n_boot, rng)

    def crossing(measure: str, ia: int, im: int) -> Crossing:
        cols = ["a", "m"] if ia == 0 else ["fa", "fm"]
        first, sustained = _first_crossing(tot[cols[0]].to_numpy(), tot[cols[1]].to_numpy())
        idx = [_first_crossing(boots[b, :, ia], boots[b, :, im])[0] for b in range(n_boot)]
        keys = np.array([len(periods) if i is None else i for i in idx])
        counts = np.bincount(keys, minlength=len(periods) + 1) / n_boot
        labels: list[Any] = [pd.Timestamp(p) for p in periods] + ["never"]
        dist = pd.DataFrame({"period": labels, "share": counts})
        dist = dist[dist.share > 0].reset_index(drop=True)
        lo, hi = np.percentile(keys, [2.5, 97.5], method="inverted_cdf")

        def at(k: float) -> pd.Timestamp | None:
            return None if int(k) >= len(periods) else pd.Timestamp(periods[int(k)])

        return Crossing(measure,
                        None if first is None else pd.Timestamp(periods[first]),
                        None if sustained is None else pd.Timestamp(periods[sustained]),
                        (at(lo), at(hi)), dist, n_boot)

    return CrossingResult(shares, crossing("events", 0, 1), crossing("fatalities", 2, 3),
                          f.describe())
