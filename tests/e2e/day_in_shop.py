"""A day in the shop, end to end, on Xvfb with two screens (run by tests/test_e2e_day.py).

The app as ``pos-app`` composes it (``App``), on Qt's xcb platform: the first start creates
the owner, a cashier signs in with a PIN and opens the till, products come from a CSV
(``pos-app product import``), two products are scanned and paid by QRIS through a loopback
Pakasir fake (the customer display's QR, grabbed off the second screen, decoded with
zxing-cpp and "paid" at the fake), then once through the simulator; the soundbox emulator
says each payment exactly once; a line is refunded with the owner's PIN; the till is closed
with a cash count; the owner exports the day's PDF, whose totals are checked against
``pos-app report daily --format json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from pos_app.money import format_rupiah
from tests.cli_helpers import env_for, pos_app_cmd
from tests.waiting import WAIT_MS

pytestmark = pytest.mark.skipif(not os.environ.get("POS_APP_E2E_DAY"),
                                reason="run by tests/test_e2e_day.py on Xvfb")

OWNER, OWNER_PIN = "Bu Sari", "2468"
CASHIER, CASHIER_PIN = "Dewi", "1357"
PRODUCTS = ("nama,harga,barcode,kategori,stok\n"
            "Kopi Tubruk,6000,8991000000011,Minuman,40\n"
            "Roti Sobek,14500,8991000000028,Makanan,20\n"
            "Teh Tarik,8000,8991000000035,Minuman,\n")


def _cli(data_dir: Path, *args: str, stdin: str | None = None) -> str:
    r = subprocess.run([*pos_app_cmd(), *args], env=env_for(data_dir), input=stdin,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"pos-app {' '.join(args)}: {r.stderr}"
    return r.stdout


def _shot(widget_or_screen: object, name: str) -> None:
    out = os.environ.get("POS_APP_E2E_OUT")
    if out:
        widget_or_screen.grab().save(str(Path(out) / f"{name}.png"))  # type: ignore[attr-defined]


def _type_pin(qtbot, dlg, name: str, pin: str) -> None:  # type: ignore[no-untyped-def]
    """Pick ``name`` and type ``pin`` on the PIN pad's keyboard, then Enter."""
    qtbot.waitUntil(lambda: name in dlg.user_buttons, timeout=WAIT_MS)
    dlg.user_buttons[name].click()
    qtbot.keyClicks(dlg.pad, pin)
    qtbot.keyClick(dlg.pad, Qt.Key.Key_Return)


