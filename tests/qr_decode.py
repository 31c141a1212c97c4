"""Decoding QR codes in tests with an independent decoder (zxing-cpp).

zxing-cpp's own QImage support is broken with this PySide6, so images go through an
``ImageView`` over their 8-bit grey buffer."""

from __future__ import annotations

import zxingcpp
from PySide6.QtGui import QImage


def decode(image: QImage) -> list[str]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    view = zxingcpp.ImageView(
        memoryview(gray.constBits()),
        gray.width(),
        gray.height(),
        zxingcpp.ImageFormat.Lum,
        gray.bytesPerLine(),
        1,
    )
    return [barcode.text for barcode in zxingcpp.read_barcodes(view)]
