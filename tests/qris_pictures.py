"""Pictures of QRIS codes, the way shops have them: for tests/test_qris_image.py and the bench.

A shop's static QRIS reaches the till as a picture, never as the ``000201...`` text: a photo of
the printed sticker on the counter, a screenshot from the bank's app, a PDF the bank emailed.
:func:`write_pictures` makes ten such pictures from the test vectors of tests/qris_samples.py,
each a different way a real picture goes wrong (rotated, small, JPEG-blocky, blurred, taken at
an angle, on a busy background, dim, inside a PDF). The issue asks that at least 9 of the 10
decode to the right payload.

Rules, so that the pictures test the reader and not luck:

* **Deterministic.** Every random choice comes from ``random.Random`` with a fixed seed, so a
  picture is the same on every run and machine (Pillow's own ``effect_noise`` is not seeded and
  is not used).
* **Independent of the code under test.** The QR symbol is drawn by segno at level M (what
  ``pos_app.qr_render`` and real QRIS stickers use) and degraded with Pillow only; nothing here
  imports ``pos_app.qris_image``.
* **Honest degradations.** Each damage is one a phone camera or a bank's PDF really produces,
  sized so that a person's phone still scans it (a QR no phone could read is not a fair test).

Pillow and segno only (no numpy: it is not a dependency of the app).
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import segno
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from pos_app.qris import build
from tests.qris_samples import (
    BANKNEO,
    DYNAMIC_SORTED,
    FEE_FIXED,
    GOPAY_UNSORTED,
    STATIC_SORTED,
)

__all__ = [
    "PICTURES",
    "Picture",
    "bad_crc_payload",
    "photo_12mp",
    "qr_image",
    "write_no_qr",
    "write_pictures",
    "write_qr_png",
    "write_two_page_pdf",
    "write_vector_pdf",
]

# Another static QRIS (GoPay-style, unsorted tags), so that the set covers several issuers.
GOPAY = GOPAY_UNSORTED


def qr_image(text: str, scale: int = 8, border: int = 4) -> Image.Image:
    """The QR of ``text`` as a grayscale Pillow image, ``scale`` pixels per module."""
    out = io.BytesIO()
    segno.make_qr(text, error="m", boost_error=False).save(
        out, kind="png", scale=scale, border=border
    )
    out.seek(0)
    return Image.open(out).convert("L")


def write_qr_png(text: str, path: Path, scale: int = 8) -> Path:
    """A clean PNG of the QR of ``text`` (any text: a URL, a broken payload ...)."""
    qr_image(text, scale).save(path)
    return path


def bad_crc_payload() -> str:
    """A static QRIS whose CRC (the last 4 hex digits) is wrong."""
    good = build(STATIC_SORTED)
    last = "0" if good[-1] != "0" else "1"
    return good[:-1] + last


# ------------------------------------------------------------------------------ backgrounds


def _noise(size: tuple[int, int], rng: random.Random, lo: int, hi: int, cell: int) -> Image.Image:
    """Blotchy grey noise: random values on a coarse grid, scaled up smoothly."""
    w, h = max(1, size[0] // cell), max(1, size[1] // cell)
    small = Image.new("L", (w, h))
    small.putdata([rng.randint(lo, hi) for _ in range(w * h)])
    return small.resize(size, Image.Resampling.BICUBIC)


def _counter(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A wooden/colored shop counter with clutter: colored shapes, stripes, texture."""
    r = _noise(size, rng, 90, 200, 24)
    g = _noise(size, rng, 50, 140, 24)
    b = _noise(size, rng, 20, 90, 24)
    bg = Image.merge("RGB", (r, g, b))
    draw = ImageDraw.Draw(bg)
    width, height = size
    for _ in range(40):  # packets, coins, price tags
        x, y = rng.randrange(width), rng.randrange(height)
        w, h = rng.randint(width // 30, width // 6), rng.randint(height // 30, height // 6)
        color = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        if rng.random() < 0.5:
            draw.rectangle((x, y, x + w, y + h), fill=color)
        else:
            draw.ellipse((x, y, x + w, y + h), fill=color)
    for i in range(0, width, max(4, width // 60)):  # wood grain / stripes
        draw.line((i, 0, i + height // 3, height), fill=(60, 30, 10), width=2)
    return bg


def _sticker(payload: str, scale: int) -> Image.Image:
    """A printed QRIS sticker: red header band, white card, the QR, a footer line (RGB)."""
    qr = qr_image(payload, scale).convert("RGB")
    pad = scale * 3
    card = Image.new("RGB", (qr.width + 2 * pad, qr.height + 6 * pad), "white")
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, card.width, 2 * pad), fill=(200, 20, 40))  # the QRIS red band
    draw.text((pad, pad // 2), "QRIS  WARUNG", fill="white")
    card.paste(qr, (pad, 3 * pad))
    draw.text((pad, 3 * pad + qr.height + pad), "NMID: ID1022123456789", fill="black")
    return card


def _perspective_coeffs(
    src: list[tuple[float, float]], dst: list[tuple[float, float]]
) -> list[float]:
    """The 8 coefficients Pillow's PERSPECTIVE transform takes, mapping ``dst`` back to ``src``
    (Pillow asks, for each output pixel, where to sample the input). Gauss-Jordan, 8x8."""
    rows: list[list[float]] = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y, u])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y, v])
    n = 8
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        p = rows[col][col]
        rows[col] = [value / p for value in rows[col]]
        for r in range(n):
            if r != col:
                f = rows[r][col]
                rows[r] = [a - f * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][n] for i in range(n)]


