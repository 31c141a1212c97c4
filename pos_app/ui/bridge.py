"""The sync engine's events, brought to the GUI thread and into the till's app events.

The engine calls its listeners on its own threads. Emitting a signal of an object that lives
in the GUI thread queues the call there, so :meth:`AppEvents.publish` -- the one place that
translates engine events into app events -- and every widget after it only ever run on the
GUI thread, in the order the engine reported.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from pos_app.payments import PaymentService
from pos_app.ui.events import AppEvents
from sync.events import SyncEvent


class SyncBridge(QObject):
    # The raw engine event, on the GUI thread (benches time what reached it); the till's parts
    # subscribe to the named app events instead.
    event = Signal(object)  # SyncEvent

    def __init__(self, service: PaymentService, events: AppEvents,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self.event.connect(events.publish)
        service.subscribe(self._forward)

    def _forward(self, ev: SyncEvent) -> None:  # on an engine thread
        self.event.emit(ev)

    def detach(self) -> None:
        self._service.unsubscribe(self._forward)
