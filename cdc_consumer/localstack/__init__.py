"""The local stack: PostgreSQL → Debezium (Kafka Connect) → Kafka on loopback.

Used by ``cdc-consumer stack``, by the test fixtures and by the demo. The API:

- :class:`LocalStack` — ``install()``, ``start() -> StackInfo``, ``stop()``, ``status()``,
  ``running()``; the directory is ``<repo>/.stack`` (``CDC_STACK_DIR``), the jar cache
  ``~/.cache/cdc-consumer`` (``CDC_STACK_CACHE``).
- :class:`StackInfo` — DSNs, Kafka bootstrap, Connect URL, topic and connector names.
- :func:`connector_config` / :func:`register_connector` / :class:`ConnectClient` — the
  connector of ``debezium/connector.json`` with overrides, registered and awaited.
- :class:`ScratchConnector` — a second, short-lived connector with its own publication, slot
  and topic prefix, removed with all of them afterwards.
- :func:`read_records` — read topics from the beginning until a condition holds.
"""

from .connect import ConnectClient, connector_config, register_connector
from .kafka import delete_topics, ensure_topics
from .layout import Ports
from .records import Record, read_records
from .scratch import ScratchConnector
from .stack import ComponentStatus, LocalStack, StackInfo

__all__ = [
    "ComponentStatus",
    "ConnectClient",
    "LocalStack",
    "Ports",
    "Record",
    "ScratchConnector",
    "StackInfo",
    "connector_config",
    "delete_topics",
    "ensure_topics",
    "read_records",
    "register_connector",
]
