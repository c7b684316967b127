"""The brief's sections: a small registry, one builder per section.

Each :class:`SectionSpec` names the library functions it needs as
``"module:attribute"`` strings. :func:`run_section` is the ONE place that resolves
them: a function that has not landed in this installation (ImportError or
AttributeError) turns the section into a clear "not available" notice — never
invented numbers. Optional requirements leave the rest of a section standing.
"""

from __future__ import annotations

import datetime as dt
import importlib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from kharita.report import charts, kbviews, queries

if TYPE_CHECKING:
    from kharita.kb.knowledge import KnowledgeBase


@dataclass
class Chart:
    """A plotly.js figure to draw, with a caption."""

    id: str
    figure: dict[str, Any]
    caption: str = ""
    kind: str = "plotly"


@dataclass
class Table:
    """A table to print (the DataFrame is shown as is; long tables are cut with a note)."""

    title: str
    df: pd.DataFrame
    caption: str = ""
    max_rows: int = 40
    rtl_columns: tuple[str, ...] = ()


@dataclass
class Section:
    """One rendered section of the brief (or of the workbench's overview)."""

    id: str
    title: str
    status: str = "ok"  # ok | unavailable | error
    intro: str = ""
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    reason: str = ""
    layout: str = "stack"  # stack | pair (charts side by side)


