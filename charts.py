"""Chart builders: ``<subject>_chart(frame, *, lang) -> go.Figure``. They return figures and
never draw; pages call ``st.plotly_chart(fig, key=...)``.

Shared colours and the Plotly template live here, so a status has the same colour (and a
shape or text beside it, for colour-blind readers) on every page.
"""

from __future__ import annotations

import plotly.graph_objects as go

from metrics import periods as _periods
from metrics.report_text import plotly_safe

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
PRIMARY = "#C0392B"  # union red
SECONDARY = "#2C3E50"
GRID = "#E5E5E5"

# Status colours (achieved, ahead, on track, behind, far behind, regressing, no data): a
# colour-blind-safe palette (Okabe-Ito) with an icon beside each.
STATUS_COLOURS = {
    "achieved": "#009E73",
    "ahead": "#0072B2",
    "on_track": "#56B4E9",
    "behind": "#E69F00",
    "far_behind": "#D55E00",
    "regressing": "#CC0000",
    "no_data": "#999999",
    "direction_only": "#999999",
}
STATUS_ICONS = {
    "achieved": "✔", "ahead": "▲", "on_track": "●", "behind": "▼", "far_behind": "▼▼",
    "regressing": "✖", "no_data": "？", "direction_only": "→",
}


_TEMPLATE: go.layout.Template | None = None


def template() -> go.layout.Template:
    """plotly_white with only the trace kinds these charts draw (bar, scatter): the same look.
    Naming "plotly_white" made plotly copy its templates of all 24 trace kinds into every
    figure (about 0.1 s a chart, and sent to the browser with it); this one copies in 0.01 s."""
    global _TEMPLATE
    if _TEMPLATE is None:
        import plotly.io as pio

        white = pio.templates["plotly_white"]
        _TEMPLATE = go.layout.Template(layout=white.layout, data={"bar": white.data.bar, "scatter": white.data.scatter})
    return _TEMPLATE


