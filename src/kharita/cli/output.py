"""Rendering library results for the terminal: ``--format table|csv|json``.

Every command that prints data calls :func:`emit` (or :func:`emit_sections` for several
tables); commands never format by hand. Everything kharita prints passes through this
module: :data:`console` and :data:`err_console` escape control characters in every text
they render (:func:`safe_text`), and :func:`write_out` does the same for raw output, so a
data field cannot drive the terminal (clear the screen, plant OSC 8 links or write the
clipboard with OSC 52; see the xterm control sequences reference,
https://invisible-island.net/xterm/ctlseqs/ctlseqs.html).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:  # pandas is imported by the functions that need it (kharita --help is fast)
    import pandas as pd
    from rich.text import Text

#: C0 controls except tab and newline, DEL, and the C1 controls (ECMA-48: ESC starts
#: CSI/OSC sequences; 0x9b is an 8-bit CSI, 0x9d an 8-bit OSC).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f]")  # json.dumps already escapes C0 as \u00XX


def safe_text(text: str) -> str:
    r"""``text`` with every control character except tab and newline shown as a visible
    escape (``\x1b``), so data cannot send terminal control sequences.

    >>> safe_text("a\x1b[2Jb\x1b]52;c;SGk=\x07\tc\x9b")
    'a\\x1b[2Jb\\x1b]52;c;SGk=\\x07\tc\\x9b'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def safe_json(text: str) -> str:
    r"""JSON text with DEL and the C1 controls written as ``\u00XX`` escapes (lossless:
    ``json.loads`` gives the same strings; the C0 controls json.dumps escapes itself)."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class SafeConsole(Console):
    """A rich console that escapes control characters (:func:`safe_text`) in every string it
    renders: printed text, table cells, titles and captions all pass ``render_str``."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(safe_text(text), **kwargs)


console = SafeConsole()
err_console = SafeConsole(stderr=True)


def write_out(text: str, *, json_text: bool = False, document: bool = False) -> None:
    """Write raw output (CSV, JSON, HTML, an export) to standard output with control
    characters escaped: :func:`safe_json` for JSON (lossless), :func:`safe_text` otherwise.

    A ``document`` (the brief's HTML, whose inlined JavaScript holds control characters
    in its strings) is written unchanged when standard output is not a terminal (a pipe
    or a file), and escaped only on a terminal."""
    if document and not sys.stdout.isatty():
        sys.stdout.write(text)
        return
    sys.stdout.write(safe_json(text) if json_text else safe_text(text))


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
    import pandas as pd

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
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task(escape(safe_text(description)), total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total,
                       description=escape(safe_text(running or description)))

        yield update


def is_p_column(name: str) -> bool:
    """Columns holding p-values (printed as ``<0.0001`` below that, never in scientific
    notation).

    >>> [is_p_column(c) for c in ("p_value", "placebo_p", "q_value", "pop")]
    [True, True, True, False]
    """
    n = str(name).lower()
    return n in ("p", "q", "pvalue") or n.startswith(("p_", "q_")) or n.endswith(("_p", "_q"))


def _missing(value: Any) -> bool:
    """None, NaN, pandas' NA and NaT (a nullable integer column's gap is ``pd.NA``, which
    would otherwise be printed as ``<NA>``)."""
    import pandas as pd

    return value is None or value is pd.NA or value is pd.NaT or (
        isinstance(value, float) and value != value)


