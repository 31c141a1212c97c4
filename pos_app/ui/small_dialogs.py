"""Small dialogs of the till: discount, a free-price item, receipt preview, today's orders."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos_app.cart import CUSTOM_SALE_NAME, Discount
from pos_app.money import MAX_SALE_AMOUNT, AmountTooLarge, check_amount, format_rupiah, parse_rupiah
from pos_app.ui.i18n import register, tr

register({
    "Pengembalian…": "Refund…", "Refund belum dibayar…": "Refunds owed…", "Void…": "Void…",
    "void": "voided",
    "lunas, dikembalikan {amount}": "paid, {amount} refunded",
    "Diskon": "Discount", "Seluruh pesanan": "Whole order",
    "Baris terpilih: {name}": "Selected line: {name}",
    "Contoh: 5000 atau 10%": "E.g. 5000 or 10%", "Terapkan": "Apply",
    "Hapus diskon": "Remove discount",
    "Batal": "Cancel", "Struk": "Receipt", "Tutup (Enter)": "Close (Enter)",
    "Transaksi hari ini": "Today's orders", "Transaksi {date}": "Orders of {date}",
    "Total lunas: {amount} dari {count} transaksi": "Paid: {amount} from {count} orders",
    "Hari sebelumnya": "Previous day", "Hari berikutnya": "Next day",
    "Waktu": "Time", "No. pesanan": "Order no.",
    "Status": "Status", "Metode": "Method", "Total": "Total", "Tutup": "Close",
    "Lihat struk": "View receipt", "Cetak ulang": "Reprint",
    "Ketik jumlah diskon, mis. 5000 atau 10%": "Type the discount, e.g. 5000 or 10%",
    "Persen harus antara 0 dan 100, mis. 10%": "A percentage is 0 to 100, e.g. 10%",
    "Jumlah tidak valid — ketik angka rupiah, mis. 5000":
        "Not an amount — type rupiah, e.g. 5000",
    "Diskon melebihi harga baris ini": "The discount is more than this line",
    "Harga bebas": "Free price", "Barang yang belum ada di daftar produk":
        "An item that is not in the product list yet",
    "Harga": "Price", "Nama (boleh kosong)": "Name (optional)", "Tambah (Enter)": "Add (Enter)",
    "Ketik harganya, mis. 12.500": "Type the price, e.g. 12.500",
    "Harga harus lebih dari 0": "The price must be more than 0",
    "Melebihi batas satu transaksi ({limit})": "Over the limit of one sale ({limit})",
    "Tunai": "Cash", "Total lunas hari ini: {amount} dari {count} transaksi":
        "Paid today: {amount} from {count} sales",
    "lunas": "paid", "menunggu": "waiting", "kedaluwarsa": "expired", "dibatalkan": "cancelled",
    "bayar terlambat": "late payment", "dikembalikan": "refunded", "terbuka": "open",
    "Terima bayar terlambat": "Accept late payment", "Kembalikan uang": "Refund",
    "Uang masuk setelah QRIS kedaluwarsa: terima sebagai penjualan, atau kembalikan ke pelanggan.":
        "Money arrived after the QRIS expired: accept it as a sale, "
        "or give it back to the customer.",
})

STATUS_TEXT = {
    "paid": "lunas", "awaiting_payment": "menunggu", "expired": "kedaluwarsa",
    "cancelled": "dibatalkan",
    "late_payment": "bayar terlambat", "refunded": "dikembalikan", "open": "terbuka",
}


class DiscountDialog(QDialog):
    """Amount ("5000", "Rp 5.000") or percent ("10%") for the whole order or the selected line."""

    def __init__(self, line_name: str | None, apply: Callable[[Discount | None, bool], None],
                 parent: QWidget | None = None) -> None:
        """``apply(discount, for_line)`` sets it (``None``: removes it); a ``ValueError`` from
        it (the cart refuses a line discount above the line) keeps the dialog open."""
        super().__init__(parent)
        self.setWindowTitle(tr("Diskon"))
        self._set = apply
        self.discount: Discount | None = None
        self.cleared = False
        layout = QVBoxLayout(self)
        self.whole = QRadioButton(tr("Seluruh pesanan"))
        self.line = QRadioButton(tr("Baris terpilih: {name}", name=line_name or "-"))
        self.line.setEnabled(line_name is not None)
        group = QButtonGroup(self)
        group.addButton(self.whole)
        group.addButton(self.line)
        self.whole.setChecked(True)
        layout.addWidget(self.whole)
        layout.addWidget(self.line)
        self.input = QLineEdit(objectName="discountInput")
        self.input.setPlaceholderText(tr("Contoh: 5000 atau 10%"))
        layout.addWidget(self.input)
        self.problem = QLabel(objectName="errorText")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        row = QHBoxLayout()
        clear = QPushButton(tr("Hapus diskon"))
        clear.clicked.connect(self._clear)
        cancel = QPushButton(tr("Batal"))
        cancel.clicked.connect(lambda: self.reject())  # not the C++ slot: see QrisDialog
        ok = QPushButton(tr("Terapkan"), objectName="primaryButton")
        ok.setDefault(True)
        ok.clicked.connect(self._apply)
        for b in (clear, cancel, ok):
            row.addWidget(b)
        layout.addLayout(row)
        self.setMinimumWidth(460)
        self.input.setFocus()  # F9 then "10%" at once

    @property
    def for_line(self) -> bool:
        return self.line.isChecked()

    def _clear(self) -> None:
        self.cleared = True
        self._apply_and_close(None)

    def _apply(self) -> None:
        text = self.input.text().strip()
        if not text:
            self.problem.setText(tr("Ketik jumlah diskon, mis. 5000 atau 10%"))
            return
        try:
            if text.endswith("%"):
                discount = Discount.percent(text[:-1].strip())
            else:
                discount = Discount.amount(text)
        except ValueError:
            # money's messages are English (logs, CLI): the cashier reads one of these.
            self.problem.setText(tr("Persen harus antara 0 dan 100, mis. 10%") if text.endswith("%")
                                 else tr("Jumlah tidak valid — ketik angka rupiah, mis. 5000"))
            return
        self.discount = discount
        self._apply_and_close(discount)

    def _apply_and_close(self, discount: Discount | None) -> None:
        try:
            self._set(discount, self.for_line)
        except ValueError:  # the only one the cart raises here: more off than the line costs
            self.problem.setText(tr("Diskon melebihi harga baris ini"))
            return
        self.accept()


class CustomAmountDialog(QDialog):
    """"Harga bebas": a price (and, if the cashier likes, a name) for an item that is not in
    the product list yet. Enter adds it; a wrong price is said here and nothing is lost."""

    def __init__(self, cart_total: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Harga bebas"))
        self.setObjectName("customAmountDialog")
        self.cart_total = cart_total
        self.value: int | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Barang yang belum ada di daftar produk"),
                                objectName="dialogCaption"))
        layout.addWidget(QLabel(tr("Harga")))
        self.amount = QLineEdit(objectName="tenderInput")
        self.amount.setPlaceholderText(tr("Ketik harganya, mis. 12.500"))
        self.amount.setAlignment(Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.amount)
        layout.addWidget(QLabel(tr("Nama (boleh kosong)")))
        self.name = QLineEdit(objectName="customName")
        self.name.setPlaceholderText(CUSTOM_SALE_NAME)
        self.name.setMaxLength(80)
        layout.addWidget(self.name)
        self.problem = QLabel(objectName="errorText")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        row = QHBoxLayout()
        cancel = QPushButton(tr("Batal"))
        cancel.clicked.connect(lambda: self.reject())  # not the C++ slot: see QrisDialog
        ok = QPushButton(tr("Tambah (Enter)"), objectName="primaryButton")
        ok.setDefault(True)
        ok.clicked.connect(self._add)
        row.addWidget(cancel)
        row.addWidget(ok)
        layout.addLayout(row)
        self.setMinimumWidth(460)
        self.amount.setFocus()

    @property
    def name_text(self) -> str:
        return " ".join(self.name.text().split())

    def _add(self) -> None:
        text = self.amount.text().strip()
        if not text:
            self.problem.setText(tr("Ketik harganya, mis. 12.500"))
            return
        try:
            value = parse_rupiah(text)
            check_amount(value + self.cart_total)
        except AmountTooLarge:
            self.problem.setText(tr("Melebihi batas satu transaksi ({limit})",
                                    limit=format_rupiah(MAX_SALE_AMOUNT)))
            return
        except ValueError:
            self.problem.setText(tr("Jumlah tidak valid — ketik angka rupiah, mis. 5000"))
            return
        if value <= 0:
            self.problem.setText(tr("Harga harus lebih dari 0"))
            return
        self.value = value
        self.accept()


def _mono() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(12)
    return font


class ReceiptDialog(QDialog):
    """A receipt on screen; ``paid`` (right after a sale): a big green line above it saying
    the sale is paid, how and the change, so the cashier sees it from a step away (the
    receipt alone was taken for the QR window changing its mind)."""

    def __init__(self, text: str, parent: QWidget | None = None, *, paid: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Struk"))
        self.setObjectName("receiptDialog")
        layout = QVBoxLayout(self)
        self.paid = QLabel(paid, objectName="receiptPaid")
        self.paid.setStyleSheet("background: #2f855a; color: white; font-size: 22px;"
                                " font-weight: bold; padding: 10px 14px; border-radius: 8px;")
        self.paid.setVisible(bool(paid))
        layout.addWidget(self.paid)
        self.view = QPlainTextEdit(objectName="receiptText")
        self.view.setReadOnly(True)
        self.view.setFont(_mono())
        self.view.setPlainText(text)
        layout.addWidget(self.view)
        close = QPushButton(tr("Tutup (Enter)"), objectName="primaryButton")
        close.setDefault(True)
        close.clicked.connect(lambda: self.accept())  # not the C++ slot: see QrisDialog
        layout.addWidget(close)
        self.resize(460, 620)


class HistoryDialog(QDialog):
    """Today's orders, newest first; double-click (or the button) shows the receipt. A late
    payment (money after the QR expired) is accepted or refunded here.

    "Cetak ulang" asks for the receipt of a paid order to be printed again
    (:attr:`reprintRequested`); the dialog stays open, since a cashier may reprint several.
    Paid orders only: a refunded, cancelled or expired order has no sale to prove, and a
    receipt of it handed out would look like one."""

    lateDecision = Signal(str, bool)  # order id, accept
    reprintRequested = Signal(str)  # order id of a paid order
    refundRequested = Signal(str)  # a paid order: give money back (owner's PIN)
    voidRequested = Signal(str)  # an unpaid order: take it off the books (owner's PIN)
    owedRequested = Signal()  # the QRIS refunds still to be paid back by hand
    dayRequested = Signal(object)  # a datetime.date: show that day instead (the dialog closes)

    def __init__(self, rows: Sequence[dict], parent: QWidget | None = None, *,
                 day: date | None = None, latest: bool = True) -> None:
        """``day``: the business day listed (None: today, without day buttons); ``latest``:
        it is the till's current day (no "›" to a later one)."""
        super().__init__(parent)
        self.day = day
        self.setWindowTitle(tr("Transaksi hari ini") if latest or day is None
                            else tr("Transaksi {date}", date=day.strftime("%d/%m/%Y")))
        self.rows = list(rows)
        self.chosen: str | None = None
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(self.rows), 5, objectName="historyTable")
        self.table.setHorizontalHeaderLabels(
            [tr("Waktu"), tr("No. pesanan"), tr("Status"), tr("Metode"), tr("Total")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for column in (0, 2, 3, 4):  # "Rp 1.014.000" and "QRIS (Midtrans)" whole, never cut
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for r, row in enumerate(self.rows):
            values = [row["time"], row["id"], self._status_text(row),
                      row["method"], format_rupiah(row["total"])]
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if c == 4:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.cellDoubleClicked.connect(lambda r, _c: self._choose(r))
        layout.addWidget(self.table)
        paid = [row for row in self.rows if row["status"] == "paid"]
        amount = format_rupiah(sum(int(r["total"]) for r in paid))
        total_text = (tr("Total lunas hari ini: {amount} dari {count} transaksi", amount=amount,
                         count=len(paid)) if latest else
                      tr("Total lunas: {amount} dari {count} transaksi", amount=amount,
                         count=len(paid)))
        self.day_total = QLabel(total_text, objectName="dayTotal")
        layout.addWidget(self.day_total)
        self.late_hint = QLabel(tr("Uang masuk setelah QRIS kedaluwarsa: terima sebagai "
                                   "penjualan, atau kembalikan ke pelanggan."))
        self.late_hint.setWordWrap(True)
        self.late_hint.hide()
        layout.addWidget(self.late_hint)
        row = QHBoxLayout()
        self.accept_late = QPushButton(tr("Terima bayar terlambat"), objectName="primaryButton")
        self.refund_late = QPushButton(tr("Kembalikan uang"), objectName="dangerButton")
        for b, accept in ((self.accept_late, True), (self.refund_late, False)):
            b.setEnabled(False)
            b.clicked.connect(lambda _=False, a=accept: self._decide(a))
            row.addWidget(b)
        self.table.currentCellChanged.connect(lambda r, *_: self._selected(r))
        receipt = QPushButton(tr("Lihat struk"))
        receipt.clicked.connect(lambda: self._choose(self.table.currentRow()))
        self.reprint = QPushButton(tr("Cetak ulang"), objectName="reprintButton")
        self.reprint.setEnabled(False)
        self.reprint.clicked.connect(self._reprint)
        self.refund_button = QPushButton(tr("Pengembalian…"), objectName="refundButton")
        self.refund_button.setEnabled(False)
        self.refund_button.clicked.connect(self._refund)
        self.void_button = QPushButton(tr("Void…"), objectName="voidButton")
        self.void_button.setEnabled(False)
        self.void_button.clicked.connect(self._void)
        close = QPushButton(tr("Tutup"))
        close.clicked.connect(lambda: self.reject())  # not the C++ slot: see QrisDialog
        if day is not None:
            self.earlier = QPushButton("‹", objectName="dayBack")
            self.earlier.setToolTip(tr("Hari sebelumnya"))
            self.earlier.clicked.connect(lambda: self._go(-1))
            self.later = QPushButton("›", objectName="dayNext")
            self.later.setToolTip(tr("Hari berikutnya"))
            self.later.setEnabled(not latest)
            self.later.clicked.connect(lambda: self._go(1))
            row.addWidget(self.earlier)
            row.addWidget(self.later)
        row.addStretch(1)
        row.addWidget(receipt)
        row.addWidget(self.reprint)
        row.addWidget(self.refund_button)
        row.addWidget(self.void_button)
        owed = QPushButton(tr("Refund belum dibayar…"), objectName="owedButton")
        owed.clicked.connect(lambda: (self.owedRequested.emit(), self.reject()))
        row.addWidget(owed)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(820, 520)

    def _go(self, days: int) -> None:
        if self.day is not None:
            self.dayRequested.emit(self.day + timedelta(days=days))
            self.reject()

    def _selected(self, row: int) -> None:
        late = 0 <= row < len(self.rows) and self.rows[row]["status"] == "late_payment"
        self.accept_late.setEnabled(late)
        self.refund_late.setEnabled(late)
        self.late_hint.setVisible(late)
        self.reprint.setEnabled(self._paid(row))
        self.refund_button.setEnabled(self._paid(row))
        self.void_button.setEnabled(self._voidable(row))

    @staticmethod
    def _status_text(row: dict) -> str:
        if row.get("voided"):
            return tr("void")
        if row["status"] == "paid" and row.get("refunded"):
            return tr("lunas, dikembalikan {amount}", amount=format_rupiah(row["refunded"]))
        return tr(STATUS_TEXT.get(row["status"], row["status"]))

    def _voidable(self, row: int) -> bool:
        return (0 <= row < len(self.rows) and not self.rows[row].get("voided")
                and self.rows[row]["status"] in ("awaiting_payment", "expired", "cancelled"))

    def _refund(self) -> None:
        row = self.table.currentRow()
        if self._paid(row):
            self.refundRequested.emit(self.rows[row]["id"])
            self.reject()

    def _void(self) -> None:
        row = self.table.currentRow()
        if self._voidable(row):
            self.voidRequested.emit(self.rows[row]["id"])
            self.reject()

    def _paid(self, row: int) -> bool:
        return 0 <= row < len(self.rows) and self.rows[row]["status"] == "paid"

    def _reprint(self) -> None:
        row = self.table.currentRow()
        if self._paid(row):  # checked again: the selection may have moved since the click
            self.reprintRequested.emit(self.rows[row]["id"])

    def _decide(self, accept: bool) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows) and self.rows[row]["status"] == "late_payment":
            self.lateDecision.emit(self.rows[row]["id"], accept)
            self.reject()

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.chosen = self.rows[row]["id"]
            self.accept()
