"""The idea box's own events tell the same people as the ideas service's e-mails did (issue 15 §1), through
notifications' write path: the followers of a merged idea (its author is told as the author, once), the author of a
proposal someone else amended, the author of an amendment someone else decided; and petitions' `petition_rejected`
tells the petition's author. Each once per event, on their channel for the category, nothing for an erased account,
and nothing recorded when accounts does not answer (the event comes back)."""
import uuid
from datetime import timedelta

import pytest

from hubkit.errors import InvalidInput
from hubkit.validation import load
from notifications import domain, schemas

from .conftest import HUB_URL
from .test_owner_notices import (ALIX, CAMILLE, IDEA, NOOR, PETITION, SACHA, T0, by, choose, deliver, event,
                                 petition_event, told)

SURVIVING = "8b9c0d1e-2f3a-4b4c-5d6e-7f8091a2b3c4"
CONSULTATION, PROPOSAL, AMENDMENT = (str(uuid.UUID(int=1)), "9c0d1e2f-3a4b-4c5d-6e7f-8091a2b3c4d5",
                                     "0d1e2f3a-4b5c-4d6e-7f80-91a2b3c4d5e6")
AGENT = {"account_id": ALIX, "role": "agent"}
READ = {("idea", IDEA): {"title": "Fontaines quai de Valmy", "state": "merged"},
        ("idea", SURVIVING): {"title": "Fontaines d'eau potable", "state": "submitted"},
        ("proposal", AMENDMENT): {"title": "Des bancs à l'ombre", "amended_title": "Article 2 : des bancs",
                                  "decision_note": "Merci, bonne idée."},
        ("petition", PETITION): {"title": "Plus de bancs au parc", "state": "rejected", "rejection": {
            "code": "duplicate", "label": "Doublon", "reason": "Une pétition proche est déjà ouverte.",
            "hidden": False}}}


def ideas_read(kind, key):
    return READ.get((kind, key))


def ideas_event(type_, at=T0, actor=None, **payload):
    return event(type_, "ideas", at, actor, **payload)


def merge_idea(store, use):
    """What the entrypoint does for idea_merged (service._notify_author): the space (the followers), then the
    author; the e-mails to send at once."""
    merged = ideas_event("idea_merged", T0 + timedelta(days=2), AGENT, idea_id=IDEA, merged_into=SURVIVING,
                         supports_moved=1, followers_moved=2, supports_count=3)
    messages = deliver(store, use, merged, ideas_read)
    with store.uow() as uow:
        payload = load(schemas.IdeaMergedSchema(), merged["payload"])
        author = use(uow).receiving.author_event(merged, payload, {IDEA: READ[("idea", IDEA)],
                                                                   SURVIVING: READ[("idea", SURVIVING)]})
    return merged, messages, author


def test_a_merged_idea_tells_its_followers_once_and_its_author_once(store, use):
    submitted = ideas_event("idea_submitted", actor=by(CAMILLE), idea_id=IDEA)
    deliver(store, use, submitted, ideas_read)  # the entrypoint (remember_idea_author) feeds the space, then:
    with store.uow() as uow:
        use(uow).receiving.idea_submitted(submitted, IDEA)
    for follower in (CAMILLE, SACHA, NOOR):  # the author follows their own idea too: told once, as the author
        deliver(store, use, ideas_event("idea_followed", T0 + timedelta(hours=1), by(follower), idea_id=IDEA),
                ideas_read)
    choose(store, use, SACHA, followed="email")
    merged, [message], author = merge_idea(store, use)
    assert message["account_ids"] == [SACHA] and message["event_id"] == merged["event_id"]
    assert message["subject"] == "Idée fusionnée : Fontaines quai de Valmy"
    assert "que vous suivez, a été fusionnée avec l'idée « Fontaines d'eau potable »" in message["body"]
    assert f"{HUB_URL}/idees/{SURVIVING}" in message["body"] and "/desabonnement/" in message["list_unsubscribe_url"]
    assert author["account_ids"] == [CAMILLE]
    assert told(store) == {CAMILLE: ("my_ideas", "email", "Votre idée a été regroupée avec une idée proche"),
                           SACHA: ("followed", "email", "Idée fusionnée : Fontaines quai de Valmy"),
                           NOOR: ("followed", "digest", "Idée fusionnée : Fontaines quai de Valmy")}
    assert deliver(store, use, merged, ideas_read) is None and len(store.rows("notifications")) == 3