def base_layout(fig: go.Figure, *, title: str | None = None, height: int = 380) -> go.Figure:
    """Apply the dashboard's look: CJK font, white background, light grid, legend on top."""
    fig.update_layout(
        template=template(),
        title={"text": plotly_safe(title), "x": 0.0, "font": {"size": 16}} if title else None,
        font={"family": FONT, "size": 13, "color": SECONDARY},
        height=height,
        margin={"l": 60, "r": 20, "t": 60 if title else 30, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        hovermode="x unified",
    )
    fig.update_xaxes(gridcolor=GRID, type="category")
    fig.update_yaxes(gridcolor=GRID, rangemode="tozero")
    return fig


def trend_chart(series, *, name: str, unit: str, title: str, lang: str = "zh",
                notes: dict[str, str] | None = None) -> go.Figure:
    """A quarterly line of one indicator (``series`` indexed by ``"2016Q1"`` periods).

    ``notes``: ``{period: text}`` for incomplete quarters (``"已报 1/84 · 含结转 83 个单位"``):
    those points are drawn hollow, joined by a dotted line (trace ``meta="incomplete"``), with
    the text in their hover, so a partial quarter never reads as a cliff in the solid line
    (``meta="complete"``).
    """
    notes = notes or {}
    x = [_periods.short_label(p, lang) for p in series.index]
    y = series.to_numpy(dtype=float)
    partial = [p in notes for p in series.index]
    hover = "%{x}: %{y:,.1f}" + (" " if lang == "en" else "") + unit
    solid = [None if bad else v for v, bad in zip(y, partial)]
    fig = go.Figure(go.Scatter(x=x, y=solid, mode="lines+markers", name=name, meta="complete",
                               line={"color": PRIMARY, "width": 2.5}, marker={"size": 6},
                               hovertemplate=hover + "<extra></extra>"))
    if any(partial):
        # each incomplete point, joined by a dotted line to the point before it
        keep = [i for i, bad in enumerate(partial) if bad or (i + 1 < len(partial) and partial[i + 1])]
        fig.add_trace(go.Scatter(
            x=[x[i] for i in keep], y=[y[i] for i in keep], mode="lines+markers", meta="incomplete",
            name=name, showlegend=False, line={"color": PRIMARY, "width": 2, "dash": "dot"},
            marker={"size": 10, "symbol": ["circle-open" if partial[i] else "circle" for i in keep],
                    "line": {"width": 2, "color": PRIMARY}},
            customdata=[notes.get(series.index[i], "") for i in keep],
            hovertemplate=hover + " · %{customdata}<extra></extra>"))
    base_layout(fig, title=title)
    fig.update_yaxes(ticksuffix="%" if unit == "%" else "", tickformat=",", range=value_range(y))
    quarter_axis(fig, x, list(series.index))
    unit_note(fig, unit, lang)
    return fig


def value_range(*values, floor_zero: bool = True) -> list[float] | None:
    """A y range that shows every value given (the line, the target, the projection) with a
    little room above and below, from zero when nothing is negative (``floor_zero``);
    ``None`` (Plotly's own) when there is no number. Plotly's autorange can stop just below
    the top of a line drawn with markers once explicit ticks are set."""
    nums = [float(v) for group in values for v in (group if hasattr(group, "__iter__") else [group])
            if v is not None and v == v]
    if not nums:
        return None
    low, high = min(nums), max(nums)
    pad = (high - low) * 0.08 or abs(high) * 0.08 or 1.0
    low = 0.0 if floor_zero and low >= 0 else low - pad
    return [low, high + pad]


def quarter_axis(fig: go.Figure, x: list[str], quarters: list[str] | None = None) -> None:
    """Label a quarterly category axis (``x``: the labels, ``quarters``: their ``"2016Q1"``
    codes) at each year's first quarter, so the labels are a year apart and never crowd."""
    codes = quarters if quarters is not None else x
    firsts = [i for i, label in enumerate(codes) if label.endswith("Q1")]
    gap = 3
    if len(firsts) > 5:  # more than five years: every second year, so a phone (390 px) fits them level
        firsts, gap = firsts[::2], 6
    # the first and the last quarter too, when they are not too close to a labelled Q1
    keep = sorted({*firsts, *([0] if not firsts or firsts[0] >= gap else []),
                   *([len(x) - 1] if x and (not firsts or len(x) - 1 - firsts[-1] >= gap) else [])})
    ticks = [x[i] for i in keep]
    # "2016年一季度" on two lines (year, quarter): narrow enough to stay level on a phone
    text = [t.replace("年", "年<br>", 1) for t in ticks]
    fig.update_xaxes(tickmode="array", tickvals=ticks, ticktext=text)


def unit_note(fig: go.Figure, unit: str, lang: str) -> None:
    """The unit of the y axis, written level above its top-left corner (a rotated axis title
    of one Chinese character is hard to read)."""
    if not unit or unit == "%":
        return
    fig.add_annotation(text=_t("common.chart_unit", lang, unit=unit), xref="paper", yref="paper", x=0, y=1.0,
                       xanchor="left", yanchor="bottom", showarrow=False, yshift=8,
                       font={"size": 12, "color": "#7F8C8D"})


# ---- progress against the five-year goals ---------------------------------------------------
# (progress charts go here)
import math  # noqa: E402

from i18n import has as _has  # noqa: E402
from i18n import t as _t  # noqa: E402

# Outlook colours (Open SDG's order: achieved, on track, acceleration needed, limited,
# deterioration, unable to assess), the same palette as the statuses, with an icon each.
OUTLOOK_COLOURS = {
    "achieved": "#009E73",
    "on_track": "#56B4E9",
    "acceleration_needed": "#E69F00",
    "limited": "#D55E00",
    "deteriorating": "#CC0000",
    "no_data": "#999999",
}
OUTLOOK_ICONS = {
    "achieved": "✔", "on_track": "↗", "acceleration_needed": "⇡", "limited": "→", "deteriorating": "↘", "no_data": "？",
}


def status_label(code: str, lang: str = "zh") -> str:
    """Icon and words of a pace status, e.g. ``▼ 滞后``."""
    words = _t(f"signals.status.{code}", lang) if _has(f"signals.status.{code}", lang) else code
    return f"{STATUS_ICONS.get(code, '')} {words}".strip()


def outlook_label(code: str, lang: str = "zh") -> str:
    """Icon and words of an outlook, e.g. ``⇡ 需加快进度``."""
    words = _t(f"signals.outlook.{code}", lang) if _has(f"signals.outlook.{code}", lang) else code
    return f"{OUTLOOK_ICONS.get(code, '')} {words}".strip()


def _pct(v: float) -> float:
    return math.nan if v is None or v != v else float(v) * 100


def progress_board_chart(rows, *, names: list[str], lang: str = "zh") -> go.Figure:
    """One bar per goal of an :func:`metrics.progress.evaluate` frame (``rows``, shown top to
    bottom in their order, ``names`` beside them): the bar is 完成进度 in %, coloured by pace
    status, the black tick the elapsed time (时间进度) at the goal's latest quarter; goals with
    no number show their outlook as text instead of a bar."""
    labels = list(names)[::-1]
    r = rows.iloc[::-1]
    progress = [min(max(_pct(v), -20.0), 120.0) if v == v else 0.0 for v in r["progress"]]
    text = []
    for row in r.itertuples(index=False):
        if row.target_type == "direction" or row.progress != row.progress:
            text.append(f"{status_label(row.status, lang)} · {outlook_label(row.outlook, lang)}")
        else:
            text.append(f"{_pct(row.progress):.1f}%  {status_label(row.status, lang)}")
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=progress, y=labels, orientation="h", meta="progress", name=_t("progress.chart.progress", lang),
        marker={"color": [STATUS_COLOURS.get(c, "#999999") for c in r["status"]]},
        customdata=text, hovertemplate="%{y}: %{customdata}<extra></extra>",
    ))
    # the words go right of both the bar and the elapsed tick, so the tick never crosses them;
    # set in one assignment: plotly's add_annotation re-validates every earlier one (quadratic)
    words_at = []
    for label, bar, elapsed, words, kind in zip(labels, progress, r["elapsed"], text, r["target_type"]):
        tick = _pct(elapsed) if kind != "direction" and elapsed == elapsed else 0.0
        words_at.append({"x": max(bar, tick, 0.0), "y": label, "text": words, "showarrow": False, "xanchor": "left",
                         "xshift": 6, "font": {"size": 12, "color": SECONDARY}})
    fig.layout.annotations = words_at
    fig.add_trace(go.Scatter(
        x=[_pct(v) if row_type != "direction" else None for v, row_type in zip(r["elapsed"], r["target_type"])],
        y=labels, mode="markers", meta="elapsed", name=_t("progress.chart.elapsed", lang),
        marker={"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": SECONDARY}},
        hovertemplate=_t("progress.chart.elapsed", lang) + " %{x:.0f}%<extra></extra>",
    ))
    base_layout(fig, height=110 + 34 * len(labels))  # legend above and axis title below take ~110 px
    fig.update_layout(showlegend=True, bargap=0.35, hovermode="closest", margin={"l": 10, "r": 20, "t": 30, "b": 40})
    fig.update_xaxes(type="linear", range=[0, 175], ticksuffix="%", tickvals=[0, 25, 50, 75, 100],
                     title_text=_t("progress.chart.axis", lang))
    fig.update_yaxes(type="category", automargin=True)
    return fig


