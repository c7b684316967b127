"""``kharita activity | geography | decentralization | shocks | structure | check``.

Each command parses its options, builds one analysis frame from the shared store and
filter options (:mod:`kharita.cli.options`: ``--store``, ``--engine``, ``--from``,
``--to``, ``--branches``, ``--countries``, ...), calls one function of
:mod:`kharita.analysis` on it and prints the result with ``--format table|csv|json``;
nothing is computed here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from kharita.cli.options import (
    ActorOption,
    Admin1Option,
    Ambiguous,
    AmbiguousOption,
    BranchesOption,
    Count,
    CountOption,
    CountriesOption,
    EngineOption,
    FormatOption,
    Freq,
    FromOption,
    KbOption,
    MaxFatalitiesOption,
    MinConfOption,
    MinFatalitiesOption,
    OutputDirOption,
    SourcesOption,
    StoreOption,
    ToOption,
    TypesOption,
    WideOption,
    caption,
    load_cli_kb,
    opened_frame,
)
from kharita.cli.output import (
    Format,
    console,
    emit,
    emit_sections,
    step_progress,
    with_intervals,
)


class By(StrEnum):
    branch = "branch"
    region = "region"
    country = "country"
    admin1 = "admin1"
    cell = "cell"
    network = "network"


FreqOption = Annotated[Freq, typer.Option("--freq", help="Period length.")]


def register(app: typer.Typer) -> None:
    app.command("activity")(activity_cmd)
    app.command("geography")(geography_cmd)
    app.command("decentralization")(decentralization_cmd)
    app.command("shocks")(shocks_cmd)
    app.command("structure")(structure_cmd)
    app.command("presets")(presets_cmd)
    app.command("check")(check_cmd)


def activity_cmd(
    by: Annotated[By, typer.Option("--by", help="Unit of the table.")] = By.branch,
    freq: FreqOption = Freq.year,
    store: StoreOption = None, engine: EngineOption = None, date_from: FromOption = None,
    date_to: ToOption = None, branches: BranchesOption = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    count: CountOption = Count.incidents,
    kb: KbOption = None, fmt: FormatOption = Format.table,
    wide: WideOption = False,
) -> None:
    """Events and fatalities (best/low/high) of the network by unit and period."""
    from kharita.analysis.activity import activity

    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to, branches=branches,
                countries=countries, min_confidence=min_confidence, ambiguous=ambiguous,
                sources=sources, event_types=event_types, admin1=admin1, actor=actor,
                min_fatalities=min_fatalities, max_fatalities=max_fatalities, count=count) as fr:
        df = activity(fr, by=by.value, freq=freq.value)
    note = coverage_note(df.attrs.get("coverage"))
    emit(df, fmt, freq=freq.value, title=f"Network activity by {by.value} per {freq.value}",
         caption=caption(fr, "events = weighted count; events_raw = distinct events"
                         + (f". {note}" if note else "")),
         columns=[c for c in df.columns if c not in ("fatalities_low", "fatalities_high")],
         wide=wide)


class GeoTable(StrEnum):
    centres = "centres"
    regions = "regions"
    crossing = "crossing"
    all = "all"


def geography_cmd(
    table: Annotated[GeoTable, typer.Option("--table", help="Which table.")] = GeoTable.all,
    freq: FreqOption = Freq.year,
    weighting: Annotated[str, typer.Option(
        "--weighting", help="Centre weighted by 'events' or 'fatalities'.")] = "events",
    n_boot: Annotated[int, typer.Option("--boot", help="Bootstrap replicates.")] = 1000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    store: StoreOption = None, engine: EngineOption = None, date_from: FromOption = None,
    date_to: ToOption = None, branches: BranchesOption = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    count: CountOption = Count.incidents,
    kb: KbOption = None, fmt: FormatOption = Format.table,
    wide: WideOption = False, output: OutputDirOption = None,
) -> None:
    """Spherical centre and dispersion per period, shares by world region, and the
    first period in which Africa's share exceeds the Middle East's (bootstrap)."""
    from kharita.analysis.geography import africa_crossing, geographic_centres, region_shares

    sections: dict[str, Any] = {}
    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to, branches=branches,
                countries=countries, min_confidence=min_confidence, ambiguous=ambiguous,
                sources=sources, event_types=event_types, admin1=admin1, actor=actor,
                min_fatalities=min_fatalities, max_fatalities=max_fatalities, count=count) as fr:
        if table in (GeoTable.centres, GeoTable.all):
            sections["centres"] = geographic_centres(fr, freq=freq.value, weighting=weighting)
        if table in (GeoTable.regions, GeoTable.all):
            sections["regions"] = region_shares(fr, freq=freq.value)
        if table in (GeoTable.crossing, GeoTable.all):
            res = africa_crossing(fr, freq=freq.value, n_boot=n_boot, seed=seed)
            sections["crossing"] = res.summary() if fmt != Format.json else res.to_dict()
    emit_sections(sections, fmt, "Geography", freq=freq.value, output=output, wide=wide,
                  columns={"centres": ["period", "lat", "lon", "dispersion_km", "n_located"],
                           "regions": ["period", "region", "events", "events_share"]})
    if fmt == Format.table:
        for name, value in sections.items():
            note = coverage_note(getattr(value, "attrs", {}).get("coverage"))
            if note:
                console.print(f"[dim]{name}: {note}[/dim]", highlight=False)
        console.print(f"[dim]{caption(fr)}[/dim]", highlight=False)


def coverage_note(cov: dict[str, Any] | None, limit: int = 6) -> str:
    """One line saying where a series was cut for coverage and why (the analysis'
    ``attrs["coverage"]``: :func:`kharita.analysis.activity.activity`'s cuts, or a
    comparable span's reason); empty when nothing was cut."""
    if not cov:
        return ""
    if cov.get("reason"):
        return f"coverage: {cov['reason']}"
    parts = []
    ends = [f"{c['unit']} to {c['covered_to']}" for c in cov.get("cuts", [])
            if c.get("covered_to")]
    if ends:
        more = f" and {len(ends) - limit} more" if len(ends) > limit else ""
        parts.append("series end where their files end (" + ", ".join(ends[:limit]) + more
                     + ")")
    left = cov.get("rows_left_out") or 0
    if left:
        parts.append(f"{left:,.0f} weighted events of sample files left out where a complete "
                     "file covers the unit")
    if cov.get("partial"):
        parts.append(f"{len(cov['partial'])} partly covered period(s) flagged")
    return ("coverage: " + "; ".join(parts) + " (-f json for every cut)") if parts else ""


def decentralization_cmd(
    freq: FreqOption = Freq.year,
    weighting: Annotated[str, typer.Option(
        "--weighting", help="Shares of 'events' or 'fatalities'.")] = "events",
    n_boot: Annotated[int, typer.Option("--boot", help="Bootstrap replicates.")] = 500,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    include_unassigned: Annotated[bool, typer.Option(
        "--include-unassigned",
        help="Count events left at the network's root ('is': no branch) as a branch.")
    ] = False,
    store: StoreOption = None, engine: EngineOption = None, date_from: FromOption = None,
    date_to: ToOption = None, branches: BranchesOption = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    count: CountOption = Count.incidents,
    kb: KbOption = None, fmt: FormatOption = Format.table,
    wide: WideOption = False,
) -> None:
    """HHI, normalised entropy, effective number of branches and the core's share per
    period, with bootstrap intervals."""
    from kharita.analysis.concentration import concentration

    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to, branches=branches,
                countries=countries, min_confidence=min_confidence, ambiguous=ambiguous,
                sources=sources, event_types=event_types, admin1=admin1, actor=actor,
                min_fatalities=min_fatalities, max_fatalities=max_fatalities, count=count) as fr:
        df = concentration(fr, freq=freq.value, weighting=weighting, n_boot=n_boot, seed=seed,
                           include_unassigned=include_unassigned)
    if fmt == Format.table:
        df = df[[c for c in df.columns if not c.startswith("entropy_")
                 or c.startswith("entropy_norm")]]
        df = with_intervals(df, ["hhi", "entropy_norm", "n_eff_hhi", "n_eff_entropy",
                                 "core_share"]).drop(columns=["entropy", "k"], errors="ignore")
    emit(df, fmt, freq=freq.value, title=f"Decentralization per {freq.value}",
         caption=caption(fr, f"core = {', '.join(df.attrs.get('core', []))}; intervals: "
                             f"{n_boot} bootstrap replicates"),
         columns=["period", "n_active", "hhi", "n_eff_hhi", "core_share"], wide=wide)


