"""The building blocks of the Settings pages: a :class:`Field` per key, the :class:`Form` that
holds every field of the dialog, and the :class:`Page` every tab derives from.

A page builds its rows with :meth:`Page.add` (label | editor, hint, red error) from an
:class:`Editor` (the widget, how to read its text, how to show a stored value, its "changed"
signal). The base class then does what every page needs the same way:

* ``load()`` shows the stored values (a secret never: its field stays empty and the placeholder
  says whether one is stored),
* ``validate(errors)`` parses every field with ``Key.value_of`` and returns the changed keys,
* ``save(changes, written)`` writes them.

A field counts as changed when its text differs from what was loaded *and* its parsed value
differs from the stored one ("11,0" vs "11" is no change); a typed secret always counts, an
empty one means "keep the stored one".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_app.settings import KEYS, Settings, SettingsError
from pos_app.settings_rules import FormValues, value_error
from pos_app.ui.i18n import register, tr
from pos_app.ui.tasks import TaskManager

if TYPE_CHECKING:
    from pos_app.ui.login_dialog import LoginDialog

register({
    "(tersimpan — kosongkan untuk tetap)": "(stored — leave empty to keep)",
    "(belum diisi)": "(not set)",
    "{value} (tidak valid)": "{value} (invalid)",
    "Tidak valid: {detail}": "Invalid: {detail}",
    "Wajib diisi": "Required",
})

MIN_HEIGHT = 40  # touch target for inputs and buttons (app.qss asks 44 for buttons)
COMBO_WIDTH = 420  # wide enough for the longest choice, not a full-width bar
FULL_WIDTH = 16777215  # QWIDGETSIZE_MAX: no maximum width set
ERROR_STYLE = "color: #b00020;"
WARNING_STYLE = "color: #8a4b00;"
HINT_STYLE = "color: #555555;"
OK_STYLE = "color: #1b7f3b;"


class _Invalid:
    """Marks a stored value that doesn't parse (a bad hand edit of config.toml)."""

    def __repr__(self) -> str:
        return "<invalid>"


INVALID: Any = _Invalid()


class _Secret:
    """``Field.current`` of a secret: the dialog never holds the stored value."""

    def __repr__(self) -> str:
        return "<secret>"


SECRET: Any = _Secret()


class Editor(NamedTuple):
    """An input widget and how the form talks to it."""

    widget: QWidget
    read: Callable[[], str]  # the text to parse, as typed
    write: Callable[[Any, str], None]  # show a stored (value, text); value may be INVALID
    changed: SignalInstance


@dataclass(eq=False)
class Field:
    """One key's editor, how to read its text, and where its error goes."""

    key: str
    label: str
    tab: str
    editor: QWidget
    row: QWidget  # the form row's field widget (editor, hint, error), for hiding the row
    read: Callable[[], str]
    write: Callable[[Any, str], None]
    error: QLabel
    initial: str = ""
    current: Any = field(default=INVALID)
    group: str = ""  # the provider box the field is in ("" outside boxes)


@dataclass(eq=False)
class Services:
    """What the dialog lends its pages besides the settings: the worker threads, the
    provider factories the tests replace, and where a login reports what it stored."""

    parent: QWidget  # parent of the dialogs a page opens (a login)
    tasks: Callable[[], TaskManager]
    alive: Callable[[], bool]  # False once the dialog closed: late answers are dropped
    logged_in: Callable[[list[str]], None]  # a login wrote these keys
    provider_factory: Callable[[str, Mapping[str, Any]], Any]
    flow_factory: Callable[[str, Mapping[str, Any]], Any]
    activate_fn: Callable[[str, str, str], Any] | None = None
    screens_count: int = 1
    provider_states: dict[str, str] = field(default_factory=dict)
    last_login: LoginDialog | None = None


