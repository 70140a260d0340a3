"""The audit log for people: each entry as a sentence (templates ``forms.audit.<action>`` in
i18n/zh and i18n/en, one per action), filters by who, what and when, and an export (.xlsx,
or CSV with a byte-order mark so Excel on Windows opens the Chinese) whose text cannot run as
a formula. Pure: frames in, frames and bytes out."""

from __future__ import annotations

import io
import json

import pandas as pd

from i18n import has, plural, t
from metrics import periods as P


def _actor(name: object, lang: str) -> str:
    text = "" if name is None else str(name)
    return t("forms.system", lang) if text == "system" else text


def _ids(value) -> str:
    items = value if isinstance(value, list) else [value]
    return "、".join(str(i) for i in items)


def _names(value, lang: str) -> str:
    items = value if isinstance(value, list) else [value]
    return ("、" if lang == "zh" else ", ").join(str(i) for i in items) if items else "—"


def _params(action: str, detail: dict, lang: str) -> dict:
    """The template's fields from an entry's stored detail (missing ones read as —)."""
    d = {k: v for k, v in detail.items() if not isinstance(v, (dict, list))}
    period = detail.get("period")
    reason = str(detail.get("reason") or "").strip()
    d.update({
        "n": len(detail.get("codes") or detail.get("changes") or detail.get("uploads") or detail.get("units") or []),
        "units": _names(detail.get("units") or [], lang),
        "codes": _names(detail.get("codes") or [], lang),
        "uploads": _ids(detail.get("uploads") or []),
        "period": (P.label(period, lang) if period else "—"),
        "reason": t("forms.audit_reason", lang, reason=reason) if reason else "",
        "new": _names(detail.get("new") or [], lang) if isinstance(detail.get("new"), list) else detail.get("new", ""),
    })
    for side in ("old", "new"):  # a rename stores {name_zh, name_en} on each side
        if isinstance(detail.get(side), dict):
            d[f"{side}_name"] = detail[side].get("name_zh") or "—"
    return d


class _Blank(dict):
    def __missing__(self, key):
        return "—"


def sentence(action: str, actor: str, detail: str | dict, lang: str = "zh") -> str:
    """One entry in words: 张三导入了第 12 号上报“2016Q1.xlsx”（2016年第1季度，120 个数据）。
    An action without a template reads ``<who>: <action> <detail>``."""
    if isinstance(detail, str):
        try:
            detail = json.loads(detail) if detail else {}
        except ValueError:
            detail = {"text": detail}
    if not isinstance(detail, dict):
        detail = {"value": detail}
    who = _actor(actor, lang)
    key = f"forms.audit.{action.replace('.', '_')}"
    if has(key, lang):
        params = {**_params(action, detail, lang), "actor": who}
        return plural(t(key, lang), params).format_map(_Blank(params))
    label_key = f"data.action.{action.replace('.', '_')}"
    label = t(label_key, lang) if has(label_key, lang) else action
    compact = json.dumps(detail, ensure_ascii=False)[:200]
    return t("forms.audit_other", lang, actor=who, action=label, detail=compact)


def audit_frame(log: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Time, who, what (the action's name) and the sentence of each entry."""
    def label(code: str) -> str:
        key = f"data.action.{code.replace('.', '_')}"
        return t(key, lang) if has(key, lang) else code

    return pd.DataFrame({
        t("data.audit.at", lang): log["at"].astype(str).str.slice(0, 19),
        t("data.audit.actor", lang): [_actor(a, lang) for a in log["actor"]],
        t("data.audit.action", lang): log["action"].map(label),
        t("forms.audit_sentence", lang): [sentence(a, who, d, lang)
                                          for a, who, d in zip(log["action"], log["actor"], log["detail"])],
    })


def filter_log(log: pd.DataFrame, actors=None, actions=None, start=None, end=None) -> pd.DataFrame:
    """Entries by any of ``actors``, of any of ``actions``, on days ``start``..``end`` (inclusive);
    an empty or None filter keeps everything."""
    keep = pd.Series(True, index=log.index)
    if actors:
        keep &= log["actor"].isin(list(actors))
    if actions:
        keep &= log["action"].isin(list(actions))
    day = pd.to_datetime(log["at"].astype(str).str.slice(0, 10), errors="coerce").dt.date
    if start is not None:
        keep &= day >= start
    if end is not None:
        keep &= day <= end
    return log[keep]


def export_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM; text starting like a formula gets a leading ``'``."""
    from metrics.report_text import safe_text

    safe = frame.map(lambda v: safe_text(v) if isinstance(v, str) else v)
    return safe.to_csv(index=False).encode("utf-8-sig")


def export_xlsx(frame: pd.DataFrame) -> bytes:
    """One sheet; every cell written as text or number, formula-like text neutralised."""
    from metrics.report_text import safe_text

    safe = frame.map(lambda v: safe_text(v) if isinstance(v, str) else v)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name="log")
        ws = writer.sheets["log"]
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        for col, width in zip("ABCD", (20, 14, 14, 90)):
            ws.column_dimensions[col].width = width
    return buf.getvalue()
