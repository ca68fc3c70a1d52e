"""The e-mails a petition's steps send to its author and the signers who opted in (accounts adds the greeting)."""
from datetime import date

NOTIFIED_EVENTS = ("petition_drafted", "petition_threshold_reached", "petition_scheduled_for_council",
                   "petition_answered")


def notification_message(event_type: str, title: str, url: str, payload: dict) -> dict | None:
    """Subject and body of the e-mail a step of the petition sends (accounts adds the greeting); None: no e-mail."""
    quoted = f"« {title} »"
    if event_type == "petition_drafted":
        subject = "Votre idée devient un brouillon de pétition"
        text = (f"La Ville de Paris propose que votre idée devienne une pétition. Un brouillon {quoted} a été "
                f"préparé à partir de votre idée : relisez-le, complétez-le, puis partagez son lien de parrainage "
                f"avec vos co-parrains avant de le soumettre à la modération. Rien n'est publié sans vous.")
    elif event_type == "petition_threshold_reached":
        subject = "Votre pétition a atteint son seuil"
        text = (f"La pétition {quoted} a atteint {payload.get('signatures_count', '')} signatures, son seuil de "
                f"{payload.get('threshold', '')}. La Ville de Paris va l'inscrire à l'ordre du jour du Conseil "
                f"de Paris.")
    elif event_type == "petition_scheduled_for_council":
        subject = "Pétition inscrite au Conseil de Paris"
        text = (f"La pétition {quoted} est inscrite à la séance du Conseil de Paris du "
                f"{_date_fr(payload.get('session_date', ''))}.")
    elif event_type == "petition_answered":
        subject = "La Ville de Paris a répondu à la pétition"
        text = f"La Ville de Paris a publié sa réponse officielle à la pétition {quoted}."
    else:
        return None
    return {"subject": subject,
            "body": f"{text}\n\nVoir la pétition : {url}\n\nVous recevez ce message parce que vous en êtes l'auteur "
                    f"ou l'autrice, ou parce que vous avez demandé à être tenu·e informé·e en la signant."}


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre")


def _date_fr(iso: str) -> str:
    """"2027-02-09" -> "9 février 2027" (anything else is returned as it came)."""
    try:
        day = date.fromisoformat(iso)
    except (TypeError, ValueError):
        return str(iso)
    return f"{'1er' if day.day == 1 else day.day} {_MONTHS[day.month - 1]} {day.year}"
