"""One contract on the wire: the schemas the OpenAPI documents agree with the services' schemas, field by field.

Every schema an /api/v1 view declares (body, query, response) is paired with the schema of the service the view
calls: the service's class of the same name (in the area's module when two share it), or the one PAIRED names
(a class the gateway names differently, or one gateway class for two RPCs). A field renamed,
retyped, made nullable or bounded differently on one side fails here, with its path (`ConsultationSchema.
sections[].proposals[].hidden`).

- Responses: the same fields, types, allow_none, formats and validators, nested schemas compared the same way;
  where the service sends a JSON blob it declares as Raw, the gateway may state its shape (and sends only that).
- Requests: each field the gateway takes is the service's field, of the same type, and takes what the service's
  takes or less: required and never null where the service's is, each of the service's validators implied by the
  gateway's (a Length within the service's, a OneOf within its choices…). Less, because the OpenAPI states the
  rules the service's domain checks after its schema (an idea's description of 10 characters or more, a theme
  among the themes), so that a request the document allows is not refused. The service's other fields are set by
  the gateway itself (the route's path parameters, compared with their declared format, the actor, the client…),
  listed in SET_BY_GATEWAY.
- GATEWAY_ONLY lists the few schemas no service has ("module.Class", or "Class" in any module), with the reason.
"""
import importlib
import inspect
import pkgutil
import re
from functools import lru_cache

import pytest
from flask import Flask
from marshmallow import Schema, fields, validate

from gateway.api import api

AREAS = {"accounts": "accounts", "me": "accounts", "admin": "accounts", "ideas": "ideas",
         "consultations": "ideas", "budget": "budget", "petitions": "petitions", "routing": "routing",
         "hub_status": None,  # every service's `status` (hubkit.status): a plain dict, its schemas GATEWAY_ONLY
         "open_data": None,  # each dataset's rows, from ideas, petitions or routing: its schemas GATEWAY_ONLY
         "similar": None,  # the gateway's merge of three services' answers (gateway.similar): GATEWAY_ONLY
         "notifications": "notifications", "act": "routing"}
# The module of the service holding an area's schemas when two modules share a class name
AREA_MODULES = {"consultations": "consultations", "ideas": "ideas"}

# gateway class (module.Class) -> the service's class ("Class" or "module:Class") when the names differ
PAIRED = {
    "schemas.TokenIssuedSchema": "LoginResultSchema",
    "schemas.AccountQuerySchema": "AccountSearchSchema",
    "schemas.RoleGrantSchema": "RoleChangeSchema",
    "consultations_schemas.ProposalBodySchema": "consultations:SubmitProposalSchema",
    "consultations_schemas.AmendmentBodySchema": "consultations:SubmitProposalSchema",
    "routing_schemas.SchemeCreateSchema": "CreateSchemeSchema",
    "routing_schemas.SchemeUpdateSchema": "UpdateSchemeSchema",
    "routing_schemas.ChecklistSchema": "ChecklistUpdateSchema",
    "routing_schemas.SchemeAnswerSchema": "SchemeAnswerBodySchema",
    "notifications_schemas.NotificationListQuerySchema": "ListQuerySchema",
    "notifications_schemas.PreferencesUpdateSchema": "SetPreferencesSchema",
}
GATEWAY_ONLY = {
    "schemas.StatusSchema": "the gateway's own answer to a request sent on by mail (202), and the accounts "
                            "service's plain {status, message} acknowledgements",
    "ReferenceSchema": "every service's reference_data (GET …/reference) is a plain dict of its constants",
    "ideas_schemas.ThemeSchema": "the ideas service's reference_data is a plain dict of its constants",
    "schemas.PersonalDataExportSchema": "the gateway's own union of each service's export (a dict per service)",
    "routing_schemas.SchemeListQuerySchema": "the routing service reads its one flag, include_inactive, without a "
                                             "schema",
    "similar_schemas.SimilarContentQuerySchema": "the gateway's own query: it asks ideas, budget and petitions",
    "similar_schemas.SimilarContentSchema": "the gateway's own merge of the answers of ideas, budget and petitions",
    "open_data_schemas.OpenDataPageQuerySchema": "the gateway's own query of any dataset (its service's RPC "
                                                 "open_data_page takes the dataset's name besides)",
    "open_data_schemas.OpenDataPageSchema": "each dataset's rows (ideas, petitions, routing), cut by the gateway "
                                            "to the registry's columns; their JSON Schema is published per dataset",
    "hub_status.HubStatusSchema": "every service's status (hubkit.status) is a plain dict of counts and times, "
                                  "gathered by the gateway with the services that did not answer",
}
# Fields of a service's command the gateway fills itself, never from the client's body or query
SET_BY_GATEWAY = {"client", "actor", "author_pseudonym", "session_kind", "kind", "content_id", "action",
                  "amends", "target_id"}


