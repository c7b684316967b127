"""Periods of the read model: first days (dates), their labels and their bounds.

A period is identified by its **first day** (a :class:`datetime.date`: 2019-01-01 for
the year 2019, 2019-07-01 for its third quarter or for July), so periods sort as dates
everywhere (tables, charts, sliders); a label (``2019``, ``2019-Q3``, ``2019-07``, or the
Monday of a week) is only for display and for the workbench's URLs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pandas as pd

from kharita.errors import UserInputError
from kharita.store.sql import views as views_sql
from kharita.store.sql.periods import FREQS, check_freq

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame

__all__ = ["FREQS", "as_date", "check_freq", "period_bounds", "period_label",
           "period_labels", "period_start", "periods"]
_LABEL = re.compile(r"(\d{4})(?:-Q(\d)|-(\d{2})|-(\d{2})-(\d{2}))?")


def as_date(value: object) -> dt.date:
    """A period value (date, datetime, pandas Timestamp or ISO text) as a date."""
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(str(value)).date()


def period_start(day: dt.date, freq: str) -> dt.date:
    """The first day of the period holding ``day``.

    >>> period_start(dt.date(2019, 8, 30), "quarter"), period_start(dt.date(2019, 8, 30), "week")
    (datetime.date(2019, 7, 1), datetime.date(2019, 8, 26))
    """
    check_freq(freq)
    if freq == "year":
        return dt.date(day.year, 1, 1)
    if freq == "quarter":
        return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if freq == "month":
        return dt.date(day.year, day.month, 1)
    return day - dt.timedelta(days=day.weekday())


def period_label(first_day: object, freq: str) -> str:
    """The display label of a period given by its first day.

    >>> [period_label(dt.date(2019, 7, 1), f) for f in ("year", "quarter", "month", "week")]
    ['2019', '2019-Q3', '2019-07', '2019-07-01']
    """
    d = as_date(first_day)
    check_freq(freq)
    if freq == "year":
        return f"{d.year:04d}"
    if freq == "quarter":
        return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"
    if freq == "month":
        return f"{d.year:04d}-{d.month:02d}"
    return d.isoformat()


def period_labels(values: Iterable[object], freq: str) -> list[str]:
    """Labels of several periods (see :func:`period_label`)."""
    return [period_label(v, freq) for v in values]


def period_bounds(period: str | dt.date, freq: str | None = None) -> tuple[dt.date, dt.date]:
    """First and last day of a period: a label (``2019``, ``2019-Q3``, ``2019-07``) or a
    first day with its ``freq`` (a bare date without ``freq`` is that day only).

    >>> period_bounds("2019-Q3")
    (datetime.date(2019, 7, 1), datetime.date(2019, 9, 30))
    >>> period_bounds(dt.date(2020, 2, 1), "month")
    (datetime.date(2020, 2, 1), datetime.date(2020, 2, 29))
    """
    if isinstance(period, dt.date):
        first = period
        if freq is None:
            return first, first
    else:
        m = _LABEL.fullmatch(period.strip())
        if not m:
            raise UserInputError(f"period {period!r}: expected YYYY, YYYY-Qn, YYYY-MM or "
                                 "YYYY-MM-DD")
        year = int(m.group(1))
        if not dt.MINYEAR <= year <= dt.MAXYEAR:
            raise UserInputError(f"period {period!r}: year must be {dt.MINYEAR}-{dt.MAXYEAR}")
        if m.group(2):
            quarter = int(m.group(2))
            if not 1 <= quarter <= 4:
                raise UserInputError(f"period {period!r}: quarter must be 1-4")
            first, freq = dt.date(year, 3 * quarter - 2, 1), "quarter"
        elif m.group(3):
            month = int(m.group(3))
            if not 1 <= month <= 12:
                raise UserInputError(f"period {period!r}: month must be 01-12")
            first, freq = dt.date(year, month, 1), "month"
        elif m.group(4):
            try:
                first = dt.date(year, int(m.group(4)), int(m.group(5)))
            except ValueError as exc:
                raise UserInputError(f"period {period!r}: {exc}") from None
            if freq is None:
                return first, first
        else:
            first, freq = dt.date(year, 1, 1), "year"
    check_freq(freq)
    first = period_start(first, freq)
    if freq == "year":
        return first, dt.date(first.year, 12, 31)
    if freq in ("quarter", "month"):
        last_month = first.month + (2 if freq == "quarter" else 0)
        return first, dt.date(first.year, last_month,
                              calendar.monthrange(first.year, last_month)[1])
    return first, first + dt.timedelta(days=6)


def periods(frame: Frame, freq: str = "year") -> list[dt.date]:
    """First days of the periods holding at least one row of the frame, in order.

    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 500, seed=3)
    >>> ps = periods(build_frame(store), "year")
    >>> ps == sorted(ps) and all(p.month == 1 and p.day == 1 for p in ps)
    True
    """
    check_freq(freq)
    return [as_date(r[0]) for r in frame.store.rows(views_sql.periods_sql(frame.sql, freq))]