def _warp(
    image: Image.Image, corners: list[tuple[float, float]], size: tuple[int, int], fill: object
) -> Image.Image:
    """``image`` mapped so its corners (TL, TR, BR, BL) land on ``corners`` in a ``size`` frame."""
    w, h = image.size
    src = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    coeffs = _perspective_coeffs(src, corners)
    mask = Image.new("L", image.size, 255).transform(
        size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC
    )
    warped = image.transform(size, Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC)
    out = Image.new(image.mode, size, fill)  # type: ignore[arg-type]
    out.paste(warped, (0, 0), mask)
    return out


# ------------------------------------------------------------------------------ the ten pictures


def _clean(path: Path) -> None:
    qr_image(BANKNEO, 8).save(path)


def _rotated_90(path: Path) -> None:
    qr_image(GOPAY, 8).rotate(90, expand=True).save(path)


def _rotated_7(path: Path) -> None:
    qr_image(FEE_FIXED, 8).rotate(
        7, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255
    ).save(path)


def _small_300(path: Path) -> None:
    # A thumbnail a bank's app shares: 300 px wide for ~65 modules, under 5 px a module,
    # smoothed (LANCZOS) so module edges are grey.
    qr_image(DYNAMIC_SORTED, 8).resize((300, 300), Image.Resampling.LANCZOS).save(path)


def _jpeg_30(path: Path) -> None:
    rng = random.Random(30)
    sticker = _sticker(BANKNEO, 6)
    bg = _counter((sticker.width + 200, sticker.height + 200), rng)
    bg.paste(sticker, (100, 100))
    bg.save(path, "JPEG", quality=30)


def _blurred(path: Path) -> None:
    qr_image(GOPAY, 8).filter(ImageFilter.GaussianBlur(3)).save(path)


def _perspective(path: Path) -> None:
    # A phone held above and to the left of the sticker: a keystone, one side 30% shorter.
    sticker = _sticker(FEE_FIXED, 8)
    size = (int(sticker.width * 1.3), int(sticker.height * 1.2))
    w, h = size
    corners = [(0.18 * w, 0.12 * h), (0.92 * w, 0.02 * h), (0.88 * w, 0.98 * h),
               (0.10 * w, 0.84 * h)]
    bg = _counter(size, random.Random(7))
    warped = _warp(sticker, corners, size, (0, 0, 0))
    mask = _warp(Image.new("L", sticker.size, 255), corners, size, 0)
    bg.paste(warped, (0, 0), mask)
    bg.convert("RGB").save(path, "JPEG", quality=85)


