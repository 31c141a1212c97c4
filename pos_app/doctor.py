"""``pos-app doctor`` and the *Pemeriksaan* screen: the health of everything the shop depends on.

Nine checks, each one :class:`Check` with a stable lowercase name, a :class:`Status` and one
sentence saying what to do (``fix``). The rules, and why:

* ``database``: ``PRAGMA quick_check`` of ``pos.sqlite3`` on a read-only connection of its own
  (the doctor never writes, and never waits for the till's writer), and the schema version
  against this version's newest. Damaged, empty, missing after use, or made by a newer pos-app:
  fail; older (upgraded when the till next opens): warn.
* ``disk``: free space on the disk of the data dir. Below 1 GB warn, below 200 MB fail: SQLite
  needs room for its WAL and the daily backup copies the whole file.
* ``backup``: the age of the newest backup in ``backups/``. Older than 1 day warn, older than 3
  days (or none at all) fail: the till makes one every day it is opened, so an old one means
  backups stopped. A second folder (``backup.second_folder``) that is not there is a warning.
* ``provider``: ``payment.provider``'s settings are complete and its credentials are accepted,
  by the adapter's own cheap authenticated call (``test_connection``: Order Kuota's user details,
  Orkut's statement, Midtrans' and Pakasir's status of an order that can't exist, the soundbox
  platform's device config). The simulator (demo) and the shop's static QRIS make their QR on
  this till: ok, with a note.
* ``mutasi``: only when payments are confirmed by an account statement (``static`` with
  ``payment.mutasi_source``, or ``orkut``). For ``static`` the statement is read now (one
  request: the same credentials, the same 5 s per-account limit the till keeps -- run while a
  QRIS sale is open, it may make the till's next read wait for the back-end's 429); for ``orkut``
  that read *is* the provider check's call, so a second one within 5 s would be refused, and
  the doctor reads what the till recorded instead (``provider_state``). A read that fails, or a
  source the till last found failing, is a fail. Then the newest incoming credit (the
  ``credits`` table, and the live read): none within 30 minutes during the day (07:00-21:00
  store time) is a warning -- a quiet shop, or a statement that stopped updating; at night it is
  only a note.
* ``clock``: this PC's clock against the gateway's HTTP ``Date`` header (one unauthenticated HEAD
  of its base URL; the header has whole seconds, so the round trip and half a second are
  allowed for). Off by more than 30 s warn, more than 2 minutes fail: a wrong clock makes QRIS
  expire early or late, and puts credits outside the matcher's window. No gateway in use
  (simulator, static without a statement): ok, not checked; gateway not reachable: warn (the
  ``provider`` check says why).
* ``soundbox``: ``off`` is ok ("tidak dipakai"). A fixed port must answer ``hello``; ``auto``
  asks the serial ports with a soundbox USB id (``hardware.discovery``), and finding none is ok
  while the PC speaker speaks (warn when it is off too: nobody announces payments). In the
  window the till's own link holds the port, so the doctor asks that link instead
  (``devices``); a port another program holds is a warning.
* ``printer``: off is ok. Else the device is opened and its paper sensor read (2 ok, 1 low:
  warn, 0 out: fail; no answer: ok, it still prints). In the window, a printer that is busy or
  already in error is reported from its worker's state instead of being opened under it.
* ``central``: only for a till enrolled in an outlet (``pos-app central enroll``): the last
  successful upload and the replication lag (the age of the oldest change not yet uploaded,
  from the till's own change log: no network). Up to 5 minutes ok, up to a day warn, more fail
  -- selling offline is normal, but a day behind leaves the owner's report short.

Running: every check runs on a daemon thread of its own, at the same time, so that one slow or
hanging check never delays another and one that raises becomes a fail of its own. Network
calls use ``http_timeout_s`` (3 s); whatever has not answered by ``deadline_s`` (8 s) is a
fail "no answer" -- so a doctor run takes at most about 8 s, however dead the network is, and a
thread left behind can't keep ``pos-app doctor`` from exiting. The wall clock (``clock``), the
disk's free space and the serial port lister are injected, for the tests.

Language (decided here): ``detail`` and ``fix`` are English -- the CLI, ``--json`` (SPEC.md
section 3: ``{"name", "status", "detail", "fix"}``), the log and the report the owner copies
for the shop's maintainer, like every other message of the CLI and the log; ``detail_id`` and
``fix_id`` are the same in Indonesian, for the screen (which shows English ones when the UI is
in English). Every check has a ``fix``; an ok check's is "Nothing to do." or a note on how to
start using the thing. Secrets never reach any of them: every text is redacted (the adapters'
messages already are) before it leaves this module.

Qt-free: the window runs :func:`run_checks` on a worker thread.
"""

from __future__ import annotations

import inspect
import logging
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time as clock_time, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pos_app.clock import Clock, from_iso, utcnow
from pos_app.paths import config_path, db_path
from pos_app.provider_messages import provider_name, setting_label
from pos_app.secrets import redact, registered_secrets
from sync.errors import ConfigMissing, Problem, ProviderError, problem_of
from sync.providers import PROVIDERS
from sync.providers.info import Confirmation, LoginKind, Text, load

if TYPE_CHECKING:
    from hardware.devices import Devices
    from hardware.discovery import PortLister
    from pos_app.settings import Settings
    from pos_app.storage.database import Database

__all__ = [
    "CHECK_NAMES",
    "Check",
    "Shop",
    "Status",
    "Target",
    "report_text",
    "run_checks",
    "summary",
    "to_json",
]

log = logging.getLogger(__name__)

CHECK_NAMES = ("database", "disk", "backup", "provider", "mutasi", "clock", "soundbox",
               "printer", "central")
"""Every check, in the order they are shown."""

# -- thresholds (module docstring) -------------------------------------------------------------
GB = 1024 ** 3
MB = 1024 ** 2
DISK_WARN_BYTES = 1 * GB
DISK_FAIL_BYTES = 200 * MB
BACKUP_WARN_AGE = timedelta(days=1)
BACKUP_FAIL_AGE = timedelta(days=3)
MUTASI_STALE = timedelta(minutes=30)
#: central upload lag: within 5 minutes is normal batching and a short outage; a day behind
#: leaves the owner's cross-outlet report without this till's day
CENTRAL_LAG_OK, CENTRAL_LAG_FAIL = timedelta(minutes=5), timedelta(hours=24)
DAY_START, DAY_END = clock_time(7, 0), clock_time(21, 0)  # store time: when a shop sells
CLOCK_WARN_S = 30.0
CLOCK_FAIL_S = 120.0
HTTP_TIMEOUT_S = 3.0
DEADLINE_S = 8.0

