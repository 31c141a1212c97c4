"""A loopback fake of the orkut back-end (seed 001, "API Mutasi Orkut UNOFFICIAL"), following
the seed and what SPEC.md section 5 says the real one does.

Endpoints (all POST, all need ``Authorization: Bearer <api_key>`` of a known account):

* ``/minta-otp`` ``{username, password}`` -> ``{"success": true, "message": "OTP telah ..."}``
* ``/valid-otp`` ``{username, otp}`` -> ``{"success": true, <token at token_location>}``
  (only after ``/minta-otp``); wrong password / OTP -> 200 ``{"success": false, "message": ...}``
* ``/kasir/orkut/generate`` -> ``{"success": true, "nominal", "image_url", "qr_string"}``; the
  QR is ``pos_app.qris.to_dynamic(DEMO_STATIC_QRIS, nominal)``
* ``/kasir/orkut/status-pembayaran`` -> the account's credits of *exactly* that nominal, or
  ``{"status": "success", "message": "no data"}``
* ``/kasir/orkut/mutasi`` -> the whole statement (``data: [...]``, or ``data: null`` + "no data")
* ``/mutasi`` (``merchant_id``) -> ``qris_history.results[]`` with ``id``, ``kredit``/``debet``,
  ``tanggal`` ``"25/07/2025 18:02"`` (always minute precision), ``status`` IN/OUT

Behaviour of the real back-end (SPEC.md section 5): amounts are strings, with ``.`` thousands
separators when ``dotted_amounts``; kasir dates are ``2025-07-25 18:02:06`` WIB, or
``25/07/2025 18:02`` when ``minute_dates``; one request per account per ``min_interval_s``
(default 5 s) — a faster one is answered HTTP 429 (``rate_limit_style = "429"``) or 200
``{"status": "error", "message": "... terlalu sering ..."}`` (``"message"``). A bad api key or
token is HTTP 401 ``{"message": "Unauthorized"}``, or 200 ``{"status": "error", "message":
"token invalid"}`` with ``auth_error_style = "message"``.

Control API (for adapter tests, engine end-to-end tests and benchmarks)::

    fake = OrkutFake(accounts=None, clock=utcnow)   # one account: DEFAULT_ACCOUNT
    fake.start()                       # base URL; fake.stop() at the end
    fake.reset()                       # fresh state, same server (stopping one takes 0.5 s)
    fake.config()                      # provider config (short keys) for OrkutProvider/OrkutMutasi
    fake.add_account(OrkutAccount(...))
    fake.account                       # the first OrkutAccount (username, password, otp, ...)
    reff = fake.add_credit(35002, at_wib=None, issuer_reff=None, username=None, brand="DANA",
                           omit_reff=False)  # at_wib naive = WIB; None = fake.clock()
    fake.add_debit(1000, at_wib=None, username=None)
    fake.credits                       # list[FakeCredit] (copy), incoming and outgoing
    fake.generated                     # list[int] (live): nominals of successful generates
    fake.served                        # list[Request] (live): requests let through the rate limit
    fake.min_interval_s = 0            # per-account rate limit (default 5.0)
    fake.latency_s = 0.2               # delay before every answer
    fake.dotted_amounts / minute_dates / rate_limit_style / auth_error_style / token_location
    fake.status_filter = False         # misbehave: status-pembayaran returns every credit
    fake.clock                         # callable -> aware UTC now, for add_credit's default time
    fake.inject(Fault...), fake.requests, fake.requests_to(path)   # from FakeBackend
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pos_app import qris
from pos_app.clock import UTC, utcnow
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.fakes.server import FakeBackend, Reply, Request

WIB = ZoneInfo("Asia/Jakarta")
IMAGE_BASE = "https://orkut.hidepulsa.com/static"


@dataclass(frozen=True)
class OrkutAccount:
    username: str = "warung1"
    password: str = "rahasia-pw"
    otp: str = "123456"
    token: str = "orkut-token-7f3a9c"
    merchant: str = "OK1234567"
    merchant_id: str = "1234567"
    api_key: str = "orkut-apikey-5e1d2b"


DEFAULT_ACCOUNT = OrkutAccount()


@dataclass(frozen=True)
class FakeCredit:
    username: str
    issuer_reff: str | None
    line_id: int
    amount: int
    at: datetime  # aware UTC
    kind: str = "CR"  # "CR" incoming, "DB" outgoing
    brand: str = "DANA"
    buyer_reff: str = "NOBU / SO**********"


class OrkutFake(FakeBackend):
    def __init__(self, accounts: list[OrkutAccount] | None = None,
                 clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__()
        self._initial_accounts = list(accounts or [DEFAULT_ACCOUNT])
        self.clock = clock
        self._ids = itertools.count(160644687)
        self._reffs = itertools.count(15916474193)
        self.reset()

    # -- control API ----------------------------------------------------------------------
    def reset(self) -> None:
        """Back to a fresh fake (accounts, switches, credits, requests, faults) without
        restarting the server — cheaper than a new fake per test."""
        with self._lock:
            self.accounts: dict[str, OrkutAccount] = {a.username: a for a in self._initial_accounts}
            self._credits: list[FakeCredit] = []
            self.generated: list[int] = []  # nominals of successful generate calls
            self.served: list[Request] = []  # requests let through the rate limit (not 429)
            self.min_interval_s = 5.0  # per-account rate limit (SPEC: one request per 5 s)
            self.latency_s = 0.0
            self.dotted_amounts = True  # "35.002" rather than "35002"
            self.minute_dates = False  # kasir dates as "25/07/2025 18:02" rather than with seconds
            # "429", or "message": 200 {"status": "error", "message": "... terlalu sering ..."}
            self.rate_limit_style = "429"
            # "401", or "message": 200 {"status": "error", "message": "token invalid"}
            self.auth_error_style = "401"
            self.token_location = "token"  # or "data.token" / "results.token" in /valid-otp
            self.status_filter = True  # False: status-pembayaran returns credits of any amount
            self._last_call: dict[str, float] = {}
            self._otp_requested: set[str] = set()
            self.requests.clear()
            self._faults.clear()
            # A request still in flight from before the reset (a hung one) must not touch the
            # fresh state: ``handle`` refuses requests received before this moment.
            self._epoch = time.monotonic()

    @property
    def account(self) -> OrkutAccount:
        return next(iter(self.accounts.values()))

    def add_account(self, account: OrkutAccount) -> None:
        with self._lock:
            self.accounts[account.username] = account

    def config(self, username: str | None = None) -> dict[str, Any]:
        """Short-key provider config for ``username`` (default: the first account)."""
        acc = self.accounts[username] if username else self.account
        return {"base_url": self.base_url, "api_key": acc.api_key, "username": acc.username,
                "token": acc.token, "merchant": acc.merchant, "merchant_id": acc.merchant_id}

    def _when(self, at_wib: datetime | None) -> datetime:
        if at_wib is None:
            return self.clock().astimezone(UTC).replace(microsecond=0)
        if at_wib.tzinfo is None:
            at_wib = at_wib.replace(tzinfo=WIB)  # naive = WIB, like the back-end's own dates
        return at_wib.astimezone(UTC)

    def add_credit(self, amount: int, at_wib: datetime | None = None,
                   issuer_reff: str | None = None, *, username: str | None = None,
                   brand: str = "DANA", omit_reff: bool = False) -> str:
        """An incoming payment of ``amount`` on the account; returns its issuer_reff.
        ``omit_reff``: the line comes without an ``issuer_reff`` (a malformed upstream line)."""
        with self._lock:
            reff = issuer_reff or f"{next(self._reffs):012d}"
            self._credits.append(FakeCredit(
                username or self.account.username, None if omit_reff else reff,
                next(self._ids), amount, self._when(at_wib), "CR", brand))
            return reff

    def add_debit(self, amount: int, at_wib: datetime | None = None, *,
                  username: str | None = None) -> None:
        with self._lock:
            self._credits.append(FakeCredit(
                username or self.account.username, f"{next(self._reffs):012d}",
                next(self._ids), amount, self._when(at_wib), "DB", "", "Penarikan"))

    @property
    def credits(self) -> list[FakeCredit]:
        with self._lock:
            return list(self._credits)

    # -- formatting -----------------------------------------------------------------------
    def _amount(self, n: int) -> str:
        return f"{n:,}".replace(",", ".") if self.dotted_amounts else str(n)

    def _kasir_date(self, at: datetime) -> str:
        local = at.astimezone(WIB)
        if self.minute_dates:
            return local.strftime("%d/%m/%Y %H:%M")
        return local.strftime("%Y-%m-%d %H:%M:%S")

    def _kasir_line(self, c: FakeCredit) -> dict[str, Any]:
        line: dict[str, Any] = {
            "date": self._kasir_date(c.at), "amount": self._amount(c.amount), "type": c.kind,
            "qris": "static", "brand_name": c.brand, "buyer_reff": c.buyer_reff,
            "balance": "77.777" if self.dotted_amounts else "77777",
        }
        if c.issuer_reff is not None:
            line["issuer_reff"] = c.issuer_reff
        return line

    # -- the server -----------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:
        if self.latency_s:
            time.sleep(self.latency_s)
        if req.at < self._epoch:
            return Reply(503, {"message": "stale request from before reset()"})
        if req.method != "POST":
            return Reply(405, {"message": "Method Not Allowed"})
        auth = req.headers.get("authorization", "")
        if not any(auth == f"Bearer {a.api_key}" for a in self.accounts.values()):
            return self._auth_error()
        body = req.json
        if not isinstance(body, dict):
            return Reply(400, {"success": False, "message": "Fields tidak benar!"})
        routes = {
            "/minta-otp": self._minta_otp, "/valid-otp": self._valid_otp,
            "/kasir/orkut/generate": self._generate, "/kasir/orkut/status-pembayaran": self._status,
            "/kasir/orkut/mutasi": self._kasir_mutasi, "/mutasi": self._mutasi,
        }
        route = routes.get(req.path)
        if route is None:
            return Reply(404, {"message": "Not Found"})
        login = req.path in ("/minta-otp", "/valid-otp")
        username = body.get("username") if login else body.get("auth_username")
        if not isinstance(username, str) or not username:
            return Reply(400, {"success": False, "message": "Fields tidak benar!"})
        limited = self._rate_limited(username)
        if limited is not None:
            return limited
        with self._lock:
            self.served.append(req)
            return route(body, username)

    def _auth_error(self) -> Reply:
        if self.auth_error_style == "message":
            return Reply(200, {"status": "error", "message": "token invalid"})
        return Reply(401, {"message": "Unauthorized"})

    def _rate_limited(self, username: str) -> Reply | None:
        now = time.monotonic()
        with self._lock:
            last = self._last_call.get(username)
            wait = self.min_interval_s - (now - last) if last is not None else 0.0
            if wait > 0:
                # a refused request does not restart the window, so waiting it out works
                if self.rate_limit_style == "message":
                    return Reply(200, {"status": "error",
                                       "message": "Anda terlalu sering melakukan request, "
                                                  "coba lagi nanti"})
                return Reply(429, {"message": "Too Many Requests"},
                             {"Retry-After": str(max(1, round(wait)))})
            self._last_call[username] = now
        return None

    def _kasir_account(self, body: dict[str, Any], username: str) -> OrkutAccount | Reply:
        acc = self.accounts.get(username)
        if acc is None or body.get("auth_token") != acc.token:
            return self._auth_error()
        return acc

    @staticmethod
    def _nominal_ok(body: dict[str, Any], acc: OrkutAccount, nominal: Any) -> bool:
        return (body.get("merchant") == acc.merchant and isinstance(nominal, str)
                and nominal.isdigit())

    def _minta_otp(self, body: dict[str, Any], username: str) -> Reply:
        acc = self.accounts.get(username)
        if acc is None or body.get("password") != acc.password:
            return Reply(200, {"success": False, "message": "Username atau password salah"})
        self._otp_requested.add(username)
        return Reply(200, {"success": True, "message": "OTP telah dikirim ke email w***@gmail.com"})

    def _valid_otp(self, body: dict[str, Any], username: str) -> Reply:
        acc = self.accounts.get(username)
        if acc is None or username not in self._otp_requested:
            return Reply(200, {"success": False, "message": "Minta OTP terlebih dahulu"})
        if body.get("otp") != acc.otp:
            return Reply(200, {"success": False, "message": "OTP salah atau kadaluarsa"})
        self._otp_requested.discard(username)
        if self.token_location == "data.token":
            return Reply(200, {"status": "success",
                               "data": {"token": acc.token, "username": username}})
        if self.token_location == "results.token":
            return Reply(200, {"success": True, "results": {"token": acc.token, "otp": "valid"}})
        return Reply(200, {"success": True, "message": "Login berhasil", "token": acc.token})

    def _generate(self, body: dict[str, Any], username: str) -> Reply:
        acc = self._kasir_account(body, username)
        if isinstance(acc, Reply):
            return acc
        nominal = body.get("nominal")
        if not self._nominal_ok(body, acc, nominal):
            return Reply(400, {"error": "Gagal generate QRIS"})
        n = int(nominal)
        if n < 1:
            return Reply(400, {"error": "Gagal generate QRIS"})
        self.generated.append(n)
        return Reply(200, {"success": True, "nominal": self._amount(n),
                           "image_url": f"{IMAGE_BASE}/{acc.merchant}-{n}.png",
                           "qr_string": qris.to_dynamic(DEMO_STATIC_QRIS, n)})

    def _status(self, body: dict[str, Any], username: str) -> Reply:
        acc = self._kasir_account(body, username)
        if isinstance(acc, Reply):
            return acc
        nominal = body.get("nominal")
        if not self._nominal_ok(body, acc, nominal):
            return Reply(400, {"success": False, "message": "Fields tidak benar!"})
        n = int(nominal)
        lines = [self._kasir_line(c) for c in self._credits
                 if c.username == username and c.kind == "CR"
                 and (c.amount == n or not self.status_filter)]
        if not lines:
            return Reply(200, {"status": "success", "message": "no data"})
        return Reply(200, {"status": "success", "data": lines[::-1]})  # newest first

    def _kasir_mutasi(self, body: dict[str, Any], username: str) -> Reply:
        acc = self._kasir_account(body, username)
        if isinstance(acc, Reply):
            return acc
        if body.get("merchant") != acc.merchant:
            return Reply(400, {"success": False, "message": "Fields tidak benar!"})
        lines = [self._kasir_line(c) for c in self._credits if c.username == username]
        key = "f1455e7dccd6c464b79"
        if not lines:
            return Reply(200, {"status": "success", "message": "no data", "data": None,
                               "merchant": acc.merchant_id, "key": key})
        return Reply(200, {"status": "success", "message": None, "data": lines[::-1],
                           "merchant": acc.merchant_id, "key": key})

    def _mutasi(self, body: dict[str, Any], username: str) -> Reply:
        acc = self._kasir_account(body, username)
        if isinstance(acc, Reply):
            return acc
        if body.get("merchant_id") != acc.merchant_id:
            return Reply(200, {"success": False, "message": "Fields tidak benar!"})
        results = []
        for c in reversed([c for c in self._credits if c.username == username]):
            incoming = c.kind == "CR"
            results.append({
                "id": c.line_id,
                "debet": "0" if incoming else self._amount(c.amount),
                "kredit": self._amount(c.amount) if incoming else "0",
                "saldo_akhir": "77.777",
                "keterangan": c.buyer_reff,
                "tanggal": c.at.astimezone(WIB).strftime("%d/%m/%Y %H:%M"),
                "status": "IN" if incoming else "OUT",
                "fee": "",
                "brand": {"name": c.brand, "logo": "https://app.orderkuota.com/assets/qris/x.png"},
            })
        return Reply(200, {
            "success": True,
            "qris_history": {"success": True, "total": len(results), "page": 1, "pages": 1,
                             "results": results},
            "account": {"success": True,
                        "results": {"id": 12345, "username": username, "name": username,
                                    "balance": 77777, "qris_name": "WARUNG DEMO"}},
        })
