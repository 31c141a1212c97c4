"""The first-run guide: from a fresh install to the first real QRIS sale in five minutes.

:class:`FirstRunGuide` walks a new owner through seven steps, one page each, with *Kembali* /
*Lanjut*, a list of the steps on the left and a language switch (Indonesian / English) at the
top:

1. **Toko** - name, address, time zone, this till's id, PPN (:class:`~.steps.StoreStep`)
2. **Pemilik** - the owner's account and PIN (:class:`~.owner.OwnerStep`)
3. **QRIS toko** - the static QRIS from a picture or pasted text (:class:`~.qris_step.QrisStep`)
4. **Konfirmasi pembayaran** - gateway, mutasi or the cashier (:class:`~.steps.PaymentStep`)
5. **Produk** - import a file, the sample list, or empty (:class:`~.products.ProductsStep`)
6. **Perangkat** - soundbox and receipt printer, with tests (:class:`~.steps.DevicesStep`)
7. **Tes transaksi** - a Rp 1 sale paid with the owner's phone (:class:`~.trial_sale.TestSaleStep`)

and a last page that sums it up, with "Selesai — mulai berjualan".

Decisions:

* **Every step is reachable later, by construction**: steps 1, 3, 4 and 6 *are* the Settings
  dialog's pages (same classes, same rules, same writes through the typed registry), step 2
  is the "Buat akun pemilik" form (*Pengaturan › Staf* changes PINs and adds cashiers), step
  5 is the *Produk* screen's import and demo list, step 7 is an ordinary QRIS sale.
* **Lanjut validates and saves the step, Kembali saves nothing and loses nothing**: the steps
  stay alive while the guide is open, so what was typed on any of them is still there.
  An error stays on the step, shown under its field and summarised next to the buttons.
* **Resumable**: each completed step is recorded in ``setup.first_run_step`` (see
  :mod:`.progress`); a new guide on the same data dir opens at the first step not completed,
  with the completed ones ticked and reachable on the left.
* **Skippable into demo mode**: "Lewati — coba mode demo" (and closing the window, which is
  the same) saves nothing more, emits :attr:`FirstRunGuide.skipped_to_demo` and closes; what
  was completed stays recorded, so the next start offers the guide again where it stopped.
  Escape does nothing: one key must not throw away a half-typed step.
* **The language switch** sets ``ui.language`` (saved, so the till starts in it) and
  :func:`~pos_app.ui.i18n.set_language`, then rebuilds every step in the new language with
  what was typed carried over (the Settings pages set their texts when built).
* **The devices and the payments belong to the window**, as for the Settings dialog:
  a device test is :attr:`~FirstRunGuide.deviceTestRequested` (answered with
  :meth:`~FirstRunGuide.show_device_test_result`), and the test sale is made by the window's
  ``start_test_sale(amount) -> order_id`` and followed through the app events.
* No database, network or picture decoding on the GUI thread: owner lookup and creation,
  imports, picture reading, connection tests and the test sale run on ``tasks``. Settings
  writes are the small config.toml rewrites the Settings dialog also does on *Simpan*.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app.clock import utcnow
from pos_app.settings import Settings, SettingsError
from pos_app.storage.database import Database
from pos_app.ui.first_run.finish import FinishStep
from pos_app.ui.first_run.owner import OwnerStep
from pos_app.ui.first_run.products import ProductsStep
from pos_app.ui.first_run.progress import DONE, STEPS, first_open_step, record_completed
from pos_app.ui.first_run.qris_step import QrisStep
from pos_app.ui.first_run.steps import DevicesStep, GuideContext, PaymentStep, Step, StoreStep
from pos_app.ui.first_run.trial_sale import TestSaleStep
from pos_app.ui.i18n import language, register, set_language, tr
from pos_app.ui.props import set_state
from pos_app.ui.settings.form import Services
from pos_app.ui.tasks import TaskManager
from sync.providers import build_provider, login_flow

if TYPE_CHECKING:
    from pos_app.ui.events import AppEvents

__all__ = ["FirstRunGuide"]

log = logging.getLogger(__name__)

register({
    "Persiapan toko": "Shop setup",
    "Dari instalasi sampai penjualan QRIS pertama": "From installing to the first QRIS sale",
    "Langkah {n} dari {total}": "Step {n} of {total}",
    "Lewati — coba mode demo": "Skip — try demo mode",
    "Lewati — lanjutkan nanti": "Skip — finish later",
    "Kembali": "Back",
    "English": "English",
    "Bahasa Indonesia": "Bahasa Indonesia",
    "{n}. {title}": "{n}. {title}",
    "{n}. {title} ✓": "{n}. {title} ✓",
})

GUIDE_STYLE = """
QDialog#firstRunGuide { background: #f4f6f8; }
QPushButton {
    min-height: 44px; padding: 4px 16px; border: 1px solid #c5ccd3; border-radius: 8px;
    background: #ffffff; font-size: 15px;
}
QPushButton:hover { background: #eef6f5; }
QPushButton:pressed { background: #d7ece9; }
QPushButton:disabled { color: #9aa5b1; background: #eceff1; }
QPushButton#primaryButton {
    background: #0f766e; color: #ffffff; border: none; font-weight: bold; font-size: 16px;
}
QPushButton#primaryButton:hover { background: #115e59; }
QPushButton#primaryButton:disabled { background: #b8c2cc; color: #f4f6f8; }
QPushButton#primaryButton[quiet="true"] {
    background: #ffffff; color: #243b53; border: 1px solid #c5ccd3; font-weight: normal;
}
QPushButton#primaryButton[quiet="true"]:hover { background: #eef6f5; }
QPushButton#skipDemo { border: none; background: transparent; color: #52606d;
                       text-decoration: underline; }
