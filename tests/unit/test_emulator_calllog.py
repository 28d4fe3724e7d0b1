"""The call log: counting calls and writes in-process and over HTTP, without passwords."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import odoorpc
import pytest

from cdc_consumer.emulator import OdooEmulator


def get(odoo: OdooEmulator, path: str) -> Any:
    with urllib.request.urlopen(f"{odoo.url}{path}", timeout=10) as response:
        return json.loads(response.read())


def post(odoo: OdooEmulator, path: str) -> Any:
    request = urllib.request.Request(f"{odoo.url}{path}", data=b"{}", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_every_call_is_logged(odoo_emulator: OdooEmulator) -> None:
    odoo = odoorpc.ODOO(odoo_emulator.host, port=odoo_emulator.port)
    odoo.login(odoo_emulator.database, odoo_emulator.login, odoo_emulator.password)
    partner = odoo.execute_kw("res.partner", "create", [{"name": "Logged"}])
    odoo.execute_kw("res.partner", "write", [[partner], {"email": "l@example.com"}])
    odoo.execute_kw("res.partner", "search", [[("email", "=", "l@example.com")]], {"limit": 1})
    calls = odoo_emulator.calls
    assert [(r.service, r.method) for r in calls.records()[:3]] == [
        ("/web/webclient/version_info", "version_info"),
        ("common", "login"),
        ("object", "context_get"),
    ]
    assert calls.count(model="res.partner") == 3
    assert [r.method for r in calls.writes()] == ["create", "write"]
    search = calls.records(model="res.partner", method="search")[0]
    assert search.args == [[["email", "=", "l@example.com"]]]
    assert search.kwargs == {"limit": 1}
    assert search.outcome == "ok"
    assert search.at.tzinfo is not None
    assert search.duration_ms >= 0
    assert calls.records()[1].args == [odoo_emulator.database, odoo_emulator.login, "***"]
    assert "admin" not in json.dumps(calls.to_json(calls.records(model="res.partner"))).replace('"admin"', "")


def test_errors_are_logged_with_their_name(odoo_emulator: OdooEmulator) -> None:
    odoo = odoorpc.ODOO(odoo_emulator.host, port=odoo_emulator.port)
    odoo.login(odoo_emulator.database, odoo_emulator.login, odoo_emulator.password)
    with pytest.raises(odoorpc.error.RPCError):
        odoo.execute_kw("account.move", "_post", [[1]])
    record = odoo_emulator.calls.records(method="_post")[0]
    assert (record.outcome, record.error) == ("error", "odoo.exceptions.AccessError")


def test_log_and_reset_over_http(odoo_emulator: OdooEmulator) -> None:
    odoo = odoorpc.ODOO(odoo_emulator.host, port=odoo_emulator.port)
    odoo.login(odoo_emulator.database, odoo_emulator.login, odoo_emulator.password)
    odoo.execute_kw("res.partner", "create", [{"name": "Gone after reset"}])
    rows = get(odoo_emulator, "/__emulator__/calls?model=res.partner&method=create")
    assert [(r["model"], r["method"], r["outcome"]) for r in rows] == [("res.partner", "create", "ok")]
    assert rows[0]["at"].endswith("+00:00")
    assert post(odoo_emulator, "/__emulator__/reset") == {"reset": True}
    assert get(odoo_emulator, "/__emulator__/calls") == []
    assert odoo.execute_kw("res.partner", "search", [[("name", "=", "Gone after reset")]]) == []
    post(odoo_emulator, "/__emulator__/calls/clear")
    assert len(get(odoo_emulator, "/__emulator__/calls")) == 0


def test_unique_index_over_http(odoo_emulator: OdooEmulator) -> None:
    request = urllib.request.Request(
        f"{odoo_emulator.url}/__emulator__/unique",
        data=json.dumps({"model": "res.partner", "field": "ref"}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read()) == {"constraint": "res_partner_ref_uniq"}
    assert odoo_emulator.db["res.partner"].unique == {"ref": "res_partner_ref_uniq"}


def test_concurrent_clients(odoo_emulator: OdooEmulator) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def create(n: int) -> list[int]:
        odoo = odoorpc.ODOO(odoo_emulator.host, port=odoo_emulator.port)
        odoo.login(odoo_emulator.database, odoo_emulator.login, odoo_emulator.password)
        return [odoo.execute_kw("res.partner", "create", [{"name": f"Thread {n}.{i}"}]) for i in range(10)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = [rid for chunk in pool.map(create, range(8)) for rid in chunk]
    assert len(set(ids)) == 80
    assert odoo_emulator.calls.count(model="res.partner", method="create", outcome="ok") == 80
