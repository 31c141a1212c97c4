"""A throwaway PostgreSQL cluster for the central-store tests (docs/central.md).

``pg_cluster`` (session scope) runs ``initdb`` and ``pg_ctl`` in a temporary directory: TCP on
127.0.0.1 at a free port, the socket in that directory, fsync off, password (SCRAM)
authentication everywhere - so that a wrong or expired enrollment code really is refused, as it
would be by a real server. It is stopped with ``pg_ctl stop -m fast`` when the session ends,
whatever happened. Without PostgreSQL installed the tests that use it are skipped (CI installs
it: scripts/bootstrap.sh).

``central_db`` (function scope) is a fresh database with :func:`apply_schema` already run,
dropped ``WITH (FORCE)`` afterwards. Roles are cluster-wide: the ones a test makes (tills,
codes, :meth:`CentralDb.login`) are dropped with the database; till and code roles carry random
suffixes, so no two tests clash even before that. ``empty_db`` is a fresh database without
the schema.

initdb refuses to run as root: as root, every PostgreSQL program runs as the ``postgres`` user
(``runuser``), which the Debian package creates, and the directory is handed to it.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SUPERUSER = "postgres"
_START_ATTEMPTS = 3


def find_bindir() -> Path | None:
    """The directory holding initdb and pg_ctl: ``pg_config --bindir``, else the newest
    /usr/lib/postgresql/<major>/bin (Debian puts neither on PATH)."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True,
                                 timeout=10, check=True).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and (Path(out) / "initdb").exists():
            return Path(out)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name)
                        if Path(p).parent.parent.name.isdigit() else 0)
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class PgCluster:
    """A running cluster: where it lives and how to reach it as the superuser."""

    bindir: Path
    base: Path
    port: int
    password: str = field(repr=False)
    as_postgres: tuple[str, ...] = ()

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    @property
    def sockdir(self) -> Path:
        return self.base

    @property
    def logfile(self) -> Path:
        return self.base / "server.log"

    def url(self, dbname: str = "postgres", user: str | None = SUPERUSER,
            password: str | None = None) -> str:
        """A loopback URL (no TLS needed) for ``dbname``; the superuser's password unless
        another user is given."""
        if user is None:
            return f"postgresql://127.0.0.1:{self.port}/{dbname}"
        secret = self.password if user == SUPERUSER and password is None else password
        auth = f"{user}:{secret}@" if secret else f"{user}@"
        return f"postgresql://{auth}127.0.0.1:{self.port}/{dbname}"

    @property
    def superuser_url(self) -> str:
        return self.url()

    def connect(self, dbname: str = "postgres", **kw: Any) -> Any:
        import psycopg

        return psycopg.connect(self.url(dbname), **kw)

    def run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.as_postgres, str(self.bindir / program), *args],
                              capture_output=True, text=True, timeout=120)

    def stop(self) -> None:
        self.run("pg_ctl", "stop", "-D", str(self.datadir), "-m", "fast", "-w")


def _start(bindir: Path, base: Path | None = None) -> PgCluster:
    """A new cluster in ``base`` (a fresh temp dir by default; the benches pass their own),
    started; raises RuntimeError when it can't be."""
    if base is None:
        base = Path(tempfile.mkdtemp(prefix="pos-pg-"))
    base.mkdir(parents=True, exist_ok=True)
    as_postgres: tuple[str, ...] = ()
    if os.geteuid() == 0:
        import pwd

        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base, ignore_errors=True)
            pytest.skip("running as root and there is no 'postgres' user for initdb")
        os.chown(base, user.pw_uid, user.pw_gid)
        as_postgres = ("runuser", "-u", "postgres", "--")
    base.chmod(0o700)
    password = secrets.token_hex(16)
    pwfile = base / "pw"
    pwfile.write_text(password + "\n", encoding="utf-8")
    if as_postgres:
        shutil.chown(pwfile, "postgres")
    cluster = PgCluster(bindir, base, 0, password, as_postgres)
    init = cluster.run("initdb", "-D", str(cluster.datadir), "-U", SUPERUSER,
                       "--auth=scram-sha-256", f"--pwfile={pwfile}", "--encoding=UTF8",
                       "--locale=C", "--no-sync")
    pwfile.unlink()
    if init.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr.strip()}")
    last = ""
    for _ in range(_START_ATTEMPTS):  # another process may take the free port first
        cluster = PgCluster(bindir, base, _free_port(), password, as_postgres)
        options = (f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {base} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60 "
                   "-c shared_buffers=32MB")
        started = cluster.run("pg_ctl", "start", "-D", str(cluster.datadir), "-w", "-t", "60",
                              "-l", str(cluster.logfile), "-o", options)
        if started.returncode == 0:
            return cluster
        last = started.stderr.strip() or started.stdout.strip()
        cluster.stop()
        time.sleep(0.2)
    log = cluster.logfile.read_text(errors="replace")[-2000:] if cluster.logfile.exists() else ""
    shutil.rmtree(base, ignore_errors=True)
    raise RuntimeError(f"PostgreSQL did not start: {last}\n{log}")


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL is not installed (no initdb; scripts/bootstrap.sh installs it)")
    cluster = _start(bindir)
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.base, ignore_errors=True)


