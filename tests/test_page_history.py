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


def test_history_in_english_lists_uploads_with_english_status(example_url):
    store = open_store(example_url)
    first = int(store.uploads()["id"].min())
    store.withdraw([first], "admin", "test")
    store.engine.dispose()
    at = open_page("history", lang="en")
    assert not at.exception
    assert at.title[0].value == "Upload history"
    table = at.dataframe[0].value
    status = dict(zip(table["No."].astype(int), table["Status"]))
    assert status[first] == "withdrawn" and set(status.values()) == {"counting", "withdrawn"}
    assert all(p.count(" Q") == 1 for p in table["Period"])  # "2011 Q1", not 2011年第1季度
    options = at.selectbox(key="history_choice").options
    assert len(options) == 28 and all(o.startswith("#") for o in options)
    at.selectbox(key="history_choice").select(first).run()
    assert not at.exception
    assert at.button(key="history_restore").label == "Undo the withdrawal (restore this upload)"
    assert at.text_input(key="history_reason").label == "Reason (optional)"


def test_clerk_sees_why_there_is_no_withdraw_button_in_english(example_url):
    import auth
    store = open_store(example_url)
    store.set_user("clerk1", "Clerk", "clerk", auth.hash_password("pw"), "test")
    store.engine.dispose()
    at = open_page("history", lang="en", role="clerk", user="clerk1")
    assert not at.exception
    assert "Only an administrator can withdraw uploads." in [c.value for c in at.caption]
