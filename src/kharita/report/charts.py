"""Chart specifications (plotly.js figure dicts) for the brief and the workbench.

Each function turns an already aggregated DataFrame into a JSON-ready
``{"data": [...], "layout": {...}, "frames": [...]}`` that the vendored plotly.js
draws (``kharita-charts.js``). Nothing here aggregates events: callers pass
aggregates from the read model (:mod:`kharita.views`), which keeps pages small.
Periods arrive as first days (dates) and are drawn in date order with their labels
(:func:`kharita.views.periods.period_label`).

When ``synthetic`` is true every figure carries a "SYNTHETIC" title prefix and a
watermark, so a chart copied out of the page keeps its label.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from kharita.report.assets import outlines
from kharita.views.kb import short_name
from kharita.views.periods import as_date, period_label

__all__ = ["activity_figure", "base_layout", "colors_for", "heatmap_figure", "lines_figure",
           "map_figure", "org_graph_figure", "period_axis", "qq_figure", "short_name"]

#: A qualitative palette (Tableau 20 order) assigned to entities in a stable order.
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f", "#aec7e8", "#ff9896", "#98df8a", "#ffbb78",
           "#c5b0d5", "#c49c94", "#f7b6d2", "#9edae5", "#dbdb8d", "#393b79")
TYPE_COLORS = {"organisation": "#111111", "directorate": "#5b2c6f", "office": "#1f618d",
               "province": "#c0392b", "predecessor": "#7f8c8d", "person": "#b9770e",
               "group": "#16a085", "splinter": "#95a5a6"}
#: Map window (lon, lat) covering the network's theatres, West Africa to the Philippines.
MAP_X = (-22.0, 128.0)
MAP_Y = (-32.0, 56.0)
SYNTHETIC_LABEL = "SYNTHETIC"


#: Fixed colours for the main branches, so every chart and page agrees.
BRANCH_COLORS = {"is": "#222222", "is-iraq": "#d62728", "is-syria": "#ff7f0e",
                 "is-west-africa": "#1f77b4", "is-sahel": "#17becf", "is-central-africa": "#2ca02c",
                 "is-mozambique": "#bcbd22", "is-somalia": "#9467bd", "is-khorasan": "#8c564b",
                 "is-pakistan": "#e377c2", "is-hind": "#f7b6d2", "is-east-asia": "#393b79",
                 "is-libya": "#c49c94", "is-sinai": "#ffbb78", "is-yemen": "#98df8a",
                 "is-turkiye": "#aec7e8", "is-caucasus": "#7f7f7f", "is-algeria": "#dbdb8d",
                 "is-saudi": "#c5b0d5", "isi": "#ff9896", "aqi": "#9edae5", "jtj": "#c7c7c7"}


def colors_for(ids: Iterable[str]) -> dict[str, str]:
    """Stable colour per id: :data:`BRANCH_COLORS` where listed, else the palette in
    sorted order (cycled).

    >>> colors_for(["b", "a", "is-iraq"])["is-iraq"], colors_for(["b", "a"])["a"]
    ('#d62728', '#1f77b4')
    """
    out = {i: BRANCH_COLORS[i] for i in ids if i in BRANCH_COLORS}
    rest = sorted(set(ids) - set(out))
    out.update({i: PALETTE[k % len(PALETTE)] for k, i in enumerate(rest)})
    return out


def period_axis(values: Iterable[object], freq: str) -> tuple[list[object], list[str]]:
    """The distinct periods (first days) of ``values`` in date order, with their labels.

    >>> import datetime as dt
    >>> period_axis([dt.date(2020, 1, 1), "2019-01-01", dt.date(2020, 1, 1)], "year")
    ([datetime.date(2019, 1, 1), datetime.date(2020, 1, 1)], ['2019', '2020'])
    """
    days = sorted({as_date(v) for v in values if v is not None and not _isna(v)})
    return list(days), [period_label(d, freq) for d in days]


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _name(names: Mapping[str, Mapping[str, str]], eid: str) -> str:
    return names.get(eid, {}).get("en") or eid


def base_layout(title: str, synthetic: bool, **extra: Any) -> dict[str, Any]:
    """Common layout: title (prefixed SYNTHETIC when needed), system fonts, margins."""
    layout: dict[str, Any] = {
        "title": {"text": (f"{SYNTHETIC_LABEL} — " if synthetic else "") + title,
                  "x": 0.01, "xanchor": "left", "font": {"size": 15}},
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', "
                           "'Noto Naskh Arabic', sans-serif", "size": 12},
        "margin": {"l": 50, "r": 20, "t": 50, "b": 40},
        "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff",
        "legend": {"orientation": "h", "y": -0.15},
        "annotations": [],
    }
    if synthetic:
        layout["annotations"].append({
            "text": "SYNTHETIC DATA — NOT REAL EVENTS", "xref": "paper", "yref": "paper",
            "x": 0.5, "y": 0.5, "showarrow": False, "opacity": 0.18, "textangle": -18,
            "font": {"size": 34, "color": "#b03a2e"}})
    layout.update(extra)
    return layout


def _land_trace() -> dict[str, Any]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for c in outlines()["countries"]:
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(c["x"])
        ys.extend(c["y"])
    return {"type": "scatter", "mode": "lines", "x": xs, "y": ys, "fill": "toself",
            "fillcolor": "#f3f0e8", "line": {"color": "#a9a396", "width": 0.6},
            "hoverinfo": "skip", "showlegend": False, "name": "countries"}


def _territory_traces(territories: Mapping[str, Sequence[str]],
                      colors: Mapping[str, str],
                      names: Mapping[str, Mapping[str, str]]) -> list[dict[str, Any]]:
    by_iso: dict[str, dict[str, Any]] = {c["iso3"]: c for c in outlines()["countries"]
                                         if c["iso3"]}
    traces = []
    for eid in sorted(territories):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for iso in territories[eid]:
            c = by_iso.get(iso)
            if not c:
                continue
            if xs:
                xs.append(None)
                ys.append(None)
            xs.extend(c["x"])
            ys.extend(c["y"])
        if not xs:
            continue
        traces.append({"type": "scatter", "mode": "lines", "x": xs, "y": ys, "fill": "toself",
                       "fillcolor": _alpha(colors.get(eid, "#888888"), 0.16),
                       "line": {"color": _alpha(colors.get(eid, "#888888"), 0.5), "width": 0.8},
                       "name": f"{_name(names, eid)} territory", "legendgroup": eid,
                       "showlegend": False, "hoverinfo": "name"})
    return traces


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _alpha(hex_color: str, a: float) -> str:
    h = hex_color.lstrip("#")
    r, g, b = int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)
    return f"rgba({r},{g},{b},{a})"


def _marker_sizes(counts: pd.Series, cmax: float) -> list[float]:
    return [round(3 + 22 * math.sqrt(float(c) / cmax), 2) if cmax > 0 else 3 for c in counts]


def map_figure(cells: pd.DataFrame, *, names: Mapping[str, Mapping[str, str]],
               colors: Mapping[str, str], synthetic: bool,
               territories: Mapping[str, Sequence[str]] | None = None,
               trajectory: pd.DataFrame | None = None,
               title: str = "Events by branch", freq: str = "year") -> dict[str, Any]:
    """Bubble map of aggregated cells with a time slider over ``cells.period``.

    ``cells``: DataFrame[period, entity_id, lat, lon, events, fatalities] (from
    :func:`kharita.views.map_cells`; ``period`` holds first days, labelled for ``freq``;
    without a ``period`` column only the whole range is drawn). Bubble area is
    proportional to the number of events in the cell. The first slider step shows
    every period together; the others follow in date order.
    ``territories`` (entity -> ISO3 list) are shaded in the branch's colour;
    ``trajectory`` (DataFrame[period, lat, lon]) draws the centre of gravity path.
    """
    entities = sorted(cells["entity_id"].unique()) if len(cells) else []
    has_periods = "period" in cells.columns and len(cells) > 0
    periods, labels = period_axis(cells["period"], freq) if has_periods else ([], [])
    if has_periods:
        cells = cells.assign(period=[as_date(v) for v in cells["period"]])
    data: list[dict[str, Any]] = [_land_trace()]
    data.extend(_territory_traces(territories or {}, colors, names))
    if trajectory is not None and len(trajectory):
        data.append({"type": "scatter", "mode": "lines+markers+text",
                     "x": trajectory["lon"].round(3).tolist(),
                     "y": trajectory["lat"].round(3).tolist(),
                     "text": sparse_labels(trajectory["lon"].tolist(),
                                           trajectory["lat"].tolist(),
                                           trajectory["period"].astype(str).tolist()),
                     "customdata": trajectory["period"].astype(str).tolist(),
                     "textposition": "top right", "textfont": {"size": 9},
                     "line": {"color": "#000000", "width": 2, "dash": "dot"},
                     "marker": {"symbol": "x", "size": 7, "color": "#000000"},
                     "name": "centre of gravity", "hovertemplate": "%{customdata}: %{y:.1f}N "
                     "%{x:.1f}E<extra>centre of gravity</extra>"})
    first_dynamic = len(data)
    cmax = float(cells.groupby(["entity_id", "lat", "lon"])["events"].sum().max()) \
        if len(cells) else 1.0
    pmax = float(cells["events"].max()) if len(cells) else 1.0

    def traces_for(sub: pd.DataFrame, scale: float) -> list[dict[str, Any]]:
        out = []
        for eid in entities:
            s = sub[sub["entity_id"] == eid]
            if len(s) and "period" in s and s["period"].nunique() > 1:
                s = s.groupby(["lat", "lon"], as_index=False)[["events", "fatalities"]].sum()
            out.append({"type": "scatter", "mode": "markers", "name": _name(names, eid),
                        "legendgroup": eid, "x": s["lon"].tolist(), "y": s["lat"].tolist(),
                        "marker": {"size": _marker_sizes(s["events"], scale),
                                   "color": _alpha(colors.get(eid, "#555555"), 0.65),
                                   "line": {"width": 0.5, "color": colors.get(eid, "#555555")}},
                        "customdata": [[int(e), int(f)] for e, f in
                                       zip(s["events"], s["fatalities"], strict=True)],
                        "hovertemplate": f"{_name(names, eid)}<br>%{{customdata[0]}} events, "
                                         "%{customdata[1]} deaths (best)<br>cell %{y:.1f}N "
                                         "%{x:.1f}E<extra></extra>"})
        return out

    data.extend(traces_for(cells, cmax))
    idx = list(range(first_dynamic, first_dynamic + len(entities)))
    frames = [{"name": "all", "data": traces_for(cells, cmax), "traces": idx}]
    for p, label in zip(periods, labels, strict=True):
        frames.append({"name": label, "data": traces_for(cells[cells["period"] == p], pmax),
                       "traces": idx})
    steps = [{"label": str(f["name"]), "method": "animate",
              "args": [[f["name"]], {"mode": "immediate", "frame": {"duration": 0,
                                                                    "redraw": True},
                                     "transition": {"duration": 0}}]} for f in frames]
    layout = base_layout(title, synthetic,
                         xaxis={"range": list(MAP_X), "visible": False, "fixedrange": False},
                         yaxis={"range": list(MAP_Y), "visible": False, "scaleanchor": "x",
                                "scaleratio": 1},
                         plot_bgcolor="#e8eef3", height=560,
                         margin={"l": 10, "r": 10, "t": 50, "b": 80},
                         legend={"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1.0,
                                 "bgcolor": "rgba(255,255,255,0.9)", "font": {"size": 10}},
                         sliders=[{"active": 0, "steps": steps, "x": 0.02, "len": 0.96,
                                   "y": -0.02, "yanchor": "top",
                                   "currentvalue": {"prefix": "Period: ", "font": {"size": 12}},
                                   "pad": {"t": 0, "b": 0}, "bgcolor": "#ffffff"}])
    return {"data": data, "layout": layout, "frames": frames}


def sparse_labels(xs: Sequence[float], ys: Sequence[float], labels: Sequence[str],
                  min_gap: float = 6.0) -> list[str]:
    """Labels for a path of points, keeping a label only when its point lies at least
    ``min_gap`` (degrees, Euclidean) from the last labelled point, and always the first
    and the last, so labels do not pile up where the path stalls. The others are ``""``
    (the period stays in the hover).

    >>> sparse_labels([0, 0.5, 7, 14], [0, 0, 0, 0], ["a", "b", "c", "d"])
    ['a', '', 'c', 'd']
    >>> sparse_labels([0, 7, 7.1], [0, 0, 0], ["a", "b", "c"])
    ['a', '', 'c']
    """
    out = [""] * len(labels)
    last = -1
    for k, (x, y, lab) in enumerate(zip(xs, ys, labels, strict=True)):
        if last < 0 or math.hypot(x - xs[last], y - ys[last]) >= min_gap:
            out[k], last = lab, k
    if labels and not out[-1]:
        if last > 0:
            out[last] = ""  # the last point's label replaces a close earlier one
        out[-1] = labels[-1]
    return out


#: plotly.js ``xperiod`` per frequency: bars span their whole period on a date axis.
XPERIOD = {"year": "M12", "quarter": "M3", "month": "M1", "week": 7 * 86_400_000,
           "day": 86_400_000}
#: Tick label format per frequency (d3-time-format).
TICKFORMAT = {"year": "%Y", "quarter": "%b %Y", "month": "%b %Y", "week": "%d %b %Y",
              "day": "%d %b %Y"}


#: Months per period of a frequency (ticks are a whole number of periods apart).
_MONTHS = {"year": 12, "quarter": 3, "month": 1}
#: At most about this many tick labels on a date axis.
MAX_TICKS = 10


def date_axis(freq: str | None, periods: Sequence[str] | None = None,
              **extra: Any) -> dict[str, Any]:
    """A date x axis whose ticks are labelled at the series' frequency. With the
    ``periods`` drawn (first days, ISO), ticks fall on period starts a whole number of
    periods apart (at most :data:`MAX_TICKS`): plotly's own choice on a three-year span
    put ticks every six months, each labelled with its year, so 2016 and 2017 showed
    twice.

    >>> date_axis("year", ["2016-01-01", "2017-01-01", "2018-01-01"])["dtick"]
    'M12'
    >>> date_axis("month", [f"2019-{m:02d}-01" for m in range(1, 13)] * 3)["dtick"]
    'M2'
    """
    axis: dict[str, Any] = {"type": "date"}
    if freq in TICKFORMAT:
        axis["tickformat"] = TICKFORMAT[freq]
        axis["hoverformat"] = TICKFORMAT[freq]
    if periods is not None and len(periods) and freq in (*_MONTHS, "week"):
        days = sorted(set(periods))
        step = max(1, math.ceil(len(days) / MAX_TICKS))
        axis["tick0"] = days[0]
        axis["dtick"] = (f"M{_MONTHS[freq] * step}" if freq in _MONTHS
                         else 7 * 86_400_000 * step)
    axis.update(extra)
    return axis


def activity_figure(act: pd.DataFrame, *, names: Mapping[str, Mapping[str, str]],
                    colors: Mapping[str, str], synthetic: bool, value: str = "events",
                    title: str = "Events by branch", freq: str = "year",
                    y_title: str | None = None) -> dict[str, Any]:
    """Stacked bars of ``value`` per period and entity (DataFrame[period, entity_id, ...]
    with ``period`` the first days, from :func:`kharita.views.activity`); the x axis
    lists every period in date order."""
    data = []
    periods, labels = period_axis(act["period"], freq) if len(act) else ([], [])
    label_of = dict(zip(periods, labels, strict=True))
    for eid in sorted(act["entity_id"].unique()) if len(act) else []:
        s = act[act["entity_id"] == eid].copy()
        s["_day"] = [as_date(v) for v in s["period"]]
        s = s.sort_values("_day")
        data.append({"type": "bar", "name": _name(names, eid),
                     "x": [d.isoformat() for d in s["_day"]],
                     "customdata": [label_of[d] for d in s["_day"]],
                     "xperiod": XPERIOD.get(freq, "M12"), "xperiodalignment": "middle",
                     "y": s[value].astype(float).tolist(),
                     "marker": {"color": colors.get(eid, "#555555")},
                     "hovertemplate": f"{_name(names, eid)} %{{customdata}}: "
                                      "%{y:,.0f}<extra></extra>"})
    return {"data": data, "layout": base_layout(
        title, synthetic, barmode="stack", height=420, bargap=0.15,
        xaxis=date_axis(freq, [str(d) for d in periods]),
        yaxis={"title": {"text": y_title or value}, "rangemode": "tozero"},
        legend={"orientation": "v", "x": 1.02, "font": {"size": 10}},
        margin={"l": 60, "r": 10, "t": 50, "b": 50})}


def lines_figure(df: pd.DataFrame, *, x: str, ys: Sequence[str], synthetic: bool, title: str,
                 lows: Sequence[str | None] | None = None, highs: Sequence[str | None] | None
                 = None, y_title: str = "", labels: Sequence[str] | None = None,
                 colors: Sequence[str] | None = None, freq: str | None = None
                 ) -> dict[str, Any]:
    """One line per column in ``ys`` against ``x``, with optional interval bands.

    With ``freq``, ``x`` holds periods (first days): the rows are drawn in date order
    and labelled for ``freq``."""
    data: list[dict[str, Any]] = []
    if freq is not None and len(df):
        df = df.assign(_day=[as_date(v) for v in df[x]]).sort_values("_day")
        df[x] = [d.isoformat() for d in df["_day"]]
    for k, col in enumerate(ys):
        color = (colors[k] if colors else PALETTE[k % len(PALETTE)])
        lo = lows[k] if lows else None
        hi = highs[k] if highs else None
        xs = df[x].astype(str).tolist()
        if lo and hi and lo in df and hi in df:
            data.append({"type": "scatter", "mode": "lines", "x": xs + xs[::-1],
                         "y": df[hi].astype(float).tolist() + df[lo].astype(float).tolist()[::-1],
                         "fill": "toself", "fillcolor": _alpha(color, 0.15),
                         "line": {"width": 0}, "hoverinfo": "skip", "showlegend": False})
        data.append({"type": "scatter", "mode": "lines+markers", "x": xs,
                     "y": df[col].astype(float).tolist(),
                     "name": labels[k] if labels else col, "line": {"color": color}})
    xaxis = date_axis(freq, df[x].astype(str).tolist()) if freq is not None else {
        "type": "linear"} \
        if all(_is_number(v) for v in df[x]) else {"type": "category"}
    return {"data": data, "layout": base_layout(title, synthetic, height=360,
                                                yaxis={"title": {"text": y_title}},
                                                xaxis=xaxis)}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def org_graph_figure(layout_data: Mapping[str, Any], *, synthetic: bool,
                     title: str | None = None) -> dict[str, Any]:
    """The layered organisation chart of :func:`kharita.views.kb.org_layout`."""
    nodes = {n["id"]: n for n in layout_data["nodes"]}
    # Stagger crowded rows so labels do not overlap.
    rows: dict[float, list[str]] = {}
    for n in layout_data["nodes"]:
        rows.setdefault(n["y"], []).append(n["id"])
    pos = {}
    for y, ids in rows.items():
        crowded = len(ids) > 5
        for k, i in enumerate(ids):
            pos[i] = (nodes[i]["x"], y - (0.38 if crowded and k % 2 else 0.0))
    ex: list[float | None] = []
    ey: list[float | None] = []
    for e in layout_data["edges"]:
        if e["source"] in pos and e["target"] in pos:
            ex += [pos[e["source"]][0], pos[e["target"]][0], None]
            ey += [pos[e["source"]][1], pos[e["target"]][1], None]
    data: list[dict[str, Any]] = [{"type": "scatter", "mode": "lines", "x": ex, "y": ey,
                                   "line": {"color": "#b0b0b0", "width": 1},
                                   "hoverinfo": "skip", "showlegend": False}]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for n in layout_data["nodes"]:
        by_type.setdefault(str(n["type"]), []).append(n)
    for typ, ns in sorted(by_type.items()):
        data.append({"type": "scatter", "mode": "markers+text", "name": typ,
                     "x": [pos[n["id"]][0] for n in ns], "y": [pos[n["id"]][1] for n in ns],
                     "text": [_clip(short_name(n["label"]), 22) for n in ns],
                     "textposition": "bottom center", "textfont": {"size": 9},
                     "customdata": [[n["id"], n["label_ar"], n["degree"]] for n in ns],
                     "hovertemplate": "%{customdata[0]}<br>%{text}<br>%{customdata[1]}<br>"
                                      "degree %{customdata[2]}<extra>" + typ + "</extra>",
                     "marker": {"size": [8 + 2 * min(n["degree"], 8) for n in ns],
                                "color": TYPE_COLORS.get(typ, "#555555")}})
    return {"data": data, "layout": base_layout(
        title or f"Organisation as of {layout_data['as_of']}", synthetic, height=440,
        xaxis={"visible": False, "range": [-0.05, 1.05]},
        yaxis={"visible": False}, margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.02, "font": {"size": 10}})}


def heatmap_figure(matrix: pd.DataFrame, *, synthetic: bool, title: str,
                   colorbar: str = "") -> dict[str, Any]:
    """A heatmap of a square (or any) DataFrame: rows = y, columns = x."""
    return {"data": [{"type": "heatmap", "z": matrix.astype(float).round(4).values.tolist(),
                      "x": [str(c) for c in matrix.columns], "y": [str(i) for i in matrix.index],
                      "colorscale": "Reds", "colorbar": {"title": {"text": colorbar}},
                      "hovertemplate": "from %{x} to %{y}: %{z}<extra></extra>"}],
            "layout": base_layout(title, synthetic, height=420,
                                  yaxis={"autorange": "reversed"},
                                  margin={"l": 120, "r": 20, "t": 50, "b": 100})}


def qq_figure(qq: pd.DataFrame, *, synthetic: bool, title: str, group: str | None = None,
              x: str = "theoretical", y: str = "empirical") -> dict[str, Any]:
    """Quantile-quantile plot with the identity line; one series per ``group`` value."""
    data: list[dict[str, Any]] = []
    groups = [(None, qq)] if group is None or group not in qq else list(qq.groupby(group))
    lim = float(max(qq[x].max(), qq[y].max())) if len(qq) else 1.0
    for k, (g, sub) in enumerate(groups):
        data.append({"type": "scatter", "mode": "markers", "name": str(g) if g is not None
                     else "events", "x": sub[x].astype(float).round(4).tolist(),
                     "y": sub[y].astype(float).round(4).tolist(),
                     "marker": {"size": 4, "color": PALETTE[k % len(PALETTE)]}})
    data.append({"type": "scatter", "mode": "lines", "x": [0, lim], "y": [0, lim],
                 "name": "perfect fit", "line": {"color": "#000000", "dash": "dash"}})
    return {"data": data, "layout": base_layout(
        title, synthetic, height=380, xaxis={"title": {"text": "Exp(1) quantile"}},
        yaxis={"title": {"text": "rescaled inter-event time"}})}
