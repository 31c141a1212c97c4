"""The PC speaker: says the payment sentence through the sound card when no soundbox does.

A sentence is the word clips of ``hardware/clips.py`` joined into one buffer and played with
simpleaudio (ALSA on Linux). :class:`Speaker` owns one worker thread that does all the playing:

* :meth:`Speaker.say` only puts the sentence in a queue, so the till's UI thread (or a payment
  thread) never waits for the sound card; it is safe from any thread.
* Sentences play one after the other, each to its end: two payments confirmed a second apart
  are both heard in full, never one cut off by the next.
* No sound card (a kiosk PC without speakers, an unplugged USB headset) is normal, not an
  error: the speaker logs one line, reports :attr:`SpeakerState.NO_SOUND_CARD` through
  ``on_state`` (the till shows it in the status bar), answers each sentence's ``on_done`` with
  ``False`` and keeps going. Every new sentence tries the device again, so plugging speakers
  in needs no restart; the log gets a new line only when the state changes.

:func:`play_sentence` is the same playback without the thread, for ``pos-app announce``.
:class:`NullSpeaker` stands in when ``hardware.speaker`` is ``off``.

ALSA prints its own errors ("ALSA lib confmisc.c:855:(parse_card) cannot find card '0'", about
ten lines per attempt) straight to stderr; on Linux they are sent to this module's debug log
instead, so that a till without a sound card doesn't fill its terminal and log.

No Qt here: callbacks run on the worker thread, and the UI marshals them to its own thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import queue
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from hardware.clips import PCM_FORMAT, ClipError, ClipSet, shared_clips, tokens_for

__all__ = [
    "NoSoundCard",
    "NullSpeaker",
    "OnDone",
    "OnState",
    "Speaker",
    "SpeakerError",
    "SpeakerState",
    "play_pcm",
    "play_sentence",
]

log = logging.getLogger(__name__)

#: ``on_done(ok, reason)``: ``reason`` says why a sentence was not heard (English, one line).
OnDone = Callable[[bool, str | None], None]
#: ``on_state(state, reason)``: ``reason`` is set for :attr:`SpeakerState.NO_SOUND_CARD`.
OnState = Callable[["SpeakerState", str | None], None]


class SpeakerState(Enum):
    READY = "ready"  # waiting for a sentence; the last one played (or none was asked yet)
    PLAYING = "playing"
    NO_SOUND_CARD = "no sound card"  # the last attempt could not open the sound device
    OFF = "off"  # closed, or NullSpeaker (hardware.speaker = off)


class SpeakerError(Exception):
    """A sentence could not be played; the message is one English line."""


class NoSoundCard(SpeakerError):
    """The sound device can't be opened (none, unplugged, busy, no permission)."""


# ----------------------------------------------------------------------------- ALSA's messages

# void (*snd_lib_error_handler_t)(const char *file, int line, const char *function, int err,
#                                 const char *fmt, ...); the variadic tail is not read.
_AlsaHandler = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                ctypes.c_int, ctypes.c_char_p)
_alsa_log = logging.getLogger(__name__ + ".alsa")
_alsa_handler: object = None  # kept referenced: ALSA calls it for as long as the process lives
_alsa_lock = threading.Lock()


def _log_alsa(file: bytes | None, line: int, function: bytes | None, err: int,
              fmt: bytes | None) -> None:
    try:
        _alsa_log.debug("ALSA %s:%d (%s): %s", (file or b"").decode(errors="replace"), line,
                        (function or b"").decode(errors="replace"),
                        (fmt or b"").decode(errors="replace"))
    except Exception:  # never let an exception unwind into C
        pass


def _quiet_alsa() -> None:
    """Send ALSA's error messages to the debug log instead of stderr (Linux, once)."""
    global _alsa_handler
    if not sys.platform.startswith("linux"):
        return
    with _alsa_lock:
        if _alsa_handler is not None:
            return
        name = ctypes.util.find_library("asound") or "libasound.so.2"
        try:
            lib = ctypes.CDLL(name)
            handler = _AlsaHandler(_log_alsa)
            lib.snd_lib_error_set_handler(handler)
        except (OSError, AttributeError):  # no libasound: simpleaudio will say so itself
            _alsa_handler = False
            return
        _alsa_handler = handler


# ----------------------------------------------------------------------------- playing


