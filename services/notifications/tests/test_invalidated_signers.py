"""Signatures a moderator invalidated (petitions' personal event `petition_signatures_invalidated`): the signer role
of the accounts it names ends on that petition, as an unfollow, so « Mon espace » no longer lists it (unless another
role is left) and the petition's later steps are not told to them. Once per event; an invalidation applied before
the older signatures' event keeps them out."""
from datetime import timedelta

import pytest

from hubkit.errors import InvalidInput
from hubkit.validation import load
from notifications import schemas

from .test_my_space import items
from .test_owner_notices import (ALIX, CAMILLE, NOOR, PETITION, SACHA, T0, by, choose, deliver, petition_event, signed,
                                 told)

MODERATOR = {"account_id": "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d", "role": "moderator"}
SIGNER_SUBJECT = "Une pétition que vous avez signée a atteint son seuil"


def invalidated(account_ids, at=T0 + timedelta(days=5)):
    return petition_event("petition_signatures_invalidated", at=at, actor=MODERATOR, account_ids=account_ids)


def roles(store) -> dict:
    return {(row.account_id, row.role): row.active for row in store.rows("space_roles") if row.item_id == PETITION}


def test_invalidated_signers_lose_the_role_and_the_petition_leaves_their_space(store, use):
    deliver(store, use, petition_event("petition_submitted", actor=by(CAMILLE), sponsors_count=0))
    deliver(store, use, signed([CAMILLE, SACHA, NOOR], [CAMILLE, SACHA, NOOR]))
    assert items(store, use, SACHA)[("petition", PETITION)]["roles"] == ["signer"]
    assert deliver(store, use, invalidated([SACHA, CAMILLE])) == []
    assert ("petition", PETITION) not in items(store, use, SACHA)
    assert items(store, use, CAMILLE)[("petition", PETITION)]["roles"] == ["author"]  # her other role stays
    assert items(store, use, NOOR)[("petition", PETITION)]["roles"] == ["signer"]  # not named: untouched
    assert roles(store)[(SACHA, "signer")] is False and roles(store)[(NOOR, "signer")] is True


def test_a_later_step_does_not_tell_invalidated_signers(store, use):
    deliver(store, use, petition_event("petition_submitted", actor=by(CAMILLE), sponsors_count=0))
    deliver(store, use, signed([SACHA, NOOR], [SACHA, NOOR]))
    for signer in (SACHA, NOOR):
        choose(store, use, signer, signed_petitions="email")
    deliver(store, use, invalidated([SACHA]))
    sent = deliver(store, use, petition_event("petition_threshold_reached", at=T0 + timedelta(days=10),
                                              threshold=2, signatures_count=2))
    assert sorted(message["account_ids"][0] for message in sent) == sorted([CAMILLE, NOOR])
    assert SACHA not in told(store) and told(store)[NOOR] == ("signed_petitions", "email", SIGNER_SUBJECT)


def test_an_invalidation_applied_before_the_older_signatures_keeps_them_out(store, use):
    choose(store, use, SACHA, signed_petitions="email")
    deliver(store, use, invalidated([SACHA]))
    deliver(store, use, signed([SACHA], [SACHA]))  # older, delivered late: does not bring the role back
    assert ("petition", PETITION) not in items(store, use, SACHA)
    sent = deliver(store, use, petition_event("petition_threshold_reached", at=T0 + timedelta(days=10),
                                              threshold=1, signatures_count=1))
    assert sent == [] and SACHA not in told(store)


def test_a_redelivered_invalidation_changes_nothing(store, use):
    deliver(store, use, signed([SACHA, ALIX]))
    once = invalidated([SACHA])
    deliver(store, use, once)
    assert roles(store)[(SACHA, "signer")] is False and roles(store)[(ALIX, "signer")] is True
    before = store.snapshot()
    assert deliver(store, use, once) is None and store.snapshot() == before


def test_an_invalidation_naming_nobody_or_not_accounts_is_refused():
    for account_ids in ([], ["pas-un-compte"], [SACHA] * 501):
        with pytest.raises(InvalidInput):
            load(schemas.SpaceEventSchema(), invalidated(account_ids)["payload"])
