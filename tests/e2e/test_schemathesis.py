"""The OpenAPI tells the truth: Schemathesis runs over every operation of /api/v1, anonymous and as a signed-in
citizen, on a platform seeded with one of each resource the routes name, and every response must conform to the
document (status codes, content types, headers, bodies), no request may end in a server error, a request the
document allows must not be refused as invalid (400) and one it forbids must not be accepted.

Schemathesis runs as its command line (`st run`) with a JUnit report, read back here into one line per failure:
operation, check, what was answered. The lines of the last run of each pass are also written to
/tmp/schemathesis-failures.txt. The number of examples per operation is bounded so that both passes together
stay within a few minutes on a small machine.

Every check of Schemathesis runs; deliberate exclusions (each with its reason):
- EXCLUDED_OPERATION_CHECKS (tests/e2e/schemathesis_hooks.py), a check on one operation;
- EXCLUDED_OPERATIONS, for the signed-in pass only.
"""
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import requests

from tests.e2e.people import administrator, citizen, read_mail_link, resident

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SAINT_CYPRIEN = ROOT / "tests" / "data" / "pabulib" / "France_Toulouse_2022_6_-_Saint-Cyprien.pb"
FAILURES_FILE = Path("/tmp/schemathesis-failures.txt")
MAX_EXAMPLES = int(os.environ.get("HUB_SCHEMATHESIS_EXAMPLES", "6"))
SEED = int(os.environ.get("HUB_SCHEMATHESIS_SEED", "20261207"))  # the same cases on every run, unless told
# A generated path parameter takes a seeded resource's id this often (else Schemathesis's own value): the
# operations behind an existing resource are reached, and unknown or malformed ids still get tried.
SEEDED_ID_PROBABILITY = 0.8

# Checks left out of one operation, and why: EXCLUDED_OPERATION_CHECKS in tests/e2e/schemathesis_hooks.py.

# Operations the signed-in pass leaves out, and why (the anonymous pass still runs them).
EXCLUDED_OPERATIONS = {
    "DELETE /api/v1/auth/tokens/current": "signs the citizen out: the rest of the pass would run anonymous",
    "DELETE /api/v1/me/sessions/{session_id}": "the stateful phase finds the pass's own session in GET /me/sessions "
                                               "and revokes it: the rest of the pass would run anonymous",
}


# --- the seeded platform ---------------------------------------------------------------------------------

def created(response, *statuses) -> dict:
    assert response.status_code in (statuses or (200, 201)), f"{response.request.url}: {response.text}"
    return response.json()


@pytest.fixture(scope="module")
def seeded(platform) -> dict:
    """A resident citizen (eligible to vote and sign) and one of each resource the routes name: an idea with a
    comment, a petition draft of the citizen's and a published petition, a budget cycle at the vote, a
    consultation with a section, a proposal, an amendment, a comment and an argument. Returns the citizen and,
    by path parameter name, the values the operations take."""
    api = f"{platform.url}/api/v1"
    admin = administrator(platform, label="schemathesis.admin").headers
    person = resident(platform, read_mail_link, "Schemathesis")
    other = citizen(platform, read_mail_link, "Schemathesis-autre")
    values = {"account_id": person.id, "role": "moderator", "kind": "favorite"}
    values.update(seed_ideas(api, person.headers, other.headers))
    values.update(seed_petitions(platform, api, admin, person.headers))
    values.update(seed_budget(api, admin))
    values.update(seed_consultations(api, admin, person.headers, other.headers))
    values["session_id"] = requests.get(f"{api}/me/sessions", headers=other.headers).json()[0]["id"]
    schemes = requests.get(f"{api}/routing/schemes").json()
    values["code"] = schemes[0]["code"]
    return {"citizen": person, "values": values}


def seed_ideas(api: str, author: dict, other: dict) -> dict:
    idea = created(requests.post(f"{api}/ideas", headers=author, json={
        "title": "Des fontaines à boire le long du canal", "theme": "cadre_de_vie", "arrondissement": 10,
        "description": "L'été, les quais sont pleins de promeneurs et il n'y a presque aucun point d'eau."}))
    comment = created(requests.post(f"{api}/ideas/{idea['id']}/comments", headers=other,
                                    json={"body": "Bonne idée, le quai de Valmy surtout."}))
    return {"idea_id": idea["id"], "comment_id": comment["id"]}


