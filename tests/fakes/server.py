"""The harness every back-end fake is built on: a real HTTP server on 127.0.0.1 with
fault injection.

A fake subclasses ``FakeBackend`` and implements ``handle(req) -> Reply``. Tests inject faults
that apply to the next matching requests, before ``handle`` runs:

    fake.inject(Fault.status(500), times=2, path="/api/v2/invoices/create")
    fake.inject(Fault.hang(10))            # sleep, then answer normally
    fake.inject(Fault.hold(gate))          # wait until the test sets gate (a threading.Event)
    fake.inject(Fault.malformed())         # 200 with a body that is not JSON
    fake.inject(Fault.status(429, headers={"Retry-After": "1"}))
    fake.inject(Fault.drop())              # close the connection without an answer
    fake.date_offset_s = 300               # its Date header runs 5 min ahead (a skewed clock)

Every request is recorded in ``fake.requests`` (method, path, query, headers, json body).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes/str -> raw; None -> empty
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Fault:
    kind: str  # status | hang | hold | malformed | drop
    status: int = 500
    seconds: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    gate: threading.Event | None = None

    @classmethod
    def status_(cls, code: int, *, headers: dict[str, str] | None = None,
                body: Any = None) -> Fault:
        return cls("status", status=code, headers=headers or {}, body=body)

    @classmethod
    def hang(cls, seconds: float) -> Fault:
        return cls("hang", seconds=seconds)

    @classmethod
    def hold(cls, gate: threading.Event, max_s: float = 120.0) -> Fault:
        """Like ``hang``, but until the test sets ``gate`` (at most ``max_s``): a test on a slow
        machine decides when the held request goes on, instead of racing a fixed delay."""
        return cls("hold", seconds=max_s, gate=gate)

    @classmethod
    def malformed(cls, body: bytes = b"<html>502 Bad Gateway</html>") -> Fault:
        return cls("malformed", body=body)

    @classmethod
    def drop(cls) -> Fault:
        return cls("drop")


Fault.status = Fault.status_  # type: ignore[attr-defined]  # nicer call site: Fault.status(500)


@dataclass
class _Injected:
    fault: Fault
    times: int
    path: str | None
    method: str | None


class FakeBackend:
    """Base class: run ``start()`` (returns the base URL), ``stop()`` at the end."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._faults: list[_Injected] = []
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.date_offset_s = 0.0  # added to the Date header of every answer

    # -- to implement ---------------------------------------------------------------------
    def handle(self, req: Request) -> Reply:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- faults ---------------------------------------------------------------------------
    def inject(self, fault: Fault, *, times: int = 1, path: str | None = None,
               method: str | None = None) -> None:
        with self._lock:
            self._faults.append(_Injected(fault, times, path, method))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, req: Request) -> Fault | None:
        with self._lock:
            for inj in self._faults:
                if (inj.path is None or req.path.startswith(inj.path)) and (
                    inj.method is None or inj.method == req.method
                ):
                    inj.times -= 1
                    if inj.times <= 0:
                        self._faults.remove(inj)
                    return inj.fault
        return None

    def requests_to(self, path_prefix: str, method: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests
                    if r.path.startswith(path_prefix) and (method is None or r.method == method)]

    # -- server ---------------------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; without this each answer waits for a
            # delayed ACK (~40 ms), which would swamp every latency measurement.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def date_time_string(self, timestamp: float | None = None) -> str:
                moment = time.time() if timestamp is None else timestamp
                return super().date_time_string(moment + fake.date_offset_s)

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                headers = {k.lower(): v for k, v in self.headers.items()}
                req = Request(self.command, parts.path, query, headers, body, time.monotonic())
                with fake._lock:
                    fake.requests.append(req)
                fault = fake._take_fault(req)
                if fault is not None and fault.kind == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if fault is not None and fault.kind == "hang":
                    time.sleep(fault.seconds)
                    fault = None
                if fault is not None and fault.kind == "hold":
                    assert fault.gate is not None
                    fault.gate.wait(fault.seconds)
                    fault = None
                if fault is not None and fault.kind == "status":
                    injected = fault.body if fault.body is not None else {"message": "injected"}
                    reply = Reply(fault.status, injected, fault.headers)
                elif fault is not None and fault.kind == "malformed":
                    reply = Reply(200, fault.body)
                else:
                    try:
                        reply = fake.handle(req)
                    except Exception as exc:  # a bug in a fake shows up as a 500, visibly
                        reply = Reply(500, {"message": f"fake crashed: {exc!r}"})
                self._send(reply)

            def _send(self, reply: Reply) -> None:
                if isinstance(reply.body, (dict, list)):
                    data = json.dumps(reply.body).encode()
                    ctype = "application/json"
                elif isinstance(reply.body, str):
                    data, ctype = reply.body.encode(), "text/plain"
                elif isinstance(reply.body, bytes):
                    data, ctype = reply.body, "text/html"
                else:
                    data, ctype = b"", "application/json"
                self.send_response(reply.status)
                if data:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if data and self.command != "HEAD":
                    try:
                        self.wfile.write(data)
                    except (BrokenPipeError, ConnectionResetError):
                        pass  # the client gave up (a timeout test): nothing to answer to

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        # A short poll interval: shutdown() waits for it, once per test.
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=type(self).__name__, daemon=True)
        self._thread.start()
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def run_fake(factory: Callable[[], FakeBackend]):  # type: ignore[no-untyped-def]
    """For a pytest fixture: ``fake = run_fake(OrderKuotaFake)`` ... ``fake.stop()``."""
    fake = factory()
    fake.start()
    return fake


def max_in_window(times: list[float], window_s: float) -> int:
    """The most events inside any half-open window [t, t + window_s): what a back-end's
    per-minute limit counts (tests and benches check the engine keeps under it)."""
    times = sorted(times)
    best, j = 0, 0
    for i in range(len(times)):
        while j < len(times) and times[j] - times[i] < window_s:
            j += 1
        best = max(best, j - i)
    return best
