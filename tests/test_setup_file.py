"""``pos-app setup --from FILE`` (pos_app.setup_file, pos_app.cli.setup_cmd): ten tills set up
the same way from one TOML file - all of it checked before anything is written, PINs and
secrets never in the file, a second run changing nothing, each till named by --terminal.

The good file is docs/setup-example.toml itself (with a price list next to it), so the example
the maintainer copies always works."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pos_app.paths import ConfigFileError
from pos_app.settings import Settings
from pos_app.setup_file import (
    SetupApplyError,
    SetupInputError,
    SetupInvalid,
    apply_setup,
    check_inputs,
    load_setup_file,
    plan_setup,
)
from pos_app.staff import Role, WrongPin
from pos_app.storage import catalog, open_database, staff
from pos_app.storage.database import Database
from tests.cli_helpers import ROOT, env_for, pos_app_cmd, run
from tests.qris_samples import BANKNEO

EXAMPLE = ROOT / "docs" / "setup-example.toml"
API_KEY = "pakasir-key-5f1e0c9a7b3d"
PINS = {"Bu Sri": "482916", "Andi": "135790", "Rina": "246801"}
STDIN = "482916\n135790\n246801\n" + API_KEY + "\n"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    """The example file and its price list, in a folder of their own."""
    folder = tmp_path / "toko"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "toko.toml")
    (folder / "harga.csv").write_text(
        "nama,harga,kategori,barcode\n"
        "Aqua 600ml,4000,Minuman,8992761111014\n"
        "Indomie Goreng,Rp 3.500,Makanan,\n", encoding="utf-8")
    return folder / "toko.toml"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def get(data_dir: Path, key: str) -> str:
    r = run(data_dir, "config", "get", key)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def users(data_dir: Path) -> list[dict]:
    r = run(data_dir, "user", "list", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def products(data_dir: Path) -> list[dict]:
    r = run(data_dir, "product", "list", "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def signs_in(data_dir: Path, name: str, pin: str) -> bool:
    from pos_app.clock import utcnow

    db = open_database(data_dir / "pos.sqlite3")
    try:
        staff.sign_in(db, name, pin, utcnow())
        return True
    except WrongPin:
        return False
    finally:
        db.close()


def nothing_written(data_dir: Path) -> None:
    assert not (data_dir / "config.toml").exists()
    assert users(data_dir) == []
    assert products(data_dir) == []


# -- the good file -----------------------------------------------------------------------------
def test_the_example_file_sets_the_till_up(data_dir: Path, shop: Path) -> None:
    r = run(data_dir, "setup", "--from", str(shop), "--terminal", "k2", stdin=STDIN)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "setup from toko.toml: done"
    assert "store      Warung Bu Sri, terminal K2, Asia/Jakarta" in lines
    assert "owner      Bu Sri: added" in lines and "cashier    Rina: added" in lines
    assert "payment    pakasir; stored providers.pakasir.api_key" in lines
    assert "QRIS       WARUNG BU SRI, JAKARTA SELATAN (NMID ID1022123456789), from the " \
           "payload" in lines
    assert "products   harga.csv: 2 added, 0 changed, 0 unchanged" in lines

    for key, value in {"store.name": "Warung Bu Sri", "store.address": "Jl. Melati No. 5, Bandung",
                       "store.timezone": "Asia/Jakarta", "store.terminal_id": "K2",
                       "store.receipt_footer": "Terima kasih, sampai jumpa lagi!",
                       "tax.mode": "off", "tax.rate_percent": "11",
                       "payment.provider": "pakasir", "payment.static_qris": BANKNEO,
                       "providers.pakasir.project": "warung-bu-sri",
                       "providers.pakasir.api_key": "(set)",
                       "hardware.soundbox.port": "auto",
                       "hardware.soundbox.usb_ids": "1a86:7523,10c4:ea60",
                       "hardware.printer.connection": "usb",
                       "hardware.printer.address": "0416:5011",
                       "hardware.printer.width_mm": "58", "hardware.speaker": "on"}.items():
        assert get(data_dir, key) == value, key
    assert Settings.load(data_dir).get("providers.pakasir.api_key") == API_KEY
    # The file did the first-run steps: the guide does not open at the till's next start.
    assert get(data_dir, "setup.first_run_step") == "done"
    assert users(data_dir) == [
        {"name": "Bu Sri", "role": "owner", "active": True, "locked_until": None},
        {"name": "Andi", "role": "cashier", "active": True, "locked_until": None},
        {"name": "Rina", "role": "cashier", "active": True, "locked_until": None}]
    assert all(signs_in(data_dir, name, pin) for name, pin in PINS.items())
    assert [(p["name"], p["price"], p["barcodes"]) for p in products(data_dir)] == [
        ("Aqua 600ml", 4000, ["8992761111014"]), ("Indomie Goreng", 3500, [])]

    # Neither the PINs nor the key are shown or logged.
    shown = r.stdout + r.stderr + "".join(
        p.read_text(errors="replace") for p in data_dir.rglob("*.log*"))
    for secret in (API_KEY, *PINS.values()):
        assert secret not in shown


def test_a_second_run_changes_nothing_and_keeps_the_pins(data_dir: Path, shop: Path) -> None:
    assert run(data_dir, "setup", "--from", str(shop), stdin=STDIN).returncode == 0
    config = (data_dir / "config.toml").read_bytes()
    other_pins = "111111\n222222\n333333\n\n"  # an empty secret line keeps the stored key
    r = run(data_dir, "setup", "--from", str(shop), stdin=other_pins)
    assert r.returncode == 0, r.stderr
    assert "settings   23 from the file, 0 changed (config.toml)" in r.stdout
    assert "owner      Bu Sri: exists, PIN kept (--reset-pins to change it)" in r.stdout
    assert "products   harga.csv: 0 added, 0 changed, 2 unchanged" in r.stdout
    assert (data_dir / "config.toml").read_bytes() == config  # not even rewritten
    assert len(users(data_dir)) == 3 and len(products(data_dir)) == 2
    assert signs_in(data_dir, "Bu Sri", PINS["Bu Sri"])
    assert Settings.load(data_dir).get("providers.pakasir.api_key") == API_KEY

    # A changed price list is an update; --reset-pins gives the accounts the PINs given.
    csv = shop.parent / "harga.csv"
    csv.write_text(csv.read_text().replace("4000", "4500"))
    r = run(data_dir, "setup", "--from", str(shop), "--reset-pins", stdin=other_pins)
    assert r.returncode == 0, r.stderr
    assert "products   harga.csv: 0 added, 1 changed, 1 unchanged" in r.stdout
    assert "owner      Bu Sri: exists, new PIN set (--reset-pins)" in r.stdout
    assert products(data_dir)[0]["price"] == 4500
    assert signs_in(data_dir, "Bu Sri", "111111") and signs_in(data_dir, "Rina", "333333")


def test_the_terminal_comes_from_the_command_line_or_the_file(data_dir: Path,
                                                              shop: Path) -> None:
    r = run(data_dir, "setup", "--from", str(shop), "--terminal", "kasir 2", stdin=STDIN)
    assert r.returncode == 2
    assert r.stderr.splitlines()[0] == ("pos-app: setup: --terminal: 'kasir 2' must be 1 to 8 "
                                        "letters A-Z or digits (e.g. K1)")
    nothing_written(data_dir)
    assert run(data_dir, "setup", "--from", str(shop), stdin=STDIN).returncode == 0
    assert get(data_dir, "store.terminal_id") == "K1"  # the file's [store] terminal_id
    r = run(data_dir, "setup", "--from", str(shop), "--terminal", "K3", stdin=STDIN)
    assert r.returncode == 0 and get(data_dir, "store.terminal_id") == "K3"
    # A file without one leaves the till's, and says so.
    write(shop, shop.read_text().replace('terminal_id = "K1"', ""))
    r = run(data_dir, "setup", "--from", str(shop), stdin=STDIN)
    assert r.returncode == 0 and get(data_dir, "store.terminal_id") == "K3"
    assert "note       terminal id stays K3: tills that share a payment account need their " \
           "own, e.g. --terminal K2" in r.stdout


# -- a broken file -----------------------------------------------------------------------------
def test_a_broken_file_names_every_bad_field_and_writes_nothing(data_dir: Path,
                                                                tmp_path: Path) -> None:
    write(tmp_path / "harga.csv", "nama,harga\nAqua,4000\nTeh,gratis\n")
    bad = write(tmp_path / "toko.toml", """
