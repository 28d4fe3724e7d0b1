"""The HTTP side of the emulator: Odoo's routes over a standard-library threading server, the
test hooks under ``/__emulator__/`` and :class:`OdooEmulator`, the Python API tests use.

Routes:

- ``POST /web/webclient/version_info``, ``POST /jsonrpc``: what odoorpc drives.
- ``POST /web/dataset/call_kw[/...]``: needs a session, so answers "Odoo Session Expired" (or
  404 when ``params.model`` names no model, which Odoo 19 checks first).
- ``GET /web/health``: ``{"status": "pass"}`` once serving.
- ``GET /__emulator__/calls`` (``?model=&method=``), ``POST /__emulator__/calls/clear``.
- ``GET|POST|DELETE /__emulator__/faults`` (``DELETE /__emulator__/faults/<id>`` for one).
- ``POST /__emulator__/reset``: a fresh seeded database, no calls, no faults.
- ``POST /__emulator__/unique`` ``{"model", "field"[, "name"]}``: an operator's unique index.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import persistence
from .calllog import CallLog, now
from .errors import NotFound, OdooError, PythonError, SerializationFailure, SessionExpired
from .faults import Fault, FaultInjector
from .orm import Database, Env
from .rpc import VERSION_INFO, Dispatcher
from .seed import build

log = logging.getLogger("cdc_consumer.emulator")

SAVE_INTERVAL_SECONDS = 1.0


def error_envelope(request_id: Any, error: OdooError) -> dict[str, Any]:
    """Odoo's JSON-RPC error answer for ``error`` (sent with HTTP 200)."""
    debug = "".join(traceback.format_exception(error)) if error.__traceback__ else f"{error.odoo_name}: {error.message}"
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "error": {
            "code": error.code,
            "message": error.title,
            "data": {
                "name": error.odoo_name,
                "message": error.message,
                "arguments": error.arguments,
                "context": {},
                "debug": debug,
            },
        },
    }


def result_envelope(request_id: Any, result: Any) -> dict[str, Any]:
    """Odoo's JSON-RPC answer to a successful call: a method returning ``None`` has no ``result``."""
    answer: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id}
    if result is not None:
        answer["result"] = result
    return answer


def _mask(service: str, method: str, args: list[Any]) -> list[Any]:
    """The arguments of a call as the log keeps them: never the password."""
    if service == "object":
        if method == "execute":
            return list(args[5:])
        return list(args[5]) if len(args) > 5 and isinstance(args[5], list) else []
    if service == "common" and method in ("login", "authenticate") and len(args) >= 3:
        return [args[0], args[1], "***", *args[3:]]
    return list(args)


def _describe(params: dict[str, Any]) -> tuple[str, str, str, list[Any], dict[str, Any]]:
    service = str(params.get("service") or "")
    method = str(params.get("method") or "")
    args = params.get("args") or []
    if not isinstance(args, list):
        args = [args]
    model, kwargs = "", {}
    if service == "object" and len(args) >= 5:
        model, method = str(args[3]), str(args[4])
        if params.get("method") == "execute_kw" and len(args) > 6 and isinstance(args[6], dict):
            kwargs = dict(args[6])
    return service, model, method, args, kwargs


