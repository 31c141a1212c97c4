"""Time helpers: UTC in storage, the store's zone on screen and for business dates.

Every stored timestamp is an ISO-8601 UTC string with millisecond precision and a trailing
``Z`` (``2026-11-27T09:11:36.123Z``), so that text order is time order inside SQLite.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime  # UTC: the providers import it from here
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Jakarta"

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp without zone: {text!r}")
    return moment.astimezone(UTC)


def zone(name: str | None) -> ZoneInfo:
    from zoneinfo import ZoneInfo  # imported on first use: the window needs no zone to appear

    return ZoneInfo(name or DEFAULT_ZONE)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The store's business date of a moment (a sale at 23:30 WIB belongs to that WIB day)."""
    return moment.astimezone(tz).date()


def monotonic() -> float:
    return time.monotonic()
