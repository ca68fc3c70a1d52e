"""Every service reads alike: the same top-level layout, small modules, composed use cases, one settings object.

The shape (docs/architecture.md, "Adding a service"): `service.py` holds the nameko entrypoints, `handlers/` the use
cases by area with one `common.py` built on `hubkit.rules`, `domain` the plain rules, `settings.py` the one
settings object the service reads once. A new module goes into one of these places, or into `adapters/` when it
speaks to the outside world (a file format, another service, a remote host).
"""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(path.name for path in (ROOT / "services").iterdir() if (path / path.name).is_dir())

REQUIRED = {"__init__.py", "__main__.py", "cli.py", "service.py", "settings.py", "domain", "handlers", "models.py",
            "schemas", "events.py", "business_metrics.py", "alembic.ini", "migrations"}
OPTIONAL = {"peers.py", "mails.py", "adapters", "data"}
MAX_LINES = 400
MAX_BASES = 2  # a class extends one base and at most one mixin: use-case groups are composed, not stacked
ENVIRONMENT_READS = re.compile(r"os\.environ|os\.getenv|\benv_(?:int|float|str|bool|secret|list)\(")


def package(service: str) -> Path:
    return ROOT / "services" / service / service


def top_level(service: str) -> set:
    names = set()
    for entry in package(service).iterdir():
        if entry.name.startswith(".") or entry.name == "__pycache__":
            continue
        stem = entry.name[:-3] if entry.suffix == ".py" and entry.stem in ("domain", "schemas") else entry.name
        names.add(stem if entry.is_file() else entry.name)
    return names


def production_files(service: str) -> list:
    return [path for path in package(service).rglob("*.py")
            if "migrations" not in path.parts and "__pycache__" not in path.parts]


def test_there_are_services():
    assert {"accounts", "ideas", "budget", "petitions", "routing"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_the_top_level_layout_is_the_same(service):
    names = top_level(service)
    assert REQUIRED - names == set(), f"{service} lacks {sorted(REQUIRED - names)}"
    assert names - REQUIRED - OPTIONAL == set(), (
        f"{service} has modules outside the common layout: {sorted(names - REQUIRED - OPTIONAL)} "
        f"(use cases go into handlers/, rules into domain, outside-world code into adapters/)")
    handlers = package(service) / "handlers"
    assert handlers.is_dir() and (handlers / "__init__.py").exists() and (handlers / "common.py").exists()


@pytest.mark.parametrize("service", SERVICES)
def test_the_common_use_case_helpers_build_on_hubkit_rules(service):
    common = (package(service) / "handlers" / "common.py").read_text(encoding="utf-8")
    assert "hubkit import rules" in common or "hubkit.rules" in common


@pytest.mark.parametrize("service", SERVICES)
def test_no_module_is_over_the_size_limit(service):
    too_long = {str(path.relative_to(ROOT)): lines for path in production_files(service)
                if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert too_long == {}


@pytest.mark.parametrize("service", SERVICES)
def test_entrypoints_use_hubkits_rpc(service):
    for path in production_files(service):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined = {node.name for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        assert "rpc" not in defined, f"{path.relative_to(ROOT)} redefines rpc: use hubkit.service_base.rpc"
    service_py = (package(service) / "service.py").read_text(encoding="utf-8")
    assert re.search(r"from hubkit\.service_base import .*\brpc\b", service_py)


@pytest.mark.parametrize("service", SERVICES)
def test_use_cases_are_composed_not_stacked(service):
    stacked = []
    for path in production_files(service):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and len(node.bases) > MAX_BASES:
                stacked.append(f"{path.relative_to(ROOT)}:{node.name} ({len(node.bases)} bases)")
    assert stacked == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_environment_is_read_in_settings_only(service):
    readers = [str(path.relative_to(ROOT)) for path in production_files(service)
               if path.name not in ("settings.py", "cli.py", "__main__.py")
               and ENVIRONMENT_READS.search(path.read_text(encoding="utf-8"))]
    assert readers == [], "read settings through the service's settings object"
