"""The first pages of a PDF as 8-bit grey pixels, for ``pos_app.qris_image`` (QtPdf).

Banks email a merchant's static QRIS as a PDF. ``pos_app.qris_image`` is Qt-free and imports
this module only when it is given a PDF; it gets plain grey pixels back and never sees Qt.

The rules, and why:

* **QtPdf, not poppler's ``pdftoppm``.** QtPdf (PDFium inside ``libQt6Pdf``) comes with the
  PySide6-Addons wheel the app already depends on, on Windows, macOS and Linux alike, and
  PyInstaller bundles it like the other Qt modules. ``pdftoppm`` is not on a Windows shop PC
  and would have to be shipped separately. A new wheel (pypdfium2) would be a second copy of
  PDFium next to Qt's.
* **No QGuiApplication needed, any thread.** ``QPdfDocument.load``/``render`` and painting on
  a ``QImage`` work without an application object (measured with PySide6 6.11), so the CLI
  renders without starting Qt's GUI, and the window's workers render off the GUI thread.
  PDFium is not thread-safe: one lock serialises every use of it in this process.
* **White paper under the page.** PDFium renders a page with a transparent background; grey
  conversion would turn that into black, and a black QR on black is no QR. Every page is
  painted onto white first.
* **Bounded size.** A page is rendered at ``dpi`` (200: a 3 cm QR sticker on A4 is still
  3 px a module) but never larger than ``max_side`` pixels on its long side, so an A0 poster
  costs no more than an A4 letter; at most ``max_pages`` pages (a QRIS letter is one page).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtPdf import QPdfDocument

__all__ = ["GrayPage", "PdfError", "render_pages"]

_PDFIUM = threading.Lock()
_POINTS_PER_INCH = 72.0


class PdfError(Exception):
    """The PDF cannot be rendered. ``kind``: ``"password"``, ``"invalid"`` or ``"empty"``."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class GrayPage:
    number: int  # 1-based
    width: int
    height: int
    stride: int  # bytes per row (Qt pads rows to 4 bytes)
    pixels: bytes


def render_pages(
    data: bytes, *, max_pages: int = 3, dpi: float = 200.0, max_side: int = 3000
) -> list[GrayPage]:
    """Render the first ``max_pages`` pages of the PDF in ``data``; raises :class:`PdfError`."""
    with _PDFIUM:
        buffer = QBuffer()
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document = QPdfDocument()
        try:
            document.load(buffer)  # synchronous for an in-memory device; returns nothing
            error = document.error()
            if error in (QPdfDocument.Error.IncorrectPassword,
                         QPdfDocument.Error.UnsupportedSecurityScheme):
                raise PdfError("the PDF is password-protected", "password")
            if error != QPdfDocument.Error.None_:
                raise PdfError(f"not a readable PDF ({error.name})", "invalid")
            count = document.pageCount()
            if count < 1:
                raise PdfError("the PDF has no pages", "empty")
            return [_render(document, index, dpi, max_side)
                    for index in range(min(count, max_pages))]
        finally:
            document.close()
            buffer.close()


def _render(document: QPdfDocument, index: int, dpi: float, max_side: int) -> GrayPage:
    points = document.pagePointSize(index)
    long_side = max(points.width(), points.height(), 1.0)
    zoom = min(dpi / _POINTS_PER_INCH, max_side / long_side)
    size = QSize(max(1, round(points.width() * zoom)), max(1, round(points.height() * zoom)))
    rendered = document.render(index, size)
    paper = QImage(size, QImage.Format.Format_RGB32)
    paper.fill(QColor(255, 255, 255))
    if not rendered.isNull():  # a page PDFium cannot draw stays blank: "no QR", not a crash
        painter = QPainter(paper)
        painter.drawImage(0, 0, rendered)
        painter.end()
    gray = paper.convertToFormat(QImage.Format.Format_Grayscale8)
    return GrayPage(
        number=index + 1,
        width=gray.width(),
        height=gray.height(),
        stride=gray.bytesPerLine(),
        pixels=bytes(gray.constBits()),
    )
