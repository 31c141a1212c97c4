"""Enrollment: the owner prints a one-time code, a till redeems it for a database role of its own.

How (docs/central.md, "Roles and row-level security"):

1. :func:`make_code` (the owner's connection) calls ``pos.make_enroll_code``, which creates a
   temporary LOGIN role ``pos_enroll_<id>`` in the group ``pos_enroll`` with ``VALID UNTIL``
   the expiry. All that group may do is call ``pos.redeem_enrollment``. The code printed is the
   role's id and its password: ``ABCD-EFGH-JKMN-PQRS`` - 4 characters of id, 12 of secret
   (31 symbols each, ~59 bits: far beyond what a server lets anyone guess online in the day a
   code lives), grouped by 4 for typing, case-insensitive, without 0/O, 1/I/L.
2. :func:`redeem` (the till) logs in as that role with that password - PostgreSQL itself checks
   the password and the expiry - and calls ``pos.redeem_enrollment(outlet, terminal, verifier)``.
   The function checks the outlet and that the code is unused, creates the till's LOGIN role
   (member of ``pos_till``), records it in ``pos.tills``, spends the code and disables the
   temporary role (``pos.make_enroll_code`` drops spent ones later).

No password crosses the network in clear, and none lands in a server log: both the code's and
the till's are sent as SCRAM-SHA-256 verifiers computed here (libpq's ``PQencryptPasswordConn``),
so the server only ever holds the hash. The till's password is made on the till and goes
to its secret store; it is never printed. Exceptions never contain a code or a password.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg

from pos_app.central.connect import connect, error_detail
from pos_app.central.errors import (
    AuthRefused,
    BadCode,
    CentralError,
    TerminalTaken,
    Unreachable,
)
from pos_app.central.schema import add_outlet, committed, slug

__all__ = [
    "ALPHABET",
    "DEFAULT_TTL",
    "TillCredentials",
    "format_code",
    "make_code",
    "parse_code",
    "redeem",
]

#: Digits and capitals that can't be mistaken for each other (no 0/O, 1/I/L).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ID_LEN = 4
SECRET_LEN = 12
GROUP = 4
DEFAULT_TTL = timedelta(hours=24)
MAX_TTL = timedelta(days=30)  # pos.make_enroll_code refuses longer
ROLE_PREFIX = "pos_enroll_"
_TRIES = 5  # a code id already taken in the cluster: draw another


@dataclass(frozen=True)
class TillCredentials:
    """What a redeemed code gives the till: its login role, that role's password (shown by no
    ``repr``) and the outlet it belongs to."""

    role: str
    password: str = field(repr=False)
    outlet_id: str


def _draw(n: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(n))


def format_code(code_id: str, secret: str) -> str:
    """``ABCD`` + ``EFGHJKMNPQRS`` -> ``ABCD-EFGH-JKMN-PQRS``."""
    text = code_id + secret
    return "-".join(text[i:i + GROUP] for i in range(0, len(text), GROUP))


def parse_code(text: str) -> tuple[str, str]:
    """The temporary role and its password from a code as typed (any case, spaces or dashes
    anywhere). :class:`BadCode` when it can't be a code; the message never repeats it."""
    clean = re.sub(r"[\s\-]+", "", text or "").upper()
    if len(clean) != ID_LEN + SECRET_LEN:
        raise BadCode(f"an enrollment code has {ID_LEN + SECRET_LEN} letters and digits "
                      f"(got {len(clean)}); type it as printed, e.g. ABCD-EFGH-JKMN-PQRS")
    wrong = sorted({c for c in clean if c not in ALPHABET})
    if wrong:
        raise BadCode(f"an enrollment code never contains {', '.join(map(repr, wrong))}; "
                      "check the code (it has no 0, O, 1, I or L)")
    return ROLE_PREFIX + clean[:ID_LEN].lower(), clean[ID_LEN:]


def _verifier(conn: psycopg.Connection[Any], password: str, role: str) -> str:
    """The SCRAM-SHA-256 verifier of ``password``, computed here by libpq."""
    raw = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
    return raw.decode("ascii")


