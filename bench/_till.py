"""The till as the window benchmarks build it (``bench_window.py``, ``bench_soak.py``).

The real parts, joined by the app's composition root (``CashierWindow`` with a service and a
display calls ``pos_app.ui.composition.connect``): a ``PaymentService`` selling through the
simulator, the ``TaskManager``, the customer display and the cashier window, shown the way
``pos_app/ui/app.py`` shows them. Import after ``QT_QPA_PLATFORM`` is set and the work tree
is on ``sys.path``.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from _qt_timing import bring_up_till, spin
from PySide6.QtWidgets import QApplication

from pos_app.cart import Product
from pos_app.payments import PaymentService
from pos_app.settings import Settings
from pos_app.storage import catalog, open_database
from pos_app.storage.database import Database
from pos_app.ui.app import apply_look
from pos_app.ui.customer_display import CustomerDisplay
from pos_app.ui.main_window import CashierWindow
from pos_app.ui.tasks import TaskManager


@dataclass
class Till:
    app: QApplication
    settings: Settings
    db: Database
    service: PaymentService
    tasks: TaskManager
    display: CustomerDisplay
    window: CashierWindow
    products: list[Product]

    def close(self) -> None:
        """The engine, the writer thread, both windows, then the database."""
        self.service.stop()
        self.tasks.shutdown()
        self.display.close()
        self.window.close()
        self.db.close()


def build_till(data_dir: Path, products: Sequence[Product], *, wait_s: float,
               settings: Mapping[str, str] | None = None) -> Till:
    """A till on ``data_dir`` with ``products`` in its catalogue and ``settings`` set first,
    shown and with its first search on screen (RuntimeError when that never comes)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("pos-app")
    apply_look(app)  # before the widgets exist, as pos_app.ui.app.run does
    stored = Settings.load(data_dir)
    for key, value in (settings or {}).items():
        stored.set(key, value)
    db = open_database(data_dir / "pos.sqlite3")
    catalog.upsert_products(db, list(products))
    service = PaymentService(db, stored, provider_override="simulator")
    tasks = TaskManager()
    display = CustomerDisplay(store_name=str(stored.get("store.name")))
    window = CashierWindow(stored, service, tasks, display, demo=True)
    service.start()
    if not bring_up_till(window, display, stored, tasks, wait_s):
        raise RuntimeError("the window's first search and categories never arrived")
    spin(200)
    return Till(app, stored, db, service, tasks, display, window, list(products))