def _key(qtbot, w, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """An F-key as the cashier presses it: the till window has the keyboard back after
    every dialog (no window manager gives it back otherwise), so its shortcuts work."""
    qtbot.waitUntil(w.isActiveWindow, timeout=WAIT_MS)
    qtbot.keyClick(w.search_input, key)


def _scan(qtbot, w, code: str) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(w.search_input, code)
    qtbot.keyClick(w.search_input, Qt.Key.Key_Return)


def test_a_day_in_the_shop(data_dir: Path, qapp, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                           monkeypatch: pytest.MonkeyPatch) -> None:
    from hardware.emulator import VirtualSoundbox
    from pos_app.refunds import PaidBack
    from pos_app.settings import Settings
    from pos_app.ui.app import apply_look, open_data
    from pos_app.ui.composition import App
    from pos_app.ui.customer_display import DisplayState
    from pos_app.ui.refund_dialog import RefundDialog
    from pos_app.ui.shift_dialogs import CloseShiftDialog, OpenShiftDialog
    from pos_app.ui.staff.approve import OwnerApproval
    from pos_app.ui.staff.first_owner import FirstOwnerDialog
    from pos_app.ui.staff.sign_in import SignInDialog
    from tests.fakes.pakasir import DEFAULT_API_KEY, DEFAULT_PROJECT, PakasirFake
    from tests.qr_decode import decode

    assert QApplication.platformName() == "xcb"
    assert len(QApplication.screens()) == 2, "Xvfb with two screens"
    apply_look(qapp)
    gateway = PakasirFake()
    gateway.start()
    box = VirtualSoundbox(tmp_path).start()
    settings = Settings.load(data_dir)
    for key, value in {
        "store.name": "Warung Bu Sari", "payment.provider": "pakasir",
        "providers.pakasir.base_url": gateway.base_url,
        "providers.pakasir.project": DEFAULT_PROJECT,
        "providers.pakasir.api_key": DEFAULT_API_KEY,
        "simulator.pay_after_s": "2", "hardware.soundbox.port": box.port,
        "hardware.speaker": "off", "ui.customer_display_screen": "1",
    }.items():
        settings.set(key, value)
    csv = tmp_path / "produk.csv"
    csv.write_text(PRODUCTS, encoding="utf-8")
    _cli(data_dir, "product", "import", str(csv))
    till = App(open_data(None), qapp, demo=False)
    try:
        w = till.window
        qtbot.addWidget(w)
        till.show()
        till.start()
        session = till.session
        qtbot.addWidget(till.display)
        assert till.display.screen() is QApplication.screens()[1]

        # -- first start: the owner's account; the owner adds a cashier (Settings -> Staf) --
        qtbot.waitUntil(lambda: isinstance(session._dialog, FirstOwnerDialog), timeout=WAIT_MS)
        first = session._dialog
        _shot(first, "e2e-01-first-owner")
        qtbot.keyClicks(first.name_edit, OWNER)
        qtbot.keyClicks(first.pin_edit, OWNER_PIN)
        qtbot.keyClicks(first.pin2_edit, OWNER_PIN)
        first.submit_button.click()
        qtbot.waitUntil(lambda: session.user is not None and session.user.name == OWNER,
                        timeout=WAIT_MS)
        _cli(data_dir, "user", "add", CASHIER, "--role", "cashier",
             stdin=f"{CASHIER_PIN}\n{CASHIER_PIN}\n")
        # The owner hands over: lock, and the cashier signs in with her PIN.
        if isinstance(session._dialog, OpenShiftDialog):
            session._dialog.reject()
        qtbot.waitUntil(lambda: session._dialog is None, timeout=WAIT_MS)
        _key(qtbot, w, Qt.Key.Key_F12)
        qtbot.waitUntil(lambda: isinstance(session._dialog, SignInDialog), timeout=WAIT_MS)
        sign_in = session._dialog
        _type_pin(qtbot, sign_in, CASHIER, "0000")  # a wrong PIN first
        qtbot.waitUntil(lambda: "sisa 4" in sign_in.pad.error_text(), timeout=WAIT_MS)
        _type_pin(qtbot, sign_in, CASHIER, CASHIER_PIN)
        qtbot.waitUntil(lambda: session.user is not None and session.user.name == CASHIER,
                        timeout=WAIT_MS)

        # -- open the till with a float -------------------------------------------------------
        qtbot.waitUntil(lambda: isinstance(session._dialog, OpenShiftDialog), timeout=WAIT_MS)
        opening = session._dialog
        qtbot.keyClicks(opening.input, "200.000")
        qtbot.keyClick(opening.input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: session.shift is not None, timeout=WAIT_MS)
        assert session.shift.opening_float == 200_000
        qtbot.waitUntil(lambda: session._dialog is None, timeout=WAIT_MS)

        # -- sale 1: two products scanned, QRIS through the Pakasir fake -----------------------
        qtbot.waitUntil(lambda: till.service is not None and till.service.engine._thread
                        is not None, timeout=WAIT_MS)
        _scan(qtbot, w, "8991000000011")
        _scan(qtbot, w, "8991000000028")
        qtbot.waitUntil(lambda: w.cart.totals().total == 20_500, timeout=WAIT_MS)
        _key(qtbot, w, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: till.display.state is DisplayState.QRIS, timeout=WAIT_MS)
        qtbot.wait(300)  # drawn
        screen = QApplication.screens()[1]
        picture = screen.grabWindow(0)
        out = os.environ.get("POS_APP_E2E_OUT")
        if out:
            picture.save(str(Path(out) / "e2e-02-customer-display-qris.png"))
        (tx,) = gateway.transactions.values()
        payloads = decode(picture.toImage())
        assert payloads == [tx.payment_number], "the QR on the second screen is the gateway's"
        order1 = tx.order_id
        with qtbot.waitSignal(w.saleCompleted, timeout=WAIT_MS * 2):
            gateway.complete(order1)
        qtbot.waitUntil(lambda: till.display.state is DisplayState.PAID, timeout=WAIT_MS)
        assert box.wait_spoken(1, timeout_s=15)
        assert [(s.event_id != "", s.amount) for s in box.spoken] == [(True, tx.total_payment)]
        # The window shows it paid: the QRIS dialog gone, the receipt (naming the cashier) up.
        qtbot.waitUntil(lambda: w.receipt_dialog is not None, timeout=WAIT_MS)
        receipt = w.receipt_dialog.view.toPlainText()
        assert order1 in receipt and f"Kasir: {CASHIER}" in receipt and "pakasir" in receipt.lower()
        assert w.qris_dialog is None or not w.qris_dialog.isVisible()
        _shot(w, "e2e-03-paid")
        qtbot.keyClick(w.receipt_dialog, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: w.receipt_dialog is None, timeout=WAIT_MS)

        # -- sale 2: the simulator ------------------------------------------------------------
        till.ctx.settings.set("payment.provider", "simulator")
        w._settings_saved(["payment.provider"])
        _scan(qtbot, w, "8991000000035")
        qtbot.waitUntil(lambda: w.cart.totals().total == 8_000, timeout=WAIT_MS)
        with qtbot.waitSignal(w.saleCompleted, timeout=WAIT_MS * 3) as paid2:
            _key(qtbot, w, Qt.Key.Key_F5)
        order2 = paid2.args[0]
        qtbot.waitUntil(lambda: w.receipt_dialog is not None, timeout=WAIT_MS)
        qtbot.keyClick(w.receipt_dialog, Qt.Key.Key_Return)
        assert box.wait_spoken(2, timeout_s=15)
        qtbot.wait(1000)  # nothing said twice, even a while later
        assert [s.amount for s in box.spoken] == [tx.total_payment, 8_000]
        assert len(box.spoken_ids()) == 2

        # -- refund one line of sale 1 (in cash from the drawer), with the owner's PIN ---------
        w.show_history()
        qtbot.waitUntil(lambda: w.history_dialog is not None, timeout=WAIT_MS)
        hist = w.history_dialog
        row = next(i for i, r in enumerate(hist.rows) if r["id"] == order1)
        hist.table.selectRow(row)
        hist.refund_button.click()
        qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(RefundDialog)),
                        timeout=WAIT_MS)
        refund_dlg = next(d for d in w.findChildren(RefundDialog) if d.isVisible())
        qtbot.waitUntil(lambda: 2 in refund_dlg.steppers, timeout=WAIT_MS)
        refund_dlg.steppers[2].spin.setValue(1)  # the Roti Sobek
        qtbot.keyClicks(refund_dlg.reason, "Roti sudah keras")
        refund_dlg.paid_back_buttons[PaidBack.CASH].click()
        _shot(refund_dlg, "e2e-04-refund")
        refund_dlg.submit.click()
        qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(OwnerApproval)),
                        timeout=WAIT_MS)
        approval = next(d for d in w.findChildren(OwnerApproval) if d.isVisible())
        _type_pin(qtbot, approval, OWNER, OWNER_PIN)
        qtbot.waitUntil(lambda: refund_dlg.refund is not None, timeout=WAIT_MS)
        refund = refund_dlg.refund
        assert (refund.approved_by, refund.cashier) == (OWNER, CASHIER)
        assert refund.amount == 14_500  # the line's share of what was paid

        # -- close the till: count the drawer -------------------------------------------------
        _key(qtbot, w, Qt.Key.Key_F7)
        qtbot.waitUntil(lambda: isinstance(session._dialog, CloseShiftDialog), timeout=WAIT_MS)
        closing = session._dialog
        qtbot.waitUntil(lambda: closing.totals is not None, timeout=WAIT_MS)
        expected = closing.totals.expected_cash
        assert expected == 200_000 - 14_500
        pieces = {100_000: 1, 50_000: 1, 20_000: 1, 10_000: 1, 5_000: 1, 500: 1}
        for r in closing.rows:
            if r.value in pieces:
                r.edit.setText(str(pieces[r.value]))
        assert closing.difference == 0
        _shot(closing, "e2e-05-close")
        closing.close_button.click()
        qtbot.waitUntil(lambda: closing.closed is not None, timeout=WAIT_MS)
        assert closing.closed.counted_cash == expected and "LAPORAN Z" in closing.z_text
        closing.accept()
        qtbot.waitUntil(lambda: session.shift is None, timeout=WAIT_MS)
        business_date = closing.closed.business_date.isoformat()
        # The close took a backup (SQLite's online backup, off the GUI thread).
        qtbot.waitUntil(lambda: any((data_dir / "backups").glob("pos-shift-*.sqlite3")),
                        timeout=WAIT_MS)

        # -- the owner's evening: the day's PDF from the report screen ----------------------------
        pdf = tmp_path / "laporan.pdf"
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda *a, **k: (str(pdf), "PDF (*.pdf)")))
        w.open_report()
        qtbot.waitUntil(lambda: any(d.isVisible() for d in w.findChildren(OwnerApproval)),
                        timeout=WAIT_MS)
        approval = next(d for d in w.findChildren(OwnerApproval) if d.isVisible())
        _type_pin(qtbot, approval, OWNER, OWNER_PIN)
        qtbot.waitUntil(lambda: w.report_screen is not None, timeout=WAIT_MS)
        screen_dlg = w.report_screen
        qtbot.waitUntil(lambda: screen_dlg.current_report is not None, timeout=WAIT_MS)
        _shot(screen_dlg, "e2e-06-report")
        screen_dlg.export("pdf")
        qtbot.waitUntil(lambda: pdf.exists() and pdf.stat().st_size > 1000, timeout=WAIT_MS * 2)
        qtbot.wait(300)
        screen_dlg.reject()
        w.close()
    finally:
        till.close()
        box.close()
        gateway.stop()

    # -- who approved what: the refund and opening the report, each with the owner's PIN ------
    import sqlite3

    con = sqlite3.connect(data_dir / "pos.sqlite3")
    try:
        approvals = con.execute("SELECT actor, details FROM audit_log"
                                " WHERE action = 'owner_approved' ORDER BY id").fetchall()
    finally:
        con.close()
    assert [a for a, _ in approvals] == [OWNER, OWNER]
    assert all(json.loads(d)["asked_by"] == CASHIER for _, d in approvals)

    # -- the PDF's totals are the JSON report's ------------------------------------------------
    report = json.loads(_cli(data_dir, "report", "daily", "--date", business_date,
                             "--format", "json"))
    assert report["order_count"] == 2 and report["collected"] == 28_500
    assert report["refunds"]["amount"] == 14_500
    assert {o["order_id"] for o in report["orders"]} == {order1, order2}
    assert all(o["cashier"] == CASHIER for o in report["orders"])
    assert report["shifts"][0]["difference"] == 0
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext (poppler-utils) is needed to read the PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for key in ("gross_sales", "collected", "net_sales"):
        assert format_rupiah(report[key]) in text, f"{key} {report[key]} not in the PDF"
    assert order1 in text and order2 in text
    assert format_rupiah(report["refunds"]["amount"]) in text
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(Path(os.environ.get("POS_APP_E2E_OUT", tmp_path)) / "e2e-07-pdf")],
                   check=True)
    print("day done:", json.dumps({k: report[k] for k in ("order_count", "collected")}))
