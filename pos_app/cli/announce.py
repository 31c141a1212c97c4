"""``pos-app announce AMOUNT [--lang id|en] [--dry-run]``: say the payment sentence.

Prints the sentence, then (without ``--dry-run``) says it on the PC speaker and returns once it
has been said, so that a script can check the sound card of a till: exit 0 when it played,
1 with one line on stderr when it could not (no sound card, a missing or damaged clip).
"""

from __future__ import annotations

import argparse

from pos_app.announcement import payment_sentence
from pos_app.cli.common import Exit, die, parse_amount


def run(args: argparse.Namespace) -> int:
    amount = parse_amount(args.amount)
    sentence = payment_sentence(amount, args.lang)
    print(sentence, flush=True)
    if args.dry_run:
        return Exit.OK
    # Here, not at the top: the dry run and --help need neither the clips nor libasound.
    from hardware.clips import ClipError
    from hardware.speaker import SpeakerError, play_sentence

    try:
        play_sentence(amount, args.lang)
    except (SpeakerError, ClipError) as exc:
        die(f"{exc}; the sentence was not said", Exit.FAILED)
    return Exit.OK
