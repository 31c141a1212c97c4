"""The command line of SPEC.md section 3, end to end through the installed console script."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pos_app import qris
from sync.providers.simulator.adapter import DEMO_STATIC_QRIS
from tests.cli_helpers import json_lines, run

TODAY = datetime.now(UTC).astimezone(ZoneInfo("Asia/Jakarta")).date().isoformat()


def test_version(data_dir: Path) -> None:
    r = run(data_dir, "--version")
    assert r.returncode == 0 and r.stdout.startswith("pos-app 0.")


def test_charge_simulator_json_events_and_report(data_dir: Path) -> None:
    assert run(data_dir, "config", "set", "simulator.pay_after_s", "1").returncode == 0
    r = run(data_dir, "charge", "15000", "--provider", "simulator", "--json", "--note", "es teh")
    assert r.returncode == 0, r.stderr
    events = json_lines(r.stdout)
    assert [e["event"] for e in events] == ["created", "awaiting_payment", "paid"]
    created, awaiting, paid = events
    oid = created["order_id"]
    assert created["amount"] == 15000
    assert all(e["order_id"] == oid for e in events)
    assert awaiting["provider"] == "simulator" and awaiting["payable_amount"] == 15000
    assert awaiting["checkout_url"] is None
    assert qris.parse(awaiting["qris"]).amount == 15000
    assert datetime.fromisoformat(awaiting["expires_at"].replace("Z", "+00:00")) > datetime.now(UTC)
    assert paid["paid_amount"] == 15000 and paid["provider_ref"]
    assert r.stderr == ""

    rep = run(data_dir, "report", "daily", "--format", "json")
    assert rep.returncode == 0, rep.stderr
    report = json.loads(rep.stdout)
    assert report["date"] == TODAY
    assert report["order_count"] == 1
    assert report["gross_sales"] == 15000 and report["net_sales"] == 15000
    assert report["by_payment_method"]["qris"] == {"count": 1, "amount": 15000}
    assert report["by_payment_method"]["cash"] == {"count": 0, "amount": 0}
    assert report["by_payment_method"]["simulator"] == {"count": 1, "amount": 15000}
    assert sum(h["count"] for h in report["hourly"]) == 1
    for key in ("discounts", "tax", "top_products", "refunds", "shifts", "reconciliation"):
        assert key in report
    assert set(report["reconciliation"]) >= {
        "matched", "unmatched_credits", "unconfirmed_sales", "late_payments"}
    # The providers are a breakdown of QRIS, shown under it, not a second method beside it.
    assert report["qris_by_provider"] == {"simulator": {"count": 1, "amount": 15000}}
    assert report["average_basket"] == 15000
    text = run(data_dir, "report", "daily").stdout
    lines = text.splitlines()
    qris_at = next(i for i, line in enumerate(lines) if line.strip().startswith("QRIS "))
    assert lines[qris_at].split() == ["QRIS", "1", "x", "Rp", "15.000"]
    assert lines[qris_at + 1].split() == ["-", "simulator", "1", "x", "Rp", "15.000"]
    assert not any(line.split()[:1] == ["simulator"] for line in lines)
    assert "Rata-rata belanja: Rp 15.000" in text


def test_charge_timeout_leaves_pending_then_sync_resumes(data_dir: Path) -> None:
    run(data_dir, "config", "set", "simulator.pay_after_s", "never")
    r = run(data_dir, "charge", "20000", "--provider", "simulator", "--json", "--timeout", "10")
    assert r.returncode == 4, r.stderr
    events = json_lines(r.stdout)
    assert [e["event"] for e in events] == ["created", "awaiting_payment", "pending"]
    oid = events[0]["order_id"]
    st = json.loads(run(data_dir, "sync", "status", "--json").stdout)
    assert st["pending_payments"] == 1 and st["payments"][0]["order_id"] == oid
    # A pending order is still pending; sync gives up at its timeout with exit 4.
    assert run(data_dir, "sync", "run", "--until-idle", "--timeout", "1").returncode == 4
    run(data_dir, "config", "set", "simulator.pay_after_s", "0")
    assert run(data_dir, "sync", "run", "--until-idle", "--timeout", "60").returncode == 0
    report = json.loads(run(data_dir, "report", "daily", "--format", "json").stdout)
    assert report["order_count"] == 1 and report["net_sales"] == 20000


@pytest.mark.slow
def test_charge_expired_exit_3(data_dir: Path) -> None:
    run(data_dir, "config", "set", "simulator.pay_after_s", "never")
    assert run(data_dir, "config", "set", "payment.invoice_ttl_s", "15").returncode == 0
    r = run(data_dir, "charge", "5000", "--provider", "simulator", "--json", timeout=90)
    assert r.returncode == 3, r.stderr
    assert [e["event"] for e in json_lines(r.stdout)] == ["created", "awaiting_payment", "expired"]
    report = json.loads(run(data_dir, "report", "daily", "--format", "json").stdout)
    assert report["order_count"] == 0, "expired sales are not sales"
    assert len(report["reconciliation"]["unconfirmed_sales"]) == 1


def test_charge_usage_errors(data_dir: Path) -> None:
    r = run(data_dir, "charge", "15000", "--provider", "static", "--json")
    assert r.returncode == 2
    assert "payment.static_qris" in r.stderr and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    r = run(data_dir, "charge", "15000", "--provider", "bogus")
    assert r.returncode == 2 and "unknown provider" in r.stderr
    r = run(data_dir, "charge", "lima ribu", "--provider", "simulator")
    assert r.returncode == 2 and "bad amount" in r.stderr
    r = run(data_dir, "charge", "0", "--provider", "simulator")
    assert r.returncode == 2
    r = run(data_dir, "charge")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    report = json.loads(run(data_dir, "report", "daily", "--format", "json").stdout)
    assert report["order_count"] == 0 and report["reconciliation"]["unconfirmed_sales"] == []


def test_charge_static_then_manual_confirmation_is_pending(data_dir: Path) -> None:
    assert run(data_dir, "config", "set", "payment.static_qris", DEMO_STATIC_QRIS).returncode == 0
    r = run(data_dir, "charge", "12500", "--provider", "static", "--json", "--timeout", "10")
    assert r.returncode == 4, r.stderr
    events = json_lines(r.stdout)
    assert [e["event"] for e in events] == ["created", "awaiting_payment", "pending"]
    dyn = qris.parse(events[1]["qris"])
    assert dyn.amount == 12500 and dyn.merchant.name == "WARUNG DEMO POS-APP"


def test_config_get_set(data_dir: Path) -> None:
    assert run(data_dir, "config", "set", "store.name", "Warung Bu Sri").returncode == 0
    assert run(data_dir, "config", "get", "store.name").stdout.strip() == "Warung Bu Sri"
    assert run(data_dir, "config", "get", "store.timezone").stdout.strip() == "Asia/Jakarta"
    r = run(data_dir, "config", "set", "store.nmae", "x")
    assert r.returncode == 2 and "store.name" in r.stderr
    r = run(data_dir, "config", "set", "payment.provider", "gopay")
    assert r.returncode == 2 and "payment.provider" in r.stderr
    r = run(data_dir, "config", "set", "payment.static_qris", DEMO_STATIC_QRIS[:-1] + "0")
    assert r.returncode == 2 and "CRC" in r.stderr.upper()
    secret = "sk-live-0123456789abcdef"
    assert run(data_dir, "config", "set", "providers.pakasir.api_key", secret).returncode == 0
    shown = run(data_dir, "config", "get", "providers.pakasir.api_key")
    assert shown.returncode == 0 and secret not in shown.stdout and secret[-4:] not in shown.stdout
    assert secret not in run(data_dir, "config", "list").stdout
    cfg = data_dir / "config.toml"
    assert cfg.stat().st_mode & 0o777 == 0o600


def test_qris_commands(data_dir: Path, tmp_path: Path) -> None:
    r = run(data_dir, "qris", "decode", DEMO_STATIC_QRIS + "\n", "--json")
    assert r.returncode == 0
    info = json.loads(r.stdout)
    assert info["merchant"]["name"] == "WARUNG DEMO POS-APP" and info["dynamic"] is False
    human = run(data_dir, "qris", "decode", DEMO_STATIC_QRIS).stdout
    assert "WARUNG DEMO POS-APP" in human and "ID1026000000001" in human
    dyn = run(data_dir, "qris", "dynamic", DEMO_STATIC_QRIS, "--amount", "50000")
    assert dyn.returncode == 0
    assert dyn.stdout.strip() == qris.to_dynamic(DEMO_STATIC_QRIS, 50000)
    bad = run(data_dir, "qris", "decode", DEMO_STATIC_QRIS[:-4] + "FFFF")
    assert bad.returncode == 1 and "CRC" in bad.stderr and "Traceback" not in bad.stderr
    assert run(data_dir, "qris", "dynamic", DEMO_STATIC_QRIS, "--amount", "-5").returncode == 2
    out = tmp_path / "q.png"
    r = run(data_dir, "qris", "png", DEMO_STATIC_QRIS, "--out", str(out), "--scale", "4")
    assert r.returncode == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = run(data_dir, "qris", "png", "garbage", "--out", str(tmp_path / "x.png"))
    assert r.returncode == 1 and not (tmp_path / "x.png").exists()


def test_report_formats_and_bad_date(data_dir: Path) -> None:
    r = run(data_dir, "report", "daily", "--date", "2026-13-01")
    assert r.returncode == 2 and "YYYY-MM-DD" in r.stderr
    csv = run(data_dir, "report", "daily", "--format", "csv", "--date", "2026-01-01")
    assert csv.returncode == 0 and csv.stdout.startswith("section,key,count,amount")
    out = data_dir / "laporan.json"
    r = run(data_dir, "report", "daily", "--format", "json", "--out", str(out))
    assert r.returncode == 0 and json.loads(out.read_text(encoding="utf-8"))["order_count"] == 0
    assert out.stat().st_mode & 0o777 == 0o600, "the shop's business: owner-only"


def _order_count(data_dir: Path) -> int:
    return json.loads(run(data_dir, "report", "daily", "--format", "json").stdout)["order_count"]


def test_backup_and_restore(data_dir: Path) -> None:
    run(data_dir, "config", "set", "simulator.pay_after_s", "0")
    assert run(data_dir, "charge", "1000", "--provider", "simulator", "--json").returncode == 0
    b = run(data_dir, "backup")
    assert b.returncode == 0
    backup = Path(b.stdout.strip())
    assert backup.exists()
    assert run(data_dir, "charge", "2000", "--provider", "simulator", "--json").returncode == 0
    assert _order_count(data_dir) == 2
    r = run(data_dir, "restore", str(backup))
    assert r.returncode == 0, r.stderr
    assert _order_count(data_dir) == 1
    garbage = data_dir / "junk.sqlite3"
    garbage.write_bytes(b"nope" * 1000)
    assert run(data_dir, "restore", str(garbage)).returncode == 2


def test_announce_dry_run(data_dir: Path) -> None:
    r = run(data_dir, "announce", "1100000", "--dry-run")
    assert r.stdout.strip() == "Pembayaran QRIS diterima, sebesar satu juta seratus ribu rupiah"
    r = run(data_dir, "announce", "50000", "--lang", "en", "--dry-run")
    assert r.stdout.strip() == "QRIS payment received, fifty thousand rupiah"


def test_till_line_with_a_bad_data_dir_is_one_line_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = run(tmp_path, "--demo", "--data-dir", str(blocker))
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and str(blocker) in r.stderr
    assert "Traceback" not in r.stderr


def test_report_json_lists_every_order_of_the_day(data_dir: Path) -> None:
    assert run(data_dir, "config", "set", "simulator.pay_after_s", "0").returncode == 0
    assert run(data_dir, "charge", "15000", "--provider", "simulator").returncode == 0
    assert run(data_dir, "config", "set", "simulator.pay_after_s", "never").returncode == 0
    r = run(data_dir, "charge", "7000", "--provider", "simulator", "--timeout", "1")
    assert r.returncode == 4
    report = json.loads(run(data_dir, "report", "daily", "--format", "json").stdout)
    assert report["order_count"] == 1  # totals count paid orders only ...
    orders = report["orders"]  # ... the list has all of them
    assert [(o["status"], o["amount"], o["method"], o["provider"]) for o in orders] == [
        ("paid", 15000, "qris", "simulator"), ("awaiting_payment", 7000, "qris", "simulator")]
    for o in orders:
        assert {"order_id", "created_at", "payable_amount", "provider_ref", "credit_id"} <= o.keys()
    assert orders[0]["provider_ref"] and orders[0]["credit_id"] is None


def _report_sales(data_dir: Path) -> None:
    """Three cash sales on 1 and 3 March 2026 (WIB), written in-process like the till does."""
    from pos_app.cart import Cart, Product
    from pos_app.checkout import CheckoutService, Till
    from pos_app.storage import open_database

    db = open_database(data_dir / "pos.sqlite3")
    try:
        for at in (datetime(2026, 3, 1, 3, tzinfo=UTC), datetime(2026, 3, 1, 9, tzinfo=UTC),
                   datetime(2026, 3, 3, 16, 59, 59, tzinfo=UTC)):  # 23:59:59 WIB
            till = Till("K1", ZoneInfo("Asia/Jakarta"), cashier="Sri")
            cart = Cart()
            cart.add(Product(sku="A", name="Kopi", price=5000), 2)
            CheckoutService(db, till, clock=lambda at=at: at).complete_cash_sale(cart, 10000)
    finally:
        db.close()


def test_report_range_json_text_csv(data_dir: Path, tmp_path: Path) -> None:
    _report_sales(data_dir)
    r = run(data_dir, "report", "range", "--from", "2026-03-01", "--to", "2026-03-03",
            "--format", "json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert (report["from"], report["to"], "date" in report) == ("2026-03-01", "2026-03-03", False)
    assert report["order_count"] == 3 and report["collected"] == 30000
    assert [(d["date"], d["order_count"], d["collected"]) for d in report["days"]] == [
        ("2026-03-01", 2, 20000), ("2026-03-02", 0, 0), ("2026-03-03", 1, 10000)]
    assert report["by_cashier"] == [{"cashier": "Sri", "count": 3, "amount": 30000}]
    text = run(data_dir, "report", "range", "--from", "2026-03-01", "--to", "2026-03-03").stdout
    assert text.splitlines()[0] == "Laporan 2026-03-01 s.d. 2026-03-03 (Asia/Jakarta)"
    out = tmp_path / "range.csv"
    r = run(data_dir, "report", "range", "--from", "2026-03-01", "--to", "2026-03-03",
            "--format", "csv", "--out", str(out))
    assert r.returncode == 0 and r.stdout == ""
    assert "day,2026-03-02,0,0" in out.read_text(encoding="utf-8").splitlines()
    day = json.loads(run(data_dir, "report", "daily", "--date", "2026-03-03",
                         "--format", "json").stdout)
    assert (day["date"], day["order_count"], day["hourly"][23]["count"]) == ("2026-03-03", 1, 1)


def test_report_usage_errors_are_one_line(data_dir: Path) -> None:
    cases = [
        (["range", "--from", "2026-03-05", "--to", "2026-03-01"], "before"),
        (["range", "--from", "2025-01-01", "--to", "2026-01-02"], "366"),
        (["range", "--from", "2026-3-1", "--to", "2026-03-02"], "YYYY-MM-DD"),
        (["range", "--from", "2026-03-01"], "--to"),
        (["daily", "--format", "pdf"], "--out"),
        (["daily", "--format", "xlsx"], "--out"),
        (["range", "--from", "2026-03-01", "--to", "2026-03-02", "--format", "pdf"], "--out"),
    ]
    for args, words in cases:
        r = run(data_dir, "report", *args)
        assert r.returncode == 2, (args, r.stderr)
        assert words in r.stderr and len(r.stderr.strip().splitlines()) == 1, (args, r.stderr)
        assert "Traceback" not in r.stderr and r.stdout == ""


def test_report_pdf_and_xlsx_files(data_dir: Path, tmp_path: Path) -> None:
    import os

    _report_sales(data_dir)
    xlsx = tmp_path / "maret.xlsx"
    r = run(data_dir, "report", "range", "--from", "2026-03-01", "--to", "2026-03-31",
            "--format", "xlsx", "--out", str(xlsx))
    assert r.returncode == 0, r.stderr
    assert xlsx.read_bytes()[:2] == b"PK" and r.stdout == ""
    pdf = tmp_path / "harian.pdf"
    r = run(data_dir, "report", "daily", "--date", "2026-03-01", "--format", "pdf",
            "--out", str(pdf))
    assert r.returncode == 0, r.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-"
    if os.name == "posix":  # like every file the command line writes (docs/cli.md)
        assert pdf.stat().st_mode & 0o777 == xlsx.stat().st_mode & 0o777 == 0o600
