"""A real Prometheus of a test's own, scraping a running test platform as deploy/prometheus/prometheus.yml scrapes
the deployed hub: one job per hub process kind and one per exporter, named as in production, so that the queries
of the dashboards and rules (tests/dashboard_queries.py) see the labels they will see there.

    with observability_stack(platform, node) as prometheus_url:   # node: tests/brokers.py's, with rabbitmq_prometheus
        ...

It starts Debian's PostgreSQL and Redis exporters (dev/ensure-test-tools.sh installs them) on free ports, pointed
at the shared test servers (read only: the exporters run SELECTs and INFO), and `prometheus` with a generated
configuration: 1 s scrape and evaluation intervals (a short run gets enough samples for rate()), every rule file
of deploy/prometheus/rules. Everything it started is stopped, and its directory deleted, when the block ends,
also on failure.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests
import yaml

from hubkit.testing import free_port
from hubkit.testing_replicas import GATEWAY, base_of

from .dashboard_queries import rule_files

ROOT = Path(__file__).resolve().parents[1]
DEPLOYED_CONFIG = ROOT / "deploy" / "prometheus" / "prometheus.yml"
RULES_DIR = ROOT / "deploy" / "prometheus" / "rules"
HUB_JOBS = (GATEWAY, "accounts", "ideas", "budget", "petitions", "routing", "notifications")
EXPORTER_JOBS = ("rabbitmq", "postgres", "redis")
# what a job of the deployed configuration keeps here: how it asks and what it keeps of the answers; where it
# finds its targets, how it logs in and how often it scrapes are the test's own
KEPT_SCRAPE_SETTINGS = ("metrics_path", "params", "honor_labels", "honor_timestamps", "relabel_configs",
                        "metric_relabel_configs")
SCRAPE_SECONDS = 1
START_SECONDS = 60.0


def postgres_exporter_dsn() -> str:
    """The shared test server (hubkit.testing_databases's HUB_TEST_POSTGRES_URL) in lib/pq's form."""
    url = urlsplit(os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    query = url.query or "sslmode=disable"
    return urlunsplit(("postgresql", url.netloc, url.path or "/postgres", query, ""))


def redis_exporter_address() -> str:
    url = urlsplit(os.environ.get("HUB_REDIS_URL", "redis://127.0.0.1:6379/0"))
    return f"{url.scheme}://{url.hostname}:{url.port or 6379}"


def hub_targets(platform) -> dict:
    """{job: ["127.0.0.1:port", ...]}: every process of the platform where it serves /metrics (each gateway process
    on its HTTP port, each service replica on its <SERVICE>_HTTP_PORT)."""
    targets = {GATEWAY: [f"127.0.0.1:{port}" for port in platform.gateway_ports.values()]}
    for name, port in platform.http_ports.items():
        targets.setdefault(base_of(name), []).append(f"127.0.0.1:{port}")
    return targets


def deployed_jobs() -> dict:
    """{job name: its scrape configuration} in deploy/prometheus/prometheus.yml."""
    deployed = yaml.safe_load(DEPLOYED_CONFIG.read_text(encoding="utf-8")) or {}
    return {job["job_name"]: job for job in deployed.get("scrape_configs", [])}


def prometheus_config(targets: dict) -> dict:
    """The test's configuration: the fixed job names (a job the deployed file also has keeps its paths and
    relabelling), `targets` {job: addresses}, every rule file."""
    unknown = set(targets) - set(HUB_JOBS) - set(EXPORTER_JOBS)
    if unknown:
        raise ValueError(f"jobs the hub does not name: {sorted(unknown)}")
    deployed, scrape_configs = deployed_jobs(), []
    for job in (*HUB_JOBS, *EXPORTER_JOBS):
        if job not in targets:
            continue
        settings = {key: value for key, value in deployed.get(job, {}).items() if key in KEPT_SCRAPE_SETTINGS}
        scrape_configs.append({"job_name": job, **settings, "static_configs": [{"targets": targets[job]}]})
    interval = f"{SCRAPE_SECONDS}s"
    return {"global": {"scrape_interval": interval, "scrape_timeout": interval, "evaluation_interval": interval},
            "rule_files": [str(path) for path in rule_files(RULES_DIR)], "scrape_configs": scrape_configs}


class Program:
    """A program of the stack, in a session of its own (so its children end with it), output in `log`."""

    def __init__(self, name: str, command: list, log: Path, env: dict = None):
        self.name, self.log = name, log
        if shutil.which(command[0]) is None:
            raise RuntimeError(f"{command[0]} not found: run dev/ensure-test-tools.sh (Debian package {name})")
        with open(log, "ab") as output:
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
                                            env={**os.environ, **(env or {})})

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def ensure_running(self):
        if self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.process.returncode}):\n{self.output()}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # whatever is left of its session
        except ProcessLookupError:
            pass
        self.process.wait()


def wait_until(program: Program, url: str, timeout: float = START_SECONDS):
    """Wait until `url` answers 200 while `program` runs."""
    deadline = time.monotonic() + timeout
    while True:
        program.ensure_running()
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{program.name} did not answer on {url}:\n{program.output()}")
        time.sleep(0.2)


def start_exporters(stack: ExitStack, directory: Path) -> dict:
    """The PostgreSQL and Redis exporters, serving; {job: [address]}."""
    postgres, redis = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    exporters = [
        Program("prometheus-postgres-exporter", ["prometheus-postgres-exporter", f"--web.listen-address={postgres}"],
                directory / "postgres-exporter.log", {"DATA_SOURCE_NAME": postgres_exporter_dsn()}),
        Program("prometheus-redis-exporter", ["prometheus-redis-exporter", f"--redis.addr={redis_exporter_address()}",
                                              f"--web.listen-address={redis}"], directory / "redis-exporter.log")]
    for exporter, address in zip(exporters, (postgres, redis)):
        stack.callback(exporter.stop)
        wait_until(exporter, f"http://{address}/metrics")
    return {"postgres": [postgres], "redis": [redis]}


def start_prometheus(stack: ExitStack, directory: Path, targets: dict) -> str:
    """Prometheus serving with the test's configuration; its URL."""
    config = directory / "prometheus.yml"
    config.write_text(yaml.safe_dump(prometheus_config(targets), sort_keys=False), encoding="utf-8")
    address = f"127.0.0.1:{free_port()}"
    prometheus = Program("prometheus", [
        "prometheus", f"--config.file={config}", f"--storage.tsdb.path={directory / 'data'}",
        f"--web.listen-address={address}", "--log.level=warn"], directory / "prometheus.log")
    stack.callback(prometheus.stop)
    url = f"http://{address}"
    wait_until(prometheus, f"{url}/-/ready")
    return url


