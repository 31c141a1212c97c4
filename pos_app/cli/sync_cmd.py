"""``pos-app sync run|status``: the sync engine without the window."""

from __future__ import annotations

import argparse
import json
import signal
import threading
import time

from pos_app.central.till import central_sync, status_document
from pos_app.cli.common import Exit, err, open_ctx
from pos_app.context import AppContext
from pos_app.payments import PaymentService
from sync.central import central_status

#: ``--until-idle`` without ``--timeout``: the longest it spends shipping to the central store
CENTRAL_IDLE_S = 120.0


def run(args: argparse.Namespace) -> int:
    ctx = open_ctx(args, access="read" if args.sync_command == "status" else "write")
    service = PaymentService(ctx.db, ctx.settings)
    try:
        if args.sync_command == "status":
            return _status(service, as_json=args.json)
        if args.until_idle:
            started = time.monotonic()
            idle = service.engine.run_until_idle(args.timeout)
            outbox, pending = service.engine.pending_count()
            if not idle:
                err(f"pos-app: timeout with {outbox} outbox entries and {pending} payments pending")
                return Exit.PENDING
            left = None if args.timeout is None else args.timeout - (time.monotonic() - started)
            _ship_to_central(ctx, left)
            return Exit.OK
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        service.start()
        stop.wait(args.timeout)
        return Exit.OK
    finally:
        service.stop()
        ctx.close()


def _ship_to_central(ctx: AppContext, timeout_s: float | None) -> None:
    """An enrolled till's ``sync run --until-idle`` also ships what waits for the central store
    (a till PC switched on only for this, a cron job). The exit code stays the engine's
    (SPEC: outbox and payments): central unreachable is a warning line, not a failure --
    the changes stay queued and go up with the next run."""
    central = central_sync(ctx.settings, ctx.db)
    if central is None:
        return
    deadline = time.monotonic() + (CENTRAL_IDLE_S if timeout_s is None else max(0.0, timeout_s))
    try:
        while True:
            wait = central.step()
            state = central_status(ctx.db)
            if not state.changes_waiting:
                return
            if wait > 1.0 or time.monotonic() >= deadline:  # backing off, or out of time
                err(f"pos-app: central upload: {state.changes_waiting} changes still waiting"
                    f" ({state.last_error or 'out of time'}); they go up with the next run")
                return
    finally:
        central.stop()


def _status(service, *, as_json: bool) -> int:  # type: ignore[no-untyped-def]
    db = service.db
    outbox, pending = service.engine.pending_count()
    payments = [
        {"order_id": r["order_id"], "provider": r["provider"], "status": r["status"],
         "payable_amount": r["payable_amount"], "expires_at": r["expires_at"], "error": r["error"]}
        for r in db.query(
            "SELECT order_id, provider, status, payable_amount, expires_at, error FROM payments"
            " WHERE method = 'qris' AND status = 'pending' ORDER BY created_at"
        )
    ]
    errors: dict[str, str] = {}
    for r in db.query(
        "SELECT coalesce(json_extract(payload, '$.provider'), kind) AS provider, last_error"
        " FROM outbox WHERE last_error IS NOT NULL ORDER BY updated_at"
    ):
        errors[r["provider"]] = r["last_error"]
    for r in db.query(
        "SELECT provider, error FROM payments WHERE error IS NOT NULL ORDER BY updated_at"
    ):
        errors[r["provider"] or "?"] = r["error"]
    providers = {
        r["provider"]: {"state": r["state"], "failures": r["failures"],
                        "last_error": r["last_error"], "updated_at": r["updated_at"]}
        for r in db.query("SELECT * FROM provider_state ORDER BY provider")
    }
    review = [
        {"source": r["source"], "credit_id": r["credit_id"], "amount": r["amount"],
         "note": r["note"]}
        for r in db.query("SELECT * FROM credits WHERE status = 'review' ORDER BY credited_at")
    ]
    status = {"outbox_depth": outbox, "pending_payments": pending, "payments": payments,
              "providers": providers, "last_errors": errors, "credits_to_review": review,
              "central": status_document(db)}
    if as_json:
        print(json.dumps(status, ensure_ascii=False))
    else:
        print(f"Antrean outbox     : {outbox}")
        print(f"Pembayaran tertunda: {pending}")
        for p in payments:
            if p["payable_amount"] is None:
                print(f"  {p['order_id']}  {p['provider']}  belum terkirim ke penyedia")
            else:
                print(f"  {p['order_id']}  {p['provider']}  {p['payable_amount']}"
                      f"  s/d {p['expires_at']}")
        for name, info in providers.items():
            why = f" ({info['last_error']})" if info["last_error"] else ""
            print(f"Penyedia {name:<18}: {info['state']}{why}")
        for name, message in errors.items():
            print(f"Galat terakhir {name}: {message}")
        for r in review:
            print(f"Perlu diperiksa: kredit {r['source']} {r['credit_id']} Rp {r['amount']}: "
                  f"{r['note']}")
        central = status["central"]
        if central["enrolled"]:
            lag = "-" if central["lag_s"] is None else f"{central['lag_s']:.0f} s"
            print(f"Kantor pusat       : outlet {central['outlet']}, {central['entries_waiting']}"
                  f" menunggu (tertunda {lag}), terakhir terkirim"
                  f" {central['last_upload_at'] or '-'}")
    return Exit.OK
