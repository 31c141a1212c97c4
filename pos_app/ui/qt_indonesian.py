"""Indonesian for the words Qt draws itself: the file dialog, standard buttons, edit menus.

Qt ships no Indonesian translation (no ``qtbase_id.qm``), so the "Pilih gambar…" file dialog
said "Look in / File name / Files of type / Open / Cancel" inside an Indonesian till (found by
a newcomer's walk through the first-run guide). :class:`QtIndonesian` is a QTranslator that
answers Qt's own ``tr()`` calls from the table below while the UI language is Indonesian, and
lets them fall through to Qt's English otherwise; a string missing here simply stays English.
Keys are (Qt's translation context, Qt's source text) exactly as Qt asks for them.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QTranslator

from pos_app.ui.i18n import language

_TABLE: dict[tuple[str, str], str] = {
    # the file dialog (QFileDialog's widgets and its model)
    ("QFileDialog", "&Look in:"): "&Cari di:",
    ("QFileDialog", "File &name:"): "&Nama file:",
    ("QFileDialog", "Files of &type:"): "&Jenis file:",
    ("QFileDialog", "Directory:"): "Folder:",
    ("QFileDialog", "&Open"): "&Buka",
    ("QFileDialog", "&Save"): "&Simpan",
    ("QFileDialog", "&Choose"): "&Pilih",
    ("QFileDialog", "Open"): "Buka",
    ("QFileDialog", "Save As"): "Simpan sebagai",
    ("QFileDialog", "Find Directory"): "Cari folder",
    ("QFileDialog", "All Files (*)"): "Semua file (*)",
    ("QFileDialog", "Back"): "Kembali",
    ("QFileDialog", "Forward"): "Maju",
    ("QFileDialog", "Parent Directory"): "Folder di atasnya",
    ("QFileDialog", "Go back"): "Kembali",
    ("QFileDialog", "Go forward"): "Maju",
    ("QFileDialog", "Go to the parent directory"): "Ke folder di atasnya",
    ("QFileDialog", "Create New Folder"): "Buat folder baru",
    ("QFileDialog", "Create a New Folder"): "Buat folder baru",
    ("QFileDialog", "New Folder"): "Folder baru",
    ("QFileDialog", "&New Folder"): "Folder &baru",
    ("QFileDialog", "List View"): "Daftar",
    ("QFileDialog", "Detail View"): "Rincian",
    ("QFileDialog", "Change to list view mode"): "Tampilkan sebagai daftar",
    ("QFileDialog", "Change to detail view mode"): "Tampilkan rincian",
    ("QFileDialog", "Sidebar"): "Panel samping",
    ("QFileDialog", "List of places and bookmarks"): "Daftar tempat dan penanda",
    ("QFileDialog", "Files"): "File",
    ("QFileDialog", "Recent Places"): "Tempat terakhir",
    ("QFileDialog", "My Computer"): "Komputer",
    ("QFileDialog", "&Rename"): "&Ganti nama",
    ("QFileDialog", "&Delete"): "&Hapus",
    ("QFileDialog", "Show &hidden files"): "Tampilkan file &tersembunyi",
    ("QFileDialog", "%1 already exists.\nDo you want to replace it?"):
        "%1 sudah ada.\nTimpa file itu?",
    ("QFileDialog", "%1\nFile not found.\nPlease verify the correct file name was given."):
        "%1\nFile tidak ditemukan.\nPeriksa lagi nama file-nya.",
    ("QFileDialog",
     "%1\nDirectory not found.\nPlease verify the correct directory name was given."):
        "%1\nFolder tidak ditemukan.\nPeriksa lagi nama folder-nya.",
    ("QFileDialog", "Are you sure you want to delete '%1'?"): "Yakin hapus '%1'?",
    ("QFileDialog", "Could not delete directory."): "Folder tidak bisa dihapus.",
    ("QFileSystemModel", "Name"): "Nama",
    ("QFileSystemModel", "Size"): "Ukuran",
    ("QFileSystemModel", "Type"): "Jenis",
    ("QFileSystemModel", "Kind"): "Jenis",
    ("QFileSystemModel", "Date Modified"): "Diubah",
    ("QFileSystemModel", "Computer"): "Komputer",
    ("QFileSystemModel", "My Computer"): "Komputer",
    ("QAbstractFileIconProvider", "Folder"): "Folder",
    ("QAbstractFileIconProvider", "Drive"): "Drive",
    # standard buttons (message boxes, button boxes, the file dialog's Cancel)
    ("QPlatformTheme", "OK"): "OK",
    ("QPlatformTheme", "Cancel"): "Batal",
    ("QPlatformTheme", "Open"): "Buka",
    ("QPlatformTheme", "Save"): "Simpan",
    ("QPlatformTheme", "Close"): "Tutup",
    ("QPlatformTheme", "Apply"): "Terapkan",
    ("QPlatformTheme", "Reset"): "Atur ulang",
    ("QPlatformTheme", "Discard"): "Buang",
    ("QPlatformTheme", "Retry"): "Coba lagi",
    ("QPlatformTheme", "Ignore"): "Abaikan",
    ("QPlatformTheme", "Abort"): "Hentikan",
    ("QPlatformTheme", "Help"): "Bantuan",
    ("QPlatformTheme", "&Yes"): "&Ya",
    ("QPlatformTheme", "&No"): "&Tidak",
    ("QPlatformTheme", "Yes to &All"): "Ya untuk &semua",
    ("QPlatformTheme", "N&o to All"): "T&idak untuk semua",
    ("QPlatformTheme", "Restore Defaults"): "Kembalikan bawaan",
    # the right-click menu of text fields
    **{(context, source): text
       for context in ("QLineEdit", "QWidgetTextControl")
       for source, text in (("&Undo", "&Urungkan"), ("&Redo", "&Ulangi"), ("Cu&t", "Po&tong"),
                            ("&Copy", "&Salin"), ("&Paste", "&Tempel"), ("Delete", "Hapus"),
                            ("Select All", "Pilih semua"))},
}


class QtIndonesian(QTranslator):
    """Qt's own words in Indonesian while ``language() == "id"``."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        if language() != "id":
            return None  # Qt's English
        return _TABLE.get((context, source))

    def isEmpty(self) -> bool:  # Qt skips a translator that says it is empty
        return False


_installed: QtIndonesian | None = None


def install() -> None:
    """Install the translator on the running application (once)."""
    global _installed
    app = QCoreApplication.instance()
    if app is None or _installed is not None:
        return
    _installed = QtIndonesian()
    app.installTranslator(_installed)
