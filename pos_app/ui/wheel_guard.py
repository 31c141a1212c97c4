"""The mouse wheel scrolls a page; it changes a choice only in the box being edited.

On a long settings page (the first-run guide's *Perangkat* step, Pengaturan's tabs) a person
scrolls with the wheel; Qt sends the wheel to whatever box lies under the pointer, so a
QComboBox or QSpinBox passing by silently changed its value ("Bahasa pengumuman" turned
English on its own in a newcomer's walk). :func:`guard_wheel` gives every such box under a root
a filter: while the box has no keyboard focus the wheel goes to the page instead (its scroll
area scrolls); once the person has clicked or tabbed into it, the wheel edits it as usual.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)

_GUARDED = "wheelGuarded"


class _WheelGuard(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget):
            return False
        if watched.hasFocus():
            return False
        page = _scroll_area(watched)
        if page is not None:
            QApplication.sendEvent(page.viewport(), event)
        return True  # never a silent change of the box under the pointer


def _scroll_area(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        parent = parent.parentWidget()
    return None


_guard: _WheelGuard | None = None


def guard_wheel(root: QWidget) -> None:
    """Guard every combo box and spin box under ``root`` (again after adding boxes: a box
    already guarded is skipped)."""
    global _guard
    if _guard is None:
        _guard = _WheelGuard()
    for box in root.findChildren(QWidget):
        if isinstance(box, (QComboBox, QAbstractSpinBox)) and not box.property(_GUARDED):
            box.setProperty(_GUARDED, True)
            # the wheel alone no longer focuses it (WheelFocus): a click or Tab does
            box.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            box.installEventFilter(_guard)
