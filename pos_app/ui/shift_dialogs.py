""""Buka kasir" and "Tutup kasir": the starting float of a shift, and the count of the drawer
that closes it (with its Z report).

:class:`OpenShiftDialog` takes the float ("Modal awal": ``200000``, ``200.000`` or
``Rp 200.000``, or a quick button) and opens the shift; :class:`CloseShiftDialog` shows what
the shift sold and the cash the drawer should hold, has the cashier count the drawer note by
note, and closes the shift with that count, then shows (and prints) the Z report.

Decisions:

* **No database work on the GUI thread.** The totals are read, the shift opened and closed
  through the window's :class:`~pos_app.ui.tasks.TaskManager`; the dialog is busy meanwhile
  (its buttons off, Esc ignored: a dialog that went away while its close was being written
  would tell the window "not closed" about a closed shift).
* **Nothing typed is lost.** A refusal (:class:`~pos_app.shifts.ShiftError`, e.g. "Kasir sudah
  dibuka oleh Budi") or a failure is said under the fields; the float, the counts and the note
  stay as typed.
* **The counter is the keyboard's.** One row per denomination (``DENOMINATIONS``), digits only;
  Enter, Tab or Down goes to the next row (Up to the one before), so a cashier counts the
  drawer without the mouse: type the pieces, Enter, ... the note, Enter closes. The ten rows
  stand in two columns (notes, then the small notes and coins), so the dialog fits a
  1366x768 screen with room to spare; each row is at least 44 px tall for a finger.
* **The difference is live** (counted - expected): green "Pas", red "Kurang Rp 2.000", amber
  "Lebih Rp 1.000". A difference needs a note ("Tulis catatan untuk selisih"): the owner
  reading the Z report must learn why.
* **The stored figures are the truth.** The storage recomputes the expected cash inside the
  close transaction; the Z report is made from what was stored and the totals read after the
  close, so a QRIS paid while the dialog was open can't make the paper disagree with the
  database. The report page says when the expected cash changed since it was shown.
* **Printing is the caller's choice:** ``print_text`` (``DeviceHub.print_text``, when a
  printer is set) gets the Z report as soon as the close is written; "Cetak ulang" prints it
  again. The dialog never waits for the printer.
* Once the shift is closed the dialog can only be *accepted* (Esc included): the caller reads
  :attr:`CloseShiftDialog.closed` and :attr:`CloseShiftDialog.z_text`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, Signal
from PySide6.QtGui import QFont, QFontDatabase, QKeyEvent, QRegularExpressionValidator
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from pos_app.clock import utcnow
from pos_app.money import AmountTooLarge, check_amount, format_rupiah, parse_rupiah
from pos_app.shifts import (
    COINS_FROM,
    DENOMINATIONS,
    CashCount,
    NoteRequired,
    Shift,
    ShiftError,
    ShiftTotals,
)
from pos_app.storage.database import Database
from pos_app.storage.shifts import close_shift, open_shift, shift_totals
from pos_app.ui.i18n import register, tr
from pos_app.ui.props import set_state
from pos_app.ui.tasks import TaskManager
from pos_app.zreport import z_report_text

log = logging.getLogger(__name__)

register({
    "Buka kasir": "Open till", "Kasir {till}": "Till {till}",
    "Dibuka oleh {name}": "Opened by {name}", "Modal awal": "Starting float",
    "Uang di laci sebelum mulai berjualan": "Cash in the drawer before the first sale",
    "Batal (Esc)": "Cancel (Esc)", "Buka kasir (Enter)": "Open till (Enter)",
    "Ketik modal awal, mis. 200.000": "Type the starting float, e.g. 200.000",
    "Jumlah tidak valid — ketik angka rupiah, mis. 200.000":
        "Not an amount — type rupiah, e.g. 200.000",
    "Modal awal tidak boleh minus": "The starting float can't be negative",
    "Jumlah terlalu besar": "The amount is too large",
    "Menyimpan…": "Saving…",
    "Kasir gagal dibuka: {error}": "The till could not be opened: {error}",
    "Tutup kasir": "Close till", "Ditutup oleh {name}": "Closed by {name}",
    "Ringkasan shift": "Shift summary", "Dibuka oleh": "Opened by", "Dibuka": "Opened at",
    "Penjualan tunai ({n}x)": "Cash sales ({n}x)", "Penjualan QRIS ({n}x)": "QRIS sales ({n}x)",
    "Refund tunai": "Cash refunds", "Refund QRIS (transfer/utang)": "QRIS refunds (transfer/owed)",
    "Void": "Voids", "{n} transaksi": "{n} sales", "Uang seharusnya di laci": "Expected cash",
    "Memuat…": "Loading…",
    "Hitung uang di laci": "Count the drawer",
    "Ketik jumlah lembar/keping, Enter ke baris berikutnya":
        "Type the number of pieces, Enter for the next row",
    "lembar": "notes", "koin": "coins", "lembar/koin": "notes/coins",
    "Total dihitung": "Counted", "Selisih": "Difference", "Pas ({amount})": "Exact ({amount})",
    "Kurang {amount}": "Short {amount}", "Lebih {amount}": "Over {amount}",
    "Catatan": "Note", "Catatan (wajib: ada selisih)": "Note (required: there is a difference)",
    "Catatan (boleh kosong)": "Note (optional)",
    "Mis. uang kecil dipakai untuk kembalian": "E.g. small notes used for change",
    "Tulis catatan untuk selisih": "Write a note for the difference",
    "Tutup kasir (Enter)": "Close till (Enter)",
    "Ringkasan kasir gagal dimuat: {error}": "The till summary could not be loaded: {error}",
    "Kasir gagal ditutup: {error}": "The till could not be closed: {error}",
    "Tunggu, ringkasan kasir masih dimuat": "Wait, the till summary is still loading",
    "Laporan Z": "Z report", "Kasir ditutup": "Till closed",
    "Laporan Z dikirim ke printer": "The Z report was sent to the printer",
    "Cetak ulang": "Reprint", "Selesai (Enter)": "Done (Enter)",
    "Uang seharusnya dihitung ulang saat ditutup: {new} (tadi {old}) — ada transaksi baru":
        "The expected cash was recomputed at close: {new} (was {old}) — a new transaction",
})

#: The quick buttons of "Modal awal".
QUICK_FLOATS = (0, 100_000, 200_000, 500_000)

# The app style sheet knows nothing of these dialogs' parts: their look lives here, with them.
_STYLE = """
#shiftTitle { font-size: 22px; font-weight: bold; color: #0f766e; }
#shiftSubtitle { color: #52606d; font-size: 15px; }
#shiftCard { background: #ffffff; border: 1px solid #d5dbe1; border-radius: 10px; }
#shiftCard QLabel { background: transparent; }
#cardTitle { font-size: 17px; font-weight: bold; }
#summaryLabel { color: #52606d; font-size: 15px; }
#summaryValue { font-size: 16px; font-weight: 600; }
#expectedCash { font-size: 30px; font-weight: bold; color: #0f766e; }
#denomLabel { font-size: 18px; font-weight: bold; }
#denomKind { color: #7b8794; font-size: 13px; }
#countInput { font-size: 20px; min-height: 44px; min-width: 84px; max-width: 96px; }
#rowSubtotal { font-size: 16px; color: #323f4b; }
#rowSubtotal[state="zero"] { color: #9aa5b1; }
#countedTotal { font-size: 30px; font-weight: bold; }
#shiftDifference { font-size: 24px; font-weight: bold; padding: 4px 14px; border-radius: 8px; }
#shiftDifference[state="ok"] { color: #ffffff; background: #2f855a; }
#shiftDifference[state="short"] { color: #ffffff; background: #b42318; }
#shiftDifference[state="over"] { color: #4d3300; background: #f5b942; }
#shiftDifference[state="unknown"] { color: #52606d; background: #e4e8eb; }
#noteInput[state="error"] { border: 2px solid #b42318; }
#zReportText { background: #ffffff; border: 1px solid #d5dbe1; border-radius: 8px; }
#shiftNotice { background: #fff4ce; color: #7a5a00; border: 1px solid #f1d27a;
               border-radius: 8px; padding: 8px 12px; font-size: 15px; }
