"""The units grid's bulk paths (issue 12, item 4) give exactly what the per-row pandas calls
they replace gave: goal groups, the judgement's per-unit look-ups, the status frames and the
cell words, including missing values and units asked for twice."""

from __future__ import annotations

import numpy as np
import pandas as pd

import tables
from metrics import grid as G
from metrics import unitgrid as UG


def test_goal_groups_are_the_frames_groupby_of_indicator_target_type_and_direction():
    rng = np.random.default_rng(7)
    n = 5_000
    cols = [rng.choice(np.array(words, dtype=object), n) for words in
            (["members", "trainees", "card_rate", "a_b"], ["level", "cumulative", "direction"], ["", "raise", "keep"])]
    want = pd.DataFrame({"i": cols[0], "t": cols[1], "d": cols[2]}).groupby(["i", "t", "d"], sort=False).indices
    got = G._groups(*cols)
    assert set(got) == set(want)
    for key, pos in want.items():
        np.testing.assert_array_equal(got[key], pos)
    assert G._groups(*(np.array([], dtype=object),) * 3) == {}


def _evaluated(statuses: list, units: list[str], goals: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"unit": np.repeat(units, len(goals)), "indicator": goals * len(units),
                         "status": statuses, "outlook": list(reversed(statuses))})


def _old_status_frames(ev: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    units, goals = pd.unique(ev["unit"].to_numpy(object)), pd.unique(ev["indicator"].to_numpy(object))
    index, columns = pd.Index(units, name="unit"), pd.Index(goals, name="indicator")
    return tuple(pd.DataFrame(ev[c].to_numpy(dtype=object).reshape(len(units), len(goals)), index=index,
                              columns=columns) for c in ("status", "outlook"))


def test_the_status_frames_equal_the_folded_columns_with_and_without_missing_codes():
    units, goals = ["U1", "U2", "U3"], ["members", "trainees"]
    words = ["on_track", "behind", "no_data", "achieved", "far_behind", "on_track"]
    for statuses in (words, words[:2] + [None] + words[3:]):
        ev = _evaluated(statuses, units, goals)
        for got, want in zip(UG.status_frames(ev), _old_status_frames(ev)):
            pd.testing.assert_frame_equal(got, want)


def test_the_cell_words_equal_a_look_up_per_cell_including_empty_cells():
    ev = _evaluated(["on_track", "behind", None, "achieved", "far_behind", "on_track"], ["U1", "U2", "U3"],
                    ["members", "trainees"])
    grid = tables.grid_cells(*UG.status_frames(ev))
    labels = {c: f"<{c}>" for c in pd.unique(grid.to_numpy().ravel()) if isinstance(c, str) and c != "behind"}
    want = grid.map(lambda c: labels.get(c, "") if isinstance(c, str) else "")
    pd.testing.assert_frame_equal(tables._cell_words(grid, labels), want)
    assert grid[("members", "outlook")].tolist()[0] == "outlook:on_track"
    empty = grid.iloc[:0]
    pd.testing.assert_frame_equal(tables._cell_words(empty, labels),
                                  empty.map(lambda c: labels.get(c, "") if isinstance(c, str) else ""))
