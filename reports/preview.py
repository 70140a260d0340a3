"""What the report page shows of a :class:`reports.content.Report`: display tables with
labels in the report's language, and text made safe for Streamlit's Markdown."""

from __future__ import annotations

import pandas as pd

from metrics.report_text import markdown_safe  # noqa: F401 - the one escaper, used by the page
from reports.content import Report


def _fmt(value, unit: str = "") -> str:
    if value is None or pd.isna(value):
        return "—"
    value = float(value)
    if unit == "%":
        return f"{value:.2f}"
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"


def main_table(report: Report) -> pd.DataFrame:
    lab = report.labels
    t = report.main_table
    if report.plan is None:  # no plan of its own: start, end and change
        return pd.DataFrame({
            lab["indicator"]: t["name"], lab["unit"]: t["unit"],
            lab["start"]: [_fmt(v, u) for v, u in zip(t["start"], t["unit"])],
            lab["end"]: [_fmt(v, u) for v, u in zip(t["current"], t["unit"])],
            lab["change"]: [("+" if v > 0 else "") + _fmt(v, u) for v, u in zip(t["change"], t["unit"])],
        })
    return pd.DataFrame({
        lab["indicator"]: t["name"], lab["unit"]: t["unit"],
        lab["base"]: [_fmt(v, u) for v, u in zip(t["base"], t["unit"])],
        lab["target"]: t["target_text"].replace("", "—"),
        lab["current"]: [_fmt(v, u) for v, u in zip(t["current"], t["unit"])],
        lab["progress"]: [("—" if pd.isna(p) or abs(p) == float("inf") else f"{p * 100:.1f}%") for p in t["progress"]],
        lab["status"]: t["status_label"].replace("", "—"), lab["attribute"]: t["attribute"].replace("", "—"),
    })


def next_table(report: Report) -> pd.DataFrame:
    lab = report.labels
    t = report.next_table
    return pd.DataFrame({
        lab["indicator"]: t["name"], lab["unit"]: t["unit"],
        lab["base"]: [_fmt(v, u) for v, u in zip(t["base"], t["unit"])],
        lab["target"]: t["target_text"], lab["target_type"]: t["target_type_label"], lab["attribute"]: t["attribute"],
    })


def trace_table(report: Report, section_index: int) -> pd.DataFrame:
    """Per indicator of a section: the figure as worded, how many units, which quarters, which uploads."""
    lab = report.labels
    s = report.sections[section_index].trace_summary
    return s.rename(columns={"indicator": lab["indicator"], "wording": lab["wording"], "n_units": lab["n_units"],
                             "quarters": lab["quarters"], "uploads": lab["uploads"]})
