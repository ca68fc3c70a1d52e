"""Static contract between the code and the deployment files (no Docker engine needed).

docker-compose.yml, deploy/prometheus/prometheus.yml, deploy/postgres/init.sql, the Dockerfile
and .dockerignore must keep up with the code: every service package is deployed (migrated,
health-checked, scraped), every environment variable given to a hub container is one the code
reads, every `depends_on` condition can be met, and the image holds every path it needs. Without
the dev profile only the gateway publishes a port, and each service and the gateway reaches the
broker and Redis as its own user (deploy/rabbitmq/users.py, deploy/redis/users.py).

Each `check_*` function returns a list of problems (empty when the contract holds); the
`test_broken_*` tests feed them deliberately broken copies to prove they can fail.
"""
import copy
import fnmatch
import importlib
import importlib.util
import re
import shlex
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("lib", "services", "gateway")
GATEWAY = "gateway"
# A one-shot job running a deployment script (deploy/<name>/users.py) mounted from the repository.
DEPLOY_SCRIPT = re.compile(r"/opt/hub-deploy/(\w+)/users\.py\b")
DEV_PROFILE = "dev"

# Reads of one named variable: env_str("NAME", ...), env_int('NAME', ...), env_optional_bool("NAME"),
# os.environ.get("NAME"), os.environ["NAME"], os.getenv("NAME").
_EXACT_READS = [
    re.compile(r"""\benv_(?:optional_)?(?:str|int|float|bool|secret)\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\bos\.environ(?:\.get\(|\[)\s*["']([A-Z][A-Z0-9_]*)["']"""),
    re.compile(r"""\bos\.getenv\(\s*["']([A-Z][A-Z0-9_]*)["']"""),
]
# Per-service names built from the service's name: f"{service.upper()}_DATABASE_URL",
# service.upper() + '_HTTP_PORT'. Only the suffix is kept; the prefix must be a service package.
_TEMPLATE_READS = [
    re.compile(r"""\{\s*\w+\.upper\(\)\s*\}(_[A-Z0-9_]+)"""),
    re.compile(r"""\b\w+\.upper\(\)\s*\+\s*["'](_[A-Z0-9_]+)["']"""),
]
# $$, ${NAME}, ${NAME:-default} (and -, :?, ?, :+, +), $NAME
_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}"
                            r"|\$([A-Za-z_][A-Za-z0-9_]*)")


# --- loading -----------------------------------------------------------------------------------

def load_yaml(relative: str) -> dict:
    return yaml.safe_load((ROOT / relative).read_text(encoding="utf-8"))


def deploy_module(name: str, root: Path = ROOT):
    """deploy/<name>/users.py, loaded (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location(f"hub_deploy_{name}_users", root / "deploy" / name / "users.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def service_packages(root: Path = ROOT) -> list:
    """Every services/<name>/ holding a package services/<name>/<name>/__init__.py."""
    return sorted(p.parent.parent.name for p in (root / "services").glob("*/*/__init__.py")
                  if p.parent.name == p.parent.parent.name)


def _source_files(root: Path):
    for directory in CODE_DIRS:
        for path in sorted((root / directory).rglob("*.py")):
            parts = path.relative_to(root).parts
            if any(part in ("tests", "build") or part.endswith(".egg-info") for part in parts):
                continue
            if path.name.startswith("test_") or path.name == "conftest.py":
                continue
            yield path


def settings_variables(packages: list) -> set:
    """The variables each service's one settings object (`<name>.settings`, pydantic-settings) reads."""
    from pydantic_settings import BaseSettings
    names = set()
    for package in packages:
        module = importlib.import_module(f"{package}.settings")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseSettings) and value is not BaseSettings:
                prefix = value.model_config.get("env_prefix", "")
                for field_name, field in value.model_fields.items():
                    alias = field.validation_alias
                    choices = getattr(alias, "choices", None) or ([alias] if isinstance(alias, str) else [])
                    names.update(choice for choice in choices if isinstance(choice, str))
                    if not choices:
                        names.add((prefix + field_name).upper())
    return names


def env_reads(root: Path = ROOT) -> tuple:
    """(names the code reads, suffixes of the per-service names it builds), from the sources and the services'
    settings objects."""
    names = settings_variables(service_packages(root)) if root == ROOT else set()
    suffixes = set()
    for path in _source_files(root):
        text = path.read_text(encoding="utf-8")
        for pattern in _EXACT_READS:
            names.update(pattern.findall(text))
        for pattern in _TEMPLATE_READS:
            suffixes.update(pattern.findall(text))
    return names, suffixes


def http_port_default(package: str, root: Path = ROOT):
    """The HTTP_PORT constant of services/<name>/<name>/cli.py (what `run` binds without env)."""
    cli = root / "services" / package / package / "cli.py"
    if not cli.exists():
        return None
    match = re.search(r"^HTTP_PORT\s*=\s*(\d+)", cli.read_text(encoding="utf-8"), re.MULTILINE)
    return int(match.group(1)) if match else None


