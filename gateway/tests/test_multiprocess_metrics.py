"""A gateway of several processes (HUB_GATEWAY_PROCESSES) answers /metrics for all of them: one scrape sums every
process's counts, a process that ended still counts, and its gauges leave the sum."""
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from .test_processes import children_of, free_port, wait_for

pytestmark = pytest.mark.e2e

HEALTHZ = {"method": "GET", "route": "/healthz", "status": "200"}


def start_gateway(tmp_path, processes: int, port: int = None):
    port = port or free_port()
    env = {**os.environ, "HUB_ENV": "test", "HUB_PORT": str(port), "HUB_GATEWAY_PROCESSES": str(processes),
           "HUB_VAR_DIR": str(tmp_path)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen([sys.executable, "-m", "gateway"], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def answers():
        try:
            return requests.get(f"{url}/healthz", timeout=1, headers={"Connection": "close"}).status_code == 200
        except requests.RequestException:
            return False
    assert wait_for(answers, 20), "the gateway did not answer"
    return process, url, tmp_path / f"gateway-metrics-{port}"


@pytest.fixture
def gateway(tmp_path):
    started = []

    def start(processes: int, port: int = None):
        started.append(start_gateway(tmp_path, processes, port))
        return started[-1]
    yield start
    for process, _, _ in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def healthz_count(exposition: str) -> float:
    return sum(sample.value for family in text_string_to_metric_families(exposition)
               for sample in family.samples
               if sample.name == "hub_http_requests_total" and sample.labels == HEALTHZ)


def start_times(exposition: str) -> list:
    """What HubProcessRestarting watches (deploy/prometheus/rules/processes.yml)."""
    return [sample.value for family in text_string_to_metric_families(exposition) for sample in family.samples
            if sample.name == "process_start_time_seconds"]


def counts_by_process(directory) -> dict:
    """Each process's own /healthz count, read from its file alone."""
    counts = {}
    for path in directory.glob("counter_*.db"):
        alone = directory.parent / f"alone-{path.stem}"
        alone.mkdir()
        shutil.copy(path, alone)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(alone))
        counts[int(path.stem.split("_")[1])] = sum(
            sample.value for metric in registry.collect() for sample in metric.samples
            if sample.name == "hub_http_requests_total" and sample.labels == HEALTHZ)
        shutil.rmtree(alone)
    return counts


def test_one_scrape_sums_every_process_and_keeps_the_counts_of_one_that_ended(gateway):
    process, url, directory = gateway(2)
    assert wait_for(lambda: len(children_of(process.pid)) == 1)
    [child] = children_of(process.pid)
    before = healthz_count(requests.get(f"{url}/metrics").text)  # the fixture's own checks
    sent = 60
    for _ in range(sent):  # a new connection each: the kernel spreads them over both processes (SO_REUSEPORT)
        assert requests.get(f"{url}/healthz", headers={"Connection": "close"}, timeout=2).status_code == 200
    by_process = counts_by_process(directory)
    assert set(by_process) == {process.pid, child}
    assert all(count > 0 for count in by_process.values()), by_process  # both served some
    scrapes = [healthz_count(requests.get(f"{url}/metrics", headers={"Connection": "close"}).text)
               for _ in range(6)]  # whichever process answers the scrape, it answers for both
    assert scrapes == [before + sent] * 6
    started = [start_times(requests.get(f"{url}/metrics", headers={"Connection": "close"}).text) for _ in range(6)]
    assert all(len(times) == 1 for times in started) and len(set(map(tuple, started))) == 1, started  # one, stable

    assert (directory / f"gauge_livemax_{child}.db").exists()
    os.kill(child, signal.SIGKILL)
    assert wait_for(lambda: not (directory / f"gauge_livemax_{child}.db").exists()), "the ended child's gauges stayed"
    assert healthz_count(requests.get(f"{url}/metrics").text) == before + sent  # counters never go back

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)
    assert not directory.exists(), "the metrics directory outlived the gateway"


def test_a_single_process_keeps_its_metrics_in_memory_as_before(gateway):
    process, url, directory = gateway(1)
    text = requests.get(f"{url}/metrics").text
    assert "process_cpu_seconds_total" in text  # prometheus_client's process collector: single-process mode only
    assert healthz_count(text) >= 1
    assert not directory.exists()


def test_a_restarted_gateway_does_not_count_the_previous_runs_requests(gateway):
    process, url, directory = gateway(2)
    for _ in range(5):
        requests.get(f"{url}/healthz", headers={"Connection": "close"})
    process.kill()  # no clean stop: its files stay behind, as in a restarted container's emptyDir
    process.wait()
    assert wait_for(lambda: not children_of(process.pid))
    assert list(directory.glob("counter_*.db"))
    _, url, again = gateway(2, port=int(directory.name.rsplit("-", 1)[1]))
    assert again == directory
    assert healthz_count(requests.get(f"{url}/metrics").text) < 5  # only the new run's own readiness checks


def test_every_gauge_of_the_gateway_says_how_processes_combine():
    """Without a multiprocess_mode a gauge is exposed once per process (a `pid` label): every process's
    `hub_rate_limit_fallback` instead of whether any is in fallback."""
    found = subprocess.run([sys.executable, "-W", "ignore", "-c", (
        "from gateway.app import create_app\n"
        "create_app()\n"
        "from prometheus_client import REGISTRY, Gauge\n"
        "import json\n"
        "print(json.dumps(sorted(f'{c._name}={c._multiprocess_mode}' for c in REGISTRY._collector_to_names "
        "if isinstance(c, Gauge))))\n")],
        env={**os.environ, "HUB_ENV": "test"}, capture_output=True, text=True, timeout=120)
    assert found.returncode == 0, found.stderr[-2000:]
    gauges = json.loads(found.stdout.strip().splitlines()[-1])
    assert "hub_rate_limit_fallback=livemax" in gauges
    assert [gauge for gauge in gauges if gauge.endswith("=all")] == []
