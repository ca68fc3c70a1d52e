#!/usr/bin/env bash
# Makes sure the servers the hub needs are reachable, starting locally installed ones that are stopped.
# `make run` needs RabbitMQ and Redis; the tests (--for-tests) also need PostgreSQL and RabbitMQ's
# management plugin (nameko's test fixtures create a virtual host per test through it).
set -u
for_tests=0
[ "${1:-}" = "--for-tests" ] && for_tests=1

reachable() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do reachable "$1" && return 0; sleep 1; done
  return 1
}

need() {  # name port start-command how-to-install
  local name=$1 port=$2 start=$3 install=$4
  if reachable "$port"; then return 0; fi
  if command -v "${start%% *}" >/dev/null 2>&1; then
    echo "• $name n'écoute pas sur 127.0.0.1:$port : démarrage ($start)"
    eval "$start" >/dev/null 2>&1 || true
    if wait_port "$port"; then return 0; fi
  fi
  echo "✗ $name est introuvable sur 127.0.0.1:$port."
  echo "  Installez-le puis relancez : $install"
  exit 1
}

need RabbitMQ 5672 "rabbitmq-server -detached" \
  "sudo apt-get install rabbitmq-server   (ou : docker compose up -d rabbitmq)"
need Redis 6379 "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no" \
  "sudo apt-get install redis-server   (ou : docker compose up -d redis)"

if [ "$for_tests" = 1 ]; then
  need PostgreSQL 5432 "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql 2>/dev/null | head -n1) main start" \
    "sudo apt-get install postgresql   (accès trust pour l'utilisateur postgres sur 127.0.0.1)"
  if ! reachable 15672; then
    echo "• activation du plugin de gestion de RabbitMQ (utilisé par les fixtures de test de nameko)"
    rabbitmq-plugins enable rabbitmq_management >/dev/null
    wait_port 15672 || { echo "✗ l'interface de gestion de RabbitMQ (port 15672) ne répond pas"; exit 1; }
  fi
fi
echo "✓ RabbitMQ et Redis joignables$([ "$for_tests" = 1 ] && echo ", PostgreSQL et gestion RabbitMQ aussi")"
