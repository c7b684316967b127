"""Caveats in plain words."""

from __future__ import annotations

from kharita.report.sections.base import BriefData, Section

ID, TITLE = "caveats", "Caveats in plain words"


def build(data: BriefData) -> Section:
    notes = [
        "Event datasets record what was reported and coded, not everything that happened: "
        "coverage differs by country, year, language and dataset version.",
        "UCDP codes the whole network as one actor (IS); kharita assigns branches from the "
        "knowledge base's territories by country, first-level region and date. Where no "
        "branch covers a place and time the event stays with the whole organisation at lower "
        "confidence rather than being guessed.",
        "An event with two candidate branches counts for each with its confidence share, so "
        "counts can be fractional.",
        "Deaths are the datasets' best estimates; low and high estimates can differ widely.",
        "Intervals are bootstrap or model intervals under the stated assumptions; they do not "
        "cover errors in the underlying data.",
        "Branch and leadership facts come from public sources cited in the knowledge base; "
        "dates of deaths and of their announcement often differ, and both are kept.",
    ]
    if data.synthetic:
        notes.insert(0, "This brief is built on SYNTHETIC events: it demonstrates the tool, "
                        "not the network's real activity. Do not cite its figures.")
    return Section(ID, TITLE, intro=data.label(""), notes=notes)