def gateway_port_default(root: Path = ROOT):
    text = (root / "gateway" / "gateway" / "__main__.py").read_text(encoding="utf-8")
    match = re.search(r"""env_int\(\s*["']HUB_PORT["']\s*,\s*(\d+)""", text)
    return int(match.group(1)) if match else None


# --- reading compose data ------------------------------------------------------------------------

def interpolate(value) -> str:
    """A compose value as it would be with no variable set: `${X:-default}` gives the default."""
    def replace(match):
        if match.group(0) == "$$":
            return "$"
        operator, default = match.group(2), match.group(3)
        if operator in (":-", "-"):
            return interpolate(default)
        return ""
    return _INTERPOLATION.sub(replace, str(value))


def environment(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):
        pairs = (item.split("=", 1) if "=" in item else (item, None) for item in env)
        env = {key: value for key, value in pairs}
    return {key: (None if value is None else interpolate(value)) for key, value in env.items()}


def command_text(service: dict) -> str:
    command = service.get("command") or ""
    tokens = shlex.split(command) if isinstance(command, str) else [str(token) for token in command]
    return " ".join(tokens)


def depends_on(service: dict) -> dict:
    """{target: condition}; the short (list) form means service_started."""
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {target: "service_started" for target in deps}
    return {target: (spec or {}).get("condition", "service_started") for target, spec in deps.items()}


def is_hub_container(service: dict, root: Path = ROOT) -> bool:
    """Built from the repository's Dockerfile."""
    build = service.get("build")
    if build is None:
        return False
    if isinstance(build, str):
        build = {"context": build}
    context = (root / build.get("context", ".")).resolve()
    return context == root.resolve() and build.get("dockerfile", "Dockerfile") == "Dockerfile"


def is_one_shot(service: dict) -> bool:
    """A job that runs to completion: never restarted (`restart: "no"`, compose's default), no healthcheck."""
    return service.get("restart", "no") in ("no", False) and "healthcheck" not in service


def awaited_jobs(compose: dict) -> set:
    """Services some other service waits for with condition service_completed_successfully."""
    return {target for service in (compose.get("services") or {}).values()
            for target, condition in depends_on(service).items() if condition == "service_completed_successfully"}


def has_healthcheck(service: dict) -> bool:
    check = service.get("healthcheck") or {}
    test = check.get("test")
    if check.get("disable") or not test:
        return False
    return not (isinstance(test, list) and test[:1] == ["NONE"])


def healthcheck_text(service: dict) -> str:
    test = (service.get("healthcheck") or {}).get("test") or ""
    return " ".join(test) if isinstance(test, list) else str(test)


def service_port(package: str, service: dict, root: Path = ROOT):
    port = environment(service).get(f"{package.upper()}_HTTP_PORT")
    return int(port) if port else http_port_default(package, root)


def gateway_port(service: dict, root: Path = ROOT):
    port = environment(service).get("HUB_PORT")
    return int(port) if port else gateway_port_default(root)


# --- the checks ----------------------------------------------------------------------------------

def check_service_packages_deployed(compose: dict, packages: list) -> list:
    """Each service package runs in a compose service of its name, after its migrations ran."""
    problems, services = [], compose.get("services") or {}
    for package in packages:
        service = services.get(package)
        if service is None:
            problems.append(f"services/{package} has no compose service named {package!r}")
            continue
        if not is_hub_container(service):
            problems.append(f"compose service {package!r} is not built from the repository's Dockerfile")
        command = command_text(service)
        run = re.search(rf"\bpython -m {package} run\b", command)
        if not run:
            problems.append(f"compose service {package!r} does not run `python -m {package} run`")
            continue
        if re.search(rf"\bpython -m {package} migrate\b", command[:run.start()]):
            continue  # migrates then runs, in one command
        migrators = [name for name, condition in depends_on(service).items()
                     if condition == "service_completed_successfully"
                     and re.search(rf"\bpython -m {package} migrate\b", command_text(services.get(name) or {}))]
        if not migrators:
            problems.append(f"compose service {package!r} may start before `python -m {package} migrate` "
                            f"ran: no depends_on with condition service_completed_successfully on a job running it")
    return problems


def check_hub_healthchecks(compose: dict, packages: list) -> list:
    """Every long-running container built from the Dockerfile has a healthcheck on its own port."""
    problems = []
    for name, service in (compose.get("services") or {}).items():
        if not is_hub_container(service):
            continue
        if is_one_shot(service) and name in awaited_jobs(compose):
            continue  # a job (migrations) others wait for with service_completed_successfully
        if not has_healthcheck(service):
            problems.append(f"hub container {name!r} has no healthcheck")
            continue
        text = healthcheck_text(service)
        if name in packages:
            port = service_port(name, service)
            if f":{port}/healthz" not in text:
                problems.append(f"healthcheck of {name!r} does not probe :{port}/healthz: {text}")
        elif name == GATEWAY:
            port = gateway_port(service)
            if f":{port}/readyz" not in text:
                problems.append(f"healthcheck of {name!r} does not probe :{port}/readyz: {text}")
    return problems


