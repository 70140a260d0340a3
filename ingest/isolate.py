"""Run the spreadsheet library in a child process with a memory and a time limit.

The guard (:mod:`ingest.guard`) refuses every hostile file it knows of before the library sees
it; this is the second line. The library (python-calamine, native code) aborts the whole
process when an allocation fails, and the process reading an upload is the Streamlit server.
So :func:`run_limited` forks, lowers the child's address-space limit (``RLIMIT_AS``) to what it
has plus :data:`EXTRA_MEMORY`, runs the function there and sends its result back pickled
through a pipe. A child that dies (an abort, the memory limit) or runs past :data:`TIMEOUT`
is killed and the file is refused with ``read_limit``; the server goes on.

Cost, measured in benchmarks/RESULTS.md: one fork plus pickling the rows of the sheets (the
library's output, plain lists) back, instead of the library's run in the parent.
Where ``os.fork`` does not exist the function runs in the calling process.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import time

from ingest.report import UnreadableFile

try:  # POSIX only; on Windows (no fork either) the library runs in the calling process
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None

TIMEOUT = 60.0  # seconds; a 20,000-row workbook takes about 1 s in the library
EXTRA_MEMORY = 1536 * 1024 * 1024  # bytes of address space above what the process already has
ENABLED = hasattr(os, "fork")


def _address_space() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def run_limited(fn, *args, where: str, timeout: float | None = None, extra_memory: int | None = None):
    """``fn(*args)`` in a forked child limited in memory and time; its return value (or the
    :class:`UnreadableFile` it raised) comes back. Raises ``UnreadableFile("read_limit")`` when
    the child dies or takes too long."""
    if not ENABLED:
        return fn(*args)
    timeout = TIMEOUT if timeout is None else timeout
    limit = _address_space() + (EXTRA_MEMORY if extra_memory is None else extra_memory)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns, never runs the parent's exit handlers
        status = 1
        try:
            os.close(read_end)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            try:
                payload = pickle.dumps((True, fn(*args)), protocol=pickle.HIGHEST_PROTOCOL)
            except UnreadableFile as exc:
                payload = pickle.dumps((False, exc.finding))
            except MemoryError:
                os._exit(1)  # no payload: refused as read_limit
            except Exception:  # noqa: BLE001 - the library failed in another way: a damaged file
                payload = pickle.dumps((False, None))
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    chunks, deadline = [], time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                raise UnreadableFile("read_limit", where, seconds=int(timeout))
            ready, _, _ = select.select([read_end], [], [], left)
            if ready:
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(read_end)
        os.waitpid(pid, 0)
    try:
        ok, value = pickle.loads(b"".join(chunks))
    except Exception:  # noqa: BLE001 - nothing or half a result: the child died
        raise UnreadableFile("read_limit", where, seconds=int(timeout)) from None
    if not ok:
        if value is None:
            raise UnreadableFile("corrupt_file", where)
        raise UnreadableFile(value.code, value.where, **value.params)
    return value
