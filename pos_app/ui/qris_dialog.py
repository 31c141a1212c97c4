"""Pay "QRIS": the QR, the amount, a countdown and the live status of one payment.

The dialog only reflects what happens to the payment -- the app events of the sale at the till
(``pos_app/ui/events.py``), which the window hands to it -- and asks the window to act
(cancel, simulate, confirm); it never talks to a provider itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_app.clock import utcnow
from pos_app.money import format_rupiah
from pos_app.ui.events import PaymentPaid, QrCleared, QrDelayed, QrEnd, QrShown
from pos_app.ui.i18n import register, tr
from pos_app.ui.qr_widget import QrView
from sync.events import EventKind

register({
    "Bayar QRIS": "Pay by QRIS", "Membuat QRIS…": "Creating the QRIS…",
    "Menunggu pembayaran — minta pelanggan memindai QR":
        "Waiting for payment — ask the customer to scan",
    "LUNAS — pembayaran diterima": "PAID — payment received", "QRIS kedaluwarsa": "QRIS expired",
    "Pembayaran dibatalkan": "Payment cancelled", "Gagal: {error}": "Failed: {error}",
    "Gangguan jaringan, mencoba lagi…": "Network trouble, retrying…", "Membatalkan…": "Cancelling…",
    "Batalkan (Esc)": "Cancel (Esc)", "Simulasikan bayar": "Simulate payment",
    "Sudah dibayar": "Payment received", "Tutup": "Close", "Berlaku {time}": "Valid for {time}",
    "Kedaluwarsa": "Expired", "Konfirmasi pembayaran": "Confirm payment",
    "Pastikan uang {amount} sudah masuk di aplikasi bank/e-wallet toko. "
    "Konfirmasi ini dicatat atas nama Anda.":
        "Make sure {amount} has arrived in the shop's bank/e-wallet app. "
        "This confirmation is recorded in your name.",
    "Pembayaran terlambat diterima — periksa di Riwayat":
        "A late payment arrived — check the order history",
    "Minta pelanggan memindai QR untuk membuka halaman bayar":
        "Ask the customer to scan the QR to open the payment page",
})


class QrisDialog(QDialog):
    cancelRequested = Signal(str)
    simulateRequested = Signal(str)
    confirmRequested = Signal(str)

    def __init__(self, order_id: str, amount: int, *, demo: bool, manual: bool,
                 clock: Callable[[], datetime] = utcnow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Bayar QRIS"))
        self.setObjectName("qrisDialog")
        self.order_id = order_id
        self.amount = amount
        self.payable = amount
        self.clock = clock
        self.expires_at: datetime | None = None
        self.final: EventKind | None = None
        self.payload: str | None = None
        layout = QVBoxLayout(self)
        self.status = QLabel(tr("Membuat QRIS…"), objectName="qrisStatus")
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.status)
        self.qr = QrView()
        self.qr.setMinimumSize(300, 300)
        layout.addWidget(self.qr, 1)
        self.amount_label = QLabel(format_rupiah(amount), objectName="bigAmount")
        self.amount_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.amount_label)
        self.countdown = QLabel("", objectName="countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.countdown)
        row = QHBoxLayout()
        self.cancel_button = QPushButton(tr("Batalkan (Esc)"), objectName="dangerButton")
        self.cancel_button.clicked.connect(self._cancel)
        row.addWidget(self.cancel_button)
        self.simulate_button = QPushButton(tr("Simulasikan bayar"))
        self.simulate_button.setVisible(demo)
        self.simulate_button.setEnabled(False)
        self.simulate_button.clicked.connect(lambda: self.simulateRequested.emit(self.order_id))
        row.addWidget(self.simulate_button)
        self.confirm_button = QPushButton(tr("Sudah dibayar"), objectName="primaryButton")
        self.confirm_button.setVisible(manual)
        self.confirm_button.setEnabled(False)
        self.confirm_button.clicked.connect(self._confirm)
        row.addWidget(self.confirm_button)
        self.close_button = QPushButton(tr("Tutup"))
        self.close_button.setVisible(False)
        # Python callables, not the bound C++ slot: PySide6 6.11 leaks a little memory for each
        # connection to a C++ slot of an object that is later deleted (one dialog per sale).
        self.close_button.clicked.connect(lambda: self.accept())
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self._tick)
        self.resize(520, 640)

    # -- what happens to the payment (app events, routed here by the window) -------------
    def _mine(self, order_id: str) -> bool:
        return order_id == self.order_id and self.final is None

    def show_qr(self, qr: QrShown) -> None:
        """The QR is ready: show it, the payable amount and the countdown."""
        if not self._mine(qr.order_id):
            return
        self.payload = qr.payload
        self.payable = qr.amount or self.amount
        self.expires_at = qr.expires_at
        self.qr.set_payload(self.payload)
        self.amount_label.setText(format_rupiah(self.payable))
        # Midtrans gives a payment page, not a QRIS: its QR opens that page on the phone.
        self.status.setText(tr("Menunggu pembayaran — minta pelanggan memindai QR") if qr.is_qris
                            else tr("Minta pelanggan memindai QR untuk membuka halaman bayar"))
        self.simulate_button.setEnabled(True)
        self.confirm_button.setEnabled(True)
        self._timer.start()
        self._tick()

    def delayed(self, late: QrDelayed) -> None:
        if self._mine(late.order_id):
            self.status.setText(tr("Gangguan jaringan, mencoba lagi…"))

    def paid(self, payment: PaymentPaid) -> None:
        if not self._mine(payment.order_id):
            return
        self._finish(EventKind.PAID, tr("LUNAS — pembayaran diterima"), "paid")
        # With the dialog as context: the cashier usually closes it sooner, and PySide6 6.11
        # never frees a single-shot's callable whose receiver died first (a leak per sale).
        QTimer.singleShot(1200, self, lambda: self.accept())

    def cleared(self, end: QrCleared) -> None:
        """The QR can no longer be paid (expired, cancelled, failed)."""
        if not self._mine(end.order_id):
            return
        if end.reason is QrEnd.EXPIRED:
            self._finish(EventKind.EXPIRED, tr("QRIS kedaluwarsa"), "expired")
        elif end.reason is QrEnd.CANCELLED:
            self._finish(EventKind.CANCELLED, tr("Pembayaran dibatalkan"), "cancelled")
            QTimer.singleShot(600, self, lambda: self.reject())
        else:
            self._finish(EventKind.FAILED, tr("Gagal: {error}", error=end.error or "?"), "failed")

    def _finish(self, kind: EventKind, text: str, state: str) -> None:
        self.final = kind
        self._timer.stop()
        self.status.setText(text)
        self.status.setProperty("state", state)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)
        if kind is not EventKind.PAID:
            self.qr.set_payload(None)
            self.countdown.setText("")
        for b in (self.cancel_button, self.simulate_button, self.confirm_button):
            b.setEnabled(False)
        self.close_button.setVisible(True)
        self.close_button.setDefault(True)
        self.close_button.setFocus()

    def _tick(self) -> None:
        if self.expires_at is None:
            return
        left = int((self.expires_at - self.clock()).total_seconds())
        if left <= 0:
            self.countdown.setText(tr("Kedaluwarsa"))
        else:
            self.countdown.setText(tr("Berlaku {time}", time=f"{left // 60:02d}:{left % 60:02d}"))

    # -- cashier actions ------------------------------------------------------------------
    def _cancel(self) -> None:
        if self.final is None:
            self.status.setText(tr("Membatalkan…"))
            self.cancel_button.setEnabled(False)
            self.cancelRequested.emit(self.order_id)

    def _confirm(self) -> None:
        answer = QMessageBox.question(
            self, tr("Konfirmasi pembayaran"),
            tr("Pastikan uang {amount} sudah masuk di aplikasi bank/e-wallet toko. "
               "Konfirmasi ini dicatat atas nama Anda.",
               amount=format_rupiah(self.payable)),
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.confirmRequested.emit(self.order_id)

    def reject(self) -> None:  # Esc and the window's close button
        if self.final is None:
            self._cancel()  # closes when the cancellation is confirmed
            return
        super().reject()
