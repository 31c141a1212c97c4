"""Loopback fake of the Order Kuota Gateway (seed 000), with the real back-end's quirks
(SPEC.md section 5): ``invoices/create`` answers 201 and moves the amount to one no other pending
invoice of the account uses (amount .. amount+99), ``expires_at`` comes back in epoch
milliseconds, ``created_at`` is WIB without a zone and with 9 fractional digits, a wrong password
is HTTP 200 with ``data.email.status == "Error"``, an empty statements page is 204 with no body,
a bad token is 401 ``{"message": "Token Invalid"}``, and statements are limited to one request
per account per ``statements_min_interval_s`` (429 otherwise).

Control API for tests::

    fake = OrderKuotaFake()                 # one user: fake.username / fake.password / ...
    base_url = fake.start()
    token = fake.issue_token(fake.username)
    fake.bump_offsets.append(37)            # the next create of 15000 becomes 15037
    fake.mark_paid(invoice_id)              # PAID, and a matching credit on the statement
    fake.expire(invoice_id)
    credit_id = fake.add_credit(15000, at_wib=datetime(2025, 7, 25, 18, 2, 6))
    fake.otp_for(fake.username)
    fake.create_status = 200; fake.latency_s = 0.5; fake.statements_min_interval_s = 0
"""

from __future__ import annotations

import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pos_app import qris
from pos_app.clock import UTC, utcnow
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.fakes.server import FakeBackend, Reply, Request

WIB = ZoneInfo("Asia/Jakarta")
TOKEN_INVALID = Reply(401, {"message": "Token Invalid"})


@dataclass
class FakeUser:
    username: str
    password: str
    email: str
    otp: str
    otp_sent: bool = False
    callback_url: str | None = None
    static_qris: str = DEMO_STATIC_QRIS


@dataclass
class FakeInvoice:
    invoice_id: str
    username: str
    amount: int  # after the bump: what the customer must pay
    requested_amount: int
    note: str
    status: str  # PENDING | PAID | EXPIRED
    expires_at_ms: int
    created_at: str  # WIB, no zone, 9 fractional digits
    qris_string: str
    paid_at_ms: int | None = None

    def to_json(self, *, fraction_digits: int = 9) -> dict[str, Any]:
        created = self.created_at
        if fraction_digits != 9:
            created = created[: -(9 - fraction_digits)]
        return {
            "username": self.username,
            "amount": self.amount,
            "status": self.status,
            "note": self.note,
            "expires_at": self.expires_at_ms,
            "created_at": created,
            "qris_string": self.qris_string,
            "invoice_id": self.invoice_id,
        }


def _ms(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


def _mask(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:4]}{'*' * max(3, len(local) - 4)}@{domain}"


def _not_found(path: str, message: str) -> Reply:
    # What the seed shows for a Spring Boot 404.
    return Reply(404, {"timestamp": datetime.now(WIB).replace(tzinfo=None).isoformat(),
                       "status": 404, "error": "Not Found", "message": message, "path": path})