def deploy_script(service: dict):
    """The deploy/<name> a job runs (`python /opt/hub-deploy/<name>/users.py ...`), or None."""
    match = DEPLOY_SCRIPT.search(command_text(service))
    return match.group(1) if match else None


def check_environment_read(compose: dict, names: set, suffixes: set, packages: list) -> list:
    """Every variable set for a hub container is read by the code (no typo, no dead setting); a deployment
    job's, by its script."""
    templated = {package.upper() + suffix for package in packages for suffix in suffixes}
    problems = []
    for name, service in (compose.get("services") or {}).items():
        if not is_hub_container(service):
            continue
        script = deploy_script(service)
        if script is not None:
            reads = deploy_module(script).environment_variables()
            for variable in environment(service):
                if variable not in reads and variable.removesuffix("_FILE") not in reads:
                    problems.append(f"compose service {name!r} sets {variable}, which deploy/{script}/users.py "
                                    f"does not read")
            continue
        for variable in environment(service):
            secret_file = variable.endswith("_FILE") and variable.removesuffix("_FILE") in names  # env_secret's
            if variable not in names and variable not in templated and not secret_file:
                problems.append(f"compose service {name!r} sets {variable}, which no code under "
                                f"{', '.join(CODE_DIRS)} reads")
    return problems


def check_dockerfile_environment_read(dockerfile: str, names: set) -> list:
    """Hub settings baked into the image (ENV HUB_...) are read by the code too."""
    problems = []
    for variable in re.findall(r"(?:^|\s)(HUB_[A-Z0-9_]+)=", " ".join(_dockerfile_instructions(dockerfile, "ENV"))):
        if variable not in names:
            problems.append(f"Dockerfile sets ENV {variable}, which no code reads")
    return problems


def check_bind_addresses(compose: dict, packages: list) -> list:
    """Processes listen on every interface in their container, or nobody else can reach them."""
    services, problems = compose.get("services") or {}, []
    for package in packages:
        if package in services and environment(services[package]).get("HUB_BIND_HOST") != "0.0.0.0":
            problems.append(f"compose service {package!r} must set HUB_BIND_HOST=0.0.0.0 "
                            f"(its /metrics would only listen on 127.0.0.1 in the container)")
    if GATEWAY in services and environment(services[GATEWAY]).get("HUB_HOST") != "0.0.0.0":
        problems.append("compose service 'gateway' must set HUB_HOST=0.0.0.0")
    return problems


def check_prometheus_scrapes(compose: dict, prometheus: dict, packages: list) -> list:
    """Each service's and the gateway's /metrics is scraped, in a job named after it."""
    services, problems = compose.get("services") or {}, []
    jobs = {job.get("job_name"): job for job in prometheus.get("scrape_configs") or []}
    expected = {}
    for package in packages:
        if package in services:
            expected[package] = service_port(package, services[package])
    if GATEWAY in services:
        expected[GATEWAY] = gateway_port(services[GATEWAY])
    else:
        problems.append("docker-compose.yml has no 'gateway' service")
    for name, port in expected.items():
        if port is None:
            problems.append(f"cannot tell which port {name!r} serves /metrics on")
            continue
        job = jobs.get(name)
        if job is None:
            problems.append(f"prometheus.yml has no scrape job named {name!r}")
            continue
        targets = {target for config in job.get("static_configs") or [] for target in config.get("targets") or []}
        if f"{name}:{port}" not in targets:
            problems.append(f"prometheus job {name!r} does not scrape {name}:{port} (targets: {sorted(targets)})")
        if job.get("metrics_path", "/metrics") != "/metrics":
            problems.append(f"prometheus job {name!r} scrapes {job['metrics_path']}, not /metrics")
    if "prometheus" not in services:
        problems.append("docker-compose.yml has no 'prometheus' service")
    elif not any("deploy/prometheus/prometheus.yml" in str(volume)
                 for volume in services["prometheus"].get("volumes") or []):
        problems.append("the prometheus service does not mount deploy/prometheus/prometheus.yml")
    interval = (prometheus.get("global") or {}).get("scrape_interval")
    if interval != "15s":
        problems.append(f"global scrape_interval is {interval!r}, expected '15s'")
    return problems


def check_depends_on(compose: dict) -> list:
    """Every depends_on target exists and its condition can be met."""
    services, problems = compose.get("services") or {}, []
    for name, service in services.items():
        for target, condition in depends_on(service).items():
            if target not in services:
                problems.append(f"{name!r} depends on {target!r}, which is not a compose service")
            elif condition == "service_healthy" and not has_healthcheck(services[target]):
                problems.append(f"{name!r} waits for {target!r} to be healthy, but {target!r} has no healthcheck")
            elif condition == "service_completed_successfully" and not is_one_shot(services[target]):
                problems.append(f"{name!r} waits for {target!r} to complete, but {target!r} is not a one-shot "
                                f"job (restart: \"no\", no healthcheck)")
            elif condition not in ("service_started", "service_healthy", "service_completed_successfully"):
                problems.append(f"{name!r} depends on {target!r} with unknown condition {condition!r}")
    return problems


