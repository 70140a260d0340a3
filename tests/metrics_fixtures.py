"""Shared test data for the progress tests."""

from __future__ import annotations

import yaml

from metrics.catalog import Catalog, parse_catalog


def catalog_with_lower_is_better() -> Catalog:
    """The real catalog plus two lower-is-better indicators (the real one has none yet)."""
    with open("data/indicators.yaml", encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    raw["indicators"] = list(raw["indicators"]) + [
        dict(code="accidents", zh="工伤事故数", en="Work accidents", unit="件", kind="stock",
             category="rights", direction="down"),
        dict(code="complaints", zh="职工投诉件数", en="Worker complaints", unit="件", kind="flow",
             category="rights", direction="down"),
    ]
    return parse_catalog(raw)
