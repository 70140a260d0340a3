"""The units grid's whole-grid Excel built in a process of its own (issue 12).

At 22,001 units the whole grid and its workbook take about 20 s of CPU. Built in a thread of
the server, that work shared the interpreter (the GIL) with every page run of the process, and
a rerun of the units page went from 0.36 to 0.90 s while it ran. Here the parent (the
Streamlit server, through app_cache) starts ``python -m grid_worker OUT JOB.json``:

- JOB.json holds the arguments of ``app_cache._units_grid_xlsx`` (data version, plan, quarter,
  unit, kind, the clerk's allowed units or null for every unit, language, title) and the
  parent's process id; the database URL comes in ``$UNION_DB_URL`` (not written to disk: a
  PostgreSQL URL may hold a password), the working directory is the parent's (a relative
  SQLite path means the same file).
- The worker computes with the very function the page's click would call in-process, checks
  that the data version is the job's before and after (an upload meanwhile makes it fail:
  stale), and writes OUT atomically (a ``.part`` then rename). OUT is the workbook's file in
  grid_cache's shared folder: the worker holds the key's build lock while it builds, and a
  worker that finds OUT whole (another process built it meanwhile) exits at once. It runs at a
  lower priority (``nice``) and exits when its parent is gone.

The parent side (:class:`Builds`) keeps, per argument tuple, the process and the path of its
file: one build at a time per process; a click during the build waits for it; a failed,
stale or timed-out build is logged and the click builds in-process as before (its error shown
there). A key whose workbook grid_cache keeps (built by this process, another replica, or
before a restart) starts no build, and the click reads the kept file. Jobs and logs live in one
temporary folder per server process, removed at exit; the workbooks stay in grid_cache's folder
(``$UNION_CACHE_DIR``), and a build of newer data removes the older versions' files.
No Streamlit here: the worker imports app_cache only inside :func:`main`.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TIME_LIMIT = 900.0  # seconds a build may take before its parent kills it (L: about 25 s)
KEEP = 8  # finished builds kept per process (app_cache._units_grid_xlsx keeps 8 workbooks too)
_PREFIX = "union-grid-"
log = logging.getLogger("union.grid")  # the operator's log (logsetup.py)


# ---- the worker process --------------------------------------------------------------------------

def _args_from_job(job: dict) -> tuple:
    from store.db import database_url

    allowed = None if job["allowed"] is None else frozenset(job["allowed"])
    return ((database_url(), tuple(job["version"])), job["plan"], job["as_of"], job["unit"], job["kind"], allowed, job["lang"],
            job["title"])


def _watch_parent(parent: int) -> None:
    """Exit as soon as the process that started this one is gone (POSIX: re-parented)."""
    if os.name == "nt":
        return

    def watch():
        while True:
            if os.getppid() != parent:
                os._exit(4)
            time.sleep(0.5)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    _watch_parent(int(job["parent"]))
    if hasattr(os, "nice"):
        try:
            os.nice(10)  # the server's page runs come first
        except OSError:
            pass
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # "no runtime" warnings of bare mode
    import app_cache

    import grid_cache

    args = _args_from_job(job)
    key = args[0]
    with grid_cache.building(out):  # another process building the same key: wait, then use its file
        if grid_cache.whole(out):
            return 0
        if app_cache.version() != key:
            raise RuntimeError(f"stale: the data version is {app_cache.version()[1]}, the job's {key[1]}")
        data = app_cache._units_grid_xlsx(*args)
        if app_cache.version() != key:
            raise RuntimeError("stale: the data changed during the build")
        grid_cache.write(out, data)
    return 0


# ---- the parent side ----------------------------------------------------------------------------

@dataclass
class Build:
    proc: subprocess.Popen
    out: Path
    job: Path
    errlog: Path
    started: float = field(default_factory=time.monotonic)
    error: str | None = None  # why it failed (logged once), None while running or when done

    def finished(self) -> bool:
        return self.proc.poll() is not None


def _job_of(args: tuple) -> dict:
    key, plan, as_of, unit, kind, allowed, lang, title = args
    return {"version": list(key[1]), "plan": plan, "as_of": as_of, "unit": unit, "kind": kind,
            "allowed": None if allowed is None else sorted(allowed), "lang": lang, "title": title,
            "parent": os.getpid()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class Builds:
    """The worker processes of one server process and the files they wrote, per argument tuple
    of ``app_cache._units_grid_xlsx``. Thread-safe: page runs and download clicks run in
    different threads."""

    def __init__(self, command: list[str] | None = None, time_limit: float = TIME_LIMIT):
        self.command = command or [sys.executable, "-m", "grid_worker"]
        self.time_limit = time_limit
        self._lock = threading.Lock()
        self._builds: dict[tuple, Build] = {}
        self._dir: Path | None = None

    # -- starting --
    def _folder(self) -> Path:
        if self._dir is None:
            if os.name != "nt":  # folders left by server processes that were killed
                for old in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*-*"):
                    pid = old.name[len(_PREFIX):].split("-")[0]
                    if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
                        shutil.rmtree(old, ignore_errors=True)
            self._dir = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
            atexit.register(self.close)
        return self._dir

    def start(self, args: tuple) -> bool:
        """Start building ``args`` unless it is built or being built (here, or kept by any process:
        grid_cache), or another build runs (one at a time: that one is built on its click,
        in-process). Builds of older data are stopped first (stale). True if started."""
        import grid_cache

        with self._lock:
            self._check_time()
            self._reap()
            if args in self._builds:
                return False
            for old in [a for a in self._builds if a[0][0] == args[0][0] and grid_cache.older(a[0][1], args[0][1])]:
                self._drop(old)  # older data: stale
            out = grid_cache.path(args)
            if grid_cache.whole(out):  # kept by this or another server process (or before a restart)
                return False
            if any(not b.finished() for b in self._builds.values()):
                return False
            while len(self._builds) >= KEEP:
                self._drop(next(iter(self._builds)))
            out.parent.mkdir(parents=True, exist_ok=True)
            grid_cache.prune(out)  # the older data versions' files go now, not at the next write
            folder = self._folder()
            name = out.name[:-len(".xlsx")]
            job = folder / f"{name}.json"
            job.write_text(json.dumps(_job_of(args), ensure_ascii=False), encoding="utf-8")
            errlog = folder / f"{name}.log"
            env = dict(os.environ, UNION_DB_URL=args[0][0],
                       PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
            with open(errlog, "wb") as err:
                try:
                    proc = subprocess.Popen([*self.command, str(out), str(job)], stdin=subprocess.DEVNULL,
                                            stdout=subprocess.DEVNULL, stderr=err, env=env)
                except OSError:
                    log.exception("could not start the units grid's Excel worker", extra={"event": "grid.build_failed"})
                    return False
            self._builds[args] = Build(proc, out, job, errlog)
            return True

    def _check_time(self) -> None:
        for build in self._builds.values():
            if not build.finished() and time.monotonic() - build.started > self.time_limit:
                self._kill(build)

    def _drop(self, args: tuple) -> None:
        """Forget a build (killing it if it runs) and remove its job, log and unfinished file;
        a finished workbook stays for every process (grid_cache prunes it)."""
        build = self._builds.pop(args)
        if not build.finished():
            build.proc.kill()
            build.proc.wait()
        for path in (build.job, build.errlog, *build.out.parent.glob(f"{build.out.name}.{build.proc.pid}.*.part")):
            path.unlink(missing_ok=True)

    # -- results --
    def result(self, args: tuple) -> bytes | None:
        """The workbook built for ``args`` (waiting for its build, within the time limit), or the
        one kept by any server process (grid_cache), or None: neither, or the build failed
        (logged once; the caller builds in-process, and later starts do not retry it)."""
        import grid_cache

        with self._lock:
            build = self._builds.get(args)
        if build is None:
            return grid_cache.load(args)
        if not build.finished():
            try:
                build.proc.wait(timeout=max(0.0, self.time_limit - (time.monotonic() - build.started)))
            except subprocess.TimeoutExpired:
                with self._lock:
                    self._kill(build)
        with self._lock:
            self._reap()
            if build.error is None:
                return grid_cache.read(build.out)
            return None

    def _kill(self, build: Build) -> None:
        if build.finished():
            return
        build.proc.kill()
        build.proc.wait()
        build.error = f"killed after {self.time_limit:g} s"
        log.error("building the units grid's Excel in a worker process took longer than %g s: killed; it is "
                  "built in the server process when its button is clicked", self.time_limit,
                  extra={"event": "grid.build_failed", "reason": "time_limit"})

    def _reap(self) -> None:
        """Record (and log once) why each finished build without a workbook failed."""
        for build in self._builds.values():
            if build.error is not None or not build.finished():
                continue
            if build.proc.returncode == 0:
                continue
            lines = build.errlog.read_text(encoding="utf-8", errors="replace").strip().splitlines() \
                if build.errlog.is_file() else []
            build.error = lines[-1] if lines else f"exit {build.proc.returncode}"
            log.error("building the units grid's Excel in a worker process failed (%s); it is built in the "
                      "server process when its button is clicked", build.error,
                      extra={"event": "grid.build_failed", "reason": build.error})

    def wait(self, timeout: float | None = None) -> None:
        """Wait for every running build (tests, benchmarks)."""
        for build in list(self._builds.values()):
            try:
                build.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass

    def running(self) -> bool:
        return any(not b.finished() for b in list(self._builds.values()))

    def close(self) -> None:
        """Kill running builds and remove this process's folder of jobs and logs (at exit); the
        finished workbooks stay in grid_cache's folder for the next process."""
        with self._lock:
            for args in list(self._builds):
                self._drop(args)
            if self._dir is not None:
                shutil.rmtree(self._dir, ignore_errors=True)
                self._dir = None


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except Exception as exc:  # noqa: BLE001 - the parent reads the last line of stderr
        text = str(exc).strip()
        print(f"{type(exc).__name__}: {text.splitlines()[0][:300] if text else ''}", file=sys.stderr)
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
