"""``kharita contagion``: multivariate Hawkes model of contagion between branches."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from kharita.cli.output import Format, console, emit, step_progress, to_json
from kharita.config import setting


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
    store: Annotated[Path | None, typer.Option(
        "--store", help="DuckDB store file (default: KHARITA_STORE or ./kharita.duckdb).")] = None,
    date_from: Annotated[str | None, typer.Option(
        "--from", help="First day (YYYY-MM-DD); default: first attributed event.")] = None,
    date_to: Annotated[str | None, typer.Option(
        "--to", help="Last day (YYYY-MM-DD); default: last attributed event.")] = None,
    branches: Annotated[str | None, typer.Option(
        "--branches", help="Comma-separated branch ids, e.g. is-iraq,is-syria; default: "
                           "every branch with at least --min-events events.")] = None,
    min_confidence: Annotated[float, typer.Option(
        "--min-confidence", help="Drop attributions below this confidence.")] = 0.0,
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
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
) -> None:
    """Fit a multivariate Hawkes model to the branches' events and print the excitation
    matrix, the background / self / cross-branch shares, the decay, goodness of fit and
    the period, branches and event counts used."""

    from kharita.analysis.contagion import contagion_analysis
    from kharita.store.duckdb import connect

    con = connect(store if store is not None else Path(setting("store")), read_only=True)
    chosen = [b.strip() for b in branches.split(",") if b.strip()] if branches else None
    with step_progress("fitting (first run compiles numba kernels)",
                       running="bootstrap") as tick:
        result = contagion_analysis(con, start=date_from, end=date_to, branches=chosen,
                                    min_confidence=min_confidence, min_events=min_events,
                                    method=method.value, background=background.value,
                                    jitter_seeds=jitter_seeds, bootstrap=bootstrap, seed=seed,
                                    progress=tick)
    con.close()
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
