"""How the matrix fills a route's URL and what it sends, so that authorization is judged and the world survives.

By default a route's variables take the seeded ids of VARIABLES, a JSON route gets `{}` and a form gets only its
CSRF token: the gateway's role checks run before its validation, so an allowed persona gets a 400 and nothing
changes. A PROBE replaces that when the decision belongs to a service (the owner of a draft, the direction of
an item, a project or a consultation): the gateway cannot refuse a body it has not validated, so the probe
sends one the gateway accepts and the service then refuses by its state (a 404 or 409 after its own
authorization) or takes harmlessly (the same values again, a spare consultation to close).
"""
from dataclasses import dataclass, field
from typing import Callable

# URL variable -> the world's id it takes (tests/contract/authorization_world.py seeds them)
VARIABLES = {
    "idea_id": "idea_id", "petition_id": "petition_id", "project_id": "project_id", "cycle_id": "cycle_id",
    "consultation_id": "consultation_id", "section_id": "section_id", "proposal_id": "proposal_id",
    "amendment_id": "amendment_id", "comment_id": "idea_comment_id", "content_id": "proposal_id",
    "account_id": "citizen_account_id", "role": "role", "receipt": "receipt", "kind": "follow_kind",
    "session_id": "unknown_id", "token": "sponsor_token", "decision_id": "forward_decision_id",
    "reference": "dossier_reference", "correlation_id": "correlation_id", "code": "scheme_code", "fmt": "fmt",
    "dataset": "open_dataset",
}
CONSULTATION_COMMENT = {"comment_id": "consultation_comment_id", "content_id": "consultation_comment_id"}
PUBLISHED_CYCLE = {"cycle_id": "published_cycle_id"}  # results are public once published, refused before (403)
DRAFT = {"project_id": "draft_project_id"}
MERGED = {"project_id": "merged_project_id"}
MERGING_CYCLE = {"cycle_id": "merging_cycle_id"}
CLOSED_CONSULTATION = {"consultation_id": "closed_consultation_id"}


@dataclass(frozen=True)
class Probe:
    json: Callable[[dict], dict] | None = None  # ids -> the JSON body
    form: Callable[[dict], dict] | None = None  # ids -> the form fields (the CSRF token is added)
    ids: dict = field(default_factory=dict)  # URL variable -> world key, instead of VARIABLES'
    fresh_sign_in: bool = False  # the request ends its session: a sign-in of its own
    hidden_is_refused: bool = False  # a 404 on the seeded resource is the refusal (a draft others cannot see)


def study(ids):
    return {"admissible": True, "admissibility_reason": "Relève de la Ville.", "feasible": True, "cost": 100}


def study_form(ids):
    return {"admissible": "oui", "admissibility_reason": "Relève de la Ville.", "feasible": "oui", "cost": "100",
            "direction": ids["direction"]}


STATUS = {"status": "etudes_conception", "justification": "Les études commencent.", "effective_date": "2026-01-05"}
SYNTHESIS = {"synthesis": "Ce que la consultation a dit.", "decision": "La place sera piétonne.",
             "decision_body": "Conseil de Paris", "decision_date": "2026-01-05"}
VOTE_SECTION = {"title": "Piétonniser ?", "mode": "argued_vote", "body": "Faut-il piétonniser la place ?"}
NEW_SECTION = {"title": "Une question de plus", "mode": "argued_vote", "body": "Faut-il des arbres ?"}
# no sector for a project of one arrondissement: the service refuses it once it knows who asks (400)
SECTORLESS_PROJECT = {"title": "Un jardin partagé rue de Meaux", "description": "Un jardin pour le quartier, décrit "
                      "en plus de vingt caractères.", "theme": "Cadre de vie", "scale": "arrondissement"}
BACK_TO_SUBMITTED = {"status": "submitted", "message": "La Ville étudie votre idée."}
PAPER_BALLOT = {"ballot_box": "Mairie du 19e, samedi", "last_name": "Martin", "first_name": "Lou",
                "birth_date": "1990-05-14", "postcode": "75019", "id_document_kind": "cni", "id_document_last4": "1234"}


def merge(ids):
    """In the cycle in co-construction: its project left to merge (the direction is judged on it), then one that
    does not exist (404 for whoever got that far)."""
    return {"project_ids": [ids["project_to_merge_id"], ids["unknown_id"]], "title": "Deux projets en un",
            "description": "La fusion de deux projets voisins."}


