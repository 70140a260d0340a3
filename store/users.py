"""Manage sign-in users from the command line.

    python -m store.users add USERNAME --role admin|clerk|leader [--name 显示名] [--db URL]
    python -m store.users list [--db URL]

The password is asked for on the terminal (or read from $UNION_NEW_PASSWORD).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from auth import ROLES, hash_password
from store.db import open_store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m store.users", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="add or update a user")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--name", default=None, help="display name")
    add.add_argument("--db", default=None, help="database URL (default: $UNION_DB_URL)")
    lst = sub.add_parser("list", help="list users")
    lst.add_argument("--db", default=None)
    args = parser.parse_args(argv)
    store = open_store(args.db)
    if args.command == "list":
        print(store.users().to_string(index=False))
        return 0
    password = os.environ.get("UNION_NEW_PASSWORD") or getpass.getpass("password: ")
    if len(password) < 8:
        print("password must have at least 8 characters", file=sys.stderr)
        return 1
    store.set_user(args.username, args.name or args.username, args.role, hash_password(password), actor="cli")
    print(f"user {args.username} ({args.role}) saved")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