#firstRunSidebar { background: #0f766e; }
#firstRunBrand { color: #ffffff; font-size: 21px; font-weight: bold; }
#firstRunBrandSub { color: #ccfbf1; font-size: 14px; }
QPushButton#stepButton {
    text-align: left; padding: 6px 14px; border: none; border-radius: 8px;
    background: transparent; color: #e6fffa; font-size: 16px;
}
QPushButton#stepButton:hover { background: #115e59; }
QPushButton#stepButton:disabled { color: #7cc5bb; background: transparent; }
QPushButton#stepButton[current="true"] { background: #ffffff; color: #0f766e; font-weight: bold; }
#firstRunStepOf { color: #52606d; font-size: 14px; }
#firstRunTitle { color: #0f766e; font-size: 26px; font-weight: bold; }
#firstRunIntro { color: #334e68; font-size: 16px; }
#firstRunSummary { color: #b00020; font-size: 15px; font-weight: bold; }
QScrollArea, #stepContent { background: transparent; }
#choiceCard { background: #ffffff; border: 1px solid #c5ccd3; border-radius: 10px; }
#choiceCard[checked="true"] { border: 2px solid #0f766e; background: #e6f4f1; }
#demoNote { background: #fff4ce; color: #7a5a00; border: 1px solid #f1d27a; border-radius: 8px;
            padding: 8px 12px; font-size: 15px; }
#testStatus { font-size: 19px; font-weight: bold; padding: 8px 12px; border-radius: 8px;
              color: #0f766e; background: #e6f4f1; }