PROBES = {
    # sign-outs end the session they come with
    "DELETE /api/v1/auth/tokens/current": Probe(fresh_sign_in=True),
    # the answer of an external scheme: well formed, unsigned
    # answered by the external scheme, authenticated by its signature over a dossier: no persona gets further
    # than a refusal or not finding the dossier (tests/e2e/test_routing.py signs answers to a real one)
    "POST /api/v1/routing/dossiers/<reference>/answer": Probe(json=lambda ids: {"answer": "Dossier reçu."},
                                                              hidden_is_refused=True),
    # a cycle's results, once published
    "GET /api/v1/budget/cycles/<cycle_id>/results": Probe(ids=PUBLISHED_CYCLE),
    "GET /api/v1/budget/cycles/<cycle_id>/results.csv": Probe(ids=PUBLISHED_CYCLE),
    "GET /budget-participatif/<uuid:cycle_id>/resultats": Probe(ids=PUBLISHED_CYCLE),
    "GET /budget-participatif/<uuid:cycle_id>/resultats.csv": Probe(ids=PUBLISHED_CYCLE),
    "POST /deconnexion": Probe(fresh_sign_in=True),
    # a petition draft: only its author sees or changes it
    "GET /api/v1/petitions/<id:petition_id>": Probe(hidden_is_refused=True),
    "GET /petitions/<uuid:petition_id>": Probe(hidden_is_refused=True),
    "GET /petitions/<uuid:petition_id>/modifier": Probe(hidden_is_refused=True),
    "PATCH /api/v1/petitions/<id:petition_id>": Probe(json=lambda ids: {"title": ids["petition_title"]},
                                                   hidden_is_refused=True),
    "POST /petitions/<uuid:petition_id>/modifier": Probe(form=lambda ids: ids["petition_form"], hidden_is_refused=True),
    "POST /api/v1/petitions/<petition_id>/submission": Probe(hidden_is_refused=True),
    "POST /petitions/<uuid:petition_id>/soumettre": Probe(hidden_is_refused=True),
    # a budget project's carrier: the draft drawn from their forwarded idea (others are told it does not
    # exist), the project merged from theirs (the invitation refused: the page then finds it answered, 409)
    "POST /api/v1/budget/projects/<project_id>/confirmation": Probe(json=lambda ids: SECTORLESS_PROJECT, ids=DRAFT,
                                                                    hidden_is_refused=True),
    "GET /budget-participatif/projets/<uuid:project_id>/completer": Probe(ids=DRAFT, hidden_is_refused=True),
    "POST /budget-participatif/projets/<uuid:project_id>/completer": Probe(form=lambda ids: SECTORLESS_PROJECT,
                                                                          ids=DRAFT, hidden_is_refused=True),
    "POST /api/v1/budget/projects/<project_id>/invitation": Probe(json=lambda ids: {"accept": False}, ids=MERGED),
    "POST /budget-participatif/projets/<uuid:project_id>/invitation": Probe(form=lambda ids: {"reponse": "refuser"},
                                                                           ids=MERGED),
    # the proposal's author decides on an amendment (a refusal, harmless to the rest of the world)
    "POST /api/v1/consultations/amendments/<amendment_id>/decision": Probe(json=lambda ids: {"decision": "reject"}),
    "POST /consultations/propositions/<proposal_id>/amendements/<amendment_id>/decision": Probe(
        form=lambda ids: {"decision": "reject"}),
    # consultation comments and arguments
    "POST /api/v1/consultations/comments/<comment_id>/supports": Probe(ids=CONSULTATION_COMMENT),
    **{f"POST /api/v1/consultations/comments/<content_id>/{action}": Probe(ids=CONSULTATION_COMMENT)
       for action in ("hide", "restore", "reports")},
    **{f"POST /api/v1/consultations/arguments/<content_id>/{action}": Probe(ids={"content_id": "argument_id"})
       for action in ("hide", "restore", "reports")},
    "POST /consultations/<consultation_id>/sections/<section_id>/vote": Probe(ids={"section_id": "vote_section_id"}),
    "POST /api/v1/consultations/sections/<section_id>/arguments": Probe(ids={"section_id": "vote_section_id"}),
    # routing: the item's direction is the service's to judge
    "POST /api/v1/routing/inbox/<idea_id>/decisions": Probe(json=lambda ids: {"action": "forward",
                                                                              "scheme": "aucun-dispositif"}),
    "PUT /api/v1/routing/inbox/<idea_id>/checklist": Probe(json=lambda ids: {"values": ids["checklist"]}),
    "POST /back-office/orientation/<idea_id>/grille": Probe(form=lambda ids: ids["checklist"]),
    "POST /api/v1/routing/inbox/<idea_id>/assignment": Probe(json=lambda ids: {"direction": ids["direction"]}),
    "POST /back-office/orientation/<idea_id>/decision": Probe(form=lambda ids: {"action": "forward",
                                                                                "scheme": "aucun-dispositif"}),
    "POST /back-office/orientation/<idea_id>/attribution": Probe(form=lambda ids: {"direction": ids["direction"]}),
    # agent_owner's forward of the second idea, applied long ago: too late to undo (409) for whoever may
    "POST /back-office/orientation/<idea_id>/decisions/<decision_id>/annuler": Probe(
        ids={"idea_id": "forwarded_idea_id"}),
    # the citizen wrote the seeded ideas, and an author may not follow their own (403 OWN_IDEA, the ideas service's
    # rule on its data: services/ideas/tests/test_author_rules.py): following is judged on an idea nobody wrote,
    # which the service does not find (404) once the gateway has let a signed-in persona through
    "POST /api/v1/ideas/<idea_id>/follow": Probe(ids={"idea_id": "unknown_id"}),
    "POST /idees/<idea_id>/suivre": Probe(ids={"idea_id": "unknown_id"}),
    # an idea's status: back to « submitted » is never a transition (409 once the role is accepted)
    "POST /api/v1/ideas/<idea_id>/status": Probe(json=lambda ids: BACK_TO_SUBMITTED),
    "POST /idees/<idea_id>/statut": Probe(form=lambda ids: BACK_TO_SUBMITTED),
    # budget: the project's direction (the same study again; selection and statuses wait for their stage)
    "POST /api/v1/budget/projects/<project_id>/study": Probe(json=study),
    "POST /api/v1/budget/projects/<project_id>/selection": Probe(json=lambda ids: {"selected": True}),
    "POST /api/v1/budget/projects/<project_id>/status": Probe(json=lambda ids: STATUS),
    "POST /api/v1/budget/cycles/<cycle_id>/merges": Probe(json=merge, ids=MERGING_CYCLE),
    "POST /back-office/budget/<uuid:cycle_id>/projets/<uuid:project_id>/etude": Probe(form=study_form),
    "POST /back-office/budget/<uuid:cycle_id>/projets/<uuid:project_id>/statut": Probe(form=lambda ids: STATUS),
    "POST /back-office/budget/<uuid:cycle_id>/selection": Probe(form=lambda ids: {
        "scope": "paris-19", "shown": ids["project_id"], "selected": ids["project_id"]}),
    "POST /back-office/budget/<uuid:cycle_id>/fusion": Probe(form=merge, ids=MERGING_CYCLE),
    # a paper ballot in a cycle that is not voting: the stage refuses it after the direction (409)
    "POST /api/v1/budget/cycles/<cycle_id>/paper-ballots": Probe(json=lambda ids: PAPER_BALLOT),
    "POST /back-office/budget/<uuid:cycle_id>/bulletins-papier": Probe(form=lambda ids: PAPER_BALLOT),
    # consultations: the consultation's direction (the same values again; closing and deleting on a spare)
    "PUT /api/v1/consultations/<consultation_id>": Probe(json=lambda ids: ids["consultation_body"]),
    "POST /api/v1/consultations/<consultation_id>/sections": Probe(json=lambda ids: NEW_SECTION),
    "PUT /api/v1/consultations/<consultation_id>/sections/<section_id>": Probe(
        json=lambda ids: VOTE_SECTION, ids={"section_id": "vote_section_id"}),
    "DELETE /api/v1/consultations/<consultation_id>/sections/<section_id>": Probe(ids={
        "consultation_id": "trimmed_consultation_id", "section_id": "section_deleted_by_api"}),
    "POST /api/v1/consultations/<consultation_id>/close": Probe(ids={"consultation_id": "closed_by_api"}),
    "PUT /api/v1/consultations/<consultation_id>/synthesis": Probe(json=lambda ids: SYNTHESIS,
                                                                   ids=CLOSED_CONSULTATION),
    "POST /consultations/gestion/<consultation_id>": Probe(form=lambda ids: ids["consultation_form"]),
    "POST /consultations/gestion/<consultation_id>/sections": Probe(form=lambda ids: NEW_SECTION),
    "POST /consultations/gestion/<consultation_id>/sections/<int:section_id>": Probe(
        form=lambda ids: VOTE_SECTION, ids={"section_id": "vote_section_id"}),
    "POST /consultations/gestion/<consultation_id>/sections/<int:section_id>/supprimer": Probe(ids={
        "consultation_id": "trimmed_consultation_id", "section_id": "section_deleted_by_page"}),
    "POST /consultations/gestion/<consultation_id>/cloturer": Probe(ids={"consultation_id": "closed_by_page"}),
    "POST /consultations/gestion/<consultation_id>/synthese": Probe(form=lambda ids: SYNTHESIS,
                                                                    ids=CLOSED_CONSULTATION),
}
