"""QRIS that keeps working when the gateway doesn't: the shop's static QRIS takes over.

The window's tests drive the real cashier window, the real payment service and sync engine, and
a "gateway" that refuses every connection (a loopback port where nothing listens): F5, the
dialog offers "QRIS toko (cadangan)" at once, the cashier takes it, the QR made on this till
decodes to a dynamic QRIS of the shop's own merchant for the sale's amount -- in the dialog and
on the customer display -- and the money is confirmed by the cashier (audited) or by the mutasi
source. The sale is paid once, and the route it took is on record.

The engine's tests cover what the window can't show: a gateway attempt still in flight when the
sale switches, and money that reaches the gateway anyway -- a late payment, never a second sale.
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from pos_app import qris
from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till as CheckoutTill
from pos_app.order_state import OrderStatus, PaymentStatus
from pos_app.settings import Settings
from pos_app.storage.orders import due_outbox, latest_payment, load_order, load_payment
from pos_app.ui.customer_display import DisplayState
from sync.engine import Route, SyncEngine
from sync.events import EventKind, SyncEvent
from sync.providers.base import (
    CreateRequest,
    Invoice,
    PaymentRef,
    Provider,
    RemoteStatus,
    StatusResult,
    TransientError,
)
from sync.providers.info import Confirmation
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from sync.providers.static.adapter import StaticQrisProvider
from tests.qr_decode import decode
from tests.test_ui_cashier import INDOMIE, TEH, Till
from tests.waiting import WAIT_MS

WIB = ZoneInfo("Asia/Jakarta")
MIDTRANS_KEY = "mid-key-0123456789abcdef"


def refused_url() -> str:
    """A loopback address where nothing listens: every connection is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class GatewayDownTill(Till):
    """The till of a shop selling through the Midtrans middleware, which can't be reached."""

    def __init__(self, data_dir: Path, qtbot, *, static_qris: str | None = DEMO_STATIC_QRIS,
                 mutasi=None) -> None:  # type: ignore[no-untyped-def]
        s = Settings.load(data_dir)
        s.set("payment.provider", "midtrans")
        s.set("providers.midtrans.base_url", refused_url())
        s.set("providers.midtrans.app_code", "kasir")
        s.set("providers.midtrans.api_key", MIDTRANS_KEY)
        if static_qris:
            s.set("payment.static_qris", static_qris)
        if mutasi is not None:  # an OrderKuotaFake: its statement confirms the payments
            s.set("payment.mutasi_source", "orderkuota")
            s.set("providers.orderkuota.base_url", mutasi.base_url)
            s.set("providers.orderkuota.username", mutasi.username)
            s.set("providers.orderkuota.token", mutasi.issue_token(mutasi.username))
        super().__init__(data_dir, qtbot, demo=False, idle_after_s=60)

    def press_f5(self):  # type: ignore[no-untyped-def]
        """F5 on a cart of Indomie + Teh (Rp 9.500); the QRIS dialog, once it is open."""
        w = self.window
        self.scan(INDOMIE)
        self.scan(TEH)
        self.qtbot.keyClick(w.search_input, Qt.Key.Key_F5)
        self.qtbot.waitUntil(lambda: w.qris_dialog is not None, timeout=WAIT_MS)
        return w.qris_dialog




def payments_of(db, order_id: str) -> list:  # type: ignore[no-untyped-def]
    return db.query("SELECT * FROM payments WHERE order_id = ? ORDER BY created_at, rowid",
                    (order_id,))