[store]
nmae = "Warung"
timezone = "Mars/Olympus"

[stor]
name = "x"

[payment]
provider = "xyz"
invoice_ttl_s = 5

[users]
owner = "Bu Sri"
cashiers = ["Andi", "ANDI"]

[hardware.printer]
connection = "network"
address = "192.168.1.300"

[products]
file = "harga.csv"
speaker = "on"
""")
    r = run(data_dir, "setup", "--from", str(bad), stdin=STDIN)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "pos-app: setup: [store] nmae: unknown key (did you mean 'name'?)",
        "pos-app: setup: [store] timezone: 'Mars/Olympus' is not a known time zone (e.g. "
        "Asia/Jakarta, Asia/Makassar, Asia/Jayapura)",
        "pos-app: setup: [stor]: unknown section (did you mean [store]?)",
        "pos-app: setup: [payment] provider: 'xyz' is not one of simulator, static, "
        "orderkuota, orkut, midtrans, pakasir, soundbox_platform",
        "pos-app: setup: [payment] invoice_ttl_s: must be from 15 to 86400 (got 5)",
        "pos-app: setup: [store] name: required",
        "pos-app: setup: [hardware.printer] address: A network address is host or host:port, "
        "e.g. 192.168.1.50:9100.",
        "pos-app: setup: [users] cashiers: 'ANDI' is named twice (names are unique ignoring "
        "case)",
        "pos-app: setup: [products] speaker: unknown key (it belongs in [hardware])",
        "pos-app: setup: [products] file: harga.csv row 3: price: 'gratis' is not a rupiah "
        "amount (e.g. 15000, 15.000 or Rp 15.000)",
        "pos-app: setup: 10 problems in toko.toml; nothing was written",
    ]
    assert "Traceback" not in r.stderr
    nothing_written(data_dir)


def test_not_toml_and_a_missing_file_are_one_line(data_dir: Path, tmp_path: Path) -> None:
    r = run(data_dir, "setup", "--from", str(write(tmp_path / "x.toml", "[store\nname = 1\n")))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert r.stderr.startswith(f"pos-app: setup: {tmp_path / 'x.toml'}: not valid TOML: ")
    r = run(data_dir, "setup", "--from", str(tmp_path / "nope.toml"))
    assert r.returncode == 2
    assert r.stderr.strip() == f"pos-app: setup: cannot read {tmp_path / 'nope.toml'}: No such " \
                               "file or directory"
    assert not (data_dir / "config.toml").exists()


def test_a_secret_in_the_file_is_refused_without_showing_it(data_dir: Path, shop: Path) -> None:
    text = shop.read_text()
    write(shop, text.replace('project = "warung-bu-sri"',
                             f'project = "warung-bu-sri"\napi_key = "{API_KEY}"'))
    r = run(data_dir, "setup", "--from", str(shop), stdin=STDIN)
    assert r.returncode == 2
    assert r.stderr.splitlines()[0] == (
        "pos-app: setup: [providers.pakasir] api_key: a secret must not be written in the "
        "setup file (it is copied to every till and ends up in chats and backups); remove the "
        "line: setup asks for it on a hidden prompt, or reads it from stdin")
    assert API_KEY not in r.stdout + r.stderr
    nothing_written(data_dir)
    # config.toml's own [secrets] table is no way around it
    write(shop, text + f'\n[secrets]\n"providers.pakasir.api_key" = "{API_KEY}"\n')
    r = run(data_dir, "setup", "--from", str(shop), stdin=STDIN)
    assert r.returncode == 2
    assert "[secrets] providers.pakasir.api_key: a secret must not be written" in r.stderr
    assert API_KEY not in r.stdout + r.stderr
    nothing_written(data_dir)


# -- PINs and secrets from stdin ---------------------------------------------------------------
def test_pins_come_one_line_per_account_and_an_empty_one_skips_a_cashier(
        data_dir: Path, shop: Path) -> None:
    r = run(data_dir, "setup", "--from", str(shop), stdin="482916\n135790\n12a4\n" + API_KEY)
    assert r.returncode == 2
    assert r.stderr.strip() == ("pos-app: setup: PIN for Rina: the PIN must be 4 to 6 digits; "
                                "nothing was written")
    nothing_written(data_dir)
    r = run(data_dir, "setup", "--from", str(shop), stdin="482916\n135790\n")
    assert r.returncode == 2
    assert r.stderr.strip() == ("pos-app: setup: no PIN on stdin for cashier Rina (stdin: one "
                                "PIN line per account, the owner first, then the cashiers in "
                                "file order; then one line per secret); nothing was written")
    nothing_written(data_dir)
    r = run(data_dir, "setup", "--from", str(shop), stdin="\n135790\n246801\n" + API_KEY)
    assert r.returncode == 2
    assert "PIN for Bu Sri: the owner needs a PIN (4 to 6 digits)" in r.stderr
    r = run(data_dir, "setup", "--from", str(shop), stdin="482916\n135790\n246801\n\n")
    assert r.returncode == 2
    assert r.stderr.strip() == ("pos-app: setup: providers.pakasir.api_key: required for "
                                "provider pakasir (nothing was given and none is stored); "
                                "nothing was written")
    nothing_written(data_dir)

    r = run(data_dir, "setup", "--from", str(shop), stdin="482916\n\n246801\n" + API_KEY)
    assert r.returncode == 0, r.stderr
    assert ('cashier    Andi: skipped (no PIN given): add later with `pos-app user add "Andi" '
            "--role cashier`") in r.stdout
    assert [u["name"] for u in users(data_dir)] == ["Bu Sri", "Rina"]
    assert signs_in(data_dir, "Rina", "246801")


def test_a_name_that_exists_with_the_other_role_is_refused(data_dir: Path, shop: Path) -> None:
    assert run(data_dir, "user", "add", "andi", "--role", "owner", stdin="975310\n"
               ).returncode == 0
    r = run(data_dir, "setup", "--from", str(shop), stdin=STDIN)
    assert r.returncode == 2
    assert ("pos-app: setup: [users] cashiers: 'andi' already exists as owner; setup never "
            "changes a role") in r.stderr.splitlines()
    assert not (data_dir / "config.toml").exists()


def test_the_pins_and_key_are_asked_on_a_terminal_without_echo(data_dir: Path,
                                                                shop: Path) -> None:
    import pty
    import select

    master, slave = pty.openpty()

    def controlling_tty() -> None:
        import fcntl
        import termios

        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    write(shop, shop.read_text().replace('cashiers = ["Andi", "Rina"]', 'cashiers = ["Andi"]'))
    proc = subprocess.Popen([*pos_app_cmd(), "setup", "--from", str(shop)],
                            env=env_for(data_dir), cwd=ROOT, stdin=slave, stdout=slave,
                            stderr=slave, preexec_fn=controlling_tty)
    os.close(slave)
    seen = b""

    def answer(prompt: bytes, text: str, timeout: float = 60) -> None:
        nonlocal seen
        end = time.monotonic() + timeout
        while prompt not in seen:
            left = end - time.monotonic()
            assert left > 0, f"waiting for {prompt!r} on the terminal; saw {seen!r}"
            ready, _, _ = select.select([master], [], [], left)
            if ready:
                with contextlib.suppress(OSError):
                    seen += os.read(master, 1024)
        seen = seen.replace(prompt, b"", 1)
        os.write(master, text.encode() + b"\n")

    try:
        answer(b"PIN for Bu Sri (4-6 digits): ", "482916")
        answer(b"the same PIN again: ", "482916")
        answer(b"PIN for Andi (4-6 digits): ", "135790")
        answer(b"the same PIN again: ", "135790")
        answer(b"providers.pakasir.api_key: ", API_KEY)
        assert proc.wait(timeout=60) == 0
        with contextlib.suppress(OSError):
            while select.select([master], [], [], 0.2)[0]:
                chunk = os.read(master, 4096)
                if not chunk:
                    break
                seen += chunk
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert b"setup from toko.toml: done" in seen
    for secret in (API_KEY, "482916", "135790"):
        assert secret.encode() not in seen  # never echoed
    assert signs_in(data_dir, "Andi", "135790")
    assert Settings.load(data_dir).get("providers.pakasir.api_key") == API_KEY


# -- providers, QRIS, dry run ------------------------------------------------------------------
def test_static_with_a_mutasi_source_asks_its_key_and_names_the_login(data_dir: Path,
                                                                      tmp_path: Path) -> None:
    base = """
