#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through ChromeDriver; the metrics tests use promtool; the pooler test
# (tests/integration/test_pgbouncer.py) starts a pgbouncer of its own (Debian puts it in /usr/sbin); the dashboard
# queries test (tests/e2e/test_dashboard_queries.py) runs Prometheus with Debian's PostgreSQL and Redis exporters.
set -eu
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-postgres-exporter >/dev/null 2>&1 || missing+=(prometheus-postgres-exporter)
command -v prometheus-redis-exporter >/dev/null 2>&1 || missing+=(prometheus-redis-exporter)
has_pgbouncer() { command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; }
has_pgbouncer || missing+=(pgbouncer)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "• installation des outils de test : ${missing[*]}"
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "✗ installez : apt-get install ${missing[*]}"; exit 1; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# the prometheus, exporter and pgbouncer packages start a server where systemd runs: only their programs are needed
# here (the tests start their own, on free ports), so the servers this script installed are stopped and disabled
if [ -d /run/systemd/system ]; then
  for unit in prometheus prometheus-postgres-exporter prometheus-redis-exporter pgbouncer; do
    [[ " ${missing[*]} " == *" $unit "* ]] && $sudo systemctl disable --now "$unit" >/dev/null 2>&1 || true
  done
fi
command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v promtool >/dev/null && has_pgbouncer \
  && command -v prometheus-postgres-exporter >/dev/null && command -v prometheus-redis-exporter >/dev/null
