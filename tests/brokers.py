"""RabbitMQ nodes of a test's own: one node to stop and start, or a local 3-node cluster.

The machine's RabbitMQ (5672, 15672, node `rabbit`) is never touched: each node here has its own name
(`hub-test-<random>[-n]@localhost`), its own AMQP, management and Erlang distribution ports, its own HOME (for
the `.erlang.cookie` rabbitmqctl and the node share), data, log and enabled-plugins files, all in one temporary
directory. Only the Erlang port mapper (epmd, port 4369) is shared, as every Erlang node on a machine shares it.
Teardown kills the nodes this helper started (their process group: a clean stop took seconds per node to save
data that is deleted next) and deletes their directory, also when the test failed.

    with RabbitNode.started() as node:           # node.amqp_uri("/"), node.management_url
        node.stop_app(); node.start_app()        # the broker gone and back, the Erlang node kept
    with RabbitCluster.started(3) as cluster:    # cluster.amqp_uri(vhost): every node, kombu's failover form
        cluster.stop_node(cluster.leader_of("rpc-petitions", vhost)); cluster.start_node(...)
    with RabbitNode.started(plugins=("rabbitmq_prometheus",)) as node:  # node.prometheus_url: its /metrics
"""
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

from hubkit.testing import free_port

# Where the Debian package puts the real scripts (/usr/sbin/rabbitmqctl is a wrapper that switches to the
# `rabbitmq` user and its HOME, which would give the CLI the machine's cookie instead of the test's).
RABBITMQ_BIN = Path(os.environ.get("HUB_TEST_RABBITMQ_BIN", "/usr/lib/rabbitmq/bin"))
START_SECONDS = 90.0  # a node boots in ~10 s on an idle machine; two busy cores shared with other tests are slower


