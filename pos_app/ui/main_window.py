"""The cashier window: find products, build the cart, take cash or QRIS, show the receipt.

Everything slow happens elsewhere: catalogue searches and sale writes go through the
``TaskManager`` (database threads), payments through the ``PaymentService`` (sync engine
threads), whose events arrive here through ``SyncBridge`` on the GUI thread.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

# No ``Qt`` namespace and no dialog classes at import time: this module is on the start-up path
# (see pos_app/ui/props.py); methods that run later import what they need.
from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
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
    AmbiguousProduct,
    Cart,
    InactiveProduct,
    Product,
    ProductNotFound,
    TaxConfig,
    TaxMode,
)
from pos_app.clock import from_iso, local_date, utcnow
from pos_app.money import MAX_SALE_AMOUNT, AmountTooLarge, format_rupiah
from pos_app.settings import Settings
from pos_app.storage import catalog
from pos_app.ui.cart_panel import CartPanel
from pos_app.ui.i18n import register, set_language, tr
from pos_app.ui.product_grid import CategoryBar, ProductGrid
from pos_app.ui.props import no_focus
from pos_app.ui.tasks import TaskManager

if TYPE_CHECKING:
    from pos_app.payments import PaymentService
    from pos_app.storage.database import Database
    from pos_app.storage.orders import OrderRecord
    from pos_app.ui.cash_dialog import CashDialog
    from pos_app.ui.customer_display import CustomerDisplay
    from pos_app.ui.qris_dialog import QrisDialog
    from pos_app.ui.small_dialogs import DiscountDialog, HistoryDialog, ReceiptDialog
from sync.events import EventKind, SyncEvent

log = logging.getLogger(__name__)

register({
    "Kasir": "Cashier", "Cari produk atau scan barcode (F2)": "Search or scan a barcode (F2)",
    "Tunai (F4)": "Cash (F4)", "QRIS (F5)": "QRIS (F5)", "Diskon (F9)": "Discount (F9)",
    "Kosongkan (Esc)": "Clear (Esc)", "Riwayat (F8)": "History (F8)", "Pengaturan": "Settings",
    "MODE DEMO — pembayaran QRIS disimulasikan, tidak ada uang sungguhan. Buka Pengaturan untuk memasang QRIS toko Anda.":
        "DEMO MODE — QRIS payments are simulated, no real money. Open Settings to set up your shop's QRIS.",
    "Produk tidak ditemukan: {query}": "Product not found: {query}",
    "Beberapa produk cocok dengan \"{query}\" — pilih dari daftar": "Several products match \"{query}\" — pick one",
    "Produk tidak aktif: {name}": "Product is inactive: {name}",
    "Total melebihi batas satu transaksi ({limit})": "The total is over the limit of one sale ({limit})",
    "{name} ditambahkan": "{name} added", "Keranjang masih kosong": "The cart is empty",
    "Kosongkan keranjang?": "Clear the cart?", "Semua barang di keranjang akan dihapus.": "All items will be removed.",
    "Gagal menyimpan penjualan: {error}": "Could not save the sale: {error}",
    "QRIS belum bisa dipakai: {error}": "QRIS can't be used yet: {error}",
    "Lengkapi pengaturan: {keys}": "Complete the settings: {keys}",
    "Penjualan {id} lunas — kembali {change}": "Sale {id} paid — change {change}",
    "Penjualan {id} lunas lewat QRIS": "Sale {id} paid by QRIS",
    "QRIS {id} kedaluwarsa — keranjang masih ada, bisa dibayar tunai": "QRIS {id} expired — the cart is kept, you can take cash",
    "Pembayaran terlambat masuk untuk {id} ({amount}) — periksa Riwayat": "Late payment for {id} ({amount}) — check History",
    "Kesalahan": "Error", "Menyiapkan pembayaran, coba lagi sebentar…": "Getting payments ready, try again in a moment…", "Pembayaran dibatalkan": "Payment cancelled", "QRIS kedaluwarsa": "QRIS expired",
    "Sinkronisasi: {error}": "Sync: {error}",
    "QRIS {provider} sedang lambat — mencoba lagi otomatis": "QRIS {provider} is slow — retrying automatically",
    "Pengaturan QRIS {provider} belum benar — buka Pengaturan; terima tunai dulu":
        "QRIS {provider} settings are not right — open Settings; take cash for now",
    "QRIS {provider} tidak bisa dihubungi — terima tunai dulu; penjualan QRIS tersimpan dan dilanjutkan otomatis":
        "QRIS {provider} can't be reached — take cash for now; QRIS sales are kept and resume automatically",
    "Login {provider} kedaluwarsa — buka Pengaturan lalu Login": "{provider} login expired — open Settings and log in",
    "Pembayaran terlambat {id} diterima": "Late payment {id} accepted",
    "Pembayaran terlambat {id} dikembalikan": "Late payment {id} refunded",
})

_TRAILING_CODE = r"(\d{6,})$"  # compiled (and cached by ``re``) on the first scan
_RECENT_EVENTS = 64


class SearchInput(QLineEdit):
    """The search/scan box. While it is empty, + / - / Delete act on the selected cart line
    (``lineKey`` carries "+", "-" or "del"); with text in it they type as usual."""

    lineKey = Signal(str)

    def reset(self, text: str = "") -> None:
        """Show ``text`` and forget the undo history (no ``textEdited``). ``clear()`` and typing
        keep every edit for Ctrl+Z until the next ``setText``: on a till that scans all day that
        history grows without end (about 0.8 KB a barcode, never given back)."""
        self.setText(text)

    def keyPressEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if not self.text():
            from PySide6.QtCore import Qt

            action = {Qt.Key.Key_Plus: "+", Qt.Key.Key_Minus: "-", Qt.Key.Key_Delete: "del"}.get(event.key())
            if action is not None:
                self.lineKey.emit(action)
                event.accept()
                return
        super().keyPressEvent(event)


class CashierWindow(QMainWindow):
    searchShown = Signal(int)  # the search sequence number whose results are on screen
    saleCompleted = Signal(str)  # order id

    def __init__(self, settings: Settings, service: PaymentService | None, tasks: TaskManager,
                 display: CustomerDisplay | None = None, *, demo: bool = False,
                 clock: Callable[[], datetime] = utcnow, db: Database | None = None) -> None:
        """``service`` may come later (``attach_service``): the app shows the window first and
        starts payments a moment after, so that the cashier sees the till as soon as possible."""
        super().__init__()
        self.settings = settings
        self.service: PaymentService = None  # type: ignore[assignment]
        if service is None and db is None:
            raise ValueError("give a payment service or a database")
        self.db = service.db if service is not None else db
        self.tasks = tasks
        self.display = display
        self.demo = demo
        self.clock = clock
        self.cart = Cart(self._tax_config())
        self._recent: OrderedDict[str, list[SyncEvent]] = OrderedDict()
        self._search_seq = 0
        self._writing_sale = False  # a cash or QRIS sale is on its way to the database
        self.qris_dialog: QrisDialog | None = None
        self.cash_dialog: CashDialog | None = None
        self.discount_dialog: DiscountDialog | None = None
        self.receipt_dialog: ReceiptDialog | None = None
        self.history_dialog: HistoryDialog | None = None
        self.last_receipt: str | None = None
        self.setObjectName("cashierWindow")
        self._build()
        self._set_texts()
        self._shortcuts()
        self._refresh_cart()
        self._load_categories()
        self.search("")
        if service is not None:
            self.attach_service(service)

    @functools.cached_property
    def cashier(self) -> str:
        """Who is at the till, for the audit log: the logged-in OS user (looked up on first use,
        off the start-up path)."""
        import getpass

        try:
            return getpass.getuser()
        except (KeyError, OSError):  # a uid without a name (kiosk account, container)
            return "kasir"

    def attach_service(self, service: PaymentService) -> None:
        from pos_app.ui.bridge import SyncBridge

        self.service = service
        self.bridge = SyncBridge(service, self)
        self.bridge.event.connect(self._on_sync_event)

    # -- layout ----------------------------------------------------------------------------
    def _build(self) -> None:
        root = QWidget()
        outer = QVBoxLayout(root)
        outer.setContentsMargins(10, 8, 10, 8)
        header = QHBoxLayout()
        self.store_label = QLabel(str(self.settings.get("store.name")), objectName="storeName")
        header.addWidget(self.store_label)
        header.addStretch(1)
        self.history_button = QPushButton()
        self.history_button.clicked.connect(self.show_history)
        self.settings_button = QPushButton()
        self.settings_button.clicked.connect(self.open_settings)
        no_focus(self.history_button, self.settings_button)
        for b in (self.history_button, self.settings_button):
            header.addWidget(b)
        outer.addLayout(header)
        self.demo_banner = QLabel(objectName="demoBanner")
        self.demo_banner.setWordWrap(True)
        self.demo_banner.setVisible(self.demo)
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
        lv.addWidget(self.search_input)
        self.categories = CategoryBar()
        self.categories.categoryChanged.connect(lambda _c: self.search(self.search_input.text()))
        lv.addWidget(self.categories)
        self.grid = ProductGrid()
        self.grid.productClicked.connect(self.add_product)
        lv.addWidget(self.grid, 1)
        split.addWidget(left)

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(6, 0, 0, 0)
        self.cart_panel = CartPanel()
        self.cart_panel.incrementRequested.connect(lambda sku: self._change(lambda: self.cart.increment(sku)))
        self.cart_panel.decrementRequested.connect(lambda sku: self._change(lambda: self.cart.decrement(sku)))
        self.cart_panel.removeRequested.connect(lambda sku: self._change(lambda: self.cart.remove(sku)))
        rv.addWidget(self.cart_panel, 1)
        row = QHBoxLayout()
        self.discount_button = QPushButton()
        self.discount_button.clicked.connect(self.edit_discount)
        self.clear_button = QPushButton()
        self.clear_button.clicked.connect(self.ask_clear)
        no_focus(self.discount_button, self.clear_button)
        for b in (self.discount_button, self.clear_button):
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
        self.history_button.setText(tr("Riwayat (F8)"))
        self.settings_button.setText(tr("Pengaturan"))
        self.demo_banner.setText(tr("MODE DEMO — pembayaran QRIS disimulasikan, tidak ada uang sungguhan. "
                                    "Buka Pengaturan untuk memasang QRIS toko Anda."))
        self.search_input.setPlaceholderText(tr("Cari produk atau scan barcode (F2)"))
        self.discount_button.setText(tr("Diskon (F9)"))
        self.clear_button.setText(tr("Kosongkan (Esc)"))
        self.cash_button.setText(tr("Tunai (F4)"))
        self.qris_button.setText(tr("QRIS (F5)"))

    def _shortcuts(self) -> None:
        keys: list[tuple[str | QKeySequence.StandardKey, Callable[[], object]]] = [
            ("F2", self.focus_search), ("F4", self.pay_cash), ("F5", self.pay_qris),
            ("F8", self.show_history), ("F9", self.edit_discount), ("Esc", self._escape),
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
            self._change(lambda: self.cart.increment(sku))
        elif key == "-":
            self._change(lambda: self.cart.decrement(sku))
        else:
            self._change(lambda: self.cart.remove(sku))

    def attach_display(self, display: CustomerDisplay) -> None:
        """The customer display, made after the cashier window is on screen."""
        self.display = display
        if not self.cart.is_empty:
            self._refresh_cart()

    def _tax_config(self) -> TaxConfig:
        return TaxConfig(TaxMode(self.settings.get("tax.mode")), int(self.settings.get("tax.rate_percent")))

    def say(self, text: str, ms: int = 6000) -> None:
        self.statusBar().showMessage(text, ms)

    # -- catalogue ---------------------------------------------------------------------------
    def _load_categories(self) -> None:
        self.tasks.read(lambda: catalog.categories(self.db), self.categories.set_categories)

    def focus_search(self) -> None:
        self.search_input.reset(self.search_input.text())  # the last sale's edits: no undo
        self.search_input.setFocus()
        self.search_input.selectAll()

    def search(self, text: str) -> int:
        self._search_seq += 1
        seq = self._search_seq
        category = self.categories.current()
        self.tasks.read(lambda: catalog.search(self.db, text, category=category),
                        lambda products: self._show_results(seq, products))
        return seq

    def _show_results(self, seq: int, products: list[Product]) -> None:
        if seq != self._search_seq:
            return  # an older keystroke's answer; a newer one is on its way
        self.grid.set_products(products)
        self.searchShown.emit(seq)

    def _search_enter(self) -> None:
        text = self.search_input.text().strip()
        if not text:
            return
        codes = [text]
        m = re.search(_TRAILING_CODE, text)
        if m and m.group(1) != text:
            codes.append(m.group(1))  # scanned into a box that still held a search word

        def find() -> Product | list[Product] | None:
            for code in codes:
                found = catalog.get_by_barcode(self.db, code)
                if found is not None:
                    return found
            return catalog.search(self.db, text, limit=5)

        def done(result: Product | list[Product] | None) -> None:
            if isinstance(result, Product):
                self.add_product(result)
                self.search_input.reset()
                self.search("")
                return
            try:
                self.cart.add_by_search(text, lambda _q: result or [])
            except ProductNotFound:
                self.say(tr("Produk tidak ditemukan: {query}", query=text))
                self.search_input.selectAll()
                return
            except AmbiguousProduct:
                self.say(tr("Beberapa produk cocok dengan \"{query}\" — pilih dari daftar", query=text))
                return
            self.search_input.reset()
            self.search("")
            self._refresh_cart()

        self.tasks.read(find, done)

    # -- cart --------------------------------------------------------------------------------
    def add_product(self, product: Product) -> None:
        try:
            line = self.cart.add(product)
        except InactiveProduct:
            self.say(tr("Produk tidak aktif: {name}", name=product.name))
            return
        except AmountTooLarge:
            self.say(tr("Total melebihi batas satu transaksi ({limit})",
                        limit=format_rupiah(MAX_SALE_AMOUNT)))
            return
        if self.receipt_dialog is not None and self.receipt_dialog.isVisible():
            self.receipt_dialog.close()
        self._refresh_cart()
        self.cart_panel.select_sku(line.sku)
        self.say(tr("{name} ditambahkan", name=product.name), 2500)

    def _change(self, action: Callable[[], object]) -> None:
        try:
            action()
        except AmountTooLarge:
            self.say(tr("Total melebihi batas satu transaksi ({limit})",
                        limit=format_rupiah(MAX_SALE_AMOUNT)))
        except (LookupError, ValueError) as exc:
            log.warning("cart change refused: %s", exc)
        self._refresh_cart()

    def _refresh_cart(self, *, update_display: bool = True) -> None:
        self.cart_panel.refresh(self.cart)
        has = not self.cart.is_empty
        for b in (self.cash_button, self.qris_button, self.discount_button, self.clear_button):
            b.setEnabled(has)
        if self.display is not None and self.qris_dialog is None and update_display:
            from pos_app.ui.customer_display import DisplayLine

            t = self.cart.totals()
            self.display.show_cart(
                [DisplayLine(line.product.name, line.quantity, line.net) for line in self.cart.lines],
                t.total, discount=t.discount_total, tax=t.tax)

    def edit_discount(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        if self.cart.is_empty:
            return
        sku = self.cart_panel.selected_sku()
        name = self.cart.line(sku).product.name if sku else None
        from PySide6.QtCore import Qt

        from pos_app.ui.small_dialogs import DiscountDialog

        dlg = DiscountDialog(name, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # a fresh one each time: free it
        self.discount_dialog = dlg
        dlg.finished.connect(lambda _r: self._forget_discount_dialog(dlg))

        def apply() -> None:
            try:
                if dlg.for_line and sku:
                    self.cart.set_line_discount(sku, None if dlg.cleared else dlg.discount)
                else:
                    self.cart.set_order_discount(None if dlg.cleared else dlg.discount)
            except ValueError as exc:
                QMessageBox.warning(self, tr("Kesalahan"), str(exc))
            self._refresh_cart()

        dlg.accepted.connect(apply)
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
        from PySide6.QtWidgets import QMessageBox

        if self.cart.is_empty:
            return
        answer = QMessageBox.question(self, tr("Kosongkan keranjang?"), tr("Semua barang di keranjang akan dihapus."))
        if answer == QMessageBox.StandardButton.Yes:
            self.clear_cart()

    def clear_cart(self, *, update_display: bool = True) -> None:
        # After a payment the customer display keeps its "Terima kasih" until it times out.
        self.cart.clear()
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
        # A sale being written (F5 pressed twice faster than the QR dialog opens, F4's Enter
        # repeated) must not start a second sale of the same cart.
        return self.qris_dialog is None and not self._writing_sale

    def _sale_not_saved(self, exc: BaseException, what: str) -> None:
        """An unexpected failure writing a sale: the details to the log, one line to the cashier."""
        from PySide6.QtWidgets import QMessageBox

        log.error("%s failed", what, exc_info=exc)
        QMessageBox.critical(self, tr("Kesalahan"), tr("Gagal menyimpan penjualan: {error}", error=str(exc)))

    def pay_cash(self) -> None:
        from PySide6.QtCore import Qt

        if not self._can_pay():
            return
        from pos_app.ui.cash_dialog import CashDialog

        dlg = CashDialog(self.cart.totals().total, self)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.finished.connect(lambda _r: self._forget_cash_dialog(dlg))
        self.cash_dialog = dlg
        dlg.accepted.connect(lambda: dlg.tendered is not None and self.complete_cash(dlg.tendered))
        dlg.open()

    def _forget_cash_dialog(self, dlg: CashDialog) -> None:
        if self.cash_dialog is dlg:
            self.cash_dialog = None

    def complete_cash(self, tendered: int) -> None:
        from PySide6.QtWidgets import QMessageBox

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
            self.say(tr("Penjualan {id} lunas — kembali {change}", id=order.id, change=format_rupiah(change)), 15000)
            if self.display is not None:
                self.display.show_paid(order.total)
            self.clear_cart(update_display=False)
            self.saleCompleted.emit(order.id)
            self.show_receipt(order.id)

        def failed(exc: BaseException) -> None:
            self._writing_sale = False
            self.cash_button.setEnabled(True)
            if isinstance(exc, (InsufficientCash, CheckoutError)):
                QMessageBox.warning(self, tr("Kesalahan"), str(exc))
            else:
                self._sale_not_saved(exc, "cash sale")

        self.tasks.write(pay, done, failed)

    def pay_qris(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        if not self._can_pay():
            return
        cart = copy.deepcopy(self.cart)
        self.qris_button.setEnabled(False)
        self._writing_sale = True

        def started(order: OrderRecord) -> None:
            self._writing_sale = False
            self._open_qris_dialog(order)

        def failed(exc: BaseException) -> None:
            from pos_app import qris
            from pos_app.checkout import CheckoutError
            from sync.providers.base import ConfigMissing, ProviderError

            self._writing_sale = False
            self.qris_button.setEnabled(True)
            if isinstance(exc, ConfigMissing):
                QMessageBox.warning(self, tr("Kesalahan"), tr("Lengkapi pengaturan: {keys}", keys=", ".join(exc.keys)))
            elif isinstance(exc, (ProviderError, qris.InvalidQris, CheckoutError)):
                QMessageBox.warning(self, tr("Kesalahan"), tr("QRIS belum bisa dipakai: {error}", error=str(exc)))
            else:
                self._sale_not_saved(exc, "starting a QRIS sale")

        self.tasks.write(lambda: self.service.start_qris(cart), started, failed)

    def _open_qris_dialog(self, order: OrderRecord) -> None:
        from PySide6.QtCore import Qt

        from pos_app.ui.qris_dialog import QrisDialog
        from sync.providers.base import Confirmation

        provider = self.service.provider(self.service.default_provider())
        dlg = QrisDialog(order.id, order.total, demo=provider.name == "simulator",
                         manual=provider.confirmation is Confirmation.MANUAL, clock=self.clock, parent=self)
        # One dialog per sale: free it when it closes (a till rings up hundreds a day).
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dlg.cancelRequested.connect(lambda oid: self.tasks.write(lambda: self.service.cancel(oid, self.cashier)))
        dlg.simulateRequested.connect(lambda oid: self.tasks.write(lambda: self.service.simulate_paid(oid)))
        dlg.confirmRequested.connect(
            lambda oid: self.tasks.write(lambda: self.service.confirm_manually(oid, self.cashier, "UI")))
        dlg.finished.connect(lambda _r: self._qris_closed(dlg))
        self.qris_dialog = dlg
        for ev in self._recent.get(order.id, []):  # events that arrived before the dialog existed
            self._route(ev)
        dlg.open()

    def _qris_closed(self, dlg: QrisDialog) -> None:
        self.qris_dialog = None
        self.qris_button.setEnabled(not self.cart.is_empty)
        if dlg.final is EventKind.PAID:
            self.clear_cart(update_display=False)
            self.saleCompleted.emit(dlg.order_id)
            self.show_receipt(dlg.order_id)
        else:
            self._refresh_cart()
        self.focus_search()

    def _on_sync_event(self, ev: SyncEvent) -> None:
        if ev.kind is EventKind.PROVIDER_STATE:
            self._provider_state(str(ev.data.get("provider")), str(ev.data.get("state")))
            return
        self._recent.setdefault(ev.order_id, []).append(ev)
        while len(self._recent) > _RECENT_EVENTS:
            self._recent.popitem(last=False)
        self._route(ev)

    def _route(self, ev: SyncEvent) -> None:
        dlg = self.qris_dialog
        mine = dlg is not None and ev.order_id == dlg.order_id
        if mine:
            dlg.on_event(ev)
            if self.display is not None:
                self._to_display(ev)
        if ev.kind is EventKind.LATE_PAYMENT:
            self.say(tr("Pembayaran terlambat masuk untuk {id} ({amount}) — periksa Riwayat",
                        id=ev.order_id, amount=format_rupiah(int(ev.data.get("paid_amount") or 0))), 30000)
        elif ev.kind is EventKind.RETRYING and ev.data.get("error"):
            self.say(tr("Sinkronisasi: {error}", error=ev.data["error"]))
        if mine and ev.kind is EventKind.PAID:
            self.say(tr("Penjualan {id} lunas lewat QRIS", id=ev.order_id), 15000)
        elif mine and ev.kind is EventKind.EXPIRED:
            self.say(tr("QRIS {id} kedaluwarsa — keranjang masih ada, bisa dibayar tunai", id=ev.order_id), 20000)

    def _provider_state(self, provider: str, state: str) -> None:
        self.provider_states[provider] = state
        self._show_provider_banner()

    def _show_provider_banner(self) -> None:
        bad = {p: st for p, st in self.provider_states.items() if st != "ok"}
        if not bad:
            self.health_banner.hide()
            return
        p, st = next(iter(bad.items()))
        text = {
            "degraded": tr("QRIS {provider} sedang lambat — mencoba lagi otomatis", provider=p),
            "down": tr("QRIS {provider} tidak bisa dihubungi — terima tunai dulu; penjualan QRIS tersimpan dan "
                       "dilanjutkan otomatis", provider=p),
            "needs_login": tr("Login {provider} kedaluwarsa — buka Pengaturan lalu Login", provider=p),
            "misconfigured": tr("Pengaturan QRIS {provider} belum benar — buka Pengaturan; terima tunai "
                                "dulu", provider=p),
        }.get(st, st)
        self.health_banner.setText(text)
        self.health_banner.setProperty("state", st)
        self.health_banner.style().unpolish(self.health_banner)
        self.health_banner.style().polish(self.health_banner)
        self.health_banner.show()

    def _to_display(self, ev: SyncEvent) -> None:
        assert self.display is not None
        payload = ev.data.get("qris") or ev.data.get("checkout_url")
        if ev.kind is EventKind.AWAITING_PAYMENT and payload:
            merchant = None
            fee = None
            if ev.data.get("qris"):
                from pos_app import qris

                try:
                    parsed = qris.parse(ev.data["qris"])
                    merchant = parsed.merchant.name
                    fee = qris.fee_policy_text(parsed)
                except qris.InvalidQris:
                    log.error("provider returned an invalid QRIS for %s", ev.order_id)
            self.display.show_qris(payload, int(ev.data["payable_amount"]), from_iso(ev.data["expires_at"]),
                                   merchant_name=merchant, fee_note=fee)
        elif ev.kind is EventKind.PAID:
            self.display.show_paid(int(ev.data.get("paid_amount") or 0))
        elif ev.kind in (EventKind.CANCELLED, EventKind.FAILED):
            self.display.show_message(tr("Pembayaran dibatalkan"))
        elif ev.kind is EventKind.EXPIRED:
            self.display.show_message(tr("QRIS kedaluwarsa"))

    # -- receipts, history, settings ---------------------------------------------------------
    def show_receipt(self, order_id: str, *, modal: bool = False) -> None:
        tz = self.settings.timezone()
        from pos_app.receipt import StoreHeader, render_receipt
        from pos_app.storage.orders import latest_payment, load_order

        store = StoreHeader(str(self.settings.get("store.name")), str(self.settings.get("store.address")))

        def build() -> str:
            order = load_order(self.db, order_id)
            assert order is not None
            return render_receipt(order, latest_payment(self.db, order_id), store, tz)

        def shown(text: str) -> None:
            from PySide6.QtCore import Qt

            self.last_receipt = text
            if self.receipt_dialog is not None:
                self.receipt_dialog.close()
            # Not modal and not focused: the next customer's first scan must reach the search
            # box, and adding an item closes the preview.
            from pos_app.ui.small_dialogs import ReceiptDialog

            dlg = ReceiptDialog(text, self)
            dlg.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
            dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dlg.finished.connect(lambda _r: self._receipt_closed(dlg))
            self.receipt_dialog = dlg
            dlg.show()
            self.activateWindow()
            self.focus_search()

        self.tasks.read(build, shown)

    def _receipt_closed(self, dlg: ReceiptDialog) -> None:
        if self.receipt_dialog is dlg:
            self.receipt_dialog = None

    def show_history(self) -> None:
        tz = self.settings.timezone()
        today = local_date(self.clock(), tz).isoformat()

        def rows() -> list[dict]:
            out = []
            for r in self.db.query(
                "SELECT o.id, o.status, o.total, o.created_at,"
                " (SELECT coalesce(p.provider, p.method) FROM payments p WHERE p.order_id = o.id"
                "  ORDER BY p.created_at DESC LIMIT 1) AS method"
                " FROM orders o WHERE o.business_date = ? ORDER BY o.created_at DESC", (today,)
            ):
                out.append({"id": r["id"], "status": r["status"], "total": r["total"],
                            "method": r["method"] or "-",
                            "time": from_iso(r["created_at"]).astimezone(tz).strftime("%H:%M")})
            return out

        def shown(data: list[dict]) -> None:
            from PySide6.QtCore import Qt

            from pos_app.ui.small_dialogs import HistoryDialog

            dlg = HistoryDialog(data, self)
            dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per F8: free it
            self.history_dialog = dlg
            dlg.lateDecision.connect(self._resolve_late)
            dlg.finished.connect(lambda _r: self._history_closed(dlg))
            dlg.open()

        self.tasks.read(rows, shown)

    def _history_closed(self, dlg: HistoryDialog) -> None:
        if self.history_dialog is dlg:
            self.history_dialog = None
        if dlg.chosen:
            self.show_receipt(dlg.chosen)

    def _resolve_late(self, order_id: str, accept: bool) -> None:
        def done(ok: bool) -> None:
            if ok:
                self.say(tr("Pembayaran terlambat {id} diterima", id=order_id) if accept
                         else tr("Pembayaran terlambat {id} dikembalikan", id=order_id), 15000)

        self.tasks.write(lambda: self.service.engine.resolve_late(order_id, accept=accept, actor=self.cashier), done)

    def open_settings(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QGuiApplication

        from pos_app.ui.settings_dialog import SettingsDialog

        dlg = SettingsDialog(self.settings, self, screens_count=len(QGuiApplication.screens()),
                             provider_states=self.provider_states)
        dlg.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # a fresh one each time: free it
        dlg.saved.connect(self._settings_saved)
        dlg.open()

    def _settings_saved(self, keys: list[str]) -> None:
        self.settings.reload()
        self.store_label.setText(str(self.settings.get("store.name")))
        if "ui.language" in keys:
            set_language(str(self.settings.get("ui.language")))
            if self.display is not None:
                self.display.retranslate()
        self.retranslate()
        if any(k.startswith("tax.") for k in keys):
            self.cart.tax_config = self._tax_config()
        if any(k.startswith(("providers.", "payment.")) for k in keys):
            self.service.forget_providers()
            if self.demo and self.settings.get("payment.provider") != "simulator":
                self.demo = False
                self.service.provider_override = None
                self.demo_banner.hide()
        if self.display is not None:
            self.display.store_name = str(self.settings.get("store.name"))
            if "ui.customer_display_screen" in keys:
                self.display.place(preferred_index=int(self.settings.get("ui.customer_display_screen")))
        self._refresh_cart()

    def closeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        if self.display is not None:
            self.display.close()
        super().closeEvent(event)
