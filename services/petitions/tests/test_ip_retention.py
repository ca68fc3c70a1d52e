"""Signers' client addresses are erased PETITIONS_SIGNER_IP_RETENTION_DAYS after signing, by a timer that any
number of replicas may run at once (one UPDATE that only clears)."""
import uuid
from datetime import timedelta

import pytest
from petitions.handlers import Context, Petitions
from petitions.handlers.common import utcnow
from petitions.settings import Settings
from petitions.models import Signature

from .test_fraud import FARM, MODERATOR, invalidation, petition, run  # noqa: F401

LATER_IP = "192.0.2.7"


def addresses(store) -> list:
    return sorted((row.client_ip or "") for row in store.rows("petition_signatures"))


def without_address(store) -> dict:
    return {row.id: {**row._asdict(), "client_ip": None} for row in store.rows("petition_signatures")}


def in_days(days: float):
    moment = utcnow() + timedelta(days=days)
    return lambda: moment


def test_addresses_are_kept_for_the_retention_then_erased_once(run, store, accounts, petition):
    late_signer = str(uuid.uuid4())
    accounts.add(late_signer, "Citoyen tardif", arrondissement=18)
    run("sign", {"account_id": late_signer, "roles": ["citizen"]},
        {"petition_id": petition["id"], "connection": {}, "notify": False, "client": {"ip": LATER_IP}},
        clock=in_days(60))
    assert run("purge_signer_ips", clock=in_days(89)) == 0
    assert addresses(store).count(FARM) == 4 and LATER_IP in addresses(store)
    before = without_address(store)
    assert run("purge_signer_ips", clock=in_days(91)) == 5  # the first five, signed 91 days before
    assert addresses(store) == ["", "", "", "", "", LATER_IP]
    assert without_address(store) == before  # nothing but the address changed
    assert run("purge_signer_ips", clock=in_days(91)) == 0  # another replica, or the next tick: nothing left
    assert run("purge_signer_ips", clock=in_days(151)) == 1
    assert addresses(store) == [""] * 6


def test_the_moderation_log_keeps_the_address_a_moderator_invalidated(run, store, petition):
    run("invalidate_signatures", MODERATOR, invalidation(petition["id"], ip=FARM))
    assert run("purge_signer_ips", clock=in_days(91)) == 5
    assert [row.client_ip for row in store.rows("petition_moderation_log")] == [FARM]
    assert store.rows("petition_signatures", Signature.client_ip.is_not(None)) == []


def test_the_retention_is_configured_in_days_of_at_least_one(store, throttle, accounts, petition):
    with pytest.raises(ValueError, match="signer_ip_retention_days"):
        Settings(signer_ip_retention_days=0)
    assert Settings().signer_ip_retention_days == 90
    settings = Settings(sponsors_required=0, signer_ip_retention_days=7)
    with store.uow() as uow:
        assert Petitions(Context(uow, throttle, accounts, settings, in_days(6))).sweep.purge_signer_ips() == 0
    with store.uow() as uow:
        assert Petitions(Context(uow, throttle, accounts, settings, in_days(8))).sweep.purge_signer_ips() == 5
