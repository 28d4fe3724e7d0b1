"""``python -m cdc_consumer.emulator`` serves until SIGTERM and saves its state file."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import odoorpc


def test_standalone_emulator(tmp_path: Path) -> None:
    state = tmp_path / "odoo.json"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cdc_consumer.emulator",
            "--port",
            "0",
            "--db",
            "demo",
            "--login",
            "ops",
            "--password",
            "pw",
            "--state-file",
            str(state),
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        deadline = time.monotonic() + 20
        url = None
        while url is None:
            assert time.monotonic() < deadline, "the emulator did not say where it listens"
            match = re.search(r"listening on (http://[\d.]+:\d+)", process.stderr.readline())
            url = match.group(1) if match else None
        request = urllib.request.Request(
            f"{url}/web/webclient/version_info", data=b"{}", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.loads(response.read())["result"]["server_serie"] == "19.0"
        host, port = url.removeprefix("http://").split(":")
        odoo = odoorpc.ODOO(host, port=int(port))
        odoo.login("demo", "ops", "pw")
        odoo.execute_kw("res.partner", "create", [{"name": "Kept across restarts"}])
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        if process.stderr is not None:
            process.stderr.close()
    saved = json.loads(state.read_text())
    names = [row["name"] for _rid, row in saved["models"]["res.partner"]["rows"]]
    assert "Kept across restarts" in names
