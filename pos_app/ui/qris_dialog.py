"""Pay "QRIS": the QR, the amount, a countdown and the live status of one payment.

The dialog only reflects what happens to the payment -- the app events of the sale at the till
(``pos_app/ui/events.py``), which the window hands to it -- and asks the window to act
(cancel, simulate, confirm, fall back); it never talks to a provider itself.

When the gateway can't make the QR (no internet, the gateway down) the box where the QR goes
says so and what to do, never stays an empty white square. If the shop's static QRIS is set up
(a :class:`~pos_app.payments.Fallback`), "QRIS toko (cadangan)" is offered at once -- on the
first failed attempt, or when no QR came within :data:`FALLBACK_AFTER_MS` -- and its QR, made on
this till, replaces the gateway's in the same dialog.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

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
from pos_app.provider_messages import Moment, Text, in_language, provider_name, sale_message
from pos_app.ui.events import PaymentPaid, QrCleared, QrDelayed, QrEnd, QrShown
from pos_app.ui.i18n import language, register, tr
from pos_app.ui.props import set_state
from pos_app.ui.qr_widget import QrView
from sync.events import EventKind

if TYPE_CHECKING:
    from pos_app.payments import Fallback

#: how long the cashier waits for the gateway's QR before the shop's static QRIS is offered
#: (sooner when an attempt fails first); a payment page usually comes within a second
FALLBACK_AFTER_MS = 3000

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
    "QRIS toko (cadangan)": "Shop's QRIS (backup)",
    "QR dari {provider} belum datang — pakai QRIS toko (cadangan), atau tunggu":
        "The QR from {provider} hasn't come — use the shop's QRIS (backup), or wait",
    "QR dari gateway belum datang.\nTekan “QRIS toko (cadangan)”: QR dibuat di kasir ini, "
    "tanpa internet.":
        "The gateway's QR hasn't come.\nPress “Shop's QRIS (backup)”: the QR is made on this "
        "till, no internet needed.",
    "QR dari gateway belum datang.\nTerima tunai: tekan Batalkan (Esc), lalu Tunai (F4).":
        "The gateway's QR hasn't come.\nTake cash: press Cancel (Esc), then Cash (F4).",
    "QRIS tidak bisa dibuat.\nTerima tunai: tekan Tutup, lalu Tunai (F4).":
        "The QRIS could not be made.\nTake cash: press Close, then Cash (F4).",
    "Membuat QRIS toko (cadangan)…": "Making the shop's QRIS (backup)…",
    "QRIS toko (cadangan) — minta pelanggan memindai QR":
        "Shop's QRIS (backup) — ask the customer to scan",
    "QRIS toko (cadangan) — minta pelanggan memindai QR, lalu tekan “Sudah dibayar” "
    "setelah uang masuk di aplikasi toko":
        "Shop's QRIS (backup) — ask the customer to scan, then press “Payment received” "
        "once the money shows in the shop's app",
    "QRIS toko (cadangan) tidak bisa dipakai lagi untuk penjualan ini":
        "The shop's QRIS (backup) can no longer be used for this sale",
})

# The box where the QR goes, while it says what is wrong instead (plain, big, readable at arm's
# length; the application's style sheet has no rule for it).
_NOTICE_STYLE = ("font-size: 22px; font-weight: bold; color: #7c2d12; background: #fff7ed;"
                 " border: 2px solid #fdba74; border-radius: 10px; padding: 18px;")


class QrisDialog(QDialog):
    cancelRequested = Signal(str)
    simulateRequested = Signal(str)
    confirmRequested = Signal(str)
    fallbackRequested = Signal(str)  # order id: take it with the shop's static QRIS

    def __init__(self, order_id: str, amount: int, *, demo: bool, manual: bool,
                 clock: Callable[[], datetime] = utcnow, parent: QWidget | None = None,
                 provider: str | None = None, fallback: Fallback | None = None) -> None:
        """``provider``: the gateway making the QR (for the cashier's sentences);
        ``fallback``: how the shop's static QRIS can take over, when it is set up."""
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
        self.provider = provider
        self.fallback = fallback
        self.on_fallback = False  # the cashier chose the shop's QRIS (backup) for this sale
        layout = QVBoxLayout(self)
        self.status = QLabel(tr("Membuat QRIS…"), objectName="qrisStatus")
        self.status.setWordWrap(True)
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.status)
        self.qr = QrView()
        self.qr.setMinimumSize(300, 300)
        self.qr.set_placeholder(tr("Membuat QRIS…"))
        layout.addWidget(self.qr, 1)
        # In the QR's place while there is no QR to show and something is wrong.
        self.notice = QLabel("", objectName="qrisNotice")
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.notice.setStyleSheet(_NOTICE_STYLE)
        self.notice.setMinimumSize(300, 300)
        self.notice.hide()
        layout.addWidget(self.notice, 1)
        self.amount_label = QLabel(format_rupiah(amount), objectName="bigAmount")
        self.amount_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.amount_label)
        self.countdown = QLabel("", objectName="countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.countdown)
        row = QHBoxLayout()
        self.fallback_button = QPushButton(tr("QRIS toko (cadangan)"), objectName="primaryButton")
        self.fallback_button.hide()
        self.fallback_button.clicked.connect(self._fall_back)
        layout.addWidget(self.fallback_button)
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
        # A child timer (not a single-shot with a callable): it dies with the dialog, which
        # often closes first, leaving nothing behind (see paid()).
        self._late_timer = QTimer(self, singleShot=True, interval=FALLBACK_AFTER_MS)
        self._late_timer.timeout.connect(lambda: self._qr_is_late(None))
        if fallback is not None:
            self._late_timer.start()
        self.resize(520, 640)
        # Whatever it shows (a long notice, the fallback button), the dialog stays on a
        # 1366x768 screen: the QR and the notice shrink, the buttons below stay reachable.
        screen = (parent or self).screen().availableGeometry()
        self.setMaximumHeight(screen.height() - 60)

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
        self._show_qr_box(True)
        self.qr.set_payload(self.payload)
        self.amount_label.setText(format_rupiah(self.payable))
        # Once a QR is up the sale can't switch any more: the customer may be paying it.
        self.fallback_button.hide()
        backup = self.fallback is not None and qr.provider == self.fallback.provider
        if backup:
            assert self.fallback is not None
            self.on_fallback = True
            # No mutasi source: the cashier confirms (audited), as for a static QRIS sale.
            if self.fallback.manual:
                self.confirm_button.setVisible(True)
            self.status.setText(
                tr("QRIS toko (cadangan) — minta pelanggan memindai QR, lalu tekan “Sudah "
                   "dibayar” setelah uang masuk di aplikasi toko") if self.fallback.manual
                else tr("QRIS toko (cadangan) — minta pelanggan memindai QR"))
        # Midtrans gives a payment page, not a QRIS: its QR opens that page on the phone.
        elif qr.is_qris:
            self.status.setText(tr("Menunggu pembayaran — minta pelanggan memindai QR"))
        else:
            self.status.setText(tr("Minta pelanggan memindai QR untuk membuka halaman bayar"))
        self.simulate_button.setEnabled(True)
        self.confirm_button.setEnabled(True)
        self._timer.start()
        self._tick()

    def delayed(self, late: QrDelayed) -> None:
        if not self._mine(late.order_id):
            return
        if self.payload is not None:
            # The QR is up and a status check failed: the engine asks again by itself.
            self.status.setText(tr("Gangguan jaringan, mencoba lagi…"))
            return
        self._qr_is_late(late.error)

    def _qr_is_late(self, error: str | None) -> None:
        """No QR yet: the first attempt failed (``error``, English), or it is taking long
        (``None``). Say so in the QR's place, and offer the shop's QRIS (backup) if there is
        one."""
        if self.final is not None or self.payload is not None or self.on_fallback:
            return
        offer = self.fallback is not None
        if error is None and self.notice.isVisibleTo(self):
            return  # a failed attempt said it already, more precisely
        if error is not None:
            self.status.setText(self._say(sale_message(error, self.provider, Moment.LATE,
                                                       fallback=offer)))
        elif offer:
            name = self._say(provider_name(self.provider))
            self.status.setText(tr("QR dari {provider} belum datang — pakai QRIS toko "
                                   "(cadangan), atau tunggu", provider=name))
        else:
            return  # still within the usual wait, nothing failed yet
        self._show_notice(
            tr("QR dari gateway belum datang.\nTekan “QRIS toko (cadangan)”: QR dibuat di "
               "kasir ini, tanpa internet.") if offer
            else tr("QR dari gateway belum datang.\nTerima tunai: tekan Batalkan (Esc), lalu "
                    "Tunai (F4)."))
        if offer:
            self.fallback_button.show()
            self.fallback_button.setEnabled(True)
            self.fallback_button.setDefault(True)
            self.fallback_button.setFocus()

    @staticmethod
    def _say(text: Text) -> str:
        return in_language(text, language())

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self._show_qr_box(False)

    def _show_qr_box(self, qr: bool) -> None:
        # Hide first, then show: for a moment both would count, and the dialog would grow by
        # a whole QR box (past the bottom of a 1366x768 screen) and never shrink back.
        (self.notice if qr else self.qr).hide()
        (self.qr if qr else self.notice).show()

    # -- the shop's QRIS (backup) ---------------------------------------------------------
    def _fall_back(self) -> None:
        if self.final is not None or self.payload is not None or self.on_fallback:
            return
        self.on_fallback = True
        self.fallback_button.setEnabled(False)
        self.status.setText(tr("Membuat QRIS toko (cadangan)…"))
        self.qr.set_placeholder(tr("Membuat QRIS toko (cadangan)…"))
        self._show_qr_box(True)
        self.fallbackRequested.emit(self.order_id)

    def fallback_done(self, switched: bool) -> None:
        """The window's answer to :attr:`fallbackRequested`: ``switched`` False when the sale
        could not switch (the gateway's QR came meanwhile, or it ended: their events say so)."""
        if not switched and self.final is None and self.payload is None:
            self.status.setText(tr("QRIS toko (cadangan) tidak bisa dipakai lagi untuk "
                                   "penjualan ini"))

    def fallback_failed(self, error: BaseException) -> None:
        """The switch could not be written (the static QRIS is no longer set up ...)."""
        if self.final is not None or self.payload is not None:
            return
        self.on_fallback = False
        provider = self.fallback.provider if self.fallback is not None else None
        self.status.setText(self._say(sale_message(error, provider, Moment.START)))
        self._show_notice(tr("QR dari gateway belum datang.\nTerima tunai: tekan Batalkan "
                             "(Esc), lalu Tunai (F4)."))
        self.fallback_button.hide()

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
            reason = self._say(sale_message(end.error, self.provider, Moment.FAILED))
            self._finish(EventKind.FAILED, tr("Gagal: {error}", error=reason), "failed")
            self._show_notice(tr("QRIS tidak bisa dibuat.\nTerima tunai: tekan Tutup, lalu "
                                 "Tunai (F4)."))

    def _finish(self, kind: EventKind, text: str, state: str) -> None:
        self.final = kind
        self._timer.stop()
        self.status.setText(text)
        set_state(self.status, state=state)
        if kind is not EventKind.PAID:
            self.qr.set_placeholder(text)
            self.qr.set_payload(None)
            self.countdown.setText("")
        for b in (self.cancel_button, self.simulate_button, self.confirm_button,
                  self.fallback_button):
            b.setEnabled(False)
        self.fallback_button.hide()
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
