"""The PC speaker: the clips of a sentence, their joined audio, and real playback through ALSA.

Playback runs the real code (simpleaudio -> libasound) in a subprocess whose ALSA_CONFIG_PATH
points ``default`` at ALSA's ``file`` plugin, with the ``null`` plugin swallowing the sound:

* into a raw file in tmp_path, byte for byte (``truncate false`` gives each stream its own
  file: out.raw, out.raw.0001, ...);
* or into a pipe to a small reader that takes the sound at about five times real time and notes
  when each stream started and ended, to see that queued sentences never overlap.

ALSA reads its configuration per process, which is why playback never runs inside pytest
itself. "No sound card" is a configuration whose default device is a card that doesn't exist.
"""

from __future__ import annotations

import json
import logging
import random
import re
import shutil
import subprocess
import sys
import textwrap
import threading
import wave
from collections.abc import Callable
from pathlib import Path

import pytest

from hardware.clips import (
    INTRO_GAP_MS,
    LANGUAGES,
    WORD_GAP_MS,
    ClipDamaged,
    ClipMissing,
    ClipSet,
    default_clips_dir,
    sentence_pcm,
    tokens_for,
    valid_token,
    vocabulary,
)
from hardware.speaker import NullSpeaker, Speaker, SpeakerState
from pos_app.announcement import payment_sentence
from tests.cli_helpers import ROOT, env_for, pos_app_cmd

SOUNDS = ROOT / "resources" / "sounds"


# ----------------------------------------------------------------------------- tokens

ID_INTRO = ["pembayaran_qris_diterima", "sebesar"]
EN_INTRO = ["qris_payment_received"]


@pytest.mark.parametrize(("amount", "id_words", "en_words"), [
    (11, "sebelas", "eleven"),
    (100, "seratus", "one hundred"),
    (1000, "seribu", "one thousand"),
    (1_001_000, "satu juta seribu", "one million one thousand"),
    (1_100_000, "satu juta seratus ribu", "one million one hundred thousand"),
    (21_500, "dua puluh satu ribu lima ratus", "twenty one thousand five hundred"),
    (10_000_000_000, "sepuluh miliar", "ten billion"),
])
def test_tokens_for_both_languages(amount: int, id_words: str, en_words: str) -> None:
    assert tokens_for(amount, "id") == [*ID_INTRO, *id_words.split(), "rupiah"]
    assert tokens_for(amount, "en") == [*EN_INTRO, *en_words.split(), "rupiah"]


def _said(tokens: list[str]) -> str:
    return " ".join(tokens).replace("_", " ")


def _written(amount: int, lang: str) -> str:
    return payment_sentence(amount, lang).lower().replace(",", "").replace("-", " ")


def test_the_clips_say_what_the_dry_run_prints() -> None:
    rng = random.Random(20261127)
    amounts = [0, 1, 19, 99, 101, 999, 1001, 999_999, 10**9, 10**12, 9_999_999_999_000]
    amounts += [rng.randrange(1, 10**13) for _ in range(300)]
    for lang in LANGUAGES:
        for amount in amounts:
            assert _said(tokens_for(amount, lang)) == _written(amount, lang), amount


def test_tokens_reject_what_payment_sentence_rejects() -> None:
    with pytest.raises(ValueError, match="negative"):
        tokens_for(-1, "id")
    with pytest.raises(ValueError, match="language"):
        tokens_for(1000, "fr")
    with pytest.raises(TypeError):
        tokens_for(True, "id")


def test_every_word_up_to_ten_billion_has_a_clip() -> None:
    # vocabulary() enumerates group by group; random amounts check that claim independently.
    rng = random.Random(7)
    amounts = [rng.randrange(0, 10**10 + 1) for _ in range(3000)] + [10**10]
    amounts += [rng.randrange(0, 10**k) for k in range(1, 14) for _ in range(50)]
    for lang in LANGUAGES:
        files = {p.stem for p in (SOUNDS / lang).glob("*.wav")}
        needed = vocabulary(lang)
        assert needed <= files, sorted(needed - files)
        assert files <= needed, f"stray clips: {sorted(files - needed)}"
        for amount in amounts:
            assert set(tokens_for(amount, lang)) <= needed, amount
        assert all(valid_token(t) for t in needed)


def test_committed_clips_share_one_small_format() -> None:
    files = sorted(SOUNDS.glob("*/*.wav"))
    assert len(files) == sum(len(vocabulary(lang)) for lang in LANGUAGES)
    for path in files:
        with wave.open(str(path), "rb") as wav:
            assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate(),
                    wav.getcomptype()) == (1, 2, 22050, "NONE"), path
            # trimmed: a word is shorter than 2 s, and no clip is (nearly) empty
            assert 0.15 < wav.getnframes() / 22050 < (4.0 if "_" in path.stem else 2.0), path
    assert sum(p.stat().st_size for p in files) < 2_000_000
    assert default_clips_dir() == SOUNDS


