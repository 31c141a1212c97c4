"""``pos-app central init|code|enroll``: set up the central PostgreSQL and enrol tills in it
(docs/central.md).

* ``central init URL`` (the owner, once per server and after each pos-app upgrade) creates or
  upgrades the schema. It must run as a role with CREATEROLE that owns the database (or the
  superuser): enrollment creates login roles with that role's rights. The password comes from
  the URL, ``PGPASSWORD`` or ``~/.pgpass``, as libpq reads them. The URL (without a password)
  is kept as ``central.url`` for ``central code`` when none is set yet.
* ``central code --outlet NAME [--url URL]`` (the owner, a member of pos_owner) prints a
  one-time code for a till of NAME; the outlet is created when it is new. Without ``--url``
  it logs in as the reports do: ``central.url`` with ``central.user``/``central.password`` when
  set, else libpq's PGUSER/PGPASSWORD/.pgpass.
* ``central enroll URL --outlet NAME`` (at the till) reads the code from a hidden prompt (or
  one line of stdin), redeems it for this till's own role, keeps ``central.url``,
  ``central.outlet`` and ``central.user`` in config.toml and the role's password as the secret
  ``central.password`` (the OS keyring; config.toml's [secrets] only where there is none), and
  queues the till's history for upload.

Exit 0 done; 2 a usage or configuration error (bad URL, no TLS to a remote host, bad outlet
name); 1 the server refused or could not be reached, or the code was not accepted. One line on
stderr, never a traceback, never a password or a code.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import math
import sys
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from pos_app.cli.common import Exit, die, open_ctx, open_settings
from pos_app.settings import Settings, SettingsError

log = logging.getLogger(__name__)

MAX_HOURS = 720  # 30 days: what pos.make_enroll_code allows


def _fail(exc: Exception) -> None:
    """A central or PostgreSQL error as the one line and exit code the CLI promises."""
    from psycopg import Error as PgError

    from pos_app.central.connect import error_detail
    from pos_app.central.errors import CentralError

    if isinstance(exc, CentralError):
        die(str(exc), Exit.USAGE if exc.usage else Exit.FAILED)
    if isinstance(exc, PgError):
        log.error("central: %s", error_detail(exc))
        die(f"the central server said: {error_detail(exc)}", Exit.FAILED)
    raise exc


def _guarded(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    from psycopg import Error as PgError

    from pos_app.central.errors import CentralError

    try:
        return func(args)
    except (CentralError, PgError) as exc:
        _fail(exc)
        raise  # pragma: no cover - _fail always raises


# --------------------------------------------------------------------------- init


def _init(args: argparse.Namespace) -> int:
    from pos_app.central.connect import connect, parse_url, strip_password
    from pos_app.central.schema import apply_schema

    target = parse_url(args.url)  # BadUrl / TlsRequired before anything goes out
    with connect(args.url) as conn:
        version = apply_schema(conn)
    print(f"Skema pusat versi {version} siap di {target.where()}.")
    _data_dir, settings = open_settings(args)
    kept = str(settings.get("central.url") or "")
    if not kept:  # remember it for `central code` and the reports
        _set(settings, "central.url", strip_password(args.url))
        print("central.url disimpan untuk `pos-app central code`.")
    elif kept != strip_password(args.url):
        print(f"central.url tetap {kept} (ubah dengan `pos-app config set central.url URL`).")
    return Exit.OK


# --------------------------------------------------------------------------- code


def _code(args: argparse.Namespace) -> int:
    from pos_app.central.connect import connect, strip_credentials
    from pos_app.central.enroll import make_code, parse_code
    from pos_app.central.schema import find_outlet

    hours = float(args.hours)
    if not math.isfinite(hours) or not 0 < hours <= MAX_HOURS:
        die(f"--hours must be more than 0 and at most {MAX_HOURS}")
    _data_dir, settings = open_settings(args)
    user = password = None
    url = args.url
    if not url:  # the data dir's login when it has one (as the reports), else libpq's
        url = str(settings.get("central.url") or "")
        user = str(settings.get("central.user") or "") or None
        password = str(settings.get("central.password") or "") or None
    if not url:
        die("no central server: give --url URL, or run `pos-app central init URL` first")
    with connect(url, user=user, password=password) as conn:
        known = find_outlet(conn, args.outlet)
        code = make_code(conn, args.outlet, ttl=timedelta(hours=hours))
        row = conn.execute("SELECT o.name, o.outlet_id, c.expires_at FROM pos.enroll_codes c"
                           " JOIN pos.outlets o USING (outlet_id) WHERE c.role_name = %s",
                           (parse_code(code)[0],)).fetchone()
    name, outlet_id, expires = row if row else (args.outlet, "?", None)
    if known is None:
        print(f"Outlet baru dibuat: {name} ({outlet_id}).")
    print(f"Kode pendaftaran untuk {name}: {code}")
    if expires is not None:
        local = expires.astimezone(settings.timezone())
        print(f"Berlaku sekali, sampai {local:%Y-%m-%d %H:%M} ({settings.get('store.timezone')}).")
    print(f'Di kasir: pos-app central enroll {strip_credentials(url)} --outlet "{name}"')
    return Exit.OK


# --------------------------------------------------------------------------- enroll


def _read_code() -> str:
    """The code from a hidden prompt on a terminal, else the first line of stdin."""
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        try:
            return getpass.getpass("Kode pendaftaran: ")
        except EOFError:
            die("no enrollment code given")
    if stdin is None:
        die("no enrollment code: type it at the prompt, or pipe it to stdin")
    line = stdin.readline()
    if not line.strip():
        die("no enrollment code on stdin")
    return line.strip()


def _enroll(args: argparse.Namespace) -> int:
    from pos_app.central.connect import connect, parse_url, strip_credentials
    from pos_app.central.enroll import redeem
    from pos_app.central.schema import slug
    from sync.central import mark_enrolled

    parse_url(args.url)  # a bad URL or missing TLS: say so before asking for the code
    outlet_id = slug(args.outlet)
    ctx = open_ctx(args)
    try:
        state = ctx.db.query_one("SELECT enrolled, outlet_id FROM central_state WHERE id = 1")
        if state is not None and state["enrolled"] and state["outlet_id"] != outlet_id:
            die(f"this till is already enrolled in outlet {state['outlet_id']!r}; its sales "
                f"belong there, so it can't join {outlet_id!r}")
        terminal_id = str(ctx.settings.get("store.terminal_id"))
        code = _read_code()
        creds = redeem(args.url, args.outlet, code, terminal_id, replace=args.replace)
        settings: Settings = ctx.settings
        try:
            settings.set("central.url", strip_credentials(args.url))
            settings.set("central.outlet", creds.outlet_id)
            settings.set("central.user", creds.role)
            settings.set("central.password", creds.password)
        except SettingsError as exc:
            die(f"the code was accepted but this till's credentials could not be stored "
                f"({exc}); fix that, then enrol again with a new code and --replace", Exit.FAILED)
        with connect(args.url, user=creds.role, password=creds.password) as conn:
            conn.execute("SELECT pos.my_outlet()")  # the stored credentials do work
        queued = mark_enrolled(ctx.db, creds.outlet_id, terminal_id)
    finally:
        ctx.close()
    print(f"Kasir {terminal_id} terdaftar di outlet {creds.outlet_id} (peran {creds.role}).")
    print(f"{queued} data lama diantrekan untuk dikirim ke server pusat.")
    return Exit.OK


def _set(settings: Settings, key: str, value: Any) -> None:
    try:
        settings.set(key, value)
    except SettingsError as exc:
        die(str(exc))


def _status(args: argparse.Namespace) -> int:
    """Last upload, lag, entries waiting: from this till's own database (works offline)."""
    from pos_app.central.till import status_document

    ctx = open_ctx(args, access="read")
    try:
        doc = status_document(ctx.db)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps(doc, ensure_ascii=False))
        return Exit.OK
    if not doc["enrolled"]:
        print("Not enrolled in an outlet: this till keeps its sales to itself "
              "(pos-app central enroll URL --outlet NAME).")
        return Exit.OK
    lag = "-" if doc["lag_s"] is None else f"{doc['lag_s']:.0f} s"
    print(f"Outlet          : {doc['outlet']} (till {doc['terminal_id']})")
    print(f"Last upload     : {doc['last_upload_at'] or 'never'}")
    print(f"Entries waiting : {doc['entries_waiting']}")
    print(f"Lag             : {lag}")
    if doc["last_error"]:
        print(f"Last error      : {doc['last_error']}")
    managed = "managed by head office" if doc["catalog_managed"] else "this till's own"
    print(f"Price list      : {managed} (version {doc['catalog_version']})")
    return Exit.OK


_HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "init": _init,
    "code": _code,
    "enroll": _enroll,
    "status": _status,
}


def run(args: argparse.Namespace) -> int:
    handler = _HANDLERS.get(args.central_command)
    if handler is None:
        die(f"'central {args.central_command}' is not available in this version of pos-app yet")
    return _guarded(handler, args)
