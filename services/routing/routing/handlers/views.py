"""How routing's records read on the wire: plain dicts the schemas dump (aware datetimes), and the e-mail body of a
dossier sent to a scheme by mail."""
from datetime import datetime

from hubkit.clock import aware

from .. import domain
from ..domain.webhooks import DELAYED, DELIVERY_STATE_LABELS, delivery_state, error_class
from ..models import Decision, Dossier, InboxItem, TraceEntry, WebhookDelivery

EXCERPT_LENGTH = 280
DECISION_STATES = {"pending": "En attente (annulable)", "effective": "Appliquée", "cancelled": "Annulée",
                   "superseded": "Remplacée par une réorientation", "failed": "Échec"}
DOSSIER_STATUSES = {"sent": "En cours de transmission", "delivered": "Transmis", "answered": "Réponse reçue"}


def excerpt(text: str) -> str:
    text = domain.one_line(text)
    return text if len(text) <= EXCERPT_LENGTH else text[:EXCERPT_LENGTH].rsplit(" ", 1)[0] + "…"


def iso(moment) -> str | None:
    return aware(moment).isoformat() if moment is not None else None


def item_view(item: InboxItem, names: dict, now: datetime) -> dict:
    """An inbox item as agents list it; `names`: scheme code → name."""
    deadline_at = aware(item.deadline_at)
    return {"idea_id": item.idea_id, "title": item.title, "excerpt": item.excerpt, "theme": item.theme,
            "arrondissement": item.arrondissement, "status": item.status,
            "status_label": domain.STATUSES[item.status], "suggested_scheme": item.suggested_scheme,
            "suggested_scheme_name": names.get(item.suggested_scheme, item.suggested_scheme),
            "suggestion_reason": item.suggestion_reason, "suggestion_keywords": item.suggestion_keywords or [],
            "scheme": item.scheme, "scheme_name": names.get(item.scheme, item.scheme), "direction": item.direction,
            "assigned_agent_id": item.assigned_agent_id, "correlation_id": item.correlation_id,
            "submitted_at": aware(item.submitted_at), "received_at": aware(item.received_at),
            "deadline_at": deadline_at, "countdown": domain.countdown(deadline_at, now),
            "overdue": domain.is_overdue(deadline_at, item.status, now),
            "age_days": max(0, (now - aware(item.received_at)).days)}


def decision_view(decision: Decision, names: dict, now: datetime, dossier: Dossier = None,
                  deliveries: dict = None, max_attempts: int = None) -> dict:
    left = 0
    if decision.state == "pending":
        left = max(0, int((aware(decision.effective_at) - now).total_seconds()))
    return {"id": decision.id, "idea_id": decision.idea_id, "action": decision.action,
            "action_label": domain.ACTIONS[decision.action], "scheme": decision.scheme,
            "scheme_name": names.get(decision.scheme) if decision.scheme else None,
            "direction": decision.direction, "message": decision.message, "reason_code": decision.reason_code,
            "duplicate_of": decision.duplicate_of, "state": decision.state,
            "state_label": DECISION_STATES[decision.state], "replaces": decision.replaces,
            "actor_id": decision.actor_id, "actor_role": decision.actor_role,
            "created_at": aware(decision.created_at), "effective_at": aware(decision.effective_at),
            "applied_at": aware(decision.applied_at), "cancelled_at": aware(decision.cancelled_at),
            "undo_seconds_left": left,
            "dossier": dossier_view(dossier, names, (deliveries or {}).get(dossier.id), max_attempts)
            if dossier else None}


def dossier_view(dossier: Dossier, names: dict, delivery: WebhookDelivery = None, max_attempts: int = None,
                 public: bool = False) -> dict:
    """`delivery`: its webhook call, if any (`max_attempts`: Settings.webhook_max_attempts, after which the hub
    gives up). A dossier whose calls fail reads « retardée » with its next try, not « en cours » forever; `public`
    (the citizen's timeline) leaves out the attempts and what failed."""
    state, label, next_attempt_at = None, DOSSIER_STATUSES[dossier.status], None
    if delivery is not None:
        state = delivery_state(delivery.delivered_at is not None, delivery.attempts or 0,
                                      max_attempts or float("inf"))
        if dossier.status == "sent":
            label = DELIVERY_STATE_LABELS[state]
        if state == DELAYED:
            next_attempt_at = aware(delivery.next_attempt_at)
    staff = delivery is not None and not public
    return {"reference": dossier.reference, "scheme": dossier.scheme, "scheme_name": names.get(dossier.scheme, ""),
            "delivery": dossier.delivery, "status": dossier.status, "status_label": label,
            "answer": dossier.answer, "answer_status": dossier.answer_status, "created_at": aware(dossier.created_at),
            "delivered_at": aware(dossier.delivered_at), "answered_at": aware(dossier.answered_at),
            "delivery_state": state, "next_attempt_at": next_attempt_at,
            "attempts": delivery.attempts if staff else None, "last_error": delivery.last_error if staff else None,
            "last_error_class": error_class(delivery.last_error) if staff else None}


def trace_view(entry: TraceEntry) -> dict:
    return {"idea_id": entry.idea_id, "event_id": entry.event_id, "type": entry.type, "service": entry.service,
            "actor_role": entry.actor_role, "correlation_id": entry.correlation_id,
            "causation_id": entry.causation_id, "occurred_at": aware(entry.occurred_at), "summary": entry.summary,
            "agent_note": entry.agent_note}


def mail_body(document: dict) -> str:
    lines = [f"Dossier {document['reference']} transmis par le Hub de la participation de la Ville de Paris.", "",
             f"Idée : {document['title']}", f"Résumé : {document['summary']}"]
    if document.get("arrondissement"):
        lines.append(f"Arrondissement : {document['arrondissement']}")
    if document.get("message"):
        lines += ["", f"Message de l'agent : {document['message']}"]
    lines += ["", f"Réponse attendue avant le {document['answer_deadline'][:10]}.",
              "Répondez au hub par son API (réponse signée) en rappelant la référence du dossier."]
    return "\n".join(lines)
