"""``pos-app soundbox emulate`` and ``pos-app soundbox test [--port PORT] [--amount N]``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from datetime import datetime

from pos_app.cli.common import Exit, die, open_settings, parse_amount

CONNECT_WAIT_S = 4.0  # auto: each candidate port gets 1 s to answer hello


def run(args: argparse.Namespace) -> int:
    if args.soundbox_command == "emulate":
        return emulate()
    return test(args)


def emulate() -> int:
    """A virtual soundbox on a pty until Ctrl-C: its port first, then every frame."""
    from hardware.emulator import VirtualSoundbox

    def show(text: str) -> None:
        print(f"{datetime.now():%H:%M:%S.%f}"[:-3] + f"  {text}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with VirtualSoundbox(log=show) as box:
        print(f"soundbox emulator on {box.port}", flush=True)
        print(f"point the till at it: pos-app config set hardware.soundbox.port {box.port}",
              file=sys.stderr, flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        ids = box.spoken_ids()
        print(f"said {sum(ids.values())} sentences, {len(ids)} distinct event ids", flush=True)
    return Exit.OK


def test(args: argparse.Namespace) -> int:
    """Find the soundbox, say a test sentence, print what was done."""
    from concurrent.futures import TimeoutError as FutureTimeout

    from hardware.soundbox import SoundboxConfig, SoundboxError, SoundboxLink
    from pos_app.announcement import payment_sentence

    amount = parse_amount(args.amount)
    _, settings = open_settings(args)
    port = args.port or str(settings.get("hardware.soundbox.port"))
    if port == "off":
        die("the soundbox is off (hardware.soundbox.port = off); give --port PORT or set it")
    lang = str(settings.get("hardware.announce_language"))
    usb_ids = tuple(settings.get("hardware.soundbox.usb_ids"))
    config = SoundboxConfig(port, usb_ids, int(settings.get("hardware.soundbox.volume")))
    link = SoundboxLink(config).start()
    try:
        if not link.wait_connected(CONNECT_WAIT_S):
            where = ("among the serial ports with USB ids "
                     + ", ".join(f"{v:04x}:{p:04x}" for v, p in usb_ids)
                     if port == "auto" else f"on {port}")
            die(f"no soundbox answered {where}", Exit.FAILED)
        info = link.info
        assert info is not None
        print(f"found: {info.label} on {info.port}, firmware {info.fw or '?'}, languages "
              f"{', '.join(info.langs) or 'none (clips only)'}, screen "
              f"{'yes' if info.screen else 'no'}")
        event_id = f"test-{time.time_ns():x}"
        started = time.monotonic()
        try:
            answer = link.announce(event_id, amount, lang).result(timeout=15)
        except (SoundboxError, FutureTimeout) as exc:
            die(f"the soundbox did not say the test sentence: {exc or 'no answer'}",
                Exit.FAILED)
        took = (time.monotonic() - started) * 1000
        print(f"said: {payment_sentence(amount, lang)}")
        print(f"answer: {'ok' if answer.ok else answer.err} in {took:.0f} ms "
              f"(event_id {event_id})")
    finally:
        link.close()
    return Exit.OK
