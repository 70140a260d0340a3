"""``python -m ingest``: dry run, --commit, --json, --dump, --lang, --allow-new-units, exit codes."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from tests.ingest_fixtures import TITLE, xlsx

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
C01 = "卢沟桥社区联合工会"


def cli(*args, cwd=ROOT):
    done = subprocess.run([sys.executable, "-m", "ingest", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=60)
    return done.returncode, done.stdout, done.stderr


def write(tmp_path, rows, name="2016Q1.xlsx"):
    path = tmp_path / name
    path.write_bytes(xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数", "培训职工", "企业建会率"], *rows]}))
    return path


def test_dry_run_json_and_dump_then_commit(tmp_path):
    db = f"sqlite:///{tmp_path / 'new.sqlite'}"
    path = write(tmp_path, [["新社区联合工会", 120, "200余", 95]])
    code, out, _ = cli(path, "--db", db, "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert report["errors"][0]["code"] == "unknown_unit" and report["errors"][0]["where"] == "季度数据!A3"
    assert "不在单位名录中" in report["errors"][0]["message"]

    dump = tmp_path / "out.csv"
    code, out, _ = cli(path, "--db", db, "--json", "--allow-new-units", "--dump", dump, "--lang", "en")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["period"] == "2016Q1"
    assert report["counts"] == {"read": 3, "new": 2, "updated": 0, "unchanged": 0, "ignored": 1}
    assert {w["code"] for w in report["warnings"]} == {"new_unit", "approximate"}
    assert "approximate figure" in next(w["message"] for w in report["warnings"] if w["code"] == "approximate")
    assert dump.read_bytes().startswith(b"\xef\xbb\xbfunit,")  # a BOM: Excel on Windows reads it as UTF-8
    with open(dump, encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows == [["unit", "indicator", "period", "value", "approximate"],
                    ["新社区联合工会", "members", "2016Q1", "120", "false"],
                    ["新社区联合工会", "trainees", "2016Q1", "200", "true"]]

    code, out, _ = cli(path, "--db", db, "--allow-new-units", "--commit", "--json")
    assert code == 0 and json.loads(out)["committed"] == 1
    code, out, _ = cli(path, "--db", db, "--allow-new-units", "--json")
    assert code == 1 and json.loads(out)["errors"][0]["code"] == "duplicate_file"


def test_unreadable_file_exits_2(tmp_path):
    path = tmp_path / "photo.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    code, out, _ = cli(path, "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "--json")
    assert code == 2 and json.loads(out)["errors"][0]["code"] == "not_a_spreadsheet"


def test_text_report_in_chinese(tmp_path):
    path = write(tmp_path, [[C01, -3, 1, None]])
    code, out, _ = cli(path, "--db", f"sqlite:///{tmp_path / 'y.sqlite'}")
    assert code == 1 and "季度数据!B3" in out and "不能是负数" in out


def test_json_findings_name_where_code_and_message_in_the_language_asked(tmp_path):
    import re

    import resources
    from store.db import open_store

    db = f"sqlite:///{tmp_path / 'units.sqlite'}"
    store = open_store(db)
    store.add_units(resources.example_units())
    store.engine.dispose()
    path = tmp_path / "2016Q1.xlsx"
    path.write_bytes(xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数", "培训职工", "企业建会率", "奇怪列"],
                                       [C01, -3, "约12", 150, 5], ["新单位", 5, 1, None, 3]]}))
    cjk = re.compile(r"[\u3400-\u9fff\uff00-\uffef]")
    reports = {}
    for lang in ("zh", "en"):
        code, out, _ = cli(path, "--db", db, "--json", "--lang", lang)
        assert code == 1
        reports[lang] = json.loads(out)
    en, zh = reports["en"], reports["zh"]
    assert {e["code"] for e in en["errors"]} == {"negative_count", "percent_over_100", "unknown_unit"}
    assert {w["code"] for w in en["warnings"]} == {"approximate", "unknown_column"}
    for lang, report in reports.items():
        for item in report["errors"] + report["warnings"]:
            assert {"where", "code", "message"} <= set(item), item
            assert re.fullmatch(r"季度数据![A-Z]+[0-9]+", item["where"]), item
            assert item["message"].startswith(item["where"]), item
    for e, z in zip(en["errors"] + en["warnings"], zh["errors"] + zh["warnings"]):
        assert (e["where"], e["code"]) == (z["where"], z["code"])
        # the English message is English apart from what the file itself says (sheet, unit, header, 约12)
        text = e["message"].replace(e["where"], "")
        for key, value in e["params"].items():
            if not key.endswith("_zh"):
                text = text.replace(str(value), "")
        assert not cjk.search(text), e["message"]
        assert cjk.search(z["message"].replace(z["where"], "")) and z["message"] != e["message"]
    negative = next(e for e in en["errors"] if e["code"] == "negative_count")
    assert negative["where"] == "季度数据!B3" and "Union members is -3" in negative["message"]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'limits.sqlite'}"
    return request.getfixturevalue("pg_url")


def test_names_codes_and_users_longer_than_the_database_keeps_are_errors_in_the_dry_run(db_url, tmp_path):
    """A new unit's name (200), code (64) and --user (100) are checked against the column
    lengths in the dry run, on SQLite as on PostgreSQL: exit 1 naming the cell, nothing stored,
    no traceback. At exactly the limit the commit stores them whole."""
    from store.db import open_store

    def sheet(name, code):
        path = tmp_path / "2016Q1.xlsx"
        path.write_bytes(xlsx({"季度数据": [[TITLE], ["单位代码", "单位名称", "会员人数"], [code, name, 5],
                                           ["", "长" * 201, 6]]}))
        return path

    path = sheet("新单位", "X" * 65)
    for args in ((), ("--commit",)):
        code, out, err = cli(path, "--db", db_url, "--allow-new-units", "--json", "--user", "u" * 101, *args)
        assert code == 1 and "Traceback" not in err, err
        report = json.loads(out)
        long = {(e["where"], e["params"]["limit"]) for e in report["errors"] if e["code"] == "too_long"}
        assert long == {("季度数据!B3", 64), ("季度数据!B4", 200), ("--user", 100)}  # the unit cell of the row
        assert report["committed"] is None
    message = next(e["message"] for e in report["errors"] if e["where"] == "季度数据!B4")
    assert message.startswith("季度数据!B4：单位名称") and "201" in message and "200" in message
    store = open_store(db_url)
    assert store.is_empty() and store.units().empty
    store.engine.dispose()

    path.write_bytes(xlsx({"季度数据": [[TITLE], ["单位代码", "单位名称", "会员人数"], ["X" * 64, "长" * 200, 5]]}))
    code, out, err = cli(path, "--db", db_url, "--allow-new-units", "--commit", "--json", "--user", "u" * 100)
    assert code == 0 and json.loads(out)["committed"], err
    store = open_store(db_url)
    assert ("X" * 64, "长" * 200) in set(zip(store.units()["code"], store.units()["name_zh"]))
    assert store.uploads()["uploader"].tolist() == ["u" * 100]
    store.engine.dispose()
