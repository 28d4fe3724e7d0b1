"""The exception tree of the consumer, and what the runner does with each branch.

CdcError                      base of everything this package raises on purpose
├── ConfigError               bad or missing configuration: refuse to start, say which setting
├── StartupCheckError         the world is not as the consumer needs it (topics not
│                             co-partitioned, Odoo custom fields missing, unknown topic):
│                             refuse to start with the reason
├── InvalidMessage            one Kafka message cannot be decoded or validated: dead-letter it,
│                             the partition moves on
├── OdooError                 base of Odoo failures
│   ├── OdooUnavailable       transient (down, slow, 5xx, dropped connection, serialization
│   │                         failure): pause partitions, back off, retry; commit nothing past it
│   └── OdooRejected          permanent for one invoice (UserError, ValidationError, ...):
│                             record the reason on that invoice, retry later, others move on
├── SourceUnavailable         the NexaCloud database (users lookup) cannot be reached:
│                             transient, handled like OdooUnavailable
├── StateUnavailable          the PostgreSQL state store cannot be reached or keeps
│                             conflicting: transient, handled like OdooUnavailable
└── StackError                a component of the local stack failed to install or start
"""

from __future__ import annotations


class CdcError(Exception):
    """Base class of every error this package raises on purpose."""


def one_line(exc: BaseException) -> str:
    """An exception's text on one line, for messages that embed it (libpq's span several)."""
    return " ".join(str(exc).split())


class ConfigError(CdcError):
    """A configuration value is missing or invalid."""


class StartupCheckError(CdcError):
    """A precondition checked at start-up does not hold."""


class InvalidMessage(CdcError):
    """A Kafka message that can never be decoded or validated (a poison message)."""


class OdooError(CdcError):
    """Base class of failures talking to Odoo."""


class OdooUnavailable(OdooError):
    """A transient Odoo failure: retrying the same call later may succeed.

    Attributes:
        settle_seconds: how long the failed call may still take effect at the server (a write
            that timed out or whose connection was cut): a retry waits at least this long, so
            that its search finds what the lost call created instead of creating it again.
    """

    def __init__(self, message: str, settle_seconds: float = 0.0) -> None:
        super().__init__(message)
        self.settle_seconds = settle_seconds


class OdooRejected(OdooError):
    """Odoo refused a call for a reason that retrying will not change.

    Attributes:
        kind: the Odoo exception class name, e.g. ``odoo.exceptions.UserError``.
    """

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind


class SourceUnavailable(CdcError):
    """The NexaCloud source database cannot be reached: retrying later may succeed."""


class StateUnavailable(CdcError):
    """The state store's database cannot be reached or keeps conflicting: retry later."""


class SchemaRegistryUnavailable(CdcError):
    """The schema registry could not answer (down, timing out, refusing our credentials, wrong URL).

    Transient and not the message's fault: retry the same message later, never dead-letter it.
    """


class KafkaUnavailable(CdcError):
    """Kafka did not answer an operator command's request."""


class StackError(CdcError):
    """A component of the local stack could not be installed, started or reached."""
