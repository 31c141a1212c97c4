"""What every step of the first-run guide is, and the steps that are Settings pages.

A :class:`Step` is one page of the guide: a widget with a title, an intro line, and
:meth:`Step.commit` (the guide's *Lanjut*: check, save, then say "go on"). The steps that edit
settings are :class:`FormStep`\\ s: they build the very :class:`~pos_app.ui.settings.form.Page`
classes of the Settings dialog on a :class:`~pos_app.ui.settings.form.Form` of their own, so
each field is parsed, checked and written exactly as *Pengaturan* does it, and every such step
can be done again later from *Pengaturan* (same page, same rules) without any extra code.

* **Toko** (:class:`StoreStep`): the *Toko* page (name, address, till id, time zone) and the
  *Pajak (PPN)* page. The receipt footer row is hidden (it is in *Pengaturan*; the guide asks
  only what a first sale needs). A name never set shows empty, not "Warung Demo", so the
  owner types the shop's own; a time zone never set starts as the PC's (WIB/WITA/WIT).
* **Konfirmasi pembayaran** (:class:`PaymentStep`): three choices above the *Pembayaran*
  page -- a gateway, a mutasi source, or the cashier's own confirmation -- each with one
  plain line on what it costs and how fast "paid" is known. The choices are computed from
  the providers' descriptions (``sync.providers.PROVIDERS``: how each confirms, whether it
  has a back-end of its own), never from a list of names here. Picking one sets the page's
  provider (and mutasi source) combo; changing the combo ticks the matching choice. The
  page below is the Settings page as it is: its "Tes koneksi" and "Login…"/"Aktivasi…".
* **Perangkat** (:class:`DevicesStep`): the *Perangkat* page; its tests go to the window
  through the guide (``deviceTestRequested``), as the Settings dialog does.

Decisions shared by the form steps:

* **Validate everything on *Lanjut*, write only then**; only changed fields are written (the
  page's own rule), so passing through a step in demo mode doesn't end demo mode. An error
  is shown under its field, summarised next to the buttons, and the step stays, with every
  field as typed.
* **Back keeps what was typed**: steps are widgets kept alive in the guide; Back only shows
  another one. Coming back to a step re-reads the fields not edited there from the settings,
  since another step may have written the same key (the static QRIS is on steps 3 and 4).
* A step's **state** (:meth:`Step.state`) is what was typed and not saved; the guide carries
  it across a language switch, which rebuilds every step in the new language (the Settings
  pages set their texts once, when built).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from pos_app.settings import KEYS, Settings, SettingsError
from pos_app.storage.database import Database
from pos_app.ui.first_run.progress import pc_zone
from pos_app.ui.i18n import register, tr
from pos_app.ui.settings.devices import PRINTER, SOUNDBOX, DevicesPage
from pos_app.ui.settings.dialog import relayout
from pos_app.ui.settings.form import (
    COMBO_WIDTH,
    INVALID,
    Form,
    Page,
    SaveFailed,
    Services,
    configure_form,
)
from pos_app.ui.settings.payment import MUTASI_KEY, PROVIDER_KEY, STATIC_QRIS_KEY, PaymentPage
from pos_app.ui.settings.store import StorePage
from pos_app.ui.settings.tax import TaxPage
from pos_app.ui.tasks import TaskManager
from pos_app.ui.wheel_guard import guard_wheel
from sync.providers import MUTASI_SOURCES, PROVIDERS
from sync.providers.info import Confirmation

if TYPE_CHECKING:
    from pos_app.ui.events import AppEvents

__all__ = ["CASHIER", "GATEWAY", "MUTASI", "ChoiceCard", "DevicesStep", "FormStep",
           "GuideContext", "PaymentStep", "Step", "StoreStep", "confirmation_kind"]

register({
    "Lanjut": "Next",
    "Belum disimpan. Periksa: {fields}": "Not saved. Check: {fields}",
    "Gagal menyimpan: {detail}": "Could not save: {detail}",
    "Toko": "Shop",
    "Nama, alamat dan zona waktu toko, nomor kasir ini, dan PPN. Nama dan alamat dicetak di "
    "struk.":
        "The shop's name, address and time zone, this till's number, and VAT. The name and "
        "address are printed on receipts.",
    "Mis. Warung Bu Sri": "E.g. Warung Bu Sri",
    "Isi nama toko Anda.": "Type your shop's name.",
    "Konfirmasi pembayaran": "Payment confirmation",
    "Pembayaran": "Payment",
    "Pilih cara kasir tahu bahwa pembayaran QRIS sudah masuk.":
        "Choose how the till learns that a QRIS payment has arrived.",
    "Gateway pembayaran": "Payment gateway",
    "Gateway: biaya per transaksi ±0,7%, lunas terdeteksi dalam detik.":
        "Gateway: a fee of about 0.7% per sale; paid is detected within seconds.",
    "Mis. {names}.": "E.g. {names}.",
    "Cek mutasi otomatis": "Automatic statement check",
    "Mutasi: gratis, terdeteksi dalam ±1 menit, perlu akun.":
        "Statement: free, detected within about a minute, needs an account.",
    "QRIS statis toko + akun {names}.": "The shop's static QRIS + a {names} account.",
    "Konfirmasi kasir": "Cashier confirms",
    "Konfirmasi kasir: gratis, kasir melihat notifikasi di HP.":
        "Cashier confirms: free, the cashier checks the notification on the phone.",
    "QRIS statis toko; kasir menekan “Sudah dibayar”.":
        "The shop's static QRIS; the cashier presses “Payment received”.",
    "atau": "or",
    "Sekarang: mode demo (simulator, tanpa uang sungguhan). Pilih salah satu di atas untuk "
    "menerima pembayaran sungguhan.":
        "Now: demo mode (simulator, no real money). Choose one of the above to take real "
        "payments.",
    "Perangkat": "Devices",
    "Soundbox yang mengucapkan pembayaran masuk, dan printer struk. Tekan “Tes” untuk "
    "mencoba; semuanya boleh dilewati.":
        "The soundbox that announces payments, and the receipt printer. Press “Test” to try "
        "them; all of it may be skipped.",
})

GATEWAY, MUTASI, CASHIER = "gateway", "mutasi", "cashier"
"""How a payment is confirmed, as the owner chooses it on the *Konfirmasi pembayaran* step."""

_SECTION_STYLE = "font-size: 18px; font-weight: bold; color: #0f766e; padding-top: 8px;"


@dataclass(eq=False)
class GuideContext:
    """What the guide lends its steps."""

    settings: Settings
    db: Database
    tasks: TaskManager
    demo: bool
    services: Services  # for the Settings pages: worker threads, provider factories, logins
    parent: QWidget  # of the dialogs a step opens (file dialogs, the import preview)
    alive: Callable[[], bool]  # False once the guide closed: late answers are dropped
    summary: Callable[[str], None]  # the line next to the buttons ("" hides it)
    saved: Callable[[list[str]], None]  # keys a step wrote (the guide re-emits them)
    device_test: Callable[[str], None]  # "soundbox" / "printer": ask the window to test
    clock: Callable[[], datetime]
    events: AppEvents | None = None
    start_test_sale: Callable[[int], str] | None = None
    cancel_test_sale: Callable[[str], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # what steps tell each other


def confirmation_kind(provider: str, source: str = "") -> str | None:
    """:data:`GATEWAY`, :data:`MUTASI` or :data:`CASHIER` for a provider (with the mutasi
    source chosen for it), from its description; None for one with no back-end and no
    static QRIS (the demo simulator) or an unknown name."""
    info = PROVIDERS.get(provider)
    if info is None:
        return None
    if info.takes_mutasi_source:  # the shop's static QRIS: a statement, or the cashier
        return MUTASI if source else CASHIER
    if info.confirmation is Confirmation.MUTASI:
        return MUTASI
    if info.fields:  # a back-end of its own makes the QR and says when it is paid
        return GATEWAY
    return None


def _static_provider() -> str | None:
    """The provider of the shop's own static QRIS (the one that takes a mutasi source)."""
    return next((n for n, i in PROVIDERS.items() if i.takes_mutasi_source), None)


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " " + tr("atau") + " " + names[-1]