def indicator_progress_chart(path, goal: dict, *, name: str, unit: str, plan_end: str, lang: str = "zh",
                             notes: dict[str, str] | None = None) -> go.Figure:
    """The goal's line (:func:`metrics.goals.goal_path`): the value it is judged on per
    quarter, the target, the required path from base to target, and the projection at plan
    end with its band (``goal``: one :func:`metrics.progress.evaluate` row). ``notes``
    (``{period: "已报 n/m · 含结转 k 个单位"}``): incomplete quarters, drawn hollow and dotted
    as in :func:`trend_chart` (trace ``meta="incomplete"``)."""
    notes = notes or {}
    x = [_periods.short_label(p, lang) for p in path["period"]]
    sep = "" if lang == "zh" or unit == "%" else " "
    hover = "%{x}: %{y:,.1f}" + sep + unit + "<extra>%{fullData.name}</extra>"
    fig = go.Figure()
    actual = path["actual"].tolist()
    partial = [p in notes and v == v for p, v in zip(path["period"], actual)]
    fig.add_trace(go.Scatter(x=x, y=[None if bad else v for v, bad in zip(actual, partial)], mode="lines+markers",
                             meta="actual", name=name, line={"color": PRIMARY, "width": 2.5}, marker={"size": 6},
                             hovertemplate=hover))
    if any(partial):
        keep = [i for i, bad in enumerate(partial) if bad or (i + 1 < len(partial) and partial[i + 1])]
        fig.add_trace(go.Scatter(
            x=[x[i] for i in keep], y=[actual[i] for i in keep], mode="lines+markers", meta="incomplete",
            name=name, showlegend=False, line={"color": PRIMARY, "width": 2, "dash": "dot"},
            marker={"size": 10, "symbol": ["circle-open" if partial[i] else "circle" for i in keep],
                    "line": {"width": 2, "color": PRIMARY}},
            customdata=[notes.get(path["period"].iloc[i], "") for i in keep],
            hovertemplate="%{x}: %{y:,.1f}" + sep + unit + " · %{customdata}<extra></extra>"))
    if path["required"].notna().any():
        fig.add_trace(go.Scatter(x=x, y=path["required"].tolist(), mode="lines", meta="required",
                                 name=_t("indicator.trace.required", lang),
                                 line={"color": "#7F8C8D", "width": 1.5, "dash": "dash"}, hovertemplate=hover))
    if path["target"].notna().any():
        fig.add_trace(go.Scatter(x=x, y=path["target"].tolist(), mode="lines", meta="target",
                                 name=_t("indicator.trace.target", lang),
                                 line={"color": "#009E73", "width": 1.5, "dash": "dot"}, hovertemplate=hover))
    known = path[path["actual"].notna()]
    end_x = _periods.short_label(plan_end, lang)
    projected = goal.get("projected")
    if len(known) and projected is not None and projected == projected and known["period"].iloc[-1] != plan_end:
        last_x, last_y = _periods.short_label(known["period"].iloc[-1], lang), float(known["actual"].iloc[-1])
        low, high = goal.get("projected_low"), goal.get("projected_high")
        if low == low and high == high:
            fig.add_trace(go.Scatter(x=[last_x, end_x, end_x, last_x], y=[last_y, high, low, last_y],
                                     fill="toself", mode="lines", meta="band", line={"width": 0},
                                     fillcolor="rgba(192,57,43,0.15)", name=_t("indicator.trace.band", lang),
                                     hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=[last_x, end_x], y=[last_y, goal["projected"]], mode="lines+markers",
                                 meta="projection", name=_t("indicator.trace.projection", lang),
                                 line={"color": PRIMARY, "width": 2, "dash": "dot"}, marker={"size": [0, 9]},
                                 hovertemplate=hover))
    base_layout(fig, height=440)
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0},
                      margin={"b": 90, "t": 75})  # room for a title (the page sets it) and the unit
    fig.update_yaxes(ticksuffix="%" if unit == "%" else "", rangemode="normal", tickformat=",")
    fig.update_xaxes(categoryorder="array", categoryarray=x)
    quarter_axis(fig, x, list(path["period"]))
    unit_note(fig, unit, lang)
    return fig