def play_pcm(pcm: bytes, opened: Callable[[], None] | None = None) -> None:
    """Play raw :data:`~hardware.clips.PCM_FORMAT` frames on the default sound device, to the end.

    Blocks until the last frame has been played; ``opened()`` is called once the device is
    open and the sound starts. Raises :class:`NoSoundCard` when the device can't be opened.
    """
    _quiet_alsa()
    try:
        # Imported here: simpleaudio loads libasound, which a till with the speaker off never
        # needs.
        import simpleaudio  # type: ignore[import-untyped]
    except ImportError as exc:  # a build without it, or libasound missing: still no sound
        raise NoSoundCard(f"no sound output (simpleaudio can't be loaded: {exc})") from exc

    try:
        play = simpleaudio.play_buffer(pcm, PCM_FORMAT.channels, PCM_FORMAT.sample_width,
                                       PCM_FORMAT.sample_rate)
    except simpleaudio._simpleaudio.SimpleaudioError as exc:
        raise NoSoundCard(f"no sound card ({_alsa_reason(exc)})") from exc
    if opened is not None:
        opened()
    # simpleaudio plays from its own C thread; waiting here is what keeps sentences in order
    # (the next one opens the device only after this one has been played to its end).
    play.wait_done()


def _alsa_reason(exc: BaseException) -> str:
    # "Error opening PCM device. -- CODE: -2 -- MSG: No such file or directory"
    text = str(exc)
    if "-- MSG:" in text:
        head, _, msg = text.partition("-- MSG:")
        head = head.split("--")[0].strip().rstrip(".")
        return f"{head[:1].lower()}{head[1:]}: {msg.strip()}"
    return text or type(exc).__name__


def play_sentence(amount: int, lang: str = "id", clips_dir: Path | None = None) -> None:
    """Say the payment sentence for ``amount`` rupiah and return when it has been said.

    For the command line (``pos-app announce``); the till uses :class:`Speaker`. Raises
    :class:`NoSoundCard`, :class:`~hardware.clips.ClipError` (a missing or damaged clip) or
    ``ValueError`` (unknown language, negative amount).
    """
    tokens_for(amount, lang)  # the caller's mistakes first, before any file is read
    play_pcm(shared_clips(clips_dir).sentence_pcm(amount, lang))


# ----------------------------------------------------------------------------- the speaker


@dataclass(frozen=True)
class _Sentence:
    amount: int
    lang: str
    on_done: OnDone | None