def api_views():
    app = Flask(__name__)
    app.register_blueprint(api)
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "openapi", None)
        if meta is not None:
            yield rule, view, meta


@lru_cache(maxsize=None)
def service_classes(service: str) -> dict:
    """name -> [classes] of every Schema in the service's `schemas` module or package (and *_schemas modules)."""
    package = importlib.import_module(service)
    names = [f"{service}.schemas"]
    names += [f"{service}.{info.name}" for info in pkgutil.iter_modules(package.__path__)
              if info.name.endswith("_schemas")]
    schemas_module = importlib.import_module(f"{service}.schemas")
    if hasattr(schemas_module, "__path__"):
        names += [f"{service}.schemas.{info.name}" for info in pkgutil.iter_modules(schemas_module.__path__)]
    found = {}
    for module in map(importlib.import_module, names):
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Schema) and value.__module__ == module.__name__:
                found.setdefault(name, []).append(value)
    return found


def service_schema(service: str, wanted: str, area: str):
    """The service's class named `wanted` ("Class" or "module:Class"; the area's module when several)."""
    module_hint, _, name = wanted.rpartition(":")
    candidates = service_classes(service).get(name, [])
    hint = module_hint or AREA_MODULES.get(area)
    if len(candidates) > 1 and hint:
        candidates = [cls for cls in candidates if cls.__module__.split(".")[-1].startswith(hint)
                      or cls.__module__.split(".")[-1].startswith(hint.rstrip("s"))]
    return candidates[0] if len(candidates) == 1 else None


def _class(schema):
    return schema if isinstance(schema, type) else type(schema)


def gateway_name(schema) -> str:
    cls = _class(schema)
    return f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__name__}"


def declared_pairs():
    """(view, kind, gateway schema class, service schema class or None, route arguments, service)"""
    for rule, view, meta in api_views():
        area = view.__module__.rsplit(".", 1)[-1]
        service = AREAS[area]
        for kind in ("body", "query", "response"):
            schema = meta[kind]
            if schema is None or gateway_name(schema) in GATEWAY_ONLY or _class(schema).__name__ in GATEWAY_ONLY:
                continue
            cls = _class(schema)
            wanted = PAIRED.get(gateway_name(cls)) or cls.__name__
            yield rule.endpoint, kind, cls, service_schema(service, wanted, area), set(rule.arguments), service


# --- comparing fields ----------------------------------------------------------------------------------------------

def kind_of(field) -> str:
    for family, name in ((fields.DateTime, "date-time"), (fields.Date, "date"), (fields.UUID, "uuid"),
                         (fields.Boolean, "boolean"), (fields.Integer, "integer"), (fields.Number, "number"),
                         (fields.Email, "email"), (fields.Url, "url"), (fields.String, "string"),
                         (fields.Nested, "object"), (fields.Pluck, "pluck"), (fields.List, "list"),
                         (fields.Tuple, "tuple"), (fields.Dict, "dict")):
        if isinstance(field, family):
            return name
    return type(field).__name__  # Raw, a service's own field: only the same class matches


def validators_of(field) -> list:
    described = []
    for validator in field.validators:
        if isinstance(validator, validate.Length):
            described.append(("Length", validator.min, validator.max, validator.equal))
        elif isinstance(validator, validate.Range):
            described.append(("Range", validator.min, validator.max, validator.min_inclusive,
                              validator.max_inclusive))
        elif isinstance(validator, validate.OneOf):
            described.append(("OneOf", tuple(sorted(map(str, validator.choices)))))
        elif isinstance(validator, validate.Regexp):
            described.append(("Regexp", validator.regex.pattern.replace(r"\Z", "$")))
        elif isinstance(validator, validate.Validator):
            described.append((type(validator).__name__,))
        else:
            described.append(("function", getattr(validator, "__name__", repr(validator))))
    return sorted(described, key=repr)


def describe(field, request: bool) -> dict:
    described = {"type": kind_of(field), "allow_none": field.allow_none, "validators": validators_of(field)}
    if request:
        described["required"] = field.required
    return described


