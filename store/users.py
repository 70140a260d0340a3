"""Manage sign-in users from the command line.

    python -m store.users add USERNAME --role admin|clerk|leader [--name 显示名] [--unit CODE ...] [--password-stdin]
    python -m store.users set USERNAME [--role ROLE] [--name 显示名] [--unit CODE ...] [--no-units]
    python -m store.users passwd USERNAME [--password-stdin]            new password
    python -m store.users disable USERNAME | enable USERNAME            stop / allow signing in
    python -m store.users unlock USERNAME                               lift a sign-in lock
    python -m store.users list

Every command takes ``--db URL`` (default: $UNION_DB_URL). The password is asked for twice on
the terminal, or read from standard input with ``--password-stdin`` (first line), or from
$UNION_NEW_PASSWORD. ``add`` never overwrites an existing user. ``--unit CODE`` (repeatable)
gives a clerk her units (communities or enterprises; a community includes its enterprises);
with ``set`` it replaces them, ``--no-units`` removes them all. Messages are in Chinese and
English; the exit status is 0 on success, 1 when refused, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

import sqlalchemy as sa

from auth import ROLES, hash_password, lock_key, password_problems
from i18n import t
from store.db import UnknownUser, UserExists, open_store


def say(key: str, **values) -> str:
    """A message in both languages: ``中文 / English``."""
    return f"{t(key, 'zh', **values)} / {t(key, 'en', **values)}"


class Refused(Exception):
    """A message for the operator; the command changes nothing."""


def build_parser() -> argparse.ArgumentParser:
    """One sub-parser per command; options shared by several commands are added by the small
    helpers below, so a new option (e.g. a unit for clerks) goes in one place."""
    parser = argparse.ArgumentParser(prog="python -m store.users", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str, *, user: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        if user:
            p.add_argument("username")
        p.add_argument("--db", default=None, help="database URL (default: $UNION_DB_URL)")
        return p

    def password_source(p: argparse.ArgumentParser) -> None:
        p.add_argument("--password-stdin", action="store_true",
                       help="read the password from the first line of standard input")

    def units_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--unit", action="append", default=None, metavar="CODE",
                       help="a unit of the user (repeatable): a community includes its enterprises")

    add = command("add", "add a new user (refuses an existing one)")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--name", default=None, help="display name (default: the user name)")
    password_source(add)
    units_option(add)
    change = command("set", "change a user's role, display name or units")
    change.add_argument("--role", choices=ROLES, default=None)
    change.add_argument("--name", default=None, help="display name")
    units_option(change)
    change.add_argument("--no-units", action="store_true", help="remove every unit assigned to the user")
    password_source(command("passwd", "give a user a new password (ends their sessions)"))
    command("disable", "stop a user signing in (ends their sessions)")
    command("enable", "allow a disabled user to sign in again")
    command("unlock", "lift the lock after too many wrong passwords")
    command("list", "list users", user=False)
    return parser


def read_password(args: argparse.Namespace, username: str, role: str) -> str:
    """The new password from stdin, $UNION_NEW_PASSWORD or the terminal, checked against the rules."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise Refused(say("signin.cli.no_password"))
    elif os.environ.get("UNION_NEW_PASSWORD"):
        password = os.environ["UNION_NEW_PASSWORD"]
    else:
        password = getpass.getpass("密码 / password: ")
        if getpass.getpass("再输入一次 / again: ") != password:
            raise Refused(say("signin.cli.mismatch"))
    problems = password_problems(password, username, role)
    if problems:
        reasons_zh = "；".join(t(k, "zh", **v) for k, v in problems)
        reasons_en = "; ".join(t(k, "en", **v) for k, v in problems)
        raise Refused(f"{t('signin.cli.weak', 'zh', reasons=reasons_zh)} / {t('signin.cli.weak', 'en', reasons=reasons_en)}")
    return password


def checked_units(store, codes: list[str] | None) -> list[str] | None:
    """``--unit`` codes, each an existing community or enterprise; else :class:`Refused`."""
    if codes is None:
        return None
    units = store.units()
    levels = dict(zip(units["code"], units["level"]))
    wanted = [c.strip() for c in codes]
    bad = [c for c in wanted if levels.get(c) in (None, "federation")]
    if bad:
        raise Refused(say("users.cli.bad_units", units="、".join(bad)))
    return sorted(set(wanted))


def run(args: argparse.Namespace) -> str:
    """Do the command; returns the message to print. Raises :class:`Refused`."""
    store = open_store(args.db)
    try:
        if args.command == "list":
            users = store.users()
            held = store.user_units().groupby("username")["unit"].agg(",".join)
            users["units"] = users["username"].map(held).fillna("")
            return users.to_string(index=False)
        name = args.username.strip()
        record = store.user(name)
        if args.command == "add":
            if record is not None:
                raise Refused(say("signin.cli.exists", username=name))
            assigned = checked_units(store, args.unit)
            password = read_password(args, name, args.role)
            store.add_user(name, (args.name or name).strip(), args.role, hash_password(password), actor="cli")
            if assigned:
                store.set_user_units(name, assigned, "cli")
            return say("signin.cli.added", username=name, role=args.role)
        if record is None:
            raise Refused(say("signin.cli.unknown", username=name))
        if args.command == "set":
            assigned = [] if args.no_units else checked_units(store, args.unit)
            if args.role is None and args.name is None and assigned is None:
                raise Refused(say("signin.cli.nothing"))
            if args.role is not None or args.name is not None:
                store.update_user(name, "cli", role=args.role, display_name=args.name)
            if assigned is not None:
                store.set_user_units(name, assigned, "cli")
            return say("signin.cli.updated", username=name)
        if args.command == "passwd":
            store.update_user(name, "cli", password_hash=hash_password(read_password(args, name, record["role"])))
            store.sign_in_succeeded(lock_key(name))
            return say("signin.cli.password_set", username=name)
        if args.command in ("disable", "enable"):
            store.update_user(name, "cli", active=args.command == "enable")
            return say(f"signin.cli.{args.command}d", username=name)
        if args.command == "unlock":
            store.sign_in_succeeded(lock_key(name))
            return say("signin.cli.unlocked", username=name)
        raise AssertionError(args.command)
    except UserExists as exc:
        raise Refused(say("signin.cli.exists", username=exc.username)) from None
    except UnknownUser as exc:
        raise Refused(say("signin.cli.unknown", username=exc.username)) from None
    finally:
        store.engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        print(run(args))
    except Refused as refused:
        print(refused, file=sys.stderr)
        return 1
    except sa.exc.SQLAlchemyError as exc:
        print(f"数据库错误 / database error: {exc.__class__.__name__}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, EOFError):
        print(file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
