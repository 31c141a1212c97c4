"""*Pemeriksaan*: the health of everything the shop depends on (``pos_app.doctor``), on screen.

The rules, and why:

* The checks run on the window's reader thread (``tasks.read``), never on the GUI thread: they
  call gateways, open serial ports and read the whole database file. A run ends within
  ``pos_app.doctor.DEADLINE_S`` (8 s) however dead the network is; catalogue searches queue
  behind it meanwhile, which costs nothing while this modal dialog is open.
* They read through the window's own :class:`Database` (and a read-only connection of their
  own for the integrity check): no second writer is ever opened. With ``devices`` (the window's
  :class:`hardware.devices.Devices`), the soundbox and printer the till holds are asked through
  the till's own link instead of being opened a second time.
* One row per check, in the doctor's order, each with a coloured marker *and* a word (Baik /
  Perhatian / Masalah: the colour alone says nothing to a colour-blind owner), the check's name,
  what was found and -- when it is not ok -- what to do. The texts are the checks' Indonesian
  ones (``detail_id`` / ``fix_id``), the English ones when the UI is in English.
* "Periksa lagi" runs every check again. "Salin laporan" copies the report ``pos-app doctor``
  prints (English, like the CLI and the log, with the shop, the till, the time and the version
  on top) for the owner to paste into a message to the shop's maintainer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from pos_app import __version__
from pos_app.clock import Clock, utcnow
from pos_app.doctor import CHECK_NAMES, DEADLINE_S, Check, Status, Target, report_text, run_checks
from pos_app.ui.i18n import language, register, tr
from pos_app.ui.props import set_state
from pos_app.ui.tasks import TaskManager

if TYPE_CHECKING:
    from hardware.devices import Devices
    from pos_app.settings import Settings
    from pos_app.storage.database import Database

log = logging.getLogger(__name__)

register({
    "Pemeriksaan": "Health check",
    "Data, cadangan, pembayaran QRIS, dan perangkat toko.":
        "The shop's data, backups, QRIS payments and devices.",
    "Database": "Database", "Ruang disk": "Disk space", "Cadangan data": "Backups",
    "Pembayaran QRIS": "QRIS payments", "Mutasi (uang masuk)": "Statement (incoming money)",
    "Jam komputer": "PC clock", "Soundbox": "Soundbox", "Printer struk": "Receipt printer",
    "Kantor pusat": "Head office",
    "Baik": "OK", "Perhatian": "Attention", "Masalah": "Problem", "Memeriksa": "Checking",
    "Yang perlu dilakukan: {fix}": "What to do: {fix}",
    "Memeriksa… (paling lama {seconds} detik)": "Checking… (at most {seconds} seconds)",
    "Semua baik — toko siap berjualan.": "All good — the shop is ready to sell.",
    "{fail} bermasalah, {warn} perlu perhatian": "{fail} with a problem, {warn} need attention",
    "{warn} perlu perhatian": "{warn} need attention",
    "Diperiksa pukul {time}": "Checked at {time}",
    "Pemeriksaan gagal: {error}": "The check failed: {error}",
    "Periksa lagi": "Check again", "Salin laporan": "Copy report", "Tutup": "Close",
    "Laporan disalin — tempel di pesan untuk teknisi toko.":
        "Report copied — paste it into a message to the shop's maintainer.",
})

TITLES = {
    "database": "Database", "disk": "Ruang disk", "backup": "Cadangan data",
    "provider": "Pembayaran QRIS", "mutasi": "Mutasi (uang masuk)", "clock": "Jam komputer",
    "soundbox": "Soundbox", "printer": "Printer struk", "central": "Kantor pusat",
}
"""Each check's name on screen (Indonesian; ``tr`` gives the English)."""

MARKERS = {Status.OK: "Baik", Status.WARN: "Perhatian", Status.FAIL: "Masalah"}
TITLE_WIDTH = 180  # the names line up in a column: the eye runs down the markers, then the names

