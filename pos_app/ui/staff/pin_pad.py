"""The PIN pad of the staff screens, and how a refused staff action is said to the cashier.

:class:`PinPad` is a 3x4 grid of big keys (1-9, "⌫", 0, "OK") over a field that shows one dot
per digit, with a message line under it. Sign-in, owner approval and (later) any other "type
your PIN" step use it, so the pad feels the same everywhere.

Decisions:

* **The PIN lives in one Python string**, never in a widget: the field is a label showing
  dots, so no accessibility bridge, clipboard or ``QLineEdit`` undo stack can hand it out.
  It leaves the pad only through :attr:`PinPad.submitted`, and :meth:`PinPad.clear` forgets
  it. Nothing here logs.
* **The keyboard works while the pad has focus**: digits (top row and numpad), Backspace,
  Enter. Anything else (Escape, Tab) goes on to the dialog. The keys never take the focus
  (``NoFocus``), so tapping "5" and then typing "6" both land in the pad.
* **OK with fewer than 4 digits is refused on the pad**: a PIN check costs ~40 ms of scrypt
  and, when wrong, one of the five tries before a lock. A seventh digit is ignored.
* **Busy while a check runs** (:meth:`PinPad.set_busy`): keys and typing are ignored, so a
  double tap on OK can't spend two tries; the message line says "Memeriksa PIN…".
* An error stays until the next OK: "Terkunci sampai 10:05" must not vanish at the first
  digit typed.
* Keys are 64 px tall (touch: the brief asks at least 56). The pad styles itself (a widget's
  own style sheet wins over the app's), so it looks the same in the app, in tests and in the
  screenshots.

:func:`staff_message` turns a :class:`~pos_app.staff.StaffError` into the cashier's language:
``message_id`` in Indonesian, the exception's own English text otherwise.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from pos_app.staff import NameInvalid, PinInvalid, StaffError
from pos_app.ui.i18n import language, register, tr

__all__ = ["KEY_HEIGHT", "MAX_DIGITS", "MIN_DIGITS", "PinPad", "lock_message", "staff_message"]

register({
    "Ketik PIN": "Type the PIN",
    "Memeriksa PIN…": "Checking the PIN…",
    "PIN harus 4 sampai 6 angka": "The PIN must be 4 to 6 digits",
    "Hapus satu angka": "Delete one digit",
    "Terkunci sampai {time}": "Locked until {time}",
    "Nama wajib diisi": "The name is required",
    "Nama paling banyak 40 huruf": "The name is at most 40 characters",
    "Nama tidak boleh berisi karakter kontrol": "The name must not contain control characters",
})

MIN_DIGITS, MAX_DIGITS = 4, 6  # as pos_app.staff.PIN_PATTERN
KEY_HEIGHT = 64
_DIGITS = frozenset("0123456789")  # ASCII only: str.isdigit() would take "١" or "²"
_BACK, _OK = "back", "ok"
_DOT = "●"

STYLE = """
QPushButton[pinKey="true"] {
    min-height: 64px; min-width: 84px; padding: 0; font-size: 26px; font-weight: bold;
    border: 1px solid #c5ccd3; border-radius: 10px; background: #ffffff; color: #1f2933;
}
QPushButton[pinKey="true"]:pressed { background: #d7ece9; }
QPushButton[pinKey="true"]:disabled { color: #9aa5b1; background: #eceff1; }
QPushButton#pinOk { background: #0f766e; color: #ffffff; border: none; font-size: 22px; }
QPushButton#pinOk:pressed { background: #115e59; }
QPushButton#pinOk:disabled { background: #b8c2cc; color: #f4f6f8; }
QPushButton#pinBack { font-size: 24px; }
QLabel#pinPrompt { font-size: 17px; font-weight: bold; color: #1f2933; }
QLabel#pinDisplay {
    min-height: 56px; border: 1px solid #c5ccd3; border-radius: 10px; background: #ffffff;
    font-size: 26px; color: #1f2933;
}
QLabel#pinDisplay[empty="true"] { font-size: 17px; color: #7b8794; }
QLabel#pinMessage { font-size: 15px; color: #52606d; }
QLabel#pinMessage[error="true"] { color: #b42318; font-weight: bold; }
"""

# NameInvalid's message_id carries the English reason ("Nama must not be empty"); these are the
# reasons pos_app.staff.check_name gives, in Indonesian.
_NAME_REASONS = {
    "the name must not be empty": "Nama wajib diisi",
    "the name is longer than 40 characters": "Nama paling banyak 40 huruf",
    "the name must not contain control characters": "Nama tidak boleh berisi karakter kontrol",
}


def staff_message(exc: StaffError) -> str:
    """What to show for a refused staff action, in the UI's language (never quotes a PIN:
    no StaffError holds one)."""
    if isinstance(exc, PinInvalid):
        return tr("PIN harus 4 sampai 6 angka")
    if isinstance(exc, NameInvalid) and str(exc) in _NAME_REASONS:
        return tr(_NAME_REASONS[str(exc)])
    if language() == "id":
        return exc.message_id
    text = str(exc)
    return text[:1].upper() + text[1:]


def lock_message(until: datetime, tz: tzinfo) -> str:
    """"Terkunci sampai 10:05", in the store's time."""
    return tr("Terkunci sampai {time}", time=until.astimezone(tz).strftime("%H:%M"))


