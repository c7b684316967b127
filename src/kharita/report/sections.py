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

from kharita.errors import KharitaError
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
    n_boot: int = 200
    n_placebo: int = 19
    shock_branches: int = 4
    contagion_max_events: int = 20_000
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
    structure = funcs.get("kharita.analysis.structure:structure")
    if structure is None:
        sec.notes.append("Resilience curves: not available in this installation "
                         "(kharita.analysis.structure.structure could not be loaded).")
    else:
        _add_resilience(ctx, sec, structure, (d1, d2))
    return sec


def _add_resilience(ctx: BriefContext, sec: Section, structure: Callable[..., Any],
                    dates: tuple[str, str]) -> None:
    summaries = [structure(ctx.kb, d, seeds=10) for d in dates]
    dash = {"random": "dot", "degree": "solid", "betweenness": "dash", "keyplayer": "dashdot"}
    for measure, title in (("lcc", "largest connected part (share of nodes)"),
                           ("efficiency", "global efficiency")):
        data = []
        for k, (d, summ) in enumerate(zip(dates, summaries, strict=True)):
            for strat, sub in summ.curves.groupby("strategy", sort=False):
                data.append({"type": "scatter", "mode": "lines", "name": f"{d} {strat}",
                             "x": sub["fraction_removed"].astype(float).round(4).tolist(),
                             "y": sub[measure].astype(float).round(4).tolist(),
                             "line": {"color": ("#1f4e79", "#b03a2e")[k],
                                      "dash": dash.get(str(strat), "solid")}})
        fig = {"data": data, "layout": charts.base_layout(
            f"Resilience: {title} as nodes are removed", ctx.synthetic, height=360,
            xaxis={"title": {"text": "fraction of nodes removed"}},
            yaxis={"title": {"text": measure}, "rangemode": "tozero"},
            legend={"orientation": "v", "x": 1.02, "font": {"size": 9}})}
        sec.charts.append(Chart(f"resilience-{measure}", fig, _label(
            ctx, f"Blue {dates[0]}, red {dates[1]}; removal by degree (solid), betweenness "
                 "(dashed), key players (KPP-Neg, dash-dot) and at random (dotted, mean of "
                 "10 orders). kharita.analysis.structure")))
    table = pd.concat([s.table() for s in summaries], ignore_index=True)
    table = table.drop(columns=["top_degree"], errors="ignore").round(3)
    sec.tables.append(Table("Structure on the two dates", table, caption=_label(
        ctx, "Freeman centralisation, Krackhardt hierarchy, efficiency, key players; "
             "half_lcc_*: fraction removed before the largest part falls to half.")))


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



# ------------------------------------------------------------- analysis sections
FRAME_REF = "kharita.analysis.frame:Frame"


def _frame(ctx: BriefContext, funcs: dict[str, Any]) -> Any:
    """The analyses' frame for the brief's period: the report's own view of the store
    (:func:`kharita.report.queries.analysis_frame`), computed once per brief."""
    if "frame" not in ctx.cache:
        ctx.cache["frame"] = queries.analysis_frame(ctx.con, ctx.kb, start=ctx.filt.start,
                                                    end=ctx.filt.end)
    return ctx.cache["frame"]


def _period_label(values: Any, freq: str) -> list[str]:
    ts = pd.to_datetime(pd.Series(values))
    if freq == "year":
        return ts.dt.strftime("%Y").tolist()
    if freq == "quarter":
        return [f"{t.year}-Q{t.quarter}" for t in ts]
    return ts.dt.strftime("%Y-%m").tolist()


