"""Read a shop's QRIS from a picture: a photo of the sticker, a screenshot, the bank's PDF.

Shops never have their static QRIS as the ``000201...`` text: they have the printed sticker on
the counter, a screenshot from the bank's app, or a PDF the bank emailed. :func:`read_qris`
(a file) and :func:`read_qris_image` (bytes of a file, or a Pillow image: a pasted screenshot, a
webcam frame) find the QR codes in it with zxing-cpp and return the QRIS payloads, parsed and
validated by :func:`pos_app.qris.parse`. Qt-free, except that a PDF is rendered by
``pos_app.ui.pdf_pages`` (QtPdf), imported only when a PDF comes in.

The rules, and why:

* **Blocking, bounded, any thread.** Decoding takes milliseconds for a clean picture and up to
  ``time_budget`` seconds (default 1.5) for a hopeless one, plus loading (~0.1 s for a 12 MP
  JPEG). Callers in the window run it on a worker, never on the GUI thread. There is no shared
  state, so several workers may read at once (PDF rendering takes a lock of its own). A worker
  must not stall the GUI thread either: zxing-cpp and the Pillow operations used here release
  the GIL (measured: no hold over ~10 ms while a 12 MP photo is searched; rendering a PDF page
  holds it ~60 ms once), which is why there is no median filter (see ``_smoothed``).
* **Try the cheap way first, then harder.** Most pictures decode in the first pass (zxing-cpp
  already looks in any orientation, inverted, and at a few scales). When it finds nothing, the
  passes below run one after the other until one reads a QR code or the budget is spent:
  another binariser (global histogram: dim, low contrast), contrast stretched, downscaled
  (noise averages out, huge modules become normal), upscaled (a thumbnail's 2-px modules),
  sharpened (blur), smoothed (JPEG blocks, halftone print, sensor noise), turned by small angles,
  fixed thresholds, and last the picture cut into overlapping tiles, each enlarged (a small
  sticker far away in a 12 MP photo). The filters work on a copy at most 2000 px on its long
  side, so each pass costs tens of milliseconds whatever the camera.
* **The first pass that reads a QR code ends the search.** A QR code carries Reed-Solomon error
  correction: a pass either reads the exact text or nothing, so another pass would only read
  the same text again.
* **Sizes are bounded.** Files over 64 MB and pictures over 80 megapixels are refused (a JPEG
  is decoded at a reduced size instead: its decoder can scale down for free). A picture is
  worked on at most 4096 px on its long side; a PDF's first 3 pages at 200 dpi.
* **What was found, told apart.** Every decoded text is sorted into valid QRIS (returned), a
  QRIS that fails validation (a bad CRC: :class:`BadQris` with the parser's reason), and
  anything else (a URL, a WhatsApp link: :class:`NotQris`). Something that starts with the
  EMV header ``0002`` is taken as meant to be a QRIS. One valid QRIS is enough: other codes in
  the same picture (the bank's app link next to the QRIS) are kept in ``other_codes`` and do
  not make the read fail. No QR code at all is :class:`NoQrFound`, which also says whether a QR
  code was *seen* but could not be read (blurred, too small): the advice for the shop differs.
* **Exact text.** Whitespace around a decoded text is dropped (some generators end it with a
  newline); nothing inside it is changed.
* **Transparent pictures** are put on white paper (a black QR on a transparent PNG would turn
  into black on black) and, when some pixels really are transparent, also on black (a white
  QR on transparent); both are searched.
* **Errors** are one small hierarchy (:class:`QrisImageError`): the English message for logs
  and the CLI, ``message_id`` in Indonesian for the till's screen. A missing, unreadable or
  damaged file is :class:`UnreadableFile` (the CLI exits 2 for it, 1 for the others).
"""

from __future__ import annotations

import io
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from pos_app.qris import InvalidQris, QrisPayload, parse

