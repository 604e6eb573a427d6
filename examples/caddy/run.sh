#!/usr/bin/env bash
# keyway + Caddy on loopback: three demo backends, keyway and Caddy on free (or given) ports; then the demo flows,
# each checked. `run.sh --help` lists the options (--keep keeps the stack up). See README.md in this folder.
source "$(dirname "$0")/../lib.sh"
start_backends
start_keyway
# Caddy keeps its state under XDG dirs: start_proxy points them at the work dir, so nothing lands in $HOME.
start_proxy caddy caddy run --config Caddyfile --adapter caddyfile
demo_flows
finish
