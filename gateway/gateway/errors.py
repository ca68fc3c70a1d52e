"""One table from remote errors to HTTP statuses, one error body, French error pages."""
import logging

from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from hubkit.errors import (AuthenticationFailed, Conflict, HubError, IdempotencyKeyReused, InvalidInput,
                           NotFound, PermissionDenied, RateLimited, ServiceUnavailable)

log = logging.getLogger(__name__)

STATUS_BY_ERROR = {
    InvalidInput: 400,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    IdempotencyKeyReused: 422,
    RateLimited: 429,
    ServiceUnavailable: 503,
}

HTTP_CODES = {400: "BAD_REQUEST", 401: "AUTHENTICATION_REQUIRED", 403: "FORBIDDEN", 404: "NOT_FOUND",
              405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 414: "URI_TOO_LONG",
              415: "UNSUPPORTED_MEDIA_TYPE", 422: "UNPROCESSABLE", 429: "RATE_LIMITED", 431: "HEADERS_TOO_LARGE",
              500: "INTERNAL", 503: "SERVICE_UNAVAILABLE"}
HTTP_MESSAGES = {400: "Requête invalide.", 401: "Connexion requise.", 403: "Accès refusé.",
                 404: "Page ou ressource introuvable.", 405: "Méthode non autorisée.", 409: "Conflit.",
                 413: "Contenu trop volumineux.", 414: "Adresse (URL) trop longue.",
                 415: "Type de contenu non pris en charge.", 422: "Demande impossible à traiter.",
                 429: "Trop de requêtes.", 431: "En-têtes de la requête trop volumineux.",
                 500: "Erreur interne : l'équipe a été prévenue.", 503: "Service momentanément indisponible."}
# Kept from werkzeug's own answer (405's Allow, 429/503's Retry-After); its Content-Type is the HTML page's.
KEPT_HEADERS = ("Allow", "Retry-After")


def error_body(status: int) -> dict:
    """The usual body of an HTTP status, for answers written before Flask sees the request (gateway.server)."""
    return {"error": HTTP_CODES.get(status, "ERROR"), "message": HTTP_MESSAGES.get(status, "Requête refusée."),
            "details": {}}


def status_of(error: HubError) -> int:
    for error_class in type(error).__mro__:
        if error_class in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[error_class]
    return 500


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(status: int, code: str, message: str, details: dict = None, retry_after: int = None):
    body = {"error": code, "message": message, "details": details or {}}
    if wants_json():
        response = jsonify(body)
    else:
        response = make_response(render_template("errors/error.html", status=status, **body))
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    if status == 401 and request.path.startswith("/api/"):
        response.headers["WWW-Authenticate"] = bearer_challenge()
    return response


def bearer_challenge() -> str:
    """RFC 6750: the API authenticates with bearer tokens; a token was sent and refused: invalid_token."""
    if request.headers.get("Authorization"):
        return 'Bearer realm="hub", error="invalid_token"'
    return 'Bearer realm="hub"'


def init_app(app):
    @app.errorhandler(HubError)
    def handle_hub_error(error: HubError):
        status = status_of(error)
        retry_after = error.retry_after if isinstance(error, RateLimited) else None
        if status == 503:
            retry_after = 5
        return error_response(status, error.code, error.message, error.details, retry_after)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException):
        status = error.code or 500
        response = error_response(status, HTTP_CODES.get(status, "ERROR"), HTTP_MESSAGES.get(status, error.name))
        for name, value in error.get_headers():
            if name in KEPT_HEADERS:
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error")
        return error_response(500, "INTERNAL", HTTP_MESSAGES[500])