@pytest.fixture(scope="session")
def superuser_url(pg_cluster: PgCluster) -> str:
    return pg_cluster.superuser_url


# --------------------------------------------------------------------------- databases


@dataclass
class CentralDb:
    """One test's database. ``url`` connects as the superuser; :meth:`login` makes a login
    role (dropped with the database) and returns its URL."""

    cluster: PgCluster
    dbname: str
    roles: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.cluster.url(self.dbname)

    def url_for(self, user: str, password: str) -> str:
        return self.cluster.url(self.dbname, user, password)

    def connect(self, **kw: Any) -> Any:
        return self.cluster.connect(self.dbname, **kw)

    def login(self, prefix: str, *groups: str, createrole: bool = False) -> tuple[str, str]:
        """A new LOGIN role ``<prefix>_<random>`` in ``groups``; returns (name, password)."""
        from psycopg import sql

        name = f"{prefix}_{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(18)
        self.roles.append(name)
        stmt = sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}{}").format(
            sql.Identifier(name), sql.Literal(password),
            sql.SQL(" CREATEROLE") if createrole else sql.SQL(""))
        with self.cluster.connect(autocommit=True) as conn:
            conn.execute(stmt)
            for group in groups:
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group),
                                                               sql.Identifier(name)))
        return name, password


def _made_roles(db: CentralDb) -> list[str]:
    """Roles the schema's functions made in this database (tills, codes)."""
    try:
        with db.connect(autocommit=True) as conn:
            if conn.execute("SELECT to_regclass('pos.tills')").fetchone()[0] is None:
                return []
            rows = conn.execute(
                "SELECT role_name FROM pos.tills UNION SELECT role_name FROM pos.enroll_codes"
                " UNION SELECT till_role FROM pos.enroll_codes WHERE till_role IS NOT NULL"
            ).fetchall()
    except Exception:
        return []
    return [r[0] for r in rows]


def _drop(db: CentralDb) -> None:
    from psycopg import sql

    roles = [*_made_roles(db), *db.roles]
    with db.cluster.connect(autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(db.dbname)))
        for role in roles:
            try:
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
            except Exception:  # still owning something elsewhere: leave it to the cluster
                pass


def _new_db(cluster: PgCluster, owner: str | None = None) -> CentralDb:
    from psycopg import sql

    db = CentralDb(cluster, f"central_{secrets.token_hex(5)}")
    stmt = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db.dbname))
    if owner:
        stmt = sql.SQL("{} OWNER {}").format(stmt, sql.Identifier(owner))
    with cluster.connect(autocommit=True) as conn:
        conn.execute(stmt)
    return db


def admin_may_grant_groups(cluster: PgCluster, admin: str) -> None:
    """PostgreSQL 16+ lets a CREATEROLE role grant only roles it holds WITH ADMIN OPTION: the
    superuser gives a dedicated admin the three groups once (docs/central.md). 15 needs nothing."""
    from psycopg import sql

    from pos_app.central.schema import ROLES

    with cluster.connect(autocommit=True) as conn:
        if conn.info.server_version < 160000:
            return
        conn.execute(ROLES)
        conn.execute(sql.SQL("GRANT pos_owner, pos_till, pos_enroll TO {} WITH ADMIN OPTION"
                             ).format(sql.Identifier(admin)))


@pytest.fixture
def empty_db(pg_cluster: PgCluster) -> Iterator[CentralDb]:
    """A fresh database without the central schema."""
    db = _new_db(pg_cluster)
    try:
        yield db
    finally:
        _drop(db)


@pytest.fixture
def central_db(empty_db: CentralDb) -> CentralDb:
    """A fresh database with the central schema applied (by the superuser)."""
    from pos_app.central.schema import apply_schema

    with empty_db.connect() as conn:
        apply_schema(conn)
    return empty_db
