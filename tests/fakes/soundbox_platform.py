"""Loopback fake of the "QRIS Soundbox Platform v1" device APIs (seed 004, SPEC.md section 5).

Endpoints (all but ``activate`` need ``Authorization: Bearer <device token>`` and a body /
query ``device_id`` that belongs to that token):

* ``POST /device/provision/activate`` ``{"device_id", "activation_code"}`` -> a new token
  (the old one stops working), ``terminal_id`` (null while unbound), ``merchant``.
* ``POST /device/provision/refresh-credential`` ``{"device_id"}`` -> a new token.
* ``GET /device/config`` / ``POST /device/config/ack``.
* ``POST /device/transactions/dynamic-qr`` with ``Idempotency-Key``: the same key with the same
  body replays the original answer (HTTP 200 instead of 201) and makes no new transaction; the
  same key with a different body is 409 ``DUPLICATE_REQUEST``. No key is 400 ``INVALID_REQUEST``.
* ``POST /device/heartbeat`` -> ``{"commands": [...]}``: every command of the device not yet
  acked ``delivered``/``failed`` (``timeout`` leaves it queued), so a lost ack means redelivery.
* ``POST /device/commands/ack``.

Every answer carries ``request_id`` and ``trace_id``. Errors (the seed lists only codes; this is
the shape we chose): ``{"error": {"code": "DEVICE_NOT_BOUND", "message": "..."},
"request_id": "...", "trace_id": "trc_000042"}`` with HTTP 401 DEVICE_UNAUTHORIZED, 403
DEVICE_NOT_BOUND, 422 INVALID_AMOUNT, 409 DUPLICATE_REQUEST, 400 INVALID_REQUEST, 404
COMMAND_NOT_FOUND. PARTNER_TIMEOUT (504) only via ``fake.inject(fake.error_fault(...))``.

Control API (for this provider's tests, engine end-to-end tests and benchmarks)::

    fake = SoundboxPlatformFake()     # one bound device: DEVICE_ID / DEVICE_TOKEN / TERMINAL_ID
    base_url = fake.start(); ...; fake.stop()
    fake.config()                          # the provider config mapping for this fake's device
    fake.add_device(device_id, token=..., terminal_id=..., activation_code=..., bound=True)
    fake.pay(transaction_id, amount=None, status="paid") -> command_id   # queues a notification
    fake.expire(transaction_id, notify=True) -> command_id | None
    fake.queue_command(type, payload, device_id=None, command_id=None) -> command_id
    fake.unbind(device_id=None) / fake.bind(device_id=None, terminal_id=None)
    fake.revoke_token(device_id=None)      # the current token now gets DEVICE_UNAUTHORIZED
    fake.transactions (id -> FakeTransaction), fake.transaction_for_key(key)
    fake.commands (id -> FakeCommand), fake.pending_commands(device_id=None)
    fake.acks (list of ack bodies), fake.config_acks, fake.heartbeats (count),
    fake.heartbeat_bodies, fake.latency_s (seconds slept before answering each request)
    SoundboxPlatformFake.error_fault(code, status=None, trace_id="trc_injected") -> Fault
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pos_app import qris
from pos_app.clock import utcnow
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.fakes.server import FakeBackend, Fault, Reply, Request

DEVICE_ID = "sbx_001"
DEVICE_TOKEN = "devtok-5f2c9a17e4b0-secret"
TERMINAL_ID = "term_001"
ACTIVATION_CODE = "428913"
MERCHANT = {"id": "m_123", "name": "Toko Indo"}
MAX_AMOUNT = 10_000_000  # the fake's INVALID_AMOUNT limit (QRIS transaction cap)

_ERROR_STATUS = {
    "DEVICE_UNAUTHORIZED": 401,
    "DEVICE_NOT_BOUND": 403,
    "DEVICE_CAPABILITY_NOT_SUPPORTED": 403,
    "INVALID_AMOUNT": 422,
    "DUPLICATE_REQUEST": 409,
    "PARTNER_TIMEOUT": 504,
    "TRANSACTION_NOT_FOUND": 404,
    "COMMAND_NOT_FOUND": 404,
    "INVALID_REQUEST": 400,
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error_body(
    code: str, message: str, *, request_id: str = "req_x", trace_id: str = "trc_x"
) -> dict[str, Any]:
    """The platform's error model, as this fake (and the adapter) understand it."""
    return {
        "error": {"code": code, "message": message},
        "request_id": request_id,
        "trace_id": trace_id,
    }


