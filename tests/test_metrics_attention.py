"""需关注 (metrics/attention.py): which goals, in which order, their lagging units and what slipped."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from metrics import attention


def goal(indicator, status, progress, elapsed=0.4, attribute="预期性", outlook="acceleration_needed", alert=None):
    if alert is None:
        bad = status in ("behind", "far_behind", "regressing") or (status == "direction_only" and outlook == "deteriorating")
        alert = ("critical" if attribute == "约束性" else "warning") if bad else ""
    return {"indicator": indicator, "status": status, "outlook": outlook, "alert": alert, "attribute": attribute,
            "target_type": "level", "base": 1.0, "current": 2.0, "target": 3.0, "progress": progress,
            "elapsed": elapsed, "observed_growth": math.nan, "required_growth": math.nan, "period": "2017Q4",
            "approximate": False}


NOW = pd.DataFrame([
    goal("a", "ahead", 0.5),
    goal("b", "behind", 0.30),                         # expected, gap 0.10
    goal("c", "far_behind", 0.10),                     # expected, gap 0.30
    goal("d", "behind", 0.35, attribute="约束性"),      # binding, gap 0.05
    goal("e", "direction_only", math.nan, outlook="deteriorating"),
    goal("f", "on_track", 0.38),
])


def test_binding_goals_come_first_then_the_largest_gap():
    out = attention.attention_list(NOW)
    assert list(out["indicator"]) == ["d", "c", "b", "e"]
    assert list(out["binding"]) == [True, False, False, False]
    assert out["gap"].iloc[:3].round(6).tolist() == [0.05, 0.3, 0.1]
    assert math.isnan(out["gap"].iloc[3])


def test_goals_on_pace_are_not_listed():
    out = attention.attention_list(NOW)
    assert not {"a", "f"} & set(out["indicator"])


def test_a_goal_whose_status_got_worse_since_last_quarter_has_slipped():
    before = NOW.assign(status=["ahead", "on_track", "far_behind", "behind", "direction_only", "ahead"])
    out = attention.attention_list(NOW, before).set_index("indicator")
    assert out.loc["b", "slipped"] and out.loc["b", "status_before"] == "on_track"
    assert not out.loc["c", "slipped"] and not out.loc["d", "slipped"]
    assert attention.slipped_goals(NOW, before) == ["b", "f"]  # f slipped but is not below pace


def test_no_previous_quarter_means_nothing_slipped():
    out = attention.attention_list(NOW, None)
    assert not out["slipped"].any() and set(out["status_before"]) == {""}


def test_lagging_units_are_the_worst_three_below_pace():
    grid = pd.DataFrame([dict(goal("b", s, p), unit=u) for u, s, p in [
        ("U1", "behind", 0.30), ("U2", "far_behind", 0.05), ("U3", "on_track", 0.39),
        ("U4", "regressing", -0.5), ("U5", "behind", 0.25), ("U6", "behind", 0.31)]])
    out = attention.attention_list(NOW, None, grid).set_index("indicator")
    assert [u["unit"] for u in out.loc["b", "lagging"]] == ["U4", "U2", "U5"]
    assert out.loc["b", "lagging_count"] == 5
    assert out.loc["c", "lagging"] == [] and out.loc["c", "lagging_count"] == 0


@pytest.mark.parametrize("progress, elapsed, expected", [(0.32, 0.45, 0.13), (0.5, 0.4, -0.1), (-0.2, 0.4, 0.6)],
                         ids=["behind", "ahead", "went_backwards"])
def test_gap_is_elapsed_minus_progress(progress, elapsed, expected):
    assert attention.gap(progress, elapsed) == pytest.approx(expected)


def test_inputs_are_not_changed():
    copy = NOW.copy()
    attention.attention_list(NOW, NOW)
    pd.testing.assert_frame_equal(NOW, copy)
