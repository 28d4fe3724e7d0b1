"""The stack's Kafka Connect worker, and connectors registered on it through its REST API.

The worker runs in distributed mode (``debezium/connect-distributed.properties``) with the
Debezium plugin on its ``plugin.path``. It resolves the connector's ``${env:SOURCE_DB_*}``
placeholders from its own environment, which this module sets to the local PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from ..errors import StackError
from . import jvm
from .jars import Jars
from .layout import DATABASE, HOST, REPLICATION, Ports, debezium_file, port_open, render
from .processes import POLL_INTERVAL, ProcessSpec

WORKER_HEAP = "512m"
POSTGRES_CONNECTOR = "io.debezium.connector.postgresql.PostgresConnector"
_RETRYABLE = frozenset({409, 500, 503})


def source_env(postgres_port: int) -> dict[str, str]:
    """The worker environment that ``debezium/connector.json`` reads the source from."""
    return {
        "SOURCE_DB_HOST": HOST,
        "SOURCE_DB_PORT": str(postgres_port),
        "SOURCE_DB_NAME": DATABASE,
        "SOURCE_DB_USER": REPLICATION.user,
        "SOURCE_DB_PASSWORD": REPLICATION.password,
    }


def connector_config(overrides: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """``debezium/connector.json`` with ``overrides`` applied (a None value removes the key)."""
    config: dict[str, str] = json.loads(debezium_file("connector.json").read_text(encoding="utf-8"))
    for key, value in (overrides or {}).items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    return config


class ConnectWorker:
    """The Connect worker in ``<root>/connect``."""

    name = "connect"

    def __init__(self, root: Path, ports: Ports) -> None:
        self.home = root / "connect"
        self.config = self.home / "connect-distributed.properties"
        self.ports = ports

    @property
    def url(self) -> str:
        """The worker's REST address."""
        return f"http://{HOST}:{self.ports.connect}"

    def prepare(self, jars: Jars) -> None:
        """Write the worker configuration."""
        self.home.mkdir(parents=True, exist_ok=True)
        values = {
            "bootstrap": f"{HOST}:{self.ports.kafka}",
            "host": HOST,
            "rest_port": self.ports.connect,
            "plugin_path": jars.plugin_path,
        }
        self.config.write_text(render(debezium_file("connect-distributed.properties"), values), encoding="utf-8")

    def process(self, jars: Jars) -> ProcessSpec:
        """How to run the worker."""
        argv = jvm.command(
            WORKER_HEAP, Jars.classpath(jars.connect),
            "org.apache.kafka.connect.cli.ConnectDistributed", str(self.config),
        )  # fmt: skip
        return ProcessSpec(self.name, argv, marker=str(self.config), env=source_env(self.ports.postgres))

    def ready(self) -> bool:
        """Whether the worker serves REST requests and has loaded the Debezium plugin."""
        if not port_open(self.ports.connect):
            return False
        try:
            response = httpx.get(f"{self.url}/connector-plugins", timeout=5)
        except httpx.HTTPError:
            return False
        return response.status_code == 200 and any(p.get("class") == POSTGRES_CONNECTOR for p in response.json())


class ConnectClient:
    """The few calls of Kafka Connect's REST API the stack and its tests need."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, method: str, path: str, body: object = None) -> httpx.Response:
        try:
            return httpx.request(method, f"{self.url}{path}", json=body, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise StackError(f"Kafka Connect at {self.url} is unreachable: {exc}") from exc

    def _until(self, method: str, path: str, body: object, deadline: float, ok: frozenset[int]) -> httpx.Response:
        """Repeat a call while the worker answers with a transient status (rebalance, start-up)."""
        while True:
            response = self._call(method, path, body)
            if response.status_code in ok or response.status_code not in _RETRYABLE:
                return response
            if time.monotonic() >= deadline:
                return response
            time.sleep(POLL_INTERVAL)

    def connectors(self) -> list[str]:
        """The names of the registered connectors."""
        response = self._call("GET", "/connectors")
        return list(response.json()) if response.status_code == 200 else []

    def config(self, name: str) -> dict[str, str] | None:
        """A connector's stored configuration, or None when it is not registered."""
        response = self._call("GET", f"/connectors/{name}/config")
        return dict(response.json()) if response.status_code == 200 else None

    def status(self, name: str) -> dict[str, Any] | None:
        """A connector's status document, or None when it is not registered."""
        response = self._call("GET", f"/connectors/{name}/status")
        return dict(response.json()) if response.status_code == 200 else None

    def put_config(self, name: str, config: Mapping[str, str], timeout: float = 60.0) -> None:
        """Create or update a connector (``PUT /connectors/<name>/config``)."""
        response = self._until("PUT", f"/connectors/{name}/config", dict(config),
                               time.monotonic() + timeout, frozenset({200, 201}))  # fmt: skip
        if response.status_code not in (200, 201):
            raise StackError(f"Kafka Connect refused connector {name}: {response.status_code} {response.text}")

    def wait_running(self, name: str, timeout: float = 120.0) -> None:
        """Wait until the connector and all its tasks are RUNNING.

        Raises:
            StackError: the connector or a task FAILED (with its trace), or the timeout passed.
        """
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(name) or {}
            states = [status.get("connector", {}).get("state")] + [t.get("state") for t in status.get("tasks", [])]
            if "FAILED" in states:
                traces = [status.get("connector", {}).get("trace")] + [t.get("trace") for t in status["tasks"]]
                trace = next((t for t in traces if t), "")
                raise StackError(f"connector {name} FAILED:\n{trace[:4000]}")
            if len(states) > 1 and all(state == "RUNNING" for state in states):
                return
            if time.monotonic() >= deadline:
                raise StackError(f"connector {name} not RUNNING after {timeout:.0f}s: {status}")
            time.sleep(POLL_INTERVAL)

    def remove(self, name: str, timeout: float = 60.0) -> None:
        """Stop a connector, delete its source offsets, then the connector itself.

        Deleting the offsets means a connector registered again under the same name starts
        afresh (with a new snapshot) instead of resuming.
        """
        deadline = time.monotonic() + timeout
        if self.status(name) is None:
            return
        self._until("PUT", f"/connectors/{name}/stop", None, deadline, frozenset({202, 204}))
        while (self.status(name) or {}).get("connector", {}).get("state") not in ("STOPPED", None):
            if time.monotonic() >= deadline:
                raise StackError(f"connector {name} did not stop")
            time.sleep(POLL_INTERVAL)
        response = self._until("DELETE", f"/connectors/{name}/offsets", None, deadline, frozenset({200}))
        if response.status_code != 200:
            raise StackError(f"cannot delete the offsets of connector {name}: {response.text}")
        response = self._until("DELETE", f"/connectors/{name}", None, deadline, frozenset({204}))
        if response.status_code not in (204, 404):
            raise StackError(f"cannot delete connector {name}: {response.text}")


def register_connector(connect_url: str, config: Mapping[str, str], timeout: float = 120.0) -> None:
    """Register ``config`` (or update the connector of that name) and wait until it runs.

    An unchanged configuration is not written again, so a running connector is not restarted.
    """
    client = ConnectClient(connect_url)
    name = config["name"]
    if client.config(name) != dict(config):
        client.put_config(name, config, timeout)
    client.wait_running(name, timeout)