_NOTHING = Text("Tidak perlu apa-apa.", "Nothing to do.")
_MAINTAINER = Text("Salin laporan ini dan kirim ke teknisi toko (rinciannya ada di log).",
                   "Send this report to the shop's maintainer (details in the log).")


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Check:
    """One check's outcome: English ``detail``/``fix`` (CLI, JSON, log), Indonesian
    ``detail_id``/``fix_id`` (the screen)."""

    name: str
    status: Status
    detail: str
    fix: str
    detail_id: str = ""
    fix_id: str = ""

    def to_json(self) -> dict[str, str]:
        """The SPEC's object: ``name``, ``status``, ``detail``, ``fix``."""
        return {"name": self.name, "status": self.status.value, "detail": self.detail,
                "fix": self.fix}


def _check(name: str, status: Status, detail: Text, fix: Text = _NOTHING) -> Check:
    """A Check from Indonesian/English pairs, every text redacted (a last guard: the adapters'
    messages are redacted already)."""
    secrets = registered_secrets()
    return Check(name, status, redact(detail.en, secrets), redact(fix.en, secrets),
                 redact(detail.id, secrets), redact(fix.id, secrets))


class Shop(Protocol):
    """What the checks read: an ``AppContext`` is one, and so is :class:`Target`."""

    @property
    def data_dir(self) -> Path: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database | None: ...


@dataclass(frozen=True)
class Target:
    """The shop to check: its data dir, settings and (when it could be opened) database. The
    window passes its own Database: the doctor only reads through it."""

    data_dir: Path
    settings: Settings
    db: Database | None = None


# -- running ------------------------------------------------------------------------------------
def run_checks(
    shop: Shop,
    *,
    clock: Clock = utcnow,
    http_timeout_s: float = HTTP_TIMEOUT_S,
    deadline_s: float = DEADLINE_S,
    devices: Devices | None = None,
    only: Collection[str] | None = None,
    disk_usage: Callable[[Path], Any] = shutil.disk_usage,
    list_ports: PortLister | None = None,
) -> list[Check]:
    """Every check (or those named in ``only``), in :data:`CHECK_NAMES` order, each on its own
    thread; returns after ``deadline_s`` at the latest. ``devices``: the running till's
    (the window's), asked instead of opening the ports they hold."""
    settings = shop.settings
    jobs: dict[str, Callable[[], Check]] = {
        "database": lambda: check_database(shop.data_dir),
        "disk": lambda: check_disk(shop.data_dir, disk_usage=disk_usage),
        "backup": lambda: check_backup(shop.data_dir, settings, now=clock()),
        "provider": lambda: check_provider(settings, clock=clock, timeout_s=http_timeout_s),
        "mutasi": lambda: check_mutasi(settings, shop.db, clock=clock,
                                       timeout_s=http_timeout_s),
        "clock": lambda: check_clock(settings, clock=clock, timeout_s=http_timeout_s),
        "soundbox": lambda: check_soundbox(settings, devices=devices, list_ports=list_ports),
        "printer": lambda: check_printer(settings, devices=devices, timeout_s=http_timeout_s),
        "central": lambda: check_central(settings, shop.db, now=clock()),
    }
    started: list[tuple[str, threading.Thread, list[Check]]] = []
    for name, job in jobs.items():
        if only is not None and name not in only:
            continue
        box: list[Check] = []
        thread = threading.Thread(target=_run_one, args=(name, job, box), name=f"doctor-{name}",
                                  daemon=True)  # a hung check must not keep the CLI alive
        thread.start()
        started.append((name, thread, box))
    end = time.monotonic() + deadline_s
    checks: list[Check] = []
    for name, thread, box in started:
        thread.join(max(0.0, end - time.monotonic()))
        checks.append(box[0] if box else _timed_out(name, deadline_s))
    for c in checks:
        level = logging.INFO if c.status is Status.OK else logging.WARNING
        log.log(level, "doctor: %s %s: %s", c.status.value, c.name, c.detail)
    return checks


def _run_one(name: str, job: Callable[[], Check], box: list[Check]) -> None:
    try:
        box.append(job())
    except ValueError as exc:  # SettingsError, or a value an adapter refused: the settings
        box.append(_check(name, Status.FAIL,
                          Text(f"Pengaturan tidak bisa dipakai: {exc}",
                               f"a setting can't be used: {exc}"),
                          Text("Perbaiki nilainya di Pengaturan, atau dengan `pos-app config set "
                               "KUNCI NILAI`.",
                               "Correct the value in Settings, or with `pos-app config set KEY "
                               "VALUE`.")))
    except Exception as exc:  # a bug in a check: a fail of its own, never the others'
        log.exception("doctor: the %s check raised", name)
        text = f"{type(exc).__name__}: {exc}"
        box.append(_check(name, Status.FAIL,
                          Text(f"Pemeriksaan ini gagal: {text}", f"the check failed: {text}"),
                          _MAINTAINER))


def _timed_out(name: str, deadline_s: float) -> Check:
    return _check(name, Status.FAIL,
                  Text(f"Tidak ada jawaban dalam {deadline_s:g} detik",
                       f"no answer within {deadline_s:g} s"),
                  Text("Periksa lagi sebentar lagi; bila tetap begini, kirim laporan ini ke "
                       "teknisi toko.",
                       "Run the check again in a moment; if it stays like this, send this "
                       "report to the shop's maintainer."))


# -- formatting --------------------------------------------------------------------------------
_WORD = {Status.OK: "ok", Status.WARN: "WARN", Status.FAIL: "FAIL"}


def summary(checks: Collection[Check]) -> str:
    """``8 checks: 6 ok, 1 warn, 1 fail``."""
    count = {s: sum(1 for c in checks if c.status is s) for s in Status}
    return (f"{len(checks)} checks: {count[Status.OK]} ok, {count[Status.WARN]} warn, "
            f"{count[Status.FAIL]} fail")


def report_text(checks: Collection[Check]) -> str:
    """The CLI's table: one line per check (status, name, detail), the fix indented under a
    check that is not ok, and the counts last."""
    width = max((len(c.name) for c in checks), default=8)
    lines = []
    for c in checks:
        lines.append(f"{_WORD[c.status]:<4}  {c.name:<{width}}  {c.detail}")
        if c.status is not Status.OK:
            lines.append(f"{'':<4}  {'':<{width}}  fix: {c.fix}")
    lines.append(summary(checks))
    return "\n".join(lines)


def to_json(checks: Collection[Check]) -> dict[str, list[dict[str, str]]]:
    """SPEC.md section 3: ``{"checks": [{"name", "status", "detail", "fix"}]}``."""
    return {"checks": [c.to_json() for c in checks]}