STYLE = """
#doctorHeading { font-size: 22px; font-weight: bold; color: #0f766e; }
#doctorRow { background: #ffffff; border: 1px solid #d5dbe1; border-radius: 8px; }
#doctorRow[state="fail"] { border-color: #f1b5ae; }
#doctorRow[state="warn"] { border-color: #f1d27a; }
#doctorMarker { border-radius: 13px; padding: 3px 10px; font-size: 13px; font-weight: bold;
                min-width: 92px; max-width: 92px; min-height: 20px; }
#doctorMarker[state="ok"] { background: #e3f4ea; color: #276749; }
#doctorMarker[state="warn"] { background: #fff4ce; color: #7a5a00; }
#doctorMarker[state="fail"] { background: #fde8e6; color: #b42318; }
#doctorMarker[state="running"] { background: #eceff1; color: #5f6b7a; }
#doctorTitle { font-size: 15px; font-weight: bold; }
#doctorDetail { font-size: 14px; color: #1f2933; }
#doctorFix { font-size: 14px; color: #52606d; }
#doctorFix[state="fail"] { color: #b42318; }
#doctorFix[state="warn"] { color: #7a5a00; }
#doctorSummary { font-size: 17px; font-weight: bold; border-radius: 8px; padding: 8px 12px; }
#doctorSummary[state="ok"] { background: #e3f4ea; color: #276749; }
#doctorSummary[state="warn"] { background: #fff4ce; color: #7a5a00; }
#doctorSummary[state="fail"] { background: #fde8e6; color: #b42318; }
#doctorSummary[state="running"] { background: #eceff1; color: #52606d; }
#doctorList { background: transparent; border: none; }
"""

Runner = Callable[..., list[Check]]


