"""Bad input and bad days, through the real console script against a real data dir.

Each case must end in one clear line and the SPEC exit code, write nothing half-done and lose
nothing: amounts too large for a QRIS, a ``--timeout`` that is no number, a wrong value in
``config.toml``, a damaged or zero-byte database, a read-only data dir, a full disk, a date
out of range. Read-only and full disks are real mounts (a read-only bind mount, a tiny tmpfs),
which need root: those tests are skipped elsewhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import ROOT, env_for, pos_app_cmd, run

CONFIG_COMMANDS = [
    ("charge", "15000", "--provider", "simulator"),
    ("report", "daily"),
    ("sync", "run", "--timeout", "1"),
    ("sync", "status"),
    ("backup",),
]


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got: {stderr!r}"
    assert "Traceback" not in stderr and "unexpected error" not in stderr
    return lines[0]


def order_count(data_dir: Path) -> int:
    conn = sqlite3.connect(data_dir / "pos.sqlite3")
    try:
        return int(conn.execute("SELECT count(*) FROM orders").fetchone()[0])
    finally:
        conn.close()


def quick_pay(data_dir: Path) -> None:
    r = run(data_dir, "config", "set", "simulator.pay_after_s", "0")
    assert r.returncode == 0, r.stderr


def sell(data_dir: Path, amount: str = "15000") -> dict:
    r = run(data_dir, "charge", amount, "--provider", "simulator", "--json")
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()][-1]


# ---------------------------------------------------------------------------- amounts


@pytest.mark.parametrize("amount", ["1000000000000000", "99999999999999999999999999",
                                    "9999999999001"])
def test_charge_amount_beyond_qris_digits_is_refused_before_anything_is_written(
        data_dir: Path, amount: str) -> None:
    quick_pay(data_dir)
    sell(data_dir)
    r = run(data_dir, "charge", amount, "--provider", "simulator", "--json")
    assert r.returncode == 2
    assert "13 digits" in one_line(r.stderr)
    assert r.stdout == ""
    assert order_count(data_dir) == 1


def test_charge_largest_amount_is_sold(data_dir: Path) -> None:
    quick_pay(data_dir)
    paid = sell(data_dir, "9999999999000")
    assert paid["event"] == "paid" and paid["paid_amount"] >= 9_999_999_999_000


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-3", "soon"])
@pytest.mark.parametrize("command", [("charge", "15000"), ("sync", "run")])
def test_timeout_must_be_a_finite_positive_number(data_dir: Path, value: str,
                                                  command: tuple[str, ...]) -> None:
    r = run(data_dir, *command, "--timeout", value)
    assert r.returncode == 2
    assert "--timeout" in one_line(r.stderr)
    assert not (data_dir / "pos.sqlite3").exists() or order_count(data_dir) == 0


# ---------------------------------------------------------------------------- config.toml


def test_a_bad_value_in_config_toml_stops_every_command_with_the_same_line(data_dir: Path) -> None:
    assert run(data_dir, "report", "daily").returncode == 0  # the database exists, empty
    (data_dir / "config.toml").write_text('[payment]\ninvoice_ttl_s = "abc"\n')
    lines = set()
    for command in CONFIG_COMMANDS:
        r = run(data_dir, *command)
        assert r.returncode == 2, (command, r.stderr)
        lines.add(one_line(r.stderr))
    assert len(lines) == 1
    (line,) = lines
    assert "payment.invoice_ttl_s" in line and "'abc'" in line and "config set" in line
    assert order_count(data_dir) == 0
    assert run(data_dir, "config", "list").returncode == 2
    # ... and `config set` is how it gets repaired.
    assert run(data_dir, "config", "set", "payment.invoice_ttl_s", "600").returncode == 0
    assert run(data_dir, "report", "daily").returncode == 0


# ---------------------------------------------------------------------------- database file


def damage(path: Path) -> None:
    """Overwrite the body of every page after the first few: the header and schema stay
    readable, the tables are not."""
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        for page in range(5, size // 4096):
            fh.seek(page * 4096 + 8)
            fh.write(b"\xff" * 64)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_damaged_database_refuses_every_command_and_names_the_backup(data_dir: Path) -> None:
    quick_pay(data_dir)
    for amount in ("15001", "15002", "15003"):
        sell(data_dir, amount)
    r = run(data_dir, "backup")
    assert r.returncode == 0
    backup = Path(r.stdout.strip())
    for side in ("-wal", "-shm"):
        assert not Path(f"{data_dir / 'pos.sqlite3'}{side}").exists()
    damage(data_dir / "pos.sqlite3")
    before = digest(data_dir / "pos.sqlite3")
    for command in (("charge", "15000", "--provider", "simulator"), ("report", "daily"),
                    ("sync", "run", "--until-idle", "--timeout", "2"), ("sync", "status"),
                    ("backup",)):
        r = run(data_dir, *command)
        assert r.returncode == 2, (command, r.stderr)
        line = one_line(r.stderr)
        assert "damaged" in line and f"pos-app restore {backup}" in line, line
    assert digest(data_dir / "pos.sqlite3") == before  # nothing was written to it

    r = run(data_dir, "restore", str(backup))
    assert r.returncode == 0, r.stderr
    kept = [p for p in (data_dir / "backups").iterdir() if p.name.endswith(".sqlite3.bad")]
    assert len(kept) == 1 and digest(kept[0]) == before  # the damaged file is kept aside
    r = run(data_dir, "report", "daily", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["order_count"] == 3
    assert sell(data_dir)["event"] == "paid"


def test_zero_byte_database_in_a_used_data_dir_is_not_a_new_shop(data_dir: Path) -> None:
    quick_pay(data_dir)
    sell(data_dir)
    backup = Path(run(data_dir, "backup").stdout.strip())
    (data_dir / "pos.sqlite3").write_bytes(b"")
    for side in ("-wal", "-shm"):
        Path(f"{data_dir / 'pos.sqlite3'}{side}").unlink(missing_ok=True)
    for command in (("report", "daily"), ("charge", "15000", "--provider", "simulator")):
        r = run(data_dir, *command)
        assert r.returncode == 2
        line = one_line(r.stderr)
        assert "0 bytes" in line and "lost" in line and str(backup) in line
    assert (data_dir / "pos.sqlite3").stat().st_size == 0
    assert run(data_dir, "restore", str(backup)).returncode == 0
    assert order_count(data_dir) == 1


def test_zero_byte_database_in_a_new_data_dir_is_a_new_shop(data_dir: Path) -> None:
    (data_dir / "pos.sqlite3").write_bytes(b"")
    r = run(data_dir, "report", "daily", "--format", "json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["order_count"] == 0


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_report_date_out_of_range(data_dir: Path, day: str) -> None:
    r = run(data_dir, "report", "daily", "--date", day)
    assert r.returncode == 2
    assert "between" in one_line(r.stderr)


def test_report_date_at_the_ends_of_the_range(data_dir: Path) -> None:
    for day in ("9999-12-30", "0001-01-02"):
        r = run(data_dir, "report", "daily", "--date", day, "--format", "json")
        assert r.returncode == 0, r.stderr
        assert json.loads(r.stdout)["date"] == day


# ---------------------------------------------------------------------------- mounts


def _mount(*args: str) -> None:
    r = subprocess.run(["mount", *args], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"mount {' '.join(args)} failed here: {r.stderr.strip()}")


@contextlib.contextmanager
def mounted(*args: str, target: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        pytest.skip("mounts need root (CI runs as root)")
    _mount(*args, str(target))
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@pytest.fixture
def readonly_data_dir(tmp_path: Path) -> Iterator[Path]:
    """A data dir with a day's sale in it, then bind-mounted read-only."""
    source, target = tmp_path / "source", tmp_path / "ro"
    source.mkdir()
    target.mkdir()
    quick_pay(source)
    sell(source)
    with mounted("--bind", str(source), target=target):
        _mount("-o", "remount,bind,ro", str(target))
        with pytest.raises(OSError):
            (target / "probe").write_text("x")
        yield target


