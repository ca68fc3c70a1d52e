"""The ideas service as the other services' use cases (routing, budget, petitions read ideas) and the gateway's pages
call it: ideas from a dict (`add`, `put`), answers in the shapes of ideas' schemas
(services/ideas/ideas/schemas/ideas.py), each call recorded (`RecordingFake`). Filtering, sorting and the rules are
the service's (its own tests); a page test checks what the gateway asks and shows."""
import uuid
from datetime import datetime, timezone

from hubkit.errors import NotFound, PermissionDenied

from .recording import RecordingFake, answers

PRIVATE_FIELDS = ("author_id", "correlation_id")  # ideas never tells them to a reader of `get_idea`
STAFF_ROLES = {"agent", "moderator", "admin"}
# ideas' own tables (services/ideas/ideas/domain/box.py), copied as `reference_data` answers them
THEMES = [{"code": code, "label": label} for code, label in (
    ("cadre_de_vie", "Cadre de vie"), ("culture_patrimoine", "Culture et patrimoine"),
    ("attractivite_emploi", "Attractivité et emploi"), ("education_jeunesse", "Education et jeunesse"),
    ("environnement", "Environnement"), ("mobilites", "Mobilités"), ("prevention_securite", "Prévention et sécurité"),
    ("proprete", "Propreté"), ("sante", "Santé"), ("solidarites", "Solidarités"), ("sport", "Sport"))]
STATUSES = [{"code": code, "label": label} for code, label in (
    ("submitted", "Déposée"), ("under_review", "À l'étude"), ("forwarded", "Transmise"),
    ("answered", "Réponse apportée"), ("not_retained", "Non retenue"), ("merged", "Fusionnée"))]
SCHEMES = [{"code": code, "label": label} for code, label in (
    ("budget", "Budget participatif"), ("greening_permit", "Permis de végétaliser"),
    ("street_report", "Signalement sur l'espace public (DansMaRue)"), ("petition", "Pétitions"),
    ("direct_answer", "Réponse directe d'une direction de la Ville"))]
REPORT_REASONS = [{"code": "spam", "label": "Spam ou publicité"},
                  {"code": "offensive", "label": "Propos injurieux ou haineux"},
                  {"code": "off_topic", "label": "Hors sujet"}]
OPEN_STATUSES = ("submitted", "under_review")
TRANSITIONS = {"submitted": ["under_review"], "under_review": ["forwarded", "answered", "not_retained", "merged"],
               "forwarded": [], "answered": [], "not_retained": [], "merged": []}


def _label(table: list, code: str) -> str:
    return next((row["label"] for row in table if row["code"] == code), code)


SUMMARY_FIELDS = ("id", "title", "excerpt", "theme", "theme_label", "arrondissement", "status", "status_label",
                  "author_pseudonym", "hidden", "supports_count", "imported_supports", "comments_count", "created_at")