__all__ = [
    "DEFAULT_TIME_BUDGET_S",
    "BadQris",
    "FoundQris",
    "NoQrFound",
    "NotQris",
    "QrisImageError",
    "QrisRead",
    "UnreadableFile",
    "read_qris",
    "read_qris_image",
]

DEFAULT_TIME_BUDGET_S = 1.5
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 80_000_000  # below Pillow's own decompression-bomb warning (89 MP)
MAX_SIDE = 4096  # the picture the first passes see
WORK_SIDE = 2000  # the copy the filters run on
PDF_PAGES = 3
PDF_DPI = 200.0

_QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif"}
_PICTURE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"BM", b"RIFF", b"II*\x00",
                       b"MM\x00*")
# What Pillow raises for a damaged or truncated file, besides OSError.
_DAMAGED = (OSError, ValueError, SyntaxError, EOFError, struct.error, IndexError, TypeError)


# --------------------------------------------------------------------------------------------
# Errors


class QrisImageError(ValueError):
    """No QRIS could be read from a picture; ``message_id`` is the Indonesian text for the UI."""

    def __init__(self, message: str, message_id: str) -> None:
        super().__init__(message)
        self.message_id = message_id


class UnreadableFile(QrisImageError):
    """The file is missing, not a picture or PDF, damaged, too large, or locked."""


class NoQrFound(QrisImageError):
    """No QR code could be read. ``seen_unreadable``: one was seen but not decoded."""

    def __init__(self, name: str, *, seen_unreadable: bool, attempts: int, seconds: float) -> None:
        tried = f"{attempts} pass{'' if attempts == 1 else 'es'} in {seconds:.1f} s"
        if seen_unreadable:
            super().__init__(
                f"a QR code was seen in {name} but could not be read (blurred, too small or "
                f"damaged; {tried})",
                "Kode QR terlihat tapi tidak terbaca — foto lebih dekat, jangan goyang, dan "
                "pastikan terang",
            )
        else:
            super().__init__(
                f"no QR code found in {name} ({tried})",
                "Tidak ada kode QR di gambar ini — foto lebih dekat dan terang",
            )
        self.seen_unreadable = seen_unreadable


class NotQris(QrisImageError):
    """QR codes were read, but none is a QRIS (a URL, a WhatsApp link ...). ``texts``: them."""

    def __init__(self, name: str, texts: tuple[str, ...]) -> None:
        shown = _shorten(texts[0])
        more = f" and {len(texts) - 1} other QR code(s)" if len(texts) > 1 else ""
        super().__init__(
            f"the QR code in {name} is not a QRIS: it reads {shown!r}{more}",
            "Kode QR ini bukan QRIS — foto stiker QRIS toko (ada tulisan QRIS di atasnya)",
        )
        self.texts = texts


class BadQris(QrisImageError):
    """A QRIS was read but is not valid (e.g. a wrong CRC); ``error`` is the parser's reason."""

    def __init__(self, name: str, text: str, error: InvalidQris) -> None:
        if error.tag == "63" and "CRC mismatch" in error.reason:
            why_id = ("QRIS ini rusak: kode pemeriksanya (CRC) tidak cocok — minta QRIS baru "
                      "dari bank atau penyedia QRIS")
        else:
            why_id = ("QRIS ini tidak sah atau rusak — minta QRIS baru dari bank atau penyedia "
                      "QRIS")
        super().__init__(f"the QRIS in {name} is not valid: {error}", why_id)
        self.text = text
        self.error = error


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class FoundQris:
    """One valid QRIS in the picture. ``page``: 1-based PDF page, ``None`` for a picture."""

    text: str
    payload: QrisPayload
    page: int | None = None


@dataclass(frozen=True)
class QrisRead:
    """What :func:`read_qris` found: at least one valid QRIS, in reading order."""

    found: tuple[FoundQris, ...]
    other_codes: tuple[str, ...]  # QR codes next to it that are not (valid) QRIS
    strategy: str  # the pass that read it: "as is", "contrast stretched", "tile 2/9" ...
    attempts: int  # passes run (one pass over every page of a PDF counts once)
    seconds: float  # loading included

    @property
    def first(self) -> FoundQris:
        return self.found[0]

    @property
    def payload(self) -> QrisPayload:
        return self.found[0].payload

    @property
    def text(self) -> str:
        return self.found[0].text


