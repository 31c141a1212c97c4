"""The first start ("Buat akun pemilik"), and the name + PIN form it shares with the Staf page.

:class:`UserFormDialog` asks a name (or shows a fixed one), a PIN and the PIN again, checks
them, then runs a job with them on the writer thread (add a user, set a PIN) and is accepted
with :attr:`UserFormDialog.user`. :class:`FirstOwnerDialog` is that form creating the shop's
first owner (``actor="setup"``); the Settings *Staf* page uses it for "Tambah kasir…" and
"Ganti PIN…" (:mod:`pos_app.ui.settings.staff`).

Decisions:

* **Checked before the worker, by the same rules**: the name with
  :func:`pos_app.staff.check_name`, the PIN with :func:`pos_app.staff.check_pin`, the second
  PIN against the first. Each error is shown in red under its own field, in Indonesian
  (:func:`~pos_app.ui.staff.pin_pad.staff_message`). The storage call checks them again.
* **Nothing typed is lost on an error.** The name always stays, and so do the PINs when the
  error is about something else. Only when the two PINs differ are both emptied: they are
  hidden, so nobody can see which one is wrong, and typing both again is the only fix.
* The PIN fields take digits only (a validator, at most 6) and are password fields; they are
  emptied when the dialog closes, so a PIN doesn't outlive the form in memory longer than
  needed. PINs never reach a label, the log or an exception.
* Adding a user hashes the PIN (scrypt, ~40 ms) and writes: ``tasks.write``, never the GUI
  thread. While it runs the form is disabled.
* The first owner is refused if an owner exists by then (another till finished the setup):
  a second "first" owner made by whoever stands at the till would be a way in.
* :class:`FirstOwnerDialog` can't be dismissed unless the caller says so (``allow_cancel``):
  without an owner nobody can approve a refund or add a cashier.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import shiboken6
from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QCloseEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from pos_app.clock import utcnow
from pos_app.staff import (
    NameInvalid,
    PinInvalid,
    Role,
    StaffError,
    User,
    UserExists,
    check_name,
    check_pin,
)
from pos_app.storage import staff
from pos_app.storage.database import Database
from pos_app.ui.i18n import register, tr
from pos_app.ui.staff.pin_pad import staff_message
from pos_app.ui.tasks import TaskManager

__all__ = ["FirstOwnerDialog", "OwnerExists", "UserFormDialog", "create_first_owner"]

log = logging.getLogger(__name__)

register({
    "Buat akun pemilik": "Create the owner account",
    "Selamat datang! Buat akun pemilik toko dulu. Pemilik menyetujui refund dan pembatalan, "
    "serta menambah kasir.":
        "Welcome! First create the shop owner's account. The owner approves refunds and "
        "voids, and adds cashiers.",
    "Nama": "Name",
    "PIN (4–6 angka)": "PIN (4–6 digits)",
    "Ulangi PIN": "PIN again",
    "Mis. Bu Sri": "E.g. Bu Sri",
    "PIN kedua tidak sama. Ketik keduanya lagi.": "The two PINs differ. Type both again.",
    "Buat akun": "Create account",
    "Menyimpan…": "Saving…",
    "Gagal menyimpan: {error}": "Could not save: {error}",
    "Batal": "Cancel",
    "Sudah ada pemilik. Tutup lalu masuk dengan PIN pemilik.":
        "An owner exists already. Close this and sign in with the owner's PIN.",
})

FORM_STYLE = """
QLabel#staffTitle { font-size: 24px; font-weight: bold; color: #0f766e; }
QLabel#staffIntro { font-size: 15px; color: #52606d; }
QLabel#staffFixedName { font-size: 19px; font-weight: bold; min-height: 48px; }
QLabel[fieldLabel="true"] { font-size: 16px; min-height: 48px; }
QLineEdit { min-height: 48px; font-size: 20px; padding: 2px 12px; }
QLabel[fieldError="true"] { color: #b42318; font-size: 15px; }
QLabel#formStatus { font-size: 15px; color: #52606d; }
QLabel#formStatus[error="true"] { color: #b42318; font-weight: bold; }
QPushButton { min-height: 52px; font-size: 17px; padding: 4px 22px; }
QPushButton#primaryButton {
    background: #0f766e; color: #ffffff; border: none; border-radius: 8px; font-weight: bold;
}
QPushButton#primaryButton:disabled { background: #b8c2cc; color: #f4f6f8; }
"""

Job = Callable[[str, str], User]
"""On the writer thread: (checked name, checked PIN) -> the user added or changed."""


class OwnerExists(StaffError):
    def __init__(self) -> None:
        super().__init__("an owner exists already",
                         "Sudah ada pemilik. Tutup lalu masuk dengan PIN pemilik.")


def create_first_owner(db: Database, name: str, pin: str, now: datetime) -> User:
    """The shop's first owner (on the writer thread); :class:`OwnerExists` if there is one."""
    if staff.owner_count(db):
        raise OwnerExists()
    return staff.add_user(db, name, Role.OWNER, pin, now, actor="setup")


