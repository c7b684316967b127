"""Dates with a precision: ``2019``, ``2019-10`` or ``2019-10-27``.

A :class:`FuzzyDate` is written in the KB as an ISO string whose length states its
precision (year, month or day). It covers the interval ``[earliest, latest]``:
``2019-10`` covers 1-31 October 2019. Validity intervals use the lenient reading
(``from.earliest`` .. ``to.latest``), so a fact dated only to a month is valid on
every day of that month.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

Precision = Literal["year", "month", "day"]
_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


@dataclass(frozen=True, order=True)
class FuzzyDate:
    """A calendar date known to a year, month or day."""

    earliest: dt.date
    precision: Precision

    @classmethod
    def parse(cls, value: object) -> FuzzyDate:
        """Parse ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, a ``date`` or an ``int`` year.

        >>> FuzzyDate.parse("2019-10").latest
        datetime.date(2019, 10, 31)
        """
        if isinstance(value, FuzzyDate):
            return value
        if isinstance(value, dt.datetime):
            return cls(value.date(), "day")
        if isinstance(value, dt.date):
            return cls(value, "day")
        if isinstance(value, int) and not isinstance(value, bool):
            value = f"{value:04d}"
        if not isinstance(value, str):
            raise ValueError(f"expected a date like 2019, 2019-10 or 2019-10-27, got {value!r}")
        m = _PATTERN.match(value.strip())
        if not m:
            raise ValueError(f"malformed date {value!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = m.group(1), m.group(2), m.group(3)
        try:
            if day:
                return cls(dt.date(int(year), int(month), int(day)), "day")
            if month:
                return cls(dt.date(int(year), int(month), 1), "month")
            return cls(dt.date(int(year), 1, 1), "year")
        except ValueError as exc:
            raise ValueError(f"impossible date {value!r}: {exc}") from None

    @property
    def latest(self) -> dt.date:
        """Last day the date may refer to."""
        d = self.earliest
        if self.precision == "day":
            return d
        if self.precision == "month":
            return d.replace(day=calendar.monthrange(d.year, d.month)[1])
        return d.replace(month=12, day=31)

    def __str__(self) -> str:
        d = self.earliest
        if self.precision == "day":
            return d.isoformat()
        if self.precision == "month":
            return f"{d.year:04d}-{d.month:02d}"
        return f"{d.year:04d}"


def to_date(value: object) -> dt.date:
    """Coerce ``value`` (``date``, ``datetime``, ISO string, pandas Timestamp) to a ``date``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date") and callable(value.date):  # pandas.Timestamp
        return value.date()  # pandas.Timestamp and friends
    if isinstance(value, str):
        return FuzzyDate.parse(value).earliest
    raise ValueError(f"not a date: {value!r}")
