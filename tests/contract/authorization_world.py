"""The world the authorization matrix runs in: seven personas signed in to the API (bearer token) and the pages
(cookie session with its CSRF token), and one of each resource the gateway's routes name, owned by "citizen"
and, where a direction owns it, by the direction of "agent_owner" (OWNING_DIRECTION).

Everything is made through the public API of the running platform (and `python -m accounts create-admin` for
the first administrator), as a city would: no database is written behind the services' backs.
"""
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import requests

from tests.e2e.people import PASSWORD, administrator as new_administrator, citizen, read_mail_link, wait_for

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
ANONYMOUS, CITIZEN, OTHER_CITIZEN = "anonymous", "citizen", "other_citizen"
AGENT_OWNER, AGENT_OTHER, MODERATOR, ADMIN = "agent_owner", "agent_other", "moderator", "admin"
PERSONAS = (ANONYMOUS, CITIZEN, OTHER_CITIZEN, AGENT_OWNER, AGENT_OTHER, MODERATOR, ADMIN)
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"  # ids that name nothing: a 404 once authorization passed
# The direction that owns every seeded resource: the budget's organising direction (BUDGET_ORGANISING_DIRECTION's
# default), which also owns what belongs to a whole cycle (paper ballots), so one agent_owner owns it all.
OWNING_DIRECTION = "DDCT"


@dataclass
class Persona:
    name: str
    email: str | None = None
    account_id: str | None = None
    token: str | None = None
    browser: requests.Session = field(default_factory=requests.Session)
    csrf: str = ""

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass
class World:
    url: str
    personas: dict
    ids: dict  # world key -> the seeded resource's id (or a value a URL variable takes)

    def fresh_persona(self, name: str) -> Persona:
        """Another sign-in of `name` (a token and a page session of its own), for the requests that end the
        session they come with (sign out, revoke the current token): the shared ones stay valid."""
        persona = self.personas[name]
        fresh = Persona(name, persona.email, persona.account_id)
        if persona.email:
            fresh.token = api_sign_in(self.url, persona.email)
        page_sign_in(self.url, fresh)
        return fresh


def api_sign_in(url: str, email: str) -> str:
    login = requests.post(f"{url}/api/v1/auth/tokens", json={"email": email, "password": PASSWORD})
    assert login.status_code in (200, 201), login.text
    return login.json()["token"]


def page_sign_in(url: str, persona: Persona):
    """A cookie session (signed in unless anonymous) and the CSRF token its forms carry."""
    persona.csrf = CSRF_FIELD.search(persona.browser.get(f"{url}/connexion").text).group(1)
    if persona.email:
        signed_in = persona.browser.post(f"{url}/connexion", allow_redirects=False, data={
            "csrf_token": persona.csrf, "email": persona.email, "password": PASSWORD})
        assert signed_in.status_code == 302, signed_in.text
        # signing in starts a new session with a new CSRF token: read it from a page of the signed-in session
        persona.csrf = CSRF_FIELD.search(persona.browser.get(f"{url}/mon-compte").text).group(1)


def verified_citizen(platform, name: str) -> Persona:
    person = citizen(platform, read_mail_link, f"matrice-{name}")
    return Persona(name, person.email, person.id, person.token)


def administrator(platform) -> Persona:
    person = new_administrator(platform, label="matrice.admin")
    return Persona(ADMIN, person.email, person.id, person.token)


def created(response, *statuses) -> dict:
    assert response.status_code in (statuses or (200, 201)), f"{response.request.url}: {response.text}"
    return response.json()


