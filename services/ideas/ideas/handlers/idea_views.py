"""Reading the idea box: an idea with its timeline, comments and what the reader did, the listing, and the ideas
(and consultation proposals) similar to a text being typed."""
import sqlalchemy as sa

from hubkit.errors import NotFound

from .. import domain
from ..models import Comment, Consultation, Follow, Idea, Proposal, Report, StatusChange, Support
from .common import UseCases, aware, escape_like


class IdeaViews(UseCases):
    use_cases = ("list_ideas", "get_idea", "similar_ideas")

    # --- lookups --------------------------------------------------------------------------

    def idea(self, idea_id, for_update=False) -> Idea:
        idea = self.session.get(Idea, str(idea_id), with_for_update=for_update)
        if idea is None:
            raise NotFound("Idée introuvable.")
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
        return {"items": [self.summary(idea) for idea in rows], "total": total, "limit": query["limit"],
                "offset": query["offset"]}

    def get_idea(self, idea_id, viewer: dict | None = None) -> dict:
        return self.idea_view(self.idea(idea_id), viewer)

    def summary(self, idea: Idea, reveal: bool = False) -> dict:
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
            **self.summary(idea, reveal),
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
            "comments": [self.comment_view(comment, reveal) for comment in comments],
            "viewer": self._viewer(idea, viewer),
            # agents see the ideas it may duplicate (to merge them); citizens do not need them here
            "similar": (self.similar(idea.title, idea.description, exclude=(idea.id,))
                        if viewer is not None and domain.is_staff(viewer.get("roles")) else []),
        }

    def _viewer(self, idea: Idea, viewer: dict | None) -> dict | None:
        if viewer is None:
            return None
        account_id = str(viewer["account_id"])
        reported = set(self.session.execute(sa.select(Report.content_kind, Report.content_id).where(
            Report.idea_id == idea.id, Report.account_id == account_id)).all())
        return {"is_author": idea.author_id == account_id,
                "supports": self.support_of(idea.id, account_id) is not None,
                "follows": self.follow_of(idea.id, account_id) is not None,
                "can_change_status": domain.may_change_status(viewer.get("roles")),
                "can_merge": domain.is_staff(viewer.get("roles")),
                "can_moderate": domain.is_moderator(viewer.get("roles")),
                "reported_idea": (domain.IDEA, idea.id) in reported,
                "reported_comments": sorted(int(cid) for kind, cid in reported if kind == domain.COMMENT)}

    @staticmethod
    def comment_view(comment: Comment, reveal: bool = False) -> dict:
        return {"id": comment.id, "idea_id": comment.idea_id, "author_pseudonym": comment.author_pseudonym,
                "body": domain.HIDDEN_TEXT if comment.hidden and not reveal else comment.body,
                "hidden": bool(comment.hidden), "created_at": aware(comment.created_at)}

    def support_of(self, idea_id: str, account_id: str) -> Support | None:
        return self.session.execute(sa.select(Support).where(
            Support.idea_id == idea_id, Support.account_id == account_id)).scalar_one_or_none()

    def follow_of(self, idea_id: str, account_id: str) -> Follow | None:
        return self.session.execute(sa.select(Follow).where(
            Follow.idea_id == idea_id, Follow.account_id == account_id)).scalar_one_or_none()

    # --- similar ideas --------------------------------------------------------------------------

    def similar_ideas(self, query: dict) -> dict:
        """Up to 5 live ideas or consultation proposals close to a text being typed, so the citizen can
        support one instead of writing a duplicate."""
        exclude = (str(query["exclude"]),) if query.get("exclude") else ()
        return {"items": self.similar(query["title"], query.get("description") or "", exclude,
                                       with_proposals=True)}

    def similar(self, title: str, description: str, exclude=(), with_proposals=False) -> list:
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
                items.append({**self.summary(ideas[item_id]), "kind": kind, "similarity": round(score, 3)})
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

