"""``pos-app announce AMOUNT [--lang id|en] [--dry-run]``."""

from __future__ import annotations

import argparse

from pos_app.announcement import payment_sentence
from pos_app.cli.common import Exit, die, parse_amount


def run(args: argparse.Namespace) -> int:
    sentence = payment_sentence(parse_amount(args.amount), args.lang)
    if args.dry_run:
        print(sentence)
        return Exit.OK
    die("audio output is not available in this version yet; use --dry-run")
