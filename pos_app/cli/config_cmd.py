"""``pos-app config get|set|list``."""

from __future__ import annotations

import argparse

from pos_app.cli.common import Exit, die, open_ctx


def run(args: argparse.Namespace) -> int:
    from pos_app.settings import KEYS, SettingsError

    ctx = open_ctx(args)
    try:
        settings = ctx.settings
        try:
            if args.config_command == "get":
                print(settings.display(args.key))
            elif args.config_command == "set":
                settings.set(args.key, args.value)
                if args.key == "payment.static_qris" and args.value.strip():
                    # Let the owner see whose account the money goes to before the first sale.
                    from pos_app import qris

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
    finally:
        ctx.close()
