"""Step 2, *Pemilik*: the owner's account and PIN, with the form of "Buat akun pemilik".

The form is :class:`~pos_app.ui.staff.first_owner.UserFormDialog` itself (name, PIN, PIN
again; the same checks, the same messages, the PIN hashed and written on the writer thread),
embedded in the step as a plain widget: its own "Buat akun" button is hidden and the guide's
*Lanjut* submits it, so the step works like every other one (check, save, go on).

Decisions:

* **An owner that exists is shown, not asked for again**: "Pemilik: <name> ✓" (looked up on
  the reader thread when the step is built). Demo mode's "Pemilik Demo" is not an owner here
  (``users.demo``), so a till that tried the demo first still gets its real owner.
* The owner is refused if a real one appeared meanwhile (another till, or a second guide):
  the step then shows that owner instead of an error.
* A PIN typed and not saved is carried across a language switch like any typed text (in
  memory only, as long as the form would have held it); it never reaches a label or the log.
* Signing in, the Staf page's "Ganti PIN…" and more cashiers are in *Pengaturan › Staf*.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from pos_app.staff import Role, User
from pos_app.storage import staff
from pos_app.storage.database import Database
from pos_app.ui.first_run.progress import real_owner
from pos_app.ui.first_run.steps import GuideContext, Step
from pos_app.ui.i18n import register, tr
from pos_app.ui.staff.first_owner import OwnerExists, UserFormDialog
from pos_app.ui.tasks import TaskManager

__all__ = ["OwnerStep", "create_owner"]

log = logging.getLogger(__name__)

register({
    "Pemilik": "Owner",
    "Akun pemilik toko dan PIN-nya. Pemilik menyetujui refund dan pembatalan, menambah kasir, "
    "dan membuka Pengaturan.":
        "The shop owner's account and PIN. The owner approves refunds and voids, adds "
        "cashiers, and opens Settings.",
    "Buat akun pemilik": "Create the owner account",
    "Buat akun": "Create account",
    "Pemilik: {name} ✓": "Owner: {name} ✓",
    "Masuk ke kasir dengan nama dan PIN ini. PIN diganti dan kasir ditambah di Pengaturan › "
    "Staf.":
        "Sign in at the till with this name and PIN. Change the PIN and add cashiers in "
        "Settings › Staff.",
    "Memeriksa akun pemilik…": "Checking the owner account…",
})


def create_owner(db: Database, name: str, pin: str, now: Any) -> User:
    """The shop's first real owner (on the writer thread); :class:`OwnerExists` when there is
    one already. Demo mode's accounts don't count (they are retired when the till runs for
    real)."""
    if real_owner(db) is not None:
        raise OwnerExists()
    return staff.add_user(db, name, Role.OWNER, pin, now, actor="setup")


class _OwnerForm(UserFormDialog):
    """The name + PIN form as a widget of the step; says when a real owner exists."""

    ownerExists = Signal()

    def __init__(self, tasks: TaskManager, job: Callable[[str, str], User],
                 parent: QWidget) -> None:
        super().__init__(tasks, job, parent, title=tr("Buat akun pemilik"),
                         submit_text=tr("Buat akun"), allow_cancel=False)
        self.busy = False
        self.setObjectName("ownerForm")
        self.setWindowFlags(Qt.WindowType.Widget)  # a part of the step, not a window
        self.submit_button.hide()  # the guide's Lanjut submits
        title = self.findChild(QLabel, "staffTitle")
        if title is not None:
            title.hide()  # the guide's header says it
        layout = self.layout()
        if layout is not None:
            layout.setContentsMargins(0, 8, 0, 0)
        self.name_edit.setMaximumWidth(520)  # a name, not a paragraph

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        super()._set_busy(busy)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, OwnerExists) and not self._gone():
            self._set_busy(False)
            self.ownerExists.emit()
            return
        super()._failed(exc)


class OwnerStep(Step):
    key = "owner"
    title = "Pemilik"
    intro = ("Akun pemilik toko dan PIN-nya. Pemilik menyetujui refund dan pembatalan, menambah "
             "kasir, dan membuka Pengaturan.")

    def __init__(self, ctx: GuideContext, next_step: Callable[[], None]) -> None:
        super().__init__(ctx)
        self.owner: str | None = None
        self._looked_up = False
        self._waiting: Callable[[], None] | None = None  # Lanjut before the lookup answered
        self._proceed: Callable[[], None] | None = None

        self.done_label = QLabel(objectName="ownerDone")
        self.done_label.setTextFormat(Qt.TextFormat.PlainText)  # the name was typed
        font = QFont(self.done_label.font())
        font.setPixelSize(24)
        font.setBold(True)
        self.done_label.setFont(font)
        self.done_label.setStyleSheet("color: #1b7f3b;")
        self.done_hint = QLabel(tr("Masuk ke kasir dengan nama dan PIN ini. PIN diganti dan "
                                   "kasir ditambah di Pengaturan › Staf."))
        self.done_hint.setWordWrap(True)
        self.checking = QLabel(tr("Memeriksa akun pemilik…"))
        db, clock = ctx.db, ctx.clock
        self.form = _OwnerForm(ctx.tasks,
                               lambda name, pin: create_owner(db, name, pin, clock()), self)
        self.form.accepted.connect(self._created)
        self.form.ownerExists.connect(self._look_up)
        # Enter moves down the form, and in the last field is Lanjut (the form's own default
        # button is hidden, and the form, a dialog of its own, would swallow the key).
        self.form.name_edit.returnPressed.connect(self.form.pin_edit.setFocus)
        self.form.pin_edit.returnPressed.connect(self.form.pin2_edit.setFocus)
        self.form.pin2_edit.returnPressed.connect(next_step)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.checking)
        layout.addWidget(self.form)
        layout.addWidget(self.done_label)
        layout.addWidget(self.done_hint)
        layout.addStretch(1)
        self.form.show()
        for widget in (self.done_label, self.done_hint):
            widget.hide()
        self._look_up()

    # ------------------------------------------------------------------ the owner

    def _look_up(self) -> None:
        db = self.ctx.db
        self.ctx.tasks.read(lambda: real_owner(db), self._found, self._lookup_failed)

    def _gone(self) -> bool:
        return not self.ctx.alive() or not shiboken6.isValid(self)

    def _found(self, name: str | None) -> None:
        if self._gone():
            return
        self._looked_up = True
        self.checking.hide()
        if name is not None:
            self._show_owner(name)
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self.commit(waiting)
        self.changed.emit()

    def _lookup_failed(self, exc: BaseException) -> None:
        log.error("first run: looking up the owner failed", exc_info=exc)
        self._found(None)  # the form then says what went wrong when it is submitted

    def _show_owner(self, name: str) -> None:
        self.owner = name
        self.form.hide()
        self.done_label.setText(tr("Pemilik: {name} ✓", name=name))
        self.done_label.show()
        self.done_hint.show()

    def _created(self) -> None:
        if self._gone() or self.form.user is None:
            return
        log.info("first owner created by the first-run guide: %s", self.form.user.name)
        self._show_owner(self.form.user.name)
        self.changed.emit()
        proceed, self._proceed = self._proceed, None
        if proceed is not None:
            proceed()

    # ------------------------------------------------------------------ guide hooks

    def commit(self, proceed: Callable[[], None]) -> None:
        if self.owner is not None:
            proceed()
            return
        if self.busy():
            return
        if not self._looked_up:
            self._waiting = proceed
            self.changed.emit()
            return
        self._proceed = proceed
        self.form.submit()
        self.changed.emit()

    def busy(self) -> bool:
        return self.form.busy or self._waiting is not None

    def errors(self) -> dict[str, str]:
        """The form's errors shown now, by field ("name", "pin", "pin2")."""
        return self.form.errors()

    def state(self) -> dict[str, Any]:
        return {"owner": self.owner, "name": self.form.name_edit.text(),
                "pin": self.form.pin_edit.text(), "pin2": self.form.pin2_edit.text()}

    def restore(self, state: dict[str, Any]) -> None:
        if state.get("owner"):
            self._show_owner(str(state["owner"]))
            return
        self.form.name_edit.setText(str(state.get("name") or ""))
        self.form.pin_edit.setText(str(state.get("pin") or ""))
        self.form.pin2_edit.setText(str(state.get("pin2") or ""))

    def dispose(self) -> None:
        self.form.pin_edit.clear()
        self.form.pin2_edit.clear()
