"""Tests for the configuration layer: pos_app.paths, pos_app.settings and pos_app.secrets."""

from __future__ import annotations

import io
import logging
import os
import stat
import sys
import tomllib
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend

from pos_app import paths
from pos_app.secrets import (
    FileSecretStore,
    KeyringSecretStore,
    SecretRedactingFilter,
    clear_registered_secrets,
    default_secret_store,
    keyring_is_usable,
    redact,
    register_secret,
)
from pos_app.settings import KEYS, PROVIDERS, Settings, SettingsError
from sync.providers import PROVIDERS as PROVIDER_INFO

POSIX = os.name == "posix"
SPEC_PROVIDERS = {"simulator", "static", "orderkuota", "orkut", "midtrans", "pakasir",
                  "soundbox_platform"}
SPEC_KEYS = {
    "store.name", "store.address", "store.timezone", "store.terminal_id",
    "payment.provider", "payment.invoice_ttl_s", "payment.late_watch_s",
    "payment.static_qris", "payment.mutasi_source", "payment.unique_code",
    "providers.orderkuota.base_url", "providers.orderkuota.username",
    "providers.orderkuota.token",
    "providers.orkut.base_url", "providers.orkut.api_key", "providers.orkut.username",
    "providers.orkut.token", "providers.orkut.merchant", "providers.orkut.merchant_id",
    "providers.midtrans.base_url", "providers.midtrans.app_code", "providers.midtrans.api_key",
    "providers.pakasir.base_url", "providers.pakasir.project", "providers.pakasir.api_key",
    "providers.soundbox_platform.base_url", "providers.soundbox_platform.device_id",
    "providers.soundbox_platform.device_token", "providers.soundbox_platform.terminal_id",
    "simulator.pay_after_s", "hardware.soundbox.port", "hardware.speaker",
}


# --------------------------------------------------------------------------- fixtures


