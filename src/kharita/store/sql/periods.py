"""Periods: the one definition of week, month, quarter and year used by every figure.

A period is named by its **first day**, as a DATE: ``date_trunc`` to the period, cast
to DATE (weeks start on Monday, ISO 8601, in DuckDB and in Spark alike).
"""

from __future__ import annotations

from kharita.errors import UserInputError

#: Period lengths every analysis accepts.
FREQS: tuple[str, ...] = ("week", "month", "quarter", "year")


def check_freq(freq: str) -> str:
    """Validate a period length (:data:`FREQS`); :class:`UserInputError` otherwise."""
    if freq not in FREQS:
        raise UserInputError(f"freq={freq!r}: expected one of {', '.join(FREQS)}")
    return freq


def period_sql(freq: str, column: str = "date") -> str:
    """SQL expression for the first day (a DATE) of ``column``'s period.

    >>> period_sql("quarter")
    "CAST(date_trunc('quarter', date) AS DATE)"
    >>> from kharita.store.dialect import transpile
    >>> transpile("SELECT " + period_sql("week", "d") + " FROM t", "spark")
    "SELECT CAST(DATE_TRUNC('WEEK', d) AS DATE) FROM t"
    """
    check_freq(freq)
    return f"CAST(date_trunc('{freq}', {column}) AS DATE)"