def compare_schemas(gateway, service, request: bool, path: str, path_fields=None, seen=None) -> list:
    """The differences between two schemas (classes or instances), nested ones included."""
    seen = set() if seen is None else seen
    key = (gateway if isinstance(gateway, type) else type(gateway),
           service if isinstance(service, type) else type(service), request)
    if key in seen:
        return []
    seen.add(key)
    ours, theirs = _fields(gateway), _fields(service)
    problems = []
    for name in sorted(set(ours) - set(theirs)):
        problems.append(f"{path}.{name}: the gateway has it, the service has no such field")
    for name in sorted(set(theirs) - set(ours)):
        if not request:
            problems.append(f"{path}.{name}: the service sends it, the gateway's schema does not declare it")
        elif path_fields and name in path_fields:  # a path is never null; the edge may bound it more
            # a service taking several kinds of ids as text checks their shape (Regexp); each route is one kind
            several_kinds = kind_of(theirs[name]) == "string" and any(
                isinstance(validator, validate.Regexp) for validator in theirs[name].validators)
            if kind_of(path_fields[name]) != kind_of(theirs[name]) and not several_kinds:
                problems.append(f"{path}.{name} (path): {kind_of(path_fields[name])} on the gateway, "
                                f"{kind_of(theirs[name])} in the service")
        elif name not in SET_BY_GATEWAY and theirs[name].required:
            problems.append(f"{path}.{name}: the service requires it, the gateway cannot send it")
    for name in sorted(set(ours) & set(theirs)):
        problems += compare_fields(ours[name], theirs[name], request, f"{path}.{name}", seen)
    return problems


def compare_fields(ours, theirs, request: bool, path: str, seen, ignore_required=False) -> list:
    mine, others = describe(ours, request), describe(theirs, request)
    if ignore_required:
        mine.pop("required", None), others.pop("required", None)
    if request:
        problems = _narrowing_problems(mine, others, path)
    elif others["type"] == "Raw" and mine["type"] in ("object", "list"):
        return []  # the service keeps a JSON blob (Raw): the gateway states its shape, and sends only that
    else:
        problems = [f"{path}: {aspect} {mine[aspect]!r} on the gateway, {others[aspect]!r} in the service"
                    for aspect in mine if mine[aspect] != others.get(aspect)]
    if problems:
        return problems
    if isinstance(ours, fields.Nested):
        if ours.many != theirs.many:
            return [f"{path}: many={ours.many} on the gateway, {theirs.many} in the service"]
        return compare_schemas(ours.schema, theirs.schema, request, path, seen=seen)
    if isinstance(ours, fields.List):
        return compare_fields(ours.inner, theirs.inner, request, f"{path}[]", seen, ignore_required=True)
    if isinstance(ours, fields.Dict) and (ours.key_field or ours.value_field):
        return (compare_fields(ours.key_field or fields.Raw(), theirs.key_field or fields.Raw(), request,
                               f"{path}{{key}}", seen, ignore_required=True)
                + compare_fields(ours.value_field or fields.Raw(), theirs.value_field or fields.Raw(), request,
                                 f"{path}{{value}}", seen, ignore_required=True))
    return []


def _narrowing_problems(mine: dict, others: dict, path: str) -> list:
    """A request field of the gateway takes what the service's takes, or less (the domain's rules stated at the
    edge, so that the OpenAPI shows them): the same type; required and never null where the service says so;
    every validator of the service's implied by the gateway's."""
    problems = []
    if mine["type"] != others["type"]:
        problems.append(f"{path}: type {mine['type']!r} on the gateway, {others['type']!r} in the service")
    if others.get("required") and not mine.get("required"):
        problems.append(f"{path}: required in the service, optional on the gateway")
    if mine["allow_none"] and not others["allow_none"]:
        problems.append(f"{path}: null allowed on the gateway, refused by the service")
    for validator in others["validators"]:
        if not any(implies(own, validator) for own in mine["validators"]):
            problems.append(f"{path}: the service checks {validator!r}, the gateway's {mine['validators']!r} "
                            "does not imply it")
    return problems


INFINITY = float("inf")


def implies(own: tuple, theirs: tuple) -> bool:
    """Whether every value the gateway's validator `own` accepts passes the service's `theirs`."""
    if own == theirs:
        return True
    if own[0] == "OneOf":
        return theirs[0] == "OneOf" and set(own[1]) <= set(theirs[1]) or all(
            _passes(choice, theirs) for choice in own[1])
    if own[0] == theirs[0] == "Length" and theirs[3] is None and own[3] is None:
        return (own[1] or 0) >= (theirs[1] or 0) and _upper(own[2]) <= _upper(theirs[2])
    if own[0] == theirs[0] == "Range":
        within = _lower(own[1]) >= _lower(theirs[1]) and _upper(own[2]) <= _upper(theirs[2])
        # on a shared bound, the gateway includes it only where the service does
        return (within and (own[1] != theirs[1] or theirs[3] or not own[3])
                and (own[2] != theirs[2] or theirs[4] or not own[4]))
    return False


