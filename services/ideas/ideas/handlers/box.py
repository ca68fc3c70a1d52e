"""The permanent idea box: submitting, reading, supports, comments, follows, statuses, similar ideas,
merging duplicates, the Decide Madrid import and the demo seed."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.config import public_url
from hubkit.errors import Conflict, InvalidInput, NotFound, PermissionDenied

from .. import domain, events
from ..models import Comment, Consultation, Follow, Idea, Proposal, Report, StatusChange, Support
from .common import FieldChecks, UseCases, aware, escape_like, rules

# Postings per account in an hour: enough for a citizen, too few for a script flooding the box.
IDEAS_PER_HOUR, COMMENTS_PER_HOUR = 5, 30
DEMO_PSEUDONYM = "Équipe démo"
# Why a direct status change is refused to anyone but an administrator (domain.may_change_status), and where to go.
STATUS_CHANGE_REFUSED = ("Seuls les administrateurs changent directement le statut d'une idée. Agents : décidez de "
                         "sa suite (transmettre, répondre, ne pas retenir, doublon) dans « Orientation des idées » "
                         "du back-office, où agit la direction qui en a la charge.")


class IdeaBox(UseCases):
    # --- lookups --------------------------------------------------------------------------

    def _idea(self, idea_id, for_update=False) -> Idea:
        idea = self.session.get(Idea, str(idea_id), with_for_update=for_update)
        if idea is None:
            raise NotFound("Idée introuvable.")
        return idea

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
        idea = self._new_idea(title, description, theme, arrondissement, address_line, author_id,
                              domain.author_pseudonym(command["author_pseudonym"]), self.clock())
        submitted = self.uow.emit(events.IDEA_SUBMITTED, events.idea(idea.id),
                                  {"idea_id": idea.id, "theme": idea.theme, "arrondissement": idea.arrondissement},
                                  actor=events.actor(author_id, "citizen"))
        idea.submission_correlation_id = submitted["correlation_id"]
        return self.idea_view(idea, actor)

    def _new_idea(self, title, description, theme, arrondissement, address_line, author_id, pseudonym, now,
                  idea_id=None) -> Idea:
        idea = Idea(id=idea_id, title=title, description=description, theme=theme, arrondissement=arrondissement,
                    address_line=address_line, status=domain.SUBMITTED, author_id=author_id,
                    author_pseudonym=pseudonym, search_text=domain.searchable(title, description),
                    supports_count=0, comments_count=0, created_at=now, updated_at=now)
        self.session.add(idea)
        self.session.flush()
        self.session.add(StatusChange(idea_id=idea.id, status=domain.SUBMITTED, changed_by=author_id,
                                      changed_by_role="citizen", changed_at=now))
        return idea

    # --- reading ------------------------------------------------------------------------------

    def list_ideas(self, query: dict) -> dict:
        conditions = []
        if query.get("theme"):
            conditions.append(Idea.theme == query["theme"])
        if query.get("status"):
            conditions.append(Idea.status == query["status"])
        if query.get("arrondissement"):
            conditions.append(Idea.arrondissement == query["arrondissement"])
        words = domain.search_key(query.get("q") or "").split()
        for word in words:  # every word must appear, in the title or the description
            conditions.append(Idea.search_text.like(f"%{escape_like(word)}%", escape="\\"))
        if words:  # a hidden idea's words must not find it
            conditions.append(Idea.hidden.is_(False))
        total = self.session.execute(sa.select(sa.func.count()).select_from(Idea).where(*conditions)).scalar_one()
        order = ((Idea.supports_count.desc(), Idea.created_at.desc(), Idea.id) if query.get("sort") == "most_supported"
                 else (Idea.created_at.desc(), Idea.id))
        rows = self.session.execute(sa.select(Idea).where(*conditions).order_by(*order)
                                    .limit(query["limit"]).offset(query["offset"])).scalars()
        return {"items": [self._summary(idea) for idea in rows], "total": total, "limit": query["limit"],
                "offset": query["offset"]}

    def get_idea(self, idea_id, viewer: dict | None = None) -> dict:
        return self.idea_view(self._idea(idea_id), viewer)

    def _summary(self, idea: Idea, reveal: bool = False) -> dict:
        """`reveal`: a moderator reads what moderation hid; everyone else reads that it is hidden."""
        masked = idea.hidden and not reveal
        return {"id": idea.id, "title": domain.HIDDEN_TEXT if masked else idea.title,
                "excerpt": domain.HIDDEN_TEXT if masked else domain.excerpt(idea.description),
                "hidden": bool(idea.hidden),
                "theme": idea.theme, "theme_label": domain.THEMES.get(idea.theme, idea.theme),
                "arrondissement": idea.arrondissement, "status": idea.status,
                "status_label": domain.STATUSES[idea.status], "author_pseudonym": idea.author_pseudonym,
                "supports_count": idea.supports_count, "imported_supports": idea.imported_supports or 0,
                "comments_count": idea.comments_count, "created_at": aware(idea.created_at)}

    def idea_view(self, idea: Idea, viewer: dict | None = None) -> dict:
        history = self.session.execute(sa.select(StatusChange).where(StatusChange.idea_id == idea.id)
                                       .order_by(StatusChange.id)).scalars()
        comments = self.session.execute(sa.select(Comment).where(Comment.idea_id == idea.id)
                                        .order_by(Comment.id)).scalars()
        followers = self.session.execute(sa.select(sa.func.count()).select_from(Follow)
                                         .where(Follow.idea_id == idea.id)).scalar_one()
        reveal = viewer is not None and domain.is_moderator(viewer.get("roles"))
        masked = idea.hidden and not reveal
        return {
            **self._summary(idea, reveal),
            "description": domain.HIDDEN_TEXT if masked else idea.description,
            "address_line": None if masked else idea.address_line, "scheme": idea.scheme,
            "scheme_label": domain.SCHEMES.get(idea.scheme), "merged_into": idea.merged_into_id,
            "followers_count": followers, "next_statuses": list(domain.TRANSITIONS[idea.status]),
            "accepts_supports": idea.status in domain.OPEN_STATUSES,
            "accepts_comments": idea.status != domain.MERGED,
            "updated_at": aware(idea.updated_at),
            "history": [{"status": step.status, "status_label": domain.STATUSES[step.status], "scheme": step.scheme,
                         "scheme_label": domain.SCHEMES.get(step.scheme), "merged_into": step.merged_into_id,
                         "message": step.message, "role": step.changed_by_role,
                         "changed_at": aware(step.changed_at)} for step in history],
            "comments": [self._comment_view(comment, reveal) for comment in comments],
            "viewer": self._viewer(idea, viewer),
            # agents see the ideas it may duplicate (to merge them); citizens do not need them here
            "similar": (self._similar(idea.title, idea.description, exclude=(idea.id,))
                        if viewer is not None and domain.is_staff(viewer.get("roles")) else []),
        }

    def _viewer(self, idea: Idea, viewer: dict | None) -> dict | None:
        if viewer is None:
            return None
        account_id = str(viewer["account_id"])
        reported = set(self.session.execute(sa.select(Report.content_kind, Report.content_id).where(
            Report.idea_id == idea.id, Report.account_id == account_id)).all())
        return {"is_author": idea.author_id == account_id,
                "supports": self._support_of(idea.id, account_id) is not None,
                "follows": self._follow_of(idea.id, account_id) is not None,
                "can_change_status": domain.may_change_status(viewer.get("roles")),
                "can_merge": domain.is_staff(viewer.get("roles")),
                "can_moderate": domain.is_moderator(viewer.get("roles")),
                "reported_idea": (domain.IDEA, idea.id) in reported,
                "reported_comments": sorted(int(cid) for kind, cid in reported if kind == domain.COMMENT)}

    @staticmethod
    def _comment_view(comment: Comment, reveal: bool = False) -> dict:
        return {"id": comment.id, "idea_id": comment.idea_id, "author_pseudonym": comment.author_pseudonym,
                "body": domain.HIDDEN_TEXT if comment.hidden and not reveal else comment.body,
                "hidden": bool(comment.hidden), "created_at": aware(comment.created_at)}

    # --- supports -----------------------------------------------------------------------------

    def _support_of(self, idea_id: str, account_id: str) -> Support | None:
        return self.session.execute(sa.select(Support).where(
            Support.idea_id == idea_id, Support.account_id == account_id)).scalar_one_or_none()

    def support_idea(self, actor: dict, idea_id) -> dict:
        idea = self._idea(idea_id)
        account_id = str(actor["account_id"])
        with rules():
            domain.check_open_for_support(idea.status)
        already = Conflict("Vous soutenez déjà cette idée.", code="ALREADY_SUPPORTED")
        if self._support_of(idea.id, account_id) is not None:
            raise already
        try:
            with self.session.begin_nested():  # two clicks at once: the unique constraint decides
                self.session.add(Support(idea_id=idea.id, account_id=account_id, created_at=self.clock()))
        except IntegrityError:
            raise already from None
        count = self._add_to_counter(idea, Idea.supports_count, +1)
        self.uow.emit(events.IDEA_SUPPORTED, events.idea(idea.id), {"idea_id": idea.id, "supports_count": count},
                      actor=events.actor(account_id, "citizen"))
        return {"idea_id": idea.id, "supported": True, "supports_count": count}

    def withdraw_support(self, actor: dict, idea_id) -> dict:
        idea = self._idea(idea_id)
        account_id = str(actor["account_id"])
        support = self._support_of(idea.id, account_id)
        if support is None:
            raise NotFound("Vous ne soutenez pas cette idée.", code="NOT_SUPPORTED")
        with rules():
            domain.check_open_for_support(idea.status)
        self.session.delete(support)
        count = self._add_to_counter(idea, Idea.supports_count, -1)
        self.uow.emit(events.IDEA_SUPPORT_WITHDRAWN, events.idea(idea.id),
                      {"idea_id": idea.id, "supports_count": count}, actor=events.actor(account_id, "citizen"))
        return {"idea_id": idea.id, "supported": False, "supports_count": count}

    def _add_to_counter(self, idea: Idea, column, step: int) -> int:
        """Counters move in SQL (count = count + 1), so concurrent supports never overwrite each other."""
        self.session.execute(sa.update(Idea).where(Idea.id == idea.id)
                             .values({column: column + step, Idea.updated_at: self.clock()}))
        return self.session.execute(sa.select(column).where(Idea.id == idea.id)).scalar_one()

    # --- comments ------------------------------------------------------------------------------

    def post_comment(self, actor: dict, command: dict) -> dict:
        idea = self._idea(command["idea_id"])
        with rules():
            domain.check_open_for_comments(idea.status)
            body = domain.check_comment(command["body"])
        self._throttle_posting("comment-post", actor, COMMENTS_PER_HOUR, "commentaires")
        author_id = str(actor["account_id"])
        comment = Comment(idea_id=idea.id, author_id=author_id, body=body, created_at=self.clock(),
                          author_pseudonym=domain.author_pseudonym(command["author_pseudonym"]))
        self.session.add(comment)
        self.session.flush()
        self._add_to_counter(idea, Idea.comments_count, +1)
        self.uow.emit(events.COMMENT_POSTED, events.comment(comment.id),
                      {"comment_id": comment.id, "idea_id": idea.id}, actor=events.actor(author_id, "citizen"))
        return self._comment_view(comment)

    # --- follows -------------------------------------------------------------------------------

    def _follow_of(self, idea_id: str, account_id: str) -> Follow | None:
        return self.session.execute(sa.select(Follow).where(
            Follow.idea_id == idea_id, Follow.account_id == account_id)).scalar_one_or_none()

    def follow_idea(self, actor: dict, idea_id) -> dict:
        """Following twice is following: no error, nothing written the second time."""
        idea = self._idea(idea_id)
        account_id = str(actor["account_id"])
        if self._follow_of(idea.id, account_id) is None:
            try:
                with self.session.begin_nested():
                    self.session.add(Follow(idea_id=idea.id, account_id=account_id, created_at=self.clock()))
            except IntegrityError:
                pass  # the same account followed it at the same moment
        return self._follow_state(idea, True)

    def unfollow_idea(self, actor: dict, idea_id) -> dict:
        idea = self._idea(idea_id)
        self.session.execute(sa.delete(Follow).where(Follow.idea_id == idea.id,
                                                     Follow.account_id == str(actor["account_id"])))
        return self._follow_state(idea, False)

    def _follow_state(self, idea: Idea, following: bool) -> dict:
        count = self.session.execute(sa.select(sa.func.count()).select_from(Follow)
                                     .where(Follow.idea_id == idea.id)).scalar_one()
        return {"idea_id": idea.id, "following": following, "followers_count": count}

    # --- status ------------------------------------------------------------------------------

    def change_status(self, actor: dict, command: dict) -> dict:
        roles = actor.get("roles") or []
        if not domain.may_change_status(roles):
            raise PermissionDenied(STATUS_CHANGE_REFUSED)
        idea = self._idea(command["idea_id"], for_update=True)
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
        self._move(idea, command["status"], message, command.get("scheme"), merged_into,
                   str(actor["account_id"]), domain.acting_role(roles))
        return self.idea_view(idea, actor)

    def _move(self, idea: Idea, status: str, message: str, scheme, merged_into, actor_id, role: str, at=None,
              emit=True, decision_id=None):
        previous, now = idea.status, at or self.clock()
        idea.status, idea.updated_at = status, now
        idea.scheme = scheme if status == domain.FORWARDED else idea.scheme
        idea.merged_into_id = merged_into if status == domain.MERGED else idea.merged_into_id
        self.session.add(StatusChange(idea_id=idea.id, status=status, scheme=scheme, merged_into_id=merged_into,
                                      message=message, changed_by=actor_id, changed_by_role=role, changed_at=now,
                                      decision_id=decision_id))
        self.session.flush()
        if emit:
            self.uow.emit(events.IDEA_STATUS_CHANGED, events.idea(idea.id),
                          {"idea_id": idea.id, "from_status": previous, "status": status, "scheme": scheme,
                           "merged_into": merged_into, **({"decision_id": decision_id} if decision_id else {})},
                          actor=events.actor(actor_id, role))

    # --- similar ideas --------------------------------------------------------------------------

    def similar_ideas(self, query: dict) -> dict:
        """Up to 5 live ideas or consultation proposals close to a text being typed, so the citizen can
        support one instead of writing a duplicate."""
        exclude = (str(query["exclude"]),) if query.get("exclude") else ()
        return {"items": self._similar(query["title"], query.get("description") or "", exclude,
                                       with_proposals=True)}

    def _similar(self, title: str, description: str, exclude=(), with_proposals=False) -> list:
        """Ideas (and with `with_proposals`, proposals of consultations, amendments aside) by TF-IDF
        similarity; documents are keyed (kind, id)."""
        rows = [((domain.IDEA, idea_id), idea_title, text) for idea_id, idea_title, text in self.session.execute(
            sa.select(Idea.id, Idea.title, Idea.description)
            .where(Idea.status != domain.MERGED, Idea.hidden.is_(False))).all()]
        if with_proposals:
            rows += [((domain.PROPOSAL, proposal_id), proposal_title, body)
                     for proposal_id, proposal_title, body in self.session.execute(
                         sa.select(Proposal.id, Proposal.title, Proposal.body)
                         .where(Proposal.hidden.is_(False), Proposal.amends_id.is_(None))).all()]
        found = domain.SimilarityIndex(rows).similar(title, description,
                                                     exclude={(domain.IDEA, item) for item in exclude})
        if not found:
            return []
        wanted = {kind: [item for (k, item), _ in found if k == kind] for kind in (domain.IDEA, domain.PROPOSAL)}
        ideas = {idea.id: idea for idea in self.session.execute(
            sa.select(Idea).where(Idea.id.in_(wanted[domain.IDEA]))).scalars()} if wanted[domain.IDEA] else {}
        proposals = {row[0].id: row for row in self.session.execute(
            sa.select(Proposal, Consultation.title).join(Consultation, Consultation.id == Proposal.consultation_id)
            .where(Proposal.id.in_(wanted[domain.PROPOSAL])))} if wanted[domain.PROPOSAL] else {}
        items = []
        for (kind, item_id), score in found:
            if kind == domain.IDEA:
                items.append({**self._summary(ideas[item_id]), "kind": kind, "similarity": round(score, 3)})
            else:
                proposal, consultation_title = proposals[item_id]
                items.append({"kind": kind, "id": proposal.id, "title": proposal.title,
                              "excerpt": domain.excerpt(proposal.body), "hidden": False,
                              "consultation_id": proposal.consultation_id, "consultation_title": consultation_title,
                              "author_pseudonym": proposal.author_pseudonym,
                              "supports_count": proposal.supports_count, "comments_count": proposal.comments_count,
                              "imported_supports": 0, "created_at": aware(proposal.created_at),
                              "similarity": round(score, 3)})
        return items

    # --- merging duplicates --------------------------------------------------------------------

    def merge_ideas(self, actor: dict, command: dict) -> dict:
        """Idea `idea_id` joins idea `into`: supports (once per account) and follows carry over, the
        source becomes `merged` pointing to the target; its author and followers are told after commit."""
        roles = actor.get("roles") or []
        if not domain.is_staff(roles):
            raise PermissionDenied("Seuls les agents, modérateurs et administrateurs fusionnent des idées.")
        source = self._idea(command["idea_id"], for_update=True)
        target = self.session.get(Idea, str(command["into"]), with_for_update=True)
        if target is None:
            raise InvalidInput(details={"into": ["Aucune idée n'a cet identifiant."]})
        with rules():
            message = domain.check_merge(source.id, source.status, target.id, target.status, command.get("message"))
        to_tell = {source.author_id} | set(self.session.execute(sa.select(Follow.account_id).where(
            Follow.idea_id == source.id)).scalars())
        supports_moved = self._carry_over(Support, source, target)
        followers_moved = self._carry_over(Follow, source, target)
        supports = self.session.execute(sa.select(sa.func.count()).select_from(Support)
                                        .where(Support.idea_id == target.id)).scalar_one()
        # supports of deleted accounts (no account id) had been counted; they stay counted, once
        target.supports_count, source.supports_count = supports, 0
        target.imported_supports = (target.imported_supports or 0) + (source.imported_supports or 0)
        source.imported_supports = 0
        actor_id, role = str(actor["account_id"]), domain.acting_role(roles)
        self._move(source, domain.MERGED, message, None, target.id, actor_id, role)
        target.updated_at = self.clock()
        self.uow.emit(events.IDEA_MERGED, events.idea(source.id),
                      {"idea_id": source.id, "merged_into": target.id, "supports_moved": supports_moved,
                       "followers_moved": followers_moved, "supports_count": supports},
                      actor=events.actor(actor_id, role))
        self._notify_after_commit(to_tell, f"Idée fusionnée : {source.title}",
                                  domain.merge_notice(source.title, target.title, f"{public_url()}/idees/{target.id}",
                                                      message))
        return self.idea_view(source, actor)

    def _carry_over(self, model, source: Idea, target: Idea) -> int:
        """Moves the supports (or follows) of `source` to `target`, one per account: an account that
        had both keeps the target's. Returns how many moved."""
        on_target = set(self.session.execute(sa.select(model.account_id).where(
            model.idea_id == target.id, model.account_id.is_not(None))).scalars())
        moved = 0
        for row in self.session.execute(sa.select(model).where(model.idea_id == source.id)).scalars().all():
            if row.account_id is not None and row.account_id in on_target:
                self.session.delete(row)
            else:
                row.idea_id = target.id
                moved += 1
        self.session.flush()
        return moved

    # --- importing Decide Madrid proposals (command line) --------------------------------------

    def import_proposal(self, row: dict) -> str:
        """One row of the Decide Madrid CSV: "created", "existing" (a re-run), or the spam reason for
        which it is skipped (nothing written). The import is a seed: no event, no author account."""
        source_ref = f"decide_madrid:{domain.one_line(row['id'])}"
        if self.session.execute(sa.select(Idea.id).where(Idea.source_ref == source_ref)).first():
            return "existing"
        title = domain.imported_title(domain.strip_html(row["title"]))
        description = domain.imported_description(domain.strip_html(row["description"]))
        reason = domain.spam_reason(title, description)
        if reason or len(title) < domain.TITLE_MIN:
            return reason or "too_short"
        created = _madrid_date(row.get("created_at")) or self.clock()
        idea = self._new_idea(title, description, domain.IMPORT_THEME, None, None, None,
                              domain.IMPORT_PSEUDONYM, created)
        idea.source_ref = source_ref
        idea.imported_supports = max(0, int(row.get("cached_votes_up") or 0))
        if (row.get("retired_at") or "").strip():
            self._move(idea, domain.UNDER_REVIEW, domain.IMPORT_RETIRED_REVIEW, None, None, None, "system",
                       at=created, emit=False)
            self._move(idea, domain.NOT_RETAINED, domain.IMPORT_RETIRED_MESSAGE, None, None, None, "system",
                       at=created, emit=False)
        return "created"

    # --- demo data (command line, local mode only) -----------------------------------------------

    def seed_demo_idea(self, demo: dict) -> bool:
        """One demo idea by the demo team (no account behind it, nor behind its demo comments) and its
        status steps; False if it already exists (the seed runs at every `make run`)."""
        if self.session.get(Idea, demo["id"]) is not None:
            return False
        created = self.clock() - timedelta(days=demo["days_ago"])
        idea = self._new_idea(demo["title"], domain.check_description(demo["description"]), demo["theme"],
                              demo.get("arrondissement"), demo.get("address_line"), None, DEMO_PSEUDONYM, created,
                              idea_id=demo["id"])
        submitted = self.uow.emit(events.IDEA_SUBMITTED, events.idea(idea.id),
                                  {"idea_id": idea.id, "theme": idea.theme, "arrondissement": idea.arrondissement},
                                  actor=events.actor(None, "system"))
        idea.submission_correlation_id = submitted["correlation_id"]
        for day, (status, message, scheme) in enumerate(demo.get("steps", ()), start=1):
            domain.check_transition(idea.status, status, message, scheme)
            self._move(idea, status, message, scheme, None, None, "agent", at=created + timedelta(days=day))
        for hours, (pseudonym, body) in enumerate(demo.get("comments", ()), start=1):
            self.session.add(Comment(idea_id=idea.id, author_id=None, author_pseudonym=pseudonym,
                                     body=domain.check_comment(body), created_at=created + timedelta(hours=hours)))
            idea.comments_count += 1
        return True



def _madrid_date(text: str | None) -> datetime | None:
    """Decide Madrid dates are dd/mm/yyyy."""
    try:
        return datetime.strptime((text or "").strip(), "%d/%m/%Y").replace(tzinfo=timezone.utc)
    except ValueError:
        return None


