"""Connecting to the central PostgreSQL: parse a ``postgresql://`` URL, apply the TLS rule, open a
psycopg 3 connection, and turn a failure into a :mod:`pos_app.central.errors` exception whose text
holds no password.

The TLS rule (docs/central.md): ``sslmode`` must be ``require``, ``verify-ca`` or ``verify-full``
unless every host the URL names is loopback (``localhost``, 127.0.0.0/8, ``::1``) or a Unix
socket directory. A remote URL without ``sslmode`` gets ``require``; one that asks for less
(``disable``, ``allow``, ``prefer``) is refused with :class:`TlsRequired` before anything goes
on the wire. ``PGHOST``/``PGSSLMODE`` are honoured the way libpq would read them, so the rule
can't be dodged through the environment.

Credentials may come from the URL, from the ``user``/``password`` arguments (a till's role and
its secret), or from libpq itself (``PGPASSWORD``, ``~/.pgpass``) - the owner's way.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pos_app.central.errors import AuthRefused, BadUrl, TlsRequired, Unreachable
from pos_app.secrets import redact

__all__ = [
    "CONNECT_TIMEOUT_S",
    "STRONG_SSLMODES",
    "Target",
    "connect",
    "connect_kwargs",
    "error_detail",
    "parse_url",
    "strip_credentials",
    "strip_password",
]

SCHEMES = ("postgresql", "postgres")
STRONG_SSLMODES = frozenset({"require", "verify-ca", "verify-full"})
# A till on a shop's DSL line must give up quickly and retry later, not hang a worker thread.
CONNECT_TIMEOUT_S = 10
APPLICATION_NAME = "pos-app"
# Options of psycopg.connect() itself; everything else is a libpq connection parameter.
_PSYCOPG_OPTIONS = frozenset({"autocommit", "row_factory", "cursor_factory", "context",
                              "prepare_threshold"})
# What libpq says when the server answered and said no (as opposed to no answer at all).
_REFUSALS = ("password authentication failed", "is not permitted to log in",
             "no pg_hba.conf entry", "does not exist", "permission denied",
             "authentication failed", "too many connections for role", "pg_hba.conf rejects")


@dataclass(frozen=True)
class Target:
    """A parsed URL: the libpq parameters to connect with, the TLS rule already applied.

    The password is kept out of ``repr`` (and so out of any log line or traceback that shows
    the object); :meth:`where` is the text for messages.
    """

    params: Mapping[str, str] = field(repr=False)
    host: str
    port: str
    dbname: str
    user: str | None
    local: bool

    @property
    def password(self) -> str | None:
        return self.params.get("password")

    def where(self) -> str:
        """``host:port/dbname`` (or the socket directory) for messages: never a credential."""
        host = self.host or "local socket"
        port = f":{self.port}" if self.port else ""
        return f"{host}{port}/{self.dbname}" if self.dbname else f"{host}{port}"


def _hosts(params: Mapping[str, str]) -> list[str]:
    """Every host libpq may try: the URL's, else ``PGHOST``; ``hostaddr`` counts too."""
    hosts = params.get("host") or os.environ.get("PGHOST", "")
    addrs = params.get("hostaddr") or os.environ.get("PGHOSTADDR", "")
    return [h.strip() for h in f"{hosts},{addrs}".split(",") if h.strip()]


def _is_local(host: str) -> bool:
    if host.startswith(("/", "@")):  # a Unix socket directory, or Linux's abstract namespace
        return True
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _check_ports(params: Mapping[str, str]) -> None:
    for port in (params.get("port") or "").split(","):
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise BadUrl(f"the central URL has a bad port {port!r}")


def _apply_tls_rule(params: dict[str, str], where: str) -> bool:
    """Set or check ``sslmode`` in place; True when the target is local (no TLS needed)."""
    hosts = _hosts(params)
    # No host at all: libpq uses its default Unix socket (localhost TCP on Windows).
    local = all(_is_local(h) for h in hosts)
    if local:
        return True
    asked = (params.get("sslmode") or os.environ.get("PGSSLMODE", "")).strip().lower()
    if not asked:
        params["sslmode"] = "require"
    elif asked in STRONG_SSLMODES:
        params["sslmode"] = asked  # pinned: a later PGSSLMODE can't weaken it
    else:
        raise TlsRequired(f"{where} is not a loopback address, so the connection must use TLS: "
                          f"add ?sslmode=require (or verify-full) to the URL, not "
                          f"sslmode={asked}")
    return False


