"""From "paid" to the shop's ears: every confirmed QRIS payment said exactly once.

The rule, and why:

* **What is owed.** The sync engine writes an ``announcements`` row in the transaction that
  records a payment as paid (``pos_app.storage.announcements``); nothing else decides what is
  said. A payment is therefore never confirmed without its sentence being owed, and a crash
  between "paid" and the sound leaves it owed for the next start.
* **Who says it.** The soundbox when it is connected: ``announce`` with ``event_id`` = the
  payment's id, so that a resend (an answer lost, the cable pulled after the send, the app
  restarted) is dropped by the device as ``DUP`` -- counted as said. When no soundbox is
  connected, or it fails or refuses, the PC speaker says it (if ``hardware.speaker`` is on):
  the cashier hears it now rather than after the soundbox comes back. With the speaker off,
  the announcement waits for the soundbox.
* **Said.** Marked ``said`` with the device's name and the time once the device accepted it
  (soundbox) or finished it (speaker). An announcement owed longer than ``max_age_s`` (the app
  was closed when the money came) is ``skipped``: saying it to the next customer would only
  confuse the till.

One worker thread does all of it, in order, oldest first; :meth:`Announcer.notify` (the
engine's PAID event, a soundbox that came back) wakes it, and it looks at the table every
second anyway (an indexed query of the owed rows: nothing when nothing is owed). No Qt
here: the window listens through ``on_said`` and the devices'
own state callbacks.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError, TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from hardware.soundbox import MaybeSaid, SoundboxError, SoundboxLink
from pos_app.clock import utcnow
from pos_app.storage import announcements
from pos_app.storage.database import Database
from sync.events import EventKind, SyncEvent

log = logging.getLogger(__name__)

MAX_AGE_S = 600.0
RETRY_S = 1.0
#: a sentence given to the speaker and not finished after this (a lost USB headset that never
#: says "done") is no longer waited for: it is owed again, and skipped once too old
SPEAKING_DEADLINE_S = 30.0
#: after the speaker failed (no sound card), it is tried again this much later, not every second
SPEAKER_RETRY_S = 30.0
#: how long a soundbox answer is waited for before the speaker is asked instead (four silent
#: attempts of 1 s each, and a little more). A command still queued then is cancelled (never
#: sent); one already on the line is waited for to the end (BUSY answers can make it longer):
#: the soundbox may be saying it, so the speaker must not say it too.
SOUNDBOX_WAIT_S = 5.0
IN_FLIGHT_WAIT_S = 15.0


class SpeakerLike(Protocol):
    def say(self, amount: int, lang: str = "id",
            on_done: Callable[[bool, str | None], None] | None = None) -> None: ...


@dataclass(frozen=True)
class SaidEvent:
    """An announcement was said (for the window's status bar and the benches)."""

    event_id: str
    order_id: str
    amount: int
    device: str  # "soundbox EMU-0001", "speaker"


class Announcer:
    def __init__(self, db: Database, *, soundbox: SoundboxLink | None,
                 speaker: SpeakerLike | None, lang: str = "id",
                 clock: Callable[[], datetime] = utcnow, max_age_s: float = MAX_AGE_S,
                 on_said: Callable[[SaidEvent], None] | None = None) -> None:
        self.db = db
        self.soundbox = soundbox
        self.speaker = speaker
        self.lang = lang
        self.clock = clock
        self.max_age_s = max_age_s
        self.on_said = on_said
        self._cond = threading.Condition()
        self._woken = False
        self._closing = False
        #: event id -> monotonic deadline: given to the speaker, not finished yet
        self._speaking: dict[str, float] = {}
        self._speaker_failed_at: float | None = None  # monotonic
        self._thread: threading.Thread | None = None

    def start(self) -> Announcer:
        self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
        self._thread.start()
        return self

    def close(self, timeout_s: float = 6.0) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    def use(self, *, soundbox: SoundboxLink | None, speaker: SpeakerLike | None,
            lang: str) -> None:
        """New devices (new settings): the next announcement goes to these. One announcer for
        the till's whole life, so that two can never read the same owed row."""
        with self._cond:
            self.soundbox, self.speaker, self.lang = soundbox, speaker, lang
            self._speaker_failed_at = None
            self._woken = True
            self._cond.notify_all()

    def notify(self) -> None:
        """Something may be owed now (any thread)."""
        with self._cond:
            self._woken = True
            self._cond.notify_all()

    def on_sync_event(self, ev: SyncEvent) -> None:
        """A listener for the sync engine (called on its threads)."""
        if ev.kind in (EventKind.PAID, EventKind.LATE_PAYMENT):
            self.notify()

    # -- the worker ------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._woken and not self._closing:
                    self._cond.wait(timeout=RETRY_S)
                if self._closing:
                    return
                self._woken = False
            try:
                self._deliver_owed()
            except Exception:  # a locked or damaged database: try again in a second
                log.exception("announcing payments failed")

    def _deliver_owed(self) -> None:
        for item in announcements.owed(self.db):
            if self._closing:
                return
            deadline = self._speaking.get(item.event_id)
            if deadline is not None:
                if time.monotonic() < deadline:
                    continue
                log.error("the speaker never finished the sentence for %s", item.order_id)
                self._speaking.pop(item.event_id, None)
            age = (self.clock() - item.created_at).total_seconds()
            if age > self.max_age_s:
                log.warning("payment %s of %d was not announced within %.0f s; skipped",
                            item.order_id, item.amount, self.max_age_s)
                announcements.mark_skipped(self.db, item.event_id,
                                           f"owed for {age:.0f} s", self.clock())
                continue
            if self._to_soundbox(item):
                continue
            if not self._to_speaker(item):
                return  # no device can say it now: wait for one (notify) or the next second

    def _to_soundbox(self, item: announcements.Owed) -> bool:
        box = self.soundbox
        if box is None or not box.connected:
            return False
        future = box.announce(item.event_id, item.amount, self.lang)
        try:
            try:
                future.result(timeout=SOUNDBOX_WAIT_S)
            except FutureTimeout:
                if future.cancel():  # still queued: never sent, the speaker may say it
                    raise
                future.result(timeout=IN_FLIGHT_WAIT_S)  # on the line: see how it ends
        except MaybeSaid as exc:
            # play (a clip-only soundbox) went out and no answer came: it may have played.
            # Saying it again on the speaker could make it twice; not saying it at all, never.
            log.warning("soundbox may have said %s (no answer to play): %s", item.order_id, exc)
            self._said(item, f"{box.info.label if box.info else 'soundbox'} (no answer)")
            return True
        except (SoundboxError, FutureTimeout, CancelledError) as exc:
            log.warning("soundbox could not announce %s: %s", item.order_id,
                        exc or type(exc).__name__)
            announcements.note_failure(self.db, item.event_id, f"soundbox: {exc}")
            return False
        info = box.info
        self._said(item, info.label if info is not None else "soundbox")
        return True

    def _to_speaker(self, item: announcements.Owed) -> bool:
        speaker = self.speaker
        failed_at = self._speaker_failed_at
        if speaker is None or (failed_at is not None
                               and time.monotonic() - failed_at < SPEAKER_RETRY_S):
            return False
        self._speaking[item.event_id] = time.monotonic() + SPEAKING_DEADLINE_S

        def done(ok: bool, error: str | None) -> None:  # on the speaker's thread
            try:
                if ok:
                    self._speaker_failed_at = None
                    self._said(item, "speaker")
                else:
                    self._speaker_failed_at = time.monotonic()
                    announcements.note_failure(self.db, item.event_id, f"speaker: {error}")
            except Exception:
                log.exception("recording the announcement of %s failed", item.order_id)
            finally:
                self._speaking.pop(item.event_id, None)

        try:
            speaker.say(item.amount, self.lang, on_done=done)
        except Exception as exc:  # ValueError: a language the clips don't have
            self._speaking.pop(item.event_id, None)
            log.error("the speaker can't say %s: %s", item.order_id, exc)
            announcements.note_failure(self.db, item.event_id, f"speaker: {exc}")
            return False
        return True

    def _said(self, item: announcements.Owed, device: str) -> None:
        if announcements.mark_said(self.db, item.event_id, device, self.clock()):
            log.info("payment %s of %d announced by %s", item.order_id, item.amount, device)
            if self.on_said is not None:
                try:
                    self.on_said(SaidEvent(item.event_id, item.order_id, item.amount, device))
                except Exception:
                    log.exception("announcement listener failed")
