"""Use cases of the petitions service: each runs in one unit of work (one transaction).

`actor` is the caller as the gateway asserts it from the session: {"account_id", "roles"}. The
petitions service cannot read the accounts database; it trusts these roles, sent over the internal
broker by the gateway, which got them from accounts (the authority on roles). What petitions needs
to know about a person (pseudonym, eligibility attributes) it asks accounts over RPC before it
touches its database: no transaction, nor SQLite's one connection per process, waits on another service.

Signing, one signature or a batch in one transaction, is in `signing.py`; the moderators' anti-fraud view
and bulk invalidation in `fraud.py`; both are mixed into `Petitions`.
"""
import logging
import time
from datetime import date, datetime

import sqlalchemy as sa
from marshmallow import EXCLUDE, Schema, fields
from sqlalchemy.exc import IntegrityError

from hubkit.config import env_int, env_str, public_url
from hubkit.errors import Conflict, NotFound, PermissionDenied, RateLimited
from hubkit.tables import infrastructure_tables
from hubkit.validation import load

from . import domain, events, schemas
from .checks import FieldChecks, aware, rules, utcnow
from .fraud import AntiFraud
from .signing import Signing, random_shard
from .models import HistoryEntry, ModerationLogEntry, Petition, Signature, SignatureCounter, Sponsor

log = logging.getLogger(__name__)

HOUR = 60 * 60

# Names under which event handlers record the events they applied (processed_events).
FORGET_ACCOUNT = "petitions.forget_account"
REFRESH_PSEUDONYM = "petitions.refresh_author_pseudonym"
DRAFT_FROM_IDEA = "petitions.draft_from_forwarded_idea"
NOTIFY_FOLLOWERS = "petitions.notify_followers"
NOTIFY_BATCH = 5000  # account ids per accounts.notify call (accounts takes at most 10,000)
PETITION_SCHEME = "petition"
KNOWN_EVENT_VERSION = 1
SWEEP_BATCH = 200
CHARTS_KEPT = 1000
_CHARTS = {}  # petition id -> (monotonic expiry, chart by arrondissement), in this process


def settings_from_env() -> domain.Settings:
    """The City's settings for petitions, from PETITIONS_* environment variables (defaults in domain.Settings)."""
    defaults = domain.Settings()
    return domain.Settings(
        sponsors_required=env_int("PETITIONS_SPONSORS_REQUIRED", defaults.sponsors_required),
        moderation_days=env_int("PETITIONS_MODERATION_DAYS", defaults.moderation_days),
        open_months=env_int("PETITIONS_OPEN_MONTHS", defaults.open_months),
        threshold=env_int("PETITIONS_THRESHOLD", defaults.threshold),
        eligibility=env_str("PETITIONS_ELIGIBILITY", defaults.eligibility),
        sign_ip_burst=env_int("PETITIONS_SIGN_IP_PER_MINUTE", defaults.sign_ip_burst),
        sign_ip_per_hour=env_int("PETITIONS_SIGN_IP_PER_HOUR", defaults.sign_ip_per_hour),
        sign_account_burst=env_int("PETITIONS_SIGN_ACCOUNT_PER_MINUTE", defaults.sign_account_burst),
        sign_account_per_hour=env_int("PETITIONS_SIGN_ACCOUNT_PER_HOUR", defaults.sign_account_per_hour),
        drafts_per_hour=env_int("PETITIONS_DRAFTS_PER_HOUR", defaults.drafts_per_hour),
        chart_cache_seconds=env_int("PETITIONS_CHART_CACHE_SECONDS", 2),
        signer_ip_retention_days=env_int("PETITIONS_SIGNER_IP_RETENTION_DAYS", defaults.signer_ip_retention_days),
        sponsor_requests_per_hour=env_int("PETITIONS_SPONSOR_REQUESTS_PER_HOUR", defaults.sponsor_requests_per_hour),
    )


class _AccountEventSchema(Schema):
    """The payload of an accounts event, as far as petitions reads it (new optional fields are ignored)."""
    class Meta:
        unknown = EXCLUDE

    account_id = fields.UUID(required=True)
    fields_ = fields.List(fields.String(), data_key="fields", load_default=list)


class _ForwardedIdeaSchema(Schema):
    """The payload of routing's `idea_forwarded`, as far as petitions reads it (see docs/events.md)."""
    class Meta:
        unknown = EXCLUDE

    decision_id = fields.UUID(required=True)
    idea_id = fields.UUID(required=True)
    scheme = fields.String(required=True)
    author_id = fields.UUID(required=True, allow_none=True)


