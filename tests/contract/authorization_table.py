"""Who may use each route of the gateway: one row per (method, URL rule) of the app's URL map, naming a policy.

A policy is the set of personas that get past authorization. The personas are the seven of issue 12:

  anonymous      no session, no token
  citizen        a verified citizen who owns the seeded resources (idea, petition draft, budget project,
                 consultation proposal)
  other_citizen  another verified citizen
  agent_owner    an agent of the direction that owns the seeded resources (the idea's routing item, the
                 project, the consultation they set up)
  agent_other    an agent of another direction
  moderator      a moderator
  admin          an administrator (acts on everything)

To add a route: add its "METHOD /rule" to TABLE under the policy it must have, and, if an allowed persona's
request would change the world for good or must reach a service to be judged (a direction check), give it
a PROBE. docs/security/authorization-matrix.md says more.
"""
from .authorization_world import ADMIN, AGENT_OTHER, AGENT_OWNER, ANONYMOUS, CITIZEN, MODERATOR, PERSONAS

PUBLIC = frozenset(PERSONAS)
SIGNED_IN = PUBLIC - {ANONYMOUS}
OWNER = frozenset({CITIZEN})  # the citizen whose resource it is: no one else, not even an administrator
STAFF = frozenset({AGENT_OWNER, AGENT_OTHER, MODERATOR, ADMIN})  # anyone who enters the back office
AGENTS = frozenset({AGENT_OWNER, AGENT_OTHER, ADMIN})  # the City's work, any direction (lists, new things)
STAFF_OF_DIRECTION = frozenset({AGENT_OWNER, ADMIN})  # acting on what one direction owns
MODERATION = frozenset({MODERATOR, ADMIN})
ADMIN_ONLY = frozenset({ADMIN})
OWNER_OR_STAFF_OF_DIRECTION = OWNER | STAFF_OF_DIRECTION  # a proposal's amendments: its author or the City
NOBODY = frozenset()  # no persona: authenticated otherwise (a scheme's HMAC signature)

POLICY_NAMES = {PUBLIC: "PUBLIC", SIGNED_IN: "SIGNED_IN", OWNER: "OWNER", STAFF: "STAFF", AGENTS: "AGENTS",
                STAFF_OF_DIRECTION: "STAFF_OF_DIRECTION", MODERATION: "MODERATION", ADMIN_ONLY: "ADMIN_ONLY",
                OWNER_OR_STAFF_OF_DIRECTION: "OWNER_OR_STAFF_OF_DIRECTION", NOBODY: "NOBODY"}


NAMED = []  # every route as rows() named it: a route named twice would silently keep its last policy


def rows(policy: frozenset, *routes: str) -> dict:
    NAMED.extend(routes)
    return {route: policy for route in routes}


