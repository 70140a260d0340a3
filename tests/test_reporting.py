"""The reporting season (issue 10 items 3 and 4): reporting status and on-time rates on a generated
season (some units late, some missing, one returned), the 催报 list and its exports, review and
lock with the audit trail (upload, dry run, withdraw and restore refused in a locked quarter;
unlock with a reason), on SQLite and PostgreSQL, and ``python -m reports reporting``."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import docx
import openpyxl
import pandas as pd
import pytest

import resources
from ingest.importer import ImportRefused, commit, prepare
from metrics import goals, reporting
from reports import reporting as season_report
from store import db as store_db
from store.db import NewUpload, PeriodLocked, open_store
from tests.ingest_fixtures import TITLE, xlsx

TREE = pd.DataFrame({
    "code": ["F", "A", "B", "A1", "A2", "B1", "B2"],
    "name_zh": ["街道总工会", "甲社区", "乙社区", "甲一厂", "甲二厂", "乙一厂", "=乙二厂"],
    "parent": ["", "F", "F", "A", "A", "B", "B"],
    "level": ["federation", "community", "community", "enterprise", "enterprise", "enterprise", "enterprise"],
    "active_from": ["", "2017Q1", "2017Q1", "2017Q1", "2017Q1", "2017Q1", "2017Q1"],
})


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)


def send(store, monkeypatch, units: list[str], day: str, name: str, period: str = "2017Q1",
         indicators=("members", "trainees")) -> int:
    """An upload of ``units``' values for ``period``, stored as if on ``day``."""
    monkeypatch.setattr(store_db, "now", lambda: at(day))
    rows = [{"unit": u, "indicator": i, "period": period, "value": 10.0, "approximate": False}
            for u in units for i in indicators]
    return store.add_upload(NewUpload(name, f"{name}{units}{day}".encode(), "clerk1", pd.DataFrame(rows), period))


@pytest.fixture(params=["sqlite", "postgresql"])
def season_store(request, sqlite_url, monkeypatch):
    """The generated season of 2017Q1 (deadline 2017-04-10): A and A1 on time, B late, B1 on
    time but returned, A2 and B2 missing."""
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("pg_url")
    store = open_store(url)
    store.add_units(TREE)
    send(store, monkeypatch, ["A", "A1"], "2017-04-05", "a.xlsx")
    send(store, monkeypatch, ["B1"], "2017-04-08", "b1.xlsx", indicators=("members",))
    send(store, monkeypatch, ["B"], "2017-04-20", "b.xlsx")
    monkeypatch.setattr(store_db, "now", lambda: at("2017-04-21"))
    store.review(["B1"], "2017Q1", "return", "admin", comment="会员人数与上季度相差太大，请核实")
    monkeypatch.undo()
    yield store
    store.engine.dispose()


def test_reporting_status_and_on_time_rates_of_a_generated_season(season_store):
    store = season_store
    status = reporting.unit_status(store.observations(), store.uploads(), store.units(), "2017Q1",
                                   store.reviews(), store.deadlines()).set_index("unit")
    assert list(status.index) == ["A", "B", "A1", "A2", "B1", "B2"]  # F never reports and has no span
    assert status["state"].to_dict() == {"A": "reported", "B": "reported", "A1": "reported", "A2": "missing",
                                         "B1": "returned", "B2": "missing"}
    assert status["on_time"].to_dict() == {"A": True, "B": False, "A1": True, "A2": False, "B1": True, "B2": False}
    assert status.loc["B1", "comment"] == "会员人数与上季度相差太大，请核实"
    assert status.loc["B1", "filled"] == 1 and status.loc["A", "filled"] == 2 and status.loc["A2", "filled"] == 0
    assert status.loc["B", "filename"] == "b.xlsx" and status.loc["B", "uploader"] == "clerk1"
    assert status.loc["A", "deadline"] == date(2017, 4, 10)
    rates = reporting.rates(status.reset_index(), goals.ancestors(store.units())).set_index("unit")
    assert rates.loc["F", ["EXPECTED_REPORTS", "ACTUAL_REPORTS", "ACTUAL_REPORTS_ON_TIME"]].tolist() == [6, 4, 3]
    assert rates.loc["F", "REPORTING_RATE"] == pytest.approx(4 / 6 * 100)
    assert rates.loc["F", "REPORTING_RATE_ON_TIME"] == pytest.approx(50.0)
    assert rates.loc["A", "REPORTING_RATE"] == pytest.approx(2 / 3 * 100)
    assert rates.loc["B", "REPORTING_RATE_ON_TIME"] == pytest.approx(1 / 3 * 100)
    assert rates.loc["B", "returned"] == 1


def test_a_later_deadline_makes_the_late_unit_on_time_and_is_audited(season_store):
    store = season_store
    store.set_deadline("2017Q1", date(2017, 4, 30), actor="admin")
    s = season_report.season(store, "2017Q1")
    assert s.deadline == date(2017, 4, 30)
    assert s.status.set_index("unit").loc["B", "on_time"]
    audit = store.audit_log()
    assert (audit["action"] == "deadline.set").any()


def test_a_returned_unit_that_sends_again_is_reported_again(season_store, monkeypatch):
    store = season_store
    send(store, monkeypatch, ["B1"], "2017-04-22", "b1-fixed.xlsx")
    state = reporting.unit_status(store.observations(), store.uploads(), store.units(), "2017Q1",
                                  store.reviews()).set_index("unit")
    assert state.loc["B1", "state"] == "reported" and state.loc["B1", "filename"] == "b1-fixed.xlsx"
    assert state.loc["B1", "on_time"]  # its first report came before the deadline