# --------------------------------------------------------------------------------------------
# Public API


def read_qris(path: Path | str, *, time_budget: float = DEFAULT_TIME_BUDGET_S) -> QrisRead:
    """The QRIS in the picture (PNG, JPEG, BMP, GIF, WebP, TIFF) or PDF at ``path``.

    Raises :class:`UnreadableFile`, :class:`NoQrFound`, :class:`NotQris` or :class:`BadQris`.
    Blocking (up to ``time_budget`` seconds of decoding): call it from a worker thread.
    """
    start = time.perf_counter()
    path = Path(path)
    name = str(path)
    data = _read_file(path, name)
    frames = _frames_from_bytes(data, name)
    return _search(frames, name, start, time_budget)


def read_qris_image(
    image: bytes | Image.Image,
    *,
    time_budget: float = DEFAULT_TIME_BUDGET_S,
    name: str = "the picture",
) -> QrisRead:
    """The QRIS in an encoded picture or PDF (``bytes``) or in a Pillow image.

    For a pasted screenshot or a webcam frame. A webcam loop that reads several frames a second
    passes a small ``time_budget`` (e.g. 0.1): the first pass always runs whole, the harder
    ones only while the budget lasts. Raises like :func:`read_qris`.
    """
    start = time.perf_counter()
    if isinstance(image, Image.Image):
        frames = _frames_from_pillow(image, name)
    elif isinstance(image, bytes | bytearray | memoryview):
        data = bytes(image)
        if not data:
            raise UnreadableFile(f"{name} is empty", "Gambarnya kosong")
        frames = _frames_from_bytes(data, name)
    else:
        raise TypeError(f"image must be bytes or a PIL.Image.Image, not {type(image).__name__}")
    return _search(frames, name, start, time_budget)


# --------------------------------------------------------------------------------------------
# Loading


@dataclass(frozen=True)
class _Frame:
    """One grey picture to search: a picture, a PDF page, or a transparent PNG on black."""

    gray: Image.Image  # mode "L", long side at most MAX_SIDE
    page: int | None


def _read_file(path: Path, name: str) -> bytes:
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise UnreadableFile(f"{name} is a folder, not a picture",
                                 "Ini folder, bukan berkas gambar")
        if size > MAX_FILE_BYTES:
            raise UnreadableFile(
                f"{name} is too large ({size // (1024 * 1024)} MB; at most "
                f"{MAX_FILE_BYTES // (1024 * 1024)} MB)",
                "Berkasnya terlalu besar — kirim foto atau tangkapan layar QRIS saja",
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise UnreadableFile(f"{name} does not exist", "Berkas tidak ditemukan") from None
    except PermissionError:
        raise UnreadableFile(f"cannot read {name}: permission denied",
                             "Berkas tidak bisa dibuka (tidak ada izin)") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read {name}: {exc.strerror or exc}",
                             "Berkas tidak bisa dibaca") from None
    if not data:
        raise UnreadableFile(f"{name} is empty", "Berkasnya kosong")
    return data


