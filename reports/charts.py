"""Static pictures of the report's charts for the Word document, on any PC.

Two ways to draw the same Plotly figure as PNG:

- **browser** -- Plotly's static export (kaleido), when a Chrome-type browser is found (Debian's
  ``chromium``, or ``$BROWSER_PATH``). It runs in a worker process with a hard time limit
  (``$UNION_CHART_TIMEOUT`` seconds, default 45): on time-out the worker and its browser are
  killed, never waited for.
- **matplotlib** -- no browser needed: the figure's bar panels, titles and labels are drawn
  again with matplotlib (Agg) in the CJK font the machine has (Noto Sans CJK SC,
  WenQuanYi, SimHei, Microsoft YaHei, ...). Used when no browser is found, and for every
  chart the browser could not draw.

A chart neither way can draw is left out: :func:`render_charts` returns ``None`` for it and a
message saying which chart and why. It never raises for a drawing failure and never hangs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import plotly.graph_objects as go

from i18n import t

_REAL_CHROMIUM = "/usr/lib/chromium/chromium"  # Debian: skips the /usr/bin/chromium wrapper (faster start)
DEFAULT_TIMEOUT = 45.0
#: How the congress report draws its charts unless told otherwise (``python -m reports``, the
#: report page): matplotlib draws the six charts in about 3 s with no browser to start, against
#: 6-8 s for kaleido's headless browser (issue 12: the report under 10 s with charts).
REPORT_ENGINE = "matplotlib"
# CJK fonts in order of preference: Linux packages first, then what Windows and macOS ship
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
             "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Noto Sans CJK JP", "Noto Sans CJK TC")


@dataclass
class AreaChart:
    """A report area's chart before it is made: what :func:`charts.report_area_chart` needs, as
    plain lists and texts, so the worker process makes the Plotly figure itself (making the six
    figures took 0.5-0.7 s of the report's main process at a district's size, beside the
    workbook's thread; issue 12). :func:`render_charts` takes it wherever it takes a figure."""

    yearly: dict  # column -> list: indicator, year, value
    names: dict
    units: dict
    title: str
    lang: str = "zh"

    def figure(self) -> go.Figure:
        import pandas as pd

        from charts import report_area_chart

        return report_area_chart(pd.DataFrame(self.yearly), names=self.names, units=self.units, title=self.title,
                                 lang=self.lang)

    def to_json(self) -> str:
        return json.dumps({"area_chart": {"yearly": self.yearly, "names": self.names, "units": self.units,
                                          "title": self.title, "lang": self.lang}}, ensure_ascii=False)


def figure_from_json(text: str) -> go.Figure:
    """The Plotly figure a worker job names: a figure's JSON, or an :class:`AreaChart`'s."""
    import plotly.io as pio

    spec = json.loads(text)
    if isinstance(spec, dict) and set(spec) == {"area_chart"}:
        return AreaChart(**spec["area_chart"]).figure()
    return pio.from_json(text)


def _as_figure(figure) -> go.Figure:
    return figure.figure() if isinstance(figure, AreaChart) else figure


@dataclass
class Rendered:
    """PNG bytes per figure (``None``: left out), which way each was drawn, and the messages."""

    pngs: list[bytes | None]
    engines: list[str | None]
    messages: list[str] = field(default_factory=list)


def chart_timeout() -> float:
    """The time limit for the browser export, from ``$UNION_CHART_TIMEOUT`` (seconds)."""
    try:
        return max(1.0, float(os.environ.get("UNION_CHART_TIMEOUT", DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT


def find_browser() -> str | None:
    """The Chrome-type browser kaleido would start, or None when there is none that runs.

    ``$BROWSER_PATH`` wins (pointing nowhere means: no browser); else PATH and the usual places.
    """
    env = os.environ.get("BROWSER_PATH")
    if env is not None:
        return env if os.path.isfile(env) and os.access(env, os.X_OK) else None
    if os.path.exists(_REAL_CHROMIUM) and os.access(_REAL_CHROMIUM, os.X_OK):
        return _REAL_CHROMIUM
    try:
        from choreographer.browsers.chromium import Chromium

        path = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - a failed search is the same as no browser
        return None
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def render_charts(
    figures: list[go.Figure | AreaChart | None],
    *,
    titles: list[str] | None = None,
    lang: str = "zh",
    scale: float = 1.5,
    timeout: float | None = None,
    engine: str = "auto",
    on_chart: Callable[[int, int], None] | None = None,
    in_worker: bool = False,
    warm: WarmWorker | None = None,
) -> Rendered:
    """PNG bytes for each figure (``None`` stays ``None``), never raising for a drawing failure.

    ``engine``: ``auto`` (browser when one is found, matplotlib otherwise and for what the
    browser could not draw), ``browser`` or ``matplotlib`` (that way only). ``titles`` name the
    charts in messages. ``on_chart(done, total)`` is called as pictures are finished.
    A figure may be an :class:`AreaChart`: made into its Plotly figure where it is drawn (in
    the worker process when there is one).
    ``in_worker``: matplotlib draws in a worker process (the same time limit as the browser's),
    so that this process is free meanwhile (the congress report writes its workbook in a
    thread while its charts are drawn, :func:`reports.build.build`); what the worker could not
    draw is drawn here. ``warm``: a worker started ahead (:class:`WarmWorker`) to draw them in.
    """
    timeout = chart_timeout() if timeout is None else timeout
    names = titles or [f"{i + 1}" for i in range(len(figures))]
    todo = [i for i, f in enumerate(figures) if f is not None]
    pngs: list[bytes | None] = [None] * len(figures)
    engines: list[str | None] = [None] * len(figures)
    messages: list[str] = []
    failures: dict[int, str] = {}
    total = len(todo)

    def progress():
        if on_chart:
            on_chart(sum(p is not None for p in pngs), total)

    if not todo:
        return Rendered(pngs, engines, messages)
    browser = find_browser() if engine in ("auto", "browser") else None
    if engine == "browser" and browser is None:
        failures = {i: t("office.chart.no_browser", lang) for i in todo}
    if browser is not None:
        done, errors, timed_out = _browser_pngs([figures[i] for i in todo], browser, scale, timeout,
                                                lambda n: on_chart and on_chart(n, total))
        for k, i in enumerate(todo):
            if k in done:
                pngs[i], engines[i] = done[k], "browser"
            else:
                failures[i] = errors.get(k) or (t("office.chart.timed_out", lang, seconds=f"{timeout:g}")
                                                if timed_out else t("office.chart.browser_failed", lang))
        if timed_out:
            messages.append(t("office.chart.browser_timeout", lang, seconds=f"{timeout:g}"))
    if engine in ("auto", "matplotlib") and in_worker and browser is None:
        left = [i for i in todo if pngs[i] is None]
        done, _errors, _late = _worker_pngs([figures[i] for i in left], None, scale, timeout,
                                            lambda n: on_chart and on_chart(n, total), *([warm] if warm else []))
        for k, i in enumerate(left):
            if k in done:
                pngs[i], engines[i] = done[k], "matplotlib"
    if engine in ("auto", "matplotlib"):
        for i in todo:
            if pngs[i] is not None:
                continue
            try:
                pngs[i], engines[i] = matplotlib_png(_as_figure(figures[i]), scale=scale), "matplotlib"
                failures.pop(i, None)
            except Exception as exc:  # noqa: BLE001 - one chart's failure leaves out that chart only
                failures[i] = f"{type(exc).__name__}: {exc}"
            progress()
    if "matplotlib" in engines and cjk_font() is None:
        messages.append(t("office.chart.no_cjk_font", lang))
    for i, why in sorted(failures.items()):
        if pngs[i] is None:
            messages.append(t("office.chart.left_out", lang, chart=names[i], reason=why))
    return Rendered(pngs, engines, messages)


def render_pngs(figures: list[go.Figure], *, scale: float = 1.5, keep_open: bool = False) -> list[bytes]:
    """PNG bytes of each figure (compatibility wrapper): raises RuntimeError if one is left out."""
    rendered = render_charts(list(figures), scale=scale)
    if any(p is None for p in rendered.pngs):
        raise RuntimeError("; ".join(rendered.messages))
    return list(rendered.pngs)


# ---- the browser way: kaleido in a worker process that can be killed -----------------------

def _browser_pngs(figures, browser: str, scale: float, timeout: float, on_done) -> tuple[dict, dict, bool]:
    """({index: png}, {index: error}, timed_out) from one worker process running kaleido."""
    return _worker_pngs(figures, browser, scale, timeout, on_done)


#: How long a worker started ahead (:class:`WarmWorker`) waits for its charts before it exits.
WARM_WAIT = 600.0


def _start_worker(out: Path, job: Path, log, env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "reports.chart_worker", str(out), str(job), *extra],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, env=env,
                            start_new_session=True, cwd=str(Path(__file__).resolve().parents[1]))


class WarmWorker:
    """A matplotlib chart worker started before its charts are known: it loads pandas, Plotly
    and matplotlib (about 1 s) while the report's content is computed, then draws the job
    :func:`render_charts` hands it (``warm=``). It exits by itself when its parent is gone or
    after :data:`WARM_WAIT` seconds without a job; :meth:`close` ends it and removes its folder
    (call it in any case: a worker that drew its charts has ended already)."""

    def __init__(self):
        self.out = Path(tempfile.mkdtemp(prefix="union-charts-"))
        self.log = open(self.out / "worker.log", "w+b")  # noqa: SIM115 - closed in close()
        self.proc = _start_worker(self.out, self.out / "job.json", self.log, dict(os.environ), "--wait", f"{WARM_WAIT:g}")

    def close(self) -> None:
        if self.proc.poll() is None:
            _kill_group(self.proc)
        self.log.close()
        shutil.rmtree(self.out, ignore_errors=True)


def _worker_pngs(figures, browser: str | None, scale: float, timeout: float, on_done,
                 warm: WarmWorker | None = None) -> tuple[dict, dict, bool]:
    """({index: png}, {index: error}, timed_out) from one worker process (:mod:`reports.chart_worker`)
    running kaleido with ``browser``, or matplotlib when ``browser`` is None (in ``warm``, a
    worker started ahead, when it is given and still waiting)."""
    warm = warm if warm is not None and browser is None and warm.proc.poll() is None else None
    out = warm.out if warm is not None else Path(tempfile.mkdtemp(prefix="union-charts-"))
    try:
        job = out / "job.json"  # files, not pipes: nothing can block on a full pipe buffer
        spec = {"scale": scale, "figures": [f.to_json() for f in figures]}
        if browser is None:
            spec["engine"] = "matplotlib"
        if warm is not None:  # complete before the waiting worker sees it
            (out / "job.part").write_text(json.dumps(spec), encoding="utf-8")
            os.replace(out / "job.part", job)
            log, proc = warm.log, warm.proc
        else:
            job.write_text(json.dumps(spec), encoding="utf-8")
            log = open(out / "worker.log", "w+b")  # noqa: SIM115 - closed below
            env = dict(os.environ, **({"BROWSER_PATH": browser} if browser else {}))
            proc = _start_worker(out, job, log, env)
        deadline = time.monotonic() + timeout
        timed_out = False
        seen = 0
        while proc.poll() is None:
            if time.monotonic() > deadline:
                timed_out = True
                break
            n = len(list(out.glob("*.png")))
            if n != seen:
                seen = n
                on_done(n)
            time.sleep(0.1)
        if proc.poll() is None or timed_out:
            _kill_group(proc)
        done = {int(p.stem): p.read_bytes() for p in out.glob("*.png")}
        errors = {int(p.stem): p.read_text(encoding="utf-8") for p in out.glob("*.err")}
        if not done and not errors and not timed_out:
            log.seek(0)
            stderr = log.read().decode("utf-8", "replace").strip().splitlines()
            reason = stderr[-1] if stderr else f"exit {proc.returncode}"
            errors = {k: reason[:300] for k in range(len(figures))}
        if warm is None:
            log.close()
        return done, errors, timed_out
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the worker and everything it started (the browser runs in a session of its own,
    so its process group is not the worker's: the whole tree is found and killed), then reap it."""
    if os.name == "nt":
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(proc.pid)], capture_output=True, timeout=30)
    else:
        for pid in [proc.pid, *_descendants(proc.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def _descendants(root: int) -> list[int]:
    """Process ids below ``root`` (children, grandchildren, ...) from /proc; [] where there is none."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


# ---- the matplotlib way ------------------------------------------------------------------

_FONT: list[str] = []
PT = 72 / 100  # a Plotly pixel in matplotlib points at the 100 dpi the figure is laid out at


def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or None when the machine has none.

    Looks in matplotlib's font list first, then asks fontconfig (``fc-match``) for a Chinese
    font and registers its file (a font installed after matplotlib's cache was built is not
    in the list)."""
    if _FONT:
        return _FONT[0] or None
    from matplotlib import font_manager as fm

    known = {f.name for f in fm.fontManager.ttflist}
    name = next((n for n in CJK_FONTS if n in known), None)
    if name is None and shutil.which("fc-match"):
        try:
            path = subprocess.run(["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"], capture_output=True,
                                  text=True, timeout=10).stdout.strip()
            if path and os.path.exists(path):
                fm.fontManager.addfont(path)
                candidate = fm.FontProperties(fname=path).get_name()
                probe = fm.get_font(path)
                if probe.get_char_index(ord("会")):
                    name = candidate
        except Exception:  # noqa: BLE001 - no font found is handled below
            name = None
    _FONT.append(name or "")
    return name


def matplotlib_png(fig: go.Figure, *, scale: float = 1.5) -> bytes:
    """The figure (bar panels in a Plotly subplot grid) drawn with matplotlib, as PNG bytes.

    Reads the Plotly figure: size and margins, each axis's domain, bar traces with their
    text labels and colour, subplot titles (annotations) and the title."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    layout = fig.layout
    width_px = layout.width or 900
    height_px = layout.height or 500
    margin = layout.margin
    ml, mr = (margin.l if margin.l is not None else 80), (margin.r if margin.r is not None else 80)
    mt, mb = (margin.t if margin.t is not None else 100), (margin.b if margin.b is not None else 80)
    font = cjk_font()
    family = [font, "DejaVu Sans"] if font else ["DejaVu Sans"]
    dpi = 100
    mfig = Figure(figsize=(width_px / dpi, height_px / dpi), dpi=dpi)
    FigureCanvasAgg(mfig)
    plot_w, plot_h = (width_px - ml - mr) / width_px, (height_px - mt - mb) / height_px
    x0, y0 = ml / width_px, mb / height_px

    def paper(x, y):
        return x0 + x * plot_w, y0 + y * plot_h

    axes = {}
    text_color = (layout.font.color if layout.font and layout.font.color else "#333333")
    base_size = (layout.font.size if layout.font and layout.font.size else 12) * PT  # Plotly's px as points
    for trace in fig.data:
        if trace.type != "bar":
            raise ValueError(f"cannot draw a {trace.type} trace without a browser")
        xa, ya = trace.xaxis or "x", trace.yaxis or "y"
        key = (xa, ya)
        if key not in axes:
            xdom = layout[xa.replace("x", "xaxis", 1)].domain or (0, 1)
            ydom = layout[ya.replace("y", "yaxis", 1)].domain or (0, 1)
            left, bottom = paper(xdom[0], ydom[0])
            right, top = paper(xdom[1], ydom[1])
            ax = mfig.add_axes((left, bottom, right - left, top - bottom))
            for side in ("top", "right", "left"):
                ax.spines[side].set_visible(False)
            ax.spines["bottom"].set_color("#BBBBBB")
            ax.tick_params(axis="y", left=False, labelleft=False)
            ax.tick_params(axis="x", length=0, labelsize=((layout.xaxis.tickfont.size or 11) if layout.xaxis.tickfont else 11) * PT,
                           labelcolor=text_color)
            ax.yaxis.grid(True, color="#E5E5E5", linewidth=0.8)
            ax.set_axisbelow(True)
            axes[key] = ax
        ax = axes[key]
        xs = [str(x) for x in _array(trace.x)]
        ys = [float(y) for y in _array(trace.y)]
        color = trace.marker.color if trace.marker and isinstance(trace.marker.color, str) else "#C0392B"
        bars = ax.bar(range(len(xs)), ys, width=1 - (layout.bargap if layout.bargap is not None else 0.2), color=color)
        ax.set_xticks(range(len(xs)), xs, fontfamily=family)
        top = max([0.0, *ys])
        ax.set_ylim(min(0.0, *ys) if ys else 0.0, top * 1.18 if top > 0 else 1.0)
        if trace.text is not None:
            labels = list(_array(trace.text)) if not isinstance(trace.text, str) else [trace.text] * len(xs)
            for bar, label in zip(bars, labels):
                ax.annotate(str(label), (bar.get_x() + bar.get_width() / 2, bar.get_height()), xytext=(0, 2),
                            textcoords="offset points", ha="center", va="bottom", fontsize=base_size * 0.85,
                            color=text_color, fontfamily=family)
    for note in layout.annotations or ():
        if note.xref != "paper" or note.yref != "paper" or not note.text:
            continue
        x, y = paper(note.x, note.y)
        mfig.text(x, y + 4 / height_px, _plain(note.text), ha=note.xanchor if note.xanchor in ("left", "right") else "center",
                  va="bottom", fontsize=(note.font.size * PT if note.font and note.font.size else base_size),
                  color=text_color, fontfamily=family)
    if layout.title and layout.title.text:
        size = layout.title.font.size * PT if layout.title.font and layout.title.font.size else base_size * 1.3
        mfig.text(x0 if (layout.title.x or 0) < 0.2 else 0.5, 1 - 24 / height_px, _plain(layout.title.text),
                  ha="left" if (layout.title.x or 0) < 0.2 else "center", va="top", fontsize=size,
                  color=text_color, fontfamily=family)
    buf = io.BytesIO()
    mfig.savefig(buf, format="png", dpi=dpi * scale, facecolor="white")
    return buf.getvalue()


def _array(values) -> list:
    """A trace's data as a list, also where it came back from a figure's JSON as Plotly's typed
    array (``{"dtype": "f8", "bdata": base64}``, how Plotly 6 writes numbers): read that way,
    every chart of the report's worker process failed and was drawn again in the main process
    (issue 12, fifth pass)."""
    if isinstance(values, dict) and "bdata" in values:
        import base64

        import numpy as np

        out = np.frombuffer(base64.b64decode(values["bdata"]), dtype=np.dtype(values.get("dtype", "f8")))
        shape = values.get("shape")
        if isinstance(shape, str):  # "2, 3"
            shape = [int(n) for n in shape.split(",")]
        return out.reshape(shape).tolist() if shape else out.tolist()
    return list(values) if values is not None else []


def _plain(text: str) -> str:
    """Plotly's bits of HTML in a label as plain text (``<br>`` as a line break)."""
    import re

    text = re.sub(r"<br\s*/?>", "\n", str(text), flags=re.I)
    return re.sub(r"<[^>]+>", "", text).replace("$", r"\$")
