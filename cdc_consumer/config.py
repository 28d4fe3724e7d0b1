"""One frozen :class:`Settings` object, read from environment variables and/or a TOML file.

Every setting has an environment variable ``CDC_<NAME>`` (upper case) and a key ``<name>`` in
the file given by ``--config`` or ``CDC_CONFIG``; the environment wins. Values are validated
once, at start-up, with a message naming the setting. Secrets are :class:`Secret` values whose
``repr`` and ``str`` never show them, and DSNs and URLs are shown with their password masked.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

ENV_PREFIX = "CDC_"


class Secret:
    """A secret value: readable through :meth:`reveal`, never through ``str`` or ``repr``."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself, for the one call that needs it."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``***``, for logs and messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "***"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


DEFAULT_FAMILY_KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "hosting": ("odoo erp hosting", "wordpress website hosting"),
    "managed": ("managed",),
    "addons": ("daily backup", "whatsapp", "forms builder", "white label"),
}
DEFAULT_FAMILY_ACCOUNTS: Mapping[str, tuple[str, str]] = {
    "hosting": ("NCR.HOSTING", "NexaCloud Hosting Revenue"),
    "managed": ("NCR.MANAGED", "NexaCloud Managed Services Revenue"),
    "addons": ("NCR.ADDONS", "NexaCloud Add-ons Revenue"),
    "other": ("NCR.OTHER", "NexaCloud Other Revenue"),
}


