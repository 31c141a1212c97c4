"""The customer display: a second window the customer reads across the counter.

It shows one of five states (:class:`DisplayState`): a welcome screen, the cart with its total,
the QRIS code with amount and countdown, "Terima kasih" after payment, or a short message
("Pembayaran dibatalkan"). At the till it follows the app events (:meth:`CustomerDisplay.follow`:
the cart, the QR of the sale being paid, the payment, saved settings); tests and tools can
call ``show_*`` directly. This widget has no services, no database and no network, only two
timers: the QRIS countdown and the single-shot return to the welcome screen after a result
(both cancelled by any new state, so a late timer can never overwrite what the cashier just
put on screen).

Readability from 1-2 m decides the look: white background, near-black text, one teal accent,
and font sizes computed from the window's shorter side (pixel sizes, not points, so a small
1024x600 HDMI panel and a 1920x1080 monitor look the same, just scaled). Amounts that must
stay on one line shrink to fit their column instead of being cut off.

Placement (:meth:`CustomerDisplay.place`): with a second screen the window goes frameless and
full screen there. The geometry is set explicitly before ``showFullScreen()`` because on a
kiosk PC without a window manager ``showFullScreen()`` alone leaves the window at its old small
size at 0,0 of the wrong screen. With only one screen the display is an ordinary 800x600
window, so the cashier's own window is never covered.

The display window never takes keyboard focus: the barcode scanner types into whichever window
has focus, and a scan must always reach the cashier window.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import Enum
from typing import TypeVar

from PySide6.QtCore import QMetaObject, QObject, QPointF, QRect, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QResizeEvent,
    QScreen,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app.clock import utcnow
from pos_app.money import format_rupiah
from pos_app.ui.events import (
    AppEvents,
    CartShown,
    DisplayLine,
    PaymentPaid,
    QrCleared,
    QrEnd,
    QrShown,
    SaleCompleted,
    SettingsChanged,
)
from pos_app.ui.i18n import register, tr
from pos_app.ui.props import set_state
from pos_app.ui.qr_widget import QrView

register({
    "Layar Pelanggan": "Customer display",
    "Selamat datang": "Welcome",
    "Belanjaan Anda": "Your items",
    "{count} barang": "Items: {count}",
    "Diskon {amount}": "Discount {amount}",
    "Pajak {amount}": "Tax {amount}",
    "Total {amount}": "Total {amount}",
    "Scan untuk membayar": "Scan to pay",
    "Penerima: {name}": "Payee: {name}",
    "Berlaku {time}": "Valid for {time}",
    "Kedaluwarsa": "Expired",
    "Kode QR sudah tidak berlaku": "This QR code is no longer valid",
    "Minta kode baru ke kasir": "Ask the cashier for a new code",
    "Terima kasih": "Thank you", "Kembalian {amount}": "Change {amount}",
    "Pembayaran {amount} diterima": "Payment of {amount} received",
    "Pembayaran dibatalkan": "Payment cancelled",
    "QRIS kedaluwarsa": "QRIS expired",
})

__all__ = [
    "CustomerDisplay",
    "DisplayLine",
    "DisplayState",
    "choose_screen",
    "format_countdown",
]

# Palette: contrast ratios on white are ~17:1 (text), ~7.6:1 (muted), ~5.5:1 (accent, also
# white-on-accent), ~6.5:1 (error) -- all above WCAG AA for the sizes used here.
BACKGROUND = "#ffffff"
TEXT = "#111827"
MUTED = "#4b5563"
ACCENT = "#0f766e"
ACCENT_SOFT = "#ccfbf1"
ERROR = "#b91c1c"
RULE = "#e5e7eb"

_FONT_FAMILIES = ["Inter", "Noto Sans", "Segoe UI", "Roboto", "DejaVu Sans", "Arial", "sans-serif"]
_NORMAL_WINDOW = QSize(800, 600)
_MIN_FONT_PX = 12

_STYLE = f"""
QWidget#customerDisplay, QStackedWidget, QWidget[page="true"], QScrollArea,
QWidget#cartLines {{ background: {BACKGROUND}; }}
QLabel {{ color: {TEXT}; background: transparent; }}
QLabel[tone="muted"] {{ color: {MUTED}; }}
QLabel[tone="accent"] {{ color: {ACCENT}; }}
QLabel[tone="error"] {{ color: {ERROR}; }}
QFrame#totalBar {{ background: {ACCENT}; border-radius: 14px; }}
QFrame#totalBar QLabel {{ color: #ffffff; }}
QFrame#cartLine {{ background: transparent; border-radius: 10px; }}
QFrame#cartLine[changed="true"] {{ background: {ACCENT_SOFT}; }}
QFrame[rule="true"] {{ background: {RULE}; border: none; }}
QFrame[accentRule="true"] {{ background: {ACCENT}; border: none; border-radius: 3px; }}
QScrollBar:vertical {{ background: {BACKGROUND}; width: 10px; margin: 0; }}
QScrollBar::handle:vertical {{ background: #cbd5e1; border-radius: 5px; min-height: 40px; }}
QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}
"""


class DisplayState(Enum):
    IDLE = "idle"
    CART = "cart"
    QRIS = "qris"
    PAID = "paid"
    MESSAGE = "message"


# choose_screen only compares screens by identity, so tests can pass plain stand-in objects.
S = TypeVar("S")


def choose_screen(screens: Sequence[S], primary: S | None, preferred_index: int = -1) -> S | None:
    """Which screen the customer display should cover, or ``None`` for a normal window.

    * Only one screen (or none): ``None``, even when ``preferred_index`` is 0 -- covering the
      only screen would hide the cashier window (the display cannot take focus either, so the
      cashier could not even bring it back with the keyboard).
    * ``preferred_index`` >= 0 and a valid index: that screen (the owner chose it in settings).
    * Otherwise (``-1`` = auto, or an index of a monitor that is no longer attached): the first
      screen that is not the primary one. The primary is where the cashier window lives.
    """
    candidates = list(screens)
    if len(candidates) < 2:
        return None
    if 0 <= preferred_index < len(candidates):
        return candidates[preferred_index]
    for screen in candidates:
        if screen is not primary:
            return screen
    return None


def format_countdown(seconds: int) -> str:
    """``598`` -> ``"09:58"``; an hour or more -> ``"1:00:00"`` (QRIS validity can be long)."""
    seconds = max(0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _font(pixel_size: int, *, bold: bool = False) -> QFont:
    font = QFont()
    font.setFamilies(_FONT_FAMILIES)
    font.setPixelSize(max(_MIN_FONT_PX, int(pixel_size)))
    font.setBold(bold)
    return font


def _fit_font(text: str, pixel_size: int, width: int, *, bold: bool = False) -> QFont:
    """The largest font up to ``pixel_size`` in which ``text`` fits on one line in ``width``."""
    font = _font(pixel_size, bold=bold)
    if width <= 0 or not text:
        return font
    advance = QFontMetrics(font).horizontalAdvance(text)
    size = font.pixelSize()
    # Glyph widths scale almost linearly with the pixel size: one proportional step, then
    # shrink by a pixel at a time to absorb hinting rounding.
    if advance > width:
        size = max(_MIN_FONT_PX, int(size * width / advance))
        font = _font(size, bold=bold)
        while size > _MIN_FONT_PX and QFontMetrics(font).horizontalAdvance(text) > width:
            size -= 1
            font = _font(size, bold=bold)
    return font


def _label(object_name: str, *, tone: str | None = None, wrap: bool = False,
           align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter,
           own_width: bool = False) -> QLabel:
    label = QLabel()
    label.setObjectName(object_name)
    label.setAlignment(align)
    label.setWordWrap(wrap)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names come from the product list: no HTML
    if tone:
        label.setProperty("tone", tone)
    if own_width:  # short texts beside a stretch: they keep their natural width
        label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        return label
    # Other labels never dictate the window's minimum width: the window is as big as its
    # screen, and texts are wrapped or shrunk to fit it (_fit_font). Otherwise a long amount
    # set before its font is fitted would grow the window past the screen edge.
    policy = label.sizePolicy()
    policy.setHorizontalPolicy(QSizePolicy.Policy.Ignored)
    label.setSizePolicy(policy)
    return label


class _CheckMark(QWidget):
    """A filled accent circle with a white tick: the "paid" symbol, drawn (no icon font)."""

    def paintEvent(self, event: QPaintEvent) -> None:
        side = min(self.width(), self.height())
        if side <= 0:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        x0 = (self.width() - side) / 2
        y0 = (self.height() - side) / 2
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(ACCENT))
        painter.drawEllipse(QPointF(x0 + side / 2, y0 + side / 2), side / 2, side / 2)
        pen = QPen(QColor("#ffffff"), max(2.0, side * 0.09))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        tick = QPainterPath(QPointF(x0 + side * 0.28, y0 + side * 0.52))
        tick.lineTo(QPointF(x0 + side * 0.44, y0 + side * 0.67))
        tick.lineTo(QPointF(x0 + side * 0.73, y0 + side * 0.36))
        painter.drawPath(tick)
        painter.end()


class _CartRow(QFrame):
    """One cart line: quantity, name (wraps), amount (never wraps)."""

    def __init__(self, line: DisplayLine, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cartLine")
        self.line = line
        layout = QHBoxLayout(self)
        self.quantity = _label("cartLineQuantity", tone="muted", own_width=True,
                               align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.quantity.setText(f"{line.quantity}\u00d7")
        self.name = _label("cartLineName", wrap=True,
                           align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.name.setText(line.name)
        # The amount is never cut: the name column gives way (it wraps) instead.
        self.amount = _label("cartLineAmount", own_width=True,
                             align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.amount.setText(format_rupiah(line.amount))
        layout.addWidget(self.quantity)
        layout.addWidget(self.name, 1)
        layout.addWidget(self.amount)

    def apply_size(self, pixel_size: int, quantity_width: int) -> None:
        pad = max(4, pixel_size // 4)
        self.layout().setContentsMargins(pad * 2, pad, pad * 2, pad)
        self.layout().setSpacing(pad * 3)
        self.quantity.setFont(_font(pixel_size))
        self.quantity.setFixedWidth(quantity_width)
        self.name.setFont(_font(pixel_size))
        self.amount.setFont(_font(pixel_size, bold=True))


class CustomerDisplay(QWidget):
    """The customer-facing window. Create once, :meth:`place` it, then call ``show_*``."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        store_name: str = "",
        idle_after_s: float = 5.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        if idle_after_s < 0:
            raise ValueError(f"idle_after_s must be >= 0, got {idle_after_s!r}")
        super().__init__(parent)
        # Always a top-level window, even when the main window passes itself as parent
        # (the parent only ties lifetimes together).
        self.setWindowFlag(Qt.WindowType.Window, True)
        # Never steal focus from the cashier window (see module docstring).
        self.setWindowFlag(Qt.WindowType.WindowDoesNotAcceptFocus, True)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setObjectName("customerDisplay")
        self.setWindowTitle(tr("Layar Pelanggan"))
        self.setStyleSheet(_STYLE)
        self.setAutoFillBackground(True)

        self._clock = clock
        self._idle_after_s = float(idle_after_s)
        self._store_name = store_name
        self._idle_message: str | None = None
        self._state = DisplayState.IDLE
        self._lines: tuple[DisplayLine, ...] = ()
        self._focus_row: _CartRow | None = None
        self._expires_at: datetime | None = None
        self._covering: QScreen | None = None
        self._normal_size_applied = False
        self._follow_screens = False
        self._preferred_index = -1
        self._screen_signals: list[QMetaObject.Connection] = []
        self._geometry_signal: QMetaObject.Connection | None = None

        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.timeout.connect(self._return_to_idle)
        self._countdown_timer = QTimer(self)
        self._countdown_timer.setSingleShot(True)  # re-armed each tick, aligned to the second
        self._countdown_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._countdown_timer.timeout.connect(self._tick_countdown)

        self._stack = QStackedWidget(self)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        # The QR's fixed size follows the window (_relayout), so the window must not in turn
        # take its minimum size from the QR: that would stop the normal window from shrinking.
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        outer.addWidget(self._stack)
        self._pages: dict[DisplayState, QWidget] = {}
        self._build_idle_page()
        self._build_cart_page()
        self._build_qris_page()
        self._build_paid_page()
        self._build_message_page()
        for widget in [self, *self.findChildren(QWidget)]:
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)

        self.resize(_NORMAL_WINDOW)
        self.show_idle(store_name)

    # -- page construction ----------------------------------------------------------------

    def _page(self, state: DisplayState) -> QWidget:
        page = QWidget()
        page.setObjectName(f"{state.value}Page")
        page.setProperty("page", True)
        self._pages[state] = page
        self._stack.addWidget(page)
        return page

    def _build_idle_page(self) -> None:
        page = self._page(DisplayState.IDLE)
        self._idle_layout = QVBoxLayout(page)
        self.store_name_label = _label("storeNameLabel", wrap=True)
        self._idle_rule = QFrame()
        self._idle_rule.setProperty("accentRule", True)
        self.idle_message_label = _label("idleMessageLabel", tone="muted", wrap=True)
        self._idle_layout.addStretch(3)
        self._idle_layout.addWidget(self.store_name_label)
        self._idle_layout.addWidget(self._idle_rule, 0, Qt.AlignmentFlag.AlignHCenter)
        self._idle_layout.addWidget(self.idle_message_label)
        self._idle_layout.addStretch(4)

    def _build_cart_page(self) -> None:
        page = self._page(DisplayState.CART)
        self._cart_layout = QVBoxLayout(page)
        header = QHBoxLayout()
        self.cart_title_label = _label("cartTitleLabel", tone="muted",
                                       align=Qt.AlignmentFlag.AlignLeft
                                       | Qt.AlignmentFlag.AlignVCenter)
        self.cart_title_label.setText(tr("Belanjaan Anda"))
        self.cart_count_label = _label("cartCountLabel", tone="muted", own_width=True,
                                       align=Qt.AlignmentFlag.AlignRight
                                       | Qt.AlignmentFlag.AlignVCenter)
        header.addWidget(self.cart_title_label, 1)
        header.addWidget(self.cart_count_label)
        self._cart_layout.addLayout(header)
        rule = QFrame()
        rule.setProperty("rule", True)
        rule.setFixedHeight(2)
        self._cart_layout.addWidget(rule)

        self.cart_scroll = QScrollArea()
        self.cart_scroll.setObjectName("cartScroll")
        self.cart_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.cart_scroll.setWidgetResizable(True)
        self.cart_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._lines_widget = QWidget()
        self._lines_widget.setObjectName("cartLines")
        self._lines_layout = QVBoxLayout(self._lines_widget)
        self._lines_layout.setContentsMargins(0, 0, 0, 0)
        self._lines_layout.setSpacing(0)
        self._lines_layout.addStretch(1)  # rows are inserted above it: a short cart sits on top
        self.cart_scroll.setWidget(self._lines_widget)
        # The scroll range is only known after the scroll area lays out the new rows (a posted
        # event), so the "show the changed line" scroll happens when the range changes.
        self.cart_scroll.verticalScrollBar().rangeChanged.connect(self._scroll_to_focus_row)
        self._cart_layout.addWidget(self.cart_scroll, 1)

        summary = QHBoxLayout()
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        self.discount_label = _label("discountLabel", tone="accent", align=right, own_width=True)
        self.tax_label = _label("taxLabel", tone="muted", align=right, own_width=True)
        summary.addStretch(1)
        summary.addWidget(self.discount_label)
        summary.addWidget(self.tax_label)
        self._summary_layout = summary
        self._cart_layout.addLayout(summary)

        self._total_bar = QFrame()
        self._total_bar.setObjectName("totalBar")
        bar = QHBoxLayout(self._total_bar)
        self.total_label = _label("totalLabel",
                                  align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.total_label)
        self._cart_layout.addWidget(self._total_bar)

    def _build_qris_page(self) -> None:
        page = self._page(DisplayState.QRIS)
        # Side by side on a landscape screen, stacked on a portrait one (see _relayout).
        self._qris_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, page)
        self.qr_view = QrView(framed=True)
        self.qr_view.setObjectName("qrView")
        self._qris_layout.addWidget(self.qr_view, 0, Qt.AlignmentFlag.AlignCenter)

        self._qris_text = QWidget()
        self._qris_text.setObjectName("qrisText")
        column = QVBoxLayout(self._qris_text)
        column.setContentsMargins(0, 0, 0, 0)
        self.qris_title_label = _label("qrisTitleLabel", wrap=True)
        self.qris_amount_label = _label("qrisAmountLabel", tone="accent")
        self.qris_countdown_label = _label("qrisCountdownLabel", tone="muted")
        self.qris_merchant_label = _label("qrisMerchantLabel", tone="muted", wrap=True)
        self.qris_fee_label = _label("qrisFeeLabel", tone="muted", wrap=True)
        self._qris_column = column
        column.addStretch(1)
        for label in (self.qris_title_label, self.qris_amount_label, self.qris_countdown_label,
                      self.qris_merchant_label, self.qris_fee_label):
            column.addWidget(label)
        column.addStretch(1)
        self._qris_layout.addWidget(self._qris_text, 1)

    def _build_paid_page(self) -> None:
        page = self._page(DisplayState.PAID)
        self._paid_layout = QVBoxLayout(page)
        self._check = _CheckMark()
        self._check.setObjectName("paidCheck")
        self.paid_title_label = _label("paidTitleLabel", tone="accent", wrap=True)
        self.paid_detail_label = _label("paidDetailLabel", wrap=True)
        self.paid_change_label = _label("paidChangeLabel", tone="accent", wrap=True)
        self.paid_change_label.hide()
        self._paid_layout.addStretch(3)
        self._paid_layout.addWidget(self._check, 0, Qt.AlignmentFlag.AlignHCenter)
        self._paid_layout.addWidget(self.paid_title_label)
        self._paid_layout.addWidget(self.paid_detail_label)
        self._paid_layout.addWidget(self.paid_change_label)
        self._paid_layout.addStretch(4)

    def _build_message_page(self) -> None:
        page = self._page(DisplayState.MESSAGE)
        self._message_layout = QVBoxLayout(page)
        self.message_label = _label("messageLabel", wrap=True)
        self._message_layout.addStretch(1)
        self._message_layout.addWidget(self.message_label)
        self._message_layout.addStretch(1)

    # -- public API -----------------------------------------------------------------------

    @property
    def state(self) -> DisplayState:
        return self._state

    @property
    def store_name(self) -> str:
        return self._store_name

    @store_name.setter
    def store_name(self, name: str) -> None:
        self._store_name = name
        self.store_name_label.setText(name)
        self.store_name_label.setVisible(bool(name))
        self._idle_rule.setVisible(bool(name))

    @property
    def idle_after_s(self) -> float:
        return self._idle_after_s

    def retranslate(self) -> None:
        """After a language change: the fixed texts now; the rest follows with the next screen
        (every ``show_*`` and each countdown tick writes its texts in the current language)."""
        self.setWindowTitle(tr("Layar Pelanggan"))
        self.cart_title_label.setText(tr("Belanjaan Anda"))
        if self._idle_message is None:
            self.idle_message_label.setText(tr("Selamat datang"))

    def show_idle(self, store_name: str, message: str | None = None) -> None:
        """Welcome screen: the store name and "Selamat datang" (or ``message``).

        The message is remembered: the automatic return after a payment shows it again.
        """
        self._enter(DisplayState.IDLE)
        self.store_name = store_name
        self._idle_message = message
        self.idle_message_label.setText(message or tr("Selamat datang"))

    def show_cart(self, lines: Sequence[DisplayLine], total: int, *,
                  discount: int = 0, tax: int = 0) -> None:
        """The cart and its total; ``total`` is shown as given (the cart computes it).

        The line that was added or changed since the last call is highlighted and scrolled
        into view; an empty cart goes back to the welcome screen.
        """
        lines = tuple(lines)
        if not lines:
            self._lines = ()
            self._clear_rows()
            self.show_idle(self._store_name, self._idle_message)
            return
        previous = self._lines if self._state is DisplayState.CART else ()
        self._enter(DisplayState.CART)
        self._lines = lines
        self._rebuild_rows(lines, _changed_index(previous, lines))
        count = sum(max(0, line.quantity) for line in lines)
        self.cart_count_label.setText(tr("{count} barang", count=count))
        # Discount is money off: always shown with a minus, whatever sign the caller used.
        self.discount_label.setText(tr("Diskon {amount}", amount=format_rupiah(-abs(discount))))
        self.discount_label.setVisible(discount != 0)
        self.tax_label.setText(tr("Pajak {amount}", amount=format_rupiah(tax)))
        self.tax_label.setVisible(tax != 0)
        self.total_label.setText(tr("Total {amount}", amount=format_rupiah(total)))
        self._relayout()

    def show_qris(self, payload: str, amount: int, expires_at: datetime, *,
                  merchant_name: str | None = None, fee_note: str | None = None) -> None:
        """The QR to scan, the amount and a live countdown to ``expires_at`` (aware, UTC).

        At expiry the code is removed (a customer must not pay an expired QR), "Kedaluwarsa"
        is shown, and the display returns to the welcome screen after the idle delay.
        """
        if not isinstance(payload, str) or not payload:
            raise ValueError("payload must be a non-empty str")
        if expires_at.tzinfo is None:
            raise ValueError("expires_at must be an aware datetime (UTC)")
        format_rupiah(amount)  # validates: int rupiah only
        self._enter(DisplayState.QRIS)
        self._expires_at = expires_at
        self.qr_view.set_payload(payload)
        self.qr_view.set_placeholder("")
        self.qris_title_label.setText(tr("Scan untuk membayar"))
        self.qris_amount_label.setText(format_rupiah(amount))
        self.qris_merchant_label.setText(tr("Penerima: {name}", name=merchant_name or ""))
        self.qris_merchant_label.setVisible(bool(merchant_name))
        self.qris_fee_label.setText(fee_note or "")
        self.qris_fee_label.setVisible(bool(fee_note))
        set_state(self.qris_countdown_label, tone="muted")
        self._tick_countdown()
        self._relayout()

    def show_paid(self, amount: int) -> None:
        """Show "Terima kasih" and the amount received; back to the welcome screen after the
        delay."""
        self._enter(DisplayState.PAID)
        self.paid_title_label.setText(tr("Terima kasih"))
        self.paid_detail_label.setText(tr("Pembayaran {amount} diterima",
                                          amount=format_rupiah(amount)))
        self.paid_change_label.hide()
        self._start_idle_timer()

    def show_change(self, change: int) -> None:
        """A cash sale's change, big, under "Terima kasih" -- kept until the next item (the
        customer checks the coins against it), not only until the welcome screen's delay."""
        if self._state is not DisplayState.PAID:
            self._enter(DisplayState.PAID)
            self.paid_title_label.setText(tr("Terima kasih"))
            self.paid_detail_label.setText("")
        self.paid_change_label.setText(tr("Kembalian {amount}", amount=format_rupiah(change)))
        self.paid_change_label.show()
        self._idle_timer.stop()
        self._relayout()

    def show_message(self, text: str) -> None:
        """A short notice (e.g. "Pembayaran dibatalkan"), then the welcome screen after the
        delay."""
        self._enter(DisplayState.MESSAGE)
        self.message_label.setText(text)
        self._start_idle_timer()

    def follow(self, events: AppEvents) -> None:
        """Show what happens at the till: the cart, the QR of the sale being paid, "Terima
        kasih" once it is paid, a short notice when its QR can't be paid any more; and take
        saved settings (store name, language, which screen)."""
        events.cart_changed.connect(self._cart_changed)
        events.qr_shown.connect(self._qr_shown)
        events.payment_paid.connect(self._payment_paid)
        events.qr_cleared.connect(self._qr_cleared)
        events.settings_changed.connect(self._settings_changed)
        events.sale_completed.connect(self._sale_completed)

    def _cart_changed(self, cart: CartShown) -> None:
        self.show_cart(cart.lines, cart.total, discount=cart.discount, tax=cart.tax)

    def _qr_shown(self, qr: QrShown) -> None:
        if qr.payload and qr.expires_at is not None:
            self.show_qris(qr.payload, qr.amount, qr.expires_at, merchant_name=qr.merchant_name,
                           fee_note=qr.fee_note)

    def _payment_paid(self, payment: PaymentPaid) -> None:
        self.show_paid(payment.amount)

    def _sale_completed(self, sale: SaleCompleted) -> None:
        if sale.change > 0:
            self.show_change(sale.change)

    def _qr_cleared(self, end: QrCleared) -> None:
        self.show_message(tr("QRIS kedaluwarsa") if end.reason is QrEnd.EXPIRED
                          else tr("Pembayaran dibatalkan"))

    def _settings_changed(self, change: SettingsChanged) -> None:
        if "ui.language" in change.keys:
            self.retranslate()
        self.store_name = str(change.settings.get("store.name"))
        if "ui.customer_display_screen" in change.keys:
            self.place(preferred_index=int(change.settings.get("ui.customer_display_screen")))

    def place(self, screens: Sequence[QScreen] | None = None,
              preferred_index: int = -1) -> QScreen | None:
        """Show the window: full screen on the customer's monitor, or a normal window.

        ``screens`` defaults to the application's screens; with that default the display also
        follows monitors being plugged in or out (a customer display switched on after the
        app started, or unplugged -- then it must not jump full screen onto the cashier's
        screen). Returns the covered screen, or ``None`` for a normal window.
        """
        self._follow_screens = screens is None
        self._preferred_index = preferred_index
        self._watch_screen_list(self._follow_screens)
        available = list(screens) if screens is not None else QGuiApplication.screens()
        screen = choose_screen(available, QGuiApplication.primaryScreen(), preferred_index)
        self._watch_screen_geometry(screen)
        if screen is None:
            self._show_windowed()
        else:
            self._show_covering(screen)
        return screen

    def covering_screen(self) -> QScreen | None:
        """The screen the display covers full screen, ``None`` when it is a normal window."""
        return self._covering

    # -- state machinery ------------------------------------------------------------------

    def _enter(self, state: DisplayState) -> None:
        # Any new state cancels what the previous one scheduled (return-to-idle, countdown).
        self._idle_timer.stop()
        self._countdown_timer.stop()
        if state is not DisplayState.QRIS:
            self._expires_at = None
            self.qr_view.set_payload(None)  # a stale QR must never reappear
        self._state = state
        self._stack.setCurrentWidget(self._pages[state])

    def _start_idle_timer(self) -> None:
        self._idle_timer.start(max(0, round(self._idle_after_s * 1000)))

    def _return_to_idle(self) -> None:
        self.show_idle(self._store_name, self._idle_message)

    def _tick_countdown(self) -> None:
        if self._state is not DisplayState.QRIS or self._expires_at is None:
            return
        remaining = (self._expires_at - self._clock()).total_seconds()
        if remaining <= 0:
            self._expires_at = None
            self.qr_view.set_payload(None)
            # Keep the (now empty) square so the text column does not jump.
            self.qr_view.set_placeholder(tr("Minta kode baru ke kasir"))
            self.qris_title_label.setText(tr("Kode QR sudah tidak berlaku"))
            self.qris_countdown_label.setText(tr("Kedaluwarsa"))
            set_state(self.qris_countdown_label, tone="error")
            self._relayout()
            self._start_idle_timer()
            return
        # Round up: "00:01" until the very end, and "Kedaluwarsa" exactly at expiry.
        seconds = math.ceil(remaining)
        self.qris_countdown_label.setText(tr("Berlaku {time}", time=format_countdown(seconds)))
        # Wake up when the shown second changes rather than on a free-running 1 s beat, which
        # could lag the real deadline by up to a second.
        until_change_ms = (remaining - (seconds - 1)) * 1000
        self._countdown_timer.start(int(min(1000, max(50, until_change_ms + 5))))

    # -- cart rows ------------------------------------------------------------------------

    def _clear_rows(self) -> None:
        self._focus_row = None
        while self._lines_layout.count() > 1:
            item = self._lines_layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                # Out of the widget tree at once (findChildren, tests, screenshots must not
                # see the old rows), destroyed later in case an event for it is in flight.
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()

    def _rebuild_rows(self, lines: tuple[DisplayLine, ...], changed: int) -> None:
        # Rebuilding is simpler than diffing widgets and cheap: a warung cart has tens of lines.
        self._clear_rows()
        for index, line in enumerate(lines):
            row = _CartRow(line)
            row.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            set_state(row, changed=index == changed)
            self._lines_layout.insertWidget(self._lines_layout.count() - 1, row)
            if index == changed:
                self._focus_row = row
        self._apply_row_sizes()
        QTimer.singleShot(0, self, self._scroll_to_focus_row)  # context: dropped if we die

    def _rows(self) -> list[_CartRow]:
        rows = []
        for i in range(self._lines_layout.count()):
            widget = self._lines_layout.itemAt(i).widget()
            if isinstance(widget, _CartRow):
                rows.append(widget)
        return rows

    def _scroll_to_focus_row(self, *_: object) -> None:
        row = self._focus_row
        if row is None or self._state is not DisplayState.CART:
            return
        if row is self._rows()[-1]:
            bar = self.cart_scroll.verticalScrollBar()
            bar.setValue(bar.maximum())  # the last line: show the space below it too
        else:
            self.cart_scroll.ensureWidgetVisible(row, 0, row.height() // 2)

    # -- screen placement -----------------------------------------------------------------

    def _show_windowed(self) -> None:
        was_covering = self._covering is not None
        self._covering = None
        if self.windowFlags() & Qt.WindowType.FramelessWindowHint:
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint, False)  # hides the window
        self.setWindowTitle(tr("Layar Pelanggan"))
        self.showNormal()
        # Only impose the default size the first time or when leaving full screen, so a
        # size the cashier dragged the window to survives a re-place().
        if was_covering or not self._normal_size_applied:
            self.resize(_NORMAL_WINDOW)
            self._normal_size_applied = True

    def _show_covering(self, screen: QScreen) -> None:
        self._covering = screen
        if not self.windowFlags() & Qt.WindowType.FramelessWindowHint:
            self.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)  # hides the window
        self.winId()  # create the native window so windowHandle() exists
        handle = self.windowHandle()
        if handle is not None:
            handle.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()

    def _watch_screen_geometry(self, screen: QScreen | None) -> None:
        # A resolution change on the customer monitor must not leave a gap or overflow.
        if self._geometry_signal is not None:
            QObject.disconnect(self._geometry_signal)
            self._geometry_signal = None
        if screen is not None:
            self._geometry_signal = screen.geometryChanged.connect(self._on_screen_geometry)

    def _on_screen_geometry(self, rect: QRect) -> None:
        if self._covering is not None:
            self.setGeometry(rect)

    def _watch_screen_list(self, follow: bool) -> None:
        app = QGuiApplication.instance()
        if follow and not self._screen_signals and isinstance(app, QGuiApplication):
            self._screen_signals = [
                app.screenAdded.connect(self._on_screens_changed),
                app.screenRemoved.connect(self._on_screens_changed),
            ]
        elif not follow:
            for connection in self._screen_signals:
                QObject.disconnect(connection)
            self._screen_signals = []

    def _on_screens_changed(self, *_: object) -> None:
        # Deferred: while screenRemoved is being delivered Qt is still moving windows off the
        # dying screen, and screens() may still list it.
        if self._follow_screens:
            QTimer.singleShot(0, self, lambda: self.place(None, self._preferred_index))

    # -- sizing ---------------------------------------------------------------------------

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._relayout()

    def qr_side_for(self, width: int, height: int) -> int:
        """The QR square's side for a window of ``width`` x ``height`` (logical pixels)."""
        margin = self._margin(width, height)
        if self._portrait(width, height):
            return max(0, min(width - 2 * margin, int((height - 2 * margin) * 0.62)))
        return max(0, min(height - 2 * margin, int((width - 2 * margin) * 0.6)))

    @staticmethod
    def _margin(width: int, height: int) -> int:
        return max(8, round(min(width, height) * 0.045))

    @staticmethod
    def _portrait(width: int, height: int) -> bool:
        return height > width * 1.1

    def _relayout(self) -> None:
        """Sizes every font and the QR square from the window size.

        Called on resize and after texts change (amounts are fitted to their column width).
        """
        width, height = max(1, self.width()), max(1, self.height())
        unit = min(width, height)
        margin = self._margin(width, height)
        spacing = max(6, round(unit * 0.03))
        content_width = width - 2 * margin

        # Idle
        self._idle_layout.setContentsMargins(margin, margin, margin, margin)
        self._idle_layout.setSpacing(spacing)
        self.store_name_label.setFont(_font(round(unit * 0.13), bold=True))
        self.idle_message_label.setFont(_font(round(unit * 0.075)))
        self._idle_rule.setFixedSize(max(40, round(unit * 0.2)), max(3, round(unit * 0.01)))

        # Cart
        # Narrow (portrait) screens: cap by width too, or names wrap into one word per line.
        row_px = round(min(unit * 0.06, width * 0.045))
        self._cart_layout.setContentsMargins(margin, margin, margin, margin)
        self._cart_layout.setSpacing(max(4, spacing // 2))
        self.cart_title_label.setFont(_font(round(unit * 0.05), bold=True))
        self.cart_count_label.setFont(_font(round(unit * 0.05)))
        self.discount_label.setFont(_font(round(unit * 0.05)))
        self.tax_label.setFont(_font(round(unit * 0.05)))
        self._summary_layout.setSpacing(spacing * 2)
        bar_pad = max(6, round(unit * 0.025))
        self._total_bar.layout().setContentsMargins(bar_pad * 2, bar_pad, bar_pad * 2, bar_pad)
        self.total_label.setFont(_fit_font(self.total_label.text(), round(unit * 0.11),
                                           content_width - 4 * bar_pad - 4, bold=True))
        self._row_px = row_px
        self._apply_row_sizes()

        # QRIS
        side = self.qr_side_for(width, height)
        portrait = self._portrait(width, height)
        self._qris_layout.setDirection(
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight)
        self._qris_layout.setContentsMargins(margin, margin, margin, margin)
        self._qris_layout.setSpacing(margin)
        self.qr_view.setFixedSize(side, side)
        text_width = content_width if portrait else content_width - side - margin
        self._qris_column.setSpacing(max(4, spacing // 2))
        self.qris_title_label.setFont(_font(round(unit * 0.06), bold=True))
        self.qris_amount_label.setFont(_fit_font(self.qris_amount_label.text(),
                                                 round(unit * 0.12), text_width - 4, bold=True))
        self.qris_countdown_label.setFont(_fit_font(self.qris_countdown_label.text(),
                                                    round(unit * 0.06), text_width - 4))
        self.qris_merchant_label.setFont(_font(round(unit * 0.04)))
        self.qris_fee_label.setFont(_font(round(unit * 0.035)))

        # Paid
        self._paid_layout.setContentsMargins(margin, margin, margin, margin)
        self._paid_layout.setSpacing(spacing)
        self._check.setFixedSize(round(unit * 0.2), round(unit * 0.2))
        self.paid_title_label.setFont(_font(round(unit * 0.13), bold=True))
        self.paid_detail_label.setFont(_font(round(unit * 0.06)))
        self.paid_change_label.setFont(_font(round(unit * 0.09), bold=True))

        # Message
        self._message_layout.setContentsMargins(margin, margin, margin, margin)
        self.message_label.setFont(_font(round(unit * 0.09), bold=True))

    def _apply_row_sizes(self) -> None:
        row_px = getattr(self, "_row_px", 24)
        rows = self._rows()
        if not rows:
            return
        # One width for every quantity cell so the names line up in a column.
        metrics = QFontMetrics(_font(row_px))
        quantity_width = 2 + max(metrics.horizontalAdvance(row.quantity.text()) for row in rows)
        for row in rows:
            row.apply_size(row_px, quantity_width)


def _changed_index(previous: tuple[DisplayLine, ...], lines: tuple[DisplayLine, ...]) -> int:
    """Index of the line to highlight: the last one that is new or differs from before.

    Compared position by position, so an added line (at the end) or a changed quantity is
    found; when nothing differs (a line was removed from the end) the last line is used.
    """
    for index in range(len(lines) - 1, -1, -1):
        if index >= len(previous) or previous[index] != lines[index]:
            return index
    return len(lines) - 1