def _frames_from_bytes(data: bytes, name: str) -> list[_Frame]:
    if b"%PDF-" in data[:1024]:  # PDF readers accept junk before the header; so do we
        return _pdf_frames(data, name)
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        raise UnreadableFile(
            f"{name} is a HEIC/HEIF photo, which cannot be read; save it as JPEG or PNG "
            "(or take a screenshot of it)",
            "Foto HEIC belum bisa dibaca — simpan sebagai JPEG atau kirim tangkapan layarnya",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format == "JPEG":
                # Decode only the luminance, and at 1/2, 1/4 or 1/8 size straight away when the
                # photo is larger than we work on: that is free in a JPEG decoder.
                factor = max(1, -(-max(image.size) // MAX_SIDE))
                image.draft("L", (image.width // factor, image.height // factor))
            elif image.width * image.height > MAX_PIXELS:
                raise UnreadableFile(
                    f"{name} is too large ({image.width}x{image.height} pixels; at most "
                    f"{MAX_PIXELS // 1_000_000} megapixels)",
                    "Gambarnya terlalu besar — kirim foto atau tangkapan layar QRIS saja",
                )
            image.load()
            return _frames_from_pillow(image, name)
    except UnidentifiedImageError:
        if data.startswith(_PICTURE_SIGNATURES):  # a picture's header, then garbage
            raise UnreadableFile(f"{name} is damaged or incomplete (a picture's header, but "
                                 "no readable picture)",
                                 "Gambarnya rusak atau tidak lengkap — ambil atau unduh ulang"
                                 ) from None
        raise UnreadableFile(f"{name} is not a picture (PNG, JPEG ...) or a PDF",
                             "Berkas ini bukan gambar (PNG/JPEG) atau PDF") from None
    except Image.DecompressionBombError:
        raise UnreadableFile(f"{name} is too large to open",
                             "Gambarnya terlalu besar — kirim foto atau tangkapan layar QRIS saja"
                             ) from None
    except _DAMAGED as exc:
        raise UnreadableFile(f"{name} is damaged or incomplete ({exc})",
                             "Gambarnya rusak atau tidak lengkap — ambil atau unduh ulang"
                             ) from None


def _frames_from_pillow(image: Image.Image, name: str) -> list[_Frame]:
    if image.width < 1 or image.height < 1:
        raise UnreadableFile(f"{name} has no pixels", "Gambarnya kosong")
    try:
        has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
            image.mode == "P" and "transparency" in image.info
        )
        if not has_alpha:
            return [_Frame(_cap(_to_gray(image)), None)]
        rgba = image.convert("RGBA")
        frames = [_Frame(_cap(_on_paper(rgba, (255, 255, 255, 255))), None)]
        # Really transparent somewhere: a white QR may be drawn on nothing, so search on black too.
        if rgba.getchannel("A").histogram()[255] < rgba.width * rgba.height:
            frames.append(_Frame(_cap(_on_paper(rgba, (0, 0, 0, 255))), None))
        return frames
    except _DAMAGED as exc:
        raise UnreadableFile(f"{name} is damaged or incomplete ({exc})",
                             "Gambarnya rusak atau tidak lengkap — ambil atau unduh ulang"
                             ) from None


def _to_gray(image: Image.Image) -> Image.Image:
    if image.mode == "L":
        return image
    if image.mode == "I" or image.mode.startswith("I;16"):
        # 16-bit grey (some scanners): convert("L") clips everything above 255 to white
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return image.convert("L")


def _on_paper(rgba: Image.Image, color: tuple[int, int, int, int]) -> Image.Image:
    paper = Image.new("RGBA", rgba.size, color)
    paper.alpha_composite(rgba)
    return paper.convert("L")


def _cap(gray: Image.Image, side: int = MAX_SIDE) -> Image.Image:
    """``gray`` reduced by a whole factor (a fast box filter) until its long side fits ``side``."""
    factor = -(-max(gray.size) // side)
    return gray.reduce(factor) if factor > 1 else gray


def _pdf_frames(data: bytes, name: str) -> list[_Frame]:
    try:
        from pos_app.ui.pdf_pages import PdfError, render_pages
    except ImportError:  # a build without QtPdf
        raise UnreadableFile(
            f"{name} is a PDF, and PDF support (QtPdf) is not installed; send a screenshot",
            "PDF tidak bisa dibaca di komputer ini — kirim tangkapan layar QRIS-nya",
        ) from None
    try:
        pages = render_pages(data, max_pages=PDF_PAGES, dpi=PDF_DPI, max_side=MAX_SIDE)
    except PdfError as exc:
        if exc.kind == "password":
            raise UnreadableFile(
                f"{name}: {exc}",
                "PDF ini dikunci kata sandi — buka di ponsel lalu kirim tangkapan layar "
                "QRIS-nya",
            ) from None
        raise UnreadableFile(f"{name}: {exc}",
                             "PDF ini rusak atau tidak bisa dibaca") from None
    return [
        _Frame(Image.frombuffer("L", (p.width, p.height), p.pixels, "raw", "L", p.stride, 1),
               p.number)
        for p in pages
    ]


# --------------------------------------------------------------------------------------------
# Searching

# A pass turns a frame into pictures to decode (none when it does not apply to that frame),
# with the binariser zxing-cpp should use on them.
_Variant = tuple[str, Image.Image]
_Pass = tuple[str, Callable[[Image.Image], Iterator[_Variant]], zxingcpp.Binarizer]


def _work(gray: Image.Image) -> Image.Image:
    return _cap(gray, WORK_SIDE)


def _as_is(gray: Image.Image) -> Iterator[_Variant]:
    yield "", gray


def _contrast(gray: Image.Image) -> Iterator[_Variant]:
    work = _work(gray)
    yield "stretched", ImageOps.autocontrast(work, cutoff=1)
    yield "equalized", ImageOps.equalize(work)


def _downscaled(gray: Image.Image) -> Iterator[_Variant]:
    for factor in (2, 4):
        if min(gray.size) // factor >= 200:
            yield f"1/{factor}", gray.reduce(factor)


def _upscaled(gray: Image.Image) -> Iterator[_Variant]:
    side = max(gray.size)
    for factor in (2, 3):
        if side * factor <= 2 * WORK_SIDE and side < 1200:
            size = (gray.width * factor, gray.height * factor)
            yield f"x{factor}", gray.resize(size, Image.Resampling.LANCZOS)


def _sharpened(gray: Image.Image) -> Iterator[_Variant]:
    work = _work(gray)
    for radius in (2, 4):
        yield f"radius {radius}", work.filter(ImageFilter.UnsharpMask(radius, 300, 0))


def _smoothed(gray: Image.Image) -> Iterator[_Variant]:
    # Not a median filter: Pillow's rank filters hold the GIL (0.3 s for a 5x5 median on the
    # work copy, and the window's GUI thread would stall that long); blurs release it.
    work = _work(gray)
    yield "gaussian 1", work.filter(ImageFilter.GaussianBlur(1))
    yield "box 2 + stretched", ImageOps.autocontrast(work.filter(ImageFilter.BoxBlur(2)), 1)


def _turned(gray: Image.Image) -> Iterator[_Variant]:
    work = _work(gray)
    fill = _median_level(work)
    for angle in (10, -10, 25, -25, 45):
        yield f"{angle} degrees", work.rotate(
            angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=fill
        )


def _thresholds(gray: Image.Image) -> Iterator[_Variant]:
    work = ImageOps.autocontrast(_work(gray), cutoff=1)
    for level in (96, 128, 160):
        yield f"at {level}", work.point(lambda v, t=level: 255 if v >= t else 0)


def _tiles(gray: Image.Image) -> Iterator[_Variant]:
    """Overlapping tiles (2x2, then 3x3), each enlarged to about WORK_SIDE: a small QR far away
    in a big photo gets the pixels of the original back, and the clutter around it is cut."""
    for n in (2, 3):
        if max(gray.size) < 400 * n:
            continue
        w, h = gray.width / n, gray.height / n
        k = 0
        for row in range(n):
            for col in range(n):
                k += 1
                # each tile reaches a quarter tile into its neighbours, so a QR on a seam is
                # whole in one of them
                box = (max(0, int((col - 0.25) * w)), max(0, int((row - 0.25) * h)),
                       min(gray.width, int((col + 1.25) * w)),
                       min(gray.height, int((row + 1.25) * h)))
                tile = gray.crop(box)
                grow = WORK_SIDE / max(tile.size)
                if grow > 1.2:
                    size = (round(tile.width * grow), round(tile.height * grow))
                    tile = tile.resize(size, Image.Resampling.BICUBIC)
                yield f"{k}/{n * n}", ImageOps.autocontrast(tile, cutoff=1)


def _median_level(gray: Image.Image) -> int:
    histogram = gray.histogram()
    half, seen = sum(histogram) // 2, 0
    for level, count in enumerate(histogram):
        seen += count
        if seen >= half:
            return level
    return 128


_LOCAL = zxingcpp.Binarizer.LocalAverage
_GLOBAL = zxingcpp.Binarizer.GlobalHistogram
PASSES: tuple[_Pass, ...] = (
    ("as is", _as_is, _LOCAL),
    ("global threshold", _as_is, _GLOBAL),
    ("contrast", _contrast, _LOCAL),
    ("downscaled", _downscaled, _LOCAL),
    ("upscaled", _upscaled, _LOCAL),
    ("sharpened", _sharpened, _LOCAL),
    ("smoothed", _smoothed, _LOCAL),
    ("turned", _turned, _LOCAL),
    ("threshold", _thresholds, _LOCAL),
    ("tile", _tiles, _LOCAL),
    ("tile, global threshold", _tiles, _GLOBAL),
)


@dataclass(frozen=True)
class _Code:
    text: str
    page: int | None


def _decode(image: Image.Image, binarizer: zxingcpp.Binarizer) -> tuple[list[str], bool]:
    """(texts read, whether a QR was seen but not read)."""
    codes = zxingcpp.read_barcodes(
        image, formats=_QR, binarizer=binarizer, text_mode=zxingcpp.TextMode.Plain,
        return_errors=True,
    )
    texts = [c.text for c in codes if c.valid and c.text]
    return texts, any(not c.valid for c in codes)


def _search(frames: list[_Frame], name: str, start: float, budget: float) -> QrisRead:
    deadline = start + max(0.0, budget)
    seen_unreadable = False
    attempts = 0
    for pass_name, variants, binarizer in PASSES:
        if attempts and time.perf_counter() > deadline:
            break  # the first pass always runs whole, even on a zero budget
        attempts += 1
        codes: list[_Code] = []
        strategy = pass_name
        for frame in frames:
            for label, picture in variants(frame.gray):
                texts, unreadable = _decode(picture, binarizer)
                seen_unreadable |= unreadable
                if texts:
                    codes += [_Code(t, frame.page) for t in texts]
                    strategy = f"{pass_name} {label}".strip()
                    break  # this frame is done; a PDF's other pages are still read
                if attempts > 1 and time.perf_counter() > deadline:
                    break
        if codes:
            return _classify(codes, name, strategy, attempts, time.perf_counter() - start)
    raise NoQrFound(name, seen_unreadable=seen_unreadable, attempts=attempts,
                    seconds=time.perf_counter() - start)


def _classify(
    codes: list[_Code], name: str, strategy: str, attempts: int, seconds: float
) -> QrisRead:
    found: list[FoundQris] = []
    bad: list[tuple[str, InvalidQris]] = []
    others: list[str] = []
    seen: set[str] = set()
    for code in codes:
        text = code.text.strip()
        if text in seen:  # the same sticker on two pages, or found on two frames
            continue
        seen.add(text)
        if not text.startswith("0002"):  # not even the EMV payload format indicator
            others.append(text)
            continue
        try:
            found.append(FoundQris(text, parse(text), code.page))
        except InvalidQris as exc:
            bad.append((text, exc))
    if found:
        rest = tuple(t for t, _e in bad) + tuple(others)
        return QrisRead(tuple(found), rest, strategy, attempts, seconds)
    if bad:
        raise BadQris(name, *bad[0])
    raise NotQris(name, tuple(others))
