"""OpenAPI 3 document of /api/v1, generated from the marshmallow schemas the views declare."""
import functools
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import request

from hubkit.validation import load

from .schemas import ErrorSchema

ERROR_STATUSES = {400: "Données invalides (messages par champ dans details)", 401: "Authentification requise",
                  403: "Droits insuffisants", 404: "Introuvable", 409: "Conflit", 429: "Trop de tentatives",
                  503: "Service indisponible"}


def endpoint(summary: str, body=None, response=None, status: int = 200, query=None, auth: bool = False,
             errors=(400,), tag: str = None):
    """Declare what an API view takes and returns; the body/query is validated and passed as `data`."""
    # One instance per view, built once: marshmallow schemas keep no state between loads, and building one
    # (it deep-copies its fields) cost more than the load itself on the hot paths.
    body_schema = body() if body is not None else None
    query_schema = query() if query is not None else None

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if body_schema is not None:
                kwargs["data"] = load(body_schema, request.get_json(silent=True))
            elif query_schema is not None:
                kwargs["data"] = load(query_schema, request.args.to_dict())
            return view(*args, **kwargs)
        wrapper.openapi = {"summary": summary, "body": body, "response": response, "status": status,
                           "query": query, "auth": auth, "errors": errors, "tag": tag,
                           "description": (view.__doc__ or "").strip()}
        return wrapper
    return decorator


def build_spec(app) -> dict:
    spec = APISpec(title="Hub de la participation — API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "API JSON du hub de la participation citoyenne (Ville de Paris)."},
                   servers=[{"url": "/"}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Error", schema=ErrorSchema)
    paths = {}
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None)
        if not rule.rule.startswith("/api/") or meta is None:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule, meta)
    for path, operations in sorted(paths.items()):
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(rule, meta) -> dict:
    operation = {"summary": meta["summary"], "tags": [meta["tag"] or rule.rule.split("/")[3]],
                 "operationId": rule.endpoint.replace(".", "_"), "responses": {}}
    if meta["description"]:
        operation["description"] = meta["description"]
    parameters = [{"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
                  for name in rule.arguments]
    if meta["query"] is not None:
        parameters.append({"in": "query", "schema": meta["query"]})
    if parameters:
        operation["parameters"] = parameters
    if meta["body"] is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta["body"]}}}
    success = {"description": "Succès"}
    if meta["response"] is not None:
        success["content"] = {"application/json": {"schema": meta["response"]}}
    operation["responses"][str(meta["status"])] = success
    errors = set(meta["errors"]) | ({401} if meta["auth"] else set()) | {503}
    for status in sorted(errors):
        operation["responses"][str(status)] = {"description": ERROR_STATUSES[status],
                                               "content": {"application/json": {"schema": "Error"}}}
    if meta["auth"]:
        operation["security"] = [{"bearer": []}]
    return operation
