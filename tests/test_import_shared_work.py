"""A district's quarterly file through the command line does each piece of work once (issue 12,
item 4): the dry run asks for the stored values of the units the file names, however many rows
it has; a commit's roll-up makes each chunk's expected reporters and carried pairs once for its
own rows and its coverage, and what it stores still equals a recomputation."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

import resources
from ingest.importer import dry_run
from ingest.template import header_text
from metrics import periods as P
from metrics import rollup
from store import summary
from store.db import NewUpload, open_store

CATALOG = resources.catalog()
ROWS = 2_100  # past ingest.importer.UNIT_FILTER_LIMIT rows


def _workbook(names: list[str], codes: list[str] | None = None) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("季度数据")
    ws.append(["卢沟桥街道总工会 2016年第1季度 工会工作统计表"])
    ws.append(["单位代码", "单位名称", header_text(CATALOG["members"]), header_text(CATALOG["employees"])])
    for n, name in enumerate(names):
        ws.append([codes[n] if codes else "", name, float(n % 40), float(n % 40 + 10)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _asking():
    asked = []
    empty = pd.DataFrame(columns=["unit", "indicator", "period", "value", "approximate"])

    def current(periods, named, own, beside):
        asked.append((named, beside))
        return empty
    return asked, current


def test_a_file_of_2100_units_the_tree_lacks_reads_no_stored_values():
    # the whole district's stored quarter was read (1 s and 700,000 kept checks at M) for a file
    # whose units are all new, because the file had more than 2,000 rows
    asked, current = _asking()
    prepared = dry_run(_workbook([f"新企业{i}工会" for i in range(ROWS)]), "2016Q1.xlsx", catalog=CATALOG,
                       units=resources.example_units(), current=current, allow_new_units=True)
    assert asked == [(set(), set())]
    assert prepared.report.ok and prepared.report.counts["new"] == ROWS * 2
    assert len(prepared.new_units) == ROWS and prepared.report.kept == []


def test_a_file_of_2100_stored_units_still_reads_every_unit_of_its_quarters():
    codes = [f"X{i:05d}" for i in range(ROWS)]
    units = pd.concat([resources.example_units(), pd.DataFrame({
        "code": codes, "name_zh": [f"企业{c}工会" for c in codes], "name_en": "", "parent": "LGQ",
        "level": "enterprise", "is_example": False})], ignore_index=True)
    asked, current = _asking()
    prepared = dry_run(_workbook([f"企业{c}工会" for c in codes], codes), "2016Q1.xlsx", catalog=CATALOG,
                       units=units, current=current)
    assert asked == [(None, None)]  # one scan of the quarters, not a list of 2,100 units
    assert prepared.report.ok and set(prepared.values["unit"]) == set(codes)


def _random_state(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A community's enterprises with spans (started, closed, merged) and a window of values
    with gaps (so stocks are carried), as store.summary hands them to the roll-up."""
    rng = np.random.default_rng(seed)
    quarters = P.span("2016Q1", "2018Q4")
    codes = [f"E{i:02d}" for i in range(12)]
    pick = lambda: quarters[int(rng.integers(0, len(quarters)))]  # noqa: E731
    units = pd.DataFrame({"code": codes, "parent": "C0", "level": "enterprise",
                          "active_from": [pick() if rng.random() < 0.3 else "" for _ in codes],
                          "active_until": [pick() if rng.random() < 0.2 else "" for _ in codes],
                          "merged_into": ["E00" if rng.random() < 0.15 else "" for _ in codes]})
    rows = [(c, ind, q, float(rng.integers(0, 50)), bool(rng.random() < 0.1))
            for c in codes for q in quarters if rng.random() < 0.55
            for ind in ("members", "employees", "cadre_training_completed", "cadre_training_assigned", "member_cards")
            if rng.random() < 0.8]
    obs = pd.DataFrame(rows, columns=["unit", "indicator", "period", "value", "approximate"])
    return units, obs[obs["period"] >= "2016Q3"].reset_index(drop=True)  # a window, as a chunk reads


@pytest.mark.parametrize("seed", range(12))
def test_own_rows_and_coverage_made_together_equal_each_made_alone(seed):
    units, obs = _random_state(seed)
    first, last = "2016Q1", "2019Q2"  # the first and latest quarter anyone reported
    own_sum, own_cov = rollup.own_parts(obs, units, CATALOG, first, last)
    pd.testing.assert_frame_equal(own_sum, rollup.own_quarterly(obs, units, CATALOG, last=last))
    pd.testing.assert_frame_equal(own_cov, rollup.own_coverage(obs, units, first, last))
    assert own_cov["carried"].sum() > 0  # the carry was exercised


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'c.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("pg_url")


def test_a_commit_makes_each_chunks_expected_reporters_once(db_url, monkeypatch):
    store = open_store(db_url)
    try:
        tree = pd.DataFrame([("F", "", "federation"), ("C0", "F", "community"), ("C1", "F", "community")],
                            columns=["code", "parent", "level"])
        store.add_units(tree.assign(name_zh=tree["code"] + "名", name_en=tree["code"]))
        codes = [f"N{i:02d}" for i in range(20)]
        new = pd.DataFrame({"code": codes, "name_zh": [f"新企业{c}" for c in codes], "name_en": "",
                            "parent": [f"C{i % 2}" for i in range(20)], "level": "enterprise"})
        values = pd.DataFrame([(c, ind, q, float(i + 3), False) for i, c in enumerate(codes)
                               for ind in ("members", "employees") for q in ("2016Q1", "2016Q2")
                               if not (q == "2016Q2" and i % 3 == 0)],  # a third carried into 2016Q2
                              columns=["unit", "indicator", "period", "value", "approximate"])
        made = {"expected": 0, "carried": 0}
        expected, carried = rollup.expected_reporters, rollup.carried_pairs

        def counting_expected(*args, **kwargs):
            made["expected"] += 1
            return expected(*args, **kwargs)

        def counting_carried(*args, **kwargs):
            made["carried"] += 1
            return carried(*args, **kwargs)

        monkeypatch.setattr(summary, "UNIT_CHUNK", 8)
        monkeypatch.setattr(rollup, "expected_reporters", counting_expected)
        monkeypatch.setattr(rollup, "carried_pairs", counting_carried)
        store.add_upload(NewUpload("new.xlsx", b"new units", "clerk", values, "2016Q1", new_units=new))
        monkeypatch.setattr(rollup, "expected_reporters", expected)
        monkeypatch.setattr(rollup, "carried_pairs", carried)

        # chunks: 20 enterprises by 8 (3), the 2 communities (1), the federation (1)
        assert made == {"expected": 5, "carried": 5}, made
        assert summary.check(store) == []
        c1 = store.unit_quarterly("C1").set_index(["indicator", "period"])
        assert c1.loc[("members", "2016Q2"), "carried_units"] == 3  # N03, N09, N15 carried
    finally:
        store.engine.dispose()
