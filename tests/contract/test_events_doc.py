"""docs/events.md says what the code does: which events each service emits (with their version) and who consumes
each of them, both ways.

The truth comes from the code, not from file names (services move their modules around):
- producers: each service's `events.py` constants and every `.emit(...)` call in any of its production modules,
  followed through the service's own forwarding helpers (`_emit(type_, ...)`, `emit_traced(event_type, ...)`);
- consumers: the event-handler entrypoints (nameko `EventHandler`, hubkit's `RetryingEventHandler`) of each
  service's nameko class, read from the imported class, so handlers declared in a loop count too.
A consumer the code does not have yet is no consumer: docs/events.md puts it in a "Planned" note, out of the tables.
"""
import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest
from nameko.events import EventHandler
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
SERVICES = sorted(path.parent.parent.name for path in ROOT.glob("services/*/*/events.py")
                  if path.parent.name == path.parent.parent.name)
EVENT_TYPE = re.compile(r"[a-z]+(_[a-z]+)*")
EMIT = "emit"  # hubkit.db.UnitOfWork.emit(type, subject, payload, actor=None, version=1)
DEFAULT_VERSION = 1
EMITS_NOTHING_YET = {"notifications"}  # a consumer only, for now; its docs/events.md section says so


# --- the code: producers ---------------------------------------------------------------------------------------

def production_modules(service: str) -> list:
    package = ROOT / "services" / service / service
    return sorted(path for path in package.rglob("*.py")
                  if not {"migrations", "__pycache__", "tests"} & set(path.relative_to(package).parts))


def declared_constants(service: str) -> dict:
    """NAME -> value of the module-level constants of the service's events.py (event types and versions)."""
    tree = ast.parse((ROOT / "services" / service / service / "events.py").read_text(encoding="utf-8"))
    return {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant) for target in node.targets if isinstance(target, ast.Name)}


def event_types(service: str) -> set:
    return {value for value in declared_constants(service).values()
            if isinstance(value, str) and EVENT_TYPE.fullmatch(value)}


