"""Sign-in and the signed-in session (AppTest on the real dashboard, users present): a changed
role or a disabled account applies at the next click, a stale page cannot act, too many wrong
passwords lock the name (the same answer for an unknown name, and about as fast), sign-out
forgets the session, old bcrypt hashes still work, and the session token expires."""

from __future__ import annotations

import os
import statistics
import stat
import time

import bcrypt
import pytest
import sqlalchemy as sa

import auth
from store.db import open_store
from tests.apptest_util import run_app

ADMIN_PW = "Gonghui-2026-chair"
CLERK_PW = "li-tianbao-2026"
LIMIT = 5  # wrong passwords in a row that lock a name (auth.MAX_FAILURES, as the README says)


@pytest.fixture
def store(example_url):
    store = open_store(example_url)
    store.set_user("zhang", "张主席", "admin", auth.hash_password(ADMIN_PW), actor="test")
    store.set_user("li", "李填报", "clerk", auth.hash_password(CLERK_PW), actor="test")
    yield store
    store.engine.dispose()


def sign_in(name: str, password: str, at=None, lang: str = "zh"):
    at = at or run_app(lang)
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def on_history(at):
    at.switch_page("app_pages/history.py")
    at.run()
    assert not at.exception, at.exception
    return at


def demote(store, name: str, role: str) -> None:
    """What an administrator's role change does to the row (the CLI's ``set --role``)."""
    old = store.user(name)
    store.set_user(name, old["display_name"], role, old["password_hash"], actor="test")


def buttons(at) -> set[str]:
    return {b.key for b in at.button if b.key}


def test_a_demoted_administrator_loses_the_withdraw_button_at_the_next_click(store):
    at = on_history(sign_in("zhang", ADMIN_PW))
    assert "history_withdraw" in buttons(at)
    demote(store, "zhang", "clerk")
    at.text_input(key="history_reason").input("just typing").run()
    assert at.session_state["role"] == "clerk"
    assert "history_withdraw" not in buttons(at)
    assert "只有管理员可以撤回上报。" in [c.value for c in at.caption]


def test_a_withdrawal_clicked_on_a_page_drawn_before_the_demotion_is_refused(store):
    at = on_history(sign_in("zhang", ADMIN_PW))
    chosen = at.selectbox(key="history_choice").value
    demote(store, "zhang", "leader")
    at.button(key="history_withdraw").click().run()
    assert not at.exception, at.exception
    assert chosen in store.active_upload_ids(), "nothing was withdrawn"
    assert not [e for e in store.audit_log()["action"] if e == "upload.withdraw"]


def test_recheck_refuses_a_write_when_the_role_changed_after_the_page_was_drawn(store, monkeypatch):
    """The window between the rerun's own check and the click's write: signin.recheck reads
    the row again and refuses (the page shows why and stops)."""
    at = on_history(sign_in("zhang", ADMIN_PW))
    chosen = at.selectbox(key="history_choice").value
    real_user = type(store).user
    calls = {"n": 0}

    def user_demoted_after_first_read(self, username):
        record = real_user(self, username)
        calls["n"] += 1
        if record and calls["n"] > 1:  # the dashboard's read still says admin, the action's says clerk
            record = {**record, "role": "clerk"}
        return record

    monkeypatch.setattr(type(store), "user", user_demoted_after_first_read)
    at.button(key="history_withdraw").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["你当前的权限不允许这项操作（权限可能刚被修改）。没有做任何更改。"]
    assert chosen in store.active_upload_ids()


def test_a_disabled_user_is_signed_out_at_once_with_a_message(store):
    at = on_history(sign_in("li", CLERK_PW))
    assert at.title[0].value == "上报记录"
    store.update_user("li", "test", active=False)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["user"] is None
    assert not at.title and not at.dataframe
    assert [s.value for s in at.subheader] == ["请登录"]
    assert at.info[0].value.startswith("你的登录已结束")
    at = sign_in("li", CLERK_PW)
    assert at.session_state["user"] is None and at.error, "a disabled user cannot sign in again"


def test_a_removed_user_is_signed_out_at_once(store):
    at = sign_in("li", CLERK_PW)
    assert at.session_state["user"] == "li"
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM users WHERE username = 'li'")
    at.run()
    assert at.session_state["user"] is None and not at.title


