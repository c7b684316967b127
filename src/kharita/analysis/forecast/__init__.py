"""Forecasting: probabilistic outlooks per branch, honest backtests, early warning.

Public surface: :func:`outlook` (forecast table + model choice), :func:`backtest`
(rolling-origin scores), :func:`alerts` (early warning), :func:`history_from_frame`
(the count history, coverage and ambiguous attributions), the models in
:data:`MODELS`. See ``docs/forecast.md``.
"""

from __future__ import annotations

from kharita.analysis.forecast.alerts import alerts, surprise
from kharita.analysis.forecast.backtest import BacktestResult, backtest
from kharita.analysis.forecast.history import History, history_from_counts, history_from_frame
from kharita.analysis.forecast.models import BASELINES, MODELS, make_model
from kharita.analysis.forecast.outlook import (
    OutlookResult,
    forecast_history,
    outlook,
    outlook_history,
)

__all__ = ["BASELINES", "MODELS", "BacktestResult", "History", "OutlookResult", "alerts",
           "backtest", "forecast_history", "history_from_counts", "history_from_frame",
           "make_model", "outlook", "outlook_history", "surprise"]
