"""The second line behind the guard: the spreadsheet library runs in a child process, so a
native abort, a runaway allocation or a hang refuses the file and the caller (the Streamlit
server) goes on."""

from __future__ import annotations

import faulthandler
import os
import time

import pytest

from ingest import isolate
from ingest.report import UnreadableFile


def _abort():
    faulthandler.disable()  # pytest's fault handler would print the child's stack to the test log
    os.abort()  # what python-calamine does when an allocation of 512 GB fails


def _allocate():
    return b"x" * (8 << 30)  # over the child's address-space limit


def _hang():
    time.sleep(30)


def _refuse():
    raise UnreadableFile("too_many_rows", "季度数据!A70000", rows=70000, limit=60000)


@pytest.mark.parametrize("fn", [_abort, _allocate], ids=["native_abort", "huge_allocation"])
def test_a_child_that_dies_refuses_the_file_and_the_caller_survives(fn):
    with pytest.raises(UnreadableFile) as caught:
        isolate.run_limited(fn, where="2016Q1.xlsx")
    assert caught.value.finding.code == "read_limit" and caught.value.finding.where == "2016Q1.xlsx"
    assert "2016Q1.xlsx" in caught.value.finding.message("zh")


def test_a_child_past_the_time_limit_is_killed():
    start = time.monotonic()
    with pytest.raises(UnreadableFile) as caught:
        isolate.run_limited(_hang, where="slow.xlsx", timeout=1)
    assert caught.value.finding.code == "read_limit"
    assert time.monotonic() - start < 5


def test_results_and_refusals_come_back_from_the_child():
    assert isolate.run_limited(lambda a: [[a, 1.5, None]], "x", where="f") == [["x", 1.5, None]]
    with pytest.raises(UnreadableFile) as caught:
        isolate.run_limited(_refuse, where="f")
    assert (caught.value.finding.code, caught.value.finding.where) == ("too_many_rows", "季度数据!A70000")