TABLE = {
    # --- the public site, the API's reference data, health and metrics ---------------------------------------
    **rows(PUBLIC,
           "GET /", "GET /healthz", "GET /readyz", "GET /statusz",
           "GET /agir", "GET /agir/<code>",  # « Agir »: the action schemes, what each is, who may ask
           "GET /api/v1/act/schemes", "GET /api/v1/act/schemes/<code>",
           # signing out: of the session or token the request carries, if any (nothing to refuse)
           "POST /deconnexion", "DELETE /api/v1/auth/tokens/current",
           "GET /metrics",  # Prometheus scrapes the process; 404 through a trusted proxy (gateway.health)
           "GET /api/v1/openapi.json", "GET /api/v1/reference",
           # accounts: what a visitor does to get an account or back into one
           "POST /api/v1/accounts", "POST /api/v1/accounts/verification", "POST /api/v1/accounts/verification/resend",
           "POST /api/v1/auth/tokens", "POST /api/v1/auth/password-reset", "POST /api/v1/auth/password-reset/confirm",
           "POST /api/v1/accounts/email-change/confirm",
           "GET /inscription", "POST /inscription", "GET /compte/verifier", "POST /compte/verifier",
           "GET /compte/verification/renvoyer", "POST /compte/verification/renvoyer", "GET /connexion",
           "POST /connexion", "GET /mot-de-passe-oublie", "POST /mot-de-passe-oublie",
           "GET /mot-de-passe/reinitialiser", "POST /mot-de-passe/reinitialiser", "GET /compte/email/confirmer",
           "POST /compte/email/confirmer",
           # ideas, consultations, petitions, budget, routing: what anyone may read
           "GET /api/v1/ideas", "GET /api/v1/ideas/similar", "GET /api/v1/ideas/themes", "GET /api/v1/ideas/<idea_id>",
           "GET /api/v1/similar",  # what already exists anywhere: ideas, proposals, projects, petitions
           # open data (anonymised, ODbL): the catalogue, each dataset's files, schema and pages, the DCAT-AP
           "GET /donnees-ouvertes", "GET /api/v1/open-data/catalog.jsonld",
           "GET /api/v1/open-data/<dataset:dataset>", "GET /api/v1/open-data/<dataset:dataset>.csv",
           "GET /api/v1/open-data/<dataset:dataset>.json", "GET /api/v1/open-data/<dataset:dataset>.schema.json",
           # an e-mail's one-click unsubscribe (RFC 8058): the signed token is the authority, no session
           "GET /notifications/desabonnement/<token>", "POST /notifications/desabonnement/<token>",
           "GET /idees", "GET /idees/<idea_id>",
           "GET /api/v1/consultations", "GET /api/v1/consultations/<consultation_id>",
           "GET /api/v1/consultations/proposals/<proposal_id>", "GET /consultations",
           "GET /consultations/<consultation_id>", "GET /consultations/<consultation_id>/synthese",
           "GET /consultations/propositions/<proposal_id>",
           "GET /api/v1/petitions", "GET /api/v1/petitions/reference", "GET /petitions",
           "GET /api/v1/budget/reference", "GET /api/v1/budget/cycles", "GET /api/v1/budget/cycles/<id:cycle_id>",
           "GET /api/v1/budget/cycles/<cycle_id>/projects", "GET /api/v1/budget/projects",
           "GET /api/v1/budget/projects.csv", "GET /api/v1/budget/projects/<project_id>",
           "GET /api/v1/budget/cycles/<cycle_id>/results", "GET /api/v1/budget/cycles/<cycle_id>/results.csv",
           "GET /api/v1/budget/cycles/<cycle_id>/receipts/<receipt>", "GET /api/v1/budget/cycles/<cycle_id>/pabulib",
           "GET /budget-participatif", "GET /budget-participatif/projets",
           "GET /budget-participatif/projets/<uuid:project_id>",
           "GET /budget-participatif/projets/<uuid:project_id>/campagne",
           "GET /budget-participatif/projets/<uuid:project_id>/affiche",
           "GET /budget-participatif/<uuid:cycle_id>/resultats",
           "GET /budget-participatif/<uuid:cycle_id>/resultats.csv",
           "GET /budget-participatif/<uuid:cycle_id>/projets.csv",
           "GET /budget-participatif/<uuid:cycle_id>/verifier-recu",
           "GET /api/v1/routing/reference", "GET /api/v1/routing/schemes", "GET /api/v1/routing/schemes/<code>",
           "GET /api/v1/routing/ideas/<idea_id>/timeline", "GET /open311/v2/services.<fmt>",
           "GET /open311/v2/services/<code>.<fmt>"),
    # a petition draft is its author's until it is submitted: others are told it does not exist (see PROBES)
    **rows(OWNER,
           "GET /api/v1/petitions/<id:petition_id>", "GET /petitions/<uuid:petition_id>",
           "PATCH /api/v1/petitions/<id:petition_id>", "POST /api/v1/petitions/<petition_id>/submission",
           "GET /petitions/<uuid:petition_id>/modifier", "POST /petitions/<uuid:petition_id>/modifier",
           "POST /petitions/<uuid:petition_id>/soumettre",
           # a budget project's carrier: completing a draft, answering a merge invitation
           "POST /api/v1/budget/projects/<project_id>/confirmation",
           "POST /api/v1/budget/projects/<project_id>/invitation",
           "GET /budget-participatif/projets/<uuid:project_id>/completer",
           "POST /budget-participatif/projets/<uuid:project_id>/completer",
           "POST /budget-participatif/projets/<uuid:project_id>/invitation"),
    # the amendments to a consultation proposal: decided by its author, or by the consultation's direction
    **rows(OWNER_OR_STAFF_OF_DIRECTION,
           "POST /api/v1/consultations/amendments/<amendment_id>/decision",
           "POST /consultations/propositions/<proposal_id>/amendements/<amendment_id>/decision"),
    # --- what a signed-in person does for themselves -----------------------------------------------------------
    **rows(SIGNED_IN,
           "GET /api/v1/me", "PATCH /api/v1/me", "POST /api/v1/me/deletion",
           "POST /api/v1/me/email", "GET /api/v1/me/export", "POST /api/v1/me/password", "GET /api/v1/me/sessions",
           "DELETE /api/v1/me/sessions/<session_id>", "GET /api/v1/me/petitions",
           "GET /mon-compte", "POST /mon-compte/email", "GET /mon-compte/mes-donnees.json",
           "POST /mon-compte/mot-de-passe", "POST /mon-compte/profil", "POST /mon-compte/sessions/<session_id>/fermer",
           "GET /mon-compte/supprimer", "POST /mon-compte/supprimer",
           # « Agir »: asking a scheme directly (routing checks the form, then who may ask: a 400 to the probe's
           # empty form), and one's own requests (routing finds only the asker's: a 404 to anyone else)
           "POST /agir/<code>", "GET /agir/dossiers/<reference>",
           "POST /api/v1/act/dossiers", "GET /api/v1/act/dossiers", "GET /api/v1/act/dossiers/<reference>",
           # one's own notifications and preferences (the notifications service keeps each person's apart)
           "GET /notifications", "POST /notifications/tout-lire", "GET /notifications/preferences",
           "POST /notifications/preferences", "GET /api/v1/me/notifications", "POST /api/v1/me/notifications/read",
           "GET /api/v1/me/notification-preferences", "PUT /api/v1/me/notification-preferences",
           # « Mon espace »: one's own space (the notifications service lists the session's person's only)
           "GET /mon-espace", "GET /api/v1/me/space",
           "POST /api/v1/ideas", "POST /api/v1/ideas/<idea_id>/comments", "POST /api/v1/ideas/<idea_id>/follow",
           "DELETE /api/v1/ideas/<idea_id>/follow", "POST /api/v1/ideas/<idea_id>/reports",
           "POST /api/v1/ideas/<idea_id>/supports", "DELETE /api/v1/ideas/<idea_id>/supports",
           "POST /api/v1/ideas/comments/<comment_id>/reports",
           "GET /idees/proposer", "POST /idees/proposer", "POST /idees/<idea_id>/commentaires",
           "POST /idees/<idea_id>/commentaires/<int:comment_id>/signaler", "POST /idees/<idea_id>/ne-plus-suivre",
           "POST /idees/<idea_id>/signaler", "POST /idees/<idea_id>/soutien", "POST /idees/<idea_id>/soutien/retirer",
           "POST /idees/<idea_id>/suivre",
           "POST /api/v1/consultations/<consultation_id>/proposals",
           "POST /api/v1/consultations/proposals/<proposal_id>/amendments",
           "POST /api/v1/consultations/proposals/<proposal_id>/arguments",
           "POST /api/v1/consultations/proposals/<proposal_id>/comments",
           "POST /api/v1/consultations/proposals/<proposal_id>/supports",
           "POST /api/v1/consultations/comments/<comment_id>/supports",
           "POST /api/v1/consultations/sections/<section_id>/answers",
           "POST /api/v1/consultations/sections/<section_id>/arguments",
           "POST /api/v1/consultations/arguments/<content_id>/reports",
           "POST /api/v1/consultations/comments/<content_id>/reports",
           "POST /api/v1/consultations/proposals/<content_id>/reports",
           "POST /consultations/<consultation_id>/sections/<section_id>/propositions",
           "POST /consultations/<consultation_id>/sections/<section_id>/reponses",
           "POST /consultations/<consultation_id>/sections/<section_id>/vote",
           "POST /consultations/propositions/<proposal_id>/accord",
           "POST /consultations/propositions/<proposal_id>/amendements",
           "POST /consultations/propositions/<proposal_id>/commentaires",
           "POST /consultations/propositions/<proposal_id>/vote", "POST /consultations/signaler",
           "POST /api/v1/petitions", "GET /api/v1/petitions/sponsorships/<token>",
           "POST /api/v1/petitions/sponsorships/<token>", "POST /api/v1/petitions/<petition_id>/signatures",
           "GET /petitions/nouvelle", "POST /petitions/nouvelle", "GET /petitions/parrainer/<token>",
           "POST /petitions/parrainer/<token>", "POST /petitions/<uuid:petition_id>/signer", "GET /mes-petitions",
           "POST /api/v1/budget/cycles/<cycle_id>/projects", "PUT /api/v1/budget/cycles/<cycle_id>/ballot",
           "GET /api/v1/budget/cycles/<cycle_id>/ballot", "GET /api/v1/budget/me/projects",
           "PUT /api/v1/budget/projects/<project_id>/follows/<kind>",
           "DELETE /api/v1/budget/projects/<project_id>/follows/<kind>",
           "GET /budget-participatif/<uuid:cycle_id>/deposer", "POST /budget-participatif/<uuid:cycle_id>/deposer",
           "GET /budget-participatif/<uuid:cycle_id>/vote", "POST /budget-participatif/<uuid:cycle_id>/vote",
           "POST /budget-participatif/<uuid:cycle_id>/vote/verifier",
           "GET /budget-participatif/<uuid:cycle_id>/vote/recu", "GET /budget-participatif/mes-projets",
           "POST /budget-participatif/projets/<uuid:project_id>/suivre",
           "POST /budget-participatif/projets/<uuid:project_id>/ne-plus-suivre"),
    # --- the back office ------------------------------------------------------------------------------------
    **rows(STAFF,
           "GET /back-office",
           # routing: reading the inbox, an item, a trace (docs/security/directions.md: moderators read, never act)
           "GET /api/v1/routing/inbox", "GET /api/v1/routing/inbox/<idea_id>",
           "GET /api/v1/routing/traces/<correlation_id>", "GET /back-office/orientation",
           "GET /back-office/orientation/<idea_id>", "GET /back-office/traces",
           # merging duplicate ideas is moderation as much as routing
           "POST /api/v1/ideas/<idea_id>/merge", "POST /idees/<idea_id>/fusionner"),
    **rows(AGENTS,
           # accounts: an exact e-mail lookup (issue 12, §3) and identity certification at a counter
           "GET /api/v1/accounts", "GET /back-office/comptes", "POST /api/v1/accounts/<account_id>/certification",
           "POST /back-office/comptes/<account_id>/certifier",
           # consultations: setting a new one up (the creator's direction owns it)
           "POST /api/v1/consultations", "GET /consultations/gestion", "GET /consultations/gestion/nouvelle",
           "POST /consultations/gestion/nouvelle",
           # the budget back office's pages and a cycle's live counts
           "GET /back-office/budget", "GET /back-office/budget/<uuid:cycle_id>",
           "GET /back-office/budget/<uuid:cycle_id>/etude", "GET /back-office/budget/<uuid:cycle_id>/selection",
           "GET /back-office/budget/<uuid:cycle_id>/fusion", "GET /back-office/budget/<uuid:cycle_id>/realisation",
           "GET /back-office/budget/<uuid:cycle_id>/decomptes",
           "GET /back-office/budget/<uuid:cycle_id>/bulletins-papier",
           "GET /api/v1/budget/cycles/<cycle_id>/counts"),
    **rows(STAFF_OF_DIRECTION,
           # routing decisions (and undoing them: agent_owner made the seeded one), assignments and checklists
           "PUT /api/v1/routing/inbox/<idea_id>/checklist", "POST /api/v1/routing/inbox/<idea_id>/assignment",
           "POST /api/v1/routing/inbox/<idea_id>/decisions", "POST /back-office/orientation/<idea_id>/decision",
           "POST /back-office/orientation/<idea_id>/grille", "POST /back-office/orientation/<idea_id>/attribution",
           "POST /api/v1/routing/decisions/<decision_id>/undo",
           "POST /back-office/orientation/<idea_id>/decisions/<decision_id>/annuler",
           # budget study, selection, merges and statuses of the direction's projects
           "POST /api/v1/budget/projects/<project_id>/study", "POST /api/v1/budget/projects/<project_id>/selection",
           "POST /api/v1/budget/projects/<project_id>/status", "POST /api/v1/budget/cycles/<cycle_id>/merges",
           "POST /back-office/budget/<uuid:cycle_id>/projets/<uuid:project_id>/etude",
           "POST /back-office/budget/<uuid:cycle_id>/projets/<uuid:project_id>/statut",
           "POST /back-office/budget/<uuid:cycle_id>/selection", "POST /back-office/budget/<uuid:cycle_id>/fusion",
           # paper ballots: a cycle's, owned by the budget's organising direction (the world's owning direction)
           "POST /api/v1/budget/cycles/<cycle_id>/paper-ballots",
           "POST /back-office/budget/<uuid:cycle_id>/bulletins-papier",
           # consultation editing and closing
           "PUT /api/v1/consultations/<consultation_id>", "POST /api/v1/consultations/<consultation_id>/close",
           "POST /api/v1/consultations/<consultation_id>/sections",
           "PUT /api/v1/consultations/<consultation_id>/sections/<section_id>",
           "DELETE /api/v1/consultations/<consultation_id>/sections/<section_id>",
           "PUT /api/v1/consultations/<consultation_id>/synthesis", "GET /consultations/gestion/<consultation_id>",
           "POST /consultations/gestion/<consultation_id>", "POST /consultations/gestion/<consultation_id>/cloturer",
           "POST /consultations/gestion/<consultation_id>/sections",
           "POST /consultations/gestion/<consultation_id>/sections/<int:section_id>",
           "POST /consultations/gestion/<consultation_id>/sections/<int:section_id>/supprimer",
           "POST /consultations/gestion/<consultation_id>/synthese"),
    **rows(MODERATION,
           "GET /api/v1/ideas/moderation", "POST /api/v1/ideas/<idea_id>/hide", "POST /api/v1/ideas/<idea_id>/restore",
           "POST /api/v1/ideas/comments/<comment_id>/hide", "POST /api/v1/ideas/comments/<comment_id>/restore",
           "GET /idees/moderation", "POST /idees/<idea_id>/moderation",
           "POST /idees/<idea_id>/commentaires/<int:comment_id>/moderation",
           "POST /api/v1/consultations/arguments/<content_id>/hide",
           "POST /api/v1/consultations/arguments/<content_id>/restore",
           "POST /api/v1/consultations/comments/<content_id>/hide",
           "POST /api/v1/consultations/comments/<content_id>/restore",
           "POST /api/v1/consultations/proposals/<content_id>/hide",
           "POST /api/v1/consultations/proposals/<content_id>/restore", "POST /consultations/moderer",
           "GET /api/v1/petitions/moderation", "POST /api/v1/petitions/<petition_id>/publication",
           "POST /api/v1/petitions/<petition_id>/rejection", "POST /api/v1/petitions/<petition_id>/invalidations",
           "GET /api/v1/petitions/<petition_id>/signature-trends", "GET /api/v1/petitions/council",
           "GET /back-office/petitions/moderation", "POST /back-office/petitions/<uuid:petition_id>/publier",
           "POST /back-office/petitions/<uuid:petition_id>/refuser",
           "GET /back-office/petitions/<uuid:petition_id>/fraude",
           "POST /back-office/petitions/<uuid:petition_id>/invalider", "GET /back-office/petitions/conseil"),
    **rows(ADMIN_ONLY,
           "POST /api/v1/accounts/<account_id>/roles", "DELETE /api/v1/accounts/<account_id>/roles/<role>",
           "GET /back-office/roles", "POST /back-office/comptes/<account_id>/roles",
           "GET /back-office/etat", "GET /api/v1/admin/status",  # "État du hub": every service's status
           "POST /back-office/comptes/<account_id>/roles/<role>/retirer",
           "POST /api/v1/routing/schemes", "PATCH /api/v1/routing/schemes/<code>", "GET /back-office/dispositifs",
           "POST /back-office/dispositifs", "POST /back-office/dispositifs/<code>",
           "POST /api/v1/budget/cycles", "POST /api/v1/budget/cycles/<cycle_id>/stage",
           "POST /api/v1/budget/cycles/pabulib", "POST /back-office/budget/editions",
           "POST /back-office/budget/<uuid:cycle_id>/etape",
           "POST /api/v1/petitions/<petition_id>/council-placement", "POST /api/v1/petitions/<petition_id>/response",
           "POST /api/v1/petitions/<petition_id>/closure", "POST /back-office/petitions/<uuid:petition_id>/conseil",
           "POST /back-office/petitions/<uuid:petition_id>/reponse",
           "POST /back-office/petitions/<uuid:petition_id>/clore",
           # an idea's status, up to the City's answer, set directly in the idea box: the answer is routing's
           # "answer" by another door, so agents decide from routing's inbox (their direction's items) and only
           # admins, who act on everything, set it here (issue 12, section 3; docs/security/directions.md)
           "POST /api/v1/ideas/<idea_id>/status", "POST /idees/<idea_id>/statut"),
    **rows(NOBODY, "POST /api/v1/routing/dossiers/<reference>/answer"),
}
