"""``pos-app setup --from FILE [--terminal ID] [--reset-pins] [--dry-run]``: a till's first run
from a TOML file (the rules are in ``pos_app.setup_file``; docs/setup-example.toml is a sample).

The order is the point: the file is read and checked first, every bad field on its own line
(``pos-app: setup: [payment] provider: ...``) and exit 2 before anyone is asked anything; then
the PINs and secrets are read; then everything is written. A PIN or secret is never an
argument or a line of the file. They are read with the same code as ``pos-app user set-pin``
and ``pos-app config set KEY`` (hidden prompts, a PIN asked twice; or stdin lines when stdin is
not a terminal), in this order: one PIN line per account, the owner first, then the cashiers
in file order (an empty line skips a new cashier, or keeps an existing account's PIN); then
one line per secret the provider needs (an empty line keeps a stored one). On stdin every
account gets its line even when its PIN will be kept, so that the same piped input works on a
fresh till and on a second run; on a terminal only the PINs that will be used are asked.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from pos_app.cli.common import CliError, Exit, die, err, open_ctx
from pos_app.clock import utcnow
from pos_app.settings import Settings
from pos_app.setup_file import (
    STATIC_QRIS_KEY,
    SetupApplyError,
    SetupFileError,
    SetupInputError,
    SetupInputs,
    SetupInvalid,
    SetupPlan,
    SetupReport,
    apply_setup,
    check_inputs,
    load_setup_file,
    plan_setup,
)
from pos_app.staff import StaffError


def run(args: argparse.Namespace) -> int:
    source = Path(args.from_file)
    try:
        doc = load_setup_file(source)  # before the data dir: a broken file touches nothing
    except SetupFileError as exc:
        die(f"setup: {exc}")
    ctx = open_ctx(args, access="read" if args.dry_run else "write")
    try:
        try:
            plan = plan_setup(doc, source=source, settings=ctx.settings, db=ctx.db,
                              terminal=args.terminal, reset_pins=args.reset_pins)
        except SetupInvalid as exc:
            for problem in exc.problems:
                err(f"pos-app: setup: {problem}")
            n = len(exc.problems)
            die(f"setup: {n} problem{'s' if n > 1 else ''} in {source.name}; nothing was "
                "written")
        if args.dry_run:
            _print_plan(plan)
            err("pos-app: setup: nothing was written (--dry-run); no PIN or secret was asked")
            return Exit.OK
        inputs = _read_inputs(plan)
        try:
            report = apply_setup(plan, inputs, settings=ctx.settings, db=ctx.db, now=utcnow(),
                                 actor=f"cli:{getpass.getuser()}")
        except SetupApplyError as exc:
            die(f"setup: {exc}", Exit.FAILED)
        _print_report(plan, report, ctx.settings)
    finally:
        ctx.close()
    return Exit.OK


def _at_end_soon(stream: object) -> bool:
    """Whether the rest of ``stream`` can be read without waiting: a file, or a pipe whose
    writer is done (or has data ready). A console that is not a terminal (Git Bash, an IDE)
    or a script keeping its pipe open would otherwise hang ``setup`` after the last line."""
    import os
    import select
    import stat

    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
        mode = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):
        return False
    if stat.S_ISREG(mode):
        return True
    if stat.S_ISFIFO(mode) and os.name == "posix":
        return bool(select.select([fd], [], [], 0)[0])
    return False


def _read_inputs(plan: SetupPlan) -> SetupInputs:
    """The PINs, then the secrets, read as ``user set-pin`` and ``config set KEY`` read them."""
    from pos_app.cli.config_cmd import read_value
    from pos_app.cli.user_cmd import read_pin

    tty = sys.stdin is not None and sys.stdin.isatty()
    pins: dict[str, str] = {}
    for a in plan.accounts:
        if tty and not a.wants_pin:
            continue  # nothing to ask: its PIN is kept
        try:
            pins[a.name] = read_pin(a.name)
        except StaffError as exc:  # a bad PIN typed at the prompt
            die(f"setup: PIN for {a.name}: {exc}; nothing was written")
        except CliError as exc:
            die(f"setup: {exc} for {a.role.value} {a.name} (stdin: one PIN line per account, "
                "the owner first, then the cashiers in file order; then one line per secret); "
                "nothing was written", exc.code)
    secrets: dict[str, str] = {}
    for need in plan.secrets:
        if tty and need.stored:
            err(f"{need.key} is stored; press Enter to keep it")
        secrets[need.key] = read_value(need.key)
    if not tty and sys.stdin is not None and _at_end_soon(sys.stdin):
        # A line more than asked for means the lines are not where the file says: a
        # cashier's PIN would otherwise be stored as an API key. Refuse, naming no value.
        extra = [line for line in sys.stdin.read().splitlines() if line.strip()]
        if extra:
            die(f"setup: stdin has {len(extra)} line(s) more than asked for (one PIN line per "
                "account, the owner first, then the cashiers in file order; then one line per "
                "secret); nothing was written")
    try:
        return check_inputs(plan, pins, secrets)
    except SetupInputError as exc:
        die(f"setup: {exc}; nothing was written")


def _store_line(settings: Settings) -> str:
    return (f"{settings.display('store.name')}, terminal {settings.display('store.terminal_id')}"
            f", {settings.display('store.timezone')}")


def _qris_line(plan: SetupPlan) -> str | None:
    from pos_app import qris

    payload = plan.value(STATIC_QRIS_KEY)
    if not isinstance(payload, str) or not payload:
        return None
    m = qris.parse(payload).merchant  # valid: the registry's parser checked it
    return f"{m.name}, {m.city} (NMID {m.nmid or '-'}), from the {plan.qris_from}"


def _print_plan(plan: SetupPlan) -> None:
    """--dry-run: what applying the file would do."""
    changing = sum(s.changed for s in plan.settings)
    print(f"setup from {plan.source.name}: the file is valid (--dry-run)")
    print(f"settings   {len(plan.settings)} in the file, {changing} would change")
    for a in plan.accounts:
        state = ("new" if not a.exists else "exists, new PIN (--reset-pins)" if a.reset_pin
                 else "exists, PIN kept")
        print(f"{a.role.value:<10} {a.name}: {state}")
    for need in plan.secrets:
        print(f"secret     {need.key}: asked for" + (" (one is stored)" if need.stored else ""))
    line = _qris_line(plan)
    if line:
        print(f"QRIS       {line}")
    if plan.products is not None:
        p = plan.products
        print(f"products   {Path(p.source).name} ({p.format}): {len(p.added)} to add, "
              f"{len(p.changed)} to change, {p.unchanged} unchanged")
    _print_tail(plan)


def _print_report(plan: SetupPlan, report: SetupReport, settings: Settings) -> None:
    print(f"setup from {plan.source.name}: done")
    print(f"store      {_store_line(settings)}")
    print(f"settings   {len(plan.settings)} from the file, {report.settings_changed} changed "
          "(config.toml)")
    for a, outcome in report.accounts:
        print(f"{a.role.value:<10} {a.name}: {outcome}")
    provider = settings.display("payment.provider")
    stored = f"; stored {', '.join(report.secrets_stored)}" if report.secrets_stored else ""
    print(f"payment    {provider}{stored}")
    line = _qris_line(plan)
    if line:
        print(f"QRIS       {line}")
    if report.products is not None and plan.products is not None:
        r = report.products
        dropped = f"; {r.demo_dropped} demo products removed" if r.demo_dropped else ""
        print(f"products   {Path(plan.products.source).name}: {r.added} added, {r.changed} "
              f"changed, {plan.products.unchanged} unchanged{dropped}")
    if report.demo_users_retired:
        print(f"demo       {report.demo_users_retired} demo accounts retired")
    _print_tail(plan)


def _print_tail(plan: SetupPlan) -> None:
    for note in plan.notes:
        print(f"note       {note}")
    for step in plan.next_steps:
        print(f"next       {step}")
