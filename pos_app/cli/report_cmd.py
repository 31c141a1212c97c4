"""``pos-app report daily``."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from pos_app.cli.common import Exit, die, open_ctx
from pos_app.clock import local_date, utcnow, zone
from pos_app.reports import daily_report, report_csv, report_text

_FIRST, _LAST = "0001-01-02", "9999-12-30"


def run(args: argparse.Namespace) -> int:
    if args.format == "pdf":
        die("PDF export is not available in this version yet; use --format csv or json")
    ctx = open_ctx(args, access="read")
    try:
        tz = zone(str(ctx.settings.get("store.timezone")))
        if args.date:
            try:
                day = date.fromisoformat(args.date)
            except ValueError:
                die(f"bad --date {args.date!r}: expected YYYY-MM-DD")
        else:
            day = local_date(utcnow(), tz)
        try:
            report = daily_report(ctx.db, day, tz)
        except OverflowError:  # the store-local day reaches past year 1 or 9999 in UTC
            die(f"bad --date {args.date!r}: must be between {_FIRST} and {_LAST}")
        if args.format == "json":
            text = json.dumps(report, ensure_ascii=False, indent=None) + "\n"
        elif args.format == "csv":
            text = report_csv(report)
        else:
            text = report_text(report)
        if args.out:
            try:
                Path(args.out).write_text(text, encoding="utf-8")
            except OSError as exc:
                die(f"cannot write {args.out}: {exc.strerror or exc}", Exit.FAILED)
        else:
            print(text, end="")
        return Exit.OK
    finally:
        ctx.close()
