"""``pos-app charge AMOUNT``: one custom-amount QRIS sale, headless, through the real services.

Events go to stdout as JSON Lines with ``--json`` (SPEC.md section 3), or as Indonesian text
with a terminal QR code otherwise. Exit codes: 0 paid, 1 failed, 2 usage/configuration,
3 expired, 4 still pending at ``--timeout`` (the order stays pending; ``sync run`` resumes it).
"""

from __future__ import annotations

import argparse
import getpass
import json
import queue
import sys
import threading
import time
from typing import Any

from pos_app.cart import Cart, TaxConfig, TaxMode
from pos_app.cli.common import Exit, die, err, open_ctx, parse_amount
from pos_app.money import format_rupiah
from pos_app.payments import PaymentService
from sync.errors import UnknownProvider
from sync.events import SyncEvent
from sync.providers import PROVIDER_NAMES
from sync.providers.base import ConfigMissing, Confirmation, ProviderConfigError, ProviderError

TERMINAL = {"paid": Exit.OK, "expired": Exit.EXPIRED, "failed": Exit.FAILED,
            "cancelled": Exit.FAILED}


def _shape(event: dict[str, Any]) -> dict[str, Any]:
    """Exactly the fields SPEC.md names for each event (plus harmless extras)."""
    kind = event["event"]
    base = {"event": kind, "order_id": event["order_id"]}
    if kind == "created":
        return {**base, "amount": event["amount"]}
    if kind == "awaiting_payment":
        keys = ("provider", "payable_amount", "qris", "checkout_url", "expires_at")
        return {**base, **{k: event.get(k) for k in keys}}
    if kind == "paid":
        return {**base, "paid_amount": event.get("paid_amount"),
                "provider_ref": event.get("provider_ref")}
    return {**base, **{k: v for k, v in event.items() if k not in base}}


def _print_human(event: dict[str, Any]) -> None:
    kind = event["event"]
    if kind == "created":
        print(f"Pesanan {event['order_id']} dibuat: {format_rupiah(event['amount'])}")
    elif kind == "awaiting_payment":
        print(f"Menunggu pembayaran {format_rupiah(event['payable_amount'])} lewat "
              f"{event['provider']} (berlaku sampai {event['expires_at']})")
        if event.get("qris"):
            if sys.stdout.isatty():
                import segno

                segno.make_qr(event["qris"], error="m").terminal(compact=True)
            print(event["qris"])
        if event.get("checkout_url"):
            print(f"Halaman bayar: {event['checkout_url']}")
    elif kind == "paid":
        ref = event.get("provider_ref") or "-"
        print(f"LUNAS: {format_rupiah(event['paid_amount'])} diterima (ref {ref})")
    elif kind == "expired":
        print("Kedaluwarsa: QRIS tidak dibayar tepat waktu.")
    elif kind == "failed":
        print(f"Gagal: {event.get('error')}")
    elif kind == "pending":
        print("Masih menunggu pembayaran; pesanan tetap tersimpan dan dilanjutkan oleh "
              "'pos-app sync run'.")
    elif kind == "cancelled":
        print("Pembayaran dibatalkan.")
    sys.stdout.flush()


def _progress_in_db(db, order_id: str, awaiting_shown: bool) -> dict[str, Any] | None:  # type: ignore[no-untyped-def]
    """What another engine on this data dir did with our order (the events went to it)."""
    row = db.query_one(
        "SELECT p.* FROM payments p WHERE p.order_id = ? ORDER BY p.created_at DESC LIMIT 1",
        (order_id,),
    )
    if row is None:
        return None
    if not awaiting_shown and row["payable_amount"] is not None and row["expires_at"]:
        return {"event": "awaiting_payment", "order_id": order_id, "provider": row["provider"],
                "payable_amount": row["payable_amount"], "qris": row["qris"],
                "checkout_url": row["checkout_url"], "expires_at": row["expires_at"]}
    if row["status"] == "paid":
        return {"event": "paid", "order_id": order_id, "paid_amount": row["paid_amount"],
                "provider_ref": row["provider_ref"]}
    if row["status"] == "expired":
        return {"event": "expired", "order_id": order_id}
    if row["status"] == "failed":
        return {"event": "failed", "order_id": order_id, "error": row["error"] or "payment failed"}
    return None


