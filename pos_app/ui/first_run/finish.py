"""The guide's last page, *Selesai*: what the till is set up with, and where to change it.

Read-only: the values come from the settings (in memory) and, for the owner and the number of
products, from the database on the reader thread. The button under it is the guide's own,
"Selesai — mulai berjualan".
"""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout

from pos_app import qris
from pos_app.settings import SettingsError
from pos_app.storage import catalog
from pos_app.ui.first_run.progress import real_owner
from pos_app.ui.first_run.steps import GuideContext, Step
from pos_app.ui.i18n import register, tr
from pos_app.ui.settings.devices import CONNECTIONS, PORT_CHOICES
from sync.providers import PROVIDERS

__all__ = ["FinishStep"]

log = logging.getLogger(__name__)

register({
    "Selesai": "Done",
    "Toko siap berjualan. Semua ini bisa diubah lagi kapan saja di Pengaturan; produk di menu "
    "Produk.":
        "The shop is ready to sell. All of this can be changed any time in Settings; products "
        "in Products.",
    "Selesai — mulai berjualan": "Done — start selling",
    "Toko": "Shop",
    "Pemilik": "Owner",
    "QRIS toko": "Shop's QRIS",
    "Pembayaran": "Payment",
    "Produk": "Products",
    "Soundbox": "Soundbox",
    "Printer struk": "Receipt printer",
    "Tes transaksi": "Test sale",
    "belum ada": "none yet",
    "belum diisi": "not set",
    "{n} produk": "{n} products",
    "{provider} + mutasi {source}": "{provider} + {source} statement",
    "lunas": "paid",
    "dilewati": "skipped",
    "…": "…",
})


class FinishStep(Step):
    key = ""  # not a step of the progress: finishing writes "done"
    title = "Selesai"
    intro = ("Toko siap berjualan. Semua ini bisa diubah lagi kapan saja di Pengaturan; produk "
             "di menu Produk.")

    def __init__(self, ctx: GuideContext) -> None:
        super().__init__(ctx)
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setVerticalSpacing(12)
        form.setHorizontalSpacing(24)
        for name, caption in (("store", tr("Toko")), ("owner", tr("Pemilik")),
                              ("qris", tr("QRIS toko")), ("payment", tr("Pembayaran")),
                              ("products", tr("Produk")), ("soundbox", tr("Soundbox")),
                              ("printer", tr("Printer struk")), ("test", tr("Tes transaksi"))):
            label = QLabel(caption)
            label.setStyleSheet("font-size: 16px; color: #52606d;")
            value = QLabel(objectName=f"finish.{name}")
            value.setTextFormat(Qt.TextFormat.PlainText)  # names typed by the owner
            value.setWordWrap(True)
            value.setStyleSheet("font-size: 17px; font-weight: bold;")
            form.addRow(label, value)
            self.values[name] = value
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addLayout(form)
        layout.addStretch(1)

    def next_text(self) -> str:
        return tr("Selesai — mulai berjualan")

    def text(self) -> dict[str, str]:
        """What the page shows, by line ("store", "owner", ...)."""
        return {name: label.text() for name, label in self.values.items()}

    def enter(self) -> None:
        settings = self.ctx.settings

        def get(key: str) -> Any:
            try:
                return settings.get(key)
            except SettingsError:
                return None

        self.values["store"].setText(" · ".join(
            str(v) for v in (get("store.name"), get("store.timezone"),
                             get("store.terminal_id")) if v))
        payload = str(get("payment.static_qris") or "")
        merchant = tr("belum diisi")
        if payload:
            try:
                m = qris.parse(payload).merchant
                merchant = f"{m.name}, {m.city}"
            except qris.InvalidQris:
                merchant = payload[:24] + "…"
        self.values["qris"].setText(merchant)
        provider = str(get("payment.provider") or "")
        info = PROVIDERS.get(provider)
        shown = tr(info.label.id) if info is not None else provider
        source = PROVIDERS.get(str(get("payment.mutasi_source") or ""))
        if info is not None and info.takes_mutasi_source and source is not None:
            shown = tr("{provider} + mutasi {source}", provider=shown,
                       source=tr((source.source_label or source.label).id))
        self.values["payment"].setText(shown)
        port = str(get("hardware.soundbox.port") or "")
        self.values["soundbox"].setText(tr(PORT_CHOICES[port]) if port in PORT_CHOICES
                                        else port)
        connection = str(get("hardware.printer.connection") or "")
        address = str(get("hardware.printer.address") or "")
        self.values["printer"].setText(
            tr(CONNECTIONS.get(connection, connection))
            + (f" ({address})" if address and connection != "off" else ""))
        paid = self.ctx.extra.get("test_paid")
        self.values["test"].setText(tr("lunas") if paid else tr("dilewati"))
        for name in ("owner", "products"):
            self.values[name].setText(tr("…"))
        db = self.ctx.db

        def read() -> tuple[str | None, int]:
            return real_owner(db), catalog.product_count(db)

        def shown_db(found: tuple[str | None, int]) -> None:
            if not self.ctx.alive() or not shiboken6.isValid(self):
                return
            owner, count = found
            self.values["owner"].setText(owner or tr("belum ada"))
            self.values["products"].setText(tr("{n} produk", n=count))

        self.ctx.tasks.read(read, shown_db,
                            lambda exc: log.error("first run: summary read failed",
                                                  exc_info=exc))
