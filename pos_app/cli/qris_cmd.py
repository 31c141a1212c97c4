"""``pos-app qris decode|dynamic|png``. An invalid payload exits 1 with the reason on stderr.

``qris decode --image FILE`` reads the QRIS from a picture or PDF (``pos_app.qris_image``) and
prints the same as ``qris decode PAYLOAD``. No QR code, a QR code that is not a QRIS, or a QRIS
that fails validation (a bad CRC) exit 1 with the reason; a missing, unreadable or damaged file
exits 2 (it is the command line that is wrong). When a picture holds more than one QRIS, the
first (in reading order) is printed and the others are named on stderr.
"""

from __future__ import annotations

import argparse
import json

from pos_app import qris
from pos_app.cli.common import Exit, die, err, parse_amount
from pos_app.qr_render import write_png


def run(args: argparse.Namespace) -> int:
    if args.qris_command == "decode" and args.image is not None:
        return _decode_image(args)
    payload = qris.strip_pasted(args.payload)  # copy-paste brings newlines; the parser is strict
    try:
        if args.qris_command == "decode":
            _print(qris.parse(payload), args.json)
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


def _print(parsed: qris.QrisPayload, as_json: bool) -> None:
    if as_json:
        print(json.dumps(parsed.to_json(), ensure_ascii=False))
    else:
        print(qris.describe(parsed))


def _decode_image(args: argparse.Namespace) -> int:
    # Imported here: zxing-cpp and Pillow are only needed by this one command.
    from pos_app.qris_image import BadQris, QrisImageError, UnreadableFile, read_qris

    try:
        found = read_qris(args.image)
    except UnreadableFile as exc:
        die(str(exc), Exit.USAGE)
    except BadQris as exc:
        die(f"invalid QRIS: {exc}", Exit.FAILED)
    except QrisImageError as exc:  # no QR code, or not a QRIS
        die(str(exc), Exit.FAILED)
    _print(found.payload, args.json)
    for other in found.found[1:]:
        where = f" (page {other.page})" if other.page is not None else ""
        err(f"pos-app: note: {args.image} holds another QRIS{where}: "
            f"{other.payload.merchant.name}, {other.text}")
    return Exit.OK