class RabbitNode:
    """One RabbitMQ node in `directory`; `start()` runs it, `stop()` ends it (its data is kept for a restart)."""

    def __init__(self, directory: Path, name: str, cookie: str, plugins: tuple = ()):
        """`plugins`: enabled besides rabbitmq_management; rabbitmq_prometheus gets a free port (`prometheus_port`)."""
        self.directory, self.name = directory, name
        self.amqp_port, self.management_port, self.dist_port = free_port(), free_port(), free_port()
        # the plugin's default port (15692) is the machine's own broker's
        self.prometheus_port = free_port() if "rabbitmq_prometheus" in plugins else None
        self.process = None
        home = directory / "home"
        for path in (home, directory / "mnesia", directory / "log"):
            path.mkdir(parents=True, exist_ok=True)
        cookie_file = home / ".erlang.cookie"
        cookie_file.write_text(cookie, encoding="ascii")
        cookie_file.chmod(0o400)  # Erlang refuses a cookie others may read
        (directory / "enabled_plugins").write_text(f"[{','.join(['rabbitmq_management', *plugins])}].\n",
                                                    encoding="ascii")
        # /metrics with per-queue series and alarms, as deployed (deploy/rabbitmq/conf.d/20-prometheus.conf)
        prometheus = (f"prometheus.tcp.port = {self.prometheus_port}\nprometheus.tcp.ip = 127.0.0.1\n"
                      "prometheus.return_per_object_metrics = true\n" if self.prometheus_port else "")
        (directory / "rabbitmq.conf").write_text(
            f"listeners.tcp.1 = 127.0.0.1:{self.amqp_port}\n"
            f"management.tcp.port = {self.management_port}\nmanagement.tcp.ip = 127.0.0.1\n{prometheus}",
            encoding="ascii")
        self.env = {**os.environ, "HOME": str(home), "RABBITMQ_NODENAME": name,
                    "RABBITMQ_NODE_PORT": str(self.amqp_port), "RABBITMQ_DIST_PORT": str(self.dist_port),
                    "RABBITMQ_CONFIG_FILE": str(directory / "rabbitmq.conf"),
                    "RABBITMQ_MNESIA_BASE": str(directory / "mnesia"), "RABBITMQ_LOG_BASE": str(directory / "log"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(directory / "enabled_plugins")}

    @classmethod
    @contextmanager
    def started(cls, plugins: tuple = ()):
        """A node of the test's own, running, removed with its directory when the block ends."""
        directory = Path(tempfile.mkdtemp(prefix="hub-rabbit-"))
        node = cls(directory, f"hub-test-{secrets.token_hex(4)}@localhost", secrets.token_hex(16), plugins)
        try:
            node.start()
            yield node
        finally:
            node.kill()
            shutil.rmtree(directory, ignore_errors=True)

    @property
    def amqp_host_port(self) -> str:
        return f"127.0.0.1:{self.amqp_port}"

    @property
    def management_url(self) -> str:
        return f"http://127.0.0.1:{self.management_port}"

    @property
    def prometheus_host_port(self) -> str:
        """Where rabbitmq_prometheus serves /metrics (a node started with that plugin)."""
        if self.prometheus_port is None:
            raise RuntimeError(f"{self.name} runs without the rabbitmq_prometheus plugin")
        return f"127.0.0.1:{self.prometheus_port}"

    def amqp_uri(self, vhost: str = "/", user: str = "guest", password: str = "guest") -> str:
        return f"amqp://{user}:{password}@{self.amqp_host_port}/{requests.utils.quote(vhost, safe='')}"

    def start(self):
        """Run the node (a new one, or again after `stop()` with its data) and wait until it serves."""
        self.launch()
        self.await_running()

    def launch(self):
        server = RABBITMQ_BIN / "rabbitmq-server"
        if not server.exists():
            raise RuntimeError(f"{server} not found: install rabbitmq-server (Debian package) or set "
                               "HUB_TEST_RABBITMQ_BIN to the directory of its scripts")
        with open(self.directory / "server.out", "ab") as log:
            self.process = subprocess.Popen([str(server)], env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def await_running(self, timeout: float = START_SECONDS):
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited at start:\n{self.server_output()[-3000:]}")
            # await_startup fails at once while the node has not registered its name yet: ask again
            if self.ctl("await_startup", "--timeout", "30", check=False).returncode == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} did not start:\n{self.server_output()[-3000:]}")
            time.sleep(0.5)

    def server_output(self) -> str:
        path = self.directory / "server.out"
        return path.read_text(errors="replace") if path.exists() else ""

    def ctl(self, *arguments: str, check: bool = True, timeout: float = 120.0) -> subprocess.CompletedProcess:
        """`rabbitmqctl -n <this node> ...`, with this node's HOME (so its cookie)."""
        done = subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.name, "-q", *arguments],
                              env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(arguments)} on {self.name}: {done.stdout}{done.stderr}")
        return done

    def stop_app(self):
        """The broker stops (every connection closed, ports shut); the Erlang node keeps running."""
        self.ctl("stop_app")

    def start_app(self):
        self.ctl("start_app")

    def stop(self):
        """End the node; its data stays for `start()`."""
        self.terminate()
        self.wait_stopped()

    def kill(self):
        """End the node at once (SIGKILL to its process group): for a node whose data goes with it."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # its Erlang VM and helpers share the session we gave it
        except ProcessLookupError:
            pass
        self.process.wait()

    def terminate(self):
        """Ask the node to stop (rabbitmq-server stops it cleanly on SIGTERM) without waiting."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def wait_stopped(self, timeout: float = 60.0):
        """Wait for the node to end; whatever is left of it then is killed."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        self.kill()


def side_by_side(action, nodes: list):
    """`action(node)` for every node at once; the first failure raises once all are done."""
    with ThreadPoolExecutor(len(nodes)) as pool:
        for done in [pool.submit(action, node) for node in nodes]:
            done.result()


class RabbitCluster:
    """`size` nodes clustered with `join_cluster`, sharing one cookie; `nodes[0]` is the first one."""

    def __init__(self, directory: Path, size: int):
        prefix, cookie = f"hub-test-{secrets.token_hex(4)}", secrets.token_hex(16)
        self.nodes = [RabbitNode(directory / f"node{number}", f"{prefix}-{number}@localhost", cookie)
                      for number in range(1, size + 1)]

    @classmethod
    @contextmanager
    def started(cls, size: int = 3):
        directory = Path(tempfile.mkdtemp(prefix="hub-rabbit-cluster-"))
        cluster = cls(directory, size)
        try:
            cluster.start()
            yield cluster
        finally:
            for node in cluster.nodes:
                node.kill()
            shutil.rmtree(directory, ignore_errors=True)

    def start(self):
        for node in self.nodes:  # booted side by side, then joined one by one
            node.launch()
        for node in self.nodes:
            node.await_running()
        first, others = self.nodes[0], self.nodes[1:]
        # Each rabbitmqctl call boots an Erlang VM (seconds): the others stop and start side by side; they join one
        # by one (a stopped node joins a running one, and stays a member while stopped).
        side_by_side(RabbitNode.stop_app, others)
        for node in others:
            node.ctl("join_cluster", first.name)
        side_by_side(RabbitNode.start_app, others)
        running = first.ctl("eval", "length(rabbit_nodes:all_running()).").stdout.strip()
        if running != str(len(self.nodes)):
            raise RuntimeError(f"the cluster runs {running} nodes, not {len(self.nodes)}")

    def node(self, name: str) -> RabbitNode:
        return next(node for node in self.nodes if node.name == name)

    def running(self) -> list:
        return [node for node in self.nodes if node.process is not None and node.process.poll() is None]

    @property
    def management_url(self) -> str:
        """A running node's management API (every node answers for the whole cluster)."""
        return self.running()[0].management_url

    @property
    def amqp_host_ports(self) -> list:
        return [node.amqp_host_port for node in self.nodes]

    def amqp_uri(self, vhost: str = "/", user: str = "guest", password: str = "guest") -> str:
        """Every node, in kombu's failover form (`amqp://...;amqp://...`): a client tries them in turn."""
        return ";".join(node.amqp_uri(vhost, user, password) for node in self.nodes)

    def stop_node(self, name: str):
        self.node(name).stop()

    def start_node(self, name: str):
        """Run a stopped node again: it rejoins the cluster from its own data."""
        self.node(name).start()

    def leader_of(self, queue: str, vhost: str) -> str:
        """The node leading queue `queue` (a quorum queue's leader; a classic queue's home node)."""
        answer = requests.get(f"{self.management_url}/api/queues/{requests.utils.quote(vhost, safe='')}/{queue}",
                              auth=("guest", "guest"), timeout=10)
        answer.raise_for_status()
        found = answer.json()
        return found.get("leader") or found["node"]
