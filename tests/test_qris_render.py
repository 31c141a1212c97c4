"""Tests for pos_app.qr_render: every output decodes back to the exact payload.

Decoding uses zxing-cpp (independent of segno) on 8-bit grayscale pixels passed through
``zxingcpp.ImageView``: zxing-cpp's own QImage support calls ``convertToFormat(int)``, which
this PySide6 rejects, and neither numpy nor Pillow is a dependency. PNGs are decoded by Qt's
PNG reader (``QImage.fromData``), not by our writer's code.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from pos_app import qr_render
from pos_app.qr_render import qr_matrix, render_png, render_svg, scale_for, to_qimage, write_png
from pos_app.qris import build, to_dynamic
from tests.qr_decode import decode
from tests.qris_samples import BANKNEO as STATIC  # static, sorted: WARUNG BU SRI

DYNAMIC = to_dynamic(STATIC, 1_250_000, bill_number="INV-2024-0001", terminal_label="K1")
# Lowercase and UTF-8 force byte mode and a bigger symbol.
UTF8 = build(
    [
        ("00", "01"),
        ("01", "11"),
        ("51", [("00", "ID.CO.QRIS.WWW"), ("02", "ID1022123456789")]),
        ("53", "360"),
        ("58", "ID"),
        ("59", "Kopi Kenangan Senja"),
        ("60", "Bandung"),
        ("64", [("00", "ZH"), ("01", "陈记面馆"), ("02", "雅加达")]),
    ]
)
PAYLOADS = [STATIC, DYNAMIC, UTF8]


def gray_levels(image: QImage) -> set[int]:
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    data = bytes(memoryview(gray.constBits()))
    stride = gray.bytesPerLine()
    width = gray.width()
    return {b for y in range(0, gray.height(), 7) for b in data[y * stride : y * stride + width]}


def modules(payload: str, border: int = 4) -> int:
    return len(qr_matrix(payload)) + 2 * border


def test_module_imports_without_qt() -> None:
    code = "import sys, pos_app.qr_render; assert 'PySide6' not in sys.modules, sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_render_png_1080_decodes(payload: str) -> None:
    png = render_png(payload, size_px=1080)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = QImage.fromData(png, "PNG")
    assert not image.isNull()
    n = modules(payload)
    assert image.width() == image.height() == n * (1080 // n)
    assert 1080 - n < image.width() <= 1080
    assert decode(image) == [payload]
    assert gray_levels(image) == {0, 255}  # crisp: no antialiasing


def test_render_png_error_level_m() -> None:
    import segno

    qr = segno.make_qr(DYNAMIC, error="m", boost_error=False)
    assert qr.error == "M"
    assert len(qr_matrix(DYNAMIC)) == qr.symbol_size(scale=1, border=0)[0]


def test_render_png_small_size_uses_scale_1() -> None:
    image = QImage.fromData(render_png(STATIC, size_px=10))
    assert image.width() == modules(STATIC)
    assert decode(image) == [STATIC]


def test_render_png_border() -> None:
    image = QImage.fromData(render_png(STATIC, size_px=500, border=2))
    n = modules(STATIC, border=2)
    assert image.width() == n * (500 // n)
    assert decode(image) == [STATIC]


def test_scale_for() -> None:
    assert scale_for(STATIC, 1080) == 1080 // modules(STATIC)
    assert scale_for(STATIC, 1) == 1


def test_write_png_scale_wins(tmp_path: Path) -> None:
    target = tmp_path / "qris.png"
    write_png(DYNAMIC, target, scale=3, size_px=1080)
    image = QImage(str(target))
    assert image.width() == modules(DYNAMIC) * 3
    assert decode(image) == [DYNAMIC]
    write_png(DYNAMIC, str(target), size_px=600)
    image = QImage(str(target))
    assert image.width() == modules(DYNAMIC) * (600 // modules(DYNAMIC))
    assert not list(tmp_path.glob("*.tmp*"))


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("size", [300, 1080, 777])
def test_to_qimage_decodes_exact_size_crisp(payload: str, size: int) -> None:
    image = to_qimage(payload, size)
    assert image.width() == image.height() == size
    assert image.format() in (QImage.Format.Format_Grayscale8, QImage.Format.Format_Mono)
    assert decode(image) == [payload]
    assert gray_levels(image) == {0, 255}


def test_to_qimage_module_pixels_are_whole() -> None:
    size = 1080
    image = to_qimage(STATIC, size).convertToFormat(QImage.Format.Format_Grayscale8)
    scale = scale_for(STATIC, size)
    matrix = qr_matrix(STATIC)
    symbol = modules(STATIC) * scale
    origin = (size - symbol) // 2 + 4 * scale
    for row in (0, 7, len(matrix) - 1):
        for col in range(len(matrix)):
            expected = 0 if matrix[row][col] else 255
            for dy in (0, scale - 1):
                for dx in (0, scale - 1):
                    pixel = image.pixelColor(origin + col * scale + dx, origin + row * scale + dy)
                    assert pixel.red() == expected


def test_to_qimage_outlives_its_buffer() -> None:
    image = to_qimage(DYNAMIC, 400)
    qr_render.qr_matrix.cache_clear()
    import gc

    gc.collect()
    assert decode(image) == [DYNAMIC]


def test_render_svg_decodes() -> None:
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgRenderer

    svg = render_svg(DYNAMIC, scale=6)
    assert svg.startswith("<?xml") and "<svg" in svg
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    assert renderer.isValid()
    assert renderer.defaultSize().width() == modules(DYNAMIC) * 6
    image = QImage(renderer.defaultSize(), QImage.Format.Format_Grayscale8)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    assert decode(image) == [DYNAMIC]


@pytest.mark.parametrize("bad", [0, -1, 10.5])
def test_bad_sizes(bad: object) -> None:
    with pytest.raises(ValueError):
        render_png(STATIC, size_px=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        to_qimage(STATIC, bad)  # type: ignore[arg-type]


def test_empty_payload_is_rejected() -> None:
    with pytest.raises(ValueError):
        render_png("")
