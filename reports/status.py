"""``python -m reports status [--plan CODE] [--as-of QUARTER] [--unit CODE] [--db URL] [--json] [--lang en]``

Prints every goal of a plan as the progress page shows it (:func:`metrics.goals.evaluate_plan`):
indicator code, status and outlook codes (with their words), base, current value, target,
完成进度, 时间进度 and the flags (incomplete quarter 已报 n/m, carried values, incomplete base,
judgement held at the latest complete quarter). Without ``--as-of`` it uses the quarter the
dashboard opens on (:func:`metrics.rollup.default_quarter`). Exits 2 on a bad argument.
"""

from __future__ import annotations

import argparse
import json
import math
import sys

import resources
from i18n import t
from metrics import goals as goal_rows
from metrics import periods, rollup
from reports.content import load_inputs

JSON_COLUMNS = ["indicator", "status", "outlook", "alert", "target_type", "attribute", "goal_direction", "base",
                "current", "target", "progress", "elapsed", "period", "approximate", "target_source",
                *goal_rows.FLAG_COLUMNS]


def json_value(value):
    """A cell as JSON takes it: numpy scalars as Python numbers, NaN and None as null."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return value


def _fmt(value, percent: bool = False) -> str:
    value = json_value(value)
    if value is None:
        return "—"
    if percent:
        return f"{value * 100:.1f}%"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def main(argv: list[str] | None = None, store=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports status",
                                     description="Print every goal of a plan as the progress page shows it.")
    parser.add_argument("--plan", help="plan code, e.g. 2016-2020 (default: the plan of the quarter)")
    parser.add_argument("--as-of", dest="as_of", help="quarter, e.g. 2017Q4 (default: the quarter the dashboard opens on)")
    parser.add_argument("--unit", help="unit code (default: the federation)")
    parser.add_argument("--db", help="database URL (default $UNION_DB_URL or var/union.sqlite)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--lang", choices=["zh", "en"], default="zh")
    args = parser.parse_args(argv)
    from reports.__main__ import open_with_example_data

    store = store or open_with_example_data(args.db, args.lang)
    catalog = resources.catalog()
    inputs = load_inputs(store, catalog)
    if inputs.units.empty or inputs.observations.empty:
        parser.error("the database has no data")
    root = rollup.root_unit(inputs.units)
    unit = args.unit or root
    if unit not in set(inputs.units["code"]):
        parser.error(f"unknown unit {args.unit!r}")
    if args.as_of is not None and not periods.is_period(args.as_of):
        parser.error(f"a quarter is written like 2017Q4, not {args.as_of!r}")
    as_of = args.as_of or rollup.default_quarter(rollup.coverage(inputs.observations, inputs.units, root))
    plan_code = args.plan or goal_rows.current_plan(inputs.plans, as_of)
    if plan_code not in set(inputs.plans["code"]):
        parser.error(f"unknown plan {args.plan!r}" if args.plan else "the database has no plan")
    plan = inputs.plans[inputs.plans["code"] == plan_code].iloc[0].to_dict()
    ev = goal_rows.evaluate_plan(inputs.observations, inputs.units, inputs.targets[plan_code], plan, catalog,
                                 unit, as_of)
    head = goal_rows.overall(ev)
    first = ev.iloc[0] if len(ev) else None
    summary = {
        "plan": plan_code, "unit": unit, "as_of": as_of,
        "judged_at": first["judged_at"] if first is not None else as_of,
        "reported": int(first["reported"]) if first is not None else 0,
        "expected": int(first["expected"]) if first is not None else 0,
        "incomplete": bool(first["incomplete"]) if first is not None else False,
        "held": bool(first["held"]) if first is not None else False,
        "elapsed": json_value(head["elapsed"]), "progress": json_value(head["progress"]),
    }
    if args.json:
        goals = [{c: json_value(r[c]) if not isinstance(r[c], str) else r[c] for c in JSON_COLUMNS}
                 for r in ev.to_dict("records")]
        for g in goals:
            for flag in ("incomplete", "held", "base_incomplete", "approximate"):
                g[flag] = bool(g[flag])
        print(json.dumps({**summary, "goals": goals}, ensure_ascii=False, indent=1))
        return 0
    lang = args.lang
    print(f"{plan_code} · {unit} · {as_of}"
          + (f" · {t('coverage.reported', lang, n=summary['reported'], m=summary['expected'])}" if summary["incomplete"] else "")
          + (f" · judged_at {summary['judged_at']}" if summary["held"] else ""))
    print(f"elapsed {_fmt(head['elapsed'], True)} · progress {_fmt(head['progress'], True)} · goals {head['goals']}")
    header = ["indicator", "status", "outlook", "base", "current", "target", "progress", "elapsed", "flags"]
    rows = [header]
    for r in ev.to_dict("records"):
        flags = []
        if r["incomplete"]:
            flags.append(f"incomplete {r['reported']}/{r['expected']}")
        if r["carried_units"]:
            flags.append(f"carried {r['carried_units']}")
        if r["base_incomplete"]:
            flags.append("base_incomplete")
        if r["held"]:
            flags.append(f"held {r['judged_at']}")
        status_words = t(f"signals.status.{r['status']}", lang)
        outlook_words = t(f"signals.outlook.{r['outlook']}", lang)
        rows.append([r["indicator"], f"{r['status']} {status_words}", f"{r['outlook']} {outlook_words}", _fmt(r["base"]),
                     _fmt(r["current"]), _fmt(r["target"]), _fmt(r["progress"], True),
                     _fmt(r["elapsed"], True), ", ".join(flags)])
    widths = [max(_width(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip())
    return 0


def _width(text: str) -> int:
    """Display width: a CJK character takes two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


if __name__ == "__main__":
    sys.exit(main())