def run(args: argparse.Namespace) -> int:
    amount = parse_amount(args.amount)
    ctx = open_ctx(args)
    service: PaymentService | None = None
    order_box: dict[str, str] = {}
    try:
        provider_name = args.provider or str(ctx.settings.get("payment.provider"))
        if provider_name not in PROVIDER_NAMES:
            die(f"unknown provider {provider_name!r}; known: {', '.join(PROVIDER_NAMES)}")
        service = PaymentService(ctx.db, ctx.settings)
        try:
            provider = service.provider(provider_name)
        except ConfigMissing as exc:
            die(f"provider {provider_name} is not configured; missing: {', '.join(exc.keys)}")
        except (UnknownProvider, ProviderConfigError) as exc:
            die(str(exc))
        except (ProviderError, ValueError) as exc:
            die(f"provider {provider_name}: {exc}")

        # The amount given is what the customer pays: with PPN configured it is tax-inclusive.
        tax_mode = ctx.settings.get("tax.mode")
        cart = Cart(TaxConfig(TaxMode.INCLUDED if tax_mode != "off" else TaxMode.OFF,
                              int(ctx.settings.get("tax.rate_percent"))))
        cart.add_custom(args.note or "Penjualan bebas", amount)

        events: queue.Queue[dict[str, Any]] = queue.Queue()

        def listener(ev: SyncEvent) -> None:
            events.put(ev.to_json())

        service.subscribe(listener)
        order = service.start_qris(cart, provider=provider_name, note=args.note)
        order_id = order.id
        order_box["id"] = order_id
        service.start()

        manual = provider.confirmation is Confirmation.MANUAL
        if manual and sys.stdin is not None and sys.stdin.isatty():
            def ask() -> None:
                err("Ketik 'y' lalu Enter setelah pembayaran terlihat di aplikasi "
                    "bank/dompet Anda.")
                for line in sys.stdin:
                    if line.strip().lower() in ("y", "ya", "yes"):
                        service.confirm_manually(order_id, actor=f"cli:{getpass.getuser()}",
                                                 note="charge")
                        return

            threading.Thread(target=ask, name="manual-confirm", daemon=True).start()

        deadline = None if args.timeout is None else time.monotonic() + args.timeout
        awaiting_shown = False
        emit = (lambda e: print(json.dumps(_shape(e)), flush=True)) if args.json else _print_human
        while True:
            wait = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
            try:
                event = events.get(timeout=wait)
            except queue.Empty:
                # Another process on this data dir (a second till window, `sync run`) may have
                # settled the sale: the database is the truth.
                progress = _progress_in_db(ctx.db, order_id, awaiting_shown)
                if progress is not None:
                    emit(progress)
                    if progress["event"] in TERMINAL:
                        return TERMINAL[progress["event"]]
                    awaiting_shown = True
                if deadline is not None and time.monotonic() >= deadline:
                    pending = {"event": "pending", "order_id": order_id, "provider": provider_name}
                    emit(pending)
                    return Exit.PENDING
                continue
            if event["order_id"] != order_id:
                continue
            if event["event"] == "retrying":
                err(f"pos-app: {provider_name}: {event.get('error')} (mencoba lagi)")
                continue
            if event["event"] in ("late_payment", "provider_state", "refunded"):
                continue
            if event["event"] == "awaiting_payment":
                if awaiting_shown:
                    continue
                awaiting_shown = True
            emit(event)
            if event["event"] in TERMINAL:
                return TERMINAL[event["event"]]
    except KeyboardInterrupt:
        if service is not None and "id" in order_box:
            service.cancel(order_box["id"], actor=f"cli:{getpass.getuser()}")
            err("pos-app: dibatalkan")
        return Exit.FAILED
    finally:
        if service is not None:
            service.stop()
        ctx.close()
