"""The recorded words of the payment sentence: which clips say an amount, and their audio.

The PC speaker (``hardware/speaker.py``) says "Pembayaran QRIS diterima, sebesar satu juta
seratus ribu rupiah" by joining short WAV clips, one per word, from
``resources/sounds/<lang>/<token>.wav`` (made by ``scripts/make-sounds``). The same token names
will drive clip-only soundboxes through their serial ``play`` command, so they are plain
lower-case ASCII (``[a-z_]``).

* :func:`tokens_for` lists the clips of a whole sentence; the words come from the functions
  that write the sentence as text (``pos_app.money.terbilang`` and
  ``pos_app.announcement.english_words``), so what is said is what the dry run prints.
* :func:`vocabulary` is every token a sentence can need (any amount up to 999 triliun); a
  :class:`ClipSet` refuses to load when one of them has no clip, so a bad install fails at the
  first sentence rather than on the first amount that happens to need "sembilan".
* :class:`ClipSet` reads every clip once, checks they all have the one :data:`PCM_FORMAT`, and
  joins a sentence into one buffer with short silences (:func:`gap_after_ms`): one longer pause
  where the text has its comma, a short one between words.

Nothing here imports Qt; errors are :class:`ClipError` subclasses with English messages that
name the file.
"""

from __future__ import annotations

import re
import threading
import wave
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from pos_app.announcement import english_words
from pos_app.money import MAX_TERBILANG, terbilang

__all__ = [
    "INTRO_GAP_MS",
    "LANGUAGES",
    "PCM_FORMAT",
    "WORD_GAP_MS",
    "Clip",
    "ClipDamaged",
    "ClipError",
    "ClipMissing",
    "ClipSet",
    "PcmFormat",
    "default_clips_dir",
    "gap_after_ms",
    "intro_tokens",
    "sentence_pcm",
    "shared_clips",
    "silence",
    "spoken_amounts",
    "tokens_for",
    "valid_token",
    "vocabulary",
]

#: The languages that have clips (the ``hardware.announce_language`` choices).
LANGUAGES: tuple[str, ...] = ("id", "en")

#: The pause where the written sentence has its comma ("..., sebesar"): long enough to be
#: heard as the end of a phrase, short enough that the amount still follows the announcement.
INTRO_GAP_MS = 200
#: Between two words of the amount. espeak-ng clips trimmed to the sound start and stop
#: abruptly; ~70 ms is about the gap between words in calm speech.
WORD_GAP_MS = 70

# The phrases before the amount, one clip each. In Indonesian "sebesar" is its own clip so that
# the pause after "diterima," sits between two clips.
_INTRO: dict[str, tuple[str, ...]] = {
    "id": ("pembayaran_qris_diterima", "sebesar"),
    "en": ("qris_payment_received",),
}
# The token after which the comma's longer pause goes.
_COMMA_AFTER = frozenset({"pembayaran_qris_diterima", "qris_payment_received"})
_UNIT = "rupiah"
_TOKEN_RE = re.compile(r"[a-z][a-z_]*")


@dataclass(frozen=True)
class PcmFormat:
    """A raw PCM layout: what every clip must have and what the speaker opens the device with."""

    channels: int
    sample_width: int  # bytes per sample
    sample_rate: int  # frames per second

    @property
    def frame_size(self) -> int:
        return self.channels * self.sample_width

    def describe(self) -> str:
        return (f"{'mono' if self.channels == 1 else f'{self.channels} channels'}, "
                f"{8 * self.sample_width}-bit, {self.sample_rate} Hz")


#: The one format of every clip: mono, 16-bit signed little-endian, 22050 Hz (espeak-ng's own
#: rate, and plenty for speech on a PC speaker).
PCM_FORMAT = PcmFormat(channels=1, sample_width=2, sample_rate=22050)