def seed_world(platform) -> World:
    """Personas, then one of each resource. An idea forwarded to the budget becomes a draft project only after
    routing's undo window (15 s on the shared platform, tests/conftest.py): it is decided first and awaited last, so
    the rest is seeded meanwhile."""
    url, api = platform.url, f"{platform.url}/api/v1"
    admin = administrator(platform)
    people = {name: verified_citizen(platform, name) for name in (CITIZEN, OTHER_CITIZEN, AGENT_OWNER, AGENT_OTHER,
                                                                    MODERATOR)}
    people[ADMIN], people[ANONYMOUS] = admin, Persona(ANONYMOUS)
    page_sign_in(url, admin)
    # what the URL variables that name no seeded resource take (tests/contract/authorization_probes.py)
    ids = {"citizen_account_id": people[CITIZEN].account_id, "role": "agent", "receipt": "ABCD-EFGH-JKLM",
           "follow_kind": "favorite", "unknown_id": UNKNOWN_ID, "dossier_reference": "DEVE-2026-000001", "fmt": "json",
           "open_dataset": "ideas"}
    seed_routing(api, people, ids)
    for name, grant in ((AGENT_OWNER, {"role": "agent", "direction": ids["direction"]}),
                        (AGENT_OTHER, {"role": "agent", "direction": ids["other_direction"]}),
                        (MODERATOR, {"role": "moderator"})):
        created(requests.post(f"{api}/accounts/{people[name].account_id}/roles", headers=admin.headers, json=grant))
        people[name].token = api_sign_in(url, people[name].email)  # a session that knows the new role
    forward_to_budget(api, people, ids)
    seed_petition(api, people, ids)
    seed_budget(url, people, ids)
    seed_consultations(api, people, ids)
    ids["draft_project_id"] = wait_for(lambda: next((
        project["id"] for project in requests.get(f"{api}/budget/me/projects", headers=people[CITIZEN].headers)
        .json()["carried"] if project["draft"]), None), timeout=120)
    for persona in people.values():
        if persona is not admin:
            page_sign_in(url, persona)
    return World(url, people, ids)


def submit_idea(api: str, author: dict, title: str) -> str:
    return created(requests.post(f"{api}/ideas", headers=author, json={
        "title": title, "theme": "cadre_de_vie", "arrondissement": 10,
        "description": "L'été, les quais sont pleins de promeneurs et il n'y a presque aucun point d'eau."}))["id"]


def inbox_item(api: str, admin: dict, idea_id: str) -> dict:
    return wait_for(lambda: (lambda r: r.json() if r.status_code == 200 else None)(
        requests.get(f"{api}/routing/inbox/{idea_id}", headers=admin)))


def seed_routing(api: str, people: dict, ids: dict):
    """The citizen's two ideas, whose routing items the administrator gives to the owning direction."""
    citizen, other, admin = people[CITIZEN].headers, people[OTHER_CITIZEN].headers, people[ADMIN].headers
    ids["idea_id"] = submit_idea(api, citizen, "Des fontaines à boire le long du canal")
    ids["idea_comment_id"] = created(requests.post(f"{api}/ideas/{ids['idea_id']}/comments", headers=other,
                                                   json={"body": "Bonne idée, le quai de Valmy surtout."}))["id"]
    ids["forwarded_idea_id"] = submit_idea(api, citizen, "Un jardin partagé rue de Meaux")
    for idea_id in (ids["forwarded_idea_id"], ids["idea_id"]):
        item = inbox_item(api, admin, idea_id)
        if item["direction"] != OWNING_DIRECTION:
            created(requests.post(f"{api}/routing/inbox/{idea_id}/assignment", headers=admin,
                                  json={"direction": OWNING_DIRECTION}))
    reference = requests.get(f"{api}/routing/reference").json()
    ids["direction"], ids["scheme_code"] = OWNING_DIRECTION, item["scheme"]
    ids["other_direction"] = next(d["code"] for d in reference["directions"] if d["code"] != OWNING_DIRECTION)
    ids["correlation_id"] = item["correlation_id"]
    ids["checklist"] = {check["code"]: "unknown" for check in reference["checks"]}