# ----------------------------------------------------------------------------- sentence audio


def _frames(lang: str, token: str) -> bytes:
    with wave.open(str(SOUNDS / lang / f"{token}.wav"), "rb") as wav:
        return wav.readframes(wav.getnframes())


def test_sentence_pcm_is_the_clips_with_short_gaps() -> None:
    intro_gap = bytes(2 * (22050 * INTRO_GAP_MS // 1000))
    word_gap = bytes(2 * (22050 * WORD_GAP_MS // 1000))
    assert 150 <= INTRO_GAP_MS <= 300 and 40 <= WORD_GAP_MS <= 100
    f = _frames
    expected_id = (f("id", "pembayaran_qris_diterima") + intro_gap + f("id", "sebesar")
                   + word_gap + f("id", "satu") + word_gap + f("id", "juta") + word_gap
                   + f("id", "seratus") + word_gap + f("id", "ribu") + word_gap
                   + f("id", "rupiah"))
    assert sentence_pcm(1_100_000, "id") == expected_id
    expected_en = (f("en", "qris_payment_received") + intro_gap + f("en", "twenty") + word_gap
                   + f("en", "one") + word_gap + f("en", "rupiah"))
    assert sentence_pcm(21, "en") == expected_en
    assert ClipSet.load(SOUNDS).sentence_pcm(21, "en") == expected_en


def _copy_sounds(tmp_path: Path) -> Path:
    target = tmp_path / "sounds"
    shutil.copytree(SOUNDS, target)
    return target


def test_a_missing_clip_is_named(tmp_path: Path) -> None:
    sounds = _copy_sounds(tmp_path)
    (sounds / "id" / "sembilan.wav").unlink()
    with pytest.raises(ClipMissing, match=r"id/sembilan\.wav"):
        ClipSet.load(sounds)


def test_a_damaged_or_foreign_clip_is_refused(tmp_path: Path) -> None:
    sounds = _copy_sounds(tmp_path)
    (sounds / "en" / "seven.wav").write_bytes(b"RIFF\x00\x00")
    with pytest.raises(ClipDamaged, match=r"seven\.wav can't be read as WAV"):
        ClipSet.load(sounds)

    sounds = _copy_sounds(tmp_path / "b")
    with wave.open(str(sounds / "id" / "juta.wav"), "wb") as wav:  # stereo 44.1 kHz
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        wav.writeframes(bytes(4 * 4410))
    with pytest.raises(ClipDamaged, match=r"juta\.wav is 2 channels, 16-bit, 44100 Hz"):
        ClipSet.load(sounds)


# ----------------------------------------------------------------------------- speaker, no sound


def test_speaker_with_missing_clips_answers_every_sentence_and_logs_once(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # The clips are read before the sound card is touched, so this needs no ALSA.
    empty = tmp_path / "sounds"
    (empty / "id").mkdir(parents=True)
    speaker = Speaker(empty)
    with caplog.at_level(logging.WARNING, logger="hardware.speaker"):
        first = speaker.say_blocking(1000, "id", timeout_s=10)
        second = speaker.say_blocking(2000, "id", timeout_s=10)
    assert first[0] is False and first[1] is not None and "missing" in first[1]
    assert second == first
    assert [r.levelname for r in caplog.records] == ["ERROR"]
    assert speaker.pending == 0
    assert speaker.close() is True
    assert speaker.state is SpeakerState.OFF


def test_say_never_waits_for_the_worker_and_close_drops_the_queue(tmp_path: Path) -> None:
    # The first sentence's on_done holds the worker (missing clips: nothing plays), so the
    # next say() calls can only return because they merely enqueue.
    empty = tmp_path / "sounds"
    empty.mkdir()
    entered, release = threading.Event(), threading.Event()
    results: list[tuple[int, bool, str | None]] = []

    def done(n: int) -> Callable[[bool, str | None], None]:
        def on_done(ok: bool, reason: str | None) -> None:
            results.append((n, ok, reason))
            if n == 1:
                entered.set()
                release.wait(10)
        return on_done

    speaker = Speaker(empty)
    speaker.say(1000, "en", done(1))
    assert entered.wait(10)
    speaker.say(2000, "en", done(2))
    speaker.say(3000, "id", done(3))
    assert speaker.pending == 3
    threading.Timer(0.2, release.set).start()
    assert speaker.close(timeout_s=10) is True
    assert results[0][:2] == (1, False) and results[0][2] and "missing" in results[0][2]
    assert sorted(results[1:]) == [(2, False, "speaker closed"), (3, False, "speaker closed")]
    assert speaker.pending == 0
    assert speaker.state is SpeakerState.OFF

    late: list[tuple[bool, str | None]] = []
    speaker.say(5000, "id", lambda ok, reason: late.append((ok, reason)))
    assert late == [(False, "speaker closed")]
    with pytest.raises(ValueError):
        speaker.say(5000, "jv")


def test_null_speaker_says_nothing() -> None:
    speaker = NullSpeaker()
    answers: list[tuple[bool, str | None]] = []
    speaker.say(1000, "id", lambda ok, reason: answers.append((ok, reason)))
    assert answers == [(False, "speaker off")]
    assert speaker.state is SpeakerState.OFF and speaker.pending == 0
    assert speaker.say_blocking(1000, "en") == (False, "speaker off")
    assert speaker.close() is True


# ----------------------------------------------------------------------------- real playback


def _file_sink_config(tmp_path: Path, name: str = "asound.conf") -> tuple[Path, Path]:
    """An ALSA configuration whose default device records into tmp_path/out.raw[.0001...]."""
    out = tmp_path / "out.raw"
    conf = tmp_path / name
    conf.write_text(textwrap.dedent(f"""\
        pcm.null {{ type null }}
        pcm.!default {{
            type file
            slave.pcm "null"
            file "{out}"
            format "raw"
            truncate false
        }}
        """))
    return conf, out


def _no_card_config(tmp_path: Path) -> Path:
    conf = tmp_path / "nocard.conf"
    conf.write_text("pcm.!default { type hw card 31 device 0 }\n")
    return conf


def _recorded(out: Path) -> list[bytes]:
    """The streams ALSA's file plugin wrote, in the order they were opened."""
    files = sorted(out.parent.glob(out.name + "*"),
                   key=lambda p: int(p.suffix[1:]) if p.suffix[1:].isdigit() else 0)
    return [p.read_bytes() for p in files]


def _env(tmp_path: Path, conf: Path) -> dict[str, str]:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    return env_for(data, ALSA_CONFIG_PATH=str(conf))


def _announce(tmp_path: Path, conf: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*pos_app_cmd(), "announce", *args], env=_env(tmp_path, conf),
                          capture_output=True, text=True, timeout=60, cwd=ROOT)


@pytest.mark.parametrize(("amount", "lang"), [("1100000", "id"), ("21.500", "en")])
def test_pos_app_announce_plays_the_sentence(tmp_path: Path, amount: str, lang: str) -> None:
    conf, out = _file_sink_config(tmp_path)
    r = _announce(tmp_path, conf, amount, "--lang", lang)
    assert r.returncode == 0, r.stderr
    value = int(amount.replace(".", ""))
    assert r.stdout.strip() == payment_sentence(value, lang)
    assert r.stderr == ""
    assert _recorded(out) == [sentence_pcm(value, lang)]


def test_pos_app_announce_without_a_sound_card_exits_1_with_one_line(tmp_path: Path) -> None:
    r = _announce(tmp_path, _no_card_config(tmp_path), "1100000")
    assert r.returncode == 1
    assert r.stdout.strip() == payment_sentence(1_100_000, "id")
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("pos-app: no sound card") and "not said" in lines[0]


def test_pos_app_announce_dry_run_plays_nothing(tmp_path: Path) -> None:
    conf, out = _file_sink_config(tmp_path)
    r = _announce(tmp_path, conf, "1000", "--dry-run")
    assert r.returncode == 0
    assert r.stdout.strip() == "Pembayaran QRIS diterima, sebesar seribu rupiah"
    assert _recorded(out) == []


# Run by the tests below in a fresh interpreter (ALSA reads its configuration per process):
# drives a real Speaker and prints what happened as JSON.
_DRIVER = textwrap.dedent("""\
    import json, logging, os, shutil, sys, time
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="LOG %(levelname)s %(message)s")
    from hardware.speaker import Speaker

    events = []
    speaker = Speaker(on_state=lambda state, reason: events.append(["state", state.name]))

    def done(n):
        return lambda ok, reason: events.append(["done", n, ok, reason])

    plan = json.loads(sys.argv[1])
    for step in plan:
        if step[0] == "say":
            speaker.say(step[1], step[2], done(step[1]))
        elif step[0] == "pending":
            events.append(["pending", speaker.pending])
        elif step[0] == "wait":
            deadline = time.monotonic() + 30
            while speaker.pending and time.monotonic() < deadline:
                time.sleep(0.01)
            events.append(["alive", speaker._thread.is_alive()])
        elif step[0] == "swap_config":  # a new inode: ALSA notices and reads it again
            target = os.environ["ALSA_CONFIG_PATH"]
            shutil.copy(step[1], target + ".new")
            os.replace(target + ".new", target)
    events.append(["closed", speaker.close(10), speaker.state.name])
    print(json.dumps(events))
    """)


def _drive(tmp_path: Path, conf: Path, plan: list[list[object]]
           ) -> tuple[list[list[object]], list[str]]:
    r = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(plan)],
                       env=_env(tmp_path, conf), capture_output=True, text=True, timeout=90,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), r.stderr.splitlines()


# ALSA's file plugin can also pipe each stream into a command ("|..."). This reader takes the
# sound at about five times real time (like a sound card, it makes the writer wait) and notes
# when its stream started and ended: sentences played over each other would overlap, one cut
# off would be short.
_PACED_READER = textwrap.dedent("""\
    import os, sys, time
    folder, n = sys.argv[1], 0
    while True:
        try:
            fd = os.open(os.path.join(folder, f"stream.{n:04d}"),
                         os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            n += 1
    start = time.monotonic()
    with os.fdopen(fd, "wb") as out:
        while chunk := sys.stdin.buffer.read(2205):  # 50 ms of sound ...
            out.write(chunk)
            time.sleep(0.01)  # ... every 10 ms
    with open(os.path.join(folder, f"stream.{n:04d}.times"), "w") as f:
        f.write(f"{start} {time.monotonic()}")
    """)


def _paced_config(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "streams"
    folder.mkdir()
    reader = tmp_path / "reader.py"
    reader.write_text(_PACED_READER)
    conf = tmp_path / "paced.conf"
    conf.write_text(textwrap.dedent(f"""\
        pcm.null {{ type null }}
        pcm.!default {{
            type file
            slave.pcm "null"
            file "|exec {sys.executable} {reader} {folder}"
            format "raw"
        }}
        """))
    return conf, folder


def test_queued_sentences_play_one_after_the_other_in_full(tmp_path: Path) -> None:
    conf, folder = _paced_config(tmp_path)
    events, log = _drive(tmp_path, conf, [
        ["say", 1_100_000, "id"], ["say", 21_500, "en"], ["say", 11, "id"], ["pending"],
        ["wait"]])
    streams = []
    for times in sorted(folder.glob("*.times")):
        start, end = map(float, times.read_text().split())
        streams.append((start, end, times.with_suffix("").read_bytes()))
    streams.sort()
    wanted = [sentence_pcm(1_100_000, "id"), sentence_pcm(21_500, "en"), sentence_pcm(11, "id")]
    assert [pcm for _, _, pcm in streams] == wanted  # each in full, in the order asked
    for (_, end, _), (start, _, _) in zip(streams, streams[1:], strict=False):
        assert end <= start, "a sentence started before the one before it had ended"

    assert ["pending", 3] in events  # say() returned while the first was still playing
    played = [e for e in events if e[0] in ("state", "done")]
    assert played == [["state", "PLAYING"], ["state", "READY"], ["done", 1_100_000, True, None],
                      ["state", "PLAYING"], ["state", "READY"], ["done", 21_500, True, None],
                      ["state", "PLAYING"], ["state", "READY"], ["done", 11, True, None],
                      ["state", "OFF"]]
    assert events[-1] == ["closed", True, "OFF"]
    assert log == []


def test_no_sound_card_logs_once_and_keeps_going(tmp_path: Path) -> None:
    nocard = _no_card_config(tmp_path)
    live = tmp_path / "live.conf"
    shutil.copy(nocard, live)
    good, out = _file_sink_config(tmp_path, "good.conf")
    events, log = _drive(tmp_path, live, [
        ["say", 1000, "id"], ["say", 2000, "id"], ["say", 3000, "en"], ["wait"],
        ["swap_config", str(good)], ["say", 4000, "id"], ["wait"]])

    failed = [e for e in events if e[0] == "done" and e[2] is False]
    assert [e[1] for e in failed] == [1000, 2000, 3000]
    assert all(e[3] and e[3].startswith("no sound card") for e in failed)
    assert ["alive", True] in events
    assert ["done", 4000, True, None] in events  # tried again, and played once a card was there
    states = [e[1] for e in events if e[0] == "state"]
    assert states == ["NO_SOUND_CARD", "PLAYING", "READY", "OFF"]
    warnings = [line for line in log if line.startswith("LOG WARNING")]
    assert len(warnings) == 1 and "no sound card" in warnings[0]
    assert not any("ALSA lib" in line for line in log), log  # ALSA's own noise is kept quiet
    assert _recorded(out) == [sentence_pcm(4000, "id")]


def test_make_sounds_check_passes_on_the_committed_clips() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "make-sounds"), "--check"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    assert re.search(r"\d+ clips, \d+ KiB, every word has a clip", r.stdout)


def test_the_speaker_needs_no_qt() -> None:
    code = ("import sys, hardware.speaker, hardware.clips; "
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60, cwd=ROOT, env=env_for(ROOT / "unused"))
    assert (r.returncode, r.stdout.strip()) == (0, "[]"), r.stderr
