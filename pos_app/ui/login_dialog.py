"""Interactive provider login ("Login…" / "Aktivasi…" in Pengaturan).

Two modes, picked by the provider:

* **OTP login** (``LoginKind.OTP`` in the provider's description: Order Kuota, Orkut; SPEC
  section 5): page 1 asks username + password and calls ``LoginFlow.request_otp`` ("Kirim
  OTP"); page 2 says where the OTP went, asks for it and calls ``LoginFlow.verify_otp``
  ("Masuk"). The token it returns is stored in the description's ``token_key`` together with
  ``providers.<name>.username``.
* **Activation** (``LoginKind.ACTIVATION``: the soundbox platform): device id + activation
  code -> ``activate(base_url, device_id, code)``, the function the description's
  ``login_flow`` names; stores ``device_id``, the token and ``terminal_id``.

The provider's label, its field labels and which login it has all come from its description
(:data:`sync.providers.PROVIDERS`); nothing here names a provider.

Decisions:

* Every network call runs on a worker thread through :class:`~pos_app.ui.tasks.TaskManager`;
  the result comes back on the GUI thread. While a call runs the inputs are disabled, a busy
  bar shows, and *Batal* still closes the dialog (a late answer is then dropped).
* A refused login (``LoginFailed``) is shown in Indonesian by the step it happened in
  ("Username atau password salah" / "Kode OTP salah" / "Kode aktivasi ditolak"), with the
  adapter's English detail in small grey text under it. The username stays, the password
  (or OTP, or activation code) is cleared and focused, so the next try is one field away.
* Passwords, OTPs, activation codes and tokens are never put into a label, the log, or an
  error message: every detail shown goes through :func:`pos_app.secrets.redact` with the
  values typed here and the stored secrets of the provider.
* ``config`` (the provider's settings, short names) defaults to the stored values of its
  fields; the Settings dialog passes the values of its *form* so an owner can log in before
  saving. A login can't start without the fields its description's ``login_needs`` names
  (orkut's ``api_key``, the platform's ``base_url``): "Lengkapi: ..." says which.
  Only the username/device id and the token(s) are written here; the other form values are
  written when the owner presses *Simpan* in Pengaturan.

Shared with the Settings dialog: :func:`field_label` (the Indonesian label of a payment key:
a provider field's from its description, the few ``payment.*`` / ``simulator.*`` keys the
providers use from :data:`PAYMENT_KEY_LABELS`) and :func:`provider_error_message` (a
ProviderError in the owner's words).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app.secrets import redact, registered_secrets
from pos_app.settings import KEYS, Settings, SettingsError
from pos_app.ui.i18n import register, tr
from pos_app.ui.tasks import TaskManager
from sync.providers import PROVIDERS, login_flow
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    ConfigMissing,
    LoginFailed,
    ProviderError,
    Rejected,
    TransientError,
)
from sync.providers.info import FieldKind, LoginKind, ProviderInfo, load

__all__ = [
    "PAYMENT_KEY_LABELS",
    "LoginDialog",
    "field_label",
    "provider_error_message",
]

# The providers' own lines (labels, intros, field labels and hints) come with their descriptions.
for _info in PROVIDERS.values():
    register(_info.ui_texts())

register({
    # labels of the payment keys outside providers.<name>.
    "QRIS statis toko (isi QRIS)": "Shop's static QRIS (payload)",
    "Sumber mutasi": "Statement source",
    "Kode unik": "Unique code",
    "Simulator membayar setelah (detik)": "Simulator pays after (seconds)",
    # errors by class
    "Lengkapi: {keys}": "Fill in: {keys}",
    "Kredensial ditolak — periksa kunci/token atau login ulang":
        "Credentials refused — check the key/token or log in again",
    "Tidak bisa terhubung (jaringan/server): {detail}": "Cannot connect (network/server): {detail}",
    "Jawaban server tidak sesuai: {detail}": "Unexpected answer from the server: {detail}",
    "Login ditolak: {detail}": "Login refused: {detail}",
    "Gagal: {detail}": "Failed: {detail}",
    "Kesalahan tak terduga ({kind}): {detail}": "Unexpected error ({kind}): {detail}",
    # the dialog
    "Login {provider}": "Log in to {provider}",
    "Aktivasi {provider}": "Activate {provider}",
    "Masukkan username dan password akun {provider}. Kode OTP akan dikirim ke Anda.":
        "Enter the username and password of the {provider} account. An OTP code will be sent "
        "to you.",
    "Masukkan ID perangkat dan kode aktivasi dari platform.":
        "Enter the device id and the activation code from the platform.",
    "Username": "Username",
    "Password": "Password",
    "Kode OTP": "OTP code",
    "ID perangkat": "Device id",
    "Kode aktivasi": "Activation code",
    "Kirim OTP": "Send OTP",
    "Masuk": "Log in",
    "Aktifkan": "Activate",
    "Kembali": "Back",
    "Batal": "Cancel",
    "Menghubungi server…": "Contacting the server…",
    "Kode OTP dikirim ke {where}": "OTP code sent to {where}",
    "Kode OTP sudah dikirim.": "The OTP code has been sent.",
    "Isi username dan password.": "Enter the username and password.",
    "Isi kode OTP.": "Enter the OTP code.",
    "Isi ID perangkat dan kode aktivasi.": "Enter the device id and the activation code.",
    "Username tidak valid: {detail}": "Invalid username: {detail}",
    "ID perangkat tidak valid: {detail}": "Invalid device id: {detail}",
    "Username atau password salah": "Wrong username or password",
    "Kode OTP salah": "Wrong OTP code",
    "Kode aktivasi ditolak": "Activation code refused",
    "Perangkat belum terikat ke terminal — ikat dulu di platform":
        "The device is not bound to a terminal — bind it on the platform first",
    "Token diterima tetapi gagal disimpan: {detail}":
        "The token was accepted but could not be saved: {detail}",
})

PAYMENT_KEY_LABELS: dict[str, str] = {
    "payment.static_qris": "QRIS statis toko (isi QRIS)",
    "payment.mutasi_source": "Sumber mutasi",
    "payment.unique_code": "Kode unik",
    "simulator.pay_after_s": "Simulator membayar setelah (detik)",
}
"""Indonesian labels (untranslated: tr() is applied where shown) of the settings providers
use outside ``providers.<name>.`` (their ``uses``); every provider field has its label in its
description."""

# Every payment key's untranslated label: the providers' fields, then the keys they use.
_FIELD_LABELS: dict[str, str] = {
    **{info.key(f.leaf): f.label.id for info in PROVIDERS.values() for f in info.fields},
    **PAYMENT_KEY_LABELS,
}

_MIN_HEIGHT = 40
_ERROR_STYLE = "color: #b00020;"
_DETAIL_STYLE = "color: #666666;"
_HINT_STYLE = "color: #555555;"
_DETAIL_MAX = 240  # characters of an adapter's English detail shown


def field_label(key: str) -> str:
    """The translated label of a settings key; an adapter's ``ConfigMissing`` may append a
    hint after the key ("providers.midtrans.base_url (an http(s) URL...)"), which is dropped."""
    name = key.split(" ", 1)[0].strip()
    return tr(_FIELD_LABELS[name]) if name in _FIELD_LABELS else name


def _detail(exc: BaseException, secrets: Iterable[str]) -> str:
    """The exception's English text with every secret masked, shortened to one line."""
    values = set(registered_secrets())
    values.update(s for s in secrets if s)
    text = " ".join(redact(str(exc), values).split())
    return text if len(text) <= _DETAIL_MAX else text[: _DETAIL_MAX - 1] + "…"