@dataclass(frozen=True)
class Clip:
    """One recorded word or phrase: its token, language and raw frames in :data:`PCM_FORMAT`."""

    lang: str
    token: str
    frames: bytes

    @property
    def duration_ms(self) -> int:
        return len(self.frames) * 1000 // (PCM_FORMAT.frame_size * PCM_FORMAT.sample_rate)


class ClipError(Exception):
    """The clips can't say a sentence; the message (English) names the file or token."""


class ClipMissing(ClipError):
    """A clip the sentence needs is not there (a bad install, or a word without a clip)."""


class ClipDamaged(ClipError):
    """A clip can't be read as WAV, or is not in :data:`PCM_FORMAT`."""


def default_clips_dir() -> Path:
    """``resources/sounds`` of the work tree, the installed wheel or the PyInstaller bundle."""
    from pos_app.paths import resources_dir

    return resources_dir() / "sounds"


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"no clips for language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


def _check_amount(amount: int) -> int:
    # bool is an int; True rupiah is a bug, never an amount.
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be an int, got {type(amount).__name__}: {amount!r}")
    if amount < 0:
        raise ValueError("amount must not be negative")
    if amount > MAX_TERBILANG:
        raise ValueError(f"amount {amount} is too large to say")
    return amount


def _number_tokens(amount: int, lang: str) -> list[str]:
    if lang == "en":
        # english_words writes "twenty-one": each half is its own clip.
        return english_words(amount).replace("-", " ").split()
    return terbilang(amount).split()


def intro_tokens(lang: str) -> tuple[str, ...]:
    """The clips said before the amount in ``lang``."""
    return _INTRO[_check_lang(lang)]


def tokens_for(amount: int, lang: str) -> list[str]:
    """The clip names of the whole payment sentence for ``amount`` rupiah, in order.

    ``tokens_for(1_100_000, "id") == ["pembayaran_qris_diterima", "sebesar", "satu", "juta",
    "seratus", "ribu", "rupiah"]``. Raises ``ValueError`` for an unknown language or a negative
    amount (as ``payment_sentence`` does).
    """
    _check_lang(lang)
    _check_amount(amount)
    return [*_INTRO[lang], *_number_tokens(amount, lang), _UNIT]


def gap_after_ms(token: str) -> int:
    """The silence after ``token`` when another clip follows it."""
    return INTRO_GAP_MS if token in _COMMA_AFTER else WORD_GAP_MS


