"""The staff screens: the PIN pad, signing in, an owner's approval, the first owner and the
Settings *Staf* page.

Real SQLite and real scrypt throughout: a PIN check is ~40 ms on a worker thread, so every
result is waited for (``qt_wait_for`` / ``waitSignal``), never slept for.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pos_app.settings import Settings
from pos_app.staff import Role, User
from pos_app.storage import staff
from pos_app.storage.database import Database
from pos_app.ui import i18n
from pos_app.ui.settings import SettingsDialog
from pos_app.ui.settings.staff import StaffPage
from pos_app.ui.staff import (
    FirstOwnerDialog,
    OwnerApproval,
    PinPad,
    SignInDialog,
    ask_owner,
)
from pos_app.ui.tasks import TaskManager
from tests.conftest import FakeClock
from tests.waiting import WAIT_MS, qt_wait_for

WIB = ZoneInfo("Asia/Jakarta")  # the clock fixture starts at 03:00 UTC = 10:00 WIB


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    i18n.set_language("id")
    yield
    i18n.set_language("id")


@pytest.fixture
def tasks(qapp) -> Iterator[TaskManager]:  # type: ignore[no-untyped-def]
    manager = TaskManager()
    yield manager
    manager.shutdown()


@pytest.fixture
def shop(db: Database, clock: FakeClock) -> Database:
    """Bu Sri (owner, PIN 1234) and Andi (cashier, PIN 5678)."""
    staff.add_user(db, "Bu Sri", Role.OWNER, "1234", clock(), actor="test")
    staff.add_user(db, "Andi", Role.CASHIER, "5678", clock(), actor="test")
    return db


def shown(qtbot, widget):  # type: ignore[no-untyped-def]
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget, timeout=WAIT_MS)
    return widget


def type_pin(qtbot, pad: PinPad, pin: str) -> None:  # type: ignore[no-untyped-def]
    pad.setFocus()
    qtbot.keyClicks(pad, pin)
    qtbot.keyClick(pad, Qt.Key.Key_Return)


def wait_error(qtbot, pad: PinPad, text: str) -> None:  # type: ignore[no-untyped-def]
    qt_wait_for(qtbot, lambda: pad.error_text() == text and not pad.busy,
                f"the pad to say {text!r} (it says {pad.error_text()!r})")


# -- the PIN pad -----------------------------------------------------------------------------
def test_the_pad_takes_digits_from_keys_and_keyboard(qtbot) -> None:  # type: ignore[no-untyped-def]
    pad = shown(qtbot, PinPad())
    pad.setFocus()
    qtbot.keyClicks(pad, "1a2 -")  # non-digits ignored
    assert pad.entered == 2 and pad.display.text() == "● ●"
    qtbot.keyClick(pad, Qt.Key.Key_Backspace)
    assert pad.entered == 1
    qtbot.keyClick(pad, Qt.Key.Key_7, Qt.KeyboardModifier.KeypadModifier)  # the numpad
    pad.buttons["4"].click()
    pad.buttons["0"].click()
    assert pad.entered == 4
    # Tapping a key leaves the keyboard with the pad: the keys never take the focus.
    assert all(b.focusPolicy() == Qt.FocusPolicy.NoFocus for b in pad.buttons.values())
    for key in "9999":
        pad.buttons[key].click()
    assert pad.entered == 6  # at most six
    pad.buttons["back"].click()
    with qtbot.waitSignal(pad.submitted, timeout=WAIT_MS) as sent:
        pad.buttons["ok"].click()
    assert sent.args == ["17409"]
    assert all(b.height() >= 56 for b in pad.buttons.values())
    assert [pad.buttons[k].text() for k in ("back", "0", "ok")] == ["⌫", "0", "OK"]


def test_the_pad_refuses_a_short_pin_and_ignores_input_while_busy(qtbot) -> None:  # type: ignore[no-untyped-def]
    pad = shown(qtbot, PinPad())
    sent: list[str] = []
    pad.submitted.connect(sent.append)
    type_pin(qtbot, pad, "123")
    assert sent == [] and pad.error_text() == "PIN harus 4 sampai 6 angka"
    pad.set_busy(True)
    qtbot.keyClicks(pad, "4")
    qtbot.keyClick(pad, Qt.Key.Key_Enter)
    assert pad.entered == 3 and sent == [] and not pad.buttons["5"].isEnabled()
    assert pad.message.text() == "Memeriksa PIN…" and pad.error_text() == ""
    pad.set_busy(False)
    qtbot.keyClicks(pad, "4")
    qtbot.keyClick(pad, Qt.Key.Key_Enter)
    assert sent == ["1234"] and pad.error_text() == ""
    pad.clear()
    assert pad.entered == 0 and pad.display.text() == "Ketik PIN"


# -- signing in ------------------------------------------------------------------------------
def sign_in_dialog(qtbot, db: Database, tasks: TaskManager,  # type: ignore[no-untyped-def]
                   clock: FakeClock, **kwargs) -> SignInDialog:
    dlg = shown(qtbot, SignInDialog(db, tasks, clock, tz=WIB, **kwargs))
    qt_wait_for(qtbot, lambda: dlg.user_buttons, "the names")
    return dlg


def test_sign_in_with_the_right_pin(qtbot, shop: Database, tasks: TaskManager,  # type: ignore[no-untyped-def]
                                    clock: FakeClock) -> None:
    dlg = sign_in_dialog(qtbot, shop, tasks, clock)
    assert list(dlg.user_buttons) == ["Bu Sri", "Andi"]
    assert dlg.user_buttons["Bu Sri"].text() == "Bu Sri  ·  Pemilik"
    assert dlg.user_buttons["Andi"].text() == "Andi"
    assert dlg.selected_name is None  # two users: nobody is picked for them
    type_pin(qtbot, dlg.pad, "5678")
    assert dlg.pad.error_text() == "Pilih nama dulu" and dlg.pad.entered == 0
    dlg.user_buttons["Andi"].click()
    assert dlg.selected_name == "Andi" and dlg.pad.prompt.text() == "PIN untuk Andi"
    with qtbot.waitSignal(dlg.accepted, timeout=WAIT_MS):
        type_pin(qtbot, dlg.pad, "5678")
    assert dlg.user is not None and (dlg.user.name, dlg.user.role) == ("Andi", Role.CASHIER)
    assert dlg.demo_banner is None


def test_a_wrong_pin_says_how_many_tries_are_left_then_locks(  # type: ignore[no-untyped-def]
        qtbot, shop: Database, tasks: TaskManager, clock: FakeClock) -> None:
    dlg = sign_in_dialog(qtbot, shop, tasks, clock)
    dlg.select("Andi")
    for left in (4, 3, 2, 1):
        type_pin(qtbot, dlg.pad, "0000")
        wait_error(qtbot, dlg.pad, f"PIN salah — sisa {left} kali")
        assert dlg.pad.entered == 0  # cleared for the next try
    type_pin(qtbot, dlg.pad, "0000")
    wait_error(qtbot, dlg.pad, "Terkunci sampai 10:05")  # store time (WIB), not UTC
    type_pin(qtbot, dlg.pad, "5678")  # the right PIN, but locked
    wait_error(qtbot, dlg.pad, "Terkunci sampai 10:05")
    assert dlg.isVisible() and dlg.user is None
    # Picking the locked user again says so before any PIN is typed.
    dlg.select("Bu Sri")
    assert dlg.pad.error_text() == ""
    dlg.select("Andi")
    qt_wait_for(qtbot, lambda: dlg.pad.error_text() == "Terkunci sampai 10:05", "the lock")
    clock.advance(5 * 60)
    with qtbot.waitSignal(dlg.accepted, timeout=WAIT_MS):
        type_pin(qtbot, dlg.pad, "5678")
    assert dlg.user is not None and dlg.user.name == "Andi"


def test_demo_mode_shows_the_pin_and_one_user_is_preselected(  # type: ignore[no-untyped-def]
        qtbot, db: Database, tasks: TaskManager, clock: FakeClock) -> None:
    staff.add_user(db, "Demo", Role.OWNER, "1234", clock(), actor="demo")
    dlg = sign_in_dialog(qtbot, db, tasks, clock, demo_pin="1234")
    assert dlg.demo_banner is not None and dlg.demo_banner.isVisible()
    assert dlg.demo_banner.text() == "Mode demo — PIN: 1234"
    assert dlg.selected_name == "Demo" and dlg.user_buttons["Demo"].isChecked()
    with qtbot.waitSignal(dlg.accepted, timeout=WAIT_MS):
        type_pin(qtbot, dlg.pad, "1234")


def test_inactive_users_are_not_listed(qtbot, shop: Database, tasks: TaskManager,  # type: ignore[no-untyped-def]
                                       clock: FakeClock) -> None:
    staff.set_active(shop, "Andi", False, clock(), actor="test")
    dlg = sign_in_dialog(qtbot, shop, tasks, clock)
    assert list(dlg.user_buttons) == ["Bu Sri"] and dlg.selected_name == "Bu Sri"


def test_sign_in_cannot_be_dismissed_unless_allowed(  # type: ignore[no-untyped-def]
        qtbot, shop: Database, tasks: TaskManager, clock: FakeClock) -> None:
    dlg = sign_in_dialog(qtbot, shop, tasks, clock)
    assert dlg.cancel_button is None
    dlg.pad.setFocus()
    qtbot.keyClick(dlg.pad, Qt.Key.Key_Escape)
    dlg.reject()
    dlg.close()
    QApplication.processEvents()
    assert dlg.isVisible() and dlg.result() == 0 and dlg.user is None

    other = sign_in_dialog(qtbot, shop, tasks, clock, allow_cancel=True)
    assert other.cancel_button is not None and other.cancel_button.text() == "Batal"
    with qtbot.waitSignal(other.rejected, timeout=WAIT_MS):
        other.pad.setFocus()
        qtbot.keyClick(other.pad, Qt.Key.Key_Escape)  # passed on by the pad
    assert not other.isVisible() and other.user is None


# -- owner approval --------------------------------------------------------------------------
WHAT = "Refund Rp 25.000 untuk K1-20261206-0003"


def approval(qtbot, db: Database, tasks: TaskManager,  # type: ignore[no-untyped-def]
             clock: FakeClock) -> OwnerApproval:
    dlg = shown(qtbot, OwnerApproval(db, tasks, WHAT, clock, tz=WIB))
    qt_wait_for(qtbot, lambda: dlg.user_buttons, "the owners")
    return dlg


def test_an_owner_pin_approves(qtbot, shop: Database, tasks: TaskManager,  # type: ignore[no-untyped-def]
                               clock: FakeClock) -> None:
    dlg = approval(qtbot, shop, tasks, clock)
    assert dlg.title.text() == "Perlu persetujuan pemilik" and dlg.what.text() == WHAT
    assert list(dlg.user_buttons) == ["Bu Sri"]  # owners only; the only one is picked
    assert dlg.selected_name == "Bu Sri"
    type_pin(qtbot, dlg.pad, "5678")  # Andi's PIN is not Bu Sri's
    wait_error(qtbot, dlg.pad, "PIN salah — sisa 4 kali")
    with qtbot.waitSignal(dlg.accepted, timeout=WAIT_MS):
        type_pin(qtbot, dlg.pad, "1234")
    assert dlg.approver is not None and dlg.approver.name == "Bu Sri"


def test_a_cashier_can_never_approve(qtbot, shop: Database, tasks: TaskManager,  # type: ignore[no-untyped-def]
                                     clock: FakeClock) -> None:
    dlg = approval(qtbot, shop, tasks, clock)
    dlg.select("Andi")  # not listed: nothing happens
    assert dlg.selected_name == "Bu Sri"
    # Even a cashier's name that got past the list is refused, with the cashier's own PIN,
    # before the PIN is checked: Andi's tries are not spent.
    dlg._selected = "Andi"
    type_pin(qtbot, dlg.pad, "5678")
    wait_error(qtbot, dlg.pad, "Hanya pemilik yang bisa menyetujui")
    assert dlg.isVisible() and dlg.approver is None and dlg.result() == 0
    assert staff.get_user(shop, "Andi").failed_attempts == 0
    dlg.reject()
    assert not dlg.isVisible() and dlg.approver is None


def test_ask_owner_lets_an_owner_approve_at_once(  # type: ignore[no-untyped-def]
        qtbot, shop: Database, tasks: TaskManager, clock: FakeClock) -> None:
    approved: list[User] = []
    owner = staff.get_user(shop, "Bu Sri")
    assert ask_owner(None, shop, tasks, WIB, WHAT, approved.append,
                     current_user=owner, clock=clock) is None
    assert approved == [owner]

    approved.clear()
    cashier = staff.get_user(shop, "Andi")
    dlg = ask_owner(None, shop, tasks, WIB, WHAT, approved.append, current_user=cashier,
                    clock=clock)
    assert isinstance(dlg, OwnerApproval) and dlg.isVisible() and approved == []
    qt_wait_for(qtbot, lambda: dlg.selected_name == "Bu Sri", "the owner picked")
    type_pin(qtbot, dlg.pad, "1234")
    qt_wait_for(qtbot, lambda: approved, "the approval")
    assert [u.name for u in approved] == ["Bu Sri"]

    cancelled = ask_owner(None, shop, tasks, WIB, WHAT, approved.append, clock=clock)
    assert cancelled is not None
    cancelled.reject()
    QApplication.processEvents()
    assert len(approved) == 1


# -- the first owner -------------------------------------------------------------------------
def test_the_first_owner_is_created_with_the_pin_typed_twice(  # type: ignore[no-untyped-def]
        qtbot, db: Database, tasks: TaskManager, clock: FakeClock) -> None:
    dlg = shown(qtbot, FirstOwnerDialog(db, tasks, clock))
    assert dlg.windowTitle() == "Buat akun pemilik" and dlg.cancel_button is None
    dlg.submit()
    assert dlg.errors() == {"name": "Nama wajib diisi", "pin": "PIN harus 4 sampai 6 angka"}
    qtbot.keyClicks(dlg.name_edit, "Bu  Sri")
    qtbot.keyClicks(dlg.pin_edit, "12ab34")  # letters never get in
    assert dlg.pin_edit.text() == "1234"
    assert "name" not in dlg.errors()  # typing cleared the name's error
    qtbot.keyClicks(dlg.pin2_edit, "1243")
    dlg.submit_button.click()
    assert dlg.errors() == {"pin2": "PIN kedua tidak sama. Ketik keduanya lagi."}
    assert dlg.name_edit.text() == "Bu  Sri"  # nothing else lost
    assert dlg.pin_edit.text() == "" and dlg.pin2_edit.text() == ""  # both hidden: retype
    qtbot.keyClicks(dlg.pin_edit, "123")
    qtbot.keyClicks(dlg.pin2_edit, "123")
    dlg.submit()
    assert dlg.errors() == {"pin": "PIN harus 4 sampai 6 angka"}
    dlg.reject()  # no way out without an owner
    qtbot.keyClick(dlg, Qt.Key.Key_Escape)
    assert dlg.isVisible()
    dlg.pin_edit.setText("482916")
    dlg.pin2_edit.setText("482916")
    with qtbot.waitSignal(dlg.accepted, timeout=WAIT_MS):
        dlg.submit()
    assert dlg.user is not None and (dlg.user.name, dlg.user.role) == ("Bu Sri", Role.OWNER)
    assert dlg.pin_edit.text() == ""  # the PIN doesn't stay in the closed form
    assert staff.sign_in(db, "Bu Sri", "482916", clock()).role is Role.OWNER
    assert [tuple(r) for r in db.query("SELECT actor, action FROM audit_log")] == [
        ("setup", "user_added")]


def test_no_second_first_owner(qtbot, shop: Database, tasks: TaskManager,  # type: ignore[no-untyped-def]
                               clock: FakeClock) -> None:
    dlg = shown(qtbot, FirstOwnerDialog(shop, tasks, clock))
    dlg.name_edit.setText("Tamu")
    dlg.pin_edit.setText("1111")
    dlg.pin2_edit.setText("1111")
    dlg.submit()
    qt_wait_for(qtbot, lambda: dlg.status_text().startswith("Sudah ada pemilik"), "refused")
    assert dlg.isVisible() and dlg.name_edit.text() == "Tamu"
    assert [u.name for u in staff.list_users(shop)] == ["Bu Sri", "Andi"]


# -- Pengaturan > Staf -----------------------------------------------------------------------
def staff_page(qtbot, data_dir: Path) -> tuple[SettingsDialog, StaffPage]:  # type: ignore[no-untyped-def]
    dlg = shown(qtbot, SettingsDialog(Settings.load(data_dir), screens_count=1))
    page = StaffPage.of(dlg)
    dlg.tabs.setCurrentIndex(dlg.pages.index(page))
    return dlg, page


def rows(page: StaffPage) -> list[list[str]]:
    return [[page.table.item(r, c).text() for c in range(4)]
            for r in range(page.table.rowCount())]


def test_the_staff_page_adds_deactivates_and_keeps_an_owner(  # type: ignore[no-untyped-def]
        qtbot, data_dir: Path, shop: Database, clock: FakeClock) -> None:
    dlg, page = staff_page(qtbot, data_dir)
    assert dlg.tabs.tabText(dlg.tabs.currentIndex()) == "Staf"
    assert not page.add_button.isEnabled()  # no database yet
    assert page.status.text().startswith("Daftar staf tidak tersedia")
    for _ in range(5):
        with pytest.raises(staff.StaffError):
            staff.sign_in(shop, "Andi", "0000", clock())
    page.attach(shop, actor="user:Bu Sri", clock=clock)
    qt_wait_for(qtbot, lambda: page.table.rowCount() == 2, "the list")
    assert rows(page) == [["Bu Sri", "Pemilik", "Aktif", ""],
                          ["Andi", "Kasir", "Aktif", "10:05"]]
    assert page.status.text() == "2 pengguna."

    # Tambah kasir...
    page.add_button.click()
    form = page.dialog
    assert form is not None and form.windowTitle() == "Tambah kasir"
    qtbot.keyClicks(form.name_edit, "andi")
    form.pin_edit.setText("2468")
    form.pin2_edit.setText("2468")
    form.submit()
    qt_wait_for(qtbot, lambda: "name" in form.errors(), "the duplicate refused")
    assert form.errors()["name"] == "Pengguna bernama andi sudah ada"
    assert form.pin_edit.text() == "2468"  # an error about the name keeps the PINs
    form.name_edit.setText("Sari")
    with qtbot.waitSignal(page.changed, timeout=WAIT_MS):
        form.submit_button.click()
    qt_wait_for(qtbot, lambda: page.table.rowCount() == 3, "Sari listed")
    assert rows(page)[2] == ["Sari", "Kasir", "Aktif", ""]
    assert page.status.text() == "Kasir Sari ditambahkan."
    assert staff.sign_in(shop, "Sari", "2468", clock()).role is Role.CASHIER

    # Nonaktifkan / Aktifkan
    page.select("Sari")
    assert page.active_button.text() == "Nonaktifkan"
    page.active_button.click()
    qt_wait_for(qtbot, lambda: rows(page)[2][2] == "Nonaktif", "Sari inactive")
    assert page.status.text() == "Sari dinonaktifkan."
    assert page.active_button.text() == "Aktifkan" and not staff.get_user(shop, "Sari").active
    page.active_button.click()
    qt_wait_for(qtbot, lambda: rows(page)[2][2] == "Aktif", "Sari active again")

    # The last owner stays.
    page.select("Bu Sri")
    page.active_button.click()
    qt_wait_for(qtbot, lambda: "pemilik aktif terakhir" in page.status.text(), "refused")
    assert page.status.text() == "Bu Sri adalah pemilik aktif terakhir: tidak bisa dinonaktifkan"
    assert staff.get_user(shop, "Bu Sri").active and rows(page)[0][2] == "Aktif"

    # Ganti PIN... (and the lock is lifted)
    page.select("Andi")
    page.pin_button.click()
    form = page.dialog
    assert form is not None and form.windowTitle() == "Ganti PIN"
    form.pin_edit.setText("1357")
    form.pin2_edit.setText("1357")
    form.submit()
    qt_wait_for(qtbot, lambda: page.status.text() == "PIN Andi diganti.", "the new PIN")
    qt_wait_for(qtbot, lambda: rows(page)[1][3] == "", "the lock lifted")
    assert staff.sign_in(shop, "Andi", "1357", clock()).name == "Andi"
    actors = {tuple(r) for r in shop.query(
        "SELECT actor, action FROM audit_log WHERE actor = 'user:Bu Sri'")}
    assert actors == {("user:Bu Sri", "user_added"), ("user:Bu Sri", "user_deactivated"),
                      ("user:Bu Sri", "user_activated"), ("user:Bu Sri", "user_pin_set")}
    dlg.reject()


def test_staff_screens_in_english(qtbot, shop: Database, tasks: TaskManager,  # type: ignore[no-untyped-def]
                                  clock: FakeClock) -> None:
    i18n.set_language("en")
    dlg = sign_in_dialog(qtbot, shop, tasks, clock, demo_pin="1234")
    assert dlg.windowTitle() == "Sign in" and dlg.demo_banner is not None
    assert dlg.demo_banner.text() == "Demo mode — PIN: 1234"
    dlg.select("Andi")
    type_pin(qtbot, dlg.pad, "0000")
    wait_error(qtbot, dlg.pad, "Wrong PIN — 4 tries left")


def test_a_real_till_retires_the_demo_accounts_and_asks_for_the_owner(  # type: ignore[no-untyped-def]
        data_dir, qapp, qtbot) -> None:
    from pos_app.clock import utcnow
    from pos_app.staff import Role
    from pos_app.storage.staff import ensure_demo_user, owner_count
    from pos_app.ui.app import open_data
    from pos_app.ui.composition import App
    from pos_app.ui.staff.first_owner import FirstOwnerDialog
    from pos_app.ui.staff_session import DEMO_OWNER, DEMO_PIN

    ctx = open_data(None)
    ensure_demo_user(ctx.db, DEMO_OWNER, Role.OWNER, DEMO_PIN, utcnow())  # yesterday's demo
    till = App(ctx, qapp, demo=False)
    try:
        qtbot.addWidget(till.window)
        till.show()
        till.start()
        qtbot.addWidget(till.display)
        qtbot.waitUntil(lambda: isinstance(till.session._dialog, FirstOwnerDialog),
                        timeout=WAIT_MS)
        assert owner_count(ctx.db) == 0
        till.window.close()
    finally:
        till.close()