class Petitions(Signing, AntiFraud):
    def __init__(self, uow, throttle, accounts=None, settings: domain.Settings = None, clock=utcnow,
                 pick_shard=None):
        """`accounts`: something with `public_profiles(data)` and `eligibility_attributes(data)`, the accounts
        service's RPC (or a fake)."""
        self.uow, self.throttle, self.accounts, self.clock = uow, throttle, accounts, clock
        self.settings = settings or domain.Settings()
        self.pick_shard = pick_shard or random_shard

    @property
    def session(self):
        return self.uow.session

    # --- lookups --------------------------------------------------------------------------

    def _petition(self, petition_id, for_update=False) -> Petition:
        # FOR NO KEY UPDATE on PostgreSQL: it does not wait for signers, whose new signature rows only take a
        # key-share lock on their petition (foreign key).
        petition = self.session.get(Petition, str(petition_id), with_for_update={"key_share": True} if for_update
                                    else None)
        if petition is None:
            raise NotFound("Pétition introuvable.")
        return petition

    def _visible(self, petition: Petition | None, actor: dict | None) -> Petition:
        """Drafts are seen by their author; petitions awaiting moderation by their author and moderators."""
        if petition is None or (petition.status in (domain.DRAFT, domain.SUBMITTED) and
                                not self._may_see_unpublished(petition, actor)):
            raise NotFound("Pétition introuvable.")
        return petition

    def _may_see_unpublished(self, petition: Petition, actor: dict | None) -> bool:
        """A draft is its author's alone (co-sponsors read it through their link); moderators see it once it
        is submitted to them."""
        if actor is None:
            return False
        if self._is_author(petition, actor):
            return True
        return petition.status == domain.SUBMITTED and domain.is_moderator(actor["roles"])

    @staticmethod
    def _is_author(petition: Petition, actor: dict | None) -> bool:
        return actor is not None and petition.author_id is not None and petition.author_id == str(actor["account_id"])

    def _own_draft(self, petition_id, actor: dict, for_update=False) -> Petition:
        petition = self._petition(petition_id, for_update=for_update)
        if not self._is_author(petition, actor):
            if petition.status in (domain.DRAFT, domain.SUBMITTED):
                raise NotFound("Pétition introuvable.")
            raise PermissionDenied("Seul l'auteur ou l'autrice de la pétition peut faire cela.")
        return petition

    @staticmethod
    def _require_moderator(actor: dict):
        if not domain.is_moderator(actor["roles"]):
            raise PermissionDenied("Réservé aux modérateurs et aux administrateurs.")

    @staticmethod
    def _require_admin(actor: dict):
        if not domain.is_admin(actor["roles"]):
            raise PermissionDenied("Réservé aux administrateurs.")

    def _count(self, petition_id: str) -> int:
        return self.session.execute(sa.select(sa.func.coalesce(sa.func.sum(SignatureCounter.signatures), 0)).where(
            SignatureCounter.petition_id == petition_id)).scalar_one()

    def _counts(self, petition_ids) -> dict:
        ids = list(petition_ids)
        if not ids:
            return {}
        rows = self.session.execute(sa.select(SignatureCounter.petition_id, sa.func.sum(SignatureCounter.signatures))
                                    .where(SignatureCounter.petition_id.in_(ids))
                                    .group_by(SignatureCounter.petition_id))
        return {petition_id: int(total) for petition_id, total in rows}

    def _sponsor_counts(self, petition_ids) -> dict:
        ids = list(petition_ids)
        if not ids:
            return {}
        rows = self.session.execute(sa.select(Sponsor.petition_id, sa.func.count()).where(
            Sponsor.petition_id.in_(ids)).group_by(Sponsor.petition_id))
        return dict(rows.all())

    def _history(self, petition: Petition, action: str, actor: dict | None, code: str = None):
        account_id = str(actor["account_id"]) if actor else None
        role = domain.top_role(actor["roles"]) if actor else "system"
        self.session.add(HistoryEntry(petition_id=petition.id, action=action, actor_id=account_id, actor_role=role,
                                      code=code, at=self.clock()))

    def _emit(self, type_: str, petition: Petition, payload: dict, actor: dict | None):
        who = events.actor(str(actor["account_id"]), domain.top_role(actor["roles"])) if actor else events.SYSTEM
        self.uow.emit(type_, events.subject(petition.id), events.payload(petition.id, petition.origin_idea_id,
                                                                         **payload), actor=who)

    def _pseudonym_of(self, account_id: str) -> str:
        if self.accounts is None:
            return domain.ANONYMOUS_PSEUDONYM
        profiles = self.accounts.public_profiles({"account_ids": [account_id]})
        return domain.author_pseudonym(next((p["pseudonym"] for p in profiles if p["account_id"] == account_id), None))

    # --- views ------------------------------------------------------------------------------

    def _concealed(self, petition: Petition, actor: dict | None) -> bool:
        """A petition hidden for legal reasons shows only its status and the reason, except to its author and
        to moderators."""
        return bool(petition.hidden) and not (self._is_author(petition, actor) or
                                              (actor is not None and domain.is_moderator(actor["roles"])))

    def summary_view(self, petition: Petition, count: int, sponsors: int, actor: dict | None = None) -> dict:
        now = self.clock()
        concealed = self._concealed(petition, actor)
        return {
            "id": petition.id, "status": petition.status, "status_label": domain.STATUSES[petition.status],
            "title": domain.HIDDEN_TITLE if concealed else petition.title, "arrondissement": petition.arrondissement,
            "author_pseudonym": petition.author_pseudonym, "signatures_count": count,
            "threshold": petition.threshold, "progress_percent": domain.progress_percent(count, petition.threshold),
            "created_at": aware(petition.created_at), "submitted_at": aware(petition.submitted_at),
            "opened_at": aware(petition.opened_at), "closes_at": aware(petition.closes_at),
            "moderation_due_at": aware(petition.moderation_due_at),
            "overdue": petition.status == domain.SUBMITTED and domain.overdue(aware(petition.moderation_due_at), now),
            "sponsors_count": sponsors, "sponsors_required": self.settings.sponsors_required,
            "hidden": bool(petition.hidden),
            "council": {"session_date": petition.council_session_date, "agenda_url": petition.council_agenda_url,
                        "scheduled_at": aware(petition.scheduled_at)} if petition.council_session_date else None,
            "answer": {"decision": petition.decision, "decision_label": domain.DECISIONS[petition.decision],
                       "response": petition.response, "answered_at": aware(petition.answered_at)}
            if petition.decision else None,
            "rejection": {"code": petition.rejection_code, "label": domain.REJECTION_CODES[petition.rejection_code],
                          "reason": petition.rejection_reason, "hidden": bool(petition.hidden)}
            if petition.rejection_code else None,
        }

    def petition_view(self, petition: Petition, actor: dict | None = None, facts: dict | None = None) -> dict:
        """`facts`: what `_page_of` read with the petition (its count, co-sponsors, whether it has invalidations,
        what the reader did), so the page reads nothing more; without them (the view a change answers with), they
        are read by that same statement, after the change is flushed."""
        if facts is None:
            facts = self._page_of(petition.id, actor)[1]
        view = self.summary_view(petition, facts["count"], facts["sponsors"], actor)
        is_author = self._is_author(petition, actor)
        concealed = self._concealed(petition, actor)
        view.update({
            "asks": "" if concealed else petition.asks, "background": "" if concealed else petition.background,
            "eligibility": petition.eligibility,
            "eligibility_label": domain.ELIGIBILITY.get(petition.eligibility) if petition.eligibility else None,
            "threshold_reached_at": aware(petition.threshold_reached_at), "updated_at": aware(petition.updated_at),
            "closed_at": aware(petition.closed_at), "closed_reason": petition.closed_reason,
            "signable": self._signable(petition),
            "by_arrondissement": self._by_arrondissement(petition.id) if petition.opened_at else [],
            "sponsor_token": petition.sponsor_token if is_author and petition.status == domain.DRAFT else None,
            "origin_idea_id": petition.origin_idea_id,
            "invalidations": self._invalidations(petition.id) if petition.opened_at and facts["invalidated"] else [],
            "viewer": self._viewer(petition, actor, facts) if actor is not None else None,
        })
        return view

    def _invalidations(self, petition_id: str) -> list:
        """The public trace of bulk invalidations: how many signatures, why, when (never the criterion)."""
        entries = self.session.execute(sa.select(ModerationLogEntry).where(
            ModerationLogEntry.petition_id == petition_id, ModerationLogEntry.action == "signatures_invalidated")
            .order_by(ModerationLogEntry.at, ModerationLogEntry.id)).scalars()
        return [{"count": e.affected, "reason": e.reason, "at": aware(e.at)} for e in entries]

    def _signable(self, petition: Petition) -> bool:
        try:
            domain.check_can_sign(petition.status, aware(petition.closes_at), self.clock())
        except domain.RuleBroken:
            return False
        return True

    def _viewer(self, petition: Petition, actor: dict, facts: dict) -> dict:
        return {"is_author": self._is_author(petition, actor), "signed": facts["signed"],
                "sponsored": facts["sponsored"], "can_moderate": domain.is_moderator(actor["roles"]),
                "can_administer": domain.is_admin(actor["roles"])}

    def _by_arrondissement(self, petition_id: str) -> list:
        """Signatures per arrondissement (from the signers' profiles at signing time); None: not known.

        Counting them reads every signature of the petition: under a rush, every signer who comes back to the
        page would do it. The chart is kept `settings.chart_cache_seconds` in this process (the count above
        it comes from the counter rows, exact at every commit); an invalidation here drops it at once."""
        cached = _CHARTS.get(petition_id) if self.settings.chart_cache_seconds > 0 else None
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        rows = self.session.execute(sa.select(Signature.arrondissement, sa.func.count()).where(
            Signature.petition_id == petition_id, Signature.invalidated_at.is_(None))
            .group_by(Signature.arrondissement))
        counts = dict(rows.all())
        chart = [{"arrondissement": number, "signatures": counts.get(number, 0)} for number in range(1, 21)] + \
            [{"arrondissement": None, "signatures": counts.get(None, 0)}]
        if self.settings.chart_cache_seconds > 0:
            if len(_CHARTS) >= CHARTS_KEPT:
                _CHARTS.clear()
            _CHARTS[petition_id] = (time.monotonic() + self.settings.chart_cache_seconds, chart)
        return chart

    @staticmethod
    def forget_chart(petition_id: str):
        _CHARTS.pop(petition_id, None)

    def _summaries(self, petitions: list, actor: dict | None = None) -> list:
        counts = self._counts(p.id for p in petitions)
        sponsors = self._sponsor_counts(p.id for p in petitions)
        return [self.summary_view(p, counts.get(p.id, 0), sponsors.get(p.id, 0), actor) for p in petitions]

    # --- reading ----------------------------------------------------------------------------

    def reference_data(self) -> dict:
        settings = self.settings
        return {
            "statuses": [{"code": code, "label": label} for code, label in domain.STATUSES.items()],
            "rejection_codes": [{"code": code, "label": label} for code, label in domain.REJECTION_CODES.items()],
            "decisions": [{"code": code, "label": label} for code, label in domain.DECISIONS.items()],
            "eligibility": [{"code": code, "label": label} for code, label in domain.ELIGIBILITY.items()],
            "settings": {"sponsors_required": settings.sponsors_required, "threshold": settings.threshold,
                         "eligibility": settings.eligibility, "open_months": settings.open_months,
                         "moderation_days": settings.moderation_days},
        }

    def list_petitions(self, query: dict) -> dict:
        """The public list: one tab (status group), optionally searched; hidden petitions are never listed."""
        conditions = [Petition.hidden.is_(False)]
        if query["query"].strip():
            conditions.append(Petition.search_text.like(f"%{_escape_like(domain.fold(query['query'].strip()))}%",
                                                        escape="\\"))
        if query.get("arrondissement"):
            conditions.append(Petition.arrondissement == query["arrondissement"])
        counts = dict(self.session.execute(sa.select(Petition.status, sa.func.count()).where(
            Petition.status.in_(domain.PUBLIC_STATUSES), *conditions).group_by(Petition.status)).all())
        tabs = {group: sum(counts.get(status, 0) for status in statuses)
                for group, statuses in domain.LIST_GROUPS.items()}
        statement = sa.select(Petition).where(Petition.status.in_(domain.LIST_GROUPS[query["status"]]), *conditions)
        published = sa.func.coalesce(Petition.opened_at, Petition.moderated_at)
        if query["sort"] == "popular":
            totals = (sa.select(SignatureCounter.petition_id, sa.func.sum(SignatureCounter.signatures).label("total"))
                      .group_by(SignatureCounter.petition_id).subquery())
            statement = statement.outerjoin(totals, totals.c.petition_id == Petition.id).order_by(
                sa.func.coalesce(totals.c.total, 0).desc(), published.desc(), Petition.id)
        else:
            statement = statement.order_by(published.desc(), Petition.id)
        petitions = self.session.execute(statement.limit(query["limit"]).offset(query["offset"])).scalars().all()
        return {"items": self._summaries(petitions), "total": tabs[query["status"]], "counts": tabs}

    def get_petition(self, petition_id, actor: dict | None = None) -> dict:
        """The petition page: read in one statement (`_page_of`), plus the public trace of invalidations when
        the petition has one and the chart by arrondissement when it is not kept (`_by_arrondissement`). Readers
        come back again and again during a signing rush."""
        petition, facts = self._page_of(petition_id, actor)
        return self.petition_view(self._visible(petition, actor), actor, facts)

    def _page_of(self, petition_id, actor: dict | None) -> tuple:
        """The petition (or None) and, read with it, its count (from its counter rows), its co-sponsors, whether
        signatures of it were ever invalidated and, for a signed-in reader, whether they signed or sponsored it."""
        parameters = {"petition_id": str(petition_id)}
        if actor is not None:
            parameters["account_id"] = str(actor["account_id"])
        row = self.session.execute(_PAGE_FOR_READER if actor is not None else _PAGE, parameters).first()
        if row is None:
            return None, None
        facts = {"count": int(row.count), "sponsors": int(row.sponsors), "invalidated": bool(row.invalidated)}
        if actor is not None:
            facts.update(signed=bool(row.signed), sponsored=bool(row.sponsored))
        return row.Petition, facts

    def my_petitions(self, actor: dict) -> dict:
        account_id = str(actor["account_id"])
        authored = self.session.execute(sa.select(Petition).where(Petition.author_id == account_id)
                                        .order_by(Petition.created_at.desc())).scalars().all()
        sponsored = self.session.execute(sa.select(Petition).join(Sponsor, Sponsor.petition_id == Petition.id).where(
            Sponsor.account_id == account_id).order_by(Sponsor.created_at.desc())).scalars().all()
        signed = self.session.execute(sa.select(Petition).join(Signature, Signature.petition_id == Petition.id).where(
            Signature.account_id == account_id).order_by(Signature.created_at.desc())).scalars().all()
        return {"authored": self._summaries(authored, actor), "sponsored": self._summaries(sponsored, actor),
                "signed": self._summaries(signed, actor)}

    # --- drafting and co-sponsors -------------------------------------------------------------

    def _checked_texts(self, command: dict, partial=False) -> dict:
        check, texts = FieldChecks(), {}
        for field, rule in (("title", domain.check_title), ("asks", domain.check_asks),
                            ("background", domain.check_background),
                            ("arrondissement", domain.check_arrondissement)):
            if field in command or not partial:
                texts[field] = check(rule, command.get(field))
        check.raise_if_broken()
        return texts

    def draft_petition(self, actor: dict, command: dict) -> dict:
        texts = self._checked_texts(command)
        author_id = str(actor["account_id"])
        self._throttle("petition-draft", author_id, self.settings.drafts_per_hour, HOUR,
                       f"Vous avez atteint la limite de {self.settings.drafts_per_hour} pétitions rédigées par heure.")
        pseudonym = self._pseudonym_of(author_id)  # asked before anything is written
        petition = self._new_draft(texts, author_id, pseudonym)
        self._history(petition, "drafted", actor)
        return self.petition_view(petition, actor)

    def _new_draft(self, texts: dict, author_id: str, pseudonym: str, origin_idea_id: str = None) -> Petition:
        now = self.clock()
        petition = Petition(status=domain.DRAFT, title=texts["title"], asks=texts["asks"],
                            background=texts["background"], arrondissement=texts["arrondissement"],
                            search_text=domain.searchable(texts["title"], texts["asks"]), author_id=author_id,
                            author_pseudonym=pseudonym, sponsor_token=domain.new_sponsor_token(),
                            origin_idea_id=origin_idea_id, hidden=False, created_at=now, updated_at=now)
        self.session.add(petition)
        self.session.flush()
        return petition

    def update_draft(self, actor: dict, command: dict) -> dict:
        petition = self._own_draft(command["petition_id"], actor, for_update=True)
        sponsors = self._sponsor_counts([petition.id]).get(petition.id, 0)
        with rules():
            domain.check_editable(petition.status, sponsors)
        texts = self._checked_texts(command, partial=True)
        for field, value in texts.items():
            setattr(petition, field, value)
        petition.search_text = domain.searchable(petition.title, petition.asks)
        petition.updated_at = self.clock()
        self._history(petition, "edited", actor)
        return self.petition_view(petition, actor)

    def _by_token(self, token: str, for_update=False) -> Petition:
        statement = sa.select(Petition).where(Petition.sponsor_token == token)
        if for_update:
            statement = statement.with_for_update()
        petition = self.session.execute(statement).scalar_one_or_none()
        if petition is None:
            raise NotFound("Ce lien de parrainage n'est pas valide.", code="INVALID_SPONSOR_LINK")
        return petition

    def _throttle_sponsor_request(self, actor: dict):
        """Opening or accepting a co-sponsorship link, per account and hour: counted before the link is looked up,
        so that guessing links is limited too."""
        limit = self.settings.sponsor_requests_per_hour
        self._throttle("petition-sponsor", str(actor["account_id"]), limit, HOUR,
                       f"Vous avez atteint la limite de {limit} demandes de parrainage par heure.")

    def sponsor_view(self, actor: dict, token: str) -> dict:
        """The draft behind a private link, as a possible co-sponsor sees it."""
        self._throttle_sponsor_request(actor)
        petition = self._by_token(token)
        view = self.petition_view(petition, actor)
        view["sponsor_token"] = None
        return view

    def sponsor(self, actor: dict, token: str) -> dict:
        self._throttle_sponsor_request(actor)
        petition = self._by_token(token)
        account_id = str(actor["account_id"])
        already = self.session.execute(sa.select(Sponsor.id).where(
            Sponsor.petition_id == petition.id, Sponsor.account_id == account_id)).first() is not None
        with rules():
            domain.check_can_sponsor(petition.status, self._is_author(petition, actor), already)
        self.session.add(Sponsor(petition_id=petition.id, account_id=account_id, created_at=self.clock()))
        try:
            self.session.flush()
        except IntegrityError:  # the same account, at the same moment, in another transaction
            raise Conflict("Vous parrainez déjà cette pétition.", code="ALREADY_SPONSORED") from None
        self._history(petition, "sponsored", actor)
        sponsors = self._sponsor_counts([petition.id]).get(petition.id, 0)
        return {"petition_id": petition.id, "sponsored": True, "sponsors_count": sponsors,
                "sponsors_required": self.settings.sponsors_required}

    def submit(self, actor: dict, petition_id) -> dict:
        petition = self._own_draft(petition_id, actor, for_update=True)
        sponsors = self._sponsor_counts([petition.id]).get(petition.id, 0)
        with rules():
            domain.check_can_submit(petition.status, sponsors, self.settings.sponsors_required)
        now = self.clock()
        petition.status, petition.submitted_at, petition.updated_at = domain.SUBMITTED, now, now
        petition.moderation_due_at = domain.moderation_due(now, self.settings.moderation_days)
        self._history(petition, "submitted", actor)
        self._emit(events.PETITION_SUBMITTED, petition, {"sponsors_count": sponsors}, actor)
        return self.petition_view(petition, actor)

    # --- moderation -------------------------------------------------------------------------

    def moderation_queue(self, actor: dict) -> dict:
        self._require_moderator(actor)
        petitions = self.session.execute(sa.select(Petition).where(Petition.status == domain.SUBMITTED)
                                         .order_by(Petition.submitted_at, Petition.id)).scalars().all()
        items = [self.petition_view(p, actor) for p in petitions]
        return {"items": items, "overdue_count": sum(item["overdue"] for item in items)}

    def publish(self, actor: dict, command: dict) -> dict:
        self._require_moderator(actor)
        petition = self._petition(command["petition_id"], for_update=True)
        with rules():
            domain.check_awaiting_moderation(petition.status)
            threshold = self.settings.threshold if command.get("threshold") is None else domain.check_threshold(
                command["threshold"], self.settings.threshold, domain.is_admin(actor["roles"]))
        now = self.clock()
        petition.status, petition.threshold = domain.OPEN, threshold
        petition.eligibility = command.get("eligibility") or self.settings.eligibility
        petition.opened_at = petition.moderated_at = petition.updated_at = now
        petition.closes_at = domain.add_months(now, self.settings.open_months)
        petition.moderated_by = str(actor["account_id"])
        petition.sponsor_token = None  # the private link has served its purpose
        self.session.add_all(SignatureCounter(petition_id=petition.id, shard=shard, signatures=0)
                             for shard in range(domain.COUNTER_SHARDS))
        self._history(petition, "published", actor)
        self._emit(events.PETITION_PUBLISHED, petition,
                   {"threshold": threshold, "eligibility": petition.eligibility,
                    "arrondissement": petition.arrondissement, "closes_at": petition.closes_at.isoformat()}, actor)
        return self.petition_view(petition, actor)

    def reject(self, actor: dict, command: dict) -> dict:
        self._require_moderator(actor)
        petition = self._petition(command["petition_id"], for_update=True)
        check = FieldChecks()
        reason = check(domain.check_reason, command["reason"])
        check(domain.check_rejection, command["code"], command["hidden"])
        check.raise_if_broken()
        with rules():
            domain.check_awaiting_moderation(petition.status)
        now = self.clock()
        petition.status, petition.rejection_code, petition.rejection_reason = domain.REJECTED, command["code"], reason
        petition.hidden = command["hidden"]
        petition.moderated_at = petition.updated_at = now
        petition.moderated_by = str(actor["account_id"])
        petition.sponsor_token = None
        self._history(petition, "rejected", actor, code=command["code"])
        self._emit(events.PETITION_REJECTED, petition, {"code": command["code"], "hidden": command["hidden"]}, actor)
        return self.petition_view(petition, actor)

    # --- signing ----------------------------------------------------------------------------

    def _throttle(self, bucket: str, key: str, limit: int, window: int, message: str):
        try:
            self.throttle.consume(bucket, key, limit, window)
        except RateLimited as limited:
            raise self._with_wait(limited, message) from None

    @staticmethod
    def _with_wait(limited: RateLimited, message: str) -> RateLimited:
        wait = limited.retry_after
        when = f"{wait} secondes" if wait < 120 else f"{-(-wait // 60)} minutes"
        return RateLimited(f"{message} Réessayez dans {when}.", details=limited.details)

    # --- e-mails to the author and opted-in signers (petitions' own events) --------------------------

    def notification(self, envelope: dict, send) -> bool:
        """`petition_threshold_reached`, `petition_scheduled_for_council`, `petition_answered`: e-mail the author
        and the signers who opted in, through `send({"account_ids", "subject", "body"})` (accounts.notify, which
        knows the addresses). Once per event: an event already applied is skipped.

        Nothing is written while accounts is called (no transaction waits on another service): the recipients are
        read, the read transaction ends, the e-mails are queued by accounts, then the event is recorded as applied.
        If accounts does not answer, nothing is recorded and the event is retried later. A crash between the
        two (accounts queued them, the record did not commit) would e-mail once more on the redelivery:
        at least once, never silently lost."""
        if envelope["version"] != KNOWN_EVENT_VERSION:
            log.warning("unknown event version, ignored", extra={"event_type": envelope["type"],
                                                                  "version": envelope["version"]})
            return False
        petition_id = str(load(schemas.PetitionIdSchema(unknown=EXCLUDE), envelope["payload"])["petition_id"])
        processed = infrastructure_tables(Petition.metadata)["processed"]
        if self.session.execute(sa.select(processed.c.event_id).where(
                processed.c.event_id == str(envelope["event_id"]),
                processed.c.handler == NOTIFY_FOLLOWERS)).first():
            return False
        petition = self.session.get(Petition, petition_id)
        message = domain.notification_message(envelope["type"], petition.title,
                                              f"{public_url()}/petitions/{petition.id}", envelope["payload"]) \
            if petition is not None else None
        recipients = self._followers(petition) if message is not None else []
        self.session.rollback()  # only read so far: the connection is free while accounts is called
        for start in range(0, len(recipients), NOTIFY_BATCH):
            send({"account_ids": recipients[start:start + NOTIFY_BATCH], **message})
        return self.uow.first_delivery(envelope, NOTIFY_FOLLOWERS)

    def _followers(self, petition: Petition) -> list:
        """The author and the signers who opted in (valid signatures, accounts not deleted), each once."""
        signers = self.session.execute(sa.select(Signature.account_id).where(
            Signature.petition_id == petition.id, Signature.notify.is_(True), Signature.invalidated_at.is_(None),
            Signature.account_id.is_not(None)).order_by(Signature.id)).scalars()
        recipients = [petition.author_id] if petition.author_id else []
        recipients += [account_id for account_id in signers if account_id != petition.author_id]
        return recipients

    # --- the Council of Paris -----------------------------------------------------------------

    def council_agenda(self, actor: dict) -> dict:
        self._require_moderator(actor)

        def of(status, *order):
            return self.session.execute(sa.select(Petition).where(Petition.status == status)
                                        .order_by(*order, Petition.id)).scalars().all()
        return {"awaiting_placement": self._summaries(of(domain.THRESHOLD_REACHED, Petition.threshold_reached_at)),
                "scheduled": self._summaries(of(domain.SCHEDULED, Petition.council_session_date)),
                "answered": self._summaries(of(domain.ANSWERED, Petition.answered_at.desc()))}

    def schedule_for_council(self, actor: dict, command: dict) -> dict:
        self._require_admin(actor)
        petition = self._petition(command["petition_id"], for_update=True)
        with rules():
            domain.check_can_schedule(petition.status)
            domain.check_council_date(command["session_date"], aware(petition.opened_at).date())
        now = self.clock()
        petition.status, petition.council_session_date = domain.SCHEDULED, command["session_date"]
        petition.council_agenda_url, petition.scheduled_at, petition.updated_at = command["agenda_url"], now, now
        self._history(petition, "scheduled_for_council", actor)
        self._emit(events.PETITION_SCHEDULED_FOR_COUNCIL, petition,
                   {"session_date": command["session_date"].isoformat()}, actor)
        return self.petition_view(petition, actor)

    def record_response(self, actor: dict, command: dict) -> dict:
        self._require_admin(actor)
        petition = self._petition(command["petition_id"], for_update=True)
        check = FieldChecks()
        response = check(domain.check_response, command["response"])
        check(domain.check_decision, command["decision"])
        check.raise_if_broken()
        with rules():
            domain.check_can_answer(petition.status)
        now = self.clock()
        petition.status, petition.decision, petition.response = domain.ANSWERED, command["decision"], response
        petition.answered_at = petition.updated_at = now
        self._history(petition, "answered", actor, code=command["decision"])
        self._emit(events.PETITION_ANSWERED, petition, {"decision": command["decision"]}, actor)
        return self.petition_view(petition, actor)

    def close(self, actor: dict, petition_id) -> dict:
        self._require_admin(actor)
        petition = self._petition(petition_id, for_update=True)
        with rules():
            domain.check_can_close(petition.status)
        self._close(petition, domain.CLOSED_AFTER_ANSWER, actor)
        return self.petition_view(petition, actor)

    def _close(self, petition: Petition, reason: str, actor: dict | None):
        now = self.clock()
        petition.status, petition.closed_at, petition.closed_reason, petition.updated_at = \
            domain.CLOSED, now, reason, now
        count = self._count(petition.id)
        self._history(petition, "closed", actor, code=reason)
        self._emit(events.PETITION_CLOSED, petition,
                   {"reason": reason, "signatures_count": count,
                    "threshold_reached": petition.threshold_reached_at is not None}, actor)

    # --- the periodic sweep (timer: idempotent, safe to run in several processes) --------------------

    def close_expired(self) -> int:
        """Close open petitions past their deadline (and answered ones); returns how many were closed."""
        now = self.clock()
        candidates = self.session.execute(sa.select(Petition.id).where(
            Petition.status.in_((domain.OPEN, domain.ANSWERED)), Petition.closes_at <= now)
            .order_by(Petition.closes_at).limit(SWEEP_BATCH)).scalars().all()
        closed = 0
        for petition_id in candidates:
            petition = self.session.get(Petition, petition_id, with_for_update={"key_share": True})
            self.session.refresh(petition)  # another process may have closed it since
            reason = domain.due_for_closing(petition.status, aware(petition.closes_at), now)
            if reason is None:
                continue
            self._close(petition, reason, None)
            closed += 1
        return closed

    def reach_missed_thresholds(self) -> int:
        """Open petitions whose count reached the threshold while no signing transaction saw it (two signers
        committing at once, each without the other's signature): they move to threshold reached now."""
        totals = (sa.select(SignatureCounter.petition_id, sa.func.sum(SignatureCounter.signatures).label("total"))
                  .group_by(SignatureCounter.petition_id).subquery())
        rows = self.session.execute(sa.select(Petition, totals.c.total).join(
            totals, totals.c.petition_id == Petition.id).where(
            Petition.status == domain.OPEN, totals.c.total >= Petition.threshold).limit(SWEEP_BATCH)).all()
        return sum(self._reach_threshold(petition, int(total)) for petition, total in rows)

    # --- accounts' events ----------------------------------------------------------------------

    def _account_event(self, envelope: dict) -> dict | None:
        if envelope["version"] != KNOWN_EVENT_VERSION:
            log.warning("unknown event version, ignored", extra={"event_type": envelope["type"],
                                                                  "version": envelope["version"]})
            return None
        return load(_AccountEventSchema(), envelope["payload"])

    def forget_account(self, envelope: dict) -> bool:
        """`account_deleted`: petitions stay, shown as the anonymous citizen; signatures and sponsorships stay
        counted, with no link to the account (and no client address). The account's unsubmitted drafts, which
        nobody else saw, are deleted. False if this event was already applied."""
        payload = self._account_event(envelope)
        if payload is None or not self.uow.first_delivery(envelope, FORGET_ACCOUNT):
            return False
        account_id = str(payload["account_id"])
        own_drafts = (Petition.author_id == account_id, Petition.status == domain.DRAFT)
        drafts = sa.select(Petition.id).where(*own_drafts)
        for model in (Sponsor, Signature, SignatureCounter, HistoryEntry):
            self.session.execute(sa.delete(model).where(model.petition_id.in_(drafts))
                                 .execution_options(synchronize_session=False))
        self.session.execute(sa.delete(Petition).where(*own_drafts).execution_options(synchronize_session=False))
        self.session.execute(sa.update(Petition).where(Petition.author_id == account_id).values(
            author_id=None, author_pseudonym=domain.ANONYMOUS_PSEUDONYM))
        self.session.execute(sa.update(Sponsor).where(Sponsor.account_id == account_id).values(account_id=None))
        self.session.execute(sa.update(Signature).where(Signature.account_id == account_id).values(
            account_id=None, client_ip=None))
        self.session.execute(sa.update(HistoryEntry).where(HistoryEntry.actor_id == account_id).values(actor_id=None))
        return True

    def refresh_author_pseudonym(self, envelope: dict) -> bool:
        """`account_profile_updated` naming `pseudonym`: the author's petitions take the account's current
        pseudonym, asked of accounts (events carry none). False if nothing to do or already applied."""
        payload = self._account_event(envelope)
        if payload is None or "pseudonym" not in payload["fields_"]:
            return False
        account_id = str(payload["account_id"])
        profiles = self.accounts.public_profiles({"account_ids": [account_id]})  # before anything is written
        if not self.uow.first_delivery(envelope, REFRESH_PSEUDONYM):
            return False
        pseudonym = next((p["pseudonym"] for p in profiles if p["account_id"] == account_id), None)
        if pseudonym is None:
            return True  # the account is gone: `account_deleted` anonymises its petitions
        self.session.execute(sa.update(Petition).where(Petition.author_id == account_id).values(
            author_pseudonym=domain.author_pseudonym(pseudonym)))
        return True

    def draft_from_forwarded_idea(self, envelope: dict, ideas) -> bool:
        """`idea_forwarded` with scheme `petition` (routing service): the idea becomes a draft petition of its
        author, to review and complete before gathering co-sponsors, and `petition_drafted` says so (the author
        is e-mailed from it). The idea's text is asked of the ideas service (`ideas.get_idea`), events carry
        none. One draft per idea, however often the event comes and whatever the decision."""
        if envelope["version"] != KNOWN_EVENT_VERSION:
            log.warning("unknown event version, ignored", extra={"event_type": envelope["type"],
                                                                  "version": envelope["version"]})
            return False
        payload = load(_ForwardedIdeaSchema(), envelope["payload"])
        if payload["scheme"] != PETITION_SCHEME or payload["author_id"] is None:
            return False
        idea_id, author_id = str(payload["idea_id"]), str(payload["author_id"])
        idea = ideas.get_idea({"idea_id": idea_id})  # asked before the database is touched
        pseudonym = self._pseudonym_of(author_id)
        if not self.uow.first_delivery(envelope, DRAFT_FROM_IDEA):
            return False
        if self.session.execute(sa.select(Petition.id).where(Petition.origin_idea_id == idea_id)).first():
            log.info("idea already drafted as a petition", extra={"idea_id": idea_id})
            return True  # forwarded once more: the author already has the draft
        texts = domain.prefill_from_idea(idea["title"], idea.get("description") or "", idea.get("arrondissement"))
        petition = self._new_draft(texts, author_id, pseudonym, origin_idea_id=idea_id)
        self._history(petition, "drafted_from_idea", None)
        self._emit(events.PETITION_DRAFTED, petition, {"decision_id": str(payload["decision_id"])}, None)
        return True

    # --- GDPR -----------------------------------------------------------------------------------

    def export_personal_data(self, account_id) -> dict:
        account_id = str(account_id)
        authored = self.session.execute(sa.select(Petition).where(Petition.author_id == account_id)
                                        .order_by(Petition.created_at)).scalars()
        sponsorships = self.session.execute(sa.select(Sponsor).where(Sponsor.account_id == account_id)
                                            .order_by(Sponsor.id)).scalars()
        signatures = self.session.execute(sa.select(Signature).where(Signature.account_id == account_id)
                                          .order_by(Signature.id)).scalars()
        return {
            "petitions": [{"id": p.id, "status": p.status, "title": p.title, "asks": p.asks,
                           "background": p.background, "arrondissement": p.arrondissement,
                           "author_pseudonym": p.author_pseudonym, "created_at": _iso(aware(p.created_at)),
                           "submitted_at": _iso(aware(p.submitted_at))} for p in authored],
            "sponsorships": [{"petition_id": s.petition_id, "created_at": _iso(aware(s.created_at))}
                             for s in sponsorships],
            "signatures": [{"petition_id": s.petition_id, "lives_in_paris": s.lives_in_paris,
                            "works_in_paris": s.works_in_paris, "studies_in_paris": s.studies_in_paris,
                            "arrondissement": s.arrondissement, "notify": s.notify, "client_ip": s.client_ip,
                            "created_at": _iso(aware(s.created_at))} for s in signatures],
        }

    # --- demo data (local runs only) ------------------------------------------------------------

    def seed_demo_petition(self, demo: dict) -> int:
        """Create one demo petition with fixed id, as the demo team, already through its steps. 1 if created."""
        if self.session.get(Petition, demo["id"]) is not None:
            return 0
        texts = self._checked_texts(demo)
        now = self.clock()
        petition = Petition(id=demo["id"], status=domain.DRAFT, title=texts["title"], asks=texts["asks"],
                            background=texts["background"], arrondissement=texts["arrondissement"],
                            search_text=domain.searchable(texts["title"], texts["asks"]), author_id=None,
                            author_pseudonym=demo.get("author_pseudonym", "Équipe démo"), hidden=False,
                            created_at=now, updated_at=now)
        self.session.add(petition)
        self.session.flush()
        petition.status, petition.submitted_at = domain.SUBMITTED, now
        petition.moderation_due_at = domain.moderation_due(now, self.settings.moderation_days)
        if demo["status"] != domain.SUBMITTED:
            petition.status, petition.eligibility = domain.OPEN, self.settings.eligibility
            petition.threshold = demo.get("threshold", self.settings.threshold)
            petition.opened_at, petition.closes_at = now, domain.add_months(now, self.settings.open_months)
            petition.moderated_at = now
            self.session.add_all(SignatureCounter(petition_id=petition.id, shard=shard,
                                                  signatures=demo.get("signatures", 0) if shard == 0 else 0)
                                 for shard in range(domain.COUNTER_SHARDS))
        if demo["status"] in (domain.THRESHOLD_REACHED, domain.SCHEDULED):
            petition.status, petition.threshold_reached_at = domain.THRESHOLD_REACHED, now
        if demo["status"] == domain.SCHEDULED:
            petition.status, petition.council_session_date = domain.SCHEDULED, demo["session_date"]
            petition.council_agenda_url, petition.scheduled_at = demo["agenda_url"], now
        return 1


