"""OpenAPI 3 document of /api/v1, generated from the marshmallow schemas the views declare.

The view convention, so that the document cannot lie:
- a view returns plain data (a dict or a list), never `jsonify`: `endpoint` dumps it through the declared
  `response` schema (undeclared fields are dropped, formats applied: ISO date-times with their offset) and
  answers with the declared `status`;
- a view without a `response` schema returns None: the answer is empty, with the declared `status` (204);
- a view that answers something else than JSON (a file, CSV, XML) returns a flask `Response`, sent as is;
- a view whose answer was already dumped through its response schema (a cached answer, dumped once when cached)
  returns `Dumped(body)`: sent without dumping it again;
- path parameters are validated at the edge (400) with the field of `PATH_PARAMETERS`, or of `path=` for a
  name that means different things on different routes; the view receives the text unchanged.
"""
import functools
import re
import warnings

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Response, current_app, request
from marshmallow import Schema, fields, validate

from hubkit.validation import load, loaded_uuid

from . import idempotency
from .schemas import CONTENT_ROW_ID, ROLES, ROW_ID, ErrorSchema

ERROR_STATUSES = {400: "Données invalides (messages par champ dans details)", 401: "Authentification requise",
                  403: "Droits insuffisants", 404: "Introuvable", 409: "Conflit",
                  413: "Contenu trop volumineux (256 Kio au plus)", 414: "Adresse (URL) trop longue",
                  422: "Clé d'idempotence déjà utilisée pour une autre demande (IDEMPOTENCY_KEY_REUSED)",
                  429: "Trop de tentatives", 431: "En-têtes de la requête trop volumineux",
                  503: "Service indisponible"}

# Headers of the error answers (gateway.errors): the challenge of a 401, the wait of a 429 or 503 when known
_RETRY_AFTER = {"Retry-After": {"description": "Secondes avant de réessayer", "schema": {"type": "integer"}}}
ERROR_HEADERS = {401: {"WWW-Authenticate": {"description": "Bearer realm=\"hub\" (RFC 6750)", "required": True,
                                            "schema": {"type": "string"}}},
                 429: _RETRY_AFTER, 503: _RETRY_AFTER}

# The identifiers of the services (each service's schema loads them with these fields: 400 on anything else)
PATH_PARAMETERS = {name: fields.UUID() for name in (
    "account_id", "session_id", "idea_id", "consultation_id", "proposal_id", "amendment_id", "petition_id",
    "cycle_id", "project_id", "decision_id")}
PATH_PARAMETERS.update(section_id=fields.Integer(validate=ROW_ID), comment_id=fields.Integer(validate=CONTENT_ROW_ID),
                       role=fields.String(validate=validate.OneOf(ROLES[1:])))


def endpoint(summary: str, body=None, response=None, status: int = 200, query=None, auth: bool = False,
             errors=(400,), tag: str = None, path: dict = None, produces: str = None, idempotent: bool = False):
    """Declare what an API view takes and returns; the body/query is validated and passed as `data`, the
    view's result dumped through `response` (see the module's docstring). `produces`: the media type of a view
    answering a file of its own (a `Response`: CSV, plain text, XML) instead of JSON, or (media type, JSON
    Schema) for a JSON file of its own kind (JSON-LD, a streamed array). `idempotent`: the operation
    takes an `Idempotency-Key` header (gateway.idempotency; the view reads it), documented with its 422."""
    # One instance per view, built once: marshmallow schemas keep no state between loads, and building one
    # (it deep-copies its fields) cost more than the load itself on the hot paths.
    body_schema = body() if body is not None else None
    query_schema = query() if query is not None else None
    response_schema = response() if isinstance(response, type) else response
    path_fields = {**PATH_PARAMETERS, **(path or {})}

    path_schemas = {}  # by route: the view is registered before its routes are known

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            path_arguments = dict(kwargs)
            if body_schema is not None:
                kwargs["data"] = load(body_schema, request.get_json(silent=True))
            elif query_schema is not None:
                kwargs["data"] = load(query_schema, request.args.to_dict())
            if path_arguments:
                path_schema = path_schemas.get(request.url_rule.rule, False)
                if path_schema is False:
                    path_schema = path_schemas[request.url_rule.rule] = _path_parameters_schema(
                        view.__name__, request.url_rule.arguments, path_fields)
                if path_schema is not None and not _plainly_valid(path_schema, path_arguments):
                    load(path_schema, {name: path_arguments[name] for name in path_schema.fields})
            return _answer(view(*args, **kwargs), response_schema, status, view.__name__)
        wrapper.openapi = {"summary": summary, "body": body, "response": response, "status": status,
                           "query": query, "auth": auth, "errors": errors, "tag": tag, "path": path_fields,
                           "produces": produces, "idempotent": idempotent,
                           "description": (view.__doc__ or "").strip()}
        return wrapper
    return decorator


def _path_parameters_schema(view_name: str, arguments, path_fields: dict):
    declared = {name: path_fields[name] for name in sorted(arguments) if name in path_fields}
    if not declared:
        return None
    schema = Schema.from_dict(declared, name=f"{view_name}_path")()
    schema.uuid_fields = [(name, type(field) is fields.UUID and not field.validators)
                          for name, field in declared.items()]
    return schema


def _plainly_valid(path_schema, arguments: dict) -> bool:
    """Whether every parameter is a UUID its field takes (as `fields.UUID` would): the hot paths (a signature, a
    ballot) skip the schema's load; anything else goes through it, for its messages."""
    return all(uuid_field and loaded_uuid(arguments[name]) is not None
               for name, uuid_field in path_schema.uuid_fields)


