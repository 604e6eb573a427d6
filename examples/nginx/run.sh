#!/usr/bin/env bash
# keyway + nginx on loopback: three demo backends, keyway (:18081), nginx (:18080, not as a daemon); then the demo flows.
source "$(dirname "$0")/../lib.sh"
cd "$root/examples/nginx"
start_backend i1 19001
start_backend i2 19002
start_backend default 19003
start_keyway
# The prefix (-p) holds the pid file and temp dirs; keyway.conf is included from this folder.
mkdir -p "$work/tmp"
chmod 755 "$work"
nginx -p "$work/" -c "$PWD/nginx.conf" >"$work/nginx.log" 2>&1 &
pids+=($!)
wait_for_url "http://127.0.0.1:18080/"
demo_flows
