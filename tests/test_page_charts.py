"""Charts with one row per unit or goal stay quick with many rows.

A federation's indicator page at district scale draws one bar per child unit (2,000 at L);
each unit with no value gets a note instead of a bar. Plotly's ``add_annotation`` re-validates
every earlier annotation, so adding them one by one was quadratic: 36 s for 1,000 units with no
value, on every visit after an upload left many units without figures. The notes are now set
in one assignment. (Speed itself is measured in benchmarks/; these tests pin the structure and
that every note is still there, in its row.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.basedatatypes as pbd
import pytest

import charts


@pytest.fixture
def no_annotation_one_by_one(monkeypatch):
    calls = []
    real = pbd.BaseFigure._add_annotation_like

    def counted(self, *a, **k):
        calls.append(1)
        return real(self, *a, **k)

    monkeypatch.setattr(pbd.BaseFigure, "_add_annotation_like", counted)
    return calls


def test_units_without_a_value_each_get_their_note_in_one_go(no_annotation_one_by_one):
    n = 1_500
    frame = pd.DataFrame({
        "unit": [f"U{i:04d}" for i in range(n)],
        "progress": [np.nan if i % 3 else 0.4 + i / 10_000 for i in range(n)],
        "status": ["no_data" if i % 3 else "on_track" for i in range(n)],
    })
    names = [f"企业{i:04d}" for i in range(n)]
    fig = charts.units_progress_chart(frame, names=names, value="progress", unit="%", lang="zh")

    assert no_annotation_one_by_one == []  # not added one by one
    notes = {a.y: a.text for a in fig.layout.annotations}
    missing = {names[i] for i in range(n) if i % 3}
    assert set(notes) == missing  # one note per unit with no value, on its own row
    assert set(notes.values()) == {charts.status_label("no_data", "zh")}
    assert list(fig.data[0].y) == names[::-1]  # every unit keeps its row, first on top


def test_progress_board_writes_every_goals_words_beside_its_bar(no_annotation_one_by_one):
    n = 300
    rows = pd.DataFrame({
        "progress": [0.5 if i % 2 else np.nan for i in range(n)],
        "elapsed": [0.6] * n,
        "status": ["behind" if i % 2 else "no_data" for i in range(n)],
        "outlook": ["unlikely"] * n,
        "target_type": ["increase" if i % 2 else "direction" for i in range(n)],
    })
    names = [f"指标{i}" for i in range(n)]
    fig = charts.progress_board_chart(rows, names=names, lang="zh")

    assert no_annotation_one_by_one == []
    words = {a.y: (a.text, a.x) for a in fig.layout.annotations}
    assert set(words) == set(names)
    assert words["指标1"] == (f"50.0%  {charts.status_label('behind', 'zh')}", 60.0)  # right of the elapsed tick
    assert words["指标0"][0] == f"{charts.status_label('no_data', 'zh')} · {charts.outlook_label('unlikely', 'zh')}"
