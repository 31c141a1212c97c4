"""``pos-app config get|set|list``.

``config set KEY`` without a VALUE reads the value from a hidden prompt (a terminal) or from
stdin (a pipe), so that a secret never appears in ``ps`` or in the shell's history.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from pos_app import qris
from pos_app.cli.common import Exit, die, open_settings
from pos_app.settings import KEYS, SettingsError


def read_value(key: str) -> str:
    """The value for ``config set KEY``: hidden prompt on a terminal, else the first line of
    stdin (the trailing newline dropped; an empty value unsets a secret)."""
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        try:
            return getpass.getpass(f"{key}: ")
        except EOFError:
            die("no value given")
    if stdin is None:
        die(f"give a value: pos-app config set {key} VALUE (or pipe it to stdin)")
    line = stdin.readline()
    if not line:
        die(f"no value on stdin for {key}")
    return line.rstrip("\r\n")


def run(args: argparse.Namespace) -> int:
    _data_dir, settings = open_settings(args)
    try:
        if args.config_command == "get":
            print(settings.display(args.key))
        elif args.config_command == "set":
            value = args.value if args.value is not None else read_value(args.key)
            settings.set(args.key, value)
            if args.key == "payment.static_qris" and value.strip():
                # Let the owner see whose account the money goes to before the first sale.
                print("QRIS statis tersimpan. Pastikan ini milik toko Anda:")
                print(qris.describe(settings.get("payment.static_qris")))
            else:
                print(f"{args.key} = {settings.display(args.key)}")
        else:
            for key in KEYS:
                print(f"{key} = {settings.display(key)}")
    except SettingsError as exc:
        die(str(exc))
    return Exit.OK
