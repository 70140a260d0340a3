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
