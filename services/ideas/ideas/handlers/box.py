"""The permanent idea box: submitting, supports, comments, follows and status changes (reading: idea_views;
merging duplicates: duplicates; the command line's imports and demo ideas: seeding)."""
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.errors import Conflict, HubError, InvalidInput, NotFound, PermissionDenied
from hubkit.idempotency import IdempotencyKeys, keyed

from .. import business_metrics, domain, events
from ..models import Comment, Follow, Idea, StatusChange, Support, new_id
from .common import FieldChecks, UseCases, rules
from .idea_views import IdeaViews

# Postings per account in an hour: enough for a citizen, too few for a script flooding the box.
IDEAS_PER_HOUR, COMMENTS_PER_HOUR = 5, 30
SUBMIT_IDEA = "submit_idea"  # the operation in an idempotency key's scope
# Why a direct status change is refused to anyone but an administrator (domain.may_change_status), and where to go.
STATUS_CHANGE_REFUSED = ("Seuls les administrateurs changent directement le statut d'une idée. Agents : décidez de "
                         "sa suite (transmettre, répondre, ne pas retenir, doublon) dans « Orientation des idées » "
                         "du back-office, où agit la direction qui en a la charge.")
# Why an idea's author may not follow it: the page hides the button, the service refuses a forged request.
OWN_IDEA_FOLLOW_REFUSED = ("Vous êtes l'auteur·e de cette idée : vous êtes déjà prévenu·e de ses suites, "
                           "inutile de la suivre.")