def take_the_backup(t: GatewayDownTill, dlg) -> str:  # type: ignore[no-untyped-def]
    """The dialog offers the shop's QRIS as soon as the gateway refuses; take it. Returns the
    QR's payload, once it shows -- checked against the dialog's own rendering and the customer
    display's with an independent decoder."""
    qtbot = t.qtbot
    qtbot.waitUntil(lambda: dlg.fallback_button.isVisible(), timeout=WAIT_MS)
    # The gateway is unreachable: said so, in Indonesian, in the QR's place -- no white box.
    assert "tidak ada internet" in dlg.status.text().lower()
    assert "cadangan" in dlg.status.text()
    assert dlg.notice.isVisible() and not dlg.qr.isVisible()
    assert dlg.payload is None
    shown = []
    t.window.events.qr_shown.connect(shown.append)
    qtbot.mouseClick(dlg.fallback_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dlg.payload is not None, timeout=WAIT_MS)
    payload = dlg.payload
    assert dlg.qr.isVisible() and not dlg.notice.isVisible()
    assert shown and shown[-1].provider == "static" and shown[-1].payload == payload
    QApplication.processEvents()
    assert decode(dlg.qr.grab_qimage()) == [payload]
    qtbot.waitUntil(lambda: t.display.state is DisplayState.QRIS, timeout=WAIT_MS)
    QApplication.processEvents()
    assert decode(t.display.grab().toImage()) == [payload]
    return payload


def assert_dynamic_qris_of_the_shop(payload: str, amount: int) -> None:
    shop = qris.parse(DEMO_STATIC_QRIS)
    got = qris.parse(payload)
    assert got.amount == amount
    assert got.is_dynamic
    assert got.merchant == shop.merchant
    qris.validate(payload)  # CRC and structure


def assert_paid_once_through_the_backup(db, order_id: str, payable: int) -> None:  # type: ignore[no-untyped-def]
    order = load_order(db, order_id)
    assert order is not None and order.status is OrderStatus.PAID and order.total == 9500
    rows = payments_of(db, order_id)
    assert [(r["provider"], r["status"]) for r in rows] == [("midtrans", "cancelled"),
                                                            ("static", "paid")]
    gateway, backup = rows
    assert gateway["payable_amount"] is None, "the gateway never made a QR for it"
    assert backup["paid_amount"] == payable and backup["amount"] == 9500
    assert db.scalar("SELECT count(*) FROM outbox WHERE kind = 'sale_completed'"
                     " AND order_id = ?", (order_id,)) == 1
    assert db.scalar("SELECT count(*) FROM outbox WHERE status = 'pending'"
                     " AND kind = 'create_payment'") == 0
    audit = db.query("SELECT actor, details FROM audit_log WHERE action = 'qris_fallback'"
                     " AND order_id = ?", (order_id,))
    assert len(audit) == 1
    details = json.loads(audit[0]["details"])
    assert details["gateway"] == "midtrans" and details["to"] == "static"
    assert details["gateway_payment_id"] == gateway["id"]
    assert "cannot connect" in (details["gateway_error"] or "")