"""


def _grouped(amount: int) -> str:
    """``200.000``: how the field shows an amount (``parse_rupiah`` reads it back)."""
    return f"{amount:,}".replace(",", ".")


def _local(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


def _error_text(exc: BaseException) -> str:
    """What the cashier reads about a failure: a refusal's Indonesian sentence, or the
    exception's own words (English, from the storage) for the rest."""
    if isinstance(exc, ShiftError):
        return exc.message_id
    return str(exc) or type(exc).__name__


def _title(text: str, subtitle: str, layout: QVBoxLayout) -> QLabel:
    layout.addWidget(QLabel(text, objectName="shiftTitle"))
    sub = QLabel(subtitle, objectName="shiftSubtitle")
    layout.addWidget(sub)
    return sub


class OpenShiftDialog(QDialog):
    """"Buka kasir": the starting float, then the shift is opened on the writer thread.

    Accepted with :attr:`shift` (the open :class:`Shift`) once it is written;
    :attr:`shiftOpened` carries it too.
    """

    shiftOpened = Signal(object)  # Shift

    def __init__(self, db: Database, tasks: TaskManager, terminal_id: str, tz: ZoneInfo,
                 user_name: str, clock: Callable[[], datetime] = utcnow,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Buka kasir"))
        self.setObjectName("openShiftDialog")
        self.setStyleSheet(_STYLE)
        self.db, self.tasks, self.terminal_id, self.tz = db, tasks, terminal_id, tz
        self.user_name, self.clock = user_name, clock
        self.shift: Shift | None = None
        self.busy = False

        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        _title(tr("Buka kasir"), tr("Kasir {till}", till=terminal_id), layout)
        self.who = QLabel(tr("Dibuka oleh {name}", name=user_name), objectName="summaryValue")
        layout.addWidget(self.who)
        layout.addSpacing(6)
        layout.addWidget(QLabel(tr("Modal awal"), objectName="dialogCaption"))
        self.input = QLineEdit(objectName="tenderInput")
        self.input.setPlaceholderText("0")
        self.input.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.input.textChanged.connect(self._typed)
        layout.addWidget(self.input)
        hint = QLabel(tr("Uang di laci sebelum mulai berjualan"), objectName="dialogCaption")
        layout.addWidget(hint)
        quick = QHBoxLayout()
        self.quick_buttons: list[QPushButton] = []
        for amount in QUICK_FLOATS:
            b = QPushButton(format_rupiah(amount), objectName="quickTender")
            b.setAutoDefault(False)  # Enter in the field opens the shift, never "Rp 0"
            b.setProperty("amount", amount)
            b.clicked.connect(lambda _=False, a=amount: self._quick(a))
            quick.addWidget(b)
            self.quick_buttons.append(b)
        layout.addLayout(quick)
        self.problem = QLabel(objectName="errorText")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QHBoxLayout()
        self.cancel = QPushButton(tr("Batal (Esc)"))
        self.cancel.clicked.connect(lambda: self.reject())  # not the C++ slot: see QrisDialog
        self.ok = QPushButton(tr("Buka kasir (Enter)"), objectName="primaryButton")
        self.ok.setDefault(True)
        self.ok.clicked.connect(self._submit)
        buttons.addWidget(self.cancel)
        buttons.addWidget(self.ok, 1)
        layout.addLayout(buttons)
        self.setMinimumWidth(560)
        self.input.setFocus()

    def _quick(self, amount: int) -> None:
        # Fills the field only: a float is counted once a day, a mis-tap must not open it.
        self.input.setText(_grouped(amount))
        self.input.setFocus()

    def _typed(self) -> None:
        self.problem.setText("")

    def amount(self) -> int:
        """The float typed; ``ValueError`` with the Indonesian sentence to show."""
        text = self.input.text().strip()
        if not text:
            raise ValueError(tr("Ketik modal awal, mis. 200.000"))
        try:
            value = parse_rupiah(text, allow_negative=True)
        except ValueError:
            raise ValueError(tr("Jumlah tidak valid — ketik angka rupiah, mis. 200.000")) from None
        if value < 0:
            raise ValueError(tr("Modal awal tidak boleh minus"))
        try:
            return check_amount(value, "opening float")
        except AmountTooLarge:
            raise ValueError(tr("Jumlah terlalu besar")) from None

    def _submit(self) -> None:
        if self.busy:
            return
        try:
            amount = self.amount()
        except ValueError as exc:
            self.problem.setText(str(exc))
            self.input.setFocus()
            return
        db, till, tz, user, now = self.db, self.terminal_id, self.tz, self.user_name, self.clock()
        self._set_busy(True)
        self.tasks.write(lambda: open_shift(db, till, tz, user, amount, now),
                         self._opened, self._failed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for w in (self.ok, self.cancel, self.input, *self.quick_buttons):
            w.setEnabled(not busy)
        self.ok.setText(tr("Menyimpan…") if busy else tr("Buka kasir (Enter)"))

    def _opened(self, shift: Shift) -> None:
        log.info("shift %s opened on till %s by %s with a float of %d", shift.id,
                 shift.terminal_id, shift.opened_by, shift.opening_float)
        self.busy = False
        self.shift = shift
        self.shiftOpened.emit(shift)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ShiftError):
            log.info("shift not opened on till %s: %s", self.terminal_id, exc)
            self.problem.setText(exc.message_id)
        else:
            log.error("opening a shift on till %s failed", self.terminal_id, exc_info=exc)
            self.problem.setText(tr("Kasir gagal dibuka: {error}", error=_error_text(exc)))
        self.input.setFocus()

    def reject(self) -> None:  # Esc and the window's close button
        if self.busy:
            return  # the shift is being written: the answer decides what the caller hears
        super().reject()


class _CountRow:
    """One denomination of the counter: its label, the pieces field and the row's subtotal."""

    def __init__(self, value: int, grid: QGridLayout, row: int, column: int,
                 changed: Callable[[], None]) -> None:
        self.value = value
        self.label = QLabel(format_rupiah(value), objectName="denomLabel")
        kind = ("lembar/koin" if value == COINS_FROM else
                "koin" if value < COINS_FROM else "lembar")
        self.kind = QLabel(tr(kind), objectName="denomKind")
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.label)
        names.addWidget(self.kind)
        self.edit = QLineEdit(objectName="countInput")
        self.edit.setPlaceholderText("0")
        self.edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.edit.setValidator(QRegularExpressionValidator(QRegularExpression(r"[0-9]{0,5}"),
                                                           self.edit))
        self.edit.setProperty("denomination", value)
        self.edit.textChanged.connect(changed)
        self.subtotal = QLabel(objectName="rowSubtotal")
        self.subtotal.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.subtotal.setMinimumWidth(112)
        times = QLabel("×", objectName="denomKind")
        at = column * 5  # label, kind, x, field, subtotal; a spacer column between the halves
        grid.addLayout(names, row, at)
        grid.addWidget(times, row, at + 1)
        grid.addWidget(self.edit, row, at + 2)
        grid.addWidget(self.subtotal, row, at + 3)
        grid.setRowMinimumHeight(row, 48)
        self.refresh()

    @property
    def pieces(self) -> int:
        text = self.edit.text().strip()
        return int(text) if text.isdigit() else 0

    def refresh(self) -> None:
        amount = self.value * self.pieces
        self.subtotal.setText(format_rupiah(amount))
        set_state(self.subtotal, state="zero" if amount == 0 else "")