def units_progress_chart(frame, *, names: list[str], value: str, unit: str, lang: str = "zh") -> go.Figure:
    """One bar per unit (``frame`` rows, ``names`` beside them) of ``value`` (``progress`` as
    %, or ``current`` for goals without a number), coloured by pace status."""
    r = frame.iloc[::-1]
    labels = [plotly_safe(n) for n in names][::-1]  # unit names: shown as typed, never as HTML
    ys = [_pct(v) for v in r[value]] if value == "progress" else list(r[value])
    fig = go.Figure(go.Bar(
        x=ys, y=labels, orientation="h", meta=value,
        marker={"color": [STATUS_COLOURS.get(c, "#999999") for c in r["status"]]},
        text=[status_label(c, lang) for c in r["status"]], textposition="auto", constraintext="none",
        textfont={"size": 11}, hovertemplate="%{y}: %{x:,.1f}" + ("%" if value == "progress" else unit) + "<extra>%{text}</extra>",
    ))
    # no bar: say why instead of a blank row (one assignment: add_annotation per row is quadratic,
    # 36 s for 1,000 units with no value)
    fig.layout.annotations = [
        {"x": 0, "y": label, "text": status_label(status, lang), "showarrow": False, "xanchor": "left",
         "xshift": 4, "font": {"size": 11, "color": "#7F8C8D"}}
        for label, v, status in zip(labels, ys, r["status"]) if v is None or v != v]
    base_layout(fig, height=80 + 24 * len(labels))
    fig.update_layout(hovermode="closest", showlegend=False, margin={"l": 10, "r": 20, "t": 30, "b": 40})
    fig.update_xaxes(type="linear", ticksuffix="%" if value == "progress" or unit == "%" else "",
                     title_text=_t("indicator.chart.units_axis_progress" if value == "progress"
                                   else "indicator.chart.units_axis_value", lang, unit=unit))
    fig.update_yaxes(type="category", automargin=True)
    return fig


