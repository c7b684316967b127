"""Map cells: the frame's events aggregated to grid cells for drawing.

Definition: a cell of ``d`` degrees (``cell_deg``) has its centre at
``((floor(lat / d) + 0.5) * d, (floor(lon / d) + 0.5) * d)``; ``events`` is the sum of
the frame's weights of the rows located in it, ``fatalities`` the weighted sum of their
best estimates. Aggregating before drawing keeps pages small whatever the store's size.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from kharita.errors import UserInputError
from kharita.store.sql import views as views_sql
from kharita.views.periods import check_freq

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame

MIN_CELL_DEG, MAX_CELL_DEG = 0.1, 10.0
CELL_COLUMNS: tuple[str, ...] = ("entity_id", "lat", "lon", "events", "fatalities")


def map_cells(frame: Frame, *, freq: str | None = None, cell_deg: float = 1.0
              ) -> pd.DataFrame:
    """The frame's events per branch and grid cell (and period, with ``freq``).

    Returns DataFrame[period (first day, a date; only with ``freq``), entity_id, lat,
    lon, events, fatalities], sorted.

    >>> from kharita.analysis.frame import build_frame
    >>> from kharita.store.base import open_store
    >>> from kharita.store.synthetic import insert_synthetic_events
    >>> store = open_store(":memory:")
    >>> _ = insert_synthetic_events(store, 400, seed=4)
    >>> cells = map_cells(build_frame(store), cell_deg=2.0)
    >>> list(cells.columns), bool(((cells.lat + 1) % 2 == 0).all())
    (['entity_id', 'lat', 'lon', 'events', 'fatalities'], True)
    """
    try:
        d = float(cell_deg)
    except (TypeError, ValueError):
        raise UserInputError(f"cell_deg={cell_deg!r}: expected a number") from None
    if not MIN_CELL_DEG <= d <= MAX_CELL_DEG:
        raise UserInputError(f"cell_deg={cell_deg!r}: expected a number in "
                             f"[{MIN_CELL_DEG}, {MAX_CELL_DEG}]")
    if freq is not None:
        check_freq(freq)
    df = frame.store.sql(views_sql.map_cells_sql(frame.sql, freq=freq, cell_deg=d))
    if freq is not None:
        df["period"] = pd.to_datetime(df["period"]).dt.date
    for c in ("lat", "lon", "events", "fatalities"):
        df[c] = df[c].astype(float)
    return df