def test_read_only_data_dir_still_serves_the_commands_that_only_read(
    readonly_data_dir: Path,
) -> None:
    d = readonly_data_dir
    for command in (("config", "list"), ("config", "get", "simulator.pay_after_s"),
                    ("report", "daily"), ("sync", "status", "--json")):
        r = run(d, *command)
        assert r.returncode == 0, (command, r.stderr)
        assert "Traceback" not in r.stderr and "Logging error" not in r.stderr
    r = run(d, "report", "daily", "--format", "json")
    assert json.loads(r.stdout)["order_count"] == 1
    assert run(d, "config", "get", "simulator.pay_after_s").stdout.strip() == "0"


def test_read_only_data_dir_refuses_writes_with_one_line(readonly_data_dir: Path) -> None:
    d = readonly_data_dir
    for command in (("charge", "15000", "--provider", "simulator"), ("backup",),
                    ("config", "set", "store.name", "Warung")):
        r = run(d, *command)
        assert r.returncode == 2, (command, r.stderr)
        assert "read-only" in one_line(r.stderr).lower()


def _fill(folder: Path, leave_kb: int) -> Path:
    filler = folder / "filler"
    free_kb = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize // 1024
    with open(filler, "wb") as fh, contextlib.suppress(OSError):
        fh.write(b"\0" * max(0, free_kb - leave_kb) * 1024)
    return filler


@pytest.mark.parametrize("leave_kb", [0, 8, 40, 100])
def test_full_disk_fails_cleanly_and_loses_nothing(tmp_path: Path, leave_kb: int) -> None:
    d = tmp_path / "small"
    d.mkdir()
    with mounted("-t", "tmpfs", "-o", "size=1m", "tmpfs", target=d):
        quick_pay(d)
        sell(d)
        filler = _fill(d, leave_kb)
        r = run(d, "charge", "16000", "--provider", "simulator", "--json")
        assert "Logging error" not in r.stderr and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) <= 2, r.stderr
        if r.returncode != 0:
            assert r.returncode in (1, 2)
            assert "disk" in r.stderr.lower() or "space" in r.stderr.lower(), r.stderr
        filler.unlink()
        conn = sqlite3.connect(d / "pos.sqlite3")
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        paid = conn.execute("SELECT count(*) FROM orders WHERE status = 'paid'").fetchone()[0]
        total = conn.execute("SELECT count(*) FROM orders").fetchone()[0]
        conn.close()
        assert paid == (2 if r.returncode == 0 else 1)
        assert total in (paid, paid + 1)  # a sale either whole (pending, resumable) or not there
        assert sell(d, "17000")["event"] == "paid"  # and the shop sells again once there is room