class OrderKuotaFake(FakeBackend):
    def __init__(
        self,
        *,
        username: str = "tokokopi",
        password: str = "rahasia-123",
        email: str = "tokokopi.kasir@example.com",
        otp: str = "482913",
        clock: Callable[[], datetime] = utcnow,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.clock = clock
        self.users: dict[str, FakeUser] = {}
        self.tokens: dict[str, str] = {}  # token -> username
        self.invoices: dict[str, FakeInvoice] = {}
        self.statement_lines: dict[str, list[dict[str, Any]]] = {}  # username -> lines
        self.create_status = 201  # the real back-end's answer; the seed says 200
        self.latency_s = 0.0  # added to every answer
        self.statements_min_interval_s = 5.0  # per account; 0 switches the limit off
        self.bump_offsets: list[int] = []  # forced offsets for the next creates (if free)
        self._rng = random.Random(seed)
        self._next_line_id = 162052951
        self._last_statements: dict[str, float] = {}
        self.username, self.password, self.email = username, password, email
        self.add_user(username, password, email, otp)

    # -- control API ---------------------------------------------------------------------
    def add_user(self, username: str, password: str, email: str, otp: str) -> FakeUser:
        with self._lock:
            user = FakeUser(username, password, email, otp)
            self.users[username] = user
            self.statement_lines.setdefault(username, [])
            return user

    def issue_token(self, username: str | None = None) -> str:
        username = username or self.username
        with self._lock:
            if username not in self.users:
                raise KeyError(username)
            token = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
            self.tokens[token] = username
            return token

    def revoke_tokens(self) -> None:
        with self._lock:
            self.tokens.clear()

    def otp_for(self, username: str | None = None) -> str:
        return self.users[username or self.username].otp

    def mark_paid(self, invoice_id: str, *, credit: bool = True) -> int | None:
        """The customer paid: the invoice turns PAID (whatever its state - a late payment from
        a screenshot), and unless ``credit=False`` a matching credit appears on the statement.
        Returns the statement line id."""
        with self._lock:
            inv = self.invoices[invoice_id]
            inv.status = "PAID"
            inv.paid_at_ms = _ms(self.clock())
            if not credit:
                return None
            return self.add_credit(inv.amount, username=inv.username,
                                   keterangan="QRIS / PEMBAYARAN***")

    def expire(self, invoice_id: str) -> None:
        with self._lock:
            self.invoices[invoice_id].status = "EXPIRED"

    def add_credit(self, kredit: int, at_wib: datetime | None = None, *,
                   username: str | None = None,
                   keterangan: str = "BANK / TR***********************") -> int:
        """A credit line on the statement; ``at_wib`` is WIB wall time (naive) or aware."""
        return self.add_line(kredit=kredit, at_wib=at_wib, username=username, keterangan=keterangan)

    def add_line(self, *, kredit: int = 0, debet: int = 0, status: str = "IN",
                 at_wib: datetime | None = None, username: str | None = None,
                 keterangan: str = "BANK / TR***") -> int:
        username = username or self.username
        if at_wib is None:
            at_wib = self.clock().astimezone(WIB)
        elif at_wib.tzinfo is not None:
            at_wib = at_wib.astimezone(WIB)
        with self._lock:
            line_id = self._next_line_id
            self._next_line_id += 1
            self.statement_lines.setdefault(username, []).append({
                "id": line_id,
                "username": username,
                "debet": debet,
                "kredit": kredit,
                "keterangan": keterangan,
                "status": status,
                "statement_status": "NOT_CLAIMED",
                "transfer_time": at_wib.replace(tzinfo=None, microsecond=0).isoformat(),
            })
            return line_id

    # -- HTTP ------------------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        if self.latency_s:
            time.sleep(self.latency_s)
        path = req.path.rstrip("/")
        if req.method == "POST" and path == "/api/v2/users/auth":
            return self._auth(req)
        if req.method == "POST" and path == "/api/v2/users/auth/otp":
            return self._otp(req)
        if req.method == "POST" and path == "/api/v2/invoices/create":
            return self._with_user(req, self._create)
        if req.method == "GET" and path.startswith("/api/v2/invoices/details/"):
            return self._with_user(req, lambda r, u: self._details(r, u, path.rsplit("/", 1)[1]))
        if req.method == "GET" and path.startswith("/api/v2/statements/"):
            return self._with_user(req, lambda r, u: self._statements(r, u, path.rsplit("/", 1)[1]))
        if req.method == "GET" and path.startswith("/api/v2/users/details/"):
            return self._with_user(
                req, lambda r, u: self._user_details(r, u, path.rsplit("/", 1)[1]))
        return _not_found(req.path, "No static resource")

    def _with_user(self, req: Request, handler: Callable[[Request, FakeUser], Reply]) -> Reply:
        auth = req.headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        with self._lock:
            username = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
            if username is None:
                return TOKEN_INVALID
            return handler(req, self.users[username])

    def _auth(self, req: Request) -> Reply:
        body = req.json if isinstance(req.json, dict) else {}
        with self._lock:
            user = self.users.get(str(body.get("username")))
            if user is None or body.get("password") != user.password:
                return Reply(200, {"status": None, "data": {"email": {
                    "status": "Error", "data": {"error": "Username or password Wrong"}}}})
            user.otp_sent = True
            return Reply(200, {"status": None, "data": {"email": {
                "status": "Success", "data": {"email": _mask(user.email)}}}})

    def _otp(self, req: Request) -> Reply:
        body = req.json if isinstance(req.json, dict) else {}
        with self._lock:
            user = self.users.get(str(body.get("username")))
            if user is None or not user.otp_sent or body.get("otp") != user.otp:
                return Reply(400, {"status": "Error", "data": {"error": "OTP was wrong"}})
            user.otp_sent = False  # one use
            token = self.issue_token(user.username)
            return Reply(200, {"status": "OK", "data": {"token": token, "username": user.username,
                                                         "email": user.email}})

    def _create(self, req: Request, user: FakeUser) -> Reply:
        body = req.json
        if not isinstance(body, dict):
            return Reply(400, {"status": "Error", "data": {"error": "Invalid body"}})
        amount, ttl_s, notes = body.get("amount"), body.get("expires_at"), body.get("notes", "")
        if type(amount) is not int or amount < 1 or type(ttl_s) is not int or ttl_s < 1:
            return Reply(400, {"status": "Error",
                               "data": {"error": "Invalid amount or expires_at"}})
        pending = {inv.amount for inv in self.invoices.values()
                   if inv.username == user.username and self._status(inv) == "PENDING"}
        free = [a for a in range(amount, amount + 100) if a not in pending]
        if not free:
            return Reply(400, {"status": "Error", "data": {"error": "No unique amount available"}})
        chosen = None
        while self.bump_offsets and chosen is None:
            forced = amount + self.bump_offsets.pop(0)
            chosen = forced if forced in free else None
        if chosen is None:
            chosen = self._rng.choice(free)
        now = self.clock()
        wib = now.astimezone(WIB).replace(tzinfo=None)
        nanos = wib.microsecond * 1000 + self._rng.randrange(1, 1000)
        inv = FakeInvoice(
            invoice_id=f"inv_{uuid.UUID(int=self._rng.getrandbits(128), version=4)}",
            username=user.username,
            amount=chosen,
            requested_amount=amount,
            note=str(notes),
            status="PENDING",
            expires_at_ms=_ms(now) + ttl_s * 1000,
            created_at=f"{wib.replace(microsecond=0).isoformat()}.{nanos:09d}",
            qris_string=qris.to_dynamic(user.static_qris, chosen),
        )
        self.invoices[inv.invoice_id] = inv
        return Reply(self.create_status, inv.to_json())

    def _status(self, inv: FakeInvoice) -> str:
        if inv.status == "PENDING" and _ms(self.clock()) >= inv.expires_at_ms:
            inv.status = "EXPIRED"
        return inv.status

    def _details(self, req: Request, user: FakeUser, invoice_id: str) -> Reply:
        inv = self.invoices.get(invoice_id)
        if inv is None or inv.username != user.username:
            return _not_found(req.path, "Invoice not found")
        self._status(inv)
        return Reply(200, inv.to_json(fraction_digits=6))  # details: 6 digits, as in the seed

    def _user_details(self, req: Request, user: FakeUser, username: str) -> Reply:
        target = self.users.get(username)
        if target is None:
            return _not_found(
                req.path, 'Cannot invoke "...User.getUsername()" because "user" is null')
        if target is not user:
            return TOKEN_INVALID
        token = next(t for t, u in self.tokens.items() if u == user.username)
        return Reply(200, {"username": user.username, "email": user.email, "token": token,
                           "qrcode": "data:image/png;base64,iVBO....5CYII=",
                           "callback_url": user.callback_url, "qris_string": user.static_qris})

    def _statements(self, req: Request, user: FakeUser, username: str) -> Reply:
        if username not in self.users:
            return Reply(204)  # the seed's "user not found"
        if username != user.username:
            return TOKEN_INVALID
        now = time.monotonic()
        last = self._last_statements.get(username)
        if self.statements_min_interval_s > 0 and last is not None \
                and now - last < self.statements_min_interval_s:
            wait = math.ceil(self.statements_min_interval_s - (now - last))
            return Reply(429, {"message": "Too Many Requests"}, {"Retry-After": str(wait)})
        self._last_statements[username] = now
        try:
            page = int(req.query.get("page", "0"))
            size = int(req.query.get("size", "10"))
        except ValueError:
            return Reply(400, {"status": "Error", "data": {"error": "Invalid page or size"}})
        if page < 0 or size < 1:
            return Reply(400, {"status": "Error", "data": {"error": "Invalid page or size"}})
        lines = sorted(self.statement_lines.get(username, []),
                       key=lambda line: (line["transfer_time"], line["id"]), reverse=True)
        chunk = lines[page * size:(page + 1) * size]
        if not chunk:
            return Reply(204)
        total_pages = math.ceil(len(lines) / size)
        return Reply(200, {
            "page": page, "size": size, "data": [dict(line) for line in chunk],
            "total_content": len(lines), "total_pages": total_pages,
            "has_next": page + 1 < total_pages, "has_previous": page > 0, "total_data": len(chunk),
        })
