#!/bin/sh
# Writes Redis's ACL file: the template users.acl (written by deploy/k8s/generate.py from deploy/redis/users.py)
# with each `#@<user>@` replaced by `#` and the SHA-256 of that user's password, read from
# <secrets>/<user>/password (a mounted Secret; a final newline is not part of the password). The same file as
# `python deploy/redis/users.py render` writes (tests/contract/test_k8s_manifests.py compares them).
#   render-acl.sh <template> <secrets folder> <output>
set -eu
template=$1 secrets=$2 output=$3
cp "$template" "$output"
for user in $(sed -n 's/.*#@\([a-z0-9_]*\)@.*/\1/p' "$template"); do
  if [ ! -s "$secrets/$user/password" ]; then
    echo "render-acl: no password for the Redis user $user ($secrets/$user/password)" >&2
    exit 1
  fi
  hash=$(tr -d '\n' < "$secrets/$user/password" | sha256sum | cut -c1-64)
  sed -i "s/#@$user@/#$hash/" "$output"
done
