"""``make run``: start the dashboard on an address that fits the database.

With no users the dashboard is in single-user mode and whoever opens it is the administrator,
so it listens on 127.0.0.1 only (this computer). Once users exist (everyone signs in) it listens
on every interface. An operator's choice always wins: ``make run ADDRESS=0.0.0.0`` (or
``--address``), ``$UNION_SERVER_ADDRESS``, or ``--server.address`` among the Streamlit options.

    python launcher.py [--address ADDR] [--print] [STREAMLIT OPTIONS...]
"""

from __future__ import annotations

import argparse
import os
import sys

LOCAL = "127.0.0.1"
EVERYWHERE = "0.0.0.0"


def has_users(db_url: str | None = None) -> bool:
    """True if the database has any user. A database that cannot be read counts as none."""
    from store.db import open_store

    try:
        store = open_store(db_url)
        try:
            return not store.users().empty
        finally:
            store.engine.dispose()
    except Exception as exc:  # noqa: BLE001 - unreachable database: stay on this computer
        print(f"launcher: cannot read the users ({exc.__class__.__name__}); listening on {LOCAL} only",
              file=sys.stderr)
        return False


def choose_address(address: str | None, streamlit_args: list[str], db_url: str | None = None) -> str | None:
    """The address to pass to Streamlit, or None if ``streamlit_args`` already names one."""
    if any(a == "--server.address" or a.startswith("--server.address=") for a in streamlit_args):
        return None
    if address := (address or os.environ.get("UNION_SERVER_ADDRESS") or "").strip():
        return address
    return EVERYWHERE if has_users(db_url) else LOCAL


def command(address: str | None, streamlit_args: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.showEmailPrompt", "false",
           "--browser.gatherUsageStats", "false"]
    chosen = choose_address(address, streamlit_args)
    if chosen:
        cmd += ["--server.address", chosen]
    return cmd + streamlit_args


#: glibc's malloc gives each thread that allocates its own arena (up to 8 per core), and
#: Streamlit runs each session's script in a thread: 20 sessions at a district's size left two
#: server processes at 1.9 GB; with two arenas, 1.3 GB (benchmarks/RESULTS.md, issue 12). An
#: operator's own value wins.
MALLOC_ARENAS = "2"


def server_environment(environ: dict[str, str]) -> dict[str, str]:
    """The environment the dashboard's process starts with: ``environ`` and ``MALLOC_ARENA_MAX``
    (:data:`MALLOC_ARENAS`) unless set."""
    return {**environ, "MALLOC_ARENA_MAX": environ.get("MALLOC_ARENA_MAX") or MALLOC_ARENAS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python launcher.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default=None, help="listen on this address (default: see above)")
    parser.add_argument("--print", action="store_true", help="print the command instead of running it")
    args, streamlit_args = parser.parse_known_args(argv)
    cmd = command(args.address, streamlit_args)
    if args.print:
        print(" ".join(cmd))
        return 0
    address = cmd[cmd.index("--server.address") + 1] if "--server.address" in cmd else "?"
    print(f"launcher: listening on {address}", file=sys.stderr)
    os.execve(cmd[0], cmd, server_environment(dict(os.environ)))
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main())