def _age(delta: timedelta) -> Text:
    """``2 hari 3 jam`` / ``2 d 3 h``: the two largest units (seconds only under 10 min)."""
    s = max(0, int(delta.total_seconds()))
    days, hours, minutes = s // 86400, s % 86400 // 3600, s % 3600 // 60
    if days:
        return Text(f"{days} hari {hours} jam", f"{days} d {hours} h")
    if hours:
        return Text(f"{hours} jam {minutes} menit", f"{hours} h {minutes} min")
    if minutes >= 10 or (minutes and not s % 60):
        return Text(f"{minutes} menit", f"{minutes} min")
    if minutes:
        return Text(f"{minutes} menit {s % 60} detik", f"{minutes} min {s % 60} s")
    return Text(f"{s} detik", f"{s} s")


def _size(n: int) -> Text:
    """``12.3 GB`` / ``12,3 GB`` (the Indonesian decimal comma)."""
    value, unit = (n / GB, "GB") if n >= GB else (n / MB, "MB") if n >= MB else (n / 1024, "KB")
    text = f"{value:.1f}"
    return Text(f"{text.replace('.', ',')} {unit}", f"{text} {unit}")


def _local(moment: datetime, tz: ZoneInfo, now: datetime) -> str:
    """``10:42 WIB``, or ``26/11 10:42 WIB`` on another day than ``now``'s."""
    here = moment.astimezone(tz)
    same_day = here.date() == now.astimezone(tz).date()
    stamp = f"{here:%H:%M}" if same_day else f"{here:%d/%m %H:%M}"
    return f"{stamp} {here.tzname()}"


# -- database, disk, backup --------------------------------------------------------------------
def check_database(data_dir: Path) -> Check:
    from pos_app.backups import list_backups
    from pos_app.storage.migrations import MIGRATIONS

    name = "database"
    path = db_path(data_dir)
    backups = list_backups(data_dir)
    restore = _restore_fix(backups[0].path if backups else None)
    if not path.exists():
        # Backups or a left-over WAL prove that sales were kept here; settings alone
        # (`pos-app config set`, `setup --dry-run`) only mean the till was never opened.
        wal = path.with_name(path.name + "-wal")
        if backups or wal.exists():
            return _check(name, Status.FAIL,
                          Text(f"{path.name} tidak ada, padahal toko ini sudah dipakai",
                               f"{path} is missing in a data dir that has been used"), restore)
        fresh = (Text("Database belum dibuat: baru ada pengaturan",
                      "no database yet: only settings so far")
                 if config_path(data_dir).exists() else
                 Text("Belum ada database: folder data baru", "no database yet: a new data dir"))
        return _check(name, Status.WARN, fresh,
                      Text("Buka kasir sekali (pos-app); database dibuat otomatis.",
                           "Open the till once (pos-app): it creates the database."))
    size = path.stat().st_size
    if size == 0:
        return _check(name, Status.FAIL,
                      Text(f"{path.name} kosong (0 byte)", f"{path} is empty (0 bytes)"),
                      restore)
    latest = MIGRATIONS[-1].version
    try:
        problems, version = _quick_check(path)
    except sqlite3.Error as exc:
        problems, version = [str(exc)], None
    if problems:
        problem = "; ".join(problems)[:200]
        return _check(name, Status.FAIL,
                      Text(f"Database rusak ({problem})", f"{path} is damaged ({problem})"),
                      restore)
    shown = _size(size)
    if version is not None and version > latest:
        return _check(name, Status.FAIL,
                      Text(f"Database dibuat oleh pos-app yang lebih baru (skema {version}, "
                           f"versi ini {latest})",
                           f"made by a newer pos-app (schema {version}; this version knows "
                           f"{latest})"),
                      Text("Pasang lagi pos-app versi terbaru di komputer ini.",
                           "Install the newer pos-app again on this PC."))
    if version is not None and version < latest:
        return _check(name, Status.WARN,
                      Text(f"Database utuh, skema {version} (versi ini {latest}): diperbarui "
                           "saat kasir dibuka",
                           f"intact, schema {version} (this version: {latest}); upgraded when "
                           "the till next opens"),
                      Text("Buka kasir: database diperbarui otomatis (setelah dicadangkan).",
                           "Open the till: it upgrades the database (after a backup)."))
    return _check(name, Status.OK,
                  Text(f"Database utuh (sudah diperiksa), skema {version}, {shown.id}",
                       f"{path.name} intact (quick_check ok), schema {version}, {shown.en}"))


def _quick_check(path: Path) -> tuple[list[str], int]:
    """``PRAGMA quick_check`` and the schema version, on a read-only connection of its own.
    In a read-only folder without a WAL nothing can be writing: opened immutable (SQLite could
    not make its ``-shm`` there)."""
    import os

    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not os.access(path.parent, os.W_OK) and not Path(f"{path}-wal").exists():
        uri += "&immutable=1"
    conn = sqlite3.connect(uri, uri=True, timeout=5.0)
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA quick_check(5)")]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()
    return ([] if rows == ["ok"] else rows), version


def _restore_fix(newest: Path | None) -> Text:
    if newest is None:
        return Text("Tutup kasir dan hubungi teknisi toko: tidak ada cadangan untuk dipulihkan.",
                    "Close the till and call the shop's maintainer: there is no backup to "
                    "restore.")
    return Text(f"Tutup kasir, lalu pulihkan cadangan terbaru: Pengaturan → Cadangan → "
                f"Pulihkan…, atau `pos-app restore {newest}`.",
                f"Close the till and restore the newest backup: `pos-app restore {newest}` "
                "(or Settings → Cadangan → Pulihkan…).")


def check_disk(data_dir: Path, *, disk_usage: Callable[[Path], Any] = shutil.disk_usage) -> Check:
    free = int(disk_usage(data_dir).free)
    shown = _size(free)
    fix = Text("Kosongkan ruang disk: hapus atau pindahkan file yang tidak perlu (unduhan, "
               "video) ke flashdisk.",
               "Free some disk space: delete or move files nobody needs (downloads, videos).")
    if free < DISK_FAIL_BYTES:
        return _check("disk", Status.FAIL,
                      Text(f"Ruang disk hampir habis: tinggal {shown.id}",
                           f"only {shown.en} free on the disk of {data_dir}"), fix)
    if free < DISK_WARN_BYTES:
        return _check("disk", Status.WARN,
                      Text(f"Ruang disk tinggal {shown.id}",
                           f"{shown.en} free on the disk of {data_dir} (under 1 GB)"), fix)
    return _check("disk", Status.OK,
                  Text(f"Sisa ruang disk {shown.id}", f"{shown.en} free on the disk of "
                       f"{data_dir}"))


