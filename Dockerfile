# One image for every hub process: the gateway (default command) and each nameko service
# (`python -m <service> run|migrate`, chosen by the compose file or the orchestrator).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    HUB_VAR_DIR=/var/lib/hub

# psycopg's C build (psycopg[binary], in requirements.txt) bundles its own libpq; libpq5 is there for the
# pure-Python build, which psycopg falls back to if the C build cannot load.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first: this layer is rebuilt only when requirements.txt changes.
COPY requirements.txt ./
RUN pip install -r requirements.txt

# The hub's own packages: shared infrastructure, every service under services/, the gateway.
COPY lib/ lib/
COPY services/ services/
COPY gateway/ gateway/
# A regular (non-editable) install: migrations, alembic.ini and templates are package data.
# `./services/*/` picks up every service package, present and future.
RUN pip install --no-deps ./lib/hubkit ./gateway ./services/*/

# Non-root; HUB_VAR_DIR (embedded databases, mail folder) is the only place it writes.
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/hub --shell /usr/sbin/nologin hub \
 && mkdir -p /var/lib/hub \
 && chown hub:hub /var/lib/hub
USER hub
# Run outside the source tree, so `python -m <name>` can only find the installed packages.
WORKDIR /var/lib/hub

EXPOSE 8000
CMD ["python", "-m", "gateway"]
