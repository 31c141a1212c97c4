"""Qt's own words (the file dialog, standard buttons) in Indonesian while the UI is."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLabel, QPushButton

from pos_app.ui import qt_indonesian
from pos_app.ui.i18n import language, set_language


@pytest.fixture
def lang(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    qt_indonesian.install()
    before = language()
    yield
    set_language(before)


def texts(dialog: QFileDialog) -> set[str]:
    return ({label.text() for label in dialog.findChildren(QLabel)}
            | {button.text() for button in dialog.findChildren(QPushButton)})


def open_dialog(qtbot) -> QFileDialog:  # type: ignore[no-untyped-def]
    dialog = QFileDialog(None, "Pilih gambar", "/tmp", "Gambar (*.png)")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_file_dialog_speaks_indonesian(qtbot, lang: None) -> None:  # type: ignore[no-untyped-def]
    set_language("id")
    shown = texts(open_dialog(qtbot))
    assert {"&Cari di:", "&Nama file:", "&Jenis file:", "&Buka", "Batal"} <= shown, shown
    assert not {"&Look in:", "File &name:", "Cancel"} & shown


def test_english_stays_qt_english(qtbot, lang: None) -> None:  # type: ignore[no-untyped-def]
    set_language("en")
    shown = texts(open_dialog(qtbot))
    assert {"&Look in:", "File &name:", "Cancel"} <= shown, shown


def test_standard_buttons(qtbot, lang: None) -> None:  # type: ignore[no-untyped-def]
    set_language("id")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Yes
                           | QDialogButtonBox.StandardButton.No)
    qtbot.addWidget(box)
    assert [b.text() for b in box.buttons()] == ["&Ya", "&Tidak"]
