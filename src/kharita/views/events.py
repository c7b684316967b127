"""The events table: pages of the frame's rows with search and sort.

A page is the frame's rows (one per event and branch, with the frame's weight) under
the frame's filters, matching a free-text search, in one order, cut to ``size`` rows
starting at row ``(page - 1) * size``. To keep deep pages and searches fast on large
stores the frame's base table is copied once per store into a **browse** table ordered
newest first, with a rank ``rn`` and a ``key_id`` into the distinct search texts; the
frame's filters are applied to it by the same SQL as to the frame itself
(:func:`kharita.store.sql.frame.filtered_sql`), so a page never disagrees with a figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from kharita.analysis.frame import store_cache
from kharita.errors import UserInputError
from kharita.store.sql import views as views_sql

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame

SORTS: tuple[str, ...] = tuple(views_sql.SORTS)
MAX_PAGE_SIZE = 200
MAX_QUERY_LEN = 100
MAX_PAGE = 1_000_000


@dataclass
class EventsPage:
    """One page of the events table: ``total`` matching rows, this page's ``rows``
    (:data:`kharita.store.sql.views.PAGE_COLUMNS`)."""

    total: int
    page: int
    size: int
    rows: pd.DataFrame

    @property
    def pages(self) -> int:
        """Number of pages (at least 1)."""
        return max(1, -(-self.total // self.size))


@dataclass(frozen=True)
class _Browse:
    table: str
    keys: str
    n_rows: int


def browse_table(frame: Frame) -> _Browse:
    """The browse table of the frame's base table (built once per store and base, again
    when the base table changed)."""
    store = frame.store
    cache = store_cache(store, "browse")
    hit = cache.get(frame.base)
    if hit is not None and store.has_table(hit.table) and hit.n_rows == int(
            store.scalar(views_sql.table_count_sql(frame.base)) or 0):
        return hit
    table, keys = f"{frame.base}_browse", f"{frame.base}_keys"
    store.create_temp(keys, views_sql.search_keys_sql(frame.base))
    store.create_temp(table, views_sql.browse_sql(frame.base, keys))
    browse = _Browse(table, keys, int(store.scalar(views_sql.table_count_sql(table)) or 0))
    cache[frame.base] = browse
    return browse


def _filtered_rows(frame: Frame, table: str) -> str:
    """The frame's filters applied to ``table`` (a copy of the base table with ``rn``)."""
    return frame.sql_over(table, ("rn", "key_id"))


#: A map cell to drill into: ``LAT,LON,DEG`` (its centre, as the map draws it, and size).
Cell = tuple[float, float, float]


def parse_cell(text: str | None) -> Cell | None:
    """The ``cell`` argument (``"LAT,LON,DEG"``: a map cell's centre and size in degrees)
    as numbers, or None; anything else is a :class:`UserInputError`.

    >>> parse_cell("12.5,13.5,1")
    (12.5, 13.5, 1.0)
    """
    import math

    from kharita.views.maps import MAX_CELL_DEG, MIN_CELL_DEG

    if text is None or not str(text).strip():
        return None
    try:
        lat, lon, deg = (float(x) for x in str(text).split(","))
    except ValueError:
        raise UserInputError(f"cell={text!r}: expected LAT,LON,DEG (a map cell's centre "
                             "and size in degrees)") from None
    if not (all(math.isfinite(v) for v in (lat, lon, deg)) and -90 <= lat <= 90
            and -180 <= lon <= 180 and MIN_CELL_DEG <= deg <= MAX_CELL_DEG):
        raise UserInputError(f"cell={text!r}: latitude -90-90, longitude -180-180, size "
                             f"{MIN_CELL_DEG}-{MAX_CELL_DEG} degrees")
    return lat, lon, deg


def _where(browse: _Browse, text: str, cell: Cell | None) -> tuple[str, list[object]]:
    """The search's and the map cell's conditions on the browse rows, with parameters."""
    import math

    parts: list[str] = []
    params: list[object] = []
    if text:
        parts.append(views_sql.search_where(browse.keys))
        params += [text, text]
    if cell is not None:
        lat, lon, deg = cell
        parts.append(views_sql.cell_where(deg))
        params += [math.floor(lat / deg), math.floor(lon / deg)]
    return " AND ".join(parts), params


