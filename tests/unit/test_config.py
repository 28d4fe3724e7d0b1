"""Settings: sources and precedence, validation messages, secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdc_consumer.config import Secret, load_settings, mask_url
from cdc_consumer.errors import ConfigError


def test_defaults_are_the_local_stack() -> None:
    s = load_settings(environ={})
    assert s.kafka_bootstrap_servers == "127.0.0.1:29092"
    assert s.posting_mode == "draft"
    assert s.family_accounts["hosting"][0] == "NCR.HOSTING"


def test_environment_beats_file_and_overrides_beat_environment(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('posting_mode = "auto"\nbatch_max_messages = 10\nodoo_db = "file"\n')
    s = load_settings(path, environ={"CDC_BATCH_MAX_MESSAGES": "20", "CDC_ODOO_DB": "env"}, odoo_db="arg")
    assert (s.posting_mode, s.batch_max_messages, s.odoo_db) == ("auto", 20, "arg")


def test_family_tables_come_from_the_file(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[family_keywords]\nhosting = ["hosting"]\n'
        '[family_accounts]\nhosting = ["H.1", "Hosting"]\nother = ["O.1", "Other"]\n'
    )
    s = load_settings(path, environ={})
    assert s.family_keywords == {"hosting": ("hosting",)}
    assert s.family_accounts["other"] == ("O.1", "Other")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CDC_POSTING_MODE": "sometimes"}, "posting_mode"),
        ({"CDC_BATCH_MAX_MESSAGES": "many"}, "batch_max_messages"),
        ({"CDC_BATCH_MAX_MESSAGES": "0"}, "batch_max_messages"),
        ({"CDC_SKIP_DRAFT_INVOICES": "perhaps"}, "skip_draft_invoices"),
        ({"CDC_COMPANY_TIMEZONE": "Mars/Olympus"}, "company_timezone"),
        ({"CDC_ODOO_URL": "ftp://odoo"}, "odoo_url"),
        ({"CDC_STATE_DSN": "mysql://x"}, "state_dsn"),
        ({"CDC_VALUE_FORMAT": "avro"}, "schema_registry_url"),
        ({"CDC_KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "SASL"),
        ({"CDC_KAFKA_SECURITY_PROTOCOL": "carrier-pigeon"}, "kafka_security_protocol"),
    ],
)
def test_invalid_values_are_refused_naming_the_setting(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(environ=env)


def test_odoo_19_account_codes_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[family_accounts]\nother = ["NCR-OTHER", "Other"]\nhosting = ["H", "H"]\n'
        'managed = ["M", "M"]\naddons = ["A", "A"]\n'
    )
    with pytest.raises(ConfigError, match="letters, digits and dots"):
        load_settings(path, environ={})


def test_unknown_keys_and_unreadable_files_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('odoo_pasword = "typo"\n')
    with pytest.raises(ConfigError, match="odoo_pasword"):
        load_settings(path, environ={})
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path / "missing.toml", environ={})
    path.write_text("not = [valid")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, environ={})


def test_secrets_never_show() -> None:
    s = load_settings(
        environ={
            "CDC_ODOO_PASSWORD": "hunter2",
            "CDC_SOURCE_DSN": "postgresql://u:pw-source@h/db",
            "CDC_STATE_DSN": "postgresql://u:pw-state@h/db",
            "CDC_KAFKA_SASL_PASSWORD": "pw-kafka",
        }
    )
    shown = repr(s) + str(s) + str(s.masked())
    for secret in ("hunter2", "pw-source", "pw-state", "pw-kafka"):
        assert secret not in shown
    assert s.odoo_password.reveal() == "hunter2"
    assert str(Secret("x")) == "Secret('***')"


def test_mask_url() -> None:
    assert mask_url("postgresql://user:pw@host:5432/db") == "postgresql://user:***@host:5432/db"
    assert mask_url("http://host:8069") == "http://host:8069"