class FakeIdeas(RecordingFake):
    """Stands in for the ideas service: `ideas` (id -> the idea as `get_idea` answers it, plus its author's
    account id and the correlation id of its `idea_submitted`); `submissions` lists them in submission order behind
    a cursor, as ideas does."""

    def __init__(self):
        super().__init__()
        self.ideas = {}
        # what the reader has done (the rest of `viewer` comes from the idea and the reader's roles)
        self.viewer = {"supports": False, "follows": False, "reported_idea": False, "reported_comments": [],
                       "own_comments": []}
        self.similar = []  # what `similar_ideas` answers
        self.queue = {"items": [], "log": []}  # what `moderation_queue` answers

    def add(self, idea_id: str = None, title="Des fontaines le long du canal",
            description="Installer trois ou quatre fontaines entre République et Jaurès.", *, status="submitted",
            theme="environnement", theme_label=None, arrondissement=None, address_line=None,
            created_at: datetime = None, author_id=None, correlation_id=None, **fields) -> dict:
        """Store an idea (any other field of ideas' IdeaSchema in `fields`); the idea as it is stored."""
        idea_id = idea_id or str(uuid.uuid4())
        self.ideas[idea_id] = {
            "id": idea_id, "title": title, "description": description, "excerpt": description[:160],
            "status": status, "status_label": _label(STATUSES, status), "theme": theme,
            "theme_label": theme_label or _label(THEMES, theme), "arrondissement": arrondissement,
            "address_line": address_line, "created_at": (created_at or datetime.now(timezone.utc)).isoformat(),
            "author_pseudonym": "Camille du 11e", "supports_count": 0, "comments_count": 0, "hidden": False,
            "imported_supports": 0, "followers_count": 0, "comments": [], "history": [], "similar": [],
            "scheme": None, "scheme_label": None, "merged_into": None, "next_statuses": TRANSITIONS.get(status, []),
            "accepts_supports": status in OPEN_STATUSES, "accepts_comments": status in OPEN_STATUSES,
            "updated_at": None, "author_id": author_id, "correlation_id": correlation_id, **fields}
        return self.ideas[idea_id]

    def put(self, idea: dict) -> dict:
        """Store `idea` as `get_idea` answers it (its id in `idea["id"]`, no author known unless it says)."""
        self.ideas[idea["id"]] = {"author_id": None, "correlation_id": None, **idea}
        return self.ideas[idea["id"]]

    @answers
    def get_idea(self, data, actor=None):
        """`actor`: the reader, if any (budget asks whether they wrote it: `viewer.is_author`)."""
        return self._read(self._idea(data), actor)

    @answers
    def submissions(self, data):
        found = sorted((f"{idea['created_at']}|{idea['id']}", idea) for idea in self.ideas.values())
        after = [(cursor, idea) for cursor, idea in found if data["after"] is None or cursor > data["after"]]
        page = after[:data["limit"]]
        return {"items": [{"idea_id": idea["id"], "author_id": idea["author_id"],
                           "correlation_id": idea["correlation_id"], "submitted_at": idea["created_at"],
                           "status": idea["status"], "theme": idea["theme"],
                           "arrondissement": idea["arrondissement"], "cursor": cursor} for cursor, idea in page],
                "next_cursor": page[-1][0] if page else data["after"], "has_more": len(after) > len(page)}

    # --- what the gateway's pages call ---

    @answers
    def reference_data(self):
        return {"themes": THEMES, "report_reasons": REPORT_REASONS, "statuses": STATUSES, "schemes": SCHEMES,
                "transitions": TRANSITIONS}

    @answers
    def list_ideas(self, query):
        """Every stored idea, newest first, a page of them; with words (`q`, not searched here) counted as the
        service counts a search: up to 1,000, or to the page asked, then "at least" (`total_is_lower_bound`)."""
        found = sorted(self.ideas.values(), key=lambda idea: idea["created_at"], reverse=True)
        page = found[query["offset"]:query["offset"] + query["limit"]]
        counted_up_to = max(1000, query["offset"] + query["limit"])
        bounded = bool((query.get("q") or "").strip()) and len(found) > counted_up_to
        return {"items": [{key: idea.get(key) for key in SUMMARY_FIELDS} for idea in page],
                "total": counted_up_to + 1 if bounded else len(found), "total_is_lower_bound": bounded,
                "limit": query["limit"], "offset": query["offset"]}

    @answers
    def submit_idea(self, actor, data):
        return self._read(self.add(title=data["title"], description=data["description"], theme=data["theme"],
                                   arrondissement=data.get("arrondissement"), address_line=data.get("address_line"),
                                   author_id=actor["account_id"], author_pseudonym=data["author_pseudonym"]), actor)

    @answers
    def support_idea(self, actor, data):
        return {"idea_id": data["idea_id"], "supported": True, "supports_count": self._idea(data)["supports_count"] + 1}

    @answers
    def withdraw_support(self, actor, data):
        return {"idea_id": data["idea_id"], "supported": False,
                "supports_count": self._idea(data)["supports_count"] - 1}

    @answers
    def follow_idea(self, actor, data):
        return {"idea_id": data["idea_id"], "following": True,
                "followers_count": self._idea(data)["followers_count"] + 1}

    @answers
    def unfollow_idea(self, actor, data):
        return {"idea_id": data["idea_id"], "following": False,
                "followers_count": self._idea(data)["followers_count"] - 1}

    @answers
    def post_comment(self, actor, data):
        comments = self._idea(data)["comments"]
        return {"id": max((comment["id"] for comment in comments), default=0) + 1, "idea_id": data["idea_id"],
                "author_pseudonym": data["author_pseudonym"], "body": data["body"], "hidden": False,
                "created_at": datetime.now(timezone.utc).isoformat()}

    @answers
    def change_status(self, actor, data):
        return self._read(self._idea(data), actor)

    @answers
    def similar_ideas(self, data):
        return {"items": self.similar}

    @answers
    def merge_ideas(self, actor, data):
        return {**self._read(self._idea(data), actor), "status": "merged", "merged_into": data["into"]}

    @answers
    def report_content(self, actor, data):
        """Its author does not report an idea (403 OWN_IDEA) nor a comment of theirs (`viewer.own_comments`, 403
        OWN_CONTENT), as ideas refuses it (services/ideas/ideas/domain/moderation.py, OWN_CONTENT_REFUSALS)."""
        idea = self.ideas.get(data["content_id"]) if data["kind"] == "idea" else None
        if idea is not None and idea["author_id"] is not None and idea["author_id"] == actor["account_id"]:
            raise PermissionDenied("Vous êtes l'auteur·e de cette idée : vous ne pouvez pas la signaler.",
                                   code="OWN_IDEA")
        if data["kind"] == "comment" and str(data["content_id"]) in map(str, self.viewer["own_comments"]):
            raise PermissionDenied("Vous avez écrit ce commentaire : vous ne pouvez pas le signaler.",
                                   code="OWN_CONTENT")
        return {"kind": data["kind"], "content_id": data["content_id"], "reported": True, "hidden": False}

    @answers
    def moderate(self, actor, data):
        return {"kind": data["kind"], "content_id": data["content_id"], "hidden": data["action"] == "hide"}

    @answers
    def moderation_queue(self, actor):
        return self.queue

    def _idea(self, data: dict) -> dict:
        if data["idea_id"] not in self.ideas:
            raise NotFound("Idée introuvable.")
        return self.ideas[data["idea_id"]]

    def _read(self, idea: dict, actor=None) -> dict:
        """The idea as `get_idea` answers it to `actor` (None: a visitor)."""
        return {**{key: value for key, value in idea.items() if key not in PRIVATE_FIELDS},
                "viewer": None if actor is None else self._viewer(idea, actor)}

    def _viewer(self, idea: dict, actor: dict) -> dict:
        roles = set(actor.get("roles", ()))
        return {**self.viewer, "is_author": idea["author_id"] == actor["account_id"],
                "can_change_status": "admin" in roles, "can_merge": bool(roles & STAFF_ROLES),
                "can_moderate": bool(roles & {"moderator", "admin"})}
