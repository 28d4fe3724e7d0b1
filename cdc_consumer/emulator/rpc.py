"""JSON-RPC dispatch: the ``common``, ``db`` and ``object`` services as Odoo 19 answers them.

``object`` calls carry the credentials every time (``execute`` / ``execute_kw``); they run as
one transaction, end with the recomputation of stored computed values, and answer wire data.
"""

from __future__ import annotations

from typing import Any

from .errors import AccessDenied, AccessError, OdooError, PythonError
from .fields import to_wire
from .orm import Database, Env, normalize_ids

VERSION_INFO: dict[str, Any] = {
    "server_version": "19.0",
    "server_version_info": [19, 0, 0, "final", 0, ""],
    "server_serie": "19.0",
    "protocol_version": 1,
}


class MissingDatabase(OdooError):
    """PostgreSQL refusing a connection to a database that does not exist."""

    odoo_name = "psycopg2.OperationalError"

    def __init__(self, name: str) -> None:
        super().__init__(
            'connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: '
            f'FATAL:  database "{name}" does not exist\n'
        )


class Dispatcher:
    """Answers the JSON-RPC services of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def call(self, service: str, method: str, args: list[Any]) -> Any:
        """The result of ``service.method(*args)``.

        Raises:
            OdooError: whatever Odoo would answer as an error envelope.
        """
        if service == "common":
            return self._common(method, args)
        if service == "db":
            return self._db(method, args)
        if service == "object":
            return self._object(method, args)
        raise PythonError("KeyError", repr(service))

    # ------------------------------------------------------------------ common and db

    def _authenticated(self, db: Any, login: Any, password: Any) -> int | bool:
        if db != self.db.name:
            raise MissingDatabase(str(db))
        if login == self.db.login and password == self.db.password:
            return self.db.uid
        return False

    def _common(self, method: str, args: list[Any]) -> Any:
        if method in ("version", "about"):
            return dict(VERSION_INFO) if method == "version" else "See http://openerp.com"
        if method == "login":
            db, login, password = [*args, None, None, None][:3]
            return self._authenticated(db, login, password)
        if method == "authenticate":
            db, login, password = [*args, None, None, None][:3]
            return self._authenticated(db, login, password)
        raise PythonError("AttributeError", f"'common' service has no method {method!r}")

    def _db(self, method: str, args: list[Any]) -> Any:
        if method == "list":
            return [self.db.name]
        if method == "db_exist":
            return bool(args) and args[0] == self.db.name
        if method == "server_version":
            return VERSION_INFO["server_version"]
        raise PythonError("KeyError", repr(method))

    # ------------------------------------------------------------------ object

    def _object(self, method: str, args: list[Any]) -> Any:
        if method not in ("execute", "execute_kw"):
            raise PythonError("NameError", f"Method not available {method}")
        if len(args) < 5:
            raise PythonError("TypeError", f"{method}() missing required positional arguments")
        db, uid, password, model_name, name = args[:5]
        if db != self.db.name:
            raise MissingDatabase(str(db))
        if uid != self.db.uid or password != self.db.password:
            raise AccessDenied()
        if method == "execute":
            call_args, kwargs = list(args[5:]), {}
        else:
            call_args = list(args[5]) if len(args) > 5 and args[5] else []
            kwargs = dict(args[6]) if len(args) > 6 and args[6] else {}
        return self.execute(model_name, name, call_args, kwargs, uid)

    def execute(
        self, model_name: str, name: str, args: list[Any], kwargs: dict[str, Any], uid: int | None = None
    ) -> Any:
        """Run one model method as one transaction; the result as wire data.

        Raises:
            OdooError: the error Odoo answers (the transaction is rolled back).
        """
        if not isinstance(name, str) or name.startswith("_"):
            raise AccessError(f"Private methods (such as '{model_name}.{name}') cannot be called remotely.")
        model = self.db[model_name]
        function = getattr(model, name, None)
        kind = getattr(function, "rpc_kind", None)
        if function is None or kind is None:
            raise PythonError("AttributeError", f"The method '{model_name}.{name}' does not exist")
        kwargs = dict(kwargs)
        context = kwargs.pop("context", None) or {}
        env = Env(self.db, self.db.uid if uid is None else uid, context)
        with self.db.atomic():
            try:
                if kind == "records":
                    if not args:
                        raise PythonError(
                            "TypeError", f"{model_name}.{name}() missing 1 required positional argument: 'ids'"
                        )
                    result = function(env, normalize_ids(args[0]), *args[1:], **kwargs)
                else:
                    result = function(env, *args, **kwargs)
                self.db.flush(env)
            except OdooError:
                raise
            except Exception as exc:
                raise PythonError(type(exc).__name__, str(exc)) from exc
        return to_wire(result)
