"""The benchmark harness: ``python -m benchmarks --size S|M|L [--runs N] [--db URL] [--out FILE.md]``.

Builds the data of one size (:mod:`benchmarks.generate`) through the store's upload path and
measures, each figure the median of ``--runs`` runs and each paired with a baseline measured in
the same run:

==========================  ===================================================================
figure                      baseline (same run)
==========================  ===================================================================
load                        sqlite3 executemany of the same rows into a bare in-memory table
import_dry_run              ``pandas.read_excel(engine="openpyxl")`` of the workbook, a process
import_commit               the same (``--commit`` on a copy of the database)
import_calamine             the same (``pandas.read_excel(engine="calamine")``: the floor)
import_*_peak_rss           peak resident memory of the openpyxl reading process
page_start                  AppTest of a one-line script (AppTest's own floor)
page_<page>_<level>_first   the same floor; a new session opening the page (caches of the
page_<page>_<level>_warm    process kept), and its rerun; see :mod:`benchmarks.pages`
units_grid                  (none) evaluate every unit and build the grid table
units_grid_xlsx             ``DataFrame.to_excel(engine="openpyxl")`` of the same table
units_grid_xlsx_again       (none) a later click of the download: the kept workbook
page_units_all_*            AppTest floor; the units page showing every unit (a page of the grid)
report_charts               ``python -m reports --no-charts`` (the same report without charts)
server_rss_end              the page process's resident memory after its imports
==========================  ===================================================================

The import workbook is ``benchmarks.bench_ingest.workbook`` (template layout, enterprises
unknown to the database, so ``--allow-new-units`` adds them): 20,000 rows at M and L, 2,000
at S (``--import-rows``). Every command runs as its own process (``python -m ingest F
--allow-new-units --json --db …``), timed from start to exit, its peak RSS its own VmHWM (``HWM_WRAPPER``).

Writes a section for the size into ``--out`` (replacing an earlier one of the same size and
database kind) and one row per figure into ``results.csv`` beside it (same replacement).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CSV_COLUMNS = ["size", "figure", "median_s", "baseline_s", "ratio", "runs", "machine", "unit", "baseline", "goal",
               "db"]
PACKAGES = ["pandas", "numpy", "streamlit", "sqlalchemy", "openpyxl", "python-calamine", "plotly", "psycopg",
            "matplotlib", "kaleido"]
LEVEL_NAMES = ("federation", "community", "enterprise")


@dataclass
class Figure:
    name: str
    values: list[float]
    baselines: list[float]
    unit: str = "s"
    baseline: str = ""
    goal: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def base(self) -> float | None:
        return statistics.median(self.baselines) if self.baselines else None

    @property
    def ratio(self) -> float | None:
        return self.median / self.base if self.base else None


# ---- machine ------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GB"
    except (OSError, StopIteration):
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    return {
        "platform": platform.platform(), "cpus": str(os.cpu_count()), "cpu": cpu, "memory": mem,
        "python": platform.python_version(), "versions": ", ".join(f"{k} {v}" for k, v in versions.items()),
        "load": " ".join(f"{x:.1f}" for x in load),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def machine_id(m: dict) -> str:
    return f"{m['cpus']} cpu {m['memory']} {platform.system()} py{m['python']}"


# ---- processes ----------------------------------------------------------------------------------


# Runs ``python -m MODULE …`` or ``python -c CODE …`` and writes the process's VmHWM (kB) to
# $BENCH_HWM_FILE at exit. VmHWM belongs to the address space made by exec, so it is the child's
# own peak; ``ru_maxrss`` (wait4, RUSAGE_CHILDREN) also counts the parent's pages the child
# shared between fork and exec, i.e. at least the harness's own size (2.2 GB at L).
HWM_WRAPPER = """
import atexit, os, runpy, sys
def _hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                with open(os.environ["BENCH_HWM_FILE"], "w") as out:
                    out.write(line.split()[1])
atexit.register(_hwm)
mode, target = sys.argv[1], sys.argv[2]
sys.argv = [target] + sys.argv[3:]
if mode == "-c":
    exec(compile(target, "<bench>", "exec"), {"__name__": "__main__"})
else:
    runpy.run_module(target, run_name="__main__", alter_sys=True)
