"""The Laporan screen's reports across outlets (issue 14): where they come from, and the few
tables only a chain's report has.

* :class:`CentralSource` reaches the central PostgreSQL the way ``pos-app report --central``
  does (``pos_app.cli.common.central_connection``): ``central.url``, with the login in
  ``central.user`` and the secret ``central.password`` when they are set, else libpq's own
  (``PGPASSWORD``, ``~/.pgpass``); autocommit. It raises (a
  :class:`pos_app.central.errors.CentralError`, a ``psycopg.Error``) where the command exits.
  It keeps one connection, opened on first use and reused by the next report (a TLS handshake
  with a server across town takes a while), reopened when the server has dropped it meanwhile.
  Its methods block: the screen calls them on a worker thread of its own, never on the GUI
  thread; a lock keeps the connection to one thread at a time.
* :meth:`CentralSource.load` is :func:`pos_app.central.reports.build_central_report` with the
  orders listed for one day only (``detail=False`` for a week or a month: a month of a chain is
  too many orders to list -- the screen says so).
* :func:`outlets_table` (one row per outlet and a total row, for "Semua outlet") and
  :func:`with_outlet_column` (the lists name the outlet: two outlets' K1 tills make the same
  order numbers) are :class:`.model.Table` s like the others.
* :func:`error_text` says in Indonesian why the central report could not be loaded, and gives
  the server's one-line reason (never a password) for a tooltip.

psycopg and :mod:`pos_app.central` are imported when first used, not with this module: the
screen imports it on every till, and most tills never open a central report (psycopg alone
takes a quarter of a second to import on a till's CPU).
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import re
import threading
from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from pos_app.central.errors import CentralError
from pos_app.settings import SettingsError
from pos_app.ui.i18n import register, tr
from pos_app.ui.report.model import (
    Align,
    Column,
    Row,
    Table,
    count_col,
    money_col,
    percent_text,
    text_col,
)

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "ALL",
    "OUTLET_TABLES",
    "CentralSource",
    "NotConfigured",
    "build_central_report",
    "central_configured",
    "connect",
    "error_text",
    "outlet_names",
    "outlet_slug",
    "outlets_table",
    "with_outlet_column",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

ALL = "all"
"""The ``outlet`` of a report over every outlet (``pos_app.central.reports.ALL``)."""

register({
    "Outlet": "Outlet", "Per outlet": "By outlet", "Penjualan bersih": "Net sales",
    "Diterima": "Collected", "Tunai": "Cash", "Pengembalian": "Refunds", "Porsi": "Share",
    "Total": "Total",
    "Alamat server pusat belum diatur (central.url).":
        "The central server's address is not set (central.url).",
    "Outlet {name} tidak ada di server pusat.": "The central server has no outlet {name}.",
    "Server pusat belum disiapkan: jalankan `pos-app central init`.":
        "The central server is not set up yet: run `pos-app central init`.",
    "Server pusat menolak laporan ini: login ini tidak boleh membacanya.":
        "The central server refused this report: this login may not read it.",
    "Koneksi ke server pusat terputus.": "The connection to the central server was lost.",
    "Server pusat gagal membuat laporan.": "The central server could not make the report.",
    "Pengaturan server pusat tidak valid.": "The central server settings are not valid.",
    # pos_app.central.errors' message_id texts, shown through tr()
    "Gagal terhubung ke server pusat.": "Could not connect to the central server.",
    "Alamat server pusat tidak valid.": "The central server's address is not valid.",
    "Koneksi ke server pusat harus memakai TLS (sslmode=require).":
        "The connection to the central server must use TLS (sslmode=require).",
    "Server pusat tidak dapat dihubungi.": "The central server cannot be reached.",
    "Server pusat menolak login.": "The central server refused the login.",
})

OUTLET_TABLES = ("orders", "cashiers", "shifts", "refunds", "voids", "matched",
                 "unmatched_credits", "unconfirmed", "late")
"""The screen's tables whose rows name an outlet in a central report."""


class NotConfigured(CentralError):
    """``central.url`` is empty (it was unset while the screen was open)."""

    usage = True
    message_id = "Alamat server pusat belum diatur (central.url)."


