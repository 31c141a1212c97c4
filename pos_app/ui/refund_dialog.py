"""Giving money back: the refund dialog (whole sale or by line), the void dialog for an unpaid
order, and the list of QRIS refunds still owed to customers.

The rules live in :mod:`pos_app.refunds` and the writes in :mod:`pos_app.storage.refunds`;
this module is the cashier's side of them. Decisions:

* **One arithmetic.** The amount shown while the cashier picks quantities is
  :func:`pos_app.refunds.refund_lines` over the same sold lines, total and already-refunded
  amount the storage uses, so the screen, the owner's approval sentence and the stored refund
  agree to the rupiah (the storage computes it again inside its transaction).
* **What the owner approved is what is written.** "Kembalikan" takes a snapshot (quantities,
  reason, how the money goes back) and asks ``approve(sentence, on_approved)``; the snapshot
  is written with ``approved_by`` = the approving owner. Only the latest request's approval is
  honoured, and only once: a second tap or a stale callback writes nothing twice. An owner who
  cancels simply never calls back: nothing is written and the form is as it was.
* **Nothing typed is lost on a refusal.** A :class:`~pos_app.refunds.RefundError` shows its
  Indonesian ``message_id``; the lines are read again (another till may have refunded
  meanwhile) and the chosen quantities kept, clamped to what is left.
* **No database work on the GUI thread**: reads and writes go through
  :class:`~pos_app.ui.tasks.TaskManager`. While a write runs the dialog can't be closed (Esc
  is ignored), so the cashier always learns whether the money was recorded.
* **QRIS can't be refunded by the till** (no back-end has a refund API): the dialog says so
  plainly and makes the cashier choose how the customer gets the money back — cash from the
  drawer, a transfer already made, or a transfer owed (listed in :class:`OwedRefundsDialog`
  until someone marks it paid). No choice is preselected: it decides whether the drawer
  should be short. A cash sale is given back in cash, so no choice is shown.
* **Keyboard and touch.** Tab goes from quantity to quantity (the big −/+ keys next to each
  box don't take the focus); the submit button is disabled until the refund is complete, so
  Enter with no reason does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from pos_app.clock import from_iso, utcnow
from pos_app.money import format_rupiah
from pos_app.refunds import (
    PaidBack,
    RefundError,
    RefundLine,
    SoldLine,
    check_reason,
    refund_lines,
)
from pos_app.storage import refunds as refund_store
from pos_app.storage.database import Database
from pos_app.storage.orders import latest_payment, load_order
from pos_app.ui.i18n import register, tr
from pos_app.ui.tasks import TaskManager

log = logging.getLogger(__name__)

register({
    "Pengembalian dana — {id}": "Refund — {id}",
    "Memuat transaksi…": "Loading the sale…",
    "Transaksi tidak ditemukan": "Sale not found",
    "Tunai": "Cash", "QRIS": "QRIS",
    "Dibayar {amount} ({method}) · {time}": "Paid {amount} ({method}) · {time}",
    "Sudah dikembalikan sebelumnya: {amount}": "Already refunded: {amount}",
    "Barang": "Item", "Terjual": "Sold", "Sudah kembali": "Returned", "Kembalikan": "Give back",
    "Harga": "Price", "Nilai kembali": "Refund value",
    "Semua": "All", "Kosongkan": "Clear",
    "Semua barang transaksi ini sudah dikembalikan":
        "Everything in this sale has been refunded already",
    "Uang dikembalikan": "Money to give back",
    "Alasan (wajib)": "Reason (required)", "Tulis alasannya…": "Type the reason…",
    "Barang rusak": "Damaged item", "Salah pesan": "Wrong order",
    "Pelanggan batal": "Customer cancelled", "Salah input": "Entered by mistake",
    "QRIS tidak bisa dikembalikan otomatis — penyedia pembayaran tidak punya fitur refund. "
    "Kembalikan uang pelanggan secara manual:":
        "QRIS can't be refunded automatically — the payment provider has no refund feature. "
        "Give the customer's money back by hand:",
    "Tunai dari laci": "Cash from the drawer",
    "Transfer (sudah ditransfer)": "Transfer (already sent)",
    "Transfer nanti (dicatat sebagai utang)": "Transfer later (recorded as owed)",
    "Penjualan tunai: uang dikembalikan tunai dari laci.":
        "Cash sale: the money is given back in cash from the drawer.",
    "Pilih cara mengembalikan uang ke pelanggan": "Choose how the customer gets the money back",
    "Kembalikan (Enter)": "Refund (Enter)", "Batal (Esc)": "Cancel (Esc)",
    "Menunggu persetujuan pemilik…": "Waiting for the owner's approval…",
    "Menyimpan…": "Saving…",
    "Pengembalian {amount} untuk {id} ({reason}) — {how}":
        "Refund {amount} for {id} ({reason}) — {how}",
    "tunai dari laci": "cash from the drawer", "sudah ditransfer": "transferred",
    "transfer nanti (utang)": "transfer later (owed)",
    "Gagal menyimpan. Coba lagi; jika tetap gagal, hubungi pemilik toko.":
        "Could not save. Try again; if it keeps failing, call the shop owner.",
    "Transaksi tidak bisa dibuka. Tutup lalu coba lagi.":
        "The sale could not be opened. Close and try again.",
    # the Indonesian sentences of pos_app.refunds (RefundError.message_id) shown here
    "Hanya transaksi lunas yang bisa dikembalikan": "Only a paid sale can be refunded",
    "Hanya transaksi yang belum dibayar yang bisa di-void": "Only an unpaid sale can be voided",
    "Pilih barang dan jumlah yang dikembalikan": "Choose the items and how many to give back",
    "Alasan wajib diisi": "A reason is required",
    "Penjualan tunai dikembalikan tunai": "A cash sale is refunded in cash",
    "Barang yang dipilih bernilai Rp 0": "The chosen items are worth Rp 0",
    # void
    "Void transaksi — {id}": "Void sale — {id}",
    "Total": "Total", "Status": "Status",
    "menunggu": "waiting", "kedaluwarsa": "expired", "dibatalkan": "cancelled",
    "lunas": "paid", "sudah di-void": "voided already",
    "Void (Enter)": "Void (Enter)",
    "Void {amount} untuk {id} ({reason})": "Void {amount} for {id} ({reason})",
    "Transaksi belum dibayar dihapus dari pembukuan; tetap terlihat di Riwayat sebagai void.":
        "The unpaid sale is taken off the books; it stays in the history as voided.",
    # owed refunds
    "Pengembalian belum dibayar": "Refunds still owed",
    "Tanggal": "Date", "No. pesanan": "Order no.", "Jumlah": "Amount",
    "Disetujui": "Approved by", "Alasan": "Reason",
    "Tandai sudah ditransfer": "Mark as transferred", "Sudah dibayar tunai": "Paid in cash",
    "Tutup": "Close",
    "Tidak ada pengembalian yang belum dibayar": "No refunds are owed",
    "Belum dibayar: {amount} untuk {count} pengembalian":
        "Still owed: {amount} for {count} refunds",
    "Pengembalian ini sudah ditandai dibayar": "This refund was already marked paid",
})

Approve = Callable[[str, Callable[[str], None]], None]
"""``approve(what_sentence, on_approved)``: ask an owner; ``on_approved(owner_name)`` once
approved (maybe right away, for an owner signed in), never if the owner cancels."""

QUICK_REFUND_REASONS = ("Barang rusak", "Salah pesan", "Pelanggan batal")
QUICK_VOID_REASONS = ("Pelanggan batal", "Salah pesan", "Salah input")
STATUS_TEXT = {"awaiting_payment": "menunggu", "expired": "kedaluwarsa",
               "cancelled": "dibatalkan", "paid": "lunas"}
GENERIC_ERROR = "Gagal menyimpan. Coba lagi; jika tetap gagal, hubungi pemilik toko."

# The dialogs style their own few parts (a widget's own style sheet wins over the app's), so
# they look the same in the app, in tests and in screenshots.
_STYLE = """
#lineHeader { color: #52606d; font-size: 14px; font-weight: bold; }
#lineName { font-size: 16px; }
#lineNumber { font-size: 16px; }
#lineValue { font-size: 16px; color: #0f766e; font-weight: bold; }
#refundQty { font-size: 20px; font-weight: bold; min-width: 64px; max-width: 64px;
             padding: 0 4px; }
