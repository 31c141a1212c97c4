"""``pos-app qris decode|dynamic|png``. An invalid payload exits 1 with the reason on stderr."""

from __future__ import annotations

import argparse
import json

from pos_app import qris
from pos_app.cli.common import Exit, die, parse_amount
from pos_app.qr_render import write_png


def run(args: argparse.Namespace) -> int:
    payload = qris.strip_pasted(args.payload)  # copy-paste brings newlines; the parser is strict
    try:
        if args.qris_command == "decode":
            parsed = qris.parse(payload)
            if args.json:
                print(json.dumps(parsed.to_json(), ensure_ascii=False))
            else:
                print(qris.describe(parsed))
        elif args.qris_command == "dynamic":
            print(qris.to_dynamic(payload, parse_amount(args.amount)))
        else:
            qris.validate(payload)
            if args.scale is not None and not 1 <= args.scale <= 100:
                die("--scale must be between 1 and 100")
            try:
                write_png(payload, args.out, scale=args.scale)
            except OSError as exc:
                die(f"cannot write {args.out}: {exc.strerror or exc}", Exit.FAILED)
    except qris.InvalidQris as exc:
        die(f"invalid QRIS: {exc}", Exit.FAILED)
    except qris.InvalidArgument as exc:
        die(str(exc))
    return Exit.OK
