"""Validation rules, in the manner of a statistical office's edit checks: pure functions from
what was read (:class:`ingest.reader.ReadResult`), the org units, the values that count now and
the clerk's choices, to findings, the values to store, and the counts of the import report.

Errors (block the import): unknown unit (closest known names suggested), missing unit name,
value that is not a number (or a date, an Excel error, a formula without a saved value),
negative count, percentage over 100, a part over its whole (the numerator of a catalog rate
over its denominator, 会员人数 over 职工人数), a subset row or column over its parent, the same
unit twice, period conflict or no period.

Warnings (need an acknowledgement): 合计 disagrees with the rows, value more than three times or
under a third of the same unit's last quarter, a reported rate more than half a point from its
parts, approximate figure, column or indicator that matches nothing (ignored, listed), a new
unit (``allow_new_units``), a year-to-date column that disagrees with the stored quarters.

Also an error: a new unit's name or code, or the uploader, longer than the database column
that would hold it (:func:`too_long`; the limits come from ``store/schema.py``).

The rules are a table, :data:`RULES`: one function per rule (``rule_<code>``, from the prepared
:class:`Context` to findings), listed with its code and severity; its message is the string
``ingest.<code>`` (or ``forms.<code>``) in ``i18n/zh`` and ``i18n/en``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ingest.frames import rows_in, shared_objects
from ingest.reader import ReadResult
from i18n import has, t
from ingest.report import CODES, ERROR, WARNING, Finding
from metrics import periods as P
from metrics.catalog import Catalog
from store import schema

FAR_FACTOR = 3.0
FAR_MIN = 10  # small counts (2 disputes, then 7) move by more than three times without any mistake
RATE_TOLERANCE = 0.5  # percentage points
TOTAL_TOLERANCE = 0.5
VALUE_COLUMNS = ["unit", "indicator", "period", "value", "approximate"]
KEYS3 = ["unit", "indicator", "period"]
CELL_ERRORS = ("not_a_number", "date_not_number", "formula_error", "formula_no_value")


def _where_words(key: str) -> dict:
    """A finding's ``other_where`` in both languages, from the string catalog."""
    return {"other_where_zh": t(key, "zh"), "other_where_en": t(key, "en")}


@dataclass
class Validated:
    findings: list[Finding]
    values: pd.DataFrame  # unit, indicator, period, value, approximate, unit_text, where
    period: str | None
    counts: dict
    changes: list[dict]
    new_units: pd.DataFrame = field(default_factory=pd.DataFrame)


