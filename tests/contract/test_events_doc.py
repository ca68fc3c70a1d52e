"""docs/events.md documents every event a service can emit."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "events.md").read_text()


def event_types(events_module: Path) -> set:
    """String constants of a service's events.py (its event types)."""
    tree = ast.parse(events_module.read_text())
    return {node.value.value for node in ast.walk(tree)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str) and re.fullmatch(r"[a-z_]+", node.value.value)}


def documented(service: str) -> dict:
    """type -> version, from the rows of the service's table in docs/events.md."""
    section = DOC.split(f"## {service}", 1)[1].split("\n## ", 1)[0]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^\| `([a-z_]+)` \| (\d+) \|", section, re.M)}


def test_every_emitted_event_is_documented_with_a_version():
    modules = sorted(ROOT.glob("services/*/*/events.py"))
    assert modules
    for module in modules:
        service = module.parent.name
        assert f"## {service}" in DOC, f"docs/events.md has no section for {service}"
        emitted, listed = event_types(module), documented(service)
        assert emitted, module
        assert emitted <= set(listed), f"undocumented {service} events: {sorted(emitted - set(listed))}"


def test_the_documented_events_are_past_tense_snake_case():
    for service in ("accounts", "ideas"):
        for event_type in documented(service):
            assert re.fullmatch(r"[a-z]+(_[a-z]+)*", event_type)
            assert event_type.split("_")[-1].endswith(("ed", "cast", "withdrawn", "hidden")), event_type


def test_the_code_emits_only_declared_event_types():
    """Services emit through their events.py constants, never string literals."""
    for handlers in ROOT.glob("services/*/*/handlers.py"):
        assert not re.search(r"\.emit\(\s*[\"']", handlers.read_text()), handlers
