"""A loopback fake of the Pakasir API (seed 003, as the real back-end behaves: SPEC.md section 5).

Endpoints:

* ``POST /api/transactioncreate/qris`` ``{"project", "order_id", "amount", "api_key"}`` ->
  200 ``{"payment": {"project", "order_id", "amount", "fee", "total_payment",
  "payment_method": "qris", "payment_number": <dynamic QRIS of total_payment>, "expired_at":
  <RFC 3339 with NANOSECONDS>}}``. Idempotent by order id: a second create with the same
  (project, order_id) and amount answers the existing transaction unchanged, whatever its
  status (our assumption about the real back-end; it is what makes the engine's "retry with the
  same order id" safe). The same order id with another amount is 400.
* ``GET /api/transactiondetail?project=&amount=&order_id=&api_key=`` -> 200 ``{"transaction":
  {"amount", "order_id", "project", "status", "payment_method", "completed_at"}}``. ``amount``
  must be the ORIGINAL amount given to create (not ``total_payment``); any other amount is
  404 ``{"error": "Transaction not found"}``, like an unknown order id.
* ``POST /api/transactioncancel`` ``{"project", "order_id", "amount", "api_key"}``: pending ->
  cancelled (200 ``{"success": true, ...}``), already cancelled -> 200 again, completed -> 400
  ``{"error": "Transaction already completed"}``, expired -> 400 ``{"error": "Transaction
  already expired"}``.
* wrong project or API key, on any endpoint: ``auth_error_status`` (default 400, as the seed's
  ``"Invalid project ..."`` error suggests; set 401 to test that path) with ``{"error": "Invalid
  project or api key", "code": ...}``.
* more than ``creates_per_minute`` (default 100) create requests for one project within 60 s:
  429 ``{"error": "Too many requests"}`` with ``Retry-After``.

Control API for tests, engine end-to-end runs and benchmarks::

    fake = PakasirFake(projects={"warung": "KEY..."}, fee=lambda amount: 500)
    fake.start()                       # -> base URL; fake.stop() at the end
    fake.complete(order_id)            # the customer paid (completed_at = now, WIB offset)
    fake.expire(order_id)              # Pakasir expired it
    fake.cancel(order_id)              # cancelled on Pakasir's side (dashboard)
    fake.cancel_spelling = "canceled"  # or "cancelled" (default): what status cancel writes
    fake.transaction(order_id)         # -> PakasirTransaction (or KeyError)
    fake.transactions                  # {(project, order_id): PakasirTransaction}, a copy
    fake.latency_s = 0.2               # every request sleeps this long first
    fake.creates_per_minute = 100      # rate limit per project
    fake.advance(seconds)              # move the fake's clock (expiry) without sleeping
    fake.counters                      # {"create": n, "detail": n, "cancel": n, "rate_limited": n,
                                       #  "auth_failed": n, "created": n}
    fake.webhook_body(order_id, status="completed")   # what Pakasir would POST to us (unsigned)

Pending transactions whose ``expired_at`` has passed (on the fake's clock) read as ``expired``.
Fault injection (``fake.inject(Fault...)``) and request recording come from ``FakeBackend``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pos_app import qris
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.fakes.server import FakeBackend, Reply, Request

__all__ = ["DEFAULT_API_KEY", "DEFAULT_PROJECT", "PakasirFake", "PakasirTransaction", "seed_fee"]

DEFAULT_PROJECT = "warung-demo"
DEFAULT_API_KEY = "pk_live_Zx81TqB3nQe7YvW2"
WIB = timezone(timedelta(hours=7))
NS = 1_000_000_000


def seed_fee(amount: int) -> int:
    """A fee just to have one (roughly the seed's 0.7% + Rp310). Adapters must NOT compute it."""
    return round(amount * 0.007) + 310


def format_ns(epoch_ns: int, offset: timezone = UTC) -> str:
    """RFC 3339 with 9 fractional digits, like Go's time.RFC3339Nano without zero-trimming."""
    seconds, nanos = divmod(epoch_ns, NS)
    moment = datetime.fromtimestamp(seconds, offset)
    zone = "Z" if offset is UTC else moment.strftime("%z")
    if zone != "Z":
        zone = f"{zone[:3]}:{zone[3:]}"
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{nanos:09d}{zone}"


@dataclass(frozen=True)
class PakasirTransaction:
    project: str
    order_id: str
    amount: int  # the order's own amount, as given to create
    fee: int
    total_payment: int
    payment_number: str  # dynamic QRIS for total_payment
    status: str  # pending | completed | expired | cancelled | canceled
    created_ns: int
    expired_ns: int
    completed_ns: int | None = None
    create_calls: int = 1  # how many create requests answered with this transaction

    @property
    def expired_at(self) -> str:
        return format_ns(self.expired_ns)


class PakasirFake(FakeBackend):
    """See the module docstring for the endpoints and the control API."""

    def __init__(
        self,
        projects: Mapping[str, str] | None = None,
        *,
        fee: Callable[[int], int] = seed_fee,
        ttl_s: float = 1800.0,
        cancel_spelling: str = "cancelled",
        auth_error_status: int = 400,
        creates_per_minute: int = 100,
        expiry_offset: timezone = UTC,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        super().__init__()
        self.projects: dict[str, str] = dict(projects or {DEFAULT_PROJECT: DEFAULT_API_KEY})
        self.fee = fee
        self.ttl_s = ttl_s
        self.cancel_spelling = cancel_spelling
        self.auth_error_status = auth_error_status
        self.creates_per_minute = creates_per_minute
        #: zone of expired_at in create answers (UTC "Z" by default; e.g. WIB for "+07:00")
        self.expiry_offset = expiry_offset
        self.latency_s = 0.0
        self._clock_ns = clock_ns
        self._offset_ns = 0
        self._tx: dict[tuple[str, str], PakasirTransaction] = {}
        self._creates: dict[str, deque[float]] = defaultdict(deque)
        self.counters: dict[str, int] = defaultdict(int)
        self._state = threading.RLock()

    # -- control API ------------------------------------------------------------------------
    def now_ns(self) -> int:
        return self._clock_ns() + self._offset_ns

    def advance(self, seconds: float) -> None:
        with self._state:
            self._offset_ns += int(seconds * NS)

    @property
    def transactions(self) -> dict[tuple[str, str], PakasirTransaction]:
        with self._state:
            return {key: self._current(tx) for key, tx in self._tx.items()}

    def transaction(self, order_id: str, project: str | None = None) -> PakasirTransaction:
        with self._state:
            return self._current(self._find(order_id, project))

    def complete(self, order_id: str, project: str | None = None) -> PakasirTransaction:
        """The customer paid (works on an expired transaction too: a late payment)."""
        return self._set(order_id, project, "completed", completed_ns=self.now_ns())

    def expire(self, order_id: str, project: str | None = None) -> PakasirTransaction:
        return self._set(order_id, project, "expired")

    def cancel(self, order_id: str, project: str | None = None) -> PakasirTransaction:
        return self._set(order_id, project, self.cancel_spelling)

    def webhook_body(self, order_id: str, status: str = "completed", project: str | None = None,
                     amount: int | None = None) -> bytes:
        """A webhook as Pakasir posts it: unsigned JSON. Forge freely (that is the point)."""
        with self._state:
            tx = self._tx.get((project or self._only_project(), order_id))
        return json.dumps({
            "amount": amount if amount is not None else (tx.amount if tx else 0),
            "order_id": order_id,
            "project": project or (tx.project if tx else self._only_project()),
            "status": status,
            "payment_method": "qris",
            "completed_at": format_ns(self.now_ns(), WIB),
        }).encode()

    # -- internals --------------------------------------------------------------------------
    def _only_project(self) -> str:
        return next(iter(self.projects))

    def _find(self, order_id: str, project: str | None) -> PakasirTransaction:
        if project is not None:
            return self._tx[(project, order_id)]
        found = [tx for (p, o), tx in self._tx.items() if o == order_id]
        if len(found) != 1:
            raise KeyError(f"{len(found)} transactions with order_id {order_id!r}; "
                           "name the project")
        return found[0]

    def _set(self, order_id: str, project: str | None, status: str,
             **changes: Any) -> PakasirTransaction:
        with self._state:
            tx = self._find(order_id, project)
            tx = replace(tx, status=status, **changes)
            self._tx[(tx.project, tx.order_id)] = tx
            return tx

    def _current(self, tx: PakasirTransaction) -> PakasirTransaction:
        """A pending transaction past its expiry reads as expired (and stays so)."""
        if tx.status == "pending" and self.now_ns() >= tx.expired_ns:
            tx = replace(tx, status="expired")
            self._tx[(tx.project, tx.order_id)] = tx
        return tx

    def _error(self, status: int, text: str, headers: dict[str, str] | None = None) -> Reply:
        return Reply(status, {"error": text, "code": status}, headers or {})

    def _auth(self, project: Any, api_key: Any) -> Reply | None:
        if not isinstance(project, str) or self.projects.get(project) is None \
                or self.projects[project] != api_key:
            self.counters["auth_failed"] += 1
            return self._error(self.auth_error_status, "Invalid project or api key")
        return None

    def handle(self, req: Request) -> Reply:
        if self.latency_s:
            time.sleep(self.latency_s)
        with self._state:
            if req.method == "POST" and req.path == "/api/transactioncreate/qris":
                return self._create(req.json)
            if req.method == "GET" and req.path == "/api/transactiondetail":
                return self._detail(req.query)
            if req.method == "POST" and req.path == "/api/transactioncancel":
                return self._cancel(req.json)
        return self._error(404, "Not found")

    def _create(self, body: Any) -> Reply:
        self.counters["create"] += 1
        if not isinstance(body, dict):
            return self._error(400, "Invalid JSON body")
        for key in ("project", "order_id", "amount", "api_key"):
            if body.get(key) in (None, ""):
                return self._error(400, f"Missing required field: {key}")
        project, order_id, amount = body["project"], body["order_id"], body["amount"]
        denied = self._auth(project, body["api_key"])
        if denied is not None:
            return denied
        window = self._creates[project]
        now = time.monotonic()
        while window and now - window[0] >= 60.0:
            window.popleft()
        if len(window) >= self.creates_per_minute:
            self.counters["rate_limited"] += 1
            retry = max(1, int(60.0 - (now - window[0])) + 1)
            return self._error(429, "Too many requests", {"Retry-After": str(retry)})
        window.append(now)
        if type(amount) is not int or amount < 1:
            return self._error(400, "Invalid amount")
        if not isinstance(order_id, str) or len(order_id) > 100:
            return self._error(400, "Invalid order_id")
        existing = self._tx.get((project, order_id))
        if existing is not None:
            if existing.amount != amount:
                return self._error(400, "Order ID already exists with a different amount")
            tx = replace(self._current(existing), create_calls=existing.create_calls + 1)
        else:
            fee = self.fee(amount)
            total = amount + fee
            created = self.now_ns()
            tx = PakasirTransaction(
                project=project, order_id=order_id, amount=amount, fee=fee, total_payment=total,
                payment_number=qris.to_dynamic(DEMO_STATIC_QRIS, total),
                status="pending", created_ns=created, expired_ns=created + int(self.ttl_s * NS),
            )
            self.counters["created"] += 1
        self._tx[(project, order_id)] = tx
        return Reply(200, {"payment": {
            "project": tx.project,
            "order_id": tx.order_id,
            "amount": tx.amount,
            "fee": tx.fee,
            "total_payment": tx.total_payment,
            "payment_method": "qris",
            "payment_number": tx.payment_number,
            "expired_at": format_ns(tx.expired_ns, self.expiry_offset),
        }})

    def _lookup(self, project: str, order_id: Any, amount: Any) -> PakasirTransaction | None:
        tx = self._tx.get((project, order_id)) if isinstance(order_id, str) else None
        if tx is None or str(tx.amount) != str(amount):  # the query's amount is text
            return None
        return self._current(tx)

    def _detail(self, query: Mapping[str, str]) -> Reply:
        self.counters["detail"] += 1
        denied = self._auth(query.get("project"), query.get("api_key"))
        if denied is not None:
            return denied
        tx = self._lookup(query["project"], query.get("order_id"), query.get("amount"))
        if tx is None:
            return self._error(404, "Transaction not found")
        return Reply(200, {"transaction": {
            "amount": tx.amount,
            "order_id": tx.order_id,
            "project": tx.project,
            "status": tx.status,
            "payment_method": "qris",
            "completed_at": (format_ns(tx.completed_ns, WIB)
                             if tx.completed_ns is not None else None),
        }})

    def _cancel(self, body: Any) -> Reply:
        self.counters["cancel"] += 1
        if not isinstance(body, dict):
            return self._error(400, "Invalid JSON body")
        denied = self._auth(body.get("project"), body.get("api_key"))
        if denied is not None:
            return denied
        tx = self._lookup(body["project"], body.get("order_id"), body.get("amount"))
        if tx is None:
            return self._error(404, "Transaction not found")
        if tx.status == "completed":
            return self._error(400, "Transaction already completed")
        if tx.status == "expired":
            return self._error(400, "Transaction already expired")
        if tx.status == "pending":
            tx = replace(tx, status=self.cancel_spelling)
            self._tx[(tx.project, tx.order_id)] = tx
        return Reply(200, {"success": True, "message": "Transaction cancelled",
                           "order_id": tx.order_id})