# ---------------------------------------------------------------------------- file modes


def run_with_umask(data_dir: Path, *args: str, umask: int = 0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*pos_app_cmd(), *args], env=env_for(data_dir), capture_output=True,
                          text=True, timeout=60, cwd=ROOT,
                          preexec_fn=lambda: os.umask(umask))


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_files_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir(mode=0o755)
    d.chmod(0o755)  # an existing, world-readable data dir
    assert run_with_umask(d, "config", "set", "simulator.pay_after_s", "0").returncode == 0
    r = run_with_umask(d, "charge", "15000", "--provider", "simulator", "--json")
    assert r.returncode == 0, r.stderr
    r = run_with_umask(d, "backup")
    assert r.returncode == 0, r.stderr
    # Keep the database open in another connection so that the WAL files exist to be looked at.
    conn = sqlite3.connect(d / "pos.sqlite3")
    conn.execute("SELECT count(*) FROM orders").fetchone()
    try:
        files = [p for p in d.rglob("*") if p.is_file()]
        names = {p.name for p in files}
        assert {"pos.sqlite3", "config.toml", "pos-app.log"} <= names
        assert any(p.parent.name == "backups" for p in files)
        for p in files:
            assert mode(p) == 0o600, f"{p} is {oct(mode(p))}"
        for folder in [d, *(p for p in d.rglob("*") if p.is_dir())]:
            assert mode(folder) == 0o700, f"{folder} is {oct(mode(folder))}"
    finally:
        conn.close()


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_wal_files_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    d = tmp_path / "data"
    assert run_with_umask(d, "report", "daily").returncode == 0
    # While `sync run` is running it holds the database open, WAL and SHM files included.
    proc = subprocess.Popen([*pos_app_cmd(), "sync", "run", "--timeout", "5"], env=env_for(d),
                            cwd=ROOT, preexec_fn=lambda: os.umask(0))
    try:
        wal, shm = Path(f"{d / 'pos.sqlite3'}-wal"), Path(f"{d / 'pos.sqlite3'}-shm")
        start = time.monotonic()
        while not (wal.exists() and shm.exists()):
            assert time.monotonic() - start < 30, "waiting for the WAL files of `sync run`"
            time.sleep(0.05)
        assert mode(wal) == 0o600 and mode(shm) == 0o600
    finally:
        assert proc.wait(timeout=60) == 0


# ---------------------------------------------------------------------------- secrets


def test_config_set_without_value_reads_a_secret_from_stdin(data_dir: Path) -> None:
    secret = "sk-live-do-not-print-me-123"
    r = run(data_dir, "config", "set", "providers.midtrans.api_key", stdin=secret + "\n")
    assert r.returncode == 0, r.stderr
    assert secret not in r.stdout + r.stderr
    assert run(data_dir, "config", "get", "providers.midtrans.api_key").stdout.strip() == "(set)"
    from pos_app.settings import Settings

    assert Settings.load(data_dir).get("providers.midtrans.api_key") == secret


def test_config_set_without_value_and_no_input_is_a_usage_error(data_dir: Path) -> None:
    r = run(data_dir, "config", "set", "providers.midtrans.api_key", stdin="")
    assert r.returncode == 2
    assert "stdin" in one_line(r.stderr)


def test_config_set_without_value_prompts_hidden_on_a_terminal(data_dir: Path) -> None:
    import pty
    import select

    secret = "otp-token-typed-at-the-prompt"
    master, slave = pty.openpty()

    def controlling_tty() -> None:
        import fcntl
        import termios

        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([*pos_app_cmd(), "config", "set", "providers.pakasir.api_key"],
                            env=env_for(data_dir), cwd=ROOT, stdin=slave, stdout=slave,
                            stderr=slave, preexec_fn=controlling_tty)
    os.close(slave)
    seen = b""

    def read_until(marker: bytes, timeout: float = 30) -> None:
        nonlocal seen
        end = time.monotonic() + timeout
        while marker not in seen:
            left = end - time.monotonic()
            assert left > 0, f"waiting for {marker!r} on the terminal; saw {seen!r}"
            ready, _, _ = select.select([master], [], [], left)
            if ready:
                with contextlib.suppress(OSError):
                    seen += os.read(master, 1024)

    try:
        read_until(b"providers.pakasir.api_key: ")
        os.write(master, secret.encode() + b"\n")
        read_until(b"(set)")
        assert proc.wait(timeout=30) == 0
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert secret.encode() not in seen  # not echoed
    from pos_app.settings import Settings

    assert Settings.load(data_dir).get("providers.pakasir.api_key") == secret