@dataclass(frozen=True)
class Settings:
    """Everything the consumer and its commands can be configured with."""

    # Kafka
    kafka_bootstrap_servers: str = "127.0.0.1:29092"
    kafka_group_id: str = "nexacloud-odoo-ledger"
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = ""
    kafka_sasl_username: str = ""
    kafka_sasl_password: Secret = field(default_factory=lambda: Secret(""))
    kafka_ssl_ca_location: str = ""
    topic_invoices: str = "nexacloud.public.invoices"
    topic_items: str = "nexacloud.public.invoice_items"
    topic_dlq: str = "nexacloud.odoo-ledger.dlq"
    value_format: str = "json"
    schema_registry_url: str = ""
    schema_registry_password: Secret = field(default_factory=lambda: Secret(""))
    batch_max_messages: int = 1000
    batch_max_seconds: float = 0.5
    # State and source
    state_dsn: str = "sqlite:///.stack/state.sqlite3"
    source_dsn: Secret = field(
        default_factory=lambda: Secret("postgresql://nexacloud:nexacloud@127.0.0.1:25432/nexacloud")
    )
    # Odoo
    odoo_url: str = "http://127.0.0.1:28069"
    odoo_db: str = "nexacloud"
    odoo_user: str = "admin"
    odoo_password: Secret = field(default_factory=lambda: Secret("admin"))
    odoo_timeout_seconds: float = 60.0
    # Accounting
    company_timezone: str = "America/Toronto"
    posting_mode: str = "draft"
    skip_draft_invoices: bool = False
    void_posted: str = "reverse"
    stripe_journal_code: str = "STRP"
    stripe_journal_name: str = "Stripe"
    family_keywords: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: dict(DEFAULT_FAMILY_KEYWORDS))
    family_accounts: Mapping[str, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_FAMILY_ACCOUNTS))
    inconsistency_grace_seconds: float = 300.0
    # Operations
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 29108
    log_level: str = "INFO"
    log_format: str = "json"

    @property
    def timezone(self) -> ZoneInfo:
        """The company's timezone, in which invoice dates are taken."""
        return ZoneInfo(self.company_timezone)

    def masked(self) -> dict[str, object]:
        """The settings as a dict safe to log or print: secrets hidden, URL passwords masked."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, str) and "://" in value:
                value = mask_url(value)
            out[f.name] = value if not isinstance(value, Secret) else repr(value)
        return out

    def __repr__(self) -> str:
        body = ", ".join(f"{k}={v!r}" for k, v in self.masked().items())
        return f"Settings({body})"


_CHOICES: Mapping[str, frozenset[str]] = {
    "value_format": frozenset({"json", "avro"}),
    "posting_mode": frozenset({"draft", "auto"}),
    "void_posted": frozenset({"reverse", "report"}),
    "kafka_security_protocol": frozenset({"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}),
    "log_format": frozenset({"json", "text"}),
    "log_level": frozenset({"DEBUG", "INFO", "WARNING", "ERROR"}),
}


def _convert(name: str, raw: Any, default: Any) -> Any:
    where = f"setting {name!r} ({ENV_PREFIX}{name.upper()})"
    if isinstance(default, Secret):
        return raw if isinstance(raw, Secret) else Secret(str(raw))
    if isinstance(default, bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in {"1", "true", "yes", "on"}:
            return True
        if text in {"0", "false", "no", "off"}:
            return False
        raise ConfigError(f"{where} must be true or false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be a whole number, got {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"{where} must be a number, got {raw!r}") from None
    if isinstance(default, Mapping):
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where} must be a table in the configuration file")
        return {str(k): tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
    if not isinstance(raw, str):
        raise ConfigError(f"{where} must be text, got {raw!r}")
    return raw


def _validate(s: Settings) -> None:
    for name, allowed in _CHOICES.items():
        value = getattr(s, name)
        if value not in allowed:
            raise ConfigError(f"setting {name!r} must be one of {', '.join(sorted(allowed))}, got {value!r}")
    try:
        ZoneInfo(s.company_timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"setting 'company_timezone' is not a known timezone: {s.company_timezone!r}") from None
    for name in ("batch_max_messages", "metrics_port"):
        if getattr(s, name) <= 0:
            raise ConfigError(f"setting {name!r} must be positive, got {getattr(s, name)}")
    if s.batch_max_seconds <= 0 or s.odoo_timeout_seconds <= 0 or s.inconsistency_grace_seconds < 0:
        raise ConfigError("timing settings must be positive numbers")
    for name in ("odoo_url", "kafka_bootstrap_servers", "odoo_db", "kafka_group_id"):
        if not getattr(s, name):
            raise ConfigError(f"setting {name!r} must not be empty")
    if not s.odoo_url.startswith(("http://", "https://")):
        raise ConfigError(f"setting 'odoo_url' must start with http:// or https://, got {mask_url(s.odoo_url)!r}")
    if not s.state_dsn.startswith(("sqlite://", "postgresql://", "postgres://")):
        raise ConfigError("setting 'state_dsn' must be a sqlite:/// path or a postgresql:// DSN")
    if s.value_format == "avro" and not s.schema_registry_url:
        raise ConfigError("setting 'schema_registry_url' is required when value_format is 'avro'")
    if s.kafka_security_protocol.startswith("SASL") and not (s.kafka_sasl_mechanism and s.kafka_sasl_username):
        raise ConfigError("SASL needs 'kafka_sasl_mechanism' and 'kafka_sasl_username'")
    if "other" not in s.family_accounts or set(s.family_keywords) - set(s.family_accounts):
        raise ConfigError(
            "setting 'family_accounts' needs an account for 'other' and for every family of 'family_keywords'"
        )
    for code, _name in s.family_accounts.values():
        if not code or not all(ch.isalnum() or ch == "." for ch in code) or not code.isascii():
            raise ConfigError(f"income account code {code!r} may only hold letters, digits and dots (Odoo 19)")


def load_settings(
    path: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build validated settings from a TOML file, the environment and explicit overrides.

    Later sources win: defaults < file < environment < ``overrides``.

    Raises:
        ConfigError: a file that cannot be read, an unknown key, or an invalid value.
    """
    env = os.environ if environ is None else environ
    path = path or env.get(f"{ENV_PREFIX}CONFIG") or None
    defaults = Settings()
    known = {f.name: getattr(defaults, f.name) for f in fields(Settings)}
    values: dict[str, Any] = {}
    if path:
        try:
            with Path(path).open("rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(f"cannot read configuration file {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"configuration file {path} is not valid TOML: {exc}") from None
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"unknown setting(s) in {path}: {', '.join(unknown)}")
        values.update(data)
    for name, default in known.items():
        env_value = env.get(f"{ENV_PREFIX}{name.upper()}")
        if env_value is not None and not isinstance(default, Mapping):
            values[name] = env_value
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    converted = {name: _convert(name, raw, known[name]) for name, raw in values.items()}
    settings = Settings(**converted)
    _validate(settings)
    return settings