"""


def run_child(cmd: list[str], env: dict | None = None, check: bool = True) -> tuple[float, float, str]:
    """Run ``cmd`` (``[python, "-m" or "-c", target, args…]``) to its end: (seconds, the child's
    own peak RSS in MB, stdout)."""
    hwm = Path(tempfile.mkstemp(prefix="bench-hwm-")[1])
    if len(cmd) > 2 and cmd[1] in ("-m", "-c"):
        cmd = [cmd[0], "-c", HWM_WRAPPER] + cmd[1:]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {}), "BENCH_HWM_FILE": str(hwm)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = proc.communicate()
    seconds = time.perf_counter() - started
    try:
        rss = int(hwm.read_text() or 0) / 1024
    except (OSError, ValueError):
        rss = 0.0
    hwm.unlink(missing_ok=True)
    if check and (proc.returncode not in (0, 1) or not out.strip()):
        raise RuntimeError(f"{' '.join(cmd[:4])} … exited {proc.returncode}: {err[-2000:]}")
    return seconds, rss, out


# ---- databases ----------------------------------------------------------------------------------


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def fresh_db(base_url: str | None, work: Path, name: str) -> str:
    """An empty database: a new SQLite file in ``work``, or a new database on the PostgreSQL
    server of ``base_url``."""
    if base_url is None or _is_sqlite(base_url):
        path = work / f"{name}.sqlite"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return sqlite_url(path)
    import sqlalchemy as sa

    engine = sa.create_engine(base_url, isolation_level="AUTOCOMMIT")
    db = f"bench_{name}_{os.getpid()}".lower()
    with engine.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{db}" with (force)'))
        conn.execute(sa.text(f'create database "{db}"'))
    engine.dispose()
    return str(sa.engine.make_url(base_url).set(database=db).render_as_string(hide_password=False))


def copy_db(url: str, work: Path, name: str) -> str:
    """A copy of the database at ``url`` (SQLite: the file; PostgreSQL: ``CREATE DATABASE …
    TEMPLATE``)."""
    import sqlalchemy as sa

    if _is_sqlite(url):
        src = Path(sa.engine.make_url(url).database)
        con = __import__("sqlite3").connect(src)
        con.execute("pragma wal_checkpoint(truncate)")
        con.close()
        dst = work / f"{name}.sqlite"
        shutil.copyfile(src, dst)
        return sqlite_url(dst)
    made = sa.engine.make_url(url)
    engine = sa.create_engine(made.set(database="postgres"), isolation_level="AUTOCOMMIT")
    db = f"{made.database}_{name}".lower()
    with engine.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{db}" with (force)'))
        conn.execute(sa.text(f'create database "{db}" template "{made.database}"'))
    engine.dispose()
    return str(made.set(database=db).render_as_string(hide_password=False))


def drop_db(url: str) -> None:
    if _is_sqlite(url):
        return
    import sqlalchemy as sa

    made = sa.engine.make_url(url)
    engine = sa.create_engine(made.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'drop database if exists "{made.database}" with (force)'))
    engine.dispose()


# ---- the measurements ---------------------------------------------------------------------------


def measure_load(size: str, runs: int, base_url: str | None, work: Path, log) -> tuple[str, list[Figure], dict]:
    """Load the data ``runs`` times (once at L) into fresh databases; returns the URL of the
    last one (kept for the other figures)."""
    from benchmarks import generate
    from store.db import open_store

    times, bases, url, info = [], [], "", {}
    for n in range(1 if size == "L" else runs):
        if url:
            drop_db(url)
        url = fresh_db(base_url, work, f"size_{size}_{n}")
        store = open_store(url)
        loaded = generate.load(store, size, on_quarter=lambda i, k, s: log(f"  load {size}: quarter {i}/{k} {s:.0f} s"))
        store.engine.dispose()
        times.append(loaded.seconds)
        bases.append(loaded.baseline_seconds)
        info = {"units": loaded.n_units, "values": loaded.n_values}
        log(f"load {size}: {loaded.seconds:.1f} s (bare insert {loaded.baseline_seconds:.1f} s), "
            f"{loaded.n_units} units, {loaded.n_values} values")
    return url, [Figure("load", times, bases, baseline="sqlite3 executemany, bare table")], info


def measure_import(url: str, runs: int, rows: int, work: Path, log) -> list[Figure]:
    from benchmarks.bench_ingest import workbook

    raw, _units, _n = workbook(rows)
    path = work / "2016Q1_import.xlsx"
    path.write_bytes(raw)
    py = sys.executable
    read = ("import sys, pandas; f = pandas.read_excel(sys.argv[1], engine=sys.argv[2], header=2); "
            "print(len(f))")
    dry, commit, cal, base = [], [], [], []
    dry_rss, commit_rss, base_rss = [], [], []
    for n in range(runs):
        t, r, _ = run_child([py, "-c", read, str(path), "openpyxl"])
        base.append(t)
        base_rss.append(r)
        t, _r, _ = run_child([py, "-c", read, str(path), "calamine"])
        cal.append(t)
        t, r, out = run_child([py, "-m", "ingest", str(path), "--allow-new-units", "--json", "--db", url])
        report = json.loads(out.strip().splitlines()[-1])
        if not report.get("ok"):
            raise RuntimeError(f"dry run not ok: {str(report)[:500]}")
        dry.append(t)
        dry_rss.append(r)
        copy = copy_db(url, work, f"commit_{n}")
        t, r, out = run_child([py, "-m", "ingest", str(path), "--allow-new-units", "--json", "--commit", "--db", copy])
        report = json.loads(out.strip().splitlines()[-1])
        if not report.get("committed"):
            raise RuntimeError(f"commit did not store: {str(report)[:500]}")
        commit.append(t)
        commit_rss.append(r)
        if _is_sqlite(copy):
            Path(copy.removeprefix("sqlite:///")).unlink(missing_ok=True)
        else:
            drop_db(copy)
        log(f"import {rows} rows: dry run {dry[-1]:.1f} s, commit {commit[-1]:.1f} s, openpyxl {base[-1]:.1f} s, "
            f"calamine {cal[-1]:.1f} s; peak {dry_rss[-1]:.0f}/{commit_rss[-1]:.0f} MB")
    what = f"pandas.read_excel(openpyxl), {rows} rows x 40, a process"
    return [
        Figure(f"import_dry_run_{rows}", dry, base, baseline=what, goal="≤0.25×"),
        Figure(f"import_commit_{rows}", commit, base, baseline=what, goal="≤0.5×"),
        Figure(f"import_calamine_{rows}", cal, base, baseline=what, goal="(floor)"),
        Figure(f"import_dry_run_{rows}_peak_rss", dry_rss, base_rss, "MB", "peak RSS of the openpyxl read",
               "<1024 MB"),
        Figure(f"import_commit_{rows}_peak_rss", commit_rss, base_rss, "MB", "peak RSS of the openpyxl read",
               "<1024 MB"),
    ]


def page_units(url: str) -> dict[str, str]:
    """The federation, its first community and that community's first enterprise."""
    from store.db import open_store

    store = open_store(url)
    units = store.units()
    store.engine.dispose()
    fed = units.loc[units["level"] == "federation", "code"].iloc[0]
    community = sorted(units.loc[(units["level"] == "community") & (units["parent"] == fed), "code"])[0]
    kids = sorted(units.loc[(units["level"] == "enterprise") & (units["parent"] == community), "code"])
    enterprise = kids[0] if kids else sorted(units.loc[units["level"] == "enterprise", "code"])[0]
    return {"federation": fed, "community": community, "enterprise": enterprise}


