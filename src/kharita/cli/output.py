"""Rendering library results for the terminal: ``--format table|csv|json``.

Every command that prints data calls :func:`emit`; commands never format by hand.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

import pandas as pd
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()
err_console = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, set):
        return sorted(obj)
    return str(obj)


def to_json(obj: Any) -> str:
    """JSON text for a DataFrame, dataclass-like dict or list (dates as ISO strings)."""
    if isinstance(obj, pd.DataFrame):
        obj = json.loads(obj.to_json(orient="records", date_format="iso", force_ascii=False))
    return json.dumps(obj, ensure_ascii=False, indent=2, default=_json_default)


@contextmanager
def step_progress(description: str, *, running: str | None = None
                  ) -> Iterator[Callable[[int, int], None]]:
    """A transient progress bar on stderr for long library calls.

    Yields the ``progress(done, total)`` callback that kharita's long-running library
    functions accept; ``running`` replaces the description once steps are reported.
    """
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total,
                       description=running or description)

        yield update


def format_cell(value: Any) -> str:
    """A value as shown in a table: whole numbers with thousands separators, others to
    four significant digits, dates without a midnight time, missing values empty.

    >>> [format_cell(v) for v in (15090.0, 0.26543, 3, None, float("nan"))]
    ['15,090', '0.2654', '3', '', '']
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        return f"{value:,.1f}" if abs(value) >= 1000 else f"{value:.4g}"
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    return str(value)


def with_intervals(df: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """For tables: fold ``m``, ``m_low`` and ``m_high`` into one ``m [low-high]`` column.

    >>> with_intervals(pd.DataFrame({"hhi": [0.5], "hhi_low": [0.4], "hhi_high": [0.61]}),
    ...                ["hhi"]).iloc[0, 0]
    '0.5 [0.4-0.61]'
    """
    out = df.copy()
    for m in measures:
        lo, hi = f"{m}_low", f"{m}_high"
        if m not in out.columns or lo not in out.columns or hi not in out.columns:
            continue
        out[m] = [f"{format_cell(round(v, 3))} [{format_cell(round(a, 3))}-"
                  f"{format_cell(round(b, 3))}]" if pd.notna(v) else ""
                  for v, a, b in zip(out[m], out[lo], out[hi], strict=True)]
        out = out.drop(columns=[lo, hi])
    return out


def is_id_column(name: str) -> bool:
    """Columns printed verbatim (no thousands separators): ids, codes, grid cells, years.

    >>> [is_id_column(c) for c in ("event_id", "priogrid_gid", "year", "events")]
    [True, True, True, False]
    """
    n = str(name).lower()
    return (n in ("id", "gid", "year", "code", "iso3", "rn") or n.endswith(("_id", "_gid", "_ids",
                                                                           "_code", "_year")))


def period_text(df: pd.DataFrame, freq: str | None) -> pd.DataFrame:
    """``period`` (first days) printed at its frequency: ``2019``, ``2019-Q3``, ``2019-07``,
    a week's first day (nothing else changes).

    >>> df = pd.DataFrame({"period": pd.to_datetime(["2019-07-01"])})
    >>> period_text(df, "quarter").period.tolist()
    ['2019-Q3']
    """
    if freq is None or "period" not in df or not len(df):
        return df
    from kharita.views.periods import as_date, period_label

    return df.assign(period=[period_label(as_date(v), freq) if v is not None and not
                             (isinstance(v, float) and pd.isna(v)) else "" for v in df["period"]])


def emit(data: pd.DataFrame | dict[str, Any] | list[Any], fmt: Format, *,
         title: str | None = None, caption: str | None = None, max_rows: int = 200,
         freq: str | None = None) -> None:
    """Print ``data`` in the chosen format to standard output.

    Tables are cut to ``max_rows`` rows in ``table`` format only (with a note);
    ``csv`` and ``json`` always print everything (periods as their first days, ISO
    dates, for machines). In tables, with ``freq``, a ``period`` column is printed at that
    frequency (``2019``, not ``2019-01-01``), and id-like columns (:func:`is_id_column`)
    verbatim.
    """
    if isinstance(data, pd.DataFrame) and fmt == Format.table:
        data = period_text(data, freq)
    if fmt == Format.json:
        sys.stdout.write(to_json(data) + "\n")
        return
    df = data if isinstance(data, pd.DataFrame) else pd.DataFrame(
        data if isinstance(data, list) else [data])
    if fmt == Format.csv:
        df.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    table = Table(title=title, caption=caption, show_lines=False, header_style="bold")
    for col in df.columns:
        table.add_column(str(col), overflow="fold")
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]
    for column, is_num in zip(table.columns, numeric, strict=True):
        if is_num:
            column.justify = "right"
    verbatim = [is_id_column(c) for c in df.columns]
    for row in df.head(max_rows).itertuples(index=False):
        table.add_row(*(escape("" if v is None or (isinstance(v, float) and pd.isna(v))
                               else str(v) if raw and not isinstance(v, float)
                               else format_cell(v)) for v, raw in zip(row, verbatim, strict=True)))
    console.print(table)
    if len(df) > max_rows:
        console.print(f"[dim]... {len(df) - max_rows} more rows (use --format csv or json)[/dim]")
