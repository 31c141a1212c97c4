"""``pos-app central init|code|enroll`` through the real console script (SPEC section 3): exit
codes, one line on stderr, and no password or code where it must not be.

POS_APP_SECRET_BACKEND=file (as in CI): the till's password is kept in config.toml's
``[secrets]`` table (mode 0600) and nowhere else - not in ``[central]``, not on stdout/stderr.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import psycopg
import pytest

from pos_app.central.connect import connect
from tests.cli_helpers import ROOT, env_for, pos_app_cmd
from tests.pg_cluster import CentralDb

CODE = re.compile(r"\b([2-9A-HJKMNP-Z]{4}(?:-[2-9A-HJKMNP-Z]{4}){3})\b")


def pos_app(data_dir: Path, *args: str, stdin: str | None = None,
            **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*pos_app_cmd(), "--data-dir", str(data_dir), *args],
                          env=env_for(data_dir, **env), capture_output=True, text=True,
                          timeout=120, input=stdin if stdin is not None else "", cwd=ROOT)


def config(data_dir: Path) -> dict[str, Any]:
    path = data_dir / "config.toml"
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def no_url_password(db: CentralDb) -> str:
    """The owner's URL without the password (it comes from PGPASSWORD)."""
    return db.cluster.url(db.dbname, "postgres", "")


def one_line_error(r: subprocess.CompletedProcess[str]) -> str:
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pos-app"), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


@pytest.fixture
def owner_dir(tmp_path: Path) -> Path:
    d = tmp_path / "owner"
    d.mkdir()
    return d


@pytest.fixture
def till_dir(tmp_path: Path) -> Path:
    d = tmp_path / "till"
    d.mkdir()
    return d


def make_code(owner_dir: Path, db: CentralDb, outlet: str = "Toko Bandung") -> str:
    r = pos_app(owner_dir, "central", "code", "--outlet", outlet, "--url", no_url_password(db),
                PGPASSWORD=db.cluster.password)
    assert r.returncode == 0, r.stderr
    found = CODE.search(r.stdout)
    assert found, r.stdout
    return found.group(1)


# --------------------------------------------------------------------------- init


def test_init_creates_the_schema_and_remembers_the_url(owner_dir: Path,
                                                       empty_db: CentralDb) -> None:
    secret = empty_db.cluster.password
    r = pos_app(owner_dir, "central", "init", empty_db.url)
    assert r.returncode == 0, r.stderr
    assert "versi 3" in r.stdout and f"/{empty_db.dbname}" in r.stdout
    again = pos_app(owner_dir, "central", "init", empty_db.url)
    assert again.returncode == 0, again.stderr
    text = (owner_dir / "config.toml").read_text()
    for out in (r.stdout, r.stderr, again.stdout, again.stderr, text):
        assert secret not in out
    assert config(owner_dir)["central"]["url"] == no_url_password(empty_db)
    with psycopg.connect(empty_db.url) as conn:
        assert conn.execute("SELECT max(version) FROM pos.schema_version").fetchone() == (3,)


def test_init_takes_the_password_from_pgpassword(owner_dir: Path, empty_db: CentralDb) -> None:
    r = pos_app(owner_dir, "central", "init", no_url_password(empty_db),
                PGPASSWORD=empty_db.cluster.password)
    assert r.returncode == 0, r.stderr


def test_init_refused_or_unreachable_exits_1_without_the_password(
        owner_dir: Path, empty_db: CentralDb) -> None:
    wrong = "Wr0ng-passw0rd-here"
    r = pos_app(owner_dir, "central", "init",
                empty_db.cluster.url(empty_db.dbname, "postgres", wrong))
    assert r.returncode == 1
    assert "refused the login" in one_line_error(r) and wrong not in r.stderr + r.stdout
    r = pos_app(owner_dir, "central", "init", f"postgresql://postgres:{wrong}@127.0.0.1:1/x")
    assert r.returncode == 1
    assert "cannot reach" in one_line_error(r) and wrong not in r.stderr + r.stdout
    assert not (owner_dir / "config.toml").exists()