def test_five_wrong_passwords_lock_the_name_even_for_the_right_password(store):
    at = run_app("zh")
    for _ in range(LIMIT - 1):
        at = sign_in("zhang", "wrong password", at)
        assert [e.value for e in at.error] == ["用户名或密码不正确。"]
    at = sign_in("zhang", "wrong password", at)
    locked = [e.value for e in at.error]
    assert locked and locked[0].startswith("该用户名连续输错密码次数过多")
    at = sign_in("zhang", ADMIN_PW, at)
    assert at.session_state["user"] is None and not at.title
    assert [e.value for e in at.error] == locked
    # another session (another process would read the same rows) is locked too
    again = sign_in("zhang", ADMIN_PW, run_app("en"))
    assert again.session_state["user"] is None
    assert again.error[0].value.startswith("Too many wrong passwords")


def test_an_unknown_name_gets_the_same_answers_as_a_known_one(store):
    answers = {}
    for name in ("zhang", "nobody"):
        at = run_app("zh")
        seen = []
        for _ in range(LIMIT + 1):
            at = sign_in(name, "wrong password", at)
            seen.append([e.value for e in at.error])
        answers[name] = seen
    assert answers["zhang"] == answers["nobody"]
    assert answers["nobody"][-1][0].startswith("该用户名连续输错密码次数过多"), "an unknown name is locked too"


def test_the_lock_ends_after_its_time_and_a_success_clears_the_count(store):
    from datetime import UTC, datetime, timedelta
    start = datetime.now(UTC)
    for n in range(auth.MAX_FAILURES):
        result = auth.authenticate(store, "zhang", "wrong", now=start)
    assert result.status == "locked"
    assert auth.authenticate(store, "zhang", ADMIN_PW, now=start + timedelta(minutes=14)).status == "locked"
    later = start + timedelta(minutes=auth.LOCK_MINUTES, seconds=1)
    assert auth.authenticate(store, "zhang", ADMIN_PW, now=later).status == "ok"
    for _ in range(auth.MAX_FAILURES - 1):
        assert auth.authenticate(store, "zhang", "wrong", now=later).status == "failed"
    assert auth.authenticate(store, "zhang", ADMIN_PW, now=later).status == "ok"
    assert auth.authenticate(store, "zhang", "wrong", now=later).status == "failed", "the count started again"


def test_the_lock_holds_on_postgresql(pg_url):
    store = open_store(pg_url)
    try:
        store.set_user("zhang", "张主席", "admin", auth.hash_password(ADMIN_PW), actor="test")
        statuses = [auth.authenticate(store, "Zhang ", "wrong").status for _ in range(auth.MAX_FAILURES)]
        assert statuses == ["failed"] * (auth.MAX_FAILURES - 1) + ["locked"]
        assert auth.authenticate(store, "zhang", ADMIN_PW).status == "locked"
    finally:
        store.engine.dispose()


def test_signing_in_takes_about_as_long_for_an_unknown_name_as_for_a_known_one(store):
    def seconds(name: str) -> float:
        store.sign_in_succeeded(auth.lock_key(name))
        start = time.perf_counter()
        assert auth.authenticate(store, name, "not the password").status == "failed"
        return time.perf_counter() - start

    seconds("zhang"), seconds("nobody")  # warm up (the dummy hash is made once)
    known = statistics.median(seconds("zhang") for _ in range(5))
    unknown = statistics.median(seconds("nobody") for _ in range(5))
    assert 0.5 < unknown / known < 2, (known, unknown)
    assert unknown > 0.02, "an unknown name must still cost a password check"


def test_sign_out_forgets_every_session_key_and_ends_the_cookie(store):
    import signin

    at = on_history(sign_in("zhang", ADMIN_PW))
    epoch = store.user("zhang")["session_epoch"]
    token = at.session_state["token"]
    assert signin.read_token(token)["u"] == "zhang"
    at.button(key="sign_out").click().run()
    assert not at.exception, at.exception
    kept = set(at.session_state.to_dict())
    assert not kept & {"history_choice", "history_reason", "token", "epoch", "quarter", "unit"}, kept
    assert kept <= {"lang", "user", "role"} | {k for k in kept if k.startswith("FormSubmitter:")}, kept
    assert at.session_state["user"] is None and at.session_state["role"] is None
    assert not at.title and [i.value for i in at.info] == ["已退出登录。"]
    assert store.user("zhang")["session_epoch"] == epoch + 1, "the old cookie no longer signs in"