/* The −/+ keys replace the arrows. Hidden here, not with NoButtons: under a style sheet that
   leaves the number field 1 px wide (Qt 6). */
#refundQty::up-button, #refundQty::down-button { width: 0; border: none; }
#stepButton { min-width: 48px; max-width: 48px; min-height: 44px; padding: 0;
              font-size: 22px; font-weight: bold; }
#reasonButton { min-height: 40px; border-radius: 20px; padding: 2px 14px; }
#saleInfo { font-size: 15px; color: #52606d; }
#hintText { color: #52606d; font-size: 15px; }
#manualRefundBox { background: #fff7ed; border: 2px solid #fdba74; border-radius: 10px; }
#manualRefundBox QLabel { color: #7c2d12; font-size: 16px; font-weight: bold;
                          background: transparent; border: none; }
#manualRefundBox QRadioButton { font-size: 16px; min-height: 36px; spacing: 10px;
                                background: transparent; }
#manualRefundBox QRadioButton::indicator { width: 20px; height: 20px; border-radius: 12px;
                                           border: 2px solid #c2410c; background: #ffffff; }
#manualRefundBox QRadioButton::indicator:checked {
    border-color: #0f766e;
    background: qradialgradient(cx: 0.5, cy: 0.5, radius: 0.5, fx: 0.5, fy: 0.5,
                                stop: 0 #0f766e, stop: 0.5 #0f766e, stop: 0.56 #ffffff,
                                stop: 1 #ffffff);
}
#cashNote { color: #2f855a; font-size: 15px; font-weight: bold; }
#linesArea { background: #ffffff; border: 1px solid #d5dbe1; border-radius: 8px; }
#linesArea > QWidget > QWidget { background: #ffffff; }
"""


def _alive(widget: QWidget) -> bool:
    """A callback from a worker may arrive after the window freed the dialog."""
    return shiboken6.isValid(widget)


def _message(exc: RefundError) -> str:
    return tr(exc.message_id)


def _method_text(method: str) -> str:
    return tr("Tunai") if method == "cash" else tr("QRIS")


# -- the sale as the refund dialog reads it ---------------------------------------------------
@dataclass(frozen=True)
class Sale:
    """A paid order as a refund sees it: its sold lines (with what earlier refunds gave back),
    what the customer paid and how, and how much was given back already."""

    order_id: str
    status: str
    total: int
    method: str  # "cash" or "qris": how it was paid, as the storage decides it
    paid_at: datetime | None
    lines: tuple[SoldLine, ...]
    already_refunded: int

    @property
    def manual(self) -> bool:
        """QRIS money goes back by hand (cash, transfer or owed); cash goes back in cash."""
        return self.method != "cash"


def load_sale(db: Database, order_id: str) -> Sale | None:
    """The order, how it was paid, its sold lines and its refunds so far, read at one moment
    (the lock is re-entrant: no refund is written between the reads). On a worker thread."""
    with db.lock:
        order = load_order(db, order_id)
        if order is None:
            return None
        return Sale(order_id, order.status.value, order.total,
                    refund_store.paid_method(db.conn, order_id), order.paid_at,
                    refund_store.sold_lines(db, order_id),
                    refund_store.refunded_amount(db, order_id))


@dataclass(frozen=True)
class RefundRequest:
    """What "Kembalikan" asks the owner to approve, and then writes exactly."""

    quantities: dict[int, int]
    lines: tuple[RefundLine, ...]
    amount: int
    reason: str
    paid_back: PaidBack


class _Stepper(QWidget):
    """[−] [n] [+]: a quantity box with keys big enough for a finger. The keys don't take the
    focus, so Tab goes from box to box."""

    def __init__(self, maximum: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        self.minus = QPushButton("−", objectName="stepButton")
        self.spin = QSpinBox(objectName="refundQty")
        self.spin.setRange(0, maximum)
        self.spin.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.spin.setEnabled(maximum > 0)
        self.plus = QPushButton("+", objectName="stepButton")
        for key, step in ((self.minus, -1), (self.plus, 1)):
            key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            key.setAutoDefault(False)
            key.setEnabled(maximum > 0)
            key.clicked.connect(lambda _=False, s=step: self.spin.stepBy(s))
        row.addWidget(self.minus)
        row.addWidget(self.spin)
        row.addWidget(self.plus)


def _reason_row(field: QLineEdit, reasons: tuple[str, ...], on_pick: Callable[[], None]
                ) -> QHBoxLayout:
    """Quick reasons as buttons under the reason field: one tap fills it."""
    row = QHBoxLayout()
    for text in reasons:
        b = QPushButton(tr(text), objectName="reasonButton")
        b.setAutoDefault(False)

        def pick(_: bool = False, value: str = text) -> None:
            field.setText(tr(value))
            on_pick()

        b.clicked.connect(pick)
        row.addWidget(b)
    row.addStretch(1)
    return row


# -- the refund dialog --------------------------------------------------------------------------
class _WritingDialog(QDialog):
    """A dialog that can't be closed (Esc, the window's X) while its write runs: the cashier
    must see whether the money was recorded."""

    busy = False

    def reject(self) -> None:
        if not self.busy:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
        else:
            super().closeEvent(event)


class RefundDialog(_WritingDialog):
    """"Pengembalian dana — <order id>": pick lines and quantities (or "Semua"), a reason, and
    for a QRIS sale how the money goes back; an owner approves; the refund is written and the
    dialog accepts with :attr:`refund` set to the stored
    :class:`~pos_app.storage.refunds.Refund`."""

    def __init__(self, db: Database, tasks: TaskManager, order_id: str, tz: ZoneInfo,
                 cashier: str, approve: Approve, shift_id: str | None = None,
                 clock: Callable[[], datetime] = utcnow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Pengembalian dana — {id}", id=order_id))
        self.setObjectName("refundDialog")
        self.setStyleSheet(_STYLE)
        self.db, self.tasks, self.order_id, self.tz = db, tasks, order_id, tz
        self.cashier, self._approve, self.shift_id, self.clock = cashier, approve, shift_id, clock
        self.sale: Sale | None = None
        self.refund: refund_store.Refund | None = None
        self.steppers: dict[int, _Stepper] = {}
        self.values: dict[int, QLabel] = {}
        self.busy = False  # a refund is being written: no second one, no closing
        self._ask = 0  # the latest approval asked; older answers are ignored

        layout = QVBoxLayout(self)
        self.info = QLabel(tr("Memuat transaksi…"), objectName="saleInfo")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)

        self.lines_area = QScrollArea(objectName="linesArea")
        self.lines_area.setWidgetResizable(True)
        self.lines_area.setFrameShape(QFrame.Shape.NoFrame)
        self.lines_widget = QWidget()
        self.grid = QGridLayout(self.lines_widget)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(6)
        self.lines_area.setWidget(self.lines_widget)
        layout.addWidget(self.lines_area, 1)

        row = QHBoxLayout()
        self.all_button = QPushButton(tr("Semua"))
        self.all_button.clicked.connect(self.choose_all)
        self.clear_button = QPushButton(tr("Kosongkan"))
        self.clear_button.clicked.connect(self.clear_quantities)
        for b in (self.all_button, self.clear_button):
            b.setAutoDefault(False)
            b.setEnabled(False)
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(QLabel(tr("Uang dikembalikan"), objectName="dialogCaption"))
        self.amount_label = QLabel(format_rupiah(0), objectName="bigAmount")
        self.amount_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.amount_label)
        layout.addLayout(row)

        layout.addWidget(QLabel(tr("Alasan (wajib)"), objectName="dialogCaption"))
        self.reason = QLineEdit(objectName="refundReason")
        self.reason.setPlaceholderText(tr("Tulis alasannya…"))
        self.reason.setMaxLength(200)  # what check_reason keeps
        self.reason.textChanged.connect(self._changed)
        layout.addWidget(self.reason)
        layout.addLayout(_reason_row(self.reason, QUICK_REFUND_REASONS, self._reason_picked))

        # QRIS: the money goes back by hand, and the cashier says how.
        self.manual_box = QFrame(objectName="manualRefundBox")
        box = QVBoxLayout(self.manual_box)
        box.setContentsMargins(14, 10, 14, 10)
        notice = QLabel(tr("QRIS tidak bisa dikembalikan otomatis — penyedia pembayaran tidak "
                           "punya fitur refund. Kembalikan uang pelanggan secara manual:"))
        notice.setWordWrap(True)
        box.addWidget(notice)
        choices = QHBoxLayout()
        self.paid_back_group = QButtonGroup(self)
        self.paid_back_buttons: dict[PaidBack, QRadioButton] = {}
        for how, text in ((PaidBack.CASH, "Tunai dari laci"),
                          (PaidBack.TRANSFER, "Transfer (sudah ditransfer)"),
                          (PaidBack.OWED, "Transfer nanti (dicatat sebagai utang)")):
            radio = QRadioButton(tr(text))
            self.paid_back_group.addButton(radio)
            radio.toggled.connect(self._changed)
            self.paid_back_buttons[how] = radio
            choices.addWidget(radio)
        choices.addStretch(1)
        box.addLayout(choices)
        self.manual_box.hide()
        layout.addWidget(self.manual_box)
        self.cash_note = QLabel(tr("Penjualan tunai: uang dikembalikan tunai dari laci."),
                                objectName="cashNote")
        self.cash_note.hide()
        layout.addWidget(self.cash_note)

        self.hint = QLabel(objectName="hintText")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.problem = QLabel(objectName="errorText")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)

        buttons = QHBoxLayout()
        self.cancel_button = QPushButton(tr("Batal (Esc)"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(lambda: self.reject())  # not the C++ slot
        self.submit = QPushButton(tr("Kembalikan (Enter)"), objectName="primaryButton")
        # The default button, but disabled until the refund is complete: Enter in a quantity
        # box with no reason yet does nothing.
        self.submit.setDefault(True)
        self.submit.setEnabled(False)
        self.submit.clicked.connect(self.ask_approval)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit)
        layout.addLayout(buttons)
        self.resize(920, 660)  # fits a 1366x768 counter screen with its task bar
        self._load(keep={})

    # -- loading --------------------------------------------------------------------------------
    def _load(self, keep: dict[int, int], problem: str = "") -> None:
        """Read the sale on a worker; ``keep``: quantities already chosen, kept (clamped);
        ``problem``: a refusal to show again once the lines are read."""
        db, order_id = self.db, self.order_id

        def loaded(sale: Sale | None) -> None:
            if _alive(self):
                self._show_sale(sale, keep)
                self.problem.setText(problem)

        def failed(exc: BaseException) -> None:
            log.error("refund dialog: could not read order %s", order_id, exc_info=exc)
            if _alive(self):
                self.info.setText(tr("Transaksi tidak bisa dibuka. Tutup lalu coba lagi."))

        self.tasks.read(lambda: load_sale(db, order_id), loaded, failed)

    def _show_sale(self, sale: Sale | None, keep: dict[int, int]) -> None:
        self.sale = sale
        self._clear_grid()
        if sale is None:
            self.info.setText(tr("Transaksi tidak ditemukan"))
            self._changed()
            return
        when = sale.paid_at.astimezone(self.tz).strftime("%d-%m-%Y %H:%M") if sale.paid_at else ""
        # The order id again (not only in the title bar, which a till's full screen may hide)
        info = f"{sale.order_id} · " + tr("Dibayar {amount} ({method}) · {time}",
                                           amount=format_rupiah(sale.total),
                                           method=_method_text(sale.method), time=when)
        if sale.already_refunded:
            info += "\n" + tr("Sudah dikembalikan sebelumnya: {amount}",
                              amount=format_rupiah(sale.already_refunded))
        self.info.setText(info)
        headers = ("Barang", "Terjual", "Sudah kembali", "Kembalikan", "Harga", "Nilai kembali")
        for c, text in enumerate(headers):
            label = QLabel(tr(text), objectName="lineHeader")
            if c:
                label.setAlignment(Qt.AlignmentFlag.AlignCenter if c < 4
                                   else Qt.AlignmentFlag.AlignRight)
            self.grid.addWidget(label, 0, c)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        centre = Qt.AlignmentFlag.AlignCenter
        for r, line in enumerate(sale.lines, start=1):
            name = QLabel(line.name, objectName="lineName")
            name.setWordWrap(True)
            self.grid.addWidget(name, r, 0)
            for c, n in ((1, line.quantity), (2, line.refunded_quantity)):
                self.grid.addWidget(QLabel(str(n), objectName="lineNumber",
                                           alignment=centre), r, c)
            stepper = _Stepper(line.left)
            stepper.spin.setValue(min(keep.get(line.line_no, 0), line.left))
            stepper.spin.valueChanged.connect(self._changed)
            self.steppers[line.line_no] = stepper
            self.grid.addWidget(stepper, r, 3, alignment=centre)
            self.grid.addWidget(QLabel(format_rupiah(line.net), objectName="lineNumber",
                                       alignment=right), r, 4)
            value = QLabel("—", objectName="lineValue", alignment=right)
            self.values[line.line_no] = value
            self.grid.addWidget(value, r, 5)
        self.grid.setColumnStretch(0, 1)
        self.grid.setRowStretch(len(sale.lines) + 1, 1)
        self.manual_box.setVisible(sale.manual)
        self.cash_note.setVisible(not sale.manual)
        something_left = any(line.left for line in sale.lines)
        self.all_button.setEnabled(something_left)
        self.clear_button.setEnabled(something_left)
        first = next((s.spin for s in self.steppers.values() if s.spin.isEnabled()), None)
        if first is not None and not keep:
            first.setFocus(Qt.FocusReason.OtherFocusReason)
        self._changed()

    def _clear_grid(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.steppers.clear()
        self.values.clear()

    # -- the form -----------------------------------------------------------------------------
    @property
    def quantities(self) -> dict[int, int]:
        return {n: s.spin.value() for n, s in self.steppers.items() if s.spin.value()}

    def choose_all(self) -> None:
        """Everything that is left: the rest of the order, to the rupiah."""
        for stepper in self.steppers.values():
            stepper.spin.setValue(stepper.spin.maximum())

    def clear_quantities(self) -> None:
        for stepper in self.steppers.values():
            stepper.spin.setValue(0)

    def _reason_picked(self) -> None:
        # A tapped reason usually completes the form: the next Enter (or tap) submits.
        if self.submit.isEnabled():
            self.submit.setFocus()
        else:
            self.reason.setFocus()

    def _paid_back(self) -> PaidBack | None:
        if self.sale is not None and not self.sale.manual:
            return PaidBack.CASH
        return next((how for how, b in self.paid_back_buttons.items() if b.isChecked()), None)

    def _lines(self) -> tuple[RefundLine, ...]:
        """The refund of the chosen quantities, by the storage's own arithmetic."""
        assert self.sale is not None
        return refund_lines(self.sale.lines, self.sale.total, self.sale.already_refunded,
                            self.quantities)

    def request(self) -> RefundRequest:
        """The refund as the form stands, or the :class:`RefundError` saying what is missing
        (in the order the cashier fills the form)."""
        if self.sale is None:
            raise RefundError("the sale is not loaded", "Memuat transaksi…")
        if self.sale.status != "paid":
            raise RefundError(f"order {self.order_id} is {self.sale.status}",
                              "Hanya transaksi lunas yang bisa dikembalikan")
        lines = self._lines()
        amount = sum(line.amount for line in lines)
        if amount <= 0:
            raise RefundError("the chosen lines are worth nothing",
                              "Barang yang dipilih bernilai Rp 0")
        reason = check_reason(self.reason.text())
        paid_back = self._paid_back()
        if paid_back is None:
            raise RefundError("choose how the money goes back",
                              "Pilih cara mengembalikan uang ke pelanggan")
        return RefundRequest(self.quantities, lines, amount, reason, paid_back)

    def _changed(self, *_: object) -> None:
        """Recompute the amount and per-line values; say what is still missing."""
        self.problem.clear()  # an old refusal no longer describes the form
        by_line: dict[int, int] = {}
        if self.sale is not None:
            try:
                by_line = {line.line_no: line.amount for line in self._lines()}
            except RefundError:
                pass  # nothing chosen: Rp 0
        for n, label in self.values.items():
            label.setText(format_rupiah(by_line[n]) if n in by_line else "—")
        self.amount_label.setText(format_rupiah(sum(by_line.values())))
        try:
            self.request()
        except RefundError as exc:
            ready, missing = False, _message(exc)
        else:
            ready, missing = True, ""
        if self.sale is not None and not any(line.left for line in self.sale.lines) \
                and self.sale.status == "paid":
            missing = tr("Semua barang transaksi ini sudah dikembalikan")
        self.hint.setText(missing)
        self.submit.setEnabled(ready and not self.busy)

    # -- approval and the write -----------------------------------------------------------------
    def ask_approval(self) -> None:
        """Snapshot the form, and ask an owner to approve exactly that."""
        if self.busy:
            return
        try:
            request = self.request()
        except RefundError as exc:
            self.problem.setText(_message(exc))
            return
        self._ask += 1
        ask = self._ask
        # How the money goes back is part of what the owner approves: "tunai dari laci" takes
        # it out of the drawer the cashier counts tonight.
        how = {PaidBack.CASH: tr("tunai dari laci"), PaidBack.TRANSFER: tr("sudah ditransfer"),
               PaidBack.OWED: tr("transfer nanti (utang)")}[request.paid_back]
        sentence = tr("Pengembalian {amount} untuk {id} ({reason}) — {how}",
                      amount=format_rupiah(request.amount), id=self.order_id,
                      reason=request.reason, how=how)
        self.hint.setText(tr("Menunggu persetujuan pemilik…"))

        def approved(owner: str) -> None:
            # Only the latest request, once: a second tap asked again, or this one is written.
            if _alive(self) and ask == self._ask and not self.busy and self.refund is None:
                self._write(request, owner)

        self._approve(sentence, approved)

    def _write(self, request: RefundRequest, approver: str) -> None:
        self._set_busy(True)
        db, order_id, tz, clock = self.db, self.order_id, self.tz, self.clock
        cashier, shift_id = self.cashier, self.shift_id

        def job() -> refund_store.Refund:
            return refund_store.refund(
                db, order_id, request.quantities, reason=request.reason, cashier=cashier,
                approved_by=approver, paid_back=request.paid_back, tz=tz, now=clock(),
                shift_id=shift_id, expected_amount=request.amount)

        def done(refund: refund_store.Refund) -> None:
            log.info("refund %s of order %s: Rp %d (%s), approved by %s", refund.id, order_id,
                     refund.amount, refund.paid_back.value, approver)
            if not _alive(self):
                return
            self.busy = False
            self.refund = refund
            self.accept()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, RefundError):
                log.warning("refund of order %s refused: %s", order_id, exc)
            else:
                log.error("refund of order %s failed", order_id, exc_info=exc)
            if not _alive(self):
                return
            self._set_busy(False)
            problem = _message(exc) if isinstance(exc, RefundError) else tr(GENERIC_ERROR)
            self.problem.setText(problem)
            # Another till may have refunded meanwhile: read the lines again, keep the rest.
            self._load(keep=request.quantities, problem=problem)

        self.tasks.write(job, done, failed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for widget in (self.lines_area, self.reason, self.manual_box, self.all_button,
                       self.clear_button, self.cancel_button):
            widget.setEnabled(not busy)
        if busy:
            self.hint.setText(tr("Menyimpan…"))
            self.submit.setEnabled(False)
        else:
            self._changed()



# -- the void dialog ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Unpaid:
    order_id: str
    status: str
    total: int
    voided_by: str | None
    method: str | None

    @property
    def voidable(self) -> bool:
        return self.status in refund_store.VOIDABLE and not self.voided_by


def load_unpaid(db: Database, order_id: str) -> Unpaid | None:
    """The order as the void dialog shows it. On a worker thread."""
    with db.lock:
        order = load_order(db, order_id)
        if order is None:
            return None
        voided_by = db.scalar("SELECT voided_by FROM orders WHERE id = ?", (order_id,))
        payment = latest_payment(db, order_id)
    return Unpaid(order_id, order.status.value, order.total, voided_by,
                  payment.method.value if payment else None)


class VoidDialog(_WritingDialog):
    """"Void transaksi — <order id>": an unpaid order (waiting for its QRIS, expired or
    cancelled) taken off the books with a reason and an owner's approval. After approval,
    ``cancel(order_id)`` runs first (the window passes ``PaymentService.cancel``, so the
    gateway is told and a payment that still arrives is caught as late), then the void."""

    def __init__(self, db: Database, tasks: TaskManager, order_id: str, tz: ZoneInfo,
                 cashier: str, approve: Approve, cancel: Callable[[str], bool] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Void transaksi — {id}", id=order_id))
        self.setObjectName("voidDialog")
        self.setStyleSheet(_STYLE)
        self.db, self.tasks, self.order_id, self.tz = db, tasks, order_id, tz
        self.cashier, self._approve, self._cancel = cashier, approve, cancel
        self.order: Unpaid | None = None
        self.approved_by: str | None = None
        self.busy = False
        self._ask = 0

        layout = QVBoxLayout(self)
        self.info = QLabel(tr("Memuat transaksi…"), objectName="saleInfo")
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        layout.addWidget(QLabel(tr("Total"), objectName="dialogCaption"))
        self.amount_label = QLabel("—", objectName="bigAmount")
        layout.addWidget(self.amount_label)
        layout.addWidget(QLabel(tr("Transaksi belum dibayar dihapus dari pembukuan; tetap "
                                   "terlihat di Riwayat sebagai void."), objectName="hintText",
                                wordWrap=True))
        layout.addWidget(QLabel(tr("Alasan (wajib)"), objectName="dialogCaption"))
        self.reason = QLineEdit(objectName="voidReason")
        self.reason.setPlaceholderText(tr("Tulis alasannya…"))
        self.reason.setMaxLength(200)
        self.reason.textChanged.connect(self._changed)
        layout.addWidget(self.reason)
        layout.addLayout(_reason_row(self.reason, QUICK_VOID_REASONS, self._changed))
        self.hint = QLabel(objectName="hintText")
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)
        self.problem = QLabel(objectName="errorText")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        buttons = QHBoxLayout()
        self.cancel_button = QPushButton(tr("Batal (Esc)"))
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(lambda: self.reject())  # not the C++ slot
        self.submit = QPushButton(tr("Void (Enter)"), objectName="dangerButton")
        self.submit.setDefault(True)
        self.submit.setEnabled(False)
        self.submit.clicked.connect(self.ask_approval)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.submit)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)
        self.reason.setFocus()
        self._load()

    def _load(self, problem: str = "") -> None:
        """Read the order on a worker; ``problem``: a refusal to show again after it."""
        db, order_id = self.db, self.order_id

        def loaded(order: Unpaid | None) -> None:
            if _alive(self):
                self._show(order)
                self.problem.setText(problem)

        def failed(exc: BaseException) -> None:
            log.error("void dialog: could not read order %s", order_id, exc_info=exc)
            if _alive(self):
                self.info.setText(tr("Transaksi tidak bisa dibuka. Tutup lalu coba lagi."))

        self.tasks.read(lambda: load_unpaid(db, order_id), loaded, failed)

    def _show(self, order: Unpaid | None) -> None:
        self.order = order
        if order is None:
            self.info.setText(tr("Transaksi tidak ditemukan"))
        else:
            status = (tr("sudah di-void") if order.voided_by
                      else tr(STATUS_TEXT.get(order.status, order.status)))
            method = f" · {_method_text(order.method)}" if order.method else ""
            self.info.setText(f"{order.order_id} · {tr('Status')}: {status}{method}")
            self.amount_label.setText(format_rupiah(order.total))
        self._changed()

    def _missing(self) -> str:
        if self.order is None:  # still loading, not found, or unreadable: the info line says
            return self.info.text()
        if not self.order.voidable:
            return tr("Hanya transaksi yang belum dibayar yang bisa di-void")
        try:
            check_reason(self.reason.text())
        except RefundError as exc:
            return _message(exc)
        return ""

    def _changed(self, *_: object) -> None:
        self.problem.clear()
        missing = self._missing()
        self.hint.setText(missing)
        self.submit.setEnabled(not missing and not self.busy)

    def ask_approval(self) -> None:
        if self.busy or self.order is None:
            return
        missing = self._missing()
        if missing:
            self.problem.setText(missing)
            return
        reason = check_reason(self.reason.text())
        self._ask += 1
        ask = self._ask
        sentence = tr("Void {amount} untuk {id} ({reason})",
                      amount=format_rupiah(self.order.total), id=self.order_id, reason=reason)
        self.hint.setText(tr("Menunggu persetujuan pemilik…"))

        def approved(owner: str) -> None:
            if _alive(self) and ask == self._ask and not self.busy and self.approved_by is None:
                self._write(reason, owner)

        self._approve(sentence, approved)

    def _write(self, reason: str, approver: str) -> None:
        self.busy = True
        for widget in (self.reason, self.cancel_button, self.submit):
            widget.setEnabled(False)
        self.hint.setText(tr("Menyimpan…"))
        db, order_id, cashier, cancel = self.db, self.order_id, self.cashier, self._cancel

        def job() -> None:
            if cancel is not None:
                # Tell the gateway first: a payment that still arrives becomes a late payment.
                cancelled = cancel(order_id)
                log.info("void of order %s: open QRIS cancelled first: %s", order_id, cancelled)
            refund_store.void(db, order_id, reason=reason, cashier=cashier, approved_by=approver)

        def done(_: None) -> None:
            log.info("order %s voided by %s, approved by %s", order_id, cashier, approver)
            if not _alive(self):
                return
            self.busy = False
            self.approved_by = approver
            self.accept()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, RefundError):
                log.warning("void of order %s refused: %s", order_id, exc)
            else:
                log.error("void of order %s failed", order_id, exc_info=exc)
            if not _alive(self):
                return
            self.busy = False
            self.reason.setEnabled(True)
            self.cancel_button.setEnabled(True)
            problem = _message(exc) if isinstance(exc, RefundError) else tr(GENERIC_ERROR)
            self.problem.setText(problem)
            self._load(problem)  # the order may have been paid or voided meanwhile

        self.tasks.write(job, done, failed)



