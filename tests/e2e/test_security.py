"""Secrets stay secret, TLS and SASL reach the clients, and the source is only ever read.

The secret-scanning test runs real ``cdc-consumer run`` processes with distinctive secrets —
the Odoo password, a Kafka SASL password, and the passwords of the source DSN (the users
lookup) and of a PostgreSQL state store DSN — at log level DEBUG, through a working run and
through failing ones (a refused Odoo login, a failing source DSN, a failing state store DSN,
Kafka refusing SASL), and looks for every secret in everything they printed and in /metrics.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import psycopg
import pytest
from confluent_kafka import Consumer, Producer
from psycopg import sql

from cdc_consumer.app import gateway_for
from cdc_consumer.config import Secret, load_settings
from cdc_consumer.emulator import OdooEmulator
from cdc_consumer.errors import OdooUnavailable
from cdc_consumer.kafka_io import client_config, consumer_config, producer_config
from cdc_consumer.localstack import StackInfo
from cdc_consumer.odoo import gateway as gateway_module
from cdc_consumer.odoo.setup import bootstrap
from cdc_consumer.users import UsersLookup
from tests.support.consumer import Consumers, moves_of
from tests.support.faults import http_get
from tests.support.stack_fixtures import insert_invoice

FAILED_BATCH = "batch failed, rewinding and pausing"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def secret(kind: str) -> str:
    """A distinctive secret value, easy to find in any output."""
    return f"{kind}Secret{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class SecretWorld:
    """An Odoo, a source reader role and a state database, each behind a distinctive password."""

    odoo: OdooEmulator
    odoo_password: str
    source_dsn: str
    source_password: str
    state_dsn: str
    state_password: str


def _dsn(stack: StackInfo, user: str, password: str, database: str) -> str:
    return f"postgresql://{user}:{password}@{stack.source_dsn.rsplit('@', 1)[1].rsplit('/', 1)[0]}/{database}"


@pytest.fixture
def secret_world(stack: StackInfo) -> Iterator[SecretWorld]:
    """A bootstrapped emulator and two PostgreSQL roles, with new passwords; removed afterwards."""
    odoo_password, source_password, state_password = secret("odoo"), secret("source"), secret("state")
    suffix = uuid.uuid4().hex[:10]
    reader, owner, database = f"cdc_sec_reader_{suffix}", f"cdc_sec_state_{suffix}", f"cdc_sec_state_{suffix}"
    odoo = OdooEmulator(port=0, password=odoo_password).start()
    settings = load_settings(environ={}, odoo_url=odoo.url, odoo_password=odoo_password)
    bootstrap(gateway_for(settings), settings)
    with psycopg.connect(stack.superuser_dsn, autocommit=True) as admin:
        for role, password in ((reader, source_password), (owner, state_password)):
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(sql.Identifier(role), password))
        admin.execute(sql.SQL("GRANT SELECT ON users TO {}").format(sql.Identifier(reader)))
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), sql.Identifier(owner)))
    try:
        yield SecretWorld(
            odoo,
            odoo_password,
            _dsn(stack, reader, source_password, stack.source_dsn.rsplit("/", 1)[1]),
            source_password,
            _dsn(stack, owner, state_password, database),
            state_password,
        )
    finally:
        odoo.stop()
        with psycopg.connect(stack.superuser_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database)))
            admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(reader)))
            admin.execute(sql.SQL("DROP ROLE {}, {}").format(sql.Identifier(reader), sql.Identifier(owner)))


def leaks(text: str, secrets: list[str]) -> list[str]:
    """The secrets that appear in ``text``."""
    return [s for s in secrets if s in text]


@pytest.mark.stack
@pytest.mark.e2e
def test_secrets_never_reach_logs_errors_or_metrics(
    consumers: Consumers, source: psycopg.Connection, secret_world: SecretWorld
) -> None:
    world = secret_world
    kafka_password = secret("kafka")
    secrets = [world.odoo_password, world.source_password, world.state_password, kafka_password]
    base: dict[str, Any] = {
        "odoo_url": world.odoo.url,
        "odoo_password": world.odoo_password,
        "source_dsn": world.source_dsn,
        "state_dsn": world.state_dsn,
        "kafka_sasl_mechanism": "PLAIN",
        "kafka_sasl_username": "cdc",
        "kafka_sasl_password": kafka_password,
        "log_level": "DEBUG",
        "log_format": "json",
    }
    settings = consumers.settings(skip_history=True, **base)
    process = consumers.process(settings)
    consumers.wait(lambda: http_get(settings.metrics_port, "/readyz")[0] == 200, what=lambda: process.log()[-3000:])
    rows = insert_invoice(source)
    consumers.wait(lambda: moves_of(world.odoo, [rows.invoice_id])[rows.invoice_id], what=lambda: process.log()[-3000:])
    metrics = http_get(settings.metrics_port, "/metrics")[1]
    process.stop()
    assert process.process.returncode == 0, process.log()[-3000:]
    assert "cdc_invoices_total" in metrics
    outputs = {"a working run": process.log(), "its /metrics": metrics}

    wrong = {"odoo": secret("wrongOdoo"), "source": secret("wrongSource"), "state": secret("wrongState")}
    secrets += list(wrong.values())
    failing = {
        "a refused Odoo login": ({"odoo_password": wrong["odoo"]}, "refused the login"),
        "a failing source DSN": (
            {"source_dsn": world.source_dsn.replace(world.source_password, wrong["source"])},
            "users lookup failed",
        ),
        "a failing state store DSN": (
            {"state_dsn": world.state_dsn.replace(world.state_password, wrong["state"])},
            "password authentication failed",
        ),
        "Kafka refusing SASL": ({"kafka_security_protocol": "SASL_PLAINTEXT"}, "SASL"),
    }
    for what, (overrides, failure) in failing.items():
        outputs[what] = failing_run(consumers, source, {**base, **overrides})
        assert failure in outputs[what], f"{what}: the failure is named:\n{outputs[what][-3000:]}"

    found = {what: leaks(text, secrets) for what, text in outputs.items()}
    assert found == {what: [] for what in outputs}, "a secret was printed"


def failing_run(consumers: Consumers, source: psycopg.Connection, values: dict[str, Any]) -> str:
    """Everything a consumer printed that fails at start-up, or at its first invoice (then stopped)."""
    settings = consumers.settings(skip_history=True, **values)
    process = consumers.process(settings)
    insert_invoice(source)
    consumers.wait(
        lambda: process.process.poll() is not None or FAILED_BATCH in process.log(),
        timeout=60,
        what=lambda: f"a failure:\n{process.log()[-3000:]}",
    )
    metrics = http_get(settings.metrics_port, "/metrics")[1]
    process.stop()
    return process.log() + metrics


def test_kafka_tls_and_sasl_settings_reach_every_client() -> None:
    settings = load_settings(
        environ={
            "CDC_KAFKA_BOOTSTRAP_SERVERS": "kafka-1.example.net:9094,kafka-2.example.net:9094",
            "CDC_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "CDC_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "CDC_KAFKA_SASL_USERNAME": "odoo-ledger",
            "CDC_KAFKA_SASL_PASSWORD": "sasl-pw",
            "CDC_KAFKA_SSL_CA_LOCATION": CA_BUNDLE,
        }
    )
    wanted = {
        "bootstrap.servers": "kafka-1.example.net:9094,kafka-2.example.net:9094",
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "odoo-ledger",
        "sasl.password": "sasl-pw",
        "ssl.ca.location": CA_BUNDLE,
    }
    for config in (client_config(settings), consumer_config(settings), producer_config(settings)):
        assert {k: config.get(k) for k in wanted} == wanted
    # librdkafka itself accepts them (it refuses unknown or inconsistent security settings).
    Consumer(consumer_config(settings)).close()
    Producer(producer_config(settings)).flush(0)


def test_plaintext_kafka_carries_no_security_settings() -> None:
    config = client_config(load_settings(environ={}))
    assert config["security.protocol"] == "PLAINTEXT"
    assert not {k for k in config if k.startswith(("sasl.", "ssl."))}


class RecordingOdoo:
    """Stands in for ``odoorpc.ODOO``: records how it was built and logged in with."""

    built: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, host: str, protocol: str = "jsonrpc", port: int = 8069, timeout: float = 120) -> None:
        self.built.append({"host": host, "protocol": protocol, "port": port})

    def login(self, db: str, login: str, password: str) -> None:
        self.built[-1]["login"] = (db, login, password)


@pytest.mark.parametrize(
    ("url", "protocol", "port"),
    [
        ("https://odoo.example.com", "jsonrpc+ssl", 443),
        ("https://odoo.example.com:8443", "jsonrpc+ssl", 8443),
        ("http://odoo.internal:8069", "jsonrpc", 8069),
    ],
)
def test_odoo_urls_choose_the_transport(monkeypatch: pytest.MonkeyPatch, url: str, protocol: str, port: int) -> None:
    monkeypatch.setattr(RecordingOdoo, "built", [])
    monkeypatch.setattr(gateway_module.odoorpc, "ODOO", RecordingOdoo)
    gateway_module.RpcGateway(url, "prod", "ledger", Secret("pw")).connect()
    host = url.split("//")[1].split(":", maxsplit=1)[0]
    assert RecordingOdoo.built == [
        {"host": host, "protocol": protocol, "port": port, "login": ("prod", "ledger", "pw")}
    ]


def test_an_https_url_speaks_tls(odoo_emulator: OdooEmulator) -> None:
    """Against a plain-HTTP server an https URL fails in the TLS handshake: TLS was attempted."""
    url = odoo_emulator.url.replace("http://", "https://")
    with pytest.raises(OdooUnavailable, match="SSL"):
        gateway_module.RpcGateway(url, odoo_emulator.database, odoo_emulator.login, Secret("admin"), 5).connect()
    assert odoo_emulator.calls.count() == 0, "nothing reached the server as JSON-RPC"


@pytest.mark.stack
def test_the_users_lookup_reads_in_read_only_transactions(stack: StackInfo, source: psycopg.Connection) -> None:
    rows = insert_invoice(source)
    lookup = UsersLookup(Secret(stack.source_dsn))
    try:
        assert set(lookup.get_many([rows.user_id])) == {rows.user_id}
        conn = lookup._connection()
        assert conn.execute("SHOW transaction_read_only").fetchone() == ("on",)
        conn.rollback()
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction), conn.transaction():
            conn.execute("UPDATE users SET full_name = 'changed' WHERE id = %s", (rows.user_id,))
        assert source.execute("SELECT full_name FROM users WHERE id = %s", (rows.user_id,)).fetchone() == (
            "Test Customer",
        )
        other = insert_invoice(source)
        assert set(lookup.get_many([other.user_id])) == {other.user_id}, "the connection still serves lookups"
    finally:
        lookup.close()
