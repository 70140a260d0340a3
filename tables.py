"""Display tables: turn metric frames into what a page shows (translated headers, figures
with their units, approximate figures marked). No formulas here, only presentation."""

from __future__ import annotations

import pandas as pd

import resources
from ui import fmt_number, lang, tr


def snapshot_table(snap: pd.DataFrame, category: str) -> pd.DataFrame:
    """The overview rows of one category: indicator, this quarter, change on the previous
    quarter and on last year, year to date for flows."""
    cat = resources.catalog()
    part = snap[snap["category"] == category]
    rows = []
    for r in part.itertuples(index=False):
        ind = cat[r.indicator]
        unit = ind.unit_label(lang())
        change_unit = "pp" if ind.kind == "rate" else unit
        rows.append({
            tr("overview.col.indicator"): ind.name(lang()),
            tr("overview.col.value"): fmt_number(r.value, unit, approximate=bool(r.approximate)),
            tr("overview.col.change_q"): _change(r.change_q, r.change_q_pct, change_unit),
            tr("overview.col.change_y"): _change(r.change_y, r.change_y_pct, change_unit),
            tr("overview.col.ytd"): fmt_number(r.ytd, unit) if ind.kind == "flow" else "",
            tr("overview.col.kind"): tr(f"overview.kind.{ind.kind}"),
        })
    return pd.DataFrame(rows)


def _change(abs_change: float, pct: float, unit: str) -> str:
    text = fmt_number(abs_change, unit, signed=True)
    if text != "—" and pct == pct:  # pct is not NaN
        text += f"（{pct:+.1f}%）" if lang() == "zh" else f" ({pct:+.1f}%)"
    return text
