"""The *Pembayaran* page: which provider takes the QRIS payments, its settings, the unique code
and how long a QRIS stays payable.

* The provider combo offers every provider of :data:`sync.providers.PROVIDER_NAMES`, by its
  label; under it one box per provider (:mod:`.provider_panel`) holds exactly its keys, and
  only the chosen provider's box is shown. A provider that takes a mutasi source (the shop's
  static QRIS) shows that source's box as well, titled "Akun ... untuk cek mutasi": the
  source's login keys are what the provider then needs too. The source combo lists
  :data:`sync.providers.MUTASI_SOURCES` by their ``source_label`` (or label).
* The keys providers ``use`` outside their own fields get their editors here
  (:data:`_USE_EDITORS`): the simulator's "pay after" (shown only with the simulator; its
  edits are still kept and saved), the static QRIS with its preview, the mutasi source.
  ``payment.unique_code`` sits under the boxes because it applies to every provider whose
  payments are matched by amount on a statement (``ProviderInfo.uses_unique_code``); it is
  disabled where no code is used (a static QRIS confirmed by hand).
* Required keys are checked by :func:`pos_app.settings_rules.provider_problems` on the *form*
  (typed values; for secrets "typed or stored"), the rule the app uses at start-up. Each
  missing key gets its message under its own field. Bad values in the box of a provider that
  is not chosen still block the save (all or nothing) and are named in the summary as
  "Pembayaran > box > field".
* ``payment.provider`` is written after the page's other keys, so a disk error midway never
  leaves a provider chosen without the keys it needs (static without its QRIS).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QFontDatabase, QTextOption
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QPlainTextEdit, QSpinBox, QWidget

from pos_app import qris
from pos_app.settings import KEYS
from pos_app.settings_rules import Reason, provider_problems, unique_code_used
from pos_app.ui.i18n import register, tr
from pos_app.ui.login_dialog import field_label
from pos_app.ui.settings.form import HINT_STYLE, Editor, Page
from pos_app.ui.settings.provider_panel import ProviderPanel
from pos_app.ui.settings.qris_preview import QrisPreview
from sync.providers import MUTASI_SOURCES, PROVIDERS

__all__ = ["PaymentPage"]

register({
    "Pembayaran": "Payment",
    "Cara pembayaran QRIS": "QRIS payment method",
    "Angka detik, atau \u201ctidak pernah\u201d agar simulator tidak pernah membayar "
    "(untuk uji kedaluwarsa).":
        "Seconds, or \u201cnever\u201d so the simulator never pays (to test expiry).",
    "tidak pernah": "never",
    "Masa berlaku QRIS (detik)": "QRIS valid for (seconds)",
    "= {minutes} menit": "= {minutes} minutes",
    "Tempel di sini isi QRIS statis toko (teks yang diawali 000201).":
        "Paste the shop's static QRIS payload here (the text starting with 000201).",
    "Tidak bisa disimpan: QRIS tidak valid (lihat keterangan di atas).":
        "Cannot be saved: the QRIS is invalid (see the explanation above).",
    "Wajib diisi: cara pembayaran \u201cQRIS statis toko\u201d membutuhkan QRIS statis yang "
    "valid.":
        "Required: the \u201cShop's static QRIS\u201d payment method needs a valid static QRIS.",
    "Belum lengkap untuk {provider}: {keys}. Isi dengan pos-app config set.":
        "Not complete for {provider}: {keys}. Set them with pos-app config set.",
    "Tidak ada \u2014 konfirmasi manual": "None \u2014 manual confirmation",
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
    "Wajib diisi untuk {provider}.": "Required for {provider}.",
    "Belum login \u2014 tekan \u201cLogin\u2026\u201d.":
        "Not logged in \u2014 press \u201cLog in\u2026\u201d.",
    "Belum diaktifkan \u2014 tekan \u201cAktivasi\u2026\u201d.":
        "Not activated \u2014 press \u201cActivate\u2026\u201d.",
})

PROVIDER_KEY = "payment.provider"
MUTASI_KEY = "payment.mutasi_source"
UNIQUE_CODE_KEY = "payment.unique_code"
STATIC_QRIS_KEY = "payment.static_qris"

# Untranslated source texts, translated with tr() when shown. (The labels of these keys are
# login_dialog.PAYMENT_KEY_LABELS, shared with the login dialog's messages.)
UNIQUE_CODE_LABELS: dict[str, str] = {"add": "Tambah", "subtract": "Kurangi", "off": "Mati"}
NO_MUTASI_SOURCE = "Tidak ada \u2014 konfirmasi manual"
USE_HINTS: dict[str, str] = {
    "simulator.pay_after_s": "Angka detik, atau \u201ctidak pernah\u201d agar simulator tidak "
                             "pernah membayar (untuk uji kedaluwarsa).",
    MUTASI_KEY: "Dari mana pembayaran masuk dicek otomatis. Tanpa sumber mutasi kasir "
                "mengonfirmasi sendiri setelah melihat aplikasi merchant.",
    UNIQUE_CODE_KEY: "Nominal digeser sedikit (15.000 \u2192 15.001) agar tiap pembayaran "
                     "dikenali di mutasi.",
}
# What is said under a key that is missing or bad, where "Wajib diisi untuk {provider}." or
# "Tidak valid: ..." would say too little.
REQUIRED_MESSAGES: dict[str, str] = {
    STATIC_QRIS_KEY: "Wajib diisi: cara pembayaran \u201cQRIS statis toko\u201d membutuhkan "
                     "QRIS statis yang valid.",
}
INVALID_MESSAGES: dict[str, str] = {
    # The preview right above already explains what is wrong with the QRIS.
    STATIC_QRIS_KEY: "Tidak bisa disimpan: QRIS tidak valid (lihat keterangan di atas).",
}
# Used by several providers, so shown once under the boxes rather than inside one.
_PAGE_KEYS = (UNIQUE_CODE_KEY,)


class PaymentPage(Page):
    title = "Pembayaran"
    written_last = (PROVIDER_KEY,)

    def build(self, layout: QFormLayout) -> None:
        self.layout = layout
        self.preview = QrisPreview()
        provider = self.form.combo((name, tr(info.label.id)) for name, info in PROVIDERS.items())
        self.add(layout, PROVIDER_KEY, tr("Cara pembayaran QRIS"), provider)
        provider.changed.connect(self.update_rows)

        self.panels = {name: ProviderPanel(info, self, layout, self._use_field)
                       for name, info in PROVIDERS.items()}

        code = self.form.combo((v, tr(UNIQUE_CODE_LABELS.get(v, v)))
                               for v in KEYS[UNIQUE_CODE_KEY].choices or ())
        self.add(layout, UNIQUE_CODE_KEY, field_label(UNIQUE_CODE_KEY), code,
                 hint=tr(USE_HINTS[UNIQUE_CODE_KEY]))
        minutes = QLabel()
        minutes.setStyleSheet(HINT_STYLE)
        self.add(layout, "payment.invoice_ttl_s", tr("Masa berlaku QRIS (detik)"),
                 _ttl_editor(minutes), inline=minutes)

    def load(self) -> None:
        super().load()
        for panel in self.panels.values():
            panel.update_login_state()
        self.update_rows()
        self._show_qris()

    def qris_preview_text(self) -> str:
        return self.preview.text()

    # ------------------------------------------------------------------ the keys providers use

    def _use_field(self, panel: ProviderPanel, key: str) -> bool:
        """Add the editor of ``key`` (used by ``panel``'s provider) to its box."""
        if key in _PAGE_KEYS or key in self.fields:
            return False  # under the boxes, or already in an earlier provider's box
        build = _USE_EDITORS.get(key)
        editor, extra = build(self) if build is not None else (self.form.line(), None)
        self.add(panel.layout, key, field_label(key), editor, extra=extra, group=panel.title,
                 hint=tr(USE_HINTS[key]) if key in USE_HINTS else "")
        return True

    def _pay_after(self) -> tuple[Editor, QWidget | None]:
        """Seconds, or "tidak pernah" -- the setting's own word for it is ``never``, which the
        owner neither sees nor has to type."""
        plain = self.form.line(clear_button=False, max_width=200)
        edit = plain.widget
        assert isinstance(edit, QLineEdit)
        never = {"never", "tidak pernah", tr("tidak pernah").casefold()}

        def read() -> str:
            text = edit.text().strip()
            return "never" if text.casefold() in never else text

        def write(_value: object, text: str) -> None:
            edit.setText(tr("tidak pernah") if text == "never" else text)

        return Editor(edit, read, write, plain.changed), None

    def _static_qris(self) -> tuple[Editor, QWidget | None]:
        static = QPlainTextEdit()
        static.setPlaceholderText(tr("Tempel di sini isi QRIS statis toko (teks yang diawali "
                                     "000201)."))
        # Tab must move on to the next field, not insert a tab into the payload.
        static.setTabChangesFocus(True)
        static.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        # A QRIS payload has few spaces: wrap anywhere rather than overflow sideways.
        static.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)
        static.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        static.setFixedHeight(84)  # 3 lines: enough to see it's all there
        static.textChanged.connect(self._show_qris)
        return Editor(static, lambda: qris.strip_pasted(static.toPlainText()),
                      lambda _value, text: static.setPlainText(text),
                      static.textChanged), self.preview

    def _mutasi_source(self) -> tuple[Editor, QWidget | None]:
        items = [("", tr(NO_MUTASI_SOURCE))]
        for name in MUTASI_SOURCES:
            info = PROVIDERS[name]
            items.append((name, tr((info.source_label or info.label).id)))
        editor = self.form.combo(items)
        editor.changed.connect(self.update_rows)
        return editor, None

    # ------------------------------------------------------------------ live updates

    def update_rows(self) -> None:
        """Show the chosen provider's box (and its mutasi source's), and the unique code
        where payments are matched by amount."""
        provider = self.fields[PROVIDER_KEY].read()
        info = PROVIDERS.get(provider)
        source_field = self.fields.get(MUTASI_KEY)
        takes_source = info is not None and info.takes_mutasi_source
        source = source_field.read() if takes_source and source_field is not None else ""
        for name, panel in self.panels.items():
            panel.show_as(shown=name in (provider, source), mutasi_source=name == source)
        code = self.fields[UNIQUE_CODE_KEY]
        self.layout.setRowVisible(code.row, info is not None and info.uses_unique_code)
        code.editor.setEnabled(unique_code_used(provider, source))
        self.form.relayout(code.row)

    def _show_qris(self) -> None:
        f = self.fields.get(STATIC_QRIS_KEY)
        if f is not None:
            self.preview.show_payload(f.read())

    # ------------------------------------------------------------------ rules

    def invalid_message(self, key: str, detail: str) -> str:
        if key in INVALID_MESSAGES:
            return tr(INVALID_MESSAGES[key])
        return super().invalid_message(key, detail)

    def validate(self, errors: dict[str, str]) -> dict[str, str]:
        changes = super().validate(errors)
        provider = self.fields[PROVIDER_KEY].read()
        name = tr(PROVIDERS[provider].label.id) if provider in PROVIDERS else provider
        elsewhere: list[str] = []
        for problem in provider_problems(provider, self.form.values()):
            key = problem.key
            if key in errors:
                continue
            if key not in self.form.fields:
                elsewhere.append(key)
            elif problem.reason is Reason.INVALID:
                # A bad value from the file, left untouched: say what is wrong with it.
                errors[key] = self.invalid_message(key, problem.detail)
            elif problem.reason is Reason.NEEDS_ACTIVATION:
                errors[key] = tr("Belum diaktifkan \u2014 tekan \u201cAktivasi\u2026\u201d.")
            elif problem.reason is Reason.NEEDS_LOGIN:
                errors[key] = tr("Belum login \u2014 tekan \u201cLogin\u2026\u201d.")
            elif key in REQUIRED_MESSAGES:
                errors[key] = tr(REQUIRED_MESSAGES[key])
            else:
                errors[key] = tr("Wajib diisi untuk {provider}.", provider=name)
        if elsewhere:
            errors.setdefault(PROVIDER_KEY, tr(
                "Belum lengkap untuk {provider}: {keys}. Isi dengan pos-app config set.",
                provider=name, keys=", ".join(elsewhere)))
        return changes


# The editors of the keys providers use outside their own fields; any other such key gets a
# plain line edit.
_USE_EDITORS: dict[str, Callable[[PaymentPage], tuple[Editor, QWidget | None]]] = {
    "simulator.pay_after_s": PaymentPage._pay_after,
    STATIC_QRIS_KEY: PaymentPage._static_qris,
    MUTASI_KEY: PaymentPage._mutasi_source,
}


def _ttl_editor(minutes: QLabel) -> Editor:
    key = KEYS["payment.invoice_ttl_s"]
    ttl = QSpinBox()
    low, high = key.bounds or (0, 86400)
    ttl.setRange(low, high)
    ttl.setSingleStep(30)
    ttl.setAccelerated(True)
    ttl.setMaximumWidth(200)

    def show_minutes(seconds: int) -> None:
        shown = f"{seconds / 60:.1f}".rstrip("0").rstrip(".").replace(".", ",")
        minutes.setText(tr("= {minutes} menit", minutes=shown))

    def write(value: Any, _text: str) -> None:
        ttl.setValue(value if isinstance(value, int) else int(key.default))

    ttl.valueChanged.connect(show_minutes)
    show_minutes(ttl.value())
    return Editor(ttl, lambda: str(ttl.value()), write, ttl.valueChanged)
