"""Where a file dialog opens, and the folders it offers on its side.

A shop owner's QRIS picture or price list is where their phone or browser put it: Downloads
(WhatsApp Web, the bank's e-mail), Pictures, the Desktop, or a USB stick. A newcomer's walk
found the dialog opening in an empty home folder with only "Komputer" on its side and the
columns cut off. :func:`start_folder` picks the first of those that exists; :func:`offer_places`
puts them (and mounted USB sticks) on the side and gives the dialog room on a 1366x768 screen.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtWidgets import QFileDialog, QWidget

_L = QStandardPaths.StandardLocation
#: the order a file is looked for: where downloads and pictures land first
_PLACES = (_L.DownloadLocation, _L.PicturesLocation, _L.DesktopLocation,
           _L.DocumentsLocation, _L.HomeLocation)
#: a dialog that shows name, size, type and date without cutting them, within 1366x768
DIALOG_SIZE = (960, 600)


def _existing(location: QStandardPaths.StandardLocation) -> Path | None:
    path = QStandardPaths.writableLocation(location)
    return Path(path) if path and Path(path).is_dir() else None


def start_folder(kind: QStandardPaths.StandardLocation = _L.DownloadLocation) -> str:
    """``kind`` (Downloads by default) if it exists, else the first folder of the usual places
    that does, else the home folder."""
    for location in (kind, *_PLACES):
        found = _existing(location)
        if found is not None:
            return str(found)
    return str(Path.home())


def _usb_sticks() -> list[Path]:
    """Mounted removable media (udisks mounts them under /media/<user> or /run/media/<user>)."""
    user = getpass.getuser()
    roots = [Path("/media") / user, Path("/run/media") / user]
    sticks: list[Path] = []
    for root in roots:
        try:
            sticks += sorted(p for p in root.iterdir() if p.is_dir())
        except OSError:
            continue
    return sticks


def offer_places(dialog: QFileDialog) -> None:
    """The usual folders and USB sticks on the dialog's side, and room for its columns."""
    seen: list[Path] = []
    for location in _PLACES:
        found = _existing(location)
        if found is not None and found not in seen:
            seen.append(found)
    seen += _usb_sticks()
    dialog.setSidebarUrls([QUrl.fromLocalFile(str(p)) for p in seen])
    dialog.resize(*DIALOG_SIZE)


def open_file(parent: QWidget | None, title: str, folder: str, name_filter: str,
              chosen: Callable[[Path], None], closed: Callable[[], None]) -> QFileDialog:
    """An "open one file" dialog, window-modal and not blocking (``open()``): ``chosen`` gets
    the file, ``closed`` runs however it ends; it deletes itself after."""
    dialog = QFileDialog(parent, title, folder, name_filter)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.fileSelected.connect(lambda path: chosen(Path(path)))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.finished.connect(lambda _result: closed())
    dialog.open()
    return dialog
