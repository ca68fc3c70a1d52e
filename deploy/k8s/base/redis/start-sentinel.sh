#!/bin/sh
# The sentinel beside each Redis server: watches the master `hub` (the one the other sentinels report, else pod 0),
# as `admin`, and elects a new master when a quorum of sentinels (SENTINEL_QUORUM) sees it down. Its config file
# is writable: a sentinel records what it learns there.
set -eu
me="${HOSTNAME}.hub-redis"  # the pod's name, set by Kubernetes
master=""
for i in 0 1 2; do
  master=$(redis-cli -h "hub-redis-$i.hub-redis" -p 26379 --raw sentinel get-master-addr-by-name hub 2>/dev/null \
           | head -n 1) || true
  [ -n "$master" ] && break
done
[ -n "$master" ] || master="hub-redis-0.hub-redis"
mkdir -p /data/sentinel
umask 077
{
  echo "port 26379"
  echo "sentinel resolve-hostnames yes"
  echo "sentinel announce-hostnames yes"
  echo "sentinel announce-ip $me"
  echo "sentinel monitor hub $master 6379 ${SENTINEL_QUORUM}"
  echo "sentinel auth-user hub admin"
  echo "sentinel auth-pass hub $(tr -d '\n' < /run/secrets/redis/admin/password)"
  echo "sentinel down-after-milliseconds hub 5000"
  echo "sentinel failover-timeout hub 60000"
  echo "sentinel parallel-syncs hub 1"
} > /data/sentinel/sentinel.conf
exec redis-server /data/sentinel/sentinel.conf --sentinel
