"""The loading boundary: the only place with Streamlit caches.

Everything is keyed by the database URL and the store's data version, so a new upload, a
withdrawal or a target edit shows on the next rerun without a restart. Metric, chart and
report functions stay undecorated so tests and the report builder reuse them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Callable, NamedTuple

import pandas as pd
import streamlit as st

import bootstrap
import resources
from metrics import rollup
from ui import speaking
from ingest import scope as _store_scope
from store.db import Store, database_url, open_store


@st.cache_resource(show_spinner="正在准备数据库… / Preparing the database…")
def _store(url: str) -> Store:
    store = open_store(url)
    bootstrap.ensure_example_data(store)
    return store


def store() -> Store:
    """The store for ``$UNION_DB_URL``, with the example data loaded on first start."""
    return _store(database_url())


def version() -> tuple:
    return (database_url(), store().data_version())


# Shared read-only (st.cache_resource: the same frame every call, no copy per hit; callers must
# not change it), so ui.unit_names' per-frame name table is built once per data version, not
# on every rerun (22,001 units at L).
@st.cache_resource(show_spinner=False, max_entries=4)
def _units(key: tuple) -> pd.DataFrame:
    return store().units()


@st.cache_resource(show_spinner=False, max_entries=64)
def _scoped_units(key: tuple, allowed: frozenset) -> pd.DataFrame:
    full = _units(key)
    return full[full["code"].isin(allowed)].reset_index(drop=True)


def units() -> pd.DataFrame:
    """The org tree (code, name_zh, name_en, parent, level, is_example): for a clerk only the
    units she may see (:func:`scope`). Shared read-only: do not change it."""
    allowed = scope()
    key = version()
    return _units(key) if allowed is None else _scoped_units(key, allowed)


@st.cache_resource(show_spinner=False, max_entries=64)
def _unit_labels(key: tuple, allowed: frozenset | None, lang: str) -> tuple[list[str], dict[str, str]]:
    from ui import unit_names

    frame = _units(key) if allowed is None else _scoped_units(key, allowed)
    depth = {"federation": "", "community": "\u3000", "enterprise": "\u3000\u3000"}
    names = unit_names(frame, lang)
    labels = {c: depth.get(lv, "") + names.get(c, c) for c, lv in zip(frame["code"], frame["level"])}
    return list(frame["code"]), labels


def unit_labels(lang: str) -> tuple[list[str], dict[str, str]]:
    """The sidebar unit picker's options (codes in tree order) and ``{code: indented name}``,
    built once per data version, scope and language (not every unit formatted on each rerun)."""
    return _unit_labels(version(), scope(), lang)


class PickerTree(NamedTuple):
    """The sidebar's two-step unit picker (unit_picker.py) over the units a user may see:
    ``groups`` the top units and the units directly below them (the federation and its
    communities), in tree order; ``group_of`` each unit's group (a top unit or a unit directly
    below one: itself); ``members`` each group's own list, the group first, then every unit
    below it in tree order; ``depth`` each unit's depth (0: a top unit). Shared read-only."""

    groups: tuple
    group_of: dict
    members: dict
    depth: dict


@st.cache_resource(show_spinner=False, max_entries=64)
def _picker_tree(key: tuple, allowed: frozenset | None) -> PickerTree:
    frame = _units(key) if allowed is None else _scoped_units(key, allowed)
    codes = [str(c) for c in frame["code"].tolist()]
    parent = dict(zip(codes, (str(p) for p in frame["parent"].fillna("").tolist())))
    depth: dict[str, int] = {}

    def depth_of(code: str) -> int:  # a unit whose parent is not listed is a top unit (depth 0)
        chain, node = [], code
        while node not in depth:
            chain.append(node)
            up = parent.get(node, "")
            if up not in parent or up in chain:  # a top unit (or a loop, which the store refuses)
                depth[chain.pop()] = 0
                break
            node = up
        d = depth[node]
        for c in reversed(chain):
            d += 1
            depth[c] = d
        return depth[code]

    group_of: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    groups = []
    for code in codes:
        if depth_of(code) <= 1:
            group_of[code] = code
            groups.append(code)
            members.setdefault(code, [code])
        else:
            node = code
            while depth[node] > 1:
                node = parent[node]
            group_of[code] = node
            members.setdefault(node, [node]).append(code)
    return PickerTree(tuple(groups), group_of, {g: tuple(m) for g, m in members.items()}, depth)


