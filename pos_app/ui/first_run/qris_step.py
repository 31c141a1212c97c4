"""Step 3, *QRIS toko*: the shop's static QRIS, read from a picture, pasted, or typed.

Shops have their QRIS as a sticker, a screenshot from the bank's app or a PDF the bank
emailed, almost never as the ``000201…`` text. So the step reads it from a picture first:

* **"Pilih gambar…"** opens a file dialog (PNG, JPEG, PDF) and **"Tempel"** takes what the
  clipboard holds: a picture (a screenshot), a copied picture *file*, or the text itself.
  Pictures are decoded by :func:`pos_app.qris_image.read_qris` /
  :func:`~pos_app.qris_image.read_qris_image` on the reader thread (up to ~1.5 s for a bad
  photo), imported there on first use: the till doesn't load zxing-cpp or Pillow until a
  picture comes. A clipboard picture is put on white paper and handed over as grey pixels.
* **What it says is shown before anything is saved**: the payload goes into the text box,
  and the Settings dialog's :class:`~pos_app.ui.settings.qris_preview.QrisPreview` under it
  shows the merchant name, city, NMID, acquirer, static/dynamic and the tip/fee tags. Above
  the preview the step warns, in plain Indonesian, about what would make the money go wrong:
  a *dynamic* QRIS (it carries an amount: a receipt's QR, not the sticker), one from *another
  country* (tag 58 not ``ID``), or a wrong *CRC* (changed or cut off while copied). A dynamic
  one can still be saved (the registry accepts it, as in *Pengaturan*); the other two can't.
* A picture that can't be read keeps the text box as it was and says why with the reader's
  own Indonesian message (``message_id``): no QR code, a QR code that is not a QRIS, a broken
  QRIS, a file that is not a picture.
* **Saving** is *Lanjut*: the field is ``payment.static_qris`` on a settings
  :class:`~pos_app.ui.settings.form.Page`, validated and written through the registry like
  every form step; left empty, the step is skipped (a gateway shop may have no sticker). The
  same key is on *Pengaturan › Pembayaran* (the "QRIS statis toko" box).
* **No webcam.** QtMultimedia would need camera permissions, a live preview and a frame loop
  for a rare case (a sticker with no photo of it on any phone); a phone photo sent to the PC
  or a screenshot pasted does the same. ``read_qris_image`` takes frames, should it come.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QFileInfo, Qt
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QImage, QPainter, QTextOption
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pos_app import qris
from pos_app.money import format_rupiah
from pos_app.ui.file_places import offer_places, open_file, start_folder
from pos_app.ui.first_run.steps import FormStep
from pos_app.ui.i18n import register, tr
from pos_app.ui.settings.form import (
    ERROR_STYLE,
    HINT_STYLE,
    MIN_HEIGHT,
    OK_STYLE,
    WARNING_STYLE,
    Editor,
    Page,
)
from pos_app.ui.settings.payment import INVALID_MESSAGES, STATIC_QRIS_KEY
from pos_app.ui.settings.qris_preview import QrisPreview

if TYPE_CHECKING:
    from pos_app.qris_image import QrisRead

__all__ = ["QrisPage", "QrisStep", "qris_warnings"]

log = logging.getLogger(__name__)

register({
    "QRIS toko": "Shop's QRIS",
    "QRIS dari stiker toko. Ambil dari foto atau tangkapan layar, atau tempel teksnya. Lihat "
    "dulu nama merchant-nya sebelum disimpan.":
        "The QRIS from the shop's sticker. Take it from a photo or a screenshot, or paste its "
        "text. Check the merchant name before it is saved.",
    "Pilih gambar…": "Choose picture…",
    "Tempel": "Paste",
    "Pilih gambar QRIS": "Choose the QRIS picture",
    "Gambar atau PDF (*.png *.jpg *.jpeg *.pdf)": "Pictures or PDF (*.png *.jpg *.jpeg *.pdf)",
    "Foto stiker, tangkapan layar dari aplikasi bank, atau PDF dari bank.":
        "A photo of the sticker, a screenshot from the bank's app, or the bank's PDF.",
    "Isi QRIS": "QRIS payload",
    "Terisi sendiri dari gambar; atau tempel teks yang diawali 000201.":
        "Filled in from the picture; or paste the text starting with 000201.",
    "Membaca gambar…": "Reading the picture…",
    "QRIS terbaca dari {source}.": "QRIS read from {source}.",
    "Ada {count} QRIS berbeda di {source} ({names}). Pakai gambar yang hanya berisi QRIS toko "
    "Anda.": "{source} holds {count} different QRIS ({names}). Use a picture with only the "
             "shop's own QRIS.",
    "gambar yang ditempel": "the pasted picture",
    "Teks dari papan klip ditempel.": "Text pasted from the clipboard.",
    "Papan klip kosong: salin dulu gambar QRIS atau teks 000201….":
        "The clipboard is empty: copy the QRIS picture or the 000201… text first.",
    "Gambar tidak bisa dibaca: {error}": "The picture can't be read: {error}",
    "Membaca gambar belum bisa di komputer ini: tempel teks QRIS-nya.":
        "Pictures can't be read on this computer: paste the QRIS text.",
    "Lewati langkah ini": "Skip this step",
    "QRIS ini dinamis (berisi nominal {amount}): QR untuk satu pembayaran, mungkin dari "
    "struk. Pakai QRIS statis dari stiker toko.":
        "This QRIS is dynamic (it carries an amount of {amount}): a QR for one payment, "
        "maybe from a receipt. Use the static QRIS from the shop's sticker.",
    "Kota di QRIS ({city}) berbeda dengan alamat toko ({address}). QRIS mencatat kota "
    "pendaftaran merchant; pastikan ini QRIS toko Anda sendiri.":
        "The city in this QRIS ({city}) differs from the shop's address ({address}). A QRIS "
        "carries the city the merchant registered in; make sure it is your own shop's QRIS.",
    "Nama merchant di QRIS ({merchant}) tidak mirip nama toko ({store}). Pastikan ini QRIS "
    "toko Anda sendiri: uang masuk ke pemilik QRIS ini.":
        "The merchant name in this QRIS ({merchant}) doesn't look like the shop's name "
        "({store}). Make sure it is your own shop's QRIS: the money goes to its owner.",
    "QRIS ini dinamis: QR untuk satu pembayaran, mungkin dari struk. Pakai QRIS statis dari "
    "stiker toko.":
        "This QRIS is dynamic: a QR for one payment, maybe from a receipt. Use the static "
        "QRIS from the shop's sticker.",
    "QRIS ini dari negara lain (kode negara {country}), bukan QRIS Indonesia: tidak bisa "
    "dipakai.":
        "This QRIS is from another country (country code {country}), not an Indonesian "
        "QRIS: it can't be used.",
    "QRIS ini tidak menyebut negaranya (tag 58): tidak bisa dipakai.":
        "This QRIS doesn't name its country (tag 58): it can't be used.",
    "Kode pemeriksa (CRC) QRIS ini salah: isinya berubah atau terpotong saat disalin. Baca "
    "ulang dari gambar, atau salin lagi seluruhnya.":
        "This QRIS's check code (CRC) is wrong: it was changed or cut off while copied. Read "
        "it again from the picture, or copy all of it again.",
    # pos_app.qris_image's messages (message_id), shown through tr()
    "Kode QR terlihat tapi tidak terbaca — foto lebih dekat, jangan goyang, dan pastikan "
    "terang":
        "A QR code is there but can't be read — take the photo closer, hold still, and make "
        "sure it is bright",
    "Tidak ada kode QR di gambar ini — foto lebih dekat dan terang":
        "There is no QR code in this picture — take the photo closer and brighter",
    "Kode QR ini bukan QRIS — foto stiker QRIS toko (ada tulisan QRIS di atasnya)":
        "This QR code is not a QRIS — photograph the shop's QRIS sticker (it says QRIS on "
        "top)",
    "QRIS ini rusak: kode pemeriksanya (CRC) tidak cocok — minta QRIS baru dari bank atau "
    "penyedia QRIS":
        "This QRIS is damaged: its check code (CRC) doesn't match — ask the bank or QRIS "
        "provider for a new one",
    "QRIS ini tidak sah atau rusak — minta QRIS baru dari bank atau penyedia QRIS":
        "This QRIS is invalid or damaged — ask the bank or QRIS provider for a new one",
    "Berkas tidak ditemukan": "File not found",
    "Berkas tidak bisa dibuka (tidak ada izin)": "The file can't be opened (no permission)",
    "Berkas tidak bisa dibaca": "The file can't be read",
    "Berkasnya kosong": "The file is empty",
    "Gambarnya kosong": "The picture is empty",
    "Ini folder, bukan berkas gambar": "This is a folder, not a picture file",
    "Berkasnya terlalu besar — kirim foto atau tangkapan layar QRIS saja":
        "The file is too large — send just a photo or screenshot of the QRIS",
    "Gambarnya terlalu besar — kirim foto atau tangkapan layar QRIS saja":
        "The picture is too large — send just a photo or screenshot of the QRIS",
    "Foto HEIC belum bisa dibaca — simpan sebagai JPEG atau kirim tangkapan layarnya":
        "HEIC photos can't be read yet — save it as JPEG or send a screenshot",
    "Berkas ini bukan gambar (PNG/JPEG) atau PDF": "This file is not a picture (PNG/JPEG) or PDF",
    "Gambarnya rusak atau tidak lengkap — ambil atau unduh ulang":
        "The picture is damaged or incomplete — take or download it again",
    "PDF tidak bisa dibaca di komputer ini — kirim tangkapan layar QRIS-nya":
        "PDFs can't be read on this computer — send a screenshot of the QRIS",
    "PDF ini dikunci kata sandi — buka di ponsel lalu kirim tangkapan layar QRIS-nya":
        "This PDF is password-protected — open it on a phone and send a screenshot of the QRIS",
    "PDF ini rusak atau tidak bisa dibaca": "This PDF is damaged or can't be read",
})


def _top_level(text: str) -> dict[str, str]:
    """The top-level fields of a payload that may be broken, as far as they can be read
    (for a warning only; :func:`pos_app.qris.parse` is the real parser)."""
    fields: dict[str, str] = {}
    pos = 0
    while pos + 4 <= len(text) and text[pos + 2:pos + 4].isdigit():
        length = int(text[pos + 2:pos + 4])
        fields.setdefault(text[pos:pos + 2], text[pos + 4:pos + 4 + length])
        pos += 4 + length
    return fields


#: words that say what kind of shop it is, not whose: "Warung Bu Sari" and "WARUNG BU SRI"
#: share "warung bu" and are still two shops
_GENERIC_WORDS = frozenset({
    "warung", "toko", "kedai", "kios", "depot", "rumah", "makan", "bu", "ibu", "pak", "bapak",
    "mas", "mbak", "kak", "cv", "pt", "ud", "tbk", "store", "shop", "mart", "cafe", "kafe",
    "kopi", "the", "and", "dan", "of", "official", "indonesia", "jaya", "abadi", "makmur",
})


def _name_words(name: str) -> set[str]:
    words = "".join(c if c.isalnum() else " " for c in name.casefold()).split()
    return {w for w in words if len(w) >= 3 and w not in _GENERIC_WORDS}


def names_differ(store_name: str, merchant_name: str) -> bool:
    """True when the shop's name and the QRIS merchant's name share no telling word: the
    owner may be holding someone else's QRIS (a neighbour's sticker, a supplier's invoice).
    Only a hint: a merchant name is often a legal or shortened name."""
    ours, theirs = _name_words(store_name), _name_words(merchant_name)
    if not ours or not theirs:
        return False  # nothing telling to compare ("Toko", "Warung Bu")
    return not any(a == b or (len(a) >= 4 and len(b) >= 4 and (a in b or b in a))
                   for a in ours for b in theirs)


def cities_differ(store_address: str, qris_city: str) -> bool:
    """True when the address ends in a town ("Jl. Melati 3, Makassar") that the QRIS's city
    (its merchant's registered city) doesn't mention. An address without a comma names no
    town we can pick out: no hint then."""
    if "," not in store_address:
        return False
    town = store_address.rsplit(",", 1)[1]
    return names_differ(town, qris_city)


def qris_warnings(text: str, store_name: str = "",
                  store_address: str = "") -> list[tuple[str, bool]]:
    """What the owner must know about a payload before saving it: (sentence, blocks saving).
    A dynamic QRIS, or one whose merchant name looks like another shop's, is warned about; one
    from another country or with a wrong CRC can't be saved. [] for an empty text or a good
    static QRIS (the preview says the rest)."""
    if not text:
        return []
    try:
        payload = qris.parse(text)
    except qris.InvalidQris as exc:
        if exc.tag == "58":
            country = _top_level(text).get("58")
            if country:
                return [(tr("QRIS ini dari negara lain (kode negara {country}), bukan QRIS "
                            "Indonesia: tidak bisa dipakai.", country=country), True)]
            return [(tr("QRIS ini tidak menyebut negaranya (tag 58): tidak bisa dipakai."),
                     True)]
        if exc.tag == "63" and "CRC mismatch" in exc.reason:
            return [(tr("Kode pemeriksa (CRC) QRIS ini salah: isinya berubah atau terpotong "
                        "saat disalin. Baca ulang dari gambar, atau salin lagi seluruhnya."),
                     True)]
        return []  # the preview says what is wrong
    if payload.is_dynamic:
        amount = payload.amount
        if amount is not None:
            return [(tr("QRIS ini dinamis (berisi nominal {amount}): QR untuk satu pembayaran, "
                        "mungkin dari struk. Pakai QRIS statis dari stiker toko.",
                        amount=format_rupiah(amount)), False)]
        return [(tr("QRIS ini dinamis: QR untuk satu pembayaran, mungkin dari struk. Pakai "
                    "QRIS statis dari stiker toko."), False)]
    merchant = payload.merchant
    if store_name and names_differ(store_name, merchant.name):
        return [(tr("Nama merchant di QRIS ({merchant}) tidak mirip nama toko ({store}). "
                    "Pastikan ini QRIS toko Anda sendiri: uang masuk ke pemilik QRIS ini.",
                    merchant=merchant.name, store=store_name), False)]
    if merchant.city and cities_differ(store_address, merchant.city):
        return [(tr("Kota di QRIS ({city}) berbeda dengan alamat toko ({address}). QRIS "
                    "mencatat kota pendaftaran merchant; pastikan ini QRIS toko Anda sendiri.",
                    city=merchant.city, address=store_address.strip()), False)]
    return []


class QrisPage(Page):
    """``payment.static_qris`` alone: the text box, the warnings and the preview under it."""

    title = "QRIS toko"

    def build(self, layout: QFormLayout) -> None:
        self.preview = QrisPreview()
        self.warnings = QLabel(objectName="qrisWarnings")
        self.warnings.setWordWrap(True)
        self.warnings.setTextFormat(Qt.TextFormat.PlainText)
        self.warnings.hide()
        extra = QWidget()
        column = QVBoxLayout(extra)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.warnings)
        column.addWidget(self.preview)
        box = QPlainTextEdit()
        box.setTabChangesFocus(True)  # Tab moves on, it doesn't go into the payload
        box.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        box.setWordWrapMode(QTextOption.WrapMode.WrapAnywhere)  # a payload has few spaces
        box.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        box.setFixedHeight(84)  # 3 lines: enough to see it's all there
        box.setPlaceholderText("000201…")
        box.textChanged.connect(self.show_payload)
        self.box = box
        self.add(layout, STATIC_QRIS_KEY, tr("Isi QRIS"),
                 Editor(box, lambda: qris.strip_pasted(box.toPlainText()),
                        lambda _value, text: box.setPlainText(text), box.textChanged),
                 hint=tr("Terisi sendiri dari gambar; atau tempel teks yang diawali 000201."),
                 extra=extra)

    def load(self) -> None:
        super().load()
        self.show_payload()

    def text(self) -> str:
        return self.fields[STATIC_QRIS_KEY].read()

    def show_payload(self) -> None:
        f = self.fields.get(STATIC_QRIS_KEY)
        if f is None:
            return
        text = f.read()
        self.preview.show_payload(text)
        settings = self.form.settings
        warnings = qris_warnings(text, str(settings.get("store.name") or ""),
                                 str(settings.get("store.address") or ""))
        self.warnings.setText("\n".join(line for line, _blocks in warnings))
        self.warnings.setStyleSheet(
            (ERROR_STYLE if any(blocks for _line, blocks in warnings) else WARNING_STYLE)
            + " font-weight: bold;")
        self.warnings.setVisible(bool(warnings))
        self.form.relayout(self.preview)

    def invalid_message(self, key: str, detail: str) -> str:
        # The warnings and the preview right above say what is wrong with it.
        return tr(INVALID_MESSAGES[STATIC_QRIS_KEY])


class QrisStep(FormStep):
    key = "qris"
    title = "QRIS toko"
    intro = ("QRIS dari stiker toko. Ambil dari foto atau tangkapan layar, atau tempel teksnya. "
             "Lihat dulu nama merchant-nya sebelum disimpan.")
    page_types = (QrisPage,)

    def build_top(self, column: QVBoxLayout) -> None:
        self._seq = 0  # bumped by every read: an older answer is dropped
        self._last_dir = ""  # the first time: where pictures usually are (file_places)
        self.file_dialog: QFileDialog | None = None
        self.pick_button = QPushButton(tr("Pilih gambar…"), objectName="qrisPickImage")
        self.paste_button = QPushButton(tr("Tempel"), objectName="qrisPaste")
        for button in (self.pick_button, self.paste_button):
            button.setMinimumHeight(MIN_HEIGHT)
            button.setMinimumWidth(170)
            button.setAutoDefault(False)
        self.pick_button.clicked.connect(self.pick_image)
        self.paste_button.clicked.connect(self.paste)
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedWidth(96)
        self.busy_bar.setMaximumHeight(12)
        self.busy_bar.hide()
        row = QHBoxLayout()
        row.addWidget(self.pick_button)
        row.addWidget(self.paste_button)
        row.addWidget(self.busy_bar)
        row.addStretch(1)
        column.addLayout(row)
        hint = QLabel(tr("Foto stiker, tangkapan layar dari aplikasi bank, atau PDF dari bank."))
        hint.setStyleSheet(HINT_STYLE)
        hint.setWordWrap(True)
        column.addWidget(hint)
        self.read_status = QLabel(objectName="qrisReadStatus")
        self.read_status.setWordWrap(True)
        self.read_status.setTextFormat(Qt.TextFormat.PlainText)  # may quote a file name
        self.read_status.hide()
        column.addWidget(self.read_status)

    def after_load(self) -> None:
        page = self.pages[0]
        assert isinstance(page, QrisPage)
        self.page = page
        page.box.textChanged.connect(self.changed.emit)

    # ------------------------------------------------------------------ reading pictures

    def pick_image(self) -> None:
        """Ask for a picture or PDF, then :meth:`read_file` it."""
        self.file_dialog = open_file(self.ctx.parent, tr("Pilih gambar QRIS"),
                                     self._last_dir or start_folder(),
                                     tr("Gambar atau PDF (*.png *.jpg *.jpeg *.pdf)"),
                                     self.read_file, lambda: setattr(self, "file_dialog", None))
        offer_places(self.file_dialog)

    def read_file(self, path: Path) -> None:
        """Read the QRIS in the picture or PDF at ``path`` (on the reader thread)."""
        path = Path(path)
        self._last_dir = str(path.parent)

        def job() -> QrisRead:
            from pos_app.qris_image import read_qris

            return read_qris(path)

        self._read(job, path.name)

    def read_image(self, image: QImage) -> None:
        """Read the QRIS in a picture (a pasted screenshot), on the reader thread."""
        image = QImage(image)  # a shallow copy of its own: the clipboard may change meanwhile

        def job() -> QrisRead:
            from PIL import Image

            from pos_app.qris_image import read_qris_image

            # On white paper: a transparent screenshot's background would turn black in grey.
            paper = QImage(image.size(), QImage.Format.Format_RGB32)
            paper.fill(QColor(255, 255, 255))
            painter = QPainter(paper)
            painter.drawImage(0, 0, image)
            painter.end()
            gray = paper.convertToFormat(QImage.Format.Format_Grayscale8)
            pixels = Image.frombuffer("L", (gray.width(), gray.height()),
                                      bytes(gray.constBits()), "raw", "L",
                                      gray.bytesPerLine(), 1)
            return read_qris_image(pixels, name="the pasted picture")

        self._read(job, tr("gambar yang ditempel"))

    def paste(self) -> None:
        """"Tempel": a picture on the clipboard is read; a copied picture file too; text is
        put in the box as it is (the preview then says what it is)."""
        clipboard = QGuiApplication.clipboard()
        mime = clipboard.mimeData()
        if mime is not None and mime.hasImage():
            image = clipboard.image()
            if not image.isNull():
                self.read_image(image)
                return
        if mime is not None and mime.hasUrls():
            files = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
            if files and QFileInfo(files[0]).isFile():
                self.read_file(Path(files[0]))
                return
        text = qris.strip_pasted(mime.text()) if mime is not None and mime.hasText() else ""
        if text:
            self.page.box.setPlainText(text)
            self._say(tr("Teks dari papan klip ditempel."), HINT_STYLE)
            return
        self._say(tr("Papan klip kosong: salin dulu gambar QRIS atau teks 000201…."),
                  ERROR_STYLE)

    def _read(self, job: Callable[[], QrisRead], source: str) -> None:
        self._seq += 1
        seq = self._seq

        def current() -> bool:
            return self.ctx.alive() and shiboken6.isValid(self) and seq == self._seq

        def done(found: QrisRead) -> None:
            if not current():
                return
            self._busy(False)
            merchants = {f.payload.merchant.name for f in found.found}
            if len({f.text for f in found.found}) > 1:
                # Two different codes (another merchant's beside the shop's, say): the money
                # would go to whichever came first. The owner picks a picture of one.
                self._say(tr("Ada {count} QRIS berbeda di {source} ({names}). Pakai gambar "
                             "yang hanya berisi QRIS toko Anda.", count=len(found.found),
                             source=source, names=", ".join(sorted(n or "?" for n in merchants))),
                          ERROR_STYLE)
                return
            self.page.box.setPlainText(found.text)
            self._say(tr("QRIS terbaca dari {source}.", source=source), OK_STYLE)

        def failed(exc: BaseException) -> None:
            if not current():
                return
            self._busy(False)
            message_id = getattr(exc, "message_id", None)
            if message_id:
                log.info("first run: no QRIS read from %s: %s", source, exc)
                text = tr(str(message_id))
            elif isinstance(exc, ImportError):
                log.error("first run: the picture reader can't be loaded: %s", exc)
                text = tr("Membaca gambar belum bisa di komputer ini: tempel teks QRIS-nya.")
            else:
                log.error("first run: reading a QRIS picture failed", exc_info=exc)
                text = tr("Gambar tidak bisa dibaca: {error}", error=str(exc))
            self._say(text, ERROR_STYLE)

        self._busy(True)
        self._say(tr("Membaca gambar…"), HINT_STYLE)
        self.ctx.tasks.read(job, done, failed)

    def _busy(self, busy: bool) -> None:
        self.pick_button.setEnabled(not busy)
        self.paste_button.setEnabled(not busy)
        self.busy_bar.setVisible(busy)
        self.changed.emit()

    def _say(self, text: str, style: str) -> None:
        self.read_status.setStyleSheet(style + " font-weight: bold;")
        self.read_status.setText(text)
        self.read_status.show()
        self.content.relayout_later()

    # ------------------------------------------------------------------ guide hooks

    def busy(self) -> bool:
        return self.busy_bar.isVisibleTo(self)

    def read_status_text(self) -> str:
        return "" if self.read_status.isHidden() else self.read_status.text()

    def next_text(self) -> str:
        if not self.page.text() and not self.ctx.settings.get_raw(STATIC_QRIS_KEY):
            return tr("Lewati langkah ini")
        return super().next_text()
