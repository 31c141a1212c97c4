"""Signing in at the till ("Masuk kasir"): pick your name, type your PIN.

:class:`SignInDialog` lists the active users as big buttons (the owner marked "Pemilik") next
to a :class:`~pos_app.ui.staff.pin_pad.PinPad`; with one user, that user is already picked.
:class:`UserPinDialog` is the part it shares with the owner approval
(:mod:`pos_app.ui.staff.approve`): the user buttons, the pad, and the check on a worker.

Decisions:

* **Nothing touches the database on the GUI thread.** The list is read with ``tasks.read``;
  the PIN is checked by :func:`pos_app.storage.staff.sign_in` with ``tasks.write``, because a
  wrong PIN writes the failure count (and scrypt takes ~40 ms). While it runs the pad and the
  names are disabled, so a double tap can't spend two of the five tries.
* **What a refusal says**: "PIN salah — sisa N kali" (tries before the lock), "Terkunci sampai
  HH:MM" in the store's time zone (``tz``), and the pad is cleared for the next try. Picking a
  user the list already knows to be locked says so at once.
* **The caller decides whether it can be dismissed** (``allow_cancel``). At the start of a
  shift the till must not fall through to an unsigned sale screen: then Escape, ``reject()``
  and the window's close button do nothing, and there is no *Batal*. Only :meth:`accept` (a
  right PIN) closes it.
* **Demo mode shows its PIN** ("Mode demo — PIN: 1234") in the demo banner's colours, so a
  trial install isn't a locked door. Outside demo mode no PIN is ever shown or logged.
* A check still running when the dialog closes is answered into the void: its result is
  dropped (a cancelled sign-in never signs anyone in).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from pos_app.clock import utcnow, zone
from pos_app.staff import LockedOut, Role, StaffError, UnknownUser, User, WrongPin
from pos_app.storage import staff
from pos_app.storage.database import Database
from pos_app.ui.i18n import register, tr
from pos_app.ui.staff.pin_pad import PinPad, lock_message, staff_message
from pos_app.ui.tasks import TaskManager, TaskManagerClosed

__all__ = ["SignInDialog", "UserPinDialog", "Verify"]

log = logging.getLogger(__name__)

Verify = Callable[[str, str, datetime], User]

register({
    "Masuk kasir": "Sign in",
    "Pilih nama Anda": "Choose your name",
    "Pemilik": "Owner",
    "Memuat…": "Loading…",
    "PIN untuk {name}": "PIN for {name}",
    "Pilih nama dulu": "Choose a name first",
    "PIN salah — sisa {left} kali": "Wrong PIN — {left} tries left",
    "{name} tidak aktif lagi: pilih nama lain": "{name} is no longer active: choose another name",
    "PIN tidak bisa diperiksa: {error}": "The PIN could not be checked: {error}",
    "Daftar nama tidak bisa dibaca: {error}": "The list of names could not be read: {error}",
    "Belum ada pengguna. Buat akun pemilik dulu.": "No users yet. Create the owner first.",
    "Mode demo — PIN: {pin}": "Demo mode — PIN: {pin}",
    "Batal": "Cancel",
})

DIALOG_STYLE = """
QLabel#staffTitle { font-size: 24px; font-weight: bold; color: #0f766e; }
QLabel#staffCaption { font-size: 15px; color: #52606d; }
QPushButton[userButton="true"] {
    min-height: 64px; font-size: 18px; text-align: left; padding: 6px 18px;
    border: 1px solid #c5ccd3; border-radius: 10px; background: #ffffff;
}
QPushButton[userButton="true"]:checked {
    background: #0f766e; color: #ffffff; border-color: #0f766e; font-weight: bold;
}
QPushButton[userButton="true"]:disabled { color: #9aa5b1; background: #eceff1; }
QPushButton[userButton="true"]:checked:disabled { background: #7fb3ad; color: #ffffff; }
QLabel#demoBanner {
    background: #fff4ce; color: #7a5a00; border: 1px solid #f1d27a; border-radius: 8px;
    padding: 8px 12px; font-size: 17px; font-weight: bold;
}
QScrollArea#userList, QWidget#userListInner { background: transparent; }
"""

USER_BUTTON_WIDTH = 280


class UserPinDialog(QDialog):
    """User buttons + PIN pad, the PIN checked on a worker; subclasses choose who is listed
    (:meth:`_listed`), how the PIN is checked (:meth:`_verifier`) and what success does
    (:meth:`_succeeded`)."""

    def __init__(self, db: Database, tasks: TaskManager, clock: Callable[[], datetime],
                 parent: QWidget | None, *, tz: tzinfo | None, allow_cancel: bool,
                 title: str, caption: str) -> None:
        super().__init__(parent)
        self.db, self.tasks, self.clock = db, tasks, clock
        self.tz: tzinfo = tz if tz is not None else zone(None)
        self.allow_cancel = allow_cancel
        self.users: list[User] = []
        self.user_buttons: dict[str, QPushButton] = {}
        """The listed users' buttons, by name (filled once the list is read)."""
        self._selected: str | None = None
        #: who is picked once the list is read (the till passes who signed in last, so the
        #: usual cashier only types a PIN); Up/Down change it from the keyboard
        self.preselect: str | None = None
        self._closing = False  # done() ran: late answers are dropped, the close is allowed
        self.setWindowTitle(title)
        self.setStyleSheet(DIALOG_STYLE)
        if not allow_cancel:
            self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)

        self.title = QLabel(title, objectName="staffTitle")
        self.caption = QLabel(caption, objectName="staffCaption")
        self.list_status = QLabel(tr("Memuat…"), objectName="staffCaption")
        self.list_status.setWordWrap(True)
        self.list_status.setTextFormat(Qt.TextFormat.PlainText)

        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        inner = QWidget(objectName="userListInner")
        self._user_column = QVBoxLayout(inner)
        self._user_column.setContentsMargins(0, 0, 4, 0)
        self._user_column.setSpacing(10)
        self._user_column.addWidget(self.list_status)
        self._user_column.addStretch(1)
        scroll = QScrollArea(objectName="userList")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        scroll.setMinimumWidth(USER_BUTTON_WIDTH + 16)

        left = QVBoxLayout()
        left.setSpacing(10)
        left.addWidget(self.caption)
        left.addWidget(scroll, 1)

        self.pad = PinPad(self)
        self.pad.submitted.connect(self._check)
        self.pad.set_prompt(tr("Pilih nama dulu"))

        body = QHBoxLayout()
        body.setSpacing(28)
        body.addLayout(left, 1)
        body.addWidget(self.pad, 0, Qt.AlignmentFlag.AlignTop)

        self.header = QVBoxLayout()  # subclasses add under the title
        self.header.setSpacing(8)
        self.header.addWidget(self.title)

        self.cancel_button: QPushButton | None = None
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        if allow_cancel:
            self.cancel_button = QPushButton(tr("Batal"), objectName="staffCancel")
            self.cancel_button.setMinimumSize(140, 52)
            self.cancel_button.setAutoDefault(False)
            self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.cancel_button.clicked.connect(lambda: self.reject())
            buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 22, 28, 22)
        layout.setSpacing(16)
        layout.addLayout(self.header)
        layout.addLayout(body, 1)
        if allow_cancel:
            layout.addLayout(buttons)
        self.setMinimumWidth(760)
        # Fits a 1366x768 counter screen; the pad (~450 px) and a title with a wrapped line
        # above it need this height (a smaller one squeezes the keys together).
        self.resize(840, 680)
        self._load()

    # ------------------------------------------------------------------ hooks

    def _listed(self, user: User) -> bool:
        """Whether ``user`` gets a button (active ones only; the approval: owners only)."""
        return user.active

    def _verifier(self) -> Verify:
        """How the PIN is checked, on the writer thread: ``(name, pin, now) -> User`` or raise.
        A function of the database only, not of the dialog: a worker must never hold the
        last reference to a widget (it would be deleted on the wrong thread)."""
        db = self.db
        return lambda name, pin, now: staff.sign_in(db, name, pin, now)

    def _succeeded(self, user: User) -> None:
        raise NotImplementedError

    def _empty_text(self) -> str:
        return tr("Belum ada pengguna. Buat akun pemilik dulu.")

    # ------------------------------------------------------------------ the list

    @property
    def selected_name(self) -> str | None:
        return self._selected

    def _load(self) -> None:
        db = self.db
        try:
            self.tasks.read(lambda: staff.list_users(db), self._loaded, self._load_failed)
        except TaskManagerClosed as exc:
            self._load_failed(exc)

    def _load_failed(self, exc: BaseException) -> None:
        if self._gone():
            return
        log.warning("staff list could not be read: %s", exc)
        self.list_status.setText(tr("Daftar nama tidak bisa dibaca: {error}", error=str(exc)))

    def _loaded(self, users: list[User]) -> None:
        if self._gone():
            return
        for button in self.user_buttons.values():
            self._group.removeButton(button)
            button.deleteLater()
        self.user_buttons = {}
        self.users = [u for u in users if self._listed(u)]
        for i, user in enumerate(self.users):
            text = user.name
            if user.role is Role.OWNER:
                text += "  ·  " + tr("Pemilik")
            button = QPushButton(text)
            button.setProperty("userButton", True)
            button.setObjectName("userButton")
            button.setCheckable(True)
            button.setAutoDefault(False)
            button.setMinimumHeight(64)
            button.setMinimumWidth(USER_BUTTON_WIDTH)
            button.clicked.connect(lambda _=False, n=user.name: self.select(n))
            self._group.addButton(button)
            self._user_column.insertWidget(i, button)
            self.user_buttons[user.name] = button
        self.list_status.setVisible(not self.users)
        self.list_status.setText(self._empty_text())
        if self._selected in self.user_buttons:
            self.user_buttons[self._selected].setChecked(True)  # a reload keeps the choice
        else:
            self._selected = None
            self.pad.set_prompt(tr("Pilih nama dulu"))
        if len(self.users) == 1:
            self.select(self.users[0].name)
        elif self._selected is None and self.preselect in self.user_buttons:
            self.select(self.preselect)
        self.pad.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Up/Down pick the previous/next name: a keyboard-only till can sign anyone in."""
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}.get(Qt.Key(event.key()))
        names = [u.name for u in self.users]
        if step is None or not names:
            super().keyPressEvent(event)
            return
        at = names.index(self._selected) if self._selected in names else (-1 if step > 0 else 0)
        self.select(names[(at + step) % len(names)])

    def select(self, name: str) -> None:
        """Pick ``name`` (a listed user): the pad asks for their PIN."""
        button = self.user_buttons.get(name)
        if button is None or self.pad.busy:
            return
        button.setChecked(True)
        if name != self._selected:
            self._selected = name
            self.pad.clear()
            self.pad.clear_message()
        self.pad.set_prompt(tr("PIN untuk {name}", name=name))
        user = next(u for u in self.users if u.name == name)
        if user.locked(self.clock()):
            assert user.locked_until is not None
            self.pad.show_error(lock_message(user.locked_until, self.tz))
        self.pad.setFocus()

    # ------------------------------------------------------------------ the check

    def _check(self, pin: str) -> None:
        name = self._selected
        if name is None:
            self.pad.clear()
            self.pad.show_error(tr("Pilih nama dulu"))
            return
        self._set_busy(True)
        now, verify = self.clock(), self._verifier()
        try:
            self.tasks.write(lambda: verify(name, pin, now),
                             self._checked, lambda exc: self._refused(name, exc))
        except TaskManagerClosed as exc:  # the till is closing
            self._refused(name, exc)

    def _checked(self, user: User) -> None:
        if self._gone():
            return
        self._set_busy(False)
        self.pad.clear()
        self._succeeded(user)

    def _refused(self, name: str, exc: BaseException) -> None:
        if self._gone():
            return
        self._set_busy(False)
        self.pad.clear()
        if isinstance(exc, WrongPin):
            self.pad.show_error(tr("PIN salah — sisa {left} kali", left=exc.left))
        elif isinstance(exc, LockedOut):
            self.pad.show_error(lock_message(exc.until, self.tz))
            self._load()  # the list shows the lock from now on
        elif isinstance(exc, UnknownUser):  # deactivated meanwhile, or never listed
            self.pad.show_error(tr("{name} tidak aktif lagi: pilih nama lain", name=name))
            self._load()
        elif isinstance(exc, StaffError):
            self.pad.show_error(staff_message(exc))
        else:
            # A database error (disk full, damaged file): nothing in it comes from the PIN.
            log.warning("PIN check failed: %s: %s", type(exc).__name__, exc)
            self.pad.show_error(tr("PIN tidak bisa diperiksa: {error}", error=str(exc)))
        self.pad.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self.pad.set_busy(busy)
        for button in self.user_buttons.values():
            button.setEnabled(not busy)

    # ------------------------------------------------------------------ closing

    def _gone(self) -> bool:
        return self._closing or not shiboken6.isValid(self)

    def reject(self) -> None:
        if self.allow_cancel:
            super().reject()

    def done(self, result: int) -> None:
        self._closing = True
        self.pad.clear()
        super().done(result)

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._closing = False  # opened again (exec() twice)
        super().showEvent(event)
        self.pad.setFocus()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.allow_cancel and not self._closing:
            event.ignore()  # the window's close button: not a way past the sign-in
            return
        super().closeEvent(event)


class SignInDialog(UserPinDialog):
    """"Masuk kasir": accepted with :attr:`user` set once someone typed their PIN.

    ``tz`` is the store's time zone for "Terkunci sampai HH:MM" (default Asia/Jakarta);
    ``demo_pin`` is shown in a banner in demo mode; ``allow_cancel`` see the module docstring.
    """

    def __init__(self, db: Database, tasks: TaskManager, clock: Callable[[], datetime] = utcnow,
                 parent: QWidget | None = None, demo_pin: str | None = None, *,
                 tz: tzinfo | None = None, allow_cancel: bool = False) -> None:
        super().__init__(db, tasks, clock, parent, tz=tz, allow_cancel=allow_cancel,
                         title=tr("Masuk kasir"), caption=tr("Pilih nama Anda"))
        self.setObjectName("signInDialog")
        self.user: User | None = None
        """Who signed in (set when the dialog is accepted)."""
        self.demo_banner: QLabel | None = None
        if demo_pin is not None:
            self.demo_banner = QLabel(tr("Mode demo — PIN: {pin}", pin=demo_pin),
                                      objectName="demoBanner")
            self.demo_banner.setTextFormat(Qt.TextFormat.PlainText)
            self.header.addWidget(self.demo_banner)

    def _succeeded(self, user: User) -> None:
        self.user = user
        log.info("signed in: %s (%s)", user.name, user.role.value)
        self.accept()
