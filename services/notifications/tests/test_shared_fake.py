"""The shared FakeNotifications (tests/fakes, what the gateway's tests call) answers in the shapes this service's
schemas dump, and with the same texts where a page shows them, so a gateway test passing on the fake passes on the
wire."""
import pytest

from hubkit.errors import AuthenticationFailed, InvalidInput
from notifications import domain, schemas
from tests.contract.test_fakes_answer_like_the_services import shape_errors
from tests.fakes import FakeNotifications

CAMILLE = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11"
ME = {"account_id": CAMILLE, "roles": ["citizen"]}


def test_the_fake_answers_like_the_service():
    fake = FakeNotifications()
    fake.add(CAMILLE)
    answers = [
        (schemas.NotificationPageSchema(), fake.list_notifications(ME, {})),
        (schemas.UnreadCountSchema(), fake.unread_count(ME, {})),
        (schemas.UnreadCountSchema(), fake.mark_read(ME, {"all": True})),
        (schemas.PreferencesSchema(), fake.get_preferences(ME, {})),
        (schemas.PreferencesSchema(), fake.set_preferences(ME, {"preferences": {"followed": "hub"}})),
        (schemas.UnsubscribedSchema(), fake.unsubscribe(None, {"token": fake.token_for(CAMILLE, "followed")})),
        (schemas.ReferenceDataSchema(), fake.reference_data()),
    ]
    assert [error for schema, answer in answers for error in shape_errors(schema, answer)] == []


def test_the_fake_uses_the_services_labels_defaults_and_refusals():
    fake = FakeNotifications()
    assert fake.get_preferences(ME, {}) == domain.preferences_view({})
    with pytest.raises(InvalidInput) as refused:
        fake.unsubscribe(None, {"token": "abc.def"})
    assert refused.value.message == domain.INVALID_TOKEN_MESSAGE
    with pytest.raises(AuthenticationFailed) as refused:
        fake.unread_count(None, {})
    assert refused.value.code == "AUTHENTICATION_REQUIRED"