def picker_tree() -> PickerTree:
    """:class:`PickerTree` of the units this session's user may see, built once per data
    version and scope."""
    return _picker_tree(version(), scope())


# ---- the user's unit scope (issue 10) --------------------------------------------------------
# Every public loader below filters by the signed-in user's scope, read from the database on
# each call (never from a widget or a session value the browser could set); the cached
# functions compute on the whole tree and never call the filtered loaders, so one user's scope
# cannot leak into another's cached result.
class OutOfScope(PermissionError):
    """A unit the signed-in user may not see was asked for (a stale picker, a URL, session state)."""

    def __init__(self, unit: str):
        super().__init__(unit)
        self.unit = unit


@st.cache_data(show_spinner=False, max_entries=256)
def _scopes(key: tuple, username: str, role: str | None) -> tuple[frozenset | None, frozenset | None]:
    full = _units(key)
    return (_store_scope.upload_scope(store(), username, full, role),
            _store_scope.view_scope(store(), username, full, role))


def _user() -> str | None:
    state = st.session_state
    return None if state.get("single_user") else state.get("user")


def _role() -> str | None:
    """The role signin.current read from the database on this rerun (a leader or an
    administrator is not limited; anything else unknown counts as a clerk)."""
    role = st.session_state.get("role")
    return role if role in ("leader", "admin") else "clerk"


def scope() -> frozenset | None:
    """The units whose figures this session's user may see; None: every unit."""
    user = _user()
    return None if not user else _scopes(version(), user, _role())[1]


def upload_scope() -> frozenset | None:
    """The units this session's user may upload for; None: any."""
    user = _user()
    return None if not user else _scopes(version(), user, _role())[0]


def check_unit(unit: str) -> str:
    """``unit`` if this session's user may see it; else :class:`OutOfScope`."""
    allowed = scope()
    if allowed is not None and unit not in allowed:
        raise OutOfScope(unit)
    return unit


def _in_scope(frame: pd.DataFrame, column: str = "unit") -> pd.DataFrame:
    allowed = scope()
    if allowed is None or column not in frame:
        return frame
    return frame[frame[column].isin(allowed)].reset_index(drop=True)


def _full_units() -> pd.DataFrame:
    return _units(version())


def _full_observations() -> pd.DataFrame:
    return _observations(version())


@st.cache_data(show_spinner=False)
def _observations(key: tuple) -> pd.DataFrame:
    return rollup.current(store().observations())


def observations() -> pd.DataFrame:
    """The values that count now: latest active upload per unit, indicator and quarter (for a
    clerk: of the units she may see)."""
    return _in_scope(_observations(version()))


# One unit's roll-up and coverage, read from the summary tables the store keeps (issue 12): a
# few hundred rows, shared read-only by every session of the process (st.cache_resource hands
# back the same frame, no copy); the key holds the data version, so a write reads exactly the
# new rows. Callers must not change these frames.
@st.cache_resource(show_spinner=False, max_entries=512)
def _quarterly(key: tuple, unit: str) -> pd.DataFrame:
    return store().unit_quarterly(unit)


@st.cache_resource(show_spinner=False, max_entries=512)
def _coverage(key: tuple, unit: str) -> pd.DataFrame:
    return store().coverage(unit)


@st.cache_resource(show_spinner=False, max_entries=256)
def _quarters(key: tuple, allowed: frozenset | None) -> list[str]:
    return store().quarters(None if allowed is None else sorted(allowed))


def quarters() -> list[str]:
    """The quarters with figures that count, oldest first (for a clerk: of her units)."""
    return list(_quarters(version(), scope()))


@st.cache_resource(show_spinner=False, max_entries=256)
def _source_uploads(key: tuple, unit: str, indicators: tuple, start: str, end: str) -> frozenset:
    return frozenset(store().source_uploads(unit, indicators, start, end))


def source_uploads(unit: str, indicator: str, start: str, end: str) -> set[int]:
    """The uploads behind ``indicator`` (a rate: its parts) for ``unit`` and the units below it
    over ``start``..``end`` (metrics.goals.source_indicators), read from the current values."""
    codes = tuple(sorted(_goals.source_indicators(resources.catalog(), indicator)))
    return set(_source_uploads(version(), check_unit(unit), codes, start, end))


def coverage(unit: str) -> pd.DataFrame:
    """Per quarter: how many of ``unit``'s units reported, and whether the quarter is complete."""
    return _coverage(version(), check_unit(unit))


