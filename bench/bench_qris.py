"""Benchmark: static -> dynamic QRIS conversion, including full validation, ours vs qriskit.

Standalone script; prints ONE JSON object to stdout. Run from the repo root:
``.venv/bin/python bench/bench_qris.py``. Requirement: ours median < 25 us and >= 2x faster.

Both sides do the same job on the same inputs in the same process: parse + strict validation
(CRC included) + conversion to a dynamic payload string with the amount.
qriskit: ``qriskit.parse(p, strict=True).to_dynamic(amount).dumps()``.
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import qriskit

from pos_app.qris import parse, to_dynamic
from tests.qris_samples import (
    BANKNEO,
    DYNAMIC_SORTED,
    FEE_FIXED,
    GOPAY_UNSORTED_QRIS_51,
)

INPUTS: dict[str, str] = {
    "static_sorted": BANKNEO,
    "static_unsorted_gopay": GOPAY_UNSORTED_QRIS_51,
    "static_fixed_fee": FEE_FIXED,
    "dynamic_existing_amount": DYNAMIC_SORTED,
}
AMOUNT = 150_000
REPEAT = 15
NUMBER = 2000


def ours(payload: str) -> str:
    return to_dynamic(payload, AMOUNT)


def theirs(payload: str) -> str:
    return qriskit.parse(payload, strict=True).to_dynamic(AMOUNT).dumps()


def samples_us(func: Callable[[str], str], payload: str) -> list[float]:
    func(payload)  # warm up
    runs = timeit.repeat(lambda: func(payload), number=NUMBER, repeat=REPEAT)
    return [run / NUMBER * 1e6 for run in runs]


def main() -> None:
    per_input = {}
    all_ours: list[float] = []
    all_theirs: list[float] = []
    all_parse: list[float] = []
    # Interleave per input so machine noise hits both sides alike.
    for name, payload in INPUTS.items():
        assert parse(ours(payload)).amount == AMOUNT
        o = samples_us(ours, payload)
        t = samples_us(theirs, payload)
        p = samples_us(lambda s: parse(s).dump(), payload)
        all_ours += o
        all_theirs += t
        all_parse += p
        per_input[name] = {
            "ours_median_us": round(statistics.median(o), 2),
            "qriskit_median_us": round(statistics.median(t), 2),
            "ours_parse_dump_median_us": round(statistics.median(p), 2),
            "payload_chars": len(payload),
        }
    ours_median = statistics.median(all_ours)
    theirs_median = statistics.median(all_theirs)
    speedup = theirs_median / ours_median
    print(
        json.dumps(
            {
                "benchmark": "static->dynamic incl. validation",
                "ours_median_us": round(ours_median, 2),
                "qriskit_median_us": round(theirs_median, 2),
                "speedup": round(speedup, 2),
                "ours_parse_dump_median_us": round(statistics.median(all_parse), 2),
                "n": len(all_ours) * NUMBER,
                "inputs": len(INPUTS),
                "repeat": REPEAT,
                "number": NUMBER,
                "per_input": per_input,
                "meets_requirement": ours_median < 25 and speedup >= 2,
                "python": platform.python_version(),
                "qriskit": qriskit.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
