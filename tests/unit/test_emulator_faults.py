"""Fault injection, in-process and over HTTP: latency, 5xx, dropped connections, serialization
failures (as Odoo answers them) and a server that is down."""

from __future__ import annotations

import gc
import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import odoorpc
import pytest
from odoorpc.error import RPCError

from cdc_consumer.emulator import OdooEmulator


def client(odoo: OdooEmulator) -> odoorpc.ODOO:
    connection = odoorpc.ODOO(odoo.host, port=odoo.port, timeout=10)
    connection.login(odoo.database, odoo.login, odoo.password)
    return connection


def hook(odoo: OdooEmulator, path: str, payload: Any = None, method: str = "POST") -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        f"{odoo.url}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def refused(odoo: OdooEmulator) -> bool:
    try:
        with socket.create_connection((odoo.host, odoo.port), timeout=1):
            return False
    except OSError:
        return True


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def partners(odoo: OdooEmulator) -> int:
    return len(odoo.db["res.partner"].rows)


def test_latency_delays_only_the_matching_calls(odoo_emulator: OdooEmulator) -> None:
    odoo = client(odoo_emulator)
    odoo_emulator.faults.latency(0.3, models="res.partner", methods="search", times=1)
    started = time.monotonic()
    odoo.execute_kw("res.currency", "search", [[]])
    assert time.monotonic() - started < 0.3
    started = time.monotonic()
    odoo.execute_kw("res.partner", "search", [[]])
    assert time.monotonic() - started >= 0.3
    assert odoo_emulator.faults.active() == []


def test_http_errors_before_and_after_the_call(odoo_emulator: OdooEmulator) -> None:
    odoo = client(odoo_emulator)
    before = partners(odoo_emulator)
    odoo_emulator.faults.http_error(502, methods="create", times=1)
    with pytest.raises(urllib.error.HTTPError) as caught:
        odoo.execute_kw("res.partner", "create", [{"name": "lost"}])
    assert caught.value.code == 502
    caught.value.close()
    assert partners(odoo_emulator) == before
    odoo_emulator.faults.http_error(503, methods="create", times=1, when="after")
    with pytest.raises(urllib.error.HTTPError) as caught:
        odoo.execute_kw("res.partner", "create", [{"name": "applied"}])
    caught.value.close()
    assert partners(odoo_emulator) == before + 1
    odoo.execute_kw("res.partner", "create", [{"name": "fine"}])
    assert partners(odoo_emulator) == before + 2


# urllib leaves the socket of a connection closed without an answer to the garbage collector
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_dropped_connections(odoo_emulator: OdooEmulator) -> None:
    odoo = client(odoo_emulator)
    before = partners(odoo_emulator)
    odoo_emulator.faults.drop(models="res.partner", times=1)
    with pytest.raises((http.client.RemoteDisconnected, urllib.error.URLError, ConnectionError)):
        odoo.execute_kw("res.partner", "create", [{"name": "lost"}])
    assert partners(odoo_emulator) == before
    odoo_emulator.faults.drop(models="res.partner", times=1, when="after")
    with pytest.raises((http.client.RemoteDisconnected, urllib.error.URLError, ConnectionError)):
        odoo.execute_kw("res.partner", "create", [{"name": "answer lost"}])
    assert partners(odoo_emulator) == before + 1
    assert [r.outcome for r in odoo_emulator.calls.records(model="res.partner")] == ["fault:drop", "fault:drop"]
    gc.collect()


def test_serialization_failure_is_odoo_s_envelope(odoo_emulator: OdooEmulator) -> None:
    odoo = client(odoo_emulator)
    before = partners(odoo_emulator)
    odoo_emulator.faults.serialization_failure(methods=["create", "write"], times=2)
    for _ in range(2):
        with pytest.raises(RPCError) as caught:
            odoo.execute_kw("res.partner", "create", [{"name": "retry me"}])
        data = caught.value.info["data"]
        assert data["name"] == "psycopg2.errors.SerializationFailure"
        assert data["message"] == "could not serialize access due to concurrent update\n"
        assert caught.value.info["message"] == "Odoo Server Error"
    assert partners(odoo_emulator) == before
    odoo.execute_kw("res.partner", "create", [{"name": "third time lucky"}])
    assert partners(odoo_emulator) == before + 1


def test_down_refuses_connections_until_up(odoo_emulator: OdooEmulator) -> None:
    odoo = client(odoo_emulator)
    odoo_emulator.faults.down()
    assert refused(odoo_emulator)
    with pytest.raises(urllib.error.URLError):
        odoo.execute_kw("res.partner", "search", [[]])
    odoo_emulator.come_up()
    assert odoo.execute_kw("res.partner", "search", [[("id", "=", 3)]]) == [3]
    odoo_emulator.faults.down(seconds=0.2)
    assert refused(odoo_emulator)
    wait_for(lambda: not refused(odoo_emulator))
    assert odoo.execute_kw("res.partner", "search", [[("id", "=", 3)]]) == [3]


def test_faults_switched_over_http(odoo_emulator: OdooEmulator) -> None:
    odoo = client(odoo_emulator)
    fault = hook(odoo_emulator, "/__emulator__/faults", {"kind": "serialization", "models": ["res.partner"]})
    assert fault["kind"] == "serialization"
    assert [f["id"] for f in hook(odoo_emulator, "/__emulator__/faults", method="GET")] == [fault["id"]]
    with pytest.raises(RPCError):
        odoo.execute_kw("res.partner", "search", [[]])
    hook(odoo_emulator, f"/__emulator__/faults/{fault['id']}", method="DELETE")
    assert odoo.execute_kw("res.partner", "search", [[("id", "=", 3)]]) == [3]
    with pytest.raises(urllib.error.HTTPError) as caught:
        hook(odoo_emulator, "/__emulator__/faults", {"kind": "meteor"})
    assert caught.value.code == 400
    caught.value.close()
    hook(odoo_emulator, "/__emulator__/faults", {"kind": "down", "seconds": 0.3})
    wait_for(lambda: refused(odoo_emulator))
    wait_for(lambda: not refused(odoo_emulator))
    assert hook(odoo_emulator, "/__emulator__/faults", method="DELETE") == {"cleared": True}


def test_fault_options_are_checked(odoo_emulator: OdooEmulator) -> None:
    for kwargs in (
        {"kind": "nope"},
        {"kind": "drop", "when": "later"},
        {"kind": "http_error", "status": 404},
        {"kind": "drop", "times": 0},
    ):
        kind = kwargs.pop("kind")
        with pytest.raises(ValueError, match=r"."):
            odoo_emulator.faults.add(kind, **kwargs)