#testStatus[state="paid"] { color: #ffffff; background: #2f855a; font-size: 22px; }
#testStatus[state="failed"] { color: #b42318; background: #fde8e6; }
"""

SIDEBAR_WIDTH = 250


class FirstRunGuide(QDialog):
    """The first-run guide (see the module docstring).

    ``start_test_sale(amount) -> order_id`` starts a QRIS sale of ``amount`` through the
    window's payment service; it is called on ``tasks``' writer thread, and the guide then
    follows that order with ``events`` (the window's :class:`~pos_app.ui.events.AppEvents`).
    ``cancel_test_sale(order_id)`` (optional, writer thread) cancels a test left unpaid.
    ``provider_factory`` / ``flow_factory`` / ``activate_fn`` are the Settings dialog's
    (tests replace them). Connection tests and picture reading run on ``tasks``' reader
    thread, owner and products on its writer: nobody sells while the guide is open.

    Closing: :attr:`finished_setup` and the dialog accepted, or :attr:`skipped_to_demo` and
    the dialog rejected; :attr:`saved` before either for every step saved.
    """

    finished_setup = Signal()
    """"Selesai — mulai berjualan": every step went through; the guide is closed."""

    skipped_to_demo = Signal()
    """"Lewati — coba mode demo" (or the window closed): the till should start in demo mode."""

    deviceTestRequested = Signal(str)
    """"soundbox" or "printer": its "Tes" was pressed on *Perangkat* and its fields are valid.
    The window tests :meth:`device_values` off the GUI thread and answers with
    :meth:`show_device_test_result` (as for ``SettingsDialog``)."""

    saved = Signal(list)
    """Settings keys a step wrote (in registry order), like ``SettingsDialog.saved``: the
    window applies them (language, store name, providers, devices). Not the guide's own
    progress mark."""

    def __init__(self, settings: Settings, db: Database, tasks: TaskManager, *, demo: bool,
                 parent: QWidget | None = None,
                 start_test_sale: Callable[[int], str] | None = None,
                 events: AppEvents | None = None,
                 cancel_test_sale: Callable[[str], None] | None = None,
                 provider_factory: Callable[[str, Mapping[str, Any]], Any] = build_provider,
                 flow_factory: Callable[[str, Mapping[str, Any]], Any] = login_flow,
                 activate_fn: Callable[[str, str, str], Any] | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunGuide")
        self.setStyleSheet(GUIDE_STYLE)
        self.settings = settings
        self._closed = False
        services = Services(
            parent=self, tasks=lambda: tasks, alive=self._alive,
            logged_in=self._saved, provider_factory=provider_factory,
            flow_factory=flow_factory, activate_fn=activate_fn)
        self.ctx = GuideContext(
            settings=settings, db=db, tasks=tasks, demo=demo, services=services, parent=self,
            alive=self._alive, summary=self._summary, saved=self._saved,
            device_test=self.deviceTestRequested.emit, clock=clock, events=events,
            start_test_sale=start_test_sale, cancel_test_sale=cancel_test_sale)
        self._build_chrome()
        self.steps: list[Step] = []
        self._build_steps()
        self.completed = first_open_step(settings)
        """How many steps are completed (recorded); the next one is where the guide opens."""
        self.index = -1
        self._go(min(self.completed, len(self.steps) - 1))
        self.resize(1280, 720)

    # ------------------------------------------------------------------ building

    def _build_chrome(self) -> None:
        sidebar = QFrame(objectName="firstRunSidebar")
        sidebar.setFixedWidth(SIDEBAR_WIDTH)
        side = QVBoxLayout(sidebar)
        side.setContentsMargins(14, 20, 14, 20)
        side.setSpacing(6)
        self.brand = QLabel(objectName="firstRunBrand")
        self.brand_sub = QLabel(objectName="firstRunBrandSub")
        self.brand_sub.setWordWrap(True)
        side.addWidget(self.brand)
        side.addWidget(self.brand_sub)
        side.addSpacing(18)
        self.step_buttons: list[QPushButton] = []
        for index in range(len(STEPS) + 1):
            button = QPushButton(objectName="stepButton")
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(lambda _c=False, i=index: self.go_to(i))
            side.addWidget(button)
            self.step_buttons.append(button)
        side.addStretch(1)

        self.step_of = QLabel(objectName="firstRunStepOf")
        self.title = QLabel(objectName="firstRunTitle")
        self.intro = QLabel(objectName="firstRunIntro")
        self.intro.setWordWrap(True)
        self.language_button = QPushButton(objectName="languageButton")
        self.language_button.setAutoDefault(False)
        self.language_button.setMinimumWidth(170)
        self.language_button.clicked.connect(self.toggle_language)
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(self.step_of)
        heading.addWidget(self.title)
        header = QHBoxLayout()
        header.addLayout(heading, 1)
        header.addWidget(self.language_button, 0, Qt.AlignmentFlag.AlignTop)

        self.stack = QStackedWidget()
        self.summary = QLabel(objectName="firstRunSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.hide()

        self.skip_button = QPushButton(objectName="skipDemo")
        self.back_button = QPushButton()
        self.next_button = QPushButton(objectName="primaryButton")
        for button in (self.skip_button, self.back_button, self.next_button):
            button.setAutoDefault(False)
        self.back_button.setMinimumWidth(140)
        self.next_button.setMinimumWidth(220)
        self.next_button.setDefault(True)  # Enter in a field is Lanjut
        self.skip_button.clicked.connect(self.skip_to_demo)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)

        main = QVBoxLayout()
        main.setContentsMargins(28, 18, 24, 16)
        main.setSpacing(10)
        main.addLayout(header)
        main.addWidget(self.intro)
        main.addSpacing(4)
        main.addWidget(self.stack, 1)
        main.addWidget(self.summary)
        main.addLayout(buttons)
        root = QHBoxLayout(self)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        root.addWidget(sidebar)
        root.addLayout(main, 1)

    def _build_steps(self) -> None:
        ctx = self.ctx
        self.steps = [StoreStep(ctx), OwnerStep(ctx, self.next), QrisStep(ctx),
                      PaymentStep(ctx), ProductsStep(ctx), DevicesStep(ctx),
                      TestSaleStep(ctx), FinishStep(ctx)]
        assert [s.key for s in self.steps[:-1]] == list(STEPS), "steps out of line with STEPS"
        for step in self.steps:
            self.stack.addWidget(step)
            step.changed.connect(self._refresh)

    # ------------------------------------------------------------------ public helpers

    def step(self, key: str) -> Step:
        """The step named ``key`` (a name of ``progress.STEPS``; "" for the last page)."""
        return next(s for s in self.steps if s.key == key)

    @property
    def current(self) -> Step:
        return self.steps[self.index]

    def summary_text(self) -> str:
        return "" if self.summary.isHidden() else self.summary.text()

    def device_values(self, device: str) -> dict[str, Any]:
        """The *Perangkat* step's typed values for ``device`` ("soundbox" / "printer"), as
        ``SettingsDialog.device_values``."""
        return self._devices().page.device_values(device)

    def show_device_test_result(self, device: str, ok: bool, text: str) -> None:
        """Show how ``device``'s test went under its "Tes" button (as ``SettingsDialog``)."""
        if shiboken6.isValid(self) and not self._closed:
            self._devices().page.show_test_result(device, ok, text)

    def device_test_status(self, device: str) -> str:
        label = self._devices().page.test_status[device]
        return "" if label.isHidden() else label.text()

    def _devices(self) -> DevicesStep:
        step = self.step("devices")
        assert isinstance(step, DevicesStep)
        return step

    # ------------------------------------------------------------------ navigation

    def go_to(self, index: int) -> None:
        """Show step ``index`` (0-based) if it is completed or the next one to do."""
        if 0 <= index <= min(self.completed, len(self.steps) - 1) and not self.current.busy():
            self._go(index)

    def next(self) -> None:
        """*Lanjut*: the step checks and saves, then the next one is shown."""
        step, index = self.current, self.index
        if self._closed or step.busy():
            return
        self._summary("")

        def proceed() -> None:
            if self._closed:
                return
            if isinstance(step, FinishStep):
                self.finish()
                return
            try:
                record_completed(self.settings, step.key)
            except SettingsError as exc:  # the step itself is saved; only the mark is not
                log.error("first run: recording step %s failed: %s", step.key, exc)
            self.completed = max(self.completed, index + 1)
            log.info("first run: step %s completed", step.key)
            if self.index == index:
                self._go(index + 1)
            else:
                self._refresh()

        step.commit(proceed)
        self._refresh()

    def back(self) -> None:
        """*Kembali*: the previous step, as it was left; nothing is saved."""
        if self.index > 0 and not self.current.busy():
            self._go(self.index - 1)

    def skip_to_demo(self) -> None:
        """"Lewati — coba mode demo": close without saving this step; the till runs as a
        demo. What was completed stays recorded."""
        if self._closed:
            return
        log.info("first run: skipped to demo mode at step %d", self.index + 1)
        self._leave()
        self.skipped_to_demo.emit()
        super().reject()

    def finish(self) -> None:
        """"Selesai — mulai berjualan": the guide is done for good."""
        try:
            record_completed(self.settings, DONE)
        except SettingsError as exc:
            log.error("first run: recording the end failed: %s", exc)
        log.info("first run: finished")
        self._leave()
        self.finished_setup.emit()
        self.accept()

    def reject(self) -> None:
        # The window's close button: the same as "Lewati — coba mode demo".
        self.skip_to_demo()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()  # not a way out: a half-typed step would be thrown away
            return
        super().keyPressEvent(event)

    def done(self, result: int) -> None:
        if not self._closed:
            self._leave()
        super().done(result)

    def _leave(self) -> None:
        self._closed = True
        for step in self.steps:
            if isinstance(step, TestSaleStep):
                step.abandon()
            step.dispose()

    def _go(self, index: int) -> None:
        self.index = index
        step = self.steps[index]
        self.stack.setCurrentWidget(step)
        self._summary("")
        step.enter()
        self._refresh()
        # The keyboard goes to the step's first field: a new owner types straight away
        # (typed into nowhere, the name was lost and the PIN landed in it).
        QTimer.singleShot(0, lambda: _focus_first(step))

    # ------------------------------------------------------------------ language

    def toggle_language(self) -> None:
        """Indonesian <-> English: saved as ``ui.language``; every step is rebuilt in it,
        with what was typed."""
        if any(step.busy() for step in self.steps):
            return
        new = "en" if language() != "en" else "id"
        set_language(new)
        try:
            self.settings.set("ui.language", new)
            self._saved(["ui.language"])
        except SettingsError as exc:  # shown in the new language all the same
            log.warning("first run: saving ui.language failed: %s", exc)
        states = [step.state() for step in self.steps]
        extra = dict(self.ctx.extra)
        index = self.index
        for step in self.steps:
            step.dispose()
            self.stack.removeWidget(step)
            step.deleteLater()
        self.ctx.extra = extra
        self._build_steps()
        for step, state in zip(self.steps, states, strict=True):
            step.restore(state)
        self._go(index)

    # ------------------------------------------------------------------ chrome

    def _refresh(self) -> None:
        if self._closed or not shiboken6.isValid(self) or not self.steps:
            return
        step = self.current
        total = len(STEPS)
        self.setWindowTitle(tr("Persiapan toko"))
        self.brand.setText(tr("Persiapan toko"))
        self.brand_sub.setText(tr("Dari instalasi sampai penjualan QRIS pertama"))
        last = isinstance(step, FinishStep)
        self.step_of.setText("" if last else tr("Langkah {n} dari {total}", n=self.index + 1,
                                                 total=total))
        self.step_of.setVisible(not last)
        self.title.setText(tr(step.title))
        self.intro.setText(tr(step.intro))
        self.language_button.setText(tr("English") if language() != "en"
                                     else tr("Bahasa Indonesia"))
        # Once a real way of confirming payments is saved the till is live: skipping then
        # leaves the rest for later (the owner resumes from the staff menu), not a demo.
        live = str(self.settings.get("payment.provider") or "simulator") != "simulator"
        self.skip_button.setText(tr("Lewati — lanjutkan nanti") if live
                                 else tr("Lewati — coba mode demo"))
        self.skip_button.setVisible(not last)
        self.back_button.setText(tr("Kembali"))
        self.back_button.setEnabled(self.index > 0 and not step.busy())
        self.next_button.setText(step.next_text())
        self.next_button.setEnabled(not step.busy())
        # A step whose own button comes first (the test sale before it ran) makes Lanjut a
        # plain button that Enter doesn't press: a hand used to the green corner must not skip.
        leads = step.leads()
        set_state(self.next_button, quiet=not leads)
        self.next_button.setDefault(leads)
        for index, button in enumerate(self.step_buttons):
            done = index < self.completed and index < total
            key = "{n}. {title} ✓" if done else "{n}. {title}"
            shown = self.steps[index]
            title = tr(shown.short or shown.title)
            button.setText(tr(key, n=index + 1, title=title) if index < total else title)
            button.setEnabled(index <= self.completed and not step.busy())
            set_state(button, current=index == self.index)

    def _summary(self, text: str) -> None:
        self.summary.setText(text)
        self.summary.setVisible(bool(text))

    def _saved(self, keys: list[str]) -> None:
        if keys:
            self.saved.emit(list(keys))

    def _alive(self) -> bool:
        return shiboken6.isValid(self) and not self._closed


def _focus_first(step: QWidget) -> None:
    """Focus the first enabled, visible text field of ``step`` (none: leave the focus)."""
    if not shiboken6.isValid(step) or not step.isVisible():
        return
    fields = [w for w in step.findChildren(QWidget)
              if isinstance(w, (QLineEdit, QPlainTextEdit)) and w.isVisible() and w.isEnabled()
              and not getattr(w, "isReadOnly", lambda: False)()]
    if fields:
        # findChildren is creation order; the visual order (top, then left) is what a
        # person reads, so take the field nearest the top left.
        first = min(fields, key=lambda w: (w.mapTo(step, w.rect().topLeft()).y(),
                                           w.mapTo(step, w.rect().topLeft()).x()))
        first.setFocus(Qt.FocusReason.TabFocusReason)