def format_cell(value: Any, column: str = "") -> str:
    """A value as shown in a table: whole numbers with thousands separators, others to
    four significant digits in fixed notation (never ``6.224e-11``: below 0.0001 a value
    is shown as ``<0.0001``), dates without a midnight time, missing values empty.

    >>> import pandas as pd
    >>> [format_cell(v) for v in (15090.0, 7473, 0.26543, 3, None, float("nan"), pd.NA,
    ...                           6.224e-11)]
    ['15,090', '7,473', '0.2654', '3', '', '', '', '<0.0001']

    Years and ids are never given to it (:func:`is_id_column` columns are printed
    verbatim), so a count of 7,473 and one of 16,566 read alike in one column.
    """
    import pandas as pd

    if _missing(value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return f"{int(value):,}"
        if abs(value) >= 1000:
            return f"{value:,.1f}"
        if abs(value) < 1e-4:
            return "<0.0001" if value > 0 else ">-0.0001"
        return f"{value:.4g}"
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    return str(value)


def with_intervals(df: pd.DataFrame, measures: list[str]) -> pd.DataFrame:
    """For tables: fold ``m``, ``m_low`` and ``m_high`` into one ``m [low-high]`` column.

    >>> import pandas as pd
    >>> with_intervals(pd.DataFrame({"hhi": [0.5], "hhi_low": [0.4], "hhi_high": [0.61]}),
    ...                ["hhi"]).iloc[0, 0]
    '0.5 [0.4-0.61]'
    """
    import pandas as pd

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
    """Columns printed verbatim (no thousands separators, never wrapped): ids, codes, grid
    cells, years.

    >>> [is_id_column(c) for c in ("event_id", "priogrid_gid", "year", "events")]
    [True, True, True, False]
    """
    n = str(name).lower()
    return (n in ("id", "gid", "year", "code", "iso3", "rn") or n.endswith(("_id", "_gid", "_ids",
                                                                           "_code", "_year")))


def period_text(df: pd.DataFrame, freq: str | None) -> pd.DataFrame:
    """``period`` (first days) printed at its frequency: ``2019``, ``2019-Q3``, ``2019-07``,
    a week's first day (nothing else changes).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"period": pd.to_datetime(["2019-07-01"])})
    >>> period_text(df, "quarter").period.tolist()
    ['2019-Q3']
    """
    import pandas as pd

    if freq is None or "period" not in df or not len(df):
        return df
    from kharita.views.periods import as_date, period_label

    return df.assign(period=[period_label(as_date(v), freq) if v is not None and not
                             (isinstance(v, float) and pd.isna(v)) else "" for v in df["period"]])


def _frame(data: Any) -> pd.DataFrame:
    import pandas as pd

    return data if isinstance(data, pd.DataFrame) else pd.DataFrame(
        data if isinstance(data, list) else [data])


def _table_text(value: Any, column: str, verbatim: bool) -> str:
    if _missing(value):
        return ""
    if verbatim and not isinstance(value, float):
        return str(value)
    return format_cell(value, column)


def emit(data: pd.DataFrame | dict[str, Any] | list[Any], fmt: Format, *,
         title: str | None = None, caption: str | None = None, max_rows: int = 200,
         freq: str | None = None, columns: list[str] | None = None,
         wide: bool | None = None) -> None:
    """Print ``data`` in the chosen format to standard output.

    Tables are cut to ``max_rows`` rows in ``table`` format only (with a note);
    ``csv`` and ``json`` always print everything (every column, periods as their first
    days, ISO dates, for machines). In tables, with ``freq``, a ``period`` column is
    printed at that frequency (``2019``, not ``2019-01-01``); id-like columns
    (:func:`is_id_column`) and numbers are printed verbatim and never wrapped (so ids can be
    pasted back). A table shows ``columns`` (a command's default selection) unless
    ``wide``, and only the leading columns that fit the terminal's width (80 when output
    is not a terminal); a note names the columns left out (a single row that does not fit
    is printed as a field/value list instead). ``wide`` is None for commands without a
    ``--wide`` option.
    """
    import pandas as pd
    from rich.table import Table

    if fmt == Format.json:
        write_out(to_json(data) + "\n", json_text=True)
        return
    df = _frame(data)
    if fmt == Format.csv:
        write_out(df.to_csv(index=False, lineterminator="\n"))
        return
    df = period_text(df, freq)
    if columns is not None and not wide:
        df = df[[c for c in columns if c in df.columns]]
    verbatim = [is_id_column(c) for c in df.columns]
    cells = [[_table_text(v, str(c), raw) for v, c, raw in zip(row, df.columns, verbatim,
                                                                strict=True)]
             for row in df.head(max_rows).itertuples(index=False)]
    keep = [raw or str(c) == "period" or (pd.api.types.is_numeric_dtype(df[c])
                                          and not pd.api.types.is_bool_dtype(df[c]))
            for c, raw in zip(df.columns, verbatim, strict=True)]
    shown = list(range(len(df.columns))) if wide else _fit(
        [str(c) for c in df.columns], cells, keep, console.width)
    if len(df) == 1 and len(shown) < len(df.columns):  # one wide row: print it as a list
        emit([{"field": str(c), "value": v} for c, v in zip(df.columns, cells[0], strict=True)],
             fmt, title=title, caption=caption)
        return
    hidden = [str(c) for i, c in enumerate(df.columns) if i not in shown]
    if columns is not None and not wide:
        hidden = [str(c) for c in data.columns if c not in columns] + hidden \
            if isinstance(data, pd.DataFrame) else hidden
    table = Table(title=title, caption=caption, show_lines=False, header_style="bold")
    for i in shown:
        col = df.columns[i]
        numeric = pd.api.types.is_numeric_dtype(df[col]) and not pd.api.types.is_bool_dtype(
            df[col])
        table.add_column(str(col), justify="right" if numeric else "left",
                         no_wrap=keep[i], overflow="fold")
    for row_cells in cells:
        table.add_row(*(escape(row_cells[i]) for i in shown))
    if wide:  # every column at its natural width, even beyond the terminal's
        full = 1 + sum(max([len(str(df.columns[i])), *(len(r[i]) for r in cells)]) + 3
                       for i in shown)
        SafeConsole(file=console.file, width=max(full, console.width),
                    no_color=console.no_color).print(table)
    else:
        console.print(table)
    if len(df) > max_rows:
        console.print(f"[dim]... {len(df) - max_rows} more rows (use --format csv or json)[/dim]")
    if hidden:
        more = "--wide or --format csv" if wide is not None else "--format csv"
        console.print(f"[dim]{len(hidden)} more column(s): {', '.join(hidden)} ({more})[/dim]",
                      highlight=False)


#: Width a wrapping text column is given when the table is fitted to the terminal.
_TEXT_WIDTH = 16


def _fit(headers: list[str], cells: list[list[str]], keep: list[bool], width: int) -> list[int]:
    """Indexes of the leading columns that fit ``width`` (rich's borders and padding: three
    characters a column, one more for the frame): ids, numbers and periods at their full
    width (never wrapped), text at most :data:`_TEXT_WIDTH` (it wraps)."""
    total, shown = 1, list[int]()
    for i, head in enumerate(headers):
        natural = max([len(head), *(len(r[i]) for r in cells)])
        need = natural if keep[i] else min(natural, max(_TEXT_WIDTH, min(len(head), 24)))
        if shown and total + need + 3 > width:
            break
        total += need + 3
        shown.append(i)
    return shown


def emit_sections(sections: dict[str, Any], fmt: Format, title: str, *,
                  freq: str | None = None, output: Path | None = None,
                  columns: dict[str, list[str]] | None = None, wide: bool = False) -> None:
    """Several tables of one analysis: one JSON object, one table per section, or, as
    CSV, exactly one table (several would not parse as one CSV: ``--table NAME`` picks
    it). With ``output`` (``-o DIR``), one file per table is written into that folder
    instead (``NAME.csv``, or ``NAME.json`` with ``-f json``) and their paths printed;
    ``-o -`` is standard output."""
    if output is not None and str(output) != "-":
        written = write_sections(sections, output, fmt)
        for path in written:
            console.print(f"wrote {path}", highlight=False)
        return
    if fmt == Format.csv and len(sections) > 1:
        from kharita.errors import UserInputError

        raise UserInputError("--format csv prints one table; choose it with --table "
                             + "|".join(sections) + ", or write one file per table with "
                             "-o DIR")
    if fmt == Format.json:
        emit({k: _jsonable(v) for k, v in sections.items()}, fmt)
        return
    for name, value in sections.items():
        emit(_frame(value), fmt, title=f"{title}: {name}", freq=freq,
             columns=(columns or {}).get(name), wide=wide)


def _jsonable(value: Any) -> Any:
    import pandas as pd

    return json.loads(to_json(value)) if isinstance(value, pd.DataFrame) else value


def write_sections(sections: dict[str, Any], folder: Path, fmt: Format) -> list[Path]:
    """Write each table to ``folder/NAME.csv`` (``NAME.json`` for ``fmt`` json); the folder
    is created. Returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, value in sections.items():
        if fmt == Format.json:
            path = folder / f"{name}.json"
            path.write_text(to_json(_jsonable(value)) + "\n", encoding="utf-8")
        else:
            path = folder / f"{name}.csv"
            _frame(value).to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    return paths
