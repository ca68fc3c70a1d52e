"""One definition of each fake service and of each people helper: tests/fakes holds the fakes of the accounts and
ideas services (tests/fakes/__init__.py), tests/e2e/people.py the people of the end-to-end tests. A test module that
copies one instead (a class of a shared fake's name, a class answering what only that service answers over RPC, a
fake defined in two modules, its own `citizen` or `admin_headers`) fails here; a fake of a test's own infrastructure
(a DNS resolver, a broker channel) is no copy."""
import ast
from pathlib import Path

import pytest

from tests.fakes import SHARED_FAKES, FakeAccounts, FakeIdeas, FakeNotifications

ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = ROOT / "tests" / "fakes"
PEOPLE = ROOT / "tests" / "e2e" / "people.py"
PEOPLE_HELPERS = {"admin_headers", "citizen"}
SERVICE_OF_FAKE = {"accounts": FakeAccounts, "ideas": FakeIdeas, "notifications": FakeNotifications}
# services named like the real ones on the broker, to test the broker's users and permissions, not what they answer
NOT_FAKES = {("tests/integration/test_broker_users.py", "Accounts")}


def modules_of_tests() -> list:
    folders = [ROOT / "tests", ROOT / "gateway" / "tests", ROOT / "lib" / "hubkit" / "tests",
               *sorted(ROOT.glob("services/*/tests"))]
    return sorted(path for folder in folders for path in folder.rglob("*.py") if SHARED_DIR not in path.parents)


def classes_of(path: Path) -> list:
    """The module's own classes (a class a test defines inside itself, to sequence its one scenario around a shared
    fake, is that test's)."""
    return [node for node in ast.parse(path.read_text(), str(path)).body if isinstance(node, ast.ClassDef)]


def rpc_methods(service: str) -> set:
    """The methods `services/<service>/<service>/service.py` exposes with `@rpc`."""
    tree = ast.parse((ROOT / "services" / service / service / "service.py").read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and any(
        (decorator.id if isinstance(decorator, ast.Name) else getattr(decorator, "attr", "")) == "rpc"
        for decorator in node.decorator_list)}


def only_answered_by_the_shared_fakes() -> dict:
    """method name -> service, for the RPC methods that one service alone exposes and its shared fake answers: a
    test class defining one is standing in for that service."""
    services = [path.name for path in sorted((ROOT / "services").iterdir()) if (path / path.name / "service.py").exists()]
    exposed = {service: rpc_methods(service) for service in services}
    found = {}
    for service, fake in SERVICE_OF_FAKE.items():
        elsewhere = set().union(*(methods for other, methods in exposed.items() if other != service))
        answered = {name for name in dir(fake) if getattr(getattr(fake, name), "records_itself", False)}
        found.update({method: service for method in (exposed[service] & answered) - elsewhere})
    return found


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if ROOT in path.parents else path.name


def copied_fakes(paths: list) -> list:
    """Each class of `paths` named like a shared fake, or answering what only a shared fake's service answers (a
    subclass of a shared fake may add the answers of its own: it extends, it does not copy)."""
    methods, copies = only_answered_by_the_shared_fakes(), []
    for path in paths:
        for node in classes_of(path):
            if (shown(path), node.name) in NOT_FAKES:
                continue
            if node.name in SHARED_FAKES:
                copies.append(f"{shown(path)}: class {node.name} (tests.fakes has it)")
            extended = {getattr(base, "id", getattr(base, "attr", None)) for base in node.bases} & set(SHARED_FAKES)
            defined = {item.name for item in node.body if isinstance(item, ast.FunctionDef) and not extended}
            copies += [f"{shown(path)}: {node.name}.{method} stands in for {methods[method]} (tests.fakes has it)"
                       for method in sorted(defined & set(methods))]
    return copies


def test_the_shared_fakes_answer_what_only_their_service_answers():
    """The check below has something to look for: the accounts and ideas fakes answer methods of their own."""
    methods = only_answered_by_the_shared_fakes()
    assert {"public_profiles", "eligibility_attributes_many", "notify"} <= {
        method for method, service in methods.items() if service == "accounts"}
    assert {"get_idea", "submissions"} <= {method for method, service in methods.items() if service == "ideas"}


def test_no_test_module_copies_a_shared_fake():
    assert copied_fakes(modules_of_tests()) == []


@pytest.mark.parametrize("source, found", [
    ("class FakeIdeas:\n    pass\n", "class FakeIdeas (tests.fakes has it)"),
    ("class Peer:\n    def public_profiles(self, data):\n        return []\n",
     "Peer.public_profiles stands in for accounts (tests.fakes has it)"),
])
def test_a_copy_is_found_whatever_its_name(tmp_path, source, found):
    module = tmp_path / "test_copy.py"
    module.write_text(source)
    assert copied_fakes([module]) == [f"test_copy.py: {found}"]


def test_a_fake_of_a_service_is_defined_in_one_module():
    defined = {}
    for path in modules_of_tests():
        for node in classes_of(path):
            if node.name.startswith("Fake"):
                defined.setdefault(node.name, []).append(shown(path))
    assert {name: paths for name, paths in defined.items() if len(paths) > 1} == {}


def test_the_people_helpers_are_defined_once():
    elsewhere = [f"{shown(path)}: {node.name}" for path in modules_of_tests() if path != PEOPLE
                 for node in ast.walk(ast.parse(path.read_text()))
                 if isinstance(node, ast.FunctionDef) and node.name in PEOPLE_HELPERS]
    assert elsewhere == []
