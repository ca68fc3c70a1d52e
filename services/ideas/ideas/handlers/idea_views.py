"""Reading the idea box: an idea with its timeline, comments and what the reader did, the listing, and the ideas
(and consultation proposals) similar to a text being typed."""
import time
from contextlib import contextmanager

import eventlet
import sqlalchemy as sa
from eventlet.semaphore import Semaphore

from hubkit.errors import NotFound, ServiceUnavailable
from hubkit.text_index import TextIndex

from .. import domain
from ..domain import consultations as cd
from ..models import Comment, Consultation, Follow, Idea, Proposal, Report, StatusChange, Support
from .common import UseCases, aware


class SimilarityGate:
    """Similar ideas are computed `slots` at a time per process; when requests queue for a slot, it rests `rest`
    times as long as its computation took before it serves the next one. However many citizens type at once,
    similarity then takes a bounded share of the process's event loop (about slots / (1 + rest) of it) and idea
    pages, lists and submissions keep the rest (issue 17, "never block the loop"); a request that finds a slot free
    never waits. Measured on PostgreSQL: every RPC costs the loop a few milliseconds (8 clients hammering even the
    trivial `health` RPC made an idea page 11 times slower), so what protects the other requests is bounding how
    much of the loop similarity may take under a rush, not moving one step of it to a thread.

    At most `queue` requests wait (8: the concurrent typists the issue measures): each holds one of the service's
    workers (HUB_MAX_WORKERS, 20 by default), so an unbounded queue would, beyond the gate's pace, hold them all and
    starve idea pages of workers. A request beyond the queue is refused at once (503): the form shows what the other
    services found, an agent's idea page shows no suggestion, and the citizen may try again."""

    def __init__(self, slots: int, rest: float, queue: int = 8):
        self.slots, self.rest, self.queue = Semaphore(slots), rest, queue

    @contextmanager
    def turn(self):
        if -self.slots.balance >= self.queue:
            raise ServiceUnavailable("Trop de recherches d'idées similaires en même temps. Réessayez dans un instant.")
        self.slots.acquire()
        started = time.monotonic()
        try:
            yield
        finally:  # the answer leaves now; with others waiting, the slot comes back after its rest
            if self.slots.balance < 0:
                eventlet.spawn_after(self.rest * (time.monotonic() - started), self.slots.release)
            else:
                self.slots.release()


