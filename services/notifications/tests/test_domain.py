"""The plain rules: wording of each event, defaults, the unsubscribe tokens, the digest."""
from datetime import datetime, timezone

import pytest

from notifications import domain

SECRET = "a-secret-of-the-tests-0123456789abcdef"
CAMILLE, SACHA = "7d1f3a52-6c1e-4f7e-9a55-0c2b8f0e4a11", "c3b2a190-8e7d-4c6b-9a5f-4e3d2c1b0a99"
IDEA = "5a0c9e7d-1b2c-4d3e-8f9a-0b1c2d3e4f50"
FOUNTAINS = {"title": "Des fontaines le long du canal", "scheme_label": "Budget participatif"}


def test_defaults_follow_the_contract():
    assert domain.DEFAULT_CHANNELS == {"my_ideas": "email", "my_projects": "email", "followed": "digest",
                                       "my_petitions": "email", "signed_petitions": "email",
                                       "consultations": "digest", "assignments": "email"}
    view = domain.preferences_view({"followed": "never"})
    assert [row["channel"] for row in view["preferences"]] == ["email", "never", "email", "email", "email", "digest",
                                                                  "email"]
    assert [row["label"] for row in view["channels"]] == [
        "Dans le hub seulement", "Par e-mail, tout de suite", "Par e-mail, une fois par semaine", "Jamais"]


def test_unknown_categories_and_channels_are_named():
    assert domain.preference_problems({"my_ideas": "hub"}) == {}
    problems = domain.preference_problems({"spam": "hub", "followed": "pigeon"})
    assert set(problems) == {"spam", "followed"} and "pigeon" in problems["followed"][0]


def test_forwarded_wording_carries_the_message_and_no_greeting():
    notice = domain.notice_for("idea_forwarded", {"idea_id": IDEA, "scheme": "budget", "dossier_reference": None,
                                                  "message": "Nous l'étudions pour le vote de l'automne."},
                               CAMILLE, FOUNTAINS)
    assert notice.account_id == CAMILLE and notice.category == "my_ideas" and notice.link == f"/idees/{IDEA}"
    assert notice.title == "Votre idée a été transmise"
    assert "« Des fontaines le long du canal » a été transmise au dispositif « Budget participatif »" in notice.body
    assert "Nous l'étudions pour le vote de l'automne." in notice.body
    assert "Bonjour" not in notice.body


def test_answer_reason_dossier_and_merge_wording():
    answered = domain.notice_for("idea_answered", {"idea_id": IDEA, "answer": "C'est prévu en 2027."}, CAMILLE,
                                 FOUNTAINS)
    assert "C'est prévu en 2027." in answered.body and answered.title == "La Ville a répondu à votre idée"
    refused = domain.notice_for("idea_not_retained", {"idea_id": IDEA, "reason_code": "private_land",
                                                      "reason": "La berge appartient au port."}, CAMILLE, None)
    assert refused.body.startswith("Votre idée n'a pas été retenue (sur un terrain privé).")
    assert "La berge appartient au port." in refused.body
    dossier = domain.notice_for("dossier_answered", {"idea_id": IDEA, "dossier_reference": "DEVE-2026-000123",
                                                     "status": "granted"}, CAMILLE, FOUNTAINS)
    assert dossier.title == "Réponse au dossier DEVE-2026-000123" and "granted" in dossier.body
    with_text = domain.notice_for("dossier_answered", {"idea_id": IDEA, "dossier_reference": "DEVE-2026-000123",
                                                       "status": "granted", "answer": "Trois jardinières."},
                                  CAMILLE, FOUNTAINS)
    assert "Réponse du dispositif :\nTrois jardinières." in with_text.body  # the scheme's text is the news
    merged = domain.notice_for("idea_merged", {"idea_id": IDEA, "merged_into": SACHA}, CAMILLE, FOUNTAINS,
                               {"title": "Des fontaines à Jaurès"})
    assert merged.link == f"/idees/{SACHA}" and "« Des fontaines à Jaurès »" in merged.body


def test_no_author_no_notice():
    assert domain.notice_for("idea_answered", {"idea_id": IDEA, "answer": "Oui."}, None, FOUNTAINS) is None


def test_a_token_names_its_account_and_category():
    token = domain.sign_unsubscribe(SECRET, CAMILLE, "followed")
    assert domain.verify_unsubscribe(SECRET, token) == (CAMILLE, "followed")
    assert all(character.isalnum() or character in "-_." for character in token)


@pytest.mark.parametrize("forge", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature altered
    lambda token: domain.sign_unsubscribe("another-key-of-someone-else-0123456", CAMILLE, "followed"),
    lambda token: token.split(".")[0] + "." + domain.sign_unsubscribe(SECRET, SACHA, "followed").split(".")[1],
    lambda token: domain.sign_unsubscribe(SECRET, SACHA, "followed").split(".")[0] + "." + token.split(".")[1],
    lambda token: "",
    lambda token: "pas-un-jeton",
    lambda token: token + "=",
    lambda token: token + ".x",
    lambda token: "x" * 500,
])
def test_a_forged_altered_or_foreign_token_is_refused(forge):
    token = domain.sign_unsubscribe(SECRET, CAMILLE, "followed")
    with pytest.raises(domain.InvalidToken):
        domain.verify_unsubscribe(SECRET, forge(token))


def test_a_digest_is_never_empty_and_lists_its_items():
    assert domain.compose_digest([], "https://hub") is None
    mail = domain.compose_digest([{"title": "Pétition : seuil atteint", "body": "…", "link": "/petitions/1"}],
                                 "https://hub")
    assert mail["subject"] == domain.DIGEST_SUBJECT and "https://hub/petitions/1" in mail["body"]
    assert "Bonjour" not in mail["body"]


def test_periods_are_iso_weeks():
    assert domain.period_of(datetime(2026, 12, 7, tzinfo=timezone.utc)) == "2026-W50"
    assert domain.period_of(datetime(2026, 12, 13, 23, tzinfo=timezone.utc)) == "2026-W50"
    assert domain.period_of(datetime(2026, 12, 14, tzinfo=timezone.utc)) == "2026-W51"
    assert domain.week_start(datetime(2026, 12, 10, 15, 30, tzinfo=timezone.utc)) == datetime(2026, 12, 7,
                                                                                             tzinfo=timezone.utc)


def test_a_direct_request_answer_tells_the_requester():
    notice = domain.request_notice_for("dossier_answered", {"idea_id": None, "dossier_reference": "DEVE-2026-000124",
                                                            "status": "granted"}, CAMILLE)
    assert notice.link == "/agir/dossiers/DEVE-2026-000124" and "granted" in notice.body
    assert notice.title == "Réponse à votre demande DEVE-2026-000124"
    answered = domain.request_notice_for("dossier_answered", {"dossier_reference": "DEVE-2026-000124",
                                                              "answer": "Permis accordé."}, CAMILLE)
    assert "Réponse du dispositif :\nPermis accordé." in answered.body
    assert domain.request_notice_for("dossier_answered", {"dossier_reference": "X"}, None) is None
    assert domain.request_notice_for("idea_answered", {"dossier_reference": "X"}, CAMILLE) is None
