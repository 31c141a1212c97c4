"""HTTP for the provider adapters: one place that turns transport trouble and status codes into
the provider error hierarchy, and keeps secrets and URLs out of every message.

* timeouts and connection errors, 429 (``Retry-After`` honoured) and 5xx -> ``TransientError``
* 401/403 -> ``AuthExpired`` (never retried in a loop)
* other 4xx -> ``Rejected`` unless the caller lists the status in ``allow`` (Midtrans' 404 means
  "no payment method chosen yet", a normal state)
* a 2xx body that is not JSON -> ``BadResponse``; 204 -> ``data = None``

Error messages name the provider, the method and the *path* (never the query string, where
Pakasir puts its API key) and at most a short, redacted snippet of the body.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from pos_app.clock import utcnow
from pos_app.secrets import SecretRedactingFilter, redact, register_secret
from sync.providers.base import AuthExpired, BadResponse, Rejected, TransientError

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass(frozen=True)
class HttpResult:
    status: int
    data: Any  # parsed JSON, or None for an empty body
    headers: Mapping[str, str] = field(default_factory=dict)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


def _snippet(response: httpx.Response, secrets: Collection[str]) -> str:
    try:
        data = response.json()
    except ValueError:
        text = response.text.strip().replace("\n", " ")
        return redact(text[:120], secrets) if text and not text.startswith("<") else ""
    if isinstance(data, dict):
        for key in ("message", "error", "status_message", "msg", "detail"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return redact(value[:160], secrets)
            if isinstance(value, dict):
                inner = value.get("error") or value.get("message")
                if isinstance(inner, str):
                    return redact(inner[:160], secrets)
    return ""


_guard_lock = threading.Lock()


def _guard_httpx_logger() -> None:
    """httpx logs every request URL (query string included: Pakasir's API key) at INFO. The
    app's handlers redact, but any other handler (pytest's caplog, a developer's basicConfig)
    would not; a filter on the logger itself runs before every handler."""
    logger = logging.getLogger("httpx")
    with _guard_lock:
        if not any(isinstance(f, SecretRedactingFilter) for f in logger.filters):
            logger.addFilter(SecretRedactingFilter())


class HttpClient:
    """A small, thread-safe JSON client bound to one back-end."""

    def __init__(
        self,
        base_url: str,
        provider: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        secrets: Collection[str] = (),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.provider = provider
        self.secrets = tuple(s for s in secrets if s)
        for secret in self.secrets:
            register_secret(secret)  # every redacting log filter of the app learns it
        _guard_httpx_logger()
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Accept": "application/json", "User-Agent": "pos-app", **(headers or {})},
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        allow: Collection[int] = (),
    ) -> HttpResult:
        where = f"{self.provider} {method} {path}"
        try:
            response = self._client.request(method, path, json=json_body, params=params,
                                            headers=headers)
        except httpx.TimeoutException as exc:
            raise TransientError(f"{where}: timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise TransientError(f"{where}: cannot connect ({type(exc).__name__})") from None
        status = response.status_code
        log.info("%s -> HTTP %d", where, status)
        if status in allow:
            body = self._json_or_none(response, where, strict=False)
            return HttpResult(status, body, response.headers)
        if status == 429:
            raise TransientError(f"{where}: rate limited (HTTP 429)",
                                 retry_after_s=_retry_after(response.headers.get("Retry-After")))
        if status >= 500:
            raise TransientError(f"{where}: HTTP {status} from the server")
        if status in (401, 403):
            detail = _snippet(response, self.secrets)
            raise AuthExpired(f"{where}: credentials refused (HTTP {status})"
                              f"{': ' + detail if detail else ''}")
        if status >= 400:
            detail = _snippet(response, self.secrets)
            raise Rejected(f"{where}: HTTP {status}{': ' + detail if detail else ''}")
        if status >= 300:
            raise BadResponse(f"{where}: unexpected redirect (HTTP {status})")
        body = self._json_or_none(response, where, strict=True)
        return HttpResult(status, body, response.headers)

    @staticmethod
    def _json_or_none(response: httpx.Response, where: str, *, strict: bool) -> Any:
        if response.status_code == 204 or not response.content.strip():
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            if strict:
                raise BadResponse(
                    f"{where}: the answer is not JSON (HTTP {response.status_code})") from None
            return None

    def close(self) -> None:
        self._client.close()
