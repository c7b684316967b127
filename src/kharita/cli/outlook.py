"""``kharita outlook`` and ``kharita alerts``: probabilistic forecasts per branch, their
backtest, and the early-warning list (library: :mod:`kharita.analysis.forecast`)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

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
    SourcesOption,
    StoreOption,
    ToOption,
    TypesOption,
    WideOption,
    caption,
    opened_frame,
)
from kharita.cli.output import Format, console, emit

if TYPE_CHECKING:
    import pandas as pd


class OutlookTable(StrEnum):
    forecast = "forecast"
    backtest = "backtest"


class Level(StrEnum):
    branch = "branch"
    country = "country"
    admin1 = "admin1"


class ModelChoice(StrEnum):
    auto = "auto"
    zero = "zero"
    last = "last"
    climatology = "climatology"
    nb_trend = "nb_trend"
    hawkes = "hawkes"


LevelOption = Annotated[Level, typer.Option(
    "--level", help="Unit of the forecast: branch, country or admin1 area.")]


def register(app: typer.Typer) -> None:
    app.command("outlook")(outlook_cmd)
    app.command("alerts")(alerts_cmd)


def _interval(lo: pd.Series, hi: pd.Series) -> pd.Series:
    return lo.round(0).astype(int).astype(str) + "-" + hi.round(0).astype(int).astype(str)


def outlook_cmd(
    horizon: Annotated[int, typer.Option("--horizon", help="Periods ahead (1-36).")] = 6,
    freq: Annotated[Freq, typer.Option("--freq", help="Period length.")] = Freq.month,
    level: LevelOption = Level.branch,
    model: Annotated[ModelChoice, typer.Option(
        "--model", help="auto = the model that backtests best on this store.")
    ] = ModelChoice.auto,
    backtest: Annotated[bool, typer.Option(
        "--backtest", help="Also print the rolling-origin backtest scores.")] = False,
    samples: Annotated[int, typer.Option("--samples", help="Predictive samples.")] = 1000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    store: StoreOption = None, engine: EngineOption = None, date_from: FromOption = None,
    date_to: ToOption = None, branches: BranchesOption = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    count: CountOption = Count.incidents,
    table: Annotated[OutlookTable, typer.Option(
        "--table", help="Which table -f csv prints: the forecast, or (with --backtest) the "
                        "backtest scores.")] = OutlookTable.forecast,
    kb: KbOption = None, fmt: FormatOption = Format.table, wide: WideOption = False,
) -> None:
    """Forecast of events and fatalities per branch (or country / admin1 area) with
    50/80/95% intervals, P(>= 1 event) and P(surge above the unit's 90th percentile
    period), from the model that backtests best (or "no skill")."""
    from kharita.analysis.forecast import outlook

    if table == OutlookTable.backtest and not backtest:
        from kharita.errors import UserInputError

        raise UserInputError("--table backtest needs --backtest")
    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to, branches=branches,
                countries=countries, min_confidence=min_confidence, ambiguous=ambiguous,
                sources=sources, event_types=event_types, admin1=admin1, actor=actor,
                min_fatalities=min_fatalities, max_fatalities=max_fatalities,
                count=count) as fr:
        res = outlook(fr, horizon=horizon, freq=freq.value, level=level.value,
                      model=model.value, run_backtest=backtest, n_samples=samples,
                      seed=seed)
        cap = caption(fr, f"model: {res.model}; {res.verdict}")
    if fmt == Format.json:
        emit(res.to_dict(), fmt)
        return
    t = res.table
    if fmt == Format.csv:  # exactly one table
        emit(res.backtest.summary if table == OutlookTable.backtest
             and res.backtest is not None else t, fmt)
        return
    import pandas as pd
    if backtest and res.backtest is not None:
        s = res.backtest.settings
        emit(res.backtest.summary.round(3), fmt,
             title=f"Backtest: {s['n_origins']} origins from {s['first_origin']}, "
                   f"horizons 1-{s['horizon']}, {len(s['units'])} units",
             caption="crps: lower is better; brier_any / brier_surge: P(>=1) and P(surge); "
                     "coverN: share inside the central N% interval; skill_vs_b = 1 - "
                     f"CRPS / CRPS(b). Verdict: {res.verdict}")
    shown = pd.DataFrame({
        "unit": t.unit, "period": t.period.dt.date, "h": t.horizon,
        "events": t.events_median, "50%": _interval(t.events_lo50, t.events_hi50),
        "80%": _interval(t.events_lo80, t.events_hi80),
        "95%": _interval(t.events_lo95, t.events_hi95),
        "fatalities (80%)": t.fatalities_median.round(0).astype(int).astype(str) + " ("
        + _interval(t.fatalities_lo80, t.fatalities_hi80) + ")",
        "P(>=1)": t.p_any.round(2), "P(surge)": t.p_surge.round(2)})
    emit(shown, fmt, title=f"Outlook per {level.value}, {horizon} {freq.value}s ahead",
         caption=cap, wide=wide)
    for unit, note in res.notes.items():
        console.print(f"[dim]{unit}: {note}[/dim]")


def alerts_cmd(
    freq: Annotated[Freq, typer.Option("--freq", help="Period length (week or month).")
                    ] = Freq.week,
    level: LevelOption = Level.branch,
    last: Annotated[int, typer.Option("--last", help="Recent periods tested.")] = 8,
    alpha: Annotated[float, typer.Option(
        "--alpha", help="False-alarm rate: the p-value below which a period alerts.")] = 0.01,
    show_all: Annotated[bool, typer.Option("--all", help="Every tested unit-period.")] = False,
    store: StoreOption = None, engine: EngineOption = None, date_from: FromOption = None,
    date_to: ToOption = None, branches: BranchesOption = None,
    countries: CountriesOption = None, min_confidence: MinConfOption = 0.0,
    ambiguous: AmbiguousOption = Ambiguous.SPLIT, sources: SourcesOption = None,
    event_types: TypesOption = None, admin1: Admin1Option = None, actor: ActorOption = None,
    min_fatalities: MinFatalitiesOption = None, max_fatalities: MaxFatalitiesOption = None,
    count: CountOption = Count.incidents,
    kb: KbOption = None, fmt: FormatOption = Format.table, wide: WideOption = False,
) -> None:
    """Early warning: recent unit-periods whose events exceed what the preceding periods
    led to expect (negative binomial upper-tail p-value), ranked by surprise."""
    from kharita.analysis.forecast import alerts, history_from_frame

    if freq not in (Freq.week, Freq.month):
        from kharita.errors import UserInputError

        raise UserInputError("alerts run on weeks or months (--freq week|month)")
    with opened_frame(store, engine, kb, date_from=date_from, date_to=date_to, branches=branches,
                countries=countries, min_confidence=min_confidence, ambiguous=ambiguous,
                sources=sources, event_types=event_types, admin1=admin1, actor=actor,
                min_fatalities=min_fatalities, max_fatalities=max_fatalities,
                count=count) as fr:
        h = history_from_frame(fr, level=level.value, freq=freq.value)
        df = alerts(h, last=last, alpha=alpha, include_all=show_all)
        cap = caption(fr, f"{df.attrs['tested']} unit-{freq.value}s tested; false-alarm "
                          f"rate {alpha:g} (expect about {alpha * df.attrs['tested']:.1f} "
                          "alerts by chance)")
    if fmt == Format.table:
        shown = df.drop(columns="note").assign(
            period=df.period.dt.date, expected=df.expected.round(1),
            p_value=df.p_value.map(lambda p: f"{p:.2g}"), surprise=df.surprise.round(2))
        emit(shown, fmt, title=f"Alerts per {level.value}-{freq.value}", caption=cap, wide=wide)
        for unit, note in h.notes.items():
            console.print(f"[dim]{unit}: {note}[/dim]")
        return
    if fmt == Format.json:
        df = df.assign(period=df.period.dt.strftime("%Y-%m-%d"))
    emit(df, fmt, title=f"Alerts per {level.value}-{freq.value}", caption=cap)
