"""Signing in at a till built by the app's composition root (``App``), for the tests whose
subject is something else: an owner with a real PIN check and an open shift, so that the
till sells (``pos_app.ui.staff_session``). The PIN pad itself is tested in test_ui_staff.py
and the whole flow in test_e2e_day.py."""

from __future__ import annotations

from typing import Any

from pos_app.clock import utcnow
from pos_app.staff import Role, User
from pos_app.storage import shifts as shift_store, staff as staff_store
from tests.waiting import WAIT_MS

OWNER, PIN = "Pemilik", "1234"


def ready_to_sell(till: Any, qtbot: Any, *, shift: bool = True) -> User:
    """Sign the till's owner in (made first if the shop has none) and open its shift."""
    db, settings = till.ctx.db, till.ctx.settings
    now = utcnow()
    try:
        staff_store.get_user(db, OWNER)
    except staff_store.UnknownUser:
        staff_store.add_user(db, OWNER, Role.OWNER, PIN, now, actor="test")
    user = staff_store.sign_in(db, OWNER, PIN, now)
    terminal = str(settings.get("store.terminal_id"))
    if shift and shift_store.current_shift(db, terminal) is None:
        shift_store.open_shift(db, terminal, settings.timezone(), user.name, 0, now)
    if till.session is None:  # shown but not started: the session comes with start()
        till.session = till.window.enable_staff()
    session = till.session
    session._signed_in(user)
    if shift:
        qtbot.waitUntil(lambda: session.shift is not None, timeout=WAIT_MS)
    return user
