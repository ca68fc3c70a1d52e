"""Ideas written from the command line: the Decide Madrid import (a realistic seed) and the demo ideas."""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from eventlet import tpool

from .. import domain, events
from ..models import Comment, Idea
from .box import IdeaBox
from .common import UseCases

DEMO_PSEUDONYM = "Équipe démo"


class Seeds(UseCases):
    use_cases = ("import_proposals", "seed_demo_idea")

    def __init__(self, context):
        super().__init__(context)
        self.box = IdeaBox(context)

    # --- importing Decide Madrid proposals (command line) --------------------------------------

    def import_proposals(self, rows: list) -> list:
        """Rows of the Decide Madrid CSV (validated), written together in this unit of work (a batch of the
        import): for each, "created", "existing" (imported before, or earlier in the file), or the spam reason for
        which it is skipped (nothing written). The import is a seed: no event, no author account. The new ideas
        enter the text index in one write."""
        refs = [f"decide_madrid:{domain.one_line(row['id'])}" for row in rows]
        known = set(self.session.execute(sa.select(Idea.source_ref).where(Idea.source_ref.in_(refs))).scalars())
        # HTML stripped and spam rules applied to the whole batch at once, off the event loop (pure CPU)
        texts = tpool.execute(_imported_texts, [(row["title"], row["description"]) for row in rows])
        outcomes, ideas, first_steps = [], [], []
        for row, ref, (title, description, reason) in zip(rows, refs, texts):
            if ref in known or reason:
                outcomes.append("existing" if ref in known else reason)
                continue
            known.add(ref)
            created = _madrid_date(row.get("created_at")) or self.clock()
            idea, submitted = self.box.submitted_idea(title, description, domain.IMPORT_THEME, None, None, None,
                                                      domain.IMPORT_PSEUDONYM, created)
            idea.source_ref, idea.imported_supports = ref, max(0, int(row.get("cached_votes_up") or 0))
            ideas.append((idea, bool((row.get("retired_at") or "").strip())))
            first_steps.append(submitted)
            outcomes.append("created")
        self.session.add_all(idea for idea, _ in ideas)
        self.session.flush()  # the ideas before their timelines (no ORM relationship orders them)
        self.session.add_all(first_steps)
        for idea, retired in ideas:
            if retired:
                self.box.move(idea, domain.UNDER_REVIEW, domain.IMPORT_RETIRED_REVIEW, None, None, None, "system",
                              at=idea.created_at, emit=False)
                self.box.move(idea, domain.NOT_RETAINED, domain.IMPORT_RETIRED_MESSAGE, None, None, None, "system",
                              at=idea.created_at, emit=False)
        self.findable.ideas_added(idea for idea, _ in ideas)
        return outcomes

    # --- demo data (command line, local mode only) -----------------------------------------------

    def seed_demo_idea(self, demo: dict) -> bool:
        """One demo idea by the demo team (no account behind it, nor behind its demo comments) and its
        status steps; False if it already exists (the seed runs at every `make run`)."""
        if self.session.get(Idea, demo["id"]) is not None:
            return False
        created = self.clock() - timedelta(days=demo["days_ago"])
        idea = self.box.new_idea(demo["title"], domain.check_description(demo["description"]), demo["theme"],
                                 demo.get("arrondissement"), demo.get("address_line"), None, DEMO_PSEUDONYM, created,
                                 idea_id=demo["id"])
        submitted = self.uow.emit(events.IDEA_SUBMITTED, events.idea(idea.id),
                                  {"idea_id": idea.id, "theme": idea.theme, "arrondissement": idea.arrondissement},
                                  actor=events.actor(None, "system"))
        idea.submission_correlation_id = submitted["correlation_id"]
        for day, (status, message, scheme) in enumerate(demo.get("steps", ()), start=1):
            domain.check_transition(idea.status, status, message, scheme)
            self.box.move(idea, status, message, scheme, None, None, "agent", at=created + timedelta(days=day))
        for hours, (pseudonym, body) in enumerate(demo.get("comments", ()), start=1):
            self.session.add(Comment(idea_id=idea.id, author_id=None, author_pseudonym=pseudonym,
                                     body=domain.check_comment(body), created_at=created + timedelta(hours=hours)))
            idea.comments_count += 1
        self.findable.idea_changed(idea)
        return True


def _imported_texts(rows: list) -> list:
    """(title, description, spam reason or None) of each (title, description) of the CSV, as HTML."""
    texts = []
    for title, description in rows:
        title = domain.imported_title(domain.strip_html(title))
        description = domain.imported_description(domain.strip_html(description))
        reason = domain.spam_reason(title, description)
        texts.append((title, description, reason or ("too_short" if len(title) < domain.TITLE_MIN else None)))
    return texts


def _madrid_date(text: str | None) -> datetime | None:
    """Decide Madrid dates are dd/mm/yyyy."""
    try:
        return datetime.strptime((text or "").strip(), "%d/%m/%Y").replace(tzinfo=timezone.utc)
    except ValueError:
        return None