def check_backup(data_dir: Path, settings: Settings, *, now: datetime) -> Check:
    from pos_app.backups import list_backups

    name = "backup"
    backups = list_backups(data_dir)
    take = Text("Buat sekarang: Pengaturan → Cadangan → Cadangkan sekarang. Kasir membuat "
                "cadangan otomatis setiap hari dan saat tutup kasir.",
                "Take one now: `pos-app backup` (or Settings → Cadangan → Cadangkan sekarang). "
                "The till makes one every day it is opened and at every shift close.")
    if not backups:
        return _check(name, Status.FAIL, Text("Belum ada cadangan data", "no backup yet"), take)
    newest = backups[0]
    age = _age(now - newest.taken_at)
    what = Text(f"Cadangan terbaru {age.id} lalu; {len(backups)} cadangan disimpan",
                f"newest backup {age.en} old ({newest.path.name}); {len(backups)} kept")
    if now - newest.taken_at > BACKUP_FAIL_AGE:
        return _check(name, Status.FAIL, what, take)
    if now - newest.taken_at > BACKUP_WARN_AGE:
        return _check(name, Status.WARN, what, take)
    second = str(settings.get("backup.second_folder") or "").strip()
    if second and not Path(second).is_dir():
        return _check(name, Status.WARN,
                      Text(f"{what.id}; folder kedua {second} tidak ada",
                           f"{what.en}; the second folder {second} is not there"),
                      Text("Colokkan flashdisk cadangan, atau ubah Folder kedua di Pengaturan → "
                           "Cadangan.",
                           "Plug the backup USB stick in, or change backup.second_folder."))
    return _check(name, Status.OK, what)


# -- providers ---------------------------------------------------------------------------------
def _build(reference: str, config: Mapping[str, Any], clock: Clock, timeout_s: float) -> Any:
    """An adapter (``"module:Class"``) from its config, as ``sync.providers`` builds them, but
    with the doctor's short HTTP timeout: each gets the keyword arguments its constructor
    takes (the simulator and the static QRIS take no timeout; a statement reader no clock)."""
    cls = load(reference)
    kwargs: dict[str, Any] = {"clock": clock, "timeout": timeout_s}
    params = inspect.signature(cls).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        kwargs = {k: v for k, v in kwargs.items() if k in params}
    return getattr(cls, "from_config", cls)(config, **kwargs)


def _labels(keys: Collection[str]) -> Text:
    labels = list(dict.fromkeys(setting_label(k) for k in keys))
    return Text(", ".join(t.id for t in labels), ", ".join(t.en for t in labels))


class _Verdict(NamedTuple):
    status: Status
    detail: Text
    fix: Text


def _problem(exc: BaseException, provider: str) -> Problem:
    if isinstance(exc, ValueError) and not isinstance(exc, ProviderError):
        return Problem.SETTINGS_INVALID  # a SettingsError, or a value the adapter refused
    problem = problem_of(exc)
    info = PROVIDERS.get(provider)
    if problem is Problem.LOGIN_EXPIRED and (info is None or info.login is LoginKind.NONE):
        return Problem.KEY_REFUSED  # nothing to log in to: the typed-in key is wrong
    return problem


def _failure(exc: BaseException, provider: str, *, what: Text) -> _Verdict:
    """A provider error as the doctor's verdict: what happened (``what``: "the gateway" or
    "the statement") and what to do, by the problem behind it."""
    p = provider_name(provider)
    info = PROVIDERS.get(provider)
    message = " ".join(str(exc).split()) or type(exc).__name__
    problem = _problem(exc, provider)
    settings_fix = Text(f"Periksa pengaturan {p.id} di Pengaturan → Pembayaran.",
                        f"Check the {p.en} settings (Settings → Pembayaran).")
    if problem is Problem.SETTINGS_MISSING:
        keys = tuple(exc.keys) if isinstance(exc, ConfigMissing) else ()
        labels = _labels(keys)
        return _Verdict(Status.FAIL,
                        Text(f"Pengaturan {p.id} belum lengkap: {labels.id}", message),
                        Text(f"Isi {labels.id} di Pengaturan → Pembayaran.",
                             f"Fill in {', '.join(keys) or 'the missing settings'} "
                             "(Settings → Pembayaran, or `pos-app config set KEY VALUE`)."))
    if problem is Problem.SETTINGS_INVALID:
        return _Verdict(Status.FAIL, Text(f"Pengaturan {p.id} belum benar", message),
                        settings_fix)
    if problem is Problem.KEY_REFUSED:
        return _Verdict(Status.FAIL, Text(f"Kunci API {p.id} ditolak", message),
                        Text(f"Salin lagi kunci API (dan proyek/kode aplikasi) dari dasbor "
                             f"{p.id} ke Pengaturan → Pembayaran.",
                             f"Copy the API key (and project / app code) from the {p.en} "
                             "dashboard into Settings → Pembayaran again."))
    if problem is Problem.LOGIN_EXPIRED:
        if info is not None and info.login is LoginKind.ACTIVATION:
            return _Verdict(Status.FAIL,
                            Text(f"Aktivasi kasir ini di {p.id} tidak berlaku lagi", message),
                            Text("Aktivasi lagi: Pengaturan → Pembayaran → Aktivasi….",
                                 "Activate this till again: Settings → Pembayaran → "
                                 "Aktivasi…."))
        return _Verdict(Status.FAIL, Text(f"Login {p.id} ditolak atau kedaluwarsa", message),
                        Text(f"Login lagi: Pengaturan → Pembayaran → Login… (atau `pos-app "
                             f"provider login {provider}`).",
                             f"Log in again: `pos-app provider login {provider}` (or Settings "
                             "→ Pembayaran → Login…)."))
    if problem is Problem.NETWORK:
        return _Verdict(Status.FAIL,
                        Text(f"{what.id} {p.id} tidak bisa dihubungi", message),
                        Text(f"Periksa internet komputer ini (buka sebuah situs web). Bila "
                             f"internet jalan, periksa alamat server {p.id} di Pengaturan; "
                             "atau servernya sedang mati: terima tunai dulu.",
                             f"Check this PC's internet (open a website). If it works, check "
                             f"the {p.en} server address in Settings; or the server is down: "
                             "take cash for now."))
    if problem is Problem.GATEWAY:
        busy = getattr(exc, "retry_after_s", None) is not None  # 429: it is there, just busy
        return _Verdict(Status.WARN if busy else Status.FAIL,
                        Text(f"{what.id} {p.id} sedang gangguan", message),
                        Text("Periksa lagi beberapa menit lagi; sementara itu terima tunai atau "
                             "QRIS toko.",
                             "Check again in a few minutes; meanwhile take cash or the shop's "
                             "static QRIS."))
    if problem is Problem.REFUSED:
        return _Verdict(Status.FAIL, Text(f"{what.id} {p.id} menolak pemeriksaan", message),
                        Text(f"Periksa alamat server dan nama pengguna {p.id} di Pengaturan → "
                             "Pembayaran.",
                             f"Check the {p.en} server address and user name (Settings → "
                             "Pembayaran)."))
    return _Verdict(Status.FAIL, Text(f"Pemeriksaan {p.id} gagal", message), _MAINTAINER)


