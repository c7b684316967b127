"""Concentration and decentralization of the network's activity across branches.

Per period ``t``, with ``p_b(t)`` the share of branch ``b`` in the network's weighted
events (or fatalities) and ``K`` the number of branches active in the analysed window:

* Herfindahl-Hirschman index ``HHI(t) = sum_b p_b(t)^2``, in ``[1/n, 1]`` for ``n``
  active branches (1 = one branch does everything);
* Shannon entropy ``H(t) = -sum_b p_b(t) ln p_b(t)`` and normalised entropy
  ``H(t) / ln K`` in ``[0, 1]`` (1 = activity spread evenly over all K branches);
* effective number of branches ``1 / HHI`` (Laakso & Taagepera 1979) and ``exp(H)``
  (Hill number of order 1);
* the core's share: ``p_is-iraq + p_is-syria`` (plus the predecessors in Iraq: the
  network members of type ``predecessor`` in the KB).

Rows left at the network's root (:func:`kharita.kb.network.network_profile`, ``is`` in
the shipped KB: no branch covers the place and time) are not a branch.

Bootstrap intervals resample the events of each period with replacement.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kharita.analysis.frame import multinomial_bootstrap
from kharita.errors import UserInputError
from kharita.kb.network import network_profile
from kharita.store.sql import concentration as conc_sql
from kharita.store.sql.geography import WEIGHTINGS
from kharita.store.sql.periods import check_freq

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame
    from kharita.kb.knowledge import KnowledgeBase

#: The core of the network: the provinces of Iraq and Syria (and, before 2013, the
#: predecessors in Iraq: the KB's network members of type ``predecessor``).
CORE_BRANCHES: tuple[str, ...] = ("is-iraq", "is-syria")


def hhi(shares: Any) -> float:
    """Herfindahl-Hirschman index ``sum_i s_i^2`` of shares (normalised to sum 1).

    >>> hhi([0.5, 0.5]), hhi([1.0, 0.0]), round(hhi([1, 1, 2]), 4)
    (0.5, 1.0, 0.375)

    References
    ----------
    .. [1] Hirschman, A. O. (1964). The paternity of an index. American Economic
       Review 54(5), 761.
    """
    s = np.asarray(shares, dtype=float)
    total = s.sum()
    if total <= 0:
        return float("nan")
    p = s / total
    return float((p * p).sum())


def shannon_entropy(shares: Any) -> float:
    """Shannon entropy ``-sum_i p_i ln p_i`` (nats) of shares normalised to sum 1.

    >>> round(shannon_entropy([1, 1]), 6) == round(float(np.log(2)), 6)
    True
    """
    s = np.asarray(shares, dtype=float)
    total = s.sum()
    if total <= 0:
        return float("nan")
    p = s / total
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


def normalised_entropy(shares: Any, k: int | None = None) -> float:
    """Shannon entropy divided by ``ln k`` (``k`` = number of categories, default
    ``len(shares)``): 0 = all in one category, 1 = evenly spread (Pielou's evenness).
    With ``k <= 1`` the result is 0 (nothing to spread over).

    >>> normalised_entropy([1, 1, 1, 1]), normalised_entropy([3, 0, 0])
    (1.0, 0.0)

    References
    ----------
    .. [1] Shannon, C. E. (1948). A mathematical theory of communication. Bell System
       Technical Journal 27; Pielou, E. C. (1966). Journal of Theoretical Biology 13.
    """
    k = len(np.asarray(shares)) if k is None else int(k)
    h = shannon_entropy(shares)
    if np.isnan(h):
        return h
    if k <= 1:
        return 0.0
    return float(min(1.0, max(0.0, h / np.log(k))))


def core_entities(kb: KnowledgeBase) -> set[str]:
    """The core: :data:`CORE_BRANCHES` plus the network's predecessor members (its
    earlier organisations in Iraq, from the KB's network profile).

    >>> from kharita import load_kb
    >>> sorted(core_entities(load_kb()))
    ['aqi', 'is-iraq', 'is-syria', 'isi', 'jtj', 'msc']
    """
    prof = network_profile(kb)
    return set(CORE_BRANCHES) | {m.entity_id for m in prof.members
                                 if m.type == "predecessor"}


def _measures(totals: np.ndarray, core_mask: np.ndarray, k: int) -> dict[str, np.ndarray]:
    """Vectorised measures for totals of shape ``(..., K)``."""
    tot = totals.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(tot > 0, totals / tot, np.nan)
        h_i = np.zeros_like(p)
        pos = np.nan_to_num(p) > 0
        h_i[pos] = -p[pos] * np.log(p[pos])
        h = np.where(tot[..., 0] > 0, h_i.sum(axis=-1), np.nan)
        hh = (p * p).sum(axis=-1)
        return {
            "hhi": hh,
            "entropy": h,
            "entropy_norm": np.clip(h / np.log(k), 0, 1) if k > 1 else np.where(
                np.isnan(h), np.nan, 0.0),
            "n_eff_hhi": 1.0 / hh,
            "n_eff_entropy": np.exp(h),
            "core_share": (p * core_mask).sum(axis=-1),
        }


MEASURES: tuple[str, ...] = ("hhi", "entropy", "entropy_norm", "n_eff_hhi", "n_eff_entropy",
                             "core_share")


def _patterns(frame: Frame, freq: str, weighting: str, exclude: str | None
              ) -> tuple[pd.DataFrame, list[dict[str, float]]]:
    """Per period, the distinct contribution patterns of events to the branches' totals
    (``{branch: value}``) and their number of events ``n``, sorted by period and by
    the pattern written ``branch=value;...``."""
    single = frame.store.sql(conc_sql.single_patterns_sql(
        frame.sql, freq=freq, weighting=weighting, exclude=exclude))
    multi = frame.store.sql(conc_sql.multi_rows_sql(
        frame.sql, freq=freq, weighting=weighting, exclude=exclude))
    rows: dict[tuple[Any, str], list[Any]] = {}
    for period, entity, value, n in single.itertuples(index=False, name=None):
        d = {str(entity): float(value)}
        key = (pd.Timestamp(period), _pattern_key(d))
        rows.setdefault(key, [d, 0])[1] += int(n)
    for (_event, period), g in multi.groupby(["event_id", "period"], sort=False):
        d = {str(b): float(v) for b, v in zip(g.entity_id, g.value, strict=True)}
        key = (pd.Timestamp(str(period)), _pattern_key(d))
        rows.setdefault(key, [d, 0])[1] += 1
    keys = sorted(rows)
    pat = pd.DataFrame({"period": [k[0] for k in keys], "pattern": [k[1] for k in keys],
                        "n": np.array([rows[k][1] for k in keys], dtype=np.int64)})
    return pat, [rows[k][0] for k in keys]


def _pattern_key(d: dict[str, float]) -> str:
    return ";".join(f"{b}={v!r}" for b, v in sorted(d.items()))


def concentration(frame: Frame, *, freq: str = "year", weighting: str = "events",
                  n_boot: int = 500, seed: int = 0, ci: float = 0.95,
                  include_unassigned: bool = False,
                  core: Iterable[str] | None = None,
                  coverage: str = "comparable") -> pd.DataFrame:
    """Decentralization of the network per period, with bootstrap intervals.

    Definitions in the module docstring. ``K`` (for the normalised entropy) is the
    number of branches with activity anywhere in the analysed window, so the measure
    is comparable across periods. Events left at the organisation as a whole (the
    network's root, ``is``: no branch) are not a branch and are left out unless
    ``include_unassigned``; the ``unassigned`` column gives their weight. The bootstrap
    (``n_boot`` replicates, events resampled with replacement within each period) gives
    percentile intervals ``<measure>_low`` / ``<measure>_high`` at level ``ci``.

    With ``coverage="comparable"`` (default) only the files and periods every file
    carrying the frame's events covers are used
    (:func:`kharita.analysis.coverage.comparable`), so the end of one branch's file is
    not read as a fall of its share; ``df.attrs["coverage"]`` states the span and why
    (``testable`` False and no rows when no whole period is left).
    ``coverage="all"`` uses every row.

    Parameters
    ----------
    frame : the analysis frame (:func:`kharita.analysis.frame.build_frame`).
    freq : ``week``, ``month``, ``quarter`` or ``year``.
    weighting : ``"events"`` (weighted counts) or ``"fatalities"`` (weighted best
        fatalities).
    core : the core's branch ids (default ``is-iraq``, ``is-syria`` and the
        predecessor members).

    Returns
    -------
    pandas.DataFrame[period, total, unassigned, n_active, k, hhi, entropy,
    entropy_norm, n_eff_hhi, n_eff_entropy, core_share, and ``_low``/``_high`` for
    each]

    Examples
    --------
    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 5_000, seed=1)
    >>> c = concentration(build_frame(store), n_boot=100)
    >>> bool(c.core_share.iloc[0] > c.core_share.iloc[-1])  # the core's share falls
    True
    >>> bool(((c.hhi_low <= c.hhi) & (c.hhi <= c.hhi_high)).all())
    True

    References
    ----------
    .. [1] Laakso, M. & Taagepera, R. (1979). "Effective" number of parties.
       Comparative Political Studies 12(1), 3-27.
    .. [2] Hill, M. O. (1973). Diversity and evenness: a unifying notation and its
       consequences. Ecology 54(2), 427-432.
    """
    if weighting not in WEIGHTINGS:
        raise UserInputError(f"weighting={weighting!r}: expected events or fatalities")
    if n_boot < 0:
        raise UserInputError(f"n_boot must be >= 0, got {n_boot}")
    if not 0 < ci < 1:
        raise UserInputError(f"ci must be in (0, 1), got {ci}")
    check_freq(freq)
    cov: dict[str, Any] = {"testable": True, "reason": "every row used (coverage='all')"}
    if coverage == "comparable":
        from kharita.analysis.coverage import comparable_once

        cmp = comparable_once(frame, freq=freq, min_periods=1)
        cov = cmp.describe()
        if cmp.frame is None:
            empty = pd.DataFrame(columns=["period", "total", "unassigned", "n_active", "k",
                                          *MEASURES])
            empty.attrs.update(filters=frame.filters.describe(), branches=[], core=[],
                               weighting=weighting, coverage=cov)
            return empty
        frame = cmp.frame
    elif coverage != "all":
        raise UserInputError(f"coverage={coverage!r}: expected comparable or all")
    root = frame.profile.root
    pat, decoded = _patterns(frame, freq, weighting, None if include_unassigned else root)
    un = frame.store.sql(conc_sql.unassigned_sql(frame.sql, freq=freq, weighting=weighting,
                                                 root=root))
    core_ids = set(core) if core is not None else core_entities(frame.kb)
    # the patterns as a contribution matrix (one row per pattern, one column per branch)
    names = sorted({b for d in decoded for b, v in d.items() if v > 0})
    col = {b: i for i, b in enumerate(names)}
    contrib = np.zeros((len(decoded), len(names)))
    for j, d in enumerate(decoded):
        for b, v in d.items():
            if b in col:
                contrib[j, col[b]] = v
    k = len(names)
    core_mask = np.array([b in core_ids for b in names], dtype=float)
    pat["period"] = pd.to_datetime(pat["period"])
    rng = np.random.default_rng(seed)
    alpha = (1 - ci) / 2
    rows = []
    for period, ix in pat.groupby("period", sort=True).indices.items():
        counts = pat["n"].to_numpy()[ix]
        c = contrib[ix]
        totals = counts @ c
        m = _measures(totals[None, :], core_mask, k)
        row: dict[str, Any] = {"period": period, "total": float(totals.sum()),
                               "n_active": int((totals > 0).sum()), "k": k}
        row.update({name: float(v[0]) for name, v in m.items()})
        if n_boot > 0:
            mb = _measures(multinomial_bootstrap(counts, c, n_boot, rng), core_mask, k)
            for name, vals in mb.items():
                q = (np.nanquantile(vals, [alpha, 1 - alpha]) if np.isfinite(vals).any()
                     else np.array([np.nan, np.nan]))
                row[f"{name}_low"], row[f"{name}_high"] = float(q[0]), float(q[1])
        rows.append(row)
    out = pd.DataFrame(rows)
    if out.empty:
        out = pd.DataFrame(columns=["period", "total", "n_active", "k", *MEASURES])
    un["period"] = pd.to_datetime(un["period"])
    out = out.merge(un, on="period", how="left") if not out.empty else out.assign(unassigned=[])
    lead = ["period", "total", "unassigned", "n_active", "k"]
    rest = [c for m_ in MEASURES for c in (m_, f"{m_}_low", f"{m_}_high") if c in out.columns]
    out = out[lead + rest]
    out.attrs["filters"] = frame.filters.describe()
    out.attrs["branches"] = names
    out.attrs["core"] = sorted(core_ids & set(names))
    out.attrs["weighting"] = weighting
    out.attrs["coverage"] = cov
    return out


def branch_shares(frame: Frame, *, freq: str = "year", weighting: str = "events",
                  include_unassigned: bool = False) -> pd.DataFrame:
    """Share ``p_b(t)`` of each branch in the network's weighted events (or fatalities).

    Rows left at the network's root are left out unless ``include_unassigned``.

    Returns
    -------
    pandas.DataFrame[period, entity_id, value, share]
    """
    check_freq(freq)
    exclude = None if include_unassigned else frame.profile.root
    df = frame.store.sql(conc_sql.branch_shares_sql(frame.sql, freq=freq, weighting=weighting,
                                                    exclude=exclude))
    df["period"] = pd.to_datetime(df["period"])
    df.attrs["filters"] = frame.filters.describe()
    return df
