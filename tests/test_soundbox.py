"""The soundbox over a real serial line (a pty): the protocol of SPEC.md section 6 between the
host's link (``hardware.soundbox``) and the virtual soundbox (``hardware.emulator``), and the
announcer that turns every confirmed payment into exactly one sentence.

The only stand-in is the PC speaker's sound card (``RecordingSpeaker``): its own tests play
through ALSA's file plugin (tests/test_speaker.py).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from hardware.announcer import Announcer, SaidEvent
from hardware.emulator import VirtualSoundbox
from hardware.protocol import Cmd, Command, ProtocolError, parse_device_line
from hardware.soundbox import (
    NoAnswer,
    NotConnected,
    Refused,
    SoundboxConfig,
    SoundboxLink,
    SoundboxState,
)
from pos_app.cart import Cart, Product
from pos_app.clock import utcnow
from pos_app.payments import PaymentService
from pos_app.settings import Settings
from pos_app.storage import announcements
from pos_app.storage.database import Database
from tests.waiting import WAIT_S


def wait_for(cond: Callable[[], bool], timeout: float = WAIT_S) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.005)
    return cond()


@pytest.fixture
def box(tmp_path: Path) -> Iterator[VirtualSoundbox]:
    with VirtualSoundbox(tmp_path) as b:
        yield b


def connect(box: VirtualSoundbox, **kw: object) -> SoundboxLink:
    states: list[SoundboxState] = []
    link = SoundboxLink(SoundboxConfig(box.port, volume=60),
                        on_state=lambda s, _d: states.append(s), **kw)  # type: ignore[arg-type]
    link.states = states  # type: ignore[attr-defined]
    link.start()
    assert wait_for(lambda: link.connected), "the link never connected"
    return link


@pytest.fixture
def link(box: VirtualSoundbox) -> Iterator[SoundboxLink]:
    lnk = connect(box)
    yield lnk
    lnk.close()


def announces(box: VirtualSoundbox) -> list[Command]:
    return [f for f in box.frames if f.cmd is Cmd.ANNOUNCE]


# -- framing ---------------------------------------------------------------------------------
def test_frames_are_one_json_line_of_at_most_512_bytes() -> None:
    frame = Command("x1", Cmd.ANNOUNCE, {"event_id": "p", "amount": 1000, "lang": "id"}).encode()
    assert frame.endswith(b"\n") and frame.count(b"\n") == 1
    with pytest.raises(ProtocolError):
        Command("x2", Cmd.SHOW_QR, {"payload": "0" * 600, "amount": 1}).encode()
    with pytest.raises(ProtocolError):
        parse_device_line(b"not json")
    with pytest.raises(ProtocolError):
        parse_device_line(b'{"id": 5, "ok": true}')
    assert parse_device_line(b'{"evt": "button", "seq": 3}').seq == 3  # type: ignore[union-attr]


# -- the exchange ----------------------------------------------------------------------------
def test_hello_and_volume_on_connect(box: VirtualSoundbox, link: SoundboxLink) -> None:
    assert [f.cmd for f in box.frames[:2]] == [Cmd.HELLO, Cmd.SET_VOLUME]
    assert box.volume == 60
    assert link.info is not None and link.info.sn == "EMU-0001" and link.info.screen


def test_announce_is_acknowledged_and_said_once(box: VirtualSoundbox, link: SoundboxLink) -> None:
    answer = link.announce("pay-1", 1_100_000, "id").result(timeout=WAIT_S)
    assert answer.ok
    assert box.wait_spoken(1)
    assert box.spoken[0].sentence == ("Pembayaran QRIS diterima, sebesar satu juta seratus ribu"
                                      " rupiah")


def test_a_second_send_of_the_same_event_is_dup_and_counts_as_said(
        box: VirtualSoundbox, link: SoundboxLink) -> None:
    assert link.announce("pay-1", 5000, "id").result(timeout=WAIT_S).ok
    again = link.announce("pay-1", 5000, "id").result(timeout=WAIT_S)
    assert not again.ok and again.err == "DUP"
    time.sleep(0.1)
    assert box.spoken_ids() == {"pay-1": 1}


def test_bad_argument_is_refused_with_the_device_error(link: SoundboxLink) -> None:
    with pytest.raises(Refused) as caught:
        link.request(Cmd.ANNOUNCE, event_id="p", amount=-5, lang="id").result(timeout=WAIT_S)
    assert caught.value.err == "BAD_ARG"
    with pytest.raises(Refused):
        link.request(Cmd.SET_VOLUME, level=101).result(timeout=WAIT_S)
    assert link.connected  # a refusal is not a broken line


def test_a_lost_answer_is_retried_with_the_same_id_and_event(
        box: VirtualSoundbox, link: SoundboxLink) -> None:
    box.drop_answers(2)
    started = time.monotonic()
    answer = link.announce("pay-7", 25000, "id").result(timeout=WAIT_S)
    took = time.monotonic() - started
    sent = announces(box)
    assert len(sent) == 3
    assert len({f.id for f in sent}) == 1 and {f.args["event_id"] for f in sent} == {"pay-7"}
    assert answer.err == "DUP"  # the device had said it at the first send
    assert 1.9 < took < 3.5  # two 1 s timeouts
    assert box.spoken_ids() == {"pay-7": 1}


def test_four_silent_attempts_mean_the_device_is_gone_and_it_is_greeted_again(
        box: VirtualSoundbox, link: SoundboxLink) -> None:
    box.ignore(4)
    with pytest.raises(NoAnswer):
        link.request(Cmd.PING).result(timeout=WAIT_S)
    assert len([f for f in box.frames if f.cmd is Cmd.PING]) == 0  # never even read
    assert wait_for(lambda: link.connected)
    assert [f.cmd for f in box.frames].count(Cmd.HELLO) == 2


def test_busy_is_asked_again(box: VirtualSoundbox, link: SoundboxLink) -> None:
    box.busy(3)
    assert link.announce("pay-b", 1000, "id").result(timeout=WAIT_S).ok
    assert len(announces(box)) == 4
    assert box.wait_spoken(1)


def test_show_qr_clear_and_volume_reach_the_device(box: VirtualSoundbox,
                                                   link: SoundboxLink) -> None:
    link.show_qr("000201" + "0" * 100, 15000, utcnow() + timedelta(minutes=10))
    assert wait_for(lambda: box.showing is not None)
    assert box.showing is not None and box.showing["amount"] == 15000
    link.clear()
    assert wait_for(lambda: box.showing is None)
    link.set_volume(35)
    assert wait_for(lambda: box.volume == 35)


def test_a_device_without_a_screen_refuses_show_qr_and_stays_usable(tmp_path: Path) -> None:
    with VirtualSoundbox(tmp_path, screen=False) as plain:
        lnk = connect(plain)
        try:
            lnk.show_qr("000201abc", 1000, None)
            assert lnk.announce("p1", 1000, "id").result(timeout=WAIT_S).ok
            assert lnk.connected
        finally:
            lnk.close()


def test_a_clip_only_device_is_sent_the_clips_to_play(tmp_path: Path) -> None:
    with VirtualSoundbox(tmp_path, langs=()) as clips_only:
        lnk = connect(clips_only)
        try:
            assert lnk.announce("p1", 11, "id").result(timeout=WAIT_S).ok
            played = [f for f in clips_only.frames if f.cmd is Cmd.PLAY]
            assert len(played) == 1
            assert "sebelas" in played[0].args["tokens"]
        finally:
            lnk.close()


# -- unplug and replug -----------------------------------------------------------------------
def test_unplug_is_noticed_and_replug_is_usable_within_two_seconds(
        box: VirtualSoundbox, link: SoundboxLink) -> None:
    box.unplug()
    assert wait_for(lambda: link.state is SoundboxState.DISCONNECTED)
    with pytest.raises(NotConnected):  # fails at once: the speaker can speak instead
        link.announce("p-away", 1000, "id").result(timeout=1.0)
    time.sleep(1.0)  # it stays away a while: the backoff is at its cap
    box.replug()
    started = time.monotonic()
    assert wait_for(lambda: link.connected, 2.0)
    assert time.monotonic() - started < 2.0
    assert link.announce("p-back", 1000, "id").result(timeout=WAIT_S).ok
    hellos = [f for f in box.frames if f.cmd is Cmd.HELLO]
    assert len(hellos) == 2  # hello again after the reconnect
    assert link.states[-2:] == [SoundboxState.DISCONNECTED, SoundboxState.CONNECTED]  # type: ignore[attr-defined]


def test_the_qr_on_screen_is_shown_again_after_a_reboot(box: VirtualSoundbox,
                                                       link: SoundboxLink) -> None:
    link.show_qr("000201qr", 20000, None)
    assert wait_for(lambda: box.showing is not None)
    box.unplug()
    assert wait_for(lambda: not link.connected)
    box.showing = None
    box.replug(boot=True)
    assert wait_for(lambda: link.connected)
    assert wait_for(lambda: box.showing is not None)
    assert box.showing is not None and box.showing["payload"] == "000201qr"


# -- discovery -------------------------------------------------------------------------------
@dataclass
class Port:
    device: str
    vid: int | None
    pid: int | None
    description: str = "USB Serial"


def test_auto_finds_the_soundbox_by_usb_id_and_hello(box: VirtualSoundbox,
                                                     tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with VirtualSoundbox(other, sn="PRINTER?") as printer_cable:
        ports = [Port(printer_cable.port, 0x0416, 0x5011, "a receipt printer"),
                 Port(box.port, 0x1A86, 0x7523, "USB2.0-Serial")]
        lnk = SoundboxLink(SoundboxConfig("auto", ((0x1A86, 0x7523),)),
                           list_ports=lambda: ports).start()
        try:
            assert wait_for(lambda: lnk.connected)
            assert lnk.info is not None and lnk.info.port == box.port
            assert printer_cable.frames == []  # a device not on the list is sent nothing
        finally:
            lnk.close()


def test_auto_without_a_soundbox_keeps_searching(tmp_path: Path) -> None:
    lnk = SoundboxLink(SoundboxConfig("auto", ((0x1A86, 0x7523),)),
                       list_ports=lambda: []).start()
    try:
        time.sleep(0.3)
        assert lnk.state is SoundboxState.SEARCHING
        with pytest.raises(NotConnected):
            lnk.announce("p", 1, "id").result(timeout=1)
    finally:
        lnk.close()


def test_off_sends_nothing_and_fails_at_once() -> None:
    lnk = SoundboxLink(SoundboxConfig("off")).start()
    assert lnk.state is SoundboxState.OFF
    with pytest.raises(NotConnected):
        lnk.announce("p", 1, "id").result(timeout=0.1)
    lnk.close()


# -- the announcer ---------------------------------------------------------------------------
class RecordingSpeaker:
    """The PC speaker without a sound card: what it was asked to say, in order."""

    def __init__(self, ok: bool = True) -> None:
        self.said: list[int] = []
        self.ok = ok

    def say(self, amount: int, lang: str = "id",
            on_done: Callable[[bool, str | None], None] | None = None) -> None:
        def later() -> None:
            if self.ok:
                self.said.append(amount)
            if on_done is not None:
                on_done(self.ok, None if self.ok else "no sound card")
        threading.Thread(target=later).start()


def paid_payments(db: Database, amounts: list[int], *, age_s: float = 0.0) -> list[str]:
    """Orders + payments written as confirmed by the back-end, each owing its announcement."""
    ids = []
    now = utcnow() - timedelta(seconds=age_s)
    iso = now.isoformat().replace("+00:00", "Z")
    with db.transaction() as conn:
        for n, amount in enumerate(amounts):
            oid, pid = f"K1-T{n:04d}", f"pay-{n:04d}"
            conn.execute(
                "INSERT INTO orders (id, uuid, terminal_id, business_date, seq, status, subtotal,"
                " total, created_at, updated_at) VALUES (?, ?, 'K1', '2026-12-06', ?, 'paid', ?,"
                " ?, ?, ?)", (oid, f"u-{oid}", n + 1, amount, amount, iso, iso))
            conn.execute(
                "INSERT INTO payments (id, order_id, method, status, amount, created_at,"
                " updated_at) VALUES (?, ?, 'qris', 'paid', ?, ?, ?)",
                (pid, oid, amount, iso, iso))
            announcements.owe(conn, pid, oid, amount, now)
            ids.append(pid)
    return ids


def said_rows(db: Database) -> list[tuple[str, str, str | None]]:
    return [(r["event_id"], r["status"], r["device"]) for r in db.query(
        "SELECT event_id, status, device FROM announcements ORDER BY event_id")]


def test_owed_announcements_go_to_the_soundbox_once_and_are_recorded(
        db: Database, box: VirtualSoundbox, link: SoundboxLink) -> None:
    ids = paid_payments(db, [1000, 2000, 3000])
    said: list[SaidEvent] = []
    ann = Announcer(db, soundbox=link, speaker=RecordingSpeaker(), on_said=said.append).start()
    try:
        assert wait_for(lambda: len(said) == 3)
        assert box.wait_spoken(3)
        assert [s.event_id for s in box.spoken] == ids  # oldest first
        assert {row[1:] for row in said_rows(db)} == {("said", "soundbox EMU-0001")}
    finally:
        ann.close()


def test_the_speaker_says_it_when_the_soundbox_is_away(db: Database, box: VirtualSoundbox,
                                                       link: SoundboxLink) -> None:
    box.unplug()
    assert wait_for(lambda: not link.connected)
    speaker = RecordingSpeaker()
    paid_payments(db, [7000])
    ann = Announcer(db, soundbox=link, speaker=speaker).start()
    try:
        assert wait_for(lambda: speaker.said == [7000])
        assert wait_for(lambda: said_rows(db)[0][1:] == ("said", "speaker"))
        box.replug()
        assert wait_for(lambda: link.connected)
        time.sleep(0.3)
        assert box.spoken == []  # said once: by the speaker, not again by the soundbox
    finally:
        ann.close()


def test_unplug_mid_queue_without_a_speaker_waits_and_delivers_everything_once(
        db: Database, box: VirtualSoundbox, link: SoundboxLink) -> None:
    ids = paid_payments(db, [1000 + n for n in range(40)])
    ann = Announcer(db, soundbox=link, speaker=None).start()
    try:
        assert wait_for(lambda: len(box.spoken) >= 5)
        box.unplug()
        time.sleep(0.5)
        box.replug()
        assert wait_for(lambda: all(r[1] == "said" for r in said_rows(db)))
        assert box.wait_spoken(40)
        assert box.spoken_ids() == {i: 1 for i in ids}
    finally:
        ann.close()


def test_a_restart_says_what_was_owed_and_nothing_twice(
        tmp_path: Path, db: Database, box: VirtualSoundbox) -> None:
    ids = paid_payments(db, [500 * (n + 1) for n in range(30)])
    lnk = connect(box)
    ann = Announcer(db, soundbox=lnk, speaker=None).start()
    assert wait_for(lambda: len(box.spoken) >= 10)
    ann.close()  # the app closes mid-queue ...
    lnk.close()
    done_before = [r[0] for r in said_rows(db) if r[1] == "said"]
    assert 10 <= len(done_before) < 30
    # ... and starts again: a new link (hello), a new announcer reading the same file
    lnk2 = connect(box)
    ann2 = Announcer(db, soundbox=lnk2, speaker=None).start()
    try:
        assert wait_for(lambda: all(r[1] == "said" for r in said_rows(db)))
        assert box.wait_spoken(30)
        time.sleep(0.2)
        assert box.spoken_ids() == {i: 1 for i in ids}
        assert len(announces(box)) == 30  # what was recorded as said was not even resent
    finally:
        ann2.close()
        lnk2.close()


def test_an_announcement_owed_too_long_is_skipped_not_said(
        db: Database, box: VirtualSoundbox, link: SoundboxLink) -> None:
    paid_payments(db, [9000], age_s=3600)
    ann = Announcer(db, soundbox=link, speaker=RecordingSpeaker()).start()
    try:
        assert wait_for(lambda: said_rows(db)[0][1] == "skipped")
        time.sleep(0.2)
        assert box.spoken == []
    finally:
        ann.close()


def test_no_device_at_all_keeps_it_owed(db: Database) -> None:
    paid_payments(db, [1000])
    speaker = RecordingSpeaker(ok=False)
    ann = Announcer(db, soundbox=None, speaker=speaker).start()
    try:
        assert wait_for(lambda: db.scalar("SELECT attempts FROM announcements") == 1)
        assert said_rows(db)[0][1] == "owed"
    finally:
        ann.close()


# -- from the gateway to the soundbox --------------------------------------------------------
def test_a_sale_paid_through_a_loopback_gateway_is_one_announce_frame(
        tmp_path: Path, data_dir: Path, db: Database, box: VirtualSoundbox,
        link: SoundboxLink) -> None:
    from tests.fakes.pakasir import DEFAULT_API_KEY, DEFAULT_PROJECT, PakasirFake

    fake = PakasirFake()
    fake.start()
    settings = Settings.load(data_dir)
    for key, value in (("payment.provider", "pakasir"),
                       ("providers.pakasir.base_url", fake.base_url),
                       ("providers.pakasir.project", DEFAULT_PROJECT),
                       ("providers.pakasir.api_key", DEFAULT_API_KEY)):
        settings.set(key, value)
    service = PaymentService(db, settings)
    ann = Announcer(db, soundbox=link, speaker=RecordingSpeaker()).start()
    service.engine.add_listener(ann.on_sync_event)
    service.start()
    try:
        cart = Cart()
        cart.add(Product(sku="A", name="Kopi", price=12000), 2)
        order = service.start_qris(cart)
        assert wait_for(lambda: any(tx.order_id == order.id for tx in fake.transactions.values()))
        fake.complete(order.id)
        assert box.wait_spoken(1, WAIT_S)
        time.sleep(1.0)  # a few more polls: still one
        sent = announces(box)
        assert len(sent) == 1
        payment = db.query_one("SELECT id, paid_amount FROM payments WHERE order_id = ?",
                               (order.id,))
        assert payment is not None
        assert sent[0].args["event_id"] == payment["id"]
        assert sent[0].args["amount"] == payment["paid_amount"]
        assert announcements.status_of(db, payment["id"]) == (announcements.Said.SAID,
                                                              "soundbox EMU-0001")
    finally:
        service.stop()
        ann.close()
        fake.stop()


def test_an_announce_on_the_line_is_waited_for_not_said_twice_by_the_speaker(
        db: Database, box: VirtualSoundbox, link: SoundboxLink,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The soundbox keeps answering BUSY for longer than the announcer waits: the command is
    # already on the line, so the speaker must not say it as well.
    monkeypatch.setattr("hardware.announcer.SOUNDBOX_WAIT_S", 0.3)
    box.busy(5)  # ~1 s of BUSY, then accepted
    speaker = RecordingSpeaker()
    paid_payments(db, [4000])
    ann = Announcer(db, soundbox=link, speaker=speaker).start()
    try:
        assert wait_for(lambda: said_rows(db)[0][1] == "said")
        assert box.wait_spoken(1)
        time.sleep(0.3)
        assert speaker.said == []
        assert said_rows(db)[0][2] == "soundbox EMU-0001"
    finally:
        ann.close()


def test_a_queued_announce_that_waited_too_long_is_never_sent(
        db: Database, box: VirtualSoundbox, link: SoundboxLink,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("hardware.announcer.SOUNDBOX_WAIT_S", 0.3)
    box.ignore(2)
    link.request(Cmd.PING)  # holds the line ~2 s (two silent attempts) ahead of the announce
    speaker = RecordingSpeaker()
    paid_payments(db, [4500])
    ann = Announcer(db, soundbox=link, speaker=speaker).start()
    try:
        assert wait_for(lambda: speaker.said == [4500])
        time.sleep(2.5)
        assert announces(box) == []  # cancelled while queued: the speaker said it, only it
        assert said_rows(db)[0][1:] == ("said", "speaker")
    finally:
        ann.close()


def test_play_on_a_clip_only_device_is_sent_once_even_without_an_answer(
        tmp_path: Path, db: Database) -> None:
    with VirtualSoundbox(tmp_path, langs=()) as clips_only:
        lnk = connect(clips_only)
        clips_only.drop_answers(1)
        speaker = RecordingSpeaker()
        paid_payments(db, [11])
        ann = Announcer(db, soundbox=lnk, speaker=speaker).start()
        try:
            assert wait_for(lambda: said_rows(db)[0][1] == "said", 6)
            time.sleep(0.3)
            assert len([f for f in clips_only.frames if f.cmd is Cmd.PLAY]) == 1
            assert len(clips_only.spoken) == 1 and speaker.said == []
            assert said_rows(db)[0][2] == "soundbox EMU-0001 (no answer)"
        finally:
            ann.close()
            lnk.close()


def test_a_qr_too_long_for_a_frame_is_not_sent_and_the_link_stays(
        box: VirtualSoundbox, link: SoundboxLink) -> None:
    link.show_qr("000201" + "9" * 600, 15000, None)
    assert link.announce("p-long", 15000, "id").result(timeout=WAIT_S).ok
    assert link.connected
    assert [f.cmd for f in box.frames].count(Cmd.HELLO) == 1
    assert box.showing is None