def check_provider(settings: Settings, *, clock: Clock = utcnow,
                   timeout_s: float = HTTP_TIMEOUT_S) -> Check:
    name = "provider"
    provider = str(settings.get("payment.provider"))
    info = PROVIDERS[provider]  # the settings registry accepts known names only
    p = provider_name(provider)
    missing = settings.missing_for_provider(provider)
    if missing:
        v = _failure(ConfigMissing(provider, missing), provider, what=Text("", ""))
        return _check(name, v.status, v.detail, v.fix)
    try:
        adapter = _build(info.adapter, settings.provider_config(provider), clock, timeout_s)
    except (ProviderError, ValueError) as exc:
        v = _failure(exc, provider, what=Text("", ""))
        return _check(name, v.status, v.detail, v.fix)
    try:
        if adapter.local_create:
            return _local_provider(provider, adapter, settings)
        said = str(adapter.test_connection())
    except ProviderError as exc:
        v = _failure(exc, provider, what=Text("Gateway", "gateway"))
        return _check(name, v.status, v.detail, v.fix)
    finally:
        adapter.close()
    return _check(name, Status.OK,
                  Text(f"{p.id}: terhubung, kunci/login diterima", said))


def _local_provider(provider: str, adapter: Any, settings: Settings) -> Check:
    """The simulator and the shop's static QRIS: nothing to call, the QR is made here."""
    if provider == "simulator":
        # Amber: a till in demo mode "pays" every QRIS through the simulator; fine on a
        # salesperson's laptop, never at a shop's counter.
        return _check("provider", Status.WARN,
                      Text("Mode demo: QRIS lewat simulator (tanpa uang sungguhan, tanpa "
                           "jaringan)",
                           "demo mode: QRIS through the simulator (no real money, no network)"),
                      Text("Untuk menerima pembayaran sungguhan, pilih cara pembayaran QRIS "
                           "toko di Pengaturan → Pembayaran.",
                           "To take real payments, choose the shop's QRIS payment method "
                           "(Settings → Pembayaran, or payment.provider)."))
    merchant = str(getattr(getattr(adapter, "merchant", None), "name", "") or "?")
    source = str(settings.get("payment.mutasi_source") or "")
    if source:
        s = provider_name(source)
        how = Text(f"dikonfirmasi lewat mutasi {s.id}", f"confirmed by the {s.en} statement")
    else:
        how = Text("dikonfirmasi kasir dengan melihat aplikasi bank/dompet toko",
                   "confirmed by the cashier, who looks at the shop's bank or wallet app")
    return _check("provider", Status.OK,
                  Text(f"QRIS statis toko ({merchant}): dibuat di kasir ini, jalan tanpa "
                       f"internet; {how.id}",
                       f"the shop's static QRIS ({merchant}): made on this till, works "
                       f"offline; {how.en}"))


# -- mutasi ------------------------------------------------------------------------------------
def _mutasi_source(settings: Settings) -> tuple[str | None, bool]:
    """The statement that confirms payments, and whether the doctor reads it itself (False for
    orkut, whose statement read is the provider check's own call)."""
    provider = str(settings.get("payment.provider"))
    info = PROVIDERS[provider]
    if info.takes_mutasi_source:
        source = str(settings.get("payment.mutasi_source") or "")
        return (source or None), True
    if info.confirmation is Confirmation.MUTASI:
        return provider, False
    return None, False


def _daytime(now: datetime, tz: ZoneInfo) -> bool:
    return DAY_START <= now.astimezone(tz).time() < DAY_END


def check_mutasi(settings: Settings, db: Database | None, *, clock: Clock = utcnow,
                 timeout_s: float = HTTP_TIMEOUT_S) -> Check:
    name = "mutasi"
    source, live = _mutasi_source(settings)
    if source is None:
        provider = str(settings.get("payment.provider"))
        how = (Text("kasir mengonfirmasi QRIS statis sendiri", "the cashier confirms static "
                    "QRIS payments by hand") if provider == "static"
               else Text(f"{provider_name(provider).id} mengabarkan pembayaran sendiri",
                         f"{provider} reports payments itself"))
        return _check(name, Status.OK, Text(f"Tidak dipakai: {how.id}", f"not used: {how.en}"))
    s = provider_name(source)
    tz = settings.timezone()
    now = clock()
    newest: datetime | None = None
    note = Text("", "")
    if live:
        reader = PROVIDERS[source].credit_source
        assert reader is not None  # payment.mutasi_source accepts statement sources only
        missing = settings.missing_for_provider(source)
        try:
            if missing:
                raise ConfigMissing(source, missing)
            statement = _build(reader, settings.provider_config(source), clock, timeout_s)
            try:
                credits = statement.fetch_credits(now - MUTASI_STALE)
            finally:
                statement.close()
        except (ProviderError, ValueError) as exc:
            v = _failure(exc, source, what=Text("Mutasi", "statement"))
            return _check(name, v.status, v.detail, v.fix)
        newest = max((c.credited_at for c in credits), default=None)
        note = Text("terbaca", "read ok")
    elif db is not None:
        row = db.query_one("SELECT state, last_error, updated_at FROM provider_state"
                           " WHERE provider = ?", (source,))
        if row is not None and row["state"] != "ok":
            since = _local(from_iso(row["updated_at"]), tz, now)
            error = row["last_error"] or row["state"]
            v = _failure(_as_error(error, row["state"], source), source,
                         what=Text("Mutasi", "statement"))
            status = Status.WARN if row["state"] == "degraded" else Status.FAIL
            return _check(name, status,
                          Text(f"Pembacaan mutasi terakhir gagal (sejak {since}): {v.detail.id}",
                               f"the till's last statement read failed ({row['state']} since "
                               f"{since}): {error}"), v.fix)
        note = Text("(menurut pembacaan kasir)", "(as the till last read it)")
    if db is not None:
        stamp = db.scalar("SELECT max(credited_at) FROM credits WHERE source = ?", (source,))
        if stamp:
            recorded = from_iso(str(stamp))
            newest = recorded if newest is None else max(newest, recorded)
    head = Text(f"Mutasi {s.id} {note.id}".strip(), f"{source} statement {note.en}".strip())
    if newest is None:
        what = Text(f"{head.id}; belum pernah ada uang masuk tercatat",
                    f"{head.en}; no incoming credit seen yet")
        fix = Text("Coba satu pembayaran QRIS kecil (mis. Rp 1.000) dan lihat apakah "
                   "terkonfirmasi.",
                   "Make one small QRIS test payment (e.g. Rp 1.000) and see that it is "
                   "confirmed.")
    else:
        at, ago = _local(newest, tz, now), _age(now - newest)
        what = Text(f"{head.id}; uang masuk terbaru {at} ({ago.id} lalu)",
                    f"{head.en}; newest incoming credit at {at} "
                    f"({ago.en} ago)")
        if now - newest <= MUTASI_STALE:
            return _check(name, Status.OK, what)
        fix = Text(f"Bila ada pelanggan membayar QRIS dalam 30 menit terakhir tetapi tidak "
                   f"muncul, cek mutasi di aplikasi {s.id}; mutasi yang berhenti diperbarui "
                   "perlu login ulang.",
                   f"If a customer paid by QRIS in the last 30 minutes and it does not show, "
                   f"check the statement in the {s.en} app; a statement that stopped updating "
                   "needs a new login.")
    if _daytime(now, tz):
        return _check(name, Status.WARN, what, fix)
    return _check(name, Status.OK,
                  Text(f"{what.id} (di luar jam buka)", f"{what.en} (outside shop hours)"), fix)


