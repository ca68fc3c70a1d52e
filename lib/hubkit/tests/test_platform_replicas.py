"""The test platform's replicas (hubkit.testing_replicas): names, commands, ports of each process, and the
arguments it refuses before it creates anything (no vhost, database or process for a platform it cannot run)."""
import sys

import pytest

from hubkit.testing import Platform
from hubkit.testing_replicas import base_of, command_of, process_env, replica_counts, replica_names

SERVICES = {"accounts": None, "petitions": None}


def test_the_first_process_keeps_the_plain_name_the_others_are_numbered():
    assert replica_names("petitions", 1) == ["petitions"]
    assert replica_names("petitions", 3) == ["petitions", "petitions#2", "petitions#3"]
    assert [base_of(name) for name in replica_names("gateway", 2)] == ["gateway", "gateway"]


def test_a_replica_runs_the_command_of_its_service():
    assert command_of("petitions#2") == [sys.executable, "-m", "petitions", "run"]
    assert command_of("gateway#2") == [sys.executable, "-m", "gateway"]


def test_each_process_gets_its_own_ports_and_the_rest_of_the_environment():
    env = {"HUB_PORT": "8000", "PETITIONS_HTTP_PORT": "9001", "HUB_AMQP_URI": "amqp://x"}
    http_ports, gateway_ports = {"petitions": 9001, "petitions#2": 9002}, {"gateway": 8000, "gateway#2": 8001}
    second = process_env(env, "petitions#2", http_ports, gateway_ports)
    assert second["PETITIONS_HTTP_PORT"] == "9002" and second["HUB_AMQP_URI"] == "amqp://x"
    assert process_env(env, "gateway#2", http_ports, gateway_ports)["HUB_PORT"] == "8001"
    assert env["PETITIONS_HTTP_PORT"] == "9001"  # the platform's own environment is left as it was


def test_counts_for_every_service_or_per_service():
    assert replica_counts(SERVICES, 2, 2) == {"accounts": 2, "petitions": 2, "gateway": 2}
    assert replica_counts(SERVICES, {"petitions": 3}, 1) == {"accounts": 1, "petitions": 3, "gateway": 1}


@pytest.mark.parametrize("replicas, gateways", [(0, 1), (1, 0), (-1, 1), ({"petitions": 0}, 1), (True, 1),
                                                 (1.5, 1), ("2", 1), ({"petitions": "2"}, 1)])
def test_a_part_without_a_process_or_a_count_that_is_not_a_number_is_refused(replicas, gateways):
    with pytest.raises(ValueError, match="at least one process"):
        replica_counts(SERVICES, replicas, gateways)


def test_replicas_of_a_service_the_platform_does_not_run_are_refused():
    with pytest.raises(ValueError, match="does not run"):
        replica_counts(SERVICES, {"budget": 2}, 1)


def test_the_platform_refuses_them_before_it_creates_anything(monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, "mkdtemp", lambda **_: pytest.fail("the platform created its directory"))
    with pytest.raises(ValueError):
        Platform(SERVICES, "postgresql", replicas=0)
