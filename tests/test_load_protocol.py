"""The load test's protocol client (``python -m benchmarks.load --client protocol``): sessions that
speak Streamlit's websocket messages without a browser, so that 20 sessions measure the server
and not 20 Chromium renderers on the same two cores."""

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.load import ProtocolSession, drive_protocol
from tests.browser_util import AppServer


def run_async(coro):
    """Run ``coro`` to its end on a fresh event loop in its own thread: in the whole suite the
    session's synchronous Playwright keeps an event loop running in the main thread, where
    ``asyncio.run`` refuses to start."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def test_protocol_sessions_walk_the_pages_and_quarters_without_errors(example_url, tmp_path, monkeypatch):
    log = tmp_path / "union.log"
    monkeypatch.setenv("UNION_LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("UNION_LOG_FILE", str(log))
    server = AppServer(example_url, tmp_path / "streamlit.log")
    url = server.start(timeout=120)
    phases = []

    async def on_phase(phase, total=0.0):
        phases.append(phase)
        return []

    try:
        out = run_async(drive_protocol(url, 2, 14.0, 0, on_phase, think=0.2))
    finally:
        server.stop()
    assert out["errors"] == []
    assert out["steps"] >= 10 and len(out["times"]) == out["steps"]
    assert all(0 < t < 60 for t in out["times"])
    assert phases == ["start", "uploads"]
    # the server itself ran the pages the sessions asked for, each with a quarter picked
    runs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if '"page.run"' in line]
    runs = [r for r in runs if r.get("time") and r["event"] == "page.run"]
    pages = {r["page"] for r in runs}
    assert {"overview", "progress", "indicator", "units", "goals"} <= pages, pages
    assert len(runs) >= out["steps"]
    assert "Traceback" not in (tmp_path / "streamlit.log").read_text(errors="replace")


def test_protocol_session_switches_quarter_by_the_sidebar_selectbox(example_url, tmp_path):
    server = AppServer(example_url, tmp_path / "streamlit.log")
    url = server.start(timeout=120)
    times, errors = [], []
    session = ProtocolSession(1, url, times, errors)
    seen = []

    async def walk():
        import websockets

        async with websockets.connect(session.ws_url, subprotocols=["streamlit"], max_size=None) as ws:
            await session.request(ws)
            options = session.quarter["options"]
            for value in (options[-1], options[0]):
                session.quarter_value = value
                await session.request(ws)
                seen.append(value)

    try:
        run_async(walk())
    finally:
        server.stop()
    assert errors == []
    assert len(session.quarter["options"]) >= 4  # the example data's quarters, as labels
    assert len(times) == 3 and seen[0] != seen[1]
    assert session.pages and all(session.pages.values())


def test_an_exception_on_the_page_is_an_error():
    errors = []
    session = ProtocolSession(3, "http://127.0.0.1:1", [], errors)
    msg = ForwardMsg()
    msg.delta.new_element.exception.type = "ValueError"
    msg.delta.new_element.exception.message = "a broken page"
    assert session.read(msg) is None
    assert errors == ["session 3: an exception on the page: ValueError: a broken page"]
    done = ForwardMsg()
    done.script_finished = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
    assert session.read(done) == "FINISHED_SUCCESSFULLY"


def test_sessions_spread_over_several_servers_as_behind_a_proxy(example_url, tmp_path, monkeypatch):
    # --servers 2: two server processes on one database, each session kept on one of them
    monkeypatch.setenv("UNION_LOG_LEVEL", "DEBUG")
    servers, logs = [], []
    try:
        for k in range(2):
            logs.append(tmp_path / f"union-{k}.log")
            monkeypatch.setenv("UNION_LOG_FILE", str(logs[-1]))
            servers.append(AppServer(example_url, tmp_path / f"streamlit-{k}.log"))
            servers[-1].start(timeout=120)
        urls = [f"http://127.0.0.1:{s.port}" for s in servers]

        async def on_phase(phase, total=0.0):
            return []

        out = run_async(drive_protocol(urls, 2, 6.0, 0, on_phase, think=0.2))
    finally:
        for server in servers:
            server.stop()
    assert out["errors"] == [] and out["steps"] >= 4
    for log in logs:  # each server ran pages for its session
        assert '"page.run"' in log.read_text(encoding="utf-8")
