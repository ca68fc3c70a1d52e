#!/bin/sh
# A Redis server of the StatefulSet hub-redis: loads the hub's ACL users (users.acl, each `#@<user>@` replaced by
# the SHA-256 of that user's password from its mounted Secret), replicates from the current master (the sentinels
# know it; on the very first start, pod 0), and authenticates to it as `admin`.
set -eu
me="${HOSTNAME}.hub-redis"  # the pod's name, set by Kubernetes
mkdir -p /data/conf
acl=/data/conf/users.acl
sh /etc/hub-redis/render-acl.sh /etc/hub-redis/users.acl /run/secrets/redis "$acl"
master=""
for i in 0 1 2; do
  master=$(redis-cli -h "hub-redis-$i.hub-redis" -p 26379 --raw sentinel get-master-addr-by-name hub 2>/dev/null \
           | head -n 1) || true
  [ -n "$master" ] && break
done
[ -n "$master" ] || master="hub-redis-0.hub-redis"
umask 077
{
  echo "port 6379"
  echo "aclfile $acl"
  echo "dir /data"
  echo "replica-announce-ip $me"
  echo "masteruser admin"
  echo "masterauth $(tr -d '\n' < /run/secrets/redis/admin/password)"
  # counters and cached sessions only (docs/operations/redis.md): nothing to persist
  echo "save \"\""
  echo "appendonly no"
  [ "$master" = "$me" ] || echo "replicaof $master 6379"
} > /data/conf/redis.conf
exec redis-server /data/conf/redis.conf
