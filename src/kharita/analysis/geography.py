"""Geography: where the network's activity is, and when its centre of gravity moved.

* :func:`spherical_centre` / :func:`geographic_centres`: the activity-weighted centre
  of each period *on the sphere* (mean of unit vectors, projected back), never the
  mean of latitudes and longitudes, with its dispersion (mean great-circle distance to
  the centre, km) and the mean resultant length.
* :func:`region_shares`: shares of events and fatalities by world region.
* :func:`africa_crossing`: the first period in which Africa's share exceeds the Middle
  East's, for events and separately for fatalities, with a bootstrap distribution of
  that period (events resampled within periods).

Coverage: shares and centres compare places, so a period counts only when every file
that carries the frame's events covers it (``coverage="comparable"``, the default:
:func:`kharita.analysis.coverage.comparable`). When the Iraq extract ends in December
2018, 2019's "Middle East" would be Syria alone and the centre would jump towards
Africa: those periods are left out and ``df.attrs["coverage"]`` says where and why.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from kharita.analysis.frame import multinomial_bootstrap
from kharita.errors import UserInputError
from kharita.geo import EARTH_RADIUS_KM
from kharita.store.sql import geography as geo_sql
from kharita.store.sql.periods import check_freq

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame

#: Mean Earth radius (IUGG), km.
#: Below this mean resultant length the centre is undefined (e.g. antipodal points).
MIN_RESULTANT = 1e-9
WEIGHTINGS: tuple[str, ...] = geo_sql.WEIGHTINGS
T = TypeVar("T")


def unit_vectors(lat: Any, lon: Any) -> np.ndarray:
    """Unit vectors ``(x, y, z)`` of points given in degrees, shape ``(n, 3)``."""
    la, lo = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


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


def _comparable(frame: Frame, freq: str, coverage: str
                ) -> tuple[Frame | None, dict[str, Any]]:
    """The comparable part of ``frame`` (``coverage="comparable"``) or the frame itself
    (``"all"``), with the statement for ``df.attrs["coverage"]``."""
    if coverage == "all":
        return frame, {"testable": True, "reason": "every row used (coverage='all')"}
    if coverage != "comparable":
        raise UserInputError(f"coverage={coverage!r}: expected comparable or all")
    from kharita.analysis.coverage import comparable_once

    cmp = comparable_once(frame, freq=freq, min_periods=1)
    return cmp.frame, cmp.describe()


def geographic_centres(frame: Frame, *, freq: str = "year",
                       weighting: str = "events", coverage: str = "comparable"
                       ) -> pd.DataFrame:
    """Activity-weighted centre of the network's events per period, on the sphere.

    See :func:`spherical_centre` for the definition; weights are the attribution
    weights (``weighting="events"``) or weight x best fatalities
    (``weighting="fatalities"``). Events without coordinates are left out
    (``n_located`` says how many rows were used). Computed in the engine. With
    ``coverage="comparable"`` (default) only the periods every file covers (module
    docstring; ``df.attrs["coverage"]``); ``"all"`` uses every row.

    Returns
    -------
    pandas.DataFrame[period, lat, lon, resultant, dispersion_km, total_weight, n_located]

    Examples
    --------
    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 5_000, seed=1)
    >>> c = geographic_centres(build_frame(store), freq="year")
    >>> bool(c.lat.iloc[-1] < c.lat.iloc[0])  # the centre moves south over the years
    True
    """
    check_freq(freq)
    return _once(frame, ("geographic_centres", freq, weighting, coverage),
                 lambda: _centres(frame, freq, weighting, coverage))


def _once(frame: Frame, what: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """``compute()`` once per frame, arguments and store contents
    (:func:`kharita.analysis.coverage.once_per_frame`: the brief's claims and its
    gravity and regions sections ask for the same figures); a deep copy is returned
    (callers may change it)."""
    from kharita.analysis.coverage import once_per_frame

    return copy.deepcopy(once_per_frame(frame, repr(what), compute))


def _centres(frame: Frame, freq: str, weighting: str, coverage: str) -> pd.DataFrame:
    used, cov = _comparable(frame, freq, coverage)
    if used is None:
        df = pd.DataFrame(columns=["period", "lat", "lon", "resultant", "dispersion_km",
                                   "total_weight", "n_located"])
    else:
        df = frame.store.sql(geo_sql.centres_sql(used.sql, freq=freq, weighting=weighting,
                                                 earth_radius_km=EARTH_RADIUS_KM,
                                                 min_resultant=MIN_RESULTANT))
    df["period"] = pd.to_datetime(df["period"])
    df["n_located"] = df["n_located"].astype("int64")
    df.attrs["filters"] = frame.filters.describe()
    df.attrs["weighting"] = weighting
    df.attrs["coverage"] = cov
    return df


def region_shares(frame: Frame, *, freq: str = "year", coverage: str = "comparable"
                  ) -> pd.DataFrame:
    """Shares of the network's events and fatalities by world region per period.

    Definition: ``share_r(t) = sum_{rows in r, t} w / sum_{rows in t} w`` (events) and
    the same with ``w * fatalities_best`` (fatalities). Regions as in the analysis
    frame (:mod:`kharita.analysis.frame`, :mod:`kharita.kb.regions`). With
    ``coverage="comparable"`` (default) only the periods every file covers (module
    docstring; ``df.attrs["coverage"]``); ``"all"`` uses every row.

    Returns
    -------
    pandas.DataFrame[period, region, events, fatalities_best, events_share,
    fatalities_share]

    Examples
    --------
    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 2_000, seed=3)
    >>> s = region_shares(build_frame(store))
    >>> bool(np.allclose(s.groupby("period").events_share.sum(), 1.0))
    True
    """
    check_freq(freq)
    used, cov = _comparable(frame, freq, coverage)
    if used is None:
        df = pd.DataFrame(columns=["period", "region", "events", "fatalities_best",
                                   "events_share", "fatalities_share"])
    else:
        df = frame.store.sql(geo_sql.region_shares_sql(used.sql, freq=freq))
    df["period"] = pd.to_datetime(df["period"])
    df.attrs["filters"] = frame.filters.describe()
    df.attrs["coverage"] = cov
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
    #: the comparable span used (:func:`kharita.analysis.coverage.comparable`).
    coverage: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"events": self.events.to_dict(), "fatalities": self.fatalities.to_dict(),
                "filters": self.filters, "coverage": self.coverage}

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


def africa_crossing(frame: Frame, *, freq: str = "year", n_boot: int = 1000,
                    seed: int = 0, coverage: str = "comparable") -> CrossingResult:
    """The first period in which Africa's share of the network's activity exceeds the
    Middle East's, for events and for fatalities, with a bootstrap interval.

    Definition: with ``A(t)``, ``M(t)`` the weighted events (or weighted best
    fatalities) in Africa and the Middle East in period ``t``, the crossing is
    ``min{t : A(t) > M(t)}`` (equivalently Africa's share > the Middle East's);
    ``sustained`` is the first ``t`` with ``A(s) > M(s)`` for all ``s >= t``. The
    bootstrap resamples the events of each period with replacement (``n_boot``
    replicates; see :func:`kharita.analysis.frame.multinomial_bootstrap`) and
    reports the distribution of the crossing period and its 95% percentile interval.

    With ``coverage="comparable"`` (default) only the files and periods that every
    file carrying the frame's events covers are used
    (:func:`kharita.analysis.coverage.comparable`): the end of one region's file is not
    read as the other region overtaking it. ``result.coverage`` states the span and
    why; when fewer than two periods are left, no crossing is computed and
    ``result.coverage["testable"]`` is False. ``coverage="all"`` uses every row.

    Examples
    --------
    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 5_000, seed=1)
    >>> r = africa_crossing(build_frame(store), n_boot=200)
    >>> 2018 <= r.events.first.year <= 2021  # synthetic: Africa overtakes around 2020
    True
    >>> r.events.interval[0] <= r.events.first <= r.events.interval[1]
    True

    References
    ----------
    .. [1] Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap.
       Chapman & Hall.
    """
    if n_boot < 1:
        raise UserInputError(f"n_boot must be >= 1, got {n_boot}")
    check_freq(freq)
    if coverage not in ("comparable", "all"):
        raise UserInputError(f"coverage={coverage!r}: expected comparable or all")
    return _once(frame, ("africa_crossing", freq, n_boot, seed, coverage),
                 lambda: _crossing(frame, freq, n_boot, seed, coverage))


def _crossing(frame: Frame, freq: str, n_boot: int, seed: int, coverage: str
              ) -> CrossingResult:
    cov: dict[str, Any] = {"testable": True, "reason": "every row used (coverage='all')"}
    if coverage == "comparable":
        from kharita.analysis.coverage import comparable_once

        cmp = comparable_once(frame, freq=freq)
        cov = cmp.describe()
        if cmp.frame is None:
            empty = pd.DataFrame(columns=["period", "share"])
            none = [Crossing(m, None, None, (None, None), empty, n_boot)
                    for m in ("events", "fatalities")]
            shares = pd.DataFrame(columns=["period", "region", "events", "fatalities_best",
                                           "events_share", "fatalities_share"])
            return CrossingResult(shares, none[0], none[1], frame.filters.describe(), cov)
        frame = cmp.frame
    elif coverage != "all":
        raise UserInputError(f"coverage={coverage!r}: expected comparable or all")
    pat = frame.store.sql(geo_sql.crossing_patterns_sql(
        frame.sql, freq=freq, region_a="Africa", region_b="Middle East"))
    pat = pat.rename(columns={"b": "m", "fb": "fm"})
    shares = frame.store.sql(geo_sql.region_shares_sql(frame.sql, freq=freq))
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

    shares.attrs["filters"] = frame.filters.describe()
    shares.attrs["coverage"] = cov
    return CrossingResult(shares, crossing("events", 0, 1), crossing("fatalities", 2, 3),
                          frame.filters.describe(), cov)
