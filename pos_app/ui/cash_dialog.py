"""Pay "Tunai": amount tendered, quick buttons, change. Enter pays, Esc goes back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_app.money import check_amount, format_rupiah, parse_rupiah
from pos_app.order_state import quick_tender_amounts
from pos_app.ui.i18n import register, tr

register({
    "Bayar Tunai": "Pay cash", "Total belanja": "Total", "Uang diterima": "Cash received",
    "Kembalian": "Change", "Uang pas": "Exact", "Bayar (Enter)": "Pay (Enter)",
    "Kembali (Esc)": "Back (Esc)", "Uang kurang {amount}": "Short by {amount}",
    "Jumlah tidak valid": "Invalid amount",
})


class CashDialog(QDialog):
    def __init__(self, total: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Bayar Tunai"))
        self.setObjectName("cashDialog")
        self.total = total
        self.tendered: int | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(tr("Total belanja"), objectName="dialogCaption"))
        total_label = QLabel(format_rupiah(total), objectName="bigAmount")
        layout.addWidget(total_label)
        layout.addWidget(QLabel(tr("Uang diterima"), objectName="dialogCaption"))
        self.input = QLineEdit(objectName="tenderInput")
        self.input.setPlaceholderText("0")
        self.input.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.input.textChanged.connect(self._update)
        layout.addWidget(self.input)
        quick = QGridLayout()
        self.quick_buttons: list[QPushButton] = []
        amounts = quick_tender_amounts(total)
        for i, amount in enumerate(amounts):
            label = tr("Uang pas") if i == 0 else format_rupiah(amount)
            b = QPushButton(label, objectName="quickTender")
            b.setProperty("amount", amount)
            b.clicked.connect(lambda _=False, a=amount: self._quick(a))
            quick.addWidget(b, 0, i)
            self.quick_buttons.append(b)
        layout.addLayout(quick)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Kembalian"), objectName="dialogCaption"))
        self.change = QLabel(objectName="changeAmount")
        self.change.setAlignment(Qt.AlignmentFlag.AlignRight)
        row.addWidget(self.change, 1)
        layout.addLayout(row)
        self.problem = QLabel(objectName="errorText")
        layout.addWidget(self.problem)
        buttons = QHBoxLayout()
        back = QPushButton(tr("Kembali (Esc)"))
        back.clicked.connect(lambda: self.reject())  # not the C++ slot: see QrisDialog
        self.pay = QPushButton(tr("Bayar (Enter)"), objectName="primaryButton")
        self.pay.setDefault(True)
        self.pay.clicked.connect(self._accept)
        buttons.addWidget(back)
        buttons.addWidget(self.pay)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)
        self._update()

    def _quick(self, amount: int) -> None:
        self.input.setText(f"{amount:,}".replace(",", "."))
        self._accept()

    def _amount(self) -> int | None:
        text = self.input.text().strip()
        if not text:
            return None
        try:
            # Tendered cash is stored with the sale: it must fit what one sale may hold.
            return check_amount(parse_rupiah(text))
        except ValueError:
            return -1

    def _update(self) -> None:
        amount = self._amount()
        if amount is None:
            self.change.setText(format_rupiah(0))
            self.problem.setText("")
            self.pay.setEnabled(False)
        elif amount < 0:
            self.problem.setText(tr("Jumlah tidak valid"))
            self.pay.setEnabled(False)
        elif amount < self.total:
            self.change.setText(format_rupiah(0))
            self.problem.setText(tr("Uang kurang {amount}",
                                    amount=format_rupiah(self.total - amount)))
            self.pay.setEnabled(False)
        else:
            self.change.setText(format_rupiah(amount - self.total))
            self.problem.setText("")
            self.pay.setEnabled(True)

    def _accept(self) -> None:
        amount = self._amount()
        if amount is not None and amount >= self.total:
            self.tendered = amount
            self.accept()
