"""The exceptions the emulated Odoo raises, each named as Odoo names it on the wire.

Odoo answers a failed call with an error envelope whose ``data.name`` is the dotted class name
of the exception (``odoo.exceptions.UserError``, ``builtins.ValueError``,
``psycopg2.errors.SerializationFailure``...) and ``data.message`` its text. Every error raised by
the emulator is an :class:`OdooError` carrying that name, so the transport can build the same
envelope whatever raised it.
"""

from __future__ import annotations


class OdooError(Exception):
    """An error answered to the client as Odoo would answer it.

    Attributes:
        odoo_name: the dotted exception name put in ``error.data.name``.
        message: the text put in ``error.data.message`` and ``error.data.arguments``.
        code: ``error.code`` of the envelope (0 for a server error).
        title: ``error.message`` of the envelope.
    """

    odoo_name = "odoo.exceptions.UserError"
    code = 0
    title = "Odoo Server Error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def arguments(self) -> list[str]:
        """``error.data.arguments``: the exception's arguments, here its message."""
        return [self.message]


class UserError(OdooError):
    """``odoo.exceptions.UserError``: a business rule refused the call."""

    odoo_name = "odoo.exceptions.UserError"


class ValidationError(OdooError):
    """``odoo.exceptions.ValidationError``: a constraint on the values failed."""

    odoo_name = "odoo.exceptions.ValidationError"


class AccessError(OdooError):
    """``odoo.exceptions.AccessError``: the operation is not allowed."""

    odoo_name = "odoo.exceptions.AccessError"


class AccessDenied(OdooError):
    """``odoo.exceptions.AccessDenied``: wrong credentials on an ``object`` call."""

    odoo_name = "odoo.exceptions.AccessDenied"

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class MissingError(OdooError):
    """``odoo.exceptions.MissingError``: the record does not exist (any more)."""

    odoo_name = "odoo.exceptions.MissingError"


class SessionExpired(OdooError):
    """``odoo.http.SessionExpiredException``: a session-bound route called without a session."""

    odoo_name = "odoo.http.SessionExpiredException"
    code = 100
    title = "Odoo Session Expired"

    def __init__(self) -> None:
        super().__init__("Session expired")


class NotFound(OdooError):
    """``werkzeug.exceptions.NotFound``: Odoo 19's answer to ``call_kw`` naming no known model.

    Odoo looks the model up before it checks the session, so this comes first; the exception
    carries no arguments.
    """

    odoo_name = "werkzeug.exceptions.NotFound"
    code = 404
    title = "404: Not Found"

    def __init__(self) -> None:
        super().__init__(
            "404 Not Found: The requested URL was not found on the server. "
            "If you entered the URL manually please check your spelling and try again."
        )

    @property
    def arguments(self) -> list[str]:
        """Werkzeug's HTTP exceptions have none."""
        return []


class PythonError(OdooError):
    """A plain Python exception escaping Odoo's code, named ``builtins.<Class>``."""

    def __init__(self, class_name: str, message: str) -> None:
        super().__init__(message)
        self.odoo_name = f"builtins.{class_name}"


class SerializationFailure(OdooError):
    """PostgreSQL's ``40001`` after Odoo gave up retrying: the call was rolled back."""

    odoo_name = "psycopg2.errors.SerializationFailure"

    def __init__(self) -> None:
        # psycopg2 keeps the server's message with its trailing newline.
        super().__init__("could not serialize access due to concurrent update\n")


def invalid_value(message: str) -> PythonError:
    """The ``builtins.ValueError`` Odoo's ORM raises for a malformed argument."""
    return PythonError("ValueError", message)