def quarterly(unit: str) -> pd.DataFrame:
    """Every indicator per quarter for ``unit`` with all its descendants."""
    return _quarterly(version(), check_unit(unit))


@st.cache_data(show_spinner=False)
def _uploads(key: tuple) -> pd.DataFrame:
    return store().uploads()


@st.cache_resource(show_spinner=False, max_entries=64)
def _upload_ids_of(key: tuple, allowed: frozenset) -> frozenset:
    # the uploads holding a value of her units (one DISTINCT query), not every stored value
    return frozenset(store().upload_ids_of_units(allowed))


def uploads() -> pd.DataFrame:
    """The uploads (for a clerk: those with figures of units she may see)."""
    frame = _uploads(version())
    allowed = scope()
    if allowed is None:
        return frame
    ids = _upload_ids_of(version(), allowed)
    return frame[frame["id"].isin(ids)].reset_index(drop=True)


@st.cache_data(show_spinner=False)
def _has_example(key: tuple) -> bool:
    return store().has_example_data()


def has_example_data() -> bool:
    return _has_example(version())


@st.cache_data(show_spinner=False)
def _plans(key: tuple) -> pd.DataFrame:
    return store().plans()


def plans() -> pd.DataFrame:
    return _plans(version())


@st.cache_data(show_spinner=False)
def _targets(key: tuple, plan: str, history: bool) -> pd.DataFrame:
    return store().targets(plan, history=history)


def targets(plan: str, history: bool = False) -> pd.DataFrame:
    return _targets(version(), plan, history)


def clear() -> None:
    """Drop every cache (after a write the version changes anyway; tests call this)."""
    st.cache_data.clear()
    st.cache_resource.clear()


# ---- upload and history (quarterly spreadsheets) -----------------------------------------
@st.cache_data(show_spinner=False, max_entries=8)
def _dry_run(key: tuple, raw: bytes, filename: str, period: str | None, uploader: str | None = None):
    from ingest import importer

    return importer.prepare(store(), raw, filename, period=period, catalog=resources.catalog(), uploader=uploader)


def dry_run(raw: bytes, filename: str, period: str | None):
    """The import report and values of an uploaded file (nothing stored); cached per file and
    uploader (a clerk's rows of other units are refused, :func:`ingest.importer.scope_finding`)."""
    return _dry_run(version(), raw, filename, period, _user())


@st.cache_data(show_spinner=False, max_entries=16)
def _template(key: tuple, period: str, level: str | None, only: frozenset | None = None) -> bytes:
    from ingest import example, template

    frame = _full_units()
    fed = frame.loc[frame["level"] == "federation", "name_zh"]
    name = fed.iloc[0] if len(fed) else resources.FEDERATION_NAME
    listed = example.reporting_units(frame)
    if only is not None:
        listed = listed[listed["code"].isin(only)]
    return template.write_template(resources.catalog(), listed, period, name, level=level)


def template(period: str, level: str | None = None) -> bytes:
    """The .xlsx template for ``period`` with the units of ``level`` (all when None); for a
    clerk only her units."""
    return _template(version(), period, level, upload_scope())


#


#


# ---- progress against the five-year goals --------------------------------------------------
# (cached loaders for the progress, indicator, units and goals pages go here)
from metrics import goals as _goals  # noqa: E402
from metrics import periods as _periods  # noqa: E402


def root_unit() -> str:
    """The federation whose plan it is (:func:`metrics.rollup.root_unit`)."""
    return rollup.root_unit(_full_units())


def plan_info(plan: str) -> dict:
    """One plan's row (code, name_zh, name_en, start_period, end_period, base_period, ...)."""
    p = plans()
    row = p[p["code"] == plan]
    return row.iloc[0].to_dict() if len(row) else {}


def current_plan(quarter: str | None) -> str | None:
    """The plan whose span contains ``quarter`` (see metrics.goals.current_plan)."""
    return _goals.current_plan(plans(), quarter)


@st.cache_data(show_spinner=False)
def _plan_goals(key: tuple, plan: str) -> pd.DataFrame:
    info = plan_info(plan)
    return _goals.plan_goals(targets(plan), _quarterly(key, root_unit()), resources.catalog(), info["start_period"],
                             _coverage(key, root_unit()))


def plan_goals(plan: str) -> pd.DataFrame:
    """The plan's goals with bases (missing ones from the federation's data)."""
    return _plan_goals(version(), plan)