def make_code(conn: psycopg.Connection[Any], outlet_name: str, *,
              ttl: timedelta = DEFAULT_TTL) -> str:
    """A one-time code for a till of ``outlet_name`` (the outlet is created when it doesn't
    exist yet), valid for ``ttl``. ``conn`` is the owner's (a member of ``pos_owner``). Commits.
    """
    if not timedelta(seconds=1) <= ttl <= MAX_TTL:
        raise CentralError(f"a code must be valid for 1 second to {MAX_TTL.days} days")
    outlet_id = add_outlet(conn, outlet_name)
    for attempt in range(_TRIES):
        code_id, secret = _draw(ID_LEN), _draw(SECRET_LEN)
        role = ROLE_PREFIX + code_id.lower()
        try:
            with committed(conn):
                conn.execute("SELECT pos.make_enroll_code(%s, %s, %s, now() + %s)",
                             (outlet_id, role, _verifier(conn, secret, role), ttl))
        except psycopg.errors.DuplicateObject:
            if attempt == _TRIES - 1:
                raise CentralError("could not find a free code id; try again") from None
            continue
        except psycopg.errors.InsufficientPrivilege as exc:
            raise AuthRefused(f"this role may not make enrollment codes ({error_detail(exc)});"
                              " connect as the owner (a member of pos_owner)") from None
        return format_code(code_id, secret)
    raise AssertionError("unreachable")  # pragma: no cover


# Server refusals of a code's login: wrong password, expired (VALID UNTIL), spent (NOLOGIN).
_CODE_REFUSED = ("password authentication failed", "is not permitted to log in",
                 "authentication failed")


def redeem(url: str, outlet_name: str, code: str, terminal_id: str, *,
           replace: bool = False) -> TillCredentials:
    """Turn ``code`` into this till's own role in outlet ``outlet_name``.

    ``replace``: this PC takes over ``terminal_id`` from a till already enrolled with it (a
    new PC, a lost password); that till's role stops working. Without it an id already taken
    in the outlet is :class:`TerminalTaken` and the code stays unspent.

    Raises :class:`BadCode` (wrong, used, expired, for another outlet), :class:`BadUrl` /
    :class:`TlsRequired`, :class:`Unreachable` or :class:`AuthRefused`.
    """
    role, secret = parse_code(code)
    outlet_id = slug(outlet_name)
    try:
        conn = connect(url, user=role, password=secret)
    except AuthRefused as exc:
        if any(word in str(exc) for word in _CODE_REFUSED):
            raise BadCode("the enrollment code is wrong, used or expired; ask the owner for "
                          "a new one (pos-app central code --outlet NAME)") from None
        raise
    password = secrets.token_urlsafe(32)
    try:
        with conn:
            row = conn.execute(
                "SELECT role_name, outlet_id FROM pos.redeem_enrollment(%s, %s, %s, %s)",
                (outlet_id, terminal_id, _verifier(conn, password, role), replace)).fetchone()
    except psycopg.Error as exc:
        raise _redeem_error(exc, outlet_name, (secret, password)) from None
    if row is None:  # pragma: no cover - the function returns one row or raises
        raise CentralError("the server returned no role")
    return TillCredentials(role=str(row[0]), password=password, outlet_id=str(row[1]))


def _redeem_error(exc: psycopg.Error, outlet_name: str, hidden: tuple[str, ...]
                  ) -> CentralError:
    state = exc.sqlstate or ""
    detail = error_detail(exc, hidden)
    if state == "PE001":
        return BadCode("the enrollment code was already used or has expired; ask the owner "
                       "for a new one (pos-app central code --outlet NAME)")
    if state == "PE002":
        return BadCode(f"this enrollment code is not for outlet {outlet_name!r}; check the "
                       "outlet name (it must be the one the code was made for)")
    if state == "PE004":
        return TerminalTaken(
            f"another till of outlet {outlet_name!r} is already enrolled with this terminal "
            "id: give this PC its own id (pos-app config set store.terminal_id K2) and enrol "
            "again with the same code, or add --replace if this PC replaces that till (its "
            "role stops working)")
    if state == "PE003":
        return CentralError(f"the server refused the enrollment: {detail}")
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        # The role lost its pos_enroll membership: the code was spent a moment ago.
        return BadCode("the enrollment code was already used; ask the owner for a new one")
    if isinstance(exc, psycopg.errors.UndefinedFunction | psycopg.errors.InvalidSchemaName):
        return CentralError("the central database has no enrollment function; run "
                            "`pos-app central init URL` there first")
    if isinstance(exc, psycopg.OperationalError):
        return Unreachable(f"the connection to the central server broke: {detail}")
    return CentralError(f"the enrollment failed: {detail}")