# -- central (several outlets) -------------------------------------------------------------------
def check_central(settings: Settings, db: Database | None, *, now: datetime) -> Check:
    name = "central"
    if db is None:
        return _check(name, Status.WARN, Text("Tidak bisa dibaca: database belum terbuka",
                                              "can't tell: the database is not open"))
    from sync.central import central_status

    try:
        state = central_status(db, now)
    except sqlite3.Error as exc:  # a database older than migration 9: upgraded on opening
        return _check(name, Status.WARN, Text(f"Tidak bisa dibaca ({exc})",
                                              f"can't tell ({exc})"))
    # Only enrolment sets central.outlet and a pos_till_ role: the owner's own PC (central.url
    # and the owner's login, for reports) is not a till that should be enrolled.
    configured = bool(settings.get("central.outlet")
                      and str(settings.get("central.user") or "").startswith("pos_till_"))
    if not state.enrolled and configured:
        # A restored backup from before the enrolment, or a half-done enrolment: the till
        # records nothing for head office while its settings say it should.
        return _check(name, Status.FAIL,
                      Text(f"Terdaftar ke outlet {settings.get('central.outlet')} di pengaturan,"
                           " tetapi kasir ini tidak mencatat penjualan untuk kantor pusat",
                           f"central.* names outlet {settings.get('central.outlet')}, but this "
                           "till's database is not enrolled: nothing is recorded for head "
                           "office"),
                      Text("Daftarkan kasir lagi dengan kode baru (pos-app central enroll "
                           "--replace).",
                           "Enroll the till again with a new code (pos-app central enroll "
                           "--replace)."))
    if state.enrolled and not settings.get("central.password"):
        # The data folder moved to a new PC: the keyring did not come along.
        return _check(name, Status.FAIL,
                      Text(f"Outlet {state.outlet_id}: kata sandi kasir untuk kantor pusat "
                           "tidak ada di komputer ini; penjualan menunggu",
                           f"outlet {state.outlet_id}: this till's central password is not on "
                           f"this PC; {state.changes_waiting} changes wait"),
                      Text("Daftarkan kasir lagi dengan kode baru (pos-app central enroll "
                           "--replace): yang menunggu lalu terkirim.",
                           "Enroll the till again with a new code (pos-app central enroll "
                           "--replace); what waits is then sent."))
    if not state.enrolled:
        return _check(name, Status.OK,
                      Text("Tidak dipakai: satu toko, tanpa kantor pusat",
                           "not used: a single shop, not enrolled in an outlet"),
                      Text("Toko kedua? Lihat 'pos-app central enroll'.",
                           "A second shop? See 'pos-app central enroll'."))
    tz = settings.timezone()
    last = (Text(f"terakhir terkirim {_local(state.last_upload_at, tz, now)}",
                 f"last upload {_local(state.last_upload_at, tz, now)}")
            if state.last_upload_at else Text("belum pernah terkirim", "nothing uploaded yet"))
    head = Text(f"Outlet {state.outlet_id}, kasir {state.terminal_id}: {last.id}",
                f"outlet {state.outlet_id}, till {state.terminal_id}: {last.en}")
    if not state.changes_waiting or state.lag_s is None:
        return _check(name, Status.OK, Text(f"{head.id}; semua sudah terkirim",
                                            f"{head.en}; nothing waiting"))
    lag = _age(timedelta(seconds=state.lag_s))
    what = Text(f"{head.id}; {state.changes_waiting} perubahan menunggu (tertunda {lag.id})",
                f"{head.en}; {state.changes_waiting} changes waiting (lag {lag.en})")
    if state.last_error:
        what = Text(f"{what.id}; galat terakhir: {state.last_error}",
                    f"{what.en}; last error: {state.last_error}")
    if state.lag_s <= CENTRAL_LAG_OK.total_seconds():
        return _check(name, Status.OK, what)
    # Offline is normal for this till (it sells without the internet); the owner's reports
    # across outlets are what lag, so a day behind is red.
    status = Status.WARN if state.lag_s <= CENTRAL_LAG_FAIL.total_seconds() else Status.FAIL
    return _check(name, status, what,
                  Text("Penjualan aman di kasir ini dan terkirim sendiri saat tersambung. "
                       "Periksa internet; bila galat menyebut kata sandi, daftarkan kasir lagi "
                       "(pos-app central enroll --replace).",
                       "Sales are safe on this till and go up by themselves once connected. "
                       "Check the internet; if the error names the password, enroll the till "
                       "again (pos-app central enroll --replace)."))


def _as_error(text: str, state: str, provider: str) -> ProviderError:
    """The error a recorded health stands for (the engine keeps only its English text)."""
    from pos_app.provider_messages import problem_of_text
    from sync.errors import AuthExpired, KeyRefused, TransientError, Unreachable

    if state == "needs_login":
        return AuthExpired(text)
    problem = problem_of_text(text, provider)
    kinds: dict[Problem, type[ProviderError]] = {
        Problem.NETWORK: Unreachable, Problem.GATEWAY: TransientError,
        Problem.KEY_REFUSED: KeyRefused, Problem.LOGIN_EXPIRED: AuthExpired,
    }
    return kinds.get(problem, ProviderError)(text)


