"""« Mon espace », the writing side, on a real database: each owner's event (built here as its producer emits it)
puts the person's part and the item's state in their space, once, whatever order the events come in; unfollowing
removes, a merge moves the followers, an erased account leaves nothing; followers and contributors are told."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from hubkit.envelope import make_event
from hubkit.validation import load
from notifications import schemas

CAMILLE, SACHA, NOOR = ("7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99",
                        "0f6e5d4c-3b2a-4190-8e7d-6c5b4a392817")
CITIZEN, NOBODY = "citizen", {"account_id": None, "role": "citizen"}
IDEA, SURVIVOR = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50", "6b1d0f8e-2c3d-4e4f-9a0b-1c2d3e4f5a61"
CONSULTATION, CYCLE = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60"
PROJECT, OTHER_PROJECT = "3e4f5a6b-7c8d-4e9f-0a1b-2c3d4e5f6071", "4f5a6b7c-8d9e-4f0a-1b2c-3d4e5f607182"
PETITION = "5a6b7c8d-9e0f-4a1b-2c3d-4e5f60718293"
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
OWNERS = {("idea", IDEA): {"title": "Des fontaines le long du canal", "state": "submitted"},
          ("idea", SURVIVOR): {"title": "Des fontaines à Jaurès"},
          ("contribution", CONSULTATION): {"title": "Réaménager la place des Fêtes", "state": "open"},
          ("budget_project", PROJECT): {"title": "Un jardin partagé rue Rébeval", "state": "submitted"},
          ("ballot", CYCLE): {"title": "Budget participatif 2026"},
          ("petition", PETITION): {"title": "Plus de bancs au parc", "state": "open",
                                   "counts": {"signatures": 40, "threshold": 5000}},
          ("dossier", "greening_permit"): {"title": "Permis de végétaliser"}}


def reader(kind, key):
    return OWNERS.get((kind, key))


def event(type_, producer="ideas", actor=None, at=T0, version=1, **payload) -> dict:
    subject = {"kind": "idea", "id": str(payload.get("idea_id") or uuid.uuid4())}
    return make_event(type=type_, version=version, producer=producer, subject=subject, payload=payload,
                      actor=actor or {"account_id": None, "role": "system"}, occurred_at=at,
                      correlation_id="req-tests", causation_id="req-tests")


def by(account_id):
    return {"account_id": account_id, "role": CITIZEN}


def feed(store, use, envelope, owners=reader):
    payload = load(schemas.SpaceEventSchema(), envelope["payload"])
    with store.uow() as uow:
        return use(uow).space_feed.receive(envelope, payload, owners)


def space(store, use, account_id, **query):
    with store.uow() as uow:
        return use(uow).my_space.my_space({"account_id": account_id}, load(schemas.MySpaceQuerySchema(), query))


def items(store, use, account_id) -> dict:
    return {(item["kind"], item["id"]): item for item in space(store, use, account_id)["items"]}


# --- ideas -------------------------------------------------------------------------------------------------------

def test_an_idea_its_author_and_its_status(store, use):
    assert feed(store, use, event("idea_submitted", actor=by(CAMILLE), idea_id=IDEA, theme="nature")) == []
    forwarded = event("idea_status_changed", at=T0 + timedelta(days=1), idea_id=IDEA, from_status="under_review",
                      status="forwarded", scheme="budget", merged_into=None)
    feed(store, use, forwarded)
    [item] = space(store, use, CAMILLE)["items"]
    assert item == {"kind": "idea", "id": IDEA, "title": "Des fontaines le long du canal", "roles": ["author"],
                    "state": "forwarded", "state_label": "Transmise", "detail": "Transmise au budget participatif",
                    "counts": {}, "link": f"/idees/{IDEA}", "updated_at": T0 + timedelta(days=1)}


def test_a_redelivered_event_changes_nothing(store, use):
    envelope = event("proposal_submitted", actor=by(CAMILLE), proposal_id=str(uuid.uuid4()),
                     consultation_id=CONSULTATION, section_id=1)
    assert feed(store, use, envelope) == []
    assert feed(store, use, envelope) is None  # a redelivery
    [item] = space(store, use, CAMILLE)["items"]
    assert item["counts"] == {"contributions": 1} and item["roles"] == ["contributor"]


def test_an_older_status_arriving_late_keeps_the_newer_one(store, use):
    answered = event("idea_answered", producer="routing", at=T0 + timedelta(days=2), decision_id=str(uuid.uuid4()),
                     idea_id=IDEA, author_id=CAMILLE, answer="Trois fontaines seront posées au printemps.",
                     direction="DEVE")
    feed(store, use, answered)  # before idea_submitted, which comes last
    feed(store, use, event("idea_status_changed", at=T0 + timedelta(days=1), idea_id=IDEA, from_status="submitted",
                           status="under_review", scheme=None, merged_into=None))
    feed(store, use, event("idea_submitted", actor=by(CAMILLE), idea_id=IDEA, theme="nature"))
    [item] = space(store, use, CAMILLE)["items"]
    assert (item["state"], item["state_label"]) == ("answered", "Réponse apportée")
    assert item["detail"] == "Trois fontaines seront posées au printemps." and item["roles"] == ["author"]
    assert item["updated_at"] == T0 + timedelta(days=2)


def test_unfollowing_removes_the_item_and_a_late_follow_does_not_bring_it_back(store, use):
    follow = event("idea_followed", actor=by(SACHA), idea_id=IDEA)
    feed(store, use, follow)
    assert items(store, use, SACHA)[("idea", IDEA)]["roles"] == ["follower"]
    feed(store, use, event("idea_unfollowed", actor=by(SACHA), at=T0 + timedelta(hours=1), idea_id=IDEA))
    assert space(store, use, SACHA)["items"] == [] and space(store, use, SACHA)["kinds"]["idea"] == 0
    # out of order: the unfollow first, then the (older) follow it undid
    feed(store, use, event("idea_unfollowed", actor=by(NOOR), at=T0 + timedelta(hours=1), idea_id=IDEA))
    feed(store, use, event("idea_followed", actor=by(NOOR), idea_id=IDEA))
    assert space(store, use, NOOR)["items"] == []
    feed(store, use, event("idea_followed", actor=by(NOOR), at=T0 + timedelta(hours=2), idea_id=IDEA))  # again
    assert list(items(store, use, NOOR)) == [("idea", IDEA)]


def test_a_merge_moves_the_followers_to_the_surviving_idea(store, use):
    feed(store, use, event("idea_submitted", actor=by(CAMILLE), idea_id=IDEA, theme="nature"))
    feed(store, use, event("idea_followed", actor=by(SACHA), idea_id=IDEA))
    merged = event("idea_merged", at=T0 + timedelta(days=1), idea_id=IDEA, merged_into=SURVIVOR, supports_moved=3,
                   followers_moved=1, supports_count=12)
    feed(store, use, merged)
    assert list(items(store, use, SACHA)) == [("idea", SURVIVOR)]
    assert items(store, use, SACHA)[("idea", SURVIVOR)]["title"] == "Des fontaines à Jaurès"
    mine = items(store, use, CAMILLE)[("idea", IDEA)]  # the author keeps the merged idea
    assert (mine["state"], mine["detail"]) == ("merged", "Fusionnée avec une autre idée")


def test_followers_not_the_author_are_told_of_a_status_once(store, use):
    feed(store, use, event("idea_submitted", actor=by(CAMILLE), idea_id=IDEA, theme="nature"))
    feed(store, use, event("idea_followed", actor=by(SACHA), idea_id=IDEA))
    feed(store, use, event("idea_followed", actor=by(NOOR), idea_id=IDEA))
    changed = event("idea_status_changed", at=T0 + timedelta(days=1), idea_id=IDEA, from_status="under_review",
                    status="forwarded", scheme="petition", merged_into=None)
    notices = feed(store, use, changed)
    assert sorted(notice.account_id for notice in notices) == sorted([SACHA, NOOR])
    assert {notice.category for notice in notices} == {"followed"}
    assert "« Des fontaines le long du canal » a été transmise : aux pétitions." in notices[0].body
    assert feed(store, use, changed) is None
    merged = event("idea_status_changed", at=T0 + timedelta(days=2), idea_id=IDEA, from_status="forwarded",
                   status="merged", scheme=None, merged_into=SURVIVOR)
    assert feed(store, use, merged) == []  # ideas e-mails the followers of a merged idea itself


# --- consultations -----------------------------------------------------------------------------------------------

def test_contributions_count_per_person_and_a_first_synthesis_tells_the_contributors(store, use):
    for type_, extra in (("proposal_submitted", {"proposal_id": str(uuid.uuid4()), "section_id": 1}),
                         ("argument_posted", {"argument_id": 3, "section_id": 1, "proposal_id": None,
                                              "position": "agree"}),
                         ("comment_posted", {"comment_id": 9, "idea_id": None, "proposal_id": str(uuid.uuid4())}),
                         ("questionnaire_answered", {"section_id": 2, "responses_count": 10})):
        feed(store, use, event(type_, actor=by(CAMILLE), consultation_id=CONSULTATION, **extra))
    feed(store, use, event("comment_posted", actor=by(SACHA), comment_id=10, idea_id=IDEA))  # on an idea: not one
    item = items(store, use, CAMILLE)[("contribution", CONSULTATION)]
    assert item["counts"] == {"contributions": 4} and item["link"] == f"/consultations/{CONSULTATION}"
    assert (item["title"], item["state_label"]) == ("Réaménager la place des Fêtes", "En cours")
    assert space(store, use, SACHA)["items"] == []
    feed(store, use, event("consultation_closed", at=T0 + timedelta(days=3), consultation_id=CONSULTATION,
                           opens_at=T0.isoformat(), closes_at=T0.isoformat()))
    first = event("synthesis_published", at=T0 + timedelta(days=9), consultation_id=CONSULTATION,
                  decision_date="2027-01-10", first_publication=True)
    [notice] = feed(store, use, first)
    assert (notice.account_id, notice.category) == (CAMILLE, "consultations")
    assert "« Réaménager la place des Fêtes »" in notice.body
    correction = event("synthesis_published", at=T0 + timedelta(days=10), consultation_id=CONSULTATION,
                       decision_date="2027-01-10", first_publication=False)
    assert feed(store, use, correction) == []
    assert items(store, use, CAMILLE)[("contribution", CONSULTATION)]["state_label"] == "Synthèse publiée"


# --- budget ------------------------------------------------------------------------------------------------------

def project_event(type_, at=T0, actor=None, project_id=PROJECT, **payload):
    return event(type_, producer="budget", at=at, actor=actor, cycle_id=CYCLE, project_id=project_id, **payload)


def test_a_project_from_carrier_to_winner_and_its_works(store, use):
    feed(store, use, event("idea_submitted", actor=by(CAMILLE), idea_id=IDEA, theme="nature"))
    feed(store, use, project_event("project_drafted", origin_idea_id=IDEA, decision_id=str(uuid.uuid4())),
         owners=lambda kind, key: None)  # a draft: budget shows it to its carrier only
    draft = items(store, use, CAMILLE)[("budget_project", PROJECT)]
    assert (draft["roles"], draft["title"], draft["state"]) == (["carrier"], "", "draft")
    feed(store, use, project_event("project_submitted", at=T0 + timedelta(days=1), actor=by(CAMILLE),
                                   scale="paris", sector=None, theme="nature", origin_idea_id=IDEA))
    feed(store, use, project_event("project_followed", actor=by(SACHA), project_id=OTHER_PROJECT))
    feed(store, use, project_event("project_study_decided", at=T0 + timedelta(days=2), admissible=True,
                                   feasible=True, cost=1000, origin_idea_id=IDEA))
    for project_id in (PROJECT, OTHER_PROJECT):
        feed(store, use, project_event("project_selected", at=T0 + timedelta(days=3), project_id=project_id,
                                       scale="paris", sector=None, cost=1000, origin_idea_id=None))
    feed(store, use, event("results_published", producer="budget", at=T0 + timedelta(days=5), cycle_id=CYCLE,
                           winner_project_ids=[PROJECT], winners=[{"project_id": PROJECT, "origin_idea_id": IDEA}],
                           envelope_used=1000, ballots_count=3))
    mine = items(store, use, CAMILLE)[("budget_project", PROJECT)]
    assert (mine["title"], mine["state_label"], mine["detail"]) == (
        "Un jardin partagé rue Rébeval", "Lauréat", "Résultat du vote : lauréat")
    assert mine["link"] == f"/budget-participatif/projets/{PROJECT}"
    followed = items(store, use, SACHA)[("budget_project", OTHER_PROJECT)]
    assert (followed["state"], followed["detail"]) == ("not_winner", "Résultat du vote : non retenu")
    feed(store, use, project_event("project_status_changed", at=T0 + timedelta(days=30), from_status="non_demarre",
                                   status="realisation_travaux", effective_date="2027-01-05", origin_idea_id=IDEA))
    assert items(store, use, CAMILLE)[("budget_project", PROJECT)]["state_label"] == "Réalisation des travaux"
    feed(store, use, project_event("project_unfollowed", at=T0 + timedelta(days=31), actor=by(SACHA),
                                   project_id=OTHER_PROJECT))
    assert space(store, use, SACHA)["items"] == []


def test_voters_of_a_batch_see_their_vote_and_then_the_results(store, use):
    recorded = event("ballots_recorded", producer="budget", actor=NOBODY, cycle_id=CYCLE,
                     account_ids=[CAMILLE, SACHA])
    feed(store, use, recorded)
    vote = items(store, use, SACHA)[("ballot", CYCLE)]
    assert (vote["roles"], vote["title"], vote["state_label"]) == (["voter"], "Budget participatif 2026",
                                                                  "Vote enregistré")
    assert vote["link"] == f"/budget-participatif/{CYCLE}/vote/recu"
    feed(store, use, event("vote_closed", producer="budget", at=T0 + timedelta(days=1), cycle_id=CYCLE,
                           ballots_count=2))
    feed(store, use, event("ballots_recorded", producer="budget", actor=NOBODY, at=T0 + timedelta(hours=1),
                           cycle_id=CYCLE, account_ids=[CAMILLE]))  # a replaced ballot, delivered late
    assert items(store, use, CAMILLE)[("ballot", CYCLE)]["state"] == "vote_closed"


# --- petitions ---------------------------------------------------------------------------------------------------

def petition_event(type_, at=T0, actor=None, version=1, **payload):
    return event(type_, producer="petitions", at=at, actor=actor, version=version, petition_id=PETITION, **payload)


def test_a_petition_its_author_sponsor_signers_and_counts(store, use):
    feed(store, use, petition_event("petition_submitted", actor=by(CAMILLE), sponsors_count=2))
    feed(store, use, petition_event("petition_sponsored", actor=by(NOOR)))
    feed(store, use, petition_event("petition_published", at=T0 + timedelta(days=1), threshold=5000,
                                    eligibility="paris_residents", arrondissement=None, closes_at=T0.isoformat()))
    feed(store, use, petition_event("petition_signatures_recorded", actor=NOBODY, at=T0 + timedelta(days=2),
                                    account_ids=[SACHA], signatures_count=41))
    feed(store, use, petition_event("petition_signed", actor=NOBODY, version=2, at=T0 + timedelta(days=3), count=1,
                                    signatures_count=52))
    signer = items(store, use, SACHA)[("petition", PETITION)]
    assert signer["roles"] == ["signer"] and signer["counts"] == {"signatures": 52, "threshold": 5000}
    assert signer["updated_at"] == T0 + timedelta(days=2)  # counts move nobody's space
    feed(store, use, petition_event("petition_scheduled_for_council", at=T0 + timedelta(days=20),
                                    session_date="2027-02-01"))
    mine = items(store, use, CAMILLE)[("petition", PETITION)]
    assert (mine["roles"], mine["state_label"], mine["detail"]) == (
        ["author"], "Inscrite au Conseil de Paris", "Séance du Conseil de Paris du 1er février 2027")
    feed(store, use, petition_event("petition_answered", at=T0 + timedelta(days=40), decision="partially_accepted"))
    assert items(store, use, NOOR)[("petition", PETITION)]["detail"] == "Demande acceptée en partie"


def test_a_petition_drafted_from_an_idea_is_its_authors(store, use):
    feed(store, use, event("idea_submitted", actor=by(CAMILLE), idea_id=IDEA, theme="nature"))
    feed(store, use, petition_event("petition_drafted", origin_idea_id=IDEA, decision_id=str(uuid.uuid4())))
    assert items(store, use, CAMILLE)[("petition", PETITION)]["roles"] == ["author"]


# --- routing: a citizen's direct request ------------------------------------------------------------------------

def test_a_direct_request_and_its_answer(store, use):
    reference = "DEVE-2026-000123"
    feed(store, use, event("dossier_created", producer="routing", dossier_reference=reference, decision_id=None,
                           idea_id=None, scheme="greening_permit", delivery="webhook", subject_kind="direct_request",
                           direct_request_id=str(uuid.uuid4()), requester_id=CAMILLE))
    asked = items(store, use, CAMILLE)[("dossier", reference)]
    assert (asked["roles"], asked["title"], asked["state_label"], asked["link"]) == (
        ["requester"], "Permis de végétaliser", "Demande transmise au dispositif", f"/agir/dossiers/{reference}")
    feed(store, use, event("dossier_answered", producer="routing", at=T0 + timedelta(days=4),
                           dossier_reference=reference, idea_id=None, scheme="greening_permit", status="granted",
                           answer="Permis accordé : " + "trois jardinières. " * 20, subject_kind="direct_request",
                           requester_id=CAMILLE))
    answered = items(store, use, CAMILLE)[("dossier", reference)]
    assert answered["state_label"] == "Réponse du dispositif : granted"
    assert answered["detail"].startswith("Permis accordé") and len(answered["detail"]) == 200


# --- GDPR, and bad payloads --------------------------------------------------------------------------------------

def test_an_erased_account_leaves_no_role_and_the_export_lists_the_space(store, use):
    feed(store, use, event("idea_followed", actor=by(SACHA), idea_id=IDEA))
    feed(store, use, event("idea_followed", actor=by(NOOR), idea_id=IDEA))
    with store.uow() as uow:
        exported = use(uow).personal_data.export_personal_data(SACHA)
    assert [(item["kind"], item["id"], item["roles"]) for item in exported["my_space"]] == [
        ("idea", IDEA, ["follower"])]
    deleted = event("account_deleted", producer="accounts", account_id=SACHA)
    with store.uow() as uow:
        assert use(uow).personal_data.forget_account(deleted, SACHA) is True
    assert [row for row in store.rows("space_roles") if row.account_id == SACHA] == []
    assert [row for row in store.rows("space_entries") if row.account_id == SACHA] == []
    assert list(items(store, use, NOOR)) == [("idea", IDEA)]  # the others keep theirs


def test_an_unknown_version_is_left_alone(store, use):
    assert feed(store, use, event("idea_followed", actor=by(SACHA), version=2, idea_id=IDEA)) is None
    assert store.rows("space_roles") == []


@pytest.mark.parametrize("payload", [{"idea_id": "not-a-uuid"}, {"account_ids": []},
                                     {"account_ids": [CAMILLE] * 501}, {"signatures_count": -1}])
def test_a_bad_payload_is_refused_before_anything_is_written(payload):
    from hubkit.errors import InvalidInput
    with pytest.raises(InvalidInput):
        load(schemas.SpaceEventSchema(), payload)
