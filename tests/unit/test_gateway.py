"""The Odoo gateway classifies failures: transient ones pause, permanent ones are recorded."""

from __future__ import annotations

import pytest

from cdc_consumer.config import Secret
from cdc_consumer.emulator import OdooEmulator
from cdc_consumer.errors import OdooRejected, OdooUnavailable, StartupCheckError
from cdc_consumer.odoo.gateway import RpcGateway


def gateway(emulator: OdooEmulator, password: str = "admin") -> RpcGateway:
    return RpcGateway(emulator.url, emulator.database, emulator.login, Secret(password), timeout=5)


def test_calls_go_through(odoo_emulator: OdooEmulator) -> None:
    gw = gateway(odoo_emulator)
    assert gw.call("res.currency", "search_read", [[("name", "=", "CAD")]], {"fields": ["name"]})[0]["name"] == "CAD"


def test_wrong_password_is_a_startup_error_without_the_password(odoo_emulator: OdooEmulator) -> None:
    with pytest.raises(StartupCheckError) as info:
        gateway(odoo_emulator, "not-the-password").connect()
    assert "not-the-password" not in str(info.value)
    assert "refused the login" in str(info.value)


def test_user_errors_are_permanent(odoo_emulator: OdooEmulator) -> None:
    with pytest.raises(OdooRejected) as info:
        gateway(odoo_emulator).call(
            "account.account", "create", [{"code": "NCR-HOSTIN", "name": "x", "account_type": "income"}]
        )
    assert info.value.kind == "odoo.exceptions.ValidationError"
    assert "alphanumeric" in str(info.value)


def test_serialization_failures_and_5xx_are_transient(odoo_emulator: OdooEmulator) -> None:
    gw = gateway(odoo_emulator)
    gw.connect()
    odoo_emulator.faults.serialization_failure(times=1)
    with pytest.raises(OdooUnavailable, match="could not serialize"):
        gw.call("res.partner", "search", [[]])
    odoo_emulator.faults.http_error(502, times=1)
    with pytest.raises(OdooUnavailable):
        gw.call("res.partner", "search", [[]])
    assert isinstance(gw.call("res.partner", "search", [[]]), list)


def test_unreachable_odoo_is_transient(odoo_emulator: OdooEmulator) -> None:
    gw = gateway(odoo_emulator)
    odoo_emulator.go_down()
    with pytest.raises(OdooUnavailable, match="unreachable"):
        gw.connect()
