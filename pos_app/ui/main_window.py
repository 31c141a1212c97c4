"""The cashier window: find products, build the cart, take cash or QRIS, show the receipt.

Everything slow happens elsewhere: catalogue searches, sale writes and provider resets go
through the ``TaskManager`` (database threads), payments through the ``PaymentService`` (sync
engine threads). What happens to payments reaches the window as app events
(``pos_app/ui/events.py``, joined in ``pos_app/ui/composition.py``): the window follows the
ones it shows (:meth:`CashierWindow.follow`) and reports its own -- the cart, a finished sale,
saved settings -- for the customer display and whatever else listens.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from pos_app.cart import (
    Cart,
    Discount,
    InactiveProduct,
    Product,
    TaxConfig,
    TaxMode,
)
from pos_app.clock import local_date, utcnow
from pos_app.money import MAX_SALE_AMOUNT, AmountTooLarge, format_rupiah
from pos_app.settings import Settings
from pos_app.storage import catalog
from pos_app.ui.cart_panel import CartPanel
from pos_app.ui.i18n import register, set_language, tr
from pos_app.ui.product_grid import CategoryBar, ProductGrid
from pos_app.ui.props import no_focus, set_props, set_state
from pos_app.ui.tasks import TaskManager

if TYPE_CHECKING:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialog, QMessageBox

    from hardware.announcer import SaidEvent
    from pos_app.payments import PaymentService
    from pos_app.storage.database import Database
    from pos_app.storage.orders import OrderRecord
    from pos_app.ui.bridge import SyncBridge
    from pos_app.ui.cash_dialog import CashDialog
    from pos_app.ui.customer_display import CustomerDisplay
    from pos_app.ui.devices import DeviceHub, DeviceStatus
    from pos_app.ui.events import (
        AppEvents,
        LatePayment,
        PaymentPaid,
        ProviderState,
        QrCleared,
        QrDelayed,
        QrShown,
        SyncTrouble,
    )
    from pos_app.ui.qris_dialog import QrisDialog
    from pos_app.ui.small_dialogs import (
        CustomAmountDialog,
        DiscountDialog,
        HistoryDialog,
        ReceiptDialog,
    )
    from pos_app.ui.staff_session import StaffSession
    from sync.providers.base import Provider
from sync.events import EventKind

log = logging.getLogger(__name__)

register({
    "Laporan (F10)": "Reports (F10)",
    "Diskon melebihi batas {limit}% — perlu persetujuan pemilik":
        "The discount is above the {limit}% limit — an owner must approve",
    "Diskon disetujui — tekan bayar lagi": "Discount approved — press pay again",
    "Diskon {amount} (di atas batas {limit}%)": "Discount {amount} (above the {limit}% limit)",
    "Terima bayar terlambat {id}": "Accept the late payment {id}",
    "Kembalikan bayar terlambat {id}": "Give back the late payment {id}",
    "Membuka Laporan": "Opening Reports", "Membuka Produk": "Opening Products",
    "Membuka Pengaturan": "Opening Settings", "Refund belum dibayar": "Refunds owed",
    "Pengembalian {amount} untuk {id} dicatat": "Refund of {amount} for {id} recorded",
    "Transaksi {id} di-void": "Order {id} voided",
    "Kasir": "Cashier", "Cari produk atau scan barcode (F2)": "Search or scan a barcode (F2)",
    "Tunai (F4)": "Cash (F4)", "QRIS (F5)": "QRIS (F5)", "Diskon (F9)": "Discount (F9)",
    "Kosongkan (Esc)": "Clear (Esc)", "Riwayat (F8)": "History (F8)", "Pengaturan": "Settings",
    "MODE DEMO — pembayaran QRIS disimulasikan, tidak ada uang sungguhan. "
    "Buka Pengaturan untuk memasang QRIS toko Anda.":
        "DEMO MODE — QRIS payments are simulated, no real money. "
        "Open Settings to set up your shop's QRIS.",
    "MODE DEMO — pembayaran QRIS disimulasikan, tidak ada uang sungguhan. QRIS toko "
    "sudah tersimpan: pilih cara konfirmasi pembayaran di Pengaturan → Pembayaran.":
        "DEMO MODE — QRIS payments are simulated, no real money. Your shop's QRIS is saved: "
        "choose how payments are confirmed in Settings → Payment.",
    "Produk tidak ditemukan: {query}": "Product not found: {query}",
    "Beberapa produk cocok dengan \"{query}\" — pilih dari daftar (panah atas/bawah, lalu Enter)":
        "Several products match \"{query}\" — pick one (arrow keys, then Enter)",
    "Produk tidak aktif: {name}": "Product is inactive: {name}",
    "Total melebihi batas satu transaksi ({limit})":
        "The total is over the limit of one sale ({limit})",
    "{name} ditambahkan": "{name} added", "Keranjang masih kosong": "The cart is empty",
    "Kosongkan keranjang?": "Clear the cart?",
    "Semua barang di keranjang akan dihapus.": "All items will be removed.",
    "Gagal menyimpan penjualan: {error}": "Could not save the sale: {error}",
    "Penjualan {id} lunas — kembali {change}": "Sale {id} paid — change {change}",
    "Penjualan {id} lunas lewat QRIS": "Sale {id} paid by QRIS",
    "QRIS {id} kedaluwarsa — keranjang masih ada, bisa dibayar tunai":
        "QRIS {id} expired — the cart is kept, you can take cash",
    "Pembayaran terlambat masuk untuk {id} ({amount}) — periksa Riwayat":
        "Late payment for {id} ({amount}) — check History",
    "Kesalahan": "Error",
    "Menyiapkan pembayaran, coba lagi sebentar…": "Getting payments ready, try again in a moment…",
    "Tunai": "Cash", "QRIS": "QRIS", "Produk (F3)": "Products (F3)",
    "✓ Lunas — {how} {amount}": "✓ Paid — {how} {amount}",
    "Harga bebas (F6)": "Free price (F6)",
    "Kembalian {amount}": "Change {amount}", "Ya, kosongkan": "Yes, clear it", "Tidak": "No",
    "Pembayaran terlambat {id} diterima": "Late payment {id} accepted",
    "Struk {id} dikirim ke printer": "Receipt {id} sent to the printer",
    "speaker PC": "PC speaker",
    "Dibacakan: {amount} ({device})": "Announced: {amount} ({device})",
    "Pembayaran terlambat {id} dikembalikan": "Late payment {id} refunded",
})

# A barcode scanned into a box that still held a search word: the digits at its end.
_TRAILING_CODE = re.compile(r"(\d{6,})$")
# "3*" before a scan or a name: that many of it; "3*" alone: the selected line becomes 3.
_QUANTITY = re.compile(r"^\s*(\d{1,4})\s*[*xX×]\s*(.*)$")


# Two names the window only needs once it is on screen (keys, dialogs, message boxes) are
# imported on first use, each in one place: PySide builds its ``Qt`` namespace (~94 enums,
# ~15 ms) when it is first imported, and QMessageBox brings in the dialog classes (~2 ms).
# tests/test_ui_startup.py keeps both off the start-up path (see pos_app/ui/props.py).
def _qt() -> type[Qt]:
    from PySide6.QtCore import Qt

    return Qt


def _message_box() -> type[QMessageBox]:
    from PySide6.QtWidgets import QMessageBox

    return QMessageBox


def method_label(method: str | None) -> str:
    """How a sale was paid, as the cashier says it: "Tunai", "QRIS (Midtrans)" -- never the
    internal id ("cash", "simulator")."""
    if not method:
        return "-"
    if method == "cash":
        return tr("Tunai")
    from pos_app.ui.i18n import language
    from sync.errors import UnknownProvider
    from sync.providers import describe

    try:
        label = describe(method).label
    except UnknownProvider:
        return f"QRIS ({method})"
    text = (label.en if language() == "en" else label.id).split(" (")[0]
    return text if "QRIS" in text else f"QRIS ({text})"


def _free_on_close(dlg: QDialog, *, activate: bool = True) -> None:
    """A fresh dialog each time (a till opens hundreds a day): Qt frees it when it closes,
    and the keyboard goes back to the window's search box (``CashierWindow.dialog_closed``).
    ``activate=False``: shown without taking the keyboard from the search box."""
    attribute = _qt().WidgetAttribute
    dlg.setAttribute(attribute.WA_DeleteOnClose)
    if not activate:
        dlg.setAttribute(attribute.WA_ShowWithoutActivating)
    window = dlg.parentWidget()
    if isinstance(window, CashierWindow):
        dlg.finished.connect(lambda _result: window.dialog_closed())


class SearchInput(QLineEdit):
    """The search/scan box. While it is empty, + / - / Delete act on the selected cart line
    (``lineKey`` carries "+", "-" or "del"); with text in it they type as usual. Up and Down
    move the highlight among the search hits (``hitMove`` carries -1 or +1)."""

    lineKey = Signal(str)
    hitMove = Signal(int)

    def reset(self, text: str = "") -> None:
        """Show ``text`` and forget the undo history (no ``textEdited``). ``clear()`` and typing
        keep every edit for Ctrl+Z until the next ``setText``: on a till that scans all day that
        history grows without end (about 0.8 KB a barcode, never given back)."""
        self.setText(text)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        key = _qt().Key
        step = {key.Key_Up: -1, key.Key_Down: 1}.get(event.key())
        if step is not None:
            self.hitMove.emit(step)
            event.accept()
            return
        if not self.text():
            action = {key.Key_Plus: "+", key.Key_Minus: "-", key.Key_Delete: "del"}.get(event.key())
            if action is not None:
                self.lineKey.emit(action)
                event.accept()
                return
        super().keyPressEvent(event)


class CashierWindow(QMainWindow):
    searchShown = Signal(int)  # the search sequence number whose results are on screen
    saleCompleted = Signal(str)  # order id
    # A backup file the owner chose to restore (Settings -> Cadangan): the till closes,
    # restores it with nothing open, and starts again (pos_app.ui.app.run).
    restoreRequested = Signal(str)

    def __init__(self, settings: Settings, service: PaymentService | None, tasks: TaskManager,
                 display: CustomerDisplay | None = None, *, demo: bool = False,
                 clock: Callable[[], datetime] = utcnow, db: Database | None = None) -> None:
        """``service`` and ``display`` may come later: the app shows the window first and
        joins payments and the customer display to it a moment after
        (``pos_app/ui/composition.py``), so that the cashier sees the till as soon as possible.
        Given here (tests, benches), they are joined the same way at once."""
        super().__init__()
        self.settings = settings
        self.service: PaymentService = None  # type: ignore[assignment]
        self.bridge: SyncBridge | None = None
        self.events: AppEvents | None = None  # the app events, once something is joined
        if service is not None:
            db = service.db
        if db is None:
            raise ValueError("give a payment service or a database")
        self.db: Database = db
        self.tasks = tasks
        self.display: CustomerDisplay | None = None
        self.devices: DeviceHub | None = None
        self.device_status: DeviceStatus | None = None
        self.demo = demo
        self.clock = clock
        self.cart = Cart(self._tax_config())
        self._search_seq = 0
        self._writing_sale = False  # a cash or QRIS sale is on its way to the database
        self.qris_dialog: QrisDialog | None = None
        self.cash_dialog: CashDialog | None = None
        self.discount_dialog: DiscountDialog | None = None
        self.receipt_dialog: ReceiptDialog | None = None
        self.history_dialog: HistoryDialog | None = None
        self.custom_dialog: CustomAmountDialog | None = None
        self.clear_question: QMessageBox | None = None
        self.report_screen: QDialog | None = None
        #: (discount, subtotal) an owner approved above the limit: the sale may go with
        #: exactly that; a cart changed since (fewer items, same rupiah off) asks again
        self._discount_approved: tuple[int, int] | None = None
        #: who is signed in and the till's shift (pos_app.ui.staff_session); None: no PIN pad
        #: nor shifts (a window built bare by tests and benches sells as the OS user)
        self.session: StaffSession | None = None
        self.last_receipt: str | None = None
        self.setObjectName("cashierWindow")
        self._build()
        self._set_texts()
        self._shortcuts()
        self._refresh_cart()
        self._show_demo_banner()
        self._load_categories()
        self.search("")
        if service is not None or display is not None:
            from pos_app.ui.composition import connect

            connect(self, service=service, display=display)

    @property
    def cashier(self) -> str:
        """Who is at the till, for the audit log: the signed-in user, or (a window without a
        staff session: tests, benches) the logged-in OS user."""
        session = self.session
        if session is not None and session.user is not None:
            return session.user.name
        return self._os_user

    @functools.cached_property
    def _os_user(self) -> str:
        """Looked up on first use, off the start-up path."""
        import getpass

        try:
            return getpass.getuser()
        except (KeyError, OSError):  # a uid without a name (kiosk account, container)
            return "kasir"

    def follow(self, events: AppEvents) -> None:
        """Show what happens to payments: the QRIS dialog of the sale at the till, the status
        bar, the provider banner. The window reports its own events through ``events`` too."""
        self.events = events
        events.qr_shown.connect(self._qr_shown)
        events.qr_delayed.connect(self._qr_delayed)
        events.qr_cleared.connect(self._qr_cleared)
        events.payment_paid.connect(self._payment_paid)
        events.late_payment.connect(self._late_payment)
        events.sync_trouble.connect(self._sync_trouble)
        events.provider_health_changed.connect(self._provider_health)

    def attach_service(self, service: PaymentService, bridge: SyncBridge) -> None:
        """The payment service the window sells through; ``bridge`` brings its engine's
        events to the app events (kept here: benches watch what reached the GUI thread)."""
        self.service = service
        self.bridge = bridge
        if self.session is not None:
            self.session.service_attached()

    def enable_staff(self, *, first_run: bool = False) -> StaffSession:
        """PINs and shifts for this till (the app does it; see pos_app.ui.staff_session):
        the signed-in user and the shift in the header, F7 opens/closes the till, F12 locks."""
        from pos_app.ui.staff_session import StaffSession

        session = self.session = StaffSession(self, demo=self.demo, first_run=first_run,
                                              clock=self.clock)
        self.header.insertWidget(1, session.bar)
        if self.service is not None:
            session.service_attached()
        return session

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(10, 8, 10, 8)
        header = self.header = QHBoxLayout()
        self.store_label = QLabel(str(self.settings.get("store.name")), objectName="storeName")
        header.addWidget(self.store_label)
        header.addStretch(1)
        self.products_button = QPushButton()
        self.products_button.clicked.connect(self.open_products)
        self.history_button = QPushButton()
        self.history_button.clicked.connect(self.show_history)
        self.report_button = QPushButton(objectName="reportButton")
        self.report_button.clicked.connect(self.open_report)
        self.settings_button = QPushButton()
        self.settings_button.clicked.connect(self.open_settings)
        no_focus(self.products_button, self.history_button, self.report_button,
                 self.settings_button)
        for b in (self.products_button, self.history_button, self.report_button,
                  self.settings_button):
            header.addWidget(b)
        outer.addLayout(header)
        self.demo_banner = QLabel(objectName="demoBanner")
        self.demo_banner.setWordWrap(True)
        outer.addWidget(self.demo_banner)
        self.health_banner = QLabel(objectName="healthBanner")
        self.health_banner.setWordWrap(True)
        self.health_banner.hide()
        outer.addWidget(self.health_banner)
        self.provider_states: dict[str, str] = {}

        split = QSplitter()  # horizontal
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 6, 0)
        self.search_input = SearchInput(objectName="searchInput")
        self.search_input.setClearButtonEnabled(True)
        self.search_input.textEdited.connect(self.search)
        self.search_input.returnPressed.connect(self._search_enter)
        self.search_input.lineKey.connect(self._line_key)
        self.search_input.hitMove.connect(self._move_hit)
        lv.addWidget(self.search_input)
        self.categories = CategoryBar()
        no_focus(self.categories)
        self.categories.categoryChanged.connect(lambda _c: self.search(self.search_input.text()))
        lv.addWidget(self.categories)
        self.grid = ProductGrid()
        # A tap on a tile, the grid or a tab leaves the keyboard in the search box: the scan
        # that follows must reach the cart (keyPressEvent catches whatever still goes astray).
        no_focus(self.grid)
        self.grid.productClicked.connect(self.add_product)
        lv.addWidget(self.grid, 1)
        split.addWidget(left)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(6, 0, 0, 0)
        self.change_banner = QLabel(objectName="changeBanner")
        set_props(self.change_banner, alignment="AlignCenter")
        self.change_banner.hide()
        rv.addWidget(self.change_banner)
        self.cart_panel = CartPanel()
        panel = self.cart_panel
        panel.incrementRequested.connect(
            lambda sku: self._change(lambda: self.cart.increment(sku), sku))
        panel.decrementRequested.connect(
            lambda sku: self._change(lambda: self.cart.decrement(sku), sku))
        panel.removeRequested.connect(lambda sku: self._change(lambda: self.cart.remove(sku)))
        rv.addWidget(self.cart_panel, 1)
        row = QHBoxLayout()
        self.discount_button = QPushButton()
        self.discount_button.clicked.connect(self.edit_discount)
        self.clear_button = QPushButton()
        self.clear_button.clicked.connect(self.ask_clear)
        self.free_price_button = QPushButton(objectName="freePriceButton")
        self.free_price_button.clicked.connect(self.sell_free_price)
        no_focus(self.discount_button, self.clear_button, self.free_price_button)
        for b in (self.free_price_button, self.discount_button, self.clear_button):
            row.addWidget(b)
        rv.addLayout(row)
        pay = QHBoxLayout()
        self.cash_button = QPushButton(objectName="cashButton")
        self.cash_button.clicked.connect(self.pay_cash)
        self.qris_button = QPushButton(objectName="qrisButton")
        self.qris_button.clicked.connect(self.pay_qris)
        no_focus(self.cash_button, self.qris_button)
        for b in (self.cash_button, self.qris_button):
            pay.addWidget(b)
        rv.addLayout(pay)
        split.addWidget(right)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([780, 560])
        outer.addWidget(split, 1)
        self.setCentralWidget(root)
        self.statusBar().setObjectName("statusBar")
        self.resize(1366, 768)
        self.search_input.setFocus()

    def retranslate(self) -> None:
        """Every text the window shows, in the current language, after a change in Settings
        (dialogs are made fresh each time, so they follow by themselves)."""
        self._set_texts()
        self.cart_panel.retranslate()
        self.categories.retranslate()
        self.grid.retranslate()
        self._show_provider_banner()

    def _set_texts(self) -> None:
        """The window's own texts (its panels set theirs when they are made)."""
        self.setWindowTitle(f"{tr('Kasir')} — {self.settings.get('store.name')}")
        self.products_button.setText(tr("Produk (F3)"))
        self.history_button.setText(tr("Riwayat (F8)"))
        self.report_button.setText(tr("Laporan (F10)"))
        self.settings_button.setText(tr("Pengaturan"))
        if self.session is not None:
            self.session.retranslate()
        self._show_demo_banner()
        self.search_input.setPlaceholderText(tr("Cari produk atau scan barcode (F2)"))
        self.discount_button.setText(tr("Diskon (F9)"))
        self.clear_button.setText(tr("Kosongkan (Esc)"))
        self.free_price_button.setText(tr("Harga bebas (F6)"))
        self.cash_button.setText(tr("Tunai (F4)"))
        self.qris_button.setText(tr("QRIS (F5)"))

    def _shortcuts(self) -> None:
        keys: list[tuple[str | QKeySequence.StandardKey, Callable[[], object]]] = [
            ("F2", self.focus_search), ("F3", self.open_products), ("F4", self.pay_cash),
            ("F5", self.pay_qris), ("F6", self.sell_free_price), ("F8", self.show_history),
            ("F9", self.edit_discount), ("Esc", self._escape),
            ("F7", self._toggle_shift), ("F10", self.open_report), ("F12", self._lock),
            ("Ctrl+,", self.open_settings),
        ]
        for key, slot in keys:
            sc = QShortcut(QKeySequence(key), self)
            sc.activated.connect(slot)

    def _line_key(self, key: str) -> None:
        """+ / - / Delete typed into the empty search box: change the selected (or last) line."""
        sku = self.cart_panel.selected_sku()
        if sku is None:
            return
        if key == "+":
            self._change(lambda: self.cart.increment(sku), sku)
        elif key == "-":
            self._change(lambda: self.cart.decrement(sku), sku)
        else:
            self._change(lambda: self.cart.remove(sku))

    def attach_display(self, display: CustomerDisplay) -> None:
        """The customer display (made after the window is on screen, following the app
        events): shown the cart if the cashier already started one, closed with the window."""
        self.display = display
        if not self.cart.is_empty:
            self._refresh_cart()

    def attach_devices(self, devices: DeviceHub) -> None:
        """The soundbox, speaker and printer: their state in the status bar's corner, each
        announcement said for a moment, Settings' test buttons and Riwayat's reprint."""
        from pos_app.ui.devices import DeviceStatus

        self.devices = devices
        self.device_status = DeviceStatus(devices)
        self.statusBar().addPermanentWidget(self.device_status)
        devices.said.connect(self._announced)

    def _announced(self, said: SaidEvent) -> None:
        device = tr("speaker PC") if said.device == "speaker" else said.device
        self.say(tr("Dibacakan: {amount} ({device})", amount=format_rupiah(said.amount),
                    device=device), 8000)

    def _tax_config(self) -> TaxConfig:
        return TaxConfig(TaxMode(self.settings.get("tax.mode")),
                         int(self.settings.get("tax.rate_percent")))

    def say(self, text: str, ms: int = 6000) -> None:
        self.statusBar().showMessage(text, ms)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        """A key that no widget of the window took: the keyboard was on a tile, a tab, the
        grid or nowhere (a window manager's focus after a click, a dialog just closed). A
        keyboard-wedge scanner types its digits and Enter wherever the focus is, so every
        printable key and Enter goes on to the search box -- the window's only text field --
        and the scan reaches the cart instead of being lost."""
        key = _qt().Key
        text = event.text()
        typed = (text and text.isprintable()) or event.key() in (key.Key_Return, key.Key_Enter)
        # The box itself passes some keys on (Enter, after returnPressed): not back to it.
        if typed and self.focusWidget() is not self.search_input:
            self.search_input.setFocus()
            QGuiApplication.sendEvent(self.search_input, event)
            return
        super().keyPressEvent(event)

    def _show_demo_banner(self) -> None:
        """Any sale that is not real money says so: demo mode, or the simulator chosen as the
        provider outside it (``config set payment.provider simulator``)."""
        simulated = self.demo or self.settings.get("payment.provider") == "simulator"
        self.demo_banner.setVisible(simulated)
        if not simulated:
            return
        # Once the shop's QRIS is saved (the first-run guide's step 3) what is missing is how
        # payments are confirmed: asking for the QRIS again made an owner doubt it was saved.
        if self.settings.get("payment.static_qris"):
            self.demo_banner.setText(tr(
                "MODE DEMO — pembayaran QRIS disimulasikan, tidak ada uang sungguhan. QRIS toko "
                "sudah tersimpan: pilih cara konfirmasi pembayaran di Pengaturan → Pembayaran."))
        else:
            self.demo_banner.setText(tr(
                "MODE DEMO — pembayaran QRIS disimulasikan, tidak ada uang sungguhan. "
                "Buka Pengaturan untuk memasang QRIS toko Anda."))

    # -- catalogue ---------------------------------------------------------------------------
    def _load_categories(self) -> None:
        include_demo = self.demo
        self.tasks.read(lambda: catalog.categories(self.db, include_demo=include_demo),
                        self.categories.set_categories)

    def dialog_closed(self) -> None:
        """A dialog of the till closed: the keyboard comes back to the search box. Without a
        window manager nothing else gives it back, and the F-keys and the scanner would go
        nowhere until the cashier clicks (see also composition.keep_keyboard_on)."""
        from PySide6.QtWidgets import QApplication

        if QApplication.activeModalWidget() is None:
            self.activateWindow()
            self.focus_search()

    def focus_search(self) -> None:
        self.search_input.reset(self.search_input.text())  # the last sale's edits: no undo
        self.search_input.setFocus()
        self.search_input.selectAll()

    def search(self, text: str) -> int:
        # What was typed changed: a hit chosen with the arrows among the old results is no
        # longer what Enter means (a scan typed before the new results arrive).
        self.grid.clear_highlight()
        self._search_seq += 1
        seq = self._search_seq
        category = self.categories.current()
        # Demo items are sold in demo mode only: their prices are not the shop's.
        include_demo = self.demo
        self.tasks.read(
            lambda: catalog.search(self.db, text, category=category, include_demo=include_demo),
            lambda products: self._show_results(seq, products))
        return seq

    def _show_results(self, seq: int, products: list[Product]) -> None:
        if seq != self._search_seq:
            return  # an older keystroke's answer; a newer one is on its way
        self.grid.set_products(products)
        self.searchShown.emit(seq)

    def _search_enter(self) -> None:
        text = self.search_input.text().strip()
        quantity = 1
        if (m := _QUANTITY.match(text)) is not None:
            quantity, text = max(1, int(m.group(1))), m.group(2).strip()
            if not text:
                self._set_selected_quantity(quantity)
                return
        if not text:
            hit = self.grid.highlighted()
            if hit is not None:
                self._add_and_reset(hit, quantity)
            elif self.receipt_dialog is not None and self.receipt_dialog.isVisible():
                self.receipt_dialog.close()  # its button says "Tutup (Enter)"
            return
        hit = self.grid.highlighted()
        if hit is not None:  # chosen with the arrow keys among the hits of what was typed
            self._add_and_reset(hit, quantity)
            return
        codes = [text]
        m = _TRAILING_CODE.search(text)
        if m and m.group(1) != text:
            codes.append(m.group(1))  # scanned into a box that still held a search word
        include_demo = self.demo
        # Emptied now, not when the answer comes: a second scan may start typing before that.
        typed = self.search_input.text()
        self.search_input.reset()

        def find() -> Product | list[Product] | None:
            for code in codes:
                found = catalog.get_by_barcode(self.db, code, include_demo=include_demo)
                if found is not None:
                    return found
            return catalog.search(self.db, text, limit=5, include_demo=include_demo)

        def done(result: Product | list[Product] | None) -> None:
            matches = [result] if isinstance(result, Product) else result or []
            if len(matches) == 1:
                self.add_product(matches[0], quantity)
                if not self.search_input.text():
                    self.search("")
                return
            if not self.search_input.text():  # what was typed comes back, to correct it
                self.search_input.reset(typed)
                self.search_input.selectAll()
            if not matches:
                self.say(tr("Produk tidak ditemukan: {query}", query=text))
                return
            self.say(tr("Beberapa produk cocok dengan \"{query}\" — pilih dari daftar "
                        "(panah atas/bawah, lalu Enter)", query=text))
            self.grid.set_products(matches)
            self._move_hit(1)

        self.tasks.read(find, done)

    def _add_and_reset(self, product: Product, quantity: int = 1) -> None:
        """Add ``product`` (``quantity`` of it) and empty the box for the next scan."""
        self.add_product(product, quantity)
        self.search_input.reset()
        self.search("")

    def _move_hit(self, step: int) -> None:
        """Up/Down in the search box: move the highlight among the hits shown."""
        self.grid.move_highlight(step)

    def _set_selected_quantity(self, quantity: int) -> None:
        sku = self.cart_panel.selected_sku()
        if sku is None:
            self.say(tr("Keranjang masih kosong"))
            return
        self.search_input.reset()
        self._change(lambda: self.cart.set_quantity(sku, quantity), sku)

    # -- cart --------------------------------------------------------------------------------
    def add_product(self, product: Product, quantity: int = 1) -> None:
        try:
            line = self.cart.add(product, quantity)
        except InactiveProduct:
            self.say(tr("Produk tidak aktif: {name}", name=product.name))
            return
        except AmountTooLarge:
            self.say(tr("Total melebihi batas satu transaksi ({limit})",
                        limit=format_rupiah(MAX_SALE_AMOUNT)))
            return
        self._next_customer()
        self._refresh_cart()
        self.cart_panel.select_sku(line.sku)
        self.search_input.setFocus()  # a tap on a tile: the next scan goes to the search box
        self.say(tr("{name} ditambahkan", name=product.name), 2500)

    def _next_customer(self) -> None:
        """The first item of the next sale: the last one's receipt and change make way."""
        if self.receipt_dialog is not None and self.receipt_dialog.isVisible():
            self.receipt_dialog.close()
        self.change_banner.hide()

    def sell_free_price(self) -> None:
        """"Harga bebas" (F6): an item that is not in the list yet, at the price the cashier
        types, with an optional name; saved in the order as such (a ``CUSTOM-`` line)."""
        if self.custom_dialog is not None:
            return
        from pos_app.ui.small_dialogs import CustomAmountDialog

        dlg = CustomAmountDialog(self.cart.totals().total, self)
        _free_on_close(dlg)
        self.custom_dialog = dlg
        dlg.finished.connect(lambda _r: self._forget_custom_dialog(dlg))
        dlg.accepted.connect(lambda: self._add_custom(dlg.name_text, dlg.value))
        dlg.open()

    def _forget_custom_dialog(self, dlg: CustomAmountDialog) -> None:
        if self.custom_dialog is dlg:
            self.custom_dialog = None

    def _add_custom(self, name: str, amount: int | None) -> None:
        if amount is None:
            return
        try:
            line = self.cart.add_custom(name, amount)
        except AmountTooLarge:
            self.say(tr("Total melebihi batas satu transaksi ({limit})",
                        limit=format_rupiah(MAX_SALE_AMOUNT)))
            return
        self._next_customer()
        self._refresh_cart()
        self.cart_panel.select_sku(line.sku)
        self.say(tr("{name} ditambahkan", name=line.product.name), 2500)

    def _change(self, action: Callable[[], object], sku: str | None = None) -> None:
        """Change the cart; ``sku``: the line changed, which becomes the selected one (the
        next "+" must change the line the cashier just touched, not an older one)."""
        try:
            action()
        except AmountTooLarge:
            self.say(tr("Total melebihi batas satu transaksi ({limit})",
                        limit=format_rupiah(MAX_SALE_AMOUNT)))
        except (LookupError, ValueError) as exc:
            log.warning("cart change refused: %s", exc)
        self._refresh_cart()
        if sku is not None:
            self.cart_panel.select_sku(sku)

    def _refresh_cart(self, *, update_display: bool = True) -> None:
        self.cart_panel.refresh(self.cart)
        has = not self.cart.is_empty
        for b in (self.cash_button, self.qris_button, self.discount_button, self.clear_button):
            b.setEnabled(has)
        # The customer keeps seeing the QR while it is up, and "Terima kasih" after a payment.
        if self.events is not None and self.qris_dialog is None and update_display:
            self.events.report_cart(self.cart)

    def _warn(self, text: str) -> None:
        _message_box().warning(self, tr("Kesalahan"), text)

    def edit_discount(self) -> None:
        if self.cart.is_empty:
            return
        sku = self.cart_panel.selected_sku()
        name = self.cart.line(sku).product.name if sku else None
        from pos_app.ui.small_dialogs import DiscountDialog

        def set_on(cart: Cart, discount: Discount | None, for_line: bool) -> None:
            if for_line and sku:
                cart.set_line_discount(sku, discount)
            else:
                cart.set_order_discount(discount)

        def apply(discount: Discount | None, for_line: bool) -> None:
            """Set by the dialog; the cart's ValueError (a line discount above the line) keeps
            the dialog open with the reason. Above the shop's limit a cashier needs an owner's
            PIN; the approval is audited with the amount."""
            trial = copy.deepcopy(self.cart)
            set_on(trial, discount, for_line)
            totals = trial.totals()
            limit = int(self.settings.get("staff.discount_limit_percent"))
            if self.session is None or totals.discount_total * 100 <= limit * totals.subtotal:
                set_on(self.cart, discount, for_line)
                self._refresh_cart()
                return
            cart, amount = self.cart, totals.discount_total

            def approved(owner: str) -> None:
                if self.cart is not cart:
                    return
                set_on(cart, discount, for_line)
                self._discount_approved = (amount, totals.subtotal)
                self._refresh_cart()
                self._audit("discount_approved", {"approved_by": owner, "discount": amount,
                                                  "subtotal": totals.subtotal})

            self.session.owner_only(
                tr("Diskon {amount} (di atas batas {limit}%)", amount=format_rupiah(amount),
                   limit=limit), approved)

        dlg = DiscountDialog(name, apply, self)
        _free_on_close(dlg)
        self.discount_dialog = dlg
        dlg.finished.connect(lambda _r: self._forget_discount_dialog(dlg))
        dlg.open()

    def _forget_discount_dialog(self, dlg: DiscountDialog) -> None:
        if self.discount_dialog is dlg:
            self.discount_dialog = None

    def _escape(self) -> None:
        if self.search_input.text():
            self.search_input.reset()
            self.search("")
        elif not self.cart.is_empty:
            self.ask_clear()

    def ask_clear(self) -> None:
        if self.cart.is_empty or self.clear_question is not None:
            return
        cls = _message_box()
        box = cls(cls.Icon.Question, tr("Kosongkan keranjang?"),
                  tr("Semua barang di keranjang akan dihapus."), parent=self)
        yes = box.addButton(tr("Ya, kosongkan"), cls.ButtonRole.YesRole)
        no = box.addButton(tr("Tidak"), cls.ButtonRole.NoRole)
        box.setDefaultButton(no)  # Enter after a stray Esc keeps the cart
        box.setEscapeButton(no)
        _free_on_close(box)
        self.clear_question = box

        def answered(_result: int) -> None:
            self.clear_question = None
            if box.clickedButton() is yes:
                self.clear_cart()

        box.finished.connect(answered)
        box.open()

    def clear_cart(self, *, update_display: bool = True) -> None:
        # After a payment the customer display keeps its "Terima kasih" until it times out.
        self.cart.clear()
        self._discount_approved = None
        self._refresh_cart(update_display=update_display)
        self.focus_search()

    # -- paying ------------------------------------------------------------------------------
    def _can_pay(self) -> bool:
        """Payments are up, the cart has something, and no QRIS payment is open."""
        if self.service is None:
            self.say(tr("Menyiapkan pembayaran, coba lagi sebentar…"))
            return False
        if self.cart.is_empty:
            self.say(tr("Keranjang masih kosong"))
            return False
        if self.qris_dialog is not None or self._writing_sale:
            # A sale being written (F5 pressed twice faster than the QR dialog opens, F4's
            # Enter repeated) must not start a second sale of the same cart.
            return False
        # Signed in, with the till's shift open (asks for what is missing).
        if self.session is None or not self.session.can_sell():
            return self.session is None
        return self._discount_allowed(self.session)

    def _discount_allowed(self, session: StaffSession) -> bool:
        """The discount is within the shop's limit, or an owner approved this very one. A
        discount checked only when it was given would pass a cart emptied afterwards down to
        one item with the same rupiah off."""
        totals = self.cart.totals()
        limit = int(self.settings.get("staff.discount_limit_percent"))
        user = session.user
        if (totals.discount_total * 100 <= limit * totals.subtotal
                or (user is not None and user.role.value == "owner")
                or self._discount_approved == (totals.discount_total, totals.subtotal)):
            return True
        self.say(tr("Diskon melebihi batas {limit}% — perlu persetujuan pemilik", limit=limit))
        cart, key = self.cart, (totals.discount_total, totals.subtotal)

        def approved(owner: str) -> None:
            if self.cart is cart:
                self._discount_approved = key
                self._audit("discount_approved", {"approved_by": owner,
                                                  "discount": key[0], "subtotal": key[1]})
                self.say(tr("Diskon disetujui — tekan bayar lagi"))

        session.owner_only(tr("Diskon {amount} (di atas batas {limit}%)",
                              amount=format_rupiah(key[0]), limit=limit), approved)
        return False

    def _sale_not_saved(self, exc: BaseException, what: str) -> None:
        """An unexpected failure writing a sale: the details to the log, one line to the cashier."""
        log.error("%s failed", what, exc_info=exc)
        _message_box().critical(self, tr("Kesalahan"),
                                tr("Gagal menyimpan penjualan: {error}", error=str(exc)))

    def pay_cash(self) -> None:
        if not self._can_pay():
            return
        from pos_app.ui.cash_dialog import CashDialog

        dlg = CashDialog(self.cart.totals().total, self)
        _free_on_close(dlg)
        dlg.finished.connect(lambda _r: self._forget_cash_dialog(dlg))
        self.cash_dialog = dlg
        dlg.accepted.connect(lambda: dlg.tendered is not None and self.complete_cash(dlg.tendered))
        dlg.open()

    def _forget_cash_dialog(self, dlg: CashDialog) -> None:
        if self.cash_dialog is dlg:
            self.cash_dialog = None

    def complete_cash(self, tendered: int) -> None:
        if self._writing_sale:
            return
        cart = copy.deepcopy(self.cart)
        self.cash_button.setEnabled(False)
        self._writing_sale = True

        from pos_app.checkout import CheckoutError
        from pos_app.order_state import InsufficientCash
        from pos_app.storage.orders import latest_payment

        def pay() -> tuple[OrderRecord, int]:  # on the writer thread, with its lookup
            order = self.service.pay_cash(cart, tendered)
            payment = latest_payment(self.db, order.id)
            return order, (payment.change_given or 0) if payment else 0

        def done(paid: tuple[OrderRecord, int]) -> None:
            self._writing_sale = False
            order, change = paid
            self.say(tr("Penjualan {id} lunas — kembali {change}", id=order.id,
                        change=format_rupiah(change)), 15000)
            # The customer display already says "Terima kasih": the engine's "paid" for this
            # sale came before this answer (payment_paid). Only what was sold leaves the cart:
            # an item scanned while the sale was being written is the next customer's.
            self._remove_sold(cart)
            self._show_change(change)
            self._sale_completed(order.id, order.total, "cash", change)

        def failed(exc: BaseException) -> None:
            self._writing_sale = False
            self.cash_button.setEnabled(True)
            if isinstance(exc, (InsufficientCash, CheckoutError)):
                self._warn(str(exc))
            else:
                self._sale_not_saved(exc, "cash sale")

        self.tasks.write(pay, done, failed)

    def pay_qris(self) -> None:
        if not self._can_pay():
            return
        from pos_app.payments import Fallback  # loaded with the service already

        cart = copy.deepcopy(self.cart)
        service = self.service
        self.qris_button.setEnabled(False)
        self._writing_sale = True

        def start() -> tuple[OrderRecord, Provider, Fallback | None]:  # on the writer thread
            # The provider is looked up in the same job as the sale is written: a provider
            # reset after saved settings (also a writer job) comes wholly before or after both.
            # So is whether the shop's static QRIS can take over if the gateway can't.
            order = service.start_qris(cart)
            name = service.default_provider()
            return order, service.provider(name), service.fallback_for(name)

        def started(result: tuple[OrderRecord, Provider, Fallback | None]) -> None:
            self._writing_sale = False
            self._open_qris_dialog(*result)

        def failed(exc: BaseException) -> None:
            from pos_app import qris
            from pos_app.checkout import CheckoutError
            from pos_app.provider_messages import Moment, in_language, sale_message
            from sync.errors import ProviderError

            self._writing_sale = False
            self.qris_button.setEnabled(True)
            if isinstance(exc, CheckoutError):
                self._warn(tr("Keranjang masih kosong"))
            elif isinstance(exc, (ProviderError, qris.InvalidQris)):
                from pos_app.ui.i18n import language

                # The cashier's sentence (what is wrong, what to do); the log keeps the English.
                log.warning("QRIS sale not started: %s", exc)
                name = getattr(exc, "provider", None) or service.default_provider()
                self._warn(in_language(sale_message(exc, name, Moment.START), language()))
            else:
                self._sale_not_saved(exc, "starting a QRIS sale")

        self.tasks.write(start, started, failed)

    def _open_qris_dialog(self, order: OrderRecord, provider: Provider,
                          fallback=None) -> None:  # type: ignore[no-untyped-def]
        """``fallback``: the sale's ``pos_app.payments.Fallback`` (the shop's static QRIS can
        take over if the gateway can't make the QR), or None."""
        from pos_app.ui.qris_dialog import QrisDialog
        from sync.providers.info import Confirmation

        dlg = QrisDialog(order.id, order.total, demo=provider.name == "simulator",
                         manual=provider.confirmation is Confirmation.MANUAL, clock=self.clock,
                         parent=self, provider=provider.name, fallback=fallback)
        _free_on_close(dlg)
        service, write, actor = self.service, self.tasks.write, self.cashier
        dlg.cancelRequested.connect(lambda oid: write(lambda: service.cancel(oid, actor)))
        dlg.simulateRequested.connect(lambda oid: write(lambda: service.simulate_paid(oid)))
        dlg.confirmRequested.connect(
            lambda oid: write(lambda: service.confirm_manually(oid, actor, "UI")))

        def fell_back(switched: bool) -> None:  # the dialog may have closed meanwhile
            if self.qris_dialog is dlg:
                dlg.fallback_done(switched)

        def not_fallen_back(exc: BaseException) -> None:
            log.error("QRIS fallback for %s failed: %s", dlg.order_id, exc)
            if self.qris_dialog is dlg:
                dlg.fallback_failed(exc)

        # The gateway can't make the QR: the shop's static QRIS, made on this till, takes over.
        dlg.fallbackRequested.connect(
            lambda oid: write(lambda: service.fall_back(oid, actor), fell_back, not_fallen_back))
        dlg.finished.connect(lambda _r: self._qris_closed(dlg))
        self.qris_dialog = dlg
        if self.events is not None:
            # The sale at the till from now on: what the engine already said about it (often
            # the QR itself) comes again, now that the dialog is there to show it.
            self.events.follow_sale(order.id)
        dlg.open()

    def _qris_closed(self, dlg: QrisDialog) -> None:
        self.qris_dialog = None
        if self.events is not None and self.events.till_order == dlg.order_id:
            self.events.follow_sale(None)
        self.qris_button.setEnabled(not self.cart.is_empty)
        if dlg.final is EventKind.PAID:
            self.clear_cart(update_display=False)
            self._sale_completed(dlg.order_id, dlg.amount, "qris")
        else:
            self._refresh_cart()
        self.focus_search()

    def _sale_completed(self, order_id: str, total: int, method: str, change: int = 0) -> None:
        """The paid sale is closed: say so, and show its receipt."""
        self.saleCompleted.emit(order_id)
        if self.events is not None:
            self.events.report_sale_completed(order_id, total, method, change)
        how = tr("QRIS") if method == "qris" else tr("Tunai")
        paid = tr("✓ Lunas — {how} {amount}", how=how, amount=format_rupiah(total))
        if change:
            paid += "   " + tr("Kembalian {amount}", amount=format_rupiah(change))
        self.show_receipt(order_id, paid=paid)

    def _remove_sold(self, sold: Cart) -> None:
        """Take the lines of a sale just written out of the cart, and nothing else: the cart
        may have gained items while the write was on its way (the sale took a copy)."""
        for line in sold.lines:
            if not any(current.sku == line.sku for current in self.cart.lines):
                continue
            left = self.cart.line(line.sku).quantity - line.quantity
            self.cart.set_quantity(line.sku, max(0, left))
        self.cart.set_order_discount(None)  # it belonged to the sale
        self._discount_approved = None
        self._refresh_cart(update_display=False)
        self.focus_search()

    def _show_change(self, change: int) -> None:
        """The change, big, until the next item: the cashier counts it out from the screen."""
        self.change_banner.setText(tr("Kembalian {amount}", amount=format_rupiah(change)))
        self.change_banner.show()

    # -- app events (see follow) ---------------------------------------------------------
    def _qris_for(self, order_id: str) -> QrisDialog | None:
        """The open QRIS dialog, if it is ``order_id``'s."""
        dlg = self.qris_dialog
        return dlg if dlg is not None and dlg.order_id == order_id else None

    def _qr_shown(self, qr: QrShown) -> None:
        if (dlg := self._qris_for(qr.order_id)) is not None:
            dlg.show_qr(qr)

    def _qr_delayed(self, late: QrDelayed) -> None:
        if (dlg := self._qris_for(late.order_id)) is not None:
            dlg.delayed(late)

    def _qr_cleared(self, end: QrCleared) -> None:
        if (dlg := self._qris_for(end.order_id)) is None:
            return
        dlg.cleared(end)
        if dlg.final is EventKind.EXPIRED:
            self.say(tr("QRIS {id} kedaluwarsa — keranjang masih ada, bisa dibayar tunai",
                        id=end.order_id), 20000)

    def _payment_paid(self, payment: PaymentPaid) -> None:
        # A cash sale says its change when its write comes back (complete_cash).
        if (dlg := self._qris_for(payment.order_id)) is not None:
            dlg.paid(payment)
            self.say(tr("Penjualan {id} lunas lewat QRIS", id=payment.order_id), 15000)

    def _late_payment(self, late: LatePayment) -> None:
        self.say(tr("Pembayaran terlambat masuk untuk {id} ({amount}) — periksa Riwayat",
                    id=late.order_id, amount=format_rupiah(late.amount)), 30000)

    def _sync_trouble(self, trouble: SyncTrouble) -> None:
        from pos_app.provider_messages import Moment, in_language, sale_message
        from pos_app.ui.i18n import language

        if self._qris_for(trouble.order_id) is not None:
            return  # the QRIS dialog of this sale already says it
        # The log keeps the English reason; the cashier reads what it means and what to do.
        log.info("sync trouble for %s: %s", trouble.order_id, trouble.error)
        provider = self.service.default_provider() if self.service is not None else None
        self.say(in_language(sale_message(trouble.error, provider, Moment.LATE), language()))

    def _provider_health(self, health: ProviderState) -> None:
        self._provider_state(health.provider, health.state)

    def _provider_state(self, provider: str, state: str) -> None:
        self.provider_states[provider] = state
        self._show_provider_banner()

    def _show_provider_banner(self) -> None:
        from pos_app.provider_messages import health_message, in_language
        from pos_app.ui.i18n import language

        bad = {p: st for p, st in self.provider_states.items() if st != "ok"}
        if not bad:
            self.health_banner.hide()
            return
        p, st = next(iter(bad.items()))
        # Why it is not ok, from the engine's health book (memory): a refused API key, which
        # settings are missing, no connection at all ... -- each says what to do.
        problem, missing, error = None, (), None
        if self.service is not None:
            health = self.service.provider_health(p)
            if health.state.value == st:
                problem, missing, error = health.problem, health.missing, health.last_error
        fallback = (self.service is not None and p == self.service.default_provider()
                    and p not in ("static", "simulator")
                    and bool(self.settings.get("payment.static_qris")))
        try:
            message = health_message(p, st, problem=problem, missing=missing, last_error=error,
                                     fallback=fallback)
        except ValueError:  # not a state this version knows
            message = None
        text = in_language(message, language()) if message is not None else st
        self.health_banner.setText(text)
        set_state(self.health_banner, state=st)
        self.health_banner.show()

    # -- receipts, history, settings ---------------------------------------------------------
    def show_receipt(self, order_id: str, *, modal: bool = False, paid: str = "") -> None:
        if self.tasks.closed:
            # The till is closing (a paid QRIS dialog closes with the window): no one to show
            # it to, and the reader thread is gone.
            return
        tz = self.settings.timezone()
        from pos_app.receipt import StoreHeader, render_receipt
        from pos_app.storage.orders import latest_payment, load_order

        store = StoreHeader(str(self.settings.get("store.name")),
                            str(self.settings.get("store.address")))

        def build() -> str:
            order = load_order(self.db, order_id)
            assert order is not None
            return render_receipt(order, latest_payment(self.db, order_id), store, tz)

        def shown(text: str) -> None:
            from pos_app.ui.small_dialogs import ReceiptDialog

            self.last_receipt = text
            if self.receipt_dialog is not None:
                self.receipt_dialog.close()
            # Not modal and not focused: the next customer's first scan must reach the search
            # box, and adding an item closes the preview.
            dlg = ReceiptDialog(text, self, paid=paid)
            _free_on_close(dlg, activate=False)
            dlg.finished.connect(lambda _r: self._receipt_closed(dlg))
            self.receipt_dialog = dlg
            dlg.show()
            self.activateWindow()
            self.focus_search()

        self.tasks.read(build, shown)

    def _receipt_closed(self, dlg: ReceiptDialog) -> None:
        if self.receipt_dialog is dlg:
            self.receipt_dialog = None

    def show_history(self, day: date | None = None) -> None:
        """Riwayat (F8): one business day's orders, today's unless ``day`` is given (its ‹ ›
        go back to earlier days: a customer who returns tomorrow gets a refund too)."""
        from pos_app.storage.history import orders_of_day
        from pos_app.storage.refunds import VOIDABLE

        tz = self.settings.timezone()
        session = self.session
        # A shift past midnight: its day's orders (its sales carry the day it opened).
        current = (session.shift.business_date if session and session.shift
                   else local_date(self.clock(), tz))
        shown_day = min(day or current, current)
        today = shown_day.isoformat()

        def rows() -> list[dict[str, object]]:  # on the reader thread
            return [{"id": r.id, "status": r.status.value, "total": r.total,
                     "method": method_label(r.method),
                     "time": r.created_at.astimezone(tz).strftime("%H:%M"),
                     "refunded": r.refunded,
                     "voided": r.voided_by is not None and r.status.value in VOIDABLE,
                     "cashier": r.cashier}
                    for r in orders_of_day(self.db, today)]

        def shown(data: list[dict[str, object]]) -> None:
            from pos_app.ui.small_dialogs import HistoryDialog

            dlg = HistoryDialog(data, self, day=shown_day, latest=shown_day >= current)
            _free_on_close(dlg)
            dlg.dayRequested.connect(self.show_history)
            self.history_dialog = dlg
            dlg.lateDecision.connect(self._resolve_late)
            dlg.reprintRequested.connect(self.reprint)
            dlg.refundRequested.connect(self.refund)
            dlg.voidRequested.connect(self.void)
            dlg.owedRequested.connect(self.show_owed_refunds)
            dlg.finished.connect(lambda _r: self._history_closed(dlg))
            dlg.open()

        self.tasks.read(rows, shown)

    def reprint(self, order_id: str) -> None:
        """Riwayat's "Cetak ulang": a copy of the receipt, marked as one, to the printer."""
        if self.events is None:
            return
        if self.devices is None or not self.devices.printing:
            self.say(tr("Printer mati (Pengaturan → Perangkat)"))
            return
        self.events.report_receipt_wanted(order_id)
        self.say(tr("Struk {id} dikirim ke printer", id=order_id))

    def _history_closed(self, dlg: HistoryDialog) -> None:
        if self.history_dialog is dlg:
            self.history_dialog = None
        if dlg.chosen:
            self.show_receipt(dlg.chosen)

    def _resolve_late(self, order_id: str, accept: bool) -> None:
        """A late payment kept as a sale or given back: the owner decides (their PIN)."""
        service, actor = self.service, self.cashier

        def done(ok: bool) -> None:
            if ok:
                self.say(tr("Pembayaran terlambat {id} diterima", id=order_id) if accept
                         else tr("Pembayaran terlambat {id} dikembalikan", id=order_id), 15000)

        def approved(owner: str) -> None:
            who = actor if owner == actor else f"{actor} (disetujui {owner})"
            self.tasks.write(lambda: service.resolve_late(order_id, accept, who), done)

        self._owner_only(
            tr("Terima bayar terlambat {id}", id=order_id) if accept
            else tr("Kembalikan bayar terlambat {id}", id=order_id), approved)

    def _owner_only(self, what: str, action: Callable[[str], None]) -> None:
        """``action(approver)`` after an owner's PIN (no staff session: at once)."""
        if self.session is None:
            action(self.cashier)
        else:
            self.session.owner_only(what, action)

    def _audit(self, action: str, details: dict[str, object], order_id: str | None = None) -> None:
        import json

        db, actor = self.db, self.cashier

        def write() -> None:
            with db.transaction() as conn:
                db.audit(conn, actor, action, order_id=order_id, details=json.dumps(details))

        self.tasks.write(write)

    def _toggle_shift(self) -> None:
        if self.session is not None:
            self.session.toggle_shift()

    def _lock(self) -> None:
        if self.session is not None:
            self.session.lock()

    def open_report(self) -> None:
        """Laporan (F10): the owner's report screen."""
        self._owner_only(tr("Membuka Laporan"), lambda _owner: self._open_report())

    def _open_report(self) -> None:
        from pos_app.ui.report.screen import ReportScreen

        if self.report_screen is not None:
            self.report_screen.raise_()
            return
        session = self.session
        dlg = ReportScreen(self.db, self.settings.timezone(), self.tasks,
                           str(self.settings.get("store.name")), clock=self.clock, parent=self,
                           day=session.shift.business_date if session and session.shift
                           else None, settings=self.settings)
        _free_on_close(dlg)
        self.report_screen = dlg
        dlg.orderRequested.connect(lambda oid: self.show_receipt(oid))
        dlg.finished.connect(lambda _r: self._report_closed(dlg))
        dlg.open()

    def _report_closed(self, dlg: QDialog) -> None:
        if self.report_screen is dlg:
            self.report_screen = None
        self.focus_search()

    def _approve(self, what: str, on_approved: Callable[[str], None]) -> None:
        """For the refund and void dialogs: an owner's approval of ``what``."""
        self._owner_only(what, on_approved)

    def refund(self, order_id: str) -> None:
        """Riwayat's "Pengembalian…": give back a paid sale, whole or by line."""
        from pos_app.ui.refund_dialog import RefundDialog

        session = self.session
        if session is not None and not session.can_sell():
            return  # money leaves a drawer: the shift's, counted tonight (asks to open one)
        dlg = RefundDialog(self.db, self.tasks, order_id, self.settings.timezone(), self.cashier,
                           self._approve,
                           shift_id=session.shift.id if session and session.shift else None,
                           clock=self.clock, parent=self)
        _free_on_close(dlg)
        dlg.accepted.connect(lambda: self.say(
            tr("Pengembalian {amount} untuk {id} dicatat",
               amount=format_rupiah(dlg.refund.amount), id=order_id), 15000))
        dlg.open()

    def show_owed_refunds(self) -> None:
        """QRIS refunds still owed to customers: the owner marks each paid back by hand."""
        self._owner_only(tr("Refund belum dibayar"), self._show_owed_refunds)

    def _show_owed_refunds(self, owner: str) -> None:
        from pos_app.ui.refund_dialog import OwedRefundsDialog

        session = self.session
        dlg = OwedRefundsDialog(self.db, self.tasks, self.settings.timezone(), owner,
                                clock=self.clock, parent=self,
                                shift_id=session.shift.id if session and session.shift else None)
        _free_on_close(dlg)
        dlg.open()

    def void(self, order_id: str) -> None:
        """Riwayat's "Void…": take an unpaid order off the books (a QRIS still waiting is
        cancelled at its gateway first)."""
        from pos_app.ui.refund_dialog import VoidDialog

        service = self.service
        dlg = VoidDialog(self.db, self.tasks, order_id, self.settings.timezone(), self.cashier,
                         self._approve,
                         cancel=(lambda oid: service.cancel(oid, self.cashier)) if service
                         else None, parent=self)
        _free_on_close(dlg)
        dlg.accepted.connect(lambda: self.say(tr("Transaksi {id} di-void", id=order_id), 15000))
        dlg.open()

    def open_products(self) -> None:
        """The owner's products screen (Produk); the grid, tabs and search follow its changes."""
        self._owner_only(tr("Membuka Produk"), lambda _owner: self._open_products())

    def _open_products(self) -> None:
        from pos_app.ui.products import ProductsDialog

        dlg = ProductsDialog(self.db, self.tasks, self.settings, demo=self.demo, parent=self)
        _free_on_close(dlg)
        dlg.catalogChanged.connect(self._catalog_changed)
        dlg.open()

    def _catalog_changed(self) -> None:
        self._load_categories()
        self.search(self.search_input.text())

    def open_settings(self) -> None:
        self._owner_only(tr("Membuka Pengaturan"), self._open_settings)

    def _open_settings(self, owner: str) -> None:
        from pos_app.ui.settings import SettingsDialog
        from pos_app.ui.settings.staff import StaffPage

        dlg = SettingsDialog(self.settings, self, screens_count=len(QGuiApplication.screens()),
                             provider_states=self.provider_states)
        _free_on_close(dlg)
        dlg.saved.connect(self._settings_saved)
        dlg.restoreRequested.connect(self.restoreRequested)
        # Staf: the accounts, changed in the name of the owner who opened Settings.
        StaffPage.of(dlg).attach(self.db, actor=f"user:{owner}", tasks=self.tasks)
        devices = self.devices
        if devices is not None:  # the devices page's "Tes soundbox" / "Tes printer"
            dlg.deviceTestRequested.connect(
                lambda device: devices.test(device, dlg.device_values(device)))
            devices.test_done.connect(dlg.show_device_test_result)
            dlg.finished.connect(lambda _r: devices.test_done.disconnect(
                dlg.show_device_test_result))
        dlg.open()

    def _settings_saved(self, keys: list[str]) -> None:
        """The owner saved settings: the window's texts, language and tax change at once; the
        payment providers are rebuilt on the writer thread (``_reset_providers``)."""
        self.settings.reload()
        self.store_label.setText(str(self.settings.get("store.name")))
        if "ui.language" in keys:
            set_language(str(self.settings.get("ui.language")))
        self.retranslate()
        if any(k.startswith("tax.") for k in keys):
            self.cart.tax_config = self._tax_config()
        if any(k.startswith(("providers.", "payment.")) for k in keys) and self.service is not None:
            self._reset_providers()
        if self.events is not None:  # the customer display: store name, language, screen
            self.events.report_settings(keys, self.settings)
        self._refresh_cart()

    def _reset_providers(self) -> None:
        """Build the payment providers afresh from the saved settings, on the writer thread:
        closing the old adapters can wait for a gateway call an engine thread is making, and
        forgetting them writes to the database. Sales are written by the same thread, one job
        at a time, so a sale the cashier starts after saving is written (and its provider
        looked up, see pay_qris) only once the reset is done, never half-way through it."""
        service = self.service
        leave_demo = self.demo and self.settings.get("payment.provider") != "simulator"

        def reset() -> None:
            if leave_demo:  # the owner chose a real provider: sell through it from now on
                service.provider_override = None
            service.forget_providers()

        def done(_result: None) -> None:
            if leave_demo:
                self.demo = False
                self._catalog_changed()  # the demo items leave the grid with demo mode
            self._show_demo_banner()

        self.tasks.write(reset, done)

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.display is not None:
            self.display.close()
        super().closeEvent(event)