# -- refunds still owed ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OwedRefund:
    id: str
    order_id: str
    created_at: datetime
    amount: int
    approved_by: str
    reason: str


def owed_refunds(db: Database) -> list[OwedRefund]:
    """QRIS refunds recorded as owed (a transfer still to make), oldest first."""
    return [OwedRefund(r["id"], r["order_id"], from_iso(r["created_at"]), int(r["amount"]),
                       r["approved_by"], r["reason"])
            for r in db.query("SELECT id, order_id, created_at, amount, approved_by, reason"
                              " FROM refunds WHERE paid_back = 'owed'"
                              " ORDER BY created_at, rowid")]


class OwedRefundsDialog(QDialog):
    """The QRIS refunds still owed to customers; "Tandai sudah ditransfer" / "Sudah dibayar
    tunai" marks the selected one paid back (audited with ``actor``) and reads the list again.
    :attr:`changed` fires after each mark, for a badge or a report on screen."""

    changed = Signal()

    def __init__(self, db: Database, tasks: TaskManager, tz: ZoneInfo, actor: str,
                 clock: Callable[[], datetime] = utcnow, parent: QWidget | None = None,
                 shift_id: str | None = None) -> None:
        """``shift_id``: the till's open shift, whose drawer pays a refund paid in cash."""
        super().__init__(parent)
        self.shift_id = shift_id
        self.setWindowTitle(tr("Pengembalian belum dibayar"))
        self.setObjectName("owedRefundsDialog")
        self.db, self.tasks, self.tz, self.actor, self.clock = db, tasks, tz, actor, clock
        self.rows: list[OwedRefund] = []
        self.loaded = False
        self.busy = False
        layout = QVBoxLayout(self)
        self.table = QTableWidget(0, 5, objectName="owedTable")
        self.table.setHorizontalHeaderLabels(
            [tr("Tanggal"), tr("No. pesanan"), tr("Jumlah"), tr("Disetujui"), tr("Alasan")])
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(44)  # rows a finger can pick
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for column in (0, 1, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(lambda *_: self._update_buttons())
        layout.addWidget(self.table, 1)
        self.summary = QLabel(tr("Memuat transaksi…"), objectName="dayTotal")
        layout.addWidget(self.summary)
        self.problem = QLabel(objectName="errorText")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        row = QHBoxLayout()
        self.transferred = QPushButton(tr("Tandai sudah ditransfer"), objectName="primaryButton")
        self.paid_cash = QPushButton(tr("Sudah dibayar tunai"))
        for b, how in ((self.transferred, PaidBack.TRANSFER), (self.paid_cash, PaidBack.CASH)):
            b.setAutoDefault(False)
            b.setEnabled(False)
            b.clicked.connect(lambda _=False, h=how: self.mark(h))
        close = QPushButton(tr("Tutup"))
        close.clicked.connect(lambda: self.reject())  # not the C++ slot
        row.addWidget(self.transferred)
        row.addWidget(self.paid_cash)
        row.addStretch(1)
        row.addWidget(close)
        layout.addLayout(row)
        self.resize(860, 480)
        self.refresh()

    def refresh(self) -> None:
        db = self.db

        def loaded(rows: list[OwedRefund]) -> None:
            if _alive(self):
                self._show(rows)

        def failed(exc: BaseException) -> None:
            log.error("owed refunds: could not read them", exc_info=exc)
            if _alive(self):
                self.summary.setText(tr("Transaksi tidak bisa dibuka. Tutup lalu coba lagi."))

        self.tasks.read(lambda: owed_refunds(db), loaded, failed)

    def _show(self, rows: list[OwedRefund]) -> None:
        self.rows = rows
        self.loaded = True
        self.table.setRowCount(len(rows))
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for r, owed in enumerate(rows):
            values = (owed.created_at.astimezone(self.tz).strftime("%d-%m-%Y %H:%M"),
                      owed.order_id, format_rupiah(owed.amount), owed.approved_by, owed.reason)
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 2:
                    item.setTextAlignment(right)
                self.table.setItem(r, c, item)
        if rows:
            self.table.selectRow(0)
            self.summary.setText(tr("Belum dibayar: {amount} untuk {count} pengembalian",
                                    amount=format_rupiah(sum(o.amount for o in rows)),
                                    count=len(rows)))
        else:
            self.summary.setText(tr("Tidak ada pengembalian yang belum dibayar"))
        self._update_buttons()

    def selected(self) -> OwedRefund | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _update_buttons(self) -> None:
        enabled = self.selected() is not None and not self.busy
        self.transferred.setEnabled(enabled)
        self.paid_cash.setEnabled(enabled)

    def mark(self, how: PaidBack) -> None:
        owed = self.selected()
        if owed is None or self.busy:
            return
        self.busy = True
        self.problem.clear()
        self._update_buttons()
        db, actor, clock = self.db, self.actor, self.clock

        def done(marked: bool) -> None:
            log.info("refund %s of order %s marked paid back (%s) by %s: %s", owed.id,
                     owed.order_id, how.value, actor, marked)
            if not _alive(self):
                return
            self.busy = False
            if not marked:  # another till marked it meanwhile
                self.problem.setText(tr("Pengembalian ini sudah ditandai dibayar"))
            self.changed.emit()
            self.refresh()

        def failed(exc: BaseException) -> None:
            log.error("refund %s: marking it paid back failed", owed.id, exc_info=exc)
            if not _alive(self):
                return
            self.busy = False
            self.problem.setText(tr(GENERIC_ERROR))
            self._update_buttons()

        shift_id = self.shift_id
        self.tasks.write(lambda: refund_store.mark_paid_back(
            db, owed.id, how, actor=actor, now=clock(), shift_id=shift_id), done, failed)
