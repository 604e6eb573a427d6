#!/usr/bin/env bash
# keyway + nginx on loopback: three demo backends, keyway and nginx (not as a daemon) on free (or given) ports; then
# the demo flows, each checked. `run.sh --help` lists the options (--keep keeps the stack up). See README.md here.
source "$(dirname "$0")/../lib.sh"
start_backends
start_keyway
# The prefix (-p) holds the pid file and temp dirs; keyway.conf is included from the same folder as nginx.conf.
mkdir -p "$conf/tmp"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
start_proxy nginx "$nginx_bin" -p "$conf/" -c "$conf/nginx.conf"
demo_flows
finish