class MemoryKeyring(KeyringBackend):
    """A real (in-memory) keyring backend, so no test touches the machine's keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError(username)
        del self.store[(service, username)]


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("POS_APP_SECRET_BACKEND", "file")
    monkeypatch.delenv("POS_APP_DATA_DIR", raising=False)
    clear_registered_secrets()
    yield
    clear_registered_secrets()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir(mode=0o700)
    return path


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings.load(data_dir)


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv("POS_APP_SECRET_BACKEND", "keyring")
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def toml_of(data_dir: Path) -> dict[str, Any]:
    return tomllib.loads((data_dir / "config.toml").read_text(encoding="utf-8"))


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --------------------------------------------------------------------------- registry


def test_registry_has_exactly_the_spec_keys_plus_ui_tax_and_devices() -> None:
    extra = {"ui.language", "ui.customer_display_screen", "tax.mode", "tax.rate_percent",
             # issue 11: the devices (soundbox discovery and volume, printer) and the receipt
             "hardware.soundbox.usb_ids", "hardware.soundbox.volume",
             "hardware.announce_language", "hardware.printer.connection",
             "hardware.printer.address", "hardware.printer.width_mm",
             "hardware.printer.cash_drawer", "hardware.printer.auto_print",
             "store.receipt_footer",
             # issue 12: backups
             "backup.second_folder", "staff.discount_limit_percent",
             # issue 13: how far the first-run guide got
             "setup.first_run_step",
             # issue 14: the central store (docs/central.md)
             "central.url", "central.outlet", "central.user", "central.password"}
    # A back-end added after SPEC.md brings its own providers.<name>.* keys, and only those.
    added = {info.key(f.leaf) for name, info in PROVIDER_INFO.items()
             if name not in SPEC_PROVIDERS for f in info.fields}
    assert set(KEYS) == SPEC_KEYS | extra | added
    secrets = {name for name, key in KEYS.items()
               if key.secret and name.split(".")[1] in SPEC_PROVIDERS}
    assert secrets == {
        "providers.orderkuota.token", "providers.orkut.api_key", "providers.orkut.token",
        "providers.midtrans.api_key", "providers.pakasir.api_key",
        "providers.soundbox_platform.device_token",
    }
    assert set(PROVIDER_INFO) == set(PROVIDERS)
    for info in PROVIDER_INFO.values():  # a description's required keys are real keys
        assert set(info.required_keys) <= set(KEYS) and set(info.keys) <= set(KEYS)


@pytest.mark.parametrize("name", list(KEYS))
def test_every_default_parses_and_is_canonical(name: str) -> None:
    key = KEYS[name]
    assert key.to_text(key.default_value) == key.default
    assert key.help and key.help[0].isupper()


def test_defaults_when_nothing_is_configured(settings: Settings, data_dir: Path) -> None:
    assert settings.get("store.name") == "Warung Demo"
    assert settings.get("store.timezone") == "Asia/Jakarta"
    assert settings.get("store.terminal_id") == "K1"
    assert settings.get("payment.provider") == "simulator"
    assert settings.get("payment.invoice_ttl_s") == 600
    assert settings.get("payment.late_watch_s") == 1800
    assert settings.get("payment.unique_code") == "add"
    assert settings.get("payment.mutasi_source") == ""
    assert settings.get("simulator.pay_after_s") == 3.0
    assert settings.get("hardware.soundbox.port") == "auto"
    assert settings.get("hardware.speaker") is True
    assert settings.get("tax.rate_percent") == 1100
    assert settings.get("providers.pakasir.base_url") == "https://app.pakasir.com"
    assert settings.get("providers.midtrans.base_url") == ""
    assert settings.get("providers.orkut.token") == ""
    assert settings.is_demo()
    assert not settings.is_set("store.name")
    assert settings.get_raw("store.name") is None
    assert not (data_dir / "config.toml").exists()  # reading never creates the file
    assert settings.timezone().key == "Asia/Jakarta"


# (key, text typed by the user, typed value, display text, how it is stored in the TOML)
ROUND_TRIPS = [
    ("store.name", "  Toko Maju Jaya ", "Toko Maju Jaya", "Toko Maju Jaya", "Toko Maju Jaya"),
    ("store.address", "Jl. Merdeka 1, Bandung", "Jl. Merdeka 1, Bandung",
     "Jl. Merdeka 1, Bandung", "Jl. Merdeka 1, Bandung"),
    ("store.timezone", "Asia/Makassar", "Asia/Makassar", "Asia/Makassar", "Asia/Makassar"),
    ("store.timezone", "WIT", "Asia/Jayapura", "Asia/Jayapura", "Asia/Jayapura"),
    ("store.terminal_id", "k2", "K2", "K2", "K2"),
    ("payment.provider", "Pakasir", "pakasir", "pakasir", "pakasir"),
    ("payment.invoice_ttl_s", "900", 900, "900", 900),
    ("payment.late_watch_s", "0", 0, "0", 0),
    ("payment.mutasi_source", "orkut", "orkut", "orkut", "orkut"),
    ("payment.mutasi_source", "manual", "", "", ""),
    ("payment.unique_code", "subtract", "subtract", "subtract", "subtract"),
    ("providers.midtrans.base_url", "http://192.168.1.10:5000/", "http://192.168.1.10:5000",
     "http://192.168.1.10:5000", "http://192.168.1.10:5000"),
    ("providers.orkut.merchant", "OK1234567", "OK1234567", "OK1234567", "OK1234567"),
    ("providers.soundbox_platform.terminal_id", "term_001", "term_001", "term_001", "term_001"),
    ("simulator.pay_after_s", "2.5", 2.5, "2.5", "2.5"),
    ("simulator.pay_after_s", "0", 0.0, "0", "0"),
    ("simulator.pay_after_s", "Never", None, "never", "never"),
    ("hardware.soundbox.port", "/dev/ttyACM0", "/dev/ttyACM0", "/dev/ttyACM0", "/dev/ttyACM0"),
    ("hardware.soundbox.port", "com3", "COM3", "COM3", "COM3"),
    ("hardware.soundbox.port", "OFF", "off", "off", "off"),
    ("hardware.speaker", "off", False, "off", "off"),
    ("hardware.speaker", "yes", True, "on", "on"),
    ("ui.language", "en", "en", "en", "en"),
    ("ui.customer_display_screen", "1", 1, "1", 1),
    ("ui.customer_display_screen", "auto", -1, "-1", -1),
    ("tax.mode", "included", "included", "included", "included"),
    ("tax.rate_percent", "11,5", 1150, "11.5", "11.5"),
    ("tax.rate_percent", "0", 0, "0", "0"),
    ("tax.rate_percent", "100", 10000, "100", "100"),
    ("tax.rate_percent", "12.25%", 1225, "12.25", "12.25"),
]


@pytest.mark.parametrize(("name", "text", "typed", "shown", "stored"), ROUND_TRIPS)
def test_set_get_round_trip(data_dir: Path, name: str, text: str, typed: Any, shown: str,
                            stored: Any) -> None:
    settings = Settings.load(data_dir)
    settings.set(name, text)
    assert settings.get(name) == typed
    assert settings.display(name) == shown
    assert settings.is_set(name)
    # persisted, with the right TOML type (ints as integers, decimals never as floats)
    reloaded = Settings.load(data_dir)
    assert reloaded.get(name) == typed
    assert type(reloaded.get(name)) is type(typed)
    node: Any = toml_of(data_dir)
    for part in name.split("."):
        node = node[part]
    assert node == stored and type(node) is type(stored)


def test_set_accepts_python_values_from_the_dialog(settings: Settings) -> None:
    settings.set("payment.invoice_ttl_s", 120)
    settings.set("hardware.speaker", False)
    settings.set("simulator.pay_after_s", 1.5)
    assert settings.get("payment.invoice_ttl_s") == 120
    assert settings.get("hardware.speaker") is False
    assert settings.get("simulator.pay_after_s") == 1.5


def test_unset_restores_the_default_and_prunes_tables(settings: Settings, data_dir: Path) -> None:
    settings.set("store.name", "Toko A")
    settings.set("hardware.soundbox.port", "COM4")
    settings.unset("hardware.soundbox.port")
    assert settings.get("hardware.soundbox.port") == "auto"
    assert "hardware" not in toml_of(data_dir)
    settings.unset("store.name")
    assert settings.get("store.name") == "Warung Demo"
    settings.unset("store.name")  # idempotent


def test_keys_are_case_insensitive(settings: Settings) -> None:
    settings.set(" Store.Terminal_ID ", "k9")
    assert settings.get("store.terminal_id") == "K9"


# --------------------------------------------------------------------------- errors


def test_unknown_key_suggests_the_nearest(settings: Settings) -> None:
    with pytest.raises(SettingsError) as info:
        settings.set("store.nmae", "x")
    assert str(info.value) == "unknown key 'store.nmae' (did you mean 'store.name'?)"
    with pytest.raises(SettingsError, match=r"did you mean 'providers.orkut.api_key'"):
        settings.get("providers.orkut.apikey")
    with pytest.raises(SettingsError, match=r"^unknown key 'frobnicate' \(keys start with "):
        settings.display("frobnicate")
    with pytest.raises(SettingsError, match=r"keys in it: providers.pakasir.base_url"):
        settings.get("providers.pakasir")


BAD_VALUES = [
    ("payment.provider", "foo", "payment.provider: 'foo' is not one of simulator, static, "
     "orderkuota, orkut, midtrans, pakasir, soundbox_platform"),
    ("payment.unique_code", "both", "payment.unique_code: 'both' is not one of add, subtract, off"),
    ("payment.mutasi_source", "bca", "payment.mutasi_source: 'bca' is not one of orderkuota, "
     "orkut or empty"),
    ("payment.invoice_ttl_s", "ten", "payment.invoice_ttl_s: 'ten' is not a whole number"),
    ("payment.invoice_ttl_s", "1_000", "payment.invoice_ttl_s: '1_000' is not a whole number"),
    ("payment.invoice_ttl_s", "10", "payment.invoice_ttl_s: must be from 15 to 86400 (got 10)"),
    ("payment.late_watch_s", "-1", "payment.late_watch_s: must be from 0 to 604800 (got -1)"),
    ("providers.pakasir.base_url", "ftp://app.pakasir.com",
     "providers.pakasir.base_url: 'ftp://app.pakasir.com' must be an http:// or https:// URL"),
    ("providers.pakasir.base_url", "app.pakasir.com", "must be an http:// or https:// URL"),
    ("providers.pakasir.base_url", "https://", "has no host name"),
    ("providers.pakasir.base_url", "https://x.com/api?api_key=1", "without ?query"),
    ("providers.midtrans.base_url", "http://host:99999", "has an invalid port"),
    ("store.timezone", "Asia/Jakrta", "store.timezone: 'Asia/Jakrta' is not a known time zone"),
    ("store.timezone", "Asia", "is not a known time zone"),
    ("store.timezone", "../../etc/passwd", "is not a known time zone"),
    ("store.terminal_id", "K-1", "store.terminal_id: 'K-1' must be 1 to 8 letters A-Z or digits"),
    ("store.terminal_id", "KASIR0001", "must be 1 to 8 letters"),
    ("store.terminal_id", "", "must be 1 to 8 letters"),
    ("store.name", "   ", "store.name: must not be empty"),
    ("store.name", "Toko\nMaju", "must be a single line"),
    ("simulator.pay_after_s", "-1", "simulator.pay_after_s: '-1' must be a number of seconds"),
    ("simulator.pay_after_s", "inf", "must be a number of seconds"),
    ("simulator.pay_after_s", "100000", "must be at most 86400 seconds"),
    ("hardware.soundbox.port", "ttyACM0", "hardware.soundbox.port: 'ttyACM0' is not 'auto', 'off'"),
    ("hardware.speaker", "loud", "hardware.speaker: 'loud' is not one of on, off"),
    ("ui.language", "fr", "ui.language: 'fr' is not one of id, en"),
    ("ui.customer_display_screen", "99", "must be from -1 to 15"),
    ("tax.mode", "vat", "tax.mode: 'vat' is not one of off, included, added"),
    ("tax.rate_percent", "101", "tax.rate_percent: must be from 0 to 100"),
    ("tax.rate_percent", "11.555", "at most 2 decimals"),
    ("tax.rate_percent", "sebelas", "must be a percentage"),
    ("payment.static_qris", "hello", "payment.static_qris: "),
]


@pytest.mark.parametrize(("name", "text", "message"), BAD_VALUES)
def test_bad_values_raise_one_clear_line(data_dir: Path, name: str, text: str,
                                         message: str) -> None:
    settings = Settings.load(data_dir)
    settings.set("store.address", "Jl. A")  # some unrelated content that must survive
    before = (data_dir / "config.toml").read_bytes()
    with pytest.raises(SettingsError) as info:
        settings.set(name, text)
    text_of_error = str(info.value)
    assert message in text_of_error
    assert text_of_error.startswith(f"{name}: ")
    assert "\n" not in text_of_error
    # nothing was written and the old value still applies
    assert (data_dir / "config.toml").read_bytes() == before
    assert settings.get(name) == KEYS[name].default_value


def test_url_with_credentials_is_refused_without_echoing_them(settings: Settings) -> None:
    with pytest.raises(SettingsError) as info:
        settings.set("providers.midtrans.base_url", "https://admin:hunter22@pg.example.com")
    assert "hunter22" not in str(info.value)
    assert "user name or password" in str(info.value)


def test_bad_secret_value_is_never_echoed(settings: Settings) -> None:
    with pytest.raises(SettingsError) as info:
        settings.set("providers.orkut.token", "abc def-secret")
    assert str(info.value) == "providers.orkut.token: the value must not contain spaces"
    assert "secret" not in str(info.value).split(":", 1)[1]


def test_bad_static_qris_with_the_real_qris_module(settings: Settings) -> None:
    qris = pytest.importorskip("pos_app.qris")
    bad = "00020101021126570011ID.DANA.WWW011893600915302259148102090225914810303UMI"
    with pytest.raises(SettingsError) as info:
        settings.set("payment.static_qris", bad)
    assert str(info.value).startswith("payment.static_qris: ")
    with pytest.raises(qris.InvalidQris) as original:
        qris.validate(bad)
    assert str(original.value) in str(info.value)
    # A well-formed static payload (CRC computed by the module) is accepted.
    def tlv(tag: str, value: str) -> str:
        return f"{tag}{len(value):02d}{value}"

    account = tlv("00", "ID.CO.QRIS.WWW") + tlv("01", "936009153022591481") + tlv("03", "UMI")
    body = (tlv("00", "01") + tlv("01", "11") + tlv("26", account) + tlv("52", "5812")
            + tlv("53", "360") + tlv("58", "ID") + tlv("59", "WARUNG DEMO")
            + tlv("60", "BANDUNG") + "6304")
    good = body + qris.crc16(body.encode())
    settings.set("payment.static_qris", good)
    assert settings.get("payment.static_qris") == good


def test_static_qris_error_from_qris_module_becomes_settings_error(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Independent of the real module: InvalidQris (a ValueError) -> SettingsError."""

    class InvalidQris(ValueError):
        pass

    seen: list[str] = []

    def validate(payload: str) -> None:
        seen.append(payload)
        if not payload.endswith("6304ABCD"):
            raise InvalidQris("tag 63: CRC is 1234, expected ABCD")

    fake = types.ModuleType("pos_app.qris")
    fake.InvalidQris = InvalidQris  # type: ignore[attr-defined]
    fake.validate = validate  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pos_app.qris", fake)
    with pytest.raises(SettingsError) as info:
        settings.set("payment.static_qris", "000201010211...63041234")
    assert str(info.value) == "payment.static_qris: tag 63: CRC is 1234, expected ABCD"
    settings.set("payment.static_qris", " 000201010211...6304ABCD ")
    assert settings.get("payment.static_qris") == "000201010211...6304ABCD"
    assert seen[-1] == "000201010211...6304ABCD"  # stripped before validation


