"""The action door « Agir »: the schemes a citizen may ask directly, and the dossier such a request opens — the same
reference, history, `dossier_created` event and delivery (signed webhook retried with backoff, or e-mail) as a
dossier opened for an idea an agent forwarded (handlers/effects.py), without an idea or a decision.

Who asks is the signed-in citizen (the actor); whether they may is their eligibility attributes, read from accounts
by the service before the transaction (`attributes`), never what the caller says about them."""
import hashlib
import json
import uuid

import sqlalchemy as sa

from hubkit.clock import aware
from hubkit.errors import NotFound

from .. import domain, events
from ..domain import actions as rules_of
from ..models import Dossier, InboxItem, Scheme, TraceEntry, WebhookDelivery
from .common import FieldChecks, UseCases, acting_on, request_id, rules
from .views import dossier_view, iso, trace_view

MY_DOSSIERS_MAX = 200


def scoped_key(requester: str, key: str | None) -> str | None:
    """The form's token scoped by the person (hubkit.idempotency: a key can never reach another's request)."""
    return None if key is None else hashlib.sha256(f"open_dossier:{requester}:{key}".encode()).hexdigest()


def direct_mail_body(document: dict) -> str:
    """The e-mail a scheme receives by mail for a direct request (its webhook gets `document` as JSON)."""
    lines = [f"Demande {document['reference']} faite par une personne inscrite sur le Hub de la participation de "
             "la Ville de Paris (« Agir »).", "", f"Objet : {document['title']}", f"Description : {document['summary']}",
             f"Arrondissement : {document['arrondissement']}"]
    if document.get("location"):
        lines.append(f"Lieu : {document['location']}")
    lines += [f"{answer['label']} : {answer['value_label']}" for answer in document["fields"]]
    lines += ["", f"Réponse attendue avant le {document['answer_deadline'][:10]}.",
              "Répondez au hub par son API (réponse signée) en rappelant la référence du dossier."]
    return "\n".join(lines)


