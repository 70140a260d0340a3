"""First start: fill an empty database with the example org tree, data and plan.

``ensure_example_data(store)`` is called once per process by the dashboard (and by tests);
on a database that already has uploads it does nothing, so the federation's own data is never
touched. The example workbooks are generated into ``data/demo/`` when missing or stale and imported
through the same reader a clerk's upload goes through.
"""

from __future__ import annotations

import pandas as pd

import resources
from ingest import example
from ingest.reader import read_workbook_bytes
from metrics import periods
from store.db import NewUpload, Store

SYSTEM = "system"


def ensure_example_data(store: Store) -> bool:
    """Load the example data if the database has no uploads yet; True if it loaded."""
    if not store.is_empty():
        return False
    catalog = resources.catalog()
    units = resources.example_units()
    store.add_units(units, actor=SYSTEM)
    paths = [resources.DEMO_DIR / example.workbook_name(q) for q in periods.span(example.HISTORY[0], example.CONTINUATION[1])]
    if not example.workbooks_current(resources.DEMO_DIR, catalog):  # missing, or from an older catalog
        paths = example.write_example_workbooks(units, catalog, resources.DEMO_DIR, resources.FEDERATION_NAME)
    uploads = []
    for path in paths:
        period = path.name.split("_")[0]
        raw = path.read_bytes()
        tables = read_workbook_bytes(raw, catalog)
        values = pd.concat([t.values for t in tables], ignore_index=True)
        values = values[values["indicator"].map(lambda c: catalog[c].kind != "rate")]
        long = pd.DataFrame({"unit": values["unit_code"], "indicator": values["indicator"], "period": period,
                             "value": values["value"], "approximate": values["approximate"]})
        uploads.append(NewUpload(path.name, raw, SYSTEM, long, period, source="example", is_example=True,
                                 report={"example": True}))
    store.add_uploads(uploads)  # one transaction, rolled up once (issue 12)
    load_plan(store, resources.example_plan(), actor=SYSTEM)
    return True


def load_plan(store: Store, plan: dict, actor: str) -> None:
    """Add a plan written as in ``data/plan-2016-2020.yaml`` (its goals become targets)."""
    store.add_plan(plan["code"], plan["name_zh"], plan.get("name_en", ""), plan["start"], plan["end"],
                   plan["base"], actor, is_example=bool(plan.get("example")))
    rows = []
    for g in plan["goals"]:
        rows.append({
            "indicator": g["indicator"], "unit": "", "target_type": g["target_type"],
            "base_value": g.get("base"), "target_value": g.get("target"),
            "attribute": g.get("attribute", "预期性"), "goal_direction": g.get("goal_direction", ""),
            "goal_text_zh": g.get("text_zh", ""), "goal_text_en": g.get("text_en", ""), "active": True,
        })
    store.set_targets(plan["code"], rows, actor)
