"""History replay: an incremental-snapshot signal for the Debezium connector.

Inserting an ``execute-snapshot`` row into the signaling table asks the connector to re-read
the tables (as ``op = r`` events, ``source.snapshot = incremental``) while streaming goes on;
Kafka offsets are not touched. The running consumer applies the re-read rows like any other
change: the state store keeps the newest version of each row, and an invoice whose content did
not change costs no Odoo write.

The optional condition is SQL on ``invoices`` (``created_at >= '2026-01-01'``). Items have no
such columns, so they are selected by their invoice:
``invoice_id IN (SELECT id FROM public.invoices WHERE <condition>)``. The condition is checked
against the source in a read-only transaction before the signal is sent: a condition Debezium
cannot run would fail the snapshot inside the connector, far from the operator.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..config import Secret
from ..errors import ConfigError, SourceUnavailable

INVOICES = "public.invoices"
ITEMS = "public.invoice_items"
TABLES: Mapping[str, tuple[str, ...]] = {
    "invoices": (INVOICES,),
    "invoice_items": (ITEMS,),
    "both": (INVOICES, ITEMS),
}
SIGNAL_TABLE = "public.debezium_signal"
MAX_SIGNAL_DATA = 2048
"""``debezium_signal.data`` is a ``varchar(2048)``."""


def clean_condition(where: str | None) -> str | None:
    """The condition, stripped; ``None`` when there is none.

    Raises:
        ConfigError: an empty condition, or one holding ``;`` (one condition, never a statement).
    """
    if where is None:
        return None
    text = where.strip()
    if not text:
        raise ConfigError("--where is empty: leave it out to replay every row")
    if ";" in text:
        raise ConfigError("--where must be one SQL condition on invoices, without ';'")
    return text


def filters(tables: tuple[str, ...], condition: str | None) -> dict[str, str]:
    """The per-table filter Debezium adds to its snapshot queries (none without a condition)."""
    if condition is None:
        return {}
    by_table = {
        INVOICES: f"({condition})",
        # The operator's condition, for Debezium to run; checked by send_signal before it is sent.
        ITEMS: f"invoice_id IN (SELECT id FROM {INVOICES} WHERE ({condition}))",  # noqa: S608
    }
    return {table: by_table[table] for table in tables}


def build_signal(table: str, condition: str | None) -> dict[str, Any]:
    """The ``data`` of an ``execute-snapshot`` signal for ``table`` (invoices, invoice_items, both).

    Raises:
        ConfigError: an unknown table, or a signal too long for the signaling table.
    """
    if table not in TABLES:
        raise ConfigError(f"--table must be one of {', '.join(TABLES)}, got {table!r}")
    tables = TABLES[table]
    signal: dict[str, Any] = {"data-collections": list(tables), "type": "incremental"}
    conditions = filters(tables, condition)
    if conditions:
        signal["additional-conditions"] = [{"data-collection": t, "filter": f} for t, f in conditions.items()]
    if len(json.dumps(signal)) > MAX_SIGNAL_DATA:
        raise ConfigError(f"the signal is longer than the signaling table holds ({MAX_SIGNAL_DATA} characters)")
    return signal


@dataclass(frozen=True, slots=True)
class SentSignal:
    """The signal written, and how many rows of each table it selects now."""

    signal_id: str
    data: dict[str, Any]
    rows: dict[str, int]


def _table(name: str) -> sql.Identifier:
    return sql.Identifier(*name.split(".", 1))


def _count_rows(conn: psycopg.Connection, data: dict[str, Any]) -> dict[str, int]:
    """Rows per table the signal selects, in a read-only transaction (which checks the condition)."""
    conditions = {c["data-collection"]: c["filter"] for c in data.get("additional-conditions", [])}
    conn.read_only = True
    rows: dict[str, int] = {}
    try:
        with conn.transaction(), conn.cursor() as cur:
            for table in data["data-collections"]:
                query = sql.SQL("SELECT count(*) FROM {}").format(_table(table))
                if table in conditions:
                    # The operator's own SQL, as Debezium will run it; read-only here.
                    query = sql.SQL("{} WHERE {}").format(query, sql.SQL(conditions[table]))  # type: ignore[arg-type]
                cur.execute(query)
                rows[table] = cur.fetchone()[0]  # type: ignore[index]
    except psycopg.OperationalError:
        raise
    except psycopg.Error as exc:
        raise ConfigError(f"the source refuses the condition: {exc.diag.message_primary or exc}") from None
    finally:
        conn.read_only = False
    return rows


def _insert(conn: psycopg.Connection, signal_table: str, signal_id: str, data: dict[str, Any]) -> None:
    try:
        with conn.transaction():
            conn.execute(
                sql.SQL("INSERT INTO {} (id, type, data) VALUES (%s, 'execute-snapshot', %s)").format(
                    _table(signal_table)
                ),
                (signal_id, json.dumps(data)),
            )
    except psycopg.OperationalError:
        raise
    except psycopg.Error as exc:
        raise ConfigError(
            f"cannot write the signal to {signal_table}: {exc.diag.message_primary or exc} "
            "(is it the connector's signal.data.collection, and may this role insert into it?)"
        ) from None


def send_signal(dsn: Secret, data: dict[str, Any], signal_table: str = SIGNAL_TABLE) -> SentSignal:
    """Count the rows the signal selects (read-only: this also checks the condition), then insert it.

    Raises:
        ConfigError: the source refuses the condition or the insert (with PostgreSQL's message).
        SourceUnavailable: the source database cannot be reached.
    """
    signal_id = str(uuid.uuid4())
    try:
        with psycopg.connect(dsn.reveal(), connect_timeout=10, application_name="cdc-consumer snapshot") as conn:
            rows = _count_rows(conn, data)
            _insert(conn, signal_table, signal_id, data)
    except psycopg.OperationalError as exc:
        raise SourceUnavailable(f"the source database cannot be reached: {exc}") from None
    return SentSignal(signal_id, data, rows)
