"""The seed analysis' main claims, each with the verdict of its preset check."""

from __future__ import annotations

from typing import Any

import pandas as pd

from kharita.errors import KharitaError
from kharita.report.sections.base import BriefData, Section, Table

ID, TITLE = "claims", "The seed analysis' main claims, checked against the store"


def build(data: BriefData) -> Section:
    from kharita.analysis.presets import PRESETS

    rows = []
    for name, preset in PRESETS.items():
        options: dict[str, Any] = {}
        frame = data.frame
        if name in ("shift-to-africa", "decentralization"):
            options = {"n_boot": data.n_boot}
        elif name == "survival-after-leadership-losses":
            frame, options = data.top_frame, {"n_placebo": data.n_placebo}
        elif name == "provinces-autonomy":
            frame = data.contagion_frame
            try:
                options = {"contagion": data.contagion}
            except (KharitaError, ValueError):
                options = {}  # the preset then says why the model could not be fitted
        result = preset.run(frame, **options)
        if name == "survival-after-leadership-losses" and "shocks" in result.tables:
            data.prime("shocks", result.tables["shocks"])  # the shocks section's table
        runs = result.figures.get("sensitivity") or []
        robust = ("" if not runs else f"same verdict in all {len(runs)} runs" if
                  result.figures.get("robust") else "fragile: " + "; ".join(
                      f"{r['axis']}={r['value']}: {r['verdict']}" for r in runs))
        rows.append({"claim": preset.claim, "claim_ar": preset.claim_ar,
                     "verdict": result.verdict, "why": result.reason,
                     "sensitivity": robust, "check": name})
    return Section(ID, TITLE,
                   intro=data.label("Each main claim of the seed analysis with what the data "
                                    "in this store says - supported, contradicted, or not "
                                    "testable with this data - and why (rules: "
                                    "kharita.analysis.presets, docs/analysis.md). Each "
                                    "verdict is re-run under the other ambiguity rules, "
                                    "incidents vs reports and (contagion) a yearly "
                                    "background; one that changes is not testable "
                                    "(fragile)."),
                   tables=[Table("Claims and verdicts", pd.DataFrame(rows), max_rows=60,
                                 caption=data.label(
                                     "The Arabic is the seed analysis' own wording. The "
                                     f"brief's bounded settings: {data.n_boot} bootstrap "
                                     f"replicates, {data.n_placebo} placebo dates on the "
                                     f"{data.shock_branches} most active branches; `kharita "
                                     "check` runs the full ones, so its intervals and "
                                     "placebo p-values can differ a little."),
                                 rtl_columns=("claim_ar",))])
