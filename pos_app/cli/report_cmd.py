"""``pos-app report daily`` and ``pos-app report range``: the owner's report, in five formats.

``text`` (Indonesian), ``json`` (docs/report-schema.json) and ``csv`` go to stdout or ``--out``;
``pdf`` and ``xlsx`` are files, so they need ``--out``. Their writers live elsewhere
(``pos_app.ui.report.pdf`` draws with Qt, ``pos_app.report_xlsx`` with openpyxl) and are
imported only when asked for: a text report never loads Qt.

``--central [--outlet NAME|all]`` runs the same report on the central PostgreSQL (issue 14,
``pos_app.central.reports``) over one outlet or all of them (the default), in text, json or
csv; it needs no till database, only the data dir's settings: ``central.url``, and the login
in ``central.user`` and the secret ``central.password`` when they are set (else libpq's own:
``PGPASSWORD``, ``~/.pgpass``). A server that can't be reached exits 1 with one line; an
unknown outlet exits 2 naming the outlets there are. The password is never printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from pos_app.cli.common import Exit, central_connection, die, open_ctx, open_settings
from pos_app.clock import local_date, utcnow, zone
from pos_app.paths import write_atomically
from pos_app.reports import MAX_RANGE_DAYS, build_report, report_csv, report_text

_FIRST, _LAST = "0001-01-02", "9999-12-30"
_FILE_FORMATS = ("pdf", "xlsx")


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        die(f"bad {option} {text!r}: expected YYYY-MM-DD")


def _days(args: argparse.Namespace, tz_name: str) -> tuple[date, date]:
    """The first and last business day the command asks for (exit 2 on a bad one)."""
    if args.report_command == "range":
        first, last = _day(args.first, "--from"), _day(args.last, "--to")
        if last < first:
            die(f"bad range: --to {last} is before --from {first}")
        days = (last - first).days + 1
        if days > MAX_RANGE_DAYS:
            die(f"bad range: {days} days; a report covers at most {MAX_RANGE_DAYS} days")
        return first, last
    day = _day(args.date, "--date") if args.date else local_date(utcnow(), zone(tz_name))
    return day, day


def _qt_app() -> Any:
    """The QApplication the PDF writer draws with; offscreen when there is no display (a
    shop PC's scheduled task, an SSH session), so the report never needs a screen."""
    if sys.platform.startswith("linux") and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(["pos-app"])


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _write_file(fmt: str, report: dict[str, Any], out: Path, store_name: str) -> None:
    try:
        if fmt == "pdf":
            from pos_app.ui.report.pdf import write_pdf
        else:
            from pos_app.report_xlsx import write_xlsx
    except ImportError as exc:
        die(f"{fmt.upper()} export is not available in this installation ({exc})")
    try:
        if fmt == "pdf":
            _app = _qt_app()  # held until the file is written
            write_pdf(report, out, store_name)
        else:
            write_xlsx(report, out)
    except OSError as exc:
        die(f"cannot write {out}: {exc.strerror or exc}", Exit.FAILED)


def _emit(args: argparse.Namespace, text: str) -> None:
    if args.out:
        try:
            write_atomically(Path(args.out), lambda tmp: _write_text(tmp, text))
        except OSError as exc:
            die(f"cannot write {args.out}: {exc.strerror or exc}", Exit.FAILED)
    else:
        print(text, end="")


def _bad_dates(args: argparse.Namespace, first: date, last: date) -> NoReturn:
    what = (f"--date {args.date!r}" if args.report_command == "daily"
            else f"range {first} .. {last}")
    die(f"bad {what}: must be between {_FIRST} and {_LAST}")


def _run_central(args: argparse.Namespace) -> int:
    """The report of one outlet or of all, from the central PostgreSQL."""
    if args.format in _FILE_FORMATS:
        die(f"--format {args.format} is not available with --central; use text, json or csv")
    import psycopg

    from pos_app.central.connect import error_detail
    from pos_app.central.errors import CentralError
    from pos_app.central.reports import (
        build_central_report,
        central_report_csv,
        central_report_text,
    )

    _data_dir, settings = open_settings(args)
    tz_name = str(settings.get("store.timezone"))
    first, last = _days(args, tz_name)
    conn = central_connection(settings)
    password = str(settings.get("central.password") or "")  # kept out of any message
    try:
        # The text and CSV print no per-order list: they are built without them (a month of
        # a chain is millions of orders). JSON is the contract: every order.
        report = build_central_report(conn, first, last, zone(tz_name), args.outlet,
                                      detail=args.format == "json")
    except CentralError as exc:  # an unknown outlet (names the known ones)
        die(str(exc), Exit.USAGE if exc.usage else Exit.FAILED)
    except OverflowError:
        _bad_dates(args, first, last)
    except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName):
        die("the central store has no pos schema yet: run `pos-app central init URL` first",
            Exit.FAILED)
    except psycopg.errors.InsufficientPrivilege as exc:
        die(f"the central server refused the report: {error_detail(exc, [password])}",
            Exit.FAILED)
    except psycopg.Error as exc:
        die(f"the central report failed: {error_detail(exc, [password])}", Exit.FAILED)
    finally:
        conn.close()
    if args.format == "json":
        text = json.dumps(report, ensure_ascii=False, indent=None) + "\n"
    elif args.format == "csv":
        text = central_report_csv(report)
    else:
        text = central_report_text(report)
    _emit(args, text)
    return Exit.OK


def run(args: argparse.Namespace) -> int:
    if getattr(args, "central", False):
        return _run_central(args)
    if getattr(args, "outlet", None) is not None:
        die("--outlet needs --central: a till's own report is its own outlet's")
    if args.format in _FILE_FORMATS and not args.out:
        die(f"--format {args.format} writes a file: give it with --out FILE")
    ctx = open_ctx(args, access="read")
    try:
        tz_name = str(ctx.settings.get("store.timezone"))
        first, last = _days(args, tz_name)
        try:
            report = build_report(ctx.db, first, last, zone(tz_name))
        except OverflowError:  # the store-local day reaches past year 1 or 9999 in UTC
            _bad_dates(args, first, last)
        if args.format in _FILE_FORMATS:
            store = str(ctx.settings.get("store.name") or "")
            _write_file(args.format, report, Path(args.out), store)
            return Exit.OK
        if args.format == "json":
            text = json.dumps(report, ensure_ascii=False, indent=None) + "\n"
        elif args.format == "csv":
            text = report_csv(report)
        else:
            text = report_text(report)
        _emit(args, text)
        return Exit.OK
    finally:
        ctx.close()
