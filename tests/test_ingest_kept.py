"""A re-upload of a stored quarter with a blanked cell and a deleted row: the dry run says which
earlier values keep counting (and where the blank cell is), in the report, the command line's
--json and text, and on the upload page; committing keeps them counting, as it says."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

import resources
from ingest import importer
from metrics import rollup
from tests.apptest_util import open_page

ROOT = Path(__file__).resolve().parents[1]


def reupload() -> bytes:
    """The 2017Q4 example form with B01's 会员人数 (G5) blanked, B02's row (6) deleted, and
    B03's 职工人数 (F7, row 6 after the deletion) one more so that the file is not a duplicate."""
    wb = load_workbook(io.BytesIO((resources.DEMO_DIR / "2017Q4_example.xlsx").read_bytes()))
    ws = wb["季度数据"]
    assert ws["A5"].value == "B01" and ws["A6"].value == "B02" and ws["A7"].value == "B03"
    ws["G5"] = None
    ws.delete_rows(6)
    ws["F6"] = ws["F6"].value + 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def stored(store, unit: str, indicator: str, period: str = "2017Q4") -> float:
    cur = rollup.current(store.observations())
    row = cur[(cur["unit"] == unit) & (cur["indicator"] == indicator) & (cur["period"] == period)]
    return float(row["value"].iloc[0])


def test_blank_cell_and_deleted_row_are_listed_and_keep_counting(example_store):
    b01_members, b02_members = stored(example_store, "B01", "members"), stored(example_store, "B02", "members")
    n_b02 = int(((example_store.observations()["unit"] == "B02") &
                 (example_store.observations()["period"] == "2017Q4")).sum())
    prepared = importer.prepare(example_store, reupload(), "2017Q4_again.xlsx")
    kept = prepared.report.kept
    blank = [k for k in kept if k["reason"] == "blank"]
    assert blank == [{"unit": "B01", "indicator": "members", "period": "2017Q4", "value": b01_members,
                      "reason": "blank", "where": "季度数据!G5"}]
    missing = [k for k in kept if k["reason"] == "not_in_file"]
    assert {k["unit"] for k in missing} == {"B02"} and len(missing) == n_b02
    assert {"indicator": "members", "value": b02_members}.items() <= \
        next(k for k in missing if k["indicator"] == "members").items()
    assert prepared.report.counts["updated"] == 1
    # as the report says: after the commit the earlier values still count
    assert prepared.report.ok, [f.message() for f in prepared.report.errors]
    importer.commit(example_store, prepared, "clerk", acknowledged=True)
    assert stored(example_store, "B01", "members") == b01_members
    assert stored(example_store, "B02", "members") == b02_members


def test_first_upload_of_a_quarter_keeps_nothing(example_store):
    raw = (resources.DEMO_DIR / "2017Q4_example.xlsx").read_bytes()
    wb = load_workbook(io.BytesIO(raw))
    ws = wb["季度数据"]
    ws["A1"], ws["C2"] = "卢沟桥街道总工会 2018年第1季度 工会工作统计表", "报告期：2018年第1季度"
    buf = io.BytesIO()
    wb.save(buf)
    prepared = importer.prepare(example_store, buf.getvalue(), "2018Q1.xlsx")
    assert prepared.report.period == "2018Q1" and prepared.report.kept == []


def test_command_line_json_and_text_name_the_kept_values(example_url, tmp_path):
    path = tmp_path / "2017Q4_again.xlsx"
    path.write_bytes(reupload())
    run = [sys.executable, "-m", "ingest", str(path), "--db", example_url]
    out = json.loads(subprocess.run([*run, "--json", "--lang", "en"], cwd=ROOT, capture_output=True, text=True).stdout)
    assert {"ok", "file", "period", "counts", "errors", "warnings", "changes"} <= set(out)  # the keys kept
    assert out["kept"][0] == {"unit": "B01", "indicator": "members", "period": "2017Q4",
                              "value": out["kept"][0]["value"], "reason": "blank", "where": "季度数据!G5"}
    text = subprocess.run([*run, "--lang", "en"], cwd=ROOT, capture_output=True, text=True).stdout
    assert f"{len(out['kept'])} cells blank here keep their earlier value" in text


def test_upload_page_says_blank_cells_keep_their_earlier_value(example_url):
    at = open_page("upload", "en")
    at.file_uploader(key="upload_file").upload("2017Q4_again.xlsx", reupload()).run()
    assert not at.exception, at.exception
    info = [i.value for i in at.info if "keep their earlier value" in i.value]
    assert info and "1 blank cell," in info[0] and "withdraws" in info[0]
    table = next(d.value for d in at.dataframe if "Why" in d.value.columns)
    first = table.iloc[0]
    assert first["Where"] == "季度数据!G5" and first["Why"] == "this cell is blank in the file"
    assert set(table["Why"]) == {"this cell is blank in the file", "the unit is not in the file"}
    assert "Auto Museum Building Joint Union" in set(table["Unit"])  # B02, by its name