def central_configured(settings: Any) -> bool:
    """True when the settings name a central server: the screen then offers the outlets.
    A value that is there but not valid counts too: the selector then says why it can't
    reach the server."""
    try:
        return bool((settings.get_raw("central.url") or "").strip())
    except SettingsError:
        return True


def connect(url: str, **kw: Any) -> psycopg.Connection[Any]:
    """:func:`pos_app.central.connect.connect`."""
    from pos_app.central.connect import connect as central_connect

    return central_connect(url, **kw)


def outlet_names(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """``outlet_id -> name`` of the outlets this login may see, by name (a till's own role
    sees its own outlet only)."""
    from pos_app.central.reports import outlet_names as names

    return names(conn)


def build_central_report(conn: psycopg.Connection[Any], first: date, last: date,
                         tz: ZoneInfo, outlet: str, *, detail: bool) -> dict[str, Any]:
    """:func:`pos_app.central.reports.build_central_report`."""
    from pos_app.central.reports import build_central_report as build

    return build(conn, first, last, tz, outlet, detail=detail)


class CentralSource:
    """The central store, as the report screen reads it (see the module docstring).

    ``connect``: makes a new autocommit connection (:meth:`from_settings` makes one from the
    settings); ``secrets``: texts to mask in messages (the password)."""

    def __init__(self, connect: Callable[[], psycopg.Connection[Any]],
                 secrets: Callable[[], list[str]] = list) -> None:
        self._connect = connect
        self._secrets = secrets
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Any) -> CentralSource:
        """The connection ``pos-app report --central`` makes, raising instead of exiting.
        The settings are read when connecting (on the worker thread: the password may come
        from the OS keyring, which can take a while)."""
        known: list[str] = []  # the password, once read: for masking messages

        def value(key: str) -> str:
            return str(settings.get(key) or "").strip()

        def make() -> psycopg.Connection[Any]:
            url = value("central.url")
            if not url:
                raise NotConfigured("central.url is not set")
            password = value("central.password")
            if password and password not in known:
                known.append(password)
            return connect(url, user=value("central.user") or None,
                           password=password or None, autocommit=True)

        def secrets() -> list[str]:
            return list(known)  # not read again here: this may run on the GUI thread

        return cls(make, secrets)

    # -- what the screen asks for (blocking: call on a worker thread) -----------------------

    def outlets(self) -> dict[str, str]:
        """``outlet_id -> name``, by name."""
        return self._run(outlet_names)

    def load(self, first: date, last: date, tz: ZoneInfo, outlet: str | None
             ) -> dict[str, Any]:
        """The report of ``first`` .. ``last`` for ``outlet`` (an id or a name, or
        :data:`ALL`). One day lists its orders; a longer range does not (``detail`` False:
        ``orders`` and the matched QRIS payments are empty, their counts are not)."""
        detail = first == last
        return self._run(lambda conn: build_central_report(conn, first, last, tz,
                                                           outlet or ALL, detail=detail))

    def detail(self, exc: BaseException) -> str:
        """The one-line reason of a failure, the password masked."""
        from pos_app.central.connect import error_detail

        return error_detail(exc, self._secrets())

    def close(self) -> None:
        """Close the connection (from any thread). One in use by a report is closed when
        that report is done; nothing is opened afterwards."""
        self._closed = True
        if self._lock.acquire(blocking=False):
            try:
                self._drop()
            finally:
                self._lock.release()

    # -- the connection ------------------------------------------------------------------------

    def _run(self, fn: Callable[[psycopg.Connection[Any]], T]) -> T:
        import psycopg

        try:
            with self._lock:
                if self._closed:
                    raise CentralError("the report screen is closed")
                conn = self._conn
                fresh = conn is None or conn.closed or conn.broken
                if fresh:
                    self._drop()
                    conn = self._conn = self._connect()
                assert conn is not None
                try:
                    return fn(conn)
                except psycopg.OperationalError:
                    if fresh or not (conn.closed or conn.broken):
                        raise
                    # A connection kept from an earlier report that the server has dropped
                    # since (idle timeout, restart): once more, on a new one.
                    log.info("central report: the kept connection was lost; reconnecting")
                    self._drop()
                    conn = self._conn = self._connect()
                    return fn(conn)
                finally:
                    if conn.closed or conn.broken or self._closed:
                        self._drop()
        finally:
            if self._closed:  # closed while this ran: the lock is free now
                self.close()

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