[store]
name = "Toko Maju"
[users]
owner = "Pak Budi"
[payment]
provider = "static"
mutasi_source = "orkut"
[providers.orkut]
merchant = "OK1234567"
"""
    toml = write(tmp_path / "toko.toml", base)
    r = run(data_dir, "setup", "--from", str(toml), stdin="482916\norkut-key-0123456789\n")
    assert r.returncode == 2
    assert r.stderr.splitlines()[0] == (
        'pos-app: setup: [qris]: provider static needs the shop\'s static QRIS: payload = '
        '"000201..." or image = "sticker.png"')
    write(toml, base + f'[qris]\npayload = "{BANKNEO}"\n')
    r = run(data_dir, "setup", "--from", str(toml), stdin="482916\norkut-key-0123456789\n")
    assert r.returncode == 0, r.stderr
    assert "payment    static; stored providers.orkut.api_key" in r.stdout
    assert "next       pos-app provider login orkut   (log in with the OTP)" in r.stdout
    assert get(data_dir, "providers.orkut.api_key") == "(set)"
    assert get(data_dir, "payment.mutasi_source") == "orkut"


def test_the_qris_can_come_from_a_picture_of_the_sticker(data_dir: Path, shop: Path) -> None:
    pytest.importorskip("zxingcpp")
    from tests.qris_pictures import write_qr_png

    write_qr_png(BANKNEO, shop.parent / "stiker.png")
    text = shop.read_text()
    payload_line = next(line for line in text.splitlines() if line.startswith("payload = "))
    write(shop, text.replace(payload_line, 'image = "stiker.png"'))
    r = run(data_dir, "setup", "--from", str(shop), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "QRIS       WARUNG BU SRI, JAKARTA SELATAN (NMID ID1022123456789), from the image" \
           in r.stdout
    # Both ways at once, or a picture without a QR code, are refused.
    write(shop, text.replace(payload_line, payload_line + '\nimage = "stiker.png"'))
    r = run(data_dir, "setup", "--from", str(shop), "--dry-run")
    assert r.returncode == 2
    assert "pos-app: setup: [qris]: give either payload or image, not both" in r.stderr
    write(shop, text.replace(payload_line, 'image = "harga.csv"'))
    r = run(data_dir, "setup", "--from", str(shop), "--dry-run")
    assert r.returncode == 2 and "pos-app: setup: [qris] image: " in r.stderr


def test_the_picture_option_says_not_available_without_the_reader(
        data_dir: Path, shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pos_app.qris_image", None)  # import fails: not there
    doc = load_setup_file(shop)
    doc["qris"] = {"image": "stiker.png"}
    db = open_database(data_dir / "pos.sqlite3")
    try:
        with pytest.raises(SetupInvalid) as caught:
            plan_setup(doc, source=shop, settings=Settings.load(data_dir), db=db)
    finally:
        db.close()
    assert [str(p) for p in caught.value.problems] == [
        '[qris] image: reading a QRIS from a picture is not available in this version yet; '
        'give the text instead: payload = "000201..."']


def test_dry_run_checks_and_shows_but_asks_and_writes_nothing(data_dir: Path,
                                                              shop: Path) -> None:
    r = run(data_dir, "setup", "--from", str(shop), "--dry-run")  # no stdin at all
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[:3] == ["setup from toko.toml: the file is valid (--dry-run)",
                                         "settings   23 in the file, 23 would change",
                                         "owner      Bu Sri: new"]
    assert "secret     providers.pakasir.api_key: asked for" in r.stdout
    assert "products   harga.csv (generic): 2 to add, 0 to change, 0 unchanged" in r.stdout
    assert "nothing was written (--dry-run)" in r.stderr
    nothing_written(data_dir)


# -- all or nothing, in-process ----------------------------------------------------------------
def _planned(data_dir: Path, shop: Path) -> tuple[Settings, Database]:
    """The till's settings and database, for plan_setup in-process."""
    return Settings.load(data_dir), open_database(data_dir / "pos.sqlite3")