def forward_to_budget(api: str, people: dict, ids: dict):
    """agent_owner forwards the second idea to the participatory budget: a decision to undo (too late by the time
    the matrix runs), and a draft project for the citizen once routing's undo window has passed."""
    ids["forward_decision_id"] = created(requests.post(
        f"{api}/routing/inbox/{ids['forwarded_idea_id']}/decisions", headers=people[AGENT_OWNER].headers, json={
            "action": "forward", "scheme": "budget", "message": "Proposez-la au budget participatif."}))["id"]


def seed_petition(api: str, people: dict, ids: dict):
    """A petition draft of the citizen's, with its co-sponsorship link."""
    draft = {"title": "Des fontaines à boire le long du canal", "arrondissement": 10,
             "asks": "Nous demandons quatre fontaines d'eau potable entre République et Jaurès.",
             "background": "L'été, les quais sont pleins de promeneurs et il n'y a presque aucun point d'eau."}
    petition = created(requests.post(f"{api}/petitions", headers=people[CITIZEN].headers, json=draft))
    ids["petition_id"], ids["sponsor_token"] = petition["id"], petition["sponsor_token"]
    ids["petition_title"], ids["petition_form"] = draft["title"], {**draft, "arrondissement": "10"}


def seed_budget(url: str, people: dict, ids: dict):
    """A cycle in study with the citizen's project, owned by agent_owner's direction; a cycle in co-construction;
    a cycle with published results; a cycle open for submissions, last, where the forwarded idea's draft lands."""
    api, admin, citizen = f"{url}/api/v1/budget", people[ADMIN], people[CITIZEN].headers

    def cycle(title):
        return created(requests.post(f"{api}/cycles", headers=admin.headers, json={
            "title": f"{title} {uuid.uuid4().hex[:6]}", "paris_envelope": 1000, "max_choices": 2,
            "sector_envelopes": {"paris-19": 300}}))["id"]

    def project(cycle_id, title):
        return created(requests.post(f"{api}/cycles/{cycle_id}/projects", headers=citizen, json={
            "title": title, "theme": "Cadre de vie", "scale": "arrondissement", "sector": "paris-19",
            "description": "Un projet pour le quartier, décrit en plus de vingt caractères."}))["id"]

    def advance(cycle_id, *stages):
        for stage in stages:
            created(requests.post(f"{api}/cycles/{cycle_id}/stage", headers=admin.headers, json={"stage": stage}))

    ids["cycle_id"] = cycle("Budget participatif matrice")
    ids["project_id"] = project(ids["cycle_id"], "Des fontaines dans le 19e")
    advance(ids["cycle_id"], "study")
    # the owning direction is set with the study, on the back office's page (the API's study has no direction)
    studied = admin.browser.post(f"{url}/back-office/budget/{ids['cycle_id']}/projets/{ids['project_id']}/etude",
                                 allow_redirects=False, data={
                                     "csrf_token": admin.csrf, "admissible": "oui", "feasible": "oui", "cost": "100",
                                     "admissibility_reason": "Relève de la Ville.", "direction": ids["direction"]})
    assert studied.status_code == 302, studied.text[-2000:]
    assert requests.get(f"{api}/projects/{ids['project_id']}").json()["direction"] == ids["direction"]

    # co-construction: two of the citizen's projects merged (the citizen invited to carry the result), a third
    # left to merge; no direction named at the study, so the organising direction owns them
    merging = ids["merging_cycle_id"] = cycle("Budget participatif matrice, fusion")
    sources = [project(merging, title) for title in ("Des bancs rue de Crimée", "Des bancs rue de Flandre",
                                                     "Des bancs rue Riquet")]
    advance(merging, "study")
    for source in sources:
        created(requests.post(f"{api}/projects/{source}/study", headers=admin.headers, json={
            "admissible": True, "admissibility_reason": "Relève de la Ville.", "feasible": True, "cost": 100}))
    advance(merging, "co_construction")
    ids["merged_project_id"] = created(requests.post(f"{api}/cycles/{merging}/merges", headers=admin.headers, json={
        "project_ids": sources[:2], "title": "Des bancs dans le 19e", "description": "Deux projets de bancs en un."
    }))["id"]
    ids["project_to_merge_id"] = sources[2]
    ids["published_cycle_id"] = cycle("Budget participatif matrice, résultats")
    advance(ids["published_cycle_id"], "study", "co_construction", "selection", "campaign", "vote", "results")
    ids["submission_cycle_id"] = cycle("Budget participatif matrice, dépôt")