def test_chase_list_names_each_missing_unit_with_its_clerk_and_exports(season_store):
    store = season_store
    from auth import hash_password

    store.add_user("wang", "王芳", "clerk", hash_password("pw-123456789"), actor="admin")
    store.set_user_units("wang", ["B"], actor="admin")  # a community's clerk covers its enterprises
    s = season_report.season(store, "2017Q1")
    chase = s.chase.set_index("unit")
    assert list(chase.index) == ["A2", "B1", "B2"]
    assert chase.loc["B2", "clerk"] == "王芳" and chase.loc["B1", "clerk"] == "王芳" and chase.loc["A2", "clerk"] == ""
    assert chase.loc["B2", "community"] == "乙社区"
    book = openpyxl.load_workbook(io.BytesIO(season_report.chase_xlsx(s)))
    rows = [[c.value for c in r] for r in book.active.iter_rows()]
    assert rows[1][:2] == ["单位代码", "单位名称"]
    assert ["B2", "'=乙二厂", "乙社区", "未报", "王芳", None] in rows  # formula-safe text
    notice = docx.Document(io.BytesIO(season_report.chase_docx(s)))
    text = "\n".join(p.text for p in notice.paragraphs)
    assert "2017年第一季度" in text and "3 个单位" in text
    cells = [c.text for t in notice.tables for r in t.rows for c in r.cells]
    assert "甲二厂" in cells and "王芳" in cells


def test_approved_quarter_is_locked_until_unlocked_with_a_reason(season_store, monkeypatch):
    store = season_store
    assert store.review(["A", "A1"], "2017Q1", "approve", "admin") == 2
    before = store.observations()
    uploads_before = len(store.uploads())
    with pytest.raises(PeriodLocked) as exc:
        send(store, monkeypatch, ["A1", "A2"], "2017-05-01", "again.xlsx")
    assert exc.value.pairs == [("A1", "2017Q1")]
    assert len(store.uploads()) == uploads_before and len(store.observations()) == len(before)
    first = int(store.uploads().sort_values("id")["id"].iloc[0])  # a.xlsx: A and A1
    with pytest.raises(PeriodLocked):
        store.withdraw([first], "admin", reason="wrong file")
    assert first in store.active_upload_ids()
    with pytest.raises(ValueError):
        store.review(["A1"], "2017Q1", "unlock", "admin")  # no reason
    assert store.review(["A1"], "2017Q1", "unlock", "admin", comment="企业更正会员数") == 1
    send(store, monkeypatch, ["A1", "A2"], "2017-05-01", "again.xlsx")
    status = reporting.unit_status(store.observations(), store.uploads(), store.units(), "2017Q1",
                                   store.reviews()).set_index("unit")
    assert status.loc["A", "state"] == "approved" and status.loc["A1", "state"] == "reported"
    history = store.reviews()
    assert history["action"].tolist() == ["return", "approve", "approve", "unlock"]  # append-only
    assert history.iloc[-1][["unit", "actor", "comment"]].tolist() == ["A1", "admin", "企业更正会员数"]
    audit = store.audit_log()
    unlock = audit[audit["action"] == "review.unlock"].iloc[0]
    assert json.loads(unlock["detail"]) == {"period": "2017Q1", "units": ["A1"], "comment": "企业更正会员数"}


C01 = "卢沟桥社区联合工会"


def test_an_upload_into_a_locked_quarter_is_refused_at_the_dry_run_and_the_commit(sqlite_url):
    store = open_store(sqlite_url)
    store.add_units(resources.example_units())
    sheet = xlsx({"季度数据": [[TITLE], ["单位名称", "会员人数"], [C01, 120]]})
    ready = prepare(store, sheet, "a.xlsx")  # dry run before the approval
    store.review(["C01"], "2016Q1", "approve", "admin")
    again = prepare(store, sheet, "a.xlsx")
    assert not again.report.ok and again.report.codes()[0] == "period_locked"
    message = again.report.errors[0].message("zh")
    assert "该季度数据已审核锁定，如需修改请联系管理员" in message and C01 in message and "2016Q1" in message
    with pytest.raises(ImportRefused) as exc:
        commit(store, ready, "clerk1")  # approved between the dry run and the commit
    assert exc.value.reason == "locked" and exc.value.pairs == [("C01", "2016Q1")]
    assert store.is_empty()
    store.engine.dispose()


def test_reporting_command_prints_the_same_numbers(season_store, capsys):
    from reports.__main__ import main

    url = season_store.engine.url.render_as_string(hide_password=False)
    assert main(["reporting", "--period", "2017Q1", "--db", url, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["EXPECTED_REPORTS"], out["ACTUAL_REPORTS"], out["ACTUAL_REPORTS_ON_TIME"]) == (6, 4, 3)
    assert out["REPORTING_RATE_ON_TIME"] == pytest.approx(50.0) and out["deadline"] == "2017-04-10"
    assert [u["unit"] for u in out["chase"]] == ["A2", "B1", "B2"]
    assert {c["unit"] for c in out["communities"]} == {"A", "B"}
    assert main(["reporting", "--period", "2017Q1", "--db", url]) == 0
    text = capsys.readouterr().out
    assert "已报 4/6" in text and "催报名单：3 个单位" in text
    with pytest.raises(SystemExit):
        main(["reporting", "--period", "2017-1", "--db", url])


def test_reporting_command_options_are_in_the_readme():
    import re
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-m", "reports", "reporting", "--help"], cwd=root, capture_output=True,
                         text=True, check=True).stdout
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert "python -m reports reporting --period QUARTER [--db URL] [--json] [--lang en]" in readme
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", out)) - {"--help"}
    assert options == {"--period", "--db", "--json", "--lang"}