# ---------------------------------------------------------------------------- building blocks


class ScrollContent(QScrollArea):
    """A step's content, scrolling when it is taller than the guide, with the Settings
    dialog's layout workaround: when a row's content changes (a test result, an error under a
    field, a box shown), the nested form layouts keep stale row heights; they are laid out
    again once the pending layout requests are through."""

    def __init__(self) -> None:
        super().__init__()
        inner = QWidget()
        inner.setObjectName("stepContent")
        # The guide's background shows through (a scroll area paints its own otherwise).
        inner.setAutoFillBackground(False)
        self.viewport().setAutoFillBackground(False)
        self.column = QVBoxLayout(inner)
        self.column.setContentsMargins(4, 4, 16, 4)
        self.column.setSpacing(12)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not a tab stop of its own
        self.setWidget(inner)
        inner.installEventFilter(self)
        self._pending = False

    def relayout_later(self, _widget: QWidget | None = None) -> None:
        if self._pending:
            return
        self._pending = True
        QTimer.singleShot(0, self, self._relayout)

    def _relayout(self) -> None:
        self._pending = False
        inner = self.widget()
        relayout(inner)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.widget():
            self.relayout_later()
        return False


class ChoiceCard(QFrame):
    """One of a few big choices: a radio button with a title and plain lines under it; a tap
    anywhere on the card chooses it."""

    def __init__(self, name: str, title: str, lines: list[str]) -> None:
        super().__init__()
        self.setObjectName("choiceCard")
        self.name = name
        self.radio = QRadioButton(title, objectName=f"choice.{name}")
        self.radio.setStyleSheet("font-size: 17px; font-weight: bold;")
        column = QVBoxLayout(self)
        column.setContentsMargins(14, 10, 14, 12)
        column.setSpacing(6)
        column.addWidget(self.radio)
        self.labels: list[QLabel] = []
        for line in lines:
            label = QLabel(line)
            label.setWordWrap(True)
            label.setTextFormat(Qt.TextFormat.PlainText)
            column.addWidget(label)
            self.labels.append(label)
        column.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(96)
        self.radio.toggled.connect(self._show_checked)

    def _show_checked(self, checked: bool) -> None:
        self.setProperty("checked", checked)
        self.style().unpolish(self)
        self.style().polish(self)

    def mousePressEvent(self, event: Any) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.radio.click()
        super().mousePressEvent(event)


