"""The analysis frame: the network's events, one row per (event, branch), with weights.

Every figure kharita shows (CLI, brief, workbench, ``check``) is an aggregation of one
:class:`Frame`, built by :func:`build_frame` from a :class:`~kharita.store.base.Store`,
the knowledge base and one validated :class:`Filters`. Analyses take the frame, never
loose filter keywords.

Definitions
-----------
An event ``e`` belongs to branch ``b`` when an attribution links one of its actors to
a network member mapped to ``b`` (:func:`kharita.kb.network.network_profile`; groups
only inside their affiliation periods). Its **weight** depends on ``ambiguous``, the
rule for joint labels (ACLED's "X and/or Y": several candidates on one actor side):

``"split"`` (default)
    ``w(e, b) = c(e, b) / sum_k c(e, k)`` over the candidates ``k`` on the same side,
    in or out of the network; "X and/or Y" at 0.5/0.5 counts 0.5 to each.
``"full"``
    every candidate counts the event fully (weight 1): an upper bound.
``"exclude"``
    rows with more than one candidate on their side are dropped: a lower bound.

``min_confidence`` drops rows whose attribution confidence is below it (after the
shares were computed from all candidates). ``region`` is the member's world region,
else the country's (:mod:`kharita.kb.regions`, the UCDP GED convention), else
``"Unknown"``. ``admin1`` keeps events whose first-level division is one of the names
(case-insensitive, with or without the type word datasets append: "Aleppo" matches
UCDP's "Aleppo Governorate", "borno" its "Borno state"); ``actor`` those with an actor
name containing the text (case-insensitive); ``min_fatalities``/``max_fatalities``
bound ``fatalities_best`` (inclusive; events with unknown fatalities are dropped by
either bound).

Counting incidents
------------------
A row of a dataset is a *report*; reports of one real-world event in several datasets
are linked into an *incident* (:mod:`kharita.linkage`, the ``incidents`` table: one row
per report of a multi-report incident; a report absent from it is its own incident).
With ``count="incidents"`` (the default) the frame has one row per (incident, branch):

* date, place, coordinates, country, admin1, PRIO-GRID cell, event type, source and
  ``event_id`` are those of the incident's **representative** report (the
  best-documented one: highest date precision, then geo precision, then source
  priority ucdp > acled > gtd > table > gdelt, then event id);
* ``fatalities_best`` = the lower median of the reports' best estimates (for an even
  number of reports the smaller middle value, so it is always one report's figure),
  ``fatalities_low`` = the minimum of their lows, ``fatalities_high`` = the maximum of
  their highs (a report without a low or a high counts with its best, so
  ``low <= best <= high``);
* the confidence that entity ``k`` is behind the incident combines the reports as
  independent evidence, ``c(k) = 1 - prod_i (1 - c_i(k))`` over the reports ``i``
  that attribute it (on the same actor side); the joint-label shares are then
  computed from the combined confidences exactly as for one report: UCDP "IS" at 1.0
  plus ACLED "IS Sahel and/or JNIM" at 0.5/0.5 gives IS Sahel ``c = 1``, JNIM
  ``c = 0.5`` and shares 2/3 and 1/3 when both are on one side;
* ``sources`` and ``actor`` filters match an incident when *any* of its reports
  matches (an incident reported by UCDP and ACLED is in ``sources=["acled"]``); the
  other filters apply to the incident's values above.

``count="reports"`` counts every report (the figures of a single dataset). When the
store has no ``incidents`` table, or an empty one, both give the same frame.

The frame refuses attributions made with another knowledge-base version than the one
loaded (:class:`~kharita.errors.StaleAttributionError`): their entity ids and rules may
not match the loaded network.

References
----------
.. [1] Raleigh, C. et al. (2010). Introducing ACLED. Journal of Peace Research 47(5)
   (joint actor labels); Sundberg, R. & Melander, E. (2013). Introducing the UCDP
   Georeferenced Event Dataset. JPR 50(4) (the ``region`` convention).
.. [2] Donnay, K. et al. (2019). Integrating Conflict Event Data. Journal of Conflict
   Resolution 63(5) (MELTT: one event, several datasets; keep the best-documented
   report). The noisy-OR combination of independent evidence: Pearl, J. (1988).
   Probabilistic Reasoning in Intelligent Systems, ch. 4.3.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from kharita.errors import StaleAttributionError, UserInputError
from kharita.kb.dates import to_date
from kharita.kb.network import NetworkProfile, network_profile
from kharita.kb.regions import COUNTRY_REGION, UNKNOWN_REGION
from kharita.store.sql import frame as frame_sql

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase
    from kharita.store.base import Store

Ambiguous = Literal["full", "split", "exclude"]
AMBIGUOUS_MODES: tuple[str, ...] = ("split", "full", "exclude")
DEFAULT_AMBIGUOUS: Ambiguous = "split"
Count = Literal["incidents", "reports"]
COUNT_MODES: tuple[str, ...] = ("incidents", "reports")
DEFAULT_COUNT: Count = "incidents"
#: Longest ``actor`` text accepted.
MAX_ACTOR_LEN = 200

#: Columns of :meth:`Frame.df`, in order.
FRAME_COLUMNS: tuple[str, ...] = (
    "event_id", "date", "entity_id", "weight", "confidence", "source", "event_type",
    "country_iso3", "admin1", "latitude", "longitude", "priogrid_gid", "fatalities_best",
    "fatalities_low", "fatalities_high", "region",
)
#: Columns of :attr:`Frame.sql`: :data:`FRAME_COLUMNS` plus ``n_rows`` (the event's
#: number of network branches, an upper bound on its rows: single-row events need no
#: ``COUNT(DISTINCT)``) and the read model's ``place``, ``country``,
#: ``date_precision`` and ``synthetic``.
SQL_COLUMNS: tuple[str, ...] = (*FRAME_COLUMNS, "n_rows", "place", "country",
                                "date_precision", "synthetic")
#: Names :meth:`Filters.make` accepts.
FILTER_FIELDS: tuple[str, ...] = ("start", "end", "branches", "countries", "sources",
                                  "event_types", "min_confidence", "ambiguous", "admin1",
                                  "actor", "min_fatalities", "max_fatalities", "count")
#: Extra columns of both base tables: the incident and its number of reports (the
#: event and 1 when counting reports), for ``Frame.sql_over(..., extra_columns)``.
INCIDENT_COLUMNS: tuple[str, ...] = ("incident_id", "n_reports")


def _ids(name: str, values: Iterable[str] | str | None) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [v for v in values.split(",")]
    out = [str(v).strip() for v in values if str(v).strip()]
    if not out:
        return None
    return out


def resolve_branches(names: Iterable[str], kb: KnowledgeBase) -> tuple[str, ...]:
    """Branch ids for user-given names: ids as they are, else a KB name or alias that
    resolves to exactly one branch (``ISWAP`` -> ``is-west-africa``).

    >>> from kharita import load_kb
    >>> resolve_branches(["ISWAP", "is-iraq"], load_kb())
    ('is-west-africa', 'is-iraq')
    """
    prof = network_profile(kb)
    valid = set(prof.branch_ids)
    branch_of = {m.entity_id: m.branch_id for m in prof.members}
    out: list[str] = []
    for name in names:
        if name in valid:
            out.append(name)
            continue
        found = sorted({branch_of[m.entity_id] for m in kb.find(name)
                        if m.entity_id in branch_of})
        if len(found) == 1:
            out.append(found[0])
            continue
        hint = (f"it names several branches ({', '.join(found)})" if found
                else "valid branches: " + ", ".join(sorted(valid)))
        raise UserInputError(f"branches: unknown branch {name!r}; {hint}")
    return tuple(dict.fromkeys(out))


def resolve_countries(names: Iterable[str]) -> tuple[str, ...]:
    """ISO 3166 alpha-3 codes for codes or country names (``Nigeria`` -> ``NGA``).

    >>> resolve_countries(["nga", "Syria"])
    ('NGA', 'SYR')
    """
    import pycountry

    out = []
    for name in names:
        code = name.strip().upper()
        if len(code) == 3 and (pycountry.countries.get(alpha_3=code) or code == "XKX"):
            out.append(code)
            continue
        try:
            hits: list[Any] = list(pycountry.countries.search_fuzzy(name))
        except LookupError:
            hits = []
        if hits and str(hits[0].name).lower().startswith(name.strip().lower()[:4]):
            out.append(str(hits[0].alpha_3))
            continue
        raise UserInputError(f"countries: unknown country {name!r} (use ISO3 codes such as "
                             "IRQ, SYR, NGA)")
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class Filters:
    """The filters every figure accepts (validated: build with :meth:`make`).

    ``start``/``end`` are inclusive and apply to the event's start date; ``None`` means
    no filter; ``describe()`` states them in outputs. ``count`` chooses what a row is:
    an incident (default) or a report (see the module docstring).
    """

    start: dt.date | None = None
    end: dt.date | None = None
    branches: tuple[str, ...] | None = None
    countries: tuple[str, ...] | None = None
    sources: tuple[str, ...] | None = None
    event_types: tuple[str, ...] | None = None
    min_confidence: float = 0.0
    ambiguous: Ambiguous = DEFAULT_AMBIGUOUS
    admin1: tuple[str, ...] | None = None
    actor: str | None = None
    min_fatalities: int | None = None
    max_fatalities: int | None = None
    count: Count = DEFAULT_COUNT

    @classmethod
    def make(cls, kb: KnowledgeBase | None = None, **values: Any) -> Filters:
        """Validate filter values; unknown names, branches, countries, dates or modes
        raise :class:`~kharita.errors.UserInputError` naming the valid ones.

        Branch names resolve through the KB (``kb``, default the shipped KB).

        >>> Filters.make(start="2019", branches="ISWAP").branches
        ('is-west-africa',)
        >>> Filters.make(brnaches="is-iraq")
        Traceback (most recent call last):
        ...
        kharita.errors.UserInputError: unknown filter 'brnaches'; valid filters: start, \
