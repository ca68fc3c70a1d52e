"""The use cases on a real database (SQLite in memory, PostgreSQL too in the full tier): events in, notifications
stored on each person's channel; the inbox, the preferences, the one-click unsubscribe, the GDPR export and
erasure. Every bad input is a clear error with nothing written."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from hubkit.envelope import make_event
from hubkit.errors import AuthenticationFailed, InvalidInput
from notifications import domain

CAMILLE, SACHA = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
ME, OTHER = {"account_id": CAMILLE, "roles": ["citizen"]}, {"account_id": SACHA, "roles": ["citizen"]}
IDEA, SURVIVOR = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50", "6b1d0f8e-2c3d-4e4f-9a0b-1c2d3e4f5a61"
FOUNTAINS = {IDEA: {"title": "Des fontaines le long du canal", "scheme_label": "Budget participatif"}}
ANSWER = "Trois fontaines seront posées au printemps."


def event(type_: str, producer: str = "routing", actor=None, **payload) -> dict:
    return make_event(type=type_, version=1, producer=producer, subject={"kind": "idea", "id": IDEA},
                      payload=payload, actor=actor or {"account_id": None, "role": "system"},
                      correlation_id="req-tests", causation_id="req-tests")


def answered(author=CAMILLE) -> dict:
    return event("idea_answered", decision_id=str(uuid.uuid4()), idea_id=IDEA, author_id=author, answer=ANSWER,
                 direction="DEVE")


def apply(store, use, envelope: dict, ideas=FOUNTAINS, clock=None):
    payload = {key: value for key, value in envelope["payload"].items()}
    with store.uow() as uow:
        return use(uow, clock).receiving.author_event(envelope, payload, ideas)


def test_an_answer_is_stored_and_emailed_at_once_by_default(store, use):
    message = apply(store, use, answered())
    assert message["account_ids"] == [CAMILLE] and message["subject"] == "La Ville a répondu à votre idée"
    assert ANSWER in message["body"] and f"https://participation.paris.fr/idees/{IDEA}" in message["body"]
    assert message["purpose"] == "notifications.email" and message["event_id"]
    token = message["list_unsubscribe_url"].rsplit("/", 1)[1]
    assert message["list_unsubscribe_url"].startswith("https://participation.paris.fr/notifications/desabonnement/")
    assert domain.verify_unsubscribe(use(None).context.settings.secret, token) == (CAMILLE, "my_ideas")
    [row] = store.rows("notifications")
    assert (row.account_id, row.category, row.channel, row.link) == (CAMILLE, "my_ideas", "email", f"/idees/{IDEA}")
    assert row.emailed_at is not None and row.read_at is None


def test_a_redelivered_event_notifies_once(store, use):
    envelope = answered()
    assert apply(store, use, envelope) is not None
    assert apply(store, use, envelope) is None
    assert len(store.rows("notifications")) == 1


def test_an_anonymous_idea_tells_nobody(store, use):
    assert apply(store, use, answered(author=None)) is None
    assert store.rows("notifications") == []


def test_hub_and_never_channels(store, use):
    with store.uow() as uow:
        use(uow).preferences.set_preferences(ME, {"preferences": {"my_ideas": "hub"}})
    assert apply(store, use, answered()) is None
    [row] = store.rows("notifications")
    assert row.channel == "hub" and row.emailed_at is None
    with store.uow() as uow:
        use(uow).preferences.set_preferences(ME, {"preferences": {"my_ideas": "never"}})
    assert apply(store, use, answered()) is None
    assert len(store.rows("notifications")) == 1  # `never` stores nothing


def test_a_dossier_answer_and_a_merge_find_the_author_kept_from_earlier_events(store, use):
    forwarded = event("idea_forwarded", decision_id=str(uuid.uuid4()), idea_id=IDEA, scheme="greening_permit",
                      scheme_kind="external", author_id=CAMILLE, message="", dossier_reference="DEVE-2026-000123")
    assert apply(store, use, forwarded)["subject"] == "Votre idée a été transmise"
    dossier = event("dossier_answered", dossier_reference="DEVE-2026-000123", idea_id=IDEA, scheme="greening_permit",
                    status="granted", answer="Permis accordé : trois jardinières.")
    told = apply(store, use, dossier)
    assert told["subject"] == "Réponse au dossier DEVE-2026-000123"
    assert "Permis accordé : trois jardinières." in told["body"]  # the scheme's answer, through the payload schema
    merged = event("idea_merged", producer="ideas", idea_id=IDEA, merged_into=SURVIVOR, supports_moved=3,
                   followers_moved=1, supports_count=12)
    message = apply(store, use, merged, {**FOUNTAINS, SURVIVOR: {"title": "Des fontaines à Jaurès"}})
    assert message["account_ids"] == [CAMILLE] and "« Des fontaines à Jaurès »" in message["body"]
    assert [row.link for row in store.rows("notifications")].count(f"/idees/{SURVIVOR}") == 1


def test_the_author_of_a_submitted_idea_is_remembered(store, use):
    submitted = event("idea_submitted", producer="ideas", actor={"account_id": SACHA, "role": "citizen"},
                      idea_id=IDEA, theme="environnement", arrondissement=10)
    with store.uow() as uow:
        assert use(uow).receiving.idea_submitted(submitted, IDEA) is True
    merged = event("idea_merged", producer="ideas", idea_id=IDEA, merged_into=SURVIVOR, supports_moved=0,
                   followers_moved=0, supports_count=1)
    assert apply(store, use, merged, {})["account_ids"] == [SACHA]


def test_the_inbox_lists_newest_first_and_marks_read_only_ones_own(store, use):
    start = datetime(2026, 12, 1, 9, tzinfo=timezone.utc)
    for minutes in range(3):
        apply(store, use, answered(), clock=lambda minutes=minutes: start + timedelta(minutes=minutes))
    apply(store, use, answered(author=SACHA))
    with store.uow() as uow:
        page = use(uow).inbox.list_notifications(ME, {"page": 1, "per_page": 2})
    assert (page["total"], page["unread_count"], len(page["items"])) == (3, 3, 2)
    assert page["items"][0]["created_at"] > page["items"][1]["created_at"]
    sachas = [row.id for row in store.rows("notifications") if row.account_id == SACHA]
    with store.uow() as uow:
        # someone else's id is ignored, without an error that would tell it exists
        assert use(uow).inbox.mark_read(ME, {"notification_ids": [page["items"][0]["notification_id"], *sachas]}) == \
            {"unread_count": 2}
    with store.uow() as uow:
        assert use(uow).inbox.unread_count(OTHER) == {"unread_count": 1}
        assert use(uow).inbox.mark_read(ME, {"all": True}) == {"unread_count": 0}


@pytest.mark.parametrize("actor", [None, {"account_id": None, "roles": []}, {}])
def test_an_anonymous_caller_is_refused(store, use, actor):
    with store.uow() as uow:
        with pytest.raises(AuthenticationFailed):
            use(uow).inbox.list_notifications(actor, {"page": 1, "per_page": 20})
        with pytest.raises(AuthenticationFailed):
            use(uow).preferences.set_preferences(actor, {"preferences": {"my_ideas": "hub"}})


def test_unknown_preferences_change_nothing(store, use):
    with store.uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            use(uow).preferences.set_preferences(ME, {"preferences": {"my_ideas": "hub", "followed": "pigeon"}})
    assert "followed" in refused.value.details["preferences"]
    assert store.rows("preferences") == []


def test_one_click_unsubscribe(store, use, settings):
    token = domain.sign_unsubscribe(settings.secret, CAMILLE, "followed")
    for _ in range(2):  # idempotent
        with store.uow() as uow:
            assert use(uow).preferences.unsubscribe(token) == {"category": "followed", "label": "Ce que je suis"}
    with store.uow() as uow:
        view = use(uow).preferences.get_preferences(ME)
    assert {row["category"]: row["channel"] for row in view["preferences"]}["followed"] == "never"


@pytest.mark.parametrize("token", ["", "abc", "abc.def", "x" * 150])
def test_a_bad_token_is_refused_and_changes_nothing(store, use, token):
    with store.uow() as uow:
        with pytest.raises(InvalidInput) as refused:
            use(uow).preferences.unsubscribe(token)
    assert "Lien de désabonnement invalide" in refused.value.message
    assert store.rows("preferences") == []


def test_a_token_of_another_key_is_refused(store, use):
    foreign = domain.sign_unsubscribe("another-secret-entirely-0123456789", CAMILLE, "my_ideas")
    with store.uow() as uow:
        with pytest.raises(InvalidInput):
            use(uow).preferences.unsubscribe(foreign)
    assert store.rows("preferences") == []


def test_export_and_erasure(store, use):
    apply(store, use, answered())
    apply(store, use, answered(author=SACHA))
    with store.uow() as uow:
        use(uow).preferences.set_preferences(ME, {"preferences": {"followed": "hub"}})
    with store.uow() as uow:
        exported = use(uow).personal_data.export_personal_data(CAMILLE)
    assert len(exported["notifications"]) == 1 and ANSWER in exported["notifications"][0]["body"]
    assert {row["category"]: row["channel"] for row in exported["preferences"]}["followed"] == "hub"
    deleted = make_event(type="account_deleted", version=1, producer="accounts",
                         subject={"kind": "account", "id": CAMILLE}, payload={"account_id": CAMILLE},
                         actor={"account_id": CAMILLE, "role": "citizen"}, correlation_id="r", causation_id="r")
    with store.uow() as uow:
        assert use(uow).personal_data.forget_account(deleted, CAMILLE) is True
    with store.uow() as uow:
        assert use(uow).personal_data.forget_account(deleted, CAMILLE) is False
    assert [row.account_id for row in store.rows("notifications")] == [SACHA]
    assert store.rows("preferences") == []
    assert [row.author_id for row in store.rows("idea_authors")] == [None]


def test_accounts_not_answering_records_nothing_and_the_event_comes_back(store, use):
    """The entrypoint asks accounts.notify inside the transaction (service.py): a failure rolls the notification
    and the processed-event mark back, so the retried event writes it and asks again (accounts queues it once)."""
    envelope = answered()

    class AccountsDown(Exception):
        pass

    with pytest.raises(AccountsDown):
        with store.uow() as uow:
            assert use(uow).receiving.author_event(envelope, dict(envelope["payload"]), FOUNTAINS) is not None
            raise AccountsDown()
    assert store.rows("notifications") == [] and store.rows("processed_events") == []
    assert apply(store, use, envelope)["event_id"] == envelope["event_id"]
    assert len(store.rows("notifications")) == 1
