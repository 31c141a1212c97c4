"""Connecting to the central store (pos_app/central/connect.py): the TLS rule, URLs without
secrets, and errors that never show a password."""

from __future__ import annotations

import socket

import pytest

from pos_app.central.connect import (
    CONNECT_TIMEOUT_S,
    connect,
    connect_kwargs,
    parse_url,
    strip_credentials,
    strip_password,
)
from pos_app.central.errors import AuthRefused, BadUrl, TlsRequired, Unreachable
from tests.pg_cluster import CentralDb

SECRET = "s3cret-Pa55word"


@pytest.fixture(autouse=True)
def _no_pg_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PGHOST", "PGHOSTADDR", "PGSSLMODE", "PGPASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("url", [
    "postgresql://127.0.0.1/pos",
    "postgresql://localhost:5433/pos",
    "postgresql://[::1]/pos",
    "postgres://127.0.0.2/pos",  # all of 127/8 is loopback
    "postgresql:///pos",  # the default Unix socket
    "postgresql:///pos?host=/var/run/postgresql",
    "postgresql://%2Fvar%2Frun%2Fpostgresql/pos",
    "postgresql://127.0.0.1/pos?sslmode=disable",  # loopback may say so
])
def test_loopback_and_sockets_need_no_tls(url: str) -> None:
    target = parse_url(url)
    assert target.local
    assert target.params.get("sslmode") in (None, "disable")


@pytest.mark.parametrize(("url", "mode"), [
    ("postgresql://db.example.com/pos", "require"),  # the default for a remote host
    ("postgresql://db.example.com/pos?sslmode=require", "require"),
    ("postgresql://10.0.0.5/pos?sslmode=verify-ca", "verify-ca"),
    ("postgresql://db.example.com/pos?sslmode=VERIFY-FULL", "verify-full"),
])
def test_remote_hosts_get_tls(url: str, mode: str) -> None:
    target = parse_url(url)
    assert not target.local and target.params["sslmode"] == mode


@pytest.mark.parametrize("url", [
    f"postgresql://owner:{SECRET}@db.example.com/pos?sslmode=disable",
    f"postgresql://owner:{SECRET}@db.example.com/pos?sslmode=prefer",
    f"postgresql://owner:{SECRET}@db.example.com/pos?sslmode=allow",
    f"postgresql://owner:{SECRET}@127.0.0.1,db.example.com/pos?sslmode=disable",
    f"postgresql://owner@127.0.0.1/pos?hostaddr=192.0.2.7&sslmode=disable&password={SECRET}",
])
def test_weaker_tls_to_a_remote_host_is_refused(url: str) -> None:
    with pytest.raises(TlsRequired, match="sslmode=require") as info:
        parse_url(url)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)


def test_the_environment_cant_dodge_the_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "db.example.com")
    assert parse_url("postgresql:///pos").params["sslmode"] == "require"
    monkeypatch.setenv("PGSSLMODE", "disable")
    with pytest.raises(TlsRequired):
        parse_url("postgresql:///pos")
    monkeypatch.setenv("PGSSLMODE", "verify-full")  # a stricter wish is kept
    assert parse_url("postgresql:///pos").params["sslmode"] == "verify-full"
    monkeypatch.delenv("PGHOST")
    with pytest.raises(TlsRequired):  # an override can't switch it off either
        connect_kwargs("postgresql://db.example.com/pos", sslmode="disable")


@pytest.mark.parametrize("url", [
    "", "db.example.com", "http://db.example.com/pos", "host=db.example.com dbname=pos",
    f"postgresql://u:{SECRET}@db.example.com:port/pos?sslmode=require",
    f"postgresql://u:{SECRET}@db.example.com/pos?nonsense=1",
])
def test_bad_urls(url: str) -> None:
    with pytest.raises(BadUrl) as info:
        parse_url(url)
    assert SECRET not in str(info.value)


def test_parameters_and_secrets_stay_out_of_reprs() -> None:
    target = parse_url(f"postgresql://owner:{SECRET}@db.example.com:6543/pos", user="till",
                       password="other-" + SECRET)
    assert target.params["user"] == "till" and target.password == "other-" + SECRET
    assert target.params["connect_timeout"] == str(CONNECT_TIMEOUT_S)
    assert target.params["application_name"] == "pos-app"
    assert target.where() == "db.example.com:6543/pos"
    assert SECRET not in repr(target)


def test_urls_lose_their_credentials_before_they_are_stored() -> None:
    url = f"postgresql://owner:{SECRET}@db.example.com:6543/pos?sslmode=require&password=x"
    assert strip_credentials(url) == "postgresql://db.example.com:6543/pos?sslmode=require"
    assert strip_password(url) == "postgresql://owner@db.example.com:6543/pos?sslmode=require"
    assert strip_password("postgresql://db.example.com/pos") == "postgresql://db.example.com/pos"


def test_unreachable_and_refused_say_which_without_the_password(central_db: CentralDb) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there once closed
    with pytest.raises(Unreachable, match=f"127.0.0.1:{port}/pos") as unreachable:
        connect(f"postgresql://owner:{SECRET}@127.0.0.1:{port}/pos")
    assert SECRET not in str(unreachable.value)

    url = central_db.cluster.url(central_db.dbname, "postgres", SECRET)  # a wrong password
    with pytest.raises(AuthRefused, match="password authentication failed") as refused:
        connect(url)
    assert SECRET not in str(refused.value) and SECRET not in repr(refused.value)
    assert refused.value.__cause__ is None and refused.value.__suppress_context__

    with connect(central_db.url, autocommit=True) as conn:
        assert conn.autocommit
        assert conn.execute("SELECT current_setting('application_name')").fetchone() == \
            ("pos-app",)
        assert central_db.cluster.password not in repr(conn)