@st.cache_data(show_spinner=False)
def _evaluation(key: tuple, plan: str, unit: str, as_of: str) -> pd.DataFrame:
    # metrics.goals.evaluate_plan's own road, on the unit's frames from the summary tables
    return _goals.evaluate_frames(lambda code: (_quarterly(key, code), _coverage(key, code)), targets(plan),
                                  plan_info(plan), resources.catalog(), unit, root_unit(), as_of,
                                  goals=plan_goals(plan))


def evaluation(plan: str, unit: str, as_of: str) -> pd.DataFrame:
    """metrics.goals.judge for ``unit`` as of ``as_of``, against its own goals (the same rows as
    metrics.goals.evaluate_plan), with the flags of metrics.goals.FLAG_COLUMNS."""
    return _evaluation(version(), plan, check_unit(unit), as_of)


@st.cache_resource(show_spinner=False, max_entries=256)
def _progress_board(key: tuple, plan: str, unit: str, as_of: str, category: str, names: tuple, lang: str):
    from charts import progress_board_chart
    from tables import goals_of_category

    rows = goals_of_category(_evaluation(key, plan, unit, as_of), category)
    return progress_board_chart(rows, names=list(names), lang=lang)


def progress_board(plan: str, unit: str, as_of: str, category: str, names: list[str], lang: str):
    """charts.progress_board_chart of ``unit``'s goals in one catalog category (the rows of
    tables.goals_of_category, in that order; ``names`` beside them), built once per data
    version and shared read-only (st.plotly_chart copies a figure before drawing it): a
    progress page rerun spent about half its time building the same plotly figures again."""
    return _progress_board(version(), plan, check_unit(unit), as_of, category, tuple(names), lang)


@st.cache_data(show_spinner=False)
def _all_quarterly(key: tuple) -> pd.DataFrame:
    return store().units_quarterly(_full_units()["code"])


@st.cache_data(show_spinner=False)
def _coverage_all(key: tuple) -> pd.DataFrame:
    return store().units_coverage()


def coverage_all() -> pd.DataFrame:
    """Every unit's coverage (metrics.rollup.coverage_all): 已报 n/m per unit and quarter."""
    return _in_scope(_coverage_all(version()))


def all_quarterly() -> pd.DataFrame:
    """Every unit's roll-up in one frame (with a ``unit`` column)."""
    return _in_scope(_all_quarterly(version()))


def _evaluate_units(plan: str, as_of: str, unit_codes: tuple, indicators: tuple | None,
                    cover_all: pd.DataFrame | None = None, whole: bool = False) -> pd.DataFrame:
    """metrics.goals.evaluate_units of ``unit_codes`` with their coverage (uncached; ``cover_all``
    when the caller has read it already), by metrics.unitgrid.evaluate_cube (the same rows) on
    the numbers it needs: the goals' own indicators (the summary holds a rate's own value, so
    never its two parts) over the base year (the four quarters before the plan starts) to the
    chosen quarter, read as a cube of arrays (store.summary.units_cube). With ``whole``
    (``unit_codes`` is every unit) the summary and the coverage are read in one query each
    instead of in chunks of 500 units: the grid of all 22,001 units of a district."""
    from metrics import unitgrid as _unitgrid

    info = plan_info(plan)
    g = plan_goals(plan)
    if indicators is not None:
        g = g[g["indicator"].isin(indicators)].reset_index(drop=True)
    first, last = _unitgrid.cube_span(info["start_period"], as_of)
    cube = store().units_cube(None if whole else unit_codes, list(g["indicator"]), first, last,
                              cube_units=unit_codes)
    if cover_all is None:
        cover_all = store().units_coverage(None if whole else unit_codes)
    return _unitgrid.evaluate_cube(g, cube, resources.catalog(), info["start_period"], info["end_period"], as_of,
                                   list(unit_codes), root_unit(), _goals.quotas(targets(plan)), cover_all=cover_all)


# Shared read-only (st.cache_resource): st.cache_data pickled and copied the rows of 2,000
# children on every hit, 0.4 s of each rerun of the federation's indicator page at 22,001 units.
@st.cache_resource(show_spinner=False, max_entries=256)
def _unit_evaluations(key: tuple, plan: str, as_of: str, unit_codes: tuple, indicators: tuple | None) -> pd.DataFrame:
    return _evaluate_units(plan, as_of, unit_codes, indicators)


