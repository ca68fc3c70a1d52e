"""The ideas service as the other services' use cases call it (routing, budget, petitions read ideas): ideas from a
dict (`add`), answers in the shapes of ideas' schemas (services/ideas/ideas/schemas/ideas.py), each call recorded
(`RecordingFake`)."""
import uuid
from datetime import datetime, timezone

from hubkit.errors import NotFound

from .recording import RecordingFake, answers

PRIVATE_FIELDS = ("author_id", "correlation_id")  # ideas never tells them to a reader of `get_idea`
STAFF_ROLES = {"agent", "moderator", "admin"}


class FakeIdeas(RecordingFake):
    """Stands in for the ideas service: `ideas` (id -> the idea as `get_idea` answers it, plus its author's
    account id and the correlation id of its `idea_submitted`); `submissions` lists them in submission order behind
    a cursor, as ideas does."""

    def __init__(self):
        super().__init__()
        self.ideas = {}

    def add(self, idea_id: str = None, title="Des fontaines le long du canal",
            description="Installer trois ou quatre fontaines entre République et Jaurès.", *, status="submitted",
            theme="environnement", theme_label="Environnement", arrondissement=None, address_line=None,
            created_at: datetime = None, author_id=None, correlation_id=None, **fields) -> dict:
        """Store an idea (any other field of ideas' IdeaSchema in `fields`); the idea as it is stored."""
        idea_id = idea_id or str(uuid.uuid4())
        self.ideas[idea_id] = {
            "id": idea_id, "title": title, "description": description, "excerpt": description[:160],
            "status": status, "theme": theme, "theme_label": theme_label, "arrondissement": arrondissement,
            "address_line": address_line, "created_at": (created_at or datetime.now(timezone.utc)).isoformat(),
            "author_pseudonym": "Camille du 11e", "supports_count": 0, "comments_count": 0, "hidden": False,
            "author_id": author_id, "correlation_id": correlation_id, **fields}
        return self.ideas[idea_id]

    @answers
    def get_idea(self, data, actor=None):
        """`actor`: the reader, if any (budget asks whether they wrote it: `viewer.is_author`)."""
        if data["idea_id"] not in self.ideas:
            raise NotFound("Idée introuvable.")
        idea = self.ideas[data["idea_id"]]
        return {**{key: value for key, value in idea.items() if key not in PRIVATE_FIELDS},
                "viewer": None if actor is None else self._viewer(idea, actor)}

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

    @staticmethod
    def _viewer(idea: dict, actor: dict) -> dict:
        roles = set(actor.get("roles", ()))
        return {"is_author": idea["author_id"] == actor["account_id"], "supports": False, "follows": False,
                "can_change_status": "admin" in roles, "can_merge": bool(roles & STAFF_ROLES),
                "can_moderate": bool(roles & {"moderator", "admin"}), "reported_idea": False,
                "reported_comments": []}
