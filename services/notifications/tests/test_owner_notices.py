"""Budget's and petitions' events tell the same people as their owners' own e-mails did (issue 15 §1), through
notifications' write path: the author of a forwarded idea of its draft, the carriers of merged projects of their
invitation, a winner's carriers and followers of its works, a petition's author and the signers who asked to be
told of its steps. Each once per event, on their channel for the category, nothing for an erased account, and
nothing recorded when accounts does not answer (the event comes back)."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from hubkit.envelope import make_event
from hubkit.errors import InvalidInput
from hubkit.validation import load
from notifications import domain, schemas

from .conftest import HUB_URL

CAMILLE, SACHA, NOOR, ALIX = ("7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99",
                              "0f6e5d4c-3b2a-4190-8e7d-6c5b4a392817", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
IDEA, CYCLE = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50", "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60"
PROJECT, SOURCE_A, SOURCE_B = ("3e4f5a6b-7c8d-4e9f-0a1b-2c3d4e5f6071", "4f5a6b7c-8d9e-4f0a-1b2c-3d4e5f607182",
                               "6a7b8c9d-0e1f-4a2b-3c4d-5e6f708192a3")
PETITION = "5a6b7c8d-9e0f-4a1b-2c3d-4e5f60718293"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
TITLES = {("budget_project", PROJECT): {"title": "Un jardin partagé rue Rébeval", "state": "winner"},
          ("petition", PETITION): {"title": "Plus de bancs au parc", "state": "open"}}
NOBODY = {"account_id": None, "role": "citizen"}


def owners(kind, key):
    return TITLES.get((kind, key))


def by(account_id):
    return {"account_id": account_id, "role": "citizen"}


def event(type_, producer, at=T0, actor=None, **payload) -> dict:
    return make_event(type=type_, version=1, producer=producer, subject={"kind": "x", "id": str(uuid.uuid4())},
                      payload=payload, actor=actor or {"account_id": None, "role": "system"}, occurred_at=at,
                      correlation_id="req-tests", causation_id="req-tests")


def project_event(type_, at=T0, actor=None, project_id=PROJECT, **payload):
    return event(type_, "budget", at, actor, cycle_id=CYCLE, project_id=project_id, **payload)


def petition_event(type_, at=T0, actor=None, **payload):
    return event(type_, "petitions", at, actor, petition_id=PETITION, **payload)


def deliver(store, use, envelope, reader=owners) -> list | None:
    """What the entrypoint does (service._feed_space): the event into the space, each notice written on the person's
    channel; the e-mails to send at once, or None for a redelivery."""
    payload = load(schemas.SpaceEventSchema(), envelope["payload"])
    with store.uow() as uow:
        notices = use(uow).space_feed.receive(envelope, payload, reader)
        if notices is None:
            return None
        return [message for notice in notices if (message := use(uow).receiving.write(notice, envelope["event_id"]))]


def told(store) -> dict:
    """account -> (category, channel, title) of what each person was told."""
    return {row.account_id: (row.category, row.channel, row.title) for row in store.rows("notifications")}


def choose(store, use, account_id, **channels):
    with store.uow() as uow:
        use(uow).preferences.set_preferences({"account_id": account_id}, {"preferences": channels})


# --- budget ------------------------------------------------------------------------------------------------------

def test_the_author_of_a_forwarded_idea_is_told_of_the_draft_once(store, use):
    deliver(store, use, event("idea_submitted", "ideas", actor=by(CAMILLE), idea_id=IDEA, theme="nature"))
    drafted = project_event("project_drafted", origin_idea_id=IDEA, decision_id=str(uuid.uuid4()))
    [message] = deliver(store, use, drafted, reader=lambda kind, key: None)  # a draft: budget shows it to nobody
    assert message["account_ids"] == [CAMILLE] and message["event_id"] == drafted["event_id"]
    assert message["subject"] == "Votre idée devient un projet du budget participatif"
    assert "Un brouillon de projet vous attend" in message["body"]
    assert f"{HUB_URL}/budget-participatif/projets/{PROJECT}" in message["body"]
    assert message["list_unsubscribe_url"].startswith(f"{HUB_URL}/notifications/desabonnement/")
    assert told(store) == {CAMILLE: ("my_projects", "email", "Votre idée devient un projet du budget participatif")}
    assert deliver(store, use, drafted) is None and len(store.rows("notifications")) == 1  # a redelivery


def test_a_status_change_tells_carriers_and_followers_each_once_on_their_channel(store, use):
    deliver(store, use, project_event("project_submitted", actor=by(CAMILLE), scale="paris", theme="nature"))
    for follower in (SACHA, NOOR, CAMILLE):  # the carrier follows it too: told once, as its carrier
        deliver(store, use, project_event("project_followed", actor=by(follower)))
    choose(store, use, SACHA, followed="email")
    changed = project_event("project_status_changed", at=T0 + timedelta(days=30), from_status="non_demarre",
                            status="etudes_conception", effective_date="2027-01-05", origin_idea_id=None)
    sent = deliver(store, use, changed)
    assert sorted(message["account_ids"][0] for message in sent) == sorted([CAMILLE, SACHA])  # Noor: her digest
    heading = "Avancement du projet « Un jardin partagé rue Rébeval » : Études et conception"
    assert told(store) == {CAMILLE: ("my_projects", "email", heading), SACHA: ("followed", "email", heading),
                           NOOR: ("followed", "digest", heading)}
    [carrier] = [message for message in sent if message["account_ids"] == [CAMILLE]]
    assert "que vous portez, passe à l'étape « Études et conception » (date d'effet : 5 janvier 2027)" in \
        carrier["body"]
    assert {message["purpose"] for message in sent} == {"notifications.email"}  # the entrypoint adds #<account>
    late = project_event("project_status_changed", at=T0 + timedelta(days=1), from_status="non_demarre",
                         status="non_demarre", effective_date="2026-12-02", origin_idea_id=None)
    assert deliver(store, use, late) == [] and len(store.rows("notifications")) == 3  # older: no news


def test_merged_projects_invite_their_carriers_each_once(store, use):
    deliver(store, use, project_event("project_submitted", actor=by(CAMILLE), project_id=SOURCE_A, scale="paris"))
    deliver(store, use, project_event("project_submitted", actor=by(CAMILLE), project_id=SOURCE_B, scale="paris"))
    deliver(store, use, project_event("project_submitted", actor=by(ALIX), project_id=SOURCE_B, scale="paris"))
    deliver(store, use, project_event("project_followed", actor=by(SACHA), project_id=SOURCE_A))
    merged = project_event("projects_merged", at=T0 + timedelta(days=3), origin_idea_id=None, invited_count=2,
                           sources=[{"project_id": SOURCE_A, "origin_idea_id": None},
                                    {"project_id": SOURCE_B, "origin_idea_id": None}])
    sent = deliver(store, use, merged)
    assert sorted(message["account_ids"][0] for message in sent) == sorted([CAMILLE, ALIX])  # not the follower
    subject = "Votre projet rejoint un projet co-construit : « Un jardin partagé rue Rébeval »"
    assert {message["subject"] for message in sent} == {subject}
    assert all(row.link == f"/budget-participatif/projets/{PROJECT}" for row in store.rows("notifications"))


def test_an_erased_carrier_is_told_nothing(store, use):
    deliver(store, use, project_event("project_submitted", actor=by(CAMILLE), scale="paris"))
    with store.uow() as uow:
        use(uow).personal_data.forget_account(event("account_deleted", "accounts", account_id=CAMILLE), CAMILLE)
    changed = project_event("project_status_changed", at=T0 + timedelta(days=30), from_status="non_demarre",
                            status="realise", effective_date="2027-06-01", origin_idea_id=None)
    assert deliver(store, use, changed) == [] and store.rows("notifications") == []


# --- petitions ---------------------------------------------------------------------------------------------------

def signed(account_ids, notify_account_ids=None, at=T0 + timedelta(days=2)):
    payload = {"account_ids": account_ids, "signatures_count": len(account_ids)}
    if notify_account_ids is not None:
        payload["notify_account_ids"] = notify_account_ids
    return petition_event("petition_signatures_recorded", at=at, actor=NOBODY, **payload)


@pytest.mark.parametrize("type_, payload, author_subject, signer_subject, words", [
    ("petition_threshold_reached", {"threshold": 5000, "signatures_count": 5000},
     "Votre pétition a atteint son seuil", "Une pétition que vous avez signée a atteint son seuil",
     "a atteint 5000 signatures, son seuil de 5000"),
    ("petition_scheduled_for_council", {"session_date": "2027-02-09"}, "Pétition inscrite au Conseil de Paris",
     "Pétition inscrite au Conseil de Paris", "séance du Conseil de Paris du 9 février 2027"),
    ("petition_answered", {"decision": "accepted"}, "La Ville de Paris a répondu à la pétition",
     "La Ville de Paris a répondu à la pétition", "sa réponse officielle à la pétition « Plus de bancs au parc »"),
])
def test_a_step_tells_the_author_and_the_signers_who_asked_once(store, use, type_, payload, author_subject,
                                                                 signer_subject, words):
    deliver(store, use, petition_event("petition_submitted", actor=by(CAMILLE), sponsors_count=0))
    # Camille signs her own petition; Noor did not tick « être informé·e »; an id not among the signers is ignored
    deliver(store, use, signed([CAMILLE, SACHA, NOOR], [CAMILLE, SACHA, ALIX]))
    choose(store, use, SACHA, signed_petitions="email")
    step = petition_event(type_, at=T0 + timedelta(days=10), **payload)
    sent = deliver(store, use, step)
    assert {message["account_ids"][0]: message["subject"] for message in sent} == {
        CAMILLE: author_subject, SACHA: signer_subject}
    assert all(words in message["body"] for message in sent)
    assert told(store) == {CAMILLE: ("my_petitions", "email", author_subject),
                           SACHA: ("signed_petitions", "email", signer_subject)}
    assert "vous en êtes l'auteur ou l'autrice" in sent[0]["body"] + sent[1]["body"]
    assert deliver(store, use, step) is None and len(store.rows("notifications")) == 2  # a redelivery


def test_the_batch_that_crossed_the_threshold_is_told_once_whichever_event_comes_first(store, use):
    """The threshold's event and the signatures of the batch that crossed it travel on two queues: the signers who
    asked are told once, in either order; a later batch (the threshold already passed) is not told of it."""
    choose(store, use, SACHA, signed_petitions="email")
    choose(store, use, NOOR, signed_petitions="email")
    reached = petition_event("petition_threshold_reached", at=T0 + timedelta(days=3), threshold=3,
                             signatures_count=3)
    assert deliver(store, use, reached) == []  # before the signatures: nobody known yet
    crossing = petition_event("petition_signatures_recorded", at=T0 + timedelta(days=3), actor=NOBODY,
                              account_ids=[SACHA, CAMILLE], notify_account_ids=[SACHA], signatures_count=3)
    sent = deliver(store, use, crossing)
    assert [(message["account_ids"], message["subject"]) for message in sent] == [
        ([SACHA], "Une pétition que vous avez signée a atteint son seuil")]
    assert "a atteint 3 signatures, son seuil de 3" in sent[0]["body"]
    later = petition_event("petition_signatures_recorded", at=T0 + timedelta(days=4), actor=NOBODY,
                           account_ids=[NOOR], notify_account_ids=[NOOR], signatures_count=4)
    assert deliver(store, use, later) == []
    assert deliver(store, use, crossing) is None  # a redelivery
    assert told(store) == {SACHA: ("signed_petitions", "email", "Une pétition que vous avez signée a atteint son seuil")}


def test_an_earlier_batch_applied_after_the_threshold_s_event_is_told_too(store, use):
    """Two notifications replicas take the signatures' queue in parallel: a batch signed well before the crossing
    may be applied after the threshold's event. Its signers who asked are told once, like the crossing batch's."""
    choose(store, use, SACHA, signed_petitions="email")
    deliver(store, use, petition_event("petition_threshold_reached", at=T0 + timedelta(days=3), threshold=3,
                                       signatures_count=3))
    early = petition_event("petition_signatures_recorded", at=T0 + timedelta(days=2), actor=NOBODY,
                           account_ids=[SACHA], notify_account_ids=[SACHA], signatures_count=1)
    sent = deliver(store, use, early)
    assert [(message["account_ids"], message["subject"]) for message in sent] == [
        ([SACHA], "Une pétition que vous avez signée a atteint son seuil")]
    assert deliver(store, use, early) is None and len(store.rows("notifications")) == 1  # a redelivery


def test_signatures_before_the_threshold_event_are_told_by_it_not_twice(store, use):
    choose(store, use, SACHA, signed_petitions="email")
    deliver(store, use, petition_event("petition_signatures_recorded", at=T0 + timedelta(days=3), actor=NOBODY,
                                       account_ids=[SACHA], notify_account_ids=[SACHA], signatures_count=3,
                                       threshold=3))
    assert store.rows("notifications") == []  # the petition is not known to have reached it yet
    sent = deliver(store, use, petition_event("petition_threshold_reached", at=T0 + timedelta(days=3), threshold=3,
                                              signatures_count=3))
    assert [message["account_ids"] for message in sent] == [[SACHA]] and len(store.rows("notifications")) == 1


def test_a_signer_who_asked_is_e_mailed_at_once_by_default_or_by_their_digest_if_they_chose_it(store, use):
    """Only the signers who ticked « être informé·e » are told: they asked, so at once unless they chose otherwise."""
    deliver(store, use, signed([SACHA, NOOR], [SACHA, NOOR]))
    choose(store, use, NOOR, signed_petitions="digest")
    sent = deliver(store, use, petition_event("petition_answered", at=T0 + timedelta(days=10), decision="refused"))
    assert [message["account_ids"] for message in sent] == [[SACHA]]
    assert told(store) == {SACHA: ("signed_petitions", "email", "La Ville de Paris a répondu à la pétition"),
                           NOOR: ("signed_petitions", "digest", "La Ville de Paris a répondu à la pétition")}


def test_signers_recorded_without_the_field_are_told_nothing(store, use):
    deliver(store, use, signed([SACHA]))  # an event of a producer that does not say who asked
    deliver(store, use, petition_event("petition_answered", at=T0 + timedelta(days=10), decision="refused"))
    assert store.rows("notifications") == []


def test_the_author_of_a_forwarded_idea_is_told_of_the_petition_draft(store, use):
    deliver(store, use, event("idea_submitted", "ideas", actor=by(CAMILLE), idea_id=IDEA, theme="nature"))
    drafted = petition_event("petition_drafted", origin_idea_id=IDEA, decision_id=str(uuid.uuid4()))
    [message] = deliver(store, use, drafted, reader=lambda kind, key: None)
    assert (message["account_ids"], message["subject"]) == ([CAMILLE], "Votre idée devient un brouillon de pétition")
    assert "relisez-le, complétez-le" in message["body"] and f"{HUB_URL}/petitions/{PETITION}" in message["body"]
    assert told(store)[CAMILLE][0] == "my_petitions"


def test_accounts_not_answering_records_nothing_and_the_event_comes_back(store, use):
    """The entrypoint asks accounts.notify inside the transaction: a failure rolls the notification, the space and
    the processed-event mark back; the event delivered again tells the author then."""
    deliver(store, use, petition_event("petition_submitted", actor=by(CAMILLE), sponsors_count=0))
    step = petition_event("petition_answered", at=T0 + timedelta(days=10), decision="accepted")

    class AccountsDown(Exception):
        pass

    before = len(store.rows("processed_events"))
    with pytest.raises(AccountsDown):
        with store.uow() as uow:
            payload = load(schemas.SpaceEventSchema(), step["payload"])
            [notice] = use(uow).space_feed.receive(step, payload, owners)
            assert use(uow).receiving.write(notice, step["event_id"]) is not None
            raise AccountsDown()
    assert store.rows("notifications") == [] and len(store.rows("processed_events")) == before
    [message] = deliver(store, use, step)
    assert message["account_ids"] == [CAMILLE] and len(store.rows("notifications")) == 1


def test_more_opted_in_signers_than_a_batch_names_are_refused():
    with pytest.raises(InvalidInput):
        load(schemas.SpaceEventSchema(), {"account_ids": [CAMILLE], "notify_account_ids": [CAMILLE] * 501})
    with pytest.raises(InvalidInput):
        load(schemas.SpaceEventSchema(), {"account_ids": [CAMILLE], "notify_account_ids": ["not-a-uuid"]})


def test_the_wording_names_no_title_it_does_not_know():
    notice = domain.project_status_notice(SACHA, PROJECT, "", "realise", None, carrier=False)
    assert (notice.category, notice.title) == ("followed", "Avancement d'un projet : Réalisé")
    assert notice.body.startswith("Le projet, lauréat du budget participatif que vous suivez, passe à l'étape")
    assert domain.petition_notice("petition_drafted", SACHA, PETITION, "x", {}, author=False) is None
    assert domain.petition_notice("petition_closed", SACHA, PETITION, "x", {}, author=True) is None
    invitation = domain.merge_invitation_notice(CAMILLE, PROJECT, None)
    assert invitation.title == "Votre projet rejoint un projet co-construit" and "dans un projet co-construit" in \
        invitation.body