# -- clock -------------------------------------------------------------------------------------
def _gateway_url(settings: Settings) -> tuple[str, str] | None:
    """The base URL of the back-end the till talks to, and whose it is; None without one."""
    provider = str(settings.get("payment.provider"))
    info = PROVIDERS[provider]
    owner = provider
    if info.takes_mutasi_source:
        owner = str(settings.get("payment.mutasi_source") or "")
        if not owner:
            return None
        info = PROVIDERS[owner]
    if not any(f.leaf == "base_url" for f in info.fields):
        return None
    url = str(settings.get(info.key("base_url")) or "").strip()
    return (url, owner) if url else None


def check_clock(settings: Settings, *, clock: Clock = utcnow,
                timeout_s: float = HTTP_TIMEOUT_S) -> Check:
    import httpx

    name = "clock"
    gateway = _gateway_url(settings)
    if gateway is None:
        return _check(name, Status.OK,
                      Text("Tidak diperiksa: tidak ada gateway (QR dibuat di kasir ini)",
                           "not checked: no gateway in use (the QR is made on this till)"))
    url, owner = gateway
    host = urlsplit(url).hostname or url
    try:
        with httpx.Client(timeout=timeout_s, follow_redirects=False,
                          headers={"User-Agent": "pos-app doctor"}) as client:
            sent = clock()
            # HEAD: only the headers are wanted, and any answer has a Date (even a 404 or 405)
            header = client.head(url).headers.get("date")
            came = clock()
    except httpx.HTTPError as exc:
        return _check(name, Status.WARN,
                      Text(f"Tidak diperiksa: {host} tidak bisa dihubungi",
                           f"not checked: {host} can't be reached ({type(exc).__name__})"),
                      Text("Pemeriksaan Pembayaran QRIS atau Mutasi di atas menyebut sebabnya.",
                           "The provider (or mutasi) check above says why."))
    try:
        theirs = parsedate_to_datetime(header) if header else None
    except (TypeError, ValueError):
        theirs = None
    if theirs is None or theirs.tzinfo is None:
        return _check(name, Status.OK,
                      Text(f"Tidak diperiksa: {host} tidak mengirim jam (Date)",
                           f"not checked: {host} sent no usable Date header"))
    # The header has whole seconds and was stamped somewhere between sending and answering.
    ours = sent + (came - sent) / 2
    skew = (ours - (theirs + timedelta(seconds=0.5))).total_seconds()
    slack = (came - sent).total_seconds() / 2 + 0.5
    off = max(0.0, abs(skew) - slack)
    amount = _age(timedelta(seconds=round(abs(skew))))
    way = Text("lebih cepat", "ahead of") if skew > 0 else Text("lebih lambat", "behind")
    fix = Text("Atur tanggal dan jam komputer ke otomatis (Windows: Pengaturan → Waktu & "
               "bahasa → Atur waktu secara otomatis). Jam yang salah membuat QRIS kedaluwarsa "
               "terlalu cepat atau lambat, dan uang masuk tidak cocok dengan pesanan.",
               "Set the PC's date and time to automatic (Windows: Settings → Time & language "
               "→ Set time automatically; Linux: timedatectl set-ntp true). A wrong clock "
               "makes QRIS expire early or late and credits miss their orders.")
    status = (Status.FAIL if off > CLOCK_FAIL_S else Status.WARN if off > CLOCK_WARN_S
              else Status.OK)
    if status is Status.OK:
        return _check(name, Status.OK,
                      Text(f"Jam komputer cocok dengan {host} (selisih {round(abs(skew))} detik)",
                           f"this PC's clock agrees with {host} ({round(skew):+d} s)"))
    return _check(name, status,
                  Text(f"Jam komputer ini {way.id} {amount.id} dari jam {host}",
                       f"this PC's clock is {amount.en} {way.en} {host}'s"), fix)


# -- devices -----------------------------------------------------------------------------------
_SOUNDBOX_FIX = Text("Cabut lalu colokkan lagi kabel USB soundbox dan pastikan menyala; atau "
                     "pilih port yang benar di Pengaturan → Perangkat.",
                     "Unplug and replug the soundbox's USB cable and check it is on; or pick "
                     "the right port (Settings → Perangkat, hardware.soundbox.port).")


def check_soundbox(settings: Settings, *, devices: Devices | None = None,
                   list_ports: PortLister | None = None) -> Check:
    name = "soundbox"
    port = str(settings.get("hardware.soundbox.port"))
    usb_ids = tuple(settings.get("hardware.soundbox.usb_ids"))
    speaker = bool(settings.get("hardware.speaker"))
    if port == "off":
        return _check(name, Status.OK,
                      Text("Tidak dipakai", "not used (hardware.soundbox.port = off)"),
                      Text("Untuk memakai soundbox: colokkan, lalu pilih Otomatis di "
                           "Pengaturan → Perangkat.",
                           "To use a soundbox: plug it in and set hardware.soundbox.port to "
                           "auto."))
    link = devices.soundbox if devices is not None else None
    if link is not None and link.config.port == port:
        return _soundbox_from_link(link, port, speaker)
    if port == "auto":
        from hardware.discovery import candidates, probe

        found = candidates(usb_ids, list_ports)
        if not found:
            return _no_soundbox(speaker)
        for info in found:
            answered = probe(info.device)
            if answered is not None:
                opened, answer = answered
                opened.close()
                return _soundbox_ok(info.device, answer.fields)
        devs = ", ".join(i.device for i in found)
        return _check(name, Status.FAIL,
                      Text(f"Ada perangkat soundbox di {devs}, tetapi tidak menjawab",
                           f"a device with a soundbox USB id is on {devs} but does not answer "
                           "hello"), _SOUNDBOX_FIX)
    return _soundbox_on(port)


def _soundbox_ok(port: str, fields: Mapping[str, Any]) -> Check:
    sn = str(fields.get("sn") or "")
    fw = str(fields.get("fw") or "?")
    label = f"soundbox {sn}" if sn else "soundbox"
    return _check("soundbox", Status.OK,
                  Text(f"{label} menjawab di {port} (firmware {fw})",
                       f"{label} answers on {port} (firmware {fw})"))


def _no_soundbox(speaker: bool) -> Check:
    if speaker:
        return _check("soundbox", Status.OK,
                      Text("Tidak ada soundbox terpasang; speaker PC yang mengumumkan "
                           "pembayaran",
                           "no soundbox plugged in (auto); the PC speaker announces payments"),
                      Text("Untuk memakai soundbox: colokkan ke port USB komputer ini.",
                           "To use a soundbox: plug it into a USB port of this PC."))
    return _check("soundbox", Status.WARN,
                  Text("Tidak ada soundbox dan speaker PC mati: pembayaran QRIS tidak "
                       "diumumkan",
                       "no soundbox plugged in and the PC speaker is off: nobody announces "
                       "QRIS payments"),
                  Text("Colokkan soundbox, atau nyalakan Speaker PC di Pengaturan → Perangkat.",
                       "Plug a soundbox in, or switch hardware.speaker on."))


