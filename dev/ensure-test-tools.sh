#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through ChromeDriver; the metrics tests use promtool; the pooler test
# (tests/integration/test_pgbouncer.py) starts a pgbouncer of its own (Debian puts it in /usr/sbin).
set -eu
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
has_pgbouncer() { command -v pgbouncer >/dev/null 2>&1 || [ -x /usr/sbin/pgbouncer ]; }
has_pgbouncer || missing+=(pgbouncer)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "• installation des outils de test : ${missing[*]}"
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "✗ installez : apt-get install ${missing[*]}"; exit 1; fi
$sudo apt-get update -qq
# the prometheus and pgbouncer packages would start a server (where a service manager runs one): only their
# programs are needed here, and the tests start their own
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v promtool >/dev/null && has_pgbouncer
