"""The authorization matrix of issue 12: every route of the gateway's URL map × the seven personas, each answer
judged against one table (tests/contract/authorization_table.py).

On the running platform (the `platform` fixture: every service and the gateway as processes), so the services'
own checks (a draft's author, an agent's direction) are judged with the gateway's. An answer is a refusal when
it is 401 or 403, or, for a page, a redirect to the sign-in page; any other answer below 500 means the request
got past authorization (a 400 or 409 included: the probes send what an allowed persona cannot harm the world
with, tests/contract/authorization_probes.py); a 5xx always fails.
"""
import re
from collections import Counter

import pytest
import requests

from gateway.app import create_app

from .authorization_probes import PROBES, VARIABLES, Probe
from .authorization_table import NAMED, POLICY_NAMES, TABLE
from .authorization_world import PERSONAS, World, seed_world

pytestmark = pytest.mark.e2e
IGNORED_METHODS = {"HEAD", "OPTIONS"}
VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
LOGIN_PAGE = "/connexion"


def gateway_routes() -> set:
    """'METHOD /rule' for every rule of the real gateway's URL map (static files aside)."""
    app = create_app()
    return {f"{method} {rule.rule}" for rule in app.url_map.iter_rules() if rule.endpoint != "static"
            for method in rule.methods - IGNORED_METHODS}


def test_the_table_has_every_route_of_the_gateway_and_no_other():
    routes = gateway_routes()
    missing, stale = sorted(routes - TABLE.keys()), sorted(TABLE.keys() - routes)
    assert not missing, "routes the authorization table does not name (add them to authorization_table.py):\n" + \
        "\n".join(missing)
    assert not stale, "rows of the authorization table that name no route any more:\n" + "\n".join(stale)
    assert len(NAMED) == len(TABLE), f"routes named twice: {sorted(r for r in TABLE if NAMED.count(r) > 1)}"
    assert not PROBES.keys() - TABLE.keys(), "probes for routes the table does not name"
    assert all(policy in POLICY_NAMES for policy in TABLE.values())


def test_every_url_variable_has_a_seeded_value():
    for route in TABLE:
        probe = PROBES.get(route, Probe())
        for variable in VARIABLE.findall(route):
            assert variable in probe.ids or variable in VARIABLES, f"{route}: no value for <{variable}>"


@pytest.fixture(scope="module")
def world(platform) -> World:
    return seed_world(platform)


def url_of(world: World, route: str, probe: Probe) -> str:
    rule = route.split(" ", 1)[1]
    return world.url + VARIABLE.sub(
        lambda match: str(world.ids[probe.ids.get(match.group(1), VARIABLES[match.group(1)])]), rule)


def answer_of(world: World, route: str, persona_name: str) -> requests.Response:
    method, rule = route.split(" ", 1)
    probe = PROBES.get(route, Probe())
    persona = world.fresh_persona(persona_name) if probe.fresh_sign_in else world.personas[persona_name]
    url = url_of(world, route, probe)
    if rule.startswith("/api/"):
        body = probe.json(world.ids) if probe.json else ({} if method != "GET" else None)
        return requests.request(method, url, headers=persona.headers, json=body, allow_redirects=False, timeout=30)
    form = None
    if method != "GET":
        form = {**(probe.form(world.ids) if probe.form else {}), "csrf_token": persona.csrf}
    return persona.browser.request(method, url, data=form, allow_redirects=False, timeout=30)


def refused(response: requests.Response, probe: Probe) -> bool:
    if response.status_code in (401, 403):
        return True
    if response.status_code in (301, 302, 303, 307) and response.headers.get("Location", "").split("?")[0].endswith(
            LOGIN_PAGE):
        return True
    return probe.hidden_is_refused and response.status_code == 404


def refused_first(route: str) -> list:
    """The personas the table refuses ask first: an allowed one's request may change the resource's state, and a
    refusal must not depend on that state."""
    allowed = TABLE[route]
    return sorted(PERSONAS, key=lambda persona: (persona in allowed, PERSONAS.index(persona)))


def test_each_route_answers_each_persona_as_the_table_says(world):
    mismatches, server_errors, outcomes = [], [], Counter()
    for route in sorted(TABLE, key=lambda route: (route.split(" ", 1)[1], route)):
        probe = PROBES.get(route, Probe())
        for persona in refused_first(route):
            response = answer_of(world, route, persona)
            expected = persona in TABLE[route]
            got = not refused(response, probe)
            outcomes[response.status_code] += 1
            detail = f"{route} as {persona}: {response.status_code} {response.text[:160]!r}"
            if response.status_code >= 500:
                server_errors.append(detail)
            elif got != expected:
                policy = POLICY_NAMES[TABLE[route]]
                mismatches.append(f"[{policy}: {'allowed' if expected else 'refused'} expected] {detail}")
    print(f"{len(TABLE)} routes × {len(PERSONAS)} personas; statuses seen: {dict(sorted(outcomes.items()))}")
    assert not server_errors, "server errors:\n" + "\n".join(server_errors)
    assert not mismatches, f"{len(mismatches)} answers differ from the table:\n" + "\n".join(mismatches)