class DateKind(StrEnum):
    death = "death"
    announcement = "announcement"
    both = "both"


class Correction(StrEnum):
    fdr_bh = "fdr_bh"
    holm = "holm"
    none = "none"


def shocks_cmd(
    date: Annotated[DateKind, typer.Option(
        "--date", help="Leader's death date, its announcement, or both.")] = DateKind.both,
    window_weeks: Annotated[int, typer.Option(
        "--window-weeks", help="Weeks each side for the regression.")] = 52,
    count_days: Annotated[int, typer.Option(
        "--count-days", help="Days each side for the plain counts.")] = 90,
    n_placebo: Annotated[int, typer.Option("--placebos", help="Placebo dates.")] = 99,
    correction: Annotated[Correction, typer.Option(
        "--correction", help="Multiple-comparison correction across branches.")
    ] = Correction.fdr_bh,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    store: StoreOption = None, engine: EngineOption = None, date_from: FromOption = None,
    date_to: ToOption = None, branches: BranchesOption = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    count: CountOption = Count.incidents,
    kb: KbOption = None, fmt: FormatOption = Format.table,
    wide: WideOption = False,
) -> None:
    """Event studies of each leadership loss in the KB, per branch and network-wide."""
    from kharita.analysis.shocks import shocks

    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to, branches=branches,
                countries=countries, min_confidence=min_confidence, ambiguous=ambiguous,
                sources=sources, event_types=event_types, admin1=admin1, actor=actor,
                min_fatalities=min_fatalities, max_fatalities=max_fatalities, count=count) as fr, \
            step_progress("event studies") as progress:
        df = shocks(fr, date=date.value, window_weeks=window_weeks, count_days=count_days,
                    n_placebo=n_placebo, correction=correction.value, seed=seed,
                    progress=progress)
    if fmt == Format.table:
        df = with_intervals(df, ["irr"])
    emit(df, fmt, title="Leadership losses: event studies",
         caption=caption(fr, f"{df.attrs.get('model', '')}; correction {correction.value}"),
         columns=["leader", "date", "series", "irr", "p_adj", "note"], wide=wide)


