"""accounts_registrations_total counts accounts created, once committed: a registration with an address that
already has an account answers the same to the client but is not a new registration."""
from prometheus_client import REGISTRY

from .test_handlers import CLIENT, PASSWORD, run, settings  # noqa: F401


def registrations() -> float:
    return REGISTRY.get_sample_value("accounts_registrations_total") or 0


def test_an_address_registered_again_is_not_a_second_registration(run, store):
    before = registrations()
    command = {"email": "camille@exemple.fr", "password": PASSWORD, "pseudonym": "Camille du 11e", "client": CLIENT}
    assert run("register", command) == {"status": "verification_sent"}
    again = run("register", {**command, "pseudonym": "Camille du 12e"})
    assert again == {"status": "verification_sent"} and len(store.rows("accounts")) == 1
    assert registrations() - before == 1
