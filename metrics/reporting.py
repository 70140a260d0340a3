"""The reporting season: who was expected to report a quarter, who did, when, and how it was reviewed.

Pure: frames in, frames out. The numbers follow DHIS2's data-set reporting metrics:

* ``EXPECTED_REPORTS``  the units expected to report the quarter
  (:func:`metrics.rollup.expected_reporters`: the units' active spans; a unit that reported
  counts as expected too).
* ``ACTUAL_REPORTS``  expected units that have values from an active (not withdrawn) upload
  for the quarter.
* ``ACTUAL_REPORTS_ON_TIME``  those whose *first* active upload for the quarter came on or
  before the quarter's deadline (a later correction does not make a report late).
* ``REPORTING_RATE = ACTUAL_REPORTS / EXPECTED_REPORTS × 100``;
  ``REPORTING_RATE_ON_TIME = ACTUAL_REPORTS_ON_TIME / EXPECTED_REPORTS × 100``. No expected
  reports gives NaN, never 0 or 100.

The deadline of a quarter is a setting (``deadlines``: ``{period: date}``); without one it is
the :data:`DEFAULT_DEADLINE_DAYS`-th day after the quarter ends (2017Q1 → 2017-04-10).

Review (issue 10 item 4): ``reviews`` holds every review action, oldest first (``unit,
period, action, comment, actor, at``; action approve / return / unlock). The latest action
decides: ``approve`` → ``approved`` (the quarter of that unit is locked), ``return`` →
``returned`` unless an upload came after it (then ``reported`` again, a resubmission),
``unlock`` → back to ``reported`` / ``missing``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd

from metrics import periods, rollup

#: Without a setting, a quarter's deadline is this many days after its last day.
DEFAULT_DEADLINE_DAYS = 10

STATES = ("missing", "reported", "returned", "approved")

STATUS_COLUMNS = ["unit", "period", "state", "reported", "on_time", "deadline", "first_at", "uploaded_at",
                  "uploader", "filename", "upload_id", "filled", "comment", "reviewed_by", "reviewed_at"]
RATE_COLUMNS = ["unit", "period", "EXPECTED_REPORTS", "ACTUAL_REPORTS", "ACTUAL_REPORTS_ON_TIME",
                "REPORTING_RATE", "REPORTING_RATE_ON_TIME", "approved", "returned"]


def quarter_end(period: str) -> date:
    """The last day of a quarter: ``2017Q1`` → 2017-03-31."""
    year, q = int(period[:4]), int(period[-1])
    first_next = date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return first_next - timedelta(days=1)


def deadline(period: str, deadlines: dict[str, date] | None = None) -> date:
    """The quarter's reporting deadline: the setting if there is one, else the
    :data:`DEFAULT_DEADLINE_DAYS`-th day after the quarter ends (2017Q4 → 2018-01-10)."""
    if deadlines and deadlines.get(period):
        return deadlines[period]
    return quarter_end(period) + timedelta(days=DEFAULT_DEADLINE_DAYS)


def _day(moment) -> date | None:
    if moment is None or (not isinstance(moment, (datetime, date, pd.Timestamp)) and pd.isna(moment)):
        return None
    if isinstance(moment, pd.Timestamp):
        if pd.isna(moment):
            return None
        moment = moment.to_pydatetime()
    return moment.date() if isinstance(moment, datetime) else moment


def review_state(reviews: pd.DataFrame) -> pd.DataFrame:
    """The latest review action per (unit, period): ``unit, period, action, comment, actor, at``."""
    cols = ["unit", "period", "action", "comment", "actor", "at"]
    if reviews is None or reviews.empty:
        return pd.DataFrame(columns=cols)
    return reviews[cols].groupby(["unit", "period"], as_index=False, sort=False).last()


def unit_status(observations: pd.DataFrame, uploads: pd.DataFrame, units: pd.DataFrame, period: str | list[str],
                reviews: pd.DataFrame | None = None, deadlines: dict[str, date] | None = None) -> pd.DataFrame:
    """Every unit expected to report ``period`` (one quarter or a list) with its state (:data:`STATES`).

    ``observations``: the values of active uploads (``upload_id, unit, indicator, period, value``);
    ``uploads``: ``id, uploaded_at, uploader, filename``; ``units``: the units table.
    Expected: :func:`metrics.rollup.expected_reporters` over the quarters of the data, plus any
    unit that reported. ``filled``: how many indicators of the unit have a value for the quarter.
    ``uploaded_at / uploader / filename / upload_id``: the latest active upload with values of
    the unit for the quarter; ``first_at``: the first, which decides ``on_time`` (``first_at``'s
    day on or before ``deadline``). Returns :data:`STATUS_COLUMNS`, one row per expected unit
    and quarter, in quarter then unit order. Does not change its inputs.
    """
    wanted = [period] if isinstance(period, str) else list(period)
    obs = observations[observations["value"].notna()] if len(observations) else observations
    first = min(wanted, key=periods.index)
    last = max(wanted, key=periods.index)
    if len(obs):
        lo, hi = rollup._bounds(obs["period"])
        first, last = min(lo, first, key=periods.index), max(hi, last, key=periods.index)
        expected = rollup.expected_reporters(obs, units, first, last)
        mine = obs[obs["period"].isin(wanted)]
    else:
        expected = pd.DataFrame(columns=["unit", "period"])
        mine = obs
    pairs = pd.concat([expected[expected["period"].isin(wanted)][["unit", "period"]],
                       mine[["unit", "period"]] if len(mine) else None]).drop_duplicates()
    rank = {c: i for i, c in enumerate(units["code"].astype(str))}
    out = pairs.assign(unit=pairs["unit"].astype(str), period=pairs["period"].astype(str))
    out = out.assign(_p=out["period"].map(periods.index), _u=out["unit"].map(rank).fillna(len(rank)))
    out = out.sort_values(["_p", "_u"]).drop(columns=["_p", "_u"]).reset_index(drop=True)
    due = {q: deadline(q, deadlines) for q in set(out["period"]) | set(wanted)}
    out["deadline"] = out["period"].map(due)
    info_cols = ["upload_id", "uploaded_at", "uploader", "filename", "first_at", "filled"]
    if len(mine):
        up = uploads.rename(columns={"id": "upload_id"})[["upload_id", "uploaded_at", "uploader", "filename"]]
        per = mine[["unit", "period", "upload_id"]].drop_duplicates().merge(up, on="upload_id", how="left")
        g = per.sort_values("upload_id").groupby(["unit", "period"])
        info = g[["upload_id", "uploaded_at", "uploader", "filename"]].last()
        info["first_at"] = g["uploaded_at"].first()
        info["filled"] = mine.groupby(["unit", "period"])["indicator"].nunique()
        info = info.reset_index()
    else:
        info = pd.DataFrame(columns=["unit", "period", *info_cols])
    out = out.merge(info, on=["unit", "period"], how="left")
    out["reported"] = out["upload_id"].notna()
    out["filled"] = out["filled"].fillna(0).astype("int64")
    out["on_time"] = [bool(r) and _day(f) is not None and _day(f) <= d
                      for r, f, d in zip(out["reported"], out["first_at"], out["deadline"])]
    state = review_state(reviews).rename(columns={"actor": "reviewed_by", "at": "reviewed_at"})
    out = out.merge(state, on=["unit", "period"], how="left")
    base = out["reported"].map({True: "reported", False: "missing"})
    resent = [bool(r) and _after(u, a) for r, u, a in zip(out["reported"], out["uploaded_at"], out["reviewed_at"])]
    out["state"] = np.where(out["action"] == "approve", "approved",
                            np.where((out["action"] == "return") & ~np.array(resent, dtype=bool), "returned", base))
    for col in ("uploader", "filename", "comment", "reviewed_by"):
        out[col] = out[col].fillna("").astype(str)
    return out[STATUS_COLUMNS]


def _after(a, b) -> bool:
    """``a`` later than ``b`` (datetimes; naive ones are read as UTC)."""
    if a is None or b is None or pd.isna(a) or pd.isna(b):
        return False
    return _utc(a) > _utc(b)


def _utc(moment) -> pd.Timestamp:
    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def rates(status: pd.DataFrame, ancestors: pd.DataFrame) -> pd.DataFrame:
    """DHIS2's reporting metrics of every unit's subtree, from :func:`unit_status` frames of one
    or more quarters. ``ancestors``: ``unit, ancestor`` pairs, each unit its own ancestor too
    (:func:`metrics.goals.ancestors`). ``REPORTING_RATE = ACTUAL_REPORTS / EXPECTED_REPORTS × 100``,
    ``REPORTING_RATE_ON_TIME = ACTUAL_REPORTS_ON_TIME / EXPECTED_REPORTS × 100``, NaN when nothing
    was expected. ``approved`` / ``returned``: units in that state. Returns :data:`RATE_COLUMNS`."""
    if status.empty:
        return pd.DataFrame(columns=RATE_COLUMNS)
    frame = status[["unit", "period", "reported", "on_time", "state"]].merge(ancestors, on="unit")
    frame = frame.assign(approved=frame["state"] == "approved", returned=frame["state"] == "returned",
                         one=1)
    g = frame.groupby(["ancestor", "period"])
    out = pd.DataFrame({
        "EXPECTED_REPORTS": g["one"].sum(),
        "ACTUAL_REPORTS": g["reported"].sum(),
        "ACTUAL_REPORTS_ON_TIME": g["on_time"].sum(),
        "approved": g["approved"].sum(),
        "returned": g["returned"].sum(),
    }).astype("int64").reset_index().rename(columns={"ancestor": "unit"})
    expected = out["EXPECTED_REPORTS"].replace(0, np.nan)
    out["REPORTING_RATE"] = out["ACTUAL_REPORTS"] / expected * 100
    out["REPORTING_RATE_ON_TIME"] = out["ACTUAL_REPORTS_ON_TIME"] / expected * 100
    out["_i"] = out["period"].map(periods.index)
    return out.sort_values(["unit", "_i"]).reset_index(drop=True)[RATE_COLUMNS]


def clerks_of(units: pd.DataFrame, user_units: pd.DataFrame, users: pd.DataFrame | None = None) -> pd.DataFrame:
    """``unit, clerk`` for every unit covered by a clerk: a unit assigned to a user, or under
    one (a community's clerk covers its enterprises). ``clerk``: display names (else user
    names) joined with "、", nearest assignment first. ``users``: ``username, display_name``."""
    names = {}
    if users is not None and len(users):
        names = {u: (d or u) for u, d in zip(users["username"], users.get("display_name", users["username"]))}
    parent = dict(zip(units["code"].astype(str), units["parent"].fillna("").astype(str)))
    direct: dict[str, list[str]] = {}
    for user, unit in zip(user_units["username"], user_units["unit"]) if len(user_units) else []:
        direct.setdefault(str(unit), []).append(names.get(user, user))
    rows = []
    for code in parent:
        found, node, seen = [], code, set()
        while node and node not in seen:
            seen.add(node)
            found += [n for n in direct.get(node, []) if n not in found]
            if found:
                break
            node = parent.get(node, "")
        if found:
            rows.append({"unit": code, "clerk": "、".join(found)})
    return pd.DataFrame(rows, columns=["unit", "clerk"])


def chase_list(status: pd.DataFrame, units: pd.DataFrame, clerks: pd.DataFrame) -> pd.DataFrame:
    """催报: the expected units of a :func:`unit_status` frame that have not reported (or were
    returned), with their community and clerk: ``unit, name, community, state, clerk, comment``."""
    todo = status[status["state"].isin(["missing", "returned"])]
    info = units.set_index(units["code"].astype(str))
    level = info["level"].to_dict()
    parent = info["parent"].fillna("").astype(str).to_dict()
    name = info["name_zh"].to_dict()

    def community(code: str) -> str:
        node = code
        while node and level.get(node) not in ("community", "federation"):
            node = parent.get(node, "")
        return name.get(node, "") if level.get(node) == "community" else ""
    clerk = dict(zip(clerks["unit"], clerks["clerk"])) if len(clerks) else {}
    return pd.DataFrame({
        "unit": todo["unit"].to_list(),
        "name": [name.get(u, u) for u in todo["unit"]],
        "community": [community(u) for u in todo["unit"]],
        "state": todo["state"].to_list(),
        "clerk": [clerk.get(u, "") for u in todo["unit"]],
        "comment": todo["comment"].to_list(),
    })
