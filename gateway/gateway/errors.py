"""One table from remote errors to HTTP statuses, one error body, French error pages."""
import logging

from flask import jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from hubkit.errors import (AuthenticationFailed, Conflict, HubError, InvalidInput, NotFound, PermissionDenied,
                           RateLimited, ServiceUnavailable)

log = logging.getLogger(__name__)

STATUS_BY_ERROR = {
    InvalidInput: 400,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    ServiceUnavailable: 503,
}

HTTP_CODES = {400: "BAD_REQUEST", 401: "AUTHENTICATION_REQUIRED", 403: "FORBIDDEN", 404: "NOT_FOUND",
              405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
              429: "RATE_LIMITED", 500: "INTERNAL", 503: "SERVICE_UNAVAILABLE"}
HTTP_MESSAGES = {400: "Requête invalide.", 401: "Connexion requise.", 403: "Accès refusé.",
                 404: "Page ou ressource introuvable.", 405: "Méthode non autorisée.", 409: "Conflit.",
                 413: "Contenu trop volumineux.", 415: "Type de contenu non pris en charge.",
                 429: "Trop de requêtes.", 500: "Erreur interne : l'équipe a été prévenue.",
                 503: "Service momentanément indisponible."}


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
    return response


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
        return error_response(status, HTTP_CODES.get(status, "ERROR"), HTTP_MESSAGES.get(status, error.name))

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error")
        return error_response(500, "INTERNAL", HTTP_MESSAGES[500])