class PinPad(QWidget):
    """Big keys, a dotted field and a message line; :attr:`submitted` carries the PIN."""

    submitted = Signal(str)
    """OK (or Enter) with 4 to 6 digits typed: the PIN. The pad keeps it until :meth:`clear`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pinPad")
        self.setStyleSheet(STYLE)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._digits = ""
        self._busy = False

        self.prompt = QLabel(objectName="pinPrompt")  # shown once set_prompt() gives it text
        self.prompt.setTextFormat(Qt.TextFormat.PlainText)  # it may hold a user's name
        self.prompt.hide()
        self.display = QLabel(objectName="pinDisplay")
        self.display.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = QLabel(objectName="pinMessage")
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # Two lines reserved: a message appearing must not push the keys around.
        self.message.setMinimumHeight(2 * self.message.fontMetrics().lineSpacing() + 4)

        grid = QGridLayout()
        grid.setSpacing(10)
        self.buttons: dict[str, QPushButton] = {}
        """The keys: "0".."9", "back" (⌫) and "ok"."""
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", _BACK, "0", _OK]
        for i, key in enumerate(keys):
            text = {"back": "⌫", "ok": "OK"}.get(key, key)
            button = QPushButton(text)
            button.setProperty("pinKey", True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the pad keeps the keyboard
            button.setAutoDefault(False)
            button.setMinimumHeight(KEY_HEIGHT)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            if key == _BACK:
                button.setObjectName("pinBack")
                button.setToolTip(tr("Hapus satu angka"))
                button.setAccessibleName(tr("Hapus satu angka"))
                button.setAutoRepeat(True)  # hold to delete everything
                button.clicked.connect(self.backspace)
            elif key == _OK:
                button.setObjectName("pinOk")
                button.clicked.connect(self.submit)
            else:
                button.setObjectName(f"pinKey{key}")
                button.clicked.connect(lambda _=False, k=key: self.press(k))
            grid.addWidget(button, i // 3, i % 3)
            self.buttons[key] = button

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(10)
        layout.addWidget(self.prompt)
        layout.addWidget(self.display)
        layout.addLayout(grid)
        layout.addWidget(self.message)
        self.setMaximumWidth(380)
        self._show()

    # ------------------------------------------------------------------ state

    @property
    def entered(self) -> int:
        """How many digits are typed (the digits themselves stay inside)."""
        return len(self._digits)

    @property
    def busy(self) -> bool:
        return self._busy

    def set_prompt(self, text: str) -> None:
        """The line above the field ("PIN untuk Andi"); empty hides it."""
        self.prompt.setText(text)
        self.prompt.setVisible(bool(text))

    def press(self, digit: str) -> None:
        """One more digit (ignored when busy, not a digit, or six are typed)."""
        if self._busy or digit not in _DIGITS or len(self._digits) >= MAX_DIGITS:
            return
        self._digits += digit
        self._show()

    def backspace(self) -> None:
        if self._busy or not self._digits:
            return
        self._digits = self._digits[:-1]
        self._show()

    def clear(self) -> None:
        """Forget the digits (the message stays: it says why the PIN was cleared)."""
        self._digits = ""
        self._show()

    def submit(self) -> None:
        """OK: emit :attr:`submitted`, or say why not."""
        if self._busy:
            return
        if len(self._digits) < MIN_DIGITS:
            self.show_error(tr("PIN harus 4 sampai 6 angka"))
            return
        self.clear_message()
        self.submitted.emit(self._digits)

    def set_busy(self, busy: bool) -> None:
        """Ignore keys and typing while a PIN check runs (and say so)."""
        self._busy = busy
        for button in self.buttons.values():
            button.setEnabled(not busy)
        if busy:
            self._set_message(tr("Memeriksa PIN…"), error=False)
        elif self.message.text() == tr("Memeriksa PIN…"):
            self.clear_message()

    def show_error(self, text: str) -> None:
        self._set_message(text, error=True)

    def clear_message(self) -> None:
        self._set_message("", error=False)

    def error_text(self) -> str:
        """The error under the pad ("" when none, or only "Memeriksa PIN…")."""
        return self.message.text() if self.message.property("error") else ""

    def _set_message(self, text: str, *, error: bool) -> None:
        self.message.setText(text)
        self.message.setProperty("error", error)
        _repolish(self.message)

    def _show(self) -> None:
        empty = not self._digits
        self.display.setText(tr("Ketik PIN") if empty else " ".join(_DOT * len(self._digits)))
        self.display.setProperty("empty", empty)
        _repolish(self.display)

    # ------------------------------------------------------------------ keyboard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.submit()  # accepted even when busy: Enter must not reach a dialog button
        elif key == Qt.Key.Key_Backspace:
            self.backspace()
        elif len(event.text()) == 1 and event.text() in _DIGITS:  # numpad digits too
            self.press(event.text())
        elif event.text().isprintable() and event.text() and not event.modifiers() & (
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier):
            pass  # a letter: ignored, and not passed on (it would be a dialog's mnemonic)
        else:
            super().keyPressEvent(event)  # Escape, Tab, shortcuts: the dialog's


def _repolish(widget: QWidget) -> None:
    """Apply property selectors (``[error="true"]``) after the property changed."""
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
