"""The *Toko* page: the shop's name and address (on receipts and the customer display), the
last line of every receipt, this till's id (part of every order number) and the time zone."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QFormLayout

from pos_app.ui.i18n import register, tr
from pos_app.ui.settings.form import COMBO_WIDTH, Editor, Page

__all__ = ["StorePage"]

register({
    "Toko": "Shop",
    "Nama toko": "Shop name",
    "Dicetak di struk dan ditampilkan ke pelanggan.":
        "Printed on receipts and shown to customers.",
    "Alamat": "Address",
    "Dicetak di bawah nama toko pada struk.": "Printed under the shop name on receipts.",
    "Kaki struk": "Receipt footer",
    "Baris terakhir setiap struk, mis. ucapan terima kasih.":
        "The last line of every receipt, e.g. a thank-you.",
    "ID kasir (terminal)": "Till (terminal) id",
    "1-8 huruf atau angka, mis. K1. Menjadi bagian dari setiap nomor pesanan.":
        "1-8 letters or digits, e.g. K1. Part of every order number.",
    "Zona waktu": "Time zone",
    "Pilih atau ketik, mis. Asia/Jakarta. WIB/WITA/WIT juga bisa.":
        "Choose or type, e.g. Asia/Jakarta. WIB/WITA/WIT also work.",
})

# Shown for a timezone so the owner recognises the Indonesian names (WIB/WITA/WIT).
_COMMON_ZONES: tuple[tuple[str, str], ...] = (
    ("Asia/Jakarta", "WIB"),
    ("Asia/Makassar", "WITA"),
    ("Asia/Jayapura", "WIT"),
)


class StorePage(Page):
    title = "Toko"

    def build(self, layout: QFormLayout) -> None:
        self.add(layout, "store.name", tr("Nama toko"), self.form.line(),
                 hint=tr("Dicetak di struk dan ditampilkan ke pelanggan."))
        self.add(layout, "store.address", tr("Alamat"), self.form.line(),
                 hint=tr("Dicetak di bawah nama toko pada struk."))
        self.add(layout, "store.receipt_footer", tr("Kaki struk"), self.form.line(),
                 hint=tr("Baris terakhir setiap struk, mis. ucapan terima kasih."))
        self.add(layout, "store.terminal_id", tr("ID kasir (terminal)"), self.form.line(),
                 hint=tr("1-8 huruf atau angka, mis. K1. Menjadi bagian dari setiap nomor "
                         "pesanan."))
        self.add(layout, "store.timezone", tr("Zona waktu"), _zone_editor(),
                 hint=tr("Pilih atau ketik, mis. Asia/Jakarta. WIB/WITA/WIT juga bisa."))


def _zone_editor() -> Editor:
    zone = QComboBox()
    zone.setMaximumWidth(COMBO_WIDTH)
    zone.setEditable(True)
    # Typing a zone must not add it to the list; the text is read as typed.
    zone.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    for name, short in _COMMON_ZONES:
        zone.addItem(f"{name} ({short})", name)

    def read() -> str:
        text = zone.currentText().strip()
        found = zone.findText(text)  # "Asia/Jakarta (WIB)" -> "Asia/Jakarta"
        return str(zone.itemData(found)) if found >= 0 else text

    def write(_value: Any, text: str) -> None:
        index = zone.findData(text)
        if index < 0 and text:
            zone.addItem(text, text)
            index = zone.count() - 1
        zone.setCurrentIndex(index)

    return Editor(zone, read, write, zone.editTextChanged)
