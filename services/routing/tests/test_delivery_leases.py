"""A replica claims no more webhook calls than it surely makes before their lease runs out (a claim outliving its
lease could be claimed and sent again by another replica)."""
from datetime import timedelta

import pytest

from routing.handlers.deliveries import LEASE, TIMEOUTS_PER_CALL, claim_plan


@pytest.mark.parametrize("timeout_seconds, wanted", [(5.0, 20), (0.5, 20), (10.0, 20), (29.0, 20), (45.0, 20),
                                                     (600.0, 20), (5.0, 1)])
def test_every_claimed_call_ends_within_its_lease(timeout_seconds, wanted):
    count, lease = claim_plan(timeout_seconds, wanted)
    assert 1 <= count <= wanted and lease >= LEASE
    assert count * TIMEOUTS_PER_CALL * timeout_seconds <= lease.total_seconds()


def test_the_default_timeout_claims_six_calls_for_two_minutes():
    assert claim_plan(5.0, 20) == (6, LEASE)


def test_a_timeout_longer_than_the_lease_allows_gets_one_call_and_a_lease_that_covers_it():
    assert claim_plan(60.0, 20) == (1, timedelta(seconds=240))
