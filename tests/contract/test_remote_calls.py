"""Every call the gateway makes names an RPC that exists, with as many arguments as it takes; the call table's
internal RPCs exist too. A method renamed on one side, or an argument added, fails here instead of in production."""
import ast
import importlib
import inspect
from pathlib import Path

import pytest
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.rpc import Rpc

from hubkit import calls

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {"accounts": "AccountsService", "ideas": "IdeasService", "budget": "BudgetService",
            "petitions": "PetitionsService", "routing": "RoutingService", "notifications": "NotificationsService"}
EVERY_SERVICE = {"export_personal_data", "health", "status"}  # called with a service name held in a variable
# called on the service the open-data registry names for each dataset (gateway.open_data_registry)
BY_OPEN_DATA_REGISTRY = {"open_data_page"}


def rpc_signatures() -> dict:
    """{(service, method): inspect.Signature without self} of every RPC entrypoint of every service."""
    found = {}
    for service, class_name in SERVICES.items():
        cls = getattr(importlib.import_module(f"{service}.service"), class_name)
        for name, member in inspect.getmembers(cls, inspect.isfunction):
            if any(isinstance(ext, Rpc) for ext in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ())):
                parameters = list(inspect.signature(member).parameters.values())[1:]
                found[(service, name)] = inspect.Signature(parameters)
    return found


def remote_calls(source: str, filename: str) -> list:
    """(file:line, service, method, positional argument count or None) of each remote call in `source`;
    service None where it is a variable (the call goes to every service)."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "remote"):
            continue
        kind, args = node.func.attr, node.args
        literal = [arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None for arg in args]
        where = f"{filename}:{node.lineno}"
        if kind in ("call", "batched_call") and len(args) >= 2 and literal[1]:
            count = None if any(isinstance(arg, ast.Starred) for arg in args) else len(args) - 2
            found.append((where, literal[0], literal[1], 1 if kind == "batched_call" else count))
        elif kind == "reference_data" and args and literal[0]:
            found.append((where, literal[0], "reference_data", 0))
    return found


def problems(calls_found: list, signatures: dict) -> list:
    out = []
    for where, service, method, count in calls_found:
        targets = [(service, method)] if service else [(name, method) for name in SERVICES]
        if service is None and method in BY_OPEN_DATA_REGISTRY:
            targets = [(name, method) for name in open_data_services()]
        elif service is None and method not in EVERY_SERVICE:
            out.append(f"{where}: {method} is called on a service named by a variable")
        for target in targets:
            signature = signatures.get(target)
            if signature is None:
                out.append(f"{where}: {target[0]}.{target[1]} is no RPC of the {target[0]} service")
                continue
            if count is not None:
                try:
                    signature.bind(*range(count))
                except TypeError as error:
                    out.append(f"{where}: {target[0]}.{target[1]}{signature} called with {count} arguments: {error}")
    return out


def open_data_services() -> list:
    """The services the gateway asks for open datasets: each must expose open_data_page."""
    from gateway.open_data_registry import DATASETS
    return sorted({dataset.service for dataset in DATASETS})


@pytest.fixture(scope="module")
def signatures():
    return rpc_signatures()


def gateway_calls() -> list:
    found = []
    for path in sorted((ROOT / "gateway" / "gateway").rglob("*.py")):
        found += remote_calls(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    return found


def test_every_gateway_call_names_an_rpc_with_its_arguments(signatures):
    found = gateway_calls()
    assert len(found) > 150  # the scan sees the gateway's calls (a broken scan must not pass silently)
    assert problems(found, signatures) == []


def test_every_internal_rpc_of_the_call_table_exists(signatures):
    assert [key for key in calls.CALLERS if key not in signatures] == []


def test_a_renamed_method_or_a_missing_argument_is_caught(signatures):
    planted = ('remote.call("ideas", "get_ideaa", {"idea_id": 1})\n'
               'remote.call("budget", "create_cycle", {"title": "x"})\n'
               'remote.call("accounts", "grant_role", "a", {}, "extra")\n')
    found = problems(remote_calls(planted, "planted.py"), signatures)
    assert len(found) == 3
    assert "ideas.get_ideaa is no RPC" in found[0] and "create_cycle" in found[1] and "grant_role" in found[2]