# -- what to tell the owner -----------------------------------------------------------------------

def error_text(exc: BaseException, detail: str = "") -> str:
    """Why the central report (or the list of outlets) could not be loaded, in the UI's
    language; ``detail`` (the server's words) is for a tooltip."""
    import psycopg

    from pos_app.central.reports import UnknownOutlet

    if isinstance(exc, UnknownOutlet):
        return tr("Outlet {name} tidak ada di server pusat.", name=exc.name)
    if isinstance(exc, CentralError):
        return tr(exc.message_id)
    if isinstance(exc, (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName)):
        return tr("Server pusat belum disiapkan: jalankan `pos-app central init`.")
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return tr("Server pusat menolak laporan ini: login ini tidak boleh membacanya.")
    if isinstance(exc, psycopg.OperationalError):
        return tr("Koneksi ke server pusat terputus.")
    if isinstance(exc, psycopg.Error):
        return tr("Server pusat gagal membuat laporan.")
    if isinstance(exc, SettingsError):
        return tr("Pengaturan server pusat tidak valid.")
    return detail or str(exc)


def outlet_slug(report: Mapping[str, Any]) -> str:
    """The report's outlet for a file name: ``semua-outlet``, ``toko-bandung``; "" for a
    till's own report."""
    outlet = report.get("outlet")
    if not outlet:
        return ""
    if outlet == ALL:
        return "semua-outlet"
    return re.sub(r"[^0-9a-z]+", "-", str(outlet).casefold()).strip("-") or "outlet"


# -- tables ----------------------------------------------------------------------------------------

def _amount(slot: Mapping[str, Any], method: str) -> int:
    methods: Mapping[str, Any] = slot.get("by_payment_method") or {}
    return int((methods.get(method) or {}).get("amount") or 0)


def outlets_table(report: Mapping[str, Any]) -> Table:
    """One row per outlet (every outlet, sales or not) and the total (``pinned``: it stays
    last when the rows are sorted). The total is the report's own figures, which the outlets
    add up to."""
    collected = int(report.get("collected") or 0)
    rows: list[dict[str, Any]] = [{
        "outlet": o.get("outlet") or "",
        "order_count": int(o.get("order_count") or 0),
        "net_sales": int(o.get("net_sales") or 0),
        "collected": int(o.get("collected") or 0),
        "cash": _amount(o, "cash"),
        "qris": _amount(o, "qris"),
        "refunds": int(o.get("refunds") or 0),
    } for o in report.get("outlets") or []]
    refunds: Mapping[str, Any] = report.get("refunds") or {}
    rows.append({
        "outlet": tr("Total"), "order_count": int(report.get("order_count") or 0),
        "net_sales": int(report.get("net_sales") or 0), "collected": collected,
        "cash": _amount(report, "cash"), "qris": _amount(report, "qris"),
        "refunds": int(refunds.get("amount") or 0), "bold": True, "pinned": True,
    })
    for row in rows:
        row["share"] = percent_text(row["collected"], collected)
    return Table("outlets", "Per outlet", [
        text_col("Outlet", "outlet", width=240, weight=2.0),
        count_col("Transaksi", "order_count", width=100),
        money_col("Penjualan bersih", "net_sales", width=170),
        money_col("Diterima", "collected", width=170),
        money_col("Tunai", "cash", width=160),
        money_col("QRIS", "qris", width=160),
        money_col("Pengembalian", "refunds", width=150),
        Column("Porsi", lambda r: r["share"], lambda r: r["collected"], Align.RIGHT, 90, 0.6,
               shrink=False),
    ], rows)


def _outlet_of(row: Row) -> str:
    return str(row.get("outlet") or "")


def with_outlet_column(table: Table) -> Table:
    """``table`` with an "Outlet" column: after the time when the rows start with one, else
    first."""
    at = 1 if table.columns and table.columns[0].title == "Waktu" else 0
    column = text_col("Outlet", _outlet_of, width=150, weight=1.0)
    return dataclasses.replace(table, columns=[*table.columns[:at], column,
                                               *table.columns[at:]])