def unit_evaluations(plan: str, as_of: str, unit_codes: list[str], indicators: list[str] | None = None) -> pd.DataFrame:
    """Pace and outlook of each unit against its goals (no projections), stacked; built once per
    data version, plan, quarter, units and indicators and shared read-only: do not change it."""
    allowed = scope()
    codes = tuple(c for c in unit_codes if allowed is None or c in allowed)
    return _unit_evaluations(version(), plan, as_of, codes, None if indicators is None else tuple(indicators))


@st.cache_resource(show_spinner=False, max_entries=128)
def _indicator_breakdown(key: tuple, allowed: frozenset | None, plan: str, as_of: str, unit: str, code: str,
                         value: str, unit_label: str, lang: str):
    from charts import units_progress_chart
    from tables import breakdown_table
    from ui import unit_names

    frame = _units(key) if allowed is None else _scoped_units(key, allowed)
    kids = _children_of(key, allowed).get(unit, ())
    part = _unit_evaluations(key, plan, as_of, kids, (code,))
    part = part.sort_values(value, ascending=False, na_position="last")
    names = unit_names(frame, lang)
    chart = units_progress_chart(part, names=[names.get(c, c) for c in part["unit"]], value=value, unit=unit_label,
                                 lang=lang)
    return chart, breakdown_table(part, frame)


def indicator_breakdown(plan: str, as_of: str, unit: str, code: str, value: str, unit_label: str, lang: str):
    """The indicator page's breakdown of ``unit``'s children on goal ``code``: the bar chart
    (charts.units_progress_chart of ``value``, ``progress`` or ``current``) and the table
    (tables.breakdown_table), best first, built once per data version, scope, plan, quarter,
    unit, goal and language and shared read-only (st.plotly_chart copies a figure before
    drawing it): a rerun of the federation's page built both again for 2,000 children (about
    0.5 s of its 0.75 s at 22,001 units)."""
    allowed = scope()
    return _indicator_breakdown(version(), allowed, plan, as_of, check_unit(unit), code, value, unit_label, lang)


@st.cache_resource(show_spinner=False, max_entries=128)
def _attention_brief(key: tuple, allowed: frozenset | None, plan: str, unit: str, as_of: str, lang: str):
    from reports import brief as brief_mod

    info = plan_info(plan)
    now = _evaluation(key, plan, unit, as_of)
    previous = _periods.previous(as_of)
    before = None
    if _periods.index(previous) >= _periods.index(info["start_period"]):
        before = _evaluation(key, plan, unit, previous)
    else:
        previous = None
    frame = _units(key) if allowed is None else _scoped_units(key, allowed)
    kids = _children_of(key, allowed).get(unit, ())
    grid = _attention_grid(plan, as_of, kids, _attention_indicators(now))
    return brief_mod.assemble(now, before, grid, catalog=resources.catalog(), units=frame, plan=info,
                              unit=unit, as_of=as_of, previous=previous, lang=lang)


def _attention_indicators(now: pd.DataFrame) -> tuple[str, ...]:
    """The indicators of the goals 需关注 lists (metrics.attention.attention_list: those with an
    alert): the only ones whose children's rows it reads (their lagging units and counts)."""
    return tuple(dict.fromkeys(now.loc[now["alert"].fillna("") != "", "indicator"]))


def _attention_grid(plan: str, as_of: str, kids: tuple, indicators: tuple) -> pd.DataFrame | None:
    """The rows of :func:`_evaluate_units` of ``kids`` (all goals) for ``indicators``, without
    evaluating the other goals where they cannot change those rows: at the federation of a
    district (2,000 communities) the 需关注 block evaluated 19 goals of every child on the
    first page after start (5.6 s) to name the lagging units of the 5 goals below pace.

    A unit judged on its own goals one by one gives the same row for a goal whatever other
    goals are evaluated beside it; only a unit whose as-of quarter is incomplete is judged on
    all its goals together (it keeps its latest complete quarter's judgement when any goal
    would be worse: metrics.goals.evaluate_units with ``cover_all``), so those few are
    evaluated on every goal and their rows for ``indicators`` kept."""
    if not kids or not indicators:
        return None
    cover = store().units_coverage(kids)
    at = cover[cover["period"] == as_of]
    incomplete = set(at.loc[~at["complete"].astype(bool), "unit"])
    parts = []
    whole = tuple(k for k in kids if k in incomplete)
    alone = tuple(k for k in kids if k not in incomplete)
    if alone:
        parts.append(_evaluate_units(plan, as_of, alone, indicators, cover[cover["unit"].isin(alone)]))
    if whole:
        rows = _evaluate_units(plan, as_of, whole, None, cover[cover["unit"].isin(whole)])
        parts.append(rows[rows["indicator"].isin(indicators)])
    grid = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)
    if whole and alone:  # back in the children's order, each unit's goals in the plan's order
        place = {k: i for i, k in enumerate(kids)}
        grid = grid.iloc[grid["unit"].map(place).to_numpy().argsort(kind="stable")].reset_index(drop=True)
    return grid


