"""Tests for the customer display (pos_app.ui.customer_display) and QrView (pos_app.ui.qr_widget).

Everything runs on the offscreen platform. Texts are checked through the labels' objectNames,
the QR through a real decoder (zxing-cpp, via tests/qr_decode.py) on
what the widget actually paints, timers with the shared FakeClock plus pytest-qt waits, and
screen choice with stand-in screen objects (the offscreen platform has a single screen).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QImage
from PySide6.QtWidgets import QLabel

from pos_app import qr_render
from pos_app.ui import i18n
from pos_app.ui.customer_display import (
    CustomerDisplay,
    DisplayLine,
    DisplayState,
    choose_screen,
    format_countdown,
)
from pos_app.ui.qr_widget import QrView
from tests.qr_decode import decode
from tests.qris_samples import BANKNEO, DYNAMIC_SORTED
from tests.waiting import WAIT_MS, qt_seconds_until

STORE = "Warung Bu Sri"
LINES = [
    DisplayLine("Indomie Goreng", 2, 7_000),
    DisplayLine("Teh Botol Sosro", 1, 5_500),
    DisplayLine("Gula Pasir 1 kg", 1, 37_500),
]


@pytest.fixture
def display(qtbot, clock) -> CustomerDisplay:
    widget = CustomerDisplay(store_name=STORE, idle_after_s=0.2, clock=clock)
    qtbot.addWidget(widget)
    widget.resize(1024, 600)
    widget.show()
    qtbot.waitExposed(widget, timeout=WAIT_MS)
    return widget


@pytest.fixture
def english():
    i18n.set_language("en")
    yield
    i18n.set_language("id")


def text(display: CustomerDisplay, name: str) -> str:
    label = display.findChild(QLabel, name)
    assert label is not None, f"no QLabel named {name!r}"
    return label.text()


def visible(display: CustomerDisplay, name: str) -> bool:
    label = display.findChild(QLabel, name)
    assert label is not None, f"no QLabel named {name!r}"
    return label.isVisible()


def settle(qtbot) -> None:
    """Let posted layout requests and zero-delay timers run."""
    qtbot.wait(20)


def gray_levels(image: QImage) -> set[int]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(memoryview(gray.constBits()))
    stride, width = gray.bytesPerLine(), gray.width()
    return {b for y in range(gray.height()) for b in data[y * stride : y * stride + width]}


def rect_in(display: CustomerDisplay, widget) -> QRect:
    return QRect(widget.mapTo(display, widget.rect().topLeft()), widget.size())


# -- states and texts -------------------------------------------------------------------------


def test_starts_idle_with_store_name_and_welcome(display: CustomerDisplay) -> None:
    assert display.state is DisplayState.IDLE
    assert text(display, "storeNameLabel") == STORE
    assert text(display, "idleMessageLabel") == "Selamat datang"
    assert visible(display, "storeNameLabel") and visible(display, "idleMessageLabel")
    assert display.windowTitle() == "Layar Pelanggan"


def test_show_idle_message_and_store_name_setter(display: CustomerDisplay) -> None:
    display.show_idle("Toko Makmur", "Kasir sedang istirahat")
    assert display.store_name == "Toko Makmur"
    assert text(display, "storeNameLabel") == "Toko Makmur"
    assert text(display, "idleMessageLabel") == "Kasir sedang istirahat"
    display.store_name = "Warung Baru"
    assert text(display, "storeNameLabel") == "Warung Baru"


def test_cart_shows_lines_and_formatted_total(display: CustomerDisplay) -> None:
    display.show_cart(LINES, 50_000)
    assert display.state is DisplayState.CART
    names = [label.text() for label in display.findChildren(QLabel, "cartLineName")]
    amounts = [label.text() for label in display.findChildren(QLabel, "cartLineAmount")]
    quantities = [label.text() for label in display.findChildren(QLabel, "cartLineQuantity")]
    assert names == ["Indomie Goreng", "Teh Botol Sosro", "Gula Pasir 1 kg"]
    assert amounts == ["Rp 7.000", "Rp 5.500", "Rp 37.500"]
    assert quantities == ["2\u00d7", "1\u00d7", "1\u00d7"]
    assert text(display, "totalLabel") == "Total Rp 50.000"
    assert text(display, "cartCountLabel") == "4 barang"
    assert visible(display, "totalLabel")
    assert not visible(display, "discountLabel") and not visible(display, "taxLabel")


def test_cart_discount_and_tax(display: CustomerDisplay) -> None:
    display.show_cart(LINES, 51_000, discount=5_000, tax=6_000)
    assert text(display, "discountLabel") == "Diskon -Rp 5.000"
    assert text(display, "taxLabel") == "Pajak Rp 6.000"
    assert visible(display, "discountLabel") and visible(display, "taxLabel")
    assert text(display, "totalLabel") == "Total Rp 51.000"


def test_cart_update_replaces_lines(display: CustomerDisplay, qtbot) -> None:
    display.show_cart(LINES[:1], 7_000)
    display.show_cart([*LINES[:1], DisplayLine("Kopi Kapal Api", 3, 4_500)], 11_500)
    settle(qtbot)
    names = [label.text() for label in display.findChildren(QLabel, "cartLineName")]
    assert names == ["Indomie Goreng", "Kopi Kapal Api"]  # old rows are gone, not duplicated
    assert text(display, "totalLabel") == "Total Rp 11.500"


def test_empty_cart_returns_to_idle(display: CustomerDisplay) -> None:
    display.show_cart(LINES, 50_000)
    display.show_cart([], 0)
    assert display.state is DisplayState.IDLE
    assert text(display, "idleMessageLabel") == "Selamat datang"


def test_long_cart_scrolls_to_the_last_line(display: CustomerDisplay, qtbot) -> None:
    lines = [DisplayLine(f"Barang nomor {i}", 1, 1_000 * i) for i in range(1, 31)]
    display.show_cart(lines, 465_000)
    viewport = display.cart_scroll.viewport()

    def row_visible(name: str) -> bool:
        label = next(lb for lb in display.findChildren(QLabel, "cartLineName") if lb.text() == name)
        top_left = label.mapTo(viewport, label.rect().topLeft())
        return viewport.rect().contains(QRect(top_left, label.size()))

    qtbot.waitUntil(lambda: row_visible("Barang nomor 30"), timeout=WAIT_MS)
    assert not row_visible("Barang nomor 1")
    assert display.cart_scroll.verticalScrollBar().maximum() > 0


def test_changed_line_in_the_middle_is_highlighted_and_visible(
    display: CustomerDisplay, qtbot
) -> None:
    lines = [DisplayLine(f"Barang nomor {i}", 1, 1_000) for i in range(1, 31)]
    display.show_cart(lines, 30_000)
    settle(qtbot)
    changed = list(lines)
    changed[2] = DisplayLine("Barang nomor 3", 2, 2_000)  # quantity of an early line changes
    display.show_cart(changed, 31_000)
    viewport = display.cart_scroll.viewport()
    rows = [lb.parentWidget() for lb in display.findChildren(QLabel, "cartLineName")]
    highlighted = [row for row in rows if row.property("changed")]
    assert [row.findChild(QLabel, "cartLineName").text() for row in highlighted] == [
        "Barang nomor 3"
    ]

    def shown() -> bool:
        row = highlighted[0]
        return viewport.rect().contains(
            QRect(row.mapTo(viewport, row.rect().topLeft()), row.size()))

    qtbot.waitUntil(shown, timeout=WAIT_MS)


def test_paid_shows_thanks_then_returns_to_idle(display: CustomerDisplay, qtbot) -> None:
    started = time.monotonic()
    display.show_paid(50_000)
    assert display.state is DisplayState.PAID
    assert text(display, "paidTitleLabel") == "Terima kasih"
    assert text(display, "paidDetailLabel") == "Pembayaran Rp 50.000 diterima"
    # Not before idle_after_s (0.2 s; a coarse Qt timer may fire up to 5 % early). The time is
    # measured up to when the change was seen, so a slow machine can only make it longer.
    left_after = qt_seconds_until(qtbot, lambda: display.state is not DisplayState.PAID, started,
                                  "the display to leave PAID")
    assert left_after >= 0.95 * display.idle_after_s, f"left PAID after {left_after:.3f} s"
    assert display.state is DisplayState.IDLE
    assert text(display, "storeNameLabel") == STORE


def test_message_then_idle_keeps_the_idle_message(display: CustomerDisplay, qtbot) -> None:
    display.show_idle(STORE, "Silakan antre")
    display.show_message("Pembayaran dibatalkan")
    assert display.state is DisplayState.MESSAGE
    assert text(display, "messageLabel") == "Pembayaran dibatalkan"
    qtbot.waitUntil(lambda: display.state is DisplayState.IDLE, timeout=WAIT_MS)
    assert text(display, "idleMessageLabel") == "Silakan antre"


def test_new_state_cancels_pending_return_to_idle(display: CustomerDisplay, qtbot) -> None:
    display.show_paid(50_000)
    display.show_cart(LINES, 50_000)  # the next customer is already being rung up
    qtbot.wait(500)  # well past idle_after_s
    assert display.state is DisplayState.CART


def test_restarted_result_restarts_the_delay(clock, qtbot) -> None:
    display = CustomerDisplay(store_name=STORE, idle_after_s=0.4, clock=clock)
    qtbot.addWidget(display)
    for _attempt in range(20):
        display.show_message("Pembayaran dibatalkan")
        qtbot.wait(250)
        if display.state is DisplayState.MESSAGE:
            break  # the message's delay still runs (a starved test may have slept through it)
    else:
        pytest.fail("the message's 0.4 s delay never outlasted a 0.25 s wait")
    paid_at = time.monotonic()
    display.show_paid(10_000)  # a second result: its own full delay, not the rest of the first
    left_after = qt_seconds_until(qtbot, lambda: display.state is not DisplayState.PAID, paid_at,
                                  "the display to leave PAID")
    # The rest of the first delay would be 0.15 s; its own is 0.4 s. Qt's coarse timers may
    # fire up to 5 % early, which put a loaded CI run exactly on a 0.95 line (0.380 s): 0.9
    # still tells the two apart by far.
    assert left_after >= 0.9 * display.idle_after_s, f"left PAID after {left_after:.3f} s"
    assert display.state is DisplayState.IDLE


def test_english_catalogue(display: CustomerDisplay, english) -> None:
    display.show_paid(50_000)
    assert text(display, "paidTitleLabel") == "Thank you"
    assert text(display, "paidDetailLabel") == "Payment of Rp 50.000 received"
    display.show_cart(LINES, 50_000)
    assert text(display, "totalLabel") == "Total Rp 50.000"
    assert text(display, "cartCountLabel") == "Items: 4"


# -- QRIS -------------------------------------------------------------------------------------


def test_qris_shows_decodable_qr_amount_and_countdown(display: CustomerDisplay, clock,
                                                      qtbot) -> None:
    display.show_qris(BANKNEO, 1_250_000, clock.now + timedelta(minutes=10),
                      merchant_name="WARUNG BU SRI", fee_note="Termasuk biaya Rp 875")
    settle(qtbot)
    assert display.state is DisplayState.QRIS
    assert text(display, "qrisTitleLabel") == "Scan untuk membayar"
    assert text(display, "qrisAmountLabel") == "Rp 1.250.000"
    assert text(display, "qrisCountdownLabel") == "Berlaku 10:00"
    assert text(display, "qrisMerchantLabel") == "Penerima: WARUNG BU SRI"
    assert text(display, "qrisFeeLabel") == "Termasuk biaya Rp 875"
    qr = display.findChild(QrView, "qrView")
    assert qr is not None and qr.payload() == BANKNEO
    assert decode(qr.grab_qimage()) == [BANKNEO]
    assert decode(display.grab().toImage()) == [BANKNEO]  # also with the text beside it


def test_qris_optional_texts_hidden(display: CustomerDisplay, clock) -> None:
    display.show_qris(BANKNEO, 10_000, clock.now + timedelta(minutes=5))
    assert not visible(display, "qrisMerchantLabel")
    assert not visible(display, "qrisFeeLabel")


def test_qr_is_painted_crisp(display: CustomerDisplay, clock, qtbot) -> None:
    display.show_qris(DYNAMIC_SORTED, 1_250_000, clock.now + timedelta(minutes=10))
    settle(qtbot)
    image = display.qr_view.grab_qimage()
    inner = image.copy(image.rect().adjusted(3, 3, -3, -3))  # skip the thin grey frame
    assert gray_levels(inner) == {0, 255}  # no smoothing: only black and white pixels


def test_countdown_follows_the_clock(display: CustomerDisplay, clock, qtbot) -> None:
    display.show_qris(BANKNEO, 50_000, clock.now + timedelta(minutes=9, seconds=58))
    assert text(display, "qrisCountdownLabel") == "Berlaku 09:58"
    clock.advance(1)
    display._tick_countdown()  # the timer's slot
    assert text(display, "qrisCountdownLabel") == "Berlaku 09:57"
    clock.advance(0.5)
    display._tick_countdown()
    assert text(display, "qrisCountdownLabel") == "Berlaku 09:57"  # rounds up, never early
    clock.advance(57)
    # The real QTimer picks the new time up within about a second.
    qtbot.waitUntil(lambda: text(display, "qrisCountdownLabel") == "Berlaku 09:00", timeout=WAIT_MS)


def test_expiry_removes_qr_then_returns_to_idle(display: CustomerDisplay, clock, qtbot) -> None:
    display.show_qris(BANKNEO, 50_000, clock.now + timedelta(seconds=3))
    assert text(display, "qrisCountdownLabel") == "Berlaku 00:03"
    clock.advance(3)
    display._tick_countdown()
    assert text(display, "qrisCountdownLabel") == "Kedaluwarsa"
    assert display.qr_view.payload() is None  # an expired code must not stay scannable
    assert decode(display.grab().toImage()) == []
    assert display.state is DisplayState.QRIS
    qtbot.waitUntil(lambda: display.state is DisplayState.IDLE, timeout=WAIT_MS)


def test_already_expired_qris_shows_expired(display: CustomerDisplay, clock, qtbot) -> None:
    display.show_qris(BANKNEO, 50_000, clock.now - timedelta(seconds=1))
    assert text(display, "qrisCountdownLabel") == "Kedaluwarsa"
    assert display.qr_view.payload() is None
    qtbot.waitUntil(lambda: display.state is DisplayState.IDLE, timeout=WAIT_MS)


def test_paid_during_qris_stops_countdown_and_clears_qr(display: CustomerDisplay, clock,
                                                        qtbot) -> None:
    display.show_qris(BANKNEO, 50_000, clock.now + timedelta(seconds=2))
    display.show_paid(50_000)
    assert display.qr_view.payload() is None
    clock.advance(10)
    qtbot.wait(50)
    assert text(display, "paidTitleLabel") == "Terima kasih"
    assert text(display, "qrisCountdownLabel") != "Kedaluwarsa"  # the old countdown is dead


def test_qris_rejects_naive_expiry(display: CustomerDisplay) -> None:
    with pytest.raises(ValueError):
        display.show_qris(BANKNEO, 50_000, datetime(2026, 11, 27, 10, 0, 0))


@pytest.mark.parametrize(
    ("seconds", "shown"), [(598, "09:58"), (0, "00:00"), (59, "00:59"), (3600, "1:00:00")]
)
def test_format_countdown(seconds: int, shown: str) -> None:
    assert format_countdown(seconds) == shown


# -- QrView -----------------------------------------------------------------------------------


def test_qr_view_renders_per_size_and_caches(qtbot, monkeypatch) -> None:
    calls: list[int] = []
    real = qr_render.to_qimage

    def counting(payload: str, size_px: int, **kwargs):
        calls.append(size_px)
        return real(payload, size_px, **kwargs)

    monkeypatch.setattr(qr_render, "to_qimage", counting)
    view = QrView()
    qtbot.addWidget(view)
    view.resize(300, 300)
    view.show()
    qtbot.waitExposed(view, timeout=WAIT_MS)
    view.set_payload(BANKNEO)
    dpr = view.devicePixelRatioF()
    assert calls == [int(300 * dpr)]
    assert decode(view.grab_qimage()) == [BANKNEO]
    for _ in range(3):
        view.repaint()
    assert len(calls) == 1  # painting never re-renders
    view.resize(500, 420)
    settle(qtbot)
    assert calls[-1] == int(420 * dpr)  # follows the shorter side
    assert decode(view.grab_qimage()) == [BANKNEO]
    view.resize(300, 300)
    settle(qtbot)
    assert len(calls) == 2  # back to a cached size
    view.set_payload(None)
    assert view.payload() is None
    assert decode(view.grab_qimage()) == []


# -- screens ----------------------------------------------------------------------------------


class FakeScreen:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"FakeScreen({self.name})"


def test_choose_screen_single_screen_is_a_window() -> None:
    only = FakeScreen("laptop")
    assert choose_screen([only], only, -1) is None
    assert choose_screen([only], only, 0) is None  # never cover the cashier's only screen
    assert choose_screen([], None, -1) is None


def test_choose_screen_auto_picks_the_non_primary() -> None:
    a, b = FakeScreen("a"), FakeScreen("b")
    assert choose_screen([a, b], a, -1) is b
    assert choose_screen([a, b], b, -1) is a
    c = FakeScreen("c")
    assert choose_screen([a, b, c], a, -1) is b


def test_choose_screen_preferred_index() -> None:
    a, b, c = FakeScreen("a"), FakeScreen("b"), FakeScreen("c")
    assert choose_screen([a, b, c], a, 2) is c
    assert choose_screen([a, b, c], a, 0) is a  # the owner's explicit choice wins


def test_choose_screen_out_of_range_preferred_falls_back_to_auto() -> None:
    a, b = FakeScreen("a"), FakeScreen("b")
    assert choose_screen([a, b], a, 5) is b
    assert choose_screen([a, b], a, -7) is b


def test_place_with_one_real_screen_gives_a_normal_window(qtbot, clock) -> None:
    assert len(QGuiApplication.screens()) == 1  # the offscreen platform
    display = CustomerDisplay(store_name=STORE, clock=clock)
    qtbot.addWidget(display)
    assert display.place() is None
    qtbot.waitExposed(display, timeout=WAIT_MS)
    assert display.covering_screen() is None
    assert display.isVisible() and not display.isFullScreen()
    assert not display.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert display.windowTitle() == "Layar Pelanggan"
    assert display.size().toTuple() == (800, 600)


def test_place_on_a_chosen_screen_covers_it_frameless(qtbot, clock) -> None:
    screen = QGuiApplication.primaryScreen()
    display = CustomerDisplay(store_name=STORE, clock=clock)
    qtbot.addWidget(display)
    # Two entries and an explicit index exercise the "customer screen found" path with the
    # one real screen the offscreen platform has.
    assert display.place([screen, screen], preferred_index=1) is screen
    qtbot.waitExposed(display, timeout=WAIT_MS)
    assert display.covering_screen() is screen
    assert display.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert display.isFullScreen()
    assert display.geometry() == screen.geometry()
    assert display.windowHandle() is not None and display.windowHandle().screen() is screen
    # And back to a window when the customer screen goes away.
    assert display.place() is None
    assert display.covering_screen() is None
    assert not display.windowFlags() & Qt.WindowType.FramelessWindowHint
    assert not display.isFullScreen()
    assert display.size().toTuple() == (800, 600)


def test_display_never_takes_focus(display: CustomerDisplay) -> None:
    assert display.windowFlags() & Qt.WindowType.WindowDoesNotAcceptFocus
    assert display.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)


# -- layout -----------------------------------------------------------------------------------


def fitted_on_one_line(label: QLabel) -> bool:
    metrics = QFontMetrics(label.font())
    return metrics.horizontalAdvance(label.text()) <= label.contentsRect().width()


@pytest.mark.parametrize("size", [(1024, 600), (1366, 768), (800, 480), (600, 1024)])
def test_qris_layout_big_qr_and_no_overlap(qtbot, clock, size: tuple[int, int]) -> None:
    width, height = size
    display = CustomerDisplay(store_name=STORE, clock=clock)
    qtbot.addWidget(display)
    display.resize(width, height)
    display.show()
    qtbot.waitExposed(display, timeout=WAIT_MS)
    display.show_qris(DYNAMIC_SORTED, 1_250_000, clock.now + timedelta(minutes=10),
                      merchant_name="WARUNG BU SRI", fee_note="Termasuk biaya layanan Rp 875")
    settle(qtbot)
    assert display.size().toTuple() == size  # the content did not grow the window
    window = display.rect()
    qr_rect = rect_in(display, display.qr_view)
    assert qr_rect.width() == qr_rect.height() >= 0.6 * min(width, height)
    assert window.contains(qr_rect)
    labels = [lb for lb in display._pages[DisplayState.QRIS].findChildren(QLabel)
              if lb.isVisible()]
    assert len(labels) == 5
    for label in labels:
        box = rect_in(display, label)
        assert not box.intersects(qr_rect), label.objectName()
        assert window.contains(box), label.objectName()
    assert fitted_on_one_line(display.qris_amount_label)
    assert fitted_on_one_line(display.qris_countdown_label)
    assert decode(display.grab().toImage()) == [DYNAMIC_SORTED]


@pytest.mark.parametrize("size", [(1024, 600), (1366, 768), (600, 1024)])
def test_cart_layout_total_and_amounts_fit(qtbot, clock, size: tuple[int, int]) -> None:
    display = CustomerDisplay(store_name=STORE, clock=clock)
    qtbot.addWidget(display)
    display.resize(*size)
    display.show()
    qtbot.waitExposed(display, timeout=WAIT_MS)
    lines = [DisplayLine("Gula Pasir Gulaku 1 kg Premium Kuning", 12, 222_000)] + LINES
    display.show_cart(lines, 123_456_789, discount=1_000, tax=12_000)
    settle(qtbot)
    assert display.size().toTuple() == size
    assert fitted_on_one_line(display.total_label)
    assert display.rect().contains(rect_in(display, display.total_label))
    for label in display.findChildren(QLabel, "cartLineAmount"):
        assert fitted_on_one_line(label), label.text()


def test_normal_window_can_shrink_below_the_qr_size(qtbot, clock) -> None:
    display = CustomerDisplay(store_name=STORE, clock=clock)
    qtbot.addWidget(display)
    display.resize(1024, 600)
    display.show()
    qtbot.waitExposed(display, timeout=WAIT_MS)
    display.show_qris(BANKNEO, 1_250_000, clock.now + timedelta(minutes=10))
    settle(qtbot)
    display.resize(640, 400)  # the cashier drags the single-screen window smaller
    settle(qtbot)
    assert display.size().toTuple() == (640, 400)
    qr_rect = rect_in(display, display.qr_view)
    assert display.rect().contains(qr_rect)
    assert qr_rect.width() >= 0.6 * 400
    assert decode(display.qr_view.grab_qimage()) == [BANKNEO]


# -- following the till's app events ---------------------------------------------------------


def test_follows_the_sale_at_the_till_and_no_other(display: CustomerDisplay, clock) -> None:
    """Through the app events (pos_app/ui/events.py): the cart, the QR of the sale the cashier
    is taking -- also when it came before the window followed that sale -- and its result;
    QRs and payments of other orders (one left open before a restart) change nothing."""
    from pos_app.cart import Cart, Product
    from pos_app.clock import to_iso
    from pos_app.ui.events import AppEvents
    from sync.events import EventKind, SyncEvent

    events = AppEvents()
    display.follow(events)
    cart = Cart()
    cart.add(Product(sku="A", name="Kopi Susu", price=4_000), 2)
    events.report_cart(cart)
    assert display.state is DisplayState.CART and text(display, "totalLabel") == "Total Rp 8.000"

    def qr(order_id: str) -> SyncEvent:
        return SyncEvent(EventKind.AWAITING_PAYMENT, order_id, "pay-" + order_id, {
            "provider": "simulator", "payable_amount": 8_001, "qris": DYNAMIC_SORTED,
            "checkout_url": None, "expires_at": to_iso(clock() + timedelta(minutes=5))})

    def result(kind: EventKind, order_id: str, **data: object) -> SyncEvent:
        return SyncEvent(kind, order_id, "pay-" + order_id, data)

    events.publish(qr("K1-OLD"))
    events.publish(qr("K1-1"))  # before the window follows the sale: kept for it
    assert display.state is DisplayState.CART
    events.follow_sale("K1-1")
    assert display.state is DisplayState.QRIS and text(display, "qrisAmountLabel") == "Rp 8.001"
    assert decode(display.qr_view.grab_qimage()) == [DYNAMIC_SORTED]
    events.publish(result(EventKind.PAID, "K1-OLD", paid_amount=5_000))
    assert display.state is DisplayState.QRIS
    events.publish(result(EventKind.PAID, "K1-1", paid_amount=8_001, provider="simulator"))
    assert display.state is DisplayState.PAID
    assert text(display, "paidDetailLabel") == "Pembayaran Rp 8.001 diterima"

    for kind, shown in ((EventKind.EXPIRED, "QRIS kedaluwarsa"),
                        (EventKind.CANCELLED, "Pembayaran dibatalkan"),
                        (EventKind.FAILED, "Pembayaran dibatalkan")):
        order_id = f"K1-{kind.value}"
        events.follow_sale(order_id)
        events.publish(qr(order_id))
        assert display.state is DisplayState.QRIS
        events.publish(result(kind, order_id, error="refused"))
        assert display.state is DisplayState.MESSAGE and text(display, "messageLabel") == shown
    events.follow_sale(None)
    # Cash is always the sale at the till, although the window learns its id only afterwards.
    events.publish(result(EventKind.PAID, "K1-5", paid_amount=9_500, method="cash"))
    assert display.state is DisplayState.PAID
    assert text(display, "paidDetailLabel") == "Pembayaran Rp 9.500 diterima"


def test_follows_saved_settings(display: CustomerDisplay, data_dir) -> None:
    from pos_app.settings import Settings
    from pos_app.ui.events import AppEvents

    events = AppEvents()
    display.follow(events)
    settings = Settings.load(data_dir)
    settings.set("store.name", "Toko Makmur")
    events.report_settings(["store.name"], settings)
    assert display.store_name == "Toko Makmur" and text(display, "storeNameLabel") == "Toko Makmur"
    i18n.set_language("en")
    try:
        events.report_settings(["ui.language"], settings)
        assert display.windowTitle() == "Customer display"
    finally:
        i18n.set_language("id")
