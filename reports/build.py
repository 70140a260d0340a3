"""One call that builds everything the report page and ``python -m reports`` hand out: the
content, the area charts, the .docx and the .xlsx."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import plotly.graph_objects as go

from charts import report_area_chart
from metrics.catalog import Catalog
from reports.charts import AreaChart, WarmWorker, find_browser, render_charts
from reports.content import Inputs, Report, build_report
from reports.docx_writer import write_docx
from reports.xlsx_writer import write_xlsx

STEPS = ("content", "charts", "docx", "xlsx")


@dataclass
class Built:
    report: Report
    docx: bytes
    xlsx: bytes
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step (xlsx: its own, overlapping the charts)
    messages: list[str] = field(default_factory=list)  # problems that left something out (a chart)
    chart_engines: list[str | None] = field(default_factory=list)  # how each chart was drawn


def area_figures(report: Report, catalog: Catalog) -> list[go.Figure | None]:
    """One chart per section (None for a section without figures), labels in the report's language."""
    lang = report.lang
    figures: list[go.Figure | None] = []
    for sec in report.sections:
        if sec.yearly.empty:
            figures.append(None)
            continue
        figures.append(report_area_chart(
            sec.yearly, names={c: catalog[c].name(lang) for c in sec.indicators},
            units={c: catalog[c].unit_label(lang) for c in sec.indicators}, title=sec.title, lang=lang))
    return figures


def area_charts(report: Report, catalog: Catalog) -> list[AreaChart | None]:
    """The charts of :func:`area_figures` before they are made (what to make them from): the
    worker process that draws them makes them, not this process (issue 12)."""
    lang = report.lang
    out: list[AreaChart | None] = []
    for sec in report.sections:
        if sec.yearly.empty:
            out.append(None)
            continue
        out.append(AreaChart(
            yearly={c: sec.yearly[c].tolist() for c in sec.yearly.columns},
            names={c: catalog[c].name(lang) for c in sec.indicators},
            units={c: catalog[c].unit_label(lang) for c in sec.indicators}, title=sec.title, lang=lang))
    return out


def build(
    inputs: Inputs,
    start_year: int,
    end_year: int,
    unit: str | None = None,
    lang: str = "zh",
    *,
    charts: bool = True,
    keep_open: bool = False,
    on_step: Callable[[str], None] | None = None,
    on_chart: Callable[[int, int], None] | None = None,
    chart_engine: str = "auto",
    report: Report | None = None,
) -> Built:
    """Content, charts (unless ``charts=False``), .docx and .xlsx for one span and unit.
    ``on_step(step)`` is called before each of :data:`STEPS` and ``on_chart(done, total)`` as
    charts are finished (for a progress display). Charts are drawn by
    :func:`reports.charts.render_charts` (``chart_engine``: auto, browser or matplotlib): a
    chart that cannot be drawn is left out and named in ``Built.messages``; this never hangs.
    ``keep_open`` is accepted for callers of the former API and has no effect. ``report``: the
    content already built for these arguments (the report page has it cached), else built here."""
    timings: dict[str, float] = {}

    def step(name: str):
        if on_step:
            on_step(name)
        timings[name] = time.perf_counter()

    def done(name: str):
        timings[name] = time.perf_counter() - timings[name]

    # The charts' worker is started first: it loads its libraries (about 1 s) while the
    # content is computed, then draws what it is handed (issue 12).
    with _warm_worker(charts, chart_engine) as warm:
        step("content")
        report = report if report is not None else build_report(inputs, start_year, end_year, unit, lang)
        done("content")
        pngs: list[bytes | None] = []
        messages: list[str] = []
        engines: list[str | None] = []
        # The workbook does not need the charts: it is written in a thread while a worker process
        # draws them (issue 12: the report under 10 s at a district's size; the two took 5.6 s and
        # 2.6 s one after the other). This thread only waits for the worker meanwhile.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-xlsx") as pool:
            xlsx_job = pool.submit(_timed, write_xlsx, report) if charts else None
            step("charts")
            if charts:
                # what to make each figure from: the worker makes them (0.5-0.7 s at a district's
                # size that this process would spend beside the workbook's thread)
                figures = area_charts(report, inputs.catalog)
                rendered = render_charts(figures, titles=[s.title for s in report.sections], lang=lang,
                                         engine=chart_engine, on_chart=on_chart, in_worker=True, warm=warm)
                pngs, messages, engines = rendered.pngs, rendered.messages, rendered.engines
            done("charts")
            step("docx")
            docx = write_docx(report, pngs)
            done("docx")
            step("xlsx")
            if xlsx_job is not None:
                xlsx, took = xlsx_job.result()  # its own time; most of it passed while the charts were drawn
                timings["xlsx"] = took
            else:
                xlsx = write_xlsx(report)
                done("xlsx")
        return Built(report, docx, xlsx, timings, messages, engines)


@contextmanager
def _warm_worker(charts: bool, chart_engine: str):
    """A :class:`WarmWorker` for a build whose charts a worker process will draw (matplotlib,
    or auto without a browser), closed with its folder when the build ends; else None."""
    warm = WarmWorker() if charts and chart_engine in ("auto", "matplotlib") and (
        chart_engine == "matplotlib" or find_browser() is None) else None
    try:
        yield warm
    finally:
        if warm is not None:
            warm.close()


def _timed(fn, *args):
    """``fn(*args)`` and the seconds it took."""
    started = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - started
