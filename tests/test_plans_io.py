"""ingest.plans_io: a plan exported to .xlsx reads back to the same goals; bad cells are named."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

import resources
from ingest import plans_io

CAT = resources.catalog()
FIELDS = ["indicator", "unit", "target_type", "base_value", "target_value", "attribute", "goal_direction",
          "goal_text_zh", "goal_text_en"]


def test_export_then_import_gives_the_same_goals(example_store):
    example_store.set_targets("2016-2020", [{"indicator": "members", "unit": "C01", "target_type": "level",
                                             "target_value": 300, "attribute": "约束性"}], "tester")
    targets = example_store.targets("2016-2020")
    data = plans_io.export_plan(example_store.plans().iloc[0].to_dict(), targets, CAT)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["规划", "目标"] and wb["规划"]["B1"].value == "2016-2020"
    assert [c.value for c in wb["目标"][1]] == plans_io.HEADERS
    rows, errors = plans_io.read_targets(data, CAT, set(example_store.units()["code"]))
    assert errors == []
    back = pd.DataFrame(rows)[FIELDS].sort_values(["unit", "indicator"]).reset_index(drop=True)
    before = targets[FIELDS].sort_values(["unit", "indicator"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(back, before, check_dtype=False)
    assert example_store.set_targets("2016-2020", rows, "tester") == 0  # nothing changed


def sheet(*rows) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "目标"
    ws.append(plans_io.HEADERS)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_chinese_words_and_names_are_accepted():
    data = sheet(["", "会员人数", "人", "达到", 7167, "9,000", "约束性", "", "", "", ""],
                 ["union_establishment_rate", "", "", "方向", None, None, "预期性", "提高", "", "", ""])
    rows, errors = plans_io.read_targets(data, CAT, {"LGQ"})
    assert errors == []
    assert rows[0]["indicator"] == "members" and rows[0]["target_type"] == "level" and rows[0]["target_value"] == 9000
    assert rows[1]["goal_direction"] == "raise" and rows[1]["target_value"] is None


@pytest.mark.parametrize("row, message", [
    (["nonsense", "", "", "达到", 1, 2, "预期性", "", "", "", ""], "目标!A2：指标“nonsense”不在指标目录中。"),
    (["members", "", "", "每年", 1, 2, "预期性", "", "", "", ""], "目标!D2：目标类型“每年”无法识别"),
    (["members", "", "", "达到", 1, "很多", "预期性", "", "", "", ""], "目标!F2：“很多”不是数字。"),
    (["members", "", "", "达到", 1, None, "预期性", "", "", "", ""], "目标!F2：达到或累计目标必须填写目标值。"),
    (["members", "", "", "达到", 1, 2, "重要", "", "", "", ""], "目标!G2：属性“重要”无法识别"),
    (["members", "", "", "方向", 1, None, "预期性", "翻番", "", "", ""], "目标!H2：方向“翻番”无法识别"),
    (["members", "", "", "达到", 1, 2, "预期性", "", "", "", "X99"], "目标!K2：单位代码“X99”不存在。"),
], ids=["unknown-indicator", "bad-type", "not-a-number", "no-target", "bad-attribute", "bad-direction", "unknown-unit"])
def test_bad_cells_are_named_and_nothing_is_returned(row, message):
    rows, errors = plans_io.read_targets(sheet(row), CAT, {"LGQ"})
    assert rows == []
    assert any(e.startswith(message) for e in errors), errors


def test_not_a_workbook_and_duplicates():
    assert plans_io.read_targets(b"not a zip", CAT, set())[1][0].startswith("文件不是有效的 .xlsx")
    rows, errors = plans_io.read_targets(sheet(["members", "", "", "达到", 1, 2, "预期性", "", "", "", ""],
                                               ["members", "", "", "达到", 1, 3, "预期性", "", "", "", ""]), CAT, set(), "en")
    assert rows == [] and errors == ["目标!A3: indicator “members” appears twice."]


@pytest.mark.parametrize("code, start, end, problem", [
    ("", "2021Q1", "2025Q4", "请填写规划代码。"), ("2016-2020", "2021Q1", "2025Q4", "规划代码“2016-2020”已存在。"),
    ("x", "2021", "2025Q4", "起止季度格式应为 2021Q1。"), ("x", "2025Q4", "2021Q1", "结束季度早于起始季度。"),
])
def test_new_plan_checks(code, start, end, problem):
    assert problem in plans_io.check_new_plan(code, start, end, {"2016-2020"})
    assert plans_io.check_new_plan("2021-2025", "2021Q1", "2025Q4", {"2016-2020"}) == []