def _pin_edit(name: str) -> QLineEdit:
    edit = QLineEdit(objectName=name)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMaxLength(6)
    edit.setValidator(QRegularExpressionValidator(QRegularExpression("[0-9]{0,6}"), edit))
    edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly
                             | Qt.InputMethodHint.ImhSensitiveData
                             | Qt.InputMethodHint.ImhNoPredictiveText)
    edit.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)  # no copy of a PIN
    edit.setMaximumWidth(220)
    return edit


def _error_label(name: str) -> QLabel:
    label = QLabel(objectName=name)
    label.setProperty("fieldError", True)
    label.setTextFormat(Qt.TextFormat.PlainText)  # it may quote the typed name
    # One line, no word wrap: a wrapped label in a form row isn't given the height it needs
    # (it would cover the field under it); the dialog widens for a long message instead.
    label.hide()
    return label


class UserFormDialog(QDialog):
    """Name (or the fixed ``name``), PIN, PIN again; ``job(name, pin)`` on the writer thread;
    accepted with :attr:`user` set to what it returned."""

    def __init__(self, tasks: TaskManager, job: Job, parent: QWidget | None = None, *,
                 title: str, intro: str = "", submit_text: str, name: str | None = None,
                 allow_cancel: bool = True) -> None:
        super().__init__(parent)
        self.tasks, self._job = tasks, job
        self.allow_cancel = allow_cancel
        self.user: User | None = None
        """The user added or changed (set when the dialog is accepted)."""
        self._fixed_name = name
        self._closing = False
        self.setWindowTitle(title)
        self.setStyleSheet(FORM_STYLE)
        if not allow_cancel:
            self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(14)
        layout.addWidget(QLabel(title, objectName="staffTitle"))
        if intro:
            intro_label = QLabel(intro, objectName="staffIntro")
            intro_label.setWordWrap(True)
            layout.addWidget(intro_label)

        form = QFormLayout()
        form.setVerticalSpacing(6)
        form.setHorizontalSpacing(18)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.name_edit = QLineEdit(objectName="staffName")
        self.name_edit.setMaxLength(60)  # check_name says "at most 40" past that
        self.name_edit.setPlaceholderText(tr("Mis. Bu Sri"))
        self.name_error = _error_label("staffNameError")
        if name is None:
            self._row(form, tr("Nama"), self.name_edit, self.name_error)
        else:
            self.name_edit.setText(name)
            fixed = QLabel(name, objectName="staffFixedName")
            fixed.setTextFormat(Qt.TextFormat.PlainText)
            self._row(form, tr("Nama"), fixed, self.name_error)
        self.pin_edit = _pin_edit("staffPin")
        self.pin_error = _error_label("staffPinError")
        self._row(form, tr("PIN (4–6 angka)"), self.pin_edit, self.pin_error)
        self.pin2_edit = _pin_edit("staffPin2")
        self.pin2_error = _error_label("staffPin2Error")
        self._row(form, tr("Ulangi PIN"), self.pin2_edit, self.pin2_error)
        layout.addLayout(form)

        self.status = QLabel(objectName="formStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.hide()
        layout.addWidget(self.status)
        layout.addStretch(1)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button: QPushButton | None = None
        if allow_cancel:
            self.cancel_button = QPushButton(tr("Batal"))
            self.cancel_button.setAutoDefault(False)
            self.cancel_button.setMinimumWidth(140)
            self.cancel_button.clicked.connect(lambda: self.reject())
            buttons.addWidget(self.cancel_button)
        self.submit_button = QPushButton(submit_text, objectName="primaryButton")
        self.submit_button.setDefault(True)
        self.submit_button.setMinimumWidth(180)
        self.submit_button.clicked.connect(self.submit)
        buttons.addWidget(self.submit_button)
        layout.addLayout(buttons)

        for edit, error in ((self.name_edit, self.name_error), (self.pin_edit, self.pin_error),
                            (self.pin2_edit, self.pin2_error)):
            # Typing in a field clears its error: it was about the text before.
            edit.textEdited.connect(lambda _t, e=error: e.hide())
        self.setMinimumWidth(540)
        (self.pin_edit if name is not None else self.name_edit).setFocus()

    @staticmethod
    def _row(form: QFormLayout, label: str, field: QWidget, error: QLabel) -> None:
        caption = QLabel(label)
        caption.setProperty("fieldLabel", True)
        # As tall as the field and no taller: level with it when an error shows under it.
        caption.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        caption.setBuddy(field)
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(field)
        column.addWidget(error)
        form.addRow(caption, column)

    # ------------------------------------------------------------------ checking

    def errors(self) -> dict[str, str]:
        """The errors shown now, by field ("name", "pin", "pin2"), for tests and callers."""
        labels = {"name": self.name_error, "pin": self.pin_error, "pin2": self.pin2_error}
        return {k: v.text() for k, v in labels.items() if not v.isHidden()}

    def status_text(self) -> str:
        return "" if self.status.isHidden() else self.status.text()

    def submit(self) -> None:
        """Check the form; when it is right, run the job on the writer thread."""
        for label in (self.name_error, self.pin_error, self.pin2_error):
            label.hide()
        self._set_status("")
        name = self.name_edit.text()
        ok = True
        try:
            name = check_name(name)
        except NameInvalid as exc:
            self._field_error(self.name_error, staff_message(exc))
            ok = False
        pin = self.pin_edit.text()
        try:
            check_pin(pin)
        except PinInvalid as exc:
            self._field_error(self.pin_error, staff_message(exc))
            ok = False
        else:
            if self.pin2_edit.text() != pin:
                self._field_error(self.pin2_error, tr("PIN kedua tidak sama. Ketik keduanya lagi."))
                self.pin_edit.clear()
                self.pin2_edit.clear()
                self.pin_edit.setFocus()
                return
        if not ok:
            return
        self._set_busy(True)
        job = self._job
        self.tasks.write(lambda: job(name, pin), self._done, self._failed)

    def _done(self, user: User) -> None:
        if self._gone():
            return
        self._set_busy(False)
        self.user = user
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        if self._gone():
            return
        self._set_busy(False)
        if isinstance(exc, (NameInvalid, UserExists)):
            self._field_error(self.name_error, staff_message(exc))
            self.name_edit.setFocus()
        elif isinstance(exc, PinInvalid):
            self._field_error(self.pin_error, staff_message(exc))
        elif isinstance(exc, StaffError):
            self._set_status(staff_message(exc), error=True)
        else:
            log.warning("staff form: could not save: %s: %s", type(exc).__name__, exc)
            self._set_status(tr("Gagal menyimpan: {error}", error=str(exc)), error=True)

    def _field_error(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.show()

    def _set_status(self, text: str, *, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("error", error)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        self.status.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.name_edit, self.pin_edit, self.pin2_edit, self.submit_button):
            widget.setEnabled(not busy)
        if busy:
            self._set_status(tr("Menyimpan…"))
        elif self.status.text() == tr("Menyimpan…"):
            self._set_status("")

    # ------------------------------------------------------------------ closing

    def _gone(self) -> bool:
        return self._closing or not shiboken6.isValid(self)

    def reject(self) -> None:
        if self.allow_cancel:
            super().reject()

    def done(self, result: int) -> None:
        self._closing = True
        self.pin_edit.clear()
        self.pin2_edit.clear()
        super().done(result)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._closing = False
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.allow_cancel and not self._closing:
            event.ignore()
            return
        super().closeEvent(event)


class FirstOwnerDialog(UserFormDialog):
    """First start: create the owner; accepted with :attr:`user` (the owner)."""

    def __init__(self, db: Database, tasks: TaskManager, clock: Callable[[], datetime] = utcnow,
                 parent: QWidget | None = None, *, allow_cancel: bool = False) -> None:
        super().__init__(
            tasks, lambda name, pin: create_first_owner(db, name, pin, clock()), parent,
            title=tr("Buat akun pemilik"),
            intro=tr("Selamat datang! Buat akun pemilik toko dulu. Pemilik menyetujui refund "
                     "dan pembatalan, serta menambah kasir."),
            submit_text=tr("Buat akun"), allow_cancel=allow_cancel)
        self.setObjectName("firstOwnerDialog")

    def _done(self, user: User) -> None:
        if not self._gone():
            log.info("first owner created: %s", user.name)
        super()._done(user)
