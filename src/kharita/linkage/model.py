"""The linkage model: Splink settings built from the comparisons of
:mod:`kharita.store.sql.linkage`, and its unsupervised training.

A pair of reports (``l``, ``r``) of two datasets gets, for each comparison ``k``, the
level ``γ_k`` its values fall in; under the Fellegi-Sunter model [1]_ the match weight
is ``log2(λ / (1 - λ)) + Σ_k log2(m_k(γ_k) / u_k(γ_k))`` with ``m_k`` the level's
probability among matches, ``u_k`` among non-matches and ``λ`` the prior probability
that two random reports of two datasets are the same incident. Training uses no labels
(Splink [2]_): ``u`` from random pairs, ``λ`` from a deterministic rule with an assumed
recall, ``m`` by expectation maximisation on two blocked samples (each leaves the
comparison it blocks on untrained).

References
----------
.. [1] Fellegi, I. P. & Sunter, A. B. (1969). A theory for record linkage. Journal of
   the American Statistical Association 64(328), 1183-1210.
.. [2] Linacre, R. et al. (2022). Splink: free software for probabilistic record
   linkage at scale. International Journal of Population Data Science 7(3).
"""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

from kharita.store.sql import linkage as q

#: Random pairs drawn to estimate the u probabilities: 20 per report, within these
#: bounds.
U_MIN_PAIRS, U_MAX_PAIRS = 2e5, 2e6
#: Seed of the random sampling (DuckDB), so a run is reproducible.
SEED = 42
#: Reports (all datasets together) from which the model is trained on a sample: each
#: report is kept with probability ``TRAIN_MAX_REPORTS / reports``, independently, so
#: that a pair of reports (a match or not, of any two datasets) is kept with one
#: probability ``f ** 2`` and the prior, the u probabilities and the make-up of every
#: EM block are those of all the reports in expectation; the trained model then scores
#: all of them.
TRAIN_MAX_REPORTS = 400_000


