"""``kill -9`` at any moment loses nothing that was committed and never duplicates a sale."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.cli_helpers import ROOT, env_for, json_lines, pos_app_cmd, run

SELLER = r"""
import sys
from pathlib import Path
from pos_app.cart import Cart, Product
from pos_app.checkout import CheckoutService, Till
from pos_app.clock import zone
from pos_app.storage import open_database
db = open_database(Path(sys.argv[1]))
svc = CheckoutService(db, Till("K1", zone("Asia/Jakarta")))
items = [Product(sku=f"P{i}", name=f"Barang {i}", price=1000 * i) for i in range(1, 4)]
while True:
    cart = Cart()
    for p in items:
        cart.add(p, 2)
    order = svc.complete_cash_sale(cart, 20000)
    print(order.id, flush=True)
"""


def test_kill_during_sales_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "pos.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", SELLER, str(path)], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    printed: list[str] = []
    assert proc.stdout is not None
    while len(printed) < 200:
        line = proc.stdout.readline()
        assert line, "seller died"
        printed.append(line.strip())
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    ids = {r[0] for r in conn.execute("SELECT id FROM orders")}
    assert set(printed) <= ids, "every sale reported as done is in the file"
    # Atomicity: no order without its 3 lines, its payment and its outbox entry.
    broken = conn.execute(
        "SELECT o.id FROM orders o"
        " WHERE (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id) != 3"
        " OR (SELECT count(*) FROM payments p WHERE p.order_id = o.id) != 1"
        " OR (SELECT count(*) FROM outbox x WHERE x.order_id = o.id) != 1"
    ).fetchall()
    assert broken == []
    seqs = sorted(r[0] for r in conn.execute("SELECT seq FROM orders"))
    assert seqs == list(range(1, len(seqs) + 1)), "no gaps, no duplicates in order numbers"
    conn.close()


def _spawn_charge(data_dir: Path, amount: str) -> subprocess.Popen[str]:
    return subprocess.Popen([*pos_app_cmd(), "charge", amount, "--provider", "simulator", "--json"],
                            env=env_for(data_dir), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)


def _read_until(proc: subprocess.Popen[str], event: str) -> list[dict]:
    seen = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else "charge exited"
        seen.append(json.loads(line))
        if seen[-1]["event"] == event:
            return seen
    raise AssertionError(f"no {event} event")


def test_kill_while_pending_then_resume(data_dir: Path) -> None:
    assert run(data_dir, "config", "set", "simulator.pay_after_s", "never").returncode == 0
    first = _spawn_charge(data_dir, "15000")
    ev1 = _read_until(first, "awaiting_payment")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    second = _spawn_charge(data_dir, "7000")
    ev2 = _read_until(second, "created")  # killed before the QR even exists
    second.send_signal(signal.SIGKILL)
    second.wait(10)

    status = json.loads(run(data_dir, "sync", "status", "--json").stdout)
    assert status["pending_payments"] == 2

    assert run(data_dir, "config", "set", "simulator.pay_after_s", "0").returncode == 0
    r = run(data_dir, "sync", "run", "--until-idle", "--timeout", "60")
    assert r.returncode == 0, r.stderr
    r = run(data_dir, "sync", "run", "--until-idle", "--timeout", "60")
    assert r.returncode == 0, "a second run finds nothing to do"
    report = json.loads(run(data_dir, "report", "daily", "--format", "json").stdout)
    assert report["order_count"] == 2 and report["net_sales"] == 22000
    assert report["by_payment_method"]["qris"]["count"] == 2
    conn = sqlite3.connect(data_dir / "pos.sqlite3")
    rows = conn.execute("SELECT order_id, status FROM payments ORDER BY order_id").fetchall()
    assert rows == sorted([(ev1[0]["order_id"], "paid"), (ev2[0]["order_id"], "paid")])
    confirmations = conn.execute(
        "SELECT count(*) FROM audit_log WHERE action = 'payment_confirmed'"
    ).fetchone()[0]
    assert confirmations == 2, "each sale confirmed exactly once"
    conn.close()
    assert json_lines(run(data_dir, "sync", "status", "--json").stdout)[0]["outbox_depth"] == 0