def _busy_background(path: Path) -> None:
    # A sticker lying on a cluttered, colored counter, a little turned, filling a third of the
    # frame, as a phone photo (JPEG).
    rng = random.Random(8)
    sticker = _sticker(DYNAMIC_SORTED, 7).rotate(
        -4, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(0, 0, 0)
    )
    mask = Image.new("L", _sticker(DYNAMIC_SORTED, 7).size, 255).rotate(
        -4, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=0
    )
    bg = _counter((sticker.width * 2, int(sticker.height * 1.6)), rng)
    bg.paste(sticker, (sticker.width // 2, sticker.height // 6), mask)
    bg.save(path, "JPEG", quality=80)


def _dim(path: Path) -> None:
    # Low contrast and dark: black 70, white 120 (a sticker in a dark corner, no flash), with
    # sensor noise and a shadow that darkens the lower part by up to 30 more.
    rng = random.Random(9)
    dim = qr_image(BANKNEO, 8).point(lambda v: 70 if v < 128 else 120)
    noisy = ImageChops.add(dim, _noise(dim.size, rng, 0, 24, 2), offset=-12)
    shadow = Image.linear_gradient("L").resize(dim.size).point(lambda v: v // 8)
    ImageChops.subtract(noisy, shadow).save(path)


def _pdf_page(path: Path) -> None:
    # An A4 page from the bank at 150 dpi: a header, text lines, the QR in the middle.
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, 1240, 160), fill=(200, 20, 40))
    draw.text((80, 60), "QRIS - Quick Response Code Indonesian Standard", fill="white")
    for i in range(12):
        draw.line((120, 260 + 30 * i, 1100, 260 + 30 * i), fill=(180, 180, 180), width=6)
    qr = qr_image(GOPAY, 9).convert("RGB")
    page.paste(qr, ((1240 - qr.width) // 2, 700))
    page.save(path, "PDF", resolution=150)


@dataclass(frozen=True)
class Picture:
    name: str
    filename: str
    payload: str  # what the picture must decode to
    make: Callable[[Path], None]


PICTURES: tuple[Picture, ...] = (
    Picture("clean", "clean.png", BANKNEO, _clean),
    Picture("rotated_90", "rotated_90.png", GOPAY, _rotated_90),
    Picture("rotated_7", "rotated_7.png", FEE_FIXED, _rotated_7),
    Picture("small_300px", "small_300px.png", DYNAMIC_SORTED, _small_300),
    Picture("jpeg_q30", "jpeg_q30.jpg", BANKNEO, _jpeg_30),
    Picture("blurred", "blurred.png", GOPAY, _blurred),
    Picture("perspective", "perspective.jpg", FEE_FIXED, _perspective),
    Picture("busy_background", "busy_background.jpg", DYNAMIC_SORTED, _busy_background),
    Picture("dim_low_contrast", "dim_low_contrast.png", BANKNEO, _dim),
    Picture("pdf_page", "pdf_page.pdf", GOPAY, _pdf_page),
)


def write_pictures(directory: Path) -> list[tuple[Picture, Path]]:
    """Write the ten pictures into ``directory``; returns each with its path."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for picture in PICTURES:
        path = directory / picture.filename
        picture.make(path)
        out.append((picture, path))
    return out


def write_no_qr(path: Path) -> Path:
    """A photo of a counter with no QR code on it (JPEG)."""
    _counter((800, 600), random.Random(11)).save(path, "JPEG", quality=85)
    return path


def photo_12mp(payload: str = BANKNEO, seed: int = 12) -> Image.Image:
    """A 4000x3000 phone photo: the sticker, slightly turned and keystoned, on a busy counter.

    The sticker is about 1300 px across (a phone held 30 cm above it), so a module is ~15 px.
    """
    rng = random.Random(seed)
    size = (4000, 3000)
    sticker = _sticker(payload, 18)
    w, h = sticker.size
    x0, y0 = 1300, 500
    corners = [(x0 + 40.0, y0 + 0.0), (x0 + w + 10.0, y0 + 60.0), (x0 + w - 30.0, y0 + h + 20.0),
               (x0 + 0.0, y0 + h - 40.0)]
    bg = _counter(size, rng)
    warped = _warp(sticker, corners, size, (0, 0, 0))
    mask = _warp(Image.new("L", sticker.size, 255), corners, size, 0)
    bg.paste(warped, (0, 0), mask)
    return bg


def write_two_page_pdf(payload: str, path: Path) -> Path:
    """A two-page PDF: a cover letter with no QR, then the QR on page 2."""
    cover = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(cover)
    for i in range(30):
        draw.line((120, 200 + 40 * i, 1100, 200 + 40 * i), fill=(120, 120, 120), width=8)
    page = Image.new("RGB", (1240, 1754), "white")
    page.paste(qr_image(payload, 8).convert("RGB"), (300, 500))
    cover.save(path, "PDF", resolution=150, save_all=True, append_images=[page])
    return path


def write_vector_pdf(payload: str, path: Path, module_pt: float = 4.0) -> Path:
    """A PDF whose QR is vector art (one filled square per dark module, no page background),
    the way a bank's document generator draws it; hand-written PDF 1.4, one A4 page."""
    matrix = segno.make_qr(payload, error="m", boost_error=False).matrix
    x0, top = 150.0, 700.0
    ops = ["0 0 0 rg"]
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            if dark:
                x, y = x0 + c * module_pt, top - (r + 1) * module_pt
                ops.append(f"{x:.2f} {y:.2f} {module_pt:.2f} {module_pt:.2f} re")
    ops.append("f")
    content = "\n".join(ops).encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(out)
    return path