def for_dialect(model: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A trained model (Splink's settings dictionary) with its SQL in ``dialect``: the
    comparison levels rewritten from :func:`kharita.store.sql.linkage.comparisons`
    (same levels, same order; m and u kept), blocking rules translated by sqlglot."""
    import sqlglot

    if model.get("sql_dialect") == dialect:
        return model
    out = json.loads(json.dumps(model))
    native = q.comparisons(dialect)
    for comp in out["comparisons"]:
        levels = native[comp["output_column_name"]]
        for lv, (sql, _label, _null) in zip(comp["comparison_levels"], levels, strict=True):
            if sql != "ELSE":
                lv["sql_condition"] = sql
    src = str(model.get("sql_dialect") or "duckdb")
    for br in out.get("blocking_rules_to_generate_predictions", []):
        br["blocking_rule"] = sqlglot.transpile(br["blocking_rule"], read=src,
                                                write=dialect)[0]
        br["sql_dialect"] = dialect
    out["sql_dialect"] = dialect
    return out


def splink_settings(dialect: str = "duckdb") -> Any:
    """The Splink settings (untrained): link only across datasets, the blocking rules
    and comparisons of :mod:`kharita.store.sql.linkage` (kharita's dialect, translated
    by Splink for other engines), waterfall columns retained."""
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator
    from splink.blocking_rule_library import CustomRule

    comparisons: list[Any] = []
    for name, levels in q.comparisons(dialect).items():
        creators: list[Any] = []
        start = iter(q.START_M[name])
        for sql, label, is_null in levels:
            if is_null:
                creators.append(cll.CustomLevel(sql, label_for_charts=label,
                                                base_dialect_str=dialect
                                                ).configure(is_null_level=True))
                continue
            level = (cll.ElseLevel() if sql == "ELSE" else
                     cll.CustomLevel(sql, label_for_charts=label, base_dialect_str=dialect))
            creators.append(level.configure(label_for_charts=label,
                                            m_probability=next(start)))
        comparisons.append(cl.CustomComparison(creators, output_column_name=name,
                                               comparison_description=name))
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="event_id",
        source_dataset_column_name="source_dataset",
        blocking_rules_to_generate_predictions=[
            CustomRule(rule, sql_dialect="duckdb") for rule in q.blocking_rules()],
        comparisons=comparisons,
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        probability_two_random_records_match=1e-4,
    )


#: Bounds of the estimated prior (its log-odds must stay finite).
MIN_PRIOR = 1e-9


def train_fraction(reports: int) -> float:
    """Share of the reports the model is trained on (1 up to :data:`TRAIN_MAX_REPORTS`)."""
    return 1.0 if reports <= TRAIN_MAX_REPORTS else TRAIN_MAX_REPORTS / float(reports)


def u_pairs(reports: int) -> float:
    """Random pairs for the u estimate of ``reports`` input reports."""
    return float(min(max(20.0 * reports, U_MIN_PAIRS), U_MAX_PAIRS))


def train(linker: Any, *, seed: int = SEED, u_max_pairs: float = U_MAX_PAIRS) -> list[str]:
    """Estimate the model's parameters without labels (see the module docstring).

    Returns the EM blocking rules whose block had no pairs: their session trained
    nothing, and the comparisons only they train keep :data:`~kharita.store.sql.linkage.START_M`
    (every comparison stays in the model).
    """
    from splink.blocking_rule_library import CustomRule

    linker.training.estimate_probability_two_random_records_match(
        [CustomRule(q.PRIOR_RULE, sql_dialect="duckdb")], recall=q.PRIOR_RECALL)
    # No pair passes the deterministic rule (e.g. a dataset with one report in range):
    # Splink then estimates a prior of exactly 0 (or 1), whose log-odds are infinite and
    # fail every prediction. Such a store has almost no evidence of matches: clamp it.
    settings = linker._settings_obj
    lam = float(settings._probability_two_random_records_match)
    settings._probability_two_random_records_match = min(max(lam, MIN_PRIOR), 1 - MIN_PRIOR)
    linker.training.estimate_u_using_random_sampling(
        max_pairs=u_max_pairs, seed=seed, num_chunks=1 if u_max_pairs <= 5e5 else 10)
    from splink.internals.exceptions import EMTrainingException

    empty = []
    for rule, _untrained in q.EM_BLOCKING_RULES:
        # Splink (5.0) takes the session's blocked comparisons out of the linker's own
        # settings, and sets a blocking-adjusted prior there, before it finds the block
        # empty; it puts them back only after a session that trains. Without the copy a
        # store with no pairs in one block (UCDP with GDELT: no fatalities, no shared
        # actor names) lost its date, fatality and actor comparisons and scored on place
        # and type alone.
        saved = settings.core_model_settings.copy()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                CustomRule(rule, sql_dialect="duckdb"),
                estimate_without_term_frequencies=True)
        except EMTrainingException:
            # a session whose block has no pairs keeps the values it started from
            settings.core_model_settings = saved
            empty.append(rule)
    return empty


def model_dict(linker: Any) -> dict[str, Any]:
    """The trained model as Splink's JSON-ready settings dictionary."""
    return dict(linker.misc.save_model_to_json())


def model_id(model: dict[str, Any]) -> str:
    """A short content hash of a trained model (stored with every link)."""
    text = json.dumps(model, sort_keys=True, default=str)
    return "splink-" + hashlib.sha256(text.encode()).hexdigest()[:12]


def level_labels(model: dict[str, Any]) -> dict[str, list[str]]:
    """Per comparison, its levels' labels in order (null level first)."""
    out: dict[str, list[str]] = {}
    for comp in model["comparisons"]:
        out[comp["output_column_name"]] = [lv.get("label_for_charts") or lv["sql_condition"]
                                           for lv in comp["comparison_levels"]]
    return out


def level_weights(linker: Any) -> dict[str, list[tuple[int, float, str]]]:
    """Per comparison of a trained linker, each level in order as ``(gamma, log2 m/u,
    label)``: Splink's comparison vector value and match weight (0 for the null level;
    m and u clamped at Splink's minimum), exactly as its prediction SQL writes them."""
    out: dict[str, list[tuple[int, float, str]]] = {}
    for comp in linker._settings_obj.comparisons:
        out[comp.output_column_name] = [
            (int(lv.comparison_vector_value), float(lv._match_weight),
             str(lv.label_for_charts or lv.sql_condition))
            for lv in comp.comparison_levels]
    return out


def prior_weight(linker: Any) -> float:
    """``log2(λ / (1 - λ))`` of a trained linker, as Splink's prediction computes it."""
    from splink.internals.misc import prob_to_match_weight

    return float(prob_to_match_weight(
        linker._settings_obj._probability_two_random_records_match))


def min_weight(probability: float) -> float:
    """The match weight of a match probability (Splink's threshold conversion)."""
    from splink.internals.misc import prob_to_match_weight

    return float(prob_to_match_weight(probability))


def prior_log2(model: dict[str, Any]) -> float:
    """``log2(λ / (1 - λ))``: the waterfall's starting weight."""
    lam = float(model["probability_two_random_records_match"])
    return math.log2(lam / (1.0 - lam))


def parameters_frame(model: dict[str, Any]) -> list[dict[str, Any]]:
    """Per comparison level its m, u and match weight (for docs and reports)."""
    rows = []
    for comp in model["comparisons"]:
        for lv in comp["comparison_levels"]:
            if lv.get("is_null_level"):
                continue
            m, u = lv.get("m_probability"), lv.get("u_probability")
            weight = math.log2(m / u) if m and u else None
            rows.append({"comparison": comp["output_column_name"],
                         "level": lv.get("label_for_charts"), "m": m, "u": u,
                         "log2_bayes_factor": weight})
    return rows