def check_connections(compose: dict, packages: list, init_sql: str) -> list:
    """Broker, Redis, databases and SMTP URLs name compose services the container waits for."""
    services, problems = compose.get("services") or {}, []
    created = {match.lower() for match in re.findall(r"CREATE\s+DATABASE\s+\"?(\w+)\"?", init_sql, re.IGNORECASE)}
    url_variables = ["HUB_AMQP_URI", "HUB_REDIS_URL", "HUB_MAIL_URL"] + [f"{p.upper()}_DATABASE_URL" for p in packages]
    for name, service in services.items():
        if not is_hub_container(service):
            continue
        env, waits_for = environment(service), depends_on(service)
        for variable in url_variables:
            if not env.get(variable):
                continue
            url = urlparse(env[variable])
            if url.scheme == "file":
                continue
            if url.hostname not in services:
                problems.append(f"{name!r}: {variable} points at {url.hostname!r}, which is not a compose service")
                continue
            if url.hostname not in waits_for and not (variable == "HUB_MAIL_URL"):
                problems.append(f"{name!r} uses {url.hostname!r} ({variable}) without depends_on it")
            if variable.endswith("_DATABASE_URL"):
                database = url.path.lstrip("/")
                if url.scheme.startswith("postgres") and database.lower() not in created:
                    problems.append(f"{name!r}: database {database!r} of {variable} is not created by "
                                    f"deploy/postgres/init.sql")
    for package in packages:
        service = services.get(package)
        if service is not None and not environment(service).get(f"{package.upper()}_DATABASE_URL"):
            problems.append(f"compose service {package!r} does not set {package.upper()}_DATABASE_URL "
                            f"(it would use a SQLite file inside its container)")
    return problems


def check_gateway_knows_services(compose: dict, packages: list) -> list:
    """HUB_SERVICES lists every service (readiness, GDPR export) and the gateway waits for each."""
    gateway = (compose.get("services") or {}).get(GATEWAY)
    if gateway is None:
        return ["docker-compose.yml has no 'gateway' service"]
    problems = []
    if not is_hub_container(gateway):
        problems.append("compose service 'gateway' is not built from the repository's Dockerfile")
    listed = [s for s in (environment(gateway).get("HUB_SERVICES") or "").split(",") if s]
    if sorted(listed) != sorted(packages):
        problems.append(f"gateway HUB_SERVICES is {listed}, expected the service packages {packages}")
    waits_for = depends_on(gateway)
    for package in packages:
        if waits_for.get(package) != "service_healthy":
            problems.append(f"gateway does not wait for {package!r} with condition service_healthy")
    return problems


def is_production(service: dict) -> bool:
    """Started by `docker compose up` without `--profile dev` (no profile, or a `production` one)."""
    profiles = service.get("profiles") or []
    return not profiles or "production" in profiles


def check_production_ports(compose: dict) -> list:
    """Without the dev profile, only the gateway publishes a port (no Mailpit, Prometheus, RabbitMQ
    management or Redis on the host); the gateway does."""
    problems = []
    for name, service in (compose.get("services") or {}).items():
        if is_production(service) and service.get("ports") and name != GATEWAY:
            problems.append(f"{name!r} publishes {service['ports']} in production: give it `profiles: [dev]` or "
                            f"drop its ports")
    gateway = (compose.get("services") or {}).get(GATEWAY) or {}
    if not gateway.get("ports") or not is_production(gateway):
        problems.append("the gateway publishes no port in production")
    return problems


def _user_job(compose: dict, script: str):
    """(name, service) of the job that runs deploy/<script>/users.py, or (None, None)."""
    for name, service in (compose.get("services") or {}).items():
        if is_hub_container(service) and deploy_script(service) == script:
            return name, service
    return None, None


def _check_job(compose: dict, script: str, names: list) -> tuple:
    """The job running deploy/<script>/users.py: mounts the script, sets a password for each of `names`."""
    job_name, job = _user_job(compose, script)
    if job is None:
        return None, {}, [f"no one-shot job runs deploy/{script}/users.py"]
    problems = []
    if not any(str(volume).startswith(f"./deploy/{script}:/opt/hub-deploy/{script}")
               for volume in job.get("volumes") or []):
        problems.append(f"{job_name!r} does not mount ./deploy/{script} at /opt/hub-deploy/{script}")
    env = environment(job)
    for identity in names:
        variable = deploy_module(script).env_key(identity)
        if not env.get(variable) and not env.get(variable + "_FILE"):
            problems.append(f"{job_name!r} sets no {variable}: {script} user {identity!r} would have no password")
    return job_name, env, problems


