"""The Settings dialog ("Pengaturan"): store, tax, payment and display settings.

Every field maps to one key of the typed registry :data:`pos_app.settings.KEYS`; the dialog
never parses values itself, it feeds the text the owner typed to ``Key.value_of`` so a value is
checked exactly like ``pos-app config set`` checks it.

Decisions:

* **Validate everything, then write.** On *Simpan* every changed field is parsed first and the
  cross-field rule (provider ``static`` needs a valid static QRIS) is checked against the
  *form*, not the file. Only when all of that passes is anything written, so a half-saved form
  can't happen through bad input. Writes are one ``Settings.set`` per key (there is no batch
  API); ``payment.provider`` is written last so a disk error midway never leaves provider
  ``static`` without its QRIS.
* **Only changed keys are written.** A field counts as changed when its text differs from what
  the dialog showed *and* its parsed value differs from the stored one ("11,0" vs "11" is no
  change). So opening and saving the dialog in demo mode doesn't write ``payment.provider``
  (which would end demo mode), and a bad value in a hand-edited file is not touched unless the
  owner edits that field.
* **Nothing typed is lost.** An error is shown in red under its field (and summarised next to
  the buttons, because it may be on another tab); the dialog stays open with the form as typed.
* **Values the form can't offer are kept.** A provider set with the CLI that this version can't
  use yet, a screen index beyond the screens attached, or a bad value in the file is shown as
  an extra item, so saving other fields never silently changes it.
* The simulator's "pay after" field sits on the *Pembayaran* tab under the provider it belongs
  to and is hidden unless the provider is the simulator (its edits are still kept and saved).
* The QRIS preview uses plain-text labels: the merchant name comes from pasted data and must
  not be interpreted as HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QTextOption
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app import qris
from pos_app.settings import KEYS, Settings, SettingsError
from pos_app.ui.i18n import register, tr
from sync.providers import AVAILABLE

__all__ = ["SettingsDialog"]

register({
    "Pengaturan": "Settings",
    "Simpan": "Save",
    "Batal": "Cancel",
    "Toko": "Shop",
    "Pajak (PPN)": "Tax (VAT)",
    "Pembayaran": "Payment",
    "Tampilan": "Display",
    # Toko
    "Nama toko": "Shop name",
    "Dicetak di struk dan ditampilkan ke pelanggan.":
        "Printed on receipts and shown to customers.",
    "Alamat": "Address",
    "Dicetak di bawah nama toko pada struk.": "Printed under the shop name on receipts.",
    "ID kasir (terminal)": "Till (terminal) id",
    "1-8 huruf atau angka, mis. K1. Menjadi bagian dari setiap nomor pesanan.":
        "1-8 letters or digits, e.g. K1. Part of every order number.",
    "Zona waktu": "Time zone",
    "Pilih atau ketik, mis. Asia/Jakarta. WIB/WITA/WIT juga bisa.":
        "Choose or type, e.g. Asia/Jakarta. WIB/WITA/WIT also work.",
    # Pajak
    "PPN": "VAT",
    "Tidak ada": "None",
    "Harga sudah termasuk PPN": "Prices include VAT",
    "PPN ditambahkan": "VAT added on top",
    "Tarif PPN": "VAT rate",
    "Contoh: 11 atau 11,5 (paling banyak 2 desimal).": "E.g. 11 or 11.5 (at most 2 decimals).",
    # Pembayaran
    "Cara pembayaran QRIS": "QRIS payment method",
    "Simulator (demo)": "Simulator (demo)",
    "QRIS statis toko": "Shop's static QRIS",
    "{name} (belum didukung versi ini)": "{name} (not supported in this version)",
    "Simulator membayar setelah (detik)": "Simulator pays after (seconds)",
    "Angka detik, atau never agar simulator tidak pernah membayar (untuk uji kedaluwarsa).":
        "Seconds, or never so the simulator never pays (to test expiry).",
    "Masa berlaku QRIS (detik)": "QRIS valid for (seconds)",
    "= {minutes} menit": "= {minutes} minutes",
    "QRIS statis toko (isi QRIS)": "Shop's static QRIS (payload)",
    "Tempel di sini isi QRIS statis toko (teks yang diawali 000201).":
        "Paste the shop's static QRIS payload here (the text starting with 000201).",
    "Belum ada QRIS statis.": "No static QRIS yet.",
    "Nama merchant": "Merchant name",
    "Kota": "City",
    "NMID": "NMID",
    "Acquirer": "Acquirer",
    "Jenis": "Type",
    "Biaya/tip": "Fee/tip",
    "Statis (nominal ditambahkan otomatis di tiap transaksi)":
        "Static (the amount is added automatically for each sale)",
    "Dinamis: QRIS ini sudah berisi nominal/sekali pakai. Gunakan QRIS statis dari stiker toko.":
        "Dynamic: this QRIS already carries an amount / is single-use. Use the static QRIS from "
        "the shop's sticker.",
    "Pastikan nama merchant di bawah ini adalah nama toko Anda. Uang pembayaran masuk ke "
    "pemilik QRIS ini.":
        "Make sure the merchant name below is your shop's. Payments go to the owner of this QRIS.",
    "Tidak bisa disimpan: QRIS tidak valid (lihat keterangan di atas).":
        "Cannot be saved: the QRIS is invalid (see the explanation above).",
    "QRIS tidak valid: {detail}": "Invalid QRIS: {detail}",
    "QRIS tidak valid: isi QRIS harus satu baris (ada baris baru di tengahnya).":
        "Invalid QRIS: the payload must be one line (there is a line break inside it).",
    "Salin ulang seluruh isi QRIS, mulai dari 000201 sampai 4 karakter terakhir.":
        "Copy the whole QRIS payload again, from 000201 to the last 4 characters.",
    "Wajib diisi: cara pembayaran \u201cQRIS statis toko\u201d membutuhkan QRIS statis yang "
    "valid.":
        "Required: the \u201cShop's static QRIS\u201d payment method needs a valid static QRIS.",
    "Belum lengkap untuk QRIS statis: {keys}. Isi dengan pos-app config set.":
        "Not complete for static QRIS: {keys}. Set them with pos-app config set.",
    # Tampilan
    "Bahasa": "Language",
    "Layar pelanggan": "Customer display",
    "Otomatis": "Automatic",
    "Layar {number}": "Screen {number}",
    "Layar {number} ({width}\u00d7{height})": "Screen {number} ({width}\u00d7{height})",
    "Layar {number} (tidak terhubung)": "Screen {number} (not connected)",
    "Otomatis: layar kedua bila terpasang.": "Automatic: the second screen when attached.",
    # errors
    "{value} (tidak valid)": "{value} (invalid)",
    "Tidak valid: {detail}": "Invalid: {detail}",
    "Gagal menyimpan: {detail}": "Could not save: {detail}",
    "Belum disimpan. Periksa: {fields}": "Not saved. Check: {fields}",
})

# Shown for a timezone so the owner recognises the Indonesian names (WIB/WITA/WIT).
_COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("Asia/Jakarta", "WIB"),
    ("Asia/Makassar", "WITA"),
    ("Asia/Jayapura", "WIT"),
)
# Untranslated source texts, translated with tr() when the widgets are built.
_TAX_MODES: dict[str, str] = {
    "off": "Tidak ada",
    "included": "Harga sudah termasuk PPN",
    "added": "PPN ditambahkan",
}
_PROVIDER_LABELS: dict[str, str] = {
    "simulator": "Simulator (demo)",
    "static": "QRIS statis toko",
}
# Language names are shown in their own language, as every language picker does.
_LANGUAGES: dict[str, str] = {"id": "Bahasa Indonesia", "en": "English"}

_MIN_HEIGHT = 40  # touch target for inputs and buttons (app.qss asks 44 for buttons)
_COMBO_WIDTH = 420  # wide enough for the longest choice, not a full-width bar
_FULL_WIDTH = 16777215  # QWIDGETSIZE_MAX: no maximum width set
_ERROR_STYLE = "color: #b00020;"
_WARNING_STYLE = "color: #8a4b00;"
_HINT_STYLE = "color: #555555;"


class _Invalid:
    """Marks a stored value that doesn't parse (a bad hand edit of config.toml)."""

    def __repr__(self) -> str:
        return "<invalid>"


