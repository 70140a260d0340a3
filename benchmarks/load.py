"""Load test: ``python -m benchmarks.load --sessions 20 --minutes 5 [--db URL] [--out benchmarks/RESULTS.md]``.

Starts one dashboard server (``streamlit run dashboard.py``) on 127.0.0.1 only, against
``--db`` (default: a fresh copy of the example data in a temporary folder), and drives
``--sessions`` headless Chromium pages (Playwright with Debian's /usr/bin/chromium; one browser,
one context per session) for ``--minutes``. Each session opens the dashboard, then cycles: a
page from the sidebar (overview, progress, indicator, units, goals), then another quarter from
the sidebar's quarter picker. Each step is timed from the click until the app's script run has
started and finished (a MutationObserver counts the runs, so a fast run is not missed) and no
skeleton is left. During the run two quarterly workbooks are committed through the command line
(``python -m ingest F --allow-new-units --commit --json --db …``) at a third and two thirds of
the time.

Between steps a session pauses ``--think`` seconds on average (drawn uniformly from half to
one and a half times it, seeded per session), the time a person reads a page before the next
click; ``--think 0`` clicks back to back, a stress test rather than users. The pause is not
part of a step's time.

Before the sessions start, one session alone does the same for ``--baseline-seconds``: its
median is the baseline of the same run. Recorded: page times (median, 95th percentile), steps,
errors (a Playwright timeout, a page error, a Streamlit exception box, a traceback in the
server's log; must be zero), the server's resident memory (VmRSS from /proc) at the start
(after the baseline) and end and its peak (VmHWM). Appends a section to ``--out`` and rows
(size ``load``) to results.csv beside it. Every request goes to 127.0.0.1; the run stops by
itself.

A quick look: ``python -m benchmarks.load --sessions 1 --seconds 20``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.harness import Figure, machine, machine_id, write_csv, write_markdown  # noqa: E402
# the same server and browser the browser tests use
from tests.browser_util import CHROMIUM, CHROMIUM_ARGS, AppServer  # noqa: E402

PAGES = ["", "progress", "indicator", "units", "goals"]  # url paths; "" is the overview

OBSERVE = """() => {
  if (window.__runs !== undefined) return;
  window.__runs = 0;
  const hook = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) { setTimeout(hook, 50); return; }
    new MutationObserver(() => {
      if (app.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  };
  hook();
}"""
DONE = """() => { const a = document.querySelector('[data-testid="stApp"]');
  return a && a.getAttribute('data-test-script-state') === 'notRunning'
    && a.getAttribute('data-test-connection-state') === 'CONNECTED'
    && !document.querySelector('[data-testid="stStatusWidget"]')
    && !document.querySelector('[data-testid="stSkeleton"]'); }"""


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far (/proc/PID/stat, clock ticks)."""

    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_of_all() -> float:
    """CPU seconds of every process on the machine so far (/proc/stat: user, nice, system, irq,
    softirq; idle and iowait left out): with :func:`cpu_seconds` of the server, how much of the
    machine's work during the run was the server's and how much the browsers'."""

    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in parts[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> dict[str, float]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return out


class Session:
    """One browser context cycling through pages and quarters until ``until``."""

    def __init__(self, n: int, browser, url: str, times: list, errors: list, think: float = 0.0):
        self.n, self.browser, self.url, self.times, self.errors = n, browser, url, times, errors
        self.steps = 0
        self.think = think
        self.rng = random.Random(n)

    async def pause(self) -> None:
        """A person reading the page before the next click (not part of any step's time)."""
        if self.think > 0:
            await asyncio.sleep(self.rng.uniform(0.5, 1.5) * self.think)

    async def step(self, page, action) -> None:
        before = await page.evaluate("() => window.__runs || 0")
        started = time.perf_counter()
        try:
            await action()
            try:
                await page.wait_for_function(f"() => (window.__runs || 0) > {before}", timeout=5_000)
            except Exception:  # noqa: BLE001 - no new run (the same page clicked): the wait below decides
                pass
            await page.wait_for_function(DONE, timeout=120_000, polling=50)
        except Exception as exc:  # noqa: BLE001 - counted, the session goes on
            self.errors.append(f"session {self.n}: {type(exc).__name__}: {str(exc)[:200]}")
            return
        self.times.append(time.perf_counter() - started)
        self.steps += 1
        if await page.locator('[data-testid="stException"]').count():
            self.errors.append(f"session {self.n}: an exception box on {page.url}")

    async def run(self, until: float) -> None:
        context = await self.browser.new_context(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        page = await context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(f"session {self.n}: page error {exc}"))
        await page.add_init_script(f"({OBSERVE})()")
        try:
            if self.think > 0:  # people do not all arrive in the same millisecond
                await asyncio.sleep(self.rng.uniform(0, self.think))
            await self.step(page, lambda: page.goto(self.url))
            k = self.n
            while time.monotonic() < until:
                path = PAGES[k % len(PAGES)]
                link = page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').first

                async def click_link(link=link):
                    await link.click()
                await self.pause()
                if time.monotonic() >= until:
                    break
                await self.step(page, click_link)
                await self.pause()
                if time.monotonic() >= until:
                    break

                async def pick_quarter(k=k):
                    box = page.get_by_role("combobox", name="季度")
                    await box.click()
                    options = page.locator('[role="option"]:not([aria-selected="true"])')  # another quarter
                    await options.first.wait_for(timeout=10_000)
                    count = await options.count()
                    await options.nth((k * 7) % max(count, 1)).click()
                await self.step(page, pick_quarter)
                k += 1
        finally:
            await context.close()


class ProtocolSession(Session):
    """One session that speaks Streamlit's own websocket protocol, as the browser's script does,
    without a browser (``--client protocol``): it connects to ``/_stcore/stream``, asks for script
    runs with :class:`BackMsg` ``rerun_script`` messages (a page by its script hash from the
    server's ``navigation`` message, another quarter by the sidebar selectbox's widget id and one
    of its options) and reads :class:`ForwardMsg` messages until ``script_finished``. A step is
    timed from the request until the run has finished and every message of it has arrived: the
    server's latency with nothing drawn. Twenty Chromium renderers on this 2-core machine took
    about 85% of its CPU and left the server a twentieth of it, so the browser client could not
    tell the server's page time under 20 sessions; this client costs a few milliseconds a step.
    Errors: a run that does not finish in 120 s, an exception element, a page not found, a
    closed connection."""

    STEP_TIMEOUT = 120.0

    def __init__(self, n: int, url: str, times: list, errors: list, think: float = 0.0):
        super().__init__(n, None, url, times, errors, think)
        self.ws_url = url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
        self.pages: dict[str, str] = {}  # url path ("" for the default page) -> page script hash
        self.page_hash = ""
        self.quarter: dict = {}  # the sidebar quarter selectbox: id, options
        self.quarter_value: str | None = None

    def state(self):
        from streamlit.proto.ClientState_pb2 import ClientState

        state = ClientState(page_script_hash=self.page_hash)
        if self.quarter_value is not None and self.quarter.get("id"):
            widget = state.widget_states.widgets.add()
            widget.id, widget.string_value = self.quarter["id"], self.quarter_value
        return state

    def read(self, msg) -> str | None:
        """Take in one ForwardMsg; its script-finished status name, else None."""
        kind = msg.WhichOneof("type")
        if kind == "navigation":
            for page in msg.navigation.app_pages:
                self.pages[page.url_pathname] = page.page_script_hash
                if page.is_default:
                    self.pages.setdefault("", page.page_script_hash)
        elif kind == "new_session":
            self.page_hash = self.page_hash or msg.new_session.page_script_hash
        elif kind == "page_not_found":
            self.errors.append(f"session {self.n}: page not found ({msg.page_not_found.page_name})")
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                self.errors.append(f"session {self.n}: an exception on the page: "
                                   f"{element.exception.type}: {element.exception.message[:200]}")
            elif which == "selectbox" and element.selectbox.id.endswith("-quarter"):
                self.quarter = {"id": element.selectbox.id, "options": list(element.selectbox.options)}
        elif kind == "script_finished":
            from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

            return ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
        return None

    async def request(self, ws) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        started = time.perf_counter()
        await ws.send(BackMsg(rerun_script=self.state()).SerializeToString())
        deadline = started + self.STEP_TIMEOUT
        while True:
            data = await asyncio.wait_for(ws.recv(), timeout=max(deadline - time.perf_counter(), 0.001))
            msg = ForwardMsg()
            msg.ParseFromString(data)
            status = self.read(msg)
            if status == "FINISHED_WITH_COMPILE_ERROR":
                raise RuntimeError("the page's script did not compile")
            if status in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"):
                break  # FINISHED_EARLY_FOR_RERUN: the run that follows is the step's
        self.times.append(time.perf_counter() - started)
        self.steps += 1

    async def pstep(self, ws) -> None:
        try:
            await self.request(ws)
        except Exception as exc:  # noqa: BLE001 - counted, the session goes on
            self.errors.append(f"session {self.n}: {type(exc).__name__}: {str(exc)[:200]}")

    async def run(self, until: float) -> None:
        import websockets

        if self.think > 0:  # people do not all arrive in the same millisecond
            await asyncio.sleep(self.rng.uniform(0, self.think))
        try:
            async with websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                          open_timeout=60, ping_interval=None) as ws:
                await self.pstep(ws)  # the first page, as a browser opening the address
                k = self.n
                while time.monotonic() < until:
                    await self.pause()
                    if time.monotonic() >= until:
                        break
                    path = PAGES[k % len(PAGES)]
                    self.page_hash = self.pages.get(path, self.page_hash)
                    await self.pstep(ws)
                    await self.pause()
                    if time.monotonic() >= until:
                        break
                    options = [o for o in self.quarter.get("options", []) if o != self.quarter_value]
                    if options:  # another quarter
                        self.quarter_value = options[(k * 7) % len(options)]
                    await self.pstep(ws)
                    k += 1
        except Exception as exc:  # noqa: BLE001 - a connection that failed or closed
            self.errors.append(f"session {self.n}: {type(exc).__name__}: {str(exc)[:200]}")


async def drive_protocol(url: str, sessions: int, seconds: float, baseline_seconds: float, on_phase,
                         think: float = 0.0) -> dict:
    """:func:`drive` with :class:`ProtocolSession` sessions instead of browser pages."""
    out: dict = {}
    base_times: list[float] = []
    base_errors: list[str] = []
    if baseline_seconds > 0:
        await ProtocolSession(0, url, base_times, base_errors, think).run(time.monotonic() + baseline_seconds)
    out["baseline_times"], out["baseline_errors"] = base_times, base_errors
    await on_phase("start")
    times: list[float] = []
    errors: list[str] = []
    until = time.monotonic() + seconds
    runs = [ProtocolSession(n + 1, url, times, errors, think) for n in range(sessions)]
    tasks = [asyncio.create_task(s.run(until)) for s in runs]
    uploads = asyncio.create_task(on_phase("uploads", seconds))
    await asyncio.gather(*tasks)
    out["upload_results"] = await uploads
    out["times"], out["errors"], out["steps"] = times, errors, sum(s.steps for s in runs)
    return out


async def drive(url: str, sessions: int, seconds: float, baseline_seconds: float, on_phase,
                think: float = 0.0) -> dict:
    from playwright.async_api import async_playwright

    out: dict = {}
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            base_times: list[float] = []
            base_errors: list[str] = []
            if baseline_seconds > 0:
                await Session(0, browser, url, base_times, base_errors, think).run(time.monotonic() + baseline_seconds)
            out["baseline_times"], out["baseline_errors"] = base_times, base_errors
            await on_phase("start")
            times: list[float] = []
            errors: list[str] = []
            until = time.monotonic() + seconds
            runs = [Session(n + 1, browser, url, times, errors, think) for n in range(sessions)]
            tasks = [asyncio.create_task(s.run(until)) for s in runs]
            uploads = asyncio.create_task(on_phase("uploads", seconds))
            await asyncio.gather(*tasks)
            out["upload_results"] = await uploads
            out["times"], out["errors"], out["steps"] = times, errors, sum(s.steps for s in runs)
        finally:
            await browser.close()
    return out


def server_runs(log: Path, since: float) -> list[float]:
    """Seconds of each script run the server logged (``page.run``, dashboard.py) from ``since``
    (a Unix time) on: what a step cost the server itself, while the browsers on the same
    cores wait for their turn."""
    import json
    from datetime import datetime

    out = []
    if not log.exists():
        return out
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") != "page.run":
            continue
        at = datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).timestamp()
        if at >= since:
            out.append(float(entry["seconds"]))
    return out