def test_an_old_bcrypt_password_still_signs_in_and_is_upgraded(store):
    old = bcrypt.hashpw(b"old-bcrypt-pass-1", bcrypt.gensalt(4)).decode()
    store.set_user("wang", "王", "leader", old, actor="test")
    at = sign_in("wang", "old-bcrypt-pass-1")
    assert at.session_state["user"] == "wang"
    assert store.user("wang")["password_hash"].startswith("$argon2id$")
    assert auth.check_password("old-bcrypt-pass-1", store.user("wang")["password_hash"])


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_database_from_before_keeps_its_users_and_gains_the_new_columns(dialect, tmp_path, request):
    url = f"sqlite:///{tmp_path / 'old.sqlite'}" if dialect == "sqlite" else request.getfixturevalue("pg_url")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE users (username VARCHAR(100) PRIMARY KEY, display_name VARCHAR(200) NOT NULL,"
                             " role VARCHAR(20) NOT NULL, password_hash VARCHAR(200) NOT NULL, created_at TIMESTAMP NOT NULL)"))
        conn.execute(sa.text("INSERT INTO users VALUES ('zhao', '赵', 'admin', :h, '2020-01-01 00:00:00')"),
                     {"h": bcrypt.hashpw(b"zhao-old-pass", bcrypt.gensalt(4)).decode()})
    engine.dispose()
    store = open_store(url)
    record = store.user("zhao")
    assert record["active"] is True and record["session_epoch"] == 0
    assert auth.authenticate(store, "zhao", "zhao-old-pass").status == "ok"
    assert store.user("zhao")["password_hash"].startswith("$argon2id$")
    store.engine.dispose()


def test_a_session_idle_longer_than_the_timeout_is_signed_out(store):
    import signin

    at = sign_in("li", CLERK_PW)
    assert at.session_state["user"] == "li"
    at.session_state["last_active"] = time.time() - signin.IDLE - 5
    at.run()
    assert at.session_state["user"] is None and not at.title
    assert at.info[0].value == "长时间未操作，已自动退出登录。请重新登录。"


def test_a_session_token_is_refused_when_tampered_expired_or_signed_with_another_key(monkeypatch):
    import signin

    monkeypatch.setenv("UNION_SECRET_KEY", "k" * 40)
    now = time.time()
    token = signin.make_token("zhang", 3, now)
    assert signin.read_token(token) == {"u": "zhang", "e": 3, "s": int(now)}
    payload, stamp, signature = token.split(".")
    other_user = signin.make_token("admin", 3, now).split(".")[0]
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    for forged in (f"{other_user}.{stamp}.{signature}", f"{payload}.{stamp}.{flipped}"):
        assert forged != token and signin.read_token(forged) is None
    assert signin.read_token(token, now=now + signin.IDLE + 5) is None
    old = signin.make_token("zhang", 3, now - signin.MAX_AGE - 5)
    assert signin.read_token(old) is None
    monkeypatch.setenv("UNION_SECRET_KEY", "other" * 10)
    assert signin.read_token(token) is None


def test_without_a_configured_key_one_is_made_readable_by_the_owner_only(tmp_path, monkeypatch):
    import signin

    monkeypatch.delenv("UNION_SECRET_KEY", raising=False)
    monkeypatch.setattr(signin, "SECRET_FILE", tmp_path / "var" / "secret_key")
    key = signin.secret_key()
    assert len(key) >= 40 and signin.secret_key() == key
    assert stat.S_IMODE(os.stat(signin.SECRET_FILE).st_mode) == 0o600


@pytest.mark.parametrize("password,role,ok", [
    ("12345678", "admin", False), ("12345678", "clerk", False), ("password", "leader", False),
    ("zhang2026zhang", "admin", False), ("abcdefghijkl", "admin", False), ("aaaaaaaaaaaaaa", "clerk", False),
    ("gonghuiqwerty", "admin", False), ("Gonghui-2026-chair", "admin", True), ("tea-and-books", "clerk", True),
    ("x" * 2000, "clerk", False), ("长城长城长城长城-2026", "admin", True),
])
def test_password_rules(password, role, ok):
    assert (not auth.password_problems(password, "zhang", role)) == ok


def test_a_single_user_session_must_sign_in_once_users_are_added(example_url):
    at = run_app("zh")
    assert at.title and at.session_state["role"] == "admin"
    store = open_store(example_url)
    store.set_user("zhang", "张主席", "admin", auth.hash_password(ADMIN_PW), actor="test")
    store.engine.dispose()
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["user"] is None and not at.title
    assert at.info[0].value == "看板已设置用户，单机模式结束。请用你的账户登录。"
