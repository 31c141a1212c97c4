"""Guards against a broken Qt binding: PySide6 6.12.0 dropped a reference to every value a
Python slot returns, and the app aborted at exit (or mid-sale) with "bool_dealloc". The lock
file pins a good version; this test fails loudly if an upgrade brings the bug back."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = r"""
import os
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QPushButton

app = QApplication([])

class Source(QObject):
    sig = Signal(str)

source = Source()
button = QPushButton()
button.clicked.connect(lambda: source.sig.emit("x"))  # the slot returns emit()'s bool
button.clicked.connect(lambda: None)
for _ in range(3000):
    button.click()
print("done")
"""


def test_slot_return_values_do_not_corrupt_refcounts() -> None:
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60,
                       env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0 and r.stdout.strip() == "done", r.stderr[-500:]
