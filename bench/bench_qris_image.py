"""Benchmark: reading the shop's QRIS from pictures (pos_app.qris_image).

Standalone script; prints ONE JSON object to stdout. Run from the repo root:
``.venv/bin/python bench/bench_qris_image.py``.

Requirements (issue 13): at least 9 of the 10 pictures of tests/qris_pictures.py decode to the
right payload, and a 12-megapixel (4000x3000) phone photo reads in under 2 s. Timed per picture
is the whole ``read_qris(path)``: reading the file, decoding it (JPEG, PNG, or rendering the PDF
page), and every pass it needed. Each picture is read ``RUNS`` times after one warm-up read (the
first PDF loads QtPdf, ~0.1 s, once per process); the median of those runs is its time. The
12 MP photo is timed twice: with the sticker on it, and with the sticker covered (the worst
case: every pass runs until the time budget is spent).
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw, __version__ as pillow_version

from pos_app.qris_image import DEFAULT_TIME_BUDGET_S, QrisImageError, read_qris
from tests.qris_pictures import photo_12mp, write_pictures
from tests.qris_samples import BANKNEO

RUNS = 5


def time_read(path: Path, runs: int = RUNS) -> tuple[list[float], str | None, str]:
    """(milliseconds per run, the payload read or None, how: pass name or error class)."""
    try:
        read_qris(path)  # warm-up
    except QrisImageError:
        pass
    times: list[float] = []
    text: str | None = None
    how = ""
    for _ in range(runs):
        start = time.perf_counter()
        try:
            found = read_qris(path)
            text, how = found.text, found.strategy
        except QrisImageError as exc:
            text, how = None, type(exc).__name__
        times.append((time.perf_counter() - start) * 1e3)
    return times, text, how


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        per_picture = {}
        medians: list[float] = []
        decoded = 0
        for picture, path in write_pictures(folder / "pictures"):
            times, text, how = time_read(path)
            ok = text == picture.payload
            decoded += ok
            median = statistics.median(times)
            medians.append(median)
            per_picture[picture.name] = {"ok": ok, "median_ms": round(median, 1),
                                         "pass": how, "bytes": path.stat().st_size}

        photo = photo_12mp(BANKNEO)
        with_qr = folder / "photo_12mp.jpg"
        photo.save(with_qr, "JPEG", quality=90)
        ImageDraw.Draw(photo).rectangle((1000, 300, 3300, 2900), fill=(120, 110, 100))
        without_qr = folder / "photo_12mp_no_qr.jpg"
        photo.save(without_qr, "JPEG", quality=90)
        size = Image.open(with_qr).size
        photo_times, photo_text, photo_how = time_read(with_qr)
        empty_times, _none, empty_how = time_read(without_qr, runs=3)

    photo_ms = statistics.median(photo_times)
    print(json.dumps({
        "benchmark": "QRIS from pictures (read_qris)",
        "decoded": decoded,
        "pictures": len(per_picture),
        "per_picture_median_ms": round(statistics.median(medians), 1),
        "per_picture_max_ms": round(max(medians), 1),
        "photo_12mp": {
            "size": list(size),
            "ok": photo_text == BANKNEO,
            "median_ms": round(photo_ms, 1),
            "max_ms": round(max(photo_times), 1),
            "pass": photo_how,
        },
        "photo_12mp_no_qr": {
            "median_ms": round(statistics.median(empty_times), 1),
            "max_ms": round(max(empty_times), 1),
            "result": empty_how,
            "time_budget_s": DEFAULT_TIME_BUDGET_S,
        },
        "meets_requirement": decoded >= 9 and photo_text == BANKNEO and photo_ms < 2000,
        "pictures_detail": per_picture,
        "runs": RUNS,
        "python": platform.python_version(),
        "pillow": pillow_version,
        "zxing_cpp": version("zxing-cpp"),
    }))


if __name__ == "__main__":
    main()