class DirectRequests(UseCases):
    # --- the schemes ----------------------------------------------------------------------------------

    def action_schemes(self) -> list:
        schemes = self.session.execute(sa.select(Scheme).where(
            Scheme.active.is_(True), Scheme.kind == domain.EXTERNAL, Scheme.request_form.is_not(None))
            .order_by(Scheme.name)).scalars()
        return [self.action_view(scheme) for scheme in schemes
                if rules_of.takes_requests(scheme.kind, scheme.active, scheme.request_form)]

    def action_scheme(self, code: str) -> dict:
        return self.action_view(self._action_scheme(code))

    def _action_scheme(self, code: str, for_update: bool = False) -> Scheme:
        """An unknown scheme and one that takes no direct request are both « not found » (404)."""
        scheme = self.session.get(Scheme, code, with_for_update=for_update)
        if scheme is None or not rules_of.takes_requests(scheme.kind, scheme.active, scheme.request_form):
            raise NotFound("Aucun dispositif d'action n'a ce code.", code="ACTION_SCHEME_NOT_FOUND")
        return scheme

    @staticmethod
    def action_view(scheme: Scheme) -> dict:
        eligibility = scheme.eligibility or rules_of.ANYONE
        return {"code": scheme.code, "name": scheme.name, "description": scheme.description,
                "direction": scheme.direction, "deadline_days": scheme.deadline_days, "eligibility": eligibility,
                "eligibility_label": rules_of.ELIGIBILITY[eligibility],
                "who_may_ask": scheme.who_may_ask or rules_of.ELIGIBILITY[eligibility],
                "fields": [dict(field, key=rules_of.field_key(field["code"])) for field in scheme.request_form]}

    # --- opening a dossier ----------------------------------------------------------------------------

    def open_dossier(self, actor: dict, command: dict, attributes: dict) -> dict:
        """The dossier of a direct request, written with its delivery, trace entry and event in this transaction.
        Refused, with nothing written: an unknown or non-action scheme (404), a person who may not ask (403),
        any broken field (400, every one named). The same form sent twice (its token) is the same dossier."""
        requester = str(actor["account_id"])
        scheme = self._action_scheme(command["scheme"])
        key = scoped_key(requester, command.get("idempotency_key"))
        known = self._already_opened(key)
        if known is not None:
            return known
        # the form first, then who asks: everyone signed in learns what a valid request is (a 400), and a valid
        # one from someone who may not ask is refused (403) with what to do first
        request = self._checked(scheme, command)
        with rules():
            rules_of.check_may_ask(scheme.eligibility or rules_of.ANYONE, attributes)
        now, subject_id = self.clock(), str(uuid.uuid4())
        dossier = Dossier(idea_id=None, decision_id=None, subject_kind=rules_of.DIRECT_REQUEST,
                          direct_request_id=subject_id, requester_id=requester, request=request,
                          correlation_id=request_id(), idempotency_key=key,
                          scheme=scheme.code, delivery=scheme.delivery, status="sent", created_at=now)
        self.session.add(dossier)
        self.session.flush()
        dossier.reference = domain.dossier_reference(scheme.direction, now.year, dossier.id)
        document = self._document(dossier, scheme, request, now)
        if scheme.delivery == domain.WEBHOOK:
            self.session.add(WebhookDelivery(dossier_id=dossier.id, url=scheme.webhook_url, attempts=0,
                                             body=json.dumps(document, ensure_ascii=False, sort_keys=True),
                                             next_attempt_at=now))
        else:
            self.uow.queue_mail(scheme.email, f"[Hub de la participation] Demande {dossier.reference}",
                                direct_mail_body(document))
            dossier.status, dossier.delivered_at = "delivered", now
        with acting_on(dossier.correlation_id, dossier.correlation_id):
            self._emit_traced(dossier, events.DOSSIER_CREATED,
                              {"dossier_reference": dossier.reference, "decision_id": None, "idea_id": None,
                               "scheme": scheme.code, "delivery": scheme.delivery,
                               "subject_kind": rules_of.DIRECT_REQUEST, "direct_request_id": subject_id,
                               "requester_id": requester}, events.actor(requester, "citizen"),
                              f"Demande faite par « Agir » : dossier {dossier.reference} ouvert auprès de "
                              f"« {scheme.name} ».")
        return self.dossier_detail(dossier)

    def _already_opened(self, key: str | None) -> dict | None:
        if key is None:
            return None
        dossier = self.session.execute(sa.select(Dossier).where(Dossier.idempotency_key == key)).scalar_one_or_none()
        return None if dossier is None else self.dossier_detail(dossier)

    def _checked(self, scheme: Scheme, command: dict) -> dict:
        check = FieldChecks()
        request = {"title": check(rules_of.check_title, command.get("title")),
                   "description": check(rules_of.check_description, command.get("description")),
                   "arrondissement": check(rules_of.check_arrondissement, command.get("arrondissement")),
                   "location": check(rules_of.check_location, command.get("location"))}
        answers = check(rules_of.check_answers, scheme.request_form, command.get("fields") or {}) or {}
        request["fields"] = {field["code"]: check(rules_of.check_answer, field, answers.get(field["code"]))
                             for field in scheme.request_form}
        check.raise_if_broken()
        return request

    def _document(self, dossier: Dossier, scheme: Scheme, request: dict, now) -> dict:
        """What the scheme receives: the request as written (the location is the public space's, never the
        asker's address), no name, no e-mail (the scheme answers through the hub)."""
        return {"reference": dossier.reference, "scheme": scheme.code, "subject_kind": rules_of.DIRECT_REQUEST,
                "idea_id": None, "title": request["title"], "summary": request["description"],
                "arrondissement": request["arrondissement"], "location": request["location"],
                "fields": [{"code": field["code"], "label": field["label"], "value": request["fields"][field["code"]],
                            "value_label": rules_of.answer_label(field, request["fields"][field["code"]])}
                           for field in scheme.request_form],
                "message": None, "submitted_at": now.isoformat(),
                "answer_deadline": (now + self._days(scheme.deadline_days)).isoformat()}

    def _emit_traced(self, dossier: Dossier, event_type: str, payload: dict, actor: dict, summary: str):
        envelope = self.uow.emit(event_type, {"kind": rules_of.DIRECT_REQUEST, "id": dossier.direct_request_id},
                                 payload, actor=actor)
        self.trace(envelope, dossier.direct_request_id, summary)

    def record_answer(self, dossier: Dossier, scheme: Scheme, status: str | None, text: str) -> None:
        """A scheme's answer to a direct request, on the request's history (deliveries.receive_answer checked it)."""
        with acting_on(dossier.correlation_id, request_id()):
            self._emit_traced(dossier, events.DOSSIER_ANSWERED,
                              {"dossier_reference": dossier.reference, "idea_id": None, "scheme": scheme.code,
                               "status": status, "answer": text, "subject_kind": rules_of.DIRECT_REQUEST,
                               "direct_request_id": dossier.direct_request_id, "requester_id": dossier.requester_id},
                              events.SYSTEM, f"Réponse de « {scheme.name} » au dossier {dossier.reference} : {text}")

    # --- what a person reads --------------------------------------------------------------------------

    def dossier(self, actor: dict, reference: str) -> dict:
        """A direct request's dossier, for the person who asked only: anyone else finds nothing (404)."""
        dossier = self.session.execute(sa.select(Dossier).where(Dossier.reference == reference)).scalar_one_or_none()
        if dossier is None or dossier.requester_id is None or dossier.requester_id != str(actor["account_id"]):
            raise NotFound("Aucun dossier à votre nom n'a cette référence.", code="DOSSIER_NOT_FOUND")
        return self.dossier_detail(dossier)

    def dossier_detail(self, dossier: Dossier) -> dict:
        entries = self.session.execute(sa.select(TraceEntry).where(
            TraceEntry.idea_id == dossier.direct_request_id, TraceEntry.public.is_(True))
            .order_by(TraceEntry.occurred_at, TraceEntry.id)).scalars()
        return {**self._summary(dossier, self._scheme_names(), self._delivery(dossier)),
                "trace": [trace_view(entry) for entry in entries]}

    def my_dossiers(self, actor: dict) -> list:
        """The dossiers opened for a person, newest first: their direct requests and those opened for their ideas."""
        account_id = str(actor["account_id"])
        their_ideas = sa.select(InboxItem.idea_id).where(InboxItem.author_id == account_id)
        dossiers = self.session.execute(sa.select(Dossier).where(
            sa.or_(Dossier.requester_id == account_id, Dossier.idea_id.in_(their_ideas)))
            .order_by(Dossier.created_at.desc(), Dossier.id.desc()).limit(MY_DOSSIERS_MAX)).scalars().all()
        titles = dict(self.session.execute(sa.select(InboxItem.idea_id, InboxItem.title).where(
            InboxItem.idea_id.in_([d.idea_id for d in dossiers if d.idea_id]))).all()) if dossiers else {}
        names = self._scheme_names()
        return [self._summary(dossier, names, self._delivery(dossier), titles.get(dossier.idea_id))
                for dossier in dossiers]

    def _delivery(self, dossier: Dossier) -> WebhookDelivery | None:
        return self.session.execute(sa.select(WebhookDelivery).where(WebhookDelivery.dossier_id == dossier.id)
                                    ).scalar_one_or_none()

    def _summary(self, dossier: Dossier, names: dict, delivery: WebhookDelivery | None, idea_title: str = None) -> dict:
        """The person's view (`public`: how the scheme's system fails is the agents' business, not theirs; a delayed
        delivery says so, with its next try)."""
        request = dossier.request or {}
        view = dossier_view(dossier, names, delivery, self.settings.webhook_max_attempts, public=True)
        return {**view, "subject_kind": dossier.subject_kind or rules_of.IDEA, "idea_id": dossier.idea_id,
                "title": request.get("title") or idea_title or "", "description": request.get("description"),
                "arrondissement": request.get("arrondissement"), "location": request.get("location"),
                "created_at": aware(dossier.created_at)}

    # --- personal data (GDPR) -------------------------------------------------------------------------

    def export(self, account_id: str) -> list:
        dossiers = self.session.execute(sa.select(Dossier).where(Dossier.requester_id == account_id)
                                        .order_by(Dossier.id)).scalars()
        return [{"reference": d.reference, "scheme": d.scheme, "status": d.status, "request": d.request,
                 "answer": d.answer, "created_at": iso(d.created_at), "answered_at": iso(d.answered_at)}
                for d in dossiers]

    def forget(self, account_id: str) -> None:
        """`account_deleted`: the scheme keeps its dossier (the City's record), no longer linked to the person."""
        self.session.execute(sa.update(Dossier).where(Dossier.requester_id == account_id).values(requester_id=None))
