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

Payment providers (the *Pembayaran* tab):

* The provider combo offers every provider of ``sync.providers.AVAILABLE``; under it one
  group box per provider holds exactly its keys (``providers.<name>.*``, or the simulator's /
  static QRIS's ``simulator.*`` / ``payment.*`` keys) and only the chosen provider's box is
  shown. With ``static`` and a mutasi source, that source's box is shown as well (titled
  "Akun ... untuk cek mutasi"): its login keys are what the static provider then needs.
  ``payment.unique_code`` sits under the boxes because it applies to every provider that is
  confirmed by matching amounts on a statement (``static`` with a mutasi source, ``orkut``);
  it is disabled for a static QRIS confirmed by hand, where no code is used.
* Required keys are checked with ``Settings.missing_for_provider`` run against the *form*: an
  in-memory ``Settings`` built from the form's texts (and, for secrets, "typed or stored"),
  so the rule is the one the app uses at start-up and can't drift. Each missing key gets its
  message under its own field. Bad values in the box of a provider that is not chosen still
  block the save (all or nothing) and are named in the summary as "Pembayaran > box > field".
* Secrets (``Key.secret``) are password fields that are never pre-filled: the placeholder
  says whether one is stored. Empty (or blank) means "keep the stored one"; anything typed
  replaces it, and the field is emptied again once written. There is no way to delete a
  stored secret here (``pos-app config set KEY ""`` does that). ``pending_changes`` reports a
  typed secret as ``***``.
* "Tes koneksi" builds the provider from the *form* values through ``provider_factory`` and
  calls ``test_connection()`` on a worker thread (``tasks.read``), so the dialog stays usable;
  editing a field of that box discards the running test's answer (it described old values).
  Every text shown from a provider goes through ``pos_app.secrets.redact`` with the typed and
  stored secrets of the box.