@st.cache_resource(show_spinner=False, max_entries=64)
def _children_of(key: tuple, allowed: frozenset | None) -> dict[str, tuple[str, ...]]:
    frame = _units(key) if allowed is None else _scoped_units(key, allowed)
    out: dict[str, list[str]] = {}
    for code, parent in zip(frame["code"].tolist(), frame["parent"].fillna("").tolist()):
        out.setdefault(str(parent), []).append(str(code))
    return {parent: tuple(codes) for parent, codes in out.items()}


def children(unit: str) -> list[str]:
    """metrics.goals.children of ``unit`` in :func:`units` (for a clerk: hers), from a map built
    once per data version and scope: the list comprehension over 22,001 units took 0.03-0.07 s
    of every rerun of the indicator and units pages at district size."""
    return list(_children_of(version(), scope()).get(unit, ()))


def attention_brief(plan: str, unit: str, as_of: str, lang: str):
    """The overview's 需关注 block and meeting brief (:class:`reports.brief.Brief`) of ``unit``
    as of ``as_of``: its evaluation, the previous quarter's and its children's, from the
    cached evaluations (the same rows as metrics.goals.evaluate_plan). Built once per data
    version, scope (a clerk's children are only hers), plan, unit, quarter and language and
    shared read-only: a rerun of the overview rebuilt it each time."""
    return _attention_brief(version(), scope(), plan, check_unit(unit), as_of, lang)


# ---- the units page's grid (issue 12) -----------------------------------------------------------
class UnitsGrid(NamedTuple):
    """The units page's grid: ``grid`` the cell codes (tables.grid_cells), ``shown`` the same
    cells in words with unit and goal names (tables.status_grid_table), ``partial`` the units
    whose quarter is incomplete ``{unit: (n, m)}``. Shared read-only: do not change them."""

    grid: pd.DataFrame
    shown: pd.DataFrame
    partial: dict


def _grid_codes(frame: pd.DataFrame, unit: str, kind: str, kids: dict | None = None) -> list[str]:
    if kind != "children":
        return list(frame["code"])
    return [unit, *(_goals.children(frame, unit) if kids is None else kids.get(unit, ()))]


@st.cache_resource(show_spinner=False, max_entries=32)
def _units_grid(key: tuple, plan: str, as_of: str, unit: str, kind: str, allowed: frozenset | None,
                lang: str, codes: tuple[str, ...] | None = None) -> UnitsGrid | None:
    from tables import grid_cells, partial_units, status_grid_table

    frame = _units(key) if allowed is None else _scoped_units(key, allowed)
    covered = _grid_codes(frame, unit, kind)
    if codes is not None:  # one page of the grid: only those of its units this scope covers
        inside = set(covered)
        covered = [c for c in codes if c in inside]
    whole = codes is None and kind == "all" and allowed is None  # every stored unit: one read
    evaluated = _evaluate_units(plan, as_of, tuple(covered), None, whole=whole)
    if evaluated.empty:
        return None
    from metrics.unitgrid import status_frames

    grid = grid_cells(*status_frames(evaluated))
    partial = partial_units(evaluated)
    with speaking(lang):  # also when built outside the page run (the Excel's click, the background)
        return UnitsGrid(grid, status_grid_table(grid, frame, partial), partial)


def grid_units(unit: str, kind: str) -> list[str]:
    """The codes the units grid of ``unit`` and its children (``kind="children"``) or of every
    unit this session's user may see (``"all"``) covers, in the grid's order: from the unit
    table only, so a page can pick the units it shows before anything is evaluated."""
    allowed = scope()
    if kind == "children":
        check_unit(unit)
    key = version()
    frame = _units(key) if allowed is None else _scoped_units(key, allowed)
    return _grid_codes(frame, unit if kind == "children" else "", kind, _children_of(key, allowed))