class Dumped:
    """A view's result already dumped through its endpoint's response schema (e.g. kept in a cache that way)."""
    __slots__ = ("body",)

    def __init__(self, body):
        self.body = body


def _answer(result, response_schema, status: int, view_name: str):
    if isinstance(result, Response) or isinstance(result, tuple) and isinstance(result[0], Response):
        return result  # a file, CSV, XML (with its status): not JSON, sent as the view made it
    if response_schema is not None:
        body = result.body if isinstance(result, Dumped) else response_schema.dump(result)
        answer = current_app.json.response(body)
        answer.status_code = status
        return answer
    if result is None:
        return Response(status=status)
    raise TypeError(f"{view_name} returns a JSON body but declares no response schema")


def schema_name(schema) -> str:
    """A component's name: the class's, without "Schema"; prefixed by its area where two areas use the name
    (ideas' and consultations' SupportState), so that each name stays the same from one build to the next."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    area = cls.__module__.rsplit(".", 1)[-1].removesuffix("_schemas")
    return area.title() + name if area != "schemas" and name in _shared_names() else name


@functools.cache
def _shared_names() -> frozenset:
    """Class names defined in more than one of the gateway's schema modules."""
    from . import (budget_schemas, consultations_schemas, ideas_schemas, notifications_schemas, petitions_schemas,
                   routing_schemas, schemas, similar_schemas)
    seen, shared = set(), set()
    for module in (schemas, ideas_schemas, consultations_schemas, budget_schemas, petitions_schemas, routing_schemas,
                   similar_schemas, notifications_schemas):
        for name, value in vars(module).items():
            if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == module.__name__:
                shared.update({name.removesuffix("Schema")} & seen)
                seen.add(name.removesuffix("Schema"))
    return frozenset(shared)


def _mapping_bounds(self, field, ret, **kwargs) -> dict:
    """An object's Length counts its keys (apispec writes minLength/maxLength); an object whose keys are named in
    `properties` (questionnaire answers: q1…q30) takes no other key."""
    if not isinstance(field, fields.Dict):
        return {}
    update = {bound.replace("Length", "Properties"): ret.pop(bound) for bound in ("minLength", "maxLength")
              if bound in ret}
    if "properties" in field.metadata:
        update["additionalProperties"] = False
    return update


def build_spec(app) -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
    spec = APISpec(title="Hub de la participation — API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[plugin],
                   info={"description": "API JSON du hub de la participation citoyenne (Ville de Paris)."},
                   servers=[{"url": "/"}])
    plugin.converter.add_attribute_function(_mapping_bounds)
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
            paths.setdefault(path, {})[method.lower()] = _operation(rule, meta, plugin, method)
    with warnings.catch_warnings():
        # an e-mail field has two patterns: the first, the one documented, implies the second (ASCII only)
        warnings.filterwarnings("ignore", message="More than one regex validator")
        for path, operations in sorted(paths.items()):
            spec.path(path=path, operations=operations)
    return spec.to_dict()


def _operation(rule, meta, plugin, method: str) -> dict:
    operation = {"summary": meta["summary"], "tags": [meta["tag"] or rule.rule.split("/")[3]],
                 "operationId": rule.endpoint.replace(".", "_"), "responses": {}}
    if meta["description"]:
        operation["description"] = meta["description"]
    parameters = [{"in": "path", "name": name, "required": True, "schema": _path_schema(name, meta, plugin)}
                  for name in sorted(rule.arguments)]
    if meta["query"] is not None:
        parameters.append({"in": "query", "schema": meta["query"]})
    if meta.get("idempotent"):
        parameters.append(idempotency.HEADER_PARAMETER)
    if parameters:
        operation["parameters"] = parameters
    if meta["body"] is not None:
        body = meta["body"]
        alternatives = getattr(body, "OPENAPI_ONE_OF", None)  # a body of exactly one of several shapes
        schema = {"allOf": [body], "oneOf": alternatives} if alternatives else body
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": schema}}}
    success = {"description": "Succès"}
    if meta["response"] is not None:
        success["content"] = {"application/json": {"schema": meta["response"]}}
    elif meta["produces"] is not None:
        # a file's media type, or (media type, JSON Schema of its body) for a JSON file of its own kind
        media_type, body = meta["produces"] if isinstance(meta["produces"], tuple) else (meta["produces"],
                                                                                         {"type": "string"})
        success["content"] = {media_type: {"schema": body}}
    operation["responses"][str(meta["status"])] = success
    for status in sorted(_error_statuses(rule, meta, method)):
        operation["responses"][str(status)] = {"description": ERROR_STATUSES[status],
                                               "content": {"application/json": {"schema": "Error"}}}
        if status in ERROR_HEADERS:
            operation["responses"][str(status)]["headers"] = ERROR_HEADERS[status]
    if meta["auth"]:
        operation["security"] = [{"bearer": []}]
    return operation


def _error_statuses(rule, meta, method: str) -> set:
    """Every error an operation can answer: its own, and those of the edge (gateway.server, Flask's limits)."""
    statuses = set(meta["errors"]) | {414, 431, 503}  # an over-long URL or headers: any request; a service down
    if meta["body"] is not None or meta["query"] is not None or rule.arguments or meta["auth"]:
        statuses |= {400}  # a body that is not a JSON object, a parameter out of its bounds, a refused token
    if method in ("POST", "PUT", "PATCH"):
        statuses |= {413}  # MAX_CONTENT_LENGTH (app.py)
    if meta["auth"]:
        statuses |= {401}
    if meta.get("idempotent"):
        statuses |= {400, 422}  # a malformed key; a key sent again with another request
    return statuses


def _path_schema(name: str, meta, plugin) -> dict:
    field = meta["path"].get(name)
    return plugin.converter.field2property(field) if field is not None else {"type": "string"}