class Form:
    """Every field of the dialog by key, in form order, and the settings they edit."""

    def __init__(self, settings: Settings, services: Services,
                 relayout: Callable[[QWidget], None]) -> None:
        self.settings = settings
        self.services = services
        self.fields: dict[str, Field] = {}
        self.relayout = relayout
        """Lay out again the page holding a widget whose content changed (see the dialog)."""

    def stored(self, key: str) -> tuple[Any, str]:
        """(typed value or INVALID, text to show) for ``key``."""
        k = KEYS[key]
        try:
            value = self.settings.get(key)
        except SettingsError:
            try:
                raw = self.settings.get_raw(key)
            except SettingsError:  # e.g. a table where a value should be
                raw = None
            return INVALID, raw or ""
        return value, k.to_text(value)

    def secret_stored(self, key: str) -> bool:
        try:
            return self.settings.is_set(key)
        except SettingsError:
            return False

    def load(self, f: Field) -> None:
        """Show the stored value of ``f``; what it shows now counts as unchanged."""
        if KEYS[f.key].secret:
            # Never read a secret into the dialog: it is only ever replaced.
            f.write(SECRET, "")
            f.current = SECRET
        else:
            f.current, text = self.stored(f.key)
            f.write(f.current, text)
        f.initial = f.read()

    def values(self) -> FormValues:
        """The form as the Qt-free rules see it (:mod:`pos_app.settings_rules`): every field's
        text, the stored text of keys without a field, and whether a secret is stored."""
        texts: dict[str, str] = {}
        for key, k in KEYS.items():
            if key in self.fields:
                texts[key] = self.fields[key].read()
            elif not k.secret:
                try:
                    raw = self.settings.get_raw(key)
                except SettingsError:
                    raw = None
                if raw is not None:
                    texts[key] = raw
        return FormValues(texts, self.secret_stored)

    def show_error(self, key: str, message: str) -> None:
        label = self.fields[key].error
        label.setText(message)
        label.show()

    def clear_error(self, key: str) -> None:
        label = self.fields[key].error
        label.clear()
        label.hide()

    # ------------------------------------------------------------------ editors

    def line(self, *, clear_button: bool = True, max_width: int = FULL_WIDTH) -> Editor:
        edit = QLineEdit()
        edit.setClearButtonEnabled(clear_button)
        edit.setMaximumWidth(max_width)
        return Editor(edit, edit.text, lambda _value, text: edit.setText(text), edit.textChanged)

    def secret(self, key: str) -> Editor:
        """An empty password field; the placeholder tells whether a secret is stored."""
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setMaximumWidth(COMBO_WIDTH)

        def write(_value: Any, _text: str) -> None:
            edit.clear()
            edit.setPlaceholderText(tr("(tersimpan — kosongkan untuk tetap)")
                                    if self.secret_stored(key) else tr("(belum diisi)"))

        return Editor(edit, edit.text, write, edit.textChanged)

    def combo(self, items: Iterable[tuple[str, str]]) -> Editor:
        """A choice combo (item data = stored text); a stored value not in ``items`` is added
        when shown, so that saving other fields keeps it."""
        combo = QComboBox()
        combo.setMaximumWidth(COMBO_WIDTH)
        for value, label in items:
            combo.addItem(label, value)
        return Editor(combo, lambda: str(combo.currentData()),
                      lambda value, text: select(combo, value, text),
                      combo.currentIndexChanged)

    def switch(self, text: str) -> Editor:
        """A check box for an on/off key (``kind == "switch"``), read as "on" / "off".

        A stored value that doesn't parse can't be shown as ticked or not: the box is shown
        partly ticked and reads back the stored text, so saving other fields keeps it (as a
        combo keeps its extra item). The first tap makes it a plain on/off box again."""
        box = QCheckBox(text)
        stored = [""]  # the unparsed stored text, read while the box is partly ticked
        partly = Qt.CheckState.PartiallyChecked

        def read() -> str:
            if box.checkState() == partly:
                return stored[0]
            return "on" if box.isChecked() else "off"

        def write(value: Any, text: str) -> None:
            invalid = value is INVALID
            stored[0] = text
            box.setTristate(invalid)
            box.setCheckState(partly if invalid else
                              Qt.CheckState.Checked if value else Qt.CheckState.Unchecked)
            box.setToolTip(tr("{value} (tidak valid)", value=text) if invalid else "")

        def tapped(state: Qt.CheckState) -> None:
            if box.isTristate() and state != partly:
                box.setTristate(False)  # a tap never goes back to "invalid"
                box.setToolTip("")

        box.checkStateChanged.connect(tapped)
        return Editor(box, read, write, box.checkStateChanged)


def select(combo: QComboBox, value: Any, text: str) -> None:
    """Choose the item whose data is ``text``, adding it (marked when invalid) if missing."""
    index = combo.findData(text)
    if index < 0:
        shown = text if value is not INVALID else tr("{value} (tidak valid)", value=text)
        combo.addItem(shown, text)
        index = combo.count() - 1
    combo.setCurrentIndex(index)


def configure_form(form: QFormLayout) -> None:
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    # Every row spans the width, so wrapped hints get a stable width; narrow editors
    # (combos, numbers) are capped in Page.add instead.
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    form.setVerticalSpacing(14)
    form.setHorizontalSpacing(16)


def hint_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return label