@dataclass
class BriefContext:
    """Everything a section builder may read."""

    con: Any
    kb: KnowledgeBase
    info: queries.StoreInfo
    filt: queries.EventFilter
    synthetic: bool
    names: dict[str, dict[str, str]]
    colors: dict[str, str]
    compare_dates: tuple[str, str]
    freq: str = "year"
    cache: dict[str, Any] = field(default_factory=dict)

    def frame_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for the analysis functions (the brief's period and filters)."""
        return {"start": self.filt.start, "end": self.filt.end, "kb": self.kb}


Builder = Callable[..., Section]


@dataclass(frozen=True)
class SectionSpec:
    id: str
    title: str
    builder: Builder
    requires: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


def resolve(ref: str) -> Callable[..., Any]:
    """Import ``"package.module:attr"`` and return the attribute."""
    module, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def run_section(spec: SectionSpec, ctx: BriefContext) -> Section:
    """Build one section; the only place missing analyses are detected.

    Required functions that cannot be imported make the section "unavailable" with
    the reason; optional ones are passed as ``None`` and the builder says what is
    missing. A builder that fails on this store's data gives an "error" section with
    the message (the rest of the brief is still written).
    """
    funcs: dict[str, Any] = {}
    for ref in spec.requires:
        try:
            funcs[ref] = resolve(ref)
        except (ImportError, AttributeError) as exc:
            return Section(spec.id, spec.title, status="unavailable",
                           reason=f"not available in this installation: {ref} "
                                  f"could not be loaded ({exc}).")
    for ref in spec.optional:
        try:
            funcs[ref] = resolve(ref)
        except (ImportError, AttributeError):
            funcs[ref] = None
    try:
        return spec.builder(ctx, funcs)
    except Exception as exc:  # a section must never take the whole brief down
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return Section(spec.id, spec.title, status="error",
                       reason=f"could not be computed on this store: {detail}")


def _label(ctx: BriefContext, text: str) -> str:
    return ("SYNTHETIC DATA. " if ctx.synthetic else "") + text


def _names_df(ctx: BriefContext, df: pd.DataFrame, col: str = "entity_id") -> pd.DataFrame:
    out = df.copy()
    pos = list(out.columns).index(col)
    out.insert(pos + 1, "branch", [ctx.names.get(e, {}).get("en", e) for e in out[col]])
    out.insert(pos + 2, "name_ar", [ctx.names.get(e, {}).get("ar", "") for e in out[col]])
    return out


# ----------------------------------------------------------------- own sections
def _summary(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    info = ctx.info
    act = ctx.cache.setdefault("activity", queries.activity(ctx.con, ctx.filt, freq=ctx.freq))
    totals = (act.groupby("entity_id", as_index=False)[["events", "fatalities"]].sum()
              .sort_values("events", ascending=False, ignore_index=True))
    totals["share"] = (totals["events"] / totals["events"].sum()).round(3) \
        if len(totals) else []
    totals["events"] = totals["events"].round(1)
    totals["fatalities"] = totals["fatalities"].round(0)
    period = (f"{ctx.filt.start or info.date_min} to {ctx.filt.end or info.date_max}")
    intro = (f"The store holds {info.n_events:,} events, {info.n_attributed_events:,} of them "
             f"attributed to the network, from {info.date_min} to {info.date_max}. "
             f"This brief covers {period}. Knowledge base version {ctx.kb.version}.")
    return Section("summary", "Summary", intro=_label(ctx, intro), tables=[Table(
        "Events and deaths (best estimate) by branch over the whole period",
        _names_df(ctx, totals), caption=_label(ctx, "Weighted counts: ambiguous attributions "
                                           "split by confidence share."),
        rtl_columns=("name_ar",))])


def _map(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    cells = queries.map_cells(ctx.con, ctx.filt, freq=ctx.freq, cell_deg=1.0)
    terr = kbviews.territory_countries(ctx.kb)
    fig = charts.map_figure(cells, names=ctx.names, colors=ctx.colors, synthetic=ctx.synthetic,
                            territories={k: v for k, v in terr.items() if k in ctx.colors},
                            title="Events by branch (1-degree cells) and branch territories")
    terr_df = kbviews.territories(ctx.kb)
    terr_df.insert(2, "name_ar", [ctx.names.get(e, {}).get("ar", "")
                                  for e in terr_df["entity_id"]])
    return Section(
        "map", "Map of events by branch over time",
        intro=_label(ctx, "Bubbles are 1-degree cells sized by the number of events (area "
                          "proportional). Use the slider under the map to step through "
                          "periods; the first step shows all periods together. Shaded countries "
                          "are the branches' territories as recorded in the knowledge base "
                          "(all periods)."),
        charts=[Chart("map", fig, _label(ctx, f"{len(cells):,} aggregated cells drawn; "
                                              "outlines: Natural Earth 1:110m."))],
        tables=[Table("Branch territories (knowledge base)", terr_df,
                      caption=_label(ctx, "Territories come from the sourced KB, not from "
                                          "the events."), max_rows=60,
                      rtl_columns=("name_ar",))])


def _activity(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    act = ctx.cache.setdefault("activity", queries.activity(ctx.con, ctx.filt, freq=ctx.freq))
    fig_e = charts.activity_figure(act, names=ctx.names, colors=ctx.colors,
                                   synthetic=ctx.synthetic, title="Events by branch per "
                                   + ctx.freq)
    fig_f = charts.activity_figure(act, names=ctx.names, colors=ctx.colors,
                                   synthetic=ctx.synthetic, value="fatalities",
                                   title="Deaths (best estimate) by branch per " + ctx.freq)
    wide = act.pivot_table(index="period", columns="entity_id", values="events",
                           aggfunc="sum", fill_value=0).round(1).reset_index()
    return Section("activity", "Activity by branch over time",
                   intro=_label(ctx, "Events and deaths attributed to each branch per period."),
                   charts=[Chart("activity-events", fig_e, _label(ctx, "Stacked by branch.")),
                           Chart("activity-deaths", fig_f, _label(ctx, "Stacked by branch."))],
                   tables=[Table("Events by period and branch", wide,
                                 caption=_label(ctx, "Weighted counts."))])


def _structure(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    d1, d2 = ctx.compare_dates
    lay1, lay2 = kbviews.org_layout(ctx.kb, d1), kbviews.org_layout(ctx.kb, d2)
    charts_ = [Chart(f"org-{i}", charts.org_graph_figure(lay, synthetic=ctx.synthetic),
                     f"Knowledge base {ctx.kb.version}, as of {lay['as_of']}: "
                     f"{len(lay['nodes'])} entities, {len(lay['edges'])} structural relations. "
                     + ("(Sourced KB shown inside a SYNTHETIC demo brief.)" if ctx.synthetic
                        else ""))
               for i, lay in enumerate((lay1, lay2), start=1)]
    summary = pd.DataFrame([kbviews.graph_summary(ctx.kb, d) for d in (d1, d2)])
    summary["by_type"] = summary["by_type"].map(
        lambda d: ", ".join(f"{k}: {v}" for k, v in sorted(d.items())))
    sec = Section("structure", "The organisation as of two dates, and its resilience",
                  intro=_label(ctx, f"The organisation graph (formal and operational relations "
                                    f"from the knowledge base) on {d1} and {d2}, side by side."),
                  charts=charts_, layout="pair",
                  tables=[Table("Graph size", summary, caption=_label(ctx, "From the KB."))])
    resilience = funcs.get("kharita.analysis.structure:resilience_curves")
    if resilience is None:
        sec.notes.append("Resilience curves: not available in this installation "
                         "(kharita.analysis.structure.resilience_curves has not landed).")
    else:
        _add_resilience(ctx, sec, resilience, (d1, d2))
    return sec


def _add_resilience(ctx: BriefContext, sec: Section, resilience: Callable[..., Any],
                    dates: tuple[str, str]) -> None:
    frames = []
    for d in dates:
        df = resilience(ctx.kb, as_of=d)
        df = df.copy()
        df["as_of"] = d
        frames.append(df)
    curves = pd.concat(frames, ignore_index=True)
    x = "fraction_removed" if "fraction_removed" in curves else curves.columns[0]
    y = "largest_component" if "largest_component" in curves else curves.columns[1]
    strategy = "strategy" if "strategy" in curves else None
    data = []
    for k, (key, sub) in enumerate(curves.groupby(["as_of", strategy] if strategy
                                                  else ["as_of"])):
        label = " ".join(str(v) for v in (key if isinstance(key, tuple) else (key,)))
        data.append({"type": "scatter", "mode": "lines", "name": label,
                     "x": sub[x].astype(float).tolist(), "y": sub[y].astype(float).tolist(),
                     "line": {"color": charts.PALETTE[k % len(charts.PALETTE)],
                              "dash": "solid" if label.startswith(dates[0]) else "dot"}})
    fig = {"data": data, "layout": charts.base_layout(
        "Resilience: largest connected part as nodes are removed", ctx.synthetic, height=380,
        xaxis={"title": {"text": x}}, yaxis={"title": {"text": y}})}
    sec.charts.append(Chart("resilience", fig, "From kharita.analysis.structure."))


def _provenance(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    info = ctx.info
    tables = [Table("Sources in the store", info.sources,
                    caption=_label(ctx, "Events per source and version."))]
    if len(info.files):
        tables.append(Table("Files ingested", info.files.drop(columns=["ingest_file_id"],
                                                              errors="ignore"),
                            caption=_label(ctx, "rows_read = rows_stored + rows_quarantined "
                                                "+ rows_filtered for every file.")))
    q = info.quarantine if len(info.quarantine) else pd.DataFrame(
        {"file": [], "reason": [], "rows": []})
    tables.append(Table("Quarantined rows by file and reason", q,
                        caption=_label(ctx, "Rows that could not be used; none was dropped "
                                            "silently.")))
    if len(info.filtered):
        tables.append(Table("Rows filtered on purpose", info.filtered,
                            caption=_label(ctx, "By reason.")))
    notes = [
        "UCDP GED, CC BY 4.0; Sundberg & Melander 2013, Journal of Peace Research 50(4) "
        "(\"Introducing the UCDP Georeferenced Event Dataset\"), and the codebook of the "
        "version used.",
        "GDELT: The GDELT Project (gdeltproject.org), free use with citation.",
        "ACLED and GTD, where present, were read from the user's own licensed copy and are "
        "not redistributed by kharita.",
        f"Knowledge base version {ctx.kb.version}; attributions made with KB version(s): "
        f"{', '.join(info.kb_versions) or 'none recorded'}.",
        "Map outlines: Natural Earth 1:110m (public domain) via world-atlas 2.0.2.",
    ]
    if ctx.synthetic:
        notes.insert(0, "SYNTHETIC DATA: every event in this store was made by kharita's "
                        "seeded synthetic generator. No figure in this brief describes real "
                        "events; the knowledge base (structure, territories, leaders) is real "
                        "and sourced.")
    srcs = pd.DataFrame([{"id": s.id, "title": s.title, "publisher": s.publisher,
                          "date": str(s.date), "url": s.url or ""}
                         for s in sorted(ctx.kb.sources.values(), key=lambda s: s.id)])
    tables.append(Table("Knowledge-base sources cited", srcs,
                        caption=_label(ctx, "Addresses are printed as text, not loaded."),
                        max_rows=400))
    return Section("provenance", "Data provenance", intro=_label(
        ctx, "Where every number in this brief comes from."), tables=tables, notes=notes)


def _caveats(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
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
    if ctx.synthetic:
        notes.insert(0, "This brief is built on SYNTHETIC events: it demonstrates the tool, "
                        "not the network's real activity. Do not cite its figures.")
    return Section("caveats", "Caveats in plain words", intro=_label(ctx, ""), notes=notes)


def _unavailable_placeholder(section_id: str, title: str) -> Builder:
    def build(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
        return Section(section_id, title, status="unavailable",
                       reason="not available in this installation.")
    return build


SECTIONS: list[SectionSpec] = [
    SectionSpec("summary", "Summary", _summary),
    SectionSpec("map", "Map of events by branch over time", _map),
    SectionSpec("activity", "Activity by branch over time", _activity),
    SectionSpec("structure", "The organisation as of two dates, and its resilience", _structure,
                optional=("kharita.analysis.structure:resilience_curves",)),
    SectionSpec("provenance", "Data provenance", _provenance),
    SectionSpec("caveats", "Caveats in plain words", _caveats),
]


def default_context(con: Any, kb: KnowledgeBase, *, start: dt.date | None = None,
                    end: dt.date | None = None, freq: str = "year",
                    compare_dates: tuple[str, str] | None = None) -> BriefContext:
    """Prepare the store view and everything the builders share."""
    filt = queries.EventFilter(start=start, end=end)
    info = queries.store_info(con, kb)
    names = kbviews.display_names(kb)
    colors = charts.colors_for(set(info.entities) | {
        e.id for e in kb.entities.values() if e.type in ("province", "organisation")})
    return BriefContext(con=con, kb=kb, info=info, filt=filt, synthetic=info.synthetic,
                        names=names, colors=colors, freq=freq,
                        compare_dates=compare_dates or kbviews.default_compare_dates())


def build_sections(ctx: BriefContext, specs: list[SectionSpec] | None = None,
                   progress: Callable[[str], None] | None = None) -> list[Section]:
    """Run every registered section in order."""
    out = []
    for spec in specs or SECTIONS:
        if progress:
            progress(spec.title)
        out.append(run_section(spec, ctx))
    return out
