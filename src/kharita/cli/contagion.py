"""``kharita contagion``: multivariate Hawkes model of contagion between branches."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from kharita.cli.options import (
    ActorOption,
    Admin1Option,
    Ambiguous,
    AmbiguousOption,
    Count,
    CountOption,
    CountriesOption,
    EngineOption,
    FormatOption,
    KbOption,
    MaxFatalitiesOption,
    MinConfOption,
    MinFatalitiesOption,
    OutputDirOption,
    SourcesOption,
    StoreOption,
    TypesOption,
    WideOption,
    opened_frame,
)
from kharita.cli.output import Format, console, emit, emit_sections, step_progress

if TYPE_CHECKING:
    import pandas as pd


class MethodChoice(StrEnum):
    mle = "mle"
    em = "em"


class BackgroundChoice(StrEnum):
    constant = "constant"
    yearly = "yearly"


def register(app: typer.Typer) -> None:
    app.command("contagion")(contagion_cmd)


class ContagionTable(StrEnum):
    summary = "summary"
    counts = "counts"
    excitation = "excitation"
    shares = "shares"
    decay = "decay"
    background = "background"
    gof = "gof"
    comparison = "comparison"
    intervals = "intervals"
    jitter = "jitter"


#: What each table holds (printed under the tables, and in ``--help``).
TABLES: dict[str, str] = {
    "summary": "period, branches, counts and time handling",
    "counts": "events per branch",
    "excitation": "excitation matrix alpha(target <- source): expected direct offspring "
                  "per event",
    "shares": "shares of each branch's events: background / self-triggered / other branches",
    "decay": "decay (per day) and mean triggering time",
    "background": "background rates (events per day)",
    "gof": "goodness of fit: time-rescaling KS test per branch",
    "comparison": "model comparison (AIC/BIC against Poisson and diagonal models)",
    "intervals": "95% parametric-bootstrap intervals (with --bootstrap)",
    "jitter": "sensitivity across within-day jitter seeds",
}


def _sections(result: Any) -> dict[str, pd.DataFrame]:
    import pandas as pd

    fit = result.fit
    summary = pd.DataFrame([{"field": k, "value": v} for k, v in result.summary().items()])
    out = {"summary": summary, "counts": result.counts, "excitation": fit.excitation,
           "shares": fit.shares, "decay": fit.decay, "background": fit.background,
           "gof": fit.gof, "comparison": fit.comparison, "intervals": fit.ci,
           "jitter": result.jitter_spread}
    return {k: v for k, v in out.items() if v is not None}


def contagion_cmd(
    store: StoreOption = None, engine: EngineOption = None,
    date_from: Annotated[str | None, typer.Option(
        "--from", help="First day (YYYY, YYYY-MM or YYYY-MM-DD); default: first attributed "
                       "event.")] = None,
    date_to: Annotated[str | None, typer.Option(
        "--to", help="Last day (YYYY, YYYY-MM or YYYY-MM-DD); default: last attributed "
                     "event.")] = None,
    branches: Annotated[str | None, typer.Option(
        "--branches", help="Comma-separated branch ids or names, e.g. is-iraq,ISWAP; "
                           "default: every branch with at least --min-events events.")] = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, kb: KbOption = None,
    min_events: Annotated[int, typer.Option(
        "--min-events", help="Default branch selection threshold.")] = 50,
    method: Annotated[MethodChoice, typer.Option(
        "--method", help="mle (L-BFGS-B) or em (branching-structure EM).")] = MethodChoice.mle,
    background: Annotated[BackgroundChoice, typer.Option(
        "--background", help="Constant background rates or one per calendar year.")
    ] = BackgroundChoice.constant,
    jitter_seeds: Annotated[int, typer.Option(
        "--jitter-seeds", help="Within-day jitter draws for the sensitivity check.")] = 5,
    bootstrap: Annotated[int, typer.Option(
        "--bootstrap", help="Parametric-bootstrap replicates for 95% intervals (0: none).")
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of jitter and bootstrap.")] = 0,
    admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    count: CountOption = Count.incidents,
    table: Annotated[ContagionTable | None, typer.Option(
        "--table", help="Print only this table (-f csv prints one): "
                        + "; ".join(f"{k}: {v}" for k, v in TABLES.items()) + ".")] = None,
    fmt: FormatOption = Format.table, wide: WideOption = False,
    output: OutputDirOption = None,
) -> None:
    """Fit a multivariate Hawkes model to the branches' events and print the excitation
    matrix, the background / self / cross-branch shares, the decay, goodness of fit and
    the period, branches and event counts used."""

    from kharita.analysis.contagion import contagion_analysis

    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to,
                      branches=branches, countries=countries, min_confidence=min_confidence,
                      ambiguous=ambiguous, sources=sources, event_types=event_types,
                      admin1=admin1, actor=actor, min_fatalities=min_fatalities,
                      max_fatalities=max_fatalities, count=count) as fr, \
            step_progress("fitting (first run compiles numba kernels)",
                          running="bootstrap") as tick:
        result = contagion_analysis(fr, min_events=min_events, method=method.value,
                                    background=background.value,
                                    jitter_seeds=jitter_seeds, bootstrap=bootstrap,
                                    seed=seed, progress=tick)
    if fmt == Format.json and table is None and output is None:
        emit(result.to_dict(), fmt)  # the whole result, as the library gives it
        return
    sections = _sections(result)
    if table is not None:
        if table.value not in sections:
            from kharita.errors import UserInputError

            raise UserInputError(f"--table {table.value}: not computed in this run "
                                 "(intervals need --bootstrap N)")
        sections = {table.value: sections[table.value]}
    emit_sections(sections, fmt, "Contagion", output=output, wide=wide)
    if fmt == Format.table and output is None:
        console.print("[dim]" + "; ".join(f"{k}: {TABLES[k]}" for k in sections) + ".[/dim]")
        console.print(f"[dim]{result.time_handling}. alpha(i <- j) is the expected number of "
                      "branch-i events directly triggered by one branch-j event; a branching "
                      "ratio measures self-excitation, not central direction. "
                      "See docs/contagion.md.[/dim]")
