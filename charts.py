"""Chart builders: ``<subject>_chart(frame, *, lang) -> go.Figure``. They return figures and
never draw; pages call ``st.plotly_chart(fig, key=...)``.

Shared colours and the Plotly template live here, so a status has the same colour (and a
shape or text beside it, for colour-blind readers) on every page.
"""

from __future__ import annotations

import plotly.graph_objects as go

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
    "achieved": "✔", "ahead": "▲", "on_track": "●", "behind": "▼", "far_behind": "⏬",
    "regressing": "✖", "no_data": "？", "direction_only": "→",
}


def base_layout(fig: go.Figure, *, title: str | None = None, height: int = 380) -> go.Figure:
    """Apply the dashboard's look: CJK font, white background, light grid, legend on top."""
    fig.update_layout(
        template="plotly_white",
        title={"text": title, "x": 0.0, "font": {"size": 16}} if title else None,
        font={"family": FONT, "size": 13, "color": SECONDARY},
        height=height,
        margin={"l": 60, "r": 20, "t": 60 if title else 30, "b": 50},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1},
        hovermode="x unified",
    )
    fig.update_xaxes(gridcolor=GRID, type="category")
    fig.update_yaxes(gridcolor=GRID, rangemode="tozero")
    return fig


def trend_chart(series, *, name: str, unit: str, title: str, lang: str = "zh") -> go.Figure:
    """A quarterly line of one indicator (``series`` indexed by ``"2016Q1"`` periods)."""
    x = [p.replace("Q", " Q") for p in series.index]
    fig = go.Figure(go.Scatter(x=x, y=series.to_numpy(), mode="lines+markers", name=name,
                               line={"color": PRIMARY, "width": 2.5}, marker={"size": 6},
                               hovertemplate="%{x}: %{y:,.1f}" + (" " if lang == "en" else "") + unit + "<extra></extra>"))
    base_layout(fig, title=title)
    fig.update_yaxes(title_text=unit, ticksuffix="%" if unit == "%" else "")
    fig.update_xaxes(nticks=12)
    return fig


# ---- progress against the five-year goals ---------------------------------------------------
# (progress charts go here)


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
        template="plotly_white", title={"text": title, "x": 0.0, "font": {"size": 16}},
        font={"family": FONT, "size": 12, "color": SECONDARY}, height=90 + 210 * rows, width=900,
        margin={"l": 40, "r": 20, "t": 80, "b": 30}, bargap=0.35,
    )
    fig.update_annotations(font={"size": 12, "family": FONT})
    fig.update_xaxes(type="category", tickfont={"size": 11})
    fig.update_yaxes(gridcolor=GRID, rangemode="tozero", showticklabels=False)
    return fig