def units_grid(plan: str, as_of: str, unit: str, kind: str, lang: str,
               codes: Sequence[str] | None = None) -> UnitsGrid | None:
    """Pace and outlook of ``unit`` and its children (``kind="children"``) or of every unit this
    session's user may see (``"all"``) against their goals, as the units page shows them (None:
    no goals); with ``codes``, of just those of them (a page of the grid: at 22,001 units the
    whole grid took 160 s, a page of 100 about a second). Built once per data version, plan,
    quarter, unit, scope, page and language and shared by every session of the process."""
    allowed = scope()
    if kind == "children":
        check_unit(unit)
    return _units_grid(version(), plan, as_of, unit if kind == "children" else "", kind, allowed, lang,
                       None if codes is None else tuple(codes))


@st.cache_resource(show_spinner=False, max_entries=8)
def _units_grid_xlsx(key: tuple, plan: str, as_of: str, unit: str, kind: str, allowed: frozenset | None,
                     lang: str, title: str) -> bytes:
    from i18n import t
    from tables import status_grid_xlsx

    built = _units_grid(key, plan, as_of, unit, kind, allowed, lang, None)  # units_grid's own cache key
    if built is None:
        return b""
    with speaking(lang):
        return status_grid_xlsx(built.grid, built.shown, title, sheet=t("units.sheet", lang))


def units_grid_xlsx(plan: str, as_of: str, unit: str, kind: str, lang: str, title: str) -> Callable[[], bytes]:
    """The whole grid (:func:`units_grid` of the same arguments, every unit, not a page) as an
    .xlsx workbook (tables.status_grid_xlsx): a callable for st.download_button. It hands over
    the workbook of the worker process :func:`prebuild_units_grid_xlsx` started (waiting for it
    if it still runs); without one, or if it failed, it builds the grid and the workbook here on
    the first click and keeps them for the next ones. Everything it depends on is read now:
    Streamlit calls it outside the page run, where the session (language, scope) is unknown."""
    allowed = scope()
    if kind == "children":
        check_unit(unit)
    args = (version(), plan, as_of, unit if kind == "children" else "", kind, allowed, lang, title)
    return lambda: _grid_builds().result(args) or _kept_units_grid_xlsx(args)


def _kept_units_grid_xlsx(args: tuple) -> bytes:
    """Build the workbook of ``args`` here (no worker's or kept file) and keep it for every
    server process (grid_cache) if the data did not change meanwhile; keeping errors are logged."""
    import logging

    import grid_cache

    data = _units_grid_xlsx(*args)
    if data:
        try:
            if version() == args[0]:
                grid_cache.keep(args, data)
        except Exception:  # noqa: BLE001 - the download works without it
            logging.getLogger("union.grid").exception("could not keep the units grid's Excel",
                                                      extra={"event": "grid.keep_failed"})
    return data


_GRID_BUILDS: list = []
_GRID_BUILDS_LOCK = threading.Lock()


def _grid_builds():
    """This server process's worker processes for the grid's Excel (grid_worker.Builds): one
    per process, kept across cache clears (it owns running processes and their files)."""
    import grid_worker

    with _GRID_BUILDS_LOCK:
        if not _GRID_BUILDS:
            _GRID_BUILDS.append(grid_worker.Builds())
        return _GRID_BUILDS[0]


def prebuild_units_grid_xlsx(plan: str, as_of: str, unit: str, kind: str, lang: str, title: str) -> None:
    """Start building :func:`units_grid_xlsx` of these arguments in a worker process
    (grid_worker: ``python -m grid_worker``, reading the database itself), so that the Excel
    download is ready when its button is clicked (at 22,001 units the whole grid and its
    workbook take about 20 s of CPU, the page itself well under a second) without slowing this
    process's page runs (a thread here shared the interpreter: the page's rerun went from 0.36
    to 0.90 s while it ran). Once per data version and arguments, one build at a time per
    process (another page opened meanwhile is built on its click, as before); a click during
    the build waits for it; a failed build is logged and the click builds it here."""
    allowed = scope()
    if kind == "children":
        check_unit(unit)
    _grid_builds().start((version(), plan, as_of, unit if kind == "children" else "", kind, allowed, lang, title))


