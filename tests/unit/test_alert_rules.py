"""The alert rules and the Grafana dashboard: promtool's unit tests pass, every alert is tested,
and every metric they name is one the consumer exports.

promtool comes from Debian's ``prometheus`` package (``scripts/setup`` installs it); without it
these tests fail rather than skip, so CI cannot pass with the rules unchecked.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cdc_consumer import metrics

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
RULES = DEPLOY / "prometheus" / "alerts.yml"
RULE_TESTS = DEPLOY / "prometheus" / "alerts_test.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "cdc-consumer.json"
DATASOURCES = DEPLOY / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
METRIC_NAME = re.compile(r"\bcdc_[a-z_]+")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    if tool is None:
        pytest.fail("promtool is missing: run scripts/setup (Debian package 'prometheus')")
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120, check=False)


def exported_series() -> set[str]:
    """The series names the consumer's registry exposes."""
    names = set()
    for family in metrics.REGISTRY.collect():
        names.update(family.name + suffix for suffix in SUFFIXES[family.type])
    return names


def rules() -> list[dict]:
    data = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in data["groups"] for rule in group["rules"]]


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_rules_are_valid():
    result = promtool("check", "rules", str(RULES))
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_rule_unit_tests_pass():
    result = promtool("test", "rules", str(RULE_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_unit_test_that_sees_it_fire():
    tests = yaml.safe_load(RULE_TESTS.read_text(encoding="utf-8"))["tests"]
    firing = {case["alertname"] for test in tests for case in test.get("alert_rule_test", []) if case.get("exp_alerts")}
    alerts = {rule["alert"] for rule in rules() if "alert" in rule}
    assert alerts == firing


def test_the_rules_and_the_dashboard_name_only_exported_metrics():
    named = {name for rule in rules() for name in METRIC_NAME.findall(rule["expr"])}
    named |= {name for expr in dashboard_exprs() for name in METRIC_NAME.findall(expr)}
    assert named
    assert named <= exported_series(), named - exported_series()


def test_the_dashboard_uses_the_provisioned_datasource_and_unique_panel_ids():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    uid = yaml.safe_load(DATASOURCES.read_text(encoding="utf-8"))["datasources"][0]["uid"]
    panels = dashboard["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    assert {p["datasource"]["uid"] for p in panels} == {uid}
    assert "cdc:consumer_lag_messages:sum" in dashboard_exprs()