def measure_pages(url: str, runs: int, log) -> list[Figure]:
    chosen = page_units(url)
    results = []
    for n in range(runs):
        _t, _r, out = run_child([sys.executable, "-m", "benchmarks.pages", "--units", ",".join(chosen.values())],
                                env={"UNION_DB_URL": url})
        result = json.loads(out.strip().splitlines()[-1])
        if result["errors"]:
            raise RuntimeError(f"page errors: {result['errors'][:3]}")
        results.append(result)
        log(f"pages run {n + 1}: start {result['start']:.1f} s, grid {result['grid']:.1f} s, "
            f"grid xlsx {result['grid_xlsx']:.1f} s, RSS {result['rss_end_mb']:.0f} MB")
    floor = [r["floor"] for r in results]
    figures = [Figure("page_start", [r["start"] for r in results], floor, baseline="AppTest floor", goal="<5 s")]
    from benchmarks.pages import PAGES

    for page in PAGES:
        for level, code in chosen.items():
            key = f"{page}:{code}"
            figures.append(Figure(f"page_{page}_{level}_first", [r["pages"][key]["first"] for r in results], floor,
                                  baseline="AppTest floor", goal="<5 s"))
            figures.append(Figure(f"page_{page}_{level}_warm", [r["pages"][key]["warm"] for r in results], floor,
                                  baseline="AppTest floor", goal="<0.5 s"))
    key = f"units_all:{chosen['federation']}"
    if all(key in r["pages"] for r in results):  # the units page showing every unit (one page of the grid)
        figures.append(Figure("page_units_all_first", [r["pages"][key]["first"] for r in results], floor,
                              baseline="AppTest floor", goal="<5 s"))
        figures.append(Figure("page_units_all_warm", [r["pages"][key]["warm"] for r in results], floor,
                              baseline="AppTest floor", goal="<0.5 s"))
    rows = results[0]["grid_rows"]
    figures += [
        Figure(f"units_grid_{rows}", [r["grid"] for r in results], [], goal="<5 s"),
        Figure(f"units_grid_xlsx_{rows}", [r["grid_xlsx"] for r in results], [r["grid_xlsx_baseline"] for r in results],
               baseline="DataFrame.to_excel(openpyxl) of the table", goal="<5 s"),
        *([Figure(f"units_grid_xlsx_again_{rows}", [r["grid_xlsx_again"] for r in results], [], goal="<5 s")]
          if all("grid_xlsx_again" in r for r in results) else []),
        Figure("server_rss_end", [r["rss_end_mb"] for r in results], [r["rss_start_mb"] for r in results], "MB",
               "RSS after the imports", "<2048 MB (20 sessions)"),
        Figure("server_rss_peak", [r["rss_peak_mb"] for r in results], [r["rss_start_mb"] for r in results], "MB",
               "RSS after the imports", ""),
    ]
    return figures


