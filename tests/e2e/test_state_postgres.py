"""The state store's behaviour suite on PostgreSQL, in a scratch database.

The server is the local stack's PostgreSQL, or the one ``CDC_TEST_STATE_PG_DSN`` names (a
``postgresql://`` URL of a role that may create databases). One database is created for the
session (on the stack: by the superuser, owned by the NexaCloud owner role, which the store
then connects as) and dropped at its end; each test starts without the store's tables, so
every test also exercises creating the schema.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from cdc_consumer.errors import StateUnavailable
from cdc_consumer.state import open_state_store
from tests.unit.test_state import StateStoreBehaviour, inv

pytestmark = pytest.mark.stack

SERVER_ENV = "CDC_TEST_STATE_PG_DSN"


@pytest.fixture(scope="session")
def state_pg_server(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(a DSN that may create databases, the DSN of the role the store connects as)."""
    dsn = os.environ.get(SERVER_ENV)
    if dsn:
        return dsn, dsn
    stack = request.getfixturevalue("stack")
    return stack.superuser_dsn, stack.source_dsn


@pytest.fixture(scope="session")
def state_pg_database(state_pg_server: tuple[str, str]) -> Iterator[str]:
    """The DSN of a scratch database owned by the store's role, dropped at the end of the session."""
    admin_dsn, store_dsn = state_pg_server
    name = f"cdc_state_test_{uuid.uuid4().hex[:12]}"
    owner = urlsplit(store_dsn).username or "postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(owner)))
    try:
        yield urlunsplit(urlsplit(store_dsn)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def state_dsn(state_pg_database: str) -> str:
    """The scratch database without the store's tables."""
    with psycopg.connect(state_pg_database, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS cdc_state_rows, cdc_state_sync")
    return state_pg_database


class TestPostgresStateStore(StateStoreBehaviour):
    """The whole behaviour suite, on PostgreSQL."""


def test_an_unreachable_database_is_a_transient_error(state_dsn: str) -> None:
    unreachable = urlunsplit(urlsplit(state_dsn)._replace(netloc="nobody:secret@127.0.0.1:1"))
    with pytest.raises(StateUnavailable) as caught:
        open_state_store(unreachable)
    assert "secret" not in str(caught.value)


def test_a_dropped_connection_reconnects_on_the_next_call(state_dsn: str) -> None:
    store = open_state_store(state_dsn)
    try:
        with psycopg.connect(state_dsn, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        with pytest.raises(StateUnavailable):
            store.apply([inv("A", 1)])
        assert store.apply([inv("A", 1)]).applied == 1, "nothing of the failed batch was kept"
    finally:
        store.close()
