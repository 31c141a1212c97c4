"""The shop's staff: owner and cashier accounts, and their PINs.

The rules, and why:

* **A PIN is 4 to 6 digits.** It is typed on a PIN pad at the till, many times a day; anything
  longer is written on a sticker next to it.
* **Stored as a salted scrypt hash** (``hashlib.scrypt``, N=2^14, r=8, p=1, a random 16-byte salt
  per PIN), never the PIN. Six digits are only a million guesses: the hash's cost is what keeps
  a stolen database file from giving them all up in a second, and the per-PIN salt keeps two
  cashiers with the same PIN from having the same hash. The parameters are stored with the hash
  so that they can be raised later without breaking old PINs.
* **Five wrong PINs in a row lock that user for five minutes** (:func:`after_failure`); a right
  PIN clears the count. The till is in a shop: the one guessing is standing at it.

Pure functions over values: the table and its transactions are ``pos_app.storage.staff``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

PIN_PATTERN = re.compile(r"[0-9]{4,6}")
MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=5)

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _DKLEN = 2**14, 8, 1, 32


class Role(StrEnum):
    OWNER = "owner"
    CASHIER = "cashier"


class StaffError(ValueError):
    """A staff action refused; ``message_id`` is the Indonesian text for the till's screen."""

    def __init__(self, message: str, message_id: str) -> None:
        super().__init__(message)
        self.message_id = message_id


class PinInvalid(StaffError):
    def __init__(self) -> None:
        super().__init__("the PIN must be 4 to 6 digits", "PIN harus 4 sampai 6 angka")


class NameInvalid(StaffError):
    def __init__(self, why: str, why_id: str) -> None:
        super().__init__(f"the name {why}", f"Nama {why_id}")


class UserExists(StaffError):
    def __init__(self, name: str) -> None:
        super().__init__(f"a user named {name!r} already exists",
                         f"Pengguna bernama {name} sudah ada")


class UnknownUser(StaffError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no user named {name!r}", f"Tidak ada pengguna bernama {name}")


class WrongPin(StaffError):
    def __init__(self, left: int) -> None:
        super().__init__(f"wrong PIN ({left} tries left before a 5-minute lock)",
                         f"PIN salah (sisa {left} kali sebelum dikunci 5 menit)")
        self.left = left


class LockedOut(StaffError):
    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked after {MAX_FAILURES} wrong PINs until {until:%H:%M:%S} UTC",
                         f"Terkunci karena {MAX_FAILURES} kali PIN salah; coba lagi nanti")
        self.until = until


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: Role
    active: bool = True
    failed_attempts: int = 0
    locked_until: datetime | None = None  # UTC

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def check_pin(pin: str) -> str:
    if not PIN_PATTERN.fullmatch(pin):
        raise PinInvalid()
    return pin


def check_name(name: str) -> str:
    value = " ".join(name.split())
    if not value:
        raise NameInvalid("must not be empty", "tidak boleh kosong")
    if len(value) > 40:
        raise NameInvalid("is longer than 40 characters", "lebih dari 40 huruf")
    if any(not ch.isprintable() for ch in value):
        raise NameInvalid("must not contain control characters",
                          "tidak boleh berisi karakter kontrol")
    return value


def hash_pin(pin: str) -> str:
    """``scrypt$N$r$p$<salt hex>$<hash hex>`` for a valid PIN."""
    check_pin(pin)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P,
                            dklen=_DKLEN)
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt.hex()}${digest.hex()}"


def pin_matches(stored: str, pin: str) -> bool:
    """Whether ``pin`` is the one ``stored`` was made from (constant-time compare)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(digest)
        got = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                             p=int(p), dklen=len(expected))
    except ValueError:  # a damaged hash never matches
        return False
    return hmac.compare_digest(got, expected)


def after_failure(user: User, now: datetime) -> tuple[int, datetime | None]:
    """The failure count and lock after one more wrong PIN (the lock starts at the fifth)."""
    failures = user.failed_attempts + 1
    if failures >= MAX_FAILURES:
        return 0, now + LOCK_FOR
    return failures, None
