"""The Settings dialog ("Pengaturan"): one tab per page of :data:`PAGES`, *Simpan* and *Batal*.

Every field maps to one key of the typed registry :data:`pos_app.settings.KEYS`; the dialog
never parses values itself, it feeds the text the owner typed to ``Key.value_of`` so a value is
checked exactly like ``pos-app config set`` checks it. The pages (:mod:`.store`, :mod:`.tax`,
:mod:`.payment`, :mod:`.display`, :mod:`.devices`) build their rows and rules; a new page is a
module with a :class:`~pos_app.ui.settings.form.Page` subclass and one line in :data:`PAGES`.

Decisions:

* **Validate everything, then write.** On *Simpan* every page parses its changed fields and
  checks its rules against the *form*, not the file (the Qt-free ones are in
  :mod:`pos_app.settings_rules`). Only when all of that passes is anything written, so a
  half-saved form can't happen through bad input. Writes are one ``Settings.set`` per key
  (there is no batch API), page by page.
* **Only changed keys are written.** So opening and saving the dialog in demo mode doesn't
  write ``payment.provider`` (which would end demo mode), and a bad value in a hand-edited file
  is not touched unless the owner edits that field.
* **Nothing typed is lost.** An error is shown in red under its field (and summarised next to
  the buttons, because it may be on another tab); the dialog stays open with the form as typed.
* **Values the form can't offer are kept.** A screen index beyond the screens attached or a bad
  value in the file is shown as an extra item, so saving other fields never silently changes it.
* Secrets (``Key.secret``) are password fields that are never pre-filled: the placeholder says
  whether one is stored. Empty (or blank) means "keep the stored one"; anything typed replaces
  it, and the field is emptied again once written. There is no way to delete a stored secret
  here (``pos-app config set KEY ""`` does that). ``pending_changes`` reports a typed secret as
  ``***``.
* The devices belong to the main window: "Tes soundbox" / "Tes printer" on the *Perangkat* page
  are re-emitted as :attr:`SettingsDialog.deviceTestRequested`; the window tests the form's
  values (:meth:`SettingsDialog.device_values`, not yet saved) and answers with
  :meth:`SettingsDialog.show_device_test_result`.
* Pass no ``tasks`` from the main window unless its TaskManager has a spare thread: a slow
  network test on the app's single reader thread would delay catalogue reads behind it. By
  default the dialog makes its own and shuts it down when it closes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QLabel,
    QPushButton,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app.secrets import MASK
from pos_app.settings import KEYS, Settings
from pos_app.ui.i18n import register, tr
from pos_app.ui.login_dialog import LoginDialog
from pos_app.ui.settings.backups import BackupsPage
from pos_app.ui.settings.devices import PRINTER, SOUNDBOX, DevicesPage
from pos_app.ui.settings.display import DisplayPage
from pos_app.ui.settings.form import (
    ERROR_STYLE,
    MIN_HEIGHT,
    Field,
    Form,
    Page,
    SaveFailed,
    Services,
    configure_form,
)
from pos_app.ui.settings.payment import PaymentPage
from pos_app.ui.settings.staff import StaffPage
from pos_app.ui.settings.store import StorePage
from pos_app.ui.settings.tax import TaxPage
from pos_app.ui.tasks import TaskManager
from pos_app.ui.wheel_guard import guard_wheel
from sync.providers import build_provider, login_flow

__all__ = ["PAGES", "SettingsDialog"]

register({
    "Pengaturan": "Settings",
    "Simpan": "Save",
    "Batal": "Cancel",
    "Gagal menyimpan: {detail}": "Could not save: {detail}",
    "Belum disimpan. Periksa: {fields}": "Not saved. Check: {fields}",
})

PAGES: tuple[type[Page], ...] = (StorePage, TaxPage, PaymentPage, DisplayPage, DevicesPage,
                                 BackupsPage, StaffPage)
"""The tabs, in order. (Staff and backups will each be a module and a line here.)"""


class SettingsDialog(QDialog):
    """Edit the settings of this version's UI; emits :attr:`saved` with the keys written.

    Keyword arguments besides ``screens_count``:

    * ``provider_factory(name, config)`` builds a provider for "Tes koneksi" (default
      :func:`sync.providers.build_provider`); only its ``test_connection()`` (and ``close()``
      when present) is called, on a worker thread.
    * ``tasks``: the TaskManager that runs network calls (default: one of the dialog's own,
      shut down when the dialog closes).
    * ``provider_states``: provider -> "ok" / "degraded" / "down" / "needs_login", from the
      main window; "needs_login" shows "Perlu login" next to the Login button.
    * ``flow_factory`` / ``activate_fn``: passed on to :class:`LoginDialog`.
    """

    saved = Signal(list)
    """Emitted with the names of the keys written (in registry order) after a save."""

    deviceTestRequested = Signal(str)
    """"soundbox" or "printer": its "Tes" button was pressed and its fields are valid. The
    window runs the test off the GUI thread with :meth:`device_values` and reports back with
    :meth:`show_device_test_result`."""

    restoreRequested = Signal(str)
    """The owner confirmed restoring this backup file (the *Cadangan* page); the dialog has
    closed. The window closes the till, which restores it and starts again."""

    def __init__(self, settings: Settings, parent: QWidget | None = None, *,
                 screens_count: int | None = None,
                 provider_factory: Callable[[str, Mapping[str, Any]], Any] = build_provider,
                 tasks: TaskManager | None = None,
                 provider_states: Mapping[str, str] | None = None,
                 flow_factory: Callable[[str, Mapping[str, Any]], Any] = login_flow,
                 activate_fn: Callable[[str, str, str], Any] | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._written: list[str] = []  # keys already on disk (a failed save may leave some)
        self._own_tasks = tasks is None
        self._tasks: TaskManager | None = tasks
        self._closed = False
        self._relayout_pending: list[QWidget] = []  # pages with a relayout scheduled
        services = Services(
            parent=self, tasks=self._task_manager, alive=self._alive,
            logged_in=lambda keys: self.saved.emit([k for k in KEYS if k in keys]),
            provider_factory=provider_factory, flow_factory=flow_factory,
            activate_fn=activate_fn,
            screens_count=(len(QGuiApplication.screens()) if screens_count is None
                           else max(0, screens_count)),
            provider_states=dict(provider_states or {}))
        self.form = Form(settings, services, self._relayout_widget)
        self.setWindowTitle(tr("Pengaturan"))
        self.setObjectName("settingsDialog")

        self.tabs = QTabWidget(self)
        self.tabs.currentChanged.connect(self._relayout_page)
        self.pages: list[Page] = [page_type(self.form) for page_type in PAGES]
        for page in self.pages:
            page.build(self._add_tab(page.tab))
        self._payment = next(p for p in self.pages if isinstance(p, PaymentPage))
        self._devices = next(p for p in self.pages if isinstance(p, DevicesPage))
        self._devices.testSoundbox.connect(self._test_soundbox)
        self._devices.testPrinter.connect(self._test_printer)
        self._backups = next(p for p in self.pages if isinstance(p, BackupsPage))
        self._backups.restoreRequested.connect(self._restore)
        guard_wheel(self.tabs)

        self.summary = QLabel(self)
        self.summary.setObjectName("settingsSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(ERROR_STYLE)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.hide()

        buttons = QDialogButtonBox(self)
        self.save_button: QPushButton = buttons.addButton(
            tr("Simpan"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button: QPushButton = buttons.addButton(
            tr("Batal"), QDialogButtonBox.ButtonRole.RejectRole)
        for button in (self.save_button, self.cancel_button):
            button.setMinimumHeight(MIN_HEIGHT)
            button.setMinimumWidth(120)
        self.save_button.setDefault(True)
        # Not buttons.accepted -> self.accept: Simpan must validate before closing.
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)

        for page in self.pages:
            page.load()
        # Fits a 1366x768 counter screen with room for the taskbar; each tab scrolls if needed.
        self.resize(800, 660)

    # ------------------------------------------------------------------ public helpers

    @property
    def login_dialog(self) -> LoginDialog | None:
        """The last login dialog opened from here (for tests and the main window)."""
        return self.form.services.last_login

    def editor(self, key: str) -> QWidget:
        """The input widget for ``key`` (also findable by objectName == key)."""
        return self.form.fields[key].editor

    def error_text(self, key: str) -> str:
        """The error shown under ``key``'s field ("" when none)."""
        label = self.form.fields[key].error
        return "" if label.isHidden() else label.text()

    def qris_preview_text(self) -> str:
        """What the static QRIS preview shows, as plain text lines."""
        return self._payment.qris_preview_text()

    def pending_changes(self) -> dict[str, str]:
        """Changed keys and their text, without validating the values (for callers that ask
        "discard changes?" before closing). A typed secret is reported as ``***``."""
        changed: dict[str, str] = {}
        for k, f in self.form.fields.items():
            text = f.read()
            if KEYS[k].secret:
                if text.strip():
                    changed[k] = MASK
            elif text != f.initial:
                changed[k] = text
        return changed

    def panel(self, provider: str) -> QGroupBox:
        """The box holding ``provider``'s fields on the Pembayaran tab."""
        return self._payment.panels[provider].box

    def test_button(self, provider: str) -> QPushButton:
        """The "Tes koneksi" button of a network provider's box."""
        button = self._payment.panels[provider].test_button
        if button is None:
            raise KeyError(f"{provider} has no connection test")
        return button

    def connection_status(self, provider: str) -> str:
        """What the box says about the last connection test ("" before any)."""
        label = self._payment.panels[provider].test_status
        return "" if label is None or label.isHidden() else label.text()

    def is_testing(self, provider: str) -> bool:
        busy = self._payment.panels[provider].test_busy
        return busy is not None and not busy.isHidden()

    def login_button(self, provider: str) -> QPushButton:
        """The "Login…" / "Aktivasi…" button of a provider with a login."""
        button = self._payment.panels[provider].login_button
        if button is None:
            raise KeyError(f"{provider} has no interactive login")
        return button

    def login_state(self, provider: str) -> str:
        """"Perlu login" / "Perlu aktivasi" / "Login berhasil"... next to the button, or ""."""
        label = self._payment.panels[provider].login_state
        return "" if label is None or label.isHidden() else label.text()

    # ------------------------------------------------------------------ device tests

    def device_values(self, device: str) -> dict[str, Any]:
        """The form's typed values (as ``Settings.get`` returns them once saved) of the keys
        ``device`` ("soundbox" / "printer") needs; see ``devices.DEVICE_KEYS``."""
        return self._devices.device_values(device)

    def show_device_test_result(self, device: str, ok: bool, text: str) -> None:
        """Show how ``device``'s test went ("soundbox" / "printer"), in green or red under its
        "Tes" button on the *Perangkat* page; ``text`` is shown as plain text."""
        if shiboken6.isValid(self):
            self._devices.show_test_result(device, ok, text)

    def device_test_status(self, device: str) -> str:
        """What the *Perangkat* page says under ``device``'s "Tes" button ("" when nothing)."""
        label = self._devices.test_status[device]
        return "" if label.isHidden() else label.text()

    def _restore(self, path: str) -> None:
        self.reject()  # nothing typed on the other pages is saved: the data is replaced
        self.restoreRequested.emit(path)

    def _test_soundbox(self) -> None:
        self.deviceTestRequested.emit(SOUNDBOX)

    def _test_printer(self) -> None:
        self.deviceTestRequested.emit(PRINTER)

    # ------------------------------------------------------------------ saving

    def save(self) -> bool:
        """Validate the form and write the changed keys; True when saved (dialog accepted)."""
        for key in self.form.fields:
            self.form.clear_error(key)
        self.summary.hide()
        errors: dict[str, str] = {}
        changes = [(page, page.validate(errors)) for page in self.pages]
        if errors:
            self._show_errors(errors)
            return False
        for page, page_changes in changes:
            try:
                page.save(page_changes, self._written)
            except SaveFailed as exc:
                self._show_errors({exc.key: tr("Gagal menyimpan: {detail}",
                                               detail=exc.detail)})
                return False
        self._emit_saved()
        self.accept()
        return True

    def reject(self) -> None:
        # Only non-empty after a save that failed midway: the main window must still re-read.
        self._emit_saved()
        super().reject()

    def done(self, result: int) -> None:
        self._closed = True  # answers of tests still running are dropped
        if self._own_tasks and self._tasks is not None:
            self._tasks.shutdown()
            self._tasks = None
        super().done(result)

    def showEvent(self, event: Any) -> None:
        self._closed = False  # shown again after closing (exec() twice)
        super().showEvent(event)

    def _emit_saved(self) -> None:
        if self._written:
            written = [k for k in KEYS if k in self._written]
            self._written = []
            self.saved.emit(written)

    def _show_errors(self, errors: dict[str, str]) -> None:
        first: Field | None = None
        names: list[str] = []
        for key, f in self.form.fields.items():  # form order, not dict-of-errors order
            if key not in errors:
                continue
            self.form.show_error(key, errors[key])
            # A field in a provider box is named with its box ("Username" is in three).
            group = "" if f.label.startswith(f.group) else f.group
            names.append(" \u203a ".join(part for part in (f.tab, group, f.label) if part))
            first = first or f
        self.summary.setText(tr("Belum disimpan. Periksa: {fields}", fields=", ".join(names)))
        self.summary.show()
        self._relayout_page(self.tabs.currentIndex())
        if first is not None:
            page = self._page_of(first.editor)
            if page is not None:
                self.tabs.setCurrentWidget(page)
            if first.editor.isVisibleTo(self):
                first.editor.setFocus(Qt.FocusReason.OtherFocusReason)
                if isinstance(page, QScrollArea):
                    page.ensureWidgetVisible(first.row, 0, 60)  # with its error under it

    # ------------------------------------------------------------------ services for pages

    def _task_manager(self) -> TaskManager:
        if self._tasks is None:  # own tasks, shut down by an earlier close
            self._tasks = TaskManager()
        return self._tasks

    def _alive(self) -> bool:
        return shiboken6.isValid(self) and not self._closed

    # ------------------------------------------------------------------ layout

    def _add_tab(self, title: str) -> QFormLayout:
        """A tab whose form scrolls, so nothing is cut off on a small screen."""
        inner = QWidget()
        outer = QVBoxLayout(inner)
        form = QFormLayout()
        outer.addLayout(form)
        # Spare height goes below the last row, not into a row (the QRIS preview would grow).
        outer.addStretch(1)
        configure_form(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not a tab stop of its own
        scroll.setWidget(inner)
        inner.installEventFilter(self)  # see eventFilter
        self.tabs.addTab(scroll, title)
        return form

    def _relayout_page(self, index: int) -> None:
        # A page whose content changed while hidden (the QRIS preview filled in by code) can
        # keep a stale row height from its last paint, squashing the preview; recompute it.
        # The same after a box's content changes while shown (a wrapped test result, a
        # "Perlu login" label): the boxes' own layouts cache row heights too.
        page = self.tabs.widget(index)
        inner = page.widget() if isinstance(page, QScrollArea) else None
        relayout(inner)

    def _relayout_widget(self, widget: QWidget) -> None:
        """Recompute the page holding ``widget`` once the pending layout requests are
        handled (its content changed: a test result, an error, a box shown)."""
        page = self._page_of(widget)
        if page is not None:
            self._relayout_later(page)

    def _relayout_later(self, page: QWidget) -> None:
        if page in self._relayout_pending:
            return
        self._relayout_pending.append(page)

        def run() -> None:
            if not shiboken6.isValid(self):
                return
            self._relayout_pending.remove(page)
            index = self.tabs.indexOf(page)
            if index >= 0:
                self._relayout_page(index)

        QTimer.singleShot(0, self, run)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        # When a page grows (a wrapped test result, an error under a field), the scroll area
        # resizes its content widget after the layout was computed for the old size, and the
        # nested forms keep row heights that no longer add up (rows overlap). Lay the page out
        # again once the resize is through.
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            parent = watched.parentWidget()
            scroll = parent.parentWidget() if parent is not None else None
            if isinstance(scroll, QScrollArea) and self.tabs.indexOf(scroll) >= 0:
                self._relayout_later(scroll)
        return super().eventFilter(watched, event)

    def _page_of(self, widget: QWidget) -> QWidget | None:
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is not None and page.isAncestorOf(widget):
                return page
        return None


def relayout(inner: QWidget | None) -> None:
    """Recompute a page's layout and its group boxes' (they cache row heights from their last
    paint): for content that changed while hidden, or a box whose content changed."""
    layout = inner.layout() if inner is not None else None
    if inner is None or layout is None:
        return
    for box in inner.findChildren(QGroupBox):
        box_layout = box.layout()
        if box_layout is not None:
            box_layout.invalidate()
    layout.invalidate()
    layout.activate()