def section_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(_SECTION_STYLE)
    return label


# ---------------------------------------------------------------------------- the steps


class Step(QWidget):
    """One page of the guide. Subclasses set :attr:`key` (a name of ``progress.STEPS``, or
    "" for the last page), :attr:`title` and :attr:`intro` (untranslated: ``tr()`` is
    applied when shown)."""

    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    short: ClassVar[str] = ""  # the title in the list of steps, when the title is too long
    intro: ClassVar[str] = ""

    changed = Signal()
    """What the step's *Lanjut* says or allows changed (:meth:`next_text`, :meth:`busy`)."""

    def __init__(self, ctx: GuideContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName(f"step.{self.key or 'finish'}")

    def enter(self) -> None:
        """The step is shown (again)."""

    def commit(self, proceed: Callable[[], None]) -> None:
        """*Lanjut*: check and save, then call ``proceed`` (maybe later, from a worker's
        answer). On a problem: show it, keep everything typed, and don't call it."""
        proceed()

    def next_text(self) -> str:
        return tr("Lanjut")

    def busy(self) -> bool:
        """True while a save runs: the guide's buttons wait."""
        return False

    def leads(self) -> bool:
        """False while the step's own button is the thing to press (*Lanjut* then skips)."""
        return True

    def state(self) -> dict[str, Any]:
        """What was typed and not saved, for :meth:`restore` on the rebuilt step."""
        return {}

    def restore(self, state: dict[str, Any]) -> None:
        """Show ``state`` (from :meth:`state` of the same step, before a language switch)."""

    def dispose(self) -> None:
        """The step is about to be dropped (language switch, guide closed)."""


class FormStep(Step):
    """A step made of Settings pages (:attr:`page_types`) on one form of its own."""

    page_types: ClassVar[tuple[type[Page], ...]] = ()

    def __init__(self, ctx: GuideContext) -> None:
        super().__init__(ctx)
        self.content = ScrollContent()
        self.form = Form(ctx.settings, ctx.services, self.content.relayout_later)
        self.pages: list[Page] = []
        self.layouts: list[QFormLayout] = []
        column = self.content.column
        self.build_top(column)
        for page_type in self.page_types:
            page = page_type(self.form)
            if self.pages:  # a second page gets its title as a heading
                column.addWidget(section_label(page.tab))
            layout = QFormLayout()
            configure_form(layout)
            column.addLayout(layout)
            page.build(layout)
            self.pages.append(page)
            self.layouts.append(layout)
        # Spare height goes below the last row, not into a row (the QRIS preview would grow).
        column.addStretch(1)
        for page in self.pages:
            page.load()
        self.after_load()
        self._align_labels()
        guard_wheel(self.content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.content)

    def build_top(self, column: QVBoxLayout) -> None:
        """Widgets above the pages' rows."""

    def _align_labels(self) -> None:
        """One label width for the pages' rows, so that their fields line up (two pages on
        one step would otherwise each size their own label column)."""
        if len(self.layouts) < 2:
            return
        labels: list[QWidget] = []
        for layout in self.layouts:
            for row in range(layout.rowCount()):
                item = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
                widget = item.widget() if item is not None else None
                if widget is not None:
                    labels.append(widget)
        width = max((label.sizeHint().width() for label in labels), default=0)
        for label in labels:
            label.setMinimumWidth(width)

    def after_load(self) -> None:
        """The pages show the stored values: adjust what the guide shows differently."""

    # ------------------------------------------------------------------ guide hooks

    def enter(self) -> None:
        # Another step may have written a key this form shows (the static QRIS): a field not
        # edited here shows the stored value again; an edited one keeps what was typed.
        for f in self.form.fields.values():
            if KEYS[f.key].secret or f.read() != f.initial:
                continue
            value, _text = self.form.stored(f.key)
            if value != f.current:
                self.form.load(f)

    def commit(self, proceed: Callable[[], None]) -> None:
        for key in self.form.fields:
            self.form.clear_error(key)
        errors: dict[str, str] = {}
        changes = [(page, page.validate(errors)) for page in self.pages]
        if errors:
            self._show_errors(errors)
            return
        written: list[str] = []
        try:
            for page, page_changes in changes:
                page.save(page_changes, written)
        except SaveFailed as exc:
            self._show_errors({exc.key: tr("Gagal menyimpan: {detail}", detail=exc.detail)})
            return
        finally:
            if written:
                self.ctx.saved([k for k in KEYS if k in written])
        proceed()

    def state(self) -> dict[str, Any]:
        typed: dict[str, str] = {}
        for key, f in self.form.fields.items():
            text = f.read()
            if (text.strip() if KEYS[key].secret else text != f.initial):
                typed[key] = text
        return {"typed": typed}

    def restore(self, state: dict[str, Any]) -> None:
        for key, text in dict(state.get("typed") or {}).items():
            f = self.form.fields.get(key)
            if f is None:
                continue
            if KEYS[key].secret and isinstance(f.editor, QLineEdit):
                f.editor.setText(text)  # a secret's write() only empties the field
                continue
            try:
                value = KEYS[key].value_of(text)
            except SettingsError:
                value = INVALID
            f.write(value, text)

    # ------------------------------------------------------------------ errors

    def _show_errors(self, errors: dict[str, str]) -> None:
        first = None
        names: list[str] = []
        for key, f in self.form.fields.items():  # form order, not dict-of-errors order
            if key not in errors:
                continue
            self.form.show_error(key, errors[key])
            group = "" if f.label.startswith(f.group) else f.group
            names.append(" \u203a ".join(part for part in (group, f.label) if part))
            first = first or f
        self.ctx.summary(tr("Belum disimpan. Periksa: {fields}", fields=", ".join(names)))
        self.content.relayout_later()
        if first is not None and first.editor.isVisibleTo(self):
            first.editor.setFocus(Qt.FocusReason.OtherFocusReason)
            self.content.ensureWidgetVisible(first.row, 0, 60)  # with its error under it


def _narrow(row: QWidget, editor: QWidget, width: int) -> None:
    """Cap an editor built full width (an 8-character id) and keep it on the left."""
    editor.setMaximumWidth(width)
    column = row.layout()
    if column is None:
        return
    for index in range(column.count()):
        item = column.itemAt(index)
        inner = item.layout() if item is not None else None
        if inner is not None and inner.indexOf(editor) >= 0:
            inner.setAlignment(editor, Qt.AlignmentFlag.AlignLeft)


class _StorePage(StorePage):
    """The *Toko* page, saying in Indonesian what an empty name needs."""

    def invalid_message(self, key: str, detail: str) -> str:
        if key == "store.name" and not self.fields[key].read().strip():
            return tr("Isi nama toko Anda.")
        return super().invalid_message(key, detail)


class StoreStep(FormStep):
    key = "store"
    title = "Toko"
    intro = ("Nama, alamat dan zona waktu toko, nomor kasir ini, dan PPN. Nama dan alamat "
             "dicetak di struk.")
    page_types = (_StorePage, TaxPage)

    def after_load(self) -> None:
        settings = self.ctx.settings
        self.layouts[0].setRowVisible(self.form.fields["store.receipt_footer"].row, False)
        _narrow(self.form.fields["store.terminal_id"].row,
                self.form.fields["store.terminal_id"].editor, COMBO_WIDTH // 2)
        name = self.form.fields["store.name"]
        if isinstance(name.editor, QLineEdit):
            name.editor.setPlaceholderText(tr("Mis. Warung Bu Sri"))
        if not settings.is_set("store.name"):
            name.write("", "")  # the default "Warung Demo" is not this shop's name
        if not settings.is_set("store.timezone"):
            guess = pc_zone()
            self.form.fields["store.timezone"].write(guess, guess)


class PaymentStep(FormStep):
    key = "payment"
    title = "Konfirmasi pembayaran"
    short = "Pembayaran"
    intro = "Pilih cara kasir tahu bahwa pembayaran QRIS sudah masuk."
    page_types = (PaymentPage,)

    def build_top(self, column: QVBoxLayout) -> None:
        gateways = [tr(i.label.id) for n, i in PROVIDERS.items()
                    if confirmation_kind(n) == GATEWAY]
        sources = [tr((PROVIDERS[n].source_label or PROVIDERS[n].label).id)
                   for n in MUTASI_SOURCES]
        self.cards = {
            GATEWAY: ChoiceCard(GATEWAY, tr("Gateway pembayaran"), [
                tr("Gateway: biaya per transaksi ±0,7%, lunas terdeteksi dalam detik."),
                tr("Mis. {names}.", names=_names(gateways))]),
            MUTASI: ChoiceCard(MUTASI, tr("Cek mutasi otomatis"), [
                tr("Mutasi: gratis, terdeteksi dalam ±1 menit, perlu akun."),
                tr("QRIS statis toko + akun {names}.", names=_names(sources))]),
            CASHIER: ChoiceCard(CASHIER, tr("Konfirmasi kasir"), [
                tr("Konfirmasi kasir: gratis, kasir melihat notifikasi di HP."),
                tr("QRIS statis toko; kasir menekan “Sudah dibayar”.")]),
        }
        self.group = QButtonGroup(self)
        row = QHBoxLayout()
        row.setSpacing(12)
        for card in self.cards.values():
            self.group.addButton(card.radio)
            row.addWidget(card, 1)
            card.radio.clicked.connect(lambda _c=False, name=card.name: self.choose(name))
        column.addLayout(row)
        self.demo_note = QLabel(tr(
            "Sekarang: mode demo (simulator, tanpa uang sungguhan). Pilih salah satu di atas "
            "untuk menerima pembayaran sungguhan."))
        self.demo_note.setObjectName("demoNote")
        self.demo_note.setWordWrap(True)
        column.addWidget(self.demo_note)

    def after_load(self) -> None:
        page = self.pages[0]
        assert isinstance(page, PaymentPage)
        self.page = page
        for key in (PROVIDER_KEY, MUTASI_KEY):
            editor = self.form.fields[key].editor
            if isinstance(editor, QComboBox):
                editor.currentIndexChanged.connect(lambda _i: self._show_choice())
        self._show_choice()

    def enter(self) -> None:
        super().enter()
        # A static QRIS saved on the step before needn't take half of this one: its row in
        # the "QRIS statis toko" box shows only while it is missing, edited or bad.
        f = self.form.fields.get(STATIC_QRIS_KEY)
        static = _static_provider()
        if f is None or static is None:
            return
        value, _text = self.form.stored(STATIC_QRIS_KEY)
        done = bool(value) and value is not INVALID and f.read() == f.initial
        self.page.panels[static].layout.setRowVisible(f.row, not done)
        self.content.relayout_later()

    def choose(self, kind: str) -> None:
        """Set the page's provider (and mutasi source) for a choice of :data:`GATEWAY`,
        :data:`MUTASI` or :data:`CASHIER`."""
        provider = self.form.fields[PROVIDER_KEY].read()
        source = self._source()
        if confirmation_kind(provider, source) == kind:
            return
        static = _static_provider()
        if kind == GATEWAY:
            target = next((n for n in PROVIDERS if confirmation_kind(n) == GATEWAY), None)
            self._select(PROVIDER_KEY, target)
        elif static is not None:
            self._select(PROVIDER_KEY, static)
            if kind == CASHIER:
                self._select(MUTASI_KEY, "")
            elif not source and MUTASI_SOURCES:
                self._select(MUTASI_KEY, MUTASI_SOURCES[0])
        self._show_choice()

    def _source(self) -> str:
        f = self.form.fields.get(MUTASI_KEY)
        return f.read() if f is not None else ""

    def _select(self, key: str, value: str | None) -> None:
        editor = self.form.fields[key].editor
        if value is not None and isinstance(editor, QComboBox):
            index = editor.findData(value)
            if index >= 0:
                editor.setCurrentIndex(index)

    def _show_choice(self) -> None:
        if not shiboken6.isValid(self.group):
            return
        kind = confirmation_kind(self.form.fields[PROVIDER_KEY].read(), self._source())
        self.group.setExclusive(False)  # so that no card can be ticked (the simulator)
        for name, card in self.cards.items():
            card.radio.setChecked(name == kind)
        self.group.setExclusive(True)
        self.demo_note.setVisible(kind is None)


class DevicesStep(FormStep):
    key = "devices"
    title = "Perangkat"
    intro = ("Soundbox yang mengucapkan pembayaran masuk, dan printer struk. Tekan “Tes” untuk "
             "mencoba; semuanya boleh dilewati.")
    page_types = (DevicesPage,)

    def after_load(self) -> None:
        page = self.pages[0]
        assert isinstance(page, DevicesPage)
        self.page = page
        page.testSoundbox.connect(lambda: self.ctx.device_test(SOUNDBOX))
        page.testPrinter.connect(lambda: self.ctx.device_test(PRINTER))