def test_static_qris_without_a_qris_module(settings: Settings,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    # sys.modules[name] = None makes the import raise ModuleNotFoundError for that name.
    monkeypatch.setitem(sys.modules, "pos_app.qris", None)
    with pytest.raises(SettingsError, match="should start with 000201"):
        settings.set("payment.static_qris", "hello")
    settings.set("payment.static_qris", "00020101021126...")
    assert settings.is_set("payment.static_qris")


# --------------------------------------------------------------------------- file handling


@pytest.mark.skipif(not POSIX, reason="POSIX permission bits")
def test_config_file_is_owner_only(settings: Settings, data_dir: Path) -> None:
    settings.set("store.name", "Toko A")
    assert mode_of(data_dir / "config.toml") == 0o600
    os.chmod(data_dir / "config.toml", 0o644)
    settings.set("store.address", "Jl. B")
    assert mode_of(data_dir / "config.toml") == 0o600
    os.chmod(data_dir / "config.toml", 0o664)
    Settings.load(data_dir)  # loading tightens a widened file too
    assert mode_of(data_dir / "config.toml") == 0o600


def test_corrupt_toml_raises_naming_file_and_line(data_dir: Path) -> None:
    broken = b'[store]\nname = "Toko A"\nthis is not toml\n'
    (data_dir / "config.toml").write_bytes(broken)
    with pytest.raises(SettingsError) as info:
        Settings.load(data_dir)
    message = str(info.value)
    assert str(data_dir / "config.toml") in message
    assert "line 3" in message
    assert "\n" not in message
    assert (data_dir / "config.toml").read_bytes() == broken  # never reset


def test_non_utf8_config_raises(data_dir: Path) -> None:
    (data_dir / "config.toml").write_bytes(b'[store]\nname = "Toko \xff"\n')
    with pytest.raises(SettingsError, match=r"line 2: not UTF-8"):
        Settings.load(data_dir)


def test_file_corrupted_after_load_is_not_overwritten(settings: Settings, data_dir: Path) -> None:
    settings.set("store.name", "Toko A")
    (data_dir / "config.toml").write_text("[store\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        settings.set("store.address", "Jl. B")
    assert (data_dir / "config.toml").read_text(encoding="utf-8") == "[store\n"


def test_atomic_write_keeps_the_old_file_when_replace_fails(
        settings: Settings, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.set("store.name", "Toko Lama")
    before = (data_dir / "config.toml").read_bytes()

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(SettingsError, match="No space left on device"):
        settings.set("store.name", "Toko Baru")
    monkeypatch.undo()
    assert (data_dir / "config.toml").read_bytes() == before
    assert [p.name for p in data_dir.iterdir() if p.name.endswith(".tmp")] == []
    assert Settings.load(data_dir).get("store.name") == "Toko Lama"


def test_hand_edited_bad_value_raises_on_read_and_can_be_repaired(data_dir: Path) -> None:
    (data_dir / "config.toml").write_text(
        '[store]\ntimezone = "Mars/Olympus"\nnmae = "x"\n[payment]\ninvoice_ttl_s = "900"\n',
        encoding="utf-8",
    )
    settings = Settings.load(data_dir)  # loads: the bad value must stay fixable
    problems = settings.problems()
    assert any("store.timezone: 'Mars/Olympus' is not a known time zone" in p for p in problems)
    assert any("did you mean 'store.name'" in p for p in problems)
    assert settings.get("payment.invoice_ttl_s") == 900  # a quoted number is still accepted
    with pytest.raises(SettingsError) as info:
        settings.get("store.timezone")
    assert str(data_dir / "config.toml") in str(info.value)
    assert "pos-app config set store.timezone" in str(info.value)
    settings.set("store.timezone", "Asia/Jakarta")
    assert settings.get("store.timezone") == "Asia/Jakarta"
    assert toml_of(data_dir)["store"]["nmae"] == "x"  # unknown keys are preserved


def test_settings_load_creates_nothing_and_set_creates_missing_dir(tmp_path: Path) -> None:
    target = tmp_path / "new" / "dir"
    settings = Settings.load(target)
    assert not target.exists()
    settings.set("store.name", "Toko")
    assert (target / "config.toml").exists()


def test_two_settings_objects_do_not_lose_each_others_changes(data_dir: Path) -> None:
    first = Settings.load(data_dir)
    second = Settings.load(data_dir)
    first.set("store.name", "Toko A")
    second.set("store.address", "Jl. B")  # read-modify-write from disk, not a stale snapshot
    final = toml_of(data_dir)["store"]
    assert final == {"name": "Toko A", "address": "Jl. B"}
    first.reload()
    assert first.get("store.address") == "Jl. B"


# --------------------------------------------------------------------------- secrets


def test_file_backend_keeps_secrets_in_a_0600_config(settings: Settings, data_dir: Path) -> None:
    assert isinstance(settings.secrets, FileSecretStore)
    assert settings.display("providers.pakasir.api_key") == "(not set)"
    settings.set("providers.pakasir.api_key", "pk_live_9f8e7d6c5b4a")
    assert settings.get("providers.pakasir.api_key") == "pk_live_9f8e7d6c5b4a"
    assert settings.display("providers.pakasir.api_key") == "(set)"
    doc = toml_of(data_dir)
    assert doc["secrets"] == {"providers.pakasir.api_key": "pk_live_9f8e7d6c5b4a"}
    assert "providers" not in doc  # only in [secrets], not in the plain table
    if POSIX:
        assert mode_of(data_dir / "config.toml") == 0o600
    settings.set("providers.pakasir.api_key", "")  # empty secret = unset
    assert settings.display("providers.pakasir.api_key") == "(not set)"
    assert "secrets" not in toml_of(data_dir)


def test_keyring_backend_keeps_secrets_out_of_the_file(
        memory_keyring: MemoryKeyring, data_dir: Path) -> None:
    settings = Settings.load(data_dir)
    assert isinstance(settings.secrets, KeyringSecretStore)
    settings.set("store.name", "Toko A")
    settings.set("providers.orkut.token", "orkut-token-0123456789")
    settings.set("providers.soundbox_platform.device_token", "dev-tok-abcdef")
    text = (data_dir / "config.toml").read_text(encoding="utf-8")
    assert "orkut-token-0123456789" not in text and "dev-tok-abcdef" not in text
    assert "secrets" not in toml_of(data_dir)
    for name in ("providers.orkut.token", "providers.soundbox_platform.device_token"):
        shown = settings.display(name)
        assert shown == "(set)"
    assert settings.get("providers.orkut.token") == "orkut-token-0123456789"
    service = f"pos-app:{data_dir}"
    assert memory_keyring.store[(service, "providers.orkut.token")] == "orkut-token-0123456789"
    # Another data dir doesn't see this shop's secrets.
    other = Settings.load(data_dir.parent / "other")
    assert other.display("providers.orkut.token") == "(not set)"
    settings.unset("providers.orkut.token")
    assert (service, "providers.orkut.token") not in memory_keyring.store


def test_keyring_reads_old_file_secrets_and_moves_them_on_set(
        memory_keyring: MemoryKeyring, data_dir: Path) -> None:
    (data_dir / "config.toml").write_text(
        '[secrets]\n"providers.orderkuota.token" = "old-file-token-123"\n', encoding="utf-8")
    settings = Settings.load(data_dir)
    assert settings.get("providers.orderkuota.token") == "old-file-token-123"
    settings.set("providers.orderkuota.token", "new-keyring-token-456")
    assert "token" not in (data_dir / "config.toml").read_text(encoding="utf-8")
    assert settings.get("providers.orderkuota.token") == "new-keyring-token-456"


def test_secret_store_choice(monkeypatch: pytest.MonkeyPatch, data_dir: Path,
                             memory_keyring: MemoryKeyring) -> None:
    monkeypatch.setenv("POS_APP_SECRET_BACKEND", "file")
    assert isinstance(default_secret_store(data_dir), FileSecretStore)
    monkeypatch.delenv("POS_APP_SECRET_BACKEND")
    assert isinstance(default_secret_store(data_dir), KeyringSecretStore)
    monkeypatch.setenv("POS_APP_SECRET_BACKEND", "vault")
    with pytest.raises(SettingsError, match="'vault' is not one of file, keyring, auto"):
        Settings.load(data_dir)


def test_no_real_keyring_means_file_store(monkeypatch: pytest.MonkeyPatch,
                                          data_dir: Path) -> None:
    from keyring.backends import fail, null

    previous = keyring.get_keyring()
    try:
        keyring.set_keyring(fail.Keyring())
        assert not keyring_is_usable()
        monkeypatch.delenv("POS_APP_SECRET_BACKEND")
        assert isinstance(default_secret_store(data_dir), FileSecretStore)
        monkeypatch.setenv("POS_APP_SECRET_BACKEND", "keyring")
        with pytest.raises(SettingsError, match="no usable OS keyring"):
            Settings.load(data_dir)
        keyring.set_keyring(null.Keyring())
        assert not keyring_is_usable()
    finally:
        keyring.set_keyring(previous)


# --------------------------------------------------------------------------- providers


def test_missing_for_provider(settings: Settings) -> None:
    assert settings.missing_for_provider("simulator") == []
    assert settings.missing_for_provider("static") == ["payment.static_qris"]
    assert settings.missing_for_provider("orderkuota") == [
        "providers.orderkuota.username", "providers.orderkuota.token"]
    assert settings.missing_for_provider("orkut") == [
        "providers.orkut.api_key", "providers.orkut.username", "providers.orkut.token",
        "providers.orkut.merchant"]
    assert settings.missing_for_provider("midtrans") == [
        "providers.midtrans.base_url", "providers.midtrans.app_code",
        "providers.midtrans.api_key"]
    assert settings.missing_for_provider("pakasir") == [
        "providers.pakasir.project", "providers.pakasir.api_key"]
    assert settings.missing_for_provider("soundbox_platform") == [
        "providers.soundbox_platform.base_url", "providers.soundbox_platform.device_id",
        "providers.soundbox_platform.device_token"]
    settings.set("providers.orderkuota.username", "warung1")
    settings.set("providers.orderkuota.token", "a1b2c3d4-e5f6-7890")
    assert settings.missing_for_provider("orderkuota") == []
    # static with a mutasi source also needs that source's login
    settings.set("payment.mutasi_source", "orkut")
    assert settings.missing_for_provider("static") == [
        "payment.static_qris", "providers.orkut.api_key", "providers.orkut.username",
        "providers.orkut.token", "providers.orkut.merchant"]
    settings.set("payment.mutasi_source", "orderkuota")
    assert settings.missing_for_provider("static") == ["payment.static_qris"]
    # clearing a base URL that has a default makes it missing again
    settings.set("providers.orderkuota.base_url", "")
    assert settings.missing_for_provider("orderkuota") == ["providers.orderkuota.base_url"]
    with pytest.raises(SettingsError, match="'gopay' is not one of simulator"):
        settings.missing_for_provider("gopay")


def test_provider_config_has_typed_values_and_secrets(settings: Settings) -> None:
    settings.set("providers.orkut.api_key", "orkut-api-key-xyz")
    settings.set("providers.orkut.merchant", "OK1234567")
    config = settings.provider_config("orkut")
    assert config == {
        "base_url": "https://orkut.hidepulsa.com", "api_key": "orkut-api-key-xyz",
        "username": "", "token": "", "merchant": "OK1234567", "merchant_id": "",
    }
    settings.set("simulator.pay_after_s", "never")
    assert settings.provider_config("simulator") == {"pay_after_s": None}
    assert set(settings.provider_config("static")) == {"static_qris", "mutasi_source",
                                                        "unique_code"}


def test_is_demo_until_a_provider_is_chosen(settings: Settings) -> None:
    settings.set("store.name", "Toko A")
    assert settings.is_demo()
    settings.set("payment.provider", "simulator")
    assert not settings.is_demo()
    assert not Settings.load(settings.data_dir).is_demo()


# --------------------------------------------------------------------------- paths


def test_data_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    cli = tmp_path / "from-cli"
    env = tmp_path / "from-env"

    if sys.platform.startswith("linux"):
        default = paths.resolve_data_dir()
        assert default == (tmp_path / "xdg" / "pos-app").resolve()
        assert default.is_dir()
        if POSIX:
            assert mode_of(default) == 0o700
        monkeypatch.delenv("XDG_DATA_HOME")
        assert paths.resolve_data_dir() == (tmp_path / "home" / ".local" / "share" / "pos-app")

    monkeypatch.setenv("POS_APP_DATA_DIR", "")  # empty = unset
    assert paths.resolve_data_dir().name == "pos-app"
    monkeypatch.setenv("POS_APP_DATA_DIR", str(env))
    assert paths.resolve_data_dir() == env.resolve()
    assert paths.resolve_data_dir(str(cli)) == cli.resolve()
    assert cli.is_dir() and env.is_dir()
    with pytest.raises(paths.DataDirError, match="--data-dir must not be empty"):
        paths.resolve_data_dir("")


def test_data_dir_is_absolute_and_expands_home(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert paths.resolve_data_dir("rel") == (tmp_path / "rel").resolve()
    assert paths.resolve_data_dir("~/shop") == (tmp_path / "shop").resolve()


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(paths.DataDirError, match="not a directory"):
        paths.resolve_data_dir(str(tmp_path / "f"))


def test_path_helpers(data_dir: Path) -> None:
    assert paths.db_path(data_dir) == data_dir / "pos.sqlite3"
    assert paths.config_path(data_dir) == data_dir / "config.toml"
    assert paths.log_dir(data_dir) == data_dir / "logs" and (data_dir / "logs").is_dir()
    assert paths.backup_dir(data_dir) == data_dir / "backups" and (data_dir / "backups").is_dir()


# --------------------------------------------------------------------------- redaction


@pytest.fixture
def log_output() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretRedactingFilter())
    parent = logging.getLogger("test_settings_redaction")
    parent.setLevel(logging.DEBUG)
    parent.propagate = False
    parent.addHandler(handler)
    try:
        # log from a *child* logger: the filter sits on the handler, so it still applies
        yield logging.getLogger("test_settings_redaction.child"), stream
    finally:
        parent.removeHandler(handler)


def test_filter_masks_secret_in_url_query_and_bearer_header(
        log_output: tuple[logging.Logger, io.StringIO], settings: Settings) -> None:
    log, stream = log_output
    settings.set("providers.pakasir.api_key", "PAKASIRKEY123456")  # registers it
    url = ("https://app.pakasir.com/api/transactiondetail?project=warung&amount=50123"
           "&order_id=K1-0001&api_key=PAKASIRKEY123456")
    log.info("GET %s -> %d", url, 200)
    log.info("headers %s", {"Authorization": "Bearer dev-tok-0123456789", "Idempotency-Key": "k1"})
    log.info("curl -H 'Authorization: Bearer unregistered-tok-987654' %s", "/device/heartbeat")
    log.info("body %s", {"auth_username": "warung", "auth_token": "short1", "nominal": "1000"})
    log.warning("X-Api-Key: fb93b4e8023 rejected; token_expired=True amount=50000")
    output = stream.getvalue()
    for leaked in ("PAKASIRKEY123456", "dev-tok-0123456789", "unregistered-tok-987654",
                   "short1", "fb93b4e8023"):
        assert leaked not in output
    assert "api_key=***" in output
    assert "order_id=K1-0001" in output and "amount=50123" in output
    assert "'Authorization': 'Bearer ***'" in output
    assert "Authorization: Bearer ***" in output
    assert "'auth_token': '***'" in output and "'nominal': '1000'" in output
    assert "token_expired=True amount=50000" in output  # no over-redaction
    assert "-> 200" in output


def test_filter_masks_registered_secret_anywhere_and_in_tracebacks(
        log_output: tuple[logging.Logger, io.StringIO]) -> None:
    log, stream = log_output
    register_secret("s3cr3t-plain-value")
    log.info("the shop's key is %s, keep it safe", "s3cr3t-plain-value")
    try:
        raise RuntimeError("401 for url https://x/api?project=p&api_key=s3cr3t-plain-value")
    except RuntimeError:
        log.exception("request failed")
    output = stream.getvalue()
    assert "s3cr3t-plain-value" not in output
    assert "the shop's key is ***, keep it safe" in output
    assert "RuntimeError: 401 for url" in output and "Traceback" in output


def test_redact_function() -> None:
    assert redact("key=a+b/c&x=1", ["a+b/c"]) == "key=***&x=1"
    assert redact("q=a%2Bb%2Fc", ["a+b/c"]) == "q=***"  # URL-encoded form
    assert redact("nothing secret here, amount=1000") == "nothing secret here, amount=1000"
    assert redact('{"device_token": "abc", "apikey": "def"}') == (
        '{"device_token": "***", "apikey": "***"}')
    assert redact("password=hunter2 otp=123456") == "password=*** otp=***"


def test_short_values_are_not_registered() -> None:
    from pos_app.secrets import registered_secrets

    register_secret("123")
    register_secret("")
    register_secret(None)
    assert registered_secrets() == frozenset()
