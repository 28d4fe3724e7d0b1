"""The Odoo gateway: one ``call(model, method, args, kwargs)`` over JSON-RPC, errors classified.

Odoo 19 still serves ``/jsonrpc`` (deprecated, removal announced for Odoo 20); the replacement is
``/json/2/<model>/<method>`` with an API key. Everything above this module depends only on the
:class:`Gateway` protocol, so a JSON-2 transport can be added beside :class:`RpcGateway`.

Classification (see ``errors.py``): network failures, timeouts, HTTP 5xx and serialization
failures are :class:`OdooUnavailable` (retry later); an Odoo exception such as ``UserError`` or
``ValidationError`` is :class:`OdooRejected` (retrying the same call will not help).
"""

from __future__ import annotations

import http.client
import logging
import socket
import time
import urllib.error
from collections.abc import Callable, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

import odoorpc
import odoorpc.error

from ..config import Secret, mask_url
from ..errors import OdooRejected, OdooUnavailable, StartupCheckError

# odoorpc logs request bodies at DEBUG, and execute_kw carries the password in its arguments.
logging.getLogger("odoorpc").setLevel(logging.WARNING)

TRANSIENT_MARKERS = (
    "could not serialize access",
    "SerializationFailure",
    "TransactionRollbackError",
    "deadlock detected",
)


class Gateway(Protocol):
    """What the rest of the consumer needs from an Odoo connection."""

    def call(self, model: str, method: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None) -> Any:
        """Call ``method`` of ``model`` with positional ``args`` and keyword ``kwargs``."""
        ...


def classify_rpc_error(exc: odoorpc.error.RPCError) -> OdooRejected | OdooUnavailable:
    """Turn an Odoo error envelope into our error tree."""
    info = exc.info if isinstance(exc.info, dict) else {}
    data = info.get("data") if isinstance(info.get("data"), dict) else {}
    kind = str(data.get("name") or "")
    message = str(data.get("message") or exc)
    if any(marker in kind or marker in message for marker in TRANSIENT_MARKERS):
        return OdooUnavailable(f"{kind or 'Odoo'}: {message}")
    return OdooRejected(message, kind=kind)


READS = frozenset({"search", "search_read", "search_count", "read", "fields_get", "context_get"})


def _may_still_apply(exc: BaseException) -> bool:
    """Whether the server may still be carrying out a call that failed this way.

    The client stopped waiting (timeout), a proxy did (504), or the connection was cut after
    the request went out: the server goes on and may commit later.
    """
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code == 504
    return isinstance(exc, TimeoutError | ConnectionResetError)


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code in (408, 429)
    return isinstance(
        exc,
        urllib.error.URLError | ConnectionError | socket.timeout | TimeoutError | http.client.HTTPException,
    )


class RpcGateway:
    """A logged-in odoorpc connection (``/jsonrpc``), with error classification.

    Args:
        url: ``http(s)://host:port`` of the Odoo server.
        db, user, password: the credentials; the password never reaches a log or a message.
        timeout: seconds for one HTTP request.
        observer: called after every call with (model, method, seconds, error kind or None),
            for metrics.
    """

    def __init__(
        self,
        url: str,
        db: str,
        user: str,
        password: Secret,
        timeout: float = 60.0,
        observer: Callable[[str, str, float, str | None], None] | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise StartupCheckError(f"Odoo URL {mask_url(url)!r} is not an http(s) URL")
        self._url = mask_url(url)
        self._host = parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._protocol = "jsonrpc+ssl" if parts.scheme == "https" else "jsonrpc"
        self._db, self._user, self._password = db, user, password
        self._timeout = timeout
        self._observer = observer
        self._odoo: odoorpc.ODOO | None = None

    @property
    def url(self) -> str:
        """The server's URL, password masked."""
        return self._url

    def connect(self) -> None:
        """Log in (again); a fresh login also refreshes odoorpc's cached field lists.

        Raises:
            OdooUnavailable: the server cannot be reached.
            StartupCheckError: the server answered but refused the database or credentials.
        """
        try:
            odoo = odoorpc.ODOO(self._host, protocol=self._protocol, port=self._port, timeout=self._timeout)
            odoo.login(self._db, self._user, self._password.reveal())
        except odoorpc.error.RPCError as exc:
            error = classify_rpc_error(exc)
            if isinstance(error, OdooUnavailable):
                raise error from None
            raise StartupCheckError(
                f"Odoo at {self._url} refused the login of {self._user!r} on database {self._db!r}: {exc}"
            ) from None
        except Exception as exc:
            if _is_transient(exc):
                raise OdooUnavailable(f"Odoo at {self._url} is unreachable: {exc}") from None
            raise
        self._odoo = odoo

    def call(self, model: str, method: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None) -> Any:
        """Call ``method`` of ``model``; connects first when needed."""
        if self._odoo is None:
            self.connect()
        assert self._odoo is not None
        started = time.perf_counter()
        kind: str | None = None
        try:
            return self._odoo.execute_kw(model, method, list(args), kwargs or {})
        except odoorpc.error.RPCError as exc:
            error = classify_rpc_error(exc)
            kind = "unavailable" if isinstance(error, OdooUnavailable) else "rejected"
            raise error from None
        except Exception as exc:
            if _is_transient(exc):
                kind = "unavailable"
                self._odoo = None
                settle = self._timeout if method not in READS and _may_still_apply(exc) else 0.0
                raise OdooUnavailable(f"Odoo call {model}.{method} failed: {exc}", settle) from None
            kind = "unexpected"
            raise
        finally:
            if self._observer is not None:
                self._observer(model, method, time.perf_counter() - started, kind)
