#!/usr/bin/env bash
# keyway + Caddy on loopback: three demo backends, keyway (:18081), Caddy (:18080); then the demo flows.
source "$(dirname "$0")/../lib.sh"
cd "$root/examples/caddy"
start_backend i1 19001
start_backend i2 19002
start_backend default 19003
start_keyway
# Caddy keeps its state under XDG dirs: point them at the temp dir so nothing lands in $HOME.
XDG_CONFIG_HOME="$work" XDG_DATA_HOME="$work" caddy run --config Caddyfile --adapter caddyfile >"$work/caddy.log" 2>&1 &
pids+=($!)
wait_for_url "http://127.0.0.1:18080/"
demo_flows
