"""Connections to NexaCloud's source database and its schema, for the sample-data tools."""

from __future__ import annotations

from importlib.resources import files

import psycopg

SCHEMA_SQL = files(__package__).joinpath("schema.sql")


def connect(dsn: str) -> psycopg.Connection:
    """An autocommit connection: every change opens and commits its own transaction."""
    return psycopg.connect(dsn, autocommit=True, application_name="cdc-consumer sample-data")


def apply_schema(conn: psycopg.Connection) -> None:
    """Create the source tables when they are missing (the script is idempotent)."""
    conn.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
