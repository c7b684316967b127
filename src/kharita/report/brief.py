"""The analyst's brief: one self-contained, offline HTML file.

:func:`build_brief` runs the registered sections (:mod:`kharita.report.sections`) on an
analysis frame (one :class:`~kharita.report.sections.base.BriefData`, so each figure is
computed once) and returns a :class:`Brief`; :func:`render_html` turns it into one HTML file
with plotly.js, the CSS, the chart renderer and the map outlines inlined, and a
Content-Security-Policy that forbids loading anything from anywhere (so the file
cannot fetch from another host even by mistake). :func:`write_pdf` prints it with
headless Chromium.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import pandas as pd
from markupsafe import Markup

from kharita.errors import KharitaError
from kharita.report import assets
from kharita.report.sections import SECTIONS, BriefData, build_sections
from kharita.report.sections.base import Section, SectionSpec, Table
from kharita.views.numbers import count_text

if TYPE_CHECKING:
    from kharita.analysis.frame import Frame
    from kharita.kb.knowledge import KnowledgeBase
    from kharita.store.base import Store

TEMPLATES = Path(__file__).resolve().parent / "templates"
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


@dataclass
class Brief:
    """A built brief: its sections and what produced it."""

    title: str
    generated_at: str
    synthetic: bool
    command: str
    kb_version: str
    period: tuple[str, str]
    n_events: int
    sections: list[Section] = field(default_factory=list)

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(f"no section {section_id!r} in the brief")


def build_brief(source: Frame | Store, kb: KnowledgeBase | None = None, *,
                command: str = "", freq: str = "year",
                compare_dates: tuple[str, str] | None = None,
                specs: Sequence[SectionSpec] | None = None,
                progress: Callable[[str], None] | None = None,
                **options: int) -> Brief:
    """Build the brief's sections on an analysis frame.

    Parameters
    ----------
    source : the analysis frame (:func:`kharita.analysis.frame.build_frame`; its filters,
        typically ``start``/``end``, are the brief's), or a store (then the frame of the
        whole store with ``kb``, default the shipped KB).
    command : the command line that produced the brief, printed in the provenance.
    freq : period of the time series: ``week``, ``month``, ``quarter`` or ``year``.
    compare_dates : the two dates of the side-by-side organisation graphs.
    specs : the sections to build (default :data:`kharita.report.sections.SECTIONS`).
    options : the bounded analysis settings of
        :class:`~kharita.report.sections.base.BriefData` (``n_boot``, ``n_placebo``,
        ``shock_branches``, ``contagion_max_events``).
    """
    from kharita.analysis.frame import Frame, build_frame

    frame = source if isinstance(source, Frame) else build_frame(source, kb)
    data = BriefData(frame, freq=freq, compare_dates=compare_dates, **options)
    sections = build_sections(data, specs if specs is not None else SECTIONS,
                              progress=progress)
    info = data.info
    return Brief(
        title="kharita brief: the Islamic State network" + (" (SYNTHETIC DEMO)"
                                                             if data.synthetic else ""),
        generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        synthetic=data.synthetic, command=command, kb_version=data.kb.version,
        period=(str(data.start or info.date_min or ""), str(data.end or info.date_max or "")),
        n_events=info.n_events, sections=sections)


def _fmt(v: Any) -> str:
    if v is None or (not isinstance(v, (str, list, dict)) and pd.isna(v)):
        return ""
    if isinstance(v, float) and abs(v) < 1:
        return f"{v:,.3g}"
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return count_text(v)
    if hasattr(v, "isoformat"):
        return str(v.isoformat())[:19]
    return str(v)


def table_rows(table: Table) -> list[list[tuple[str, bool]]]:
    """Cells of a table as (text, is_rtl) pairs, cut to ``max_rows``."""
    rtl = set(table.rtl_columns)
    return [[(_fmt(v), c in rtl) for c, v in zip(table.df.columns, row, strict=True)]
            for row in table.df.head(table.max_rows).itertuples(index=False)]


def environment(extra_dirs: list[Path] | None = None) -> jinja2.Environment:
    """The Jinja environment (brief templates first, then ``extra_dirs``)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(TEMPLATES), *(str(d) for d in extra_dirs or [])]),
        autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True,
        lstrip_blocks=True)
    env.globals["table_rows"] = table_rows
    env.filters["tojson_safe"] = figure_json
    return env


def figure_json(obj: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block (``</`` escaped)."""
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    return Markup(text.replace("</", "<\\/").replace("<!--", "<\\!--"))


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "item"):
        return obj.item()
    return str(obj)


def render_html(brief: Brief) -> str:
    """The brief as one self-contained HTML document (all assets inlined)."""
    env = environment()
    return env.get_template("brief.html.j2").render(
        brief=brief,
        css=Markup(assets.read_text(assets.CSS)),
        plotly_js=Markup(assets.read_text(assets.PLOTLY_JS).replace("</script", "<\\/script")),
        charts_js=Markup(assets.read_text(assets.CHARTS_JS)),
        outlines_source=assets.outlines()["source"])


def write_brief(brief: Brief, path: str | os.PathLike[str]) -> Path:
    """Render and write the brief; returns the path written."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(brief), encoding="utf-8")
    return out


def find_chromium() -> str | None:
    """Path of a Chromium executable on PATH, or None."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str], *,
              chromium: str | None = None, timeout: float = 180.0) -> Path:
    """Print an HTML file to PDF with headless Chromium (a subprocess).

    Raises :class:`~kharita.errors.KharitaError` with a clear message when Chromium is
    absent or fails.
    """
    exe = chromium or find_chromium()
    if not exe:
        raise KharitaError("--pdf needs Chromium, which was not found on PATH "
                           "(Debian/Ubuntu: apt-get install chromium); the HTML brief was "
                           "written")
    html = Path(html_path).resolve()
    pdf = Path(pdf_path).resolve()
    cmd = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run",
           "--run-all-compositor-stages-before-draw", "--virtual-time-budget=15000",
           "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise KharitaError(f"Chromium could not print {html} to PDF: {exc}") from exc
    if proc.returncode != 0 or not pdf.exists():
        raise KharitaError(f"Chromium could not print {html} to PDF (exit {proc.returncode}): "
                           f"{proc.stderr.strip()[-500:]}")
    return pdf
