"""Drafting a petition and gathering its co-sponsors, through the private link, until its author submits it.

What petitions needs to know about a person (their pseudonym) it asks accounts before it touches its database:
no transaction, nor SQLite's one connection per process, waits on another service."""
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from hubkit.errors import Conflict, NotFound

from .. import domain, events
from ..models import Petition, Sponsor
from . import records
from .common import HOUR, Context, FieldChecks, is_author, rules, throttled
from .views import Views


def checked_texts(command: dict, partial=False) -> dict:
    """The texts of a draft, cleaned, every broken rule reported at once; `partial`: only those in `command`."""
    check, texts = FieldChecks(), {}
    for field, rule in (("title", domain.check_title), ("asks", domain.check_asks),
                        ("background", domain.check_background),
                        ("arrondissement", domain.check_arrondissement)):
        if field in command or not partial:
            texts[field] = check(rule, command.get(field))
    check.raise_if_broken()
    return texts


class Drafting:
    def __init__(self, context: Context, views: Views):
        self.context, self.views = context, views

    def draft_petition(self, actor: dict, command: dict) -> dict:
        texts = checked_texts(command)
        author_id, limit = str(actor["account_id"]), self.context.settings.drafts_per_hour
        throttled(self.context, "petition-draft", author_id, limit, HOUR,
                  f"Vous avez atteint la limite de {limit} pétitions rédigées par heure.")
        pseudonym = records.pseudonym_of(self.context, author_id)  # asked before anything is written
        petition = records.new_draft(self.context, texts, author_id, pseudonym)
        records.history(self.context, petition, "drafted", actor)
        return self.views.petition_view(petition, actor)

    def update_draft(self, actor: dict, command: dict) -> dict:
        petition = records.own_draft(self.context, command["petition_id"], actor, for_update=True)
        sponsors = records.sponsor_counts(self.context, [petition.id]).get(petition.id, 0)
        with rules():
            domain.check_editable(petition.status, sponsors)
        texts = checked_texts(command, partial=True)
        for field, value in texts.items():
            setattr(petition, field, value)
        petition.search_text = domain.searchable(petition.title, petition.asks)
        petition.updated_at = self.context.clock()
        records.history(self.context, petition, "edited", actor)
        return self.views.petition_view(petition, actor)

    def _by_token(self, token: str, for_update=False) -> Petition:
        statement = sa.select(Petition).where(Petition.sponsor_token == token)
        if for_update:
            statement = statement.with_for_update()
        petition = self.context.session.execute(statement).scalar_one_or_none()
        if petition is None:
            raise NotFound("Ce lien de parrainage n'est pas valide.", code="INVALID_SPONSOR_LINK")
        return petition

    def _throttle_sponsor_request(self, actor: dict):
        """Opening or accepting a co-sponsorship link, per account and hour: counted before the link is looked up,
        so that guessing links is limited too."""
        limit = self.context.settings.sponsor_requests_per_hour
        throttled(self.context, "petition-sponsor", str(actor["account_id"]), limit, HOUR,
                  f"Vous avez atteint la limite de {limit} demandes de parrainage par heure.")

    def sponsor_view(self, actor: dict, token: str) -> dict:
        """The draft behind a private link, as a possible co-sponsor sees it."""
        self._throttle_sponsor_request(actor)
        petition = self._by_token(token)
        view = self.views.petition_view(petition, actor)
        view["sponsor_token"] = None
        return view

    def sponsor(self, actor: dict, token: str) -> dict:
        self._throttle_sponsor_request(actor)
        petition = self._by_token(token)
        session, account_id = self.context.session, str(actor["account_id"])
        already = session.execute(sa.select(Sponsor.id).where(
            Sponsor.petition_id == petition.id, Sponsor.account_id == account_id)).first() is not None
        with rules():
            domain.check_can_sponsor(petition.status, is_author(petition, actor), already)
        session.add(Sponsor(petition_id=petition.id, account_id=account_id, created_at=self.context.clock()))
        try:
            session.flush()
        except IntegrityError:  # the same account, at the same moment, in another transaction
            raise Conflict("Vous parrainez déjà cette pétition.", code="ALREADY_SPONSORED") from None
        records.history(self.context, petition, "sponsored", actor)
        # a personal event (events.PERSONAL_EVENTS), for the co-sponsor's own space: emitted once, as the row is
        records.emit(self.context, events.PETITION_SPONSORED, petition, {}, actor)
        sponsors = records.sponsor_counts(self.context, [petition.id]).get(petition.id, 0)
        return {"petition_id": petition.id, "sponsored": True, "sponsors_count": sponsors,
                "sponsors_required": self.context.settings.sponsors_required}

    def submit(self, actor: dict, petition_id) -> dict:
        settings = self.context.settings
        petition = records.own_draft(self.context, petition_id, actor, for_update=True)
        sponsors = records.sponsor_counts(self.context, [petition.id]).get(petition.id, 0)
        with rules():
            domain.check_can_submit(petition.status, sponsors, settings.sponsors_required)
        now = self.context.clock()
        petition.status, petition.submitted_at, petition.updated_at = domain.SUBMITTED, now, now
        petition.moderation_due_at = domain.moderation_due(now, settings.moderation_days)
        records.history(self.context, petition, "submitted", actor)
        records.emit(self.context, events.PETITION_SUBMITTED, petition, {"sponsors_count": sponsors}, actor)
        return self.views.petition_view(petition, actor)
