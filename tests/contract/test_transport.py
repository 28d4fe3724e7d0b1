"""Transport: what odoorpc sends and how Odoo 19 answers it, errors included."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import odoorpc
import pytest

from tests.contract.support import rpc_error
from tests.support.odoo_fixtures import OdooTarget


def post_json(target: OdooTarget, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST a JSON-RPC request; the HTTP status and the decoded answer."""
    body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params, "id": 7}).encode()
    request = urllib.request.Request(f"{target.url}{path}", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def test_version_info_is_odoo_19(odoo_target: OdooTarget) -> None:
    status, answer = post_json(odoo_target, "/web/webclient/version_info", {})
    assert status == 200
    result = answer["result"]
    assert result["server_version_info"][:2] == [19, 0]
    assert result["server_serie"] == "19.0"
    assert result["protocol_version"] == 1


def test_login_returns_the_uid_and_context_get_the_user_context(odoo_target: OdooTarget) -> None:
    odoo = odoo_target.client()
    assert isinstance(odoo.env.uid, int)
    assert odoo.env.uid > 0
    context = odoo.execute("res.users", "context_get")
    assert {"lang", "tz"} <= set(context)


def test_wrong_password_login_answers_false(odoo_target: OdooTarget) -> None:
    _status, answer = post_json(
        odoo_target,
        "/jsonrpc",
        {"service": "common", "method": "login", "args": [odoo_target.database, odoo_target.login, "not-the-password"]},
    )
    assert answer["result"] is False
    client = odoo_target.client(login=False)
    with pytest.raises(odoorpc.error.RPCError, match="Wrong login ID or password"):
        client.login(odoo_target.database, odoo_target.login, "not-the-password")


def test_wrong_password_in_execute_kw_is_access_denied(odoo_target: OdooTarget, odoo: odoorpc.ODOO) -> None:
    _status, answer = post_json(
        odoo_target,
        "/jsonrpc",
        {
            "service": "object",
            "method": "execute_kw",
            "args": [
                odoo_target.database,
                odoo.env.uid,
                "not-the-password",
                "res.partner",
                "search",
                [[]],
                {"limit": 1},
            ],
        },
    )
    assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"


def test_database_list_names_the_database_unless_listing_is_off(odoo_target: OdooTarget) -> None:
    """Odoo lists its databases by default; ``list_db = False`` (a hardened server, such as
    the real one the suite was checked on) refuses with ``AccessDenied``."""
    _status, answer = post_json(odoo_target, "/jsonrpc", {"service": "db", "method": "list", "args": []})
    if "error" in answer:
        assert answer["error"]["data"]["name"] == "odoo.exceptions.AccessDenied"
        assert answer["error"]["data"]["message"] == "Access Denied"
    else:
        assert odoo_target.database in answer["result"]
    _status, answer = post_json(odoo_target, "/jsonrpc", {"service": "db", "method": "server_version", "args": []})
    assert answer["result"] == "19.0"


def test_errors_use_odoo_s_envelope(odoo_target: OdooTarget, odoo: odoorpc.ODOO) -> None:
    status, answer = post_json(
        odoo_target,
        "/jsonrpc",
        {
            "service": "object",
            "method": "execute_kw",
            "args": [odoo_target.database, odoo.env.uid, odoo_target.password, "account.move", "_post", [[]], {}],
        },
    )
    assert status == 200
    error = answer["error"]
    assert error["code"] == 0
    assert error["message"] == "Odoo Server Error"
    assert {"name", "message", "arguments", "debug"} <= set(error["data"])
    assert error["data"]["arguments"] == [error["data"]["message"]]


def test_private_methods_are_refused(odoo: odoorpc.ODOO) -> None:
    error = rpc_error(lambda: odoo.execute_kw("account.move", "_post", [[]]))
    assert error["data"]["name"] == "odoo.exceptions.AccessError"
    assert error["data"]["message"] == "Private methods (such as 'account.move._post') cannot be called remotely."


def test_call_kw_without_a_session_has_expired(odoo_target: OdooTarget) -> None:
    status, answer = post_json(
        odoo_target,
        "/web/dataset/call_kw",
        {"model": "res.partner", "method": "search", "args": [[]], "kwargs": {}},
    )
    assert status == 200
    assert answer["id"] is None
    error = answer["error"]
    assert (error["code"], error["message"]) == (100, "Odoo Session Expired")
    assert error["data"]["name"] == "odoo.http.SessionExpiredException"
    assert (error["data"]["message"], error["data"]["arguments"]) == ("Session expired", ["Session expired"])


def test_call_kw_of_an_unknown_model_is_not_found_before_the_session_check(odoo_target: OdooTarget) -> None:
    status, answer = post_json(
        odoo_target, "/web/dataset/call_kw", {"model": "x.nope", "method": "search", "args": [[]], "kwargs": {}}
    )
    assert status == 200
    assert answer["id"] is None
    error = answer["error"]
    assert (error["code"], error["message"]) == (404, "404: Not Found")
    assert error["data"]["name"] == "werkzeug.exceptions.NotFound"
    assert error["data"]["arguments"] == []


def test_a_method_returning_none_answers_without_a_result(
    odoo_target: OdooTarget, odoo: odoorpc.ODOO, make_invoice: Any
) -> None:
    move = make_invoice()
    args = [odoo_target.database, odoo.env.uid, odoo_target.password, "account.move", "button_cancel", [[move]], {}]
    status, answer = post_json(odoo_target, "/jsonrpc", {"service": "object", "method": "execute_kw", "args": args})
    assert status == 200
    assert answer == {"jsonrpc": "2.0", "id": 7}
    assert odoo.execute_kw("account.move", "button_draft", [[move]]) is None
    assert odoo.execute_kw("account.move", "read", [[move], ["state"]]) == [{"id": move, "state": "draft"}]


def test_browse_works_on_partners_but_not_on_invoices(odoo: odoorpc.ODOO, make_invoice: Any) -> None:
    partner = odoo.env["res.partner"].browse(odoo.env.user.partner_id.id)
    assert partner.name
    move = make_invoice()
    error = rpc_error(lambda: odoo.env["account.move"].browse(move))
    assert error["data"]["name"] == "builtins.TypeError"
    assert error["data"]["message"] == "keys must be str, int, float, bool or None, not frozendict"