def _events_constant(node, constants: dict):
    """The value of `events.NAME`, or None when `node` is something else."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "events":
        return constants.get(node.attr, KeyError(node.attr))
    return None


def _functions_with_parents(trees: list) -> dict:
    """id(node) -> the innermost function definition holding it."""
    owner = {}
    for tree in trees:
        for function in ast.walk(tree):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(function):
                    owner[id(node)] = function  # inner functions come later in the walk and win
    return owner


def _arguments(call: ast.Call, candidates: set) -> list:
    """The arguments of `call` that may hold the event type, one per candidate (position, parameter name)."""
    found = []
    for position, parameter in sorted(candidates):
        if len(call.args) > position and not any(isinstance(arg, ast.Starred) for arg in call.args[:position + 1]):
            found.append(call.args[position])
        found.extend(keyword.value for keyword in call.keywords if keyword.arg == parameter)
    return found


def _kind(argument, function) -> int:
    """How surely `argument` is the event type: 0 a constant, 1 a parameter (a forwarder), 2 a local, 3 other."""
    if isinstance(argument, ast.IfExp):
        return max(_kind(argument.body, function), _kind(argument.orelse, function))
    if isinstance(argument, ast.Constant) or (
            isinstance(argument, ast.Attribute) and getattr(argument.value, "id", None) == "events"):
        return 0
    if isinstance(argument, ast.Name) and function is not None:
        return 1 if argument.id in [parameter.arg for parameter in function.args.args] else 2
    return 3


def _emit_calls(trees: list, owner: dict, emitters: dict):
    """(where, call, enclosing function, the argument holding its event type) of every call to an emitter."""
    for path, tree in trees:
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            name = getattr(call.func, "attr", None) or getattr(call.func, "id", None)
            if name not in emitters:
                continue
            function = owner.get(id(call))
            # a name may be both hubkit's UnitOfWork.emit and a service's own emit(context, type_, ...): the
            # argument that looks most like an event type is the one
            arguments = sorted(_arguments(call, emitters[name]), key=lambda argument: _kind(argument, function))
            yield f"{path.relative_to(ROOT)}:{call.lineno}", call, function, arguments[0] if arguments else None


def emitted(service: str) -> tuple:
    """({event type: {versions}}, [problems]) from every emit call of the service, through its forwarders."""
    constants = declared_constants(service)
    trees = [(path, ast.parse(path.read_text(encoding="utf-8"))) for path in production_modules(service)]
    owner = _functions_with_parents([tree for _, tree in trees])
    emitters = {EMIT: {(0, "type")}}  # callable name -> {(position of the event type among its arguments, name)}
    for _ in range(10):  # a function passing one of its parameters on as the event type is an emitter too
        found = {EMIT: {(0, "type")}}  # found again from scratch: a guess made with fewer emitters may be wrong
        for _, _, function, argument in _emit_calls(trees, owner, emitters):
            if _kind(argument, function) == 1:
                parameters = [parameter.arg for parameter in function.args.args]
                offset = 1 if parameters[0] in ("self", "cls") else 0
                found.setdefault(function.name, set()).add((parameters.index(argument.id) - offset, argument.id))
        if found == emitters:
            break
        emitters = found
    found, problems = {}, []
    for where, call, function, argument in _emit_calls(trees, owner, emitters):
        if _kind(argument, function) == 1:
            continue  # a forwarder: its callers name the type
        version = next((keyword.value for keyword in call.keywords if keyword.arg == "version"), None)
        version = DEFAULT_VERSION if version is None else (
            _events_constant(version, constants) if isinstance(version, ast.Attribute)
            else getattr(version, "value", None))
        for event_type in _resolve(argument, function, constants, where, problems):
            found.setdefault(event_type, set()).add(version)
    return found, problems


def _resolve(argument, function, constants: dict, where: str, problems: list) -> list:
    """The event types an emit call's type argument can hold."""
    if isinstance(argument, ast.IfExp):
        return [event_type for branch in (argument.body, argument.orelse)
                for event_type in _resolve(branch, function, constants, where, problems)]
    value = _events_constant(argument, constants)
    if isinstance(value, str):
        return [value]
    if isinstance(value, KeyError):
        problems.append(f"{where}: events.{value.args[0]} is not declared in events.py")
        return []
    if isinstance(argument, ast.Constant):
        problems.append(f"{where}: emits the literal {argument.value!r}, not an events.py constant")
        return []
    if _kind(argument, function) == 2:  # a local variable (a loop over constants): the constants its function names
        if resolved := [value for node in ast.walk(function)
                        if isinstance(value := _events_constant(node, constants), str)]:
            return resolved
    problems.append(f"{where}: cannot tell which event type {ast.unparse(argument) if argument else '?'} holds")
    return []


# --- the code: consumers ---------------------------------------------------------------------------------------

def service_class(service: str):
    module = importlib.import_module(f"{service}.service")
    classes = [cls for _, cls in inspect.getmembers(module, inspect.isclass) if getattr(cls, "name", None) == service]
    assert len(classes) == 1, f"{service}.service should define one nameko class named {service!r}"
    return classes[0]


def event_entrypoints() -> list:
    """(consumer, source service, event type, method name) of every event handler of every service."""
    found = []
    for service in SERVICES:
        for name, member in inspect.getmembers(service_class(service), inspect.isfunction):
            for extension in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if isinstance(extension, EventHandler):
                    found.append((service, extension.source_service, extension.event_type, name))
    assert found
    return found


def consumers_in_code() -> dict:
    """(source, type) -> {consuming services}."""
    found = {}
    for consumer, source, event_type, _ in event_entrypoints():
        found.setdefault((source, event_type), set()).add(consumer)
    return found


# --- the doc -----------------------------------------------------------------------------------------------------

def section(service: str) -> str:
    assert f"\n## {service}\n" in DOC, f"docs/events.md has no section for {service}"
    return DOC.split(f"\n## {service}\n", 1)[1].split("\n## ", 1)[0]


def table_rows(service: str) -> dict:
    """type -> (version, consumers cell), from the rows of the service's table."""
    rows = {}
    for line in section(service).splitlines():
        if match := re.match(r"^\| `([a-z_]+)` \| (\d+) \|", line):
            cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
            assert len(cells) == 6, f"docs/events.md: the {match.group(1)} row has {len(cells)} cells, not 6"
            rows[match.group(1)] = (int(match.group(2)), cells[-1])
    return rows


def documented(service: str) -> dict:
    """type -> version."""
    return {event_type: version for event_type, (version, _) in table_rows(service).items()}