class CloseShiftDialog(QDialog):
    """"Tutup kasir": the shift's totals, the drawer's count by denomination, the difference,
    a note, then the close and its Z report.

    ``store_name`` heads the Z report; ``print_text(doc_id, text)`` (e.g.
    ``DeviceHub.print_text``; None when no printer is set) prints it, ``doc_id`` being
    ``Z-<shift id>``; ``z_width`` is its columns (32 fits 58 and 80 mm paper).

    Accepted, after the cashier saw the report, with :attr:`closed` (the closed
    :class:`Shift`, its expected and counted cash as stored) and :attr:`z_text`;
    :attr:`shiftClosed` (Shift, Z text) is emitted as soon as the close is written.
    """

    shiftClosed = Signal(object, str)  # Shift, Z report text

    def __init__(self, db: Database, tasks: TaskManager, shift: Shift, tz: ZoneInfo,
                 user_name: str, clock: Callable[[], datetime] = utcnow,
                 parent: QWidget | None = None, *, store_name: str = "",
                 print_text: Callable[[str, str], None] | None = None,
                 z_width: int = 32) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Tutup kasir"))
        self.setObjectName("closeShiftDialog")
        self.setStyleSheet(_STYLE)
        self.db, self.tasks, self.shift, self.tz = db, tasks, shift, tz
        self.user_name, self.clock = user_name, clock
        self.store_name, self.print_text, self.z_width = store_name, print_text, z_width
        self.totals: ShiftTotals | None = None  # as shown while counting
        self.final_totals: ShiftTotals | None = None  # read after the close
        self.closed: Shift | None = None
        self.z_text = ""
        self.busy = False
        self.loading = False

        outer = QVBoxLayout(self)
        self.pages = QStackedWidget()
        outer.addWidget(self.pages)
        self.pages.addWidget(self._count_page())
        self.pages.addWidget(self._report_page())
        self._recount()
        self._load()
        self.rows[0].edit.setFocus()

    # -- the count page --------------------------------------------------------------------
    def _count_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        _title(tr("Tutup kasir"), "  ·  ".join([
            tr("Kasir {till}", till=self.shift.terminal_id),
            tr("Ditutup oleh {name}", name=self.user_name)]), layout)

        body = QHBoxLayout()
        body.setSpacing(12)
        body.addWidget(self._summary_card())
        body.addWidget(self._counter_card(), 1)
        layout.addLayout(body, 1)

        self.note_caption = QLabel(tr("Catatan (boleh kosong)"), objectName="dialogCaption")
        layout.addWidget(self.note_caption)
        self.note = QLineEdit(objectName="noteInput")
        self.note.setPlaceholderText(tr("Mis. uang kecil dipakai untuk kembalian"))
        self.note.setMaxLength(500)
        self.note.textChanged.connect(self._note_typed)
        layout.addWidget(self.note)
        self.problem = QLabel(objectName="errorText")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)

        buttons = QHBoxLayout()
        self.cancel = QPushButton(tr("Batal (Esc)"))
        self.cancel.clicked.connect(lambda: self.reject())  # not the C++ slot: see QrisDialog
        self.close_button = QPushButton(tr("Tutup kasir (Enter)"), objectName="primaryButton")
        # Enter in the note closes; Enter in a counter row is taken by eventFilter (next row).
        self.close_button.setDefault(True)
        self.close_button.clicked.connect(self._submit)
        buttons.addWidget(self.cancel)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        self.close_button.setMinimumWidth(260)
        layout.addLayout(buttons)

        # Keyboard order: the rows top to bottom, left column first, the note, then the close.
        chain: list[QWidget] = [r.edit for r in self.rows]
        chain += [self.note, self.close_button, self.cancel]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)
        return page

    def _summary_card(self) -> QFrame:
        card = QFrame(objectName="shiftCard")
        box = QVBoxLayout(card)
        box.setContentsMargins(16, 14, 16, 14)
        box.addWidget(QLabel(tr("Ringkasan shift"), objectName="cardTitle"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        self.summary: dict[str, QLabel] = {}
        self.summary_captions: dict[str, QLabel] = {}
        s = self.shift
        rows = [
            ("opened_by", tr("Dibuka oleh"), s.opened_by),
            ("opened_at", tr("Dibuka"), _local(s.opened_at, self.tz)),
            ("float", tr("Modal awal"), format_rupiah(s.opening_float)),
            ("cash", tr("Penjualan tunai ({n}x)", n="…"), tr("Memuat…")),
            ("qris", tr("Penjualan QRIS ({n}x)", n="…"), tr("Memuat…")),
            ("cash_refunds", tr("Refund tunai"), tr("Memuat…")),
            ("other_refunds", tr("Refund QRIS (transfer/utang)"), tr("Memuat…")),
            ("voids", tr("Void"), tr("Memuat…")),
        ]
        for i, (key, caption, value) in enumerate(rows):
            label = QLabel(caption, objectName="summaryLabel")
            shown = QLabel(value, objectName="summaryValue")
            shown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(label, i, 0)
            grid.addWidget(shown, i, 1)
            self.summary[key], self.summary_captions[key] = shown, label
        box.addLayout(grid)
        box.addStretch(1)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setStyleSheet("color: #d5dbe1;")
        box.addWidget(line)
        box.addWidget(QLabel(tr("Uang seharusnya di laci"), objectName="summaryLabel"))
        self.expected_label = QLabel(tr("Memuat…"), objectName="expectedCash")
        box.addWidget(self.expected_label)
        return card

    def _counter_card(self) -> QFrame:
        card = QFrame(objectName="shiftCard")
        box = QVBoxLayout(card)
        box.setContentsMargins(16, 14, 16, 14)
        box.addWidget(QLabel(tr("Hitung uang di laci"), objectName="cardTitle"))
        box.addWidget(QLabel(tr("Ketik jumlah lembar/keping, Enter ke baris berikutnya"),
                             objectName="denomKind"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        half = (len(DENOMINATIONS) + 1) // 2
        self.rows = [_CountRow(value, grid, i % half, i // half, self._recount)
                     for i, value in enumerate(DENOMINATIONS)]
        grid.setColumnMinimumWidth(4, 28)  # between the two halves
        grid.setColumnStretch(4, 1)
        for row in self.rows:
            row.edit.installEventFilter(self)
        box.addLayout(grid)
        box.addStretch(1)

        totals = QGridLayout()
        totals.setHorizontalSpacing(12)
        totals.addWidget(QLabel(tr("Total dihitung"), objectName="summaryLabel"), 0, 0)
        self.counted_label = QLabel(objectName="countedTotal")
        totals.addWidget(self.counted_label, 1, 0)
        totals.addWidget(QLabel(tr("Selisih"), objectName="summaryLabel"), 0, 1,
                         Qt.AlignmentFlag.AlignRight)
        self.difference_label = QLabel(objectName="shiftDifference")
        totals.addWidget(self.difference_label, 1, 1, Qt.AlignmentFlag.AlignRight)
        box.addLayout(totals)
        return card

    # -- the report page -------------------------------------------------------------------
    def _report_page(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16)
        self.report_view = QPlainTextEdit(objectName="zReportText")
        self.report_view.setReadOnly(True)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPixelSize(15)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.report_view.setFont(font)
        self.report_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.report_view.setMinimumWidth(380)
        layout.addWidget(self.report_view)

        side = QVBoxLayout()
        side.setSpacing(10)
        self.report_title = QLabel(tr("Kasir ditutup"), objectName="shiftTitle")
        side.addWidget(self.report_title)
        side.addWidget(QLabel(tr("Laporan Z"), objectName="shiftSubtitle"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        self.report_labels: dict[str, QLabel] = {}
        for i, (key, caption) in enumerate((("expected", tr("Uang seharusnya di laci")),
                                            ("counted", tr("Total dihitung")))):
            grid.addWidget(QLabel(caption, objectName="summaryLabel"), i, 0)
            value = QLabel(objectName="summaryValue")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(value, i, 1)
            self.report_labels[key] = value
        side.addLayout(grid)
        self.report_difference = QLabel(objectName="shiftDifference")
        side.addWidget(self.report_difference, 0, Qt.AlignmentFlag.AlignLeft)
        self.report_notice = QLabel(objectName="shiftNotice")
        self.report_notice.setWordWrap(True)
        self.report_notice.hide()
        side.addWidget(self.report_notice)
        self.print_status = QLabel(objectName="dialogCaption")
        self.print_status.setWordWrap(True)
        side.addWidget(self.print_status)
        side.addStretch(1)
        self.reprint_button = QPushButton(tr("Cetak ulang"))
        self.reprint_button.clicked.connect(self._print)
        self.reprint_button.setVisible(self.print_text is not None)
        side.addWidget(self.reprint_button)
        self.done_button = QPushButton(tr("Selesai (Enter)"), objectName="primaryButton")
        self.done_button.clicked.connect(lambda: self.accept())
        side.addWidget(self.done_button)
        layout.addLayout(side, 1)
        return page

    # -- the totals ------------------------------------------------------------------------
    def _load(self) -> None:
        self.loading = True
        db, shift_id = self.db, self.shift.id
        self.tasks.read(lambda: shift_totals(db, shift_id), self._loaded, self._load_failed)

    def _loaded(self, totals: ShiftTotals) -> None:
        self.loading = False
        self.totals = totals
        rp = format_rupiah
        self.summary_captions["cash"].setText(tr("Penjualan tunai ({n}x)", n=totals.cash_orders))
        self.summary["cash"].setText(rp(totals.cash_sales))
        self.summary_captions["qris"].setText(tr("Penjualan QRIS ({n}x)", n=totals.qris_orders))
        self.summary["qris"].setText(rp(totals.qris_sales))
        self.summary["cash_refunds"].setText(
            "-" + rp(totals.cash_refunds) if totals.cash_refunds else rp(0))
        self.summary["other_refunds"].setText(rp(totals.other_refunds))
        self.summary["voids"].setText(tr("{n} transaksi", n=totals.voids))
        self.expected_label.setText(rp(totals.expected_cash))
        if self.problem.text() == tr("Tunggu, ringkasan kasir masih dimuat"):
            self.problem.setText("")
        self._recount()

    def _load_failed(self, exc: BaseException) -> None:
        self.loading = False
        log.error("shift %s: totals not read", self.shift.id, exc_info=exc)
        self.expected_label.setText("-")
        self.problem.setText(tr("Ringkasan kasir gagal dimuat: {error}",
                                error=_error_text(exc)))

    # -- counting --------------------------------------------------------------------------
    @property
    def counts(self) -> dict[int, int]:
        """Pieces per denomination as typed (those with a count)."""
        return {row.value: row.pieces for row in self.rows if row.pieces}

    @property
    def counted_total(self) -> int:
        return sum(value * pieces for value, pieces in self.counts.items())

    @property
    def difference(self) -> int | None:
        """Counted - expected, None until the totals are loaded."""
        return None if self.totals is None else self.counted_total - self.totals.expected_cash

    def _recount(self) -> None:
        for row in self.rows:
            row.refresh()
        self.counted_label.setText(format_rupiah(self.counted_total))
        _show_difference(self.difference_label, self.difference)
        needs_note = self.difference not in (None, 0)
        self.note_caption.setText(tr("Catatan (wajib: ada selisih)") if needs_note
                                  else tr("Catatan (boleh kosong)"))
        if not needs_note and self.problem.text() == tr("Tulis catatan untuk selisih"):
            self.problem.setText("")
            set_state(self.note, state="")

    def _note_typed(self) -> None:
        if self.note.text().strip():
            set_state(self.note, state="")
            if self.problem.text() == tr("Tulis catatan untuk selisih"):
                self.problem.setText("")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Enter (and Down/Up) in a counter row moves along the rows, like Tab does: the
        # cashier types each count and Enter, and the note comes after the last row.
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            edits = [row.edit for row in self.rows]
            if watched in edits:
                at = edits.index(watched)
                key = event.key()
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Down):
                    self._focus(edits[at + 1] if at + 1 < len(edits) else self.note)
                    return True
                if key == Qt.Key.Key_Up and at > 0:
                    self._focus(edits[at - 1])
                    return True
        return super().eventFilter(watched, event)

    @staticmethod
    def _focus(widget: QLineEdit) -> None:
        widget.setFocus(Qt.FocusReason.TabFocusReason)
        widget.selectAll()  # typing replaces the row's count, as after a Tab

    # -- closing ---------------------------------------------------------------------------
    def _submit(self) -> None:
        if self.busy:
            return
        if self.totals is None:
            self.problem.setText(tr("Tunggu, ringkasan kasir masih dimuat"))
            if not self.loading:
                self._load()  # it failed before: try again
            return
        note = self.note.text().strip()
        if self.difference != 0 and not note:
            self.problem.setText(tr("Tulis catatan untuk selisih"))
            set_state(self.note, state="error")
            self.note.setFocus()
            return
        count = CashCount(self.counts)
        db, shift_id, user, now = self.db, self.shift.id, self.user_name, self.clock()

        def close() -> tuple[Shift, ShiftTotals]:
            closed = close_shift(db, shift_id, user, count, note, now)
            # After the close: what the Z report lists next to the stored expected cash.
            return closed, shift_totals(db, shift_id)

        self.problem.setText("")
        self._set_busy(True)
        self.tasks.write(close, self._closed, self._failed)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.close_button.setEnabled(not busy)
        self.cancel.setEnabled(not busy)
        self.close_button.setText(tr("Menyimpan…") if busy else tr("Tutup kasir (Enter)"))

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ShiftError):
            log.info("shift %s not closed: %s", self.shift.id, exc)
            self.problem.setText(exc.message_id)
            if isinstance(exc, NoteRequired):  # a sale came meanwhile: show the new figures
                self._load()
        else:
            log.error("closing shift %s failed", self.shift.id, exc_info=exc)
            self.problem.setText(tr("Kasir gagal ditutup: {error}", error=_error_text(exc)))

    def _closed(self, result: tuple[Shift, ShiftTotals]) -> None:
        closed, totals = result
        self.busy = False
        self.closed, self.final_totals = closed, totals
        log.info("shift %s closed by %s: expected %s, counted %s, difference %s", closed.id,
                 closed.closed_by, closed.expected_cash, closed.counted_cash, closed.difference)
        try:
            self.z_text = z_report_text(closed, totals, self.counts, self.store_name, self.tz,
                                        self.z_width)
        except Exception:  # a bug in the layout must not hide that the shift is closed
            log.exception("Z report of shift %s not laid out", closed.id)
            self.z_text = (f"LAPORAN Z / TUTUP KASIR\n{closed.terminal_id}\n"
                           f"{format_rupiah(closed.expected_cash or 0)} / "
                           f"{format_rupiah(closed.counted_cash or 0)}\n")
        self._show_report()
        self.shiftClosed.emit(closed, self.z_text)
        if self.print_text is not None:
            self._print()

    def _show_report(self) -> None:
        closed = self.closed
        assert closed is not None
        self.report_view.setPlainText(self.z_text)
        expected = closed.expected_cash if closed.expected_cash is not None else 0
        self.report_labels["expected"].setText(format_rupiah(expected))
        self.report_labels["counted"].setText(format_rupiah(closed.counted_cash or 0))
        _show_difference(self.report_difference, closed.difference)
        shown = self.totals.expected_cash if self.totals is not None else expected
        if shown != expected:
            self.report_notice.setText(tr(
                "Uang seharusnya dihitung ulang saat ditutup: {new} (tadi {old}) — ada "
                "transaksi baru", new=format_rupiah(expected), old=format_rupiah(shown)))
            self.report_notice.show()
        self.setWindowTitle(tr("Laporan Z"))
        self.pages.setCurrentIndex(1)
        self.done_button.setDefault(True)
        self.done_button.setFocus()

    def _print(self) -> None:
        if self.print_text is None or self.closed is None:
            return
        try:
            self.print_text(f"Z-{self.closed.id}", self.z_text)
        except Exception as exc:  # the printer's trouble must not hide the closed shift
            log.error("Z report of shift %s not queued", self.closed.id, exc_info=exc)
            return
        self.print_status.setText(tr("Laporan Z dikirim ke printer"))

    def reject(self) -> None:  # Esc and the window's close button
        if self.busy:
            return  # the close is being written: its answer decides what the caller hears
        if self.closed is not None:
            self.accept()  # the shift is closed: "Esc" on the report is "Selesai"
            return
        super().reject()


def _show_difference(label: QLabel, difference: int | None) -> None:
    """The difference badge: green "Pas", red "Kurang ...", amber "Lebih ..."."""
    if difference is None:
        label.setText("…")
        set_state(label, state="unknown")
    elif difference == 0:
        label.setText(tr("Pas ({amount})", amount=format_rupiah(0)))
        set_state(label, state="ok")
    elif difference < 0:
        label.setText(tr("Kurang {amount}", amount=format_rupiah(-difference)))
        set_state(label, state="short")
    else:
        label.setText(tr("Lebih {amount}", amount=format_rupiah(difference)))
        set_state(label, state="over")
