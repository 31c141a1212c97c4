"""This till's link to the central store: the uploader built from its settings.

A till is enrolled by ``pos-app central enroll`` (``central.url``, ``central.user`` and the
secret ``central.password``, plus the enrolment recorded in SQLite's ``central_state``). The
payment service starts the uploader with the sync engine and stops it with it; a till that
is not enrolled gets none and never connects anywhere. Settings are read when the service
starts: an enrolment made from the command line while the window is open takes effect at
the next start (the change log records from the moment of enrolment, so nothing is missed).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pos_app.clock import utcnow
from pos_app.settings import Settings
from pos_app.storage.database import Database

if TYPE_CHECKING:
    import psycopg

    from sync.central import CentralSync

#: a till's connection waits this long for the server: the worker backs off after it
CONNECT_TIMEOUT_S = 10


def central_sync(settings: Settings, db: Database, *,
                 clock: Callable[[], datetime] = utcnow) -> CentralSync | None:
    """The uploader for this till, or None when it has no central credentials."""
    url = str(settings.get("central.url") or "")
    user = str(settings.get("central.user") or "")
    password = str(settings.get("central.password") or "")
    if not (url and user and password):
        return None
    from pos_app.central.connect import connect
    from sync.central import CentralSync

    def open_connection() -> psycopg.Connection[Any]:
        return connect(url, user=user, password=password, connect_timeout=CONNECT_TIMEOUT_S)

    return CentralSync(db, open_connection, clock=clock)


def status_document(db: Database, now: datetime | None = None) -> dict[str, Any]:
    """``pos-app central status --json`` (and ``sync status``'s ``central``): read from SQLite
    only, so it answers offline. Times are UTC ISO-8601; ``lag_s`` is the age of the oldest
    change not uploaded yet (null when nothing waits)."""
    from pos_app.clock import to_iso
    from sync.central import central_status

    s = central_status(db, now)
    return {
        "enrolled": s.enrolled, "outlet": s.outlet_id, "terminal_id": s.terminal_id,
        "last_upload_at": to_iso(s.last_upload_at) if s.last_upload_at else None,
        "entries_waiting": s.changes_waiting,
        "lag_s": None if s.lag_s is None else round(s.lag_s, 1),
        "last_error": s.last_error,
        "catalog_managed": s.catalog_managed, "catalog_version": s.catalog_version_seen,
        "last_catalog_at": to_iso(s.last_catalog_at) if s.last_catalog_at else None,
    }
