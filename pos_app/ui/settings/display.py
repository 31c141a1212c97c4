"""The *Tampilan* page: the UI language and the screen the customer display goes to."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QFormLayout

from pos_app.ui.i18n import register, tr
from pos_app.ui.settings.form import Editor, Page, select

__all__ = ["DisplayPage"]

register({
    "Tampilan": "Display",
    "Bahasa": "Language",
    "Layar pelanggan": "Customer display",
    "Otomatis": "Automatic",
    "Layar {number}": "Screen {number}",
    "Layar {number} ({width}\u00d7{height})": "Screen {number} ({width}\u00d7{height})",
    "Layar {number} (tidak terhubung)": "Screen {number} (not connected)",
    "Otomatis: layar kedua bila terpasang.": "Automatic: the second screen when attached.",
})

# Language names are shown in their own language, as every language picker does.
LANGUAGES: dict[str, str] = {"id": "Bahasa Indonesia", "en": "English"}


class DisplayPage(Page):
    title = "Tampilan"

    def build(self, layout: QFormLayout) -> None:
        self.add(layout, "ui.language", tr("Bahasa"), self.form.combo(LANGUAGES.items()))
        self.add(layout, "ui.customer_display_screen", tr("Layar pelanggan"),
                 self._screen_editor(), hint=tr("Otomatis: layar kedua bila terpasang."))

    def _screen_editor(self) -> Editor:
        count = self.form.services.screens_count
        screens = QGuiApplication.screens()
        items = [("-1", tr("Otomatis"))]
        for index in range(count):
            if index < len(screens):
                size = screens[index].size()
                label = tr("Layar {number} ({width}\u00d7{height})", number=index + 1,
                           width=size.width(), height=size.height())
            else:
                label = tr("Layar {number}", number=index + 1)
            items.append((str(index), label))
        editor = self.form.combo(items)
        combo = editor.widget
        assert isinstance(combo, QComboBox)

        def write(value: Any, text: str) -> None:
            if isinstance(value, int) and value >= count and combo.findData(text) < 0:
                # A screen that is unplugged right now: keep the choice instead of resetting it.
                combo.addItem(tr("Layar {number} (tidak terhubung)", number=value + 1), text)
            select(combo, value, text)

        return editor._replace(write=write)
