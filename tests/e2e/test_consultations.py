"""A consultation on the running platform, through the gateway: an agent sets it up; citizens propose,
support, vote with arguments, amend, answer the questionnaire once; the author accepts the amendment;
reports hide a comment, a moderator restores it; the agent closes it and publishes the synthesis; the
closed consultation stays readable and refuses anything new."""
import re
from datetime import datetime, timedelta, timezone

import pytest
import requests

from .people import XSS, administrator, citizen, wait_for

pytestmark = pytest.mark.e2e


def test_a_consultation_from_set_up_to_synthesis(platform, mail_link):
    api = f"{platform.url}/api/v1"
    agent = administrator(platform).headers  # admins act as agents and moderators
    camille = citizen(platform, mail_link, "Camille")
    dominique = citizen(platform, mail_link, "Dominique").headers
    lou = citizen(platform, mail_link, "Lou").headers
    sacha = citizen(platform, mail_link, "Sacha").headers
    now = datetime.now(timezone.utc)

    # --- the agent sets it up -------------------------------------------------------------------
    assert requests.post(f"{api}/consultations", headers=camille.headers, json={
        "title": "Non", "context": "Non", "opens_at": now.isoformat(), "closes_at": now.isoformat()}).status_code == 403
    created = requests.post(f"{api}/consultations", headers=agent, json={
        "title": f"Réinventer la place de la Nation {XSS}", "context": "La place sera réaménagée.",
        "resources": [{"label": "Dossier", "url": "https://www.paris.fr/nation"}],
        "agenda": [{"title": "Atelier", "place": "Mairie du 11e", "starts_at": (now + timedelta(days=7)).isoformat()}],
        "opens_at": (now - timedelta(minutes=5)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()})
    assert created.status_code == 201, created.text
    consultation_id = created.json()["id"]
    sections = f"{api}/consultations/{consultation_id}/sections"
    for section in ({"title": "La charte de la place", "mode": "amendable_text", "body": "Article 1 : à tous."},
                    {"title": "Piétonniser ?", "mode": "argued_vote", "body": "Faut-il piétonniser la place ?"},
                    {"title": "Vos usages", "mode": "questionnaire", "questions": [
                        {"label": "Venez-vous sur la place ?", "kind": "single", "choices": ["Souvent", "Jamais"]},
                        {"label": "Une remarque ?", "kind": "text"}]}):
        assert requests.post(sections, headers=agent, json=section).status_code == 201
    consultation = requests.get(f"{api}/consultations/{consultation_id}").json()
    assert consultation["state"] == "open"
    charter, vote, survey = (s["id"] for s in consultation["sections"])

    # --- propose, support once, vote once, amend, accept --------------------------------------------
    proposed = requests.post(f"{api}/consultations/{consultation_id}/proposals", headers=camille.headers, json={
        "section_id": charter, "title": f"Article 2 : des bancs {XSS}", "body": "Vingt bancs à l'ombre des arbres."})
    assert proposed.status_code == 201, proposed.text
    proposal_url = f"{api}/consultations/proposals/{proposed.json()['id']}"
    assert requests.post(f"{proposal_url}/supports", headers=dominique).status_code == 201
    twice = requests.post(f"{proposal_url}/supports", headers=dominique)
    assert twice.status_code == 409 and twice.json()["error"] == "ALREADY_SUPPORTED"
    argued = requests.post(f"{proposal_url}/arguments", headers=dominique,
                           json={"position": "agree", "body": "Il fait trop chaud l'été."})
    assert argued.status_code == 201
    again = requests.post(f"{proposal_url}/arguments", headers=dominique, json={"position": "disagree",
                                                                                "body": "J'ai changé d'avis."})
    assert again.status_code == 409 and again.json()["error"] == "ALREADY_VOTED"
    for person in (camille.headers, lou):  # « Consultations » is a weekly digest by default: e-mail at once here
        chosen = requests.put(f"{api}/me/notification-preferences", headers=person,
                              json={"preferences": {"consultations": "email"}})
        assert chosen.ok, chosen.text
    amendment = requests.post(f"{proposal_url}/amendments", headers=lou, json={
        "title": "Des bancs et des fontaines", "body": "Des bancs, et une fontaine à chaque coin."})
    assert amendment.status_code == 201
    amendment_id = amendment.json()["id"]
    assert requests.post(f"{api}/consultations/proposals/{amendment_id}/supports", headers=sacha).status_code == 201
    # the proposal's author is e-mailed (notifications, from amendment_proposed) with the link to decide
    link = mail_link(platform, camille.email, f"/consultations/propositions/{proposed.json()['id']}")
    assert link.endswith(f"#amendement-{amendment_id}")
    decision_url = f"{api}/consultations/amendments/{amendment_id}/decision"
    assert requests.post(decision_url, headers=lou, json={"decision": "accept"}).status_code == 403  # not its author
    decided = requests.post(decision_url, headers=camille.headers, json={"decision": "accept", "note": "Merci !"})
    assert decided.status_code == 200, decided.text
    # and the amendment's author of the decision (notifications, from amendment_decided)
    assert wait_for(lambda: [item for item in requests.get(f"{api}/me/notifications", headers=lou).json()["items"]
                             if item["title"] == "Votre amendement : Des bancs et des fontaines"], 30)
    proposal = requests.get(proposal_url).json()
    assert proposal["counters"] == "1 vote - 1 amendement - 1 argument"
    assert [(a["id"], a["amendment_status"], a["supports_count"]) for a in proposal["amendments"]] == [
        (amendment_id, "accepted", 1)]
    assert proposal["author_pseudonym"] == camille.pseudonym

    # an argued vote on the question; a proposal outside a proposing section is refused
    assert requests.post(f"{api}/consultations/sections/{vote}/arguments", headers=lou,
                         json={"position": "disagree", "body": "Les livraisons ?"}).status_code == 201
    wrong = requests.post(f"{api}/consultations/{consultation_id}/proposals", headers=lou, json={
        "section_id": survey, "title": "Une proposition", "body": "Dans un questionnaire ?"})
    assert wrong.status_code == 409 and wrong.json()["error"] == "WRONG_SECTION_MODE"

    # --- the questionnaire, once ------------------------------------------------------------------
    answers = f"{api}/consultations/sections/{survey}/answers"
    answered = requests.post(answers, headers=dominique, json={"answers": {"q1": "Souvent", "q2": f"Ombre {XSS}"}})
    assert answered.status_code == 201 and answered.json()["responses_count"] == 1
    twice = requests.post(answers, headers=dominique, json={"answers": {"q1": "Jamais"}})
    assert twice.status_code == 409 and twice.json()["error"] == "ALREADY_ANSWERED"
    bad = requests.post(answers, headers=lou, json={"answers": {"q1": "Peut-être"}})
    assert bad.status_code == 400 and "q1" in bad.json()["details"]
    results = next(s for s in requests.get(f"{api}/consultations/{consultation_id}", headers=dominique).json()[
        "sections"] if s["id"] == survey)["questionnaire"]["results"]
    assert [(c["label"], c["count"]) for c in results[0]["choices"]] == [("Souvent", 1), ("Jamais", 0)]

    # --- three reports hide a comment; a moderator restores it --------------------------------------
    comment = requests.post(f"{proposal_url}/comments", headers=camille.headers,
                            json={"body": "Je précise : côté métro."})
    comment_id = comment.json()["id"]
    for reporter in (dominique, lou, sacha):
        report = requests.post(f"{api}/consultations/comments/{comment_id}/reports", headers=reporter,
                               json={"reason": "spam"})
        assert report.status_code == 201
    assert report.json()["hidden"] is True
    assert requests.get(proposal_url).json()["comments"][0]["body"] == "Masqué par la modération"
    queue = requests.get(f"{api}/ideas/moderation", headers=agent).json()["items"]
    assert any(item["kind"] == "proposal_comment" and item["consultation_id"] == consultation_id for item in queue)
    assert requests.post(f"{api}/consultations/comments/{comment_id}/restore", headers=agent,
                         json={"reason": "Signalements abusifs."}).status_code == 200
    assert requests.get(proposal_url).json()["comments"][0]["body"] == "Je précise : côté métro."

    # similar ideas while typing include consultation proposals
    similar = requests.get(f"{api}/ideas/similar", params={"title": "Des bancs et des fontaines"}).json()["items"]
    assert any(item["kind"] == "proposal" and item["consultation_id"] == consultation_id for item in similar)

    # --- closing, then nothing can be added; synthesis ----------------------------------------------
    assert requests.put(f"{api}/consultations/{consultation_id}/synthesis", headers=agent, json={
        "synthesis": "Trop tôt", "decision": "D", "decision_body": "C", "decision_date": "2026-05-01"}
    ).status_code == 409
    closed = requests.post(f"{api}/consultations/{consultation_id}/close", headers=agent)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    before = requests.get(proposal_url).json()
    for url, body in ((f"{api}/consultations/{consultation_id}/proposals",
                       {"section_id": charter, "title": "Trop tard", "body": "Après la clôture."}),
                      (f"{proposal_url}/supports", None), (f"{proposal_url}/comments", {"body": "Trop tard"}),
                      (f"{proposal_url}/arguments", {"position": "agree", "body": "Trop tard"}),
                      (answers, {"answers": {"q1": "Souvent"}})):
        refused = requests.post(url, headers=sacha, json=body)
        assert refused.status_code == 409 and refused.json()["error"] == "CONSULTATION_CLOSED", url
    after = requests.get(proposal_url).json()
    assert {k: after[k] for k in ("supports_count", "comments_count", "arguments_count")} == {
        k: before[k] for k in ("supports_count", "comments_count", "arguments_count")}
    published = requests.put(f"{api}/consultations/{consultation_id}/synthesis", headers=agent, json={
        "synthesis": f"Vous voulez des bancs et de l'ombre. {XSS}", "decision": "Vingt bancs seront posés.",
        "decision_body": "Conseil de Paris", "decision_date": "2026-05-01",
        "deliberation_url": "https://www.paris.fr/conseil/2026-DVD-42"})
    assert published.status_code == 200, published.text

    # --- everything stays readable, escaped --------------------------------------------------------
    page = requests.get(f"{platform.url}/consultations/{consultation_id}", headers={"Accept": "text/html"}).text
    assert "Cette consultation est close" in page and "Nouvelle proposition" not in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert re.search(r'<rect class="bar-chart__bar" x="0" y="0" width="100"', page)
    synthesis = requests.get(f"{platform.url}/consultations/{consultation_id}/synthese").text
    assert "Conseil de Paris" in synthesis and "Vingt bancs seront posés." in synthesis

    # consultation_opened / consultation_closed were emitted (counted per action on the ideas /metrics)
    metrics = wait_for(lambda: requests.get(f"http://127.0.0.1:{platform.http_ports['ideas']}/metrics").text)
    for action in ("proposal_submitted", "amendment_proposed", "amendment_decided", "argument",
                   "questionnaire_answered", "consultation_closed", "synthesis_published"):
        assert f'consultation_actions_total{{action="{action}"}}' in metrics, action


def test_proposals_are_read_a_page_at_a_time(platform, mail_link):
    api = f"{platform.url}/api/v1"
    agent = administrator(platform).headers
    camille = citizen(platform, mail_link, "Camille").headers
    now = datetime.now(timezone.utc)
    created = requests.post(f"{api}/consultations", headers=agent, json={
        "title": "Les rues aux écoles", "context": "Quelles rues fermer devant les écoles ?",
        "opens_at": (now - timedelta(minutes=5)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()})
    consultation_id = created.json()["id"]
    section = requests.post(f"{api}/consultations/{consultation_id}/sections", headers=agent, json={
        "title": "Vos propositions", "mode": "proposals"}).json()["sections"][0]["id"]
    titles = [f"Rue aux écoles numéro {number}" for number in range(3)]
    for title in titles:
        posted = requests.post(f"{api}/consultations/{consultation_id}/proposals", headers=camille, json={
            "section_id": section, "title": title, "body": "Fermer la rue aux voitures à l'heure de l'école."})
        assert posted.status_code == 201, posted.text

    def page(**params):
        read = requests.get(f"{api}/consultations/{consultation_id}", params={"section_id": section, **params})
        assert read.status_code == 200, read.text
        return read.json()["sections"][0]

    second = page(sort="newest", page=2, page_size=2)
    assert [p["title"] for p in second["proposals"]] == titles[:1] and second["proposals_count"] == 3
    assert second["proposals_page"] == {"page": 2, "pages": 2, "page_size": 2}
    shuffled = page(sort="random", seed="visite", page=1, page_size=2)["proposals"] + page(
        sort="random", seed="visite", page=2, page_size=2)["proposals"]
    assert sorted(p["title"] for p in shuffled) == titles  # no repeat, no gap across pages
    assert requests.get(f"{api}/consultations/{consultation_id}", params={"page": 0}).status_code == 400
    html_page = requests.get(f"{platform.url}/consultations/{consultation_id}",
                             params={"section": section, "page": "deux"})
    assert html_page.status_code == 200 and all(title in html_page.text for title in titles)
