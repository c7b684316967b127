"""Record linkage across sources: the same real-world incident reported by UCDP,
ACLED, GTD, GDELT or the user's own tables.

:func:`link_events` scores every candidate pair of reports of two different datasets
with a Fellegi-Sunter model trained without labels in Splink (:mod:`kharita.linkage.model`;
Fellegi & Sunter 1969, Linacre et al. 2022) on the store's own engine
(:meth:`kharita.store.base.Store.splink_api`), stores the pairs with their waterfall in
``event_links`` and rebuilds ``incidents`` (:mod:`kharita.linkage.incidents`). The
method and its limits: ``docs/linkage.md``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from kharita.errors import UserInputError
from kharita.linkage import model as lm
from kharita.linkage.incidents import rebuild_incidents
from kharita.store.base import Store
from kharita.store.sql import linkage as q

#: Default match threshold (``KHARITA_LINK_THRESHOLD``): pairs at or above it join an
#: incident. Measured on the real recovery (docs/linkage.md): 0.3 gives the best
#: precision and recall together (the one-to-one assignment settles the competing
#: candidates a lower threshold lets in).
DEFAULT_THRESHOLD = 0.3
#: Pairs stored in ``event_links`` for review: match probability at or above this (or
#: the threshold, when lower).
KEEP_PROBABILITY = 0.3
#: Keys of ``kharita_meta`` holding the last run's threshold and trained model.
META_THRESHOLD = "link_threshold"
META_MODEL = "link_model"
STEPS = 8

Progress = Callable[[int, int], None]


@dataclass
class LinkReport:
    """What :func:`link_events` did."""

    reports: int = 0
    datasets: dict[str, int] = field(default_factory=dict)
    pairs_compared: int = 0
    links: int = 0
    links_above_threshold: int = 0
    incidents: int = 0
    reports_in_incidents: int = 0
    threshold: float = DEFAULT_THRESHOLD
    model_id: str = ""
    seconds: float = 0.0
    #: current reports not linked, per reason (no country, a date known only to the
    #: year ...): each stays an incident of its own
    left_out: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_threshold(threshold: float, name: str = "threshold") -> float:
    """A probability in (0, 1]."""
    t = float(threshold)
    if not 0.0 < t <= 1.0 or t != t:
        raise UserInputError(f"{name}={threshold!r}: expected a probability in (0, 1]")
    return t


def link_events(store: Store, kb: Any = None, *, threshold: float | None = None,
                progress: Progress | None = None, model: dict[str, Any] | None = None,
                keep_probability: float = KEEP_PROBABILITY,
                memory_limit: str | None = None) -> LinkReport:
    """Link the store's reports across datasets and rebuild the incidents.

    Parameters
    ----------
    store
        A writable store with events (and, for the actor comparison, attributions).
    kb
        The knowledge base (unused by the model itself: attributions carry it; kept so
        every pipeline step has one signature).
    threshold
        Match probability from which a pair joins an incident (default
        :data:`DEFAULT_THRESHOLD`); recorded in ``kharita_meta``.
    progress
        ``progress(done, total)`` callback over the :data:`STEPS` steps.
    model
        A trained Splink model (``kharita_meta``'s ``link_model`` of an earlier run, or
        :func:`kharita.linkage.model.model_dict`) to score with instead of training.
    keep_probability
        Pairs with a match probability at or above ``min(keep_probability,
        threshold)`` are stored for review.
    memory_limit
        DuckDB memory limit during the run (e.g. ``"4GB"``).

    Notes
    -----
    Only pairs of two different datasets are scored (a source; for the ``table``
    connector, a source and list name). The Splink work happens before any write; the
    replacement of ``event_links`` and ``incidents`` and the metadata run in one
    transaction, so a failure leaves the store as it was. Reviews
    (``link_reviews``) are never touched.
    """
    t0 = time.perf_counter()
    t = check_threshold(DEFAULT_THRESHOLD if threshold is None else threshold)
    keep = min(check_threshold(keep_probability, "keep_probability"), t)
    report = LinkReport(threshold=t)

    def step(i: int) -> None:
        if progress is not None:
            progress(i, STEPS)

    step(0)
    with _quiet_splink(), _memory(store, memory_limit):
        _drop_splink_leftovers(store)
        store.create_temp(q.INPUT_TABLE, q.link_input_sql())
        datasets = {str(r[0]): int(r[1]) for r in store.rows(q.input_sources_sql())}
        report.datasets, report.reports = datasets, sum(datasets.values())
        report.left_out = {str(r[0]): int(r[1]) for r in store.rows(q.left_out_sql())}
        step(1)
        views = []
        try:
            if len(datasets) >= 2:
                api = store.splink_api()
                inputs = []
                for i, name in enumerate(datasets):
                    view = f"_kh_link_ds{i}"
                    store.create_temp(view, q.source_view_sql(name))
                    views.append(view)
                    inputs.append(api.register(view, dataset_display_name=name))
                if model is None and lm.train_fraction(report.reports) < 1.0:
                    model = _train_on_sample(store, datasets, report.reports)
                trained, weights, prior = _model(inputs, model, report, step)
                report.model_id = lm.model_id(trained)
                with contextlib.suppress(Exception):
                    api.delete_tables_created_by_splink_from_db()
                store.create_temp(q.PAIRS_TABLE, q.link_pairs_sql())
                report.pairs_compared = int(store.scalar(q.count_sql(q.PAIRS_TABLE)) or 0)
                step(5)
                step(6)
                sql = q.scored_links_sql(weights, prior, lm.min_weight(keep),
                                         report.model_id, _now())
                _write(store, sql, trained, report, t)
            else:
                with store.transaction():
                    store.delete("event_links", "TRUE")
                    _set_meta(store, META_THRESHOLD, repr(t))
                    rebuild_incidents(store, t)
            step(7)
        finally:
            for view in views:
                store.drop_temp(view)
            store.drop_temp(q.PAIRS_TABLE)
            store.drop_temp(q.INPUT_TABLE)
            _drop_splink_leftovers(store)
    summary = store.rows(q.incident_summary_sql())
    report.reports_in_incidents, report.incidents = (int(summary[0][0] or 0),
                                                     int(summary[0][1] or 0))
    report.seconds = time.perf_counter() - t0
    step(STEPS)
    return report


def _train_on_sample(store: Store, datasets: dict[str, int], reports: int
                     ) -> dict[str, Any]:
    """The model trained on a sample of each dataset's reports
    (:func:`kharita.linkage.model.train_fraction`), on its own Splink API (own cache and
    scratch tables, dropped here)."""
    from splink import Linker

    frac = lm.train_fraction(reports)
    api = store.splink_api()
    views = []
    try:
        inputs = []
        for i, name in enumerate(datasets):
            view = f"_kh_link_train{i}"
            store.create_temp(view, q.source_sample_sql(name, frac))
            views.append(view)
            inputs.append(api.register(view, dataset_display_name=name))
        dialect = str(api.sql_dialect.sql_dialect_str)
        linker = Linker(inputs, lm.splink_settings(dialect), log_level=None)
        lm.train(linker, u_max_pairs=lm.u_pairs(int(reports * frac)))
        return lm.model_dict(linker)
    finally:
        with contextlib.suppress(Exception):
            api.delete_tables_created_by_splink_from_db()
        for view in views:
            store.drop_temp(view)


def _model(inputs: list[Any], model: dict[str, Any] | None, report: LinkReport,
           step: Callable[[int], None]
           ) -> tuple[dict[str, Any], dict[str, list[tuple[int, float, str]]], float]:
    """The model to score with (``model``, or trained on all reports): its Splink
    settings, each comparison level's ``(gamma, weight, label)`` and the prior weight."""
    from splink import Linker

    dialect = str(inputs[0].db_api.sql_dialect.sql_dialect_str)
    settings = (lm.for_dialect(model, dialect) if model is not None
                else lm.splink_settings(dialect))
    linker = Linker(inputs, settings, log_level=None)
    if model is None:
        lm.train(linker, u_max_pairs=lm.u_pairs(report.reports))
    step(4)
    return lm.model_dict(linker), lm.level_weights(linker), lm.prior_weight(linker)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")


