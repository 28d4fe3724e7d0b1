"""``cdc-consumer run`` refuses to start with exit status 2 and one line naming the problem.

Every case runs the real command line in a subprocess and checks that it ends with status 2,
prints nothing on standard output, exactly one line on standard error — ``cdc-consumer run:``
and the problem — and no traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from cdc_consumer.config import Settings
from cdc_consumer.emulator import OdooEmulator
from tests.support.consumer import Consumers, free_port, settings_env


def run(env: Mapping[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """``cdc-consumer run`` configured by ``env`` alone (no other ``CDC_*`` variable)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CDC_")}
    return subprocess.run(
        [sys.executable, "-m", "cdc_consumer", "run"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused start printed; fails unless it is exactly that (status 2)."""
    shown = f"status {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 2, shown
    assert result.stdout == "", shown
    assert "Traceback" not in result.stderr, shown
    lines = result.stderr.splitlines()
    assert len(lines) == 1, shown
    assert lines[0].startswith("cdc-consumer run: "), shown
    return lines[0]


def env_of(settings: Settings, **raw: str) -> dict[str, str]:
    """The ``CDC_*`` variables of ``settings``, with some replaced by raw text."""
    return {**settings_env(settings), **{f"CDC_{k.upper()}": v for k, v in raw.items()}}


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("batch_max_messages", "lots", "'batch_max_messages' (CDC_BATCH_MAX_MESSAGES) must be a whole number"),
        ("posting_mode", "sometimes", "'posting_mode' must be one of auto, draft"),
        ("odoo_url", "ftp://odoo.example.com", "'odoo_url' must start with http:// or https://"),
        ("company_timezone", "Mars/Olympus_Mons", "'company_timezone' is not a known timezone"),
        ("state_dsn", "mysql://db/state", "'state_dsn' must be a sqlite:/// path or a postgresql:// DSN"),
        ("metrics_port", "0", "'metrics_port' must be positive"),
        ("kafka_security_protocol", "SASL_SSL", "SASL needs 'kafka_sasl_mechanism' and 'kafka_sasl_username'"),
    ],
)
def test_an_invalid_setting_is_named(variable: str, value: str, named: str) -> None:
    assert named in refusal(run({f"CDC_{variable.upper()}": value}))


def test_an_unknown_key_in_the_configuration_file_is_named(tmp_path: Path) -> None:
    config = tmp_path / "cdc.toml"
    config.write_text('odoo_url = "http://odoo:8069"\nodoo_pasword = "typo"\n')
    assert "unknown setting(s) in" in (line := refusal(run({"CDC_CONFIG": str(config)})))
    assert "odoo_pasword" in line


def test_a_missing_configuration_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    assert f"cannot read configuration file {missing}" in refusal(run({"CDC_CONFIG": str(missing)}))


Case = tuple[dict[str, Any], list[str]]
"""Settings that make the start fail, and what the refusal must say."""


def unknown_topic(_: Consumers) -> Case:
    topic = f"nexacloud.public.missing_{uuid.uuid4().hex[:8]}"
    return {"topic_items": topic}, [f"topic {topic!r} does not exist"]


def unreachable_kafka(_: Consumers) -> Case:
    address = f"127.0.0.1:{free_port()}"
    return {"kafka_bootstrap_servers": address}, [f"Kafka at {address} is unreachable", "Connection refused"]


def unreachable_odoo(_: Consumers) -> Case:
    url = f"http://127.0.0.1:{free_port()}"
    return {"odoo_url": url}, [f"Odoo at {url} is unreachable"]


def wrong_odoo_credentials(consumers: Consumers) -> Case:
    return {"odoo_password": "not-the-password"}, [
        f"refused the login of 'admin' on database {consumers.odoo.database!r}"
    ]


@pytest.mark.stack
@pytest.mark.e2e
@pytest.mark.parametrize("case", [unknown_topic, unreachable_kafka, unreachable_odoo, wrong_odoo_credentials])
def test_a_refused_start_names_the_problem(consumers: Consumers, case: Callable[[Consumers], Case]) -> None:
    overrides, named = case(consumers)
    line = refusal(run(env_of(consumers.settings(**overrides))))
    assert [fragment for fragment in named if fragment not in line] == [], line
    assert "not-the-password" not in line


@pytest.mark.stack
@pytest.mark.e2e
def test_missing_custom_fields_are_named_with_the_command_that_creates_them(consumers: Consumers) -> None:
    fresh = OdooEmulator(port=0).start()
    try:
        line = refusal(run(env_of(consumers.settings(odoo_url=fresh.url))))
    finally:
        fresh.stop()
    assert "Odoo lacks the custom fields account.move.x_fc_nexacloud_invoice_id" in line
    assert "run `cdc-consumer bootstrap` first" in line


@pytest.mark.stack
@pytest.mark.e2e
def test_an_unreachable_state_store_is_named(consumers: Consumers, pg_state_dsn: str) -> None:
    refused = pg_state_dsn.replace(pg_state_dsn.split("@")[1].split("/", maxsplit=1)[0], f"127.0.0.1:{free_port()}")
    line = refusal(run(env_of(consumers.settings(state_dsn=refused))))
    assert "state store postgresql://" in line
    assert "unavailable" in line
