"""The start-up path stays light: issue 3 caps a cold start at 1.5x a bare PySide6 window
(bench/bench_startup.py measures it). The heaviest single item was PySide6 building its ``Qt``
namespace (~94 enums, ~12 ms), so the window the cashier sees first must not need it, nor the
classes only dialogs and the cart lines use. This runs in a fresh interpreter, because the test
process has long since loaded all of them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_helpers import ROOT, env_for

SCRIPT = r"""
import json, sys, time
from pos_app.ui.app import apply_look
from pos_app.demo import demo_products
from pos_app.settings import Settings
from pos_app.storage import catalog, open_database
from pos_app.ui.main_window import CashierWindow
from pos_app.ui.tasks import TaskManager
from PySide6 import QtCore, QtWidgets

data = sys.argv[1]
settings = Settings.load(data)
db = open_database(data + "/pos.sqlite3")
catalog.upsert_products(db, demo_products())
app = QtWidgets.QApplication(["t"])
apply_look(app)
tasks = TaskManager()
window = CashierWindow(settings, None, tasks, None, demo=True, db=db)
window.show()
deadline = time.monotonic() + 60
while not window.grid.shown and time.monotonic() < deadline:  # products on screen too
    app.processEvents()
loaded = {"QtCore": sorted(n for n in ("Qt", "QEvent") if n in vars(QtCore)),
          "QtWidgets": sorted(n for n in ("QMessageBox", "QTableWidget", "QDialog")
                              if n in vars(QtWidgets))}
print(json.dumps({"tiles": len(window.grid.shown), "loaded": loaded}))
tasks.shutdown()
"""


def test_cashier_window_comes_up_without_the_qt_namespace(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True,
                       text=True, env=env_for(tmp_path, QT_QPA_PLATFORM="offscreen"), cwd=ROOT,
                       timeout=110)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["tiles"] > 0
    assert out["loaded"] == {"QtCore": [], "QtWidgets": []}


def test_set_props_takes_qt_names_and_refuses_typos(qapp) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QLabel, QPushButton

    from pos_app.ui.props import no_focus, set_props

    label = QLabel("x")
    set_props(label, alignment="AlignRight|AlignVCenter")
    assert label.alignment() == Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    button = QPushButton("y")
    no_focus(button)
    assert button.focusPolicy() == Qt.FocusPolicy.NoFocus
    with pytest.raises(ValueError, match="alignment"):
        set_props(label, alignment="AlignMiddle")
    with pytest.raises(ValueError, match="focusPolcy"):
        set_props(button, focusPolcy="NoFocus")


def test_the_till_joins_window_payments_and_display(data_dir: Path, qapp, qtbot) -> None:
    """The composition root as ``pos-app`` runs it (without its event loop): the window
    first, then payments and the customer display joined through one set of app events."""
    from PySide6.QtCore import Qt

    from pos_app.settings import Settings
    from pos_app.ui.app import open_data
    from pos_app.ui.composition import App
    from pos_app.ui.customer_display import DisplayState
    from pos_app.ui.events import AppEvents
    from tests.till_helpers import ready_to_sell
    from tests.waiting import WAIT_MS

    Settings.load(data_dir).set("simulator.pay_after_s", "never")
    till = App(open_data(None), qapp, demo=True)
    try:
        w = till.window
        qtbot.addWidget(w)
        till.show()
        assert w.service is None and w.events is None, "payments come after show()"
        till.start()
        assert till.display is not None and till.service is not None
        qtbot.addWidget(till.display)
        ready_to_sell(till, qtbot)
        assert isinstance(till.events, AppEvents)
        assert w.events is till.events and w.service is till.service and w.display is till.display
        qtbot.waitUntil(lambda: bool(w.grid.shown), timeout=WAIT_MS)  # demo products
        qtbot.keyClicks(w.search_input, "089686010947")
        qtbot.keyClick(w.search_input, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: till.display.state is DisplayState.CART, timeout=WAIT_MS)
        w.pay_qris()  # waits on the writer thread behind the integrity check, then sells
        qtbot.waitUntil(lambda: till.display.state is DisplayState.QRIS, timeout=WAIT_MS)
        with qtbot.waitSignal(w.saleCompleted, timeout=WAIT_MS):
            w.qris_dialog.simulate_button.click()  # needs the engine, started after the check
            qtbot.waitUntil(lambda: till.display.state is DisplayState.PAID, timeout=WAIT_MS)
        w.close()
    finally:
        till.close()


def test_a_damaged_database_found_after_show_keeps_the_engine_stopped(
        data_dir: Path, qapp, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    from pos_app.ui.app import open_data
    from pos_app.ui.composition import App
    from tests.waiting import WAIT_MS

    ctx = open_data(None)
    monkeypatch.setattr(ctx.db, "verify", lambda: "page 7: btreeInitPage() returns error code 11")
    till = App(ctx, qapp, demo=True)
    try:
        qtbot.addWidget(till.window)
        till.show()
        till.start()
        qtbot.addWidget(till.display)
        qtbot.waitUntil(lambda: till.window.findChild(QMessageBox) is not None, timeout=WAIT_MS)
        box = till.window.findChild(QMessageBox)
        assert "rusak" in box.text() and "page 7" in box.informativeText()
        assert till.service.engine._thread is None, "no sync engine on a damaged file"
        till.window.close()
    finally:
        till.close()
