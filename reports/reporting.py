"""``python -m reports reporting --period QUARTER [--db URL] [--json] [--lang en]``

报送情况: every unit expected to report the quarter with its state (not reported / reported /
returned / approved), when, by whom and which file, on time against the quarter's deadline,
how many indicators it filled; DHIS2's reporting metrics (EXPECTED_REPORTS, ACTUAL_REPORTS,
ACTUAL_REPORTS_ON_TIME, REPORTING_RATE, REPORTING_RATE_ON_TIME) for the federation and each
community; and the 催报 list (units still missing or returned, with their clerk). The same
numbers as the 报送情况 page: both call :func:`season`. Exits 2 on a bad argument.

Also the 催报 list as .xlsx (:func:`chase_xlsx`, formula-safe text) and as a short .docx notice
on the office template (:func:`chase_docx`).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from dataclasses import dataclass
from datetime import date

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from i18n import t
from metrics import goals, periods, reporting, rollup
from metrics.report_text import safe_text
from reports import docx_writer
from reports.status import json_value


@dataclass
class Season:
    """One quarter's reporting status, as the page, the command and the exports show it."""

    period: str
    deadline: date
    status: pd.DataFrame  # metrics.reporting.STATUS_COLUMNS
    rates: pd.DataFrame  # metrics.reporting.RATE_COLUMNS, federation and communities, this quarter
    history: pd.DataFrame  # RATE_COLUMNS of the federation and communities over every quarter with data
    chase: pd.DataFrame  # metrics.reporting.chase_list
    units: pd.DataFrame


def season(store, period: str) -> Season:
    """Everything the 报送情况 page and command show for ``period``, read from ``store``."""
    observations, units = store.observations(), store.units()
    uploads = store.uploads()
    reviews, deadlines = store.reviews(), store.deadlines()
    status = reporting.unit_status(observations, uploads, units, period, reviews, deadlines)
    ancestors = goals.ancestors(units)
    top = units[units["level"].isin(["federation", "community"])]["code"].astype(str)
    rates = reporting.rates(status, ancestors)
    rates = rates[rates["unit"].isin(set(top))].reset_index(drop=True)
    quarters = sorted(set(observations["period"]) | {period}, key=periods.index) if len(observations) else [period]
    every = reporting.unit_status(observations, uploads, units, quarters, reviews, deadlines)
    history = reporting.rates(every, ancestors)
    history = history[history["unit"].isin(set(top))].reset_index(drop=True)
    users = store.users()
    clerks = reporting.clerks_of(units, store.user_units(), users)
    chase = reporting.chase_list(status, units, clerks)
    return Season(period, reporting.deadline(period, deadlines), status, rates, history, chase, units)


def _moment(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).isoformat()


def to_dict(s: Season) -> dict:
    """The JSON of ``python -m reports reporting --json``."""
    root = rollup.root_unit(s.units)
    fed = s.rates[s.rates["unit"] == root]
    head = {c: json_value(fed[c].iloc[0]) if len(fed) else None for c in reporting.RATE_COLUMNS[2:]}
    return {
        "period": s.period, "deadline": s.deadline.isoformat(), **head,
        "units": [{**{c: json_value(r[c]) for c in ("unit", "state", "filled", "upload_id", "uploader", "filename",
                                                 "comment", "reviewed_by")},
                   "reported": bool(r["reported"]), "on_time": bool(r["on_time"]),
                   "uploaded_at": _moment(r["uploaded_at"]), "first_at": _moment(r["first_at"])}
                  for r in s.status.to_dict("records")],
        "communities": [{c: json_value(r[c]) for c in reporting.RATE_COLUMNS if c != "period"}
                        for r in s.rates.to_dict("records") if r["unit"] != root],
        "chase": s.chase.to_dict("records"),
    }


def _pct(value) -> str:
    value = json_value(value)
    return "—" if value is None else f"{value:.1f}%"