def fold_name(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", str(text or "")).split()).lower()


def _names(catalog: Catalog, code: str) -> dict:
    ind = catalog[code]
    return {"indicator_zh": ind.zh, "indicator_en": ind.en}


def _num(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")


def resolve_period(read: ReadResult, chosen: str | None, filename: str) -> tuple[str | None, list[Finding]]:
    """The quarter of the file: from title, cells, file name and the clerk's choice; all must agree."""
    evidence = list(read.periods)
    if chosen:
        evidence.insert(0, (chosen, "clerk"))
    found = {p for p, _ in evidence}
    has_column = read.cells["period"].notna().any() if len(read.cells) else False
    if len(found) > 1:
        first_p, first_w = evidence[0]
        for p, where in evidence[1:]:
            if p != first_p:
                chosen_where = _where_words("ingest.where_chosen_quarter") \
                    if first_w == "clerk" else {"other_where": first_w}
                return None, [Finding("period_conflict", where if where != "clerk" else filename,
                                      {"found": P.label(p), "other": P.label(first_p), **chosen_where,
                                       "found_en": P.label(p, "en"), "other_en": P.label(first_p, "en")})]
    if found:
        return next(iter(found)), []
    if has_column:
        return None, []
    return None, [Finding("period_missing", filename)]


class UnitResolver:
    """Finds a unit by code or name (width, spaces and case folded); suggests close names."""

    def __init__(self, units: pd.DataFrame):
        self.by_code = {str(c).strip().upper(): str(c) for c in units["code"]}
        self.by_name = {}
        for code, zh, en in zip(units["code"], units["name_zh"], units.get("name_en", units["name_zh"])):
            for name in (zh, en):
                if name:
                    self.by_name.setdefault(fold_name(name), str(code))
        self.names = [str(n) for n in units["name_zh"]]
        for code, names in zip(units["code"], units["aliases"]) if "aliases" in units else ():
            for name in names if isinstance(names, list) else ():  # a renamed unit's old names (Store.unit_aliases)
                self.by_name.setdefault(fold_name(name), str(code))
        self._seen: dict[tuple, str | None] = {}  # (code, name) -> answer: a file's rows asked once each

    def __call__(self, code: str, name: str) -> str | None:
        key = (code, name)
        found = self._seen.get(key, self)
        if found is self:
            found = self._seen[key] = self._find(code, name)
        return found

    def _find(self, code: str, name: str) -> str | None:
        if code and code.strip().upper() in self.by_code:
            return self.by_code[code.strip().upper()]
        if name and fold_name(name) in self.by_name:
            return self.by_name[fold_name(name)]
        if code and fold_name(code) in self.by_name:  # a name written in the code column
            return self.by_name[fold_name(code)]
        if name and name.strip().upper() in self.by_code:
            return self.by_code[name.strip().upper()]
        return None

    def suggest(self, text: str) -> list[str]:
        from ingest.units_match import suggest  # by the distinctive part of the name

        return suggest(text, self.names, n=3)


# ---- the rules ------------------------------------------------------------------------------------
#
# Each rule is one function from the prepared :class:`Context` to its findings, listed in RULES
# with its code and severity; its message is ``ingest.<code>`` (or ``forms.<code>``) in
# i18n/zh and i18n/en. :func:`validate` prepares the context once and runs every rule.


@dataclass
class Context:
    """What every rule reads: the cells with their period and unit resolved, and the state."""

    read: ReadResult
    catalog: Catalog
    cells: pd.DataFrame  # CELL_COLUMNS + unit (resolved code or None)
    file_period: str | None
    period_findings: list[Finding]
    bad_period: pd.Series  # cells whose 期间 is not a quarter
    resolver: UnitResolver
    unit_rows_found: list[dict]  # one per unit row: where, label, code (None when unknown), new_code
    new_units: pd.DataFrame
    uploader: str | None
    ok: pd.Series  # cells holding a number
    kinds: pd.Series
    percent: pd.Series
    main: pd.DataFrame  # numbers in the value columns of unit rows
    values: pd.DataFrame  # what a commit stores
    current: pd.DataFrame  # what counts now (unit, indicator, period, value, approximate)
    compared: pd.DataFrame  # values merged with current: old, old_approx
    file_period_before_column: str | None = None  # the file's quarter before a 期间 column could name it
    wide: dict | None = None  # _by_indicator's cells per indicator, made on first use
    # ``main``'s rows as numbers (factorize), aligned with it: its unit (a row without one: its
    # own number past the units'), indicator, quarter and sheet; what the rules group by,
    # compared as integers rather than as 720,000 texts
    main_numbers: dict | None = None
    value_cells: np.ndarray | None = None  # cells of unit rows in value columns holding a number


@dataclass(frozen=True)
class Rule:
    """One validation rule: its finding code, severity (error blocks, warning needs an
    acknowledgement) and the function that finds it."""

    code: str
    severity: str
    check: Callable[[Context], list[Finding]]

    @property
    def message_key(self) -> str:
        return f"ingest.{self.code}" if has(f"ingest.{self.code}") else f"forms.{self.code}"


def rule_period_missing(ctx: Context) -> list[Finding]:
    """No quarter in the title, the cells, the file name or the clerk's choice."""
    return [f for f in ctx.period_findings if f.code == "period_missing"]


def rule_period_conflict(ctx: Context) -> list[Finding]:
    """Two quarters named (title, file name, choice), or a 期间 cell naming another quarter."""
    out = [f for f in ctx.period_findings if f.code == "period_conflict"]
    per_cell, fp = ctx.read.cells["period"], ctx.file_period_before_column
    if fp is not None and len(per_cell):
        differs = per_cell.notna() & ~ctx.bad_period & (per_cell != fp)
        for row in ctx.read.cells[differs].drop_duplicates("period").itertuples():
            out.append(Finding("period_conflict", row.where, {
                "found": P.label(row.period), "other": P.label(fp),
                **_where_words("ingest.where_file_period"),
                "found_en": P.label(row.period, "en"), "other_en": P.label(fp, "en")}))
    return out


def rule_period_not_quarter(ctx: Context) -> list[Finding]:
    """A 期间 cell that is not one quarter."""
    return [Finding("period_not_quarter", row.where, {"text": row.period[1:]})
            for row in ctx.read.cells[ctx.bad_period].itertuples()]


def rule_missing_unit(ctx: Context) -> list[Finding]:
    """A row with figures and no unit name or code."""
    return [Finding("missing_unit", u["where"]) for u in ctx.unit_rows_found if u["code"] is None and not u["label"]]


def rule_new_unit(ctx: Context) -> list[Finding]:
    """A unit not in the list, added at commit (only with ``allow_new_units``)."""
    return [Finding("new_unit", u["where"], {"unit": u["label"], "code": u["new_code"],
                                             "parent_zh": u.get("parent_name", ""),
                                             "parent_en": u.get("parent_name_en", "")})
            for u in ctx.unit_rows_found if u.get("first_new")]


def rule_unknown_unit(ctx: Context) -> list[Finding]:
    """A unit not in the list (closest names suggested)."""
    out = []
    for u in ctx.unit_rows_found:
        if u["code"] is None and u["label"]:
            suggestions = ctx.resolver.suggest(u["label"])
            out.append(Finding("unknown_unit", u["where"], {
                "unit": u["label"], "suggestions": "、".join(suggestions) if suggestions else "—",
                "suggestions_en": ", ".join(suggestions) if suggestions else "—"}))
    return out


def rule_too_long(ctx: Context) -> list[Finding]:
    """A new unit's name or code, or the uploader, longer than the database keeps."""
    return too_long(ctx.new_units, ctx.uploader)


def _cell_error(code: str) -> Callable[[Context], list[Finding]]:
    def check(ctx: Context) -> list[Finding]:
        cells = ctx.cells
        return [Finding(code, row.where, {"text": row.text, **_names(ctx.catalog, row.indicator)})
                for row in cells[cells["error"] == code].itertuples()]
    check.__doc__ = f"A cell the reader could not take as a number ({code})."
    return check


def rule_negative_count(ctx: Context) -> list[Finding]:
    """A count below zero."""
    c = ctx.cells
    return [Finding("negative_count", row.where, {"value": _num(row.value), **_names(ctx.catalog, row.indicator)})
            for row in c[ctx.ok & ~ctx.percent & (c["value"] < 0)].itertuples()]


def rule_percent_over_100(ctx: Context) -> list[Finding]:
    """A percentage outside 0..100."""
    c = ctx.cells
    return [Finding("percent_over_100", row.where, {"value": _num(row.value), **_names(ctx.catalog, row.indicator)})
            for row in c[ctx.ok & ctx.percent & ((c["value"] > 100) | (c["value"] < 0))].itertuples()]


def rule_approximate(ctx: Context) -> list[Finding]:
    """An approximate figure (约300, 200余): stored as written and marked."""
    c = ctx.cells
    return [Finding("approximate", row.where, {"text": row.text, "value": _num(row.value),
                                               **_names(ctx.catalog, row.indicator)})
            for row in c[ctx.ok & c["approximate"]].itertuples()]


def rule_duplicate_unit(ctx: Context) -> list[Finding]:
    """The same unit twice in the file."""
    if ctx.main_numbers is not None:  # none twice (the common case), told by numbers
        numbers = ctx.main_numbers
        known = numbers["has_unit"]
        key = _key_of(numbers["key"][known], numbers["indicator"][known], numbers["period"][known])
        if not pd.Index(key).duplicated(keep="first").any():
            return []
    main = ctx.main[ctx.main["unit"].notna()]
    dup = main.duplicated(["unit", "indicator", "period"], keep="first")
    if not dup.any():
        return []
    first = main.drop_duplicates(["unit", "indicator", "period"], keep="first")
    first_where = {(r.unit, r.indicator, r.period): r.row_where for r in first.itertuples()}
    out, seen = [], set()
    for row in main[dup].itertuples():
        if row.row_where in seen:
            continue
        seen.add(row.row_where)
        out.append(Finding("duplicate_unit", row.row_where, {
            "unit": row.unit_name or row.unit_code, "first": first_where[(row.unit, row.indicator, row.period)]}))
    return out


def _by_indicator(ctx: Context, codes: list[str]) -> pd.DataFrame | None:
    """Value and cell of each indicator of ``codes`` side by side, per unit (rows without a unit
    by their row) and period, where the file has all of them (the first cell when a unit is
    written twice): ``_key``, ``period``, ``value_<code>``, ``where_<code>``. Made per catalog
    rate from the few indicators it names, not by pivoting every cell of the file."""
    if ctx.wide is None:
        main = ctx.main
        needed = {c for ind in ctx.catalog if ind.kind == "rate" for c in (ind.code, ind.numerator, ind.denominator)}
        if ctx.main_numbers is not None:  # unit (else row) and quarter as numbers: merged as integers
            numbers = ctx.main_numbers
            at = np.flatnonzero(np.isin(numbers["indicator"], [n for n, code in enumerate(numbers["indicators"])
                                                                if code in needed]))
            unit, period, indicator = numbers["key"][at], numbers["period"][at], numbers["indicator"][at]
            at = at[~pd.Index(_key_of(unit, indicator, period)).duplicated(keep="first")]
            once = pd.DataFrame({"_key": numbers["key"][at], "period": numbers["period"][at],
                                 "indicator": main["indicator"].to_numpy()[at], "value": main["value"].to_numpy()[at],
                                 "where": main["where"].to_numpy()[at]})
        else:
            main = main[main["indicator"].isin(needed)]
            once = pd.DataFrame({"_key": main["unit"].where(main["unit"].notna(), main["row_where"]),
                                 "period": main["period"], "indicator": main["indicator"], "value": main["value"],
                                 "where": main["where"]}).drop_duplicates(["_key", "period", "indicator"])
        ctx.wide = {code: part.drop(columns="indicator") for code, part in once.groupby("indicator", sort=False)}
    if any(code not in ctx.wide for code in codes):
        return None
    out = None
    for code in dict.fromkeys(codes):
        part = ctx.wide[code].rename(columns={"value": f"value_{code}", "where": f"where_{code}"})
        out = part if out is None else out.merge(part, on=["_key", "period"])
    return out


def rule_part_over_whole(ctx: Context) -> list[Finding]:
    """The numerator of a catalog rate over its denominator in the file (会员人数 over 职工人数)."""
    out = []
    for ind in ctx.catalog:
        if ind.kind != "rate" or ind.numerator == ind.denominator:
            continue
        both = _by_indicator(ctx, [ind.numerator, ind.denominator])
        if both is None:
            continue
        num, den = both[f"value_{ind.numerator}"], both[f"value_{ind.denominator}"]
        over = both[num.notna() & den.notna() & (num > den)]
        for n, d, where, whole_where in zip(over[f"value_{ind.numerator}"].tolist(),
                                            over[f"value_{ind.denominator}"].tolist(),
                                            over[f"where_{ind.numerator}"].tolist(),
                                            over[f"where_{ind.denominator}"].tolist()):
            out.append(Finding("part_over_whole", where, {
                "part_value": _num(n), "whole_value": _num(d), "whole_where": whole_where,
                **{f"part_{k[-2:]}": v for k, v in _names(ctx.catalog, ind.numerator).items()},
                **{f"whole_{k[-2:]}": v for k, v in _names(ctx.catalog, ind.denominator).items()}}))
    return out


def rule_rate_mismatch(ctx: Context) -> list[Finding]:
    """A reported rate more than half a point from its parts."""
    out = []
    for ind in ctx.catalog:
        if ind.kind != "rate":
            continue
        three = _by_indicator(ctx, [ind.code, ind.numerator, ind.denominator])
        if three is None:
            continue
        num, den, reported = three[f"value_{ind.numerator}"], three[f"value_{ind.denominator}"], three[f"value_{ind.code}"]
        computed = num / den.where(den > 0) * 100
        off = reported.notna() & computed.notna() & ((reported - computed).abs() > RATE_TOLERANCE)
        for r, c, where in zip(reported[off].tolist(), computed[off].tolist(), three.loc[off, f"where_{ind.code}"].tolist()):
            out.append(Finding("rate_mismatch", where, {
                "reported": f"{r:.1f}", "computed": f"{c:.1f}", **_names(ctx.catalog, ind.code)}))
    return out


def rule_subset_over_parent(ctx: Context) -> list[Finding]:
    """A 其中 row or column over the row or column it is part of."""
    cells, ok = ctx.cells, ctx.ok
    subs = cells[ok & (cells["row_kind"] == "subset")]
    colsubs = cells[ok & cells["col_parent"].notna() & (cells["row_kind"] == "unit")]
    if not len(subs) and not len(colsubs):
        return []
    by_row = cells[ok].set_index(["sheet", "row", "indicator"])["value"]
    by_row = by_row[~by_row.index.duplicated()]
    out = []
    for row in subs.itertuples():
        parent = by_row.get((row.sheet, row.parent_row, row.indicator))
        if parent is not None and row.value > parent + 1e-9:
            out.append(Finding("subset_over_parent", row.where, {
                "value": _num(row.value), "parent_value": _num(parent), "part": row.unit_name,
                **_names(ctx.catalog, row.indicator)}))
    for row in colsubs.itertuples():
        parent = by_row.get((row.sheet, row.row, row.col_parent))
        if parent is not None and row.value > parent + 1e-9:
            out.append(Finding("subset_over_parent", row.where, {
                "value": _num(row.value), "parent_value": _num(parent), "part": ctx.catalog[row.indicator].zh,
                **_names(ctx.catalog, row.col_parent)}))
    return out


def rule_total_mismatch(ctx: Context) -> list[Finding]:
    """The 合计 row against the sum of the unit rows of its sheet."""
    cells, ok = ctx.cells, ctx.ok
    totals = cells[ok & (cells["row_kind"] == "total") & (cells["col_role"] == "value") & (ctx.kinds != "rate")]
    if not len(totals):
        return []
    if ctx.main_numbers is not None:  # summed by numbers (sheet, indicator), read by name below
        numbers, main = ctx.main_numbers, ctx.main
        group = _key_of(numbers["sheet"], numbers["indicator"])
        total = pd.Series(main["value"].to_numpy(dtype=float)).groupby(group).sum()  # pandas' own summation
        first = np.unique(group, return_index=True)[1]
        names = zip(main["sheet"].to_numpy()[first].tolist(), main["indicator"].to_numpy()[first].tolist())
        sums = dict(zip(names, total.loc[group[first]].tolist()))
    else:
        sums = ctx.main.groupby(["sheet", "indicator"])["value"].sum()
    out = []
    for row in totals.itertuples():
        total = float(sums.get((row.sheet, row.indicator), 0.0))
        if abs(total - row.value) > TOTAL_TOLERANCE:
            out.append(Finding("total_mismatch", row.where, {
                "total": _num(row.value), "sum": _num(total), **_names(ctx.catalog, row.indicator)}))
    return out


def rule_far_from_last_quarter(ctx: Context) -> list[Finding]:
    """More than three times, or under a third of, the same unit's last quarter."""
    cur, cmp = ctx.current, ctx.compared
    if not len(cur):
        return []
    prev_of = {}
    for p in cmp["period"].unique():
        try:
            prev_of[p] = P.previous(p)
        except ValueError:
            prev_of[p] = None
    cmp = cmp[cmp["unit"].isin(cur["unit"].unique())]  # units with nothing stored have no last quarter
    last = cmp.assign(period=cmp["period"].map(prev_of)).merge(
        cur.rename(columns={"value": "last"})[KEYS3 + ["last"]], on=KEYS3, how="inner")
    far = (last["last"] > 0) & (last[["last", "value"]].max(axis=1) >= FAR_MIN) & (
        (last["value"] > FAR_FACTOR * last["last"]) | (last["value"] < last["last"] / FAR_FACTOR))
    return [Finding("far_from_last_quarter", row.where, {
        "value": _num(row.value), "last": _num(row.last), "unit": row.unit_text, **_names(ctx.catalog, row.indicator)})
        for row in last[far].itertuples()]


def rule_part_over_stored_whole(ctx: Context) -> list[Finding]:
    """A part over its whole once the upload stands beside what is stored."""
    return _parts_against_stored(ctx.values, ctx.current, ctx.catalog)


def rule_ytd_mismatch(ctx: Context) -> list[Finding]:
    """A 本年累计 column that disagrees with the stored quarters plus this one."""
    cells, catalog = ctx.cells, ctx.catalog
    unit_rows = (cells["row_kind"] == "unit") if ctx.main_numbers is None else ctx.main_numbers["unit_rows"]
    ytd = cells[ctx.ok & unit_rows & (cells["col_role"] == "ytd") & cells["unit"].notna()
                & cells["period"].notna()]
    if not len(ytd):
        return []
    cur = ctx.current
    cur_map = {(u, i, p): v for u, i, p, v in zip(cur["unit"], cur["indicator"], cur["period"], cur["value"])}
    this_q = {(r.unit, r.indicator, r.period): r.value for r in ctx.values.itertuples()}
    out = []
    for row in ytd.itertuples():
        if catalog[row.indicator].kind != "flow":
            continue
        quarters = P.span(P.year_start(row.period), P.previous(row.period)) if not row.period.endswith("Q1") else []
        earlier = [cur_map.get((row.unit, row.indicator, q)) for q in quarters]
        now_value = this_q.get((row.unit, row.indicator, row.period))
        if now_value is None or any(e is None for e in earlier):
            continue
        expected = now_value + sum(earlier)
        if abs(expected - row.value) > TOTAL_TOLERANCE:
            out.append(Finding("ytd_mismatch", row.where, {
                "value": _num(row.value), "expected": _num(expected), **_names(catalog, row.indicator)}))
    return out


RULES: list[Rule] = [
    Rule("period_missing", ERROR, rule_period_missing),
    Rule("period_conflict", ERROR, rule_period_conflict),
    Rule("period_not_quarter", ERROR, rule_period_not_quarter),
    Rule("missing_unit", ERROR, rule_missing_unit),
    Rule("new_unit", WARNING, rule_new_unit),
    Rule("unknown_unit", ERROR, rule_unknown_unit),
    Rule("too_long", ERROR, rule_too_long),
    *[Rule(code, ERROR, _cell_error(code)) for code in CELL_ERRORS],
    Rule("negative_count", ERROR, rule_negative_count),
    Rule("percent_over_100", ERROR, rule_percent_over_100),
    Rule("approximate", WARNING, rule_approximate),
    Rule("duplicate_unit", ERROR, rule_duplicate_unit),
    Rule("part_over_whole", ERROR, rule_part_over_whole),
    Rule("rate_mismatch", WARNING, rule_rate_mismatch),
    Rule("subset_over_parent", ERROR, rule_subset_over_parent),
    Rule("total_mismatch", WARNING, rule_total_mismatch),
    Rule("far_from_last_quarter", WARNING, rule_far_from_last_quarter),
    Rule("part_over_stored_whole", ERROR, rule_part_over_stored_whole),
    Rule("ytd_mismatch", WARNING, rule_ytd_mismatch),
]


def _register(rules: list[Rule]) -> None:
    """A rule's severity is the one the import report uses for its code (ingest.report.CODES)."""
    for rule in rules:
        if CODES.setdefault(rule.code, rule.severity) != rule.severity:
            raise ValueError(f"rule {rule.code}: severity {rule.severity} differs from ingest.report.CODES")


_register(RULES)


def validate(read: ReadResult, *, catalog: Catalog, units: pd.DataFrame, current: pd.DataFrame,
             period: str | None = None, filename: str = "", allow_new_units: bool = False,
             federation_name: str = "街道总工会", uploader: str | None = None,
             rules: list[Rule] | None = None, uploader_units: tuple[str, ...] = (),
             resolver: UnitResolver | None = None) -> Validated:
    """Every rule of :data:`RULES` (or ``rules``); pure (does not change its inputs).
    ``resolver``: the :class:`UnitResolver` of ``units`` the caller already asked about the
    file's rows (:func:`ingest.importer.file_units`), so each row is looked up once.
    ``uploader``: who would commit (checked against the database's limit when given);
    ``uploader_units``: the units assigned to her, which place a new unit
    (:func:`ingest.units_match.place`)."""
    findings = list(read.findings)
    file_period, period_findings = resolve_period(read, period, filename)
    if len(read.cells) == 0:
        findings += period_findings
        findings.sort(key=lambda f: (f.severity != "error", _order(f.where)))
        return Validated(findings, pd.DataFrame(columns=VALUE_COLUMNS + ["unit_text", "where"]), file_period,
                         {"read": 0, "new": 0, "updated": 0, "unchanged": 0, "ignored": read.ignored}, [])
    ctx = _prepare(read, catalog, units, current, file_period, period_findings, allow_new_units,
                   federation_name, uploader, uploader_units, resolver)
    rules = RULES if rules is None else rules
    _register(rules)
    for rule in rules:
        findings += rule.check(ctx)

    cmp = ctx.compared
    is_new = cmp["old"].isna()
    same = ~is_new & ((cmp["old"] - cmp["value"]).abs() < 1e-9) & (cmp["old_approx"].fillna(False).astype(bool)
                                                                   == cmp["approximate"])
    new, unchanged = int(is_new.sum()), int(same.sum())
    updated = len(cmp) - new - unchanged
    changes = [{"unit": r.unit, "unit_text": r.unit_text, "indicator": r.indicator, "period": r.period,
                "old": float(r.old), "new": float(r.value), "where": r.where}
               for r in cmp[~is_new & ~same].itertuples()]
    read_n = int(len(ctx.cells)) + read.ignored
    counts = {"read": read_n, "new": new, "updated": updated, "unchanged": unchanged,
              "ignored": read_n - new - updated - unchanged}
    findings.sort(key=lambda f: (f.severity != "error", _order(f.where)))
    return Validated(findings, ctx.values, ctx.file_period, counts, changes, ctx.new_units)


def unit_rows_of(read: ReadResult) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The cells of unit rows and each row once: (mask of unit-row cells, their positions, each
    one's row number (factorize of its row's cell), the rows' cells, each row's first cell).
    Made once per read file and kept on it: the importer's unit filter and the validation
    both ask (800,000 cells compared and hashed once, not twice)."""
    kept = getattr(read, "_unit_rows", None)
    if kept is not None and kept[0] is read.cells:
        return kept[1]
    cells = read.cells
    unit_rows = (cells["row_kind"] == "unit").to_numpy(dtype=bool)
    at_unit = np.flatnonzero(unit_rows)
    row_number, row_wheres = pd.factorize(cells["row_where"].to_numpy()[at_unit], use_na_sentinel=False)
    first = at_unit[np.unique(row_number, return_index=True)[1]] if len(at_unit) else at_unit
    found = (unit_rows, at_unit, row_number, row_wheres, first)
    read._unit_rows = (cells, found)
    return found


def _codes(values: np.ndarray) -> np.ndarray:
    """``pd.factorize(values, use_na_sentinel=False)[0]``, without hashing 800,000 cells when all
    hold one text (the file's quarter, the sheet of a one-sheet file): then every code is 0."""
    if len(values) and values.dtype == object and isinstance(values[0], str):
        try:
            same = bool((values == values[0]).all())
        except (TypeError, ValueError):  # a value whose == is not a plain bool (pd.NA)
            same = False
        if same:
            return np.zeros(len(values), dtype=np.intp)
    return pd.factorize(values, use_na_sentinel=False)[0]


def _prepare(read, catalog, units, current, file_period, period_findings, allow_new_units, federation_name,
             uploader, uploader_units=(), resolver=None) -> Context:
    """The context the rules read: each cell's period and unit, the values to store, the stored state."""
    cells = read.cells.copy(deep=False)  # copy on write: the columns added below leave read.cells as it is
    # periods per cell (a long table's 期间 column, else the file's)
    per_cell = cells["period"]
    bad = pd.Series(False, index=cells.index)
    named = per_cell.notna()
    if named.any():  # a long table's 期间 column (a wide sheet names none: 800,000 empty cells)
        bad[named] = per_cell[named].astype(str).str.startswith("!")
    file_period_before_column = file_period
    if isinstance(file_period, str):  # the file's quarter, one object in every cell without its own
        period_each = per_cell.to_numpy(dtype=object, copy=True)  # (where() made 800,000 copies of it)
        period_each[~(per_cell.notna() & ~bad).to_numpy(dtype=bool)] = file_period
        cells["period"] = pd.Series(period_each, index=cells.index, dtype=object, copy=False)
    else:
        cells["period"] = per_cell.where(per_cell.notna() & ~bad, file_period)
    if file_period is None:  # a long table's 期间 column naming one quarter is the file's period
        named = cells["period"].dropna().unique()
        if len(named) == 1:
            file_period = str(named[0])

    # units
    resolver = resolver or UnitResolver(units)
    # each unit row once (a row's cells share its unit), in the order the file gives them: the
    # rows are numbered (factorize) and asked in Python once each, and the answers are spread
    # over the 800,000 cells by those numbers, not by mapping their texts
    unit_rows, at_unit, row_number, row_wheres, first = unit_rows_of(read)
    row_codes = cells["unit_code"].to_numpy()[first].tolist()
    row_names = cells["unit_name"].to_numpy()[first].tolist()
    resolved: list[str | None] = []
    found_rows: list[dict] = []
    new_units = []
    existing_codes = set(units["code"])
    made: dict[str, str] = {}
    taken: set[str] = set()  # made.values(), as a set: a file of 20,000 new units was quadratic
    for unit_code, unit_name, row_where in zip(row_codes, row_names, row_wheres.tolist()):
        code = resolver(unit_code, unit_name)
        label = unit_name or unit_code
        entry = {"where": row_where, "label": label, "code": code, "new_code": None}
        if code is None and label and allow_new_units:
            key = fold_name(label)
            if key not in made:
                new_code = unit_code if unit_code and unit_code not in existing_codes else None
                n = len(existing_codes) + len(made) + 1
                while new_code is None or new_code in existing_codes or new_code in taken:
                    new_code, n = f"N{n:04d}", n + 1
                made[key] = new_code
                taken.add(new_code)
                new_units.append({"code": new_code, "name_zh": unit_name or unit_code, "name_en": "",
                                  "level": "community", "file_code": unit_code or "", "where": row_where})
                entry["first_new"] = True
            code = made[key]
            entry.update(code=code, new_code=code)
        found_rows.append(entry)
        resolved.append(code)
    unit_of_cell = np.full(len(cells), None, dtype=object)
    unit_of_cell[at_unit] = np.array(resolved, dtype=object)[row_number] if len(at_unit) else []
    cells["unit"] = pd.Series(unit_of_cell, index=cells.index, dtype=object, copy=False)

    new_frame = pd.DataFrame(new_units, columns=["code", "name_zh", "name_en", "level", "file_code", "where"])
    if len(new_frame):
        fed = units.loc[units["level"] == "federation", "code"]
        parent = fed.iloc[0] if len(fed) else "FED"
        if not len(fed):
            new_frame = pd.concat([pd.DataFrame([{"code": "FED", "name_zh": federation_name, "name_en": "",
                                                  "level": "federation", "parent": ""}]), new_frame])
        new_frame["parent"] = new_frame["parent"].fillna(parent) if "parent" in new_frame else parent
        new_frame.loc[new_frame["level"] == "federation", "parent"] = ""
        # each new unit under the parent it most likely belongs to: the uploader's community, else
        # the one the file's other units share (an enterprise); else the federation (a community)
        from ingest.units_match import placer

        known = [c for c in resolved if c is not None and c in existing_codes]
        names = dict(zip(units["code"], units["name_zh"]))
        names_en = dict(zip(units["code"], units.get("name_en", units["name_zh"])))
        place = placer(units, known, uploader_units)  # once per file, not once per new unit
        parents, levels = new_frame["parent"].tolist(), new_frame["level"].tolist()
        for n, name in enumerate(new_frame["name_zh"].tolist()):  # by position: the index may repeat
            if levels[n] != "federation":
                where, level = place(str(name))
                if where:
                    parents[n], levels[n] = where, level
        new_frame["parent"], new_frame["level"] = parents, levels
        placed = dict(zip(new_frame["code"].tolist(), parents))  # columns as lists: no row tuples of 20,000 units
        for entry in found_rows:
            if entry.get("first_new") and entry["new_code"] in placed:
                parent = placed[entry["new_code"]]
                entry["parent"] = parent
                entry["parent_name"] = names.get(parent, federation_name)
                entry["parent_name_en"] = names_en.get(parent) or entry["parent_name"]

    ok = cells["error"].isna() & cells["value"].notna()
    # each cell's indicator as a number (factorize), so its kind and percent are looked up once
    # per indicator, not once per cell
    indicator_number, indicators = pd.factorize(cells["indicator"].to_numpy(), use_na_sentinel=False)
    kind_of = {i.code: i.kind for i in catalog}
    percent_of = {i.code: i.is_percent for i in catalog}
    kind_each = np.array([kind_of.get(c) for c in indicators.tolist()] + [None], dtype=object)
    percent_each = np.array([bool(percent_of.get(c, False)) for c in indicators.tolist()] + [False], dtype=bool)
    kinds = pd.Series(kind_each[indicator_number], index=cells.index, dtype=object)
    percent = pd.Series(percent_each[indicator_number], index=cells.index, dtype=bool)
    in_value_column = unit_rows & (cells["col_role"] == "value").to_numpy(dtype=bool) & ok.to_numpy(dtype=bool)
    # (only the columns the rules read: a copy of every column of 800,000 cells was most of the memory)
    main = cells.loc[in_value_column,
                     ["sheet", "row", "col", "where", "row_where", "unit_code", "unit_name", "indicator", "value",
                      "approximate", "period", "unit"]]

    main_at = np.flatnonzero(in_value_column)
    row_of_cell = np.full(len(cells), -1, dtype=np.int64)
    row_of_cell[at_unit] = row_number
    unit_number = np.full(len(cells), -1, dtype=np.int64)
    unit_number[at_unit] = pd.factorize(np.array(resolved, dtype=object))[0][row_number] if len(at_unit) else []
    main_unit = unit_number[main_at]
    main_numbers = {"has_unit": main_unit >= 0,
                    "key": np.where(main_unit >= 0, main_unit, len(resolved) + row_of_cell[main_at]),
                    "indicator": indicator_number[main_at],
                    "period": _codes(main["period"].to_numpy()),
                    "sheet": _codes(main["sheet"].to_numpy()),
                    "indicators": indicators.tolist(), "unit_rows": unit_rows}

    # values to store: flows and stocks of known units, the first cell of each unit, indicator
    # and quarter (told apart by numbers: the row's unit, the indicator's and the quarter's)
    store_at = np.flatnonzero(in_value_column & (kind_each[indicator_number] != "rate") & pd.notna(unit_of_cell)
                              & cells["period"].notna().to_numpy(dtype=bool))
    period_number = _codes(cells["period"].to_numpy()[store_at])
    key = _key_of(unit_number[store_at], indicator_number[store_at], period_number)
    store_at = store_at[~pd.Index(key).duplicated(keep="first")]
    names, codes = cells["unit_name"].to_numpy()[store_at], cells["unit_code"].to_numpy()[store_at]
    values = pd.DataFrame({"unit": pd.Series(unit_of_cell[store_at], dtype=object),
                           "indicator": pd.Series(cells["indicator"].to_numpy()[store_at], dtype=object),
                           "period": pd.Series(cells["period"].to_numpy()[store_at], dtype=object),
                           "value": cells["value"].to_numpy()[store_at].astype(float),
                           "approximate": cells["approximate"].to_numpy()[store_at].astype(bool),
                           "unit_text": pd.Series(np.where(names != "", names, codes), dtype=object),
                           "where": pd.Series(cells["where"].to_numpy()[store_at], dtype=object)})

    cur = current[KEYS3 + ["value", "approximate"]] if len(current) else \
        pd.DataFrame({"unit": [], "indicator": [], "period": [], "value": [], "approximate": []})
    cur = cur.astype({"value": float, "approximate": bool})
    for col in KEYS3:  # as objects, each text one shared object (astype made one per cell: 0.15 GB)
        cur[col] = shared_objects(cur[col])
    cmp = values[KEYS3 + ["value", "approximate", "unit_text", "where"]].astype(
        {"unit": object, "indicator": object, "period": object}).merge(
        cur.rename(columns={"value": "old", "approximate": "old_approx"}), on=KEYS3, how="left")
    return Context(read, catalog, cells, file_period, period_findings, bad, resolver, found_rows, new_frame,
                   uploader, ok, kinds, percent, main, values, cur, cmp, file_period_before_column,
                   main_numbers=main_numbers, value_cells=in_value_column)


def _key_of(*numbers: np.ndarray) -> np.ndarray:
    """One int64 per row from columns of small non-negative numbers (factorize codes), equal
    exactly where every column is equal: a mixed-radix number."""
    key = np.zeros(len(numbers[0]), dtype=np.int64)
    for column in numbers:
        column = np.asarray(column, dtype=np.int64)
        key = key * (int(column.max(initial=0)) + 1) + column
    return key


def text_limits() -> dict[str, int]:
    """The longest text the database takes for each thing an import writes from the file or the
    command line, read from the table definitions (``String(length)``) so that the dry run
    checks the same limits on SQLite (which would keep longer text) as on PostgreSQL (which
    refuses it). A thing stored in several columns gets the smallest of their lengths."""
    def limit(*columns: sa.Column) -> int:
        return min(c.type.length for c in columns)

    return {"unit_name": limit(schema.units.c.name_zh, schema.units.c.name_en),
            "unit_code": limit(schema.units.c.code, schema.units.c.parent, schema.observations.c.unit),
            "uploader": limit(schema.uploads.c.uploader, schema.audit_log.c.actor)}


_LONG_WHAT = {"unit_name": ("单位名称", "unit name"), "unit_code": ("单位代码", "unit code"),
              "uploader": ("上传人", "uploader")}


def too_long(new_units: pd.DataFrame, uploader: str | None) -> list[Finding]:
    """Rule ``too_long`` (error): a new unit's name or code, or the uploader, longer than the
    database keeps (:func:`text_limits`). ``new_units``: code, name_zh, where (the unit's cell)."""
    limits = text_limits()
    checks = []
    wheres = new_units["where"].tolist() if "where" in new_units else [None] * len(new_units)
    for name, code, at in zip(new_units["name_zh"].tolist() if len(new_units) else [],
                              new_units["code"].tolist() if len(new_units) else [], wheres):
        where = at if isinstance(at, str) and at else str(name)
        checks += [("unit_name", str(name), where), ("unit_code", str(code), where)]
    if uploader is not None:
        checks.append(("uploader", str(uploader), "--user"))
    findings = []
    for what, text, where in checks:
        if len(text) > limits[what]:
            zh, en = _LONG_WHAT[what]
            findings.append(Finding("too_long", where, {
                "what_zh": zh, "what_en": en, "n": len(text), "limit": limits[what],
                "text": text if len(text) <= 24 else text[:24] + "…"}))
    return findings


def _parts_against_stored(values: pd.DataFrame, cur: pd.DataFrame, catalog: Catalog) -> list[Finding]:
    """Part <= whole of every catalog rate in the state *after* the upload: where the file
    brings one part of a unit's quarter and the other part is already stored (a re-upload of
    建会企业数 alone), the two are compared as they will stand. A part over its whole is an
    error at the file's cell, naming the stored value."""
    out: list[Finding] = []
    if values.empty or cur.empty:
        return out
    keys3 = ["unit", "indicator", "period"]
    new = values[keys3 + ["value", "where"]]
    # only the parts and wholes of rates: other stored values pair with nothing here (all of a
    # re-upload's stored quarter, 850,000 values beside 700,000, were this check's peak of memory)
    sides = {c for ind in catalog if ind.kind == "rate" for c in (ind.numerator, ind.denominator)}
    stored = cur[cur["unit"].isin(new["unit"].unique()) & cur["period"].isin(new["period"].unique())
                 & cur["indicator"].isin(sides)][keys3 + ["value"]]
    if stored.empty:  # nothing stored beside the file's units (new units, a first upload): no pair to compare
        return out
    # only the file's units and quarters with something stored can pair a file value with a stored one
    new = new[rows_in(new, stored, ["unit", "period"])]
    if new.empty:
        return out
    after = pd.concat([stored.assign(where=None, from_file=False), new[new["indicator"].isin(sides)].assign(
        from_file=True)], ignore_index=True)
    after = after.drop_duplicates(keys3, keep="last")
    # one merge per rate (numerator and denominator side by side for each unit and quarter the
    # file touches), not one lookup per unit: 20,000 units took minutes that way
    for ind in catalog:
        if ind.kind != "rate":
            continue
        touched = new.loc[new["indicator"].isin([ind.numerator, ind.denominator]), ["unit", "period"]]
        if touched.empty:
            continue
        touched = touched.drop_duplicates()
        side = ["unit", "period", "value", "from_file", "where"]
        pairs = (touched
                 .merge(after.loc[after["indicator"] == ind.numerator, side], on=["unit", "period"])
                 .merge(after.loc[after["indicator"] == ind.denominator, side], on=["unit", "period"],
                        suffixes=("_num", "_den")))
        over = pairs[~(pairs["from_file_num"].astype(bool) & pairs["from_file_den"].astype(bool))
                     & (pairs["value_num"].astype(float) > pairs["value_den"].astype(float))]
        for row in over.sort_values(["unit", "period"], kind="stable").itertuples(index=False):
            num_in_file = bool(row.from_file_num)
            where, other = (row.where_num, ind.denominator) if num_in_file else (row.where_den, ind.numerator)
            out.append(Finding("part_over_stored_whole", str(where), {
                "part_value": _num(float(row.value_num)), "whole_value": _num(float(row.value_den)),
                "stored_zh": catalog[other].zh, "stored_en": catalog[other].en, "period": P.label(row.period),
                "period_en": P.label(row.period, "en"),
                **{f"part_{k[-2:]}": v for k, v in _names(catalog, ind.numerator).items()},
                **{f"whole_{k[-2:]}": v for k, v in _names(catalog, ind.denominator).items()}}))
    return out


_PLAIN_REF = re.compile(r"([A-Z]+)([0-9]+)")


def _order(where: str) -> tuple:
    sheet, _, ref = where.partition("!")
    m = _PLAIN_REF.fullmatch(ref)
    if m:  # D7: the common case, without a loop over characters
        return (sheet, int(m[2]), len(m[1]), m[1])
    letters = "".join(ch for ch in ref if ch.isalpha())
    digits = "".join(ch for ch in ref if ch.isdigit())
    return (sheet, int(digits) if digits else 0, len(letters), letters)