class StructureTable(StrEnum):
    measures = "measures"
    curves = "curves"


def structure_cmd(
    as_of: Annotated[str, typer.Option("--as-of", help="Date (YYYY-MM-DD).")] = "2024-06-01",
    compare: Annotated[str | None, typer.Option(
        "--compare", help="A second date to compare with.")] = None,
    curves: Annotated[bool, typer.Option(
        "--curves", help="Print the resilience curves too.")] = False,
    k: Annotated[int, typer.Option("--k", help="Size of the key-player set.")] = 3,
    seeds: Annotated[int, typer.Option("--seeds", help="Random-removal orders.")] = 20,
    table: Annotated[StructureTable | None, typer.Option(
        "--table", help="Which table: measures or curves (default measures, and curves with "
                        "--curves).")] = None,
    kb: KbOption = None, fmt: FormatOption = Format.table,
    wide: WideOption = False, output: OutputDirOption = None,
) -> None:
    """Centralisation, hierarchy, key players and resilience of the organisation graph."""
    from kharita.analysis.structure import compare_structure, structure

    knowledge = load_cli_kb(kb)
    if compare:
        emit(compare_structure(knowledge, compare, as_of, k=k, seeds=seeds), fmt,
             title=f"Structure: {compare} vs {as_of}", wide=wide)
        return
    s = structure(knowledge, as_of, k=k, seeds=seeds)
    sections: dict[str, Any] = {}
    if table in (None, StructureTable.measures):
        sections["measures"] = s.table() if fmt != Format.json else s.to_dict()
    if table == StructureTable.curves or (table is None and (curves or fmt == Format.json
                                                                   or output is not None)):
        sections["curves"] = s.curves
    emit_sections(sections, fmt, f"Structure on {as_of}", output=output, wide=wide)


def presets_cmd(fmt: FormatOption = Format.table, wide: WideOption = False) -> None:
    """List the named checks of the seed analysis' claims."""
    from kharita.analysis.presets import PRESETS

    emit([{"preset": p.name, "claim": p.claim, "claim_ar": p.claim_ar}
          for p in PRESETS.values()], fmt, title="Presets (kharita check NAME)", wide=wide)


def check_cmd(
    preset: Annotated[str | None, typer.Argument(help="Preset name; default: all.")] = None,
    store: StoreOption = None, engine: EngineOption = None, date_from: FromOption = None,
    date_to: ToOption = None, branches: BranchesOption = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    count: CountOption = Count.incidents,
    kb: KbOption = None, fmt: FormatOption = Format.table,
    wide: WideOption = False,
) -> None:
    """Check the seed analysis' claims against the store: verdict, reason, figures."""
    from kharita.analysis.presets import run_presets

    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to, branches=branches,
                countries=countries, min_confidence=min_confidence, ambiguous=ambiguous,
                sources=sources, event_types=event_types, admin1=admin1, actor=actor,
                min_fatalities=min_fatalities, max_fatalities=max_fatalities, count=count) as fr, \
            step_progress("checks") as progress:
        results = run_presets(fr, [preset] if preset else None, progress=progress)
    if fmt == Format.json:
        emit([r.to_dict() for r in results], fmt)
        return
    emit([r.row() for r in results], fmt, title="Checks of the seed analysis",
         caption=caption(fr), wide=wide)
