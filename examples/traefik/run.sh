#!/usr/bin/env bash
# keyway + Traefik on loopback: three demo backends, keyway and Traefik on free (or given) ports; then the demo flows,
# each checked. --two-hop (TWO_HOP=1) uses the Traefik < 3.6 two-hop config. Without a `traefik` binary the
# forwardAuth emulator of the e2e tests (test/e2e/traefik-forward-auth-emulator.ts) runs the same files instead.
# `run.sh --help` lists the options (--keep keeps the stack up). See README.md in this folder.
hop_options=1
extra_usage=" [--two-hop] [--hop-port N]"
extra_help="
  --two-hop           the Traefik < 3.6 two-hop config (TWO_HOP=1); --hop-port N its loopback hop (HOP_PORT)"
source "$(dirname "$0")/../lib.sh"
static=traefik.yml
if [ "$two_hop" = 1 ]; then static=traefik-two-hop.yml; fi
start_backends
start_keyway
if command -v traefik >/dev/null 2>&1; then
  start_proxy traefik traefik --configFile="$conf/$static"
else
  echo "(no traefik binary: running $static with the forwardAuth emulator)"
  start_proxy "traefik emulator" node --import "$tsx_loader" -e \
    "import('$root/test/e2e/traefik-forward-auth-emulator.ts').then((m) => m.startTraefikEmulator('$conf/$static'))"
fi
demo_flows
finish