def seed_petitions(platform, api: str, admin: dict, author: dict) -> dict:
    """The citizen's draft (to edit, with its sponsorship link) and a published petition (to sign), drafted by
    another citizen and co-sponsored by as many as the petitions service asks."""
    draft = {"title": "Des fontaines à boire le long du canal", "arrondissement": 10,
             "asks": "Nous demandons quatre fontaines d'eau potable entre République et Jaurès.",
             "background": "L'été, les quais sont pleins de promeneurs et il n'y a presque aucun point d'eau."}
    own = created(requests.post(f"{api}/petitions", headers=author, json=draft))
    sponsors_required = requests.get(f"{api}/petitions/reference").json()["settings"]["sponsors_required"]
    drafter = citizen(platform, read_mail_link, "Schemathesis-redactrice").headers
    published = created(requests.post(f"{api}/petitions", headers=drafter, json={
        **draft, "title": "Des bancs à l'ombre place des Fêtes"}))
    for number in range(sponsors_required):
        sponsor = citizen(platform, read_mail_link, f"Schemathesis-parrain{number}").headers
        created(requests.post(f"{api}/petitions/sponsorships/{published['sponsor_token']}", headers=sponsor))
    created(requests.post(f"{api}/petitions/{published['id']}/submission", headers=drafter))
    created(requests.post(f"{api}/petitions/{published['id']}/publication", headers=admin, json={}))
    return {"petition_id": [own["id"], published["id"]], "token": own["sponsor_token"]}


def seed_budget(api: str, admin: dict) -> dict:
    """A cycle at the vote, imported from a small pabulib file (ten projects of Toulouse, Saint-Cyprien)."""
    cycle = created(requests.post(f"{api}/budget/cycles/pabulib", headers=admin, json={
        "content": SAINT_CYPRIEN.read_text(encoding="utf-8"), "filename": SAINT_CYPRIEN.name}))
    projects = requests.get(f"{api}/budget/cycles/{cycle['id']}/projects").json()["items"]
    return {"cycle_id": cycle["id"], "project_id": [project["id"] for project in projects[:3]]}


def seed_consultations(api: str, admin: dict, author: dict, other: dict) -> dict:
    from datetime import datetime, timedelta, timezone
    now = datetime.now(timezone.utc)
    made = created(requests.post(f"{api}/consultations", headers=admin, json={
        "title": "Réinventer la place de la Nation", "context": "La place sera réaménagée.",
        "opens_at": (now - timedelta(minutes=5)).isoformat(), "closes_at": (now + timedelta(days=30)).isoformat()}))
    created(requests.post(f"{api}/consultations/{made['id']}/sections", headers=admin, json={
        "title": "La charte de la place", "mode": "amendable_text", "body": "Article 1 : la place est à tous."}))
    [section] = requests.get(f"{api}/consultations/{made['id']}").json()["sections"]
    proposal = created(requests.post(f"{api}/consultations/{made['id']}/proposals", headers=author, json={
        "section_id": section["id"], "title": "Article 2 : un terrain de pétanque",
        "body": "Un terrain de pétanque sous les platanes."}))
    proposal_url = f"{api}/consultations/proposals/{proposal['id']}"
    amendment = created(requests.post(f"{proposal_url}/amendments", headers=other, json={
        "title": "Deux terrains de pétanque", "body": "Deux terrains, et de l'ombre autour."}))
    comment = created(requests.post(f"{proposal_url}/comments", headers=other,
                                    json={"body": "Je précise : côté métro."}))
    argument = created(requests.post(f"{proposal_url}/arguments", headers=other, json={
        "position": "agree", "body": "Il fait trop chaud l'été."}))
    return {"consultation_id": made["id"], "section_id": section["id"], "proposal_id": proposal["id"],
            "amendment_id": amendment["id"], "content_id": [proposal["id"], comment["id"], argument["id"]]}


# --- running Schemathesis -------------------------------------------------------------------------------------