def consumers_cell(cell: str) -> set:
    """`none`, or `;`-separated items each starting with the consuming service's name: `routing (timeline)`."""
    if cell == "none":
        return set()
    items, depth, current = [], 0, ""
    for character in cell:
        depth += {"(": 1, ")": -1}.get(character, 0)
        if character == ";" and depth == 0:
            items.append(current)
            current = ""
        else:
            current += character
    names = [re.match(r"\s*\**([a-z]+)", item) for item in items + [current]]
    return {name.group(1) if name else cell for name in names}


def documented_consumers() -> dict:
    """(source, type) -> {services named in the consumers column}."""
    return {(service, event_type): consumers_cell(cell)
            for service in SERVICES for event_type, (_, cell) in table_rows(service).items()}


# --- the checks --------------------------------------------------------------------------------------------------

def test_every_service_with_events_is_found():
    assert {"accounts", "ideas", "budget", "petitions", "routing"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_every_emit_names_a_declared_event_type(service):
    found, problems = emitted(service)
    assert not problems, "\n".join(problems)
    assert found or service in EMITS_NOTHING_YET, f"no emit call found in {service}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_emitted_events_are_the_documented_ones_with_their_version(service):
    found, _ = emitted(service)
    listed = documented(service)
    assert sorted(set(found) - set(listed)) == [], f"{service} emits events docs/events.md does not list"
    assert sorted(set(listed) - set(found)) == [], f"docs/events.md lists {service} events nothing emits"
    wrong = {event_type: (sorted(found[event_type]), listed[event_type]) for event_type in found
             if found[event_type] != {listed[event_type]}}
    assert wrong == {}, "emitted versions differ from the documented version"


@pytest.mark.parametrize("service", SERVICES)
def test_every_declared_event_type_is_emitted(service):
    assert sorted(event_types(service) - set(emitted(service)[0])) == [], f"{service}/events.py declares unused types"


def test_every_consumer_listens_to_an_event_its_source_emits():
    emitted_by = {service: set(emitted(service)[0]) for service in SERVICES}
    dead = sorted(f"{sorted(consumers)} listen to {source}.{event_type}"
                  for (source, event_type), consumers in consumers_in_code().items()
                  if event_type not in emitted_by.get(source, set()))
    assert not dead, "queues bound to events nothing publishes:\n" + "\n".join(dead)


def test_the_documented_consumers_are_the_handlers_in_the_code():
    in_code, in_doc = consumers_in_code(), documented_consumers()
    differences = sorted(f"{source}.{event_type}: the code has {sorted(in_code.get((source, event_type), ()))}, "
                         f"docs/events.md says {sorted(in_doc.get((source, event_type), ()))}"
                         for source, event_type in set(in_code) | set(in_doc)
                         if in_code.get((source, event_type), set()) != in_doc.get((source, event_type), set()))
    assert not differences, ("the consumers column differs from the event handlers (planned ones go to a note):\n"
                             + "\n".join(differences))


def test_the_handlers_the_doc_names_exist():
    handlers = {(consumer, method) for consumer, _, _, method in event_entrypoints()}
    named = set(re.findall(r"handlers?\s+`([a-z]+)\.([a-z_]+)`", DOC))
    assert named, "docs/events.md names no handler"
    assert sorted(f"{service}.{method}" for service, method in named if (service, method) not in handlers) == []


def test_every_service_dot_name_in_the_doc_exists():
    """`ideas.get_idea`, `routing.idea_forwarded`, `accounts.events`: an entrypoint, an event or an exchange."""
    known = {service: {name for name, member in inspect.getmembers(service_class(service), inspect.isfunction)
                       if getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ())} | set(emitted(service)[0]) | {"events"}
             for service in SERVICES}
    named = set(re.findall(r"`([a-z]+)\.([a-z_]+)[`(]", DOC))
    assert sorted(f"{service}.{name}" for service, name in named if service in known
                  and name not in known[service]) == []


def test_the_documented_events_are_past_tense_snake_case():
    for service in SERVICES:
        for event_type in documented(service):
            assert EVENT_TYPE.fullmatch(event_type)
            assert any(word.endswith(("ed", "cast", "withdrawn", "hidden")) for word in event_type.split("_")), \
                event_type