@pytest.mark.parametrize(("url", "says"), [
    ("postgresql://owner:Sup3r-secret@db.example.com/pos", None),  # TLS is the default: tried
    ("postgresql://owner:Sup3r-secret@db.example.com/pos?sslmode=disable", "sslmode=require"),
    ("postgresql://owner:Sup3r-secret@db.example.com/pos?sslmode=prefer", "sslmode=require"),
    ("http://db.example.com/pos", "postgresql://"),
])
def test_init_refuses_a_remote_host_without_tls_with_exit_2(owner_dir: Path, url: str,
                                                             says: str | None) -> None:
    if says is None:  # a remote host with the default sslmode=require is fine: no usage error
        r = pos_app(owner_dir, "central", "init", url.replace("db.example.com",
                                                             "db.invalid"))
        assert r.returncode == 1 and "cannot reach" in one_line_error(r)
    else:
        r = pos_app(owner_dir, "central", "init", url)
        assert r.returncode == 2 and says in one_line_error(r)
    assert "Sup3r-secret" not in r.stderr + r.stdout


# --------------------------------------------------------------------------- code


def test_code_prints_a_code_for_a_new_outlet(owner_dir: Path, central_db: CentralDb) -> None:
    r = pos_app(owner_dir, "central", "code", "--outlet", "Toko Bandung", "--url",
                no_url_password(central_db), "--hours", "2",
                PGPASSWORD=central_db.cluster.password)
    assert r.returncode == 0, r.stderr
    assert "Outlet baru dibuat: Toko Bandung (toko-bandung)" in r.stdout
    assert CODE.search(r.stdout)
    till_url = central_db.cluster.url(central_db.dbname, user=None)
    assert f'pos-app central enroll {till_url} --outlet "Toko Bandung"' in r.stdout
    r = pos_app(owner_dir, "central", "code", "--outlet", "toko bandung", "--url",
                no_url_password(central_db), PGPASSWORD=central_db.cluster.password)
    assert r.returncode == 0 and "Outlet baru" not in r.stdout  # the same outlet


def test_code_uses_the_url_init_kept(owner_dir: Path, empty_db: CentralDb) -> None:
    assert pos_app(owner_dir, "central", "init", no_url_password(empty_db),
                   PGPASSWORD=empty_db.cluster.password).returncode == 0
    r = pos_app(owner_dir, "central", "code", "--outlet", "Toko Bogor",
                PGPASSWORD=empty_db.cluster.password)
    assert r.returncode == 0, r.stderr
    assert CODE.search(r.stdout)


def test_code_usage_errors(owner_dir: Path) -> None:
    r = pos_app(owner_dir, "central", "code", "--outlet", "Toko Bandung")
    assert r.returncode == 2 and "central init" in one_line_error(r)
    r = pos_app(owner_dir, "central", "code", "--outlet", "Toko", "--url",
                "postgresql://127.0.0.1:1/x", "--hours", "0")
    assert r.returncode == 2 and "--hours" in one_line_error(r)
    r = pos_app(owner_dir, "central", "code")
    assert r.returncode == 2 and "--outlet" in one_line_error(r)


# --------------------------------------------------------------------------- enroll


def test_enroll_stores_the_role_and_keeps_the_password_secret(
        owner_dir: Path, till_dir: Path, central_db: CentralDb) -> None:
    code = make_code(owner_dir, central_db)
    till_url = central_db.cluster.url(central_db.dbname, user=None)
    r = pos_app(till_dir, "central", "enroll", till_url, "--outlet", "Toko Bandung",
                stdin=code.lower() + "\n")
    assert r.returncode == 0, r.stderr
    assert "terdaftar di outlet toko-bandung" in r.stdout
    assert code not in r.stdout + r.stderr

    doc = config(till_dir)
    central = doc["central"]
    assert central["url"] == till_url and central["outlet"] == "toko-bandung"
    assert central["user"].startswith("pos_till_toko_bandung_k1_")
    assert set(central) == {"url", "outlet", "user"}  # the password is not among them
    password = doc["secrets"]["central.password"]
    assert len(password) >= 32
    raw = (till_dir / "config.toml").read_text()
    assert raw.count(password) == 1  # only in [secrets] (the file store, mode 0600)
    assert password not in r.stdout + r.stderr
    shown = pos_app(till_dir, "config", "get", "central.password")
    assert shown.stdout.strip() == "(set)" and password not in shown.stdout
    log_text = "".join(p.read_text(errors="replace") for p in till_dir.rglob("*.log"))
    assert password not in log_text and code not in log_text

    # The stored credentials work, for this outlet only; the till is enrolled locally.
    with connect(till_url, user=central["user"], password=password) as conn:
        assert conn.execute("SELECT pos.my_outlet()").fetchone() == ("toko-bandung",)
    with sqlite3.connect(till_dir / "pos.sqlite3") as local:
        assert local.execute("SELECT enrolled, outlet_id, terminal_id FROM central_state"
                             ).fetchone() == (1, "toko-bandung", "K1")