def _credentials(url: str) -> tuple:
    parsed = urlparse(url)
    return parsed.username, parsed.password, parsed.path.lstrip("/")


def check_broker_users(compose: dict, packages: list) -> list:
    """Each service and the gateway reaches RabbitMQ as its own user (deploy/rabbitmq/users.py), with the password
    rabbitmq-users gave it, on the vhost it created, after it ran; none may declare another's exchange."""
    services = compose.get("services") or {}
    identities = [identity.name for identity in deploy_module("rabbitmq").IDENTITIES]
    job_name, job_env, problems = _check_job(compose, "rabbitmq", identities)
    if job_name is None:
        return problems
    for name in packages + [GATEWAY]:
        service = services.get(name)
        if service is None:
            continue
        env = environment(service)
        user, password, vhost = _credentials(env.get("HUB_AMQP_URI") or "")
        if user != name:
            problems.append(f"{name!r} reaches the broker as {user!r}, not as its own user {name!r}")
        if name not in identities:
            problems.append(f"{name!r} has no user in deploy/rabbitmq/users.py")
            continue
        if password != job_env.get(deploy_module("rabbitmq").env_key(name)):
            problems.append(f"{name!r}: the password in HUB_AMQP_URI is not the one {job_name!r} sets for it")
        if vhost != job_env.get("RABBITMQ_VHOST"):
            problems.append(f"{name!r} uses vhost {vhost!r}, {job_name!r} creates {job_env.get('RABBITMQ_VHOST')!r}")
        if depends_on(service).get(job_name) != "service_completed_successfully":
            problems.append(f"{name!r} does not wait for {job_name!r} (service_completed_successfully)")
        if name != GATEWAY and env.get("HUB_AMQP_DECLARE_EVENT_EXCHANGES") != "0":
            problems.append(f"{name!r} does not set HUB_AMQP_DECLARE_EVENT_EXCHANGES=0: it would declare the events "
                            f"exchanges of the services it listens to, which its user may not")
    return problems


def check_redis_users(compose: dict) -> list:
    """Each container that uses Redis does so as its own ACL user (deploy/redis/users.py), with the password the
    redis-users job hashed for it; Redis loads that job's ACL file."""
    services = compose.get("services") or {}
    users = [user.name for user in deploy_module("redis").USERS]
    job_name, job_env, problems = _check_job(compose, "redis", users)
    if job_name is None:
        return problems
    for name, service in services.items():
        url = environment(service).get("HUB_REDIS_URL") if is_hub_container(service) else None
        if not url:
            continue
        user, password, _ = _credentials(url)
        if user != name or name not in users:
            problems.append(f"{name!r} reaches Redis as {user!r}, not as its own ACL user")
        elif password != job_env.get(deploy_module("redis").env_key(name)):
            problems.append(f"{name!r}: the password in HUB_REDIS_URL is not the one {job_name!r} sets for it")
    redis_service = services.get("redis") or {}
    if "--aclfile" not in command_text(redis_service):
        problems.append("redis does not start with --aclfile: anyone on the network may use it without a password")
    if depends_on(redis_service).get(job_name) != "service_completed_successfully":
        problems.append(f"redis does not wait for {job_name!r} (its ACL file)")
    return problems