* "Login…" / "Aktivasi…" open :class:`~pos_app.ui.login_dialog.LoginDialog` with the form's
  values of that box (orkut's login needs ``api_key``), so an owner can log in before
  pressing *Simpan*. A successful login writes the username/device id and the token at once
  and emits :attr:`SettingsDialog.saved` with those keys; the other values of the form are
  still written only by *Simpan*.
* Pass no ``tasks`` from the main window unless its TaskManager has a spare thread: a slow
  network test on the app's single reader thread would delay catalogue reads behind it. By
  default the dialog makes its own and shuts it down when it closes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication, QTextOption
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app import qris
from pos_app.secrets import MASK, redact, registered_secrets
from pos_app.settings import KEYS, Settings, SettingsError
from pos_app.ui.i18n import register, tr
from pos_app.ui.login_dialog import (
    ACTIVATION_PROVIDERS,
    FIELD_LABELS,
    LOGIN_PROVIDERS,
    PROVIDER_LABELS,
    LoginDialog,
    field_label,
    provider_error_message,
)
from pos_app.ui.tasks import TaskManager
from sync.providers import MUTASI_SOURCES, build_provider, login_flow
from sync.providers import PROVIDER_NAMES as AVAILABLE

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
    "Belum lengkap untuk {provider}: {keys}. Isi dengan pos-app config set.":
        "Not complete for {provider}: {keys}. Set them with pos-app config set.",
    # provider boxes
    "Untuk demo dan latihan: tanpa uang sungguhan dan tanpa jaringan.":
        "For demos and practice: no real money and no network.",
    "QRIS dari stiker toko; nominal ditambahkan di kasir ini, jadi tetap jalan tanpa internet.":
        "The QRIS from the shop's sticker; the amount is added at this till, so it works "
        "without internet.",
    "QRIS dibuat dan dicek lewat gateway Order Kuota.":
        "QRIS codes are made and checked through the Order Kuota gateway.",
    "QRIS dibuat lewat Orkut; pembayaran dikenali dari mutasi akun OrderKuota.":
        "QRIS codes are made through Orkut; payments are recognised on the OrderKuota "
        "account's statement.",
    "QRIS lewat middleware Midtrans (Snap) milik toko.":
        "QRIS through the shop's Midtrans (Snap) middleware.",
    "QRIS dibuat dan dicek lewat Pakasir.": "QRIS codes are made and checked through Pakasir.",
    "QRIS lewat platform soundbox; kabar pembayaran datang dari platform.":
        "QRIS through the soundbox platform; payment notices come from the platform.",
    "Akun {provider} untuk cek mutasi": "{provider} account for statement checks",
    "Biasanya tidak perlu diubah.": "Usually no need to change this.",
    "Diisi otomatis lewat tombol Login…": "Filled in by the Log in… button",
    "Diisi otomatis lewat tombol Aktivasi…": "Filled in by the Activate… button",
    "Diisi otomatis saat aktivasi.": "Filled in by the activation.",
    "Dari penyedia layanan Orkut.": "From the Orkut service provider.",
    "Contoh: OK1234567.": "E.g. OK1234567.",
    "Kode merchant tanpa “OK”, untuk membaca mutasi.":
        "The merchant code without “OK”, for reading the statement.",
    "Alamat middleware Midtrans milik toko, mis. http://10.0.0.5:5000.":
        "Address of the shop's Midtrans middleware, e.g. http://10.0.0.5:5000.",
    "X-App-Code dari middleware.": "X-App-Code of the middleware.",
    "X-Api-Key dari middleware.": "X-Api-Key of the middleware.",
    "Slug proyek di dasbor Pakasir.": "The project slug in the Pakasir dashboard.",
    "Dari dasbor Pakasir.": "From the Pakasir dashboard.",
    "Alamat platform dari penyedia soundbox.": "The platform address from the soundbox vendor.",
    "ID perangkat yang terdaftar di platform.": "The device id registered on the platform.",
    "(tersimpan — kosongkan untuk tetap)": "(stored — leave empty to keep)",
    "(belum diisi)": "(not set)",
    "Tidak ada — konfirmasi manual": "None — manual confirmation",
    "Orkut": "Orkut",
    "Dari mana pembayaran masuk dicek otomatis. Tanpa sumber mutasi kasir mengonfirmasi "
    "sendiri setelah melihat aplikasi merchant.":
        "Where incoming payments are checked automatically. Without a statement source the "
        "cashier confirms each payment after looking at the merchant app.",
    "Tambah": "Add",
    "Kurangi": "Subtract",
    "Mati": "Off",
    "Nominal digeser sedikit (15.000 \u2192 15.001) agar tiap pembayaran dikenali di mutasi.":
        "The amount is shifted a little (15.000 \u2192 15.001) so that each payment is "
        "recognised on the statement.",
    "QRIS statis toko membaca mutasi akun ini untuk mengenali pembayaran masuk.":
        "The shop's static QRIS reads this account's statement to recognise incoming "
        "payments.",
    "Tes koneksi": "Test connection",
    "Menguji…": "Testing…",
    "Terhubung: {description}": "Connected: {description}",
    "Periksa isian yang ditandai merah.": "Check the fields marked in red.",
    "Login…": "Log in…",
    "Aktivasi…": "Activate…",
    "Perlu login": "Login needed",
    "Perlu aktivasi": "Activation needed",
    "Login berhasil": "Logged in",
    "Aktivasi berhasil": "Activated",
    "Wajib diisi untuk {provider}.": "Required for {provider}.",
    "Belum login — tekan “Login…”.": "Not logged in — press “Log in…”.",
    "Belum diaktifkan — tekan “Aktivasi…”.":
        "Not activated — press “Activate…”.",
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
_PROVIDER_LABELS: dict[str, str] = PROVIDER_LABELS  # shared with the login dialog
_PROVIDER_INTROS: dict[str, str] = {
    "simulator": "Untuk demo dan latihan: tanpa uang sungguhan dan tanpa jaringan.",
    "static": "QRIS dari stiker toko; nominal ditambahkan di kasir ini, jadi tetap jalan tanpa "
              "internet.",
    "orderkuota": "QRIS dibuat dan dicek lewat gateway Order Kuota.",
    "orkut": "QRIS dibuat lewat Orkut; pembayaran dikenali dari mutasi akun OrderKuota.",
    "midtrans": "QRIS lewat middleware Midtrans (Snap) milik toko.",
    "pakasir": "QRIS dibuat dan dicek lewat Pakasir.",
    "soundbox_platform": "QRIS lewat platform soundbox; kabar pembayaran datang dari platform.",
}
_KEY_HINTS: dict[str, str] = {
    "providers.orderkuota.base_url": "Biasanya tidak perlu diubah.",
    "providers.orderkuota.token": "Diisi otomatis lewat tombol Login…",
    "providers.orkut.base_url": "Biasanya tidak perlu diubah.",
    "providers.orkut.api_key": "Dari penyedia layanan Orkut.",
    "providers.orkut.token": "Diisi otomatis lewat tombol Login…",
    "providers.orkut.merchant": "Contoh: OK1234567.",
    "providers.orkut.merchant_id": "Kode merchant tanpa “OK”, untuk membaca mutasi.",
    "providers.midtrans.base_url": "Alamat middleware Midtrans milik toko, mis. "
                                   "http://10.0.0.5:5000.",
    "providers.midtrans.app_code": "X-App-Code dari middleware.",
    "providers.midtrans.api_key": "X-Api-Key dari middleware.",
    "providers.pakasir.base_url": "Biasanya tidak perlu diubah.",
    "providers.pakasir.project": "Slug proyek di dasbor Pakasir.",
    "providers.pakasir.api_key": "Dari dasbor Pakasir.",
    "providers.soundbox_platform.base_url": "Alamat platform dari penyedia soundbox.",
    "providers.soundbox_platform.device_id": "ID perangkat yang terdaftar di platform.",
    "providers.soundbox_platform.device_token": "Diisi otomatis lewat tombol Aktivasi…",
    "providers.soundbox_platform.terminal_id": "Diisi otomatis saat aktivasi.",
}
_MUTASI_LABELS: dict[str, str] = {
    "": "Tidak ada — konfirmasi manual",
    "orderkuota": "Order Kuota",
    "orkut": "Orkut",
}
_UNIQUE_CODE_LABELS: dict[str, str] = {"add": "Tambah", "subtract": "Kurangi", "off": "Mati"}
# The secret a login / activation stores, per provider that has one.
_TOKEN_KEYS: dict[str, str] = {
    **{name: f"providers.{name}.token" for name in LOGIN_PROVIDERS},
    **{name: f"providers.{name}.device_token" for name in ACTIVATION_PROVIDERS},
}
# Language names are shown in their own language, as every language picker does.
_LANGUAGES: dict[str, str] = {"id": "Bahasa Indonesia", "en": "English"}

_MIN_HEIGHT = 40  # touch target for inputs and buttons (app.qss asks 44 for buttons)
_COMBO_WIDTH = 420  # wide enough for the longest choice, not a full-width bar
_FULL_WIDTH = 16777215  # QWIDGETSIZE_MAX: no maximum width set
_ERROR_STYLE = "color: #b00020;"
_WARNING_STYLE = "color: #8a4b00;"
_HINT_STYLE = "color: #555555;"
_OK_STYLE = "color: #1b7f3b;"


class _Invalid:
    """Marks a stored value that doesn't parse (a bad hand edit of config.toml)."""

    def __repr__(self) -> str:
        return "<invalid>"


_INVALID = _Invalid()


class _Secret:
    """``_Field.current`` of a secret: the dialog never holds the stored value."""

    def __repr__(self) -> str:
        return "<secret>"


_SECRET = _Secret()


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
    group: str = ""  # the provider box the field is in ("" outside boxes)


@dataclass
class _Panel:
    """One provider's box on the Pembayaran tab."""

    name: str
    box: QGroupBox
    form: QFormLayout
    keys: list[str] = field(default_factory=list)
    test_button: QPushButton | None = None
    test_busy: QProgressBar | None = None
    test_status: QLabel | None = None
    login_button: QPushButton | None = None
    login_state: QLabel | None = None
    intro: QLabel | None = None
    seq: int = 0  # bumped by every edit: an older test's answer is dropped


class _FormSecrets:
    """A read-only SecretStore over the form: the typed secret, else whether one is stored.

    Only "is there a value" matters to ``missing_for_provider``, so a stored secret is
    represented by a placeholder rather than read."""

    def __init__(self, typed: Mapping[str, str], settings: Settings) -> None:
        self._typed = typed
        self._settings = settings

    def get(self, key: str) -> str | None:
        if self._typed.get(key, "").strip():
            return self._typed[key].strip()
        try:
            return "(set)" if self._settings.is_set(key) else None
        except SettingsError:
            return None

    def set(self, key: str, value: str) -> None:  # pragma: no cover - never written
        raise SettingsError(f"{key}: the form is read-only")

    def delete(self, key: str) -> None:  # pragma: no cover - never written
        raise SettingsError(f"{key}: the form is read-only")


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

    def __init__(self, settings: Settings, parent: QWidget | None = None, *,
                 screens_count: int | None = None,
                 provider_factory: Callable[[str, Mapping[str, Any]], Any] = build_provider,
                 tasks: TaskManager | None = None,
                 provider_states: Mapping[str, str] | None = None,
                 flow_factory: Callable[[str, Mapping[str, Any]], Any] = login_flow,
                 activate_fn: Callable[[str, str, str], Any] | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self._screens_count = (len(QGuiApplication.screens()) if screens_count is None
                               else max(0, screens_count))
        self._fields: dict[str, _Field] = {}
        self._panels: dict[str, _Panel] = {}
        self._written: list[str] = []  # keys already on disk (a failed save may leave some)
        self._provider_factory = provider_factory
        self._flow_factory = flow_factory
        self._activate_fn = activate_fn
        self._own_tasks = tasks is None
        self._tasks: TaskManager | None = tasks
        self._states: dict[str, str] = dict(provider_states or {})
        self._logged_in: set[str] = set()  # logged in / activated while this dialog was open
        self._closed = False
        self._relayout_pending: list[QWidget] = []  # pages with a relayout scheduled
        self.login_dialog: LoginDialog | None = None
        """The last login dialog opened from here (for tests and the main window)."""
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
        for name in self._panels:
            self._update_login_state(name)
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
        "discard changes?" before closing). A typed secret is reported as ``***``."""
        changed: dict[str, str] = {}
        for k, f in self._fields.items():
            text = f.read()
            if KEYS[k].secret:
                if text.strip():
                    changed[k] = MASK
            elif text != f.initial:
                changed[k] = text
        return changed

    def panel(self, provider: str) -> QGroupBox:
        """The box holding ``provider``'s fields on the Pembayaran tab."""
        return self._panels[provider].box

    def test_button(self, provider: str) -> QPushButton:
        """The "Tes koneksi" button of a network provider's box."""
        button = self._panels[provider].test_button
        if button is None:
            raise KeyError(f"{provider} has no connection test")
        return button

    def connection_status(self, provider: str) -> str:
        """What the box says about the last connection test ("" before any)."""
        label = self._panels[provider].test_status
        return "" if label is None or label.isHidden() else label.text()

    def is_testing(self, provider: str) -> bool:
        busy = self._panels[provider].test_busy
        return busy is not None and not busy.isHidden()

    def login_button(self, provider: str) -> QPushButton:
        """The "Login…" / "Aktivasi…" button (orderkuota, orkut, soundbox_platform)."""
        button = self._panels[provider].login_button
        if button is None:
            raise KeyError(f"{provider} has no interactive login")
        return button

    def login_state(self, provider: str) -> str:
        """"Perlu login" / "Perlu aktivasi" / "Login berhasil"... next to the button, or ""."""
        label = self._panels[provider].login_state
        return "" if label is None or label.isHidden() else label.text()

    # ------------------------------------------------------------------ building

    def _page(self, title: str) -> QFormLayout:
        """A tab whose form scrolls, so nothing is cut off on a small screen."""
        inner = QWidget()
        outer = QVBoxLayout(inner)
        form = QFormLayout()
        outer.addLayout(form)
        # Spare height goes below the last row, not into a row (the QRIS preview would grow).
        outer.addStretch(1)
        _configure_form(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # not a tab stop of its own
        scroll.setWidget(inner)
        inner.installEventFilter(self)  # see eventFilter
        self.tabs.addTab(scroll, title)
        return form

    def _add(self, form: QFormLayout, key: str, label: str, editor: QWidget,
             read: Callable[[], str], changed: SignalInstance, *, hint: str = "",
             inline: QWidget | None = None, extra: QWidget | None = None,
             group: str = "") -> _Field:
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
        # Never read a secret into the dialog: it is only ever replaced.
        current = _SECRET if KEYS[key].secret else self._stored(key)[0]
        f = _Field(key, label, self.tabs.tabText(self.tabs.count() - 1), editor, box, read,
                   error, current=current, group=group)
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

    def _secret_edit(self, key: str) -> QLineEdit:
        """An empty password field; the placeholder tells whether a secret is stored."""
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setMaximumWidth(_COMBO_WIDTH)
        self._show_secret_state(edit, key)
        return edit

    def _show_secret_state(self, edit: QLineEdit, key: str) -> None:
        try:
            stored = self.settings.is_set(key)
        except SettingsError:
            stored = False
        edit.setPlaceholderText(tr("(tersimpan — kosongkan untuk tetap)") if stored
                                else tr("(belum diisi)"))

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

        for name in KEYS["payment.provider"].choices or ():
            self._build_panel(form, name)

        code = self._combo("payment.unique_code",
                           [(v, tr(_UNIQUE_CODE_LABELS.get(v, v)))
                            for v in KEYS["payment.unique_code"].choices or ()])
        self._add(form, "payment.unique_code", tr(FIELD_LABELS["payment.unique_code"]), code,
                  lambda: str(code.currentData()), code.currentIndexChanged,
                  hint=tr("Nominal digeser sedikit (15.000 \u2192 15.001) agar tiap pembayaran "
                          "dikenali di mutasi."))

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

    def _build_panel(self, page_form: QFormLayout, name: str) -> None:
        """The box with ``name``'s fields (shown only while that provider is chosen)."""
        title = tr(_PROVIDER_LABELS.get(name, name))
        box = QGroupBox(title)
        box.setObjectName(f"panel.{name}")
        form = QFormLayout(box)
        _configure_form(form)
        form.setContentsMargins(12, 12, 12, 12)
        panel = _Panel(name, box, form)
        if name in _PROVIDER_INTROS:
            panel.intro = _hint_label(tr(_PROVIDER_INTROS[name]))
            form.addRow(panel.intro)
        page_form.addRow(box)
        self._panels[name] = panel

        if name == "simulator":
            pay_after = self._line_edit("simulator.pay_after_s")
            pay_after.setClearButtonEnabled(False)
            pay_after.setMaximumWidth(200)
            self._add(form, "simulator.pay_after_s", tr("Simulator membayar setelah (detik)"),
                      pay_after, pay_after.text, pay_after.textChanged, group=title,
                      hint=tr("Angka detik, atau never agar simulator tidak pernah membayar "
                              "(untuk uji kedaluwarsa)."))
            panel.keys.append("simulator.pay_after_s")
            return
        if name == "static":
            self._build_static_fields(form, title)
            panel.keys += ["payment.static_qris", "payment.mutasi_source"]
            return

        for key in KEYS:
            if key.startswith(f"providers.{name}."):
                self._add_provider_field(panel, key, title)
        self._add_test_row(panel)

    def _build_static_fields(self, form: QFormLayout, title: str) -> None:
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
                  extra=self._build_qris_preview(), group=title)

        source = self._combo("payment.mutasi_source",
                             [(v, tr(_MUTASI_LABELS.get(v, v))) for v in ("", *MUTASI_SOURCES)])
        self._add(form, "payment.mutasi_source", tr(FIELD_LABELS["payment.mutasi_source"]),
                  source, lambda: str(source.currentData()), source.currentIndexChanged,
                  group=title,
                  hint=tr("Dari mana pembayaran masuk dicek otomatis. Tanpa sumber mutasi kasir "
                          "mengonfirmasi sendiri setelah melihat aplikasi merchant."))
        source.currentIndexChanged.connect(self._update_provider_rows)

    def _add_provider_field(self, panel: _Panel, key: str, title: str) -> None:
        k = KEYS[key]
        if k.secret:
            edit = self._secret_edit(key)
        else:
            edit = self._line_edit(key)
            if k.kind != "url":
                edit.setMaximumWidth(_COMBO_WIDTH)
        extra = None
        if _TOKEN_KEYS.get(panel.name) == key:
            extra = self._login_row(panel)
        self._add(panel.form, key, tr(FIELD_LABELS.get(key, k.leaf)), edit, edit.text,
                  edit.textChanged, hint=tr(_KEY_HINTS[key]) if key in _KEY_HINTS else "",
                  extra=extra, group=title)
        edit.textChanged.connect(lambda *_: self._panel_edited(panel.name))
        panel.keys.append(key)

    def _login_row(self, panel: _Panel) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        activation = panel.name in ACTIVATION_PROVIDERS
        button = QPushButton(tr("Aktivasi\u2026") if activation else tr("Login\u2026"))
        button.setObjectName(f"login.{panel.name}")
        button.setMinimumHeight(_MIN_HEIGHT)
        button.setMinimumWidth(140)
        button.setAutoDefault(False)  # Enter in a field means Simpan, not Login
        button.clicked.connect(lambda: self._open_login(panel.name))
        state = QLabel()
        state.setObjectName(f"loginState.{panel.name}")
        state.setTextFormat(Qt.TextFormat.PlainText)
        state.hide()
        layout.addWidget(button)
        layout.addWidget(state)
        layout.addStretch(1)
        panel.login_button, panel.login_state = button, state
        return row

    def _add_test_row(self, panel: _Panel) -> None:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        button = QPushButton(tr("Tes koneksi"))
        button.setObjectName(f"test.{panel.name}")
        button.setMinimumHeight(_MIN_HEIGHT)
        button.setMinimumWidth(140)
        button.setAutoDefault(False)
        button.clicked.connect(lambda: self._test_connection(panel.name))
        busy = QProgressBar()
        busy.setRange(0, 0)  # indeterminate: the spinner
        busy.setTextVisible(False)
        busy.setFixedWidth(96)
        busy.setMaximumHeight(12)
        busy.hide()
        row.addWidget(button)
        row.addWidget(busy)
        row.addStretch(1)
        column.addLayout(row)
        status = QLabel()
        status.setObjectName(f"testStatus.{panel.name}")
        status.setWordWrap(True)
        status.setTextFormat(Qt.TextFormat.PlainText)  # quotes server text
        status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status.hide()
        column.addWidget(status)
        panel.form.addRow(QLabel(), box)
        panel.test_button, panel.test_busy, panel.test_status = button, busy, status

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
        source = self._fields["payment.mutasi_source"].read() if provider == "static" else ""
        for name, panel in self._panels.items():
            panel.box.setVisible(name in (provider, source))
            title = tr(_PROVIDER_LABELS.get(name, name))
            intro = tr(_PROVIDER_INTROS[name]) if name in _PROVIDER_INTROS else ""
            if name == source:
                title = tr("Akun {provider} untuk cek mutasi", provider=title)
                intro = tr("QRIS statis toko membaca mutasi akun ini untuk mengenali pembayaran "
                           "masuk.")
            panel.box.setTitle(title)
            if panel.intro is not None:
                panel.intro.setText(intro)
        # The unique code matters where payments are matched by amount on a statement.
        code = self._fields["payment.unique_code"]
        self._payment_form.setRowVisible(code.row, provider in ("static", "orkut"))
        code.editor.setEnabled(provider == "orkut" or bool(source))
        self._relayout_payment()

    def _update_login_state(self, name: str) -> None:
        panel = self._panels[name]
        label = panel.login_state
        if label is None:
            return
        activation = name in ACTIVATION_PROVIDERS
        if name in self._logged_in:
            label.setText(tr("Aktivasi berhasil") if activation else tr("Login berhasil"))
            label.setStyleSheet(_OK_STYLE)
            label.show()
            return
        try:
            stored = self.settings.is_set(_TOKEN_KEYS[name])
        except SettingsError:
            stored = False
        needed = not stored or self._states.get(name) == "needs_login"
        label.setText(tr("Perlu aktivasi") if activation else tr("Perlu login"))
        label.setStyleSheet(_WARNING_STYLE + " font-weight: bold;")
        label.setVisible(needed)

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
            if KEYS[key].secret:
                # Stored: the typed text leaves the widget (and a retry won't write it again).
                f.editor.clear()  # type: ignore[attr-defined]
                self._show_secret_state(f.editor, key)  # type: ignore[arg-type]
                continue
            # Written: a retry after a later key's failure must not count it again.
            f.initial, f.current = f.read(), KEYS[key].value_of(changes[key])
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

    def _validate(self) -> tuple[dict[str, str], dict[str, str]]:
        """(changed key -> text, key -> error message); nothing is written here."""
        changes: dict[str, str] = {}
        errors: dict[str, str] = {}
        for key, f in self._fields.items():
            text = f.read()
            if KEYS[key].secret:
                if not text.strip():
                    continue  # empty: keep the stored secret
                try:
                    KEYS[key].value_of(text)
                except SettingsError as exc:  # the messages of secrets never quote the value
                    errors[key] = tr("Tidak valid: {detail}", detail=_detail(key, exc))
                    continue
                changes[key] = text
                continue
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
        provider = self._fields["payment.provider"].read()
        if provider == "static" and "payment.static_qris" not in errors:
            text = self._fields["payment.static_qris"].read()
            if text and _qris_problem(text) is not None:
                # The stored value was already bad and left untouched.
                errors["payment.static_qris"] = tr(
                    "Tidak bisa disimpan: QRIS tidak valid (lihat keterangan di atas).")
        self._missing_errors(provider, errors)
        return changes, errors

    def _missing_errors(self, provider: str, errors: dict[str, str]) -> None:
        """Add an error next to every key ``provider`` needs that the form leaves empty."""
        if provider not in (KEYS["payment.provider"].choices or ()):
            return  # a bad value from the file, already shown as "(tidak valid)"
        try:
            missing = self._form_settings().missing_for_provider(provider)
        except SettingsError as exc:  # e.g. a bad mutasi source in the file
            errors.setdefault("payment.provider", tr("Tidak valid: {detail}",
                                                     detail=str(exc)))
            return
        name = tr(_PROVIDER_LABELS.get(provider, provider))
        elsewhere: list[str] = []
        for key in missing:
            if key in errors:
                continue
            if key == "payment.static_qris":
                errors[key] = tr("Wajib diisi: cara pembayaran \u201cQRIS statis toko\u201d "
                                 "membutuhkan QRIS statis yang valid.")
            elif key not in self._fields:
                elsewhere.append(key)
            elif _parse_error(key, self._fields[key].read()) is not None:
                # A bad value from the file, left untouched: say what is wrong with it.
                errors[key] = tr("Tidak valid: {detail}",
                                 detail=_parse_error(key, self._fields[key].read()))
            elif key in _TOKEN_KEYS.values():
                errors[key] = (tr("Belum diaktifkan \u2014 tekan \u201cAktivasi\u2026\u201d.")
                               if key.endswith(".device_token")
                               else tr("Belum login \u2014 tekan \u201cLogin\u2026\u201d."))
            else:
                errors[key] = tr("Wajib diisi untuk {provider}.", provider=name)
        if elsewhere:
            errors.setdefault("payment.provider", tr(
                "Belum lengkap untuk {provider}: {keys}. Isi dengan pos-app config set.",
                provider=name, keys=", ".join(elsewhere)))

    def _form_settings(self) -> Settings:
        """An in-memory Settings holding the form's values (nothing is written through it):
        ``missing_for_provider`` on it checks the form with the app's own rule."""
        doc: dict[str, Any] = {}
        typed: dict[str, str] = {}
        for name, k in KEYS.items():
            f = self._fields.get(name)
            if k.secret:
                if f is not None:
                    typed[name] = f.read()
                continue
            if f is not None:
                text: str | None = f.read()
                try:
                    k.value_of(text or "")
                except SettingsError:
                    continue  # reported by the caller; here it counts as not set
            else:
                try:
                    text = self.settings.get_raw(name)
                except SettingsError:
                    text = None
            if text is None:
                continue
            node = doc
            for part in k.section:
                node = node.setdefault(part, {})
            node[k.leaf] = text
        return Settings(self.settings.data_dir, doc, _FormSecrets(typed, self.settings))

    def _show_errors(self, errors: dict[str, str]) -> None:
        first: _Field | None = None
        names: list[str] = []
        for key, f in self._fields.items():  # form order, not dict-of-errors order
            if key not in errors:
                continue
            f.error.setText(errors[key])
            f.error.show()
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

    # ------------------------------------------------------------------ connection test

    def _task_manager(self) -> TaskManager:
        if self._tasks is None:  # own tasks, shut down by an earlier close
            self._tasks = TaskManager()
        return self._tasks

    def _panel_config(self, name: str) -> tuple[dict[str, Any], dict[str, str]]:
        """(config for the adapter from the *form*, key -> error). A secret left empty is the
        stored one; nothing is written."""
        config: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key in self._panels[name].keys:
            k, text = KEYS[key], self._fields[key].read()
            if k.secret and not text.strip():
                try:
                    config[k.leaf] = self.settings.get(key)
                except SettingsError:
                    config[k.leaf] = ""
                continue
            try:
                config[k.leaf] = k.value_of(text)
            except SettingsError as exc:
                errors[key] = tr("Tidak valid: {detail}", detail=_detail(key, exc))
        return config, errors

    def _show_field_errors(self, errors: Mapping[str, str]) -> None:
        for key, message in errors.items():
            f = self._fields[key]
            f.error.setText(message)
            f.error.show()
        self._relayout_payment()

    def _panel_secrets(self, name: str, config: Mapping[str, Any]) -> list[str]:
        """Every secret value of the box (typed or stored), to mask in what is shown."""
        values = [str(config.get(KEYS[key].leaf) or "") for key in self._panels[name].keys
                  if KEYS[key].secret]
        return [v for v in values if v] + list(registered_secrets())

    def _test_connection(self, name: str) -> None:
        panel = self._panels[name]
        assert panel.test_button is not None and panel.test_status is not None
        for key in panel.keys:
            self._clear_error(key)
        config, errors = self._panel_config(name)
        if errors:
            self._show_field_errors(errors)
            self._show_test_result(panel, tr("Periksa isian yang ditandai merah."), ok=False)
            return
        try:
            missing = [k for k in self._form_settings().missing_for_provider(name)
                       if k in panel.keys]
        except SettingsError:
            missing = []  # the adapter will say what it lacks
        if missing:
            self._show_test_result(panel, tr("Lengkapi: {keys}", keys=", ".join(
                field_label(k) for k in missing)), ok=False)
            return
        panel.seq += 1
        seq = panel.seq
        secrets = self._panel_secrets(name, config)
        factory = self._provider_factory

        def job() -> str:
            provider = factory(name, config)
            try:
                return str(provider.test_connection())
            finally:
                close = getattr(provider, "close", None)
                if callable(close):
                    # The test's answer matters, not a failure to release a connection.
                    with contextlib.suppress(Exception):
                        close()

        def done(description: str) -> None:
            if self._current_test(panel, seq):
                text = " ".join(redact(description, secrets).split())
                self._show_test_result(panel, tr("Terhubung: {description}",
                                                 description=text), ok=True)

        def failed(exc: BaseException) -> None:
            if self._current_test(panel, seq):
                self._show_test_result(panel, provider_error_message(exc, secrets), ok=False)

        panel.test_button.setEnabled(False)
        if panel.test_busy is not None:
            panel.test_busy.show()
        panel.test_status.setStyleSheet(_HINT_STYLE)
        panel.test_status.setText(tr("Menguji\u2026"))
        panel.test_status.show()
        self._relayout_payment()
        self._task_manager().read(job, done, failed)

    def _current_test(self, panel: _Panel, seq: int) -> bool:
        return shiboken6.isValid(self) and not self._closed and panel.seq == seq

    def _show_test_result(self, panel: _Panel, text: str, *, ok: bool) -> None:
        assert panel.test_button is not None and panel.test_status is not None
        panel.test_button.setEnabled(True)
        if panel.test_busy is not None:
            panel.test_busy.hide()
        panel.test_status.setStyleSheet(_OK_STYLE if ok else _ERROR_STYLE)
        panel.test_status.setText(text)
        panel.test_status.show()
        self._relayout_payment()

    def _panel_edited(self, name: str) -> None:
        """A field of the box changed: a test result (or one still running) is stale."""
        panel = self._panels[name]
        panel.seq += 1
        if panel.test_status is not None:
            panel.test_status.clear()
            panel.test_status.hide()
        if panel.test_busy is not None:
            panel.test_busy.hide()
        if panel.test_button is not None:
            panel.test_button.setEnabled(True)
        self._relayout_payment()

    # ------------------------------------------------------------------ login

    def _open_login(self, name: str) -> None:
        panel = self._panels[name]
        for key in panel.keys:
            self._clear_error(key)
        config, errors = self._panel_config(name)
        if errors:
            self._show_field_errors(errors)
            return
        dialog = LoginDialog(self.settings, name, self, flow_factory=self._flow_factory,
                             activate_fn=self._activate_fn, tasks=self._task_manager(),
                             config=config)
        self.login_dialog = dialog
        dialog.loggedIn.connect(lambda provider, d=dialog: self._after_login(provider,
                                                                            list(d.written)))
        dialog.open()

    def _after_login(self, name: str, written: list[str]) -> None:
        """The login stored a token (and username / device id): show the new values."""
        self._logged_in.add(name)
        self._states.pop(name, None)
        for key in written:
            f = self._fields.get(key)
            if f is None or not isinstance(f.editor, QLineEdit):
                continue
            if KEYS[key].secret:
                f.editor.clear()
                self._show_secret_state(f.editor, key)
            else:
                value, text = self._stored(key)
                f.editor.setText(text)
                f.initial, f.current = f.read(), value
            self._clear_error(key)
        self._update_login_state(name)
        self._relayout_payment()
        if written:
            self.saved.emit([k for k in KEYS if k in written])

    def _relayout_page(self, index: int) -> None:
        # A page whose content changed while hidden (the QRIS preview filled in by code) can
        # keep a stale row height from its last paint, squashing the preview; recompute it.
        # The same after a box's content changes while shown (a wrapped test result, a
        # "Perlu login" label): the boxes' own layouts cache row heights too.
        page = self.tabs.widget(index)
        inner = page.widget() if isinstance(page, QScrollArea) else None
        if inner is not None and inner.layout() is not None:
            for box in inner.findChildren(QGroupBox):
                if box.layout() is not None:
                    box.layout().invalidate()
            inner.layout().invalidate()
            inner.layout().activate()

    def _relayout_payment(self) -> None:
        """Recompute the Pembayaran page once the pending layout requests are handled."""
        page = self._page_of(self._fields["payment.provider"].editor)
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
            scroll = watched.parentWidget().parentWidget() if watched.parentWidget() else None
            if isinstance(scroll, QScrollArea) and self.tabs.indexOf(scroll) >= 0:
                self._relayout_later(scroll)
        return super().eventFilter(watched, event)

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


def _configure_form(form: QFormLayout) -> None:
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    # Every row spans the width, so wrapped hints get a stable width; narrow editors
    # (combos, numbers) are capped in _add instead.
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    form.setVerticalSpacing(14)
    form.setHorizontalSpacing(16)


def _hint_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(_HINT_STYLE)
    return label


def _detail(key: str, exc: Exception) -> str:
    """The English detail of a SettingsError without the "key: " prefix (the field is named
    by where the message is shown)."""
    return str(exc).removeprefix(f"{key}: ")


def _parse_error(key: str, text: str) -> str | None:
    """Why ``text`` is not a valid value of ``key`` (None when it is)."""
    try:
        KEYS[key].value_of(text)
    except SettingsError as exc:
        return _detail(key, exc)
    return None


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
