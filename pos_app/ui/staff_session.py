"""Who is at the till, and whether its drawer is open: the signed-in user and the open shift.

The cashier window has one :class:`StaffSession` when the till runs for a shop (the app's
composition root makes it); tests and benches that build a bare ``CashierWindow`` have none
and sell as the OS user, as before.

The rules, and why:

* **The till opens on a PIN pad.** The first start of a shop without an owner asks for the
  owner's account first; demo mode makes a demo owner and cashier whose PIN is on the screen.
* **Everything rung up names the signed-in user** (orders, payments, audit rows): the
  session hands the window's payment service a ``Till`` with the user and the shift
  (``PaymentService.use_till``).
* **Nothing is sold without an open shift** (``pos_app.shifts``). The shift is the till's,
  not the user's: a cashier who signs in at a till whose shift is open sells into it.
* **Owner-only actions ask for an owner's PIN inline** (:meth:`StaffSession.owner_only`); an
  owner signed in approves their own actions without typing the PIN again. Who approved is
  passed to the action, which records it.
* **Locking the till** (F12, "Kunci") signs the user out and shows the PIN pad again; the cart
  stays, the shift stays open.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from pos_app.clock import utcnow
from pos_app.shifts import Shift, ShiftTooOld, too_old
from pos_app.staff import Role, User
from pos_app.ui.i18n import register, tr
from pos_app.ui.props import no_focus

if TYPE_CHECKING:
    from pos_app.ui.main_window import CashierWindow

log = logging.getLogger(__name__)

#: The PIN of demo mode's accounts, shown on the PIN pad (a demo has no secrets).
DEMO_PIN = "1234"
DEMO_OWNER, DEMO_CASHIER = "Pemilik Demo", "Kasir Demo"

register({
    "Kasir: {name}": "Cashier: {name}",
    "Pemilik: {name}": "Owner: {name}",
    "Kasir dibuka {time} ({who})": "Till opened {time} ({who})",
    "Kasir belum dibuka": "Till not opened",
    "Buka kasir (F7)": "Open till (F7)",
    "Tutup kasir (F7)": "Close till (F7)",
    "Kunci (F12)": "Lock (F12)", "Pemeriksaan toko…": "Shop health check…",
    "Panduan persiapan toko…": "Shop set-up guide…", "Panduan persiapan toko": "Shop set-up guide",
    "Buka kasir dulu (F7) sebelum menjual": "Open the till first (F7) before selling",
    "Masuk dulu dengan PIN": "Sign in with a PIN first",
    "Kasir ditutup — selisih {diff}": "Till closed — difference {diff}",
    "Kasir ditutup — uang pas": "Till closed — cash matches",
    "Kasir dibuka oleh {who}": "Till opened by {who}",
})


class StaffSession(QObject):
    """The signed-in user and the till's open shift, for one cashier window."""

    changed = Signal()  # user or shift changed

    def __init__(self, window: CashierWindow, *, demo: bool, first_run: bool = False,
                 clock: Callable[[], object] = utcnow) -> None:
        """``first_run``: a fresh shop gets the first-run guide (``pos_app.ui.first_run``)
        instead of the bare owner's account; the app passes it unless started with
        ``--demo`` (a demo on a salesperson's laptop goes straight to the PIN pad)."""
        super().__init__(window)
        self.window = window
        self.db = window.db
        self.tasks = window.tasks
        self.settings = window.settings
        self._demo_at_start = demo
        self.first_run = first_run
        self.user: User | None = None
        self.shift: Shift | None = None
        self._dialog: QWidget | None = None  # the sign-in / first-owner dialog on screen
        self._last_name: str | None = None
        self._after_guide = False  # the first-run guide just finished: its owner signs in
        self._real_owner_seen = False  # the shop has its own owner: no demo PIN on the pad
        self.bar = self._build_bar()
        self._refresh()

    @property
    def demo(self) -> bool:
        """Whether the till sells in demo mode now: the window's, which ends when a real
        provider is saved (one source, so a PIN pad shown later never offers PIN 1234 on a
        live till)."""
        return bool(getattr(self.window, "demo", self._demo_at_start))

    # -- the header's corner ----------------------------------------------------------------
    def _build_bar(self) -> QToolButton:
        """One compact button in the header (a 1366 px wide header has no room for three):
        who is signed in over the shift's state; its menu opens/closes the till and locks."""
        button = QToolButton(objectName="staffButton")
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        no_focus(button)
        menu = QMenu(button)
        self.shift_action = menu.addAction("", self.toggle_shift)
        self.lock_action = menu.addAction("", self.lock)
        menu.addSeparator()
        self.doctor_action = menu.addAction("", self.open_doctor)
        self.guide_action = menu.addAction("", self.open_guide)
        button.setMenu(menu)
        return button

    def retranslate(self) -> None:
        self._refresh()

    def _refresh(self) -> None:
        user, shift = self.user, self.shift
        if user is None:
            who = tr("Masuk dulu dengan PIN")
        elif user.role is Role.OWNER:
            who = tr("Pemilik: {name}", name=user.name)
        else:
            who = tr("Kasir: {name}", name=user.name)
        if shift is None:
            state = tr("Kasir belum dibuka")
        else:
            when = shift.opened_at.astimezone(self.settings.timezone()).strftime("%H:%M")
            state = tr("Kasir dibuka {time} ({who})", time=when, who=shift.opened_by)
        self.bar.setText(f"{who}\n{state}")
        self.bar.setProperty("warn", shift is None)
        self.bar.style().unpolish(self.bar)
        self.bar.style().polish(self.bar)
        self.shift_action.setText(tr("Buka kasir (F7)") if shift is None
                                  else tr("Tutup kasir (F7)"))
        self.shift_action.setEnabled(user is not None)
        self.lock_action.setText(tr("Kunci (F12)"))
        self.doctor_action.setText(tr("Pemeriksaan toko…"))
        self.guide_action.setText(tr("Panduan persiapan toko…"))
        self.guide_action.setEnabled(user is not None)
        self.lock_action.setEnabled(user is not None)

    # -- the till the service sells as -------------------------------------------------------
    def _apply(self) -> None:
        """Tell the payment service who sells and into which shift (a till not joined to a
        service yet gets it when joined: :meth:`service_attached`)."""
        self._refresh()
        service = self.window.service
        if service is not None:
            user, shift = self.user, self.shift
            service.use_till(replace(
                service.till, cashier=user.name if user else "",
                cashier_id=user.id if user else None,
                shift_id=shift.id if shift else None,
                business_date=shift.business_date if shift else None))
        self.changed.emit()

    def service_attached(self) -> None:
        self._apply()

    @property
    def actor(self) -> str | None:
        return self.user.name if self.user else None

    # -- start: first owner, sign in, shift --------------------------------------------------
    def begin(self) -> None:
        """The first-run guide on a fresh shop (when allowed), else the PIN pad (after the
        first owner's account, or demo mode's accounts, if there are none yet)."""
        if not self.first_run:
            self._begin()
            return
        from pos_app.storage.staff import first_real_owner
        from pos_app.ui.first_run.progress import needs_first_run

        settings, db = self.settings, self.db

        def look() -> bool:
            # Once the shop has its owner, an unfinished guide is theirs to resume (staff
            # menu, after the PIN): opened before anyone signed in it would let whoever
            # starts the till change the shop's QRIS and payment settings.
            return needs_first_run(settings, db) and first_real_owner(db) is None

        def failed(exc: BaseException) -> None:
            self._failed(exc)
            self._begin()  # never a till with neither the guide nor the PIN pad

        self.tasks.read(look, lambda needed: self._guide() if needed else self._begin(),
                        failed)

    def _guide(self) -> None:
        """The first-run guide, joined to the till: what it saves is applied as after
        Pengaturan (a real provider ends demo mode), its device tests use the till's
        devices, its Rp 1 test sale goes through the till's payment service."""
        from pos_app.ui.first_run import FirstRunGuide

        window = self.window
        guide = FirstRunGuide(self.settings, self.db, self.tasks, demo=self.demo, parent=window,
                              start_test_sale=self._test_sale, events=window.events,
                              cancel_test_sale=self._cancel_test_sale)
        guide.saved.connect(window._settings_saved)
        devices = window.devices
        if devices is not None:
            guide.deviceTestRequested.connect(
                lambda device: devices.test(device, guide.device_values(device)))
            devices.test_done.connect(guide.show_device_test_result)
            guide.finished.connect(
                lambda _r: devices.test_done.disconnect(guide.show_device_test_result))

        def done() -> None:
            log.info("first-run guide finished (demo: %s)", window.demo)
            self._after_guide = True
            self._begin()  # the owner made in the guide signs in with their PIN

        def skipped() -> None:
            log.info("first-run guide skipped (demo: %s)", window.demo)
            self._begin()

        guide.finished_setup.connect(done)
        guide.skipped_to_demo.connect(skipped)
        self._dialog = guide
        guide.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def closed(_result: int) -> None:
            self._dialog = None
            window.dialog_closed()  # the keyboard back to the till (no WM gives it back)

        guide.finished.connect(closed)
        guide.open()

    def _test_sale(self, amount: int) -> str:
        """The guide's test sale (on the writer thread): a QRIS of ``amount`` through the
        provider the owner just chose, outside any shift (like ``pos-app charge``)."""
        from pos_app.cart import Cart

        service = self.window.service
        if service is None:
            raise RuntimeError("payments are not ready yet")
        cart = Cart()
        cart.add_custom("Tes QRIS", amount)
        return service.start_qris(cart, note="first-run test").id

    def _cancel_test_sale(self, order_id: str) -> None:
        service = self.window.service
        if service is not None:
            service.cancel(order_id, "setup")

    def _begin(self) -> None:
        from pos_app.storage.staff import first_real_owner, owner_count, retire_demo_users

        demo = self.demo

        def count() -> tuple[int, str | None, int]:
            real = first_real_owner(self.db)
            retired = 0
            if not demo or real is not None:
                # Demo's accounts (PIN 1234 on the screen) never sign in at a live till, nor
                # beside the shop's real owner.
                retired = retire_demo_users(self.db, utcnow())
            return owner_count(self.db), real, retired

        def counted(result: tuple[int, str | None, int]) -> None:
            owners, real_owner, retired = result
            self._real_owner_seen = real_owner is not None
            user = self.user
            if user is not None:
                if not (retired and user.name in (DEMO_OWNER, DEMO_CASHIER)):
                    return  # signed in meanwhile (tests sign in directly)
                # Signed in as a demo account that just retired (the guide, opened from the
                # menu, made the shop live): no selling under it; the PIN pad again.
                log.info("%s retired while signed in: signed out", user.name)
                self.user = None
                self._apply()
            if self._after_guide and real_owner:  # who just set the shop up signs in first
                self._last_name = real_owner
            self._after_guide = False
            if self.demo and real_owner is None:  # its accounts, made (or active again)
                self.tasks.write(self._make_demo_users, lambda _r: self.sign_in(),
                                 self._failed)
            elif owners:
                self.sign_in()
            else:
                self._first_owner()

        self.tasks.write(count, counted, self._failed)

    def _make_demo_users(self) -> None:
        from pos_app.storage.staff import ensure_demo_user

        now = utcnow()
        ensure_demo_user(self.db, DEMO_OWNER, Role.OWNER, DEMO_PIN, now)
        ensure_demo_user(self.db, DEMO_CASHIER, Role.CASHIER, DEMO_PIN, now)

    def _first_owner(self) -> None:
        from pos_app.ui.staff.first_owner import FirstOwnerDialog

        dlg = FirstOwnerDialog(db=self.db, tasks=self.tasks, parent=self.window)
        self._show(dlg, lambda: self._signed_in(dlg.user))

    def sign_in(self) -> None:
        from pos_app.ui.staff.sign_in import SignInDialog

        if self._dialog is not None or self.user is not None:
            return
        demo = self.demo and not self._real_owner_seen
        dlg = SignInDialog(db=self.db, tasks=self.tasks, tz=self.settings.timezone(),
                           parent=self.window, demo_pin=DEMO_PIN if demo else None,
                           allow_cancel=False)
        # Locked for a break: the same cashier comes back; a demo starts as its cashier.
        dlg.preselect = self._last_name or (DEMO_CASHIER if demo else None)
        self._show(dlg, lambda: self._signed_in(dlg.user))

    def _show(self, dlg: QWidget, accepted: Callable[[], None]) -> None:
        self._dialog = dlg
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def finished(result: int) -> None:
            self._dialog = None
            if result:
                accepted()
            self.window.dialog_closed()  # the keyboard back to the search box (no WM: F-keys)

        dlg.finished.connect(finished)  # type: ignore[attr-defined]
        dlg.open()  # type: ignore[attr-defined]

    def _signed_in(self, user: User) -> None:
        from pos_app.storage.shifts import current_shift

        log.info("signed in: %s (%s)", user.name, user.role.value)
        self.user = user
        self._last_name = user.name
        self._apply()
        terminal = str(self.settings.get("store.terminal_id"))

        def found(shift: Shift | None) -> None:
            self.shift = shift
            self._apply()
            if shift is None:
                self.open_shift()
            self.window.focus_search()

        self.tasks.read(lambda: current_shift(self.db, terminal), found, self._failed)

    def lock(self) -> None:
        """Sign out: the PIN pad again; the cart and the shift stay."""
        if self.user is None:
            return
        log.info("till locked by %s", self.user.name)
        self.user = None
        self._apply()
        self._begin()  # via the owner count: demo's accounts retire once the till is live

    @staticmethod
    def _failed(exc: BaseException) -> None:
        log.error("staff session: %s", exc, exc_info=exc)

    def open_guide(self) -> None:
        """The first-run guide again (to finish or redo a step), for an owner only: it
        changes the shop's QRIS and how payments are confirmed."""
        if self.user is None or self._dialog is not None:
            return
        self.owner_only(tr("Panduan persiapan toko"), lambda _owner: self._guide())

    def open_doctor(self) -> None:
        """"Pemeriksaan toko": everything the shop depends on (pos_app.doctor), read-only, so
        anyone at the till may look. Its checks can take seconds (a gateway timing out): on
        a TaskManager of its own, never in front of the till's catalogue reads."""
        from pos_app.ui.doctor_screen import DoctorDialog
        from pos_app.ui.tasks import TaskManager

        window, db = self.window, self.db
        if db.path is None:
            return
        tasks = TaskManager()
        devices = window.devices
        dlg = DoctorDialog(db.path.parent, self.settings, db, tasks, parent=window,
                           devices=(lambda: devices.devices) if devices is not None else None)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.finished.connect(lambda _r: (tasks.shutdown(), window.dialog_closed()))
        dlg.open()

    # -- shifts ----------------------------------------------------------------------------
    def toggle_shift(self) -> None:
        if self.shift is None:
            self.open_shift()
        else:
            self.close_shift()

    def open_shift(self) -> None:
        from pos_app.ui.shift_dialogs import OpenShiftDialog

        if self.user is None or self.shift is not None or self._dialog is not None:
            return
        dlg = OpenShiftDialog(self.db, self.tasks, str(self.settings.get("store.terminal_id")),
                              self.settings.timezone(), self.user.name, parent=self.window)

        def opened() -> None:
            self.shift = dlg.shift
            self._apply()
            self.window.say(tr("Kasir dibuka oleh {who}", who=dlg.shift.opened_by))

        self._show(dlg, opened)

    def close_shift(self) -> None:
        from pos_app.ui.shift_dialogs import CloseShiftDialog

        shift, user = self.shift, self.user
        if user is None or shift is None or self._dialog is not None:
            return
        devices = self.window.devices
        # The Z report prints by itself once the shift is closed, when a printer is set up.
        dlg = CloseShiftDialog(self.db, self.tasks, shift, self.settings.timezone(), user.name,
                               parent=self.window, store_name=str(self.settings.get("store.name")),
                               print_text=devices.print_text if devices and devices.printing
                               else None)

        def closed() -> None:
            self.shift = None
            self._apply()
            self._after_close(dlg.closed)

        self._show(dlg, closed)

    def _after_close(self, closed: Shift | None) -> None:
        from pos_app.money import format_rupiah

        diff = closed.difference if closed is not None else None
        self.window.say(tr("Kasir ditutup — uang pas") if not diff else
                        tr("Kasir ditutup — selisih {diff}", diff=format_rupiah(diff)), 15000)
        # The shift's backup: SQLite's online backup, on a thread of its own (a year of
        # sales takes seconds: not the GUI thread, nor the writer's, where the next sale waits).
        if self.db.path is not None:
            data_dir = self.db.path.parent
            second = str(self.settings.get("backup.second_folder"))
            threading.Thread(target=_shift_backup, args=(data_dir, second), daemon=True,
                             name="shift-backup").start()

    def can_sell(self) -> bool:
        """Whether a sale may start now; if not, says why and offers what is missing."""
        if self.user is None:
            self.window.say(tr("Masuk dulu dengan PIN"))
            self.sign_in()
            return False
        if self.shift is None:
            self.window.say(tr("Buka kasir dulu (F7) sebelum menjual"))
            self.open_shift()
            return False
        if too_old(self.shift.opened_at, utcnow()):
            self.window.say(ShiftTooOld(self.shift.business_date).message_id, 15000)
            self.close_shift()
            return False
        return True

    # -- owner approvals -------------------------------------------------------------------
    def owner_only(self, what: str, action: Callable[[str], None]) -> None:
        """Run ``action(approver_name)`` once an owner approved ``what`` (the sentence shown
        on the approval dialog); an owner signed in approves by being signed in."""
        user = self.user
        if user is not None and user.role is Role.OWNER:
            # Read again: an owner deactivated since signing in approves nothing by being
            # signed in (the dialog asks for an active owner's PIN instead).
            from pos_app.storage.staff import get_user

            self.tasks.read(lambda: get_user(self.db, user.name),
                            lambda fresh: self._ask_owner(what, action, fresh),
                            lambda _exc: self._ask_owner(what, action, None))
        else:
            self._ask_owner(what, action, user)

    def _ask_owner(self, what: str, action: Callable[[str], None], user: User | None) -> None:
        from pos_app.ui.staff.approve import ask_owner

        def approved(owner: User) -> None:
            if user is None or user.id != owner.id:  # an owner's PIN typed for someone else
                self._audit_approval(owner.name, user.name if user else "", what)
            action(owner.name)

        ask_owner(self.window, self.db, self.tasks, self.settings.timezone(), what, approved,
                  current_user=user)

    def _audit_approval(self, owner: str, asked_by: str, what: str) -> None:
        """Who approved what, for whom: one audit row (the action records its own details,
        e.g. a refund's approved_by)."""
        import json

        db = self.db

        def write() -> None:
            with db.transaction() as conn:
                db.audit(conn, owner, "owner_approved",
                         details=json.dumps({"what": what, "asked_by": asked_by}))

        self.tasks.write(write, None, self._failed)


def _shift_backup(data_dir: Path, second_folder: str) -> None:
    from pos_app.backups import BackupError, Kind, prune, take

    try:
        take(data_dir, Kind.SHIFT, utcnow(), second_folder=second_folder)
        prune(data_dir)
    except (BackupError, OSError) as exc:
        log.error("backup at shift close failed: %s", exc)
