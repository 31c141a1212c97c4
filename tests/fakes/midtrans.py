"""Loopback fake of the self-hosted Midtrans Snap middleware (seed 002), with what the real
back-end does beyond the seed (SPEC.md section 5):

* ``GET /status/{order_id}`` is 404 ``{"status_code": "404", "status_message": "Transaction
  doesn't exist."}`` (Midtrans' own words, passed on by the middleware) until the customer picks
  a payment method on the Snap page (``choose_method``); then the Midtrans status object.
* A reused ``order_id`` is refused: 400 with the text the middleware passes on from
  midtransclient (``duplicate_reply``; tests may swap in other wordings or a 409/500).
* ``challenge`` is a fraud review (``capture(order_id, fraud="challenge")``).
* Wrong ``X-App-Code``/``X-Api-Key``: 401 ``{"error": "Unauthorized"}``; an unknown path: 404
  ``{"error": "Endpoint not found"}`` (the seed's troubleshooting table).

The status object has the fields the seed shows (``id``, ``transaction_status``,
``fraud_status``, ``status_code``, ``status_message``) plus those Midtrans' status API adds
(``transaction_id``, ``order_id``, ``gross_amount`` as ``"15000.00"``, ``currency``,
``payment_type``, ``transaction_time``, ``settlement_time``, WIB without a zone). Set
``minimal_status = True`` for exactly the seed's five fields.

Control API (for adapter tests, engine end-to-end tests and benchmarks)::

    fake = MidtransFake()                   # keys: fake.app_code / fake.api_key
    base_url = fake.start(); ...; fake.stop()
    fake.choose_method(order_id)            # "pending": the customer picked QRIS on the Snap page
    fake.settle(order_id)                   # paid ("settlement"); gross_amount=... to lie about it
    fake.pay(order_id)                      # the same (an alias engine tests read better with)
    fake.capture(order_id, fraud="accept")  # card: accept = paid, challenge = review, deny = failed
    fake.expire(order_id); fake.cancel(order_id); fake.deny(order_id)
    fake.orders[order_id]                   # FakeSnapOrder: amount, token, status, fraud_status...
    fake.auto_settle_after_s = 1.0          # settle any order this long after its charge
    fake.latency_s = 0.2                    # every answer waits this long *after* the work is done
    fake.charges_created, fake.duplicates_refused, fake.status_queries, fake.auth_failures
    fake.reset()                            # back to a fresh fake (same keys, same port)

``settle``/``capture``/``expire``/``cancel``/``deny`` on an order nobody chose a method for
first choose one (``qris``): at Midtrans a status exists only once a method was chosen. (An
untouched Snap page never becomes "expire" at Midtrans; it stays 404 — the engine expires the
sale locally.) All of them raise ``KeyError`` for an unknown order id.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import unquote

from tests.fakes.server import FakeBackend, Reply, Request

WIB = timezone(timedelta(hours=7))
UNAUTHORIZED = Reply(401, {"error": "Unauthorized"})
ENDPOINT_NOT_FOUND = Reply(404, {"error": "Endpoint not found"})
#: what the middleware answers for a reused order id (midtransclient's exception text)
DUPLICATE_REPLY = Reply(
    400,
    {
        "error": "Midtrans API is returning API error. HTTP status code: `400`. API response: "
        '`{"error_messages":["transaction_details.order_id sudah digunakan"]}`'
    },
)
#: Midtrans' status_code per transaction_status
_STATUS_CODES = {
    "settlement": "200",
    "capture": "200",
    "pending": "201",
    "deny": "202",
    "cancel": "200",
    "expire": "407",
    "challenge": "201",
}


def _wib_now() -> str:
    return datetime.now(WIB).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class FakeSnapOrder:
    order_id: str
    amount: int
    token: str
    redirect_url: str
    item_details: list[Any]
    created_monotonic: float
    transaction_time: str
    method_chosen: bool = False
    payment_type: str | None = None
    transaction_id: str | None = None  # Midtrans makes one when a method is chosen
    status: str | None = None  # transaction_status; None until a method is chosen
    fraud_status: str | None = None
    gross_amount: int | None = None  # what /status reports; None = the charged amount
    settlement_time: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def status_json(self, *, minimal: bool) -> dict[str, Any]:
        assert self.status is not None
        body: dict[str, Any] = {
            "id": self.transaction_id,
            "transaction_status": self.status,
            "fraud_status": self.fraud_status,
            "status_code": _STATUS_CODES.get(self.status, "200"),
            "status_message": "Success, transaction is found",
        }
        if minimal:
            return body
        amount = self.amount if self.gross_amount is None else self.gross_amount
        body.update(
            {
                "transaction_id": self.transaction_id,
                "order_id": self.order_id,
                "gross_amount": f"{amount}.00",
                "currency": "IDR",
                "payment_type": self.payment_type,
                "transaction_time": self.transaction_time,
            }
        )
        if self.settlement_time is not None:
            body["settlement_time"] = self.settlement_time
        return body


class MidtransFake(FakeBackend):
    def __init__(
        self,
        *,
        app_code: str = "pos-kasir",
        api_key: str | None = None,
        redirect_base: str = "https://app.sandbox.midtrans.com/snap/v4/redirection/",
    ) -> None:
        super().__init__()
        self.app_code = app_code
        self.api_key = api_key or secrets.token_hex(16)
        self.redirect_base = redirect_base
        self.orders: dict[str, FakeSnapOrder] = {}
        self.reset()

    def reset(self) -> None:
        """Forget every order, request, fault, counter and knob (the keys stay): lets one
        running fake serve many tests."""
        with self._lock:
            self.orders.clear()
            self.requests.clear()
            self.clear_faults()
            self.duplicate_reply: Reply = DUPLICATE_REPLY
            self.minimal_status = False
            self.auto_settle_after_s: float | None = None
            self.latency_s = 0.0
            self.charge_status = 201
            # counters
            self.charges_created = 0
            self.duplicates_refused = 0
            self.status_queries = 0
            self.auth_failures = 0

    # -- HTTP ------------------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        reply = self._route(req)
        if self.latency_s > 0:
            # After the work: a slow answer to a charge the fake has already made, which is
            # what a client timeout on a real network looks like.
            time.sleep(self.latency_s)
        return reply

    def _route(self, req: Request) -> Reply:
        known_path = req.path == "/charge" or req.path.startswith("/status/")
        keys_ok = (
            req.headers.get("x-app-code") == self.app_code
            and req.headers.get("x-api-key") == self.api_key
        )
        if known_path and not keys_ok:
            with self._lock:
                self.auth_failures += 1
            return UNAUTHORIZED
        if req.path == "/charge":
            return (
                self._charge(req)
                if req.method == "POST"
                else Reply(405, {"error": "Method not allowed"})
            )
        if req.path.startswith("/status/") and len(req.path) > len("/status/"):
            if req.method != "GET":
                return Reply(405, {"error": "Method not allowed"})
            return self._status(unquote(req.path[len("/status/") :]))
        return ENDPOINT_NOT_FOUND

    def _charge(self, req: Request) -> Reply:
        body = req.json
        if not isinstance(body, dict):
            return Reply(400, {"error": "Data JSON tidak valid"})
        order_id, amount = body.get("order_id"), body.get("amount")
        if not isinstance(order_id, str) or not order_id:
            return Reply(400, {"error": "order_id wajib diisi"})
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            return Reply(400, {"error": "amount harus berupa angka (integer)"})
        items = body.get("item_details") or []
        if not isinstance(items, list):
            return Reply(400, {"error": "item_details harus berupa array"})
        try:
            total = sum(int(i["price"]) * int(i["quantity"]) for i in items)
        except (KeyError, TypeError, ValueError):
            return Reply(400, {"error": "item_details tidak valid"})
        if items and total != amount:
            return Reply(
                400,
                {
                    "error": "Midtrans API is returning API error. HTTP status code: `400`. "
                    'API response: `{"error_messages":["transaction_details.gross_amount '
                    'tidak sama dengan jumlah item_details"]}`'
                },
            )
        with self._lock:
            if order_id in self.orders:
                self.duplicates_refused += 1
                return self.duplicate_reply
            token = str(uuid.uuid4())
            self.orders[order_id] = FakeSnapOrder(
                order_id=order_id,
                amount=amount,
                token=token,
                redirect_url=f"{self.redirect_base}{token}",
                item_details=items,
                created_monotonic=time.monotonic(),
                transaction_time=_wib_now(),
                headers={k: v for k, v in req.headers.items() if k.startswith("x-")},
            )
            self.charges_created += 1
            order = self.orders[order_id]
            return Reply(self.charge_status, {"redirect_url": order.redirect_url, "token": token})

    def _status(self, order_id: str) -> Reply:
        with self._lock:
            self.status_queries += 1
            order = self.orders.get(order_id)
            due = (
                order is not None
                and self.auto_settle_after_s is not None
                and order.status in (None, "pending")
                and time.monotonic() - order.created_monotonic >= self.auto_settle_after_s
            )
            if due:
                self._set(order_id, "settlement", "accept")
            if order is None or order.status is None:
                return Reply(
                    404,
                    {
                        "status_code": "404",
                        "status_message": "Transaction doesn't exist.",
                        "id": str(uuid.uuid4()),
                    },
                )
            return Reply(200, order.status_json(minimal=self.minimal_status))

    # -- control API -----------------------------------------------------------------------
    def choose_method(self, order_id: str, payment_type: str = "qris") -> None:
        """The customer picked a method on the Snap page: /status stops being 404 ("pending")."""
        with self._lock:
            order = self.orders[order_id]
            if not order.method_chosen:
                order.method_chosen = True
                order.payment_type = payment_type
                order.transaction_id = str(uuid.uuid4())
                order.transaction_time = _wib_now()
                order.status, order.fraud_status = "pending", "accept"

    def _set(self, order_id: str, status: str, fraud: str | None) -> None:
        with self._lock:
            self.choose_method(order_id, "credit_card" if status == "capture" else "qris")
            order = self.orders[order_id]
            order.status, order.fraud_status = status, fraud
            if status == "settlement":
                order.settlement_time = _wib_now()

    def settle(self, order_id: str, *, gross_amount: int | None = None) -> None:
        """Paid. ``gross_amount`` makes /status report another amount than was charged."""
        with self._lock:
            self._set(order_id, "settlement", "accept")
            if gross_amount is not None:
                self.orders[order_id].gross_amount = gross_amount

    pay = settle

    def capture(self, order_id: str, fraud: str = "accept") -> None:
        """A card payment: ``accept`` (paid), ``challenge`` (fraud review) or ``deny``."""
        self._set(order_id, "capture", fraud)

    def expire(self, order_id: str) -> None:
        self._set(order_id, "expire", "accept")

    def cancel(self, order_id: str) -> None:
        self._set(order_id, "cancel", "accept")

    def deny(self, order_id: str) -> None:
        self._set(order_id, "deny", "deny")

    def order_by_token(self, token: str) -> FakeSnapOrder | None:
        with self._lock:
            return next((o for o in self.orders.values() if o.token == token), None)