def measure_report(url: str, runs: int, work: Path, charts: str, log) -> list[Figure]:
    with_charts, without = [], []
    for _ in range(runs):
        cmd = [sys.executable, "-m", "reports", "--span", "2016-2020", "--out", str(work / "report.docx"),
               "--xlsx", str(work / "report.xlsx"), "--db", url]
        t, _r, out = run_child(cmd + ["--charts", charts], check=True)
        with_charts.append(t)
        t2, _r, _ = run_child(cmd + ["--no-charts"], check=True)
        without.append(t2)
        log(f"report: with charts {t:.1f} s, without {t2:.1f} s ({out.strip()[-160:]})")
    return [Figure("report_charts", with_charts, without, baseline="the same report --no-charts", goal="<10 s")]


# ---- output -------------------------------------------------------------------------------------


def _fmt(v: float | None, unit: str = "s") -> str:
    if v is None:
        return "–"
    if unit == "MB":
        return f"{v:,.0f}"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:.0f}"


def markdown(size: str, db: str, m: dict, info: dict, figures: list[Figure], runs: int, notes: list[str]) -> str:
    lines = [f"<!-- harness:{size}:{db} -->",
             f"## Harness, size {size} on {db} (`python -m benchmarks --size {size} --runs {runs}`)", "",
             f"{m['date']}. Machine: {m['platform']}, {m['cpus']} CPUs ({m['cpu']}), {m['memory']} RAM, load average "
             f"at the start {m['load']}. Python {m['python']}; {m['versions']}.",
             f"Data: {info.get('units', '?'):,} units, {info.get('values', '?'):,} stored values "
             f"(20 quarters 2013Q1–2017Q4 at M and L; the example data at S). Median of {runs} run(s); "
             "each baseline measured in the same run.", "",
             "| figure | median | baseline | ratio | goal | baseline is |", "| --- | --- | --- | --- | --- | --- |"]
    for f in figures:
        unit = " MB" if f.unit == "MB" else " s"
        ratio = f"{f.ratio:.2f}×" if f.ratio is not None else "–"
        lines.append(f"| {f.name} | {_fmt(f.median, f.unit)}{unit} | "
                     f"{_fmt(f.base, f.unit) + unit if f.base is not None else '–'} | {ratio} | {f.goal} | {f.baseline} |")
    lines += [""] + [f"- {n}" for n in notes] + ["", f"<!-- /harness:{size}:{db} -->", ""]
    return "\n".join(lines)


