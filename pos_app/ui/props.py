"""Qt enum settings by name, for the widgets the cashier sees at start-up.

The first use of PySide6's ``Qt`` namespace makes PySide build all of its ~94 Python enum
classes, about 12 ms on a two-core till PC: a quarter of what the till may spend over a bare
PySide6 window (issue 3 caps start-up at 1.5x that window). The start-up widgets therefore set
enum-typed Qt properties through Qt's own property system, which reads the C++ names
(``"NoFocus"``, ``"AlignRight|AlignVCenter"``) without any Python enum. Code that runs later
(dialogs, key handling) uses ``Qt`` as usual; the window warms it up once it is on screen.
"""

from __future__ import annotations

from typing import Any


def set_props(obj: Any, **props: str | int | bool) -> None:
    """``obj.setProperty(name, value)`` for each pair; a typo or a name Qt does not know fails
    loudly here instead of silently adding a dynamic property."""
    for name, value in props.items():
        if not obj.setProperty(name, value):
            raise ValueError(f"Qt refused {type(obj).__name__}.{name} = {value!r}")


def no_focus(*widgets: Any) -> None:
    """Buttons the cashier taps keep the keyboard (and the scanner's digits) in the search box."""
    for widget in widgets:
        set_props(widget, focusPolicy="NoFocus")


def set_state(widget: Any, **states: object) -> None:
    """Set dynamic properties the style sheet selects on (``[lowStock="true"]``) and re-apply
    the style sheet, which Qt does not do by itself when a property changes."""
    changed = False
    for name, value in states.items():
        # Unset reads as False, as the style sheet sees it: a fresh tile that is not low on
        # stock is not re-polished (which would build the Qt namespace at start-up).
        if (widget.property(name) or False) != value:
            widget.setProperty(name, value)
            changed = True
    if changed:
        widget.style().unpolish(widget)
        widget.style().polish(widget)