class SaveFailed(Exception):
    """Writing ``key`` failed; ``detail`` is the English reason without the key."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(f"{key}: {detail}")
        self.key, self.detail = key, detail


class Page:
    """One tab of the dialog. Subclasses set :attr:`title` and build their rows in
    :meth:`build`; they may add rules to :meth:`validate` and reactions to :meth:`load`."""

    title: ClassVar[str] = ""  # untranslated; tr() is applied when the tab is made
    written_last: ClassVar[tuple[str, ...]] = ()  # keys saved after the page's others

    def __init__(self, form: Form) -> None:
        self.form = form
        self.tab = tr(self.title)
        self.fields: dict[str, Field] = {}

    def build(self, layout: QFormLayout) -> None:
        raise NotImplementedError

    def add(self, layout: QFormLayout, key: str, label: str, editor: Editor, *,
            hint: str = "", inline: QWidget | None = None, extra: QWidget | None = None,
            group: str = "") -> Field:
        """One row: label | editor (+ ``inline`` beside it), hint, ``extra``, red error."""
        widget = editor.widget
        widget.setObjectName(key)
        widget.setMinimumHeight(max(widget.minimumHeight(), MIN_HEIGHT))
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(widget, 1)
        if inline is not None:
            row.addWidget(inline)
        if widget.maximumWidth() < FULL_WIDTH:
            row.addStretch(1)  # keep a capped editor (and its inline label) on the left
        column.addLayout(row)
        if hint:
            column.addWidget(hint_label(hint))
        if extra is not None:
            column.addWidget(extra)
        error = QLabel()
        error.setObjectName(f"{key}.error")
        error.setWordWrap(True)
        error.setTextFormat(Qt.TextFormat.PlainText)  # the message may quote user input
        error.setStyleSheet(ERROR_STYLE)
        error.hide()
        column.addWidget(error)
        row_label = QLabel(label)
        row_label.setBuddy(widget)
        row_label.setMinimumHeight(MIN_HEIGHT)  # align with the editor's first line
        layout.addRow(row_label, box)
        f = Field(key, label, self.tab, widget, box, editor.read, editor.write, error,
                  group=group)
        self.fields[key] = self.form.fields[key] = f
        # Editing a field clears its old error: the red text described the previous value.
        editor.changed.connect(lambda *_: self.form.clear_error(key))
        return f

    def load(self) -> None:
        """Show the stored values."""
        for f in self.fields.values():
            self.form.load(f)

    def invalid_message(self, key: str, detail: str) -> str:
        """The error under a field whose text doesn't parse."""
        return tr("Tidak valid: {detail}", detail=detail)

    def validate(self, errors: dict[str, str]) -> dict[str, str]:
        """The changed keys and their text; adds key -> message to ``errors`` for bad ones.
        Nothing is written here."""
        changes: dict[str, str] = {}
        for key, f in self.fields.items():
            text = f.read()
            if KEYS[key].secret:
                if not text.strip():
                    continue  # empty: keep the stored secret
                # The messages of secrets never quote the value.
                detail = value_error(key, text)
                if detail is not None:
                    errors[key] = self.invalid_message(key, detail)
                else:
                    changes[key] = text
                continue
            if text == f.initial:
                continue
            detail = value_error(key, text)
            if detail is not None:
                errors[key] = self.invalid_message(key, detail)
            elif f.current is INVALID or KEYS[key].value_of(text) != f.current:
                changes[key] = text
        return changes

    def save(self, changes: Mapping[str, str], written: list[str]) -> None:
        """Write ``changes`` (this page's keys), appending each written key to ``written``;
        :class:`SaveFailed` stops at the first key that can't be written."""
        for key in sorted(changes, key=lambda k: k in self.written_last):
            try:
                self.form.settings.set(key, changes[key])
            except SettingsError as exc:
                raise SaveFailed(key, str(exc).removeprefix(f"{key}: ")) from exc
            written.append(key)
            f = self.fields[key]
            if KEYS[key].secret:
                # Stored: the typed text leaves the widget (and a retry won't write it again).
                self.form.load(f)
                continue
            # Written: a retry after a later key's failure must not count it again.
            f.initial, f.current = f.read(), KEYS[key].value_of(changes[key])


def action_row(layout: QFormLayout, buttons: Sequence[tuple[QPushButton, Callable[[], object]]],
               status_name: str) -> QLabel:
    """A page's row of action buttons (touch height; Enter in a field still means Simpan)
    and the status line under it, which is returned."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for button, slot in buttons:
        button.setMinimumHeight(MIN_HEIGHT)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        row.addWidget(button)
    row.addStretch(1)
    layout.addRow(box)
    status = QLabel()
    status.setObjectName(status_name)
    status.setWordWrap(True)
    layout.addRow(status)
    return status
