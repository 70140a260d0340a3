"""Static pictures of the report's charts for the Word document (Plotly figures rendered to
PNG by kaleido with the system's Chromium; CJK text needs a CJK font such as fonts-noto-cjk).

Kaleido starts one Chromium for a batch (about 2 s), then each picture takes about 0.15 s.
"""

from __future__ import annotations

import os
import threading
import warnings

import plotly.graph_objects as go

_LOCK = threading.Lock()
_REAL_CHROMIUM = "/usr/lib/chromium/chromium"  # Debian: skips the /usr/bin/chromium wrapper (faster start)


def render_pngs(figures: list[go.Figure], *, scale: float = 1.5, keep_open: bool = False) -> list[bytes]:
    """PNG bytes of each figure, in order, at its own width and height times ``scale``.

    One kaleido server (one Chromium) serves the batch; it is stopped afterwards unless
    ``keep_open`` (a long-running process, such as the dashboard, saves the start next time).
    Raises RuntimeError when no Chromium is available.
    """
    if not figures:
        return []
    import kaleido

    if "BROWSER_PATH" not in os.environ and os.path.exists(_REAL_CHROMIUM):
        os.environ["BROWSER_PATH"] = _REAL_CHROMIUM
    with _LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kaleido.start_sync_server(silence_warnings=True)
        try:
            return [fig.to_image(format="png", scale=scale) for fig in figures]
        finally:
            if not keep_open:
                kaleido.stop_sync_server(silence_warnings=True)
