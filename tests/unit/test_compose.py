"""docker-compose.yml, read statically (no Docker engine here): the services agree with each other.

Hostnames, ports and credentials are written in several places (the consumer's CDC_* settings,
the Connect worker's environment behind connector.json's ${env:...} placeholders, the
PostgreSQL images' variables, Prometheus' scrape target); these tests keep them consistent.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from cdc_consumer.config import ENV_PREFIX, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_IMAGES = {"postgres", "apache/kafka", "quay.io/debezium/connect", "odoo", "prom/prometheus"}
CONNECT_REST_PORT = 8083
POSTGRES_PORT = 5432
ODOO_PORT = 8069
_VARIABLE = re.compile(r"(?<!\$)\$\{(\w+)(?::?-([^}]*))?\}")


def _interpolate(value: object) -> str:
    """A value as compose reads it with no variables set: defaults filled in, ``$$`` → ``$``."""
    return _VARIABLE.sub(lambda m: m.group(2) or "", str(value)).replace("$$", "$")


@pytest.fixture(scope="module")
def services() -> dict[str, dict[str, Any]]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return compose["services"]


def _env(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.split("=", 1) for item in raw)
    return {key: _interpolate(value) for key, value in raw.items()}


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """Host path (relative to the repository) → container path, for bind mounts."""
    out = {}
    for volume in service.get("volumes", []):
        source, target, *_ = volume.split(":")
        if source.startswith("./"):
            out[source[2:]] = target
    return out


def _published(service: dict[str, Any]) -> dict[int, tuple[str, int]]:
    """Container port → (host address, host port)."""
    out = {}
    for spec in service.get("ports", []):
        address, host, container = spec.split(":")
        out[int(container)] = (address, int(host))
    return out


def _only(services: dict[str, dict[str, Any]], what: str, match: Any) -> str:
    found = [name for name, service in services.items() if match(service)]
    assert len(found) == 1, f"expected one {what} service, found {found}"
    return found[0]


def _source_db(services: dict[str, dict[str, Any]]) -> str:
    return _only(services, "source PostgreSQL", lambda s: "cdc_consumer/sample/schema.sql" in _mounts(s))


def _consumer(services: dict[str, dict[str, Any]]) -> str:
    return _only(services, "consumer", lambda s: s.get("command") == ["run"])


def _connect(services: dict[str, dict[str, Any]]) -> str:
    return _only(services, "Kafka Connect", lambda s: "CONFIG_STORAGE_TOPIC" in _env(s))


def test_images_are_official_and_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if "build" in service:
            assert service["build"] == ".", name
            continue
        repository, _, tag = service["image"].rpartition(":")
        assert repository in OFFICIAL_IMAGES, f"{name}: {service['image']} is not an official image"
        assert tag != "latest", f"{name}: {service['image']} is not pinned"
        assert re.search(r"\d", tag), f"{name}: {service['image']} is not pinned to a version"


def test_the_consumer_image_is_slim_python_311_and_not_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11(\.\d+)?-slim", dockerfile, re.MULTILINE)
    users = re.findall(r"^USER\s+(\S+)", dockerfile, re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}
    assert 'ENTRYPOINT ["cdc-consumer"]' in dockerfile


def test_source_postgres_has_logical_wal_and_is_initialised_with_the_schema(
    services: dict[str, dict[str, Any]],
) -> None:
    source = services[_source_db(services)]
    assert "wal_level=logical" in [_interpolate(arg) for arg in source["command"]]
    mounts = _mounts(source)
    init = {host: target for host, target in mounts.items() if target.startswith("/docker-entrypoint-initdb.d/")}
    assert list(init) == sorted(init, key=init.__getitem__), "schema.sql must run before the Debezium setup"
    assert list(init) == ["cdc_consumer/sample/schema.sql", "debezium/source-setup.sql"]
    for host in mounts:
        assert (ROOT / host).exists(), host


def test_connector_registration_posts_debezium_connector_json(services: dict[str, dict[str, Any]]) -> None:
    name = _only(services, "connector registration", lambda s: "debezium/connector.json" in _mounts(s))
    register = services[name]
    env = _env(register)
    assert env["CONNECTOR_FILE"] == _mounts(register)["debezium/connector.json"]
    url = urlsplit(env["CONNECT_URL"])
    assert (url.hostname, url.port) == (_connect(services), CONNECT_REST_PORT)
    assert register["depends_on"][_connect(services)]["condition"] == "service_healthy"
    script_host = next(host for host, target in _mounts(register).items() if target in register["entrypoint"])
    script = (ROOT / script_host).read_text(encoding="utf-8")
    assert "CONNECTOR_FILE" in script
    assert re.search(r"-X PUT .*--data @\"\$file\"", script, re.DOTALL)


def test_connect_environment_resolves_every_placeholder_of_connector_json(
    services: dict[str, dict[str, Any]],
) -> None:
    connector_text = (ROOT / "debezium/connector.json").read_text(encoding="utf-8")
    placeholders = set(re.findall(r"\$\{env:(\w+)\}", connector_text))
    connect = _env(services[_connect(services)])
    assert placeholders, "connector.json reads the source's address from the worker's environment"
    assert "env" in connect["CONNECT_CONFIG_PROVIDERS"].split(",")
    assert connect["CONNECT_CONFIG_PROVIDERS_ENV_CLASS"].endswith(".EnvVarConfigProvider")
    allow = re.compile(connect["CONNECT_CONFIG_PROVIDERS_ENV_PARAM_ALLOWLIST_PATTERN"])
    for variable in placeholders:
        assert variable in connect, variable
        assert allow.fullmatch(variable), variable

    source_name = _source_db(services)
    source = _env(services[source_name])
    setup = (ROOT / "debezium/source-setup.sql").read_text(encoding="utf-8")
    role = re.search(r"CREATE ROLE (\w+) WITH LOGIN REPLICATION PASSWORD '([^']*)'", setup)
    assert role is not None
    assert connect["SOURCE_DB_HOST"] == source_name
    assert int(connect["SOURCE_DB_PORT"]) == POSTGRES_PORT
    assert connect["SOURCE_DB_NAME"] == source["POSTGRES_DB"]
    assert (connect["SOURCE_DB_USER"], connect["SOURCE_DB_PASSWORD"]) == role.groups()
    assert json.loads(connector_text)["plugin.name"] == "pgoutput"


def _kafka_listeners(services: dict[str, dict[str, Any]]) -> set[str]:
    kafka = _env(services["kafka"])
    return {listener.split("://", 1)[1] for listener in kafka["KAFKA_ADVERTISED_LISTENERS"].split(",")}


def test_consumer_settings_point_at_the_services(services: dict[str, dict[str, Any]]) -> None:
    consumer_name = _consumer(services)
    env = _env(services[consumer_name])
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.__dataclass_fields__}
    assert set(env) <= known, f"unknown settings: {set(env) - known}"
    settings = load_settings(environ=env)

    assert settings.kafka_bootstrap_servers in _kafka_listeners(services)
    assert settings.kafka_bootstrap_servers.split(":")[0] == "kafka"
    assert _env(services[_connect(services)])["BOOTSTRAP_SERVERS"] in _kafka_listeners(services)

    source_name = _source_db(services)
    source = _env(services[source_name])
    dsn = urlsplit(settings.source_dsn.reveal())
    assert (dsn.hostname, dsn.port, dsn.path.lstrip("/")) == (source_name, POSTGRES_PORT, source["POSTGRES_DB"])
    assert (dsn.username, dsn.password) == (source["POSTGRES_USER"], source["POSTGRES_PASSWORD"])

    odoo_url = urlsplit(settings.odoo_url)
    odoo = services[odoo_url.hostname or ""]
    assert odoo_url.port == ODOO_PORT
    assert f"localhost:{ODOO_PORT}/" in " ".join(odoo["healthcheck"]["test"])
    command = [_interpolate(arg) for arg in odoo["command"]]
    assert command[command.index("-d") + 1] == settings.odoo_db
    odoo_init = _only(services, "Odoo init", lambda s: "deploy/odoo" in _mounts(s))
    assert _env(services[odoo_init])["ODOO_DB"] == settings.odoo_db

    assert settings.metrics_host == "0.0.0.0", "Prometheus' container must reach the metrics port"
    assert f"127.0.0.1:{settings.metrics_port}/healthz" in " ".join(services[consumer_name]["healthcheck"]["test"])
    for name, service in services.items():
        if service.get("image") == services[consumer_name]["image"]:
            assert _env(service) == env, f"{name} runs the consumer image with other settings"


def test_prometheus_scrapes_the_consumer_metrics_port(services: dict[str, dict[str, Any]]) -> None:
    consumer_name = _consumer(services)
    port = int(_env(services[consumer_name])["CDC_METRICS_PORT"])
    prometheus = services[_only(services, "Prometheus", lambda s: "deploy/prometheus" in _mounts(s))]
    config_dir = _mounts(prometheus)["deploy/prometheus"]
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text(encoding="utf-8"))

    targets = [t for job in config["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]]
    assert f"{consumer_name}:{port}" in targets
    assert f"{config_dir}/alerts.yml" in config["rule_files"]
    alerts = yaml.safe_load((ROOT / "deploy/prometheus/alerts.yml").read_text(encoding="utf-8"))
    assert isinstance(alerts["groups"], list)


def test_dependencies_wait_for_health_or_completion(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for target, spec in (service.get("depends_on") or {}).items():
            assert target in services, f"{name} depends on unknown {target}"
            if spec["condition"] == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target}'s health, which has no check"
            else:
                assert spec["condition"] == "service_completed_successfully"
                assert services[target].get("restart") == "no", f"{target} must be a one-shot"
    consumer = services[_consumer(services)]["depends_on"]
    assert consumer["kafka"]["condition"] == "service_healthy"
    completed = {t for t, spec in consumer.items() if spec["condition"] == "service_completed_successfully"}
    assert completed == {"register-connector", "bootstrap"}
    bootstrap = [_interpolate(arg) for arg in services["bootstrap"]["command"]]
    assert bootstrap == ["bootstrap"]


def test_host_ports_are_the_local_stack_ports_on_loopback(services: dict[str, dict[str, Any]]) -> None:
    """So that `cdc-consumer` on the host works against the compose stack with default settings."""
    defaults = Settings()
    expected = {
        _source_db(services): (POSTGRES_PORT, urlsplit(defaults.source_dsn.reveal()).port),
        "kafka": (int(defaults.kafka_bootstrap_servers.rsplit(":", 1)[1]),) * 2,
        "odoo": (ODOO_PORT, urlsplit(defaults.odoo_url).port),
        _consumer(services): (int(_env(services[_consumer(services)])["CDC_METRICS_PORT"]), defaults.metrics_port),
    }
    for name, (container, host) in expected.items():
        assert _published(services[name])[container] == ("127.0.0.1", host), name
    assert defaults.kafka_bootstrap_servers in _kafka_listeners(services)
    for name, service in services.items():
        for address, _port in _published(service).values():
            assert address == "127.0.0.1", f"{name} publishes beyond loopback"
