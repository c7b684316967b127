"""SQL of the geography measures (see :mod:`kharita.analysis.geography` for the
definitions): spherical centres, region shares and the Africa / Middle East crossing."""

from __future__ import annotations

from kharita.errors import UserInputError
from kharita.store.sql.common import q
from kharita.store.sql.periods import period_sql

#: What a row's weight is multiplied by: ``events`` (1) or best ``fatalities``.
WEIGHTINGS: tuple[str, ...] = ("events", "fatalities")


def weight_sql(weighting: str) -> str:
    """The weight expression of ``weighting`` over frame columns."""
    if weighting not in WEIGHTINGS:
        raise UserInputError(f"weighting={weighting!r}: expected one of "
                             f"{', '.join(WEIGHTINGS)}")
    return "weight" if weighting == "events" else "weight * COALESCE(fatalities_best, 0)"


def centres_sql(frame: str, *, freq: str, weighting: str, earth_radius_km: float,
                min_resultant: float) -> str:
    """Per period: the sum of weighted unit vectors, the centre it points to, the mean
    resultant length and the weighted mean great-circle distance to the centre."""
    w = weight_sql(weighting)
    period = period_sql(freq)
    ok = f"c.sw > 0 AND c.norm / c.sw >= {min_resultant!r}"
    return f"""
WITH v AS (
  SELECT {period} AS period, {w} AS w,
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
  SELECT period, sx, sy, sz, sw, n_rows, sqrt(sx * sx + sy * sy + sz * sz) AS norm FROM s
)
SELECT c.period,
       CASE WHEN {ok} THEN degrees(atan2(c.sz, sqrt(c.sx * c.sx + c.sy * c.sy))) END AS lat,
       CASE WHEN {ok} THEN degrees(atan2(c.sy, c.sx)) END AS lon,
       CASE WHEN c.sw > 0 THEN c.norm / c.sw END AS resultant,
       CASE WHEN {ok} THEN
         SUM(v.w * {earth_radius_km!r} * atan2(
             sqrt(power(v.y * c.sz - v.z * c.sy, 2) + power(v.z * c.sx - v.x * c.sz, 2)
                  + power(v.x * c.sy - v.y * c.sx, 2)),
             v.x * c.sx + v.y * c.sy + v.z * c.sz)) / c.sw END AS dispersion_km,
       c.sw AS total_weight, c.n_rows AS n_located
FROM c JOIN v ON v.period = c.period
GROUP BY c.period, c.sx, c.sy, c.sz, c.sw, c.norm, c.n_rows
ORDER BY c.period
"""


def region_shares_sql(frame: str, *, freq: str) -> str:
    """Weighted events and best fatalities per period and world region, with the
    region's share of the period's total."""
    period = period_sql(freq)
    return f"""
WITH r AS (
  SELECT {period} AS period, region, SUM(weight) AS events,
         SUM(weight * COALESCE(fatalities_best, 0)) AS fatalities_best
  FROM ({frame}) f
  GROUP BY {period}, region
)
SELECT period, region, events, fatalities_best,
       events / SUM(events) OVER (PARTITION BY period) AS events_share,
       CASE WHEN SUM(fatalities_best) OVER (PARTITION BY period) > 0
            THEN fatalities_best / SUM(fatalities_best) OVER (PARTITION BY period)
       END AS fatalities_share
FROM r
ORDER BY period, region
"""


def crossing_patterns_sql(frame: str, *, freq: str, region_a: str, region_b: str) -> str:
    """Each event's contribution ``(a, b, fa, fb)`` to region A's and region B's weighted
    events and fatalities, grouped into patterns with their number of events ``n`` per
    period (the bootstrap resamples events, so an event's rows stay together)."""
    period = period_sql(freq)
    ra, rb = q(region_a), q(region_b)
    cols = f"""CASE WHEN region = {ra} THEN weight ELSE 0 END AS a,
         CASE WHEN region = {rb} THEN weight ELSE 0 END AS b,
         CASE WHEN region = {ra} THEN weight * fat ELSE 0 END AS fa,
         CASE WHEN region = {rb} THEN weight * fat ELSE 0 END AS fb"""
    base = (f"SELECT event_id, n_rows, region, weight, COALESCE(fatalities_best, 0) AS fat, "
            f"{period} AS p FROM ({frame}) f0")
    return f"""
WITH e AS (
  SELECT p AS period, {cols} FROM ({base}) f WHERE n_rows = 1
  UNION ALL
  SELECT MIN(p) AS period, SUM(a) AS a, SUM(b) AS b, SUM(fa) AS fa, SUM(fb) AS fb
  FROM (SELECT event_id, p, {cols} FROM ({base}) f1 WHERE n_rows > 1) f
  GROUP BY event_id
)
SELECT period, a, b, fa, fb, COUNT(*) AS n
FROM e
GROUP BY period, a, b, fa, fb
ORDER BY period, a, b, fa, fb
"""
