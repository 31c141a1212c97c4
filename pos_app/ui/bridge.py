"""The sync engine's events as a Qt signal on the GUI thread.

The engine calls listeners on its own threads; emitting a signal of an object that lives in the
GUI thread queues the call there, so widgets only ever see events in the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from pos_app.payments import PaymentService
from sync.events import SyncEvent


class SyncBridge(QObject):
    event = Signal(object)  # SyncEvent

    def __init__(self, service: PaymentService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        service.subscribe(self._forward)

    def _forward(self, ev: SyncEvent) -> None:
        self.event.emit(ev)

    def detach(self) -> None:
        self._service.unsubscribe(self._forward)
