"""The import report: plain data, rendered in either language only when shown.

Every import is a dry run first. Its :class:`ImportReport` counts what the file holds
(read / new / updated / unchanged / ignored, in the style of the import summaries of
established statistical systems), lists each :class:`Finding` with the sheet and cell it
concerns (``季度数据!D7``), a stable ``code`` and the ``params`` of its message, and the
changes an import would make (old value -> new value). Messages come from
``i18n/<lang>/ingest.toml`` by code: ``i18n.t(f"ingest.{code}", lang, **params)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from i18n import has, t

ERROR = "error"
WARNING = "warning"

# Every finding code and its severity. Errors block the import; warnings need an acknowledgement.
CODES = {
    # the file itself (cannot be read at all)
    "too_large": ERROR,
    "empty_file": ERROR,
    "not_a_spreadsheet": ERROR,
    "corrupt_file": ERROR,
    "zip_bomb": ERROR,
    "xml_entities": ERROR,
    "too_many_rows": ERROR,
    "too_many_columns": ERROR,
    "encrypted_file": ERROR,
    "too_many_cells": ERROR,
    "line_too_long": ERROR,
    "encoding_unsupported": ERROR,
    "read_limit": ERROR,
    # what the file holds
    "no_table": ERROR,
    "duplicate_file": ERROR,
    "period_locked": ERROR,
    "unknown_unit": ERROR,
    "missing_unit": ERROR,
    "not_a_number": ERROR,
    "date_not_number": ERROR,
    "formula_error": ERROR,
    "formula_no_value": ERROR,
    "negative_count": ERROR,
    "percent_over_100": ERROR,
    "part_over_whole": ERROR,
    "part_over_stored_whole": ERROR,
    "subset_over_parent": ERROR,
    "duplicate_unit": ERROR,
    "period_conflict": ERROR,
    "period_missing": ERROR,
    "period_not_quarter": ERROR,
    "too_long": ERROR,
    "out_of_scope": ERROR,  # a clerk's file with rows of units not hers (i18n/*/scope.toml)
    "total_mismatch": WARNING,
    "far_from_last_quarter": WARNING,
    "rate_mismatch": WARNING,
    "approximate": WARNING,
    "unknown_column": WARNING,
    "unknown_indicator": WARNING,
    "new_unit": WARNING,
    "ytd_mismatch": WARNING,
    "control_chars": WARNING,
    "sheet_name_differs": WARNING,
}

# Findings about the file as a whole: the importer stops at the first one (exit code 2).
UNREADABLE = frozenset({"too_large", "empty_file", "not_a_spreadsheet", "corrupt_file", "zip_bomb",
                        "xml_entities", "too_many_rows", "too_many_columns", "encrypted_file",
                        "too_many_cells", "line_too_long", "encoding_unsupported", "read_limit"})


_MESSAGE_KEY: dict[tuple[str, str], str] = {}  # (code, lang) -> the string catalog key of its message


@dataclass(frozen=True)
class Finding:
    """One problem: where (``季度数据!D7`` or the file name), a stable code, message parameters."""

    code: str
    where: str
    params: dict = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return CODES[self.code]

    def message(self, lang: str = "zh") -> str:
        """The message in ``lang``. A parameter given in both languages (``indicator_zh``,
        ``indicator_en``) is passed as ``indicator`` in the language asked for."""
        values = {}
        for key, value in self.params.items():
            if key.endswith(("_zh", "_en")):
                if key.endswith("_" + lang):
                    values[key[:-3]] = value
            else:
                values[key] = value
        key = _MESSAGE_KEY.get((self.code, lang))
        if key is None:  # once per code and language: a district's file has 20,000 findings
            key = _MESSAGE_KEY[(self.code, lang)] = next(
                (k for k in (f"ingest.{self.code}", f"scope.{self.code}", f"forms.{self.code}") if has(k, lang)),
                f"guard.{self.code}")  # scope.toml, forms.toml, guard.toml
        return t(key, lang, where=self.where, **values)

    def advice(self, lang: str = "zh") -> str:
        """The message without the leading location (``季度数据!D7：``), for tables that show
        the location in a column of its own; a message naming its cell mid-sentence is whole."""
        text = self.message(lang)
        for lead in (f"{self.where}：", f"{self.where}:", f"“{self.where}”：", f"\"{self.where}\":"):
            if self.where and text.startswith(lead):
                return text[len(lead):].lstrip()
        return text

    def to_dict(self, lang: str = "zh") -> dict:
        return {"where": self.where, "code": self.code, "severity": self.severity,
                "message": self.message(lang), "params": self.params}


def _copied(value):
    """``value`` with its dicts, lists and tuples copied, as ``dataclasses.asdict`` copies a
    finding's parameters (strings and numbers are shared: they do not change)."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copied(v) for v in value)
    return value


