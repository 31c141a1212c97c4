"""Argument parsing and dispatch for ``pos-app`` (SPEC.md section 3).

One argparse parser reads every command line, the till's ``pos-app [--demo] [--data-dir DIR]``
included. Each command lives in its own module, imported when that command runs.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from pos_app import __version__
from pos_app.cli.common import CliError, Exit, err, seconds

log = logging.getLogger("pos_app.cli")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one clear line, exit 2 (SPEC section 3)
        err(f"{self.prog}: error: {message}")
        raise SystemExit(Exit.USAGE)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="pos-app", description="Kasir QRIS offline-first untuk toko dan warung.")
    p.add_argument("--version", action="version", version=f"pos-app {__version__}")
    p.add_argument("--data-dir", metavar="DIR", help="where the database, config and logs live "
                   "(env POS_APP_DATA_DIR; default: the user data dir)")
    p.add_argument("--demo", action="store_true", help="open the cashier in demo mode")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    cfg = sub.add_parser("config", help="read or change settings")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True, parser_class=_Parser)
    g = cfg_sub.add_parser("get", help="print a value (secrets masked)")
    g.add_argument("key")
    s = cfg_sub.add_parser("set", help="set a value (validated); without VALUE it is read "
                           "from a hidden prompt, or from stdin when that is not a terminal")
    s.add_argument("key")
    s.add_argument("value", nargs="?")
    cfg_sub.add_parser("list", help="print every key with its value (secrets masked)")

    ch = sub.add_parser("charge", help="sell one custom amount by QRIS, headless")
    ch.add_argument("amount")
    ch.add_argument("--provider")
    ch.add_argument("--note", default="")
    ch.add_argument("--timeout", type=seconds, metavar="SECONDS")
    ch.add_argument("--json", action="store_true")

    sy = sub.add_parser("sync", help="the background sync engine")
    sy_sub = sy.add_subparsers(dest="sync_command", required=True, parser_class=_Parser)
    run = sy_sub.add_parser("run", help="run the sync engine in the foreground")
    run.add_argument("--until-idle", action="store_true")
    run.add_argument("--timeout", type=seconds, metavar="SECONDS")
    st = sy_sub.add_parser("status", help="outbox depth, pending payments, last errors")
    st.add_argument("--json", action="store_true")

    pr = sub.add_parser("provider", help="payment provider accounts")
    pr_sub = pr.add_subparsers(dest="provider_command", required=True, parser_class=_Parser)
    login = pr_sub.add_parser("login", help="interactive (OTP) login")
    login.add_argument("name")

    rp = sub.add_parser("report", help="reports for the owner")
    rp_sub = rp.add_subparsers(dest="report_command", required=True, parser_class=_Parser)
    report_formats = ["text", "json", "csv", "pdf", "xlsx"]
    daily = rp_sub.add_parser("daily", help="one day's sales")
    daily.add_argument("--date", metavar="YYYY-MM-DD", help="store-local day (default: today)")
    daily.add_argument("--format", choices=report_formats, default="text")
    daily.add_argument("--out", metavar="FILE", help="write FILE (needed for pdf and xlsx)")
    rng = rp_sub.add_parser("range", help="the sales of several days (at most 366), day by day")
    rng.add_argument("--from", dest="first", required=True, metavar="YYYY-MM-DD")
    rng.add_argument("--to", dest="last", required=True, metavar="YYYY-MM-DD")
    rng.add_argument("--format", choices=report_formats, default="text")
    rng.add_argument("--out", metavar="FILE", help="write FILE (needed for pdf and xlsx)")
    for report in (daily, rng):  # several outlets: the same report on the central store
        report.add_argument("--central", action="store_true",
                            help="run the report on the central store (several outlets)")
        report.add_argument("--outlet", metavar="NAME|all",
                            help="with --central: one outlet by name, or all (the default)")

    q = sub.add_parser("qris", help="QRIS payload tools")
    q_sub = q.add_subparsers(dest="qris_command", required=True, parser_class=_Parser)
    dec = q_sub.add_parser("decode", help="parse and validate a payload, or the QRIS in a "
                           "picture (PNG, JPEG) or PDF")
    dec_from = dec.add_mutually_exclusive_group(required=True)  # exactly one of them
    dec_from.add_argument("payload", nargs="?", metavar="PAYLOAD")
    dec_from.add_argument("--image", metavar="FILE",
                          help="read the QRIS from a photo, screenshot or PDF page of it")
    dec.add_argument("--json", action="store_true")
    dyn = q_sub.add_parser("dynamic", help="static (or dynamic) payload -> dynamic with an amount")
    dyn.add_argument("payload")
    dyn.add_argument("--amount", required=True)
    png = q_sub.add_parser("png", help="render a payload to a PNG file")
    png.add_argument("payload")
    png.add_argument("--out", required=True, metavar="FILE")
    png.add_argument("--scale", type=int, metavar="N")

    sb = sub.add_parser("soundbox", help="the USB soundbox")
    sb_sub = sb.add_subparsers(dest="soundbox_command", required=True, parser_class=_Parser)
    t = sb_sub.add_parser("test", help="find the soundbox and say a test sentence")
    t.add_argument("--port", help="a serial port (default: hardware.soundbox.port)")
    t.add_argument("--amount", default="10000")
    sb_sub.add_parser("emulate", help="a virtual soundbox on a pty: prints its port, logs "
                      "every frame and the sentence it would say")

    an = sub.add_parser("announce", help="say the payment sentence")
    an.add_argument("amount")
    an.add_argument("--lang", choices=["id", "en"], default="id")
    an.add_argument("--dry-run", action="store_true")

    pd = sub.add_parser("product", help="the shop's products: list, add, import, export")
    pd_sub = pd.add_subparsers(dest="product_command", required=True, parser_class=_Parser)
    pl = pd_sub.add_parser("list", help="every product (archived ones too)")
    pl.add_argument("--format", choices=["text", "json", "csv"], default="text")
    pa = pd_sub.add_parser("add", help="add one product")
    pa.add_argument("--name", required=True)
    pa.add_argument("--price", required=True, help="rupiah: 15000, 15.000 or 'Rp 15.000'")
    pa.add_argument("--barcode", action="append", metavar="B",
                    help="a barcode (repeat the option for more than one)")
    pa.add_argument("--category")
    pa.add_argument("--sku", help="default: the next free P-00001")
    pa.add_argument("--stock", type=int, metavar="N", help="default: not tracked")
    pa.add_argument("--low-stock", type=int, metavar="N", help="marked at N or less in stock")
    pa.add_argument("--cost", metavar="P", help="what it costs the shop (modal)")
    pa.add_argument("--unit", help="pcs (default), kg, liter, bungkus ...")
    pa.add_argument("--keep-demo", action="store_true",
                    help="keep the demo products as the shop's own instead of removing them")
    pa.add_argument("--json", action="store_true")
    pi = pd_sub.add_parser("import", help="products from a CSV or XLSX price list, or a "
                           "Loyverse item export, in one transaction")
    pi.add_argument("file")
    pi.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    pi.add_argument("--skip-refused", action="store_true",
                    help="import the good rows even when some rows are refused")
    pi.add_argument("--central", action="store_true", help="owner: into the central price "
                    "list (several outlets; central.url, password from PGPASSWORD/.pgpass)")
    pi.add_argument("--outlet", metavar="NAME|all",
                    help="with --central: one outlet by name, or all (the default)")
    pi.add_argument("--keep-demo", action="store_true",
                    help="keep the demo products as the shop's own instead of removing them")
    pi.add_argument("--json", action="store_true")
    pe = pd_sub.add_parser("export", help="every product to FILE (.csv or .xlsx)")
    pe.add_argument("file")
    pe.add_argument("--include-demo", action="store_true")

    us = sub.add_parser("user", help="staff accounts (owner, cashier) and their PINs")
    us_sub = us.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    ua = us_sub.add_parser("add", help="a new user; the PIN from a hidden prompt or stdin")
    ua.add_argument("name")
    ua.add_argument("--role", choices=["owner", "cashier"], required=True)
    ul = us_sub.add_parser("list", help="every user, with role and lock state")
    ul.add_argument("--json", action="store_true")
    sp = us_sub.add_parser("set-pin", help="a new PIN for NAME (lifts a lock)")
    sp.add_argument("name")

    su = sub.add_parser("setup", help="a till's first-run steps from a TOML file "
                        "(docs/setup-example.toml); PINs and secrets from prompts or stdin")
    su.add_argument("--from", dest="from_file", required=True, metavar="FILE")
    su.add_argument("--terminal", metavar="ID",
                    help="this till's id, e.g. K2 (overrides [store] terminal_id)")
    su.add_argument("--reset-pins", action="store_true",
                    help="existing accounts take the PINs given (default: they keep theirs)")
    su.add_argument("--dry-run", action="store_true",
                    help="check the file and show what would change; ask and write nothing")

    sub.add_parser("backup", help="copy the database to the backups folder")
    rs = sub.add_parser("restore", help="replace the database with a backup")
    rs.add_argument("file")

    dr = sub.add_parser("doctor", help="health of everything the shop depends on; exit 1 "
                        "when a check fails")
    dr.add_argument("--json", action="store_true")

    ce = sub.add_parser("central", help="several outlets: the central PostgreSQL")
    ce_sub = ce.add_subparsers(dest="central_command", required=True, parser_class=_Parser)
    ci = ce_sub.add_parser("init", help="owner: create or upgrade the central schema (as a "
                           "role with CREATEROLE; the password from the URL, PGPASSWORD or "
                           ".pgpass)")
    ci.add_argument("url", metavar="URL")
    cc = ce_sub.add_parser("code", help="owner: print a one-time enrollment code for a till "
                           "of outlet NAME")
    cc.add_argument("--outlet", required=True, metavar="NAME")
    cc.add_argument("--url", metavar="URL", help="default: central.url (set by central init)")
    cc.add_argument("--hours", type=float, default=24.0, metavar="H",
                    help="how long the code is valid (default 24, at most 720)")
    ce_enroll = ce_sub.add_parser("enroll", help="make this till a member of outlet NAME "
                                  "(the code from a hidden prompt, or stdin)")
    ce_enroll.add_argument("url", metavar="URL")
    ce_enroll.add_argument("--outlet", required=True, metavar="NAME")
    ce_enroll.add_argument("--replace", action="store_true",
                           help="this PC takes over store.terminal_id from a till already "
                           "enrolled with it (that till stops uploading)")
    cs = ce_sub.add_parser("status", help="last upload, lag, entries waiting")
    cs.add_argument("--json", action="store_true")
    return p


# The module behind each command, imported when that command runs: opening the till loads
# none of them, and a command loads only its own.
_COMMANDS: dict[str, str] = {
    "config": "pos_app.cli.config_cmd",
    "charge": "pos_app.cli.charge",
    "qris": "pos_app.cli.qris_cmd",
    "report": "pos_app.cli.report_cmd",
    "sync": "pos_app.cli.sync_cmd",
    "backup": "pos_app.cli.maintenance",
    "restore": "pos_app.cli.maintenance",
    "announce": "pos_app.cli.announce",
    "provider": "pos_app.cli.provider_cmd",
    "product": "pos_app.cli.product_cmd",
    "soundbox": "pos_app.cli.soundbox_cmd",
    "user": "pos_app.cli.user_cmd",
    "setup": "pos_app.cli.setup_cmd",
    "doctor": "pos_app.cli.doctor_cmd",
    "central": "pos_app.cli.central_cmd",
}


def _dispatch(args: argparse.Namespace) -> int:
    if args.command is None:
        from pos_app.cli.run_app import run_app

        return run_app(args)
    if args.command not in _COMMANDS:  # parsed, but not built yet
        raise CliError(f"'{args.command}' is not available in this version of pos-app yet")
    return int(importlib.import_module(_COMMANDS[args.command]).run(args))


def main(argv: Sequence[str] | None = None) -> int:
    if os.name == "posix":
        # Everything pos-app writes (database, WAL, logs, backups, exports) is the shop's
        # business alone, whatever umask the shell or the desktop session set.
        os.umask(0o077)
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except CliError as exc:
        err(f"pos-app: {exc}")
        return int(exc.code)
    except KeyboardInterrupt:
        err("pos-app: interrupted")
        return 130
    except BrokenPipeError:
        return Exit.FAILED
    except Exception as exc:
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    """The last boundary: an error the command didn't handle, as one line (details in the log)."""
    import sqlite3

    from pos_app.secrets import redact
    from pos_app.settings import SettingsError

    if isinstance(exc, SettingsError):  # a value read late (e.g. by the engine): still config
        err(f"pos-app: {exc}")
        return Exit.USAGE
    if isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc):
        log.error("database damaged: %s", exc)
        err("pos-app: the database is damaged (database disk image is malformed); nothing more "
            "was written. Restore the newest backup with `pos-app restore FILE` (backups/ in "
            "the data directory)")
        return Exit.FAILED
    if isinstance(exc, OSError) and exc.strerror:
        log.error("%s", exc)
        where = f" {exc.filename}" if exc.filename else ""
        err(f"pos-app: cannot use{where}: {exc.strerror}")
        return Exit.FAILED
    if isinstance(exc, sqlite3.OperationalError) and any(
            word in str(exc) for word in ("disk is full", "readonly", "disk I/O")):
        log.error("database write failed: %s", exc)
        err(f"pos-app: the database could not be written ({exc}); nothing was half-written")
        return Exit.FAILED
    log.exception("unexpected error")
    err(f"pos-app: unexpected error: {redact(str(exc))} (details in the log)")
    return Exit.FAILED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
