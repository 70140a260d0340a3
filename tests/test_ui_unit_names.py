"""Unit names in pickers: the report page's unit picker formats every option with
``ui.unit_name``; at a district's 22,001 units that must stay a dictionary lookup, with the
same names as before (English name, else the Chinese one; an unknown code as itself)."""

from __future__ import annotations

import time

import pandas as pd

import ui


def district_units(n: int = 22_000) -> pd.DataFrame:
    codes = ["FED"] + [f"E{i:05d}" for i in range(n)]
    return pd.DataFrame({"code": codes, "name_zh": ["区总工会"] + [f"第{i}企业工会" for i in range(n)],
                         "name_en": ["District"] + [f"Enterprise {i}" if i % 2 else "" for i in range(n)],
                         "parent": [""] + ["FED"] * n, "level": ["federation"] + ["enterprise"] * n})


def test_picker_of_22001_units_formats_every_option_in_well_under_a_second(monkeypatch):
    units = district_units()
    monkeypatch.setattr(ui, "lang", lambda: "zh")
    started = time.perf_counter()
    shown = [ui.unit_name(units, c) for c in units["code"]]
    seconds = time.perf_counter() - started
    assert shown[:3] == ["区总工会", "第0企业工会", "第1企业工会"]
    assert seconds < 1.0, f"formatting 22,001 options took {seconds:.1f} s"


def test_unit_names_in_english_fall_back_to_chinese_and_unknown_codes_stay_codes(monkeypatch):
    units = district_units(4)
    monkeypatch.setattr(ui, "lang", lambda: "en")
    assert [ui.unit_name(units, c) for c in units["code"]] == [
        "District", "第0企业工会", "Enterprise 1", "第2企业工会", "Enterprise 3"]
    assert ui.unit_name(units, "NOPE") == "NOPE"
    # a changed frame (a unit renamed: a new frame from the cache) is read afresh
    renamed = units.copy()
    renamed.loc[renamed["code"] == "E00001", "name_en"] = "Renamed"
    assert ui.unit_name(renamed, "E00001") == "Renamed"
    monkeypatch.setattr(ui, "lang", lambda: "zh")
    assert ui.unit_name(renamed, "E00001") == "第1企业工会"