def _soundbox_on(port: str) -> Check:
    """A fixed port: it must answer ``hello``; if not, why (missing, held, silent)."""
    import errno

    import serial

    from hardware.discovery import OPEN_ERRORS, probe
    from hardware.protocol import BAUD

    answered = probe(port)
    if answered is not None:
        opened, answer = answered
        opened.close()
        return _soundbox_ok(port, answer.fields)
    try:
        line = serial.Serial(port, BAUD, timeout=0.05, exclusive=True)
    except OPEN_ERRORS as exc:
        text = " ".join(str(exc).split())
        busy = getattr(exc, "errno", None) in (errno.EBUSY, errno.EACCES) or any(
            w in text.lower() for w in ("exclusively lock", "busy", "access is denied"))
        if busy:
            return _check("soundbox", Status.WARN,
                          Text(f"Port {port} sedang dipakai program lain (kasir sedang buka?)",
                               f"{port} is in use by another program (is the till open?): "
                               f"{text}"),
                          Text("Jalankan pemeriksaan dari jendela kasir (Pemeriksaan), atau "
                               "tutup program lain yang memakai port itu.",
                               "Run the check from the till's window (Pemeriksaan), or close "
                               "the program that holds the port."))
        return _check("soundbox", Status.FAIL,
                      Text(f"Soundbox tidak ada di {port}", f"cannot open {port}: {text}"),
                      _SOUNDBOX_FIX)
    line.close()
    return _check("soundbox", Status.FAIL,
                  Text(f"Perangkat di {port} tidak menjawab seperti soundbox",
                       f"no answer to hello on {port}"), _SOUNDBOX_FIX)


def _soundbox_from_link(link: Any, port: str, speaker: bool) -> Check:
    """The window's link owns the port: ask it (``hello`` through its worker)."""
    from concurrent.futures import TimeoutError as FutureTimeout

    from hardware.protocol import Cmd
    from hardware.soundbox import SoundboxError

    if not link.connected:
        if port == "auto":
            return _no_soundbox(speaker)
        return _check("soundbox", Status.FAIL,
                      Text(f"Soundbox di {port} terputus", f"the soundbox on {port} is "
                           f"{link.state.value}"), _SOUNDBOX_FIX)
    where = link.info.port if link.info is not None else port
    try:
        answer = link.request(Cmd.HELLO).result(timeout=4.5)
    except (SoundboxError, FutureTimeout) as exc:
        return _check("soundbox", Status.FAIL,
                      Text(f"Soundbox di {where} tidak menjawab",
                           f"the soundbox on {where} does not answer: "
                           f"{exc or type(exc).__name__}"), _SOUNDBOX_FIX)
    return _soundbox_ok(where, answer.fields)


_PRINTER_FIX = Text("Pastikan printer menyala, kabelnya (atau jaringannya) tersambung, dan "
                    "alamatnya benar di Pengaturan → Perangkat.",
                    "Check that the printer is on, its cable (or network) is connected, and "
                    "its address in Settings → Perangkat.")
_PAPER_FIX = Text("Ganti gulungan kertas struk.", "Put a new paper roll in.")


def check_printer(settings: Settings, *, devices: Devices | None = None,
                  timeout_s: float = HTTP_TIMEOUT_S) -> Check:
    from hardware.printer import (
        PrinterConfig,
        PrinterConfigError,
        PrinterConnection,
        PrinterFault,
        PrinterState,
        open_device,
        paper_status,
    )

    name = "printer"
    try:
        config = PrinterConfig.from_settings(settings)
    except PrinterConfigError as exc:
        return _check(name, Status.FAIL, Text(f"Pengaturan printer belum benar: {exc}", str(exc)),
                      Text("Perbaiki printer di Pengaturan → Perangkat.",
                           "Correct the printer settings (Settings → Perangkat)."))
    if config.connection is PrinterConnection.OFF:
        return _check(name, Status.OK, Text("Tidak dipakai", "not used (printing is off)"),
                      Text("Untuk mencetak struk: pilih sambungan printer di Pengaturan → "
                           "Perangkat.",
                           "To print receipts: choose the printer's connection "
                           "(hardware.printer.connection)."))
    where = config.describe()
    # "network 192.168.1.50:9100" on the screen too, with its Indonesian word
    where_id = where.replace("network ", "jaringan ", 1)
    live = devices.printer.status if devices is not None else None
    if live is not None and live.state is PrinterState.ERROR:
        no_paper = live.fault is PrinterFault.PAPER_OUT
        return _check(name, Status.FAIL,
                      Text("Kertas printer habis" if no_paper else "Printer tidak tersambung",
                           f"{where}: {live.reason or live.fault or 'error'}"
                           f" ({live.pending} waiting)"),
                      _PAPER_FIX if no_paper else _PRINTER_FIX)
    if live is not None and (live.state is PrinterState.PRINTING or live.pending):
        return _check(name, Status.OK,
                      Text(f"Printer sedang mencetak ({live.pending} struk antre)",
                           f"{where}: printing ({live.pending} waiting)"))
    try:
        device = open_device(replace(config, timeout_s=min(config.timeout_s, timeout_s)),
                             read_timeout_s=1.0)
    except PrinterConfigError as exc:
        return _check(name, Status.FAIL, Text(f"Printer tidak bisa dipakai: {exc}", str(exc)),
                      _PRINTER_FIX)
    except Exception as exc:  # escpos' DeviceNotFoundError, OSError, a USB error: not there
        text = " ".join(str(exc).split()) or type(exc).__name__
        return _check(name, Status.FAIL,
                      Text(f"Printer tidak bisa dihubungi ({where_id})",
                           f"{where} can't be reached: {text}"), _PRINTER_FIX)
    try:
        paper = paper_status(device, timeout_s=1.0)
    finally:
        try:
            device.close()
        except Exception as exc:  # the answer is in already
            log.debug("doctor: closing the printer: %s", exc)
    if paper == 0:
        return _check(name, Status.FAIL, Text("Kertas printer habis", f"{where}: out of paper"),
                      _PAPER_FIX)
    if paper == 1:
        return _check(name, Status.WARN,
                      Text("Kertas printer hampir habis", f"{where}: paper running low"),
                      Text("Siapkan gulungan kertas baru.", "Have a new paper roll ready."))
    sensor = Text("kertas ada", "paper ok") if paper == 2 else Text(
        "sensor kertas tidak menjawab", "paper sensor not answering")
    return _check(name, Status.OK,
                  Text(f"Printer tersambung ({where_id}), {sensor.id}",
                       f"{where} reachable, {sensor.en}"))