def provider_error_message(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """A provider failure in Indonesian, by error class, without any secret in it.

    ``secrets``: values to mask on top of the registered ones (what was typed in the form).
    """
    detail = _detail(exc, secrets)
    if isinstance(exc, ConfigMissing):
        keys = getattr(exc, "keys", None) or []
        return tr("Lengkapi: {keys}", keys=", ".join(field_label(k) for k in keys) or detail)
    if isinstance(exc, AuthExpired):
        return tr("Kredensial ditolak — periksa kunci/token atau login ulang")
    if isinstance(exc, TransientError):
        return tr("Tidak bisa terhubung (jaringan/server): {detail}", detail=detail)
    if isinstance(exc, (Rejected, BadResponse)):
        return tr("Jawaban server tidak sesuai: {detail}", detail=detail)
    if isinstance(exc, LoginFailed):
        return tr("Login ditolak: {detail}", detail=detail)
    if isinstance(exc, ProviderError):
        return tr("Gagal: {detail}", detail=detail)
    return tr("Kesalahan tak terduga ({kind}): {detail}", kind=type(exc).__name__, detail=detail)


def _label(text: str = "", *, style: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)  # may quote server text
    if style:
        label.setStyleSheet(style)
    return label


class LoginDialog(QDialog):
    """OTP login or device activation for one provider; emits :attr:`loggedIn` on success.

    ``flow_factory(name, config)`` builds the :class:`~sync.providers.base.LoginFlow`
    (default :func:`sync.providers.login_flow`); ``activate_fn(base_url, device_id, code)``
    activates a device (default: the function the description's ``login_flow`` names,
    imported on the worker thread when first used). ``tasks`` runs the network calls (a
    private TaskManager is made when None). ``ValueError`` for a provider without a login.
    """

    loggedIn = Signal(str)
    """Emitted with the provider name after the token was stored; the dialog then closes."""

    def __init__(self, settings: Settings, provider: str, parent: QWidget | None = None, *,
                 flow_factory: Callable[[str, Mapping[str, Any]], Any] = login_flow,
                 activate_fn: Callable[[str, str, str], Any] | None = None,
                 tasks: TaskManager | None = None,
                 config: Mapping[str, Any] | None = None) -> None:
        super().__init__(parent)
        info = PROVIDERS.get(provider)
        if info is None or info.login is LoginKind.NONE:
            raise ValueError(f"provider {provider!r} has no interactive login")
        self.settings = settings
        self.provider = provider
        self._info: ProviderInfo = info
        self.mode = "activation" if info.login is LoginKind.ACTIVATION else "otp"
        self.written: list[str] = []
        """Keys stored by a successful login (registry order)."""
        self._flow_factory = flow_factory
        self._activate_fn = activate_fn
        self._own_tasks = tasks is None
        self._tasks = tasks if tasks is not None else TaskManager()
        self._config: dict[str, Any] = dict(config) if config is not None else self._stored_config()
        self._flow: Any = None
        self._seq = 0  # a result whose number is old (dialog closed, step changed) is dropped
        self._closed = False
        self._username = ""

        name = tr(info.label.id)
        self.setWindowTitle(tr("Aktivasi {provider}", provider=name) if self.mode == "activation"
                            else tr("Login {provider}", provider=name))
        self.setObjectName("loginDialog")
        self.setMinimumWidth(520)

        self.title = _label(self.windowTitle())
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)

        self.pages = QStackedWidget(self)
        self.username_edit = self._edit("username")
        self.password_edit = self._edit("password", secret=True)
        self.otp_edit = self._edit("otp", secret=False)
        self.device_edit = self._edit("device_id")
        self.code_edit = self._edit("activation_code", secret=True)
        self.sent_label = _label()
        self.sent_label.setObjectName("otpSentTo")
        if self.mode == "otp":
            self.username_edit.setText(str(self._config.get("username") or ""))
            self._credentials_page = self._page(
                tr("Masukkan username dan password akun {provider}. Kode OTP akan dikirim ke "
                   "Anda.", provider=name),
                [(tr("Username"), self.username_edit), (tr("Password"), self.password_edit)])
            self._otp_page = self._page(None, [(tr("Kode OTP"), self.otp_edit)],
                                        top=self.sent_label)
        else:
            self.device_edit.setText(str(self._config.get("device_id") or ""))
            self._activation_page = self._page(
                tr("Masukkan ID perangkat dan kode aktivasi dari platform."),
                [(tr("ID perangkat"), self.device_edit), (tr("Kode aktivasi"), self.code_edit)])

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)  # indeterminate: the "spinner"
        self.busy.setTextVisible(False)
        self.busy.setFixedWidth(120)
        self.busy.setMaximumHeight(12)
        self.busy_label = _label(tr("Menghubungi server…"), style=_HINT_STYLE, wrap=False)
        busy_row = QHBoxLayout()
        busy_row.addWidget(self.busy)
        busy_row.addWidget(self.busy_label)
        busy_row.addStretch(1)
        self.busy.hide()
        self.busy_label.hide()

        self.error_label = _label(style=_ERROR_STYLE + " font-weight: bold;")
        self.error_label.setObjectName("loginError")
        self.detail_label = _label(style=_DETAIL_STYLE)
        self.detail_label.setObjectName("loginErrorDetail")
        small = QFont(self.detail_label.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        self.detail_label.setFont(small)
        self.error_label.hide()
        self.detail_label.hide()

        self.primary_button = self._button("")
        self.primary_button.setDefault(True)
        self.primary_button.clicked.connect(self._submit)
        self.back_button = self._button(tr("Kembali"))
        self.back_button.setAutoDefault(False)
        self.back_button.clicked.connect(self._back)
        self.cancel_button = self._button(tr("Batal"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.primary_button)
        buttons.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.pages)
        layout.addLayout(busy_row)
        layout.addWidget(self.error_label)
        layout.addWidget(self.detail_label)
        layout.addStretch(1)
        layout.addLayout(buttons)

        self._show_page(0)

    # ------------------------------------------------------------------ public helpers

    def current_step(self) -> str:
        """"credentials", "otp" or "activation"."""
        if self.mode == "activation":
            return "activation"
        return "otp" if self.pages.currentIndex() == 1 else "credentials"

    def is_busy(self) -> bool:
        return not self.busy.isHidden()

    def error_text(self) -> str:
        return "" if self.error_label.isHidden() else self.error_label.text()

    def detail_text(self) -> str:
        return "" if self.detail_label.isHidden() else self.detail_label.text()

    # ------------------------------------------------------------------ building

    def _stored_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {}
        for f in self._info.fields:
            try:
                config[f.leaf] = self.settings.get(self._info.key(f.leaf))
            except SettingsError:
                config[f.leaf] = ""
        return config

    def _missing_needs(self) -> str | None:
        """"Lengkapi: ..." when the config lacks a field the login can't start without."""
        missing = [self._info.key(leaf) for leaf in self._info.login_needs
                   if not str(self._config.get(leaf) or "").strip()]
        if not missing:
            return None
        return provider_error_message(ConfigMissing(self.provider, missing))

    def _edit(self, name: str, *, secret: bool = False) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"login.{name}")
        edit.setMinimumHeight(_MIN_HEIGHT)
        if secret:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        if name == "otp":
            edit.setMaxLength(12)
            edit.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
            edit.setMaximumWidth(220)
        edit.textEdited.connect(lambda _text: self._clear_error())
        return edit

    def _button(self, text: str) -> QPushButton:
        button = QPushButton(text)
        button.setMinimumHeight(_MIN_HEIGHT)
        button.setMinimumWidth(120)
        return button

    def _page(self, intro: str | None, rows: list[tuple[str, QLineEdit]], *,
              top: QLabel | None = None) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        if intro:
            column.addWidget(_label(intro, style=_HINT_STYLE))
        if top is not None:
            column.addWidget(top)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(12)
        for caption, edit in rows:
            label = QLabel(caption)
            label.setBuddy(edit)
            label.setMinimumHeight(_MIN_HEIGHT)
            form.addRow(label, edit)
        column.addLayout(form)
        column.addStretch(1)
        self.pages.addWidget(page)
        return page

    def _show_page(self, index: int) -> None:
        self.pages.setCurrentIndex(index)
        if self.mode == "activation":
            self.primary_button.setText(tr("Aktifkan"))
            self.back_button.hide()
            first = self.device_edit if not self.device_edit.text() else self.code_edit
        elif index == 0:
            self.primary_button.setText(tr("Kirim OTP"))
            self.back_button.hide()
            first = self.username_edit if not self.username_edit.text() else self.password_edit
        else:
            self.primary_button.setText(tr("Masuk"))
            self.back_button.show()
            first = self.otp_edit
        first.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ steps

    def _submit(self) -> None:
        if self.is_busy():
            return
        self._clear_error()
        step = self.current_step()
        if step == "credentials":
            self._request_otp()
        elif step == "otp":
            self._verify_otp()
        else:
            self._activate()

    def _back(self) -> None:
        if self.is_busy():
            return
        self._clear_error()
        self.otp_edit.clear()
        self.password_edit.clear()
        self._show_page(0)

    def _request_otp(self) -> None:
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username or not password:
            self._fail(tr("Isi username dan password."),
                       focus=self.username_edit if not username else self.password_edit)
            return
        try:
            username = KEYS[self._info.key("username")].value_of(username)
        except SettingsError as exc:
            self._fail(tr("Username tidak valid: {detail}", detail=_key_detail(exc)),
                       focus=self.username_edit)
            return
        needs = self._missing_needs()
        if needs is not None:
            self._fail(needs, focus=self.password_edit)
            return
        factory, name, flow = self._flow_factory, self.provider, self._flow
        config = dict(self._config)

        def job() -> tuple[Any, str]:
            used = flow if flow is not None else factory(name, config)
            return used, used.request_otp(username, password)

        def done(result: tuple[Any, str]) -> None:
            self._flow, where = result
            self._username = username
            self.password_edit.clear()
            where = str(where or "").strip()
            self.sent_label.setText(tr("Kode OTP dikirim ke {where}", where=where) if where
                                    else tr("Kode OTP sudah dikirim."))
            self._show_page(1)

        self._run(job, done, lambda exc: self._refused(
            exc, tr("Username atau password salah"), self.password_edit, [password]))

    def _verify_otp(self) -> None:
        otp = self.otp_edit.text().strip()
        if not otp:
            self._fail(tr("Isi kode OTP."), focus=self.otp_edit)
            return
        flow, username = self._flow, self._username

        def job() -> str:
            return str(flow.verify_otp(username, otp))

        def done(token: str) -> None:
            self._store(self._info.login_settings(username, token), [token])

        self._run(job, done, lambda exc: self._refused(
            exc, tr("Kode OTP salah"), self.otp_edit, [otp]))

    def _activate(self) -> None:
        device_id = self.device_edit.text().strip()
        code = self.code_edit.text().strip()
        if not device_id or not code:
            self._fail(tr("Isi ID perangkat dan kode aktivasi."),
                       focus=self.device_edit if not device_id else self.code_edit)
            return
        info = self._info
        try:
            device_id = KEYS[info.key("device_id")].value_of(device_id)
        except SettingsError as exc:
            self._fail(tr("ID perangkat tidak valid: {detail}", detail=_key_detail(exc)),
                       focus=self.device_edit)
            return
        needs = self._missing_needs()
        if needs is not None:
            self._fail(needs, focus=self.code_edit)
            return
        base_url = str(self._config.get("base_url") or "")
        activate, reference = self._activate_fn, info.login_flow

        def job() -> Any:
            fn = activate
            if fn is None:
                if reference is None:
                    raise ProviderError(f"{info.name}: no activation function is declared")
                fn = load(reference)  # the adapter module: imported off the GUI thread
            return fn(base_url, device_id, code)

        def done(result: Any) -> None:
            token = str(getattr(result, "device_token", "") or "")
            terminal = getattr(result, "terminal_id", None)
            self._store(info.activation_settings(device_id, token,
                                                 str(terminal) if terminal else None), [token])

        def refused(exc: BaseException) -> None:
            message = tr("Kode aktivasi ditolak")
            if isinstance(exc, LoginFailed) and "not bound" in str(exc):
                message = tr("Perangkat belum terikat ke terminal — ikat dulu di platform")
            self._refused(exc, message, self.code_edit, [code])

        self._run(job, done, refused)

    # ------------------------------------------------------------------ plumbing

    def _run(self, job: Callable[[], Any], done: Callable[[Any], None],
             failed: Callable[[BaseException], None]) -> None:
        self._seq += 1
        seq = self._seq
        self._set_busy(True)

        def on_success(result: Any) -> None:
            if self._current(seq):
                self._set_busy(False)
                done(result)

        def on_failure(exc: BaseException) -> None:
            if self._current(seq):
                self._set_busy(False)
                failed(exc)

        self._tasks.read(job, on_success, on_failure)

    def _current(self, seq: int) -> bool:
        return shiboken6.isValid(self) and not self._closed and seq == self._seq

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.busy_label.setVisible(busy)
        for widget in (self.username_edit, self.password_edit, self.otp_edit, self.device_edit,
                       self.code_edit, self.primary_button, self.back_button):
            widget.setEnabled(not busy)

    def _refused(self, exc: BaseException, login_failed: str, field: QLineEdit,
                 typed: list[str]) -> None:
        """Show why a step failed; clear and focus the field to type again."""
        secret_leaves = {f.leaf for f in self._info.fields if f.kind is FieldKind.SECRET}
        secrets = typed + [str(v) for k, v in self._config.items() if v and k in secret_leaves]
        if isinstance(exc, LoginFailed):
            self._fail(login_failed, _detail(exc, secrets), focus=field, clear=True)
        else:
            # Network trouble or a bad answer: what was typed may be right, keep it.
            self._fail(provider_error_message(exc, secrets), focus=field)

    def _fail(self, message: str, detail: str = "", *, focus: QLineEdit,
              clear: bool = False) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        self.detail_label.setText(detail)
        self.detail_label.setVisible(bool(detail))
        if clear:
            focus.clear()
        focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def _clear_error(self) -> None:
        self.error_label.clear()
        self.error_label.hide()
        self.detail_label.clear()
        self.detail_label.hide()

    def _store(self, values: list[tuple[str, str]], secrets: list[str]) -> None:
        written: list[str] = []
        try:
            for key, value in values:
                self.settings.set(key, value)
                written.append(key)
        except SettingsError as exc:
            self.written = [k for k in KEYS if k in written]
            self._fail(tr("Token diterima tetapi gagal disimpan: {detail}",
                          detail=_detail(exc, secrets)),
                       focus=self.otp_edit if self.mode == "otp" else self.code_edit)
            return
        self.written = [k for k in KEYS if k in written]
        self.loggedIn.emit(self.provider)
        self.accept()

    def done(self, result: int) -> None:
        if not self._closed:
            self._closed = True
            flow, self._flow = self._flow, None
            close = getattr(flow, "close", None)
            if callable(close):
                try:
                    self._tasks.read(close)  # may touch the network: not on the GUI thread
                except RuntimeError:  # the tasks were shut down already (app closing)
                    pass
            if self._own_tasks:
                self._tasks.shutdown()
        super().done(result)


def _key_detail(exc: SettingsError) -> str:
    """A SettingsError's text without the leading "key: "."""
    text = str(exc)
    head, sep, tail = text.partition(": ")
    return tail if sep and head in KEYS else text
