"""The alert and recording rules load in Prometheus and fire (and stay quiet) as their unit tests say; each alert
names a runbook entry that exists in docs/operations.md and is shown both firing and quiet by its unit test."""
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules"


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: dev/ensure-test-tools.sh installs it")
    return found


def test_the_rules_are_valid_and_their_unit_tests_pass():
    for rules in sorted(RULES.glob("*.yml")):
        if rules.name.endswith("_test.yml"):
            continue
        checked = subprocess.run([promtool(), "check", "rules", str(rules)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        unit = rules.with_name(rules.stem + "_test.yml")
        assert unit.exists(), f"{rules.name} has no unit test"
        tested = subprocess.run([promtool(), "test", "rules", unit.name], cwd=RULES, capture_output=True, text=True)
        assert tested.returncode == 0, tested.stdout + tested.stderr


def test_prometheus_loads_every_rule_file():
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    loaded = {Path(path).name for path in config.get("rule_files", [])}
    assert loaded == {path.name for path in RULES.glob("*.yml") if not path.name.endswith("_test.yml")}


def test_every_alert_has_a_runbook_entry():
    operations = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    anchors = {re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")
               for heading in re.findall(r"^#+ (.+)$", operations, re.M)}
    for rules in RULES.glob("*.yml"):
        if rules.name.endswith("_test.yml"):
            continue
        for group in yaml.safe_load(rules.read_text())["groups"]:
            for rule in group["rules"]:
                if "alert" not in rule:
                    continue  # a recording rule
                runbook = rule["annotations"]["runbook"]
                assert runbook.startswith("docs/operations.md#"), rule["alert"]
                assert runbook.split("#", 1)[1] in anchors, f"{rule['alert']}: no section {runbook} in operations.md"


def test_a_broken_rule_unit_test_fails():
    """The unit test would catch an alert that no longer fires: the same test against a rule that never does."""
    broken = (RULES / "security.yml").read_text().replace("> 0\n", "> 1000\n", 1)
    tmp = RULES.parent / "rules-broken-check"
    tmp.mkdir(exist_ok=True)
    try:
        (tmp / "security.yml").write_text(broken)
        shutil.copy(RULES / "security_test.yml", tmp / "security_test.yml")
        tested = subprocess.run([promtool(), "test", "rules", "security_test.yml"], cwd=tmp, capture_output=True)
        assert tested.returncode != 0
    finally:
        shutil.rmtree(tmp)


def _alerts(rules: Path) -> set:
    return {rule["alert"] for group in yaml.safe_load(rules.read_text())["groups"] for rule in group["rules"]
            if "alert" in rule}


def untested_alerts(rules: Path, unit: dict) -> list:
    """The alerts of a rule file its unit test never shows firing, or never shows quiet."""
    cases = [case for test in unit.get("tests") or [] for case in test.get("alert_rule_test") or []]
    problems = []
    for alert in sorted(_alerts(rules)):
        mine = [case for case in cases if case["alertname"] == alert]
        if not any(case.get("exp_alerts") for case in mine):
            problems.append(f"{alert}: no case where it fires")
        if not any(not case.get("exp_alerts") for case in mine):
            problems.append(f"{alert}: no case where it stays quiet")
    return problems


def test_every_alert_is_shown_firing_and_quiet():
    for rules in sorted(RULES.glob("*.yml")):
        if rules.name.endswith("_test.yml"):
            continue
        unit = yaml.safe_load(rules.with_name(rules.stem + "_test.yml").read_text())
        assert untested_alerts(rules, unit) == [], rules.name


def test_an_alert_without_a_quiet_case_is_reported():
    unit = yaml.safe_load((RULES / "hub_test.yml").read_text())
    for test in unit["tests"]:
        test["alert_rule_test"] = [case for case in test.get("alert_rule_test") or []
                                   if case["alertname"] != "HubMailFailing" or case["exp_alerts"]]
    assert untested_alerts(RULES / "hub.yml", unit) == ["HubMailFailing: no case where it stays quiet"]


def _slo_generator():
    spec = importlib.util.spec_from_file_location("hub_prometheus_slo", ROOT / "deploy" / "prometheus" / "slo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_slo_rules_are_what_their_table_writes(tmp_path, monkeypatch):
    slo = _slo_generator()
    assert slo.main(["--check"]) == 0, "run python deploy/prometheus/slo.py"
    monkeypatch.setattr(slo, "RULES", tmp_path / "slo.yml")
    (tmp_path / "slo.yml").write_text(slo.text().replace("vector(0.995)", "vector(0.9)", 1))
    assert slo.main(["--check"]) == 1


def test_every_slo_route_is_a_gateway_route():
    """The SLO selectors name Flask rules by their text: a route renamed in the gateway would leave an objective
    measuring nothing."""
    from gateway.app import create_app
    from gateway.config import Settings
    routes = {(method, rule.rule) for rule in create_app(Settings(secret_key="test", environment="test")).url_map
              .iter_rules() for method in rule.methods}
    for name, (selector, *_rest) in _slo_generator().SLOS.items():
        if name == "pages":
            continue
        methods = re.search(r'method=~?"([^"]+)"', selector).group(1).split("|")
        named = re.search(r'route=~"([^"]+)"', selector).group(1).split("|")
        for route in named:
            assert any((method, route) in routes for method in methods), f"{name}: no {methods} {route} in the gateway"
