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


def test_restoring_a_file_imported_again_shows_why_it_is_refused(example_url):
    """Withdraw an upload, import the same bytes again, then press restore on the first: the
    page says which upload still counts, nothing changes, no traceback."""
    from store.db import NewUpload

    store = open_store(example_url)
    first = int(store.uploads()["id"].max())
    raw = store.upload_raw(first)
    store.withdraw([first], "admin", "test")
    values = store.observations(include_withdrawn=True).query(f"upload_id == {first}")
    again = store.add_upload(NewUpload("again.xlsx", raw, "admin", values, values["period"].iloc[0]))
    at = open_page("history")
    at.selectbox(key="history_choice").select(first).run()
    at.button(key="history_restore").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [f"不能恢复第 {first} 号上报：它与第 {again} 号上报是同一个文件（SHA-256 相同），"
                                          f"而第 {again} 号仍在计入。同一文件只能计入一次；如要恢复第 {first} 号，请先撤回第 {again} 号。"]
    assert first not in store.active_upload_ids() and again in store.active_upload_ids()
    store.engine.dispose()


def test_withdrawing_while_an_import_holds_the_database_says_it_is_busy(example_url, monkeypatch):
    import sqlite3

    monkeypatch.setenv("UNION_DB_BUSY_TIMEOUT", "1")
    store = open_store(example_url)
    newest = int(store.uploads()["id"].max())
    at = open_page("history", lang="en")
    at.selectbox(key="history_choice").select(newest).run()
    holder = sqlite3.connect(example_url.removeprefix("sqlite:///"), isolation_level=None, timeout=0)
    at.button(key="history_withdraw").click().run()  # asks first
    holder.execute("BEGIN IMMEDIATE")
    try:
        at.button(key="history_withdraw_confirm").click().run()
    finally:
        holder.close()
    assert not at.exception
    assert [e.value for e in at.error] == ["The database is busy: another import or change is writing and the wait "
                                          "timed out. Nothing was saved; please try again in a moment."]
    assert newest in store.active_upload_ids()
    at.button(key="history_withdraw_confirm").click().run()  # once the import is done, the same click works
    assert not at.exception and newest not in store.active_upload_ids()
    store.engine.dispose()


def test_withdrawing_asks_first_naming_file_quarter_and_uploader(example_url):
    store = open_store(example_url)
    newest = int(store.uploads()["id"].max())
    row = store.uploads().set_index("id").loc[newest]
    at = open_page("history")
    assert "系统" in at.dataframe[0].value["上报人"].tolist()  # the example data's uploader, "system"
    assert "system" not in at.dataframe[0].value["上报人"].tolist()
    at.selectbox(key="history_choice").select(newest).run()
    at.button(key="history_withdraw").click().run()
    assert not at.exception and newest in store.active_upload_ids()  # one click only asks
    asked = [w.value for w in at.warning if w.value.startswith(f"确定撤回第 {newest} 号上报吗？")]
    from metrics.report_text import markdown_safe
    assert asked and markdown_safe(row["filename"]) in asked[0] and "2017年第4季度" in asked[0] and "上报人：系统" in asked[0]
    at.button(key="history_withdraw_cancel").click().run()
    assert newest in store.active_upload_ids()
    assert not [w for w in at.warning if w.value.startswith("确定撤回")]
    at.button(key="history_withdraw").click().run()
    at.button(key="history_withdraw_confirm").click().run()
    assert not at.exception and newest not in store.active_upload_ids()
    assert at.success[0].value == f"已撤回第 {newest} 号上报。"
    store.engine.dispose()
