"""What each source covers: per ingested file and country, the period it spans and
whether it is a complete extract or a sample (:func:`kharita.analysis.coverage.coverage`,
the same table as ``kharita coverage``). Every comparison over time in this brief uses
only the spans drawn here."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import pandas as pd

from kharita.report import charts
from kharita.report.sections.base import BriefData, Chart, Section, Table

ID, TITLE = "coverage", "What each source covers"

#: Bar colour per coverage kind.
KIND_COLORS = {"complete": "#1f6f8b", "sample": "#d08c2f", "unknown": "#8a8a8a"}


def rows(cov: pd.DataFrame) -> pd.DataFrame:
    """One row per (file, country) for complete files and one per file for samples
    (their countries counted, not drawn one by one), with the file's name only (never a
    local path), sorted by kind, start and label."""
    if cov.empty:
        return pd.DataFrame(columns=["label", "source", "file", "kind", "countries",
                                     "first", "last", "n_events", "kind_rule"])
    cov = cov.assign(file=[PurePath(str(f)).name for f in cov["file"]])
    complete = cov[cov.kind != "sample"]
    out: list[dict[str, Any]] = [
        {"label": f"{r.source} {r.file} · {r.country_iso3}", "source": r.source,
         "file": r.file, "kind": r.kind, "countries": str(r.country_iso3),
         "first": r.first, "last": r.last, "n_events": int(str(r.n_events)),
         "kind_rule": r.kind_rule} for r in complete.itertuples()]
    for (source, file), g in cov[cov.kind == "sample"].groupby(["source", "file"]):
        names = sorted(str(c) for c in g.country_iso3 if c)  # '': events without a country
        out.append({"label": f"{source} {file} · {len(names)} countries (sample)",
                    "source": source, "file": file, "kind": "sample",
                    "countries": ", ".join(names),
                    "first": g["first"].min(), "last": g["last"].max(),
                    "n_events": int(g.n_events.sum()), "kind_rule": g.kind_rule.iloc[0]})
    df = pd.DataFrame(out)
    order = {"complete": 0, "unknown": 1, "sample": 2}
    return (df.assign(_k=df.kind.map(order).fillna(3)).sort_values(["_k", "first", "label"])
            .drop(columns="_k").reset_index(drop=True))


def build(data: BriefData) -> Section:
    from kharita.analysis.coverage import coverage

    table = rows(coverage(data.frame.store))
    sec = Section(ID, TITLE, intro=data.label(
        "Each bar is one ingested file in one country, from its first to its last event "
        "day (a version's declared scope where known); samples are one bar per file. A "
        "series in this brief ends where the files that carry it end, and a comparison "
        "over time uses only the span that every file it compares covers (kharita "
        "coverage; docs/analysis.md)."))
    if table.empty:
        sec.charts.append(Chart("coverage", {"title": TITLE, "reason":
                                             "not testable: no ingested files are recorded "
                                             "in this store"},
                                data.label("No ingest records."), kind="untestable"))
        return sec
    traces: list[dict[str, Any]] = []
    shown: set[str] = set()
    for kind, color in KIND_COLORS.items():
        part = table[table.kind == kind]
        if part.empty:
            continue
        xs: list[str | None] = []
        ys: list[str | None] = []
        for first, last, label in zip(part["first"], part["last"], part["label"],
                                      strict=True):
            xs += [str(first), str(last), None]
            ys += [str(label), str(label), None]
        traces.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys,
                       "name": kind, "showlegend": kind not in shown,
                       "line": {"color": color, "width": 9},
                       "hovertemplate": "%{y}: %{x}<extra>" + kind + "</extra>"})
        shown.add(kind)
    fig = {"data": traces, "layout": charts.base_layout(
        "Coverage per file and country", data.synthetic,
        height=max(220, 60 + 26 * len(table)), xaxis={"type": "date"},
        yaxis={"type": "category", "autorange": "reversed", "automargin": True},
        margin={"l": 260, "r": 20, "t": 50, "b": 40})}
    sec.charts.append(Chart("coverage", fig, data.label(
        "Blue: complete extracts of a country; orange: samples (a few events per country "
        "and year: they show presence, not trends).")))
    sec.tables.append(Table("Coverage per file and country",
                            table.drop(columns=["label"]), max_rows=80,
                            caption=data.label("kharita.analysis.coverage.coverage; kind "
                                               "and why in kind_rule.")))
    return sec
