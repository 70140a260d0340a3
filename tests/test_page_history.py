"""The upload history page: every upload listed; withdrawal only for administrators
(the withdraw-and-undo path itself is walked in tests/test_page_upload.py)."""

from __future__ import annotations

from store.db import open_store
from tests.apptest_util import open_page


def test_history_withdrawal_is_for_administrators_only(example_url):
    import auth
    store = open_store(example_url)
    store.set_user("clerk1", "Clerk", "clerk", auth.hash_password("pw"), "test")
    store.engine.dispose()
    at = open_page("history", role="clerk", user="clerk1")
    assert not at.exception
    assert len(at.dataframe[0].value) == 28
    assert not [b for b in at.button if b.key == "history_withdraw"]
