"""Owner approval at the till ("Perlu persetujuan pemilik"): a refund, a void, a price change
that only an owner may allow, approved on the spot with the owner's PIN.

:class:`OwnerApproval` says what is being approved (a sentence from the caller, e.g. "Refund
Rp 25.000 untuk K1-20261206-0003"), lists the active owners (one: already picked) and checks the
PIN like the sign-in does (:class:`~pos_app.ui.staff.sign_in.UserPinDialog`: on a worker, "PIN
salah — sisa N kali", "Terkunci sampai HH:MM"). :func:`ask_owner` is how the till asks.

Decisions:

* **Only an owner can approve, checked three times**: only owners get a button; the worker
  refuses a name that isn't an active owner *before* checking any PIN (so a cashier's PIN is
  never even tried, and a cashier's tries aren't spent); and the user the check returns must
  be an owner. A cashier typing their own PIN can't approve their own refund.
* **An owner at the till approves without typing again** (:func:`ask_owner` with
  ``current_user`` an owner): they signed in with their PIN, and the action is recorded under
  their name by the caller anyway.
* **Non-blocking**: :func:`ask_owner` opens the dialog with ``open()``, not ``exec()``, so the
  till's timers (a QRIS waiting for its payment) keep running; ``on_approved`` is called when
  the owner's PIN was right. *Batal* / Escape cancel: ``on_approved`` is not called.
* The log says who approved, never the PIN (and not the sentence: it can name amounts; the
  caller audits the action itself).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from pos_app.clock import utcnow
from pos_app.staff import Role, StaffError, User
from pos_app.storage import staff
from pos_app.storage.database import Database
from pos_app.ui.i18n import register, tr
from pos_app.ui.staff.sign_in import UserPinDialog, Verify
from pos_app.ui.tasks import TaskManager

__all__ = ["NotAnOwner", "OwnerApproval", "ask_owner", "verify_owner"]

log = logging.getLogger(__name__)

register({
    "Perlu persetujuan pemilik": "Owner approval needed",
    "Pemilik yang menyetujui": "Approving owner",
    "Hanya pemilik yang bisa menyetujui": "Only an owner can approve",
    "Belum ada pemilik aktif.": "There is no active owner.",
})

WHAT_STYLE = """
QLabel#approvalWhat {
    background: #e6f4f1; border: 1px solid #9fd3cb; border-radius: 8px; padding: 12px 16px;
    font-size: 19px; font-weight: bold; color: #1f2933;
}
"""


class NotAnOwner(StaffError):
    def __init__(self) -> None:
        super().__init__("only an owner can approve", "Hanya pemilik yang bisa menyetujui")


class OwnerApproval(UserPinDialog):
    """Accepted with :attr:`approver` (an owner) once an owner typed their PIN; *Batal* and
    Escape reject it. ``what`` is shown as plain text; ``tz`` as in the sign-in."""

    def __init__(self, db: Database, tasks: TaskManager, what: str,
                 clock: Callable[[], datetime] = utcnow, parent: QWidget | None = None, *,
                 tz: tzinfo | None = None) -> None:
        super().__init__(db, tasks, clock, parent, tz=tz, allow_cancel=True,
                         title=tr("Perlu persetujuan pemilik"),
                         caption=tr("Pemilik yang menyetujui"))
        self.setObjectName("ownerApproval")
        self.setStyleSheet(self.styleSheet() + WHAT_STYLE)
        self.approver: User | None = None
        """The owner who approved (set when the dialog is accepted)."""
        self.what = QLabel(what, objectName="approvalWhat")
        self.what.setTextFormat(Qt.TextFormat.PlainText)  # it may quote a customer's text
        self.what.setWordWrap(True)
        self.header.addWidget(self.what)

    def _listed(self, user: User) -> bool:
        return user.active and user.role is Role.OWNER

    def _empty_text(self) -> str:
        return tr("Belum ada pemilik aktif.")

    def _verifier(self) -> Verify:
        db = self.db
        return lambda name, pin, now: verify_owner(db, name, pin, now)

    def _succeeded(self, user: User) -> None:
        if user.role is not Role.OWNER:  # verify_owner refused it already; belt and braces
            self.pad.show_error(tr("Hanya pemilik yang bisa menyetujui"))
            return
        self.approver = user
        log.info("owner approval given by %s", user.name)
        self.accept()


def verify_owner(db: Database, name: str, pin: str, now: datetime) -> User:
    """The owner ``name`` when ``pin`` is theirs (on the writer thread). A name that isn't an
    owner's raises :class:`NotAnOwner` before its PIN is checked, so a cashier's PIN never
    approves anything and a cashier's tries aren't spent."""
    if staff.get_user(db, name).role is not Role.OWNER:
        raise NotAnOwner()
    user = staff.sign_in(db, name, pin, now)
    if user.role is not Role.OWNER:  # changed between the two reads
        raise NotAnOwner()
    return user


def ask_owner(parent: QWidget | None, db: Database, tasks: TaskManager, tz: tzinfo | None,
              what: str, on_approved: Callable[[User], None], *,
              current_user: User | None = None,
              clock: Callable[[], datetime] = utcnow) -> OwnerApproval | None:
    """Get an owner's approval for ``what``, then call ``on_approved(owner)``.

    An owner signed in (``current_user``) approves at once: ``on_approved`` runs before this
    returns, and None is returned. Otherwise the :class:`OwnerApproval` dialog is opened
    (window-modal, not blocking) and returned; ``on_approved`` runs when it is accepted,
    never when it is cancelled. The dialog deletes itself once closed.
    """
    if current_user is not None and current_user.role is Role.OWNER and current_user.active:
        on_approved(current_user)
        return None
    dialog = OwnerApproval(db, tasks, what, clock, parent, tz=tz)

    def accepted() -> None:
        if dialog.approver is not None:
            on_approved(dialog.approver)

    dialog.accepted.connect(accepted)
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog
