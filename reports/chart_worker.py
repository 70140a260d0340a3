"""Worker process for :mod:`reports.charts`: ``python -m reports.chart_worker OUTDIR JOB.json``.

Reads ``{"scale": 1.5, "figures": [figure JSON, ...]}`` from JOB.json (a figure may also be
``{"area_chart": {...}}``: the lists :class:`reports.charts.AreaChart` makes the figure from) and writes ``OUTDIR/<i>.png``
for each figure kaleido draws (``OUTDIR/<i>.err`` with the reason for one it cannot draw); with
``"engine": "matplotlib"`` in the job, matplotlib draws them (:func:`reports.charts.matplotlib_png`;
the congress report draws its charts here while its workbook is written, issue 12).
Its parent kills it, and the browser it started, when the time limit is reached. With
``--wait SECONDS`` after the two paths, a JOB.json not there yet is waited for (the worker is
started ahead and loads its libraries meanwhile), for at most SECONDS and while its parent lives.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path


def main(argv: list[str]) -> int:
    out = Path(argv[0])
    if not Path(argv[1]).exists() and argv[2:3] == ["--wait"]:  # started ahead: load, then wait for the job
        if not _wait_for(Path(argv[1]), float(argv[3])):
            return 0
    job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    from reports.charts import figure_from_json  # a figure's JSON, or an area chart's lists to make it from

    warnings.simplefilter("ignore")
    if job.get("engine") == "matplotlib":  # no browser: drawn again with matplotlib (reports.charts)
        from reports.charts import matplotlib_png

        _each(out, job, lambda text: matplotlib_png(figure_from_json(text), scale=job.get("scale", 1.5)))
        return 0
    import kaleido

    kaleido.start_sync_server(silence_warnings=True)
    try:
        _each(out, job, lambda text: figure_from_json(text).to_image(format="png", scale=job.get("scale", 1.5)))
    finally:
        try:
            kaleido.stop_sync_server(silence_warnings=True)
        except Exception:  # noqa: BLE001 - exiting anyway
            pass
    return 0


def _wait_for(job: Path, seconds: float) -> bool:
    """Started ahead (``--wait SECONDS``, :class:`reports.charts.WarmWorker`): load what drawing
    needs, then wait for ``job`` to appear; False when the parent is gone or the time is up."""
    import time

    parent, deadline = os.getppid(), time.monotonic() + seconds
    import charts  # noqa: F401 - loaded now, while the report's content is computed
    import matplotlib.backends.backend_agg  # noqa: F401
    import plotly.io  # noqa: F401

    from reports.charts import cjk_font

    cjk_font()
    while not job.exists():
        if os.getppid() != parent or time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _each(out: Path, job: dict, draw) -> None:
    """``OUTDIR/<i>.png`` for each figure ``draw`` turns into PNG bytes, ``<i>.err`` for one it cannot."""
    for i, text in enumerate(job["figures"]):
        try:
            png = draw(text)
        except Exception as exc:  # noqa: BLE001 - one figure's failure is reported, the rest go on
            (out / f"{i}.err").write_text(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ''}",
                                          encoding="utf-8")
            continue
        part = out / f"{i}.part"
        part.write_bytes(png)
        part.rename(out / f"{i}.png")


if __name__ == "__main__":
    try:
        code = main(sys.argv[1:])
    except Exception as exc:  # noqa: BLE001 - the parent reads the last line of stderr
        print(f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}", file=sys.stderr)
        code = 3
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # kaleido's server thread must not keep the process alive