def silence(ms: int, fmt: PcmFormat = PCM_FORMAT) -> bytes:
    """``ms`` milliseconds of digital silence (signed samples: zero bytes) in ``fmt``."""
    return bytes(fmt.frame_size * (fmt.sample_rate * ms // 1000))


def spoken_amounts() -> Iterator[int]:
    """Amounts that between them use every word a sentence can contain, up to 999 triliun.

    Both spellers say an amount group by group (0..999 followed by its scale word), so every
    group value at every scale covers every word they can produce.
    """
    yield 0
    for scale in (1, 10**3, 10**6, 10**9, 10**12):
        for group in range(1, 1000):
            yield group * scale


def vocabulary(lang: str) -> frozenset[str]:
    """Every token :func:`tokens_for` can return for ``lang``: the clips that must exist."""
    _check_lang(lang)
    words: set[str] = {*_INTRO[lang], _UNIT}
    for amount in spoken_amounts():
        words.update(_number_tokens(amount, lang))
    return frozenset(words)


def _read_clip(path: Path, lang: str, token: str) -> Clip:
    try:
        with wave.open(str(path), "rb") as wav:
            found = PcmFormat(channels=wav.getnchannels(), sample_width=wav.getsampwidth(),
                              sample_rate=wav.getframerate())
            compression = wav.getcomptype()
            frames = wav.readframes(wav.getnframes())
    except FileNotFoundError:
        raise ClipMissing(f"sound clip {path} is missing (lang {lang}, word {token!r})") from None
    except (OSError, EOFError, wave.Error) as exc:
        raise ClipDamaged(f"sound clip {path} can't be read as WAV: {exc}") from exc
    if found != PCM_FORMAT or compression != "NONE":
        raise ClipDamaged(f"sound clip {path} is {found.describe()} ({compression}); every clip "
                          f"must be {PCM_FORMAT.describe()} PCM (run scripts/make-sounds)")
    if not frames or len(frames) % PCM_FORMAT.frame_size:
        raise ClipDamaged(f"sound clip {path} is empty or cut off ({len(frames)} bytes)")
    return Clip(lang=lang, token=token, frames=frames)


class ClipSet:
    """Every clip of the given languages, read once; joins them into sentence buffers.

    Reading happens in :meth:`load` (a few hundred kB, a few milliseconds); after that the set
    only reads memory, so one set may serve several threads.
    """

    def __init__(self, clips: Iterable[Clip], directory: Path | None = None) -> None:
        self._clips: dict[tuple[str, str], Clip] = {(c.lang, c.token): c for c in clips}
        self.directory = directory

    @classmethod
    def load(cls, directory: Path | None = None,
             langs: Iterable[str] = LANGUAGES) -> ClipSet:
        """Read ``<directory>/<lang>/<token>.wav`` for every token of :func:`vocabulary`.

        Raises :class:`ClipMissing` naming every missing clip (not only the first) and
        :class:`ClipDamaged` for a clip that isn't :data:`PCM_FORMAT` WAV.
        """
        root = directory if directory is not None else default_clips_dir()
        wanted = [(lang, token) for lang in langs for token in sorted(vocabulary(lang))]
        missing = [f"{lang}/{token}.wav" for lang, token in wanted
                   if not (root / lang / f"{token}.wav").is_file()]
        if missing:
            shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more"
                                              if len(missing) > 8 else "")
            raise ClipMissing(f"sound clips missing in {root}: {shown} "
                              "(reinstall pos-app, or run scripts/make-sounds in a work tree)")
        return cls((_read_clip(root / lang / f"{token}.wav", lang, token)
                    for lang, token in wanted), root)

    def clip(self, lang: str, token: str) -> Clip:
        try:
            return self._clips[(lang, token)]
        except KeyError:
            where = f" in {self.directory}" if self.directory else ""
            raise ClipMissing(f"no sound clip {lang}/{token}.wav{where}") from None

    def __contains__(self, key: object) -> bool:
        return key in self._clips

    def join(self, lang: str, tokens: Iterable[str]) -> bytes:
        """The clips of ``tokens`` back to back, with :func:`gap_after_ms` between them."""
        parts: list[bytes] = []
        previous: str | None = None
        for token in tokens:
            if previous is not None:
                parts.append(silence(gap_after_ms(previous)))
            parts.append(self.clip(lang, token).frames)
            previous = token
        return b"".join(parts)

    def sentence_pcm(self, amount: int, lang: str = "id") -> bytes:
        """The whole payment sentence as raw :data:`PCM_FORMAT` frames, ready to play."""
        return self.join(lang, tokens_for(amount, lang))


# One shared set per clips directory: the speaker and the command line read the files once per
# process, however many sentences they say.
_loaded: dict[Path, ClipSet] = {}
_loaded_lock = threading.Lock()


def shared_clips(directory: Path | None = None) -> ClipSet:
    """The :class:`ClipSet` of ``directory`` (default :func:`default_clips_dir`), loaded once."""
    root = (directory if directory is not None else default_clips_dir()).resolve()
    with _loaded_lock:
        if root not in _loaded:
            _loaded[root] = ClipSet.load(root)
        return _loaded[root]


def sentence_pcm(amount: int, lang: str = "id", directory: Path | None = None) -> bytes:
    """The payment sentence's frames from the shared clips of ``directory``."""
    return shared_clips(directory).sentence_pcm(amount, lang)


def valid_token(token: str) -> bool:
    """Whether ``token`` is a usable clip name (plain ASCII, safe as a file and serial name)."""
    return _TOKEN_RE.fullmatch(token) is not None
