"""The alert rules load in Prometheus and fire (and stay quiet) as their unit tests say; each names a runbook entry
that exists in docs/operations.md."""
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
