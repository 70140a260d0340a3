"""The example data (示例数据): a deterministic generator of quarterly workbooks, 2011Q1-2017Q4.

Rolled up to the federation, 2011Q1-2015Q4 reproduces every figure of the 2016 congress
review (../shared/CATALOG.md): 1500 建会企业, 7167 会员, 98% 集体合同签订率, 95% 职代会建制率,
47 职工书屋, 12 调解劳资纠纷 and so on. 2016Q1-2017Q4 continue under the 2016-2020 plan with
believable movement: some goals ahead of pace, some behind, one binding goal stalled, one rate
slipping.

Community and building joint unions report one row each (their counts cover the small
enterprises they represent); each enterprise with a union of its own reports its own row; the
federation reports a row of its own (本级) for what it runs itself (service station, reports).

Everything is computed from a fixed seed; :func:`example_values` is pure and
:func:`write_example_workbooks` writes one template workbook per quarter into ``data/demo/``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from metrics import periods
from metrics.catalog import Catalog

SEED = 2016
HISTORY = ("2011Q1", "2015Q4")
CONTINUATION = ("2016Q1", "2017Q4")

# Stocks at 2015Q4 (seed figures) and 2017Q4 (example movement), federation totals.
# Each entry: (total 2015Q4, total 2017Q4, who reports: "community" | "enterprise" | "federation").
STOCKS_COMMUNITY = {
    "enterprises_total": (1725, 1810),
    "union_enterprises": (1460, 1600),
    "contract_enterprises": (1430, 1569),
    "employees": (5560, 6110),
    "members": (5217, 5730),
    "member_cards": (5113, 5560),
    "regional_contract_smes": (743, 810),
    "library_enterprises": (806, 860),
    "worker_libraries": (30, 33),
}
STOCKS_ENTERPRISE = {
    "employees": (2000, 2040),
    "members": (1950, 1970),
    "member_cards": (1910, 1955),
    "worker_libraries": (17, 19),
}
# Flow totals: (2011Q1-2015Q4 sum, 2016Q1-2017Q4 sum, reporters).
FLOWS = {
    "enterprise_problems_solved": (15, 7, "community"),
    "disputes_mediated": (12, 4, "all"),
    "wage_arrears_recovered": (2_034_500, 760_000, "community"),
    "hardship_aid": (206, 95, "all"),
    "seasonal_supplies": (712, 300, "community"),
    "harmonious_enterprises": (4, 2, "enterprise"),
    "training_sessions": (32, 14, "federation+community"),
    "trainees": (5230, 2500, "federation+community"),
    "certified_technicians": (5, 3, "enterprise"),
    "mutual_aid_policies": (3785, 1900, "all"),
    "mutual_aid_premiums": (230_000, 118_000, "all"),
    "mutual_aid_claims": (43, 20, "all"),
    "mutual_aid_payouts": (130_000, 61_000, "all"),
    "offpeak_services": (1036, 350, "federation"),
    "free_tickets": (6080, 2600, "federation+community"),
    "education_participants": (5000, 2100, "federation+community"),
    "volunteers": (2040, 900, "all"),
    "culture_events": (312, 160, "all"),
    "artworks_submitted": (104, 44, "all"),
    "artworks_awarded": (31, 12, "all"),
    "model_workers": (4, 1, "enterprise"),
    "research_reports": (283, 125, "federation+community"),
    # beyond the core catalog: the rest of the seed's figures (3万余元 宣传资料, 100%完成调训, 一篇获奖)
    "publicity_spending": (30_600, 12_000, "federation"),
    "cadre_training_assigned": (24, 10, "federation"),
    "awarded_reports": (1, 0, "federation"),
}
# The seed's 先进工作者 2名 and 五一劳动奖章 2名: model_workers split, persons in order of award.
MODEL_WORKER_SPLIT = {"hist": ("advanced_workers", 2), "cont": ("advanced_workers", 1)}
# 信息准确率 98%以上 in 2015Q4: records found inaccurate, federation total (7167 - 117 = 7050 accurate).
INACCURATE_RECORDS_2015 = 117
# Winter and summer months weigh more for some flows (送温暖 in Q1, 送清凉 in Q3).
SEASON = {"seasonal_supplies": (3.0, 0.3, 3.0, 0.6), "hardship_aid": (2.0, 0.8, 0.8, 1.2)}


def allocate(total: int, weights: np.ndarray, cap: np.ndarray | None = None) -> np.ndarray:
    """Split a whole number into integer parts proportional to ``weights`` (largest remainder),
    never above ``cap``; the parts add up to ``total`` exactly."""
    w = np.asarray(weights, dtype=float)
    cap = np.full(len(w), total, dtype=np.int64) if cap is None else np.asarray(cap, dtype=np.int64)
    if total > cap.sum():
        raise ValueError(f"cannot fit {total} under caps summing to {cap.sum()}")
    share = total * w / w.sum()
    out = np.minimum(np.floor(share).astype(np.int64), cap)
    rest = total - out.sum()
    order = np.argsort(-(share - np.floor(share)), kind="stable")
    while rest > 0:
        for i in order:
            if rest == 0:
                break
            if out[i] < cap[i]:
                out[i] += 1
                rest -= 1
    return out


def example_values(units: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """All example observations: unit, indicator, period, value, approximate (long, exact values)."""
    rng = np.random.default_rng(SEED)
    fed = units.loc[units["level"] == "federation", "code"].iloc[0]
    comm = units.loc[units["level"] == "community", "code"].tolist()
    ent = units.loc[units["level"] == "enterprise", "code"].tolist()
    hist = periods.span(*HISTORY)
    cont = periods.span(*CONTINUATION)
    records: list[tuple[str, str, str, float]] = []

    def add_path(unit: str, code: str, v15: float, v17: float, frac: np.ndarray) -> None:
        for q, f in zip(hist, frac):
            records.append((unit, code, q, float(round(v15 * f))))
        for k, q in enumerate(cont, start=1):
            records.append((unit, code, q, float(round(v15 + (v17 - v15) * k / len(cont)))))

    # Growth of each unit over 2011-2015: a share of its 2015 level, rising to 1 in 2015Q4.
    g = (np.arange(len(hist)) / (len(hist) - 1)) ** 0.8

    # Community and building joint unions.
    wc = rng.uniform(0.5, 1.5, len(comm))
    finals: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for code, (t15, t17) in STOCKS_COMMUNITY.items():
        caps = {"union_enterprises": "enterprises_total", "contract_enterprises": "union_enterprises",
                "members": "employees", "member_cards": "members", "library_enterprises": "union_enterprises"}
        parent = caps.get(code)
        c15 = finals[parent][0] if parent else None
        c17 = finals[parent][1] if parent else None
        finals[code] = (allocate(t15, wc, c15), allocate(t17, wc * rng.uniform(0.9, 1.1, len(comm)), c17))
    start_c = rng.uniform(0.40, 0.60, len(comm))
    for i, unit in enumerate(comm):
        frac = start_c[i] + (1 - start_c[i]) * g
        frac_total = 0.85 + 0.15 * g
        signed = int(rng.integers(0, len(hist) - 2))
        for code, (v15, v17) in finals.items():
            add_path(unit, code, v15[i], v17[i], frac_total if code == "enterprises_total" else frac)
        for k, q in enumerate(hist + cont):
            records.append((unit, "regional_contract_unions", q, 1.0 if k >= signed else 0.0))

    # Enterprises with a union of their own: one enterprise each.
    we = rng.uniform(0.5, 1.5, len(ent))
    efinal = {}
    for code, (t15, t17) in STOCKS_ENTERPRISE.items():
        parent = {"members": "employees", "member_cards": "members"}.get(code)
        efinal[code] = (allocate(t15, we, efinal[parent][0] if parent else None),
                        allocate(t17, we, efinal[parent][1] if parent else None))
    founded = rng.integers(0, len(hist) - 4, len(ent))
    no_congress = set(rng.choice(len(ent), 2, replace=False).tolist())
    for i, unit in enumerate(ent):
        start = founded[i]
        has_union = (np.arange(len(hist)) >= start).astype(float)
        frac = np.where(has_union > 0, 0.6 + 0.4 * g, 0.0)
        for code, (v15, v17) in efinal.items():
            add_path(unit, code, v15[i], v17[i], frac)
        for code, value in (("enterprises_total", 1.0), ("union_enterprises", 1.0), ("contract_enterprises", 1.0),
                            ("independent_union_enterprises", 1.0),
                            ("congress_enterprises", 0.0 if i in no_congress else 1.0)):
            for k, q in enumerate(hist + cont):
                exists = code == "enterprises_total" or k >= start
                records.append((unit, code, q, value if exists else 0.0))

    # The federation's own row: the service station (350 m² from 2013Q3, 400 m² from 2017Q3).
    for q in hist + cont:
        area = 120.0 if q < "2013Q3" else (350.0 if q < "2017Q3" else 400.0)
        records.append((fed, "service_station_area", q, area))

    # Flows: split each total over quarters (seasonal weights), then over the reporting units.
    groups = {"community": comm, "enterprise": ent, "federation": [fed], "federation+community": [fed, *comm],
              "all": [fed, *comm, *ent]}
    for code, (t_hist, t_cont, who) in FLOWS.items():
        reporters = groups[who]
        uw = rng.uniform(0.2, 1.8, len(reporters))
        for span, total in ((hist, t_hist), (cont, t_cont)):
            season = np.array([SEASON.get(code, (1, 1, 1, 1))[periods.parse(q)[1] - 1] for q in span])
            per_q = allocate(total, season * rng.uniform(0.6, 1.4, len(span)))
            for q, amount in zip(span, per_q):
                for unit, v in zip(reporters, allocate(int(amount), uw * rng.uniform(0.5, 1.5, len(reporters)))):
                    records.append((unit, code, q, float(v)))

    frame = pd.DataFrame(records, columns=["unit", "indicator", "period", "value"])
    frame = pd.concat([frame, _derived(frame, hist)], ignore_index=True)
    frame["approximate"] = False
    unknown = set(frame["indicator"]) - set(catalog.codes)
    if unknown:
        raise ValueError(f"example data names indicators missing from the catalog: {sorted(unknown)}")
    return frame


def _derived(frame: pd.DataFrame, hist: list[str]) -> pd.DataFrame:
    """The indicators made from others: every 上级调训 place completed (100%); model_workers
    split into 先进工作者 and 五一劳动奖章 (the first persons of each span to
    ``MODEL_WORKER_SPLIT``, the rest to the medal); member records = members, all passing
    inspection; accurate records = members less ``INACCURATE_RECORDS_2015`` spread over the
    units in 2015Q4 (and in proportion to members in other quarters)."""
    rows = []
    done = frame[frame["indicator"] == "cadre_training_assigned"].assign(indicator="cadre_training_completed")
    rows.append(done)
    models = frame[frame["indicator"] == "model_workers"].copy()
    models["_i"] = models["period"].map(periods.index)
    models = models.sort_values(["_i", "unit"], kind="stable")
    left = {"hist": MODEL_WORKER_SPLIT["hist"][1], "cont": MODEL_WORKER_SPLIT["cont"][1]}
    split = []
    for r in models.itertuples(index=False):
        span = "hist" if r.period in hist else "cont"
        first = min(int(r.value), left[span])
        left[span] -= first
        split.append((r.unit, "advanced_workers", r.period, float(first)))
        split.append((r.unit, "may_day_medallists", r.period, float(r.value - first)))
    rows.append(pd.DataFrame(split, columns=["unit", "indicator", "period", "value"]))
    members = frame[frame["indicator"] == "members"]
    rows.append(members.assign(indicator="member_records"))
    rows.append(members.assign(indicator="qualified_records"))
    last = members[members["period"] == hist[-1]].set_index("unit")["value"]
    deficit = pd.Series(allocate(INACCURATE_RECORDS_2015, last.to_numpy() + 1e-9, last.to_numpy().astype(np.int64)),
                        index=last.index)
    ratio = members["value"] / members["unit"].map(last).where(lambda v: v > 0)
    lost = (members["unit"].map(deficit) * ratio).fillna(0).round().clip(upper=members["value"])
    rows.append(members.assign(indicator="accurate_records", value=members["value"] - lost))
    return pd.concat(rows, ignore_index=True)[["unit", "indicator", "period", "value"]]


def reporting_units(units: pd.DataFrame) -> pd.DataFrame:
    """The units that fill a row of the quarterly form: the federation itself, then the joint
    unions, then the enterprises with their own union."""
    order = {"federation": 0, "community": 1, "enterprise": 2}
    return units.assign(_o=units["level"].map(order)).sort_values(["_o", "code"]).drop(columns="_o")


def workbook_name(period: str) -> str:
    return f"{period}_example.xlsx"


#: Bumped when the generator changes what it writes; with the catalog's codes it makes the stamp
#: that tells workbooks in ``data/demo/`` written by an older generator (or catalog) apart.
GENERATOR_VERSION = 2
STAMP_FILE = ".generator"


def stamp(catalog: Catalog) -> str:
    """What the workbooks of this generator and catalog are stamped with."""
    import hashlib

    codes = ",".join(sorted(catalog.codes))
    return f"{GENERATOR_VERSION}:" + hashlib.sha256(codes.encode("utf-8")).hexdigest()[:16]


def workbooks_current(folder: Path, catalog: Catalog) -> bool:
    """True when ``folder`` holds every example workbook, written by this generator for this
    catalog (so a checkout with workbooks from before an indicator was added regenerates them)."""
    paths = [folder / workbook_name(q) for q in periods.span(HISTORY[0], CONTINUATION[1])]
    mark = folder / STAMP_FILE
    return all(p.exists() for p in paths) and mark.exists() and mark.read_text(encoding="utf-8").strip() == stamp(catalog)


def write_example_workbooks(units: pd.DataFrame, catalog: Catalog, folder: Path, federation: str) -> list[Path]:
    """Write one filled template per quarter into ``folder``; returns the paths in period order.

    The rates' columns carry the rate the unit would report (to one decimal), as real forms do.
    """
    from ingest.template import write_template

    values = example_values(units, catalog)
    values = pd.concat([values, _reported_rates(values, catalog)], ignore_index=True)
    folder.mkdir(parents=True, exist_ok=True)
    rows = reporting_units(units)
    paths = []
    for period, part in values.groupby("period", sort=True):
        path = folder / workbook_name(period)
        path.write_bytes(write_template(catalog, rows, period, federation, part))
        paths.append(path)
    (folder / STAMP_FILE).write_text(stamp(catalog) + "\n", encoding="utf-8")
    return paths


def _reported_rates(values: pd.DataFrame, catalog: Catalog) -> pd.DataFrame:
    """Each unit's own rates, rounded to one decimal as a clerk would type them."""
    wide = values.pivot_table(index=["unit", "period"], columns="indicator", values="value", aggfunc="sum")
    out = []
    for ind in catalog:
        if ind.kind != "rate" or ind.numerator not in wide or ind.denominator not in wide:
            continue
        den = wide[ind.denominator]
        rate = (wide[ind.numerator] / den.where(den > 0) * 100).round(1).dropna()
        out.append(pd.DataFrame({"unit": rate.index.get_level_values(0), "indicator": ind.code,
                                 "period": rate.index.get_level_values(1), "value": rate.to_numpy(),
                                 "approximate": False}))
    return pd.concat(out, ignore_index=True) if out else values.iloc[0:0]