def _passes(choice: str, validator: tuple) -> bool:
    if validator[0] == "Length":
        return (validator[1] or 0) <= len(choice) <= _upper(validator[2])
    if validator[0] == "Regexp":
        return re.match(validator[1], choice) is not None
    return False


def _lower(bound):
    return -INFINITY if bound is None else bound


def _upper(bound):
    return INFINITY if bound is None else bound


def _fields(schema) -> dict:
    instance = schema() if isinstance(schema, type) else schema
    return {field.data_key or name: field for name, field in instance.fields.items()}


# --- the tests -----------------------------------------------------------------------------------------------------

PAIRS = sorted(declared_pairs(), key=lambda pair: (pair[0], pair[1]))


def test_every_declared_schema_is_paired_with_a_service_schema():
    unpaired = sorted({f"{endpoint} {kind}: {gateway_name(cls)}" for endpoint, kind, cls, theirs, _, _ in PAIRS
                       if theirs is None})
    assert not unpaired, "no service schema found (name it in PAIRED):\n" + "\n".join(unpaired)


@pytest.mark.parametrize("endpoint, kind, ours, theirs, arguments, service",
                         [pair for pair in PAIRS if pair[3] is not None],
                         ids=[f"{pair[0].split('.', 1)[-1]}-{pair[1]}" for pair in PAIRS if pair[3] is not None])
def test_the_gateway_and_the_service_agree_field_by_field(endpoint, kind, ours, theirs, arguments, service):
    from gateway.openapi import PATH_PARAMETERS
    path_fields = {name: PATH_PARAMETERS[name] for name in arguments if name in PATH_PARAMETERS}
    path_fields.update(_declared_path(endpoint, arguments))
    problems = compare_schemas(ours, theirs, kind != "response", ours.__name__, path_fields)
    assert not problems, f"{gateway_name(ours)} vs {theirs.__module__}.{theirs.__name__}:\n" + "\n".join(problems)


def _declared_path(endpoint: str, arguments) -> dict:
    for rule, view, meta in api_views():
        if rule.endpoint == endpoint:
            return {name: field for name, field in meta["path"].items() if name in arguments}
    return {}


def test_the_comparison_sees_a_renamed_field():
    class Gateway(Schema):
        title = fields.String(validate=validate.Length(max=140))

    class Service(Schema):
        name = fields.String(validate=validate.Length(max=140))

    assert compare_schemas(Gateway, Service, False, "Idea") == [
        "Idea.title: the gateway has it, the service has no such field",
        "Idea.name: the service sends it, the gateway's schema does not declare it"]


def test_the_comparison_sees_a_request_field_looser_than_the_service():
    class Gateway(Schema):
        body = fields.String(required=True, validate=validate.Length(min=1, max=2000))
        count = fields.Integer(allow_none=True)
        theme = fields.String(validate=validate.Length(max=32))

    class Service(Schema):
        body = fields.String(required=True, validate=validate.Length(min=20, max=2000))
        count = fields.String(required=True)
        theme = fields.String(validate=validate.OneOf(["sport", "sante"]))

    problems = compare_schemas(Gateway, Service, True, "Comment")
    assert [problem.split(":")[0] for problem in problems] == [
        "Comment.body", "Comment.count", "Comment.count", "Comment.count", "Comment.theme"]


def test_a_request_field_may_state_the_domain_rules_the_service_checks_later():
    class Gateway(Schema):
        title = fields.String(required=True, validate=validate.Length(min=5, max=140))
        theme = fields.String(required=True, validate=validate.OneOf(["sport", "sante"]))
        limit = fields.Integer(validate=validate.Range(min=1, max=100))

    class Service(Schema):
        title = fields.String(required=True, validate=validate.Length(max=140))
        theme = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
        limit = fields.Integer(validate=validate.Range(min=1))

    assert compare_schemas(Gateway, Service, True, "Idea") == []
    assert compare_schemas(Service, Gateway, True, "Idea") != []  # the other way round, the gateway is looser


def test_no_api_view_writes_json_itself():
    """The view returns data; `endpoint` dumps it through the documented schema (gateway/gateway/openapi.py)."""
    import gateway.api as package
    from pathlib import Path
    writers = [path.name for path in sorted(Path(package.__file__).parent.glob("*.py"))
               if path.name != "__init__.py" and "jsonify(" in path.read_text()]
    assert not writers, f"these API modules still call jsonify: {writers}"
