"""The Odoo emulator in a process of its own, as Odoo is: the consumer under measure keeps its CPU
(and its interpreter lock) to itself, and the call log is read over the emulator's test hooks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def creates_by_invoice(calls: list[dict[str, Any]]) -> dict[str, datetime]:
    """When the first successful ``account.move`` ``create`` carrying each source invoice arrived.

    Args:
        calls: call records as ``GET /__emulator__/calls`` gives them (``at`` in ISO 8601).
    """
    first: dict[str, datetime] = {}
    for call in calls:
        if call["model"] != "account.move" or call["method"] != "create" or call["outcome"] != "ok":
            continue
        values = call["args"][0] if call["args"] else []
        for vals in values if isinstance(values, list) else [values]:
            invoice_id = vals.get("x_fc_nexacloud_invoice_id") if isinstance(vals, dict) else None
            if invoice_id and invoice_id not in first:
                first[invoice_id] = datetime.fromisoformat(call["at"])
    return first


class EmulatorProcess:
    """``python -m cdc_consumer.emulator`` on a free loopback port; its output goes to ``log_path``."""

    def __init__(self, log_path: Path, python: str = sys.executable) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._argv = [python, "-m", "cdc_consumer.emulator", "--port", str(self.port)]
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._http = httpx.Client(base_url=self.url, timeout=60)

    def start(self, timeout: float = 30.0) -> EmulatorProcess:
        """Start it and wait until it answers its health check.

        Raises:
            RuntimeError: it exited or did not answer in time.
        """
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(self._argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                if self._http.get("/web/health").status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the Odoo emulator did not start; see {self._log_path}")

    def calls(self, **query: str) -> list[dict[str, Any]]:
        """The call log (optionally only ``model=`` / ``method=``)."""
        answer = self._http.get("/__emulator__/calls", params=query)
        answer.raise_for_status()
        return list(answer.json())

    def clear_calls(self) -> None:
        """Forget the calls so far."""
        self._http.post("/__emulator__/calls/clear").raise_for_status()

    def stop(self) -> None:
        """Terminate it (then kill it if it lingers)."""
        self._http.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