class UnreadableFile(Exception):
    """The file cannot be read at all (not a spreadsheet, corrupt, hostile, too big)."""

    def __init__(self, code: str, where: str, **params):
        super().__init__(code)
        self.finding = Finding(code, where, params)


@dataclass
class ImportReport:
    """What a dry run found; JSON-ready via :meth:`to_dict`."""

    filename: str
    sha256: str
    period: str | None = None
    counts: dict = field(default_factory=lambda: {"read": 0, "new": 0, "updated": 0, "unchanged": 0, "ignored": 0})
    findings: list[Finding] = field(default_factory=list)
    changes: list[dict] = field(default_factory=list)  # unit, indicator, period, old, new, where
    ignored_columns: list[dict] = field(default_factory=list)  # where, header
    sheets: list[str] = field(default_factory=list)
    readable: bool = True
    duplicate_of: int | None = None
    # stored values of this quarter the file leaves counting (a blank cell, a unit not in the file):
    # unit, indicator, period, value, reason (blank | not_in_file), where; see ingest/kept.py
    kept: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def codes(self) -> list[str]:
        return [f.code for f in self.findings]

    def to_dict(self, lang: str = "zh") -> dict:
        return {
            "ok": self.ok,
            "file": self.filename,
            "sha256": self.sha256,
            "period": self.period,
            "counts": dict(self.counts),
            "errors": [f.to_dict(lang) for f in self.errors],
            "warnings": [f.to_dict(lang) for f in self.warnings],
            "changes": list(self.changes),
            "ignored_columns": list(self.ignored_columns),
            "sheets": list(self.sheets),
            "duplicate_of": self.duplicate_of,
            "kept": list(self.kept),
        }

    def summary(self) -> dict:
        """A compact form stored with the upload (no messages: they are rendered on demand). Each
        finding as ``dataclasses.asdict`` gives it (``code``, ``where``, ``params``), built
        directly: ``asdict`` deep-copies every parameter, 1.6 s for the 20,000 new-unit
        findings of a district's quarter."""
        return {"period": self.period, "counts": dict(self.counts),
                "findings": [{"code": f.code, "where": f.where, "params": _copied(f.params)} for f in self.findings],
                "sheets": self.sheets, "kept": len(self.kept)}


# ---- display tables (pure; column labels from i18n/<lang>/upload.toml) ---------------------------


def findings_frame(findings: list[Finding], lang: str = "zh"):
    """Where and message of each finding, for a table."""
    import pandas as pd

    return pd.DataFrame({t("upload.report.where", lang): [f.where for f in findings],
                         t("upload.report.message", lang): [f.advice(lang) for f in findings]})


def preview_frame(values, catalog, lang: str = "zh"):
    """The values an import would store: unit as written, indicator name, value, approximate."""
    import pandas as pd

    return pd.DataFrame({
        t("upload.report.where", lang): values["where"],
        t("upload.report.unit", lang): values["unit_text"],
        t("upload.report.indicator", lang): [catalog[c].name(lang) for c in values["indicator"]],
        t("upload.report.value", lang): values["value"],
        t("upload.report.approximate", lang): values["approximate"],
    })


def changes_frame(changes: list[dict], catalog, lang: str = "zh"):
    """Updated cells: unit, indicator, old value -> new value."""
    import pandas as pd

    return pd.DataFrame({
        t("upload.report.where", lang): [c["where"] for c in changes],
        t("upload.report.unit", lang): [c["unit_text"] for c in changes],
        t("upload.report.indicator", lang): [catalog[c["indicator"]].name(lang) for c in changes],
        t("upload.report.old", lang): [c["old"] for c in changes],
        t("upload.report.new_value", lang): [c["new"] for c in changes],
    })


def kept_frame(kept: list[dict], catalog, unit_names: dict, lang: str = "zh"):
    """Earlier values a re-upload leaves counting: where (the blank cell, if there is one), unit,
    indicator, the earlier value, and why (blank here / unit not in this file)."""
    import pandas as pd

    return pd.DataFrame({
        t("upload.report.where", lang): [k["where"] or "—" for k in kept],
        t("upload.report.unit", lang): [unit_names.get(k["unit"], k["unit"]) for k in kept],
        t("upload.report.indicator", lang): [catalog[k["indicator"]].name(lang) for k in kept],
        t("kept.col.value", lang): [k["value"] for k in kept],
        t("kept.col.reason", lang): [t(f"kept.reason.{k['reason']}", lang) for k in kept],
    })