def chase_xlsx(s: Season, lang: str = "zh") -> bytes:
    """The 催报 list as a workbook: one sheet, a caption row, the header, one row per unit.
    Every text cell is formula-safe (:func:`metrics.report_text.safe_text`)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "催报" if lang == "zh" else "Chase"
    ws.append([safe_text(t("reporting.chase.caption", lang, quarter=periods.label(s.period, lang),
                            deadline=s.deadline.isoformat()))])
    ws["A1"].font = Font(bold=True, size=12)
    header = [t(f"reporting.col.{c}", lang) for c in ("unit", "name", "community", "state", "clerk", "comment")]
    ws.append([safe_text(h) for h in header])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r in s.chase.to_dict("records"):
        ws.append([safe_text(r["unit"]), safe_text(r["name"]), safe_text(r["community"]),
                   safe_text(t(f"reporting.state.{r['state']}", lang)), safe_text(r["clerk"]), safe_text(r["comment"])])
    for col, width in zip("ABCDEF", (12, 30, 20, 10, 16, 30)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def chase_docx(s: Season, lang: str = "zh", template=None) -> bytes:
    """A short 催报 notice on the office template: a title, one paragraph (quarter, deadline,
    how many units are still missing) and the table of those units with their clerk."""
    doc = docx_writer._open_template(template, lang)
    quarter = periods.label(s.period, lang)
    docx_writer._para(doc, t("reporting.notice.title", lang, quarter=quarter), "Title")
    docx_writer._body(doc, t("reporting.notice.body", lang, quarter=quarter, deadline=s.deadline.isoformat(),
                             n=len(s.chase)))
    header = [t(f"reporting.col.{c}", lang) for c in ("name", "community", "state", "clerk")]
    rows = [[r["name"], r["community"], t(f"reporting.state.{r['state']}", lang), r["clerk"]]
            for r in s.chase.to_dict("records")]
    docx_writer._table(doc, header, rows, widths=[6, 4, 2.5, 3])
    docx_writer._body(doc, t("reporting.notice.closing", lang))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def main(argv: list[str] | None = None, store=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports reporting",
                                     description="Print a quarter's reporting status (报送情况) and the 催报 list.")
    parser.add_argument("--period", required=True, help="quarter, e.g. 2017Q4")
    parser.add_argument("--db", help="database URL (default $UNION_DB_URL or var/union.sqlite)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args(argv)
    if not periods.is_period(args.period):
        parser.error(f"a quarter is written like 2017Q4, not {args.period!r}")
    from reports.__main__ import open_with_example_data

    store = store or open_with_example_data(args.db, args.lang)
    s = season(store, args.period)
    if args.json:
        print(json.dumps(to_dict(s), ensure_ascii=False, indent=1))
        return 0
    lang = args.lang
    d = to_dict(s)
    print(t("reporting.cli.head", lang, quarter=periods.label(s.period, lang), deadline=d["deadline"],
            n=d["ACTUAL_REPORTS"] or 0, m=d["EXPECTED_REPORTS"] or 0, on_time=d["ACTUAL_REPORTS_ON_TIME"] or 0,
            rate=_pct(d["REPORTING_RATE"]), rate_on_time=_pct(d["REPORTING_RATE_ON_TIME"])))
    names = dict(zip(s.units["code"].astype(str), s.units["name_zh"]))
    for r in s.rates.to_dict("records"):
        print(f"  {names.get(r['unit'], r['unit'])}: {r['ACTUAL_REPORTS']}/{r['EXPECTED_REPORTS']} "
              f"{_pct(r['REPORTING_RATE'])} · {t('reporting.on_time', lang)} {_pct(r['REPORTING_RATE_ON_TIME'])}")
    print(t("reporting.chase.heading", lang, n=len(s.chase)))
    for r in s.chase.to_dict("records"):
        state = t(f"reporting.state.{r['state']}", lang)
        print(f"  {r['unit']}  {r['name']}  {r['community']}  {state}  {r['clerk'] or '—'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


def status_table(s: Season, lang: str = "zh") -> pd.DataFrame:
    """The units table of the 报送情况 page: name, community, state, on time, when, by whom,
    which file, indicators filled, review comment, with headers in ``lang``."""
    chase_names = reporting.chase_list(s.status.assign(state="missing"), s.units, pd.DataFrame(columns=["unit", "clerk"]))
    names = dict(zip(chase_names["unit"], chase_names["name"]))
    community = dict(zip(chase_names["unit"], chase_names["community"]))
    frame = pd.DataFrame({
        "unit": s.status["unit"], "name": s.status["unit"].map(names), "community": s.status["unit"].map(community),
        "state": [t(f"reporting.state.{v}", lang) for v in s.status["state"]],
        "on_time": ["✓" if v else ("✗" if r else "") for v, r in zip(s.status["on_time"], s.status["reported"])],
        "uploaded_at": [_moment(v)[:16].replace("T", " ") if _moment(v) else "" for v in s.status["uploaded_at"]],
        "uploader": s.status["uploader"].map(lambda u: t("screens.system", lang) if u == "system" else u),  # not "system"
        "filename": s.status["filename"], "filled": s.status["filled"],
        "comment": s.status["comment"],
    })
    return frame.rename(columns={c: t(f"reporting.col.{c}", lang) for c in frame.columns})


def rates_table(rates: pd.DataFrame, units: pd.DataFrame, lang: str = "zh", by: str = "unit") -> pd.DataFrame:
    """DHIS2's reporting metrics as the page shows them: one row per unit (``by="unit"``) or per
    quarter (``by="period"``), rates rounded to one decimal, headers in ``lang``."""
    names = dict(zip(units["code"].astype(str), units["name_zh"] if lang == "zh" else
                     units["name_en"].where(units["name_en"].fillna("") != "", units["name_zh"])))
    cols = ["EXPECTED_REPORTS", "ACTUAL_REPORTS", "ACTUAL_REPORTS_ON_TIME", "REPORTING_RATE",
            "REPORTING_RATE_ON_TIME", "approved", "returned"]
    first = rates["unit"].map(names) if by == "unit" else rates["period"].map(lambda p: periods.label(p, lang))
    frame = pd.concat([first.rename(by), rates[cols].astype("float64").round(1)], axis=1)
    frame = frame.rename(columns={by: t("reporting.col.name" if by == "unit" else "reporting.col.period", lang),
                                  **{c: t(f"reporting.col.{c}", lang) for c in cols}})
    frame.attrs["figures"] = [t(f"reporting.col.{c}", lang) for c in cols]  # number columns that sort (ui.dataframe)
    return frame


def reported_under(s: Season, unit: str) -> list[str]:
    """The units in ``unit``'s subtree that reported the quarter (what 整个社区/本季度审核通过 approves)."""
    members = set(rollup.subtree(s.units, unit))
    rows = s.status[s.status["reported"] & s.status["unit"].isin(members)]
    return rows["unit"].tolist()