def check_page_args(*, q: str, page: int, size: int, sort: str) -> str:
    """Validate the events table's arguments; returns the normalised search text."""
    if not isinstance(page, int) or not 1 <= page <= MAX_PAGE:
        raise UserInputError(f"page={page!r}: expected a whole number from 1 to {MAX_PAGE:,}")
    if not isinstance(size, int) or not 1 <= size <= MAX_PAGE_SIZE:
        raise UserInputError(f"size={size!r}: expected a whole number from 1 to "
                             f"{MAX_PAGE_SIZE}")
    if len(q) > MAX_QUERY_LEN:
        raise UserInputError(f"q: the search text has {len(q)} characters, at most "
                             f"{MAX_QUERY_LEN}")
    if sort not in SORTS:
        raise UserInputError(f"sort={sort!r}: expected one of {', '.join(SORTS)}")
    return q.strip().lower()


def events_page(frame: Frame, *, q: str = "", page: int = 1, size: int = 50,
                sort: str = "date_desc", cell: Cell | None = None) -> EventsPage:
    """A page of the frame's rows matching the free-text search ``q`` (and located in the
    map cell ``cell``, see :func:`parse_cell`, when given).

    ``q`` matches case-insensitively as a literal substring of the place, admin1,
    country name, ISO3 code and branch id, or as the whole event id. Pages are 1-based;
    ``size`` at most :data:`MAX_PAGE_SIZE`; ``sort`` one of :data:`SORTS` (newest first
    by default; ties by event id and branch). A page past the last one is empty.

    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 300, seed=2)
    >>> fr = build_frame(store)
    >>> p1, p2 = events_page(fr, size=10), events_page(fr, size=10, page=2)
    >>> p1.total == p2.total, len(p2.rows), set(p1.rows.event_id).isdisjoint(p2.rows.event_id)
    (True, 10, True)
    """
    text = check_page_args(q=q, page=page, size=size, sort=sort)
    store = frame.store
    browse = browse_table(frame)
    rows = _filtered_rows(frame, browse.table)
    where, params = _where(browse, text, cell)
    total = int(store.scalar(views_sql.count_sql(rows, where), params) or 0)
    offset = (page - 1) * size
    if sort == "date_desc" and not where and total == browse.n_rows:
        # every row matches: a page is a range of ranks (the table is stored in rank order)
        df = store.sql(views_sql.rank_range_sql(rows), [offset, offset + size])
    else:
        df = store.sql(views_sql.page_sql(rows, where=where, sort=sort, limit=size,
                                          offset=offset), params)
    if "date_start" in df and len(df):
        df["date_start"] = pd.to_datetime(df["date_start"]).dt.date
    return EventsPage(total=total, page=page, size=size, rows=df.reset_index(drop=True))



def iter_events(frame: Frame, *, q: str = "", sort: str = "date_desc",
                chunk: int = 5_000, cell: Cell | None = None) -> Iterator[pd.DataFrame]:
    """Every row of the events table under the frame's filters and the search ``q``, in
    ``sort`` order, as DataFrames of at most ``chunk`` rows (for streamed downloads: the
    same rows, and as many, as :func:`events_page` counts in ``total``).

    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 300, seed=2)
    >>> fr = build_frame(store)
    >>> sum(len(c) for c in iter_events(fr, chunk=70)) == events_page(fr).total
    True
    """
    text = check_page_args(q=q, page=1, size=1, sort=sort)
    store = frame.store
    browse = browse_table(frame)
    rows = _filtered_rows(frame, browse.table)
    where, params = _where(browse, text, cell)
    offset = 0
    while True:
        df = store.sql(views_sql.page_sql(rows, where=where, sort=sort, limit=chunk,
                                          offset=offset), params)
        if not len(df):
            return
        if "date_start" in df:
            df["date_start"] = pd.to_datetime(df["date_start"]).dt.date
        yield df.reset_index(drop=True)
        if len(df) < chunk:
            return
        offset += chunk
