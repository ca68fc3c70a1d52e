"""The e-mails routing has accounts send: to an idea's author when it was forwarded, answered, not retained or its
dossier answered; to an agent an idea was confided to. accounts' mail opens with « Bonjour <pseudonyme>, »: the
bodies below never greet again."""
import sqlalchemy as sa

from hubkit.clock import aware
from hubkit.config import public_url

from .. import domain, events
from ..models import Dossier, InboxItem, Scheme
from .common import UseCases

NOTIFY_AUTHOR = "routing.notify_author"


class Notifications(UseCases):
    def notification(self, envelope: dict) -> dict | None:
        """The e-mail (for accounts.notify) telling the author what became of their idea, once per event."""
        if not self.uow.first_delivery(envelope, NOTIFY_AUTHOR):
            return None
        payload = envelope["payload"]
        item = self.session.get(InboxItem, str(payload.get("idea_id")))
        if item is None:
            return None
        title = item.title
        if envelope["type"] == events.IDEA_ASSIGNED:
            if not payload.get("agent_id") or payload["agent_id"] == envelope["actor"]["account_id"]:
                return None  # nobody in particular, or taken by the agent themself
            deadline = aware(item.deadline_at).strftime("%d/%m/%Y")
            return {"account_ids": [payload["agent_id"]], "subject": "Une idée vous est confiée",
                    "body": f"L'idée « {title} » vous est confiée (direction {payload['direction']}), "
                            f"à traiter avant le {deadline}.\n\n"
                            f"La décider : {public_url()}/back-office/orientation/{item.idea_id}\n"}
        if not item.author_id:
            return None
        link = f"{public_url()}/idees/{item.idea_id}"
        if envelope["type"] == events.IDEA_FORWARDED:
            scheme = self.session.get(Scheme, payload["scheme"])
            subject = "Votre idée a été transmise"
            body = (f"Votre idée « {title} » a été transmise au dispositif « {scheme.name if scheme else ''} ».")
            if payload.get("dossier_reference"):
                body += f"\nRéférence du dossier : {payload['dossier_reference']}."
            if payload.get("message"):
                body += f"\n\nMessage de la Ville :\n{payload['message']}"
        elif envelope["type"] == events.IDEA_ANSWERED:
            subject, body = "La Ville a répondu à votre idée", f"Réponse à votre idée « {title} » :\n\n{payload['answer']}"
        elif envelope["type"] == events.IDEA_NOT_RETAINED:
            subject = "Votre idée n'a pas été retenue"
            body = (f"Votre idée « {title} » n'a pas été retenue "
                    f"({domain.NOT_RETAINED_REASONS.get(payload['reason_code'], '').lower()}).\n\n{payload['reason']}")
        elif envelope["type"] == events.DOSSIER_ANSWERED:
            dossier = self.session.execute(sa.select(Dossier).where(
                Dossier.reference == payload["dossier_reference"])).scalar_one_or_none()
            subject = f"Réponse au dossier {payload['dossier_reference']}"
            body = f"Le dossier ouvert pour votre idée « {title} » a reçu une réponse :\n\n{dossier.answer if dossier else ''}"
        else:
            return None
        return {"account_ids": [item.author_id], "subject": subject,
                "body": f"{body}\n\nSuivre votre idée : {link}\n"}
