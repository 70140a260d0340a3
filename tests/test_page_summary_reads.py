"""The pages read the frames they show from the summary tables (issue 12): a rerun of the
overview, indicator, progress, goals and units pages never loads every stored value."""

from __future__ import annotations

import pytest

from store.db import Store
from tests.apptest_util import open_page


def _no_full_read(*_args, **_kwargs):
    raise AssertionError("a page read every stored value (Store.observations)")


@pytest.mark.parametrize("page", ["overview", "indicator", "progress", "goals", "units"])
def test_page_rerun_does_not_read_every_stored_value(example_url, monkeypatch, page):
    monkeypatch.setattr(Store, "observations", _no_full_read)
    at = open_page(page, "zh", quarter="2017Q4")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    if page == "units":
        at.radio(key="units_scope").set_value("all").run()
        assert not at.exception, at.exception
        assert at.dataframe[0].value.shape[0] == 84
    at.run()  # a rerun
    assert not at.exception, at.exception
