"""Reads the project's own data files: the catalog, the example org tree and the example plan.

The only place that knows where ``data/`` is; everything it returns is plain data for
``metrics/`` (pure) and ``store/`` to use.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml

from metrics.catalog import Catalog, parse_catalog

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
CATALOG_FILE = DATA / "indicators.yaml"
UNITS_FILE = DATA / "units.csv"
PLAN_FILE = DATA / "plan-2016-2020.yaml"
DEMO_DIR = DATA / "demo"
FEDERATION_NAME = "卢沟桥街道总工会"


@lru_cache(maxsize=4)
def catalog(path: str | None = None) -> Catalog:
    """The checked indicator catalog (raises CatalogError with the reason if it is broken)."""
    with open(path or CATALOG_FILE, encoding="utf-8") as f:
        return parse_catalog(yaml.safe_load(f))


def example_units(path: Path = UNITS_FILE) -> pd.DataFrame:
    """The example org tree: code, name_zh, name_en, parent, level, is_example."""
    frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    frame["is_example"] = frame["is_example"].str.lower().eq("true")
    return frame


def example_plan(path: Path = PLAN_FILE) -> dict:
    """The example 2016-2020 plan as written in YAML."""
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)
