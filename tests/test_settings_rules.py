"""The Settings form's rules beyond one key's parser (pos_app.settings_rules), without Qt:
what the chosen provider (and its mutasi source) still needs, why, a pasted static QRIS, and
where the unique code applies."""

from __future__ import annotations

import subprocess
import sys

import pytest

from pos_app import qris
from pos_app.settings_rules import (
    PRINTER_TEXTS,
    FormValues,
    Problem,
    QrisProblem,
    Reason,
    missing_keys,
    mutasi_source,
    printer_address_problem,
    printer_problem,
    provider_problems,
    qris_problem,
    required_keys,
    unique_code_used,
    value_error,
)
from sync.providers import PROVIDERS
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS

BAD_CRC_QRIS = DEMO_STATIC_QRIS[:-4] + ("0000" if DEMO_STATIC_QRIS[-4:] != "0000" else "1111")


def form(texts: dict[str, str] | None = None, stored: set[str] | frozenset[str] = frozenset(),
         ) -> FormValues:
    return FormValues(texts or {}, lambda key: key in stored)


def test_the_module_does_not_need_qt() -> None:
    code = ("import sys, pos_app.settings_rules; "
            "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --------------------------------------------------------------------------- required keys


def test_required_keys_come_from_the_descriptions() -> None:
    for name, info in PROVIDERS.items():
        assert required_keys(name) == info.required_keys, name
    assert required_keys("pakasir") == ("providers.pakasir.base_url", "providers.pakasir.project",
                                        "providers.pakasir.api_key")
    assert required_keys("simulator") == ()
    assert required_keys("static") == ("payment.static_qris",)


def test_a_mutasi_source_adds_its_keys_only_where_the_provider_takes_one() -> None:
    assert required_keys("static", "orkut") == ("payment.static_qris",
                                                *PROVIDERS["orkut"].required_keys)
    assert required_keys("pakasir", "orkut") == required_keys("pakasir")
    assert required_keys("static", "nonsense") == ("payment.static_qris",)


def test_unknown_provider_needs_nothing() -> None:
    # A bad value in the file: shown as such and left alone, not reported key by key.
    assert required_keys("bogus") == ()
    assert missing_keys("bogus", form()) == []
    assert provider_problems("bogus", form()) == []


def test_mutasi_source_is_read_from_the_form() -> None:
    assert mutasi_source("static", form({"payment.mutasi_source": "orkut"})) == "orkut"
    assert mutasi_source("static", form({"payment.mutasi_source": ""})) == ""
    assert mutasi_source("static", form({"payment.mutasi_source": "bogus"})) == ""
    assert mutasi_source("static", form()) == ""  # the default: manual confirmation
    assert mutasi_source("orkut", form({"payment.mutasi_source": "orderkuota"})) == ""


# --------------------------------------------------------------------------- missing keys


def test_empty_form_misses_every_required_key_without_a_default() -> None:
    # base_url has a default, so an untouched form does not miss it.
    assert missing_keys("pakasir", form()) == ["providers.pakasir.project",
                                               "providers.pakasir.api_key"]
    assert missing_keys("simulator", form()) == []


def test_an_emptied_field_with_a_default_is_missing() -> None:
    assert "providers.pakasir.base_url" in missing_keys(
        "pakasir", form({"providers.pakasir.base_url": ""}))


def test_typed_or_stored_secret_counts() -> None:
    texts = {"providers.pakasir.project": "warung-sri"}
    assert missing_keys("pakasir", form(texts)) == ["providers.pakasir.api_key"]
    assert missing_keys("pakasir", form(texts, {"providers.pakasir.api_key"})) == []
    typed = {**texts, "providers.pakasir.api_key": "pk-typed"}
    assert missing_keys("pakasir", form(typed)) == []
    blank = {**texts, "providers.pakasir.api_key": "   "}  # blank: keep the stored one (none)
    assert missing_keys("pakasir", form(blank)) == ["providers.pakasir.api_key"]


def test_static_needs_its_qris_and_its_source_account() -> None:
    texts = {"payment.static_qris": DEMO_STATIC_QRIS, "payment.mutasi_source": "orkut"}
    assert missing_keys("static", form(texts)) == [
        "providers.orkut.api_key", "providers.orkut.username", "providers.orkut.token",
        "providers.orkut.merchant"]
    assert missing_keys("static", form({"payment.static_qris": DEMO_STATIC_QRIS})) == []
    assert missing_keys("static", form()) == ["payment.static_qris"]


# --------------------------------------------------------------------------- problems


def test_problems_say_why_each_key_is_missing() -> None:
    texts = {"payment.static_qris": DEMO_STATIC_QRIS, "payment.mutasi_source": "orkut",
             "providers.orkut.merchant": "OK 123"}  # a space: not one word
    problems = {p.key: p for p in provider_problems("static", form(texts))}
    assert problems["providers.orkut.api_key"] == Problem("providers.orkut.api_key",
                                                          Reason.REQUIRED)
    assert problems["providers.orkut.token"].reason is Reason.NEEDS_LOGIN
    merchant = problems["providers.orkut.merchant"]
    assert merchant.reason is Reason.INVALID
    assert "space" in merchant.detail and "providers.orkut.merchant" not in merchant.detail


def test_activation_token_needs_an_activation() -> None:
    texts = {"providers.soundbox_platform.base_url": "https://sb.example",
             "providers.soundbox_platform.device_id": "SB-1"}
    problems = provider_problems("soundbox_platform", form(texts))
    assert problems == [Problem("providers.soundbox_platform.device_token",
                                Reason.NEEDS_ACTIVATION)]


def test_a_stored_bad_static_qris_is_invalid_not_missing() -> None:
    problems = provider_problems("static", form({"payment.static_qris": BAD_CRC_QRIS}))
    assert [(p.key, p.reason) for p in problems] == [("payment.static_qris", Reason.INVALID)]
    assert "CRC" in problems[0].detail


def test_a_complete_form_has_no_problems() -> None:
    texts = {"providers.pakasir.project": "warung-sri"}
    assert provider_problems("pakasir", form(texts, {"providers.pakasir.api_key"})) == []


# --------------------------------------------------------------------------- values, QRIS


def test_value_error_drops_the_key_prefix() -> None:
    assert value_error("store.terminal_id", "K1") is None
    error = value_error("store.terminal_id", "K 1!")
    assert error is not None and "'K 1!'" in error and "store.terminal_id" not in error
    assert value_error("tax.rate_percent", "11,5") is None


def test_qris_problem() -> None:
    assert qris_problem(DEMO_STATIC_QRIS) is None
    assert qris_problem(qris.to_dynamic(DEMO_STATIC_QRIS, 15000)) is None  # only warned about
    wrapped = qris_problem(DEMO_STATIC_QRIS[:60] + "\n" + DEMO_STATIC_QRIS[60:])
    assert wrapped is not None and wrapped[0] is QrisProblem.LINE_BREAK
    broken = qris_problem(BAD_CRC_QRIS)
    assert broken is not None and broken[0] is QrisProblem.INVALID and "CRC" in broken[1]


@pytest.mark.parametrize(("provider", "source", "used"), [
    ("orkut", "", True),  # its own statement
    ("static", "orderkuota", True),  # the source's statement
    ("static", "", False),  # confirmed by hand: no code
    ("pakasir", "", False),  # matched by the gateway's own id
    ("simulator", "", False),
    ("bogus", "", False),
])
def test_unique_code_used(provider: str, source: str, used: bool) -> None:
    assert unique_code_used(provider, source) is used


def test_unique_code_row_shown_for_statement_providers() -> None:
    shown = {name for name, info in PROVIDERS.items() if info.uses_unique_code}
    assert shown == {"static", "orkut"}


# --------------------------------------------------------------------------- receipt printer


@pytest.mark.parametrize(("connection", "address"), [
    ("usb", "0416:5011"),
    ("usb", "04B8:0E15"),
    ("usb", " 0416:5011 "),
    ("serial", "/dev/ttyUSB0"),
    ("serial", "/dev/ttyUSB0@9600"),
    ("serial", "COM3"),
    ("serial", "com12@115200"),
    ("serial", "\\\\.\\COM10"),
    ("network", "192.168.1.50"),
    ("network", "192.168.1.50:9100"),
    ("network", "printer-dapur.local:9100"),
    ("network", "[fe80::1]:9100"),
    ("off", ""),
    ("off", "whatever was typed before"),  # kept for later, not checked
])
def test_printer_addresses_that_fit_their_connection(connection: str, address: str) -> None:
    assert printer_address_problem(connection, address) is None


@pytest.mark.parametrize(("connection", "address", "starts"), [
    ("usb", "", "Wajib diisi: printer USB"),
    ("serial", "  ", "Wajib diisi: printer serial"),
    ("network", "", "Wajib diisi: printer jaringan"),
    ("usb", "416:5011", "Alamat USB"),
    ("usb", "0x0416:0x5011", "Alamat USB"),
    ("usb", "COM3", "Alamat USB"),
    ("serial", "ttyUSB0", "Alamat serial"),
    ("serial", "COM0", "Alamat serial"),
    ("serial", "COM3@fast", "Alamat serial"),
    ("serial", "0416:5011", "Alamat serial"),
    ("network", "192.168.1.300", "Alamat jaringan"),
    ("network", "192.168.1.50:99999", "Alamat jaringan"),
    ("network", "http://192.168.1.50", "Alamat jaringan"),
    ("network", "/dev/ttyUSB0", "Alamat jaringan"),
    ("network", "[fe80::zz]:9100", "Alamat jaringan"),
])
def test_printer_addresses_that_do_not(connection: str, address: str, starts: str) -> None:
    problem = printer_address_problem(connection, address)
    assert problem is not None and problem.id.startswith(starts)
    assert problem in PRINTER_TEXTS
    assert problem.en and problem.en != problem.id  # English for the UI's catalogue


def test_printer_problem_reads_the_form() -> None:
    assert printer_problem(form()) is None  # defaults: no printer
    assert printer_problem(form({"hardware.printer.connection": "network"})) is not None
    assert printer_problem(form({"hardware.printer.connection": "network",
                                 "hardware.printer.address": "192.168.1.50"})) is None
    # A connection that does not parse is its field's error; here it counts as its default.
    assert printer_problem(form({"hardware.printer.connection": "bluetooth"})) is None
