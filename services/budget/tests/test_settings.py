"""The service's settings: read once at start under the same variables as before, checked, and a bad value
stops the process with a message naming its variable."""
import os
import subprocess
import sys

import pytest
from budget.settings import Settings
from pydantic import ValidationError


def test_defaults(monkeypatch):
    for name in ("BUDGET_ORGANISING_DIRECTION", "BUDGET_SUBMISSIONS_PER_DAY"):
        monkeypatch.delenv(name, raising=False)
    assert Settings() == Settings(organising_direction="DDCT", submissions_per_day=10)


def test_the_environment_under_the_same_names(monkeypatch):
    monkeypatch.setenv("BUDGET_ORGANISING_DIRECTION", "DVD")
    monkeypatch.setenv("BUDGET_SUBMISSIONS_PER_DAY", "3")
    monkeypatch.setenv("BUDGET_SOMETHING_ELSE", "ignored")
    assert Settings() == Settings(organising_direction="DVD", submissions_per_day=3)


@pytest.mark.parametrize("name, value", [("BUDGET_SUBMISSIONS_PER_DAY", "dix"), ("BUDGET_SUBMISSIONS_PER_DAY", "0"),
                                         ("BUDGET_ORGANISING_DIRECTION", "ddct"),
                                         ("BUDGET_ORGANISING_DIRECTION", "DDCT; DROP")])
def test_a_bad_value_names_its_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert name in str(refused.value)


def test_settings_are_frozen():
    with pytest.raises(ValidationError):
        Settings().submissions_per_day = 1000


def test_the_service_does_not_start_with_a_bad_value():
    environment = {**os.environ, "BUDGET_ORGANISING_DIRECTION": "pas une direction"}
    started = subprocess.run([sys.executable, "-c", "import budget.service"], env=environment, capture_output=True,
                             text=True, timeout=60)
    assert started.returncode != 0 and "BUDGET_ORGANISING_DIRECTION" in started.stderr