def _write(store: Store, links_sql: str, trained: dict[str, Any], report: LinkReport,
           threshold: float) -> None:
    """Replace ``event_links`` with the scored pairs (``links_sql``) and rebuild the
    incidents, in one transaction."""
    with store.transaction():
        store.delete("event_links", "TRUE")
        report.links = store.append("event_links", links_sql)
        _set_meta(store, META_THRESHOLD, repr(threshold))
        _set_meta(store, META_MODEL, json.dumps(trained, default=str))
        rebuild_incidents(store, threshold)
    report.links_above_threshold = int(store.scalar(
        q.count_above_sql(), [threshold]) or 0)


def _set_meta(store: Store, key: str, value: str) -> None:
    store.delete("kharita_meta", q.meta_delete_where(), [key])
    store.execute(q.meta_set_sql(), [key, value])


def get_meta(store: Store, key: str) -> str | None:
    """A ``kharita_meta`` value (``None`` when absent)."""
    v = store.scalar(q.meta_get_sql(), [key])
    return None if v is None else str(v)


def stored_threshold(store: Store) -> float:
    """The threshold of the last :func:`link_events` run (default when none)."""
    v = get_meta(store, META_THRESHOLD)
    return float(v) if v else DEFAULT_THRESHOLD


def stored_model(store: Store) -> dict[str, Any] | None:
    """The trained model of the last run (``None`` when the store was never linked)."""
    v = get_meta(store, META_MODEL)
    return json.loads(v) if v else None


def _drop_splink_leftovers(store: Store) -> None:
    """Splink's tables of an interrupted run (DuckDB keeps them in the file)."""
    if store.engine != "duckdb":
        return
    for name, kind in store.rows(q.splink_tables_sql()):
        with contextlib.suppress(Exception):
            if "VIEW" in str(kind).upper():
                store.drop_temp(str(name))
            else:
                store.execute(q.drop_table_sql(str(name)))


@contextlib.contextmanager
def _quiet_splink() -> Iterator[None]:
    log = logging.getLogger("splink")
    level = log.level
    log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        log.setLevel(level)


@contextlib.contextmanager
def _memory(store: Store, limit: str | None) -> Iterator[None]:
    if not limit or store.engine != "duckdb":
        yield
        return
    from kharita.store.duckdb import memory_limit

    with memory_limit(store, limit):
        yield
