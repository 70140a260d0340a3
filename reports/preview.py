"""What the report page shows of a :class:`reports.content.Report`: display tables with
labels in the report's language, and text made safe for Streamlit's Markdown."""

from __future__ import annotations

import re

import pandas as pd

from metrics.report_text import markdown_safe  # noqa: F401 - the one escaper, used by the page
from reports.content import Report


def _figures(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``columns`` of ``frame`` as float numbers (missing: NaN), named in ``attrs["figures"]``
    so the page shows them as sortable number columns (``ui.dataframe``)."""
    for col in columns:
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64").round(2)
    frame.attrs["figures"] = list(columns)
    return frame


def _percent(values) -> list[float]:
    return [float("nan") if pd.isna(p) or abs(p) == float("inf") else round(float(p) * 100, 1) for p in values]


def main_table(report: Report) -> pd.DataFrame:
    """The main-indicator table: every figure a number (a rate in %, a count in its unit, the
    unit in its own column since the rows mix units); 完成进度 in %; a goal without a number
    has no target (its status says so)."""
    lab = report.labels
    t = report.main_table
    if report.plan is None:  # no plan of its own: start, end and change
        frame = pd.DataFrame({
            lab["indicator"]: t["name"], lab["unit"]: t["unit"],
            lab["start"]: t["start"], lab["end"]: t["current"], lab["change"]: t["change"],
        })
        return _figures(frame, [lab["start"], lab["end"], lab["change"]])
    progress = tr_header(lab["progress"], "%", report.lang)
    frame = pd.DataFrame({
        lab["indicator"]: t["name"], lab["unit"]: t["unit"],
        lab["base"]: t["base"],
        lab["target"]: [float("nan") if text == "" or pd.isna(v) else v for v, text in zip(t["target"], t["target_text"])],
        lab["current"]: t["current"],
        progress: _percent(t["progress"]),
        lab["status"]: t["status_label"].replace("", "—"), lab["attribute"]: t["attribute"].replace("", "—"),
    })
    return _figures(frame, [lab["base"], lab["target"], lab["current"], progress])


def tr_header(name: str, unit: str, lang: str) -> str:
    """A column header naming its unit: ``完成进度（%）`` / ``Progress (%)``."""
    from i18n import t

    return t("numbers.header", lang, name=name, unit=unit)


def next_table(report: Report) -> pd.DataFrame:
    """The next plan's goals: base and target as numbers; a direction goal's target type is its
    direction (提高/保持/降低) and it has no target figure."""
    lab = report.labels
    t = report.next_table
    direction = t["target_type"] == "direction"
    frame = pd.DataFrame({
        lab["indicator"]: t["name"], lab["unit"]: t["unit"],
        lab["base"]: t["base"],
        lab["target"]: t["target"].where(~direction),
        lab["target_type"]: t["target_text"].where(direction, t["target_type_label"]), lab["attribute"]: t["attribute"],
    })
    return _figures(frame, [lab["base"], lab["target"]])


def trace_table(report: Report, section_index: int) -> pd.DataFrame:
    """Per indicator of a section: the figure as worded, how many units, which quarters, which uploads."""
    lab = report.labels
    s = report.sections[section_index].trace_summary
    return s.rename(columns={"indicator": lab["indicator"], "wording": lab["wording"], "n_units": lab["n_units"],
                             "quarters": lab["quarters"], "uploads": lab["uploads"]})


_NUMBER = re.compile(r"^[+\-−]?\d[\d,]*(?:\.\d+)?%?$")
_MISSING = {"", "—", "-", "–"}


def office_table(header: list[str], rows: list[list[str]], lang: str = "zh") -> pd.DataFrame:
    """A table of the annual summary or the mid-term review (as written for Word: text cells)
    for the page: a column whose every cell is a plain figure (``1,640``, ``+71``, ``−0.15``,
    ``46.7%``, or ``—`` for none) becomes a number column that sorts, its header naming ``%``
    when its cells carried it; any other column (``9000人``, ``提高``, ``+53.33（年均增长3.2%）``)
    stays text. A Word cell's line break becomes a space."""
    frame = pd.DataFrame([[cell.replace("\n", " ") for cell in row] for row in rows], columns=header)
    numeric, names = [], {}
    for col in frame.columns:
        cells = [str(v).strip() for v in frame[col]]
        filled = [c for c in cells if c not in _MISSING]
        if not filled or not all(_NUMBER.match(c) for c in filled):
            continue
        percent = all(c.endswith("%") for c in filled)
        frame[col] = [float("nan") if c in _MISSING else float(c.replace(",", "").replace("−", "-").rstrip("%"))
                      for c in cells]
        name = tr_header(col, "%", lang) if percent and "%" not in col else col
        names[col] = name
        numeric.append(name)
    frame = frame.rename(columns=names)
    return _figures(frame, numeric)