def _target(params: dict[str, str]) -> Target:
    _check_ports(params)
    host = params.get("host") or os.environ.get("PGHOST", "")
    probe = Target(params={}, host=host, port=params.get("port", ""),
                   dbname=params.get("dbname", ""), user=params.get("user"), local=True)
    local = _apply_tls_rule(params, probe.where())
    return Target(params=dict(params), host=probe.host, port=probe.port, dbname=probe.dbname,
                  user=probe.user, local=local)


def _url_password(url: str) -> str | None:
    """The password in a URL, for redacting messages about it (None when there is none)."""
    try:
        parts = urlsplit(url)
        query_pw = dict(parse_qsl(parts.query)).get("password")
        return parts.password or query_pw
    except ValueError:
        return None


def parse_url(url: str, *, user: str | None = None, password: str | None = None,
              **overrides: str | int) -> Target:
    """Parse a ``postgresql://`` URL (``postgres://`` too) and apply the TLS rule.

    ``user``/``password`` and ``overrides`` (libpq parameters such as ``connect_timeout``)
    replace what the URL says. Raises :class:`BadUrl` or :class:`TlsRequired`.
    """
    text = (url or "").strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme not in SCHEMES:
        raise BadUrl("the central URL must start with postgresql:// "
                     "(e.g. postgresql://db.example.com/pos?sslmode=require)")
    try:
        params = {k: str(v) for k, v in conninfo_to_dict(text).items() if v is not None}
    except psycopg.Error as exc:
        detail = redact(str(exc), [s for s in (_url_password(text), password) if s])
        raise BadUrl(f"the central URL is not valid: {detail}") from None
    if user:
        params["user"] = user
    if password:
        params["password"] = password
    for key, value in overrides.items():
        params[key] = str(value)
    params.setdefault("connect_timeout", str(CONNECT_TIMEOUT_S))
    params.setdefault("application_name", APPLICATION_NAME)
    return _target(params)


def connect_kwargs(url: str, *, user: str | None = None, password: str | None = None,
                   **overrides: str | int) -> dict[str, Any]:
    """The keyword arguments for ``psycopg.connect`` (libpq parameters, TLS rule applied)."""
    return dict(parse_url(url, user=user, password=password, **overrides).params)


def error_detail(exc: BaseException, secrets: Iterable[str | None] = ()) -> str:
    """The server's or libpq's message as one line, with any known secret masked."""
    text = " ".join(str(exc).split())
    for prefix in ("connection failed: ",):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return redact(text, [s for s in secrets if s])


def connect(url: str, *, user: str | None = None, password: str | None = None,
            **kw: Any) -> psycopg.Connection[Any]:
    """Open a connection to the central store.

    ``kw`` may hold psycopg options (``autocommit``, ``row_factory``...) and libpq parameters
    (``connect_timeout``...); libpq parameters go through the TLS rule like the URL's.
    Raises :class:`BadUrl`, :class:`TlsRequired`, :class:`Unreachable` or :class:`AuthRefused`.
    """
    options = {k: v for k, v in kw.items() if k in _PSYCOPG_OPTIONS}
    overrides = {k: v for k, v in kw.items() if k not in _PSYCOPG_OPTIONS}
    target = parse_url(url, user=user, password=password, **overrides)
    try:
        return psycopg.connect(make_conninfo("", **target.params), **options)
    except psycopg.OperationalError as exc:
        detail = error_detail(exc, [target.password, password, _url_password(url)])
        if any(word in detail for word in _REFUSALS):
            raise AuthRefused(f"the central server {target.where()} refused the login: "
                              f"{detail}") from None
        raise Unreachable(f"cannot reach the central server {target.where()}: {detail}") from None


def _without(url: str, *, keep_user: bool) -> str:
    parts = urlsplit(url.strip())
    userinfo, at, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0]
    netloc = f"{user}@{hostport}" if keep_user and at and user else hostport
    dropped = ("password",) if keep_user else ("user", "password")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in dropped]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query), parts.fragment))


def strip_credentials(url: str) -> str:
    """The URL without a user name or password (in the authority or the query string), fit to
    be written to ``config.toml`` on a till: its role and password are kept apart."""
    return _without(url, keep_user=False)


def strip_password(url: str) -> str:
    """The URL without its password but with its user: the owner's, for ``central code``."""
    return _without(url, keep_user=True)
