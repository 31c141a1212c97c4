"""Settings -> Cadangan: the backups listed with what they hold, one taken and pinned from the
page, and a restore the owner confirms (date and order count shown): the till closes, the
backup replaces the data with nothing open, and the app would start again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from pos_app import backups
from pos_app.backups import Kind
from pos_app.cart import Cart, Product
from pos_app.payments import PaymentService
from pos_app.settings import Settings
from pos_app.storage import open_database
from pos_app.ui.settings import SettingsDialog
from pos_app.ui.settings.backups import BackupsPage
from tests.test_ui_settings_dialog import indonesian, open_dialog  # noqa: F401 (fixture)
from tests.waiting import WAIT_MS


def sell(data_dir: Path, n: int) -> None:
    db = open_database(data_dir / "pos.sqlite3")
    try:
        service = PaymentService(db, Settings.load(data_dir))
        for i in range(n):
            cart = Cart()
            cart.add(Product(sku="K", name="Kopi", price=4000 + i), 1)
            service.pay_cash(cart, 10_000)
    finally:
        db.close()


def page_of(dlg) -> BackupsPage:  # type: ignore[no-untyped-def]
    page = next(p for p in dlg.pages if isinstance(p, BackupsPage))
    dlg.tabs.setCurrentIndex(dlg.pages.index(page))
    return page


@pytest.fixture
def two_backups(data_dir: Path) -> list[Path]:
    sell(data_dir, 2)
    first = backups.take(data_dir, Kind.DAILY, datetime(2026, 12, 5, 14, 0, tzinfo=UTC))
    sell(data_dir, 3)
    second = backups.take(data_dir, Kind.DAILY, datetime(2026, 12, 6, 14, 0, tzinfo=UTC))
    return [first, second]


def test_the_page_lists_backups_takes_and_pins(qtbot, data_dir: Path,  # type: ignore[no-untyped-def]
                                               two_backups: list[Path]) -> None:
    dlg = open_dialog(qtbot, data_dir)
    page = page_of(dlg)
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=WAIT_MS)
    texts = [[page.table.item(r, c).text() for c in range(4)] for r in range(2)]
    assert texts == [["06/12/2026 21:00", "harian", "5", ""],  # newest first, WIB
                     ["05/12/2026 21:00", "harian", "2", ""]]
    page.backup_button.click()
    qtbot.waitUntil(lambda: page.table.rowCount() == 3, timeout=WAIT_MS)
    assert "Cadangan dibuat: pos-manual-" in page.status.text()
    page.table.selectRow(2)
    page.pin_button.click()
    qtbot.waitUntil(lambda: any(page.table.item(r, 3).text() == "ya" for r in range(3)),
                    timeout=WAIT_MS)
    assert [b.pinned for b in backups.list_backups(data_dir)].count(True) == 1
    dlg.reject()


def test_a_confirmed_restore_closes_the_till_and_restores(
        qtbot, qapp, data_dir: Path, two_backups: list[Path],  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pos_app.ui.app import open_data, restore_and_restart
    from pos_app.ui.composition import App
    from tests.till_helpers import ready_to_sell

    monkeypatch.setenv("POS_APP_NO_RESTART", "1")
    till = App(open_data(None), qapp, demo=True)
    try:
        w = till.window
        qtbot.addWidget(w)
        till.show()
        ready_to_sell(till, qtbot, shift=False)
        w.open_settings()  # the owner signed in: no PIN asked (once their account is read)
        qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(SettingsDialog)),
                        timeout=WAIT_MS)
        dlg = next(d for d in w.findChildren(SettingsDialog) if d.isVisible())
        page = page_of(dlg)
        qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=WAIT_MS)
        page.table.selectRow(1)  # the older one: 2 orders
        page.restore_button.click()
        box = page.question
        assert isinstance(box, QMessageBox) and box.isVisible()
        assert "05/12/2026 21:00" in box.text() and "2 pesanan" in box.informativeText()
        with qtbot.waitSignal(w.restoreRequested, timeout=WAIT_MS):
            next(b for b in box.buttons() if b.text() == "Pulihkan").click()
        qtbot.waitUntil(lambda: not w.isVisible(), timeout=WAIT_MS)
        assert till.pending_restore == str(two_backups[0])
    finally:
        till.close()
    restore_and_restart(data_dir, Path(str(till.pending_restore)))
    db = open_database(data_dir / "pos.sqlite3")
    try:
        assert db.scalar("SELECT count(*) FROM orders") == 2
    finally:
        db.close()
    kinds = [b.path.name for b in backups.list_backups(data_dir)]
    assert any(name.startswith("pos-before-restore-") for name in kinds)  # 5 orders kept
