"""The errors that cross the wire between services and the gateway.

Registered with nameko so a client gets the same class back (with its code,
message and details) instead of an opaque RemoteError. The gateway maps each
class to an HTTP status in one table.
"""
from nameko.exceptions import deserialize_to_instance


class HubError(Exception):
    code = "ERROR"
    default_message = "Une erreur est survenue."

    def __init__(self, message=None, details=None, code=None):
        message = message or self.default_message
        details = details or {}
        code = code or self.code
        super().__init__(message, details, code)
        self.message, self.details, self.code = message, details, code

    def __str__(self):
        return self.message

    def to_dict(self):
        return {"error": self.code, "message": self.message, "details": self.details}


@deserialize_to_instance
class InvalidInput(HubError):
    """Input failed validation; `details` maps each field to its messages."""
    code = "VALIDATION_ERROR"
    default_message = "Les données envoyées ne sont pas valides."


@deserialize_to_instance
class AuthenticationFailed(HubError):
    code = "AUTHENTICATION_FAILED"
    default_message = "Identifiants incorrects."


@deserialize_to_instance
class PermissionDenied(HubError):
    code = "FORBIDDEN"
    default_message = "Vous n'avez pas les droits nécessaires pour cette action."


@deserialize_to_instance
class NotFound(HubError):
    code = "NOT_FOUND"
    default_message = "Élément introuvable."


@deserialize_to_instance
class Conflict(HubError):
    code = "CONFLICT"
    default_message = "Cette action entre en conflit avec l'état actuel."


@deserialize_to_instance
class IdempotencyKeyReused(HubError):
    """An idempotency key sent again with a different request (hubkit.idempotency): 422, nothing written."""
    code = "IDEMPOTENCY_KEY_REUSED"
    default_message = ("Cette clé d'idempotence a déjà servi pour une autre demande : utilisez une nouvelle clé "
                       "pour une nouvelle demande.")


@deserialize_to_instance
class RateLimited(HubError):
    """Too many attempts; `details["retry_after"]` is the wait in seconds."""
    code = "RATE_LIMITED"
    default_message = "Trop de tentatives. Réessayez plus tard."

    @property
    def retry_after(self) -> int:
        return int(self.details.get("retry_after", 60))


@deserialize_to_instance
class ServiceUnavailable(HubError):
    """A service did not answer in time, or the broker is unreachable."""
    code = "SERVICE_UNAVAILABLE"
    default_message = "Ce service est momentanément indisponible. Réessayez dans quelques instants."