SIMILARITY = SimilarityGate(slots=1, rest=3)
# a search's count stops past this many ideas ("plus de 1 000 idées"): an exact count of a common word's matches
# reads them all, tens of thousands at city scale (issue 17)
COUNTED = 1000
NEWEST = (Idea.created_at.desc(), Idea.id)


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
        """A page of ideas, filtered; with `q`, only those with all its words (found in the text index: hidden and
        merged ideas are not in it), by relevance unless another order is asked. One count, and the page.

        With `q` the count stops past COUNTED (or past the page asked, if deeper): `total` is then a lower bound
        (`total_is_lower_bound`, "plus de 1 000 idées") and a common word's 30,000 matches are not all read; the
        page by relevance comes from each word's best postings (hubkit's TextQuery.top: the same page as scoring
        every match would give). Without `q` the count is exact."""
        filters = [column == query[name] for name, column in (
            ("theme", Idea.theme), ("status", Idea.status), ("arrondissement", Idea.arrondissement),
            ("scheme", Idea.scheme)) if query.get(name)]
        page = {"limit": query["limit"], "offset": query["offset"]}
        if not (query.get("q") or "").strip():
            total = self.session.execute(sa.select(sa.func.count()).select_from(Idea).where(*filters)).scalar_one()
            order = {domain.MOST_SUPPORTED: (Idea.supports_count.desc(), *NEWEST)}.get(
                domain.list_order(query.get("sort"), False), NEWEST)
            rows = self.session.execute(sa.select(Idea).where(*filters).order_by(*order)
                                        .limit(query["limit"]).offset(query["offset"])).scalars()
            return {"items": [self.summary(idea) for idea in rows], "total": total, "total_is_lower_bound": False,
                    **page}
        search = TextIndex(self.session).search(query["q"], kinds=(domain.IDEA_DOCUMENT,))
        if search is None:  # only stop words or signs: no word to find an idea by
            return {"items": [], "total": 0, "total_is_lower_bound": False, **page}
        filtered = bool(filters)  # else every idea of the index is listed: count and rank in the index alone
        filters.append(Idea.hidden.is_(False))  # the index holds no hidden idea; said again where it matters

        def scoped(statement, found):
            return statement.join(found, sa.and_(found.c.doc_id == Idea.id, found.c.kind == domain.IDEA_DOCUMENT)) \
                .where(*filters)

        counted_up_to = max(COUNTED, query["offset"] + query["limit"])  # the page's "next" link stays right
        matching = scoped(sa.select(Idea.id), search.unranked()) if filtered else sa.select(search.unranked())
        counted = self.session.execute(sa.select(sa.func.count()).select_from(
            matching.limit(counted_up_to + 1).subquery())).scalar_one()
        order = domain.list_order(query.get("sort"), True)
        if order == domain.RELEVANCE:
            def read_page(found, skip):
                return self.session.execute(
                    scoped(sa.select(Idea, found.c.score), found).order_by(found.c.score.desc(), Idea.id)
                    .limit(query["limit"]).offset(skip)).all()
            ideas = [row[0] for row in search.top(self.session, read_page, query["limit"], query["offset"],
                                                  filtered=filtered)]
        else:
            by = (Idea.supports_count.desc(), *NEWEST) if order == domain.MOST_SUPPORTED else NEWEST
            ideas = self.session.execute(scoped(sa.select(Idea), search.unranked()).order_by(*by)
                                         .limit(query["limit"]).offset(query["offset"])).scalars()
        return {"items": [self.summary(idea) for idea in ideas], "total": counted,
                "total_is_lower_bound": counted > counted_up_to, **page}

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
            # agents see what it may duplicate: ideas (to merge them; `kind` "idea") and consultation proposals;
            # citizens do not need them here
            "similar": (self._similar_for_staff(idea)
                        if viewer is not None and domain.is_staff(viewer.get("roles")) else []),
        }

    def _similar_for_staff(self, idea: Idea) -> list:
        """What may duplicate the idea, for an agent; none when the similarity gate's queue is full (the page matters
        more than its suggestions)."""
        try:
            return self.similar(idea.title, idea.description, exclude=(idea.id,), with_proposals=True)
        except ServiceUnavailable:
            return []

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
                "reported_comments": sorted(int(cid) for kind, cid in reported if kind == domain.COMMENT),
                # the reader's own comments: the page offers no « Signaler » on them (the service refuses it)
                "own_comments": list(self.session.execute(sa.select(Comment.id).where(
                    Comment.idea_id == idea.id, Comment.author_id == account_id).order_by(Comment.id)).scalars())}

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
        """Ideas (and with `with_proposals`, proposals of consultations) by TF-IDF similarity, from the text index:
        hidden and merged ideas, hidden proposals and amendments are not in it. Each says whether it still takes
        supports, and a forwarded idea where it went, so the page offers what can still be done."""
        kinds = (domain.IDEA_DOCUMENT, domain.PROPOSAL_DOCUMENT) if with_proposals else (domain.IDEA_DOCUMENT,)
        with SIMILARITY.turn():
            found = TextIndex(self.session).similar(
                title, description, kinds=kinds, limit=domain.SIMILAR_LIMIT, threshold=domain.SIMILAR_THRESHOLD,
                exclude={(domain.IDEA_DOCUMENT, str(item)) for item in exclude})
        if not found:
            return []
        wanted = {kind: [doc_id for k, doc_id, _ in found if k == kind] for kind in kinds}
        ideas = {idea.id: idea for idea in self.session.execute(
            sa.select(Idea).where(Idea.id.in_(wanted[domain.IDEA_DOCUMENT]))).scalars()} \
            if wanted[domain.IDEA_DOCUMENT] else {}
        proposals = {row[0].id: row for row in self.session.execute(
            sa.select(Proposal, Consultation).join(Consultation, Consultation.id == Proposal.consultation_id)
            .where(Proposal.id.in_(wanted[domain.PROPOSAL_DOCUMENT])))} \
            if with_proposals and wanted[domain.PROPOSAL_DOCUMENT] else {}  # none found: no round trip
        items = []
        for kind, item_id, score in found:
            if kind == domain.IDEA_DOCUMENT and item_id in ideas:
                items.append(self._similar_idea(ideas[item_id], round(score, 3)))
            elif kind == domain.PROPOSAL_DOCUMENT and item_id in proposals:
                items.append(self._similar_proposal(*proposals[item_id], round(score, 3)))
        return items

    def _similar_idea(self, idea: Idea, similarity: float) -> dict:
        forwarded = idea.status == domain.FORWARDED
        return {**self.summary(idea), "kind": domain.IDEA_DOCUMENT, "similarity": similarity,
                "accepts_supports": idea.status in domain.OPEN_STATUSES,
                "scheme": idea.scheme if forwarded else None,
                "scheme_label": domain.SCHEMES.get(idea.scheme) if forwarded else None}

    def _similar_proposal(self, proposal: Proposal, consultation: Consultation, similarity: float) -> dict:
        state = cd.state(aware(consultation.opens_at), aware(consultation.closes_at), self.clock())
        return {"kind": domain.PROPOSAL_DOCUMENT, "id": proposal.id, "title": proposal.title,
                "excerpt": domain.excerpt(proposal.body), "hidden": False, "consultation_id": proposal.consultation_id,
                "consultation_title": consultation.title, "author_pseudonym": proposal.author_pseudonym,
                "supports_count": proposal.supports_count, "comments_count": proposal.comments_count,
                "imported_supports": 0, "created_at": aware(proposal.created_at), "similarity": similarity,
                "accepts_supports": state == cd.OPEN and not proposal.hidden, "scheme": None, "scheme_label": None}