@dataclass
class FakeDevice:
    device_id: str
    token: str
    terminal_id: str | None
    bound: bool = True
    activation_code: str = ACTIVATION_CODE
    merchant: dict[str, str] = field(default_factory=lambda: dict(MERCHANT))
    config_version: str = "cfg_1"


@dataclass
class FakeTransaction:
    transaction_id: str
    device_id: str
    terminal_id: str
    amount: int
    request_id: str
    idempotency_key: str
    qr_payload: str
    expires_at: datetime
    status: str = "awaiting_payment"
    request_body: dict[str, Any] = field(default_factory=dict)
    response: dict[str, Any] = field(default_factory=dict)  # replayed for the same key


@dataclass
class FakeCommand:
    command_id: str
    device_id: str
    type: str
    payload: Any
    deliveries: int = 0
    ack_status: str | None = None  # delivered | failed | timeout (timeout keeps it queued)

    @property
    def done(self) -> bool:
        return self.ack_status in ("delivered", "failed")

    def to_json(self) -> dict[str, Any]:
        return {"command_id": self.command_id, "type": self.type, "payload": self.payload}


class SoundboxPlatformFake(FakeBackend):
    def __init__(
        self,
        *,
        ttl_s: int = 300,
        clock: Callable[[], datetime] = utcnow,
        static_qris: str = DEMO_STATIC_QRIS,
        with_default_device: bool = True,
    ) -> None:
        super().__init__()
        self.ttl_s = ttl_s
        self.clock = clock
        self.static_qris = static_qris
        self.latency_s = 0.0
        self.devices: dict[str, FakeDevice] = {}
        self.transactions: dict[str, FakeTransaction] = {}
        self.commands: dict[str, FakeCommand] = {}
        self.acks: list[dict[str, Any]] = []
        self.config_acks: list[dict[str, Any]] = []
        self.heartbeat_bodies: list[dict[str, Any]] = []
        self.heartbeats = 0
        self._by_key: dict[tuple[str, str], str] = {}
        self._seq = itertools.count(1)
        self._tx_seq = itertools.count(1)
        self._cmd_seq = itertools.count(1)
        self._tok_seq = itertools.count(1)
        self._state_lock = threading.RLock()
        if with_default_device:
            self.add_device(DEVICE_ID, token=DEVICE_TOKEN, terminal_id=TERMINAL_ID)

    # -- control API -----------------------------------------------------------------------
    def config(self, device_id: str = DEVICE_ID, *, terminal_id: str = "") -> dict[str, Any]:
        """The provider config (short keys) for one of this fake's devices."""
        return {
            "base_url": self.base_url,
            "device_id": device_id,
            "device_token": self.devices[device_id].token,
            "terminal_id": terminal_id,
        }

    def add_device(
        self,
        device_id: str,
        *,
        token: str | None = None,
        terminal_id: str | None = TERMINAL_ID,
        activation_code: str = ACTIVATION_CODE,
        bound: bool = True,
    ) -> FakeDevice:
        with self._state_lock:
            device = FakeDevice(
                device_id,
                token or f"devtok-{device_id}-{next(self._tok_seq)}",
                terminal_id,
                bound and terminal_id is not None,
                activation_code,
            )
            self.devices[device_id] = device
            return device

    def unbind(self, device_id: str = DEVICE_ID) -> None:
        with self._state_lock:
            self.devices[device_id].bound = False

    def bind(self, device_id: str = DEVICE_ID, terminal_id: str | None = None) -> None:
        with self._state_lock:
            device = self.devices[device_id]
            device.terminal_id = terminal_id or device.terminal_id or TERMINAL_ID
            device.bound = True

    def revoke_token(self, device_id: str = DEVICE_ID) -> None:
        with self._state_lock:
            self.devices[device_id].token = f"revoked-{next(self._tok_seq)}"

    def queue_command(
        self, type: str, payload: Any, *, device_id: str = DEVICE_ID, command_id: str | None = None
    ) -> str:
        """Queue any command for a device (returned by its heartbeats until acked)."""
        with self._state_lock:
            command_id = command_id or f"cmd_{next(self._cmd_seq):04d}"
            self.commands[command_id] = FakeCommand(command_id, device_id, type, payload)
            return command_id

    def pay(self, transaction_id: str, *, amount: int | None = None, status: str = "paid") -> str:
        """The customer paid: the transaction becomes ``status`` and a payment_notification is
        queued for its device (``amount`` overrides the notified amount, e.g. a wrong one)."""
        with self._state_lock:
            tx = self.transactions[transaction_id]
            tx.status = status
            return self.queue_command(
                "payment_notification",
                {
                    "transaction_id": transaction_id,
                    "amount": tx.amount if amount is None else amount,
                    "status": status,
                },
                device_id=tx.device_id,
            )

    def expire(self, transaction_id: str, *, notify: bool = True) -> str | None:
        """The transaction expires on the platform; with ``notify`` the device is told."""
        with self._state_lock:
            tx = self.transactions[transaction_id]
            tx.status = "expired"
            if not notify:
                return None
            return self.queue_command(
                "payment_notification",
                {
                    "transaction_id": transaction_id,
                    "amount": tx.amount,
                    "status": "expired",
                },
                device_id=tx.device_id,
            )

    def pending_commands(self, device_id: str = DEVICE_ID) -> list[FakeCommand]:
        with self._state_lock:
            return [c for c in self.commands.values() if c.device_id == device_id and not c.done]

    def transaction_for_key(
        self, idempotency_key: str, device_id: str = DEVICE_ID
    ) -> FakeTransaction | None:
        with self._state_lock:
            tx_id = self._by_key.get((device_id, idempotency_key))
            return self.transactions.get(tx_id) if tx_id else None

    @staticmethod
    def error_fault(
        code: str,
        status: int | None = None,
        *,
        message: str | None = None,
        trace_id: str = "trc_injected",
        headers: dict[str, str] | None = None,
    ) -> Fault:
        """A Fault answering with the platform's error model, e.g. PARTNER_TIMEOUT (504)."""
        return Fault.status(
            status or _ERROR_STATUS.get(code, 400),
            headers=headers,
            body=error_body(
                code,
                message or code.lower().replace("_", " "),
                request_id="req_injected",
                trace_id=trace_id,
            ),
        )

    # -- HTTP ------------------------------------------------------------------------------
    def start(self) -> str:
        base_url = super().start()
        # The harness writes headers and body in two sends; with Nagle on, every answer waits
        # for the client's delayed ACK (~40 ms). The heartbeat/ack chatter (and benchmarks) need
        # TCP_NODELAY. The handler class is made per start(), so this touches only this fake.
        assert self._server is not None
        self._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        return base_url

    def _ids(self, req: Request) -> tuple[str, str]:
        n = next(self._seq)
        body = req.json if isinstance(req.json, dict) else {}
        rid = body.get("request_id")
        return (rid if isinstance(rid, str) and rid else f"req_{n:06d}"), f"trc_{n:06d}"

    def handle(self, req: Request) -> Reply:
        if self.latency_s:
            time.sleep(self.latency_s)
        request_id, trace_id = self._ids(req)

        def error(code: str, message: str) -> Reply:
            return Reply(
                _ERROR_STATUS[code],
                error_body(code, message, request_id=request_id, trace_id=trace_id),
            )

        def ok(body: dict[str, Any], status: int = 200) -> Reply:
            return Reply(status, {**body, "request_id": request_id, "trace_id": trace_id})

        routes = {
            ("POST", "/device/provision/activate"): self._activate,
            ("POST", "/device/provision/refresh-credential"): self._refresh,
            ("GET", "/device/config"): self._config,
            ("POST", "/device/config/ack"): self._config_ack,
            ("POST", "/device/transactions/dynamic-qr"): self._dynamic_qr,
            ("POST", "/device/heartbeat"): self._heartbeat,
            ("POST", "/device/commands/ack"): self._ack,
        }
        route = routes.get((req.method, req.path))
        if route is None:
            return Reply(
                404,
                error_body(
                    "NOT_FOUND", "no such endpoint", request_id=request_id, trace_id=trace_id
                ),
            )
        body = req.json
        if req.method == "POST" and not isinstance(body, dict):
            return error("INVALID_REQUEST", "body must be a JSON object")
        with self._state_lock:
            if route == self._activate:
                return route(body, error, ok)
            device = self._authenticate(req, body)
            if device is None:
                return error("DEVICE_UNAUTHORIZED", "device token invalid or expired")
            return route(device, req, error, ok)

    def _authenticate(self, req: Request, body: Any) -> FakeDevice | None:
        auth = req.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return None
        token = auth[len("Bearer ") :]
        device = next((d for d in self.devices.values() if d.token == token), None)
        if device is None:
            return None
        claimed = body.get("device_id") if isinstance(body, dict) else req.query.get("device_id")
        if claimed is not None and claimed != device.device_id:
            return None  # a token is only good for its own device
        return device

    def _activate(self, body: dict[str, Any], error: Any, ok: Any) -> Reply:
        device = self.devices.get(body.get("device_id"))  # type: ignore[arg-type]
        if device is None or body.get("activation_code") != device.activation_code:
            return error("DEVICE_UNAUTHORIZED", "activation code invalid")
        device.token = f"devtok-{device.device_id}-{next(self._tok_seq)}-act"
        return ok(
            {
                "device_token": device.token,
                "token_expires_at": _iso(self.clock() + timedelta(days=30)),
                "terminal_id": device.terminal_id if device.bound else None,
                "merchant": dict(device.merchant),
            }
        )

    def _refresh(self, device: FakeDevice, req: Request, error: Any, ok: Any) -> Reply:
        device.token = f"devtok-{device.device_id}-{next(self._tok_seq)}-ref"
        return ok(
            {
                "device_token": device.token,
                "token_expires_at": _iso(self.clock() + timedelta(days=30)),
            }
        )

    def _config(self, device: FakeDevice, req: Request, error: Any, ok: Any) -> Reply:
        return ok(
            {
                "device_id": device.device_id,
                "terminal_id": device.terminal_id if device.bound else None,
                "config_version": device.config_version,
                "merchant": dict(device.merchant),
                "heartbeat_interval_s": 30,
            }
        )

    def _config_ack(self, device: FakeDevice, req: Request, error: Any, ok: Any) -> Reply:
        self.config_acks.append(req.json)
        return ok({"status": "acknowledged"})

    def _dynamic_qr(self, device: FakeDevice, req: Request, error: Any, ok: Any) -> Reply:
        body: dict[str, Any] = req.json
        key = req.headers.get("idempotency-key", "")
        if not key:
            return error("INVALID_REQUEST", "Idempotency-Key header is required")
        known = self._by_key.get((device.device_id, key))
        if known is not None:
            tx = self.transactions[known]
            if body != tx.request_body:
                return error("DUPLICATE_REQUEST", "Idempotency-Key reused with a different request")
            return Reply(200, dict(tx.response))  # the original answer, ids included
        if not device.bound or not device.terminal_id:
            return error("DEVICE_NOT_BOUND", "device is not bound to a terminal")
        if body.get("terminal_id") != device.terminal_id:
            return error("DEVICE_NOT_BOUND", "device is not bound to that terminal")
        amount = body.get("amount")
        if type(amount) is not int or not 1 <= amount <= MAX_AMOUNT:
            return error("INVALID_AMOUNT", f"amount must be an integer 1..{MAX_AMOUNT}")
        if body.get("currency") != "IDR":
            return error("INVALID_REQUEST", "currency must be IDR")
        request_id = body.get("request_id")
        if not isinstance(request_id, str) or not request_id:
            return error("INVALID_REQUEST", "request_id is required")
        tx_id = f"tx_{next(self._tx_seq):04d}"
        tx = FakeTransaction(
            transaction_id=tx_id,
            device_id=device.device_id,
            terminal_id=device.terminal_id,
            amount=amount,
            request_id=request_id,
            idempotency_key=key,
            qr_payload=qris.to_dynamic(self.static_qris, amount, bill_number=tx_id),
            expires_at=(self.clock() + timedelta(seconds=self.ttl_s)).replace(microsecond=0),
            request_body=dict(body),
        )
        reply = ok(
            {
                "request_id": request_id,
                "transaction_id": tx_id,
                "qr_type": "dynamic",
                "qr_payload": tx.qr_payload,
                "expires_at": _iso(tx.expires_at),
                "status": "awaiting_payment",
            },
            201,
        )
        tx.response = reply.body
        self.transactions[tx_id] = tx
        self._by_key[(device.device_id, key)] = tx_id
        return reply

    def _heartbeat(self, device: FakeDevice, req: Request, error: Any, ok: Any) -> Reply:
        body: dict[str, Any] = req.json
        for name in ("device_id", "timestamp", "firmware_version", "state"):
            if not isinstance(body.get(name), str) or not body[name]:
                return error("INVALID_REQUEST", f"{name} is required")
        self.heartbeats += 1
        self.heartbeat_bodies.append(body)
        out = []
        for command in self.commands.values():
            if command.device_id == device.device_id and not command.done:
                command.deliveries += 1
                out.append(command.to_json())
        return ok({"commands": out, "server_time": _iso(self.clock())})

    def _ack(self, device: FakeDevice, req: Request, error: Any, ok: Any) -> Reply:
        body: dict[str, Any] = req.json
        self.acks.append(body)
        command = self.commands.get(body.get("command_id"))  # type: ignore[arg-type]
        if command is None or command.device_id != device.device_id:
            return error("COMMAND_NOT_FOUND", "no such command for this device")
        status = body.get("status")
        if status not in ("delivered", "failed", "timeout"):
            return error("INVALID_REQUEST", "status must be delivered, failed or timeout")
        command.ack_status = status
        return ok({"command_id": command.command_id, "status": "acknowledged"})
