"""Every Prometheus metric of the consumer, declared once, and the HTTP endpoint serving them.

The endpoint answers ``/metrics`` (Prometheus text format), ``/healthz`` (the process is alive)
and ``/readyz`` (partitions are assigned and Odoo answered recently). No label ever carries an
invoice id or anything secret: labels are bounded (tables, ops, actions, reasons, partitions).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)

LAG_MESSAGES = Gauge(
    "cdc_consumer_lag_messages",
    "Messages not yet committed by the group: high watermark minus committed offset.",
    ["topic", "partition"],
    registry=REGISTRY,
)
LAG_SECONDS = Gauge(
    "cdc_consumer_lag_seconds",
    "Now minus the source commit time of the oldest change not yet applied (0 when caught up).",
    registry=REGISTRY,
)
EVENTS = Counter(
    "cdc_events_total",
    "Change events applied, by source table and operation.",
    ["table", "op"],
    registry=REGISTRY,
)
STALE_EVENTS = Counter(
    "cdc_events_stale_total",
    "Change events ignored because the stored row is as new or newer (replays, re-deliveries).",
    registry=REGISTRY,
)
INVOICES = Counter(
    "cdc_invoices_total", "Invoices handled, by the action taken in Odoo.", ["action"], registry=REGISTRY
)
ODOO_CALL_SECONDS = Histogram(
    "cdc_odoo_call_duration_seconds",
    "Duration of Odoo RPC calls.",
    ["model", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
ODOO_ERRORS = Counter(
    "cdc_odoo_errors_total",
    "Failed Odoo RPC calls, by kind (unavailable, rejected, unexpected).",
    ["kind"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "cdc_dead_letters_total",
    "Messages sent to the dead-letter topic, by source topic.",
    ["topic"],
    registry=REGISTRY,
)
PENDING = Gauge(
    "cdc_invoices_pending",
    "Invoices not (fully) in Odoo, by reason (inconsistent, tax_mismatch, failed, conflict, ...).",
    ["reason"],
    registry=REGISTRY,
)
PENDING_OVERDUE = Gauge(
    "cdc_invoices_pending_overdue",
    "Pending invoices whose reason has lasted beyond the grace period, by reason.",
    ["reason"],
    registry=REGISTRY,
)
LAST_COMMIT = Gauge(
    "cdc_last_commit_timestamp_seconds", "Unix time of the last successful offset commit.", registry=REGISTRY
)
COMMIT_FAILURES = Counter(
    "cdc_commit_failures_total",
    "Offset commits refused or failed; their offsets are carried again by the next commit.",
    registry=REGISTRY,
)
PARTITIONS_ASSIGNED = Gauge(
    "cdc_partitions_assigned", "Partitions currently assigned to this instance.", registry=REGISTRY
)
ODOO_UP = Gauge(
    "cdc_odoo_up",
    "1 when the last Odoo call succeeded or was refused, 0 when Odoo was unreachable.",
    registry=REGISTRY,
)
BACKFILL_REMAINING = Gauge(
    "cdc_backfill_remaining_messages",
    "Messages left until the consumer reaches the end of its partitions.",
    registry=REGISTRY,
)


def observe_odoo_call(model: str, method: str, seconds: float, error_kind: str | None) -> None:
    """Record one Odoo RPC call (the gateway's observer)."""
    ODOO_CALL_SECONDS.labels(model, method).observe(seconds)
    if error_kind is not None:
        ODOO_ERRORS.labels(error_kind).inc()
    ODOO_UP.set(0 if error_kind == "unavailable" else 1)


class MetricsServer:
    """Serves ``/metrics``, ``/healthz`` and ``/readyz`` on one port, in a daemon thread.

    Args:
        host, port: where to listen (port 0 picks a free one: see :attr:`port`).
        ready: tells whether the consumer is ready (partitions assigned, Odoo reachable).
    """

    def __init__(self, host: str, port: int, ready: Callable[[], bool]) -> None:
        ready_check = ready

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
                elif path == "/healthz":
                    self._send(200, b"ok\n")
                elif path == "/readyz":
                    ok = ready_check()
                    self._send(200 if ok else 503, b"ready\n" if ok else b"not ready\n")
                else:
                    self._send(404, b"not found\n")

            def _send(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)

    @property
    def port(self) -> int:
        """The port actually listened on."""
        return int(self._server.server_address[1])

    def start(self) -> MetricsServer:
        """Start serving in the background."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
