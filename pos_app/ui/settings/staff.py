"""The *Staf* page of Pengaturan: the shop's users, adding a cashier, a new PIN, (de)activating.

The list (name, role, active, locked until) is read on a worker each time the page is loaded
or changed. "Tambah kasir…" and "Ganti PIN…" open the name + PIN twice form
(:class:`~pos_app.ui.staff.first_owner.UserFormDialog`); "Nonaktifkan" / "Aktifkan" follows
the selected user.

Decisions:

* **The page does its own database work**, like *Cadangan*, and none of it on the GUI thread:
  reads with ``tasks.read``, changes (which hash a PIN or write an audit row) with
  ``tasks.write``, on the dialog's TaskManager (``form.services.tasks``). *Simpan* / *Batal*
  don't apply: every change is saved (and audited) when it is made.
* **The database comes from the window**: the Settings dialog holds only the settings, so the
  window that opens it calls :meth:`StaffPage.attach` (``StaffPage.of(dialog).attach(db,
  actor=...)``). Until then the page says the list isn't available and its buttons are off.
  ``actor`` is who the audit log names for the changes, e.g. ``"user:Bu Sri"``.
* **The last active owner can't be deactivated**: :func:`pos_app.storage.staff.set_active`
  refuses it in the same transaction as the change, and the page shows its reason in red.
  Nothing else asks "are you sure?": deactivating is undone with one tap on "Aktifkan", and
  nothing is deleted (old sales keep their cashier).
* Only cashiers are added here; a second owner is ``pos-app user add NAME --role owner``.
* Lock times are shown in the store's time zone (``store.timezone``), only while they last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
)

from pos_app.clock import utcnow
from pos_app.staff import Role, StaffError, User
from pos_app.storage import staff
from pos_app.storage.database import Database
from pos_app.ui.i18n import register, tr
from pos_app.ui.settings.form import ERROR_STYLE, MIN_HEIGHT, OK_STYLE, Form, Page, action_row
from pos_app.ui.staff.first_owner import UserFormDialog
from pos_app.ui.staff.pin_pad import staff_message
from pos_app.ui.tasks import TaskManager

__all__ = ["StaffPage"]

log = logging.getLogger(__name__)

register({
    "Staf": "Staff",
    "Pemilik dan kasir yang bisa masuk ke kasir ini. Perubahan langsung tersimpan.":
        "The owners and cashiers who can sign in at this till. Changes are saved at once.",
    "Nama": "Name", "Peran": "Role", "Status": "Status", "Terkunci sampai": "Locked until",
    "Pemilik": "Owner", "Kasir": "Cashier", "Aktif": "Active", "Nonaktif": "Inactive",
    "Tambah kasir…": "Add cashier…", "Ganti PIN…": "Change PIN…",
    "Nonaktifkan": "Deactivate", "Aktifkan": "Activate",
    "Tambah kasir": "Add cashier", "Tambah": "Add",
    "Ganti PIN": "Change PIN", "Simpan PIN": "Save PIN",
    "Memuat…": "Loading…",
    "{count} pengguna.": "{count} users.",
    "Daftar staf tidak tersedia di sini: buka Pengaturan dari jendela kasir.":
        "The staff list is not available here: open Settings from the till window.",
    "Daftar staf tidak bisa dibaca: {error}": "The staff list could not be read: {error}",
    "Kasir {name} ditambahkan.": "Cashier {name} added.",
    "PIN {name} diganti.": "{name}'s PIN changed.",
    "{name} dinonaktifkan.": "{name} deactivated.",
    "{name} diaktifkan.": "{name} activated.",
    "Gagal: {error}": "Failed: {error}",
})

ROLE_TEXT = {Role.OWNER: "Pemilik", Role.CASHIER: "Kasir"}


class StaffPage(Page, QObject):
    """See the module docstring. A QObject as well, for its signal (Page first: see
    ``DevicesPage``)."""

    title = "Staf"

    changed = Signal()
    """A user was added, deactivated, activated or got a new PIN (the window may re-read
    whatever lists users)."""

    def __init__(self, form: Form) -> None:
        QObject.__init__(self)
        Page.__init__(self, form)
        self.db: Database | None = None
        self.actor = ""
        self.clock: Callable[[], datetime] = utcnow
        self._tasks: TaskManager | None = None
        self.users: list[User] = []
        self.dialog: UserFormDialog | None = None
        """The add / change-PIN form last opened (for tests and the window)."""
        self._seq = 0

    @classmethod
    def of(cls, dialog: Any) -> StaffPage:
        """The *Staf* page of a :class:`~pos_app.ui.settings.SettingsDialog`."""
        return next(p for p in dialog.pages if isinstance(p, cls))

    def attach(self, db: Database, *, actor: str, clock: Callable[[], datetime] = utcnow,
               tasks: TaskManager | None = None) -> None:
        """Give the page the till's database and who is making the changes (audit ``actor``),
        then list the users. ``tasks`` defaults to the dialog's own TaskManager."""
        self.db, self.actor, self.clock, self._tasks = db, actor, clock, tasks
        self.refresh()

    # ------------------------------------------------------------------ building

    def build(self, layout: QFormLayout) -> None:
        info = QLabel(tr("Pemilik dan kasir yang bisa masuk ke kasir ini. Perubahan langsung "
                         "tersimpan."))
        info.setWordWrap(True)
        layout.addRow(info)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("staffTable")
        self.table.setHorizontalHeaderLabels([tr("Nama"), tr("Peran"), tr("Status"),
                                              tr("Terkunci sampai")])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(MIN_HEIGHT)  # rows big enough to tap
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setMinimumHeight(240)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addRow(self.table)
        self.add_button = QPushButton(tr("Tambah kasir…"))
        self.add_button.setObjectName("staffAdd")
        self.pin_button = QPushButton(tr("Ganti PIN…"))
        self.pin_button.setObjectName("staffChangePin")
        self.active_button = QPushButton(tr("Nonaktifkan"))
        self.active_button.setObjectName("staffActive")
        self.status = action_row(layout, ((self.add_button, self.add_cashier),
                                          (self.pin_button, self.change_pin),
                                          (self.active_button, self.toggle_active)),
                                 "staffStatus")
        self.table.itemSelectionChanged.connect(self._selected)
        self._selected()

    def load(self) -> None:
        super().load()
        self.refresh()

    # ------------------------------------------------------------------ the list

    def refresh(self, message: str | None = None, *, error: bool = False) -> None:
        """Read the list again; then show ``message`` (or the count)."""
        if self.db is None:
            self._say(tr("Daftar staf tidak tersedia di sini: buka Pengaturan dari jendela "
                         "kasir."))
            self._selected()
            return
        self._seq += 1
        seq = self._seq
        if message is None:
            self._say(tr("Memuat…"))
        else:
            self._say(message, ok=not error, error=error)
        db = self.db

        def shown(users: list[User]) -> None:
            if shiboken6.isValid(self.table) and seq == self._seq:
                self._fill(users)
                if message is None:
                    self._say(tr("{count} pengguna.", count=len(users)))

        def failed(exc: BaseException) -> None:
            if shiboken6.isValid(self.status):
                self._say(tr("Daftar staf tidak bisa dibaca: {error}", error=str(exc)),
                          error=True)

        self._run(False, lambda: staff.list_users(db), shown, failed)

    def _fill(self, users: list[User]) -> None:
        chosen = self._chosen()
        self.users = users
        tz = self.form.settings.timezone()
        now = self.clock()
        self.table.setRowCount(len(users))
        for r, u in enumerate(users):
            locked = (u.locked_until.astimezone(tz).strftime("%H:%M")
                      if u.locked(now) and u.locked_until else "")
            values = [u.name, tr(ROLE_TEXT[u.role]), tr("Aktif") if u.active else tr("Nonaktif"),
                      locked]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if not u.active:
                    item.setForeground(self.table.palette().placeholderText())
                self.table.setItem(r, c, item)
        if chosen is not None:  # the same person stays selected after a change
            for r, u in enumerate(users):
                if u.id == chosen.id:
                    self.table.selectRow(r)
        self._selected()

    def _chosen(self) -> User | None:
        r = self.table.currentRow()
        return self.users[r] if 0 <= r < len(self.users) and self.table.selectedItems() else None

    def _selected(self) -> None:
        user = self._chosen()
        attached = self.db is not None
        self.add_button.setEnabled(attached)
        self.pin_button.setEnabled(attached and user is not None)
        self.active_button.setEnabled(attached and user is not None)
        self.active_button.setText(tr("Aktifkan") if user is not None and not user.active
                                   else tr("Nonaktifkan"))

    def select(self, name: str) -> None:
        """Select ``name``'s row (for tests and the window)."""
        for r, u in enumerate(self.users):
            if u.name == name:
                self.table.selectRow(r)

    # ------------------------------------------------------------------ actions

    def add_cashier(self) -> None:
        db, actor, clock = self.db, self.actor, self.clock
        if db is None:
            return

        def add(name: str, pin: str) -> User:
            return staff.add_user(db, name, Role.CASHIER, pin, clock(), actor=actor)

        self._open_form(UserFormDialog(self.tasks(), add, self.form.services.parent,
                                       title=tr("Tambah kasir"), submit_text=tr("Tambah")),
                        lambda u: tr("Kasir {name} ditambahkan.", name=u.name))

    def change_pin(self) -> None:
        db, actor, clock, user = self.db, self.actor, self.clock, self._chosen()
        if db is None or user is None:
            return

        def set_pin(name: str, pin: str) -> User:
            staff.set_pin(db, name, pin, clock(), actor=actor)
            return staff.get_user(db, name)

        self._open_form(UserFormDialog(self.tasks(), set_pin, self.form.services.parent,
                                       title=tr("Ganti PIN"), submit_text=tr("Simpan PIN"),
                                       name=user.name),
                        lambda u: tr("PIN {name} diganti.", name=u.name))

    def _open_form(self, dialog: UserFormDialog, message: Callable[[User], str]) -> None:
        def accepted() -> None:
            if dialog.user is not None and self.form.services.alive():
                self.changed.emit()
                self.refresh(message(dialog.user))

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.open()

    def toggle_active(self) -> None:
        db, actor, clock, user = self.db, self.actor, self.clock, self._chosen()
        if db is None or user is None:
            return
        active = not user.active

        def done(changed: User) -> None:
            self.changed.emit()
            self.refresh(tr("{name} diaktifkan.", name=changed.name) if changed.active
                         else tr("{name} dinonaktifkan.", name=changed.name))

        def failed(exc: BaseException) -> None:
            text = (staff_message(exc) if isinstance(exc, StaffError)
                    else tr("Gagal: {error}", error=str(exc)))
            self.refresh(text, error=True)

        self.active_button.setEnabled(False)  # one tap, one change
        self._run(True, lambda: staff.set_active(db, user.name, active, clock(), actor=actor),
                  done, failed)

    # ------------------------------------------------------------------ plumbing

    def tasks(self) -> TaskManager:
        return self._tasks if self._tasks is not None else self.form.services.tasks()

    def _say(self, text: str, *, ok: bool = False, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else OK_STYLE if ok else "")

    def _run(self, write: bool, job: Callable[[], Any], done: Callable[[Any], None],
             failed: Callable[[BaseException], None]) -> None:
        services = self.form.services

        def ok(result: Any) -> None:
            if services.alive():
                done(result)

        def bad(exc: BaseException) -> None:
            if not isinstance(exc, StaffError):
                log.warning("staff page: %s: %s", type(exc).__name__, exc)
            if services.alive():
                failed(exc)

        (self.tasks().write if write else self.tasks().read)(job, ok, bad)
