"""``pos-app user add NAME --role owner|cashier``, ``user list``, ``user set-pin NAME``.

A PIN is never an argument (it would be in ``ps`` and the shell's history): it is read from a
hidden prompt, asked twice, or from the first line of stdin when stdin is not a terminal.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from pos_app.cli.common import Exit, die, open_ctx
from pos_app.clock import to_iso, utcnow
from pos_app.staff import Role, StaffError, check_pin
from pos_app.storage import staff


def read_pin(name: str) -> str:
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        try:
            pin = getpass.getpass(f"PIN for {name} (4-6 digits): ")
            check_pin(pin)
            if getpass.getpass("the same PIN again: ") != pin:
                die("the two PINs differ; nothing was changed")
        except EOFError:
            die("no PIN given")
        return pin
    if stdin is None:
        die("give the PIN on a terminal or on stdin")
    line = stdin.readline()
    if not line:
        die("no PIN on stdin")
    return line.rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    ctx = open_ctx(args, access="read" if args.user_command == "list" else "write")
    actor = f"cli:{getpass.getuser()}"
    try:
        if args.user_command == "add":
            user = staff.add_user(ctx.db, args.name, Role(args.role), read_pin(args.name),
                                  utcnow(), actor=actor)
            print(f"added {user.role.value} {user.name}")
        elif args.user_command == "set-pin":
            user = staff.get_user(ctx.db, args.name)
            staff.set_pin(ctx.db, user.name, read_pin(user.name), utcnow(), actor=actor)
            print(f"new PIN set for {user.name}")
        else:
            now = utcnow()
            users = staff.list_users(ctx.db)
            if args.json:
                print(json.dumps([{
                    "name": u.name, "role": u.role.value, "active": u.active,
                    "locked_until": to_iso(u.locked_until) if u.locked(now) and u.locked_until
                    else None} for u in users], ensure_ascii=False))
            elif not users:
                print("no users yet: pos-app user add NAME --role owner")
            else:
                for u in users:
                    notes = [] if u.active else ["inactive"]
                    if u.locked(now):
                        notes.append("locked")
                    print(f"{u.name:<24} {u.role.value:<8} {' '.join(notes)}".rstrip())
    except StaffError as exc:
        die(str(exc))
    finally:
        ctx.close()
    return Exit.OK
