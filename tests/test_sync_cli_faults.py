"""``pos-app sync run`` and ``charge`` through the installed console script, under faults:
settings problems end the sale with a clear reason in a bounded number of log lines (no loop),
and a normal exit leaves nothing in the log (the engine's threads stop before the database
closes)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli_helpers import json_lines, run


def log_text(data_dir: Path) -> str:
    path = data_dir / "logs" / "pos-app.log"
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def error_lines(data_dir: Path) -> list[str]:
    return [line for line in log_text(data_dir).splitlines() if " ERROR " in line]


def queue_sale(data_dir: Path, provider: str) -> str:
    """A QRIS sale written and queued, as a till that crashed right after the sale leaves it."""
    from pos_app.cart import Cart
    from pos_app.checkout import CheckoutService, Till
    from pos_app.clock import zone
    from pos_app.context import open_context

    ctx = open_context(str(data_dir), log=False)
    try:
        cart = Cart()
        cart.add_custom("Penjualan bebas", 15000)
        checkout = CheckoutService(ctx.db, Till("K1", zone("Asia/Jakarta")))
        order, _ = checkout.open_qris_sale(cart, provider, ttl_s=600)
        return order.id
    finally:
        ctx.close()


def payment_row(data_dir: Path, order_id: str) -> sqlite3.Row:
    conn = sqlite3.connect(data_dir / "pos.sqlite3")
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(
            "SELECT status, error FROM payments WHERE order_id = ?", (order_id,)
        ).fetchone()
    finally:
        conn.close()


def status(data_dir: Path) -> dict:
    r = run(data_dir, "sync", "status", "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_settings_missing_while_queued_fail_the_sale_with_the_reason(data_dir: Path) -> None:
    oid = queue_sale(data_dir, "static")  # payment.static_qris is not set
    r = run(data_dir, "sync", "run", "--timeout", "3")
    assert r.returncode == 0, r.stderr
    pay = payment_row(data_dir, oid)
    assert pay["status"] == "failed"
    assert pay["error"] == "provider static needs: payment.static_qris"
    assert len(error_lines(data_dir)) < 20 and "Traceback" not in log_text(data_dir)
    health = status(data_dir)["providers"]["static"]
    assert health["state"] == "misconfigured" and "payment.static_qris" in health["last_error"]


def test_unknown_provider_in_the_outbox_fails_the_sale(data_dir: Path) -> None:
    oid = queue_sale(data_dir, "simulator")
    conn = sqlite3.connect(data_dir / "pos.sqlite3")
    with conn:
        conn.execute("UPDATE outbox SET payload = json_set(payload, '$.provider', 'foo')")
    conn.close()
    r = run(data_dir, "sync", "run", "--timeout", "3")
    assert r.returncode == 0, r.stderr
    pay = payment_row(data_dir, oid)
    assert pay["status"] == "failed" and pay["error"] == "unknown provider 'foo'"
    assert len(error_lines(data_dir)) < 20 and "Traceback" not in log_text(data_dir)
    assert status(data_dir)["providers"]["foo"]["state"] == "misconfigured"


def test_a_broken_simulator_setting_does_not_loop(data_dir: Path) -> None:
    assert run(data_dir, "config", "set", "simulator.pay_after_s", "never").returncode == 0
    oid = queue_sale(data_dir, "simulator")
    config = data_dir / "config.toml"
    broken = config.read_text(encoding="utf-8").replace('"never"', '"soon"')
    config.write_text(broken, encoding="utf-8")
    r = run(data_dir, "sync", "run", "--timeout", "3")
    assert len(error_lines(data_dir)) < 20 and "Traceback" not in log_text(data_dir)
    # Either the command refuses the bad value up front (exit 2, one line), or the engine ends
    # the sale with the reason; never a loop.
    if r.returncode == 2:
        assert "simulator.pay_after_s" in r.stderr
        assert payment_row(data_dir, oid)["status"] == "pending"
    else:
        pay = payment_row(data_dir, oid)
        assert pay["status"] == "failed" and "simulator.pay_after_s" in pay["error"]


def test_normal_exit_leaves_a_clean_log(data_dir: Path) -> None:
    assert run(data_dir, "config", "set", "simulator.pay_after_s", "0.1").returncode == 0
    for _ in range(3):
        r = run(data_dir, "charge", "15000", "--provider", "simulator", "--json")
        assert r.returncode == 0 and r.stderr == "", r.stderr
        assert json_lines(r.stdout)[-1]["event"] == "paid"
        r = run(data_dir, "sync", "run", "--until-idle", "--timeout", "30")
        assert r.returncode == 0 and r.stderr == "", r.stderr
    r = run(data_dir, "charge", "15000", "--provider", "simulator", "--json", "--timeout", "0.2")
    assert r.returncode in (0, 4)
    r = run(data_dir, "sync", "run", "--timeout", "1")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    text = log_text(data_dir)
    for bad in ("Traceback", "ProgrammingError", " ERROR ", " WARNING sync"):
        assert bad not in text, text
