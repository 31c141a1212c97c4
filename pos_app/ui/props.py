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