class IdeaBox(UseCases):
    use_cases = ("submit_idea", "submit_idea_once", "support_idea", "withdraw_support", "post_comment", "follow_idea", "unfollow_idea",
                 "change_status")

    def __init__(self, context):
        super().__init__(context)
        self.views = IdeaViews(context)

    # --- submitting -------------------------------------------------------------------------

    def submit_idea(self, actor: dict, command: dict) -> dict:
        check = FieldChecks()
        title = check(domain.check_title, command["title"])
        description = check(domain.check_description, command["description"])
        theme = check(domain.check_theme, command["theme"])
        place = check(domain.check_place, command.get("arrondissement"), command.get("address_line"))
        check.raise_if_broken()
        arrondissement, address_line = place
        self._throttle_posting("idea-post", actor, IDEAS_PER_HOUR, "idées proposées")
        author_id = str(actor["account_id"])
        idea = self.new_idea(title, description, theme, arrondissement, address_line, author_id,
                              domain.author_pseudonym(command["author_pseudonym"]), self.clock())
        submitted = self.uow.emit(events.IDEA_SUBMITTED, events.idea(idea.id),
                                  {"idea_id": idea.id, "theme": idea.theme, "arrondissement": idea.arrondissement},
                                  actor=events.actor(author_id, "citizen"))
        idea.submission_correlation_id = submitted["correlation_id"]
        self.findable.idea_changed(idea)
        # counted here, once committed: a replay answered from its stored answer (submit_idea_once) never comes here
        self.uow.on_commit(business_metrics.count_idea_submitted)
        return self.views.idea_view(idea, actor)

    def submit_idea_once(self, actor: dict, command: dict, dump) -> dict:
        """`submit_idea`, once per idempotency key: the same key and idea again answers the first idea (stored as
        `dump` gives it) and creates and emits nothing; the key with another idea is refused (422)."""
        [answer] = IdempotencyKeys(self.uow, Idea.metadata).once(
            [keyed(SUBMIT_IDEA, actor["account_id"], command)], lambda _picked: [self.submit_idea(actor, command)],
            dump)
        if isinstance(answer, HubError):
            raise answer
        return answer

    def new_idea(self, title, description, theme, arrondissement, address_line, author_id, pseudonym, now,
                  idea_id=None) -> Idea:
        idea, submitted = self.submitted_idea(title, description, theme, arrondissement, address_line, author_id,
                                              pseudonym, now, idea_id)
        self.session.add(idea)
        self.session.flush()
        self.session.add(submitted)
        return idea

    @staticmethod
    def submitted_idea(title, description, theme, arrondissement, address_line, author_id, pseudonym, now,
                       idea_id=None) -> tuple:
        """A new idea and the first step of its timeline, not yet added to the session (an import adds many)."""
        idea = Idea(id=idea_id or new_id(), title=title, description=description, theme=theme,
                    arrondissement=arrondissement, address_line=address_line, status=domain.SUBMITTED,
                    author_id=author_id, author_pseudonym=pseudonym, search_text=domain.searchable(title, description),
                    supports_count=0, comments_count=0, imported_supports=0, hidden=False, created_at=now,
                    updated_at=now)
        return idea, StatusChange(idea_id=idea.id, status=domain.SUBMITTED, changed_by=author_id,
                                  changed_by_role="citizen", changed_at=now)

    # --- supports -----------------------------------------------------------------------------
    def support_idea(self, actor: dict, idea_id) -> dict:
        idea = self.views.idea(idea_id)
        account_id = str(actor["account_id"])
        with rules():
            domain.check_open_for_support(idea.status)
        already = Conflict("Vous soutenez déjà cette idée.", code="ALREADY_SUPPORTED")
        if self.views.support_of(idea.id, account_id) is not None:
            raise already
        try:
            with self.session.begin_nested():  # two clicks at once: the unique constraint decides
                self.session.add(Support(idea_id=idea.id, account_id=account_id, created_at=self.clock()))
        except IntegrityError:
            raise already from None
        count = self.add_to_counter(idea, Idea.supports_count, +1)
        self.uow.emit(events.IDEA_SUPPORTED, events.idea(idea.id), {"idea_id": idea.id, "supports_count": count},
                      actor=events.actor(account_id, "citizen"))
        return {"idea_id": idea.id, "supported": True, "supports_count": count}

    def withdraw_support(self, actor: dict, idea_id) -> dict:
        idea = self.views.idea(idea_id)
        account_id = str(actor["account_id"])
        support = self.views.support_of(idea.id, account_id)
        if support is None:
            raise NotFound("Vous ne soutenez pas cette idée.", code="NOT_SUPPORTED")
        with rules():
            domain.check_open_for_support(idea.status)
        self.session.delete(support)
        count = self.add_to_counter(idea, Idea.supports_count, -1)
        self.uow.emit(events.IDEA_SUPPORT_WITHDRAWN, events.idea(idea.id),
                      {"idea_id": idea.id, "supports_count": count}, actor=events.actor(account_id, "citizen"))
        return {"idea_id": idea.id, "supported": False, "supports_count": count}

    def add_to_counter(self, idea: Idea, column, step: int) -> int:
        """Counters move in SQL (count = count + 1), so concurrent supports never overwrite each other."""
        self.session.execute(sa.update(Idea).where(Idea.id == idea.id)
                             .values({column: column + step, Idea.updated_at: self.clock()}))
        return self.session.execute(sa.select(column).where(Idea.id == idea.id)).scalar_one()

    # --- comments ------------------------------------------------------------------------------

    def post_comment(self, actor: dict, command: dict) -> dict:
        idea = self.views.idea(command["idea_id"])
        with rules():
            domain.check_open_for_comments(idea.status)
            body = domain.check_comment(command["body"])
        self._throttle_posting("comment-post", actor, COMMENTS_PER_HOUR, "commentaires")
        author_id = str(actor["account_id"])
        comment = Comment(idea_id=idea.id, author_id=author_id, body=body, created_at=self.clock(),
                          author_pseudonym=domain.author_pseudonym(command["author_pseudonym"]))
        self.session.add(comment)
        self.session.flush()
        self.add_to_counter(idea, Idea.comments_count, +1)
        self.uow.emit(events.COMMENT_POSTED, events.comment(comment.id),
                      {"comment_id": comment.id, "idea_id": idea.id}, actor=events.actor(author_id, "citizen"))
        return self.views.comment_view(comment)

    # --- follows -------------------------------------------------------------------------------
    def follow_idea(self, actor: dict, idea_id) -> dict:
        """Following twice is following: no error, nothing written (nor emitted) the second time."""
        idea = self.views.idea(idea_id)
        account_id = str(actor["account_id"])
        if domain.is_author(idea.author_id, account_id):
            raise PermissionDenied(OWN_IDEA_FOLLOW_REFUSED, code="OWN_IDEA")
        if self.views.follow_of(idea.id, account_id) is None:
            try:
                with self.session.begin_nested():
                    self.session.add(Follow(idea_id=idea.id, account_id=account_id, created_at=self.clock()))
            except IntegrityError:
                pass  # the same account followed it at the same moment: that request emits the event
            else:
                self._emit_follow(events.IDEA_FOLLOWED, idea, account_id)
        return self._follow_state(idea, True)

    def unfollow_idea(self, actor: dict, idea_id) -> dict:
        """Unfollowing an idea one does not follow changes nothing and emits nothing."""
        idea = self.views.idea(idea_id)
        account_id = str(actor["account_id"])
        deleted = self.session.execute(sa.delete(Follow).where(Follow.idea_id == idea.id,
                                                               Follow.account_id == account_id))
        if deleted.rowcount:  # of two unfollows at once, only the one whose delete found the row
            self._emit_follow(events.IDEA_UNFOLLOWED, idea, account_id)
        return self._follow_state(idea, False)

    def _emit_follow(self, event_type: str, idea: Idea, account_id: str):
        """A personal event (events.PERSONAL_EVENTS): only the notifications service may read it on the broker."""
        self.uow.emit(event_type, events.idea(idea.id), {"idea_id": idea.id},
                      actor=events.actor(account_id, "citizen"))

    def _follow_state(self, idea: Idea, following: bool) -> dict:
        count = self.session.execute(sa.select(sa.func.count()).select_from(Follow)
                                     .where(Follow.idea_id == idea.id)).scalar_one()
        return {"idea_id": idea.id, "following": following, "followers_count": count}

    # --- status ------------------------------------------------------------------------------

    def change_status(self, actor: dict, command: dict) -> dict:
        roles = actor.get("roles") or []
        if not domain.may_change_status(roles):
            raise PermissionDenied(STATUS_CHANGE_REFUSED)
        idea = self.views.idea(command["idea_id"], for_update=True)
        merged_into = str(command["merged_into"]) if command.get("merged_into") else None
        with rules():
            message = domain.check_transition(idea.status, command["status"], command.get("message"),
                                              command.get("scheme"), merged_into, idea.id)
        if merged_into:
            target = self.session.get(Idea, merged_into)
            if target is None:
                raise InvalidInput(details={"merged_into": ["Aucune idée n'a cet identifiant."]})
            with rules():
                domain.check_merge_target(target.status)
        self.move(idea, command["status"], message, command.get("scheme"), merged_into,
                   str(actor["account_id"]), domain.acting_role(roles))
        return self.views.idea_view(idea, actor)

    def move(self, idea: Idea, status: str, message: str, scheme, merged_into, actor_id, role: str, at=None,
              emit=True, decision_id=None):
        previous, now = idea.status, at or self.clock()
        idea.status, idea.updated_at = status, now
        idea.scheme = scheme if status == domain.FORWARDED else idea.scheme
        idea.merged_into_id = merged_into if status == domain.MERGED else idea.merged_into_id
        self.session.add(StatusChange(idea_id=idea.id, status=status, scheme=scheme, merged_into_id=merged_into,
                                      message=message, changed_by=actor_id, changed_by_role=role, changed_at=now,
                                      decision_id=decision_id))
        self.session.flush()
        if status == domain.MERGED:  # it lives on in the idea it joined: no longer found nor suggested
            self.findable.idea_changed(idea)
        if emit:
            self.uow.emit(events.IDEA_STATUS_CHANGED, events.idea(idea.id),
                          {"idea_id": idea.id, "from_status": previous, "status": status, "scheme": scheme,
                           "merged_into": merged_into, **({"decision_id": decision_id} if decision_id else {})},
                          actor=events.actor(actor_id, role))

