"""The source PostgreSQL of the stack: Debian's binaries, its own cluster, logical WAL.

The cluster lives in ``<stack dir>/postgres/data`` and listens on 127.0.0.1 only (no Unix
socket). PostgreSQL refuses to run as root, so when the stack is started by root the cluster
belongs to, and runs as, Debian's ``postgres`` user; if that user cannot reach the stack
directory (a checkout under a private home), the cluster goes to
``$TMPDIR/cdc-stack-postgres-<digest of the stack dir>`` instead. Each start applies, idempotently, the
``nexacloud`` owner and database, the source schema (``cdc_consumer/sample/schema.sql``) and
what Debezium needs (``debezium/source-setup.sql``: replication role, grants, publication).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from ..errors import StackError
from .layout import DATABASE, OWNER, SCHEMA_SQL, SUPERUSER, debezium_file, dsn
from .processes import ProcessSpec, user_ids

DEBIAN_PG_ROOT = Path("/usr/lib/postgresql")
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
    "wal_level": "logical",
    "max_wal_senders": "10",
    "max_replication_slots": "10",
    # WAL kept for a forgotten slot is capped so a test slot cannot fill the disk.
    "max_slot_wal_keep_size": "1GB",
    # A disposable development cluster: durability against an OS crash is not needed.
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "64MB",
    "max_connections": "60",
}


def _reachable(path: Path, user: str) -> bool:
    """Whether ``user`` may enter every existing directory on the way to ``path``."""
    uid, gid = user_ids(user)
    for directory in [path, *path.parents]:
        try:
            info = directory.stat()
        except FileNotFoundError:
            continue
        if info.st_uid == uid:
            allowed = info.st_mode & stat.S_IXUSR
        elif info.st_gid == gid:
            allowed = info.st_mode & stat.S_IXGRP
        else:
            allowed = info.st_mode & stat.S_IXOTH
        if not allowed:
            return False
    return True


def find_bindir() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding a server.

    Raises:
        StackError: no PostgreSQL server is installed.
    """
    candidates = [
        path.parent
        for path in DEBIAN_PG_ROOT.glob("*/bin/postgres")
        if (path.parent / "initdb").is_file() and re.fullmatch(r"\d+", path.parent.parent.name)
    ]
    if not candidates:
        raise StackError(
            f"no PostgreSQL server under {DEBIAN_PG_ROOT}/*/bin; run scripts/setup (apt-get install postgresql)"
        )
    return max(candidates, key=lambda p: int(p.parent.name))


class PostgresCluster:
    """The stack's PostgreSQL cluster in ``<root>/postgres``."""

    name = "postgres"

    def __init__(self, root: Path, port: int) -> None:
        self.run_as = "postgres" if os.geteuid() == 0 else None
        self.home = root / "postgres"
        if self.run_as is not None and not _reachable(root, self.run_as):
            digest = hashlib.sha256(str(root).encode()).hexdigest()[:10]
            self.home = Path(tempfile.gettempdir()) / f"cdc-stack-postgres-{digest}"
        self.data_dir = self.home / "data"
        self.port = port

    @property
    def superuser_dsn(self) -> str:
        """The superuser's DSN on the maintenance database."""
        return dsn(SUPERUSER, self.port, "postgres")

    def initialise(self) -> None:
        """Create the cluster unless it exists (``initdb``, superuser password, scram auth)."""
        if (self.data_dir / "PG_VERSION").is_file():
            return
        bindir = find_bindir()
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o700)
        password_file = self.home / "superuser-password"
        password_file.write_text(SUPERUSER.password + "\n", encoding="utf-8")
        if self.run_as is not None:
            uid, gid = user_ids(self.run_as)
            for path in (self.home, password_file):
                os.chown(path, uid, gid)
        argv = [
            str(bindir / "initdb"), "-D", str(self.data_dir), "-U", SUPERUSER.user,
            f"--pwfile={password_file}", "--auth-host=scram-sha-256", "--auth-local=scram-sha-256",
            "-E", "UTF8", "--no-locale", "--no-sync",
        ]  # fmt: skip
        extra: dict[str, object] = {}
        if self.run_as is not None:
            uid, gid = user_ids(self.run_as)
            extra = {"user": uid, "group": gid, "extra_groups": [], "cwd": str(self.home)}
        try:
            result = subprocess.run(argv, capture_output=True, text=True, check=False, **extra)  # type: ignore[call-overload]
        finally:
            password_file.unlink(missing_ok=True)
        if result.returncode != 0:
            raise StackError(f"initdb failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")

    def process(self) -> ProcessSpec:
        """How to run the server: the settings are on its command line, never stale in a file."""
        argv = [str(find_bindir() / "postgres"), "-D", str(self.data_dir), "-c", f"port={self.port}"]
        for key, value in SERVER_SETTINGS.items():
            argv += ["-c", f"{key}={value}"]
        return ProcessSpec(self.name, argv, marker=str(self.data_dir), user=self.run_as)

    def ready(self) -> bool:
        """Whether the server accepts the superuser's connections."""
        try:
            with psycopg.connect(self.superuser_dsn, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def bootstrap(self) -> None:
        """Apply owner, database, schema and Debezium's setup; idempotent."""
        with psycopg.connect(self.superuser_dsn, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (OWNER.user,)).fetchone() is None:
                conn.execute(
                    sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(OWNER.user), sql.Literal(OWNER.password)
                    )
                )
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone() is None:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(OWNER.user))
                )
        with psycopg.connect(dsn(OWNER, self.port), autocommit=True) as conn:
            conn.execute(SCHEMA_SQL.read_bytes())
        with psycopg.connect(dsn(SUPERUSER, self.port), autocommit=True) as conn:
            conn.execute(debezium_file("source-setup.sql").read_bytes())
