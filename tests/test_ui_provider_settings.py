"""Payment providers in the Settings dialog: a box of fields per provider, secrets that are
never shown, "Tes koneksi" on a worker thread, and the OTP login / device activation dialog.

The provider adapters are replaced by small fakes injected through the constructors
(``provider_factory``, ``flow_factory``, ``activate_fn``), so these tests don't depend on the
adapter modules. Results are checked by re-loading ``config.toml`` with a fresh Settings.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from pos_app.paths import config_path
from pos_app.settings import KEYS, Settings
from pos_app.ui import i18n, login_dialog as login_module
from pos_app.ui.login_dialog import LoginDialog
from pos_app.ui.settings import SettingsDialog
from pos_app.ui.tasks import TaskManager
from sync.providers import PROVIDERS
from sync.providers.base import (
    AuthExpired,
    BadResponse,
    ConfigMissing,
    LoginFailed,
    Rejected,
    TransientError,
)
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.waiting import WAIT_MS, WAIT_S, qt_wait_for

STORED_KEY = "pk-stored-SECRET-0001"
NEW_KEY = "pk-typed-SECRET-0002"
ORKUT_API_KEY = "orkut-api-SECRET-0003"
TOKEN = "tok-SECRET-ABCDEFGH-0004"
DEVICE_TOKEN = "dev-SECRET-XYZ-0005"


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    i18n.set_language("id")
    yield
    i18n.set_language("id")


@pytest.fixture
def tasks(qapp) -> Iterator[TaskManager]:
    manager = TaskManager()
    yield manager
    manager.shutdown()


# --------------------------------------------------------------------------- fakes


class FakeProvider:
    """What ``provider_factory`` returns: ``test_connection`` does what the test says."""

    def __init__(self, outcome: Callable[[Mapping[str, Any]], str], config: Mapping[str, Any],
                 threads: list[threading.Thread]) -> None:
        self._outcome = outcome
        self.config = config
        self._threads = threads
        self.closed = False

    def test_connection(self) -> str:
        self._threads.append(threading.current_thread())
        # Never on the GUI thread: an assertion error here becomes a red status, not success.
        assert threading.current_thread() is not threading.main_thread()
        return self._outcome(self.config)

    def close(self) -> None:
        self.closed = True


class FakeFactory:
    def __init__(self, outcome: Callable[[Mapping[str, Any]], str]) -> None:
        self.outcome = outcome
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.threads: list[threading.Thread] = []
        self.built: list[FakeProvider] = []

    def __call__(self, name: str, config: Mapping[str, Any]) -> FakeProvider:
        self.calls.append((name, dict(config)))
        provider = FakeProvider(self.outcome, config, self.threads)
        self.built.append(provider)
        return provider


def raises(exc: BaseException) -> Callable[[Mapping[str, Any]], str]:
    def outcome(_config: Mapping[str, Any]) -> str:
        raise exc
    return outcome


class FakeFlow:
    """A LoginFlow: ``passwords``/``otps`` are the accepted ones."""

    def __init__(self, *, password: str = "rahasia", otp: str = "123456",
                 where: str = "w***@gmail.com", token: str = TOKEN,
                 request_error: BaseException | None = None) -> None:
        self.password, self.otp, self.where, self.token = password, otp, where, token
        self.request_error = request_error
        self.threads: list[threading.Thread] = []
        self.requests: list[tuple[str, str]] = []
        self.verifies: list[tuple[str, str]] = []

    def request_otp(self, username: str, password: str) -> str:
        self.threads.append(threading.current_thread())
        assert threading.current_thread() is not threading.main_thread()
        self.requests.append((username, password))
        if self.request_error is not None:
            raise self.request_error
        if password != self.password:
            raise LoginFailed("orkut: username or password wrong")
        return self.where

    def verify_otp(self, username: str, otp: str) -> str:
        self.threads.append(threading.current_thread())
        assert threading.current_thread() is not threading.main_thread()
        self.verifies.append((username, otp))
        if otp != self.otp:
            raise LoginFailed("orkut: OTP was wrong")
        return self.token


class FlowFactory:
    def __init__(self, flow: FakeFlow) -> None:
        self.flow = flow
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, name: str, config: Mapping[str, Any]) -> FakeFlow:
        self.calls.append((name, dict(config)))
        return self.flow


# --------------------------------------------------------------------------- helpers


def open_dialog(qtbot, data_dir: Path, **kwargs: Any) -> SettingsDialog:
    kwargs.setdefault("screens_count", 1)
    dlg = SettingsDialog(Settings.load(data_dir), **kwargs)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg, timeout=WAIT_MS)
    dlg.tabs.setCurrentIndex(2)  # Pembayaran
    return dlg


def choose(dlg: SettingsDialog, key: str, value: str) -> None:
    box = dlg.editor(key)
    assert isinstance(box, QComboBox)
    index = box.findData(value)
    assert index >= 0, f"{value!r} not offered in {key}"
    box.setCurrentIndex(index)


def line(dlg: SettingsDialog, key: str) -> QLineEdit:
    widget = dlg.editor(key)
    assert isinstance(widget, QLineEdit)
    return widget


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def click(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), button.text()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def reloaded(data_dir: Path) -> Settings:
    return Settings.load(data_dir)


def file_state(data_dir: Path) -> bytes | None:
    path = config_path(data_dir)
    return path.read_bytes() if path.exists() else None


def all_texts(root: QWidget) -> list[str]:
    """Every text a person could see in ``root``: labels, fields (also their real text),
    placeholders, titles, buttons, tooltips, combo items."""
    texts = [root.windowTitle(), root.toolTip()]
    for w in root.findChildren(QWidget):
        texts.append(w.toolTip())
        if isinstance(w, QLabel):
            texts.append(w.text())
        elif isinstance(w, QLineEdit):
            texts += [w.text(), w.displayText(), w.placeholderText()]
        elif isinstance(w, QPushButton):
            texts.append(w.text())
        elif isinstance(w, QGroupBox):
            texts.append(w.title())
        elif isinstance(w, QComboBox):
            texts += [w.itemText(i) for i in range(w.count())]
    return texts


def assert_not_shown(root: QWidget, *secrets: str) -> None:
    for text in all_texts(root):
        for secret in secrets:
            assert secret not in text, f"secret shown in {text!r}"


def buddy_labels(dlg: SettingsDialog, key: str) -> list[str]:
    editor = dlg.editor(key)
    return [lbl.text() for lbl in dlg.findChildren(QLabel) if lbl.buddy() is editor]


def configure_pakasir(data_dir: Path, *, provider: bool = True) -> None:
    s = Settings.load(data_dir)
    s.set("providers.pakasir.project", "warung-sri")
    s.set("providers.pakasir.api_key", STORED_KEY)
    if provider:
        s.set("payment.provider", "pakasir")


# --------------------------------------------------------------------------- provider boxes


def test_choosing_pakasir_shows_its_fields_and_hides_the_others(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    assert dlg.panel("simulator").isVisible() and not dlg.panel("pakasir").isVisible()

    choose(dlg, "payment.provider", "pakasir")

    pakasir_keys = [k for k in KEYS if k.startswith("providers.pakasir.")]
    assert pakasir_keys == ["providers.pakasir.base_url", "providers.pakasir.project",
                            "providers.pakasir.api_key"]
    assert dlg.panel("pakasir").isVisible()
    assert dlg.panel("pakasir").title() == "Pakasir"
    for key in pakasir_keys:
        assert dlg.editor(key).isVisible(), key
    assert [buddy_labels(dlg, k) for k in pakasir_keys] == [
        ["Alamat server (URL)"], ["Proyek (slug)"], ["Kunci API"]]
    assert line(dlg, "providers.pakasir.base_url").text() == "https://app.pakasir.com"
    api_key = line(dlg, "providers.pakasir.api_key")
    assert api_key.echoMode() == QLineEdit.EchoMode.Password
    assert api_key.text() == "" and api_key.placeholderText() == "(belum diisi)"
    assert dlg.test_button("pakasir").isVisible()
    assert dlg.test_button("pakasir").text() == "Tes koneksi"
    with pytest.raises(KeyError):
        dlg.login_button("pakasir")

    for name in ("simulator", "static", "orderkuota", "orkut", "midtrans", "soundbox_platform"):
        assert not dlg.panel(name).isVisible(), name
    for key in KEYS:
        if key.startswith("providers.") and not key.startswith("providers.pakasir."):
            assert not dlg.editor(key).isVisible(), key  # every provider key has an editor
    assert not dlg.editor("simulator.pay_after_s").isVisible()
    assert not dlg.editor("payment.static_qris").isVisible()
    assert not dlg.editor("payment.unique_code").isVisible()  # pakasir matches by its own id
    assert dlg.editor("payment.invoice_ttl_s").isVisible()  # for every provider


def test_every_provider_box_holds_exactly_its_keys(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    for name in KEYS["payment.provider"].choices or ():
        choose(dlg, "payment.provider", name)
        box = dlg.panel(name)
        assert box.isVisible(), name
        inside = sorted(k for k in KEYS if box.findChild(QWidget, k) is not None)
        if name == "simulator":
            expected = ["simulator.pay_after_s"]
        elif name == "static":
            expected = ["payment.mutasi_source", "payment.static_qris"]
        else:
            expected = sorted(k for k in KEYS if k.startswith(f"providers.{name}."))
        assert inside == expected, name
        if name in ("orderkuota", "orkut", "midtrans", "pakasir", "soundbox_platform"):
            assert dlg.test_button(name).isVisible(), name


def test_static_box_with_mutasi_source_and_unique_code(qtbot, data_dir: Path) -> None:
    Settings.load(data_dir).set("providers.orderkuota.token", TOKEN)
    dlg = open_dialog(qtbot, data_dir)
    choose(dlg, "payment.provider", "static")
    source = dlg.editor("payment.mutasi_source")
    assert isinstance(source, QComboBox)
    assert {source.itemData(i): source.itemText(i) for i in range(source.count())} == {
        "": "Tidak ada \u2014 konfirmasi manual", "orderkuota": "Order Kuota", "orkut": "Orkut"}
    code = dlg.editor("payment.unique_code")
    assert isinstance(code, QComboBox)
    assert {code.itemData(i): code.itemText(i) for i in range(code.count())} == {
        "add": "Tambah", "subtract": "Kurangi", "off": "Mati"}
    assert buddy_labels(dlg, "payment.unique_code") == ["Kode unik"]
    # Manual confirmation: no statement, so no code; shown but not editable.
    assert code.isVisible() and not code.isEnabled()
    assert not dlg.panel("orderkuota").isVisible()

    choose(dlg, "payment.mutasi_source", "orderkuota")
    assert code.isEnabled()
    assert dlg.panel("orderkuota").isVisible()
    assert dlg.panel("orderkuota").title() == "Akun Order Kuota untuk cek mutasi"
    assert dlg.login_button("orderkuota").isVisible()

    dlg.editor("payment.static_qris").setPlainText(DEMO_STATIC_QRIS)  # type: ignore[attr-defined]
    choose(dlg, "payment.unique_code", "subtract")
    click(qtbot, dlg.save_button)  # the mutasi account has no username yet
    assert dlg.isVisible()
    assert dlg.error_text("providers.orderkuota.username") == (
        "Wajib diisi untuk QRIS statis toko.")
    assert file_state(data_dir) is not None and not reloaded(data_dir).is_set(
        "payment.mutasi_source")

    type_into(qtbot, line(dlg, "providers.orderkuota.username"), "warungsri")
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click(qtbot, dlg.save_button)
    assert blocker.args == [["payment.provider", "payment.static_qris", "payment.mutasi_source",
                             "payment.unique_code", "providers.orderkuota.username"]]
    s = reloaded(data_dir)
    assert (s.get("payment.mutasi_source"), s.get("payment.unique_code")) == (
        "orderkuota", "subtract")
    assert s.missing_for_provider("static") == []


def test_orkut_shows_unique_code_too(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    choose(dlg, "payment.provider", "orkut")
    code = dlg.editor("payment.unique_code")
    assert code.isVisible() and code.isEnabled()


# --------------------------------------------------------------------------- required keys


def test_saving_pakasir_without_api_key_is_refused_next_to_the_field(qtbot,
                                                                      data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    choose(dlg, "payment.provider", "pakasir")
    type_into(qtbot, line(dlg, "providers.pakasir.project"), "warung-sri")

    with qtbot.assertNotEmitted(dlg.saved):
        click(qtbot, dlg.save_button)

    assert dlg.isVisible() and dlg.result() != QDialog.DialogCode.Accepted
    assert dlg.error_text("providers.pakasir.api_key") == "Wajib diisi untuk Pakasir."
    error = dlg.findChild(QLabel, "providers.pakasir.api_key.error")
    assert error is not None and error.isVisible()
    # The error sits in the same box as the field, right under it.
    assert dlg.panel("pakasir").isAncestorOf(error)
    assert dlg.error_text("providers.pakasir.project") == ""
    assert dlg.error_text("providers.pakasir.base_url") == ""
    assert "Kunci API" in dlg.summary.text()
    assert file_state(data_dir) is None  # all or nothing: not even the project

    type_into(qtbot, line(dlg, "providers.pakasir.api_key"), NEW_KEY)
    assert dlg.error_text("providers.pakasir.api_key") == ""
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click(qtbot, dlg.save_button)
    assert blocker.args == [["payment.provider", "providers.pakasir.project",
                             "providers.pakasir.api_key"]]
    s = reloaded(data_dir)
    assert s.get("payment.provider") == "pakasir"
    assert s.get("providers.pakasir.api_key") == NEW_KEY
    assert s.missing_for_provider("pakasir") == []


def test_clearing_a_required_field_of_the_chosen_provider_is_refused(qtbot,
                                                                      data_dir: Path) -> None:
    configure_pakasir(data_dir)
    before = file_state(data_dir)
    dlg = open_dialog(qtbot, data_dir)
    line(dlg, "providers.pakasir.project").clear()
    click(qtbot, dlg.save_button)
    assert dlg.isVisible()
    assert dlg.error_text("providers.pakasir.project") == "Wajib diisi untuk Pakasir."
    assert file_state(data_dir) == before


def test_bad_value_in_a_hidden_box_is_named_with_its_box(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    choose(dlg, "payment.provider", "pakasir")
    type_into(qtbot, line(dlg, "providers.pakasir.project"), "warung sri")  # a space
    choose(dlg, "payment.provider", "simulator")
    click(qtbot, dlg.save_button)
    assert dlg.isVisible()
    assert dlg.error_text("providers.pakasir.project").startswith("Tidak valid: ")
    assert "Pembayaran \u203a Pakasir \u203a Proyek (slug)" in dlg.summary.text()
    assert file_state(data_dir) is None


def test_broken_qris_for_static_is_reported_once(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    choose(dlg, "payment.provider", "static")
    dlg.editor("payment.static_qris").setPlainText(  # type: ignore[attr-defined]
        DEMO_STATIC_QRIS[:-4] + "0000")
    click(qtbot, dlg.save_button)
    assert dlg.error_text("payment.static_qris").startswith("Tidak bisa disimpan")
    assert dlg.error_text("payment.provider") == ""
    assert file_state(data_dir) is None


def test_bad_stored_value_of_a_required_key_is_called_invalid(qtbot, data_dir: Path) -> None:
    configure_pakasir(data_dir)
    text = config_path(data_dir).read_text(encoding="utf-8")
    config_path(data_dir).write_text(text.replace('"warung-sri"', '"warung sri"'),
                                     encoding="utf-8")
    dlg = open_dialog(qtbot, data_dir)
    assert line(dlg, "providers.pakasir.project").text() == "warung sri"
    click(qtbot, dlg.save_button)
    assert dlg.isVisible()
    assert dlg.error_text("providers.pakasir.project").startswith("Tidak valid: ")


# --------------------------------------------------------------------------- secrets


def test_secrets_are_never_prefilled_and_empty_keeps_the_stored_one(qtbot,
                                                                     data_dir: Path) -> None:
    configure_pakasir(data_dir)
    dlg = open_dialog(qtbot, data_dir)
    api_key = line(dlg, "providers.pakasir.api_key")
    assert api_key.text() == ""
    assert api_key.placeholderText() == "(tersimpan \u2014 kosongkan untuk tetap)"
    assert line(dlg, "providers.orkut.api_key").placeholderText() == "(belum diisi)"
    assert_not_shown(dlg, STORED_KEY)
    assert dlg.pending_changes() == {}

    type_into(qtbot, line(dlg, "providers.pakasir.project"), "warung-baru")
    qtbot.keyClicks(api_key, "   ")  # blank is not a new key
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click(qtbot, dlg.save_button)
    assert blocker.args == [["providers.pakasir.project"]]
    s = reloaded(data_dir)
    assert s.get("providers.pakasir.api_key") == STORED_KEY
    assert s.get("providers.pakasir.project") == "warung-baru"


def test_typing_a_secret_replaces_it_and_it_is_not_shown_afterwards(qtbot,
                                                                    data_dir: Path) -> None:
    configure_pakasir(data_dir)
    dlg = open_dialog(qtbot, data_dir)
    api_key = line(dlg, "providers.pakasir.api_key")
    qtbot.keyClicks(api_key, NEW_KEY)
    assert api_key.displayText() != NEW_KEY  # masked while typing
    assert dlg.pending_changes() == {"providers.pakasir.api_key": "***"}

    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click(qtbot, dlg.save_button)

    assert blocker.args == [["providers.pakasir.api_key"]]
    assert reloaded(data_dir).get("providers.pakasir.api_key") == NEW_KEY
    assert api_key.text() == ""
    assert api_key.placeholderText() == "(tersimpan \u2014 kosongkan untuk tetap)"
    assert_not_shown(dlg, NEW_KEY, STORED_KEY)


def test_a_bad_secret_is_refused_without_quoting_it(qtbot, data_dir: Path) -> None:
    configure_pakasir(data_dir)
    dlg = open_dialog(qtbot, data_dir)
    qtbot.keyClicks(line(dlg, "providers.pakasir.api_key"), "pk with-SPACE-secret")
    click(qtbot, dlg.save_button)
    assert dlg.isVisible()
    error = dlg.error_text("providers.pakasir.api_key")
    assert error.startswith("Tidak valid: ")
    assert "SPACE" not in error and "SPACE" not in dlg.summary.text()
    assert reloaded(data_dir).get("providers.pakasir.api_key") == STORED_KEY


# --------------------------------------------------------------------------- Tes koneksi


def test_connection_success_uses_the_form_values(qtbot, data_dir: Path,
                                                 tasks: TaskManager) -> None:
    configure_pakasir(data_dir, provider=False)
    before = file_state(data_dir)
    factory = FakeFactory(lambda config: f"project {config['project']} ok, key {config['api_key']}")
    dlg = open_dialog(qtbot, data_dir, provider_factory=factory, tasks=tasks)
    choose(dlg, "payment.provider", "pakasir")
    type_into(qtbot, line(dlg, "providers.pakasir.project"), "toko-baru")
    qtbot.keyClicks(line(dlg, "providers.pakasir.api_key"), NEW_KEY)

    click(qtbot, dlg.test_button("pakasir"))
    qtbot.waitUntil(lambda: dlg.connection_status("pakasir").startswith("Terhubung"),
                    timeout=WAIT_MS)

    # The description quoted the key: it is masked.
    assert dlg.connection_status("pakasir") == "Terhubung: project toko-baru ok, key ***"
    assert factory.calls == [("pakasir", {"base_url": "https://app.pakasir.com",
                                          "project": "toko-baru", "api_key": NEW_KEY})]
    assert factory.threads and factory.threads[0] is not threading.main_thread()
    assert factory.built[0].closed
    assert not dlg.is_testing("pakasir") and dlg.test_button("pakasir").isEnabled()
    assert file_state(data_dir) == before  # testing writes nothing
    assert_not_shown(dlg, STORED_KEY)


def test_connection_uses_the_stored_secret_when_the_field_is_empty(
        qtbot, data_dir: Path, tasks: TaskManager) -> None:
    configure_pakasir(data_dir)
    factory = FakeFactory(lambda config: "ok")
    dlg = open_dialog(qtbot, data_dir, provider_factory=factory, tasks=tasks)
    click(qtbot, dlg.test_button("pakasir"))
    qtbot.waitUntil(lambda: dlg.connection_status("pakasir") == "Terhubung: ok", timeout=WAIT_MS)
    assert factory.calls[0][1]["api_key"] == STORED_KEY


@pytest.mark.parametrize(("error", "expected"), [
    (AuthExpired("pakasir: HTTP 401 for api_key=" + STORED_KEY),
     "Kredensial ditolak \u2014 periksa kunci/token atau login ulang"),
    (TransientError("pakasir: connection refused"),
     "Tidak bisa terhubung (jaringan/server): pakasir: connection refused"),
    (TransientError(f"GET https://app.pakasir.com/api/x?api_key={STORED_KEY} timed out"),
     ("Tidak bisa terhubung (jaringan/server): GET https://app.pakasir.com/api/x?api_key=*** "
      "timed out")),
    (Rejected("pakasir connection test: refused (HTTP 403)"),
     "Jawaban server tidak sesuai: pakasir connection test: refused (HTTP 403)"),
    (BadResponse("pakasir connection test: unexpected answer (HTTP 200)"),
     "Jawaban server tidak sesuai: pakasir connection test: unexpected answer (HTTP 200)"),
    (ConfigMissing("pakasir", ["providers.pakasir.project", "providers.pakasir.api_key"]),
     "Lengkapi: Proyek (slug), Kunci API"),
    (RuntimeError("boom"), "Kesalahan tak terduga (RuntimeError): boom"),
])
def test_connection_failures_in_indonesian(qtbot, data_dir: Path, tasks: TaskManager,
                                           error: BaseException, expected: str) -> None:
    configure_pakasir(data_dir)
    factory = FakeFactory(raises(error))
    dlg = open_dialog(qtbot, data_dir, provider_factory=factory, tasks=tasks)
    click(qtbot, dlg.test_button("pakasir"))
    qtbot.waitUntil(lambda: dlg.connection_status("pakasir") not in ("", "Menguji\u2026"),
                    timeout=WAIT_MS)
    assert dlg.connection_status("pakasir") == expected
    status = dlg.findChild(QLabel, "testStatus.pakasir")
    assert status is not None and "b00020" in status.styleSheet()  # red
    assert_not_shown(dlg, STORED_KEY)


def test_connection_test_keeps_the_dialog_responsive(qtbot, data_dir: Path,
                                                     tasks: TaskManager) -> None:
    configure_pakasir(data_dir)
    release = threading.Event()
    entered = threading.Event()
    gave_up = threading.Event()

    def blocking(_config: Mapping[str, Any]) -> str:
        entered.set()
        if not release.wait(2 * WAIT_S):
            gave_up.set()
            raise TransientError("the test never released the gate")
        return "credentials accepted"

    factory = FakeFactory(blocking)
    dlg = open_dialog(qtbot, data_dir, provider_factory=factory, tasks=tasks)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    try:
        click(qtbot, dlg.test_button("pakasir"))
        assert entered.wait(WAIT_S), "test_connection was never called"
        assert dlg.is_testing("pakasir")
        assert dlg.connection_status("pakasir") == "Menguji\u2026"
        assert not dlg.test_button("pakasir").isEnabled()

        before = len(ticks)
        # The 10 ms timer keeps ticking while test_connection is still blocked on the worker.
        qt_wait_for(qtbot, lambda: len(ticks) - before >= 5,
                    "5 ticks of a 10 ms GUI timer while the connection test is running")
        assert not gave_up.is_set(), "the GUI thread is blocked"
        dlg.tabs.setCurrentIndex(0)
        type_into(qtbot, line(dlg, "store.name"), "Warung Tetap Jalan")
        assert line(dlg, "store.name").text() == "Warung Tetap Jalan"
        assert dlg.is_testing("pakasir")
    finally:
        release.set()
        timer.stop()
    qtbot.waitUntil(lambda: dlg.connection_status("pakasir") == "Terhubung: credentials accepted",
                    timeout=WAIT_MS)
    assert factory.threads[0] is not threading.main_thread()
    assert not dlg.is_testing("pakasir")


def test_editing_the_box_during_a_test_drops_its_answer(qtbot, data_dir: Path,
                                                        tasks: TaskManager) -> None:
    configure_pakasir(data_dir)
    release = threading.Event()
    factory = FakeFactory(lambda _c: "ok" if release.wait(2 * WAIT_S) else "timeout")
    dlg = open_dialog(qtbot, data_dir, provider_factory=factory, tasks=tasks)
    try:
        click(qtbot, dlg.test_button("pakasir"))
        qtbot.waitUntil(lambda: len(factory.calls) == 1, timeout=WAIT_MS)
        type_into(qtbot, line(dlg, "providers.pakasir.project"), "proyek-lain")
        assert dlg.connection_status("pakasir") == "" and not dlg.is_testing("pakasir")
        assert dlg.test_button("pakasir").isEnabled()
    finally:
        release.set()
    qtbot.waitUntil(lambda: tasks.pending == 0, timeout=WAIT_MS)
    qtbot.wait(50)
    assert dlg.connection_status("pakasir") == ""  # the answer was about the old project


def test_connection_test_checks_the_form_first(qtbot, data_dir: Path,
                                               tasks: TaskManager) -> None:
    factory = FakeFactory(lambda _c: "ok")
    dlg = open_dialog(qtbot, data_dir, provider_factory=factory, tasks=tasks)
    choose(dlg, "payment.provider", "pakasir")
    type_into(qtbot, line(dlg, "providers.pakasir.project"), "warung-sri")
    click(qtbot, dlg.test_button("pakasir"))
    assert dlg.connection_status("pakasir") == "Lengkapi: Kunci API"

    type_into(qtbot, line(dlg, "providers.pakasir.project"), "warung sri")
    qtbot.keyClicks(line(dlg, "providers.pakasir.api_key"), NEW_KEY)
    click(qtbot, dlg.test_button("pakasir"))
    assert dlg.connection_status("pakasir") == "Periksa isian yang ditandai merah."
    assert dlg.error_text("providers.pakasir.project").startswith("Tidak valid: ")
    assert factory.calls == []
    assert file_state(data_dir) is None


def test_connection_test_with_the_dialogs_own_tasks(qtbot, data_dir: Path) -> None:
    configure_pakasir(data_dir)
    factory = FakeFactory(lambda _c: "ok")
    dlg = open_dialog(qtbot, data_dir, provider_factory=factory)  # tasks=None: its own
    click(qtbot, dlg.test_button("pakasir"))
    qtbot.waitUntil(lambda: dlg.connection_status("pakasir") == "Terhubung: ok", timeout=WAIT_MS)
    assert factory.threads[0] is not threading.main_thread()


# --------------------------------------------------------------------------- login buttons


def test_login_buttons_and_needs_login_state(qtbot, data_dir: Path) -> None:
    s = Settings.load(data_dir)
    s.set("providers.orderkuota.username", "warungsri")
    s.set("providers.orderkuota.token", TOKEN)
    dlg = open_dialog(qtbot, data_dir, provider_states={"orderkuota": "ok", "orkut": "ok"})
    choose(dlg, "payment.provider", "orkut")
    assert dlg.login_button("orkut").text() == "Login\u2026"
    assert dlg.login_button("orkut").isVisible()
    assert dlg.login_state("orkut") == "Perlu login"  # no token stored
    choose(dlg, "payment.provider", "orderkuota")
    assert dlg.login_state("orderkuota") == ""  # token stored, state ok
    choose(dlg, "payment.provider", "soundbox_platform")
    assert dlg.login_button("soundbox_platform").text() == "Aktivasi\u2026"
    assert dlg.login_state("soundbox_platform") == "Perlu aktivasi"
    assert_not_shown(dlg, TOKEN)

    expired = open_dialog(qtbot, data_dir, provider_states={"orderkuota": "needs_login"})
    choose(expired, "payment.provider", "orderkuota")
    assert expired.login_state("orderkuota") == "Perlu login"


def test_login_from_settings_uses_the_form_and_reports_saved_keys(
        qtbot, data_dir: Path, tasks: TaskManager) -> None:
    flow = FakeFlow()
    flows = FlowFactory(flow)
    dlg = open_dialog(qtbot, data_dir, flow_factory=flows, tasks=tasks)
    choose(dlg, "payment.provider", "orkut")
    qtbot.keyClicks(line(dlg, "providers.orkut.api_key"), ORKUT_API_KEY)  # typed, not saved

    click(qtbot, dlg.login_button("orkut"))
    login = dlg.login_dialog
    assert isinstance(login, LoginDialog) and login.isVisible()
    type_into(qtbot, login.username_edit, "warungsri")
    qtbot.keyClicks(login.password_edit, "rahasia")
    click(qtbot, login.primary_button)
    qtbot.waitUntil(lambda: login.current_step() == "otp", timeout=WAIT_MS)
    qtbot.keyClicks(login.otp_edit, "123456")
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click(qtbot, login.primary_button)

    assert blocker.args == [["providers.orkut.username", "providers.orkut.token"]]
    assert flows.calls[0][0] == "orkut"
    assert flows.calls[0][1]["api_key"] == ORKUT_API_KEY  # the form's value
    assert dlg.login_state("orkut") == "Login berhasil"
    assert line(dlg, "providers.orkut.username").text() == "warungsri"
    token = line(dlg, "providers.orkut.token")
    assert token.text() == "" and token.placeholderText().startswith("(tersimpan")
    s = reloaded(data_dir)
    assert s.get("providers.orkut.token") == TOKEN
    assert not s.is_set("providers.orkut.api_key")  # written by Simpan, not by the login
    assert_not_shown(dlg, TOKEN)
    assert line(dlg, "providers.orkut.api_key").displayText() != ORKUT_API_KEY  # still masked

    # The rest of the form still saves; the username is not written a second time.
    type_into(qtbot, line(dlg, "providers.orkut.merchant"), "OK1234567")
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click(qtbot, dlg.save_button)
    assert blocker.args == [["payment.provider", "providers.orkut.api_key",
                             "providers.orkut.merchant"]]
    assert reloaded(data_dir).missing_for_provider("orkut") == []
    assert_not_shown(dlg, TOKEN, ORKUT_API_KEY)  # the typed key left its field once written


# --------------------------------------------------------------------------- LoginDialog


def open_login(qtbot, data_dir: Path, provider: str = "orkut", **kwargs: Any) -> LoginDialog:
    dlg = LoginDialog(Settings.load(data_dir), provider, **kwargs)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg, timeout=WAIT_MS)
    return dlg


def test_login_happy_path_stores_the_token(qtbot, data_dir: Path, tasks: TaskManager) -> None:
    Settings.load(data_dir).set("providers.orkut.api_key", ORKUT_API_KEY)
    flow = FakeFlow()
    flows = FlowFactory(flow)
    dlg = open_login(qtbot, data_dir, flow_factory=flows, tasks=tasks)
    assert dlg.windowTitle() == "Login Orkut (OrderKuota mutasi)"
    assert dlg.primary_button.text() == "Kirim OTP"
    assert dlg.password_edit.echoMode() == QLineEdit.EchoMode.Password

    type_into(qtbot, dlg.username_edit, "warungsri")
    qtbot.keyClicks(dlg.password_edit, "rahasia")
    click(qtbot, dlg.primary_button)
    qtbot.waitUntil(lambda: dlg.current_step() == "otp", timeout=WAIT_MS)
    assert dlg.sent_label.text() == "Kode OTP dikirim ke w***@gmail.com"
    assert dlg.primary_button.text() == "Masuk"
    assert flows.calls[0][1]["api_key"] == ORKUT_API_KEY  # stored config by default

    qtbot.keyClicks(dlg.otp_edit, "123456")
    with qtbot.waitSignal(dlg.loggedIn, timeout=WAIT_MS) as blocker:
        click(qtbot, dlg.primary_button)

    assert blocker.args == ["orkut"]
    assert dlg.result() == QDialog.DialogCode.Accepted and not dlg.isVisible()
    assert flow.requests == [("warungsri", "rahasia")]
    assert flow.verifies == [("warungsri", "123456")]
    assert all(t is not threading.main_thread() for t in flow.threads)
    assert dlg.written == ["providers.orkut.username", "providers.orkut.token"]
    s = reloaded(data_dir)
    assert s.get("providers.orkut.token") == TOKEN
    assert s.get("providers.orkut.username") == "warungsri"
    assert_not_shown(dlg, TOKEN, "rahasia")


def test_wrong_password_keeps_the_username_and_clears_the_password(
        qtbot, data_dir: Path, tasks: TaskManager) -> None:
    flow = FakeFlow(password="benar")
    dlg = open_login(qtbot, data_dir, flow_factory=FlowFactory(flow), tasks=tasks,
                     config={"base_url": "https://orkut.example", "api_key": ORKUT_API_KEY})
    type_into(qtbot, dlg.username_edit, "warungsri")
    qtbot.keyClicks(dlg.password_edit, "salah-banget")

    with qtbot.assertNotEmitted(dlg.loggedIn):
        click(qtbot, dlg.primary_button)
        qtbot.waitUntil(lambda: dlg.error_text() != "", timeout=WAIT_MS)

    assert dlg.error_text() == "Username atau password salah"
    assert dlg.detail_text() == "orkut: username or password wrong"  # small, English
    assert dlg.current_step() == "credentials"
    assert dlg.username_edit.text() == "warungsri"
    assert dlg.password_edit.text() == ""
    assert dlg.focusWidget() is dlg.password_edit
    assert dlg.primary_button.isEnabled() and not dlg.is_busy()
    assert_not_shown(dlg, "salah-banget", ORKUT_API_KEY)
    assert file_state(data_dir) is None

    # Typing again clears the message; the right password goes on to the OTP.
    qtbot.keyClicks(dlg.password_edit, "benar")
    assert dlg.error_text() == ""
    click(qtbot, dlg.primary_button)
    qtbot.waitUntil(lambda: dlg.current_step() == "otp", timeout=WAIT_MS)


def test_wrong_otp_clears_it_and_a_second_try_works(qtbot, data_dir: Path,
                                                    tasks: TaskManager) -> None:
    flow = FakeFlow()
    dlg = open_login(qtbot, data_dir, "orderkuota", flow_factory=FlowFactory(flow), tasks=tasks)
    assert dlg.windowTitle() == "Login Order Kuota"
    type_into(qtbot, dlg.username_edit, "warungsri")
    qtbot.keyClicks(dlg.password_edit, "rahasia")
    click(qtbot, dlg.primary_button)
    qtbot.waitUntil(lambda: dlg.current_step() == "otp", timeout=WAIT_MS)

    qtbot.keyClicks(dlg.otp_edit, "999999")
    click(qtbot, dlg.primary_button)
    qtbot.waitUntil(lambda: dlg.error_text() != "", timeout=WAIT_MS)
    assert dlg.error_text() == "Kode OTP salah"
    assert dlg.detail_text() == "orkut: OTP was wrong"
    assert dlg.current_step() == "otp"
    assert dlg.otp_edit.text() == "" and dlg.focusWidget() is dlg.otp_edit
    assert not reloaded(data_dir).is_set("providers.orderkuota.token")

    qtbot.keyClicks(dlg.otp_edit, "123456")
    with qtbot.waitSignal(dlg.loggedIn, timeout=WAIT_MS):
        click(qtbot, dlg.primary_button)
    s = reloaded(data_dir)
    assert s.get("providers.orderkuota.token") == TOKEN
    assert s.get("providers.orderkuota.username") == "warungsri"


def test_network_trouble_during_login_keeps_what_was_typed(qtbot, data_dir: Path,
                                                           tasks: TaskManager) -> None:
    flow = FakeFlow(request_error=TransientError("orkut: connection timed out"))
    dlg = open_login(qtbot, data_dir, flow_factory=FlowFactory(flow), tasks=tasks,
                     config={"base_url": "https://orkut.example", "api_key": ORKUT_API_KEY})
    type_into(qtbot, dlg.username_edit, "warungsri")
    qtbot.keyClicks(dlg.password_edit, "rahasia")
    click(qtbot, dlg.primary_button)
    qtbot.waitUntil(lambda: dlg.error_text() != "", timeout=WAIT_MS)
    assert dlg.error_text() == ("Tidak bisa terhubung (jaringan/server): "
                                "orkut: connection timed out")
    assert dlg.password_edit.text() == "rahasia"  # it may well be right


def test_activation_mode_stores_the_device_token(qtbot, data_dir: Path,
                                                 tasks: TaskManager) -> None:
    Settings.load(data_dir).set("providers.soundbox_platform.base_url", "https://sb.example")
    calls: list[tuple[str, str, str]] = []
    threads: list[threading.Thread] = []

    def activate(base_url: str, device_id: str, code: str) -> SimpleNamespace:
        threads.append(threading.current_thread())
        calls.append((base_url, device_id, code))
        if code != "ACT-123456":
            raise LoginFailed("soundbox_platform: activation code refused")
        return SimpleNamespace(device_token=DEVICE_TOKEN, terminal_id="T-0001")

    dlg = open_login(qtbot, data_dir, "soundbox_platform", activate_fn=activate, tasks=tasks)
    assert dlg.mode == "activation"
    assert dlg.windowTitle() == "Aktivasi Platform Soundbox QRIS"
    assert dlg.primary_button.text() == "Aktifkan"
    type_into(qtbot, dlg.device_edit, "SB-42")
    qtbot.keyClicks(dlg.code_edit, "WRONG-CODE")
    click(qtbot, dlg.primary_button)
    qtbot.waitUntil(lambda: dlg.error_text() != "", timeout=WAIT_MS)
    assert dlg.error_text() == "Kode aktivasi ditolak"
    assert dlg.code_edit.text() == "" and dlg.device_edit.text() == "SB-42"
    assert dlg.focusWidget() is dlg.code_edit

    qtbot.keyClicks(dlg.code_edit, "ACT-123456")
    with qtbot.waitSignal(dlg.loggedIn, timeout=WAIT_MS) as blocker:
        click(qtbot, dlg.primary_button)
    assert blocker.args == ["soundbox_platform"]
    assert calls[-1] == ("https://sb.example", "SB-42", "ACT-123456")
    assert all(t is not threading.main_thread() for t in threads)
    assert dlg.written == ["providers.soundbox_platform.device_id",
                           "providers.soundbox_platform.device_token",
                           "providers.soundbox_platform.terminal_id"]
    s = reloaded(data_dir)
    assert s.get("providers.soundbox_platform.device_token") == DEVICE_TOKEN
    assert s.get("providers.soundbox_platform.terminal_id") == "T-0001"
    assert s.get("providers.soundbox_platform.device_id") == "SB-42"
    assert s.missing_for_provider("soundbox_platform") == []
    assert_not_shown(dlg, DEVICE_TOKEN)


def test_activation_from_settings_refreshes_the_box(qtbot, data_dir: Path,
                                                   tasks: TaskManager) -> None:
    def activate(base_url: str, device_id: str, code: str) -> SimpleNamespace:
        assert base_url == "https://sb.example"  # typed in the form, not saved
        return SimpleNamespace(device_token=DEVICE_TOKEN, terminal_id="T-0009")

    dlg = open_dialog(qtbot, data_dir, activate_fn=activate, tasks=tasks)
    choose(dlg, "payment.provider", "soundbox_platform")
    type_into(qtbot, line(dlg, "providers.soundbox_platform.base_url"), "https://sb.example")
    click(qtbot, dlg.save_button)  # not activated yet: refused next to the token
    assert dlg.error_text("providers.soundbox_platform.device_token").startswith(
        "Belum diaktifkan")

    click(qtbot, dlg.login_button("soundbox_platform"))
    login = dlg.login_dialog
    assert login is not None and login.mode == "activation"
    type_into(qtbot, login.device_edit, "SB-7")
    qtbot.keyClicks(login.code_edit, "ACT-1")
    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click(qtbot, login.primary_button)
    assert blocker.args == [["providers.soundbox_platform.device_id",
                             "providers.soundbox_platform.device_token",
                             "providers.soundbox_platform.terminal_id"]]
    assert line(dlg, "providers.soundbox_platform.device_id").text() == "SB-7"
    assert line(dlg, "providers.soundbox_platform.terminal_id").text() == "T-0009"
    assert dlg.error_text("providers.soundbox_platform.device_token") == ""
    assert dlg.login_state("soundbox_platform") == "Aktivasi berhasil"
    assert_not_shown(dlg, DEVICE_TOKEN)

    with qtbot.waitSignal(dlg.saved, timeout=WAIT_MS) as blocker:
        click(qtbot, dlg.save_button)
    assert blocker.args == [["payment.provider", "providers.soundbox_platform.base_url"]]
    assert reloaded(data_dir).missing_for_provider("soundbox_platform") == []


def test_activation_needs_the_base_url_first(qtbot, data_dir: Path, tasks: TaskManager) -> None:
    called: list[str] = []
    dlg = open_login(qtbot, data_dir, "soundbox_platform", tasks=tasks,
                     activate_fn=lambda *a: called.append("x"))
    type_into(qtbot, dlg.device_edit, "SB-42")
    qtbot.keyClicks(dlg.code_edit, "ACT-123456")
    click(qtbot, dlg.primary_button)
    assert dlg.error_text() == "Lengkapi: Alamat server (URL)"
    assert called == []


def test_login_dialog_refuses_providers_without_a_login(qtbot, data_dir: Path) -> None:
    with pytest.raises(ValueError):
        LoginDialog(Settings.load(data_dir), "pakasir")


# --------------------------------------------------------------------------- layout, language


def test_touch_targets(qtbot, data_dir: Path) -> None:
    dlg = open_dialog(qtbot, data_dir)
    for key in KEYS:
        if key.startswith("providers.") or key in ("payment.mutasi_source",
                                                   "payment.unique_code"):
            assert dlg.editor(key).minimumHeight() >= 40, key
    for name in ("orderkuota", "orkut", "midtrans", "pakasir", "soundbox_platform"):
        assert dlg.test_button(name).minimumHeight() >= 40
    for name in ("orderkuota", "orkut", "soundbox_platform"):
        assert dlg.login_button(name).minimumHeight() >= 40
    login = open_login(qtbot, data_dir)
    for widget in (login.username_edit, login.password_edit, login.otp_edit,
                   login.primary_button, login.cancel_button, login.back_button):
        assert widget.minimumHeight() >= 40
    assert login.sizeHint().width() <= 1366 and login.sizeHint().height() <= 700


def test_english_texts(qtbot, data_dir: Path, tasks: TaskManager) -> None:
    i18n.set_language("en")
    configure_pakasir(data_dir)
    factory = FakeFactory(raises(AuthExpired("401")))
    dlg = open_dialog(qtbot, data_dir, provider_factory=factory, tasks=tasks)
    assert dlg.test_button("pakasir").text() == "Test connection"
    assert line(dlg, "providers.pakasir.api_key").placeholderText() == (
        "(stored \u2014 leave empty to keep)")
    click(qtbot, dlg.test_button("pakasir"))
    qtbot.waitUntil(lambda: dlg.connection_status("pakasir").startswith("Credentials"),
                    timeout=WAIT_MS)
    login = open_login(qtbot, data_dir)
    assert login.primary_button.text() == "Send OTP"


def test_every_login_dialog_tr_literal_has_an_english_entry() -> None:
    tree = ast.parse(Path(login_module.__file__).read_text(encoding="utf-8"))
    literals = [
        node.args[0].value for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        and node.func.id == "tr" and node.args and isinstance(node.args[0], ast.Constant)
    ]
    literals += list(login_module.PAYMENT_KEY_LABELS.values())
    for info in PROVIDERS.values():  # the provider names and field labels shown
        literals += list(info.ui_texts())
    assert len(literals) > 30
    catalogue = i18n.english_catalogue()
    assert sorted({t for t in literals if t not in catalogue}) == []
