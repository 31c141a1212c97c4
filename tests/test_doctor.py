"""``pos-app doctor``: each check failing in turn, against real parts -- a real data dir and SQLite
file, loopback fakes of the gateways (one refusing the key, one gone, one hanging, one whose
``Date`` runs ahead), a damaged copy of the database, backups of every age, the pty soundbox
emulator and the fake network printer -- and the command line's exit codes and JSON."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from hardware.emulator import VirtualSoundbox
from pos_app.clock import to_iso
from pos_app.doctor import (
    CHECK_NAMES,
    Check,
    Status,
    Target,
    check_backup,
    check_central,
    check_clock,
    check_database,
    check_disk,
    check_mutasi,
    check_printer,
    check_provider,
    check_soundbox,
    report_text,
    run_checks,
)
from pos_app.paths import backup_dir, db_path
from pos_app.settings import Settings
from pos_app.storage.database import open_database
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.cli_helpers import run
from tests.conftest import FakeClock
from tests.fakes.orderkuota import OrderKuotaFake
from tests.fakes.pakasir import DEFAULT_API_KEY, DEFAULT_PROJECT, PakasirFake
from tests.test_cli_faults import damage
from tests.test_printer import FakeNetworkPrinter
from tests.waiting import wait_for

WIB = ZoneInfo("Asia/Jakarta")
TEN_WIB = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # the FakeClock's start: 10:00 WIB


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings.load(data_dir)


@pytest.fixture
def db(data_dir: Path):  # type: ignore[no-untyped-def]
    database = open_database(db_path(data_dir), backup_dir=backup_dir(data_dir, create=False))
    yield database
    database.close()


@pytest.fixture
def pakasir() -> Iterator[PakasirFake]:
    fake = PakasirFake(auth_error_status=401)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def printer() -> Iterator[FakeNetworkPrinter]:
    fake = FakeNetworkPrinter()
    yield fake
    fake.stop()


@pytest.fixture
def box(tmp_path: Path) -> Iterator[VirtualSoundbox]:
    with VirtualSoundbox(tmp_path) as b:
        yield b


def use_pakasir(settings: Settings, fake: PakasirFake, key: str = DEFAULT_API_KEY) -> None:
    settings.set("payment.provider", "pakasir")
    settings.set("providers.pakasir.base_url", fake.base_url)
    settings.set("providers.pakasir.project", DEFAULT_PROJECT)
    settings.set("providers.pakasir.api_key", key)


def use_static_with_orderkuota(settings: Settings, fake: OrderKuotaFake) -> None:
    settings.set("payment.provider", "static")
    settings.set("payment.static_qris", DEMO_STATIC_QRIS)
    settings.set("payment.mutasi_source", "orderkuota")
    settings.set("providers.orderkuota.base_url", fake.base_url)
    settings.set("providers.orderkuota.username", fake.username)
    settings.set("providers.orderkuota.token", fake.issue_token())


def texts(check: Check) -> str:
    return " | ".join((check.detail, check.fix, check.detail_id, check.fix_id))


# -- provider ----------------------------------------------------------------------------------
def test_provider_accepted(settings: Settings, pakasir: PakasirFake) -> None:
    use_pakasir(settings, pakasir)
    c = check_provider(settings)
    assert c.status is Status.OK, c
    assert "credentials accepted" in c.detail and "terhubung" in c.detail_id
    assert pakasir.requests_to("/api/transactiondetail"), "a real authenticated call was made"


def test_provider_key_refused_401(settings: Settings, pakasir: PakasirFake) -> None:
    wrong = "pk_live_WRONGwrongWRONG1234"
    use_pakasir(settings, pakasir, key=wrong)
    c = check_provider(settings)
    assert c.status is Status.FAIL
    assert c.detail_id == "Kunci API Pakasir ditolak"
    assert "API key" in c.fix and "Pengaturan → Pembayaran" in c.fix_id
    assert wrong not in texts(c)


def test_provider_unreachable(settings: Settings) -> None:
    gone = PakasirFake()
    gone.start()
    gone.stop()  # the port is closed: connection refused
    use_pakasir(settings, gone)
    started = time.monotonic()
    c = check_provider(settings, timeout_s=2.0)
    assert time.monotonic() - started < 2.5
    assert c.status is Status.FAIL
    assert "tidak bisa dihubungi" in c.detail_id and "internet" in c.fix


def test_provider_settings_missing(settings: Settings) -> None:
    settings.set("payment.provider", "pakasir")
    c = check_provider(settings)
    assert c.status is Status.FAIL
    assert "providers.pakasir.project" in c.detail and "providers.pakasir.api_key" in c.detail
    assert c.detail_id == "Pengaturan Pakasir belum lengkap: Proyek (slug), Kunci API"


def test_demo_and_static_are_ok_with_a_note(settings: Settings) -> None:
    demo = check_provider(settings)
    assert demo.status is Status.WARN and "demo" in demo.detail and "Mode demo" in demo.detail_id
    settings.set("payment.provider", "static")
    settings.set("payment.static_qris", DEMO_STATIC_QRIS)
    static = check_provider(settings)
    assert static.status is Status.OK and "confirmed by the cashier" in static.detail


# -- clock -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("offset_s", "status"), [(0, Status.OK), (-45, Status.WARN),
                                                  (300, Status.FAIL)])
def test_clock_against_the_gateways_date(settings: Settings, pakasir: PakasirFake,
                                         offset_s: float, status: Status) -> None:
    use_pakasir(settings, pakasir)
    pakasir.date_offset_s = offset_s
    c = check_clock(settings)
    assert c.status is status, c
    if status is Status.FAIL:
        assert "5 min" in c.detail and "behind" in c.detail and "otomatis" in c.fix_id
    if status is Status.WARN:
        assert "ahead of" in c.detail


def test_clock_without_a_gateway_or_unreachable(settings: Settings) -> None:
    assert check_clock(settings).status is Status.OK  # the simulator: nothing to compare with
    gone = PakasirFake()
    gone.start()
    gone.stop()
    use_pakasir(settings, gone)
    c = check_clock(settings, timeout_s=1.0)
    assert c.status is Status.WARN and "not checked" in c.detail


# -- mutasi ------------------------------------------------------------------------------------
@pytest.fixture
def orderkuota_fake() -> Iterator[OrderKuotaFake]:
    fake = OrderKuotaFake()
    fake.statements_min_interval_s = 0
    fake.start()
    yield fake
    fake.stop()


def record_credit(db, source: str, at: datetime) -> None:  # type: ignore[no-untyped-def]
    """A credit the till saw on a statement earlier (as the engine's ledger stores it)."""
    with db.transaction() as conn:
        conn.execute(
            "INSERT INTO credits (source, account, credit_id, amount, credited_at, seen_at,"
            " status) VALUES (?, ?, ?, ?, ?, ?, 'unmatched')",
            (source, f"{source}:acct", f"c-{at.timestamp()}", 15001, to_iso(at), to_iso(at)))


def test_mutasi_not_used(settings: Settings, db) -> None:  # type: ignore[no-untyped-def]
    c = check_mutasi(settings, db)
    assert c.status is Status.OK and c.detail.startswith("not used")


def test_mutasi_empty(settings: Settings, db, orderkuota_fake: OrderKuotaFake,  # type: ignore[no-untyped-def]
                      clock: FakeClock) -> None:
    use_static_with_orderkuota(settings, orderkuota_fake)
    c = check_mutasi(settings, db, clock=clock)
    assert c.status is Status.WARN, c
    assert "no incoming credit seen yet" in c.detail and "test payment" in c.fix
    assert orderkuota_fake.requests_to("/api/v2/statements/"), "the statement was read"


def test_mutasi_stale_during_the_day(settings: Settings, db,  # type: ignore[no-untyped-def]
                                     orderkuota_fake: OrderKuotaFake, clock: FakeClock) -> None:
    use_static_with_orderkuota(settings, orderkuota_fake)
    record_credit(db, "orderkuota", clock.now - timedelta(hours=2, minutes=30))
    c = check_mutasi(settings, db, clock=clock)
    assert c.status is Status.WARN, c
    assert "07:30 WIB" in c.detail and "2 h 30 min ago" in c.detail
    assert "2 jam 30 menit lalu" in c.detail_id


def test_mutasi_stale_at_night_is_a_note(settings: Settings, db,  # type: ignore[no-untyped-def]
                                         orderkuota_fake: OrderKuotaFake) -> None:
    use_static_with_orderkuota(settings, orderkuota_fake)
    night = FakeClock(datetime(2026, 11, 27, 23, 15, tzinfo=WIB).astimezone(UTC))
    record_credit(db, "orderkuota", night.now - timedelta(hours=3))
    c = check_mutasi(settings, db, clock=night)
    assert c.status is Status.OK and "outside shop hours" in c.detail


def test_mutasi_fresh_credit_on_the_statement(settings: Settings, db,  # type: ignore[no-untyped-def]
                                              orderkuota_fake: OrderKuotaFake,
                                              clock: FakeClock) -> None:
    use_static_with_orderkuota(settings, orderkuota_fake)
    orderkuota_fake.add_credit(15001, at_wib=datetime(2026, 11, 27, 9, 50, 7))
    c = check_mutasi(settings, db, clock=clock)
    assert c.status is Status.OK, c
    assert "09:50 WIB" in c.detail and "statement read ok" in c.detail


def test_mutasi_read_fails(settings: Settings, db,  # type: ignore[no-untyped-def]
                           orderkuota_fake: OrderKuotaFake, clock: FakeClock) -> None:
    use_static_with_orderkuota(settings, orderkuota_fake)
    orderkuota_fake.revoke_tokens()
    c = check_mutasi(settings, db, clock=clock)
    assert c.status is Status.FAIL
    assert "Login Order Kuota" in c.detail_id and "provider login orderkuota" in c.fix


def test_mutasi_orkut_uses_what_the_till_recorded(settings: Settings, db,  # type: ignore[no-untyped-def]
                                                  clock: FakeClock) -> None:
    settings.set("payment.provider", "orkut")
    with db.transaction() as conn:
        conn.execute("INSERT INTO provider_state (provider, state, failures, last_error,"
                     " updated_at) VALUES ('orkut', 'needs_login', 1, ?, ?)",
                     ("orkut: login expired; log in again", to_iso(clock.now)))
    c = check_mutasi(settings, db, clock=clock)
    assert c.status is Status.FAIL
    assert "last statement read failed" in c.detail and "Login lagi" in c.fix_id


# -- database, disk, backup --------------------------------------------------------------------
def test_database_ok_then_damaged(data_dir: Path, db) -> None:  # type: ignore[no-untyped-def]
    ok = check_database(data_dir)
    assert ok.status is Status.OK and "quick_check ok" in ok.detail
    db.backup_to(backup_dir(data_dir) / "pos-daily-20261126-010000.sqlite3")
    copy = data_dir.parent / "copy"
    copy.mkdir()
    db.close()
    shutil.copy(db_path(data_dir), db_path(copy))
    shutil.copytree(backup_dir(data_dir), backup_dir(copy, create=False))
    damage(db_path(copy))
    c = check_database(copy)
    assert c.status is Status.FAIL, c
    assert "damaged" in c.detail and "rusak" in c.detail_id
    assert "pos-app restore" in c.fix and "pos-daily-20261126-010000.sqlite3" in c.fix
    assert check_database(data_dir).status is Status.OK, "the original is untouched"


def test_database_empty_or_missing(data_dir: Path, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert check_database(fresh).status is Status.WARN  # a new data dir
    (fresh / "config.toml").write_text("")
    c = check_database(fresh)  # only `config set` ran: nothing is lost, the till was never opened
    assert c.status is Status.WARN and "only settings" in c.detail, c
    (fresh / "pos.sqlite3-wal").write_bytes(b"x")
    c = check_database(fresh)  # a WAL without its database: sales were kept here
    assert c.status is Status.FAIL and "has been used" in c.detail, c
    (fresh / "pos.sqlite3-wal").unlink()
    backup_dir(fresh).mkdir(parents=True, exist_ok=True)
    backup = backup_at(fresh, datetime(2026, 11, 26, 1, tzinfo=UTC))
    c = check_database(fresh)  # backups but no database: lost; the fix names the newest backup
    assert c.status is Status.FAIL and backup.name in c.fix, c
    db_path(fresh).write_bytes(b"")
    c = check_database(fresh)
    assert c.status is Status.FAIL and "empty" in c.detail


@pytest.mark.parametrize(("free", "status"), [(50 * 1024 ** 3, Status.OK),
                                              (700 * 1024 ** 2, Status.WARN),
                                              (150 * 1024 ** 2, Status.FAIL)])
def test_disk_thresholds(data_dir: Path, free: int, status: Status) -> None:
    c = check_disk(data_dir, disk_usage=lambda _path: SimpleNamespace(free=free))
    assert c.status is status


def backup_at(data_dir: Path, moment: datetime) -> Path:
    path = backup_dir(data_dir) / f"pos-daily-{moment.astimezone(UTC):%Y%m%d-%H%M%S}.sqlite3"
    path.write_bytes(b"SQLite format 3\x00")
    return path


@pytest.mark.parametrize(("age", "status"), [(timedelta(hours=5), Status.OK),
                                             (timedelta(days=2), Status.WARN),
                                             (timedelta(days=4), Status.FAIL)])
def test_backup_age(data_dir: Path, settings: Settings, clock: FakeClock, age: timedelta,
                    status: Status) -> None:
    backup_at(data_dir, clock.now - age)
    c = check_backup(data_dir, settings, now=clock.now)
    assert c.status is status, c


def test_no_backup_and_missing_second_folder(data_dir: Path, settings: Settings,
                                             clock: FakeClock) -> None:
    c = check_backup(data_dir, settings, now=clock.now)
    assert c.status is Status.FAIL and c.detail == "no backup yet" and "pos-app backup" in c.fix
    backup_at(data_dir, clock.now - timedelta(hours=1))
    settings.set("backup.second_folder", str(data_dir / "no-stick-here"))
    c = check_backup(data_dir, settings, now=clock.now)
    assert c.status is Status.WARN and "second folder" in c.detail


# -- devices -----------------------------------------------------------------------------------
def test_soundbox_emulator_answers(settings: Settings, box: VirtualSoundbox) -> None:
    settings.set("hardware.soundbox.port", box.port)
    c = check_soundbox(settings)
    assert c.status is Status.OK, c
    assert "EMU-0001" in c.detail and box.port in c.detail
    again = check_soundbox(settings)  # the probe closed the port after itself
    assert again.status is Status.OK


def test_soundbox_port_that_does_not_exist(settings: Settings, tmp_path: Path) -> None:
    settings.set("hardware.soundbox.port", str(tmp_path / "ttyACM9"))
    c = check_soundbox(settings)
    assert c.status is Status.FAIL and "cannot open" in c.detail
    assert "USB" in c.fix_id


def test_soundbox_off_and_auto(settings: Settings, box: VirtualSoundbox) -> None:
    settings.set("hardware.soundbox.port", "off")
    off = check_soundbox(settings)
    assert off.status is Status.OK and off.detail_id == "Tidak dipakai"
    settings.set("hardware.soundbox.port", "auto")
    vid, pid = settings.get("hardware.soundbox.usb_ids")[0]
    port = SimpleNamespace(device=box.port, vid=vid, pid=pid, description="emulator")
    found = check_soundbox(settings, list_ports=lambda: [port])
    assert found.status is Status.OK and "EMU-0001" in found.detail
    assert check_soundbox(settings, list_ports=list).status is Status.OK  # none: the speaker
    settings.set("hardware.speaker", "off")
    assert check_soundbox(settings, list_ports=list).status is Status.WARN  # nobody speaks


@pytest.mark.parametrize(("paper", "status"), [(FakeNetworkPrinter.PAPER_OK, Status.OK),
                                               (FakeNetworkPrinter.PAPER_LOW, Status.WARN),
                                               (FakeNetworkPrinter.PAPER_OUT, Status.FAIL)])
def test_printer_paper(settings: Settings, printer: FakeNetworkPrinter, paper: int,
                       status: Status) -> None:
    printer.paper = paper
    settings.set("hardware.printer.connection", "network")
    settings.set("hardware.printer.address", printer.address)
    c = check_printer(settings)
    assert c.status is status, c
    assert printer.queries == 1


def test_printer_off_and_switched_off(settings: Settings) -> None:
    assert check_printer(settings).status is Status.OK  # printing is off by default
    dead = FakeNetworkPrinter(on=False)
    try:
        settings.set("hardware.printer.connection", "network")
        settings.set("hardware.printer.address", dead.address)
        c = check_printer(settings)
    finally:
        dead.stop()
    assert c.status is Status.FAIL and "can't be reached" in c.detail


def test_the_windows_own_devices_are_asked_not_opened_again(settings: Settings,
                                                            box: VirtualSoundbox,
                                                            printer: FakeNetworkPrinter) -> None:
    from hardware.printer import PrinterState, printer_from_settings
    from hardware.receipt_escpos import TextDocument
    from hardware.soundbox import SoundboxConfig, SoundboxLink

    settings.set("hardware.soundbox.port", box.port)
    settings.set("hardware.printer.connection", "network")
    settings.set("hardware.printer.address", printer.address)
    printer.paper = FakeNetworkPrinter.PAPER_OUT
    link = SoundboxLink(SoundboxConfig(box.port)).start()
    till_printer = printer_from_settings(settings)
    try:
        assert link.wait_connected(5)
        till_printer.print_text(TextDocument("T-1", ("tes",)))
        wait_for(lambda: till_printer.state is PrinterState.ERROR, "the paper to run out")
        # The till holds the port: opening it a second time is refused ...
        assert check_soundbox(settings).status is Status.WARN
        # ... so the doctor asks the till's link, and the till's printer worker.
        devices = SimpleNamespace(soundbox=link, printer=till_printer)
        sb = check_soundbox(settings, devices=devices)  # type: ignore[arg-type]
        assert sb.status is Status.OK and "EMU-0001" in sb.detail
        queries = printer.queries
        pr = check_printer(settings, devices=devices)  # type: ignore[arg-type]
        assert pr.status is Status.FAIL and pr.detail_id == "Kertas printer habis"
        assert printer.queries == queries, "the printer was not opened under its worker"
    finally:
        link.close()
        till_printer.close(timeout_s=0.5)


# -- running them together ---------------------------------------------------------------------
def test_one_check_raising_or_hanging_never_stops_the_others(data_dir: Path,
                                                            settings: Settings) -> None:
    def broken(_path: Path) -> object:
        raise RuntimeError("disk on fire")

    checks = run_checks(Target(data_dir, settings), disk_usage=broken, list_ports=list)
    assert [c.name for c in checks] == list(CHECK_NAMES)
    disk = checks[1]
    assert disk.status is Status.FAIL and "disk on fire" in disk.detail
    assert {c.name for c in checks if c.status is Status.OK} >= {"clock", "printer"}
    assert checks[3].name == "provider" and checks[3].status is Status.WARN  # demo mode

    def hangs(_path: Path) -> object:
        time.sleep(3)
        return SimpleNamespace(free=10 ** 12)

    started = time.monotonic()
    checks = run_checks(Target(data_dir, settings), disk_usage=hangs, deadline_s=0.5,
                        list_ports=list)
    assert time.monotonic() - started < 1.5
    disk = checks[1]
    assert disk.status is Status.FAIL and disk.detail == "no answer within 0.5 s"
    assert checks[3].status is Status.WARN and "demo" in checks[3].detail  # answered in time


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A gateway that takes the connection and never says a word (the kernel accepts for it)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def test_everything_timing_out_is_bounded(data_dir: Path, settings: Settings,
                                          black_hole: str) -> None:
    use_static_with_orderkuota(settings, SimpleNamespace(base_url=black_hole, username="toko",
                                                         issue_token=lambda: "tok-123456"))
    started = time.monotonic()
    checks = run_checks(Target(data_dir, settings), list_ports=list)
    took = time.monotonic() - started
    assert took < 10, took
    by_name = {c.name: c for c in checks}
    assert by_name["mutasi"].status is Status.FAIL, by_name["mutasi"]
    assert "timed out" in by_name["mutasi"].detail
    assert by_name["clock"].status is Status.WARN
    settings.set("payment.provider", "pakasir")
    settings.set("providers.pakasir.base_url", black_hole)
    settings.set("providers.pakasir.project", DEFAULT_PROJECT)
    settings.set("providers.pakasir.api_key", DEFAULT_API_KEY)
    started = time.monotonic()
    checks = run_checks(Target(data_dir, settings), list_ports=list)
    assert time.monotonic() - started < 10
    provider = next(c for c in checks if c.name == "provider")
    assert provider.status is Status.FAIL and "timed out" in provider.detail


def test_report_text_puts_the_fix_under_what_is_not_ok() -> None:
    checks = [Check("database", Status.OK, "intact", "Nothing to do."),
              Check("backup", Status.FAIL, "no backup yet", "Take one now.")]
    assert report_text(checks).splitlines() == [
        "ok    database  intact",
        "FAIL  backup    no backup yet",
        "                fix: Take one now.",
        "2 checks: 1 ok, 0 warn, 1 fail",
    ]


# -- the command line --------------------------------------------------------------------------
def configure(data_dir: Path, **values: str) -> None:
    for key, value in values.items():
        r = run(data_dir, "config", "set", key.replace("__", "."), value)
        assert r.returncode == 0, r.stderr


def test_cli_all_green_exit_0_and_json(data_dir: Path, pakasir: PakasirFake,
                                       box: VirtualSoundbox,
                                       printer: FakeNetworkPrinter) -> None:
    configure(data_dir, payment__provider="pakasir", providers__pakasir__base_url=pakasir.base_url,
              providers__pakasir__project=DEFAULT_PROJECT,
              providers__pakasir__api_key=DEFAULT_API_KEY,
              hardware__soundbox__port=box.port, hardware__printer__connection="network",
              hardware__printer__address=printer.address)
    assert run(data_dir, "backup").returncode == 0
    r = run(data_dir, "doctor")
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert [line.split()[:2] for line in lines[:-1]] == [["ok", n] for n in CHECK_NAMES]
    assert lines[-1] == "9 checks: 9 ok, 0 warn, 0 fail"
    r = run(data_dir, "doctor", "--json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert list(doc) == ["checks"]
    assert [c["name"] for c in doc["checks"]] == list(CHECK_NAMES)
    for c in doc["checks"]:
        assert set(c) == {"name", "status", "detail", "fix"}
        assert c["status"] == "ok" and c["detail"] and c["fix"]


def test_cli_any_red_exit_1_and_no_secret(data_dir: Path, pakasir: PakasirFake) -> None:
    wrong = "pk_live_NOTtheRIGHTkey98765"
    configure(data_dir, payment__provider="pakasir", providers__pakasir__base_url=pakasir.base_url,
              providers__pakasir__project=DEFAULT_PROJECT, providers__pakasir__api_key=wrong,
              hardware__soundbox__port="off")
    assert run(data_dir, "backup").returncode == 0
    r = run(data_dir, "doctor")
    assert r.returncode == 1, r.stdout + r.stderr
    provider = next(i for i, line in enumerate(r.stdout.splitlines())
                    if line.startswith("FAIL  provider"))
    assert r.stdout.splitlines()[provider + 1].strip().startswith("fix: ")
    r = run(data_dir, "doctor", "--json")
    assert r.returncode == 1
    statuses = {c["name"]: c["status"] for c in json.loads(r.stdout)["checks"]}
    assert statuses["provider"] == "fail" and statuses["database"] == "ok"
    for text in (r.stdout, r.stderr, *(p.read_text() for p in (data_dir / "logs").glob("*"))):
        assert wrong not in text


def test_cli_damaged_database_is_reported_not_fatal(data_dir: Path) -> None:
    assert run(data_dir, "backup").returncode == 0
    damage(db_path(data_dir))
    r = run(data_dir, "doctor", "--json")
    assert r.returncode == 1, r.stderr
    checks = {c["name"]: c for c in json.loads(r.stdout)["checks"]}
    assert len(checks) == len(CHECK_NAMES) == 9
    assert checks["database"]["status"] == "fail" and "damaged" in checks["database"]["detail"]
    assert "pos-app restore" in checks["database"]["fix"]
    assert checks["backup"]["status"] == "ok" and checks["provider"]["status"] == "warn"


# --------------------------------------------------------------------------- central (issue 14)


def test_central_not_enrolled_is_ok(settings: Settings, db) -> None:  # type: ignore[no-untyped-def]
    c = check_central(settings, db, now=datetime(2026, 12, 6, 5, tzinfo=UTC))
    assert c.status is Status.OK and "not used" in c.detail and "satu toko" in c.detail_id


@pytest.mark.parametrize(("lag", "status"), [(timedelta(0), Status.OK),
                                             (timedelta(minutes=3), Status.OK),
                                             (timedelta(hours=2), Status.WARN),
                                             (timedelta(days=2), Status.FAIL)])
def test_central_lag(settings: Settings, db, lag: timedelta,  # type: ignore[no-untyped-def]
                     status: Status) -> None:
    from sync.central import mark_enrolled

    now = datetime(2026, 12, 6, 5, tzinfo=UTC)
    for key, value in (("central.url", "postgresql://db.example.com/pos?sslmode=require"),
                       ("central.user", "pos_till_toko_bandung_k1_abc123"),
                       ("central.outlet", "toko-bandung"), ("central.password", "s3cret-x")):
        settings.set(key, value)
    mark_enrolled(db, "toko-bandung", "K1", now=now - timedelta(days=3))
    with db.transaction() as conn:
        conn.execute("UPDATE central_state SET last_upload_at = ?, last_error = ?",
                     (to_iso(now - timedelta(days=3)), "connection refused"))
        conn.execute("DELETE FROM central_changes")
        if lag:  # the oldest change not uploaded yet is the lag
            conn.execute("INSERT INTO central_changes (tbl, key, at) VALUES ('orders', 'x', ?)",
                         (to_iso(now - lag),))
    c = check_central(settings, db, now=now)
    assert c.status is status, c
    assert "outlet toko-bandung, till K1: last upload 03/12" in c.detail, c
    if lag:
        assert "1 changes waiting" in c.detail and "connection refused" in c.detail
    else:
        assert "nothing waiting" in c.detail


def test_central_settings_without_an_enrolled_database_fail(settings: Settings,  # type: ignore[no-untyped-def]
                                                           db) -> None:
    from sync.central import mark_enrolled

    now = datetime(2026, 12, 6, 5, tzinfo=UTC)
    # a backup from before the enrolment restored: the settings still name the outlet
    settings.set("central.url", "postgresql://db.example.com/pos?sslmode=require")
    settings.set("central.user", "pos_till_toko_bandung_k1_abc123")
    settings.set("central.outlet", "toko-bandung")
    c = check_central(settings, db, now=now)
    assert c.status is Status.FAIL and "not enrolled" in c.detail and "enroll" in c.fix, c
    # enrolled, but the password did not come along to this PC (the keyring stays behind)
    mark_enrolled(db, "toko-bandung", "K1", now=now)
    c = check_central(settings, db, now=now)
    assert c.status is Status.FAIL and "password is not on this PC" in c.detail, c
    settings.set("central.password", "s3cret-s3cret")
    assert check_central(settings, db, now=now).status is Status.OK


def test_central_on_the_owners_pc_is_not_a_till(settings: Settings, db) -> None:  # type: ignore[no-untyped-def]
    # The owner's PC reads the chain's reports: central.url and the owner's login, never
    # enrolled. That's not a till whose enrolment went missing.
    settings.set("central.url", "postgresql://db.example.com/pos?sslmode=require")
    settings.set("central.user", "pemilik")
    c = check_central(settings, db, now=datetime(2026, 12, 6, 5, tzinfo=UTC))
    assert c.status is Status.OK and "not used" in c.detail, c
