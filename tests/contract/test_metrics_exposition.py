"""Every process exposes Prometheus metrics that `promtool check metrics` accepts."""
import shutil
import subprocess
import time

import pytest
import requests

pytestmark = pytest.mark.e2e


def promtool_check(exposition: bytes) -> subprocess.CompletedProcess:
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: `make test` installs it (dev/ensure-test-tools.sh)"
    return subprocess.run([promtool, "check", "metrics"], input=exposition, capture_output=True)


def scrape(url: str, *expected: str, timeout: float = 10.0) -> requests.Response:
    """`url`'s exposition once it holds every `expected` sample (or the last one after `timeout`). A service counts a
    call after it has sent the answer (nameko runs the dependencies' `worker_result` after the reply), so a
    scrape right after the answer may not hold it yet."""
    deadline = time.monotonic() + timeout
    while True:
        response = requests.get(url)
        if all(line in response.text for line in expected) or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def exercise(platform):
    """Produce samples for every label set: successes, validation errors, a failed login."""
    api = f"{platform.url}/api/v1"
    requests.post(f"{api}/accounts", json={"email": "pas-une-adresse"})
    requests.post(f"{api}/auth/tokens", json={"email": "metriques@exemple.fr", "password": "faux"})
    requests.get(f"{platform.url}/readyz")


def test_gateway_metrics_pass_promtool(platform):
    exercise(platform)
    response = requests.get(f"{platform.url}/metrics")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    result = promtool_check(response.content)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    text = response.text
    assert 'hub_http_requests_total{method="POST",route="/api/v1/accounts",status="400"}' in text
    assert "hub_http_request_duration_seconds_bucket" in text
    assert 'hub_http_errors_total{code="VALIDATION_ERROR"}' in text
    # one label scheme: error names, never HTTP statuses
    assert not [line for line in text.splitlines() if line.startswith('hub_http_errors_total{code="') and
                line.split('"')[1][0].isdigit()]
    # the gateway's calls to the services, by target, method and outcome
    assert 'hub_rpc_client_calls_total{method="login",outcome="INVALID_CREDENTIALS",target="accounts"}' in text
    assert 'hub_rpc_client_duration_seconds_bucket{le="0.002",method=' in text


@pytest.mark.parametrize("service", ["accounts"])
def test_service_metrics_pass_promtool(platform, service):
    exercise(platform)
    failed_login = (f'hub_entrypoint_calls_total{{entrypoint="login",kind="rpc",outcome="INVALID_CREDENTIALS",'
                    f'service="{service}"}}')
    response = scrape(f"http://127.0.0.1:{platform.http_ports[service]}/metrics", failed_login)
    assert response.status_code == 200
    result = promtool_check(response.content)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    text = response.text
    assert failed_login in text
    assert "hub_entrypoint_duration_seconds_bucket" in text
    assert 'accounts_logins_failed_total{reason="invalid_credentials"}' in text
    assert "accounts_registrations_total" in text
    assert "hub_outbox_pending_events" in text


@pytest.mark.parametrize("broken", [b"# HELP logins Logins.\n# TYPE logins counter\nlogins 3\n", b"garbage{ 3\n"])
def test_promtool_rejects_a_broken_exposition(broken):
    """The checks above can fail: a counter without _total, or unparsable text, is refused."""
    assert promtool_check(broken).returncode != 0


def test_ideas_metrics_pass_promtool(platform):
    exercise(platform)
    requests.get(f"{platform.url}/api/v1/ideas", params={"sort": "most_supported"})
    requests.get(f"{platform.url}/api/v1/ideas/00000000-0000-4000-8000-000000000000")
    listed = 'hub_entrypoint_calls_total{entrypoint="list_ideas",kind="rpc",outcome="ok",service="ideas"}'
    not_found = 'hub_entrypoint_calls_total{entrypoint="get_idea",kind="rpc",outcome="NOT_FOUND",service="ideas"}'
    response = scrape(f"http://127.0.0.1:{platform.http_ports['ideas']}/metrics", listed, not_found)
    assert response.status_code == 200
    result = promtool_check(response.content)
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
    text = response.text
    assert listed in text
    assert not_found in text
    for counter in ("ideas_submitted_total", "idea_supports_total", "comments_posted_total"):
        assert f"# TYPE {counter} counter" in text
