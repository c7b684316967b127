"""Interval look-ups over sorted character spans in logarithmic time.

Reading is meant to be linear in the length of the article: every "is this span
inside / overlapping one of those" question is answered with :mod:`bisect` over
spans sorted by start, instead of a scan over all of them (which made reading
quadratic in the number of mentions).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


class SpanIndex:
    """Spans ``[start, end)``, possibly overlapping, for overlap and cover queries.

    >>> ix = SpanIndex([(10, 20), (0, 5), (12, 30)])
    >>> ix.overlaps(4, 6), ix.overlaps(5, 10), ix.covers(13, 25), ix.covers(3, 8)
    (True, False, True, False)
    """

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        items = sorted((s, e) for s, e in spans if e > s)
        self.starts = [s for s, _ in items]
        self.ends = [e for _, e in items]
        # running maximum of the ends: any span starting at or before i that reaches x
        self.max_end: list[int] = []
        m = -1
        for e in self.ends:
            m = max(m, e)
            self.max_end.append(m)

    def __len__(self) -> int:
        return len(self.starts)

    def _last_before(self, pos: int) -> int:
        """Index of the last span starting before ``pos`` (-1 if none)."""
        return bisect.bisect_left(self.starts, pos) - 1

    def overlaps(self, start: int, end: int) -> bool:
        """True if some span shares a character with ``[start, end)``."""
        i = self._last_before(end)
        return i >= 0 and self.max_end[i] > start

    def covers(self, start: int, end: int) -> bool:
        """True if one span contains ``[start, end)`` (``s <= start`` and ``end <= e``)."""
        i = bisect.bisect_right(self.starts, start) - 1
        # spans starting at or before ``start``; the first with a large enough end wins
        return i >= 0 and self.max_end[i] >= end


def in_range(items: Sequence[T], starts: Sequence[int], lo: int, hi: int) -> Sequence[T]:
    """The items whose start (``starts``, sorted, parallel to ``items``) is in ``[lo, hi)``.

    >>> in_range("abcd", [1, 3, 5, 7], 3, 7)
    'bc'
    """
    return items[bisect.bisect_left(starts, lo):bisect.bisect_left(starts, hi)]


def by_start(items: Iterable[Any]) -> tuple[list[Any], list[int]]:
    """Items sorted by their ``start`` attribute, and the list of starts."""
    out = sorted(items, key=lambda x: x.start)
    return out, [x.start for x in out]