def p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description="Browser sessions against one server.")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--seconds", type=float, help="run time in seconds (instead of --minutes)")
    parser.add_argument("--baseline-seconds", type=float, default=30, help="one session alone first (0: none)")
    parser.add_argument("--think", type=float, default=5.0,
                        help="mean seconds a session reads a page before its next click (0: back to back)")
    parser.add_argument("--db", help="database URL (default: a fresh copy of the example data)")
    parser.add_argument("--client", choices=["browser", "protocol"], default="browser",
                        help="browser: headless Chromium pages; protocol: Streamlit's websocket messages "
                             "without a browser (the server's latency when browsers would crowd the machine)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else args.minutes * 60
    log = lambda msg: print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    if args.client == "browser" and not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is not installed", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    db_url = args.db
    if db_url is None:
        import bootstrap
        from store.db import open_store

        db_url = f"sqlite:///{work / 'union.sqlite'}"
        store = open_store(db_url)
        bootstrap.ensure_example_data(store)
        store.engine.dispose()
    from benchmarks.bench_ingest import workbook

    files = []
    for n, rows in enumerate((150, 250)):
        path = work / f"2016Q1_load_{n}.xlsx"
        path.write_bytes(workbook(rows)[0])
        files.append(path)
    # every script run's own seconds (dashboard.py's page.run lines): the server's part of a step
    run_log = work / "union.log"
    os.environ.update(UNION_LOG_LEVEL="DEBUG", UNION_LOG_FILE=str(run_log))
    server = AppServer(db_url, work / "streamlit.log")
    url = server.start(timeout=300)
    log(f"server {url} pid {server.proc.pid}; {args.sessions} sessions for {seconds:.0f} s")
    mem: dict = {}
    m = machine()

    async def on_phase(phase: str, total: float = 0.0):
        if phase == "start":
            mem["start"] = rss_mb(server.proc.pid)
            mem["cpu_start"] = (cpu_seconds(server.proc.pid), cpu_of_all(), time.monotonic())
            mem["wall_start"] = time.time()
            log(f"baseline done; server RSS {mem['start'].get('VmRSS', 0):.0f} MB")
            return None
        results = []
        for k, path in enumerate(files):
            await asyncio.sleep(total / 3 if k == 0 else total / 3)
            cmd = [sys.executable, "-m", "ingest", str(path), "--allow-new-units", "--commit", "--json", "--db", db_url]
            started = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(*cmd, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
                                                        stderr=asyncio.subprocess.PIPE)
            out, err = await proc.communicate()
            results.append((proc.returncode, time.perf_counter() - started, '"committed": null' not in out.decode()))
            log(f"upload {path.name}: exit {proc.returncode} in {results[-1][1]:.1f} s")
        return results

    try:
        run = drive if args.client == "browser" else drive_protocol
        result = asyncio.run(run(url, args.sessions, seconds, args.baseline_seconds, on_phase, args.think))
        mem["end"] = rss_mb(server.proc.pid)
        mem["cpu_end"] = (cpu_seconds(server.proc.pid), cpu_of_all(), time.monotonic())
    finally:
        server.stop()
    server_log = (work / "streamlit.log").read_text(errors="replace")
    errors = list(result["errors"]) + list(result["baseline_errors"])
    if "Traceback" in server_log:
        errors.append("a traceback in the server log: " + server_log[server_log.index("Traceback"):][:300])
    for code, _secs, committed in result.get("upload_results") or []:
        if code != 0 or not committed:
            errors.append(f"an upload did not commit (exit {code})")
    times, base = result["times"], result["baseline_times"]
    runs = server_runs(run_log, mem.get("wall_start", 0.0))
    uploads = result.get("upload_results") or []
    figures = [
        Figure(f"load_{args.sessions}_sessions_page_median", [statistics.median(times) if times else 0.0],
               [statistics.median(base)] if base else [], baseline="1 session alone, median", goal=""),
        Figure(f"load_{args.sessions}_sessions_page_p95", [p95(times)], [p95(base)] if base else [],
               baseline="1 session alone, p95", goal="<2 s"),
        # the server's own time per script run (page.run in its log), apart from the browsers
        Figure(f"load_{args.sessions}_sessions_server_run_median", [statistics.median(runs) if runs else 0.0], [],
               baseline="", goal=""),
        Figure(f"load_{args.sessions}_sessions_server_run_p95", [p95(runs)], [], baseline="", goal="<2 s"),
        Figure(f"load_{args.sessions}_sessions_errors", [float(len(errors))], [], "count", goal="0"),
        Figure(f"load_{args.sessions}_sessions_steps", [float(len(times))], [float(len(base))] if base else [],
               "count", baseline="steps of the 1 session alone"),
        Figure(f"load_{args.sessions}_sessions_server_rss_start", [mem.get("start", {}).get("VmRSS", 0.0)], [], "MB",
               goal="<2048 MB"),
        Figure(f"load_{args.sessions}_sessions_server_rss_end", [mem.get("end", {}).get("VmRSS", 0.0)],
               [mem.get("start", {}).get("VmRSS", 0.0)], "MB", baseline="RSS at the start", goal="<2048 MB"),
        Figure(f"load_{args.sessions}_sessions_server_rss_peak", [mem.get("end", {}).get("VmHWM", 0.0)], [], "MB",
               goal="<2048 MB"),
        Figure(f"load_{args.sessions}_sessions_upload_commit", [u[1] for u in uploads] or [0.0], [],
               baseline="", goal=""),
    ]
    if "cpu_start" in mem and "cpu_end" in mem:
        (s0, a0, t0), (s1, a1, t1) = mem["cpu_start"], mem["cpu_end"]
        server_cpu, all_cpu, wall = s1 - s0, max(a1 - a0, 1e-9), max(t1 - t0, 1e-9)
        figures += [
            # the server's own work per step: what a step would cost with a core to itself
            Figure(f"load_{args.sessions}_sessions_server_cpu_per_step", [server_cpu / max(len(times), 1)], [],
                   baseline="", goal=""),
            # how much of the machine's work was the server's (the rest: browsers, uploads, others)
            Figure(f"load_{args.sessions}_sessions_server_share_of_cpu", [100 * server_cpu / all_cpu], [], "%"),
            Figure(f"load_{args.sessions}_sessions_machine_busy", [100 * all_cpu / (wall * (os.cpu_count() or 1))],
                   [], "%"),
        ]
    for f in figures:
        print(f"{f.name}: {f.median:.3f} {f.unit}" + (f" (baseline {f.base:.3f})" if f.base is not None else ""))
    for e in errors[:20]:
        print(f"error: {e}")
    if not args.no_write:
        db = "sqlite" if db_url.startswith("sqlite") else "postgresql"
        key = (f"load{args.sessions}x{int(seconds)}" + (f"t{args.think:g}" if args.think else "")
               + ("" if args.client == "browser" else "p"))
        client = "browser" if args.client == "browser" else "protocol (no browser)"
        lines = [f"<!-- harness:{key}:{db} -->",
                 f"## Load test: {args.sessions} {client} sessions for {seconds / 60:.1f} min on {db} "
                 f"(`python -m benchmarks.load --sessions {args.sessions} --minutes {seconds / 60:g} --think {args.think:g}"
                 + ("" if args.client == "browser" else " --client protocol") + "`)", "",
                 f"{m['date']}. Machine: {m['platform']}, {m['cpus']} CPUs ({m['cpu']}), {m['memory']} RAM, load "
                 f"average at the start {m['load']}. Python {m['python']}; {m['versions']}. Database: "
                 f"{'the example data (84 units)' if args.db is None else 'given by --db'}. "
                 f"{len(times)} steps (a page or a quarter), two uploads committed by the command line during the run; "
                 f"a session pauses {args.think:g} s on average between steps (`--think`).",
                 "", "| figure | value | baseline | goal |", "| --- | --- | --- | --- |"]
        for f in figures:
            unit = {"s": " s", "MB": " MB", "count": "", "%": " %"}[f.unit]
            base_txt = f"{f.base:.2f}{unit} ({f.baseline})" if f.base is not None else "–"
            lines.append(f"| {f.name} | {f.median:.2f}{unit} | {base_txt} | {f.goal} |")
        if errors:
            lines += ["", "Errors (first 10):"] + [f"- {e}" for e in errors[:10]]
        lines += ["", f"<!-- /harness:{key}:{db} -->", ""]
        write_markdown(args.out, key, db, "\n".join(lines))
        write_csv(args.out.parent / "results.csv", key, db, figures, 1, machine_id(m))
    shutil.rmtree(work, ignore_errors=True)
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main())