_INVALID = _Invalid()


@dataclass
class _Field:
    """One key's editor, how to read its text, and where its error goes."""

    key: str
    label: str
    tab: str
    editor: QWidget
    row: QWidget  # the form row's field widget (editor, hint, error), for hiding the row
    read: Callable[[], str]
    error: QLabel
    initial: str = ""
    current: Any = field(default=_INVALID)


class SettingsDialog(QDialog):
    """Edit the settings of this version's UI; emits :attr:`saved` with the keys written."""

    saved = Signal(list)
    """Emitted with the names of the keys written (in registry order) after a save."""

    def __init__(self, settings: Settings, parent: QWidget | None = None, *,
                 screens_count: int | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._screens_count = (len(QGuiApplication.screens()) if screens_count is None
                               else max(0, screens_count))
        self._fields: dict[str, _Field] = {}
        self._written: list[str] = []  # keys already on disk (a failed save may leave some)
        self.setWindowTitle(tr("Pengaturan"))
        self.setObjectName("settingsDialog")

        self.tabs = QTabWidget(self)
        self.tabs.currentChanged.connect(self._relayout_page)
        self._build_store_tab()
        self._build_tax_tab()
        self._build_payment_tab()
        self._build_display_tab()

        self.summary = QLabel(self)
        self.summary.setObjectName("settingsSummary")
        self.summary.setWordWrap(True)
        self.summary.setStyleSheet(_ERROR_STYLE)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.hide()

        buttons = QDialogButtonBox(self)
        self.save_button: QPushButton = buttons.addButton(
            tr("Simpan"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button: QPushButton = buttons.addButton(
            tr("Batal"), QDialogButtonBox.ButtonRole.RejectRole)
        for button in (self.save_button, self.cancel_button):
            button.setMinimumHeight(_MIN_HEIGHT)
            button.setMinimumWidth(120)
        self.save_button.setDefault(True)
        # Not buttons.accepted -> self.accept: Simpan must validate before closing.
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)

        for f in self._fields.values():
            f.initial = f.read()
        self._update_provider_rows()
        self._update_qris_preview()
        # Fits a 1366x768 counter screen with room for the taskbar; each tab scrolls if needed.
        self.resize(800, 660)

    # ------------------------------------------------------------------ public helpers

    def editor(self, key: str) -> QWidget:
        """The input widget for ``key`` (also findable by objectName == key)."""
        return self._fields[key].editor

    def error_text(self, key: str) -> str:
        """The error shown under ``key``'s field ("" when none)."""
        label = self._fields[key].error
        return "" if label.isHidden() else label.text()

    def qris_preview_text(self) -> str:
        """What the static QRIS preview shows, as plain text lines."""
        lines: list[str] = []
        if not self._qris_status.isHidden():
            lines.append(self._qris_status.text())
        if not self._qris_details.isHidden():
            lines.append(self._qris_confirm.text())
            for caption, value in self._qris_values.values():
                lines.append(f"{caption.text()}: {value.text()}")
        return "\n".join(lines)

    def pending_changes(self) -> dict[str, str]:
        """Changed keys and their text, without validating the values (for callers that ask
        "discard changes?" before closing)."""
        return {k: f.read() for k, f in self._fields.items() if f.read() != f.initial}

    # ------------------------------------------------------------------ building

    def _page(self, title: str) -> QFormLayout:
        """A tab whose form scrolls, so nothing is cut off on a small screen."""
        inner = QWidget()
        outer = QVBoxLayout(inner)
        form = QFormLayout()
        outer.addLayout(form)
        # Spare height goes below the last row, not into a row (the QRIS preview would grow).
        outer.addStretch(1)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        # Every row spans the width, so wrapped hints get a stable width; narrow editors
        # (combos, numbers) are capped in _add instead.
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setVerticalSpacing(14)
        form.setHorizontalSpacing(16)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not a tab stop of its own
        scroll.setWidget(inner)
        self.tabs.addTab(scroll, title)
        return form

    def _add(self, form: QFormLayout, key: str, label: str, editor: QWidget,
             read: Callable[[], str], changed: SignalInstance, *, hint: str = "",
             inline: QWidget | None = None, extra: QWidget | None = None) -> _Field:
        """One row: label | editor (+ ``inline`` beside it), hint, ``extra``, red error."""
        editor.setObjectName(key)
        editor.setMinimumHeight(max(editor.minimumHeight(), _MIN_HEIGHT))
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(editor, 1)
        if inline is not None:
            row.addWidget(inline)
        if editor.maximumWidth() < _FULL_WIDTH:
            row.addStretch(1)  # keep a capped editor (and its inline label) on the left
        column.addLayout(row)
        if hint:
            column.addWidget(_hint_label(hint))
        if extra is not None:
            column.addWidget(extra)
        error = QLabel()
        error.setObjectName(f"{key}.error")
        error.setWordWrap(True)
        error.setTextFormat(Qt.TextFormat.PlainText)  # the message may quote user input
        error.setStyleSheet(_ERROR_STYLE)
        error.hide()
        column.addWidget(error)
        row_label = QLabel(label)
        row_label.setBuddy(editor)
        row_label.setMinimumHeight(_MIN_HEIGHT)  # align with the editor's first line
        form.addRow(row_label, box)
        current, _text = self._stored(key)
        f = _Field(key, label, self.tabs.tabText(self.tabs.count() - 1), editor, box, read,
                   error, current=current)
        self._fields[key] = f
        # Editing a field clears its old error: the red text described the previous value.
        changed.connect(lambda *_: self._clear_error(key))
        return f

    def _stored(self, key: str) -> tuple[Any, str]:
        """(typed value or _INVALID, text to show) for ``key``."""
        k = KEYS[key]
        try:
            value = self.settings.get(key)
        except SettingsError:
            try:
                raw = self.settings.get_raw(key)
            except SettingsError:  # e.g. a table where a value should be
                raw = None
            return _INVALID, raw or ""
        return value, k.to_text(value)

    def _line_edit(self, key: str) -> QLineEdit:
        edit = QLineEdit(self._stored(key)[1])
        edit.setClearButtonEnabled(True)
        return edit

    def _combo(self, key: str, items: list[tuple[str, str]]) -> QComboBox:
        """A choice combo (item data = stored text); a stored value not in ``items`` is added
        so that saving other fields keeps it."""
        combo = QComboBox()
        combo.setMaximumWidth(_COMBO_WIDTH)
        for value, label in items:
            combo.addItem(label, value)
        value, text = self._stored(key)
        index = combo.findData(text)
        if index < 0:
            shown = text if value is not _INVALID else tr("{value} (tidak valid)", value=text)
            combo.addItem(shown, text)
            index = combo.count() - 1
        combo.setCurrentIndex(index)
        return combo

    def _build_store_tab(self) -> None:
        form = self._page(tr("Toko"))
        name = self._line_edit("store.name")
        self._add(form, "store.name", tr("Nama toko"), name, name.text, name.textChanged,
                  hint=tr("Dicetak di struk dan ditampilkan ke pelanggan."))
        address = self._line_edit("store.address")
        self._add(form, "store.address", tr("Alamat"), address, address.text,
                  address.textChanged, hint=tr("Dicetak di bawah nama toko pada struk."))
        terminal = self._line_edit("store.terminal_id")
        self._add(form, "store.terminal_id", tr("ID kasir (terminal)"), terminal,
                  terminal.text, terminal.textChanged,
                  hint=tr("1-8 huruf atau angka, mis. K1. Menjadi bagian dari setiap nomor "
                          "pesanan."))

        zone = QComboBox()
        zone.setMaximumWidth(_COMBO_WIDTH)
        zone.setEditable(True)
        # Typing a zone must not add it to the list; the text is read as typed.
        zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for name_, short in _COMMON_ZONES:
            zone.addItem(f"{name_} ({short})", name_)
        _value, current = self._stored("store.timezone")
        index = zone.findData(current)
        if index < 0 and current:
            zone.addItem(current, current)
            index = zone.count() - 1
        zone.setCurrentIndex(index)

        def read_zone() -> str:
            text = zone.currentText().strip()
            found = zone.findText(text)  # "Asia/Jakarta (WIB)" -> "Asia/Jakarta"
            return str(zone.itemData(found)) if found >= 0 else text

        self._add(form, "store.timezone", tr("Zona waktu"), zone, read_zone,
                  zone.editTextChanged,
                  hint=tr("Pilih atau ketik, mis. Asia/Jakarta. WIB/WITA/WIT juga bisa."))

    def _build_tax_tab(self) -> None:
        form = self._page(tr("Pajak (PPN)"))
        mode = self._combo("tax.mode", [(v, tr(label)) for v, label in _TAX_MODES.items()])
        self._add(form, "tax.mode", tr("PPN"), mode, lambda: str(mode.currentData()),
                  mode.currentIndexChanged)
        rate = self._line_edit("tax.rate_percent")
        rate.setClearButtonEnabled(False)
        rate.setMaximumWidth(160)
        percent = QLabel("%")
        self._add(form, "tax.rate_percent", tr("Tarif PPN"), rate, rate.text,
                  rate.textChanged, inline=percent,
                  hint=tr("Contoh: 11 atau 11,5 (paling banyak 2 desimal)."))

    def _build_payment_tab(self) -> None:
        form = self._page(tr("Pembayaran"))
        self._payment_form = form
        provider = self._combo(
            "payment.provider",
            [(name, tr(_PROVIDER_LABELS.get(name, name))) for name in AVAILABLE])
        value, stored = self._stored("payment.provider")
        index = provider.findData(stored)
        if index >= 0 and value is not _INVALID and stored not in AVAILABLE:
            # Set with the CLI for a back-end this version can't run yet: say so.
            provider.setItemText(index, tr("{name} (belum didukung versi ini)", name=stored))
        self._add(form, "payment.provider", tr("Cara pembayaran QRIS"), provider,
                  lambda: str(provider.currentData()), provider.currentIndexChanged)
        provider.currentIndexChanged.connect(self._update_provider_rows)

        pay_after = self._line_edit("simulator.pay_after_s")
        pay_after.setClearButtonEnabled(False)
        pay_after.setMaximumWidth(200)
        self._add(form, "simulator.pay_after_s", tr("Simulator membayar setelah (detik)"),
                  pay_after, pay_after.text, pay_after.textChanged,
                  hint=tr("Angka detik, atau never agar simulator tidak pernah membayar "
                          "(untuk uji kedaluwarsa)."))

        ttl = QSpinBox()
        low, high = KEYS["payment.invoice_ttl_s"].bounds or (0, 86400)
        ttl.setRange(low, high)
        ttl.setSingleStep(30)
        ttl.setAccelerated(True)
        ttl.setMaximumWidth(200)
        value, _text = self._stored("payment.invoice_ttl_s")
        ttl.setValue(value if isinstance(value, int) else int(KEYS["payment.invoice_ttl_s"]
                                                              .default))
        minutes = QLabel()
        minutes.setStyleSheet(_HINT_STYLE)

        def show_minutes(seconds: int) -> None:
            shown = f"{seconds / 60:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            minutes.setText(tr("= {minutes} menit", minutes=shown))

        ttl.valueChanged.connect(show_minutes)
        show_minutes(ttl.value())
        self._add(form, "payment.invoice_ttl_s", tr("Masa berlaku QRIS (detik)"), ttl,
                  lambda: str(ttl.value()), ttl.valueChanged, inline=minutes)

        static = QPlainTextEdit()
        static.setPlainText(self._stored("payment.static_qris")[1])
        static.setPlaceholderText(tr("Tempel di sini isi QRIS statis toko (teks yang diawali "
                                     "000201)."))
        # Tab must move on to the next field, not insert a tab into the payload.
        static.setTabChangesFocus(True)
        static.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        # A QRIS payload has few spaces: wrap anywhere rather than overflow sideways.
        static.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        static.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        static.setFixedHeight(84)  # 3 lines: enough to see it's all there
        static.textChanged.connect(self._update_qris_preview)
        self._add(form, "payment.static_qris", tr("QRIS statis toko (isi QRIS)"), static,
                  lambda: qris.strip_pasted(static.toPlainText()), static.textChanged,
                  extra=self._build_qris_preview())

    def _build_qris_preview(self) -> QWidget:
        frame = QFrame()
        frame.setObjectName("qrisPreview")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        column = QVBoxLayout(frame)
        self._qris_status = QLabel()
        self._qris_status.setObjectName("qrisPreviewStatus")
        self._qris_status.setWordWrap(True)
        self._qris_status.setTextFormat(Qt.TextFormat.PlainText)
        column.addWidget(self._qris_status)
        self._qris_details = QWidget()
        details = QFormLayout(self._qris_details)
        details.setContentsMargins(0, 0, 0, 0)
        # First, so it is read (and visible without scrolling) before the details.
        self._qris_confirm = QLabel(tr("Pastikan nama merchant di bawah ini adalah nama toko "
                                       "Anda. Uang pembayaran masuk ke pemilik QRIS ini."))
        self._qris_confirm.setObjectName("qrisPreviewConfirm")
        self._qris_confirm.setWordWrap(True)
        self._qris_confirm.setStyleSheet(_WARNING_STYLE)
        details.addRow(self._qris_confirm)
        self._qris_values: dict[str, tuple[QLabel, QLabel]] = {}
        for name, caption in (("name", tr("Nama merchant")), ("city", tr("Kota")),
                              ("nmid", tr("NMID")), ("acquirer", tr("Acquirer")),
                              ("type", tr("Jenis")), ("fee", tr("Biaya/tip"))):
            value = QLabel()
            value.setWordWrap(True)
            # Merchant data comes from pasted text: never let QLabel read it as HTML.
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption_label = QLabel(caption)
            details.addRow(caption_label, value)
            self._qris_values[name] = (caption_label, value)
        bold = QFont(self._qris_values["name"][1].font())
        bold.setBold(True)
        self._qris_values["name"][1].setFont(bold)
        column.addWidget(self._qris_details)
        return frame

    def _build_display_tab(self) -> None:
        form = self._page(tr("Tampilan"))
        language = self._combo("ui.language", list(_LANGUAGES.items()))
        self._add(form, "ui.language", tr("Bahasa"), language,
                  lambda: str(language.currentData()), language.currentIndexChanged)

        screens = QGuiApplication.screens()
        items = [("-1", tr("Otomatis"))]
        for index in range(self._screens_count):
            if index < len(screens):
                size = screens[index].size()
                label = tr("Layar {number} ({width}\u00d7{height})", number=index + 1,
                           width=size.width(), height=size.height())
            else:
                label = tr("Layar {number}", number=index + 1)
            items.append((str(index), label))
        value, text = self._stored("ui.customer_display_screen")
        if isinstance(value, int) and value >= self._screens_count:
            # A screen that is unplugged right now: keep the choice instead of resetting it.
            items.append((text, tr("Layar {number} (tidak terhubung)", number=value + 1)))
        screen = self._combo("ui.customer_display_screen", items)
        self._add(form, "ui.customer_display_screen", tr("Layar pelanggan"), screen,
                  lambda: str(screen.currentData()), screen.currentIndexChanged,
                  hint=tr("Otomatis: layar kedua bila terpasang."))

    # ------------------------------------------------------------------ live updates

    def _update_provider_rows(self) -> None:
        provider = self._fields["payment.provider"].read()
        sim = self._fields["simulator.pay_after_s"].row
        self._payment_form.setRowVisible(sim, provider == "simulator")

    def _update_qris_preview(self) -> None:
        text = qris.strip_pasted(self._fields["payment.static_qris"].editor
                                 .toPlainText())  # type: ignore[attr-defined]
        self._qris_details.hide()
        self._qris_status.show()
        if not text:
            self._qris_status.setStyleSheet(_HINT_STYLE)
            self._qris_status.setText(tr("Belum ada QRIS statis."))
            return
        error = _qris_problem(text)
        if error is not None:
            self._qris_status.setStyleSheet(_ERROR_STYLE)
            self._qris_status.setText(
                error + "\n" + tr("Salin ulang seluruh isi QRIS, mulai dari 000201 sampai 4 "
                                  "karakter terakhir."))
            return
        payload = qris.parse(text)
        m = payload.merchant
        acquirer = m.acquirer_guid or "-"
        if m.merchant_pan:
            acquirer += f" (PAN {m.merchant_pan})"
        values = {
            "name": m.name,
            "city": m.city + (f" {m.postal_code}" if m.postal_code else ""),
            "nmid": m.nmid or "-",
            "acquirer": acquirer,
            "type": (tr("Dinamis: QRIS ini sudah berisi nominal/sekali pakai. Gunakan QRIS "
                        "statis dari stiker toko.") if payload.is_dynamic else
                     tr("Statis (nominal ditambahkan otomatis di tiap transaksi)")),
            "fee": qris.fee_policy_text(payload) or tr("Tidak ada"),
        }
        for name, (_caption, label) in self._qris_values.items():
            label.setText(values[name])
        # A dynamic QRIS is accepted by the registry, so only warn; it is likely a mistake.
        self._qris_values["type"][1].setStyleSheet(_WARNING_STYLE if payload.is_dynamic else "")
        self._qris_status.hide()
        self._qris_details.show()

    # ------------------------------------------------------------------ saving

    def save(self) -> bool:
        """Validate the form and write the changed keys; True when saved (dialog accepted)."""
        for key in self._fields:
            self._clear_error(key)
        self.summary.hide()
        changes, errors = self._validate()
        if errors:
            self._show_errors(errors)
            return False
        # Provider last: a failure midway must not leave "static" without its QRIS.
        order = sorted(changes, key=lambda k: k == "payment.provider")
        for key in order:
            try:
                self.settings.set(key, changes[key])
            except SettingsError as exc:
                self._show_errors({key: tr("Gagal menyimpan: {detail}",
                                           detail=_detail(key, exc))})
                return False
            self._written.append(key)
            f = self._fields[key]
            # Written: a retry after a later key's failure must not count it again.
            f.initial, f.current = f.read(), KEYS[key].value_of(changes[key])
        self._emit_saved()
        self.accept()
        return True

    def reject(self) -> None:
        # Only non-empty after a save that failed midway: the main window must still re-read.
        self._emit_saved()
        super().reject()

    def _emit_saved(self) -> None:
        if self._written:
            written = [k for k in KEYS if k in self._written]
            self._written = []
            self.saved.emit(written)

    def _validate(self) -> tuple[dict[str, str], dict[str, str]]:
        """(changed key -> text, key -> error message); nothing is written here."""
        changes: dict[str, str] = {}
        errors: dict[str, str] = {}
        for key, f in self._fields.items():
            text = f.read()
            if text == f.initial:
                continue
            try:
                value = KEYS[key].value_of(text)
            except SettingsError as exc:
                errors[key] = (
                    # The preview right above already explains what is wrong with the QRIS.
                    tr("Tidak bisa disimpan: QRIS tidak valid (lihat keterangan di atas).")
                    if key == "payment.static_qris"
                    else tr("Tidak valid: {detail}", detail=_detail(key, exc)))
                continue
            if f.current is _INVALID or value != f.current:
                changes[key] = text
        if self._fields["payment.provider"].read() == "static":
            qris_field = self._fields["payment.static_qris"]
            if "payment.static_qris" not in errors:
                text = qris_field.read()
                problem = _qris_problem(text) if text else None
                if not text:
                    errors["payment.static_qris"] = tr(
                        "Wajib diisi: cara pembayaran \u201cQRIS statis toko\u201d membutuhkan "
                        "QRIS statis yang valid.")
                elif problem is not None:  # stored value was already bad and left untouched
                    errors["payment.static_qris"] = tr(
                        "Tidak bisa disimpan: QRIS tidak valid (lihat keterangan di atas).")
            # Keys the static provider needs that this dialog doesn't edit (mutasi logins).
            try:
                missing = [k for k in self.settings.missing_for_provider("static")
                           if k != "payment.static_qris"]
            except SettingsError as exc:
                missing = [str(exc)]
            if missing:
                errors["payment.provider"] = tr(
                    "Belum lengkap untuk QRIS statis: {keys}. Isi dengan pos-app config set.",
                    keys=", ".join(missing))
        return changes, errors

    def _show_errors(self, errors: dict[str, str]) -> None:
        first: _Field | None = None
        names: list[str] = []
        for key, f in self._fields.items():  # form order, not dict-of-errors order
            if key not in errors:
                continue
            f.error.setText(errors[key])
            f.error.show()
            names.append(f"{f.tab} \u203a {f.label}")
            first = first or f
        self.summary.setText(tr("Belum disimpan. Periksa: {fields}", fields=", ".join(names)))
        self.summary.show()
        if first is not None:
            page = self._page_of(first.editor)
            if page is not None:
                self.tabs.setCurrentWidget(page)
            if first.editor.isVisibleTo(self):
                first.editor.setFocus(Qt.FocusReason.OtherFocusReason)

    def _relayout_page(self, index: int) -> None:
        # A page whose content changed while hidden (the QRIS preview filled in by code) can
        # keep a stale row height from its last paint, squashing the preview; recompute it.
        page = self.tabs.widget(index)
        inner = page.widget() if isinstance(page, QScrollArea) else None
        if inner is not None and inner.layout() is not None:
            inner.layout().invalidate()
            inner.layout().activate()

    def _page_of(self, widget: QWidget) -> QWidget | None:
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page.isAncestorOf(widget):
                return page
        return None

    def _clear_error(self, key: str) -> None:
        label = self._fields[key].error
        label.clear()
        label.hide()


# ---------------------------------------------------------------------- helpers


def _hint_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(_HINT_STYLE)
    return label


def _detail(key: str, exc: Exception) -> str:
    """The English detail of a SettingsError without the "key: " prefix (the field is named
    by where the message is shown)."""
    message = str(exc)
    prefix = f"{key}: "
    return message[len(prefix):] if message.startswith(prefix) else message


def _qris_problem(text: str) -> str | None:
    """An Indonesian-first error for a pasted payload, or None when it is valid."""
    if any(c in text for c in "\r\n"):
        # qris.parse would report a confusing tag/offset error for a wrapped copy.
        return tr("QRIS tidak valid: isi QRIS harus satu baris (ada baris baru di tengahnya).")
    try:
        qris.validate(text)
    except qris.InvalidQris as exc:
        return tr("QRIS tidak valid: {detail}", detail=str(exc))
    return None