class _Row(QFrame):
    """One check: marker, name, what was found, what to do."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("doctorRow")
        self.name = name
        self.check: Check | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.setSpacing(12)
        self.marker = QLabel()
        self.marker.setObjectName("doctorMarker")
        self.marker.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.marker, 0, Qt.AlignmentFlag.AlignTop)
        self.title = QLabel(tr(TITLES[name]))
        self.title.setObjectName("doctorTitle")
        self.title.setFixedWidth(TITLE_WIDTH)
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.title.setContentsMargins(0, 3, 0, 0)  # the first lines level with the marker's word
        layout.addWidget(self.title, 0, Qt.AlignmentFlag.AlignTop)
        texts = QVBoxLayout()
        texts.setContentsMargins(0, 4, 0, 0)
        texts.setSpacing(3)
        self.detail = QLabel()
        self.detail.setObjectName("doctorDetail")
        self.fix = QLabel()
        self.fix.setObjectName("doctorFix")
        for label in (self.detail, self.fix):
            label.setWordWrap(True)
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            texts.addWidget(label)
        layout.addLayout(texts, 1)
        self.running()

    def running(self) -> None:
        self.check = None
        self.marker.setText("● " + tr("Memeriksa"))
        self.detail.setText("…")
        self.fix.hide()
        set_state(self, state="running")
        set_state(self.marker, state="running")

    def show_check(self, check: Check) -> None:
        self.check = check
        english = language() == "en"
        state = check.status.value
        self.marker.setText("● " + tr(MARKERS[check.status]))
        self.detail.setText(check.detail if english else (check.detail_id or check.detail))
        fix = check.fix if english else (check.fix_id or check.fix)
        self.fix.setText(tr("Yang perlu dilakukan: {fix}", fix=fix))
        self.fix.setVisible(check.status is not Status.OK)
        set_state(self, state=state)
        set_state(self.marker, state=state)
        set_state(self.fix, state=state)


class DoctorDialog(QDialog):
    """See the module docstring. ``runner`` is :func:`pos_app.doctor.run_checks` (tests and
    the screenshot give one of their own); ``start=False`` waits for :meth:`rerun`."""

    checked = Signal(list)
    """Emitted with the list of :class:`Check` once they are on screen."""

    def __init__(self, data_dir: Path, settings: Settings, db: Database | None,
                 tasks: TaskManager, parent: QWidget | None = None, *,
                 devices: Callable[[], Devices | None] | None = None,
                 runner: Runner = run_checks, clock: Clock = utcnow,
                 start: bool = True) -> None:
        super().__init__(parent)
        self.target = Target(data_dir, settings, db)
        self.tasks = tasks
        self._devices = devices
        self._runner = runner
        self._clock = clock
        self.checks: list[Check] = []
        self.checked_at: datetime | None = None
        self.running = False
        self.setWindowTitle(tr("Pemeriksaan"))
        self.setObjectName("doctorDialog")
        self.setStyleSheet(STYLE)
        self.resize(960, 690)  # fits a 1366x768 till screen with its title bar

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 14)
        layout.setSpacing(10)
        top = QHBoxLayout()
        top.setSpacing(14)
        heading = QLabel(tr("Pemeriksaan"))
        heading.setObjectName("doctorHeading")
        caption = QLabel(tr("Data, cadangan, pembayaran QRIS, dan perangkat toko."))
        caption.setObjectName("dialogCaption")
        caption.setWordWrap(True)
        top.addWidget(heading, 0, Qt.AlignmentFlag.AlignBaseline)
        top.addWidget(caption, 1, Qt.AlignmentFlag.AlignBaseline)
        layout.addLayout(top)
        self.summary = QLabel()
        self.summary.setObjectName("doctorSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        rows = QWidget()
        rows.setObjectName("doctorRows")
        rows_layout = QVBoxLayout(rows)
        rows_layout.setContentsMargins(0, 0, 4, 0)
        rows_layout.setSpacing(6)
        self.rows: dict[str, _Row] = {}
        for name in CHECK_NAMES:
            self.rows[name] = _Row(name, rows)
            rows_layout.addWidget(self.rows[name])
        rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("doctorList")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(rows)
        rows.setStyleSheet("#doctorRows { background: transparent; }")
        layout.addWidget(scroll, 1)

        self.status = QLabel()
        self.status.setObjectName("dialogCaption")
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        self.rerun_button = QPushButton(tr("Periksa lagi"))
        self.rerun_button.setObjectName("primaryButton")
        self.copy_button = QPushButton(tr("Salin laporan"))
        close = QPushButton(tr("Tutup"))
        buttons.addWidget(self.rerun_button)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.status, 1)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.rerun_button.clicked.connect(self.rerun)
        self.copy_button.clicked.connect(self.copy_report)
        close.clicked.connect(self.accept)
        self._show_running()
        if start:
            self.rerun()

    # ------------------------------------------------------------------ running

    def rerun(self) -> None:
        """Run every check again, off the GUI thread; the rows show "Memeriksa" meanwhile."""
        if self.running:
            return
        self.running = True
        self._show_running()
        devices = self._devices() if self._devices is not None else None
        target, runner, clock = self.target, self._runner, self._clock
        self.tasks.read(lambda: runner(target, clock=clock, devices=devices),
                        self._done, self._failed)

    def _show_running(self) -> None:
        for row in self.rows.values():
            row.running()
        self.summary.setText(tr("Memeriksa… (paling lama {seconds} detik)",
                                seconds=f"{DEADLINE_S:g}"))
        set_state(self.summary, state="running")
        self.rerun_button.setEnabled(False)
        self.copy_button.setEnabled(False)
        self.status.setText("")

    def _done(self, checks: list[Check]) -> None:
        if not shiboken6.isValid(self):
            return  # the window closed under a running check
        self.running = False
        self.show_checks(checks)

    def _failed(self, exc: BaseException) -> None:
        if not shiboken6.isValid(self):
            return
        self.running = False
        log.error("doctor: the checks could not run", exc_info=exc)
        self.summary.setText(tr("Pemeriksaan gagal: {error}", error=str(exc) or type(exc)
                                .__name__))
        set_state(self.summary, state="fail")
        self.rerun_button.setEnabled(True)

    def show_checks(self, checks: Sequence[Check]) -> None:
        """Put a run's results on screen (also for a run made elsewhere)."""
        self.checks = list(checks)
        self.checked_at = self._clock()
        for check in checks:
            row = self.rows.get(check.name)
            if row is not None:
                row.show_check(check)
        fail = sum(1 for c in checks if c.status is Status.FAIL)
        warn = sum(1 for c in checks if c.status is Status.WARN)
        if fail:
            text, state = tr("{fail} bermasalah, {warn} perlu perhatian", fail=fail,
                             warn=warn), "fail"
        elif warn:
            text, state = tr("{warn} perlu perhatian", warn=warn), "warn"
        else:
            text, state = tr("Semua baik — toko siap berjualan."), "ok"
        when = self.checked_at.astimezone(self.target.settings.timezone())
        self.summary.setText(f"{text}   ·   "
                             + tr("Diperiksa pukul {time}", time=f"{when:%H:%M} {when.tzname()}"))
        set_state(self.summary, state=state)
        self.rerun_button.setEnabled(True)
        self.copy_button.setEnabled(True)
        self.checked.emit(self.checks)

    # ------------------------------------------------------------------ the report

    def report(self) -> str:
        """What "Salin laporan" copies: a header, then what ``pos-app doctor`` prints."""
        settings = self.target.settings
        when = (self.checked_at or self._clock()).astimezone(settings.timezone())
        store = _setting(settings, "store.name")
        till = _setting(settings, "store.terminal_id")
        header = (f"pos-app {__version__} doctor — {store}, till {till} — "
                  f"{when:%Y-%m-%d %H:%M} {when.tzname()}")
        return f"{header}\n{report_text(self.checks)}"

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())
        self.status.setText(tr("Laporan disalin — tempel di pesan untuk teknisi toko."))


def _setting(settings: Settings, key: str) -> Any:
    try:
        return settings.get(key)
    except ValueError:  # a value the doctor reports anyway: the header does without
        return "?"