def _dockerfile_instructions(dockerfile: str, keyword: str) -> list:
    joined = re.sub(r"\\\n", " ", dockerfile)
    lines = [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [line[len(keyword):].strip() for line in lines if line.upper().startswith(keyword + " ")]


def _normalise(path: str) -> str:
    path = path.strip().strip('"')
    while path.startswith("./"):
        path = path[2:]
    return path.rstrip("/") or "."


def check_dockerfile(dockerfile: str, dockerignore: str, packages: list, root: Path = ROOT) -> list:
    """The image copies and installs everything the processes need, and runs as a non-root user."""
    problems = []
    froms = _dockerfile_instructions(dockerfile, "FROM")
    if not froms or not froms[-1].split()[0].startswith("python:3.11"):
        problems.append(f"the image is not based on python:3.11 (FROM {froms})")
    copied = set()
    for instruction in _dockerfile_instructions(dockerfile, "COPY"):
        parts = [part for part in shlex.split(instruction) if not part.startswith("--")]
        copied.update(_normalise(part) for part in parts[:-1])
    needed = ["requirements.txt", "lib", "services", "gateway"]
    for path in needed:
        if path not in copied and "." not in copied:
            problems.append(f"the Dockerfile does not COPY {path}")
        if not (root / path).exists():
            problems.append(f"{path} does not exist in the repository")
    ignored = [line.strip() for line in dockerignore.splitlines() if line.strip() and not line.startswith("#")]
    for path in needed:
        if any(fnmatch.fnmatch(path, _normalise(pattern)) for pattern in ignored if not pattern.startswith("!")):
            problems.append(f".dockerignore excludes {path}, which the image needs")
    for path in (".venv", "var", ".git"):
        if path not in {_normalise(pattern) for pattern in ignored}:
            problems.append(f".dockerignore does not exclude {path}")
    runs = " ; ".join(_dockerfile_instructions(dockerfile, "RUN"))
    if not re.search(r"pip install[^;&]*-r requirements\.txt", runs):
        problems.append("the Dockerfile does not `pip install -r requirements.txt`")
    if "libpq5" not in runs:
        problems.append("the Dockerfile does not install libpq5 (psycopg 3 needs libpq)")
    installs = " ".join(re.findall(r"pip install[^;&]*", runs))
    install_paths = {_normalise(token) for token in installs.split() if not token.startswith("-")}
    for path in ["lib/hubkit", "gateway"] + [f"services/{package}" for package in packages]:
        if path not in install_paths and not (path.startswith("services/") and "services/*" in install_paths):
            problems.append(f"the Dockerfile does not pip install {path}")
    users = _dockerfile_instructions(dockerfile, "USER")
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the image does not switch to a non-root USER")
    cmd = _dockerfile_instructions(dockerfile, "CMD")
    if not cmd or "gateway" not in cmd[-1]:
        problems.append("the image's default CMD does not run the gateway")
    return problems


# --- the real files ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose():
    return load_yaml("docker-compose.yml")


@pytest.fixture(scope="module")
def prometheus():
    return load_yaml("deploy/prometheus/prometheus.yml")


@pytest.fixture(scope="module")
def dockerfile():
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def dockerignore():
    return (ROOT / ".dockerignore").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def init_sql():
    return (ROOT / "deploy" / "postgres" / "init.sql").read_text(encoding="utf-8")


def test_there_are_service_packages(packages):
    assert "accounts" in packages


def test_the_scanner_sees_what_the_code_reads(reads):
    names, suffixes = reads
    assert {"HUB_AMQP_URI", "HUB_REDIS_URL", "HUB_BIND_HOST", "HUB_PUBLIC_URL", "HUB_ENV", "HUB_MAIL_URL",
            "HUB_SECRET_KEY", "HUB_SERVICES", "HUB_HOST", "HUB_PORT"} <= names
    assert {"_DATABASE_URL", "_HTTP_PORT"} <= suffixes


def test_every_service_package_is_deployed_after_its_migrations(compose, packages):
    assert check_service_packages_deployed(compose, packages) == []


def test_every_hub_container_has_a_healthcheck(compose, packages):
    assert check_hub_healthchecks(compose, packages) == []


def test_every_environment_variable_is_read_by_the_code(compose, reads, packages):
    names, suffixes = reads
    assert check_environment_read(compose, names, suffixes, packages) == []


def test_every_hub_env_baked_in_the_image_is_read(dockerfile, reads):
    assert check_dockerfile_environment_read(dockerfile, reads[0]) == []


def test_processes_listen_beyond_their_container(compose, packages):
    assert check_bind_addresses(compose, packages) == []


def test_every_metrics_endpoint_is_scraped(compose, prometheus, packages):
    assert check_prometheus_scrapes(compose, prometheus, packages) == []


def test_depends_on_conditions_can_be_met(compose):
    assert check_depends_on(compose) == []


def test_connections_point_at_compose_services(compose, packages, init_sql):
    assert check_connections(compose, packages, init_sql) == []


def test_gateway_knows_every_service(compose, packages):
    assert check_gateway_knows_services(compose, packages) == []


def test_the_image_holds_what_it_needs(dockerfile, dockerignore, packages):
    assert check_dockerfile(dockerfile, dockerignore, packages) == []


def test_production_publishes_only_the_gateway(compose):
    assert check_production_ports(compose) == []
    dev_ports = {port for service in compose["services"].values() if not is_production(service)
                 for port in service.get("ports") or []}
    assert {"8025:8025", "15672:15672", "9090:9090"} <= dev_ports


def test_each_container_has_its_own_broker_user(compose, packages):
    assert check_broker_users(compose, packages) == []


def test_each_container_has_its_own_redis_user(compose):
    assert check_redis_users(compose) == []


# --- the checks can fail -------------------------------------------------------------------------

def _mention(problems: list, *words) -> bool:
    return any(all(word in problem for word in words) for problem in problems)


def test_broken_env_name_is_reported(compose, reads, packages):
    broken = copy.deepcopy(compose)
    env = broken["services"]["accounts"]["environment"]
    env["ACCOUNT_DATABASE_URL"] = env.pop("ACCOUNTS_DATABASE_URL")  # typo: the code would use SQLite
    env["HUB_AMPQ_URI"] = "amqp://rabbitmq"
    problems = check_environment_read(broken, *reads, packages)
    assert _mention(problems, "accounts", "ACCOUNT_DATABASE_URL")
    assert _mention(problems, "accounts", "HUB_AMPQ_URI")
    assert _mention(check_connections(broken, packages, "CREATE DATABASE accounts;"), "ACCOUNTS_DATABASE_URL")


def test_per_service_names_need_an_existing_service(compose, reads, packages):
    broken = copy.deepcopy(compose)
    broken["services"]["gateway"]["environment"]["LIBRARIES_DATABASE_URL"] = "postgresql://postgres/libraries"
    problems = check_environment_read(broken, *reads, packages)
    assert _mention(problems, "gateway", "LIBRARIES_DATABASE_URL")
    assert not check_environment_read(broken, *reads, packages + ["libraries"])


def test_missing_healthcheck_is_reported(compose, packages):
    broken = copy.deepcopy(compose)
    del broken["services"]["accounts"]["healthcheck"]
    assert _mention(check_hub_healthchecks(broken, packages), "accounts", "no healthcheck")
    assert _mention(check_depends_on(broken), "gateway", "accounts", "no healthcheck")


def test_healthcheck_on_the_wrong_port_is_reported(compose, prometheus, packages):
    broken = copy.deepcopy(compose)
    broken["services"]["accounts"]["environment"]["ACCOUNTS_HTTP_PORT"] = "9101"
    assert _mention(check_hub_healthchecks(broken, packages), "accounts", ":9101/healthz")
    assert _mention(check_prometheus_scrapes(broken, prometheus, packages), "accounts:9101")


def test_unawaited_job_without_healthcheck_is_reported(compose, packages):
    broken = copy.deepcopy(compose)
    del broken["services"]["accounts"]["depends_on"]["accounts-migrate"]
    assert _mention(check_hub_healthchecks(broken, packages), "accounts-migrate", "no healthcheck")


def test_new_service_package_without_deployment_is_reported(compose, prometheus, packages):
    with_libraries = packages + ["libraries"]
    assert _mention(check_service_packages_deployed(compose, with_libraries), "services/libraries")
    assert _mention(check_gateway_knows_services(compose, with_libraries), "HUB_SERVICES")
    broken = copy.deepcopy(compose)
    broken["services"]["libraries"] = copy.deepcopy(broken["services"]["accounts"])
    broken["services"]["libraries"]["command"] = ["python", "-m", "libraries", "run"]
    broken["services"]["libraries"]["environment"]["LIBRARIES_HTTP_PORT"] = "8199"
    assert _mention(check_prometheus_scrapes(broken, prometheus, with_libraries), "'libraries'")
    assert _mention(check_service_packages_deployed(broken, with_libraries), "libraries", "migrate")


def test_service_started_before_migrations_is_reported(compose, packages):
    broken = copy.deepcopy(compose)
    del broken["services"]["accounts"]["depends_on"]["accounts-migrate"]
    assert _mention(check_service_packages_deployed(broken, packages), "accounts", "migrate")
    broken["services"]["accounts"]["command"] = "sh -c 'python -m accounts migrate && python -m accounts run'"
    assert check_service_packages_deployed(broken, packages) == []


def test_unscraped_service_is_reported(compose, prometheus, packages):
    broken = copy.deepcopy(prometheus)
    broken["scrape_configs"] = [job for job in broken["scrape_configs"] if job["job_name"] != "accounts"]
    assert _mention(check_prometheus_scrapes(compose, broken, packages), "no scrape job", "accounts")


def test_bad_depends_on_is_reported(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["gateway"]["depends_on"]["libraries"] = {"condition": "service_healthy"}
    broken["services"]["accounts"]["depends_on"]["redis"] = {"condition": "service_completed_successfully"}
    problems = check_depends_on(broken)
    assert _mention(problems, "gateway", "libraries", "not a compose service")
    assert _mention(problems, "accounts", "redis", "not a one-shot")


def test_wrong_hosts_and_databases_are_reported(compose, packages, init_sql):
    broken = copy.deepcopy(compose)
    broken["services"]["accounts"]["environment"]["HUB_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    assert _mention(check_connections(broken, packages, init_sql), "HUB_REDIS_URL", "127.0.0.1")
    assert _mention(check_connections(compose, packages, "-- nothing created"), "database 'accounts'")


def test_loopback_binding_is_reported(compose, packages):
    broken = copy.deepcopy(compose)
    del broken["services"]["accounts"]["environment"]["HUB_BIND_HOST"]
    broken["services"]["gateway"]["environment"]["HUB_HOST"] = "127.0.0.1"
    problems = check_bind_addresses(broken, packages)
    assert _mention(problems, "accounts", "HUB_BIND_HOST")
    assert _mention(problems, "gateway", "HUB_HOST")


def test_incomplete_dockerfile_is_reported(dockerfile, dockerignore, packages):
    broken = dockerfile.replace("COPY services/ services/\n", "").replace("USER hub", "USER root")
    problems = check_dockerfile(broken, dockerignore, packages)
    assert _mention(problems, "COPY services")
    assert _mention(problems, "non-root")
    assert _mention(check_dockerfile(dockerfile, dockerignore + "\ngateway\n", packages), "excludes gateway")
    explicit = re.sub(r"\./services/\*/?", " ".join(f"./services/{p}" for p in packages), dockerfile)
    assert check_dockerfile(explicit, dockerignore, packages) == []
    assert _mention(check_dockerfile(explicit, dockerignore, packages + ["libraries"]), "pip install services/libraries")


def test_published_ports_in_production_are_reported(compose):
    broken = copy.deepcopy(compose)
    broken["services"]["rabbitmq"]["ports"] = ["15672:15672"]
    del broken["services"]["mailpit"]["profiles"]
    problems = check_production_ports(broken)
    assert _mention(problems, "rabbitmq", "15672") and _mention(problems, "mailpit", "8025")
    broken["services"]["gateway"]["profiles"] = ["dev"]
    assert _mention(check_production_ports(broken), "gateway publishes no port")


def test_shared_or_wrong_broker_users_are_reported(compose, packages):
    broken = copy.deepcopy(compose)
    budget = broken["services"]["budget"]["environment"]
    budget["HUB_AMQP_URI"] = budget["HUB_AMQP_URI"].replace("amqp://budget:", "amqp://accounts:")
    broken["services"]["ideas"]["environment"]["HUB_AMQP_URI"] = "amqp://ideas:guessed@rabbitmq:5672/hub"
    broken["services"]["gateway"]["environment"]["HUB_AMQP_URI"] = "amqp://gateway:local-gateway@rabbitmq:5672/"
    del broken["services"]["petitions"]["depends_on"]["rabbitmq-users"]
    broken["x-hub-env"]["HUB_AMQP_DECLARE_EVENT_EXCHANGES"] = "1"
    broken["services"]["routing"]["environment"]["HUB_AMQP_DECLARE_EVENT_EXCHANGES"] = "1"
    problems = check_broker_users(broken, packages)
    assert _mention(problems, "budget", "'accounts'", "not as its own user")
    assert _mention(problems, "ideas", "password")
    assert _mention(problems, "gateway", "vhost")
    assert _mention(problems, "petitions", "rabbitmq-users")
    assert _mention(problems, "routing", "HUB_AMQP_DECLARE_EVENT_EXCHANGES")
    del broken["services"]["rabbitmq-users"]["environment"]["RABBITMQ_BUDGET_PASSWORD"]
    assert _mention(check_broker_users(broken, packages), "RABBITMQ_BUDGET_PASSWORD")
    del broken["services"]["rabbitmq-users"]
    assert _mention(check_broker_users(broken, packages), "deploy/rabbitmq/users.py")


def test_shared_or_missing_redis_users_are_reported(compose, reads, packages):
    broken = copy.deepcopy(compose)
    ideas = broken["services"]["ideas"]["environment"]
    ideas["HUB_REDIS_URL"] = ideas["HUB_REDIS_URL"].replace("redis://ideas:", "redis://accounts:")
    broken["services"]["budget"]["environment"]["HUB_REDIS_URL"] = "redis://redis:6379/0"
    broken["services"]["gateway"]["environment"]["HUB_REDIS_URL"] = "redis://gateway:x@redis:6379/0"
    broken["services"]["redis"]["command"] = ["redis-server"]
    problems = check_redis_users(broken)
    assert _mention(problems, "ideas", "'accounts'") and _mention(problems, "budget", "None")
    assert _mention(problems, "gateway", "password") and _mention(problems, "--aclfile")
    broken["services"]["redis-users"]["environment"]["REDIS_ADMN_PASSWORD"] = "typo"
    assert _mention(check_environment_read(broken, *reads, packages), "redis-users", "REDIS_ADMN_PASSWORD")


def test_env_scanner_on_a_fake_tree(tmp_path):
    source = tmp_path / "lib" / "pkg" / "pkg"
    source.mkdir(parents=True)
    (source / "config.py").write_text(
        "import os\n"
        "a = env_str('HUB_ONE', 'x')\n"
        "b = env_bool(\"HUB_TWO\", False)\n"
        "c = os.environ.get('HUB_THREE')\n"
        "d = env_str(f\"{service.upper()}_QUEUE_URL\", '')\n"
        "e = env_int(name.upper() + '_WORKERS', 2)\n"
        "f = env_optional_bool('HUB_FOUR')\n", encoding="utf-8")
    tests = tmp_path / "lib" / "pkg" / "tests"
    tests.mkdir()
    (tests / "test_config.py").write_text("env_str('HUB_ONLY_IN_TESTS', '')\n", encoding="utf-8")
    names, suffixes = env_reads(tmp_path)
    assert names == {"HUB_ONE", "HUB_TWO", "HUB_THREE", "HUB_FOUR"}
    assert suffixes == {"_QUEUE_URL", "_WORKERS"}


def test_interpolation_uses_defaults():
    assert interpolate("amqp://${USER:-hub}:${PASS-secret}@rabbitmq:5672/") == "amqp://hub:secret@rabbitmq:5672/"
    assert interpolate("${HUB_SECRET_KEY:?must be set}x$$y") == "x$y"