def _regions(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    frame = _frame(ctx, funcs)
    shares = funcs["kharita.analysis.geography:region_shares"](ctx.con, freq=ctx.freq,
                                                               frame=frame, kb=ctx.kb)
    cross = funcs["kharita.analysis.geography:africa_crossing"](
        ctx.con, freq=ctx.freq, n_boot=ctx.n_boot, frame=frame, kb=ctx.kb)
    shares = shares.copy()
    shares["period"] = _period_label(shares["period"], ctx.freq)
    wide = shares.pivot_table(index="period", columns="region", values="events_share",
                              aggfunc="sum", fill_value=0.0).reset_index()
    regions = [c for c in wide.columns if c != "period"]
    fig = charts.lines_figure(wide, x="period", ys=regions, synthetic=ctx.synthetic,
                              title="Share of the network's events by world region",
                              y_title="share of events")
    wide_f = shares.pivot_table(index="period", columns="region", values="fatalities_share",
                                aggfunc="sum", fill_value=0.0).reset_index()
    fig_f = charts.lines_figure(wide_f, x="period", ys=[c for c in wide_f.columns
                                                         if c != "period"],
                                synthetic=ctx.synthetic, y_title="share of deaths",
                                title="Share of the network's deaths by world region")
    summary = cross.summary()
    ev = cross.events.to_dict()
    fa = cross.fatalities.to_dict()

    def sentence(d: dict[str, Any], what: str) -> str:
        if not d["first"]:
            return f"Africa's share of {what} never exceeded the Middle East's in this period."
        lo, hi = d["interval_low"] or "never", d["interval_high"] or "never"
        sus = f"; it stayed above from {d['sustained']}" if d["sustained"] else ""
        return (f"Africa's share of {what} first exceeded the Middle East's in the period "
                f"starting {d['first']} (95% bootstrap interval {lo} to {hi}, "
                f"{d['n_boot']} replicates){sus}.")

    intro = " ".join([sentence(ev, "events"), sentence(fa, "deaths")])
    return Section("regions", "Shares by region: does Africa overtake the Middle East?",
                   intro=_label(ctx, intro),
                   charts=[Chart("regions-events", fig, _label(ctx, "Weighted events.")),
                           Chart("regions-deaths", fig_f, _label(ctx, "Weighted best "
                                                                      "estimates."))],
                   layout="pair",
                   tables=[Table("The crossing period with its bootstrap interval", summary,
                                 caption=_label(ctx, "kharita.analysis.geography."
                                                     "africa_crossing"))])


def _gravity(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    frame = _frame(ctx, funcs)
    cen = funcs["kharita.analysis.geography:geographic_centres"](ctx.con, freq=ctx.freq,
                                                                 frame=frame, kb=ctx.kb)
    cen = cen.dropna(subset=["lat", "lon"]).copy()
    cen["period"] = _period_label(cen["period"], ctx.freq)
    cells = ctx.cache.get("cells_all")
    if cells is None:
        cells = queries.map_cells(ctx.con, ctx.filt, freq=None, cell_deg=2.0)
    fig = charts.map_figure(cells, names=ctx.names, colors=ctx.colors, synthetic=ctx.synthetic,
                            trajectory=cen[["period", "lat", "lon"]],
                            title="Centre of gravity of the network's events per period")
    fig["frames"] = []
    fig["layout"].pop("sliders", None)
    table = cen[["period", "lat", "lon", "dispersion_km", "resultant", "n_located"]].round(2)
    return Section("gravity", "Centre-of-gravity trajectory",
                   intro=_label(ctx, "The activity-weighted centre of the network's events on "
                                     "the sphere (not an average of latitudes and longitudes), "
                                     "per period, with its dispersion (weighted mean distance "
                                     "to the centre)."),
                   charts=[Chart("gravity", fig, _label(ctx, "Dotted line: the centre's path; "
                                                             "bubbles: all events, 2-degree "
                                                             "cells."))],
                   tables=[Table("Centre per period", table,
                                 caption=_label(ctx, "kharita.analysis.geography."
                                                     "geographic_centres"))])


def _decentralization(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    frame = _frame(ctx, funcs)
    conc = funcs["kharita.analysis.concentration:concentration"](
        ctx.con, freq=ctx.freq, n_boot=ctx.n_boot, frame=frame, kb=ctx.kb).copy()
    conc["period"] = _period_label(conc["period"], ctx.freq)
    measures = [m for m in ("hhi", "entropy_norm", "core_share") if m in conc]
    fig = charts.lines_figure(conc, x="period", ys=measures,
                              lows=[f"{m}_low" for m in measures],
                              highs=[f"{m}_high" for m in measures], synthetic=ctx.synthetic,
                              title="Concentration of activity across branches",
                              labels=["Herfindahl-Hirschman index", "normalised entropy",
                                      "core (Iraq + Syria) share"][:len(measures)],
                              y_title="index (0-1)")
    neff = [m for m in ("n_eff_hhi", "n_eff_entropy") if m in conc]
    fig2 = charts.lines_figure(conc, x="period", ys=neff, lows=[f"{m}_low" for m in neff],
                               highs=[f"{m}_high" for m in neff], synthetic=ctx.synthetic,
                               title="Effective number of active branches",
                               labels=["1 / HHI", "exp(entropy)"][:len(neff)],
                               y_title="branches")
    cols = [c for c in ("period", "total", "n_active", "hhi", "hhi_low", "hhi_high",
                        "entropy_norm", "n_eff_hhi", "core_share", "core_share_low",
                        "core_share_high") if c in conc]
    return Section("decentralization", "Decentralization indices over time",
                   intro=_label(ctx, "Per period: the Herfindahl-Hirschman index of the "
                                     "branches' shares of events (1 = one branch does "
                                     "everything), the normalised Shannon entropy (1 = evenly "
                                     "spread), the effective number of branches, and the "
                                     "core's share. Bands: 95% bootstrap intervals."),
                   charts=[Chart("decentralization", fig, _label(ctx, "Bands: bootstrap "
                                                                      "intervals.")),
                           Chart("effective-branches", fig2, _label(ctx, "Bands: bootstrap "
                                                                         "intervals."))],
                   layout="pair",
                   tables=[Table("Decentralization per period", conc[cols].round(3),
                                 caption=_label(ctx, "kharita.analysis.concentration."
                                                     "concentration"))])


def _top_branches(ctx: BriefContext) -> list[str]:
    """The ``shock_branches`` most active branches (the leadership-shock studies)."""
    act = ctx.cache.setdefault("activity", queries.activity(ctx.con, ctx.filt, freq=ctx.freq))
    return [str(b) for b in act.groupby("entity_id")["events"].sum()
            .sort_values(ascending=False).head(ctx.shock_branches).index]


def _top_frame(ctx: BriefContext) -> Any:
    if "top_frame" not in ctx.cache:
        ctx.cache["top_frame"] = queries.analysis_frame(
            ctx.con, ctx.kb, start=ctx.filt.start, end=ctx.filt.end,
            branches=tuple(_top_branches(ctx)))
    return ctx.cache["top_frame"]


def _contagion_start(ctx: BriefContext) -> dt.date | None:
    """First day of the most recent whole years holding at most ``contagion_max_events``
    (at least one year): the Hawkes fit's cost grows with the events."""
    yearly = ctx.cache.setdefault("yearly", queries.activity(ctx.con, ctx.filt, freq="year"))
    per_year = yearly.groupby("period")["rows"].sum().sort_index(ascending=False)
    years: list[str] = []
    total = 0
    for year, n in per_year.items():
        if years and total + int(n) > ctx.contagion_max_events:
            break
        years.append(str(year))
        total += int(n)
    start = ctx.filt.start
    if years:
        first = dt.date(int(min(years)), 1, 1)
        start = max(start, first) if start else first
    return start


def _shocks(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    frame = _frame(ctx, funcs)
    top = _top_branches(ctx)
    if "shocks" in ctx.cache:  # computed once for the claims table (same frame and options)
        res = ctx.cache["shocks"]
    else:
        res = funcs["kharita.analysis.shocks:shocks"](
            ctx.con, kb=ctx.kb, date="both", frame=_top_frame(ctx), n_placebo=ctx.n_placebo)
        ctx.cache["shocks"] = res
    weekly = funcs["kharita.analysis.shocks:weekly_series"](ctx.con, frame=frame, kb=ctx.kb)
    sec = Section("shocks", "Leadership shocks: event studies per leader",
                  intro=_label(ctx, "For each loss of a leader of the whole organisation, the "
                                    "network's weekly events a year either side, with the "
                                    "date of death (solid) and of its announcement (dashed). "
                                    "IRR: the change in the event rate after the date from a "
                                    "negative binomial regression with trend and seasonality "
                                    "(1 = no change), with its 95% interval and a placebo "
                                    f"p-value from {ctx.n_placebo} dates drawn from the same "
                                    f"series. Studied: the {len(top)} most active branches "
                                    f"({', '.join(top)}) and the network as their sum."),
                  layout="pair")
    if res.empty:
        sec.notes.append("No leadership loss with dated events around it in this store.")
        return sec
    net = res[res["series"] == "network"]
    for leader_id, rows in net.groupby("leader_id", sort=False):
        dates = pd.to_datetime(rows["date"])
        lo, hi = dates.min() - pd.Timedelta(weeks=52), dates.max() + pd.Timedelta(weeks=52)
        s = weekly["network"] if "network" in weekly else pd.Series(dtype=float)
        s = s[(s.index >= lo) & (s.index <= hi)]
        shapes = []
        notes = []
        for r in rows.itertuples():
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": r.date,
                           "x1": r.date, "y0": 0, "y1": 1,
                           "line": {"color": "#8e2b20", "dash": "solid" if r.kind == "death"
                                    else "dash", "width": 1.5}})
            irr = ("n/a" if pd.isna(r.irr) else
                   f"IRR {r.irr:.2f} [{r.irr_low:.2f}, {r.irr_high:.2f}], placebo p "
                   f"{r.placebo_p:.2f}" if not pd.isna(r.irr_low) else f"IRR {r.irr:.2f}")
            notes.append(f"{r.kind} {r.date}: {irr}")
        name = str(rows["leader"].iloc[0])
        fig: dict[str, Any] = {"data": [{"type": "scatter", "mode": "lines",
                                         "x": [d.date().isoformat()
                                               for d in s.index],
                         "y": s.astype(float).round(2).tolist(), "name": "network",
                         "line": {"color": "#333333", "width": 1}}],
               "layout": charts.base_layout(name, ctx.synthetic, height=260, shapes=shapes,
                                            margin={"l": 40, "r": 10, "t": 40, "b": 40},
                                            showlegend=False,
                                            yaxis={"title": {"text": "events / week"},
                                                   "rangemode": "tozero"})}
        sec.charts.append(Chart(f"shock-{leader_id}", fig,
                                _label(ctx, f"{name}: " + "; ".join(notes))))
    cols = [c for c in ("leader", "kind", "date", "series", "before", "after", "irr",
                        "irr_low", "irr_high", "p_adj", "placebo_p", "note") if c in res]
    sec.tables.append(Table("Every event study (network and per branch)",
                            res[cols].round(3), max_rows=80,
                            caption=_label(ctx, "p_adj: corrected across branches "
                                                "(Benjamini-Hochberg). kharita.analysis."
                                                "shocks.shocks")))
    return sec


def _contagion_result(ctx: BriefContext, fit: Callable[..., Any]) -> Any:
    """The brief's one contagion fit, shared by the claims table and the contagion section."""
    if "contagion" not in ctx.cache:
        ctx.cache["contagion"] = fit(ctx.con, start=_contagion_start(ctx), end=ctx.filt.end,
                                     kb=ctx.kb, jitter_seeds=1)
    return ctx.cache["contagion"]


def _contagion(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    res = _contagion_result(ctx, funcs["kharita.analysis.contagion:contagion_analysis"])
    fit = res.fit
    exc = fit.excitation.set_index("target")
    label = {b: charts.short_name(ctx.names.get(b, {}).get("en", b)) for b in exc.columns}
    exc = exc.rename(index=label, columns=label)
    heat = charts.heatmap_figure(exc, synthetic=ctx.synthetic, colorbar="alpha",
                                 title="Excitation: expected events in row branch triggered "
                                       "by one event in column branch")
    qq = charts.qq_figure(fit.qq, synthetic=ctx.synthetic, group="branch",
                          title="Goodness of fit: rescaled times against Exp(1)")
    summ = res.summary()
    intro = (f"A multivariate Hawkes model of {len(res.branches)} branches fitted on the "
             f"most recent years holding at most {ctx.contagion_max_events:,} events: "
             f"{summ['period_start']} to {summ['period_end']}, {summ['n_events']:,} events "
             f"({summ['method']}, {summ['time_handling']}). Branching ratio "
             f"{summ['branching_ratio']:.2f}; mean triggering delay "
             f"{summ['mean_trigger_time_days']:.1f} days.")
    tables = [Table("Where each branch's events come from (expected shares)",
                    fit.shares.round(3), caption=_label(ctx, "background = own, self = "
                                                              "triggered by own events, "
                                                              "other = by other branches.")),
              Table("Goodness of fit per branch (time-rescaling KS test)", fit.gof.round(4),
                    caption=_label(ctx, "A small p-value means the model does not fit that "
                                        "branch well; a bad fit is a result, not an error.")),
              Table("Model comparison", fit.comparison.round(2),
                    caption=_label(ctx, "Lower AIC/BIC is better."))]
    return Section("contagion", "Contagion between branches", intro=_label(ctx, intro),
                   charts=[Chart("contagion-heatmap", heat, _label(ctx, "Branching matrix.")),
                           Chart("contagion-qq", qq, _label(ctx, "Points on the diagonal = "
                                                                 "good fit."))],
                   layout="pair", tables=tables, notes=list(res.notes))


def _claims(ctx: BriefContext, funcs: dict[str, Any]) -> Section:
    presets = funcs["kharita.analysis.presets:PRESETS"]
    frame = _frame(ctx, funcs)
    rows = []
    for name, preset in presets.items():
        options: dict[str, Any] = {}
        fr = frame
        if name in ("shift-to-africa", "decentralization"):
            options = {"n_boot": ctx.n_boot}
        elif name == "survival-after-leadership-losses":
            fr, options = _top_frame(ctx), {"n_placebo": ctx.n_placebo}
        elif name == "provinces-autonomy":
            fr = queries.analysis_frame(ctx.con, ctx.kb, start=_contagion_start(ctx),
                                        end=ctx.filt.end)
            fit = funcs.get("kharita.analysis.contagion:contagion_analysis")
            if fit is not None:
                try:
                    options = {"contagion": _contagion_result(ctx, fit)}
                except (KharitaError, ValueError):
                    options = {}  # the preset then says why the model could not be fitted
        result = preset.run(ctx.con, kb=ctx.kb, frame=fr, **options)
        if name == "survival-after-leadership-losses" and "shocks" in result.tables:
            ctx.cache["shocks"] = result.tables["shocks"]
        rows.append({"claim": preset.claim, "claim_ar": preset.claim_ar,
                     "verdict": result.verdict, "why": result.reason, "check": name})
    df = pd.DataFrame(rows)
    return Section("claims", "The seed analysis' main claims, checked against the store",
                   intro=_label(ctx, "Each main claim of the seed analysis with what the data "
                                     "in this store says - supported, contradicted, or not "
                                     "testable with this data - and why (rules: "
                                     "kharita.analysis.presets, docs/analysis.md)."),
                   tables=[Table("Claims and verdicts", df, max_rows=60,
                                 caption=_label(ctx, "The Arabic is the seed analysis' own "
                                                     "wording."),
                                 rtl_columns=("claim_ar",))])


SECTIONS: list[SectionSpec] = [
    SectionSpec("summary", "Summary", _summary),
    SectionSpec("claims", "The seed analysis' main claims, checked against the store", _claims,
                requires=("kharita.analysis.presets:PRESETS",),
                optional=("kharita.analysis.contagion:contagion_analysis",)),
    SectionSpec("map", "Map of events by branch over time", _map),
    SectionSpec("activity", "Activity by branch over time", _activity),
    SectionSpec("regions", "Shares by region: does Africa overtake the Middle East?", _regions,
                requires=(FRAME_REF, "kharita.analysis.geography:region_shares",
                          "kharita.analysis.geography:africa_crossing")),
    SectionSpec("gravity", "Centre-of-gravity trajectory", _gravity,
                requires=(FRAME_REF, "kharita.analysis.geography:geographic_centres")),
    SectionSpec("decentralization", "Decentralization indices over time", _decentralization,
                requires=(FRAME_REF, "kharita.analysis.concentration:concentration")),
    SectionSpec("shocks", "Leadership shocks: event studies per leader", _shocks,
                requires=(FRAME_REF, "kharita.analysis.shocks:shocks",
                          "kharita.analysis.shocks:weekly_series")),
    SectionSpec("structure", "The organisation as of two dates, and its resilience", _structure,
                optional=("kharita.analysis.structure:structure",)),
    SectionSpec("contagion", "Contagion between branches", _contagion,
                requires=("kharita.analysis.contagion:contagion_analysis",)),
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