def test_enroll_refuses_a_used_wrong_or_foreign_code_with_exit_1(
        owner_dir: Path, till_dir: Path, tmp_path: Path, central_db: CentralDb) -> None:
    till_url = central_db.cluster.url(central_db.dbname, user=None)
    code = make_code(owner_dir, central_db)
    make_code(owner_dir, central_db, "Toko Bogor")

    r = pos_app(till_dir, "central", "enroll", till_url, "--outlet", "Toko Bogor",
                stdin=code + "\n")
    assert r.returncode == 1 and "not for outlet 'Toko Bogor'" in one_line_error(r)
    r = pos_app(till_dir, "central", "enroll", till_url, "--outlet", "Toko Bandung",
                stdin="ABCD-EFGH-JKMN-PQRS\n")
    assert r.returncode == 1 and "wrong, used or expired" in one_line_error(r)
    assert "central" not in config(till_dir)

    assert pos_app(till_dir, "central", "enroll", till_url, "--outlet", "Toko Bandung",
                   stdin=code + "\n").returncode == 0
    other = tmp_path / "other-till"
    other.mkdir()
    r = pos_app(other, "central", "enroll", till_url, "--outlet", "Toko Bandung",
                stdin=code + "\n")
    assert r.returncode == 1 and "wrong, used or expired" in one_line_error(r)
    assert code not in r.stderr


def test_enroll_usage_errors_exit_2_before_asking_for_the_code(till_dir: Path) -> None:
    r = pos_app(till_dir, "central", "enroll", "postgresql://db.example.com/pos?sslmode=disable",
                "--outlet", "Toko Bandung", stdin="")
    assert r.returncode == 2 and "TLS" in one_line_error(r)
    r = pos_app(till_dir, "central", "enroll", "postgresql://127.0.0.1:1/pos", "--outlet",
                "!!!", stdin="")
    assert r.returncode == 2 and "letters or digits" in one_line_error(r)
    r = pos_app(till_dir, "central", "enroll", "postgresql://127.0.0.1:1/pos", "--outlet",
                "Toko Bandung", stdin="")
    assert r.returncode == 2 and "no enrollment code" in one_line_error(r)
    r = pos_app(till_dir, "central", "enroll", "postgresql://127.0.0.1:1/pos", "--outlet",
                "Toko Bandung", stdin="AB-CD\n")
    assert r.returncode == 1 and "16 letters" in one_line_error(r)


def test_a_till_enrolled_in_one_outlet_cant_join_another(
        owner_dir: Path, till_dir: Path, central_db: CentralDb) -> None:
    till_url = central_db.cluster.url(central_db.dbname, user=None)
    first = make_code(owner_dir, central_db)
    second = make_code(owner_dir, central_db, "Toko Bogor")
    assert pos_app(till_dir, "central", "enroll", till_url, "--outlet", "Toko Bandung",
                   stdin=first + "\n").returncode == 0
    r = pos_app(till_dir, "central", "enroll", till_url, "--outlet", "Toko Bogor",
                stdin=second + "\n")
    assert r.returncode == 2 and "already enrolled in outlet 'toko-bandung'" in \
        one_line_error(r)
    # The code was not spent on the refusal.
    with psycopg.connect(central_db.url) as conn:
        assert conn.execute("SELECT count(*) FROM pos.enroll_codes WHERE used_at IS NULL"
                            ).fetchone() == (1,)


def test_code_logs_in_with_the_data_dirs_owner_login(owner_dir: Path,
                                                     central_db: CentralDb) -> None:
    """An owner's data dir set up as for the reports: central.url without credentials, the
    login in central.user and the secret central.password."""
    owner, password = central_db.login("owner", "pos_owner")
    url = central_db.cluster.url(central_db.dbname, user=None)
    assert pos_app(owner_dir, "config", "set", "central.url", url).returncode == 0
    assert pos_app(owner_dir, "config", "set", "central.user", owner).returncode == 0
    assert pos_app(owner_dir, "config", "set", "central.password",
                   stdin=password + "\n").returncode == 0
    r = pos_app(owner_dir, "central", "code", "--outlet", "Toko Bandung")
    assert r.returncode == 0, r.stderr
    assert CODE.search(r.stdout) and password not in r.stdout + r.stderr
    # init with another URL leaves the kept one alone
    r = pos_app(owner_dir, "central", "init", central_db.url)
    assert r.returncode == 0 and "central.url tetap" in r.stdout
    assert config(owner_dir)["central"]["url"] == url