def seed_consultations(api: str, people: dict, ids: dict):
    """A consultation set up by agent_owner (their direction owns it) with what citizens posted in it; spares
    for what cannot be undone (closing, deleting a section) and one closed, whose synthesis may be published."""
    agent, citizen, other = people[AGENT_OWNER].headers, people[CITIZEN].headers, people[OTHER_CITIZEN].headers
    now = datetime.now(timezone.utc)
    opens, closes, paris = now - timedelta(minutes=5), now + timedelta(days=30), ZoneInfo("Europe/Paris")
    body = {"title": "Réinventer la place de la Nation", "context": "La place sera réaménagée.",
            "opens_at": opens.isoformat(), "closes_at": closes.isoformat()}
    ids["consultation_body"] = body
    ids["consultation_form"] = {**body, "opens_at": opens.astimezone(paris).strftime("%Y-%m-%d %H:%M"),
                                "closes_at": closes.astimezone(paris).strftime("%Y-%m-%d %H:%M")}

    def consultation(title) -> dict:
        made = created(requests.post(f"{api}/consultations", headers=agent, json={**body, "title": title}), 201)
        sections = f"{api}/consultations/{made['id']}/sections"
        for section in ({"title": "La charte de la place", "mode": "amendable_text", "body": "Article 1 : à tous."},
                        {"title": "Piétonniser ?", "mode": "argued_vote", "body": "Faut-il piétonniser la place ?"}):
            created(requests.post(sections, headers=agent, json=section), 201)
        return requests.get(f"{api}/consultations/{made['id']}").json()

    place = consultation(body["title"])
    ids["consultation_id"] = place["id"]
    ids["section_id"], ids["vote_section_id"] = (section["id"] for section in place["sections"])
    ids["closed_by_api"] = consultation("Réinventer la place des Fêtes")["id"]
    ids["closed_by_page"] = consultation("Réinventer la place Stalingrad")["id"]
    trimmed = consultation("Réinventer la place de Joinville")
    ids["trimmed_consultation_id"] = trimmed["id"]
    ids["section_deleted_by_api"], ids["section_deleted_by_page"] = (s["id"] for s in trimmed["sections"])
    ids["closed_consultation_id"] = consultation("Réinventer la place Armand-Carrel")["id"]
    created(requests.post(f"{api}/consultations/{ids['closed_consultation_id']}/close", headers=agent))

    proposal = created(requests.post(f"{api}/consultations/{place['id']}/proposals", headers=citizen, json={
        "section_id": ids["section_id"], "title": "Article 2 : un terrain de pétanque",
        "body": "Un terrain de pétanque sous les platanes."}))
    ids["proposal_id"] = proposal["id"]
    proposal_url = f"{api}/consultations/proposals/{proposal['id']}"
    ids["amendment_id"] = created(requests.post(f"{proposal_url}/amendments", headers=other, json={
        "title": "Deux terrains de pétanque", "body": "Deux terrains, et de l'ombre autour."}))["id"]
    ids["consultation_comment_id"] = created(requests.post(f"{proposal_url}/comments", headers=other,
                                                           json={"body": "Je précise : côté métro."}))["id"]
    ids["argument_id"] = created(requests.post(f"{proposal_url}/arguments", headers=other, json={
        "position": "agree", "body": "Il fait trop chaud l'été."}))["id"]