def write_markdown(path: Path, size: str, db: str, section: str) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n\n"
    pattern = re.compile(rf"<!-- harness:{size}:{db} -->.*?<!-- /harness:{size}:{db} -->\n?", re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def write_csv(path: Path, size: str, db: str, figures: list[Figure], runs: int, mach: str) -> None:
    rows = []
    if path.exists():
        with open(path, newline="", encoding="utf-8") as f:
            rows = [r for r in csv.DictReader(f) if not (r.get("size") == size and r.get("db", "sqlite") == db)]
    for fig in figures:
        rows.append({"size": size, "figure": fig.name, "median_s": f"{fig.median:.4f}",
                     "baseline_s": "" if fig.base is None else f"{fig.base:.4f}",
                     "ratio": "" if fig.ratio is None else f"{fig.ratio:.3f}", "runs": runs, "machine": mach,
                     "unit": fig.unit, "baseline": fig.baseline, "goal": fig.goal, "db": db})
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def reusable_db(args, work: Path) -> str | None:
    """The SQLite database of the last load an earlier run left in ``work`` (``--reuse``)."""
    if args.db is not None and not _is_sqlite(args.db):
        raise SystemExit("--reuse works with SQLite files in --work only")
    if args.work is None:
        raise SystemExit("--reuse needs --work (the folder of the earlier run)")
    found = sorted(work.glob(f"size_{args.size}_*.sqlite"))
    return sqlite_url(found[-1]) if found else None


def db_info(url: str) -> dict:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        units = conn.execute(sa.text("select count(*) from units")).scalar_one()
        values = conn.execute(sa.text("select count(*) from observations")).scalar_one()
    engine.dispose()
    return {"units": units, "values": values}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="Measure the dashboard at one size.")
    parser.add_argument("--size", choices=["S", "M", "L"], required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", help="PostgreSQL server URL to build the databases on (default: SQLite files)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    parser.add_argument("--work", type=Path, help="folder for the databases and files (default: a temporary one)")
    parser.add_argument("--import-rows", type=int, help="rows of the import workbook (20,000; 2,000 at S)")
    parser.add_argument("--charts", choices=["auto", "browser", "matplotlib"], default="matplotlib",
                        help="how the report draws its charts (as python -m reports --charts; "
                             "default: the report's own default, matplotlib)")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: import,pages,report")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the SQLite database an earlier run left in --work instead of loading again "
                             "(the load figure is then not measured)")
    args = parser.parse_args(argv)
    log = lambda msg: print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    skip = {s for s in args.skip.split(",") if s}
    work = args.work or Path(tempfile.mkdtemp(prefix=f"bench-{args.size}-"))
    work.mkdir(parents=True, exist_ok=True)
    db = "sqlite" if args.db is None or _is_sqlite(args.db) else "postgresql"
    m = machine()
    rows = args.import_rows or (2_000 if args.size == "S" else 20_000)
    notes: list[str] = []
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def flush(pending: list[str]) -> None:
        """Write what is measured so far (a long run that is stopped keeps its figures)."""
        write_markdown(args.out, args.size, db, markdown(args.size, db, m, info, figures, args.runs, notes + pending))
        write_csv(args.out.parent / "results.csv", args.size, db, figures, args.runs, machine_id(m))

    reused = reusable_db(args, work) if args.reuse else None
    if reused:
        url, figures, info = reused, [], db_info(reused)
        notes.append(f"load: not measured in this run (--reuse of {Path(reused.split(':///', 1)[1]).name}).")
        log(f"reusing {reused}: {info}")
    else:
        url, figures, info = measure_load(args.size, args.runs, args.db, work, log)
    if args.size == "L" and args.runs > 1:
        notes.append("load: measured once at L (one load takes minutes); the other figures use that database.")
    parts = [("import", "import", lambda: measure_import(url, args.runs, rows, work, log)),
             ("pages", "pages, units grid, server memory", lambda: measure_pages(url, args.runs, log)),
             ("report", "report", lambda: measure_report(url, args.runs, work, args.charts, log))]
    for n, (part, what, measure) in enumerate(parts):
        if part in skip:
            notes.append(f"{what}: not measured in this run (--skip {part}).")
            continue
        flush([f"{w}: not measured yet (the run was still going or stopped here)." for p, w, _ in parts[n:]
               if p not in skip])
        figures += measure()
    if "report" not in skip:
        notes.append(f"report charts drawn with --charts {args.charts}.")
    flush([])
    for f in figures:
        ratio = f" ({f.ratio:.2f}×)" if f.ratio is not None else ""
        print(f"{args.size} {f.name}: {_fmt(f.median, f.unit)} {f.unit}{ratio}")
    if args.work is None:
        if not _is_sqlite(url):
            drop_db(url)
        shutil.rmtree(work, ignore_errors=True)
    return 0
