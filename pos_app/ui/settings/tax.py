"""The *Pajak (PPN)* page: whether prices include VAT, have it added, or have none, and the
rate."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel

from pos_app.settings import KEYS, SettingsError
from pos_app.ui.i18n import register, tr
from pos_app.ui.settings.form import Page

__all__ = ["TaxPage"]

register({
    "Pajak (PPN)": "Tax (VAT)",
    "PPN": "VAT",
    "Tidak ada": "None",
    "Harga sudah termasuk PPN": "Prices include VAT",
    "PPN ditambahkan": "VAT added on top",
    "Tarif PPN": "VAT rate",
    "Contoh: 11 atau 11,5 (paling banyak 2 desimal).": "E.g. 11 or 11.5 (at most 2 decimals).",
})

# Untranslated source texts, translated with tr() when the widgets are built.
TAX_MODES: dict[str, str] = {
    "off": "Tidak ada",
    "included": "Harga sudah termasuk PPN",
    "added": "PPN ditambahkan",
}


class TaxPage(Page):
    title = "Pajak (PPN)"

    def build(self, layout: QFormLayout) -> None:
        self.add(layout, "tax.mode", tr("PPN"),
                 self.form.combo((v, tr(label)) for v, label in TAX_MODES.items()))
        self.add(layout, "tax.rate_percent", tr("Tarif PPN"),
                 self.form.line(clear_button=False, max_width=160), inline=QLabel("%"),
                 hint=tr("Contoh: 11 atau 11,5 (paling banyak 2 desimal)."))
        mode = self.fields["tax.mode"].editor
        assert isinstance(mode, QComboBox)
        mode.currentIndexChanged.connect(self._rate_follows_mode)

    def load(self) -> None:
        super().load()
        self._rate_follows_mode()

    def _rate_follows_mode(self) -> None:
        # Without PPN the rate applies to nothing: greyed out, so nobody wonders whether 11 %
        # is still charged (the rate is kept for when PPN is switched on again).
        mode = self.fields["tax.mode"].editor
        assert isinstance(mode, QComboBox)
        rate = self.fields["tax.rate_percent"]
        on = mode.currentData() != "off"
        if not on:
            try:
                KEYS[rate.key].value_of(rate.read())
            except SettingsError:
                # a rate half-typed, then PPN switched off: back to the stored rate, or the
                # page could never be saved (nobody can fix a greyed-out field)
                self.form.load(rate)
                rate.error.hide()
        rate.editor.setEnabled(on)
