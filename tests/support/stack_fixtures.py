"""Session fixtures for the local PostgreSQL → Debezium → Kafka stack.

Loaded by the root ``conftest.py``; every test can use them.

Fixtures:
    stack (session): the :class:`~cdc_consumer.localstack.StackInfo` of a running stack
        (DSNs, ``kafka_bootstrap``, ``connect_url``, ``topics``, ``connector_name``). The first
        test that asks for it starts the stack — installing the jars into the cache first if
        they are missing — or reuses the stack already running (``cdc-consumer stack start``);
        at the end of the session it stops exactly the components it started, so a stack that
        was already running stays running.
    source (function): an autocommit psycopg connection to the source database as its owner;
        write an invoice and its items in one ``with source.transaction():`` block (as the
        NexaCloud application does), or use :func:`insert_invoice`.

Helpers:
    read_until(stack, until, topics=None, timeout=60): read the topics (default: invoices and
        items) from the beginning with a fresh consumer group until ``until(records)`` holds;
        returns the :class:`~cdc_consumer.localstack.Record` list (parsed key/value, ``op``,
        ``row``, ``payload``, partition, offset). Raises ``TimeoutError`` with a summary.
    has_rows(ids, ops=None): a condition for ``read_until``: a record for every row id
        (optionally only records whose ``op`` is in ``ops``) has been read.
    of_rows(records, ids): the records about rows ``ids``, in read order.
    insert_invoice(conn, items=2, status="open"): insert a user, an invoice and its items in
        one transaction (amounts consistent: the items add up to the subtotal, 13 % tax);
        returns a :class:`SourceRows` with the ids.

Environment: ``CDC_STACK_DIR`` (stack directory) and ``CDC_STACK_CACHE`` (jar cache) are
honoured, as by ``cdc-consumer stack``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

import psycopg
import pytest

from cdc_consumer.localstack import LocalStack, Record, StackInfo, read_records


@pytest.fixture(scope="session")
def stack() -> Iterator[StackInfo]:
    """A running local stack, started once per session (or reused), stopped if started here."""
    local = LocalStack()
    info = local.start()
    yield info
    local.stop(info.started)


@pytest.fixture
def source(stack: StackInfo) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the source database as the tables' owner."""
    with psycopg.connect(stack.source_dsn, autocommit=True) as conn:
        yield conn


def read_until(
    stack: StackInfo,
    until: Callable[[list[Record]], bool],
    topics: Sequence[str] | None = None,
    timeout: float = 60.0,
) -> list[Record]:
    """Read ``topics`` (default: the stack's two) from the beginning until ``until`` holds."""
    return read_records(stack.kafka_bootstrap, topics or stack.topics, until, timeout)


def of_rows(records: Iterable[Record], ids: Collection[str]) -> list[Record]:
    """The records whose row (``after``, or ``before`` of a delete) has an id in ``ids``."""
    return [r for r in records if r.row is not None and r.row.get("id") in ids]


def has_rows(ids: Collection[str], ops: Collection[str] | None = None) -> Callable[[list[Record]], bool]:
    """A ``read_until`` condition: every id in ``ids`` has a record (with ``op`` in ``ops``)."""
    wanted = set(ids)

    def condition(records: list[Record]) -> bool:
        seen = {r.row["id"] for r in of_rows(records, wanted) if ops is None or r.op in ops}
        return wanted <= seen

    return condition


@dataclass(frozen=True)
class SourceRows:
    """The ids of what :func:`insert_invoice` wrote."""

    user_id: str
    invoice_id: str
    item_ids: tuple[str, ...]

    @property
    def all_ids(self) -> frozenset[str]:
        """The invoice and item ids."""
        return frozenset((self.invoice_id, *self.item_ids))


def insert_invoice(conn: psycopg.Connection, items: int = 2, status: str = "open") -> SourceRows:
    """Insert a user, an invoice and ``items`` items in one transaction; return their ids."""
    user_id, invoice_id = str(uuid.uuid4()), str(uuid.uuid4())
    item_ids = tuple(str(uuid.uuid4()) for _ in range(items))
    price = Decimal("19.99")
    subtotal = price * items
    tax = (subtotal * Decimal("0.13")).quantize(Decimal("0.01"))
    with conn.transaction():
        conn.execute(
            "INSERT INTO users (id, full_name, email) VALUES (%s, %s, %s)",
            (user_id, "Test Customer", f"{user_id}@example.com"),
        )
        conn.execute(
            "INSERT INTO invoices (id, stripe_invoice_id, invoice_number, user_id, created_at, currency,"
            " status, subtotal, tax) VALUES (%s, %s, %s, %s, now(), 'cad', %s, %s, %s)",
            (invoice_id, f"in_{invoice_id[:8]}", f"NC-{invoice_id[:8]}", user_id, status, subtotal, tax),
        )
        for item_id in item_ids:
            conn.execute(
                "INSERT INTO invoice_items (id, invoice_id, description, quantity, unit_price, amount)"
                " VALUES (%s, %s, 'Odoo ERP hosting', 1, %s, %s)",
                (item_id, invoice_id, price, price),
            )
    return SourceRows(user_id, invoice_id, item_ids)
