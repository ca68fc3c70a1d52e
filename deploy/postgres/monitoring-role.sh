#!/bin/sh
# Run once by the postgres image on its first start (empty data volume), after init.sql: the role postgres-exporter
# connects as. pg_monitor lets it read the statistics views and the settings (pg_stat_activity, max_connections),
# and no table of the hub's databases. An existing volume: run the two statements by hand as `hub`
# (docs/operations.md, "Alerts"). The password comes from POSTGRES_MONITORING_PASSWORD (docker-compose.yml).
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  --set password="${POSTGRES_MONITORING_PASSWORD:?set POSTGRES_MONITORING_PASSWORD}" <<'SQL'
CREATE ROLE monitoring LOGIN PASSWORD :'password';
GRANT pg_monitor TO monitoring;
SQL
