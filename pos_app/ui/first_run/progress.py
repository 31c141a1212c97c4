"""How far the first-run guide got, whether it is needed, and the guesses it starts from.

No Qt in here: :func:`needs_first_run` runs on a worker (it reads the database) before any
window of the till exists, and the rules are tested without widgets.

Decisions:

* **Progress is the last step completed**, by name, in ``setup.first_run_step`` (the typed
  registry of :mod:`pos_app.settings`): ``""`` before the first *Lanjut*, a step name after
  it, ``"done"`` after "Selesai — mulai berjualan". Steps are completed in order (Next
  validates and saves the step), so "the last one completed" and "the first one not
  completed" say the same. A step saved again after going Back never moves the mark back.
  Names, not numbers: a later version may add a step without shifting what was stored.
* **Who needs the guide** (:func:`needs_first_run`): a till whose guide was finished never
  does; one whose guide was started resumes it (the owner may have quit after step 2); one
  that never saw the guide needs it only while it has no real owner. So a shop set up before
  this version (owner made by the bare "Buat akun pemilik" dialog) is not sent back through
  it, and demo mode's "Pemilik Demo" (``users.demo = 1``) does not count as an owner.
* **Time zone from the PC's UTC offset** (+7 WIB, +8 WITA, +9 WIT): an Indonesian PC's clock
  is set to one of the three, while the zone *name* the OS keeps differs by OS (Windows says
  "SE Asia Standard Time"). Any other offset (a PC left on UTC) gives the registry's default,
  Asia/Jakarta.
* **The test sale's amount** is Rp 1 unless the provider's description declares a minimum
  (a ``min_amount`` attribute); none of today's descriptions does.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from pos_app.settings import KEYS, Settings, SettingsError
from pos_app.storage.database import Database
from sync.providers import PROVIDERS

__all__ = ["DONE", "STEPS", "STEP_KEY", "completed_step", "first_open_step",
           "needs_first_run", "pc_zone", "real_owner", "record_completed", "trial_amount"]

log = logging.getLogger(__name__)

STEP_KEY = "setup.first_run_step"
DONE = "done"
STEPS: tuple[str, ...] = tuple(c for c in KEYS[STEP_KEY].choices or () if c not in ("", DONE))
"""The guide's steps in order, as the registry spells them (one list, in pos_app.settings)."""

# The zones Indonesia uses, by their UTC offset in hours.
_ZONES_BY_OFFSET = {7: "Asia/Jakarta", 8: "Asia/Makassar", 9: "Asia/Jayapura"}


def completed_step(settings: Settings) -> str:
    """The last step completed ("" for none, :data:`DONE` when finished). A bad hand edit of
    config.toml reads as "none": the guide then starts from the first step."""
    try:
        return str(settings.get(STEP_KEY))
    except SettingsError as exc:
        log.warning("first-run progress unreadable, starting over: %s", exc)
        return ""


def first_open_step(settings: Settings) -> int:
    """Index of the first step not completed; ``len(STEPS)`` (the last page) when all are."""
    step = completed_step(settings)
    if step == DONE:
        return len(STEPS)
    return STEPS.index(step) + 1 if step in STEPS else 0


def record_completed(settings: Settings, step: str) -> None:
    """Mark ``step`` (or :data:`DONE`) completed, unless a later one already is. Raises
    ``SettingsError`` when config.toml can't be written."""
    order = ("", *STEPS, DONE)
    if order.index(step) > order.index(completed_step(settings)):
        settings.set(STEP_KEY, step)


def real_owner(db: Database) -> str | None:
    """The name of the shop's first active owner that is not a demo account, or None.
    Reads the database: not on the GUI thread."""
    from pos_app.storage.staff import first_real_owner

    return first_real_owner(db)


def needs_first_run(settings: Settings, db: Database) -> bool:
    """True when the till should open the first-run guide: on a fresh data dir (no owner,
    the guide not completed), and when a guide that was started is not finished yet.
    Reads the database: call it on a worker (``tasks.read``), not on the GUI thread."""
    step = completed_step(settings)
    if step == DONE:
        return False
    if step:
        return True  # started: resume where it stopped
    return real_owner(db) is None


def pc_zone(offset: timedelta | None = None) -> str:
    """WIB / WITA / WIT (as Asia/Jakarta, Asia/Makassar, Asia/Jayapura) from the PC's UTC
    offset (``offset``, default: the PC's now); Asia/Jakarta for any other offset."""
    if offset is None:
        offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    hours, rest = divmod(offset, timedelta(hours=1))
    return _ZONES_BY_OFFSET.get(int(hours), "Asia/Jakarta") if not rest else "Asia/Jakarta"


def trial_amount(provider: str) -> int:
    """The test sale's amount for ``provider``: Rp 1, or the minimum its description declares."""
    minimum = getattr(PROVIDERS.get(provider), "min_amount", None)
    return max(1, int(minimum)) if isinstance(minimum, int) else 1