def test_code_as_someone_who_is_not_the_owner_exits_1(owner_dir: Path,
                                                      central_db: CentralDb) -> None:
    nobody, password = central_db.login("nobody")
    r = pos_app(owner_dir, "central", "code", "--outlet", "Toko Bandung", "--url",
                central_db.url_for(nobody, password))
    assert r.returncode == 1 and "pos_owner" in one_line_error(r)
    assert password not in r.stderr + r.stdout


# --------------------------------------------------------------------------- status, sync run


def test_a_sale_goes_up_with_sync_run_and_central_status_says_so(
        owner_dir: Path, till_dir: Path, central_db: CentralDb) -> None:
    """The whole way as the shop's maintainer runs it: a till that sold before it joined
    (`charge`, the simulator pays) is enrolled, `central status` shows its history waiting,
    `sync run --until-idle` ships it, central has it once, and nothing waits after."""
    import json

    r = pos_app(till_dir, "config", "set", "simulator.pay_after_s", "0.2")
    assert r.returncode == 0, r.stderr
    r = pos_app(till_dir, "charge", "15000", "--provider", "simulator", "--json",
                "--timeout", "30")
    assert r.returncode == 0, r.stderr
    order_id = json.loads(r.stdout.splitlines()[0])["order_id"]
    code = make_code(owner_dir, central_db)
    till_url = central_db.cluster.url(central_db.dbname, user=None)
    r = pos_app(till_dir, "central", "enroll", till_url, "--outlet", "Toko Bandung",
                stdin=code + "\n")
    assert r.returncode == 0, r.stderr

    r = pos_app(till_dir, "central", "status", "--json")
    assert r.returncode == 0, r.stderr
    waiting = json.loads(r.stdout)
    assert waiting["enrolled"] and waiting["outlet"] == "toko-bandung"
    assert waiting["entries_waiting"] > 0 and waiting["last_upload_at"] is None

    r = pos_app(till_dir, "sync", "run", "--until-idle", "--timeout", "60")
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr  # nothing left behind: no warning line
    done = json.loads(pos_app(till_dir, "central", "status", "--json").stdout)
    assert done["entries_waiting"] == 0 and done["lag_s"] is None and done["last_upload_at"]
    text = pos_app(till_dir, "central", "status").stdout
    assert "Outlet          : toko-bandung (till K1)" in text and "Entries waiting : 0" in text

    with central_db.connect() as conn:
        rows = conn.execute("SELECT outlet_id, status, total FROM pos.orders WHERE order_id = %s",
                            (order_id,)).fetchall()
    assert rows == [("toko-bandung", "paid", 15000)]


def test_sync_run_with_central_down_still_exits_0_and_keeps_the_sale(
        owner_dir: Path, till_dir: Path, central_db: CentralDb) -> None:
    code = make_code(owner_dir, central_db)
    till_url = central_db.cluster.url(central_db.dbname, user=None)
    assert pos_app(till_dir, "central", "enroll", till_url, "--outlet", "Toko Bandung",
                   stdin=code + "\n").returncode == 0
    # the server moves away: a port nothing listens on
    dead = re.sub(r":\d+/", ":9/", till_url)
    assert pos_app(till_dir, "config", "set", "central.url", dead).returncode == 0
    assert pos_app(till_dir, "config", "set", "simulator.pay_after_s", "0.2").returncode == 0
    assert pos_app(till_dir, "charge", "5000", "--provider", "simulator",
                   "--timeout", "30").returncode == 0
    r = pos_app(till_dir, "sync", "run", "--until-idle", "--timeout", "30")
    assert r.returncode == 0, r.stderr  # the engine's work is done; central is a warning
    line = one_line_error(r)
    assert "central upload:" in line and "changes still waiting" in line
    assert central_db.cluster.password not in r.stderr
    status = pos_app(till_dir, "central", "status", "--json")
    import json

    assert json.loads(status.stdout)["entries_waiting"] > 0