def toml_value(value) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def configuration(values: dict) -> str:
    """schemathesis.toml: the seeded values, as dictionaries the path parameters draw from."""
    lines = []
    for name, value in sorted(values.items()):
        lines += [f"[dictionaries.{name}]", f"values = {toml_value(value if isinstance(value, list) else [value])}"]
    lines.append("[parameters]")
    for name in sorted(values):
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = {SEEDED_ID_PROBABILITY} }}')
    return "\n".join(lines) + "\n"


def run_schemathesis(platform, workdir: Path, label: str, values: dict, headers: dict = None,
                     excluded_operations: dict = None) -> list:
    """One `st run` over the whole API; the failures, one line each."""
    (workdir / "schemathesis.toml").write_text(configuration(values), encoding="utf-8")
    junit = workdir / f"junit-{label}.xml"
    command = [sys.executable, "-m", "schemathesis.cli", "run", f"{platform.url}/api/v1/openapi.json",
               "--checks", "all",
               "--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1", "--no-shrink",
               "--report", "junit", "--report-junit-path", str(junit), "--request-timeout", "30",
               "--warnings", "off", "--no-color"]
    for name, value in (headers or {}).items():
        command += ["--header", f"{name}: {value}"]
    for operation in excluded_operations or {}:
        command += ["--exclude-name", operation]
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.e2e.schemathesis_hooks",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    finished = subprocess.run(command, cwd=workdir, env=environment, capture_output=True, text=True, timeout=600)
    (workdir / f"output-{label}.txt").write_text(finished.stdout + finished.stderr, encoding="utf-8")
    assert junit.exists(), f"Schemathesis did not run:\n{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    failures = failure_lines(junit)
    assert failures or finished.returncode == 0, f"Schemathesis failed:\n{finished.stdout[-5000:]}"
    record(label, failures)
    return failures


def failure_lines(junit: Path) -> list:
    """`<operation> | <check> | <status> | <why>` for each failed check of the JUnit report."""
    lines = []
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        for failure in [*case.iter("failure"), *case.iter("error")]:
            report = failure.text or failure.get("message") or ""
            for block in re.split(r"^\d+\. Test Case ID: \S+$", report, flags=re.MULTILINE):
                if block.strip():
                    lines += describe(case.get("name"), block)
    return lines


def describe(operation: str, block: str) -> list:
    """One line per check that failed in one test case: the check, the status answered, a short reason."""
    checks, status, reason = [], "", []
    lines = block.splitlines()
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("- ") and not status:
            checks.append(stripped[2:])
        elif re.match(r"^\[\d{3}\] ", stripped) and not status:
            status = stripped.rstrip(":")
            reason.append(next((following.strip() for following in lines[index + 1:] if following.strip()), ""))
        elif checks and not status and stripped:
            reason.append(stripped)
    if not checks:  # an error of Schemathesis itself (the operation could not be tested): its first lines
        checks, reason = ["error"], [line.strip() for line in lines if line.strip()][:3]
    return [f"{operation} | {check} | {status} | {' / '.join(reason)[:400]}" for check in checks]


def record(label: str, failures: list):
    """The failures of this pass's last run in FAILURES_FILE, beside the other pass's."""
    kept = []
    if FAILURES_FILE.exists():
        kept = [line for line in FAILURES_FILE.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith(f"[{label}]")]
    FAILURES_FILE.write_text("\n".join(kept + [f"[{label}] {line}" for line in failures]) + "\n", encoding="utf-8")


# --- the passes ----------------------------------------------------------------------------------------------

def test_every_operation_conforms_for_an_anonymous_visitor(platform, seeded, tmp_path):
    failures = run_schemathesis(platform, tmp_path, "anonymous", seeded["values"])
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)


def test_every_operation_conforms_for_a_signed_in_citizen(platform, seeded, tmp_path):
    failures = run_schemathesis(platform, tmp_path, "citizen", seeded["values"], headers=seeded["citizen"].headers,
                                excluded_operations=EXCLUDED_OPERATIONS)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    still_signed_in = requests.get(f"{platform.url}/api/v1/me", headers=seeded["citizen"].headers)
    assert still_signed_in.status_code == 200, f"the pass ran without its citizen's session: {still_signed_in.text}"