def test_a_failed_config_write_rolls_the_database_back(
        data_dir: Path, shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pos_app import setup_file
    from pos_app.clock import utcnow

    settings, db = _planned(data_dir, shop)
    try:
        plan = plan_setup(load_setup_file(shop), source=shop, settings=settings, db=db,
                          terminal="K2")
        inputs = check_inputs(plan, PINS, {"providers.pakasir.api_key": API_KEY})

        def disk_full(path: Path, mutate: object) -> None:
            raise ConfigFileError(f"{path}: cannot write: No space left on device")

        monkeypatch.setattr(setup_file, "update_toml", disk_full)
        with pytest.raises(SetupApplyError, match="No space left on device; nothing was "
                                                  "written to the database"):
            apply_setup(plan, inputs, settings=settings, db=db, now=utcnow(), actor="test")
        assert staff.list_users(db) == []
        assert catalog.list_items(db, include_archived=True) == []
        assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'setup_applied'") == 0
        assert not settings.is_set("store.name")
    finally:
        db.close()


def test_inputs_are_checked_without_quoting_them(data_dir: Path, shop: Path) -> None:
    settings, db = _planned(data_dir, shop)
    try:
        plan = plan_setup(load_setup_file(shop), source=shop, settings=settings, db=db)
    finally:
        db.close()
    assert [(a.name, a.role, a.exists) for a in plan.accounts] == [
        ("Bu Sri", Role.OWNER, False), ("Andi", Role.CASHIER, False),
        ("Rina", Role.CASHIER, False)]
    with pytest.raises(SetupInputError) as caught:
        check_inputs(plan, PINS, {"providers.pakasir.api_key": "two words-secret"})
    assert "two words" not in str(caught.value)
    assert str(caught.value) == ("providers.pakasir.api_key: the value must not contain "
                                 "spaces")
    got = check_inputs(plan, {"Bu Sri": "482916", "Andi": "", "Rina": "246801"},
                       {"providers.pakasir.api_key": API_KEY})
    assert dict(got.pins) == {"Bu Sri": "482916", "Rina": "246801"}
    assert API_KEY not in repr(got) and "482916" not in repr(got)


def test_credentials_of_any_name_are_refused_as_such(data_dir: Path, shop: Path) -> None:
    doc = load_setup_file(shop)
    doc["providers"]["orkut"] = {"password": "hunter2-orkut", "token": "tok-0123456789"}
    doc["users"]["owner_pin"] = "482916"
    settings, db = _planned(data_dir, shop)
    try:
        with pytest.raises(SetupInvalid) as caught:
            plan_setup(doc, source=shop, settings=settings, db=db)
    finally:
        db.close()
    tail = "must not be written in the setup file (it is copied to every till and ends up in " \
           "chats and backups); remove the line"
    assert [str(p) for p in caught.value.problems] == [
        f"[providers.orkut] password: passwords, tokens and keys {tail}",
        f"[providers.orkut] token: a secret {tail}: `pos-app provider login orkut` stores it",
        f"[users] owner_pin: PINs {tail}: setup asks for each one on a hidden prompt, or reads "
        "them from stdin (one line per account)"]
    assert not any(v in str(caught.value) for v in ("hunter2", "tok-0123", "482916"))


def test_the_simulator_is_refused_for_a_shop(data_dir: Path, shop: Path) -> None:
    """The demo "pays" every QRIS by itself: a till set up from a file never sells that way."""
    toml = shop
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'provider = "pakasir"', 'provider = "simulator"', 1), encoding="utf-8")
    r = run(data_dir, "setup", "--from", str(toml), stdin=STDIN)
    assert r.returncode == 2
    assert "[payment] provider: 'simulator' is the demo" in r.stderr
    assert "nothing was written" in r.stderr


def test_stdin_lines_that_do_not_line_up_are_refused(data_dir: Path, shop: Path) -> None:
    """One line too many: a cashier's PIN would have become the API key."""
    r = run(data_dir, "setup", "--from", str(shop), stdin=STDIN + "REALKEY123\n")
    assert r.returncode == 2 and "more than asked for" in r.stderr
    assert "REALKEY123" not in r.stderr + r.stdout
    assert "no users yet" in run(data_dir, "user", "list").stdout
