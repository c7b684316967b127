"""Contagion between branches: multivariate self-exciting (Hawkes) point processes.

Public surface: :func:`fit_hawkes` (MLE or EM), :func:`simulate_hawkes` (cluster
representation), :class:`HawkesParams`, :class:`HawkesFit`, and
:func:`contagion_analysis` (reads the network's events from the analysis frame and
fits the branches). See ``docs/contagion.md``.
"""

from __future__ import annotations

from kharita.analysis.contagion.analysis import (
    ContagionResult,
    branch_event_series,
    contagion_analysis,
    contagion_from_events,
)
from kharita.analysis.contagion.fit import EventData, HawkesFit, fit_hawkes, loglikelihood
from kharita.analysis.contagion.model import HawkesParams
from kharita.analysis.contagion.simulate import horizon_for, simulate_hawkes

__all__ = [
    "ContagionResult",
    "EventData",
    "HawkesFit",
    "HawkesParams",
    "branch_event_series",
    "contagion_analysis",
    "contagion_from_events",
    "fit_hawkes",
    "horizon_for",
    "loglikelihood",
    "simulate_hawkes",
]
