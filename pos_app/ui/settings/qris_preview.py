"""The preview under the pasted static QRIS: who gets the money (merchant name, city, NMID,
acquirer), whether it is static, its fee policy - or, for a broken payload, why in Indonesian.

Plain-text labels only: the merchant name comes from pasted data and must not be interpreted
as HTML. A dynamic QRIS is accepted by the registry, so it is only warned about (it is most
likely a receipt's QR rather than the shop's sticker).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFormLayout, QFrame, QLabel, QVBoxLayout, QWidget

from pos_app import qris
from pos_app.settings_rules import QrisProblem, qris_problem
from pos_app.ui.i18n import register, tr
from pos_app.ui.settings.form import ERROR_STYLE, HINT_STYLE, WARNING_STYLE

__all__ = ["QrisPreview"]

register({
    "Belum ada QRIS statis.": "No static QRIS yet.",
    "Nama merchant": "Merchant name",
    "Kota": "City",
    "NMID": "NMID",
    "Acquirer": "Acquirer",
    "Jenis": "Type",
    "Biaya/tip": "Fee/tip",
    "Tidak ada": "None",
    "Statis (nominal ditambahkan otomatis di tiap transaksi)":
        "Static (the amount is added automatically for each sale)",
    "Dinamis: QRIS ini sudah berisi nominal/sekali pakai. Gunakan QRIS statis dari stiker toko.":
        "Dynamic: this QRIS already carries an amount / is single-use. Use the static QRIS from "
        "the shop's sticker.",
    "Pastikan nama merchant di bawah ini adalah nama toko Anda. Uang pembayaran masuk ke "
    "pemilik QRIS ini.":
        "Make sure the merchant name below is your shop's. Payments go to the owner of this QRIS.",
    "QRIS tidak valid: {detail}": "Invalid QRIS: {detail}",
    "QRIS tidak valid: isi QRIS harus satu baris (ada baris baru di tengahnya).":
        "Invalid QRIS: the payload must be one line (there is a line break inside it).",
    "Salin ulang seluruh isi QRIS, mulai dari 000201 sampai 4 karakter terakhir.":
        "Copy the whole QRIS payload again, from 000201 to the last 4 characters.",
})


def _qris_error(text: str) -> str | None:
    """An Indonesian-first error for a pasted payload, or None when it is valid."""
    problem = qris_problem(text)
    if problem is None:
        return None
    kind, detail = problem
    if kind is QrisProblem.LINE_BREAK:
        # qris.parse would report a confusing tag/offset error for a wrapped copy.
        return tr("QRIS tidak valid: isi QRIS harus satu baris (ada baris baru di tengahnya).")
    return tr("QRIS tidak valid: {detail}", detail=detail)


class QrisPreview(QFrame):
    """Shows what :meth:`show_payload` was given; :meth:`text` is it as plain text lines."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("qrisPreview")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        column = QVBoxLayout(self)
        self._status = QLabel()
        self._status.setObjectName("qrisPreviewStatus")
        self._status.setWordWrap(True)
        self._status.setTextFormat(Qt.TextFormat.PlainText)
        column.addWidget(self._status)
        self._details = QWidget()
        details = QFormLayout(self._details)
        details.setContentsMargins(0, 0, 0, 0)
        # First, so it is read (and visible without scrolling) before the details.
        self._confirm = QLabel(tr("Pastikan nama merchant di bawah ini adalah nama toko "
                                  "Anda. Uang pembayaran masuk ke pemilik QRIS ini."))
        self._confirm.setObjectName("qrisPreviewConfirm")
        self._confirm.setWordWrap(True)
        self._confirm.setStyleSheet(WARNING_STYLE)
        details.addRow(self._confirm)
        self._values: dict[str, tuple[QLabel, QLabel]] = {}
        for name, caption in (("name", tr("Nama merchant")), ("city", tr("Kota")),
                              ("nmid", tr("NMID")), ("acquirer", tr("Acquirer")),
                              ("type", tr("Jenis")), ("fee", tr("Biaya/tip"))):
            value = QLabel()
            value.setWordWrap(True)
            # Merchant data comes from pasted text: never let QLabel read it as HTML.
            value.setTextFormat(Qt.TextFormat.PlainText)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption_label = QLabel(caption)
            details.addRow(caption_label, value)
            self._values[name] = (caption_label, value)
        bold = QFont(self._values["name"][1].font())
        bold.setBold(True)
        self._values["name"][1].setFont(bold)
        column.addWidget(self._details)

    def text(self) -> str:
        """What the preview shows, as plain text lines."""
        lines: list[str] = []
        if not self._status.isHidden():
            lines.append(self._status.text())
        if not self._details.isHidden():
            lines.append(self._confirm.text())
            for caption, value in self._values.values():
                lines.append(f"{caption.text()}: {value.text()}")
        return "\n".join(lines)

    def show_payload(self, text: str) -> None:
        """Preview ``text`` (the payload as the form reads it: ``qris.strip_pasted`` done)."""
        self._details.hide()
        self._status.show()
        if not text:
            self._status.setStyleSheet(HINT_STYLE)
            self._status.setText(tr("Belum ada QRIS statis."))
            return
        error = _qris_error(text)
        if error is not None:
            self._status.setStyleSheet(ERROR_STYLE)
            self._status.setText(
                error + "\n" + tr("Salin ulang seluruh isi QRIS, mulai dari 000201 sampai 4 "
                                  "karakter terakhir."))
            return
        payload = qris.parse(text)
        m = payload.merchant
        acquirer = m.acquirer_guid or "-"
        if m.merchant_pan:
            acquirer += f" (PAN {m.merchant_pan})"
        values = {
            "name": m.name,
            "city": m.city + (f" {m.postal_code}" if m.postal_code else ""),
            "nmid": m.nmid or "-",
            "acquirer": acquirer,
            "type": (tr("Dinamis: QRIS ini sudah berisi nominal/sekali pakai. Gunakan QRIS "
                        "statis dari stiker toko.") if payload.is_dynamic else
                     tr("Statis (nominal ditambahkan otomatis di tiap transaksi)")),
            "fee": qris.fee_policy_text(payload) or tr("Tidak ada"),
        }
        for name, (_caption, label) in self._values.items():
            label.setText(values[name])
        # A dynamic QRIS is accepted by the registry, so only warn; it is likely a mistake.
        self._values["type"][1].setStyleSheet(WARNING_STYLE if payload.is_dynamic else "")
        self._status.hide()
        self._details.show()
