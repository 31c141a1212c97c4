"""``pos-app [--demo]``: open the cashier window; on a machine without a display it rings up
one demo sale headless instead, so that a fresh install still shows the whole path working."""

from __future__ import annotations

import argparse

from pos_app.cli.common import Exit, die, err, open_ctx


def run_app(args: argparse.Namespace) -> int:
    from pos_app.ui.app import AppOpenError, has_display, run

    if has_display():
        try:
            return int(run(args))
        except AppOpenError as exc:  # a bad data dir, config or database: one line, exit 2
            die(str(exc))
    err("pos-app: no display found (DISPLAY is not set); running one demo sale headless instead")
    return _headless_demo(args)


def _headless_demo(args: argparse.Namespace) -> int:
    import json
    import queue

    from pos_app.cart import Cart
    from pos_app.money import format_rupiah
    from pos_app.payments import PaymentService
    from pos_app.storage import catalog

    ctx = open_ctx(args)
    try:
        if catalog.product_count(ctx.db) == 0:
            catalog.seed_demo(ctx.db)
        demo = args.demo or ctx.settings.is_demo()
        provider = "simulator" if demo else str(ctx.settings.get("payment.provider"))
        print(f"pos-app {'DEMO' if demo else ''} — data di {ctx.data_dir}")
        print("Tidak ada layar; menjalankan satu penjualan contoh.")
        cart = Cart()
        for code, qty in (("089686010947", 2), ("8998866200011", 1), ("SNK-004", 3)):
            cart.add_by_barcode(code, lambda c: catalog.get_by_barcode(ctx.db, c), qty)
        for line in cart.lines:
            print(f"  {line.quantity} x {line.product.name:<28} {format_rupiah(line.net)}")
        print(f"  Total {format_rupiah(cart.totals().total)}")
        service = PaymentService(ctx.db, ctx.settings)
        events: queue.Queue = queue.Queue()
        service.subscribe(lambda ev: events.put(ev.to_json()))
        order = service.start_qris(cart, provider=provider, note="demo")
        service.start()
        try:
            while True:
                event = events.get(timeout=float(ctx.settings.get("payment.invoice_ttl_s")) + 30)
                if event["order_id"] != order.id:
                    continue
                shown = {k: v for k, v in event.items() if k != "qris"}
                print(json.dumps(shown, ensure_ascii=False))
                if event["event"] in ("paid", "expired", "failed", "cancelled"):
                    return Exit.OK if event["event"] == "paid" else Exit.FAILED
        finally:
            service.stop()
    finally:
        ctx.close()