class Speaker:
    """The PC speaker, with one worker thread that plays queued sentences in order.

    ``clips_dir`` defaults to ``resources/sounds`` (:func:`~hardware.clips.default_clips_dir`).
    ``on_state`` is called on the worker thread whenever :attr:`state` changes. The clips are
    read on the worker at the first sentence, so creating a speaker never touches the disk.
    """

    def __init__(self, clips_dir: Path | None = None, *,
                 on_state: OnState | None = None) -> None:
        self._clips_dir = clips_dir
        self._on_state = on_state
        self._queue: queue.SimpleQueue[_Sentence | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._state = SpeakerState.READY
        self._pending = 0
        self._closed = False
        self._clips: ClipSet | None = None
        self._clip_error: str | None = None
        self._thread = threading.Thread(target=self._run, name="pos-speaker", daemon=True)
        self._thread.start()

    @property
    def state(self) -> SpeakerState:
        return self._state

    @property
    def pending(self) -> int:
        """Sentences asked for and not finished yet: queued, playing, or in their
        ``on_done``."""
        with self._lock:
            return self._pending

    def say(self, amount: int, lang: str = "id", on_done: OnDone | None = None) -> None:
        """Queue the payment sentence for ``amount`` rupiah; returns at once.

        ``on_done(ok, reason)`` is called on the worker thread once the sentence has been
        played (``True, None``) or could not be (``False``, why). After :meth:`close` it is
        called at once with ``False``. ``ValueError`` for an unknown language or a negative
        amount (a caller's bug, raised here rather than on the worker).
        """
        tokens_for(amount, lang)
        with self._lock:
            closed = self._closed
            if not closed:
                self._pending += 1
                self._queue.put(_Sentence(amount, lang, on_done))
        if closed:
            _call(on_done, False, "speaker closed")

    def say_blocking(self, amount: int, lang: str = "id",
                     timeout_s: float | None = None) -> tuple[bool, str | None]:
        """Queue the sentence behind the others and wait until it has been said (or not).

        Returns ``on_done``'s ``(ok, reason)``; ``(False, "timed out")`` if ``timeout_s``
        passed first (the sentence still plays). Not for the UI thread.
        """
        done = threading.Event()
        result: list[tuple[bool, str | None]] = []

        def finished(ok: bool, reason: str | None) -> None:
            result.append((ok, reason))
            done.set()

        self.say(amount, lang, finished)
        if not done.wait(timeout_s):
            return False, "timed out"
        return result[0]

    def close(self, timeout_s: float = 2.0) -> bool:
        """Stop taking sentences; drop the queued ones (their ``on_done`` gets ``False``) and
        wait up to ``timeout_s`` for the one playing to end. Returns whether the worker ended;
        if not, that sentence is left to finish on its own (nothing here stops it)."""
        with self._lock:
            if self._closed:
                return not self._thread.is_alive()
            self._closed = True
            dropped: list[_Sentence] = []
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    dropped.append(item)
            self._pending -= len(dropped)
            self._queue.put(None)
        for sentence in dropped:
            _call(sentence.on_done, False, "speaker closed")
        if threading.current_thread() is self._thread:  # close() from an on_done callback
            return False
        self._thread.join(timeout_s)
        return not self._thread.is_alive()

    # -- the worker thread

    def _run(self) -> None:
        while True:
            sentence = self._queue.get()
            if sentence is None:
                self._set_state(SpeakerState.OFF, None)
                return
            try:
                ok, reason = self._play(sentence)
            except Exception as exc:  # one bad sentence must not end the worker
                log.exception("speaker: could not say Rp %d", sentence.amount)
                ok, reason = False, f"speaker error: {exc}"
            _call(sentence.on_done, ok, reason)
            with self._lock:
                self._pending -= 1

    def _load_clips(self) -> ClipSet | None:
        if self._clips is None and self._clip_error is None:
            try:
                self._clips = shared_clips(self._clips_dir)
            except ClipError as exc:
                # A broken install doesn't heal while the till runs: say so once, then answer
                # every sentence with the same reason without reading the disk again.
                self._clip_error = str(exc)
                log.error("speaker: %s", exc)
        return self._clips

    def _play(self, sentence: _Sentence) -> tuple[bool, str | None]:
        clips = self._load_clips()
        if clips is None:
            return False, self._clip_error
        try:
            pcm = clips.sentence_pcm(sentence.amount, sentence.lang)
        except ClipError as exc:
            log.error("speaker: %s", exc)
            return False, str(exc)
        try:
            # PLAYING is announced once the device is open (inside play_pcm the open comes
            # first), so a missing card doesn't flap NO_SOUND_CARD -> PLAYING -> NO_SOUND_CARD
            # and log on every sentence.
            play_pcm(pcm, lambda: self._set_state(SpeakerState.PLAYING, None))
        except NoSoundCard as exc:
            self._set_state(SpeakerState.NO_SOUND_CARD, str(exc))
            return False, str(exc)
        self._set_state(SpeakerState.READY, None)
        return True, None

    def _set_state(self, state: SpeakerState, reason: str | None) -> None:
        with self._lock:
            old, self._state = self._state, state
        if old is state:
            return
        if state is SpeakerState.NO_SOUND_CARD:
            log.warning("speaker: %s; payment sentences are not heard until one works", reason)
        elif old is SpeakerState.NO_SOUND_CARD and state is SpeakerState.PLAYING:
            log.info("speaker: the sound card works again")
        if self._on_state is not None:
            try:
                self._on_state(state, reason)
            except Exception:  # the UI's callback must not stop the speaker
                log.exception("speaker: on_state callback failed")


def _call(on_done: OnDone | None, ok: bool, reason: str | None) -> None:
    if on_done is None:
        return
    try:
        on_done(ok, reason)
    except Exception:  # a caller's callback must not stop the speaker
        log.exception("speaker: on_done callback failed")


class NullSpeaker:
    """The speaker when ``hardware.speaker`` is ``off``: same interface, says nothing."""

    def __init__(self, clips_dir: Path | None = None, *,
                 on_state: OnState | None = None) -> None:
        self._on_state = on_state

    @property
    def state(self) -> SpeakerState:
        return SpeakerState.OFF

    @property
    def pending(self) -> int:
        return 0

    def say(self, amount: int, lang: str = "id", on_done: OnDone | None = None) -> None:
        tokens_for(amount, lang)  # the same mistakes fail the same way as with a real speaker
        _call(on_done, False, "speaker off")

    def say_blocking(self, amount: int, lang: str = "id",
                     timeout_s: float | None = None) -> tuple[bool, str | None]:
        tokens_for(amount, lang)
        return False, "speaker off"

    def close(self, timeout_s: float = 2.0) -> bool:
        return True