def wait_for_targets(url: str, jobs: set, timeout: float = 30.0):
    """Wait until Prometheus scraped every target of `jobs` successfully; a target down says why."""
    deadline = time.monotonic() + timeout
    while True:
        active = requests.get(f"{url}/api/v1/targets", timeout=5).json()["data"]["activeTargets"]
        down = [f"{target['labels'].get('job')} {target['scrapeUrl']}: {target['health']} {target['lastError']}"
                for target in active if target["health"] != "up"]
        seen = {target["labels"].get("job") for target in active}
        if not down and jobs <= seen:
            return
        if time.monotonic() > deadline:
            raise TimeoutError("Prometheus cannot scrape every target:\n" + "\n".join(down) +
                               f"\njobs without targets: {sorted(jobs - seen)}")
        time.sleep(0.5)


@contextmanager
def observability_stack(platform, node):
    """Exporters and Prometheus scraping `platform` and its broker `node`; yields Prometheus's URL."""
    directory = Path(tempfile.mkdtemp(prefix="hub-prometheus-"))
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, directory, ignore_errors=True)  # last: after every program stopped
        targets = {**hub_targets(platform), "rabbitmq": [node.prometheus_host_port],
                   **start_exporters(stack, directory)}
        url = start_prometheus(stack, directory, targets)
        wait_for_targets(url, set(targets))
        yield url
