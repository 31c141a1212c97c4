"""Small dialogs of the till: discount, receipt preview, today's orders."""

from __future__ import annotations

from collections.abc import Sequence

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

from pos_app.cart import Discount
from pos_app.money import format_rupiah
from pos_app.ui.i18n import register, tr

register({
    "Diskon": "Discount", "Seluruh pesanan": "Whole order",
    "Baris terpilih: {name}": "Selected line: {name}",
    "Contoh: 5000 atau 10%": "E.g. 5000 or 10%", "Terapkan": "Apply",
    "Hapus diskon": "Remove discount",
    "Batal": "Cancel", "Struk": "Receipt", "Tutup (Enter)": "Close (Enter)",
    "Transaksi hari ini": "Today's orders", "Waktu": "Time", "No. pesanan": "Order no.",
    "Status": "Status", "Metode": "Method", "Total": "Total", "Tutup": "Close",
    "Lihat struk": "View receipt", "Diskon tidak valid: {error}": "Invalid discount: {error}",
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

    def __init__(self, line_name: str | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Diskon"))
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

    @property
    def for_line(self) -> bool:
        return self.line.isChecked()

    def _clear(self) -> None:
        self.cleared = True
        self.accept()

    def _apply(self) -> None:
        text = self.input.text().strip()
        try:
            if text.endswith("%"):
                self.discount = Discount.percent(text[:-1].strip())
            else:
                self.discount = Discount.amount(text)
        except ValueError as exc:
            self.problem.setText(tr("Diskon tidak valid: {error}", error=str(exc)))
            return
        self.accept()


def _mono() -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(12)
    return font


class ReceiptDialog(QDialog):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Struk"))
        self.setObjectName("receiptDialog")
        layout = QVBoxLayout(self)
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
    payment (money after the QR expired) is accepted or refunded here."""

    lateDecision = Signal(str, bool)  # order id, accept

    def __init__(self, rows: Sequence[dict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Transaksi hari ini"))
        self.rows = list(rows)
        self.chosen: str | None = None
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(self.rows), 5, objectName="historyTable")
        self.table.setHorizontalHeaderLabels(
            [tr("Waktu"), tr("No. pesanan"), tr("Status"), tr("Metode"), tr("Total")])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for r, row in enumerate(self.rows):
            values = [row["time"], row["id"], tr(STATUS_TEXT.get(row["status"], row["status"])),
                      row["method"], format_rupiah(row["total"])]
            for c, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if c == 4:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.cellDoubleClicked.connect(lambda r, _c: self._choose(r))
        layout.addWidget(self.table)
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
        close = QPushButton(tr("Tutup"))
        close.clicked.connect(lambda: self.reject())  # not the C++ slot: see QrisDialog
        row.addStretch(1)
        row.addWidget(receipt)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(820, 520)

    def _selected(self, row: int) -> None:
        late = 0 <= row < len(self.rows) and self.rows[row]["status"] == "late_payment"
        self.accept_late.setEnabled(late)
        self.refund_late.setEnabled(late)
        self.late_hint.setVisible(late)

    def _decide(self, accept: bool) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.rows) and self.rows[row]["status"] == "late_payment":
            self.lateDecision.emit(self.rows[row]["id"], accept)
            self.reject()

    def _choose(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.chosen = self.rows[row]["id"]
            self.accept()
