"""The weekly digest: one e-mail per person and week, listing their `digest` notifications not e-mailed yet; never
an empty one; a second run (or a second replica) in the same week sends nothing more."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client import REGISTRY

from hubkit.leader import run_once
from hubkit.rpc import PeerUnavailable
from notifications import domain
from notifications.handlers.digests import LOCK

CAMILLE, SACHA, LOU = ("7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99",
                       "0a9d8c7b-6e5f-4a3b-9c2d-1e0f9a8b7c6d")
MONDAY = datetime(2026, 12, 7, 8, tzinfo=timezone.utc)


def notify(store, use, account_id: str, title: str, when: datetime):
    with store.uow() as uow:
        use(uow, lambda: when).receiving.write(
            domain.Notice(account_id, "my_ideas", title, "…", f"/idees/{uuid.uuid4()}"), str(uuid.uuid4()))


def digest_of(store, use, account_id: str):
    with store.uow() as uow:
        use(uow).preferences.set_preferences({"account_id": account_id}, {"preferences": {"my_ideas": "digest"}})


def run(store, use, when: datetime, send) -> int:
    with store.uow() as uow:
        return use(uow, lambda: when).digests.send_due_digests(send)


def test_one_digest_per_person_and_week_never_empty(store, use):
    digest_of(store, use, CAMILLE)
    digest_of(store, use, SACHA)  # nothing to tell Sacha
    notify(store, use, CAMILLE, "Votre idée a été transmise", MONDAY - timedelta(days=3))
    notify(store, use, CAMILLE, "La Ville a répondu à votre idée", MONDAY - timedelta(days=1))
    notify(store, use, LOU, "Par e-mail tout de suite", MONDAY - timedelta(days=1))  # Lou's default: email
    sent = []
    assert run(store, use, MONDAY, sent.append) == 1
    assert run(store, use, MONDAY + timedelta(hours=2), sent.append) == 0  # same week: nothing more
    [mail] = sent
    assert mail["account_ids"] == [CAMILLE] and mail["subject"] == domain.DIGEST_SUBJECT
    assert "Votre idée a été transmise" in mail["body"] and "La Ville a répondu à votre idée" in mail["body"]
    assert mail["purpose"] == "notifications.digest" and "/notifications/desabonnement/" in mail["list_unsubscribe_url"]
    assert all(row.emailed_at is not None for row in store.rows("notifications"))
    [digest] = store.rows("digests")
    assert (digest.account_id, digest.period, digest.notifications_count) == (CAMILLE, "2026-W50", 2)

    # what comes later this week waits for next week's digest
    notify(store, use, CAMILLE, "Réponse au dossier DEVE-2026-000123", MONDAY + timedelta(days=2))
    assert run(store, use, MONDAY + timedelta(days=3), sent.append) == 0
    assert run(store, use, MONDAY + timedelta(days=7), sent.append) == 1
    assert "DEVE-2026-000123" in sent[-1]["body"] and "transmise" not in sent[-1]["body"]


def test_what_comes_during_the_week_waits_for_the_next_digest(store, use):
    digest_of(store, use, CAMILLE)
    notify(store, use, CAMILLE, "Votre idée a été transmise", MONDAY + timedelta(hours=1))
    sent = []
    assert run(store, use, MONDAY + timedelta(hours=2), sent.append) == 0
    assert run(store, use, MONDAY + timedelta(days=4), sent.append) == 0
    assert store.rows("digests") == [] and sent == []
    assert run(store, use, MONDAY + timedelta(days=7), sent.append) == 1


def test_accounts_not_answering_leaves_the_digest_for_the_next_run(store, use):
    digest_of(store, use, CAMILLE)
    notify(store, use, CAMILLE, "Votre idée a été transmise", MONDAY - timedelta(days=1))

    def down(message):
        raise PeerUnavailable("notify timed out")

    deferred = REGISTRY.get_sample_value("notifications_digests_deferred_total")
    assert run(store, use, MONDAY, down) == 0
    assert store.rows("digests") == [] and store.rows("notifications")[0].emailed_at is None
    # ops see the run put off (the dashboard, not only the log)
    assert REGISTRY.get_sample_value("notifications_digests_deferred_total") == deferred + 1
    sent = []
    assert run(store, use, MONDAY + timedelta(minutes=10), sent.append) == 1
    # named by account and week: accounts queues it once even if the first call had gone through
    assert sent[0]["event_id"] == str(uuid.uuid5(uuid.UUID("6f1c2a8e-3d4b-4c5e-9f70-81a2b3c4d5e6"),
                                                  f"{CAMILLE}:2026-W50"))


def test_the_digest_link_unsubscribes_from_every_digest_category(store, use, settings):
    digest_of(store, use, CAMILLE)
    notify(store, use, CAMILLE, "Votre idée a été transmise", MONDAY - timedelta(days=1))
    with store.uow() as uow:
        use(uow, lambda: MONDAY - timedelta(days=2)).receiving.write(
            domain.Notice(CAMILLE, "followed", "Une idée suivie a avancé", "…", "/idees/1"), str(uuid.uuid4()))
    sent = []
    run(store, use, MONDAY, sent.append)
    token = sent[0]["list_unsubscribe_url"].rsplit("/", 1)[1]
    assert domain.verify_unsubscribe(settings.secret, token) == (CAMILLE, domain.WEEKLY_DIGEST)
    with store.uow() as uow:
        assert use(uow).preferences.unsubscribe(token)["label"] == "Le récapitulatif hebdomadaire"
    with store.uow() as uow:
        chosen = {row["category"]: row["channel"] for row in use(uow).preferences.get_preferences(
            {"account_id": CAMILLE})["preferences"]}
    assert chosen == {"my_ideas": "never", "followed": "never", "my_projects": "email", "my_petitions": "email",
                      "signed_petitions": "email", "consultations": "never", "assignments": "email"}


def test_another_replica_running_the_digest_skips(store, use, database_kind):
    if database_kind != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's (SQLite serves one process)")
    digest_of(store, use, CAMILLE)
    notify(store, use, CAMILLE, "Votre idée a été transmise", MONDAY - timedelta(days=1))
    sent = []
    with store.uow() as holder:
        assert run_once(holder.session, LOCK)  # another replica's run, in progress
        assert run(store, use, MONDAY, sent.append) == 0
    assert sent == [] and run(store, use, MONDAY, sent.append) == 1