def _page_statement(for_reader: bool):
    """`_page_of`'s statement: the petition, with correlated subqueries for what its page shows besides it."""
    count = sa.select(sa.func.coalesce(sa.func.sum(SignatureCounter.signatures), 0)).where(
        SignatureCounter.petition_id == Petition.id).correlate(Petition).scalar_subquery()
    sponsors = sa.select(sa.func.count(Sponsor.id)).where(Sponsor.petition_id == Petition.id).correlate(
        Petition).scalar_subquery()
    invalidated = sa.exists().where(ModerationLogEntry.petition_id == Petition.id,
                                    ModerationLogEntry.action == "signatures_invalidated").correlate(Petition)
    columns = [Petition, count.label("count"), sponsors.label("sponsors"), invalidated.label("invalidated")]
    if for_reader:
        reader = sa.bindparam("account_id", type_=sa.String)
        columns += [sa.exists().where(Signature.petition_id == Petition.id, Signature.account_id == reader)
                    .correlate(Petition).label("signed"),
                    sa.exists().where(Sponsor.petition_id == Petition.id, Sponsor.account_id == reader)
                    .correlate(Petition).label("sponsored")]
    return sa.select(*columns).where(Petition.id == sa.bindparam("petition_id", type_=sa.String))


_PAGE, _PAGE_FOR_READER = _page_statement(False), _page_statement(True)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _iso(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value