def _form(period_title: str, rows: list[list]) -> bytes:
    from tests.ingest_fixtures import xlsx

    return xlsx({"季度数据": [[f"卢沟桥街道总工会 {period_title} 工会工作统计表"], ["单位代码", "单位名称", "会员人数", "职工人数"],
                              *rows]})


def test_a_file_keeps_only_what_the_upload_it_corrects_left_out_not_other_clerks_units(example_store):
    """Several clerks report one quarter, each a file of her own units. A clerk's first file
    leaves no other clerk's values "kept" (at a district's size that was 773,150 lines for a
    file of 160 rows); her re-upload lists what it leaves of her own earlier file."""
    names = dict(zip(example_store.units()["code"], example_store.units()["name_zh"]))

    def commit(raw: bytes, name: str):
        prepared = importer.prepare(example_store, raw, name)
        assert prepared.report.ok, [f.message() for f in prepared.report.errors]
        importer.commit(example_store, prepared, "clerk", acknowledged=True)
        return prepared.report

    first = commit(_form("2018年第1季度", [["B01", names["B01"], 100, 200], ["B03", names["B03"], 50, 80]]), "a.xlsx")
    assert first.kept == []
    second = commit(_form("2018年第1季度", [["B02", names["B02"], 70, 90]]), "b.xlsx")
    assert second.kept == []  # B01 and B03 came from another clerk's file, which this one does not correct
    again = importer.prepare(example_store, _form("2018年第1季度", [["B01", names["B01"], 101, None]]), "a2.xlsx")
    assert sorted((k["unit"], k["indicator"], k["reason"]) for k in again.report.kept) == [
        ("B01", "employees", "blank"), ("B03", "employees", "not_in_file"), ("B03", "members", "not_in_file")]


def test_a_small_file_reads_only_its_units_and_the_upload_it_corrects(example_store):
    """The dry run reads the stored values of the file's own units (its quarter, the one before
    and its year) and of the earlier upload it corrects, not every unit's: the same counts,
    findings and changes as reading everything."""
    read: list[pd.DataFrame] = []

    def narrowed(*needed):
        frame = importer.current_values(example_store, *needed)
        read.append(frame)
        return frame

    def everything(periods, *_):
        return importer.current_values(example_store, periods)

    raw = reupload()
    kwargs = dict(catalog=resources.catalog(), units=example_store.units(), period=None)
    small = importer.dry_run(raw, "again.xlsx", current=narrowed, **kwargs).report
    whole = importer.dry_run(raw, "again.xlsx", current=everything, **kwargs).report
    assert small.counts == whole.counts and small.changes == whole.changes and small.kept == whole.kept
    assert [(f.code, f.where) for f in small.findings] == [(f.code, f.where) for f in whole.findings]
    frame = read[0]
    assert set(frame["period"]) == {"2017Q1", "2017Q2", "2017Q3", "2017Q4"}
    earlier = frame[frame["period"] != "2017Q4"]
    assert "B02" not in set(earlier["unit"])  # left out of the file: only its 2017Q4 values, which it keeps
    assert "B02" in set(frame.loc[frame["period"] == "2017Q4", "unit"])


def test_a_community_s_form_lists_what_it_leaves_of_its_own_units_not_every_unit_of_the_bulk_file(example_store):
    """The example's 2017Q4 came as one file of all 84 units (as a district's history comes in one
    bulk load). A community's form (its row and its enterprise's) is a form of that community: it
    lists none of the 42 communities beside it as left out. One community's row alone is an item
    of the federation's list of communities, as a clerk's list is: the others are listed."""
    units = example_store.units()
    names = dict(zip(units["code"], units["name_zh"]))
    parent = dict(zip(units["code"], units["parent"]))
    stored = set(example_store.observations().query("period == '2017Q4'")["unit"])
    kids = sorted(c for c, p in parent.items() if p == "C02")
    assert kids
    own_form = _form("2017年第4季度", [["C02", names["C02"], 3000, 5000], *[[k, names[k], 30, 50] for k in kids]])
    kept = importer.prepare(example_store, own_form, "c02.xlsx").report.kept
    assert {k["unit"] for k in kept if k["reason"] == "not_in_file"} == set()
    row_alone = importer.prepare(example_store, _form("2017年第4季度", [["C02", names["C02"], 3000, 5000]]), "c.xlsx")
    left_out = {k["unit"] for k in row_alone.report.kept if k["reason"] == "not_in_file"}
    communities = {c for c, p in parent.items() if p == "LGQ"} - {"C02"}
    assert left_out == (communities | set(kids)) & stored and len(left_out) > 30
