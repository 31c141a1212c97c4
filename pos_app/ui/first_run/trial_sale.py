"""Step 7, *Tes transaksi*: one real QRIS sale of Rp 1, paid with the owner's own phone.

The guide doesn't sell: it asks the window's payment service through ``start_test_sale(amount)
-> order_id`` (run on the writer thread, where the window writes its sales), then follows that
order with the app events (:class:`~pos_app.ui.events.AppEvents`): ``qr_shown`` puts the QR on
screen, big (:class:`~pos_app.ui.qr_widget.QrView`, pixel-exact for a phone's camera),
``payment_paid`` says "Lunas! Rp 1 diterima", ``qr_cleared`` says why it can no longer be paid.

Decisions:

* **The guide makes the order "the sale at the till"** (``events.follow_sale``): the app
  events only report that sale's QR and payment. So the customer display shows the QR too,
  as it would for a customer. When the step is left it lets go (``follow_sale(None)``), and a
  test still waiting is cancelled through ``cancel_test_sale`` when the window gave one
  (otherwise it simply expires).
* **The amount** is Rp 1, or the provider's minimum when its description declares one
  (:func:`~pos_app.ui.first_run.progress.trial_amount`). A unique code or a gateway fee may
  make the payable amount a little more: the QR's own amount is what is shown.
* **The money is real**: the step says to give it back by hand once paid (the till doesn't
  refund a QRIS by itself). In demo mode, or with the simulator chosen, nobody pays: the
  simulator does, after ``simulator.pay_after_s``.
* With the cashier's own confirmation (the shop's static QRIS without a mutasi source) the
  till can't see the money arrive: the step says to look at the shop's phone instead.
* Skippable: *Lewati tes*. Without ``start_test_sale`` (a guide opened without a till) the
  step only says that the test can be done later at the till.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from pos_app.money import format_rupiah
from pos_app.provider_messages import Moment, in_language, sale_message
from pos_app.settings import SettingsError
from pos_app.ui.events import PaymentPaid, QrCleared, QrDelayed, QrEnd, QrShown
from pos_app.ui.first_run.progress import trial_amount
from pos_app.ui.first_run.steps import CASHIER, GuideContext, Step, confirmation_kind
from pos_app.ui.i18n import language, register, tr
from pos_app.ui.props import set_state
from pos_app.ui.qr_widget import QrView
from sync.providers import PROVIDERS

__all__ = ["TestSaleStep"]

log = logging.getLogger(__name__)

register({
    "Tes transaksi": "Test sale",
    "Satu penjualan kecil dibayar dengan HP Anda sendiri: memastikan QRIS toko jalan dan "
    "pembayaran masuk terdeteksi.":
        "One small sale paid with your own phone: makes sure the shop's QRIS works and "
        "payments are detected.",
    "Cara pembayaran: {provider}": "Payment method: {provider}",
    "1. Tekan “Mulai tes {amount}”.\n2. Pindai QR dengan aplikasi bank atau e-wallet di HP "
    "Anda, lalu bayar.\n3. Tunggu sampai tertulis “Lunas”.":
        "1. Press “Start test {amount}”.\n2. Scan the QR with the bank or e-wallet app on "
        "your phone, and pay.\n3. Wait until it says “Paid”.",
    "Mulai tes {amount}": "Start test {amount}",
    "Coba lagi": "Try again",
    "Mode demo: simulator membayar sendiri dalam beberapa detik, tanpa uang sungguhan.":
        "Demo mode: the simulator pays by itself within a few seconds, no real money.",
    "Konfirmasi kasir: kasir ini tidak melihat uang masuk. Setelah membayar, lihat "
    "notifikasi di HP toko, lalu tekan Lanjut.":
        "Cashier confirms: this till doesn't see the money arrive. After paying, look at the "
        "notification on the shop's phone, then press Next.",
    "Tes transaksi bisa dilakukan nanti dari layar kasir (QRIS {amount}).":
        "The test sale can be done later from the till (QRIS {amount}).",
    "Membuat QRIS…": "Creating the QRIS…",
    "Pindai QR ini dengan HP Anda dan bayar {amount}.":
        "Scan this QR with your phone and pay {amount}.",
    "Pindai QR untuk membuka halaman bayar, lalu bayar {amount}.":
        "Scan the QR to open the payment page, then pay {amount}.",
    "Penyedia belum menjawab, mencoba lagi…": "The provider hasn't answered, trying again…",
    "Lunas! {amount} diterima": "Paid! {amount} received",
    "Tes berhasil. Uang {amount} ini masuk ke rekening toko: kembalikan sendiri ke HP Anda "
    "(transfer balik) bila perlu — kasir tidak mengembalikannya otomatis.":
        "Test passed. These {amount} went to the shop's account: send them back to your "
        "phone yourself if you like — the till doesn't refund them by itself.",
    "QRIS kedaluwarsa sebelum dibayar.": "The QRIS expired before it was paid.",
    "Tes dibatalkan.": "Test cancelled.",
    "Lewati tes": "Skip the test",
})


class TestSaleStep(Step):
    key = "test_sale"
    title = "Tes transaksi"
    intro = ("Satu penjualan kecil dibayar dengan HP Anda sendiri: memastikan QRIS toko jalan "
             "dan pembayaran masuk terdeteksi.")

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, ctx: GuideContext) -> None:
        super().__init__(ctx)
        self.order_id: str | None = None
        self.qr: QrShown | None = None
        self.paid: PaymentPaid | None = None
        self.ended: QrCleared | None = None
        self.error: str | None = None
        self.starting = False
        self._abandoned = False  # left (abandon()) while a sale was being started
        self.provider = ""
        self.amount = 1

        self.provider_label = QLabel(objectName="testProvider")
        self.provider_label.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.how = QLabel(objectName="testHow")
        self.how.setWordWrap(True)
        self.how.setStyleSheet("font-size: 16px;")
        self.note = QLabel(objectName="testNote")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #7a5a00; font-size: 15px;")
        self.start_button = QPushButton(objectName="primaryButton")
        self.start_button.setAutoDefault(True)  # focused on entering: Enter starts the test
        self.start_button.setMinimumWidth(220)
        self.start_button.clicked.connect(self.start)
        self.status = QLabel(objectName="testStatus")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # may quote a provider's answer
        self.refund = QLabel(objectName="testRefund")
        self.refund.setWordWrap(True)
        self.refund.setStyleSheet("font-size: 15px;")
        self.qr_view = QrView(framed=True)
        self.qr_view.setObjectName("testQr")
        self.qr_view.setFixedSize(340, 340)
        self.amount_label = QLabel(objectName="bigAmount")
        self.amount_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.amount_label.setStyleSheet("font-size: 34px; font-weight: bold; color: #0f766e;")

        left = QVBoxLayout()
        left.setSpacing(12)
        left.addWidget(self.provider_label)
        left.addWidget(self.how)
        left.addWidget(self.note)
        button_row = QHBoxLayout()
        button_row.addWidget(self.start_button)
        button_row.addStretch(1)
        left.addLayout(button_row)
        left.addWidget(self.status)
        left.addWidget(self.refund)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.qr_view, 0, Qt.AlignmentFlag.AlignHCenter)
        right.addWidget(self.amount_label)
        right.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(24)
        layout.addLayout(left, 1)
        layout.addLayout(right)

        events = ctx.events
        if events is not None:
            events.qr_shown.connect(self._qr_shown)
            events.qr_delayed.connect(self._qr_delayed)
            events.qr_cleared.connect(self._qr_cleared)
            events.payment_paid.connect(self._paid)
        self._render()

    # ------------------------------------------------------------------ guide hooks

    def enter(self) -> None:
        if self.order_id is None or self.ended is not None:
            self._read_provider()  # step 4 may have changed it
        self._render()
        if self.start_button.isEnabled() and self.paid is None:
            # no field on this page: Enter (or Space) presses "Mulai tes", not "Lewati tes"
            QTimer.singleShot(0, self._focus_start)

    def _focus_start(self) -> None:
        if shiboken6.isValid(self) and self.start_button.isVisible():
            self.start_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def next_text(self) -> str:
        return tr("Lanjut") if self.paid is not None else tr("Lewati tes")

    def busy(self) -> bool:
        return self.starting

    def leads(self) -> bool:
        # without a till to sell through (the guide opened alone) there is no test to start
        return self.paid is not None or self.ctx.start_test_sale is None

    def commit(self, proceed: Callable[[], None]) -> None:
        self.abandon()
        proceed()

    def waiting(self) -> bool:
        """A test sale is on its way and not paid, expired or cancelled yet."""
        return self.order_id is not None and self.paid is None and self.ended is None

    def abandon(self) -> None:
        """Leave a test that is still waiting: cancelled when the window says how, and no
        longer the sale at the till."""
        self._abandoned = True  # a sale still being started is cancelled when it is
        order_id = self.order_id
        if order_id is None:
            return
        if self.waiting() and self.ctx.cancel_test_sale is not None:
            cancel = self.ctx.cancel_test_sale
            self.ctx.tasks.write(lambda: cancel(order_id), None,
                                 lambda exc: log.warning("first run: cancelling test sale %s "
                                                         "failed: %s", order_id, exc))
        self._let_go()

    def state(self) -> dict[str, Any]:
        return {"order_id": self.order_id, "qr": self.qr, "paid": self.paid,
                "ended": self.ended, "error": self.error, "provider": self.provider,
                "amount": self.amount}

    def restore(self, state: dict[str, Any]) -> None:
        self.order_id = state.get("order_id")
        self.qr, self.paid, self.ended = state.get("qr"), state.get("paid"), state.get("ended")
        self.error = state.get("error")
        if self.order_id is not None:
            self.provider, self.amount = str(state.get("provider")), int(state.get("amount", 1))
        self._render()

    def dispose(self) -> None:
        events = self.ctx.events
        if events is not None:
            for signal, slot in ((events.qr_shown, self._qr_shown),
                                 (events.qr_delayed, self._qr_delayed),
                                 (events.qr_cleared, self._qr_cleared),
                                 (events.payment_paid, self._paid)):
                signal.disconnect(slot)

    def status_text(self) -> str:
        return self.status.text()

    # ------------------------------------------------------------------ starting

    def _read_provider(self) -> None:
        settings = self.ctx.settings
        try:
            chosen = str(settings.get("payment.provider"))
        except SettingsError:
            chosen = ""
        self.provider = ("simulator" if self.ctx.demo and not settings.is_set("payment.provider")
                         else chosen)
        self.amount = trial_amount(self.provider)

    def _simulated(self) -> bool:
        return self.provider == "simulator"

    def start(self) -> None:
        """Ask the window for the test sale (on the writer thread, like its sales)."""
        start = self.ctx.start_test_sale
        if start is None or self.starting or self.waiting():
            return
        self._let_go()
        self.order_id = self.qr = self.paid = self.ended = self.error = None
        self._read_provider()
        self.starting = True
        amount = self.amount
        self._render()
        self.changed.emit()
        self._abandoned = False
        cancel, tasks = self.ctx.cancel_test_sale, self.ctx.tasks

        def started(order_id: str) -> None:
            if self._gone() or self._abandoned:
                # The guide closed (or moved on) while the sale was being written: no one
                # waits for it now, so it must not stay open at the gateway.
                if cancel is not None:
                    tasks.write(lambda: cancel(str(order_id)), None,
                                lambda exc: log.warning("first run: cancelling test sale %s "
                                                        "failed: %s", order_id, exc))
                return
            self._started(order_id)

        self.ctx.tasks.write(lambda: start(amount), started, self._start_failed)

    def _gone(self) -> bool:
        return not self.ctx.alive() or not shiboken6.isValid(self)

    def _started(self, order_id: str) -> None:
        if self._gone():
            return
        self.starting = False
        self.order_id = str(order_id)
        log.info("first run: test sale %s started (%s, %d)", order_id, self.provider,
                 self.amount)
        events = self.ctx.events
        if events is not None and events.till_order != self.order_id:
            events.follow_sale(self.order_id)  # replays what the engine said already
        self._render()
        self.changed.emit()

    def _start_failed(self, exc: BaseException) -> None:
        if self._gone():
            return
        self.starting = False
        log.warning("first run: test sale could not start: %s", exc)
        self.error = in_language(sale_message(exc, self.provider or None, Moment.START),
                                 language())
        self._render()
        self.changed.emit()

    def _let_go(self) -> None:
        events = self.ctx.events
        if events is not None and self.order_id is not None and \
                events.till_order == self.order_id:
            events.follow_sale(None)

    # ------------------------------------------------------------------ app events

    def _qr_shown(self, qr: QrShown) -> None:
        if qr.order_id == self.order_id and self.paid is None and self.ended is None:
            self.qr = qr
            self._render()

    def _qr_delayed(self, late: QrDelayed) -> None:
        if late.order_id == self.order_id and self.qr is None and self.paid is None:
            self.status.setText(tr("Penyedia belum menjawab, mencoba lagi…"))

    def _qr_cleared(self, end: QrCleared) -> None:
        if end.order_id == self.order_id and self.paid is None:
            self.ended = end
            self._let_go()
            self._render()
            self.changed.emit()

    def _paid(self, payment: PaymentPaid) -> None:
        if payment.order_id == self.order_id and self.paid is None:
            self.paid = payment
            self.ctx.extra["test_paid"] = True  # for the summary on the last page
            log.info("first run: test sale %s paid (%d)", payment.order_id, payment.amount)
            self._let_go()
            self._render()
            self.changed.emit()

    # ------------------------------------------------------------------ showing it

    def _render(self) -> None:
        if not self.provider:
            self._read_provider()
        amount = format_rupiah(self.amount)
        info = PROVIDERS.get(self.provider)
        name = tr(info.label.id) if info is not None else self.provider
        self.provider_label.setText(tr("Cara pembayaran: {provider}", provider=name))
        self.how.setText(tr("1. Tekan “Mulai tes {amount}”.\n2. Pindai QR dengan aplikasi bank "
                            "atau e-wallet di HP Anda, lalu bayar.\n3. Tunggu sampai tertulis "
                            "“Lunas”.", amount=amount))
        source = ""
        try:
            source = str(self.ctx.settings.get("payment.mutasi_source") or "")
        except SettingsError:
            pass
        if self.ctx.start_test_sale is None:
            note = tr("Tes transaksi bisa dilakukan nanti dari layar kasir (QRIS {amount}).",
                      amount=amount)
        elif self._simulated():
            note = tr("Mode demo: simulator membayar sendiri dalam beberapa detik, tanpa uang "
                      "sungguhan.")
        elif confirmation_kind(self.provider, source) == CASHIER:
            note = tr("Konfirmasi kasir: kasir ini tidak melihat uang masuk. Setelah membayar, "
                      "lihat notifikasi di HP toko, lalu tekan Lanjut.")
        else:
            note = ""
        self.note.setText(note)
        self.note.setVisible(bool(note) and self.paid is None)

        again = self.ended is not None or self.error is not None
        self.start_button.setText(tr("Coba lagi") if again else
                                   tr("Mulai tes {amount}", amount=amount))
        self.start_button.setEnabled(self.ctx.start_test_sale is not None and not self.starting
                                     and not self.waiting() and self.paid is None)
        self.start_button.setVisible(self.paid is None)

        payable = self.qr.amount if self.qr is not None and self.qr.amount else self.amount
        state, text = "", ""
        if self.paid is not None:
            state = "paid"
            text = tr("Lunas! {amount} diterima",
                      amount=format_rupiah(self.paid.amount or payable))
        elif self.error is not None:
            state, text = "failed", self.error
        elif self.ended is not None:
            state = "failed"
            if self.ended.reason is QrEnd.EXPIRED:
                text = tr("QRIS kedaluwarsa sebelum dibayar.")
            elif self.ended.reason is QrEnd.CANCELLED:
                text = tr("Tes dibatalkan.")
            else:
                text = in_language(sale_message(self.ended.error, self.provider or None,
                                                Moment.FAILED), language())
        elif self.qr is not None:
            state = "waiting"
            text = (tr("Pindai QR ini dengan HP Anda dan bayar {amount}.",
                       amount=format_rupiah(payable)) if self.qr.is_qris else
                    tr("Pindai QR untuk membuka halaman bayar, lalu bayar {amount}.",
                       amount=format_rupiah(payable)))
        elif self.starting or self.order_id is not None:
            state, text = "waiting", tr("Membuat QRIS…")
        self.status.setText(text)
        self.status.setVisible(bool(text))
        set_state(self.status, state=state)

        shown = self.qr is not None and self.paid is None and self.ended is None
        pending = self.starting or self.waiting()
        self.qr_view.set_payload(self.qr.payload if shown and self.qr is not None else None)
        self.qr_view.set_placeholder(tr("Membuat QRIS…") if pending and not shown else "")
        self.qr_view.setVisible(pending or shown)
        self.amount_label.setText(format_rupiah(payable))
        self.amount_label.setVisible(pending or shown)
        self.refund.setText(tr("Tes berhasil. Uang {amount} ini masuk ke rekening toko: "
                               "kembalikan sendiri ke HP Anda (transfer balik) bila perlu — "
                               "kasir tidak mengembalikannya otomatis.",
                               amount=format_rupiah(self.paid.amount or payable))
                            if self.paid is not None else "")
        self.refund.setVisible(self.paid is not None and not self._simulated())