def prebuild_after_change(lang: str) -> bool:
    """After a commit, withdrawal or restore: start building the whole-grid Excel most likely
    downloaded next (:func:`prebuild_units_grid_xlsx` of the federation's view: every unit, no
    clerk's scope, the plan of the quarter the dashboard opens on, ``lang``, the units page's
    title) in the worker process, when the grid is longer than one page (a smaller one takes a
    moment on its click). Never raises: the change is stored already; errors are only logged.
    True if a build started."""
    try:
        import tables
        from i18n import t

        key = version()
        if len(_units(key)) <= tables.GRID_PAGE_ROWS:
            return False
        observed = _quarters(key, None)
        if not observed:
            return False
        quarter = rollup.default_quarter(_coverage(key, root_unit())) or observed[-1]
        plan = current_plan(quarter)
        if not plan:
            return False
        info = plan_info(plan)
        name = info["name_zh"] if lang == "zh" else info["name_en"] or info["name_zh"]
        title = t("units.file_title", lang, plan=name, quarter=_periods.label(quarter, lang))
        return _grid_builds().start((key, plan, quarter, "", "all", None, lang, title))
    except Exception:  # noqa: BLE001 - never fail the change that was just stored
        import logging

        logging.getLogger("union.grid").exception("could not start the units grid's Excel after a change",
                                                  extra={"event": "grid.build_failed", "reason": "after_change"})
        return False


def prebuild_wait(timeout: float | None = None) -> None:
    """Wait for the worker processes started by :func:`prebuild_units_grid_xlsx` (tests, benchmarks)."""
    _grid_builds().wait(timeout)


#


#


# ---- congress work report -------------------------------------------------------------------
# (cached loaders for the report page go here)


def report_inputs():
    """What the congress report is built from, from the cached loaders above: roll-ups,
    coverage and the trace read from the summary tables (reports.frames.StoreFrames); every
    stored value only when an office report (annual, mid-term) asks for them."""
    from reports.content import Inputs
    from reports.frames import StoreFrames

    plan_codes = list(plans()["code"]) if len(plans()) else []
    return Inputs(units=_full_units(), uploads=_uploads(version()), plans=plans(),
                  targets={code: targets(code) for code in plan_codes}, catalog=resources.catalog(),
                  frames=StoreFrames(store()), load_observations=_full_observations)


@st.cache_data(show_spinner=False)
def _report_spans(key: tuple) -> list[tuple[int, int]]:
    from reports.content import available_spans

    return available_spans(report_inputs())


def report_spans() -> list[tuple[int, int]]:
    """Five-year spans with data, newest first."""
    return _report_spans(version())


@st.cache_data(show_spinner=False)
def _report_content(key: tuple, start: int, end: int, unit: str, lang: str):
    from reports.content import build_report

    return build_report(report_inputs(), start, end, unit, lang)


def report_allowed(unit: str) -> bool:
    """May this session's user have the report of ``unit`` (see :func:`report_content`)?"""
    allowed = scope()
    return allowed is None or (unit in allowed and unit != root_unit())


def report_units(codes: list[str]) -> list[str]:
    """The units of ``codes`` whose report this session's user may have (:func:`report_allowed`
    with the scope and the federation looked up once, not once per unit)."""
    allowed = scope()
    if allowed is None:
        return list(codes)
    root = root_unit()
    return [c for c in codes if c in allowed and c != root]


def report_content(start: int, end: int, unit: str, lang: str):
    """The report's content (:class:`reports.content.Report`) for one span, unit and language.
    A clerk limited to her units gets reports of her own units only: the federation's report
    shows which unit and upload every figure comes from (:class:`OutOfScope`)."""
    if not report_allowed(unit):
        raise OutOfScope(unit)
    return _report_content(version(), start, end, unit, lang)


@st.cache_data(show_spinner=False)
def _office_report(key: tuple, kind: str, year, plan, as_of, unit: str, lang: str):
    from reports.office_cli import build_office
    from reports.office_doc import write_office_docx

    doc = build_office(kind, report_inputs(), year=year, plan=plan, as_of=as_of, unit=unit, lang=lang)
    return doc, write_office_docx(doc)


def office_report(kind: str, *, year=None, plan=None, as_of=None, unit: str, lang: str):
    """The annual summary or mid-term review (:class:`reports.office_doc.OfficeDoc`) and its
    .docx bytes. Raises ValueError when there is nothing to build (a year without a complete quarter)."""
    return _office_report(version(), kind, year, plan, as_of, unit, lang)
