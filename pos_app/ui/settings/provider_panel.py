"""One payment provider's box on the *Pembayaran* page, built from its description.

Everything shown comes from the :class:`~sync.providers.info.ProviderInfo` in
:data:`sync.providers.PROVIDERS` (and its ``ui_texts()`` in the i18n catalogue): the title
(``label``), the intro line, a row per field with its label and hint, secrets as password
fields that are never pre-filled, a "Wajib diisi" marker (the ``required`` property, a tooltip)
on required fields, and under the ``token_key`` field a "Login…" or "Aktivasi…" button by
``login``. The settings a provider ``uses`` outside ``providers.<name>.`` (the simulator's
delay, the static QRIS and its mutasi source) get their editors from the page. No provider is
named here: a new back-end's box is its description.

* "Tes koneksi" (every provider with fields of its own) builds the provider from the *form*
  values through ``provider_factory`` and calls ``test_connection()`` on a worker thread, so
  the dialog stays usable; editing a field of the box discards the running test's answer (it
  described old values). Every text shown from a provider goes through
  ``pos_app.secrets.redact`` with the typed and stored secrets of the box.
* "Login…" / "Aktivasi…" open :class:`~pos_app.ui.login_dialog.LoginDialog` with the form's
  values of the box (orkut's login needs ``api_key``), so an owner can log in before pressing
  *Simpan*. A successful login writes the username/device id and the token at once and the
  dialog reports those keys as saved; the other values are still written only by *Simpan*.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_app.secrets import redact, registered_secrets
from pos_app.settings import KEYS, SettingsError
from pos_app.settings_rules import missing_keys
from pos_app.ui.i18n import register, tr
from pos_app.ui.login_dialog import LoginDialog, field_label, provider_error_message
from pos_app.ui.settings.form import (
    COMBO_WIDTH,
    ERROR_STYLE,
    FULL_WIDTH,
    HINT_STYLE,
    MIN_HEIGHT,
    OK_STYLE,
    WARNING_STYLE,
    Page,
    configure_form,
    hint_label,
)
from sync.providers import PROVIDERS
from sync.providers.info import FieldKind, LoginKind, ProviderInfo

__all__ = ["ProviderPanel"]

for _info in PROVIDERS.values():
    register(_info.ui_texts())

register({
    "Akun {provider} untuk cek mutasi": "{provider} account for statement checks",
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
})


class ProviderPanel:
    """The box of one provider: its fields, "Tes koneksi" and its login, if any.

    ``use_field(panel, key)`` adds the editor of a key the provider ``uses`` from outside its
    own ``providers.<name>.`` fields (the page knows those keys); it returns False for a key
    the page shows outside the boxes (the unique code).
    """

    def __init__(self, info: ProviderInfo, page: Page, page_layout: QFormLayout,
                 use_field: Callable[[ProviderPanel, str], bool]) -> None:
        self.info = info
        self.page = page
        self.form = page.form
        self.title = tr(info.label.id)
        self.box = QGroupBox(self.title)
        self.box.setObjectName(f"panel.{info.name}")
        self.layout = QFormLayout(self.box)
        configure_form(self.layout)
        self.layout.setContentsMargins(12, 12, 12, 12)
        self.intro = hint_label(tr(info.intro.id))
        self.layout.addRow(self.intro)
        page_layout.addRow(self.box)
        self.keys: list[str] = []
        self.test_button: QPushButton | None = None
        self.test_busy: QProgressBar | None = None
        self.test_status: QLabel | None = None
        self.login_button: QPushButton | None = None
        self.login_state: QLabel | None = None
        self.seq = 0  # bumped by every edit: an older test's answer is dropped
        self._logged_in = False  # logged in / activated while the dialog is open

        for f in info.fields:
            self._add_field(info.key(f.leaf), f.kind, required=f.required,
                            hint=tr(f.hint.id) if f.hint is not None else "")
        for key in info.uses:
            if use_field(self, key):
                self.keys.append(key)
        if info.fields:  # a back-end of its own to talk to (not the simulator, not the sticker)
            self._add_test_row()

    # ------------------------------------------------------------------ building

    def _add_field(self, key: str, kind: FieldKind, *, required: bool, hint: str) -> None:
        if kind is FieldKind.SECRET:
            editor = self.form.secret(key)
        else:
            editor = self.form.line(max_width=FULL_WIDTH if kind is FieldKind.URL
                                    else COMBO_WIDTH)
        extra = self._login_row() if key == self.info.token_key else None
        if required:
            # For the style sheet and screen readers; the label text stays the plain name.
            editor.widget.setProperty("required", True)
            editor.widget.setToolTip(tr("Wajib diisi"))
        self.page.add(self.layout, key, field_label(key), editor, hint=hint, extra=extra,
                      group=self.title)
        editor.changed.connect(lambda *_: self._edited())
        self.keys.append(key)

    def _login_row(self) -> QWidget:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        activation = self.info.login is LoginKind.ACTIVATION
        button = QPushButton(tr("Aktivasi\u2026") if activation else tr("Login\u2026"))
        button.setObjectName(f"login.{self.info.name}")
        button.setMinimumHeight(MIN_HEIGHT)
        button.setMinimumWidth(140)
        button.setAutoDefault(False)  # Enter in a field means Simpan, not Login
        button.clicked.connect(self._open_login)
        state = QLabel()
        state.setObjectName(f"loginState.{self.info.name}")
        state.setTextFormat(Qt.TextFormat.PlainText)
        state.hide()
        layout.addWidget(button)
        layout.addWidget(state)
        layout.addStretch(1)
        self.login_button, self.login_state = button, state
        return row

    def _add_test_row(self) -> None:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 4, 0, 0)
        row = QHBoxLayout()
        button = QPushButton(tr("Tes koneksi"))
        button.setObjectName(f"test.{self.info.name}")
        button.setMinimumHeight(MIN_HEIGHT)
        button.setMinimumWidth(140)
        button.setAutoDefault(False)
        button.clicked.connect(self._test_connection)
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
        status.setObjectName(f"testStatus.{self.info.name}")
        status.setWordWrap(True)
        status.setTextFormat(Qt.TextFormat.PlainText)  # quotes server text
        status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status.hide()
        column.addWidget(status)
        self.layout.addRow(QLabel(), box)
        self.test_button, self.test_busy, self.test_status = button, busy, status

    # ------------------------------------------------------------------ live updates

    def show_as(self, *, shown: bool, mutasi_source: bool = False) -> None:
        """Show or hide the box; as a mutasi source it is titled for the statement check."""
        self.box.setVisible(shown)
        title, intro = self.title, tr(self.info.intro.id)
        if mutasi_source:
            title = tr("Akun {provider} untuk cek mutasi", provider=title)
            intro = tr("QRIS statis toko membaca mutasi akun ini untuk mengenali pembayaran "
                       "masuk.")
        self.box.setTitle(title)
        self.intro.setText(intro)

    def update_login_state(self) -> None:
        """"Perlu login" / "Perlu aktivasi" when no token is stored or the main window says
        the login expired; "Login berhasil" / "Aktivasi berhasil" after a login here."""
        label, token_key = self.login_state, self.info.token_key
        if label is None or token_key is None:
            return
        activation = self.info.login is LoginKind.ACTIVATION
        if self._logged_in:
            label.setText(tr("Aktivasi berhasil") if activation else tr("Login berhasil"))
            label.setStyleSheet(OK_STYLE)
            label.show()
            return
        needed = (not self.form.secret_stored(token_key)
                  or self.form.services.provider_states.get(self.info.name) == "needs_login")
        label.setText(tr("Perlu aktivasi") if activation else tr("Perlu login"))
        label.setStyleSheet(WARNING_STYLE + " font-weight: bold;")
        label.setVisible(needed)

    def _edited(self) -> None:
        """A field of the box changed: a test result (or one still running) is stale."""
        self.seq += 1
        if self.test_status is not None:
            self.test_status.clear()
            self.test_status.hide()
        if self.test_busy is not None:
            self.test_busy.hide()
        if self.test_button is not None:
            self.test_button.setEnabled(True)
        self.form.relayout(self.box)

    # ------------------------------------------------------------------ the form's values

    def _config(self) -> tuple[dict[str, Any], dict[str, str]]:
        """(config for the adapter from the *form*, key -> error). A secret left empty is the
        stored one; nothing is written."""
        config: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key in self.keys:
            k, text = KEYS[key], self.form.fields[key].read()
            if k.secret and not text.strip():
                try:
                    config[k.leaf] = self.form.settings.get(key)
                except SettingsError:
                    config[k.leaf] = ""
                continue
            try:
                config[k.leaf] = k.value_of(text)
            except SettingsError as exc:
                errors[key] = self.page.invalid_message(key, str(exc).removeprefix(f"{key}: "))
        return config, errors

    def _checked_config(self) -> dict[str, Any] | None:
        """The form's config, or None after marking the fields that don't parse."""
        for key in self.keys:
            self.form.clear_error(key)
        config, errors = self._config()
        if not errors:
            return config
        for key, message in errors.items():
            self.form.show_error(key, message)
        self.form.relayout(self.box)
        return None

    def _secrets(self, config: Mapping[str, Any]) -> list[str]:
        """Every secret value of the box (typed or stored), to mask in what is shown."""
        values = [str(config.get(KEYS[key].leaf) or "") for key in self.keys
                  if KEYS[key].secret]
        return [v for v in values if v] + list(registered_secrets())

    # ------------------------------------------------------------------ connection test

    def _test_connection(self) -> None:
        config = self._checked_config()
        if config is None:
            self._show_test_result(tr("Periksa isian yang ditandai merah."), ok=False)
            return
        missing = [k for k in missing_keys(self.info.name, self.form.values()) if k in self.keys]
        if missing:
            self._show_test_result(tr("Lengkapi: {keys}", keys=", ".join(
                field_label(k) for k in missing)), ok=False)
            return
        assert self.test_button is not None and self.test_status is not None
        self.seq += 1
        seq, name, secrets = self.seq, self.info.name, self._secrets(config)
        services = self.form.services
        factory = services.provider_factory

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

        def current() -> bool:
            return services.alive() and shiboken6.isValid(self.box) and self.seq == seq

        def done(description: str) -> None:
            if current():
                text = " ".join(redact(description, secrets).split())
                self._show_test_result(tr("Terhubung: {description}", description=text),
                                       ok=True)

        def failed(exc: BaseException) -> None:
            if current():
                self._show_test_result(provider_error_message(exc, secrets), ok=False)

        self.test_button.setEnabled(False)
        if self.test_busy is not None:
            self.test_busy.show()
        self.test_status.setStyleSheet(HINT_STYLE)
        self.test_status.setText(tr("Menguji\u2026"))
        self.test_status.show()
        self.form.relayout(self.box)
        services.tasks().read(job, done, failed)

    def _show_test_result(self, text: str, *, ok: bool) -> None:
        assert self.test_button is not None and self.test_status is not None
        self.test_button.setEnabled(True)
        if self.test_busy is not None:
            self.test_busy.hide()
        self.test_status.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.test_status.setText(text)
        self.test_status.show()
        self.form.relayout(self.box)

    # ------------------------------------------------------------------ login

    def _open_login(self) -> None:
        config = self._checked_config()
        if config is None:
            return
        services = self.form.services
        dialog = LoginDialog(self.form.settings, self.info.name, services.parent,
                             flow_factory=services.flow_factory,
                             activate_fn=services.activate_fn, tasks=services.tasks(),
                             config=config)
        services.last_login = dialog
        dialog.loggedIn.connect(lambda _name: self._after_login(list(dialog.written)))
        dialog.open()

    def _after_login(self, written: list[str]) -> None:
        """The login stored a token (and username / device id): show the new values."""
        self._logged_in = True
        self.form.services.provider_states.pop(self.info.name, None)
        for key in written:
            f = self.form.fields.get(key)
            if f is None or not isinstance(f.editor, QLineEdit):
                continue
            self.form.load(f)
            self.form.clear_error(key)
        self.update_login_state()
        self.form.relayout(self.box)
        if written:
            self.form.services.logged_in(written)
