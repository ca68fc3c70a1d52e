"""What a citizen's project submission must pass besides its form: the idea it names as its origin is theirs,
and they submit at most BUDGET_SUBMISSIONS_PER_DAY projects a day (docs/security/abuse.md).

The idea's author is known to the ideas service only: budget asks `ideas.get_idea` with the citizen as the
reader (`viewer.is_author`). An idea an agent forwarded to the budget for this citizen (routing's
`idea_forwarded`, recorded here as their draft or as a pending idea) needs no call.
"""
import sqlalchemy as sa
from hubkit.config import env_int
from hubkit.errors import InvalidInput, NotFound, PermissionDenied, RateLimited, ServiceUnavailable

from .models import Carrier, PendingIdea, Project

SUBMISSIONS_BUCKET = "budget:submissions"
SUBMISSIONS_WINDOW = 24 * 60 * 60
SUBMISSIONS_PER_DAY = env_int("BUDGET_SUBMISSIONS_PER_DAY", 10)
NOT_YOUR_IDEA = ("Vous ne pouvez rattacher votre projet qu'à une idée que vous avez proposée, ou qu'un agent de la "
                 "Ville a transmise au budget participatif pour vous.")


class SubmissionGuards:
    """Mixed into the Budget use cases (which provide the session, `ideas` and `throttle`)."""

    submissions_per_day = SUBMISSIONS_PER_DAY

    def check_origin_idea(self, actor: dict, idea_id: str):
        """PermissionDenied (IDEA_NOT_YOURS) unless the citizen wrote the idea or it was forwarded to them; ends
        the read transaction before asking ideas, so that no transaction waits on another service."""
        account_id = str(actor["account_id"])
        if self._forwarded_to(account_id, idea_id):
            return
        self.session.rollback()  # only read so far
        if self.ideas is None:
            raise ServiceUnavailable("La boîte à idées ne répond pas : impossible de vérifier l'idée d'origine.")
        try:
            idea = self.ideas.get_idea({"idea_id": idea_id}, actor)
        except NotFound:
            raise InvalidInput(details={"origin_idea_id": ["Cette idée n'existe pas."]}) from None
        if not (idea.get("viewer") or {}).get("is_author"):
            raise PermissionDenied(NOT_YOUR_IDEA, code="IDEA_NOT_YOURS")

    def _forwarded_to(self, account_id: str, idea_id: str) -> bool:
        drafted = self.session.execute(sa.select(Project.id).join(Carrier, Carrier.project_id == Project.id).where(
            Project.origin_idea_id == idea_id, Project.origin_decision_id.is_not(None),
            Carrier.account_id == account_id).limit(1)).first()
        waiting = self.session.execute(sa.select(PendingIdea.decision_id).where(
            PendingIdea.idea_id == idea_id, PendingIdea.author_id == account_id).limit(1)).first()
        return drafted is not None or waiting is not None

    def consume_submission(self, actor: dict):
        """One submission of the citizen's day; the one past the limit is refused (429) before anything is
        written. Without a throttle (the command line's use cases) nothing is limited."""
        if self.throttle is None:
            return
        limit = self.submissions_per_day
        try:
            self.throttle.consume(SUBMISSIONS_BUCKET, str(actor["account_id"]), limit, SUBMISSIONS_WINDOW)
        except RateLimited as limited:
            hours = max(1, -(-limited.retry_after // 3600))
            raise RateLimited(f"Vous avez déposé {limit} projets en 24 heures : c'est la limite par compte. "
                              f"Réessayez dans {hours} heure{'s' if hours > 1 else ''}.",
                              details=limited.details) from None
