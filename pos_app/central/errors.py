"""What can go wrong talking to the central PostgreSQL, as exceptions the CLI and the uploader
can tell apart.

Messages are one English line for logs and for ``pos-app: ...`` on stderr; ``message_id`` is a
short Indonesian sentence a window may show instead. No message ever contains a password: the
code that raises these builds the text itself (host, port, database, user - never the URL as
typed) and passes anything that came from the server through :func:`pos_app.secrets.redact`.
"""

from __future__ import annotations

from typing import ClassVar


class CentralError(Exception):
    """Base class. ``usage`` is True for a mistake in what the user typed or configured (the CLI
    exits 2), False when the server or the network said no (the CLI exits 1)."""

    usage: ClassVar[bool] = False
    message_id: ClassVar[str] = "Gagal terhubung ke server pusat."


class BadUrl(CentralError):
    """The URL is not a ``postgresql://`` URL we can use."""

    usage = True
    message_id = "Alamat server pusat tidak valid."


class TlsRequired(BadUrl):
    """A remote host without ``sslmode=require`` (or stricter): the sales would cross the
    network in clear, and so would the password."""

    message_id = "Koneksi ke server pusat harus memakai TLS (sslmode=require)."


class Unreachable(CentralError):
    """No answer: DNS, refused connection, timeout, TLS handshake."""

    message_id = "Server pusat tidak dapat dihubungi."


class AuthRefused(CentralError):
    """The server answered and refused: wrong password, unknown role, pg_hba, no database,
    or a permission the role lacks."""

    message_id = "Server pusat menolak login."


class NotEnrolled(CentralError):
    """This till has no central configuration (``pos-app central enroll`` not run yet)."""

    usage = True
    message_id = "Kasir ini belum terdaftar di server pusat."


class BadOutlet(CentralError):
    """An outlet name that can't be one (no letters or digits) or that the server doesn't know."""

    usage = True
    message_id = "Nama outlet tidak dikenal."


class BadCode(CentralError):
    """An enrollment code that is wrong, used, expired or meant for another outlet."""

    message_id = "Kode pendaftaran salah, sudah dipakai atau kedaluwarsa."


class TerminalTaken(CentralError):
    """Another till of the outlet is enrolled with this terminal id (``--replace`` takes it
    over)."""

    usage = True
    message_id = "ID kasir ini sudah dipakai kasir lain di outlet ini."


class SchemaMismatch(CentralError):
    """The central schema is missing or newer than this version of pos-app understands."""

    message_id = "Versi skema server pusat tidak cocok; perbarui pos-app."