end, branches, countries, sources, event_types, min_confidence, ambiguous, admin1, actor, \
min_fatalities, max_fatalities, count
        """
        unknown = [k for k in values if k not in FILTER_FIELDS]
        if unknown:
            raise UserInputError(f"unknown filter {unknown[0]!r}; valid filters: "
                                 + ", ".join(FILTER_FIELDS))
        ambiguous = values.get("ambiguous") or DEFAULT_AMBIGUOUS
        ambiguous = getattr(ambiguous, "value", ambiguous)
        if ambiguous not in AMBIGUOUS_MODES:
            raise UserInputError(f"ambiguous={ambiguous!r}: expected one of "
                                 f"{', '.join(AMBIGUOUS_MODES)}")
        mc = values.get("min_confidence")
        try:
            min_conf = 0.0 if mc is None else float(mc)
        except (TypeError, ValueError):
            raise UserInputError(f"min_confidence={mc!r}: expected a number in [0, 1]"
                                 ) from None
        if math.isnan(min_conf) or not 0.0 <= min_conf <= 1.0:
            raise UserInputError(f"min_confidence={mc!r}: expected a number in [0, 1]")
        start, end = (_date("start", values.get("start"), first=True),
                      _date("end", values.get("end"), first=False))
        if start is not None and end is not None and start > end:
            raise UserInputError(f"start {start} is after end {end}")
        branches = _ids("branches", values.get("branches"))
        if branches:
            if kb is None:
                from kharita.kb import load_kb

                kb = load_kb()
            branches = list(resolve_branches(branches, kb))
        countries = _ids("countries", values.get("countries"))
        if countries:
            countries = list(resolve_countries(countries))
        sources = _ids("sources", values.get("sources"))
        event_types = _ids("event_types", values.get("event_types"))
        count = values.get("count") or DEFAULT_COUNT
        count = getattr(count, "value", count)
        if count not in COUNT_MODES:
            raise UserInputError(f"count={count!r}: expected one of {', '.join(COUNT_MODES)}")
        min_fat = _fatalities("min_fatalities", values.get("min_fatalities"))
        max_fat = _fatalities("max_fatalities", values.get("max_fatalities"))
        if min_fat is not None and max_fat is not None and min_fat > max_fat:
            raise UserInputError(f"min_fatalities={min_fat} is above max_fatalities="
                                 f"{max_fat}")
        return cls(start, end, _tuple(branches), _tuple(countries),
                   _tuple([s.lower() for s in sources] if sources else None),
                   _tuple(event_types), min_conf, ambiguous,
                   _tuple(_ids("admin1", _names("admin1", values.get("admin1")))),
                   _actor(values.get("actor")), min_fat, max_fat, count)

    def replace(self, kb: KnowledgeBase | None = None, **changes: Any) -> Filters:
        """These filters with some values changed (validated again)."""
        merged = {**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)},
                  **changes}
        return Filters.make(kb, **merged)

    def describe(self) -> dict[str, Any]:
        """JSON-ready statement of the filters, for outputs and reports."""
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "branches": list(self.branches) if self.branches else None,
            "countries": list(self.countries) if self.countries else None,
            "sources": list(self.sources) if self.sources else None,
            "event_types": list(self.event_types) if self.event_types else None,
            "min_confidence": self.min_confidence,
            "ambiguous": self.ambiguous,
            "admin1": list(self.admin1) if self.admin1 else None,
            "actor": self.actor,
            "min_fatalities": self.min_fatalities,
            "max_fatalities": self.max_fatalities,
            "count": self.count,
        }


def _tuple(values: list[str] | None) -> tuple[str, ...] | None:
    return tuple(values) if values else None


def _names(name: str, value: Any) -> Any:
    """``value`` if it is text or a list of texts, else a :class:`UserInputError`."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return value
    raise UserInputError(f"{name}={value!r}: expected a name or a list of names")


