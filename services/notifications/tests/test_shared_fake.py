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


def test_the_fake_my_space_answers_and_pages_like_the_service(store, use):
    """Same items in the fake and in the service's tables: same shape, same order across pages (ties on the date
    decided by kind then id), same counts by kind, same refusals."""
    from datetime import datetime, timedelta, timezone

    from hubkit.validation import load
    from notifications.models import SpaceEntry, SpaceItem

    fake, moment = FakeNotifications(), datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
    specs = [("petition", "b" * 8, moment), ("idea", "c" * 8, moment), ("idea", "a" * 8, moment),
             ("dossier", "DEVE-2026-000001", moment - timedelta(days=1)), ("ballot", "d" * 8, moment + timedelta(1))]
    with store.uow() as uow:
        for kind, item_id, updated_at in specs:
            fake.add_space_item(CAMILLE, kind, item_id=item_id, roles=("follower",), state="", state_label="",
                                link=domain.item_link(kind, item_id), title="T", updated_at=updated_at)
            uow.session.add(SpaceItem(kind=kind, item_id=item_id, title="T", state="", detail="", counts={},
                                      link=domain.item_link(kind, item_id), updated_at=updated_at))
            uow.session.add(SpaceEntry(account_id=CAMILLE, kind=kind, item_id=item_id, roles="follower",
                                       contributions=0, updated_at=updated_at))

    def service_page(data):
        with store.uow() as uow:
            return schemas.MySpacePageSchema().dump(
                use(uow).my_space.my_space(ME, load(schemas.MySpaceQuerySchema(), data)))

    def walk(call) -> list:
        seen, cursor = [], None
        while True:
            answer = call({"limit": 2, **({"cursor": cursor} if cursor else {})})
            assert shape_errors(schemas.MySpacePageSchema(), answer) == []
            seen += [(item["kind"], item["id"]) for item in answer["items"]]
            if not answer["has_more"]:
                return seen, answer["kinds"]
            cursor = answer["next_cursor"]

    assert walk(lambda data: fake.my_space(ME, data)) == walk(service_page)
    assert service_page({})["items"] == fake.my_space(ME, {})["items"]
    for bad in ({"limit": 0}, {"kind": "everything"}, {"cursor": "not-a-cursor"}):
        with pytest.raises(InvalidInput) as by_fake:
            fake.my_space(ME, bad)
        with pytest.raises(InvalidInput) as by_service:
            load(schemas.MySpaceQuerySchema(), bad)
        assert set(by_fake.value.details) == set(by_service.value.details)
    assert by_fake.value.details["cursor"] == by_service.value.details["cursor"]
    with pytest.raises(AuthenticationFailed):
        fake.my_space(None, {})
