"""``QrView``: a QR code that stays crisp at whatever size the widget is given.

A scanner reads a QR best when every module is a whole number of physical pixels with hard
edges. Scaling a small bitmap up (or a big one down) with smoothing blurs the module edges,
and even "nearest" scaling by a non-integer factor makes some modules one pixel wider than
others. So this widget never scales: it asks :func:`pos_app.qr_render.to_qimage` for an image
exactly as large as the square it will occupy *in device pixels* (integer module size, white
padding) and blits it 1:1.

Rendering costs about 9 ms for a 1000 px code, so it happens on resize and on
``set_payload`` only, never per paint; images of the current payload are cached per size
because the display flips between a few sizes (window vs. full screen) and back. A new payload
(or none) drops them: a paid sale's QR never comes back, and on a full-screen customer display
each image is about a megabyte.
Everything outside the symbol is painted white, so the quiet zone is never thinner than the
four modules the standard asks for, whatever colour the parent has.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from pos_app import qr_render
from pos_app.ui.i18n import register, tr

register({"Kode QR pembayaran": "Payment QR code"})

__all__ = ["QrView"]

_WHITE = QColor("#ffffff")
_FRAME = QColor("#d1d5db")  # light grey: marks the code's edge without competing with it
_PLACEHOLDER = QColor("#4b5563")
_CACHE_ENTRIES = 4  # sizes of one payload: window, full screen, a resize or two in between


class QrView(QWidget):
    """Shows one QR payload (or nothing) as large as the widget's shorter side allows."""

    def __init__(self, parent: QWidget | None = None, *, framed: bool = False) -> None:
        super().__init__(parent)
        self._payload: str | None = None
        self._framed = framed
        self._placeholder = ""
        self._cache: OrderedDict[tuple[str, int], QImage] = OrderedDict()
        self._image: QImage | None = None
        self._image_key: tuple[str, int] | None = None
        # The whole widget is painted in paintEvent; telling Qt so skips a useless erase.
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(tr("Kode QR pembayaran"))

    # -- public API -----------------------------------------------------------------------

    def set_payload(self, payload: str | None) -> None:
        """Show ``payload`` (a QRIS string), or a blank white square for ``None`` / ``""``."""
        payload = payload or None
        if payload == self._payload:
            return
        self._payload = payload
        for key in [k for k in self._cache if k[0] != payload]:
            del self._cache[key]
        self._refresh_image()
        self.update()

    def payload(self) -> str | None:
        return self._payload

    def set_placeholder(self, text: str) -> None:
        """Text shown in the empty square while there is no payload (e.g. after expiry)."""
        self._placeholder = text
        self.update()

    def grab_qimage(self) -> QImage:
        """What the widget shows right now, rendered through the normal paint path (for tests
        and screenshots; a decoder reading this reads what a phone would read)."""
        return self.grab().toImage()

    def symbol_side(self) -> int:
        """Side of the painted square in logical pixels (the QR plus its white quiet zone)."""
        return min(self.width(), self.height())

    # -- Qt overrides ---------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    def minimumSizeHint(self) -> QSize:
        # Below ~120 px a dense QRIS code (57+ modules) drops to 1-2 px per module.
        return QSize(120, 120)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refresh_image()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), _WHITE)
        # A scale change (window dragged to another monitor) arrives without a resize; the
        # key check below is a dict lookup, so paint stays cheap in the common case.
        if self._payload is not None and self._image_key != self._wanted_key():
            self._refresh_image()
        image = self._image
        if image is not None:
            dpr = image.devicePixelRatio()
            side_px = image.width()
            # Position in whole device pixels so the 1:1 blit lands on the pixel grid.
            x_px = (round(self.width() * dpr) - side_px) // 2
            y_px = (round(self.height() * dpr) - side_px) // 2
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(QPointF(x_px / dpr, y_px / dpr), image)
        elif self._placeholder:
            side = self.symbol_side()
            font = painter.font()
            font.setPixelSize(max(12, side // 14))
            painter.setFont(font)
            painter.setPen(_PLACEHOLDER)
            margin = side // 8
            box = QRectF((self.width() - side) / 2 + margin, (self.height() - side) / 2 + margin,
                         side - 2 * margin, side - 2 * margin)
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap),
                             self._placeholder)
        if self._framed:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QPen(_FRAME, 1))
            side = self.symbol_side()
            left = (self.width() - side) / 2 + 0.5
            top = (self.height() - side) / 2 + 0.5
            square = QRectF(left, top, side - 1, side - 1)
            painter.drawRoundedRect(square, 6, 6)
        painter.end()

    # -- internals ------------------------------------------------------------------------

    def _wanted_key(self) -> tuple[str, int] | None:
        if self._payload is None:
            return None
        side_px = math.floor(self.symbol_side() * self.devicePixelRatioF())
        return (self._payload, side_px) if side_px >= 1 else None

    def _refresh_image(self) -> None:
        key = self._wanted_key()
        if key == self._image_key:
            return
        self._image_key = key
        if key is None:
            self._image = None
            return
        image = self._cache.get(key)
        if image is None:
            image = qr_render.to_qimage(key[0], key[1])
            self._cache[key] = image
            while len(self._cache) > _CACHE_ENTRIES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        # The image is exactly side_px device pixels; tagging it with the ratio makes
        # drawImage place it 1:1 instead of scaling it by the ratio.
        image.setDevicePixelRatio(self.devicePixelRatioF())
        self._image = image
