"""Ya/Tidak questions that don't block the event loop.

``QMessageBox.question`` runs a nested event loop and labels its buttons in English ("Yes",
"No") unless Qt's own translations are installed, which the till doesn't ship. The products
screen asks with :func:`ask` instead: a message box opened with ``open()`` whose buttons say
"Ya" / "Tidak" (in the current UI language), and a callback for each answer. The box is
returned so a caller (and a test) can find it and press a button.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from pos_app.ui.i18n import register, tr

register({"Ya": "Yes", "Tidak": "No"})

YES = QMessageBox.StandardButton.Yes
NO = QMessageBox.StandardButton.No


def ask(parent: QWidget, title: str, text: str, detail: str, *,
        on_yes: Callable[[], None], on_no: Callable[[], None] | None = None,
        default_yes: bool = True) -> QMessageBox:
    """Open a question box with Ya/Tidak and return it. ``on_yes`` runs when "Ya" is pressed;
    ``on_no`` for anything else ("Tidak", Esc, the window's close button)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, YES | NO, parent)
    box.setObjectName("productsQuestion")
    box.setInformativeText(detail)
    box.button(YES).setText(tr("Ya"))
    box.button(NO).setText(tr("Tidak"))
    box.setDefaultButton(YES if default_yes else NO)
    box.setEscapeButton(NO)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def answered(_result: int) -> None:
        yes = box.clickedButton() is box.button(YES)
        if yes:
            on_yes()
        elif on_no is not None:
            on_no()

    box.finished.connect(answered)
    box.open()
    return box
