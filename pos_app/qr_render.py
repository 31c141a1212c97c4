"""Render a QRIS payload as a QR code: PNG bytes/file, SVG text, or a Qt ``QImage``.

Used by ``pos-app qris png``, the receipt printer and the customer display. The QR symbol comes
from segno at error correction level M (what QRIS uses), with ``boost_error=False`` so the level
stays M, and segno picks the mode (QRIS payloads are often pure alphanumeric, which gives a
smaller symbol than byte mode).

Sizing: ``size_px`` is a target, not an exact size. The module scale is an *integer*,
``max(1, size_px // modules_with_border)``, so every module is a whole number of pixels and the
image stays crisp (no antialiasing, no half pixels that make scanners struggle). So a PNG is
``modules_with_border * scale`` pixels wide, at most ``size_px`` (unless even scale 1 is larger).
``to_qimage`` pads that with extra white margin to exactly ``size_px`` so UI layouts are stable.

Speed: segno's own PNG writer expands pixels in Python and costs about as much as encoding the
symbol itself, so PNGs are written here directly from the module matrix (1-bit grayscale rows,
each built once per module row and repeated ``scale`` times, deflated with zlib). segno is still
the only source of the matrix. The encoded matrix is cached per payload (small LRU), because the
cashier window, the customer display and a saved PNG usually show the same payload.

No Qt import at module level: ``PySide6.QtGui`` is imported inside :func:`to_qimage` only, so
the CLI and the tests of everything else run without Qt.
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import segno
    from PySide6.QtGui import QImage

__all__ = ["qr_matrix", "render_png", "render_svg", "scale_for", "to_qimage", "write_png"]

ERROR_LEVEL = "m"
DEFAULT_BORDER = 4  # the quiet zone the QR standard asks for, in modules
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# zlib level 6: the 1-bit rows repeat, so higher levels buy nothing but time.
_ZLIB_LEVEL = 6


def _make_qr(payload: str) -> segno.QRCode:
    if not isinstance(payload, str) or not payload:
        raise ValueError("payload must be a non-empty str")
    import segno  # ~45 ms to import (its writers pull in urllib): not on the till's start path

    return segno.make_qr(payload, error=ERROR_LEVEL, boost_error=False)


@lru_cache(maxsize=16)
def qr_matrix(payload: str) -> tuple[bytes, ...]:
    """The QR modules without quiet zone, one ``bytes`` per row, ``1`` = dark."""
    return tuple(bytes(row) for row in _make_qr(payload).matrix)


def scale_for(payload: str, size_px: int, border: int = DEFAULT_BORDER) -> int:
    """Integer module scale so the symbol plus quiet zone fits in ``size_px`` (at least 1)."""
    modules = len(qr_matrix(payload)) + 2 * border
    return max(1, size_px // modules)


def _check(size: int, name: str) -> None:
    if type(size) is not int or size < 1:
        raise ValueError(f"{name} must be a positive int, got {size!r}")


def _png_from_matrix(matrix: tuple[bytes, ...], scale: int, border: int) -> bytes:
    """Encode a 1-bit grayscale PNG (0 = black, 1 = white) from the module matrix."""
    size = len(matrix) + 2 * border
    width = size * scale
    pad = (-width) % 8  # rows are whole bytes; padding bits are white
    light_row = "1" * (width + pad)
    expand_dark, expand_light = "0" * scale, "1" * scale
    edge = expand_light * border
    nbytes = (width + pad) // 8

    def pixel_row(bits: str) -> bytes:
        return b"\x00" + int(bits, 2).to_bytes(nbytes, "big")  # filter byte 0 = None

    quiet = pixel_row(light_row) * (border * scale)
    rows: list[bytes] = [quiet]
    for module_row in matrix:
        bits = edge + "".join([expand_dark if m else expand_light for m in module_row]) + edge
        rows.append(pixel_row(bits + "1" * pad) * scale)
    rows.append(quiet)
    raw = b"".join(rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, width, 1, 0, 0, 0, 0)  # 1 bit, grayscale
    return (
        _PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, _ZLIB_LEVEL))
        + chunk(b"IEND", b"")
    )


def render_png(payload: str, *, size_px: int = 1080, border: int = DEFAULT_BORDER) -> bytes:
    """PNG bytes of the QR code, about ``size_px`` wide (integer scale; see module docstring)."""
    _check(size_px, "size_px")
    if type(border) is not int or border < 0:
        raise ValueError(f"border must be an int >= 0, got {border!r}")
    matrix = qr_matrix(payload)
    scale = max(1, size_px // (len(matrix) + 2 * border))
    return _png_from_matrix(matrix, scale, border)


def write_png(
    payload: str,
    path: str | os.PathLike[str],
    *,
    scale: int | None = None,
    size_px: int = 1080,
    border: int = DEFAULT_BORDER,
) -> None:
    """Write the PNG to ``path``; an explicit ``scale`` (pixels per module) wins over ``size_px``.

    Written to a temporary file and renamed, so a reader never sees half a PNG.
    """
    if scale is None:
        data = render_png(payload, size_px=size_px, border=border)
    else:
        _check(scale, "scale")
        data = _png_from_matrix(qr_matrix(payload), scale, border)
    # Write to a temporary name first so a reader never sees half a PNG.
    target = os.fspath(path)
    temporary = f"{target}.tmp{os.getpid()}"
    with open(temporary, "wb") as handle:
        handle.write(data)
    os.replace(temporary, target)


def render_svg(payload: str, *, scale: int = 10, border: int = DEFAULT_BORDER) -> str:
    """A standalone SVG document (with XML declaration) of the QR code."""
    _check(scale, "scale")
    buffer = io.BytesIO()
    _make_qr(payload).save(buffer, kind="svg", scale=scale, border=border)
    return buffer.getvalue().decode("utf-8")


def to_qimage(payload: str, size_px: int, *, border: int = DEFAULT_BORDER) -> QImage:
    """A crisp ``Format_Grayscale8`` QImage, exactly ``size_px`` square (see module docstring).

    Built from the module matrix directly (no PNG round trip). Needs no QGuiApplication.
    """
    from PySide6.QtGui import QImage  # lazy: keep this module importable without Qt

    _check(size_px, "size_px")
    matrix = qr_matrix(payload)
    modules = len(matrix) + 2 * border
    scale = max(1, size_px // modules)
    symbol = modules * scale
    side = max(size_px, symbol)
    left = (side - symbol) // 2 + border * scale
    right = side - left - len(matrix) * scale
    dark, light = b"\x00" * scale, b"\xff" * scale
    left_pad, right_pad = b"\xff" * left, b"\xff" * right
    blank = b"\xff" * side
    top = left  # square: same margin above as on the left
    rows: list[bytes] = [blank * top]
    for module_row in matrix:
        line = left_pad + b"".join([dark if m else light for m in module_row]) + right_pad
        rows.append(line * scale)
    rows.append(blank * (side - top - len(matrix) * scale))
    data = b"".join(rows)
    image = QImage(data, side, side, side, QImage.Format.Format_Grayscale8)
    # copy(): the QImage above borrows ``data``; the copy owns its pixels.
    return image.copy()
