"""``kharita contagion``: multivariate Hawkes model of contagion between branches."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Any

import pandas as pd
import typer

from kharita.cli.options import (
    Ambiguous,
    AmbiguousOption,
    CountriesOption,
    EngineOption,
    FormatOption,
    KbOption,
    MinConfOption,
    SourcesOption,
    StoreOption,
    TypesOption,
    opened_frame,
)
from kharita.cli.output import Format, console, emit, step_progress, to_json


class MethodChoice(StrEnum):
    mle = "mle"
    em = "em"


class BackgroundChoice(StrEnum):
    constant = "constant"
    yearly = "yearly"


def register(app: typer.Typer) -> None:
    app.command("contagion")(contagion_cmd)


def _sections(result: Any) -> list[tuple[str, pd.DataFrame]]:
    fit = result.fit
    summary = pd.DataFrame([{"field": k, "value": v} for k, v in result.summary().items()])
    out = [("summary", summary), ("events per branch", result.counts),
           ("excitation matrix alpha(target <- source): expected direct offspring per event",
            fit.excitation),
           ("shares of each branch's events: background / self-triggered / other branches",
            fit.shares),
           ("decay (per day) and mean triggering time", fit.decay),
           ("background rates (events per day)", fit.background),
           ("goodness of fit: time-rescaling KS test per branch", fit.gof),
           ("model comparison", fit.comparison)]
    if fit.ci is not None:
        out.append(("95% parametric-bootstrap intervals", fit.ci))
    out.append(("sensitivity across within-day jitter seeds", result.jitter_spread))
    return out


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
    fmt: FormatOption = Format.table,
) -> None:
    """Fit a multivariate Hawkes model to the branches' events and print the excitation
    matrix, the background / self / cross-branch shares, the decay, goodness of fit and
    the period, branches and event counts used."""

    from kharita.analysis.contagion import contagion_analysis

    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to,
                      branches=branches, countries=countries, min_confidence=min_confidence,
                      ambiguous=ambiguous, sources=sources, event_types=event_types) as fr, \
            step_progress("fitting (first run compiles numba kernels)",
                          running="bootstrap") as tick:
        result = contagion_analysis(fr, min_events=min_events, method=method.value,
                                    background=background.value,
                                    jitter_seeds=jitter_seeds, bootstrap=bootstrap,
                                    seed=seed, progress=tick)
    if fmt == Format.json:
        sys.stdout.write(to_json(result.to_dict()) + "\n")
        return
    for title, df in _sections(result):
        if df is None:
            continue
        if fmt == Format.csv:
            sys.stdout.write(f"# {title}\n")
        emit(df, fmt, title=title if fmt == Format.table else None)
    if fmt == Format.table:
        console.print(f"[dim]{result.time_handling}. alpha(i <- j) is the expected number of "
                      "branch-i events directly triggered by one branch-j event; a branching "
                      "ratio measures self-excitation, not central direction. "
                      "See docs/contagion.md.[/dim]")