def _actor(value: Any) -> str | None:
    """The ``actor`` filter: text, stripped; empty means no filter."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise UserInputError(f"actor={value!r}: expected text (part of an actor name)")
    text = " ".join(value.split())
    if len(text) > MAX_ACTOR_LEN:
        raise UserInputError(f"actor: the text has {len(text)} characters, at most "
                             f"{MAX_ACTOR_LEN}")
    return text or None


def _fatalities(name: str, value: Any) -> int | None:
    """A fatality bound: a whole number >= 0 (``None`` or ``""``: no bound)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise UserInputError(f"{name}={value!r}: expected a whole number >= 0") from None
    if math.isnan(number) or number < 0 or number != int(number):
        raise UserInputError(f"{name}={value!r}: expected a whole number >= 0")
    return int(number)


def _date(name: str, value: Any, *, first: bool) -> dt.date | None:
    """A filter date; a year (``2019``) or month (``2019-06``) means its first day for
    ``start`` and its last day for ``end``."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        from kharita.kb.dates import FuzzyDate

        fd = FuzzyDate.parse(text)
        return fd.earliest if first else fd.latest
    except (ValueError, ImportError, AttributeError):
        pass
    try:
        return to_date(text)
    except ValueError as exc:
        raise UserInputError(f"{name}={value!r}: expected a date (YYYY, YYYY-MM or "
                             f"YYYY-MM-DD): {exc}") from None


@dataclass(frozen=True)
class Frame:
    """The analysis frame on a store: the rows of :attr:`sql` for :attr:`filters`.

    Built by :func:`build_frame`; several frames on one store share one materialised
    base table, so narrowing (:meth:`narrow`) costs one scan.
    """

    store: Store
    kb: KnowledgeBase
    filters: Filters
    report_base: str
    warnings: tuple[str, ...] = ()
    #: The incident base table; ``None`` when the store has no incidents (then both
    #: counts read :attr:`report_base`).
    incident_base: str | None = None

    @property
    def base(self) -> str:
        """The base table the filters apply to: the incident base when counting
        incidents and the store has some, else the report base."""
        if self.filters.count == "incidents" and self.incident_base is not None:
            return self.incident_base
        return self.report_base

    @property
    def counts_incidents(self) -> bool:
        """True when a row of the frame is an incident of several linked reports."""
        return self.base != self.report_base

    @property
    def profile(self) -> NetworkProfile:
        return network_profile(self.kb)

    @property
    def sql(self) -> str:
        """A ``SELECT`` of :data:`SQL_COLUMNS` (use as a subquery)."""
        return self.sql_over(self.base)

    def sql_over(self, table: str, extra_columns: tuple[str, ...] = ()) -> str:
        """The frame's filters and weight applied to ``table``: the base table or a copy
        of it with ``extra_columns`` (e.g. the read model's ranked browse table)."""
        f = self.filters
        return frame_sql.filtered_sql(
            table, (*SQL_COLUMNS, *extra_columns), ambiguous=f.ambiguous,
            min_confidence=f.min_confidence, start=f.start, end=f.end, branches=f.branches,
            countries=f.countries, sources=f.sources, event_types=f.event_types,
            admin1=f.admin1, actor=f.actor, min_fatalities=f.min_fatalities,
            max_fatalities=f.max_fatalities)

    def narrow(self, **changes: Any) -> Frame:
        """The same store and KB with some filters changed (``frame.narrow(start=...)``)."""
        return dataclasses.replace(self, filters=self.filters.replace(self.kb, **changes))

    def over(self, table: str) -> Frame:
        """This frame read from ``table`` instead of its base table (a copy of the base
        with fewer rows, e.g. :func:`kharita.analysis.coverage.restrict`)."""
        if self.counts_incidents:
            return dataclasses.replace(self, incident_base=table)
        return dataclasses.replace(self, report_base=table, incident_base=None)

    def with_filters(self, filters: Filters) -> Frame:
        """The same store and KB with other (already validated) filters."""
        return dataclasses.replace(self, filters=filters)

    def df(self) -> pd.DataFrame:
        """The frame's rows (:data:`FRAME_COLUMNS`), sorted by date, event and branch."""
        df = self.store.sql(frame_sql.ordered_sql(self.sql))
        df["date"] = pd.to_datetime(df["date"])
        out = df[list(FRAME_COLUMNS)]
        out.attrs["filters"] = self.filters.describe()
        return out

    def describe(self) -> dict[str, Any]:
        return self.filters.describe()


def build_frame(store: Store, kb: KnowledgeBase | None = None,
                filters: Filters | None = None, **values: Any) -> Frame:
    """The analysis frame on ``store`` for ``filters`` (or the filter ``values``).

    The base table (every network row with its weights' ingredients) is computed once
    per store and KB version and reused by every frame built afterwards; so is the
    incident base when the store has incidents (see "Counting incidents" above).

    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 2_000, seed=1)
    >>> fr = build_frame(store, start="2020-01-01", end="2020-12-31")
    >>> df = fr.df()
    >>> list(df.columns) == list(FRAME_COLUMNS), bool(df.weight.between(0, 1).all())
    (True, True)
    """
    if kb is None:
        from kharita.kb import load_kb

        kb = load_kb()
    if filters is not None and values:
        raise UserInputError("pass either filters= or filter values, not both")
    f = filters if filters is not None else Filters.make(kb, **values)
    base, incident_base, warnings = _base_table(store, kb)
    return Frame(store, kb, f, base, warnings, incident_base)


#: KB versions written by the seeded synthetic fixtures (never stale).
SYNTHETIC_KB_VERSION = "synthetic"


def _base_table(store: Store, kb: KnowledgeBase
                ) -> tuple[str, str | None, tuple[str, ...]]:
    for table in ("events", "attributions"):
        if not store.has_table(table):
            raise UserInputError(f"the store has no {table!r} table: run `kharita ingest` "
                                 "(or `kharita demo`) first")
    versions = [r[0] for r in store.rows(frame_sql.kb_versions_sql())]
    other = [v for v in versions if v not in (kb.version, SYNTHETIC_KB_VERSION)]
    if other:
        raise StaleAttributionError(
            f"the store's attributions were made with KB version {', '.join(other)}, the "
            f"loaded KB is {kb.version}: run `kharita attribute` (with the same --kb) "
            "to re-attribute, or load the KB they were made with")
    tag = hashlib.sha1(kb.version.encode()).hexdigest()[:10]
    name, inc_name = f"kh_frame_base_{tag}", f"kh_frame_incidents_{tag}"
    cache = store_cache(store, "frame")
    has_incidents = store.has_table("incidents")
    stamp = store.rows(frame_sql.stamp_sql(has_incidents))[0]
    with_incidents = bool(stamp[3])
    wanted = [(name, frame_sql.base_sql)]
    if with_incidents:
        wanted.append((inc_name, functools.partial(frame_sql.incident_base_sql,
                                                   report_base=name)))
    registered = False
    rebuilt = False
    for table, builder in wanted:
        if not rebuilt and cache.get(table) == stamp and store.has_table(table):
            continue
        rebuilt = True  # the incident base reads the report base: rebuilt after it
        if not registered:
            store.register("kh_members", members_frame(network_profile(kb)))
            store.register("kh_regions", regions_frame())
            registered = True
        store.create_temp(table, builder("kh_members", "kh_regions", UNKNOWN_REGION))
        cache[table] = stamp
    return name, (inc_name if with_incidents else None), ()


def store_cache(store: Store, name: str) -> dict[str, Any]:
    """A dictionary that lives as long as the open store (one per ``name``), for tables
    derived from it: the frame's base table, the read model's browse table."""
    caches: dict[str, dict[str, Any]] | None = getattr(store, "_kh_caches", None)
    if caches is None:
        caches = {}
        store._kh_caches = caches  # type: ignore[attr-defined]
    return caches.setdefault(name, {})


def members_frame(profile: NetworkProfile) -> pd.DataFrame:
    """The members table the frame SQL joins (:data:`frame_sql.MEMBER_COLUMNS`)."""
    rows = [(m.entity_id, m.branch_id, m.region, m.valid_from, m.valid_to)
            for m in profile.members]
    df = pd.DataFrame(rows, columns=list(frame_sql.MEMBER_COLUMNS))
    for c in ("valid_from", "valid_to"):
        df[c] = pd.to_datetime(df[c]).dt.date if len(df) else pd.Series(dtype="object")
        df[c] = df[c].astype("datetime64[s]") if len(df) else df[c]
    df["member_region"] = df["member_region"].astype("string")
    return df


def regions_frame() -> pd.DataFrame:
    """ISO3 -> world region (:data:`kharita.kb.regions.COUNTRY_REGION`)."""
    return pd.DataFrame(sorted(COUNTRY_REGION.items()),
                        columns=list(frame_sql.REGION_COLUMNS))


def attributed_events(store: Store, *, kb: KnowledgeBase | None = None,
                      filters: Filters | None = None, **values: Any) -> pd.DataFrame:
    """The frame's rows as a DataFrame: ``build_frame(...).df()``."""
    return build_frame(store, kb, filters, **values).df()


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