def test_gateway_down_the_cashier_confirms_the_shops_qris(data_dir: Path, qtbot,
                                                          monkeypatch) -> None:  # type: ignore[no-untyped-def]
    t = GatewayDownTill(data_dir, qtbot)
    try:
        dlg = t.press_f5()
        order_id = dlg.order_id
        assert not dlg.confirm_button.isVisible(), "the gateway confirms its own payments"
        payload = take_the_backup(t, dlg)
        assert_dynamic_qris_of_the_shop(payload, 9500)  # no mutasi source: no unique code
        # No statement to read: the cashier confirms, after checking the shop's app.
        assert dlg.confirm_button.isVisible() and dlg.confirm_button.isEnabled()
        assert "Sudah dibayar" in dlg.status.text()
        monkeypatch.setattr(QMessageBox, "question",
                            staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
        with qtbot.waitSignal(t.window.saleCompleted, timeout=WAIT_MS) as sale:
            qtbot.mouseClick(dlg.confirm_button, Qt.MouseButton.LeftButton)
        assert sale.args == [order_id]
        assert_paid_once_through_the_backup(t.db, order_id, 9500)
        assert t.db.scalar("SELECT count(*) FROM audit_log WHERE order_id = ?"
                           " AND action = 'payment_confirmed_manually'", (order_id,)) == 1
        assert t.window.cart.is_empty
        qtbot.waitUntil(lambda: t.window.last_receipt is not None, timeout=WAIT_MS)
    finally:
        t.close()


@pytest.mark.timeout(180)
def test_gateway_down_the_mutasi_confirms_the_shops_qris(data_dir: Path, qtbot,
                                                         orderkuota) -> None:  # type: ignore[no-untyped-def]
    t = GatewayDownTill(data_dir, qtbot, mutasi=orderkuota)
    try:
        dlg = t.press_f5()
        order_id = dlg.order_id
        payload = take_the_backup(t, dlg)
        # Matched on the statement by amount: a unique code, this till's (K1: ...1).
        payable = qris.parse(payload).amount
        assert payable is not None and payable != 9500 and payable % 10 == 1
        assert 9500 < payable < 10500
        assert_dynamic_qris_of_the_shop(payload, payable)
        assert dlg.amount_label.text() == f"Rp {payable:,}".replace(",", ".")
        assert not dlg.confirm_button.isVisible(), "the statement confirms, not the cashier"
        orderkuota.add_credit(payable, at_wib=datetime.now(WIB).replace(tzinfo=None))
        with qtbot.waitSignal(t.window.saleCompleted, timeout=60_000) as sale:
            pass
        assert sale.args == [order_id]
        assert_paid_once_through_the_backup(t.db, order_id, payable)
        assert t.db.scalar("SELECT count(*) FROM credits WHERE status = 'matched'") == 1
        assert orderkuota.requests_to("/api/v2/invoices/create") == [], "no gateway invoice"
    finally:
        t.close()


def test_gateway_down_without_a_static_qris_says_take_cash(data_dir: Path, qtbot) -> None:
    t = GatewayDownTill(data_dir, qtbot, static_qris=None)
    try:
        dlg = t.press_f5()
        qtbot.waitUntil(lambda: dlg.notice.isVisible(), timeout=WAIT_MS)
        status = dlg.status.text()
        assert "Tidak ada internet" in status and "terima tunai" in status
        assert "midtrans" not in status and "cannot" not in status and "providers." not in status
        # In the QR's place, what to do -- not an empty white box -- and no backup to offer.
        assert not dlg.qr.isVisible() and "Terima tunai" in dlg.notice.text()
        assert not dlg.fallback_button.isVisible()
        qtbot.wait(3500)  # past the wait after which a backup would be offered
        assert not dlg.fallback_button.isVisible() and dlg.payload is None
        order_id = dlg.order_id
        qtbot.keyClick(dlg, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: load_order(t.db, order_id).status is OrderStatus.CANCELLED,
                        timeout=WAIT_MS)
    finally:
        t.close()


@pytest.mark.timeout(180)
def test_a_gateway_that_hangs_is_passed_by_and_its_late_money_is_no_second_sale(
        data_dir: Path, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from tests.fakes.midtrans import MidtransFake
    from tests.fakes.server import Fault

    fake = MidtransFake(app_code="kasir", api_key=MIDTRANS_KEY)
    fake.start()
    gate = threading.Event()
    fake.inject(Fault.hold(gate), path="/charge")  # the charge hangs until the test says
    t = GatewayDownTill(data_dir, qtbot)
    try:
        t.settings.set("providers.midtrans.base_url", fake.base_url)
        t.service.forget_providers()
        dlg = t.press_f5()
        order_id = dlg.order_id
        qtbot.waitUntil(lambda: bool(fake.requests_to("/charge")), timeout=WAIT_MS)
        # Nothing failed, nothing came: after a few seconds the shop's QRIS is offered anyway.
        qtbot.waitUntil(lambda: dlg.fallback_button.isVisible(), timeout=10_000)
        assert "belum datang" in dlg.status.text() and dlg.payload is None
        qtbot.mouseClick(dlg.fallback_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dlg.payload is not None, timeout=WAIT_MS)
        backup = dlg.payload
        assert_dynamic_qris_of_the_shop(backup, 9500)
        # The gateway answers after all: its payment page is never shown, the sale stays on the
        # shop's QR.
        gate.set()
        qtbot.waitUntil(lambda: fake.charges_created == 1, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: payments_of(t.db, order_id)[0]["payable_amount"] is not None,
                        timeout=WAIT_MS)
        qtbot.wait(300)
        assert dlg.payload == backup and "cadangan" in dlg.status.text()
        assert t.display.state is DisplayState.QRIS
        monkeypatch.setattr(QMessageBox, "question",
                            staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))
        with qtbot.waitSignal(t.window.saleCompleted, timeout=WAIT_MS):
            qtbot.mouseClick(dlg.confirm_button, Qt.MouseButton.LeftButton)
        # The customer (or someone with a screenshot) pays the gateway's page anyway.
        fake.choose_method(order_id)
        fake.settle(order_id)
        t.service._check_soon(order_id)
        qtbot.waitUntil(lambda: payments_of(t.db, order_id)[0]["status"] == "late",
                        timeout=WAIT_MS)
        qtbot.waitUntil(lambda: "terlambat" in t.window.statusBar().currentMessage(),
                        timeout=WAIT_MS)
        assert load_order(t.db, order_id).status is OrderStatus.PAID
        assert [r["status"] for r in payments_of(t.db, order_id)] == ["late", "paid"]
        assert t.db.scalar("SELECT count(*) FROM outbox WHERE kind = 'sale_completed'") == 1
        assert t.db.scalar("SELECT count(*) FROM orders") == 1
    finally:
        gate.set()
        t.close()
        fake.stop()


# -- the engine: a gateway attempt in flight, and its money arriving anyway -------------------
class SlowGateway(Provider):
    """A gateway whose create waits for the test (it is "down" until then), then succeeds; its
    status answers what the test says."""

    name = "gw"
    confirmation = Confirmation.POLL
    min_poll_interval_s = 0.0

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.fail_first = True
        self.status = RemoteStatus.PENDING
        self.cancelled: list[str] = []

    def create(self, request: CreateRequest) -> Invoice:
        self.entered.set()
        assert self.release.wait(30)
        return Invoice(payable_amount=request.amount,
                       expires_at=request.created_at + timedelta(seconds=request.ttl_s),
                       provider_ref=f"gw-{request.order_id}",
                       qris=qris.to_dynamic(DEMO_STATIC_QRIS, request.amount))

    def check(self, ref: PaymentRef) -> StatusResult:
        return StatusResult(self.status, ref.payable_amount if self.status is RemoteStatus.PAID
                            else None, ref.provider_ref)

    def cancel(self, ref: PaymentRef) -> None:
        self.cancelled.append(ref.order_id)


class DownGateway(SlowGateway):
    """Its create waits for the test, then fails the way an unreachable gateway does."""

    def create(self, request: CreateRequest) -> Invoice:
        self.entered.set()
        assert self.release.wait(30)
        raise TransientError("gw POST /charge: cannot connect (ConnectError)")


def engine_with(db, clock, gateway: Provider) -> tuple[SyncEngine, list[SyncEvent]]:  # type: ignore[no-untyped-def]
    static = StaticQrisProvider(DEMO_STATIC_QRIS, clock)
    routes = {"gw": Route(gateway), "static": Route(static)}
    engine = SyncEngine(db, route_for=lambda name: routes[name], clock=clock,
                        poll_interval_s=1.0, late_poll_interval_s=30.0)
    events: list[SyncEvent] = []
    engine.add_listener(events.append)
    return engine, events


def open_sale(db, clock, provider: str = "gw") -> str:  # type: ignore[no-untyped-def]
    cart = Cart()
    cart.add(Product(sku="X1", name="Kopi", price=15000))
    checkout = CheckoutService(db, CheckoutTill("K1", WIB), clock)
    order, _payment = checkout.open_qris_sale(cart, provider, ttl_s=600)
    return order.id


def test_an_attempt_in_flight_that_succeeds_after_the_switch_is_cancelled_at_the_gateway(
        db, clock) -> None:  # type: ignore[no-untyped-def]
    gateway = SlowGateway()
    engine, events = engine_with(db, clock, gateway)
    order_id = open_sale(db, clock)
    (entry,) = due_outbox(db, clock())
    worker = threading.Thread(target=engine.handle_outbox, args=(entry,))
    worker.start()
    assert gateway.entered.wait(10)  # the gateway call is out, no answer yet
    new_id = engine.fall_back(order_id, "static", actor="kasir", ttl_s=600)
    assert new_id is not None
    backup = load_payment(db, new_id)
    assert backup.status is PaymentStatus.PENDING and backup.provider == "static"
    assert qris.parse(backup.qris).amount == 15000
    shown = [e for e in events if e.kind is EventKind.AWAITING_PAYMENT]
    assert [e.data["provider"] for e in shown] == ["static"]
    gateway.release.set()  # the gateway answers after all
    worker.join(10)
    gw_payment = payments_of(db, order_id)[0]
    assert gw_payment["status"] == "cancelled" and gw_payment["payable_amount"] == 15000
    assert [e.data["provider"] for e in events if e.kind is EventKind.AWAITING_PAYMENT] \
        == ["static"], "the gateway's QR is never shown"
    # Its invoice is cancelled at the gateway ...
    engine.run_once()
    assert gateway.cancelled == [order_id]
    # ... the cashier confirms the shop's QRIS ...
    assert engine.confirm_manually(order_id, "kasir", "UI")
    assert load_order(db, order_id).status is OrderStatus.PAID
    # ... and when the gateway says it was paid anyway, that is a late payment, not a sale.
    gateway.status = RemoteStatus.PAID
    clock.advance(31)
    engine.run_once()
    rows = payments_of(db, order_id)
    assert [(r["provider"], r["status"]) for r in rows] == [("gw", "late"), ("static", "paid")]
    assert load_order(db, order_id).status is OrderStatus.PAID
    assert db.scalar("SELECT count(*) FROM outbox WHERE kind = 'sale_completed'") == 1
    assert any(e.kind is EventKind.LATE_PAYMENT for e in events)


def test_no_switch_once_the_gateways_qr_is_there(db, clock) -> None:  # type: ignore[no-untyped-def]
    gateway = SlowGateway()
    gateway.release.set()
    engine, _events = engine_with(db, clock, gateway)
    order_id = open_sale(db, clock)
    engine.run_once()
    assert latest_payment(db, order_id).qris is not None  # the customer may be paying it
    assert engine.fall_back(order_id, "static", actor="kasir", ttl_s=600) is None
    assert [r["provider"] for r in payments_of(db, order_id)] == ["gw"]
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'qris_fallback'") == 0


def test_an_attempt_in_flight_that_fails_after_the_switch_tells_nobody(db, clock) -> None:  # type: ignore[no-untyped-def]
    gateway = DownGateway()
    engine, events = engine_with(db, clock, gateway)
    order_id = open_sale(db, clock)
    (entry,) = due_outbox(db, clock())
    worker = threading.Thread(target=engine.handle_outbox, args=(entry,))
    worker.start()
    assert gateway.entered.wait(10)
    assert engine.fall_back(order_id, "static", actor="kasir", ttl_s=600) is not None
    events.clear()
    gateway.release.set()  # the old attempt fails now, after the switch
    worker.join(10)
    # A "retrying" would tell the dialog, which shows the shop's QR by now, that the QR is late.
    assert [e.kind for e in events if e.order_id == order_id] == [], (
        "nothing to say about a payment that was replaced")
    assert engine.health.get("gw").state.value == "degraded", "the gateway's health still counts"
    assert db.scalar("SELECT status FROM outbox WHERE id = ?", (entry.id,)) == "done"
    assert latest_payment(db, order_id).provider == "static"
    assert load_order(db, order_id).status is OrderStatus.AWAITING_PAYMENT


def test_the_offer_keeps_the_dialog_on_a_1366x768_screen(qapp, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The notice takes the QR box's place: the dialog must not grow by a second box (it did,
    past the bottom of the screen, hiding "Batalkan" under Xvfb)."""
    from PySide6.QtWidgets import QWidget

    from pos_app.payments import Fallback
    from pos_app.ui.qris_dialog import QrisDialog

    parent = QWidget()
    parent.resize(1366, 768)
    qtbot.addWidget(parent)
    parent.show()
    dlg = QrisDialog("K1-20261206-0001", 15000, demo=False, manual=False, parent=parent,
                     provider="pakasir", fallback=Fallback("pakasir", "static", True))
    dlg.open()
    qtbot.waitExposed(dlg)
    before = dlg.height()
    dlg._qr_is_late(None)
    qapp.processEvents()
    assert dlg.fallback_button.isVisible() and dlg.cancel_button.isVisible()
    assert dlg.height() <= before
    dlg.reject()
