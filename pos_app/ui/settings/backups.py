"""The *Cadangan* page: the shop's backups, a second folder for them, and restoring one.

The list (date, kind, orders in it) is read on a worker thread each time the page is shown.
"Cadangkan sekarang" takes one (SQLite's online backup, while the till sells); "Sematkan"
keeps one for good. "Pulihkan…" asks the owner to confirm with the backup's date and order
count, then emits :attr:`BackupsPage.restoreRequested`: the window closes, the app restores
the file with nothing open, and starts again (``pos_app.ui.app``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
)

from pos_app import backups
from pos_app.backups import Backup, BackupError, Kind
from pos_app.clock import utcnow
from pos_app.ui.i18n import register, tr
from pos_app.ui.settings.form import Form, Page, action_row

__all__ = ["BackupsPage"]

log = logging.getLogger(__name__)

register({
    "Cadangan": "Backups",
    "Folder kedua": "Second folder",
    "Mis. flashdisk: /media/kasir/FLASHDISK. Setiap cadangan disalin ke sana bila terpasang; "
    "kosong: tidak ada.":
        "E.g. a USB stick: /media/kasir/FLASHDISK. Every backup is copied there when it is "
        "plugged in; empty: none.",
    "Waktu": "Time", "Jenis": "Kind", "Pesanan": "Orders", "Disematkan": "Pinned",
    "harian": "daily", "tutup kasir": "shift close", "manual": "manual", "lainnya": "other",
    "ya": "yes",
    "Cadangkan sekarang": "Back up now", "Sematkan / lepas": "Pin / unpin",
    "Pulihkan…": "Restore…",
    "Cadangan dibuat otomatis setiap hari dan saat tutup kasir; 14 terakhir disimpan, yang "
    "disematkan disimpan selamanya.":
        "Backups are made every day and at every shift close; the last 14 are kept, pinned "
        "ones for good.",
    "Memuat…": "Loading…",
    "{count} cadangan.": "{count} backups.",
    "Cadangan dibuat: {name}": "Backup made: {name}",
    "Cadangan gagal: {error}": "Backup failed: {error}",
    "Pulihkan data dari cadangan {when}?": "Restore the data from the backup of {when}?",
    "Cadangan ini berisi {count} pesanan (terakhir {last}). Data sekarang disimpan dulu "
    "sebagai cadangan. Aplikasi akan ditutup, dipulihkan, lalu dibuka lagi.":
        "This backup holds {count} orders (the last at {last}). The current data is saved as "
        "a backup first. The app will close, restore, and open again.",
    "tidak ada": "none",
})

KIND_TEXT = {Kind.DAILY: "harian", Kind.SHIFT: "tutup kasir", Kind.MANUAL: "manual",
             Kind.OTHER: "lainnya"}

Row = tuple[Backup, int | None, datetime | None]  # backup, its orders, its newest order


def read_backups(data_dir: Path) -> list[Row]:
    """Every backup with what it holds (None: not readable). On a worker thread."""
    rows: list[Row] = []
    for b in backups.list_backups(data_dir):
        try:
            count, newest = backups.summary(b.path)
        except BackupError:
            count, newest = None, None
        rows.append((b, count, newest))
    return rows


class BackupsPage(Page, QObject):
    """See the module docstring. A QObject as well, for its signal (Page first: see
    ``DevicesPage``)."""

    title = "Cadangan"

    restoreRequested = Signal(str)
    """The owner confirmed restoring this backup file."""

    def __init__(self, form: Form) -> None:
        QObject.__init__(self)
        Page.__init__(self, form)
        self.rows: list[Row] = []
        self._seq = 0

    @property
    def data_dir(self) -> Path:
        return self.form.settings.data_dir

    def build(self, layout: QFormLayout) -> None:
        self.add(layout, "backup.second_folder", tr("Folder kedua"), self.form.line(),
                 hint=tr("Mis. flashdisk: /media/kasir/FLASHDISK. Setiap cadangan disalin ke "
                         "sana bila terpasang; kosong: tidak ada."))
        info = QLabel(tr("Cadangan dibuat otomatis setiap hari dan saat tutup kasir; 14 "
                         "terakhir disimpan, yang disematkan disimpan selamanya."))
        info.setWordWrap(True)
        layout.addRow(info)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("backupsTable")
        self.table.setHorizontalHeaderLabels([tr("Waktu"), tr("Jenis"), tr("Pesanan"),
                                              tr("Disematkan")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(220)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addRow(self.table)
        self.backup_button = QPushButton(tr("Cadangkan sekarang"))
        self.pin_button = QPushButton(tr("Sematkan / lepas"))
        self.restore_button = QPushButton(tr("Pulihkan…"))
        self.status = action_row(layout, ((self.backup_button, self.backup_now),
                                          (self.pin_button, self.toggle_pin),
                                          (self.restore_button, self.ask_restore)),
                                 "backupsStatus")
        self.table.itemSelectionChanged.connect(self._selected)
        self._selected()

    def load(self) -> None:
        super().load()
        self.refresh()

    # ------------------------------------------------------------------ the list

    def refresh(self, message: str | None = None) -> None:
        self._seq += 1
        seq = self._seq
        self.status.setText(message or tr("Memuat…"))
        services = self.form.services

        def shown(rows: list[Row]) -> None:
            if services.alive() and shiboken6.isValid(self.table) and seq == self._seq:
                self._fill(rows)
                if message is None:
                    self.status.setText(tr("{count} cadangan.", count=len(rows)))

        self._run(lambda: read_backups(self.data_dir), shown)

    def _fill(self, rows: list[Row]) -> None:
        self.rows = rows
        tz = self.form.settings.timezone()
        self.table.setRowCount(len(rows))
        for r, (b, count, _newest) in enumerate(rows):
            values = [b.taken_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
                      tr(KIND_TEXT[b.kind]), "?" if count is None else str(count),
                      tr("ya") if b.pinned else ""]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self._selected()

    def _chosen(self) -> Row | None:
        r = self.table.currentRow()
        return self.rows[r] if 0 <= r < len(self.rows) and self.table.selectedItems() else None

    def _selected(self) -> None:
        row = self._chosen()
        self.pin_button.setEnabled(row is not None)
        self.restore_button.setEnabled(row is not None and row[1] is not None)

    # ------------------------------------------------------------------ actions

    def backup_now(self) -> None:
        second = str(self.form.settings.get("backup.second_folder"))

        def take() -> Path:
            path = backups.take(self.data_dir, Kind.MANUAL, utcnow(), second_folder=second)
            backups.prune(self.data_dir)
            return path

        def failed(exc: BaseException) -> None:
            if self.form.services.alive() and shiboken6.isValid(self.status):
                self.status.setText(tr("Cadangan gagal: {error}", error=str(exc)))

        self._run(take, lambda path: self.refresh(tr("Cadangan dibuat: {name}",
                                                     name=path.name)), failed)

    def toggle_pin(self) -> None:
        row = self._chosen()
        if row is not None:
            b = row[0]
            self._run(lambda: backups.set_pinned(b, not b.pinned), lambda _b: self.refresh())

    def ask_restore(self) -> None:
        row = self._chosen()
        if row is None or row[1] is None:
            return
        b, count, newest = row
        tz = self.form.settings.timezone()
        box = QMessageBox(QMessageBox.Icon.Warning, tr("Pulihkan…"),
                          tr("Pulihkan data dari cadangan {when}?",
                             when=b.taken_at.astimezone(tz).strftime("%d/%m/%Y %H:%M")),
                          parent=self.table.window())
        box.setObjectName("restoreQuestion")
        box.setInformativeText(tr(
            "Cadangan ini berisi {count} pesanan (terakhir {last}). Data sekarang disimpan "
            "dulu sebagai cadangan. Aplikasi akan ditutup, dipulihkan, lalu dibuka lagi.",
            count=count, last=newest.astimezone(tz).strftime("%d/%m/%Y %H:%M") if newest
            else tr("tidak ada")))
        yes = box.addButton(tr("Pulihkan…").rstrip("…"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(tr("Batal"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(QMessageBox.StandardButton.NoButton)

        def answered(_result: int) -> None:
            if box.clickedButton() is yes:
                self.restoreRequested.emit(str(b.path))

        box.finished.connect(answered)
        box.open()
        self.question = box

    def _run(self, job, done, failed=None) -> None:  # type: ignore[no-untyped-def]
        services = self.form.services

        def ok(result):  # type: ignore[no-untyped-def]
            if services.alive():
                done(result)

        def bad(exc: BaseException) -> None:
            log.warning("backups page: %s", exc)
            if failed is not None and services.alive():
                failed(exc)

        services.tasks().read(job, ok, bad)