#


#


# ---- congress work report (static charts for the .docx) --------------------------------------
# (report charts go here)


def report_area_chart(yearly, *, names: dict, units: dict, title: str, lang: str = "zh") -> go.Figure:
    """One area of the congress report: a small bar chart per indicator, by year.

    ``yearly``: ``indicator, year, value`` (flows summed over the year, stocks and rates at
    the year's last quarter: :func:`reports.content.build_report` gives it per section);
    ``names`` and ``units``: indicator code -> label in ``lang``. Panels follow the order of
    ``names``; an indicator with no value is left out. Each bar carries its value, so the
    picture reads without hovering (it is printed in the Word report).
    """
    from plotly.subplots import make_subplots

    codes = [c for c in names if c in set(yearly["indicator"])]
    cols = min(3, max(1, len(codes)))
    rows = max(1, -(-len(codes) // cols))
    sep = "" if lang == "zh" else " "
    titles = [f"{names[c]}{'（' if lang == 'zh' else ' ('}{units[c]}{'）' if lang == 'zh' else ')'}" for c in codes]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles or None,
                        horizontal_spacing=0.08, vertical_spacing=min(0.3, 0.45 / rows) if rows > 1 else 0.1)
    for i, code in enumerate(codes):
        part = yearly[yearly["indicator"] == code].sort_values("year")
        values = part["value"].astype(float)
        text = [f"{v:,.1f}" if units[code] == "%" else (f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}") for v in values]
        fig.add_trace(go.Bar(x=[str(y) for y in part["year"]], y=values, text=text, textposition="outside",
                             cliponaxis=False, marker_color=PRIMARY, name=names[code], showlegend=False,
                             hovertemplate="%{x}: %{y:,.1f}" + sep + units[code] + "<extra></extra>"),
                      row=i // cols + 1, col=i % cols + 1)
    fig.update_layout(
        template=template(), title={"text": title, "x": 0.0, "font": {"size": 16}},
        font={"family": FONT, "size": 12, "color": SECONDARY}, height=90 + 210 * rows, width=900,
        margin={"l": 40, "r": 20, "t": 80, "b": 30}, bargap=0.35,
    )
    fig.update_annotations(font={"size": 12, "family": FONT})
    fig.update_xaxes(type="category", tickfont={"size": 11})
    fig.update_yaxes(gridcolor=GRID, rangemode="tozero", showticklabels=False)
    return fig