def proposals(store, use):
    deliver(store, use, ideas_event("proposal_submitted", actor=by(CAMILLE), proposal_id=PROPOSAL,
                                    consultation_id=CONSULTATION, section_id=1), ideas_read)


def amend(store, use, author=SACHA):
    proposed = ideas_event("amendment_proposed", T0 + timedelta(hours=1), by(author), proposal_id=AMENDMENT,
                           consultation_id=CONSULTATION, section_id=1, amends=PROPOSAL)
    return proposed, deliver(store, use, proposed, ideas_read)


def decide(store, use, actor, decision="accepted"):
    decided = ideas_event("amendment_decided", T0 + timedelta(hours=2), actor, amendment_id=AMENDMENT,
                          proposal_id=PROPOSAL, consultation_id=CONSULTATION, decision=decision,
                          decided_by="author" if actor["role"] == "citizen" else "agent")
    return decided, deliver(store, use, decided, ideas_read)


def test_an_amendment_tells_the_proposal_author_then_its_decision_tells_the_amendment_author(store, use):
    choose(store, use, CAMILLE, consultations="email")
    choose(store, use, SACHA, consultations="email")
    proposals(store, use)
    proposed, [message] = amend(store, use)
    assert message["account_ids"] == [CAMILLE] and message["event_id"] == proposed["event_id"]
    assert message["subject"] == "Nouvel amendement : Article 2 : des bancs"
    assert "Votre proposition « Article 2 : des bancs » a reçu un amendement : « Des bancs à l'ombre »." in \
        message["body"]
    assert f"{HUB_URL}/consultations/propositions/{PROPOSAL}#amendement-{AMENDMENT}" in message["body"]
    decided, [decision] = decide(store, use, by(CAMILLE))
    assert decision["account_ids"] == [SACHA] and decision["subject"] == "Votre amendement : Des bancs à l'ombre"
    assert "a été accepté" in decision["body"] and "Motif : Merci, bonne idée." in decision["body"]
    assert told(store)[SACHA][0] == told(store)[CAMILLE][0] == "consultations"
    assert deliver(store, use, proposed, ideas_read) is None and deliver(store, use, decided, ideas_read) is None
    assert len(store.rows("notifications")) == 2


def test_amendment_notices_go_to_the_weekly_digest_by_default(store, use):
    proposals(store, use)
    assert amend(store, use)[1] == []
    assert decide(store, use, AGENT, "rejected")[1] == []
    rows = {row.account_id: row for row in store.rows("notifications")}
    assert (rows[CAMILLE].channel, rows[SACHA].channel) == ("digest", "digest")
    assert "a été rejeté" in rows[SACHA].body


def test_nobody_is_told_of_their_own_act(store, use):
    proposals(store, use)
    amend(store, use, author=CAMILLE)  # the author amends their own proposal
    decide(store, use, by(CAMILLE))  # and decides their own amendment
    assert store.rows("notifications") == []


def test_an_author_not_known_or_erased_is_told_nothing(store, use):
    amend(store, use)  # the proposal's submission was never seen: its author is not known
    assert store.rows("notifications") == []
    with store.uow() as uow:
        use(uow).personal_data.forget_account(event("account_deleted", "accounts", account_id=SACHA), SACHA)
    assert {row.author_id for row in store.rows("proposal_authors")} == {None}
    decide(store, use, AGENT)
    assert store.rows("notifications") == []