class _Handler(BaseHTTPRequestHandler):
    server_version = "Werkzeug/3.0.1"
    protocol_version = "HTTP/1.1"
    emulator: OdooEmulator

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("http %s", format % args)

    # ------------------------------------------------------------------ plumbing

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}", parse_float=Decimal)

    def _send(self, status: int, payload: Any, content_type: str = "application/json") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload, default=_json_default).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True

    def _http_error(self, status: int) -> None:
        self._send(status, f"<html><body><h1>{status}</h1></body></html>".encode(), "text/html; charset=utf-8")

    # ------------------------------------------------------------------ verbs

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/web/health":
            self._send(200, {"status": "pass"})
        elif url.path == "/__emulator__/calls":
            query = parse_qs(url.query)
            calls = self.emulator.calls.records(
                model=(query.get("model") or [None])[0], method=(query.get("method") or [None])[0]
            )
            self._send(200, self.emulator.calls.to_json(calls))
        elif url.path == "/__emulator__/faults":
            self._send(200, [f.to_json() for f in self.emulator.faults.active()])
        else:
            self._http_error(404)

    def do_DELETE(self) -> None:
        path = urlsplit(self.path).path
        if path == "/__emulator__/faults":
            self.emulator.faults.clear()
            self._send(200, {"cleared": True})
        elif path.startswith("/__emulator__/faults/"):
            removed = self.emulator.faults.remove(int(path.rsplit("/", 1)[1]))
            self._send(200 if removed else 404, {"removed": removed})
        else:
            self._http_error(404)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        try:
            body = self._body()
        except (ValueError, UnicodeDecodeError):
            self._http_error(400)
            return
        if path.startswith("/__emulator__/"):
            self._hook(path, body)
        elif path in ("/jsonrpc", "/web/webclient/version_info") or path.startswith("/web/dataset/call_kw"):
            self._rpc(path, body if isinstance(body, dict) else {})
        else:
            self._http_error(404)

    # ------------------------------------------------------------------ test hooks

    def _hook(self, path: str, body: Any) -> None:
        emulator = self.emulator
        if path == "/__emulator__/reset":
            emulator.reset()
            self._send(200, {"reset": True})
        elif path == "/__emulator__/unique":
            try:
                name = emulator.add_unique_index(
                    str(body.get("model")), str(body.get("field")), str(body.get("name") or "")
                )
            except (KeyError, OdooError) as exc:
                self._send(400, {"error": str(exc)})
                return
            self._send(200, {"constraint": name})
        elif path == "/__emulator__/calls/clear":
            emulator.calls.clear()
            self._send(200, {"cleared": True})
        elif path == "/__emulator__/faults":
            options = dict(body or {})
            kind = options.pop("kind", "")
            if kind == "down":
                self._send(200, {"kind": "down", "seconds": options.get("seconds")})
                threading.Thread(target=emulator.go_down, args=(options.get("seconds"),), daemon=True).start()
                return
            try:
                fault = emulator.faults.add(kind, **options)
            except (TypeError, ValueError) as exc:
                self._send(400, {"error": str(exc)})
                return
            self._send(200, fault.to_json())
        else:
            self._http_error(404)

    # ------------------------------------------------------------------ Odoo routes

    def _rpc(self, path: str, body: dict[str, Any]) -> None:
        started, clock = now(), time.perf_counter()
        request_id = body.get("id")
        params = body.get("params") or {}
        if path == "/jsonrpc":
            service, model, method, args, kwargs = _describe(params)
        else:
            service, model, method, args, kwargs = (
                path,
                str(params.get("model") or ""),
                str(params.get("method") or "version_info"),
                [],
                {},
            )
        faults = self.emulator.faults.take(service, model, method)
        terminal: Fault | None = None
        for fault in faults:
            if fault.kind == "latency":
                time.sleep(fault.seconds)
            else:
                terminal = fault

        def record(outcome: str, error: str = "") -> None:
            self.emulator.calls.append(
                service=service,
                model=model,
                method=method,
                args=_mask(service, params.get("method", ""), args),
                kwargs=kwargs,
                outcome=outcome,
                error=error,
                started=started,
                duration_ms=(time.perf_counter() - clock) * 1000,
            )

        if terminal is not None and (terminal.kind == "serialization" or terminal.when == "before"):
            record(f"fault:{terminal.kind}")
            self._fault(terminal, request_id)
            return
        answer, error_name = self._answer(path, service, params, request_id)
        if terminal is not None:
            record(f"fault:{terminal.kind}", error_name)
            self._fault(terminal, request_id)
            return
        record("error" if error_name else "ok", error_name)
        self._send(200, answer)

    def _answer(self, path: str, service: str, params: dict[str, Any], request_id: Any) -> tuple[dict[str, Any], str]:
        try:
            if path == "/web/webclient/version_info":
                result: Any = dict(VERSION_INFO)
            elif path.startswith("/web/dataset/call_kw"):
                return self._without_session(params)
            else:
                result = self.emulator.dispatcher.call(
                    service, str(params.get("method") or ""), params.get("args") or []
                )
        except OdooError as exc:
            return error_envelope(request_id, exc), exc.odoo_name
        except Exception as exc:  # a bug of the emulator still answers like Odoo would
            log.exception("emulator failure")
            wrapped = PythonError(type(exc).__name__, str(exc))
            return error_envelope(request_id, wrapped), wrapped.odoo_name
        return result_envelope(request_id, result), ""

    def _without_session(self, params: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """``call_kw`` needs a session cookie odoorpc never has; Odoo answers with ``"id": null``."""
        model = params.get("model")
        error: OdooError = SessionExpired() if isinstance(model, str) and model in self.emulator.db else NotFound()
        return error_envelope(None, error), error.odoo_name

    def _fault(self, fault: Fault, request_id: Any) -> None:
        if fault.kind == "drop":
            self._drop()
        elif fault.kind == "http_error":
            self._http_error(fault.status)
        else:
            self._send(200, error_envelope(request_id, SerializationFailure()))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class _Server(ThreadingHTTPServer):
    """A threading HTTP server whose backlog takes a burst of concurrent clients."""

    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up before its answer is not an error of the emulator."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class OdooEmulator:
    """An emulated Odoo 19 serving JSON-RPC on ``host:port``.

    Example::

        with OdooEmulator(port=0) as odoo:
            client = odoorpc.ODOO(odoo.host, port=odoo.port)
            client.login(odoo.database, odoo.login, odoo.password)
            assert odoo.calls.count(model="res.users", method="context_get") == 1

    Attributes:
        calls: the :class:`~cdc_consumer.emulator.calllog.CallLog` of every call answered.
        faults: the :class:`~cdc_consumer.emulator.faults.FaultInjector` switching faults on.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 28069,
        database: str = "nexacloud",
        login: str = "admin",
        password: str = "admin",  # noqa: S107 - the documented local default
        state_file: str | Path | None = None,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.port = port
        self.database = database
        self.login = login
        self.password = password
        self.state_file = Path(state_file) if state_file else None
        self.calls = CallLog()
        self.faults = FaultInjector()
        self.faults.set_down_listener(self.go_down)
        self.db = self._fresh()
        if self.state_file and self.state_file.exists():
            persistence.load(self.db, self.state_file)
        self.dispatcher = Dispatcher(self.db)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._state_lock = threading.RLock()
        self._up_timer: threading.Timer | None = None
        self._saver: threading.Thread | None = None
        self._stopping = threading.Event()
        self._saved_changes = self.db.changes

    def _fresh(self) -> Database:
        return build(self.database, self.login, self.password)

    @property
    def url(self) -> str:
        """``http://host:port`` of the running server."""
        return f"http://{self.host}:{self.port}"

    @property
    def serving(self) -> bool:
        """Whether the server is listening."""
        return self._server is not None

    # ------------------------------------------------------------------ life cycle

    def start(self) -> OdooEmulator:
        """Listen and serve in a background thread; returns ``self``."""
        with self._state_lock:
            self._listen()
            if self.state_file and self._saver is None:
                self._saver = threading.Thread(target=self._save_loop, name="odoo-emulator-saver", daemon=True)
                self._saver.start()
        return self

    def _listen(self) -> None:
        handler = type("Handler", (_Handler,), {"emulator": self})
        server = _Server((self.host, self.port or self._requested_port), handler)
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="odoo-emulator", daemon=True
        )
        self._thread.start()

    def _close(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def stop(self) -> None:
        """Stop serving (saving the state file if there is one)."""
        with self._state_lock:
            if self._up_timer is not None:
                self._up_timer.cancel()
                self._up_timer = None
            self._close()
            self._stopping.set()
        if self._saver is not None:
            self._saver.join(timeout=5)
            self._saver = None
        self.save()

    def go_down(self, seconds: float | None = None) -> None:
        """Stop listening (clients get "connection refused"), for ``seconds`` or until :meth:`come_up`."""
        with self._state_lock:
            self._close()
            if seconds:
                self._up_timer = threading.Timer(float(seconds), self.come_up)
                self._up_timer.daemon = True
                self._up_timer.start()

    def come_up(self) -> None:
        """Listen again on the same port after :meth:`go_down`."""
        with self._state_lock:
            self._up_timer = None
            if self._server is None and not self._stopping.is_set():
                self._listen()

    def reset(self) -> None:
        """A fresh seeded database; the call log and the faults are cleared."""
        fresh = self._fresh()
        with self.db.lock:
            self.db = fresh
            self.dispatcher = Dispatcher(fresh)
        self.calls.clear()
        self.faults.clear()

    def __enter__(self) -> OdooEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ persistence

    def save(self) -> None:
        """Write the state file now (no-op without one)."""
        if self.state_file is None:
            return
        changes = self.db.changes
        persistence.save(self.db, self.state_file)
        self._saved_changes = changes

    def _save_loop(self) -> None:
        while not self._stopping.wait(SAVE_INTERVAL_SECONDS):
            if self.db.changes != self._saved_changes:
                try:
                    self.save()
                except OSError:
                    log.exception("cannot save the emulator state to %s", self.state_file)

    # ------------------------------------------------------------------ in-process access

    def env(self, context: dict[str, Any] | None = None) -> Env:
        """An environment on the database as the admin user, to inspect records directly."""
        return Env(self.db, self.db.uid, context)

    def execute(self, model: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """Call a model method in-process, as ``execute_kw`` would (not logged, no faults)."""
        return self.dispatcher.execute(model, method, list(args), kwargs)

    def add_unique_index(self, model: str, field: str, name: str = "") -> str:
        """Make ``field`` unique on ``model`` as an operator's SQL unique index would; its name."""
        with self.db.lock:
            return self.db[model].add_unique_index(field, name)

    @contextmanager
    def locked(self) -> Iterator[Database]:
        """Hold the database lock while inspecting records in-process."""
        with self.db.lock:
            yield self.db
