"""Fixtures the deployment contract tests share (docker-compose and Kubernetes read the same code facts)."""
import pytest

from tests.contract.test_compose import env_reads, service_packages


@pytest.fixture(scope="module")
def packages():
    """Every service package, as the deployment files must run it."""
    return service_packages()


@pytest.fixture(scope="module")
def reads():
    """The environment variables the code reads (settings classes and hubkit.config)."""
    return env_reads()