def test_accounts_not_answering_records_nothing_and_the_amendment_comes_back(store, use):
    choose(store, use, CAMILLE, consultations="email")
    proposals(store, use)
    proposed = ideas_event("amendment_proposed", T0 + timedelta(hours=1), by(SACHA), proposal_id=AMENDMENT,
                           consultation_id=CONSULTATION, section_id=1, amends=PROPOSAL)

    class AccountsDown(Exception):
        pass

    before = len(store.rows("processed_events"))
    with pytest.raises(AccountsDown):
        with store.uow() as uow:
            [notice] = use(uow).space_feed.receive(proposed, load(schemas.SpaceEventSchema(), proposed["payload"]),
                                                   ideas_read)
            assert use(uow).receiving.write(notice, proposed["event_id"]) is not None
            raise AccountsDown()
    assert store.rows("notifications") == [] and len(store.rows("processed_events")) == before
    [message] = deliver(store, use, proposed, ideas_read)
    assert message["account_ids"] == [CAMILLE]


def test_a_refused_petition_tells_its_author_with_the_public_reason(store, use):
    deliver(store, use, petition_event("petition_submitted", actor=by(CAMILLE), sponsors_count=0), ideas_read)
    rejected = petition_event("petition_rejected", T0 + timedelta(days=1), code="duplicate", hidden=False)
    [message] = deliver(store, use, rejected, ideas_read)
    assert message["account_ids"] == [CAMILLE] and message["subject"] == "Votre pétition n'a pas été publiée"
    assert "Motif : Doublon." in message["body"] and "Une pétition proche est déjà ouverte." in message["body"]
    assert f"{HUB_URL}/petitions/{PETITION}" in message["body"] and told(store)[CAMILLE][0] == "my_petitions"
    assert deliver(store, use, rejected, ideas_read) is None and len(store.rows("notifications")) == 1


def test_a_refusal_masked_or_unreadable_sends_the_author_to_the_page(store, use):
    deliver(store, use, petition_event("petition_submitted", actor=by(CAMILLE), sponsors_count=0), ideas_read)
    masked = {**READ[("petition", PETITION)], "rejection": {"label": "Données personnelles", "reason": "Nom cité.",
                                                            "hidden": True}}
    [message] = deliver(store, use, petition_event("petition_rejected", T0 + timedelta(days=1), code="personal_data",
                                                   hidden=True), lambda kind, key: masked)
    assert "Motif : Données personnelles." in message["body"] and "Nom cité." not in message["body"]
    assert "L'explication de la modération est sur la page de la pétition." in message["body"]
    unreadable = domain.petition_notice("petition_rejected", CAMILLE, PETITION, None, {"rejection": None}, True)
    assert unreadable.body.startswith("La pétition n'a pas été publiée par la modération.\n\nL'explication")
    assert domain.petition_notice("petition_rejected", SACHA, PETITION, "x", {}, author=False) is None


def test_hostile_amendment_payloads_are_refused():
    for bad in ({"amends": "x" * 65}, {"amendment_id": ""}, {"amends": 12}):
        with pytest.raises(InvalidInput):
            load(schemas.SpaceEventSchema(), bad)


def test_the_amendment_wording_names_no_title_it_does_not_know():
    proposed = domain.amendment_proposed_notice(CAMILLE, PROPOSAL, AMENDMENT, None, None)
    assert proposed.title == "Nouvel amendement à votre proposition" and proposed.body.startswith(
        "Votre proposition a reçu un amendement.")
    decided = domain.amendment_decided_notice(SACHA, PROPOSAL, AMENDMENT, None, "rejected", "  ")
    assert decided.title == "Votre amendement a été rejeté" and "Motif" not in decided.body
    assert domain.amendment_decided_notice(SACHA, PROPOSAL, AMENDMENT, "x", "withdrawn", None) is None
    follower = domain.merged_follower_notice(NOOR, IDEA, None, SURVIVING, None)
    assert follower.title == "Une idée que vous suivez a été fusionnée" and follower.link == f"/idees/{SURVIVING}"
