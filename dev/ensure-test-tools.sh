#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through ChromeDriver; the metrics tests use promtool.
set -eu
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "• installation des outils de test : ${missing[*]}"
if [ "$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "✗ installez : apt-get install ${missing[*]}"; exit 1; fi
$sudo apt-get update -qq
# the prometheus package would start a server: only its promtool is needed here
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v promtool >/dev/null
